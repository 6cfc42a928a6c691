//! The command line, as clap derive types. Every flag carries its documentation here, so `--help`
//! is the reference; `docs/cli.md` adds examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    internal error (a bug in mdca), or stdout could not be written
  2    usage, configuration or filter error detected locally (no request sent)
  3    authentication or authorisation refused (401, 403, Files API with an app token, token request failed)
  4    not found (404)
  5    the server answered another error (400, 429 after retries, 5xx after retries, bad response)
  6    transport error (timeout, connection, TLS)
  130  cancelled (Ctrl+C)

Credentials are read from files (--token-file, --client-secret-file, --access-token-file; `-` for stdin),
environment variables or flags, and are never printed.
Examples:
  mdca --simulate files --all
  mdca alerts --where severity:eq:2 --where alertOpen:eq:true --all
  mdca activities --filter @filters.json --first 5000 --format csv > activities.csv
  mdca alerts --where alertOpen:eq:true --all | mdca alerts close --as benign --ids-from - --comment triaged";

/// Pull Microsoft Defender for Cloud Apps data as NDJSON, CSV or JSON, and run alert and subnet actions.
///
/// `mdca <entity>` lists records (one JSON object per line on stdout); `mdca <entity> get <id>` fetches
/// one. Paging, the 30 requests/minute throttle, retries and the Files API's token quirk are handled.
#[derive(Debug, Parser)]
#[command(name = "mdca", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnectionArgs,

    #[command(flatten)]
    pub sim: SimArgs,

    #[command(flatten)]
    pub diag: DiagArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Where the tenant is and how to authenticate. Secrets come from flags or the environment and are
