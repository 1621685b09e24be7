//! The outcome of a command: one variant per distinct result, each with its documented exit code.
//!
//! Every command ends in exactly one `Outcome`. `main` turns it into the process exit code, the
//! `--output json` object on stdout and the `outcome` step output, so a rolled-back deployment can
//! never be reported as success.

use serde::Serialize;

/// How a command ended. The exit codes are part of the public contract (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// Everything asked for was done.
    Succeeded,
    /// A bug or an unexpected failure of something we depend on.
    Failed,
    /// Usage error, invalid configuration, missing file.
    BadInput,
    /// The change set differs from the one that was reviewed; nothing was applied.
    PlanChanged,
    /// A deployment was rolled back (alarm, failed lifecycle hook, failed deployment).
    RolledBack,
    /// A deployment failed and could not be rolled back.
    FailedNoRollback,
    /// A wait passed its timeout (and in-flight work was stopped with rollback).
    TimedOut,
    /// SIGINT or SIGTERM arrived; in-flight work was stopped and rolled back.
    Cancelled,
    /// A pre-flight check refused to start; nothing was changed.
    PreflightRefused,
    /// `plan --detailed-exitcode`: the plans hold changes (drift checks).
    ChangesPresent,
}

impl OutcomeKind {
    pub fn exit_code(self) -> u8 {
        match self {
            OutcomeKind::Succeeded => 0,
            OutcomeKind::Failed => 1,
            OutcomeKind::BadInput => 2,
            OutcomeKind::PlanChanged => 3,
            OutcomeKind::RolledBack => 4,
            OutcomeKind::FailedNoRollback => 5,
            OutcomeKind::TimedOut => 6,
            OutcomeKind::Cancelled => 7,
            OutcomeKind::PreflightRefused => 8,
            OutcomeKind::ChangesPresent => 10,
        }
    }

    /// The word used in step outputs and JSON (`outcome=rolled-back`).
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Succeeded => "succeeded",
            OutcomeKind::Failed => "failed",
            OutcomeKind::BadInput => "bad-input",
            OutcomeKind::PlanChanged => "plan-changed",
            OutcomeKind::RolledBack => "rolled-back",
            OutcomeKind::FailedNoRollback => "failed-no-rollback",
            OutcomeKind::TimedOut => "timed-out",
            OutcomeKind::Cancelled => "cancelled",
            OutcomeKind::PreflightRefused => "preflight-refused",
            OutcomeKind::ChangesPresent => "changes-present",
        }
    }

    pub fn is_success(self) -> bool {
        matches!(self, OutcomeKind::Succeeded | OutcomeKind::ChangesPresent)
    }
}

/// A finished command: its kind, a one-line message for humans and the data it produced.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub outcome: OutcomeKind,
    pub exit_code: u8,
    pub message: String,
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Outcome {
    pub fn new(kind: OutcomeKind, message: impl Into<String>) -> Self {
        Outcome {
            outcome: kind,
            exit_code: kind.exit_code(),
            message: message.into(),
            data: serde_json::Value::Null,
        }
    }

    pub fn success(message: impl Into<String>) -> Self {
        Outcome::new(OutcomeKind::Succeeded, message)
    }

    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_match_the_documented_table() {
        let table = [
            (OutcomeKind::Succeeded, 0),
            (OutcomeKind::Failed, 1),
            (OutcomeKind::BadInput, 2),
            (OutcomeKind::PlanChanged, 3),
            (OutcomeKind::RolledBack, 4),
            (OutcomeKind::FailedNoRollback, 5),
            (OutcomeKind::TimedOut, 6),
            (OutcomeKind::Cancelled, 7),
            (OutcomeKind::PreflightRefused, 8),
            (OutcomeKind::ChangesPresent, 10),
        ];
        for (kind, code) in table {
            assert_eq!(kind.exit_code(), code, "{kind:?}");
        }
        let readme = include_str!("../README.md");
        for (kind, code) in table {
            let row = format!("| {code} | `{}` |", kind.as_str());
            assert!(
                readme.contains(&row),
                "README exit-code table lacks the row {row}"
            );
        }
    }

    #[test]
    fn rolled_back_is_never_success() {
        assert!(!OutcomeKind::RolledBack.is_success());
        let json = serde_json::to_value(Outcome::new(OutcomeKind::RolledBack, "x")).unwrap();
        assert_eq!(json["outcome"], "rolled-back");
        assert_eq!(json["exit_code"], 4);
    }
}
