use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, DeployArgs, OutputFormat, StackArgs};
use crate::config::Config;
use crate::error::Error;
use crate::git;
use crate::github::workflow::Workflow;
use crate::outcome::{Outcome, OutcomeKind};
use crate::pipeline::DeployPlan;

/// `deploy`: the whole release. The dry run plans every stack for real (offline with --offline) and
/// prints what the image and rollout steps would do.
pub async fn run(
    cli: &Cli,
    args: &DeployArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    if !args.dry_run {
        return Err(Error::Usage {
            message: "deploy without --dry-run is not available in this version".into(),
            fix: "run `platform-deploy deploy --dry-run` to see the plan".into(),
        });
    }
    let config = Config::load(&cli.config)?;
    let sha = git::release_sha(args.release.git_sha.as_deref(), &config.root)?;
    let plan = DeployPlan::new(&config, &sha, args.dry_run, args.offline);
    let mut text = plan.render_text();

    let stacks = StackArgs {
        stacks: Vec::new(),
        with_deps: false,
        parallelism: None,
        offline: args.offline,
    };
    let out_dir = PathBuf::from(".platform-deploy/plans");
    let summary =
        super::terraform::plan_stacks(&config, &stacks, &out_dir, workflow, cancel).await?;
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
