//! `failover`: move live traffic to the DR region and back, as a checklist of idempotent steps
//! (promote Aurora, set the region's traffic role, apply its stack, wait until it serves, apply the
//! edge). The checklist is recorded on disk after every step, so a rerun after a failure or an
//! interruption continues where it stopped; `--drill` runs the same checks and plans and changes
//! nothing.

pub mod checklist;
pub mod database;
pub mod error;
pub mod health;
pub mod report;
pub mod steps;
pub mod traffic_role;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use error::FailoverError;
pub use report::{FailoverReport, StepReport, StepStatus};
pub use steps::Direction;

use checklist::{Checklist, StepState};
use steps::{Action, Step};

use crate::config::Config;
use crate::outcome::OutcomeKind;
use crate::rollout::Progress;
use crate::rollout::targets::DeployTargets;
use crate::terraform::graph::StackGraph;
use crate::terraform::run::{ApplyMode, Orchestrator};
use crate::terraform::stack::RunContext;
use crate::terraform::summary::{PlanSummary, StackStatus, StackSummary};

/// The stack variable a drill plans the DR stack with, instead of writing the parameter.
pub const ROLE_OVERRIDE_VARIABLE: &str = "traffic_role_override";

/// The clients one region's steps use.
#[derive(Clone, Debug)]
pub struct RegionAws {
    pub region: String,
    pub rds: aws_sdk_rds::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
}

impl RegionAws {
    pub fn from_config(config: &aws_types::SdkConfig) -> Self {
        RegionAws {
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            rds: aws_sdk_rds::Client::new(config),
            ssm: aws_sdk_ssm::Client::new(config),
            ecs: aws_sdk_ecs::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
        }
    }
}

/// How often and how long the steps that wait poll.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    pub poll: Duration,
    pub timeout: Duration,
}

