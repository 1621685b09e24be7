//! Stand-ins of a test's own: a registry (distribution, htpasswd auth, as ECR's data plane) and the
//! sandbox's AWS stand-in (scripts/sandbox_aws.py) wired to it the way scripts/sandbox wires the shared
//! ones. For tests that need fixed, account-wide names or a state no other test may touch (the e2e):
//! they get their own world instead of resetting the shared one under everybody else's feet. Both
//! stop with their guard, or with the test process if it dies.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::fs::repo;
use super::process::{find_on_path, free_port};
use super::{http, sandbox};

/// The password the AWS stand-in's ECR hands out as the registry token (moto's fixed one).
pub const STAND_IN_TOKEN: &str = "123456789012-auth-token";

/// A helper process that is killed when the guard drops, and by the kernel when the test process
/// dies (parent-death signal, set from a thread that lives as long as the child).
pub struct Owned {
    pid: Pid,
}

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = kill(self.pid, Signal::SIGKILL);
    }
}

fn spawn_owned(mut cmd: Command, log: &Path) -> Owned {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let err = log.try_clone().unwrap();
    cmd.stdout(Stdio::from(log)).stderr(Stdio::from(err));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
            });
        }
        match cmd.spawn() {
            Ok(mut child) => {
                tx.send(Ok(child.id())).unwrap();
                let _ = child.wait();
            }
            Err(e) => tx.send(Err(e.to_string())).unwrap(),
        }
    });
    let pid = rx.recv().unwrap().expect("the stand-in starts");
    Owned {
        pid: Pid::from_raw(pid as i32),
    }
}

fn wait_until(what: &str, log: &Path, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready() {
        if Instant::now() > deadline {
            panic!(
                "{what} did not come up within 60 s; its log ({}):\n{}",
                log.display(),
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A registry of the test's own.
pub struct Registry {
    pub addr: String,
    _process: Owned,
    _dir: tempfile::TempDir,
}

/// Starts a registry on a free loopback port whose user `AWS` has `password`; with `notify`, it
/// announces pushed manifests to that URL (the AWS stand-in's `/_sandbox/registry-events`).
pub fn registry(password: &str, notify: Option<&str>) -> Registry {
    let (Some(bin), Some(htpasswd)) = (find_on_path("docker-registry"), find_on_path("htpasswd"))
    else {
        sandbox::missing(
            "docker-registry and htpasswd are not on PATH (Debian docker-registry, apache2-utils)",
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(htpasswd)
        .args(["-B", "-b", "-n", "AWS", password])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("htpasswd"), out.stdout).unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut config = format!(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\nauth:\n  htpasswd:\n    realm: test\n    path: {}\n",
        dir.path().join("data").display(),
        dir.path().join("htpasswd").display()
    );
    if let Some(url) = notify {
        config.push_str(&format!(
            "notifications:\n  endpoints:\n    - name: stand-in\n      url: {url}\n      timeout: 1s\n      threshold: 1\n      backoff: 1s\n      ignoredmediatypes: [application/octet-stream]\n      ignore:\n        actions: [pull]\n"
        ));
    }
    let config_file = dir.path().join("registry.yml");
    std::fs::write(&config_file, config).unwrap();
    let log = dir.path().join("registry.log");
    let mut cmd = Command::new(bin);
    cmd.arg("serve").arg(&config_file);
    let process = spawn_owned(cmd, &log);
    wait_until("docker-registry", &log, || {
        http::status(&addr, "/v2/") == Some(401)
    });
    Registry {
        addr,
        _process: process,
        _dir: dir,
    }
}

/// An AWS stand-in of the test's own with its registry: pushes to `registry` reach the stand-in's
/// ECR and its replication, as in the shared sandbox.
pub struct Aws {
    pub url: String,
    pub registry: String,
    _front: Owned,
    _registry: Registry,
    _dir: tempfile::TempDir,
}

/// The Python that runs the AWS stand-in: the sandbox's venv (moto, cbor2).
fn python() -> PathBuf {
    let python = repo().join(".sandbox/venv/bin/python");
    if !python.is_file() {
        sandbox::missing(format_args!(
            "{} is missing: the AWS stand-in runs on the sandbox's Python venv (moto)",
            python.display()
        ));
    }
    python
}

/// An AWS stand-in of the test's own, without a registry, started with `env` on top (the
/// stand-in's PD_SANDBOX_* knobs, moto's MOTO_* ones).
pub struct AwsOnly {
    pub url: String,
    /// `127.0.0.1:PORT`, for the control endpoint.
    pub addr: String,
    _front: Owned,
    _dir: tempfile::TempDir,
}

pub fn aws_only(env: &[(&str, &str)]) -> AwsOnly {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut cmd = Command::new(python());
    cmd.arg(repo().join("scripts/sandbox_aws.py")).args([
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let log = dir.path().join("aws.log");
    let front = spawn_owned(cmd, &log);
    let addr = format!("127.0.0.1:{port}");
    wait_until("the AWS stand-in (scripts/sandbox_aws.py)", &log, || {
        http::get(&addr, "/_sandbox/health").is_ok_and(|(_, body)| body.contains("sandbox_aws"))
    });
    AwsOnly {
        url: format!("http://{addr}"),
        addr,
        _front: front,
        _dir: dir,
    }
}

pub fn aws_with_registry() -> Aws {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let registry = registry(
        STAND_IN_TOKEN,
        Some(&format!("{url}/_sandbox/registry-events")),
    );
    let mut cmd = Command::new(python());
    cmd.arg(repo().join("scripts/sandbox_aws.py"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("PD_SANDBOX_REGISTRY", &registry.addr)
        .env("PD_SANDBOX_REGISTRY_PASSWORD", STAND_IN_TOKEN);
    let log = dir.path().join("aws.log");
    let front = spawn_owned(cmd, &log);
    let addr = format!("127.0.0.1:{port}");
    wait_until("the AWS stand-in (scripts/sandbox_aws.py)", &log, || {
        http::get(&addr, "/_sandbox/health").is_ok_and(|(_, body)| body.contains("sandbox_aws"))
    });
    Aws {
        url,
        registry: registry.addr.clone(),
        _front: front,
        _registry: registry,
        _dir: dir,
    }
}
