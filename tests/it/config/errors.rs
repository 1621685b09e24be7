//! Every bad platform.toml is refused with exit code 2, the file:line:column of the problem and the fix.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::support::process::platform_deploy;

/// A project folder with two stack folders, an image context and a valid platform.toml.
fn project() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for stack in ["stacks/primary", "stacks/dr", "stacks/global"] {
        fs::create_dir_all(dir.path().join(stack)).unwrap();
        fs::write(dir.path().join(stack).join("main.tf"), "").unwrap();
    }
    fs::create_dir_all(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("app/Dockerfile"), "FROM scratch\n").unwrap();
    dir
}

const VALID: &str = r#"[project]
name = "shop"

[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]

[[stacks]]
name = "us-east-1"
dir = "stacks/primary"
region = "us-east-1"

[[stacks]]
name = "eu-west-1"
dir = "stacks/dr"
region = "eu-west-1"
depends_on = ["us-east-1"]

[[stacks]]
name = "global"
dir = "stacks/global"
depends_on = ["us-east-1", "eu-west-1"]

[stacks.inputs.regional_origins]
us-east-1 = "us-east-1.edge_origin"
eu-west-1 = "eu-west-1.edge_origin"

[image]
repository = "shop/api"
context = "app"

[[services]]
name = "api"

[rollout]
bake_time = "5m"
"#;

