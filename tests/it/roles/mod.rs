//! The pipeline roles against the code. terraform/modules/github-oidc/actions.json lists what each
//! role's commands call, and the module builds the role policies from it; these tests keep that list
//! true: every SDK call in a role's sources is listed (and nothing is listed that no source sends),
//! every file of src/ that calls AWS belongs to a role, and the apply role manages every service
//! namespace the bundled stacks' resource types live in.
//!
//! SDK clients are named after their service wherever they are called (`ecs.describe_services()`,
//! `aws.rds.describe_db_clusters()`), which is what makes the calls findable here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::Value;

use crate::support::fs::repo;

const INVENTORY: &str = "terraform/modules/github-oidc/actions.json";

/// The client names used in src/ and the IAM namespace of each.
const CLIENTS: &[(&str, &str)] = &[
    ("cloudwatch", "cloudwatch"),
    ("codedeploy", "codedeploy"),
    ("ecr", "ecr"),
    ("ecs", "ecs"),
    ("elb", "elasticloadbalancing"),
    ("fis", "fis"),
    ("rds", "rds"),
    ("route53", "route53"),
    ("ssm", "ssm"),
    ("sts", "sts"),
];

/// Client methods that are not AWS operations.
const CLIENT_METHODS: &[&str] = &["config", "clone"];

/// Calls that no role's policy grants: the web identity exchange is authorised by the role's trust
/// policy, before there is a role session.
const UNAUTHENTICATED: &[&str] = &["sts:AssumeRoleWithWebIdentity"];

