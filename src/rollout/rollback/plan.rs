//! The rollback plan, reading only: for every region and service, stop what is running or find
//! the known-good release to redeploy (the one before the live release in the group's history,
//! or the one `--to` names).

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;
use serde::Serialize;

use crate::aws::RegionClients;
use crate::aws::history::{HISTORY_DEPTH, PastDeployment};
use crate::rollout::backend::{Backend, Finished};
use crate::rollout::live::{Release, describe_release, live_release, short_digest};
use crate::rollout::targets::ServiceTarget;
use crate::rollout::taskdef::GIT_SHA_TAG;
use crate::rollout::{DeployTargets, RolloutError, preflight};

use super::{RollbackError, RollbackOptions, RollbackTo};

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

/// A succeeded deployment of the group and the release it deployed (if its task definition
/// could be read).
pub type PastRelease = (PastDeployment, Option<Release>);

/// The release to go back to, how it was found, and the newer ones skipped as bad.
pub type Chosen = (Release, String, Vec<String>);

/// Chooses what to go back to, from the history (newest first) and the live release.
pub fn previous_release(live_digest: Option<&str>, past: &[PastRelease]) -> Result<Chosen, String> {
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

/// What the rollback does to `service` in the region of `clients`.
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
    let past = if needs_history {
        succeeded_history(clients, target).await?
    } else {
        Vec::new()
    };
    let (release, why, skipped) = match to {
        None => previous_release(live.digest.as_deref(), &past).map_err(|why| {
            RollbackError::NothingToGoBackTo {
                key: key.clone(),
                why,
            }
        })?,
        Some(RollbackTo::Revision(r)) => at_revision(clients, target, &live, r, key).await?,
        Some(RollbackTo::Digest(d)) => (
            Release {
                task_definition: live.task_definition.clone(),
                digest: Some(d.clone()),
                git_sha: None,
            },
            format!("--to {}", short_digest(d)),
            Vec::new(),
        ),
        Some(RollbackTo::GitSha(sha)) => tagged_with(&past, sha, key)?,
    };
    Ok(planned(Action::Redeploy {
        to: release,
        why,
        skipped,
        stop_first: running,
    }))
}

/// The group's last succeeded deployments, newest first, and their releases (each task
/// definition read once).
async fn succeeded_history(
    clients: &RegionClients,
    target: &ServiceTarget,
) -> Result<Vec<PastRelease>, RollbackError> {
    let mut past = Vec::new();
    let mut cache: BTreeMap<String, Release> = BTreeMap::new();
    for p in Backend::of(clients, target)
        .history(&clients.region, Finished::Succeeded, HISTORY_DEPTH)
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
    Ok(past)
}

/// `--to REVISION`: a revision number of the live family, `family:N` or an ARN, which must pin
/// its image by digest.
async fn at_revision(
    clients: &RegionClients,
    target: &ServiceTarget,
    live: &Release,
    r: &str,
    key: String,
) -> Result<Chosen, RollbackError> {
    let family = live
        .task_definition
        .rsplit_once('/')
        .map(|(_, f)| f.rsplit_once(':').map(|(f, _)| f).unwrap_or(f))
        .unwrap_or(&target.task_family)
        .to_string();
    let name = if r.chars().all(|c| c.is_ascii_digit()) {
        format!("{family}:{r}")
    } else {
        r.to_string()
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
    Ok((release, format!("--to {r}"), Vec::new()))
}

/// `--to GIT_SHA`: the newest release in the history tagged with a commit starting `sha`.
fn tagged_with(past: &[PastRelease], sha: &str, key: String) -> Result<Chosen, RollbackError> {
    let found = past.iter().find_map(|(_, r)| {
        r.as_ref().filter(|r| {
            r.digest.is_some() && r.git_sha.as_deref().is_some_and(|s| s.starts_with(sha))
        })
    });
    match found {
        Some(r) => Ok((r.clone(), format!("--to {sha}"), Vec::new())),
        None => Err(RollbackError::NothingToGoBackTo {
            key,
            why: format!(
                "no task definition tagged {GIT_SHA_TAG}={sha}… among the last {} succeeded deployments",
                past.len()
            ),
        }),
    }
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
