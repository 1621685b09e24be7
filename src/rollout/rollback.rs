//! Manual rollback: what an on-call engineer runs when a release is bad.
//!
//! For every named region and service ([`plan`], reading only):
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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use aws_sdk_codedeploy::types::DeploymentStatus;
use futures_util::future::join_all;
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::RegionClients;
use crate::aws::history::{DESCRIPTION_MARK, HISTORY_DEPTH, PastDeployment, history};
use crate::config::DrWaves;
use crate::outcome::OutcomeKind;

use super::live::{Release, describe_release, live_release, short_digest, short_td};
use super::monitor::{self, Cause, Ending, MonitorSettings, Watched};
use super::taskdef::GIT_SHA_TAG;
use super::{
    AwsError, DeployTargets, DeploymentResult, ImageRef, Progress, RolloutError, RolloutOptions,
    RolloutReport, preflight,
};

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

/// What the rollback does to one service in one region.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Stop the running deployment(s) with rollback.
    Stop { deployment_ids: Vec<String> },
    /// Deploy `to` (found as `why`), after stopping `stop_first` with rollback (`--to` while a
    /// deployment runs).
    Redeploy {
        to: Release,
        why: String,
        skipped: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        stop_first: Vec<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub region: String,
    pub service: String,
    pub live: Release,
    #[serde(flatten)]
    pub action: Action,
}

impl Planned {
    pub fn key(&self) -> String {
        format!("{}/{}", self.region, self.service)
    }
}

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

/// Chooses what to go back to, from the history (newest first) and the live release.
pub fn previous_release(
    live_digest: Option<&str>,
    past: &[(PastDeployment, Option<Release>)],
) -> Result<(Release, String, Vec<String>), String> {
    // What a rollback already rolled back is bad: skip it.
    let bad: BTreeSet<&str> = past
        .iter()
        .filter_map(|(p, _)| p.replaced_digest.as_deref())
        .collect();
    let mut skipped = Vec::new();
    for (p, release) in past {
        let Some(release) = release else { continue };
        let Some(digest) = release.digest.as_deref() else {
            skipped.push(format!("{} (image not pinned by digest)", p.deployment_id));
            continue;
        };
        if Some(digest) == live_digest {
            continue;
        }
        if bad.contains(digest) {
            skipped.push(format!(
                "{} ({} was rolled back by a later rollback)",
                p.deployment_id,
                short_digest(digest)
            ));
            continue;
        }
        return Ok((
            release.clone(),
            format!(
                "the release before the live one: deployment {}",
                p.deployment_id
            ),
            skipped,
        ));
    }
    Err(format!(
        "none of the last {} succeeded deployments ran a release other than the live one{}",
        past.len(),
        if bad.is_empty() {
            String::new()
        } else {
            " or one a rollback rolled back".into()
        }
    ))
}

