//! The Docker Engine API through bollard: connect (with version negotiation: the daemon may speak
//! an older API than bollard asks for), build from a streamed context, tag, pull and push.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{
    BuildImageOptions, BuilderVersion, CreateImageOptions, PushImageOptions, TagImageOptions,
};
use futures_util::StreamExt;
use serde::Serialize;

use bollard::models::{BuildInfo, BuildInfoAux, ImageId};

use super::buildkit::{self, Builder};
use super::context::{Context, ContextError, ContextSummary};
use super::daemon_http::{DaemonHttpError, Endpoint};
use super::dockerfile;
use super::progress::BuildOutput;
use super::release::uses_control_api;
use super::session::{self, Session, auth::RegistryAuth, secrets::SecretStore};
use super::solve;
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
    let (body, walker) = context.stream();
    let options = build_options(&context.dockerfile, settings, builder);
    let mut stream = docker.build_image(options, None, Some(bollard::body_try_stream(body)));
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

/// The BuildKit build with our own session: the daemon syncs the context and the Dockerfile
/// from it (only what changed since its last copy) and asks it for the build secrets.
struct SessionBuild<'a> {
    endpoint: &'a Endpoint,
    dockerfile: Dockerfile,
    started: Instant,
}

impl SessionBuild<'_> {
    async fn run(
        self,
        docker: &Docker,
        context: &Context,
        settings: &BuildSettings,
        progress: &mut BuildOutput,
        builder: &Builder,
    ) -> Result<Built, ImageError> {
        let SessionBuild {
            endpoint,
            dockerfile,
            started,
        } = self;
        let secrets = SecretStore::resolve(&settings.secrets)?;
        let api = format!("/v{}", docker.client_version());
        let mut auth = RegistryAuth::from_docker_config();
        if let Some(c) = &settings.credentials {
            auth = auth.with(&c.registry, &c.username, &c.password);
        }
        let session = Session::start(endpoint, &api, context, secrets, auth)
            .await
            .map_err(|e| match e {
                DaemonHttpError::Refused {
                    status, message, ..
                } => ImageError::SessionRefused {
                    message: format!("{status}: {message}")
                        .trim_end_matches(": ")
                        .to_string(),
                },
                other => ImageError::Engine {
                    action: "open a BuildKit session".into(),
                    message: other.to_string(),
                },
            })?;
        let (dockerfile_name, _) = session::dockerfile_dir(context);
        let mut log = BuildLog::default();
        if uses_control_api(settings) {
            let input = solve::SolveInput {
                session_id: &session.id,
                dockerfile: &dockerfile_name,
                network_none: matches!(builder, Builder::BuildKit { network_none: true }),
            };
            let build_ref = format!("pd{:016x}", fastrand::u64(..));
            let request = solve::solve_request(&build_ref, &input, settings);
            match solve::solve(endpoint, &api, request, &mut log.steps, progress).await {
                Ok(()) => log.image_id = settings.tags.first().cloned(),
                Err(message) if solve::refused_cache_export(&message) => {
                    return Err(ImageError::CacheExportUnsupported { message });
                }
                Err(message) => log.failure = Some(message),
            }
        } else {
            let mut options = build_options(&dockerfile_name, settings, builder);
            options.session = Some(session.id.clone());
            options.remote = Some("client-session".into());
            let query = serde_urlencoded::to_string(&options).map_err(|e| ImageError::Engine {
                action: "encode the build request".into(),
                message: e.to_string(),
            })?;
            follow_build_request(
                endpoint,
                &format!("{api}/build?{query}"),
                &mut log,
                progress,
            )
            .await;
        }
        progress.finish();
        let stats = session.stats.clone();
        drop(session);
        let id = log.finish(&dockerfile, progress)?;
        let summary = stats.context_summary().unwrap_or_default();
        let sent = Transfer {
            compared: stats.entries(),
            files: stats.files(),
            bytes: stats.bytes(),
        };
        finish_build(docker, settings, id, summary, Some(sent), started).await
    }
}

/// Sends the build request and takes the engine's JSON messages as they stream in.
async fn follow_build_request(
    endpoint: &Endpoint,
    path_and_query: &str,
    log: &mut BuildLog,
    progress: &mut BuildOutput,
) {
    let body = match endpoint.post_stream(path_and_query).await {
        Ok(body) => body,
        Err(DaemonHttpError::Refused { message, .. }) => {
            log.failure = Some(message);
            return;
        }
        Err(e) => {
            log.failure = Some(e.to_string());
            return;
        }
    };
    let mut body = std::pin::pin!(body);
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                log.failure = Some(e.to_string());
                return;
            }
        };
        buffer.extend_from_slice(&chunk);
        let mut messages = serde_json::Deserializer::from_slice(&buffer).into_iter::<BuildInfo>();
        let mut consumed = 0;
        loop {
            match messages.next() {
                Some(Ok(info)) => {
                    consumed = messages.byte_offset();
                    if !log.take(info, progress) {
                        return;
                    }
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(e)) => {
                    log.failure = Some(format!("unreadable build output: {e}"));
                    return;
                }
                None => {
                    consumed = buffer.len();
                    break;
                }
            }
        }
        buffer.drain(..consumed);
    }
}

