//! Experiments run on the AWS stand-in's FIS: StartExperiment, its state machine, StopExperiment on SIGINT.
//! Needs `eval "$(scripts/sandbox up)"`.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{chaos, project};
use crate::support::output::{child_output, json};
use crate::support::{aws, sandbox};

/// A template in the stand-in: a wait action of `duration`, stopped by `alarm` (none: unguarded).
async fn template(url: &str, duration: &str, alarm: Option<&str>) -> String {
    let fis = aws_sdk_fis::Client::new(&aws::stand_in(url, "us-east-1").load().await);
    let mut req = fis
        .create_experiment_template()
        .description("wait")
        .role_arn("arn:aws:iam::123456789012:role/shop-fis")
        .actions(
            "wait",
            aws_sdk_fis::types::CreateExperimentTemplateActionInput::builder()
                .action_id("aws:fis:wait")
                .parameters("duration", duration)
                .build()
                .unwrap(),
        );
    let condition = aws_sdk_fis::types::CreateExperimentTemplateStopConditionInput::builder();
    req = req.stop_conditions(match alarm {
        Some(arn) => condition
            .source("aws:cloudwatch:alarm")
            .value(arn)
            .build()
            .unwrap(),
        None => condition.source("none").build().unwrap(),
    });
    let out = req.send().await.unwrap();
    out.experiment_template().unwrap().id().unwrap().to_string()
}

fn on_stand_in(cmd: &mut Command, url: &str) {
    sandbox::aws_env(cmd, url).env("AWS_REGION", "us-east-1");
}

const ALARM: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:shop-api-5xx-rate";

#[tokio::test(flavor = "multi_thread")]
async fn an_experiment_runs_to_completion_and_reports_it() {
    let url = sandbox::aws_url();
    let id = template(&url, "PT1M", Some(ALARM)).await;
    let dir = project(json!({"api-wait": id}));
    let mut cmd = chaos(dir.path(), &["api-wait", "--poll-interval", "100ms"]);
    on_stand_in(&mut cmd, &url);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let result = json(&out);
    assert_eq!(out.status.code(), Some(0), "{result}");
    assert_eq!(result["data"]["ending"], "completed");
    assert_eq!(
        result["data"]["template"]["stop_conditions"],
        json!([ALARM])
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(": running (") && stderr.contains(": completed ("),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_no_alarm_would_stop_is_refused() {
    let url = sandbox::aws_url();
    let id = template(&url, "PT1M", None).await;
    let dir = project(json!({"api-wait": id.clone()}));
    let mut cmd = chaos(dir.path(), &["api-wait"]);
    on_stand_in(&mut cmd, &url);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let result = json(&out);
    assert_eq!(out.status.code(), Some(8), "{result}");
    assert!(
        result["message"].as_str().unwrap().contains(&format!(
            "experiment template {id} has no CloudWatch alarm stop condition"
        )),
        "{result}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_stops_the_running_experiment() {
    let url = sandbox::aws_url();
    let id = template(&url, "PT1H", Some(ALARM)).await;
    let dir = project(json!({"api-wait": id.clone()}));
    let mut cmd = chaos(dir.path(), &["api-wait", "--poll-interval", "100ms"]);
    on_stand_in(&mut cmd, &url);
    let mut child = cmd.spawn().unwrap();
    let fis = aws_sdk_fis::Client::new(&aws::stand_in(&url, "us-east-1").load().await);
    let started = Instant::now();
    let experiment_id = loop {
        let listed = fis.list_experiments().send().await.unwrap();
        let running = listed.experiments().iter().find(|e| {
            e.experiment_template_id() == Some(id.as_str())
                && e.state().and_then(|s| s.status())
                    == Some(&aws_sdk_fis::types::ExperimentStatus::Running)
        });
        if let Some(e) = running {
            break e.id().unwrap().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never running");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || child_output(&mut child))
        .await
        .unwrap();
    let result = json(&out);
    assert_eq!(out.status.code(), Some(7), "{result}");
    assert_eq!(result["data"]["ending"], "cancelled");
    let state = fis
        .get_experiment()
        .id(&experiment_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        state.experiment().unwrap().state().unwrap().status(),
        Some(&aws_sdk_fis::types::ExperimentStatus::Stopped),
        "the experiment was stopped in FIS, not left running"
    );
}
