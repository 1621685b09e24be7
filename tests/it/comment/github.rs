//! The sticky PR comment against a wiremock GitHub API (octocrab with base_uri): one comment per PR
//! and comment key, edited in place, found past the first page of comments, and GitHub's errors
//! reported with what to do.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use platform_deploy::OutcomeKind;
use platform_deploy::github::comment::{
    CommentError, PostAction, PostOptions, PublishSettings, RenderOptions, Rendered, StackPlan,
    Target, github_client, load_plan_dir, post_plan_comment, publish, render_body,
};
use platform_deploy::github::pr::PullRequest;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::fs::fixtures;
use crate::support::github::no_comments_yet;
use crate::support::output;

const TOKEN: &str = "ghs_commentTestToken0123456789";
const OLD_SHA: &str = "1111111111111111111111111111111111111111";
const NEW_SHA: &str = "2222222222222222222222222222222222222222";

fn stacks() -> Vec<StackPlan> {
    load_plan_dir(&fixtures().join("plans/mixed")).unwrap()
}

fn rendered(key: &str, sha: &str) -> Rendered {
    let mut options = RenderOptions::new(key, Target::Comment);
    options.head_sha = Some(sha.into());
    render_body(&stacks(), &options)
}

fn pr(read_only: bool) -> PullRequest {
    PullRequest {
        owner: "acme".into(),
        repo: "infra".into(),
        number: 7,
        head_sha: Some(NEW_SHA.into()),
        read_only_reason: read_only.then(|| "the PR comes from the fork someone/infra".into()),
    }
}

fn options() -> PostOptions {
    PostOptions {
        max_rate_limit_wait: Duration::from_secs(5),
    }
}

/// A GitHub issue comment as the REST API returns it.
fn comment_json(base: &str, id: u64, body: &str, login: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("IC_kwDO{id}"),
        "url": format!("{base}/repos/acme/infra/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/infra/pull/7#issuecomment-{id}"),
        "issue_url": format!("{base}/repos/acme/infra/issues/7"),
        "body": body,
        "user": {
            "login": login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=",
            "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
            "url": format!("{base}/users/{login}"), "html_url": format!("https://github.com/{login}"),
            "type": if login.ends_with("[bot]") { "Bot" } else { "User" }, "site_admin": false
        },
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
        "author_association": "NONE",
        "performed_via_github_app": null,
        "reactions": {"total_count": 0}
    })
}

/// A small GitHub: the comments of acme/infra#7, paginated with Link headers like the real API,
/// plus the PR itself. Requests without the bearer token get 401.
#[derive(Clone)]
struct FakeGitHub {
    state: Arc<Mutex<FakeState>>,
}

struct FakeState {
    base: String,
    prefix: String,
    comments: Vec<(u64, String)>,
    next_id: u64,
    head: String,
    list_requests: usize,
    writes: Vec<String>,
}

impl FakeGitHub {
    async fn start(prefix: &str) -> (MockServer, FakeGitHub) {
        let server = MockServer::start().await;
        let fake = FakeGitHub {
            state: Arc::new(Mutex::new(FakeState {
                base: format!("{}{prefix}", server.uri()),
                prefix: prefix.to_string(),
                comments: Vec::new(),
                next_id: 1000,
                head: NEW_SHA.into(),
                list_requests: 0,
                writes: Vec::new(),
            })),
        };
        Mock::given(path_regex(".*"))
            .respond_with(fake.clone())
            .mount(&server)
            .await;
        (server, fake)
    }

    fn api(&self) -> String {
        self.state.lock().unwrap().base.clone()
    }

    fn add(&self, body: &str) -> u64 {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let id = s.next_id;
        s.comments.push((id, body.to_string()));
        id
    }

    fn comments(&self) -> Vec<(u64, String)> {
        self.state.lock().unwrap().comments.clone()
    }

    fn writes(&self) -> Vec<String> {
        self.state.lock().unwrap().writes.clone()
    }
}

