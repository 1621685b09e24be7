//! Progress of long waits, on stderr: the one progress type of rollouts, rollbacks, failover waits,
//! chaos runs and terraform's plain output (`[stack] line`).
//!
//! On a terminal: one status line redrawn in place (percentage shifted, step, time to the next
//! shift) with events printed above it. Elsewhere (CI logs): one plain line per change, no control
//! characters. Every line passes through secret redaction.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

use crate::secrets;

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    sink: Box<dyn Write + Send>,
    tty: bool,
    status: BTreeMap<String, String>,
    status_shown: bool,
}

impl Progress {
    pub fn new(sink: Box<dyn Write + Send>, tty: bool) -> Self {
        Progress {
            inner: Arc::new(Mutex::new(Inner {
                sink,
                tty,
                status: BTreeMap::new(),
                status_shown: false,
            })),
        }
    }

    /// Progress on this process's stderr, redrawn in place only if stderr is a terminal.
    pub fn stderr() -> Self {
        let tty = std::io::stderr().is_terminal();
        Progress::new(Box::new(std::io::stderr()), tty)
    }

    /// Collects everything in memory (tests, benchmarks).
    pub fn buffer() -> (Self, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (Progress::new(Box::new(SharedBuf(buf.clone())), false), buf)
    }

    pub fn is_tty(&self) -> bool {
        self.lock().tty
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A line that stays: `[key] text`.
    pub fn event(&self, key: &str, text: &str) {
        let mut inner = self.lock();
        let line = secrets::redact(&format!("[{key}] {text}"));
        inner.erase_status();
        let _ = writeln!(inner.sink, "{line}");
        inner.draw_status();
        let _ = inner.sink.flush();
    }

    /// The live status of `key`. On a terminal it is redrawn in place; in CI logs it is not printed
    /// (callers print an [`event`](Self::event) when something changed).
    pub fn status(&self, key: &str, text: &str) {
        let mut inner = self.lock();
        inner.status.insert(key.to_string(), text.to_string());
        if inner.tty {
            inner.erase_status();
            inner.draw_status();
            let _ = inner.sink.flush();
        }
    }

    /// A line that stays, without a key (a build's output, a result).
    pub fn note(&self, text: &str) {
        let mut inner = self.lock();
        let line = secrets::redact(text);
        inner.erase_status();
        let _ = writeln!(inner.sink, "{line}");
        inner.draw_status();
        let _ = inner.sink.flush();
    }

    /// Removes `key` from the status line (its deployment ended).
    pub fn done(&self, key: &str) {
        let mut inner = self.lock();
        inner.status.remove(key);
        if inner.tty {
            inner.erase_status();
            inner.draw_status();
            let _ = inner.sink.flush();
        }
    }
}

impl Inner {
    fn erase_status(&mut self) {
        if self.tty && self.status_shown {
            let _ = write!(self.sink, "\r\x1b[2K");
            self.status_shown = false;
        }
    }

    fn draw_status(&mut self) {
        if !self.tty || self.status.is_empty() {
            return;
        }
        let line: Vec<String> = self
            .status
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let mut line = secrets::redact(&line.join(" │ "));
        if line.chars().count() > 200 {
            line = line.chars().take(199).collect::<String>() + "…";
        }
        let _ = write!(self.sink, "{line}");
        self.status_shown = true;
    }
}

struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_output_has_event_lines_only_and_no_control_characters() {
        let (p, buf) = Progress::buffer();
        p.status("us-east-1/api", "10% shifted");
        p.event("us-east-1/api", "traffic shifted: 10%");
        p.status("us-east-1/api", "10% shifted, next in 4m");
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "[us-east-1/api] traffic shifted: 10%\n");
    }

    #[test]
    fn terminal_output_redraws_the_status_line_in_place() {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let p = Progress::new(Box::new(SharedBuf(buf.clone())), true);
        p.status("a", "1");
        p.status("a", "2");
        p.event("a", "e");
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "a: 1\r\x1b[2Ka: 2\r\x1b[2K[a] e\na: 2");
    }
}
