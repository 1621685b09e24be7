use crate::cli::{Cli, CommentArgs, OutputFormat};
use crate::error::Error;
use crate::github::comment::{self, PostAction, StackPlan, load_plan_dir};
use crate::github::publish::{self, CommentRequest, default_key, github_token};
use crate::outcome::Outcome;
use crate::runner::Workflow;
use crate::terraform::plan_json::change_set_hash;

/// How `comment`'s flags want the plan comment posted.
fn request(cli: &Cli, args: &CommentArgs) -> CommentRequest {
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

/// `comment`: render the plans of a folder, write the job summary, create or edit the PR comment.
pub async fn run(cli: &Cli, args: &CommentArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let token = github_token(workflow);
    let request = request(cli, args);
    let stacks = load_plan_dir(&args.plans)?;
    let (published, settings, pr) =
        publish::publish(&stacks, &request, token.as_deref(), workflow).await?;
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
