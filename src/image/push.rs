//! The `push` flow: pre-flight (the repository exists and replicates to every DR region), reuse
//! the image ECR already has or build one, push every tag, wait for replication; typed settings
//! and concrete clients in, a report out.

use std::time::Duration;

use serde::Serialize;

use super::ImageError;
use super::context::Context;
use super::ecr::{self, TokenCache};
use super::engine::{self, BuildSettings, Built};
use super::progress::BuildOutput;
use super::registry_io::{self, Credentials};
use super::release::{Engine, prepare_cache_from, registry_host, uses_control_api};
use super::replication::{self, Backoff, Replicated};
use crate::runner::Workflow;

/// Where the image comes from when it has to be pushed.
pub enum Source {
    Build {
        context: Box<Context>,
        settings: Box<BuildSettings>,
    },
    /// An image the daemon already has (ID or reference).
    Local(String),
}

/// The ECR clients: the primary region's and each DR region's.
pub struct EcrClients {
    pub primary: aws_sdk_ecr::Client,
    pub dr: Vec<(String, aws_sdk_ecr::Client)>,
}

/// What `push` pushes where, and how long it waits for replication.
#[derive(Debug, Clone)]
pub struct PushSettings {
    pub repository: String,
    pub tags: Vec<String>,
    pub primary_region: String,
    pub replication_timeout: Duration,
    pub registry_endpoint: Option<String>,
    pub dry_run: bool,
    /// The stack that creates the repository, named when it is missing.
    pub repository_stack: Option<String>,
    pub backoff: Backoff,
}

/// What happened to one tag.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TagAction {
    /// Pushed now.
    Pushed,
    /// Already in ECR with this digest.
    Reused,
    /// Dry run: would be pushed.
    WouldPush,
}

/// One tag and what happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct TagReport {
    pub tag: String,
    pub action: TagAction,
}

/// What `push` did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct PushReport {
    pub dry_run: bool,
    pub registry: String,
    pub repository: String,
    /// `registry/repository`, what the tags are pushed to.
    pub remote: String,
    pub digest: Option<String>,
    pub image_uri: Option<String>,
    pub image_id: Option<String>,
    pub reused: bool,
    pub tags: Vec<TagReport>,
    pub built: Option<Built>,
    pub replication: Vec<Replicated>,
    /// Dry run: the DR regions that would be waited for.
    pub replicate_to: Vec<String>,
    /// Dry run without a daemon: why nothing was built.
    pub build_skipped: Option<String>,
}

/// `push`: pre-flight, reuse or build, push every tag, wait for replication.
pub async fn push(
    engine: &Engine,
    clients: &EcrClients,
    settings: &PushSettings,
    source: Source,
    tokens: &TokenCache,
    workflow: &Workflow,
    progress: &mut BuildOutput,
) -> Result<PushReport, ImageError> {
    let preflight = preflight(clients, settings).await?;
    let registry = settings
        .registry_endpoint
        .as_deref()
        .map(registry_host)
        .unwrap_or_else(|| preflight.repository.registry().to_string());
    let pushing = Pushing {
        engine,
        clients,
        settings,
        tokens,
        workflow,
        remote: format!("{registry}/{}", settings.repository),
        registry,
    };
    let mut report = pushing.empty_report(&preflight.dr_regions);

    let reused_digest = preflight.existing[0].clone();
    let to_push = tags_to_push(settings, &preflight, reused_digest.as_ref(), &mut report)?;

    let mut credentials: Option<Credentials> = None;
    if !settings.dry_run && !to_push.is_empty() {
        let token = tokens.get(&clients.primary, workflow).await?;
        credentials = Some(token.credentials(&pushing.registry));
    }

    // The image to push: the one ECR already has (pulled by digest when more tags need it), the
    // local one named with --image, or a fresh build.
    let image_id = match &reused_digest {
        Some(digest) => {
            pushing
                .reuse(
                    digest,
                    &to_push,
                    credentials.as_ref(),
                    progress,
                    &mut report,
                )
                .await?
        }
        None => {
            pushing
                .obtain(source, credentials.as_ref(), progress, &mut report)
                .await?
        }
    };
    report.image_id = image_id.clone();

    if settings.dry_run {
        report.tags.extend(to_push.iter().map(|tag| TagReport {
            tag: tag.clone(),
            action: TagAction::WouldPush,
        }));
        return Ok(report);
    }

    if !to_push.is_empty() {
        pushing
            .push_tags(image_id, &to_push, progress, &mut report)
            .await?;
    }
    let digest = report.digest.clone().ok_or_else(|| ImageError::Push {
        reference: pushing.remote.clone(),
        message: "no digest is known for the image".into(),
    })?;
    report.image_uri = Some(format!("{}@{digest}", pushing.remote));

    if !clients.dr.is_empty() {
        report.replication = pushing
            .wait_for_replication(&digest, &preflight.dr_regions, progress)
            .await?;
    }
    Ok(report)
}

