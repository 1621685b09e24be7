//! The `build` and `push` flows: typed settings and concrete clients in, a report out.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bollard::Docker;
use serde::Serialize;
use tokio::sync::OnceCell;

use super::ImageError;
use super::context::Context;
use super::ecr::{self, TokenCache};
use super::engine::{self, BuildSettings, Built, Credentials};
use super::progress::Progress;
use super::replication::{self, Backoff, Replicated};
use crate::runner::Workflow;

/// The Docker daemon, connected on first use (a push that reuses an existing tag needs none).
#[derive(Default)]
pub struct Engine {
    docker: OnceCell<Docker>,
}

impl Engine {
    pub fn new() -> Self {
        Engine::default()
    }

    pub fn with(docker: Docker) -> Self {
        Engine {
            docker: OnceCell::from(docker),
        }
    }

    pub async fn get(&self) -> Result<&Docker, ImageError> {
        self.docker.get_or_try_init(engine::connect).await
    }
}

/// The OCI labels every image gets (user labels from platform.toml win).
pub fn labels(
    user: &BTreeMap<String, String>,
    git_sha: &str,
    source: Option<&str>,
    created: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert(
        "org.opencontainers.image.revision".to_string(),
        git_sha.to_string(),
    );
    out.insert(
        "org.opencontainers.image.created".to_string(),
        created.to_string(),
    );
    if let Some(source) = source {
        out.insert(
            "org.opencontainers.image.source".to_string(),
            source.to_string(),
        );
    }
    out.extend(user.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// The repository URL for the `source` label: the Actions repository, else git's `origin`
/// (without credentials).
pub fn source_url(runner: &crate::runner::RunnerEnv, dir: &Path) -> Option<String> {
    if let Some(url) = runner.repository_url() {
        return Some(url);
    }
    let out = run_captured(git_remote_command(dir)).ok()?;
    let url = out.trim();
    (!url.is_empty()).then(|| strip_credentials(url))
}

fn git_remote_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(["remote", "get-url", "origin"]);
    cmd
}

/// Runs a command, returning stdout, or stderr as the error.
fn run_captured(mut cmd: Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn strip_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) if !rest.split('/').next().unwrap_or("").is_empty() => {
                format!("{scheme}://{host}")
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// `--registry-endpoint` as a host (`http://127.0.0.1:5101/` → `127.0.0.1:5101`).
pub fn registry_host(endpoint: &str) -> String {
    endpoint
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// Pulls the cache sources the daemon lacks and returns those it has; a source that cannot be
/// had is a warning (they only speed things up).
pub async fn prepare_cache_from(
    docker: &Docker,
    refs: &[String],
    credentials: Option<&Credentials>,
    progress: &mut Progress,
) -> Vec<String> {
    let mut available = Vec::new();
    for reference in refs {
        if matches!(engine::local_image(docker, reference).await, Ok(Some(_))) {
            available.push(reference.clone());
            continue;
        }
        let creds = credentials.filter(|c| reference.starts_with(&format!("{}/", c.registry)));
        match engine::pull(docker, reference, creds, progress).await {
            Ok(()) => available.push(reference.clone()),
            Err(e) => progress.print(&format!(
                "warning: cache source {reference} is not available ({e}); building without it"
            )),
        }
    }
    available
}

/// `build`: the image, tagged locally.
pub async fn build(
    engine: &Engine,
    context: &Context,
    settings: &BuildSettings,
    workflow: &Workflow,
    progress: &mut Progress,
) -> Result<Built, ImageError> {
    let docker = engine.get().await?;
    let _group = workflow.group(&format!(
        "docker build {}",
        settings.tags.first().map(String::as_str).unwrap_or("")
    ));
    let mut settings = settings.clone();
    settings.cache_from = prepare_cache_from(docker, &settings.cache_from, None, progress).await;
    let built = engine::build(docker, context, &settings, progress).await?;
    progress.print(&format!(
        "built {} ({} files, {} sent) in {:.1}s",
        built.image_id,
        built.context.files,
        human_bytes(built.context.bytes),
        built.seconds
    ));
    Ok(built)
}

/// Where the image comes from when it has to be pushed.
pub enum Source {
    Build {
        context: Box<Context>,
        settings: BuildSettings,
    },
    /// An image the daemon already has (ID or reference).
    Local(String),
}

/// The ECR clients: the primary region's and each DR region's.
pub struct EcrClients {
    pub primary: aws_sdk_ecr::Client,
    pub dr: Vec<(String, aws_sdk_ecr::Client)>,
}

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

#[derive(Debug, Clone, Serialize)]
pub struct TagReport {
    pub tag: String,
    pub action: TagAction,
}

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
    progress: &mut Progress,
) -> Result<PushReport, ImageError> {
    let primary = &clients.primary;
    // Pre-flight: nothing is pushed unless the repository exists and replication covers every DR region.
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
    let registry = settings
        .registry_endpoint
        .as_deref()
        .map(registry_host)
        .unwrap_or_else(|| repository.registry().to_string());
    let remote = format!("{registry}/{}", settings.repository);
    let mut report = PushReport {
        dry_run: settings.dry_run,
        registry: registry.clone(),
        repository: settings.repository.clone(),
        remote: remote.clone(),
        digest: None,
        image_uri: None,
        image_id: None,
        reused: false,
        tags: Vec::new(),
        built: None,
        replication: Vec::new(),
        replicate_to: dr_regions.clone(),
        build_skipped: None,
    };

    let reused_digest = existing[0].clone();
    // Tags that must be (re)written, and the digest they must end up at if it is known already.
    let mut to_push: Vec<String> = Vec::new();
    for (tag, current) in settings.tags.iter().zip(&existing) {
        match (current, &reused_digest) {
            (Some(current), Some(reused)) if current == reused => report.tags.push(TagReport {
                tag: tag.clone(),
                action: TagAction::Reused,
            }),
            (Some(current), _) if repository.immutable => {
                return Err(ImageError::ImmutableTagTaken {
                    repository: settings.repository.clone(),
                    tag: tag.clone(),
                    existing: current.clone(),
                });
            }
            _ => to_push.push(tag.clone()),
        }
    }

    let mut credentials: Option<Credentials> = None;
    if !settings.dry_run && !to_push.is_empty() {
        let token = tokens.get(primary, workflow).await?;
        credentials = Some(token.credentials(&registry));
    }

    // The image to push: the one ECR already has (pulled by digest when more tags need it), the
    // local one named with --image, or a fresh build.
    let mut image_id: Option<String> = None;
    if let Some(digest) = &reused_digest {
        report.reused = true;
        report.digest = Some(digest.clone());
        progress.print(&format!(
            "{remote}:{} already exists in ECR as {digest}: reusing it (tags are immutable; nothing is rebuilt)",
            settings.tags[0]
        ));
        if !to_push.is_empty() && !settings.dry_run {
            let docker = engine.get().await?;
            let by_digest = format!("{remote}@{digest}");
            engine::pull(docker, &by_digest, credentials.as_ref(), progress).await?;
            image_id = engine::local_image(docker, &by_digest).await?;
        }
    } else {
        match source {
            Source::Local(reference) => {
                let docker = engine.get().await?;
                image_id = Some(
                    engine::local_image(docker, &reference)
                        .await?
                        .ok_or(ImageError::LocalImageMissing { reference })?,
                );
            }
            Source::Build {
                context,
                settings: mut build_settings,
            } => {
                let docker = if settings.dry_run {
                    match engine.get().await {
                        Ok(docker) => Some(docker),
                        Err(e) => {
                            report.build_skipped = Some(first_line(&e.to_string()));
                            None
                        }
                    }
                } else {
                    Some(engine.get().await?)
                };
                if let Some(docker) = docker {
                    let _group =
                        workflow.group(&format!("docker build {remote}:{}", settings.tags[0]));
                    build_settings.cache_from = prepare_cache_from(
                        docker,
                        &build_settings.cache_from,
                        credentials.as_ref(),
                        progress,
                    )
                    .await;
                    let built = engine::build(docker, &context, &build_settings, progress).await?;
                    progress.print(&format!(
                        "built {} ({} files, {} sent) in {:.1}s",
                        built.image_id,
                        built.context.files,
                        human_bytes(built.context.bytes),
                        built.seconds
                    ));
                    image_id = Some(built.image_id.clone());
                    report.built = Some(built);
                }
            }
        }
    }
    report.image_id = image_id.clone();

    if settings.dry_run {
        report.tags.extend(to_push.iter().map(|tag| TagReport {
            tag: tag.clone(),
            action: TagAction::WouldPush,
        }));
        return Ok(report);
    }

    if !to_push.is_empty() {
        let docker = engine.get().await?;
        let image = image_id.clone().ok_or_else(|| ImageError::Engine {
            action: "find the image to push".into(),
            message: "no image was built or found".into(),
        })?;
        let _group = workflow.group(&format!("docker push {remote}"));
        for tag in &to_push {
            engine::tag_image(docker, &image, &format!("{remote}:{tag}")).await?;
            // A fresh token per push unless the last one is still comfortably valid.
            let token = tokens.get(primary, workflow).await?;
            let creds = token.credentials(&registry);
            let digest = engine::push(docker, &remote, tag, &creds, progress).await?;
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
    }
    let digest = report.digest.clone().ok_or_else(|| ImageError::Push {
        reference: remote.clone(),
        message: "no digest is known for the image".into(),
    })?;
    report.image_uri = Some(format!("{remote}@{digest}"));

    if !clients.dr.is_empty() {
        progress.print(&format!(
            "waiting for {digest} in {} (timeout {})",
            dr_regions.join(", "),
            humantime::format_duration(settings.replication_timeout)
        ));
        let shown = std::sync::Mutex::new(());
        report.replication = replication::wait(
            &clients.dr,
            &settings.repository,
            &digest,
            settings.replication_timeout,
            settings.backoff,
            |done| {
                let _lock = shown.lock();
                eprintln!("replicated to {} after {:.1}s", done.region, done.seconds);
            },
        )
        .await?;
    }
    Ok(report)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_string()
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_labels_override_the_oci_ones() {
        let user = BTreeMap::from([(
            "org.opencontainers.image.source".to_string(),
            "https://example.com/x".to_string(),
        )]);
        let l = labels(
            &user,
            "abc",
            Some("https://github.com/o/r"),
            "2026-01-01T00:00:00Z",
        );
        assert_eq!(l["org.opencontainers.image.revision"], "abc");
        assert_eq!(
            l["org.opencontainers.image.source"],
            "https://example.com/x"
        );
        assert_eq!(
            l["org.opencontainers.image.created"],
            "2026-01-01T00:00:00Z"
        );
    }

    #[test]
    fn credentials_are_stripped_from_remote_urls() {
        assert_eq!(
            strip_credentials("https://user:tok@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            strip_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }

    #[test]
    fn registry_endpoints_become_hosts() {
        assert_eq!(registry_host("http://127.0.0.1:5101/"), "127.0.0.1:5101");
        assert_eq!(registry_host("127.0.0.1:5101"), "127.0.0.1:5101");
    }
}
