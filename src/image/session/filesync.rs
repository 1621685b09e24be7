//! The sending side of BuildKit's file sync (`moby.filesync.v1.FileSync/DiffCopy`, the fsutil
//! packet protocol the Docker CLI speaks): every entry's stat goes first, in the walk order the
//! daemon checks; the daemon compares them with its copy from the last build under the session's
//! shared key and asks only for the files that differ, which are then sent in chunks.

use std::collections::{BTreeSet, HashMap};
use std::fs::Metadata;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bollard_buildkit_proto::fsutil::types::packet::PacketType;
use bollard_buildkit_proto::fsutil::types::{Packet, Stat};
use bollard_buildkit_proto::moby::filesync::v1::file_sync_server::FileSync;
use futures_util::Stream;
use tokio::sync::mpsc;
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status, Streaming};

use crate::image::context::{Context, ContextSummary};
use crate::image::ignore::PatternMatcher;

/// How much of a file one data packet carries (far below gRPC's 4 MiB message limit).
const CHUNK: usize = 256 * 1024;
/// Packets queued for the daemon: bounds memory at about CHUNK * DEPTH.
const DEPTH: usize = 16;

/// Go's `os.FileMode` bits, which fsutil puts on the wire instead of the Unix mode.
mod go_mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const CHAR_DEVICE: u32 = 1 << 21;
    pub const STICKY: u32 = 1 << 20;
    /// Every type bit: an entry with none of them is a regular file, the only kind with data.
    pub const TYPE: u32 = DIR | SYMLINK | NAMED_PIPE | DEVICE | CHAR_DEVICE | (1 << 24) | (1 << 19);
}

/// A folder the session offers to the daemon under a name.
#[derive(Debug, Clone)]
pub enum SyncedDir {
    /// The build context, walked with `.dockerignore` exactly as the Docker CLI applies it.
    Context(Context),
    /// The Dockerfile's folder: the daemon names the files it wants.
    Folder(PathBuf),
}

/// What the context's file sync of one build sent.
#[derive(Debug, Default)]
pub struct SyncStats {
    /// Entries whose stat was sent (the whole context, every build).
    pub entries: AtomicU64,
    /// Files the daemon asked for (new or changed since its copy).
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    /// The context as the last full sync walked it.
    context: std::sync::Mutex<Option<ContextSummary>>,
}

impl SyncStats {
    pub fn context_summary(&self) -> Option<ContextSummary> {
        self.context.lock().ok().and_then(|c| c.clone())
    }
    pub fn files(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
    pub fn entries(&self) -> u64 {
        self.entries.load(Ordering::Relaxed)
    }
}

pub struct FileSyncService {
    dirs: Arc<HashMap<String, SyncedDir>>,
    stats: Arc<SyncStats>,
}

impl FileSyncService {
    pub fn new(dirs: HashMap<String, SyncedDir>, stats: Arc<SyncStats>) -> Self {
        FileSyncService {
            dirs: Arc::new(dirs),
            stats,
        }
    }
}

type PacketStream = Pin<Box<dyn Stream<Item = Result<Packet, Status>> + Send>>;

#[tonic::async_trait]
impl FileSync for FileSyncService {
    type DiffCopyStream = PacketStream;
    type TarStreamStream = PacketStream;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        let options = SyncOptions::from_metadata(request.metadata());
        let dir = self.dirs.get(&options.dir_name).cloned().ok_or_else(|| {
            Status::invalid_argument(format!("no access allowed to dir {:?}", options.dir_name))
        })?;
        let selection = Selection::new(&options)?;
        let incoming = request.into_inner();
        let (tx, rx) = mpsc::channel(DEPTH);
        let stats = self.stats.clone();
        tokio::spawn(async move {
            if let Err(status) = send(dir, selection, incoming, tx.clone(), stats).await {
                tracing::debug!("file sync of {:?} failed: {status}", options.dir_name);
                let _ = tx.send(Err(status)).await;
            }
        });
        Ok(Response::new(Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        ))))
    }

    async fn tar_stream(
        &self,
        _request: Request<Streaming<Packet>>,
    ) -> Result<Response<PacketStream>, Status> {
        Err(Status::unimplemented(
            "tar streams are not offered: use DiffCopy",
        ))
    }
}

