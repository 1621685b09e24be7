//! Everything read before anything is changed: the live service, its task definition (rendered
//! into the new revision), the image in the region's registry, the deployment group, its alarms,
//! deployments already running, the deployment config. Problems that must stop the rollout are
//! collected as [`Refusal`]s — all of them, not just the first — so one run shows every fix.
//! The per-service checks themselves are in `checks`.

mod checks;

use std::collections::BTreeMap;

use futures_util::future::join_all;

use aws_sdk_codedeploy::types::DeploymentStatus;
use aws_sdk_ecr::operation::describe_images::DescribeImagesError;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError;
use aws_sdk_ecr::types::ImageIdentifier;
use serde_json::Value;

use crate::aws::RegionClients;
use crate::config;

use super::RolloutOptions;
use super::alarms::{self, AlarmState};
use super::analysis::{self, AnalysisTarget};
use super::appspec::ServiceSnapshot;
use super::deployment::{ConfigChoice, TrafficRouting};
use super::error::{Refusal, RolloutError};
use super::image_ref::ImageRef;
use super::targets::{DeployTargets, ServiceTarget};
use crate::aws::AwsError;
use checks::ServiceCheck;

/// Deployment statuses that mean "still running" for a deployment group.
pub const IN_FLIGHT: &[DeploymentStatus] = &[
    DeploymentStatus::Created,
    DeploymentStatus::Queued,
    DeploymentStatus::InProgress,
    DeploymentStatus::Baking,
    DeploymentStatus::Ready,
];

/// One service in one region, read and rendered, ready to be released.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `region/service`.
    pub key: String,
    pub region: String,
    pub service: String,
    pub target: ServiceTarget,
    pub is_dr: bool,
    pub snapshot: ServiceSnapshot,
    /// The DescribeTaskDefinition response, as the API sent it.
    pub current_task_definition: Value,
    /// The RegisterTaskDefinition request, as it will be sent.
    pub task_definition_request: Value,
    /// `<region's repository URI>@sha256:…`
    pub image_uri: String,
    pub config: ConfigChoice,
    pub routing: Option<TrafficRouting>,
    /// deploy_targets' alarms plus the deployment group's own, without duplicates.
    pub alarms: Vec<String>,
    pub alarm_states: Vec<AlarmState>,
    pub hooks: BTreeMap<String, String>,
    /// Deployments of the group that were running at pre-flight.
    pub in_flight: Vec<String>,
    /// The canary analysis to run (none on a rollback: the release it restores is not judged).
    pub analysis: Option<PreparedAnalysis>,
}

/// A service's analysis settings and the target groups they read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PreparedAnalysis {
    pub settings: config::Analysis,
    pub target: AnalysisTarget,
}

impl Prepared {
    pub fn family(&self) -> &str {
        self.task_definition_request["family"]
            .as_str()
            .unwrap_or_default()
    }

    /// DR regions run at desired count 0 until a failover; they still get every release.
    pub fn is_standby(&self) -> bool {
        self.snapshot.desired_count == 0
    }
}

/// What the pre-flight needs besides the targets and clients.
pub struct PreflightInput<'a> {
    pub image: &'a ImageRef,
    pub git_sha: &'a str,
    pub service: &'a config::Service,
    pub rollout_config: Option<&'a str>,
    pub require_alarms: bool,
    pub wait_for_inflight: bool,
    /// A rollback: alarms already in ALARM neither refuse nor gate (see `RolloutOptions::rollback`).
    pub allow_firing_alarms: bool,
    /// `[rollout.pause]` (none on a rollback): the deployment group must be able to hold there.
    pub pause: Option<&'a config::Pause>,
}

