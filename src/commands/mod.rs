//! One function per subcommand: resolve settings, call the steps, return the outcome.

mod aws_credentials;
mod build;
mod chaos;
mod comment;
mod config_check;
mod deploy;
mod failover;
mod gate;
mod push;
mod rollback;
mod rollout;
mod status;
pub mod terraform;

use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::rollout::gate::GateState;
use crate::runner::Workflow;
use crate::signals;
use crate::work_lock::{self, WhenHeld, WorkLock};

pub async fn dispatch(cli: &Cli, workflow: &Workflow) -> Result<Outcome, Error> {
    match &cli.command {
        Command::Config(args) => match args.command {
            ConfigCommand::Check => config_check::run(cli),
        },
        Command::Plan(args) => {
            let cancel = signals::cancel_on_signals();
            let _held = hold(cli, &args.out_dir, "plan", &cancel).await?;
            terraform::plan(cli, args, workflow, cancel).await
        }
        Command::Apply(args) => {
            let cancel = signals::cancel_on_signals();
            let _held = hold(cli, &args.plans, "apply", &cancel).await?;
            terraform::apply(cli, args, workflow, cancel).await
        }
        Command::Deploy(args) => {
            let cancel = signals::cancel_on_signals();
            let _held = hold(cli, Path::new(work_lock::WORK_DIR), "deploy", &cancel).await?;
            deploy::run(cli, args, workflow, cancel).await
        }
        Command::Comment(args) => comment::run(cli, args, workflow).await,
        Command::Build(args) => build::run(cli, args, workflow).await,
        Command::Push(args) => push::run(cli, args, workflow).await,
        Command::Rollout(args) => {
            rollout::run(cli, args, workflow, signals::cancel_on_signals()).await
        }
        Command::Rollback(args) => {
            rollback::run(cli, args, workflow, signals::cancel_on_signals()).await
        }
        Command::Failover(args) => {
            let cancel = signals::cancel_on_signals();
            let _held = hold(cli, Path::new(work_lock::WORK_DIR), "failover", &cancel).await?;
            failover::run(cli, args, workflow, cancel).await
        }
        Command::Status(args) => status::run(cli, args, workflow).await,
        Command::Promote(args) => gate::run(cli, args, GateState::Promote, workflow).await,
        Command::Abort(args) => gate::run(cli, args, GateState::Abort, workflow).await,
        Command::Chaos(args) => chaos::run(cli, args, workflow, signals::cancel_on_signals()).await,
        Command::AwsCredentials(args) => aws_credentials::run(cli, args, workflow).await,
    }
}

/// The engine flags of `build` and `push` as the image step takes them.
fn engine_flags(args: &crate::cli::EngineArgs) -> crate::pipeline::image::EngineFlags {
    crate::pipeline::image::EngineFlags {
        no_cache: args.no_cache,
        pull: args.pull,
        platform: args.platform.clone(),
        cache_from: args.cache_from.clone(),
        cache_to: args.cache_to.clone(),
    }
}

/// The commands that write plans and checklists hold their work folder for the whole run, so a second
/// run on the same checkout waits for it (or refuses with `--no-wait`) instead of overwriting them.
async fn hold(
    cli: &Cli,
    out_dir: &Path,
    command: &str,
    cancel: &CancellationToken,
) -> Result<WorkLock, Error> {
    let when_held = if cli.no_wait {
        WhenHeld::Refuse
    } else {
        WhenHeld::Wait
    };
    let dir = work_lock::work_dir_for(out_dir);
    Ok(work_lock::acquire(&dir, command, when_held, cancel).await?)
}
