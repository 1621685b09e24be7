//! Watching one deployment (CodeDeploy's or ECS's, through [`Backend`]) to its end.
//!
//! Every poll (the configured interval with ±20 % jitter) reads the deployment, its ECS target
//! (task sets, traffic weights, lifecycle events) and the gating alarms. An alarm in ALARM stops
//! the deployment with rollback at once — CodeDeploy's own alarm check is not waited for — and the
//! rollback is followed to its end. Cancellation stops the deployment within the same instant and
//! returns without waiting; the deadline stops it and waits a short grace for the rollback.
//! Errors of a single poll (after the SDK's retries) are reported and the next poll goes on with
//! the same deployment id: nothing but the deadline ends a wait.
//!
//! Here: the watch loop and its vocabulary; reading the deployment is in `state`, the progress
//! display in `view`, stopping with rollback and following the rollback in `stop`.

mod hold;
mod state;
mod stop;
mod view;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::aws::AwsError;

use super::alarms::{self, AlarmState};
use super::analysis::Analyzer;
use super::deployment::TrafficRouting;
use crate::progress::Progress;
use crate::rollout::backend::Backend;

use hold::GateStep;
pub use hold::{GateRecord, GateWatch, Gates};
pub use state::{DeploymentState, Paused, TargetState};
pub(crate) use state::{get_deployment, get_target};
pub use stop::stop_and_follow;
use stop::{follow_rollback, on_cancel, on_timeout};
use view::View;
pub use view::short_duration;

/// How long a cancelled rollout waits for its StopDeployment calls to be answered before it
/// exits (the runner sends SIGKILL a few seconds after SIGTERM).
pub const CANCEL_STOP_BUDGET: Duration = Duration::from_secs(4);

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
    pub backend: Backend<'a>,
    pub cloudwatch: &'a aws_sdk_cloudwatch::Client,
    pub deployment_id: &'a str,
    pub alarms: &'a [String],
    pub routing: Option<TrafficRouting>,
    /// `[rollout.pause]`: the gates this deployment may hold at.
    pub gate: Option<GateWatch<'a>>,
}

