//! Alarm reaction: the time from a gating alarm entering ALARM to the rollout's StopDeployment
//! call, under the default poll settings (`rollout.poll_interval` = 5 s, ±20 % jitter).
//!
//! Not a test: run it with `bench/alarm-reaction/run.sh` (it is an example binary so that it builds
//! with the crate and uses the real monitor code).
//!
//! 1. Simulated: the real rollout on the real SDK clients with aws-smithy-mocks answers, on a
//!    paused tokio clock; the alarm enters ALARM at a random moment of a 10 % canary. Measures the
//!    scheduling part of the reaction exactly (no network), over many trials.
//! 2. Wall clock (when the sandbox's AWS stand-in is up, PD_SANDBOX_MOTO_URL): the same through
//!    real HTTP, CloudWatch SetAlarmState → the deployment's StopDeployment time as the stand-in
//!    records it.
//!
//! The baseline each is compared with: the poll-bound expectation (an alarm lands uniformly
//! within a poll interval, so the mean wait is half the mean interval).

// The test suite's simulated regions and stand-in world, under the names the files expect (`super::sim`).
#[path = "../../tests/it/rollout/moto_world.rs"]
#[allow(dead_code)] // the load balancer of bench/analysis-reaction is not needed here
mod moto_world;
#[path = "../reaction.rs"]
mod reaction;
#[path = "../../tests/it/rollout/sim.rs"]
#[allow(unused_imports)]
mod sim;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use platform_deploy::aws::RegionClients;
use platform_deploy::rollout::{self, ImageRef, Progress};
use reaction::stats;
use serde_json::json;
use sim::{Behaviour, Sim, options, world};
use tokio_util::sync::CancellationToken;

/// One simulated trial: seconds from ALARM to StopDeployment.
async fn simulated_trial(poll: Duration, fire_after: Duration) -> f64 {
    let sim = Sim::new(
        "us-east-1",
        Behaviour {
            alarm_fires_at: Some(fire_after),
            full_at: None,
            succeed_at: None,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Some("us-east-1"), &[]);
    opts.settings.poll_interval = poll;
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
    let fired = st.created_at.unwrap() + fire_after;
    (st.stops[0].2 - fired).as_secs_f64()
}

fn simulated(poll: Duration, trials: usize) -> Vec<f64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    (0..trials)
        .map(|_| {
            // Anywhere in the 10 % canary step (30 s .. 330 s after creation).
            let fire_after = Duration::from_millis(40_000 + fastrand::u64(0..280_000));
            rt.block_on(simulated_trial(poll, fire_after))
        })
        .collect()
}

// ---- wall clock against the sandbox stand-in ------------------------------------------------

async fn stand_in_clients(url: &str) -> RegionClients {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(platform_deploy::aws::http_client())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "bench",
        ))
        .load()
        .await;
    RegionClients::from_config(&config)
}

/// The wire tests' service in the stand-in, with a 15-minute canary (15 s at the stand-in's default
/// speed-up) and an alarm that only deploy_targets names (CodeDeploy itself does not watch it).
async fn setup(c: &RegionClients, name: &str) -> (serde_json::Value, ImageRef, String) {
    let (mut service, image) = moto_world::platform_in_moto(c, name, true).await;
    let alarm = format!("{name}-5xx");
    moto_world::create_alarm(c, &alarm).await;
    service["services"]["api"]["deployment_config"] =
        json!("CodeDeployDefault.ECSCanary10Percent15Minutes");
    service["services"]["api"]["alarm_names"] = json!([alarm]);
    (json!({ moto_world::REGION: service }), image, alarm)
}

