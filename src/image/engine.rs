//! The Docker Engine API through bollard: connect (with version negotiation: the daemon may speak
//! an older API than bollard asks for), choose the builder and build (the session build is in
//! `session_build`, the tar upload here), tag.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{BuildImageOptions, BuilderVersion, TagImageOptions};
use futures_util::StreamExt;
use serde::Serialize;

use super::build_log::{BuildLog, Dockerfile};
use super::buildkit::{self, Builder};
use super::context::{Context, ContextError, ContextSummary};
use super::daemon_http::Endpoint;
use super::progress::BuildOutput;
use super::registry_io::Credentials;
use super::release::uses_control_api;
use super::session::auth::RegistryAuth;
use super::session_build::SessionBuild;
use super::{ImageError, display_path};
use crate::runner::Location;

/// How long one Engine API request may take before bollard gives up (a push of a large image).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// How long connecting and negotiating the API version may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Connects to the daemon named by DOCKER_HOST (or the default socket) and negotiates the API
/// version. A daemon that cannot be reached is a usage problem: the message says how to start one.
pub async fn connect() -> Result<Docker, ImageError> {
    let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
    let (shown, how) = match &host {
        Some(h) => (h.clone(), "from DOCKER_HOST".to_string()),
        None => (
            "unix:///var/run/docker.sock".to_string(),
            "the default; DOCKER_HOST is not set".to_string(),
        ),
    };
    let unreachable = |reason: String| ImageError::DaemonUnreachable {
        host: shown.clone(),
        how: how.clone(),
        reason,
    };
    let docker = Docker::connect_with_defaults()
        .map_err(|e| unreachable(e.to_string()))?
        .with_timeout(REQUEST_TIMEOUT);
    match tokio::time::timeout(CONNECT_TIMEOUT, docker.negotiate_version()).await {
        Ok(Ok(docker)) => Ok(docker),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!(
            "no answer within {}s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// What to build: resolved from platform.toml and the command-line flags.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSettings {
    /// Local references to tag the result with (`repository:tag`); the first is passed to the build.
    pub tags: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub platform: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub cache_from: Vec<String>,
    pub cache_to: Option<CacheTo>,
    /// Build secrets by id: where each is read from (the values are never kept here).
    pub secrets: BTreeMap<String, crate::config::SecretSource>,
    /// Registry credentials the push already holds (ECR), for a cache export or private base
    /// image; the Docker CLI's `docker login` entries are read besides.
    #[serde(skip)]
    pub credentials: Option<Credentials>,
}

/// Where a build writes its cache for later builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheTo {
    /// Into the image itself (BuildKit's inline cache).
    Inline,
    /// BuildKit's cache manifest pushed to a registry reference (`mode=max` keeps every stage's
    /// layers, not only the final image's).
    Registry {
        reference: String,
        /// Every `key=value` of the flag besides `type` and `ref` (`mode`, `image-manifest`,
        /// `oci-mediatypes`, `compression`, …), passed to BuildKit as written.
        attrs: BTreeMap<String, String>,
    },
}

impl CacheTo {
    /// The registry exporter needs BuildKit's control API: the Engine API's build takes none.
    pub fn needs_control_api(&self) -> bool {
        matches!(self, CacheTo::Registry { .. })
    }
}

/// `--cache-to`: `inline` / `type=inline`, or `type=registry,ref=REPO:TAG[,mode=max,…]`; what
/// cannot be exported through the daemon is refused with what to use instead.
pub fn parse_cache_to(value: &str) -> Result<CacheTo, String> {
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    let mut kind = None;
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("type", t)) => kind = Some(t.trim().to_string()),
            Some((k, v)) => {
                attrs.insert(k.trim().to_string(), v.trim().to_string());
            }
            None if kind.is_none() => kind = Some(part.to_string()),
            None => return Err(format!("`{part}` is not `key=value`")),
        }
    }
    match kind.as_deref().unwrap_or_default() {
        "inline" => Ok(CacheTo::Inline),
        "registry" => {
            let reference = attrs.remove("ref").filter(|r| !r.is_empty()).ok_or_else(|| {
                "type=registry needs ref=REGISTRY/REPOSITORY:TAG, e.g. type=registry,ref=123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:buildcache,mode=max".to_string()
            })?;
            Ok(CacheTo::Registry { reference, attrs })
        }
        "local" | "gha" | "s3" | "azblob" => Err(format!(
            "the {} cache exporter is not offered; use --cache-to type=registry,ref=REPO:TAG (a cache the next runner pulls) or --cache-to inline",
            kind.unwrap_or_default()
        )),
        other => Err(format!(
            "unknown cache type `{other}`; use --cache-to inline or type=registry,ref=REPO:TAG"
        )),
    }
}

