//! Rollout scenarios on the real SDK clients (aws-smithy-mocks), on a paused tokio clock: what a
//! user sees when a canary succeeds, an alarm fires, a hook fails, the deployment fails, the
//! timeout passes, the job is cancelled, AWS throttles, or the pre-flight refuses.

use std::time::Duration;

use platform_deploy::OutcomeKind;
use platform_deploy::rollout::{Cause, Ending, RolloutError, RolloutReport};
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::sim::*;

async fn run_with(
    opts: &platform_deploy::rollout::RolloutOptions,
    sims: &[&Sim],
    cancel: &CancellationToken,
) -> (Result<RolloutReport, RolloutError>, String) {
    run_rollout(opts, &world(sims), cancel).await
}

async fn run_ok(
    opts: &platform_deploy::rollout::RolloutOptions,
    sims: &[&Sim],
) -> (RolloutReport, String) {
    let (r, log) = run_with(opts, sims, &CancellationToken::new()).await;
    (r.unwrap_or_else(|e| panic!("{e}\n{log}")), log)
}

#[tokio::test(start_paused = true)]
async fn canary_then_full_shift_succeeds_with_progress_and_the_image_by_digest() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let started = Instant::now();
    let (report, log) = run_ok(&options(Some("us-east-1"), &[]), &[&use1]).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert_eq!(report.deployments.len(), 1);
    assert_eq!(
        report.deployments[0].deployment_id.as_deref(),
        Some(use1.main_id().as_str())
    );
    // The whole canary (6.5 virtual minutes) was waited for: no waiter cap, no early exit.
    assert!(Instant::now() - started >= Duration::from_secs(390));
    // Progress: the canary step with the time to the next shift, then the full shift.
    assert!(
        log.contains("traffic: 10% on the new task set (step 1/2); next shift in ~5m00s"),
        "{log}"
    );
    assert!(
        log.contains("traffic: 100% on the new task set (step 2/2)"),
        "{log}"
    );
    assert!(
        log.contains("lifecycle event AfterAllowTestTraffic Succeeded"),
        "{log}"
    );
    assert!(
        log.contains(&format!("{} Succeeded", use1.main_id())),
        "{log}"
    );

    // The revision sent on the wire: the image by digest in the region's repository, the sidecar
    // fields untouched, the git SHA tag, no read-only field.
    let st = use1.state.lock().unwrap();
    let sent = &st.registered[0];
    assert_eq!(
        sent["containerDefinitions"][0]["image"],
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{DIGEST_HEX}")
    );
    let original = fixture("fargate-web-secrets");
    assert_eq!(
        sent["containerDefinitions"][0]["secrets"],
        original["taskDefinition"]["containerDefinitions"][0]["secrets"]
    );
    assert_eq!(
        sent["ephemeralStorage"],
        original["taskDefinition"]["ephemeralStorage"]
    );
    assert_eq!(
        sent["runtimePlatform"],
        original["taskDefinition"]["runtimePlatform"]
    );
    assert!(sent.get("taskDefinitionArn").is_none() && sent.get("requiresAttributes").is_none());
    let tags = sent["tags"].as_array().unwrap();
    assert!(
        tags.contains(&serde_json::json!({"key": "platform-deploy:git-sha", "value": GIT_SHA}))
    );
    assert!(tags.contains(&serde_json::json!({"key": "team", "value": "shop"})));

    // The deployment: the group's custom config, every rollback event, an AppSpec naming the new
    // revision with the live service's capacity providers, and a matching sha256.
    assert_eq!(st.create_config.as_deref(), Some(CONFIG_NAME));
    assert_eq!(
        st.create_rollback_events,
        vec![
            "DEPLOYMENT_FAILURE",
            "DEPLOYMENT_STOP_ON_ALARM",
            "DEPLOYMENT_STOP_ON_REQUEST"
        ]
    );
    let appspec: Value = serde_json::from_str(st.create_appspec.as_ref().unwrap()).unwrap();
    let props = &appspec["Resources"][0]["TargetService"]["Properties"];
    assert_eq!(
        props["TaskDefinition"],
        "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:42"
    );
    assert_eq!(
        props["CapacityProviderStrategy"][1]["CapacityProvider"],
        "FARGATE_SPOT"
    );
    assert_eq!(
        props["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"],
        serde_json::json!(["subnet-a", "subnet-b"])
    );
    assert_eq!(appspec["Hooks"][0]["AfterAllowTestTraffic"], HOOK_ARN);
    use sha2::Digest;
    assert_eq!(
        st.create_appspec_sha.as_deref().unwrap(),
        hex::encode(sha2::Sha256::digest(
            st.create_appspec.as_ref().unwrap().as_bytes()
        ))
    );
    assert!(st.stops.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_alarm_at_ten_percent_stops_with_rollback_at_once_and_exits_4_naming_it() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_fires_at: Some(Duration::from_secs(90)),
            ..Behaviour::default()
        },
    );
    let opts = options(Some("us-east-1"), &[]);
    let (report, log) = run_ok(&opts, &[&use1]).await;

    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    assert_eq!(report.outcome.exit_code(), 4);
    assert!(
        report
            .message
            .contains("alarm shop-api-5xx went into ALARM with 10% of traffic shifted"),
        "{}",
        report.message
    );
    assert!(
        report
            .message
            .contains(&format!("rollback {} succeeded", use1.rollback_id())),
        "{}",
        report.message
    );
    match &report.deployments[0].ending {
        Some(Ending::RolledBack {
            cause: Cause::Alarm { name, .. },
            ..
        }) => assert_eq!(name, ALARM),
        other => panic!("{other:?}"),
    }
    let st = use1.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1, "one StopDeployment");
    let (id, auto_rollback, stopped_at) = &st.stops[0];
    assert_eq!(id, &use1.main_id());
    assert!(auto_rollback, "StopDeployment asks for the rollback");
    // The stop came at the next poll after the alarm entered ALARM (at most one jittered poll
    // interval), not when CodeDeploy's own alarm check would notice.
    let fired_at = st.created_at.unwrap() + Duration::from_secs(90);
    assert!(*stopped_at >= fired_at);
    assert!(
        *stopped_at - fired_at <= opts.settings.poll_interval.mul_f64(1.2),
        "{:?}",
        *stopped_at - fired_at
    );
    // ...and the rollout waited for the rollback deployment to finish.
    assert!(
        log.contains(&format!(
            "rollback deployment {} started",
            use1.rollback_id()
        )),
        "{log}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_hook_exits_4_with_the_hooks_message() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            hook_failure: Some((
                Duration::from_secs(20),
                "AfterAllowTestTraffic",
                "smoke test: GET /healthz on the test listener returned 503",
            )),
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(&options(Some("us-east-1"), &[]), &[&use1]).await;
    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    assert!(
        report.message.contains("lifecycle event AfterAllowTestTraffic failed: smoke test: GET /healthz on the test listener returned 503"),
        "{}",
        report.message
    );
    // CodeDeploy rolled back by itself; we did not need to stop anything.
    assert_eq!(use1.stop.num_calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failure_without_rollback_exits_5() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            fail_without_rollback: Some((
                Duration::from_secs(60),
                "Automatic rollback failed: the original task set no longer exists",
            )),
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(&options(Some("us-east-1"), &[]), &[&use1]).await;
    assert_eq!(report.outcome, OutcomeKind::FailedNoRollback, "{log}");
    assert_eq!(report.outcome.exit_code(), 5);
    assert!(
        report.message.contains("NOT rolled back"),
        "{}",
        report.message
    );
    assert!(
        report.message.contains("ECS_UPDATE_ERROR"),
        "{}",
        report.message
    );
    assert!(
        report
            .message
            .contains("the original task set no longer exists"),
        "{}",
        report.message
    );
}

