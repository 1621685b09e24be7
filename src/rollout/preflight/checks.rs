//! The per-service pre-flight checks: each reads one thing about one service in one region (the
//! live service, its task definition, the deployment group, its alarms, running deployments, the
//! deployment config) and records a [`Refusal`] for every problem that must stop the release.

use aws_sdk_codedeploy::operation::get_deployment_config::GetDeploymentConfigError;
use aws_sdk_codedeploy::operation::get_deployment_group::GetDeploymentGroupError;
use aws_sdk_codedeploy::types::{DeploymentGroupInfo, DeploymentReadyAction};
use serde_json::Value;

use crate::aws::{AwsError, RegionClients};
use crate::config::GatePoint;
use crate::rollout::alarms::{self, AlarmState};
use crate::rollout::appspec::ServiceSnapshot;
use crate::rollout::deployment::{ConfigChoice, TrafficRouting, choose_config};
use crate::rollout::error::Refusal;
use crate::rollout::targets::{Controller, DeployTargets, ServiceTarget};
use crate::rollout::taskdef;

use super::{PreflightInput, in_flight_deployments};

/// One service's pre-flight under way: what it checks against, and the refusals so far (all of
/// them scoped `region/service`).
pub(super) struct ServiceCheck<'a> {
    pub clients: &'a RegionClients,
    pub region: &'a str,
    pub key: String,
    pub target: ServiceTarget,
    pub input: &'a PreflightInput<'a>,
    pub refusals: Vec<Refusal>,
}

impl<'a> ServiceCheck<'a> {
    pub fn new(
        clients: &'a RegionClients,
        targets: &DeployTargets,
        input: &'a PreflightInput<'a>,
    ) -> Self {
        let region = clients.region.as_str();
        let name = input.service.name.as_str();
        let target = targets
            .service(name)
            .expect("services are checked against deploy_targets before the pre-flight")
            .clone();
        ServiceCheck {
            clients,
            region,
            key: format!("{region}/{name}"),
            target,
            input,
            refusals: Vec::new(),
        }
    }

    fn refuse(&mut self, problem: String, fix: String) {
        self.refusals.push(Refusal {
            scope: self.key.clone(),
            problem,
            fix,
        });
    }

    /// The live ECS service, which must exist and be deployed by CodeDeploy; `None` when it
    /// cannot be used at all (nothing else about it can be checked then).
    pub async fn live_service(&mut self) -> Result<Option<ServiceSnapshot>, AwsError> {
        let (region, target) = (self.region, &self.target);
        let live = crate::aws::live_service(
            &self.clients.ecs,
            &target.cluster_name,
            &target.service_name,
        )
        .await
        .map_err(|e| AwsError::new(region, "ECS DescribeServices", e))?;
        let service = match live {
            crate::aws::LiveService::Found(service) => service,
            crate::aws::LiveService::Missing(why) => {
                let problem = format!(
                    "ECS service {} in cluster {} cannot be used: {why}",
                    target.service_name, target.cluster_name
                );
                self.refuse(
                    problem,
                    format!(
                        "apply the {region} stack, or correct cluster_name/service_name in its deploy_targets output"
                    ),
                );
                return Ok(None);
            }
        };
        let snapshot = ServiceSnapshot::from_sdk(&service);
        // A service without a deploymentController is on the ECS controller (the API's default).
        let live_controller = snapshot.deployment_controller.as_deref().unwrap_or("ECS");
        let expected = target.controller.as_str();
        if live_controller != expected {
            let problem = format!(
                "ECS service {} is on the {live_controller} deployment controller, but deploy_targets says {expected}",
                target.service_name
            );
            self.refuse(
                problem,
                format!(
                    "apply the {region} stack so the service and its deploy_targets agree (deployment_controller of the service in the stack's services), or correct deployment_controller in the deploy targets file"
                ),
            );
        }
        Ok(Some(snapshot))
    }

    /// The service's task definition as the API sent it, and the new revision rendered from it
    /// (`None` when it cannot be rendered).
    pub async fn render_revision(
        &mut self,
        snapshot: &ServiceSnapshot,
        image_uri: &str,
    ) -> Result<(Value, Option<Value>), AwsError> {
        let (region, key, target) = (self.region, &self.key, &self.target);
        let current = taskdef::describe_raw(&self.clients.ecs, &snapshot.task_definition)
            .await
            .map_err(|e| AwsError {
                region: region.into(),
                operation: format!("ECS {}", e.operation),
                message: e.message,
            })?;
        let family = current["taskDefinition"]["family"]
            .as_str()
            .unwrap_or_default();
        if !target.task_family.is_empty() && family != target.task_family {
            tracing::warn!(
                "{key}: the service runs task definition family {family}, deploy_targets says {}; the new revision continues {family}",
                target.task_family
            );
        }
        let rendered = taskdef::render(
            &current,
            &target.container_name,
            image_uri,
            self.input.git_sha,
        );
        let request = match rendered {
            Ok(r) => Some(r),
            Err(e) => {
                let text = e.to_string();
                let (problem, fix) = text.split_once("\n  fix: ").unwrap_or((&text, ""));
                self.refuse(problem.to_string(), fix.to_string());
                None
            }
        };
        Ok((current, request))
    }