/// What the pre-flight found: the repository, the DR regions it replicates to, and the digest
/// each tag has in ECR now.
struct Preflight {
    repository: ecr::Repository,
    dr_regions: Vec<String>,
    /// The digest of each of the settings' tags in ECR, in order; `None` for a tag not there.
    existing: Vec<Option<String>>,
}

/// Pre-flight: nothing is pushed unless the repository exists and replication covers every DR
/// region; then where each tag points now.
async fn preflight(clients: &EcrClients, settings: &PushSettings) -> Result<Preflight, ImageError> {
    let primary = &clients.primary;
    let repository = ecr::repository(primary, &settings.repository)
        .await?
        .ok_or_else(|| ImageError::RepositoryMissing {
            repository: settings.repository.clone(),
            region: settings.primary_region.clone(),
            stack: settings.repository_stack.clone(),
        })?;
    let dr_regions: Vec<String> = clients.dr.iter().map(|(r, _)| r.clone()).collect();
    if !dr_regions.is_empty() {
        let missing = ecr::replication_gaps(primary, &settings.repository, &dr_regions).await?;
        if !missing.is_empty() {
            return Err(ImageError::ReplicationNotConfigured {
                repository: settings.repository.clone(),
                region: settings.primary_region.clone(),
                missing,
            });
        }
    }
    let mut existing = Vec::new();
    for tag in &settings.tags {
        existing.push(ecr::tag_digest(primary, &settings.repository, tag).await?);
    }
    Ok(Preflight {
        repository,
        dr_regions,
        existing,
    })
}

/// The tags that must be (re)written; tags already at the reused digest are reported as reused.
/// A tag at another digest in an immutable repository is an error.
fn tags_to_push(
    settings: &PushSettings,
    preflight: &Preflight,
    reused_digest: Option<&String>,
    report: &mut PushReport,
) -> Result<Vec<String>, ImageError> {
    let mut to_push: Vec<String> = Vec::new();
    for (tag, current) in settings.tags.iter().zip(&preflight.existing) {
        match (current, reused_digest) {
            (Some(current), Some(reused)) if current == reused => report.tags.push(TagReport {
                tag: tag.clone(),
                action: TagAction::Reused,
            }),
            (Some(current), _) if preflight.repository.immutable => {
                return Err(ImageError::ImmutableTagTaken {
                    repository: settings.repository.clone(),
                    tag: tag.clone(),
                    existing: current.clone(),
                });
            }
            _ => to_push.push(tag.clone()),
        }
    }
    Ok(to_push)
}

/// One push under way: the clients and settings every phase after the pre-flight uses, and
/// where the tags go.
struct Pushing<'a> {
    engine: &'a Engine,
    clients: &'a EcrClients,
    settings: &'a PushSettings,
    tokens: &'a TokenCache,
    workflow: &'a Workflow,
    /// The registry host.
    registry: String,
    /// `registry/repository`.
    remote: String,
}

