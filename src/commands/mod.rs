//! One function per subcommand: resolve settings, call the steps, return the outcome.

mod config_check;
mod deploy;
mod rollout;

use crate::cli::{Cli, Command, ConfigCommand};
use crate::error::Error;
use crate::github::workflow::Workflow;
use crate::outcome::Outcome;

pub async fn dispatch(cli: &Cli, workflow: &Workflow) -> Result<Outcome, Error> {
    match &cli.command {
        Command::Config(args) => match args.command {
            ConfigCommand::Check => config_check::run(cli),
        },
        Command::Deploy(args) => deploy::run(cli, args, workflow).await,
        Command::Rollout(args) => rollout::run(cli, args, workflow).await,
    }
}
