//! A CodeDeploy deployment group's history: the one reader rollback and status use.

use aws_sdk_codedeploy::types::{DeploymentInfo, DeploymentStatus};
use serde::Serialize;
use serde_json::Value;

use super::error::AwsError;

/// The description prefix that marks a rollback deployment; ` replacing sha256:…` follows, so a
/// later rollback knows what this one rolled back.
pub const DESCRIPTION_MARK: &str = "platform-deploy rollback";

/// How many succeeded deployments of a group are read to find the previous release.
pub const HISTORY_DEPTH: usize = 25;

/// A deployment group by its application and name.
#[derive(Debug, Clone, Copy)]
pub struct DeploymentGroup<'a> {
    pub app: &'a str,
    pub name: &'a str,
}

/// The ids of a deployment group's deployments with one of `statuses` (any status when empty), as
/// CodeDeploy lists them (newest first), following its pages until `at_least` ids are in hand (every
/// page when `None`).
pub async fn deployment_ids(
    codedeploy: &aws_sdk_codedeploy::Client,
    app: &str,
    group: &str,
    statuses: &[aws_sdk_codedeploy::types::DeploymentStatus],
    at_least: Option<usize>,
) -> Result<
    Vec<String>,
    aws_sdk_codedeploy::error::SdkError<
        aws_sdk_codedeploy::operation::list_deployments::ListDeploymentsError,
    >,
> {
    let mut ids: Vec<String> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = codedeploy
            .list_deployments()
            .application_name(app)
            .deployment_group_name(group)
            .set_include_only_statuses((!statuses.is_empty()).then(|| statuses.to_vec()))
            .set_next_token(next.take())
            .send()
            .await?;
        ids.extend(out.deployments().iter().cloned());
        let enough = at_least.is_some_and(|n| ids.len() >= n);
        match out.next_token() {
            Some(t) if !t.is_empty() && !enough => next = Some(t.to_string()),
            _ => return Ok(ids),
        }
    }
}

/// The task definition an AppSpec (JSON or YAML-ish) names.
pub fn appspec_task_definition(content: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<Value>(content) {
        return v["Resources"]
            .as_array()?
            .iter()
            .find_map(|r| {
                r.as_object()?
                    .values()
                    .find_map(|x| x["Properties"]["TaskDefinition"].as_str())
            })
            .map(str::to_string);
    }
    content.lines().find_map(|l| {
        let (k, v) = l.trim().split_once(':')?;
        (k.trim() == "TaskDefinition")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|s| !s.is_empty())
    })
}

/// One succeeded deployment of the history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PastDeployment {
    pub deployment_id: String,
    pub created: Option<i64>,
    pub status: String,
    pub description: String,
    pub task_definition: Option<String>,
    /// What this deployment rolled back (a platform-deploy rollback's ` replacing sha256:…`).
    pub replaced_digest: Option<String>,
}

impl PastDeployment {
    pub fn from_sdk(d: &DeploymentInfo) -> Self {
        let description = d.description().unwrap_or_default().to_string();
        let replaced_digest = description
            .starts_with(DESCRIPTION_MARK)
            .then(|| {
                description
                    .split_once(" replacing ")
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    .filter(|d| d.starts_with("sha256:"))
                    .map(str::to_string)
            })
            .flatten();
        PastDeployment {
            deployment_id: d.deployment_id().unwrap_or_default().to_string(),
            created: d.create_time().map(|t| t.secs()),
            status: d
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            description,
            task_definition: d
                .revision()
                .and_then(|r| r.app_spec_content())
                .and_then(|a| a.content())
                .and_then(appspec_task_definition),
            replaced_digest,
        }
    }
}

/// The group's last deployments with one of `statuses` (all when empty), newest first.
pub async fn history(
    codedeploy: &aws_sdk_codedeploy::Client,
    region: &str,
    group: &DeploymentGroup<'_>,
    statuses: &[DeploymentStatus],
    depth: usize,
) -> Result<Vec<PastDeployment>, AwsError> {
    // More ids than asked for: some turn out to be rollbacks' own deployments, or to lack a revision.
    let ids = deployment_ids(codedeploy, group.app, group.name, statuses, Some(depth * 4))
        .await
        .map_err(|e| AwsError::new(region, "CodeDeploy ListDeployments", e))?;
    let mut found = Vec::new();
    for chunk in ids.chunks(25) {
        let out = codedeploy
            .batch_get_deployments()
            .set_deployment_ids(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::new(region, "CodeDeploy BatchGetDeployments", e))?;
        found.extend(out.deployments_info().iter().map(PastDeployment::from_sdk));
    }
    found.sort_by_key(|d| std::cmp::Reverse(d.created));
    found.truncate(depth);
    Ok(found)
}
