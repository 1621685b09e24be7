//! What a failover needs when the primary region does not answer: every stack it applies (the DR
//! region's and the edge) keeps its state outside that region, so its reads and writes and its
//! state lock never depend on the region that is down.

use super::FailoverError;
use crate::config::Config;

/// Refuses (bad input, exit 2) a stack the failover applies whose state lives in `down`, naming
/// the platform.toml position that put it there.
pub fn check_state_outside(
    config: &Config,
    down: &str,
    dr_stack: &str,
    edge_stacks: &[String],
) -> Result<(), FailoverError> {
    let applied = std::iter::once(dr_stack).chain(edge_stacks.iter().map(String::as_str));
    for name in applied {
        let Some(stack) = config.stack(name) else {
            continue;
        };
        let Some(backend) = stack.backend.as_ref().filter(|b| b.region == down) else {
            continue;
        };
        let at = stack
            .backend_location
            .as_ref()
            .map(|l| format!("{l}: "))
            .unwrap_or_default();
        return Err(FailoverError::Usage {
            message: format!(
                "{at}stack {name} keeps its state in s3://{} in {down}, the region --primary-down says is down, and the failover must apply it",
                backend.bucket
            ),
            fix: format!(
                "keep the state of {name} outside {down}: add a bucket in another region to [terraform.backend] buckets (terraform/bootstrap makes one per region, replicated) and set state_region on the stack, then move its state (terraform init -migrate-state)"
            ),
        });
    }
    Ok(())
}
