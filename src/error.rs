//! The top-level error: every module's error, each mapped to its outcome kind and rendered once.

use crate::config::ConfigError;
use crate::git::GitError;
use crate::github::comment::CommentError;
use crate::github::pr::PrError;
use crate::image::ImageError;
use crate::outcome::{Outcome, OutcomeKind};
use crate::rollout::RolloutError;
use crate::runner::Workflow;
use crate::terraform::TerraformError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Terraform(#[from] TerraformError),
    #[error(transparent)]
    Comment(#[from] CommentError),
    #[error(transparent)]
    PullRequest(#[from] PrError),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error("{message}\n  fix: {fix}")]
    Usage { message: String, fix: String },
    #[error(transparent)]
    Rollout(#[from] RolloutError),
    #[error(transparent)]
    Rollback(#[from] crate::rollout::rollback::RollbackError),
    #[error(transparent)]
    Failover(#[from] crate::failover::FailoverError),
    #[error(transparent)]
    Oidc(#[from] crate::aws::oidc::OidcError),
    #[error(transparent)]
    Lock(#[from] crate::work_lock::LockError),
    #[error(transparent)]
    Chaos(#[from] crate::chaos::ChaosError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<crate::github::publish::PublishError> for Error {
    fn from(e: crate::github::publish::PublishError) -> Self {
        use crate::github::publish::PublishError;
        match e {
            PublishError::PullRequest(e) => Error::PullRequest(e),
            PublishError::Comment(e) => Error::Comment(e),
            PublishError::Output(e) => Error::Output(e),
        }
    }
}

impl Error {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Error::Config(_) | Error::Git(_) | Error::Usage { .. } => OutcomeKind::BadInput,
            Error::Terraform(e) => e.kind(),
            Error::Comment(e) => e.kind(),
            Error::PullRequest(_) => OutcomeKind::BadInput,
            Error::Rollout(e) => e.kind(),
            Error::Rollback(e) => e.kind(),
            Error::Failover(e) => e.kind(),
            Error::Oidc(_) => OutcomeKind::BadInput,
            Error::Lock(e) => e.kind(),
            Error::Chaos(e) => e.kind(),
            Error::Output(_) => OutcomeKind::Failed,
            Error::Image(e) => e.kind(),
        }
    }

    /// Turns the error into its outcome; in Actions it also annotates the file positions it names
    /// (the message itself is printed once, by `main`).
    pub fn into_outcome(self, workflow: &Workflow) -> Outcome {
        if !workflow.in_actions() {
            return Outcome::new(self.kind(), self.to_string());
        }
        match &self {
            Error::Config(e) if !e.problems().is_empty() => {
                for p in e.problems() {
                    workflow.error_at(
                        &format!("{}\n  fix: {}", p.message, p.fix),
                        Some(&p.location),
                    );
                }
            }
            Error::Image(e) => workflow.error_at(&e.to_string(), e.location()),
            other => workflow.error_at(&other.to_string(), None),
        }
        Outcome::new(self.kind(), self.to_string())
    }
}
