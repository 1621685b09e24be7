//! `failover` step by step: the real terraform applies fixture stacks (local state), the AWS calls
//! go to the real SDK clients answered by aws-smithy-mocks from one simulated world (an Aurora
//! global database, the DR traffic-role parameter, ECS services and their target groups).
//!
//! What a user relies on: a rerun after a failed step continues there and repeats nothing that
//! was done; `--drill` changes nothing; a writer that is down is never detached without consent;
//! failing back after a detach is refused.
//!
//! Needs terraform on PATH (the fixture stacks use no provider).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_ecs::types::Service;
use aws_sdk_elasticloadbalancingv2::types::{
    TargetGroup, TargetHealth, TargetHealthDescription, TargetHealthStateEnum,
};
use aws_sdk_rds::operation::describe_db_clusters::DescribeDBClustersError;
use aws_sdk_rds::types::{DbCluster, GlobalCluster, GlobalClusterMember};
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use aws_sdk_ssm::types::Parameter;
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use platform_deploy::OutcomeKind;
use platform_deploy::aws::RegionClients;
use platform_deploy::config::Config;
use platform_deploy::failover::{
    Direction, Failover, FailoverError, FailoverOptions, FailoverReport, StepStatus, Waits,
};
use platform_deploy::rollout::Progress;
use platform_deploy::terraform::stack::RunContext;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

use crate::support::fs::{copy_dir, fixtures};
use crate::support::output::utf8;
use crate::support::process::platform_deploy;
use crate::support::terraform::require_terraform;

const PRIMARY_ARN: &str = "arn:aws:rds:us-east-1:123456789012:cluster:shop-us-east-1";
const DR_ARN: &str = "arn:aws:rds:eu-west-1:123456789012:cluster:shop-eu-west-1";
const ROLE_PARAMETER: &str = "/shop-eu-west-1/traffic-role";

/// The AWS side of the platform, as the mocks answer it.
struct World {
    writer: String,
    members: Vec<String>,
    /// Polls left during which the global cluster reports `switching-over`.
    switching: u32,
    primary_down: bool,
    role: String,
    /// Whether the DR tasks start once the region has capacity.
    dr_tasks_start: bool,
    /// `region:Operation`, in order.
    calls: Vec<String>,
}

impl Default for World {
    fn default() -> Self {
        World {
            writer: PRIMARY_ARN.into(),
            members: vec![PRIMARY_ARN.into(), DR_ARN.into()],
            switching: 0,
            primary_down: false,
            role: "standby".into(),
            dr_tasks_start: true,
            calls: Vec::new(),
        }
    }
}

type Shared = Arc<Mutex<World>>;

/// Records the call and hands the world to the mock answering it.
fn call<'a>(world: &'a Shared, region: &str, op: &str) -> std::sync::MutexGuard<'a, World> {
    let mut w = world.lock().unwrap();
    w.calls.push(format!("{region}:{op}"));
    w
}

/// How many tasks run in `region` now (the DR region runs them only with a serving role).
fn tasks(w: &World, region: &str) -> (i32, i32) {
    if region == "us-east-1" {
        return (2, 2);
    }
    match w.role.as_str() {
        "standby" => (0, 0),
        _ if w.dr_tasks_start => (2, 2),
        _ => (2, 0),
    }
}

