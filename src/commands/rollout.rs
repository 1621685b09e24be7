//! `rollout`: resolve the settings, build the clients, wire SIGINT/SIGTERM to the cancellation
//! token, run the rollout, report.

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, RolloutArgs};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::pipeline;
use crate::rollout::{self, ImageRef, Progress, RolloutError};
use crate::runner::Workflow;
use crate::settings::{Selection, Settings};

/// `cancel` is cancelled by SIGINT/SIGTERM (see `signals`): every in-flight deployment is then
/// stopped with rollback.
pub async fn run(
    cli: &Cli,
    args: &RolloutArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let image = ImageRef::parse(&args.image).map_err(RolloutError::from)?;
    let git_sha = settings.release_sha(args.release.git_sha.as_deref())?;
    let targets =
        pipeline::targets::load(&settings, args.scope.targets.as_deref(), workflow).await?;
    let opts = settings.rollout_options(
        &Selection {
            regions: &args.scope.places.regions,
            services: &args.scope.places.services,
            timeout: args.timeout.as_deref(),
            wait_for_inflight: args.wait_for_inflight,
            dry_run: args.dry_run,
        },
        image,
        git_sha,
    )?;
    let regions: Vec<String> = opts.waves().into_iter().flatten().collect();
    let clients = settings.clients(&regions, workflow).await?;

    let report = rollout::run(&opts, &targets, &clients, &cancel, &Progress::stderr()).await?;
    pipeline::rollout::publish(&report, opts.settings.bake_time, settings.output, workflow)?;
    let data = serde_json::to_value(&report).unwrap_or_default();
    Ok(Outcome::new(report.outcome, report.message).with_data(data))
}
