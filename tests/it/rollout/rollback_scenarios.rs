//! Rollback scenarios on the real SDK clients (aws-smithy-mocks), on a paused tokio clock: stopping
//! a running deployment, redeploying the release found in the deployment history (also after an
//! earlier rollback), a digest gone from ECR, and the region order.

use std::collections::BTreeMap;

use platform_deploy::OutcomeKind;
use platform_deploy::rollout::rollback::{
    Attribution, FAST_CONFIG, RollbackError, RollbackOptions, RollbackReport, RollbackTo,
};
use tokio::time::Instant;

use super::sim::*;
use crate::support::process::platform_deploy;

const OLD_HEX: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const BAD_HEX: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const OLDER_HEX: &str = "3333333333333333333333333333333333333333333333333333333333333333";
const OLD_SHA: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BAD_SHA: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const OLDER_SHA: &str = "cccccccccccccccccccccccccccccccccccccccc";

fn rollback_options(primary: &str, dr: &[&str], to: Option<RollbackTo>) -> RollbackOptions {
    RollbackOptions {
        base: options(Some(primary), dr),
        to,
        config: FAST_CONFIG.into(),
        parallel: false,
        attribution: Attribution {
            actor: Some("alice".into()),
            reason: Some("5xx spike after the release".into()),
            run_url: Some("https://github.com/acme/shop/actions/runs/77".into()),
        },
    }
}

async fn run(
    opts: &RollbackOptions,
    sims: &[&Sim],
) -> (Result<RollbackReport, RollbackError>, String) {
    run_rollback(opts, &world(sims)).await
}

/// Revision 40 ran OLD, 41 (live) runs BAD: the plain "one back" case.
fn one_back() -> Behaviour {
    Behaviour {
        live_revision: 41,
        revisions: BTreeMap::from([
            (40, (Some(OLD_HEX.to_string()), OLD_SHA.to_string())),
            (41, (Some(BAD_HEX.to_string()), BAD_SHA.to_string())),
        ]),
        history: vec![
            (
                "d-OLD".into(),
                40,
                "platform-deploy: sha256:1111 at aaaa".into(),
            ),
            (
                "d-BAD".into(),
                41,
                "platform-deploy: sha256:2222 at bbbb".into(),
            ),
        ],
        ..Behaviour::default()
    }
}

fn registered_image(sim: &Sim) -> String {
    let st = sim.state.lock().unwrap();
    assert_eq!(st.registered.len(), 1, "one revision registered");
    st.registered[0]["containerDefinitions"][0]["image"]
        .as_str()
        .unwrap()
        .to_string()
}

fn registered_git_sha(sim: &Sim) -> String {
    let st = sim.state.lock().unwrap();
    st.registered[0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "platform-deploy:git-sha")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(start_paused = true)]