/// The image's repository URI in the region, after checking the digest is there.
pub async fn check_image(
    clients: &RegionClients,
    targets: &DeployTargets,
    image: &ImageRef,
) -> Result<Result<String, Refusal>, AwsError> {
    let region = &clients.region;
    let repo = &targets.ecr_repository;
    let refusal = |problem: String, fix: String| Refusal {
        scope: region.clone(),
        problem,
        fix,
    };
    let repos = match clients
        .ecr
        .describe_repositories()
        .repository_names(repo)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            if let Some(DescribeRepositoriesError::RepositoryNotFoundException(_)) =
                e.as_service_error()
            {
                return Ok(Err(refusal(
                    format!("ECR repository {repo} does not exist in {region}"),
                    format!(
                        "apply the {region} stack (it creates the repository or its replication), or correct deploy_targets.ecr_repository"
                    ),
                )));
            }
            return Err(AwsError::new(region, "ECR DescribeRepositories", e));
        }
    };
    let Some(uri) = repos
        .repositories()
        .first()
        .and_then(|r| r.repository_uri())
        .map(str::to_string)
    else {
        return Ok(Err(refusal(
            format!("ECR repository {repo} does not exist in {region}"),
            format!("apply the {region} stack, or correct deploy_targets.ecr_repository"),
        )));
    };
    let found = clients
        .ecr
        .describe_images()
        .repository_name(repo)
        .image_ids(
            ImageIdentifier::builder()
                .image_digest(&image.digest)
                .build(),
        )
        .send()
        .await;
    match found {
        Ok(out) if !out.image_details().is_empty() => Ok(Ok(image.in_repository(&uri))),
        Ok(_) => Ok(Err(missing_digest(region, repo, image))),
        Err(e) => match e.as_service_error() {
            Some(DescribeImagesError::ImageNotFoundException(_)) => {
                Ok(Err(missing_digest(region, repo, image)))
            }
            _ => Err(AwsError::new(region, "ECR DescribeImages", e)),
        },
    }
}

fn missing_digest(region: &str, repo: &str, image: &ImageRef) -> Refusal {
    Refusal {
        scope: region.to_string(),
        problem: format!("image {} is not in {repo} in {region}", image.digest),
        fix: format!(
            "wait until ECR replication has copied it to {region} (`platform-deploy deploy` waits for it), or push it there; check the digest is the one the push printed"
        ),
    }
}

/// Reads and renders one service; returns what it found and every refusal.
pub async fn prepare(
    clients: &RegionClients,
    targets: &DeployTargets,
    image_uri: &str,
    input: &PreflightInput<'_>,
) -> Result<(Option<Prepared>, Vec<Refusal>), AwsError> {
    let mut check = ServiceCheck::new(clients, targets, input);
    let Some(snapshot) = check.live_service().await? else {
        return Ok((None, check.refusals));
    };
    let (current, request) = check.render_revision(&snapshot, image_uri).await?;
    let group_alarms = check.group_alarms().await?;
    let (alarms, alarm_states) = check.gating_alarms(&group_alarms).await?;
    let in_flight = check.in_flight().await?;
    let (config, routing) = check.deployment_config().await;
    let analysis = prepare_analysis(
        clients,
        &check.target,
        input,
        &check.key,
        &mut check.refusals,
    )
    .await?;

    let Some(request) = request else {
        return Ok((None, check.refusals));
    };
    let ServiceCheck {
        key,
        target,
        refusals,
        ..
    } = check;
    Ok((
        Some(Prepared {
            key,
            region: clients.region.clone(),
            service: input.service.name.clone(),
            is_dr: targets.is_dr,
            target,
            snapshot,
            current_task_definition: current,
            task_definition_request: request,
            image_uri: image_uri.to_string(),
            config,
            routing,
            alarms,
            alarm_states,
            hooks: input.service.hooks.clone(),
            in_flight,
            analysis,
        }),
        refusals,
    ))
}

/// The service's analysis with its target groups, unless this is a rollback; a refusal when its
/// target groups or metrics are not there.
async fn prepare_analysis(
    clients: &RegionClients,
    target: &ServiceTarget,
    input: &PreflightInput<'_>,
    key: &str,
    refusals: &mut Vec<Refusal>,
) -> Result<Option<PreparedAnalysis>, AwsError> {
    let Some(settings) = input.service.analysis.as_ref() else {
        return Ok(None);
    };
    if input.allow_firing_alarms {
        return Ok(None);
    }
    match analysis::target::resolve(clients, target, settings, key).await? {
        Ok(target) => Ok(Some(PreparedAnalysis {
            settings: settings.clone(),
            target,
        })),
        Err(refusal) => {
            refusals.push(refusal);
            Ok(None)
        }
    }
}

