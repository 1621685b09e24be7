//! Names no other test, run or engineer uses: for state that outlives a test (the shared AWS
//! stand-in, the Docker daemon, the registry).

use std::sync::atomic::{AtomicU32, Ordering};

/// `prefix` + this process + the time + a counter: lower-case letters, digits and `-` only.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}{}-{:x}{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
