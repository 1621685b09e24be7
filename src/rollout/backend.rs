//! The calls that differ by deployment controller, behind one vocabulary: read a deployment and
//! its rollback, stop it with rollback, list the ones in flight, read the history. Everything
//! else (the watch, pre-flight, `status`, `rollback`, `deploy`) is the same for both.

use aws_sdk_codedeploy::operation::stop_deployment::StopDeploymentError;
use aws_sdk_codedeploy::types::{DeploymentStatus, DeploymentWaitType};

use super::ecs_native;
use super::monitor::{DeploymentState, Paused, get_deployment};
use super::preflight::IN_FLIGHT;
use super::targets::{Controller, ServiceTarget};
use crate::aws::history::{self, DeploymentGroup, PastDeployment};
use crate::aws::{AwsError, RegionClients};
use crate::config::GatePoint;

/// Who releases one service, with the client that talks to it.
#[derive(Clone, Copy)]
pub enum Backend<'a> {
    CodeDeploy {
        client: &'a aws_sdk_codedeploy::Client,
        group: DeploymentGroup<'a>,
    },
    Ecs {
        client: &'a aws_sdk_ecs::Client,
        cluster: &'a str,
        service: &'a str,
    },
}

/// How a stop request went.
pub enum StopResult {
    Stopped,
    AlreadyCompleted,
    Failed(String),
}

/// Which kind of history to read.
#[derive(Clone, Copy)]
pub enum Finished {
    /// Deployments that succeeded (what a rollback may go back to).
    Succeeded,
    /// Every finished deployment (what `status` lists).
    Any,
}

impl<'a> Backend<'a> {
    pub fn of(clients: &'a RegionClients, target: &'a ServiceTarget) -> Self {
        match target.controller {
            Controller::CodeDeploy => Backend::CodeDeploy {
                client: &clients.codedeploy,
                group: target.codedeploy_group(),
            },
            Controller::Ecs => Backend::Ecs {
                client: &clients.ecs,
                cluster: &target.cluster_name,
                service: &target.service_name,
            },
        }
    }

    /// The deployment `id` as the watch sees it.
    pub async fn deployment(&self, id: &str) -> Result<DeploymentState, String> {
        match self {
            Backend::CodeDeploy { client, .. } => get_deployment(client, id).await,
            Backend::Ecs { client, .. } => Ok(ecs_native::read(client, id).await?.forward(id)),
        }
    }

    /// The rollback `id` (a deployment of its own under CodeDeploy; under ECS, the same
    /// deployment rolling back).
    pub async fn rollback(&self, id: &str) -> Result<DeploymentState, String> {
        match self {
            Backend::CodeDeploy { client, .. } => get_deployment(client, id).await,
            Backend::Ecs { client, .. } => Ok(ecs_native::read(client, id).await?.rollback()),
        }
    }

