//! `deploy`: the whole release (see [`crate::pipeline`]).

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, DeployArgs};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::pipeline::{self, DeployRequest};
use crate::runner::Workflow;
use crate::settings::Settings;

pub async fn run(
    cli: &Cli,
    args: &DeployArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let git_sha = args.release.git_sha.clone();
    if args.dry_run {
        return pipeline::dry_run(
            &settings,
            git_sha.as_deref(),
            args.offline,
            workflow,
            cancel,
        )
        .await;
    }
    let request = DeployRequest {
        git_sha,
        skip_terraform: args.skip_terraform,
        reviewed_plans: args.reviewed_plans.clone(),
        registry_endpoint: args.registry_endpoint.clone(),
        timeout: args.timeout.clone(),
    };
    pipeline::deploy(&settings, &request, workflow, cancel).await
}
