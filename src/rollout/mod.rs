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
pub mod appspec;
pub mod deployment;
pub mod error;
pub mod image_ref;
pub mod monitor;
pub mod preflight;
pub mod progress;
pub mod rollback;
pub mod status;
pub mod targets;
pub mod taskdef;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use futures_util::future::join_all;
use serde::Serialize;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::config;
use crate::outcome::OutcomeKind;

pub use error::{AwsError, Refusal, RolloutError};
pub use image_ref::ImageRef;
pub use monitor::{Cause, Ending};
pub use preflight::Prepared;
pub use progress::Progress;
pub use targets::{DeployTargets, ServiceTarget};

use appspec::AppSpecInput;
use deployment::DeploymentRequest;
use monitor::{MonitorSettings, Watched, WaveAbort};
use preflight::PreflightInput;

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
    pub appspec: serde_json::Value,
    pub create_deployment: DeploymentRequest,
    pub deployment_config: deployment::ConfigChoice,
    pub traffic_routing: Option<deployment::TrafficRouting>,
    pub alarms: Vec<alarms::AlarmState>,
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
    validate(opts, targets, clients)?;

    // 1. Pre-flight, everywhere, before anything changes.
    let prepared = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(RolloutError::CancelledBeforeStart),
        r = preflight_all(opts, targets, clients) => r?,
    };
    let (prepared, refusals) = prepared;
    let waves = opts.waves();

    if opts.dry_run {
        return Ok(dry_run_report(opts, &waves, &prepared, refusals));
    }
    if !refusals.is_empty() {
        return Err(RolloutError::Preflight(refusals));
    }

    let monitor_settings = MonitorSettings {
        poll_interval: opts.settings.poll_interval,
        deadline,
        rollback_grace: ROLLBACK_GRACE,
    };
    let mut results: Vec<DeploymentResult> = Vec::new();
    let mut stop_reason: Option<(OutcomeKind, String)> = None;
    let mut wave_refusals: Vec<Refusal> = Vec::new();

    for (index, regions) in waves.iter().enumerate() {
        let wave: Vec<&Prepared> = prepared
            .iter()
            .filter(|p| regions.contains(&p.region))
            .collect();
        let label = format!("wave {} ({})", index + 1, regions.join(", "));

        if index > 0 {
            // Alarms and running deployments may have changed since the pre-flight.
            let mut refused = Vec::new();
            for p in &wave {
                refused.extend(
                    preflight::recheck(&clients[&p.region], p, opts.wait_for_inflight).await?,
                );
            }
            if !refused.is_empty() {
                let released = waves[..index]
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ");
                stop_reason = Some((
                    OutcomeKind::PreflightRefused,
                    format!(
                        "{label} refused to start: {}; already released: {released}",
                        refused
                            .iter()
                            .map(|r| format!("{}: {}", r.scope, r.problem))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                ));
                wave_refusals = refused;
                break;
            }
        }
        if opts.wait_for_inflight {
            match wait_for_inflight(
                &wave,
                clients,
                opts.settings.poll_interval,
                deadline,
                cancel,
                progress,
            )
            .await
            {
                Ok(()) => {}
                Err(kind) => {
                    stop_reason = Some((
                        kind,
                        format!(
                            "{label}: {} while waiting for running deployments to finish; nothing of this wave was started",
                            if kind == OutcomeKind::Cancelled {
                                "cancelled"
                            } else {
                                "the timeout passed"
                            }
                        ),
                    ));
                    break;
                }
            }
        }

        progress.event(
            "rollout",
            &format!(
                "{label}: releasing {} to {} service(s)",
                opts.image,
                wave.len()
            ),
        );
        let abort = WaveAbort::default();
        let runs = wave.iter().map(|p| {
            release(
                p,
                &clients[&p.region],
                opts,
                &monitor_settings,
                cancel,
                &abort,
                progress,
            )
        });
        let wave_results = join_all(runs).await;
        let failed = wave_results
            .iter()
            .any(|r| r.outcome != OutcomeKind::Succeeded);
        results.extend(wave_results);
        if failed {
            break;
        }

        if index + 1 < waves.len() && !opts.settings.bake_time.is_zero() {
            match bake(&wave, clients, opts, deadline, cancel, progress).await {
                BakeEnd::AllOk => {}
                BakeEnd::Alarm(key, alarm) => {
                    stop_reason = Some((
                        OutcomeKind::FailedNoRollback,
                        format!(
                            "after {label}, alarm {} ({key}) went into ALARM during the bake ({}); {} already serve(s) the new release and was not rolled back; later waves were not started — roll {} back (release the previous image) or fix forward",
                            alarm.name,
                            alarm.reason,
                            regions.join(", "),
                            regions.join(", ")
                        ),
                    ));
                    break;
                }
                BakeEnd::Cancelled => {
                    stop_reason = Some((
                        OutcomeKind::Cancelled,
                        format!(
                            "cancelled during the bake after {label}; later waves were not started"
                        ),
                    ));
                    break;
                }
                BakeEnd::TimedOut => {
                    stop_reason = Some((
                        OutcomeKind::TimedOut,
                        format!(
                            "the timeout passed during the bake after {label}; later waves were not started"
                        ),
                    ));
                    break;
                }
            }
        }
    }

    Ok(final_report(
        opts,
        waves,
        &prepared,
        results,
        stop_reason,
        wave_refusals,
    ))
}

