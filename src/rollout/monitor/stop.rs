//! Stopping a deployment with rollback and following the rollback to its end: on an alarm, a
//! failed sibling or a manual rollback ([`stop_and_follow`]), on cancellation and on the deadline.

use std::time::Duration;

use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::progress::Progress;
use crate::rollout::backend::StopResult;

use super::{CANCEL_STOP_BUDGET, Cause, Ending, MonitorSettings, Watched, jittered};

/// How many polls a stopped or failed deployment may show no rollback before we conclude that
/// CodeDeploy started none.
const ROLLBACK_APPEAR_POLLS: u32 = 3;

async fn stop(w: &Watched<'_>) -> StopResult {
    w.backend.stop(w.deployment_id).await
}

fn manual_stop_hint(w: &Watched<'_>) -> String {
    w.backend.manual_stop_hint(w.deployment_id, w.region)
}

/// Cancellation: stops the deployment within the budget and returns without waiting.
pub(super) async fn on_cancel(w: &Watched<'_>, progress: &Progress) -> Ending {
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
                manual_stop_hint(w)
            ),
        ),
        Err(_) => (
            false,
            format!(
                "the stop of {} got no answer within {}s; {}",
                w.deployment_id,
                CANCEL_STOP_BUDGET.as_secs(),
                manual_stop_hint(w)
            ),
        ),
    };
    progress.event(w.key, &format!("cancelled: {detail}"));
    Ending::Cancelled { stopped, detail }
}

/// The deadline: stops the deployment and follows its rollback for the grace.
pub(super) async fn on_timeout(
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
                manual_stop_hint(w)
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
    let detail = format!("{stop_detail}; {}", rollback.describe(w.backend.console()));
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
            if let Ok(state) = w.backend.deployment(w.deployment_id).await
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
                    "the stop failed: {e}; following the deployment in case it is stopped otherwise; {}",
                    manual_stop_hint(w)
                ),
            );
            until = s.deadline;
        }
    }
    follow_rollback(w, s, cancel, progress, cause, until).await
}

/// Follows the rollback of a stopped or failed deployment until `until`.
pub(super) async fn follow_rollback(
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
                RollbackWait::Pending(id).describe(w.backend.console())
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
    fn describe(&self, console: &str) -> String {
        match self {
            RollbackWait::Succeeded(id) => format!("rollback {id} succeeded"),
            RollbackWait::Failed(id, m) => format!("rollback {id} did not succeed: {m}"),
            RollbackWait::NotStarted(m) => format!("no rollback: {m}"),
            RollbackWait::Pending(Some(id)) => {
                format!("rollback {id} still running (follow it in {console})")
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
            match w.backend.deployment(w.deployment_id).await {
                Ok(state) => {
                    if let Some(id) = state.rollback_deployment_id.clone() {
                        progress.event(w.key, &w.backend.rollback_started(&id));
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
                                "no rollback was started".to_string()
                            } else {
                                state.rollback_message
                            };
                            return RollbackWait::NotStarted(message);
                        }
                    }
                }
                Err(e) => progress.event(
                    w.key,
                    &format!("reading the deployment failed while waiting for the rollback (retrying): {e}"),
                ),
            }
        }
        if let Some(id) = rollback_id.as_deref() {
            match w.backend.rollback(id).await {
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
                Err(e) => progress.event(
                    w.key,
                    &format!("reading rollback {id} failed (retrying): {e}"),
                ),
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
