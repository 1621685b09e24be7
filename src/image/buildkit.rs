//! Builds through the daemon's own BuildKit (the Engine API's `version=2`, with a session), and
//! what goes with it: which builder a build gets (BuildKit unless `DOCKER_BUILDKIT=0`, a Windows
//! daemon, or a `.dockerignore` that excludes the Dockerfile or itself — the engine's BuildKit
//! would copy those into the image, where the Docker CLI leaves them out), what of a Dockerfile
//! needs BuildKit (refused before anything is sent when the legacy builder is all there is), and
//! BuildKit's vertex status as one line per step.

use std::collections::{BTreeMap, HashMap, HashSet};

use bollard::moby::buildkit::v1::StatusResponse;
use bollard_buildkit_proto::google::protobuf::Timestamp;

use super::dockerfile;

/// The builder a build runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builder {
    /// The daemon's BuildKit. `network_none`: the daemon has no bridge network, so RUN steps get
    /// no network (BuildKit's default would fail to start them).
    BuildKit { network_none: bool },
    /// The legacy builder, and why (shown once as a warning).
    Legacy { why: String },
}

/// What the daemon says of itself that decides the builder.
#[derive(Debug, Clone, Default)]
pub struct DaemonFacts {
    /// `linux` or `windows`.
    pub os_type: String,
    pub has_bridge: bool,
}

/// Reads the daemon's OS and whether it has the default bridge network.
pub async fn daemon_facts(docker: &bollard::Docker) -> DaemonFacts {
    let os_type = docker
        .info()
        .await
        .ok()
        .and_then(|i| i.os_type)
        .unwrap_or_else(|| "linux".into());
    let has_bridge = docker
        .inspect_network(
            "bridge",
            None::<bollard::query_parameters::InspectNetworkOptions>,
        )
        .await
        .is_ok();
    DaemonFacts {
        os_type,
        has_bridge,
    }
}

/// The builder for a build: `docker_buildkit` is the DOCKER_BUILDKIT variable, as the Docker CLI
/// reads it; `ignores_build_files` says the context's .dockerignore excludes the Dockerfile or
/// itself.
pub fn choose(
    docker_buildkit: Option<&str>,
    daemon: &DaemonFacts,
    ignores_build_files: bool,
) -> Builder {
    let off = docker_buildkit
        .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "0" | "false"))
        .unwrap_or(false);
    if off {
        return Builder::Legacy {
            why: "DOCKER_BUILDKIT=0".into(),
        };
    }
    if daemon.os_type.eq_ignore_ascii_case("windows") {
        return Builder::Legacy {
            why: "the daemon runs Windows containers, which BuildKit does not build".into(),
        };
    }
    if ignores_build_files {
        return Builder::Legacy {
            why: ".dockerignore excludes the Dockerfile or itself, which the daemon's BuildKit would copy into the image".into(),
        };
    }
    Builder::BuildKit {
        network_none: !daemon.has_bridge,
    }
}

/// Whether the engine's answer says it cannot run a BuildKit build at all (then the legacy
/// builder takes over).
pub fn refused_buildkit(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    (m.contains("buildkit") || m.contains("session"))
        && (m.contains("not supported") || m.contains("not enabled") || m.contains("unknown"))
}

/// A Dockerfile feature the legacy builder does not have, and its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildKitFeature {
    pub line: usize,
    pub feature: String,
}

