//! Wire-level: the canary analysis against the sandbox's AWS stand-in. The stand-in answers
//! GetMetricData and ListMetrics with the values a test gives each target group's load balancer
//! metrics (POST /_sandbox/cloudwatch/metrics): a slow new version, a 5xx burst, too little
//! traffic, a healthy one. Both controllers: CodeDeploy (the production listener names the target
//! groups) and ECS (the production listener rule).

use std::time::Duration;

use platform_deploy::OutcomeKind;
use platform_deploy::aws::RegionClients;
use platform_deploy::config::{Analysis, Check, CheckQuery, Inconclusive, MetricStat, Threshold};
use platform_deploy::rollout::analysis::Verdict;
use platform_deploy::rollout::analysis::target::{load_balancer_dimension, target_group_dimension};
use platform_deploy::rollout::{DeploymentResult, ImageRef, RolloutOptions, RolloutReport};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::ecs_native::{ecs_platform_in_moto, status_reason};
use super::moto::{
    StandIn, assert_stopped_by_us, binary, cli_setup, deployment, moto_world, opts_for,
    rollout_args, rollout_in_moto, stand_in,
};
use super::moto_world::{Alb, REGION, alb_in_moto, platform_in_moto};
use super::sim::run_rollout;
use crate::support::names::unique;
use crate::support::sandbox;

/// One target group's metric dimensions, as the stand-in matches them.
pub(super) struct Group {
    target_group: String,
    load_balancer: String,
}

/// The blue and green groups of the service in `targets` (its target_group_arns, behind the
/// listener or rule it names).
pub(super) fn groups(targets: &Value) -> (Group, Group) {
    let api = &targets["services"]["api"];
    let arns: Vec<&str> = api["target_group_arns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let routing = api["prod_listener_arn"]
        .as_str()
        .filter(|a| !a.is_empty())
        .or(api["production_listener_rule_arn"].as_str())
        .unwrap();
    let lb = load_balancer_dimension(routing).unwrap();
    let group = |arn: &str| Group {
        target_group: target_group_dimension(arn).unwrap(),
        load_balancer: lb.clone(),
    };
    (group(arns[0]), group(arns[1]))
}

/// Gives `metric` (with `stat`) of `group` the value `value` in every minute.
fn set_metric(url: &str, group: &Group, metric: &str, stat: &str, value: f64) {
    sandbox::control(
        url,
        "/_sandbox/cloudwatch/metrics",
        &json!({
            "namespace": "AWS/ApplicationELB",
            "metric": metric,
            "stat": stat,
            "region": REGION,
            "dimensions": {"TargetGroup": group.target_group, "LoadBalancer": group.load_balancer},
            "value": value,
        }),
    );
}

/// Traffic on `group`: `requests` a minute, `errors` of them 5xx, p95 latency `p95` seconds.
pub(super) fn traffic(url: &str, group: &Group, requests: f64, errors: f64, p95: f64) {
    set_metric(url, group, "RequestCount", "Sum", requests);
    set_metric(url, group, "HTTPCode_Target_5XX_Count", "Sum", errors);
    set_metric(url, group, "TargetResponseTime", "p95", p95);
}

/// The platform's SLO checks, measured every second (a one-minute window) so a 5-second canary
/// is judged several times.
fn slo_analysis() -> Analysis {
    Analysis {
        interval: Duration::from_secs(1),
        failure_limit: 1,
        inconclusive: Inconclusive::Continue,
        min_requests: 50,
        checks: platform_deploy::config::slo_checks(),
    }
}

fn with_analysis(image: ImageRef, analysis: Analysis) -> RolloutOptions {
    let mut opts = opts_for(image);
    opts.services[0].analysis = Some(analysis);
    opts
}

/// The CodeDeploy world with its load balancer: the production listener forwards to blue.
async fn codedeploy_world(c: &RegionClients, url: &str, name: &str) -> (Value, ImageRef) {
    let (mut targets, image) = platform_in_moto(c, name, true).await;
    let Alb {
        target_groups,
        listeners,
        ..
    } = alb_in_moto(c, name, crate::support::aws::default_subnets(url, REGION)).await;
    targets["services"]["api"]["target_group_arns"] = json!(target_groups);
    targets["services"]["api"]["prod_listener_arn"] = json!(listeners[0]);
    targets["services"]["api"]["test_listener_arn"] = json!(listeners[1]);
    (targets, image)
}

fn verdicts(report: &RolloutReport, check: &str) -> Vec<Verdict> {
    report.deployments[0]
        .analysis
        .iter()
        .filter(|m| m.check == check)
        .map(|m| m.verdict)
        .collect()
}

/// Which controller releases the test's service.
#[derive(Clone, Copy)]
enum On {
    CodeDeploy,
    Ecs,
}

/// A service released by `on` in the stand-in (names from `prefix`), its blue and green target
/// groups serving `blue` and `green` traffic: (requests a minute, of them 5xx, p95 seconds).
async fn service_with_traffic(
    s: &StandIn,
    on: On,
    prefix: &str,
    blue: (f64, f64, f64),
    green: (f64, f64, f64),
) -> (Value, ImageRef, Group, Group) {
    let name = unique(prefix);
    let (targets, image) = match on {
        On::CodeDeploy => codedeploy_world(&s.c, &s.url, &name).await,
        On::Ecs => ecs_platform_in_moto(&s.c, &s.url, &name).await,
    };
    let (b, g) = groups(&targets);
    traffic(&s.url, &b, blue.0, blue.1, blue.2);
    traffic(&s.url, &g, green.0, green.1, green.2);
    (targets, image, b, g)
}

/// A rollout with `analysis` of a service set up as [`service_with_traffic`] does: its report and
/// progress log.
async fn analysed_rollout(
    s: &StandIn,
    on: On,
    prefix: &str,
    traffic: [(f64, f64, f64); 2],
    analysis: Analysis,
) -> (RolloutReport, String) {
    let (targets, image, ..) = service_with_traffic(s, on, prefix, traffic[0], traffic[1]).await;
    rollout_in_moto(&s.c, targets, with_analysis(image, analysis), async {}).await
}

/// The one deployment of a rollout that must have been rolled back for `why`.
fn rolled_back_for<'r>(report: &'r RolloutReport, log: &str, why: &str) -> &'r DeploymentResult {
    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    let d = &report.deployments[0];
    assert!(d.message.contains(why), "expected {why:?} in {}", d.message);
    d
}

