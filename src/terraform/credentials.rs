//! Terraform children run with the run's credentials: with a role, through a profile whose
//! `credential_process` is this binary (`platform-deploy aws-credentials`), so terraform's AWS provider
//! and S3 backend fetch fresh short-lived credentials whenever theirs expire, however long an apply
//! takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The profile terraform children use when a role is assumed.
pub const TERRAFORM_PROFILE: &str = "platform-deploy";
/// The AWS config file holding that profile, in the run's output folder.
pub const TERRAFORM_AWS_CONFIG: &str = "aws-config";

/// Credentials from the environment that would win over the profile in terraform's AWS SDK.
const AMBIENT_CREDENTIALS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// What terraform children need to use the role: variables to set (`Some`) and to remove (`None`).
/// Without a role (or offline) they keep the environment as it is: the default chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerraformAws {
    pub env: BTreeMap<String, Option<String>>,
    /// The AWS config file to write before terraform runs, and its text.
    pub config_file: Option<(PathBuf, String)>,
}

/// The terraform side of `role_to_assume` for a run writing to `out_dir`. `binary` is this
/// executable, which terraform's SDK runs (through `sh -c`) for each credential request.
pub fn terraform_aws(
    role_to_assume: Option<&str>,
    sts_region: &str,
    out_dir: &Path,
    binary: &Path,
) -> TerraformAws {
    let Some(role) = role_to_assume.map(str::trim).filter(|r| !r.is_empty()) else {
        return TerraformAws::default();
    };
    let path = out_dir.join(TERRAFORM_AWS_CONFIG);
    // The SDKs run the value with `sh -c`, after stripping one pair of quotes around the whole value:
    // it starts with `exec` and ends with the region (a plain word), so no word's quotes are lost.
    let text = format!(
        "# Written by platform-deploy for this run's terraform processes: each credential request runs\n# `platform-deploy aws-credentials`, a fresh GitHub OIDC exchange for the role.\n[profile {TERRAFORM_PROFILE}]\ncredential_process = exec {} --role-to-assume {} aws-credentials --sts-region {}\n",
        shell_word(&binary.display().to_string()),
        shell_word(role),
        shell_word(sts_region),
    );
    let mut env: BTreeMap<String, Option<String>> = AMBIENT_CREDENTIALS
        .iter()
        .map(|k| (k.to_string(), None))
        .collect();
    env.insert("AWS_CONFIG_FILE".into(), Some(path.display().to_string()));
    env.insert("AWS_PROFILE".into(), Some(TERRAFORM_PROFILE.into()));
    env.insert("AWS_SDK_LOAD_CONFIG".into(), Some("1".into()));
    TerraformAws {
        env,
        config_file: Some((path, text)),
    }
}

/// `text` as one word for `sh`: as it is when it holds nothing the shell treats specially (paths,
/// ARNs and regions usually), else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-:=@+,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_a_role_terraform_gets_a_profile_whose_credential_process_is_this_binary() {
        let aws = terraform_aws(
            Some("arn:aws:iam::123456789012:role/platform-deploy-apply"),
            "us-east-1",
            Path::new("/work/.platform-deploy/plans"),
            Path::new("/opt/it's here/platform-deploy"),
        );
        let (path, text) = aws.config_file.clone().unwrap();
        assert_eq!(path, Path::new("/work/.platform-deploy/plans/aws-config"));
        assert!(
            text.contains(
                "credential_process = exec '/opt/it'\\''s here/platform-deploy' --role-to-assume arn:aws:iam::123456789012:role/platform-deploy-apply aws-credentials --sts-region us-east-1\n"
            ),
            "{text}"
        );
        assert_eq!(aws.env["AWS_PROFILE"].as_deref(), Some("platform-deploy"));
        // Static keys in the environment would win over the profile: they are removed.
        assert_eq!(aws.env["AWS_ACCESS_KEY_ID"], None);
        assert_eq!(aws.env["AWS_SESSION_TOKEN"], None);
    }

    #[test]
    fn without_a_role_terraform_keeps_the_default_chain() {
        for role in [None, Some(""), Some("  ")] {
            assert_eq!(
                terraform_aws(role, "us-east-1", Path::new("/w"), Path::new("/b")),
                TerraformAws::default()
            );
        }
    }
}
