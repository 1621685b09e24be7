//! The DR region's traffic role: an SSM parameter the regional stack creates and reads (the
//! `traffic_role_parameter` of its `deploy_targets`), written here. Terraform ignores changes to
//! its value, so the role outlives this run and later deploys keep the promoted region serving.

use std::fmt;

use serde::Serialize;

use super::error::FailoverError;
use crate::aws::RegionClients;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficRole {
    /// Idle DR: 0 tasks, no NAT.
    Standby,
    /// Promoted: full capacity, preferred at the edge.
    Active,
    /// Failing back: capacity kept, no longer preferred.
    Draining,
}

impl TrafficRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficRole::Standby => "standby",
            TrafficRole::Active => "active",
            TrafficRole::Draining => "draining",
        }
    }
}

impl fmt::Display for TrafficRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameter's value, `None` when it does not exist yet.
pub async fn read(aws: &RegionClients, parameter: &str) -> Result<Option<String>, FailoverError> {
    match aws.ssm.get_parameter().name(parameter).send().await {
        Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_parameter_not_found()) =>
        {
            Ok(None)
        }
        Err(e) => Err(FailoverError::aws("GetParameter", &aws.region, e)),
    }
}

/// Sets the role; reads first, so a rerun does not write again.
pub async fn write(
    aws: &RegionClients,
    parameter: &str,
    role: TrafficRole,
) -> Result<String, FailoverError> {
    let current = read(aws, parameter).await?;
    if current.as_deref() == Some(role.as_str()) {
        return Ok(format!("{parameter} is already {role}"));
    }
    if current.is_none() {
        return Err(FailoverError::Refused {
            message: format!(
                "the traffic-role parameter {parameter} does not exist in {}",
                aws.region
            ),
            fix: "apply the regional stack once (it creates the parameter), then rerun".into(),
        });
    }
    aws.ssm
        .put_parameter()
        .name(parameter)
        .value(role.as_str())
        .overwrite(true)
        .send()
        .await
        .map_err(|e| FailoverError::aws("PutParameter", &aws.region, e))?;
    Ok(format!(
        "{parameter}: {} → {role}",
        current.unwrap_or_default()
    ))
}
