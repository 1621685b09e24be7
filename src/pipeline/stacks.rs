//! The Terraform step of a deploy: plan every stack, then apply in graph order — held to the
//! reviewed plans when given, else each stack planned right before its apply with its upstreams'
//! fresh outputs.

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::outcome::{Outcome, OutcomeKind};
use crate::runner::Workflow;
use crate::settings::Settings;
use crate::terraform::run::{ApplyMode, Orchestrator};
use crate::terraform::session::{self, Selection};
use crate::terraform::summary::PlanSummary;

/// How the stacks step ended: the per-stack summary and what it means for the release.
pub struct StacksApplied {
    pub summary: PlanSummary,
    pub outcome: Outcome,
}

/// Plans (unless `reviewed` holds the reviewed plans) and applies every stack; plans go to
/// `plans_dir`.
pub async fn apply(
    settings: &Settings,
    reviewed: Option<&Path>,
    plans_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<StacksApplied, Error> {
    let config = &settings.config;
    let role = settings.role.as_deref();
    let (reviewed, mode, dir): (PlanSummary, ApplyMode, PathBuf) = match reviewed {
        Some(dir) => (
            PlanSummary::read(dir)?,
            ApplyMode::Replan,
            dir.to_path_buf(),
        ),
        None => {
            let summary = session::plan_stacks(
                config,
                &Selection::default(),
                role,
                plans_dir,
                workflow,
                cancel.clone(),
            )
            .await?;
            let failed = summary.failed();
            if !failed.is_empty() {
                let outcome = Outcome::new(
                    OutcomeKind::Failed,
                    format!("plan failed for: {}", failed.join(", ")),
                );
                return Ok(StacksApplied { summary, outcome });
            }
            (summary, ApplyMode::Unreviewed, plans_dir.to_path_buf())
        }
    };
    let ctx = session::context(config, false, role, &dir, workflow, cancel)?;
    let orchestrator = Orchestrator::new(config, ctx, None);
    let selected = orchestrator.select(&[], false)?;
    let summary = orchestrator.apply(&selected, &reviewed, mode).await?;
    if settings.output == OutputFormat::Text {
        print!("{}", summary.render_text());
    }
    let outcome = session::apply_outcome(&summary);
    Ok(StacksApplied { summary, outcome })
}
