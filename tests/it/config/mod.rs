//! platform.toml: what is refused, and how.

mod errors;
