//! Registry credentials the daemon asks the session for (`moby.filesync.v1.Auth/Credentials`)
//! when a build pulls a private base image or pushes its cache, found as the Docker CLI finds
//! them: the push's ECR token first, then the credential helper `$DOCKER_CONFIG/config.json`
//! names for the registry (`credHelpers`, else `credsStore`; `docker-credential-NAME get`, run
//! when the daemon asks), else the inline `docker login` entry (`auths`). A registry with none of
//! them is used anonymously.

use std::collections::{BTreeSet, HashMap};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use bollard_buildkit_proto::moby::filesync::v1::auth_server::Auth;
use bollard_buildkit_proto::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use tokio::io::AsyncWriteExt;
use tonic::{Request, Response, Status};

use crate::image::registry_io::Credentials;

/// How long a credential helper may take (one that unlocks a keychain can be slow, not endless).
const HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// What BuildKit is given for a registry: a username and password, or an identity token as the
/// secret with no username.
type Login = (String, String);

#[derive(Default, Clone)]
pub struct RegistryAuth {
    /// Given by platform-deploy itself (the push's ECR token): these win.
    given: HashMap<String, Login>,
    /// The config's `credHelpers`: the helper for one registry.
    helpers: HashMap<String, String>,
    /// The config's `credsStore`: the helper for every registry without its own.
    store: Option<String>,
    /// The config's inline `auths` entries, for registries no helper covers.
    stored: HashMap<String, Login>,
    /// What the helpers answered, so each is run once per registry and build.
    answered: Arc<tokio::sync::Mutex<HashMap<String, Login>>>,
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("given", &self.given.keys().collect::<Vec<_>>())
            .field("helpers", &self.helpers)
            .field("store", &self.store)
            .field("stored", &self.stored.keys().collect::<Vec<_>>())
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

/// The server a credential helper is asked about: Docker Hub under the CLI's old index address
/// (what `docker login` stored it as), any other registry by its host.
fn helper_server(host: &str) -> String {
    if host == "registry-1.docker.io" {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    }
}

impl RegistryAuth {
    /// The logins and credential helpers of the Docker CLI's config, where it has any.
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
        auth.store = config
            .get("credsStore")
            .and_then(|s| s.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(helpers) = config.get("credHelpers").and_then(|h| h.as_object()) {
            for (key, helper) in helpers {
                if let Some(helper) = helper.as_str().filter(|h| !h.is_empty()) {
                    auth.helpers.insert(host_of(key), helper.to_string());
                }
            }
        }
        let entries = config.get("auths").and_then(|a| a.as_object());
        for (key, entry) in entries.into_iter().flatten() {
            if let Some(login) = stored_login(entry) {
                crate::secrets::register(&login.1);
                auth.stored.insert(host_of(key), login);
            }
        }
        auth
    }

    /// Adds (or replaces) the credentials for `host`, ahead of anything the config holds.
    pub fn with(mut self, host: &str, username: &str, password: &str) -> RegistryAuth {
        self.given
            .insert(host_of(host), (username.to_string(), password.to_string()));
        self
    }

    /// The logins a build uses: the push's own (its ECR token) first, then the Docker config's.
    pub fn for_build(push: Option<&Credentials>) -> RegistryAuth {
        let auth = RegistryAuth::from_docker_config();
        match push {
            Some(c) => auth.with(&c.registry, &c.username, &c.password),
            None => auth,
        }
    }

    /// Every login, by server address, in the form the Engine API's `X-Registry-Config` takes,
    /// the helpers asked up front: the legacy builder cannot ask during the build, so it gets
    /// them all with the request, as the Docker CLI sends them.
    pub async fn for_engine(&self) -> HashMap<String, DockerCredentials> {
        let mut hosts: BTreeSet<String> = self
            .given
            .keys()
            .chain(self.helpers.keys())
            .chain(self.stored.keys())
            .cloned()
            .collect();
        if let Some(store) = &self.store {
            match list_helper(store).await {
                Ok(servers) => hosts.extend(servers.iter().map(|s| host_of(s))),
                Err(why) => tracing::warn!("the logins of credential store `{store}`: {why}"),
            }
        }
        let mut all = HashMap::new();
        for host in hosts {
            let (username, secret) = self.login(&host).await;
            if username.is_empty() && secret.is_empty() {
                continue; // the helper has nothing for it
            }
            let server = helper_server(&host);
            let credentials = if username.is_empty() {
                DockerCredentials {
                    identitytoken: Some(secret),
                    serveraddress: Some(server.clone()),
                    ..Default::default()
                }
            } else {
                DockerCredentials {
                    username: Some(username),
                    password: Some(secret),
                    serveraddress: Some(server.clone()),
                    ..Default::default()
                }
            };
            all.insert(server, credentials);
        }
        all
    }

