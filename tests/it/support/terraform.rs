//! The terraform CLI the stack tests run.

/// Fails the test unless `terraform version` runs.
#[track_caller]
pub fn require_terraform() {
    let ok = std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "terraform is not on PATH: install Terraform 1.11 (the README's `scripts/test` expects it)"
    );
}

/// TF_CLI_CONFIG_FILE, which `eval "$(scripts/sandbox up)"` points at the local provider mirror
/// (no provider can be downloaded here); fails the test when it is unset or names no file.
#[track_caller]
pub fn cli_config() -> String {
    let path = super::sandbox::var("TF_CLI_CONFIG_FILE");
    if !std::path::Path::new(&path).is_file() {
        super::sandbox::missing(format_args!(
            "TF_CLI_CONFIG_FILE={path} is not a file: the sandbox's provider mirror is not set up"
        ));
    }
    path
}
