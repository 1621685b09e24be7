//! `plan` and `apply` across stacks with the real terraform CLI: graph order, parallel plans,
//! outputs passed downstream, apply held to the reviewed change set, failures and interruption.
//! Needs terraform on PATH; the apply against moto needs the sandbox (`eval "$(scripts/sandbox up)"`).

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use crate::support::fs::{copy_dir, fixtures};
use crate::support::names::unique;
use crate::support::output::json;
use crate::support::process::platform_deploy;
use crate::support::sandbox;
use crate::support::terraform::{self, require_terraform};

/// A project folder with the named fixture stacks and a platform.toml.
fn project(kind: &str, stacks: &[&str], toml: &str) -> TempDir {
    require_terraform();
    let dir = tempfile::tempdir().unwrap();
    for stack in stacks {
        copy_dir(
            &fixtures().join(kind).join(stack),
            &dir.path().join("stacks").join(stack),
        );
    }
    std::fs::write(dir.path().join("platform.toml"), toml).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    platform_deploy()
        .current_dir(dir)
        .args(["--output", "json"])
        .args(args)
        .output()
        .unwrap()
}

const THREE_STACKS: &str = r#"
[project]
name = "fixture"
[regions]
primary = "us-east-1"
[[stacks]]
name = "net"
dir = "stacks/net"
[[stacks]]
name = "app"
dir = "stacks/app"
[[stacks]]
name = "edge"
dir = "stacks/edge"
depends_on = ["net", "app"]
[stacks.inputs.origins.app]
name = "app.service.name"
vpc_id = "net.network.vpc_id"
"#;

fn time(value: &Value) -> f64 {
    let text = value.as_str().unwrap();
    // RFC 3339 "…T12:34:56.789Z": seconds of the day are enough within one test.
    let clock = text.split('T').nth(1).unwrap().trim_end_matches('Z');
    let mut parts = clock.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    h * 3600.0 + m * 60.0 + s
}

