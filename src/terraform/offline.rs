//! Offline runs plan a working copy of the stacks, never the stack folders themselves.
//!
//! An offline run swaps each stack's backend for a local one through an override file. Written into the
//! stack folder, that file would change the checkout and, left behind by a killed run, silently point a
//! later real plan at a local state. Instead each offline run mirrors the project under its work folder:
//! real folders on the way down to each stack, a symlink to the original for every other entry, and in
//! each stack's folder links to its files plus the override. Relative module sources and file paths
//! (`../../modules/vpc`, `${path.module}/lambda`) resolve as they do in the checkout, and nothing
//! outside the work folder is written, so `git status` stays clean whatever happens to the run.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::error::TerraformError;
use super::stack::{INPUTS_FILE, OFFLINE_OVERRIDE_FILE};
use crate::config::Config;

/// The mirror's folder inside the run's output folder.
pub const WORKING_COPY_DIR: &str = "offline";

/// Entries of a stack folder that belong to one run and are not linked into the copy.
const RUN_LOCAL: [&str; 3] = [".terraform", INPUTS_FILE, OFFLINE_OVERRIDE_FILE];

/// Builds (or brings up to date) the working copy under `out_dir` and returns the config with
/// every stack's folder pointing into it.
pub fn working_copy(config: &Config, out_dir: &Path) -> Result<Config, TerraformError> {
    let canonical = |path: &Path| {
        std::fs::canonicalize(path).map_err(|source| TerraformError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    let out_dir = absolute(out_dir);
    let root = out_dir.join(WORKING_COPY_DIR);
    let stack_dirs = config
        .stacks
        .iter()
        .map(|s| canonical(&s.dir))
        .collect::<Result<Vec<_>, _>>()?;
    let mut base = canonical(&config.root)?;
    for dir in &stack_dirs {
        base = common_ancestor(&base, dir);
    }
    let relative: Vec<PathBuf> = stack_dirs
        .iter()
        .map(|d| d.strip_prefix(&base).unwrap_or(Path::new("")).to_path_buf())
        .collect();

    let write = |path: &Path, source| TerraformError::Write {
        path: path.to_path_buf(),
        source,
    };
    let stacks: BTreeSet<&Path> = relative.iter().map(PathBuf::as_path).collect();
    let mut real: BTreeSet<&Path> = BTreeSet::new();
    for rel in &relative {
        real.extend(rel.ancestors());
    }
    for dir in &real {
        let (from, to) = (base.join(dir), root.join(dir));
        std::fs::create_dir_all(&to).map_err(|e| write(&to, e))?;
        let mut wanted = BTreeSet::new();
        let entries = std::fs::read_dir(&from).map_err(|e| write(&from, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| write(&from, e))?;
            let name = entry.file_name();
            if real.contains(dir.join(&name).as_path())
                || stacks.contains(dir) && RUN_LOCAL.iter().any(|n| name == *n)
            {
                continue;
            }
            wanted.insert(name.clone());
            let target = to.join(&name);
            if name == ".terraform.lock.hcl" {
                // terraform init may rewrite the lock file: a copy keeps the checkout's untouched.
                if !target.exists() {
                    std::fs::copy(entry.path(), &target).map_err(|e| write(&target, e))?;
                }
            } else if std::fs::read_link(&target).ok().as_deref() != Some(entry.path().as_path()) {
                let _ = std::fs::remove_file(&target);
                std::os::unix::fs::symlink(entry.path(), &target).map_err(|e| write(&target, e))?;
            }
        }
        prune(&to, dir, &wanted, &real).map_err(|e| write(&to, e))?;
    }

    let mut copy = config.clone();
    for (stack, rel) in copy.stacks.iter_mut().zip(&relative) {
        stack.dir = root.join(rel);
        let state = out_dir
            .join("state")
            .join(format!("{}.tfstate", stack.name));
        let text = format!(
            "# Written by platform-deploy into the offline working copy: a local backend instead of the real one.\nterraform {{\n  backend \"local\" {{\n    path = \"{}\"\n  }}\n}}\n",
            state.display()
        );
        let path = stack.dir.join(OFFLINE_OVERRIDE_FILE);
        std::fs::write(&path, text).map_err(|e| write(&path, e))?;
    }
    Ok(copy)
}

/// Removes what a previous run linked that the checkout no longer has (a deleted file must not stay
/// visible to terraform), keeping what runs wrote there (inputs, override, lock file, .terraform).
fn prune(
    to: &Path,
    dir: &Path,
    wanted: &BTreeSet<std::ffi::OsString>,
    real: &BTreeSet<&Path>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(to)? {
        let entry = entry?;
        let name = entry.file_name();
        if wanted.contains(&name) || real.contains(dir.join(&name).as_path()) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::fs::remove_file(entry.path())?;
        } else if kind.is_dir() && !RUN_LOCAL.iter().any(|n| name == *n) {
            // A folder on the way to a stack that is no longer configured.
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    }
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    let mut common = PathBuf::new();
    for (x, y) in a.components().zip(b.components()) {
        if x != y {
            break;
        }
        common.push(x);
    }
    if common.as_os_str().is_empty() {
        common.push(Component::RootDir);
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_ancestor_of_two_folders_is_where_their_paths_part() {
        assert_eq!(
            common_ancestor(
                Path::new("/repo/examples/shop"),
                Path::new("/repo/terraform/regions/us-east-1")
            ),
            PathBuf::from("/repo")
        );
        assert_eq!(
            common_ancestor(Path::new("/repo/a"), Path::new("/repo/a")),
            PathBuf::from("/repo/a")
        );
        assert_eq!(
            common_ancestor(Path::new("/a"), Path::new("/b")),
            PathBuf::from("/")
        );
    }
}
