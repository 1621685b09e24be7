//! Wire-level: `[rollout.pause]` gates against the sandbox's AWS stand-in. The controller holds the
//! deployment (an ECS PAUSE hook, CodeDeploy's ready wait), the rollout opens its gate in SSM, and
//! another process — the `platform-deploy promote` / `abort` binary — decides. Every test works
//! under a project name of its own, so its gates are its own.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_codedeploy::types::{
    BlueGreenDeploymentConfiguration, DeploymentReadyAction, DeploymentReadyOption,
};
use platform_deploy::OutcomeKind;
use platform_deploy::aws::RegionClients;
use platform_deploy::config::{GatePoint, Pause, gate_parameter_path};
use platform_deploy::rollout;
use platform_deploy::rollout::gate::{Gate, GateState};
use platform_deploy::rollout::{ImageRef, RolloutOptions};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::ecs_native::{ecs_platform_in_moto, newest_deployment, status_reason};
use super::moto::{
    StandIn, assert_stopped_by_us, binary, cli_setup, deployment, opts_for, rollout_args,
    rollout_in_moto, stand_in,
};
use super::moto_world::{REGION, platform_in_moto};
use super::sim::{World, run_rollout};
use crate::support::names::unique;

/// The gate of the test's service `api` at `point`.
fn gate(project: &str, point: GatePoint) -> Gate {
    Gate::of_service(&gate_parameter_path(project), REGION, "api", point)
}

/// Waits until the rollout has opened `gate` (at most 60 s).
pub(super) async fn opened(c: &RegionClients, gate: &Gate) {
    for _ in 0..600 {
        if let Ok(Some(doc)) = gate.read(&c.ssm).await
            && doc.state == GateState::Waiting
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the rollout did not open {} within 60 s", gate.name);
}

/// A folder whose platform.toml (project `project`) and targets the CLI reads.
pub(super) fn cli_dir(project: &str, targets: &Value, extra_toml: &str) -> tempfile::TempDir {
    let dir = cli_setup(targets);
    let toml = dir.path().join("platform.toml");
    let config = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("name = \"shop\"", &format!("name = \"{project}\""));
    std::fs::write(&toml, format!("{config}{extra_toml}")).unwrap();
    dir
}

/// `platform-deploy <verb> --reason <reason> ARGS` as alice, from `dir`.
fn decide(
    dir: &tempfile::TempDir,
    url: &str,
    verb: &str,
    reason: &str,
    args: &[&str],
) -> std::process::Output {
    binary(dir, url)
        .env("GITHUB_ACTOR", "alice")
        .args([verb, "--reason", reason])
        .args(args)
        .output()
        .unwrap()
}

/// A rollout of `image` that holds before traffic (for up to `timeout`) under `project`'s gates,
/// and the gate it opens there.
fn held_before_traffic(
    image: ImageRef,
    project: &str,
    timeout: Duration,
) -> (RolloutOptions, Gate) {
    let mut opts = opts_for(image);
    opts.settings.pause = Some(Pause {
        at: [GatePoint::BeforeTraffic].into(),
        timeout,
        parameter_path: gate_parameter_path(project),
    });
    (opts, gate(project, GatePoint::BeforeTraffic))
}

#[tokio::test]
async fn ecs_a_rollout_held_before_traffic_is_promoted_by_another_process() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdgate");
    let (targets, image) = ecs_platform_in_moto(&c, &url, &project).await;
    let dir = cli_dir(&project, &targets, "");
    let opts_image = image.to_string();
    let (opts, gate) = held_before_traffic(image, &project, Duration::from_secs(600));

    let promote = async {
        opened(&c, &gate).await;
        // Held: the new revision runs, and no production traffic moves while nobody decides.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            newest_deployment(&c, &project).await.unwrap().2,
            0.0,
            "traffic moved while held"
        );
        // `status` shows where the rollout waits and how to decide.
        let status = binary(&dir, &url)
            .args(["status", "--targets", "targets.json"])
            .output()
            .unwrap();
        let table = String::from_utf8_lossy(&status.stdout);
        assert!(
            table.contains(&format!(
                "{REGION}/api at before-traffic (release {}",
                opts_image
            )) && table.contains(&format!(
                "platform-deploy promote --region {REGION} --service api --reason"
            )),
            "{table}{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let out = decide(&dir, &url, "promote", "smoke tests pass", &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("promote: {REGION}/api at the before-traffic gate"))
                && stdout.contains("by alice: smoke tests pass"),
            "{stdout}"
        );
    };
    let (report, log) = rollout_in_moto(&c, targets, opts, promote).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    for line in [
        "held at the before-traffic gate",
        &format!("platform-deploy promote --region {REGION} --service api --reason"),
        "promoted at the before-traffic gate by alice: smoke tests pass; the deployment goes on",
        "traffic: 100% on the new task set",
    ] {
        assert!(log.contains(line), "expected {line:?} in:\n{log}");
    }
    let record = &report.deployments[0].gates;
    assert_eq!(record.len(), 1, "{record:?}");
    assert_eq!(
        (record[0].point, record[0].decision.as_str()),
        (GatePoint::BeforeTraffic, "promoted")
    );
    assert_eq!(record[0].by.as_deref(), Some("alice"));
    let summary = report.render_markdown();
    assert!(
        summary.contains(&format!(
            "| {REGION}/api | before-traffic | promoted | alice | smoke tests pass |"
        )),
        "{summary}"
    );
    assert_eq!(gate.read(&c.ssm).await.unwrap(), None, "the gate is closed");
}