async fn plan_one(
    clients: &RegionClients,
    targets: &DeployTargets,
    service: &str,
    to: Option<&RollbackTo>,
) -> Result<Planned, RollbackError> {
    let region = clients.region.clone();
    let key = format!("{region}/{service}");
    let target = targets
        .service(service)
        .expect("services are checked against deploy_targets first");
    let (live, _) = live_release(clients, target).await?;
    let planned = |action| Planned {
        region: region.clone(),
        service: service.to_string(),
        live: live.clone(),
        action,
    };
    let running = preflight::in_flight_deployments(clients, target).await?;
    if !running.is_empty() && to.is_none() {
        return Ok(planned(Action::Stop {
            deployment_ids: running,
        }));
    }
    let needs_history = !matches!(to, Some(RollbackTo::Revision(_) | RollbackTo::Digest(_)));
    let mut past = Vec::new();
    if needs_history {
        let mut cache: BTreeMap<String, Release> = BTreeMap::new();
        for p in history(
            &clients.codedeploy,
            &clients.region,
            &target.codedeploy_group(),
            &[DeploymentStatus::Succeeded],
            HISTORY_DEPTH,
        )
        .await?
        {
            let release = match &p.task_definition {
                Some(td) => match cache.get(td) {
                    Some(r) => Some(r.clone()),
                    None => {
                        let (r, _) = describe_release(clients, target, td).await?;
                        cache.insert(td.clone(), r.clone());
                        Some(r)
                    }
                },
                None => None,
            };
            past.push((p, release));
        }
    }
    let (release, why, skipped) = match to {
        None => previous_release(live.digest.as_deref(), &past).map_err(|why| {
            RollbackError::NothingToGoBackTo {
                key: key.clone(),
                why,
            }
        })?,
        Some(RollbackTo::Revision(r)) => {
            let family = live
                .task_definition
                .rsplit_once('/')
                .map(|(_, f)| f.rsplit_once(':').map(|(f, _)| f).unwrap_or(f))
                .unwrap_or(&target.task_family)
                .to_string();
            let name = if r.chars().all(|c| c.is_ascii_digit()) {
                format!("{family}:{r}")
            } else {
                r.clone()
            };
            let (release, image) = describe_release(clients, target, &name).await?;
            if release.digest.is_none() {
                return Err(RollbackError::NoDigest {
                    key,
                    task_definition: release.task_definition,
                    container: target.container_name.clone(),
                    image,
                });
            }
            (release, format!("--to {r}"), Vec::new())
        }
        Some(RollbackTo::Digest(d)) => (
            Release {
                task_definition: live.task_definition.clone(),
                digest: Some(d.clone()),
                git_sha: None,
            },
            format!("--to {}", short_digest(d)),
            Vec::new(),
        ),
        Some(RollbackTo::GitSha(sha)) => {
            let found = past.iter().find_map(|(_, r)| {
                r.as_ref().filter(|r| {
                    r.digest.is_some() && r.git_sha.as_deref().is_some_and(|s| s.starts_with(sha))
                })
            });
            match found {
                Some(r) => (r.clone(), format!("--to {sha}"), Vec::new()),
                None => {
                    return Err(RollbackError::NothingToGoBackTo {
                        key,
                        why: format!(
                            "no task definition tagged {GIT_SHA_TAG}={sha}… among the last {} succeeded deployments",
                            past.len()
                        ),
                    });
                }
            }
        }
    };
    Ok(planned(Action::Redeploy {
        to: release,
        why,
        skipped,
        stop_first: running,
    }))
}

