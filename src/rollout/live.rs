//! The release a service runs: its task definition, the image digest and git SHA in it. Read by
//! rollback (what to go back to) and status (what is live).

use serde::Serialize;
use serde_json::Value;

use crate::aws::{AwsError, LiveService, RegionClients, live_service};

use super::ServiceTarget;
use super::taskdef::{self, GIT_SHA_TAG};

/// The release a task definition runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Release {
    pub task_definition: String,
    pub digest: Option<String>,
    pub git_sha: Option<String>,
}

/// The digest in an image reference (`…@sha256:HEX`).
pub fn image_digest(image: &str) -> Option<String> {
    image
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .filter(|d| d.starts_with("sha256:"))
}

/// The release of a DescribeTaskDefinition response (with tags): `container`'s image digest and the
/// git SHA tag.
pub fn release_of(describe: &Value, container: &str) -> (Option<String>, Option<String>, String) {
    let td = &describe["taskDefinition"];
    let image = td["containerDefinitions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == container))
        .and_then(|c| c["image"].as_str())
        .unwrap_or_default()
        .to_string();
    let sha = describe["tags"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["key"] == GIT_SHA_TAG))
        .and_then(|t| t["value"].as_str())
        .map(str::to_string);
    (image_digest(&image), sha, image)
}

pub async fn describe_release(
    clients: &RegionClients,
    target: &ServiceTarget,
    task_definition: &str,
) -> Result<(Release, String), AwsError> {
    let raw = taskdef::describe_raw(&clients.ecs, task_definition)
        .await
        .map_err(|e| AwsError {
            region: clients.region.clone(),
            operation: format!("ECS {}", e.operation),
            message: e.message,
        })?;
    let (digest, git_sha, image) = release_of(&raw, &target.container_name);
    let arn = raw["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap_or(task_definition)
        .to_string();
    Ok((
        Release {
            task_definition: arn,
            digest,
            git_sha,
        },
        image,
    ))
}

/// The live release of a service: DescribeServices, then its task definition.
pub async fn live_release(
    clients: &RegionClients,
    target: &ServiceTarget,
) -> Result<(Release, Option<aws_sdk_ecs::types::Service>), AwsError> {
    let service = match live_service(&clients.ecs, &target.cluster_name, &target.service_name)
        .await
        .map_err(|e| AwsError::new(&clients.region, "ECS DescribeServices", e))?
    {
        LiveService::Found(service) => Some(*service),
        LiveService::Missing(_) => None,
    };
    let Some(td) = service.as_ref().and_then(|s| s.task_definition()) else {
        return Ok((
            Release {
                task_definition: String::new(),
                digest: None,
                git_sha: None,
            },
            service,
        ));
    };
    let (release, _) = describe_release(clients, target, td).await?;
    Ok((release, service))
}

pub fn short_digest(d: &str) -> String {
    let hex = d.strip_prefix("sha256:").unwrap_or(d);
    format!("sha256:{}", &hex[..hex.len().min(12)])
}

/// `family:N` of a task definition ARN.
pub fn short_td(arn: &str) -> &str {
    arn.rsplit_once('/').map(|(_, r)| r).unwrap_or(arn)
}
