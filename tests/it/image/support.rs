//! What the image tests share besides [`crate::support`]: the commit they build, the files of an
//! image as `docker export` shows them, a platform.toml for an image, and running platform-deploy
//! with it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::support::sandbox::{self, docker_host};
use crate::support::{docker, process};

pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// One entry of an image's file system: kind, mode, size, content hash or link target.
pub type Listing = BTreeMap<String, String>;

/// The files below `/prefix` in `image`, read from `docker export` of a created container.
pub fn image_files(image: &str, prefix: &str) -> Listing {
    let container = docker::run(&["create", image, "/none"]);
    let out = docker::output(&["export", &container]);
    docker::run(&["rm", "-f", &container]);
    assert!(out.status.success(), "docker export failed");
    let mut archive = tar::Archive::new(out.stdout.as_slice());
    let mut listing = Listing::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        let header = entry.header().clone();
        let kind = header.entry_type();
        let mode = header.mode().unwrap() & 0o7777;
        let detail = if kind.is_file() {
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            format!(
                "file {mode:o} {} {}",
                content.len(),
                hex::encode(&Sha256::digest(&content)[..6])
            )
        } else if kind.is_dir() {
            format!("dir {mode:o}")
        } else if kind.is_symlink() {
            format!(
                "symlink -> {}",
                header.link_name().unwrap().unwrap().display()
            )
        } else if kind.is_hard_link() {
            "hardlink".to_string()
        } else {
            format!("{kind:?} {mode:o}")
        };
        listing.insert(rel.trim_end_matches('/').to_string(), detail);
    }
    listing
}

/// Writes platform.toml for a project whose image is built from `context` (relative to `dir`).
pub fn write_config(
    dir: &Path,
    repository: &str,
    context: &str,
    dockerfile: &str,
    extra: &str,
) -> PathBuf {
    let path = dir.join("platform.toml");
    std::fs::write(
        &path,
        format!(
            "[project]\nname = \"imagetest\"\n\n[regions]\nprimary = \"us-east-1\"\n{extra}\n\n[image]\nrepository = \"{repository}\"\ncontext = \"{context}\"\ndockerfile = \"{dockerfile}\"\n"
        ),
    )
    .unwrap();
    path
}

/// Runs platform-deploy with `args` after `--config CONFIG`, with a clean Actions environment.
pub fn platform_deploy(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = process::platform_deploy();
    cmd.arg("--config").arg(config).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("platform-deploy runs")
}

/// A base image with a shell, made from Debian's busybox-static (no image can be pulled here).
pub fn busybox_base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        docker_host();
        let tag = "pd-test-busybox:1".to_string();
        if docker::output(&["image", "inspect", &tag]).status.success() {
            return tag;
        }
        if !Path::new("/bin/busybox").exists() {
            sandbox::missing("/bin/busybox is missing: the base image needs Debian's busybox-static");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n",
        )
        .unwrap();
        docker::run(&["build", "-q", "-t", &tag, dir.path().to_str().unwrap()]);
        tag
    })
}
