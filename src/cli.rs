//! Command-line types (clap only). Every flag that is also an action input has one `env` name.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Drive a multi-region AWS platform from commit to live traffic.
///
/// platform-deploy plans and applies the Terraform stacks of your platform as a dependency graph,
/// builds and pushes the service image to ECR and waits for cross-region replication, then rolls the
/// release out region by region with blue/green canary or linear traffic shifting (through CodeDeploy
/// or the ECS deployment controller), rolling back when a CloudWatch alarm fires.
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

    /// In GitHub Actions: assume this IAM role with the job's OIDC ID token for every AWS call of the
    /// run — the SDK clients, the registry login and the terraform children (through a profile
    /// whose credential_process is `platform-deploy aws-credentials`) — and assume it again before
    /// the session expires, so long applies and rollouts keep working. Needs
    /// `permissions: id-token: write`. Without it, the SDK's default credential chain.
    #[arg(
        long,
        global = true,
        env = "PLATFORM_DEPLOY_ROLE_TO_ASSUME",
        value_name = "ARN"
    )]
    pub role_to_assume: Option<String>,

    /// Refuse (exit 2) instead of waiting when another platform-deploy run is using the same work
    /// folder (.platform-deploy, or the --out-dir / --plans folder).
    #[arg(long, global = true, env = "PLATFORM_DEPLOY_NO_WAIT")]
    pub no_wait: bool,

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
    /// Plan every Terraform stack (all at once) and save the plans for review and apply.
    ///
    /// Writes <out-dir>/<stack>.tfplan, <stack>.json (terraform show -json) and summary.json with
    /// per-stack counts and the change-set hash that `apply` is held to.
    #[command(
        after_help = "Examples:\n  platform-deploy plan --offline              # no AWS access: local backend, fake credentials\n  platform-deploy plan --stack global --with-deps\n  platform-deploy plan --detailed-exitcode    # exit 10 when any stack has changes (drift checks)"
    )]
    Plan(PlanArgs),
    /// Apply the reviewed plans in dependency order; refuse any stack whose change set differs.
    #[command(
        after_help = "Examples:\n  platform-deploy apply --plans .platform-deploy/plans            # apply the saved plans as they are\n  platform-deploy apply --plans reviewed/ --replan                 # plan again, apply only if identical (exit 3 if not)"
    )]
    Apply(ApplyArgs),
    /// Build the service image through the Docker Engine API and tag it locally.
    ///
    /// The build context is image.context from platform.toml, sent as a stream with .dockerignore
    /// applied exactly as `docker build` applies it (the Dockerfile and .dockerignore are always
    /// sent). The image is tagged REPOSITORY:SHA (or the 12-character short SHA, per image.tag) and
    /// with image.extra_tags, and labelled with org.opencontainers.image.revision, .source and
    /// .created. With --dry-run nothing is built: it prints the build request and what the context
    /// holds (no daemon needed).
    #[command(after_help = "Examples:\n  \