fn rds(world: &Shared, region: &'static str) -> aws_sdk_rds::Client {
    let w = world.clone();
    let describe_global =
        mock!(aws_sdk_rds::Client::describe_global_clusters).then_compute_output(move |_| {
            let mut w = call(&w, region, "DescribeGlobalClusters");
            let status = if w.switching > 0 {
                w.switching -= 1;
                "switching-over"
            } else {
                "available"
            };
            let members = w.members.iter().map(|arn| {
                GlobalClusterMember::builder()
                    .db_cluster_arn(arn)
                    .is_writer(*arn == w.writer)
                    .build()
            });
            aws_sdk_rds::operation::describe_global_clusters::DescribeGlobalClustersOutput::builder(
            )
            .global_clusters(
                GlobalCluster::builder()
                    .global_cluster_identifier("shop-global")
                    .status(status)
                    .set_global_cluster_members(Some(members.collect()))
                    .build(),
            )
            .build()
        });
    let w = world.clone();
    let describe_cluster =
        mock!(aws_sdk_rds::Client::describe_db_clusters).then_compute_response(move |req| {
            let w = call(&w, region, "DescribeDBClusters");
            let arn = req.db_cluster_identifier().unwrap_or_default().to_string();
            if w.primary_down && arn == PRIMARY_ARN {
                return MockResponse::Error(DescribeDBClustersError::unhandled(
                    "us-east-1 does not answer",
                ));
            }
            MockResponse::Output(
                aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput::builder()
                    .db_clusters(
                        DbCluster::builder()
                            .db_cluster_arn(arn)
                            .status("available")
                            .build(),
                    )
                    .build(),
            )
        });
    let w = world.clone();
    let switchover =
        mock!(aws_sdk_rds::Client::switchover_global_cluster).then_compute_output(move |req| {
            let mut w = call(&w, region, "SwitchoverGlobalCluster");
            w.writer = req.target_db_cluster_identifier().unwrap_or_default().into();
            w.switching = 2;
            aws_sdk_rds::operation::switchover_global_cluster::SwitchoverGlobalClusterOutput::builder()
                .build()
        });
    let w = world.clone();
    let remove =
        mock!(aws_sdk_rds::Client::remove_from_global_cluster).then_compute_output(move |req| {
            let mut w = call(&w, region, "RemoveFromGlobalCluster");
            let arn = req.db_cluster_identifier().unwrap_or_default().to_string();
            w.members.retain(|m| *m != arn);
            aws_sdk_rds::operation::remove_from_global_cluster::RemoveFromGlobalClusterOutput::builder()
                .build()
        });
    mock_client!(
        aws_sdk_rds,
        RuleMode::MatchAny,
        [&describe_global, &describe_cluster, &switchover, &remove]
    )
}

fn ssm(world: &Shared, region: &'static str) -> aws_sdk_ssm::Client {
    let w = world.clone();
    let get = mock!(aws_sdk_ssm::Client::get_parameter).then_compute_response(move |req| {
        let w = call(&w, region, "GetParameter");
        if region != "eu-west-1" || req.name() != Some(ROLE_PARAMETER) {
            return MockResponse::Error(GetParameterError::ParameterNotFound(
                aws_sdk_ssm::types::error::ParameterNotFound::builder().build(),
            ));
        }
        MockResponse::Output(
            aws_sdk_ssm::operation::get_parameter::GetParameterOutput::builder()
                .parameter(
                    Parameter::builder()
                        .name(ROLE_PARAMETER)
                        .value(w.role.clone())
                        .build(),
                )
                .build(),
        )
    });
    let w = world.clone();
    let put = mock!(aws_sdk_ssm::Client::put_parameter).then_compute_output(move |req| {
        let mut w = call(&w, region, "PutParameter");
        w.role = req.value().unwrap_or_default().into();
        aws_sdk_ssm::operation::put_parameter::PutParameterOutput::builder().build()
    });
    mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&get, &put])
}

fn ecs(world: &Shared, region: &'static str) -> aws_sdk_ecs::Client {
    let w = world.clone();
    let describe = mock!(aws_sdk_ecs::Client::describe_services).then_compute_output(move |_| {
        let w = call(&w, region, "DescribeServices");
        let (desired, running) = tasks(&w, region);
        aws_sdk_ecs::operation::describe_services::DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_name("api")
                    .desired_count(desired)
                    .running_count(running)
                    .build(),
            )
            .build()
    });
    mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe])
}

fn elb(world: &Shared, region: &'static str) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::operation as op;
    let w = world.clone();
    let groups = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_groups)
        .then_compute_output(move |req| {
            drop(call(&w, region, "DescribeTargetGroups"));
            let groups = req.names().iter().map(|name| {
                TargetGroup::builder()
                    .target_group_name(name)
                    .target_group_arn(format!(
                        "arn:aws:elasticloadbalancing:{region}:123456789012:targetgroup/{name}/1"
                    ))
                    .build()
            });
            op::describe_target_groups::DescribeTargetGroupsOutput::builder()
                .set_target_groups(Some(groups.collect()))
                .build()
        });
    let w = world.clone();
    let health = mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_health)
        .then_compute_output(move |req| {
            let w = call(&w, region, "DescribeTargetHealth");
            // The live (blue) group holds the running tasks; green is empty between deployments.
            let running = if req.target_group_arn().unwrap_or_default().contains("blue") {
                tasks(&w, region).1
            } else {
                0
            };
            let healthy = (0..running).map(|_| {
                TargetHealthDescription::builder()
                    .target_health(
                        TargetHealth::builder()
                            .state(TargetHealthStateEnum::Healthy)
                            .build(),
                    )
                    .build()
            });
            op::describe_target_health::DescribeTargetHealthOutput::builder()
                .set_target_health_descriptions(Some(healthy.collect()))
                .build()
        });
    mock_client!(
        aws_sdk_elasticloadbalancingv2,
        RuleMode::MatchAny,
        [&groups, &health]
    )
}

