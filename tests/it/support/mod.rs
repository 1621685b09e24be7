//! What the test areas share, one job a file: paths and fixture copies ([`fs`]), the sandbox's
//! stand-ins and their "missing" failure ([`sandbox`]), child processes ([`process`]), their output
//! and the runner's sinks ([`output`]), HTTP probes ([`http`]), SDK clients against a stand-in
//! ([`aws`]), the Docker CLI ([`docker`]), the GitHub API stand-in's answers ([`github`]), the
//! terraform CLI ([`terraform`]), unique names ([`names`]), the stand-in's call record and a failover's steps ([`failover`]), the Actions ID-token endpoint ([`oidc`]), the locks that keep tests sharing
//! something outside their process apart ([`serial`]), and stand-ins of a test's own ([`stand_ins`]).

pub mod aws;
pub mod docker;
pub mod failover;
pub mod fs;
pub mod github;
pub mod http;
pub mod names;
pub mod oidc;
pub mod output;
pub mod process;
pub mod sandbox;
pub mod serial;
pub mod stand_ins;
pub mod terraform;
