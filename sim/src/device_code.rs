//! Fake Entra ID device authorization grant (docs/api.md §3.9; RFC 8628 as the Microsoft identity
//! platform's v2 endpoint serves it): `POST /{tenant}/oauth2/v2.0/devicecode` hands out a device code
//! and a user code; `POST /{tenant}/oauth2/v2.0/token` with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` is polled until the user signs in; the
//! `refresh_token` grant renews the delegated access token.
//!
//! Nobody opens a browser here: a test (or a person driving the simulator by hand) approves, declines
//! or expires a pending code through the control endpoint (`/_sim/device_code`), and can force
//! `slow_down` answers. The simulator is strict where the service may be: it answers `slow_down` to a
//! poll that comes sooner than the code's interval after the previous one (or the code's issue), and
//! every `slow_down` adds 5 s to the interval, as RFC 8628 §3.5 says. Every poll is recorded with its
//! time so a test can check the client's pacing without sleeping itself.
//!
//! The signed-in user is a Global administrator; a token carries the delegated permissions of the
//! simulator's public client app (Investigation.manage, Settings.manage, Discovery.manage) and is
//! accepted by the API like an app token (api.md §3.3: same `Bearer` header). A confidential app (one
//! with a client secret, "Allow public client flows" off) gets the code but is refused at the token
//! endpoint with AADSTS7000218, as Entra does. **Inferred:** the AADSTS numbers of the device-flow
//! errors other than 70016 (pending) and 70020 (expired).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::{Rng, RngCore};
use serde_json::{json, Value};

use crate::auth::{
    guid, rng_for, DISCOVERY_MANAGE, INVESTIGATION_MANAGE, MDCA_RESOURCE, SETTINGS_MANAGE,
};
use crate::idp::{aad_error, is_mdca_resource, no_store};
use crate::server::Shared;

/// The grant type of a device code poll (RFC 8628 §3.4).
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The page Entra tells users to open.
pub(crate) const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";
/// RFC 8628 §3.5: every `slow_down` adds this to the polling interval.
pub(crate) const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Where a pending code stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    Approved,
    Declined,
    /// Approved and exchanged for tokens: a second exchange is refused.
    Redeemed,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Declined => "declined",
            Status::Redeemed => "redeemed",
        }
    }
}

/// One poll of the token endpoint for a code: when (ms after the code was issued) and the answer.
#[derive(Clone, Debug)]
struct Poll {
    at: Duration,
    answer: &'static str,
}

#[derive(Debug)]
struct Code {
    device_code: String,
    user_code: String,
    tenant: u32,
    client_id: String,
    scopes: Vec<String>,
    offline: bool,
    issued_at: Instant,
    expires_at: Instant,
    interval: Duration,
    last_poll: Instant,
    status: Status,
    /// `slow_down` answers still to give whatever the pace (the control endpoint arms them).
    forced_slow_down: u32,
    polls: Vec<Poll>,
}

#[derive(Debug)]
struct RefreshGrant {
    tenant: u32,
    client_id: String,
    scopes: Vec<String>,
    revoked: bool,
}

#[derive(Debug)]
struct State {
    codes: Vec<Code>,
    refresh: HashMap<String, RefreshGrant>,
    /// The interval handed out with new codes (Entra: 5 s); tests shorten it.
    interval: Duration,
    /// The lifetime of new codes (Entra: 15 minutes).
    expires_in: Duration,
}

/// The device codes handed out, the refresh tokens issued, and the public client app.
#[derive(Debug)]
pub(crate) struct DeviceCodes {
    state: Mutex<State>,
    public_client: String,
    permissions: Vec<String>,
}

/// Entra's user codes: 9 upper-case letters and digits.
fn user_code(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..9)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