/// A finished build.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub image_id: String,
    pub tags: Vec<String>,
    /// The context as walked (what a tar would hold, or what the file sync compared).
    pub context: ContextSummary,
    /// What the session's file sync actually sent (BuildKit with our session only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<Transfer>,
    pub seconds: f64,
}

/// The file sync's traffic of one build: on a rebuild, only the files that changed.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Transfer {
    /// Entries whose metadata the daemon compared with its copy.
    pub compared: u64,
    /// Files it asked for.
    pub files: u64,
    pub bytes: u64,
}

impl Built {
    /// `12 files, 3.0 MiB sent`, or for a file sync `20001 entries compared, 1 file sent (12 B)`.
    pub fn sent_text(&self) -> String {
        match &self.sent {
            Some(sent) => format!(
                "{} entries compared, {} file{} sent ({})",
                sent.compared,
                sent.files,
                if sent.files == 1 { "" } else { "s" },
                super::release::human_bytes(sent.bytes)
            ),
            None => format!(
                "{} files, {} sent",
                self.context.files,
                super::release::human_bytes(self.context.bytes)
            ),
        }
    }
}

/// The engine's build options for `settings` on `builder`.
pub fn build_options(
    dockerfile: &str,
    settings: &BuildSettings,
    builder: &Builder,
) -> BuildImageOptions {
    let to_map = |m: &BTreeMap<String, String>| -> Option<HashMap<String, String>> {
        (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    };
    let mut buildargs = to_map(&settings.build_args);
    if settings.cache_to == Some(CacheTo::Inline) && matches!(builder, Builder::BuildKit { .. }) {
        buildargs
            .get_or_insert_with(HashMap::new)
            .insert("BUILDKIT_INLINE_CACHE".into(), "1".into());
    }
    let (version, session, networkmode) = match builder {
        Builder::BuildKit { network_none } => (
            BuilderVersion::BuilderBuildKit,
            Some(format!("platform-deploy-{:016x}", fastrand::u64(..))),
            network_none.then(|| "none".to_string()),
        ),
        Builder::Legacy { .. } => (BuilderVersion::BuilderV1, None, None),
    };
    BuildImageOptions {
        dockerfile: dockerfile.to_string(),
        t: settings.tags.first().cloned(),
        nocache: settings.no_cache,
        cachefrom: (!settings.cache_from.is_empty()).then(|| settings.cache_from.clone()),
        pull: settings.pull.then(|| "1".to_string()),
        rm: true,
        forcerm: true,
        buildargs,
        labels: to_map(&settings.labels),
        platform: settings.platform.clone().unwrap_or_default(),
        target: settings.target.clone().unwrap_or_default(),
        networkmode,
        version,
        session,
        ..Default::default()
    }
}

/// Builds `context` with `settings` on the daemon's BuildKit (or the legacy builder when BuildKit
/// is ruled out or the daemon refuses it: one warning says why), streaming the context as it is
/// read and the engine's output line by line, then tags the image with every local tag.
pub async fn build(
    docker: &Docker,
    context: &Context,
    settings: &BuildSettings,
    progress: &mut BuildOutput,
) -> Result<Built, ImageError> {
    let facts = buildkit::daemon_facts(docker).await;
    let env = std::env::var("DOCKER_BUILDKIT").ok();
    // Our session syncs the Dockerfile on its own, so a .dockerignore that excludes it only
    // rules out BuildKit when the build has to upload a tar instead.
    // Read once: where the session can reach the daemon, or why it cannot.
    let endpoint = Endpoint::from_env();
    let builder = buildkit::choose(
        env.as_deref(),
        &facts,
        context.ignores_build_files && endpoint.is_err(),
    );
    let refused = match build_on(docker, &endpoint, context, settings, progress, &builder).await {
        Err(ImageError::BuildFailed { message, .. })
            if matches!(builder, Builder::BuildKit { .. })
                && buildkit::refused_buildkit(&message) =>
        {
            format!("the daemon refused a BuildKit build: {message}")
        }
        Err(ImageError::SessionRefused { message }) => {
            format!("the daemon refused a BuildKit session: {message}")
        }
        other => return other,
    };
    let legacy = Builder::Legacy { why: refused };
    build_on(docker, &endpoint, context, settings, progress, &legacy).await
}

async fn build_on(
    docker: &Docker,
    endpoint: &Result<Endpoint, String>,
    context: &Context,
    settings: &BuildSettings,
    progress: &mut BuildOutput,
    builder: &Builder,
) -> Result<Built, ImageError> {
    let started = Instant::now();
    let dockerfile = Dockerfile::read(context);
    if let Builder::Legacy { why } = builder {
        // Refused before anything is sent: the engine's own parse error would not say why.
        if let Some(need) = buildkit::needs_buildkit(&dockerfile.source) {
            return Err(ImageError::NeedsBuildKit {
                location: Location {
                    file: dockerfile.shown.clone(),
                    line: need.line,
                    column: 1,
                },
                feature: need.feature,
                why: why.clone(),
            });
        }
        progress.print(&format!("warning: building with the legacy builder: {why}"));
        if settings.cache_to.is_some() {
            progress.print("warning: --cache-to needs BuildKit: this build writes no cache");
        }
        if !settings.secrets.is_empty() {
            progress
                .print("warning: image.secrets reach BuildKit builds only: this build gets none");
        }
    }
    if matches!(builder, Builder::BuildKit { .. }) {
        match endpoint {
            Ok(endpoint) => {
                let build = SessionBuild {
                    endpoint,
                    dockerfile,
                    started,
                };
                return build
                    .run(docker, context, settings, progress, builder)
                    .await;
            }
            Err(why) if uses_control_api(settings) => {
                return Err(ImageError::CacheExportUnsupported {
                    message: format!("the build cannot reach BuildKit's control API: {why}"),
                });
            }
            Err(why) if !settings.secrets.is_empty() => {
                return Err(ImageError::SecretsNeedSession {
                    why: why.clone(),
                    fix: "build against a daemon on a unix socket or plain tcp:// (e.g. an SSH tunnel to the remote daemon's socket), or remove image.secrets".into(),
                });
            }
            Err(why) => tracing::debug!("building without a session of our own: {why}"),
        }
    }
    // The legacy builder cannot ask for credentials during the build: it gets them all up front.
    let credentials = match builder {
        Builder::Legacy { .. } => Some(
            RegistryAuth::for_build(settings.credentials.as_ref())
                .for_engine()
                .await,
        ),
        Builder::BuildKit { .. } => None,
    };
    let (body, walker) = context.stream();
    let options = build_options(&context.dockerfile, settings, builder);
    let mut stream = docker.build_image(options, credentials, Some(bollard::body_try_stream(body)));
    let mut log = BuildLog::default();
    while let Some(item) = stream.next().await {
        let going_on = match item {
            Ok(info) => log.take(info, progress),
            Err(e) => {
                log.failure = Some(engine_message(&e));
                false
            }
        };
        if !going_on {
            break;
        }
    }
    drop(stream);
    log.output_ended(progress);
    progress.finish();
    // The walk's own error (an unreadable file) explains a failure better than the engine's, unless
    // the walk only stopped because the engine had already given up.
    let summary = match walker.await {
        Ok(Ok(summary)) => Some(summary),
        Ok(Err(ContextError::Aborted(_))) if log.failure.is_some() => None,
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => {
            return Err(ImageError::Engine {
                action: "read the build context".into(),
                message: e.to_string(),
            });
        }
    };
    let id = log.finish(&dockerfile, progress)?;
    finish_build(
        docker,
        settings,
        id,
        summary.unwrap_or_default(),
        None,
        started,
    )
    .await
}

/// Tags the built image with every local tag and reports it.
pub(super) async fn finish_build(
    docker: &Docker,
    settings: &BuildSettings,
    id: String,
    context: ContextSummary,
    sent: Option<Transfer>,
    started: Instant,
) -> Result<Built, ImageError> {
    let image_id = full_image_id(docker, &id).await?;
    for tag in settings.tags.iter().skip(1) {
        tag_image(docker, &image_id, tag).await?;
    }
    Ok(Built {
        image_id,
        tags: settings.tags.clone(),
        context,
        sent,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The message of a bollard error, without bollard's wrapping where it adds nothing.
pub fn engine_message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerStreamError { error } => error.clone(),
        bollard::errors::Error::DockerResponseServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

async fn full_image_id(docker: &Docker, id: &str) -> Result<String, ImageError> {
    docker
        .inspect_image(id)
        .await
        .ok()
        .and_then(|i| i.id)
        .map(Ok)
        .unwrap_or_else(|| Ok(id.to_string()))
}

/// Splits `repo:tag` (the tag is after the last `:` that follows the last `/`).
pub fn split_reference(reference: &str) -> (&str, &str) {
    let slash = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
    match reference[slash..].rfind(':') {
        Some(i) => (&reference[..slash + i], &reference[slash + i + 1..]),
        None => (reference, "latest"),
    }
}

pub async fn tag_image(docker: &Docker, image: &str, reference: &str) -> Result<(), ImageError> {
    let (repo, tag) = split_reference(reference);
    docker
        .tag_image(
            image,
            Some(TagImageOptions {
                repo: Some(repo.to_string()),
                tag: Some(tag.to_string()),
            }),
        )
        .await
        .map_err(|e| ImageError::Engine {
            action: format!("tag {image} as {reference}"),
            message: engine_message(&e),
        })
}

/// The full ID of a local image, or `None` when the daemon does not have it.
pub async fn local_image(docker: &Docker, reference: &str) -> Result<Option<String>, ImageError> {
    match docker.inspect_image(reference).await {
        Ok(image) => Ok(Some(image.id.unwrap_or_else(|| reference.to_string()))),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(e) => Err(ImageError::Engine {
            action: format!("inspect {reference}"),
            message: engine_message(&e),
        }),
    }
}

/// Where a Dockerfile is, shown relative to the working folder when it is below it.
pub fn shown(path: &Path) -> String {
    display_path(path, &std::env::current_dir().unwrap_or_default())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_at_the_tag_colon_not_the_port() {
        assert_eq!(
            split_reference("127.0.0.1:5101/shop/api:abc"),
            ("127.0.0.1:5101/shop/api", "abc")
        );
        assert_eq!(
            split_reference("127.0.0.1:5101/shop/api"),
            ("127.0.0.1:5101/shop/api", "latest")
        );
        assert_eq!(split_reference("shop/api:v1"), ("shop/api", "v1"));
    }

    #[test]
    fn build_options_follow_the_builder_and_use_the_first_tag() {
        let settings = BuildSettings {
            tags: vec!["shop/api:abc".into(), "shop/api:latest".into()],
            build_args: BTreeMap::from([("A".into(), "1".into())]),
            labels: BTreeMap::new(),
            target: Some("runtime".into()),
            platform: None,
            no_cache: true,
            pull: true,
            cache_from: vec!["shop/api:prev".into()],
            cache_to: Some(CacheTo::Inline),
            secrets: BTreeMap::new(),
            credentials: None,
        };
        let legacy = Builder::Legacy { why: "test".into() };
        let o = build_options("docker/Dockerfile", &settings, &legacy);
        assert_eq!(o.version, BuilderVersion::BuilderV1);
        assert_eq!(
            (o.session.as_deref(), o.networkmode.as_deref()),
            (None, None)
        );
        let kit = build_options(
            "docker/Dockerfile",
            &settings,
            &Builder::BuildKit { network_none: true },
        );
        assert_eq!(kit.version, BuilderVersion::BuilderBuildKit);
        assert!(
            kit.session
                .as_deref()
                .is_some_and(|s| s.starts_with("platform-deploy-"))
        );
        assert_eq!(kit.networkmode.as_deref(), Some("none"));
        assert_eq!(
            kit.buildargs
                .as_ref()
                .and_then(|a| a.get("BUILDKIT_INLINE_CACHE")),
            Some(&"1".to_string()),
            "inline cache on BuildKit"
        );
        assert!(
            o.buildargs
                .as_ref()
                .is_some_and(|a| !a.contains_key("BUILDKIT_INLINE_CACHE")),
            "the legacy builder gets no inline cache argument"
        );
        assert_eq!(parse_cache_to("type=inline"), Ok(CacheTo::Inline));
        assert_eq!(
            parse_cache_to("type=registry,ref=r.example/shop/api:cache,mode=max"),
            Ok(CacheTo::Registry {
                reference: "r.example/shop/api:cache".into(),
                attrs: BTreeMap::from([("mode".into(), "max".into())]),
            })
        );
        let no_ref = parse_cache_to("type=registry,mode=max").unwrap_err();
        assert!(no_ref.contains("needs ref="), "{no_ref}");
        let refused = parse_cache_to("type=local,dest=/tmp/c").unwrap_err();
        assert!(refused.contains("type=registry,ref="), "{refused}");
        assert_eq!(o.t.as_deref(), Some("shop/api:abc"));
        assert_eq!(o.dockerfile, "docker/Dockerfile");
        assert_eq!(o.target, "runtime");
        assert_eq!(o.pull.as_deref(), Some("1"));
        assert!(o.nocache);
        assert!(o.labels.is_none());
        assert_eq!(o.cachefrom, Some(vec!["shop/api:prev".to_string()]));
    }
}
