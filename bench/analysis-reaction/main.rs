//! Analysis reaction: the time from the new version's p95 latency crossing the SLO (300 ms) to the
//! rollout's StopDeployment, with the defaults of an empty `[rollout.analysis]` (the SLO checks,
//! measured every minute) and `rollout.poll_interval` (5 s, ±20 % jitter).
//!
//! Not a test: run it with `bench/analysis-reaction/run.sh` (an example binary, so that it builds
//! with the crate and uses the real monitor and analysis code).
//!
//! 1. Simulated: the real rollout on the real SDK clients with aws-smithy-mocks answers, on a
//!    paused tokio clock; the new version's p95 goes from 120 ms to 900 ms at a random moment of
//!    the 10 % canary. Measures the schedule of the measurements exactly, over many trials.
//! 2. Wall clock (when the sandbox's AWS stand-in is up, PD_SANDBOX_MOTO_URL): the same over HTTP,
//!    the value set through the stand-in's metric control endpoint, to the deployment's stop time
//!    as CodeDeploy (the stand-in) records it.
//!
//! The baseline: a crossing lands uniformly within a measurement interval, so the expected wait is
//! half the interval plus half a poll (a measurement falls due between two polls).
//! Not in either number: CloudWatch publishes a load balancer minute about a minute after it ends,
//! and the window is the last whole minute, which on AWS adds up to two minutes to both.

// The test suite's simulated regions and stand-in world, under the names the files expect.
#[path = "../../tests/it/rollout/moto_world.rs"]
#[allow(dead_code)] // its alarms are alarm-reaction's
mod moto_world;
#[path = "../reaction.rs"]
mod reaction;
#[path = "../../tests/it/rollout/sim.rs"]
#[allow(unused_imports)]
mod sim;
// The test suite's stand-in helpers (SDK settings, DescribeSubnets of the default VPC, HTTP).
#[path = "../../tests/it/support/aws.rs"]
#[allow(dead_code)]
mod aws;
#[path = "../../tests/it/support/http.rs"]
#[allow(dead_code)]
mod http;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use platform_deploy::aws::RegionClients;
use platform_deploy::config::Analysis;
use platform_deploy::rollout::{self, Progress};
use reaction::stats;
use serde_json::json;
use sim::{Behaviour, Sim, options, world};
use tokio_util::sync::CancellationToken;

/// The defaults: `[rollout.analysis]` with nothing in it, and the poll interval.
fn defaults() -> (Analysis, Duration) {
    let dir = std::env::temp_dir().join(format!("analysis-reaction-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("stack")).unwrap();
    std::fs::write(dir.join("stack/main.tf"), "").unwrap();
    let toml = "[project]\nname = \"bench\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"s\"\ndir = \"stack\"\nregion = \"us-east-1\"\n[rollout.analysis]\n";
    let config = platform_deploy::config::Config::parse(&dir.join("platform.toml"), toml).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        config
            .rollout
            .analysis
            .expect("an empty table runs the SLO checks"),
        config.rollout.poll_interval,
    )
}

/// One simulated trial: seconds from the crossing to StopDeployment.
async fn simulated_trial(analysis: &Analysis, poll: Duration, slow_after: Duration) -> f64 {
    let sim = Sim::new(
        "us-east-1",
        Behaviour {
            green_slow_at: Some(slow_after),
            full_at: None,
            succeed_at: None,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    opts.settings.poll_interval = poll;
    opts.services[0].analysis = Some(analysis.clone());
    let (targets, clients) = world(&[&sim]);
    let (progress, _) = Progress::buffer();
    let report = rollout::run(
        &opts,
        &targets,
        &clients,
        &CancellationToken::new(),
        &progress,
    )
    .await
    .expect("the simulated rollout starts");
    assert_eq!(
        report.outcome,
        platform_deploy::OutcomeKind::RolledBack,
        "{}",
        report.message
    );
    let st = sim.state.lock().unwrap();
    let slowed = st.created_at.unwrap() + slow_after;
    (st.stops[0].2 - slowed).as_secs_f64()
}

fn simulated(analysis: &Analysis, poll: Duration, trials: usize) -> Vec<f64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    (0..trials)
        .map(|_| {
            // Anywhere in the 10 % canary, after its first measurement window filled.
            let slow_after = Duration::from_millis(40_000 + fastrand::u64(0..600_000));
            rt.block_on(simulated_trial(analysis, poll, slow_after))
        })
        .collect()
}

// ---- wall clock against the sandbox stand-in ------------------------------------------------

async fn stand_in_clients(url: &str) -> RegionClients {
    let config = aws::stand_in(url, moto_world::REGION).load().await;
    RegionClients::from_config(&config)
}

/// Gives `metric` of target group `tg` behind load balancer `lb` the value `value`.
fn set_metric(url: &str, tg: &str, lb: &str, metric: &str, stat: &str, value: f64) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let body = json!({
        "namespace": "AWS/ApplicationELB", "metric": metric, "stat": stat,
        "dimensions": {"TargetGroup": tg, "LoadBalancer": lb}, "value": value,
    });
    let (status, answer) = http::post_json(addr, "/_sandbox/cloudwatch/metrics", &body).unwrap();
    assert_eq!(status, 200, "{answer}");
}

/// The `targetgroup/…` or `app/…` dimension of an ARN.
fn dimension(arn: &str, after: &str) -> String {
    let rest = arn.split_once(after).unwrap().1;
    let parts: Vec<&str> = rest.split('/').collect();
    match after {
        ":targetgroup/" => format!("targetgroup/{rest}"),
        _ => format!("app/{}/{}", parts[1], parts[2]),
    }
}

async fn wall_trial(url: &str, n: usize, analysis: &Analysis, poll: Duration) -> f64 {
    let c = stand_in_clients(url).await;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000;
    let name = format!("ar{}x{n}x{nanos}", std::process::id());
    let (mut service, image) = moto_world::platform_in_moto(&c, &name, true).await;
    let alb =
        moto_world::alb_in_moto(&c, &name, aws::default_subnets(url, moto_world::REGION)).await;
    let api = &mut service["services"]["api"];
    api["target_group_arns"] = json!(alb.target_groups);
    api["prod_listener_arn"] = json!(alb.listeners[0]);
    api["deployment_config"] = json!("CodeDeployDefault.ECSCanary10Percent15Minutes");
    let lb = dimension(&alb.listeners[0], ":listener/");
    let (blue, green) = (
        dimension(&alb.target_groups[0], ":targetgroup/"),
        dimension(&alb.target_groups[1], ":targetgroup/"),
    );
    for tg in [&blue, &green] {
        set_metric(url, tg, &lb, "RequestCount", "Sum", 1000.0);
        set_metric(url, tg, &lb, "HTTPCode_Target_5XX_Count", "Sum", 0.0);
        set_metric(url, tg, &lb, "TargetResponseTime", "p95", 0.12);
    }
    let targets =
        rollout::targets::parse_targets_map("bench", &json!({ moto_world::REGION: service }))
            .unwrap();
    let mut opts = options(Some(moto_world::REGION), &[]);
    opts.image = image;
    opts.services[0].hooks.clear();
    opts.services[0].analysis = Some(analysis.clone());
    opts.settings.poll_interval = poll;
    opts.settings.require_alarms = false;
    let clients = BTreeMap::from([(moto_world::REGION.to_string(), c.clone())]);
    let (progress, _) = Progress::buffer();
    let cancel = CancellationToken::new();
    let slow = async {
        while moto_world::green_weight(&c, &name).await.map(|(_, w)| w) != Some(10.0) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(fastrand::u64(0..60_000))).await;
        let at = SystemTime::now();
        set_metric(url, &green, &lb, "TargetResponseTime", "p95", 0.9);
        at
    };
    let (report, slowed_at) = tokio::join!(
        rollout::run(&opts, &targets, &clients, &cancel, &progress),
        slow
    );
    let report = report.unwrap();
    assert_eq!(
        report.outcome,
        platform_deploy::OutcomeKind::RolledBack,
        "{}",
        report.message
    );
    let id = report.deployments[0].deployment_id.clone().unwrap();
    let info = c
        .codedeploy
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .unwrap();
    let info = info.deployment_info().unwrap();
    let stopped = SystemTime::try_from(*info.complete_time().unwrap()).unwrap();
    stopped
        .duration_since(slowed_at)
        .unwrap_or_default()
        .as_secs_f64()
}

