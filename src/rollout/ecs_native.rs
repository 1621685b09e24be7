//! The ECS deployment controller's side of a release: UpdateService with the deployment strategy
//! (blue/green, canary or linear, alarms with rollback, lifecycle hooks), a service deployment
//! read as the watch's two views (the deployment, and its rollback: ECS rolls back inside the same
//! deployment), StopServiceDeployment with rollback, the deployments in flight and the history.

use std::collections::BTreeMap;

use aws_sdk_ecs::operation::stop_service_deployment::StopServiceDeploymentError;
use aws_sdk_ecs::types::{
    AdvancedConfiguration, CanaryConfiguration, DeploymentAlarms, DeploymentCircuitBreaker,
    DeploymentConfiguration, DeploymentLifecycleHook, DeploymentLifecycleHookAction,
    DeploymentLifecycleHookStage, DeploymentLifecycleHookStatus, DeploymentLifecycleHookTargetType,
    DeploymentLifecycleHookTimeoutConfiguration, DeploymentStrategy, LinearConfiguration,
    LoadBalancer, ServiceDeployment, ServiceDeploymentStatus, StopServiceDeploymentStopType,
};
use serde::Serialize;

use super::deployment::TrafficRouting;
use super::monitor::Paused;
use super::monitor::{DeploymentState, TargetState};
use crate::aws::AwsError;
use crate::aws::history::PastDeployment;
use crate::config::{GatePoint, Pause};

/// The ECS stage each CodeDeploy hook name of `[[services]] hooks` runs at.
pub const HOOK_STAGES: &[(&str, &str)] = &[
    ("BeforeInstall", "PRE_SCALE_UP"),
    ("AfterInstall", "POST_SCALE_UP"),
    ("AfterAllowTestTraffic", "POST_TEST_TRAFFIC_SHIFT"),
    ("BeforeAllowTraffic", "PRE_PRODUCTION_TRAFFIC_SHIFT"),
    ("AfterAllowTraffic", "POST_PRODUCTION_TRAFFIC_SHIFT"),
];

/// Statuses of a service deployment that has not finished.
pub const IN_FLIGHT: &[&str] = &[
    "PENDING",
    "IN_PROGRESS",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
    "STOP_REQUESTED",
];

/// Minutes ECS keeps the old revision after the last shift: a rollback in that window is a
/// traffic switch, not a new deployment (CodeDeploy's termination wait plays this part).
pub const BAKE_MINUTES: i32 = 5;

