//! `failover`: the steps to the DR region and back, with reruns, drills and refusals.

mod outage;
mod scenarios;
