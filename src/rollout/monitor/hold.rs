//! A deployment the controller holds at a `[rollout.pause]` gate: the gate is opened in SSM (see
//! [`crate::rollout::gate`]) and read at every poll, while the alarms and the analysis go on being
//! watched. A promote continues the controller's wait; an abort, or no decision within the
//! gate's timeout, stops the deployment with rollback.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::{Paused, Watched};
use crate::aws::AwsError;
use crate::config::{GatePoint, Pause};
use crate::progress::Progress;
use crate::rollout::gate::{Gate, GateDoc, GateState};

/// What a watched deployment's gates need: the settings, SSM in its region, the release.
#[derive(Clone, Copy)]
pub struct GateWatch<'a> {
    pub pause: &'a Pause,
    pub ssm: &'a aws_sdk_ssm::Client,
    /// The image being released (shown to whoever decides).
    pub release: &'a str,
    /// The service's name (the gate's parameter and the promote command name it).
    pub service: &'a str,
}

/// How a gate was passed, for the report and the job summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRecord {
    pub point: GatePoint,
    /// promoted, aborted, timed-out, or left open (cancelled, failed elsewhere).
    pub decision: String,
    pub waited_seconds: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An open gate of the watched deployment.
pub(super) struct Holding {
    gate: Gate,
    point: GatePoint,
    opened: Instant,
    until: Instant,
}

/// What a poll of an open gate found.
pub(super) enum GateStep {
    Waiting,
    Promoted(GateDoc),
    Aborted(GateDoc),
    TimedOut(Duration),
}

/// The gates of one watched deployment: the one open now, the points already passed and how.
#[derive(Default)]
pub struct Gates {
    holding: Option<Holding>,
    passed: BTreeSet<GatePoint>,
    pub records: Vec<GateRecord>,
    /// A read that failed was reported; the next failures in a row are not.
    read_failed: bool,
}

impl Gates {
    /// Called at every poll with where the deployment holds (if anywhere): opens the gate when it
    /// starts holding at a configured point, and says what the gate holds now.
    pub(super) async fn poll(
        &mut self,
        w: &Watched<'_>,
        paused: Option<&Paused>,
        progress: &Progress,
    ) -> Result<Option<GateStep>, AwsError> {
        let Some(g) = w.gate else { return Ok(None) };
        let point = match paused {
            Some(p) if g.pause.holds_at(p.point) && !self.passed.contains(&p.point) => p.point,
            _ => return Ok(None),
        };
        if self.holding.is_none() {
            self.open(w, &g, point, progress).await?;
        }
        let holding = self.holding.as_ref().expect("opened above");
        if Instant::now() >= holding.until {
            return Ok(Some(GateStep::TimedOut(g.pause.timeout)));
        }
        let decided = match holding.gate.decision(g.ssm).await {
            Ok(doc) => {
                self.read_failed = false;
                doc
            }
            Err(e) => {
                if !std::mem::replace(&mut self.read_failed, true) {
                    progress.event(
                        w.key,
                        &format!("reading the gate failed (next poll retries): {e}"),
                    );
                }
                return Ok(Some(GateStep::Waiting));
            }
        };
        Ok(Some(match decided {
            Some(d) if d.state == GateState::Promote => GateStep::Promoted(d),
            Some(d) => GateStep::Aborted(d),
            None => GateStep::Waiting,
        }))
    }

    async fn open(
        &mut self,
        w: &Watched<'_>,
        g: &GateWatch<'_>,
        point: GatePoint,
        progress: &Progress,
    ) -> Result<(), AwsError> {
        let gate = Gate::of_service(&g.pause.parameter_path, w.region, g.service, point);
        gate.open(
            g.ssm,
            &GateDoc::waiting(point, w.key, g.release, g.pause.timeout),
        )
        .await?;
        progress.event(
            w.key,
            &format!(
                "held at the {point} gate ({}); traffic stays where it is, alarms and analysis are still watched. Decide with: platform-deploy promote --region {} --service {} --reason \"…\" (or abort); without a decision in {} it aborts",
                point_meaning(point),
                w.region,
                g.service,
                humantime::format_duration(g.pause.timeout)
            ),
        );
        let now = Instant::now();
        self.holding = Some(Holding {
            gate,
            point,
            opened: now,
            until: now + g.pause.timeout,
        });
        Ok(())
    }

    /// Records how the open gate ended and deletes it.
    pub(super) async fn close(&mut self, w: &Watched<'_>, decision: &str, doc: Option<&GateDoc>) {
        let (Some(holding), Some(g)) = (self.holding.take(), w.gate) else {
            return;
        };
        self.passed.insert(holding.point);
        self.records.push(GateRecord {
            point: holding.point,
            decision: decision.to_string(),
            waited_seconds: holding.opened.elapsed().as_secs(),
            by: doc.and_then(|d| d.decided_by.clone()),
            reason: doc.and_then(|d| d.reason.clone()),
        });
        // Best effort, and short: a cancelled rollout must exit before the runner kills it.
        let _ = tokio::time::timeout(Duration::from_secs(2), holding.gate.close(g.ssm)).await;
    }

    pub(super) fn open_point(&self) -> Option<GatePoint> {
        self.holding.as_ref().map(|h| h.point)
    }
}

fn point_meaning(point: GatePoint) -> &'static str {
    match point {
        GatePoint::BeforeTraffic => "the new version runs, no production traffic on it yet",
        GatePoint::AfterTraffic => {
            "all production traffic on the new version, the old one still up for an instant rollback"
        }
        GatePoint::DrWaves => "before the next DR wave",
    }
}
