//! What each regional stack tells us about its services: the `deploy_targets` Terraform output.
//!
//! The value arrives as JSON (`terraform output -json`, the `value` of `deploy_targets`) and is
//! parsed here into typed structs; nothing in the rollout reads raw Terraform JSON after this.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One regional stack's `deploy_targets` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployTargets {
    pub region: String,
    pub is_dr: bool,
    /// "active" in the primary; a DR region's "standby", "active" or "draining".
    #[serde(default)]
    pub traffic_role: Option<String>,
    /// The region's chaos experiment templates (FIS template id by experiment name); empty where
    /// chaos is off.
    #[serde(default)]
    pub chaos_experiments: BTreeMap<String, String>,
    /// Repository NAME the services run (replicated from the primary region).
    pub ecr_repository: String,
    /// Keyed by service name (the names `[[services]]` in platform.toml refer to).
    pub services: BTreeMap<String, ServiceTarget>,
}

/// Who releases a service: a CodeDeploy deployment group, or Amazon ECS itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Controller {
    /// CodeDeploy blue/green (the default: stacks from before the field are CodeDeploy).
    #[default]
    #[serde(rename = "CODE_DEPLOY")]
    CodeDeploy,
    /// The ECS deployment controller's own blue/green, canary or linear deployments.
    #[serde(rename = "ECS")]
    Ecs,
}

impl Controller {
    /// The name the ECS API and Terraform use (`deployment_controller`).
    pub fn as_str(self) -> &'static str {
        match self {
            Controller::CodeDeploy => "CODE_DEPLOY",
            Controller::Ecs => "ECS",
        }
    }
}

impl std::fmt::Display for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ECS service and what releases it: CodeDeploy blue/green (`codedeploy_app`,
/// `deployment_group`) or the ECS deployment controller (the load balancer's advanced
/// configuration: alternate target group, listener rules, infrastructure role).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceTarget {
    pub cluster_name: String,
    pub service_name: String,
    pub container_name: String,
    pub container_port: u16,
    pub task_family: String,
    pub desired_count: u32,
    #[serde(default, rename = "deployment_controller")]
    pub controller: Controller,
    /// CodeDeploy only (null under the ECS controller).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub codedeploy_app: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub deployment_group: String,
    /// CodeDeploy: the config Terraform gave the group (a custom canary or linear one). ECS: the
    /// strategy as a config name (`ECSCanary10Percent5Minutes`, `ECSLinear10PercentEvery1Minutes`,
    /// `CodeDeployDefault.ECSAllAtOnce`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub deployment_config: String,
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// The blue and green target groups' ARNs (the first is the one the service was created with).
    #[serde(default)]
    pub target_group_arns: Vec<String>,
    /// ECS controller: the target group a deployment's new revision registers in.
    #[serde(default)]
    pub alternate_target_group_arn: Option<String>,
    /// ECS controller: the production listener rule whose weights ECS shifts.
    #[serde(default)]
    pub production_listener_rule_arn: Option<String>,
    /// ECS controller: the test listener rule (optional).
    #[serde(default)]
    pub test_listener_rule_arn: Option<String>,
    /// ECS controller: the role ECS uses to change the listener rules and invoke hooks.
    #[serde(default)]
    pub infrastructure_role_arn: Option<String>,
    #[serde(default)]
    pub prod_listener_arn: String,
    #[serde(default)]
    pub test_listener_arn: String,
    /// The alarms that gate a rollout of this service.
    #[serde(default)]
    pub alarm_names: Vec<String>,
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
}

