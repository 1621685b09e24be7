//! `aws-credentials`: the role's credentials for terraform's `credential_process` (see
//! [`crate::terraform::credentials::terraform_aws`]).

use aws_credential_types::provider::ProvideCredentials;

use crate::cli::{AwsCredentialsArgs, Cli};
use crate::error::Error;
use crate::outcome::Outcome;
use crate::runner::Workflow;

pub async fn run(
    cli: &Cli,
    args: &AwsCredentialsArgs,
    workflow: &Workflow,
) -> Result<Outcome, Error> {
    let Some(role) = crate::settings::role(cli.role_to_assume.as_deref()) else {
        return Err(Error::Usage {
            message: "aws-credentials needs --role-to-assume (PLATFORM_DEPLOY_ROLE_TO_ASSUME)"
                .into(),
            fix: "give the role to assume; without one, terraform uses the SDK's default chain"
                .into(),
        });
    };
    // No masking here: stdout belongs to the program that asked, and the run that wrote the
    // profile has masked the token already.
    let settings = crate::settings::aws(workflow.env(), Some(role), &args.sts_region, None)?;
    let provider = settings
        .credentials
        .expect("a role gives a credentials provider");
    let credentials = provider.provide_credentials().await.map_err(|e| {
        crate::aws::oidc::OidcError::AssumeRole {
            role: role.to_string(),
            message: crate::secrets::redact(&format!("{e:?}")),
        }
    })?;
    let mut json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id(),
        "SecretAccessKey": credentials.secret_access_key(),
    });
    if let Some(token) = credentials.session_token() {
        json["SessionToken"] = token.into();
    }
    if let Some(expiry) = credentials.expiry() {
        let expiry = time::OffsetDateTime::from(expiry);
        if let Ok(text) = expiry.format(&time::format_description::well_known::Rfc3339) {
            json["Expiration"] = text.into();
        }
    }
    println!("{json}");
    Ok(Outcome::success("credentials printed"))
}
