//! One wave of a rollout: the regions released together. A wave after the first re-checks its
//! pre-flight, optionally waits for running deployments, releases every service at once, and then
//! bakes: the next wave starts only when the wave's alarms stayed OK for the bake time.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::outcome::OutcomeKind;

use super::gate::{Gate, GateDoc, GateState};
use super::monitor::{self, GateRecord, MonitorSettings, WaveAbort};
use super::service::{gate_pause, release};
use super::{
    DeploymentResult, Prepared, Progress, Refusal, RolloutError, RolloutOptions, alarms, preflight,
};
use crate::config::{GatePoint, Pause};

/// What every wave of one rollout shares.
pub(super) struct WaveRun<'a> {
    pub opts: &'a RolloutOptions,
    pub clients: &'a BTreeMap<String, RegionClients>,
    pub prepared: &'a [Prepared],
    pub monitor: MonitorSettings,
    pub cancel: &'a CancellationToken,
    pub progress: &'a Progress,
}

/// How a wave ended: its deployments, and whether later waves may start (and if not, why).
pub(super) struct WaveEnd {
    pub results: Vec<DeploymentResult>,
    pub stop: bool,
    pub reason: Option<(OutcomeKind, String)>,
    pub refusals: Vec<Refusal>,
    /// How the gate before the wave (`[rollout.pause] at = ["dr-waves"]`) was passed.
    pub gate: Option<GateRecord>,
}

impl WaveEnd {
    fn stopped(reason: (OutcomeKind, String)) -> Self {
        WaveEnd {
            results: Vec::new(),
            stop: true,
            reason: Some(reason),
            refusals: Vec::new(),
            gate: None,
        }
    }
}

