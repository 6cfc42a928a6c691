//! The control endpoint under `/_sim/` (no authentication: the simulator listens on loopback and
//! this is a test tool). Control requests are neither throttled, faulted nor counted.
//!
//! | route | methods | what |
//! | --- | --- | --- |
//! | `/_sim/health` | GET | `{"status":"ok","url":…,"tenants":N}` |
//! | `/_sim/faults` | GET, POST, DELETE | list, arm (one object, a list, or `{"faults":[…]}`), clear |
//! | `/_sim/stats` | GET | the counters ([`crate::Stats`]) |
//! | `/_sim/stats/reset` | POST | zero the counters |
//! | `/_sim/insert` | POST | `{"entity":"activities","count":10,"tenant":0}`: new records at the head |
//! | `/_sim/settings` | GET, POST | throttle, approximate totals, token lifetime, slow files |
//! | `/_sim/throttle/reset` | POST | forget the requests counted in every tenant's window |
//! | `/_sim/credentials` | GET | every tenant's URL, tokens and Entra id, and the app credentials |
//! | `/_sim/apps` | POST | `{"roles":["Discovery.read"]}`: register another app, get its credentials |
//! | `/_sim/managed_identity` | GET, POST | the managed identities and endpoints; POST `{"available":false}` cuts every identity connection, `{"forget":"<client id>"}` makes an identity unknown |
//! | `/_sim/device_code` | GET, POST | device code sign-ins: the public client id, every code with its status and polls (`at_ms` after issue, `answer`); POST `{"action":"approve"\|"decline"\|"expire"\|"slow_down","user_code"?,"count"?}` (no `user_code`: the newest pending code), `{"interval_ms":N,"expires_in_secs":S}` for new codes, `{"revoke_refresh_tokens":true}` |
//! | `/_sim/certificates` | GET, POST | client certificates per app: POST `{"client_id":…,"certificate":"<PEM or base64 DER>"}` registers one, `{"clock_skew_secs":N}` moves the identity clock |
//! | `/_sim/live` | GET, POST | live mode: `{"rate":R,"clock_speed":X}` starts or changes it, `null` or `{}` stops it |
//! | `/_sim/clock` | GET | `?tenant=N` → `{"now_ms":…,"mutations":…}` |
//! | `/_sim/journal` | GET | `?tenant=N` → `{"mutations":[…]}`, every mutation so far |
//! | `/_sim/ground_truth` | POST | `{"tenant":0,"entity":"alerts","filters":{…},"from_ms":…,"to_ms":…}` → `{"stable":[…],"ever":[…]}` |
//! | `/_sim/behaviour` | GET, POST | the server behaviour switches; POST replaces them (omitted fields: default) |
//! | `/_sim/blobs` | GET | `{"blobs":[…]}`: each discovery upload URL with its committed length and SHA-256 ([`crate::BlobRecord`]) |
//! | `/_sim/blob_limits` | GET, POST | `{"put_blob_max":N,"put_block_max":N}` in bytes; null follows the service version |

// Handlers return ready HTTP responses as their error type; they are built once per request,
// so boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::auth::{legacy_token, Role};
use crate::behaviour::Behaviour;
use crate::body;
use crate::data::live::LiveConfig;
use crate::data::Entity;
use crate::faults::{FaultSpec, SlowFiles};
use crate::server::{json_response, not_found, Shared};

fn bad(msg: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"detail": msg.into()}))
}

fn ok(v: Value) -> Response {
    json_response(StatusCode::OK, &v)
}

