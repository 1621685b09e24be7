//! The process-wide list of secrets and the redaction every printed line goes through.
//!
//! A token is registered the moment it is obtained (ECR password, GitHub token, OIDC credentials);
//! from then on the log writer, step outputs, summaries and comments replace it with `***`.

use std::io::{self, Write};
use std::sync::{Mutex, OnceLock};

const MASK: &str = "***";
/// Shorter values would redact ordinary words; no credential we handle is this short.
const MIN_SECRET_LEN: usize = 6;

fn registry() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Adds a secret to the redaction list (each line of a multi-line secret too).
pub fn register(secret: &str) {
    let mut list = registry().lock().unwrap_or_else(|e| e.into_inner());
    let mut add = |s: &str| {
        let s = s.trim();
        if s.len() >= MIN_SECRET_LEN && !list.iter().any(|known| known == s) {
            list.push(s.to_string());
        }
    };
    add(secret);
    for line in secret.lines() {
        add(line);
    }
    // Longest first, so a secret that contains another is replaced whole.
    list.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// Replaces every registered secret in `text` with `***`.
pub fn redact(text: &str) -> String {
    let list = registry().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for secret in list.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}

/// A writer that redacts registered secrets from whole lines before passing them on (the log output).
pub struct RedactingWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    pub fn new(inner: W) -> Self {
        RedactingWriter {
            inner,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line);
            self.inner.write_all(redact(&text).as_bytes())?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.inner
                .write_all(redact(&String::from_utf8_lossy(&rest)).as_bytes())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_redacted_even_across_writes() {
        register("s3cr3t-token-value");
        assert_eq!(redact("auth: s3cr3t-token-value!"), "auth: ***!");

        let mut out = Vec::new();
        {
            let mut w = RedactingWriter::new(&mut out);
            w.write_all(b"password=s3cr3t-").unwrap();
            w.write_all(b"token-value\nnext\n").unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "password=***\nnext\n");
    }

    #[test]
    fn short_values_are_not_treated_as_secrets() {
        register("ab");
        assert_eq!(redact("ab cd"), "ab cd");
    }
}