/// The stand-in's CodeDeploy speed-up for deployments created afterwards.
fn codedeploy_speed(url: &str, speed: f64) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let (status, answer) = http::post_json(
        addr,
        "/_sandbox/codedeploy/speed",
        &json!({ "speed": speed }),
    )
    .unwrap();
    assert_eq!(status, 200, "{answer}");
}

fn main() {
    let env_count = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(default)
    };
    let (trials, wall_trials) = (env_count("TRIALS", 200), env_count("WALL_TRIALS", 5));
    let (analysis, poll) = defaults();
    let baseline = analysis.interval.as_secs_f64() / 2.0 + poll.as_secs_f64() / 2.0;
    println!(
        "analysis reaction: the new version's p95 crossing 300 ms -> the rollout's StopDeployment (default interval {}s, poll {}s ±20%)",
        analysis.interval.as_secs(),
        poll.as_secs()
    );
    println!("baseline: half the interval plus half a poll = {baseline:.1}s\n");

    let (mean, p50, p95, max) = stats(simulated(&analysis, poll, trials));
    println!("simulated, paused clock, real monitor + SDK clients, {trials} trials:");
    println!(
        "  mean {mean:.1}s  p50 {p50:.1}s  p95 {p95:.1}s  max {max:.1}s   mean/baseline {:.2}",
        mean / baseline
    );

    match std::env::var("PD_SANDBOX_MOTO_URL") {
        Ok(url) if wall_trials > 0 => {
            // A 15-minute canary at 6x: 150 s, long enough for two measurements.
            codedeploy_speed(&url, 6.0);
            let rt = tokio::runtime::Runtime::new().unwrap();
            let wall: Vec<f64> = (0..wall_trials)
                .map(|n| rt.block_on(wall_trial(&url, n, &analysis, poll)))
                .collect();
            codedeploy_speed(&url, 60.0);
            let (wmean, wp50, wp95, wmax) = stats(wall);
            println!(
                "\nwall clock, over HTTP against the sandbox stand-in ({url}), {wall_trials} trials:"
            );
            println!(
                "  mean {wmean:.1}s  p50 {wp50:.1}s  p95 {wp95:.1}s  max {wmax:.1}s   mean/baseline {:.2}   mean/simulated {:.2}",
                wmean / baseline,
                wmean / mean
            );
        }
        _ => println!(
            "\nwall clock: skipped (set PD_SANDBOX_MOTO_URL, e.g. eval \"$(scripts/sandbox up)\")"
        ),
    }
    println!(
        "\nOn AWS add CloudWatch's publication delay: a load balancer minute is queryable about a minute\n\
         after it ends, and the window measured is the last whole minute."
    );
}
