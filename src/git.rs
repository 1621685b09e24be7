//! The commit being released.

use std::path::Path;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "cannot tell which commit is being released: {reason}\n  fix: pass --git-sha SHA (or set PLATFORM_DEPLOY_GIT_SHA), or run inside the git checkout"
    )]
    Unknown { reason: String },
    #[error("`{0}` is not a git commit SHA\n  fix: pass the full 40-character hexadecimal SHA")]
    Invalid(String),
}

/// The SHA from the flag, else the run's (`GITHUB_SHA`), else `git rev-parse HEAD` in `dir`.
pub fn release_sha(
    flag: Option<&str>,
    run_sha: Option<&str>,
    dir: &Path,
) -> Result<String, GitError> {
    let sha = match flag.or(run_sha).map(str::to_string) {
        Some(sha) => sha,
        None => head_sha(dir)?,
    };
    let sha = sha.trim().to_ascii_lowercase();
    if sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(sha)
    } else {
        Err(GitError::Invalid(sha))
    }
}

fn head_sha(dir: &Path) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .map_err(|e| GitError::Unknown {
            reason: format!("git could not be run ({e})"),
        })?;
    if !out.status.success() {
        return Err(GitError::Unknown {
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}
