//! `summary.json`: what each stack's plan will do, and the change-set hash a later apply is held to.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::TerraformError;
use super::plan_json::{Addresses, Counts};

pub const SUMMARY_FILE: &str = "summary.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlanSummary {
    pub offline: bool,
    pub stacks: BTreeMap<String, StackSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StackStatus {
    Planned,
    Applied,
    Unchanged,
    Failed,
    Skipped,
    PlanChanged,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StackSummary {
    pub status: StackStatus,
    #[serde(default)]
    pub counts: Counts,
    #[serde(default)]
    pub addresses: Addresses,
    #[serde(default)]
    pub change_set_hash: String,
    /// Per-address digests of the change set, to name what differs when a re-plan does not match.
    #[serde(default)]
    pub change_digests: BTreeMap<String, String>,
    /// Planned before an upstream stack was applied (or with inputs it could not resolve yet).
    #[serde(default)]
    pub provisional: bool,
    #[serde(default)]
    pub unresolved_inputs: Vec<String>,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub finished_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl StackSummary {
    pub fn without_plan(status: StackStatus, message: String) -> Self {
        StackSummary {
            status,
            counts: Counts::default(),
            addresses: Addresses::default(),
            change_set_hash: String::new(),
            change_digests: BTreeMap::new(),
            provisional: false,
            unresolved_inputs: Vec::new(),
            terraform_version: String::new(),
            started_at: String::new(),
            finished_at: String::new(),
            message: Some(message),
        }
    }

    pub fn has_changes(&self) -> bool {
        self.counts.total() > 0 || !self.change_digests.is_empty()
    }
}

impl PlanSummary {
    pub fn write(&self, dir: &Path) -> Result<(), TerraformError> {
        let path = dir.join(SUMMARY_FILE);
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(&path, text).map_err(|source| TerraformError::Write { path, source })
    }

    pub fn read(dir: &Path) -> Result<PlanSummary, TerraformError> {
        let path = dir.join(SUMMARY_FILE);
        let text = std::fs::read_to_string(&path).map_err(|_| TerraformError::MissingReview {
            stack: "(all)".into(),
            dir: dir.to_path_buf(),
        })?;
        serde_json::from_str(&text).map_err(|e| TerraformError::BadOutput {
            stack: "(all)".into(),
            step: format!("read {}", path.display()),
            reason: e.to_string(),
        })
    }
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl PlanSummary {
    /// Outcome-relevant facts: any stack with changes, failed, or refused.
    pub fn any_changes(&self) -> bool {
        self.stacks
            .values()
            .any(|s| s.status == StackStatus::Planned && s.has_changes())
    }

    pub fn failed(&self) -> Vec<&str> {
        self.with_status(StackStatus::Failed)
    }

    pub fn plan_changed(&self) -> Vec<&str> {
        self.with_status(StackStatus::PlanChanged)
    }

    fn with_status(&self, status: StackStatus) -> Vec<&str> {
        self.stacks
            .iter()
            .filter(|(_, s)| s.status == status)
            .map(|(n, _)| n.as_str())
            .collect()
    }

    /// One line per stack, for terminals and logs.
    pub fn render_text(&self) -> String {
        let width = self
            .stacks
            .keys()
            .map(String::len)
            .max()
            .unwrap_or(5)
            .max(5);
        let mut out = String::new();
        for (name, s) in &self.stacks {
            let status = match s.status {
                StackStatus::Planned if s.provisional => "planned (provisional)".to_string(),
                ref other => serde_json::to_value(other)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            };
            let c = &s.counts;
            let counts = format!(
                "+{} ~{} -{} ±{}{}{}",
                c.add,
                c.change,
                c.destroy,
                c.replace,
                if c.import > 0 {
                    format!(" import {}", c.import)
                } else {
                    String::new()
                },
                if c.moved > 0 {
                    format!(" move {}", c.moved)
                } else {
                    String::new()
                },
            );
            let hash = if s.change_set_hash.is_empty() {
                String::new()
            } else {
                format!(
                    "  {}",
                    &s.change_set_hash[..s.change_set_hash.len().min(19)]
                )
            };
            out.push_str(&format!("{name:<width$}  {status:<22} {counts}{hash}\n"));
            if let Some(message) = &s.message {
                for line in message.lines() {
                    out.push_str(&format!("{:width$}    {line}\n", ""));
                }
            }
        }
        out
    }
}
