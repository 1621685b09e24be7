//! The GitHub Action's install-and-run script (scripts/install-action.sh) in a simulated runner: temp
//! GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_PATH, a pull_request event payload, RUNNER_OS=Linux,
//! RUNNER_ARCH=X64, and a local HTTP server standing in for the GitHub release. The steps run in the
//! order and with the environment action.yml gives them.
//!
//! Also: the example service's image builds on the sandbox Docker daemon, answers /health from a
//! container and stops cleanly on SIGTERM (needs `eval "$(scripts/sandbox up)"`).

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::docker::command as docker;
use crate::support::fs::{build_example_service, repo};
use crate::support::http;
use crate::support::names::unique;
use crate::support::process::{self, free_port, run_ok};
use crate::support::sandbox::docker_host;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The release asset for RUNNER_OS=Linux, RUNNER_ARCH=X64.
const ASSET: &str = "platform-deploy-x86_64-unknown-linux-musl";

fn tag() -> String {
    format!("v{VERSION}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A small stand-in for the binary: reports the crate's version, records its arguments and the
/// environment it was given, writes its outcome like the real one and exits 10 (changes present).
fn stand_in_binary() -> Vec<u8> {
    format!(
        r#"#!/bin/sh
if [ "$1" = "--version" ]; then echo "platform-deploy {VERSION}"; exit 0; fi
if [ "${{STAND_IN_MODE:-}}" = "wait-for-cancel" ]; then
  trap 'echo "stopped by SIGTERM" >"$STAND_IN_LOG"; echo "outcome=cancelled" >>"$GITHUB_OUTPUT"; echo "exit-code=7" >>"$GITHUB_OUTPUT"; exit 7' TERM
  : >"$STAND_IN_LOG.ready"
  # Bounded, so a failing test leaves nothing running.
  i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
  echo "never cancelled" >"$STAND_IN_LOG"; exit 99
fi
{{
  printf 'argv:'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
  env | grep -E '^(PLATFORM_DEPLOY_|AWS_REGION=|GITHUB_TOKEN=)' | sort
}} >"$STAND_IN_LOG"
echo "outcome=changes-present" >>"$GITHUB_OUTPUT"
echo "exit-code=10" >>"$GITHUB_OUTPUT"
exit 10
"#
    )
    .into_bytes()
}

/// Serves `sha256sums.txt` (listing `listed_sha256` for the asset) and the asset under
/// /download/<tag>/, each expected `times` times.
async fn release_server(asset: &[u8], listed_sha256: &str, times: u64) -> MockServer {
    let server = MockServer::start().await;
    let sums = format!(
        "{}  platform-deploy-aarch64-unknown-linux-musl\n{listed_sha256}  {ASSET}\n",
        "0".repeat(64)
    );
    Mock::given(method("GET"))
        .and(path(format!("/download/{}/sha256sums.txt", tag())))
        .respond_with(ResponseTemplate::new(200).set_body_string(sums))
        .expect(times)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/download/{}/{ASSET}", tag())))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(asset.to_vec()))
        .expect(times)
        .mount(&server)
        .await;
    server
}

fn release_url(server: &MockServer) -> String {
    format!("{}/download/{}", server.uri(), tag())
}

/// What one step did: its exit status, its stderr and the outputs it wrote to GITHUB_OUTPUT.
struct Step {
    status: ExitStatus,
    stderr: String,
    outputs: Vec<(String, String)>,
}

impl Step {
    fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn count(&self, name: &str) -> usize {
        self.outputs.iter().filter(|(n, _)| n == name).count()
    }
}

/// A simulated runner: the files a runner provides, in a temp folder.
struct Runner {
    dir: tempfile::TempDir,
    /// Prepended to PATH (a fake `cargo`).
    extra_path: Option<PathBuf>,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for name in ["output", "summary.md", "path"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir_all(dir.path().join("tool-cache")).unwrap();
        std::fs::create_dir_all(dir.path().join("temp")).unwrap();
        let event = serde_json::json!({
            "action": "synchronize",
            "number": 42,
            "pull_request": {
                "number": 42,
                "state": "open",
                "title": "Raise the payments canary to 25%",
                "html_url": "https://github.com/org/shop/pull/42",
                "user": { "login": "octocat" },
                "head": { "ref": "canary-25", "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e" },
                "base": { "ref": "main", "sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c" },
                "merged": false
            },
            "repository": {
                "full_name": "org/shop",
                "default_branch": "main",
                "private": true
            },
            "sender": { "login": "octocat" }
        });
        std::fs::write(
            dir.path().join("event.json"),
            serde_json::to_vec_pretty(&event).unwrap(),
        )
        .unwrap();
        Runner {
            dir,
            extra_path: None,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn summary(&self) -> String {
        std::fs::read_to_string(self.file("summary.md")).unwrap()
    }

    /// `install-action.sh MODE` as the runner would run it: runner variables set, nothing inherited
    /// from a real runner this test might itself run on.
    fn command(&self, mode: &str, env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("scripts/install-action.sh"))
            .arg(mode)
            .current_dir(repo());
        // A runner starts each step with the default signal dispositions. A test run started in the
        // background inherits SIGINT ignored, and bash cannot trap a signal ignored at its start.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                use nix::sys::signal::{SigHandler, Signal, signal};
                signal(Signal::SIGINT, SigHandler::SigDfl)
                    .map(drop)
                    .map_err(std::io::Error::from)
            });
        }
        process::remove_env_prefixed(&mut cmd, process::RUNNER_ENV);
        process::remove_env_prefixed(&mut cmd, &["AWS_"]);
        if let Some(extra) = &self.extra_path {
            let path = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("{}:{path}", extra.display()));
        }
        cmd.env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_OUTPUT", self.file("output"))
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_PATH", self.file("path"))
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.file("event.json"))
            .env("GITHUB_REPOSITORY", "org/shop")
            .env("GITHUB_SHA", "6dcb09b5b57875f334f61aebed695e2e4193db5e")
            .env("GITHUB_REF", "refs/pull/42/merge")
            .env("GITHUB_ACTION_PATH", repo())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.file("tool-cache"))
            .env("RUNNER_TEMP", self.file("temp"))
            .env("STAND_IN_LOG", self.file("stand-in.log"));
        for (name, value) in env {
            cmd.env(name, value);
        }
        cmd
    }

    fn output_len(&self) -> usize {
        std::fs::read(self.file("output")).unwrap().len()
    }

    /// The outputs written since the outputs file was `before` bytes long.
    fn outputs_since(&self, before: usize) -> Vec<(String, String)> {
        let written = std::fs::read(self.file("output")).unwrap()[before..].to_vec();
        parse_outputs(&String::from_utf8(written).unwrap())
    }

    fn step(&self, mode: &str, env: &[(&str, &str)]) -> Step {
        let before = self.output_len();
        let out = self
            .command(mode, env)
            .output()
            .expect("run bash scripts/install-action.sh");
        Step {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: self.outputs_since(before),
        }
    }

    /// The action's first three steps: resolve, (cache), install with resolve's outputs in its env.
    fn install(&self, env: &[(&str, &str)]) -> (Step, Step) {
        let resolve = self.step("resolve", env);
        assert!(resolve.status.success(), "resolve: {}", resolve.stderr);
        let get = |name| resolve.output(name).unwrap_or_default().to_string();
        let (version, origin, target, dir, url) = (
            get("version"),
            get("version-origin"),
            get("target"),
            get("dir"),
            get("release-url"),
        );
        let mut install_env: Vec<(&str, &str)> = env.to_vec();
        install_env.extend_from_slice(&[
            ("PLATFORM_DEPLOY_VERSION_TAG", &version),
            ("PLATFORM_DEPLOY_VERSION_ORIGIN", &origin),
            ("PLATFORM_DEPLOY_TARGET", &target),
            ("PLATFORM_DEPLOY_INSTALL_DIR", &dir),
            ("PLATFORM_DEPLOY_RELEASE_URL", &url),
        ]);
        let install = self.step("install", &install_env);
        (resolve, install)
    }
}