async fn a_running_deployment_is_stopped_with_rollback_and_the_rollback_followed() {
    let use1 = Sim::new("us-east-1", Behaviour::default());
    let id = use1.main_id();
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec![id.clone()],
            ..one_back()
        },
    );
    use1.state.lock().unwrap().created_at = Some(Instant::now());

    let (r, log) = run(&rollback_options("us-east-1", &[], None), &[&use1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    let st = use1.state.lock().unwrap();
    assert_eq!(st.stops.len(), 1);
    assert_eq!(st.stops[0].0, id);
    assert!(
        st.stops[0].1,
        "StopDeployment asks for the automatic rollback"
    );
    drop(st);
    assert_eq!(
        use1.create.num_calls(),
        0,
        "nothing is redeployed while stopping"
    );
    assert_eq!(report.stopped.len(), 1);
    assert!(
        report.stopped[0].message.contains(&use1.rollback_id()),
        "{}",
        report.stopped[0].message
    );
    // The rollback was followed to its end, and who asked is in the log.
    assert!(
        use1.state
            .lock()
            .unwrap()
            .get_deployment_ids
            .contains(&use1.rollback_id())
    );
    assert!(log.contains("rollback requested by alice"), "{log}");
}

#[tokio::test(start_paused = true)]
async fn without_a_running_deployment_the_previous_live_release_from_history_is_redeployed_all_at_once()
 {
    let use1 = Sim::new("us-east-1", one_back());
    let (r, log) = run(&rollback_options("us-east-1", &[], None), &[&use1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert_eq!(
        registered_image(&use1),
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{OLD_HEX}")
    );
    assert_eq!(registered_git_sha(&use1), OLD_SHA);
    let st = use1.state.lock().unwrap();
    assert_eq!(st.create_config.as_deref(), Some(FAST_CONFIG));
    let description = st.create_description.clone().unwrap();
    assert!(
        description.starts_with("platform-deploy rollback to sha256:111111111111"),
        "{description}"
    );
    assert!(
        description.contains(&format!("replacing sha256:{BAD_HEX}")),
        "{description}"
    );
    assert!(
        description.contains("by alice: 5xx spike after the release"),
        "{description}"
    );
    assert!(description.contains("actions/runs/77"), "{description}");
    drop(st);
    // The history was read, not guessed from the revision number.
    assert_eq!(use1.calls_of("BatchGetDeployments").len(), 1);
    assert!(
        report
            .render_markdown()
            .contains("by alice: 5xx spike after the release")
    );
    assert!(
        report
            .render_text()
            .contains("redeploy sha256:111111111111 at aaaaaaaaaaaa from shop-api:40")
    );
}

#[tokio::test(start_paused = true)]
async fn after_an_earlier_rollback_what_it_rolled_back_is_skipped() {
    // 39 ran OLDER, 40 ran OLD, 41 ran BAD, then a rollback registered 42 with OLD again.
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            live_revision: 42,
            revisions: BTreeMap::from([
                (39, (Some(OLDER_HEX.to_string()), OLDER_SHA.to_string())),
                (40, (Some(OLD_HEX.to_string()), OLD_SHA.to_string())),
                (41, (Some(BAD_HEX.to_string()), BAD_SHA.to_string())),
                (42, (Some(OLD_HEX.to_string()), OLD_SHA.to_string())),
            ]),
            history: vec![
                (
                    "d-OLDER".into(),
                    39,
                    "platform-deploy: sha256:3333 at cccc".into(),
                ),
                (
                    "d-OLD".into(),
                    40,
                    "platform-deploy: sha256:1111 at aaaa".into(),
                ),
                (
                    "d-BAD".into(),
                    41,
                    "platform-deploy: sha256:2222 at bbbb".into(),
                ),
                (
                    "d-RB".into(),
                    42,
                    format!(
                        "platform-deploy rollback to sha256:111111111111 replacing sha256:{BAD_HEX} by bob"
                    ),
                ),
            ],
            ..Behaviour::default()
        },
    );
    let (r, log) = run(&rollback_options("us-east-1", &[], None), &[&use1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    // Not BAD (rolled back before), not OLD (live): OLDER.
    assert_eq!(
        registered_image(&use1),
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{OLDER_HEX}")
    );
    assert!(
        report.render_text().contains("skipped d-BAD"),
        "{}",
        report.render_text()
    );
}

#[tokio::test(start_paused = true)]
async fn a_digest_gone_from_ecr_is_refused_with_exit_8_and_nothing_changes() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            image_present: false,
            ..one_back()
        },
    );
    let to = RollbackTo::parse(&format!("sha256:{OLDER_HEX}")).unwrap();
    let (r, log) = run(&rollback_options("us-east-1", &[], Some(to)), &[&use1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::PreflightRefused,
        "{}",
        report.message
    );
    assert_eq!(report.outcome.exit_code(), 8);
    assert!(
        report.message.contains(&format!(
            "image sha256:{OLDER_HEX} is not in shop/api in us-east-1"
        )),
        "{}",
        report.message
    );
    assert!(use1.untouched());
}

#[tokio::test(start_paused = true)]
async fn regions_roll_back_primary_first_then_dr() {
    let use1 = Sim::new("us-east-1", one_back());
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            ..one_back()
        },
    );
    let (r, log) = run(
        &rollback_options("us-east-1", &["eu-west-1"], None),
        &[&use1, &euw1],
    )
    .await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    let primary = use1.calls_of("CreateDeployment");
    let dr = euw1.calls_of("CreateDeployment");
    assert_eq!((primary.len(), dr.len()), (1, 1));
    // The DR region starts only after the primary's rollback deployment succeeded.
    let primary_done = use1.calls_of("GetDeployment").into_iter().max().unwrap();
    assert!(dr[0] >= primary_done && dr[0] > primary[0]);
    assert_eq!(
        registered_image(&euw1),
        format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:{OLD_HEX}")
    );

    // --parallel: both at once.
    let use1 = Sim::new("us-east-1", one_back());
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            ..one_back()
        },
    );
    let mut opts = rollback_options("us-east-1", &["eu-west-1"], None);
    opts.parallel = true;
    let (r, log) = run(&opts, &[&use1, &euw1]).await;
    assert_eq!(r.unwrap().outcome, OutcomeKind::Succeeded, "{log}");
    assert_eq!(
        use1.calls_of("CreateDeployment"),
        euw1.calls_of("CreateDeployment")
    );
}

