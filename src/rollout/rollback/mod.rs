//! Manual rollback: what an on-call engineer runs when a release is bad.
//!
//! For every named region and service ([`plan()`], reading only):
//! - a deployment still running on the group is stopped with rollback, and the rollback is
//!   followed to its end ([`monitor::stop_and_follow`]);
//! - otherwise the known-good release is found: by default the one that was live before the
//!   current one, from the group's deployment history (ListDeployments Succeeded →
//!   BatchGetDeployments → the AppSpec's task definition → its image digest), skipping what an
//!   earlier rollback already rolled back; or the one `--to` names.
//!
//! The redeploy is a rollout ([`super::run`]) of that digest with a fast config
//! (CodeDeployDefault.ECSAllAtOnce unless told otherwise), no bake, the same pre-flight (a digest
//! gone from ECR refuses, exit 8) and the same monitoring. Alarms already in ALARM neither refuse
//! nor gate it: they fired on the release being replaced.
//!
//! Here: the options, the report and the run (stop, then redeploy); the plan is in `plan`, the
//! rendering of the report in `report`.

mod plan;
mod report;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use futures_util::future::join_all;
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::aws::history::DESCRIPTION_MARK;
use crate::config::DrWaves;
use crate::outcome::OutcomeKind;

use super::backend::Backend;
use super::live::{Release, short_digest};
use super::monitor::{self, Cause, Ending, MonitorSettings, Watched};
use super::{
    AwsError, DeployTargets, DeploymentResult, ImageRef, Progress, RolloutError, RolloutOptions,
    RolloutReport,
};

pub use plan::{Action, Chosen, PastRelease, Planned, plan, previous_release};

/// The config a redeploy uses unless `--config` names another: no canary, every task at once.
pub const FAST_CONFIG: &str = "CodeDeployDefault.ECSAllAtOnce";

#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    #[error(
        "--to {0} is neither a task definition revision (42, family:42 or its ARN), an image digest (sha256:<64 hex>) nor a git SHA (7 to 40 hex digits)\n  fix: pass one of those forms; `platform-deploy status` shows the live revision, digest and git SHA"
    )]
    BadTo(String),
    #[error(
        "{key}: no known-good release to go back to: {why}\n  fix: name one with --to REVISION|DIGEST|GIT_SHA (`platform-deploy status` lists the last deployments)"
    )]
    NothingToGoBackTo { key: String, why: String },
    #[error(
        "{key}: task definition {task_definition} runs container `{container}` from `{image}`, which is not pinned by a digest\n  fix: name a release pinned by digest with --to sha256:<digest>"
    )]
    NoDigest {
        key: String,
        task_definition: String,
        container: String,
        image: String,
    },
    #[error(transparent)]
    Rollout(#[from] RolloutError),
}

impl RollbackError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            RollbackError::BadTo(_) => OutcomeKind::BadInput,
            RollbackError::NothingToGoBackTo { .. } | RollbackError::NoDigest { .. } => {
                OutcomeKind::PreflightRefused
            }
            RollbackError::Rollout(e) => e.kind(),
        }
    }
}

impl From<AwsError> for RollbackError {
    fn from(e: AwsError) -> Self {
        RollbackError::Rollout(RolloutError::Aws(e))
    }
}

/// What `--to` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum RollbackTo {
    /// A revision number, `family:N` or a task definition ARN.
    Revision(String),
    /// `sha256:` and 64 hex digits.
    Digest(String),
    /// A commit (prefix) the task definition is tagged with.
    GitSha(String),
}

