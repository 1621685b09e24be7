//! `deploy`: the whole release, in the order of [`DeployPlan`]: Terraform stacks, the image (build,
//! push, replication wait), then the rollout region by region. Each step is the same code as its
//! own subcommand; the first outcome that is not a success ends the release with that outcome.

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::cli::{
    Cli, DeployArgs, EngineArgs, OutputFormat, PushArgs, RolloutArgs, Scope, StackArgs,
};
use crate::config::Config;
use crate::error::Error;
use crate::git;
use crate::outcome::{Outcome, OutcomeKind};
use crate::pipeline::DeployPlan;
use crate::runner::Workflow;
use crate::terraform::run::{ApplyMode, Orchestrator};
use crate::terraform::summary::PlanSummary;
// Where a deploy keeps its plans and the deploy targets it handed to the rollout.
use crate::work_lock::WORK_DIR;

pub async fn run(
    cli: &Cli,
    args: &DeployArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let config = Config::load(&cli.config)?;
    let sha = git::release_sha(args.release.git_sha.as_deref(), &config.root)?;
    let plan = DeployPlan::new(&config, &sha, args.dry_run, args.offline);
    if args.dry_run {
        return dry_run(cli, args, &config, &plan, workflow, cancel).await;
    }
    let plans_dir = PathBuf::from(WORK_DIR).join("plans");
    let mut steps = serde_json::Map::new();
    steps.insert(
        "plan".into(),
        serde_json::to_value(&plan).unwrap_or_default(),
    );

    // 1. Terraform
    if !args.skip_terraform {
        let _group = workflow.group("platform-deploy: terraform");
        let outcome =
            apply_stacks(cli, args, &config, &plans_dir, workflow, cancel.clone()).await?;
        steps.insert("terraform".into(), outcome.data.clone());
        if !outcome.outcome.is_success() {
            return Ok(finish(outcome, steps));
        }
    }

    if let Some(stopped) = cancelled(&cancel, "after the Terraform step", &mut steps) {
        return Ok(stopped);
    }

    // 2. The targets Terraform exported, handed to the rollout through a file kept for rollbacks.
    let targets = super::terraform::deploy_targets(
        &config,
        cli.role_to_assume.as_deref(),
        &plans_dir,
        workflow,
        cancel.clone(),
    )
    .await?;
    let targets_file = PathBuf::from(WORK_DIR).join("deploy-targets.json");
    let text = serde_json::to_string_pretty(&targets).unwrap_or_default();
    std::fs::write(&targets_file, text).map_err(Error::Output)?;

    // 3. Image: build, push, wait for replication.
    let push_args = PushArgs {
        registry_endpoint: args.registry_endpoint.clone(),
        dry_run: false,
        image: None,
        engine: EngineArgs {
            no_cache: false,
            pull: false,
            platform: None,
            cache_from: Vec::new(),
        },
        release: args.release.clone(),
    };
    let pushed = super::push::run(cli, &push_args, workflow).await?;
    steps.insert("image".into(), pushed.data.clone());
    if !pushed.outcome.is_success() {
        return Ok(finish(pushed, steps));
    }
    let (Some(repository), Some(digest)) = (
        pushed.data["repository"].as_str(),
        pushed.data["digest"].as_str(),
    ) else {
        return Ok(finish(
            Outcome::new(OutcomeKind::Failed, "the push reported no digest"),
            steps,
        ));
    };

    if let Some(stopped) = cancelled(
        &cancel,
        "after the image was pushed, before any rollout",
        &mut steps,
    ) {
        return Ok(stopped);
    }

    // 4. Rollout, region by region.
    let rollout_args = RolloutArgs {
        image: format!("{repository}@{digest}"),
        scope: Scope {
            targets: Some(targets_file),
            ..Scope::default()
        },
        dry_run: false,
        timeout: args.timeout.clone(),
        wait_for_inflight: false,
        release: args.release.clone(),
    };
    let rolled = super::rollout::run(cli, &rollout_args, workflow, cancel).await?;
    steps.insert("rollout".into(), rolled.data.clone());
    let message = if rolled.outcome.is_success() {
        format!(
            "released {repository}@{digest} at {}: {}",
            &sha[..12],
            rolled.message
        )
    } else {
        rolled.message.clone()
    };
    Ok(finish(Outcome::new(rolled.outcome, message), steps))
}

