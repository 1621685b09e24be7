//! Child processes: platform-deploy with none of the runner's variables leaking in, commands that
//! must succeed, free ports, and helper processes that die with the test process.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Prefixes of the variables a GitHub runner (and the action) sets: a test that runs inside a
/// workflow must not hand them on to the binary under test by accident.
pub const RUNNER_ENV: &[&str] = &["GITHUB_", "RUNNER_", "ACTIONS_", "PLATFORM_DEPLOY_"];

/// Removes every variable of this process whose name starts with one of `prefixes` from `cmd`.
pub fn remove_env_prefixed<'a>(cmd: &'a mut Command, prefixes: &[&str]) -> &'a mut Command {
    for (name, _) in std::env::vars_os() {
        if prefixes
            .iter()
            .any(|p| name.to_string_lossy().starts_with(p))
        {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// The platform-deploy binary under test, without the runner's variables ([`RUNNER_ENV`]); a test
/// sets the ones it means.
pub fn platform_deploy() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_platform-deploy"));
    remove_env_prefixed(&mut cmd, RUNNER_ENV);
    cmd
}

/// Fails the test, with both outputs, unless `out` is a success.
#[track_caller]
pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `cmd`, which must succeed, and returns its stdout, trimmed.
#[track_caller]
pub fn run_ok(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert_success(&out, what);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A loopback TCP port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The file `name` in a folder of PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Spawns a helper (a stand-in server) that dies with this test process: it is spawned from a
/// thread that lives as long as the child, because the parent-death signal follows the spawning
/// thread. Its output is discarded.
pub fn spawn_for_process(mut cmd: Command) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        match cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
            Ok(mut child) => {
                tx.send(Ok(())).unwrap();
                let _ = child.wait();
            }
            Err(e) => tx.send(Err(e.to_string())).unwrap(),
        }
    });
    rx.recv().unwrap().expect("the helper process starts");
}
