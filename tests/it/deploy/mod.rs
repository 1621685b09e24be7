//! `deploy`: the dry-run plan of the bundled example, and the bundled example deployed for real on
//! the sandbox, then failed over to its DR region and back, and through an outage of its primary.

mod dry_run;
mod e2e_bundled;
mod e2e_failover;
