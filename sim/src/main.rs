//! `mdca-sim`: run the MDCA API simulator on loopback for script development and tests.
//!
//! Logs go to stderr; once the server listens, one JSON line with the URL and credentials is
//! printed on stdout so that test harnesses can start it with `--port 0` and read where it is.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mdca_sim::data::DataConfig;
use mdca_sim::{Behaviour, FaultSpec, LiveConfig, SimConfig, SlowFiles, ThrottleConfig};
use tracing_subscriber::EnvFilter;

/// A loopback simulator of the Microsoft Defender for Cloud Apps (MDCA) REST API.
///
/// Serves /api/v1/... and /cas/api/v1/... (activities, alerts, files, entities, subnet) for
/// tenant 0 at the root and for every tenant i at /t/tenant<i>/; a fake Entra ID token endpoint
/// at /<entra-tenant-id>/oauth2/token and /<entra-tenant-id>/oauth2/v2.0/token; and a control
/// endpoint at /_sim/ (faults, stats, settings, inserts, credentials, live mode, clock, ground
/// truth, behaviour switches). Tokens and app secrets are derived from --seed, so they stay the
/// same between runs.
///
/// Live mode (--live RATE) makes each tenant change while it is read: its clock moves (real time
/// times --clock-speed) and RATE mutations per second insert activities, alerts and files stamped
/// now, edit, trash and delete files, close and reopen alerts and change entity status. Every
/// mutation is journaled; POST /_sim/ground_truth answers which records matched a filter during an
/// interval. --behaviour switches on answers a real tenant may give (see the README).
#[derive(Debug, Parser)]
#[command(name = "mdca-sim", version, about, long_about)]
struct Cli {
    /// Address to listen on. Anything but loopback exposes test credentials to the network.
    #[arg(long, default_value = "127.0.0.1", env = "MDCA_SIM_BIND")]
    bind: IpAddr,

    /// Port to listen on; 0 picks a free one (read the URL from the JSON line on stdout).
    #[arg(long, default_value_t = 8765, env = "MDCA_SIM_PORT")]
    port: u16,

    /// Seed of the generated data and of every token, app id and secret.
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Number of activities per tenant.
    #[arg(long, default_value_t = DataConfig::default().activities)]
    activities: u64,

    /// Number of alerts per tenant.
    #[arg(long, default_value_t = DataConfig::default().alerts)]
    alerts: u64,

    /// Number of files per tenant.
    #[arg(long, default_value_t = DataConfig::default().files)]
    files: u64,

    /// Number of entities (users and accounts) per tenant.
    #[arg(long, default_value_t = DataConfig::default().entities)]
    entities: u64,

    /// Number of subnets (IP address ranges) per tenant.
    #[arg(long, default_value_t = DataConfig::default().subnets)]
    subnets: u64,

    /// Number of tenants; tenant i is served at /t/tenant<i>/, tenant 0 also at the root.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    tenants: u32,

    /// Requests admitted per tenant per throttle window (spec: 30 per minute); 0 turns
    /// throttling off. Excess requests get 429 TOO MANY REQUESTS.
    #[arg(long, default_value_t = 30)]
    throttle_requests: u32,