/// The Dockerfile as the messages about it show it.
struct Dockerfile {
    source: String,
    instructions: Vec<dockerfile::Instruction>,
    shown: std::path::PathBuf,
}

impl Dockerfile {
    fn read(context: &Context) -> Dockerfile {
        let path = context.root.join(&context.dockerfile);
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        Dockerfile {
            instructions: dockerfile::instructions(&source),
            source,
            shown: display_path(&path, &std::env::current_dir().unwrap_or_default()),
        }
    }
}

/// What the engine's build output said so far.
#[derive(Default)]
struct BuildLog {
    image_id: Option<String>,
    /// (n, "n/total", instruction) of the step the legacy builder is on.
    step: Option<(usize, String, String)>,
    steps: buildkit::Steps,
    failure: Option<String>,
}

impl BuildLog {
    /// Takes one message of the build output, showing it; false once the build failed.
    fn take(&mut self, info: BuildInfo, progress: &mut BuildOutput) -> bool {
        if let Some(text) = &info.stream {
            for line in text.lines() {
                if let Some((n, of, instruction)) = dockerfile::parse_step(line) {
                    self.step = Some((n, of.to_string(), instruction.to_string()));
                }
                if let Some(id) = line.strip_prefix("Successfully built ") {
                    self.image_id.get_or_insert_with(|| id.trim().to_string());
                }
            }
            progress.output(text);
        }
        if let Some(status) = &info.status {
            progress.line(status);
        }
        match &info.aux {
            Some(BuildInfoAux::BuildKit(status)) => {
                for line in self.steps.lines(status) {
                    progress.line(&line);
                }
            }
            Some(BuildInfoAux::Default(ImageId { id: Some(id) })) => {
                self.image_id = Some(id.clone());
            }
            _ => {}
        }
        if let Some(detail) = info.error_detail {
            self.failure = Some(detail.message.unwrap_or_else(|| "unknown error".into()));
            return false;
        }
        true
    }

    /// The built image's ID, or the failure located in the Dockerfile.
    fn finish(self, dockerfile: &Dockerfile, progress: &BuildOutput) -> Result<String, ImageError> {
        if let Some(message) = self.failure {
            // BuildKit names the failed step by its vertex (`[2/3] RUN make`), the legacy builder
            // by its number (`Step 2/3 : RUN make`).
            let instructions = &dockerfile.instructions;
            let (shown_step, located) = match &self.steps.failed {
                Some(vertex) => (
                    Some(vertex.clone()),
                    buildkit::vertex_instruction(vertex)
                        .and_then(|text| dockerfile::locate(instructions, 0, text)),
                ),
                None => (
                    self.step
                        .as_ref()
                        .map(|(_, of, text)| format!("{of}: {text}")),
                    self.step
                        .as_ref()
                        .and_then(|(n, _, text)| dockerfile::locate(instructions, *n, text)),
                ),
            };
            return Err(ImageError::BuildFailed {
                step: shown_step,
                location: located.map(|i| Location {
                    file: dockerfile.shown.clone(),
                    line: i.line,
                    column: 1,
                }),
                message: message.trim().to_string(),
                fix: build_fix(&message, &progress.recent()),
            });
        }
        self.image_id.ok_or_else(|| ImageError::Engine {
            action: "report the built image".into(),
            message: "the build ended without an image ID".into(),
        })
    }
}

/// Tags the built image with every local tag and reports it.
async fn finish_build(
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

fn build_fix(message: &str, recent: &[String]) -> String {
    let tail: Vec<&str> = recent
        .iter()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let hint = if message.contains("file not found in build context")
        || message.contains("excluded by .dockerignore")
    {
        "the file is missing from the context or ignored by .dockerignore; `platform-deploy build --dry-run --list-context` shows what is sent"
    } else if message.contains("pull access denied") || message.contains("manifest unknown") {
        "the base image cannot be pulled; build it locally or point FROM at an image the daemon has"
    } else {
        "correct the Dockerfile step above and build again"
    };
    if tail.is_empty() {
        hint.to_string()
    } else {
        format!("{hint}\n  last output:\n    {}", tail.join("\n    "))
    }
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

/// Registry credentials for one push (user `AWS`, the ECR token as password).
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub registry: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .field("registry", &self.registry)
            .finish()
    }
}

