//! The plan comment on pull requests: its body, the sticky comment on the GitHub API, the command.

mod cli;
mod github;
mod render;
