//! The comment body: a headline, warnings, a table of stacks, then one section per stack, kept
//! under GitHub's size limit by leaving detail out in a fixed order.
//!
//! This module is the body's interface: where it goes ([`Target`]), what to render it with
//! ([`RenderOptions`]) and what comes back ([`Rendered`]). The work is done in its siblings:
//! [`super::markers`] (the hidden marker lines), [`super::view`] (what is shown about each
//! stack), [`super::document`] and [`super::section`] (the Markdown) and [`super::fit`] (the size
//! fitting).

pub use super::fit::render_body;
pub use super::markers::{commit_marker, commit_of, is_comment_for, marker};
pub use super::view::stateful_kind;

/// GitHub refuses issue comments longer than this.
pub const COMMENT_LIMIT: usize = 65_536;
/// GitHub's job summary limit is 1 MiB per step; this leaves room for what else the step writes.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// The log group that holds the full plan when the comment is shortened.
pub const FULL_PLAN_GROUP: &str = "Full plan";

/// Where a body goes: a PR comment or the job summary (each with its own limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Comment,
    JobSummary,
}

impl Target {
    /// The longest body this target takes (in [`github_len`](super::markdown::github_len) units).
    pub fn limit(self) -> usize {
        match self {
            Target::Comment => COMMENT_LIMIT,
            Target::JobSummary => SUMMARY_LIMIT,
        }
    }

    /// The limit in words, for the note saying the body was shortened.
    pub(super) fn limit_text(self) -> &'static str {
        match self {
            Target::Comment => "GitHub's 65,536-character comment limit",
            Target::JobSummary => "the 1 MiB job summary limit",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Identifies the comment among others on the PR (`--comment-key`, default the config path).
    pub key: String,
    /// The commit the plans reflect (the PR head).
    pub head_sha: Option<String>,
    /// The workflow run whose log and artifacts hold the full plan.
    pub run_url: Option<String>,
    pub target: Target,
    /// Overrides the target's limit (in [`github_len`](super::markdown::github_len) units).
    pub limit: Option<usize>,
}

impl RenderOptions {
    pub fn new(key: impl Into<String>, target: Target) -> RenderOptions {
        RenderOptions {
            key: key.into(),
            head_sha: None,
            run_url: None,
            target,
            limit: None,
        }
    }
}

/// A rendered body and what was left out of it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub key: String,
    pub head_sha: Option<String>,
    pub body: String,
    /// Human descriptions of what was left out to fit the limit; empty when nothing was.
    pub left_out: Vec<String>,
}

impl Rendered {
    pub fn is_complete(&self) -> bool {
        self.left_out.is_empty()
    }
}
