use std::path::PathBuf;

use crate::outcome::OutcomeKind;

#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    #[error(
        "terraform was not found (`{binary}`): {source}\n  fix: install Terraform 1.5 or newer and put it on PATH, or set terraform.binary in platform.toml"
    )]
    NotInstalled {
        binary: String,
        source: std::io::Error,
    },
    #[error(
        "terraform {found} is too old; platform-deploy needs {required} or newer\n  fix: install a newer Terraform or point terraform.binary at one"
    )]
    TooOld { found: String, required: String },
    #[error(
        "stack {stack}: the state is locked by someone else{who}\n  fix: wait for the other run to finish; if it died, run `terraform -chdir={dir} force-unlock LOCK_ID` with the ID shown above"
    )]
    Locked {
        stack: String,
        dir: PathBuf,
        who: String,
    },
    #[error("stack {stack}: `terraform {step}` failed (exit {code}):\n{stderr}\n  fix: {fix}")]
    Step {
        stack: String,
        step: String,
        code: i32,
        stderr: String,
        fix: String,
    },
    #[error("stack {stack}: cannot read `terraform {step}` output: {reason}")]
    BadOutput {
        stack: String,
        step: String,
        reason: String,
    },
    #[error("cannot write {path}: {source}\n  fix: check that the folder is writable")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no reviewed plan for stack {stack} in {dir}\n  fix: pass --plans with the folder `platform-deploy plan` wrote (the PR's plan artifact)"
    )]
    MissingReview { stack: String, dir: PathBuf },
    #[error("cancelled: terraform was interrupted and has exited")]
    Cancelled,
    #[error(
        "stack {stack} has no `{output}` output, so the services of {region} cannot be found\n  fix: apply the stack first (or drop --skip-terraform), and make sure {} exports {output}", dir.display()
    )]
    MissingOutput {
        stack: String,
        output: String,
        region: String,
        dir: PathBuf,
    },
    #[error("unknown stack `{0}`\n  fix: use a name from [[stacks]] in platform.toml")]
    UnknownStack(String),
}

impl TerraformError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            TerraformError::NotInstalled { .. }
            | TerraformError::TooOld { .. }
            | TerraformError::MissingReview { .. }
            | TerraformError::MissingOutput { .. }
            | TerraformError::UnknownStack(_) => OutcomeKind::BadInput,
            TerraformError::Cancelled => OutcomeKind::Cancelled,
            _ => OutcomeKind::Failed,
        }
    }
}
