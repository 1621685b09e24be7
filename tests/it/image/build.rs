//! `platform-deploy build` against the sandbox's Docker daemon: tags, labels, build args and the
//! target stage land in the image; builds run on the daemon's BuildKit (cache mounts outlive a
//! build, `COPY --chmod` sets modes, steps print as they start and end, cached ones marked), and on
//! the legacy builder with one warning when DOCKER_BUILDKIT=0, which refuses what needs BuildKit
//! by its line; a failing step points at its Dockerfile line; no daemon is a usage error that says
//! how to get one.

use std::fs;
use std::path::Path;

use super::support::{SHA, busybox_base, image_files, platform_deploy, write_config};
use crate::support::docker::{self, run as docker};
use crate::support::names::unique;
use crate::support::output::text;
use crate::support::sandbox::docker_host;

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
        stderr.contains("] COPY b.txt /b.txt") && stderr.contains(" DONE "),
        "BuildKit's steps are streamed, one line as each starts and ends: {stderr}"
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
        stderr.contains("RUN echo about-to-fail") && stderr.contains("exit code: 3"),
        "shows BuildKit's error: {stderr}"
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

/// platform.toml building the `final` stage of svc/ with `[image.build_args]` ROUND = `round`.
fn round_config(dir: &Path, repository: &str, round: &str) -> std::path::PathBuf {
    let path = dir.join("platform.toml");
    fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n\n[regions]\nprimary = \"us-east-1\"\n\n[image]\nrepository = \"{repository}\"\ncontext = \"svc\"\ntarget = \"final\"\ntag = \"short-sha\"\n\n[image.build_args]\nROUND = \"{round}\"\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn buildkit_keeps_cache_mounts_between_builds_sets_copy_modes_and_marks_cached_steps() {
    let base = busybox_base();
    // A cache mount of this test's own (the id): a counter in it counts the builds that ran the step.
    let cache = unique("pd-cache-");
    let dir = project(&[
        (
            "Dockerfile",
            &format!(
                "FROM {base} AS build\nARG ROUND\nRUN --mount=type=cache,id={cache},target=/cache echo \"round $ROUND of {cache}\" && n=$(cat /cache/n 2>/dev/null || echo 0) && echo $((n + 1)) > /cache/n && cp /cache/n /count\nCOPY --chmod=750 run.sh /app/run.sh\nCOPY --chmod=640 app.conf /app/app.conf\n\nFROM build AS final\nCOPY --from=build /count /count-copy\n\nFROM build AS unused\nRUN exit 9\n"
            ),
        ),
        ("run.sh", "#!/bin/sh\necho hi\n"),
        ("app.conf", "x=1\n"),
    ]);
    let repository = unique("pd-build/kit-");
    let image = format!("{repository}:{}", &SHA[..12]);
    let count = || {
        docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            &image,
            "cat",
            "/count-copy",
        ])
        .trim()
        .to_string()
    };
    let mut stderrs = Vec::new();
    for (round, expected) in [("1", "1"), ("2", "2"), ("2", "2")] {
        let config = round_config(dir.path(), &repository, round);
        let out = platform_deploy(&config, &["build", "--git-sha", SHA], &[]);
        assert!(out.status.success(), "round {round}: {}", text(&out));
        assert_eq!(count(), expected, "round {round}: {}", text(&out));
        stderrs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    assert!(
        !stderrs.iter().any(|s| s.contains("legacy builder")),
        "BuildKit builds these: {stderrs:?}"
    );
    // The cache-mount step by its BuildKit number: it ran in rounds 1 and 2, was cached in 3.
    let cached = |stderr: &str| {
        let n = stderr
            .lines()
            .find(|l| l.contains("] RUN --mount=type=cache"))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("no RUN step line: {stderr}"))
            .to_string();
        stderr.lines().any(|l| l == format!("{n} CACHED"))
    };
    assert!(
        !cached(&stderrs[0]) && !cached(&stderrs[1]) && cached(&stderrs[2]),
        "the step runs when ROUND changes and is CACHED when nothing does: {stderrs:?}"
    );
    let files = image_files(&image, "app/");
    assert!(
        files["run.sh"].starts_with("file 750 ") && files["app.conf"].starts_with("file 640 "),
        "{files:?}"
    );
    docker(&["rmi", "-f", &image]);
}

