//! A simulated AWS region for rollout scenarios: the real SDK clients with `aws-smithy-mocks` rules
//! whose answers follow a CodeDeploy blue/green deployment through (virtual) time — canary shift,
//! full shift, success, a failing hook, an alarm, StopDeployment and the rollback it starts.
//!
//! Run the scenarios on a paused tokio clock: a 6-minute canary takes milliseconds.
//!
//! Also what every rollout test shares, simulated or on the wire: the options, the fixture task
//! definitions, and running a rollout or rollback with its progress log.
//!
//! bench/alarm-reaction includes this file by its path and uses part of it, so it stands on its own
//! (no `crate::support`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatch::types::{MetricAlarm, StateValue};
use aws_sdk_codedeploy::types::{
    AlarmConfiguration, DeploymentConfigInfo, DeploymentGroupInfo, DeploymentInfo,
    DeploymentStatus, DeploymentTarget, Diagnostics, EcsTarget, EcsTaskSet, ErrorCode,
    ErrorInformation, LifecycleErrorCode, LifecycleEvent, LifecycleEventStatus, RollbackInfo,
    StopStatus, TargetLabel, TimeBasedCanary, TrafficRoutingConfig, TrafficRoutingType,
};
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use platform_deploy::aws::RegionClients;
use platform_deploy::config::{DrWaves, RolloutSettings, Service};
use platform_deploy::rollout::rollback::{self, RollbackError, RollbackOptions, RollbackReport};
use platform_deploy::rollout::{
    self, DeployTargets, ImageRef, Progress, RolloutError, RolloutOptions, RolloutReport,
};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub const DIGEST_HEX: &str = "4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899a";
pub const GIT_SHA: &str = "0123456789abcdef0123456789abcdef01234567";
pub const ALARM: &str = "shop-api-5xx";
pub const CONFIG_NAME: &str = "shop-canary-10-5";
pub const HOOK_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:shop-smoke-test";

pub const ECS_EVENTS: &[&str] = &[
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// What the simulated region does.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// 10 % of traffic moves to the new task set this long after CreateDeployment.
    pub canary_at: Duration,
    /// 100 % moves (canary interval 5 minutes in the config), `None`: never.
    pub full_at: Option<Duration>,
    pub succeed_at: Option<Duration>,
    /// (when, lifecycle event, diagnostics message): the hook fails and CodeDeploy rolls back.
    pub hook_failure: Option<(Duration, &'static str, &'static str)>,
    /// (when, rollback message): the deployment fails and no rollback is started.
    pub fail_without_rollback: Option<(Duration, &'static str)>,
    /// The alarm goes into ALARM this long after CreateDeployment.
    pub alarm_fires_at: Option<Duration>,
    pub alarm_already_firing: bool,
    pub image_present: bool,
    /// Deployments ListDeployments reports as running, until `in_flight_for` has passed.
    pub in_flight: Vec<String>,
    pub in_flight_for: Option<Duration>,
    pub rollback_takes: Duration,
    pub target_alarms: Vec<String>,
    pub group_alarms: Vec<String>,
    pub desired_count: i32,
    pub is_dr: bool,
    /// The n-th GetDeployment (0-based) is answered by a throttling error, then a 500, then the
    /// real answer (the SDK retries within the one call); one DescribeAlarms gets a 503 first.
    pub flaky_poll: Option<usize>,
    /// DescribeAlarms is refused with AccessDeniedException from the n-th call (0-based) on: the role
    /// lost cloudwatch:DescribeAlarms (or never had it for these alarms) mid-rollout.
    pub alarms_denied_from: Option<usize>,
    /// The service's live task definition revision (shop-api:N).
    pub live_revision: u32,
    /// Revisions of shop-api DescribeTaskDefinition knows besides the fixture:
    /// revision → (image digest hex, or `None` for an image by tag; git SHA tag).
    pub revisions: BTreeMap<u32, (Option<String>, String)>,
    /// Succeeded deployments, oldest first: (deployment id, revision, description).
    pub history: Vec<(String, u32, String)>,
    /// The load balancer metrics of both target groups exist (ListMetrics, DescribeListeners), the
    /// new version serves 1,000 requests a minute with a p95 of 120 ms, and from this long after
    /// CreateDeployment one of 900 ms (GetMetricData).
    pub green_slow_at: Option<Duration>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            canary_at: Duration::from_secs(30),
            full_at: Some(Duration::from_secs(30 + 300)),
            succeed_at: Some(Duration::from_secs(30 + 300 + 60)),
            hook_failure: None,
            fail_without_rollback: None,
            alarm_fires_at: None,
            alarm_already_firing: false,
            image_present: true,
            in_flight: Vec::new(),
            in_flight_for: None,
            rollback_takes: Duration::from_secs(40),
            target_alarms: vec![ALARM.to_string()],
            group_alarms: vec!["shop-api-latency-p99".to_string()],
            desired_count: 3,
            is_dr: false,
            flaky_poll: None,
            alarms_denied_from: None,
            live_revision: 41,
            revisions: BTreeMap::new(),
            history: Vec::new(),
            green_slow_at: None,
        }
    }
}

