//! `promote` and `abort`: find the gates waiting where asked, record the decision with who and why.

use serde::Serialize;

use crate::cli::{Cli, GateArgs, OutputFormat};
use crate::config::gate_parameter_path;
use crate::error::Error;
use crate::outcome::Outcome;
use crate::rollout::RolloutError;
use crate::rollout::gate::{self, GateDoc, GateState, epoch_now};
use crate::runner::Workflow;
use crate::settings::{Settings, selected_regions};

/// One gate decided.
#[derive(Debug, Serialize)]
struct Decided {
    region: String,
    parameter: String,
    #[serde(flatten)]
    doc: GateDoc,
}

pub async fn run(
    cli: &Cli,
    args: &GateArgs,
    decision: GateState,
    workflow: &Workflow,
) -> Result<Outcome, Error> {
    let verb = if decision == GateState::Promote {
        "promote"
    } else {
        "abort"
    };
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(Error::Usage {
            message: format!("--reason is empty: a {verb} records why"),
            fix: format!("platform-deploy {verb} --reason \"what you checked\""),
        });
    }
    let settings = Settings::load(cli, workflow)?;
    let regions = selected_regions(&settings.config, &args.places.regions)?;
    let clients = settings.clients(&regions, workflow).await?;
    let path = gate_parameter_path(&settings.config.project);

    let (mut waiting, unread) = gate::waiting(&clients, &regions, &path).await;
    if let Some(e) = unread.into_iter().next() {
        return Err(RolloutError::from(e).into());
    }
    waiting.retain(|(_, doc)| wanted(doc, &args.places.services));
    if waiting.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "no rollout is waiting at a gate in {}{}",
                regions.join(", "),
                if args.places.services.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", args.places.services.join(", "))
                }
            ),
            fix: "a rollout opens its gate when it reaches a [rollout.pause] point and says so in its log; check --region/--service, or whether it already went on".into(),
        });
    }

    let by = settings.runner.who().unwrap_or_else(|| "unknown".into());
    let mut decided = Vec::new();
    for (gate, doc) in &waiting {
        let ssm = &clients[&gate.region].ssm;
        let written = gate
            .decide(ssm, doc, decision, &by, reason)
            .await
            .map_err(RolloutError::from)?;
        decided.push(Decided {
            region: gate.region.clone(),
            parameter: gate.name.clone(),
            doc: written,
        });
    }
    if settings.output == OutputFormat::Text {
        for d in &decided {
            println!(
                "{verb}: {} at the {} gate (release {}, waiting {}s) by {}: {reason}",
                d.doc.scope,
                d.doc.point,
                d.doc.release,
                epoch_now().saturating_sub(d.doc.opened_at),
                by
            );
        }
    }
    let _ = workflow.append_summary(&format!(
        "## platform-deploy {verb}\n\n{} by {by}: {reason}\n\n{}\n",
        if decided.len() == 1 {
            "One gate"
        } else {
            "Gates"
        },
        decided
            .iter()
            .map(|d| format!("- {} at the `{}` gate", d.doc.scope, d.doc.point))
            .collect::<Vec<_>>()
            .join("\n")
    ));
    Ok(Outcome::success(format!(
        "{verb}: {} gate(s) decided; the waiting rollout acts at its next poll",
        decided.len()
    ))
    .with_data(serde_json::to_value(&decided).unwrap_or_default()))
}

/// Whether a gate belongs to one of `services` (every gate when none is named; a wave's gate
/// belongs to no service).
fn wanted(doc: &GateDoc, services: &[String]) -> bool {
    let services: Vec<&String> = services.iter().filter(|s| !s.trim().is_empty()).collect();
    services.is_empty()
        || doc
            .scope
            .split_once('/')
            .is_some_and(|(_, service)| services.iter().any(|s| *s == service))
}
