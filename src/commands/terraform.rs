//! `plan` and `apply`: the selected stacks through the run's terraform session.

use tokio_util::sync::CancellationToken;

use crate::cli::{ApplyArgs, Cli, OutputFormat, PlanArgs, StackArgs};
use crate::error::Error;
use crate::github::publish::{self, CommentRequest, default_key, github_token};
use crate::outcome::{Outcome, OutcomeKind};
use crate::runner::Workflow;
use crate::settings::Settings;
use crate::terraform::run::{ApplyMode, Orchestrator};
use crate::terraform::session::{self, Selection, apply_outcome, check_version, stacks_for_run};
use crate::terraform::summary::PlanSummary;

fn selection(args: &StackArgs) -> Selection {
    Selection {
        stacks: args.stacks.clone(),
        with_deps: args.with_deps,
        parallelism: args.parallelism.map(usize::from),
        offline: args.offline,
    }
}

pub async fn plan(
    cli: &Cli,
    args: &PlanArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    // The token is masked before anything can print it.
    let token = args.comment.then(|| github_token(workflow)).flatten();
    let settings = Settings::load(cli, workflow)?;
    let summary = session::plan_stacks(
        &settings.config,
        &selection(&args.stacks),
        settings.role.as_deref(),
        &args.out_dir,
        workflow,
        cancel,
    )
    .await?;
    report(cli, workflow, "plan", &summary)?;
    if args.comment {
        let request = CommentRequest {
            key: args
                .comment_key
                .clone()
                .unwrap_or_else(|| default_key(&cli.config)),
            dry_run: false,
            pr: None,
            repo: None,
            head_sha: None,
            max_rate_limit_wait: std::time::Duration::from_secs(60),
        };
        let stacks = crate::github::comment::load_plan_dir(&args.out_dir)?;
        publish::publish(&stacks, &request, token.as_deref(), workflow).await?;
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
    let settings = Settings::load(cli, workflow)?;
    let reviewed = PlanSummary::read(&args.plans)?;
    check_version(&settings.config.terraform.binary, &cancel).await?;
    let config = stacks_for_run(&settings.config, args.stacks.offline, &args.plans)?;
    let orchestrator = Orchestrator::new(
        &config,
        session::context(
            &config,
            args.stacks.offline,
            settings.role.as_deref(),
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
