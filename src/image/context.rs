//! The build context: the folder walked with `.dockerignore` applied exactly as the Docker CLI
//! does, written as a tar stream into a bounded channel that the Engine API request body reads, so
//! a context of any size is never held in memory.

use std::collections::HashMap;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

use super::ignore::{self, MatchInfo, PatternMatcher};

/// How much tar data is buffered before it is handed to the request body.
const CHUNK: usize = 64 * 1024;
/// How many chunks may wait for the request body: bounds memory at CHUNK * (DEPTH + 2).
const DEPTH: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "build context `{}` is not a readable folder: {source}\n  fix: set image.context in platform.toml to the folder to build, relative to platform.toml",
        path.display()
    )]
    Folder { path: PathBuf, source: io::Error },
    #[error(
        "the Dockerfile `{}` is outside the build context `{}`\n  fix: move it into the context folder or set image.context to a folder that contains it",
        dockerfile.display(), context.display()
    )]
    DockerfileOutside {
        dockerfile: PathBuf,
        context: PathBuf,
    },
    #[error(
        "cannot read `{}`: {source}\n  fix: make the file readable, or list it in .dockerignore so it is not sent",
        path.display()
    )]
    Unreadable { path: PathBuf, source: io::Error },
    #[error(
        "{}: {error}\n  fix: correct the pattern (Docker refuses it too); `*`, `?`, `**`, `[a-z]`, `\\` escapes and a leading `!` are allowed",
        path.display()
    )]
    Pattern {
        path: PathBuf,
        error: ignore::PatternError,
    },
    #[error("the Docker daemon stopped reading the build context: {0}")]
    Aborted(String),
}

/// A build context ready to be walked: its folder, the Dockerfile inside it and the patterns.
#[derive(Debug, Clone)]
pub struct Context {
    pub root: PathBuf,
    /// The Dockerfile's path relative to `root`, with `/` separators (what the engine is told).
    pub dockerfile: String,
    pub patterns: Vec<String>,
    /// The `.dockerignore` excludes the Dockerfile or itself: the Docker CLI sends them anyway
    /// (and its legacy builder leaves them out of `COPY .`), the engine's BuildKit would copy them.
    pub ignores_build_files: bool,
    matcher: PatternMatcher,
    /// The `.dockerignore` alone: what a BuildKit session syncs, since the Dockerfile and
    /// `.dockerignore` reach the daemon on their own there.
    own_matcher: PatternMatcher,
}

/// What was (or would be) sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ContextSummary {
    pub files: u64,
    pub folders: u64,
    pub links: u64,
    pub bytes: u64,
    /// Entries left out by `.dockerignore` (an ignored folder counts once).
    pub ignored: u64,
}

/// One entry that is sent, in walk order.
#[derive(Debug)]
pub struct Entry<'a> {
    /// Relative path with `/` separators.
    pub path: &'a str,
    pub source: &'a Path,
    pub metadata: &'a Metadata,
}