platform-deploy build\n  \
platform-deploy build --no-cache --platform linux/arm64\n  \
platform-deploy build --dry-run --list-context   # which files .dockerignore lets through\n\n\
Needs a Docker daemon (DOCKER_HOST, or /var/run/docker.sock). Exit codes: 0 built, 1 the build \
failed (the Dockerfile line and the engine's error are shown), 2 bad input or no daemon.\n\
Step outputs in GitHub Actions: image-id, image-tags.")]
    Build(BuildArgs),
    /// Push the image to ECR in the primary region and wait until every DR region has its digest.
    ///
    /// Before anything is pushed it checks that the ECR repository exists and that the registry's
    /// replication configuration covers every DR region (exit 8 otherwise). If the release tag is
    /// already in ECR (tags are immutable), its digest is reused and nothing is rebuilt. Otherwise
    /// it builds the image first, exactly as `platform-deploy build` does, or pushes the local image
    /// given with --image. Registry credentials come from ECR GetAuthorizationToken and are masked.
    /// After the push every DR region is polled for the digest until image.replication_timeout.
    #[command(after_help = "Examples:\n  \
platform-deploy push\n  \
platform-deploy push --dry-run                      # build, check, push nothing\n  \
platform-deploy push --image shop/api:local         # push an image you built\n  \
platform-deploy push --registry-endpoint 127.0.0.1:5101\n\n\
Exit codes: 0 pushed and replicated, 1 failed (build, credentials refused, push), 2 bad input, \
6 replication timed out (the regions are named), 8 pre-flight refused (no repository, replication \
does not cover a DR region, an immutable tag taken).\n\
Step outputs in GitHub Actions: image-digest, image-uri, image-reused.")]
    Push(PushArgs),
    /// Release an image to every service, region by region, with canary or linear traffic
    /// shifting (CodeDeploy, or the ECS deployment controller: deploy_targets says which per
    /// service); stop and roll back the moment a gating alarm fires.
    ///
    /// The primary region goes first; after it succeeds and its alarms stay OK for
    /// rollout.bake_time, the DR regions follow (rollout.dr_waves). Before anything changes, a
    /// pre-flight checks every region: the image digest is in the region's ECR repository, no gating
    /// alarm is already firing, no other deployment runs on the service, the service has alarms
    /// (rollout.require_alarms), the live service is on the controller deploy_targets names. SIGINT/SIGTERM stop every in-flight deployment with rollback.
    #[command(after_long_help = ROLLOUT_EXAMPLES)]
    Rollout(RolloutArgs),
    /// Go back to a known-good release now: stop a running deployment with rollback, or redeploy
    /// the release that was live before the current one.
    ///
    /// For each region and service: a deployment still running on it is stopped with rollback and
    /// its rollback followed to the end. Otherwise the release to go back to is found in its
    /// deployment history (CodeDeploy's, or ECS's service deployments) (the one live before the current one, never one an earlier
    /// rollback rolled back), or named with --to, and deployed with CodeDeployDefault.ECSAllAtOnce
    /// (no canary, no bake), watched like a rollout. The primary region goes first, then each DR
    /// region (--parallel: all at once). A region whose ECR repository lost the digest is refused
    /// (exit 8) before anything changes. Who and why (GITHUB_ACTOR or USER, --reason, the run URL)
    /// go into each deployment's description and the job summary.
    #[command(after_long_help = ROLLBACK_EXAMPLES)]
    Rollback(RollbackArgs),
    /// Show what runs where: per region and service, the live release and what is happening to it.
    ///
    /// Read only. For each region and service: the live task definition revision, its image digest
    /// and git SHA (the platform-deploy:git-sha tag), running/desired tasks (a DR service at 0 shows
    /// as standby), the deployment in flight with its traffic split and lifecycle step, the gating
    /// alarms' states, whether the live digest is in each region's ECR repository, and the last
    /// finished deployments. `--output json` gives the same for machines.
    #[command(after_long_help = "Examples:
  platform-deploy status --targets targets.json
  platform-deploy status --targets targets.json --region eu-west-1 --history 10
  platform-deploy status --targets targets.json --output json | jq '.data.services[].live'")]
    Status(StatusArgs),
    /// Let a rollout held at a [rollout.pause] gate go on.
    ///
    /// Finds the gates waiting in every region of platform.toml (or --region), narrowed by
    /// --service, and records the decision with who (GITHUB_ACTOR or USER) and --reason. The
    /// waiting rollout reads it at its next poll: before-traffic and after-traffic gates continue
    /// the held deployment (CodeDeploy ContinueDeployment, ECS ContinueServiceDeployment), a
    /// dr-waves gate starts the next wave. The decision shows in the rollout's log and job summary.
    #[command(after_long_help = GATE_EXAMPLES)]
    Promote(GateArgs),
    /// Stop a rollout held at a [rollout.pause] gate: its deployment is rolled back (exit 4 for
    /// the rollout), or, before a DR wave, no later wave starts.
    ///
    /// Finds the waiting gates as `promote` does and records the abort with who and why.
    #[command(after_long_help = GATE_EXAMPLES)]
    Abort(GateArgs),
    /// Move live traffic to a DR region (or back) as a resumable checklist.
    ///
    /// --to REGION: promote the Aurora cluster of REGION (a global switchover while the primary
    /// writer is healthy; detach-and-promote only with --allow-data-loss), set the region's traffic
    /// role to active (an SSM parameter the regional stack reads, so later deploys keep it serving),
    /// apply its stack (tasks at full count, NAT gateways), wait until every service has its tasks
    /// running and healthy behind the load balancer, then apply the stacks downstream of it (the
    /// global stack: CloudFront and Route53 prefer REGION).
    ///
    /// --back: check the primary serves, switch the writer back, set the DR role to draining, apply
    /// the DR stack and the edge (traffic returns to the primary), then standby and apply again
    /// (the DR region back to 0 tasks and no NAT).
    ///
    /// Every step checks AWS before it acts and is recorded in the checklist file when done: a rerun
    /// after a failure, a timeout or Ctrl-C continues with the first step not done. --drill runs the
    /// same checks and plans (the DR stack planned with the role it would get), changes nothing,
    /// and reports what each step would do and how long it is expected to take.
    #[command(after_long_help = "Examples:
  platform-deploy failover --to eu-west-1 --drill     # rehearse: checks and plans, no change
  platform-deploy failover --to eu-west-1             # promote eu-west-1
  platform-deploy failover --to eu-west-1 --allow-data-loss   # us-east-1's writer is down
  platform-deploy failover --back                     # return to the primary region

Exit codes: 0 done (or the drill found every step can run), 1 a step failed (rerun to continue),
2 bad input or another unfinished failover recorded, 6 a wait timed out (rerun to continue),
7 interrupted (rerun to continue), 8 refused before changing anything (e.g. the writer is down
and --allow-data-loss was not given).")]
    Failover(FailoverArgs),
    /// Run one of the platform's chaos experiments (AWS FIS) and watch it until it ends.
    ///
    /// EXPERIMENT names a template of the regional stack's chaos module (its deploy_targets output
    /// lists them): az-outage, aurora-failover, and per service <service>-stop-tasks,
    /// -service-outage, -latency and -dependency-blackhole. Before it starts, the region must serve
    /// traffic (a standby DR region runs 0 tasks: FIS would find no target) and the template must
    /// stop on CloudWatch alarms (the SLO alarms). FIS halts the experiment and reverts its faults
    /// as soon as one of those alarms goes to ALARM; Ctrl-C or --timeout stop it from here.
    #[command(after_help = "Examples:
  platform-deploy chaos --list                          # the experiments of the primary region
  platform-deploy chaos api-latency --dry-run           # checks, template and stop conditions
  platform-deploy chaos api-latency
  platform-deploy chaos aurora-failover --region us-east-1 --timeout 30m

Exit codes: 0 completed (the platform kept its SLOs), 1 FIS failed the experiment, 2 bad input,
4 halted by a stop-condition alarm (an SLO broke; FIS reverted the faults), 6 timed out (stopped),
7 interrupted (stopped), 8 refused before starting (a standby region, a template without alarms).
Step output in GitHub Actions: experiment-id.")]
    Chaos(ChaosArgs),
    /// Run the whole release: Terraform stacks, image, rollout, region by region.
    ///
    /// With --dry-run it prints every step it would take and sends nothing that changes anything;
    /// with --offline as well it needs no AWS credentials or network at all.
    Deploy(DeployArgs),
    /// Print short-lived credentials for --role-to-assume in the AWS `credential_process` format.
    ///
    /// Plumbing: a run with --role-to-assume points its terraform children at a profile whose
    /// credential_process is this command, so terraform's AWS provider and S3 backend use the
    /// role too and fetch fresh credentials whenever theirs expire. Prints only the JSON object on
    /// stdout and writes no step outputs.
    #[command(name = "aws-credentials")]
    AwsCredentials(AwsCredentialsArgs),
    /// Post the pull request comment that shows every stack's plan, and the job summary.
    ///
    /// Reads every <stack>.json (`terraform show -json` of a saved plan) and summary.json in the
    /// plan folder. Keeps one comment per PR and comment key: the first run creates it, later runs
    /// edit it in place. Destroys and replacements are never collapsed; destroying or replacing a
    /// stateful resource (databases, buckets, keys, tables, ...) is called out at the top; sensitive
    /// values show as (sensitive). The body stays under GitHub's 65,536-character limit by leaving
    /// detail out (and saying so); the same content goes to the job summary.
    #[command(after_help = "Examples:
  # After `platform-deploy plan`: see the exact comment body without calling GitHub
  platform-deploy comment --dry-run

  # In a pull_request workflow (needs `permissions: pull-requests: write`)
  env GITHUB_TOKEN=... platform-deploy comment --plans .platform-deploy/plans

  # Two pipelines in one repository keep separate comments
  platform-deploy -c infra/platform.toml comment --comment-key infra

  # Outside a PR event
  platform-deploy comment --pr 42 --repo acme/infra --head-sha $(git rev-parse HEAD)

The PR and repository come from GITHUB_EVENT_PATH and GITHUB_REPOSITORY (pull_request and
pull_request_target events); the token from GITHUB_TOKEN; the API from GITHUB_API_URL.
On a fork's pull_request run the token cannot write: the job summary is still written and the
command succeeds with a warning.")]
    Comment(CommentArgs),
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The plan folder: <stack>.json for each stack and summary.json (the --out-dir of `plan`).
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_PLAN_DIR",
        default_value = ".platform-deploy/plans",
        value_name = "DIR"
    )]
    pub plans: PathBuf,

    /// Print the exact body to stdout and call nothing (the job summary is still written).
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Which sticky comment to keep: one per PR and key. Default: the --config path.
    #[arg(long, env = "PLATFORM_DEPLOY_COMMENT_KEY", value_name = "KEY")]
    pub comment_key: Option<String>,

    /// The pull request number. Default: from the pull_request event.
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,

    /// The repository as owner/name. Default: from the event, then GITHUB_REPOSITORY.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// The commit the plans reflect. Default: the PR head from the event.
    #[arg(long, value_name = "SHA")]
    pub head_sha: Option<String>,

    /// Wait out a GitHub rate limit if it asks for no longer than this; fail otherwise.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub max_rate_limit_wait: std::time::Duration,
}

