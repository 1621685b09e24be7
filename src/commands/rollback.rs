//! `rollback`: resolve the selection, find what to stop or redeploy, do it, report.

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, OutputFormat, RollbackArgs};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::rollout::rollback::{self, Attribution, RollbackOptions, RollbackTo};
use crate::rollout::{ImageRef, Progress};
use crate::runner::Workflow;

use crate::pipeline;
use crate::settings::{Selection, Settings};

/// `cancel` is cancelled by SIGINT/SIGTERM: the rollback's own deployments are then stopped.
pub async fn run(
    cli: &Cli,
    args: &RollbackArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let targets =
        pipeline::targets::load(&settings, args.scope.targets.as_deref(), workflow).await?;
    let to = args
        .to
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(RollbackTo::parse)
        .transpose()?;
    // The image and git SHA are chosen per service from the history; this one is a placeholder.
    let placeholder = ImageRef {
        registry: None,
        repository: String::new(),
        digest: String::new(),
    };
    let base = settings.rollout_options(
        &Selection {
            regions: &args.scope.places.regions,
            services: &args.scope.places.services,
            timeout: args.timeout.as_deref(),
            wait_for_inflight: false,
            dry_run: args.dry_run,
        },
        placeholder,
        String::new(),
    )?;
    let opts = RollbackOptions {
        base,
        to,
        config: args.deployment_config.clone(),
        parallel: args.parallel,
        attribution: Attribution::new(&settings.runner, args.reason.clone()),
    };
    let regions: Vec<String> = opts.base.waves().into_iter().flatten().collect();
    let clients = settings.clients(&regions, workflow).await?;

    let progress = Progress::stderr();
    let report = rollback::run(&opts, &targets, &clients, &cancel, &progress).await?;

    if settings.output == OutputFormat::Text {
        print!("{}", report.render_text());
    }
    workflow.append_summary(&report.render_markdown())?;
    let data = serde_json::to_value(&report).unwrap_or_default();
    Ok(Outcome::new(report.outcome, report.message).with_data(data))
}
