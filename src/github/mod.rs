//! Everything GitHub: workflow commands for the Actions runner.

pub mod workflow;
