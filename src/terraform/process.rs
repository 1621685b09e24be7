//! Running the terraform CLI: commands are built by pure functions ([`Invocation`]) and run by one
//! helper that streams output with the stack's name, captures it for errors, and turns a
//! cancellation into a single SIGINT so terraform stops cleanly and releases its state lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::error::TerraformError;

/// One terraform command, fully described before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub program: String,
    pub dir: PathBuf,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Variables of this process the child must not inherit.
    pub unset: std::collections::BTreeSet<String>,
}

impl Invocation {
    pub fn new(program: &str, dir: &Path, args: &[&str]) -> Self {
        Invocation {
            program: program.to_string(),
            dir: dir.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: BTreeMap::new(),
            unset: Default::default(),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.unset.remove(key);
        self.env.insert(key.to_string(), value.into());
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env.remove(key);
        self.unset.insert(key.to_string());
        self
    }

    /// The subcommand (`init`, `plan`, …), for messages.
    pub fn step(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
}

/// What a finished command printed.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Where live lines of one stack go (prefixed with the stack name).
pub trait LineSink: Send + Sync {
    fn line(&self, stack: &str, line: &str);
    /// A stack finished a step (`plan us-east-1`); sinks that group output flush it here.
    fn finish(&self, _stack: &str, _title: &str) {}
}

/// In GitHub Actions: each stack's lines are held and printed as one collapsible group when the
/// stack's step ends, so stacks running in parallel do not interleave inside groups.
pub struct GroupedLines {
    workflow: crate::runner::Workflow,
    held: Mutex<BTreeMap<String, Vec<String>>>,
}

impl GroupedLines {
    pub fn new(workflow: crate::runner::Workflow) -> Self {
        GroupedLines {
            workflow,
            held: Mutex::new(BTreeMap::new()),
        }
    }
}

impl LineSink for GroupedLines {
    fn line(&self, stack: &str, line: &str) {
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(stack.to_string())
            .or_default()
            .push(line.to_string());
    }

    fn finish(&self, stack: &str, title: &str) {
        let lines = self
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(stack)
            .unwrap_or_default();
        let lines: Vec<String> = lines.iter().map(|l| format!("[{stack}] {l}")).collect();
        self.workflow.group_block(title, &lines);
    }
}

/// Outside GitHub Actions terraform's lines are events of the one progress type: `[stack] line` on
/// stderr, above a terminal's status line.
impl LineSink for crate::progress::Progress {
    fn line(&self, stack: &str, line: &str) {
        self.event(stack, line);
    }
}

/// Keeps lines in memory (tests; grouped output in Actions).
#[derive(Default)]
pub struct BufferedLines(pub Mutex<Vec<(String, String)>>);

impl LineSink for BufferedLines {
    fn line(&self, stack: &str, line: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((stack.to_string(), line.to_string()));
    }
}

/// Runs `inv`, streaming its stderr (and stdout unless `capture_stdout_quietly`) to `sink`.
/// On cancellation terraform gets one SIGINT (a second one would make it abort without releasing
/// its lock), and the function waits for it to exit before returning [`TerraformError::Cancelled`].
pub async fn run(
    inv: &Invocation,
    stack: &str,
    sink: Arc<dyn LineSink>,
    cancel: &CancellationToken,
    capture_stdout_quietly: bool,
) -> Result<Captured, TerraformError> {
    let mut cmd = Command::new(&inv.program);
    for key in &inv.unset {
        cmd.env_remove(key);
    }
    cmd.args(&inv.args)
        .current_dir(&inv.dir)
        .envs(&inv.env)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl-C in the terminal reaches only us, and we forward one SIGINT.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|source| TerraformError::NotInstalled {
        binary: inv.program.clone(),
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let out_task = tokio::spawn(collect(
        stdout,
        stack.to_string(),
        (!capture_stdout_quietly).then(|| sink.clone()),
    ));
    let err_task = tokio::spawn(collect(stderr, stack.to_string(), Some(sink.clone())));

    let mut cancelled = false;
    let status = tokio::select! {
        status = child.wait() => status,
        _ = cancel.cancelled() => {
            cancelled = true;
            if let Some(pid) = child.id() {
                sink.line(stack, "interrupting terraform so it can release its state lock");
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGINT,
                );
            }
            child.wait().await
        }
    };
    let status = status.map_err(|source| TerraformError::NotInstalled {
        binary: inv.program.clone(),
        source,
    })?;
    let stdout = out_task.await.unwrap_or_default();
    let stderr = err_task.await.unwrap_or_default();
    if cancelled {
        return Err(TerraformError::Cancelled);
    }
    Ok(Captured {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    })
}

async fn collect(
    stream: impl AsyncRead + Unpin,
    stack: String,
    sink: Option<Arc<dyn LineSink>>,
) -> String {
    let mut lines = BufReader::new(stream).lines();
    let mut all = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(sink) = &sink
            && !line.trim().is_empty()
        {
            sink.line(&stack, &line);
        }
        all.push_str(&line);
        all.push('\n');
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocations_are_plain_data() {
        let inv = Invocation::new("terraform", Path::new("/s"), &["plan", "-input=false"])
            .arg("-out=/p/x.tfplan")
            .env("TF_VAR_offline", "true");
        assert_eq!(inv.step(), "plan");
        assert_eq!(inv.args, vec!["plan", "-input=false", "-out=/p/x.tfplan"]);
        assert_eq!(inv.env["TF_VAR_offline"], "true");
    }
}
