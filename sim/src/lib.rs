//! `mdca-sim`: a loopback simulator of the Microsoft Defender for Cloud Apps REST API, built from
//! the behaviour list of api.md §14, for the client's tests and for offline script development.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = mdca_sim::start(mdca_sim::SimConfig::for_tests()).await?;
//! let url = sim.url();             // http://127.0.0.1:PORT (tenant 0)
//! let token = sim.admin_token();   // Authorization: Token <token>
//! # let _ = (url, token);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Tenant `i` is served at `/t/tenant<i>/`, tenant 0 also at the root. The fake identity endpoint
//! lives at the root (`authority_host()`), the control endpoint at `/_sim/` (see [`control`]).

pub mod behaviour;
pub mod data;
pub mod filter;
pub mod list;

mod assertion;
mod auth;
mod blob;
mod body;
mod conn;
pub mod control;
mod device_code;
mod discovery;
mod faults;
mod identity;
mod idp;
mod mutator;
mod server;
mod stats;
mod throttle;

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use auth::{
    Role, DISCOVERY_MANAGE, DISCOVERY_READ, INVESTIGATION_MANAGE, INVESTIGATION_READ,
    MDCA_RESOURCE, SETTINGS_MANAGE, SETTINGS_READ,
};
pub use behaviour::{Behaviour, DeepFiles, ScanCursor};
pub use blob::{BlobLimits, BlobRecord};
pub use data::live::{GroundTruth, LiveConfig, Mutation, MutationKind};
pub use faults::{FaultKind, FaultSpec, SlowFiles};
pub use identity::ManagedIdentityInfo;
pub use stats::Stats;
pub use throttle::ThrottleConfig;

use auth::{legacy_token, Keyring};
use conn::{ConnHandle, SimListener};
use data::{DataConfig, Dataset, Entity};
use server::{Shared, Tenant};

/// Everything the simulator is started with.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to listen on; default `127.0.0.1:0` (an ephemeral port).
    pub bind: SocketAddr,
    /// Dataset of tenant 0; tenant `i` uses the same sizes with seed `seed + i`.
    pub data: DataConfig,
    /// Number of tenants (at least 1).
    pub tenants: u32,
    /// Per-tenant throttle; default 30 requests per 60 s with `Retry-After`.
    pub throttle: ThrottleConfig,
    /// Lifetime of bearer tokens from the identity endpoint; default 3599 s.
    pub token_lifetime: Duration,
    /// Faults armed at start.
    pub faults: Vec<FaultSpec>,
    /// Slow answers for deep files pages (off by default).
    pub slow_files: Option<SlowFiles>,
    /// Live mode: a moving clock and a mutator (api.md §16 rules 30–31); off by default.
    pub live: Option<LiveConfig>,
    /// Server behaviour switches (api.md §16 rules 32–38); all off by default.
    pub behaviour: Behaviour,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data: DataConfig::default(),
            tenants: 1,
            throttle: ThrottleConfig::default(),
            token_lifetime: Duration::from_secs(3599),
            faults: Vec::new(),
            slow_files: None,
            live: None,
            behaviour: Behaviour::default(),
        }
    }
}

impl SimConfig {
    /// For tests: no throttling, a small dataset, a fixed clock (2026-01-01T00:00:00Z), seed 42.
    pub fn for_tests() -> SimConfig {
        SimConfig {
            data: DataConfig {
                seed: 42,
                activities: 3_000,
                alerts: 250,
                files: 400,
                entities: 80,
                subnets: 8,
                now_ms: 1_767_225_600_000,
                approximate_total: false,
            },
            throttle: ThrottleConfig::off(),
            ..SimConfig::default()
        }
    }
}

enum Runner {
    Task(tokio::task::JoinHandle<()>),
    Thread(std::thread::JoinHandle<()>),
}

/// A running simulator. Dropping it stops the server (in-flight requests get about a second).
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    runner: Option<Runner>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No tokens here: Debug output ends up in logs.
        f.debug_struct("Simulator")
            .field("url", &self.url())
            .field("tenants", &self.shared.tenants.len())
            .finish_non_exhaustive()
    }
}

