//! The GitHub runner's side: workflow commands, outputs and the job summary.

mod workflow_commands;
