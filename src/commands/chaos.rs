//! `chaos`: find the experiment in the region's deploy targets, check that it may run (the region serves
//! traffic, the template stops on alarms), then run and watch it, or only list / show.

use std::collections::BTreeMap;
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::chaos::{self, ChaosError, Ending, Report, Watch};
use crate::cli::{ChaosArgs, Cli, OutputFormat};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::pipeline;
use crate::rollout::{DeployTargets, RolloutError, alarms};
use crate::runner::Workflow;
use crate::settings::Settings;

pub async fn run(
    cli: &Cli,
    args: &ChaosArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let settings = Settings::load(cli, workflow)?;
    let config = &settings.config;
    let watch = Watch {
        poll_interval: duration("--poll-interval", &args.poll_interval)?,
        timeout: duration("--timeout", &args.timeout)?,
    };
    let region = args
        .region
        .clone()
        .unwrap_or_else(|| config.primary_region.clone());
    let targets = pipeline::targets::load(&settings, args.targets.as_deref(), workflow).await?;
    let Some(target) = targets.get(&region) else {
        return Err(RolloutError::MissingRegion {
            region,
            available: targets.keys().cloned().collect::<Vec<_>>().join(", "),
        }
        .into());
    };
    if args.list {
        return Ok(list_experiments(
            &settings,
            &region,
            &target.chaos_experiments,
        ));
    }
    let (name, template_id) = choose_experiment(args, &region, target)?;

    let clients = settings
        .clients(std::slice::from_ref(&region), workflow)
        .await?;
    let aws = &clients[&region];
    let fis = &aws.fis;
    let template = chaos::template(fis, template_id).await?;
    tracing::info!(
        "{name} in {region}: template {} ({}), stops on {}",
        template.id,
        template.actions.join(", "),
        template.stop_conditions.join(", ")
    );
    if args.dry_run {
        return Ok(Outcome::success(format!(
            "dry run: would start {name} in {region} (template {}); it stops on {} alarm(s)",
            template.id,
            template.stop_conditions.len()
        ))
        .with_data(
            serde_json::json!({ "region": region, "experiment": name, "template": template }),
        ));
    }

    let started_by = settings.runner.who().unwrap_or_else(|| "unknown".into());
    let begun = Instant::now();
    let progress = |line: &str| tracing::info!("{line}");
    let finished = chaos::run(fis, &template, &started_by, &watch, &cancel, &progress).await?;
    let message = ending_message(&finished, &name, &region, &args.timeout, aws, &template).await;
    let kind = finished.ending.kind();
    let report = Report {
        region,
        experiment: name,
        template,
        finished,
        seconds: begun.elapsed().as_secs(),
    };
    let _ = workflow.set_output("experiment-id", &report.finished.experiment_id);
    Ok(Outcome::new(kind, message).with_data(serde_json::to_value(&report).unwrap_or_default()))
}

/// `--list`: the region's experiments, one `name<TAB>template id` a line in text output.
fn list_experiments(
    settings: &Settings,
    region: &str,
    experiments: &BTreeMap<String, String>,
) -> Outcome {
    if settings.output == OutputFormat::Text {
        for (name, id) in experiments {
            println!("{name}\t{id}");
        }
    }
    Outcome::success(format!(
        "{} chaos experiment(s) in {region}",
        experiments.len()
    ))
    .with_data(serde_json::json!({ "region": region, "experiments": experiments }))
}

/// The experiment `--experiment` names and its template id, if the region may run it at all.
fn choose_experiment<'a>(
    args: &ChaosArgs,
    region: &str,
    target: &'a DeployTargets,
) -> Result<(String, &'a String), Error> {
    let region = region.to_string();
    let experiments = &target.chaos_experiments;
    let name = args.experiment.clone().unwrap_or_default();
    if target.traffic_role.as_deref() == Some("standby") {
        return Err(ChaosError::Standby { region }.into());
    }
    if experiments.is_empty() {
        return Err(ChaosError::NoExperiments { region }.into());
    }
    let Some(template_id) = experiments.get(&name) else {
        return Err(ChaosError::UnknownExperiment {
            name,
            region,
            available: experiments.keys().cloned().collect::<Vec<_>>().join(", "),
        }
        .into());
    };
    Ok((name, template_id))
}

/// The one-line summary of how the experiment ended.
async fn ending_message(
    finished: &chaos::Finished,
    name: &str,
    region: &str,
    timeout: &str,
    aws: &RegionClients,
    template: &chaos::Template,
) -> String {
    match finished.ending {
        Ending::Completed => format!("{name} in {region} completed: the platform kept its SLOs"),
        Ending::StoppedByAlarm => format!(
            "{name} in {region} was halted by {} and FIS reverted its faults: {}",
            firing_stop_conditions(&aws.cloudwatch, region, template).await,
            finished.reason
        ),
        Ending::Failed => format!(
            "{name} in {region}: FIS failed the experiment: {}",
            finished.reason
        ),
        Ending::Cancelled => format!("{name} in {region} interrupted: the experiment was stopped"),
        Ending::TimedOut => {
            format!("{name} in {region} had not ended after {timeout}: the experiment was stopped")
        }
    }
}

/// Which stop-condition alarms are in ALARM, for the message (FIS's own reason may not name them).
async fn firing_stop_conditions(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    region: &str,
    template: &chaos::Template,
) -> String {
    let names: Vec<String> = template
        .stop_conditions
        .iter()
        .filter_map(|arn| arn.split_once(":alarm:").map(|(_, name)| name.to_string()))
        .collect();
    let firing: Vec<String> = alarms::describe(cloudwatch, region, &names)
        .await
        .map(|states| {
            states
                .into_iter()
                .filter(|s| s.firing())
                .map(|s| s.name)
                .collect()
        })
        .unwrap_or_default();
    if firing.is_empty() {
        "a stop condition".to_string()
    } else {
        format!("its stop condition {} in ALARM", firing.join(", "))
    }
}

/// A duration flag above zero (a zero poll interval would call FIS in a tight loop).
fn duration(flag: &str, value: &str) -> Result<std::time::Duration, Error> {
    match humantime::parse_duration(value) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(format!("{flag} {value:?} is zero")),
        Err(e) => Err(format!("{flag} {value:?} is not a duration: {e}")),
    }
    .map_err(|message| Error::Usage {
        message,
        fix: format!("write a duration above zero like 30m, 1h or 90s, e.g. {flag} 30m"),
    })
}
