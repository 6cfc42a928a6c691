//! The HTTP front of the simulator (api.md §1–§2, §14 rules 1–8, 28–29).
//!
//! One fallback handler parses the path itself: every route exists under `/api/v1/` and
//! `/cas/api/v1/`, at the root for tenant 0 and under `/t/tenant<i>/` for every tenant, with or
//! without a trailing slash. Each API request then goes through the same steps, in this order:
//! throttle (429), armed faults, authentication (401), the action matrix (403), method (405),
//! parameters (400), and finally the data layer.

// Handlers return ready HTTP responses as their error type; they are built once per request,
// so boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::auth::{self, Action, Keyring};
use crate::behaviour::Behaviour;
use crate::body;
use crate::conn::ConnHandle;
use crate::data::live::LiveConfig;
use crate::data::{CloseKind, DataError, Dataset, Entity};
use crate::discovery::{self, Discovery};
use crate::faults::{FaultBoard, FaultKind, SlowFiles};
use crate::identity::{self, Identities};
use crate::idp::{self, Endpoint};
use crate::mutator::Mutator;
use crate::stats::Recorder;
use crate::throttle::{self, ThrottleConfig, Window};

/// One simulated MDCA tenant.
pub(crate) struct Tenant {
    pub index: u32,
    pub entra_id: String,
    pub dataset: Arc<Dataset>,
    pub window: Window,
}

/// Everything the handlers share. Locks inside are held only for short, synchronous updates.
pub(crate) struct Shared {
    pub tenants: Vec<Tenant>,
    pub keyring: Keyring,
    /// The managed identities of the simulated machine (docs/api.md §3.7).
    pub(crate) identities: Identities,
    /// Device codes and refresh tokens of delegated sign-ins (docs/api.md §3.9).
    pub(crate) device_codes: crate::device_code::DeviceCodes,
    /// Certificates registered for apps, checked in client assertions (docs/api.md §3.8).
    pub(crate) certificates: crate::assertion::Certificates,
    pub faults: FaultBoard,
    pub stats: Recorder,
    pub discovery: Discovery,
    pub base_url: String,
    throttle: RwLock<ThrottleConfig>,
    token_lifetime: RwLock<Duration>,
    approximate_total: AtomicBool,
    slow_files: RwLock<Option<SlowFiles>>,
    behaviour: RwLock<Behaviour>,
    /// Live mode as last set, and its running mutator.
    live: Mutex<(Option<LiveConfig>, Option<Mutator>)>,
    /// Deep files pages served (api.md §16 rule 38: every K-th fails).
    pub(crate) deep_pages: std::sync::atomic::AtomicU64,
}

impl Shared {
    pub(crate) fn new(
        tenants: Vec<Tenant>,
        keyring: Keyring,
        base_url: String,
        throttle: ThrottleConfig,
        token_lifetime: Duration,
        approximate_total: bool,
        slow_files: Option<SlowFiles>,
    ) -> Shared {
        Shared {
            tenants,
            identities: Identities::new(keyring.seed()),
            device_codes: crate::device_code::DeviceCodes::new(keyring.seed()),
            certificates: Default::default(),
            keyring,
            faults: FaultBoard::default(),
            stats: Recorder::default(),
            discovery: Discovery::default(),
            base_url,
            throttle: RwLock::new(throttle),
            token_lifetime: RwLock::new(token_lifetime),
            approximate_total: AtomicBool::new(approximate_total),
            slow_files: RwLock::new(slow_files),
            behaviour: RwLock::default(),
            live: Mutex::default(),
            deep_pages: Default::default(),
        }
    }

