//! What can go wrong reading plans and talking to GitHub, each with what to do next.

use std::path::PathBuf;
use std::time::Duration;

use crate::outcome::OutcomeKind;

#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error(
        "cannot read the plan folder {}: {source}\n  fix: pass --plans with the --out-dir of `platform-deploy plan` (it holds <stack>.json and summary.json)",
        dir.display()
    )]
    ReadDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no plans in {}: it holds no <stack>.json\n  fix: run `platform-deploy plan --out-dir {}` first, or point --plans at the folder it wrote",
        dir.display(),
        dir.display()
    )]
    NoPlans { dir: PathBuf },
    #[error("cannot read {}: {source}\n  fix: check the file's permissions", path.display())]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{} is not the JSON of a saved plan: {source}\n  fix: write it with `terraform show -json <stack>.tfplan > <stack>.json`",
        path.display()
    )]
    PlanJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{} is not the JSON of a saved plan (it has no format_version)\n  fix: keep only `terraform show -json <stack>.tfplan` output and summary.json in the plan folder",
        path.display()
    )]
    NotAPlan { path: PathBuf },
    #[error(
        "{} cannot be read as a plan summary: {source}\n  fix: delete it or let `platform-deploy plan` write it again",
        path.display()
    )]
    Summary {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "no GitHub token: GITHUB_TOKEN is not set\n  fix: in the workflow add `env: GITHUB_TOKEN: ${{{{ github.token }}}}` and `permissions: pull-requests: write`; or use --dry-run to see the comment"
    )]
    NoToken,
    #[error(
        "GITHUB_API_URL `{url}` is not a URL: {reason}\n  fix: unset it (https://api.github.com is the default) or give the API root, e.g. https://github.example.com/api/v3"
    )]
    ApiUrl { url: String, reason: String },
    #[error(
        "this is not a pull request: nothing says which PR to comment on\n  fix: run on a pull_request or pull_request_target event, or pass --pr N --repo owner/name"
    )]
    NoPullRequest,
    #[error(
        "GitHub rejected the token while {action} (401 {message})\n  fix: pass a valid token in GITHUB_TOKEN (in a workflow: `${{{{ github.token }}}}`); a token from an earlier job may have expired"
    )]
    Unauthorized { action: String, message: String },
    #[error(
        "the token may not write to {repo} (403 {message} while {action})\n  fix: give the job `permissions: pull-requests: write` (and `issues: write`); PRs from forks get a read-only token on `pull_request` events"
    )]
    Forbidden {
        repo: String,
        action: String,
        message: String,
    },
    #[error(
        "{what} not found (404 while {action})\n  fix: check --repo and --pr (or the event); a token limited to other repositories also sees 404"
    )]
    NotFound { what: String, action: String },
    #[error(
        "GitHub refused the comment (422 {message}{details} while {action})\n  fix: a locked conversation or a body GitHub rejects cause this; the job summary holds the plan"
    )]
    Rejected {
        action: String,
        message: String,
        details: String,
    },
    #[error(
        "GitHub's rate limit stopped {action}: it asks to wait {}{}\n  fix: re-run the job after that, or raise --max-rate-limit-wait to let it wait",
        humantime::format_duration(*wait),
        if *waited_already { " more (already waited as long as allowed)" } else { "" }
    )]
    RateLimited {
        action: String,
        wait: Duration,
        waited_already: bool,
    },
    #[error(
        "GitHub answered {status} while {action}: {message}\n  fix: re-run the job; if it persists, check https://www.githubstatus.com"
    )]
    Api {
        action: String,
        status: u16,
        message: String,
    },
    #[error(
        "cannot reach GitHub while {action}: {message}\n  fix: check the network and GITHUB_API_URL"
    )]
    Network { action: String, message: String },
    #[error("cannot write the job summary: {0}")]
    WriteSummary(std::io::Error),
}

impl CommentError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            CommentError::ReadDir { .. }
            | CommentError::NoPlans { .. }
            | CommentError::PlanJson { .. }
            | CommentError::NotAPlan { .. }
            | CommentError::Summary { .. }
            | CommentError::NoToken
            | CommentError::ApiUrl { .. }
            | CommentError::NoPullRequest
            | CommentError::Unauthorized { .. }
            | CommentError::Forbidden { .. }
            | CommentError::NotFound { .. } => OutcomeKind::BadInput,
            CommentError::ReadFile { .. }
            | CommentError::Rejected { .. }
            | CommentError::RateLimited { .. }
            | CommentError::Api { .. }
            | CommentError::Network { .. }
            | CommentError::WriteSummary(_) => OutcomeKind::Failed,
        }
    }
}
