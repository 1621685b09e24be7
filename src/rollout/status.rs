//! `status`: what runs where, read only. Per region and service: the live task definition, its
//! image digest and git SHA, the deployment in flight (traffic split, lifecycle step), the last
//! finished deployments, the gating alarms, desired/running tasks (a DR service at 0 is standby)
//! and in which regions' ECR the live digest is present.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use futures_util::future::join_all;
use serde::Serialize;

use crate::aws::RegionClients;
use crate::aws::history::PastDeployment;

use super::alarms::{self, AlarmState};
use super::backend::{Backend, Finished};
use super::ecs_native::short_id;
use super::gate::{self, GateDoc};
use super::live::{Release, live_release, short_digest, short_td};
use super::monitor::{self, Watched};
use super::targets::Controller;
use super::{AwsError, DeployTargets, ImageRef, ServiceTarget, preflight};

/// A deployment that has not finished.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InFlight {
    pub deployment_id: String,
    pub status: String,
    /// Production traffic on the replacement task set, in percent.
    pub green_percent: Option<f64>,
    /// The lifecycle event running now (or the last one that finished).
    pub lifecycle_step: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceStatus {
    pub region: String,
    pub service: String,
    pub is_dr: bool,
    /// What releases the service: CODE_DEPLOY or ECS.
    pub controller: Controller,
    /// The region's traffic role as its stack says (`primary`; a DR region's `standby`, `active` or
    /// `draining`), else what its capacity shows.
    pub traffic_role: String,
    pub live: Release,
    pub desired: i32,
    pub running: i32,
    /// A DR service kept at desired count 0.
    pub standby: bool,
    pub in_flight: Option<InFlight>,
    pub recent: Vec<PastDeployment>,
    pub alarms: Vec<AlarmState>,
    /// Region → whether the live digest is in that region's ECR repository.
    pub replication: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub services: Vec<ServiceStatus>,
    /// Rollouts waiting at a `[rollout.pause]` gate for promote or abort.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<WaitingGate>,
}

/// A gate a rollout waits at.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingGate {
    pub region: String,
    pub parameter: String,
    #[serde(flatten)]
    pub doc: GateDoc,
}

/// The gates waiting in `regions` under `path`; a region whose gates cannot be read is reported
/// in the second list (status goes on without it).
pub async fn waiting_gates(
    clients: &BTreeMap<String, RegionClients>,
    regions: &[String],
    path: &str,
) -> (Vec<WaitingGate>, Vec<AwsError>) {
    let (gates, unread) = gate::waiting(clients, regions, path).await;
    let gates = gates
        .into_iter()
        .map(|(g, doc)| WaitingGate {
            region: g.region,
            parameter: g.name,
            doc,
        })
        .collect();
    (gates, unread)
}

/// Reads the status of `services` in `regions` (in that order).
pub async fn gather(
    regions: &[String],
    services: &[String],
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
    history: usize,
) -> Result<StatusReport, AwsError> {
    let mut work = Vec::new();
    for region in regions {
        let (Some(t), Some(c)) = (targets.get(region), clients.get(region)) else {
            continue;
        };
        for s in services {
            if t.service(s).is_some() {
                work.push(one(c, t, s, regions, targets, clients, history));
            }
        }
    }
    let services = join_all(work)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StatusReport {
        services,
        gates: Vec::new(),
    })
}

async fn one(
    c: &RegionClients,
    t: &DeployTargets,
    name: &str,
    regions: &[String],
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
    history: usize,
) -> Result<ServiceStatus, AwsError> {
    let target = t.service(name).expect("checked by gather");
    let (live, service) = live_release(c, target).await?;
    let desired = service.as_ref().map(|s| s.desired_count()).unwrap_or(0);
    let running = service.as_ref().map(|s| s.running_count()).unwrap_or(0);

    let in_flight = in_flight_deployment(c, target, name).await?;

    let recent = Backend::of(c, target)
        .history(&c.region, Finished::Any, history)
        .await?;
    let alarms = if target.alarm_names.is_empty() {
        Vec::new()
    } else {
        alarms::describe(&c.cloudwatch, &c.region, &target.alarm_names).await?
    };

    let replication = match &live.digest {
        Some(digest) => replication_of(digest, regions, targets, clients).await?,
        None => BTreeMap::new(),
    };

    let role = traffic_role(t.is_dr, t.traffic_role.as_deref(), desired);
    Ok(ServiceStatus {
        region: c.region.clone(),
        service: name.to_string(),
        is_dr: t.is_dr,
        controller: target.controller,
        standby: desired == 0 && role == "standby",
        traffic_role: role,
        live,
        desired,
        running,
        in_flight,
        recent,
        alarms,
        replication,
    })
}

/// The group's first deployment that has not finished: its status, traffic split and step.
async fn in_flight_deployment(
    c: &RegionClients,
    target: &ServiceTarget,
    name: &str,
) -> Result<Option<InFlight>, AwsError> {
    let Some(id) = preflight::in_flight_deployments(c, target)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let backend = Backend::of(c, target);
    let read = backend.deployment(&id).await;
    let status = read
        .as_ref()
        .map(|s| s.status.clone())
        .unwrap_or_else(|e| format!("unknown ({e})"));
    let w = Watched {
        key: name,
        region: &c.region,
        backend,
        cloudwatch: &c.cloudwatch,
        deployment_id: &id,
        alarms: &[],
        routing: None,
        gate: None,
    };
    let mut target_id = None;
    // A failed read still leaves CodeDeploy's target calls to try.
    let unread = monitor::DeploymentState::default();
    let ts = monitor::get_target(&w, read.as_ref().unwrap_or(&unread), &mut target_id)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let step = ts
        .events
        .iter()
        .find(|(_, s, _)| s == "InProgress" || s == "Failed")
        .or_else(|| ts.events.iter().rev().find(|(_, s, _)| s == "Succeeded"))
        .map(|(n, _, _)| n.clone());
    Ok(Some(InFlight {
        deployment_id: id,
        status,
        green_percent: ts.green_weight,
        lifecycle_step: step,
    }))
}

