//! Plan and apply across stacks as a dependency graph.
//!
//! Plans read upstream outputs from current state, so every stack plans at the same time; a stack
//! planned while an upstream still has changes is marked provisional. Applies follow the graph
//! level by level, and each stack is held to the change set that was reviewed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use futures_util::future::join_all;
use tokio::sync::Semaphore;

use super::error::TerraformError;
use super::graph::StackGraph;
use super::inputs::{self, StackOutputs};
use super::plan_json::{PlanJson, change_set_hash, differing_addresses};
use super::stack::{self, RunContext};
use super::summary::{PlanSummary, StackStatus, StackSummary, now_rfc3339};
use crate::config::{Config, Stack};

pub struct Orchestrator<'a> {
    config: &'a Config,
    graph: StackGraph,
    ctx: RunContext,
    parallelism: usize,
}

/// Whether apply may use the saved plan files or must plan again and compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyMode {
    SavedPlans,
    Replan,
    /// No review to hold to (`deploy` on its own): every stack is planned right before it applies,
    /// with its upstreams' fresh outputs, and that plan is applied.
    Unreviewed,
}

impl<'a> Orchestrator<'a> {
    pub fn new(config: &'a Config, ctx: RunContext, parallelism: Option<usize>) -> Self {
        let parallelism = parallelism
            .or(config.terraform.parallelism)
            .unwrap_or(config.stacks.len())
            .max(1);
        Orchestrator {
            config,
            graph: StackGraph::new(&config.stacks),
            ctx,
            parallelism,
        }
    }

    /// The stacks to run: all, or the named ones (plus their upstreams with `with_deps`), in
    /// declaration order.
    pub fn select(&self, names: &[String], with_deps: bool) -> Result<Vec<String>, TerraformError> {
        if names.is_empty() {
            return Ok(self.config.stacks.iter().map(|s| s.name.clone()).collect());
        }
        for name in names {
            if self.config.stack(name).is_none() {
                return Err(TerraformError::UnknownStack(name.clone()));
            }
        }
        let names = if with_deps {
            self.graph.with_upstreams(names)
        } else {
            names.to_vec()
        };
        Ok(self
            .config
            .stacks
            .iter()
            .filter(|s| names.contains(&s.name))
            .map(|s| s.name.clone())
            .collect())
    }

    fn stack(&self, name: &str) -> &Stack {
        self.config.stack(name).expect("selected stacks exist")
    }

    fn create_out_dir(&self) -> Result<(), TerraformError> {
        std::fs::create_dir_all(self.ctx.out_dir.join("state")).map_err(|source| {
            TerraformError::Write {
                path: self.ctx.out_dir.clone(),
                source,
            }
        })
    }

