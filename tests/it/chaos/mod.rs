//! `platform-deploy chaos`: the checks before an experiment starts (no AWS needed: the deploy targets
//! come from a file), and experiments run on the AWS stand-in's FIS (StartExperiment, the state machine,
//! StopExperiment on SIGINT). The bundled templates, halted by an SLO alarm, run in deploy::e2e_bundled.

mod fis;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

use crate::support::output::json;
use crate::support::process::platform_deploy;

/// A project with a primary and a standby DR region, and deploy targets naming `templates` in the primary.
pub(super) fn project(templates: Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for stack in ["us-east-1", "eu-west-1"] {
        std::fs::create_dir(dir.path().join(stack)).unwrap();
        std::fs::write(dir.path().join(stack).join("main.tf"), "").unwrap();
    }
    std::fs::write(
        dir.path().join("platform.toml"),
        r#"[project]
name = "shop"

[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]

[[stacks]]
name = "us-east-1"
dir = "us-east-1"
region = "us-east-1"

[[stacks]]
name = "eu-west-1"
dir = "eu-west-1"
region = "eu-west-1"
"#,
    )
    .unwrap();
    let region = |name: &str, is_dr: bool, role: &str, chaos: Value| {
        json!({"region": name, "is_dr": is_dr, "traffic_role": role, "ecr_repository": "shop/api",
               "chaos_experiments": chaos, "services": {}})
    };
    std::fs::write(
        dir.path().join("targets.json"),
        json!({
            "us-east-1": region("us-east-1", false, "active", templates),
            "eu-west-1": region("eu-west-1", true, "standby", json!({})),
        })
        .to_string(),
    )
    .unwrap();
    dir
}

pub(super) fn chaos(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = platform_deploy();
    cmd.current_dir(dir)
        .args(["--output", "json", "chaos", "--targets", "targets.json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(dir: &Path, args: &[&str]) -> (Output, Value) {
    let out = chaos(dir, args).output().unwrap();
    let value = json(&out);
    (out, value)
}

#[test]
fn list_shows_the_regions_experiments_and_starts_nothing() {
    let dir = project(json!({"api-latency": "EXT1", "az-outage": "EXT2"}));
    let (out, result) = run(dir.path(), &["--list"]);
    assert_eq!(out.status.code(), Some(0), "{result}");
    assert_eq!(
        result["data"]["experiments"],
        json!({"api-latency": "EXT1", "az-outage": "EXT2"})
    );
}

#[test]
fn an_unknown_experiment_is_bad_input_naming_the_ones_there() {
    let dir = project(json!({"api-latency": "EXT1", "az-outage": "EXT2"}));
    let (out, result) = run(dir.path(), &["api-latancy"]);
    assert_eq!(out.status.code(), Some(2), "{result}");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("no chaos experiment `api-latancy` in us-east-1")
            && message.contains("api-latency, az-outage"),
        "{message}"
    );
}

#[test]
fn a_standby_region_is_refused_before_anything_starts() {
    let dir = project(json!({"api-latency": "EXT1"}));
    let (out, result) = run(dir.path(), &["api-latency", "--region", "eu-west-1"]);
    assert_eq!(out.status.code(), Some(8), "{result}");
    let message = result["message"].as_str().unwrap();
    assert!(
        message.contains("eu-west-1 is a standby DR region")
            && message.contains("failover --to eu-west-1"),
        "{message}"
    );
}

#[test]
fn a_bad_duration_names_the_flag() {
    let dir = project(json!({"api-latency": "EXT1"}));
    let (out, result) = run(dir.path(), &["api-latency", "--timeout", "soon"]);
    assert_eq!(out.status.code(), Some(2), "{result}");
    assert!(
        result["message"]
            .as_str()
            .unwrap()
            .contains("--timeout \"soon\""),
        "{result}"
    );
}
