//! Everything GitHub: workflow commands for the Actions runner, the pull request a run belongs to,
//! and the PR plan comment.

pub mod comment;
pub mod pr;
pub mod workflow;
