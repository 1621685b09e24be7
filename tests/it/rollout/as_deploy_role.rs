//! The rollout as the bundled deploy role. terraform applies `terraform/modules/github-oidc` into the AWS
//! stand-in, which enforces IAM on role sessions (the account's static keys stay root); the binary assumes
//! the deploy role the way it does in Actions (an ID token from a local token endpoint, then STS
//! AssumeRoleWithWebIdentity) and rolls out with only what that role's policy allows. Without one of the
//! permissions it uses, the same command fails and names the action.
//! Needs terraform with the provider mirror and the stand-in: `eval "$(scripts/sandbox up)"`.

use std::path::Path;
use std::process::Command;

use platform_deploy::aws::RegionClients;

use platform_deploy::config::{GatePoint, gate_parameter_path};
use platform_deploy::rollout::gate::Gate;

use super::analysis::{groups, traffic};
use super::ecs_native::ecs_platform_in_moto;
use super::gates::{cli_dir, opened};
use super::moto::{binary, cli_setup, rollout_args};
use super::moto_world::{REGION, platform_in_moto};
use crate::support::fs::repo;
use crate::support::names::unique;
use crate::support::{aws, oidc, sandbox, terraform};

const ACCOUNT: &str = "123456789012";

/// The module's roles under `prefix`, applied as the account; returns the deploy role's ARN.
/// `extra` adds arguments to the module call.
fn apply_bundled_roles(url: &str, prefix: &str, dir: &Path, extra: &str) -> String {
    terraform::require_terraform();
    let module = repo().join("terraform/modules/github-oidc");
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = ">= 5.70, < 6.0" }}
  }}
}}

provider "aws" {{
  region                      = "{REGION}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  max_retries                 = 1
}}

module "roles" {{
  source               = "{module}"
  name_prefix          = "{prefix}"
  github_repository    = "example-org/platform"
  create_oidc_provider = false
  oidc_provider_arn    = "arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
  account_id           = "{ACCOUNT}"
  primary_region       = "{REGION}"
  regions              = ["{REGION}"]
  state_bucket_name    = "{prefix}-tfstate"
  state_kms_key_arn    = "arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
  ecr_repository_names = ["{prefix}/api"]
  ecs_pass_role_arns   = ["arn:aws:iam::{ACCOUNT}:role/{prefix}-*-task"]
  {extra}
}}