fn opaque(rng: &mut impl RngCore, len: usize) -> String {
    use base64::Engine as _;
    let mut b = vec![0u8; len];
    rng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Seconds as JSON: an integer when whole (as Entra sends them), else a fraction (a test override).
fn seconds_json(d: Duration) -> Value {
    if d.subsec_nanos() == 0 {
        json!(d.as_secs())
    } else {
        json!(d.as_secs_f64())
    }
}

impl DeviceCodes {
    pub(crate) fn new(seed: u64) -> DeviceCodes {
        DeviceCodes {
            state: Mutex::new(State {
                codes: Vec::new(),
                refresh: HashMap::new(),
                interval: Duration::from_secs(5),
                expires_in: Duration::from_secs(900),
            }),
            public_client: guid(&mut rng_for(seed, 0, "app/public-client")),
            permissions: vec![
                INVESTIGATION_MANAGE.into(),
                SETTINGS_MANAGE.into(),
                DISCOVERY_MANAGE.into(),
            ],
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The client id of the public client app ("Allow public client flows" on).
    pub(crate) fn public_client_id(&self) -> &str {
        &self.public_client
    }

    /// The delegated permissions a scope list asks for: every one of the app's for `<mdca>/.default`,
    /// the named ones the app has for `<mdca>/<Permission>`. `Err` names a scope of another resource.
    fn granted(&self, scope: &str) -> Result<(Vec<String>, bool), String> {
        let mut granted: Vec<String> = Vec::new();
        let mut offline = false;
        let mut mdca = false;
        for s in scope.split_whitespace() {
            match s {
                "offline_access" => offline = true,
                "openid" | "profile" | "email" => {}
                _ => {
                    let Some((resource, permission)) = s.rsplit_once('/') else {
                        return Err(s.to_string());
                    };
                    if !is_mdca_resource(resource) {
                        return Err(s.to_string());
                    }
                    mdca = true;
                    for p in &self.permissions {
                        let asked = permission == ".default" || p.eq_ignore_ascii_case(permission);
                        if asked && !granted.contains(p) {
                            granted.push(p.clone());
                        }
                    }
                }
            }
        }
        if !mdca {
            return Err(scope.to_string());
        }
        Ok((granted, offline))
    }

    /// The state for the control endpoint.
    pub(crate) fn snapshot(&self) -> Value {
        let s = self.lock();
        let now = Instant::now();
        let codes: Vec<Value> = s
            .codes
            .iter()
            .map(|c| {
                json!({
                    "user_code": c.user_code,
                    "client_id": c.client_id,
                    "tenant": c.tenant,
                    "status": c.status.name(),
                    "expired": now >= c.expires_at,
                    "interval_ms": c.interval.as_millis() as u64,
                    "forced_slow_down": c.forced_slow_down,
                    "polls": c.polls.iter().map(|p| json!({
                        "at_ms": p.at.as_millis() as u64,
                        "answer": p.answer,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "public_client_id": self.public_client,
            "interval_ms": s.interval.as_millis() as u64,
            "expires_in_secs": s.expires_in.as_secs_f64(),
            "refresh_tokens": s.refresh.values().filter(|r| !r.revoked).count(),
            "codes": codes,
        })
    }

    /// Applies a control request; `Err` is the message of a 400.
    pub(crate) fn control(&self, p: &serde_json::Map<String, Value>) -> Result<(), String> {
        let interval = match p.get("interval_ms") {
            None | Some(Value::Null) => None,
            Some(v) => Some(Duration::from_millis(
                v.as_u64()
                    .filter(|n| *n > 0)
                    .ok_or("`interval_ms` must be a positive integer")?,
            )),
        };
        let expires_in = match p.get("expires_in_secs") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|n| *n > 0.0 && n.is_finite())
                    .map(Duration::from_secs_f64)
                    .ok_or("`expires_in_secs` must be a positive number")?,
            ),
        };
        let revoke = match p.get("revoke_refresh_tokens") {
            None | Some(Value::Null) => false,
            Some(v) => v
                .as_bool()
                .ok_or("`revoke_refresh_tokens` must be a boolean")?,
        };
        let action = match p.get("action") {
            None | Some(Value::Null) => None,
            Some(Value::String(a)) => Some(a.as_str()),
            Some(_) => return Err("`action` must be a string".into()),
        };
        let count = match p.get("count") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("`count` must be a non-negative integer")?,
        };
        let mut s = self.lock();
        if let Some(a) = action {
            // Without a user code: the newest code still waiting for the user.
            let code = match p.get("user_code").and_then(Value::as_str) {
                Some(u) => s
                    .codes
                    .iter_mut()
                    .find(|c| c.user_code.eq_ignore_ascii_case(u.trim()))
                    .ok_or_else(|| format!("no device code has the user code {u}"))?,
                None => s
                    .codes
                    .iter_mut()
                    .rev()
                    .find(|c| c.status == Status::Pending)
                    .ok_or("no device code is pending")?,
            };
            match a {
                "approve" => code.status = Status::Approved,
                "decline" => code.status = Status::Declined,
                "expire" => code.expires_at = Instant::now(),
                "slow_down" => code.forced_slow_down += count,
                other => {
                    return Err(format!(
                        "unknown action {other:?}: use approve, decline, expire or slow_down"
                    ))
                }
            }
        }
        if let Some(i) = interval {
            s.interval = i;
        }
        if let Some(e) = expires_in {
            s.expires_in = e;
        }
        if revoke {
            for r in s.refresh.values_mut() {
                r.revoked = true;
            }
        }
        Ok(())
    }
}

fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn missing(param: &str) -> Response {
    aad_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900_144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

/// `POST /{tenant}/oauth2/v2.0/devicecode` with a form body.
pub(crate) fn endpoint(
    shared: &Shared,
    tenant_segment: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if method != Method::POST {
        return aad_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900_561,
            format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {method} request."
            ),
        );
    }
    let Some(tenant) = shared.tenant_by_entra_id(tenant_segment) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90_002,
            format!(
                "Tenant '{tenant_segment}' not found. Check to make sure you have the correct \
                 tenant ID and are signing into the correct cloud."
            ),
        );
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form: Vec<(String, String)> = if is_form {
        serde_urlencoded::from_bytes(body).unwrap_or_default()
    } else {
        Vec::new()
    };
    device_authorization(shared, tenant.index, &form)
}

fn device_authorization(shared: &Shared, tenant: u32, form: &[(String, String)]) -> Response {
    let Some(client_id) = form_field(form, "client_id") else {
        return missing("client_id");
    };
    let Some(scope) = form_field(form, "scope") else {
        return missing("scope");
    };
    let codes = &shared.device_codes;
    let known = client_id.eq_ignore_ascii_case(codes.public_client_id())
        || shared.keyring.find_app(client_id).is_some();
    if !known {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                shared.tenants[tenant as usize].entra_id
            ),
        );
    }
    let (scopes, offline) = match codes.granted(scope) {
        Ok(g) => g,
        Err(bad) => {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70_011,
                format!(
                    "The provided value for the input parameter 'scope' is not valid. The scope \
                     {bad} is not valid."
                ),
            )
        }
    };
    let mut rng = rand::rng();
    let now = Instant::now();
    let mut s = codes.lock();
    let code = Code {
        device_code: opaque(&mut rng, 96),
        user_code: user_code(&mut rng),
        tenant,
        client_id: client_id.to_string(),
        scopes,
        offline,
        issued_at: now,
        expires_at: now + s.expires_in,
        interval: s.interval,
        last_poll: now,
        status: Status::Pending,
        forced_slow_down: 0,
        polls: Vec::new(),
    };
    let body = json!({
        "user_code": code.user_code,
        "device_code": code.device_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": s.expires_in.as_secs().max(1),
        "interval": seconds_json(s.interval),
        "message": format!(
            "To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code {} to authenticate.",
            code.user_code
        ),
    });
    // Old codes are of no use once long expired; keep the list short.
    s.codes
        .retain(|c| c.expires_at + Duration::from_secs(3600) > now);
    s.codes.push(code);
    no_store((StatusCode::OK, axum::Json(body)).into_response())
}

