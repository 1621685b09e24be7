//! One chaos experiment, run and watched: AWS FIS StartExperiment on a template of the platform's
//! (the regional stack's `chaos_experiments`), its state polled until it ends, and StopExperiment on
//! SIGINT/SIGTERM or at the timeout. FIS halts the experiment itself, and reverts its faults, when a
//! stop condition (an SLO alarm) goes to ALARM: that is a finding, reported as its own ending.

use std::time::{Duration, Instant};

use aws_sdk_fis::types::ExperimentStatus;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::outcome::OutcomeKind;

/// The tag every experiment started here carries: who started it (GITHUB_ACTOR or USER).
pub const STARTED_BY_TAG: &str = "platform-deploy:started-by";

/// How long a stop we asked for may take before we report it as not confirmed.
const STOP_GRACE: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    #[error(
        "{region} has no chaos experiments\n  fix: chaos_enabled = true on the regional stack (the default in the primary region) and apply it"
    )]
    NoExperiments { region: String },
    #[error(
        "no chaos experiment `{name}` in {region} (it has: {available})\n  fix: pass one of those names; `platform-deploy chaos --list` shows them with their templates"
    )]
    UnknownExperiment {
        name: String,
        region: String,
        available: String,
    },
    #[error(
        "{region} is a standby DR region (its services run 0 tasks): FIS would find no target and fail\n  fix: run the experiment in the region that serves traffic, or after `platform-deploy failover --to {region}`"
    )]
    Standby { region: String },
    #[error(
        "experiment template {template_id} has no CloudWatch alarm stop condition: nothing would halt it if the platform degrades\n  fix: give the chaos module stop_condition_alarm_arns (the SLO alarms) and apply the stack"
    )]
    Unguarded { template_id: String },
    #[error("FIS {operation} failed: {message}")]
    Aws {
        operation: &'static str,
        message: String,
    },
}

impl ChaosError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            ChaosError::NoExperiments { .. } | ChaosError::UnknownExperiment { .. } => {
                OutcomeKind::BadInput
            }
            ChaosError::Standby { .. } | ChaosError::Unguarded { .. } => {
                OutcomeKind::PreflightRefused
            }
            ChaosError::Aws { .. } => OutcomeKind::Failed,
        }
    }
}

fn aws_error<E>(operation: &'static str) -> impl FnOnce(E) -> ChaosError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
{
    move |e| ChaosError::Aws {
        operation,
        message: crate::aws::error_message(&e),
    }
}

/// A template as the pre-flight reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Template {
    pub id: String,
    pub description: String,
    /// The alarm ARNs that halt it.
    pub stop_conditions: Vec<String>,
    pub actions: Vec<String>,
}

/// Reads the template and refuses one that no alarm would stop.
pub async fn template(fis: &aws_sdk_fis::Client, id: &str) -> Result<Template, ChaosError> {
    let out = fis
        .get_experiment_template()
        .id(id)
        .send()
        .await
        .map_err(aws_error("GetExperimentTemplate"))?;
    let t = out.experiment_template();
    let stop_conditions: Vec<String> = t
        .map(|t| t.stop_conditions())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.source() == Some("aws:cloudwatch:alarm"))
        .filter_map(|c| c.value().map(str::to_string))
        .collect();
    if stop_conditions.is_empty() {
        return Err(ChaosError::Unguarded {
            template_id: id.to_string(),
        });
    }
    let mut actions: Vec<String> = t
        .and_then(|t| t.actions())
        .map(|a| {
            a.values()
                .filter_map(|a| a.action_id())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    actions.sort();
    Ok(Template {
        id: id.to_string(),
        description: t
            .and_then(|t| t.description())
            .unwrap_or_default()
            .to_string(),
        stop_conditions,
        actions,
    })
}

/// How an experiment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Every action ran its course.
    Completed,
    /// FIS halted it: a stop condition alarm went to ALARM (the platform did not tolerate the fault).
    StoppedByAlarm,
    /// FIS could not run it (no target, missing permissions of the experiment role, ...).
    Failed,
    /// SIGINT/SIGTERM: we stopped it.
    Cancelled,
    /// The timeout passed: we stopped it.
    TimedOut,
}