impl Credentials {
    fn docker(&self) -> DockerCredentials {
        let credentials = DockerCredentials {
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            serveraddress: Some(self.registry.clone()),
            ..Default::default()
        };
        // The engine receives them base64-encoded in X-Registry-Auth: that form is a secret too
        // (a trace log of the request must not show it).
        if let Ok(json) = serde_json::to_string(&credentials) {
            use base64::Engine as _;
            crate::secrets::register(&base64::engine::general_purpose::STANDARD.encode(json));
        }
        credentials
    }
}

/// Pulls `reference` (best effort: cache sources are an optimisation).
pub async fn pull(
    docker: &Docker,
    reference: &str,
    credentials: Option<&Credentials>,
    progress: &mut BuildOutput,
) -> Result<(), ImageError> {
    // `repo@sha256:…` is pulled by digest, `repo:tag` by tag.
    let (from_image, tag) = if reference.contains('@') {
        (reference, None)
    } else {
        let (repo, tag) = split_reference(reference);
        (repo, Some(tag.to_string()))
    };
    let options = CreateImageOptions {
        from_image: Some(from_image.to_string()),
        tag,
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, credentials.map(Credentials::docker));
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(detail) = info.error_detail {
                    progress.finish();
                    return Err(ImageError::Engine {
                        action: format!("pull {reference}"),
                        message: detail.message.unwrap_or_default(),
                    });
                }
                if let Some(status) = info.status {
                    progress.status(&format!("pull {reference}: {status}"));
                }
            }
            Err(e) => {
                progress.finish();
                return Err(ImageError::Engine {
                    action: format!("pull {reference}"),
                    message: engine_message(&e),
                });
            }
        }
    }
    progress.finish();
    Ok(())
}

/// Pushes `repository:tag` (already tagged locally) and returns the digest the registry gave it.
pub async fn push(
    docker: &Docker,
    repository: &str,
    tag: &str,
    credentials: &Credentials,
    progress: &mut BuildOutput,
) -> Result<String, ImageError> {
    let reference = format!("{repository}:{tag}");
    let options = PushImageOptions {
        tag: Some(tag.to_string()),
        ..Default::default()
    };
    let mut stream = docker.push_image(repository, Some(options), Some(credentials.docker()));
    let mut digest: Option<String> = None;
    let mut done = 0usize;
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => {
                progress.finish();
                return Err(push_error(
                    &reference,
                    &credentials.registry,
                    engine_message(&e),
                ));
            }
        };
        if let Some(detail) = info.error_detail {
            progress.finish();
            let message = detail.message.unwrap_or_default();
            return Err(push_error(&reference, &credentials.registry, message));
        }
        let Some(status) = info.status else { continue };
        if let Some(d) = parse_push_digest(&status, tag) {
            digest = Some(d);
            progress.print(&status);
            continue;
        }
        match status.as_str() {
            // Per-layer chatter: counted on the progress line, not printed line by line.
            "Preparing" | "Waiting" | "Pushing" => {
                let detail = info
                    .progress_detail
                    .as_ref()
                    .and_then(|d| Some((d.current?, d.total?)));
                let bytes = detail
                    .map(|(c, t)| format!(", {}/{} KiB", c / 1024, t / 1024))
                    .unwrap_or_default();
                progress.transient(&format!("push {reference}: {done} layers done{bytes}"));
            }
            "Pushed" | "Layer already exists" => {
                done += 1;
                progress.status(&format!("push {reference}: {done} layers done"));
            }
            _ => progress.line(&status),
        }
    }
    progress.finish();
    digest.ok_or_else(|| ImageError::Push {
        reference,
        message: "the daemon finished without reporting a digest".into(),
    })
}

fn push_error(reference: &str, registry: &str, message: String) -> ImageError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("no basic auth credentials")
        || lower.contains("denied")
        || lower.contains("401")
    {
        ImageError::RegistryAuth {
            registry: registry.to_string(),
            message,
        }
    } else {
        ImageError::Push {
            reference: reference.to_string(),
            message,
        }
    }
}

/// The engine ends a push with `TAG: digest: sha256:… size: N`.
pub fn parse_push_digest(status: &str, tag: &str) -> Option<String> {
    let rest = status.strip_prefix(tag)?.strip_prefix(": digest: ")?;
    let digest = rest.split_whitespace().next()?;
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| digest.to_string())
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
    fn the_push_digest_is_read_from_the_final_status() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parse_push_digest(&format!("abc: digest: {d} size: 528"), "abc"),
            Some(d)
        );
        assert_eq!(
            parse_push_digest("abc: digest: sha256:12 size: 1", "abc"),
            None
        );
        assert_eq!(parse_push_digest("Pushed", "abc"), None);
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
