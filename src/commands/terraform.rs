use std::path::Path;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::cli::{ApplyArgs, Cli, OutputFormat, PlanArgs, StackArgs};
use crate::config::Config;
use crate::error::Error;
use crate::outcome::{Outcome, OutcomeKind};
use crate::runner::Workflow;
use crate::terraform::TerraformError;
use crate::terraform::process::{GroupedLines, StderrLines};
use crate::terraform::run::{ApplyMode, Orchestrator};
use crate::terraform::stack::{self, RunContext};
use crate::terraform::summary::PlanSummary;

/// Terraform 1.5 brought `import` blocks and the plan JSON fields we read.
const MIN_TERRAFORM: (u32, u32) = (1, 5);

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
    let aws = crate::settings::terraform_aws(role, &config.primary_region, &out_dir, &binary);
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
            Arc::new(StderrLines)
        },
        cancel,
        init_lock: Default::default(),
        variables: Default::default(),
        aws_env: aws.env,
    })
}

/// The stacks a run plans or applies: as configured, or for an offline run in a working copy under
/// the output folder, so the run writes nothing into the stack folders.
fn stacks_for_run(
    config: &Config,
    offline: bool,
    out_dir: &Path,
) -> Result<Config, TerraformError> {
    if offline {
        crate::terraform::offline::working_copy(config, out_dir)
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

/// Plans the selected stacks; shared by `plan` and `deploy`.
pub async fn plan_stacks(
    config: &Config,
    args: &StackArgs,
    role: Option<&str>,
    out_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<PlanSummary, Error> {
    check_version(&config.terraform.binary, &cancel).await?;
    let config = &stacks_for_run(config, args.offline, out_dir)?;
    let orchestrator = Orchestrator::new(
        config,
        context(config, args.offline, role, out_dir, workflow, cancel)?,
        args.parallelism.map(usize::from),
    );
    let selected = orchestrator.select(&args.stacks, args.with_deps)?;
    tracing::info!(
        "planning {} stack(s): {}",
        selected.len(),
        selected.join(", ")
    );
    Ok(orchestrator.plan(&selected).await?)
}

pub async fn plan(
    cli: &Cli,
    args: &PlanArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    // The token is masked before anything can print it.
    let token = args
        .comment
        .then(|| super::comment::github_token(workflow))
        .flatten();
    let config = Config::load(&cli.config)?;
    let summary = plan_stacks(
        &config,
        &args.stacks,
        cli.role_to_assume.as_deref(),
        &args.out_dir,
        workflow,
        cancel,
    )
    .await?;
    report(cli, workflow, "plan", &summary)?;
    if args.comment {
        let request = super::comment::CommentRequest {
            key: args
                .comment_key
                .clone()
                .unwrap_or_else(|| super::comment::default_key(&cli.config)),
            dry_run: false,
            pr: None,
            repo: None,
            head_sha: None,
            max_rate_limit_wait: std::time::Duration::from_secs(60),
        };
        let stacks = crate::github::comment::load_plan_dir(&args.out_dir)?;
        super::comment::publish_from_env(&stacks, &request, token.as_deref(), workflow).await?;
    }
    let _ = workflow.set_output("plan-changed", &summary.any_changes().to_string());
    let data = serde_json::to_value(&summary).unwrap_or_default();
    let failed = summary.failed();
    if !failed.is_empty() {
        return Ok(Outcome::new(
            OutcomeKind::Failed,
            format!("plan failed for: {}", failed.join(", ")),
        )
        .with_data(data));
    }
    let kind = if args.detailed_exitcode && summary.any_changes() {
        OutcomeKind::ChangesPresent
    } else {
        OutcomeKind::Succeeded
    };
    let message = format!(
        "planned {} stack(s); plans in {}",
        summary.stacks.len(),
        args.out_dir.display()
    );
    Ok(Outcome::new(kind, message).with_data(data))
}

pub async fn apply(
    cli: &Cli,
    args: &ApplyArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let config = Config::load(&cli.config)?;
    let reviewed = PlanSummary::read(&args.plans)?;
    check_version(&config.terraform.binary, &cancel).await?;
    let config = stacks_for_run(&config, args.stacks.offline, &args.plans)?;
    let orchestrator = Orchestrator::new(
        &config,
        context(
            &config,
            args.stacks.offline,
            cli.role_to_assume.as_deref(),
            &args.plans,
            workflow,
            cancel,
        )?,
        args.stacks.parallelism.map(usize::from),
    );
    let selected = orchestrator.select(&args.stacks.stacks, args.stacks.with_deps)?;
    let mode = if args.replan {
        ApplyMode::Replan
    } else {
        ApplyMode::SavedPlans
    };
    let summary = orchestrator.apply(&selected, &reviewed, mode).await?;
    report(cli, workflow, "apply", &summary)?;
    Ok(apply_outcome(&summary))
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

fn report(cli: &Cli, workflow: &Workflow, what: &str, summary: &PlanSummary) -> Result<(), Error> {
    let text = summary.render_text();
    if cli.output == OutputFormat::Text {
        print!("{text}");
    } else {
        eprint!("{text}");
    }
    workflow.append_summary(&format!(
        "## platform-deploy {what}\n\n```text\n{text}```\n"
    ))?;
    Ok(())
}

/// Region → the `deploy_targets` output of that region's stack.
pub async fn deploy_targets(
    config: &Config,
    role: Option<&str>,
    plans_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<serde_json::Value, Error> {
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
    let ctx = super::terraform::context(config, false, role, plans_dir, workflow, cancel)?;
    let outputs = Orchestrator::new(config, ctx, None)
        .outputs_of(&names)
        .await?;
    let mut map = serde_json::Map::new();
    for (region, stack) in regional {
        let value = outputs.get(&stack).and_then(|o| o.get("deploy_targets")).cloned().ok_or_else(|| Error::Usage {
            message: format!("stack {stack} has no `deploy_targets` output, so the services of {region} cannot be found"),
            fix: format!("apply the stack first (or drop --skip-terraform), and make sure {} exports deploy_targets", config.stack(&stack).map(|s| s.dir.display().to_string()).unwrap_or_default()),
        })?;
        map.insert(region, value);
    }
    Ok(serde_json::Value::Object(map))
}

/// The rollout targets: from `--targets FILE` when given, else from the regional stacks' outputs.
pub async fn load_targets(
    config: &Config,
    role: Option<&str>,
    file: Option<&Path>,
    workflow: &Workflow,
) -> Result<std::collections::BTreeMap<String, crate::rollout::targets::DeployTargets>, Error> {
    use crate::rollout::{RolloutError, targets};
    if let Some(file) = file {
        return Ok(targets::load_targets_file(file).map_err(RolloutError::from)?);
    }
    let dir = std::path::PathBuf::from(".platform-deploy/plans");
    let value = deploy_targets(config, role, &dir, workflow, CancellationToken::new()).await?;
    Ok(
        targets::parse_targets_map("terraform output deploy_targets", &value)
            .map_err(RolloutError::from)?,
    )
}