/// never echoed: `hide_env_values` keeps clap from printing them in `--help` or in errors.
#[derive(Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Tenant API URL: the portal URL from Settings → About (with or without `/api`).
    #[arg(long, global = true, env = "MDCA_URL", value_name = "URL")]
    pub url: Option<String>,

    /// Legacy API token (`Authorization: Token`). Required for the Files API; used for files
    /// automatically when app credentials or an access token are also given.
    #[arg(
        long,
        global = true,
        env = "MDCA_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Read the legacy API token from FILE (`-` for stdin: `mdca --token-file - … < token`), so it is
    /// not in the process list or the environment. Wins over --token and MDCA_TOKEN.
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Entra tenant id (directory id) of the app registration, for application context.
    #[arg(
        long,
        global = true,
        env = "MDCA_TENANT_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub tenant_id: Option<String>,

    /// Application (client) id of the app registration, for application context.
    #[arg(
        long,
        global = true,
        env = "MDCA_CLIENT_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub client_id: Option<String>,

    /// Client secret of the app registration, for application context.
    #[arg(
        long,
        global = true,
        env = "MDCA_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<String>,

    /// Read the client secret from FILE (`-` for stdin). Wins over --client-secret and MDCA_CLIENT_SECRET.
    #[arg(long, global = true, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,

    /// A pre-acquired bearer access token for the MDCA API (e.g. from `az account get-access-token`).
    #[arg(
        long,
        global = true,
        env = "MDCA_ACCESS_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub access_token: Option<String>,

    /// Read the access token from FILE (`-` for stdin). Wins over --access-token and MDCA_ACCESS_TOKEN.
    #[arg(long, global = true, value_name = "FILE")]
    pub access_token_file: Option<PathBuf>,

    /// Identity authority for app credentials [default: the cloud's, https://login.microsoftonline.com
    /// for commercial and GCC]. Giving it also lets a URL of no known cloud through.
    #[arg(long, global = true, env = "MDCA_AUTHORITY_HOST", value_name = "URL")]
    pub authority_host: Option<String>,

    /// The cloud the tenant lives in: sets the authority and checks that --url is one of its hosts
    /// [default: inferred from the URL's host, else commercial].
    #[arg(
        long,
        global = true,
        env = "MDCA_CLOUD",
        value_enum,
        value_name = "CLOUD"
    )]
    pub cloud: Option<CloudArg>,

    /// Accept a --url whose host belongs to no known cloud (a proxy, a new region).
    #[arg(long, global = true)]
    pub allow_any_host: bool,

    /// Token audience instead of the MDCA API's (05a65629-4c1b-48c1-a78b-804c4abdd4af/.default).
    #[arg(long, global = true, value_name = "SCOPE")]
    pub scope: Option<String>,

    /// Sign in with the Azure managed identity of this VM, App Service, Function or Automation account:
    /// `--managed-identity` for the system-assigned one, `--managed-identity=CLIENT_ID` for a
    /// user-assigned one. MDCA_IMDS_ENDPOINT overrides the instance metadata endpoint.
    #[arg(
        long,
        global = true,
        value_name = "CLIENT_ID",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub managed_identity: Option<String>,

    /// Sign in as yourself with a device code (delegated): prints a code and a URL on stderr and waits
    /// until you have signed in in a browser. Needs --tenant-id and --client-id of your own app
    /// registration with "Allow public client flows" on; tokens stay in memory only.
    #[arg(long, global = true)]
    pub device_code: bool,

    /// Sign in as the app (--tenant-id, --client-id) with a certificate instead of a secret: a PEM file
    /// (certificate and key) or a PFX file (with --certificate-password-file).
    #[arg(long, global = true, env = "MDCA_CERTIFICATE", value_name = "FILE")]
    pub certificate: Option<PathBuf>,

    /// The certificate's private key (PEM, PKCS#8 or PKCS#1) when it is not in the --certificate file.
    #[arg(
        long,
        global = true,
        env = "MDCA_CERTIFICATE_KEY",
        value_name = "FILE",
        requires = "certificate"
    )]
    pub certificate_key: Option<PathBuf>,

    /// Password of the PFX given with --certificate.
    #[arg(
        long,
        global = true,
        env = "MDCA_CERTIFICATE_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub certificate_password: Option<String>,

    /// Read the PFX password from FILE (`-` for stdin). Wins over --certificate-password and
    /// MDCA_CERTIFICATE_PASSWORD.
    #[arg(long, global = true, value_name = "FILE")]
    pub certificate_password_file: Option<PathBuf>,

    /// Signature of the certificate sign-in's client assertion: ps256 (x5t#S256, the default) or
    /// rs256 (x5t, SHA-1 thumbprint).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "ALG",
        requires = "certificate"
    )]
    pub certificate_algorithm: Option<CertificateAlgorithm>,

    /// Token endpoint flavour for app credentials: v2 (scope …/.default) or v1 (resource=…).
    #[arg(long, global = true, value_enum, value_name = "VERSION")]
    pub token_endpoint: Option<TokenEndpoint>,

    /// Per-request timeout in seconds [default: 60].
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,

    /// HTTP(S) proxy URL (otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured).
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,

    /// Client-side pacing as REQUESTS/SECONDS (default 30/60, the tenant throttle); `off` disables it.
    #[arg(long, global = true, value_name = "N/SECONDS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimitArg>,

    /// Retries of one request for transient (5xx) and connection failures, and apart for throttled (429)
    /// answers [default: 6]; list pages also keep retrying for up to 15 minutes of failures. 0: no retries
    /// at all.
    #[arg(long, global = true, value_name = "N")]
    pub max_retries: Option<u32>,

    /// How long one request keeps retrying past --max-retries once it starts failing, in seconds: 429s
    /// for any request, 5xx and connection faults for list pages [default: 900]; 0 leaves only the count.
    #[arg(long, global = true, value_name = "SECONDS")]
    pub retry_budget: Option<f64>,

    /// Do not fetch the next page while the current one is being written.
    #[arg(long, global = true)]
    pub no_prefetch: bool,
}

/// `--simulate`: a local simulated tenant, so the tool can be tried without one.
#[derive(Debug, Args)]
#[command(next_help_heading = "Simulator")]
pub struct SimArgs {
    /// Start a simulated tenant in-process and use it (its URL and admin legacy token); no real
    /// tenant is contacted. The throttle is compressed to 30 requests per second.
    /// (`MDCA_*` variables are ignored; `--url` on the command line is refused.)
    #[arg(long, global = true)]
    pub simulate: bool,

    /// With --simulate, authenticate with the simulator's app registration (application context)
    /// instead; its admin legacy token is kept for the Files API.
    #[arg(long, global = true, requires = "simulate")]
    pub simulate_app: bool,

    /// With --simulate, number of activities in the simulated tenant.
    #[arg(long, global = true, value_name = "N", requires = "simulate")]
    pub sim_activities: Option<u64>,

    /// With --simulate, number of files in the simulated tenant.
    #[arg(long, global = true, value_name = "N", requires = "simulate")]
    pub sim_files: Option<u64>,

