//! `deploy`: the dry-run plan of the bundled example, and the bundled example deployed for real on
//! the sandbox.

mod dry_run;
mod e2e_bundled;
