use std::process::ExitCode;

use clap::Parser;
use platform_deploy::cli::{Cli, OutputFormat};
use platform_deploy::runner::Workflow;
use platform_deploy::{logging, run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let workflow = Workflow::from_process();
    logging::init(cli.verbose, workflow.in_actions());
    let output = cli.output;
    let plumbing = cli.command.is_plumbing();
    let outcome = run(cli, &workflow).await;
    // Step outputs are best effort: a full disk must not hide the real outcome.
    if !plumbing {
        let _ = workflow.set_output("outcome", outcome.outcome.as_str());
        let _ = workflow.set_output("exit-code", &outcome.exit_code.to_string());
    }
    if !outcome.outcome.is_success() {
        eprintln!(
            "error: {}",
            platform_deploy::secrets::redact(&outcome.message)
        );
    }
    if output == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&outcome).unwrap_or_default();
        println!("{}", platform_deploy::secrets::redact(&json));
    }
    ExitCode::from(outcome.exit_code)
}
