//! The rollout step's report: stdout (text output), the job summary and the step outputs. `rollout`
//! and `deploy` share it.

use crate::cli::OutputFormat;
use crate::error::Error;
use crate::rollout::{DeploymentResult, RolloutReport};
use crate::runner::Workflow;

/// Prints and records `report`; `bake` is the bake time shown between waves.
pub fn publish(
    report: &RolloutReport,
    bake: std::time::Duration,
    output: OutputFormat,
    workflow: &Workflow,
) -> Result<(), Error> {
    if output == OutputFormat::Text {
        print!("{}", report.render_text(bake));
    }
    workflow.append_summary(&report.render_markdown())?;
    // Step outputs (action.yml): one per line.
    let lines = |f: fn(&DeploymentResult) -> Option<&String>| {
        report
            .deployments
            .iter()
            .filter_map(f)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (name, value) in [
        (
            "task-definition-arns",
            lines(|d| d.task_definition_arn.as_ref()),
        ),
        ("deployment-ids", lines(|d| d.deployment_id.as_ref())),
    ] {
        if !value.is_empty() {
            let _ = workflow.set_output(name, &value);
        }
    }
    Ok(())
}
