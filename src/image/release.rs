//! The `build` flow, and what `build` and `push` share: the Docker engine connection, the OCI
//! labels, the registry host and the cache sources. The `push` flow is in `push.rs`; its items
//! are re-exported here, so `release::push` and its types keep one path.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use bollard::Docker;
use tokio::sync::OnceCell;

use super::ImageError;
use super::context::Context;
use super::engine::{self, BuildSettings, Built};
use super::progress::BuildOutput;
use super::registry_io::{self, Credentials};
use crate::runner::Workflow;

pub use super::push::{EcrClients, PushReport, PushSettings, Source, TagAction, TagReport, push};

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
/// A build through BuildKit's control API imports `--cache-from` references itself (images with
/// inline cache and cache manifests alike): nothing is pulled first.
pub fn uses_control_api(settings: &BuildSettings) -> bool {
    settings
        .cache_to
        .as_ref()
        .is_some_and(engine::CacheTo::needs_control_api)
}

pub async fn prepare_cache_from(
    docker: &Docker,
    refs: &[String],
    credentials: Option<&Credentials>,
    progress: &mut BuildOutput,
) -> Vec<String> {
    let mut available = Vec::new();
    for reference in refs {
        if matches!(engine::local_image(docker, reference).await, Ok(Some(_))) {
            available.push(reference.clone());
            continue;
        }
        let creds = credentials.filter(|c| reference.starts_with(&format!("{}/", c.registry)));
        match registry_io::pull(docker, reference, creds, progress).await {
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
    progress: &mut BuildOutput,
) -> Result<Built, ImageError> {
    let docker = engine.get().await?;
    let _group = workflow.group(&format!(
        "docker build {}",
        settings.tags.first().map(String::as_str).unwrap_or("")
    ));
    let mut settings = settings.clone();
    if !uses_control_api(&settings) {
        settings.cache_from =
            prepare_cache_from(docker, &settings.cache_from, None, progress).await;
    }
    let built = engine::build(docker, context, &settings, progress).await?;
    progress.print(&format!(
        "built {} ({}) in {:.1}s",
        built.image_id,
        built.sent_text(),
        built.seconds
    ));
    Ok(built)
}

/// A byte count for people: `512 B`, `1.5 KiB`, `2.0 MiB`.
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
