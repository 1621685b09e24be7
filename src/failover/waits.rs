//! The poller of the steps that wait (Aurora status, healthy targets): a check every `poll`, its
//! status shown as progress, until done, the timeout, or a cancel.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::FailoverError;
use crate::rollout::Progress;

/// How often and how long the steps that wait poll.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    pub poll: Duration,
    pub timeout: Duration,
}

impl Waits {
    /// Polls `check` until it answers `Ok(done)`; `Err(status)` is shown as progress.
    pub async fn until<F, Fut>(
        &self,
        what: &str,
        progress: &Progress,
        key: &str,
        cancel: &CancellationToken,
        mut check: F,
    ) -> Result<String, FailoverError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Result<String, String>, FailoverError>>,
    {
        let started = tokio::time::Instant::now();
        loop {
            match check().await? {
                Ok(done) => {
                    progress.done(key);
                    return Ok(done);
                }
                Err(status) => progress.status(
                    key,
                    &format!(
                        "waiting for {what}: {status} ({}s)",
                        started.elapsed().as_secs()
                    ),
                ),
            }
            if started.elapsed() >= self.timeout {
                progress.done(key);
                return Err(FailoverError::TimedOut {
                    what: what.to_string(),
                    after: humantime::format_duration(self.timeout).to_string(),
                    fix: "look at the region in the console; rerun the same command to continue (done steps are not repeated), with a longer --timeout if it was only slow".into(),
                });
            }
            tokio::select! {
                _ = cancel.cancelled() => {
                    progress.done(key);
                    return Err(FailoverError::Cancelled);
                }
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }
}