impl WaveRun<'_> {
    /// Releases wave `index` of `waves`.
    pub async fn wave(&self, waves: &[Vec<String>], index: usize) -> Result<WaveEnd, RolloutError> {
        let regions = &waves[index];
        let wave: Vec<&Prepared> = self
            .prepared
            .iter()
            .filter(|p| regions.contains(&p.region))
            .collect();
        let label = format!("wave {} ({})", index + 1, regions.join(", "));

        let mut gate = None;
        if index > 0
            && let Some(pause) = gate_pause(self.opts).filter(|p| p.holds_at(GatePoint::DrWaves))
        {
            match self.wave_gate(pause, regions, index, &label).await {
                Ok(record) => gate = Some(record),
                Err(end) => return Ok(*end),
            }
        }
        if index > 0
            && let Some(end) = self.recheck(&wave, &waves[..index], &label).await?
        {
            return Ok(end);
        }
        if let Some(end) = self.wait_until_idle(&wave, &label).await {
            return Ok(end);
        }
        let results = self.release_all(&wave, &label).await;
        let failed = results.iter().any(|r| r.outcome != OutcomeKind::Succeeded);
        let mut end = WaveEnd {
            results,
            stop: failed,
            reason: None,
            refusals: Vec::new(),
            gate,
        };
        if failed || index + 1 == waves.len() || self.opts.settings.bake_time.is_zero() {
            return Ok(end);
        }
        end.reason = self.bake_after(&wave, regions, &label).await;
        end.stop = end.reason.is_some();
        Ok(end)
    }

    /// Holds before wave `index` until a person promotes it (the gate is kept in the wave's first
    /// region); the wave's end when it is aborted, times out or the rollout is cancelled.
    async fn wave_gate(
        &self,
        pause: &Pause,
        regions: &[String],
        index: usize,
        label: &str,
    ) -> Result<GateRecord, Box<WaveEnd>> {
        let region = &regions[0];
        let ssm = &self.clients[region].ssm;
        let gate = Gate::of_wave(&pause.parameter_path, region, index + 1);
        let release = self.opts.image.to_string();
        let waiting = GateDoc::waiting(GatePoint::DrWaves, label, &release, pause.timeout);
        let stopped = |kind, why: String| {
            Box::new(WaveEnd::stopped((
                kind,
                format!("{why}; {label} and later waves were not started"),
            )))
        };
        if let Err(e) = gate.open(ssm, &waiting).await {
            return Err(stopped(
                OutcomeKind::Failed,
                format!("the gate before {label} could not be opened: {e}"),
            ));
        }
        self.progress.event(
            "rollout",
            &format!(
                "held before {label}: the earlier waves serve the new release. Decide with: platform-deploy promote --reason \"…\" (or abort); without a decision in {} it aborts",
                humantime::format_duration(pause.timeout)
            ),
        );
        let opened = Instant::now();
        let until = opened + pause.timeout;
        let mut read_failed = false;
        // Err: how the wave ends, and the abort's document.
        let decided: Result<GateDoc, (OutcomeKind, String, Option<GateDoc>)> = loop {
            match gate.decision(ssm).await {
                Ok(Some(doc)) if doc.state == GateState::Promote => break Ok(doc),
                Ok(Some(doc)) => {
                    let why = format!("aborted before {label} {}", doc.attribution());
                    break Err((OutcomeKind::Cancelled, why, Some(doc)));
                }
                Ok(None) => read_failed = false,
                Err(e) => {
                    if !std::mem::replace(&mut read_failed, true) {
                        self.progress.event(
                            "rollout",
                            &format!("reading the gate failed (retrying): {e}"),
                        );
                    }
                }
            }
            if Instant::now() >= until {
                break Err((
                    OutcomeKind::TimedOut,
                    format!(
                        "nobody promoted or aborted within {} before {label} (rollout.pause.timeout)",
                        humantime::format_duration(pause.timeout)
                    ),
                    None,
                ));
            }
            self.progress.status(
                "rollout",
                &format!(
                    "held before {label}, {} left to decide",
                    monitor::short_duration(until - Instant::now())
                ),
            );
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => {
                    break Err((OutcomeKind::Cancelled, format!("cancelled while held before {label}"), None));
                }
                _ = sleep_until(self.monitor.deadline) => {
                    break Err((OutcomeKind::TimedOut, format!("the timeout passed while held before {label}"), None));
                }
                _ = sleep(monitor::jittered(self.opts.settings.poll_interval)) => {}
            }
        };
        self.progress.done("rollout");
        let _ = tokio::time::timeout(Duration::from_secs(2), gate.close(ssm)).await;
        let record = |decision: &str, doc: Option<&GateDoc>| GateRecord {
            point: GatePoint::DrWaves,
            decision: decision.to_string(),
            waited_seconds: opened.elapsed().as_secs(),
            by: doc.and_then(|d| d.decided_by.clone()),
            reason: doc.and_then(|d| d.reason.clone()),
        };
        match decided {
            Ok(doc) => {
                self.progress.event(
                    "rollout",
                    &format!("{label} promoted {}", doc.attribution()),
                );
                Ok(record("promoted", Some(&doc)))
            }
            Err((kind, why, doc)) => {
                let decision = match (kind, &doc) {
                    (_, Some(_)) => "aborted",
                    (OutcomeKind::TimedOut, None) => "timed-out",
                    _ => "left",
                };
                let mut end = stopped(kind, why);
                end.gate = Some(record(decision, doc.as_ref()));
                Err(end)
            }
        }
    }

    /// A later wave re-checks what may have changed since the pre-flight (alarms, running
    /// deployments); the wave's end when something refuses.
    async fn recheck(
        &self,
        wave: &[&Prepared],
        earlier_waves: &[Vec<String>],
        label: &str,
    ) -> Result<Option<WaveEnd>, RolloutError> {
        let mut refused = Vec::new();
        for p in wave {
            refused.extend(
                preflight::recheck(&self.clients[&p.region], p, self.opts.wait_for_inflight)
                    .await?,
            );
        }
        if refused.is_empty() {
            return Ok(None);
        }
        let released = earlier_waves
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let problems = refused
            .iter()
            .map(|r| format!("{}: {}", r.scope, r.problem))
            .collect::<Vec<_>>()
            .join("; ");
        let mut end = WaveEnd::stopped((
            OutcomeKind::PreflightRefused,
            format!("{label} refused to start: {problems}; already released: {released}"),
        ));
        end.refusals = refused;
        Ok(Some(end))
    }

    /// `--wait-for-inflight`: the wave's end when the wait was cancelled or timed out.
    async fn wait_until_idle(&self, wave: &[&Prepared], label: &str) -> Option<WaveEnd> {
        if !self.opts.wait_for_inflight {
            return None;
        }
        let kind = wait_for_inflight(
            wave,
            self.clients,
            self.opts.settings.poll_interval,
            self.monitor.deadline,
            self.cancel,
            self.progress,
        )
        .await
        .err()?;
        let why = if kind == OutcomeKind::Cancelled {
            "cancelled"
        } else {
            "the timeout passed"
        };
        Some(WaveEnd::stopped((
            kind,
            format!(
                "{label}: {why} while waiting for running deployments to finish; nothing of this wave was started"
            ),
        )))
    }

    /// Releases every service of the wave at once; one failure stops the others.
    async fn release_all(&self, wave: &[&Prepared], label: &str) -> Vec<DeploymentResult> {
        self.progress.event(
            "rollout",
            &format!(
                "{label}: releasing {} to {} service(s)",
                self.opts.image,
                wave.len()
            ),
        );
        let abort = WaveAbort::default();
        let runs = wave.iter().map(|p| {
            release(
                p,
                &self.clients[&p.region],
                self.opts,
                &self.monitor,
                self.cancel,
                &abort,
                self.progress,
            )
        });
        join_all(runs).await
    }

    /// Bakes the released wave; why later waves must not start, if they must not.
    async fn bake_after(
        &self,
        wave: &[&Prepared],
        regions: &[String],
        label: &str,
    ) -> Option<(OutcomeKind, String)> {
        let (opts, deadline) = (self.opts, self.monitor.deadline);
        match bake(
            wave,
            self.clients,
            opts,
            deadline,
            self.cancel,
            self.progress,
        )
        .await
        {
            BakeEnd::AllOk => None,
            BakeEnd::Alarm(key, alarm) => Some((
                OutcomeKind::FailedNoRollback,
                format!(
                    "after {label}, alarm {} ({key}) went into ALARM during the bake ({}); {} already serve(s) the new release and was not rolled back; later waves were not started — roll {} back (release the previous image) or fix forward",
                    alarm.name,
                    alarm.reason,
                    regions.join(", "),
                    regions.join(", ")
                ),
            )),
            BakeEnd::Cancelled => Some((
                OutcomeKind::Cancelled,
                format!("cancelled during the bake after {label}; later waves were not started"),
            )),
            BakeEnd::TimedOut => Some((
                OutcomeKind::TimedOut,
                format!(
                    "the timeout passed during the bake after {label}; later waves were not started"
                ),
            )),
        }
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