#[tokio::test]
async fn ecs_a_slow_canary_is_rolled_back_naming_p95_its_value_and_the_limit() {
    let s = stand_in().await;
    let traffic = [(2000.0, 0.0, 0.12), (400.0, 0.0, 0.9)];
    let (report, log) = analysed_rollout(&s, On::Ecs, "pdslow", traffic, slo_analysis()).await;

    let d = rolled_back_for(
        &report,
        &log,
        "analysis check latency-p95 failed: p95 TargetResponseTime of the new target group is 900 ms, above max 300ms with 10% of traffic shifted",
    );
    assert_eq!(verdicts(&report, "latency-p95"), [Verdict::Fail]);
    assert_eq!(verdicts(&report, "error-rate"), [Verdict::Pass]);
    assert!(
        log.contains(
            "analysis latency-p95: FAIL (p95 TargetResponseTime of the new target group is 900 ms"
        ),
        "{log}"
    );
    let (status, reason) = status_reason(&s.c, d.deployment_id.as_deref().unwrap()).await;
    assert_eq!(status, "ROLLBACK_SUCCESSFUL");
    assert!(
        reason.contains("StopServiceDeployment"),
        "stopped by the rollout: {reason}"
    );
    let summary = report.render_markdown();
    for row in [
        format!("### Canary analysis of {REGION}/api"),
        "| 10% | latency-p95 | 900 ms | — | 400 | **FAIL**: p95 TargetResponseTime".into(),
    ] {
        assert!(summary.contains(&row), "expected {row:?} in:\n{summary}");
    }
}

#[tokio::test]
async fn codedeploy_a_5xx_burst_is_rolled_back_naming_the_error_rate() {
    let s = stand_in().await;
    let traffic = [(2000.0, 0.0, 0.12), (1000.0, 30.0, 0.1)];
    let (report, log) =
        analysed_rollout(&s, On::CodeDeploy, "pd5xx", traffic, slo_analysis()).await;

    let d = rolled_back_for(
        &report,
        &log,
        "analysis check error-rate failed: errors / requests of the new target group is 3%, above max 0.1%",
    );
    assert_stopped_by_us(&deployment(&s.c, d.deployment_id.as_deref().unwrap()).await);
}

