//! The edge while the primary region is down. CloudFront, its WAF and the Route53 control plane
//! are managed from us-east-1, so promoting a DR region during a us-east-1 outage must not depend
//! on applying the edge stack (AWS's static-stability advice): the bundled edge already routes
//! around a failed region by itself — Route53 latency records carry the regions' health checks,
//! and CloudFront's origin group fails over on errors. This step confirms that the down region's
//! health check fails, so DNS answers with the serving region; the edge stack is applied later,
//! when the region answers again (`failover --back`, or `platform-deploy apply`).

use std::time::Duration;

use aws_sdk_route53::Client;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::{FailoverError, Waits};
use crate::aws::AwsError;
use crate::rollout::Progress;

/// The edge stack's output that names each region's Route53 health check.
pub const HEALTH_CHECKS_OUTPUT: &str = "health_check_ids";

/// How long Route53 takes to call an endpoint unhealthy: 3 failed checks 30 s apart, the
/// bundled default.
pub const EXPECTED_UNHEALTHY: Duration = Duration::from_secs(90);

/// The health check of `region` in the edge stack's outputs.
pub fn health_check_of(
    outputs: &Map<String, Value>,
    stack: &str,
    region: &str,
) -> Result<String, FailoverError> {
    outputs
        .get(HEALTH_CHECKS_OUTPUT)
        .and_then(|v| v.get(region))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| FailoverError::Usage {
            message: format!("stack {stack} has no `{HEALTH_CHECKS_OUTPUT}` entry for {region}"),
            fix: format!(
                "apply {stack} with the bundled edge (it exports {HEALTH_CHECKS_OUTPUT}); without a health check the edge cannot route around {region}"
            ),
        })
}

/// How many of Route53's checkers see the endpoint healthy, of how many report.
pub async fn checkers(route53: &Client, health_check: &str) -> Result<(usize, usize), AwsError> {
    let out = route53
        .get_health_check_status()
        .health_check_id(health_check)
        .send()
        .await
        .map_err(|e| AwsError::new("global", "Route53 GetHealthCheckStatus", e))?;
    let observations = out.health_check_observations();
    let healthy = observations
        .iter()
        .filter(|o| {
            o.status_report()
                .and_then(|r| r.status())
                .is_some_and(|s| s.starts_with("Success"))
        })
        .count();
    Ok((healthy, observations.len()))
}

/// Waits until most checkers see `region` unhealthy: from then on Route53 leaves it out of its
/// answers and the serving region takes the traffic.
pub async fn wait_routed_around(
    route53: &Client,
    region: &str,
    health_check: &str,
    waits: &Waits,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Result<String, FailoverError> {
    let what = format!("Route53 to call {region} unhealthy");
    waits
        .until(&what, progress, "edge", cancel, || async {
            let (healthy, total) = checkers(route53, health_check).await?;
            Ok(if total > 0 && healthy * 2 < total {
                Ok(format!(
                    "Route53 routes around {region}: its health check {health_check} fails from {} of {total} checkers; the edge stack applies once {region} answers again",
                    total - healthy
                ))
            } else {
                Err(format!("{healthy} of {total} checkers still see {region} healthy"))
            })
        })
        .await
}
