//! A run's terraform session: what every terraform command of a run shares (binary, backend,
//! credentials, output folder, cancellation), and the operations the commands and the pipeline
//! build on: plan the selected stacks, read the regional stacks' outputs, and map an apply's
//! summary to its outcome.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::TerraformError;
use super::credentials;
use super::process::GroupedLines;
use super::run::Orchestrator;
use super::stack::{self, RunContext};
use super::summary::PlanSummary;
use crate::config::Config;
use crate::outcome::{Outcome, OutcomeKind};
use crate::runner::Workflow;

/// Terraform 1.5 brought `import` blocks and the plan JSON fields we read.
const MIN_TERRAFORM: (u32, u32) = (1, 5);

/// Which stacks a run plans or applies, and how.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Stack names; every stack when empty.
    pub stacks: Vec<String>,
    /// With `stacks`: also the stacks they depend on.
    pub with_deps: bool,
    /// How many stacks run at once (`None`: terraform.parallelism, else all that are ready).
    pub parallelism: Option<usize>,
    /// No AWS access: a local backend in a working copy under the output folder.
    pub offline: bool,
}

/// What every terraform command of a run shares. With `role`, terraform gets the role's short-lived
/// credentials through a profile (offline runs use the stacks' fake ones).
pub fn context(
    config: &Config,
    offline: bool,
    role: Option<&str>,
    out_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<RunContext, TerraformError> {
    let out_dir = if out_dir.is_absolute() {
        out_dir.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(out_dir)
    };
    let binary = std::env::current_exe().unwrap_or_else(|_| "platform-deploy".into());
    let role = if offline { None } else { role };
    let aws = credentials::terraform_aws(role, &config.primary_region, &out_dir, &binary);
    if let Some((path, text)) = &aws.config_file {
        let write = |source| TerraformError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&out_dir).map_err(write)?;
        std::fs::write(path, text).map_err(write)?;
    }
    Ok(RunContext {
        binary: config.terraform.binary.clone(),
        offline,
        backend: config.terraform.backend.clone(),
        out_dir,
        sink: if workflow.in_actions() {
            Arc::new(GroupedLines::new(workflow.clone()))
        } else {
            Arc::new(crate::progress::Progress::stderr())
        },
        cancel,
        init_lock: Default::default(),
        variables: Default::default(),
        aws_env: aws.env,
        unreachable: Default::default(),
        read_only: false,
    })
}

/// The stacks a run plans or applies: as configured, or for an offline run in a working copy under
/// the output folder, so the run writes nothing into the stack folders.
pub fn stacks_for_run(
    config: &Config,
    offline: bool,
    out_dir: &Path,
) -> Result<Config, TerraformError> {
    if offline {
        super::offline::working_copy(config, out_dir)
    } else {
        Ok(config.clone())
    }
}

pub async fn check_version(
    binary: &str,
    cancel: &CancellationToken,
) -> Result<String, TerraformError> {
    let version = stack::version(binary, cancel).await?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if found < MIN_TERRAFORM {
        return Err(TerraformError::TooOld {
            found: version,
            required: format!("{}.{}", MIN_TERRAFORM.0, MIN_TERRAFORM.1),
        });
    }
    Ok(version)
}

/// Plans the selected stacks into `out_dir`; shared by `plan` and `deploy`.
pub async fn plan_stacks(
    config: &Config,
    selection: &Selection,
    role: Option<&str>,
    out_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<PlanSummary, TerraformError> {
    check_version(&config.terraform.binary, &cancel).await?;
    let config = &stacks_for_run(config, selection.offline, out_dir)?;
    let orchestrator = Orchestrator::new(
        config,
        context(config, selection.offline, role, out_dir, workflow, cancel)?,
        selection.parallelism,
    );
    let selected = orchestrator.select(&selection.stacks, selection.with_deps)?;
    tracing::info!(
        "planning {} stack(s): {}",
        selected.len(),
        selected.join(", ")
    );
    orchestrator.plan(&selected).await
}

/// The outcome of an apply across stacks (`apply` and `deploy`): a refused change set first,
/// then failures, with the per-stack summary as data.
pub fn apply_outcome(summary: &PlanSummary) -> Outcome {
    let data = serde_json::to_value(summary).unwrap_or_default();
    let changed = summary.plan_changed();
    let failed = summary.failed();
    if !changed.is_empty() {
        Outcome::new(
            OutcomeKind::PlanChanged,
            format!(
                "refused to apply {}: the plan changed since it was reviewed (dependents skipped)",
                changed.join(", ")
            ),
        )
    } else if !failed.is_empty() {
        Outcome::new(
            OutcomeKind::Failed,
            format!("apply failed for: {}", failed.join(", ")),
        )
    } else {
        Outcome::success(format!("applied {} stack(s)", summary.stacks.len()))
    }
    .with_data(data)
}

/// Region → the output `name` of that region's stack (`deploy_targets`, say). A stack without it
/// has not been applied yet, or does not export it.
pub async fn regional_output(
    config: &Config,
    name: &str,
    role: Option<&str>,
    out_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<BTreeMap<String, serde_json::Value>, TerraformError> {
    let regional: Vec<(String, String)> = config
        .regions()
        .into_iter()
        .filter_map(|r| {
            config
                .regional_stack(r)
                .map(|s| (r.to_string(), s.name.clone()))
        })
        .collect();
    let names: Vec<String> = regional.iter().map(|(_, s)| s.clone()).collect();
    let ctx = context(config, false, role, out_dir, workflow, cancel)?;
    let outputs = Orchestrator::new(config, ctx, None)
        .outputs_of(&names)
        .await?;
    let mut map = BTreeMap::new();
    for (region, stack) in regional {
        let value = outputs
            .get(&stack)
            .and_then(|o| o.get(name))
            .cloned()
            .ok_or_else(|| TerraformError::MissingOutput {
                stack: stack.clone(),
                output: name.to_string(),
                region: region.clone(),
                dir: config
                    .stack(&stack)
                    .map(|s| s.dir.clone())
                    .unwrap_or_default(),
            })?;
        map.insert(region, value);
    }
    Ok(map)
}
