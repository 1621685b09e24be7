//! The release of one service in one region: register the task definition revision, start the
//! deployment (CodeDeploy's, or ECS's own through UpdateService) and watch it to its end.

use tokio_util::sync::CancellationToken;

use crate::aws::{AwsError, RegionClients};
use crate::outcome::OutcomeKind;

use super::analysis::Analyzer;
use super::appspec::{self, AppSpecInput};
use super::backend::{Backend, StopResult};
use super::deployment::DeploymentRequest;
use super::ecs_native::{NativeInput, UpdateServiceRequest};
use super::monitor::{
    self, Ending, GateWatch, Gates, MonitorSettings, Oversight, Watched, WaveAbort,
};
use super::report::short_arn;
use super::targets::Controller;
use super::{DeploymentResult, Prepared, Progress, RolloutOptions, preflight, taskdef};
use crate::config::Pause;

/// Registers the revision, creates the deployment and watches it.
pub(super) async fn release(
    p: &Prepared,
    clients: &RegionClients,
    opts: &RolloutOptions,
    monitor_settings: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
) -> DeploymentResult {
    let mut result = DeploymentResult {
        region: p.region.clone(),
        service: p.service.clone(),
        outcome: OutcomeKind::Cancelled,
        message: String::new(),
        task_definition_arn: None,
        deployment_id: None,
        ending: None,
        analysis: Vec::new(),
        gates: Vec::new(),
    };
    let halted = |mut result: DeploymentResult, halt: Halt| match halt {
        Halt::Cancelled(message) => {
            result.message = message;
            result
        }
        Halt::Failed(message) => {
            abort.trigger(&p.key);
            progress.event(&p.key, &message);
            result.outcome = OutcomeKind::Failed;
            result.message = message;
            result
        }
    };
    if abort.is_triggered() || cancel.is_cancelled() {
        result.message = "not started: the rollout was cancelled or the wave failed".into();
        return result;
    }

    let arn = match register(p, clients, cancel, progress).await {
        Ok(arn) => arn,
        Err(halt) => return halted(result, halt),
    };
    result.task_definition_arn = Some(arn.clone());
    let id = match create_deployment(p, clients, opts, &arn, cancel, progress).await {
        Ok(id) => id,
        Err(halt) => return halted(result, halt),
    };
    result.deployment_id = Some(id.clone());

    let release = opts.image.to_string();
    let watched = Watched {
        key: &p.key,
        region: &p.region,
        backend: Backend::of(clients, &p.target),
        cloudwatch: &clients.cloudwatch,
        deployment_id: &id,
        alarms: &p.alarms,
        routing: p.routing,
        gate: gate_pause(opts).map(|pause| GateWatch {
            pause,
            ssm: &clients.ssm,
            release: &release,
            service: &p.service,
        }),
    };
    let mut oversight = Oversight {
        analysis: p
            .analysis
            .as_ref()
            .map(|a| Analyzer::new(&a.settings, &a.target)),
        gates: Gates::default(),
    };
    let ending = monitor::watch(
        &watched,
        monitor_settings,
        cancel,
        abort,
        progress,
        &mut oversight,
    )
    .await;
    result.analysis = oversight
        .analysis
        .map(|a| a.measurements)
        .unwrap_or_default();
    result.gates = oversight.gates.records;
    let (outcome, message) = ending_outcome(&ending, &arn, &id);
    if !matches!(ending, Ending::Succeeded | Ending::Cancelled { .. }) {
        abort.trigger(&p.key);
    }
    result.outcome = outcome;
    result.message = message;
    result.ending = Some(ending);
    result
}

/// Why a step ended the release before its deployment was watched.
enum Halt {
    /// Cancelled: the result stays `cancelled`, with this message.
    Cancelled(String),
    /// AWS refused the step: the release failed, and so does its wave.
    Failed(String),
}

