//! What a failover run did (or, in a drill, would do), step by step: text for the terminal,
//! Markdown for the job summary, JSON through the outcome.

use std::time::Duration;

use serde::Serialize;

use crate::outcome::OutcomeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Done,
    /// Recorded as done by an earlier run of the same operation: not repeated.
    DoneEarlier,
    Failed,
    Pending,
    WouldRun,
    WouldRefuse,
}

impl StepStatus {
    fn mark(self) -> &'static str {
        match self {
            StepStatus::Done => "[done]",
            StepStatus::DoneEarlier => "[done earlier]",
            StepStatus::Failed => "[FAILED]",
            StepStatus::Pending => "[not run]",
            StepStatus::WouldRun => "[would run]",
            StepStatus::WouldRefuse => "[would refuse]",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub id: String,
    pub title: String,
    pub status: StepStatus,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_seconds: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FailoverReport {
    pub operation: String,
    pub drill: bool,
    pub outcome: OutcomeKind,
    pub message: String,
    pub steps: Vec<StepReport>,
}

fn minutes(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}

impl FailoverReport {
    pub fn expected_total(&self) -> u64 {
        self.steps.iter().filter_map(|s| s.expected_seconds).sum()
    }

    pub fn render_text(&self) -> String {
        let mut out = format!(
            "{}{}\n",
            self.operation,
            if self.drill {
                " (drill: nothing changed)"
            } else {
                ""
            }
        );
        for (i, s) in self.steps.iter().enumerate() {
            out.push_str(&format!("{:>2}. {} {}\n", i + 1, s.status.mark(), s.title));
            if !s.detail.is_empty() {
                out.push_str(&format!("      {}\n", s.detail));
            }
            if let Some(secs) = s.seconds {
                out.push_str(&format!("      took {}\n", minutes(secs)));
            }
            if let Some(secs) = s.expected_seconds {
                out.push_str(&format!("      expected about {}\n", minutes(secs)));
            }
        }
        if self.drill {
            out.push_str(&format!(
                "expected in all: about {}\n",
                minutes(self.expected_total())
            ));
        }
        out.push_str(&format!("{}\n", self.message));
        out
    }

    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## platform-deploy {}{}\n\n| # | step | status | detail |\n|---|---|---|---|\n",
            self.operation,
            if self.drill { " (drill)" } else { "" }
        );
        for (i, s) in self.steps.iter().enumerate() {
            let mut detail = s.detail.replace('|', "\\|").replace('\n', " ");
            if let Some(secs) = s.seconds {
                detail.push_str(&format!(" (took {})", minutes(secs)));
            }
            if let Some(secs) = s.expected_seconds {
                detail.push_str(&format!(" (expected about {})", minutes(secs)));
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                i + 1,
                s.title,
                s.status.mark().trim_matches(['[', ']']),
                detail.trim()
            ));
        }
        out.push_str(&format!("\n{}\n", self.message));
        out
    }
}