    /// Runs `f` over `names` with at most `parallelism` at once; results keyed by stack name.
    async fn for_each<T, F, Fut>(&self, names: &[String], f: F) -> BTreeMap<String, T>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let permits = Semaphore::new(self.parallelism);
        let runs = names.iter().map(|name| {
            let fut = f(name.clone());
            let permits = &permits;
            async move {
                let _permit = permits.acquire().await.expect("semaphore is never closed");
                (name.clone(), fut.await)
            }
        });
        join_all(runs).await.into_iter().collect()
    }

    /// The current outputs of the named stacks (initialised as needed).
    pub async fn outputs_of(&self, names: &[String]) -> Result<StackOutputs, TerraformError> {
        self.create_out_dir()?;
        let mut outputs = StackOutputs::new();
        for (name, result) in self
            .for_each(names, |name| async move {
                let stack = self.stack(&name);
                stack::current_outputs(&self.ctx, stack).await
            })
            .await
        {
            outputs.insert(name, result?);
        }
        Ok(outputs)
    }

    /// Plans the selected stacks and writes `<stack>.tfplan`, `<stack>.json` and `summary.json`.
    pub async fn plan(&self, selected: &[String]) -> Result<PlanSummary, TerraformError> {
        self.create_out_dir()?;
        // Upstreams outside the selection are initialised too, to read their outputs.
        let mut needed: BTreeSet<String> = selected.iter().cloned().collect();
        for name in selected {
            needed.extend(self.graph.upstream(name).map(str::to_string));
        }
        let needed: Vec<String> = needed.into_iter().collect();

        let read = self
            .for_each(&needed, |name| async move {
                let stack = self.stack(&name);
                stack::current_outputs(&self.ctx, stack).await
            })
            .await;
        let mut outputs = StackOutputs::new();
        let mut failed: BTreeMap<String, String> = BTreeMap::new();
        for (name, result) in read {
            match result {
                Ok(values) => {
                    outputs.insert(name, values);
                }
                Err(TerraformError::Cancelled) => return Err(TerraformError::Cancelled),
                Err(e) => {
                    failed.insert(name, e.to_string());
                }
            }
        }

        let outputs = &outputs;
        let planned = self
            .for_each(selected, |name| {
                let failed = &failed;
                async move {
                    let stack = self.stack(&name);
                    if let Some(message) = failed.get(&name) {
                        return Err(message.clone());
                    }
                    if let Some(up) = self.graph.upstream(&name).find(|u| failed.contains_key(*u)) {
                        return Ok(StackSummary::without_plan(
                            StackStatus::Skipped,
                            format!("skipped: upstream stack {up} failed"),
                        ));
                    }
                    tracing::info!("{name}: planning");
                    let result = self
                        .plan_one(stack, outputs)
                        .await
                        .map_err(|e| e.to_string());
                    self.ctx
                        .sink
                        .finish(&name, &format!("terraform plan {name}"));
                    result
                }
            })
            .await;

        if self.ctx.cancel.is_cancelled() {
            return Err(TerraformError::Cancelled);
        }
        let mut summary = PlanSummary {
            offline: self.ctx.offline,
            stacks: BTreeMap::new(),
        };
        for (name, result) in planned {
            let entry = result
                .unwrap_or_else(|message| StackSummary::without_plan(StackStatus::Failed, message));
            summary.stacks.insert(name, entry);
        }
        self.settle_plan_graph(&mut summary);
        summary.write(&self.ctx.out_dir)?;
        Ok(summary)
    }

    async fn plan_one(
        &self,
        stack: &Stack,
        outputs: &StackOutputs,
    ) -> Result<StackSummary, TerraformError> {
        let started_at = now_rfc3339();
        let unresolved = self.write_inputs(stack, outputs)?;
        let planned = stack::plan(&self.ctx, stack, false).await;
        self.drop_extra_variables(stack, outputs)?;
        let (plan, version) = planned?;
        Ok(summarize(&plan, version, unresolved, started_at))
    }

    /// Writes the stack's inputs file: upstream outputs plus the run's extra variables.
    fn write_inputs(
        &self,
        stack: &Stack,
        outputs: &StackOutputs,
    ) -> Result<Vec<String>, TerraformError> {
        let (mut values, unresolved) = inputs::resolve(stack, outputs);
        if let Some(extra) = self.ctx.variables.get(&stack.name) {
            values.extend(extra.clone());
        }
        stack::write_inputs(stack, &values)?;
        Ok(unresolved)
    }

    /// Extra variables are for this run's plan only: a later plain `terraform plan` in the
    /// folder must not pick them up from the inputs file.
    fn drop_extra_variables(
        &self,
        stack: &Stack,
        outputs: &StackOutputs,
    ) -> Result<(), TerraformError> {
        if self.ctx.variables.contains_key(&stack.name) {
            stack::write_inputs(stack, &inputs::resolve(stack, outputs).0)?;
        }
        Ok(())
    }

    /// Dependents of a failed stack are skipped; stacks downstream of pending changes are provisional.
    fn settle_plan_graph(&self, summary: &mut PlanSummary) {
        let failed: Vec<String> = summary
            .stacks
            .iter()
            .filter(|(_, s)| matches!(s.status, StackStatus::Failed | StackStatus::Skipped))
            .map(|(n, _)| n.clone())
            .collect();
        for name in failed {
            for down in self.graph.downstream_of(&name) {
                if let Some(entry) = summary.stacks.get_mut(&down)
                    && entry.status == StackStatus::Planned
                {
                    *entry = StackSummary::without_plan(
                        StackStatus::Skipped,
                        format!("skipped: upstream stack {name} failed"),
                    );
                    let _ = std::fs::remove_file(self.ctx.plan_file(&down));
                    let _ = std::fs::remove_file(self.ctx.json_file(&down));
                }
            }
        }
        let pending: Vec<String> = summary
            .stacks
            .iter()
            .filter(|(_, s)| s.has_changes() || s.provisional)
            .map(|(n, _)| n.clone())
            .collect();
        for name in pending {
            for down in self.graph.downstream_of(&name) {
                if let Some(entry) = summary.stacks.get_mut(&down)
                    && entry.status == StackStatus::Planned
                {
                    entry.provisional = true;
                }
            }
        }
    }

    /// Applies the selected stacks level by level, holding each to the reviewed change set.
    pub async fn apply(
        &self,
        selected: &[String],
        reviewed: &PlanSummary,
        mode: ApplyMode,
    ) -> Result<PlanSummary, TerraformError> {
        self.create_out_dir()?;
        let selected_set: BTreeSet<String> = selected.iter().cloned().collect();
        let mut needed = selected_set.clone();
        for name in selected {
            needed.extend(self.graph.upstream(name).map(str::to_string));
        }

        // Outputs of upstreams that are not applied in this run.
        let outside: Vec<String> = needed.difference(&selected_set).cloned().collect();
        let mut outputs = StackOutputs::new();
        for (name, result) in self
            .for_each(&outside, |name| async move {
                let stack = self.stack(&name);
                stack::current_outputs(&self.ctx, stack).await
            })
            .await
        {
            outputs.insert(name, result?);
        }

        let results: Mutex<BTreeMap<String, StackSummary>> = Mutex::new(BTreeMap::new());
        let outputs = Mutex::new(outputs);
        for level in self.graph.levels() {
            let level: Vec<String> = level
                .into_iter()
                .filter(|s| selected_set.contains(s))
                .collect();
            let done = self
                .for_each(&level, |name| {
                    self.apply_in_turn(name, reviewed, mode, &results, &outputs)
                })
                .await;
            let mut r = results.lock().unwrap_or_else(|e| e.into_inner());
            for (name, result) in done {
                let entry = match result {
                    Ok(entry) => entry,
                    Err(TerraformError::Cancelled) => return Err(TerraformError::Cancelled),
                    Err(e) => StackSummary::without_plan(StackStatus::Failed, e.to_string()),
                };
                r.insert(name, entry);
            }
        }
        let summary = PlanSummary {
            offline: self.ctx.offline,
            stacks: results.into_inner().unwrap_or_else(|e| e.into_inner()),
        };
        let path = self.ctx.out_dir.join("apply-summary.json");
        let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
        std::fs::write(&path, text).map_err(|source| TerraformError::Write { path, source })?;
        Ok(summary)
    }

    /// Applies one stack of a level, unless an upstream did not apply; once it is applied (or
    /// unchanged) its outputs join `outputs` for the stacks downstream.
    async fn apply_in_turn(
        &self,
        name: String,
        reviewed: &PlanSummary,
        mode: ApplyMode,
        results: &Mutex<BTreeMap<String, StackSummary>>,
        outputs: &Mutex<StackOutputs>,
    ) -> Result<StackSummary, TerraformError> {
        let blocked = {
            let r = results.lock().unwrap_or_else(|e| e.into_inner());
            self.graph
                .upstream(&name)
                .find(|u| {
                    r.get(*u).is_some_and(|s| {
                        !matches!(s.status, StackStatus::Applied | StackStatus::Unchanged)
                    })
                })
                .map(str::to_string)
        };
        if let Some(up) = blocked {
            return Ok(StackSummary::without_plan(
                StackStatus::Skipped,
                format!("skipped: upstream stack {up} did not apply"),
            ));
        }
        let Some(review) = reviewed.stacks.get(&name) else {
            return Err(TerraformError::MissingReview {
                stack: name.clone(),
                dir: self.ctx.out_dir.clone(),
            });
        };
        let current = outputs.lock().unwrap_or_else(|e| e.into_inner()).clone();
        tracing::info!("{name}: applying");
        let result = self
            .apply_one(self.stack(&name), review, mode, &current)
            .await;
        self.ctx
            .sink
            .finish(&name, &format!("terraform apply {name}"));
        let result = result?;
        if matches!(result.status, StackStatus::Applied | StackStatus::Unchanged) {
            let values = stack::outputs(&self.ctx, self.stack(&name)).await?;
            outputs
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.clone(), values);
        }
        Ok(result)
    }

    async fn apply_one(
        &self,
        stack: &Stack,
        review: &StackSummary,
        mode: ApplyMode,
        outputs: &StackOutputs,
    ) -> Result<StackSummary, TerraformError> {
        if review.status != StackStatus::Planned {
            return Ok(StackSummary::without_plan(
                StackStatus::Skipped,
                format!(
                    "skipped: its reviewed plan is {:?}, not planned",
                    review.status
                ),
            ));
        }
        let started_at = now_rfc3339();
        stack::init(&self.ctx, stack).await?;
        let plan_file = self.ctx.plan_file(&stack.name);
        let replan = mode != ApplyMode::SavedPlans || review.provisional || !plan_file.is_file();
        if !replan {
            if !review.has_changes() {
                return Ok(with_status(
                    review.clone(),
                    StackStatus::Unchanged,
                    started_at,
                ));
            }
            stack::apply(&self.ctx, stack, &plan_file).await?;
            return Ok(with_status(
                review.clone(),
                StackStatus::Applied,
                started_at,
            ));
        }
        let unresolved = self.write_inputs(stack, outputs)?;
        let planned = stack::plan(&self.ctx, stack, false).await;
        self.drop_extra_variables(stack, outputs)?;
        let (plan, version) = planned?;
        let fresh = summarize(&plan, version, unresolved, started_at.clone());
        if mode != ApplyMode::Unreviewed && fresh.change_set_hash != review.change_set_hash {
            let differ = differing_addresses(&review.change_digests, &fresh.change_digests);
            let mut entry = fresh;
            entry.status = StackStatus::PlanChanged;
            entry.message = Some(format!(
                "the change set differs from the reviewed one ({} → {}) at: {}",
                short_hash(&review.change_set_hash),
                short_hash(&entry.change_set_hash),
                differ.join(", ")
            ));
            return Ok(entry);
        }
        if !fresh.has_changes() {
            return Ok(with_status(fresh, StackStatus::Unchanged, started_at));
        }
        stack::apply(&self.ctx, stack, &plan_file).await?;
        Ok(with_status(fresh, StackStatus::Applied, started_at))
    }
}

fn summarize(
    plan: &PlanJson,
    version: String,
    unresolved: Vec<String>,
    started_at: String,
) -> StackSummary {
    let (counts, addresses) = plan.summary_counts();
    let digests = plan.change_digests();
    StackSummary {
        status: StackStatus::Planned,
        counts,
        addresses,
        change_set_hash: change_set_hash(&digests),
        change_digests: digests,
        provisional: !unresolved.is_empty(),
        unresolved_inputs: unresolved,
        terraform_version: version,
        started_at,
        finished_at: now_rfc3339(),
        message: None,
    }
}

fn with_status(mut entry: StackSummary, status: StackStatus, started_at: String) -> StackSummary {
    entry.status = status;
    entry.started_at = started_at;
    entry.finished_at = now_rfc3339();
    entry
}

fn short_hash(hash: &str) -> &str {
    let end = hash.len().min("sha256:".len() + 12);
    &hash[..end]
}
