//! What can stop a failover, each mapped to its documented outcome.

use std::path::PathBuf;

use crate::aws::AwsError;
use crate::outcome::OutcomeKind;
use crate::terraform::TerraformError;

#[derive(Debug, thiserror::Error)]
pub enum FailoverError {
    #[error("{message}\n  fix: {fix}")]
    Usage { message: String, fix: String },
    #[error(
        "{path} records an unfinished `{recorded}` ({done} of {total} steps done); this run is `{requested}`\n  fix: rerun `platform-deploy {recorded}` to finish it, or, once you have checked by hand that it is finished or undone, delete {path}"
    )]
    Unfinished {
        path: PathBuf,
        recorded: String,
        requested: String,
        done: usize,
        total: usize,
    },
    #[error(
        "{path} is not a failover checklist: {message}\n  fix: move the file aside; every step checks AWS before it acts, so a fresh run does not repeat what is done"
    )]
    CorruptChecklist { path: PathBuf, message: String },
    #[error("cannot write the failover checklist {path}: {source}")]
    WriteChecklist {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{message}\n  fix: {fix}")]
    Refused { message: String, fix: String },
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("stack {stack} did not apply: {message}")]
    StackFailed { stack: String, message: String },
    #[error(transparent)]
    Terraform(#[from] TerraformError),
    #[error("{what} did not happen within {after}\n  fix: {fix}")]
    TimedOut {
        what: String,
        after: String,
        fix: String,
    },
    #[error("interrupted (SIGINT/SIGTERM)")]
    Cancelled,
}

impl FailoverError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            FailoverError::Usage { .. }
            | FailoverError::Unfinished { .. }
            | FailoverError::CorruptChecklist { .. } => OutcomeKind::BadInput,
            FailoverError::Refused { .. } => OutcomeKind::PreflightRefused,
            FailoverError::TimedOut { .. } => OutcomeKind::TimedOut,
            FailoverError::Cancelled => OutcomeKind::Cancelled,
            FailoverError::Terraform(e) => e.kind(),
            FailoverError::WriteChecklist { .. }
            | FailoverError::Aws(_)
            | FailoverError::StackFailed { .. } => OutcomeKind::Failed,
        }
    }

    pub fn aws<E>(operation: &'static str, region: &str, err: E) -> Self
    where
        E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
    {
        FailoverError::Aws(AwsError::new(region, operation, err))
    }
}
