//! The integration tests: one binary (one link of the crate and the AWS SDK) with a module per area.
//!
//! Tests of every area run in parallel, in one process (`cargo test`) or one process each
//! (`cargo nextest`). Those that share something outside their process (the example service's
//! build) say so and take a lock from [`support::serial`]; nothing here changes process-wide state (environment variables, the
//! current folder). Tests that need the sandbox fail, naming what is missing, until
//! `eval "$(scripts/sandbox up)"` has run.

mod support;

mod action;
mod chaos;
mod comment;
mod config;
mod deploy;
mod failover;
mod image;
mod roles;
mod rollout;
mod runner;
mod terraform;