/// Reads what the rollback would do everywhere; changes nothing.
pub async fn plan(
    opts: &RollbackOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<Vec<Planned>, RollbackError> {
    let regions: Vec<String> = opts.base.waves().into_iter().flatten().collect();
    let mut work = Vec::new();
    for region in &regions {
        let t = targets
            .get(region)
            .ok_or_else(|| RolloutError::MissingRegion {
                region: region.clone(),
                available: targets.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;
        let c = clients
            .get(region)
            .ok_or_else(|| RolloutError::NoClients(region.clone()))?;
        for s in &opts.base.services {
            if t.service(&s.name).is_none() {
                return Err(RolloutError::UnknownService {
                    region: region.clone(),
                    service: s.name.clone(),
                    available: t.services.keys().cloned().collect::<Vec<_>>().join(", "),
                }
                .into());
            }
            work.push(plan_one(c, t, &s.name, opts.to.as_ref()));
        }
    }
    join_all(work).await.into_iter().collect()
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

    // Redeploys, grouped by release: one rollout each (its waves keep the region order).
    let mut groups: Vec<(String, Release, Vec<String>, Vec<String>)> = Vec::new();
    for p in &plan {
        if let Action::Redeploy { to, .. } = &p.action {
            let digest = to.digest.clone().unwrap_or_default();
            match groups
                .iter_mut()
                .find(|(s, r, _, _)| s == &p.service && r.digest == to.digest)
            {
                Some(g) => {
                    if !g.2.contains(&p.region) {
                        g.2.push(p.region.clone());
                    }
                    if let Some(d) = &p.live.digest
                        && !g.3.contains(d)
                    {
                        g.3.push(d.clone());
                    }
                }
                None => groups.push((
                    p.service.clone(),
                    to.clone(),
                    vec![p.region.clone()],
                    p.live
                        .digest
                        .iter()
                        .filter(|d| **d != digest)
                        .cloned()
                        .collect(),
                )),
            }
        }
    }
    let mut rollouts = Vec::new();
    for (service, release, regions, replacing) in &groups {
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
        rollouts.push(o);
    }

    if opts.base.dry_run {
        for o in &rollouts {
            report
                .redeploys
                .push(super::run(o, targets, clients, cancel, progress).await?);
        }
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
            plan.iter()
                .filter(|p| matches!(p.action, Action::Stop { .. }))
                .count(),
            rollouts.len(),
            if refused {
                "; the pre-flight would refuse (see above)"
            } else {
                ""
            }
        );
        return Ok(report);
    }

    // Stops first, all at once: a release bad enough to roll back is bad everywhere.
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
    let stopped = join_all(stops.map(|(key, region, service, id)| {
        let settings = &settings;
        let who = &who;
        async move {
            let c = &clients[&region];
            let w = Watched {
                key: &key,
                region: &region,
                codedeploy: &c.codedeploy,
                cloudwatch: &c.cloudwatch,
                deployment_id: &id,
                alarms: &[],
                routing: None,
            };
            let cause = Cause::Requested { by: who.clone() };
            let ending = monitor::stop_and_follow(&w, settings, cancel, progress, cause).await;
            let (outcome, message) = match &ending {
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
                    format!("{id} succeeded before the stop: the new release serves all traffic; run rollback again to redeploy the previous release"),
                ),
                Ending::NotRolledBack { detail, .. } => (OutcomeKind::FailedNoRollback, detail.clone()),
                Ending::TimedOut { detail, .. } => (OutcomeKind::TimedOut, detail.clone()),
                Ending::Cancelled { detail, .. } => (OutcomeKind::Cancelled, detail.clone()),
            };
            DeploymentResult {
                region,
                service,
                outcome,
                message,
                task_definition_arn: None,
                deployment_id: Some(id),
                ending: Some(ending),
            }
        }
    }))
    .await;
    report.stopped = stopped;

    let mut errors = Vec::new();
    let stops_ok = report
        .stopped
        .iter()
        .all(|d| d.outcome == OutcomeKind::Succeeded);
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
    Ok(report)
}

impl RollbackReport {
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Rollback {}{}",
            self.attribution.describe(),
            if self.dry_run {
                " (dry run: nothing is stopped or deployed)"
            } else {
                ""
            }
        );
        for p in &self.plan {
            let live = format!(
                "live {} {}",
                short_td(&p.live.task_definition),
                p.live
                    .digest
                    .as_deref()
                    .map(short_digest)
                    .unwrap_or_default()
            );
            match &p.action {
                Action::Stop { deployment_ids } => {
                    let _ = writeln!(
                        out,
                        "  {:<24} {live}: stop {} with rollback",
                        p.key(),
                        deployment_ids.join(", ")
                    );
                }
                Action::Redeploy {
                    to,
                    why,
                    skipped,
                    stop_first,
                } => {
                    let _ = writeln!(
                        out,
                        "  {:<24} {live}: {}redeploy {}{} from {} ({why})",
                        p.key(),
                        if stop_first.is_empty() {
                            String::new()
                        } else {
                            format!("stop {} with rollback, then ", stop_first.join(", "))
                        },
                        to.digest.as_deref().map(short_digest).unwrap_or_default(),
                        to.git_sha
                            .as_deref()
                            .map(|s| format!(" at {}", &s[..s.len().min(12)]))
                            .unwrap_or_default(),
                        short_td(&to.task_definition),
                    );
                    for s in skipped {
                        let _ = writeln!(out, "  {:<24}   skipped {s}", "");
                    }
                }
            }
        }
        for d in &self.stopped {
            let _ = writeln!(
                out,
                "  {:<24} {:<18} {}",
                d.key(),
                d.outcome.as_str(),
                d.message
            );
        }
        for r in &self.redeploys {
            out.push_str(&r.render_text(Duration::ZERO));
        }
        let _ = writeln!(out, "{}: {}", self.outcome.as_str(), self.message);
        out
    }

    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## platform-deploy rollback: `{}`\n\n{}\n\n| region/service | live | action |\n|---|---|---|\n",
            self.outcome.as_str(),
            self.attribution.describe().replace('|', "\\|")
        );
        for p in &self.plan {
            let action = match &p.action {
                Action::Stop { deployment_ids } => {
                    format!("stop {} with rollback", deployment_ids.join(", "))
                }
                Action::Redeploy { to, why, .. } => format!(
                    "redeploy {} ({})",
                    to.digest.as_deref().map(short_digest).unwrap_or_default(),
                    why
                ),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                p.key(),
                short_td(&p.live.task_definition),
                action.replace('|', "\\|")
            );
        }
        for r in &self.redeploys {
            out.push('\n');
            out.push_str(&r.render_markdown());
        }
        out
    }
}