fn check(dir: &Path, toml: &str) -> (i32, String, String) {
    fs::write(dir.join("platform.toml"), toml).unwrap();
    let out = platform_deploy()
        .current_dir(dir)
        .args(["config", "check"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Replaces `from` (which must occur) in the valid file.
fn with(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "fixture lacks {from:?}");
    VALID.replacen(from, to, 1)
}

fn assert_refused(toml: &str, line: usize, col: usize, message: &str, fix: &str) {
    let dir = project();
    let (code, _, stderr) = check(dir.path(), toml);
    assert_eq!(code, 2, "exit code for {message:?}; stderr:\n{stderr}");
    let position = format!("platform.toml:{line}:{col}:");
    assert!(
        stderr.contains(&position),
        "expected {position} in:\n{stderr}"
    );
    assert!(
        stderr.contains(message),
        "expected {message:?} in:\n{stderr}"
    );
    assert!(
        stderr.contains("fix:") && stderr.contains(fix),
        "expected fix {fix:?} in:\n{stderr}"
    );
}

#[test]
fn the_valid_file_passes_and_prints_resolved_settings() {
    let dir = project();
    let (code, stdout, stderr) = check(dir.path(), VALID);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("regions:   us-east-1 (primary), DR: eu-west-1"),
        "{stdout}"
    );
    assert!(stdout.contains("after us-east-1, eu-west-1"), "{stdout}");
}

#[test]
fn json_output_carries_the_resolved_settings() {
    let dir = project();
    fs::write(dir.path().join("platform.toml"), VALID).unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .args(["config", "check", "--output", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["outcome"], "succeeded");
    assert_eq!(json["data"]["primary_region"], "us-east-1");
    assert_eq!(json["data"]["rollout"]["bake_time"], "5m");
    assert_eq!(
        json["data"]["stacks"][2]["inputs"]["regional_origins"]["eu-west-1"]["output"],
        "edge_origin"
    );
}

#[test]
fn unknown_key() {
    assert_refused(
        &with("[rollout]\n", "[rollout]\nbake = \"1m\"\n"),
        36,
        1,
        "unknown field `bake`",
        "remove the key or correct its spelling",
    );
}

#[test]
fn wrong_type() {
    assert_refused(
        &with("secondary = [\"eu-west-1\"]", "secondary = \"eu-west-1\""),
        6,
        13,
        "invalid type",
        "give the value the type",
    );
}

#[test]
fn missing_required_section() {
    let toml = VALID.replacen("[project]\nname = \"shop\"\n", "", 1);
    assert_refused(
        &toml,
        1,
        1,
        "missing field `project`",
        "add the missing key",
    );
}

#[test]
fn toml_syntax_error() {
    assert_refused(
        &with("name = \"shop\"", "name = \"shop"),
        2,
        13,
        "",
        "correct the TOML syntax",
    );
}

#[test]
fn unknown_region_with_suggestion() {
    assert_refused(
        &with("primary = \"us-east-1\"", "primary = \"us-east-9\""),
        5,
        11,
        "unknown AWS region `us-east-9`",
        "did you mean \"us-east-1\"?",
    );
}

#[test]
fn primary_listed_as_secondary() {
    assert_refused(
        &with(
            "secondary = [\"eu-west-1\"]",
            "secondary = [\"eu-west-1\", \"us-east-1\"]",
        ),
        6,
        27,
        "both the primary and a secondary region",
        "list only the DR regions",
    );
}

#[test]
fn stack_region_outside_the_platform() {
    assert_refused(
        &with(
            "region = \"eu-west-1\"\ndepends_on",
            "region = \"eu-west-2\"\ndepends_on",
        ),
        16,
        10,
        "neither regions.primary nor in regions.secondary",
        "add \"eu-west-2\" to regions.secondary",
    );
}

#[test]
fn stack_cycle() {
    let toml = with(
        "name = \"us-east-1\"\ndir = \"stacks/primary\"",
        "name = \"us-east-1\"\ndir = \"stacks/primary\"\ndepends_on = [\"global\"]",
    );
    assert_refused(
        &toml,
        23,
        15,
        "stack dependency cycle: us-east-1 → global → us-east-1",
        "remove one of these depends_on entries",
    );
}

#[test]
fn depends_on_names_no_stack() {
    assert_refused(
        &with(
            "depends_on = [\"us-east-1\"]\n",
            "depends_on = [\"us-east1\"]\n",
        ),
        17,
        15,
        "depends on `us-east1`, which is not a stack",
        "did you mean \"us-east-1\"?",
    );
}

#[test]
fn missing_stack_directory() {
    assert_refused(
        &with("dir = \"stacks/dr\"", "dir = \"stacks/dr-typo\""),
        15,
        7,
        "does not exist",
        "relative to the folder of platform.toml",
    );
}

#[test]
fn stack_directory_without_terraform() {
    let dir = project();
    fs::create_dir_all(dir.path().join("docs")).unwrap();
    let (code, _, stderr) = check(dir.path(), &with("dir = \"stacks/dr\"", "dir = \"docs\""));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("platform.toml:15:7:") && stderr.contains("holds no .tf files"),
        "{stderr}"
    );
}

#[test]
fn missing_dockerfile() {
    assert_refused(
        &with(
            "context = \"app\"",
            "context = \"app\"\ndockerfile = \"Containerfile\"",
        ),
        31,
        14,
        "Dockerfile",
        "set image.dockerfile to its path",
    );
}

#[test]
fn invalid_repository_name() {
    assert_refused(
        &with(
            "repository = \"shop/api\"",
            "repository = \"Shop/API:latest\"",
        ),
        29,
        14,
        "not a valid ECR repository name",
        "no registry host and no tag",
    );
}

#[test]
fn bad_duration() {
    assert_refused(
        &with("bake_time = \"5m\"", "bake_time = \"five minutes\""),
        36,
        13,
        "is not a duration",
        "\"90s\", \"5m\"",
    );
}

#[test]
fn ec2_deployment_config_is_refused_for_ecs() {
    assert_refused(
        &with(
            "[rollout]\n",
            "[rollout]\ndeployment_config = \"CodeDeployDefault.OneAtATime\"\n",
        ),
        36,
        21,
        "not a CodeDeploy configuration for ECS",
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
    );
}

#[test]
fn input_from_a_stack_not_depended_on() {
    let toml = with(
        "[[stacks]]\nname = \"eu-west-1\"\ndir = \"stacks/dr\"",
        "[[stacks]]\nname = \"eu-west-1\"\ndir = \"stacks/dr\"\ninputs = { x = \"global.out\" }",
    );
    assert_refused(
        &toml,
        16,
        16,
        "reads stack `global`, which is not in its depends_on",
        "add \"global\" to depends_on",
    );
}

#[test]
fn duplicate_stack_names() {
    let toml = with("name = \"global\"", "name = \"us-east-1\"");
    assert_refused(
        &toml,
        20,
        8,
        "stack `us-east-1` is defined twice",
        "give every [[stacks]] entry a different name",
    );
}

#[test]
fn unknown_lifecycle_hook() {
    let toml = with(
        "[[services]]\nname = \"api\"\n",
        "[[services]]\nname = \"api\"\nhooks = { BeforeTraffic = \"arn:aws:lambda:us-east-1:1:function:x\" }\n",
    );
    assert_refused(
        &toml,
        34,
        11,
        "not a CodeDeploy ECS lifecycle hook",
        "BeforeAllowTraffic",
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let dir = project();
    let toml = with("primary = \"us-east-1\"", "primary = \"us-east-9\"").replacen(
        "bake_time = \"5m\"",
        "bake_time = \"soon\"",
        1,
    );
    let (code, _, stderr) = check(dir.path(), &toml);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("platform.toml:5:11:") && stderr.contains("platform.toml:36:13:"),
        "{stderr}"
    );
    // An unknown primary region is one problem, not a cascade of follow-on ones.
    assert_eq!(stderr.matches("fix:").count(), 2, "{stderr}");
}

#[test]
fn missing_file_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .args(["--config", "nope.toml", "config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read nope.toml") && stderr.contains("--config PATH"),
        "{stderr}"
    );
}