#[test]
fn independent_stacks_plan_at_the_same_time_and_dependents_are_provisional() {
    let dir = project("stacks", &["net", "app", "edge"], THREE_STACKS);
    let out = run(dir.path(), &["plan", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = json(&out)["data"].clone();
    let (net, app, edge) = (
        &summary["stacks"]["net"],
        &summary["stacks"]["app"],
        &summary["stacks"]["edge"],
    );
    assert_eq!(net["counts"]["add"], 1);
    assert_eq!(net["status"], "planned");
    // The two independent stacks' plan intervals overlap.
    assert!(
        time(&net["started_at"]) < time(&app["finished_at"])
            && time(&app["started_at"]) < time(&net["finished_at"]),
        "net {net} and app {app} did not plan in parallel"
    );
    // edge planned before its upstreams were applied: its inputs could not be read yet.
    assert_eq!(edge["provisional"], true);
    assert_eq!(edge["unresolved_inputs"], serde_json::json!(["origins"]));
    let plans = dir.path().join(".platform-deploy/plans");
    for file in [
        "net.tfplan",
        "net.json",
        "app.tfplan",
        "edge.json",
        "summary.json",
    ] {
        assert!(plans.join(file).is_file(), "{file} missing");
    }
    // An offline run plans a working copy: the stack folders get no override and no inputs file.
    for stack in ["net", "app", "edge"] {
        for file in [
            "platform_deploy_offline_override.tf",
            "platform-deploy.auto.tfvars.json",
            ".terraform.lock.hcl",
        ] {
            assert!(
                !dir.path().join("stacks").join(stack).join(file).exists(),
                "the offline run wrote {file} into stacks/{stack}"
            );
        }
    }
    assert!(
        plans
            .join("offline/stacks/net/platform_deploy_offline_override.tf")
            .is_file(),
        "the override lives in the working copy"
    );
}

#[test]
fn apply_runs_in_graph_order_and_passes_outputs_downstream() {
    let dir = project("stacks", &["net", "app", "edge"], THREE_STACKS);
    assert_eq!(
        run(dir.path(), &["plan", "--offline"]).status.code(),
        Some(0)
    );
    // edge is provisional, so its reviewed plan is redone after net and app applied; the inputs
    // then differ from the provisional ones, which must be refused (exit 3)…
    let out = run(dir.path(), &["apply", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["outcome"], "plan-changed");
    assert_eq!(result["data"]["stacks"]["net"]["status"], "applied");
    assert_eq!(result["data"]["stacks"]["app"]["status"], "applied");
    assert_eq!(result["data"]["stacks"]["edge"]["status"], "plan-changed");
    let message = result["data"]["stacks"]["edge"]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("terraform_data.distribution"), "{message}");

    // …and once re-planned with net and app applied, edge applies with their outputs.
    assert_eq!(
        run(dir.path(), &["plan", "--offline"]).status.code(),
        Some(0)
    );
    let out = run(dir.path(), &["apply", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    assert_eq!(result["data"]["stacks"]["net"]["status"], "unchanged");
    assert_eq!(result["data"]["stacks"]["edge"]["status"], "applied");
    let inputs: Value = serde_json::from_str(
        &std::fs::read_to_string(
            // Offline, the inputs are written into the run's working copy of the stack.
            dir.path().join(
                ".platform-deploy/plans/offline/stacks/edge/platform-deploy.auto.tfvars.json",
            ),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(inputs["origins"]["app"]["name"], "app");
    assert!(
        inputs["origins"]["app"]["vpc_id"]
            .as_str()
            .unwrap()
            .starts_with("vpc-")
    );
    let state =
        std::fs::read_to_string(dir.path().join(".platform-deploy/plans/state/edge.tfstate"))
            .unwrap();
    assert!(
        state.contains(inputs["origins"]["app"]["vpc_id"].as_str().unwrap()),
        "edge state lacks net's vpc id"
    );
}

#[test]
fn a_change_after_review_is_refused_with_the_changed_addresses() {
    let toml = THREE_STACKS.replace("[stacks.inputs.origins.app]\nname = \"app.service.name\"\nvpc_id = \"net.network.vpc_id\"\n", "");
    let dir = project("stacks", &["net", "app", "edge"], &toml);
    assert_eq!(
        run(dir.path(), &["plan", "--offline"]).status.code(),
        Some(0)
    );
    // Someone pushes a change after the plan was reviewed.
    let main = dir.path().join("stacks/net/main.tf");
    let changed = std::fs::read_to_string(&main)
        .unwrap()
        .replace("10.0.0.0/16", "10.9.0.0/16");
    std::fs::write(&main, changed).unwrap();

    let out = run(dir.path(), &["apply", "--offline", "--replan"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = json(&out);
    let net = &result["data"]["stacks"]["net"];
    assert_eq!(net["status"], "plan-changed");
    assert!(
        net["message"]
            .as_str()
            .unwrap()
            .contains("terraform_data.vpc"),
        "{net}"
    );
    // Its dependent is not applied; the independent sibling is.
    assert_eq!(result["data"]["stacks"]["edge"]["status"], "skipped");
    assert_eq!(result["data"]["stacks"]["app"]["status"], "applied");
    assert!(
        !dir.path()
            .join(".platform-deploy/plans/state/net.tfstate")
            .exists()
            || {
                let state = std::fs::read_to_string(
                    dir.path().join(".platform-deploy/plans/state/net.tfstate"),
                )
                .unwrap();
                !state.contains("10.9.0.0/16")
            }
    );
}

#[test]
fn the_saved_plan_is_applied_as_reviewed() {
    let dir = project(
        "stacks",
        &["net"],
        "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"net\"\ndir = \"stacks/net\"\n",
    );
    assert_eq!(
        run(dir.path(), &["plan", "--offline"]).status.code(),
        Some(0)
    );
    let out = run(dir.path(), &["apply", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[net] Apply complete! Resources: 1 added"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("[net] Terraform will perform"),
        "a saved plan is applied without planning again:\n{stderr}"
    );
}

#[test]
fn a_failing_stack_skips_its_dependents_and_lets_siblings_finish() {
    let toml = r#"
[project]
name = "fixture"
[regions]
primary = "us-east-1"
[[stacks]]
name = "broken"
dir = "stacks/broken"
[[stacks]]
name = "app"
dir = "stacks/app"
[[stacks]]
name = "edge"
dir = "stacks/edge"
depends_on = ["broken"]
"#;
    let dir = project("stacks", &["broken", "app", "edge"], toml);
    let out = run(dir.path(), &["plan", "--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let result = json(&out);
    assert_eq!(result["data"]["stacks"]["broken"]["status"], "failed");
    assert!(
        result["data"]["stacks"]["broken"]["message"]
            .as_str()
            .unwrap()
            .contains("var.undeclared")
    );
    assert_eq!(result["data"]["stacks"]["edge"]["status"], "skipped");
    assert_eq!(result["data"]["stacks"]["app"]["status"], "planned");
    assert!(result["message"].as_str().unwrap().contains("broken"));
}

#[test]
fn detailed_exitcode_tells_drift_from_no_changes() {
    let dir = project(
        "stacks",
        &["net"],
        "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"net\"\ndir = \"stacks/net\"\n",
    );
    assert_eq!(
        run(dir.path(), &["plan", "--offline", "--detailed-exitcode"])
            .status
            .code(),
        Some(10)
    );
    assert_eq!(
        run(dir.path(), &["apply", "--offline"]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(dir.path(), &["plan", "--offline", "--detailed-exitcode"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn sigint_stops_terraform_cleanly_and_leaves_no_lock() {
    let dir = project("stacks", &["slow"], SLOW_STACK);
    let child = slow_apply_running(dir.path());
    let state_lock = dir
        .path()
        .join(".platform-deploy/plans/state/.slow.tfstate.lock.info");
    std::thread::sleep(Duration::from_secs(2));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!state_lock.exists(), "the state lock was left behind");
    // The next run is not blocked by a lock.
    let out = run(dir.path(), &["plan", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_stack_and_missing_review_are_bad_input() {
    let dir = project(
        "stacks",
        &["net"],
        "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"net\"\ndir = \"stacks/net\"\n",
    );
    let out = run(dir.path(), &["plan", "--offline", "--stack", "nett"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown stack `nett`"));
    let out = run(dir.path(), &["apply", "--offline", "--plans", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--plans"));
}

#[test]
fn dependent_stacks_apply_for_real_against_moto() {
    let moto = sandbox::aws_url();
    let tf_config = terraform::cli_config();
    let queue = unique("jobs-");
    let toml = r#"
[project]
name = "fixture"
[regions]
primary = "us-east-1"
[[stacks]]
name = "queue"
dir = "stacks/queue"
inputs = {}
[[stacks]]
name = "consumer"
dir = "stacks/consumer"
depends_on = ["queue"]
[stacks.inputs]
queue_url = "queue.queue.url"
"#;
    let dir = project("moto-stacks", &["queue", "consumer"], toml);
    std::fs::write(
        dir.path().join("stacks/queue/name.auto.tfvars"),
        format!("name = \"{queue}\"\n"),
    )
    .unwrap();
    let aws = |args: &[&str]| {
        let mut cmd = platform_deploy();
        sandbox::aws_env(&mut cmd, &moto)
            .current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", &tf_config)
            .args(["--output", "json"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = aws(&["plan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json(&out)["data"]["stacks"]["consumer"]["provisional"],
        true
    );
    let out = aws(&["apply", "--replan"]);
    // The consumer was provisional (the queue did not exist): its real plan differs and is refused.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["data"]["stacks"]["queue"]["status"], "applied");
    // Reviewed again with the queue in place, the consumer applies with the queue's real URL.
    assert_eq!(aws(&["plan"]).status.code(), Some(0));
    let out = aws(&["apply", "--replan"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state =
        std::fs::read_to_string(dir.path().join("stacks/consumer/terraform.tfstate")).unwrap();
    assert!(
        state.contains(&queue),
        "consumer did not receive the queue URL:\n{state}"
    );
}

#[test]
fn in_actions_each_stack_log_is_one_group_and_the_summary_is_written() {
    let dir = project("stacks", &["net", "app", "edge"], THREE_STACKS);
    let summary_file = dir.path().join("step-summary.md");
    let outputs_file = dir.path().join("outputs");
    let out = platform_deploy()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary_file)
        .env("GITHUB_OUTPUT", &outputs_file)
        .args(["plan", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for stack in ["net", "app", "edge"] {
        let open = stderr
            .find(&format!("::group::terraform plan {stack}\n"))
            .unwrap_or_else(|| panic!("no group for {stack}:\n{stderr}"));
        let close = open + stderr[open..].find("::endgroup::").unwrap();
        let inside = &stderr[open..close];
        assert!(
            inside
                .lines()
                .skip(1)
                .all(|l| l.starts_with(&format!("[{stack}] "))),
            "foreign lines in {stack}'s group:\n{inside}"
        );
        assert!(inside.contains("Plan: 1 to add"), "{inside}");
    }
    let summary = std::fs::read_to_string(summary_file).unwrap();
    assert!(
        summary.contains("## platform-deploy plan")
            && summary.contains("edge")
            && summary.contains("planned (provisional)"),
        "{summary}"
    );
    let outputs = std::fs::read_to_string(outputs_file).unwrap();
    assert!(
        outputs.contains("plan-changed=true") && outputs.contains("outcome=succeeded"),
        "{outputs}"
    );
}

const SLOW_STACK: &str = "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"slow\"\ndir = \"stacks/slow\"\n";

/// Starts `apply --offline` of the planned slow stack and waits until terraform is inside its
/// 30-second provisioner (the state is locked); returns the running platform-deploy.
fn slow_apply_running(dir: &Path) -> std::process::Child {
    assert_eq!(run(dir, &["plan", "--offline"]).status.code(), Some(0));
    let child = platform_deploy()
        .current_dir(dir)
        .args(["apply", "--offline"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let state_lock = dir.join(".platform-deploy/plans/state/.slow.tfstate.lock.info");
    let started = Instant::now();
    while !state_lock.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(state_lock.exists(), "terraform never took the state lock");
    child
}

#[test]
fn a_second_run_on_the_same_work_folder_waits_for_the_first_or_refuses_with_no_wait() {
    let dir = project("stacks", &["slow"], SLOW_STACK);
    let mut first = slow_apply_running(dir.path());

    // --no-wait: refused at once with exit 2, naming the run that holds the folder.
    let out = run(dir.path(), &["--no-wait", "plan", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = json(&out)["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("another platform-deploy run is using")
            && message.contains(&format!("pid {}, platform-deploy apply", first.id())),
        "{message}"
    );
    assert!(message.contains("--no-wait"), "says how to wait: {message}");

    // Without it: the second run says it waits, and plans only once the first has finished.
    let second = platform_deploy()
        .current_dir(dir.path())
        .args(["--output", "json", "plan", "--offline"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run is still applying"
    );
    let first_status = first.wait().unwrap();
    assert_eq!(
        first_status.code(),
        Some(0),
        "the first run was not disturbed"
    );
    let out = second.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("waiting for the other platform-deploy run"),
        "{stderr}"
    );
    // It planned after the apply had finished: nothing is left to add.
    assert_eq!(json(&out)["data"]["stacks"]["slow"]["counts"]["add"], 0);
}

#[test]
fn an_offline_run_killed_with_sigkill_leaves_the_checkout_clean_and_the_next_run_works() {
    let dir = project("stacks", &["slow"], SLOW_STACK);
    let git = |args: &[&str]| {
        crate::support::process::run_ok(
            std::process::Command::new("git")
                .current_dir(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args),
            &format!("git {}", args.join(" ")),
        )
    };
    std::fs::write(dir.path().join(".gitignore"), ".platform-deploy/\n").unwrap();
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "stacks"]);

    let child = slow_apply_running(dir.path());
    // terraform runs in a process group of its own (so a Ctrl-C reaches it once): kill that too.
    let pid = child.id();
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    for terraform in children.split_whitespace() {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(terraform.parse().unwrap()),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let _ = child.wait_with_output();

    assert_eq!(git(&["status", "--porcelain"]), "", "the checkout changed");
    let out = run(dir.path(), &["plan", "--offline"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_role_terraform_runs_as_the_assumed_role_and_not_as_the_ambient_keys() {
    let moto = sandbox::aws_url();
    let tf_config = terraform::cli_config();
    let endpoint = crate::support::oidc::token_endpoint().await;
    let toml = "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"whoami\"\ndir = \"stacks/whoami\"\n";
    let dir = project("moto-stacks", &["whoami"], toml);
    let role = crate::support::aws::role(&moto, "platform-deploy-plan", None);
    let mut cmd = platform_deploy();
    sandbox::aws_env(&mut cmd, &moto)
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", &tf_config)
        .env("AWS_REGION", "us-east-1")
        // Ambient keys a runner may carry: with a role they must not be what terraform uses.
        .env("AWS_ACCESS_KEY_ID", "AKIAAMBIENTKEY000000")
        .env("AWS_SECRET_ACCESS_KEY", "ambient-secret")
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            crate::support::oidc::request_url(&endpoint),
        )
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            crate::support::oidc::REQUEST_TOKEN,
        )
        .env("GITHUB_RUN_ID", "4242")
        .args(["--output", "json", "--role-to-assume", &role, "plan"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let plan: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".platform-deploy/plans/whoami.json")).unwrap(),
    )
    .unwrap();
    let arn = plan["planned_values"]["outputs"]["arn"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        arn.contains(":assumed-role/platform-deploy-plan/platform-deploy-4242"),
        "terraform ran as {arn:?}, not as the role"
    );
    // The exchange went through the runtime's endpoint, and no credential reached the log.
    assert!(!endpoint.received_requests().await.unwrap().is_empty());
    for secret in [
        crate::support::oidc::REQUEST_TOKEN,
        crate::support::oidc::ID_TOKEN,
    ] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
    let profile =
        std::fs::read_to_string(dir.path().join(".platform-deploy/plans/aws-config")).unwrap();
    assert!(profile.contains("aws-credentials"), "{profile}");
    assert!(!profile.contains("ambient-secret"), "{profile}");
}