#[tokio::test(start_paused = true)]
async fn the_timeout_stops_with_rollback_and_exits_6() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            full_at: None,
            succeed_at: None,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    opts.settings.timeout = Duration::from_secs(180);
    let started = Instant::now();
    let (report, log) = run_ok(&opts, &[&use1]).await;
    assert_eq!(report.outcome, OutcomeKind::TimedOut, "{log}");
    assert_eq!(report.outcome.exit_code(), 6);
    let st = use1.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1);
    assert!(st.stops[0].1, "stopped with rollback");
    assert!(
        st.stops[0].2 - started >= Duration::from_secs(180),
        "not before the timeout"
    );
    assert!(
        report
            .message
            .contains(&format!("rollback {} succeeded", use1.rollback_id())),
        "{}",
        report.message
    );
}

#[tokio::test(start_paused = true)]
async fn cancelling_mid_shift_stops_within_a_second_and_exits_7() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            full_at: None,
            succeed_at: None,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    // A long poll interval: a stop that waited for the next poll would be 30 s late.
    opts.settings.poll_interval = Duration::from_secs(30);
    let cancel = CancellationToken::new();
    let cancelled_at = std::sync::Arc::new(std::sync::Mutex::new(None));
    {
        let (cancel, cancelled_at, state) =
            (cancel.clone(), cancelled_at.clone(), use1.state.clone());
        tokio::spawn(async move {
            // Mid-shift: 10% on the new task set, 100 s into the deployment.
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let created = state.lock().unwrap().created_at;
                if let Some(t0) = created
                    && Instant::now() >= t0 + Duration::from_secs(100)
                {
                    break;
                }
            }
            *cancelled_at.lock().unwrap() = Some(Instant::now());
            cancel.cancel();
        });
    }
    let (result, log) = run_with(&opts, &[&use1], &cancel).await;
    let returned_at = Instant::now();
    let report = result.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Cancelled, "{log}");
    assert_eq!(report.outcome.exit_code(), 7);
    let cancelled_at = cancelled_at.lock().unwrap().unwrap();
    let st = use1.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1);
    assert!(st.stops[0].1, "stopped with rollback");
    assert!(
        st.stops[0].2 - cancelled_at < Duration::from_secs(1),
        "stop within one second"
    );
    assert!(
        returned_at - cancelled_at < Duration::from_secs(1),
        "and exit without waiting for the rollback"
    );
    assert!(
        report
            .message
            .contains(&format!("stopped {} with rollback", use1.main_id())),
        "{}",
        report.message
    );
    assert!(log.contains("cancelled: stopped"), "{log}");
}