    /// Length of the sliding throttle window in milliseconds.
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..))]
    throttle_window_ms: u64,

    /// Send 429 answers without a Retry-After header (the wait is still in the JSON message).
    #[arg(long)]
    no_retry_after: bool,

    /// Lifetime of bearer tokens issued by the fake identity endpoint, in seconds.
    #[arg(long, default_value_t = 3599)]
    token_lifetime_secs: u64,

    /// Make activity totals approximate (off by a few), as the real service may answer.
    #[arg(long)]
    approximate_total: bool,

    /// Arm a fault at start (repeatable): status=<500|502|503|504>, reset, truncate,
    /// stall=<ms> or expire_token, with optional count=<n> (default 1) and route=<name>,
    /// e.g. `--fault status=503,count=3,route=files.list`. Route names: activities.list,
    /// activities.fetch, activities.feedback, alerts.list, alerts.fetch, alerts.close_benign,
    /// alerts.close_false_positive, alerts.close_true_positive, alerts.read, alerts.unread,
    /// alerts.dismiss, alerts.resolve, files.list, files.fetch, entities.list, entities.fetch,
    /// entities.tree, subnets.list, subnets.fetch, subnets.create, subnets.update,
    /// subnets.delete, oauth2.token, discovery.upload_url, discovery.upload (the PUT),
    /// discovery.done_upload, discovery.streams, discovery.categories, discovery.block_script;
    /// a group such as `files`; a prefix such as `alerts.close*`. Without a route a fault hits
    /// any API request, never the identity endpoint or the upload PUT.
    #[arg(long = "fault", value_name = "SPEC", value_parser = FaultSpec::parse)]
    faults: Vec<FaultSpec>,

    /// Answer files lists whose `skip` is at least this value slowly (see --slow-files-ms), as
    /// the real files list can time out deep into a large collection.
    #[arg(long, value_name = "SKIP")]
    slow_files_skip: Option<u64>,

    /// How long a slow files list waits before answering, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 30_000,
        requires = "slow_files_skip"
    )]
    slow_files_ms: u64,

    /// The simulator's "now" in epoch milliseconds (record dates are generated before it);
    /// default: the current time rounded down to the minute.
    #[arg(long)]
    now_ms: Option<i64>,

    /// Live mode: this many mutations per second per tenant (0: only the clock moves). Off when
    /// absent.
    #[arg(long, value_name = "RATE", value_parser = non_negative)]
    live: Option<f64>,

    /// In live mode, simulated milliseconds per real millisecond (60 = a minute per second).
    #[arg(long, value_name = "X", default_value_t = 1.0, requires = "live", value_parser = positive)]
    clock_speed: f64,

    /// Server behaviour switches as JSON, e.g.
    /// `{"scan_cursor":"bound_only","unstable_ties":true,"throttle_retry_after":false}`. Fields:
    /// scan_cursor (caller_and_bound | bound_only | same_field), scan_missing_cursor,
    /// scan_empty_pages, scan_cursor_repeats, unstable_ties, approximate_total, has_next_wrong,
    /// throttle_retry_after (default true), throttle_counts_rejected, deep_files
    /// ({"from_skip":N,"delay_ms":D,"html_5xx_every":K}). Omitted fields keep their default.
    #[arg(long, value_name = "JSON", value_parser = behaviour_json)]
    behaviour: Option<Behaviour>,

    /// Register a client certificate (PEM or DER file) so apps can sign in with it (client
    /// assertions, docs/api.md §3.8): `CLIENT_ID=FILE`, or `FILE` alone for the built-in manage app.
    /// Repeatable.
    #[arg(long = "client-certificate", value_name = "[CLIENT_ID=]FILE")]
    client_certificates: Vec<String>,

    /// Log filter (tracing EnvFilter syntax), e.g. `info`, `mdca_sim=debug`, `warn`.
    /// Request lines are logged at info under the target `mdca_sim::request`.
    #[arg(long, default_value = "info", env = "MDCA_SIM_LOG")]
    log: String,
}

impl Cli {
    fn config(&self) -> SimConfig {
        let defaults = DataConfig::default();
        SimConfig {
            bind: SocketAddr::new(self.bind, self.port),
            data: DataConfig {
                seed: self.seed,
                activities: self.activities,
                alerts: self.alerts,
                files: self.files,
                entities: self.entities,
                subnets: self.subnets,
                now_ms: self.now_ms.unwrap_or(defaults.now_ms),
                approximate_total: self.approximate_total,
            },
            tenants: self.tenants,
            throttle: ThrottleConfig {
                requests: self.throttle_requests,
                window: Duration::from_millis(self.throttle_window_ms),
                retry_after_header: !self.no_retry_after,
            },
            token_lifetime: Duration::from_secs(self.token_lifetime_secs),
            faults: self.faults.clone(),
            slow_files: self.slow_files_skip.map(|min_skip| SlowFiles {
                min_skip,
                delay: Duration::from_millis(self.slow_files_ms),
            }),
            live: self.live.map(|rate| LiveConfig {
                rate,
                clock_speed: self.clock_speed,
            }),
            behaviour: self.behaviour.clone().unwrap_or_default(),
        }
    }
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number >= 0")),
    }
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number > 0")),
    }
}

