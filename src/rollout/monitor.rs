//! Watching one CodeDeploy deployment to its end.
//!
//! Every poll (the configured interval with ±20 % jitter) reads the deployment, its ECS target
//! (task sets, traffic weights, lifecycle events) and the gating alarms. An alarm in ALARM stops
//! the deployment with rollback at once — CodeDeploy's own alarm check is not waited for — and the
//! rollback is followed to its end. Cancellation stops the deployment within the same instant and
//! returns without waiting; the deadline stops it and waits a short grace for the rollback.
//! Errors of a single poll (after the SDK's retries) are reported and the next poll goes on with
//! the same deployment id: nothing but the deadline ends a wait.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_codedeploy::operation::stop_deployment::StopDeploymentError;
use aws_sdk_codedeploy::types::{DeploymentInfo, EcsTarget, TargetLabel};
use serde::Serialize;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use super::alarms::{self, AlarmState};
use super::deployment::TrafficRouting;
use super::progress::Progress;

/// How long a cancelled rollout waits for its StopDeployment calls to be answered before it
/// exits (the runner sends SIGKILL a few seconds after SIGTERM).
pub const CANCEL_STOP_BUDGET: Duration = Duration::from_secs(4);

/// How many polls a stopped or failed deployment may show no rollback before we conclude that
/// CodeDeploy started none.
const ROLLBACK_APPEAR_POLLS: u32 = 3;

#[derive(Debug, Clone)]
pub struct MonitorSettings {
    pub poll_interval: Duration,
    /// The rollout's deadline (`--timeout` from the start).
    pub deadline: Instant,
    /// After stopping a deployment on the deadline (or while a rollback runs past it): how long
    /// to keep following the rollback.
    pub rollback_grace: Duration,
}

/// The poll interval with ±20 % jitter, so parallel deployments do not poll in lockstep.
pub fn jittered(interval: Duration) -> Duration {
    interval.mul_f64(0.8 + 0.4 * fastrand::f64())
}

/// One deployment being watched.
pub struct Watched<'a> {
    /// `region/service`, the prefix of every progress line.
    pub key: &'a str,
    pub region: &'a str,
    pub codedeploy: &'a aws_sdk_codedeploy::Client,
    pub cloudwatch: &'a aws_sdk_cloudwatch::Client,
    pub deployment_id: &'a str,
    pub alarms: &'a [String],
    pub routing: Option<TrafficRouting>,
}

/// Lets one failed deployment stop the others of its wave (the same release is bad everywhere).
#[derive(Clone, Default)]
pub struct WaveAbort {
    token: CancellationToken,
    reason: Arc<Mutex<Option<String>>>,
}

impl WaveAbort {
    pub fn trigger(&self, failed_key: &str) {
        let mut reason = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if reason.is_none() {
            *reason = Some(failed_key.to_string());
        }
        self.token.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    fn failed_key(&self) -> String {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_default()
    }
}

/// Why a deployment did not succeed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Cause {
    /// We saw the alarm in ALARM and stopped the deployment.
    Alarm {
        name: String,
        reason: String,
        shifted_percent: Option<f64>,
    },
    /// A lifecycle event (a hook) failed.
    LifecycleEvent { event: String, message: String },
    /// CodeDeploy failed the deployment.
    Failed { code: String, message: String },
    /// Stopped by someone or something else (CodeDeploy's own alarm check, the console).
    StoppedElsewhere { code: String, message: String },
    /// Another deployment of the same wave failed.
    WaveFailed { failed: String },
    /// `platform-deploy rollback` stopped it (`by alice: why`).
    Requested { by: String },
    /// AWS refused a read the watch depends on (the deployment or its alarms): rolling on unwatched is
    /// not safe, and waiting does not give the role the permission.
    Unwatchable { message: String },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Alarm {
                name,
                reason,
                shifted_percent,
            } => {
                write!(f, "alarm {name} went into ALARM")?;
                if let Some(p) = shifted_percent {
                    write!(f, " with {p}% of traffic shifted")?;
                }
                if !reason.is_empty() {
                    write!(f, " ({reason})")?;
                }
                Ok(())
            }
            Cause::LifecycleEvent { event, message } => {
                write!(f, "lifecycle event {event} failed: {message}")
            }
            Cause::Failed { code, message } => {
                write!(f, "CodeDeploy failed the deployment ({code}): {message}")
            }
            Cause::StoppedElsewhere { code, message } => {
                write!(f, "the deployment was stopped outside this rollout")?;
                if !code.is_empty() || !message.is_empty() {
                    write!(f, " ({code}): {message}")?;
                }
                Ok(())
            }
            Cause::WaveFailed { failed } => {
                write!(f, "stopped because {failed} failed in the same wave")
            }
            Cause::Requested { by } => write!(f, "rollback requested {by}"),
            Cause::Unwatchable { message } => write!(
                f,
                "the deployment cannot be watched ({message}); fix: grant the action to the role this runs as"
            ),
        }
    }
}

