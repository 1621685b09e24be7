//! The image step: build the service image through the Docker Engine API with a build context that
//! honours `.dockerignore` exactly as Docker does, push it to ECR in the primary region, and wait
//! until replication has put the same digest in every DR region.
//!
//! - [`context`] and [`ignore`]: the context walk and Docker's pattern rules, streamed as a tar.
//! - [`engine`]: connecting to the daemon, choosing the builder, building and tagging through
//!   bollard; `session_build` runs a BuildKit build over our own session, `build_log` reads the
//!   engine's build output.
//! - [`session`]: the BuildKit session a build runs with (file sync, secrets, registry
//!   credentials), served over [`daemon_http`]'s raw `/session` upgrade.
//! - [`registry_io`]: pulls and pushes between the daemon and a registry.
//! - [`solve`]: the build through BuildKit's control API, for a cache exported to a registry.
//! - [`ecr`]: pre-flight checks, existing tags, authorization tokens (masked, cached until expiry).
//! - [`replication`]: polling every DR region for the pushed digest with backoff.
//! - [`release`]: the `build` and `push` flows composed from the above (the `push` flow's phases
//!   are in `push.rs`, re-exported by [`release`]).

mod build_log;
pub mod buildkit;
pub mod context;
pub mod daemon_http;
pub mod dockerfile;
pub mod ecr;
pub mod engine;
pub mod ignore;
pub mod progress;
mod push;
pub mod registry_io;
pub mod release;
pub mod replication;
pub mod session;
mod session_build;
pub mod solve;

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ImageSettings, TagStyle};
use crate::outcome::OutcomeKind;
use crate::runner::Location;

pub use context::{Context, ContextError, ContextSummary};

/// The tags of a release: the commit (full or short per `image.tag`), then `image.extra_tags`.
pub fn release_tags(settings: &ImageSettings, git_sha: &str) -> Vec<String> {
    let primary = match settings.tag {
        TagStyle::Sha => git_sha.to_string(),
        TagStyle::ShortSha => git_sha.chars().take(12).collect(),
    };
    let mut tags = vec![primary];
    for extra in &settings.extra_tags {
        if !tags.contains(extra) {
            tags.push(extra.clone());
        }
    }
    tags
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error(
        "platform.toml has no [image] section, so there is nothing to build\n  fix: add [image] with at least `repository = \"NAME\"` (see the README's platform.toml reference)"
    )]
    NotConfigured,
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(
        "cannot reach the Docker daemon at {host} ({how}): {reason}\n  fix: start one (as root: `dockerd &`, or `sudo systemctl start docker`), or set DOCKER_HOST to the socket of a running daemon, e.g. DOCKER_HOST=unix:///var/run/docker.sock"
    )]
    DaemonUnreachable {
        host: String,
        how: String,
        reason: String,
    },
    #[error("{}\n  fix: {fix}", failure_text(.step, .location, .message))]
    BuildFailed {
        /// "3/7 RUN make" when the engine said which step failed.
        step: Option<String>,
        location: Option<Location>,
        message: String,
        fix: String,
    },
    #[error(
        "{location}: {feature} needs BuildKit, but this build runs on the legacy builder ({why}); nothing was sent to the daemon\n  fix: {}",
        needs_buildkit_fix(.why)
    )]
    NeedsBuildKit {
        location: Location,
        feature: String,
        why: String,
    },
    #[error(
        "build secret `{id}` ({source_text}) cannot be read: {reason}; nothing was built\n  fix: {fix}"
    )]
    SecretUnavailable {
        id: String,
        source_text: String,
        reason: String,
        fix: String,
    },
    #[error(
        "image.secrets needs a BuildKit session, which this build cannot open: {why}; nothing was built\n  fix: {fix}"
    )]
    SecretsNeedSession { why: String, fix: String },
    #[error(
        "the Docker daemon refused a BuildKit session ({message})\n  fix: build on a Linux Docker daemon with BuildKit (Docker 18.09 or later)"
    )]
    SessionRefused { message: String },
    #[error(
        "the Docker daemon cannot export the build cache to a registry: {message}; nothing was built\n  fix: turn on the daemon's containerd image store (Docker 24 or later; daemon.json: {{\"features\": {{\"containerd-snapshotter\": true}}}}), or use --cache-to inline"
    )]
    CacheExportUnsupported { message: String },
    #[error("the Docker daemon failed to {action}: {message}")]
    Engine { action: String, message: String },
    #[error(
        "image `{reference}` is not in the local Docker daemon\n  fix: build it first (`platform-deploy build`), or omit --image so push builds it"
    )]
    LocalImageMissing { reference: String },
    #[error(
        "the ECR repository `{repository}` does not exist in {region}; nothing was pushed\n  fix: {}",
        repository_fix(.stack)
    )]
    RepositoryMissing {
        repository: String,
        region: String,
        /// The stack that creates the repository, when platform.toml names one.
        stack: Option<String>,
    },
    #[error(
        "ECR replication in {region} does not cover {} for `{repository}`; nothing was pushed\n  fix: add {} as destination(s) of the registry's replication configuration (the global stack's aws_ecr_replication_configuration), apply it, then push again",
        .missing.join(", "), .missing.join(", ")
    )]
    ReplicationNotConfigured {
        repository: String,
        region: String,
        missing: Vec<String>,
    },
    #[error(
        "tag `{tag}` already points at {existing} in the immutable repository `{repository}`, so it cannot be moved; nothing was pushed\n  fix: remove `{tag}` from image.extra_tags (tags in an immutable repository are written once), or make the repository mutable"
    )]
    ImmutableTagTaken {
        repository: String,
        tag: String,
        existing: String,
    },
    #[error("ECR {action} in {region} failed: {message}")]
    Aws {
        action: String,
        region: String,
        message: String,
    },
    #[error(
        "the registry {registry} refused the credentials from ECR GetAuthorizationToken: {message}\n  fix: check that the credentials may call ecr:GetAuthorizationToken and push to the repository (ecr:InitiateLayerUpload, ecr:PutImage, …), and that --registry-endpoint (PLATFORM_DEPLOY_REGISTRY_ENDPOINT) names the registry of this account"
    )]
    RegistryAuth { registry: String, message: String },
    #[error("pushing {reference} failed: {message}")]
    Push { reference: String, message: String },
    #[error(
        "the pushed digest {digest} did not appear in {} within {} ({}); the image is in the primary region only\n  fix: check the registry's replication configuration and the ECR console's replication status for those regions; re-running the push resumes the wait (the pushed tag is reused)",
        .pending.join(", "),
        humantime::format_duration(*.timeout),
        replicated_text(.replicated)
    )]
    ReplicationTimedOut {
        digest: String,
        pending: Vec<String>,
        timeout: Duration,
        /// Regions that did get it, with the time it took.
        replicated: Vec<(String, Duration)>,
    },
}

