//! The BuildKit session a build runs with, served by us over the daemon's `/session` upgrade as
//! the Docker CLI serves its own: the daemon calls back into it for the build context and the
//! Dockerfile (file sync, so a rebuild sends only what changed), for build secrets and for
//! registry credentials.

pub mod auth;
pub mod filesync;
pub mod secrets;

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bollard_buildkit_proto::health::health_check_response::ServingStatus;
use bollard_buildkit_proto::health::health_server::{Health, HealthServer};
use bollard_buildkit_proto::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::SecretsServer;
use bollard_buildkit_proto::moby::filesync::v1::auth_server::AuthServer;
use bollard_buildkit_proto::moby::filesync::v1::file_sync_server::FileSyncServer;
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::task::JoinHandle;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use super::context::Context;
use super::daemon_http::{DaemonHttpError, Endpoint};
use auth::RegistryAuth;
use filesync::{FileSyncService, SyncStats, SyncedDir};
use secrets::SecretStore;

/// The gRPC methods the session offers; the daemon only calls what is announced.
const METHODS: &[&str] = &[
    "/grpc.health.v1.Health/Check",
    "/moby.filesync.v1.FileSync/DiffCopy",
    "/moby.filesync.v1.FileSync/TarStream",
    "/moby.buildkit.secrets.v1.Secrets/GetSecret",
    "/moby.filesync.v1.Auth/Credentials",
];

/// A running session; the daemon may call into it until it is dropped.
pub struct Session {
    pub id: String,
    pub stats: Arc<SyncStats>,
    server: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The name the Dockerfile is synced under, and the folder it is in.
pub fn dockerfile_dir(context: &Context) -> (String, std::path::PathBuf) {
    let path = context.root.join(&context.dockerfile);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into());
    let folder = path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| context.root.clone());
    (name, folder)
}

/// The key under which the daemon keeps this context's copy between builds: the same folder
/// gets the same key, so the next build's sync only sends what changed.
pub fn shared_key(context: &Context) -> String {
    let digest = Sha256::digest(format!("platform-deploy:{}", context.root.display()));
    hex::encode(&digest[..16])
}

impl Session {
    /// Opens the session on the daemon at `endpoint` (API path prefix `api`, e.g. `/v1.41`),
    /// offering `context` and its Dockerfile's folder, `secrets`, and registry credentials.
    pub async fn start(
        endpoint: &Endpoint,
        api: &str,
        context: &Context,
        secrets: SecretStore,
        auth: RegistryAuth,
    ) -> Result<Session, DaemonHttpError> {
        let id = format!("pd{:016x}{:08x}", fastrand::u64(..), fastrand::u32(..));
        let (_, dockerfile_folder) = dockerfile_dir(context);
        let stats = Arc::new(SyncStats::default());
        let dirs = HashMap::from([
            (
                "context".to_string(),
                SyncedDir::Context(context.session_view()),
            ),
            (
                "dockerfile".to_string(),
                SyncedDir::Folder(dockerfile_folder),
            ),
        ]);
        let name = context
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "context".into());
        let mut headers = vec![
            ("X-Docker-Expose-Session-Uuid", id.clone()),
            ("X-Docker-Expose-Session-Name", name),
            ("X-Docker-Expose-Session-Sharedkey", shared_key(context)),
        ];
        for method in METHODS {
            headers.push(("X-Docker-Expose-Session-Grpc-Method", method.to_string()));
        }
        let io = endpoint
            .upgrade(&format!("{api}/session"), &headers)
            .await?;
        let router = tonic::transport::Server::builder()
            .add_service(HealthServer::new(Serving))
            .add_service(FileSyncServer::new(FileSyncService::new(
                dirs,
                stats.clone(),
            )))
            .add_service(SecretsServer::new(secrets))
            .add_service(AuthServer::new(auth));
        let server = tokio::spawn(async move {
            let incoming = futures_util::stream::iter([Ok::<_, io::Error>(SessionIo(io))]);
            if let Err(e) = router.serve_with_incoming(incoming).await {
                tracing::debug!("build session ended: {e}");
            }
        });
        Ok(Session { id, stats, server })
    }
}

/// The upgraded connection, as tonic's server takes one.
struct SessionIo(TokioIo<Upgraded>);

impl Connected for SessionIo {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for SessionIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for SessionIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The daemon checks the session's health while the build runs; a session that answers is alive.
struct Serving;

type HealthStream =
    Pin<Box<dyn futures_util::Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Health for Serving {
    type WatchStream = HealthStream;

    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _request: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Err(Status::unimplemented("list is not offered"))
    }

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthStream>, Status> {
        Err(Status::unimplemented("watch is not offered"))
    }
}
