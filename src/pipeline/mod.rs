//! The deploy pipeline: the one place that knows the whole order of a release.
//!
//! [`deploy`] runs it as typed steps, each handing the next what it needs:
//! 1. the stacks applied ([`stacks`]: a [`PlanSummary`]);
//! 2. the deploy targets their outputs name ([`targets`]: region → [`DeployTargets`]);
//! 3. the image pushed and replicated ([`image`]: a [`PushReport`], whose digest becomes the
//!    rollout's [`ImageRef`]);
//! 4. the rollout, region wave by region wave ([`crate::rollout::run`]: a [`RolloutReport`]).
//!
//! The first step that does not succeed ends the release with its outcome; a signal between steps
//! ends it there (nothing is in flight to stop). [`DeployPlan`] describes the same order from the
//! configuration alone, for `--dry-run` ([`dry_run`]).

pub mod image;
pub mod plan;
pub mod rollout;
pub mod stacks;
pub mod targets;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use plan::{DeployPlan, ImageStep, RolloutWave, ServiceRollout, TerraformStep};

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::image::release::PushReport;
use crate::outcome::{Outcome, OutcomeKind};
use crate::rollout::{DeployTargets, ImageRef, Progress, RolloutReport};
use crate::runner::Workflow;
use crate::settings::{Selection, Settings};
use crate::terraform::session;
use crate::terraform::summary::PlanSummary;
use crate::work_lock::WORK_DIR;

/// What `deploy` was asked to do besides what platform.toml says.
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub git_sha: Option<String>,
    /// Leave the stacks as they are (a workflow applied the reviewed plans already).
    pub skip_terraform: bool,
    /// Apply these reviewed plans instead of planning afresh.
    pub reviewed_plans: Option<PathBuf>,
    pub registry_endpoint: Option<String>,
    pub timeout: Option<String>,
}

/// What each step of a release produced, as far as it got (`--output json`'s `data`).
#[derive(Debug, Serialize)]
pub struct DeployReport {
    pub plan: DeployPlan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terraform: Option<PlanSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<PushReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<RolloutReport>,
}

impl DeployReport {
    fn end(&self, kind: OutcomeKind, message: impl Into<String>) -> Outcome {
        Outcome::new(kind, message).with_data(serde_json::to_value(self).unwrap_or_default())
    }
}

/// The whole release: stacks, deploy targets, image, rollout.
pub async fn deploy(
    settings: &Settings,
    request: &DeployRequest,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let sha = settings.release_sha(request.git_sha.as_deref())?;
    let plans_dir = PathBuf::from(WORK_DIR).join("plans");
    let mut report = DeployReport {
        plan: DeployPlan::new(&settings.config, &sha, false, false),
        terraform: None,
        image: None,
        rollout: None,
    };

    // 1. The stacks.
    if !request.skip_terraform {
        let _group = workflow.group("platform-deploy: terraform");
        let applied = stacks::apply(
            settings,
            request.reviewed_plans.as_deref(),
            &plans_dir,
            workflow,
            cancel.clone(),
        )
        .await?;
        report.terraform = Some(applied.summary);
        if !applied.outcome.outcome.is_success() {
            return Ok(report.end(applied.outcome.outcome, applied.outcome.message));
        }
    }
    if cancel.is_cancelled() {
        return Ok(report.end(OutcomeKind::Cancelled, "cancelled after the Terraform step"));
    }

    // 2. The deploy targets the regional stacks export, kept beside the plans for rollbacks.
    let targets = targets::from_stacks(settings, &plans_dir, workflow, cancel.clone()).await?;
    targets::keep(
        &targets,
        &PathBuf::from(WORK_DIR).join("deploy-targets.json"),
    )?;

    // 3. The image: build, push, wait for replication.
    let push_request = image::PushRequest {
        registry_endpoint: request.registry_endpoint.clone(),
        ..image::PushRequest::default()
    };
    let (pushed, push_settings) = image::push(settings, &push_request, &sha, workflow).await?;
    image::report(&pushed, &push_settings, settings.output, workflow)?;
    let image = image::pushed_image(&pushed);
    let released = pushed
        .digest
        .as_ref()
        .map(|digest| format!("{}@{digest}", pushed.repository));
    report.image = Some(pushed);
    let (Some(image), Some(released)) = (image, released) else {
        return Ok(report.end(OutcomeKind::Failed, "the push reported no digest"));
    };
    let image = image?;
    if cancel.is_cancelled() {
        return Ok(report.end(
            OutcomeKind::Cancelled,
            "cancelled after the image was pushed, before any rollout",
        ));
    }

    // 4. The rollout, region wave by region wave.
    let rolled = release(settings, request, image, &sha, &targets, workflow, &cancel).await?;
    let message = if rolled.outcome.is_success() {
        format!("released {released} at {}: {}", &sha[..12], rolled.message)
    } else {
        rolled.message.clone()
    };
    let kind = rolled.outcome;
    report.rollout = Some(rolled);
    Ok(report.end(kind, message))
}

/// Step 4: every service of every region, with the deploy's timeout.
async fn release(
    settings: &Settings,
    request: &DeployRequest,
    image: ImageRef,
    sha: &str,
    targets: &BTreeMap<String, DeployTargets>,
    workflow: &Workflow,
    cancel: &CancellationToken,
) -> Result<RolloutReport, Error> {
    let opts = settings.rollout_options(
        &Selection {
            regions: &[],
            services: &[],
            timeout: request.timeout.as_deref(),
            wait_for_inflight: false,
            dry_run: false,
        },
        image,
        sha.to_string(),
    )?;
    let regions: Vec<String> = opts.waves().into_iter().flatten().collect();
    let clients = settings.clients(&regions, workflow).await?;
    let report = crate::rollout::run(&opts, targets, &clients, cancel, &Progress::stderr()).await?;
    rollout::publish(&report, opts.settings.bake_time, settings.output, workflow)?;
    Ok(report)
}

/// `deploy --dry-run`: the plan of the release and every stack's terraform plan; nothing that
/// changes anything is sent (`offline`: nothing is sent anywhere).
pub async fn dry_run(
    settings: &Settings,
    git_sha: Option<&str>,
    offline: bool,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<Outcome, Error> {
    let sha = settings.release_sha(git_sha)?;
    let plan = DeployPlan::new(&settings.config, &sha, true, offline);
    let mut text = plan.render_text();
    let selection = session::Selection {
        offline,
        ..session::Selection::default()
    };
    let out_dir = PathBuf::from(WORK_DIR).join("plans");
    let summary = session::plan_stacks(
        &settings.config,
        &selection,
        settings.role.as_deref(),
        &out_dir,
        workflow,
        cancel,
    )
    .await?;
    text.push_str("\nTerraform plans (saved in .platform-deploy/plans):\n");
    text.push_str(&summary.render_text());
    if settings.output == OutputFormat::Text {
        print!("{text}");
    }
    workflow.append_summary(&format!(
        "## platform-deploy: deploy plan\n\n```text\n{text}```\n"
    ))?;
    let data = serde_json::json!({ "plan": plan, "terraform": summary });
    let failed = summary.failed();
    if !failed.is_empty() {
        return Ok(Outcome::new(
            OutcomeKind::Failed,
            format!("dry run: plan failed for {}", failed.join(", ")),
        )
        .with_data(data));
    }
    Ok(Outcome::success("dry run: deploy plan printed; nothing was changed").with_data(data))
}
