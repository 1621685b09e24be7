//! Reading a deployment's state: its status, error and rollback from GetDeployment, and its ECS
//! target (traffic on the new task set, lifecycle events) from the deployment target calls.

use aws_sdk_codedeploy::types::{DeploymentInfo, DeploymentStatus, EcsTarget, TargetLabel};

use crate::config::GatePoint;

use super::Watched;
use crate::rollout::backend::Backend;

/// The fields of DeploymentInfo the monitor decides on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentState {
    pub status: String,
    pub error_code: String,
    pub error_message: String,
    pub rollback_deployment_id: Option<String>,
    pub rollback_message: String,
    /// The target when the same read carries it (ECS); CodeDeploy's is read apart.
    pub target: Option<TargetState>,
    /// The controller holds the deployment at a gate (`[rollout.pause]`), waiting to be continued.
    pub paused: Option<Paused>,
}

/// Where a deployment holds, and what continues it.
#[derive(Debug, Clone, PartialEq)]
pub struct Paused {
    pub point: GatePoint,
    /// ECS: the PAUSE hook to continue; CodeDeploy continues the wait of `point`.
    pub hook_id: Option<String>,
}

impl DeploymentState {
    pub fn from_sdk(info: &DeploymentInfo) -> Self {
        DeploymentState {
            status: info
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            error_code: info
                .error_information()
                .and_then(|e| e.code())
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            error_message: info
                .error_information()
                .and_then(|e| e.message())
                .unwrap_or_default()
                .to_string(),
            rollback_deployment_id: info
                .rollback_info()
                .and_then(|r| r.rollback_deployment_id())
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            rollback_message: info
                .rollback_info()
                .and_then(|r| r.rollback_message())
                .unwrap_or_default()
                .to_string(),
            target: None,
            paused: codedeploy_wait(info),
        }
    }

    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), "Succeeded" | "Failed" | "Stopped")
    }
}

/// The ECS target of a deployment: traffic on the new task set and the lifecycle events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetState {
    /// Production traffic weight of the replacement (green) task set, in percent.
    pub green_weight: Option<f64>,
    /// (event name, status, diagnostics message) in CodeDeploy's order.
    pub events: Vec<(String, String, String)>,
}

impl TargetState {
    pub fn from_sdk(target: &EcsTarget) -> Self {
        let green_weight = target
            .task_sets_info()
            .iter()
            .find(|t| t.task_set_label() == Some(&TargetLabel::Green))
            .map(|t| t.traffic_weight());
        let events = target
            .lifecycle_events()
            .iter()
            .map(|e| {
                let diag = e.diagnostics();
                let message = diag
                    .and_then(|d| d.message())
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .or_else(|| {
                        diag.and_then(|d| d.error_code())
                            .map(|c| c.as_str().to_string())
                    })
                    .unwrap_or_default();
                (
                    e.lifecycle_event_name().unwrap_or_default().to_string(),
                    e.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    message,
                )
            })
            .collect();
        TargetState {
            green_weight,
            events,
        }
    }

    pub fn failed_event(&self) -> Option<(&str, &str)> {
        self.events
            .iter()
            .find(|(_, status, _)| status == "Failed")
            .map(|(name, _, message)| (name.as_str(), message.as_str()))
    }
}

pub(crate) async fn get_deployment(
    codedeploy: &aws_sdk_codedeploy::Client,
    id: &str,
) -> Result<DeploymentState, String> {
    let out = codedeploy
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .map_err(|e| crate::aws::error_message(&e))?;
    out.deployment_info()
        .map(DeploymentState::from_sdk)
        .ok_or_else(|| "GetDeployment returned no deploymentInfo".to_string())
}

/// The deployment's target: the one `state`'s own read carried (ECS), else CodeDeploy's, read with
/// its deployment target calls (`target_id` remembers the target once CodeDeploy has made it).
pub(crate) async fn get_target(
    w: &Watched<'_>,
    state: &DeploymentState,
    target_id: &mut Option<String>,
) -> Result<Option<TargetState>, String> {
    if let Some(target) = &state.target {
        return Ok(Some(target.clone()));
    }
    let Backend::CodeDeploy {
        client: codedeploy, ..
    } = w.backend
    else {
        return Ok(None);
    };
    let display = |e| crate::aws::error_message(&e);
    if target_id.is_none() {
        let out = codedeploy
            .list_deployment_targets()
            .deployment_id(w.deployment_id)
            .send()
            .await
            .map_err(display)?;
        *target_id = out.target_ids().first().cloned();
    }
    let Some(id) = target_id.as_deref() else {
        return Ok(None); // CodeDeploy has not created the target yet
    };
    let out = codedeploy
        .get_deployment_target()
        .deployment_id(w.deployment_id)
        .target_id(id)
        .send()
        .await
        .map_err(|e| crate::aws::error_message(&e))?;
    Ok(out
        .deployment_target()
        .and_then(|t| t.ecs_target())
        .map(TargetState::from_sdk))
}

/// CodeDeploy's holds: Ready (the ready wait, before traffic is rerouted, when the group's
/// deployment ready option waits for ContinueDeployment) and the termination wait (all traffic
/// rerouted, the original task set still up).
fn codedeploy_wait(info: &DeploymentInfo) -> Option<Paused> {
    let point = match info.status()? {
        DeploymentStatus::Ready => GatePoint::BeforeTraffic,
        DeploymentStatus::InProgress if info.instance_termination_wait_time_started() => {
            GatePoint::AfterTraffic
        }
        _ => return None,
    };
    Some(Paused {
        point,
        hook_id: None,
    })
}
