//! The failover checklist on disk: which steps of which operation are done, so that a rerun after
//! a failure or an interruption continues where it stopped instead of starting over.
//!
//! Every step also checks AWS before it acts, so a lost file costs time, not correctness: the file
//! spares the slow steps (Terraform applies) and keeps the record for the report.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::FailoverError;
use crate::terraform::summary::now_rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Pending,
    Done,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    pub id: String,
    pub title: String,
    pub state: StepState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checklist {
    /// The command line that owns the file, e.g. `failover --to eu-west-1`.
    pub operation: String,
    pub started_at: String,
    pub steps: Vec<StepRecord>,
    #[serde(skip)]
    path: PathBuf,
}

impl Checklist {
    /// The checklist of `operation`: resumed from `path` when it holds the same unfinished
    /// operation, fresh when the file is missing or its operation finished. An unfinished
    /// different operation is refused: two half-done failovers must not interleave.
    pub fn open(
        path: &Path,
        operation: &str,
        steps: &[(String, String)],
    ) -> Result<(Checklist, bool), FailoverError> {
        let fresh = || Checklist {
            operation: operation.to_string(),
            started_at: now_rfc3339(),
            steps: steps
                .iter()
                .map(|(id, title)| StepRecord {
                    id: id.clone(),
                    title: title.clone(),
                    state: StepState::Pending,
                    finished_at: None,
                    detail: None,
                })
                .collect(),
            path: path.to_path_buf(),
        };
        let Some(mut recorded) = Self::read(path)? else {
            return Ok((fresh(), false));
        };
        if recorded.finished() {
            return Ok((fresh(), false));
        }
        if recorded.operation != operation {
            return Err(FailoverError::Unfinished {
                path: path.to_path_buf(),
                recorded: recorded.operation.clone(),
                requested: operation.to_string(),
                done: recorded.done_count(),
                total: recorded.steps.len(),
            });
        }
        // Keep the recorded state of the steps this version still has, in this version's order.
        let mut merged = fresh();
        for step in &mut merged.steps {
            if let Some(old) = recorded.steps.iter_mut().find(|s| s.id == step.id) {
                step.state = old.state;
                step.finished_at = old.finished_at.take();
                step.detail = old.detail.take();
            }
        }
        merged.started_at = recorded.started_at;
        Ok((merged, true))
    }

    /// The checklist recorded at `path`, if any (read-only: for `--drill`).
    pub fn read(path: &Path) -> Result<Option<Checklist>, FailoverError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(FailoverError::CorruptChecklist {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                });
            }
        };
        let mut checklist: Checklist =
            serde_json::from_str(&text).map_err(|e| FailoverError::CorruptChecklist {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        checklist.path = path.to_path_buf();
        Ok(Some(checklist))
    }

    pub fn is_done(&self, id: &str) -> bool {
        self.steps
            .iter()
            .any(|s| s.id == id && s.state == StepState::Done)
    }

    pub fn done_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .count()
    }

    pub fn finished(&self) -> bool {
        self.steps.iter().all(|s| s.state == StepState::Done)
    }

    pub fn record(
        &mut self,
        id: &str,
        state: StepState,
        detail: Option<String>,
    ) -> Result<(), FailoverError> {
        if let Some(step) = self.steps.iter_mut().find(|s| s.id == id) {
            step.state = state;
            step.finished_at = Some(now_rfc3339());
            step.detail = detail;
        }
        self.save()
    }

    /// Written to a temporary file and renamed, so an interruption never leaves half a file.
    pub fn save(&self) -> Result<(), FailoverError> {
        let error = |source| FailoverError::WriteChecklist {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(&tmp, text).map_err(error)?;
        std::fs::rename(&tmp, &self.path).map_err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Vec<(String, String)> {
        ["a", "b", "c"]
            .iter()
            .map(|s| (s.to_string(), format!("step {s}")))
            .collect()
    }

    #[test]
    fn resumes_the_same_unfinished_operation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let (mut c, resumed) = Checklist::open(&path, "failover --to eu-west-1", &steps()).unwrap();
        assert!(!resumed);
        c.record("a", StepState::Done, Some("ok".into())).unwrap();
        c.record("b", StepState::Failed, Some("boom".into()))
            .unwrap();
        let (c, resumed) = Checklist::open(&path, "failover --to eu-west-1", &steps()).unwrap();
        assert!(resumed);
        assert!(c.is_done("a"));
        assert!(!c.is_done("b"));
        assert_eq!(c.steps[1].state, StepState::Failed);
    }

    #[test]
    fn refuses_a_different_unfinished_operation_and_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let (mut c, _) = Checklist::open(&path, "failover --to eu-west-1", &steps()).unwrap();
        c.record("a", StepState::Done, None).unwrap();
        let err = Checklist::open(&path, "failover --back", &steps()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("unfinished `failover --to eu-west-1`"),
            "{text}"
        );
        assert!(text.contains("1 of 3 steps done"), "{text}");
        assert_eq!(err.kind(), crate::OutcomeKind::BadInput);
    }

    #[test]
    fn a_finished_operation_starts_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        let (mut c, _) = Checklist::open(&path, "failover --to eu-west-1", &steps()).unwrap();
        for id in ["a", "b", "c"] {
            c.record(id, StepState::Done, None).unwrap();
        }
        let (c, resumed) = Checklist::open(&path, "failover --back", &steps()).unwrap();
        assert!(!resumed);
        assert_eq!(c.done_count(), 0);
    }

    #[test]
    fn a_damaged_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = Checklist::open(&path, "failover --back", &steps()).unwrap_err();
        assert!(err.to_string().contains("is not a failover checklist"));
        assert!(err.to_string().contains("fix: move the file aside"));
    }
}
