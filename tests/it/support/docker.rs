//! The Docker CLI, as the baseline the image tests compare with (its legacy builder, and buildx
//! for BuildKit) and for the containers they run; the daemon is the sandbox's
//! ([`super::sandbox::docker_host`]).

use std::process::{Command, Output};

/// `docker` with the legacy builder (what `platform-deploy build` is compared with), no hints, and
/// the daemon chosen by DOCKER_HOST alone.
pub fn command() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_BUILDKIT", "0")
        .env("DOCKER_CLI_HINTS", "false")
        .env_remove("DOCKER_CONTEXT");
    cmd
}

/// `docker buildx` with the sandbox's buildx plugin: the Docker CLI's BuildKit client, which
/// BuildKit builds are compared with.
pub fn buildx() -> Command {
    let mut cmd = command();
    cmd.env(
        "DOCKER_CONFIG",
        super::sandbox::var("PD_SANDBOX_BUILDX_CONFIG"),
    )
    .arg("buildx");
    cmd
}

/// `docker ARGS`, whatever its outcome.
#[track_caller]
pub fn output(args: &[&str]) -> Output {
    command().args(args).output().expect("the docker CLI runs")
}

/// `docker ARGS`, which must succeed: its stdout, trimmed.
#[track_caller]
pub fn run(args: &[&str]) -> String {
    super::process::run_ok(command().args(args), &format!("docker {}", args.join(" ")))
}
