//! GitHub's API: the pull request a run belongs to, and the PR plan comment. (The runner protocol, which
//! every step uses, is `crate::runner`.)

pub mod comment;
pub mod pr;
pub mod publish;