    /// The deployment group, which must exist, and the alarms it has enabled (none under the ECS
    /// controller: there is no group).
    pub async fn group_alarms(&mut self) -> Result<Vec<String>, AwsError> {
        let (region, target) = (self.region, &self.target);
        if target.controller == Controller::Ecs {
            return Ok(Vec::new());
        }
        let group = self
            .clients
            .codedeploy
            .get_deployment_group()
            .application_name(&target.codedeploy_app)
            .deployment_group_name(&target.deployment_group)
            .send()
            .await;
        let out = match group {
            Ok(out) => out,
            Err(e) => match e.as_service_error() {
                Some(
                    GetDeploymentGroupError::ApplicationDoesNotExistException(_)
                    | GetDeploymentGroupError::DeploymentGroupDoesNotExistException(_),
                ) => {
                    let problem = format!(
                        "CodeDeploy deployment group {}/{} does not exist in {region}",
                        target.codedeploy_app, target.deployment_group
                    );
                    self.refuse(
                        problem,
                        format!(
                            "apply the {region} stack, or correct codedeploy_app/deployment_group in its deploy_targets output"
                        ),
                    );
                    return Ok(Vec::new());
                }
                _ => return Err(AwsError::new(region, "CodeDeploy GetDeploymentGroup", e)),
            },
        };
        if let Some(info) = out.deployment_group_info() {
            self.gates_fit_the_group(info);
        }
        let Some(alarm_config) = out
            .deployment_group_info()
            .and_then(|g| g.alarm_configuration())
            .filter(|a| a.enabled())
        else {
            return Ok(Vec::new());
        };
        Ok(alarm_config
            .alarms()
            .iter()
            .filter_map(|a| a.name().map(str::to_string))
            .collect())
    }

    /// `[rollout.pause]` under CodeDeploy holds in the group's own waits: before traffic, the
    /// ready wait (the group must wait for ContinueDeployment); after traffic, the termination
    /// wait (it must outlast the gate, or CodeDeploy finishes the release by itself).
    fn gates_fit_the_group(&mut self, info: &DeploymentGroupInfo) {
        let Some(pause) = self.input.pause else {
            return;
        };
        let group = format!(
            "{}/{}",
            self.target.codedeploy_app, self.target.deployment_group
        );
        let blue_green = info.blue_green_deployment_configuration();
        let waits_for_continue = blue_green
            .and_then(|b| b.deployment_ready_option())
            .and_then(|r| r.action_on_timeout())
            == Some(&DeploymentReadyAction::StopDeployment);
        if pause.holds_at(GatePoint::BeforeTraffic) && !waits_for_continue {
            self.refuse(
                format!(
                    "rollout.pause holds before traffic, and deployment group {group} reroutes traffic without waiting (its deployment ready option does not wait for ContinueDeployment)"
                ),
                "give the group a ready wait (the bundled stacks: ready_wait_minutes > 0), or take before-traffic out of rollout.pause.at".into(),
            );
        }
        let termination_wait = blue_green
            .and_then(|b| b.terminate_blue_instances_on_deployment_success())
            .map(|t| t.termination_wait_time_in_minutes())
            .unwrap_or(0);
        if pause.holds_at(GatePoint::AfterTraffic)
            && (termination_wait.max(0) as u64) * 60 < pause.timeout.as_secs()
        {
            self.refuse(
                format!(
                    "rollout.pause holds after traffic for up to {}, and deployment group {group} ends the release {termination_wait} minute(s) after traffic moved (its termination wait)",
                    humantime::format_duration(pause.timeout)
                ),
                "make the group's termination wait at least the gate's timeout (the bundled stacks: termination_wait_time_minutes), or shorten rollout.pause.timeout".into(),
            );
        }
    }

