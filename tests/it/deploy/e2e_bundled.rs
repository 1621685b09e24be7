//! The bundled example (examples/shop/platform.toml on the bundled stacks under terraform/) deployed for
//! real against the sandbox: the S3 backend, plan and apply of us-east-1, then eu-west-1 (joining the
//! primary's Aurora global cluster), then global (CloudFront, Route53, WAF, ECR replication), then both
//! services built, pushed, replicated and rolled out in both regions. That first deploy runs as the
//! account (it creates the pipeline's roles); after it, everything runs as the bundled GitHub OIDC roles,
//! assumed through the stand-in's STS with ID tokens of the jobs their trust policies name, under the
//! stand-in's IAM enforcement: a plan of every stack as the plan role, which must find nothing to change
//! after the canaries swapped blue and green (Terraform, CodeDeploy and ECS do not fight); the alarm
//! and SIGINT runs as the deploy role, each stopping both services with rollback (api through
//! CodeDeploy, payments on the ECS deployment controller); a chaos experiment of the bundled templates as the apply role;
//! then DR as the apply role (e2e_failover: drill, switchover and back, a us-east-1 outage).
//!
//! The stacks and platform.toml are used as shipped, except for what a user supplies: the state buckets
//! (one per region, replicated to each other) and ACM certificates (made first by
//! tests/fixtures/e2e-bundled/prerequisites), the database password (TF_VAR_db_master_password), and
//! rollout timings short enough for a test.
//!
//! Needs `eval "$(scripts/sandbox up)"` (the Docker daemon, the stand-ins' programs). The bundled
//! stacks use fixed, account-wide names (the GitHub OIDC provider, `platform-*`), so the test runs
//! on an AWS stand-in and a registry of its own (support::stand_ins) and every other test keeps the
//! shared ones.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_codedeploy::types::DeploymentStatus;
use serde_json::Value;

use crate::support::fs::{copy_dir, fixtures, repo};
use crate::support::output::{child_output, json};
use crate::support::process::{self, assert_success as ok};
use crate::support::{aws, fs, oidc, sandbox, stand_ins, terraform};

/// The prerequisites' state bucket prefix: they make `<prefix>-<region>` in each region.
const STATE_BUCKET_PREFIX: &str = "shop-terraform-state";
/// The state bucket of each region, as examples/shop/platform.toml names them.
const STATE_BUCKETS: [(&str, &str); 2] = [
    ("us-east-1", "shop-terraform-state-us-east-1"),
    ("eu-west-1", "shop-terraform-state-eu-west-1"),
];

/// Environment every AWS client of the test (terraform, platform-deploy) gets: the test's stand-in.
fn aws_env<'a>(cmd: &'a mut Command, aws: &str) -> &'a mut Command {
    process::remove_env_prefixed(cmd, &["GITHUB_", "PLATFORM_DEPLOY_", "TF_VAR_"]);
    sandbox::aws_env(cmd, aws)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "3")
}

/// What a user has made before the first deploy.
struct Prerequisites {
    /// Certificate ARN per region.
    certificates: Value,
    /// State bucket per region.
    state_buckets: Value,
    /// KMS key of each region's state bucket, per region.
    state_kms_key_arns: Value,
}

/// `{ "k" = "v", ... }`: a map of strings as an HCL expression (tfvars).
fn hcl_map(map: &Value) -> String {
    let items: Vec<String> = map
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| format!("{k:?} = {:?}", v.as_str().unwrap()))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

/// The state buckets (one per region, SSE-KMS with a key of their region, replicated to each other)
/// and the certificates.
fn prerequisites(dir: &Path, aws: &str) -> Prerequisites {
    let pre = dir.join("prerequisites");
    copy_dir(&fixtures().join("e2e-bundled/prerequisites"), &pre);
    // The state buckets as terraform/bootstrap makes them: its module, not a copy of it.
    copy_dir(
        &repo().join("terraform/bootstrap/modules/state-bucket"),
        &pre.join("state-bucket"),
    );
    for args in [
        vec!["init", "-input=false", "-no-color"],
        vec![
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-var",
            &format!("state_bucket={STATE_BUCKET_PREFIX}"),
        ],
    ] {
        let out = aws_env(Command::new("terraform").current_dir(&pre).args(&args), aws)
            .output()
            .unwrap();
        ok(&out, &format!("terraform {} of the prerequisites", args[0]));
    }
    let out = aws_env(
        Command::new("terraform")
            .current_dir(&pre)
            .args(["output", "-json"]),
        aws,
    )
    .output()
    .unwrap();
    ok(&out, "terraform output of the prerequisites");
    let outputs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let state_buckets = outputs["state_buckets"]["value"].clone();
    let state_kms_key_arns = outputs["state_kms_key_arns"]["value"].clone();
    for (region, bucket) in STATE_BUCKETS {
        assert_eq!(
            state_buckets[region], bucket,
            "the prerequisites must make the example's state buckets: {outputs}"
        );
        assert!(
            state_kms_key_arns[region].is_string(),
            "no state key for {region}: {outputs}"
        );
    }
    Prerequisites {
        certificates: outputs["certificate_arns"]["value"].clone(),
        state_buckets,
        state_kms_key_arns,
    }
}

