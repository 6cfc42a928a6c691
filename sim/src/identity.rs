//! Fake Azure managed identity endpoints (docs/api.md §3.7): the instance metadata service
//! (`GET /metadata/identity/oauth2/token`, header `Metadata: true`, api-version 2018-02-01) and the
//! App Service / Functions / Automation endpoint (`GET /msi/token`, header `X-IDENTITY-HEADER`,
//! api-version 2019-08-01).
//!
//! The "machine" has a system-assigned identity and one user-assigned identity, both in tenant 0;
//! tokens they get are accepted by the API like app tokens. The control endpoint
//! (`/_sim/managed_identity`) makes the endpoints unavailable (every connection is reset, as when no
//! identity endpoint exists) or forgets an identity (its client id is then unknown).
//!
//! Answers follow Microsoft's documented shapes: IMDS sends every number as a string
//! (`"expires_in": "3599"`); App Service 2019-08-01 sends `expires_on` (epoch seconds) and no
//! `expires_in`. **Inferred:** a missing or wrong `X-IDENTITY-HEADER` is answered 401.

use std::sync::RwLock;

use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::{
    guid, rng_for, DISCOVERY_MANAGE, INVESTIGATION_MANAGE, INVESTIGATION_READ, SETTINGS_MANAGE,
};
use crate::idp::{is_mdca_resource, no_store, now_stamp};
use crate::server::Shared;

/// IMDS api-versions the simulator accepts on the token route.
const IMDS_VERSIONS: &[&str] = &["2018-02-01", "2019-08-01", "2021-02-01"];
/// The App Service api-version that uses `X-IDENTITY-HEADER`.
const APP_SERVICE_VERSION: &str = "2019-08-01";

/// Which endpoint was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Imds,
    AppService,
}

impl Style {
    /// The route name used by faults and counters (`identity` selects both).
    pub(crate) fn route_name(self) -> &'static str {
        match self {
            Style::Imds => "identity.imds",
            Style::AppService => "identity.app_service",
        }
    }
}

/// One managed identity of the simulated machine.
#[derive(Clone, Debug, Serialize)]
pub struct ManagedIdentityInfo {
    pub client_id: String,
    pub roles: Vec<String>,
    /// System-assigned (asked for without a client id) or user-assigned.
    pub system_assigned: bool,
}

#[derive(Debug)]
struct State {
    available: bool,
    identities: Vec<ManagedIdentityInfo>,
}

/// The machine's managed identities and the App Service endpoint's header secret.
#[derive(Debug)]
pub(crate) struct Identities {
    state: RwLock<State>,
    header: String,
}

impl Identities {
    pub(crate) fn new(seed: u64) -> Identities {
        let system = guid(&mut rng_for(seed, 0, "managed-identity/system"));
        let user = guid(&mut rng_for(seed, 0, "managed-identity/user"));
        let header = guid(&mut rng_for(seed, 0, "managed-identity/header"));
        Identities {
            state: RwLock::new(State {
                available: true,
                identities: vec![
                    ManagedIdentityInfo {
                        client_id: system,
                        roles: vec![
                            INVESTIGATION_MANAGE.into(),
                            SETTINGS_MANAGE.into(),
                            DISCOVERY_MANAGE.into(),
                        ],
                        system_assigned: true,
                    },
                    ManagedIdentityInfo {
                        client_id: user,
                        roles: vec![INVESTIGATION_READ.into()],
                        system_assigned: false,
                    },
                ],
            }),
            header,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn available(&self) -> bool {
        self.read().available
    }

    pub(crate) fn set_available(&self, on: bool) {
        self.write().available = on;
    }

    /// Forgets an identity: requests for it get "identity not found". Returns whether it existed.
    pub(crate) fn forget(&self, client_id: &str) -> bool {
        let mut s = self.write();
        let before = s.identities.len();
        s.identities
            .retain(|i| !i.client_id.eq_ignore_ascii_case(client_id));
        s.identities.len() != before
    }

    pub(crate) fn list(&self) -> Vec<ManagedIdentityInfo> {
        self.read().identities.clone()
    }

    /// The `X-IDENTITY-HEADER` value (what `IDENTITY_HEADER` holds in App Service).
    pub(crate) fn header(&self) -> &str {
        &self.header
    }

    fn find(&self, client_id: Option<&str>) -> Option<ManagedIdentityInfo> {
        self.read()
            .identities
            .iter()
            .find(|i| match client_id {
                Some(c) => i.client_id.eq_ignore_ascii_case(c),
                None => i.system_assigned,
            })
            .cloned()
    }

    /// The state for the control endpoint.
    pub(crate) fn snapshot(&self, base_url: &str) -> Value {
        let s = self.read();
        json!({
            "available": s.available,
            "identities": s.identities,
            "identity_header": self.header,
            "imds_endpoint": format!("{base_url}/metadata/identity/oauth2/token"),
            "app_service_endpoint": format!("{base_url}/msi/token"),
        })
    }
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default()
}

fn imds_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response(),
    )
}