fn inventory() -> Value {
    let path = repo().join(INVENTORY);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{INVENTORY}: {e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{INVENTORY}: expected a list, found {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// The files under `path` (or `path` itself) whose names end in `suffix`, sorted; `tests` folders (module
/// tests, not the product) and hidden ones are skipped.
fn files_ending(path: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for entry in entries {
            let name = entry.file_name().unwrap().to_string_lossy().to_string();
            if !(entry.is_dir() && (name == "tests" || name.starts_with('.'))) {
                files_ending(&entry, suffix, out);
            }
        }
    } else if path.to_string_lossy().ends_with(suffix) {
        out.push(path.to_path_buf());
    }
}

/// `describe_db_clusters` → `DescribeDbClusters` (IAM action names compare case-insensitively).
fn pascal(op: &str) -> String {
    op.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The AWS actions the files under `paths` (relative to the repository) send, each with the files
/// that send it, in IAM's lower case. Unit tests (from `#[cfg(test)]` on) are not the product.
fn sdk_calls(paths: &[String]) -> BTreeMap<String, BTreeSet<String>> {
    let names: Vec<&str> = CLIENTS.iter().map(|(n, _)| *n).collect();
    let call = Regex::new(&format!(r"\b({})\.([a-z][a-z0-9_]*)\(\)", names.join("|"))).unwrap();
    let mut files = Vec::new();
    for p in paths {
        let path = repo().join(p);
        assert!(path.exists(), "{INVENTORY} names {p}, which does not exist");
        files_ending(&path, ".rs", &mut files);
    }
    let chained = Regex::new(r"\s+\.").unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let product = text.split("#[cfg(test)]").next().unwrap();
        // A call chained over lines (`ecs\n    .update_service()`) is joined at its dot only:
        // removing every space would glue `match ecs` into one word.
        let flat = chained.replace_all(product, ".");
        let rel = file.strip_prefix(repo()).unwrap().display().to_string();
        for m in call.captures_iter(&flat) {
            if CLIENT_METHODS.contains(&&m[2]) {
                continue;
            }
            let namespace = CLIENTS.iter().find(|(n, _)| *n == &m[1]).unwrap().1;
            let action = format!("{namespace}:{}", pascal(&m[2])).to_lowercase();
            if UNAUTHENTICATED.iter().any(|u| u.to_lowercase() == action) {
                continue;
            }
            out.entry(action).or_default().insert(rel.clone());
        }
    }
    out
}

/// The actions a role lists for its own calls (`sdk`), in lower case.
fn listed_sdk_actions(role: &Value) -> BTreeSet<String> {
    role["sdk"]
        .as_object()
        .map(|groups| {
            groups
                .values()
                .flat_map(strings)
                .map(|a| a.to_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

fn sources(role: &Value) -> Vec<String> {
    role.get("sources").map(strings).unwrap_or_default()
}

fn describe(calls: &BTreeMap<String, BTreeSet<String>>, actions: &BTreeSet<String>) -> String {
    actions
        .iter()
        .map(|a| {
            let files: Vec<_> = calls
                .get(a)
                .map(|f| f.iter().cloned().collect())
                .unwrap_or_default();
            if files.is_empty() {
                format!("  {a}")
            } else {
                format!("  {a} (sent by {})", files.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_deploy_role_lists_exactly_the_calls_of_push_rollout_rollback_and_status() {
    let inv = inventory();
    let deploy = &inv["deploy"];
    let calls = sdk_calls(&sources(deploy));
    let sent: BTreeSet<String> = calls.keys().cloned().collect();
    let listed = listed_sdk_actions(deploy);

    let missing: BTreeSet<_> = sent.difference(&listed).cloned().collect();
    assert!(
        missing.is_empty(),
        "the deploy commands send calls that {INVENTORY} (deploy.sdk) does not grant; add them to the group \
         of the resources they act on:\n{}",
        describe(&calls, &missing)
    );
    let unused: BTreeSet<_> = listed.difference(&sent).cloned().collect();
    assert!(
        unused.is_empty(),
        "{INVENTORY} (deploy.sdk) grants actions nothing in the deploy role's sources sends; remove them:\n{}",
        describe(&calls, &unused)
    );
    // The calls a real first run needs, by name: the stand-ins never refused their absence.
    for needed in [
        "codedeploy:getdeploymentgroup",
        "codedeploy:listdeployments",
        "codedeploy:batchgetdeployments",
        "codedeploy:listdeploymenttargets",
        "codedeploy:getdeploymenttarget",
        "ecr:describeregistry",
    ] {
        assert!(listed.contains(needed), "{needed} is not granted");
    }
}

#[test]
fn every_group_of_the_deploy_role_names_resources_the_module_scopes() {
    let inv = inventory();
    let deploy = &inv["deploy"];
    let policies =
        std::fs::read_to_string(repo().join("terraform/modules/github-oidc/policies.tf")).unwrap();
    let sdk: BTreeSet<&String> = deploy["sdk"].as_object().unwrap().keys().collect();
    let implied: BTreeSet<&String> = deploy["implied"].as_object().unwrap().keys().collect();
    assert!(
        sdk.is_disjoint(&implied),
        "{INVENTORY}: a group is both in deploy.sdk and deploy.implied (the policy would keep one): {:?}",
        sdk.intersection(&implied).collect::<Vec<_>>()
    );
    for group in sdk.iter().chain(&implied) {
        let scope = format!("\n    {group} ");
        assert!(
            policies.contains(&scope),
            "{INVENTORY}: group {group} needs an entry (sid and resources) in deploy_scopes of policies.tf"
        );
    }
    for (group, implied) in deploy["implied"].as_object().unwrap() {
        assert!(
            implied["for"].as_str().is_some_and(|s| !s.is_empty()),
            "{INVENTORY}: deploy.implied.{group} must say which request needs it (\"for\")"
        );
    }
}

#[test]
fn failover_calls_are_granted_to_the_apply_role_it_runs_as() {
    let inv = inventory();
    let apply = &inv["apply"];
    let services: BTreeSet<String> = strings(&apply["services"]).into_iter().collect();
    let calls = sdk_calls(&sources(apply));
    assert!(
        calls.contains_key("rds:switchoverglobalcluster") && calls.contains_key("ssm:putparameter"),
        "the failover sources no longer show the Aurora switchover and the traffic-role write: {calls:?}"
    );
    let outside: BTreeSet<String> = calls
        .keys()
        .filter(|a| !services.contains(a.split(':').next().unwrap()))
        .cloned()
        .collect();
    assert!(
        outside.is_empty(),
        "failover (the apply role) sends calls in namespaces apply.services of {INVENTORY} does not hold:\n{}",
        describe(&calls, &outside)
    );
}

#[test]
fn every_file_that_calls_aws_belongs_to_a_role() {
    let inv = inventory();
    let mut covered: Vec<String> = Vec::new();
    for role in ["plan", "apply", "deploy"] {
        covered.extend(sources(&inv[role]));
    }
    let calls = sdk_calls(&["src".to_string()]);
    let mut stray = Vec::new();
    for (action, files) in &calls {
        if UNAUTHENTICATED.iter().any(|u| u.to_lowercase() == *action) {
            continue;
        }
        for file in files {
            if !covered.iter().any(|c| file.starts_with(c.as_str())) {
                stray.push(format!("  {file} sends {action}"));
            }
        }
    }
    assert!(
        stray.is_empty(),
        "these calls belong to no role of {INVENTORY}; add the file to the sources of the role its command \
         runs as:\n{}",
        stray.join("\n")
    );
}

/// Resource and data source type prefixes of the AWS provider and their IAM namespaces; the longest
/// prefix wins. `None`: no API call (computed locally or from the provider's configuration).
const NAMESPACES: &[(&str, Option<&str>)] = &[
    ("aws_api_gateway_", Some("apigateway")),
    ("aws_apigatewayv2_", Some("apigateway")),
    ("aws_appautoscaling_", Some("application-autoscaling")),
    ("aws_backup_", Some("backup")),
    ("aws_caller_identity", None),
    ("aws_cloudfront_", Some("cloudfront")),
    ("aws_cloudwatch_", Some("cloudwatch")),
    ("aws_cloudwatch_event_", Some("events")),
    ("aws_cloudwatch_log_", Some("logs")),
    ("aws_codedeploy_", Some("codedeploy")),
    ("aws_db_", Some("rds")),
    ("aws_default_security_group", Some("ec2")),
    ("aws_dynamodb_", Some("dynamodb")),
    ("aws_ecr_", Some("ecr")),
    ("aws_ecs_", Some("ecs")),
    ("aws_eip", Some("ec2")),
    ("aws_elb_service_account", None),
    ("aws_fis_", Some("fis")),
    ("aws_flow_log", Some("ec2")),
    ("aws_iam_", Some("iam")),
    ("aws_iam_policy_document", None),
    ("aws_internet_gateway", Some("ec2")),
    ("aws_kms_", Some("kms")),
    ("aws_lambda_", Some("lambda")),
    ("aws_lb", Some("elasticloadbalancing")),
    ("aws_nat_gateway", Some("ec2")),
    ("aws_partition", None),
    ("aws_rds_", Some("rds")),
    ("aws_region", None),
    ("aws_route", Some("ec2")),
    ("aws_route53_", Some("route53")),
    ("aws_route_table", Some("ec2")),
    ("aws_s3_", Some("s3")),
    ("aws_sfn_", Some("states")),
    ("aws_secretsmanager_", Some("secretsmanager")),
    ("aws_security_group", Some("ec2")),
    ("aws_shield_", Some("shield")),
    ("aws_sns_", Some("sns")),
    ("aws_sqs_", Some("sqs")),
    ("aws_ssm_", Some("ssm")),
    ("aws_subnet", Some("ec2")),
    ("aws_vpc", Some("ec2")),
    ("aws_wafv2_", Some("wafv2")),
    ("aws_xray_", Some("xray")),
];

/// Namespaces the apply role holds in full: iam and s3 are granted separately, on the platform's names.
const SCOPED_SEPARATELY: &[&str] = &["iam", "s3"];

/// The namespace of every resource and data source type of the bundled stacks, with one file that uses it.
fn terraform_namespaces() -> BTreeMap<String, String> {
    let block = Regex::new(r#"(?m)^(?:resource|data)\s+"(aws_[a-z0-9_]+)""#).unwrap();
    let mut files = Vec::new();
    files_ending(&repo().join("terraform"), ".tf", &mut files);
    let mut out = BTreeMap::new();
    let mut unknown = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file.strip_prefix(repo()).unwrap().display().to_string();
        for m in block.captures_iter(&text) {
            let ty = &m[1];
            match NAMESPACES
                .iter()
                .filter(|(prefix, _)| ty.starts_with(prefix))
                .max_by_key(|(prefix, _)| prefix.len())
            {
                Some((_, Some(ns))) => {
                    out.entry(ns.to_string()).or_insert_with(|| rel.clone());
                }
                Some((_, None)) => {}
                None => unknown.push(format!("  {ty} ({rel})")),
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "resource types without a namespace in NAMESPACES of tests/it/roles/mod.rs; add them:\n{}",
        unknown.join("\n")
    );
    out
}

#[test]
fn the_apply_role_manages_every_namespace_the_bundled_stacks_use_and_no_other() {
    let inv = inventory();
    let services: BTreeSet<String> = strings(&inv["apply"]["services"]).into_iter().collect();
    let implied: BTreeMap<String, String> = inv["apply"]["implied"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let used = terraform_namespaces();
    // Namespaces the stand-ins never checked and a real apply needs (DynamoDB and Lambda of the
    // WebSocket API, the DR traffic-role parameter).
    for ns in ["dynamodb", "lambda", "ssm"] {
        assert!(
            used.contains_key(ns),
            "the bundled stacks no longer use {ns}"
        );
    }
    let missing: Vec<String> = used
        .iter()
        .filter(|(ns, _)| !services.contains(*ns) && !SCOPED_SEPARATELY.contains(&ns.as_str()))
        .map(|(ns, file)| format!("  {ns} (e.g. {file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "the bundled stacks manage resources in namespaces apply.services of {INVENTORY} lacks:\n{}",
        missing.join("\n")
    );
    let unused: Vec<&String> = services
        .iter()
        .filter(|ns| !used.contains_key(*ns) && !implied.contains_key(*ns))
        .collect();
    assert!(
        unused.is_empty(),
        "apply.services of {INVENTORY} holds namespaces no resource type of terraform/ uses (remove them, or \
         say in apply.implied which resource needs them): {unused:?}"
    );
    for (ns, why) in &implied {
        assert!(
            services.contains(ns) && !why.is_empty(),
            "apply.implied.{ns} must be in apply.services and say which resource needs it"
        );
    }
}