impl RollbackTo {
    pub fn parse(s: &str) -> Result<Self, RollbackError> {
        let s = s.trim();
        let hex = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_hexdigit());
        if let Some(h) = s.strip_prefix("sha256:") {
            return if h.len() == 64 && hex(h) {
                Ok(RollbackTo::Digest(format!(
                    "sha256:{}",
                    h.to_ascii_lowercase()
                )))
            } else {
                Err(RollbackError::BadTo(s.into()))
            };
        }
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
            return Ok(RollbackTo::Revision(s.into()));
        }
        if s.starts_with("arn:") && s.contains(":task-definition/") {
            return Ok(RollbackTo::Revision(s.into()));
        }
        if let Some((family, n)) = s.rsplit_once(':')
            && !family.is_empty()
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
        {
            return Ok(RollbackTo::Revision(s.into()));
        }
        if (7..=40).contains(&s.len()) && hex(s) {
            return Ok(RollbackTo::GitSha(s.to_ascii_lowercase()));
        }
        Err(RollbackError::BadTo(s.into()))
    }
}

/// Who asked for the rollback and why: into every deployment description and the job summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attribution {
    pub actor: Option<String>,
    pub reason: Option<String>,
    pub run_url: Option<String>,
}

impl Attribution {
    /// The run's actor (or the local user) and URL, and `--reason`.
    pub fn new(runner: &crate::runner::RunnerEnv, reason: Option<String>) -> Self {
        Attribution {
            actor: runner.who(),
            reason: reason.filter(|r| !r.trim().is_empty()),
            run_url: runner.run_url(),
        }
    }

    pub fn who(&self) -> String {
        self.actor.clone().unwrap_or_else(|| "unknown".into())
    }

    /// `by alice: reason (run URL)`.
    pub fn describe(&self) -> String {
        let mut s = format!("by {}", self.who());
        if let Some(r) = &self.reason {
            let _ = write!(s, ": {r}");
        }
        if let Some(u) = &self.run_url {
            let _ = write!(s, " ({u})");
        }
        s
    }
}

#[derive(Debug, Clone)]
pub struct RollbackOptions {
    /// Regions, services, timeout, poll interval: as for a rollout (`image` and `git_sha` are
    /// replaced by the chosen release).
    pub base: RolloutOptions,
    pub to: Option<RollbackTo>,
    /// The deployment config of a redeploy.
    pub config: String,
    /// Every region at once instead of the primary first.
    pub parallel: bool,
    pub attribution: Attribution,
}

/// What the rollback did (or, in a dry run, would do), and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    pub outcome: OutcomeKind,
    pub message: String,
    pub attribution: Attribution,
    pub plan: Vec<Planned>,
    /// How each stopped deployment ended.
    pub stopped: Vec<DeploymentResult>,
    /// The redeploys, one rollout per release.
    pub redeploys: Vec<RolloutReport>,
    pub dry_run: bool,
}

/// Stops, redeploys and reports. `Err` only when nothing could start.
pub async fn run(
    opts: &RollbackOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
    cancel: &CancellationToken,
    progress: &Progress,
) -> Result<RollbackReport, RollbackError> {
    let plan = plan(opts, targets, clients).await?;
    let who = opts.attribution.describe();
    let mut report = RollbackReport {
        outcome: OutcomeKind::Succeeded,
        message: String::new(),
        attribution: opts.attribution.clone(),
        plan: plan.clone(),
        stopped: Vec::new(),
        redeploys: Vec::new(),
        dry_run: opts.base.dry_run,
    };
    let rollouts: Vec<RolloutOptions> = group_redeploys(&plan)
        .iter()
        .map(|group| redeploy_options(opts, targets, group, &who))
        .collect();

    if opts.base.dry_run {
        for o in &rollouts {
            report
                .redeploys
                .push(super::run(o, targets, clients, cancel, progress).await?);
        }
        conclude_dry_run(&mut report, rollouts.len());
        return Ok(report);
    }

    report.stopped = stop_running(opts, &plan, targets, clients, cancel, progress, &who).await;
    let stops_ok = report
        .stopped
        .iter()
        .all(|d| d.outcome == OutcomeKind::Succeeded);
    let mut errors = Vec::new();
    for o in &rollouts {
        if cancel.is_cancelled() || !stops_ok {
            break;
        }
        match super::run(o, targets, clients, cancel, progress).await {
            Ok(r) => report.redeploys.push(r),
            Err(e) => {
                errors.push((e.kind(), e.to_string()));
            }
        }
    }
    conclude(&mut report, errors, &who);
    Ok(report)
}