    /// With --simulate, seed of the generated data (same seed, same records).
    #[arg(long, global = true, value_name = "N", requires = "simulate")]
    pub sim_seed: Option<u64>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Diagnostics")]
pub struct DiagArgs {
    /// Log to stderr (-v warnings and a summary after each list, -vv every request, -vvv trace).
    /// Secrets are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// How errors are printed on stderr: `text` (`mdca: error: …`) or `json` (one object with code, kind,
    /// message, http_status, detail, correlation_id, hint).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Text, value_name = "FORMAT")]
    pub error_format: ErrorFormat,

    /// Never draw the progress bar (it is drawn only when stderr is a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenEndpoint {
    V2,
    V1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudArg {
    Commercial,
    Gcc,
    GccHigh,
    Dod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorFormat {
    Text,
    Json,
}

/// `--certificate-algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CertificateAlgorithm {
    Ps256,
    Rs256,
}

/// Client-side pacing; `requests == 0` turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitArg {
    pub requests: u32,
    pub per_secs: u64,
}

/// Secrets show only whether they are set.
impl std::fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &Option<String>| if s.is_some() { "Some(***)" } else { "None" };
        f.debug_struct("ConnectionArgs")
            .field("url", &self.url)
            .field("token", &set(&self.token))
            .field("tenant_id", &set(&self.tenant_id))
            .field("client_id", &set(&self.client_id))
            .field("client_secret", &set(&self.client_secret))
            .field("access_token", &set(&self.access_token))
            .field("token_file", &self.token_file)
            .field("client_secret_file", &self.client_secret_file)
            .field("access_token_file", &self.access_token_file)
            .field("authority_host", &self.authority_host)
            .field("token_endpoint", &self.token_endpoint)
            .field("cloud", &self.cloud)
            .field("allow_any_host", &self.allow_any_host)
            .field("scope", &self.scope)
            .field("managed_identity", &self.managed_identity)
            .field("device_code", &self.device_code)
            .field("certificate", &self.certificate)
            .field("certificate_key", &self.certificate_key)
            .field("certificate_password", &set(&self.certificate_password))
            .field("certificate_password_file", &self.certificate_password_file)
            .field("certificate_algorithm", &self.certificate_algorithm)
            .field("timeout", &self.timeout)
            .field("proxy", &self.proxy.as_ref().map(|_| "***"))
            .field("rate_limit", &self.rate_limit)
            .field("max_retries", &self.max_retries)
            .field("retry_budget", &self.retry_budget)
            .field("no_prefetch", &self.no_prefetch)
            .finish()
    }
}

fn parse_rate_limit(s: &str) -> Result<RateLimitArg, String> {
    if s.eq_ignore_ascii_case("off") || s == "0" {
        return Ok(RateLimitArg {
            requests: 0,
            per_secs: 1,
        });
    }
    let (n, secs) = s
        .split_once('/')
        .ok_or_else(|| format!("expected REQUESTS/SECONDS such as 30/60 or `off`, got `{s}`"))?;
    let requests = n
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("`{n}` is not a number of requests"))?;
    let per_secs = secs
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("`{secs}` is not a number of seconds"))?;
    if per_secs == 0 {
        return Err("the window must be at least 1 second".into());
    }
    Ok(RateLimitArg { requests, per_secs })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Activities (audit events). Bare `mdca activities [options]` lists.
    #[command(visible_alias = "activity", args_conflicts_with_subcommands = true)]
    Activities(ActivitiesCmd),

    /// Alerts: list, get, close, mark read/unread. Bare `mdca alerts [options]` lists.
    #[command(visible_alias = "alert", args_conflicts_with_subcommands = true)]
    Alerts(AlertsCmd),

    /// Files (needs a legacy API token). Bare `mdca files [options]` lists.
    #[command(visible_alias = "file", args_conflicts_with_subcommands = true)]
    Files(FilesCmd),

    /// Entities (users and accounts). Bare `mdca entities [options]` lists.
    #[command(visible_alias = "entity", args_conflicts_with_subcommands = true)]
    Entities(EntitiesCmd),

    /// IP address ranges (data enrichment): list, create, update, delete. Bare `mdca subnets` lists.
    #[command(visible_alias = "subnet", args_conflicts_with_subcommands = true)]
    Subnets(SubnetsCmd),

    /// Cloud Discovery: upload a log, list reports and their categories, get a block script.
    Discovery(crate::discovery::DiscoveryCmd),

    /// Send any request to the tenant API (with authentication, throttling, retries and error mapping)
    /// and print the JSON answer.
    Request(RequestArgs),
}

