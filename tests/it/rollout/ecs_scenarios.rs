//! ECS-native rollout scenarios on the real SDK clients (aws-smithy-mocks), on a paused tokio
//! clock, for what the stand-in cannot make happen: throttling and a 500 mid-deployment, and ECS
//! rolling a deployment back by itself (its circuit breaker).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentController, DeploymentControllerType, ServiceDeployment, ServiceDeploymentStatus,
    ServiceRevisionSummary,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use platform_deploy::OutcomeKind;
use platform_deploy::rollout::{Cause, Ending};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::sim::*;

const ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/shop/api/Xk3p9";

/// What the simulated ECS deployment does after UpdateService, poll by poll.
#[derive(Clone, Copy)]
enum Script {
    /// Canary, then all traffic, then SUCCESSFUL; the `n`-th read is throttled, then a 500.
    SucceedsThroughFlakyReads { flaky_read: usize },
    /// Canary, then ECS rolls back by itself (ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL).
    RollsBackItself,
}

impl Script {
    /// The deployment at the `read`-th DescribeServiceDeployments answer (0-based).
    fn at(self, read: usize) -> ServiceDeployment {
        let (status, weight, reason) = match (self, read) {
            (_, 0..=1) => (ServiceDeploymentStatus::InProgress, 0.0, ""),
            (_, 2..=5) => (ServiceDeploymentStatus::InProgress, 10.0, ""),
            (Script::SucceedsThroughFlakyReads { .. }, 6..=7) => {
                (ServiceDeploymentStatus::InProgress, 100.0, "")
            }
            (Script::SucceedsThroughFlakyReads { .. }, _) => {
                (ServiceDeploymentStatus::Successful, 100.0, "")
            }
            (Script::RollsBackItself, 6..=8) => (
                ServiceDeploymentStatus::RollbackInProgress,
                0.0,
                "ECS deployment circuit breaker: tasks failed to start.",
            ),
            (Script::RollsBackItself, _) => (
                ServiceDeploymentStatus::RollbackSuccessful,
                0.0,
                "ECS deployment circuit breaker: tasks failed to start.",
            ),
        };
        ServiceDeployment::builder()
            .service_deployment_arn(ARN)
            .status(status)
            .status_reason(reason)
            .target_service_revision(
                ServiceRevisionSummary::builder()
                    .arn("arn:aws:ecs:us-east-1:123456789012:service-revision/shop/api/2")
                    .requested_production_traffic_weight(weight)
                    .build(),
            )
            .build()
    }
}

/// What the ECS mock saw.
#[derive(Default)]
struct Seen {
    updates: usize,
    described: Vec<String>,
    stops: usize,
}

