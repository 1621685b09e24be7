//! Wire-level: the rollout against the sandbox's AWS stand-in (moto, with the front that gives
//! CodeDeploy deployments a time-driven progression, StopDeployment with rollback, deployment
//! targets, and CloudWatch over CBOR). ECR, ECS, CodeDeploy and CloudWatch speak their real
//! protocols here. Needs the stand-in: `eval "$(scripts/sandbox up)"`.
//!
//! The stand-in's state is shared (with other tests, runs and engineers): every test works on names
//! of its own and holds the `sandbox-aws` lock shared, which keeps it apart from the e2e's reset.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_codedeploy::types::DeploymentInfo;
use platform_deploy::OutcomeKind;
use platform_deploy::aws::RegionClients;
use platform_deploy::rollout::{self, ImageRef, taskdef};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::moto_world::{REGION, create_alarm, green_weight, platform_in_moto, set_alarm};
use super::sim::{GIT_SHA, World, fixture, options, run_rollback, run_rollout};
use crate::support::names::unique;
use crate::support::process::platform_deploy;
use crate::support::{aws, sandbox};

/// The shared stand-in: the URL and the clients of REGION. Every test uses names of its own in it.
pub(super) struct StandIn {
    pub url: String,
    pub c: RegionClients,
}

pub(super) async fn stand_in() -> StandIn {
    let url = sandbox::aws_url();
    let config = aws::stand_in(&url, REGION)
        // moto answers what it does not implement with HTTP 500: fail fast instead of retrying.
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .load()
        .await;
    StandIn {
        url,
        c: RegionClients::from_config(&config),
    }
}

/// The one region's targets and clients.
pub(super) fn moto_world(c: &RegionClients, targets_json: Value) -> World {
    let targets =
        rollout::targets::parse_targets_map("moto", &json!({REGION: targets_json})).unwrap();
    (targets, BTreeMap::from([(REGION.to_string(), c.clone())]))
}

pub(super) fn opts_for(image: ImageRef) -> platform_deploy::rollout::RolloutOptions {
    let mut o = options(Some(REGION), &[]);
    o.image = image;
    o.services[0].hooks.clear();
    // The group has no alarms unless a test gives it some.
    o.settings.require_alarms = false;
    o.settings.poll_interval = Duration::from_millis(300);
    o.settings.timeout = Duration::from_secs(120);
    o
}

async fn revisions(c: &RegionClients, family: &str) -> Vec<String> {
    c.ecs
        .list_task_definitions()
        .family_prefix(family)
        .send()
        .await
        .unwrap()
        .task_definition_arns()
        .to_vec()
}

/// A rollout of `image` to the platform in moto, watched to its end; returns the report and the
/// progress log. `during` runs alongside (e.g. to fire an alarm mid-canary).
pub(super) async fn rollout_in_moto(
    c: &RegionClients,
    targets_json: Value,
    opts: platform_deploy::rollout::RolloutOptions,
    during: impl std::future::Future<Output = ()>,
) -> (platform_deploy::rollout::RolloutReport, String) {
    let world = moto_world(c, targets_json);
    let cancel = CancellationToken::new();
    let ((result, text), ()) = tokio::join!(run_rollout(&opts, &world, &cancel), during);
    (result.unwrap_or_else(|e| panic!("{e}\n{text}")), text)
}

