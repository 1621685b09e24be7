//! Which pull request a run belongs to: from the event GitHub hands the workflow
//! (GITHUB_EVENT_PATH, GITHUB_EVENT_NAME) or from flags, and whether its token can write.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum PrError {
    #[error("cannot read the workflow event {}: {source}\n  fix: run inside GitHub Actions, or pass --pr N --repo owner/name", path.display())]
    ReadEvent {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the workflow event {} is not JSON: {source}\n  fix: pass --pr N --repo owner/name instead", path.display())]
    ParseEvent {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "`{0}` is not a repository name\n  fix: pass --repo owner/name (as in GITHUB_REPOSITORY)"
    )]
    BadRepo(String),
    #[error(
        "the pull request number is known but not its repository\n  fix: pass --repo owner/name (or set GITHUB_REPOSITORY)"
    )]
    NoRepo,
}

/// A pull request to comment on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    pub owner: String,
    pub repo: String,
    pub number: u64,
    /// The commit the plans reflect: the PR head (not the merge commit in GITHUB_SHA).
    pub head_sha: Option<String>,
    /// Why the token is expected to be read-only (a fork's PR, Dependabot), if it is.
    pub read_only_reason: Option<String>,
}

impl PullRequest {
    pub fn display(&self) -> String {
        format!("{}/{}#{}", self.owner, self.repo, self.number)
    }
}

/// Everything that can say which PR this is. Flags win over the event, the event over the env.
#[derive(Debug, Clone, Default)]
pub struct PrSources {
    pub pr_flag: Option<u64>,
    pub repo_flag: Option<String>,
    pub head_sha_flag: Option<String>,
    /// GITHUB_EVENT_NAME.
    pub event_name: Option<String>,
    /// GITHUB_EVENT_PATH.
    pub event_path: Option<PathBuf>,
    /// GITHUB_REPOSITORY.
    pub repository: Option<String>,
    /// GITHUB_ACTOR.
    pub actor: Option<String>,
}

impl PrSources {
    /// The flags plus what the runner's environment says.
    pub fn new(
        runner: &crate::runner::RunnerEnv,
        pr_flag: Option<u64>,
        repo_flag: Option<String>,
        head_sha_flag: Option<String>,
    ) -> PrSources {
        PrSources {
            pr_flag,
            repo_flag,
            head_sha_flag,
            event_name: runner.event_name.clone(),
            event_path: runner.event_path.clone(),
            repository: runner.repository.clone(),
            actor: runner.actor.clone(),
        }
    }
}

/// What the event says, when it is about a pull request.
#[derive(Debug, Default)]
struct FromEvent {
    number: Option<u64>,
    head_sha: Option<String>,
    base_repo: Option<String>,
    read_only_reason: Option<String>,
}

/// The pull request, or `None` when nothing identifies one (not a PR event and no --pr).
pub fn resolve(sources: &PrSources) -> Result<Option<PullRequest>, PrError> {
    let event = match (&sources.event_path, sources.event_name.as_deref()) {
        (Some(path), Some(name)) => read_event(path, name, sources.actor.as_deref())?,
        _ => FromEvent::default(),
    };
    let Some(number) = sources.pr_flag.or(event.number) else {
        return Ok(None);
    };
    let repo = sources
        .repo_flag
        .clone()
        .or(event.base_repo)
        .or(sources.repository.clone())
        .ok_or(PrError::NoRepo)?;
    let (owner, name) = split_repo(&repo)?;
    // A PR chosen by flag may not be the event's PR: then the event's head and fork status say
    // nothing about it.
    let same_pr = event.number == Some(number);
    let head_sha = sources
        .head_sha_flag
        .clone()
        .or(if same_pr { event.head_sha } else { None })
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    Ok(Some(PullRequest {
        owner,
        repo: name,
        number,
        head_sha,
        read_only_reason: if same_pr {
            event.read_only_reason
        } else {
            None
        },
    }))
}

fn split_repo(repo: &str) -> Result<(String, String), PrError> {
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match repo.trim().split_once('/') {
        Some((owner, name)) if valid(owner) && valid(name) => {
            Ok((owner.to_string(), name.to_string()))
        }
        _ => Err(PrError::BadRepo(repo.to_string())),
    }
}

