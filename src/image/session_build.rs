//! The BuildKit build over platform-deploy's own session: open the session (file sync, secrets,
//! registry auth), send the build to the Engine API's `/build` (or to BuildKit's control API when
//! a registry cache is exported) and follow its output.

use std::time::Instant;

use bollard::Docker;
use bollard::models::BuildInfo;
use futures_util::StreamExt;

use super::ImageError;
use super::build_log::{BuildLog, Dockerfile};
use super::buildkit::Builder;
use super::context::Context;
use super::daemon_http::{DaemonHttpError, Endpoint};
use super::engine::{BuildSettings, Built, Transfer, build_options, finish_build};
use super::progress::BuildOutput;
use super::release::uses_control_api;
use super::session::{self, Session, auth::RegistryAuth, secrets::SecretStore};
use super::solve;

/// The BuildKit build with our own session: the daemon syncs the context and the Dockerfile
/// from it (only what changed since its last copy) and asks it for the build secrets.
pub(super) struct SessionBuild<'a> {
    pub(super) endpoint: &'a Endpoint,
    pub(super) dockerfile: Dockerfile,
    pub(super) started: Instant,
}

impl SessionBuild<'_> {
    pub(super) async fn run(
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
        let session = Session::start(
            endpoint,
            &api,
            context,
            secrets,
            RegistryAuth::for_build(settings.credentials.as_ref()),
        )
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
        log.output_ended(progress);
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
