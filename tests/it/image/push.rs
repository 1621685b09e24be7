//! `platform-deploy push` against real parts: the sandbox's Docker daemon and its docker-registry
//! (htpasswd auth, standing in for ECR's data plane), and a moto server of this test binary's own
//! for the ECR API (its replication configuration is registry-wide, so it must not be shared).
//! Every test uses its own primary region and repository names. So no lock is needed: the shared
//! registry sees only unique repositories, and the sandbox's AWS stand-in, which the registry tells
//! of every push, ignores pushes to repositories it does not have.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_ecr::types::{
    ImageTagMutability, ReplicationConfiguration, ReplicationDestination, ReplicationRule,
};

use super::support::SHA;
use crate::support::docker::{self, run as docker};
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::process::{self, find_on_path, free_port, spawn_for_process};
use crate::support::sandbox::{self, docker_host, registry, registry_password as password};
use crate::support::{aws, http, stand_ins};

const ACCOUNT: &str = "123456789012";
const MANIFEST_TYPES: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

/// This binary's moto server (the ECR API).
fn moto() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let bin = find_on_path("moto_server").unwrap_or_else(|| {
            sandbox::missing("moto_server is not on PATH: these tests start moto for the ECR API")
        });
        let port = free_port();
        let mut cmd = Command::new(bin);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        spawn_for_process(cmd);
        let addr = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while http::status(&addr, "/moto-api/") != Some(200) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        format!("http://{addr}")
    })
}

async fn ecr(region: &str) -> aws_sdk_ecr::Client {
    aws_sdk_ecr::Client::new(&aws::stand_in(moto(), region).load().await)
}

async fn create_repository(region: &str, name: &str) {
    ecr(region)
        .await
        .create_repository()
        .repository_name(name)
        .image_tag_mutability(ImageTagMutability::Immutable)
        .send()
        .await
        .unwrap();
}

