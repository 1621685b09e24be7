//! `platform-deploy comment` as a workflow runs it: dry runs print the exact body and call
//! nothing; real runs mask the token first, read the PR from the event and post through the API.

use std::path::{Path, PathBuf};

use platform_deploy::github::comment::{RenderOptions, Target, load_plan_dir, render_body};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::fs::fixtures;
use crate::support::github::{created_comment, no_comments_yet};
use crate::support::process::platform_deploy;

const TOKEN: &str = "ghs_cliTestToken_abcdef0123456789";
const HEAD: &str = "3333333333333333333333333333333333333333";

fn plans() -> PathBuf {
    fixtures().join("plans/mixed")
}

fn event_file(dir: &Path, head_repo: &str) -> PathBuf {
    let event = json!({
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": {"sha": HEAD, "ref": "feature", "repo": {"full_name": head_repo, "fork": head_repo != "acme/infra"}},
            "base": {"sha": "4444444444444444444444444444444444444444", "ref": "main", "repo": {"full_name": "acme/infra", "fork": false}}
        },
        "repository": {"full_name": "acme/infra"},
        "sender": {"login": "octocat"}
    });
    let path = dir.join("event.json");
    std::fs::write(&path, event.to_string()).unwrap();
    path
}

fn dry_run(extra: &[&str]) -> std::process::Output {
    platform_deploy()
        .args(["comment", "--plans"])
        .arg(plans())
        .args(["--dry-run", "--head-sha", HEAD])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_dry_run_prints_exactly_the_body_it_would_post_and_the_same_bytes_every_time() {
    let first = dry_run(&[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = dry_run(&[]);
    assert_eq!(first.stdout, second.stdout, "same input, same bytes");

    let mut options = RenderOptions::new("platform.toml", Target::Comment);
    options.head_sha = Some(HEAD.into());
    let expected = render_body(&load_plan_dir(&plans()).unwrap(), &options).body;
    assert_eq!(String::from_utf8(first.stdout).unwrap(), expected);

    let keyed = dry_run(&["--comment-key", "infra/staging"]);
    let text = String::from_utf8(keyed.stdout).unwrap();
    assert!(
        text.starts_with("<!-- platform-deploy:plan key=infra/staging -->\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_calls_nothing_even_with_a_token_and_a_pull_request() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let event = event_file(dir.path(), "acme/infra");
    let summary = dir.path().join("summary.md");
    let uri = server.uri();
    let summary2 = summary.clone();
    let out = tokio::task::spawn_blocking(move || {
        platform_deploy()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "acme/infra")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_STEP_SUMMARY", &summary2)
            .args(["--output", "json", "comment", "--dry-run", "--plans"])
            .arg(plans())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    let outcome: Value =
        serde_json::from_slice(&out.stdout).expect("stdout is the JSON outcome only");
    let body = outcome["data"]["body"].as_str().unwrap();
    assert!(
        body.contains(&format!("Commit {HEAD}")),
        "head SHA comes from the event"
    );
    assert_eq!(outcome["data"]["pull_request"]["number"], 7);
    let written = std::fs::read_to_string(summary).unwrap();
    assert!(written.contains("## Terraform plan: 2 of 3 stacks change"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_run_masks_the_token_first_and_creates_the_comment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .and(body_string_contains(
            "<!-- platform-deploy:plan key=platform.toml -->",
        ))
        .respond_with(created_comment("acme/infra", 7, 31))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let event = event_file(dir.path(), "acme/infra");
    let output = dir.path().join("output");
    let (uri, output2) = (server.uri(), output.clone());
    let out = tokio::task::spawn_blocking(move || {
        platform_deploy()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "acme/infra")
            .env("GITHUB_TOKEN", format!("{TOKEN}\n"))
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_OUTPUT", &output2)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "42")
            .args(["comment", "--plans"])
            .arg(plans())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with(&format!("::add-mask::{TOKEN}\n")),
        "{stderr}"
    );
    assert_eq!(stderr.matches(TOKEN).count(), 1, "{stderr}");
    let outputs = std::fs::read_to_string(output).unwrap();
    assert!(
        outputs.contains("comment-url=https://github.com/acme/infra/pull/7#issuecomment-31"),
        "{outputs}"
    );
    let posted = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    let body: Value = posted.body_json().unwrap();
    let body = body["body"].as_str().unwrap();
    assert!(body.contains(&format!("<!-- platform-deploy:commit {HEAD} -->")));
    assert!(body.contains("[workflow run](https://github.com/acme/infra/actions/runs/42)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fork_pull_request_without_permission_exits_0_with_the_summary_and_a_warning() {
    let server = MockServer::start().await;
    no_comments_yet(&server, "acme/infra", 7).await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/infra/issues/7/comments"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let event = event_file(dir.path(), "someone/infra");
    let summary = dir.path().join("summary.md");
    let (uri, summary2) = (server.uri(), summary.clone());
    let out = tokio::task::spawn_blocking(move || {
        platform_deploy()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_STEP_SUMMARY", &summary2)
            .args(["comment", "--plans"])
            .arg(plans())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "::warning::cannot comment on acme/infra#7 (the PR comes from the fork someone/infra"
        ),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(summary)
            .unwrap()
            .contains("`aws_s3_bucket.logs`")
    );
}

#[test]
fn posting_needs_a_pull_request_and_a_token_and_says_how_to_give_them() {
    let out = platform_deploy()
        .args(["comment", "--plans"])
        .arg(plans())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("this is not a pull request")
            && stderr.contains("--pr N --repo owner/name"),
        "{stderr}"
    );

    let out = platform_deploy()
        .args(["comment", "--pr", "7", "--repo", "acme/infra", "--plans"])
        .arg(plans())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GITHUB_TOKEN is not set"), "{stderr}");
}

#[test]
fn a_folder_without_plans_is_bad_input_naming_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = platform_deploy()
        .args(["comment", "--dry-run", "--plans"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("no plans in {}", dir.path().display())),
        "{stderr}"
    );

    std::fs::write(dir.path().join("notes.json"), "{\"a\": 1}").unwrap();
    let out = platform_deploy()
        .args(["comment", "--dry-run", "--plans"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("notes.json is not the JSON of a saved plan")
    );
}

#[test]
fn when_the_comment_is_shortened_the_job_log_holds_the_full_plan() {
    let dir = tempfile::tempdir().unwrap();
    let changes: Vec<Value> = (0..2_500)
        .map(|i| {
            json!({
                "address": format!("module.fleet.aws_instance.node[{i}]"), "mode": "managed",
                "type": "aws_instance", "name": "node",
                "change": {"actions": ["delete"], "before": {"id": format!("i-{i:08}")}, "after": null,
                           "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}
            })
        })
        .collect();
    let plan = json!({"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes});
    std::fs::write(dir.path().join("fleet.json"), plan.to_string()).unwrap();
    let out = platform_deploy()
        .args(["comment", "--dry-run", "--plans"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let body = String::from_utf8(out.stdout).unwrap();
    let log = String::from_utf8(out.stderr).unwrap();
    assert!(body.len() <= 65_536);
    assert!(
        body.contains("more destroys — see the job log"),
        "the comment is cut"
    );
    assert!(body.contains("group “Full plan”"));
    let group = log
        .find("── Full plan ──")
        .expect("the full plan is logged");
    let logged = &log[group..];
    for i in [0, 1_234, 2_499] {
        assert!(
            logged.contains(&format!("- `module.fleet.aws_instance.node[{i}]`")),
            "{i}"
        );
    }
}
