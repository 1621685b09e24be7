//! `rollout`: resolve the settings, build the clients, wire SIGINT/SIGTERM to the cancellation
//! token, run the rollout, report.

use tokio_util::sync::CancellationToken;

use crate::aws;
use crate::cli::{Cli, OutputFormat, RolloutArgs};
use crate::config::Config;
use crate::error::Error;
use crate::git;
use crate::outcome::Outcome;
use crate::rollout::{self, ImageRef, Progress, RolloutError, RolloutOptions};
use crate::runner::Workflow;

/// `cancel` is cancelled by SIGINT/SIGTERM (see `signals`): every in-flight deployment is then
/// stopped with rollback.
pub async fn run(
    cli: &Cli,
    args: &RolloutArgs,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let config = Config::load(&cli.config)?;
    let image = ImageRef::parse(&args.image).map_err(RolloutError::from)?;
    let git_sha = git::release_sha(args.release.git_sha.as_deref(), &config.root)?;
    let targets = super::terraform::load_targets(
        &config,
        cli.role_to_assume.as_deref(),
        args.scope.targets.as_deref(),
        workflow,
    )
    .await?;
    let opts = options(
        &config,
        &Selection {
            regions: &args.scope.regions,
            services: &args.scope.services,
            timeout: args.timeout.as_deref(),
            wait_for_inflight: args.wait_for_inflight,
            dry_run: args.dry_run,
        },
        image,
        git_sha,
    )?;
    let clients = clients(&config, cli.role_to_assume.as_deref(), &opts, workflow).await?;

    let progress = Progress::stderr();
    let report = rollout::run(&opts, &targets, &clients, &cancel, &progress).await?;

    if cli.output == OutputFormat::Text {
        print!("{}", report.render_text(opts.settings.bake_time));
    }
    workflow.append_summary(&report.render_markdown())?;
    // Step outputs (action.yml): one per line.
    let lines = |f: fn(&rollout::DeploymentResult) -> Option<&String>| {
        report
            .deployments
            .iter()
            .filter_map(f)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (name, value) in [
        (
            "task-definition-arns",
            lines(|d| d.task_definition_arn.as_ref()),
        ),
        ("deployment-ids", lines(|d| d.deployment_id.as_ref())),
    ] {
        if !value.is_empty() {
            let _ = workflow.set_output(name, &value);
        }
    }
    let data = serde_json::to_value(&report).unwrap_or_default();
    Ok(Outcome::new(report.outcome, report.message).with_data(data))
}

/// The AWS clients of every region the options name (OIDC credentials with `role`).
pub(super) async fn clients(
    config: &Config,
    role: Option<&str>,
    opts: &RolloutOptions,
    workflow: &Workflow,
) -> Result<std::collections::BTreeMap<String, aws::RegionClients>, Error> {
    let settings = crate::settings::aws(role, &config.primary_region, Some(workflow))?;
    let regions: Vec<String> = opts.waves().into_iter().flatten().collect();
    let region_refs: Vec<&str> = regions.iter().map(String::as_str).collect();
    Ok(aws::clients_for(&region_refs, &settings).await)
}

/// The flags every command that acts on regions and services shares.
pub(super) struct Selection<'a> {
    pub regions: &'a [String],
    pub services: &'a [String],
    pub timeout: Option<&'a str>,
    pub wait_for_inflight: bool,
    pub dry_run: bool,
}

/// Resolves platform.toml plus the flags into the rollout's settings.
pub(super) fn options(
    config: &Config,
    args: &Selection<'_>,
    image: ImageRef,
    git_sha: String,
) -> Result<RolloutOptions, Error> {
    let known = config.regions();
    // The action passes unset inputs as empty strings.
    let regions: Vec<&String> = args
        .regions
        .iter()
        .filter(|r| !r.trim().is_empty())
        .collect();
    let wanted_services: Vec<&String> = args
        .services
        .iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    for region in &regions {
        if !known.contains(&region.as_str()) {
            return Err(Error::Usage {
                message: format!(
                    "--region {region} is not a region of {}",
                    config.path.display()
                ),
                fix: format!("use one of {}", known.join(", ")),
            });
        }
    }
    let selected = |r: &str| regions.is_empty() || regions.iter().any(|x| *x == r);
    if config.services.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "{} lists no [[services]] to roll out",
                config.path.display()
            ),
            fix: "add a [[services]] entry with name = a key of deploy_targets.services".into(),
        });
    }
    for service in &wanted_services {
        if !config.services.iter().any(|s| &s.name == *service) {
            return Err(Error::Usage {
                message: format!(
                    "--service {service} is not a [[services]] entry of {}",
                    config.path.display()
                ),
                fix: format!(
                    "use one of {}",
                    config
                        .services
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    let services = config
        .services
        .iter()
        .filter(|s| wanted_services.is_empty() || wanted_services.contains(&&s.name))
        .cloned()
        .collect();
    let mut settings = config.rollout.clone();
    if let Some(text) = args.timeout.map(str::trim).filter(|t| !t.is_empty()) {
        match humantime::parse_duration(text) {
            Ok(timeout) if !timeout.is_zero() => settings.timeout = timeout,
            _ => {
                return Err(Error::Usage {
                    message: format!("--timeout {text} is not a duration above zero"),
                    fix: "give a duration such as 90m, 2h or 1h 30m".into(),
                });
            }
        }
    }
    Ok(RolloutOptions {
        image,
        git_sha,
        primary_region: selected(&config.primary_region).then(|| config.primary_region.clone()),
        dr_regions: config
            .dr_regions
            .iter()
            .filter(|r| selected(r))
            .cloned()
            .collect(),
        services,
        settings,
        wait_for_inflight: args.wait_for_inflight,
        dry_run: args.dry_run,
        description: None,
        rollback: false,
    })
}