pub(crate) async fn handle(
    shared: &Arc<Shared>,
    method: &Method,
    rest: &[String],
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let params = match body::read_params(parts.uri.query(), &parts.headers, body).await {
        Ok(p) => p,
        Err(resp) => return resp,
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let get = method == Method::GET;
    let post = method == Method::POST;
    match (rest.as_slice(), get, post) {
        (["health"], true, _) => ok(json!({
            "status": "ok",
            "url": shared.base_url,
            "tenants": shared.tenants.len(),
        })),
        (["faults"], true, _) => ok(json!({"faults": shared.faults.armed()})),
        (["faults"], _, true) => arm_faults(shared, params),
        (["faults"], _, _) if method == Method::DELETE => {
            shared.faults.clear();
            ok(json!({"faults": []}))
        }
        (["stats"], true, _) => ok(json!(shared.stats.snapshot())),
        (["stats", "reset"], _, true) => {
            shared.stats.reset();
            ok(json!({"reset": true}))
        }
        (["stats"], _, _) if method == Method::DELETE => {
            shared.stats.reset();
            ok(json!({"reset": true}))
        }
        (["insert"], _, true) => insert(shared, &params),
        (["settings"], true, _) => ok(settings(shared)),
        (["settings"], _, true) => match apply_settings(shared, &params) {
            Ok(()) => ok(settings(shared)),
            Err(msg) => bad(msg),
        },
        (["throttle", "reset"], _, true) => {
            for t in &shared.tenants {
                t.window.clear();
            }
            ok(json!({"reset": true}))
        }
        (["credentials"], true, _) => ok(credentials(shared)),
        (["apps"], _, true) => register_app(shared, &params),
        (["managed_identity"], true, _) => ok(shared.identities.snapshot(&shared.base_url)),
        (["managed_identity"], _, true) => managed_identity(shared, &params),
        (["device_code"], true, _) => ok(shared.device_codes.snapshot()),
        (["device_code"], _, true) => match shared.device_codes.control(&params) {
            Ok(()) => ok(shared.device_codes.snapshot()),
            Err(msg) => bad(msg),
        },
        (["certificates"], true, _) => ok(shared.certificates.snapshot()),
        (["certificates"], _, true) => certificates(shared, &params),
        (["live"], true, _) => ok(json!(shared.live())),
        (["live"], _, true) => {
            let live = if params.is_empty() {
                None
            } else {
                match serde_json::from_value::<LiveConfig>(Value::Object(params)) {
                    Ok(l) => match l.validate() {
                        Ok(()) => Some(l),
                        Err(msg) => return bad(msg),
                    },
                    Err(e) => {
                        return bad(format!(
                            "not a live mode object {{\"rate\":R,\"clock_speed\":X}}: {e}"
                        ))
                    }
                }
            };
            shared.set_live(live);
            ok(json!(shared.live()))
        }
        (["clock"], true, _) => match tenant_index(shared, &params) {
            Ok(t) => {
                let ds = &shared.tenants[t].dataset;
                ok(json!({"now_ms": ds.now_ms(), "mutations": ds.mutations()}))
            }
            Err(resp) => resp,
        },
        (["journal"], true, _) => match tenant_index(shared, &params) {
            Ok(t) => ok(json!({"mutations": shared.tenants[t].dataset.journal()})),
            Err(resp) => resp,
        },
        (["ground_truth"], _, true) => ground_truth(shared, &params),
        (["blobs"], true, _) => ok(json!({"blobs": crate::blob::records(shared)})),
        (["blob_limits"], true, _) => ok(json!(shared.discovery.storage.limits())),
        (["blob_limits"], _, true) => {
            match serde_json::from_value::<crate::BlobLimits>(Value::Object(params.clone())) {
                Ok(l) => {
                    shared.discovery.storage.set_limits(l);
                    ok(json!(l))
                }
                Err(e) => bad(format!("not a blob limits object: {e}")),
            }
        }
        (["behaviour"], true, _) => ok(json!(shared.behaviour())),
        (["behaviour"], _, true) => {
            match serde_json::from_value::<Behaviour>(Value::Object(params)) {
                Ok(b) => {
                    shared.set_behaviour(b);
                    ok(json!(shared.behaviour()))
                }
                Err(e) => bad(format!("not a behaviour object: {e}")),
            }
        }
        _ => not_found(),
    }
}

fn arm_faults(shared: &Shared, params: Map<String, Value>) -> Response {
    let list = match params.get("faults") {
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return bad("`faults` must be a list of fault objects"),
        None => vec![Value::Object(params)],
    };
    let mut specs = Vec::with_capacity(list.len());
    for item in &list {
        match FaultSpec::from_json(item) {
            Ok(f) => specs.push(f),
            Err(msg) => return bad(msg),
        }
    }
    for f in specs {
        tracing::info!(target: "mdca_sim::faults", "armed fault {f}");
        shared.faults.arm(f);
    }
    ok(json!({"faults": shared.faults.armed()}))
}

fn ground_truth(shared: &Shared, params: &Map<String, Value>) -> Response {
    let Some(entity) = params
        .get("entity")
        .and_then(Value::as_str)
        .and_then(Entity::from_path_segment)
    else {
        return bad("`entity` must be one of activities, alerts, files, entities, subnets");
    };
    let tenant = match tenant_index(shared, params) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let (Some(from), Some(to)) = (
        params.get("from_ms").and_then(Value::as_i64),
        params.get("to_ms").and_then(Value::as_i64),
    ) else {
        return bad("`from_ms` and `to_ms` must be epoch milliseconds of the tenant's clock");
    };
    let filters = params.get("filters").cloned().unwrap_or(Value::Null);
    match shared.tenants[tenant]
        .dataset
        .ground_truth(entity, &filters, from, to)
    {
        Ok(t) => ok(json!(t)),
        Err(crate::data::DataError::Validation(body)) => {
            json_response(StatusCode::BAD_REQUEST, &body)
        }
        Err(crate::data::DataError::NotFound) => not_found(),
    }
}

fn tenant_index(shared: &Shared, params: &Map<String, Value>) -> Result<usize, Response> {
    match params.get("tenant") {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(|t| t as usize)
            .filter(|t| *t < shared.tenants.len())
            .ok_or_else(|| {
                bad(format!(
                    "`tenant` must be an index below {}",
                    shared.tenants.len()
                ))
            }),
    }
}

fn insert(shared: &Shared, params: &Map<String, Value>) -> Response {
    let Some(entity) = params
        .get("entity")
        .and_then(Value::as_str)
        .and_then(Entity::from_path_segment)
    else {
        return bad("`entity` must be one of activities, alerts, files, entities, subnets");
    };
    let count = match params.get("count") {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n) => n,
            None => return bad("`count` must be a non-negative integer"),
        },
    };
    let tenant = match tenant_index(shared, params) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let ds = &shared.tenants[tenant].dataset;
    let result = ds.insert_head(entity, count);
    ok(json!({
        "entity": entity.name(),
        "tenant": tenant,
        "inserted": count,
        "result": result,
        "count": ds.count(entity),
    }))
}