/// UpdateService, in the API's JSON shape (what the dry run prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateServiceRequest {
    pub cluster: String,
    pub service: String,
    pub task_definition: String,
    pub deployment_configuration: NativeConfig,
    pub load_balancers: Vec<NativeLoadBalancer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeConfig {
    /// BLUE_GREEN, CANARY or LINEAR.
    pub strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_configuration: Option<Canary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear_configuration: Option<Linear>,
    pub bake_time_in_minutes: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Alarms>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lifecycle_hooks: Vec<Hook>,
    pub deployment_circuit_breaker: CircuitBreaker,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Canary {
    pub canary_percent: f64,
    pub canary_bake_time_in_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Linear {
    pub step_percent: f64,
    pub step_bake_time_in_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alarms {
    pub alarm_names: Vec<String>,
    pub enable: bool,
    pub rollback: bool,
}

/// A lifecycle hook: a Lambda function ECS invokes, or a PAUSE that holds the deployment until
/// ContinueServiceDeployment (a `[rollout.pause]` gate).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hook {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_target_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub lifecycle_stages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_configuration: Option<HookTimeout>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookTimeout {
    pub timeout_in_minutes: i32,
    pub action: String,
}

/// The ECS stage a gate holds at: PAUSE hooks may not sit in the traffic shifts themselves.
pub fn gate_stage(point: GatePoint) -> Option<&'static str> {
    match point {
        GatePoint::BeforeTraffic => Some("POST_TEST_TRAFFIC_SHIFT"),
        GatePoint::AfterTraffic => Some("POST_PRODUCTION_TRAFFIC_SHIFT"),
        GatePoint::DrWaves => None,
    }
}

/// Minutes ECS itself holds a PAUSE hook before rolling back: the gate's timeout and five more,
/// so that the rollout's own timeout acts first and ECS's is the backstop if the rollout is gone
/// (24 hours at most).
fn pause_hook_minutes(timeout: std::time::Duration) -> i32 {
    (timeout.as_secs().div_ceil(60) + 5).min(1440) as i32
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeLoadBalancer {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: u16,
    pub advanced_configuration: Advanced,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Advanced {
    pub alternate_target_group_arn: String,
    pub production_listener_rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_listener_rule: Option<String>,
    pub role_arn: String,
}

/// What one UpdateService is made of.
pub struct NativeInput<'a> {
    pub target: &'a super::ServiceTarget,
    pub task_definition_arn: &'a str,
    pub routing: TrafficRouting,
    pub alarms: &'a [String],
    pub hooks: &'a BTreeMap<String, String>,
    /// `[rollout.pause]`: PAUSE hooks at its points.
    pub pause: Option<&'a Pause>,
}

impl UpdateServiceRequest {
    pub fn new(input: &NativeInput<'_>) -> Self {
        let t = input.target;
        let role = t.infrastructure_role_arn.clone().unwrap_or_default();
        let minutes = |d: std::time::Duration| (d.as_secs().div_ceil(60)) as i32;
        let (strategy, canary, linear) = match input.routing {
            TrafficRouting::AllAtOnce => ("BLUE_GREEN", None, None),
            TrafficRouting::Canary { percent, interval } => (
                "CANARY",
                Some(Canary {
                    canary_percent: f64::from(percent),
                    canary_bake_time_in_minutes: minutes(interval),
                }),
                None,
            ),
            TrafficRouting::Linear { percent, interval } => (
                "LINEAR",
                None,
                Some(Linear {
                    step_percent: f64::from(percent),
                    step_bake_time_in_minutes: minutes(interval),
                }),
            ),
        };
        let mut lifecycle_hooks: Vec<Hook> = input
            .hooks
            .iter()
            .filter_map(|(name, arn)| {
                let (_, stage) = HOOK_STAGES.iter().find(|(n, _)| n == name)?;
                Some(Hook {
                    target_type: None,
                    hook_target_arn: Some(arn.clone()),
                    role_arn: Some(role.clone()),
                    lifecycle_stages: vec![stage.to_string()],
                    timeout_configuration: None,
                })
            })
            .collect();
        if let Some(pause) = input.pause {
            for stage in pause.at.iter().filter_map(|p| gate_stage(*p)) {
                lifecycle_hooks.push(Hook {
                    target_type: Some("PAUSE".into()),
                    hook_target_arn: None,
                    role_arn: None,
                    lifecycle_stages: vec![stage.to_string()],
                    timeout_configuration: Some(HookTimeout {
                        timeout_in_minutes: pause_hook_minutes(pause.timeout),
                        action: "ROLLBACK".into(),
                    }),
                });
            }
        }
        UpdateServiceRequest {
            cluster: t.cluster_name.clone(),
            service: t.service_name.clone(),
            task_definition: input.task_definition_arn.to_string(),
            deployment_configuration: NativeConfig {
                strategy: strategy.into(),
                canary_configuration: canary,
                linear_configuration: linear,
                bake_time_in_minutes: BAKE_MINUTES,
                alarms: (!input.alarms.is_empty()).then(|| Alarms {
                    alarm_names: input.alarms.to_vec(),
                    enable: true,
                    rollback: true,
                }),
                lifecycle_hooks,
                deployment_circuit_breaker: CircuitBreaker {
                    enable: true,
                    rollback: true,
                },
            },
            load_balancers: vec![NativeLoadBalancer {
                target_group_arn: t.target_group_arns.first().cloned().unwrap_or_default(),
                container_name: t.container_name.clone(),
                container_port: t.container_port,
                advanced_configuration: Advanced {
                    alternate_target_group_arn: t
                        .alternate_target_group_arn
                        .clone()
                        .unwrap_or_default(),
                    production_listener_rule: t
                        .production_listener_rule_arn
                        .clone()
                        .unwrap_or_default(),
                    test_listener_rule: t.test_listener_rule_arn.clone(),
                    role_arn: role,
                },
            }],
        }
    }

    fn sdk_config(&self) -> DeploymentConfiguration {
        let c = &self.deployment_configuration;
        let mut b = DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::from(c.strategy.as_str()))
            .bake_time_in_minutes(c.bake_time_in_minutes)
            .deployment_circuit_breaker(
                DeploymentCircuitBreaker::builder()
                    .enable(c.deployment_circuit_breaker.enable)
                    .rollback(c.deployment_circuit_breaker.rollback)
                    .build(),
            )
            .set_lifecycle_hooks(Some(
                c.lifecycle_hooks
                    .iter()
                    .map(|h| {
                        DeploymentLifecycleHook::builder()
                            .set_target_type(
                                h.target_type
                                    .as_deref()
                                    .map(DeploymentLifecycleHookTargetType::from),
                            )
                            .set_hook_target_arn(h.hook_target_arn.clone())
                            .set_role_arn(h.role_arn.clone())
                            .set_timeout_configuration(h.timeout_configuration.as_ref().map(|t| {
                                DeploymentLifecycleHookTimeoutConfiguration::builder()
                                    .timeout_in_minutes(t.timeout_in_minutes)
                                    .action(DeploymentLifecycleHookAction::from(t.action.as_str()))
                                    .build()
                            }))
                            .set_lifecycle_stages(Some(
                                h.lifecycle_stages
                                    .iter()
                                    .map(|s| DeploymentLifecycleHookStage::from(s.as_str()))
                                    .collect(),
                            ))
                            .build()
                    })
                    .collect(),
            ));
        if let Some(canary) = &c.canary_configuration {
            b = b.canary_configuration(
                CanaryConfiguration::builder()
                    .canary_percent(canary.canary_percent)
                    .canary_bake_time_in_minutes(canary.canary_bake_time_in_minutes)
                    .build(),
            );
        }
        if let Some(linear) = &c.linear_configuration {
            b = b.linear_configuration(
                LinearConfiguration::builder()
                    .step_percent(linear.step_percent)
                    .step_bake_time_in_minutes(linear.step_bake_time_in_minutes)
                    .build(),
            );
        }
        if let Some(alarms) = &c.alarms
            && let Ok(alarms) = DeploymentAlarms::builder()
                .set_alarm_names(Some(alarms.alarm_names.clone()))
                .enable(alarms.enable)
                .rollback(alarms.rollback)
                .build()
        {
            b = b.alarms(alarms);
        }
        b.build()
    }

    /// Sends it; returns the ARN of the service deployment it started.
    pub async fn send(&self, ecs: &aws_sdk_ecs::Client, region: &str) -> Result<String, AwsError> {
        let operation = "ECS UpdateService";
        let load_balancers = self
            .load_balancers
            .iter()
            .map(|lb| {
                let a = &lb.advanced_configuration;
                LoadBalancer::builder()
                    .target_group_arn(&lb.target_group_arn)
                    .container_name(&lb.container_name)
                    .container_port(i32::from(lb.container_port))
                    .advanced_configuration(
                        AdvancedConfiguration::builder()
                            .alternate_target_group_arn(&a.alternate_target_group_arn)
                            .production_listener_rule(&a.production_listener_rule)
                            .set_test_listener_rule(a.test_listener_rule.clone())
                            .role_arn(&a.role_arn)
                            .build(),
                    )
                    .build()
            })
            .collect();
        let out = ecs
            .update_service()
            .cluster(&self.cluster)
            .service(&self.service)
            .task_definition(&self.task_definition)
            .deployment_configuration(self.sdk_config())
            .set_load_balancers(Some(load_balancers))
            .send()
            .await
            .map_err(|e| AwsError::new(region, operation, e))?;
        out.service()
            .and_then(|s| s.current_service_deployment())
            .filter(|arn| !arn.is_empty())
            .map(str::to_string)
            .ok_or_else(|| AwsError {
                region: region.into(),
                operation: operation.into(),
                message: "the response names no service deployment (currentServiceDeployment): is the service on the ECS deployment controller?".into(),
            })
    }
}

/// One read of a service deployment (DescribeServiceDeployments).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceDeploymentState {
    pub status: String,
    pub status_reason: String,
    pub stage: Option<String>,
    /// Production traffic on the target (new) revision, in percent.
    pub target_weight: Option<f64>,
    /// (hook target, status) of the lifecycle hooks of the stage under way or the one that failed.
    pub hooks: Vec<(String, String)>,
    pub triggered_alarms: Vec<String>,
    /// The PAUSE hook awaiting ContinueServiceDeployment, if the deployment holds at one.
    pub paused_hook: Option<String>,
}