/// The folder of a bundled stack in the deployed copy (examples/shop/platform.toml's `dir`).
fn stack_dir(dir: &Path, stack: &str) -> std::path::PathBuf {
    match stack {
        "global" => dir.join("terraform/global"),
        region => dir.join("terraform/regions").join(region),
    }
}

/// An output of a stack of the deployed copy (`dir`), read from its state as the account, through the
/// data folder the runs initialised (platform-deploy keeps it under its plans folder, per stack).
fn stack_output(dir: &Path, stack: &str, name: &str, aws: &str) -> Value {
    let data_dir = dir.join(".platform-deploy/plans/.terraform").join(stack);
    let out = aws_env(
        Command::new("terraform")
            .current_dir(stack_dir(dir, stack))
            .env("TF_DATA_DIR", data_dir)
            .args(["output", "-json", name]),
        aws,
    )
    .output()
    .unwrap();
    ok(&out, &format!("terraform output {name} of {stack}"));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A stack's state as the account reads it from its backend (`terraform state pull`), through the
/// data folder the runs initialised.
fn stack_state(dir: &Path, stack: &str, aws: &str) -> Value {
    let data_dir = dir.join(".platform-deploy/plans/.terraform").join(stack);
    let out = aws_env(
        Command::new("terraform")
            .current_dir(stack_dir(dir, stack))
            .env("TF_DATA_DIR", data_dir)
            .args(["state", "pull"]),
        aws,
    )
    .output()
    .unwrap();
    ok(&out, &format!("terraform state pull of {stack}"));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The resource changes of the saved plans (address, actions, each changed attribute before -> after),
/// for a failure message.
fn planned_changes(plans: &Path) -> String {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(plans).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(plan) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        for change in plan["resource_changes"].as_array().into_iter().flatten() {
            let actions = &change["change"]["actions"];
            if actions == &serde_json::json!(["no-op"]) || actions == &serde_json::json!(["read"]) {
                continue;
            }
            let (before, after) = (&change["change"]["before"], &change["change"]["after"]);
            let unknown = &change["change"]["after_unknown"];
            let short = |v: &Value| {
                let text = v.to_string();
                match text.char_indices().nth(160) {
                    Some((i, _)) => format!("{}…", &text[..i]),
                    None => text,
                }
            };
            let mut changed: Vec<String> = after
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, v)| before.get(k.as_str()) != Some(v))
                .map(|(k, v)| format!("\n    {k}: {} -> {}", short(&before[k.as_str()]), short(v)))
                .collect();
            changed.extend(
                unknown
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, v)| v == &&Value::Bool(true))
                    .map(|(k, _)| format!("\n    {k}: (known after apply)")),
            );
            lines.push(format!(
                "{}: {}{}",
                change["address"].as_str().unwrap_or("?"),
                actions,
                changed.concat()
            ));
        }
    }
    lines.join("\n")
}

/// The Actions environment of a job (its ID token from `endpoint`), assuming `role`.
fn as_role<'a>(
    cmd: &'a mut Command,
    role: &str,
    endpoint: &wiremock::MockServer,
) -> &'a mut Command {
    cmd.env("ACTIONS_ID_TOKEN_REQUEST_URL", oidc::request_url(endpoint))
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", oidc::REQUEST_TOKEN)
        .env("GITHUB_RUN_ID", "4242")
        .args(["--role-to-assume", role])
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
    let buckets = STATE_BUCKETS
        .iter()
        .map(|(region, bucket)| format!("{region} = \"{bucket}\""))
        .collect::<Vec<_>>()
        .join(", ");
    assert!(
        replaced.contains(&format!("buckets = {{ {buckets} }}"))
            && replaced.contains("dir = \"terraform/global\"")
            && replaced.contains("poll_interval"),
        "examples/shop/platform.toml changed shape; update this test:\n{text}"
    );
    replaced
}