fn read_event(path: &Path, name: &str, actor: Option<&str>) -> Result<FromEvent, PrError> {
    let bytes = std::fs::read(path).map_err(|source| PrError::ReadEvent {
        path: path.to_path_buf(),
        source,
    })?;
    let event: Value = serde_json::from_slice(&bytes).map_err(|source| PrError::ParseEvent {
        path: path.to_path_buf(),
        source,
    })?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    match name {
        "pull_request" | "pull_request_target" | "pull_request_review" => {
            let pr = &event["pull_request"];
            let base_repo = text(&pr["base"]["repo"]["full_name"])
                .or_else(|| text(&event["repository"]["full_name"]));
            // A deleted fork leaves `head.repo` null: still a fork.
            let head_repo = text(&pr["head"]["repo"]["full_name"]);
            let fork = pr["head"]["repo"]["fork"].as_bool() == Some(true)
                || head_repo.is_none()
                || head_repo != base_repo;
            let read_only_reason = if name == "pull_request_target" {
                None
            } else if fork {
                Some(format!(
                    "the PR comes from the fork {}, and `{name}` runs from forks get a read-only token",
                    head_repo.as_deref().unwrap_or("(deleted)")
                ))
            } else if actor == Some("dependabot[bot]") {
                Some("Dependabot's `pull_request` runs get a read-only token".to_string())
            } else {
                None
            };
            Ok(FromEvent {
                number: pr["number"].as_u64().or(event["number"].as_u64()),
                head_sha: text(&pr["head"]["sha"]),
                base_repo,
                read_only_reason,
            })
        }
        // A comment on a PR (e.g. a "plan" command): the PR number, not its head.
        "issue_comment" if event["issue"]["pull_request"].is_object() => Ok(FromEvent {
            number: event["issue"]["number"].as_u64(),
            head_sha: None,
            base_repo: text(&event["repository"]["full_name"]),
            read_only_reason: None,
        }),
        _ => Ok(FromEvent::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(dir: &Path, json: Value) -> PathBuf {
        let path = dir.join("event.json");
        std::fs::write(&path, json.to_string()).unwrap();
        path
    }

    fn pr_event(head_repo: Value) -> Value {
        serde_json::json!({
            "action": "synchronize",
            "number": 42,
            "pull_request": {
                "number": 42,
                "head": {"sha": "AAAA000000000000000000000000000000000001", "repo": head_repo},
                "base": {"sha": "b", "repo": {"full_name": "acme/infra", "fork": false}}
            },
            "repository": {"full_name": "acme/infra"}
        })
    }

    fn sources(path: PathBuf, name: &str) -> PrSources {
        PrSources {
            event_name: Some(name.into()),
            event_path: Some(path),
            repository: Some("acme/infra".into()),
            ..PrSources::default()
        }
    }

    #[test]
    fn a_same_repo_pull_request_event_gives_number_head_and_a_writable_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = event(
            dir.path(),
            pr_event(serde_json::json!({"full_name": "acme/infra", "fork": false})),
        );
        let pr = resolve(&sources(path, "pull_request")).unwrap().unwrap();
        assert_eq!(pr.display(), "acme/infra#42");
        assert_eq!(
            pr.head_sha.as_deref(),
            Some("aaaa000000000000000000000000000000000001")
        );
        assert_eq!(pr.read_only_reason, None);
    }

    #[test]
    fn a_fork_is_read_only_on_pull_request_but_not_on_pull_request_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = event(
            dir.path(),
            pr_event(serde_json::json!({"full_name": "someone/infra", "fork": true})),
        );
        let pr = resolve(&sources(path.clone(), "pull_request"))
            .unwrap()
            .unwrap();
        assert!(pr.read_only_reason.unwrap().contains("someone/infra"));
        let target = resolve(&sources(path, "pull_request_target"))
            .unwrap()
            .unwrap();
        assert_eq!(target.read_only_reason, None);
    }

    #[test]
    fn flags_win_and_a_push_event_alone_is_no_pull_request() {
        let dir = tempfile::tempdir().unwrap();
        let path = event(dir.path(), serde_json::json!({"ref": "refs/heads/main"}));
        assert_eq!(resolve(&sources(path.clone(), "push")).unwrap(), None);
        let mut s = sources(path, "push");
        s.pr_flag = Some(7);
        s.repo_flag = Some("acme/other".into());
        let pr = resolve(&s).unwrap().unwrap();
        assert_eq!(pr.display(), "acme/other#7");
        s.repo_flag = Some("not a repo".into());
        assert!(matches!(resolve(&s), Err(PrError::BadRepo(_))));
    }
}
