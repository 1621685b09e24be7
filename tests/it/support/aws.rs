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
    query_call(url, "iam", "us-east-1", "2010-05-08", params)
}

/// One query-protocol call (IAM, EC2) as the account's root keys.
fn query_call(
    url: &str,
    service: &str,
    region: &str,
    version: &str,
    params: &[(&str, &str)],
) -> (u16, String) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("Version", version)
        .extend_pairs(params)
        .finish();
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let auth = auth.as_str();
    super::http::post_form(addr, "/", &[("Authorization", auth)], &body)
        .unwrap_or_else(|e| panic!("IAM at {url}: {e}"))
}

/// Creates IAM role `name` in the stand-in, trusting GitHub's OIDC provider (as the bundled roles do),
/// with `policy` inline when given; an existing role is kept and gets the policy. Returns its ARN.
/// The stand-in refuses to assume a role that does not exist, as STS does.
pub fn role(url: &str, name: &str, policy: Option<&serde_json::Value>) -> String {
    let arn = create_role(
        url,
        name,
        serde_json::json!({"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}),
        "sts:AssumeRoleWithWebIdentity",
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
    arn
}

/// Creates IAM role `name` trusting `principal` for `action` (an existing one is kept); its ARN.
fn create_role(url: &str, name: &str, principal: serde_json::Value, action: &str) -> String {
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]
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
    format!("arn:aws:iam::123456789012:role/{name}")
}

/// The default VPC of `region` in the stand-in and its default subnets (the tests have no EC2
/// client: one query call reads them).
pub fn default_subnets(url: &str, region: &str) -> (String, Vec<String>) {
    let (status, text) = query_call(
        url,
        "ec2",
        region,
        "2016-11-15",
        &[
            ("Action", "DescribeSubnets"),
            ("Filter.1.Name", "default-for-az"),
            ("Filter.1.Value.1", "true"),
        ],
    );
    assert_eq!(status, 200, "DescribeSubnets: {text}");
    let subnets: Vec<String> = text
        .split("<subnetId>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</subnetId>").map(|(id, _)| id.to_string()))
        .collect();
    let vpc = xml_text(&text, "vpcId")
        .unwrap_or_else(|| panic!("no default VPC in {region}: {text}"))
        .to_string();
    assert!(subnets.len() >= 2, "default subnets: {text}");
    (vpc, subnets[..2].to_vec())
}

/// An ECS infrastructure role (trusting ecs.amazonaws.com, as the bundled ecs module's); its ARN.
pub fn ecs_infrastructure_role(url: &str, name: &str) -> String {
    create_role(
        url,
        name,
        serde_json::json!({"Service": "ecs.amazonaws.com"}),
        "sts:AssumeRole",
    )
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
