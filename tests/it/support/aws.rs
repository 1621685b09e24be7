//! SDK clients against an AWS stand-in (the sandbox's, or a moto server of a test's own). Mock
//! clients (aws-smithy-mocks) live with the simulations that answer them: rollout/sim.rs and
//! failover/scenarios.rs.

/// SDK settings for the AWS stand-in at `url` in `region`, with its test credentials; add to them
/// (e.g. a retry configuration) before `.load().await`.
pub fn stand_in(url: &str, region: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(platform_deploy::aws::http_client())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "stand-in",
        ))
}
