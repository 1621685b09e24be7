//! The rollout's report: how every deployment ended, the outcome that decides the exit code, and its
//! text and Markdown renderings (the dry run's too).

use std::fmt::Write as _;
use std::time::Duration;

use crate::outcome::OutcomeKind;

use super::analysis::limits_text;
use super::monitor::GateRecord;
use super::service::{deployment_request, gate_pause, native_request};
use super::targets::Controller;
use super::{
    DeploymentResult, DryRunDeployment, Prepared, Refusal, RolloutOptions, RolloutReport, taskdef,
};

/// Worst first: what a user must act on decides the exit code.
pub(crate) fn severity(kind: OutcomeKind) -> u8 {
    match kind {
        OutcomeKind::Cancelled => 7,
        OutcomeKind::FailedNoRollback => 6,
        OutcomeKind::Failed => 5,
        OutcomeKind::TimedOut => 4,
        OutcomeKind::RolledBack => 3,
        OutcomeKind::PreflightRefused => 2,
        OutcomeKind::Succeeded => 0,
        _ => 1,
    }
}

pub(super) fn final_report(
    opts: &RolloutOptions,
    waves: Vec<Vec<String>>,
    prepared: &[Prepared],
    results: Vec<DeploymentResult>,
    stop_reason: Option<(OutcomeKind, String)>,
    refusals: Vec<Refusal>,
) -> RolloutReport {
    let started: Vec<String> = results.iter().map(DeploymentResult::key).collect();
    let not_started: Vec<String> = prepared
        .iter()
        .map(|p| p.key.clone())
        .filter(|k| !started.contains(k))
        .collect();
    let worst = results
        .iter()
        .map(|r| r.outcome)
        .chain(stop_reason.as_ref().map(|(k, _)| *k))
        .max_by_key(|k| severity(*k))
        .unwrap_or(OutcomeKind::Succeeded);
    let mut message = if worst == OutcomeKind::Succeeded {
        format!(
            "released {} to {} deployment(s) in {}",
            opts.image,
            results.len(),
            waves
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        let mut parts: Vec<String> = results
            .iter()
            .filter(|r| r.outcome != OutcomeKind::Succeeded)
            .map(|r| format!("{}: {}", r.key(), r.message))
            .collect();
        if let Some((_, reason)) = &stop_reason {
            parts.push(reason.clone());
        }
        parts.join("; ")
    };
    if worst != OutcomeKind::Succeeded && !not_started.is_empty() {
        let _ = write!(message, "; not started: {}", not_started.join(", "));
    }
    RolloutReport {
        outcome: worst,
        message,
        image: opts.image.to_string(),
        git_sha: opts.git_sha.clone(),
        waves,
        deployments: results,
        not_started,
        refusals,
        dry_run: None,
        wave_gates: Vec::new(),
    }
}

pub(super) fn dry_run_report(
    opts: &RolloutOptions,
    waves: &[Vec<String>],
    prepared: &[Prepared],
    refusals: Vec<Refusal>,
) -> RolloutReport {
    let plans: Vec<DryRunDeployment> = prepared
        .iter()
        .map(|p| {
            let placeholder = format!("<the new revision of {}>", p.family());
            let (request, native) = match p.target.controller {
                Controller::CodeDeploy => (Some(deployment_request(p, &placeholder, opts)), None),
                Controller::Ecs => (
                    None,
                    Some(native_request(p, &placeholder, gate_pause(opts))),
                ),
            };
            DryRunDeployment {
                region: p.region.clone(),
                service: p.service.clone(),
                current_task_definition: p.snapshot.task_definition.clone(),
                task_definition_request: p.task_definition_request.clone(),
                task_definition_diff: taskdef::render_diff(
                    &p.current_task_definition,
                    &p.task_definition_request,
                ),
                controller: p.target.controller,
                appspec: request
                    .as_ref()
                    .and_then(|r| serde_json::from_str(&r.revision.app_spec_content.content).ok())
                    .unwrap_or_default(),
                create_deployment: request,
                update_service: native,
                deployment_config: p.config.clone(),
                traffic_routing: p.routing,
                alarms: p.alarm_states.clone(),
                analysis: p.analysis.clone(),
                dr_standby: p.is_standby(),
            }
        })
        .collect();
    let (outcome, message) = if refusals.is_empty() {
        (
            OutcomeKind::Succeeded,
            "dry run: nothing was registered or deployed; every pre-flight check passed"
                .to_string(),
        )
    } else {
        (
            OutcomeKind::PreflightRefused,
            format!(
                "dry run: the rollout would be refused:\n  {}",
                refusals
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
        )
    };
    RolloutReport {
        outcome,
        message,
        image: opts.image.to_string(),
        git_sha: opts.git_sha.clone(),
        waves: waves.to_vec(),
        deployments: Vec::new(),
        not_started: Vec::new(),
        refusals,
        dry_run: Some(plans),
        wave_gates: Vec::new(),
    }
}

pub(super) fn short_arn(arn: &str) -> &str {
    arn.rsplit_once('/').map(|(_, r)| r).unwrap_or(arn)
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

impl RolloutReport {
    /// The text printed on stdout.
    pub fn render_text(&self, bake: Duration) -> String {
        let mut out = String::new();
        let sha = &self.git_sha[..self.git_sha.len().min(12)];
        if let Some(plans) = &self.dry_run {
            let _ = writeln!(
                out,
                "Rollout plan for {} at {sha} (dry run: nothing is registered or deployed)\n",
                self.image
            );
            for (i, regions) in self.waves.iter().enumerate() {
                let _ = writeln!(out, "wave {}: {}", i + 1, regions.join(", "));
                for plan in plans.iter().filter(|p| regions.contains(&p.region)) {
                    let standby = if plan.dr_standby {
                        " [DR standby, desired count 0: released so a failover starts on this release]"
                    } else {
                        ""
                    };
                    let _ = writeln!(out, "  {}/{}{standby}", plan.region, plan.service);
                    out.push_str(&indent(&plan.task_definition_diff, "    "));
                    let _ = writeln!(
                        out,
                        "    deployment config: {} (from {}){}",
                        plan.deployment_config.name,
                        plan.deployment_config.source,
                        plan.traffic_routing
                            .map(|r| format!(" — {}", r.describe()))
                            .unwrap_or_default()
                    );
                    let alarms: Vec<String> = plan
                        .alarms
                        .iter()
                        .map(|a| format!("{} ({})", a.name, a.state))
                        .collect();
                    let _ = writeln!(
                        out,
                        "    alarms watched: {}",
                        if alarms.is_empty() {
                            "none".into()
                        } else {
                            alarms.join(", ")
                        }
                    );
                    if let Some(a) = &plan.analysis {
                        out.push_str(&analysis_plan_text(a));
                    }
                    if let Some(request) = &plan.create_deployment {
                        let _ = writeln!(
                            out,
                            "    AppSpec (sha256 {}):",
                            request.revision.app_spec_content.sha256
                        );
                        out.push_str(&indent(
                            &serde_json::to_string_pretty(&plan.appspec).unwrap_or_default(),
                            "      ",
                        ));
                        let _ = writeln!(out, "    CreateDeployment request:");
                        out.push_str(&indent(
                            &serde_json::to_string_pretty(request).unwrap_or_default(),
                            "      ",
                        ));
                    }
                    if let Some(request) = &plan.update_service {
                        let _ = writeln!(
                            out,
                            "    UpdateService request (ECS deployment controller):"
                        );
                        out.push_str(&indent(
                            &serde_json::to_string_pretty(request).unwrap_or_default(),
                            "      ",
                        ));
                    }
                }
                if i + 1 < self.waves.len() && !bake.is_zero() {
                    let _ = writeln!(
                        out,
                        "  then bake {} with every alarm OK",
                        humantime::format_duration(bake)
                    );
                }
            }
            if self.refusals.is_empty() {
                let _ = writeln!(out, "\npre-flight: every check passed");
            } else {
                let _ = writeln!(out, "\npre-flight would REFUSE:");
                for r in &self.refusals {
                    let _ = writeln!(out, "  {r}");
                }
            }
            return out;
        }
        let _ = writeln!(
            out,
            "Rollout of {} at {sha}: {}",
            self.image,
            self.outcome.as_str()
        );
        for d in &self.deployments {
            let _ = writeln!(
                out,
                "  {:<28} {:<18} {}",
                d.key(),
                d.outcome.as_str(),
                d.message
            );
        }
        for key in &self.not_started {
            let _ = writeln!(
                out,
                "  {key:<28} {:<18} later wave not started",
                "not-started"
            );
        }
        out
    }

    /// Markdown for the job summary.
    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## platform-deploy rollout: `{}`\n\n{} at `{}`\n\n| region/service | outcome | deployment | detail |\n|---|---|---|---|\n",
            self.outcome.as_str(),
            self.image,
            &self.git_sha[..self.git_sha.len().min(12)]
        );
        for d in &self.deployments {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                d.key(),
                d.outcome.as_str(),
                d.deployment_id.as_deref().unwrap_or("—"),
                d.message.replace('|', "\\|")
            );
        }
        for key in &self.not_started {
            let _ = writeln!(
                out,
                "| {key} | `not-started` | — | a previous wave did not succeed |"
            );
        }
        let gates: Vec<(String, &GateRecord)> = self
            .deployments
            .iter()
            .flat_map(|d| d.gates.iter().map(move |g| (d.key(), g)))
            .chain(self.wave_gates.iter().map(|g| ("rollout".to_string(), g)))
            .collect();
        if !gates.is_empty() {
            out.push_str(&gates_markdown(&gates));
        }
        for d in self.deployments.iter().filter(|d| !d.analysis.is_empty()) {
            out.push_str(&analysis_markdown(d));
        }
        out
    }
}