    pub(crate) fn behaviour(&self) -> Behaviour {
        self.behaviour
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_behaviour(&self, b: Behaviour) {
        for t in &self.tenants {
            t.dataset.set_behaviour(b.clone());
        }
        *self.behaviour.write().unwrap_or_else(|e| e.into_inner()) = b;
        // Rule 38's "every K-th deep page" counts from the switches in force.
        self.deep_pages.store(0, Ordering::Relaxed);
    }

    pub(crate) fn live(&self) -> Option<LiveConfig> {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    /// Starts, changes or stops live mode (clocks and mutator) in every tenant.
    pub(crate) fn set_live(&self, live: Option<LiveConfig>) {
        let mut state = self.live.lock().unwrap_or_else(|e| e.into_inner());
        // The old mutator stops (and is joined) before the clocks change speed.
        state.1 = None;
        let speed = live.as_ref().map_or(0.0, |l| l.clock_speed);
        for t in &self.tenants {
            t.dataset.set_clock_speed(speed);
        }
        state.1 = live.as_ref().and_then(|l| {
            let datasets = self
                .tenants
                .iter()
                .map(|t| Arc::clone(&t.dataset))
                .collect();
            Mutator::start(datasets, l.rate)
        });
        state.0 = live;
    }

    pub(crate) fn throttle(&self) -> ThrottleConfig {
        *self.throttle.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the throttle; the windows keep the requests they already counted.
    pub(crate) fn set_throttle(&self, t: ThrottleConfig) {
        *self.throttle.write().unwrap_or_else(|e| e.into_inner()) = t;
    }

    pub(crate) fn token_lifetime(&self) -> Duration {
        *self
            .token_lifetime
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Applies to tokens issued from now on.
    pub(crate) fn set_token_lifetime(&self, d: Duration) {
        *self
            .token_lifetime
            .write()
            .unwrap_or_else(|e| e.into_inner()) = d;
    }

    pub(crate) fn approximate_total(&self) -> bool {
        self.approximate_total.load(Ordering::Relaxed)
    }

    pub(crate) fn set_approximate_total(&self, on: bool) {
        self.approximate_total.store(on, Ordering::Relaxed);
        for t in &self.tenants {
            t.dataset.set_approximate_total(on);
        }
    }

    pub(crate) fn slow_files(&self) -> Option<SlowFiles> {
        *self.slow_files.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_slow_files(&self, s: Option<SlowFiles>) {
        *self.slow_files.write().unwrap_or_else(|e| e.into_inner()) = s;
    }

    pub(crate) fn tenant_by_entra_id(&self, id: &str) -> Option<&Tenant> {
        self.tenants
            .iter()
            .find(|t| t.entra_id.eq_ignore_ascii_case(id))
    }

    /// The API base of a tenant, e.g. `http://127.0.0.1:PORT/t/tenant1`.
    pub(crate) fn tenant_url(&self, i: u32) -> String {
        if i == 0 {
            self.base_url.clone()
        } else {
            format!("{}/t/tenant{i}", self.base_url)
        }
    }
}

/// What an API path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    List(Entity),
    Fetch(Entity, String),
    Feedback(String),
    /// A bulk close; the deprecated `dismiss_bulk` and `resolve` map here too (api.md §14 rule 22).
    Close(CloseKind, &'static str),
    /// The deprecated `alerts/<pk>/dismiss/`: close one alert as false positive.
    DismissOne(String),
    Read(String, bool),
    Tree(String),
    SubnetCreate,
    SubnetUpdate(String),
    SubnetDelete(String),
    DiscoveryUploadUrl,
    DiscoveryDoneUpload,
    DiscoveryStreams,
    DiscoveryCategories,
    DiscoveryBlockScript,
}

impl Op {
    /// The route name used by faults and counters.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::List(e) => match e {
                Entity::Activities => "activities.list",
                Entity::Alerts => "alerts.list",
                Entity::Files => "files.list",
                Entity::Entities => "entities.list",
                Entity::Subnets => "subnets.list",
            },
            Op::Fetch(e, _) => match e {
                Entity::Activities => "activities.fetch",
                Entity::Alerts => "alerts.fetch",
                Entity::Files => "files.fetch",
                Entity::Entities => "entities.fetch",
                Entity::Subnets => "subnets.fetch",
            },
            Op::Feedback(_) => "activities.feedback",
            Op::Close(_, name) => name,
            Op::DismissOne(_) => "alerts.dismiss",
            Op::Read(_, true) => "alerts.read",
            Op::Read(_, false) => "alerts.unread",
            Op::Tree(_) => "entities.tree",
            Op::SubnetCreate => "subnets.create",
            Op::SubnetUpdate(_) => "subnets.update",
            Op::SubnetDelete(_) => "subnets.delete",
            Op::DiscoveryUploadUrl => "discovery.upload_url",
            Op::DiscoveryDoneUpload => "discovery.done_upload",
            Op::DiscoveryStreams => "discovery.streams",
            Op::DiscoveryCategories => "discovery.categories",
            Op::DiscoveryBlockScript => "discovery.block_script",
        }
    }

    /// The permission class of api.md §3.4/§3.5.
    fn action(&self) -> Action {
        let by_entity = |e: &Entity| match e {
            Entity::Activities | Entity::Entities => Action::InvestigationRead,
            Entity::Alerts => Action::AlertsRead,
            Entity::Files => Action::Files,
            Entity::Subnets => Action::SubnetRead,
        };
        match self {
            Op::List(e) | Op::Fetch(e, _) => by_entity(e),
            Op::Feedback(_) | Op::Tree(_) => Action::InvestigationRead,
            Op::Close(..) | Op::DismissOne(_) => Action::AlertsManage,
            Op::Read(..) => Action::AlertsRead,
            Op::SubnetCreate | Op::SubnetUpdate(_) | Op::SubnetDelete(_) => Action::SubnetManage,
            Op::DiscoveryStreams | Op::DiscoveryCategories => Action::DiscoveryRead,
            Op::DiscoveryUploadUrl | Op::DiscoveryDoneUpload | Op::DiscoveryBlockScript => {
                Action::DiscoveryManage
            }
        }
    }

    /// Methods the route answers (api.md §14 rules 2 and 4: lists and fetches take GET and POST).
    fn methods(&self) -> &'static [Method] {
        const GET_POST: &[Method] = &[Method::GET, Method::POST];
        const POST: &[Method] = &[Method::POST];
        const POST_PUT: &[Method] = &[Method::POST, Method::PUT];
        const DELETE: &[Method] = &[Method::DELETE];
        match self {
            Op::List(_) | Op::Fetch(..) | Op::Tree(_) => GET_POST,
            Op::DiscoveryUploadUrl | Op::DiscoveryStreams | Op::DiscoveryCategories => GET_POST,
            Op::DiscoveryBlockScript => GET_POST,
            Op::Feedback(_) | Op::Close(..) | Op::DismissOne(_) | Op::Read(..) => POST,
            Op::SubnetCreate | Op::DiscoveryDoneUpload => POST,
            Op::SubnetUpdate(_) => POST_PUT,
            Op::SubnetDelete(_) => DELETE,
        }
    }
}

/// Where a request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Api {
        tenant: u32,
        op: Op,
    },
    /// Under an API prefix, but no such route.
    ApiUnknown,
    Token {
        tenant: String,
        endpoint: Endpoint,
    },
    /// The device authorization endpoint (docs/api.md §3.9).
    DeviceCode {
        tenant: String,
    },
    /// A managed identity endpoint (IMDS or App Service style).
    Identity(identity::Style),
    /// The storage side of a discovery upload: `/_blob/<id>/<file>` (the operation is its `comp`).
    Blob(String, crate::blob::BlobOp),
    Control(Vec<String>),
    Unknown,
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Api { op, .. } => op.name(),
            Target::Token { .. } => "oauth2.token",
            Target::DeviceCode { .. } => "oauth2.devicecode",
            Target::Identity(style) => style.route_name(),
            Target::Blob(_, op) => op.route_name(),
            Target::ApiUnknown | Target::Unknown => "not_found",
            Target::Control(_) => "sim.control",
        }
    }
}