/// The redeploys of one service to one release: one rollout over every region that needs it.
struct RedeployGroup {
    service: String,
    release: Release,
    /// The regions, in plan order.
    regions: Vec<String>,
    /// The live digests the release replaces (for the deployment description).
    replacing: Vec<String>,
}

/// Groups the planned redeploys by service and release: one rollout each (its waves keep the
/// region order).
fn group_redeploys(plan: &[Planned]) -> Vec<RedeployGroup> {
    let mut groups: Vec<RedeployGroup> = Vec::new();
    for p in plan {
        let Action::Redeploy { to, .. } = &p.action else {
            continue;
        };
        let digest = to.digest.clone().unwrap_or_default();
        match groups
            .iter_mut()
            .find(|g| g.service == p.service && g.release.digest == to.digest)
        {
            Some(g) => {
                if !g.regions.contains(&p.region) {
                    g.regions.push(p.region.clone());
                }
                if let Some(d) = &p.live.digest
                    && !g.replacing.contains(d)
                {
                    g.replacing.push(d.clone());
                }
            }
            None => groups.push(RedeployGroup {
                service: p.service.clone(),
                release: to.clone(),
                regions: vec![p.region.clone()],
                replacing: p
                    .live
                    .digest
                    .iter()
                    .filter(|d| **d != digest)
                    .cloned()
                    .collect(),
            }),
        }
    }
    groups
}

/// The rollout that redeploys `group`: its release by digest, the fast config, no bake, its
/// regions in wave order (or all at once with `--parallel`), described with who and why.
fn redeploy_options(
    opts: &RollbackOptions,
    targets: &BTreeMap<String, DeployTargets>,
    group: &RedeployGroup,
    who: &str,
) -> RolloutOptions {
    let RedeployGroup {
        service,
        release,
        regions,
        replacing,
    } = group;
    let mut o = opts.base.clone();
    let t = &targets[&regions[0]];
    o.image = ImageRef {
        registry: None,
        repository: t.ecr_repository.clone(),
        digest: release.digest.clone().unwrap_or_default(),
    };
    o.git_sha = release.git_sha.clone().unwrap_or_else(|| "unknown".into());
    o.services.retain(|s| &s.name == service);
    for s in &mut o.services {
        s.deployment_config = None;
    }
    o.settings.deployment_config = Some(opts.config.clone());
    o.settings.bake_time = Duration::ZERO;
    let ordered: Vec<String> = opts
        .base
        .waves()
        .into_iter()
        .flatten()
        .filter(|r| regions.contains(r))
        .collect();
    if opts.parallel {
        o.primary_region = None;
        o.dr_regions = ordered;
        o.settings.dr_waves = DrWaves::Parallel;
    } else {
        o.primary_region = o.primary_region.filter(|p| regions.contains(p));
        o.dr_regions.retain(|r| regions.contains(r));
        o.settings.dr_waves = DrWaves::Sequential;
    }
    o.rollback = true;
    o.description = Some(format!(
        "{DESCRIPTION_MARK} to {}{} replacing {} {who}",
        short_digest(&o.image.digest),
        release
            .git_sha
            .as_deref()
            .map(|s| format!(" ({})", &s[..s.len().min(12)]))
            .unwrap_or_default(),
        if replacing.is_empty() {
            "-".to_string()
        } else {
            replacing.join(",")
        },
    ));
    o
}

/// A dry run's outcome: refused when any redeploy's pre-flight would refuse.
fn conclude_dry_run(report: &mut RollbackReport, redeploys: usize) {
    let refused = report
        .redeploys
        .iter()
        .any(|r| r.outcome != OutcomeKind::Succeeded);
    report.outcome = if refused {
        OutcomeKind::PreflightRefused
    } else {
        OutcomeKind::Succeeded
    };
    report.message = format!(
        "dry run: nothing was stopped or deployed; {} stop(s) and {} redeploy(s) planned{}",
        report
            .plan
            .iter()
            .filter(|p| matches!(p.action, Action::Stop { .. }))
            .count(),
        redeploys,
        if refused {
            "; the pre-flight would refuse (see above)"
        } else {
            ""
        }
    );
}

