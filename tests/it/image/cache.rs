//! Registry cache export (`--cache-to type=registry`) through BuildKit's control API: on the
//! sandbox's second daemon (the containerd image store, whose builder exports to registries) a
//! build pushes its cache manifest to the sandbox registry with the `docker login` credentials of
//! the Docker CLI's config; after the daemon's build cache and image are gone, the next build
//! imports it and every step is CACHED. The classic store's daemon refuses with what to do.

use std::fs;
use std::path::Path;

use base64::Engine as _;

use super::support::{SHA, platform_deploy};
use crate::support::docker;
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::sandbox::{self, docker_host};

/// A DOCKER_CONFIG folder holding a `docker login` entry for the sandbox registry.
fn logged_in(dir: &Path, registry: &str) -> String {
    let config = dir.join("docker-config");
    fs::create_dir_all(&config).unwrap();
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("AWS:{}", sandbox::registry_password()));
    fs::write(
        config.join("config.json"),
        format!(r#"{{"auths": {{"{registry}": {{"auth": "{auth}"}}}}}}"#),
    )
    .unwrap();
    config.display().to_string()
}

fn project(dir: &Path, repository: &str) -> std::path::PathBuf {
    let svc = dir.join("svc");
    fs::create_dir_all(&svc).unwrap();
    fs::write(
        svc.join("Dockerfile"),
        "FROM scratch\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n",
    )
    .unwrap();
    fs::write(svc.join("a.txt"), unique("a")).unwrap();
    fs::write(svc.join("b.txt"), unique("b")).unwrap();
    let path = dir.join("platform.toml");
    fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n[regions]\nprimary = \"us-east-1\"\n[image]\nrepository = \"{repository}\"\ncontext = \"svc\"\n"
        ),
    )
    .unwrap();
    path
}

/// The step lines of a build's stderr that BuildKit marked CACHED, and the COPY steps.
fn copy_steps(stderr: &str) -> (usize, usize) {
    let numbers: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("] COPY "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let cached = numbers
        .iter()
        .filter(|n| stderr.lines().any(|l| l == format!("{n} CACHED")))
        .count();
    (numbers.len(), cached)
}

#[test]
fn a_registry_cache_lets_a_daemon_without_the_layers_reuse_every_step() {
    let host = sandbox::var("PD_SANDBOX_CONTAINERD_DOCKER_HOST");
    let registry = sandbox::registry();
    let dir = tempfile::tempdir().unwrap();
    let repository = unique("pd-cache/app-");
    let config = project(dir.path(), &repository);
    let docker_config = logged_in(dir.path(), &registry);
    let cache = format!("{registry}/{repository}:buildcache");
    let image = format!("{repository}:{SHA}");
    let on_daemon = |args: &[&str]| {
        let mut cmd = docker::command();
        cmd.env("DOCKER_HOST", &host).args(args);
        crate::support::process::run_ok(&mut cmd, &format!("docker {}", args.join(" ")))
    };
    let build = || {
        let out = platform_deploy(
            &config,
            &[
                "build",
                "--git-sha",
                SHA,
                "--cache-from",
                &cache,
                "--cache-to",
                &format!("type=registry,ref={cache},mode=max"),
            ],
            &[("DOCKER_HOST", &host), ("DOCKER_CONFIG", &docker_config)],
        );
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = build();
    assert_eq!(copy_steps(&first), (2, 0), "nothing to reuse yet: {first}");
    assert!(
        on_daemon(&["image", "inspect", &image, "--format", "{{.Id}}"]).starts_with("sha256:"),
        "the image is in the daemon's store under its tag"
    );

    // A runner without local layers: the image and the whole build cache go.
    on_daemon(&["rmi", "-f", &image]);
    on_daemon(&["builder", "prune", "-af"]);
    let second = build();
    assert_eq!(
        copy_steps(&second),
        (2, 2),
        "every step comes from the registry cache: {second}"
    );
    on_daemon(&["rmi", "-f", &image]);
}

#[test]
fn the_classic_image_store_refuses_a_registry_cache_with_what_to_do() {
    docker_host();
    let dir = tempfile::tempdir().unwrap();
    let repository = unique("pd-cache/classic-");
    let config = project(dir.path(), &repository);
    let out = platform_deploy(
        &config,
        &[
            "build",
            "--git-sha",
            SHA,
            "--cache-to",
            "type=registry,ref=127.0.0.1:9/none:cache",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot export the build cache to a registry")
            && stderr.contains("containerd image store")
            && stderr.contains("--cache-to inline"),
        "{stderr}"
    );
}
