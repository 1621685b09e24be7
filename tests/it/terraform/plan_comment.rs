//! `plan --comment`: the real plans of a run become the pull request's sticky comment, carrying the
//! change-set hash that `apply` is later held to. Needs terraform on PATH; GitHub is a wiremock
//! server.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

use crate::support::fs::{copy_dir, fixtures};
use crate::support::github::{created_comment, no_comments_yet};
use crate::support::process::platform_deploy;
use crate::support::terraform::require_terraform;

const TOKEN: &str = "ghs_plancommenttoken0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn plan_with_comment_posts_the_plans_it_just_made() {
    require_terraform();
    let server = MockServer::start().await;
    no_comments_yet(&server, "acme/infra", 9).await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/9/comments"))
        .respond_with(created_comment("acme/infra", 9, 5))
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &fixtures().join("stacks/net"),
        &dir.path().join("stacks/net"),
    );
    std::fs::write(
        dir.path().join("platform.toml"),
        "[project]\nname = \"f\"\n[regions]\nprimary = \"us-east-1\"\n[[stacks]]\nname = \"net\"\ndir = \"stacks/net\"\n",
    )
    .unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"number": 9, "pull_request": {"number": 9, "head": {"sha": "1".repeat(40), "repo": {"full_name": "acme/infra", "fork": false}},
               "base": {"repo": {"full_name": "acme/infra", "fork": false}}}, "repository": {"full_name": "acme/infra"}})
        .to_string(),
    )
    .unwrap();
    let (uri, root) = (server.uri(), dir.path().to_path_buf());
    let out = tokio::task::spawn_blocking(move || {
        platform_deploy()
            .current_dir(&root)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "acme/infra")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &uri)
            .args(["plan", "--offline", "--comment"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with(&format!("::add-mask::{TOKEN}\n")),
        "the token is masked first:\n{stderr}"
    );

    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".platform-deploy/plans/summary.json")).unwrap(),
    )
    .unwrap();
    let hash = summary["stacks"]["net"]["change_set_hash"]
        .as_str()
        .unwrap();
    let posted = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let body: Value = posted.body_json().unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(
        body.contains(hash),
        "the comment carries the hash apply is held to ({hash}):\n{body}"
    );
    assert!(body.contains("terraform_data.vpc"), "{body}");
}