async fn config(aws: &str, region: &str) -> aws_config::SdkConfig {
    aws::stand_in(aws, region).load().await
}

/// What releases a service of the bundled example: a CodeDeploy deployment group (api), or Amazon
/// ECS itself (payments, on the ECS deployment controller).
#[derive(Clone, Debug)]
enum Releaser {
    /// (application, deployment group)
    CodeDeploy(String, String),
    /// (cluster, service)
    Ecs(String, String),
}

impl Releaser {
    /// The releaser of one service of a deploy_targets value.
    fn of(service: &Value) -> Releaser {
        let text = |k: &str| service[k].as_str().unwrap().to_string();
        match service["deployment_controller"].as_str() {
            Some("ECS") => Releaser::Ecs(text("cluster_name"), text("service_name")),
            _ => Releaser::CodeDeploy(text("codedeploy_app"), text("deployment_group")),
        }
    }

    fn name(&self) -> &str {
        match self {
            Releaser::CodeDeploy(_, name) | Releaser::Ecs(_, name) => name,
        }
    }
}

/// Which deployments to count.
#[derive(Clone, Copy)]
enum Phase {
    Any,
    Succeeded,
    /// Shifting traffic now (CodeDeploy InProgress, ECS IN_PROGRESS).
    Shifting,
    /// Not finished, rollbacks included.
    Active,
}

/// The deployments of a releaser in `region` in `phase`.
async fn deployments(aws: &str, region: &str, releaser: &Releaser, phase: Phase) -> Vec<String> {
    match releaser {
        Releaser::CodeDeploy(app, group) => {
            let client = aws_sdk_codedeploy::Client::new(&config(aws, region).await);
            let statuses: &[DeploymentStatus] = match phase {
                Phase::Any => &[],
                Phase::Succeeded => &[DeploymentStatus::Succeeded],
                Phase::Shifting => &[DeploymentStatus::InProgress],
                Phase::Active => &ACTIVE,
            };
            let mut req = client
                .list_deployments()
                .application_name(app)
                .deployment_group_name(group);
            for s in statuses {
                req = req.include_only_statuses(s.clone());
            }
            req.send().await.unwrap().deployments.unwrap_or_default()
        }
        Releaser::Ecs(cluster, service) => {
            use aws_sdk_ecs::types::ServiceDeploymentStatus as S;
            let client = aws_sdk_ecs::Client::new(&config(aws, region).await);
            let statuses: &[S] = match phase {
                Phase::Any => &[],
                Phase::Succeeded => &[S::Successful],
                Phase::Shifting => &[S::InProgress],
                Phase::Active => &[
                    S::Pending,
                    S::InProgress,
                    S::RollbackRequested,
                    S::RollbackInProgress,
                    S::StopRequested,
                ],
            };
            let out = client
                .list_service_deployments()
                .cluster(cluster)
                .service(service)
                .set_status(Some(statuses.to_vec()))
                .send()
                .await
                .unwrap();
            out.service_deployments()
                .iter()
                .filter_map(|d| d.service_deployment_arn().map(str::to_string))
                .collect()
        }
    }
}

const ACTIVE: [DeploymentStatus; 4] = [
    DeploymentStatus::Created,
    DeploymentStatus::Queued,
    DeploymentStatus::InProgress,
    DeploymentStatus::Ready,
];

