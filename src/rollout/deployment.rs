//! The CodeDeploy side of one release: which deployment config shifts the traffic, and the
//! CreateDeployment request (AppSpec content, per-deployment automatic rollback).

use std::time::Duration;

use aws_sdk_codedeploy::types::{
    AppSpecContent, AutoRollbackConfiguration, AutoRollbackEvent, RevisionLocation,
    RevisionLocationType, TrafficRoutingConfig, TrafficRoutingType,
};
use serde::Serialize;

use super::appspec::AppSpec;
use crate::aws::AwsError;

/// How a deployment config moves production traffic to the new task set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum TrafficRouting {
    AllAtOnce,
    /// `percent` first, the rest after `interval`.
    Canary {
        percent: u32,
        #[serde(with = "secs")]
        interval: Duration,
    },
    /// `percent` more every `interval`.
    Linear {
        percent: u32,
        #[serde(with = "secs")]
        interval: Duration,
    },
}

mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

impl TrafficRouting {
    /// The routing of a predefined `CodeDeployDefault.ECS*` config (no API call needed).
    pub fn predefined(name: &str) -> Option<Self> {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        Some(match name {
            "CodeDeployDefault.ECSAllAtOnce" => TrafficRouting::AllAtOnce,
            "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" => TrafficRouting::Linear {
                percent: 10,
                interval: minutes(1),
            },
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes" => TrafficRouting::Linear {
                percent: 10,
                interval: minutes(3),
            },
            "CodeDeployDefault.ECSCanary10Percent5Minutes" => TrafficRouting::Canary {
                percent: 10,
                interval: minutes(5),
            },
            "CodeDeployDefault.ECSCanary10Percent15Minutes" => TrafficRouting::Canary {
                percent: 10,
                interval: minutes(15),
            },
            _ => return None,
        })
    }

    /// The routing a config NAME spells out, for the ECS deployment controller (which has no
    /// config objects): `…AllAtOnce`, `…Canary{P}Percent{M}Minutes`,
    /// `…Linear{P}PercentEvery{M}Minutes`, after `ECS` or a `.`/`-`/`_` (the predefined
    /// CodeDeploy names and the bundled stacks' custom ones read the same).
    pub fn from_name(name: &str) -> Option<Self> {
        static PATTERN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(r"(?:^|[.\-_])(?:ECS)?(?:(AllAtOnce)|Canary(\d+)Percent(\d+)Minutes?|Linear(\d+)PercentEvery(\d+)Minutes?)$")
                .expect("a valid pattern")
        });
        let caps = PATTERN.captures(name)?;
        let number = |i: usize| caps.get(i)?.as_str().parse::<u32>().ok();
        let minutes = |i: usize| number(i).map(|m| Duration::from_secs(60 * u64::from(m)));
        let routing = if caps.get(1).is_some() {
            TrafficRouting::AllAtOnce
        } else if let (Some(percent), Some(interval)) = (number(2), minutes(3)) {
            TrafficRouting::Canary { percent, interval }
        } else {
            TrafficRouting::Linear {
                percent: number(4)?,
                interval: minutes(5)?,
            }
        };
        let percent_ok = match routing {
            TrafficRouting::AllAtOnce => true,
            TrafficRouting::Canary { percent, .. } | TrafficRouting::Linear { percent, .. } => {
                (1..=99).contains(&percent)
            }
        };
        percent_ok.then_some(routing)
    }

    pub fn from_sdk(config: &TrafficRoutingConfig) -> Option<Self> {
        let minutes = |m: i32| Duration::from_secs(60 * m.max(0) as u64);
        match config.r#type() {
            Some(TrafficRoutingType::AllAtOnce) => Some(TrafficRouting::AllAtOnce),
            Some(TrafficRoutingType::TimeBasedCanary) => {
                config.time_based_canary().map(|c| TrafficRouting::Canary {
                    percent: c.canary_percentage().max(0) as u32,
                    interval: minutes(c.canary_interval()),
                })
            }
            Some(TrafficRoutingType::TimeBasedLinear) => {
                config.time_based_linear().map(|c| TrafficRouting::Linear {
                    percent: c.linear_percentage().max(0) as u32,
                    interval: minutes(c.linear_interval()),
                })
            }
            _ => None,
        }
    }

    /// Number of traffic shifts from 0 to 100 %.
    pub fn steps(&self) -> u32 {
        match *self {
            TrafficRouting::AllAtOnce => 1,
            TrafficRouting::Canary { .. } => 2,
            TrafficRouting::Linear { percent, .. } => 100u32.div_ceil(percent.max(1)),
        }
    }

    /// Which shift has happened when `weight` % of production traffic is on the new task set
    /// (0 before the first).
    pub fn step_at(&self, weight: f64) -> u32 {
        if weight <= 0.0 {
            return 0;
        }
        if weight >= 100.0 {
            return self.steps();
        }
        match *self {
            TrafficRouting::AllAtOnce | TrafficRouting::Canary { .. } => 1,
            TrafficRouting::Linear { percent, .. } => {
                ((weight / percent.max(1) as f64).round() as u32).clamp(1, self.steps())
            }
        }
    }

    /// How long each step holds before the next shift (`None` for all-at-once).
    pub fn interval(&self) -> Option<Duration> {
        match *self {
            TrafficRouting::AllAtOnce => None,
            TrafficRouting::Canary { interval, .. } | TrafficRouting::Linear { interval, .. } => {
                Some(interval)
            }
        }
    }

    pub fn describe(&self) -> String {
        match *self {
            TrafficRouting::AllAtOnce => "all traffic at once".into(),
            TrafficRouting::Canary { percent, interval } => format!(
                "canary: {percent}% first, the rest after {}",
                humantime::format_duration(interval)
            ),
            TrafficRouting::Linear { percent, interval } => format!(
                "linear: {percent}% more every {}",
                humantime::format_duration(interval)
            ),
        }
    }
}

