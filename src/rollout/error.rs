//! Why a rollout could not start. How a started deployment ended is not an error: it is a
//! [`super::DeploymentResult`] in the [`super::RolloutReport`].

use std::fmt;

use crate::aws::AwsError;
use crate::outcome::OutcomeKind;

use super::image_ref::ImageRefError;
use super::targets::TargetsError;

/// One reason the pre-flight refused to start.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    /// `us-east-1/api`, or the region alone.
    pub scope: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}\n    fix: {}", self.scope, self.problem, self.fix)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RolloutError {
    #[error(transparent)]
    Targets(#[from] TargetsError),
    #[error(transparent)]
    Image(#[from] ImageRefError),
    #[error(
        "the deploy targets have no entry for region {region} (they have: {available})\n  fix: add the deploy_targets output of the {region} stack to the --targets file, or leave {region} out with --region"
    )]
    MissingRegion { region: String, available: String },
    #[error(
        "service `{service}` is not in the deploy_targets of {region} (it has: {available})\n  fix: name a service the stack exports, or correct [[services]] / --service"
    )]
    UnknownService {
        region: String,
        service: String,
        available: String,
    },
    #[error(
        "--image names repository `{given}`, but {region} runs its services from `{expected}` (deploy_targets.ecr_repository)\n  fix: pass the image of {expected}: {expected}@sha256:…"
    )]
    WrongRepository {
        region: String,
        given: String,
        expected: String,
    },
    #[error(
        "no AWS clients for region {0}\n  fix: this is a bug in platform-deploy; please report it"
    )]
    NoClients(String),
    #[error("pre-flight refused to start; nothing was changed:\n  {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Preflight(Vec<Refusal>),
    #[error(
        "{0}\n  fix: check the credentials and permissions for this call, then run the rollout again (nothing was changed)"
    )]
    Aws(#[from] AwsError),
    #[error("cancelled before any deployment started; nothing was changed")]
    CancelledBeforeStart,
}

impl RolloutError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            RolloutError::Targets(_)
            | RolloutError::Image(_)
            | RolloutError::MissingRegion { .. }
            | RolloutError::UnknownService { .. }
            | RolloutError::WrongRepository { .. } => OutcomeKind::BadInput,
            RolloutError::Preflight(_) => OutcomeKind::PreflightRefused,
            RolloutError::NoClients(_) | RolloutError::Aws(_) => OutcomeKind::Failed,
            RolloutError::CancelledBeforeStart => OutcomeKind::Cancelled,
        }
    }
}
