//! The pull request plan comment and the job summary: one sticky comment per PR and comment key
//! that shows what every stack's plan will do, kept under GitHub's size limit without ever hiding
//! a destroy, and never showing a sensitive value.
//!
//! - [`load_plan_dir`] reads `<stack>.json` (`terraform show -json`) and `summary.json`.
//! - [`render_body`] turns [`StackPlan`]s into markdown for a [`Target`] (comment or job summary).
//! - [`post_plan_comment`] creates or edits the comment through octocrab.
//! - [`publish`] does all of it in order: job summary first, then the comment.

mod diff;
mod document;
mod error;
mod fit;
mod load;
pub mod markdown;
mod markers;
mod post;
mod render;
mod section;
mod trust;
mod view;

pub use diff::{SENSITIVE, UNKNOWN};
pub use error::CommentError;
pub use load::{SUMMARY_FILE, StackPlan, SummaryFile, SummaryStack, load_plan_dir};
pub use post::{
    DEFAULT_API_URL, PostAction, PostOptions, Posted, github_client, post_plan_comment,
};
pub use render::{
    COMMENT_LIMIT, RenderOptions, Rendered, SUMMARY_LIMIT, Target, commit_marker, commit_of,
    is_comment_for, marker, render_body, stateful_kind,
};

use octocrab::Octocrab;

use crate::github::pr::PullRequest;
use crate::runner::Workflow;

/// What [`publish`] needs besides the plans.
#[derive(Debug, Clone)]
pub struct PublishSettings {
    /// `--comment-key`: which sticky comment (default: the config path).
    pub key: String,
    /// The commit the plans reflect.
    pub head_sha: Option<String>,
    /// The workflow run holding the full plan (job log, artifacts).
    pub run_url: Option<String>,
    pub post: PostOptions,
}

#[derive(Debug, Clone)]
pub struct Published {
    /// The comment body (posted, or what would be posted).
    pub comment: Rendered,
    /// What went to the job summary.
    pub summary: Rendered,
    pub posted: Option<Posted>,
    /// Why the comment was not posted although it should have been (read-only token).
    pub degraded: Option<String>,
}

/// Renders the comment and the job summary, appends the summary, then (when `target` is given)
/// creates or edits the PR comment. A read-only token (fork PR, Dependabot) only earns a warning:
/// the summary already holds the plan.
pub async fn publish(
    stacks: &[StackPlan],
    settings: &PublishSettings,
    target: Option<(&Octocrab, &PullRequest)>,
    workflow: &Workflow,
) -> Result<Published, CommentError> {
    let options = |target: Target| RenderOptions {
        key: settings.key.clone(),
        head_sha: settings.head_sha.clone(),
        run_url: settings.run_url.clone(),
        target,
        limit: None,
    };
    // Registered secrets (the token, credentials) never reach GitHub, whatever a plan holds.
    let redacted = |mut r: Rendered| {
        r.body = crate::secrets::redact(&r.body);
        r
    };
    let comment = redacted(render_body(stacks, &options(Target::Comment)));
    let summary = redacted(render_body(stacks, &options(Target::JobSummary)));
    if !comment.is_complete() || !summary.is_complete() {
        // The comment says "see the job log": this is that log.
        let mut full = options(Target::JobSummary);
        full.limit = Some(usize::MAX);
        let full = render_body(stacks, &full);
        let _group = workflow.group(render::FULL_PLAN_GROUP);
        eprintln!("{}", crate::secrets::redact(&full.body));
    }
    workflow
        .append_summary(&summary.body)
        .map_err(CommentError::WriteSummary)?;

    let Some((client, pr)) = target else {
        return Ok(Published {
            comment,
            summary,
            posted: None,
            degraded: None,
        });
    };
    match post_plan_comment(client, pr, &comment, &settings.post).await {
        Ok(posted) => Ok(Published {
            comment,
            summary,
            posted: Some(posted),
            degraded: None,
        }),
        Err(CommentError::Forbidden { message, .. }) if pr.read_only_reason.is_some() => {
            let reason = pr.read_only_reason.clone().unwrap_or_default();
            let text = format!(
                "cannot comment on {} ({reason}; GitHub said: {message}); the plan is in the job summary",
                pr.display()
            );
            workflow.warning_at(&text, None);
            Ok(Published {
                comment,
                summary,
                posted: None,
                degraded: Some(text),
            })
        }
        Err(e) => Err(e),
    }
}