fn app_service_error(status: StatusCode, message: &str) -> Response {
    no_store(
        (
            status,
            axum::Json(json!({
                "statusCode": status.as_u16(),
                "message": message,
                "correlationId": uuid::Uuid::new_v4().to_string(),
            })),
        )
            .into_response(),
    )
}

/// Handles one token request to either endpoint.
pub(crate) fn token(
    shared: &Shared,
    style: Style,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Response {
    let error = |status: StatusCode, code: &str, text: &str| match style {
        Style::Imds => imds_error(status, code, text),
        Style::AppService => app_service_error(status, text),
    };
    if method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "The token endpoint only accepts GET.",
        );
    }
    let pairs = query_pairs(query);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    match style {
        Style::Imds => {
            let metadata = headers
                .get("Metadata")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            if !metadata {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Required metadata header not specified",
                );
            }
            match field("api-version") {
                None => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "Required query variable 'api-version' is missing",
                    )
                }
                Some(v) if !IMDS_VERSIONS.contains(&v) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "Invalid version of api-version query parameter",
                    )
                }
                Some(_) => {}
            }
        }
        Style::AppService => {
            let given = headers
                .get("X-IDENTITY-HEADER")
                .and_then(|v| v.to_str().ok())
                .map(str::trim);
            if given != Some(shared.identities.header()) {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.",
                );
            }
            if field("api-version") != Some(APP_SERVICE_VERSION) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "The api-version query parameter must be 2019-08-01 for X-IDENTITY-HEADER requests.",
                );
            }
        }
    }
    let Some(resource) = field("resource") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    let client_id = field("client_id");
    let Some(identity) = shared.identities.find(client_id) else {
        return match style {
            Style::Imds => error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Identity not found",
            ),
            Style::AppService => error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "No MSI found for specified ClientId/ResourceId.",
            ),
        };
    };
    if !is_mdca_resource(resource) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            &format!("AADSTS500011: The resource principal named {resource} was not found in the tenant."),
        );
    }
    let tenant = &shared.tenants[0];
    let lifetime = shared.token_lifetime();
    let access_token = shared.keyring.issue(
        tenant.index,
        &tenant.entra_id,
        &identity.client_id,
        &identity.roles,
        lifetime,
    );
    let (now, _) = now_stamp();
    let secs = lifetime.as_secs();
    let body = match style {
        Style::Imds => json!({
            "access_token": access_token,
            "client_id": identity.client_id,
            "expires_in": secs.to_string(),
            "expires_on": (now + secs).to_string(),
            "ext_expires_in": secs.to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
        Style::AppService => json!({
            "access_token": access_token,
            "expires_on": (now + secs).to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }),
    };
    no_store((StatusCode::OK, axum::Json(body)).into_response())
}
