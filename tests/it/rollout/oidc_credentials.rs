//! Credentials for long rollouts in GitHub Actions: a fresh ID token from the Actions runtime (a
//! wiremock server here) for the STS audience, AssumeRoleWithWebIdentity against the sandbox's STS
//! (moto), and a refresh before the session expires. Needs the stand-in: `eval "$(scripts/sandbox up)"`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use platform_deploy::aws::oidc::{GithubOidcCredentials, TokenEndpoint};
use platform_deploy::aws::{AwsSettings, sdk_config};
use wiremock::MockServer;

use crate::support::oidc::{self, REQUEST_TOKEN, token_endpoint};
use crate::support::sandbox;

const ROLE: &str = "arn:aws:iam::123456789012:role/platform-deploy-release";
fn provider(server: &MockServer, sts_url: &str) -> GithubOidcCredentials {
    // STS (and the stand-in) assume only roles that exist.
    crate::support::aws::role(sts_url, "platform-deploy-release", None);
    GithubOidcCredentials::new(
        TokenEndpoint {
            request_url: oidc::request_url(server),
            request_token: REQUEST_TOKEN.into(),
        },
        ROLE,
        "platform-deploy-4242",
        Duration::from_secs(900),
        GithubOidcCredentials::sts_client("us-east-1", Some(sts_url)),
    )
}

async fn token_requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test]
async fn the_role_is_assumed_with_an_id_token_for_the_sts_audience() {
    let url = sandbox::aws_url();
    let server = token_endpoint().await;
    let creds = provider(&server, &url).provide_credentials().await.unwrap();

    assert_eq!(
        token_requests(&server).await,
        1,
        "one ID token, for the STS audience, with the bearer token"
    );
    assert!(creds.session_token().is_some());
    let left = creds
        .expiry()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(800) && left <= Duration::from_secs(900),
        "{left:?}"
    );

    // The credentials are the role's: STS names the assumed role and the session.
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .http_client(platform_deploy::aws::http_client())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(creds)
            .build(),
    );
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/platform-deploy-release/platform-deploy-4242")
    );
}

#[tokio::test]
async fn a_refused_token_request_is_an_error_naming_the_runtime_answer() {
    let url = sandbox::aws_url();
    let server = token_endpoint().await;
    let bad = GithubOidcCredentials::new(
        TokenEndpoint {
            request_url: oidc::request_url(&server),
            request_token: "not-the-job-request-token".into(),
        },
        ROLE,
        "x",
        Duration::from_secs(900),
        GithubOidcCredentials::sts_client("us-east-1", Some(&url)),
    );
    let err = bad.fetch().await.unwrap_err().to_string();
    assert!(err.contains("requesting a GitHub ID token failed"), "{err}");
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(
        !err.contains("not-the-job-request-token"),
        "the request token never appears: {err}"
    );
}

/// A clock the test moves forward (the SDK's credentials cache reads it).
#[derive(Debug, Clone)]
struct Clock(Arc<Mutex<SystemTime>>);

impl aws_smithy_async::time::TimeSource for Clock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn the_sdk_refreshes_the_credentials_before_the_session_expires() {
    let url = sandbox::aws_url();
    let server = token_endpoint().await;
    // The wiring the command uses: the provider in AwsSettings, cached by the SDK.
    let settings = AwsSettings {
        endpoint_url: Some(url.clone()),
        credentials: Some(SharedCredentialsProvider::new(provider(&server, &url))),
        ..AwsSettings::default()
    };
    let config = sdk_config("us-east-1", &settings).await;
    let start = SystemTime::now();
    let clock = Clock(Arc::new(Mutex::new(start)));
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&config)
            .time_source(clock.clone())
            .build(),
    );
    let call = || async { sts.get_caller_identity().send().await.unwrap() };

    call().await;
    assert_eq!(token_requests(&server).await, 1);
    // Well inside the 15-minute session: the cached credentials are used.
    *clock.0.lock().unwrap() = start + Duration::from_secs(500);
    call().await;
    assert_eq!(
        token_requests(&server).await,
        1,
        "no exchange while the session is fresh"
    );
    // Two minutes before the session ends: a new ID token and a new session, before expiry.
    *clock.0.lock().unwrap() = start + Duration::from_secs(780);
    let me = call().await;
    assert_eq!(token_requests(&server).await, 2, "refreshed before expiry");
    assert!(
        me.arn()
            .unwrap()
            .contains("assumed-role/platform-deploy-release/")
    );
}