/// What the daemon asks of one sync, from the call's metadata (as BuildKit's filesync reads it).
#[derive(Debug, Default)]
struct SyncOptions {
    dir_name: String,
    include_patterns: Vec<String>,
    exclude_patterns: Vec<String>,
    follow_paths: Vec<String>,
}

impl SyncOptions {
    fn from_metadata(metadata: &MetadataMap) -> SyncOptions {
        let values = |key: &str| -> Vec<String> {
            let encoded = metadata
                .get(format!("{key}-encoded"))
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| matches!(v, "1" | "true" | "t" | "TRUE" | "True"));
            metadata
                .get_all(key)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(|v| {
                    if encoded {
                        query_unescape(v)
                    } else {
                        v.to_string()
                    }
                })
                .collect()
        };
        SyncOptions {
            dir_name: values("dir-name").into_iter().next().unwrap_or_default(),
            include_patterns: values("include-patterns"),
            exclude_patterns: values("exclude-patterns"),
            follow_paths: values("followpaths"),
        }
    }
}

/// Go's `url.QueryUnescape`, which BuildKit uses for `*-encoded` metadata.
fn query_unescape(value: &str) -> String {
    let bytes = value.replace('+', " ");
    let bytes = bytes.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(&String::from_utf8_lossy(hex), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which entries of a folder one sync sends.
struct Selection {
    follow: Vec<String>,
    include: Option<PatternMatcher>,
    /// The daemon's excludes; the context's own `.dockerignore` is applied by its walk instead,
    /// as the Docker CLI's excludes take precedence.
    exclude: Option<PatternMatcher>,
}

impl Selection {
    fn new(options: &SyncOptions) -> Result<Selection, Status> {
        let matcher = |patterns: &[String], what: &str| -> Result<Option<PatternMatcher>, Status> {
            if patterns.is_empty() {
                return Ok(None);
            }
            PatternMatcher::new(patterns).map(Some).map_err(|e| {
                Status::invalid_argument(format!("{what} pattern {:?}: {}", e.pattern, e.reason))
            })
        };
        Ok(Selection {
            follow: options
                .follow_paths
                .iter()
                .map(|p| crate::image::ignore::clean(p.trim_start_matches('/')))
                .collect(),
            include: matcher(&options.include_patterns, "include")?,
            exclude: matcher(&options.exclude_patterns, "exclude")?,
        })
    }
}

/// One entry to announce, and where its data is when it is a regular file.
struct Listed {
    stat: Stat,
    source: Option<PathBuf>,
}

async fn send(
    dir: SyncedDir,
    selection: Selection,
    mut incoming: Streaming<Packet>,
    tx: mpsc::Sender<Result<Packet, Status>>,
    stats: Arc<SyncStats>,
) -> Result<(), Status> {
    // Only the context's syncs count as what a build sent: the Dockerfile comes in a sync of its
    // own, which newer frontends repeat on every build.
    let counted = matches!(dir, SyncedDir::Context(_));
    let stats = if counted {
        stats
    } else {
        Arc::new(SyncStats::default())
    };
    let walked = stats.clone();
    let listed = tokio::task::spawn_blocking(move || list(&dir, &selection, &walked))
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| Status::internal(format!("cannot read the build context: {e}")))?;
    let mut sources: Vec<Option<PathBuf>> = Vec::with_capacity(listed.len());
    let mut stat_packets = Vec::with_capacity(listed.len());
    for entry in listed {
        sources.push(entry.source);
        stat_packets.push(entry.stat);
    }
    stats
        .entries
        .fetch_add(stat_packets.len() as u64, Ordering::Relaxed);
    // The stats go out while requests come in: the daemon asks for files as it compares, and
    // would stop reading stats if its requests went unread.
    let stat_tx = tx.clone();
    let announcing = tokio::spawn(async move {
        for stat in stat_packets {
            let packet = Packet {
                r#type: PacketType::PacketStat as i32,
                stat: Some(stat),
                ..Default::default()
            };
            if stat_tx.send(Ok(packet)).await.is_err() {
                return;
            }
        }
        let _ = stat_tx
            .send(Ok(Packet {
                r#type: PacketType::PacketStat as i32,
                ..Default::default()
            }))
            .await;
    });
    // Unbounded, so taking a request never blocks the runtime: every entry is queued at most once.
    let (file_tx, file_rx) = mpsc::unbounded_channel::<(u32, PathBuf)>();
    let data_tx = tx.clone();
    let data_stats = stats.clone();
    let sending = tokio::task::spawn_blocking(move || send_files(file_rx, &data_tx, &data_stats));
    let outcome = loop {
        let packet = match incoming.message().await {
            Ok(Some(packet)) => packet,
            Ok(None) => break Err(Status::aborted("the daemon ended the file sync early")),
            Err(status) => break Err(status),
        };
        match PacketType::try_from(packet.r#type) {
            Ok(PacketType::PacketReq) => {
                let Some(Some(path)) = sources.get_mut(packet.id as usize).map(Option::take) else {
                    break Err(Status::invalid_argument(format!(
                        "invalid file id {}",
                        packet.id
                    )));
                };
                if file_tx.send((packet.id, path)).is_err() {
                    break Err(Status::aborted("the file sender stopped"));
                }
            }
            Ok(PacketType::PacketFin) => break Ok(()),
            Ok(PacketType::PacketErr) => {
                break Err(Status::aborted(format!(
                    "error from the daemon: {}",
                    String::from_utf8_lossy(&packet.data)
                )));
            }
            _ => {}
        }
    };
    drop(file_tx);
    let sent = sending.await.map_err(|e| Status::internal(e.to_string()))?;
    announcing.abort();
    outcome?;
    sent?;
    tx.send(Ok(Packet {
        r#type: PacketType::PacketFin as i32,
        ..Default::default()
    }))
    .await
    .map_err(|_| Status::aborted("the daemon closed the file sync"))
}

/// Sends each requested file as data packets and an empty one that ends it.
fn send_files(
    mut requests: mpsc::UnboundedReceiver<(u32, PathBuf)>,
    tx: &mpsc::Sender<Result<Packet, Status>>,
    stats: &SyncStats,
) -> Result<(), Status> {
    let closed = || Status::aborted("the daemon closed the file sync");
    let data = |id: u32, data: Vec<u8>| Packet {
        r#type: PacketType::PacketData as i32,
        id,
        data,
        ..Default::default()
    };
    while let Some((id, path)) = requests.blocking_recv() {
        // A file that vanished since its stat is sent empty, as fsutil does.
        if let Ok(mut file) = std::fs::File::open(&path) {
            loop {
                let mut buf = vec![0u8; CHUNK];
                let n = read_full(&mut file, &mut buf).map_err(|e| {
                    Status::internal(format!("cannot read {}: {e}", path.display()))
                })?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
                tx.blocking_send(Ok(data(id, buf))).map_err(|_| closed())?;
                if n < CHUNK {
                    break;
                }
            }
        }
        stats.files.fetch_add(1, Ordering::Relaxed);
        tx.blocking_send(Ok(data(id, Vec::new())))
            .map_err(|_| closed())?;
    }
    Ok(())
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The entries one sync announces, in the order fsutil's receiver validates: names sorted
/// byte-wise within a folder, each folder right before its contents.
fn list(dir: &SyncedDir, selection: &Selection, stats: &SyncStats) -> io::Result<Vec<Listed>> {
    let root = match dir {
        SyncedDir::Context(context) => context.root.clone(),
        SyncedDir::Folder(path) => path.clone(),
    };
    if !selection.follow.is_empty() {
        return list_followed(&root, &selection.follow);
    }
    let mut all: Vec<(String, PathBuf, Metadata)> = Vec::new();
    match dir {
        SyncedDir::Context(context) => {
            let summary = context
                .walk(|entry| {
                    all.push((
                        entry.path.to_string(),
                        entry.source.to_path_buf(),
                        entry.metadata.clone(),
                    ));
                    Ok(())
                })
                .map_err(|e| io::Error::other(e.to_string()))?;
            if let Ok(mut walked) = stats.context.lock() {
                *walked = Some(summary);
            }
        }
        SyncedDir::Folder(path) => walk_folder(path, "", &mut all)?,
    }
    let keep: Option<BTreeSet<String>> = match (&selection.include, &selection.exclude) {
        (None, None) => None,
        (include, exclude) => {
            let mut keep = BTreeSet::new();
            for (path, _, _) in &all {
                let included = include
                    .as_ref()
                    .is_none_or(|m| m.matches_or_parent_matches(path));
                let excluded = exclude
                    .as_ref()
                    .is_some_and(|m| m.matches_or_parent_matches(path));
                if included && !excluded {
                    keep.extend(ancestors(path));
                    keep.insert(path.clone());
                }
            }
            Some(keep)
        }
    };
    let kept = all
        .into_iter()
        .filter(|(path, _, _)| keep.as_ref().is_none_or(|k| k.contains(path)));
    complete(&root, kept)
}

/// The stats of `entries` (in walk order) with what the receiver needs besides: every folder
/// before its contents (a folder that `.dockerignore` leaves out still precedes the entries a `!`
/// pattern brings back, as fsutil's walker sends it), and a hard link's later names as links to
/// the first, so the image keeps them linked.
fn complete(
    root: &Path,
    entries: impl Iterator<Item = (String, PathBuf, Metadata)>,
) -> io::Result<Vec<Listed>> {
    let mut out: Vec<Listed> = Vec::new();
    let mut present: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut first_names: HashMap<(u64, u64), String> = HashMap::new();
    for (path, source, metadata) in entries {
        for parent in ancestors(&path) {
            if present.insert(parent.clone()) {
                let folder = root.join(&parent);
                out.push(listed(
                    &parent,
                    &folder,
                    &std::fs::symlink_metadata(&folder)?,
                )?);
            }
        }
        present.insert(path.clone());
        let mut entry = listed(&path, &source, &metadata)?;
        if metadata.is_file() && metadata.nlink() > 1 {
            match first_names.entry((metadata.dev(), metadata.ino())) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    entry.stat.linkname = first.get().clone();
                    entry.stat.size = 0;
                    entry.source = None;
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(path.clone());
                }
            }
        }
        out.push(entry);
    }
    Ok(out)
}