/// How a watched deployment ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "ending", rename_all = "kebab-case")]
pub enum Ending {
    Succeeded,
    /// Stopped or failed, and the rollback finished: the previous release serves all traffic.
    RolledBack {
        cause: Cause,
        rollback_deployment_id: Option<String>,
    },
    /// Failed and not rolled back (or the rollback failed): act now.
    NotRolledBack {
        cause: Cause,
        detail: String,
    },
    /// The deadline passed; the deployment was stopped with rollback.
    TimedOut {
        stopped: bool,
        detail: String,
    },
    /// SIGINT/SIGTERM: the deployment was stopped with rollback (not waited for).
    Cancelled {
        stopped: bool,
        detail: String,
    },
}

/// The fields of DeploymentInfo the monitor decides on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeploymentState {
    pub status: String,
    pub error_code: String,
    pub error_message: String,
    pub rollback_deployment_id: Option<String>,
    pub rollback_message: String,
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

/// What the progress display remembers between polls.
struct View {
    routing: Option<TrafficRouting>,
    status: String,
    weight: Option<f64>,
    weight_since: Instant,
    events: BTreeMap<String, String>,
}

impl View {
    fn new(routing: Option<TrafficRouting>) -> Self {
        View {
            routing,
            status: String::new(),
            weight: None,
            weight_since: Instant::now(),
            events: BTreeMap::new(),
        }
    }

    fn step_text(&self, weight: f64) -> String {
        match self.routing {
            Some(r) => format!("step {}/{}", r.step_at(weight), r.steps()),
            None => String::new(),
        }
    }

    fn next_shift(&self, weight: f64) -> Option<Duration> {
        let interval = self.routing?.interval()?;
        if weight <= 0.0 || weight >= 100.0 {
            return None;
        }
        Some((self.weight_since + interval).saturating_duration_since(Instant::now()))
    }

    fn update(
        &mut self,
        w: &Watched<'_>,
        progress: &Progress,
        state: &DeploymentState,
        target: Option<&TargetState>,
    ) {
        if state.status != self.status {
            progress.event(w.key, &format!("{} {}", w.deployment_id, state.status));
            self.status = state.status.clone();
        }
        if let Some(target) = target {
            for (name, status, message) in &target.events {
                let known = self.events.get(name);
                if known != Some(status) {
                    if status != "Pending" {
                        let detail = if message.is_empty() {
                            String::new()
                        } else {
                            format!(": {message}")
                        };
                        progress.event(w.key, &format!("lifecycle event {name} {status}{detail}"));
                    }
                    self.events.insert(name.clone(), status.clone());
                }
            }
            // (0 % before the first shift is not news.)
            if let Some(weight) = target.green_weight
                && self.weight != Some(weight)
                && (weight > 0.0 || self.weight.is_some_and(|w| w > 0.0))
            {
                self.weight = Some(weight);
                self.weight_since = Instant::now();
                let mut line = format!("traffic: {weight}% on the new task set");
                let step = self.step_text(weight);
                if !step.is_empty() {
                    line.push_str(&format!(" ({step})"));
                }
                if let Some(next) = self.next_shift(weight) {
                    line.push_str(&format!("; next shift in ~{}", short_duration(next)));
                }
                progress.event(w.key, &line);
            }
        }
        let mut status = format!("{} {}", w.deployment_id, self.status);
        if let Some(weight) = self.weight {
            status.push_str(&format!(" · {weight}% shifted"));
            let step = self.step_text(weight);
            if !step.is_empty() {
                status.push_str(&format!(" · {step}"));
            }
            if let Some(next) = self.next_shift(weight) {
                status.push_str(&format!(" · next shift in {}", short_duration(next)));
            }
        }
        progress.status(w.key, &status);
    }
}

/// `4m05s`, `35s`.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
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