fn url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Binds, builds the state, and returns the serve future (not yet running).
async fn launch(
    cfg: SimConfig,
) -> io::Result<(
    SocketAddr,
    Arc<Shared>,
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
)> {
    let tenants_n = cfg.tenants.max(1);
    let listener = TcpListener::bind(cfg.bind).await?;
    let addr = listener.local_addr()?;
    let seed = cfg.data.seed;
    let tenants = (0..tenants_n)
        .map(|i| {
            let mut data = cfg.data.clone();
            data.seed = seed.wrapping_add(u64::from(i));
            Tenant {
                index: i,
                entra_id: auth::entra_tenant_id(seed, i),
                dataset: Arc::new(Dataset::new(data)),
                window: Default::default(),
            }
        })
        .collect();
    let shared = Arc::new(Shared::new(
        tenants,
        Keyring::new(seed, tenants_n),
        url_for(addr),
        cfg.throttle,
        cfg.token_lifetime,
        cfg.data.approximate_total,
        cfg.slow_files,
    ));
    for f in cfg.faults {
        shared.faults.arm(f);
    }
    shared.set_behaviour(cfg.behaviour);
    shared.set_live(cfg.live);
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let app = server::router(shared.clone()).into_make_service_with_connect_info::<ConnHandle>();
    let serve = async move {
        let (begun_tx, begun_rx) = oneshot::channel::<()>();
        let graceful = axum::serve(SimListener(listener), app).with_graceful_shutdown(async move {
            // Either an explicit stop or the handle being dropped.
            let _ = stop_rx.await;
            let _ = begun_tx.send(());
        });
        tokio::select! {
            _ = graceful => {}
            // Stalled requests (the stall fault) must not hold a shutdown for long.
            _ = async {
                if begun_rx.await.is_ok() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => {}
        }
    };
    Ok((addr, shared, stop_tx, serve))
}

/// Starts the simulator inside the current tokio runtime.
pub async fn start(cfg: SimConfig) -> io::Result<Simulator> {
    let (addr, shared, stop, serve) = launch(cfg).await?;
    let task = tokio::spawn(serve);
    Ok(Simulator {
        addr,
        shared,
        stop: Some(stop),
        runner: Some(Runner::Task(task)),
    })
}

/// Starts the simulator on its own thread and runtime (for synchronous tests, C tests, the CLI).
pub fn start_blocking(cfg: SimConfig) -> io::Result<Simulator> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("mdca-sim".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("mdca-sim-worker")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match launch(cfg).await {
                    Ok((addr, shared, stop, serve)) => {
                        let _ = ready_tx.send(Ok((addr, shared, stop)));
                        serve.await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
            rt.shutdown_timeout(Duration::from_secs(1));
        })?;
    let (addr, shared, stop) = ready_rx
        .recv()
        .map_err(|_| io::Error::other("the simulator thread stopped before it was ready"))??;
    Ok(Simulator {
        addr,
        shared,
        stop: Some(stop),
        runner: Some(Runner::Thread(thread)),
    })
}

impl Simulator {
    /// `http://127.0.0.1:PORT`: tenant 0's portal URL; give this to clients.
    pub fn url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The socket address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Number of tenants served.
    pub fn tenants(&self) -> u32 {
        self.shared.tenants.len() as u32
    }

    /// `http://127.0.0.1:PORT/t/tenant<i>`: tenant `i`'s portal URL.
    pub fn tenant_url(&self, i: u32) -> String {
        format!("{}/t/tenant{i}", self.shared.base_url)
    }

    /// Legacy API token of a Global administrator of tenant 0 (64 hex characters).
    pub fn admin_token(&self) -> String {
        self.tenant_token(0, Role::GlobalAdmin)
    }

    /// Legacy API token of a Security reader of tenant 0: read only.
    pub fn reader_token(&self) -> String {
        self.tenant_token(0, Role::SecurityReader)
    }

    /// Legacy API token of a Security operator of tenant 0: read and manage alerts.
    pub fn operator_token(&self) -> String {
        self.tenant_token(0, Role::SecurityOperator)
    }

    /// Legacy API token of a Global administrator of tenant `i`.
    pub fn tenant_admin_token(&self, i: u32) -> String {
        self.tenant_token(i, Role::GlobalAdmin)
    }

    /// Legacy API token of any role in tenant `i`. Deterministic per seed and tenant.
    pub fn tenant_token(&self, i: u32, role: Role) -> String {
        self.check_tenant(i);
        legacy_token(self.shared.keyring.seed(), i, role)
    }

    /// The Entra tenant id (GUID) of tenant 0, used in `/{tenant}/oauth2/...`.
    pub fn entra_tenant_id(&self) -> String {
        self.tenant_entra_id(0)
    }

    /// The Entra tenant id (GUID) of tenant `i`.
    pub fn tenant_entra_id(&self, i: u32) -> String {
        self.check_tenant(i);
        self.shared.tenants[i as usize].entra_id.clone()
    }

    /// Client id and secret of an app with Investigation.manage, Settings.manage and
    /// Discovery.manage, consented in every tenant.
    pub fn app_credentials(&self) -> (String, String) {
        let a = self.shared.keyring.app(0);
        (a.client_id, a.client_secret)
    }

    /// Client id and secret of an app with Investigation.read only.
    pub fn reader_app_credentials(&self) -> (String, String) {
        let a = self.shared.keyring.app(1);
        (a.client_id, a.client_secret)
    }

    /// Registers another app with these permission names (any casing); returns its client id
    /// and secret.
    pub fn register_app(&self, roles: &[&str]) -> (String, String) {
        let a = self
            .shared
            .keyring
            .register_app(roles.iter().map(|r| r.to_string()).collect());
        (a.client_id, a.client_secret)
    }

    /// Registers a client certificate (PEM text, DER bytes or base64 DER) for the app `client_id`, so
    /// client assertions signed with its key are accepted (docs/api.md §3.8). Returns its SHA-1
    /// thumbprint in hex, as the Entra portal lists it.
    pub fn register_certificate(
        &self,
        client_id: &str,
        certificate: &[u8],
    ) -> Result<String, String> {
        self.shared.certificates.register(client_id, certificate)
    }

    /// Moves the clock the identity endpoint checks assertions' `exp`/`nbf` against by `secs`
    /// (positive: the endpoint is ahead of the client, so assertions look older).
    pub fn set_identity_clock_skew(&self, secs: i64) {
        self.shared.certificates.set_clock_skew(secs);
    }

    /// A bearer token for tenant `i` carrying these permission names, as if issued by the identity
    /// endpoint now with the current token lifetime.
    pub fn bearer_token(&self, i: u32, roles: &[&str]) -> String {
        self.check_tenant(i);
        let t = &self.shared.tenants[i as usize];
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        self.shared.keyring.issue(
            i,
            &t.entra_id,
            "00000000-0000-0000-0000-000000000000",
            &roles,
            self.shared.token_lifetime(),
        )
    }

    /// The machine's managed identities: the system-assigned one (Investigation.manage,
    /// Settings.manage, Discovery.manage) and a user-assigned one (Investigation.read), both in tenant 0.
    pub fn managed_identities(&self) -> Vec<ManagedIdentityInfo> {
        self.shared.identities.list()
    }

    /// The client id of the user-assigned managed identity.
    pub fn user_assigned_identity(&self) -> String {
        self.managed_identities()
            .into_iter()
            .find(|i| !i.system_assigned)
            .map(|i| i.client_id)
            .unwrap_or_default()
    }

    /// The IMDS-style managed identity token endpoint (what `MDCA_IMDS_ENDPOINT` should name).
    pub fn imds_endpoint(&self) -> String {
        format!("{}/metadata/identity/oauth2/token", self.shared.base_url)
    }

    /// The App Service-style endpoint (`IDENTITY_ENDPOINT`) and its header secret (`IDENTITY_HEADER`).
    pub fn app_service_identity(&self) -> (String, String) {
        (
            format!("{}/msi/token", self.shared.base_url),
            self.shared.identities.header().to_string(),
        )
    }

    /// Makes both managed identity endpoints cut every connection (as off Azure), or serve again.
    pub fn set_managed_identity_available(&self, on: bool) {
        self.shared.identities.set_available(on);
    }

    /// Forgets a managed identity, so a request with its client id gets "identity not found".
    pub fn forget_managed_identity(&self, client_id: &str) -> bool {
        self.shared.identities.forget(client_id)
    }

    /// The client id of the public client app that may use the device code flow ("Allow public client
    /// flows" on; delegated Investigation.manage, Settings.manage, Discovery.manage; docs/api.md §3.9).
    pub fn public_client_id(&self) -> String {
        self.shared.device_codes.public_client_id().to_string()
    }

    /// The identity endpoint's host: the simulator itself.
    pub fn authority_host(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Tenant `i`'s dataset, to compare answers with or to change directly.
    pub fn dataset(&self, tenant: u32) -> &Dataset {
        self.check_tenant(tenant);
        &self.shared.tenants[tenant as usize].dataset
    }

    pub fn add_fault(&self, f: FaultSpec) {
        self.shared.faults.arm(f);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Faults still armed, with their remaining counts.
    pub fn armed_faults(&self) -> Vec<FaultSpec> {
        self.shared.faults.armed()
    }

    /// Every discovery upload URL issued so far and what its blob storage holds: length and SHA-256 of
    /// the committed blob, blocks committed and still staged, whether `done_upload` took it.
    pub fn blobs(&self) -> Vec<BlobRecord> {
        blob::records(&self.shared)
    }

    /// Size limits of the blob storage (`None` fields follow the request's service version).
    pub fn set_blob_limits(&self, limits: BlobLimits) {
        self.shared.discovery.storage.set_limits(limits);
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }

    /// Inserts `n` new records at the head of tenant 0's `e` list.
    pub fn insert_head(&self, e: Entity, n: u64) -> u64 {
        self.dataset(0).insert_head(e, n)
    }

    pub fn throttle(&self) -> ThrottleConfig {
        self.shared.throttle()
    }

    /// Changes the throttle at run time; requests already counted stay in the windows.
    pub fn set_throttle(&self, t: ThrottleConfig) {
        self.shared.set_throttle(t);
    }

    /// Forgets the requests counted in every tenant's throttle window.
    pub fn reset_throttle(&self) {
        for t in &self.shared.tenants {
            t.window.clear();
        }
    }

    /// Lifetime of bearer tokens issued from now on.
    pub fn set_token_lifetime(&self, d: Duration) {
        self.shared.set_token_lifetime(d);
    }

    /// Slows down files lists with a large `skip` (`None` turns it off).
    pub fn set_slow_files(&self, s: Option<SlowFiles>) {
        self.shared.set_slow_files(s);
    }

    /// Starts, changes or stops live mode in every tenant (api.md §16 rules 30–31): the clocks move at
    /// `clock_speed` and the mutator makes `rate` mutations per real second per tenant; `None` stops
    /// the mutator and freezes the clocks where they are (they never go back).
    ///
    /// # Panics
    /// When `rate` is negative or `clock_speed` is not positive (see [`LiveConfig::validate`]).
    pub fn set_live(&self, live: Option<LiveConfig>) {
        if let Some(l) = &live {
            if let Err(msg) = l.validate() {
                panic!("{msg}");
            }
        }
        self.shared.set_live(live);
    }

    /// Live mode as last set.
    pub fn live(&self) -> Option<LiveConfig> {
        self.shared.live()
    }

    /// Tenant `tenant`'s clock in epoch ms (moves in live mode, api.md §16 rule 30).
    pub fn now_ms(&self, tenant: u32) -> i64 {
        self.dataset(tenant).now_ms()
    }

    /// Mutations journaled so far in tenant `tenant`.
    pub fn mutations(&self, tenant: u32) -> u64 {
        self.dataset(tenant).mutations()
    }

    /// The `_id`s of `entity` records of tenant `tenant` that matched `filters` at every instant /
    /// at some instant of `[from_ms, to_ms]` of its clock (relative operators count from `from_ms`).
    ///
    /// # Panics
    /// When the filters are invalid for the entity (the message holds the rule-19 body).
    pub fn ground_truth(
        &self,
        tenant: u32,
        entity: Entity,
        filters: &serde_json::Value,
        from_ms: i64,
        to_ms: i64,
    ) -> GroundTruth {
        match self
            .dataset(tenant)
            .ground_truth(entity, filters, from_ms, to_ms)
        {
            Ok(t) => t,
            Err(e) => panic!("ground truth of invalid filters {filters}: {e:?}"),
        }
    }

    /// The server behaviour switches in force.
    pub fn behaviour(&self) -> Behaviour {
        self.shared.behaviour()
    }

    /// Replaces the server behaviour switches (api.md §16 rules 32–38).
    pub fn set_behaviour(&self, b: Behaviour) {
        self.shared.set_behaviour(b);
    }

    /// Makes activity totals approximate (off by a few) in every tenant (api.md §14 rule 16).
    pub fn set_approximate_total(&self, on: bool) {
        self.shared.set_approximate_total(on);
    }

    fn check_tenant(&self, i: u32) {
        assert!(
            (i as usize) < self.shared.tenants.len(),
            "tenant {i} does not exist; the simulator serves {} tenant(s)",
            self.shared.tenants.len()
        );
    }

    /// Stops the server and waits (about a second at most) for it to finish.
    pub async fn shutdown(mut self) {
        self.shared.set_live(None);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.runner.take() {
            Some(Runner::Task(task)) => {
                let _ = task.await;
            }
            Some(Runner::Thread(thread)) => {
                let _ = tokio::task::spawn_blocking(move || thread.join()).await;
            }
            None => {}
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.set_live(None);
        // Dropping the sender starts the shutdown; the server finishes on its own.
        self.stop.take();
    }
}
