//! The rollout, rollback and status: scenarios on simulated regions (aws-smithy-mocks, paused
//! clock), task definitions, credentials for long rollouts, and the rollout on the wire against
//! the sandbox's AWS stand-in.

mod analysis;
mod as_deploy_role;
mod ecs_native;
mod ecs_scenarios;
mod gates;
mod moto;
mod moto_world;
mod oidc_credentials;
mod rollback_scenarios;
mod scenarios;
mod sim;
mod status_table;
mod taskdefs;