/// The access (and refresh) token answer of a successful grant.
fn issue_tokens(
    shared: &Shared,
    tenant: u32,
    client_id: &str,
    scopes: &[String],
    offline: bool,
) -> Response {
    let lifetime = shared.token_lifetime();
    let t = &shared.tenants[tenant as usize];
    let access_token = shared
        .keyring
        .issue(tenant, &t.entra_id, client_id, scopes, lifetime);
    let mut scope: Vec<String> = scopes
        .iter()
        .map(|p| format!("{MDCA_RESOURCE}/{p}"))
        .collect();
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": access_token,
    });
    if offline {
        scope.push("offline_access".into());
        let refresh_token = opaque(&mut rand::rng(), 128);
        shared.device_codes.lock().refresh.insert(
            refresh_token.clone(),
            RefreshGrant {
                tenant,
                client_id: client_id.to_string(),
                scopes: scopes.to_vec(),
                revoked: false,
            },
        );
        body["refresh_token"] = json!(refresh_token);
    }
    body["scope"] = json!(scope.join(" "));
    no_store((StatusCode::OK, axum::Json(body)).into_response())
}

/// A poll with `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4, §3.5).
pub(crate) fn poll(shared: &Shared, tenant: u32, form: &[(String, String)]) -> Response {
    let Some(client_id) = form_field(form, "client_id") else {
        return missing("client_id");
    };
    let Some(device_code) = form_field(form, "device_code") else {
        return missing("device_code");
    };
    let codes = &shared.device_codes;
    let now = Instant::now();
    let answer = {
        let mut s = codes.lock();
        let Some(code) = s
            .codes
            .iter_mut()
            .find(|c| c.device_code == device_code && c.tenant == tenant)
        else {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "bad_verification_code",
                70_019,
                "The provided value for the input parameter 'device_code' is not valid.".into(),
            );
        };
        if !code.client_id.eq_ignore_ascii_case(client_id) {
            return aad_error(
                StatusCode::BAD_REQUEST,
                "bad_verification_code",
                70_019,
                "The device code was issued to another client.".into(),
            );
        }
        let since_last = now.saturating_duration_since(code.last_poll);
        code.last_poll = now;
        let answer = if now >= code.expires_at && code.status != Status::Redeemed {
            "expired_token"
        } else if code.status == Status::Redeemed {
            "invalid_grant"
        } else if code.forced_slow_down > 0 || since_last < code.interval {
            code.forced_slow_down = code.forced_slow_down.saturating_sub(1);
            code.interval += SLOW_DOWN_STEP;
            "slow_down"
        } else {
            match code.status {
                Status::Pending => "authorization_pending",
                Status::Declined => "authorization_declined",
                Status::Approved => "approved",
                Status::Redeemed => "invalid_grant",
            }
        };
        code.polls.push(Poll {
            at: now - code.issued_at,
            answer,
        });
        if answer == "approved" {
            if !client_id.eq_ignore_ascii_case(codes.public_client_id()) {
                // A confidential app must authenticate; its registration does not allow public flows.
                drop(s);
                return aad_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_218,
                    "The request body must contain the following parameter: 'client_assertion' or \
                     'client_secret'."
                        .into(),
                );
            }
            code.status = Status::Redeemed;
            let (scopes, offline) = (code.scopes.clone(), code.offline);
            drop(s);
            return issue_tokens(shared, tenant, client_id, &scopes, offline);
        }
        answer
    };
    let (code, text) = match answer {
        "authorization_pending" => (
            70_016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        "slow_down" => (70_016, "Polling too fast: slow down by 5 seconds."),
        "authorization_declined" => (70_000, "The user declined to sign in on the device."),
        "expired_token" => (
            70_020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        ),
        _ => (54_005, "OAuth2 Authorization code was already redeemed."),
    };
    aad_error(StatusCode::BAD_REQUEST, answer, code, text.into())
}