impl Respond for FakeGitHub {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"
            }));
        }
        let Some(route) = req.url.path().strip_prefix(&s.prefix) else {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        };
        let route = route.to_string();
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.to_string())
        };
        let base = s.base.clone();
        match (req.method.as_str(), route.as_str()) {
            ("GET", "/repos/acme/infra/issues/7/comments") => {
                s.list_requests += 1;
                let per_page: usize = query("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
                let page: usize = query("page").and_then(|v| v.parse().ok()).unwrap_or(1);
                let pages = s.comments.len().div_ceil(per_page).max(1);
                let items: Vec<Value> = s
                    .comments
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .map(|(id, body)| {
                        let login = if body.starts_with("<!--") { "github-actions[bot]" } else { "octocat" };
                        comment_json(&base, *id, body, login)
                    })
                    .collect();
                let link = |p: usize| {
                    format!("{base}/repos/acme/infra/issues/7/comments?per_page={per_page}&page={p}")
                };
                let mut links = Vec::new();
                if page < pages {
                    links.push(format!("<{}>; rel=\"next\"", link(page + 1)));
                    links.push(format!("<{}>; rel=\"last\"", link(pages)));
                }
                if page > 1 {
                    links.push(format!("<{}>; rel=\"prev\"", link(page - 1)));
                    links.push(format!("<{}>; rel=\"first\"", link(1)));
                }
                let mut response = ResponseTemplate::new(200).set_body_json(Value::Array(items));
                if !links.is_empty() {
                    response = response.insert_header("link", links.join(", ").as_str());
                }
                response
            }
            ("POST", "/repos/acme/infra/issues/7/comments") => {
                let body: Value = req.body_json().unwrap();
                let text = body["body"].as_str().unwrap().to_string();
                s.next_id += 1;
                let id = s.next_id;
                s.comments.push((id, text.clone()));
                s.writes.push(format!("POST {id}"));
                ResponseTemplate::new(201).set_body_json(comment_json(&base, id, &text, "github-actions[bot]"))
            }
            ("GET", "/repos/acme/infra/pulls/7") => ResponseTemplate::new(200).set_body_json(json!({
                "number": 7, "state": "open", "head": {"sha": s.head, "ref": "feature"}, "base": {"sha": "b", "ref": "main"}
            })),
            (m, r) if r.starts_with("/repos/acme/infra/issues/comments/") => {
                let id: u64 = r.rsplit('/').next().unwrap().parse().unwrap();
                let Some(pos) = s.comments.iter().position(|(i, _)| *i == id) else {
                    return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
                };
                match m {
                    "PATCH" => {
                        let body: Value = req.body_json().unwrap();
                        let text = body["body"].as_str().unwrap().to_string();
                        s.comments[pos].1 = text.clone();
                        s.writes.push(format!("PATCH {id}"));
                        ResponseTemplate::new(200).set_body_json(comment_json(&base, id, &text, "github-actions[bot]"))
                    }
                    "DELETE" => {
                        s.comments.remove(pos);
                        s.writes.push(format!("DELETE {id}"));
                        ResponseTemplate::new(204)
                    }
                    _ => ResponseTemplate::new(405),
                }
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
        }
    }
}

#[tokio::test]
async fn the_first_run_creates_the_comment_and_the_next_push_edits_the_same_one() {
    let (_server, gh) = FakeGitHub::start("").await;
    let client = github_client(&gh.api(), TOKEN).unwrap();

    let first = post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", OLD_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(first.action, PostAction::Created);
    assert!(
        first
            .url
            .ends_with(&format!("#issuecomment-{}", first.comment_id))
    );

    let second_body = rendered("platform.toml", NEW_SHA);
    let second = post_plan_comment(&client, &pr(false), &second_body, &options())
        .await
        .unwrap();
    assert_eq!(second.action, PostAction::Updated);
    assert_eq!(second.comment_id, first.comment_id);

    let comments = gh.comments();
    assert_eq!(comments.len(), 1, "never a second comment");
    assert_eq!(comments[0].1, second_body.body);
    assert!(comments[0].1.contains(&format!("Commit {NEW_SHA}")));
    assert_eq!(
        gh.writes(),
        vec![
            format!("POST {}", first.comment_id),
            format!("PATCH {}", first.comment_id)
        ]
    );
}

#[tokio::test]
async fn a_rerun_with_the_same_plan_writes_nothing() {
    let (_server, gh) = FakeGitHub::start("").await;
    let client = github_client(&gh.api(), TOKEN).unwrap();
    let body = rendered("platform.toml", NEW_SHA);
    post_plan_comment(&client, &pr(false), &body, &options())
        .await
        .unwrap();
    let again = post_plan_comment(&client, &pr(false), &body, &options())
        .await
        .unwrap();
    assert_eq!(again.action, PostAction::Unchanged);
    assert_eq!(gh.writes().len(), 1);
}