#[tokio::test(start_paused = true)]
async fn throttling_and_server_errors_mid_way_are_retried_on_the_same_deployment() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            flaky_poll: Some(4),
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(&options(Some("us-east-1"), &[]), &[&use1]).await;
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert_eq!(
        use1.create.num_calls(),
        1,
        "one deployment, never re-created"
    );
    // Throttled, then 500, then answered: three attempts of one call.
    assert_eq!(use1.flaky.as_ref().unwrap().num_calls(), 3);
    let st = use1.state.lock().unwrap();
    assert!(st.get_deployment_ids.iter().all(|id| id == &use1.main_id()));
    // The retried poll answered (after the SDK's own retries) and polling went on.
    assert!(st.get_deployment_ids.len() > 10);
    assert!(
        !log.contains("failed (next poll retries)"),
        "the SDK retries absorbed the errors: {log}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_alarm_already_in_alarm_refuses_with_exit_8_and_changes_nothing() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_already_firing: true,
            ..Behaviour::default()
        },
    );
    let (result, _) = run_with(
        &options(Some("us-east-1"), &[]),
        &[&use1],
        &CancellationToken::new(),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.kind(), OutcomeKind::PreflightRefused);
    assert_eq!(err.kind().exit_code(), 8);
    let text = err.to_string();
    assert!(
        text.contains("alarm shop-api-5xx is already in ALARM"),
        "{text}"
    );
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(use1.untouched());
}