impl ServiceTarget {
    /// The fields this service's controller needs that are empty.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        let empty = |v: &str| v.trim().is_empty();
        let none = |v: &Option<String>| v.as_deref().is_none_or(empty);
        let mut missing = Vec::new();
        match self.controller {
            Controller::CodeDeploy => {
                for (name, value) in [
                    ("codedeploy_app", &self.codedeploy_app),
                    ("deployment_group", &self.deployment_group),
                    ("deployment_config", &self.deployment_config),
                ] {
                    if empty(value) {
                        missing.push(name);
                    }
                }
            }
            Controller::Ecs => {
                if empty(&self.deployment_config) {
                    missing.push("deployment_config");
                }
                if self.target_group_arns.is_empty() {
                    missing.push("target_group_arns");
                }
                for (name, value) in [
                    (
                        "alternate_target_group_arn",
                        &self.alternate_target_group_arn,
                    ),
                    (
                        "production_listener_rule_arn",
                        &self.production_listener_rule_arn,
                    ),
                    ("infrastructure_role_arn", &self.infrastructure_role_arn),
                ] {
                    if none(value) {
                        missing.push(name);
                    }
                }
            }
        }
        missing
    }

    /// The CodeDeploy deployment group that releases this service.
    pub fn codedeploy_group(&self) -> crate::aws::history::DeploymentGroup<'_> {
        crate::aws::history::DeploymentGroup {
            app: &self.codedeploy_app,
            name: &self.deployment_group,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    #[error(
        "cannot read the deploy targets file {path}: {source}\n  fix: pass --targets with the path of a JSON file mapping each region to its stack's deploy_targets output"
    )]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} is not JSON: {source}\n  fix: write a JSON object such as {{\"us-east-1\": <terraform output -json deploy_targets>}}"
    )]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "{origin}: the deploy targets must be a JSON object keyed by region\n  fix: write {{\"us-east-1\": {{...}}, \"eu-west-1\": {{...}}}}"
    )]
    NotAMap { origin: String },
    #[error(
        "{origin}: deploy_targets of {region} does not have the expected shape: {message}\n  fix: the value must match the `deploy_targets` output of the bundled regional stacks (README, \"rollout\")"
    )]
    Shape {
        origin: String,
        region: String,
        message: String,
    },
    #[error(
        "{origin}: the entry for {key} describes region {region}\n  fix: key every entry by the region its deploy_targets output describes"
    )]
    RegionMismatch {
        origin: String,
        key: String,
        region: String,
    },
    #[error(
        "{origin}: service {service} in {region} is on the {controller} deployment controller but deploy_targets lacks {fields}\n  fix: apply the {region} stack (the bundled regional stacks output these fields for deployment_controller = \"{controller}\"), or add them to the file"
    )]
    MissingFields {
        origin: String,
        region: String,
        service: String,
        controller: Controller,
        fields: String,
    },
}

impl DeployTargets {
    /// Parses one `deploy_targets` value. Also accepts the output wrapper Terraform prints
    /// (`{"value": ..., "type": ..., "sensitive": false}`) and the whole `terraform output -json`
    /// object, so a file made with `terraform output -json` can be used as is.
    pub fn from_json(
        origin: &str,
        region: &str,
        value: &serde_json::Value,
    ) -> Result<Self, TargetsError> {
        let value = unwrap_output(value);
        let targets: DeployTargets =
            serde_json::from_value(value.clone()).map_err(|e| TargetsError::Shape {
                origin: origin.to_string(),
                region: region.to_string(),
                message: e.to_string(),
            })?;
        for (name, service) in &targets.services {
            let missing = service.missing_fields();
            if !missing.is_empty() {
                return Err(TargetsError::MissingFields {
                    origin: origin.to_string(),
                    region: region.to_string(),
                    service: name.clone(),
                    controller: service.controller,
                    fields: missing.join(", "),
                });
            }
        }
        if targets.region != region {
            return Err(TargetsError::RegionMismatch {
                origin: origin.to_string(),
                key: region.to_string(),
                region: targets.region,
            });
        }
        Ok(targets)
    }

    pub fn service(&self, name: &str) -> Option<&ServiceTarget> {
        self.services.get(name)
    }
}

/// A null string field (Terraform's `null` for the other controller's fields) reads as empty.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// `{"deploy_targets": {"value": X}}` and `{"value": X, "type": ...}` both become `X`.
fn unwrap_output(value: &serde_json::Value) -> &serde_json::Value {
    let mut value = value;
    if let Some(inner) = value.get("deploy_targets") {
        value = inner;
    }
    if value.get("value").is_some() && value.get("services").is_none() {
        value = &value["value"];
    }
    value
}

/// Parses the map region → deploy_targets (the `--targets` file, or what the stack orchestration
/// hands over).
pub fn parse_targets_map(
    origin: &str,
    value: &serde_json::Value,
) -> Result<BTreeMap<String, DeployTargets>, TargetsError> {
    let map = value.as_object().ok_or_else(|| TargetsError::NotAMap {
        origin: origin.to_string(),
    })?;
    map.iter()
        .map(|(region, v)| Ok((region.clone(), DeployTargets::from_json(origin, region, v)?)))
        .collect()
}

