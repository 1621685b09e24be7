//! The plans a comment shows: every `<stack>.json` of a plan folder, plus what `summary.json`
//! records about each stack (provisional flags, the change-set hash recorded at plan time).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::CommentError;
use crate::terraform::plan_json::{Counts, PlanJson};

pub const SUMMARY_FILE: &str = "summary.json";

/// One stack's plan, as the comment shows it.
#[derive(Debug, Clone)]
pub struct StackPlan {
    pub name: String,
    /// `terraform show -json` of the saved plan; `None` when only summary.json knows the stack.
    pub plan: Option<PlanJson>,
    /// Planned against upstream outputs that are not applied yet: it will be planned again.
    pub provisional: bool,
    /// The change-set hash summary.json recorded, to cross-check the one computed from `plan`.
    pub recorded_hash: Option<String>,
    /// The counts summary.json recorded (shown when the plan JSON is missing).
    pub recorded_counts: Option<Counts>,
}

impl StackPlan {
    pub fn new(name: impl Into<String>, plan: PlanJson) -> StackPlan {
        StackPlan {
            name: name.into(),
            plan: Some(plan),
            provisional: false,
            recorded_hash: None,
            recorded_counts: None,
        }
    }

    pub fn provisional(mut self, provisional: bool) -> StackPlan {
        self.provisional = provisional;
        self
    }
}

/// The part of summary.json the comment reads; everything else in it is ignored.
#[derive(Debug, Default, Deserialize)]
pub struct SummaryFile {
    #[serde(default)]
    pub stacks: BTreeMap<String, SummaryStack>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SummaryStack {
    #[serde(default)]
    pub counts: Option<Counts>,
    #[serde(default)]
    pub change_set_hash: Option<String>,
    #[serde(default)]
    pub provisional: bool,
}

/// Reads a plan folder: `<stack>.json` for each stack (the stack name is the file stem) and
/// summary.json if present. Stacks come back sorted by name.
pub fn load_plan_dir(dir: &Path) -> Result<Vec<StackPlan>, CommentError> {
    let read_dir = |source| CommentError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        let is_json = path.extension().is_some_and(|e| e == "json");
        let is_summary = path.file_name().is_some_and(|n| n == SUMMARY_FILE);
        if is_json && !is_summary && path.is_file() {
            files.push(path);
        }
    }
    files.sort();

    let mut stacks: BTreeMap<String, StackPlan> = BTreeMap::new();
    for path in files {
        let bytes = std::fs::read(&path).map_err(|source| CommentError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let plan = PlanJson::parse(&bytes).map_err(|source| CommentError::PlanJson {
            path: path.clone(),
            source,
        })?;
        if plan.format_version.is_empty() {
            return Err(CommentError::NotAPlan { path });
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        stacks.insert(name.clone(), StackPlan::new(name, plan));
    }

    let summary_path = dir.join(SUMMARY_FILE);
    if summary_path.is_file() {
        let bytes = std::fs::read(&summary_path).map_err(|source| CommentError::ReadFile {
            path: summary_path.clone(),
            source,
        })?;
        let summary: SummaryFile =
            serde_json::from_slice(&bytes).map_err(|source| CommentError::Summary {
                path: summary_path.clone(),
                source,
            })?;
        for (name, recorded) in summary.stacks {
            let stack = stacks.entry(name.clone()).or_insert_with(|| StackPlan {
                name,
                plan: None,
                provisional: false,
                recorded_hash: None,
                recorded_counts: None,
            });
            stack.provisional = recorded.provisional;
            stack.recorded_hash = recorded.change_set_hash;
            stack.recorded_counts = recorded.counts;
        }
    }

    if stacks.is_empty() {
        return Err(CommentError::NoPlans {
            dir: dir.to_path_buf(),
        });
    }
    Ok(stacks.into_values().collect())
}