/// Decodes `%XX` escapes (paths keep `+` literal).
pub(crate) fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Maps a path to its target (api.md §1; §14 rule 1).
pub(crate) fn route(path: &str, method: &Method, tenants: u32) -> Target {
    // Split on literal slashes only, then decode each segment: an entity pk may hold `%2F`.
    let mut segs: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    if segs.last().is_some_and(|s| s.is_empty()) {
        segs.pop();
    }
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["_sim", rest @ ..] => {
            return Target::Control(rest.iter().map(|s| s.to_string()).collect())
        }
        ["_blob", id, _file, ..] => return Target::Blob(id.to_string(), crate::blob::BlobOp::Put),
        ["metadata", "identity", "oauth2", "token"] => {
            return Target::Identity(identity::Style::Imds)
        }
        ["msi", "token"] | ["MSI", "token"] => {
            return Target::Identity(identity::Style::AppService)
        }
        _ => {}
    }
    let (tenant, rest) = match segs.as_slice() {
        ["t", name, rest @ ..] => match name
            .strip_prefix("tenant")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n < tenants && *name == format!("tenant{n}"))
        {
            Some(i) => (i, rest),
            None => return Target::Unknown,
        },
        _ => (0, segs.as_slice()),
    };
    let api = match rest {
        // Discovery streams and block scripts have no `v1` segment (api.md §1, §11).
        ["api", "discovery", "streams"] | ["cas", "api", "discovery", "streams"] => {
            return Target::Api {
                tenant,
                op: Op::DiscoveryStreams,
            }
        }
        ["api", "discovery_block_scripts"] | ["cas", "api", "discovery_block_scripts"] => {
            return Target::Api {
                tenant,
                op: Op::DiscoveryBlockScript,
            }
        }
        ["api", "v1", "discovery", d @ ..] | ["cas", "api", "v1", "discovery", d @ ..] => {
            let op = match d {
                ["upload_url"] => Op::DiscoveryUploadUrl,
                ["done_upload"] => Op::DiscoveryDoneUpload,
                ["streams"] => Op::DiscoveryStreams,
                ["discovered_apps", "categories"] => Op::DiscoveryCategories,
                _ => return Target::ApiUnknown,
            };
            return Target::Api { tenant, op };
        }
        ["api", "v1", api @ ..] | ["cas", "api", "v1", api @ ..] => api,
        [tid, "oauth2", "token"] if segs.len() == 3 => {
            return Target::Token {
                tenant: tid.to_string(),
                endpoint: Endpoint::V1,
            }
        }
        [tid, "oauth2", "v2.0", "devicecode"] if segs.len() == 4 => {
            return Target::DeviceCode {
                tenant: tid.to_string(),
            }
        }
        [tid, "oauth2", "v2.0", "token"] if segs.len() == 4 => {
            return Target::Token {
                tenant: tid.to_string(),
                endpoint: Endpoint::V2,
            }
        }
        ["api", ..] | ["cas", "api", ..] => return Target::ApiUnknown,
        _ => return Target::Unknown,
    };
    let Some((first, rest)) = api.split_first() else {
        return Target::ApiUnknown;
    };
    let Some(entity) = Entity::from_path_segment(first) else {
        return Target::ApiUnknown;
    };
    let op = match (entity, rest) {
        (_, []) => Some(Op::List(entity)),
        (Entity::Activities, [pk]) => Some(Op::Fetch(entity, pk.to_string())),
        (Entity::Activities, [pk, "feedback"]) => Some(Op::Feedback(pk.to_string())),
        (Entity::Alerts, ["close_benign"]) => {
            Some(Op::Close(CloseKind::Benign, "alerts.close_benign"))
        }
        (Entity::Alerts, ["close_false_positive"]) => Some(Op::Close(
            CloseKind::FalsePositive,
            "alerts.close_false_positive",
        )),
        (Entity::Alerts, ["close_true_positive"]) => Some(Op::Close(
            CloseKind::TruePositive,
            "alerts.close_true_positive",
        )),
        (Entity::Alerts, ["dismiss_bulk"]) => {
            Some(Op::Close(CloseKind::FalsePositive, "alerts.dismiss"))
        }
        (Entity::Alerts, ["resolve"]) => Some(Op::Close(CloseKind::TruePositive, "alerts.resolve")),
        (Entity::Alerts, [pk]) => Some(Op::Fetch(entity, pk.to_string())),
        (Entity::Alerts, [pk, "read"]) => Some(Op::Read(pk.to_string(), true)),
        (Entity::Alerts, [pk, "unread"]) => Some(Op::Read(pk.to_string(), false)),
        (Entity::Alerts, [pk, "dismiss"]) => Some(Op::DismissOne(pk.to_string())),
        (Entity::Files, [pk]) => Some(Op::Fetch(entity, pk.to_string())),
        // An entity pk is base64 and may contain unescaped `/`: everything up to the optional
        // `retrieve_tree` is the pk (api.md §9).
        (Entity::Entities, [pk @ .., "retrieve_tree"]) if !pk.is_empty() => {
            Some(Op::Tree(pk.join("/")))
        }
        (Entity::Entities, pk) => Some(Op::Fetch(entity, pk.join("/"))),
        (Entity::Subnets, ["create_rule"]) => Some(Op::SubnetCreate),
        (Entity::Subnets, [id, "update_rule"]) => Some(Op::SubnetUpdate(id.to_string())),
        (Entity::Subnets, [id]) if method == Method::DELETE => {
            Some(Op::SubnetDelete(id.to_string()))
        }
        (Entity::Subnets, [id]) => Some(Op::Fetch(entity, id.to_string())),
        _ => None,
    };
    match op {
        Some(op) => Target::Api { tenant, op },
        None => Target::ApiUnknown,
    }
}