/// The dry run's lines about a service's canary analysis.
fn analysis_plan_text(a: &super::preflight::PreparedAnalysis) -> String {
    let s = &a.settings;
    let checks: Vec<String> = s
        .checks
        .iter()
        .map(|c| format!("{} ({}: {})", c.name, c.query, limits_text(c)))
        .collect();
    format!(
        "    analysis every {} on {} (stable: {}), {} failing measurement(s) stop it, fewer than {} requests is inconclusive ({}):\n      {}\n",
        humantime::format_duration(s.interval),
        a.target.green.target_group,
        a.target.blue.target_group,
        s.failure_limit,
        s.min_requests,
        match s.inconclusive {
            crate::config::Inconclusive::Continue => "measured again",
            crate::config::Inconclusive::Fail => "counted as a failure",
        },
        checks.join("\n      ")
    )
}

/// The job summary's table of the gates: where the rollout held, who decided what and why.
fn gates_markdown(gates: &[(String, &GateRecord)]) -> String {
    let mut out = String::from(
        "\n### Gates\n\n| where | gate | decision | by | why | waited |\n|---|---|---|---|---|---|\n",
    );
    for (scope, g) in gates {
        let _ = writeln!(
            out,
            "| {scope} | {} | {} | {} | {} | {} |",
            g.point,
            g.decision,
            g.by.as_deref().unwrap_or("—"),
            g.reason.as_deref().unwrap_or("—").replace('|', "\\|"),
            super::monitor::short_duration(Duration::from_secs(g.waited_seconds))
        );
    }
    out
}

/// The job summary's table of one deployment's analysis: each check's values per step.
fn analysis_markdown(d: &DeploymentResult) -> String {
    let mut out = format!(
        "\n### Canary analysis of {}\n\n| after | traffic on new | check | new version | stable | requests | verdict |\n|---|---|---|---|---|---|---|\n",
        d.key()
    );
    for m in &d.analysis {
        let verdict = match m.verdict {
            super::analysis::Verdict::Pass => "pass".to_string(),
            super::analysis::Verdict::Fail => format!("**FAIL**: {}", m.detail),
            super::analysis::Verdict::Inconclusive => format!("inconclusive: {}", m.detail),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            super::monitor::short_duration(Duration::from_secs(m.at_seconds)),
            m.traffic_percent
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "—".into()),
            m.check,
            m.value.as_deref().unwrap_or("no data"),
            m.stable.as_deref().unwrap_or("—"),
            m.requests
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into()),
            verdict.replace('|', "\\|")
        );
    }
    out
}
