//! `mdca discovery …`: Cloud Discovery log upload, streams, categories and block scripts (api.md §11).

use std::io::{self, IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mdca::cancel::CancelToken;
use mdca::client::Client;
use mdca::discovery::{Appliance, LogUpload};
use mdca::error::Result;
use serde_json::Value;

use crate::interrupt::or_ctrl_c;
use crate::list::output_error;
use crate::Ui;

#[derive(Debug, Args)]
pub struct DiscoveryCmd {
    #[command(subcommand)]
    pub action: DiscoveryAction,
}

#[derive(Debug, Subcommand)]
pub enum DiscoveryAction {
    /// Upload a firewall or proxy log for Cloud Discovery (one request below 64 MiB, 16 MiB blocks
    /// above; a failed block is retried). Prints the outcome as JSON.
    Upload(UploadArgs),
    /// List the continuous reports (data sources and views), one JSON object per line.
    Streams,
    /// List a report's app categories with their app counts, one JSON object per line.
    Categories(CategoriesArgs),
    /// Print the block script for an appliance (rules blocking the unsanctioned apps).
    BlockScript(BlockScriptArgs),
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The log file.
    pub file: PathBuf,
    /// Its log format, e.g. PALO_ALTO_SYSLOG, CISCO_ASA, ZSCALER (case-insensitive).
    #[arg(long)]
    pub source: String,
    /// The data source the log belongs to (or the snapshot report's name with --snapshot).
    #[arg(long = "stream")]
    pub stream: String,
    /// Create a snapshot report instead of feeding a continuous data source.
    #[arg(long)]
    pub snapshot: bool,
    /// Send a --source that is not in the documented list (a format newer than this tool).
    #[arg(long)]
    pub force_source: bool,
    /// Block size in MiB for files of 64 MiB and more (default 16).
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=4000))]
    pub block_size: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CategoriesArgs {
    /// The report's `_id` (see `mdca discovery streams`).
    #[arg(long = "stream")]
    pub stream: String,
    /// Only the last N days (the service's default is 90).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct BlockScriptArgs {
    /// The appliance the script is for.
    #[arg(long, value_enum)]
    pub appliance: ApplianceArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ApplianceArg {
    /// BlueCoat ProxySG (format 102).
    Bluecoat,
    /// Cisco ASA (104).
    CiscoAsa,
    /// Fortinet FortiGate (108).
    Fortigate,
    /// Juniper SRX (129).
    JuniperSrx,
    /// Palo Alto (112).
    PaloAlto,
    /// Websense (135).
    Websense,
    /// Zscaler (120).
    Zscaler,
}

impl From<ApplianceArg> for Appliance {
    fn from(a: ApplianceArg) -> Appliance {
        match a {
            ApplianceArg::Bluecoat => Appliance::BlueCoat,
            ApplianceArg::CiscoAsa => Appliance::CiscoAsa,
            ApplianceArg::Fortigate => Appliance::FortiGate,
            ApplianceArg::JuniperSrx => Appliance::JuniperSrx,
            ApplianceArg::PaloAlto => Appliance::PaloAlto,
            ApplianceArg::Websense => Appliance::Websense,
            ApplianceArg::Zscaler => Appliance::Zscaler,
        }
    }
}

pub async fn run(client: &Client, cmd: &DiscoveryCmd, ui: &Ui) -> Result<()> {
    match &cmd.action {
        DiscoveryAction::Upload(args) => upload(client, args, ui).await,
        DiscoveryAction::Streams => {
            let streams = or_ctrl_c(client.discovery_streams()).await?;
            print_lines(&streams)
        }
        DiscoveryAction::Categories(args) => {
            let rows = or_ctrl_c(client.discovery_categories(&args.stream, args.days)).await?;
            print_lines(&rows)
        }
        DiscoveryAction::BlockScript(args) => {
            let text = or_ctrl_c(client.block_script(args.appliance.into())).await?;
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .or_else(output_error)
        }
    }
}

async fn upload(client: &Client, args: &UploadArgs, ui: &Ui) -> Result<()> {
    let mut upload = LogUpload::new(&args.source, &args.stream)
        .snapshot(args.snapshot)
        .force_source(args.force_source);
    if let Some(mib) = args.block_size {
        upload = upload.block_size(mib * 1024 * 1024);
    }
    // A byte bar on stderr, on terminals only (like the pull bar); `-v` logs instead.
    let bar = if ui.progress_bar && ui.verbose == 0 && io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed:>4} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = {
        let bar = bar.clone();
        move |sent: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(sent);
        }
    };
    let cancel = CancelToken::new();
    let watcher = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    let outcome = client
        .upload_log(&args.file, &upload, Some(&progress), &cancel)
        .await;
    watcher.abort();
    bar.finish_and_clear();
    let outcome = outcome?;
    let json = serde_json::to_string(&outcome).unwrap_or_default();
    let mut out = io::stdout().lock();
    writeln!(out, "{json}")
        .and_then(|()| out.flush())
        .or_else(output_error)
}

fn print_lines(values: &[Value]) -> Result<()> {
    let mut out = io::stdout().lock();
    for v in values {
        writeln!(out, "{v}").or_else(output_error)?;
    }
    out.flush().or_else(output_error)
}