fn validate(
    opts: &RolloutOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<(), RolloutError> {
    for region in opts.regions() {
        let Some(t) = targets.get(&region) else {
            return Err(RolloutError::MissingRegion {
                region,
                available: join_or_none(targets.keys()),
            });
        };
        if !clients.contains_key(&region) {
            return Err(RolloutError::NoClients(region));
        }
        if t.ecr_repository != opts.image.repository {
            return Err(RolloutError::WrongRepository {
                region,
                given: opts.image.repository.clone(),
                expected: t.ecr_repository.clone(),
            });
        }
        for service in &opts.services {
            if t.service(&service.name).is_none() {
                return Err(RolloutError::UnknownService {
                    region,
                    service: service.name.clone(),
                    available: join_or_none(t.services.keys()),
                });
            }
        }
    }
    Ok(())
}

fn join_or_none<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

async fn preflight_all(
    opts: &RolloutOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<(Vec<Prepared>, Vec<Refusal>), RolloutError> {
    let per_region = opts.regions().into_iter().map(|region| async move {
        let c = &clients[&region];
        let t = &targets[&region];
        let mut refusals = Vec::new();
        let image_uri = match preflight::check_image(c, t, &opts.image).await? {
            Ok(uri) => uri,
            Err(refusal) => {
                refusals.push(refusal);
                // Keep checking the services so one run shows every problem.
                opts.image.to_string()
            }
        };
        let inputs: Vec<PreflightInput<'_>> = opts
            .services
            .iter()
            .map(|service| PreflightInput {
                image: &opts.image,
                git_sha: &opts.git_sha,
                service,
                rollout_config: opts.settings.deployment_config.as_deref(),
                require_alarms: opts.settings.require_alarms,
                wait_for_inflight: opts.wait_for_inflight,
                allow_firing_alarms: opts.rollback,
            })
            .collect();
        let found = join_all(
            inputs
                .iter()
                .map(|i| preflight::prepare(c, t, &image_uri, i)),
        )
        .await;
        let mut prepared = Vec::new();
        for f in found {
            let (p, r) = f?;
            prepared.extend(p);
            refusals.extend(r);
        }
        Ok::<_, RolloutError>((prepared, refusals))
    });
    let mut prepared = Vec::new();
    let mut refusals = Vec::new();
    for r in join_all(per_region).await {
        let (p, rf) = r?;
        prepared.extend(p);
        refusals.extend(rf);
    }
    Ok((prepared, refusals))
}

/// Registers the revision, creates the deployment and watches it.
async fn release(
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
    };
    let fail = |mut result: DeploymentResult, message: String| {
        abort.trigger(&p.key);
        progress.event(&p.key, &message);
        result.outcome = OutcomeKind::Failed;
        result.message = message;
        result
    };
    if abort.is_triggered() || cancel.is_cancelled() {
        result.message = "not started: the rollout was cancelled or the wave failed".into();
        return result;
    }

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
            result.message = "cancelled before the task definition was registered; nothing was deployed".into();
            return result;
        }
        r = taskdef::register_raw(&clients.ecs, &p.task_definition_request) => r,
    };
    let arn = match registered {
        Ok(arn) => arn,
        Err(e) => return fail(result, format!("{e}; nothing was deployed")),
    };
    progress.event(&p.key, &format!("registered {arn}"));
    result.task_definition_arn = Some(arn.clone());

    let request = deployment_request(p, &arn, opts);
    let created = tokio::select! {
        biased;
        _ = cancel.cancelled() => {
            // The request may have reached CodeDeploy: stop whatever it started.
            let stopped = stop_new_deployments(p, clients).await;
            result.message = format!("cancelled while the deployment was being created; {stopped}");
            progress.event(&p.key, &result.message);
            return result;
        }
        r = request.send(&clients.codedeploy, &p.region) => r,
    };
    let id = match created {
        Ok(id) => id,
        Err(e) => {
            return fail(
                result,
                format!("{e}; the revision {arn} was registered but not deployed"),
            );
        }
    };
    result.deployment_id = Some(id.clone());
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

    let watched = Watched {
        key: &p.key,
        region: &p.region,
        codedeploy: &clients.codedeploy,
        cloudwatch: &clients.cloudwatch,
        deployment_id: &id,
        alarms: &p.alarms,
        routing: p.routing,
    };
    let ending = monitor::watch(&watched, monitor_settings, cancel, abort, progress).await;
    let (outcome, message) = match &ending {
        Ending::Succeeded => (
            OutcomeKind::Succeeded,
            format!("released as {} ({id})", short_arn(&arn)),
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
    };
    if !matches!(ending, Ending::Succeeded | Ending::Cancelled { .. }) {
        abort.trigger(&p.key);
    }
    result.outcome = outcome;
    result.message = message;
    result.ending = Some(ending);
    result
}

