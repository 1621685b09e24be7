//! `failover`: move live traffic to the DR region and back, as a checklist of idempotent steps
//! (promote Aurora, set the region's traffic role, apply its stack, wait until it serves, apply the
//! edge). The checklist is recorded on disk after every step, so a rerun after a failure or an
//! interruption continues where it stopped; `--drill` runs the same checks and plans and changes
//! nothing.

pub mod checklist;
pub mod database;
mod drill;
pub mod edge;
pub mod error;
pub mod health;
pub mod outage;
pub mod report;
pub mod steps;
pub mod traffic_role;
pub mod waits;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use error::FailoverError;
pub use report::{FailoverReport, StepReport, StepStatus};
pub use steps::Direction;
pub use waits::Waits;

use checklist::{Checklist, StepState};
use steps::{Action, Step};

use crate::aws::RegionClients;
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

#[derive(Debug, Clone)]
pub struct FailoverOptions {
    pub direction: Direction,
    pub allow_data_loss: bool,
    pub drill: bool,
    pub checklist: PathBuf,
    pub waits: Waits,
    /// The primary region does not answer: send it nothing, read its stack from the state
    /// replicas, and confirm the edge routes around it instead of applying the edge stack.
    pub primary_down: bool,
}

impl FailoverOptions {
    /// The command line that owns the checklist: `--primary-down` is part of it, as it changes
    /// the steps.
    pub fn operation(&self) -> String {
        let mut line = match &self.direction {
            Direction::To(region) => format!("failover --to {region}"),
            Direction::Back { from } => format!("failover --back --from {from}"),
        };
        if self.primary_down {
            line.push_str(" --primary-down");
        }
        line
    }

    /// The command that continues this run, consent included.
    pub fn rerun(&self) -> String {
        let mut line = self.operation();
        if self.allow_data_loss {
            line.push_str(" --allow-data-loss");
        }
        line
    }

    pub fn dr_region(&self) -> &str {
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
    pub aws: BTreeMap<String, RegionClients>,
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
        if opts.primary_down {
            outage::check_state_outside(config, &primary, &dr_stack, &edge)?;
        }
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

        let steps = steps::plan(
            &opts.direction,
            &primary,
            steps::Stacks {
                primary: Some(&primary_stack),
                dr: &dr_stack,
                edge: &edge,
            },
            opts.primary_down,
        );

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
    pub(crate) f: &'a Failover<'a>,
    pub(crate) opts: &'a FailoverOptions,
    pub(crate) facts: BTreeMap<String, RegionFacts>,
    pub(crate) steps: Vec<Step>,
    pub(crate) dr_stack: String,
}

impl Run<'_> {
    fn aws(&self, region: &str) -> Result<&RegionClients, FailoverError> {
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
            // With the primary down, nothing is sent there: its writer counts as unreachable.
            other_aws: self
                .f
                .aws
                .get(from)
                .filter(|_| !(self.opts.primary_down && from == self.f.config.primary_region)),
            allow_data_loss: self.opts.allow_data_loss,
            failing_back: matches!(self.opts.direction, Direction::Back { .. }),
        })
    }

    /// The Route53 health check of `region`, from the edge stack's outputs.
    async fn edge_health_check(
        &self,
        region: &str,
        stacks: &[String],
    ) -> Result<String, FailoverError> {
        let outputs = self
            .orchestrator(BTreeMap::new())
            .outputs_of(stacks)
            .await?;
        let stack = stacks.first().map(String::as_str).unwrap_or_default();
        let empty = Map::new();
        edge::health_check_of(outputs.get(stack).unwrap_or(&empty), stack, region)
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
        // A drill's plans take no state lock: it writes nothing anywhere.
        ctx.read_only = self.opts.drill;
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
            Action::ConfirmEdge { down, stacks } => {
                let health_check = self.edge_health_check(down, stacks).await?;
                let route53 = &self.aws(self.opts.dr_region())?.route53;
                edge::wait_routed_around(
                    route53,
                    down,
                    &health_check,
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
                            "step {}/{total} ({}) did not finish: {e}\nrerun `platform-deploy {}` to continue from this step (the {} done step(s) are recorded in {})",
                            i + 1,
                            step.id,
                            self.opts.rerun(),
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
}

pub(crate) fn report_of(
    step: &Step,
    status: StepStatus,
    detail: String,
    seconds: Option<u64>,
) -> StepReport {
    StepReport {
        id: step.id.clone(),
        title: step.title.clone(),
        status,
        detail,
        seconds,
        expected_seconds: None,
    }
}