/// Which stacks a Terraform command runs, and how.
#[derive(Debug, Args, Clone)]
pub struct StackArgs {
    /// Run only this stack (repeatable, or comma-separated).
    #[arg(
        long = "stack",
        env = "PLATFORM_DEPLOY_STACKS",
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub stacks: Vec<String>,
    /// With --stack: also run the stacks they depend on.
    #[arg(long)]
    pub with_deps: bool,
    /// How many stacks run at once (default: terraform.parallelism, else all that are ready).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: Option<u16>,
    /// No AWS access: stacks use a local backend under the plan folder and TF_VAR_offline=true.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub stacks: StackArgs,
    /// Where plans and summary.json are written.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_PLAN_DIR",
        default_value = ".platform-deploy/plans",
        value_name = "DIR"
    )]
    pub out_dir: std::path::PathBuf,
    /// Exit 10 when any stack has changes, 0 when none (like terraform plan -detailed-exitcode).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// After planning, create or update the pull request's plan comment (as `comment` does).
    #[arg(long, env = "PLATFORM_DEPLOY_COMMENT")]
    pub comment: bool,
    /// Keeps separate sticky comments for separate pipelines of one repository.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_COMMENT_KEY",
        value_name = "KEY",
        requires = "comment"
    )]
    pub comment_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub stacks: StackArgs,
    /// The folder `plan` wrote (summary.json and the saved plans that were reviewed).
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_PLAN_DIR",
        default_value = ".platform-deploy/plans",
        value_name = "DIR"
    )]
    pub plans: std::path::PathBuf,
    /// Plan again instead of applying the saved plan files, and apply only when the change set is
    /// identical to the reviewed one (exit 3 naming the differing resources otherwise).
    #[arg(long, env = "PLATFORM_DEPLOY_REPLAN")]
    pub replan: bool,
}

