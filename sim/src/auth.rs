//! Authentication and authorisation (api.md §3, §14 rules 5–8).
//!
//! Two kinds of credential reach the API:
//! - legacy API tokens (`Authorization: Token <key>`), each acting with the role of the admin who
//!   created it (api.md §3.1, §3.6);
//! - bearer tokens (`Authorization: Bearer <jwt>`) issued by the fake identity endpoint
//!   ([`crate::idp`]), carrying the application permissions of the app that asked for them
//!   (api.md §3.2, §3.4).
//!
//! Every credential is derived from the seed, so the same `--seed` always prints the same tokens
//! and app secrets and a user can copy them between runs.

// Handlers return ready HTTP responses as their error type; they are built once per request,
// so boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::json;

/// The Entra ID application (audience) id of the MDCA API (api.md §3.2).
pub const MDCA_RESOURCE: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af";

/// The permission names of api.md §3.4, as documented in its table.
pub const INVESTIGATION_READ: &str = "Investigation.read";
pub const INVESTIGATION_MANAGE: &str = "Investigation.manage";
pub const DISCOVERY_READ: &str = "Discovery.read";
pub const DISCOVERY_MANAGE: &str = "Discovery.manage";
pub const SETTINGS_READ: &str = "Settings.read";
pub const SETTINGS_MANAGE: &str = "Settings.manage";

/// The MDCA admin role behind a legacy token (api.md §3.6), reduced to what the API can tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Global / Security / Cloud App Security administrator: everything.
    GlobalAdmin,
    /// Security operator (and the compliance roles): read everything and manage alerts.
    SecurityOperator,
    /// Security reader / Global reader: read only.
    SecurityReader,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "Global administrator",
            Role::SecurityOperator => "Security operator",
            Role::SecurityReader => "Security reader",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "admin",
            Role::SecurityOperator => "operator",
            Role::SecurityReader => "reader",
        }
    }

    /// docs/api.md §3.6: readers may do what `Investigation.read` allows (which includes marking alerts
    /// read and sending activity feedback, api.md §3.4); operators also manage alerts; only full
    /// admins change settings (subnets) or upload discovery data.
    fn allows(self, action: Action) -> bool {
        match self {
            Role::GlobalAdmin => true,
            Role::SecurityOperator => {
                !matches!(action, Action::SubnetManage | Action::DiscoveryManage)
            }
            Role::SecurityReader => !matches!(
                action,
                Action::AlertsManage | Action::SubnetManage | Action::DiscoveryManage
            ),
        }
    }
}

/// The permission classes of the action matrix (api.md §3.4, §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Activities list/fetch/feedback, entities list/fetch/tree.
    InvestigationRead,
    /// Alerts list/fetch/read/unread.
    AlertsRead,
    /// Alert close (and the deprecated dismiss/resolve).
    AlertsManage,
    /// Subnet list.
    SubnetRead,
    /// Subnet create/update/delete.
    SubnetManage,
    /// Files list/fetch: legacy tokens only.
    Files,
    /// Discovery streams and categories.
    DiscoveryRead,
    /// Discovery upload and block scripts.
    DiscoveryManage,
}

impl Action {
    /// Bearer permissions that grant the action (api.md §3.5, second column).
    fn granted_by(self) -> &'static [&'static str] {
        match self {
            Action::InvestigationRead => &[INVESTIGATION_READ, INVESTIGATION_MANAGE],
            Action::AlertsRead => &[
                INVESTIGATION_READ,
                INVESTIGATION_MANAGE,
                DISCOVERY_READ,
                DISCOVERY_MANAGE,
            ],
            Action::AlertsManage => &[INVESTIGATION_MANAGE, DISCOVERY_MANAGE],
            Action::SubnetRead => &[
                INVESTIGATION_READ,
                INVESTIGATION_MANAGE,
                SETTINGS_READ,
                SETTINGS_MANAGE,
            ],
            Action::SubnetManage => &[INVESTIGATION_MANAGE, SETTINGS_MANAGE],
            // docs/api.md §3.5 (field): no permission opens the Files API to a bearer token.
            Action::Files => &[],
            Action::DiscoveryRead => &[DISCOVERY_READ, DISCOVERY_MANAGE],
            Action::DiscoveryManage => &[DISCOVERY_MANAGE],
        }
    }
}

/// Who is calling, once the credential has been checked.
#[derive(Clone, Debug)]
pub(crate) enum Principal {
    Legacy(Role),
    Bearer { roles: Vec<String> },
}

impl Principal {
    /// docs/api.md §14 rules 6–8: the action matrix for bearer tokens (permission names compared
    /// case-insensitively), the role model for legacy tokens.
    pub(crate) fn may(&self, action: Action) -> bool {
        match self {
            Principal::Legacy(role) => role.allows(action),
            Principal::Bearer { roles, .. } => action
                .granted_by()
                .iter()
                .any(|p| roles.iter().any(|r| r.eq_ignore_ascii_case(p))),
        }
    }
}

