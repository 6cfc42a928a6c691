//! `mdca`: the command-line door into the mdca library. See `mdca --help` and docs/cli.md.

mod args;
mod checkpoint;
mod commands;
mod connect;
mod device_code;
mod discovery;
mod input;
mod interrupt;
mod list;
mod output;
mod progress;
mod report;

use std::process::ExitCode;

use mdca::error::Result;

use crate::args::Cli;

/// What the commands need to know about the terminal side.
pub struct Ui {
    /// Draw a progress bar for long pulls (still only when stderr is a terminal).
    pub progress_bar: bool,
    pub verbose: u8,
    /// How errors are printed: extra human lines on stderr only in text mode.
    pub error_format: args::ErrorFormat,
}

fn main() -> ExitCode {
    let mut cli = match parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging(cli.diag.verbose);
    if let Err(e) = connect::read_secret_files(&mut cli.conn, &cli.sim) {
        report::print_error(&e, cli.diag.error_format);
        return ExitCode::from(report::exit_code(e.kind()));
    }
    let ui = Ui {
        // With -v the log lines tell the story; a bar redrawn between them would garble both.
        progress_bar: !cli.diag.no_progress && cli.diag.verbose == 0,
        verbose: cli.diag.verbose,
        error_format: cli.diag.error_format,
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

/// The command line. `--simulate` ignores the `MDCA_*` variables (a shell set up for a real tenant can
/// still try the simulator), but a `--url` typed beside it is a contradiction.
fn parse() -> std::result::Result<Cli, clap::Error> {
    use clap::parser::ValueSource;
    use clap::{CommandFactory, FromArgMatches};
    let mut command = Cli::command();
    let matches = command.try_get_matches_from_mut(std::env::args_os())?;
    let cli = Cli::from_arg_matches(&matches)?;
    if cli.sim.simulate && matches.value_source("url") == Some(ValueSource::CommandLine) {
        return Err(command.error(
            clap::error::ErrorKind::ArgumentConflict,
            "--simulate uses a simulated tenant: it cannot be combined with --url",
        ));
    }
    Ok(cli)
}

/// Help and version go to stdout as usual; a usage error is clap's text, or with
/// `--error-format json` the same JSON object as every other error (exit code 2 either way).
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind as Clap;
    let informational = matches!(
        e.kind(),
        Clap::DisplayHelp | Clap::DisplayVersion | Clap::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if informational || !json_errors_requested() {
        e.exit();
    }
    let text = e.render().to_string();
    let message = text
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ");
    let err = mdca::error::Error::invalid_argument(message).with_hint("see mdca --help");
    report::print_error(&err, args::ErrorFormat::Json);
    ExitCode::from(report::USAGE)
}

/// Whether the (unparsable) command line asked for JSON errors.
fn json_errors_requested() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter().any(|a| a == "--error-format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--error-format" && w[1] == "json")
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
        .with_ansi(colour_on_stderr())
        .with_target(false)
        .init();
}

/// Colour only for a person at a terminal, and never when `NO_COLOR` is set (no-color.org).
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
