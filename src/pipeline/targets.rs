//! The deploy targets: what each regional stack's `deploy_targets` output says about its services
//! (clusters, deployment groups, alarms), read from terraform or from a `--targets` file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use crate::error::Error;
use crate::rollout::RolloutError;
use crate::rollout::targets::{self, DeployTargets};
use crate::runner::Workflow;
use crate::settings::Settings;
use crate::terraform::session;
use crate::work_lock::WORK_DIR;

/// The output of each regional stack the tool reads.
pub const OUTPUT: &str = "deploy_targets";

/// Region → its stack's deploy targets, from terraform (`terraform output` of each regional stack,
/// run in `out_dir`).
pub async fn from_stacks(
    settings: &Settings,
    out_dir: &Path,
    workflow: &Workflow,
    cancel: CancellationToken,
) -> Result<BTreeMap<String, DeployTargets>, Error> {
    let raw = session::regional_output(
        &settings.config,
        OUTPUT,
        settings.role.as_deref(),
        out_dir,
        workflow,
        cancel,
    )
    .await?;
    let value = serde_json::Value::Object(raw.into_iter().collect());
    Ok(
        targets::parse_targets_map("terraform output deploy_targets", &value)
            .map_err(RolloutError::from)?,
    )
}

/// The targets of a command that acts on live services: from `--targets FILE` when given, else
/// from the regional stacks' outputs.
pub async fn load(
    settings: &Settings,
    file: Option<&Path>,
    workflow: &Workflow,
) -> Result<BTreeMap<String, DeployTargets>, Error> {
    if let Some(file) = file {
        return Ok(targets::load_targets_file(file).map_err(RolloutError::from)?);
    }
    let dir = PathBuf::from(WORK_DIR).join("plans");
    from_stacks(settings, &dir, workflow, CancellationToken::new()).await
}

/// Keeps the targets a deploy released to in the work folder: a later `rollback --targets FILE`
/// can use them when terraform's state is out of reach.
pub fn keep(targets: &BTreeMap<String, DeployTargets>, path: &Path) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(targets).unwrap_or_default();
    std::fs::write(path, text).map_err(Error::Output)
}