fn clients(world: &Shared) -> BTreeMap<String, RegionClients> {
    ["us-east-1", "eu-west-1"]
        .into_iter()
        .map(|region| {
            (
                region.to_string(),
                RegionClients {
                    rds: rds(world, region),
                    ssm: ssm(world, region),
                    ecs: ecs(world, region),
                    elb: elb(world, region),
                    ..RegionClients::unreachable(region)
                },
            )
        })
        .collect()
}

/// The fixture platform: us-east-1, eu-west-1 (DR) and global downstream of both.
struct Project {
    dir: TempDir,
    config: Config,
}

impl Project {
    fn new() -> Project {
        require_terraform();
        let dir = tempfile::tempdir().unwrap();
        let fixtures = fixtures().join("failover");
        for stack in ["us-east-1", "eu-west-1", "global"] {
            copy_dir(&fixtures.join(stack), &dir.path().join(stack));
        }
        let toml = r#"
[project]
name = "shop"
[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]
[[stacks]]
name = "us-east-1"
dir = "us-east-1"
region = "us-east-1"
[[stacks]]
name = "eu-west-1"
dir = "eu-west-1"
region = "eu-west-1"
depends_on = ["us-east-1"]
[[stacks]]
name = "global"
dir = "global"
depends_on = ["us-east-1", "eu-west-1"]
[stacks.inputs.regional_origins]
us-east-1 = "us-east-1.edge_origin"
eu-west-1 = "eu-west-1.edge_origin"
"#;
        let path = dir.path().join("platform.toml");
        std::fs::write(&path, toml).unwrap();
        let config = Config::load(&path).unwrap();
        let project = Project { dir, config };
        // The platform as it stands before any failover: every stack applied once.
        for stack in ["us-east-1", "eu-west-1", "global"] {
            project.terraform(stack, &["init", "-input=false", "-no-color"]);
            project.terraform(
                stack,
                &["apply", "-auto-approve", "-input=false", "-no-color"],
            );
        }
        project
    }

    fn terraform(&self, stack: &str, args: &[&str]) {
        let out = std::process::Command::new("terraform")
            .args(args)
            .current_dir(self.dir.path().join(stack))
            .env("TF_DATA_DIR", self.data_dir(stack))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "terraform {args:?} in {stack}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn out_dir(&self) -> PathBuf {
        self.dir.path().join(".platform-deploy/failover-plans")
    }

    /// The same data dir platform-deploy gives the stack, so init is shared.
    fn data_dir(&self, stack: &str) -> PathBuf {
        self.out_dir().join(".terraform").join(stack)
    }

    fn checklist(&self) -> PathBuf {
        self.dir.path().join(".platform-deploy/failover.json")
    }

    /// The state serial of a stack: every apply of a fixture stack raises it.
    fn serial(&self, stack: &str) -> u64 {
        let text =
            std::fs::read_to_string(self.dir.path().join(stack).join("terraform.tfstate")).unwrap();
        let state: serde_json::Value = serde_json::from_str(&text).unwrap();
        state["serial"].as_u64().unwrap()
    }

    fn serials(&self) -> Vec<u64> {
        ["us-east-1", "eu-west-1", "global"]
            .iter()
            .map(|s| self.serial(s))
            .collect()
    }

    fn options(&self, direction: Direction, drill: bool, allow_data_loss: bool) -> FailoverOptions {
        FailoverOptions {
            direction,
            allow_data_loss,
            drill,
            checklist: self.checklist(),
            waits: Waits {
                poll: Duration::from_millis(10),
                timeout: Duration::from_millis(300),
            },
            primary_down: false,
        }
    }