#[tokio::test(start_paused = true)]
async fn every_refusal_of_every_region_is_reported_at_once() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec!["d-OTHER0001".into()],
            ..Behaviour::default()
        },
    );
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            image_present: false,
            target_alarms: vec![],
            group_alarms: vec![],
            desired_count: 0,
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let (result, _) = run_with(
        &options(Some("us-east-1"), &["eu-west-1"]),
        &[&use1, &euw1],
        &CancellationToken::new(),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.kind(), OutcomeKind::PreflightRefused);
    let RolloutError::Preflight(refusals) = &err else {
        panic!("{err}")
    };
    let text = err.to_string();
    assert_eq!(refusals.len(), 3, "{text}");
    assert!(
        text.contains(
            "us-east-1/api: deployment(s) d-OTHER0001 are still running on shop-us-east-1/api"
        ),
        "{text}"
    );
    assert!(text.contains("--wait-for-inflight"), "{text}");
    assert!(
        text.contains(&format!(
            "eu-west-1: image sha256:{DIGEST_HEX} is not in shop/api in eu-west-1"
        )),
        "{text}"
    );
    assert!(
        text.contains("eu-west-1/api: no alarm gates this service's rollout"),
        "{text}"
    );
    assert!(use1.untouched() && euw1.untouched());
}

#[tokio::test(start_paused = true)]
async fn require_alarms_false_releases_an_ungated_service() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            target_alarms: vec![],
            group_alarms: vec![],
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    opts.settings.require_alarms = false;
    let (report, _) = run_ok(&opts, &[&use1]).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{}", report.message);
}

#[tokio::test(start_paused = true)]
async fn wait_for_inflight_waits_for_the_running_deployment_then_releases() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec!["d-OTHER0001".into()],
            in_flight_for: Some(Duration::from_secs(120)),
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    opts.wait_for_inflight = true;
    let (report, log) = run_ok(&opts, &[&use1]).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert!(
        log.contains("waiting for running deployment(s) d-OTHER0001 to finish"),
        "{log}"
    );
    let created = use1.state.lock().unwrap().created_at.unwrap();
    assert!(
        created >= use1.start + Duration::from_secs(120),
        "created only after the other one finished"
    );
}

/// A refused alarm read is not a poll to retry until the timeout: the canary would run unwatched.
#[tokio::test(start_paused = true)]
async fn alarms_refused_mid_canary_stop_it_with_rollback_naming_the_denied_action() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            // Preflight's read passes, the watch's reads are refused.
            alarms_denied_from: Some(1),
            ..Behaviour::default()
        },
    );
    let opts = options(Some("us-east-1"), &[]);
    let (report, log) = run_ok(&opts, &[&use1]).await;

    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    assert!(
        report
            .message
            .contains("cannot be watched (us-east-1: CloudWatch DescribeAlarms failed: AccessDeniedException: ")
            && report.message.contains("cloudwatch:DescribeAlarms")
            && report.message.contains("fix: grant the action to the role"),
        "{}",
        report.message
    );
    let st = use1.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1, "one StopDeployment, with rollback");
    assert!(st.stops[0].1, "StopDeployment asks for the rollback");
    // At the first poll, not at the rollout timeout.
    assert!(
        st.stops[0].2 - st.created_at.unwrap() <= opts.settings.poll_interval.mul_f64(1.5),
        "stopped {:?} after the deployment was created",
        st.stops[0].2 - st.created_at.unwrap()
    );
}