/// Waits until `releaser` shifts traffic in `region` (its canary is running).
async fn wait_for_canary(aws: &str, region: &str, releaser: &Releaser, child: &mut Child) {
    let started = Instant::now();
    while deployments(aws, region, releaser, Phase::Shifting)
        .await
        .is_empty()
    {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child_output(child);
            panic!(
                "deploy ended ({status}) before its canary ran:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no canary started in {region}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until no deployment of the releasers is active in `region`.
async fn wait_until_idle(aws: &str, region: &str, releasers: &[Releaser], what: &str) {
    let started = Instant::now();
    for releaser in releasers {
        while !deployments(aws, region, releaser, Phase::Active)
            .await
            .is_empty()
        {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{what}: a deployment of {} stayed active in {region}",
                releaser.name()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// How fast the stand-in runs ECS service deployments created from now on (config-seconds per
/// second; 60 by default).
fn ecs_speed(aws: &str, speed: f64) {
    let (status, body) = crate::support::http::post_json(
        aws.trim_start_matches("http://").trim_end_matches('/'),
        "/_sandbox/ecs/speed",
        &serde_json::json!({ "speed": speed }),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
}

async fn set_alarm(aws: &str, name: &str, state: aws_sdk_cloudwatch::types::StateValue) {
    let client = aws_sdk_cloudwatch::Client::new(&config(aws, "us-east-1").await);
    client
        .set_alarm_state()
        .alarm_name(name)
        .state_value(state)
        .state_reason("e2e test")
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bundled_example_deploys_rolls_back_stops_runs_chaos_and_fails_over() {
    // Where the time goes, shown with --no-capture (the test is the suite's longest).
    let test_started = Instant::now();
    let phase = |name: &str| eprintln!("[{:>5}s] {name}", test_started.elapsed().as_secs());
    let repo = repo();
    sandbox::docker_host();
    terraform::cli_config();
    let own = stand_ins::aws_with_registry();
    let aws = own.url.as_str();
    fs::build_example_service();

    phase("stand-ins and the example service ready");
    let dir = tempfile::tempdir().unwrap();
    let pre = prerequisites(dir.path(), aws);
    phase("prerequisites made");
    let certs = &pre.certificates;
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
    // The pipeline roles' state access: the example's buckets (one per region) and their keys.
    std::fs::write(
        dir.path().join("terraform/global/state.auto.tfvars"),
        format!(
            "state_bucket_names = {}\nstate_kms_key_arns = {}\n",
            hcl_map(&pre.state_buckets),
            hcl_map(&pre.state_kms_key_arns)
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("platform.toml"), platform_toml(repo)).unwrap();
    let deploy = |extra: &[&str]| {
        let mut cmd = process::platform_deploy();
        aws_env(&mut cmd, aws)
            .current_dir(dir.path())
            .env("TF_VAR_db_master_password", "sandbox-only-Passw0rd-e2e")
            .env("PLATFORM_DEPLOY_GIT_SHA", "6".repeat(40))
            .args(["--output", "json", "deploy", "--registry-endpoint"])
            .arg(&own.registry)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };

    phase("1. first deploy");
    // 1. A first deploy: the three stacks applied, image built, pushed and replicated, canaries of
    //    both services in us-east-1, then eu-west-1.
    let started = Instant::now();
    let out = deploy(&[]).output().unwrap();
    eprintln!("deploy of the bundled example took {:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "deploy failed:\n{stderr}");
    let result = json(&out);
    assert_eq!(result["outcome"], "succeeded", "{result}");
    for stack in ["us-east-1", "eu-west-1", "global"] {
        assert_eq!(
            result["data"]["terraform"]["stacks"][stack]["status"], "applied",
            "{stack}: {result}"
        );
    }
    let digest = result["data"]["image"]["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"), "{result}");
    assert_eq!(
        result["data"]["image"]["replication"][0]["region"],
        "eu-west-1"
    );
    assert!(
        stderr.contains(&format!("output image-digest={digest}")),
        "{stderr}"
    );

    // Both services rolled out once in each region, from the deployment groups the stacks created.
    let targets: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".platform-deploy/deploy-targets.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(targets["eu-west-1"]["is_dr"], true, "{targets}");
    assert_eq!(targets["eu-west-1"]["traffic_role"], "standby", "{targets}");
    let releasers = |region: &str| -> Vec<Releaser> {
        targets[region]["services"]
            .as_object()
            .unwrap()
            .values()
            .map(Releaser::of)
            .collect()
    };
    let (primary_groups, dr_groups) = (releasers("us-east-1"), releasers("eu-west-1"));
    assert_eq!(primary_groups.len(), 2, "api and payments: {targets}");
    assert!(
        matches!(
            Releaser::of(&targets["us-east-1"]["services"]["payments"]),
            Releaser::Ecs(..)
        ) && matches!(
            Releaser::of(&targets["us-east-1"]["services"]["api"]),
            Releaser::CodeDeploy(..)
        ),
        "the bundled example releases payments on the ECS controller and api through CodeDeploy: {targets}"
    );
    for (region, groups) in [("us-east-1", &primary_groups), ("eu-west-1", &dr_groups)] {
        for group in groups {
            let done = deployments(aws, region, group, Phase::Succeeded).await;
            assert_eq!(
                done.len(),
                1,
                "one successful canary of {} in {region}",
                group.name()
            );
        }
        // The finished deployments have let go of their groups (blue tasks terminated).
        wait_until_idle(aws, region, groups, "after the first deploy").await;
    }
    let dr_deployments = |groups: Vec<Releaser>| async move {
        let mut n = 0;
        for group in &groups {
            n += deployments(aws, "eu-west-1", group, Phase::Any).await.len();
        }
        n
    };
    let api = &targets["us-east-1"]["services"]["api"];
    let api_group = Releaser::of(api);
    let payments = Releaser::of(&targets["us-east-1"]["services"]["payments"]);
    let alarm = api["alarm_names"][0].as_str().unwrap().to_string();

    // The pipeline's roles as the global stack made them, and a job each role trusts.
    let roles = stack_output(dir.path(), "global", "github_role_arns", aws);
    let subjects = stack_output(dir.path(), "global", "github_trust_subjects", aws);
    let role = |name: &str| roles[name].as_str().unwrap().to_string();
    let pull_request_job = oidc::token_endpoint_for(subjects["plan"][0].as_str().unwrap()).await;
    let main_job = oidc::token_endpoint_for(subjects["deploy"][0].as_str().unwrap()).await;

    // The ownership contract: after the canaries swapped blue and green, a plan of every stack, as the
    // pull requests' read-only role, has nothing to change.
    let mut plan = process::platform_deploy();
    aws_env(&mut plan, aws)
        .current_dir(dir.path())
        .env("TF_VAR_db_master_password", "sandbox-only-Passw0rd-e2e")
        .env("PLATFORM_DEPLOY_GIT_SHA", "6".repeat(40))
        .args(["--output", "json", "plan", "--detailed-exitcode"]);
    as_role(&mut plan, &role("plan"), &pull_request_job);
    let out = tokio::task::spawn_blocking(move || plan.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a plan after the rollout, as the plan role, has changes:\n{}\n{}",
        planned_changes(&dir.path().join(".platform-deploy/plans")),
        String::from_utf8_lossy(&out.stderr)
    );

    // The later runs release as the deploy role, the way deploy.yml runs them.
    let release = |extra: &[&str]| {
        let mut cmd = deploy(extra);
        as_role(&mut cmd, &role("deploy"), &main_job);
        cmd
    };

    phase("2. alarm during the canary");
    // 2. An alarm fires during the canary: stopped with rollback, exit 4, eu-west-1 untouched. ECS
    //    deployments run slower for the two interrupted runs, so the api's alarm and the SIGINT find
    //    payments mid-release and stop it too (a 5-minute canary takes 30 s).
    ecs_speed(aws, 10.0);
    let mut child = release(&["--skip-terraform"]).spawn().unwrap();
    wait_for_canary(aws, "us-east-1", &api_group, &mut child).await;
    set_alarm(aws, &alarm, aws_sdk_cloudwatch::types::StateValue::Alarm).await;
    let out = tokio::task::spawn_blocking(move || child_output(&mut child))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["outcome"], "rolled-back");
    assert!(
        result["message"].as_str().unwrap().contains(&alarm),
        "names the alarm: {}",
        result["message"]
    );
    assert_eq!(
        dr_deployments(dr_groups.clone()).await,
        dr_groups.len(),
        "eu-west-1 got no new deployment"
    );
    let payments_stopped = |result: &Value, why: &str| {
        let payments = result["data"]["rollout"]["deployments"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["service"] == "payments" && d["region"] == "us-east-1")
            .cloned()
            .unwrap_or_else(|| panic!("no payments deployment in {result}"));
        assert!(
            payments["deployment_id"]
                .as_str()
                .is_some_and(|id| id.contains(":service-deployment/")),
            "payments is released by ECS: {payments}"
        );
        assert!(
            payments["outcome"] == "rolled-back" || payments["outcome"] == "cancelled",
            "{why}: payments stopped with rollback too: {payments}"
        );
    };
    payments_stopped(&result, "the api's alarm");
    set_alarm(aws, &alarm, aws_sdk_cloudwatch::types::StateValue::Ok).await;
    wait_until_idle(aws, "us-east-1", &primary_groups, "the rollback").await;

    phase("3. SIGINT during the canary");
    // 3. SIGINT during the canary: stopped with rollback, exit 7, nothing left in progress.
    let mut child = release(&["--skip-terraform"]).spawn().unwrap();
    wait_for_canary(aws, "us-east-1", &api_group, &mut child).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || child_output(&mut child))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["outcome"], "cancelled");
    payments_stopped(&result, "SIGINT");
    wait_until_idle(aws, "us-east-1", &primary_groups, "after SIGINT").await;
    ecs_speed(aws, 60.0);
    // Both ECS stops were ours: each rollback names the StopServiceDeployment request.
    for arn in deployments(aws, "us-east-1", &payments, Phase::Any)
        .await
        .iter()
        .take(2)
    {
        let ecs = aws_sdk_ecs::Client::new(&config(aws, "us-east-1").await);
        let out = ecs
            .describe_service_deployments()
            .service_deployment_arns(arn)
            .send()
            .await
            .unwrap();
        let d = &out.service_deployments()[0];
        assert_eq!(
            d.status().map(|s| s.as_str()),
            Some("ROLLBACK_SUCCESSFUL"),
            "{d:?}"
        );
        assert!(
            d.status_reason()
                .is_some_and(|r| r.contains("StopServiceDeployment")),
            "{d:?}"
        );
    }
    assert_eq!(
        dr_deployments(dr_groups.clone()).await,
        dr_groups.len(),
        "eu-west-1 untouched by the cancelled run"
    );

    phase("4. chaos experiment");
    // 4. A chaos experiment of the bundled templates, as the apply role: FIS runs it until the api's 5xx
    //    SLO alarm (a stop condition) fires, halts it (exit 4, the alarm named); a standby DR region
    //    is refused before anything starts (exit 8).
    let chaos = |extra: &[&str]| {
        let mut cmd = process::platform_deploy();
        aws_env(&mut cmd, aws)
            .current_dir(dir.path())
            .args(["--output", "json", "chaos", "--poll-interval", "200ms"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        as_role(&mut cmd, &role("apply"), &main_job);
        cmd
    };
    let out = chaos(&["--list"]).output().unwrap();
    ok(&out, "chaos --list");
    let listed = json(&out);
    assert!(
        listed["data"]["experiments"]["api-latency"].is_string(),
        "the primary region's templates: {listed}"
    );
    let out = chaos(&["api-latency", "--region", "eu-west-1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json(&out)["message"].as_str().unwrap().contains("standby"));

    let slo_alarm = api["alarm_names"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.ends_with("-5xx-rate"))
        .expect("the api's 5xx SLO alarm")
        .to_string();
    let fis = aws_sdk_fis::Client::new(&config(aws, "us-east-1").await);
    let mut child = chaos(&["api-latency"]).spawn().unwrap();
    let started = Instant::now();
    loop {
        let experiments = fis.list_experiments().send().await.unwrap();
        let running = experiments.experiments().iter().any(|e| {
            e.state().and_then(|s| s.status())
                == Some(&aws_sdk_fis::types::ExperimentStatus::Running)
        });
        if running {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(60),
            "the api-latency experiment never ran:\n{}",
            String::from_utf8_lossy(&child_output(&mut child).stderr)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    set_alarm(
        aws,
        &slo_alarm,
        aws_sdk_cloudwatch::types::StateValue::Alarm,
    )
    .await;
    let out = tokio::task::spawn_blocking(move || child_output(&mut child))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let result = json(&out);
    assert_eq!(result["data"]["ending"], "stopped-by-alarm", "{result}");
    assert!(
        result["message"].as_str().unwrap().contains(&slo_alarm),
        "names the alarm: {result}"
    );
    set_alarm(aws, &slo_alarm, aws_sdk_cloudwatch::types::StateValue::Ok).await;

    phase("5. DR");
    // 5. DR on the same deploy, as the apply role: drill, switchover and back, then a us-east-1
    //    outage (tests/it/deploy/e2e_failover.rs).
    let as_apply_role = |sts_region: &str, args: &[&str]| {
        let mut cmd = process::platform_deploy();
        aws_env(&mut cmd, aws)
            .current_dir(dir.path())
            .env("AWS_REGION", sts_region)
            .env("TF_VAR_db_master_password", "sandbox-only-Passw0rd-e2e")
            .env("PLATFORM_DEPLOY_GIT_SHA", "6".repeat(40))
            .args(["--output", "json"])
            .args(args);
        as_role(&mut cmd, &role("apply"), &main_job);
        cmd
    };
    let deployed = super::e2e_failover::Deployed {
        dir: dir.path(),
        aws,
        as_apply_role: &as_apply_role,
        stack_output: &|stack: &str, name: &str| stack_output(dir.path(), stack, name, aws),
        stack_state: &|stack: &str| stack_state(dir.path(), stack, aws),
    };
    super::e2e_failover::rehearse_switch_over_return_and_outlive_the_primary(&deployed).await;
    phase("done");
}