impl ServiceDeploymentState {
    pub fn from_sdk(d: &ServiceDeployment) -> Self {
        ServiceDeploymentState {
            status: d
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            status_reason: d.status_reason().unwrap_or_default().to_string(),
            stage: d.lifecycle_stage().map(|s| s.as_str().to_string()),
            target_weight: d
                .target_service_revision()
                .and_then(|r| r.requested_production_traffic_weight()),
            hooks: d
                .lifecycle_hook_details()
                .iter()
                .map(|h| {
                    (
                        h.target_arn().unwrap_or("PAUSE").to_string(),
                        h.status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            triggered_alarms: d
                .alarms()
                .map(|a| a.triggered_alarm_names().to_vec())
                .unwrap_or_default(),
            paused_hook: d
                .lifecycle_hook_details()
                .iter()
                .find(|h| {
                    h.target_type() == Some(&DeploymentLifecycleHookTargetType::Pause)
                        && h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction)
                })
                .and_then(|h| h.hook_id())
                .map(str::to_string),
        }
    }

    /// The gate the deployment holds at: a PAUSE hook awaiting action in a gate's stage.
    fn paused(&self) -> Option<Paused> {
        let hook_id = self.paused_hook.clone()?;
        let point = [GatePoint::BeforeTraffic, GatePoint::AfterTraffic]
            .into_iter()
            .find(|p| gate_stage(*p) == self.stage.as_deref())?;
        Some(Paused {
            point,
            hook_id: Some(hook_id),
        })
    }

    fn rolling_back(&self) -> bool {
        self.status.starts_with("ROLLBACK_")
    }

    /// The deployment as the watch knows it from CodeDeploy: InProgress, Succeeded, or Stopped /
    /// Failed with the same ARN as its rollback once ECS rolls back.
    pub fn forward(&self, arn: &str) -> DeploymentState {
        let status = match self.status.as_str() {
            "SUCCESSFUL" => "Succeeded",
            "STOPPED" | "STOP_REQUESTED" => "Stopped",
            s if s.starts_with("ROLLBACK_") => {
                if self.status_reason.contains("StopServiceDeployment")
                    || !self.triggered_alarms.is_empty()
                {
                    "Stopped"
                } else {
                    "Failed"
                }
            }
            _ => "InProgress",
        };
        DeploymentState {
            status: status.into(),
            error_code: if status == "InProgress" || status == "Succeeded" {
                String::new()
            } else {
                self.status.clone()
            },
            error_message: self.status_reason.clone(),
            rollback_deployment_id: self.rolling_back().then(|| arn.to_string()),
            rollback_message: self.status_reason.clone(),
            target: Some(self.target()),
            paused: if status == "InProgress" {
                self.paused()
            } else {
                None
            },
        }
    }

    /// The rollback ECS runs inside the deployment: Succeeded once ROLLBACK_SUCCESSFUL.
    pub fn rollback(&self) -> DeploymentState {
        let status = match self.status.as_str() {
            "ROLLBACK_SUCCESSFUL" => "Succeeded",
            "ROLLBACK_FAILED" => "Failed",
            _ => "InProgress",
        };
        DeploymentState {
            status: status.into(),
            error_code: String::new(),
            error_message: self.status_reason.clone(),
            rollback_deployment_id: None,
            rollback_message: String::new(),
            target: Some(self.target()),
            paused: None,
        }
    }

    /// The traffic on the new revision and the stage as lifecycle events (a failed hook is a
    /// failed event named by its target, with ECS's reason).
    pub fn target(&self) -> TargetState {
        let mut events = Vec::new();
        if let Some(stage) = &self.stage {
            events.push((stage.clone(), "InProgress".to_string(), String::new()));
        }
        for (hook, status) in &self.hooks {
            let status = match status.as_str() {
                "SUCCEEDED" => "Succeeded",
                "FAILED" => "Failed",
                "AWAITING_ACTION" => "AwaitingAction",
                _ => "InProgress",
            };
            let message = if status == "Failed" {
                self.status_reason.clone()
            } else {
                String::new()
            };
            events.push((format!("hook {hook}"), status.to_string(), message));
        }
        TargetState {
            green_weight: self.target_weight,
            events,
        }
    }
}

/// Reads one service deployment.
pub async fn read(ecs: &aws_sdk_ecs::Client, arn: &str) -> Result<ServiceDeploymentState, String> {
    let out = ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(|e| crate::aws::error_message(&e))?;
    if let Some(d) = out.service_deployments().first() {
        return Ok(ServiceDeploymentState::from_sdk(d));
    }
    let reason = out
        .failures()
        .first()
        .and_then(|f| f.reason())
        .unwrap_or("no answer");
    Err(format!(
        "DescribeServiceDeployments does not find {arn} ({reason})"
    ))
}

pub enum Stopped {
    Stopped,
    AlreadyCompleted,
    Failed(String),
}

/// StopServiceDeployment with rollback.
pub async fn stop(ecs: &aws_sdk_ecs::Client, arn: &str) -> Stopped {
    match ecs
        .stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
    {
        Ok(_) => Stopped::Stopped,
        Err(e) => match e.as_service_error() {
            // ECS answers a finished deployment with a conflict.
            Some(StopServiceDeploymentError::ConflictException(_)) => Stopped::AlreadyCompleted,
            _ => Stopped::Failed(crate::aws::error_message(&e)),
        },
    }
}

/// One service deployment as ListServiceDeployments lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub arn: String,
    /// The service revision it deploys.
    pub revision: Option<String>,
    pub created: Option<i64>,
    pub status: String,
}

/// The service's deployments with one of `statuses` (all when empty), newest first.
pub async fn deployments(
    ecs: &aws_sdk_ecs::Client,
    region: &str,
    cluster: &str,
    service: &str,
    statuses: &[&str],
    limit: usize,
) -> Result<Vec<Listed>, AwsError> {
    let mut found = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = ecs
            .list_service_deployments()
            .cluster(cluster)
            .service(service)
            .set_status(Some(
                statuses
                    .iter()
                    .map(|s| ServiceDeploymentStatus::from(*s))
                    .collect(),
            ))
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(|e| AwsError::new(region, "ECS ListServiceDeployments", e))?;
        for d in out.service_deployments() {
            found.push(Listed {
                arn: d.service_deployment_arn().unwrap_or_default().to_string(),
                revision: d.target_service_revision_arn().map(str::to_string),
                created: d.created_at().map(|t| t.secs()),
                status: d
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
        next = out.next_token().map(str::to_string);
        if next.is_none() || found.len() >= limit {
            break;
        }
    }
    found.truncate(limit);
    Ok(found)
}

/// The service's last finished deployments with one of `statuses`, newest first, each with the
/// task definition of its target revision (DescribeServiceRevisions).
pub async fn history(
    ecs: &aws_sdk_ecs::Client,
    region: &str,
    cluster: &str,
    service: &str,
    statuses: &[&str],
    depth: usize,
) -> Result<Vec<PastDeployment>, AwsError> {
    let listed = deployments(ecs, region, cluster, service, statuses, depth).await?;
    let revisions: Vec<String> = listed.iter().filter_map(|l| l.revision.clone()).collect();
    let mut task_definitions: BTreeMap<String, String> = BTreeMap::new();
    for chunk in revisions.chunks(20) {
        let out = ecs
            .describe_service_revisions()
            .set_service_revision_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::new(region, "ECS DescribeServiceRevisions", e))?;
        for r in out.service_revisions() {
            if let (Some(arn), Some(td)) = (r.service_revision_arn(), r.task_definition()) {
                task_definitions.insert(arn.to_string(), td.to_string());
            }
        }
    }
    Ok(listed
        .into_iter()
        .map(|l| PastDeployment {
            deployment_id: l.arn,
            created: l.created,
            status: past_status(&l.status).to_string(),
            description: String::new(),
            task_definition: l.revision.and_then(|r| task_definitions.get(&r).cloned()),
            replaced_digest: None,
        })
        .collect())
}

/// A finished ECS status in the history's words (CodeDeploy's).
fn past_status(status: &str) -> &str {
    match status {
        "SUCCESSFUL" => "Succeeded",
        "STOPPED" => "Stopped",
        "ROLLBACK_SUCCESSFUL" => "RolledBack",
        "ROLLBACK_FAILED" => "Failed",
        other => other,
    }
}

/// A deployment id as a table shows it: a service deployment ARN by its last part (the id ECS's
/// console shows), a CodeDeploy id as it is.
pub fn short_id(id: &str) -> &str {
    if id.starts_with("arn:") {
        id.rsplit('/').next().unwrap_or(id)
    } else {
        id
    }
}

/// ContinueServiceDeployment: lets a deployment held at PAUSE hook `hook_id` go on.
pub async fn continue_at(
    ecs: &aws_sdk_ecs::Client,
    arn: &str,
    hook_id: &str,
) -> Result<(), String> {
    ecs.continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(hook_id)
        .action(DeploymentLifecycleHookAction::Continue)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| crate::aws::error_message(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn state(status: &str, reason: &str) -> ServiceDeploymentState {
        ServiceDeploymentState {
            status: status.into(),
            status_reason: reason.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_rollback_is_the_same_deployment_seen_twice() {
        let arn = "arn:aws:ecs:us-east-1:1:service-deployment/c/s/abc";
        let ours = state(
            "ROLLBACK_IN_PROGRESS",
            "rolled back because of a StopServiceDeployment request.",
        );
        assert_eq!(ours.forward(arn).status, "Stopped");
        assert_eq!(
            ours.forward(arn).rollback_deployment_id.as_deref(),
            Some(arn)
        );
        assert_eq!(ours.rollback().status, "InProgress");
        let breaker = state("ROLLBACK_SUCCESSFUL", "circuit breaker");
        assert_eq!(breaker.forward(arn).status, "Failed");
        assert_eq!(breaker.rollback().status, "Succeeded");
        assert_eq!(state("IN_PROGRESS", "").forward(arn).status, "InProgress");
        assert_eq!(state("SUCCESSFUL", "").forward(arn).status, "Succeeded");
        assert_eq!(
            state("STOPPED", "").forward(arn).rollback_deployment_id,
            None
        );
    }

    #[test]
    fn the_strategy_follows_the_routing_and_hooks_map_to_stages() {
        let target: super::super::ServiceTarget = serde_json::from_value(serde_json::json!({
            "cluster_name": "c", "service_name": "s", "container_name": "app",
            "container_port": 8080, "task_family": "f", "desired_count": 2,
            "deployment_controller": "ECS", "deployment_config": "ECSCanary10Percent5Minutes",
            "target_group_arns": ["tg-blue", "tg-green"], "alternate_target_group_arn": "tg-green",
            "production_listener_rule_arn": "rule-prod", "infrastructure_role_arn": "role"
        }))
        .unwrap();
        let hooks = BTreeMap::from([
            ("BeforeAllowTraffic".to_string(), "fn-check".to_string()),
            ("AfterInstall".to_string(), "fn-smoke".to_string()),
        ]);
        let request = UpdateServiceRequest::new(&NativeInput {
            target: &target,
            task_definition_arn: "td:2",
            routing: TrafficRouting::Linear {
                percent: 25,
                interval: Duration::from_secs(90),
            },
            alarms: &["a-5xx".to_string()],
            hooks: &hooks,
            pause: Some(&Pause {
                at: [GatePoint::BeforeTraffic, GatePoint::DrWaves].into(),
                timeout: Duration::from_secs(30 * 60),
                parameter_path: "/platform-deploy/shop/gates".into(),
            }),
        });
        let json = serde_json::to_value(&request).unwrap();
        let config = &json["deploymentConfiguration"];
        assert_eq!(config["strategy"], "LINEAR");
        assert_eq!(config["linearConfiguration"]["stepPercent"], 25.0);
        assert_eq!(config["linearConfiguration"]["stepBakeTimeInMinutes"], 2);
        assert_eq!(config["alarms"]["rollback"], true);
        assert_eq!(
            config["lifecycleHooks"][0]["lifecycleStages"][0],
            "POST_SCALE_UP"
        );
        assert_eq!(
            config["lifecycleHooks"][1]["lifecycleStages"][0],
            "PRE_PRODUCTION_TRAFFIC_SHIFT"
        );
        assert_eq!(config["lifecycleHooks"][1]["roleArn"], "role");
        // The gate before traffic is a PAUSE hook after the test traffic shift, held by ECS 5
        // minutes past the gate's own timeout; the DR-wave gate is the rollout's, not ECS's.
        assert_eq!(
            config["lifecycleHooks"][2],
            serde_json::json!({
                "targetType": "PAUSE",
                "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                "timeoutConfiguration": {"timeoutInMinutes": 35, "action": "ROLLBACK"}
            })
        );
        assert!(config["lifecycleHooks"].get(3).is_none());
        let lb = &json["loadBalancers"][0];
        assert_eq!(lb["targetGroupArn"], "tg-blue");
        assert_eq!(
            lb["advancedConfiguration"]["alternateTargetGroupArn"],
            "tg-green"
        );
        assert!(
            lb["advancedConfiguration"]
                .get("testListenerRule")
                .is_none()
        );
    }
}
