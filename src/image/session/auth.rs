//! Registry credentials the daemon asks the session for (`moby.filesync.v1.Auth/Credentials`)
//! when a build pulls a private base image or pushes its cache: the push's ECR token, else what
//! `docker login` stored in the Docker CLI's config (`$DOCKER_CONFIG/config.json`, inline `auth`
//! entries; credential helpers are not run). A registry with neither is used anonymously.

use std::collections::HashMap;

use base64::Engine as _;
use bollard_buildkit_proto::moby::filesync::v1::auth_server::Auth;
use bollard_buildkit_proto::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use tonic::{Request, Response, Status};

/// Username and password by registry host.
#[derive(Default, Clone)]
pub struct RegistryAuth {
    by_host: HashMap<String, (String, String)>,
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("hosts", &self.by_host.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `https://index.docker.io/v1/` → `index.docker.io`; Docker Hub under the name BuildKit asks for.
fn host_of(key: &str) -> String {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    match host.as_str() {
        "index.docker.io" | "docker.io" => "registry-1.docker.io".to_string(),
        _ => host,
    }
}

impl RegistryAuth {
    /// The `docker login` entries of the Docker CLI's config, where it has any.
    pub fn from_docker_config() -> RegistryAuth {
        let dir = std::env::var_os("DOCKER_CONFIG")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")));
        let Some(text) = dir.and_then(|d| std::fs::read(d.join("config.json")).ok()) else {
            return RegistryAuth::default();
        };
        RegistryAuth::from_config_json(&text)
    }

    fn from_config_json(text: &[u8]) -> RegistryAuth {
        let mut auth = RegistryAuth::default();
        let Ok(config) = serde_json::from_slice::<serde_json::Value>(text) else {
            return auth;
        };
        let Some(entries) = config.get("auths").and_then(|a| a.as_object()) else {
            return auth;
        };
        for (key, entry) in entries {
            let pair = entry
                .get("auth")
                .and_then(|a| a.as_str())
                .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())
                .and_then(|raw| {
                    let text = String::from_utf8(raw).ok()?;
                    let (user, password) = text.split_once(':')?;
                    Some((user.to_string(), password.to_string()))
                });
            if let Some((user, password)) = pair {
                crate::secrets::register(&password);
                auth.by_host.insert(host_of(key), (user, password));
            }
        }
        auth
    }

    /// Adds (or replaces) the credentials for `host`.
    pub fn with(mut self, host: &str, username: &str, password: &str) -> RegistryAuth {
        self.by_host
            .insert(host_of(host), (username.to_string(), password.to_string()));
        self
    }
}

#[tonic::async_trait]
impl Auth for RegistryAuth {
    async fn credentials(
        &self,
        request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        let (username, secret) = self
            .by_host
            .get(&host_of(&request.get_ref().host))
            .cloned()
            .unwrap_or_default();
        Ok(Response::new(CredentialsResponse { username, secret }))
    }

    async fn fetch_token(
        &self,
        _request: Request<FetchTokenRequest>,
    ) -> Result<Response<FetchTokenResponse>, Status> {
        Err(Status::unimplemented("the daemon fetches tokens itself"))
    }

    async fn get_token_authority(
        &self,
        _request: Request<GetTokenAuthorityRequest>,
    ) -> Result<Response<GetTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication disabled"))
    }

    async fn verify_token_authority(
        &self,
        _request: Request<VerifyTokenAuthorityRequest>,
    ) -> Result<Response<VerifyTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication disabled"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn docker_login_entries_answer_by_host_and_unknown_hosts_are_anonymous() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("AWS:authcanary-77x1");
        let config = format!(
            r#"{{"auths": {{"https://index.docker.io/v1/": {{"auth": "{encoded}"}}, "127.0.0.1:5101": {{"auth": "{encoded}"}}}}}}"#
        );
        let auth = RegistryAuth::from_config_json(config.as_bytes()).with(
            "123.dkr.ecr.us-east-1.amazonaws.com",
            "AWS",
            "ecrtoken",
        );
        let ask = |host: &str| {
            let auth = auth.clone();
            let host = host.to_string();
            async move {
                auth.credentials(Request::new(CredentialsRequest { host }))
                    .await
                    .unwrap()
                    .into_inner()
            }
        };
        assert_eq!(ask("registry-1.docker.io").await.secret, "authcanary-77x1");
        assert_eq!(ask("127.0.0.1:5101").await.username, "AWS");
        assert_eq!(
            ask("123.dkr.ecr.us-east-1.amazonaws.com").await.secret,
            "ecrtoken"
        );
        assert_eq!(ask("ghcr.io").await, CredentialsResponse::default());
        assert!(!format!("{auth:?}").contains("canary"));
        assert_eq!(crate::secrets::redact("authcanary-77x1"), "***");
    }
}