    /// Lets deployment `id`, held at `paused` (a `[rollout.pause]` gate), go on: CodeDeploy's
    /// ContinueDeployment of the wait, ECS's ContinueServiceDeployment of the PAUSE hook.
    pub async fn continue_at(&self, id: &str, paused: &Paused) -> Result<(), String> {
        match self {
            Backend::CodeDeploy {
                client: codedeploy, ..
            } => {
                let wait = match paused.point {
                    GatePoint::AfterTraffic => DeploymentWaitType::TerminationWait,
                    _ => DeploymentWaitType::ReadyWait,
                };
                codedeploy
                    .continue_deployment()
                    .deployment_id(id)
                    .deployment_wait_type(wait)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| crate::aws::error_message(&e))
            }
            Backend::Ecs { client, .. } => {
                let hook = paused.hook_id.as_deref().unwrap_or_default();
                ecs_native::continue_at(client, id, hook).await
            }
        }
    }

    /// Stops deployment `id` with rollback.
    pub async fn stop(&self, id: &str) -> StopResult {
        match self {
            Backend::CodeDeploy {
                client: codedeploy, ..
            } => match codedeploy
                .stop_deployment()
                .deployment_id(id)
                .auto_rollback_enabled(true)
                .send()
                .await
            {
                Ok(_) => StopResult::Stopped,
                Err(e) => match e.as_service_error() {
                    Some(StopDeploymentError::DeploymentAlreadyCompletedException(_)) => {
                        StopResult::AlreadyCompleted
                    }
                    _ => StopResult::Failed(crate::aws::error_message(&e)),
                },
            },
            Backend::Ecs { client, .. } => match ecs_native::stop(client, id).await {
                ecs_native::Stopped::Stopped => StopResult::Stopped,
                ecs_native::Stopped::AlreadyCompleted => StopResult::AlreadyCompleted,
                ecs_native::Stopped::Failed(e) => StopResult::Failed(e),
            },
        }
    }

    /// The command that stops `id` by hand.
    pub fn manual_stop_hint(&self, id: &str, region: &str) -> String {
        match self {
            Backend::CodeDeploy { .. } => format!(
                "stop it yourself: aws deploy stop-deployment --region {region} --deployment-id {id} --auto-rollback-enabled"
            ),
            Backend::Ecs { .. } => format!(
                "stop it yourself: aws ecs stop-service-deployment --region {region} --service-deployment-arn {id} --stop-type ROLLBACK"
            ),
        }
    }

    /// The progress line when rollback `id` is seen starting.
    pub fn rollback_started(&self, id: &str) -> String {
        match self {
            Backend::CodeDeploy { .. } => format!("rollback deployment {id} started"),
            Backend::Ecs { .. } => format!("ECS is rolling {id} back"),
        }
    }

    /// Where a person follows a deployment.
    pub fn console(&self) -> &'static str {
        match self {
            Backend::CodeDeploy { .. } => "the CodeDeploy console",
            Backend::Ecs { .. } => "the ECS console (the service's Deployments tab)",
        }
    }

    /// What the deployments run on, for messages (`app/group`, `cluster/service`).
    pub fn scope(&self) -> String {
        match self {
            Backend::CodeDeploy { group, .. } => format!("{}/{}", group.app, group.name),
            Backend::Ecs {
                cluster, service, ..
            } => format!("{cluster}/{service}"),
        }
    }

    /// Ids of the deployments that have not finished.
    pub async fn in_flight(&self, region: &str) -> Result<Vec<String>, AwsError> {
        match self {
            Backend::CodeDeploy {
                client: codedeploy,
                group,
            } => crate::aws::deployment_ids(codedeploy, group.app, group.name, IN_FLIGHT, None)
                .await
                .map_err(|e| AwsError::new(region, "CodeDeploy ListDeployments", e)),
            Backend::Ecs {
                client,
                cluster,
                service,
            } => Ok(ecs_native::deployments(
                client,
                region,
                cluster,
                service,
                ecs_native::IN_FLIGHT,
                100,
            )
            .await?
            .into_iter()
            .map(|l| l.arn)
            .collect()),
        }
    }

    /// The last `depth` finished deployments, newest first.
    pub async fn history(
        &self,
        region: &str,
        which: Finished,
        depth: usize,
    ) -> Result<Vec<PastDeployment>, AwsError> {
        match self {
            Backend::CodeDeploy { client, group } => {
                let statuses: &[DeploymentStatus] = match which {
                    Finished::Succeeded => &[DeploymentStatus::Succeeded],
                    Finished::Any => &[
                        DeploymentStatus::Succeeded,
                        DeploymentStatus::Failed,
                        DeploymentStatus::Stopped,
                    ],
                };
                history::history(client, region, group, statuses, depth).await
            }
            Backend::Ecs {
                client,
                cluster,
                service,
            } => {
                let statuses: &[&str] = match which {
                    Finished::Succeeded => &["SUCCESSFUL"],
                    Finished::Any => &[
                        "SUCCESSFUL",
                        "STOPPED",
                        "ROLLBACK_SUCCESSFUL",
                        "ROLLBACK_FAILED",
                    ],
                };
                ecs_native::history(client, region, cluster, service, statuses, depth).await
            }
        }
    }
}
