use crate::cli::{Cli, DeployArgs, OutputFormat};
use crate::config::Config;
use crate::error::Error;
use crate::git;
use crate::github::workflow::Workflow;
use crate::outcome::Outcome;
use crate::pipeline::DeployPlan;

/// `deploy`: the whole release. Until every step runs for real, only the dry run is available.
pub async fn run(cli: &Cli, args: &DeployArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    if !args.dry_run {
        return Err(Error::Usage {
            message: "deploy without --dry-run is not available in this version".into(),
            fix: "run `platform-deploy deploy --dry-run` to see the plan".into(),
        });
    }
    let config = Config::load(&cli.config)?;
    let sha = git::release_sha(args.release.git_sha.as_deref(), &config.root)?;
    let plan = DeployPlan::new(&config, &sha, args.dry_run, args.offline);
    let text = plan.render_text();
    if cli.output == OutputFormat::Text {
        print!("{text}");
    }
    workflow.append_summary(&format!(
        "## platform-deploy: deploy plan\n\n```text\n{text}```\n"
    ))?;
    let data = serde_json::to_value(&plan).unwrap_or_default();
    Ok(Outcome::success("dry run: deploy plan printed; nothing was changed").with_data(data))
}