#[tokio::test]
async fn each_comment_key_keeps_its_own_comment() {
    let (_server, gh) = FakeGitHub::start("").await;
    let client = github_client(&gh.api(), TOKEN).unwrap();
    let a = post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", OLD_SHA),
        &options(),
    )
    .await
    .unwrap();
    let b = post_plan_comment(
        &client,
        &pr(false),
        &rendered("infra/staging.toml", OLD_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(b.action, PostAction::Created);
    assert_ne!(a.comment_id, b.comment_id);
    let b2 = post_plan_comment(
        &client,
        &pr(false),
        &rendered("infra/staging.toml", NEW_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(
        (b2.action, b2.comment_id),
        (PostAction::Updated, b.comment_id)
    );
    let comments = gh.comments();
    assert_eq!(comments.len(), 2);
    assert!(
        comments[0]
            .1
            .starts_with("<!-- platform-deploy:plan key=platform.toml -->")
    );
    assert!(
        comments[0].1.contains(&format!("Commit {OLD_SHA}")),
        "key A untouched"
    );
    assert!(comments[1].1.contains(&format!("Commit {NEW_SHA}")));
}

#[tokio::test]
async fn the_comment_is_found_past_the_first_hundred_comments_behind_an_enterprise_api_path() {
    let (_server, gh) = FakeGitHub::start("/api/v3").await;
    for i in 0..230 {
        gh.add(&format!("LGTM, nit {i}"));
    }
    // A reviewer quoting the plan comment is not the plan comment.
    gh.add("> <!-- platform-deploy:plan key=platform.toml -->\n> ## Terraform plan\nwhy is this destroyed?");
    let ours = gh.add(&rendered("platform.toml", OLD_SHA).body);
    let client = github_client(&gh.api(), TOKEN).unwrap();
    let posted = post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", NEW_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(
        (posted.action, posted.comment_id),
        (PostAction::Updated, ours)
    );
    assert_eq!(
        gh.state.lock().unwrap().list_requests,
        3,
        "pages of 100: 1, 2, 3"
    );
    assert_eq!(gh.comments().len(), 232);
}

#[tokio::test]
async fn copies_left_by_concurrent_runs_are_folded_into_the_oldest() {
    let (_server, gh) = FakeGitHub::start("").await;
    let oldest = gh.add(&rendered("platform.toml", OLD_SHA).body);
    gh.add("unrelated");
    let copy = gh.add(&rendered("platform.toml", OLD_SHA).body);
    let client = github_client(&gh.api(), TOKEN).unwrap();
    let posted = post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", NEW_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(posted.comment_id, oldest);
    assert_eq!(posted.removed_duplicates, vec![copy]);
    let ids: Vec<u64> = gh.comments().iter().map(|c| c.0).collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&copy));
}

#[tokio::test]
async fn a_run_for_an_older_commit_leaves_a_newer_plan_alone() {
    let (_server, gh) = FakeGitHub::start("").await;
    let newer = rendered("platform.toml", NEW_SHA).body;
    gh.add(&newer);
    let client = github_client(&gh.api(), TOKEN).unwrap();
    let mut late = pr(false);
    late.head_sha = Some(OLD_SHA.into());
    let posted = post_plan_comment(
        &client,
        &late,
        &rendered("platform.toml", OLD_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(posted.action, PostAction::SkippedOutdated);
    assert_eq!(posted.current_head.as_deref(), Some(NEW_SHA));
    assert_eq!(gh.comments()[0].1, newer);
    assert!(gh.writes().is_empty());
}

fn settings() -> PublishSettings {
    PublishSettings {
        key: "platform.toml".into(),
        head_sha: Some(NEW_SHA.into()),
        run_url: Some("https://github.com/acme/infra/actions/runs/42".into()),
        post: options(),
    }
}

async fn forbidden_server() -> MockServer {
    let server = MockServer::start().await;
    no_comments_yet(&server, "acme/infra", 7).await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            "status": "403"
        })))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_fork_without_write_permission_still_gets_the_job_summary_and_a_warning() {
    let server = forbidden_server().await;
    let client = github_client(&server.uri(), TOKEN).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (workflow, log) = output::workflow(dir.path(), true);
    let published = publish(
        &stacks(),
        &settings(),
        Some((&client, &pr(true))),
        &workflow,
    )
    .await
    .expect("a read-only fork token is not a failure");
    assert!(published.posted.is_none());
    assert!(
        published
            .degraded
            .as_deref()
            .unwrap()
            .contains("someone/infra")
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("## Terraform plan: 2 of 3 stacks change"));
    assert!(summary.contains("`aws_s3_bucket.logs`"));
    let log = log.text();
    assert!(
        log.contains("::warning::cannot comment on acme/infra#7"),
        "{log}"
    );
}