/// Only the named paths (and their folders), following a named symlink to its target as
/// BuildKit's `followpaths` asks: how the Dockerfile and `.dockerignore` are fetched.
fn list_followed(root: &Path, follow: &[String]) -> io::Result<Vec<Listed>> {
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = follow.to_vec();
    let mut hops = 0;
    while let Some(path) = queue.pop() {
        if path.is_empty() || path == "." || path.starts_with("..") || !wanted.insert(path.clone())
        {
            continue;
        }
        wanted.extend(ancestors(&path));
        let source = root.join(&path);
        if let Ok(target) = std::fs::read_link(&source)
            && hops < 40
        {
            hops += 1;
            let joined = match target.is_absolute() {
                true => target.to_string_lossy().trim_start_matches('/').to_string(),
                false => match path.rsplit_once('/') {
                    Some((parent, _)) => format!("{parent}/{}", target.to_string_lossy()),
                    None => target.to_string_lossy().into_owned(),
                },
            };
            queue.push(crate::image::ignore::clean(&joined));
        }
    }
    let mut paths: Vec<String> = wanted.into_iter().collect();
    paths.sort_by(|a, b| walk_order(a, b));
    // A followed path that does not exist is not an error: the frontend asks for optional files
    // such as `Dockerfile.dockerignore`.
    let found = paths.into_iter().filter_map(|path| {
        let source = root.join(&path);
        let metadata = std::fs::symlink_metadata(&source).ok()?;
        Some((path, source, metadata))
    });
    complete(root, found)
}

