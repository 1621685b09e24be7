//! `status`: resolve the selection, read every region, print the table (or JSON).

use crate::cli::{Cli, OutputFormat, StatusArgs};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::rollout::{ImageRef, RolloutError, status};
use crate::runner::Workflow;

use crate::pipeline;
use crate::settings::{Selection, Settings};

pub async fn run(cli: &Cli, args: &StatusArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let targets =
        pipeline::targets::load(&settings, args.scope.targets.as_deref(), workflow).await?;
    let placeholder = ImageRef {
        registry: None,
        repository: String::new(),
        digest: String::new(),
    };
    let opts = settings.rollout_options(
        &Selection {
            regions: &args.scope.places.regions,
            services: &args.scope.places.services,
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
    let clients = settings.clients(&regions, workflow).await?;
    let mut report = status::gather(&regions, &services, &targets, &clients, args.history)
        .await
        .map_err(RolloutError::from)?;
    let path = crate::config::gate_parameter_path(&settings.config.project);
    let (gates, unread) = status::waiting_gates(&clients, &regions, &path).await;
    for e in unread {
        workflow.warning_at(&format!("the rollout gates could not be read: {e}"), None);
    }
    report.gates = gates;
    if settings.output == OutputFormat::Text {
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
