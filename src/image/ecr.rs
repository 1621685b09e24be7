//! ECR's control plane: the repository and replication pre-flight, existing tags, and registry
//! credentials from GetAuthorizationToken (masked the moment they arrive, cached until expiry).

use std::time::{Duration, SystemTime};

use aws_sdk_ecr::Client;
use aws_sdk_ecr::operation::describe_images::DescribeImagesError;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError;
use aws_sdk_ecr::types::{ImageIdentifier, ImageTagMutability, RepositoryFilterType};
use base64::Engine as _;
use serde::Serialize;
use tokio::sync::Mutex;

use super::ImageError;
use super::registry_io::Credentials;
use crate::runner::Workflow;

/// A token this close to its expiry is fetched again.
const EXPIRY_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Serialize)]
pub struct Repository {
    pub name: String,
    /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`
    pub uri: String,
    pub immutable: bool,
}

impl Repository {
    /// The registry host from the repository URI.
    pub fn registry(&self) -> &str {
        self.uri.split('/').next().unwrap_or(&self.uri)
    }
}

fn aws_error<E>(action: &str, region: &str, e: &aws_sdk_ecr::error::SdkError<E>) -> ImageError
where
    E: std::error::Error + aws_sdk_ecr::error::ProvideErrorMetadata + 'static,
{
    ImageError::Aws {
        action: action.to_string(),
        region: region.to_string(),
        message: crate::aws::error_message(e),
    }
}

fn region_of(ecr: &Client) -> String {
    ecr.config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "the configured region".into())
}

/// The repository, or `None` when it does not exist.
pub async fn repository(ecr: &Client, name: &str) -> Result<Option<Repository>, ImageError> {
    let region = region_of(ecr);
    match ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.repositories().first().map(|r| Repository {
            name: name.to_string(),
            uri: r.repository_uri().unwrap_or_default().to_string(),
            immutable: matches!(
                r.image_tag_mutability(),
                Some(ImageTagMutability::Immutable | ImageTagMutability::ImmutableWithExclusion)
            ),
        })),
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                matches!(s, DescribeRepositoriesError::RepositoryNotFoundException(_))
            }) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws_error("DescribeRepositories", &region, &e)),
    }
}

/// The DR regions the registry's replication configuration does not replicate `repository` to.
pub async fn replication_gaps(
    ecr: &Client,
    repository: &str,
    dr_regions: &[String],
) -> Result<Vec<String>, ImageError> {
    let region = region_of(ecr);
    let out = ecr
        .describe_registry()
        .send()
        .await
        .map_err(|e| aws_error("DescribeRegistry", &region, &e))?;
    let rules = out
        .replication_configuration()
        .map(|c| c.rules())
        .unwrap_or_default();
    let covered = |dr: &str| {
        rules.iter().any(|rule| {
            let applies = rule.repository_filters().is_empty()
                || rule.repository_filters().iter().any(|f| {
                    f.filter_type() == &RepositoryFilterType::PrefixMatch
                        && repository.starts_with(f.filter())
                });
            applies && rule.destinations().iter().any(|d| d.region() == dr)
        })
    };
    Ok(dr_regions
        .iter()
        .filter(|dr| !covered(dr))
        .cloned()
        .collect())
}

/// The digest `tag` points at in `repository`, or `None` when the tag does not exist.
pub async fn tag_digest(
    ecr: &Client,
    repository: &str,
    tag: &str,
) -> Result<Option<String>, ImageError> {
    find_image(
        ecr,
        repository,
        ImageIdentifier::builder().image_tag(tag).build(),
    )
    .await
}

/// Whether an image with `digest` exists in `repository` (a repository that does not exist yet, as
/// before replication created it, has no image).
pub async fn has_digest(ecr: &Client, repository: &str, digest: &str) -> Result<bool, ImageError> {
    Ok(find_image(
        ecr,
        repository,
        ImageIdentifier::builder().image_digest(digest).build(),
    )
    .await?
    .is_some())
}

async fn find_image(
    ecr: &Client,
    repository: &str,
    id: ImageIdentifier,
) -> Result<Option<String>, ImageError> {
    let region = region_of(ecr);
    match ecr
        .describe_images()
        .repository_name(repository)
        .image_ids(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .image_details()
            .first()
            .and_then(|d| d.image_digest())
            .map(str::to_string)),
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                matches!(
                    s,
                    DescribeImagesError::ImageNotFoundException(_)
                        | DescribeImagesError::RepositoryNotFoundException(_)
                )
            }) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws_error("DescribeImages", &region, &e)),
    }
}

/// Registry credentials from GetAuthorizationToken.
#[derive(Clone)]
pub struct RegistryToken {
    pub username: String,
    pub password: String,
    /// The registry host the token is for (from the proxy endpoint).
    pub endpoint: String,
    pub expires_at: Option<SystemTime>,
}

impl RegistryToken {
    pub fn credentials(&self, registry: &str) -> Credentials {
        Credentials {
            username: self.username.clone(),
            password: self.password.clone(),
            registry: registry.to_string(),
        }
    }

    /// Whether the token may be used again at `now`: only with a known expiry comfortably ahead.
    /// An expiry in the past (moto hands out 2015) means the token is used once and not kept.
    pub fn reusable_at(&self, now: SystemTime) -> bool {
        self.expires_at
            .is_some_and(|t| t.duration_since(now).is_ok_and(|left| left > EXPIRY_MARGIN))
    }
}

/// Fetches registry tokens, keeping one only until its expiry.
#[derive(Default)]
pub struct TokenCache {
    cached: Mutex<Option<RegistryToken>>,
}

impl TokenCache {
    pub fn new() -> Self {
        TokenCache::default()
    }

    pub async fn get(
        &self,
        ecr: &Client,
        workflow: &Workflow,
    ) -> Result<RegistryToken, ImageError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.reusable_at(SystemTime::now())
        {
            return Ok(token.clone());
        }
        let token = fetch_token(ecr, workflow).await?;
        *cached = token.reusable_at(SystemTime::now()).then(|| token.clone());
        Ok(token)
    }
}

async fn fetch_token(ecr: &Client, workflow: &Workflow) -> Result<RegistryToken, ImageError> {
    let region = region_of(ecr);
    let out = ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| aws_error("GetAuthorizationToken", &region, &e))?;
    let Some(data) = out.authorization_data().first() else {
        return Err(ImageError::Aws {
            action: "GetAuthorizationToken".into(),
            region,
            message: "the answer held no authorization data".into(),
        });
    };
    let token = data.authorization_token().unwrap_or_default();
    // Masked before anything else happens with it: the token, and the password inside it.
    workflow.mask(token);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let Some((username, password)) = decoded.split_once(':') else {
        return Err(ImageError::Aws {
            action: "GetAuthorizationToken".into(),
            region,
            message: "the authorization token is not base64 of USER:PASSWORD".into(),
        });
    };
    workflow.mask(password);
    let endpoint = data
        .proxy_endpoint()
        .unwrap_or_default()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let expires_at = data
        .expires_at()
        .and_then(|t| SystemTime::try_from(*t).ok());
    Ok(RegistryToken {
        username: username.to_string(),
        password: password.to_string(),
        endpoint,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecr::operation::get_authorization_token::GetAuthorizationTokenOutput;
    use aws_sdk_ecr::types::AuthorizationData;
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, create_mock_http_client, mock};
    use aws_smithy_types::DateTime;
    use std::sync::{Arc, Mutex as StdMutex};

    fn client(rule: &Rule) -> Client {
        let config = aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                "AKID", "SECRET", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(MockResponseInterceptor::new().with_rule(rule))
            .build();
        Client::from_conf(config)
    }

    fn token_rule(expires: DateTime, password: &'static str) -> Rule {
        mock!(Client::get_authorization_token).then_output(move || {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("AWS:{password}"));
            GetAuthorizationTokenOutput::builder()
                .authorization_data(
                    AuthorizationData::builder()
                        .authorization_token(token)
                        .proxy_endpoint("https://123456789012.dkr.ecr.us-east-1.amazonaws.com")
                        .expires_at(expires)
                        .build(),
                )
                .build()
        })
    }

    fn workflow() -> (Workflow, Arc<StdMutex<Vec<u8>>>) {
        let sink = Arc::new(StdMutex::new(Vec::new()));
        let env = crate::runner::RunnerEnv {
            in_actions: true,
            ..Default::default()
        };
        (Workflow::new(env, sink.clone()), sink)
    }

    #[tokio::test]
    async fn an_expiry_in_the_past_makes_the_token_single_use() {
        let rule = token_rule(DateTime::from_secs(1_420_070_400), "expired-token-2015");
        let ecr = client(&rule);
        let (workflow, sink) = workflow();
        let cache = TokenCache::new();
        let first = cache.get(&ecr, &workflow).await.unwrap();
        let second = cache.get(&ecr, &workflow).await.unwrap();
        assert_eq!(first.password, "expired-token-2015");
        assert_eq!(
            second.endpoint,
            "123456789012.dkr.ecr.us-east-1.amazonaws.com"
        );
        assert_eq!(
            rule.num_calls(),
            2,
            "a token that expired must not be reused"
        );
        let printed = String::from_utf8(sink.lock().unwrap().clone()).unwrap();
        assert!(
            printed.contains("::add-mask::expired-token-2015"),
            "{printed}"
        );
    }

    #[tokio::test]
    async fn a_token_valid_for_hours_is_fetched_once() {
        let later = SystemTime::now() + Duration::from_secs(12 * 3600);
        let rule = token_rule(DateTime::from(later), "fresh-token-value");
        let ecr = client(&rule);
        let (workflow, _) = workflow();
        let cache = TokenCache::new();
        for _ in 0..3 {
            assert_eq!(
                cache.get(&ecr, &workflow).await.unwrap().password,
                "fresh-token-value"
            );
        }
        assert_eq!(rule.num_calls(), 1);
    }

    #[test]
    fn a_token_about_to_expire_is_not_reused() {
        let now = SystemTime::now();
        let token = |expires_at| RegistryToken {
            username: "AWS".into(),
            password: "p".into(),
            endpoint: "e".into(),
            expires_at,
        };
        assert!(!token(None).reusable_at(now));
        assert!(!token(Some(now + Duration::from_secs(60))).reusable_at(now));
        assert!(token(Some(now + Duration::from_secs(3600))).reusable_at(now));
    }
}