impl Waits {
    /// Polls `check` until it answers `Ok(done)`; `Err(status)` is shown as progress.
    pub async fn until<F, Fut>(
        &self,
        what: &str,
        progress: &Progress,
        key: &str,
        cancel: &CancellationToken,
        mut check: F,
    ) -> Result<String, FailoverError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Result<String, String>, FailoverError>>,
    {
        let started = tokio::time::Instant::now();
        loop {
            match check().await? {
                Ok(done) => {
                    progress.done(key);
                    return Ok(done);
                }
                Err(status) => progress.status(
                    key,
                    &format!(
                        "waiting for {what}: {status} ({}s)",
                        started.elapsed().as_secs()
                    ),
                ),
            }
            if started.elapsed() >= self.timeout {
                progress.done(key);
                return Err(FailoverError::TimedOut {
                    what: what.to_string(),
                    after: humantime::format_duration(self.timeout).to_string(),
                    fix: "look at the region in the console; rerun the same command to continue (done steps are not repeated), with a longer --timeout if it was only slow".into(),
                });
            }
            tokio::select! {
                _ = cancel.cancelled() => {
                    progress.done(key);
                    return Err(FailoverError::Cancelled);
                }
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct FailoverOptions {
    pub direction: Direction,
    pub allow_data_loss: bool,
    pub drill: bool,
    pub checklist: PathBuf,
    pub waits: Waits,
}

impl FailoverOptions {
    /// The command line that owns the checklist.
    pub fn operation(&self) -> String {
        match &self.direction {
            Direction::To(region) => format!("failover --to {region}"),
            Direction::Back { from } => format!("failover --back --from {from}"),
        }
    }

    fn dr_region(&self) -> &str {
        match &self.direction {
            Direction::To(r) => r,
            Direction::Back { from } => from,
        }
    }
}

/// What a region's stack outputs tell the steps.
#[derive(Debug, Clone)]
pub struct RegionFacts {
    pub stack: String,
    pub targets: DeployTargets,
    pub db_cluster_arn: Option<String>,
    pub traffic_role_parameter: Option<String>,
}

impl RegionFacts {
    pub fn from_outputs(
        stack: &str,
        region: &str,
        outputs: &Map<String, Value>,
    ) -> Result<Self, FailoverError> {
        let raw = outputs
            .get("deploy_targets")
            .ok_or_else(|| FailoverError::Usage {
                message: format!("stack {stack} has no `deploy_targets` output"),
                fix: format!("apply stack {stack} first; failover reads its services from it"),
            })?;
        let targets =
            DeployTargets::from_json(&format!("stack {stack}"), region, raw).map_err(|e| {
                FailoverError::Usage {
                    message: e.to_string(),
                    fix: format!("apply stack {stack} with the bundled regional-platform module"),
                }
            })?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        Ok(RegionFacts {
            stack: stack.to_string(),
            targets,
            db_cluster_arn: text(outputs.get("db_cluster_arn")),
            traffic_role_parameter: text(raw.get("traffic_role_parameter")),
        })
    }
}

/// Everything a failover run works with.
pub struct Failover<'a> {
    pub config: &'a Config,
    pub terraform: RunContext,
    pub aws: BTreeMap<String, RegionAws>,
    pub progress: Progress,
    pub cancel: CancellationToken,
}

impl Failover<'_> {
    /// Checks the request, reads the stacks' outputs and runs (or drills) the checklist.
    pub async fn run(&self, opts: &FailoverOptions) -> Result<FailoverReport, FailoverError> {
        let config = self.config;
        let primary = config.primary_region.clone();
        let dr = opts.dr_region().to_string();
        if !config.dr_regions.contains(&dr) {
            let flag = match opts.direction {
                Direction::To(_) => "--to",
                Direction::Back { .. } => "--from",
            };
            return Err(FailoverError::Usage {
                message: format!("{flag} {dr}: not a DR region of {}", config.path.display()),
                fix: format!(
                    "use one of the [regions] secondary list: {}",
                    config.dr_regions.join(", ")
                ),
            });
        }
        let stack_of = |region: &str| {
            config
                .regional_stack(region)
                .map(|s| s.name.clone())
                .ok_or_else(|| FailoverError::Usage {
                    message: format!(
                        "no stack of {} has region = \"{region}\"",
                        config.path.display()
                    ),
                    fix: format!(
                        "add region = \"{region}\" to the [[stacks]] entry of that region"
                    ),
                })
        };
        let dr_stack = stack_of(&dr)?;
        let primary_stack = stack_of(&primary)?;

        let mut facts = BTreeMap::new();
        facts.insert(dr.clone(), self.facts(&dr_stack, &dr).await?);
        match self.facts(&primary_stack, &primary).await {
            Ok(f) => {
                facts.insert(primary.clone(), f);
            }
            // Promoting DR is what an outage of the primary calls for: go on without its facts.
            Err(e) if matches!(opts.direction, Direction::To(_)) => self.progress.event(
                "failover",
                &format!("cannot read stack {primary_stack} ({e}); going on without it"),
            ),
            Err(e) => return Err(e),
        }

        let graph = StackGraph::new(&config.stacks);
        let regional: Vec<String> = config
            .regions()
            .iter()
            .filter_map(|r| config.regional_stack(r).map(|s| s.name.clone()))
            .collect();
        let downstream = graph.downstream_of(&dr_stack);
        let edge: Vec<String> = config
            .stacks
            .iter()
            .map(|s| s.name.clone())
            .filter(|s| downstream.contains(s) && !regional.contains(s))
            .collect();
        let steps = steps::plan(&opts.direction, &primary, &dr_stack, &edge);

        let run = Run {
            f: self,
            opts,
            facts,
            steps,
            dr_stack,
        };
        if opts.drill {
            run.drill().await
        } else {
            run.execute().await
        }
    }

    async fn facts(&self, stack: &str, region: &str) -> Result<RegionFacts, FailoverError> {
        let orchestrator = Orchestrator::new(self.config, self.terraform.clone(), None);
        let outputs = orchestrator.outputs_of(&[stack.to_string()]).await?;
        let empty = Map::new();
        RegionFacts::from_outputs(stack, region, outputs.get(stack).unwrap_or(&empty))
    }
}

struct Run<'a> {
    f: &'a Failover<'a>,
    opts: &'a FailoverOptions,
    facts: BTreeMap<String, RegionFacts>,
    steps: Vec<Step>,
    dr_stack: String,
}

impl Run<'_> {
    fn aws(&self, region: &str) -> Result<&RegionAws, FailoverError> {
        self.f.aws.get(region).ok_or_else(|| FailoverError::Usage {
            message: format!("no AWS clients for {region}"),
            fix: "list the region in [regions] of platform.toml".into(),
        })
    }

