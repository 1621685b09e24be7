//! What the image tests share: the sandbox's stand-ins (a test that needs one that is missing fails
//! and says how to start it), the Docker CLI as the baseline, and running platform-deploy.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

const START: &str = "start the stand-ins with `scripts/sandbox up`, then `eval \"$(scripts/sandbox env)\"` before `cargo test`";

/// DOCKER_HOST of the sandbox daemon; fails the test when the daemon is not reachable.
pub fn docker_host() -> String {
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    assert!(
        !host.is_empty(),
        "DOCKER_HOST is not set: these tests need the sandbox's Docker daemon; {START}"
    );
    let ok = Command::new("docker")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the Docker daemon at {host} does not answer `docker version`; {START}"
    );
    host
}

/// Runs the Docker CLI (the baseline) and returns stdout; panics with stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = docker_output(args);
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn docker_output(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .env("DOCKER_CLI_HINTS", "false")
        .output()
        .expect("the docker CLI runs")
}

/// One entry of an image's file system: kind, mode, size, content hash or link target.
pub type Listing = BTreeMap<String, String>;

/// The files below `/prefix` in `image`, read from `docker export` of a created container.
pub fn image_files(image: &str, prefix: &str) -> Listing {
    let container = docker(&["create", image, "/none"]);
    let out = Command::new("docker")
        .args(["export", &container])
        .output()
        .expect("docker export runs");
    docker(&["rm", "-f", &container]);
    assert!(out.status.success(), "docker export failed");
    let mut archive = tar::Archive::new(out.stdout.as_slice());
    let mut listing = Listing::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        let header = entry.header().clone();
        let kind = header.entry_type();
        let mode = header.mode().unwrap() & 0o7777;
        let detail = if kind.is_file() {
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            format!(
                "file {mode:o} {} {}",
                content.len(),
                hex::encode(&Sha256::digest(&content)[..6])
            )
        } else if kind.is_dir() {
            format!("dir {mode:o}")
        } else if kind.is_symlink() {
            format!(
                "symlink -> {}",
                header.link_name().unwrap().unwrap().display()
            )
        } else if kind.is_hard_link() {
            "hardlink".to_string()
        } else {
            format!("{kind:?} {mode:o}")
        };
        listing.insert(rel.trim_end_matches('/').to_string(), detail);
    }
    listing
}

/// Writes platform.toml for a project whose image is built from `context` (relative to `dir`).
pub fn write_config(
    dir: &Path,
    repository: &str,
    context: &str,
    dockerfile: &str,
    extra: &str,
) -> PathBuf {
    let path = dir.join("platform.toml");
    std::fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n\n[regions]\nprimary = \"us-east-1\"\n{extra}\n\n[image]\nrepository = \"{repository}\"\ncontext = \"{context}\"\ndockerfile = \"{dockerfile}\"\n"
        ),
    )
    .unwrap();
    path
}

/// Runs platform-deploy with `args` after `--config CONFIG`, with a clean Actions environment.
pub fn platform_deploy(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_platform-deploy"));
    cmd.arg("--config").arg(config).args(args);
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_SHA",
        "GITHUB_OUTPUT",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("platform-deploy runs")
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A name no other test (or engineer) uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}{}-{:x}{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
