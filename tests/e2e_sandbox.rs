//! The whole pipeline on one machine, the way a first deploy runs: Terraform applies a two-region
//! platform against the sandbox's AWS stand-in, the example service is built on the local Docker
//! daemon and pushed to the local registry, replication to eu-west-1 is awaited, and CodeDeploy
//! canaries roll out in us-east-1 then eu-west-1. Then an alarm during the canary (exit 4, DR
//! untouched) and a SIGINT during the canary (exit 7, nothing left in progress).
//!
//! Needs `eval "$(scripts/sandbox up)"` (Docker daemon, registry, AWS stand-in, provider mirror).

use std::path::Path;
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_codedeploy::types::DeploymentStatus;
use serde_json::Value;

fn sandbox(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is unset: the sandbox is not running; start it with `eval \"$(scripts/sandbox up)\"`")
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Project {
    dir: tempfile::TempDir,
    name: String,
}

impl Project {
    fn new() -> Project {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let build = StdCommand::new(repo.join("examples/shop/service/build.sh"))
            .output()
            .unwrap();
        assert!(
            build.status.success(),
            "example service build failed: {}",
            String::from_utf8_lossy(&build.stderr)
        );
        let dir = tempfile::tempdir().unwrap();
        let name = format!("e2e{}", std::process::id());
        copy_dir(&repo.join("tests/fixtures/e2e"), &dir.path().join("stacks"));
        for stack in ["ecr", "regions/us-east-1", "regions/eu-west-1"] {
            std::fs::write(
                dir.path()
                    .join("stacks")
                    .join(stack)
                    .join("name.auto.tfvars"),
                format!("name = \"{name}\"\n"),
            )
            .unwrap();
        }
        let toml = format!(
            r#"[project]
name = "{name}"
[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]
[[stacks]]
name = "ecr"
dir = "stacks/ecr"
[[stacks]]
name = "us-east-1"
dir = "stacks/regions/us-east-1"
region = "us-east-1"
[[stacks]]
name = "eu-west-1"
dir = "stacks/regions/eu-west-1"
region = "eu-west-1"
[image]
repository = "{name}/api"
context = "{}"
[[services]]
name = "api"
[rollout]
bake_time = "2s"
poll_interval = "1s"
timeout = "10m"
"#,
            repo.join("examples/shop/service").display()
        );
        std::fs::write(dir.path().join("platform.toml"), toml).unwrap();
        Project { dir, name }
    }

    /// platform-deploy in the project, pointed at the sandbox, with JSON output.
    fn base(&self) -> StdCommand {
        let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("platform-deploy"));
        for (name, _) in std::env::vars() {
            if name.starts_with("GITHUB_") || name.starts_with("PLATFORM_DEPLOY_") {
                cmd.env_remove(name);
            }
        }
        cmd.current_dir(self.dir.path())
            .env("AWS_ENDPOINT_URL", sandbox("PD_SANDBOX_MOTO_URL"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("PLATFORM_DEPLOY_GIT_SHA", "5".repeat(40))
            .args(["--output", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// `deploy` with the registry endpoint of the sandbox.
    fn command(&self, args: &[&str]) -> StdCommand {
        let mut cmd = self.base();
        cmd.args(["deploy", "--registry-endpoint"])
            .arg(sandbox("PD_SANDBOX_REGISTRY"))
            .args(args);
        cmd
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().unwrap()
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
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

async fn deployments(region: &str, app: &str, statuses: &[DeploymentStatus]) -> Vec<String> {
    let client = aws_sdk_codedeploy::Client::new(&config(region).await);
    let mut req = client
        .list_deployments()
        .application_name(app)
        .deployment_group_name("api");
    for s in statuses {
        req = req.include_only_statuses(s.clone());
    }
    req.send().await.unwrap().deployments.unwrap_or_default()
}

const ACTIVE: [DeploymentStatus; 4] = [
    DeploymentStatus::Created,
    DeploymentStatus::Queued,
    DeploymentStatus::InProgress,
    DeploymentStatus::Ready,
];

/// Waits until a deployment of the group shifts traffic in `region` (the canary is running).
async fn wait_for_canary(region: &str, app: &str, child: &mut Child) {
    let started = Instant::now();
    while deployments(region, app, &[DeploymentStatus::InProgress])
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

fn child_output(child: &mut Child) -> Output {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    use std::io::Read;
    if let Some(mut s) = child.stdout.take() {
        s.read_to_end(&mut stdout).unwrap();
    }
    if let Some(mut s) = child.stderr.take() {
        s.read_to_end(&mut stderr).unwrap();
    }
    let status = child.wait().unwrap();
    Output {
        status,
        stdout,
        stderr,
    }
}

async fn wait_until_idle(app: &str) {
    let started = Instant::now();
    for region in ["us-east-1", "eu-west-1"] {
        while !deployments(region, app, &ACTIVE).await.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "a deployment stayed active in {region}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn set_alarm(name: &str, state: aws_sdk_cloudwatch::types::StateValue) {
    let client = aws_sdk_cloudwatch::Client::new(&config("us-east-1").await);
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
async fn the_whole_pipeline_deploys_rolls_back_on_alarm_and_stops_on_sigint() {
    let project = Project::new();
    let app = project.name.clone();
    let alarm = format!("{}-api-5xx", project.name);

    // 1. A first deploy: stacks applied, image built, pushed and replicated, canaries in both regions.
    let out = tokio::task::spawn_blocking({
        let mut cmd = project.command(&[]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "first deploy failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["outcome"], "succeeded");
    for stack in ["ecr", "us-east-1", "eu-west-1"] {
        assert_eq!(
            result["data"]["terraform"]["stacks"][stack]["status"], "applied",
            "{stack}"
        );
    }
    let digest = result["data"]["image"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(digest.starts_with("sha256:"));
    assert_eq!(
        result["data"]["image"]["replication"][0]["region"],
        "eu-west-1"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("output image-digest={digest}")),
        "{stderr}"
    );
    for region in ["us-east-1", "eu-west-1"] {
        let done = deployments(region, &app, &[DeploymentStatus::Succeeded]).await;
        assert_eq!(done.len(), 1, "one successful canary in {region}");
    }
    // The task definition the rollout registered runs the pushed image by digest.
    let targets: Value = serde_json::from_str(
        &std::fs::read_to_string(
            project
                .dir
                .path()
                .join(".platform-deploy/deploy-targets.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(targets["eu-west-1"]["is_dr"], true);
    let ecs = aws_sdk_ecs::Client::new(&config("eu-west-1").await);
    let td = ecs
        .describe_task_definition()
        .task_definition(format!("{app}-api"))
        .send()
        .await
        .unwrap();
    let image = td.task_definition.unwrap().container_definitions.unwrap()[0]
        .image
        .clone()
        .unwrap();
    assert!(image.ends_with(&format!("/{app}/api@{digest}")), "{image}");

    // `status` finds the services from the stacks' outputs and shows the live digest in both regions.
    let out = project.base().arg("status").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.matches(digest.as_str()).count() >= 2,
        "live digest in both regions:\n{text}"
    );

    // The finished deployments have let go of their groups (blue tasks terminated).
    wait_until_idle(&app).await;

    // 2. An alarm fires during the canary: stopped with rollback, exit 4, eu-west-1 untouched.
    let mut child = project.spawn(&["--skip-terraform"]);
    wait_for_canary("us-east-1", &app, &mut child).await;
    set_alarm(&alarm, aws_sdk_cloudwatch::types::StateValue::Alarm).await;
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
        deployments("eu-west-1", &app, &[]).await.len(),
        1,
        "eu-west-1 got no new deployment"
    );
    set_alarm(&alarm, aws_sdk_cloudwatch::types::StateValue::Ok).await;
    let started = Instant::now();
    while !deployments("us-east-1", &app, &ACTIVE).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the rollback never finished"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 3. SIGINT during the canary: stopped with rollback, exit 7, nothing left in progress.
    let mut child = project.spawn(&["--skip-terraform"]);
    wait_for_canary("us-east-1", &app, &mut child).await;
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
    assert_eq!(json(&out)["outcome"], "cancelled");
    let started = Instant::now();
    while !deployments("us-east-1", &app, &ACTIVE).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "a deployment was left in progress"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        deployments("eu-west-1", &app, &[]).await.len(),
        1,
        "eu-west-1 untouched by the cancelled run"
    );
}