/// The router: everything goes through [`entry`].
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(entry).with_state(shared)
}

/// Marks a response that must never reach the client (the `reset` fault); counted as status 0.
#[derive(Clone, Copy, Debug)]
struct ResetMarker;

async fn entry(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let mut target = route(req.uri().path(), &method, shared.tenants.len() as u32);
    if let Target::Blob(_, op) = &mut target {
        *op = crate::blob::blob_op(req.uri().query());
    }
    if let Target::Control(rest) = target {
        return crate::control::handle(&shared, &method, &rest, req).await;
    }
    let name = target.name();
    let path = req.uri().path().to_string();
    let resp = serve(&shared, target, req).await;
    let status = if resp.extensions().get::<ResetMarker>().is_some() {
        0
    } else {
        resp.status().as_u16()
    };
    shared.stats.record(name, status);
    // Never log headers or bodies: they carry credentials.
    tracing::info!(
        target: "mdca_sim::request",
        "{method} {path} -> {status} ({name}, {} ms)",
        started.elapsed().as_millis()
    );
    resp
}

/// A JSON response serialized in one go.
pub(crate) fn json_response(status: StatusCode, v: &Value) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    json_bytes_response(status, body)
}

/// A response whose body is JSON text already.
pub(crate) fn json_bytes_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub(crate) fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not found."}))
}