/// fsutil's `ComparePath`: byte order, with `/` before every other byte.
fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    let key = |s: &str| {
        s.bytes()
            .map(|c| if c == b'/' { 0 } else { c })
            .collect::<Vec<u8>>()
    };
    key(a).cmp(&key(b))
}

fn ancestors(path: &str) -> impl Iterator<Item = String> + '_ {
    path.match_indices('/').map(|(i, _)| path[..i].to_string())
}

fn walk_folder(
    dir: &Path,
    rel: &str,
    out: &mut Vec<(String, PathBuf, Metadata)>,
) -> io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        let name = name.to_string_lossy();
        let path = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let source = dir.join(name.as_ref());
        let Ok(metadata) = std::fs::symlink_metadata(&source) else {
            continue;
        };
        let is_dir = metadata.is_dir();
        out.push((path.clone(), source.clone(), metadata));
        if is_dir {
            walk_folder(&source, &path, out)?;
        }
    }
    Ok(())
}

/// fsutil's stat of one entry, owned by root as the Docker CLI sends it.
fn listed(path: &str, source: &Path, metadata: &Metadata) -> io::Result<Listed> {
    let kind = metadata.file_type();
    let mut mode = metadata.permissions().mode() & 0o777;
    let raw = metadata.mode();
    if raw & 0o4000 != 0 {
        mode |= go_mode::SETUID;
    }
    if raw & 0o2000 != 0 {
        mode |= go_mode::SETGID;
    }
    if raw & 0o1000 != 0 {
        mode |= go_mode::STICKY;
    }
    let mut stat = Stat {
        path: path.to_string(),
        mod_time: metadata.mtime() * 1_000_000_000 + metadata.mtime_nsec(),
        ..Default::default()
    };
    if kind.is_dir() {
        mode |= go_mode::DIR;
    } else {
        stat.size = metadata.len() as i64;
        if kind.is_symlink() {
            mode |= go_mode::SYMLINK;
            stat.linkname = std::fs::read_link(source)?.to_string_lossy().into_owned();
        } else if kind.is_fifo() {
            mode |= go_mode::NAMED_PIPE;
        } else if kind.is_block_device() || kind.is_char_device() {
            mode |= go_mode::DEVICE;
            if kind.is_char_device() {
                mode |= go_mode::CHAR_DEVICE;
            }
            let rdev = metadata.rdev();
            stat.devmajor = ((rdev >> 8) & 0xfff) as i64;
            stat.devminor = ((rdev & 0xff) | ((rdev >> 12) & 0xfff00)) as i64;
        }
    }
    stat.mode = mode;
    let source = (mode & go_mode::TYPE == 0).then(|| source.to_path_buf());
    Ok(Listed { stat, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, content).unwrap();
        }
        dir
    }

    fn paths(listed: &[Listed]) -> Vec<&str> {
        listed.iter().map(|l| l.stat.path.as_str()).collect()
    }

    fn selection(follow: &[&str], include: &[&str], exclude: &[&str]) -> Selection {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Selection::new(&SyncOptions {
            dir_name: "context".into(),
            follow_paths: owned(follow),
            include_patterns: owned(include),
            exclude_patterns: owned(exclude),
        })
        .unwrap()
    }

    #[test]
    fn entries_go_in_the_order_the_receiver_validates() {
        // `a/b` before `a.b`: fsutil sorts `/` before every other byte.
        let dir = folder(&[("a.b", "1"), ("a/b", "2"), ("a-c/d", "3"), ("z", "4")]);
        let listed = list(
            &SyncedDir::Folder(dir.path().into()),
            &selection(&[], &[], &[]),
            &SyncStats::default(),
        )
        .unwrap();
        assert_eq!(paths(&listed), ["a", "a/b", "a-c", "a-c/d", "a.b", "z"]);
        assert_eq!(walk_order("a/b", "a.b"), std::cmp::Ordering::Less);
        assert_eq!(walk_order("a-c", "a/b"), std::cmp::Ordering::Greater);
    }

    #[test]
    fn stats_carry_go_file_modes_and_nanosecond_times() {
        let dir = folder(&[("bin/run", "#!/bin/sh\n")]);
        let run = dir.path().join("bin/run");
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("run", dir.path().join("bin/link")).unwrap();
        let listed = list(
            &SyncedDir::Folder(dir.path().into()),
            &selection(&[], &[], &[]),
            &SyncStats::default(),
        )
        .unwrap();
        let by_path: HashMap<&str, &Listed> =
            listed.iter().map(|l| (l.stat.path.as_str(), l)).collect();
        assert_eq!(by_path["bin"].stat.mode, go_mode::DIR | 0o755);
        assert_eq!(by_path["bin/run"].stat.mode, 0o755);
        assert_eq!(by_path["bin/run"].stat.size, 10);
        assert!(by_path["bin/run"].source.is_some(), "a file has data");
        assert_eq!(
            by_path["bin/link"].stat.mode & go_mode::SYMLINK,
            go_mode::SYMLINK
        );
        assert_eq!(by_path["bin/link"].stat.linkname, "run");
        assert!(by_path["bin/link"].source.is_none(), "a link has none");
        let meta = std::fs::metadata(&run).unwrap();
        assert_eq!(
            by_path["bin/run"].stat.mod_time,
            meta.mtime() * 1_000_000_000 + meta.mtime_nsec()
        );
        assert_eq!(
            (by_path["bin/run"].stat.uid, by_path["bin/run"].stat.gid),
            (0, 0)
        );
    }

    #[test]
    fn follow_paths_send_only_those_and_their_folders_and_link_targets() {
        let dir = folder(&[
            ("docker/Dockerfile.real", "FROM scratch\n"),
            ("docker/other", "x"),
            ("src/main.rs", "fn main() {}"),
        ]);
        std::os::unix::fs::symlink("Dockerfile.real", dir.path().join("docker/Dockerfile"))
            .unwrap();
        let listed = list(
            &SyncedDir::Folder(dir.path().into()),
            &selection(
                &["docker/Dockerfile", "docker/Dockerfile.dockerignore"],
                &[],
                &[],
            ),
            &SyncStats::default(),
        )
        .unwrap();
        assert_eq!(
            paths(&listed),
            ["docker", "docker/Dockerfile", "docker/Dockerfile.real"]
        );
    }

    #[test]
    fn include_and_exclude_patterns_keep_the_folders_of_what_they_keep() {
        let dir = folder(&[("app/a.txt", "a"), ("app/b.log", "b"), ("lib/c.txt", "c")]);
        let listed = list(
            &SyncedDir::Folder(dir.path().into()),
            &selection(&[], &["app"], &["**/*.log"]),
            &SyncStats::default(),
        )
        .unwrap();
        assert_eq!(paths(&listed), ["app", "app/a.txt"]);
    }

    #[test]
    fn the_context_keeps_its_dockerignore() {
        let dir = folder(&[
            (".dockerignore", "*.secret\n"),
            ("Dockerfile", "FROM scratch\n"),
            ("key.secret", "s"),
            ("main.rs", "m"),
        ]);
        let context = Context::new(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        let listed = list(
            &SyncedDir::Context(context.session_view()),
            &selection(&[], &[], &[]),
            &SyncStats::default(),
        )
        .unwrap();
        assert_eq!(paths(&listed), [".dockerignore", "Dockerfile", "main.rs"]);
    }

    #[test]
    fn a_folder_left_out_still_precedes_what_is_brought_back_and_hard_links_stay_links() {
        let dir = folder(&[
            (".dockerignore", "**\n!docs/**\n"),
            ("Dockerfile", "FROM scratch\n"),
            ("docs/img/logo.png", "png"),
            ("docs/index.md", "docs"),
            ("src/a", "a"),
        ]);
        std::fs::hard_link(
            dir.path().join("docs/index.md"),
            dir.path().join("docs/same.md"),
        )
        .unwrap();
        let context = Context::new(dir.path(), &dir.path().join("Dockerfile")).unwrap();
        let listed = list(
            &SyncedDir::Context(context.session_view()),
            &selection(&[], &[], &[]),
            &SyncStats::default(),
        )
        .unwrap();
        assert_eq!(
            paths(&listed),
            [
                "docs",
                "docs/img",
                "docs/img/logo.png",
                "docs/index.md",
                "docs/same.md"
            ]
        );
        let same = listed
            .iter()
            .find(|l| l.stat.path == "docs/same.md")
            .unwrap();
        assert_eq!(
            (same.stat.linkname.as_str(), same.stat.size),
            ("docs/index.md", 0)
        );
        assert!(
            same.source.is_none(),
            "a second name of a file carries no data"
        );
    }

    #[test]
    fn encoded_metadata_is_unescaped() {
        assert_eq!(query_unescape("a%2Fb+c%zz"), "a/b c%zz");
    }
}
