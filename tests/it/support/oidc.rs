//! The GitHub Actions runtime's ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN), as a
//! wiremock server: what `--role-to-assume` exchanges for AWS credentials through STS.

use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The job's bearer token for the endpoint (ACTIONS_ID_TOKEN_REQUEST_TOKEN).
pub const REQUEST_TOKEN: &str = "runtime-request-token-5f2e";
/// An ID token as the runtime hands it out (a JWT; STS checks it, the stand-in does not).
pub const ID_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSIsInN1YiI6InJlcG86b3JnL3Nob3A6cmVmOnJlZnMvaGVhZHMvbWFpbiJ9.c2lnbmF0dXJl";
const PATH: &str = "/_apis/distributedtask/hubs/Actions/plans/1/jobs/2/idtoken";

/// Answers only the STS audience with the job's bearer token.
pub async fn token_endpoint() -> MockServer {
    token_endpoint_with(ID_TOKEN).await
}

/// An endpoint that hands out a token for the job `sub` (what the roles' trust policies match, e.g.
/// `repo:example-org/platform:pull_request` for a pull request's job).
pub async fn token_endpoint_for(sub: &str) -> MockServer {
    token_endpoint_with(&id_token(sub)).await
}

/// An ID token as GitHub issues it for `sub` (signature not real: the stand-in reads only the claims).
pub fn id_token(sub: &str) -> String {
    use base64::Engine as _;
    let encode = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = encode(json!({"alg": "RS256", "typ": "JWT"}));
    let claims = encode(json!({
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "sts.amazonaws.com",
        "sub": sub,
    }));
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

async fn token_endpoint_with(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .and(query_param("api-version", "2.0"))
        .and(query_param("audience", "sts.amazonaws.com"))
        .and(header(
            "authorization",
            format!("Bearer {REQUEST_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 1, "value": token})))
        .mount(&server)
        .await;
    server
}

/// ACTIONS_ID_TOKEN_REQUEST_URL for `server` (the runtime's URL already carries a query).
pub fn request_url(server: &MockServer) -> String {
    format!("{}{PATH}?api-version=2.0", server.uri())
}