#[tokio::test]
async fn a_healthy_canary_passes_every_measurement_and_the_summary_shows_each_step() {
    let s = stand_in().await;
    let (targets, image, blue, green) = service_with_traffic(
        &s,
        On::CodeDeploy,
        "pdhealthy",
        (2000.0, 1.0, 0.2),
        (800.0, 0.0, 0.18),
    )
    .await;
    let mut analysis = slo_analysis();
    // Compared with the stable version too: 0.18 s against 0.2 s passes.
    analysis.checks[1].max_vs_stable = Some(1.2);

    // The dry run shows what would be measured where.
    let mut dry = with_analysis(image.clone(), analysis.clone());
    dry.dry_run = true;
    let (planned, _) = rollout_in_moto(&s.c, targets.clone(), dry, async {}).await;
    let text = planned.render_text(Duration::ZERO);
    for line in [
        format!(
            "analysis every 1s on {} (stable: {})",
            green.target_group, blue.target_group
        ),
        "latency-p95 (p95 TargetResponseTime: max 300ms, ≤ 1.2x stable)".into(),
    ] {
        assert!(text.contains(&line), "expected {line:?} in:\n{text}");
    }

    let (report, log) =
        rollout_in_moto(&s.c, targets, with_analysis(image, analysis), async {}).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    let measured = &report.deployments[0].analysis;
    assert!(measured.len() >= 2, "{measured:?}");
    assert!(
        measured.iter().all(|m| m.verdict == Verdict::Pass),
        "{measured:?}"
    );
    let p95 = measured.iter().find(|m| m.check == "latency-p95").unwrap();
    assert_eq!(p95.value.as_deref(), Some("180 ms"));
    assert_eq!(p95.stable.as_deref(), Some("200 ms"));
    let summary = report.render_markdown();
    for row in [
        "| latency-p95 | 180 ms | 200 ms | 800 | pass |",
        "| error-rate | 0% | — | 800 | pass |",
    ] {
        assert!(summary.contains(row), "expected {row:?} in:\n{summary}");
    }
}

#[tokio::test]
async fn too_little_traffic_is_inconclusive_and_by_setting_fails_the_canary() {
    let s = stand_in().await;
    // A stable version with traffic; a new one that is slow, but serves 5 requests a minute.
    let traffic = [(2000.0, 0.0, 0.12), (5.0, 0.0, 0.9)];

    // Measured again: the deployment goes on, every measurement reported inconclusive.
    let (report, log) = analysed_rollout(&s, On::Ecs, "pdquiet", traffic, slo_analysis()).await;
    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    let measured = &report.deployments[0].analysis;
    assert!(!measured.is_empty());
    assert!(
        measured.iter().all(|m| m.verdict == Verdict::Inconclusive),
        "{measured:?}"
    );
    assert!(
        log.contains("analysis latency-p95: inconclusive (5 requests to the new target group in the window, fewer than min_requests = 50)"),
        "{log}"
    );

    // Counted as a failure.
    let mut analysis = slo_analysis();
    analysis.inconclusive = Inconclusive::Fail;
    let (report, log) = analysed_rollout(&s, On::Ecs, "pdquietfail", traffic, analysis).await;
    rolled_back_for(&report, &log, "fewer than min_requests = 50");
}

