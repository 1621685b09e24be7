//! The sandbox's stand-ins (scripts/sandbox): the AWS stand-in (moto behind the sandbox_aws front),
//! the registry standing in for ECR's data plane, the Docker daemon and the terraform provider
//! mirror, found through the variables `eval "$(scripts/sandbox up)"` sets.
//!
//! A test that needs a stand-in that is missing panics naming it and the command that starts it:
//! it never passes without it.

use std::fmt::Display;
use std::process::Command;

use super::{docker, http};

/// What a "missing" failure tells the reader to do.
pub const START: &str =
    "start the sandbox with `eval \"$(scripts/sandbox up)\"` (or run scripts/test)";

/// Fails the test: `what` is missing.
#[track_caller]
pub fn missing(what: impl Display) -> ! {
    panic!("{what}.\n  fix: {START}")
}

/// The sandbox variable `name`; fails the test when it is unset or empty.
#[track_caller]
pub fn var(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => missing(format_args!(
            "{name} is unset: this test needs the sandbox, which is not running"
        )),
    }
}

/// The shared AWS stand-in (PD_SANDBOX_MOTO_URL), checked to be the sandbox front, not bare moto:
/// the front runs CodeDeploy deployments, CloudWatch over CBOR and the registry's ECR side.
#[track_caller]
pub fn aws_url() -> String {
    let url = var("PD_SANDBOX_MOTO_URL");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    match http::get(addr, "/_sandbox/health") {
        Ok((_, body)) if body.contains("sandbox_aws") => url,
        Ok(_) => missing(format_args!(
            "{url} answers, but it is bare moto, not the sandbox's AWS stand-in (scripts/sandbox_aws.py)"
        )),
        Err(e) => missing(format_args!(
            "the sandbox's AWS stand-in (moto + front) is not answering at {url} ({e})"
        )),
    }
}

/// POSTs JSON to one of the AWS stand-in's control endpoints (`/_sandbox/...`); returns the answer's
/// body and fails the test unless it is a 200.
#[track_caller]
pub fn control(url: &str, path: &str, body: &serde_json::Value) -> String {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let (status, answer) =
        http::post_json(addr, path, body).unwrap_or_else(|e| panic!("POST {url}{path}: {e}"));
    assert_eq!(status, 200, "POST {url}{path}: {answer}");
    answer
}

/// Points a child (platform-deploy, terraform) at the AWS stand-in `url` with its test credentials,
/// and keeps the machine's own AWS session and profile out of it.
pub fn aws_env<'a>(cmd: &'a mut Command, url: &str) -> &'a mut Command {
    cmd.env("AWS_ENDPOINT_URL", url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// The sandbox registry (PD_SANDBOX_REGISTRY, htpasswd auth: it answers /v2/ with 401).
#[track_caller]
pub fn registry() -> String {
    let registry = var("PD_SANDBOX_REGISTRY");
    let status = http::status(&registry, "/v2/");
    if status != Some(401) {
        missing(format_args!(
            "the sandbox registry (PD_SANDBOX_REGISTRY={registry}) does not answer /v2/ with 401 (got {status:?})"
        ));
    }
    registry
}

/// The registry's password for user AWS (what the stand-in's ECR hands out as the token).
pub fn registry_password() -> String {
    std::env::var("PD_SANDBOX_REGISTRY_PASSWORD")
        .unwrap_or_else(|_| "123456789012-auth-token".to_string())
}

/// DOCKER_HOST of the sandbox's Docker daemon, checked to answer `docker version`.
#[track_caller]
pub fn docker_host() -> String {
    let host = var("DOCKER_HOST");
    let out = docker::command()
        .args(["version", "--format", "{{.Server.Version}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => host,
        Ok(o) => missing(format_args!(
            "the sandbox's Docker daemon at DOCKER_HOST={host} does not answer `docker version` ({})",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => missing(format_args!(
            "the docker CLI does not run ({e}); the sandbox's Docker daemon is at DOCKER_HOST={host}"
        )),
    }
}
