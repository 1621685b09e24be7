//! Images between the daemon and a registry: pulls of cache sources and pushes of the built
//! image, with the push's credentials (masked) and the digest the registry reports.

use bollard::Docker;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{CreateImageOptions, PushImageOptions};
use futures_util::StreamExt;

use super::ImageError;
use super::engine::{engine_message, split_reference};
use super::progress::BuildOutput;

/// Registry credentials for one push (user `AWS`, the ECR token as password).
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub registry: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .field("registry", &self.registry)
            .finish()
    }
}

impl Credentials {
    fn docker(&self) -> DockerCredentials {
        let credentials = DockerCredentials {
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            serveraddress: Some(self.registry.clone()),
            ..Default::default()
        };
        // The engine receives them base64-encoded in X-Registry-Auth: that form is a secret too
        // (a trace log of the request must not show it).
        if let Ok(json) = serde_json::to_string(&credentials) {
            use base64::Engine as _;
            crate::secrets::register(&base64::engine::general_purpose::STANDARD.encode(json));
        }
        credentials
    }
}

/// Pulls `reference` (best effort: cache sources are an optimisation).
pub async fn pull(
    docker: &Docker,
    reference: &str,
    credentials: Option<&Credentials>,
    progress: &mut BuildOutput,
) -> Result<(), ImageError> {
    // `repo@sha256:…` is pulled by digest, `repo:tag` by tag.
    let (from_image, tag) = if reference.contains('@') {
        (reference, None)
    } else {
        let (repo, tag) = split_reference(reference);
        (repo, Some(tag.to_string()))
    };
    let options = CreateImageOptions {
        from_image: Some(from_image.to_string()),
        tag,
        ..Default::default()
    };
    let mut stream = docker.create_image(Some(options), None, credentials.map(Credentials::docker));
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(detail) = info.error_detail {
                    progress.finish();
                    return Err(ImageError::Engine {
                        action: format!("pull {reference}"),
                        message: detail.message.unwrap_or_default(),
                    });
                }
                if let Some(status) = info.status {
                    progress.status(&format!("pull {reference}: {status}"));
                }
            }
            Err(e) => {
                progress.finish();
                return Err(ImageError::Engine {
                    action: format!("pull {reference}"),
                    message: engine_message(&e),
                });
            }
        }
    }
    progress.finish();
    Ok(())
}

/// Pushes `repository:tag` (already tagged locally) and returns the digest the registry gave it.
pub async fn push(
    docker: &Docker,
    repository: &str,
    tag: &str,
    credentials: &Credentials,
    progress: &mut BuildOutput,
) -> Result<String, ImageError> {
    let reference = format!("{repository}:{tag}");
    let options = PushImageOptions {
        tag: Some(tag.to_string()),
        ..Default::default()
    };
    let mut stream = docker.push_image(repository, Some(options), Some(credentials.docker()));
    let mut digest: Option<String> = None;
    let mut done = 0usize;
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(e) => {
                progress.finish();
                return Err(push_error(
                    &reference,
                    &credentials.registry,
                    engine_message(&e),
                ));
            }
        };
        if let Some(detail) = info.error_detail {
            progress.finish();
            let message = detail.message.unwrap_or_default();
            return Err(push_error(&reference, &credentials.registry, message));
        }
        let Some(status) = info.status else { continue };
        if let Some(d) = parse_push_digest(&status, tag) {
            digest = Some(d);
            progress.print(&status);
            continue;
        }
        match status.as_str() {
            // Per-layer chatter: counted on the progress line, not printed line by line.
            "Preparing" | "Waiting" | "Pushing" => {
                let detail = info
                    .progress_detail
                    .as_ref()
                    .and_then(|d| Some((d.current?, d.total?)));
                let bytes = detail
                    .map(|(c, t)| format!(", {}/{} KiB", c / 1024, t / 1024))
                    .unwrap_or_default();
                progress.transient(&format!("push {reference}: {done} layers done{bytes}"));
            }
            "Pushed" | "Layer already exists" => {
                done += 1;
                progress.status(&format!("push {reference}: {done} layers done"));
            }
            _ => progress.line(&status),
        }
    }
    progress.finish();
    digest.ok_or_else(|| ImageError::Push {
        reference,
        message: "the daemon finished without reporting a digest".into(),
    })
}

fn push_error(reference: &str, registry: &str, message: String) -> ImageError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("no basic auth credentials")
        || lower.contains("denied")
        || lower.contains("401")
    {
        ImageError::RegistryAuth {
            registry: registry.to_string(),
            message,
        }
    } else {
        ImageError::Push {
            reference: reference.to_string(),
            message,
        }
    }
}

/// The engine ends a push with `TAG: digest: sha256:… size: N`.
pub fn parse_push_digest(status: &str, tag: &str) -> Option<String> {
    let rest = status.strip_prefix(tag)?.strip_prefix(": digest: ")?;
    let digest = rest.split_whitespace().next()?;
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then(|| digest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_digest_is_read_from_the_final_status() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parse_push_digest(&format!("abc: digest: {d} size: 528"), "abc"),
            Some(d)
        );
        assert_eq!(
            parse_push_digest("abc: digest: sha256:12 size: 1", "abc"),
            None
        );
        assert_eq!(parse_push_digest("Pushed", "abc"), None);
    }
}
