//! Terraform: the stack dependency graph.

pub mod graph;
