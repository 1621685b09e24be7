//! The bundled example (examples/shop/platform.toml on the bundled stacks under terraform/) deployed for
//! real against the sandbox: the S3 backend, plan and apply of us-east-1, then eu-west-1 (joining the
//! primary's Aurora global cluster), then global (CloudFront, Route53, WAF, ECR replication), then both
//! services built, pushed, replicated and rolled out in both regions.
//!
//! The stacks and platform.toml are used as shipped, except for what a user supplies: the state bucket
//! and ACM certificates (made first by tests/fixtures/e2e-bundled/prerequisites), the database password
//! (TF_VAR_db_master_password), and rollout timings short enough for a test.
//!
//! Needs `eval "$(scripts/sandbox up)"`. Resets the sandbox's AWS state first: the bundled stacks use
//! fixed, account-wide names (the GitHub OIDC provider, `platform-*`).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use aws_config::BehaviorVersion;
use aws_sdk_codedeploy::types::DeploymentStatus;
use serde_json::Value;

const STATE_BUCKET: &str = "shop-terraform-state";

fn sandbox(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is unset: the sandbox is not running; start it with `eval \"$(scripts/sandbox up)\"`")
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".terraform" || name.to_string_lossy().ends_with(".tfstate") {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Environment every AWS client of the test (terraform, platform-deploy) gets: the sandbox endpoint.
fn aws_env(cmd: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars() {
        if name.starts_with("GITHUB_")
            || name.starts_with("PLATFORM_DEPLOY_")
            || name.starts_with("TF_VAR_")
        {
            cmd.env_remove(name);
        }
    }
    cmd.env("AWS_ENDPOINT_URL", sandbox("PD_SANDBOX_MOTO_URL"))
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "3")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn reset_sandbox_aws() {
    let url = format!("{}/_sandbox/reset", sandbox("PD_SANDBOX_MOTO_URL"));
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST", &url])
        .output()
        .unwrap();
    ok(&out, &format!("resetting the sandbox AWS stand-in ({url})"));
}

/// The state bucket and the certificates; returns the certificate ARN per region.
fn prerequisites(dir: &Path) -> Value {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pre = dir.join("prerequisites");
    copy_dir(&repo.join("tests/fixtures/e2e-bundled/prerequisites"), &pre);
    for args in [
        vec!["init", "-input=false", "-no-color"],
        vec![
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            "state_bucket=shop-terraform-state",
        ],
    ] {
        let out = aws_env(Command::new("terraform").current_dir(&pre).args(&args))
            .output()
            .unwrap();
        ok(&out, &format!("terraform {} of the prerequisites", args[0]));
    }
    let out = aws_env(Command::new("terraform").current_dir(&pre).args([
        "output",
        "-json",
        "certificate_arns",
    ]))
    .output()
    .unwrap();
    ok(&out, "terraform output of the prerequisites");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// examples/shop/platform.toml with its stack folders and build context in `dir`, and test timings.
fn platform_toml(repo: &Path) -> String {
    let text = std::fs::read_to_string(repo.join("examples/shop/platform.toml")).unwrap();
    let context = repo.join("examples/shop/service");
    let replaced = text
        .replace("dir = \"../../terraform/", "dir = \"terraform/")
        .replace(
            "context = \"service\"",
            &format!("context = \"{}\"", context.display()),
        )
        .replace(
            "bake_time = \"5m\"",
            "bake_time = \"2s\"\npoll_interval = \"1s\"",
        )
        .replace("timeout = \"1h\"", "timeout = \"10m\"");
    assert!(
        replaced.contains(&format!("bucket = \"{STATE_BUCKET}\""))
            && replaced.contains("dir = \"terraform/global\"")
            && replaced.contains("poll_interval"),
        "examples/shop/platform.toml changed shape; update this test:\n{text}"
    );
    replaced
}

async fn config(region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(sandbox("PD_SANDBOX_MOTO_URL"))
        .credentials_provider(aws_sdk_codedeploy::config::Credentials::new(
            "test", "test", None, None, "e2e",
        ))
        .load()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bundled_example_applies_all_three_stacks_and_rolls_out_both_services() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    sandbox("TF_CLI_CONFIG_FILE");
    let build = Command::new(repo.join("examples/shop/service/build.sh"))
        .output()
        .unwrap();
    ok(&build, "the example service build");
    reset_sandbox_aws();

    let dir = tempfile::tempdir().unwrap();
    let certs = prerequisites(dir.path());
    copy_dir(&repo.join("terraform"), &dir.path().join("terraform"));
    for region in ["us-east-1", "eu-west-1"] {
        std::fs::write(
            dir.path()
                .join("terraform/regions")
                .join(region)
                .join("certificate.auto.tfvars"),
            format!(
                "certificate_arn = \"{}\"\n",
                certs[region].as_str().unwrap()
            ),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("terraform/global/certificate.auto.tfvars"),
        format!(
            "acm_certificate_arn = \"{}\"\n",
            certs["us-east-1"].as_str().unwrap()
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("platform.toml"), platform_toml(repo)).unwrap();

    let started = std::time::Instant::now();
    let out = aws_env(
        Command::new(assert_cmd::cargo::cargo_bin("platform-deploy"))
            .current_dir(dir.path())
            .env("TF_VAR_db_master_password", "sandbox-only-Passw0rd-e2e")
            .env("PLATFORM_DEPLOY_GIT_SHA", "6".repeat(40))
            .args(["--output", "json", "deploy", "--registry-endpoint"])
            .arg(sandbox("PD_SANDBOX_REGISTRY"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .output()
    .unwrap();
    eprintln!("deploy of the bundled example took {:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "deploy failed:\n{stderr}");
    let result: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr:\n{stderr}"));
    assert_eq!(result["outcome"], "succeeded", "{result}");
    for stack in ["us-east-1", "eu-west-1", "global"] {
        assert_eq!(
            result["data"]["terraform"]["stacks"][stack]["status"], "applied",
            "{stack}: {result}"
        );
    }
    let digest = result["data"]["image"]["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"), "{result}");

    // Both services rolled out once in each region, from the deployment groups the stacks created.
    let targets: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".platform-deploy/deploy-targets.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(targets["eu-west-1"]["is_dr"], true, "{targets}");
    for region in ["us-east-1", "eu-west-1"] {
        let cd = aws_sdk_codedeploy::Client::new(&config(region).await);
        let apps = cd.list_applications().send().await.unwrap();
        let mut succeeded = 0;
        for app in apps.applications.unwrap_or_default() {
            let groups = cd
                .list_deployment_groups()
                .application_name(&app)
                .send()
                .await
                .unwrap();
            for group in groups.deployment_groups.unwrap_or_default() {
                succeeded += cd
                    .list_deployments()
                    .application_name(&app)
                    .deployment_group_name(group)
                    .include_only_statuses(DeploymentStatus::Succeeded)
                    .send()
                    .await
                    .unwrap()
                    .deployments
                    .unwrap_or_default()
                    .len();
            }
        }
        assert_eq!(succeeded, 2, "api and payments rolled out in {region}");
    }
}
