//! Terraform stacks: orchestration with the real CLI, `plan --comment`, and the bundled platform
//! planned offline.

mod bundled_stacks;
mod orchestration;
mod plan_comment;