#[tokio::test]
async fn codedeploy_a_rollout_held_in_the_ready_wait_is_aborted_and_rolled_back() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdabort");
    let (targets, image) = platform_in_moto(&c, &project, true).await;
    // The group waits for ContinueDeployment before rerouting traffic (ready_wait_minutes).
    c.codedeploy
        .update_deployment_group()
        .application_name(&project)
        .current_deployment_group_name("api")
        .blue_green_deployment_configuration(
            BlueGreenDeploymentConfiguration::builder()
                .deployment_ready_option(
                    DeploymentReadyOption::builder()
                        .action_on_timeout(DeploymentReadyAction::StopDeployment)
                        .wait_time_in_minutes(60)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let dir = cli_dir(&project, &targets, "");
    let (opts, gate) = held_before_traffic(image, &project, Duration::from_secs(600));

    let abort = async {
        opened(&c, &gate).await;
        let out = decide(
            &dir,
            &url,
            "abort",
            "error budget burning",
            &["--service", "api"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (report, log) = rollout_in_moto(&c, targets, opts, abort).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    let d = &report.deployments[0];
    assert!(
        d.message
            .contains("aborted at the before-traffic gate by alice: error budget burning"),
        "{}",
        d.message
    );
    assert_stopped_by_us(&deployment(&c, d.deployment_id.as_deref().unwrap()).await);
    assert_eq!(d.gates[0].decision, "aborted");
}

#[tokio::test]
async fn a_gate_nobody_answers_aborts_at_its_timeout() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdgateto");
    let (targets, image) = ecs_platform_in_moto(&c, &url, &project).await;
    let (opts, _) = held_before_traffic(image, &project, Duration::from_secs(2));

    let (report, log) = rollout_in_moto(&c, targets, opts, async {}).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    let d = &report.deployments[0];
    assert!(
        d.message
            .contains("nobody promoted or aborted within 2s at the before-traffic gate"),
        "{}",
        d.message
    );
    let (status, reason) = status_reason(&c, d.deployment_id.as_deref().unwrap()).await;
    assert_eq!(status, "ROLLBACK_SUCCESSFUL");
    assert!(reason.contains("StopServiceDeployment"), "{reason}");
    assert_eq!(d.gates[0].decision, "timed-out");
}

#[tokio::test]
async fn sigint_while_held_rolls_back_and_exits_7() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdgatesig");
    let (targets, image) = ecs_platform_in_moto(&c, &url, &project).await;
    let dir = cli_dir(
        &project,
        &targets,
        "\n[rollout.pause]\nat = [\"before-traffic\"]\ntimeout = \"10m\"\n",
    );
    let gate = gate(&project, GatePoint::BeforeTraffic);
    let child = binary(&dir, &url)
        .args(rollout_args(&image.to_string()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    opened(&c, &gate).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    let (arn, ..) = newest_deployment(&c, &project).await.unwrap();
    let (status, reason) = status_reason(&c, &arn).await;
    assert!(status.starts_with("ROLLBACK_"), "{status}: {reason}");
    assert!(reason.contains("StopServiceDeployment"), "{reason}");
    assert_eq!(gate.read(&c.ssm).await.unwrap(), None, "the gate is closed");
}

#[tokio::test]
async fn codedeploy_without_a_ready_wait_is_refused_before_anything_changes() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdgatecd");
    let (targets, image) = platform_in_moto(&c, &project, true).await;
    let dir = cli_dir(
        &project,
        &targets,
        "\n[rollout.pause]\nat = [\"before-traffic\", \"after-traffic\"]\ntimeout = \"20m\"\n",
    );

    let out = binary(&dir, &url)
        .args(rollout_args(&image.to_string()))
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    for text in [
        &format!(
            "rollout.pause holds before traffic, and deployment group {project}/api reroutes traffic without waiting"
        ),
        "ready_wait_minutes > 0",
        "rollout.pause holds after traffic for up to 20m",
        "nothing was changed",
    ] {
        assert!(stderr.contains(text), "expected {text:?} in:\n{stderr}");
    }
}

#[tokio::test]
async fn promote_with_no_gate_waiting_says_so_with_exit_2() {
    let StandIn { url, c } = stand_in().await;
    let project = unique("pdnogate");
    let (targets, _) = platform_in_moto(&c, &project, false).await;
    let dir = cli_dir(&project, &targets, "");

    let out = decide(&dir, &url, "promote", "ship it", &["--service", "api"]);

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no rollout is waiting at a gate in {REGION} for api"
        )),
        "{stderr}"
    );
    let out = decide(&dir, &url, "abort", "  ", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reason is empty"));
}

/// The CodeDeploy world of `project` in the primary region and in a DR region, with the pushed
/// image in both; a rollout of it that holds before the DR wave, and that gate.
async fn two_regions_held_before_dr(s: &StandIn, project: &str) -> (World, RolloutOptions, Gate) {
    let dr = "eu-west-1";
    let config = crate::support::aws::stand_in(&s.url, dr)
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    let dr_clients = RegionClients::from_config(&config);
    let (primary_targets, image) = platform_in_moto(&s.c, project, true).await;
    let (mut dr_targets, _) = platform_in_moto(&dr_clients, project, true).await;
    dr_targets["region"] = json!(dr);
    dr_targets["is_dr"] = json!(true);
    let targets = rollout::targets::parse_targets_map(
        "moto",
        &json!({REGION: primary_targets, dr: dr_targets}),
    )
    .unwrap();
    let clients = BTreeMap::from([
        (REGION.to_string(), s.c.clone()),
        (dr.to_string(), dr_clients),
    ]);
    let mut opts = opts_for(image);
    opts.dr_regions = vec![dr.to_string()];
    opts.settings.bake_time = Duration::ZERO;
    opts.settings.pause = Some(Pause {
        at: [GatePoint::DrWaves].into(),
        timeout: Duration::from_secs(600),
        parameter_path: gate_parameter_path(project),
    });
    let gate = Gate::of_wave(&gate_parameter_path(project), dr, 2);
    ((targets, clients), opts, gate)
}

/// Deployments CodeDeploy has of the project's group in `region`.
async fn deployments_in(world: &World, region: &str, project: &str) -> usize {
    world.1[region]
        .codedeploy
        .list_deployments()
        .application_name(project)
        .deployment_group_name("api")
        .send()
        .await
        .unwrap()
        .deployments()
        .len()
}

/// Waits for the wave gate, checks nothing started in the DR region, and decides it as alice.
async fn decide_wave_gate(world: &World, project: &str, gate: &Gate, state: GateState) {
    let ssm = &world.1[&gate.region].ssm;
    opened(&world.1[&gate.region], gate).await;
    assert_eq!(
        deployments_in(world, &gate.region, project).await,
        0,
        "the DR wave started before anyone decided"
    );
    let waiting = gate.read(ssm).await.unwrap().unwrap();
    assert_eq!(waiting.point, GatePoint::DrWaves);
    gate.decide(ssm, &waiting, state, "alice", "primary looks healthy")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_dr_wave_waits_at_its_gate_until_promoted_or_aborted() {
    let s = stand_in().await;

    // Promoted: the DR wave is released after the decision.
    let project = unique("pdwavego");
    let (world, opts, gate) = two_regions_held_before_dr(&s, &project).await;
    let promote = decide_wave_gate(&world, &project, &gate, GateState::Promote);
    let cancel = CancellationToken::new();
    let ((result, log), ()) = tokio::join!(run_rollout(&opts, &world, &cancel), promote);
    let report = result.unwrap();
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert!(
        log.contains("wave 2 (eu-west-1) promoted by alice: primary looks healthy"),
        "{log}"
    );
    assert_eq!(deployments_in(&world, "eu-west-1", &project).await, 1);
    assert_eq!(report.wave_gates[0].decision, "promoted");
    assert!(
        report
            .render_markdown()
            .contains("| rollout | dr-waves | promoted | alice | primary looks healthy |"),
        "{}",
        report.render_markdown()
    );
    assert_eq!(gate.read(&world.1["eu-west-1"].ssm).await.unwrap(), None);

    // Aborted: the primary keeps the release, the DR wave never starts.
    let project = unique("pdwavestop");
    let (world, opts, gate) = two_regions_held_before_dr(&s, &project).await;
    let abort = decide_wave_gate(&world, &project, &gate, GateState::Abort);
    let ((result, log), ()) = tokio::join!(run_rollout(&opts, &world, &cancel), abort);
    let report = result.unwrap();
    assert_eq!(
        report.outcome,
        OutcomeKind::Cancelled,
        "{}\n{log}",
        report.message
    );
    assert!(
        report.message.contains(
            "aborted before wave 2 (eu-west-1) by alice: primary looks healthy; wave 2 (eu-west-1) and later waves were not started"
        ),
        "{}",
        report.message
    );
    assert_eq!(report.deployments[0].outcome, OutcomeKind::Succeeded);
    assert_eq!(deployments_in(&world, "eu-west-1", &project).await, 0);
}
