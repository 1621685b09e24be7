//! Raw HTTP to the Docker daemon for the two requests bollard cannot make for us: the `/session`
//! upgrade that carries the BuildKit session we serve ourselves, and a `/build` that uses that
//! session (bollard's `build_image` always starts a session of its own, without file sync or
//! secrets). Reaches the daemon DOCKER_HOST names when it is a unix socket or plain TCP.

use std::io;
use std::path::PathBuf;

use bytes::Bytes;
use futures_util::Stream;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};
use tokio_util::either::Either;

/// Where the daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonHttpError {
    #[error("cannot connect to the Docker daemon at {endpoint}: {source}")]
    Connect { endpoint: String, source: io::Error },
    #[error("the Docker daemon's answer to {path} broke off: {message}")]
    Http { path: String, message: String },
    #[error("the Docker daemon refused {path} ({status}): {message}")]
    Refused {
        path: String,
        status: StatusCode,
        message: String,
    },
}

impl Endpoint {
    /// The daemon `docker_host` (DOCKER_HOST, or None for the default socket) names, or why the
    /// session cannot reach it (TLS and SSH daemons are reached through bollard only).
    pub fn parse(docker_host: Option<&str>, tls_verify: bool) -> Result<Endpoint, String> {
        let host = docker_host.unwrap_or("unix:///var/run/docker.sock");
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(PathBuf::from(path)));
        }
        if let Some(address) = host.strip_prefix("tcp://") {
            if tls_verify {
                return Err(format!(
                    "DOCKER_HOST={host} with DOCKER_TLS_VERIFY is a TLS daemon"
                ));
            }
            return Ok(Endpoint::Tcp(address.trim_end_matches('/').to_string()));
        }
        Err(format!("DOCKER_HOST={host} is neither unix:// nor tcp://"))
    }

    /// From the environment, as bollard's `connect_with_defaults` reads it.
    pub fn from_env() -> Result<Endpoint, String> {
        let host = std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty());
        let tls = std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty());
        Endpoint::parse(host.as_deref(), tls)
    }

    fn shown(&self) -> String {
        match self {
            Endpoint::Unix(path) => format!("unix://{}", path.display()),
            Endpoint::Tcp(address) => format!("tcp://{address}"),
        }
    }

    async fn connect(&self) -> Result<Either<UnixStream, TcpStream>, DaemonHttpError> {
        let connected = match self {
            Endpoint::Unix(path) => UnixStream::connect(path).await.map(Either::Left),
            Endpoint::Tcp(address) => TcpStream::connect(address).await.map(Either::Right),
        };
        connected.map_err(|source| DaemonHttpError::Connect {
            endpoint: self.shown(),
            source,
        })
    }

    /// Sends `request` on a connection of its own, which stays open for an upgrade.
    async fn send(
        &self,
        request: Request<Empty<Bytes>>,
    ) -> Result<Response<Incoming>, DaemonHttpError> {
        let path = request.uri().path().to_string();
        let broke = |e: hyper::Error| DaemonHttpError::Http {
            path: path.clone(),
            message: e.to_string(),
        };
        let io = TokioIo::new(self.connect().await?);
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(broke)?;
        tokio::spawn(async move {
            if let Err(e) = connection.with_upgrades().await {
                tracing::debug!("daemon connection ended: {e}");
            }
        });
        sender.send_request(request).await.map_err(broke)
    }

    /// POSTs `path` with `headers` and an `Upgrade: h2c`, and returns the upgraded connection.
    pub async fn upgrade(
        &self,
        path: &str,
        headers: &[(&str, String)],
    ) -> Result<TokioIo<Upgraded>, DaemonHttpError> {
        let mut builder = Request::post(path)
            .header("Host", "docker")
            .header("Connection", "Upgrade")
            .header("Upgrade", "h2c");
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        let request = builder
            .body(Empty::new())
            .map_err(|e| DaemonHttpError::Http {
                path: path.to_string(),
                message: e.to_string(),
            })?;
        let response = self.send(request).await?;
        if response.status() != StatusCode::SWITCHING_PROTOCOLS {
            return Err(refused(path, response).await);
        }
        hyper::upgrade::on(response)
            .await
            .map(TokioIo::new)
            .map_err(|e| DaemonHttpError::Http {
                path: path.to_string(),
                message: e.to_string(),
            })
    }

    /// A gRPC channel to the daemon's BuildKit control API (`{api}/grpc`, upgraded to h2c).
    pub async fn grpc_channel(
        &self,
        api: &str,
    ) -> Result<tonic::transport::Channel, DaemonHttpError> {
        let connector = GrpcConnector {
            endpoint: self.clone(),
            path: format!("{api}/grpc"),
        };
        tonic::transport::Endpoint::from_static("http://docker")
            .connect_with_connector(connector)
            .await
            .map_err(|e| DaemonHttpError::Http {
                path: format!("{api}/grpc"),
                message: e.to_string(),
            })
    }

    /// POSTs `path_and_query` without a body and streams the answer's body.
    pub async fn post_stream(
        &self,
        path_and_query: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, DaemonHttpError>> + use<>, DaemonHttpError> {
        let path = path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let request = Request::post(path_and_query)
            .header("Host", "docker")
            .header("Content-Type", "application/x-tar")
            .body(Empty::new())
            .map_err(|e| DaemonHttpError::Http {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let response = self.send(request).await?;
        if !response.status().is_success() {
            return Err(refused(&path, response).await);
        }
        let body = response.into_body();
        Ok(futures_util::stream::unfold(body, move |mut body| {
            let path = path.clone();
            async move {
                loop {
                    match body.frame().await? {
                        Ok(frame) => {
                            if let Ok(data) = frame.into_data() {
                                return Some((Ok(data), body));
                            }
                        }
                        Err(e) => {
                            let error = DaemonHttpError::Http {
                                path,
                                message: e.to_string(),
                            };
                            return Some((Err(error), body));
                        }
                    }
                }
            }
        }))
    }
}

/// Opens one upgraded `/grpc` connection per connect the channel makes.
#[derive(Clone)]
struct GrpcConnector {
    endpoint: Endpoint,
    path: String,
}

type Connecting =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Upgraded, DaemonHttpError>> + Send>>;

impl tonic::codegen::Service<http::Uri> for GrpcConnector {
    type Response = Upgraded;
    type Error = DaemonHttpError;
    type Future = Connecting;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: http::Uri) -> Self::Future {
        let endpoint = self.endpoint.clone();
        let path = self.path.clone();
        Box::pin(async move { endpoint.upgrade(&path, &[]).await.map(TokioIo::into_inner) })
    }
}

/// The daemon's own words for a refusal (`{"message": "..."}`), or the body as text.
async fn refused(path: &str, response: Response<Incoming>) -> DaemonHttpError {
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(String::from))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_string());
    DaemonHttpError::Refused {
        path: path.to_string(),
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_host_forms() {
        assert_eq!(
            Endpoint::parse(None, false),
            Ok(Endpoint::Unix("/var/run/docker.sock".into()))
        );
        assert_eq!(
            Endpoint::parse(Some("unix:///tmp/d.sock"), false),
            Ok(Endpoint::Unix("/tmp/d.sock".into()))
        );
        assert_eq!(
            Endpoint::parse(Some("tcp://127.0.0.1:2375/"), false),
            Ok(Endpoint::Tcp("127.0.0.1:2375".into()))
        );
        let tls = Endpoint::parse(Some("tcp://10.0.0.1:2376"), true).unwrap_err();
        assert!(tls.contains("TLS"), "{tls}");
        let ssh = Endpoint::parse(Some("ssh://me@host"), false).unwrap_err();
        assert!(ssh.contains("neither unix:// nor tcp://"), "{ssh}");
    }
}
