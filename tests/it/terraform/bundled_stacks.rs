//! The bundled platform (terraform/) planned offline through platform-deploy, as the tests and
//! `deploy --dry-run --offline` do: the resources the platform promises are in the plans, and the
//! DR region is the cost-optimised standby the design describes. Needs terraform on PATH and the
//! sandbox's provider mirror (`eval "$(scripts/sandbox up)"`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::process::platform_deploy;
use crate::support::terraform;

/// Resource type → how many the plan creates, plus the planned values by address.
struct Plan {
    counts: BTreeMap<String, usize>,
    resources: Vec<Value>,
}

impl Plan {
    fn count(&self, ty: &str) -> usize {
        self.counts.get(ty).copied().unwrap_or(0)
    }

    fn of_type(&self, ty: &str) -> Vec<&Value> {
        self.resources.iter().filter(|r| r["type"] == ty).collect()
    }
}

fn plan_all() -> BTreeMap<String, Plan> {
    terraform::require_terraform();
    terraform::cli_config();
    let out_dir = tempfile::tempdir().unwrap();
    let out = platform_deploy()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--config",
            "examples/shop/platform.toml",
            "plan",
            "--offline",
            "--out-dir",
        ])
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ["us-east-1", "eu-west-1", "global"]
        .iter()
        .map(|stack| {
            (
                stack.to_string(),
                read(&out_dir.path().join(format!("{stack}.json"))),
            )
        })
        .collect()
}

fn read(path: &Path) -> Plan {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut counts = BTreeMap::new();
    let mut resources = Vec::new();
    for rc in json["resource_changes"].as_array().unwrap() {
        if rc["mode"] == "managed" && rc["change"]["actions"] == serde_json::json!(["create"]) {
            *counts
                .entry(rc["type"].as_str().unwrap().to_string())
                .or_insert(0) += 1;
            resources.push(serde_json::json!({"type": rc["type"], "address": rc["address"], "after": rc["change"]["after"]}));
        }
    }
    Plan { counts, resources }
}