pub(crate) async fn get_target(
    w: &Watched<'_>,
    target_id: &mut Option<String>,
) -> Result<Option<TargetState>, String> {
    let display = |e| crate::aws::error_message(&e);
    if target_id.is_none() {
        let out = w
            .codedeploy
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
    let out = w
        .codedeploy
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

enum StopResult {
    Stopped,
    AlreadyCompleted,
    Failed(String),
}

async fn stop(w: &Watched<'_>) -> StopResult {
    match w
        .codedeploy
        .stop_deployment()
        .deployment_id(w.deployment_id)
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
    }
}

fn manual_stop_hint(id: &str, region: &str) -> String {
    format!(
        "stop it yourself: aws deploy stop-deployment --region {region} --deployment-id {id} --auto-rollback-enabled"
    )
}

/// Watches `w` until it ends. See the module documentation.
pub async fn watch(
    w: &Watched<'_>,
    settings: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
) -> Ending {
    let ending = watch_inner(w, settings, cancel, abort, progress).await;
    progress.done(w.key);
    ending
}

async fn watch_inner(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
) -> Ending {
    let mut view = View::new(w.routing);
    let mut target_id: Option<String> = None;
    let mut last_target: Option<TargetState> = None;
    let mut alarm_errors = 0u32;
    loop {
        let poll = async {
            tokio::join!(get_deployment(w.codedeploy, w.deployment_id), async {
                if w.alarms.is_empty() {
                    Ok(Vec::new())
                } else {
                    alarms::describe(w.cloudwatch, w.region, w.alarms).await
                }
            })
        };
        let (dep, alarm_states) = tokio::select! {
            biased;
            _ = cancel.cancelled() => return on_cancel(w, progress).await,
            _ = abort.token.cancelled() => {
                let cause = Cause::WaveFailed { failed: abort.failed_key() };
                return stop_and_follow(w, s, cancel, progress, cause).await;
            }
            _ = sleep_until(s.deadline) => return on_timeout(w, s, cancel, progress).await,
            r = poll => r,
        };

        match &dep {
            Ok(state) => {
                // After success too, so the final shift (100 %) is shown.
                if !state.is_terminal() || state.status == "Succeeded" {
                    match get_target(w, &mut target_id).await {
                        Ok(Some(t)) => last_target = Some(t),
                        Ok(None) => {}
                        Err(e) => progress.event(
                            w.key,
                            &format!(
                                "reading the deployment target failed (next poll retries): {e}"
                            ),
                        ),
                    }
                }
                view.update(w, progress, state, last_target.as_ref());
            }
            Err(e) => progress.event(
                w.key,
                &format!(
                    "GetDeployment {} failed (next poll retries): {e}",
                    w.deployment_id
                ),
            ),
        }

        let refused = dep
            .as_ref()
            .err()
            .filter(|e| crate::aws::is_access_denied(e))
            .cloned()
            .or_else(|| {
                let e = alarm_states.as_ref().err()?;
                crate::aws::is_access_denied(&e.message).then(|| e.to_string())
            });
        let firing: Option<AlarmState> = match alarm_states {
            Ok(states) => {
                alarm_errors = 0;
                alarms::first_firing(w.alarms, &states).cloned()
            }
            Err(e) => {
                alarm_errors += 1;
                if alarm_errors == 1 || alarm_errors.is_multiple_of(10) {
                    progress.event(
                        w.key,
                        &format!("reading alarm states failed (next poll retries): {e}"),
                    );
                }
                None
            }
        };

        match dep {
            Ok(state) if state.status == "Succeeded" => return Ending::Succeeded,
            Ok(state) if state.is_terminal() => {
                let cause = failure_cause(w, &state, &mut target_id, last_target.as_ref()).await;
                progress.event(w.key, &format!("{}: {cause}", w.deployment_id));
                let until = std::cmp::max(s.deadline, Instant::now() + s.rollback_grace);
                return follow_rollback(w, s, cancel, progress, cause, until).await;
            }
            _ => {}
        }

        // A refused read stops the deployment now rather than at the timeout, with alarms unread.
        if let Some(message) = refused {
            let cause = Cause::Unwatchable { message };
            return stop_and_follow(w, s, cancel, progress, cause).await;
        }

        if let Some(alarm) = firing {
            let cause = Cause::Alarm {
                name: alarm.name.clone(),
                reason: alarm.reason.clone(),
                shifted_percent: view.weight,
            };
            return stop_and_follow(w, s, cancel, progress, cause).await;
        }

        let nap = jittered(s.poll_interval);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return on_cancel(w, progress).await,
            _ = abort.token.cancelled() => {
                let cause = Cause::WaveFailed { failed: abort.failed_key() };
                return stop_and_follow(w, s, cancel, progress, cause).await;
            }
            _ = sleep_until(s.deadline) => return on_timeout(w, s, cancel, progress).await,
            _ = sleep(nap) => {}
        }
    }
}