fn settings(shared: &Shared) -> Value {
    let lifetime = shared.token_lifetime();
    json!({
        "throttle": shared.throttle(),
        "approximate_total": shared.approximate_total(),
        "token_lifetime_secs": lifetime.as_secs(),
        "token_lifetime_ms": lifetime.as_millis() as u64,
        "slow_files": shared.slow_files(),
    })
}

/// Applies a partial settings object; nothing changes when any field is invalid.
fn apply_settings(shared: &Shared, p: &Map<String, Value>) -> Result<(), String> {
    let mut throttle = shared.throttle();
    let nested = match p.get("throttle") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("`throttle` must be an object".into()),
    };
    let pick = |nested_key: &str, flat_key: &str| {
        nested
            .get(nested_key)
            .or_else(|| p.get(flat_key))
            .filter(|v| !v.is_null())
            .cloned()
    };
    if let Some(v) = pick("requests", "throttle_requests") {
        throttle.requests = v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("throttle `requests` must be a non-negative integer")?;
    }
    if let Some(v) = pick("window_ms", "throttle_window_ms") {
        throttle.window = Duration::from_millis(
            v.as_u64()
                .filter(|n| *n > 0)
                .ok_or("throttle `window_ms` must be a positive integer")?,
        );
    }
    if let Some(v) = pick("retry_after_header", "retry_after_header") {
        throttle.retry_after_header = v
            .as_bool()
            .ok_or("`retry_after_header` must be a boolean")?;
    }
    let approximate = match p.get("approximate_total") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_bool().ok_or("`approximate_total` must be a boolean")?),
    };
    let lifetime = match (p.get("token_lifetime_ms"), p.get("token_lifetime_secs")) {
        (Some(v), _) if !v.is_null() => Some(Duration::from_millis(
            v.as_u64()
                .ok_or("`token_lifetime_ms` must be a non-negative integer")?,
        )),
        (_, Some(v)) if !v.is_null() => Some(Duration::from_secs(
            v.as_u64()
                .ok_or("`token_lifetime_secs` must be a non-negative integer")?,
        )),
        _ => None,
    };
    let slow_files = match p.get("slow_files") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Object(m)) => {
            let min_skip = m
                .get("min_skip")
                .and_then(Value::as_u64)
                .ok_or("`slow_files.min_skip` must be a non-negative integer")?;
            let delay_ms = m
                .get("delay_ms")
                .and_then(Value::as_u64)
                .ok_or("`slow_files.delay_ms` must be a non-negative integer")?;
            Some(Some(SlowFiles {
                min_skip,
                delay: Duration::from_millis(delay_ms),
            }))
        }
        Some(_) => {
            return Err("`slow_files` must be {\"min_skip\":N,\"delay_ms\":MS} or null".into())
        }
    };
    shared.set_throttle(throttle);
    if let Some(s) = slow_files {
        shared.set_slow_files(s);
    }
    if let Some(on) = approximate {
        shared.set_approximate_total(on);
    }
    if let Some(d) = lifetime {
        shared.set_token_lifetime(d);
    }
    Ok(())
}

