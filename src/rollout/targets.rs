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

/// One ECS service released through CodeDeploy blue/green (`deployment_controller` "CODE_DEPLOY";
/// services on the ECS controller are refused when the targets are read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceTarget {
    pub cluster_name: String,
    pub service_name: String,
    pub container_name: String,
    pub container_port: u16,
    pub task_family: String,
    pub desired_count: u32,
    pub codedeploy_app: String,
    pub deployment_group: String,
    /// The deployment config Terraform gave the group (a custom canary or linear one).
    pub deployment_config: String,
    #[serde(default)]
    pub target_groups: Vec<String>,
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
        "{origin}: service {service} in {region} is on the {controller} deployment controller; platform-deploy releases services on the CODE_DEPLOY controller\n  fix: set deployment_controller = \"CODE_DEPLOY\" for {service} in the {region} stack's services (the default) and apply it"
    )]
    Controller {
        origin: String,
        region: String,
        service: String,
        controller: String,
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
        refuse_other_controllers(origin, region, value)?;
        let targets: DeployTargets =
            serde_json::from_value(value.clone()).map_err(|e| TargetsError::Shape {
                origin: origin.to_string(),
                region: region.to_string(),
                message: e.to_string(),
            })?;
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

/// A service whose `deployment_controller` is not CODE_DEPLOY (absent: a stack from before the
/// field, CodeDeploy) would otherwise fail as a shape error on its null deployment group.
fn refuse_other_controllers(
    origin: &str,
    region: &str,
    value: &serde_json::Value,
) -> Result<(), TargetsError> {
    let services = value.get("services").and_then(serde_json::Value::as_object);
    for (service, target) in services.into_iter().flatten() {
        let controller = target
            .get("deployment_controller")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("CODE_DEPLOY");
        if controller != "CODE_DEPLOY" {
            return Err(TargetsError::Controller {
                origin: origin.to_string(),
                region: region.to_string(),
                service: service.clone(),
                controller: controller.to_string(),
            });
        }
    }
    Ok(())
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
    fn a_service_on_the_ecs_controller_is_refused_with_the_setting_to_change() {
        let mut value = sample("eu-west-1");
        value["services"]["api"]["deployment_controller"] = json!("ECS");
        value["services"]["api"]["codedeploy_app"] = json!(null);
        let err = DeployTargets::from_json("stack eu-west-1", "eu-west-1", &value)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("service api in eu-west-1 is on the ECS deployment controller")
                && err.contains("deployment_controller = \"CODE_DEPLOY\""),
            "{err}"
        );
        value["services"]["api"]["deployment_controller"] = json!("CODE_DEPLOY");
        value["services"]["api"]["codedeploy_app"] = json!("shop-euw1");
        assert!(DeployTargets::from_json("t", "eu-west-1", &value).is_ok());
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