/// The deployment config a service is released with, and where that choice came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigChoice {
    pub name: String,
    pub source: String,
}

/// `[[services]] deployment_config` beats `rollout.deployment_config` beats the group's own config
/// (deploy_targets).
pub fn choose_config(
    service: &str,
    service_override: Option<&str>,
    rollout_override: Option<&str>,
    from_targets: &str,
) -> ConfigChoice {
    if let Some(name) = service_override {
        ConfigChoice {
            name: name.into(),
            source: format!("platform.toml [[services]] {service}"),
        }
    } else if let Some(name) = rollout_override {
        ConfigChoice {
            name: name.into(),
            source: "platform.toml rollout.deployment_config".into(),
        }
    } else {
        ConfigChoice {
            name: from_targets.into(),
            source: "deploy_targets, the group's own config".into(),
        }
    }
}

/// Every event that rolls a deployment back automatically: its own failure, an alarm CodeDeploy
/// sees, and our StopDeployment.
pub const ROLLBACK_EVENTS: &[&str] = &[
    "DEPLOYMENT_FAILURE",
    "DEPLOYMENT_STOP_ON_ALARM",
    "DEPLOYMENT_STOP_ON_REQUEST",
];

/// CreateDeployment, in the API's JSON shape (what the dry run prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRequest {
    pub application_name: String,
    pub deployment_group_name: String,
    pub deployment_config_name: String,
    pub description: String,
    pub revision: Revision,
    pub auto_rollback_configuration: AutoRollback,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub revision_type: String,
    pub app_spec_content: AppSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoRollback {
    pub enabled: bool,
    pub events: Vec<String>,
}

impl DeploymentRequest {
    pub fn new(
        application: &str,
        group: &str,
        config: &str,
        description: String,
        appspec: AppSpec,
    ) -> Self {
        DeploymentRequest {
            application_name: application.into(),
            deployment_group_name: group.into(),
            deployment_config_name: config.into(),
            description,
            revision: Revision {
                revision_type: "AppSpecContent".into(),
                app_spec_content: appspec,
            },
            auto_rollback_configuration: AutoRollback {
                enabled: true,
                events: ROLLBACK_EVENTS.iter().map(|e| e.to_string()).collect(),
            },
        }
    }