#[tokio::test(start_paused = true)]
async fn a_primary_wave_failure_leaves_the_dr_region_untouched() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_fires_at: Some(Duration::from_secs(45)),
            ..Behaviour::default()
        },
    );
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            desired_count: 0,
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(&options(Some("us-east-1"), &["eu-west-1"]), &[&use1, &euw1]).await;
    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    assert_eq!(report.not_started, vec!["eu-west-1/api".to_string()]);
    assert!(
        report.message.contains("not started: eu-west-1/api"),
        "{}",
        report.message
    );
    assert!(
        euw1.untouched(),
        "no task definition registered, no deployment created in the DR region"
    );
}

#[tokio::test(start_paused = true)]
async fn dr_waves_follow_the_primary_after_the_bake_even_at_desired_count_zero() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            desired_count: 0,
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let opts = options(Some("us-east-1"), &["eu-west-1"]);
    let (report, log) = run_ok(&opts, &[&use1, &euw1]).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert_eq!(report.deployments.len(), 2);
    assert!(
        log.contains("[eu-west-1/api] DR standby (desired count 0)"),
        "{log}"
    );
    let primary_done = use1.calls_of("GetDeployment").into_iter().max().unwrap();
    let dr_created = euw1.state.lock().unwrap().created_at.unwrap();
    assert!(
        dr_created >= primary_done + opts.settings.bake_time,
        "the DR wave started after the bake"
    );
    let dr_body = &euw1.state.lock().unwrap().registered[0];
    assert_eq!(
        dr_body["containerDefinitions"][0]["image"],
        format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:{DIGEST_HEX}"),
        "the DR region runs the image from its own (replicated) repository"
    );
}

#[tokio::test(start_paused = true)]
async fn an_alarm_during_the_bake_keeps_the_dr_wave_from_starting_and_exits_5() {
    // The alarm fires after the primary deployment succeeded (6.5 min), during the bake.
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_fires_at: Some(Duration::from_secs(390 + 120)),
            ..Behaviour::default()
        },
    );
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(&options(Some("us-east-1"), &["eu-west-1"]), &[&use1, &euw1]).await;
    assert_eq!(report.outcome, OutcomeKind::FailedNoRollback, "{log}");
    assert!(
        report.message.contains("went into ALARM during the bake"),
        "{}",
        report.message
    );
    assert!(euw1.untouched());
}

#[tokio::test(start_paused = true)]
async fn the_dry_run_prints_diff_appspec_request_and_waves_and_changes_nothing() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            desired_count: 0,
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &["eu-west-1"]);
    opts.dry_run = true;
    let (report, _) = run_ok(&opts, &[&use1, &euw1]).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded);
    let text = report.render_text(opts.settings.bake_time);
    assert!(text.contains("wave 1: us-east-1"), "{text}");
    assert!(text.contains("then bake 5m with every alarm OK"), "{text}");
    assert!(text.contains("wave 2: eu-west-1"), "{text}");
    assert!(
        text.contains("task definition shop-api:41 → new revision of shop-api"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "~ containerDefinitions[app].image: \"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:3f2c1d0\" → \"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{DIGEST_HEX}\""
        )),
        "{text}"
    );
    assert!(text.contains("\"CapacityProviderStrategy\""), "{text}");
    assert!(
        text.contains("\"deploymentConfigName\": \"shop-canary-10-5\""),
        "{text}"
    );
    assert!(
        text.contains("canary: 10% first, the rest after 5m"),
        "{text}"
    );
    assert!(text.contains("[DR standby, desired count 0"), "{text}");
    assert!(
        text.contains("alarms watched: shop-api-5xx (OK), shop-api-latency-p99 (OK)"),
        "{text}"
    );
    assert!(use1.untouched() && euw1.untouched());
}