fn failure_text(step: &Option<String>, location: &Option<Location>, message: &str) -> String {
    let at = match (location, step) {
        (Some(l), Some(s)) => format!(" at {}:{} (step {s})", l.file.display(), l.line),
        (None, Some(s)) => format!(" at step {s}"),
        (Some(l), None) => format!(" at {}:{}", l.file.display(), l.line),
        (None, None) => String::new(),
    };
    format!("the image build failed{at}: {message}")
}

fn repository_fix(stack: &Option<String>) -> String {
    match stack {
        Some(stack) => format!(
            "apply the `{stack}` stack, which creates the repository (`platform-deploy deploy` applies it before pushing), or create it by hand with the same name"
        ),
        None => "apply the global stack that creates the ECR repository (terraform/global), or correct image.repository in platform.toml".into(),
    }
}

fn replicated_text(done: &[(String, Duration)]) -> String {
    if done.is_empty() {
        return "no DR region has it yet".into();
    }
    let parts: Vec<String> = done
        .iter()
        .map(|(region, took)| format!("{region} had it after {}s", took.as_secs()))
        .collect();
    parts.join(", ")
}

impl ImageError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            ImageError::NotConfigured
            | ImageError::NeedsBuildKit { .. }
            | ImageError::SecretUnavailable { .. }
            | ImageError::SecretsNeedSession { .. }
            | ImageError::CacheExportUnsupported { .. }
            | ImageError::DaemonUnreachable { .. }
            | ImageError::LocalImageMissing { .. } => OutcomeKind::BadInput,
            ImageError::Context(ContextError::Aborted(_)) => OutcomeKind::Failed,
            ImageError::Context(_) => OutcomeKind::BadInput,
            ImageError::RepositoryMissing { .. }
            | ImageError::ReplicationNotConfigured { .. }
            | ImageError::ImmutableTagTaken { .. } => OutcomeKind::PreflightRefused,
            ImageError::ReplicationTimedOut { .. } => OutcomeKind::TimedOut,
            ImageError::BuildFailed { .. }
            | ImageError::Engine { .. }
            | ImageError::SessionRefused { .. }
            | ImageError::Aws { .. }
            | ImageError::RegistryAuth { .. }
            | ImageError::Push { .. } => OutcomeKind::Failed,
        }
    }

    /// The Dockerfile position a failed build points at (for an annotation in Actions).
    pub fn location(&self) -> Option<&Location> {
        match self {
            ImageError::BuildFailed { location, .. } => location.as_ref(),
            ImageError::NeedsBuildKit { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// What to do when the legacy builder meets a Dockerfile that needs BuildKit, by why it is the
/// legacy builder.
fn needs_buildkit_fix(why: &str) -> &'static str {
    if why.contains("DOCKER_BUILDKIT") {
        "unset DOCKER_BUILDKIT (or set it to 1) to build with the daemon's BuildKit"
    } else if why.contains(".dockerignore") {
        "stop excluding the Dockerfile and .dockerignore in .dockerignore (the CLI sends them anyway), so the build can use BuildKit"
    } else {
        "build on a Linux Docker daemon with BuildKit (Docker 18.09 or later), or rewrite the step without it"
    }
}

/// Where the build's files are, for messages.
pub fn display_path(path: &std::path::Path, root: &std::path::Path) -> PathBuf {
    path.strip_prefix(root)
        .map(PathBuf::from)
        .unwrap_or_else(|_| path.to_path_buf())
}