#[derive(Debug, Args)]
pub struct ActivitiesCmd {
    #[command(subcommand)]
    pub action: Option<ActivitiesAction>,
    #[command(flatten)]
    pub list: ActivityListArgs,
}

#[derive(Debug, Subcommand)]
pub enum ActivitiesAction {
    /// List activities (the default).
    List(ActivityListArgs),
    /// Fetch activities by id, one JSON object per line.
    Get(GetArgs),
    /// Send feedback on an activity (e.g. after an investigation).
    Feedback(FeedbackArgs),
}

#[derive(Debug, Args)]
pub struct ActivityListArgs {
    #[command(flatten)]
    pub list: ListArgs,

    /// Use scan mode (`isScan`, big pages, follows `nextQueryFilters`); by default mdca decides from the size of the pull.
    #[arg(long, conflicts_with = "no_scan", help_heading = "List")]
    pub scan: bool,

    /// Never use scan mode (plain skip/limit; the server caps skip+limit at 5000).
    #[arg(long, help_heading = "List")]
    pub no_scan: bool,
}

impl ActivityListArgs {
    pub fn scan(&self) -> Option<bool> {
        match (self.scan, self.no_scan) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct AlertsCmd {
    #[command(subcommand)]
    pub action: Option<AlertsAction>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// List alerts (the default).
    List(ListArgs),
    /// Fetch alerts by id, one JSON object per line.
    Get(GetArgs),
    /// Close alerts as benign, false positive or true positive (by ids in chunks of 100, or by filter).
    Close(CloseArgs),
    /// Mark alerts as read.
    Read(IdsArgs),
    /// Mark alerts as unread.
    Unread(IdsArgs),
}

#[derive(Debug, Args)]
pub struct FilesCmd {
    #[command(subcommand)]
    pub action: Option<FilesAction>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Subcommand)]
pub enum FilesAction {
    /// List files (the default).
    List(ListArgs),
    /// Fetch files by id, one JSON object per line.
    Get(GetArgs),
}

#[derive(Debug, Args)]
pub struct EntitiesCmd {
    #[command(subcommand)]
    pub action: Option<EntitiesAction>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Subcommand)]
pub enum EntitiesAction {
    /// List entities (the default).
    List(ListArgs),
    /// Fetch entities by primary key: the base64 pk, or its JSON form {"id":…,"saas":…,"inst":…}.
    Get(GetArgs),
    /// Fetch an entity's tree: a user with its accounts, or an account with its parent and siblings.
    Tree(TreeArgs),
}

#[derive(Debug, Args)]
pub struct SubnetsCmd {
    #[command(subcommand)]
    pub action: Option<SubnetsAction>,
    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Debug, Subcommand)]
pub enum SubnetsAction {
    /// List IP address ranges (the default).
    List(ListArgs),
    /// Fetch IP address ranges by id, one JSON object per line.
    Get(GetArgs),
    /// Create an IP address range; prints the new id.
    Create(SubnetArgs),
    /// Replace an IP address range (not a partial update: omitted optional fields become empty).
    Update(SubnetUpdateArgs),
    /// Delete IP address ranges by id.
    Delete(IdsArgs),
}

/// Paging, filtering and output options shared by every list.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "List")]
pub struct ListArgs {
    /// Fetch every matching record, page after page (otherwise one page).
    #[arg(long, conflicts_with = "first")]
    pub all: bool,

    /// Fetch at most N records (over as many pages as needed).
    #[arg(long, value_name = "N")]
    pub first: Option<u64>,

    /// Skip the first N matching records.
    #[arg(long, value_name = "N")]
    pub skip: Option<u64>,

    /// Raw MDCA filters, passed through untouched: a JSON object such as
    /// '{"severity":{"eq":[2]}}', `@path` to read it from a file, or `@-` for stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    pub filter: Option<String>,

    /// A typed filter FIELD:OPERATOR[:VALUE], repeatable (ANDed with each other and with --filter).
    /// Fields and operators are checked locally against the entity's table; VALUE is JSON (`2`,
    /// `true`, `[1,2]`, `"x"`) or else text, and a comma list becomes a list (`eq:1,2`).
    /// Examples: severity:eq:2  alertOpen:eq:true  date:gte_ndays:7  user.username:isset
    #[arg(long = "where", value_name = "FIELD:OP[:VALUE]")]
    pub wheres: Vec<String>,