#[tokio::test(start_paused = true)]
async fn sequential_dr_waves_release_one_region_after_another() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let dr = || Behaviour {
        desired_count: 0,
        is_dr: true,
        ..Behaviour::default()
    };
    let euw1 = Sim::new("eu-west-1", dr());
    let apse2 = Sim::new("ap-southeast-2", dr());
    let mut opts = options(Some("us-east-1"), &["eu-west-1", "ap-southeast-2"]);
    opts.settings.dr_waves = platform_deploy::config::DrWaves::Sequential;
    let (report, log) = run_ok(&opts, &[&use1, &euw1, &apse2]).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert_eq!(
        report.waves,
        vec![
            vec!["us-east-1".to_string()],
            vec!["eu-west-1".to_string()],
            vec!["ap-southeast-2".to_string()]
        ]
    );
    let created = |s: &Sim| s.state.lock().unwrap().created_at.unwrap();
    let last_poll = |s: &Sim| s.calls_of("GetDeployment").into_iter().max().unwrap();
    assert!(created(&euw1) >= last_poll(&use1) + opts.settings.bake_time);
    assert!(created(&apse2) >= last_poll(&euw1) + opts.settings.bake_time);
}

#[tokio::test(start_paused = true)]
async fn a_failure_in_a_parallel_wave_stops_the_other_regions_of_the_wave_with_rollback() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            alarm_fires_at: Some(Duration::from_secs(60)),
            ..Behaviour::default()
        },
    );
    let apse2 = Sim::new(
        "ap-southeast-2",
        Behaviour {
            is_dr: true,
            ..Behaviour::default()
        },
    );
    let (report, log) = run_ok(
        &options(Some("us-east-1"), &["eu-west-1", "ap-southeast-2"]),
        &[&use1, &euw1, &apse2],
    )
    .await;
    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    let by_region = |r: &str| report.deployments.iter().find(|d| d.region == r).unwrap();
    assert_eq!(by_region("us-east-1").outcome, OutcomeKind::Succeeded);
    assert_eq!(by_region("eu-west-1").outcome, OutcomeKind::RolledBack);
    let other = by_region("ap-southeast-2");
    assert_eq!(other.outcome, OutcomeKind::RolledBack, "{}", other.message);
    assert!(
        other
            .message
            .contains("stopped because eu-west-1/api failed in the same wave"),
        "{}",
        other.message
    );
    let st = apse2.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1);
    assert!(st.stops[0].1, "stopped with rollback");
}

#[tokio::test(start_paused = true)]
async fn a_canary_slower_than_the_slo_is_stopped_within_one_analysis_interval_and_exits_4() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            green_slow_at: Some(Duration::from_secs(200)),
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    let analysis = platform_deploy::config::Analysis {
        interval: Duration::from_secs(60),
        failure_limit: 1,
        inconclusive: platform_deploy::config::Inconclusive::Continue,
        min_requests: 50,
        checks: platform_deploy::config::slo_checks(),
    };
    opts.services[0].analysis = Some(analysis.clone());
    let (report, log) = run_ok(&opts, &[&use1]).await;

    assert_eq!(report.outcome, OutcomeKind::RolledBack, "{log}");
    match &report.deployments[0].ending {
        Some(Ending::RolledBack {
            cause:
                Cause::Analysis {
                    check,
                    shifted_percent,
                    ..
                },
            ..
        }) => assert_eq!(
            (check.as_str(), *shifted_percent),
            ("latency-p95", Some(10.0))
        ),
        other => panic!("{other:?}"),
    }
    // Measured once a minute from the first minute of canary traffic: passing until the new
    // version slowed down, stopped at the first measurement after.
    let measured = &report.deployments[0].analysis;
    let p95: Vec<&str> = measured
        .iter()
        .filter(|m| m.check == "latency-p95")
        .map(|m| m.value.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(p95, ["120 ms", "120 ms", "900 ms"], "{measured:?}");
    let st = use1.state.lock().unwrap();
    let slowed = st.created_at.unwrap() + Duration::from_secs(200);
    let stopped = st.stops[0].2;
    assert!(stopped >= slowed);
    assert!(
        stopped - slowed <= analysis.interval + opts.settings.poll_interval.mul_f64(1.2),
        "{:?}",
        stopped - slowed
    );
}