output "deploy_role_arn" {{
  value = module.roles.role_arns["deploy"]
}}
"#,
            module = module.display()
        ),
    )
    .unwrap();
    let tf = |args: &[&str]| {
        let mut cmd = Command::new("terraform");
        sandbox::aws_env(&mut cmd, url)
            .current_dir(dir)
            .env("TF_CLI_CONFIG_FILE", terraform::cli_config())
            .env("AWS_REGION", REGION)
            .args(args);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "terraform {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    tf(&["init", "-input=false", "-no-color"]);
    tf(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    tf(&["output", "-raw", "deploy_role_arn"])
        .trim()
        .to_string()
}

/// `args` as the role, with the Actions OIDC environment of `endpoint`.
fn as_role(
    dir: &tempfile::TempDir,
    url: &str,
    role: &str,
    endpoint: &wiremock::MockServer,
    args: &[&str],
) -> std::process::Output {
    let mut cmd = binary(dir, url);
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", oidc::request_url(endpoint))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", oidc::REQUEST_TOKEN)
        .env("GITHUB_RUN_ID", "4242")
        .args(["--role-to-assume", role])
        .args(args);
    cmd.output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollout_as_the_bundled_deploy_role_succeeds_and_without_one_permission_names_it() {
    let url = sandbox::aws_url();
    let prefix = unique("pdiam");
    let tf_dir = tempfile::tempdir().unwrap();
    let (url2, prefix2, tf_path) = (url.clone(), prefix.clone(), tf_dir.path().to_path_buf());
    let role =
        tokio::task::spawn_blocking(move || apply_bundled_roles(&url2, &prefix2, &tf_path, ""))
            .await
            .unwrap();
    assert_eq!(
        role,
        format!("arn:aws:iam::{ACCOUNT}:role/{prefix}-github-deploy")
    );

    // The service the role deploys, set up as the account (names under the role's prefix).
    let config = aws::stand_in(&url, REGION).load().await;
    let c = RegionClients::from_config(&config);
    let (targets_json, image) = platform_in_moto(&c, &prefix, true).await;
    let dir = cli_setup(&targets_json);
    // A job of the default branch: the subject the deploy role trusts.
    let endpoint = oidc::token_endpoint_for("repo:example-org/platform:ref:refs/heads/main").await;
    let image = image.to_string();

    let mut rollout: Vec<&str> = rollout_args(&image).to_vec();
    let out = tokio::task::block_in_place(|| as_role(&dir, &url, &role, &endpoint, &rollout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the rollout as {role}:\n{stderr}"
    );
    assert!(!stderr.contains("AccessDenied"), "{stderr}");

    let status = ["status", "--targets", "targets.json"];
    let out = tokio::task::block_in_place(|| as_role(&dir, &url, &role, &endpoint, &status));
    assert_eq!(
        out.status.code(),
        Some(0),
        "status as {role}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same role without codedeploy:GetDeploymentGroup (a new default version of its policy).
    let policy_arn = format!("arn:aws:iam::{ACCOUNT}:policy/{prefix}-github-deploy");
    let mut document = aws::default_policy_document(&url, &policy_arn);
    let removed = "codedeploy:GetDeploymentGroup";
    let mut found = false;
    for statement in document["Statement"].as_array_mut().unwrap() {
        if let Some(actions) = statement["Action"].as_array_mut() {
            let before = actions.len();
            actions.retain(|a| a.as_str() != Some(removed));
            found |= actions.len() != before;
        }
    }
    assert!(found, "{removed} is not in the deploy policy: {document:#}");
    aws::set_default_policy_document(&url, &policy_arn, &document);

    rollout.push("--dry-run");
    let out = tokio::task::block_in_place(|| as_role(&dir, &url, &role, &endpoint, &rollout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/{prefix}-github-deploy/"))
            && stderr.contains(&format!("is not authorized to perform: {removed} on resource: arn:aws:codedeploy:{REGION}:{ACCOUNT}:deploymentgroup:{prefix}/api")),
        "the failure names the session, the missing permission and the resource:\n{stderr}"
    );
    assert!(
        !stderr.contains("ServiceError(") && !stderr.contains("aws_request_id"),
        "the AWS answer is shown as its code and message, not as a debug dump:\n{stderr}"
    );

    // A pull request's job cannot assume the deploy role: its trust policy names the default branch.
    let pull_request = oidc::token_endpoint_for("repo:example-org/platform:pull_request").await;
    let out = tokio::task::block_in_place(|| as_role(&dir, &url, &role, &pull_request, &status));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        "STS refuses the pull request's token:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_analysed_rollout_held_at_a_gate_runs_and_is_promoted_as_the_deploy_role() {
    let url = sandbox::aws_url();
    let prefix = unique("pdiamgate");
    let tf_dir = tempfile::tempdir().unwrap();
    let (url2, prefix2, tf_path) = (url.clone(), prefix.clone(), tf_dir.path().to_path_buf());
    // The role releases services on the ECS controller too: it may pass their infrastructure role.
    let extra = format!(
        "ecs_infrastructure_role_arns = [\"arn:aws:iam::{ACCOUNT}:role/{prefix}-ecs-infrastructure\"]"
    );
    let role =
        tokio::task::spawn_blocking(move || apply_bundled_roles(&url2, &prefix2, &tf_path, &extra))
            .await
            .unwrap();

    // An ECS-controlled service under the role's prefix, its target groups serving within the SLO,
    // a canary of 90 config-minutes (90 s here) for the one-minute analysis to measure.
    let config = aws::stand_in(&url, REGION).load().await;
    let c = RegionClients::from_config(&config);
    let (mut targets, image) = ecs_platform_in_moto(&c, &url, &prefix).await;
    targets["services"]["api"]["deployment_config"] =
        serde_json::json!(format!("{prefix}-Canary10Percent90Minutes"));
    let (blue, green) = groups(&targets);
    traffic(&url, &blue, 2000.0, 0.0, 0.12);
    traffic(&url, &green, 800.0, 0.0, 0.15);
    let dir = cli_dir(
        &prefix,
        &targets,
        "\n[rollout.analysis]\n\n[rollout.pause]\nat = [\"before-traffic\"]\ntimeout = \"10m\"\n",
    );
    let endpoint = oidc::token_endpoint_for("repo:example-org/platform:ref:refs/heads/main").await;
    let image = image.to_string();

    let mut rollout = binary(&dir, &url);
    rollout
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", oidc::request_url(&endpoint))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", oidc::REQUEST_TOKEN)
        .args(["--role-to-assume", &role])
        .args(rollout_args(&image))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = rollout.spawn().unwrap();

    let gate = Gate::of_service(
        &gate_parameter_path(&prefix),
        REGION,
        "api",
        GatePoint::BeforeTraffic,
    );
    opened(&c, &gate).await;
    let promote = ["promote", "--reason", "held as the deploy role"];
    let out = tokio::task::block_in_place(|| as_role(&dir, &url, &role, &endpoint, &promote));
    assert_eq!(
        out.status.code(),
        Some(0),
        "promote as {role}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tokio::task::block_in_place(|| child.wait_with_output().unwrap());

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the rollout as {role}:\n{stderr}"
    );
    assert!(!stderr.contains("AccessDenied"), "{stderr}");
    for line in [
        "held at the before-traffic gate",
        "promoted at the before-traffic gate by",
        "analysis latency-p95: pass (150 ms",
        "analysis error-rate: pass (0%",
    ] {
        assert!(stderr.contains(line), "expected {line:?} in:\n{stderr}");
    }
}
