//! AWS client setup: one `SdkConfig` per region with explicit retries and timeouts, built once and
//! handed to the steps as concrete clients.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
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
    /// Replaces the standard credential chain (e.g. [`crate::aws_oidc::GithubOidcCredentials`]);
    /// its credentials are cached and refreshed [`crate::aws_oidc::REFRESH_BEFORE_EXPIRY`] before
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

/// An SDK error in one line: `Code: message` when AWS answered with an error (what a user acts on, e.g.
/// an AccessDenied naming the action and the resource), the error's whole chain otherwise (timeouts,
/// connection and TLS errors, where the cause is deep in it).
pub fn error_message<E>(err: &E) -> String
where
    E: std::error::Error + ProvideErrorMetadata,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// Whether an [`error_message`] is AWS refusing the caller the action: retrying does not help, the
/// role's policy has to change.
pub fn is_access_denied(message: &str) -> bool {
    [
        "AccessDenied:",
        "AccessDeniedException:",
        "UnauthorizedOperation:",
    ]
    .iter()
    .any(|code| message.starts_with(code))
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
                    .buffer_time(crate::aws_oidc::REFRESH_BEFORE_EXPIRY)
                    .load_timeout(crate::aws_oidc::LOAD_TIMEOUT)
                    .build(),
            );
    }
    loader.load().await
}

/// The clients of one region.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub region: String,
    pub ecr: aws_sdk_ecr::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub codedeploy: aws_sdk_codedeploy::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl RegionClients {
    pub fn from_config(config: &SdkConfig) -> Self {
        RegionClients {
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            ecr: aws_sdk_ecr::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            codedeploy: aws_sdk_codedeploy::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
        }
    }
}

/// What DescribeServices says of one ECS service.
#[derive(Debug, Clone)]
pub enum LiveService {
    /// The service that runs (ECS reports it ACTIVE).
    Found(Box<aws_sdk_ecs::types::Service>),
    /// None is: ECS's reason (a failure such as MISSING), or the status of what is left of it.
    Missing(String),
}

/// The live ECS service `name` of `cluster`. A deleted service lingers in DescribeServices as
/// INACTIVE, one being deleted as DRAINING: neither runs a release, so neither is the live service.
/// This is the one definition every reader (pre-flight, rollback, status, failover health) uses.
pub async fn live_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
) -> Result<
    LiveService,
    aws_sdk_ecs::error::SdkError<aws_sdk_ecs::operation::describe_services::DescribeServicesError>,
> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await?;
    let gone =
        |s: &aws_sdk_ecs::types::Service| matches!(s.status(), Some("INACTIVE" | "DRAINING"));
    if let Some(service) = out.services().iter().find(|s| !gone(s)) {
        return Ok(LiveService::Found(Box::new(service.clone())));
    }
    let reason = out
        .failures()
        .first()
        .and_then(|f| f.reason())
        .map(str::to_string)
        .or_else(|| {
            out.services()
                .first()
                .and_then(|s| s.status())
                .map(|status| format!("it is {status}"))
        })
        .unwrap_or_else(|| "not found".into());
    Ok(LiveService::Missing(reason))
}

/// The ids of a deployment group's deployments with one of `statuses` (any status when empty), as
/// CodeDeploy lists them (newest first), following its pages until `at_least` ids are in hand (every
/// page when `None`).
pub async fn deployment_ids(
    codedeploy: &aws_sdk_codedeploy::Client,
    app: &str,
    group: &str,
    statuses: &[aws_sdk_codedeploy::types::DeploymentStatus],
    at_least: Option<usize>,
) -> Result<
    Vec<String>,
    aws_sdk_codedeploy::error::SdkError<
        aws_sdk_codedeploy::operation::list_deployments::ListDeploymentsError,
    >,
> {
    let mut ids: Vec<String> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = codedeploy
            .list_deployments()
            .application_name(app)
            .deployment_group_name(group)
            .set_include_only_statuses((!statuses.is_empty()).then(|| statuses.to_vec()))
            .set_next_token(next.take())
            .send()
            .await?;
        ids.extend(out.deployments().iter().cloned());
        let enough = at_least.is_some_and(|n| ids.len() >= n);
        match out.next_token() {
            Some(t) if !t.is_empty() && !enough => next = Some(t.to_string()),
            _ => return Ok(ids),
        }
    }
}

/// Clients for every region of the platform, keyed by region code.
pub async fn clients_for(
    regions: &[&str],
    settings: &AwsSettings,
) -> BTreeMap<String, RegionClients> {
    let mut out = BTreeMap::new();
    for region in regions {
        let config = sdk_config(region, settings).await;
        out.insert(region.to_string(), RegionClients::from_config(&config));
    }
    out
}
