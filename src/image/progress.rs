//! How build and push output reaches a person, through the one progress type
//! ([`crate::progress::Progress`]): plain lines in CI (inside a collapsible group in GitHub Actions),
//! the status line on a terminal. What is particular to engine output lives here: it arrives in
//! chunks, is untrusted (workflow commands are stopped while it prints), and its last lines are kept
//! for a failure message.

use std::collections::VecDeque;

use crate::progress::Progress;
use crate::runner::Workflow;
use crate::secrets;

/// The status line's key for build and push progress.
const KEY: &str = "image";

/// How many output lines are kept to show with a failure.
const KEEP: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// GitHub Actions: every line, inside `::group::`.
    Actions,
    /// A terminal: one status line rewritten in place (every line with -v).
    Terminal,
    /// Anything else (pipes, other CI): every line.
    Plain,
}

pub struct BuildOutput {
    out: Progress,
    mode: Mode,
    verbose: bool,
    recent: VecDeque<String>,
    partial: String,
    /// The build step being run, kept at the front of the terminal's progress line.
    step: Option<String>,
    /// In Actions, the token that stops workflow-command processing while engine output (which a
    /// Dockerfile controls) is printed; `None` while commands are processed.
    stopped: Option<String>,
}

impl BuildOutput {
    pub fn new(workflow: &Workflow, verbose: bool) -> Self {
        let out = Progress::stderr();
        let mode = if workflow.in_actions() {
            Mode::Actions
        } else if out.is_tty() {
            Mode::Terminal
        } else {
            Mode::Plain
        };
        BuildOutput::over(out, mode, verbose)
    }

    /// Output through `out` in `mode` (tests: a buffer).
    pub fn over(out: Progress, mode: Mode, verbose: bool) -> Self {
        BuildOutput {
            out,
            mode,
            verbose,
            recent: VecDeque::new(),
            partial: String::new(),
            step: None,
            stopped: None,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Feeds raw engine output (may hold several lines, or part of one).
    pub fn output(&mut self, chunk: &str) {
        self.partial.push_str(chunk);
        while let Some(pos) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=pos).collect();
            self.line(line.trim_end_matches(['\n', '\r']));
        }
    }

    /// One complete line of output.
    pub fn line(&mut self, line: &str) {
        self.stop_commands();
        let line = secrets::redact(line);
        if self.recent.len() == KEEP {
            self.recent.pop_front();
        }
        self.recent.push_back(line.clone());
        match self.mode {
            Mode::Terminal if !self.verbose => {
                if let Some((_, of, text)) = super::dockerfile::parse_step(&line) {
                    let step = format!("[{of}] {text}");
                    self.status(&step);
                    self.step = Some(step);
                } else if !line.trim().is_empty() {
                    let shown = match &self.step {
                        Some(step) => format!("{step} │ {}", line.trim()),
                        None => line.trim().to_string(),
                    };
                    self.status(&shown);
                }
            }
            _ => self.print(&line),
        }
    }

    /// A short status (the current step, layers pushed): the progress line on a terminal, a plain
    /// line elsewhere.
    pub fn status(&mut self, text: &str) {
        let text = secrets::redact(text);
        match self.mode {
            Mode::Terminal => {
                let mut shown: String = text.chars().take(100).collect();
                if shown.len() < text.len() {
                    shown.push('…');
                }
                self.out.status(KEY, &shown);
            }
            _ => self.print(&text),
        }
    }

    /// Progress worth showing only on a terminal (bytes of a layer upload).
    pub fn transient(&mut self, text: &str) {
        if self.mode == Mode::Terminal {
            self.status(text);
        }
    }

    /// Prints a line that stays (a result, a warning), clearing the progress line first.
    pub fn print(&mut self, text: &str) {
        self.out.note(text);
    }

    /// Flushes a partial line, clears the progress line and lets the runner process workflow
    /// commands again.
    pub fn finish(&mut self) {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.line(&rest);
        }
        self.clear_status();
        self.resume_commands();
    }

    /// Engine output is untrusted: a build step could print `::add-mask::` or `::error::` lines.
    /// In Actions the runner is told to ignore workflow commands until `finish`.
    fn stop_commands(&mut self) {
        if self.mode != Mode::Actions || self.stopped.is_some() {
            return;
        }
        use sha2::Digest as _;
        let seed = format!(
            "{}-{:?}-{:p}",
            std::process::id(),
            std::time::SystemTime::now(),
            self as *const Self
        );
        let token = hex::encode(&sha2::Sha256::digest(seed.as_bytes())[..16]);
        eprintln!("::stop-commands::{token}");
        self.stopped = Some(token);
    }

    fn resume_commands(&mut self) {
        if let Some(token) = self.stopped.take() {
            eprintln!("::{token}::");
        }
    }

    fn clear_status(&mut self) {
        self.out.done(KEY);
    }

    /// The last lines of output, for a failure message.
    pub fn recent(&self) -> Vec<String> {
        self.recent.iter().cloned().collect()
    }
}

impl Drop for BuildOutput {
    fn drop(&mut self) {
        self.clear_status();
        self.resume_commands();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_chunks_are_joined_into_lines() {
        let (out, buf) = Progress::buffer();
        let mut p = BuildOutput::over(out, Mode::Plain, false);
        p.output("Step 1/2 : FROM scr");
        p.output("atch\n ---> Running");
        p.finish();
        assert_eq!(p.recent(), vec!["Step 1/2 : FROM scratch", " ---> Running"]);
        let printed = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(printed, "Step 1/2 : FROM scratch\n ---> Running\n");
    }
}