    /// Sort field (entity-specific, e.g. date, severity, created, name).
    #[arg(long, value_name = "FIELD")]
    pub sort_field: Option<String>,

    /// Sort direction.
    #[arg(long, value_enum, value_name = "DIR")]
    pub sort_direction: Option<SortDirection>,

    /// Records per request (capped by the server at 100; 500–5000 in activity scan mode).
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,

    /// Output format on stdout.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Ndjson, value_name = "FORMAT")]
    pub format: OutputFormat,

    /// CSV columns, comma-separated; dotted paths reach into objects and numbers into arrays (e.g.
    /// _id,title,entities.0.label). Default: the top-level keys of the first 1000 records (at least the
    /// first page); a key first seen later is named in a warning.
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Vec<String>,

    /// CSV: write cells that start with = + - @ as they are. By default a ' is put before them so that
    /// Excel and other spreadsheets show them as text instead of running them as formulas.
    #[arg(long)]
    pub csv_formulas: bool,

    /// Keep the pull's position in FILE, saved after each page is written to stdout. The same command
    /// with the same FILE continues where a stopped pull (Ctrl+C, crash, kill, expired token) left off;
    /// once a pull has completed, it returns only records new or changed since (incremental runs, e.g.
    /// from cron). The file holds no credentials and no records.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,

    /// With --checkpoint, how far before the previous run's newest record an incremental run starts
    /// reading again, so records stamped a little late are not missed (what that run already returned
    /// is not repeated) [default: 600].
    #[arg(long, value_name = "SECS", requires = "checkpoint")]
    pub lookback: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortDirection {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// One JSON object per line, exactly as the server sent it.
    Ndjson,
    /// A header row, then one row per record; nested values as compact JSON.
    Csv,
    /// One JSON array.
    Json,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// Record ids (primary keys).
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Entity primary key: the base64 pk or its JSON form {"id":…,"saas":…,"inst":…}.
    #[arg(value_name = "PK")]
    pub pk: String,
}

#[derive(Debug, Args)]
pub struct IdsArgs {
    /// Record ids.
    #[arg(required_unless_present = "ids_from", value_name = "ID")]
    pub ids: Vec<String>,

    /// Also read ids from a file (`-` for stdin): one id per line, or NDJSON records with an `_id`.
    #[arg(long, value_name = "FILE")]
    pub ids_from: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    /// How to close the alerts.
    #[arg(long = "as", value_enum, value_name = "VERDICT")]
    pub verdict: CloseVerdict,

    /// Alert id, repeatable (or comma-separated).
    #[arg(
        long = "id",
        value_delimiter = ',',
        value_name = "ID",
        conflicts_with = "filter"
    )]
    pub ids: Vec<String>,

    /// Read alert ids from a file (`-` for stdin): one id per line, or NDJSON alerts (their `_id`),
    /// so `mdca alerts … | mdca alerts close --ids-from -` works.
    #[arg(long, value_name = "FILE", conflicts_with = "filter")]
    pub ids_from: Option<PathBuf>,

    /// Close every alert matching these raw MDCA filters (JSON, `@file` or `@-`).
    #[arg(long, value_name = "JSON|@FILE")]
    pub filter: Option<String>,

    /// Comment stored with the alerts.
    #[arg(long)]
    pub comment: Option<String>,

    /// Reason (benign: actual-severity-lower=2, other=4, confirmed-with-end-user=5, triggered-by-test=6;
    /// false positive: not-of-interest=0, too-many-similar-alerts=1, alert-not-accurate=3, other=4);
    /// a name or its number. Not used for true positives.
    #[arg(long, value_name = "REASON")]
    pub reason: Option<String>,

    /// Send feedback to Microsoft with the closure.
    #[arg(long)]
    pub send_feedback: bool,

    /// Feedback text (with --send-feedback).
    #[arg(long, value_name = "TEXT")]
    pub feedback_text: Option<String>,

    /// Allow Microsoft to contact you about the feedback.
    #[arg(long)]
    pub allow_contact: bool,

    /// Contact address for the feedback.
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,

    /// Change nothing: print how many alerts the selection covers (for --filter, the server's
    /// approximate count of matching alerts).
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloseVerdict {
    Benign,
    FalsePositive,
    TruePositive,
}