/// What watches a deployment besides its alarms: the canary analysis and the gates.
#[derive(Default)]
pub struct Oversight<'a> {
    pub analysis: Option<Analyzer<'a>>,
    pub gates: Gates,
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
    /// A check of the canary analysis reached its failure limit, and we stopped the deployment.
    Analysis {
        check: String,
        measured: String,
        limit: String,
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
    /// Aborted at a gate (`platform-deploy abort`).
    Aborted { point: String, by: String },
    /// Nobody promoted or aborted within the gate's timeout.
    GateTimedOut { point: String, waited: String },
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
            // `measured` names the limit it crossed; `limit` lists all of the check's, for JSON.
            Cause::Analysis {
                check,
                measured,
                shifted_percent,
                ..
            } => {
                write!(f, "analysis check {check} failed: {measured}")?;
                if let Some(p) = shifted_percent {
                    write!(f, " with {p}% of traffic shifted")?;
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
            Cause::Aborted { point, by } => write!(f, "aborted at the {point} gate {by}"),
            Cause::GateTimedOut { point, waited } => write!(
                f,
                "nobody promoted or aborted within {waited} at the {point} gate (rollout.pause.timeout)"
            ),
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

/// Watches `w` until it ends, measuring the canary analysis when there is one. See the module
/// documentation.
pub async fn watch(
    w: &Watched<'_>,
    settings: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
    oversight: &mut Oversight<'_>,
) -> Ending {
    let ending = watch_inner(w, settings, cancel, abort, progress, oversight).await;
    // A gate still open (cancelled, failed elsewhere) is closed: nothing waits on it any more.
    if oversight.gates.open_point().is_some() {
        oversight.gates.close(w, "left", None).await;
    }
    progress.done(w.key);
    ending
}

async fn watch_inner(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
    oversight: &mut Oversight<'_>,
) -> Ending {
    let mut seen = Seen::new(w.routing);
    loop {
        let poll = async { tokio::join!(w.backend.deployment(w.deployment_id), read_alarms(w)) };
        let (dep, alarm_states) = match interruptible(w, s, cancel, abort, progress, poll).await {
            Ok(polled) => polled,
            Err(ending) => return ending,
        };
        seen.show(w, progress, &dep).await;
        let paused = dep.as_ref().ok().and_then(|d| d.paused.clone());
        let refused = refused_read(&dep, &alarm_states);
        let firing = seen.firing_alarm(w, progress, alarm_states);

        match dep {
            Ok(state) if state.status == "Succeeded" => return Ending::Succeeded,
            Ok(state) if state.is_terminal() => {
                // An alarm we read in ALARM names the cause even when the controller's own alarm
                // check stopped the deployment first.
                let cause = match &firing {
                    Some(alarm) => Cause::Alarm {
                        name: alarm.name.clone(),
                        reason: alarm.reason.clone(),
                        shifted_percent: seen.view.weight,
                    },
                    None => {
                        failure_cause(w, &state, &mut seen.target_id, seen.last_target.as_ref())
                            .await
                    }
                };
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
                shifted_percent: seen.view.weight,
            };
            return stop_and_follow(w, s, cancel, progress, cause).await;
        }

        if let Some(analyzer) = oversight.analysis.as_mut()
            && analyzer.due(Instant::now(), seen.view.weight)
        {
            let weight = seen.view.weight;
            let measure = analyzer.measure(w.cloudwatch, w.region, weight, w.key, progress);
            match interruptible(w, s, cancel, abort, progress, measure).await {
                Err(ending) => return ending,
                Ok(Ok(None)) => {}
                Ok(Ok(Some(failure))) => {
                    let cause = Cause::Analysis {
                        check: failure.check,
                        measured: failure.measured,
                        limit: failure.limit,
                        shifted_percent: weight,
                    };
                    return stop_and_follow(w, s, cancel, progress, cause).await;
                }
                // Unreadable metrics leave the canary unjudged: as with alarms, not safe to go on.
                Ok(Err(e)) if e.is_access_denied() => {
                    let cause = Cause::Unwatchable {
                        message: e.to_string(),
                    };
                    return stop_and_follow(w, s, cancel, progress, cause).await;
                }
                Ok(Err(e)) => progress.event(
                    w.key,
                    &format!("reading the analysis metrics failed (next poll retries): {e}"),
                ),
            }
        }

        let gate = oversight.gates.poll(w, paused.as_ref(), progress);
        let step = match interruptible(w, s, cancel, abort, progress, gate).await {
            Err(ending) => return ending,
            Ok(step) => step,
        };
        if let Some(cause) = pass_gate(w, oversight, paused.as_ref(), step, progress).await {
            return stop_and_follow(w, s, cancel, progress, cause).await;
        }

        let nap = jittered(s.poll_interval);
        if let Err(ending) = interruptible(w, s, cancel, abort, progress, sleep(nap)).await {
            return ending;
        }
    }
}

/// Acts on what the open gate holds: a promote continues the deployment, an abort or the gate's
/// timeout is the cause to stop it with.
async fn pass_gate(
    w: &Watched<'_>,
    oversight: &mut Oversight<'_>,
    paused: Option<&Paused>,
    step: Result<Option<GateStep>, AwsError>,
    progress: &Progress,
) -> Option<Cause> {
    let point = || paused.map(|p| p.point.to_string()).unwrap_or_default();
    match step {
        Ok(None) | Ok(Some(GateStep::Waiting)) => None,
        Ok(Some(GateStep::Promoted(doc))) => {
            let paused = paused?;
            match w.backend.continue_at(w.deployment_id, paused).await {
                Ok(()) => {
                    progress.event(
                        w.key,
                        &format!(
                            "promoted at the {} gate {}; the deployment goes on",
                            paused.point,
                            doc.attribution()
                        ),
                    );
                    oversight.gates.close(w, "promoted", Some(&doc)).await;
                }
                Err(e) => progress.event(
                    w.key,
                    &format!("continuing the deployment failed (next poll retries): {e}"),
                ),
            }
            None
        }
        Ok(Some(GateStep::Aborted(doc))) => {
            oversight.gates.close(w, "aborted", Some(&doc)).await;
            Some(Cause::Aborted {
                point: point(),
                by: doc.attribution(),
            })
        }
        Ok(Some(GateStep::TimedOut(after))) => {
            oversight.gates.close(w, "timed-out", None).await;
            Some(Cause::GateTimedOut {
                point: point(),
                waited: humantime::format_duration(after).to_string(),
            })
        }
        // A gate nobody can answer would hold until its timeout for nothing.
        Err(e) if e.is_access_denied() => Some(Cause::Unwatchable {
            message: e.to_string(),
        }),
        Err(e) => {
            progress.event(
                w.key,
                &format!("opening the gate failed (next poll retries): {e}"),
            );
            None
        }
    }
}

/// Runs `work` unless the rollout is cancelled, another deployment of the wave fails or the
/// deadline passes first; then the deployment is stopped and `Err` says how the watch ended.
async fn interruptible<T>(
    w: &Watched<'_>,
    s: &MonitorSettings,
    cancel: &CancellationToken,
    abort: &WaveAbort,
    progress: &Progress,
    work: impl Future<Output = T>,
) -> Result<T, Ending> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(on_cancel(w, progress).await),
        _ = abort.token.cancelled() => {
            let cause = Cause::WaveFailed { failed: abort.failed_key() };
            Err(stop_and_follow(w, s, cancel, progress, cause).await)
        }
        _ = sleep_until(s.deadline) => Err(on_timeout(w, s, cancel, progress).await),
        r = work => Ok(r),
    }
}

/// The states of the gating alarms (none to read when nothing gates the deployment).
async fn read_alarms(w: &Watched<'_>) -> Result<Vec<AlarmState>, AwsError> {
    if w.alarms.is_empty() {
        Ok(Vec::new())
    } else {
        alarms::describe(w.cloudwatch, w.region, w.alarms).await
    }
}

/// The message of a read AWS refused (access denied), which no later poll would get past.
fn refused_read(
    dep: &Result<DeploymentState, String>,
    alarm_states: &Result<Vec<AlarmState>, AwsError>,
) -> Option<String> {
    dep.as_ref()
        .err()
        .filter(|e| crate::aws::is_access_denied(e))
        .cloned()
        .or_else(|| {
            let e = alarm_states.as_ref().err()?;
            crate::aws::is_access_denied(&e.message).then(|| e.to_string())
        })
}

/// What the watch remembers between polls.
struct Seen {
    view: View,
    /// The deployment's ECS target, once CodeDeploy has created it.
    target_id: Option<String>,
    last_target: Option<TargetState>,
    /// Alarm reads failed in a row (only some of them are reported).
    alarm_errors: u32,
}

impl Seen {
    fn new(routing: Option<TrafficRouting>) -> Self {
        Seen {
            view: View::new(routing),
            target_id: None,
            last_target: None,
            alarm_errors: 0,
        }
    }

    /// Reads the deployment target and shows what changed since the last poll.
    async fn show(
        &mut self,
        w: &Watched<'_>,
        progress: &Progress,
        dep: &Result<DeploymentState, String>,
    ) {
        match dep {
            Ok(state) => {
                // After success too, so the final shift (100 %) is shown.
                if state.target.is_some() || !state.is_terminal() || state.status == "Succeeded" {
                    match get_target(w, state, &mut self.target_id).await {
                        Ok(Some(t)) => self.last_target = Some(t),
                        Ok(None) => {}
                        Err(e) => progress.event(
                            w.key,
                            &format!(
                                "reading the deployment target failed (next poll retries): {e}"
                            ),
                        ),
                    }
                }
                self.view
                    .update(w, progress, state, self.last_target.as_ref());
            }
            Err(e) => progress.event(
                w.key,
                &format!(
                    "reading deployment {} failed (next poll retries): {e}",
                    w.deployment_id
                ),
            ),
        }
    }

    /// The first gating alarm in ALARM; a failed read is reported on the first failure and
    /// every tenth after it.
    fn firing_alarm(
        &mut self,
        w: &Watched<'_>,
        progress: &Progress,
        alarm_states: Result<Vec<AlarmState>, AwsError>,
    ) -> Option<AlarmState> {
        match alarm_states {
            Ok(states) => {
                self.alarm_errors = 0;
                alarms::first_firing(w.alarms, &states).cloned()
            }
            Err(e) => {
                self.alarm_errors += 1;
                if self.alarm_errors == 1 || self.alarm_errors.is_multiple_of(10) {
                    progress.event(
                        w.key,
                        &format!("reading alarm states failed (next poll retries): {e}"),
                    );
                }
                None
            }
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
    let fresh = get_target(w, state, target_id).await.ok().flatten();
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
