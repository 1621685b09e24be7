//! `failover`: read the request, build the clients of both regions, run the checklist, report.

use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::cli::{Cli, FailoverArgs, OutputFormat};
use crate::config::Config;
use crate::error::Error;
use crate::failover::{Direction, Failover, FailoverOptions, Waits};
use crate::outcome::Outcome;
use crate::rollout::Progress;
use crate::runner::Workflow;
use crate::settings::Settings;
use crate::terraform::session;

/// Aurora switchovers and task start-up take minutes; half an hour means something is wrong.
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

pub async fn run(
    cli: &Cli,
    args: &FailoverArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let config = &settings.config;
    let direction = direction(config, args)?;
    let timeout = match args.timeout.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_TIMEOUT,
        Some(text) => humantime::parse_duration(text).map_err(|e| Error::Usage {
            message: format!("--timeout {text}: {e}"),
            fix: "give a duration such as 30m or 1h".into(),
        })?,
    };
    let opts = FailoverOptions {
        direction,
        allow_data_loss: args.allow_data_loss,
        drill: args.drill,
        checklist: args.checklist.clone(),
        waits: Waits {
            poll: config.rollout.poll_interval,
            timeout,
        },
        primary_down: args.primary_down,
    };

    let regions: Vec<String> = config.regions().into_iter().map(str::to_string).collect();
    let clients = settings.clients(&regions, workflow).await?;
    let mut terraform = session::context(
        config,
        false,
        settings.role.as_deref(),
        Path::new(".platform-deploy/failover-plans"),
        workflow,
        cancel.clone(),
    )?;
    if args.primary_down {
        terraform.unreachable.insert(config.primary_region.clone());
    }
    let failover = Failover {
        config,
        terraform,
        aws: clients,
        progress: Progress::stderr(),
        cancel,
    };
    let report = failover.run(&opts).await?;
    if settings.output == OutputFormat::Text {
        print!("{}", report.render_text());
    }
    workflow.append_summary(&report.render_markdown())?;
    let data = serde_json::to_value(&report).unwrap_or_default();
    // The whole message: a refused step's fix and how to continue follow its first line.
    let message = report.message.clone();
    Ok(Outcome::new(report.outcome, message).with_data(data))
}

fn direction(config: &Config, args: &FailoverArgs) -> Result<Direction, Error> {
    if let Some(to) = &args.to {
        return Ok(Direction::To(to.clone()));
    }
    match (&args.from, config.dr_regions.as_slice()) {
        (Some(from), _) => Ok(Direction::Back { from: from.clone() }),
        (None, [only]) => Ok(Direction::Back { from: only.clone() }),
        (None, many) => Err(Error::Usage {
            message: format!(
                "--back: {} has {} DR regions, which one to leave is not clear",
                config.path.display(),
                many.len()
            ),
            fix: format!("add --from with one of: {}", many.join(", ")),
        }),
    }
}
