//! AWS credentials from GitHub Actions OIDC that outlive the one-hour role session.
//!
//! `aws-actions/configure-aws-credentials` assumes the role once; a canary that waits longer than
//! the session then fails on an expired token. This provider does the exchange itself, every time
//! the SDK's credentials cache asks: a fresh ID token from the Actions runtime
//! (`GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com`, bearer
//! `$ACTIONS_ID_TOKEN_REQUEST_TOKEN`), then STS AssumeRoleWithWebIdentity. The cache refreshes
//! [`REFRESH_BEFORE_EXPIRY`] before the session expires, so waits of any length keep working.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};

use crate::secrets;

/// The audience AWS STS expects in a GitHub ID token.
pub const AUDIENCE: &str = "sts.amazonaws.com";

/// How long before expiry the SDK's credentials cache fetches new credentials.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// How long one exchange (ID token + AssumeRoleWithWebIdentity) may take.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error(
        "--role-to-assume needs GitHub Actions OIDC, but ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set\n  fix: give the job `permissions: id-token: write`, or drop --role-to-assume (PLATFORM_DEPLOY_ROLE_TO_ASSUME) and provide AWS credentials another way"
    )]
    NotInActions,
    #[error("requesting a GitHub ID token failed: {0}")]
    Token(String),
    #[error("STS AssumeRoleWithWebIdentity for {role} failed: {message}")]
    AssumeRole { role: String, message: String },
}

/// Where the Actions runtime hands out ID tokens.
#[derive(Clone)]
pub struct TokenEndpoint {
    pub request_url: String,
    pub request_token: String,
}

impl std::fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("request_url", &self.request_url)
            .field("request_token", &"** redacted **")
            .finish()
    }
}

impl TokenEndpoint {
    /// The endpoint of this job, if it may request ID tokens (`permissions: id-token: write`).
    pub fn of_runner(runner: &crate::runner::RunnerEnv) -> Option<Self> {
        let (request_url, request_token) = runner.id_token_request.clone()?;
        Some(TokenEndpoint {
            request_url,
            request_token,
        })
    }

    /// The request URL with the STS audience (the runtime's URL already carries a query).
    pub fn url_for_sts(&self) -> String {
        let sep = if self.request_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}audience={AUDIENCE}", self.request_url)
    }
}

/// Credentials for `role_arn`, re-assumed with a fresh GitHub ID token whenever the SDK's cache
/// needs them.
#[derive(Clone, Debug)]
pub struct GithubOidcCredentials {
    endpoint: TokenEndpoint,
    role_arn: String,
    session_name: String,
    session_duration: Duration,
    /// A client without credentials: AssumeRoleWithWebIdentity is an unsigned call.
    sts: aws_sdk_sts::Client,
}

impl GithubOidcCredentials {
    pub fn new(
        endpoint: TokenEndpoint,
        role_arn: &str,
        session_name: &str,
        session_duration: Duration,
        sts: aws_sdk_sts::Client,
    ) -> Self {
        secrets::register(&endpoint.request_token);
        GithubOidcCredentials {
            endpoint,
            role_arn: role_arn.to_string(),
            session_name: sanitize_session_name(session_name),
            session_duration,
            sts,
        }
    }

    /// An STS client for the exchange in `region` (no credentials; `endpoint_url` for stand-ins).
    pub fn sts_client(region: &str, endpoint_url: Option<&str>) -> aws_sdk_sts::Client {
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .http_client(crate::aws::http_client())
            .region(aws_sdk_sts::config::Region::new(region.to_string()))
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::standard().with_max_attempts(5));
        config.set_endpoint_url(endpoint_url.map(str::to_string));
        aws_sdk_sts::Client::from_conf(config.build())
    }

    /// A fresh ID token for the STS audience.
    pub async fn id_token(&self) -> Result<String, OidcError> {
        let octocrab = octocrab::Octocrab::builder()
            .build()
            .map_err(|e| OidcError::Token(e.to_string()))?;
        let mut headers = http::HeaderMap::new();
        let bearer = format!("Bearer {}", self.endpoint.request_token);
        headers.insert(
            http::header::AUTHORIZATION,
            bearer
                .parse()
                .map_err(|_| OidcError::Token("the request token is not a valid header".into()))?,
        );
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        let response = octocrab
            ._get_with_headers(self.endpoint.url_for_sts(), Some(headers))
            .await
            .map_err(|e| OidcError::Token(e.to_string()))?;
        let status = response.status();
        let body = octocrab
            .body_to_string(response)
            .await
            .map_err(|e| OidcError::Token(e.to_string()))?;
        if !status.is_success() {
            return Err(OidcError::Token(format!(
                "the Actions runtime answered HTTP {status}: {}",
                body.chars().take(300).collect::<String>()
            )));
        }
        let value: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| OidcError::Token(format!("the answer is not JSON: {e}")))?;
        let token = value["value"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OidcError::Token("the answer has no `value`".into()))?
            .to_string();
        secrets::register(&token);
        Ok(token)
    }

    /// One full exchange: ID token, then AssumeRoleWithWebIdentity.
    pub async fn fetch(&self) -> Result<Credentials, OidcError> {
        let token = self.id_token().await?;
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .web_identity_token(token)
            .duration_seconds(self.session_duration.as_secs().clamp(900, 43_200) as i32)
            .send()
            .await
            .map_err(|e| OidcError::AssumeRole {
                role: self.role_arn.clone(),
                message: crate::aws::error_message(&e),
            })?;
        let creds = out.credentials().ok_or_else(|| OidcError::AssumeRole {
            role: self.role_arn.clone(),
            message: "the answer carries no credentials".into(),
        })?;
        secrets::register(creds.secret_access_key());
        secrets::register(creds.session_token());
        let expiry = SystemTime::try_from(*creds.expiration()).ok();
        tracing::debug!(
            role = %self.role_arn,
            "assumed the role with a GitHub ID token; the session expires {}",
            creds.expiration()
        );
        Ok(Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_string()),
            expiry,
            "GitHubActionsOidc",
        ))
    }
}

impl ProvideCredentials for GithubOidcCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.fetch().await.map_err(CredentialsError::provider_error)
        })
    }
}

/// STS role session names: 2-64 of `[\w+=,.@-]`.
fn sanitize_session_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while s.len() < 2 {
        s.push('-');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_is_appended_to_the_runtime_url() {
        let e = TokenEndpoint {
            request_url:
                "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0".into(),
            request_token: "t".into(),
        };
        assert_eq!(
            e.url_for_sts(),
            "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0&audience=sts.amazonaws.com"
        );
        let bare = TokenEndpoint {
            request_url: "http://127.0.0.1:1/token".into(),
            request_token: "t".into(),
        };
        assert_eq!(
            bare.url_for_sts(),
            "http://127.0.0.1:1/token?audience=sts.amazonaws.com"
        );
        assert!(!format!("{e:?}").contains("\"t\""));
    }

    #[test]
    fn session_names_follow_the_sts_rule() {
        assert_eq!(
            sanitize_session_name("platform-deploy 42/7"),
            "platform-deploy-42-7"
        );
        assert_eq!(sanitize_session_name("").len(), 2);
        assert_eq!(sanitize_session_name(&"x".repeat(100)).len(), 64);
    }
}