impl Pushing<'_> {
    /// The report before anything is known about the image.
    fn empty_report(&self, dr_regions: &[String]) -> PushReport {
        PushReport {
            dry_run: self.settings.dry_run,
            registry: self.registry.clone(),
            repository: self.settings.repository.clone(),
            remote: self.remote.clone(),
            digest: None,
            image_uri: None,
            image_id: None,
            reused: false,
            tags: Vec::new(),
            built: None,
            replication: Vec::new(),
            replicate_to: dr_regions.to_vec(),
            build_skipped: None,
        }
    }

    /// Reuses the image ECR already has at `digest`: pulled by digest when more tags need it
    /// (not in a dry run). Returns its local image ID when it was pulled.
    async fn reuse(
        &self,
        digest: &str,
        to_push: &[String],
        credentials: Option<&Credentials>,
        progress: &mut BuildOutput,
        report: &mut PushReport,
    ) -> Result<Option<String>, ImageError> {
        let remote = &self.remote;
        report.reused = true;
        report.digest = Some(digest.to_string());
        progress.print(&format!(
            "{remote}:{} already exists in ECR as {digest}: reusing it (tags are immutable; nothing is rebuilt)",
            self.settings.tags[0]
        ));
        if to_push.is_empty() || self.settings.dry_run {
            return Ok(None);
        }
        let docker = self.engine.get().await?;
        let by_digest = format!("{remote}@{digest}");
        registry_io::pull(docker, &by_digest, credentials, progress).await?;
        engine::local_image(docker, &by_digest).await
    }

    /// The image from `source`: the local one named with --image, or a fresh build (skipped in
    /// a dry run without a daemon). Returns its image ID, if there is one.
    async fn obtain(
        &self,
        source: Source,
        credentials: Option<&Credentials>,
        progress: &mut BuildOutput,
        report: &mut PushReport,
    ) -> Result<Option<String>, ImageError> {
        match source {
            Source::Local(reference) => {
                let docker = self.engine.get().await?;
                Ok(Some(
                    engine::local_image(docker, &reference)
                        .await?
                        .ok_or(ImageError::LocalImageMissing { reference })?,
                ))
            }
            Source::Build {
                context,
                settings: mut build_settings,
            } => {
                let docker = if self.settings.dry_run {
                    match self.engine.get().await {
                        Ok(docker) => docker,
                        Err(e) => {
                            report.build_skipped = Some(first_line(&e.to_string()));
                            return Ok(None);
                        }
                    }
                } else {
                    self.engine.get().await?
                };
                let _group = self.workflow.group(&format!(
                    "docker build {}:{}",
                    self.remote, self.settings.tags[0]
                ));
                build_settings.credentials = credentials.cloned();
                if !uses_control_api(&build_settings) {
                    build_settings.cache_from = prepare_cache_from(
                        docker,
                        &build_settings.cache_from,
                        credentials,
                        progress,
                    )
                    .await;
                }
                let built = engine::build(docker, &context, &build_settings, progress).await?;
                progress.print(&format!(
                    "built {} ({}) in {:.1}s",
                    built.image_id,
                    built.sent_text(),
                    built.seconds
                ));
                let image_id = Some(built.image_id.clone());
                report.built = Some(built);
                Ok(image_id)
            }
        }
    }

    /// Tags the image as each of `to_push` and pushes it, each push with a fresh enough token;
    /// every tag must end up at the same digest.
    async fn push_tags(
        &self,
        image_id: Option<String>,
        to_push: &[String],
        progress: &mut BuildOutput,
        report: &mut PushReport,
    ) -> Result<(), ImageError> {
        let remote = &self.remote;
        let docker = self.engine.get().await?;
        let image = image_id.ok_or_else(|| ImageError::Engine {
            action: "find the image to push".into(),
            message: "no image was built or found".into(),
        })?;
        let _group = self.workflow.group(&format!("docker push {remote}"));
        for tag in to_push {
            engine::tag_image(docker, &image, &format!("{remote}:{tag}")).await?;
            // A fresh token per push unless the last one is still comfortably valid.
            let token = self
                .tokens
                .get(&self.clients.primary, self.workflow)
                .await?;
            let creds = token.credentials(&self.registry);
            let digest = registry_io::push(docker, remote, tag, &creds, progress).await?;
            match &report.digest {
                Some(first) if *first != digest => {
                    return Err(ImageError::Push {
                        reference: format!("{remote}:{tag}"),
                        message: format!(
                            "the registry gave digest {digest}, but the image is {first}; another push may have raced this one"
                        ),
                    });
                }
                _ => report.digest = Some(digest),
            }
            report.tags.push(TagReport {
                tag: tag.clone(),
                action: TagAction::Pushed,
            });
        }
        Ok(())
    }

    /// Waits until `digest` has replicated to every DR region (or the timeout passes).
    async fn wait_for_replication(
        &self,
        digest: &str,
        dr_regions: &[String],
        progress: &mut BuildOutput,
    ) -> Result<Vec<Replicated>, ImageError> {
        progress.print(&format!(
            "waiting for {digest} in {} (timeout {})",
            dr_regions.join(", "),
            humantime::format_duration(self.settings.replication_timeout)
        ));
        let shown = std::sync::Mutex::new(());
        replication::wait(
            &self.clients.dr,
            &self.settings.repository,
            digest,
            self.settings.replication_timeout,
            self.settings.backoff,
            |done| {
                let _lock = shown.lock();
                eprintln!("replicated to {} after {:.1}s", done.region, done.seconds);
            },
        )
        .await
    }
}

/// The first line of an error message.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}