async fn wall_trial(url: &str, n: usize) -> f64 {
    let c = stand_in_clients(url).await;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
        % 1_000_000_000;
    let name = format!("bench{}x{n}x{nanos}", std::process::id());
    let (targets_json, image, alarm) = setup(&c, &name).await;
    let targets = rollout::targets::parse_targets_map("bench", &targets_json).unwrap();
    let mut opts = options(Some("us-east-1"), &[]);
    opts.image = image;
    opts.services[0].hooks.clear();
    opts.settings.poll_interval = platform_deploy_default_poll();
    let clients = BTreeMap::from([("us-east-1".to_string(), c.clone())]);
    let (progress, _) = Progress::buffer();
    let cancel = CancellationToken::new();
    let fire = async {
        while moto_world::green_weight(&c, &name).await.map(|(_, w)| w) != Some(10.0) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(fastrand::u64(0..5000))).await;
        let at = SystemTime::now();
        moto_world::set_alarm(&c, &alarm, aws_sdk_cloudwatch::types::StateValue::Alarm).await;
        at
    };
    let (report, fired_at) = tokio::join!(
        rollout::run(&opts, &targets, &clients, &cancel, &progress),
        fire
    );
    let report = report.unwrap();
    let id = report.deployments[0].deployment_id.clone().unwrap();
    let info = c
        .codedeploy
        .get_deployment()
        .deployment_id(&id)
        .send()
        .await
        .unwrap();
    let info = info.deployment_info().unwrap();
    assert_eq!(
        info.error_information()
            .and_then(|e| e.code())
            .map(|c| c.as_str()),
        Some("MANUAL_STOP"),
        "stopped by the rollout: {}",
        report.message
    );
    let stopped = SystemTime::try_from(*info.complete_time().unwrap()).unwrap();
    stopped
        .duration_since(fired_at)
        .unwrap_or_default()
        .as_secs_f64()
}

/// `rollout.poll_interval` when platform.toml does not set it.
fn platform_deploy_default_poll() -> Duration {
    let dir = std::env::temp_dir().join(format!("alarm-reaction-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("stack")).unwrap();
    std::fs::write(dir.join("stack/main.tf"), "").unwrap();
    let toml = "[project]\nname = \"bench\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"s\"\ndir = \"stack\"\nregion = \"us-east-1\"\n";
    let config = platform_deploy::config::Config::parse(&dir.join("platform.toml"), toml).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    config.rollout.poll_interval
}

fn main() {
    let trials: usize = std::env::var("TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(200);
    let wall_trials: usize = std::env::var("WALL_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(5);
    let poll = platform_deploy_default_poll();
    let baseline = poll.as_secs_f64() / 2.0;
    println!(
        "alarm reaction: an alarm entering ALARM -> the rollout's StopDeployment (default poll_interval {}s, ±20% jitter)",
        poll.as_secs()
    );
    println!(
        "baseline: the poll-bound expectation, half the mean poll interval = {baseline:.2}s\n"
    );

    let (mean, p50, p95, max) = stats(simulated(poll, trials));
    println!("simulated, paused clock, real monitor + SDK clients, {trials} trials:");
    println!(
        "  mean {mean:.2}s  p50 {p50:.2}s  p95 {p95:.2}s  max {max:.2}s   mean/baseline {:.2}",
        mean / baseline
    );

    match std::env::var("PD_SANDBOX_MOTO_URL") {
        Ok(url) if wall_trials > 0 => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            let wall: Vec<f64> = (0..wall_trials)
                .map(|n| rt.block_on(wall_trial(&url, n)))
                .collect();
            let (wmean, wp50, wp95, wmax) = stats(wall);
            println!(
                "\nwall clock, over HTTP against the sandbox stand-in ({url}), {wall_trials} trials:"
            );
            println!(
                "  mean {wmean:.2}s  p50 {wp50:.2}s  p95 {wp95:.2}s  max {wmax:.2}s   mean/baseline {:.2}   mean/simulated {:.2}",
                wmean / baseline,
                wmean / mean
            );
        }
        _ => println!(
            "\nwall clock: skipped (set PD_SANDBOX_MOTO_URL, e.g. eval \"$(scripts/sandbox up)\")"
        ),
    }
    println!(
        "\nCodeDeploy's own alarm check: AWS documents that a deployment stops when an associated alarm is\n\
         activated, but not how often CodeDeploy reads alarm states; it cannot be measured without AWS."
    );
}
