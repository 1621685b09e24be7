//! The progress display of a watched deployment: a line for each change of status, lifecycle
//! event and traffic shift, and a status line with the step and the time to the next shift.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::progress::Progress;
use crate::rollout::deployment::TrafficRouting;

use super::{DeploymentState, TargetState, Watched};

/// What the progress display remembers between polls.
pub(super) struct View {
    routing: Option<TrafficRouting>,
    status: String,
    pub(super) weight: Option<f64>,
    weight_since: Instant,
    events: BTreeMap<String, String>,
}

impl View {
    pub(super) fn new(routing: Option<TrafficRouting>) -> Self {
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

    pub(super) fn update(
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
