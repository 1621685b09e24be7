//! BuildKit builds through the session platform-deploy serves (as the Docker CLI serves its own),
//! on the sandbox daemon: build secrets reach `RUN --mount=type=secret` and nowhere else (planted
//! canary values are looked for in the image, the log, the step summary and `--output json`), a
//! missing secret stops the build before anything is sent, and a rebuild after one changed file
//! sends that file only, while the image holds the new content.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::support::{SHA, busybox_base, platform_deploy};
use crate::support::docker::{self, run as docker};
use crate::support::names::unique;
use crate::support::output::text;

/// A platform.toml for `repository` built from `svc/`, with `extra` appended (`[image.secrets]`).
fn config(dir: &Path, repository: &str, extra: &str) -> std::path::PathBuf {
    let path = dir.join("platform.toml");
    fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n[regions]\nprimary = \"us-east-1\"\n[image]\nrepository = \"{repository}\"\ncontext = \"svc\"\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[test]
fn build_secrets_reach_run_mounts_and_never_the_image_the_log_the_summary_or_json() {
    let base = busybox_base();
    let env_canary = format!("envcanary-{}", unique("x"));
    let file_canary = format!("filecanary-{}", unique("y"));
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "svc/Dockerfile",
        &format!(
            "FROM {base}\n\
             RUN --mount=type=secret,id=npm_token --mount=type=secret,id=pip,target=/etc/pip.conf \
             sha256sum /run/secrets/npm_token /etc/pip.conf | cut -d' ' -f1 > /hashes && \
             cat /run/secrets/npm_token && echo && cat /etc/pip.conf\n"
        ),
    );
    // The file secret lives beside platform.toml, outside the build context.
    write(dir.path(), "pip.conf", &file_canary);
    let repository = unique("pd-build/secret-");
    let config = config(
        dir.path(),
        &repository,
        "[image.secrets]\nnpm_token = { env = \"PD_TEST_NPM_TOKEN\" }\npip = { file = \"pip.conf\" }\n",
    );
    let summary = dir.path().join("summary.md");
    let out = platform_deploy(
        &config,
        &["--output", "json", "build", "--no-cache", "--git-sha", SHA],
        &[
            ("PD_TEST_NPM_TOKEN", &env_canary),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    let all = text(&out);
    assert!(out.status.success(), "{all}");
    let image = format!("{repository}:{SHA}");
    // The build's RUN step saw both values: it wrote their hashes.
    let hashes = docker(&["run", "--rm", "--network", "none", &image, "cat", "/hashes"]);
    assert_eq!(
        hashes.lines().collect::<Vec<_>>(),
        [sha256(&env_canary), sha256(&file_canary)],
        "{all}"
    );
    // The step printed them, and the log shows the mask instead.
    assert!(all.contains("***"), "the printed secrets are masked: {all}");
    for canary in [&env_canary, &file_canary] {
        assert!(
            !all.contains(canary.as_str()),
            "{canary} in the output: {all}"
        );
        let summary = fs::read_to_string(&summary).unwrap_or_default();
        assert!(
            !summary.contains(canary.as_str()),
            "{canary} in the summary"
        );
        let saved = docker::output(&["save", &image]);
        assert!(saved.status.success());
        let needle = canary.as_bytes();
        assert!(
            !saved.stdout.windows(needle.len()).any(|w| w == needle),
            "{canary} is in a layer or the image config"
        );
    }
    docker(&["rmi", "-f", &image]);
}

#[test]
fn a_secret_that_cannot_be_read_stops_the_build_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "svc/Dockerfile", "FROM scratch\n");
    let repository = unique("pd-build/nosecret-");
    let config = config(
        dir.path(),
        &repository,
        "[image.secrets]\ntoken = { env = \"PD_TEST_NEVER_SET_TOKEN\" }\n",
    );
    let out = platform_deploy(&config, &["build", "--git-sha", SHA], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("build secret `token` (env PD_TEST_NEVER_SET_TOKEN) cannot be read")
            && stderr.contains("image.secrets.token"),
        "{stderr}"
    );
    assert!(
        !docker::output(&["image", "inspect", &format!("{repository}:{SHA}")])
            .status
            .success(),
        "nothing was built"
    );
}

/// `N entries compared, M files sent (…)` from the build's `built …` line.
fn sent(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("built ") && l.contains(" entries compared, "))
        .unwrap_or_else(|| panic!("no `built` line with a file sync: {stderr}"));
    let numbers: Vec<u64> = line
        .split(['(', ' ', ','])
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

#[test]
fn a_rebuild_after_one_changed_file_sends_that_file_only() {
    let base = busybox_base();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "svc/Dockerfile",
        &format!("FROM {base}\nCOPY . /app/\nRUN cat /app/src/file-0042.txt > /changed\n"),
    );
    // Thousands of files: the daemon asks for them faster than they are read and sent.
    for i in 0..3000 {
        write(
            dir.path(),
            &format!("svc/src/file-{i:04}.txt"),
            &format!("{i}\n").repeat(40),
        );
    }
    let repository = unique("pd-build/sync-");
    let config = config(dir.path(), &repository, "");
    let image = format!("{repository}:{SHA}");
    let build = || {
        let out = platform_deploy(&config, &["build", "--git-sha", SHA], &[]);
        assert!(out.status.success(), "{}", text(&out));
        sent(&String::from_utf8_lossy(&out.stderr))
    };
    let (compared, first) = build();
    assert!(
        compared >= 3001,
        "3000 files and the Dockerfile: {compared}"
    );
    assert!(first >= 3000, "the first build sends every file: {first}");

    write(dir.path(), "svc/src/file-0042.txt", "changed\n");
    let (again, second) = build();
    assert_eq!(
        (again, second),
        (compared, 1),
        "only the changed file is sent"
    );
    let changed = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        &image,
        "cat",
        "/changed",
    ]);
    assert_eq!(changed.trim(), "changed", "the image has the new content");
    docker(&["rmi", "-f", &image]);
}