/// How the engine builds (shared by `build` and `push`).
#[derive(Debug, Args, Clone, Default)]
pub struct EngineArgs {
    /// Build without the engine's layer cache.
    #[arg(long, env = "PLATFORM_DEPLOY_NO_CACHE")]
    pub no_cache: bool,

    /// Pull newer versions of the base images while building.
    #[arg(long, env = "PLATFORM_DEPLOY_PULL")]
    pub pull: bool,

    /// Build for this platform (e.g. linux/arm64); overrides image.platform.
    #[arg(long, env = "PLATFORM_DEPLOY_PLATFORM", value_name = "PLATFORM")]
    pub platform: Option<String>,

    /// Use this image as a layer cache source, e.g. the previous release's tag (repeatable, or
    /// comma-separated). Pulled first when the daemon lacks it; a missing one is only a warning.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_CACHE_FROM",
        value_name = "REF",
        value_delimiter = ','
    )]
    pub cache_from: Vec<String>,

    /// Write the build cache for later builds' --cache-from: `inline` (into the image, pushed with
    /// it) or `type=registry,ref=REGISTRY/REPO:TAG[,mode=max]` (a cache manifest pushed there; needs
    /// a daemon with the containerd image store). Either way a CI runner without local layers
    /// reuses the unchanged steps.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_CACHE_TO",
        value_name = "TYPE",
        value_parser = crate::image::engine::parse_cache_to
    )]
    pub cache_to: Option<crate::image::engine::CacheTo>,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Build nothing: print the build request and a summary of the context that would be sent.
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// With --dry-run: print every path of the context that would be sent, one per line (stdout).
    #[arg(long, requires = "dry_run")]
    pub list_context: bool,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub release: ReleaseArgs,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Push to this registry host instead of the repository's own ECR endpoint (a registry
    /// mirror or a local stand-in, e.g. 127.0.0.1:5101). Credentials still come from ECR.
    #[arg(long, env = "PLATFORM_DEPLOY_REGISTRY_ENDPOINT", value_name = "HOST")]
    pub registry_endpoint: Option<String>,

    /// Run the read-only pre-flight checks and build the image (when a daemon is reachable), but
    /// push nothing and wait for nothing: print what would be pushed where.
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Push this local image (ID or reference) instead of building one.
    #[arg(long, env = "PLATFORM_DEPLOY_IMAGE", value_name = "IMAGE")]
    pub image: Option<String>,

    #[command(flatten)]
    pub engine: EngineArgs,

    #[command(flatten)]
    pub release: ReleaseArgs,
}