/// The simulated region with an ECS client that runs `script`: the sim's ECR, CloudWatch and task
/// definitions, a live service on the ECS controller.
fn ecs_world(script: Script) -> (World, Arc<Mutex<Seen>>, Vec<Rule>) {
    let sim = Sim::new(
        "us-east-1",
        Behaviour {
            group_alarms: Vec::new(),
            ..Behaviour::default()
        },
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let describe_services = mock!(aws_sdk_ecs::Client::describe_services).then_output(|| {
        use aws_sdk_ecs::types::Service;
        aws_sdk_ecs::operation::describe_services::DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_arn("arn:aws:ecs:us-east-1:123456789012:service/shop/api")
                    .service_name("api")
                    .status("ACTIVE")
                    .desired_count(3)
                    .running_count(3)
                    .task_definition(
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:41",
                    )
                    .deployment_controller(
                        DeploymentController::builder()
                            .r#type(DeploymentControllerType::Ecs)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
    });
    let body = fixture("fargate-web-secrets");
    let describe_td = mock!(aws_sdk_ecs::Client::describe_task_definition)
        .then_http_response(move || json_response(&body));
    let register = mock!(aws_sdk_ecs::Client::register_task_definition).then_output(|| {
        aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput::builder()
            .task_definition(
                aws_sdk_ecs::types::TaskDefinition::builder()
                    .task_definition_arn(
                        "arn:aws:ecs:us-east-1:123456789012:task-definition/shop-api:42",
                    )
                    .build(),
            )
            .build()
    });
    let s = seen.clone();
    let update = mock!(aws_sdk_ecs::Client::update_service).then_output(move || {
        s.lock().unwrap().updates += 1;
        aws_sdk_ecs::operation::update_service::UpdateServiceOutput::builder()
            .service(
                aws_sdk_ecs::types::Service::builder()
                    .current_service_deployment(ARN)
                    .build(),
            )
            .build()
    });
    let list = mock!(aws_sdk_ecs::Client::list_service_deployments).then_output(|| {
        aws_sdk_ecs::operation::list_service_deployments::ListServiceDeploymentsOutput::builder()
            .build()
    });
    let s = seen.clone();
    let stop = mock!(aws_sdk_ecs::Client::stop_service_deployment).then_output(move || {
        s.lock().unwrap().stops += 1;
        aws_sdk_ecs::operation::stop_service_deployment::StopServiceDeploymentOutput::builder()
            .service_deployment_arn(ARN)
            .build()
    });
    let mut rules = vec![describe_services, describe_td, register, update, list, stop];
    let reads = Arc::new(AtomicUsize::new(0));
    if let Script::SucceedsThroughFlakyReads { flaky_read } = script {
        // Throttled, then a 500, then the answer: all within one DescribeServiceDeployments call.
        let n = reads.clone();
        let s = seen.clone();
        let r = reads.clone();
        rules.push(
            mock!(aws_sdk_ecs::Client::describe_service_deployments)
                .match_requests(move |_| n.load(Ordering::SeqCst) == flaky_read)
                .sequence()
                .http_status(
                    400,
                    Some(
                        r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
                    ),
                )
                .http_status(500, Some(r#"{"__type":"ServerException"}"#.to_string()))
                .output(move || {
                    s.lock().unwrap().described.push(ARN.to_string());
                    let read = r.fetch_add(1, Ordering::SeqCst);
                    aws_sdk_ecs::operation::describe_service_deployments::DescribeServiceDeploymentsOutput::builder()
                        .service_deployments(script.at(read))
                        .build()
                })
                .build(),
        );
    }
    let s = seen.clone();
    let describe = mock!(aws_sdk_ecs::Client::describe_service_deployments).then_compute_output(
        move |req| {
            let mut s = s.lock().unwrap();
            s.described.extend(req.service_deployment_arns().iter().cloned());
            let read = reads.fetch_add(1, Ordering::SeqCst);
            aws_sdk_ecs::operation::describe_service_deployments::DescribeServiceDeploymentsOutput::builder()
                .service_deployments(script.at(read))
                .build()
        },
    );
    rules.push(describe);
    let ecs = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules.iter(), |c| c
        .retry_config(
            aws_smithy_types::retry::RetryConfig::standard()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(200))
        ));

    let mut targets = sim.targets_json();
    let api = &mut targets["services"]["api"];
    on_ecs_controller(
        api,
        "shop-Canary10Percent5Minutes",
        &EcsAdvanced {
            target_groups: ["arn:tg/blue", "arn:tg/green"],
            prod_rule: "arn:rule/prod",
            test_rule: None,
            role: "arn:aws:iam::123456789012:role/shop-ecs-infrastructure",
        },
    );
    let targets = platform_deploy::rollout::targets::parse_targets_map(
        "test",
        &json!({"us-east-1": targets}),
    )
    .unwrap();
    let mut clients = sim.clients.clone();
    clients.ecs = ecs;
    let world = (
        targets,
        std::collections::BTreeMap::from([("us-east-1".to_string(), clients)]),
    );
    (world, seen, rules)
}

fn opts() -> platform_deploy::rollout::RolloutOptions {
    let mut o = options(Some("us-east-1"), &[]);
    o.settings.poll_interval = Duration::from_secs(15);
    o
}

#[tokio::test(start_paused = true)]
async fn throttling_mid_deployment_keeps_the_same_deployment_and_starts_none_twice() {
    let (world, seen, _rules) = ecs_world(Script::SucceedsThroughFlakyReads { flaky_read: 3 });
    let (result, log) = run_rollout(&opts(), &world, &CancellationToken::new()).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{log}"));

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.updates, 1, "one UpdateService, whatever the reads met");
    assert!(
        seen.described.len() >= 8 && seen.described.iter().all(|a| a == ARN),
        "every read was of the one deployment: {:?}",
        seen.described
    );
    assert_eq!(seen.stops, 0);
    assert!(
        log.contains("traffic: 10% on the new task set (step 1/2)"),
        "{log}"
    );
}

#[tokio::test(start_paused = true)]
async fn ecs_rolling_back_by_itself_is_followed_to_its_end_and_named() {
    let (world, seen, _rules) = ecs_world(Script::RollsBackItself);
    let (result, log) = run_rollout(&opts(), &world, &CancellationToken::new()).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{log}"));

    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    assert!(
        report
            .message
            .contains("ECS deployment circuit breaker: tasks failed to start."),
        "{}",
        report.message
    );
    match &report.deployments[0].ending {
        Some(Ending::RolledBack { cause, .. }) => {
            assert!(matches!(cause, Cause::Failed { .. }), "{cause:?}")
        }
        other => panic!("{other:?}\n{log}"),
    }
    assert_eq!(
        seen.lock().unwrap().stops,
        0,
        "ECS rolled back by itself: nothing to stop"
    );
    assert_eq!(report.outcome.exit_code(), 4);
}