/// Ids of the group's deployments that have not finished.
pub async fn in_flight_deployments(
    clients: &RegionClients,
    target: &ServiceTarget,
) -> Result<Vec<String>, AwsError> {
    super::backend::Backend::of(clients, target)
        .in_flight(&clients.region)
        .await
}

/// The checks that can change between waves: alarms and running deployments.
pub async fn recheck(
    clients: &RegionClients,
    prepared: &Prepared,
    wait_for_inflight: bool,
) -> Result<Vec<Refusal>, AwsError> {
    let mut refusals = Vec::new();
    if !prepared.alarms.is_empty() {
        let states =
            alarms::describe(&clients.cloudwatch, &prepared.region, &prepared.alarms).await?;
        for state in states.iter().filter(|s| s.firing()) {
            refusals.push(Refusal {
                scope: prepared.key.clone(),
                problem: format!("alarm {} is already in ALARM ({})", state.name, state.reason),
                fix: "fix what the alarm reports and run the rollout again for this region (--region)".into(),
            });
        }
    }
    if !wait_for_inflight {
        let running = in_flight_deployments(clients, &prepared.target).await?;
        if !running.is_empty() {
            refusals.push(Refusal {
                scope: prepared.key.clone(),
                problem: format!(
                    "deployment(s) {} are running on the service",
                    running.join(", ")
                ),
                fix: "wait for them, or pass --wait-for-inflight".into(),
            });
        }
    }
    Ok(refusals)
}

pub(super) fn validate(
    opts: &RolloutOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<(), RolloutError> {
    for region in opts.regions() {
        let Some(t) = targets.get(&region) else {
            return Err(RolloutError::MissingRegion {
                region,
                available: join_or_none(targets.keys()),
            });
        };
        if !clients.contains_key(&region) {
            return Err(RolloutError::NoClients(region));
        }
        if t.ecr_repository != opts.image.repository {
            return Err(RolloutError::WrongRepository {
                region,
                given: opts.image.repository.clone(),
                expected: t.ecr_repository.clone(),
            });
        }
        for service in &opts.services {
            if t.service(&service.name).is_none() {
                return Err(RolloutError::UnknownService {
                    region,
                    service: service.name.clone(),
                    available: join_or_none(t.services.keys()),
                });
            }
        }
    }
    Ok(())
}

fn join_or_none<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

pub(super) async fn prepare_all(
    opts: &RolloutOptions,
    targets: &BTreeMap<String, DeployTargets>,
    clients: &BTreeMap<String, RegionClients>,
) -> Result<(Vec<Prepared>, Vec<Refusal>), RolloutError> {
    let per_region = opts.regions().into_iter().map(|region| async move {
        let c = &clients[&region];
        let t = &targets[&region];
        let mut refusals = Vec::new();
        let image_uri = match check_image(c, t, &opts.image).await? {
            Ok(uri) => uri,
            Err(refusal) => {
                refusals.push(refusal);
                // Keep checking the services so one run shows every problem.
                opts.image.to_string()
            }
        };
        let inputs: Vec<PreflightInput<'_>> = opts
            .services
            .iter()
            .map(|service| PreflightInput {
                image: &opts.image,
                git_sha: &opts.git_sha,
                service,
                rollout_config: opts.settings.deployment_config.as_deref(),
                require_alarms: opts.settings.require_alarms,
                wait_for_inflight: opts.wait_for_inflight,
                allow_firing_alarms: opts.rollback,
                pause: super::service::gate_pause(opts),
            })
            .collect();
        let found = join_all(inputs.iter().map(|i| prepare(c, t, &image_uri, i))).await;
        let mut prepared = Vec::new();
        for f in found {
            let (p, r) = f?;
            prepared.extend(p);
            refusals.extend(r);
        }
        Ok::<_, RolloutError>((prepared, refusals))
    });
    let mut prepared = Vec::new();
    let mut refusals = Vec::new();
    for r in join_all(per_region).await {
        let (p, rf) = r?;
        prepared.extend(p);
        refusals.extend(rf);
    }
    Ok((prepared, refusals))
}