/// `file MODE SIZE HASH` as [`image_files`] lists a file with `content`.
fn listed_file(mode: &str, content: &str) -> String {
    use sha2::Digest;
    format!(
        "file {mode} {} {}",
        content.len(),
        hex::encode(&sha2::Sha256::digest(content.as_bytes())[..6])
    )
}

#[test]
fn heredocs_and_copy_link_build_on_the_daemons_buildkit() {
    let base = busybox_base();
    let dir = project(&[
        (
            "Dockerfile",
            &format!(
                "FROM {base} AS build\nRUN <<EOF\nset -e\nmkdir -p /out\necho \"from a heredoc\" > /out/run.txt\nEOF\nCOPY <<EOF /out/inline.conf\nkey=value\nEOF\n\nFROM scratch AS final\nCOPY --link --from=build /out/ /app/\nCOPY --link --chmod=755 tool.sh /app/tool.sh\n"
            ),
        ),
        ("tool.sh", "#!/bin/sh\necho tool\n"),
    ]);
    let repository = unique("pd-build/heredoc-");
    let config = write_config(dir.path(), &repository, "svc", "Dockerfile", "");
    let out = platform_deploy(&config, &["build", "--git-sha", SHA], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let image = format!("{repository}:{SHA}");
    let files = image_files(&image, "app/");
    assert_eq!(
        files["run.txt"],
        listed_file("644", "from a heredoc\n"),
        "{files:?}"
    );
    assert_eq!(
        files["inline.conf"],
        listed_file("644", "key=value\n"),
        "{files:?}"
    );
    assert_eq!(
        files["tool.sh"],
        listed_file("755", "#!/bin/sh\necho tool\n"),
        "{files:?}"
    );
    docker(&["rmi", "-f", &image]);
}

#[test]
fn docker_buildkit_0_builds_on_the_legacy_builder_with_one_warning_and_refuses_what_needs_buildkit()
{
    let base = busybox_base();
    let dir = project(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN echo on-the-legacy-builder\n"),
    )]);
    let repository = unique("pd-build/legacy-");
    let config = write_config(dir.path(), &repository, "svc", "Dockerfile", "");
    let legacy = [("DOCKER_BUILDKIT", "0")];
    let out = platform_deploy(&config, &["build", "--git-sha", SHA], &legacy);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("warning: building with the legacy builder: DOCKER_BUILDKIT=0")
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("Step 2/") && stderr.contains(" : RUN echo on-the-legacy-builder"),
        "the legacy builder's steps: {stderr}"
    );
    docker(&["rmi", "-f", &format!("{repository}:{SHA}")]);

    fs::write(
        dir.path().join("svc/Dockerfile"),
        format!("FROM {base}\n\nRUN --mount=type=cache,target=/root/.cache echo never\n"),
    )
    .unwrap();
    let out = platform_deploy(&config, &["build", "--git-sha", SHA], &legacy);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Dockerfile:3:1: RUN --mount needs BuildKit")
            && stderr.contains("unset DOCKER_BUILDKIT")
            && !stderr.contains("never"),
        "{stderr}"
    );
}

/// The image's config, as `docker save` writes it: the file its `manifest.json` names (`<id>.json`
/// in Docker's own layout, a blob in the OCI layout newer daemons write).
fn saved_config(image: &str) -> String {
    let out = docker::output(&["save", image]);
    assert!(out.status.success(), "docker save {image} failed");
    let files: std::collections::HashMap<String, Vec<u8>> =
        tar::Archive::new(out.stdout.as_slice())
            .entries()
            .unwrap()
            .map(|entry| {
                let mut entry = entry.unwrap();
                let name = entry.path().unwrap().display().to_string();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
                (name, data)
            })
            .collect();
    let manifest: serde_json::Value = serde_json::from_slice(
        files
            .get("manifest.json")
            .unwrap_or_else(|| panic!("no manifest.json in `docker save {image}`")),
    )
    .unwrap();
    let config = manifest[0]["Config"].as_str().unwrap_or_default();
    String::from_utf8_lossy(
        files
            .get(config)
            .unwrap_or_else(|| panic!("`docker save {image}` lacks its config {config}")),
    )
    .into_owned()
}