/// Everything a script needs to talk to the simulator (loopback only: these are test secrets).
fn credentials(shared: &Shared) -> Value {
    let seed = shared.keyring.seed();
    let tenants: Vec<Value> = shared
        .tenants
        .iter()
        .map(|t| {
            json!({
                "index": t.index,
                "url": shared.tenant_url(t.index),
                "entra_tenant_id": t.entra_id,
                "admin_token": legacy_token(seed, t.index, Role::GlobalAdmin),
                "operator_token": legacy_token(seed, t.index, Role::SecurityOperator),
                "reader_token": legacy_token(seed, t.index, Role::SecurityReader),
            })
        })
        .collect();
    let app = |i: usize| {
        let a = shared.keyring.app(i);
        json!({"client_id": a.client_id, "client_secret": a.client_secret, "roles": a.roles})
    };
    json!({
        "authority_host": shared.base_url,
        "tenants": tenants,
        "app": app(0),
        "reader_app": app(1),
    })
}

fn managed_identity(shared: &Shared, params: &Map<String, Value>) -> Response {
    let available = match params.get("available") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_bool() {
            Some(b) => Some(b),
            None => return bad("`available` must be a boolean"),
        },
    };
    let forget = match params.get("forget") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => return bad("`forget` must be the client id of a managed identity"),
    };
    if let Some(on) = available {
        shared.identities.set_available(on);
    }
    if let Some(id) = forget {
        if !shared.identities.forget(&id) {
            return bad(format!("no managed identity has the client id {id}"));
        }
    }
    ok(shared.identities.snapshot(&shared.base_url))
}

fn certificates(shared: &Shared, params: &Map<String, Value>) -> Response {
    if let Some(skew) = params.get("clock_skew_secs") {
        let Some(s) = skew.as_i64() else {
            return bad("`clock_skew_secs` must be a whole number of seconds");
        };
        shared.certificates.set_clock_skew(s);
    }
    match (params.get("client_id"), params.get("certificate")) {
        (Some(Value::String(id)), Some(Value::String(cert))) => {
            match shared.certificates.register(id, cert.as_bytes()) {
                Ok(thumbprint) => ok(json!({"client_id": id, "thumbprint": thumbprint})),
                Err(msg) => bad(format!("`certificate`: {msg}")),
            }
        }
        (None, None) if params.contains_key("clock_skew_secs") => {
            ok(shared.certificates.snapshot())
        }
        _ => bad(
            "give `client_id` and `certificate` (PEM text or base64 DER), and/or `clock_skew_secs`",
        ),
    }
}

fn register_app(shared: &Shared, params: &Map<String, Value>) -> Response {
    let roles = match params.get("roles") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| r.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    let Some(roles) = roles else {
        return bad("`roles` must be a list of permission names, e.g. [\"Investigation.read\"]");
    };
    let app = shared.keyring.register_app(roles);
    ok(json!({
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "roles": app.roles,
    }))
}