/// A signal between steps ends the release there (nothing is in flight to stop).
fn cancelled(
    cancel: &CancellationToken,
    when: &str,
    steps: &mut serde_json::Map<String, serde_json::Value>,
) -> Option<Outcome> {
    cancel.is_cancelled().then(|| {
        finish(
            Outcome::new(OutcomeKind::Cancelled, format!("cancelled {when}")),
            std::mem::take(steps),
        )
    })
}

fn finish(outcome: Outcome, steps: serde_json::Map<String, serde_json::Value>) -> Outcome {
    let kind = outcome.outcome;
    Outcome::new(kind, outcome.message).with_data(serde_json::Value::Object(steps))
}

/// Plans every stack, then applies in graph order: held to the reviewed plans when given, else
/// each stack is planned right before its apply with its upstreams' fresh outputs.
async fn apply_stacks(
    cli: &Cli,
    args: &DeployArgs,
    config: &Config,
    plans_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let stacks = StackArgs {
        stacks: Vec::new(),
        with_deps: false,
        parallelism: None,
        offline: false,
    };
    let (reviewed, mode, dir) = match &args.reviewed_plans {
        Some(dir) => (PlanSummary::read(dir)?, ApplyMode::Replan, dir.clone()),
        None => {
            let summary = super::terraform::plan_stacks(
                config,
                &stacks,
                cli.role_to_assume.as_deref(),
                plans_dir,
                workflow,
                cancel.clone(),
            )
            .await?;
            let failed = summary.failed();
            if !failed.is_empty() {
                let data = serde_json::to_value(&summary).unwrap_or_default();
                return Ok(Outcome::new(
                    OutcomeKind::Failed,
                    format!("plan failed for: {}", failed.join(", ")),
                )
                .with_data(data));
            }
            (summary, ApplyMode::Unreviewed, plans_dir.to_path_buf())
        }
    };
    let ctx = super::terraform::context(
        config,
        false,
        cli.role_to_assume.as_deref(),
        &dir,
        workflow,
        cancel,
    )?;
    let orchestrator = Orchestrator::new(config, ctx, None);
    let selected = orchestrator.select(&[], false)?;
    let applied = orchestrator.apply(&selected, &reviewed, mode).await?;
    let text = applied.render_text();
    if cli.output == OutputFormat::Text {
        print!("{text}");
    }
    Ok(super::terraform::apply_outcome(&applied))
}

async fn dry_run(
    cli: &Cli,
    args: &DeployArgs,
    config: &Config,
    plan: &DeployPlan,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let mut text = plan.render_text();
    let stacks = StackArgs {
        stacks: Vec::new(),
        with_deps: false,
        parallelism: None,
        offline: args.offline,
    };
    let out_dir = PathBuf::from(WORK_DIR).join("plans");
    let summary = super::terraform::plan_stacks(
        config,
        &stacks,
        cli.role_to_assume.as_deref(),
        &out_dir,
        workflow,
        cancel,
    )
    .await?;
    text.push_str("\nTerraform plans (saved in .platform-deploy/plans):\n");
    text.push_str(&summary.render_text());
    if cli.output == OutputFormat::Text {
        print!("{text}");
    }
    workflow.append_summary(&format!(
        "## platform-deploy: deploy plan\n\n```text\n{text}```\n"
    ))?;
    let data = serde_json::json!({ "plan": plan, "terraform": summary });
    let failed = summary.failed();
    if !failed.is_empty() {
        return Ok(Outcome::new(
            OutcomeKind::Failed,
            format!("dry run: plan failed for {}", failed.join(", ")),
        )
        .with_data(data));
    }
    Ok(Outcome::success("dry run: deploy plan printed; nothing was changed").with_data(data))
}
