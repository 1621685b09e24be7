//! GitHub Actions workflow commands: step outputs, the job summary, log groups, masks and annotations.
//!
//! Inside Actions (`GITHUB_ACTIONS=true`) these speak the runner's protocol; outside they print plain
//! text, so the same code path serves a laptop and a runner. Commands go to stderr: the runner reads
//! workflow commands from both streams, and stdout stays reserved for data (`--output json`).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::secrets;

/// The runner environment this process sees, read once: the only place the product reads
/// GitHub Actions' variables. Outside Actions every field but `local_user` is usually empty.
#[derive(Clone, Default)]
pub struct RunnerEnv {
    pub in_actions: bool,
    pub output_file: Option<PathBuf>,
    pub summary_file: Option<PathBuf>,
    /// GITHUB_ACTOR: who started the run.
    pub actor: Option<String>,
    /// USER: who runs the CLI on a laptop.
    pub local_user: Option<String>,
    /// GITHUB_SERVER_URL, without a trailing slash.
    pub server_url: Option<String>,
    /// GITHUB_API_URL.
    pub api_url: Option<String>,
    /// GITHUB_REPOSITORY (`owner/name`).
    pub repository: Option<String>,
    /// GITHUB_RUN_ID.
    pub run_id: Option<String>,
    /// GITHUB_SHA: the commit the run is for.
    pub sha: Option<String>,
    /// GITHUB_EVENT_NAME and GITHUB_EVENT_PATH: what triggered the run.
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    /// GITHUB_TOKEN, trimmed (a token read from a file often ends in a line break, which no HTTP
    /// header may hold). Mask it (`Workflow::mask`) before anything can print.
    pub token: Option<String>,
    /// ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN: the job may request OIDC ID
    /// tokens (`permissions: id-token: write`).
    pub id_token_request: Option<(String, String)>,
}

impl std::fmt::Debug for RunnerEnv {
    // The token and the ID-token request token never reach a log, not even a debug one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerEnv")
            .field("in_actions", &self.in_actions)
            .field("actor", &self.actor)
            .field("repository", &self.repository)
            .field("run_id", &self.run_id)
            .field("event_name", &self.event_name)
            .field("token", &self.token.as_ref().map(|_| "** redacted **"))
            .finish_non_exhaustive()
    }
}

impl RunnerEnv {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let path = |name: &str| var(name).map(PathBuf::from);
        RunnerEnv {
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            output_file: path("GITHUB_OUTPUT"),
            summary_file: path("GITHUB_STEP_SUMMARY"),
            actor: var("GITHUB_ACTOR"),
            local_user: var("USER"),
            server_url: var("GITHUB_SERVER_URL").map(|u| u.trim_end_matches('/').to_string()),
            api_url: var("GITHUB_API_URL"),
            repository: var("GITHUB_REPOSITORY"),
            run_id: var("GITHUB_RUN_ID"),
            sha: var("GITHUB_SHA"),
            event_name: var("GITHUB_EVENT_NAME"),
            event_path: path("GITHUB_EVENT_PATH"),
            token: var("GITHUB_TOKEN"),
            id_token_request: var("ACTIONS_ID_TOKEN_REQUEST_URL")
                .zip(var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")),
        }
    }

    /// The URL of this workflow run (its log and artifacts).
    pub fn run_url(&self) -> Option<String> {
        let (repo, run) = (self.repository_url()?, self.run_id.as_ref()?);
        Some(format!("{repo}/actions/runs/{run}"))
    }

    /// The repository's web URL.
    pub fn repository_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.server_url.as_ref()?,
            self.repository.as_ref()?
        ))
    }

    /// Who acts: the run's actor in Actions, the local user on a laptop.
    pub fn who(&self) -> Option<String> {
        self.actor.clone().or_else(|| self.local_user.clone())
    }
}

/// Where workflow commands and plain log lines are written (stderr in the binary, a buffer in tests).
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// Writes workflow commands for one process. Cheap to clone.
#[derive(Clone)]
pub struct Workflow {
    env: RunnerEnv,
    sink: Sink,
}

impl Workflow {
    pub fn new(env: RunnerEnv, sink: Sink) -> Self {
        Workflow { env, sink }
    }

    /// The workflow for this process: the real environment, commands on stderr.
    pub fn from_process() -> Self {
        Workflow::new(RunnerEnv::from_env(), Arc::new(Mutex::new(io::stderr())))
    }

    pub fn in_actions(&self) -> bool {
        self.env.in_actions
    }

    /// The runner environment, read once when the process started.
    pub fn env(&self) -> &RunnerEnv {
        &self.env
    }

    fn line(&self, text: &str) {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        // A closed stderr must not turn a deployment into a failure.
        let _ = writeln!(sink, "{text}");
        let _ = sink.flush();
    }