async fn replicate(region: &str, to: &[&str]) {
    let rule = ReplicationRule::builder()
        .set_destinations(Some(
            to.iter()
                .map(|r| {
                    ReplicationDestination::builder()
                        .region(*r)
                        .registry_id(ACCOUNT)
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .build()
        .unwrap();
    ecr(region)
        .await
        .put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Records an image in moto's ECR (what ECR's control plane would show after a push or a
/// replication), with the digest the registry computed.
async fn record_image(region: &str, repository: &str, tag: &str, manifest: &str, digest: &str) {
    ecr(region)
        .await
        .put_image()
        .repository_name(repository)
        .image_tag(tag)
        .image_manifest(manifest)
        .image_digest(digest)
        .send()
        .await
        .unwrap();
}

/// What the registry serves for `repository:tag`: (Docker-Content-Digest, manifest), or `None`.
fn served_manifest(registry: &str, repository: &str, tag: &str) -> Option<(String, String)> {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-u"])
        .arg(format!("AWS:{}", password()))
        .args(["-H", &format!("Accept: {MANIFEST_TYPES}")])
        .arg(format!("http://{registry}/v2/{repository}/manifests/{tag}"))
        .output()
        .expect("curl runs");
    let response = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = response.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    let digest = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .starts_with("docker-content-digest:")
            .then(|| l.split_once(':').unwrap().1.trim().to_string())
    })?;
    Some((digest, body.to_string()))
}

struct Project {
    dir: tempfile::TempDir,
    config: PathBuf,
    repository: String,
}

impl Project {
    fn new(primary: &str, secondary: &[&str], timeout: &str, stacks: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let svc = dir.path().join("svc");
        fs::create_dir_all(&svc).unwrap();
        fs::write(svc.join("Dockerfile"), "FROM scratch\nCOPY . /app/\n").unwrap();
        fs::write(svc.join("app.txt"), unique("content-")).unwrap();
        let repository = unique("pd-push/api-");
        let secondary: Vec<String> = secondary.iter().map(|r| format!("\"{r}\"")).collect();
        let config = dir.path().join("platform.toml");
        fs::write(
            &config,
            format!(
                "[project]\nname = \"pushtest\"\n[regions]\nprimary = \"{primary}\"\nsecondary = [{}]\n{stacks}\n[image]\nrepository = \"{repository}\"\ncontext = \"svc\"\nextra_tags = [\"release\"]\nreplication_timeout = \"{timeout}\"\n",
                secondary.join(", ")
            ),
        )
        .unwrap();
        Project {
            dir,
            config,
            repository,
        }
    }

    fn outputs(&self) -> PathBuf {
        self.dir.path().join("github_output")
    }

    fn push_command(&self, registry: &str, extra: &[&str]) -> Command {
        let mut cmd = process::platform_deploy();
        cmd.arg("--config")
            .arg(&self.config)
            .args(["push", "--git-sha", SHA, "--registry-endpoint", registry])
            .args(extra)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", self.outputs())
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary.md"));
        sandbox::aws_env(&mut cmd, moto());
        cmd
    }

    fn push(&self, registry: &str, extra: &[&str]) -> Output {
        self.push_command(registry, extra).output().unwrap()
    }

    fn output(&self, name: &str) -> Option<String> {
        let text = fs::read_to_string(self.outputs()).ok()?;
        text.lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .map(str::to_string)
    }
}

impl Drop for Project {
    /// Removes the images this project left in the daemon (the registry keeps its copies).
    fn drop(&mut self) {
        let listed = docker::output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        let refs: Vec<String> = String::from_utf8_lossy(&listed.stdout)
            .lines()
            .filter(|r| r.contains(&self.repository))
            .map(str::to_string)
            .collect();
        if !refs.is_empty() {
            let mut args = vec!["rmi", "-f"];
            args.extend(refs.iter().map(String::as_str));
            let _ = docker::output(&args);
        }
    }
}

/// The registry password only ever appears in the `::add-mask::` command that hides it.
fn assert_password_masked(out: &Output) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let pw = password();
    assert!(
        all.contains(&format!("::add-mask::{pw}")),
        "the token is masked: {all}"
    );
    for line in all.lines() {
        assert!(
            !line.contains(&pw) || line.starts_with("::add-mask::"),
            "the password leaked: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_serves_the_same_digest_and_waits_for_replication_to_the_dr_region() {
    docker_host();
    let registry = registry();
    let project = Project::new("us-east-1", &["eu-west-1"], "90s", "");
    create_repository("us-east-1", &project.repository).await;
    replicate("us-east-1", &["eu-west-1"]).await;
    // Replication creates the repository in the destination; moto does not replicate, so the test
    // plays ECR: once the registry has the image, it records it in eu-west-1 a little later.
    create_repository("eu-west-1", &project.repository).await;

    let mut child: Child = project
        .push_command(&registry, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let (digest, manifest) = loop {
        if let Some(found) = served_manifest(&registry, &project.repository, SHA) {
            break found;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "push ended ({status}) before the registry had the image\n{}",
                text(&out)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the image never reached the registry"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "push must still be waiting for eu-west-1"
    );
    record_image("eu-west-1", &project.repository, SHA, &manifest, &digest).await;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    assert_eq!(
        project.output("image-digest").as_deref(),
        Some(digest.as_str())
    );
    assert_eq!(
        project.output("image-uri"),
        Some(format!("{registry}/{}@{digest}", project.repository))
    );
    assert_eq!(project.output("image-reused").as_deref(), Some("false"));
    let (extra_digest, _) = served_manifest(&registry, &project.repository, "release").unwrap();
    assert_eq!(extra_digest, digest, "the extra tag names the same image");
    let summary = fs::read_to_string(project.dir.path().join("summary.md")).unwrap();
    assert!(
        summary.contains(&format!("| digest | `{digest}` |")),
        "{summary}"
    );
    assert!(
        summary.contains("| replicated to eu-west-1 | after"),
        "{summary}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("replicated to eu-west-1 after"), "{stderr}");
    assert!(stderr.contains("::group::docker push"), "{stderr}");
    assert_password_masked(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_of_the_same_commit_reuses_the_digest_in_the_immutable_repository() {
    docker_host();
    let registry = registry();
    let project = Project::new("us-west-1", &[], "30s", "");
    create_repository("us-west-1", &project.repository).await;
    let first = project.push(&registry, &[]);
    assert!(first.status.success(), "{}", text(&first));
    let (digest, manifest) = served_manifest(&registry, &project.repository, SHA).unwrap();
    assert_eq!(
        project.output("image-digest").as_deref(),
        Some(digest.as_str())
    );
    // What ECR would show for the commit's tag; the extra tag is missing there, so the re-run
    // must put it on the same digest (pulled by digest, not rebuilt).
    record_image("us-west-1", &project.repository, SHA, &manifest, &digest).await;

    // A rebuild would now produce another image; the re-run must reuse the pushed one instead.
    fs::write(project.dir.path().join("svc/changed.txt"), "changed").unwrap();
    let second = project.push(&registry, &[]);
    assert!(second.status.success(), "{}", text(&second));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("reusing it"), "{stderr}");
    assert!(!stderr.contains("Step 1/"), "nothing is rebuilt: {stderr}");
    assert_eq!(
        project.output("image-digest").as_deref(),
        Some(digest.as_str())
    );
    assert_eq!(project.output("image-reused").as_deref(), Some("true"));
    let (still, _) = served_manifest(&registry, &project.repository, SHA).unwrap();
    assert_eq!(still, digest, "the registry still serves the first digest");
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(
        stdout.contains(&format!("tag:        {SHA} (already in ECR, reused)")),
        "{stdout}"
    );
    assert!(stdout.contains("tag:        release (pushed)"), "{stdout}");
    let (release, _) = served_manifest(&registry, &project.repository, "release").unwrap();
    assert_eq!(release, digest);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_with_image_pushes_a_local_image_without_building() {
    docker_host();
    let registry = registry();
    let project = Project::new("sa-east-1", &[], "30s", "");
    create_repository("sa-east-1", &project.repository).await;

    let missing = project.push(&registry, &["--image", "pd-push/not-built:nope"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("`pd-push/not-built:nope` is not in the local Docker daemon"),
        "{}",
        text(&missing)
    );

    let local = unique("pd-push/local-");
    let ctx = project.dir.path().join("svc");
    docker(&[
        "build",
        "-q",
        "-t",
        &format!("{local}:1"),
        ctx.to_str().unwrap(),
    ]);
    let out = project.push(&registry, &["--image", &format!("{local}:1")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("Step 1/"),
        "nothing is built"
    );
    let (digest, _) = served_manifest(&registry, &project.repository, SHA).unwrap();
    assert_eq!(
        project.output("image-digest").as_deref(),
        Some(digest.as_str())
    );
    let id = docker(&[
        "image",
        "inspect",
        &format!("{local}:1"),
        "--format",
        "{{.Id}}",
    ]);
    let pushed = docker(&[
        "image",
        "inspect",
        &format!("{registry}/{}:{SHA}", project.repository),
        "--format",
        "{{.Id}}",
    ]);
    assert_eq!(pushed, id, "the named image is the one pushed");
    docker(&["rmi", "-f", &format!("{local}:1")]);
}

/// A registry of this test's own whose password is not the one ECR hands out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_the_registry_refuses_are_a_clear_error() {
    docker_host();
    // A registry whose password is not the one the ECR stand-in hands out.
    let private = stand_ins::registry("a-different-password", None);
    let project = Project::new("ca-central-1", &[], "30s", "");
    create_repository("ca-central-1", &project.repository).await;
    let out = project.push(&private.addr, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the registry {} refused the credentials from ECR GetAuthorizationToken",
            private.addr
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("ecr:GetAuthorizationToken"),
        "says what to check: {stderr}"
    );
    assert_password_masked(&out);
    assert_eq!(project.output("outcome").as_deref(), Some("failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_that_never_arrives_times_out_with_exit_6_naming_the_region() {
    docker_host();
    let registry = registry();
    let project = Project::new("us-east-2", &["eu-central-1"], "4s", "");
    create_repository("us-east-2", &project.repository).await;
    replicate("us-east-2", &["eu-central-1"]).await;
    let out = project.push(&registry, &[]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("did not appear in eu-central-1 within 4s"),
        "{stderr}"
    );
    assert_eq!(project.output("outcome").as_deref(), Some("timed-out"));
    // The push itself happened: the digest is known and in the primary registry.
    assert!(served_manifest(&registry, &project.repository, SHA).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_repository_is_refused_before_pushing_and_names_the_global_stack() {
    docker_host();
    let registry = registry();
    let stacks_dir = tempfile::tempdir().unwrap();
    fs::write(stacks_dir.path().join("main.tf"), "# global\n").unwrap();
    let stacks = format!(
        "[[stacks]]\nname = \"global\"\ndir = \"{}\"\n",
        stacks_dir.path().display()
    );
    let project = Project::new("ap-south-1", &[], "30s", &stacks);
    let out = project.push(&registry, &[]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the ECR repository `{}` does not exist in ap-south-1",
            project.repository
        )),
        "{stderr}"
    );
    assert!(stderr.contains("apply the `global` stack"), "{stderr}");
    assert!(
        !stderr.contains("Step 1/"),
        "nothing is built before the pre-flight: {stderr}"
    );
    assert!(served_manifest(&registry, &project.repository, SHA).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replication_that_does_not_cover_a_dr_region_is_refused() {
    docker_host();
    let registry = registry();
    let project = Project::new("us-west-2", &["eu-west-1", "ap-northeast-1"], "30s", "");
    create_repository("us-west-2", &project.repository).await;
    replicate("us-west-2", &["eu-west-1"]).await;
    let out = project.push(&registry, &[]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not cover ap-northeast-1"),
        "names the missing region only: {stderr}"
    );
    assert!(!stderr.contains("cover eu-west-1"), "{stderr}");
    assert!(served_manifest(&registry, &project.repository, SHA).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_builds_but_pushes_nothing() {
    docker_host();
    let registry = registry();
    let project = Project::new("eu-north-1", &["eu-west-2"], "30s", "");
    create_repository("eu-north-1", &project.repository).await;
    replicate("eu-north-1", &["eu-west-2"]).await;
    let out = project.push(&registry, &["--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Dry run: nothing was pushed."), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{registry}/{}:{SHA}  (would push) to ECR in eu-north-1",
            project.repository
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("would wait for the digest in eu-west-2"),
        "{stdout}"
    );
    assert!(stdout.contains("image:      sha256:"), "it built: {stdout}");
    assert!(served_manifest(&registry, &project.repository, SHA).is_none());
    assert!(project.output("image-digest").is_none());
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("::add-mask::"),
        "a dry run asks for no registry token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_tag_taken_in_the_immutable_repository_is_refused_before_building() {
    docker_host();
    let registry = registry();
    let project = Project::new("eu-west-3", &[], "30s", "");
    create_repository("eu-west-3", &project.repository).await;
    let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222"},"layers":[]}"#;
    let earlier = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    record_image(
        "eu-west-3",
        &project.repository,
        "release",
        manifest,
        earlier,
    )
    .await;
    let out = project.push(&registry, &[]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("tag `release` already points at {earlier}")),
        "{stderr}"
    );
    assert!(!stderr.contains("Step 1/"), "nothing is built: {stderr}");
    assert!(served_manifest(&registry, &project.repository, SHA).is_none());
}