#[test]
fn the_bundled_platform_plans_offline_with_every_promised_part() {
    let plans = plan_all();
    for region in ["us-east-1", "eu-west-1"] {
        let p = &plans[region];
        for ty in [
            "aws_vpc",
            "aws_ecs_cluster",
            "aws_codedeploy_deployment_config",
            "aws_secretsmanager_secret",
            "aws_rds_cluster",
            "aws_apigatewayv2_api",
        ] {
            assert!(p.count(ty) >= 1, "{region} plans no {ty}");
        }
        assert!(
            p.count("aws_subnet") >= 4,
            "{region}: public and private subnets in 2+ AZs"
        );
        let azs: std::collections::BTreeSet<&str> = p
            .of_type("aws_subnet")
            .iter()
            .filter_map(|s| s["after"]["availability_zone"].as_str())
            .collect();
        assert!(azs.len() >= 2, "{region}: subnets span {azs:?}");
        let lbs = p.of_type("aws_lb");
        assert!(
            lbs.iter().any(|l| l["after"]["internal"] == false),
            "{region}: a public ALB"
        );
        assert!(
            lbs.iter().any(|l| l["after"]["internal"] == true),
            "{region}: an internal ALB"
        );
        let services = p.of_type("aws_ecs_service");
        assert!(
            services.len() >= 2,
            "{region}: the api and payments services"
        );
        assert_eq!(
            p.count("aws_lb_target_group"),
            2 * services.len(),
            "{region}: a blue and a green group per service"
        );
        for s in &services {
            // api through CodeDeploy, payments released by ECS itself: both backends in every deploy.
            let expected = if s["address"]
                .as_str()
                .unwrap_or_default()
                .contains("[\"payments\"]")
            {
                "ECS"
            } else {
                "CODE_DEPLOY"
            };
            assert_eq!(
                s["after"]["deployment_controller"][0]["type"], expected,
                "{region}: {}",
                s["address"]
            );
            assert_eq!(
                s["after"]["network_configuration"][0]["assign_public_ip"], false,
                "{region}: {}",
                s["address"]
            );
        }
        for g in p.of_type("aws_codedeploy_deployment_group") {
            assert_eq!(
                g["after"]["deployment_style"][0]["deployment_type"],
                "BLUE_GREEN"
            );
            assert_eq!(
                g["after"]["deployment_style"][0]["deployment_option"],
                "WITH_TRAFFIC_CONTROL"
            );
            assert_eq!(g["after"]["alarm_configuration"][0]["enabled"], true);
            assert!(
                !g["after"]["alarm_configuration"][0]["alarms"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
        }
        let alarms: Vec<String> = p
            .of_type("aws_cloudwatch_metric_alarm")
            .iter()
            .map(|a| {
                a["after"]["alarm_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert!(
            alarms.iter().any(|a| a.contains("5xx")),
            "{region}: a 5xx-rate alarm in {alarms:?}"
        );
        assert!(
            alarms.iter().any(|a| a.contains("p95")),
            "{region}: a p95 latency alarm in {alarms:?}"
        );
        let websocket = p.of_type("aws_apigatewayv2_api");
        assert!(
            websocket
                .iter()
                .any(|a| a["after"]["protocol_type"] == "WEBSOCKET"),
            "{region}: WebSocket API"
        );
    }

    // The DR region is a standby: no tasks, no NAT, a read-only secondary of the global database.
    let (primary, dr) = (&plans["us-east-1"], &plans["eu-west-1"]);
    assert!(primary.count("aws_nat_gateway") >= 1);
    // `failover` flips the DR region through this parameter; it starts on standby.
    let roles = dr.of_type("aws_ssm_parameter");
    assert!(
        roles
            .iter()
            .any(|p| p["after"]["name"] == "/platform/traffic-role"
                && p["after"]["value"] == "standby"),
        "the DR stack creates its traffic-role parameter on standby"
    );
    assert_eq!(
        primary.count("aws_ssm_parameter"),
        0,
        "the primary is always active"
    );
    assert_eq!(
        dr.count("aws_nat_gateway"),
        0,
        "no NAT in DR until failover"
    );
    assert!(
        primary
            .of_type("aws_ecs_service")
            .iter()
            .all(|s| s["after"]["desired_count"].as_u64() > Some(0))
    );
    assert!(
        dr.of_type("aws_ecs_service")
            .iter()
            .all(|s| s["after"]["desired_count"] == 0),
        "DR runs 0 tasks"
    );
    assert_eq!(primary.count("aws_rds_global_cluster"), 1);
    assert_eq!(dr.count("aws_rds_global_cluster"), 0);
    let secondary = &dr.of_type("aws_rds_cluster")[0]["after"];
    assert!(
        secondary["global_cluster_identifier"].is_string(),
        "DR joins the global cluster"
    );
    assert!(
        secondary["master_password"].is_null() && secondary["master_username"].is_null(),
        "no credentials in DR"
    );
    assert_eq!(
        primary.count("aws_backup_plan"),
        1,
        "cross-region backups from the primary"
    );
    assert!(
        primary.count("aws_fis_experiment_template") >= 5,
        "chaos experiments in the primary"
    );
    assert_eq!(dr.count("aws_fis_experiment_template"), 0);

    // The edge.
    let global = &plans["global"];
    let cf = &global.of_type("aws_cloudfront_distribution")[0]["after"];
    assert!(
        !cf["origin_group"].as_array().unwrap().is_empty(),
        "CloudFront fails over between regions"
    );
    let acl = &global.of_type("aws_wafv2_web_acl")[0]["after"];
    assert_eq!(acl["scope"], "CLOUDFRONT");
    let rules = acl["rule"].to_string();
    assert!(
        rules.contains("managed_rule_group_statement") && rules.contains("rate_based_statement"),
        "WAF rules"
    );
    assert!(global.count("aws_route53_health_check") >= 2);
    let records: Vec<&Value> = global.of_type("aws_route53_record");
    assert!(
        records.iter().any(|r| !r["after"]["latency_routing_policy"]
            .as_array()
            .is_none_or(|a| a.is_empty())),
        "latency records"
    );
    assert!(
        records
            .iter()
            .any(|r| !r["after"]["failover_routing_policy"]
                .as_array()
                .is_none_or(|a| a.is_empty())),
        "failover records"
    );
    let replication = global.of_type("aws_ecr_replication_configuration")[0]["after"].to_string();
    assert!(
        replication.contains("eu-west-1"),
        "ECR replicates to eu-west-1"
    );
    assert_eq!(global.count("aws_iam_openid_connect_provider"), 1);
    let roles: Vec<&str> = global
        .of_type("aws_iam_role")
        .iter()
        .filter_map(|r| r["after"]["name"].as_str())
        .collect();
    for role in ["plan", "apply", "deploy"] {
        assert!(
            roles.iter().any(|r| r.ends_with(role)),
            "a {role} role in {roles:?}"
        );
    }
    assert_eq!(
        global.count("aws_shield_protection"),
        0,
        "Shield Advanced is off by default"
    );
}