fn method_not_allowed(method: &Method, allowed: &[Method]) -> Response {
    let mut resp = json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({"detail": format!("Method \"{method}\" not allowed.")}),
    );
    let allow = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = HeaderValue::from_str(&allow) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}

fn data_error(e: DataError) -> Response {
    match e {
        DataError::Validation(body) => json_response(StatusCode::BAD_REQUEST, &body),
        DataError::NotFound => not_found(),
    }
}

async fn serve(shared: &Arc<Shared>, target: Target, req: Request) -> Response {
    let is_api = matches!(target, Target::Api { .. });
    let mut admitted = None;
    if let Target::Api { tenant, .. } = &target {
        let cfg = shared.throttle();
        let behaviour = shared.behaviour();
        let now = Instant::now();
        match shared.tenants[*tenant as usize].window.admit(&cfg, now) {
            Ok(()) => {
                admitted = (!behaviour.throttle_counts_rejected).then_some((*tenant, now));
            }
            Err(wait) => {
                return throttle::too_many_requests(
                    wait,
                    cfg.retry_after_header && behaviour.throttle_retry_after,
                )
            }
        }
    }
    let resp = serve_admitted(shared, target, is_api, req).await;
    // Rule 37 off: a rejected request is given back to the window once answered.
    if let Some((tenant, at)) = admitted {
        if matches!(resp.status().as_u16(), 400 | 401 | 403 | 404) {
            shared.tenants[tenant as usize].window.give_back(at);
        }
    }
    resp
}

async fn serve_admitted(
    shared: &Arc<Shared>,
    target: Target,
    is_api: bool,
    req: Request,
) -> Response {
    let fault = match target {
        Target::Api { .. }
        | Target::Token { .. }
        | Target::DeviceCode { .. }
        | Target::Blob(..)
        | Target::Identity(_) => shared.faults.take(target.name(), is_api),
        _ => None,
    };
    // No identity endpoint on this "machine": the connection is cut, as off Azure.
    let fault = if matches!(target, Target::Identity(_)) && !shared.identities.available() {
        Some(FaultKind::Reset)
    } else {
        fault
    };
    match fault {
        Some(FaultKind::Status(code)) => return fault_status(code),
        Some(FaultKind::Reset) => {
            if let Some(ConnectInfo(conn)) = req.extensions().get::<ConnectInfo<ConnHandle>>() {
                conn.reset();
            }
            return reset_response();
        }
        Some(FaultKind::ExpireToken) => return expire_token(shared, req.headers()),
        Some(FaultKind::Stall(d)) => tokio::time::sleep(d).await,
        Some(FaultKind::Truncate) | None => {}
    }
    let resp = match target {
        Target::Api { tenant, op } => api(shared, tenant, op, req).await,
        Target::Token { tenant, endpoint } => {
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, 1024 * 1024).await {
                Ok(bytes) => idp::token(
                    shared,
                    &tenant,
                    endpoint,
                    &parts.method,
                    &parts.headers,
                    &bytes,
                ),
                Err(_) => json_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &json!({"error": "invalid_request"}),
                ),
            }
        }
        Target::DeviceCode { tenant } => {
            let (parts, body) = req.into_parts();
            match axum::body::to_bytes(body, 64 * 1024).await {
                Ok(bytes) => crate::device_code::endpoint(
                    shared,
                    &tenant,
                    &parts.method,
                    &parts.headers,
                    &bytes,
                ),
                Err(_) => json_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &json!({"error": "invalid_request"}),
                ),
            }
        }
        Target::Identity(style) => identity::token(
            shared,
            style,
            req.method(),
            req.headers(),
            req.uri().query(),
        ),
        Target::Blob(id, op) => {
            let (parts, body) = req.into_parts();
            crate::blob::handle(
                shared,
                &id,
                op,
                &parts.method,
                parts.uri.query(),
                &parts.headers,
                body,
            )
            .await
        }
        Target::ApiUnknown | Target::Unknown | Target::Control(_) => not_found(),
    };
    if fault == Some(FaultKind::Truncate) {
        truncate(resp).await
    } else {
        resp
    }
}

