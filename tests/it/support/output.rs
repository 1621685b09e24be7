//! What a test reads back: a child's output, and the bytes written to an in-memory sink (the
//! `Buffer` a `Workflow` writes its commands to, the buffer of `Progress::buffer`).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Output};
use std::sync::{Arc, Mutex};

use platform_deploy::runner::{RunnerEnv, Workflow};
use serde_json::Value;

/// An in-memory writer to hand a `Workflow`; clones share the bytes.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// Everything written so far.
    pub fn text(&self) -> String {
        utf8(&self.0)
    }
}

/// A `Workflow` with the outputs file and job summary in `dir` (`output`, `summary.md`), printing
/// to the returned buffer.
pub fn workflow(dir: &Path, in_actions: bool) -> (Workflow, Buffer) {
    let env = RunnerEnv {
        in_actions,
        output_file: Some(dir.join("output")),
        summary_file: Some(dir.join("summary.md")),
        ..RunnerEnv::default()
    };
    let buffer = Buffer::default();
    (
        Workflow::new(env, Arc::new(Mutex::new(buffer.clone()))),
        buffer,
    )
}

/// The UTF-8 text in a shared byte buffer.
pub fn utf8(buf: &Mutex<Vec<u8>>) -> String {
    String::from_utf8(buf.lock().unwrap().clone()).expect("the buffer holds UTF-8")
}

/// A child's exit code, stdout and stderr, for a failure message.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A child's stdout as JSON; fails the test with both outputs when it is not.
pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Waits for a spawned child and reads what it wrote to its piped stdout and stderr.
pub fn child_output(child: &mut Child) -> Output {
    use std::io::Read;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let Some(mut s) = child.stdout.take() {
        s.read_to_end(&mut stdout).unwrap();
    }
    if let Some(mut s) = child.stderr.take() {
        s.read_to_end(&mut stderr).unwrap();
    }
    Output {
        status: child.wait().unwrap(),
        stdout,
        stderr,
    }
}
