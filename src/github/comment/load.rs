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
    /// `terraform show -json` of the saved plan; `None` when only summary.json knows the stack
    /// (its plan failed, or it was skipped).
    pub plan: Option<PlanJson>,
    /// Planned against upstream outputs that are not applied yet: it will be planned again.
    pub provisional: bool,
    /// Planned without AWS access (fake credentials): the plan did not read the real resources.
    pub offline: bool,
    /// What summary.json records about the stack, if it does.
    pub recorded: Option<SummaryStack>,
}

impl StackPlan {
    pub fn new(name: impl Into<String>, plan: PlanJson) -> StackPlan {
        StackPlan {
            name: name.into(),
            plan: Some(plan),
            provisional: false,
            offline: false,
            recorded: None,
        }
    }

    pub fn provisional(mut self, provisional: bool) -> StackPlan {
        self.provisional = provisional;
        self
    }

    pub fn offline(mut self, offline: bool) -> StackPlan {
        self.offline = offline;
        self
    }
}

/// The part of summary.json (written by `platform-deploy plan`) the comment reads; everything
/// else in it is ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SummaryFile {
    #[serde(default)]
    pub offline: bool,
    #[serde(default)]
    pub stacks: BTreeMap<String, SummaryStack>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SummaryStack {
    /// `planned`, `unchanged`, `failed`, `skipped`, ...
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub counts: Option<Counts>,
    /// The hash recorded at plan time (empty when the stack has no plan).
    #[serde(default, deserialize_with = "empty_as_none")]
    pub change_set_hash: Option<String>,
    #[serde(default)]
    pub provisional: bool,
    /// Inputs whose upstream output is not known yet (why the stack is provisional).
    #[serde(default)]
    pub unresolved_inputs: Vec<String>,
}

impl SummaryStack {
    /// The plan did not produce a usable result (`failed`, `skipped`).
    pub fn failed_or_skipped(&self) -> Option<&str> {
        self.status
            .as_deref()
            .filter(|s| matches!(*s, "failed" | "skipped"))
    }
}

fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

/// Files a plan folder holds besides the plans themselves.
const NOT_PLANS: &[&str] = &[SUMMARY_FILE, "apply-summary.json"];

/// Reads a plan folder: `<stack>.json` for each stack (the stack name is the file stem) and
/// summary.json if present. With summary.json, its stacks are the ones shown (other JSON files
/// are left alone); without it, every other `.json` must be a plan. Stacks come back sorted.
pub fn load_plan_dir(dir: &Path) -> Result<Vec<StackPlan>, CommentError> {
    let read_dir = |source| CommentError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let summary = read_summary(dir)?;
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        let is_json = path.extension().is_some_and(|e| e == "json");
        let known = path
            .file_name()
            .is_some_and(|n| NOT_PLANS.iter().any(|k| n == *k));
        if is_json && !known && path.is_file() {
            files.push(path);
        }
    }
    files.sort();

    let mut stacks: BTreeMap<String, StackPlan> = BTreeMap::new();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(summary) = &summary
            && !summary.stacks.contains_key(&name)
        {
            tracing::debug!(
                "{} is not a stack of summary.json; left alone",
                path.display()
            );
            continue;
        }
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
        stacks.insert(name.clone(), StackPlan::new(name, plan));
    }

    if let Some(summary) = summary {
        for (name, recorded) in summary.stacks {
            let stack = stacks.entry(name.clone()).or_insert_with(|| StackPlan {
                name,
                plan: None,
                provisional: false,
                offline: false,
                recorded: None,
            });
            stack.provisional = recorded.provisional;
            stack.offline = summary.offline;
            if recorded.failed_or_skipped().is_some() {
                // This run did not plan the stack: a <stack>.json left by an earlier run is stale.
                stack.plan = None;
            }
            stack.recorded = Some(recorded);
        }
    }

    if stacks.is_empty() {
        return Err(CommentError::NoPlans {
            dir: dir.to_path_buf(),
        });
    }
    Ok(stacks.into_values().collect())
}

fn read_summary(dir: &Path) -> Result<Option<SummaryFile>, CommentError> {
    let path = dir.join(SUMMARY_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|source| CommentError::ReadFile {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| CommentError::Summary { path, source })
}