const ROLLBACK_EXAMPLES: &str = "Examples:
  # What would be stopped or deployed, and why; change nothing:
  platform-deploy rollback --targets targets.json --dry-run

  # 3 a.m.: back to the previous release everywhere, saying why:
  platform-deploy rollback --targets targets.json --reason \"5xx spike after 4f5e\"

  # A named release: a task definition revision, an image digest or a git SHA:
  platform-deploy rollback --targets targets.json --to 41
  platform-deploy rollback --targets targets.json --to sha256:4f5e6d7c...
  platform-deploy rollback --targets targets.json --to 0123abcd --region us-east-1 --service api

Exit codes: 0 rolled back, 2 bad input, 4 the redeploy itself was rolled back, 5 failed without
rollback, 6 timed out, 7 cancelled, 8 refused (the digest is gone from ECR, no earlier release).";

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

    /// Leave the Terraform stacks alone (a workflow applied them in an earlier job); their
    /// outputs are still read for the rollout.
    #[arg(long, env = "PLATFORM_DEPLOY_SKIP_TERRAFORM")]
    pub skip_terraform: bool,

    /// Hold the apply to the plans reviewed in this folder (as `apply --replan` does) instead of
    /// applying fresh plans.
    #[arg(long, env = "PLATFORM_DEPLOY_REVIEWED_PLANS", value_name = "DIR")]
    pub reviewed_plans: Option<PathBuf>,

    /// Push to this registry host instead of the repository's own ECR endpoint.
    #[arg(long, env = "PLATFORM_DEPLOY_REGISTRY_ENDPOINT", value_name = "HOST")]
    pub registry_endpoint: Option<String>,

    /// Give up (stopping with rollback) when the rollout takes longer; overrides rollout.timeout.
    #[arg(long, env = "PLATFORM_DEPLOY_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,

    #[command(flatten)]
    pub release: ReleaseArgs,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// The image to release, pinned by digest: REPOSITORY@sha256:DIGEST (a registry host may
    /// precede the repository). Each region runs it from its own ECR repository.
    #[arg(long, env = "PLATFORM_DEPLOY_IMAGE", value_name = "REPO@sha256:DIGEST")]
    pub image: String,

    #[command(flatten)]
    pub scope: Scope,

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

    #[command(flatten)]
    pub release: ReleaseArgs,
}