/// `grant_type=refresh_token` (delegated tokens only: app tokens never get one).
pub(crate) fn refresh(shared: &Shared, tenant: u32, form: &[(String, String)]) -> Response {
    let Some(client_id) = form_field(form, "client_id") else {
        return missing("client_id");
    };
    let Some(token) = form_field(form, "refresh_token") else {
        return missing("refresh_token");
    };
    let grant = {
        let s = shared.device_codes.lock();
        s.refresh
            .get(token)
            .map(|r| (r.tenant, r.client_id.clone(), r.scopes.clone(), r.revoked))
    };
    match grant {
        Some((t, c, scopes, false)) if t == tenant && c.eq_ignore_ascii_case(client_id) => {
            issue_tokens(shared, tenant, client_id, &scopes, true)
        }
        Some((_, _, _, true)) => aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            50_173,
            "The provided grant has expired due to it being revoked, a fresh auth token is \
             needed. The user might have changed or reset their password."
                .into(),
        ),
        _ => aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9_002_313,
            "Invalid request. Request is malformed or invalid.".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_grant_the_public_clients_delegated_permissions() {
        let d = DeviceCodes::new(1);
        let (all, offline) = d
            .granted(&format!("{MDCA_RESOURCE}/.default offline_access"))
            .unwrap();
        assert_eq!(all.len(), 3);
        assert!(offline);
        let (one, offline) = d
            .granted(&format!("{MDCA_RESOURCE}/investigation.MANAGE"))
            .unwrap();
        assert_eq!(one, vec![INVESTIGATION_MANAGE.to_string()]);
        assert!(!offline);
        assert!(d.granted("https://graph.microsoft.com/.default").is_err());
        assert!(d.granted("offline_access").is_err());
    }

    #[test]
    fn user_codes_look_like_entras() {
        let c = user_code(&mut rand::rng());
        assert_eq!(c.len(), 9);
        assert!(c
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
}
