//! The clients of one region, built once from its `SdkConfig` and handed to every step: rollout,
//! rollback, status, push, chaos and failover all take this one bundle.

use std::collections::BTreeMap;

use aws_types::SdkConfig;

use super::config::{AwsSettings, sdk_config};

/// The clients of one region. Building a client sends nothing, so every command gets the whole
/// bundle and uses the services it needs.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub region: String,
    pub ecr: aws_sdk_ecr::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub codedeploy: aws_sdk_codedeploy::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub rds: aws_sdk_rds::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub fis: aws_sdk_fis::Client,
    /// Route53 is global; any region's client reaches it.
    pub route53: aws_sdk_route53::Client,
}

impl RegionClients {
    pub fn from_config(config: &SdkConfig) -> Self {
        RegionClients {
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            ecr: aws_sdk_ecr::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            codedeploy: aws_sdk_codedeploy::Client::new(config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(config),
            rds: aws_sdk_rds::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
            fis: aws_sdk_fis::Client::new(config),
            route53: aws_sdk_route53::Client::new(config),
        }
    }

    /// Clients of `region` that reach no endpoint: every call fails at once with a connection error.
    /// Scenario tests replace the clients they drive and leave the rest like this
    /// (`RegionClients { rds, ..RegionClients::unreachable("eu-west-1") }`).
    pub fn unreachable(region: &str) -> Self {
        let config = SdkConfig::builder()
            .region(aws_types::region::Region::new(region.to_string()))
            .endpoint_url("http://127.0.0.1:9")
            .behavior_version(aws_config::BehaviorVersion::latest())
            .http_client(super::http_client())
            .build();
        RegionClients::from_config(&config)
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