const GATE_EXAMPLES: &str = "Examples:
  platform-deploy promote --reason \"canary dashboards look good\"
  platform-deploy promote --region us-east-1 --service api --reason \"checked p99\"
  platform-deploy abort --reason \"error budget burning in eu-west-1\"

In GitHub Actions: the gate workflow (workflow_dispatch, examples/workflows/gate.yml) runs these.
Exit codes: 0 decided, 1 AWS refused the write, 2 no gate waits where you asked (or bad input).";

/// Which gates `promote` or `abort` decides.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Why (required): recorded in the gate, the rollout's log and its job summary.
    #[arg(long, env = "PLATFORM_DEPLOY_GATE_REASON", value_name = "TEXT")]
    pub reason: String,

    /// The regions and services whose gates to decide (the gate before a DR wave belongs to no
    /// service: it is decided only without --service).
    #[command(flatten)]
    pub places: Places,
}

/// Which services in which regions a rollout, rollback or status covers.
#[derive(Debug, Args, Clone, Default)]
pub struct Scope {
    /// JSON file mapping each region to its stack's `deploy_targets` output (the value, the
    /// `{"value": ...}` wrapper, or the whole `terraform output -json`). Default: read the output
    /// of each regional stack of platform.toml with `terraform output`.
    #[arg(long, env = "PLATFORM_DEPLOY_TARGETS", value_name = "FILE")]
    pub targets: Option<PathBuf>,

    #[command(flatten)]
    pub places: Places,
}

/// `--region` and `--service`.
#[derive(Debug, Args, Clone, Default)]
pub struct Places {
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
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub scope: Scope,

    /// The release to go back to: a task definition revision (41, shop-api:41 or its ARN), an
    /// image digest (sha256:…; the live task definition with that image) or a git SHA (the revision
    /// tagged platform-deploy:git-sha). Default: the release live before the current one.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_ROLLBACK_TARGET",
        value_name = "REVISION|DIGEST|GIT_SHA"
    )]
    pub to: Option<String>,

    /// Why: recorded in the deployment description and the job summary.
    #[arg(long, env = "PLATFORM_DEPLOY_ROLLBACK_REASON", value_name = "TEXT")]
    pub reason: Option<String>,

    /// The deployment config of a redeploy.
    #[arg(
        long,
        default_value = "CodeDeployDefault.ECSAllAtOnce",
        value_name = "NAME"
    )]
    pub deployment_config: String,

    /// Roll every region back at once instead of the primary region first.
    #[arg(long)]
    pub parallel: bool,

    /// Show what would be stopped or deployed (with the task definition diff and the
    /// CreateDeployment request); change nothing.
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Give up after this long (e.g. 30m). Default: rollout.timeout.
    #[arg(long, env = "PLATFORM_DEPLOY_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,
}

