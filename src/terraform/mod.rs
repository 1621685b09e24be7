//! Terraform: the stack dependency graph and the model of saved plans.

pub mod graph;
pub mod plan_json;
