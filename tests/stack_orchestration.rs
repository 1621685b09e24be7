//! `plan` and `apply` across stacks with the real terraform CLI: graph order, parallel plans,
//! outputs passed downstream, apply held to the reviewed change set, failures and interruption.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn require_terraform() {
    let ok = StdCommand::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "terraform is not on PATH: install Terraform 1.11 (the README's `scripts/test` expects it)"
    );
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
    Command::cargo_bin("platform-deploy")
        .unwrap()
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .args(["--output", "json"])
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
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
    assert!(
        !dir.path()
            .join("stacks/net/platform_deploy_offline_override.tf")
            .exists(),
        "the offline override must be removed after the run"
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
            dir.path()
                .join("stacks/edge/platform-deploy.auto.tfvars.json"),
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
    let toml = "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"slow\"\ndir = \"stacks/slow\"\n";
    let dir = project("stacks", &["slow"], toml);
    assert_eq!(
        run(dir.path(), &["plan", "--offline"]).status.code(),
        Some(0)
    );
    let child = StdCommand::new(assert_cmd::cargo::cargo_bin("platform-deploy"))
        .current_dir(dir.path())
        .args(["apply", "--offline"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until terraform is inside the slow provisioner (state locked), then interrupt.
    let state_lock = dir
        .path()
        .join(".platform-deploy/plans/state/.slow.tfstate.lock.info");
    let started = Instant::now();
    while !state_lock.exists() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(state_lock.exists(), "terraform never took the state lock");
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
    let moto = std::env::var("PD_SANDBOX_MOTO_URL")
        .expect("moto is not running: start it with `eval \"$(scripts/sandbox up)\"` (PD_SANDBOX_MOTO_URL unset)");
    let tf_config = std::env::var("TF_CLI_CONFIG_FILE")
        .expect("TF_CLI_CONFIG_FILE is unset: `eval \"$(scripts/sandbox up)\"` points it at the local provider mirror");
    let suffix = format!("{}", std::process::id());
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
        format!("name = \"jobs-{suffix}\"\n"),
    )
    .unwrap();
    let aws = |args: &[&str]| {
        Command::cargo_bin("platform-deploy")
            .unwrap()
            .current_dir(dir.path())
            .env("AWS_ENDPOINT_URL", &moto)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("TF_CLI_CONFIG_FILE", &tf_config)
            .env_remove("GITHUB_ACTIONS")
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
        state.contains(&format!("jobs-{suffix}")),
        "consumer did not receive the queue URL:\n{state}"
    );
}

#[test]
fn in_actions_each_stack_log_is_one_group_and_the_summary_is_written() {
    let dir = project("stacks", &["net", "app", "edge"], THREE_STACKS);
    let summary_file = dir.path().join("step-summary.md");
    let outputs_file = dir.path().join("outputs");
    let out = Command::cargo_bin("platform-deploy")
        .unwrap()
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
