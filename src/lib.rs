//! platform-deploy: drive a multi-region AWS platform from commit to live traffic.
//!
//! `main` parses arguments and calls [`run`]; every command returns an [`Outcome`] whose kind fixes
//! the exit code. Steps live in their own modules and take typed settings and concrete clients.

pub mod aws;
pub mod chaos;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod failover;
pub mod git;
pub mod github;
pub mod image;
pub mod logging;
pub mod outcome;
pub mod pipeline;
pub mod progress;
pub mod rollout;
pub mod runner;
pub mod secrets;
pub mod settings;
pub mod signals;
pub mod terraform;
pub mod work_lock;

pub use error::Error;
pub use outcome::{Outcome, OutcomeKind};

use cli::Cli;
use runner::Workflow;

/// Runs one command to its outcome. Errors are turned into outcomes here, in one place.
pub async fn run(cli: Cli, workflow: &Workflow) -> Outcome {
    match commands::dispatch(&cli, workflow).await {
        Ok(outcome) => outcome,
        Err(error) => error.into_outcome(workflow),
    }
}
