//! The GitHub Action: its install-and-run script and the example service's image.

mod install;