fn behaviour_json(s: &str) -> Result<Behaviour, String> {
    serde_json::from_str(s).map_err(|e| format!("not a behaviour object: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = match EnvFilter::try_new(&cli.log) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mdca-sim: invalid --log filter `{}`: {e}", cli.log);
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let cfg = cli.config();
    let started = std::time::Instant::now();
    let sim = match mdca_sim::start(cfg).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("mdca-sim: cannot listen on {}:{}: {e}", cli.bind, cli.port);
            return ExitCode::FAILURE;
        }
    };
    for spec in &cli.client_certificates {
        let (client_id, path) = match spec.split_once('=') {
            Some((id, path)) => (id.to_string(), path),
            None => (sim.app_credentials().0, spec.as_str()),
        };
        let registered = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| sim.register_certificate(&client_id, &bytes));
        match registered {
            Ok(thumbprint) => tracing::info!(
                "client certificate {path} (thumbprint {thumbprint}) registered for app {client_id}"
            ),
            Err(e) => {
                eprintln!("mdca-sim: --client-certificate {path}: {e}");
                std::process::exit(2);
            }
        }
    }
    announce(&sim, &cli, started.elapsed());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("mdca-sim: cannot wait for Ctrl+C: {e}");
    }
    tracing::info!("stopping");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// Logs what a user needs to start scripting, and prints the same as one JSON line on stdout.
fn announce(sim: &mdca_sim::Simulator, cli: &Cli, took: Duration) {
    let url = sim.url();
    let (client_id, client_secret) = sim.app_credentials();
    let (reader_id, reader_secret) = sim.reader_app_credentials();
    let admin = sim.admin_token();
    tracing::info!(
        "MDCA simulator listening on {url} (ready in {} ms)",
        took.as_millis()
    );
    tracing::info!(
        "data per tenant: {} activities, {} alerts, {} files, {} entities, {} subnets; seed {}; {} tenant(s)",
        cli.activities, cli.alerts, cli.files, cli.entities, cli.subnets, cli.seed, cli.tenants
    );
    let throttle = sim.throttle();
    if throttle.requests == 0 {
        tracing::info!("throttling off");
    } else {
        tracing::info!(
            "throttle: {} requests per {} ms per tenant{}",
            throttle.requests,
            throttle.window.as_millis(),
            if throttle.retry_after_header {
                ""
            } else {
                " (no Retry-After header)"
            }
        );
    }
    tracing::info!("legacy API token (Global administrator): {admin}");
    tracing::info!(
        "legacy API token (Security operator):    {}",
        sim.operator_token()
    );
    tracing::info!(
        "legacy API token (Security reader):      {}",
        sim.reader_token()
    );
    tracing::info!(
        "Entra tenant id {}, authority host {}",
        sim.entra_tenant_id(),
        sim.authority_host()
    );
    tracing::info!(
        "app (Investigation.manage, Settings.manage, Discovery.manage): client id {client_id}, secret {client_secret}"
    );
    tracing::info!("app (Investigation.read): client id {reader_id}, secret {reader_secret}");
    for i in 1..sim.tenants() {
        tracing::info!(
            "tenant {i}: {} (admin token {}, Entra tenant id {})",
            sim.tenant_url(i),
            sim.tenant_admin_token(i),
            sim.tenant_entra_id(i)
        );
    }
    if let Some(skip) = cli.slow_files_skip {
        tracing::info!(
            "files lists with skip >= {skip} answer after {} ms",
            cli.slow_files_ms
        );
    }
    for f in sim.armed_faults() {
        tracing::info!("armed fault: {f}");
    }
    if let Some(live) = sim.live() {
        tracing::info!(
            "live mode: {} mutations per second per tenant, clock speed {}",
            live.rate,
            live.clock_speed
        );
    }
    if sim.behaviour() != Behaviour::default() {
        tracing::info!(
            "behaviour switches: {}",
            serde_json::to_string(&sim.behaviour()).unwrap_or_default()
        );
    }
    tracing::info!(
        "try: curl -s -H \"Authorization: Token {admin}\" -H \"Content-Type: application/json\" -d '{{\"limit\":3}}' {url}/api/v1/alerts/"
    );
    tracing::info!("control endpoint: {url}/_sim/ (faults, stats, settings, insert, credentials, live, clock, ground_truth, behaviour); Ctrl+C stops");

    let tenants: Vec<serde_json::Value> = (0..sim.tenants())
        .map(|i| {
            serde_json::json!({
                "url": if i == 0 { url.clone() } else { sim.tenant_url(i) },
                "admin_token": sim.tenant_admin_token(i),
                "entra_tenant_id": sim.tenant_entra_id(i),
            })
        })
        .collect();
    let ready = serde_json::json!({
        "url": url,
        "admin_token": admin,
        "operator_token": sim.operator_token(),
        "reader_token": sim.reader_token(),
        "entra_tenant_id": sim.entra_tenant_id(),
        "authority_host": sim.authority_host(),
        "client_id": client_id,
        "client_secret": client_secret,
        "reader_client_id": reader_id,
        "reader_client_secret": reader_secret,
        "tenants": tenants,
    });
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{ready}");
    let _ = out.flush();
}