/// Names the failed lifecycle event if there is one, else CodeDeploy's error information.
async fn failure_cause(
    w: &Watched<'_>,
    state: &DeploymentState,
    target_id: &mut Option<String>,
    last: Option<&TargetState>,
) -> Cause {
    let fresh = get_target(w, target_id).await.ok().flatten();
    if let Some((event, message)) = fresh.as_ref().or(last).and_then(TargetState::failed_event) {
        return Cause::LifecycleEvent {
            event: event.to_string(),
            message: if message.is_empty() {
                state.error_message.clone()
            } else {
                message.to_string()
            },
        };
    }
    if state.status == "Stopped" {
        Cause::StoppedElsewhere {
            code: state.error_code.clone(),
            message: state.error_message.clone(),
        }
    } else {
        Cause::Failed {
            code: state.error_code.clone(),
            message: state.error_message.clone(),
        }
    }
}

async fn on_cancel(w: &Watched<'_>, progress: &Progress) -> Ending {
    let result = tokio::time::timeout(CANCEL_STOP_BUDGET, stop(w)).await;
    let (stopped, detail) = match result {
        Ok(StopResult::Stopped) => (true, format!("stopped {} with rollback", w.deployment_id)),
        Ok(StopResult::AlreadyCompleted) => (
            false,
            format!("{} had already completed; nothing to stop", w.deployment_id),
        ),
        Ok(StopResult::Failed(e)) => (
            false,
            format!(
                "could not stop {}: {e}; {}",
                w.deployment_id,
                manual_stop_hint(w.deployment_id, w.region)
            ),
        ),
        Err(_) => (
            false,
            format!(
                "StopDeployment for {} got no answer within {}s; {}",
                w.deployment_id,
                CANCEL_STOP_BUDGET.as_secs(),
                manual_stop_hint(w.deployment_id, w.region)
            ),
        ),
    };
    progress.event(w.key, &format!("cancelled: {detail}"));
    Ending::Cancelled { stopped, detail }
}

