//! Publishing plans to a pull request: find the PR from the runner's event (or the flags), build the
//! GitHub client, write the job summary and create or update the plan comment. Shared by `comment`
//! and `plan --comment`.

use std::path::Path;
use std::time::Duration;

use super::comment::{
    self, CommentError, DEFAULT_API_URL, PostOptions, PublishSettings, Published, StackPlan,
    github_client,
};
use super::pr::{self, PrError, PrSources, PullRequest};
use crate::runner::Workflow;

/// Why the plans could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    PullRequest(#[from] PrError),
    #[error(transparent)]
    Comment(#[from] CommentError),
    #[error("cannot write the step output: {0}")]
    Output(#[from] std::io::Error),
}

/// How a command wants the plan comment posted (from `comment`'s flags, or `plan --comment`).
#[derive(Debug, Clone)]
pub struct CommentRequest {
    pub key: String,
    pub dry_run: bool,
    pub pr: Option<u64>,
    pub repo: Option<String>,
    pub head_sha: Option<String>,
    pub max_rate_limit_wait: Duration,
}

/// GITHUB_TOKEN, masked. Call it before anything else can print. Trimmed: a token read from a
/// file often ends in a line break, which no HTTP header may hold.
pub fn github_token(workflow: &Workflow) -> Option<String> {
    let token = workflow.env().token.clone()?;
    workflow.mask(&token);
    Some(token)
}

/// What `comment` and `plan --comment` share: find the PR from the runner's event (or the
/// flags), build the GitHub client, then write the job summary and the comment. `token` comes
/// from [`github_token`], called first thing.
pub async fn publish(
    stacks: &[StackPlan],
    request: &CommentRequest,
    token: Option<&str>,
    workflow: &Workflow,
) -> Result<(Published, PublishSettings, Option<PullRequest>), PublishError> {
    let pr = pr::resolve(&PrSources::new(
        workflow.env(),
        request.pr,
        request.repo.clone(),
        request.head_sha.clone(),
    ))?;
    let settings = PublishSettings {
        key: request.key.clone(),
        head_sha: pr
            .as_ref()
            .and_then(|p| p.head_sha.clone())
            .or_else(|| request.head_sha.clone()),
        run_url: workflow.env().run_url(),
        post: PostOptions {
            max_rate_limit_wait: request.max_rate_limit_wait,
        },
    };
    let client;
    let target = if request.dry_run {
        None
    } else {
        let pr = pr.as_ref().ok_or(CommentError::NoPullRequest)?;
        let token = token.ok_or(CommentError::NoToken)?;
        let api = (workflow.env().api_url.clone()).unwrap_or_else(|| DEFAULT_API_URL.to_string());
        client = github_client(&api, token)?;
        Some((&client, pr))
    };
    let published = comment::publish(stacks, &settings, target, workflow).await?;
    if let Some(posted) = &published.posted {
        workflow.set_output("comment-url", &posted.url)?;
    }
    Ok((published, settings, pr))
}

/// The comment key when none is given: the config path as typed, without a leading `./`.
pub fn default_key(config: &Path) -> String {
    let text = config.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
