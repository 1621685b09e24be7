//! Logs go to stderr, plain lines, with registered secrets redacted.

use std::io;

use tracing_subscriber::EnvFilter;

use crate::secrets::RedactingWriter;

pub fn init(verbose: u8, in_actions: bool) {
    let default = match verbose {
        0 => "platform_deploy=info",
        1 => "platform_deploy=debug",
        _ => "platform_deploy=trace,info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
        .with_writer(|| RedactingWriter::new(io::stderr()));
    // The runner stamps every line itself.
    let _ = if in_actions {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