/// Reads the `--targets` file.
pub fn load_targets_file(path: &Path) -> Result<BTreeMap<String, DeployTargets>, TargetsError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| TargetsError::Read {
        path: shown.clone(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| TargetsError::Json {
            path: shown.clone(),
            source,
        })?;
    parse_targets_map(&shown, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample(region: &str) -> serde_json::Value {
        json!({
            "region": region,
            "is_dr": false,
            "ecr_repository": "shop/api",
            "services": {
                "api": {
                    "cluster_name": "shop-use1", "service_name": "api", "container_name": "app",
                    "container_port": 8080, "task_family": "shop-api", "desired_count": 3,
                    "codedeploy_app": "shop-use1", "deployment_group": "api",
                    "deployment_config": "shop-canary-10-5",
                    "target_groups": ["api-blue", "api-green"],
                    "prod_listener_arn": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2",
                    "test_listener_arn": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/3",
                    "alarm_names": ["shop-api-5xx"], "subnets": ["subnet-1"], "security_groups": ["sg-1"]
                }
            }
        })
    }

    #[test]
    fn parses_the_terraform_output_value_and_its_wrappers() {
        let plain = DeployTargets::from_json("t", "us-east-1", &sample("us-east-1")).unwrap();
        assert_eq!(plain.services["api"].container_port, 8080);
        assert_eq!(plain.services["api"].alarm_names, vec!["shop-api-5xx"]);
        let wrapped =
            json!({"value": sample("us-east-1"), "type": ["object", {}], "sensitive": false});
        assert_eq!(
            DeployTargets::from_json("t", "us-east-1", &wrapped).unwrap(),
            plain
        );
        let whole = json!({"deploy_targets": wrapped, "edge_origin": {"value": {}}});
        assert_eq!(
            DeployTargets::from_json("t", "us-east-1", &whole).unwrap(),
            plain
        );
    }

    #[test]
    fn a_service_on_the_ecs_controller_needs_its_advanced_configuration() {
        let mut value = sample("eu-west-1");
        let api = &mut value["services"]["api"];
        api["deployment_controller"] = json!("ECS");
        api["codedeploy_app"] = json!(null);
        api["deployment_group"] = json!(null);
        let err = DeployTargets::from_json("stack eu-west-1", "eu-west-1", &value)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("service api in eu-west-1 is on the ECS deployment controller")
                && err.contains("target_group_arns, alternate_target_group_arn, production_listener_rule_arn, infrastructure_role_arn")
                && err.contains("apply the eu-west-1 stack"),
            "{err}"
        );
        let api = &mut value["services"]["api"];
        api["target_group_arns"] = json!(["arn:tg/blue", "arn:tg/green"]);
        api["alternate_target_group_arn"] = json!("arn:tg/green");
        api["production_listener_rule_arn"] = json!("arn:rule/prod");
        api["infrastructure_role_arn"] = json!("arn:aws:iam::1:role/infra");
        let parsed = DeployTargets::from_json("t", "eu-west-1", &value).unwrap();
        assert_eq!(parsed.services["api"].controller, Controller::Ecs);
        assert_eq!(parsed.services["api"].codedeploy_app, "");
    }

    #[test]
    fn an_unknown_controller_is_a_shape_error_naming_it() {
        let mut value = sample("eu-west-1");
        value["services"]["api"]["deployment_controller"] = json!("EXTERNAL");
        let err = DeployTargets::from_json("t", "eu-west-1", &value)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("EXTERNAL") && err.contains("eu-west-1"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_field_names_the_region_and_the_field() {
        let mut v = sample("eu-west-1");
        v["services"]["api"]
            .as_object_mut()
            .unwrap()
            .remove("deployment_group");
        let err = parse_targets_map("targets.json", &json!({"eu-west-1": v})).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("eu-west-1"), "{text}");
        assert!(text.contains("deployment_group"), "{text}");
    }

    #[test]
    fn an_entry_keyed_by_the_wrong_region_is_refused() {
        let err = parse_targets_map("f", &json!({"eu-west-1": sample("us-east-1")})).unwrap_err();
        assert!(matches!(err, TargetsError::RegionMismatch { .. }), "{err}");
    }
}
