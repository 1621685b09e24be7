//! What a run needs, resolved once per command: platform.toml, the runner environment (read once,
//! see [`RunnerEnv`]), the release SHA, and how the run reaches AWS — the endpoint override, retries
//! and timeouts, and whose credentials: the job's role through GitHub OIDC (`--role-to-assume`, for
//! every AWS-touching command and the terraform children alike), or the SDK's default chain.
//!
//! Commands build one [`Settings`] and hand typed pieces of it to the steps; no step reads the
//! process environment or the flags itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use aws_credential_types::provider::SharedCredentialsProvider;

use crate::aws::oidc::{GithubOidcCredentials, OidcError, TokenEndpoint};
use crate::aws::{AwsSettings, RegionClients};
use crate::cli::{Cli, OutputFormat};
use crate::config::Config;
use crate::error::Error;
use crate::git::{self, GitError};
use crate::rollout::{ImageRef, RolloutOptions};
use crate::runner::{RunnerEnv, Workflow};

/// The role session's duration: the longest a role allows by default.
pub const SESSION: std::time::Duration = std::time::Duration::from_secs(3600);

/// One run's resolved settings.
pub struct Settings {
    pub config: Config,
    pub runner: RunnerEnv,
    /// The role every AWS call and terraform child of the run assumes (`None`: the default chain).
    pub role: Option<String>,
    pub output: OutputFormat,
    pub verbose: u8,
    aws: OnceLock<AwsSettings>,
}

impl Settings {
    /// Loads platform.toml (`--config`) and takes the run-wide flags and the runner environment.
    pub fn load(cli: &Cli, workflow: &Workflow) -> Result<Settings, Error> {
        Ok(Settings {
            config: Config::load(&cli.config)?,
            runner: workflow.env().clone(),
            role: role(cli.role_to_assume.as_deref()).map(str::to_string),
            output: cli.output,
            verbose: cli.verbose,
            aws: OnceLock::new(),
        })
    }

    /// The commit being released: `--git-sha`, else the run's commit, else the checkout's HEAD.
    pub fn release_sha(&self, flag: Option<&str>) -> Result<String, GitError> {
        git::release_sha(flag, self.runner.sha.as_deref(), &self.config.root)
    }

    /// How the run reaches AWS, with the role's credentials (assumed through STS in the primary
    /// region). The ID-token request token is masked before anything can print it.
    pub fn aws(&self, workflow: &Workflow) -> Result<AwsSettings, OidcError> {
        if let Some(settings) = self.aws.get() {
            return Ok(settings.clone());
        }
        let settings = aws(
            &self.runner,
            self.role.as_deref(),
            &self.config.primary_region,
            Some(workflow),
        )?;
        Ok(self.aws.get_or_init(|| settings).clone())
    }

    /// The clients of `regions`, with the run's credentials.
    pub async fn clients(
        &self,
        regions: &[String],
        workflow: &Workflow,
    ) -> Result<BTreeMap<String, RegionClients>, OidcError> {
        let settings = self.aws(workflow)?;
        let refs: Vec<&str> = regions.iter().map(String::as_str).collect();
        Ok(crate::aws::clients_for(&refs, &settings).await)
    }

    /// Resolves platform.toml plus the flags into a rollout's options (also the base of a
    /// rollback's and of status's).
    pub fn rollout_options(
        &self,
        selection: &Selection<'_>,
        image: ImageRef,
        git_sha: String,
    ) -> Result<RolloutOptions, Error> {
        rollout_options(&self.config, selection, image, git_sha)
    }
}

/// The role to assume, when one is given (an empty `PLATFORM_DEPLOY_ROLE_TO_ASSUME` means none).
pub fn role(role_to_assume: Option<&str>) -> Option<&str> {
    role_to_assume.map(str::trim).filter(|r| !r.is_empty())
}

/// Retries, timeouts, `AWS_ENDPOINT_URL`, and with `role` OIDC credentials assumed through STS in
/// `sts_region`. The ID-token request token is masked (`mask`) before anything can print it.
pub fn aws(
    runner: &RunnerEnv,
    role_to_assume: Option<&str>,
    sts_region: &str,
    mask: Option<&Workflow>,
) -> Result<AwsSettings, OidcError> {
    let mut settings = AwsSettings {
        endpoint_url: std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.is_empty()),
        ..AwsSettings::default()
    };
    if let Some(role) = role(role_to_assume) {
        let endpoint = TokenEndpoint::of_runner(runner).ok_or(OidcError::NotInActions)?;
        if let Some(workflow) = mask {
            workflow.mask(&endpoint.request_token);
        }
        let run_id = runner.run_id.clone().unwrap_or_default();
        let provider = GithubOidcCredentials::new(
            endpoint,
            role,
            &format!("platform-deploy-{run_id}"),
            SESSION,
            GithubOidcCredentials::sts_client(sts_region, settings.endpoint_url.as_deref()),
        );
        settings.credentials = Some(SharedCredentialsProvider::new(provider));
    }
    Ok(settings)
}

/// The flags every command that acts on regions and services shares.
pub struct Selection<'a> {
    pub regions: &'a [String],
    pub services: &'a [String],
    pub timeout: Option<&'a str>,
    pub wait_for_inflight: bool,
    pub dry_run: bool,
}

/// The regions of platform.toml that `asked` (`--region`) selects, in wave order: all of them when
/// it names none; a region that is not in platform.toml is bad input.
pub fn selected_regions(config: &Config, asked: &[String]) -> Result<Vec<String>, Error> {
    let known = config.regions();
    // The action passes unset inputs as empty strings.
    let asked: Vec<&String> = asked.iter().filter(|r| !r.trim().is_empty()).collect();
    for region in &asked {
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
    Ok(known
        .into_iter()
        .filter(|r| asked.is_empty() || asked.iter().any(|a| a == r))
        .map(str::to_string)
        .collect())
}

fn rollout_options(
    config: &Config,
    args: &Selection<'_>,
    image: ImageRef,
    git_sha: String,
) -> Result<RolloutOptions, Error> {
    let regions = selected_regions(config, args.regions)?;
    let wanted_services: Vec<&String> = args
        .services
        .iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    let selected = |r: &str| regions.iter().any(|x| x == r);
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
