//! Command-line types (clap only). Every flag that is also an action input has one `env` name.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Drive a multi-region AWS platform from commit to live traffic.
///
/// platform-deploy plans and applies the Terraform stacks of your platform as a dependency graph,
/// builds and pushes the service image to ECR and waits for cross-region replication, then rolls the
/// release out region by region with CodeDeploy blue/green canary or linear traffic shifting, rolling
/// back when a CloudWatch alarm fires.
///
/// Everything is described by one file, platform.toml; names Terraform already knows (clusters,
/// services, deployment groups, alarms) come from the regional stacks' `deploy_targets` output.
#[derive(Debug, Parser)]
#[command(
    name = "platform-deploy",
    version,
    propagate_version = true,
    after_long_help = "Exit codes: 0 success, 1 unexpected error, 2 bad input, 3 plan changed since review, \
4 rolled back, 5 failed without rollback, 6 timed out, 7 cancelled, 8 pre-flight refused, \
10 changes present (plan --detailed-exitcode).\n\nStart with:  platform-deploy config check\n\
Then:        platform-deploy deploy --dry-run --offline"
)]
pub struct Cli {
    /// Path of platform.toml.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "PLATFORM_DEPLOY_CONFIG",
        default_value = "platform.toml",
        value_name = "PATH"
    )]
    pub config: PathBuf,

    /// `text` for people; `json` prints the outcome as one JSON object on stdout (logs stay on stderr).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "PLATFORM_DEPLOY_OUTPUT",
        default_value_t = OutputFormat::Text
    )]
    pub output: OutputFormat,

    /// More log detail (-v debug, -vv trace). RUST_LOG overrides it.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check platform.toml and show the settings it resolves to.
    Config(ConfigArgs),
    /// Run the whole release: Terraform stacks, image, rollout, region by region.
    ///
    /// With --dry-run it prints every step it would take and sends nothing that changes anything;
    /// with --offline as well it needs no AWS credentials or network at all.
    Deploy(DeployArgs),
    /// Release an image to every service, region by region, with CodeDeploy canary or linear
    /// traffic shifting; stop and roll back the moment a gating alarm fires.
    ///
    /// The primary region goes first; after it succeeds and its alarms stay OK for
    /// rollout.bake_time, the DR regions follow (rollout.dr_waves). Before anything changes, a
    /// pre-flight checks every region: the image digest is in the region's ECR repository, no gating
    /// alarm is already firing, no other deployment runs on the group, the group has alarms
    /// (rollout.require_alarms). SIGINT/SIGTERM stop every in-flight deployment with rollback.
    #[command(after_long_help = ROLLOUT_EXAMPLES)]
    Rollout(RolloutArgs),
}

const ROLLOUT_EXAMPLES: &str = "Examples:
  # See the task definition diff, AppSpec, CreateDeployment request and waves; change nothing:
  platform-deploy rollout --image shop/api@sha256:4f5e... --targets targets.json --dry-run

  # Release to every region of platform.toml, giving up (and rolling back) after 2 hours:
  platform-deploy rollout --image shop/api@sha256:4f5e... --targets targets.json --timeout 2h

  # Only the api service in the DR region, after the deployment already running there:
  platform-deploy rollout --image shop/api@sha256:4f5e... --targets targets.json \\
      --region eu-west-1 --service api --wait-for-inflight

The --targets file maps each region to its stack's deploy_targets output, e.g. made with
  jq -n --argjson use1 \"$(terraform -chdir=terraform/regions/us-east-1 output -json deploy_targets)\" \\
        --argjson euw1 \"$(terraform -chdir=terraform/regions/eu-west-1 output -json deploy_targets)\" \\
        '{\"us-east-1\": $use1, \"eu-west-1\": $euw1}' > targets.json

Exit codes: 0 succeeded, 2 bad input, 4 rolled back (alarm, failed hook or failed deployment),
5 failed without rollback, 6 timed out (stopped with rollback), 7 cancelled (stopped with
rollback), 8 pre-flight refused (nothing changed).";

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate platform.toml (exit 2 with file:line:column and the fix on any problem) and print
    /// the resolved settings.
    Check,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Show every step and request without sending any that changes anything.
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Work without AWS credentials or network: stacks plan against no backend with fake
    /// credentials. Only meaningful with --dry-run.
    #[arg(long, requires = "dry_run")]
    pub offline: bool,

    #[command(flatten)]
    pub release: ReleaseArgs,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// The image to release, pinned by digest: REPOSITORY@sha256:DIGEST (a registry host may
    /// precede the repository). Each region runs it from its own ECR repository.
    #[arg(long, env = "PLATFORM_DEPLOY_IMAGE", value_name = "REPO@sha256:DIGEST")]
    pub image: String,

    /// JSON file mapping each region to its stack's `deploy_targets` output (the value, the
    /// `{"value": ...}` wrapper, or the whole `terraform output -json`).
    #[arg(long, env = "PLATFORM_DEPLOY_TARGETS", value_name = "FILE")]
    pub targets: PathBuf,

    /// Only this region (repeatable, or comma-separated). Default: every region of platform.toml.
    #[arg(
        long = "region",
        env = "PLATFORM_DEPLOY_REGIONS",
        value_delimiter = ',',
        value_name = "REGION"
    )]
    pub regions: Vec<String>,

    /// Only this service (repeatable, or comma-separated). Default: every [[services]] entry.
    #[arg(
        long = "service",
        env = "PLATFORM_DEPLOY_SERVICES",
        value_delimiter = ',',
        value_name = "SERVICE"
    )]
    pub services: Vec<String>,

    /// Print the task definition diff, AppSpec, CreateDeployment request and wave plan; register
    /// and deploy nothing (read-only AWS calls only).
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Give up after this long (e.g. 90m, 2h): in-flight deployments are stopped with rollback.
    /// Overrides rollout.timeout. There is no other cap on waits.
    /// (An empty value, as the action passes when the input is unset, means rollout.timeout.)
    #[arg(long, env = "PLATFORM_DEPLOY_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,

    /// If another deployment runs on a deployment group, wait for it to finish instead of
    /// refusing to start.
    #[arg(long, env = "PLATFORM_DEPLOY_WAIT_FOR_INFLIGHT")]
    pub wait_for_inflight: bool,

    /// In GitHub Actions: assume this IAM role with the job's OIDC ID token, and assume it again
    /// before the session expires, so rollouts longer than the role's session keep working
    /// (needs `permissions: id-token: write`).
    #[arg(long, env = "PLATFORM_DEPLOY_ROLE_TO_ASSUME", value_name = "ARN")]
    pub role_to_assume: Option<String>,

    #[command(flatten)]
    pub release: ReleaseArgs,
}

/// Identifies the release being shipped.
#[derive(Debug, Args, Clone)]
pub struct ReleaseArgs {
    /// The commit being released (tags the image and the task definition). Defaults to GITHUB_SHA,
    /// then `git rev-parse HEAD` in the folder of platform.toml.
    #[arg(long, env = "PLATFORM_DEPLOY_GIT_SHA", value_name = "SHA")]
    pub git_sha: Option<String>,
}
