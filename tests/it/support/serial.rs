//! Keeps tests that share something outside their own process apart, and only those: a test takes a
//! guard first thing and holds it to its end.
//!
//! The lock is a file lock (`File::lock`) on a file under
//! `CARGO_TARGET_TMPDIR`: every call opens the file anew, so the lock works between the threads of
//! `cargo test` and between the processes of `cargo nextest` alike, and it goes away with the guard
//! or with the process.
//!
//! The names in use, and what each protects:
//! - `example-service`: examples/shop/service/dist, which its build.sh writes through a fixed
//!   temporary file ([`super::fs::build_example_service`]).
//!
//! The shared AWS stand-in needs none: its users make names of their own, and the one test that
//! needs fixed names (the e2e) runs on a stand-in of its own ([`super::stand_ins`]). Runs of
//! platform-deploy on the same work folder need none either: the binary itself takes turns.

use std::fs::{File, TryLockError};
use std::path::Path;

/// Holds the lock until dropped.
#[must_use = "the lock is held only as long as the guard lives"]
pub struct Guard {
    _file: File,
}

/// The lock `name` for this test alone.
pub fn exclusive(name: &str) -> Guard {
    let file = open(name);
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!("waiting for the exclusive lock `{name}`");
            file.lock()
                .unwrap_or_else(|e| panic!("locking `{name}`: {e}"));
        }
        Err(TryLockError::Error(e)) => panic!("locking `{name}`: {e}"),
    }
    Guard { _file: file }
}

fn open(name: &str) -> File {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serial");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let path = dir.join(format!("{name}.lock"));
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()))
}