#[tokio::test]
async fn a_canary_rollout_succeeds_on_the_wire() {
    let StandIn { url: _, c } = stand_in().await;
    let name = unique("pdok");
    let (targets_json, image) = platform_in_moto(&c, &name, true).await;
    let (report, log) = rollout_in_moto(&c, targets_json, opts_for(image.clone()), async {}).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert!(
        log.contains("traffic: 10% on the new task set (step 1/2)"),
        "{log}"
    );
    assert!(
        log.contains("traffic: 100% on the new task set (step 2/2)"),
        "{log}"
    );
    let d = &report.deployments[0];
    let new_arn = d.task_definition_arn.clone().unwrap();
    let id = d.deployment_id.clone().unwrap();

    // The revision registered: the image by digest from the region's repository, the fixture's
    // fields, the git SHA tag.
    let registered = taskdef::describe_raw(&c.ecs, &new_arn).await.unwrap();
    let td = &registered["taskDefinition"];
    assert_eq!(td["revision"], 2);
    assert_eq!(
        td["containerDefinitions"][0]["image"],
        format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}@{}",
            image.repository, image.digest
        )
    );
    assert_eq!(
        td["containerDefinitions"][1]["image"],
        "public.ecr.aws/docker/library/redis:7.2-alpine"
    );
    let original = &fixture("ec2-bridge-linux-parameters")["taskDefinition"];
    for field in [
        "linuxParameters",
        "ulimits",
        "extraHosts",
        "dockerLabels",
        "links",
        "systemControls",
    ] {
        assert_eq!(
            td["containerDefinitions"][0][field], original["containerDefinitions"][0][field],
            "{field}"
        );
    }
    assert_eq!(td["placementConstraints"], original["placementConstraints"]);
    assert!(
        registered["tags"]
            .as_array()
            .unwrap()
            .contains(&json!({"key": "platform-deploy:git-sha", "value": GIT_SHA})),
        "{}",
        registered["tags"]
    );

    // The deployment: our AppSpec naming the new revision, its sha256, the config, automatic
    // rollback on every event; and the service now runs the new revision.
    let info = deployment(&c, &id).await;
    assert_eq!(info.status().map(|s| s.as_str()), Some("Succeeded"));
    assert_eq!(
        info.deployment_config_name(),
        Some("CodeDeployDefault.ECSCanary10Percent5Minutes")
    );
    let content = info.revision().unwrap().app_spec_content().unwrap();
    let appspec: Value = serde_json::from_str(content.content().unwrap()).unwrap();
    let props = &appspec["Resources"][0]["TargetService"]["Properties"];
    assert_eq!(props["TaskDefinition"], new_arn.as_str());
    assert_eq!(
        props["LoadBalancerInfo"],
        json!({"ContainerName": "web", "ContainerPort": 80})
    );
    assert!(
        props.get("NetworkConfiguration").is_none(),
        "bridge mode takes no network configuration"
    );
    use sha2::Digest;
    assert_eq!(
        content.sha256().unwrap(),
        hex::encode(sha2::Sha256::digest(content.content().unwrap().as_bytes()))
    );
    let events: Vec<&str> = info
        .auto_rollback_configuration()
        .unwrap()
        .events()
        .iter()
        .map(|e| e.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
            "DEPLOYMENT_STOP_ON_REQUEST"
        ]
    );
    let service = c
        .ecs
        .describe_services()
        .cluster(&name)
        .services("api")
        .send()
        .await
        .unwrap();
    assert_eq!(
        service.services()[0].task_definition(),
        Some(new_arn.as_str())
    );
}

/// The deployment as CodeDeploy reports it now.
pub(super) async fn deployment(c: &RegionClients, id: &str) -> DeploymentInfo {
    c.codedeploy
        .get_deployment()
        .deployment_id(id)
        .send()
        .await
        .unwrap()
        .deployment_info
        .expect("GetDeployment returns the deployment")
}

/// Stopped by the rollout's own StopDeployment (MANUAL_STOP), which asked for a rollback.
pub(super) fn assert_stopped_by_us(info: &DeploymentInfo) {
    assert_eq!(info.status().map(|s| s.as_str()), Some("Stopped"));
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("MANUAL_STOP")
    );
    assert!(
        info.rollback_info()
            .and_then(|r| r.rollback_deployment_id())
            .is_some(),
        "the stop asked for the rollback"
    );
}

