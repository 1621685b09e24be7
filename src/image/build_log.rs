//! What the engine's build output says: the step lines shown as they arrive, the image ID at
//! the end, or the failure located at its Dockerfile line with a fix.

use bollard::models::{BuildInfo, BuildInfoAux, ImageId};

use super::buildkit;
use super::context::Context;
use super::dockerfile;
use super::progress::BuildOutput;
use super::{ImageError, display_path};
use crate::runner::Location;

/// The Dockerfile as the messages about it show it.
pub(super) struct Dockerfile {
    pub(super) source: String,
    pub(super) instructions: Vec<dockerfile::Instruction>,
    pub(super) shown: std::path::PathBuf,
}

impl Dockerfile {
    pub(super) fn read(context: &Context) -> Dockerfile {
        let path = context.root.join(&context.dockerfile);
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        Dockerfile {
            instructions: dockerfile::instructions(&source),
            source,
            shown: display_path(&path, &std::env::current_dir().unwrap_or_default()),
        }
    }
}

/// What the engine's build output said so far.
#[derive(Default)]
pub(super) struct BuildLog {
    pub(super) image_id: Option<String>,
    /// (n, "n/total", instruction) of the step the legacy builder is on.
    step: Option<(usize, String, String)>,
    pub(super) steps: buildkit::Steps,
    pub(super) failure: Option<String>,
}

impl BuildLog {
    /// Takes one message of the build output, showing it; false once the build failed.
    pub(super) fn take(&mut self, info: BuildInfo, progress: &mut BuildOutput) -> bool {
        if let Some(text) = &info.stream {
            for line in text.lines() {
                if let Some((n, of, instruction)) = dockerfile::parse_step(line) {
                    self.step = Some((n, of.to_string(), instruction.to_string()));
                }
                if let Some(id) = line.strip_prefix("Successfully built ") {
                    self.image_id.get_or_insert_with(|| id.trim().to_string());
                }
            }
            progress.output(text);
        }
        if let Some(status) = &info.status {
            progress.line(status);
        }
        match &info.aux {
            Some(BuildInfoAux::BuildKit(status)) => {
                for line in self.steps.lines(status) {
                    progress.line(&line);
                }
            }
            Some(BuildInfoAux::Default(ImageId { id: Some(id) })) => {
                self.image_id = Some(id.clone());
            }
            _ => {}
        }
        if let Some(detail) = info.error_detail {
            self.failure = Some(detail.message.unwrap_or_else(|| "unknown error".into()));
            return false;
        }
        true
    }

    /// Shows what the output held back until it ended (the last steps' ends).
    pub(super) fn output_ended(&mut self, progress: &mut BuildOutput) {
        for line in self.steps.finish() {
            progress.line(&line);
        }
    }

    /// The built image's ID, or the failure located in the Dockerfile.
    pub(super) fn finish(
        self,
        dockerfile: &Dockerfile,
        progress: &BuildOutput,
    ) -> Result<String, ImageError> {
        if let Some(message) = self.failure {
            // BuildKit names the failed step by its vertex (`[2/3] RUN make`), the legacy builder
            // by its number (`Step 2/3 : RUN make`).
            let instructions = &dockerfile.instructions;
            let (shown_step, located) = match &self.steps.failed {
                Some(vertex) => (
                    Some(vertex.clone()),
                    buildkit::vertex_instruction(vertex)
                        .and_then(|text| dockerfile::locate(instructions, 0, text)),
                ),
                None => (
                    self.step
                        .as_ref()
                        .map(|(_, of, text)| format!("{of}: {text}")),
                    self.step
                        .as_ref()
                        .and_then(|(n, _, text)| dockerfile::locate(instructions, *n, text)),
                ),
            };
            return Err(ImageError::BuildFailed {
                step: shown_step,
                location: located.map(|i| Location {
                    file: dockerfile.shown.clone(),
                    line: i.line,
                    column: 1,
                }),
                message: message.trim().to_string(),
                fix: build_fix(&message, &progress.recent()),
            });
        }
        self.image_id.ok_or_else(|| ImageError::Engine {
            action: "report the built image".into(),
            message: "the build ended without an image ID".into(),
        })
    }
}

fn build_fix(message: &str, recent: &[String]) -> String {
    let tail: Vec<&str> = recent
        .iter()
        .rev()
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let hint = if message.contains("file not found in build context")
        || message.contains("excluded by .dockerignore")
    {
        "the file is missing from the context or ignored by .dockerignore; `platform-deploy build --dry-run --list-context` shows what is sent"
    } else if is_refused_pull(message) {
        "the registry refused to let the build pull a base image: log in to it with `docker login REGISTRY` or a credential helper in the Docker config (platform-deploy reads $DOCKER_CONFIG/config.json as the CLI does), then build again"
    } else if message.contains("pull access denied") || message.contains("manifest unknown") {
        "the base image cannot be pulled; build it locally or point FROM at an image the daemon has"
    } else {
        "correct the Dockerfile step above and build again"
    };
    if tail.is_empty() {
        hint.to_string()
    } else {
        format!("{hint}\n  last output:\n    {}", tail.join("\n    "))
    }
}

/// BuildKit's and the legacy builder's words for a registry that wants credentials.
fn is_refused_pull(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "401 unauthorized",
        "failed to authorize",
        "no basic auth credentials",
        "authentication required",
    ]
    .iter()
    .any(|words| lower.contains(words))
}