#[test]
fn to_accepts_revisions_digests_and_git_shas_and_rejects_the_rest() {
    assert_eq!(
        RollbackTo::parse("41").unwrap(),
        RollbackTo::Revision("41".into())
    );
    assert_eq!(
        RollbackTo::parse("shop-api:41").unwrap(),
        RollbackTo::Revision("shop-api:41".into())
    );
    assert!(matches!(
        RollbackTo::parse(&format!("sha256:{OLD_HEX}")).unwrap(),
        RollbackTo::Digest(_)
    ));
    assert_eq!(
        RollbackTo::parse("0123ABCD").unwrap(),
        RollbackTo::GitSha("0123abcd".into())
    );
    for bad in ["sha256:12", "latest", "", "0123xyz", "abc"] {
        let e = RollbackTo::parse(bad).unwrap_err();
        assert_eq!(e.kind(), OutcomeKind::BadInput, "{bad}");
    }
}

#[tokio::test(start_paused = true)]
async fn to_a_revision_number_redeploys_that_revisions_digest() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            live_revision: 41,
            revisions: BTreeMap::from([
                (39, (Some(OLDER_HEX.to_string()), OLDER_SHA.to_string())),
                (41, (Some(BAD_HEX.to_string()), BAD_SHA.to_string())),
            ]),
            ..Behaviour::default()
        },
    );
    let (r, log) = run(
        &rollback_options("us-east-1", &[], Some(RollbackTo::parse("39").unwrap())),
        &[&use1],
    )
    .await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert_eq!(
        registered_image(&use1),
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{OLDER_HEX}")
    );
    assert_eq!(registered_git_sha(&use1), OLDER_SHA);
}

#[tokio::test(start_paused = true)]
async fn the_dry_run_shows_what_would_be_stopped_and_redeployed_and_changes_nothing() {
    let probe = Sim::new("us-east-1", Behaviour::default());
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec![probe.main_id()],
            ..one_back()
        },
    );
    let euw1 = Sim::new(
        "eu-west-1",
        Behaviour {
            is_dr: true,
            ..one_back()
        },
    );
    let mut opts = rollback_options("us-east-1", &["eu-west-1"], None);
    opts.base.dry_run = true;
    let (r, log) = run(&opts, &[&use1, &euw1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{}", report.message);
    assert!(use1.untouched() && euw1.untouched());
    let text = report.render_text();
    assert!(
        text.contains("(dry run: nothing is stopped or deployed)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "us-east-1/api            live shop-api:41 sha256:222222222222: stop {} with rollback",
            probe.main_id()
        )),
        "{text}"
    );
    assert!(
        text.contains("eu-west-1/api            live shop-api:41 sha256:222222222222: redeploy sha256:111111111111 at aaaaaaaaaaaa from shop-api:40"),
        "{text}"
    );
    // The redeploy's plan: the diff of the image line.
    assert!(text.contains(&format!("sha256:{OLD_HEX}")), "{text}");
}

#[test]
fn rollback_and_status_help_teach_with_examples() {
    for (cmd, needle) in [
        (
            "rollback",
            "platform-deploy rollback --targets targets.json --to 41",
        ),
        ("status", "platform-deploy status --targets targets.json"),
    ] {
        let out = platform_deploy().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success() && help.contains(needle), "{help}");
    }
}

#[tokio::test(start_paused = true)]
async fn to_while_a_deployment_runs_stops_it_first_then_redeploys_the_named_release() {
    let probe = Sim::new("us-east-1", Behaviour::default());
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            in_flight: vec![probe.main_id()],
            // Listed as running until its rollback has finished.
            in_flight_for: Some(std::time::Duration::from_secs(30)),
            ..one_back()
        },
    );
    use1.state.lock().unwrap().created_at = Some(Instant::now());
    let (r, log) = run(
        &rollback_options("us-east-1", &[], Some(RollbackTo::parse("40").unwrap())),
        &[&use1],
    )
    .await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert_eq!(report.stopped.len(), 1);
    let stop = use1.calls_of("StopDeployment")[0];
    let create = use1.calls_of("CreateDeployment");
    assert_eq!(create.len(), 1);
    assert!(
        create[0] > stop,
        "the redeploy starts after the stop's rollback"
    );
    assert_eq!(
        registered_image(&use1),
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{OLD_HEX}")
    );
}

#[tokio::test(start_paused = true)]
async fn an_alarm_already_firing_on_the_bad_release_neither_refuses_nor_stops_the_rollback() {
    let use1 = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_already_firing: true,
            ..one_back()
        },
    );
    let (r, log) = run(&rollback_options("us-east-1", &[], None), &[&use1]).await;
    let report = r.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    assert!(use1.state.lock().unwrap().stops.is_empty());
    // The alarm that was OK (the group's latency alarm) is still read during the watch.
    let created = use1.calls_of("CreateDeployment")[0];
    assert!(use1.calls_of("DescribeAlarms").iter().any(|t| *t > created));
}