#[tokio::test]
async fn an_alarm_mid_canary_is_stopped_by_the_rollout_itself_on_the_wire() {
    let StandIn { url: _, c } = stand_in().await;
    let name = unique("pdalarm");
    let (mut targets_json, image) = platform_in_moto(&c, &name, true).await;
    let alarm = format!("{name}-5xx");
    create_alarm(&c, &alarm).await;
    // Only deploy_targets names the alarm: the deployment group has no alarm configuration, so
    // CodeDeploy itself would never stop this deployment. The rollout has to.
    targets_json["services"]["api"]["alarm_names"] = json!([alarm]);
    let mut opts = opts_for(image);
    opts.settings.require_alarms = true;

    let fire = async {
        // Once 10% of the traffic is on the new task set, the alarm fires.
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let running = c
                .codedeploy
                .list_deployments()
                .application_name(&name)
                .deployment_group_name("api")
                .send()
                .await
                .unwrap();
            let Some(id) = running.deployments().first() else {
                continue;
            };
            let target = c
                .codedeploy
                .get_deployment_target()
                .deployment_id(id)
                .target_id(format!("{name}:api"))
                .send()
                .await;
            let weight = target.ok().and_then(|t| {
                t.deployment_target()?
                    .ecs_target()?
                    .task_sets_info()
                    .iter()
                    .find(|s| {
                        s.task_set_label() == Some(&aws_sdk_codedeploy::types::TargetLabel::Green)
                    })
                    .map(|s| s.traffic_weight())
            });
            if weight == Some(10.0) {
                break;
            }
        }
        set_alarm(&c, &alarm, aws_sdk_cloudwatch::types::StateValue::Alarm).await;
    };
    let (report, log) = rollout_in_moto(&c, targets_json, opts, fire).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    assert!(
        report.message.contains(&format!(
            "alarm {alarm} went into ALARM with 10% of traffic shifted"
        )),
        "{}",
        report.message
    );
    let id = report.deployments[0].deployment_id.clone().unwrap();
    let info = deployment(&c, &id).await;
    // Stopped by our StopDeployment (MANUAL_STOP), with the rollback it asked for, which finished.
    assert_stopped_by_us(&info);
    let rollback = info
        .rollback_info()
        .unwrap()
        .rollback_deployment_id()
        .unwrap()
        .to_string();
    let rb = deployment(&c, &rollback).await;
    assert_eq!(rb.status().map(|s| s.as_str()), Some("Succeeded"));
    assert!(
        report
            .message
            .contains(&format!("rollback {rollback} succeeded")),
        "{}",
        report.message
    );
}

/// The platform.toml, targets file and environment for running the binary against moto.
pub(super) fn cli_setup(targets_json: &Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("stack")).unwrap();
    std::fs::write(dir.path().join("stack/main.tf"), "").unwrap();
    std::fs::write(
        dir.path().join("platform.toml"),
        r#"
[project]
name = "shop"

[regions]
primary = "us-east-1"

[[stacks]]
name = "us-east-1"
dir = "stack"
region = "us-east-1"

[[services]]
name = "api"

[rollout]
require_alarms = false
poll_interval = "1s"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("targets.json"),
        json!({REGION: {"value": targets_json, "type": "object", "sensitive": false}}).to_string(),
    )
    .unwrap();
    dir
}

/// The binary in `dir`, against the stand-in at `url`.
pub(super) fn binary(dir: &tempfile::TempDir, url: &str) -> std::process::Command {
    let mut cmd = platform_deploy();
    sandbox::aws_env(&mut cmd, url).current_dir(dir.path());
    cmd
}

/// `rollout` of `image` to the targets of [`cli_setup`].
pub(super) fn rollout_args(image: &str) -> [&str; 7] {
    [
        "rollout",
        "--targets",
        "targets.json",
        "--image",
        image,
        "--git-sha",
        GIT_SHA,
    ]
}

fn cli(dir: &tempfile::TempDir, url: &str, image: &str, extra: &[&str]) -> std::process::Output {
    binary(dir, url)
        .args(rollout_args(image))
        .args(extra)
        .output()
        .unwrap()
}