/// Registers the new task definition revision; its ARN.
async fn register(
    p: &Prepared,
    clients: &RegionClients,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Result<String, Halt> {
    if p.is_standby() {
        progress.event(
            &p.key,
            "DR standby (desired count 0): releasing anyway so a failover starts on this release",
        );
    }
    progress.event(
        &p.key,
        &format!(
            "registering a new revision of {} with {}",
            p.family(),
            p.image_uri
        ),
    );
    let registered = tokio::select! {
        biased;
        _ = cancel.cancelled() => {
            return Err(Halt::Cancelled(
                "cancelled before the task definition was registered; nothing was deployed".into(),
            ));
        }
        r = taskdef::register_raw(&clients.ecs, &p.task_definition_request) => r,
    };
    let arn = registered.map_err(|e| Halt::Failed(format!("{e}; nothing was deployed")))?;
    progress.event(&p.key, &format!("registered {arn}"));
    Ok(arn)
}

/// Starts the deployment of revision `arn` (CodeDeploy CreateDeployment, or ECS UpdateService);
/// its id (a service deployment ARN under ECS).
async fn create_deployment(
    p: &Prepared,
    clients: &RegionClients,
    opts: &RolloutOptions,
    arn: &str,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Result<String, Halt> {
    let send = async {
        match p.target.controller {
            Controller::CodeDeploy => {
                deployment_request(p, arn, opts)
                    .send(&clients.codedeploy, &p.region)
                    .await
            }
            Controller::Ecs => {
                native_request(p, arn, gate_pause(opts))
                    .send(&clients.ecs, &p.region)
                    .await
            }
        }
    };
    let created = tokio::select! {
        biased;
        _ = cancel.cancelled() => {
            // The request may have reached CodeDeploy: stop whatever it started.
            let stopped = stop_new_deployments(p, clients).await;
            let message = format!("cancelled while the deployment was being created; {stopped}");
            progress.event(&p.key, &message);
            return Err(Halt::Cancelled(message));
        }
        r = send => r,
    };
    let id = created.map_err(|e| {
        Halt::Failed(format!(
            "{e}; the revision {arn} was registered but not deployed"
        ))
    })?;
    progress.event(
        &p.key,
        &format!(
            "deployment {id} created with {} ({})",
            p.config.name,
            p.routing
                .map(|r| r.describe())
                .unwrap_or_else(|| "traffic routing unknown".into())
        ),
    );
    Ok(id)
}

/// The outcome and one-line message of a watched deployment of revision `arn`.
fn ending_outcome(ending: &Ending, arn: &str, id: &str) -> (OutcomeKind, String) {
    match ending {
        Ending::Succeeded => (
            OutcomeKind::Succeeded,
            format!("released as {} ({id})", short_arn(arn)),
        ),
        Ending::RolledBack {
            cause,
            rollback_deployment_id,
        } => (
            OutcomeKind::RolledBack,
            format!(
                "rolled back: {cause} ({id}{})",
                rollback_deployment_id
                    .as_ref()
                    .map(|r| format!(", rollback {r} succeeded"))
                    .unwrap_or_default()
            ),
        ),
        Ending::NotRolledBack { cause, detail } => (
            OutcomeKind::FailedNoRollback,
            format!("failed and NOT rolled back: {cause}; {detail} ({id})"),
        ),
        Ending::TimedOut { detail, .. } => (OutcomeKind::TimedOut, format!("timed out: {detail}")),
        Ending::Cancelled { detail, .. } => {
            (OutcomeKind::Cancelled, format!("cancelled: {detail}"))
        }
    }
}

/// The gates a release holds at (a rollback holds at none: it restores a known-good release).
pub(super) fn gate_pause(opts: &RolloutOptions) -> Option<&Pause> {
    opts.settings.pause.as_ref().filter(|_| !opts.rollback)
}

/// The UpdateService that starts an ECS-native deployment of `task_definition_arn`.
pub(super) fn native_request(
    p: &Prepared,
    task_definition_arn: &str,
    pause: Option<&Pause>,
) -> UpdateServiceRequest {
    UpdateServiceRequest::new(&NativeInput {
        target: &p.target,
        task_definition_arn,
        routing: p
            .routing
            .unwrap_or(super::deployment::TrafficRouting::AllAtOnce),
        alarms: &p.alarms,
        hooks: &p.hooks,
        pause,
    })
}

pub(super) fn deployment_request(
    p: &Prepared,
    task_definition_arn: &str,
    opts: &RolloutOptions,
) -> DeploymentRequest {
    let git_sha = &opts.git_sha;
    let appspec = appspec::render(&AppSpecInput {
        task_definition_arn,
        container_name: &p.target.container_name,
        container_port: p.target.container_port,
        service: &p.snapshot,
        network_mode: p.task_definition_request["networkMode"].as_str(),
        subnets: &p.target.subnets,
        security_groups: &p.target.security_groups,
        hooks: &p.hooks,
    });
    let digest = p
        .image_uri
        .rsplit_once("@sha256:")
        .map(|(_, h)| h)
        .unwrap_or("");
    DeploymentRequest::new(
        &p.target.codedeploy_app,
        &p.target.deployment_group,
        &p.config.name,
        opts.description.clone().unwrap_or_else(|| {
            format!(
                "platform-deploy: {} at {}",
                &digest[..digest.len().min(12)],
                &git_sha[..git_sha.len().min(12)]
            )
        }),
        appspec,
    )
}

/// After a cancel raced the start: stops the service's running deployments that were not there
/// at pre-flight.
async fn stop_new_deployments(p: &Prepared, clients: &RegionClients) -> String {
    let backend = Backend::of(clients, &p.target);
    let work = async {
        let running = preflight::in_flight_deployments(clients, &p.target).await?;
        let mut stopped = Vec::new();
        for id in running.iter().filter(|id| !p.in_flight.contains(id)) {
            if let StopResult::Failed(message) = backend.stop(id).await {
                return Err(AwsError {
                    region: p.region.clone(),
                    operation: format!("stopping {id}"),
                    message,
                });
            }
            stopped.push(id.clone());
        }
        Ok::<_, AwsError>(stopped)
    };
    match tokio::time::timeout(monitor::CANCEL_STOP_BUDGET, work).await {
        Ok(Ok(stopped)) if stopped.is_empty() => "no deployment had been started".into(),
        Ok(Ok(stopped)) => format!("stopped {} with rollback", stopped.join(", ")),
        Ok(Err(e)) => format!(
            "could not check for a started deployment ({e}); check {} in {}",
            backend.scope(),
            backend.console()
        ),
        Err(_) => format!(
            "no answer in time; check {} in {}",
            backend.scope(),
            backend.console()
        ),
    }
}