impl Context {
    /// Resolves the context folder (following symlinks, as the CLI does), the Dockerfile relative
    /// to it and the patterns from its `.dockerignore`.
    pub fn new(dir: &Path, dockerfile: &Path) -> Result<Context, ContextError> {
        let root = fs::canonicalize(dir).map_err(|source| ContextError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        if !root.is_dir() {
            return Err(ContextError::Folder {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        let absolute = if dockerfile.is_absolute() {
            dockerfile.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(dockerfile))
                .unwrap_or_else(|_| dockerfile.to_path_buf())
        };
        let resolved = fs::canonicalize(&absolute).map_err(|source| ContextError::Unreadable {
            path: dockerfile.to_path_buf(),
            source,
        })?;
        let relative =
            resolved
                .strip_prefix(&root)
                .map_err(|_| ContextError::DockerfileOutside {
                    dockerfile: dockerfile.to_path_buf(),
                    context: dir.to_path_buf(),
                })?;
        let dockerfile = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let ignore_path = root.join(".dockerignore");
        let content = match fs::read(&ignore_path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(ContextError::Unreadable {
                    path: ignore_path,
                    source,
                });
            }
        };
        let patterns = ignore::context_patterns(content.as_deref(), &dockerfile);
        let own = content
            .as_deref()
            .map(ignore::read_patterns)
            .unwrap_or_default();
        let ignores_build_files = patterns.len() > own.len();
        let matcher = PatternMatcher::new(&patterns).map_err(|error| ContextError::Pattern {
            path: ignore_path.clone(),
            error,
        })?;
        let own_matcher = PatternMatcher::new(&own).map_err(|error| ContextError::Pattern {
            path: ignore_path,
            error,
        })?;
        Ok(Context {
            root,
            dockerfile,
            patterns,
            ignores_build_files,
            matcher,
            own_matcher,
        })
    }

    /// The context as a BuildKit session syncs it, with the `.dockerignore` as written (the
    /// Docker CLI's file sync does not re-include the Dockerfile and `.dockerignore`).
    pub fn session_view(&self) -> Context {
        Context {
            matcher: self.own_matcher.clone(),
            ignores_build_files: false,
            ..self.clone()
        }
    }

    /// Walks the context in Docker's order (names sorted byte-wise, parents before children),
    /// calling `visit` for every entry that is sent.
    pub fn walk(
        &self,
        mut visit: impl FnMut(Entry<'_>) -> Result<(), ContextError>,
    ) -> Result<ContextSummary, ContextError> {
        let mut summary = ContextSummary::default();
        self.walk_dir(
            &self.root,
            "",
            &MatchInfo::default(),
            &mut visit,
            &mut summary,
        )?;
        Ok(summary)
    }

    fn walk_dir(
        &self,
        dir: &Path,
        rel_dir: &str,
        dir_info: &MatchInfo,
        visit: &mut impl FnMut(Entry<'_>) -> Result<(), ContextError>,
        summary: &mut ContextSummary,
    ) -> Result<(), ContextError> {
        let mut entries: Vec<(Vec<u8>, PathBuf)> = match fs::read_dir(dir) {
            Ok(read) => read
                .filter_map(Result::ok)
                .map(|e| (e.file_name().as_bytes().to_vec(), e.path()))
                .collect(),
            // Docker logs an unreadable folder and goes on; its header was already sent.
            Err(e) => {
                tracing::warn!("cannot list {}: {e}; sending it empty", dir.display());
                return Ok(());
            }
        };
        entries.sort();
        for (name, path) in entries {
            let name = String::from_utf8_lossy(&name);
            let rel = if rel_dir.is_empty() {
                name.into_owned()
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(metadata) = fs::symlink_metadata(&path) else {
                continue; // vanished while walking
            };
            let is_dir = metadata.is_dir();
            let (skip, info) = self.matcher.matches_using_parent_results(&rel, dir_info);
            if skip {
                summary.ignored += 1;
                if is_dir && self.walk_into_ignored(&rel) {
                    // Not sent itself: only the re-included entries below it are.
                    self.walk_dir(&path, &rel, &info, visit, summary)?;
                }
                continue;
            }
            if metadata.file_type().is_socket() {
                tracing::debug!("{rel}: sockets are not sent (Docker skips them too)");
                continue;
            }
            visit(Entry {
                path: &rel,
                source: &path,
                metadata: &metadata,
            })?;
            if is_dir {
                summary.folders += 1;
                self.walk_dir(&path, &rel, &info, visit, summary)?;
            } else if metadata.file_type().is_symlink() {
                summary.links += 1;
            } else {
                summary.files += 1;
                summary.bytes += metadata.len();
            }
        }
        Ok(())
    }

    /// Docker walks into an ignored folder only when the text of a `!` pattern starts with it.
    fn walk_into_ignored(&self, rel: &str) -> bool {
        if !self.matcher.exclusions() {
            return false;
        }
        let dir_slash = format!("{rel}/");
        self.matcher
            .exclusion_texts()
            .any(|p| format!("{p}/").starts_with(&dir_slash))
    }

    /// The relative paths that are sent, in order (folders end with `/`).
    pub fn list(&self) -> Result<(Vec<String>, ContextSummary), ContextError> {
        let mut paths = Vec::new();
        let summary = self.walk(|entry| {
            let mut p = entry.path.to_string();
            if entry.metadata.is_dir() {
                p.push('/');
            }
            paths.push(p);
            Ok(())
        })?;
        Ok((paths, summary))
    }

    /// Writes the context as an uncompressed tar to `out` (uid/gid 0, modes and mtimes kept,
    /// hard links as links, as the Docker CLI writes it).
    pub fn write_tar<W: Write>(&self, out: W) -> Result<ContextSummary, ContextError> {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Complete);
        builder.follow_symlinks(false);
        let mut seen_inodes: HashMap<u64, String> = HashMap::new();
        let summary = self.walk(|entry| append_entry(&mut builder, &entry, &mut seen_inodes))?;
        builder.finish().map_err(aborted)?;
        Ok(summary)
    }

    /// Streams the tar through a bounded channel: the walk runs on a blocking thread and the
    /// returned stream is what the request body reads. The handle gives the summary or the error.
    pub fn stream(
        &self,
    ) -> (
        impl futures_util::Stream<Item = Result<Bytes, io::Error>> + Send + 'static,
        tokio::task::JoinHandle<Result<ContextSummary, ContextError>>,
    ) {
        let (tx, rx) = mpsc::channel::<Result<Bytes, io::Error>>(DEPTH);
        let context = self.clone();
        let handle = tokio::task::spawn_blocking(move || {
            let mut writer = ChannelWriter {
                buf: Vec::with_capacity(CHUNK),
                tx: tx.clone(),
            };
            let result = context.write_tar(&mut writer).and_then(|summary| {
                writer.send_buffer().map_err(aborted)?;
                Ok(summary)
            });
            if let Err(e) = &result {
                // Abort the request body so the daemon does not build a truncated context.
                let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
            }
            result
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        (stream, handle)
    }
}

fn aborted(e: io::Error) -> ContextError {
    ContextError::Aborted(e.to_string())
}

fn append_entry<W: Write>(
    builder: &mut tar::Builder<W>,
    entry: &Entry<'_>,
    seen_inodes: &mut HashMap<u64, String>,
) -> Result<(), ContextError> {
    let meta = entry.metadata;
    let kind = meta.file_type();
    let mut header = tar::Header::new_gnu();
    header.set_mode(meta.mode() & 0o7777);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(meta.mtime().max(0) as u64);
    header.set_size(0);
    let unreadable = |source| ContextError::Unreadable {
        path: entry.source.to_path_buf(),
        source,
    };
    if kind.is_dir() {
        header.set_entry_type(tar::EntryType::Directory);
        return builder
            .append_data(&mut header, entry.path, io::empty())
            .map_err(aborted);
    }
    if kind.is_symlink() {
        let target = fs::read_link(entry.source).map_err(unreadable)?;
        header.set_entry_type(tar::EntryType::Symlink);
        return builder
            .append_link(&mut header, entry.path, target)
            .map_err(aborted);
    }
    if meta.nlink() > 1 {
        if let Some(first) = seen_inodes.get(&meta.ino()) {
            header.set_entry_type(tar::EntryType::Link);
            return builder
                .append_link(&mut header, entry.path, first)
                .map_err(aborted);
        }
        seen_inodes.insert(meta.ino(), entry.path.to_string());
    }
    if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
        header.set_entry_type(if kind.is_fifo() {
            tar::EntryType::Fifo
        } else if kind.is_char_device() {
            tar::EntryType::Char
        } else {
            tar::EntryType::Block
        });
        let rdev = meta.rdev();
        let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
        let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
        let _ = header.set_device_major(major as u32);
        let _ = header.set_device_minor(minor as u32);
        return builder
            .append_data(&mut header, entry.path, io::empty())
            .map_err(aborted);
    }
    header.set_entry_type(tar::EntryType::Regular);
    let file = File::open(entry.source).map_err(unreadable)?;
    let size = meta.len();
    header.set_size(size);
    let mut reader = ExactReader {
        inner: file.take(size),
        remaining: size,
        path: entry.source,
    };
    builder
        .append_data(&mut header, entry.path, &mut reader)
        .map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ContextError::Unreadable {
                path: entry.source.to_path_buf(),
                source: io::Error::other("the file shrank while it was being sent"),
            },
            _ => aborted(e),
        })
}

/// Reads exactly the size announced in the header, or fails.
struct ExactReader<'a, R> {
    inner: R,
    remaining: u64,
    path: &'a Path,
}

impl<R: Read> Read for ExactReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{} shrank while being sent", self.path.display()),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// A `Write` that hands fixed-size chunks to the async side, waiting while the channel is full.
struct ChannelWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl ChannelWriter {
    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the request body was closed"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buffer()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, content: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn context(files: &[(&str, &str)]) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, content) in files {
            write(dir.path(), rel, content);
        }
        let ctx = Context::new(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        (dir, ctx)
    }

    #[test]
    fn ignored_folders_with_reincluded_children_are_walked_but_not_sent() {
        let (_dir, ctx) = context(&[
            ("Dockerfile", "FROM scratch\n"),
            (".dockerignore", "build\n!build/keep/this.txt\n"),
            ("build/out.bin", "x"),
            ("build/keep/this.txt", "kept"),
            ("src/main.rs", "fn main() {}"),
        ]);
        let (paths, summary) = ctx.list().unwrap();
        assert_eq!(
            paths,
            vec![
                ".dockerignore",
                "Dockerfile",
                "build/keep/this.txt",
                "src/",
                "src/main.rs"
            ]
        );
        assert_eq!(summary.files, 4);
        assert_eq!(summary.folders, 1);
    }

    #[test]
    fn an_exclusion_that_does_not_start_with_the_folder_does_not_reopen_it() {
        // Docker's quirk: `!**/util.py` cannot reach into an ignored folder.
        let (_dir, ctx) = context(&[
            ("Dockerfile", "FROM scratch\n"),
            (".dockerignore", "lib\n!**/util.py\n"),
            ("lib/util.py", "x"),
            ("util.py", "y"),
        ]);
        let (paths, _) = ctx.list().unwrap();
        assert_eq!(paths, vec![".dockerignore", "Dockerfile", "util.py"]);
    }

    #[test]
    fn the_dockerfile_and_dockerignore_are_sent_even_when_ignored() {
        let (_dir, ctx) = context(&[
            ("Dockerfile", "FROM scratch\n"),
            (".dockerignore", "*\n"),
            ("other", "z"),
        ]);
        let (paths, summary) = ctx.list().unwrap();
        assert_eq!(paths, vec![".dockerignore", "Dockerfile"]);
        assert_eq!(summary.ignored, 1);
    }

    #[test]
    fn the_tar_holds_the_sent_entries_with_root_ownership() {
        let (_dir, ctx) = context(&[("Dockerfile", "FROM scratch\n"), ("a/b.txt", "hello")]);
        let mut out = Vec::new();
        let summary = ctx.write_tar(&mut out).unwrap();
        assert_eq!(summary.bytes, 5 + 13);
        let mut archive = tar::Archive::new(out.as_slice());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            assert_eq!(entry.header().uid().unwrap(), 0);
            seen.push(entry.path().unwrap().display().to_string());
        }
        assert_eq!(seen, vec!["Dockerfile", "a", "a/b.txt"]);
    }

    #[test]
    fn a_bad_pattern_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Dockerfile", "FROM scratch\n");
        write(dir.path(), ".dockerignore", "ok\n[unclosed\n");
        let err = Context::new(dir.path(), &dir.path().join("Dockerfile")).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(".dockerignore: pattern `[unclosed`"),
            "{text}"
        );
    }
}