#[tokio::test]
async fn a_metric_math_check_and_the_stable_comparison_judge_the_canary() {
    let s = stand_in().await;
    let (targets, image, blue, green) = service_with_traffic(
        &s,
        On::CodeDeploy,
        "pdmath",
        (2000.0, 0.0, 0.2),
        (1000.0, 0.0, 0.25),
    )
    .await;
    set_metric(&s.url, &green, "HTTPCode_Target_2XX_Count", "Sum", 990.0);
    set_metric(&s.url, &blue, "HTTPCode_Target_2XX_Count", "Sum", 1990.0);
    let sum = |metric: &str| MetricStat {
        metric: metric.into(),
        stat: "Sum".into(),
    };
    let analysis = Analysis {
        checks: vec![
            // 99 % of requests answered 2xx: passes a 98 % floor.
            Check {
                name: "success-rate".into(),
                query: CheckQuery::Expression {
                    expression: "ok / (requests + 0)".into(),
                    metrics: [
                        ("ok".into(), sum("HTTPCode_Target_2XX_Count")),
                        ("requests".into(), sum("RequestCount")),
                    ]
                    .into(),
                },
                max: None,
                min: Some(Threshold::parse("98%").unwrap()),
                max_vs_stable: None,
            },
            // 250 ms is inside the SLO but 1.25x the stable version's 200 ms.
            Check {
                name: "latency-vs-stable".into(),
                query: CheckQuery::Metric(MetricStat {
                    metric: "TargetResponseTime".into(),
                    stat: "p95".into(),
                }),
                max: Some(Threshold::parse("300ms").unwrap()),
                min: None,
                max_vs_stable: Some(1.2),
            },
        ],
        ..slo_analysis()
    };

    let (report, log) =
        rollout_in_moto(&s.c, targets, with_analysis(image, analysis), async {}).await;

    rolled_back_for(
        &report,
        &log,
        "analysis check latency-vs-stable failed: p95 TargetResponseTime of the new target group is 250 ms, above 1.2x the stable version's 200 ms",
    );
    assert_eq!(verdicts(&report, "success-rate"), [Verdict::Pass]);
    assert!(log.contains("analysis success-rate: pass (99%"), "{log}");
}

#[tokio::test]
async fn a_metric_with_no_data_for_the_target_groups_is_refused_before_anything_changes() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdnometric");
    let (targets, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let (blue, _) = groups(&targets);
    // Requests and 5xx exist; latency was never published for either target group.
    set_metric(&url, &blue, "RequestCount", "Sum", 100.0);
    set_metric(&url, &blue, "HTTPCode_Target_5XX_Count", "Sum", 0.0);
    let family = targets["services"]["api"]["task_family"]
        .as_str()
        .unwrap()
        .to_string();
    let before = c
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .send()
        .await
        .unwrap()
        .task_definition_arns()
        .len();

    let world = moto_world(&c, targets);
    let (result, _) = run_rollout(
        &with_analysis(image, slo_analysis()),
        &world,
        &CancellationToken::new(),
    )
    .await;

    let err = result.expect_err("the pre-flight refuses");
    assert_eq!(err.kind(), OutcomeKind::PreflightRefused);
    let text = err.to_string();
    assert!(
        text.contains("the analysis reads TargetResponseTime, and CloudWatch has no TargetResponseTime for the service's target groups"),
        "{text}"
    );
    assert!(
        text.contains("[services.analysis] enabled = false"),
        "{text}"
    );
    let after = c
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .send()
        .await
        .unwrap()
        .task_definition_arns()
        .len();
    assert_eq!(before, after, "nothing was registered");
}

#[tokio::test]
async fn the_cli_exits_4_naming_p95_when_the_canary_is_slower_than_the_slo() {
    let s = stand_in().await;
    let (mut targets, image, ..) = service_with_traffic(
        &s,
        On::Ecs,
        "pdslowcli",
        (2000.0, 0.0, 0.12),
        (600.0, 0.0, 0.45),
    )
    .await;
    // The default one-minute interval needs a canary longer than a minute: 90 config-minutes
    // (90 s in the stand-in).
    let cluster = targets["services"]["api"]["cluster_name"].clone();
    targets["services"]["api"]["deployment_config"] = json!(format!(
        "{}-Canary10Percent90Minutes",
        cluster.as_str().unwrap()
    ));
    let dir = cli_setup(&targets);
    // The platform's SLO checks, as `[rollout.analysis]` with nothing in it gives them.
    let toml = dir.path().join("platform.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{config}\n[rollout.analysis]\n")).unwrap();

    let out = binary(&dir, &s.url)
        .args(rollout_args(&image.to_string()))
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "analysis check latency-p95 failed: p95 TargetResponseTime of the new target group is 450 ms, above max 300ms with 10% of traffic shifted"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("analysis error-rate: pass (0%; limits: max 0.1%)"),
        "{stderr}"
    );
}
