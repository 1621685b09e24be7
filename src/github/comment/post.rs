//! Creating or editing the one plan comment of a PR through octocrab.
//!
//! The comment is found by its hidden first line (see [`super::render::marker`]) among all the
//! PR's comments, following pagination. One comment is edited, never a second one added; copies
//! left by earlier concurrent runs are deleted. A run for an older commit does not overwrite the
//! comment of a newer one.

use std::future::Future;
use std::time::Duration;

use octocrab::service::middleware::retry::RetryConfig;
use octocrab::{Octocrab, Page};
use serde::{Deserialize, Serialize};

use super::error::CommentError;
use super::render::{Rendered, commit_of, is_comment_for};
use crate::github::pr::PullRequest;

pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// An octocrab client for `api_url` (GITHUB_API_URL; a wiremock server in tests) with `token`.
/// Retries are ours (see [`PostOptions::max_rate_limit_wait`]), so octocrab's are off.
pub fn github_client(api_url: &str, token: &str) -> Result<Octocrab, CommentError> {
    let bad = |reason: String| CommentError::ApiUrl {
        url: api_url.to_string(),
        reason,
    };
    let lower = api_url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(bad("it must start with https:// (or http://)".into()));
    }
    Octocrab::builder()
        .base_uri(api_url.trim_end_matches('/'))
        .map_err(|e| bad(e.to_string()))?
        .personal_token(token.to_string())
        .add_retry_config(RetryConfig::None)
        .set_connect_timeout(Some(Duration::from_secs(10)))
        .set_read_timeout(Some(Duration::from_secs(30)))
        .build()
        .map_err(|e| bad(e.to_string()))
}

#[derive(Debug, Clone)]
pub struct PostOptions {
    /// Longest wait for a rate limit's retry-after that is waited out before giving up.
    pub max_rate_limit_wait: Duration,
}