    /// The login for `host`, asking its credential helper the first time.
    async fn login(&self, host: &str) -> Login {
        let host = host_of(host);
        if let Some(login) = self.given.get(&host) {
            return login.clone();
        }
        let Some(helper) = self.helpers.get(&host).or(self.store.as_ref()) else {
            return self.stored.get(&host).cloned().unwrap_or_default();
        };
        let mut answered = self.answered.lock().await;
        if let Some(login) = answered.get(&host) {
            return login.clone();
        }
        let login = match ask_helper(helper, &helper_server(&host)).await {
            Ok(login) => login.unwrap_or_default(),
            Err(why) => {
                let stored = self.stored.get(&host).cloned();
                tracing::warn!(
                    "registry credentials for {host}: {why}; the build uses {}",
                    if stored.is_some() {
                        "the config's `auths` entry"
                    } else {
                        "it anonymously"
                    }
                );
                stored.unwrap_or_default()
            }
        };
        answered.insert(host, login.clone());
        login
    }
}

/// An `auths` entry: `auth` (base64 of `user:password`) or an `identitytoken`.
fn stored_login(entry: &serde_json::Value) -> Option<Login> {
    if let Some(token) = entry
        .get("identitytoken")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
    {
        return Some((String::new(), token.to_string()));
    }
    let raw = entry
        .get("auth")
        .and_then(|a| a.as_str())
        .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Runs `docker-credential-HELPER ACTION` with `input` on stdin, as the Docker CLI does: its
/// stdout, or `None` when the helper has nothing for that server.
async fn run_helper(helper: &str, action: &str, input: &str) -> Result<Option<Vec<u8>>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = tokio::process::Command::new(&program)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!("the Docker config names the credential helper `{helper}`, but {program} cannot be run ({e}); install it on PATH or remove it from the config")
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its answer below.
        let _ = stdin.write_all(input.as_bytes()).await;
    }
    let out = tokio::time::timeout(HELPER_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            format!(
                "{program} gave no answer within {}s",
                HELPER_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("{program}: {e}"))?;
    if out.status.success() {
        return Ok(Some(out.stdout));
    }
    let said = format!(
        "{} {}",
        String::from_utf8_lossy(&out.stdout).trim(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    if said.contains("credentials not found") {
        return Ok(None);
    }
    Err(format!(
        "{program} {action} failed ({}): {}",
        out.status,
        said.trim()
    ))
}

/// The login a helper holds for `server`, masked from here on.
async fn ask_helper(helper: &str, server: &str) -> Result<Option<Login>, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer {
        username: String,
        secret: String,
    }
    let Some(stdout) = run_helper(helper, "get", server).await? else {
        return Ok(None);
    };
    let answer: Answer = serde_json::from_slice(&stdout).map_err(|e| {
        format!("docker-credential-{helper} answered with something other than credentials: {e}")
    })?;
    crate::secrets::register(&answer.secret);
    // The CLI's convention for an identity token (a refresh token, not a password).
    if answer.username == "<token>" {
        Ok(Some((String::new(), answer.secret)))
    } else {
        Ok(Some((answer.username, answer.secret)))
    }
}

/// The servers a credential store holds logins for (`docker-credential-STORE list`).
async fn list_helper(helper: &str) -> Result<Vec<String>, String> {
    let stdout = run_helper(helper, "list", "").await?.unwrap_or_default();
    let servers: HashMap<String, String> = serde_json::from_slice(&stdout).map_err(|e| {
        format!("docker-credential-{helper} list answered with something other than a list: {e}")
    })?;
    Ok(servers.into_keys().collect())
}

#[tonic::async_trait]
impl Auth for RegistryAuth {
    async fn credentials(
        &self,
        request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        let (username, secret) = self.login(&request.get_ref().host).await;
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

    #[tokio::test]
    async fn the_push_token_wins_and_an_unrunnable_helper_falls_back_to_the_inline_login() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("AWS:inlinecanary-31q");
        let config = format!(
            r#"{{"credsStore": "pd-absent-store", "credHelpers": {{"ghcr.io": "pd-absent-helper"}},
                "auths": {{"127.0.0.1:5101": {{"auth": "{encoded}"}}, "ghcr.io": {{"identitytoken": "tokcanary-8k"}}}}}}"#
        );
        let auth = RegistryAuth::from_config_json(config.as_bytes()).with(
            "123.dkr.ecr.us-east-1.amazonaws.com",
            "AWS",
            "ecrtoken",
        );
        assert_eq!(
            auth.login("123.dkr.ecr.us-east-1.amazonaws.com").await,
            ("AWS".to_string(), "ecrtoken".to_string())
        );
        assert_eq!(
            auth.login("127.0.0.1:5101").await,
            ("AWS".to_string(), "inlinecanary-31q".to_string())
        );
        // An identity token goes to BuildKit as the secret, with no username.
        assert_eq!(
            auth.login("ghcr.io").await,
            (String::new(), "tokcanary-8k".to_string())
        );
        assert_eq!(auth.login("quay.io").await, Login::default());
        assert!(!format!("{auth:?}").contains("canary"));
    }
}