#[tokio::test]
async fn without_write_permission_on_the_repository_itself_the_job_fails_and_says_which_permission()
{
    let server = forbidden_server().await;
    let client = github_client(&server.uri(), TOKEN).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (workflow, _) = output::workflow(dir.path(), true);
    let err = publish(
        &stacks(),
        &settings(),
        Some((&client, &pr(false))),
        &workflow,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CommentError::Forbidden { .. }), "{err}");
    assert_eq!(err.kind(), OutcomeKind::BadInput);
    let text = err.to_string();
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(text.contains("permissions: pull-requests: write"), "{text}");
    // The summary was written before GitHub was called.
    assert!(dir.path().join("summary.md").exists());
}

async fn list_fails_with(status: u16, body: Value, headers: &[(&str, &str)]) -> CommentError {
    let server = MockServer::start().await;
    let mut response = ResponseTemplate::new(status).set_body_json(body);
    for (k, v) in headers {
        response = response.insert_header(*k, *v);
    }
    Mock::given(method("GET"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = github_client(&server.uri(), TOKEN).unwrap();
    post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", NEW_SHA),
        &options(),
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn github_errors_say_what_happened_and_what_to_do() {
    let e = list_fails_with(401, json!({"message": "Bad credentials"}), &[]).await;
    assert!(matches!(e, CommentError::Unauthorized { .. }));
    assert!(
        e.to_string().contains("401 Bad credentials") && e.to_string().contains("GITHUB_TOKEN")
    );

    let e = list_fails_with(404, json!({"message": "Not Found"}), &[]).await;
    assert!(matches!(e, CommentError::NotFound { .. }));
    assert!(e.to_string().contains("acme/infra#7 not found") && e.to_string().contains("--repo"));

    let e = list_fails_with(
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom", "message": "Body is too long (maximum is 65536 characters)"}]}),
        &[],
    )
    .await;
    assert!(matches!(e, CommentError::Rejected { .. }));
    assert!(e.to_string().contains("Body is too long"), "{e}");
    assert_eq!(e.kind(), OutcomeKind::Failed);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_allowed_wait_fails_at_once_with_the_wait() {
    let e = list_fails_with(
        429,
        json!({"message": "You have exceeded a secondary rate limit."}),
        &[("retry-after", "3600")],
    )
    .await;
    assert!(matches!(e, CommentError::RateLimited { .. }), "{e}");
    assert!(e.to_string().contains("wait 1h"), "{e}");
    assert!(e.to_string().contains("--max-rate-limit-wait"), "{e}");
}

#[tokio::test]
async fn a_short_rate_limit_is_waited_out() {
    let server = MockServer::start().await;
    no_comments_yet(&server, "acme/infra", 7).await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .insert_header("x-ratelimit-remaining", "0")
                .set_body_json(
                    json!({"message": "API rate limit exceeded for installation ID 1."}),
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(move |req: &Request| {
            let body: Value = req.body_json().unwrap();
            ResponseTemplate::new(201).set_body_json(comment_json(
                &uri,
                9,
                body["body"].as_str().unwrap(),
                "github-actions[bot]",
            ))
        })
        .with_priority(2)
        .mount(&server)
        .await;
    let client = github_client(&server.uri(), TOKEN).unwrap();
    let posted = post_plan_comment(
        &client,
        &pr(false),
        &rendered("platform.toml", NEW_SHA),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!((posted.action, posted.comment_id), (PostAction::Created, 9));
    let posts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn a_create_that_failed_with_a_server_error_but_landed_is_not_repeated() {
    let server = MockServer::start().await;
    let body = rendered("platform.toml", NEW_SHA);
    let uri = server.uri();
    // GitHub stored the comment but answered 502; the second listing shows it.
    Mock::given(method("GET"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([comment_json(
                &uri,
                55,
                &body.body,
                "github-actions[bot]"
            )])),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .expect(1)
        .mount(&server)
        .await;
    let uri2 = server.uri();
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/infra/issues/comments/55"))
        .respond_with(move |req: &Request| {
            let b: Value = req.body_json().unwrap();
            ResponseTemplate::new(200).set_body_json(comment_json(
                &uri2,
                55,
                b["body"].as_str().unwrap(),
                "github-actions[bot]",
            ))
        })
        .expect(1)
        .mount(&server)
        .await;
    let client = github_client(&server.uri(), TOKEN).unwrap();
    let posted = post_plan_comment(&client, &pr(false), &body, &options())
        .await
        .unwrap();
    assert_eq!(posted.comment_id, 55);
}
