//! One AWS error type: a call that failed after the SDK's own retries, in the words a user acts on.

use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A failed AWS call after the SDK's own retries, with the SDK's full error chain.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{region}: {operation} failed: {message}")]
pub struct AwsError {
    pub region: String,
    pub operation: String,
    pub message: String,
}

impl AwsError {
    pub fn new<E>(region: &str, operation: &str, e: E) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
    {
        AwsError {
            region: region.to_string(),
            operation: operation.to_string(),
            message: error_message(&e),
        }
    }

    /// Whether AWS refused the caller the action (see [`is_access_denied`]).
    pub fn is_access_denied(&self) -> bool {
        is_access_denied(&self.message)
    }
}

/// An SDK error in one line: `Code: message` when AWS answered with an error (what a user acts on, e.g.
/// an AccessDenied naming the action and the resource), the error's whole chain otherwise (timeouts,
/// connection and TLS errors, where the cause is deep in it).
pub fn error_message<E>(err: &E) -> String
where
    E: std::error::Error + ProvideErrorMetadata,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(err).to_string(),
    }
}

/// Whether an [`error_message`] is AWS refusing the caller the action: retrying does not help, the
/// role's policy has to change.
pub fn is_access_denied(message: &str) -> bool {
    [
        "AccessDenied:",
        "AccessDeniedException:",
        "UnauthorizedOperation:",
    ]
    .iter()
    .any(|code| message.starts_with(code))
}
