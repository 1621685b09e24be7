//! Paths into the repository, and copies of fixture trees.

use std::path::{Path, PathBuf};

use platform_deploy::terraform::stack::{INPUTS_FILE, OFFLINE_OVERRIDE_FILE};

/// The repository (the crate's folder).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// tests/fixtures.
pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// Copies the tree at `from` into `to` as it is shipped: without what terraform and platform-deploy
/// leave in a stack folder (`.terraform` folders, `*.tfstate*` state, backup and lock files, and
/// the offline backend override and inputs file a run writes).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if text == ".terraform"
            || text.contains(".tfstate")
            || text == OFFLINE_OVERRIDE_FILE
            || text == INPUTS_FILE
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copying {}: {e}", entry.path().display()));
        }
    }
}

/// Runs examples/shop/service/build.sh (the static binary the example image copies). Tests that
/// build the example take turns: build.sh writes dist/ through a fixed temporary file.
pub fn build_example_service() {
    // examples/shop/service/dist: shared by every test that builds the example image.
    let _dist = super::serial::exclusive("example-service");
    super::process::run_ok(
        std::process::Command::new("bash")
            .arg(repo().join("examples/shop/service/build.sh"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET"),
        "examples/shop/service/build.sh",
    );
}
