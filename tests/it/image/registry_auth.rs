//! Registry credentials for a BuildKit build, found as the Docker CLI finds them: a private base
//! image in the sandbox registry (which refuses anonymous pulls) is pulled with what the Docker
//! config's credential helper answers (`credHelpers` → `docker-credential-NAME get`, a real
//! program on PATH speaking the helper protocol), and the secret it answers is masked; the legacy
//! builder gets the same logins with its request. A helper with nothing for the registry leaves
//! the build anonymous, and the registry's refusal comes back with what to do.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::support::{SHA, busybox_base, platform_deploy};
use crate::support::docker::{self, run as docker};
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::sandbox;

/// Pushes the busybox base to the sandbox registry as a private image; the daemon keeps no copy
/// under that name, so every build has to pull it.
fn private_base(dir: &Path, registry: &str) -> String {
    let login = dir.join("login");
    fs::create_dir_all(&login).unwrap();
    let reference = format!("{registry}/private/{}:1", unique("base"));
    docker(&["tag", busybox_base(), &reference]);
    let out = docker::command()
        .arg("--config")
        .arg(&login)
        .args(["login", "-u", "AWS", "--password-stdin", registry])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(sandbox::registry_password().as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "docker login to {registry} failed");
    let pushed = docker::command()
        .arg("--config")
        .arg(&login)
        .args(["push", "-q", &reference])
        .output()
        .unwrap();
    assert!(
        pushed.status.success(),
        "docker push {reference} failed: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    docker(&["rmi", &reference]);
    reference
}

/// A folder holding `docker-credential-pdtest`, which answers the sandbox registry's login for
/// `answers` and "credentials not found" for anything else, and notes every server asked about.
fn helper(dir: &Path, answers: &str) -> (PathBuf, PathBuf) {
    let bin = dir.join("helper-bin");
    fs::create_dir_all(&bin).unwrap();
    let asked = dir.join("asked");
    let script = format!(
        r#"#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> '{asked}'
if [ "$server" = '{answers}' ]; then
  printf '{{"ServerURL":"%s","Username":"AWS","Secret":"{password}"}}\n' "$server"
else
  echo "credentials not found in native keychain"
  exit 1
fi
"#,
        asked = asked.display(),
        password = sandbox::registry_password(),
    );
    let path = bin.join("docker-credential-pdtest");
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    (bin, asked)
}

/// A Docker config folder whose `credHelpers` sends the sandbox registry to `pdtest`.
fn docker_config(dir: &Path, registry: &str) -> PathBuf {
    let config = dir.join("docker-config");
    fs::create_dir_all(&config).unwrap();
    fs::write(
        config.join("config.json"),
        format!(r#"{{"credHelpers": {{"{registry}": "pdtest"}}}}"#),
    )
    .unwrap();
    config
}

fn project(dir: &Path, base: &str) -> PathBuf {
    let svc = dir.join("svc");
    fs::create_dir_all(&svc).unwrap();
    fs::write(
        svc.join("Dockerfile"),
        format!("FROM {base}\nCOPY app.txt /app.txt\n"),
    )
    .unwrap();
    fs::write(svc.join("app.txt"), "from a private base\n").unwrap();
    let path = dir.join("platform.toml");
    fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n[regions]\nprimary = \"us-east-1\"\n[image]\nrepository = \"{}\"\ncontext = \"svc\"\n",
            unique("pd-test-auth/app")
        ),
    )
    .unwrap();
    path
}

/// A project built from a private base in the sandbox registry, with a Docker config that sends
/// that registry to `docker-credential-pdtest` (which has a login for `helper_answers` only).
struct PrivateBuild {
    dir: tempfile::TempDir,
    registry: String,
    config: PathBuf,
    helper_bin: PathBuf,
    asked: PathBuf,
}

impl PrivateBuild {
    fn new(helper_answers: Option<&str>) -> PrivateBuild {
        sandbox::docker_host();
        let registry = sandbox::registry();
        let dir = tempfile::tempdir().unwrap();
        let base = private_base(dir.path(), &registry);
        let (helper_bin, asked) = helper(dir.path(), helper_answers.unwrap_or(&registry));
        let config = project(dir.path(), &base);
        PrivateBuild {
            dir,
            registry,
            config,
            helper_bin,
            asked,
        }
    }

    fn build(&self, env: &[(&str, &str)]) -> (Option<i32>, String) {
        let docker_config = docker_config(self.dir.path(), &self.registry);
        let path = format!(
            "{}:{}",
            self.helper_bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut all = vec![
            ("DOCKER_CONFIG", docker_config.to_str().unwrap()),
            ("PATH", path.as_str()),
        ];
        all.extend_from_slice(env);
        let out = platform_deploy(&self.config, &["build", "--git-sha", SHA], &all);
        (out.status.code(), text(&out))
    }

    /// The servers the helper was asked about, one per question.
    fn asked(&self) -> Vec<String> {
        fs::read_to_string(&self.asked)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[test]
fn a_private_base_image_is_pulled_with_the_credential_helpers_answer_and_the_secret_is_masked() {
    let build = PrivateBuild::new(None);
    let (code, all) = build.build(&[]);
    assert_eq!(code, Some(0), "{all}");
    assert_eq!(
        build.asked(),
        [build.registry.as_str()],
        "the helper is asked once, about the base image's registry"
    );
    assert!(
        !all.contains(&sandbox::registry_password()),
        "the helper's secret is printed: {all}"
    );
}

#[test]
fn a_helper_without_credentials_for_the_registry_leaves_the_pull_refused_with_the_fix() {
    let build = PrivateBuild::new(Some("registry.example.com"));
    let (code, all) = build.build(&[]);
    assert_eq!(code, Some(1), "{all}");
    assert_eq!(
        build.asked(),
        [build.registry.as_str()],
        "the helper is asked about the base image's registry"
    );
    assert!(all.contains("docker login"), "no fix given: {all}");
}

#[test]
fn the_legacy_builder_gets_the_helpers_logins_up_front() {
    let build = PrivateBuild::new(None);
    let (code, all) = build.build(&[("DOCKER_BUILDKIT", "0")]);
    assert_eq!(code, Some(0), "{all}");
    assert!(all.contains("legacy builder"), "{all}");
    assert_eq!(build.asked(), [build.registry.as_str()]);
    assert!(!all.contains(&sandbox::registry_password()), "{all}");
}