/// Parses GITHUB_OUTPUT records: `name=value` and `name<<DELIMITER ... DELIMITER`.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            outputs.push((name.to_string(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.push((name.to_string(), value.to_string()));
        }
    }
    outputs
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn installs_the_verified_release_asset_and_maps_every_input_to_the_binary() {
    let asset = stand_in_binary();
    let server = release_server(&asset, &sha256_hex(&asset), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);

    let (resolve, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    assert_eq!(resolve.output("version"), Some(tag().as_str()));
    assert_eq!(resolve.output("target"), Some("x86_64-unknown-linux-musl"));
    let key = resolve.output("cache-key").unwrap();
    assert!(
        key.starts_with(&format!("platform-deploy-{}-Linux-X64-", tag())),
        "{key}"
    );
    assert!(install.status.success(), "install: {}", install.stderr);
    assert_eq!(install.output("source"), Some("release"));
    let bin = PathBuf::from(install.output("bin").unwrap());
    assert_eq!(std::fs::read(&bin).unwrap(), asset);
    assert_ne!(
        std::fs::metadata(&bin).unwrap().permissions().mode() & 0o111,
        0,
        "the binary is executable"
    );
    assert!(install.stderr.contains("verified"), "{}", install.stderr);
    let path_file = std::fs::read_to_string(runner.file("path")).unwrap();
    assert_eq!(path_file.trim(), bin.parent().unwrap().to_str().unwrap());

    // The run step, with the env action.yml gives it (inputs left empty stay empty strings).
    let bin = bin.to_str().unwrap();
    let run = runner.step(
        "run",
        &[
            ("PLATFORM_DEPLOY_BIN", bin),
            ("PLATFORM_DEPLOY_COMMAND", "plan"),
            ("PLATFORM_DEPLOY_ARGS", "--comment\n --detailed-exitcode"),
            ("PLATFORM_DEPLOY_CONFIG", "examples/shop/platform.toml"),
            ("PLATFORM_DEPLOY_STACKS", "us-east-1,global"),
            ("PLATFORM_DEPLOY_REGIONS", ""),
            ("PLATFORM_DEPLOY_ROLE_TO_ASSUME", ""),
            ("PLATFORM_DEPLOY_AWS_REGION", "eu-west-1"),
            ("PLATFORM_DEPLOY_DRY_RUN", "true"),
            ("PLATFORM_DEPLOY_TIMEOUT", ""),
            ("GITHUB_TOKEN", "ghs_standin0123456789"),
        ],
    );
    // Exit 10 (changes present) is a success for the step; the outputs carry the 10.
    assert!(run.status.success(), "run: {}", run.stderr);
    assert_eq!(run.output("outcome"), Some("changes-present"));
    assert_eq!(run.output("exit-code"), Some("10"));
    assert_eq!(
        run.count("outcome"),
        1,
        "the binary's outcome is not repeated"
    );

    let log = std::fs::read_to_string(runner.file("stand-in.log")).unwrap();
    let lines: BTreeSet<&str> = log.lines().collect();
    let expected: BTreeSet<&str> = [
        "argv: [plan] [--comment] [--detailed-exitcode]",
        "AWS_REGION=eu-west-1",
        "GITHUB_TOKEN=ghs_standin0123456789",
        "PLATFORM_DEPLOY_CONFIG=examples/shop/platform.toml",
        "PLATFORM_DEPLOY_DRY_RUN=true",
        "PLATFORM_DEPLOY_STACKS=us-east-1,global",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        lines, expected,
        "empty inputs and the action's own variables must not reach the binary"
    );

    // The binary wrote no summary, so the action records the outcome there.
    assert_eq!(
        runner.summary(),
        "### platform-deploy plan: changes-present\n\nExit code 10.\n"
    );
}

#[test]
fn the_release_comes_from_the_action_repository_at_the_action_version() {
    let runner = Runner::new();
    // What action.yml passes from github.action_repository.
    let resolve = runner.step(
        "resolve",
        &[("PLATFORM_DEPLOY_ACTION_REPOSITORY", "org/platform-deploy")],
    );
    assert!(resolve.status.success(), "{}", resolve.stderr);
    assert_eq!(
        resolve.output("release-url").unwrap(),
        format!(
            "https://github.com/org/platform-deploy/releases/download/{}",
            tag()
        )
    );

    // Runners leave the repository empty inside composite actions; the action's folder
    // (.../_actions/<owner>/<repo>/<ref>) still names it.
    let actions = runner.file("_actions/acme/platform-deploy");
    std::fs::create_dir_all(&actions).unwrap();
    std::os::unix::fs::symlink(repo(), actions.join("v1")).unwrap();
    let action_path = actions.join("v1");
    let resolve = runner.step(
        "resolve",
        &[("GITHUB_ACTION_PATH", action_path.to_str().unwrap())],
    );
    assert!(resolve.status.success(), "{}", resolve.stderr);
    assert_eq!(
        resolve.output("release-url").unwrap(),
        format!(
            "https://github.com/acme/platform-deploy/releases/download/{}",
            tag()
        )
    );

    // From a local checkout (uses: ./) there is no release: install builds from source.
    let resolve = runner.step("resolve", &[]);
    assert_eq!(resolve.output("release-url"), Some(""));

    // A requested version is used as given, with or without its v.
    let resolve = runner.step("resolve", &[("PLATFORM_DEPLOY_VERSION", " 1.4.0 ")]);
    assert_eq!(resolve.output("version"), Some("v1.4.0"));
    assert_eq!(resolve.output("version-origin"), Some("requested"));
    let resolve = runner.step("resolve", &[("PLATFORM_DEPLOY_VERSION", "latest")]);
    assert!(!resolve.status.success());
    assert!(
        resolve.stderr.contains("`latest` is not a release version"),
        "{}",
        resolve.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_binary_checks_the_example_config_through_the_action() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_platform-deploy")).unwrap();
    let server = release_server(&binary, &sha256_hex(&binary), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);

    let (_, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    assert!(install.status.success(), "install: {}", install.stderr);
    let bin = install.output("bin").unwrap().to_string();
    let config = repo().join("examples/shop/platform.toml");
    let run = runner.step(
        "run",
        &[
            ("PLATFORM_DEPLOY_BIN", &bin),
            ("PLATFORM_DEPLOY_COMMAND", "config check"),
            ("PLATFORM_DEPLOY_ARGS", ""),
            ("PLATFORM_DEPLOY_CONFIG", config.to_str().unwrap()),
            ("PLATFORM_DEPLOY_STACKS", ""),
            ("PLATFORM_DEPLOY_DRY_RUN", "false"),
            ("PLATFORM_DEPLOY_TIMEOUT", ""),
            ("GITHUB_TOKEN", ""),
        ],
    );
    assert!(run.status.success(), "config check: {}", run.stderr);
    assert_eq!(run.output("outcome"), Some("succeeded"), "{}", run.stderr);
    assert_eq!(run.output("exit-code"), Some("0"));
    assert!(
        runner
            .summary()
            .contains("platform-deploy config check: succeeded"),
        "{}",
        runner.summary()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_command_is_bad_input_with_exit_code_2() {
    let asset = stand_in_binary();
    let server = release_server(&asset, &sha256_hex(&asset), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);
    let (_, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    let bin = install.output("bin").unwrap().to_string();

    let run = runner.step(
        "run",
        &[
            ("PLATFORM_DEPLOY_BIN", &bin),
            ("PLATFORM_DEPLOY_COMMAND", "destroy"),
        ],
    );
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(run.output("outcome"), Some("bad-input"));
    assert_eq!(run.output("exit-code"), Some("2"));
    assert!(
        run.stderr.contains("\"destroy\" is not one of"),
        "{}",
        run.stderr
    );
    assert!(
        !runner.file("stand-in.log").exists(),
        "the binary must not run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checksum_mismatch_aborts_the_install_and_leaves_no_binary() {
    let asset = stand_in_binary();
    let server = release_server(&asset, &sha256_hex(b"what the release was built as"), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);

    let (resolve, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    assert!(!install.status.success());
    assert!(
        install.stderr.contains("sha256 mismatch")
            && install.stderr.contains("nothing was installed"),
        "{}",
        install.stderr
    );
    assert!(
        install
            .stderr
            .contains("::error title=platform-deploy action::"),
        "an annotation for the run's page: {}",
        install.stderr
    );
    assert_eq!(install.output("bin"), None);
    let dir = PathBuf::from(resolve.output("dir").unwrap());
    assert_eq!(
        leftovers(&dir),
        Vec::<String>::new(),
        "no binary, no partial download"
    );
    assert_eq!(std::fs::read_to_string(runner.file("path")).unwrap(), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_binary_is_reused_and_a_corrupted_one_is_downloaded_again() {
    let asset = stand_in_binary();
    // Downloaded twice: the first install and after the corruption; never for the cache hit.
    let server = release_server(&asset, &sha256_hex(&asset), 2).await;
    let runner = Runner::new();
    let url = release_url(&server);
    let env = [("PLATFORM_DEPLOY_RELEASE_URL", url.as_str())];

    let (_, first) = runner.install(&env);
    assert_eq!(first.output("source"), Some("release"), "{}", first.stderr);
    let (_, cached) = runner.install(&env);
    assert!(cached.status.success(), "{}", cached.stderr);
    assert_eq!(cached.output("source"), Some("cache"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let bin = PathBuf::from(cached.output("bin").unwrap());
    std::fs::write(&bin, b"#!/bin/sh\necho tampered\n").unwrap();
    let (_, again) = runner.install(&env);
    assert!(again.status.success(), "{}", again.stderr);
    assert_eq!(again.output("source"), Some("release"));
    assert_eq!(std::fs::read(&bin).unwrap(), asset);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_step_stops_the_binary_with_sigterm_and_keeps_its_outcome() {
    let asset = stand_in_binary();
    let server = release_server(&asset, &sha256_hex(&asset), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);
    let (_, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    let bin = install.output("bin").unwrap().to_string();

    let before = runner.output_len();
    let mut step = runner
        .command(
            "run",
            &[
                ("PLATFORM_DEPLOY_BIN", &bin),
                ("PLATFORM_DEPLOY_COMMAND", "deploy"),
                ("STAND_IN_MODE", "wait-for-cancel"),
            ],
        )
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ready = runner.file("stand-in.log.ready");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready.exists() {
        assert!(
            Instant::now() < deadline,
            "the stand-in binary never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The runner cancels a step by signalling the step's shell with SIGINT.
    let killed = Command::new("kill")
        .args(["-INT", &step.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = step.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = step.kill();
            panic!("the step did not end after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    assert_eq!(
        std::fs::read_to_string(runner.file("stand-in.log")).unwrap(),
        "stopped by SIGTERM\n"
    );
    assert_eq!(
        status.code(),
        Some(7),
        "the step ends with the binary's exit code"
    );
    let outputs = runner.outputs_since(before);
    assert_eq!(
        outputs,
        vec![
            ("outcome".to_string(), "cancelled".to_string()),
            ("exit-code".to_string(), "7".to_string())
        ]
    );
}

/// A `cargo` on PATH that records its arguments and "builds" the stand-in into --root/bin.
fn fake_cargo(runner: &Runner) -> PathBuf {
    let dir = runner.file("fake-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let built = runner.file("built-by-cargo");
    std::fs::write(&built, stand_in_binary()).unwrap();
    let script = format!(
        r#"#!/bin/sh
echo "$@" >"{log}"
root=""
while [ $# -gt 0 ]; do [ "$1" = "--root" ] && root=$2; shift; done
mkdir -p "$root/bin" && cp "{built}" "$root/bin/platform-deploy" && chmod +x "$root/bin/platform-deploy"
"#,
        log = runner.file("cargo.log").display(),
        built = built.display()
    );
    let cargo = dir.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

async fn no_release_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_release_for_the_action_commit_it_builds_from_source_with_cargo() {
    let server = no_release_server().await;
    let mut runner = Runner::new();
    runner.extra_path = Some(fake_cargo(&runner));
    let url = release_url(&server);

    let (_, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    assert!(install.status.success(), "{}", install.stderr);
    assert_eq!(install.output("source"), Some("cargo"));
    assert!(
        install
            .stderr
            .contains("::warning title=platform-deploy action::")
            && install.stderr.contains("slow"),
        "the slow path is announced: {}",
        install.stderr
    );
    let args = std::fs::read_to_string(runner.file("cargo.log")).unwrap();
    assert!(
        args.starts_with(&format!(
            "install --locked --path {} --root ",
            repo().display()
        )),
        "{args}"
    );
    let bin = install.output("bin").unwrap();
    assert_eq!(std::fs::read(bin).unwrap(), stand_in_binary());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requested_version_without_a_release_fails_instead_of_building_other_source() {
    let server = no_release_server().await;
    let mut runner = Runner::new();
    runner.extra_path = Some(fake_cargo(&runner));
    let url = format!("{}/download/v9.9.9", server.uri());

    let (resolve, install) = runner.install(&[
        ("PLATFORM_DEPLOY_VERSION", "9.9.9"),
        ("PLATFORM_DEPLOY_RELEASE_URL", &url),
    ]);
    assert_eq!(resolve.output("version"), Some("v9.9.9"));
    assert!(!install.status.success());
    assert!(
        install.stderr.contains("release v9.9.9 not found"),
        "{}",
        install.stderr
    );
    assert!(!runner.file("cargo.log").exists(), "cargo must not run");
}

/// actionlint does not read action.yml, so check its wiring here: every input it reads is declared,
/// every declared input is used, and every resolve/install output it reads is one the script writes.
#[tokio::test(flavor = "multi_thread")]
async fn action_yml_reads_only_declared_inputs_and_outputs_the_script_writes() {
    let action = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let declared = section_keys(&action, "inputs:");
    let read = references(&action, "inputs.");
    assert_eq!(read, declared, "inputs read vs declared in action.yml");
    for line in action
        .lines()
        .filter(|l| l.trim_start().starts_with("run:"))
    {
        assert!(
            !line.contains("${{"),
            "no expression may be interpolated into a script: {line}"
        );
    }

    let asset = stand_in_binary();
    let server = release_server(&asset, &sha256_hex(&asset), 1).await;
    let runner = Runner::new();
    let url = release_url(&server);
    let (resolve, install) = runner.install(&[("PLATFORM_DEPLOY_RELEASE_URL", &url)]);
    for (step, written) in [("resolve", &resolve), ("install", &install)] {
        for name in references(&action, &format!("steps.{step}.outputs.")) {
            assert!(
                written.output(&name).is_some(),
                "action.yml reads steps.{step}.outputs.{name}, which the script does not write"
            );
        }
    }
    let outputs = section_keys(&action, "outputs:");
    let expected: BTreeSet<String> = [
        "outcome",
        "exit-code",
        "image-digest",
        "task-definition-arns",
        "deployment-ids",
        "plan-changed",
        "summary-path",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(outputs, expected);
}

/// Keys indented by two spaces under a top-level `header` line.
fn section_keys(yaml: &str, header: &str) -> BTreeSet<String> {
    yaml.lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('#'))
        .filter_map(|l| {
            let key = l.strip_prefix("  ")?;
            if key.starts_with(' ') || key.starts_with('#') {
                return None;
            }
            key.strip_suffix(':').map(String::from)
        })
        .collect()
}

/// Names following `prefix` in `${{ ... }}` expressions, e.g. `inputs.` → {"command", ...}.
fn references(yaml: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in yaml.match_indices(prefix) {
        let before = &yaml[..at];
        // Only whole references (`steps.run.outputs.x`, not `...outputs.x` inside a longer chain).
        if before
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        {
            continue;
        }
        let name: String = yaml[at + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if !name.is_empty() {
            names.insert(name);
        }
    }
    names
}

// ------------------------------------------------------------------------------------------------
// The example service's image on the sandbox Docker daemon.

struct Container {
    name: String,
    image: String,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker().args(["rm", "-f", &self.name]).output();
        let _ = docker().args(["rmi", "-f", &self.image]).output();
    }
}

#[test]
fn the_example_service_image_serves_health_and_stops_cleanly_on_sigterm() {
    docker_host();
    let service = repo().join("examples/shop/service");
    build_example_service();

    let unique = unique("");
    let container = Container {
        name: format!("shop-api-test-{unique}"),
        image: format!("platform-deploy-test/shop-api:{unique}"),
    };
    run_ok(
        docker()
            .args(["build", "-q", "-t", &container.image])
            .arg(&service),
        "docker build examples/shop/service",
    );
    let user = run_ok(
        docker().args([
            "image",
            "inspect",
            "--format",
            "{{.Config.User}}",
            &container.image,
        ]),
        "docker image inspect",
    );
    assert_eq!(user, "65534:65534", "the service runs unprivileged");

    // The daemon runs without a bridge network: the container shares the host's loopback.
    let port = free_port();
    run_ok(
        docker().args([
            "run",
            "-d",
            "--name",
            &container.name,
            "--network",
            "host",
            "-e",
            &format!("PORT={port}"),
            "-e",
            "APP_VERSION=0a1b2c3d4e5f",
            &container.image,
        ]),
        "docker run",
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        match http::get(&format!("127.0.0.1:{port}"), "/health") {
            Ok(answer) => break answer,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => {
                let logs = docker().args(["logs", &container.name]).output().unwrap();
                panic!(
                    "shop-api did not answer on port {port}: {e}\ncontainer log:\n{}",
                    String::from_utf8_lossy(&logs.stderr)
                );
            }
        }
    };
    assert_eq!(health, (200, "ok".to_string()));
    let (status, body) = http::get(&format!("127.0.0.1:{port}"), "/").unwrap();
    assert_eq!(status, 200);
    assert_eq!(body, r#"{"service":"shop-api","version":"0a1b2c3d4e5f"}"#);

    // `docker stop` sends SIGTERM and waits; a process that ignored it would be killed (exit 137).
    run_ok(
        docker().args(["stop", "--time", "20", &container.name]),
        "docker stop",
    );
    let exit = run_ok(
        docker().args([
            "inspect",
            "--format",
            "{{.State.ExitCode}}",
            &container.name,
        ]),
        "docker inspect",
    );
    let logs = docker().args(["logs", &container.name]).output().unwrap();
    assert_eq!(
        exit,
        "0",
        "shop-api must exit 0 on SIGTERM; its log:\n{}",
        String::from_utf8_lossy(&logs.stderr)
    );
}
