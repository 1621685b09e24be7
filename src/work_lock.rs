//! One platform-deploy run at a time per work folder.
//!
//! Plans, offline working copies, the deploy targets and the failover checklist live in a work folder
//! (`.platform-deploy/` by default). Two runs writing the same folder would overwrite each other's plans,
//! so every command that runs Terraform takes an exclusive lock on `<folder>/.lock` first. The lock is
//! an advisory file lock (flock): the kernel drops it when the process ends, however it ends (SIGKILL
//! included), so a crashed run never leaves the folder locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::outcome::OutcomeKind;

/// The lock file inside a work folder.
pub const LOCK_FILE: &str = ".lock";
/// The default work folder, relative to the current directory.
pub const WORK_DIR: &str = ".platform-deploy";
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another platform-deploy run is using {dir} ({holder})\n  fix: wait for it to finish and run again, or leave out --no-wait to wait for it"
    )]
    Held { dir: PathBuf, holder: String },
    #[error("cancelled while waiting for the other platform-deploy run using {dir} ({holder})")]
    Cancelled { dir: PathBuf, holder: String },
    #[error(
        "cannot lock the work folder {dir}: {source}\n  fix: check that the folder is writable (or choose another one with --out-dir / --plans)"
    )]
    Io {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LockError {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            LockError::Held { .. } | LockError::Io { .. } => OutcomeKind::BadInput,
            LockError::Cancelled { .. } => OutcomeKind::Cancelled,
        }
    }
}

/// Whether a run waits for the lock or refuses at once (`--no-wait`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenHeld {
    Wait,
    Refuse,
}

/// Held for the whole run; dropping it releases the folder.
#[derive(Debug)]
pub struct WorkLock {
    _file: File,
    dir: PathBuf,
}

impl WorkLock {
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The folder a run locks for an output folder: the default work folder when the output lives inside
/// it (`.platform-deploy/plans` → `.platform-deploy`), else the output folder itself.
pub fn work_dir_for(out_dir: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = if out_dir.is_absolute() {
        out_dir.to_path_buf()
    } else {
        cwd.join(out_dir)
    };
    let default = cwd.join(WORK_DIR);
    if absolute.starts_with(&default) {
        default
    } else {
        absolute
    }
}

/// Locks `dir` (created if missing). When another run holds it: waits, saying once who holds it, or
/// refuses. `command` is recorded in the lock file so the other run can say who holds it.
pub async fn acquire(
    dir: &Path,
    command: &str,
    when_held: WhenHeld,
    cancel: &CancellationToken,
) -> Result<WorkLock, LockError> {
    let io = |source| LockError::Io {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK_FILE))
        .map_err(io)?;
    let mut announced = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = holder(&mut file);
        match when_held {
            WhenHeld::Refuse => {
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder,
                });
            }
            WhenHeld::Wait if !announced => {
                tracing::warn!(
                    "waiting for the other platform-deploy run using {} ({holder}) to finish; --no-wait refuses instead",
                    dir.display()
                );
                announced = true;
            }
            WhenHeld::Wait => {}
        }
        tokio::select! {
            _ = cancel.cancelled() => {
                return Err(LockError::Cancelled { dir: dir.to_path_buf(), holder });
            }
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    // Who holds it, for a run that finds it held. Written after locking, so it is always ours.
    let note = format!(
        "pid {}, platform-deploy {command}, since {}\n",
        std::process::id(),
        crate::terraform::summary::now_rfc3339()
    );
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(note.as_bytes()));
    written.map_err(io)?;
    Ok(WorkLock {
        _file: file,
        dir: dir.to_path_buf(),
    })
}

fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
    match text.trim() {
        "" => "holder unknown".to_string(),
        line => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_run_refuses_naming_the_first_and_gets_the_folder_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        let first = acquire(dir.path(), "plan", WhenHeld::Refuse, &cancel)
            .await
            .unwrap();
        let err = acquire(dir.path(), "apply", WhenHeld::Refuse, &cancel)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), OutcomeKind::BadInput);
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}, platform-deploy plan", std::process::id())),
            "{text}"
        );
        assert!(text.contains("--no-wait"), "{text}");
        drop(first);
        acquire(dir.path(), "apply", WhenHeld::Refuse, &cancel)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_waiting_run_continues_when_the_holder_finishes_and_stops_on_cancel() {
        let dir = tempfile::tempdir().unwrap();
        let cancel = CancellationToken::new();
        let first = acquire(dir.path(), "plan", WhenHeld::Wait, &cancel)
            .await
            .unwrap();
        let path = dir.path().to_path_buf();
        let waiter = tokio::spawn(async move {
            acquire(&path, "deploy", WhenHeld::Wait, &CancellationToken::new()).await
        });
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!waiter.is_finished(), "waits while the folder is held");
        drop(first);
        waiter.await.unwrap().unwrap();

        let _held = acquire(dir.path(), "plan", WhenHeld::Wait, &cancel)
            .await
            .unwrap();
        let stop = CancellationToken::new();
        stop.cancel();
        let err = acquire(dir.path(), "apply", WhenHeld::Wait, &stop)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), OutcomeKind::Cancelled);
    }

    #[test]
    fn plans_inside_the_default_work_folder_lock_the_folder_itself() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            work_dir_for(Path::new(".platform-deploy/plans")),
            cwd.join(".platform-deploy")
        );
        assert_eq!(
            work_dir_for(Path::new("/tmp/reviewed")),
            PathBuf::from("/tmp/reviewed")
        );
    }
}
