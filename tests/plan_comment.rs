//! `plan --comment`: the real plans of a run become the pull request's sticky comment, carrying the
//! change-set hash that `apply` is later held to.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "ghs_plancommenttoken0123456789";

#[tokio::test(flavor = "multi_thread")]
async fn plan_with_comment_posts_the_plans_it_just_made() {
    let ok = std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "terraform is not on PATH: install Terraform 1.11");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/infra/issues/9/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/9/comments"))
        .respond_with(|req: &Request| {
            let body: Value = req.body_json().unwrap();
            ResponseTemplate::new(201).set_body_json(json!({
                "id": 5, "node_id": "IC_5", "body": body["body"],
                "url": "https://api.github.com/repos/acme/infra/issues/comments/5",
                "html_url": "https://github.com/acme/infra/pull/9#issuecomment-5",
                "user": {"login": "github-actions[bot]", "type": "Bot"},
                "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"
            }))
        })
        .expect(1)
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("stacks/net");
    std::fs::create_dir_all(&stack).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stacks/net/main.tf"),
        stack.join("main.tf"),
    )
    .unwrap();
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
        let mut cmd = Command::cargo_bin("platform-deploy").unwrap();
        for (name, _) in std::env::vars() {
            if name.starts_with("GITHUB_") || name.starts_with("PLATFORM_DEPLOY_") {
                cmd.env_remove(name);
            }
        }
        cmd.current_dir(&root)
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