impl Default for PostOptions {
    fn default() -> Self {
        PostOptions {
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PostAction {
    Created,
    Updated,
    /// The comment already says exactly this.
    Unchanged,
    /// The comment reflects the PR's current head and this run planned an older commit.
    SkippedOutdated,
}

#[derive(Debug, Clone, Serialize)]
pub struct Posted {
    pub action: PostAction,
    pub comment_id: u64,
    pub url: String,
    /// Extra copies of the comment (from earlier concurrent runs) that were deleted.
    pub removed_duplicates: Vec<u64>,
    /// Set when skipped: the PR head the existing comment reflects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_head: Option<String>,
}

/// The fields of an issue comment this module reads.
#[derive(Debug, Clone, Deserialize)]
struct IssueComment {
    id: u64,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Serialize)]
struct BodyParam<'a> {
    body: &'a str,
}

/// Creates the PR's plan comment for `rendered.key`, or edits the existing one.
pub async fn post_plan_comment(
    client: &Octocrab,
    pr: &PullRequest,
    rendered: &Rendered,
    options: &PostOptions,
) -> Result<Posted, CommentError> {
    let mut mine = find_comments(client, pr, &rendered.key, options).await?;
    let Some(target) = (!mine.is_empty()).then(|| mine.remove(0)) else {
        return create(client, pr, rendered, options).await;
    };
    let removed_duplicates = delete_duplicates(client, pr, &mine, options).await;
    let existing_body = target.body.clone().unwrap_or_default();

    if let (Some(ours), Some(theirs)) = (&rendered.head_sha, commit_of(&existing_body))
        && ours != &theirs
        && let Some(head) = current_head(client, pr).await
        && head == theirs
    {
        tracing::warn!(
            "the PR head is now {head} and its plan comment already shows it; this run planned {ours} and leaves the comment alone"
        );
        return Ok(Posted {
            action: PostAction::SkippedOutdated,
            comment_id: target.id,
            url: target.html_url,
            removed_duplicates,
            current_head: Some(head),
        });
    }

    if existing_body == rendered.body {
        tracing::info!("plan comment {} is already up to date", target.html_url);
        return Ok(Posted {
            action: PostAction::Unchanged,
            comment_id: target.id,
            url: target.html_url,
            removed_duplicates,
            current_head: None,
        });
    }
    let action = format!("editing comment {} on {}", target.id, pr.display());
    let route = format!(
        "/repos/{}/{}/issues/comments/{}",
        pr.owner, pr.repo, target.id
    );
    let body = BodyParam {
        body: &rendered.body,
    };
    let updated: IssueComment = call(&action, pr, options, true, || {
        client.patch(&route, Some(&body))
    })
    .await?;
    tracing::info!("updated the plan comment: {}", updated.html_url);
    Ok(Posted {
        action: PostAction::Updated,
        comment_id: updated.id,
        url: updated.html_url,
        removed_duplicates,
        current_head: None,
    })
}

async fn create(
    client: &Octocrab,
    pr: &PullRequest,
    rendered: &Rendered,
    options: &PostOptions,
) -> Result<Posted, CommentError> {
    let action = format!("creating the plan comment on {}", pr.display());
    let route = format!(
        "/repos/{}/{}/issues/{}/comments",
        pr.owner, pr.repo, pr.number
    );
    let body = BodyParam {
        body: &rendered.body,
    };
    // Not retried blindly: a POST that failed with a 5xx may still have created the comment.
    let created: Result<IssueComment, CommentError> = call(&action, pr, options, false, || {
        client.post(&route, Some(&body))
    })
    .await;
    let created = match created {
        Err(CommentError::Api { status, .. }) if status >= 500 => {
            tracing::warn!(
                "GitHub answered {status} while creating the comment; checking whether it exists before trying again"
            );
            let mut found = find_comments(client, pr, &rendered.key, options).await?;
            if found.is_empty() {
                call(&action, pr, options, false, || {
                    client.post(&route, Some(&body))
                })
                .await?
            } else {
                let existing = found.remove(0);
                let edit = format!(
                    "/repos/{}/{}/issues/comments/{}",
                    pr.owner, pr.repo, existing.id
                );
                call(&action, pr, options, true, || {
                    client.patch(&edit, Some(&body))
                })
                .await?
            }
        }
        other => other?,
    };
    tracing::info!("created the plan comment: {}", created.html_url);
    Ok(Posted {
        action: PostAction::Created,
        comment_id: created.id,
        url: created.html_url,
        removed_duplicates: Vec::new(),
        current_head: None,
    })
}

/// Every comment of the PR that is the plan comment for `key`, oldest first.
async fn find_comments(
    client: &Octocrab,
    pr: &PullRequest,
    key: &str,
    options: &PostOptions,
) -> Result<Vec<IssueComment>, CommentError> {
    let action = format!("listing the comments of {}", pr.display());
    let route = format!(
        "/repos/{}/{}/issues/{}/comments?per_page=100",
        pr.owner, pr.repo, pr.number
    );
    let mut page: Page<IssueComment> = call(&action, pr, options, true, || {
        client.get(&route, None::<&()>)
    })
    .await?;
    let mut found = Vec::new();
    let mut seen = 0usize;
    loop {
        seen += page.items.len();
        found.extend(
            page.items
                .drain(..)
                .filter(|c| c.body.as_deref().is_some_and(|b| is_comment_for(b, key))),
        );
        let Some(next) = page.next.clone() else {
            break;
        };
        page = call(&action, pr, options, true, || async {
            client
                .get_page::<IssueComment>(&Some(next.clone()))
                .await
                .map(|p| p.unwrap_or_default())
        })
        .await?;
    }
    found.sort_by_key(|c| c.id);
    tracing::debug!(
        "{} comments on {}, {} of them the plan comment",
        seen,
        pr.display(),
        found.len()
    );
    Ok(found)
}

async fn delete_duplicates(
    client: &Octocrab,
    pr: &PullRequest,
    duplicates: &[IssueComment],
    options: &PostOptions,
) -> Vec<u64> {
    let mut removed = Vec::new();
    for dup in duplicates {
        let action = format!("deleting duplicate plan comment {}", dup.id);
        let route = format!("/repos/{}/{}/issues/comments/{}", pr.owner, pr.repo, dup.id);
        let result = call(&action, pr, options, true, || async {
            let response = client._delete(route.as_str(), None::<&()>).await?;
            octocrab::map_github_error(response).await.map(|_| ())
        })
        .await;
        match result {
            Ok(()) => removed.push(dup.id),
            Err(e) => tracing::warn!("{e}"),
        }
    }
    removed
}

/// The PR's current head commit, if GitHub says (best effort: used only to avoid overwriting a
/// newer plan with an older one).
async fn current_head(client: &Octocrab, pr: &PullRequest) -> Option<String> {
    let route = format!("/repos/{}/{}/pulls/{}", pr.owner, pr.repo, pr.number);
    match client
        .get::<serde_json::Value, _, _>(&route, None::<&()>)
        .await
    {
        Ok(v) => v["head"]["sha"].as_str().map(str::to_string),
        Err(e) => {
            tracing::debug!("cannot read the PR head: {e}");
            None
        }
    }
}

/// Runs one API call, waiting out rate limits up to the allowed wait, retrying server errors
/// when `idempotent`, and turning GitHub's errors into ones that say what to do.
async fn call<T, F, Fut>(
    action: &str,
    pr: &PullRequest,
    options: &PostOptions,
    idempotent: bool,
    mut op: F,
) -> Result<T, CommentError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = octocrab::Result<T>>,
{
    const ATTEMPTS: u32 = 3;
    let mut waited = Duration::ZERO;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match op().await {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let octocrab::Error::GitHub { source, .. } = &error else {
            if idempotent && attempt < ATTEMPTS {
                tracing::warn!("{action}: {error}; trying again");
                tokio::time::sleep(Duration::from_secs(attempt as u64)).await;
                continue;
            }
            return Err(CommentError::Network {
                action: action.to_string(),
                message: error.to_string(),
            });
        };
        let status = source.status_code.as_u16();
        if let Some(wait) = rate_limit_wait(source) {
            if attempt < ATTEMPTS && waited + wait <= options.max_rate_limit_wait {
                tracing::warn!(
                    "{action}: rate limited by GitHub; waiting {} as it asks",
                    humantime::format_duration(wait)
                );
                tokio::time::sleep(wait).await;
                waited += wait;
                continue;
            }
            return Err(CommentError::RateLimited {
                action: action.to_string(),
                wait,
                waited_already: !waited.is_zero(),
            });
        }
        if status >= 500 && idempotent && attempt < ATTEMPTS {
            tracing::warn!("{action}: GitHub answered {status}; trying again");
            tokio::time::sleep(Duration::from_secs(attempt as u64)).await;
            continue;
        }
        let message = source.message.clone();
        return Err(match status {
            401 => CommentError::Unauthorized {
                action: action.to_string(),
                message,
            },
            403 => CommentError::Forbidden {
                repo: format!("{}/{}", pr.owner, pr.repo),
                action: action.to_string(),
                message,
            },
            404 => CommentError::NotFound {
                what: pr.display(),
                action: action.to_string(),
            },
            422 => CommentError::Rejected {
                action: action.to_string(),
                message,
                details: source
                    .errors
                    .as_ref()
                    .filter(|e| !e.is_empty())
                    .map(|e| {
                        format!(
                            ": {}",
                            e.iter()
                                .map(|v| v
                                    .get("message")
                                    .and_then(|m| m.as_str())
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        )
                    })
                    .unwrap_or_default(),
            },
            _ => CommentError::Api {
                action: action.to_string(),
                status,
                message,
            },
        });
    }
}

/// How long GitHub asks to wait, when the error is a rate limit (429, or 403 with the rate-limit
/// headers or the secondary-limit message).
fn rate_limit_wait(error: &octocrab::GitHubError) -> Option<Duration> {
    let status = error.status_code.as_u16();
    if status != 429 && status != 403 {
        return None;
    }
    let header = |name: &str| -> Option<u64> {
        error
            .headers
            .as_ref()?
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    if let Some(secs) = header("retry-after") {
        return Some(Duration::from_secs(secs.max(1)));
    }
    if header("x-ratelimit-remaining") == Some(0) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let reset = header("x-ratelimit-reset").or(error.rate_limit_reset);
        return Some(Duration::from_secs(
            reset.map_or(60, |r| r.saturating_sub(now)).max(1),
        ));
    }
    let secondary = error.message.to_ascii_lowercase().contains("rate limit");
    if status == 429 || secondary {
        // No header: GitHub's guidance is to wait at least a minute.
        return Some(Duration::from_secs(60));
    }
    None
}