/// What the simulated region saw.
#[derive(Default, Debug)]
pub struct State {
    pub created_at: Option<Instant>,
    /// (deployment id, autoRollbackEnabled, when)
    pub stops: Vec<(String, bool, Instant)>,
    /// RegisterTaskDefinition bodies exactly as sent on the wire.
    pub registered: Vec<Value>,
    pub create_config: Option<String>,
    pub create_description: Option<String>,
    pub create_appspec: Option<String>,
    pub create_appspec_sha: Option<String>,
    pub create_rollback_events: Vec<String>,
    pub get_deployment_ids: Vec<String>,
    /// Every operation in order, with when it was called.
    pub calls: Vec<(String, Instant)>,
}

pub struct Sim {
    pub region: String,
    pub b: Behaviour,
    pub start: Instant,
    pub state: Arc<Mutex<State>>,
    pub clients: RegionClients,
    pub register: Rule,
    pub create: Rule,
    pub stop: Rule,
    /// The throttled-then-500 GetDeployment rule of `flaky_poll`.
    pub flaky: Option<Rule>,
}

#[derive(Clone)]
struct Ctx {
    region: String,
    b: Behaviour,
    start: Instant,
    state: Arc<Mutex<State>>,
}

impl Ctx {
    fn tag(&self) -> String {
        self.region.replace('-', "").to_uppercase()
    }
    fn main_id(&self) -> String {
        format!("d-{}0001", self.tag())
    }
    fn rollback_id(&self) -> String {
        format!("d-{}RB01", self.tag())
    }
    fn log(&self, op: &str) {
        self.state
            .lock()
            .unwrap()
            .calls
            .push((op.to_string(), Instant::now()));
    }
    fn elapsed(&self) -> Option<Duration> {
        self.state
            .lock()
            .unwrap()
            .created_at
            .map(|t| Instant::now() - t)
    }

    /// When the rollback deployment started, if one did.
    fn rollback_started(&self) -> Option<Instant> {
        let st = self.state.lock().unwrap();
        let t0 = st.created_at?;
        if let Some((_, true, at)) = st.stops.first() {
            return Some(*at);
        }
        let (at, _, _) = self.b.hook_failure?;
        (Instant::now() >= t0 + at).then_some(t0 + at)
    }

    fn alarm_firing(&self, name: &str) -> bool {
        if self.b.alarm_already_firing {
            return name
                == self
                    .b
                    .target_alarms
                    .first()
                    .map(String::as_str)
                    .unwrap_or("");
        }
        match (self.b.alarm_fires_at, self.elapsed()) {
            (Some(at), Some(el)) => name == ALARM && el >= at,
            _ => false,
        }
    }

    fn deployment(&self, id: &str) -> DeploymentInfo {
        let now = Instant::now();
        if id == self.rollback_id() {
            let done = self
                .rollback_started()
                .map(|s| now >= s + self.b.rollback_takes)
                .unwrap_or(false);
            return DeploymentInfo::builder()
                .deployment_id(id)
                .status(if done {
                    DeploymentStatus::Succeeded
                } else {
                    DeploymentStatus::InProgress
                })
                .build();
        }
        let st = self.state.lock().unwrap();
        let builder = DeploymentInfo::builder().deployment_id(id);
        let Some(t0) = st.created_at else {
            return builder.status(DeploymentStatus::Created).build();
        };
        let el = now - t0;
        if let Some((_, auto, _)) = st.stops.first() {
            let mut b = builder.status(DeploymentStatus::Stopped).error_information(
                ErrorInformation::builder()
                    .code(ErrorCode::ManualStop)
                    .message("The deployment was stopped by a user")
                    .build(),
            );
            if *auto {
                b = b.rollback_info(
                    RollbackInfo::builder()
                        .rollback_deployment_id(self.rollback_id())
                        .rollback_message("Deployment was stopped; rolling back")
                        .build(),
                );
            }
            return b.build();
        }
        if let Some((at, _, _)) = self.b.hook_failure
            && el >= at
        {
            return builder
                .status(DeploymentStatus::Failed)
                .error_information(
                    ErrorInformation::builder()
                        .code(ErrorCode::HookExecutionFailure)
                        .message("The deployment failed because one or more of the lifecycle event validations failed")
                        .build(),
                )
                .rollback_info(
                    RollbackInfo::builder()
                        .rollback_deployment_id(self.rollback_id())
                        .build(),
                )
                .build();
        }
        if let Some((at, message)) = self.b.fail_without_rollback
            && el >= at
        {
            return builder
                .status(DeploymentStatus::Failed)
                .error_information(
                    ErrorInformation::builder()
                        .code(ErrorCode::EcsUpdateError)
                        .message("The ECS service cannot be updated: the replacement task set did not become stable")
                        .build(),
                )
                .rollback_info(RollbackInfo::builder().rollback_message(message).build())
                .build();
        }
        if let Some(at) = self.b.succeed_at
            && el >= at
        {
            return builder.status(DeploymentStatus::Succeeded).build();
        }
        builder
            .status(if el < Duration::from_secs(2) {
                DeploymentStatus::Created
            } else {
                DeploymentStatus::InProgress
            })
            .build()
    }