    /// The alarms that gate the release (deploy_targets' and the group's, without duplicates)
    /// and their states: they must exist, and be OK unless this is a rollback.
    pub async fn gating_alarms(
        &mut self,
        group_alarms: &[String],
    ) -> Result<(Vec<String>, Vec<AlarmState>), AwsError> {
        let mut alarm_names: Vec<String> = Vec::new();
        for name in self.target.alarm_names.iter().chain(group_alarms) {
            if !alarm_names.contains(name) {
                alarm_names.push(name.clone());
            }
        }
        if alarm_names.is_empty() {
            if self.input.require_alarms {
                self.refuse(
                    "no alarm gates this service's rollout (deploy_targets.alarm_names and the deployment group's alarms are both empty), and rollout.require_alarms is true".into(),
                    "give the service alarms in the stack (alarm_names in deploy_targets), or set rollout.require_alarms = false in platform.toml to release without a gate".into(),
                );
            }
            return Ok((alarm_names, Vec::new()));
        }
        let region = self.region;
        let alarm_states = alarms::describe(&self.clients.cloudwatch, region, &alarm_names).await?;
        let missing = alarms::missing(&alarm_names, &alarm_states);
        if !missing.is_empty() {
            self.refuse(
                format!("alarm(s) {} do not exist in CloudWatch in {region}", missing.join(", ")),
                "apply the stack that creates them, or correct alarm_names in deploy_targets: an alarm that does not exist can never stop a bad release".into(),
            );
        }
        if self.input.allow_firing_alarms {
            self.unwatch_firing(&mut alarm_names, &alarm_states);
        } else {
            for state in alarm_states.iter().filter(|s| s.firing()) {
                self.refuse(
                    format!("alarm {} is already in ALARM ({})", state.name, state.reason),
                    "fix what the alarm reports and wait until it is OK; CodeDeploy and ECS ignore an alarm that is already firing when a deployment starts, so the release would not be gated".into(),
                );
            }
        }
        Ok((alarm_names, alarm_states))
    }

    /// A rollback does not watch the alarms already in ALARM: they fired on the release being
    /// replaced and would stop the rollback at once.
    fn unwatch_firing(&self, alarm_names: &mut Vec<String>, alarm_states: &[AlarmState]) {
        let firing: Vec<String> = alarm_states
            .iter()
            .filter(|s| s.firing())
            .map(|s| s.name.clone())
            .collect();
        if !firing.is_empty() {
            tracing::warn!(
                "{}: alarm(s) {} already in ALARM are not watched during the rollback",
                self.key,
                firing.join(", ")
            );
            alarm_names.retain(|n| !firing.contains(n));
        }
    }

    /// Deployments already running on the group: they refuse unless `--wait-for-inflight`.
    pub async fn in_flight(&mut self) -> Result<Vec<String>, AwsError> {
        let in_flight = in_flight_deployments(self.clients, &self.target).await?;
        if !in_flight.is_empty() && !self.input.wait_for_inflight {
            let backend = crate::rollout::backend::Backend::of(self.clients, &self.target);
            let problem = format!(
                "deployment(s) {} are still running on {}",
                in_flight.join(", "),
                backend.scope()
            );
            self.refuse(
                problem,
                "wait for them to finish, or pass --wait-for-inflight to wait for them and then start"
                    .into(),
            );
        }
        Ok(in_flight)
    }

    /// The deployment config the release uses and its traffic routing, read from CodeDeploy for a
    /// custom config (a config that does not exist refuses).
    pub async fn deployment_config(&mut self) -> (ConfigChoice, Option<TrafficRouting>) {
        let input = self.input;
        let mut config = choose_config(
            &input.service.name,
            input.service.deployment_config.as_deref(),
            input.rollout_config,
            &self.target.deployment_config,
        );
        if input.allow_firing_alarms {
            // A rollback sets the config itself (`rollback --deployment-config`).
            config.source = "rollback --deployment-config".into();
        }
        if self.target.controller == Controller::Ecs {
            // The ECS controller has no config objects: the name spells the strategy out.
            let routing = TrafficRouting::from_name(&config.name);
            if routing.is_none() {
                let problem = format!(
                    "deployment config {} (from {}) does not name an ECS strategy; {} is on the ECS deployment controller",
                    config.name, config.source, self.target.service_name
                );
                self.refuse(
                    problem,
                    "name the strategy: CodeDeployDefault.ECSAllAtOnce (blue/green), ECSCanary{P}Percent{M}Minutes or ECSLinear{P}PercentEvery{M}Minutes (e.g. ECSCanary10Percent5Minutes)".into(),
                );
            }
            return (config, routing);
        }
        if let Some(r) = TrafficRouting::predefined(&config.name) {
            return (config, Some(r));
        }
        let read = self
            .clients
            .codedeploy
            .get_deployment_config()
            .deployment_config_name(&config.name)
            .send()
            .await;
        let routing = match read {
            Ok(out) => out
                .deployment_config_info()
                .and_then(|i| i.traffic_routing_config())
                .and_then(TrafficRouting::from_sdk),
            Err(e) => {
                if let Some(GetDeploymentConfigError::DeploymentConfigDoesNotExistException(_)) =
                    e.as_service_error()
                {
                    let problem = format!(
                        "deployment config {} (from {}) does not exist in {}",
                        config.name, config.source, self.region
                    );
                    self.refuse(
                        problem,
                        "apply the stack that creates it, or name an existing config (CodeDeployDefault.ECS* or a custom one)".into(),
                    );
                } else {
                    tracing::warn!(
                        "{}: cannot read deployment config {} ({}); progress will show percentages without steps",
                        self.key,
                        config.name,
                        crate::aws::error_message(&e)
                    );
                }
                None
            }
        };
        (config, routing)
    }
}
