//! `push`: pre-flight, reuse or build, push, wait for replication.

use crate::cli::{Cli, PushArgs};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::pipeline::image::{self, PushRequest};
use crate::runner::Workflow;
use crate::settings::Settings;

use super::engine_flags;

pub async fn run(cli: &Cli, args: &PushArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    image::image_settings(&settings.config)?;
    let sha = settings.release_sha(args.release.git_sha.as_deref())?;
    let request = PushRequest {
        image: args.image.clone(),
        registry_endpoint: args.registry_endpoint.clone(),
        dry_run: args.dry_run,
        engine: engine_flags(&args.engine),
    };
    let (report, push) = image::push(&settings, &request, &sha, workflow).await?;
    image::report(&report, &push, settings.output, workflow)
}