/// The first thing in `source` only BuildKit builds: a `# syntax=` directive, `RUN --mount`,
/// `COPY`/`ADD --chmod` or `--link`, a heredoc.
pub fn needs_buildkit(source: &str) -> Option<BuildKitFeature> {
    let found = |line: usize, feature: &str| {
        Some(BuildKitFeature {
            line,
            feature: feature.to_string(),
        })
    };
    for (i, line) in source.lines().enumerate() {
        let Some(body) = line.trim_start().strip_prefix('#') else {
            break;
        };
        match body.split_once('=') {
            Some((key, _)) if key.trim().eq_ignore_ascii_case("syntax") => {
                return found(i + 1, "the `# syntax=` directive");
            }
            Some(_) => {}
            None => break,
        }
    }
    for instruction in dockerfile::instructions(source) {
        let mut words = instruction.text.split_whitespace();
        let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
        let flags: Vec<&str> = words.take_while(|w| w.starts_with("--")).collect();
        let has = |flag: &str| flags.iter().any(|f| f.starts_with(flag));
        match keyword.as_str() {
            "RUN" if has("--mount") => return found(instruction.line, "RUN --mount"),
            "COPY" | "ADD" if has("--chmod") => {
                return found(instruction.line, &format!("{keyword} --chmod"));
            }
            "COPY" | "ADD" if has("--link") => {
                return found(instruction.line, &format!("{keyword} --link"));
            }
            "RUN" | "COPY" | "ADD" if has_heredoc(&instruction.text) => {
                return found(instruction.line, "a heredoc (<<EOF)");
            }
            _ => {}
        }
    }
    None
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"` outside a shell's `<<<`.
fn has_heredoc(text: &str) -> bool {
    text.match_indices("<<").any(|(i, _)| {
        let rest = &text[i + 2..];
        let before = text[..i].chars().last();
        before != Some('<')
            && !rest.starts_with('<')
            && rest
                .trim_start_matches('-')
                .trim_start_matches(['"', '\''])
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    })
}

/// BuildKit's vertices as the Docker CLI's plain progress shows them: `#3 [2/4] RUN make` when a
/// step starts, its log lines, its transfers (`#4 transferring context: 478.5 MiB 5.0s`, every
/// 5 s and when done), `#3 DONE 1.2s`, `#3 CACHED` or `#3 ERROR: …` when it ends.
#[derive(Debug, Default)]
pub struct Steps {
    /// Vertex digest → (number, name), in the order seen.
    known: BTreeMap<String, (usize, String)>,
    announced: HashSet<String>,
    ended: HashSet<String>,
    /// When each vertex first started: a vertex can end and start again (loading the context
    /// ends at once, then starts again for the transfer), and its time counts from the first.
    first_started: HashMap<String, Timestamp>,
    /// Vertices that ended in the last message: their DONE waits for the next one, which may
    /// start them again (as the Docker CLI, which shows a vertex's latest state, never shows the
    /// context loaded in 0.0s before its transfer).
    pending: Vec<(String, String)>,
    /// Status id → when its progress was last shown.
    shown_status: HashMap<String, Timestamp>,
    /// The name of the vertex that failed, when one did.
    pub failed: Option<String>,
}

/// How often a transfer that is still going gets a line.
const STATUS_EVERY_SECS: f64 = 5.0;

fn seconds_between(from: &Timestamp, to: &Timestamp) -> f64 {
    ((to.seconds - from.seconds) as f64 + f64::from(to.nanos - from.nanos) / 1e9).max(0.0)
}

impl Steps {
    fn number(&mut self, digest: &str, name: &str) -> usize {
        let next = self.known.len() + 1;
        let entry = self
            .known
            .entry(digest.to_string())
            .or_insert_with(|| (next, name.to_string()));
        if entry.1.is_empty() && !name.is_empty() {
            entry.1 = name.to_string();
        }
        entry.0
    }

    /// The lines one status message adds: the last message's ends (unless this one starts them
    /// again), steps that start, their transfers and logs, then steps that end.
    pub fn lines(&mut self, status: &StatusResponse) -> Vec<String> {
        let restarted: HashSet<&str> = status
            .vertexes
            .iter()
            .filter(|v| v.started.is_some() && v.completed.is_none())
            .map(|v| v.digest.as_str())
            .collect();
        let mut out = Vec::new();
        for (digest, line) in std::mem::take(&mut self.pending) {
            if restarted.contains(digest.as_str()) {
                self.ended.remove(&digest);
            } else {
                out.push(line);
            }
        }
        for v in &status.vertexes {
            let n = self.number(&v.digest, &v.name);
            if let Some(started) = &v.started {
                self.first_started
                    .entry(v.digest.clone())
                    .or_insert_with(|| *started);
            }
            let starts = v.started.is_some() || v.cached || v.completed.is_some();
            if starts && self.announced.insert(v.digest.clone()) {
                out.push(format!("#{n} {}", v.name));
            }
        }
        for s in &status.statuses {
            let Some(started) = &s.started else { continue };
            let now = s
                .completed
                .as_ref()
                .or(s.timestamp.as_ref())
                .unwrap_or(started);
            let last = self.shown_status.get(&s.id).unwrap_or(started);
            let done = s.completed.is_some();
            if !done && seconds_between(last, now) < STATUS_EVERY_SECS {
                continue;
            }
            if done && self.shown_status.get(&s.id) == Some(now) {
                continue;
            }
            self.shown_status.insert(s.id.clone(), *now);
            let n = self.number(&s.vertex, "");
            let size = if s.current > 0 {
                format!(" {}", super::release::human_bytes(s.current as u64))
            } else {
                String::new()
            };
            let secs = seconds_between(started, now);
            let id = s.id.trim_end();
            out.push(if done {
                format!("#{n} {id}{size} {secs:.1}s done")
            } else {
                format!("#{n} {id}{size} {secs:.1}s")
            });
        }
        for log in &status.logs {
            let n = self.number(&log.vertex, "");
            for line in String::from_utf8_lossy(&log.msg).lines() {
                if !line.trim().is_empty() {
                    out.push(format!("#{n} {}", line.trim_end()));
                }
            }
        }
        for v in &status.vertexes {
            let Some(done) = &v.completed else { continue };
            if !self.ended.insert(v.digest.clone()) {
                continue;
            }
            let n = self.number(&v.digest, &v.name);
            if !v.error.is_empty() {
                out.push(format!("#{n} ERROR: {}", v.error));
                self.failed.get_or_insert_with(|| v.name.clone());
            } else if v.cached {
                out.push(format!("#{n} CACHED"));
            } else {
                let started = self.first_started.get(&v.digest).unwrap_or(done);
                let secs = seconds_between(started, done);
                self.pending
                    .push((v.digest.clone(), format!("#{n} DONE {secs:.1}s")));
            }
        }
        for warning in &status.warnings {
            out.push(format!(
                "WARNING: {}",
                String::from_utf8_lossy(&warning.short).trim()
            ));
        }
        out
    }

    /// The ends still held back when the build's output is over.
    pub fn finish(&mut self) -> Vec<String> {
        std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(_, line)| line)
            .collect()
    }
}

