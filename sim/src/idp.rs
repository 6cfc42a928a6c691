//! Fake Entra ID token endpoint (api.md §3.2, §14 rule 9): OAuth 2.0 client credentials on the
//! v1 (`/{tenant}/oauth2/token`, `resource=`) and v2 (`/{tenant}/oauth2/v2.0/token`,
//! `scope=<resource>/.default`) endpoints, with AAD-style errors.
//!
//! The v1 endpoint answers numbers as strings (`"expires_in": "3599"`), as the real v1 endpoint
//! does; clients must read both forms.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{json, Value};

use crate::auth::MDCA_RESOURCE;
use crate::server::Shared;

/// Which token endpoint was called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    V1,
    V2,
}

/// Seconds since the epoch and an ISO-8601 UTC timestamp, as AAD prints them in errors.
pub(crate) fn now_stamp() -> (u64, String) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let stamp = format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    (secs, stamp)
}

/// An AAD error answer: `error`, `error_description` (with the AADSTS code), `error_codes`…
pub(crate) fn aad_error(status: StatusCode, error: &str, code: u32, message: String) -> Response {
    let (_, stamp) = now_stamp();
    let trace_id = uuid::Uuid::new_v4().to_string();
    let correlation_id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    no_store((status, axum::Json(body)).into_response())
}

pub(crate) fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn missing(param: &str) -> Response {
    aad_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900_144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

/// `client_secret_basic`: `Authorization: Basic base64(client_id:client_secret)`.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The resource a v2 `scope` names, if it is a `/.default` scope.
fn default_scope_resource(scope: &str) -> Option<&str> {
    let mut parts = scope.split_whitespace();
    let first = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    first.strip_suffix("/.default")
}

pub(crate) fn is_mdca_resource(resource: &str) -> bool {
    let r = resource.trim_end_matches('/');
    let r = r.strip_prefix("api://").unwrap_or(r);
    r.eq_ignore_ascii_case(MDCA_RESOURCE)
}

/// Handles one token request.
pub(crate) fn token(
    shared: &Shared,
    tenant_segment: &str,
    endpoint: Endpoint,
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
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let Some(grant_type) = field("grant_type") else {
        return missing("grant_type");
    };
    // Delegated grants (docs/api.md §3.9) live on the v2 endpoint only.
    if endpoint == Endpoint::V2 {
        match grant_type {
            crate::device_code::DEVICE_CODE_GRANT => {
                return crate::device_code::poll(shared, tenant.index, &form)
            }
            "refresh_token" => return crate::device_code::refresh(shared, tenant.index, &form),
            _ => {}
        }
    }
    if grant_type != "client_credentials" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        );
    }
    let basic = basic_credentials(headers);
    let client_id = field("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|(id, _)| id.clone()));
    let Some(client_id) = client_id else {
        return missing("client_id");
    };
    let resource_ok = match endpoint {
        Endpoint::V2 => {
            let Some(scope) = field("scope") else {
                return missing("scope");
            };
            match default_scope_resource(scope) {
                Some(r) if is_mdca_resource(r) => Ok(()),
                Some(r) => Err(r.to_string()),
                None => {
                    return aad_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        1_002_012,
                        format!(
                            "The provided value for scope {scope} is not valid. Client \
                             credential flows must have a scope value with /.default suffixed \
                             to the resource identifier (application ID URI)."
                        ),
                    )
                }
            }
        }
        Endpoint::V1 => {
            let Some(resource) = field("resource") else {
                return missing("resource");
            };
            if is_mdca_resource(resource) {
                Ok(())
            } else {
                Err(resource.to_string())
            }
        }
    };
    let Some(app) = shared.keyring.find_app(&client_id) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory \
                 '{}'. This can happen if the application has not been installed by the \
                 administrator of the tenant or consented to by any user in the tenant.",
                tenant.entra_id
            ),
        );
    };
    // A certificate credential (docs/api.md §3.8) instead of the secret.
    if let Some(kind) = field("client_assertion_type") {
        let token_url = format!(
            "{}/{tenant_segment}/{}",
            shared.base_url,
            match endpoint {
                Endpoint::V1 => "oauth2/token",
                Endpoint::V2 => "oauth2/v2.0/token",
            }
        );
        if let Err((status, error, code, message)) =
            shared
                .certificates
                .verify(&app.client_id, &token_url, kind, field("client_assertion"))
        {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            return aad_error(status, error, code, message);
        }
    }
    let secret = field("client_secret")
        .map(str::to_string)
        .or_else(|| basic.map(|(_, s)| s));
    // An app that signed in with a verified assertion needs no secret: the check below then passes.
    let Some(secret) =
        secret.or_else(|| field("client_assertion_type").map(|_| app.client_secret.clone()))
    else {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_216,
            "'client_assertion', 'client_secret' or 'request' is required for the \
             'client_credentials' grant type."
                .to_string(),
        );
    };
    if secret != app.client_secret {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_215,
            format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is \
                 the client secret value, not the client secret ID, for a secret added to app \
                 '{}'.",
                app.client_id
            ),
        );
    }
    if let Err(resource) = resource_ok {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500_011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}. \
                 This can happen if the application has not been installed by the administrator \
                 of the tenant or consented to by any user in the tenant.",
                tenant.entra_id
            ),
        );
    }
    let lifetime = shared.token_lifetime();
    let access_token = shared.keyring.issue(
        tenant.index,
        &tenant.entra_id,
        &app.client_id,
        &app.roles,
        lifetime,
    );
    let secs = lifetime.as_secs();
    let body: Value = match endpoint {
        Endpoint::V2 => json!({
            "token_type": "Bearer",
            "expires_in": secs,
            // The doc-2023 sample answers 0 here (api.md §3.2, §14 rule 9).
            "ext_expires_in": 0,
            "access_token": access_token,
        }),
        Endpoint::V1 => {
            let (now, _) = now_stamp();
            json!({
                "token_type": "Bearer",
                "expires_in": secs.to_string(),
                "ext_expires_in": secs.to_string(),
                "expires_on": (now + secs).to_string(),
                "not_before": now.to_string(),
                "resource": MDCA_RESOURCE,
                "access_token": access_token,
            })
        }
    };
    no_store((StatusCode::OK, axum::Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_must_be_a_single_default_scope() {
        assert_eq!(
            default_scope_resource("05a65629-4c1b-48c1-a78b-804c4abdd4af/.default"),
            Some(MDCA_RESOURCE)
        );
        assert_eq!(default_scope_resource("Investigation.read"), None);
        assert_eq!(default_scope_resource("a/.default b/.default"), None);
        assert!(is_mdca_resource(
            "api://05A65629-4C1B-48C1-A78B-804C4ABDD4AF"
        ));
        assert!(!is_mdca_resource("https://graph.microsoft.com"));
    }

    #[test]
    fn timestamps_are_civil_utc() {
        let (secs, stamp) = now_stamp();
        assert!(secs > 1_700_000_000);
        assert_eq!(stamp.len(), "2026-01-01 00:00:00Z".len());
        assert!(stamp.starts_with("20"));
    }
}
