//! `deploy --dry-run --offline` on the bundled example prints the whole plan and touches nothing.
//! Needs terraform on PATH and the aws provider (the sandbox's mirror: `eval "$(scripts/sandbox up)"`).

use crate::support::process::platform_deploy;
use crate::support::terraform;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn deploy(output: &str) -> std::process::Output {
    terraform::require_terraform();
    terraform::cli_config();
    platform_deploy()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--config",
            "examples/shop/platform.toml",
            "--output",
            output,
        ])
        .args(["deploy", "--dry-run", "--offline", "--git-sha", SHA])
        .output()
        .unwrap()
}

#[test]
fn text_plan_shows_stack_order_image_and_region_waves() {
    let out = deploy("text");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Deploy plan for project platform at 0123456789ab (dry run, offline"),
        "{stdout}"
    );
    assert!(
        stdout.contains("apply 1: us-east-1\n   apply 2: eu-west-1\n   apply 3: global"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("push platform/api:{SHA} to ECR in us-east-1")),
        "{stdout}"
    );
    assert!(
        stdout.contains("wait for replication of the digest to eu-west-1"),
        "{stdout}"
    );
    assert!(stdout.contains("rollout wave 1: us-east-1"), "{stdout}");
    assert!(stdout.contains("rollout wave 2: eu-west-1"), "{stdout}");
    assert!(
        stdout.contains("api in eu-west-1: CodeDeploy blue/green with"),
        "{stdout}"
    );
}

#[test]
fn json_plan_is_the_same_plan_for_machines() {
    let out = deploy("json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    assert_eq!(json["outcome"], "succeeded");
    let plan = &json["data"]["plan"];
    assert_eq!(
        plan["terraform"]["apply_levels"],
        serde_json::json!([["us-east-1"], ["eu-west-1"], ["global"]])
    );
    assert_eq!(
        plan["image"]["replicate_to"],
        serde_json::json!(["eu-west-1"])
    );
    assert_eq!(
        plan["rollout"][0]["regions"],
        serde_json::json!(["us-east-1"])
    );
    assert_eq!(plan["rollout"][1]["services"][0]["dr_standby"], true);
    // The bundled stacks were really planned, offline.
    let stacks = &json["data"]["terraform"]["stacks"];
    for stack in ["us-east-1", "eu-west-1", "global"] {
        assert_eq!(
            stacks[stack]["status"], "planned",
            "{stack}: {}",
            stacks[stack]
        );
        assert!(
            stacks[stack]["counts"]["add"].as_u64().unwrap() > 10,
            "{stack} creates the platform"
        );
        assert!(
            stacks[stack]["change_set_hash"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }
    assert_eq!(
        stacks["global"]["provisional"], true,
        "global plans before the regions are applied"
    );
}

#[test]
fn deploy_without_dry_run_is_refused_as_bad_input() {
    // Refused by the argument parser, before any stack folder is touched: no lock.
    let out = platform_deploy()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--config",
            "examples/shop/platform.toml",
            "deploy",
            "--offline",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--offline requires --dry-run");
}
