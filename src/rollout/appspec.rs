//! The AppSpec a CodeDeploy ECS deployment carries: which task definition, container and port take
//! traffic, and the service's launch settings. CodeDeploy applies what the AppSpec says to the new
//! task set and drops what it omits (a capacity provider strategy left out is gone), so the
//! settings are copied from the live service.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::ECS_HOOKS;

/// The parts of a live ECS service (DescribeServices) that a deployment must carry over.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceSnapshot {
    pub service_arn: String,
    pub task_definition: String,
    pub desired_count: i32,
    pub deployment_controller: Option<String>,
    pub launch_type: Option<String>,
    pub platform_version: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: Option<String>,
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityProviderItem {
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

impl ServiceSnapshot {
    pub fn from_sdk(service: &aws_sdk_ecs::types::Service) -> Self {
        let awsvpc = service
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration());
        ServiceSnapshot {
            service_arn: service.service_arn().unwrap_or_default().to_string(),
            task_definition: service.task_definition().unwrap_or_default().to_string(),
            desired_count: service.desired_count(),
            deployment_controller: service
                .deployment_controller()
                .map(|d| d.r#type().as_str().to_string()),
            launch_type: service.launch_type().map(|l| l.as_str().to_string()),
            platform_version: service.platform_version().map(str::to_string),
            subnets: awsvpc.map(|a| a.subnets().to_vec()).unwrap_or_default(),
            security_groups: awsvpc
                .map(|a| a.security_groups().to_vec())
                .unwrap_or_default(),
            assign_public_ip: awsvpc
                .and_then(|a| a.assign_public_ip())
                .map(|a| a.as_str().to_string()),
            capacity_provider_strategy: service
                .capacity_provider_strategy()
                .iter()
                .map(|c| CapacityProviderItem {
                    capacity_provider: c.capacity_provider().to_string(),
                    weight: c.weight(),
                    base: c.base(),
                })
                .collect(),
        }
    }
}

/// What goes into one AppSpec.
#[derive(Debug, Clone)]
pub struct AppSpecInput<'a> {
    pub task_definition_arn: &'a str,
    pub container_name: &'a str,
    pub container_port: u16,
    pub service: &'a ServiceSnapshot,
    /// The new task definition's networkMode: a network configuration applies to `awsvpc` only.
    pub network_mode: Option<&'a str>,
    /// From deploy_targets: what Terraform wants now. Empty means "as the service has it".
    pub subnets: &'a [String],
    pub security_groups: &'a [String],
    /// Lifecycle hook → Lambda function ARN (platform.toml `[[services]] hooks`).
    pub hooks: &'a BTreeMap<String, String>,
}

/// The AppSpec content (JSON) and its SHA-256, as CreateDeployment takes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppSpec {
    pub content: String,
    pub sha256: String,
}