#[tokio::test]
async fn the_cli_dry_run_prints_the_plan_and_registers_nothing() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdcli");
    let (targets_json, image) = platform_in_moto(&c, &name, true).await;
    let dir = cli_setup(&targets_json);

    let out = cli(&dir, &url, &image.to_string(), &["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("Rollout plan for {image}")),
        "{stdout}"
    );
    assert!(stdout.contains("wave 1: us-east-1"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "~ containerDefinitions[web].image: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:3f2c1d0\" → \"123456789012.dkr.ecr.us-east-1.amazonaws.com/{}@{}\"",
            image.repository, image.digest
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("\"revisionType\": \"AppSpecContent\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("pre-flight: every check passed"),
        "{stdout}"
    );
    // Nothing was registered or deployed.
    assert_eq!(revisions(&c, &format!("{name}-api")).await.len(), 1);
    let deployments = c
        .codedeploy
        .list_deployments()
        .application_name(&name)
        .deployment_group_name("api")
        .send()
        .await
        .unwrap();
    assert!(deployments.deployments().is_empty());
}

#[tokio::test]
async fn the_cli_refuses_an_image_missing_in_the_region_with_exit_8() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdmiss");
    let (targets_json, image) = platform_in_moto(&c, &name, false).await;
    let dir = cli_setup(&targets_json);

    let out = cli(&dir, &url, &image.to_string(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "image {} is not in {}/api in us-east-1",
            image.digest, name
        )),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(
        revisions(&c, &format!("{name}-api")).await.len(),
        1,
        "no revision registered"
    );
}

#[tokio::test]
async fn the_cli_names_the_expected_repository_when_the_image_is_from_another() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdrepo");
    let (targets_json, _) = platform_in_moto(&c, &name, true).await;
    let dir = cli_setup(&targets_json);
    let out = cli(
        &dir,
        &url,
        &format!("other/repo@sha256:{}", "3".repeat(64)),
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("us-east-1 runs its services from `{name}/api`")),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_cli_refuses_when_a_gating_alarm_is_already_firing_with_exit_8() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdfiring");
    let (mut targets_json, image) = platform_in_moto(&c, &name, true).await;
    let alarm = format!("{name}-5xx");
    create_alarm(&c, &alarm).await;
    set_alarm(&c, &alarm, aws_sdk_cloudwatch::types::StateValue::Alarm).await;
    targets_json["services"]["api"]["alarm_names"] = json!([alarm]);
    let dir = cli_setup(&targets_json);

    let out = cli(&dir, &url, &image.to_string(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "alarm {alarm} is already in ALARM (Threshold Crossed"
        )),
        "{stderr}"
    );
    assert_eq!(
        revisions(&c, &format!("{name}-api")).await.len(),
        1,
        "no revision registered"
    );
}