    fn target(&self) -> EcsTarget {
        let el = self.elapsed().unwrap_or_default();
        let stopped = !self.state.lock().unwrap().stops.is_empty();
        let weight = if stopped {
            0.0
        } else if self.b.full_at.is_some_and(|f| el >= f) {
            100.0
        } else if el >= self.b.canary_at {
            10.0
        } else {
            0.0
        };
        let hook_failed = self.b.hook_failure.filter(|(at, _, _)| el >= *at);
        let events = ECS_EVENTS.iter().enumerate().map(|(i, name)| {
            let due = match *name {
                "BeforeAllowTraffic" => self.b.canary_at.saturating_sub(Duration::from_secs(1)),
                "AllowTraffic" => self.b.full_at.unwrap_or(Duration::MAX),
                "AfterAllowTraffic" => self.b.succeed_at.unwrap_or(Duration::MAX),
                _ => Duration::from_secs(3 * (i as u64 + 1)),
            };
            let mut e = LifecycleEvent::builder().lifecycle_event_name(*name);
            e = match hook_failed {
                Some((_, failed, message)) if failed == *name => {
                    e.status(LifecycleEventStatus::Failed).diagnostics(
                        Diagnostics::builder()
                            .error_code(LifecycleErrorCode::ScriptFailed)
                            .script_name("shop-smoke-test")
                            .message(message)
                            .build(),
                    )
                }
                _ if el >= due => e.status(LifecycleEventStatus::Succeeded),
                _ if *name == "AllowTraffic" && el >= self.b.canary_at => {
                    e.status(LifecycleEventStatus::InProgress)
                }
                _ => e.status(LifecycleEventStatus::Pending),
            };
            e.build()
        });
        EcsTarget::builder()
            .deployment_id(self.main_id())
            .target_id("shop:api")
            .set_lifecycle_events(Some(events.collect()))
            .task_sets_info(
                EcsTaskSet::builder()
                    .identifer("ecs-svc/1111")
                    .task_set_label(TargetLabel::Blue)
                    .traffic_weight(100.0 - weight)
                    .status("PRIMARY")
                    .build(),
            )
            .task_sets_info(
                EcsTaskSet::builder()
                    .identifer("ecs-svc/2222")
                    .task_set_label(TargetLabel::Green)
                    .traffic_weight(weight)
                    .status("ACTIVE")
                    .build(),
            )
            .build()
    }

    fn in_flight_now(&self) -> Vec<String> {
        match self.b.in_flight_for {
            Some(d) if Instant::now() >= self.start + d => Vec::new(),
            _ => self.b.in_flight.clone(),
        }
    }
}

/// Records the RegisterTaskDefinition body exactly as it goes on the wire.
#[derive(Debug, Clone)]
pub struct WireRecorder(pub Arc<Mutex<State>>);

impl Intercept for WireRecorder {
    fn name(&self) -> &'static str {
        "WireRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = context.request();
        let target = req.headers().get("x-amz-target").unwrap_or_default();
        if target.ends_with(".RegisterTaskDefinition") {
            let bytes = req.body().bytes().expect("an in-memory body");
            let length: usize = req
                .headers()
                .get("content-length")
                .expect("content-length")
                .parse()
                .unwrap();
            assert_eq!(length, bytes.len(), "content-length matches the body sent");
            let v: Value = serde_json::from_slice(bytes).expect("the body is JSON");
            self.0.lock().unwrap().registered.push(v);
        }
        Ok(())
    }
}

/// A real-world task definition of tests/fixtures/taskdefs, as DescribeTaskDefinition returns it.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/taskdefs/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// An HTTP 200 answer with `v` as its JSON body, for a mock rule's `then_http_response`.
pub fn json_response(v: &Value) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(200).unwrap(),
        SdkBody::from(serde_json::to_vec(v).unwrap()),
    )
}

/// What a progress buffer holds.
fn logged(buf: &Mutex<Vec<u8>>) -> String {
    String::from_utf8(buf.lock().unwrap().clone()).unwrap()
}

fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(Duration::from_millis(200))
}

