//! Answers of the GitHub REST API stand-in (wiremock) that several areas give.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// `repo` (owner/name) #`number` has no comments yet: listing them answers an empty page.
pub async fn no_comments_yet(server: &MockServer, repo: &str, number: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/repos/{repo}/issues/{number}/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(server)
        .await;
}

/// "Create an issue comment" on `repo` (owner/name) #`number`: 201 with the comment GitHub would
/// return, id `id`, carrying the body that was posted.
pub fn created_comment(repo: &str, number: u64, id: u64) -> impl Respond + use<> {
    let repo = repo.to_string();
    move |req: &Request| {
        let body: Value = req.body_json().unwrap();
        ResponseTemplate::new(201).set_body_json(json!({
            "id": id, "node_id": format!("IC_{id}"), "body": body["body"],
            "url": format!("https://api.github.com/repos/{repo}/issues/comments/{id}"),
            "html_url": format!("https://github.com/{repo}/pull/{number}#issuecomment-{id}"),
            "user": {"login": "github-actions[bot]", "type": "Bot"},
            "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"
        }))
    }
}