/// 500/503 as JSON from the service; 502/504 as the HTML page a gateway in front of it sends.
fn fault_status(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match code {
        502 | 504 => html_error(status),
        503 => json_response(
            status,
            &json!({"detail": "Service temporarily unavailable, try again later."}),
        ),
        _ => json_response(status, &json!({"detail": "A server error occurred."})),
    }
}

/// An error as the HTML page a gateway in front of the service sends.
fn html_error(status: StatusCode) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Gateway Error")
    );
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = (status, page).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}

/// The fallback for a reset when the connection handle is missing: a body that fails mid-way,
/// which hyper turns into an aborted connection.
fn reset_response() -> Response {
    let stream = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset fault",
        ))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    resp.extensions_mut().insert(ResetMarker);
    resp
}

/// The `expire_token` fault: 401 as if the credential just expired; a bearer token is revoked.
fn expire_token(shared: &Shared, headers: &HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("Bearer")
                .then(|| rest.trim().to_string())
        });
    match bearer {
        Some(token) => {
            shared.keyring.revoke(&token);
            auth::bearer_unauthorized(auth::BearerProblem::Expired)
        }
        None => auth::legacy_unauthorized(),
    }
}

/// The `truncate` fault: status 200 and the real body cut in the middle.
async fn truncate(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    let mut out = Response::new(Body::from(cut));
    if let Some(ct) = parts.headers.get(header::CONTENT_TYPE) {
        out.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    out
}

async fn api(shared: &Arc<Shared>, tenant: u32, op: Op, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let principal = match shared.keyring.authenticate(&parts.headers, tenant) {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    if !principal.may(op.action()) {
        return auth::forbidden();
    }
    if !op.methods().contains(&parts.method) {
        return method_not_allowed(&parts.method, op.methods());
    }
    let params = match body::read_params(parts.uri.query(), &parts.headers, body).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    if let (Op::List(Entity::Files), Some(slow)) = (&op, shared.slow_files()) {
        let skip = params.get("skip").and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        if skip.is_some_and(|s| s >= slow.min_skip) {
            tokio::time::sleep(slow.delay).await;
        }
    }
    if let (Op::List(Entity::Files), Some(deep)) = (&op, shared.behaviour().deep_files) {
        let skip = params.get("skip").and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        if skip.is_some_and(|s| s >= deep.from_skip) {
            tokio::time::sleep(Duration::from_millis(deep.delay_ms)).await;
            let n = shared.deep_pages.fetch_add(1, Ordering::Relaxed) + 1;
            if deep.html_5xx_every > 0 && n % deep.html_5xx_every == 0 {
                // Rule 38: the K-th deep page fails, alternately 500 and 504, as an HTML page.
                let code = if (n / deep.html_5xx_every) % 2 == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::GATEWAY_TIMEOUT
                };
                return html_error(code);
            }
        }
    }
    if let Op::List(e) = op {
        return list(Arc::clone(shared), tenant, e, params).await;
    }
    // Building and serializing a page (up to 5000 records in scan mode) is CPU work: keep it off
    // the async workers so that concurrent requests and an in-process client keep moving.
    let shared = Arc::clone(shared);
    let name = op.name();
    match tokio::task::spawn_blocking(move || execute(&shared, tenant, op, params)).await {
        Ok(Ok(resp) | Err(resp)) => resp,
        Err(e) => {
            tracing::error!("handler for {name} failed: {e}");
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"detail": "A server error occurred."}),
            )
        }
    }
}