#[derive(Debug, Args)]
pub struct FailoverArgs {
    /// The DR region to promote.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_FAILOVER_TO",
        value_name = "REGION",
        required_unless_present = "back",
        conflicts_with = "back"
    )]
    pub to: Option<String>,

    /// Return traffic and the database writer to the primary region.
    #[arg(long, env = "PLATFORM_DEPLOY_FAILOVER_BACK")]
    pub back: bool,

    /// With --back: the DR region to leave. Default: the only DR region.
    #[arg(
        long,
        env = "PLATFORM_DEPLOY_FAILOVER_FROM",
        value_name = "REGION",
        requires = "back"
    )]
    pub from: Option<String>,

    /// Rehearse: run the checks and plans of every step, change nothing, report what each would
    /// do and how long it is expected to take.
    #[arg(long, visible_alias = "dry-run", env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub drill: bool,

    /// When the primary writer is down: detach the DR cluster from the global database and
    /// promote it. Writes not yet replicated are lost; without this flag the step refuses (exit 8).
    #[arg(long, env = "PLATFORM_DEPLOY_ALLOW_DATA_LOSS")]
    pub allow_data_loss: bool,

    /// The primary region does not answer (an outage). Nothing is sent there: the primary stack's
    /// outputs are read from the state replicas, and instead of applying the edge stack (its
    /// control plane is in us-east-1) the last step checks that Route53's health checks route
    /// around the primary. Every stack the failover applies must keep its state outside the
    /// primary region ([terraform.backend] buckets).
    #[arg(long, env = "PLATFORM_DEPLOY_PRIMARY_DOWN", conflicts_with = "back")]
    pub primary_down: bool,

    /// Give up each wait (database promotion, healthy tasks) after this long, e.g. 45m.
    /// Default: 30m.
    #[arg(long, env = "PLATFORM_DEPLOY_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<String>,

    /// Where the checklist is recorded between runs.
    #[arg(
        long,
        default_value = ".platform-deploy/failover.json",
        value_name = "FILE"
    )]
    pub checklist: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct AwsCredentialsArgs {
    /// The region whose STS endpoint exchanges the ID token (the platform's primary region).
    #[arg(long, default_value = "us-east-1", value_name = "REGION")]
    pub sts_region: String,
}

impl Command {
    /// Plumbing commands answer another program on stdout and record no step outputs.
    pub fn is_plumbing(&self) -> bool {
        matches!(self, Command::AwsCredentials(_))
    }
}

#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// The experiment to run (see --list).
    #[arg(value_name = "EXPERIMENT", required_unless_present = "list")]
    pub experiment: Option<String>,

    /// List the region's experiments and their FIS template ids; start nothing.
    #[arg(long, conflicts_with = "experiment")]
    pub list: bool,

    /// The region to run in. Default: the primary region.
    #[arg(long, env = "PLATFORM_DEPLOY_CHAOS_REGION", value_name = "REGION")]
    pub region: Option<String>,

    /// JSON file mapping each region to its stack's `deploy_targets` output. Default: read the
    /// output of each regional stack of platform.toml with `terraform output`.
    #[arg(long, env = "PLATFORM_DEPLOY_TARGETS", value_name = "FILE")]
    pub targets: Option<PathBuf>,

    /// Run the checks and show the template and its stop conditions; start nothing.
    #[arg(long, env = "PLATFORM_DEPLOY_DRY_RUN")]
    pub dry_run: bool,

    /// Stop the experiment if it has not ended after this long, e.g. 30m.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub timeout: String,

    /// How often to read the experiment's state.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub poll_interval: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub scope: Scope,

    /// How many finished deployments to list per service.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub history: usize,
}

/// Identifies the release being shipped.
#[derive(Debug, Args, Clone)]
pub struct ReleaseArgs {
    /// The commit being released (tags the image and the task definition). Defaults to GITHUB_SHA,
    /// then `git rev-parse HEAD` in the folder of platform.toml.
    #[arg(long, env = "PLATFORM_DEPLOY_GIT_SHA", value_name = "SHA")]
    pub git_sha: Option<String>,
}