async fn on_timeout(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Ending {
    progress.event(
        w.key,
        &format!("timeout passed: stopping {} with rollback", w.deployment_id),
    );
    let (stopped, stop_detail) = match stop(w).await {
        StopResult::Stopped => (true, format!("stopped {} with rollback", w.deployment_id)),
        StopResult::AlreadyCompleted => (
            false,
            format!("{} had completed just before the stop", w.deployment_id),
        ),
        StopResult::Failed(e) => (
            false,
            format!(
                "could not stop {}: {e}; {}",
                w.deployment_id,
                manual_stop_hint(w.deployment_id, w.region)
            ),
        ),
    };
    if !stopped {
        // Nothing was stopped, so no rollback will come: report at once.
        return Ending::TimedOut {
            stopped,
            detail: stop_detail,
        };
    }
    let until = Instant::now() + s.rollback_grace;
    let rollback = wait_rollback(w, s.poll_interval, until, cancel, progress).await;
    let detail = format!("{stop_detail}; {}", rollback.describe());
    Ending::TimedOut { stopped, detail }
}

/// Stops the deployment with rollback (an alarm, a failed sibling, a manual rollback) and follows
/// the rollback to its end.
pub async fn stop_and_follow(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    progress: &Progress,
    cause: Cause,
) -> Ending {
    progress.event(
        w.key,
        &format!("{cause}: stopping {} with rollback", w.deployment_id),
    );
    // A stopped deployment is followed until its rollback ends (past the deadline if need be, by
    // at most the grace); one we could not stop is followed until the deadline only.
    let mut until = std::cmp::max(s.deadline, Instant::now() + s.rollback_grace);
    match stop(w).await {
        StopResult::Stopped => {}
        StopResult::AlreadyCompleted => {
            if let Ok(state) = get_deployment(w.codedeploy, w.deployment_id).await
                && state.status == "Succeeded"
            {
                let detail = format!(
                    "{} had already succeeded when the stop arrived: the new release serves all traffic",
                    w.deployment_id
                );
                progress.event(w.key, &detail);
                return Ending::NotRolledBack { cause, detail };
            }
        }
        StopResult::Failed(e) => {
            progress.event(
                w.key,
                &format!(
                    "StopDeployment failed: {e}; following the deployment in case CodeDeploy stops it itself; {}",
                    manual_stop_hint(w.deployment_id, w.region)
                ),
            );
            until = s.deadline;
        }
    }
    follow_rollback(w, s, cancel, progress, cause, until).await
}

async fn follow_rollback(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    progress: &Progress,
    cause: Cause,
    until: Instant,
) -> Ending {
    match wait_rollback(w, s.poll_interval, until, cancel, progress).await {
        RollbackWait::Succeeded(id) => {
            progress.event(
                w.key,
                &format!("rolled back ({cause}); rollback {id} succeeded"),
            );
            Ending::RolledBack {
                cause,
                rollback_deployment_id: Some(id),
            }
        }
        RollbackWait::Failed(id, message) => {
            let detail = format!("rollback {id} did not succeed: {message}");
            progress.event(w.key, &detail);
            Ending::NotRolledBack { cause, detail }
        }
        RollbackWait::NotStarted(message) => {
            let detail = format!("no rollback: {message}");
            progress.event(w.key, &detail);
            Ending::NotRolledBack { cause, detail }
        }
        RollbackWait::Pending(id) => Ending::TimedOut {
            stopped: true,
            detail: format!(
                "{cause}; stopped {} with rollback, {}",
                w.deployment_id,
                RollbackWait::Pending(id).describe()
            ),
        },
        RollbackWait::Cancelled(id) => Ending::Cancelled {
            stopped: true,
            detail: format!(
                "{cause}; {} was already stopped with rollback ({})",
                w.deployment_id,
                id.map(|i| format!("rollback {i} running"))
                    .unwrap_or_else(|| "rollback starting".into())
            ),
        },
    }
}

enum RollbackWait {
    Succeeded(String),
    Failed(String, String),
    NotStarted(String),
    /// The wait ended first; the rollback id if it was known.
    Pending(Option<String>),
    Cancelled(Option<String>),
}

impl RollbackWait {
    fn describe(&self) -> String {
        match self {
            RollbackWait::Succeeded(id) => format!("rollback {id} succeeded"),
            RollbackWait::Failed(id, m) => format!("rollback {id} did not succeed: {m}"),
            RollbackWait::NotStarted(m) => format!("no rollback: {m}"),
            RollbackWait::Pending(Some(id)) => {
                format!("rollback {id} still running (follow it in the CodeDeploy console)")
            }
            RollbackWait::Pending(None) => "the rollback had not started yet".into(),
            RollbackWait::Cancelled(_) => "cancelled while waiting for the rollback".into(),
        }
    }
}

async fn wait_rollback(
    w: &Watched<'_>,
    poll_interval: Duration,
    until: Instant,
    cancel: &CancellationToken,
    progress: &Progress,
) -> RollbackWait {
    let mut rollback_id: Option<String> = None;
    let mut terminal_without_rollback = 0u32;
    loop {
        if rollback_id.is_none() {
            match get_deployment(w.codedeploy, w.deployment_id).await {
                Ok(state) => {
                    if let Some(id) = state.rollback_deployment_id.clone() {
                        progress.event(w.key, &format!("rollback deployment {id} started"));
                        rollback_id = Some(id);
                    } else if state.status == "Succeeded" {
                        return RollbackWait::NotStarted(format!(
                            "{} succeeded before it could be stopped",
                            w.deployment_id
                        ));
                    } else if state.is_terminal() {
                        terminal_without_rollback += 1;
                        if terminal_without_rollback >= ROLLBACK_APPEAR_POLLS {
                            let message = if state.rollback_message.is_empty() {
                                "CodeDeploy started no rollback deployment".to_string()
                            } else {
                                state.rollback_message
                            };
                            return RollbackWait::NotStarted(message);
                        }
                    }
                }
                Err(e) => progress.event(
                    w.key,
                    &format!("GetDeployment failed while waiting for the rollback (retrying): {e}"),
                ),
            }
        }
        if let Some(id) = rollback_id.as_deref() {
            match get_deployment(w.codedeploy, id).await {
                Ok(state) if state.status == "Succeeded" => {
                    return RollbackWait::Succeeded(id.to_string());
                }
                Ok(state) if state.is_terminal() => {
                    let message = if state.error_message.is_empty() {
                        format!("it ended {}", state.status)
                    } else {
                        format!("{} ({})", state.error_message, state.status)
                    };
                    return RollbackWait::Failed(id.to_string(), message);
                }
                Ok(_) => {}
                Err(e) => {
                    progress.event(w.key, &format!("GetDeployment {id} failed (retrying): {e}"))
                }
            }
        }
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return RollbackWait::Cancelled(rollback_id),
            _ = sleep_until(until) => return RollbackWait::Pending(rollback_id),
            _ = sleep(jittered(poll_interval)) => {}
        }
    }
}
