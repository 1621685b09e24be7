//! Terraform: the real CLI run as a child process per stack, the stack graph, saved plans and the
//! change-set hashes that tie an apply to its review.

pub mod credentials;
pub mod error;
pub mod graph;
pub mod inputs;
pub mod offline;
pub mod plan_json;
pub mod process;
pub mod run;
pub mod session;
pub mod stack;
pub mod summary;

pub use error::TerraformError;
