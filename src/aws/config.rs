//! One `SdkConfig` per region with explicit retries and timeouts, on one HTTPS client per process.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// Settings shared by every region's client.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Overrides every service endpoint (tests, LocalStack-like stand-ins). `AWS_ENDPOINT_URL` is
    /// honoured by the SDK itself; this is the flag form.
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    /// Replaces the standard credential chain (e.g. [`super::oidc::GithubOidcCredentials`]);
    /// its credentials are cached and refreshed [`super::oidc::REFRESH_BEFORE_EXPIRY`] before
    /// they expire.
    pub credentials: Option<SharedCredentialsProvider>,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            endpoint_url: None,
            // Throttling and 5xx during a 40-minute canary must not lose the deployment.
            max_attempts: 8,
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(30),
            credentials: None,
        }
    }
}

/// The HTTPS client of every SDK client and credential provider: hyper with rustls on ring (the
/// crate does not compile the SDK's bundled aws-lc client). One per process, so connections pool.
pub fn http_client() -> SharedHttpClient {
    static CLIENT: std::sync::OnceLock<SharedHttpClient> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https()
        })
        .clone()
}

/// Loads the standard credential chain for `region` with our retry and timeout settings.
pub async fn sdk_config(region: &str, settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new(region.to_string()))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(settings.max_attempts)
                .with_initial_backoff(Duration::from_millis(500))
                .with_max_backoff(Duration::from_secs(20)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(settings.connect_timeout)
                .operation_attempt_timeout(settings.attempt_timeout)
                .build(),
        );
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(provider) = &settings.credentials {
        loader = loader
            .credentials_provider(provider.clone())
            .identity_cache(
                IdentityCache::lazy()
                    .buffer_time(super::oidc::REFRESH_BEFORE_EXPIRY)
                    .load_timeout(super::oidc::LOAD_TIMEOUT)
                    .build(),
            );
    }
    loader.load().await
}