pub fn render(input: &AppSpecInput<'_>) -> AppSpec {
    let mut properties = serde_json::Map::new();
    properties.insert("TaskDefinition".into(), json!(input.task_definition_arn));
    properties.insert(
        "LoadBalancerInfo".into(),
        json!({"ContainerName": input.container_name, "ContainerPort": input.container_port}),
    );
    if let Some(version) = &input.service.platform_version {
        properties.insert("PlatformVersion".into(), json!(version));
    }
    let subnets = if input.subnets.is_empty() {
        &input.service.subnets
    } else {
        input.subnets
    };
    let security_groups = if input.security_groups.is_empty() {
        &input.service.security_groups
    } else {
        input.security_groups
    };
    if input.network_mode == Some("awsvpc") && !subnets.is_empty() {
        let mut awsvpc = serde_json::Map::new();
        awsvpc.insert("Subnets".into(), json!(subnets));
        if !security_groups.is_empty() {
            awsvpc.insert("SecurityGroups".into(), json!(security_groups));
        }
        awsvpc.insert(
            "AssignPublicIp".into(),
            json!(
                input
                    .service
                    .assign_public_ip
                    .as_deref()
                    .unwrap_or("DISABLED")
            ),
        );
        properties.insert(
            "NetworkConfiguration".into(),
            json!({"AwsvpcConfiguration": Value::Object(awsvpc)}),
        );
    }
    if !input.service.capacity_provider_strategy.is_empty() {
        let strategy: Vec<Value> = input
            .service
            .capacity_provider_strategy
            .iter()
            .map(|c| json!({"Base": c.base, "CapacityProvider": c.capacity_provider, "Weight": c.weight}))
            .collect();
        properties.insert("CapacityProviderStrategy".into(), Value::Array(strategy));
    }
    let mut spec = json!({
        "version": 0.0,
        "Resources": [{
            "TargetService": {
                "Type": "AWS::ECS::Service",
                "Properties": Value::Object(properties),
            }
        }]
    });
    // In the order CodeDeploy runs them.
    let hooks: Vec<Value> = ECS_HOOKS
        .iter()
        .filter_map(|name| input.hooks.get(*name).map(|arn| json!({ *name: arn })))
        .collect();
    if !hooks.is_empty() {
        spec["Hooks"] = Value::Array(hooks);
    }
    let content = serde_json::to_string_pretty(&spec).expect("JSON serializes");
    let sha256 = hex::encode(Sha256::digest(content.as_bytes()));
    AppSpec { content, sha256 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fargate_service() -> ServiceSnapshot {
        ServiceSnapshot {
            service_arn: "arn:aws:ecs:us-east-1:1:service/c/api".into(),
            task_definition: "arn:aws:ecs:us-east-1:1:task-definition/shop-api:7".into(),
            desired_count: 3,
            deployment_controller: Some("CODE_DEPLOY".into()),
            launch_type: None,
            platform_version: Some("1.4.0".into()),
            subnets: vec!["subnet-old".into()],
            security_groups: vec!["sg-old".into()],
            assign_public_ip: Some("DISABLED".into()),
            capacity_provider_strategy: vec![
                CapacityProviderItem {
                    capacity_provider: "FARGATE".into(),
                    weight: 1,
                    base: 1,
                },
                CapacityProviderItem {
                    capacity_provider: "FARGATE_SPOT".into(),
                    weight: 3,
                    base: 0,
                },
            ],
        }
    }

    #[test]
    fn carries_network_capacity_providers_platform_version_and_hooks() {
        let service = fargate_service();
        let hooks = BTreeMap::from([
            (
                "AfterAllowTestTraffic".to_string(),
                "arn:aws:lambda:us-east-1:1:function:smoke".to_string(),
            ),
            (
                "BeforeInstall".to_string(),
                "arn:aws:lambda:us-east-1:1:function:pre".to_string(),
            ),
        ]);
        let subnets = vec!["subnet-a".to_string(), "subnet-b".to_string()];
        let spec = render(&AppSpecInput {
            task_definition_arn: "arn:aws:ecs:us-east-1:1:task-definition/shop-api:8",
            container_name: "app",
            container_port: 8080,
            service: &service,
            network_mode: Some("awsvpc"),
            subnets: &subnets,
            security_groups: &[],
            hooks: &hooks,
        });
        let v: Value = serde_json::from_str(&spec.content).unwrap();
        let props = &v["Resources"][0]["TargetService"]["Properties"];
        assert_eq!(
            props["TaskDefinition"],
            "arn:aws:ecs:us-east-1:1:task-definition/shop-api:8"
        );
        assert_eq!(props["LoadBalancerInfo"]["ContainerPort"], 8080);
        assert_eq!(props["PlatformVersion"], "1.4.0");
        // deploy_targets' subnets win; the service's security groups fill the gap.
        assert_eq!(
            props["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"],
            json!(["subnet-a", "subnet-b"])
        );
        assert_eq!(
            props["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"],
            json!(["sg-old"])
        );
        assert_eq!(
            props["CapacityProviderStrategy"][1],
            json!({"Base": 0, "CapacityProvider": "FARGATE_SPOT", "Weight": 3})
        );
        // Hooks in execution order, not alphabetical.
        assert_eq!(
            v["Hooks"],
            json!([
                {"BeforeInstall": "arn:aws:lambda:us-east-1:1:function:pre"},
                {"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:1:function:smoke"}
            ])
        );
        assert_eq!(
            spec.sha256,
            hex::encode(Sha256::digest(spec.content.as_bytes()))
        );
    }

    #[test]
    fn an_ec2_bridge_service_gets_no_network_configuration() {
        let service = ServiceSnapshot {
            launch_type: Some("EC2".into()),
            ..ServiceSnapshot::default()
        };
        // Even when deploy_targets names subnets: bridge-mode tasks take none.
        let subnets = vec!["subnet-a".to_string()];
        let spec = render(&AppSpecInput {
            task_definition_arn: "td",
            container_name: "app",
            container_port: 80,
            service: &service,
            network_mode: Some("bridge"),
            subnets: &subnets,
            security_groups: &[],
            hooks: &BTreeMap::new(),
        });
        let v: Value = serde_json::from_str(&spec.content).unwrap();
        let props = &v["Resources"][0]["TargetService"]["Properties"];
        assert!(props.get("NetworkConfiguration").is_none());
        assert!(props.get("CapacityProviderStrategy").is_none());
        assert!(v.get("Hooks").is_none());
    }
}
