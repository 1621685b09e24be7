//! "Serving": every service of a region runs its desired tasks (more than zero) and as many
//! targets are healthy behind its load balancer.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use super::Waits;
use super::error::FailoverError;
use crate::aws::RegionClients;
use crate::rollout::Progress;
use crate::rollout::targets::{DeployTargets, ServiceTarget};

/// One service's counts at one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceHealth {
    pub desired: i32,
    pub running: i32,
    /// Healthy targets across the service's target groups; `None` without target groups.
    pub healthy_targets: Option<i32>,
}

impl ServiceHealth {
    pub fn serving(&self) -> bool {
        self.desired > 0
            && self.running >= self.desired
            && self.healthy_targets.is_none_or(|h| h >= self.desired)
    }

    pub fn describe(&self) -> String {
        let mut text = format!("{}/{} running", self.running, self.desired);
        if let Some(h) = self.healthy_targets {
            text.push_str(&format!(", {h} healthy behind the ALB"));
        }
        text
    }
}

async fn service_health(
    aws: &RegionClients,
    target: &ServiceTarget,
) -> Result<ServiceHealth, FailoverError> {
    let live = crate::aws::live_service(&aws.ecs, &target.cluster_name, &target.service_name)
        .await
        .map_err(|e| FailoverError::aws("DescribeServices", &aws.region, e))?;
    let (desired, running) = match live {
        crate::aws::LiveService::Found(s) => (s.desired_count(), s.running_count()),
        crate::aws::LiveService::Missing(_) => (0, 0),
    };
    if target.target_groups.is_empty() {
        return Ok(ServiceHealth {
            desired,
            running,
            healthy_targets: None,
        });
    }
    let groups = aws
        .elb
        .describe_target_groups()
        .set_names(Some(target.target_groups.clone()))
        .send()
        .await
        .map_err(|e| FailoverError::aws("DescribeTargetGroups", &aws.region, e))?;
    let mut healthy = 0;
    for group in groups.target_groups() {
        let Some(arn) = group.target_group_arn() else {
            continue;
        };
        let health = aws
            .elb
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(|e| FailoverError::aws("DescribeTargetHealth", &aws.region, e))?;
        healthy += health
            .target_health_descriptions()
            .iter()
            .filter(|d| {
                d.target_health().and_then(|h| h.state())
                    == Some(&aws_sdk_elasticloadbalancingv2::types::TargetHealthStateEnum::Healthy)
            })
            .count() as i32;
    }
    Ok(ServiceHealth {
        desired,
        running,
        healthy_targets: Some(healthy),
    })
}

/// Every service of the region, now.
pub async fn region_health(
    aws: &RegionClients,
    targets: &DeployTargets,
) -> Result<BTreeMap<String, ServiceHealth>, FailoverError> {
    let mut out = BTreeMap::new();
    for (name, target) in &targets.services {
        out.insert(name.clone(), service_health(aws, target).await?);
    }
    Ok(out)
}

pub fn summarize(health: &BTreeMap<String, ServiceHealth>) -> String {
    health
        .iter()
        .map(|(name, h)| format!("{name} {}", h.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits until every service of the region serves.
pub async fn wait_serving(
    aws: &RegionClients,
    targets: &DeployTargets,
    waits: &Waits,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Result<String, FailoverError> {
    let what = format!("every service in {} serving", aws.region);
    waits
        .until(&what, progress, &aws.region, cancel, || async {
            let health = region_health(aws, targets).await?;
            let text = summarize(&health);
            Ok(if health.values().all(ServiceHealth::serving) {
                Ok(text)
            } else {
                Err(text)
            })
        })
        .await
}