    fn facts(&self, region: &str) -> Result<&RegionFacts, FailoverError> {
        self.facts
            .get(region)
            .ok_or_else(|| FailoverError::Refused {
                message: format!("the outputs of {region}'s stack could not be read"),
                fix: "make the stack's state readable (terraform output), then rerun".into(),
            })
    }

    fn database_target<'b>(
        &'b self,
        to: &str,
        from: &str,
    ) -> Result<database::Target<'b>, FailoverError> {
        let facts = self.facts(to)?;
        let cluster_arn = facts.db_cluster_arn.as_deref().ok_or_else(|| FailoverError::Usage {
            message: format!("stack {} has no `db_cluster_arn` output", facts.stack),
            fix: "apply the stack with the bundled regional-platform module (it exports db_cluster_arn)".into(),
        })?;
        Ok(database::Target {
            aws: self.aws(to)?,
            cluster_arn,
            other_cluster_arn: self
                .facts
                .get(from)
                .and_then(|f| f.db_cluster_arn.as_deref()),
            other_aws: self.f.aws.get(from),
            allow_data_loss: self.opts.allow_data_loss,
            failing_back: matches!(self.opts.direction, Direction::Back { .. }),
        })
    }

    fn role_parameter(&self, region: &str) -> Result<&str, FailoverError> {
        let facts = self.facts(region)?;
        facts
            .traffic_role_parameter
            .as_deref()
            .ok_or_else(|| FailoverError::Usage {
                message: format!(
                    "the deploy_targets output of stack {} has no traffic_role_parameter",
                    facts.stack
                ),
                fix: "apply the DR stack with the current regional-platform module first: it creates the traffic-role parameter".into(),
            })
    }

    fn orchestrator(&self, variables: BTreeMap<String, Map<String, Value>>) -> Orchestrator<'_> {
        let mut ctx = self.f.terraform.clone();
        ctx.variables = variables;
        Orchestrator::new(self.f.config, ctx, None)
    }

    async fn step(&self, step: &Step) -> Result<String, FailoverError> {
        let progress = &self.f.progress;
        let cancel = &self.f.cancel;
        match &step.action {
            Action::PromoteDatabase { to, from } => {
                let target = self.database_target(to, from)?;
                let promotion = database::decide(&target).await?;
                progress.event("failover", &promotion.describe());
                database::promote(&target, &promotion, &self.opts.waits, progress, cancel).await
            }
            Action::SetTrafficRole { region, role } => {
                traffic_role::write(self.aws(region)?, self.role_parameter(region)?, *role).await
            }
            Action::ApplyStacks { stacks } => {
                let reviewed = PlanSummary {
                    offline: false,
                    stacks: stacks
                        .iter()
                        .map(|s| {
                            let entry = StackSummary::without_plan(
                                StackStatus::Planned,
                                "planned right before it applies".into(),
                            );
                            (s.clone(), entry)
                        })
                        .collect(),
                };
                let applied = self
                    .orchestrator(BTreeMap::new())
                    .apply(stacks, &reviewed, ApplyMode::Unreviewed)
                    .await?;
                let mut details = Vec::new();
                for (name, entry) in &applied.stacks {
                    match entry.status {
                        StackStatus::Applied => details.push(format!(
                            "{name}: {} added, {} changed, {} destroyed",
                            entry.counts.add, entry.counts.change, entry.counts.destroy
                        )),
                        StackStatus::Unchanged => details.push(format!("{name}: no changes")),
                        _ => {
                            return Err(FailoverError::StackFailed {
                                stack: name.clone(),
                                message: entry.message.clone().unwrap_or_default(),
                            });
                        }
                    }
                }
                Ok(details.join("; "))
            }
            Action::WaitServing { region } => {
                let facts = self.facts(region)?;
                health::wait_serving(
                    self.aws(region)?,
                    &facts.targets,
                    &self.opts.waits,
                    progress,
                    cancel,
                )
                .await
            }
        }
    }

    async fn execute(&self) -> Result<FailoverReport, FailoverError> {
        let operation = self.opts.operation();
        let ids: Vec<(String, String)> = self
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.title.clone()))
            .collect();
        let (mut checklist, resumed) = Checklist::open(&self.opts.checklist, &operation, &ids)?;
        let progress = &self.f.progress;
        if resumed {
            progress.event(
                "failover",
                &format!(
                    "resuming `{operation}` started {}: {} of {} steps done ({})",
                    checklist.started_at,
                    checklist.done_count(),
                    self.steps.len(),
                    self.opts.checklist.display()
                ),
            );
        }
        checklist.save()?;
        let total = self.steps.len();
        let started = Instant::now();
        let mut reports = Vec::new();
        for (i, step) in self.steps.iter().enumerate() {
            if checklist.is_done(&step.id) {
                progress.event(
                    "failover",
                    &format!("[{}/{total}] {} (done earlier)", i + 1, step.title),
                );
                let detail = checklist
                    .steps
                    .iter()
                    .find(|s| s.id == step.id)
                    .and_then(|s| s.detail.clone())
                    .unwrap_or_default();
                reports.push(report_of(step, StepStatus::DoneEarlier, detail, None));
                continue;
            }
            progress.event("failover", &format!("[{}/{total}] {}", i + 1, step.title));
            let step_started = Instant::now();
            let result = if self.f.cancel.is_cancelled() {
                Err(FailoverError::Cancelled)
            } else {
                self.step(step).await
            };
            let took = Some(step_started.elapsed().as_secs());
            match result {
                Ok(detail) => {
                    progress.event("failover", &format!("[{}/{total}] done: {detail}", i + 1));
                    checklist.record(&step.id, StepState::Done, Some(detail.clone()))?;
                    reports.push(report_of(step, StepStatus::Done, detail, took));
                }
                Err(e) => {
                    checklist.record(&step.id, StepState::Failed, Some(e.to_string()))?;
                    reports.push(report_of(step, StepStatus::Failed, e.to_string(), took));
                    for rest in &self.steps[i + 1..] {
                        reports.push(report_of(rest, StepStatus::Pending, String::new(), None));
                    }
                    return Ok(FailoverReport {
                        message: format!(
                            "step {}/{total} ({}) did not finish: {e}\nrerun `platform-deploy {operation}` to continue from this step (the {} done step(s) are recorded in {})",
                            i + 1,
                            step.id,
                            checklist.done_count(),
                            self.opts.checklist.display()
                        ),
                        outcome: e.kind(),
                        operation,
                        drill: false,
                        steps: reports,
                    });
                }
            }
        }
        Ok(FailoverReport {
            message: format!(
                "`{operation}` finished: {total} steps in {}",
                humantime::format_duration(Duration::from_secs(started.elapsed().as_secs()))
            ),
            outcome: OutcomeKind::Succeeded,
            operation,
            drill: false,
            steps: reports,
        })
    }

    /// The same steps, each only observed or planned.
    async fn drill(&self) -> Result<FailoverReport, FailoverError> {
        let operation = self.opts.operation();
        let mut reports = Vec::new();
        let mut refused = None;
        for (i, step) in self.steps.iter().enumerate() {
            self.f.progress.event(
                "drill",
                &format!("[{}/{}] {}", i + 1, self.steps.len(), step.title),
            );
            let outcome = self.drill_step(i, step).await;
            let report = match outcome {
                Ok((detail, expected)) => {
                    let mut r = report_of(step, StepStatus::WouldRun, detail, None);
                    r.expected_seconds = Some(expected.as_secs());
                    r
                }
                Err(e @ FailoverError::Refused { .. }) => {
                    refused.get_or_insert_with(|| e.to_string());
                    report_of(step, StepStatus::WouldRefuse, e.to_string(), None)
                }
                Err(e) => return Err(e),
            };
            reports.push(report);
        }
        let recorded = Checklist::read(&self.opts.checklist)?
            .filter(|c| !c.finished())
            .map(|c| {
                format!(
                    "\n{} records an unfinished `{}` ({} of {} steps done)",
                    self.opts.checklist.display(),
                    c.operation,
                    c.done_count(),
                    c.steps.len()
                )
            })
            .unwrap_or_default();
        let (outcome, message) = match refused {
            Some(why) => (
                OutcomeKind::PreflightRefused,
                format!("drill of `{operation}`: a step would refuse: {why}{recorded}"),
            ),
            None => (
                OutcomeKind::Succeeded,
                format!(
                    "drill of `{operation}`: every step can run; nothing was changed{recorded}"
                ),
            ),
        };
        Ok(FailoverReport {
            operation,
            drill: true,
            outcome,
            message,
            steps: reports,
        })
    }

    async fn drill_step(
        &self,
        index: usize,
        step: &Step,
    ) -> Result<(String, Duration), FailoverError> {
        match &step.action {
            Action::PromoteDatabase { to, from } => {
                let promotion = database::decide(&self.database_target(to, from)?).await?;
                let expected = promotion.expected();
                Ok((format!("would: {}", promotion.describe()), expected))
            }
            Action::SetTrafficRole { region, role } => {
                let parameter = self.role_parameter(region)?;
                let now = traffic_role::read(self.aws(region)?, parameter).await?;
                let detail = match now.as_deref() {
                    Some(v) if v == role.as_str() => format!("{parameter} is already {role}"),
                    Some(v) => format!("would set {parameter}: {v} → {role}"),
                    None => {
                        return Err(FailoverError::Refused {
                            message: format!(
                                "the traffic-role parameter {parameter} does not exist in {region}"
                            ),
                            fix: "apply the regional stack once (it creates the parameter)".into(),
                        });
                    }
                };
                Ok((detail, Duration::from_secs(1)))
            }
            Action::ApplyStacks { stacks } => self.drill_apply(index, stacks).await,
            Action::WaitServing { region } => {
                let facts = self.facts(region)?;
                let now = health::region_health(self.aws(region)?, &facts.targets).await?;
                let serving = now.values().all(health::ServiceHealth::serving);
                let expected = if serving && index == 0 {
                    Duration::ZERO
                } else {
                    steps::EXPECTED_SERVING
                };
                Ok((format!("now: {}", health::summarize(&now)), expected))
            }
        }
    }

    /// Plans the stacks as they would be applied at this step: the DR stack with the traffic role
    /// set just before (through the override variable, so nothing is written).
    async fn drill_apply(
        &self,
        index: usize,
        stacks: &[String],
    ) -> Result<(String, Duration), FailoverError> {
        let mut variables = BTreeMap::new();
        if let Some(role) = steps::role_before(&self.steps, index) {
            let mut vars = Map::new();
            vars.insert(
                ROLE_OVERRIDE_VARIABLE.into(),
                Value::String(role.as_str().into()),
            );
            variables.insert(self.dr_stack.clone(), vars);
        }
        // An edge stack is planned with the DR stack, so it shows as provisional: its inputs
        // change when the DR stack applies.
        let mut selected = stacks.to_vec();
        if !selected.contains(&self.dr_stack) {
            selected.insert(0, self.dr_stack.clone());
        }
        let summary = self.orchestrator(variables).plan(&selected).await?;
        let mut details = Vec::new();
        let mut expected = Duration::ZERO;
        for name in stacks {
            let Some(entry) = summary.stacks.get(name) else {
                continue;
            };
            if entry.status != StackStatus::Planned {
                return Err(FailoverError::StackFailed {
                    stack: name.clone(),
                    message: entry.message.clone().unwrap_or_default(),
                });
            }
            let c = &entry.counts;
            let mut line = format!(
                "{name}: would add {}, change {}, destroy {}",
                c.add,
                c.change + c.replace,
                c.destroy
            );
            if entry.provisional {
                line.push_str(&format!(
                    " (provisional: its inputs change when {} applies)",
                    self.dr_stack
                ));
            }
            details.push(line);
            expected += steps::expected_apply(entry);
        }
        Ok((details.join("; "), expected))
    }
}

fn report_of(step: &Step, status: StepStatus, detail: String, seconds: Option<u64>) -> StepReport {
    StepReport {
        id: step.id.clone(),
        title: step.title.clone(),
        status,
        detail,
        seconds,
        expected_seconds: None,
    }
}