    /// Sends it; returns the deployment id.
    pub async fn send(
        &self,
        codedeploy: &aws_sdk_codedeploy::Client,
        region: &str,
    ) -> Result<String, AwsError> {
        let revision = RevisionLocation::builder()
            .revision_type(RevisionLocationType::AppSpecContent)
            .app_spec_content(
                AppSpecContent::builder()
                    .content(&self.revision.app_spec_content.content)
                    .sha256(&self.revision.app_spec_content.sha256)
                    .build(),
            )
            .build();
        let rollback = AutoRollbackConfiguration::builder()
            .enabled(self.auto_rollback_configuration.enabled)
            .set_events(Some(
                self.auto_rollback_configuration
                    .events
                    .iter()
                    .map(|e| AutoRollbackEvent::from(e.as_str()))
                    .collect(),
            ))
            .build();
        let out = codedeploy
            .create_deployment()
            .application_name(&self.application_name)
            .deployment_group_name(&self.deployment_group_name)
            .deployment_config_name(&self.deployment_config_name)
            .description(&self.description)
            .revision(revision)
            .auto_rollback_configuration(rollback)
            .send()
            .await
            .map_err(|e| AwsError::new(region, "CodeDeploy CreateDeployment", e))?;
        out.deployment_id()
            .map(str::to_string)
            .ok_or_else(|| AwsError {
                region: region.into(),
                operation: "CodeDeploy CreateDeployment".into(),
                message: "the response carries no deploymentId".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_predefined_ecs_config_has_a_routing() {
        for name in crate::config::ECS_PREDEFINED_CONFIGS {
            assert!(TrafficRouting::predefined(name).is_some(), "{name}");
        }
    }

    #[test]
    fn an_ecs_strategy_reads_from_its_config_name() {
        for name in crate::config::ECS_PREDEFINED_CONFIGS {
            assert_eq!(
                TrafficRouting::from_name(name),
                TrafficRouting::predefined(name),
                "{name}"
            );
        }
        assert_eq!(
            TrafficRouting::from_name("ECSCanary20Percent3Minutes"),
            Some(TrafficRouting::Canary {
                percent: 20,
                interval: Duration::from_secs(180)
            })
        );
        assert_eq!(
            TrafficRouting::from_name("platform-Canary10Percent5Minutes"),
            TrafficRouting::predefined("CodeDeployDefault.ECSCanary10Percent5Minutes")
        );
        assert_eq!(
            TrafficRouting::from_name("shop-ECSLinear25PercentEvery2Minutes"),
            Some(TrafficRouting::Linear {
                percent: 25,
                interval: Duration::from_secs(120)
            })
        );
        for bad in [
            "shop-canary-10-5",
            "ECSCanary0Percent5Minutes",
            "ECSCanary100Percent5Minutes",
            "ECSLinear10Percent",
            "xECSAllAtOnce",
        ] {
            assert_eq!(TrafficRouting::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn steps_follow_the_weight() {
        let canary = TrafficRouting::Canary {
            percent: 10,
            interval: Duration::from_secs(300),
        };
        assert_eq!(
            (
                canary.step_at(0.0),
                canary.step_at(10.0),
                canary.step_at(100.0)
            ),
            (0, 1, 2)
        );
        let linear = TrafficRouting::Linear {
            percent: 30,
            interval: Duration::from_secs(60),
        };
        assert_eq!(linear.steps(), 4);
        assert_eq!(
            (
                linear.step_at(30.0),
                linear.step_at(60.0),
                linear.step_at(90.0)
            ),
            (1, 2, 3)
        );
    }

    #[test]
    fn the_most_specific_config_wins() {
        assert_eq!(choose_config("api", Some("a"), Some("b"), "c").name, "a");
        assert_eq!(choose_config("api", None, Some("b"), "c").name, "b");
        let from_group = choose_config("api", None, None, "c");
        assert_eq!(from_group.name, "c");
        assert!(from_group.source.contains("deploy_targets"));
    }
}
