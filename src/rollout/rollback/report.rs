//! How a rollback reads to people: the plan, the stops and the redeploys as text for the terminal
//! and as Markdown for the job summary.

use std::fmt::Write as _;
use std::time::Duration;

use crate::rollout::live::{short_digest, short_td};

use super::{Action, RollbackReport};

impl RollbackReport {
    /// The plan, how each stop ended, each redeploy and the outcome, for the terminal.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Rollback {}{}",
            self.attribution.describe(),
            if self.dry_run {
                " (dry run: nothing is stopped or deployed)"
            } else {
                ""
            }
        );
        for p in &self.plan {
            let live = format!(
                "live {} {}",
                short_td(&p.live.task_definition),
                p.live
                    .digest
                    .as_deref()
                    .map(short_digest)
                    .unwrap_or_default()
            );
            match &p.action {
                Action::Stop { deployment_ids } => {
                    let _ = writeln!(
                        out,
                        "  {:<24} {live}: stop {} with rollback",
                        p.key(),
                        deployment_ids.join(", ")
                    );
                }
                Action::Redeploy {
                    to,
                    why,
                    skipped,
                    stop_first,
                } => {
                    let _ = writeln!(
                        out,
                        "  {:<24} {live}: {}redeploy {}{} from {} ({why})",
                        p.key(),
                        if stop_first.is_empty() {
                            String::new()
                        } else {
                            format!("stop {} with rollback, then ", stop_first.join(", "))
                        },
                        to.digest.as_deref().map(short_digest).unwrap_or_default(),
                        to.git_sha
                            .as_deref()
                            .map(|s| format!(" at {}", &s[..s.len().min(12)]))
                            .unwrap_or_default(),
                        short_td(&to.task_definition),
                    );
                    for s in skipped {
                        let _ = writeln!(out, "  {:<24}   skipped {s}", "");
                    }
                }
            }
        }
        for d in &self.stopped {
            let _ = writeln!(
                out,
                "  {:<24} {:<18} {}",
                d.key(),
                d.outcome.as_str(),
                d.message
            );
        }
        for r in &self.redeploys {
            out.push_str(&r.render_text(Duration::ZERO));
        }
        let _ = writeln!(out, "{}: {}", self.outcome.as_str(), self.message);
        out
    }

    /// The outcome, who asked, the plan as a table and each redeploy, for the job summary.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## platform-deploy rollback: `{}`\n\n{}\n\n| region/service | live | action |\n|---|---|---|\n",
            self.outcome.as_str(),
            self.attribution.describe().replace('|', "\\|")
        );
        for p in &self.plan {
            let action = match &p.action {
                Action::Stop { deployment_ids } => {
                    format!("stop {} with rollback", deployment_ids.join(", "))
                }
                Action::Redeploy { to, why, .. } => format!(
                    "redeploy {} ({})",
                    to.digest.as_deref().map(short_digest).unwrap_or_default(),
                    why
                ),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                p.key(),
                short_td(&p.live.task_definition),
                action.replace('|', "\\|")
            );
        }
        for r in &self.redeploys {
            out.push('\n');
            out.push_str(&r.render_markdown());
        }
        out
    }
}
