//! SDK clients against an AWS stand-in (the sandbox's, or a moto server of a test's own). Mock
//! clients (aws-smithy-mocks) live with the simulations that answer them: rollout/sim.rs and
//! failover/scenarios.rs.

/// SDK settings for the AWS stand-in at `url` in `region`, with its test credentials; add to them
/// (e.g. a retry configuration) before `.load().await`.
pub fn stand_in(url: &str, region: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(platform_deploy::aws::http_client())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "test", "test", None, None, "stand-in",
        ))
}

/// One IAM query call as the account's root keys (the stand-in restricts role sessions only).
fn iam_call(url: &str, params: &[(&str, &str)]) -> (u16, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("Version", "2010-05-08")
        .extend_pairs(params)
        .finish();
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";
    super::http::post_form(addr, "/", &[("Authorization", auth)], &body)
        .unwrap_or_else(|e| panic!("IAM at {url}: {e}"))
}

/// Creates IAM role `name` in the stand-in, trusting GitHub's OIDC provider (as the bundled roles do),
/// with `policy` inline when given; an existing role is kept and gets the policy. Returns its ARN.
/// The stand-in refuses to assume a role that does not exist, as STS does.
pub fn role(url: &str, name: &str, policy: Option<&serde_json::Value>) -> String {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity"
        }]
    })
    .to_string();
    let (status, text) = iam_call(
        url,
        &[
            ("Action", "CreateRole"),
            ("RoleName", name),
            ("AssumeRolePolicyDocument", &trust),
        ],
    );
    assert!(
        status == 200 || text.contains("EntityAlreadyExists"),
        "CreateRole {name}: {status} {text}"
    );
    if let Some(policy) = policy {
        let document = policy.to_string();
        let (status, text) = iam_call(
            url,
            &[
                ("Action", "PutRolePolicy"),
                ("RoleName", name),
                ("PolicyName", "test"),
                ("PolicyDocument", &document),
            ],
        );
        assert_eq!(status, 200, "PutRolePolicy {name}: {text}");
    }
    format!("arn:aws:iam::123456789012:role/{name}")
}

/// The text of the first `<tag>` element of an XML answer.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

/// The default version's document of managed policy `arn`.
pub fn default_policy_document(url: &str, arn: &str) -> serde_json::Value {
    let (status, text) = iam_call(url, &[("Action", "GetPolicy"), ("PolicyArn", arn)]);
    assert_eq!(status, 200, "GetPolicy {arn}: {text}");
    let version = xml_text(&text, "DefaultVersionId")
        .unwrap_or_else(|| panic!("{text}"))
        .to_string();
    let (status, text) = iam_call(
        url,
        &[
            ("Action", "GetPolicyVersion"),
            ("PolicyArn", arn),
            ("VersionId", &version),
        ],
    );
    assert_eq!(status, 200, "GetPolicyVersion {arn}: {text}");
    // IAM answers the document URL-encoded.
    let document = xml_text(&text, "Document").unwrap_or_else(|| panic!("{text}"));
    let document = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .unwrap();
    serde_json::from_str(&document).unwrap()
}

/// Makes `document` the default version of managed policy `arn`.
pub fn set_default_policy_document(url: &str, arn: &str, document: &serde_json::Value) {
    let text = document.to_string();
    let (status, answer) = iam_call(
        url,
        &[
            ("Action", "CreatePolicyVersion"),
            ("PolicyArn", arn),
            ("PolicyDocument", &text),
            ("SetAsDefault", "true"),
        ],
    );
    assert_eq!(status, 200, "CreatePolicyVersion {arn}: {answer}");
}
