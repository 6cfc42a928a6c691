//! `mdca`: the command-line door into the mdca library. See `mdca --help` and docs/cli.md.

mod args;
mod commands;
mod connect;
mod input;
mod interrupt;
mod list;
mod output;
mod progress;
mod report;

use std::process::ExitCode;

use clap::Parser;
use mdca::error::Result;

use crate::args::Cli;

/// What the commands need to know about the terminal side.
pub struct Ui {
    /// Draw a progress bar for long pulls (still only when stderr is a terminal).
    pub progress_bar: bool,
    pub verbose: u8,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.diag.verbose);
    let ui = Ui {
        // With -v the log lines tell the story; a bar redrawn between them would garble both.
        progress_bar: !cli.diag.no_progress && cli.diag.verbose == 0,
        verbose: cli.diag.verbose,
    };
    let result = match mdca::runtime::try_runtime() {
        Ok(runtime) => runtime.block_on(run(&cli, &ui)),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::from(report::OK),
        Err(e) => {
            report::print_error(&e, cli.diag.error_format);
            ExitCode::from(report::exit_code(e.kind()))
        }
    }
}

async fn run(cli: &Cli, ui: &Ui) -> Result<()> {
    let connection = connect::connect(&cli.conn, &cli.sim).await?;
    let result = commands::run(&connection.client, &cli.command, ui).await;
    if let Some(simulator) = connection.simulator {
        simulator.shutdown().await;
    }
    result
}

/// `-v` info, `-vv` debug, `-vvv` trace, for mdca's own crates only: the HTTP stack below it logs
/// headers at trace level, and headers carry credentials.
fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => return,
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter =
        tracing_subscriber::EnvFilter::new(format!("mdca={level},mdca_cli={level},mdca_sim=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