#[test]
fn cache_to_inline_writes_cache_metadata_into_the_image_and_other_exporters_are_refused() {
    let base = busybox_base();
    let dir = project(&[(
        "Dockerfile",
        &format!("FROM {base}\nRUN echo inline-cache > /c\n"),
    )]);
    let mut configs = Vec::new();
    for extra in [&["--cache-to", "inline"][..], &[]] {
        let repository = unique("pd-build/inline-");
        let config = write_config(dir.path(), &repository, "svc", "Dockerfile", "");
        let mut args = vec!["build", "--git-sha", SHA];
        args.extend_from_slice(extra);
        let out = platform_deploy(&config, &args, &[]);
        assert!(out.status.success(), "{}", text(&out));
        let image = format!("{repository}:{SHA}");
        configs.push(saved_config(&image));
        docker(&["rmi", "-f", &image]);
    }
    assert!(
        configs[0].contains("moby.buildkit.cache.v0"),
        "--cache-to inline: the image carries BuildKit's cache metadata: {}",
        configs[0]
    );
    assert!(
        !configs[1].contains("moby.buildkit.cache.v0"),
        "without it, none: {}",
        configs[1]
    );

    let config = write_config(
        dir.path(),
        "pd-build/inline-refused",
        "svc",
        "Dockerfile",
        "",
    );
    let out = platform_deploy(
        &config,
        &[
            "build",
            "--git-sha",
            SHA,
            "--cache-to",
            "type=local,dest=/tmp/cache",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--cache-to") && stderr.contains("type=registry,ref=REPO:TAG"),
        "{stderr}"
    );
}

/// A Docker daemon without BuildKit: no session endpoint (404), a BuildKit build refused (HTTP 400,
/// "buildkit not supported by daemon"), builds on the legacy builder: what the fallback meets.
async fn daemon_without_buildkit() -> wiremock::MockServer {
    use wiremock::matchers::{method, path_regex, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let daemon = MockServer::start().await;
    let json = |v: serde_json::Value| ResponseTemplate::new(200).set_body_json(v);
    for (path, answer) in [
        (
            r"/version$",
            json(serde_json::json!({"ApiVersion": "1.41", "Version": "20.10.24", "Os": "linux"})),
        ),
        (r"/info$", json(serde_json::json!({"OSType": "linux"}))),
        (
            r"/networks/bridge$",
            json(serde_json::json!({"Name": "bridge", "Id": "b1"})),
        ),
        (
            r"/images/[^/]+/json$",
            json(serde_json::json!({"Id": format!("sha256:{}", "ab".repeat(32))})),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path_regex(path))
            .respond_with(answer)
            .mount(&daemon)
            .await;
    }
    Mock::given(method("POST"))
        .and(path_regex(r"/build$"))
        .and(query_param("version", "2"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"message": "buildkit not supported by daemon"})),
        )
        .mount(&daemon)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"/build$"))
        .and(query_param("version", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(
                "{{\"stream\":\"Step 1/1 : FROM scratch\\n\"}}\r\n{{\"stream\":\"Successfully built {}\\n\"}}\r\n",
                &"ab".repeat(6)
            ),
            "application/json",
        ))
        .mount(&daemon)
        .await;
    daemon
}

#[tokio::test]
async fn a_daemon_that_refuses_buildkit_builds_on_the_legacy_builder_with_one_warning() {
    let daemon = daemon_without_buildkit().await;
    let dir = project(&[("Dockerfile", "FROM scratch\n")]);
    let config = write_config(dir.path(), "pd-build/nokit", "svc", "Dockerfile", "");
    let host = format!("tcp://{}", daemon.address());
    let out = tokio::task::spawn_blocking(move || {
        platform_deploy(
            &config,
            &["build", "--git-sha", SHA],
            &[("DOCKER_HOST", &host)],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("warning: building with the legacy builder: the daemon refused a BuildKit session: 404 Not Found")
            .count(),
        1,
        "{stderr}"
    );
    let asked: Vec<String> = daemon
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| {
            let version = r
                .url
                .query_pairs()
                .find(|(k, _)| k == "version")
                .map(|(_, v)| format!(" version={v}"))
                .unwrap_or_default();
            format!(
                "{}{version}",
                r.url.path().rsplit('/').next().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        asked,
        ["session", "build version=1"],
        "a BuildKit session first, then the legacy builder"
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
