//! The image: `build` and `push` against the sandbox's Docker daemon and registry, and
//! `.dockerignore` conformance with the Docker CLI.

mod build;
mod cache;
mod dockerignore;
mod push;
mod registry_auth;
mod session;
mod support;
