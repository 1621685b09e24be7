use std::path::Path;
use std::time::Duration;

use crate::cli::{Cli, CommentArgs, OutputFormat};
use crate::error::Error;
use crate::github::comment::{
    self, CommentError, DEFAULT_API_URL, PostAction, PostOptions, PublishSettings, Published,
    StackPlan, github_client, load_plan_dir,
};
use crate::github::pr::{self, PrSources, PullRequest};
use crate::outcome::Outcome;
use crate::runner::Workflow;
use crate::terraform::plan_json::change_set_hash;

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

impl CommentRequest {
    pub fn from_args(cli: &Cli, args: &CommentArgs) -> CommentRequest {
        CommentRequest {
            key: args
                .comment_key
                .clone()
                .unwrap_or_else(|| default_key(&cli.config)),
            dry_run: args.dry_run,
            pr: args.pr,
            repo: args.repo.clone(),
            head_sha: args.head_sha.clone(),
            max_rate_limit_wait: args.max_rate_limit_wait,
        }
    }
}

/// GITHUB_TOKEN, masked. Call it before anything else can print. Trimmed: a token read from a
/// file often ends in a line break, which no HTTP header may hold.
pub fn github_token(workflow: &Workflow) -> Option<String> {
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())?;
    workflow.mask(&token);
    Some(token)
}

/// What `comment` and `plan --comment` share: find the PR from the runner's event (or the
/// flags), build the GitHub client, then write the job summary and the comment. `token` comes
/// from [`github_token`], called first thing.
pub async fn publish_from_env(
    stacks: &[StackPlan],
    request: &CommentRequest,
    token: Option<&str>,
    workflow: &Workflow,
) -> Result<(Published, PublishSettings, Option<PullRequest>), Error> {
    let pr = pr::resolve(&PrSources::from_env(
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
        run_url: comment::run_url_from_env(),
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
        let api = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        client = github_client(&api, token)?;
        Some((&client, pr))
    };
    let published = comment::publish(stacks, &settings, target, workflow).await?;
    if let Some(posted) = &published.posted {
        workflow.set_output("comment-url", &posted.url)?;
    }
    Ok((published, settings, pr))
}

/// `comment`: render the plans of a folder, write the job summary, create or edit the PR comment.
pub async fn run(cli: &Cli, args: &CommentArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let token = github_token(workflow);
    let request = CommentRequest::from_args(cli, args);
    let stacks = load_plan_dir(&args.plans)?;
    let (published, settings, pr) =
        publish_from_env(&stacks, &request, token.as_deref(), workflow).await?;
    let body = &published.comment.body;
    if args.dry_run && cli.output == OutputFormat::Text {
        print!("{body}");
    }

    let mut data = serde_json::json!({
        "key": settings.key,
        "head_sha": settings.head_sha,
        "pull_request": pr,
        "stacks": stacks.iter().map(stack_data).collect::<Vec<_>>(),
        "length": comment::markdown::github_len(body),
        "left_out": published.comment.left_out,
        "comment": published.posted,
    });
    if args.dry_run {
        data["body"] = serde_json::Value::String(body.clone());
    }
    let message = match (&published.posted, &published.degraded) {
        (_, Some(degraded)) => degraded.clone(),
        (Some(p), None) => match p.action {
            PostAction::Created => format!("created the plan comment: {}", p.url),
            PostAction::Updated => format!("updated the plan comment: {}", p.url),
            PostAction::Unchanged => format!("the plan comment is already up to date: {}", p.url),
            PostAction::SkippedOutdated => format!(
                "left the plan comment alone: it already shows the PR's newer head {}",
                p.current_head.as_deref().unwrap_or("?")
            ),
        },
        (None, None) => format!(
            "dry run: printed the comment body ({} characters of {}); nothing was posted",
            comment::markdown::num(comment::markdown::github_len(body)),
            comment::markdown::num(comment::COMMENT_LIMIT)
        ),
    };
    Ok(Outcome::success(message).with_data(data))
}

/// The comment key when none is given: the config path as typed, without a leading `./`.
pub fn default_key(config: &Path) -> String {
    let text = config.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

fn stack_data(stack: &StackPlan) -> serde_json::Value {
    let (counts, hash) = match &stack.plan {
        Some(plan) => (
            Some(plan.summary_counts().0),
            Some(change_set_hash(&plan.change_digests())),
        ),
        None => stack
            .recorded
            .as_ref()
            .map(|r| (r.counts.clone(), r.change_set_hash.clone()))
            .unwrap_or_default(),
    };
    serde_json::json!({
        "name": stack.name,
        "counts": counts,
        "change_set_hash": hash,
        "provisional": stack.provisional,
        "status": stack.recorded.as_ref().and_then(|r| r.status.clone()),
    })
}