/// What the thread writing a list page hands to the response.
enum Piece {
    /// Text of the body, in order.
    Text(Vec<u8>),
    /// The rest of the body, or the error answer when the request was refused before any text.
    Last(Result<Vec<u8>, Response>),
}

/// A list page (api.md §4.2). Writing it is CPU work (up to 5000 records in scan mode), done off the async
/// workers so concurrent requests keep moving; a page larger than a piece is sent while it is written,
/// as a real server streams a large response, so a client can read and parse it meanwhile. A small page
/// is sent whole, with its length. The page arrives as text: it never becomes a `Value` tree.
async fn list(shared: Arc<Shared>, tenant: u32, e: Entity, params: Map<String, Value>) -> Response {
    let q = match body::list_query(&params) {
        Ok(q) => q,
        Err(resp) => return resp,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Piece>(4);
    tokio::task::spawn_blocking(move || {
        let ds: &Dataset = &shared.tenants[tenant as usize].dataset;
        // A client that hangs up makes `blocking_send` fail: the rest of the page is written for nobody.
        let mut flush = |text: Vec<u8>| {
            let _ = tx.blocking_send(Piece::Text(text));
        };
        let last = ds
            .list_streamed(e, &q, Some(&mut flush))
            .map(|page| page.into_body(e))
            .map_err(data_error);
        let _ = tx.blocking_send(Piece::Last(last));
    });
    let first = match rx.recv().await {
        Some(Piece::Text(text)) => text,
        Some(Piece::Last(Ok(body))) => return json_bytes_response(StatusCode::OK, body),
        Some(Piece::Last(Err(resp))) => return resp,
        None => {
            tracing::error!("the handler for {e:?} list failed");
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"detail": "A server error occurred."}),
            );
        }
    };
    let pieces = futures_util::stream::unfold((Some(first), rx), |(first, mut rx)| async move {
        let text = match first {
            Some(text) => text,
            None => match rx.recv().await? {
                Piece::Text(text) | Piece::Last(Ok(text)) => text,
                // Refusals come before any text; a writer that died mid-page ends the body early.
                Piece::Last(Err(_)) => return None,
            },
        };
        Some((
            Ok::<_, std::convert::Infallible>(Bytes::from(text)),
            (None, rx),
        ))
    });
    let mut resp = Response::new(Body::from_stream(pieces));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn ok(v: &Value) -> Response {
    json_response(StatusCode::OK, v)
}

fn found(v: Option<Value>) -> Result<Response, Response> {
    v.map(|v| ok(&v)).ok_or_else(not_found)
}

fn close_key(kind: CloseKind) -> &'static str {
    match kind {
        CloseKind::Benign => "closed_benign",
        CloseKind::FalsePositive => "closed_false_positive",
        CloseKind::TruePositive => "closed_true_positive",
    }
}