impl Ending {
    pub fn kind(self) -> OutcomeKind {
        match self {
            Ending::Completed => OutcomeKind::Succeeded,
            Ending::StoppedByAlarm => OutcomeKind::RolledBack,
            Ending::Failed => OutcomeKind::Failed,
            Ending::Cancelled => OutcomeKind::Cancelled,
            Ending::TimedOut => OutcomeKind::TimedOut,
        }
    }
}

/// What `chaos` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub region: String,
    pub experiment: String,
    pub template: Template,
    #[serde(flatten)]
    pub finished: Finished,
    pub seconds: u64,
}

/// How to watch.
#[derive(Debug, Clone)]
pub struct Watch {
    pub poll_interval: Duration,
    pub timeout: Duration,
}

/// An experiment that has ended (or that we asked to stop and FIS has not confirmed in time).
#[derive(Debug, Clone, Serialize)]
pub struct Finished {
    pub experiment_id: String,
    pub ending: Ending,
    /// FIS's last status and its reason.
    pub status: String,
    pub reason: String,
}

/// Starts the template's experiment and follows it to its end; `progress` gets a line on each change of
/// FIS status.
pub async fn run(
    fis: &aws_sdk_fis::Client,
    template: &Template,
    started_by: &str,
    watch: &Watch,
    cancel: &CancellationToken,
    progress: &dyn Fn(&str),
) -> Result<Finished, ChaosError> {
    let started = fis
        .start_experiment()
        .experiment_template_id(&template.id)
        .tags(STARTED_BY_TAG, started_by)
        .send()
        .await
        .map_err(aws_error("StartExperiment"))?;
    let id = started
        .experiment()
        .and_then(|e| e.id())
        .unwrap_or_default()
        .to_string();
    progress(&format!(
        "started experiment {id} from template {}",
        template.id
    ));
    let finished = |ending, status: &ExperimentStatus, reason: String| Finished {
        experiment_id: id.clone(),
        ending,
        status: status.as_str().to_string(),
        reason,
    };

    let begun = Instant::now();
    let mut stopped_by_us: Option<(Ending, Instant)> = None;
    let mut last = String::new();
    loop {
        let (status, reason) = state(fis, &id).await?;
        if status.as_str() != last {
            progress(&format!("{id}: {} ({reason})", status.as_str()));
            last = status.as_str().to_string();
        }
        match status {
            ExperimentStatus::Completed => return Ok(finished(Ending::Completed, &status, reason)),
            ExperimentStatus::Failed => return Ok(finished(Ending::Failed, &status, reason)),
            ExperimentStatus::Stopped | ExperimentStatus::Cancelled => {
                let ending = stopped_by_us.map_or(Ending::StoppedByAlarm, |(why, _)| why);
                return Ok(finished(ending, &status, reason));
            }
            _ => {}
        }
        if let Some((why, since)) = stopped_by_us {
            if since.elapsed() > STOP_GRACE {
                let reason = format!(
                    "FIS was asked to stop it {} s ago and still reports {}",
                    STOP_GRACE.as_secs(),
                    status.as_str()
                );
                return Ok(finished(why, &status, reason));
            }
            tokio::time::sleep(watch.poll_interval).await;
            continue;
        }
        let why = tokio::select! {
            _ = tokio::time::sleep(watch.poll_interval) => None,
            _ = cancel.cancelled() => Some(Ending::Cancelled),
        }
        .or((begun.elapsed() > watch.timeout).then_some(Ending::TimedOut));
        if let Some(why) = why {
            let what = if why == Ending::Cancelled {
                "cancelled"
            } else {
                "timed out"
            };
            progress(&format!("{id}: {what}, stopping it"));
            fis.stop_experiment()
                .id(&id)
                .send()
                .await
                .map_err(aws_error("StopExperiment"))?;
            stopped_by_us = Some((why, Instant::now()));
        }
    }
}

async fn state(
    fis: &aws_sdk_fis::Client,
    id: &str,
) -> Result<(ExperimentStatus, String), ChaosError> {
    let out = fis
        .get_experiment()
        .id(id)
        .send()
        .await
        .map_err(aws_error("GetExperiment"))?;
    let state = out.experiment().and_then(|e| e.state());
    Ok((
        state
            .and_then(|s| s.status())
            .cloned()
            .unwrap_or(ExperimentStatus::Pending),
        state
            .and_then(|s| s.reason())
            .unwrap_or_default()
            .to_string(),
    ))
}