/// A client-credentials application registered with the fake identity endpoint.
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub client_id: String,
    pub client_secret: String,
    pub roles: Vec<String>,
}

#[derive(Debug)]
struct Issued {
    tenant: u32,
    roles: Vec<String>,
    expires_at: Instant,
    revoked: bool,
}

/// Why a bearer token was refused, for the `WWW-Authenticate` description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BearerProblem {
    Unknown,
    Expired,
    OtherTenant,
}

/// Every credential the simulator knows: legacy tokens, apps, and the bearer tokens it issued.
#[derive(Debug)]
pub(crate) struct Keyring {
    legacy: HashMap<String, (u32, Role)>,
    apps: RwLock<Vec<App>>,
    issued: Mutex<HashMap<String, Issued>>,
    seed: u64,
}

/// Deterministic generator for one named credential of one tenant.
pub(crate) fn rng_for(seed: u64, tenant: u32, label: &str) -> ChaCha20Rng {
    // FNV-1a over the label keeps names stable across Rust versions (unlike `DefaultHasher`).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..12].copy_from_slice(&tenant.to_le_bytes());
    key[16..24].copy_from_slice(&h.to_le_bytes());
    ChaCha20Rng::from_seed(key)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A version-4-shaped GUID from the generator.
pub(crate) fn guid(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An Entra-style client secret (`xxx8Q~` followed by 34 characters).
fn client_secret(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";
    let mut s = String::with_capacity(40);
    for i in 0..40 {
        if i == 3 {
            s.push_str("8Q~");
        } else if !(3..=5).contains(&i) {
            s.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
        }
    }
    s
}

/// The legacy token of a role in a tenant: 64 hex characters (api.md §3.1).
pub(crate) fn legacy_token(seed: u64, tenant: u32, role: Role) -> String {
    let mut b = [0u8; 32];
    rng_for(seed, tenant, &format!("legacy-token/{}", role.label())).fill_bytes(&mut b);
    hex(&b)
}

/// The Entra tenant id (GUID) of a simulated tenant.
pub(crate) fn entra_tenant_id(seed: u64, tenant: u32) -> String {
    guid(&mut rng_for(seed, tenant, "entra-tenant"))
}

fn seeded_app(seed: u64, label: &str, roles: &[&str]) -> App {
    let mut rng = rng_for(seed, 0, label);
    App {
        client_id: guid(&mut rng),
        client_secret: client_secret(&mut rng),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

impl Keyring {
    pub(crate) fn new(seed: u64, tenants: u32) -> Keyring {
        let mut legacy = HashMap::new();
        for t in 0..tenants {
            for role in [
                Role::GlobalAdmin,
                Role::SecurityOperator,
                Role::SecurityReader,
            ] {
                legacy.insert(legacy_token(seed, t, role), (t, role));
            }
        }
        // The apps are multi-tenant: consented in every simulated tenant with the same roles.
        let apps = vec![
            seeded_app(
                seed,
                "app/manage",
                &[INVESTIGATION_MANAGE, SETTINGS_MANAGE, DISCOVERY_MANAGE],
            ),
            seeded_app(seed, "app/reader", &[INVESTIGATION_READ]),
        ];
        Keyring {
            legacy,
            apps: RwLock::new(apps),
            issued: Mutex::new(HashMap::new()),
            seed,
        }
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// The built-in apps: 0 = manage app, 1 = reader app.
    pub(crate) fn app(&self, i: usize) -> App {
        self.apps.read().unwrap_or_else(|e| e.into_inner())[i].clone()
    }

    /// Registers another app with the given permission names; returns its credentials.
    pub(crate) fn register_app(&self, roles: Vec<String>) -> App {
        let mut rng = rand::rng();
        let app = App {
            client_id: guid(&mut rng),
            client_secret: client_secret(&mut rng),
            roles,
        };
        self.apps
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(app.clone());
        app
    }

    pub(crate) fn find_app(&self, client_id: &str) -> Option<App> {
        self.apps
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
            .cloned()
    }

    /// Issues a JWT-shaped access token for an app in a tenant (api.md §3.2: `roles` claim).
    pub(crate) fn issue(
        &self,
        tenant: u32,
        entra_tid: &str,
        app_id: &str,
        roles: &[String],
        lifetime: Duration,
    ) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut rng = rand::rng();
        let mut sig = [0u8; 32];
        rng.fill_bytes(&mut sig);
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": "mdca-sim"});
        let claims = json!({
            "aud": MDCA_RESOURCE,
            "iss": format!("https://sts.windows.net/{entra_tid}/"),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime.as_secs(),
            "appid": app_id,
            "appidacr": "1",
            "idp": format!("https://sts.windows.net/{entra_tid}/"),
            "idtyp": "app",
            "oid": guid(&mut rng),
            "sub": app_id,
            "tid": entra_tid,
            "roles": roles,
            "uti": b64.encode(&sig[..12]),
            "ver": "1.0",
        });
        let token = format!(
            "{}.{}.{}",
            b64.encode(header.to_string()),
            b64.encode(claims.to_string()),
            b64.encode(sig)
        );
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        if issued.len() >= 10_000 {
            let now = Instant::now();
            issued.retain(|_, t| t.expires_at > now && !t.revoked);
        }
        issued.insert(
            token.clone(),
            Issued {
                tenant,
                roles: roles.to_vec(),
                expires_at: Instant::now() + lifetime,
                revoked: false,
            },
        );
        token
    }

    /// Makes an issued bearer token stop working, as if its lifetime had run out.
    pub(crate) fn revoke(&self, token: &str) {
        if let Some(t) = self
            .issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(token)
        {
            t.revoked = true;
        }
    }

    /// Checks the `Authorization` header of an API request to `tenant` (api.md §14 rule 5).
    pub(crate) fn authenticate(
        &self,
        headers: &HeaderMap,
        tenant: u32,
    ) -> Result<Principal, Response> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "Authentication credentials were not provided.",
                "Token",
            ));
        };
        let value = value.to_str().unwrap_or("").trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("Token") {
            if rest.is_empty() {
                return Err(unauthorized(
                    "Invalid token header. No credentials provided.",
                    "Token",
                ));
            }
            if rest.contains(char::is_whitespace) {
                return Err(unauthorized(
                    "Invalid token header. Token string should not contain spaces.",
                    "Token",
                ));
            }
            return match self.legacy.get(rest) {
                Some(&(t, role)) if t == tenant => Ok(Principal::Legacy(role)),
                _ => Err(unauthorized("Invalid token.", "Token")),
            };
        }
        if scheme.eq_ignore_ascii_case("Bearer") && !rest.is_empty() {
            return match self.check_bearer(rest, tenant) {
                Ok(roles) => Ok(Principal::Bearer { roles }),
                Err(problem) => Err(bearer_unauthorized(problem)),
            };
        }
        Err(unauthorized(
            "Authentication credentials were not provided.",
            "Token",
        ))
    }

    fn check_bearer(&self, token: &str, tenant: u32) -> Result<Vec<String>, BearerProblem> {
        let issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        let t = issued.get(token).ok_or(BearerProblem::Unknown)?;
        if t.revoked || Instant::now() >= t.expires_at {
            return Err(BearerProblem::Expired);
        }
        if t.tenant != tenant {
            return Err(BearerProblem::OtherTenant);
        }
        Ok(t.roles.clone())
    }
}

