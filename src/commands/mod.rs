//! One function per subcommand: resolve settings, call the steps, return the outcome.

mod build;
mod comment;
mod config_check;
mod deploy;
mod failover;
mod push;
mod rollback;
mod rollout;
mod status;
pub mod terraform;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::error::Error;
use crate::github::workflow::Workflow;
use crate::outcome::Outcome;
use crate::signals;

pub async fn dispatch(cli: &Cli, workflow: &Workflow) -> Result<Outcome, Error> {
    match &cli.command {
        Command::Config(args) => match args.command {
            ConfigCommand::Check => config_check::run(cli),
        },
        Command::Plan(args) => {
            terraform::plan(cli, args, workflow, signals::cancel_on_signals()).await
        }
        Command::Apply(args) => {
            terraform::apply(cli, args, workflow, signals::cancel_on_signals()).await
        }
        Command::Deploy(args) => {
            deploy::run(cli, args, workflow, signals::cancel_on_signals()).await
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
            failover::run(cli, args, workflow, signals::cancel_on_signals()).await
        }
        Command::Status(args) => status::run(cli, args, workflow).await,
    }
}
