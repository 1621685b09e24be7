//! `status`: resolve the selection, read every region, print the table (or JSON).

use crate::cli::{Cli, OutputFormat, StatusArgs};
use crate::config::Config;
use crate::error::Error;
use crate::outcome::Outcome;
use crate::rollout::{ImageRef, RolloutError, status};
use crate::runner::Workflow;

use super::rollout::{Selection, clients, options};

pub async fn run(cli: &Cli, args: &StatusArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let config = Config::load(&cli.config)?;
    let targets = super::terraform::load_targets(
        &config,
        cli.role_to_assume.as_deref(),
        args.scope.targets.as_deref(),
        workflow,
    )
    .await?;
    let placeholder = ImageRef {
        registry: None,
        repository: String::new(),
        digest: String::new(),
    };
    let opts = options(
        &config,
        &Selection {
            regions: &args.scope.regions,
            services: &args.scope.services,
            timeout: None,
            wait_for_inflight: false,
            dry_run: true,
        },
        placeholder,
        String::new(),
    )?;
    let regions: Vec<String> = opts.waves().into_iter().flatten().collect();
    for region in &regions {
        if !targets.contains_key(region) {
            return Err(RolloutError::MissingRegion {
                region: region.clone(),
                available: targets.keys().cloned().collect::<Vec<_>>().join(", "),
            }
            .into());
        }
    }
    let services: Vec<String> = opts.services.iter().map(|s| s.name.clone()).collect();
    let clients = clients(&config, cli.role_to_assume.as_deref(), &opts, workflow).await?;
    let report = status::gather(&regions, &services, &targets, &clients, args.history)
        .await
        .map_err(RolloutError::from)?;
    if cli.output == OutputFormat::Text {
        print!("{}", report.render_text());
    }
    let data = serde_json::to_value(&report).unwrap_or_default();
    Ok(Outcome::success(format!(
        "status of {} service(s) in {}",
        report.services.len(),
        regions.join(", ")
    ))
    .with_data(data))
}
