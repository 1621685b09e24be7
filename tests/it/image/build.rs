//! `platform-deploy build` against the sandbox's Docker daemon: tags, labels, build args and the
//! target stage land in the image; a failing step points at its Dockerfile line; no daemon is a
//! usage error that says how to get one.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use super::support::{SHA, image_files, platform_deploy, write_config};
use crate::support::docker::{self, run as docker};
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::sandbox::{self, docker_host};

/// A base image with a shell, made from Debian's busybox-static (no image can be pulled here).
fn busybox_base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        docker_host();
        let tag = "pd-test-busybox:1".to_string();
        if docker::output(&["image", "inspect", &tag]).status.success() {
            return tag;
        }
        if !Path::new("/bin/busybox").exists() {
            sandbox::missing("/bin/busybox is missing: the base image needs Debian's busybox-static");
        }
        let dir = tempfile::tempdir().unwrap();
        fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
        fs::write(
            dir.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
        )
        .unwrap();
        docker(&["build", "-q", "-t", &tag, dir.path().to_str().unwrap()]);
        tag
    })
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, content) in files {
        let path = dir.path().join("svc").join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

fn inspect(image: &str, format: &str) -> String {
    docker(&["image", "inspect", image, "--format", format])
}

#[test]
fn build_applies_tags_labels_build_args_and_the_target_stage() {
    docker_host();
    let dir = project(&[
        (
            "Dockerfile",
            "FROM scratch AS first\nCOPY a.txt /a.txt\n\nFROM scratch AS runtime\nARG GREETING\nLABEL greeting=$GREETING\nCOPY b.txt /b.txt\n\nFROM scratch AS last\nCOPY c.txt /c.txt\n",
        ),
        ("a.txt", "a"),
        ("b.txt", "b"),
        ("c.txt", "c"),
    ]);
    let repository = unique("pd-build/labels-");
    let config = dir.path().join("platform.toml");
    fs::write(
        &config,
        format!(
            "[project]\nname = \"imagetest\"\n[regions]\nprimary = \"us-east-1\"\n[image]\nrepository = \"{repository}\"\ncontext = \"svc\"\ntarget = \"runtime\"\ntag = \"short-sha\"\nextra_tags = [\"latest\"]\n[image.build_args]\nGREETING = \"hello\"\n[image.labels]\nteam = \"payments\"\n"
        ),
    )
    .unwrap();
    let outputs = dir.path().join("github_output");
    let out = platform_deploy(
        &config,
        &["build", "--no-cache", "--git-sha", SHA],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "org/shop"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let short = format!("{repository}:{}", &SHA[..12]);
    let latest = format!("{repository}:latest");
    let id = inspect(&short, "{{.Id}}");
    assert_eq!(inspect(&latest, "{{.Id}}"), id, "both tags name one image");

    let outputs = fs::read_to_string(&outputs).unwrap();
    assert!(outputs.contains(&format!("image-id={id}\n")), "{outputs}");

    let labels: serde_json::Value =
        serde_json::from_str(&inspect(&short, "{{json .Config.Labels}}")).unwrap();
    assert_eq!(labels["org.opencontainers.image.revision"], SHA);
    assert_eq!(
        labels["org.opencontainers.image.source"],
        "https://github.com/org/shop"
    );
    assert!(
        labels["org.opencontainers.image.created"]
            .as_str()
            .is_some_and(|c| c.len() >= 20 && c.contains('T')),
        "{labels}"
    );
    assert_eq!(labels["team"], "payments");
    assert_eq!(
        labels["greeting"], "hello",
        "the build arg reached the build"
    );

    let files = image_files(&short, "");
    assert!(files.contains_key("b.txt"), "{files:?}");
    assert!(
        !files.contains_key("c.txt"),
        "stages after the target are not built"
    );
    assert!(!files.contains_key("a.txt"));

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("::group::docker build"), "{stderr}");
    assert!(
        stderr.contains("Step 2/"),
        "build output is streamed: {stderr}"
    );
    docker(&["rmi", "-f", &short, &latest]);
}

#[test]
fn a_failing_step_shows_its_dockerfile_line_and_the_engine_error() {
    let base = busybox_base();
    let dir = project(&[(
        "Dockerfile",
        &format!(
            "FROM {base}\nRUN echo preparing\n# the step below fails\nRUN echo about-to-fail && \\\n    exit 3\nRUN echo never\n"
        ),
    )]);
    let repository = unique("pd-build/fail-");
    let config = write_config(dir.path(), &repository, "svc", "Dockerfile", "");
    let out = platform_deploy(&config, &["build", "--git-sha", SHA], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Dockerfile:4"), "names the line: {stderr}");
    assert!(
        stderr.contains("returned a non-zero code: 3"),
        "shows the engine's error: {stderr}"
    );
    assert!(
        stderr.contains("about-to-fail"),
        "shows the step's output: {stderr}"
    );

    // In Actions the failure is an annotation on the Dockerfile line.
    let out = platform_deploy(
        &config,
        &["build", "--git-sha", SHA],
        &[("GITHUB_ACTIONS", "true")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("::error file=") && stderr.contains("Dockerfile,line=4"),
        "{stderr}"
    );
}

#[test]
fn no_reachable_daemon_is_bad_input_that_names_docker_host() {
    let dir = project(&[("Dockerfile", "FROM scratch\n")]);
    let config = write_config(dir.path(), "pd-build/nodaemon", "svc", "Dockerfile", "");
    let out = platform_deploy(
        &config,
        &["build", "--git-sha", SHA],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DOCKER_HOST"), "{stderr}");
    assert!(
        stderr.contains("unix:///nonexistent/docker.sock"),
        "{stderr}"
    );
    assert!(
        stderr.contains("dockerd"),
        "says how to start one: {stderr}"
    );
}

#[test]
fn dry_run_lists_the_context_without_a_daemon() {
    let dir = project(&[
        ("Dockerfile", "FROM scratch\nCOPY . /\n"),
        (".dockerignore", "secrets\n*.log\n!keep.log\n"),
        ("app.py", "x"),
        ("secrets/key", "k"),
        ("debug.log", "d"),
        ("keep.log", "k"),
    ]);
    let config = write_config(dir.path(), "pd-build/dry", "svc", "Dockerfile", "");
    let out = platform_deploy(
        &config,
        &["build", "--dry-run", "--list-context", "--git-sha", SHA],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("label:"))
        .filter(|l| !l.contains(':'))
        .collect();
    assert_eq!(
        listed,
        vec![".dockerignore", "Dockerfile", "app.py", "keep.log"],
        "{stdout}"
    );
    assert!(stdout.contains("2 entries ignored"), "{stdout}");
    assert!(stdout.contains(&format!("pd-build/dry:{SHA}")), "{stdout}");
}

#[test]
fn a_bad_dockerignore_pattern_is_bad_input() {
    let dir = project(&[
        ("Dockerfile", "FROM scratch\n"),
        (".dockerignore", "ok\n[z-a\n"),
    ]);
    let config = write_config(dir.path(), "pd-build/badpattern", "svc", "Dockerfile", "");
    let out = platform_deploy(&config, &["build", "--dry-run", "--git-sha", SHA], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(".dockerignore: pattern `[z-a`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_cache_source_that_cannot_be_had_is_a_warning_not_a_failure() {
    docker_host();
    let dir = project(&[
        ("Dockerfile", "FROM scratch\nCOPY a.txt /a.txt\n"),
        ("a.txt", "a"),
    ]);
    let repository = unique("pd-build/cache-");
    let config = write_config(dir.path(), &repository, "svc", "Dockerfile", "");
    let out = platform_deploy(
        &config,
        &[
            "build",
            "--no-cache",
            "--git-sha",
            SHA,
            "--cache-from",
            "pd-build/never-built:1",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: cache source pd-build/never-built:1 is not available"),
        "{}",
        text(&out)
    );
    docker(&["rmi", "-f", &format!("{repository}:{SHA}")]);
}