#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// Activity id.
    #[arg(value_name = "ID")]
    pub id: String,

    /// Feedback value (as the portal sends it, e.g. 0).
    #[arg(long, value_name = "VALUE")]
    pub value: String,

    /// Feedback text.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,

    /// Allow Microsoft to contact you about the feedback.
    #[arg(long)]
    pub allow_contact: bool,

    /// Contact address for the feedback.
    #[arg(long, value_name = "EMAIL")]
    pub contact_email: Option<String>,
}

#[derive(Debug, Args)]
pub struct SubnetArgs {
    /// Unique name of the range.
    #[arg(long)]
    pub name: String,

    /// Category: corporate, administrative, risky, vpn, cloud-provider, other (or 1–6).
    #[arg(long, value_parser = parse_category)]
    pub category: u8,

    /// CIDR subnet (IPv4 or IPv6), repeatable or comma-separated.
    #[arg(
        long = "subnet",
        required = true,
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub subnets: Vec<String>,

    /// ISP / organization name (overrides the looked-up one).
    #[arg(long, value_name = "NAME")]
    pub organization: Option<String>,

    /// Tag (name or id), repeatable or comma-separated.
    #[arg(long = "tag", value_delimiter = ',', value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SubnetUpdateArgs {
    /// Id of the range to replace.
    #[arg(value_name = "ID")]
    pub id: String,

    #[command(flatten)]
    pub spec: SubnetArgs,
}

fn parse_category(s: &str) -> Result<u8, String> {
    let n = match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "corporate" => 1,
        "administrative" => 2,
        "risky" => 3,
        "vpn" => 4,
        "cloud-provider" | "cloud" => 5,
        "other" => 6,
        other => other.parse::<u8>().map_err(|_| {
            format!("`{s}` is not a category (corporate, administrative, risky, vpn, cloud-provider, other, or 1–6)")
        })?,
    };
    if (1..=6).contains(&n) {
        Ok(n)
    } else {
        Err(format!("category {n} is outside 1–6"))
    }
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// HTTP method (GET, POST, PUT, DELETE, …).
    #[arg(value_name = "METHOD")]
    pub method: String,

    /// Path relative to the API base, e.g. v1/alerts/ or v1/alerts/<id>/ (a leading /api/ is accepted).
    #[arg(value_name = "PATH")]
    pub path: String,

    /// JSON request body (`@file` or `@-` for stdin).
    #[arg(long, value_name = "JSON|@FILE")]
    pub body: Option<String>,

    /// Query-string parameter KEY=VALUE, repeatable.
    #[arg(long = "query", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub query: Vec<(String, String)>,

    /// Treat this write as safe to repeat, so it is retried on transient failures (GET always is).
    #[arg(long)]
    pub idempotent: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn rate_limit_accepts_requests_per_seconds_and_off() {
        assert_eq!(
            parse_rate_limit("30/60"),
            Ok(RateLimitArg {
                requests: 30,
                per_secs: 60
            })
        );
        assert_eq!(parse_rate_limit("off").unwrap().requests, 0);
        assert!(parse_rate_limit("30").is_err());
        assert!(parse_rate_limit("30/0").is_err());
    }

    #[test]
    fn categories_accept_names_and_numbers_in_range() {
        assert_eq!(parse_category("vpn"), Ok(4));
        assert_eq!(parse_category("Cloud_Provider"), Ok(5));
        assert_eq!(parse_category("6"), Ok(6));
        assert!(parse_category("7").is_err());
        assert!(parse_category("home").is_err());
    }

    #[test]
    fn a_bare_entity_means_list_and_a_subcommand_selects_an_action() {
        let cli = Cli::try_parse_from(["mdca", "files", "--all"]).unwrap();
        match cli.command {
            Command::Files(FilesCmd { action: None, list }) => assert!(list.all),
            other => panic!("unexpected {other:?}"),
        }
        let cli = Cli::try_parse_from(["mdca", "files", "get", "abc"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Files(FilesCmd {
                action: Some(FilesAction::Get(_)),
                ..
            })
        ));
    }

    #[test]
    fn global_options_may_follow_the_entity() {
        let cli = Cli::try_parse_from(["mdca", "files", "--all", "--simulate", "-v"]).unwrap();
        assert!(cli.sim.simulate);
        assert_eq!(cli.diag.verbose, 1);
    }
}