impl Sim {
    pub fn new(region: &str, b: Behaviour) -> Sim {
        let ctx = Ctx {
            region: region.to_string(),
            b: b.clone(),
            start: Instant::now(),
            state: Arc::new(Mutex::new(State::default())),
        };

        // ---- ECS
        let c = ctx.clone();
        let describe_services =
            mock!(aws_sdk_ecs::Client::describe_services).then_compute_output(move |_| {
                c.log("DescribeServices");
                use aws_sdk_ecs::types::*;
                aws_sdk_ecs::operation::describe_services::DescribeServicesOutput::builder()
                    .services(
                        Service::builder()
                            .service_arn(format!(
                                "arn:aws:ecs:{}:123456789012:service/shop/api",
                                c.region
                            ))
                            .service_name("api")
                            .status("ACTIVE")
                            .desired_count(c.b.desired_count)
                            .running_count(c.b.desired_count)
                            .task_definition(format!(
                                "arn:aws:ecs:{}:123456789012:task-definition/shop-api:{}",
                                c.region, c.b.live_revision
                            ))
                            .deployment_controller(
                                DeploymentController::builder()
                                    .r#type(DeploymentControllerType::CodeDeploy)
                                    .build()
                                    .unwrap(),
                            )
                            .platform_version("1.4.0")
                            .network_configuration(
                                NetworkConfiguration::builder()
                                    .awsvpc_configuration(
                                        AwsVpcConfiguration::builder()
                                            .subnets("subnet-live-a")
                                            .security_groups("sg-live")
                                            .assign_public_ip(AssignPublicIp::Disabled)
                                            .build()
                                            .unwrap(),
                                    )
                                    .build(),
                            )
                            .capacity_provider_strategy(
                                CapacityProviderStrategyItem::builder()
                                    .capacity_provider("FARGATE")
                                    .weight(1)
                                    .base(1)
                                    .build()
                                    .unwrap(),
                            )
                            .capacity_provider_strategy(
                                CapacityProviderStrategyItem::builder()
                                    .capacity_provider("FARGATE_SPOT")
                                    .weight(3)
                                    .base(0)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
            });
        let body = fixture("fargate-web-secrets");
        let c = ctx.clone();
        let describe_td =
            mock!(aws_sdk_ecs::Client::describe_task_definition).then_http_response(move || {
                c.log("DescribeTaskDefinition");
                json_response(&body)
            });
        let mut revision_rules: Vec<Rule> = Vec::new();
        for (rev, (digest, sha)) in &b.revisions {
            let mut v = fixture("fargate-web-secrets");
            let arn = format!("arn:aws:ecs:{region}:123456789012:task-definition/shop-api:{rev}");
            v["taskDefinition"]["taskDefinitionArn"] = json!(arn);
            v["taskDefinition"]["revision"] = json!(rev);
            v["taskDefinition"]["containerDefinitions"][0]["image"] = json!(match digest {
                Some(d) =>
                    format!("123456789012.dkr.ecr.{region}.amazonaws.com/shop/api@sha256:{d}"),
                None => format!("123456789012.dkr.ecr.{region}.amazonaws.com/shop/api:latest"),
            });
            v["tags"] = json!([{"key": "team", "value": "shop"}, {"key": "platform-deploy:git-sha", "value": sha}]);
            let c = ctx.clone();
            let suffix = format!("shop-api:{rev}");
            revision_rules.push(
                mock!(aws_sdk_ecs::Client::describe_task_definition)
                    .match_requests(move |req| {
                        req.task_definition()
                            .is_some_and(|t| t == suffix || t.ends_with(&format!("/{suffix}")))
                    })
                    .then_http_response(move || {
                        c.log("DescribeTaskDefinition");
                        json_response(&v)
                    }),
            );
        }
        let c = ctx.clone();
        let register = mock!(aws_sdk_ecs::Client::register_task_definition).then_compute_output(move |_| {
            c.log("RegisterTaskDefinition");
            aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput::builder()
                .task_definition(
                    aws_sdk_ecs::types::TaskDefinition::builder()
                        .task_definition_arn(format!("arn:aws:ecs:{}:123456789012:task-definition/shop-api:42", c.region))
                        .family("shop-api")
                        .revision(42)
                        .build(),
                )
                .build()
        });
        let recorder = WireRecorder(ctx.state.clone());
        let ecs = mock_client!(
            aws_sdk_ecs,
            RuleMode::MatchAny,
            revision_rules
                .iter()
                .chain([&describe_services, &describe_td, &register]),
            |c| c.retry_config(retries()).interceptor(recorder.clone())
        );

        // ---- ECR
        let c = ctx.clone();
        let describe_repos =
            mock!(aws_sdk_ecr::Client::describe_repositories).then_compute_output(move |_| {
                c.log("DescribeRepositories");
                aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput::builder()
                    .repositories(
                        aws_sdk_ecr::types::Repository::builder()
                            .repository_name("shop/api")
                            .repository_uri(format!(
                                "123456789012.dkr.ecr.{}.amazonaws.com/shop/api",
                                c.region
                            ))
                            .build(),
                    )
                    .build()
            });
        let c = ctx.clone();
        let describe_images = mock!(aws_sdk_ecr::Client::describe_images).then_compute_response(move |req| {
            c.log("DescribeImages");
            let digest = req.image_ids()[0].image_digest().unwrap_or_default().to_string();
            if c.b.image_present {
                MockResponse::Output(
                    aws_sdk_ecr::operation::describe_images::DescribeImagesOutput::builder()
                        .image_details(aws_sdk_ecr::types::ImageDetail::builder().image_digest(digest).build())
                        .build(),
                )
            } else {
                MockResponse::Error(aws_sdk_ecr::operation::describe_images::DescribeImagesError::ImageNotFoundException(
                    aws_sdk_ecr::types::error::ImageNotFoundException::builder()
                        .message(format!("The image with imageId {{imageDigest:'{digest}'}} does not exist"))
                        .build(),
                ))
            }
        });
        let ecr = mock_client!(
            aws_sdk_ecr,
            RuleMode::MatchAny,
            [&describe_repos, &describe_images],
            |c| c.retry_config(retries())
        );

        // ---- CodeDeploy
        use aws_sdk_codedeploy::Client as Cd;
        let c = ctx.clone();
        let get_group = mock!(Cd::get_deployment_group).then_compute_output(move |req| {
            c.log("GetDeploymentGroup");
            aws_sdk_codedeploy::operation::get_deployment_group::GetDeploymentGroupOutput::builder()
                .deployment_group_info(
                    DeploymentGroupInfo::builder()
                        .application_name(req.application_name().unwrap_or_default())
                        .deployment_group_name(req.deployment_group_name().unwrap_or_default())
                        .deployment_config_name(CONFIG_NAME)
                        .alarm_configuration(
                            AlarmConfiguration::builder()
                                .enabled(!c.b.group_alarms.is_empty())
                                .set_alarms(Some(
                                    c.b.group_alarms
                                        .iter()
                                        .map(|n| {
                                            aws_sdk_codedeploy::types::Alarm::builder()
                                                .name(n)
                                                .build()
                                        })
                                        .collect(),
                                ))
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let c = ctx.clone();
        let list_deployments = mock!(Cd::list_deployments).then_compute_output(move |req| {
            c.log("ListDeployments");
            let succeeded = req
                .include_only_statuses()
                .contains(&DeploymentStatus::Succeeded);
            aws_sdk_codedeploy::operation::list_deployments::ListDeploymentsOutput::builder()
                .set_deployments(Some(if succeeded {
                    c.b.history
                        .iter()
                        .rev()
                        .map(|(id, _, _)| id.clone())
                        .collect()
                } else {
                    c.in_flight_now()
                }))
                .build()
        });
        let c = ctx.clone();
        let batch_get = mock!(Cd::batch_get_deployments).then_compute_output(move |req| {
            c.log("BatchGetDeployments");
            let infos = c
                .b
                .history
                .iter()
                .enumerate()
                .filter(|(_, (id, _, _))| req.deployment_ids().contains(id))
                .map(|(i, (id, rev, description))| {
                    let appspec = json!({
                        "version": 0.0,
                        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
                            "TaskDefinition": format!("arn:aws:ecs:{}:123456789012:task-definition/shop-api:{rev}", c.region),
                            "LoadBalancerInfo": {"ContainerName": "app", "ContainerPort": 8080}
                        }}}]
                    });
                    DeploymentInfo::builder()
                        .deployment_id(id)
                        .status(DeploymentStatus::Succeeded)
                        .description(description)
                        .create_time(aws_smithy_types::DateTime::from_secs(1_764_000_000 + 3600 * i as i64))
                        .revision(
                            aws_sdk_codedeploy::types::RevisionLocation::builder()
                                .revision_type(aws_sdk_codedeploy::types::RevisionLocationType::AppSpecContent)
                                .app_spec_content(
                                    aws_sdk_codedeploy::types::AppSpecContent::builder()
                                        .content(appspec.to_string())
                                        .build(),
                                )
                                .build(),
                        )
                        .build()
                })
                .collect();
            aws_sdk_codedeploy::operation::batch_get_deployments::BatchGetDeploymentsOutput::builder()
                .set_deployments_info(Some(infos))
                .build()
        });
        let c = ctx.clone();
        let get_config = mock!(Cd::get_deployment_config).then_compute_response(move |req| {
            c.log("GetDeploymentConfig");
            if req.deployment_config_name() == Some(CONFIG_NAME) {
                MockResponse::Output(
                    aws_sdk_codedeploy::operation::get_deployment_config::GetDeploymentConfigOutput::builder()
                        .deployment_config_info(
                            DeploymentConfigInfo::builder()
                                .deployment_config_name(CONFIG_NAME)
                                .traffic_routing_config(
                                    TrafficRoutingConfig::builder()
                                        .r#type(TrafficRoutingType::TimeBasedCanary)
                                        .time_based_canary(
                                            TimeBasedCanary::builder().canary_percentage(10).canary_interval(5).build(),
                                        )
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
            } else {
                MockResponse::Error(
                    aws_sdk_codedeploy::operation::get_deployment_config::GetDeploymentConfigError::DeploymentConfigDoesNotExistException(
                        aws_sdk_codedeploy::types::error::DeploymentConfigDoesNotExistException::builder().build(),
                    ),
                )
            }
        });
        let c = ctx.clone();
        let create = mock!(Cd::create_deployment).then_compute_output(move |req| {
            c.log("CreateDeployment");
            let mut st = c.state.lock().unwrap();
            st.created_at = Some(Instant::now());
            // A new deployment after a stopped one (a rollback's redeploy) starts clean.
            st.stops.clear();
            st.create_config = req.deployment_config_name().map(str::to_string);
            st.create_description = req.description().map(str::to_string);
            let content = req.revision().and_then(|r| r.app_spec_content());
            st.create_appspec = content.and_then(|a| a.content()).map(str::to_string);
            st.create_appspec_sha = content.and_then(|a| a.sha256()).map(str::to_string);
            st.create_rollback_events = req
                .auto_rollback_configuration()
                .map(|a| a.events().iter().map(|e| e.as_str().to_string()).collect())
                .unwrap_or_default();
            aws_sdk_codedeploy::operation::create_deployment::CreateDeploymentOutput::builder()
                .deployment_id(c.main_id())
                .build()
        });
        let c = ctx.clone();
        let get_deployment = mock!(Cd::get_deployment).then_compute_output(move |req| {
            c.log("GetDeployment");
            let id = req.deployment_id().unwrap_or_default().to_string();
            c.state.lock().unwrap().get_deployment_ids.push(id.clone());
            aws_sdk_codedeploy::operation::get_deployment::GetDeploymentOutput::builder()
                .deployment_info(c.deployment(&id))
                .build()
        });
        let c = ctx.clone();
        let list_targets = mock!(Cd::list_deployment_targets).then_compute_output(move |_| {
            c.log("ListDeploymentTargets");
            aws_sdk_codedeploy::operation::list_deployment_targets::ListDeploymentTargetsOutput::builder()
                .target_ids("shop:api")
                .build()
        });
        let c = ctx.clone();
        let get_target = mock!(Cd::get_deployment_target).then_compute_output(move |_| {
            c.log("GetDeploymentTarget");
            aws_sdk_codedeploy::operation::get_deployment_target::GetDeploymentTargetOutput::builder()
                .deployment_target(DeploymentTarget::builder().ecs_target(c.target()).build())
                .build()
        });
        let c = ctx.clone();
        let stop = mock!(Cd::stop_deployment).then_compute_response(move |req| {
            c.log("StopDeployment");
            let id = req.deployment_id().unwrap_or_default().to_string();
            let done = c.deployment(&id).status() == Some(&DeploymentStatus::Succeeded);
            if done {
                return MockResponse::Error(
                    aws_sdk_codedeploy::operation::stop_deployment::StopDeploymentError::DeploymentAlreadyCompletedException(
                        aws_sdk_codedeploy::types::error::DeploymentAlreadyCompletedException::builder().build(),
                    ),
                );
            }
            c.state.lock().unwrap().stops.push((
                id,
                req.auto_rollback_enabled().unwrap_or(false),
                Instant::now(),
            ));
            MockResponse::Output(
                aws_sdk_codedeploy::operation::stop_deployment::StopDeploymentOutput::builder()
                    .status(StopStatus::Pending)
                    .status_message("Stopping the deployment and rolling back")
                    .build(),
            )
        });
        let mut cd_rules: Vec<Rule> = Vec::new();
        let mut flaky_rule = None;
        if let Some(n) = b.flaky_poll {
            // Throttled, then a 500, then the answer — all within one GetDeployment call.
            let seen = Arc::new(AtomicUsize::new(0));
            let c = ctx.clone();
            let flaky = mock!(Cd::get_deployment)
                .match_requests(move |_| seen.fetch_add(1, Ordering::SeqCst) == n)
                .sequence()
                .http_status(
                    400,
                    Some(
                        r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
                    ),
                )
                .http_status(500, Some(r#"{"__type":"InternalFailure"}"#.to_string()))
                .output(move || {
                    c.log("GetDeployment");
                    c.state.lock().unwrap().get_deployment_ids.push(c.main_id());
                    aws_sdk_codedeploy::operation::get_deployment::GetDeploymentOutput::builder()
                        .deployment_info(c.deployment(&c.main_id()))
                        .build()
                })
                .build();
            flaky_rule = Some(flaky.clone());
            cd_rules.push(flaky);
        }
        cd_rules.extend([
            get_group,
            list_deployments,
            batch_get,
            get_config,
            create.clone(),
            get_deployment,
            list_targets,
            get_target,
            stop.clone(),
        ]);
        let codedeploy = mock_client!(
            aws_sdk_codedeploy,
            RuleMode::MatchAny,
            cd_rules.iter(),
            |c| c.retry_config(retries())
        );

        // ---- CloudWatch
        let known: Vec<String> = b
            .target_alarms
            .iter()
            .chain(b.group_alarms.iter())
            .cloned()
            .collect();
        let c = ctx.clone();
        let describe_alarms = mock!(aws_sdk_cloudwatch::Client::describe_alarms).then_compute_output(move |req| {
            c.log("DescribeAlarms");
            let alarms = req
                .alarm_names()
                .iter()
                .filter(|n| known.contains(n))
                .map(|n| {
                    let firing = c.alarm_firing(n);
                    MetricAlarm::builder()
                        .alarm_name(n)
                        .state_value(if firing { StateValue::Alarm } else { StateValue::Ok })
                        .state_reason(if firing {
                            "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)."
                        } else {
                            "Threshold Crossed: no datapoints were breaching."
                        })
                        .build()
                })
                .collect();
            aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput::builder()
                .set_metric_alarms(Some(alarms))
                .build()
        });
        let mut cw_rules: Vec<Rule> = Vec::new();
        if b.flaky_poll.is_some() {
            let seen = Arc::new(AtomicUsize::new(0));
            let c = ctx.clone();
            let known: Vec<String> = b
                .target_alarms
                .iter()
                .chain(b.group_alarms.iter())
                .cloned()
                .collect();
            cw_rules.push(
                mock!(aws_sdk_cloudwatch::Client::describe_alarms)
                    .match_requests(move |_| seen.fetch_add(1, Ordering::SeqCst) == 3)
                    .sequence()
                    .http_status(503, None)
                    .output(move || {
                        c.log("DescribeAlarms");
                        aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput::builder()
                            .set_metric_alarms(Some(
                                known
                                    .iter()
                                    .map(|n| MetricAlarm::builder().alarm_name(n).state_value(StateValue::Ok).build())
                                    .collect(),
                            ))
                            .build()
                    })
                    .build(),
            );
        }
        if let Some(from) = b.alarms_denied_from {
            let seen = Arc::new(AtomicUsize::new(0));
            let c = ctx.clone();
            cw_rules.push(
                mock!(aws_sdk_cloudwatch::Client::describe_alarms)
                    .match_requests(move |_| seen.fetch_add(1, Ordering::SeqCst) >= from)
                    .then_error(move || {
                        c.log("DescribeAlarms (denied)");
                        aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsError::generic(
                            aws_smithy_types::error::ErrorMetadata::builder()
                                .code("AccessDeniedException")
                                .message("User: arn:aws:sts::123456789012:assumed-role/shop-github-deploy/run is not authorized to perform: cloudwatch:DescribeAlarms")
                                .build(),
                        )
                    }),
            );
        }
        cw_rules.push(describe_alarms);
        if b.green_slow_at.is_some() {
            cw_rules.extend(metric_rules(&ctx));
        }
        let cloudwatch = mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::MatchAny,
            cw_rules.iter(),
            |c| c.retry_config(retries())
        );

        Sim {
            region: region.to_string(),
            b,
            start: ctx.start,
            state: ctx.state.clone(),
            clients: RegionClients {
                ecr,
                ecs,
                codedeploy,
                cloudwatch,
                elb: listener_client(region),
                ..RegionClients::unreachable(region)
            },
            register,
            create,
            stop,
            flaky: flaky_rule,
        }
    }

    pub fn main_id(&self) -> String {
        format!("d-{}0001", self.region.replace('-', "").to_uppercase())
    }

    pub fn rollback_id(&self) -> String {
        format!("d-{}RB01", self.region.replace('-', "").to_uppercase())
    }

    /// No RegisterTaskDefinition, CreateDeployment or StopDeployment reached this region.
    pub fn untouched(&self) -> bool {
        self.register.num_calls() == 0 && self.create.num_calls() == 0 && self.stop.num_calls() == 0
    }

    pub fn calls_of(&self, op: &str) -> Vec<Instant> {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, t)| *t)
            .collect()
    }

    /// This region's deploy_targets output, as Terraform prints it.
    pub fn targets_json(&self) -> Value {
        let r = &self.region;
        let mut targets = json!({
            "region": r,
            "is_dr": self.b.is_dr,
            "ecr_repository": "shop/api",
            "services": {
                "api": {
                    "cluster_name": "shop",
                    "service_name": "api",
                    "container_name": "app",
                    "container_port": 8080,
                    "task_family": "shop-api",
                    "desired_count": self.b.desired_count,
                    "codedeploy_app": format!("shop-{r}"),
                    "deployment_group": "api",
                    "deployment_config": CONFIG_NAME,
                    "target_groups": ["shop-api-blue", "shop-api-green"],
                    "prod_listener_arn": format!("arn:aws:elasticloadbalancing:{r}:123456789012:listener/app/shop/1/443"),
                    "test_listener_arn": format!("arn:aws:elasticloadbalancing:{r}:123456789012:listener/app/shop/1/8443"),
                    "alarm_names": self.b.target_alarms,
                    "subnets": ["subnet-a", "subnet-b"],
                    "security_groups": ["sg-api"]
                }
            }
        });
        targets["services"]["api"]["target_group_arns"] = json!(target_group_arns(r));
        targets
    }
}

/// The blue and green target groups of the simulated service.
fn target_group_arns(region: &str) -> [String; 2] {
    ["blue", "green"].map(|c| {
        format!("arn:aws:elasticloadbalancing:{region}:123456789012:targetgroup/shop-api-{c}/{c}")
    })
}

/// ELB: the production listener forwards to the blue target group.
fn listener_client(region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, Listener};
    let blue = target_group_arns(region)[0].clone();
    let describe = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_listeners)
        .then_compute_output(move |_| {
            aws_sdk_elasticloadbalancingv2::operation::describe_listeners::DescribeListenersOutput::builder()
                .listeners(
                    Listener::builder()
                        .default_actions(
                            Action::builder()
                                .r#type(ActionTypeEnum::Forward)
                                .target_group_arn(&blue)
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    mock_client!(
        aws_sdk_elasticloadbalancingv2,
        RuleMode::MatchAny,
        [&describe],
        |c| c.retry_config(retries())
    )
}

/// CloudWatch's load balancer metrics of `green_slow_at`: listed for both target groups; each
/// GetMetricData answers every query with one value of the current minute.
fn metric_rules(ctx: &Ctx) -> Vec<Rule> {
    use aws_sdk_cloudwatch::types::{Metric, MetricDataResult};
    let list = mock!(aws_sdk_cloudwatch::Client::list_metrics).then_compute_output(|_| {
        aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput::builder()
            .metrics(Metric::builder().namespace("AWS/ApplicationELB").build())
            .build()
    });
    let c = ctx.clone();
    let data = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        c.log("GetMetricData");
        let slow = matches!((c.b.green_slow_at, c.elapsed()), (Some(at), Some(el)) if el >= at);
        let value = |query: &aws_sdk_cloudwatch::types::MetricDataQuery| {
            let Some(stat) = query.metric_stat() else {
                return 0.0; // the error rate: no 5xx
            };
            match stat.metric().and_then(|m| m.metric_name()) {
                Some("TargetResponseTime") if slow => 0.9,
                Some("TargetResponseTime") => 0.12,
                Some("RequestCount") => 1000.0,
                _ => 0.0,
            }
        };
        let results = req
            .metric_data_queries()
            .iter()
            .filter(|q| q.return_data() != Some(false))
            .map(|q| {
                MetricDataResult::builder()
                    .id(q.id().unwrap_or_default())
                    .timestamps(aws_smithy_types::DateTime::from(
                        std::time::SystemTime::now(),
                    ))
                    .values(value(q))
                    .build()
            })
            .collect();
        aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    });
    vec![list, data]
}

/// The load balancer pieces a service on the ECS deployment controller names in deploy_targets.
pub struct EcsAdvanced<'a> {
    /// Blue (the service's own), then green (the alternate).
    pub target_groups: [&'a str; 2],
    pub prod_rule: &'a str,
    pub test_rule: Option<&'a str>,
    pub role: &'a str,
}

/// `service` (an entry of deploy_targets' services) as the regional platform outputs one on the
/// ECS deployment controller: no CodeDeploy group, the strategy as the config `config`, and `lb`.
pub fn on_ecs_controller(service: &mut Value, config: &str, lb: &EcsAdvanced<'_>) {
    service["deployment_controller"] = json!("ECS");
    service["codedeploy_app"] = json!(null);
    service["deployment_group"] = json!(null);
    service["deployment_config"] = json!(config);
    service["target_group_arns"] = json!(lb.target_groups);
    service["alternate_target_group_arn"] = json!(lb.target_groups[1]);
    service["production_listener_rule_arn"] = json!(lb.prod_rule);
    service["test_listener_rule_arn"] = json!(lb.test_rule);
    service["infrastructure_role_arn"] = json!(lb.role);
}

/// The deploy targets and the clients of the regions a rollout or rollback runs on, by region.
pub type World = (
    BTreeMap<String, DeployTargets>,
    BTreeMap<String, RegionClients>,
);

/// Targets and clients for a set of simulated regions.
pub fn world(sims: &[&Sim]) -> World {
    let map: serde_json::Map<String, Value> = sims
        .iter()
        .map(|s| (s.region.clone(), s.targets_json()))
        .collect();
    let targets = rollout::targets::parse_targets_map("test", &Value::Object(map)).unwrap();
    let clients = sims
        .iter()
        .map(|s| (s.region.clone(), s.clients.clone()))
        .collect();
    (targets, clients)
}

/// A rollout on `world`, as the command runs it: the result and the progress it printed.
pub async fn run_rollout(
    opts: &RolloutOptions,
    (targets, clients): &World,
    cancel: &CancellationToken,
) -> (Result<RolloutReport, RolloutError>, String) {
    let (progress, buf) = Progress::buffer();
    let result = rollout::run(opts, targets, clients, cancel, &progress).await;
    (result, logged(&buf))
}

/// A rollback on `world`, as the command runs it: the result and the progress it printed.
pub async fn run_rollback(
    opts: &RollbackOptions,
    (targets, clients): &World,
) -> (Result<RollbackReport, RollbackError>, String) {
    let (progress, buf) = Progress::buffer();
    let result = rollback::run(opts, targets, clients, &CancellationToken::new(), &progress).await;
    (result, logged(&buf))
}

pub fn options(primary: Option<&str>, dr: &[&str]) -> RolloutOptions {
    RolloutOptions {
        image: ImageRef::parse(&format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{DIGEST_HEX}"
        ))
        .unwrap(),
        git_sha: GIT_SHA.to_string(),
        primary_region: primary.map(str::to_string),
        dr_regions: dr.iter().map(|s| s.to_string()).collect(),
        services: vec![Service {
            name: "api".into(),
            deployment_config: None,
            hooks: BTreeMap::from([("AfterAllowTestTraffic".to_string(), HOOK_ARN.to_string())]),
            analysis: None,
        }],
        settings: RolloutSettings {
            deployment_config: None,
            bake_time: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(60 * 60),
            poll_interval: Duration::from_secs(5),
            dr_waves: DrWaves::Parallel,
            require_alarms: true,
            analysis: None,
            pause: None,
        },
        wait_for_inflight: false,
        dry_run: false,
        description: None,
        rollback: false,
    }
}