    async fn run(
        &self,
        world: &Shared,
        opts: &FailoverOptions,
    ) -> (Result<FailoverReport, FailoverError>, String) {
        let (progress, buf) = Progress::buffer();
        let failover = Failover {
            config: &self.config,
            terraform: RunContext {
                binary: "terraform".into(),
                offline: false,
                backend: None,
                out_dir: self.out_dir(),
                sink: Arc::new(Progress::stderr()),
                cancel: CancellationToken::new(),
                init_lock: Default::default(),
                variables: Default::default(),
                aws_env: Default::default(),
                unreachable: Default::default(),
                read_only: false,
            },
            aws: clients(world),
            progress,
            cancel: CancellationToken::new(),
        };
        let result = failover.run(opts).await;
        (result, utf8(&buf))
    }
}

fn to_dr() -> Direction {
    Direction::To("eu-west-1".into())
}

fn back() -> Direction {
    Direction::Back {
        from: "eu-west-1".into(),
    }
}

fn calls(world: &Shared) -> Vec<String> {
    std::mem::take(&mut world.lock().unwrap().calls)
}

fn mutating(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|c| {
            let op = c.split(':').nth(1).unwrap_or("");
            !(op.starts_with("Describe") || op.starts_with("Get") || op.starts_with("List"))
        })
        .collect()
}