#[test]
fn in_actions_problems_become_error_annotations() {
    let dir = project();
    fs::write(
        dir.path().join("platform.toml"),
        with("primary = \"us-east-1\"", "primary = \"us-east-9\""),
    )
    .unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("::error file=platform.toml,line=5,col=11::unknown AWS region `us-east-9`"),
        "{stderr}"
    );
}

/// The valid file with one state bucket per region: regional stacks keep their state in their own
/// region's bucket, the global stack in `region`'s.
/// `config check --output json` of `toml`: the resolved settings.
fn resolved(toml: &str) -> serde_json::Value {
    let dir = project();
    fs::write(dir.path().join("platform.toml"), toml).unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .args(["config", "check", "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn with_state_buckets(stack_extra: &str) -> String {
    with(
        "[[stacks]]\nname = \"us-east-1\"",
        &format!(
            "[terraform.backend]\nregion = \"eu-west-1\"\nkey_prefix = \"shop\"\nbuckets = {{ us-east-1 = \"shop-state-use1\", eu-west-1 = \"shop-state-euw1\" }}\n\n[[stacks]]\nname = \"us-east-1\"{stack_extra}"
        ),
    )
}

#[test]
fn each_stack_keeps_its_state_in_its_regions_bucket_with_the_others_as_replicas() {
    let json = resolved(&with_state_buckets(""));
    let backend = |i: usize| json["data"]["stacks"][i]["backend"].clone();
    assert_eq!(backend(0)["bucket"], "shop-state-use1");
    assert_eq!(backend(0)["replicas"][0]["bucket"], "shop-state-euw1");
    assert_eq!(backend(1)["bucket"], "shop-state-euw1");
    assert_eq!(backend(1)["replicas"][0]["region"], "us-east-1");
    // The global stack has no region: terraform.backend.region, out of the primary's reach.
    assert_eq!(backend(2)["region"], "eu-west-1");
    assert_eq!(backend(2)["key_prefix"], "shop");
}

#[test]
fn a_state_bucket_keyed_by_an_unknown_region() {
    let toml = with_state_buckets("").replace(
        "eu-west-1 = \"shop-state-euw1\"",
        "eu-west-9 = \"shop-state-euw1\"",
    );
    assert_refused(
        &toml,
        11,
        56,
        "unknown AWS region `eu-west-9` in terraform.backend.buckets",
        "key each state bucket by an AWS region code",
    );
}

#[test]
fn a_state_region_without_a_bucket() {
    assert_refused(
        &with_state_buckets("\nstate_region = \"us-west-2\""),
        15,
        16,
        "stack `us-east-1`: no state bucket in `us-west-2`",
        "add us-west-2 = \"BUCKET\" to terraform.backend.buckets",
    );
}

#[test]
fn the_backend_region_needs_a_bucket() {
    let toml = with_state_buckets("").replace(
        "region = \"eu-west-1\"\nkey_prefix",
        "region = \"us-west-2\"\nkey_prefix",
    );
    assert_refused(
        &toml,
        9,
        10,
        "no state bucket in us-west-2, the region of terraform.backend",
        "add us-west-2 = \"BUCKET\" to terraform.backend.buckets",
    );
}

// -- [rollout.analysis] ------------------------------------------------------------------------------

/// The valid file with `extra` appended (line 37 is the first line of `extra`).
fn with_analysis(extra: &str) -> String {
    format!("{VALID}{extra}")
}

#[test]
fn an_empty_analysis_table_runs_the_platforms_slo_checks() {
    let json = resolved(&with_analysis("\n[rollout.analysis]\n"));
    let analysis = &json["data"]["services"][0]["analysis"];
    assert_eq!(analysis["interval"], "1m");
    assert_eq!(analysis["failure_limit"], 1);
    assert_eq!(analysis["inconclusive"], "continue");
    let checks = analysis["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["error-rate", "latency-p95"]);
    assert_eq!(checks[0]["query"]["expression"], "errors / requests");
    assert_eq!(checks[0]["max"]["text"], "0.1%");
    assert_eq!(checks[1]["query"]["stat"], "p95");
    assert_eq!(checks[1]["max"]["value"], 0.3);
    // Without the table, no analysis.
    let json = resolved(VALID);
    assert!(json["data"]["services"][0]["analysis"].is_null());
}

#[test]
fn a_service_table_overrides_the_rollouts_checks_by_name_and_can_turn_it_off() {
    let toml = VALID.replace(
        "[[services]]\nname = \"api\"\n",
        concat!(
            "[[services]]\nname = \"api\"\n",
            "[services.analysis]\ninterval = \"2m\"\n",
            "[services.analysis.checks.latency-p95]\nmetric = \"TargetResponseTime\"\nstat = \"p99\"\nmax = \"0.5s\"\nmax_vs_stable = 1.2\n",
            "[[services]]\nname = \"worker\"\n[services.analysis]\nenabled = false\n",
            "[[services]]\nname = \"payments\"\n",
        ),
    );
    let json = resolved(&format!(
        "{toml}\n[rollout.analysis]\nmin_requests = 10\ninconclusive = \"fail\"\n"
    ));
    let services = json["data"]["services"].as_array().unwrap();
    let api = &services[0]["analysis"];
    assert_eq!(api["interval"], "2m");
    assert_eq!(
        api["min_requests"], 10,
        "the rollout's settings under the service's"
    );
    assert_eq!(api["inconclusive"], "fail");
    assert_eq!(api["checks"][0]["name"], "error-rate");
    assert_eq!(api["checks"][1]["query"]["stat"], "p99");
    assert_eq!(api["checks"][1]["max_vs_stable"], 1.2);
    assert!(services[1]["analysis"].is_null(), "worker turned it off");
    assert_eq!(
        services[2]["analysis"]["interval"], "1m",
        "payments runs the rollout's"
    );
}

#[test]
fn an_unknown_metric_is_refused_with_the_list() {
    assert_refused(
        &with_analysis(
            "[rollout.analysis.checks.latency]\nmetric = \"ResponseTime\"\nstat = \"p95\"\nmax = \"300ms\"\n",
        ),
        38,
        10,
        "`ResponseTime` is not a load balancer target group metric",
        "TargetResponseTime",
    );
}

#[test]
fn a_threshold_without_a_unit_is_refused() {
    assert_refused(
        &with_analysis(
            "[rollout.analysis.checks.latency]\nmetric = \"TargetResponseTime\"\nstat = \"p95\"\nmax = \"300\"\n",
        ),
        40,
        7,
        "rollout.analysis.checks.latency.max: `300` has no unit",
        "\"300ms\", \"0.5s\", \"0.1%\"",
    );
}

#[test]
fn a_latency_limit_in_percent_does_not_fit() {
    assert_refused(
        &with_analysis(
            "[rollout.analysis.checks.latency]\nmetric = \"TargetResponseTime\"\nstat = \"p95\"\nmax = \"5%\"\n",
        ),
        40,
        7,
        "does not fit TargetResponseTime",
        "a time",
    );
}

#[test]
fn an_expression_over_an_id_metrics_does_not_name_is_refused() {
    assert_refused(
        &with_analysis(concat!(
            "[rollout.analysis.checks.errors]\n",
            "expression = \"errors / requets\"\n",
            "metrics = { errors = \"HTTPCode_Target_5XX_Count:Sum\", requests = \"RequestCount\" }\n",
            "max = \"1%\"\n",
        )),
        38,
        14,
        "the expression uses `requets`, which `metrics` does not name",
        "add requets = \"METRIC:STAT\"",
    );
}

#[test]
fn an_interval_of_seconds_and_a_bad_choice_are_refused() {
    assert_refused(
        &with_analysis("[rollout.analysis]\ninterval = \"30s\"\n"),
        38,
        12,
        "is not a whole number of minutes",
        "load balancer metrics come per minute",
    );
    assert_refused(
        &with_analysis("[rollout.analysis]\ninconclusive = \"wait\"\n"),
        38,
        16,
        "rollout.analysis.inconclusive = \"wait\" is not a choice",
        "\"continue\"",
    );
}

#[test]
fn a_metric_without_stat_and_a_check_without_limit_are_refused() {
    assert_refused(
        &with_analysis(
            "[rollout.analysis.checks.latency]\nmetric = \"TargetResponseTime\"\nmax = \"300ms\"\n",
        ),
        38,
        10,
        "names a metric but no `stat`",
        "stat = \"p95\"",
    );
    assert_refused(
        &with_analysis(
            "[rollout.analysis.checks.latency]\nmetric = \"TargetResponseTime\"\nstat = \"p95\"\n",
        ),
        37,
        1,
        "rollout.analysis.checks.latency has no limit",
        "max = \"300ms\"",
    );
}

// -- [rollout.pause] -------------------------------------------------------------------------------

#[test]
fn pause_points_and_timeout_resolve_with_the_projects_gate_path() {
    let json = resolved(&with_analysis(
        "[rollout.pause]\nat = [\"before-traffic\", \"dr-waves\"]\ntimeout = \"20m\"\n",
    ));
    let pause = &json["data"]["rollout"]["pause"];
    let dir = project();
    let (code, stdout, _) = check(
        dir.path(),
        &with_analysis("[rollout.analysis]\n[rollout.pause]\nat = [\"dr-waves\"]\n"),
    );
    assert_eq!(code, 0);
    assert!(
        stdout.contains("analysis:  api: error-rate, latency-p95 every 1m"),
        "{stdout}"
    );
    assert!(
        stdout.contains("gates:     dr-waves (promote or abort within 30m)"),
        "{stdout}"
    );
    assert_eq!(
        pause["at"],
        serde_json::json!(["before-traffic", "dr-waves"])
    );
    assert_eq!(pause["timeout"], "20m");
    assert_eq!(pause["parameter_path"], "/platform-deploy/shop/gates");
}

#[test]
fn a_pause_at_a_point_that_does_not_exist_is_refused() {
    assert_refused(
        &with_analysis("[rollout.pause]\nat = [\"before-traffic\", \"after-canary\"]\n"),
        38,
        25,
        "rollout.pause.at: `after-canary` is not a point a rollout can hold at",
        "use before-traffic, after-traffic, dr-waves",
    );
}

#[test]
fn a_pause_longer_than_the_rollout_is_refused() {
    assert_refused(
        &with_analysis("[rollout.pause]\nat = [\"after-traffic\"]\ntimeout = \"2h\"\n"),
        39,
        11,
        "rollout.pause.timeout (2h) is not shorter than rollout.timeout (1h)",
        "shorten rollout.pause.timeout or lengthen rollout.timeout",
    );
}

/// `[image.secrets]` after the image's context line.
fn with_secrets(entries: &str) -> String {
    with(
        "context = \"app\"",
        &format!("context = \"app\"\n\n[image.secrets]\n{entries}"),
    )
}

#[test]
fn a_secret_names_exactly_one_source() {
    assert_refused(
        &with_secrets("npm = { env = \"NPM_TOKEN\", file = \"npm.txt\" }\n"),
        33,
        7,
        "image.secrets.npm must name exactly one source",
        "npm = { env = \"VARIABLE\" }",
    );
}

#[test]
fn a_secret_id_is_what_a_run_mount_can_name() {
    assert_refused(
        &with_secrets("\"npm token\" = { env = \"NPM_TOKEN\" }\n"),
        33,
        1,
        "`npm token` is not a usable secret id",
        "RUN --mount=type=secret,id=ID",
    );
}

#[test]
fn secrets_resolve_to_their_sources_never_their_values() {
    let data = resolved(&with_secrets(
        "npm = { env = \"NPM_TOKEN\" }\npip = { file = \"ci/pip.conf\" }\n",
    ));
    let secrets = &data["data"]["image"]["secrets"];
    assert_eq!(secrets["npm"], serde_json::json!({"env": "NPM_TOKEN"}));
    let file = secrets["pip"]["file"].as_str().unwrap();
    assert!(
        file.ends_with("/ci/pip.conf"),
        "relative to platform.toml: {file}"
    );
}