fn execute(
    shared: &Shared,
    tenant: u32,
    op: Op,
    params: Map<String, Value>,
) -> Result<Response, Response> {
    let ds: &Dataset = &shared.tenants[tenant as usize].dataset;
    match op {
        Op::List(_) => unreachable!("list requests are answered by `list`, which streams"),
        Op::Fetch(e, pk) => found(ds.fetch(e, &pk)),
        Op::Tree(pk) => found(ds.entity_tree(&pk)),
        Op::Feedback(pk) => found(ds.activity_feedback(&pk, &Value::Object(params))),
        Op::Read(pk, read) => found(ds.set_alert_read(&pk, read)),
        Op::Close(kind, _) => {
            let p = body::close_params(&params)?;
            let r = ds
                .close_alerts(&p.filters, kind, p.comment.as_deref(), p.reason_id)
                .map_err(data_error)?;
            let mut out = json!({ close_key(kind): r.closed });
            if !r.not_found.is_empty() {
                out["alertsNotFound"] = json!(r.not_found);
            }
            Ok(ok(&out))
        }
        Op::DismissOne(pk) => {
            let mut filters = Map::new();
            filters.insert("id".into(), json!({"eq": [pk]}));
            let comment = params.get("comment").and_then(Value::as_str);
            let r = ds
                .close_alerts(&filters, CloseKind::FalsePositive, comment, None)
                .map_err(data_error)?;
            if r.closed == 0 && !r.not_found.is_empty() {
                return Err(not_found());
            }
            Ok(ok(
                &json!({ close_key(CloseKind::FalsePositive): r.closed }),
            ))
        }
        Op::SubnetCreate => {
            let id = ds
                .create_subnet(&Value::Object(params))
                .map_err(data_error)?;
            Ok(ok(&Value::String(id)))
        }
        Op::SubnetUpdate(id) => {
            let v = ds
                .update_subnet(&id, &Value::Object(params))
                .map_err(data_error)?;
            Ok(ok(&v))
        }
        Op::SubnetDelete(id) => {
            ds.delete_subnet(&id).map_err(data_error)?;
            Ok(ok(&json!({"_id": id, "deleted": true})))
        }
        Op::DiscoveryUploadUrl => Ok(discovery::upload_url(shared, tenant, &params)),
        Op::DiscoveryDoneUpload => Ok(discovery::done_upload(shared, tenant, &params)),
        Op::DiscoveryStreams => Ok(discovery::streams(shared, tenant)),
        Op::DiscoveryCategories => Ok(discovery::categories(shared, tenant, &params)),
        Op::DiscoveryBlockScript => Ok(discovery::block_script(&params)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(path: &str) -> Op {
        match route(path, &Method::GET, 3) {
            Target::Api { op, .. } => op,
            other => panic!("{path} routed to {other:?}"),
        }
    }

    #[test]
    fn every_prefix_and_trailing_slash_reaches_the_same_route() {
        for p in [
            "/api/v1/files/",
            "/api/v1/files",
            "/cas/api/v1/files/",
            "/t/tenant2/api/v1/files",
            "/t/tenant0/cas/api/v1/files/",
        ] {
            assert_eq!(api(p), Op::List(Entity::Files), "{p}");
        }
        assert_eq!(
            route("/t/tenant3/api/v1/files/", &Method::GET, 3),
            Target::Unknown
        );
        assert_eq!(route("/api/v1/nope/", &Method::GET, 1), Target::ApiUnknown);
        assert_eq!(route("/", &Method::GET, 1), Target::Unknown);
    }

    #[test]
    fn entity_pks_keep_encoded_and_raw_slashes() {
        assert_eq!(
            api("/api/v1/entities/ab%2Fc%2B%3D/retrieve_tree/"),
            Op::Tree("ab/c+=".into())
        );
        assert_eq!(
            api("/api/v1/entities/ab/cd=/"),
            Op::Fetch(Entity::Entities, "ab/cd=".into())
        );
    }

    #[test]
    fn alert_actions_and_deprecated_aliases() {
        assert_eq!(api("/api/v1/alerts/dismiss_bulk/").name(), "alerts.dismiss");
        assert_eq!(api("/api/v1/alerts/resolve").name(), "alerts.resolve");
        assert_eq!(
            api("/api/v1/alerts/abc/unread/"),
            Op::Read("abc".into(), false)
        );
        assert_eq!(api("/api/v1/subnet/x/update_rule").name(), "subnets.update");
        assert_eq!(
            route("/api/v1/subnet/x/", &Method::DELETE, 1),
            Target::Api {
                tenant: 0,
                op: Op::SubnetDelete("x".into())
            }
        );
    }

    #[test]
    fn identity_routes_live_at_the_root_only() {
        assert!(matches!(
            route("/abc/oauth2/v2.0/token", &Method::POST, 1),
            Target::Token {
                endpoint: Endpoint::V2,
                ..
            }
        ));
        assert!(matches!(
            route("/abc/oauth2/token", &Method::POST, 1),
            Target::Token {
                endpoint: Endpoint::V1,
                ..
            }
        ));
        assert_eq!(
            route("/t/tenant0/abc/oauth2/token", &Method::POST, 1),
            Target::Unknown
        );
        assert_eq!(
            route("/metadata/identity/oauth2/token", &Method::GET, 1),
            Target::Identity(identity::Style::Imds)
        );
        assert_eq!(
            route("/msi/token/", &Method::GET, 1),
            Target::Identity(identity::Style::AppService)
        );
    }

    #[test]
    fn percent_decoding_leaves_bad_escapes_alone() {
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
        assert_eq!(percent_decode("%41"), "A");
    }
}