/// The Dockerfile instruction a vertex name stands for: `[build 2/4] RUN make` → `RUN make`.
pub fn vertex_instruction(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('[')?;
    let (_, instruction) = rest.split_once("] ")?;
    Some(instruction.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog, VertexStatus};

    fn facts(os: &str, bridge: bool) -> DaemonFacts {
        DaemonFacts {
            os_type: os.into(),
            has_bridge: bridge,
        }
    }

    #[test]
    fn buildkit_unless_something_rules_it_out() {
        assert_eq!(
            choose(None, &facts("linux", true), false),
            Builder::BuildKit {
                network_none: false
            }
        );
        assert_eq!(
            choose(Some("1"), &facts("linux", false), false),
            Builder::BuildKit { network_none: true }
        );
        for (env, daemon, ignores, why) in [
            (Some("0"), facts("linux", true), false, "DOCKER_BUILDKIT=0"),
            (
                Some("false"),
                facts("linux", true),
                false,
                "DOCKER_BUILDKIT=0",
            ),
            (None, facts("windows", true), false, "Windows"),
            (None, facts("linux", true), true, ".dockerignore"),
        ] {
            match choose(env, &daemon, ignores) {
                Builder::Legacy { why: said } => assert!(said.contains(why), "{said}"),
                other => panic!("{other:?} for {why}"),
            }
        }
    }

    #[test]
    fn what_needs_buildkit_is_found_at_its_line() {
        let cases = [
            ("# syntax=docker/dockerfile:1\nFROM alpine\n", 1, "syntax"),
            (
                "FROM rust\nRUN --mount=type=cache,target=/usr/local/cargo/registry cargo build\n",
                2,
                "RUN --mount",
            ),
            (
                "FROM alpine\n\nCOPY --chmod=750 run.sh /\n",
                3,
                "COPY --chmod",
            ),
            ("FROM alpine\nADD --link a /a\n", 2, "ADD --link"),
            ("FROM alpine\nRUN <<EOF\necho hi\nEOF\n", 2, "heredoc"),
        ];
        for (source, line, feature) in cases {
            let found = needs_buildkit(source).unwrap_or_else(|| panic!("{source}"));
            assert_eq!(found.line, line, "{source}");
            assert!(found.feature.contains(feature), "{found:?}");
        }
        for fine in [
            "FROM alpine\nRUN echo hi > /x && cat <<< hello\n",
            "FROM alpine AS build\nCOPY --from=build --chown=1:1 /a /b\n",
            "# escape=`\nFROM alpine\n",
        ] {
            assert_eq!(needs_buildkit(fine), None, "{fine}");
        }
    }

    /// A vertex that started at `start` seconds and, when given, ended at `end` (seconds, nanos).
    fn vertex(digest: &str, name: &str, start: i64, end: Option<(i64, i32)>) -> Vertex {
        let mut v = Vertex {
            digest: digest.into(),
            name: name.into(),
            ..Default::default()
        };
        v.started = Some(Default::default());
        v.started.as_mut().unwrap().seconds = start;
        if let Some((seconds, nanos)) = end {
            v.completed = Some(Default::default());
            let done = v.completed.as_mut().unwrap();
            done.seconds = seconds;
            done.nanos = nanos;
        }
        v
    }

    #[test]
    fn vertices_become_one_line_per_start_and_end() {
        let mut steps = Steps::default();
        let mut status = StatusResponse::default();
        let mut from = vertex("sha256:a", "[1/2] FROM alpine", 10, Some((10, 0)));
        from.cached = true;
        status.vertexes.push(from);
        status
            .vertexes
            .push(vertex("sha256:b", "[2/2] RUN make", 10, None));
        assert_eq!(
            steps.lines(&status),
            ["#1 [1/2] FROM alpine", "#2 [2/2] RUN make", "#1 CACHED"]
        );
        let mut later = StatusResponse::default();
        later.logs.push(VertexLog {
            vertex: "sha256:b".into(),
            msg: b"compiling\nlinking\n".to_vec(),
            ..Default::default()
        });
        later.vertexes.push(vertex(
            "sha256:b",
            "[2/2] RUN make",
            10,
            Some((11, 300_000_000)),
        ));
        assert_eq!(steps.lines(&later), ["#2 compiling", "#2 linking"]);
        later.logs.clear();
        assert_eq!(
            steps.lines(&later),
            ["#2 DONE 1.3s"],
            "an end shows with the next message"
        );
        assert!(steps.lines(&later).is_empty(), "nothing new is repeated");
        assert!(steps.finish().is_empty());
        assert_eq!(vertex_instruction("[build 2/4] RUN make"), Some("RUN make"));
    }

    fn at(seconds: i64) -> Option<Timestamp> {
        Some(Timestamp { seconds, nanos: 0 })
    }

    #[test]
    fn a_vertex_that_ends_and_starts_again_shows_one_end_timed_from_its_first_start_and_its_transfer()
     {
        let context = "[internal] load build context";
        let transfer = |current: i64, now: i64, done: bool| VertexStatus {
            id: "transferring context:".into(),
            vertex: "sha256:c".into(),
            current,
            started: at(21),
            timestamp: at(now),
            completed: if done { at(now) } else { None },
            ..Default::default()
        };
        let message = |vertexes: Vec<Vertex>, statuses: Vec<VertexStatus>| StatusResponse {
            vertexes,
            statuses,
            ..Default::default()
        };
        let mut steps = Steps::default();
        // BuildKit ends the context's vertex at once, then starts it again for the transfer.
        assert_eq!(
            steps.lines(&message(
                vec![vertex("sha256:c", context, 20, Some((20, 1000)))],
                vec![]
            )),
            ["#1 [internal] load build context"]
        );
        assert!(
            steps
                .lines(&message(
                    vec![vertex("sha256:c", context, 21, None)],
                    vec![transfer(1024, 23, false)]
                ))
                .is_empty(),
            "no end while it runs again, no transfer line within 5 s"
        );
        assert_eq!(
            steps.lines(&message(vec![], vec![transfer(5 << 20, 27, false)])),
            ["#1 transferring context: 5.0 MiB 6.0s"]
        );
        assert_eq!(
            steps.lines(&message(
                vec![vertex("sha256:c", context, 21, Some((29, 500_000_000)))],
                vec![transfer(10 << 20, 29, true)]
            )),
            ["#1 transferring context: 10.0 MiB 8.0s done"]
        );
        assert_eq!(steps.finish(), ["#1 DONE 9.5s"]);
    }
}