/// Stops every running deployment of the plan with rollback, all at once (a release bad enough
/// to roll back is bad everywhere), and follows each rollback to its end.
async fn stop_running(
    opts: &RollbackOptions,
    plan: &[Planned],
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
    cancel: &CancellationToken,
    progress: &Progress,
    who: &str,
) -> Vec<DeploymentResult> {
    let deadline = Instant::now() + opts.base.settings.timeout;
    let settings = MonitorSettings {
        poll_interval: opts.base.settings.poll_interval,
        deadline,
        rollback_grace: super::ROLLBACK_GRACE,
    };
    let stops = plan.iter().flat_map(|p| match &p.action {
        Action::Stop { deployment_ids }
        | Action::Redeploy {
            stop_first: deployment_ids,
            ..
        } => deployment_ids
            .iter()
            .map(|id| (p.key(), p.region.clone(), p.service.clone(), id.clone()))
            .collect::<Vec<_>>(),
    });
    join_all(stops.map(|(key, region, service, id)| {
        let settings = &settings;
        async move {
            let c = &clients[&region];
            let target = targets[&region]
                .service(&service)
                .expect("the plan's services are in deploy_targets");
            let w = Watched {
                key: &key,
                region: &region,
                backend: Backend::of(c, target),
                cloudwatch: &c.cloudwatch,
                deployment_id: &id,
                alarms: &[],
                routing: None,
                gate: None,
            };
            let cause = Cause::Requested {
                by: who.to_string(),
            };
            let ending = monitor::stop_and_follow(&w, settings, cancel, progress, cause).await;
            let (outcome, message) = stop_outcome(&ending, &id);
            DeploymentResult {
                region,
                service,
                outcome,
                message,
                task_definition_arn: None,
                deployment_id: Some(id),
                ending: Some(ending),
                analysis: Vec::new(),
                gates: Vec::new(),
            }
        }
    }))
    .await
}

/// The outcome and one-line message of stopping deployment `id`.
fn stop_outcome(ending: &Ending, id: &str) -> (OutcomeKind, String) {
    match ending {
        Ending::RolledBack {
            rollback_deployment_id,
            ..
        } => (
            OutcomeKind::Succeeded,
            format!(
                "stopped {id}; rollback {} finished: the previous release serves all traffic",
                rollback_deployment_id.as_deref().unwrap_or("-")
            ),
        ),
        Ending::Succeeded => (
            OutcomeKind::FailedNoRollback,
            format!(
                "{id} succeeded before the stop: the new release serves all traffic; run rollback again to redeploy the previous release"
            ),
        ),
        Ending::NotRolledBack { detail, .. } => (OutcomeKind::FailedNoRollback, detail.clone()),
        Ending::TimedOut { detail, .. } => (OutcomeKind::TimedOut, detail.clone()),
        Ending::Cancelled { detail, .. } => (OutcomeKind::Cancelled, detail.clone()),
    }
}

/// The rollback's outcome (the most severe of its stops, redeploys and redeploys that could not
/// start) and its message.
fn conclude(report: &mut RollbackReport, errors: Vec<(OutcomeKind, String)>, who: &str) {
    let kinds = report
        .stopped
        .iter()
        .map(|d| d.outcome)
        .chain(report.redeploys.iter().map(|r| r.outcome))
        .chain(errors.iter().map(|(k, _)| *k));
    report.outcome = kinds
        .max_by_key(|k| super::report::severity(*k))
        .unwrap_or(OutcomeKind::Succeeded);
    let mut parts: Vec<String> = report
        .stopped
        .iter()
        .map(|d| format!("{}: {}", d.key(), d.message))
        .collect();
    parts.extend(report.redeploys.iter().map(|r| r.message.clone()));
    parts.extend(errors.into_iter().map(|(_, m)| m));
    report.message = format!("rollback {who}: {}", parts.join("; "));
}
