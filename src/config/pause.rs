//! `[rollout.pause]`: the points where a rollout holds until a person runs `platform-deploy
//! promote` or `abort` (or the timeout aborts it). Traffic stays where it is while it holds: the
//! deployment controller itself waits (CodeDeploy's ready or termination wait, an ECS PAUSE hook),
//! and the alarms and the analysis keep being watched.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use serde::Serialize;
use toml::Spanned;

use super::check::Checker;
use super::raw::RawPause;

pub const DEFAULT_PAUSE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Where a rollout can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GatePoint {
    /// The new task set runs (test traffic only) and no production traffic has moved yet.
    BeforeTraffic,
    /// All production traffic is on the new task set and the old one still runs: an abort
    /// sends traffic back at once.
    AfterTraffic,
    /// Between the primary region's wave (released and baked) and each DR wave.
    DrWaves,
}

impl GatePoint {
    pub const ALL: [GatePoint; 3] = [
        GatePoint::BeforeTraffic,
        GatePoint::AfterTraffic,
        GatePoint::DrWaves,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GatePoint::BeforeTraffic => "before-traffic",
            GatePoint::AfterTraffic => "after-traffic",
            GatePoint::DrWaves => "dr-waves",
        }
    }

    pub fn parse(text: &str) -> Option<GatePoint> {
        GatePoint::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl fmt::Display for GatePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pause {
    pub at: BTreeSet<GatePoint>,
    /// Without a decision by then, the gate aborts (the deployment is rolled back).
    #[serde(with = "super::humantime_serde_compat")]
    pub timeout: Duration,
    /// The SSM parameter path the gates are kept under (`/platform-deploy/<project>/gates`).
    pub parameter_path: String,
}

impl Pause {
    pub fn holds_at(&self, point: GatePoint) -> bool {
        self.at.contains(&point)
    }
}

/// The SSM path of a project's gates.
pub fn gate_parameter_path(project: &str) -> String {
    format!("/platform-deploy/{project}/gates")
}

impl Checker<'_> {
    pub(super) fn pause(
        &mut self,
        raw: Option<&Spanned<RawPause>>,
        project: &str,
    ) -> Option<Pause> {
        let raw = raw?;
        let mut at = BTreeSet::new();
        for point in &raw.as_ref().at {
            match GatePoint::parse(point.as_ref()) {
                Some(p) => {
                    at.insert(p);
                }
                None => self.report(
                    point.span(),
                    format!("rollout.pause.at: `{}` is not a point a rollout can hold at", point.as_ref()),
                    format!(
                        "use {} (before production traffic moves, after all of it moved, before each DR wave)",
                        GatePoint::ALL.map(GatePoint::as_str).join(", ")
                    ),
                ),
            }
        }
        if raw.as_ref().at.is_empty() {
            self.report(
                raw.span(),
                "rollout.pause holds nowhere: `at` is empty",
                "add at = [\"before-traffic\"] (or \"after-traffic\", \"dr-waves\"), or remove [rollout.pause]",
            );
        }
        let timeout = match &raw.as_ref().timeout {
            None => DEFAULT_PAUSE_TIMEOUT,
            Some(text) => match humantime::parse_duration(text.as_ref()) {
                Ok(d) if d >= Duration::from_secs(60) && d <= Duration::from_secs(24 * 3600) => d,
                _ => {
                    self.report(
                        text.span(),
                        format!("rollout.pause.timeout = \"{}\" is not a duration from 1m to 24h", text.as_ref()),
                        "write how long a gate waits for a decision before it aborts, e.g. \"30m\" or \"2h\" (ECS PAUSE hooks hold 24 hours at most)",
                    );
                    DEFAULT_PAUSE_TIMEOUT
                }
            },
        };
        Some(Pause {
            at,
            timeout,
            parameter_path: gate_parameter_path(project),
        })
    }
}
