//! Progressive rollout: the pushed image, by digest, to every service, region by region, through
//! CodeDeploy ECS blue/green with canary or linear traffic shifting, stopped with rollback the
//! moment a gating alarm fires.
//!
//! Order of work ([`run`]):
//! 1. Pre-flight for every region and service, reading only ([`preflight`]): nothing is changed
//!    when any check refuses.
//! 2. Waves: the primary region first, then the DR regions (all at once or one after another).
//!    In a wave every service gets a new task definition revision ([`taskdef`]) and a deployment
//!    ([`appspec`], [`deployment`]) watched to its end ([`monitor`]). One failure stops the other
//!    deployments of the wave with rollback (the release is bad everywhere) and no later wave
//!    starts.
//! 3. Between waves, a bake: the wave's alarms must stay OK for `rollout.bake_time`.
//!
//! Cancellation is a [`CancellationToken`] (the command wires SIGINT/SIGTERM to it): every
//! in-flight deployment is stopped with rollback at once and the rollout ends `cancelled`.

pub mod alarms;
pub mod analysis;
pub mod appspec;
pub mod backend;
pub mod deployment;
pub mod ecs_native;
pub mod error;
pub mod gate;
pub mod image_ref;
pub mod live;
pub mod monitor;
pub mod preflight;
pub mod report;
pub mod rollback;
pub mod service;
pub mod status;
pub mod targets;
pub mod taskdef;
mod wave;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::config;
use crate::outcome::OutcomeKind;

pub use crate::aws::AwsError;
pub use crate::progress::Progress;
pub use error::{Refusal, RolloutError};
pub use image_ref::ImageRef;
pub use monitor::{Cause, Ending};
pub use preflight::Prepared;
pub use targets::{DeployTargets, ServiceTarget};

use deployment::DeploymentRequest;
use monitor::MonitorSettings;

/// How long a rollback is followed after a stop on the deadline.
pub const ROLLBACK_GRACE: Duration = Duration::from_secs(5 * 60);

/// Everything a rollout needs besides the targets and the clients.
#[derive(Debug, Clone)]
pub struct RolloutOptions {
    pub image: ImageRef,
    pub git_sha: String,
    /// `None` when `--region` left the primary region out.
    pub primary_region: Option<String>,
    pub dr_regions: Vec<String>,
    pub services: Vec<config::Service>,
    pub settings: config::RolloutSettings,
    pub wait_for_inflight: bool,
    pub dry_run: bool,
    /// Replaces the deployment description (`platform-deploy: DIGEST at SHA`), e.g. a rollback's
    /// who and why.
    pub description: Option<String>,
    /// A rollback: an alarm already in ALARM (it fired on the release being replaced) does not
    /// refuse the start and is not watched; the alarms that are OK still stop the deployment.
    pub rollback: bool,
}

impl RolloutOptions {
    /// The regions of each wave, in order.
    pub fn waves(&self) -> Vec<Vec<String>> {
        self.settings
            .dr_waves
            .arrange(self.primary_region.as_deref(), &self.dr_regions)
    }

    fn regions(&self) -> Vec<String> {
        self.waves().into_iter().flatten().collect()
    }
}

/// How one service in one region ended.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentResult {
    pub region: String,
    pub service: String,
    pub outcome: OutcomeKind,
    pub message: String,
    pub task_definition_arn: Option<String>,
    pub deployment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending: Option<Ending>,
    /// Every measurement of the canary analysis, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub analysis: Vec<analysis::Measurement>,
    /// The `[rollout.pause]` gates it held at, and who decided what.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<monitor::GateRecord>,
}

impl DeploymentResult {
    pub fn key(&self) -> String {
        format!("{}/{}", self.region, self.service)
    }
}

/// What `--dry-run` shows for one service.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunDeployment {
    pub region: String,
    pub service: String,
    pub current_task_definition: String,
    pub task_definition_request: serde_json::Value,
    pub task_definition_diff: String,
    pub controller: targets::Controller,
    /// CodeDeploy: the AppSpec and the CreateDeployment request.
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub appspec: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_deployment: Option<DeploymentRequest>,
    /// ECS controller: the UpdateService request that starts the deployment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_service: Option<ecs_native::UpdateServiceRequest>,
    pub deployment_config: deployment::ConfigChoice,
    pub traffic_routing: Option<deployment::TrafficRouting>,
    pub alarms: Vec<alarms::AlarmState>,
    /// The canary analysis the deployment would run, and the target groups it would read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<preflight::PreparedAnalysis>,
    pub dr_standby: bool,
}

/// The result of a rollout (or of its dry run).
#[derive(Debug, Clone, Serialize)]
pub struct RolloutReport {
    pub outcome: OutcomeKind,
    pub message: String,
    pub image: String,
    pub git_sha: String,
    pub waves: Vec<Vec<String>>,
    pub deployments: Vec<DeploymentResult>,
    /// `region/service` pairs no deployment was started for.
    pub not_started: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<Refusal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<DryRunDeployment>>,
    /// The gates before DR waves (`[rollout.pause] at = ["dr-waves"]`) and how each was passed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wave_gates: Vec<monitor::GateRecord>,
}

/// Runs the rollout to its end. `Err` only when it could not start; how each deployment ended is
/// in the report (and its `outcome`).
pub async fn run(
    opts: &RolloutOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Result<RolloutReport, RolloutError> {
    let start = Instant::now();
    let deadline = start + opts.settings.timeout;
    preflight::validate(opts, targets, clients)?;

    // 1. Pre-flight, everywhere, before anything changes.
    let prepared = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(RolloutError::CancelledBeforeStart),
        r = preflight::prepare_all(opts, targets, clients) => r?,
    };
    let (prepared, refusals) = prepared;
    let waves = opts.waves();

    if opts.dry_run {
        return Ok(report::dry_run_report(opts, &waves, &prepared, refusals));
    }
    if !refusals.is_empty() {
        return Err(RolloutError::Preflight(refusals));
    }

    let run = wave::WaveRun {
        opts,
        clients,
        prepared: &prepared,
        monitor: MonitorSettings {
            poll_interval: opts.settings.poll_interval,
            deadline,
            rollback_grace: ROLLBACK_GRACE,
        },
        cancel,
        progress,
    };
    let mut results: Vec<DeploymentResult> = Vec::new();
    let mut stop_reason: Option<(OutcomeKind, String)> = None;
    let mut wave_refusals: Vec<Refusal> = Vec::new();
    let mut wave_gates = Vec::new();
    for index in 0..waves.len() {
        let end = run.wave(&waves, index).await?;
        results.extend(end.results);
        wave_gates.extend(end.gate);
        if end.stop {
            stop_reason = end.reason;
            wave_refusals = end.refusals;
            break;
        }
    }

    let mut report =
        report::final_report(opts, waves, &prepared, results, stop_reason, wave_refusals);
    report.wave_gates = wave_gates;
    Ok(report)
}