fn statuses(report: &FailoverReport) -> Vec<(&str, StepStatus)> {
    report
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_a_failed_step_continues_there_and_repeats_nothing() {
    let project = Project::new();
    let world: Shared = Arc::new(Mutex::new(World {
        dr_tasks_start: false,
        ..World::default()
    }));
    let before = project.serials();

    // First run: the DR tasks never become healthy, so the wait times out.
    let opts = project.options(to_dr(), false, false);
    let (report, log) = project.run(&world, &opts).await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::TimedOut, "{log}");
    assert_eq!(
        statuses(&report),
        [
            ("promote-database", StepStatus::Done),
            ("mark-active", StepStatus::Done),
            ("apply-dr", StepStatus::Done),
            ("apply-primary", StepStatus::Done),
            ("wait-serving", StepStatus::Failed),
            ("apply-edge", StepStatus::Pending),
        ]
    );
    assert!(
        report
            .message
            .contains("rerun `platform-deploy failover --to eu-west-1`")
    );
    let first = calls(&world);
    assert_eq!(
        mutating(&first),
        [
            "eu-west-1:SwitchoverGlobalCluster",
            "eu-west-1:PutParameter"
        ]
    );
    {
        let w = world.lock().unwrap();
        assert_eq!(w.writer, DR_ARN);
        assert_eq!(w.role, "active");
    }
    let after_first = project.serials();
    assert!(
        after_first[0] > before[0],
        "the primary stack is applied: its backup plan follows the writer"
    );
    assert!(after_first[1] > before[1], "the DR stack was applied");
    assert_eq!(
        after_first[2], before[2],
        "the edge waits for healthy tasks"
    );

    // The tasks start (the on-call fixed the cause); the rerun picks up at the wait.
    world.lock().unwrap().dr_tasks_start = true;
    let (report, log) = project.run(&world, &opts).await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert!(log.contains("resuming `failover --to eu-west-1`"), "{log}");
    assert!(log.contains("4 of 6 steps done"), "{log}");
    assert_eq!(
        statuses(&report),
        [
            ("promote-database", StepStatus::DoneEarlier),
            ("mark-active", StepStatus::DoneEarlier),
            ("apply-dr", StepStatus::DoneEarlier),
            ("apply-primary", StepStatus::DoneEarlier),
            ("wait-serving", StepStatus::Done),
            ("apply-edge", StepStatus::Done),
        ]
    );
    let second = calls(&world);
    assert!(
        mutating(&second).is_empty(),
        "nothing done in the first run is repeated: {second:?}"
    );
    assert!(
        !second.iter().any(|c| c.contains("GlobalCluster")),
        "the database step is not even looked at again: {second:?}"
    );
    let after_second = project.serials();
    assert_eq!(
        after_second[1], after_first[1],
        "the DR stack is not applied again"
    );
    assert!(after_second[2] > after_first[2], "the edge is applied");
    assert!(
        report.steps[4]
            .detail
            .contains("api 2/2 running, 2 healthy")
    );

    // Done: the checklist is complete, and the same command again starts a new, no-op run whose
    // every step finds its work done in AWS.
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.checklist()).unwrap()).unwrap();
    assert!(
        recorded["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "done")
    );
    let (report, _) = project.run(&world, &opts).await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Succeeded);
    assert!(report.steps[0].detail.contains("already writes"));
    assert!(report.steps[1].detail.contains("already active"));
    assert!(mutating(&calls(&world)).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_sends_no_mutating_call_and_applies_nothing() {
    let project = Project::new();
    let world: Shared = Arc::new(Mutex::new(World::default()));
    let before = project.serials();

    let (report, log) = project
        .run(&world, &project.options(to_dr(), true, false))
        .await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert!(report.drill);
    let calls = calls(&world);
    assert!(mutating(&calls).is_empty(), "{calls:?}");
    assert!(calls.contains(&"eu-west-1:DescribeGlobalClusters".to_string()));
    assert_eq!(project.serials(), before, "no stack was applied");
    assert!(
        !project.checklist().exists(),
        "a drill records no checklist"
    );
    {
        let w = world.lock().unwrap();
        assert_eq!(
            (w.writer.as_str(), w.role.as_str()),
            (PRIMARY_ARN, "standby")
        );
    }

    assert!(
        report
            .steps
            .iter()
            .all(|s| s.status == StepStatus::WouldRun)
    );
    let step = |id: &str| report.steps.iter().find(|s| s.id == id).unwrap();
    assert!(
        step("promote-database")
            .detail
            .contains("global switchover")
    );
    assert!(step("mark-active").detail.contains("standby → active"));
    // The DR stack is planned with the role it would get: its capacity changes from 0 to 2.
    assert!(
        step("apply-dr").detail.starts_with("eu-west-1: would add"),
        "{}",
        step("apply-dr").detail
    );
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.out_dir().join("eu-west-1.json")).unwrap(),
    )
    .unwrap();
    let capacity = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "terraform_data.capacity")
        .unwrap();
    assert_eq!(capacity["change"]["before"]["input"], 0);
    assert_eq!(capacity["change"]["after"]["input"], 2);
    assert!(step("apply-edge").detail.contains("provisional"));
    assert!(step("wait-serving").detail.contains("api 0/0 running"));
    assert!(report.steps.iter().all(|s| s.expected_seconds.is_some()));
    assert!(report.expected_total() > 0);
    let text = report.render_text();
    assert!(text.contains("(drill: nothing changed)"));
    assert!(text.contains("expected in all: about"));
    // The override was for the drill's plan only: the inputs file no longer carries it.
    let inputs = project
        .dir
        .path()
        .join("eu-west-1/platform-deploy.auto.tfvars.json");
    if inputs.exists() {
        assert!(
            !std::fs::read_to_string(inputs)
                .unwrap()
                .contains("traffic_role_override")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_writer_that_is_down_is_detached_only_with_consent() {
    let project = Project::new();
    let world: Shared = Arc::new(Mutex::new(World {
        primary_down: true,
        ..World::default()
    }));
    let before = project.serials();

    let (report, log) = project
        .run(&world, &project.options(to_dr(), false, false))
        .await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::PreflightRefused, "{log}");
    assert!(
        report.message.contains("--allow-data-loss"),
        "{}",
        report.message
    );
    assert!(
        report.steps[0]
            .detail
            .contains("us-east-1 cannot be reached")
    );
    assert!(mutating(&calls(&world)).is_empty());
    assert_eq!(project.serials(), before);

    let (report, log) = project
        .run(&world, &project.options(to_dr(), false, true))
        .await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    assert!(
        report.steps[0]
            .detail
            .contains("detach from shop-global and promote")
    );
    let calls = calls(&world);
    assert_eq!(mutating(&calls)[0], "eu-west-1:RemoveFromGlobalCluster");
    assert!(!calls.iter().any(|c| c.ends_with("SwitchoverGlobalCluster")));

    // Failing back is refused: the clusters are no longer one global database.
    world.lock().unwrap().primary_down = false;
    let (report, _) = project
        .run(&world, &project.options(back(), false, false))
        .await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::PreflightRefused);
    assert!(
        report.message.contains("rebuild the global database"),
        "{}",
        report.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_back_moves_the_edge_before_the_dr_region_gives_up_capacity() {
    let project = Project::new();
    let world: Shared = Arc::new(Mutex::new(World::default()));
    let (report, _) = project
        .run(&world, &project.options(to_dr(), false, false))
        .await;
    assert_eq!(report.unwrap().outcome, OutcomeKind::Succeeded);
    calls(&world);

    let (report, log) = project
        .run(&world, &project.options(back(), false, false))
        .await;
    let report = report.unwrap();
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    let calls = calls(&world);
    assert_eq!(
        mutating(&calls),
        [
            "us-east-1:SwitchoverGlobalCluster",
            "eu-west-1:PutParameter",
            "eu-west-1:PutParameter",
        ]
    );
    let w = world.lock().unwrap();
    assert_eq!(
        (w.writer.as_str(), w.role.as_str()),
        (PRIMARY_ARN, "standby")
    );
    let order: Vec<&str> = report.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        order,
        [
            "check-primary-serving",
            "promote-database",
            "mark-draining",
            "apply-primary",
            "apply-dr-draining",
            "apply-edge",
            "mark-standby",
            "apply-dr-standby"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_unfinished_failover_is_refused_and_named() {
    let project = Project::new();
    let world: Shared = Arc::new(Mutex::new(World {
        dr_tasks_start: false,
        ..World::default()
    }));
    let (report, _) = project
        .run(&world, &project.options(to_dr(), false, false))
        .await;
    assert_eq!(report.unwrap().outcome, OutcomeKind::TimedOut);
    calls(&world);

    let (result, _) = project
        .run(&world, &project.options(back(), false, false))
        .await;
    let err = result.unwrap_err();
    assert_eq!(err.kind(), OutcomeKind::BadInput);
    let text = err.to_string();
    assert!(
        text.contains("unfinished `failover --to eu-west-1` (4 of 6 steps done)"),
        "{text}"
    );
    assert!(mutating(&calls(&world)).is_empty());
}

fn cli(project: &Project, args: &[&str]) -> std::process::Output {
    platform_deploy()
        .current_dir(project.dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn bad_requests_exit_2_and_say_what_to_do() {
    let project = Project::new();
    let out = cli(&project, &["failover", "--to", "us-east-1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--to us-east-1: not a DR region"),
        "{stderr}"
    );
    assert!(stderr.contains("secondary list: eu-west-1"), "{stderr}");

    let out = cli(&project, &["failover"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to <REGION>"));

    let out = cli(
        &project,
        &["failover", "--to", "eu-west-1", "--timeout", "soon"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--timeout soon"), "{stderr}");
    assert!(!project.checklist().exists(), "nothing was started");

    let help = cli(&project, &["failover", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--drill"), "{text}");
    assert!(text.contains("--allow-data-loss"), "{text}");
    assert!(text.contains("Exit codes:"), "{text}");
}

#[test]
fn with_the_primary_down_a_stack_whose_state_lives_there_is_refused_at_its_line() {
    // Checked before anything is read: no terraform, no AWS call.
    let dir = tempfile::tempdir().unwrap();
    for stack in ["us-east-1", "eu-west-1", "global"] {
        std::fs::create_dir_all(dir.path().join(stack)).unwrap();
        std::fs::write(dir.path().join(stack).join("main.tf"), "").unwrap();
    }
    let toml = r#"[project]
name = "shop"
[regions]
primary = "us-east-1"
secondary = ["eu-west-1"]
[terraform.backend]
region = "us-east-1"
buckets = { us-east-1 = "shop-state-use1", eu-west-1 = "shop-state-euw1" }
[[stacks]]
name = "us-east-1"
dir = "us-east-1"
region = "us-east-1"
[[stacks]]
name = "eu-west-1"
dir = "eu-west-1"
region = "eu-west-1"
depends_on = ["us-east-1"]
[[stacks]]
name = "global"
dir = "global"
depends_on = ["us-east-1", "eu-west-1"]
"#;
    std::fs::write(dir.path().join("platform.toml"), toml).unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args([
            "failover",
            "--to",
            "eu-west-1",
            "--primary-down",
            "--allow-data-loss",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    // The global stack has no region: its state follows terraform.backend.region (line 7).
    assert!(
        stderr.contains(
            "platform.toml:7:10: stack global keeps its state in s3://shop-state-use1 in us-east-1"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("set state_region on the stack"), "{stderr}");
    assert!(!dir.path().join(".platform-deploy/failover.json").exists());

    // Its state moved to the DR region's bucket, the same request passes this check (and then
    // fails later, on the unreachable stand-in endpoint).
    std::fs::write(
        dir.path().join("platform.toml"),
        toml.replace(
            "dir = \"global\"",
            "dir = \"global\"\nstate_region = \"eu-west-1\"",
        ),
    )
    .unwrap();
    let out = platform_deploy()
        .current_dir(dir.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args([
            "failover",
            "--to",
            "eu-west-1",
            "--primary-down",
            "--allow-data-loss",
            "--drill",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("keeps its state in"), "{stderr}");
}