#[tokio::test]
async fn a_failing_hook_is_named_with_its_message_on_the_wire() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdhook");
    let (targets_json, image) = platform_in_moto(&c, &name, true).await;
    let fail = async {
        // As soon as the deployment exists, its AfterAllowTestTraffic hook is made to fail.
        loop {
            let running = c
                .codedeploy
                .list_deployments()
                .application_name(&name)
                .deployment_group_name("api")
                .send()
                .await
                .unwrap();
            if let Some(id) = running.deployments().first() {
                let answer = sandbox::control(
                    &url,
                    "/_sandbox/codedeploy/fail-hook",
                    &json!({"deploymentId": id, "hook": "AfterAllowTestTraffic",
                            "message": "smoke test: GET /healthz on the test listener returned 503"}),
                );
                assert!(answer.contains("\"ok\": true"), "{answer}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (report, log) = rollout_in_moto(&c, targets_json, opts_for(image), fail).await;
    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    assert!(
        report.message.contains("lifecycle event AfterAllowTestTraffic failed: The deployment failed because the AfterAllowTestTraffic lifecycle event hook failed: smoke test: GET /healthz on the test listener returned 503"),
        "{}",
        report.message
    );
}

/// What a cancelled GitHub job does: SIGTERM to the running binary mid-canary.
#[tokio::test]
async fn sigterm_mid_canary_stops_the_deployment_with_rollback_and_exits_7() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdterm");
    let (targets_json, image) = platform_in_moto(&c, &name, true).await;
    let dir = cli_setup(&targets_json);
    let image = image.to_string();
    let mut child = binary(&dir, &url)
        .args(rollout_args(&image))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    let id = loop {
        if let Some((id, weight)) = green_weight(&c, &name).await
            && weight == 10.0
        {
            break id;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the rollout ended before the canary"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("received SIGTERM"), "{stderr}");
    assert!(
        stderr.contains(&format!("cancelled: stopped {id} with rollback")),
        "{stderr}"
    );

    let info = deployment(&c, &id).await;
    assert_stopped_by_us(&info);
}

/// Pushes another image (a different manifest) to the repository and returns it by digest.
pub(super) async fn push_other_image(c: &RegionClients, repo: &str, marker: char) -> ImageRef {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                   "digest": format!("sha256:{}", marker.to_string().repeat(64))},
        "layers": []
    });
    let out = c
        .ecr
        .put_image()
        .repository_name(repo)
        .image_manifest(manifest.to_string())
        .image_tag(format!("build-{marker}"))
        // moto derives no digest from the manifest: give it one.
        .image_digest(format!("sha256:{}", marker.to_string().repeat(64)))
        .send()
        .await
        .unwrap();
    let digest = out
        .image()
        .unwrap()
        .image_id()
        .unwrap()
        .image_digest()
        .unwrap();
    ImageRef::parse(&format!("{repo}@{digest}")).unwrap()
}

#[tokio::test]
async fn a_rollback_on_the_wire_redeploys_the_release_before_the_live_one_from_history() {
    use platform_deploy::rollout::rollback::{Attribution, FAST_CONFIG, RollbackOptions};
    let StandIn { url: _, c } = stand_in().await;
    let name = unique("pdrb");
    let (targets_json, good) = platform_in_moto(&c, &name, true).await;
    let fast = |image: ImageRef| {
        let mut o = opts_for(image);
        o.settings.deployment_config = Some(FAST_CONFIG.into());
        o
    };
    let (r, log) = rollout_in_moto(&c, targets_json.clone(), fast(good.clone()), async {}).await;
    assert_eq!(r.outcome, OutcomeKind::Succeeded, "{}\n{log}", r.message);
    let bad = push_other_image(&c, &good.repository, '7').await;
    assert_ne!(good.digest, bad.digest);
    let (r, log) = rollout_in_moto(&c, targets_json.clone(), fast(bad.clone()), async {}).await;
    assert_eq!(r.outcome, OutcomeKind::Succeeded, "{}\n{log}", r.message);

    let opts = RollbackOptions {
        base: opts_for(good.clone()),
        to: None,
        config: FAST_CONFIG.into(),
        parallel: false,
        attribution: Attribution {
            actor: Some("oncall".into()),
            reason: Some("errors after the release".into()),
            run_url: None,
        },
    };
    let (report, text) = run_rollback(&opts, &moto_world(&c, targets_json)).await;
    let report = report.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{text}",
        report.message
    );

    // The service now runs the first release again, in a new revision.
    let svc = c
        .ecs
        .describe_services()
        .cluster(&name)
        .services("api")
        .send()
        .await
        .unwrap();
    let live = svc.services()[0].task_definition().unwrap().to_string();
    let td = taskdef::describe_raw(&c.ecs, &live).await.unwrap();
    assert_eq!(
        td["taskDefinition"]["containerDefinitions"][0]["image"],
        format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}@{}",
            good.repository, good.digest
        )
    );
    assert_eq!(td["taskDefinition"]["revision"], 4);
    // The newest deployment says who rolled back what.
    let id = report.redeploys[0].deployments[0]
        .deployment_id
        .clone()
        .unwrap();
    let info = deployment(&c, &id).await;
    let description = info.description().unwrap().to_string();
    assert!(
        description.contains(&format!("replacing {}", bad.digest))
            && description.contains("by oncall: errors after the release"),
        "{description}"
    );
}

fn cli_cmd(dir: &tempfile::TempDir, url: &str, args: &[&str]) -> std::process::Output {
    binary(dir, url).args(args).output().unwrap()
}

#[tokio::test]
async fn the_cli_status_and_rollback_on_the_wire() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdst");
    let (targets_json, image) = platform_in_moto(&c, &name, true).await;
    let dir = cli_setup(&targets_json);

    // status --output json: the live revision (the fixture's, by tag), 0 of 2 running.
    let out = cli_cmd(
        &dir,
        &url,
        &["--output", "json", "status", "--targets", "targets.json"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let s = &v["data"]["services"][0];
    assert_eq!(s["region"], REGION);
    assert_eq!(s["desired"], 2);
    assert!(
        s["live"]["task_definition"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{name}-api:1")),
        "{s}"
    );
    assert!(s["in_flight"].is_null(), "{s}");

    // rollback --to a digest the repository does not have: refused with exit 8, nothing deployed.
    let gone = format!("sha256:{}", "9".repeat(64));
    let out = cli_cmd(
        &dir,
        &url,
        &[
            "rollback",
            "--targets",
            "targets.json",
            "--to",
            &gone,
            "--reason",
            "test",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{stdout}\n{stderr}");
    assert!(
        format!("{stdout}{stderr}")
            .contains(&format!("image {gone} is not in {}", image.repository)),
        "{stdout}\n{stderr}"
    );
    assert_eq!(revisions(&c, &format!("{name}-api")).await.len(), 1);
}