/// A DRF-style 401 (api.md §12, inferred: `{"detail": "Invalid token."}`).
fn unauthorized(detail: &str, challenge: &'static str) -> Response {
    let mut resp = (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"detail": detail})),
    )
        .into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    resp
}

/// 401 for a refused bearer token; the challenge says why, the body stays the generic one.
pub(crate) fn bearer_unauthorized(problem: BearerProblem) -> Response {
    let challenge = match problem {
        BearerProblem::Unknown => {
            r#"Bearer error="invalid_token", error_description="The access token is not valid""#
        }
        BearerProblem::Expired => {
            r#"Bearer error="invalid_token", error_description="The access token has expired""#
        }
        BearerProblem::OtherTenant => {
            r#"Bearer error="invalid_token", error_description="The access token was issued for another tenant""#
        }
    };
    unauthorized("Invalid token.", challenge)
}

/// 401 for a legacy token the `expire_token` fault refuses.
pub(crate) fn legacy_unauthorized() -> Response {
    unauthorized("Invalid token.", "Token")
}

/// The RBAC refusal of api.md §3.5/§12 (rules 7–8): 403 with a fresh UUID v4 correlation id.
pub(crate) fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({
            "detail": "Insufficient role based permissions",
            "correlation_id": uuid::Uuid::new_v4().to_string(),
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_deterministic_per_seed_and_tenant() {
        assert_eq!(
            legacy_token(7, 0, Role::GlobalAdmin),
            legacy_token(7, 0, Role::GlobalAdmin)
        );
        assert_ne!(
            legacy_token(7, 0, Role::GlobalAdmin),
            legacy_token(7, 1, Role::GlobalAdmin)
        );
        assert_ne!(
            legacy_token(7, 0, Role::GlobalAdmin),
            legacy_token(8, 0, Role::GlobalAdmin)
        );
        let t = legacy_token(7, 0, Role::SecurityReader);
        assert_eq!(t.len(), 64);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
        let a = Keyring::new(7, 1).app(0);
        assert_eq!(a.client_id, Keyring::new(7, 1).app(0).client_id);
        assert_eq!(a.client_secret.len(), 40);
        assert_eq!(&a.client_secret[3..6], "8Q~");
        assert!(uuid::Uuid::parse_str(&entra_tenant_id(7, 0)).is_ok());
    }

    #[test]
    fn bearer_permissions_compare_case_insensitively() {
        let p = Principal::Bearer {
            roles: vec!["investigation.READ".into()],
        };
        assert!(p.may(Action::InvestigationRead));
        assert!(p.may(Action::AlertsRead));
        assert!(!p.may(Action::AlertsManage));
        assert!(!p.may(Action::Files));
    }
}