    /// Registers a secret: masked by the runner from now on, and redacted from everything this
    /// process prints. Call it before the value could reach any output.
    pub fn mask(&self, secret: &str) {
        if secret.trim().is_empty() {
            return;
        }
        if self.env.in_actions {
            // The runner masks per line, so a multi-line secret is registered line by line.
            for part in secret.lines().filter(|l| !l.trim().is_empty()) {
                self.line(&format!("::add-mask::{}", escape_data(part)));
            }
        }
        secrets::register(secret);
    }

    /// Sets a step output. Multi-line values use the heredoc form with a delimiter absent from the value.
    pub fn set_output(&self, name: &str, value: &str) -> io::Result<()> {
        let value = secrets::redact(value);
        match &self.env.output_file {
            Some(path) => append(path, &output_record(name, &value)),
            None => {
                self.line(&format!("output {name}={value}"));
                Ok(())
            }
        }
    }

    /// Appends markdown to the job summary (no-op outside Actions: the same text is printed by the command).
    pub fn append_summary(&self, markdown: &str) -> io::Result<()> {
        if let Some(path) = &self.env.summary_file {
            let mut text = secrets::redact(markdown);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            append(path, &text)?;
        }
        Ok(())
    }

    /// Starts a collapsible log group; it ends when the guard is dropped.
    pub fn group(&self, title: &str) -> GroupGuard {
        if self.env.in_actions {
            self.line(&format!(
                "::group::{}",
                escape_data(&secrets::redact(title))
            ));
        } else {
            self.line(&format!("── {} ──", secrets::redact(title)));
        }
        GroupGuard {
            workflow: self.clone(),
        }
    }

    /// Prints a whole block as one collapsible group in a single write, so lines from other
    /// tasks cannot land inside it.
    pub fn group_block(&self, title: &str, lines: &[String]) {
        let title = secrets::redact(title);
        let mut text = if self.env.in_actions {
            format!("::group::{}\n", escape_data(&title))
        } else {
            format!("── {title} ──\n")
        };
        for line in lines {
            text.push_str(&secrets::redact(line));
            text.push('\n');
        }
        if self.env.in_actions {
            text.push_str("::endgroup::");
        } else {
            text.pop();
        }
        self.line(&text);
    }

    /// An error annotation pointing at a file position (shown on the PR diff in Actions).
    pub fn error_at(&self, message: &str, location: Option<&Location>) {
        self.annotate("error", message, location);
    }

    pub fn warning_at(&self, message: &str, location: Option<&Location>) {
        self.annotate("warning", message, location);
    }

    fn annotate(&self, level: &str, message: &str, location: Option<&Location>) {
        let message = secrets::redact(message);
        if self.env.in_actions {
            let props = location
                .map(|l| {
                    format!(
                        " file={},line={},col={}",
                        escape_property(&l.file.display().to_string()),
                        l.line,
                        l.column
                    )
                })
                .unwrap_or_default();
            self.line(&format!("::{level}{props}::{}", escape_data(&message)));
        } else {
            match location {
                Some(l) => self.line(&format!(
                    "{level}: {}:{}:{}: {message}",
                    l.file.display(),
                    l.line,
                    l.column
                )),
                None => self.line(&format!("{level}: {message}")),
            }
        }
    }
}

/// A position in a file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    /// `file:line:column`, as compilers print it (editors and the runner link it).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

pub struct GroupGuard {
    workflow: Workflow,
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if self.workflow.env.in_actions {
            self.workflow.line("::endgroup::");
        }
    }
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

/// One `$GITHUB_OUTPUT` record: `name=value`, or the heredoc form for values with line breaks.
pub fn output_record(name: &str, value: &str) -> String {
    if !value.contains('\n') && !value.contains('\r') {
        return format!("{name}={value}\n");
    }
    let mut n = 0u32;
    let delimiter = loop {
        let candidate = format!("PLATFORM_DEPLOY_EOF_{n}");
        if !value.lines().any(|l| l == candidate) {
            break candidate;
        }
        n += 1;
    };
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// Escapes a workflow command's message (`%`, CR, LF), as the runner's toolkit does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_output_is_name_equals_value() {
        assert_eq!(output_record("digest", "sha256:ab"), "digest=sha256:ab\n");
    }

    #[test]
    fn multi_line_output_uses_a_delimiter_absent_from_the_value() {
        let value = "a\nPLATFORM_DEPLOY_EOF_0\nb";
        let record = output_record("body", value);
        assert_eq!(
            record,
            "body<<PLATFORM_DEPLOY_EOF_1\na\nPLATFORM_DEPLOY_EOF_0\nb\nPLATFORM_DEPLOY_EOF_1\n"
        );
    }

    #[test]
    fn annotation_properties_are_escaped() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
    }
}