/// Region → whether `digest` is in that region's ECR repository.
async fn replication_of(
    digest: &str,
    regions: &[String],
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<BTreeMap<String, bool>, AwsError> {
    let mut replication = BTreeMap::new();
    for r in regions {
        let (Some(rt), Some(rc)) = (targets.get(r), clients.get(r)) else {
            continue;
        };
        let image = ImageRef {
            registry: None,
            repository: rt.ecr_repository.clone(),
            digest: digest.to_string(),
        };
        let present = preflight::check_image(rc, rt, &image).await?.is_ok();
        replication.insert(r.clone(), present);
    }
    Ok(replication)
}

/// The traffic role shown: the stack's, else from the region's kind and capacity (stacks from before
/// the traffic role).
fn traffic_role(is_dr: bool, role: Option<&str>, desired: i32) -> String {
    match (role, is_dr) {
        (Some(role), true) => role.to_string(),
        (_, false) => "primary".to_string(),
        (None, true) if desired == 0 => "standby".to_string(),
        (None, true) => "serving".to_string(),
    }
}

impl StatusReport {
    /// A compact table, then the recent deployments of each service.
    pub fn render_text(&self) -> String {
        let header = [
            "REGION",
            "ROLE",
            "SERVICE",
            "LIVE",
            "DIGEST",
            "GIT SHA",
            "TASKS",
            "DEPLOYMENT",
            "ALARMS",
            "REPLICATED",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        rows.extend(self.services.iter().map(table_row));
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        render_recent(&mut out, &self.services);
        if !self.gates.is_empty() {
            let _ = writeln!(out, "\nwaiting at a gate:");
            for g in &self.gates {
                let service = g
                    .doc
                    .scope
                    .split_once('/')
                    .map(|(_, s)| format!(" --service {s}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} at {} (release {}, {} left): platform-deploy promote --region {}{service} --reason \"…\" (or abort)",
                    g.doc.scope,
                    g.doc.point,
                    g.doc.release,
                    monitor::short_duration(std::time::Duration::from_secs(
                        g.doc.timeout_at.saturating_sub(gate::epoch_now())
                    )),
                    g.region
                );
            }
        }
        out
    }
}

/// One service's row of the status table, in the header's column order.
fn table_row(s: &ServiceStatus) -> Vec<String> {
    let tasks = if s.standby {
        "standby 0/0".to_string()
    } else {
        format!("{}/{}", s.running, s.desired)
    };
    let deployment = match &s.in_flight {
        Some(f) => format!(
            "{} {}{}{}",
            short_id(&f.deployment_id),
            f.status,
            f.green_percent
                .map(|p| format!(" {p}% new"))
                .unwrap_or_default(),
            f.lifecycle_step
                .as_deref()
                .map(|e| format!(" at {e}"))
                .unwrap_or_default()
        ),
        None => "-".into(),
    };
    let alarms = if s.alarms.is_empty() {
        "-".to_string()
    } else {
        s.alarms
            .iter()
            .map(|a| format!("{} {}", a.name, a.state))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let replicated = if s.replication.is_empty() {
        "-".to_string()
    } else {
        s.replication
            .iter()
            .map(|(r, ok)| format!("{r} {}", if *ok { "yes" } else { "MISSING" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        s.region.clone(),
        s.traffic_role.clone(),
        s.service.clone(),
        short_td(&s.live.task_definition).to_string(),
        s.live
            .digest
            .as_deref()
            .map(short_digest)
            .unwrap_or_else(|| "(by tag)".into()),
        s.live
            .git_sha
            .as_deref()
            .map(|g| g[..g.len().min(12)].to_string())
            .unwrap_or_else(|| "-".into()),
        tasks,
        deployment,
        alarms,
        replicated,
    ]
}

/// Each service's last finished deployments, under the table.
fn render_recent(out: &mut String, services: &[ServiceStatus]) {
    for s in services {
        if s.recent.is_empty() {
            continue;
        }
        let by = match s.controller {
            Controller::CodeDeploy => "CodeDeploy",
            Controller::Ecs => "ECS",
        };
        let _ = writeln!(out, "\n{}/{} last deployments ({by}):", s.region, s.service);
        for d in &s.recent {
            let _ = writeln!(
                out,
                "  {:<14} {:<10} {:<14} {}",
                short_id(&d.deployment_id),
                d.status,
                d.task_definition.as_deref().map(short_td).unwrap_or("-"),
                d.description
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::traffic_role;

    #[test]
    fn the_role_comes_from_the_stack_not_from_being_a_dr_region() {
        assert_eq!(traffic_role(true, Some("active"), 2), "active");
        assert_eq!(traffic_role(true, Some("draining"), 2), "draining");
        assert_eq!(traffic_role(false, Some("active"), 3), "primary");
        // Stacks from before the traffic role: the capacity tells.
        assert_eq!(traffic_role(true, None, 0), "standby");
        assert_eq!(traffic_role(true, None, 2), "serving");
    }
}