fn deployment_request(
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

/// After a cancel raced CreateDeployment: stops the group's running deployments that were not
/// there at pre-flight.
async fn stop_new_deployments(p: &Prepared, clients: &RegionClients) -> String {
    let work = async {
        let running = preflight::in_flight_deployments(clients, &p.target).await?;
        let mut stopped = Vec::new();
        for id in running.iter().filter(|id| !p.in_flight.contains(id)) {
            clients
                .codedeploy
                .stop_deployment()
                .deployment_id(id)
                .auto_rollback_enabled(true)
                .send()
                .await
                .map_err(|e| AwsError::new(&p.region, "CodeDeploy StopDeployment", e))?;
            stopped.push(id.clone());
        }
        Ok::<_, AwsError>(stopped)
    };
    match tokio::time::timeout(monitor::CANCEL_STOP_BUDGET, work).await {
        Ok(Ok(stopped)) if stopped.is_empty() => "no deployment had been started".into(),
        Ok(Ok(stopped)) => format!("stopped {} with rollback", stopped.join(", ")),
        Ok(Err(e)) => format!(
            "could not check for a started deployment ({e}); check {}/{} in the CodeDeploy console",
            p.target.codedeploy_app, p.target.deployment_group
        ),
        Err(_) => format!(
            "no answer in time; check {}/{} in the CodeDeploy console",
            p.target.codedeploy_app, p.target.deployment_group
        ),
    }
}

/// `--wait-for-inflight`: waits until the wave's groups run nothing.
async fn wait_for_inflight(
    wave: &[&Prepared],
    clients: &BTreeMap<String, RegionClients>,
    poll: Duration,
    deadline: Instant,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Result<(), OutcomeKind> {
    let mut announced: BTreeMap<String, Vec<String>> = BTreeMap::new();
    loop {
        let mut busy = false;
        for p in wave {
            match preflight::in_flight_deployments(&clients[&p.region], &p.target).await {
                Ok(running) if running.is_empty() => {}
                Ok(running) => {
                    busy = true;
                    if announced.get(&p.key) != Some(&running) {
                        progress.event(
                            &p.key,
                            &format!(
                                "waiting for running deployment(s) {} to finish",
                                running.join(", ")
                            ),
                        );
                        announced.insert(p.key.clone(), running);
                    }
                }
                Err(e) => {
                    busy = true;
                    progress.event(&p.key, &format!("{e} (retrying)"));
                }
            }
        }
        if !busy {
            return Ok(());
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(OutcomeKind::Cancelled),
            _ = sleep_until(deadline) => return Err(OutcomeKind::TimedOut),
            _ = sleep(monitor::jittered(poll)) => {}
        }
    }
}

enum BakeEnd {
    AllOk,
    Alarm(String, alarms::AlarmState),
    Cancelled,
    TimedOut,
}

/// Holds the next wave until the wave's alarms have stayed OK for the bake time.
async fn bake(
    wave: &[&Prepared],
    clients: &BTreeMap<String, RegionClients>,
    opts: &RolloutOptions,
    deadline: Instant,
    cancel: &CancellationToken,
    progress: &Progress,
) -> BakeEnd {
    let bake = opts.settings.bake_time;
    let end = Instant::now() + bake;
    if end > deadline {
        progress.event(
            "rollout",
            &format!(
                "the bake ({}) would end after the timeout",
                humantime::format_duration(bake)
            ),
        );
    }
    progress.event(
        "rollout",
        &format!(
            "baking {} with every alarm of {} OK before the next wave",
            humantime::format_duration(bake),
            wave.iter()
                .map(|p| p.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    loop {
        for p in wave {
            if p.alarms.is_empty() {
                continue;
            }
            match alarms::describe(&clients[&p.region].cloudwatch, &p.region, &p.alarms).await {
                Ok(states) => {
                    if let Some(a) = alarms::first_firing(&p.alarms, &states) {
                        progress.event(
                            &p.key,
                            &format!("alarm {} went into ALARM during the bake", a.name),
                        );
                        return BakeEnd::Alarm(p.key.clone(), a.clone());
                    }
                }
                Err(e) => progress.event(&p.key, &format!("{e} (retrying)")),
            }
        }
        let now = Instant::now();
        if now >= end {
            progress.event("rollout", "bake passed: every alarm stayed OK");
            return BakeEnd::AllOk;
        }
        progress.status(
            "rollout",
            &format!("baking, {} left", monitor::short_duration(end - now)),
        );
        let nap = std::cmp::min(monitor::jittered(opts.settings.poll_interval), end - now);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => { progress.done("rollout"); return BakeEnd::Cancelled }
            _ = sleep_until(deadline) => { progress.done("rollout"); return BakeEnd::TimedOut }
            _ = sleep(nap) => {}
        }
        progress.done("rollout");
    }
}

/// Worst first: what a user must act on decides the exit code.
pub(crate) fn severity(kind: OutcomeKind) -> u8 {
    match kind {
        OutcomeKind::Cancelled => 7,
        OutcomeKind::FailedNoRollback => 6,
        OutcomeKind::Failed => 5,
        OutcomeKind::TimedOut => 4,
        OutcomeKind::RolledBack => 3,
        OutcomeKind::PreflightRefused => 2,
        OutcomeKind::Succeeded => 0,
        _ => 1,
    }
}

fn final_report(
    opts: &RolloutOptions,
    waves: Vec<Vec<String>>,
    prepared: &[Prepared],
    results: Vec<DeploymentResult>,
    stop_reason: Option<(OutcomeKind, String)>,
    refusals: Vec<Refusal>,
) -> RolloutReport {
    let started: Vec<String> = results.iter().map(DeploymentResult::key).collect();
    let not_started: Vec<String> = prepared
        .iter()
        .map(|p| p.key.clone())
        .filter(|k| !started.contains(k))
        .collect();
    let worst = results
        .iter()
        .map(|r| r.outcome)
        .chain(stop_reason.as_ref().map(|(k, _)| *k))
        .max_by_key(|k| severity(*k))
        .unwrap_or(OutcomeKind::Succeeded);
    let mut message = if worst == OutcomeKind::Succeeded {
        format!(
            "released {} to {} deployment(s) in {}",
            opts.image,
            results.len(),
            waves
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        let mut parts: Vec<String> = results
            .iter()
            .filter(|r| r.outcome != OutcomeKind::Succeeded)
            .map(|r| format!("{}: {}", r.key(), r.message))
            .collect();
        if let Some((_, reason)) = &stop_reason {
            parts.push(reason.clone());
        }
        parts.join("; ")
    };
    if worst != OutcomeKind::Succeeded && !not_started.is_empty() {
        let _ = write!(message, "; not started: {}", not_started.join(", "));
    }
    RolloutReport {
        outcome: worst,
        message,
        image: opts.image.to_string(),
        git_sha: opts.git_sha.clone(),
        waves,
        deployments: results,
        not_started,
        refusals,
        dry_run: None,
    }
}

fn dry_run_report(
    opts: &RolloutOptions,
    waves: &[Vec<String>],
    prepared: &[Prepared],
    refusals: Vec<Refusal>,
) -> RolloutReport {
    let plans: Vec<DryRunDeployment> = prepared
        .iter()
        .map(|p| {
            let placeholder = format!("<the new revision of {}>", p.family());
            let request = deployment_request(p, &placeholder, opts);
            DryRunDeployment {
                region: p.region.clone(),
                service: p.service.clone(),
                current_task_definition: p.snapshot.task_definition.clone(),
                task_definition_request: p.task_definition_request.clone(),
                task_definition_diff: taskdef::render_diff(
                    &p.current_task_definition,
                    &p.task_definition_request,
                ),
                appspec: serde_json::from_str(&request.revision.app_spec_content.content)
                    .unwrap_or_default(),
                create_deployment: request,
                deployment_config: p.config.clone(),
                traffic_routing: p.routing,
                alarms: p.alarm_states.clone(),
                dr_standby: p.is_standby(),
            }
        })
        .collect();
    let (outcome, message) = if refusals.is_empty() {
        (
            OutcomeKind::Succeeded,
            "dry run: nothing was registered or deployed; every pre-flight check passed"
                .to_string(),
        )
    } else {
        (
            OutcomeKind::PreflightRefused,
            format!(
                "dry run: the rollout would be refused:\n  {}",
                refusals
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
        )
    };
    RolloutReport {
        outcome,
        message,
        image: opts.image.to_string(),
        git_sha: opts.git_sha.clone(),
        waves: waves.to_vec(),
        deployments: Vec::new(),
        not_started: Vec::new(),
        refusals,
        dry_run: Some(plans),
    }
}

fn short_arn(arn: &str) -> &str {
    arn.rsplit_once('/').map(|(_, r)| r).unwrap_or(arn)
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

impl RolloutReport {
    /// The text printed on stdout.
    pub fn render_text(&self, bake: Duration) -> String {
        let mut out = String::new();
        let sha = &self.git_sha[..self.git_sha.len().min(12)];
        if let Some(plans) = &self.dry_run {
            let _ = writeln!(
                out,
                "Rollout plan for {} at {sha} (dry run: nothing is registered or deployed)\n",
                self.image
            );
            for (i, regions) in self.waves.iter().enumerate() {
                let _ = writeln!(out, "wave {}: {}", i + 1, regions.join(", "));
                for plan in plans.iter().filter(|p| regions.contains(&p.region)) {
                    let standby = if plan.dr_standby {
                        " [DR standby, desired count 0: released so a failover starts on this release]"
                    } else {
                        ""
                    };
                    let _ = writeln!(out, "  {}/{}{standby}", plan.region, plan.service);
                    out.push_str(&indent(&plan.task_definition_diff, "    "));
                    let _ = writeln!(
                        out,
                        "    deployment config: {} (from {}){}",
                        plan.deployment_config.name,
                        plan.deployment_config.source,
                        plan.traffic_routing
                            .map(|r| format!(" — {}", r.describe()))
                            .unwrap_or_default()
                    );
                    let alarms: Vec<String> = plan
                        .alarms
                        .iter()
                        .map(|a| format!("{} ({})", a.name, a.state))
                        .collect();
                    let _ = writeln!(
                        out,
                        "    alarms watched: {}",
                        if alarms.is_empty() {
                            "none".into()
                        } else {
                            alarms.join(", ")
                        }
                    );
                    let _ = writeln!(
                        out,
                        "    AppSpec (sha256 {}):",
                        plan.create_deployment.revision.app_spec_content.sha256
                    );
                    out.push_str(&indent(
                        &serde_json::to_string_pretty(&plan.appspec).unwrap_or_default(),
                        "      ",
                    ));
                    let _ = writeln!(out, "    CreateDeployment request:");
                    out.push_str(&indent(
                        &serde_json::to_string_pretty(&plan.create_deployment).unwrap_or_default(),
                        "      ",
                    ));
                }
                if i + 1 < self.waves.len() && !bake.is_zero() {
                    let _ = writeln!(
                        out,
                        "  then bake {} with every alarm OK",
                        humantime::format_duration(bake)
                    );
                }
            }
            if self.refusals.is_empty() {
                let _ = writeln!(out, "\npre-flight: every check passed");
            } else {
                let _ = writeln!(out, "\npre-flight would REFUSE:");
                for r in &self.refusals {
                    let _ = writeln!(out, "  {r}");
                }
            }
            return out;
        }
        let _ = writeln!(
            out,
            "Rollout of {} at {sha}: {}",
            self.image,
            self.outcome.as_str()
        );
        for d in &self.deployments {
            let _ = writeln!(
                out,
                "  {:<28} {:<18} {}",
                d.key(),
                d.outcome.as_str(),
                d.message
            );
        }
        for key in &self.not_started {
            let _ = writeln!(
                out,
                "  {key:<28} {:<18} later wave not started",
                "not-started"
            );
        }
        out
    }

    /// Markdown for the job summary.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## platform-deploy rollout: `{}`\n\n{} at `{}`\n\n| region/service | outcome | deployment | detail |\n|---|---|---|---|\n",
            self.outcome.as_str(),
            self.image,
            &self.git_sha[..self.git_sha.len().min(12)]
        );
        for d in &self.deployments {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                d.key(),
                d.outcome.as_str(),
                d.deployment_id.as_deref().unwrap_or("—"),
                d.message.replace('|', "\\|")
            );
        }
        for key in &self.not_started {
            let _ = writeln!(
                out,
                "| {key} | `not-started` | — | a previous wave did not succeed |"
            );
        }
        out
    }
}
