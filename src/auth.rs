//! Credentials: the legacy API token, application context (OAuth 2.0 client credentials, v2 or v1
//! endpoint) and a pre-acquired bearer token (api.md §3); the app token cache with single-flight refresh.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;
use zeroize::Zeroizing;

use crate::cancel::CancelToken;
use crate::config::{parse_endpoint_url, AuthOptions, TokenEndpoint, DEFAULT_AUTHORITY_HOST};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The "Microsoft Cloud App Security" resource (audience) app id (api.md §3.2).
pub const MDCA_RESOURCE_APP_ID: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af";

/// Which credential a client mainly authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Legacy API token (`Authorization: Token …`).
    Token,
    /// Application context: client credentials, refreshed automatically.
    App,
    /// A bearer token given directly; it cannot be refreshed.
    Bearer,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Token => "token",
            AuthMode::App => "app",
            AuthMode::Bearer => "bearer",
        }
    }
}

/// The `Authorization` scheme a request was sent with; decides how a 401/403 is explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Token,
    Bearer,
}

/// An `Authorization` header for one attempt.
pub(crate) struct AuthHeader {
    pub(crate) value: HeaderValue,
    pub(crate) scheme: Scheme,
    /// Set for app tokens: which cached token this is, so a 401 invalidates only that one.
    pub(crate) generation: Option<u64>,
}

/// The credentials of one client.
pub(crate) struct Auth {
    primary: Primary,
    legacy: Option<Secret>,
}

enum Primary {
    Legacy(Secret),
    App(Box<AppTokenSource>),
    Bearer(Secret),
}

fn header(scheme: Scheme, secret: &str) -> Result<HeaderValue> {
    let prefix = match scheme {
        Scheme::Token => "Token ",
        Scheme::Bearer => "Bearer ",
    };
    let mut raw = Zeroizing::new(String::with_capacity(prefix.len() + secret.len()));
    raw.push_str(prefix);
    raw.push_str(secret.trim());
    let mut v = HeaderValue::from_str(&raw).map_err(|_| {
        Error::invalid_config(
            "a token contains characters that cannot be sent in an HTTP header (line breaks, control characters)",
        )
        .with_hint("copy the token again without surrounding quotes or line breaks")
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Auth {
    pub(crate) fn new(opts: &AuthOptions, http: reqwest::Client) -> Result<Auth> {
        let (primary, legacy) = match opts {
            AuthOptions::Token { token } => {
                header(Scheme::Token, token.expose())?;
                (Primary::Legacy(token.clone()), None)
            }
            AuthOptions::App {
                credentials,
                legacy_token,
            } => {
                let authority = credentials
                    .authority_host
                    .as_deref()
                    .unwrap_or(DEFAULT_AUTHORITY_HOST);
                let authority = parse_endpoint_url(authority, "authority_host")?;
                let tenant = credentials.tenant_id.trim();
                if tenant.contains(['/', '?', '#', ' ']) {
                    return Err(Error::invalid_config(
                        "the tenant_id must be a directory (tenant) id or a domain name, without slashes",
                    ));
                }
                let path = match credentials.token_endpoint {
                    TokenEndpoint::V2 => format!("{tenant}/oauth2/v2.0/token"),
                    TokenEndpoint::V1 => format!("{tenant}/oauth2/token"),
                };
                let mut root = authority.clone();
                if !root.path().ends_with('/') {
                    let p = format!("{}/", root.path());
                    root.set_path(&p);
                }
                let token_url = root.join(&path).map_err(|e| {
                    Error::invalid_config(format!("cannot build the token endpoint URL: {e}"))
                })?;
                (
                    Primary::App(Box::new(AppTokenSource {
                        http,
                        token_url,
                        tenant_id: tenant.to_string(),
                        client_id: credentials.client_id.trim().to_string(),
                        client_secret: credentials.client_secret.clone(),
                        endpoint: credentials.token_endpoint,
                        cache: tokio::sync::Mutex::new(None),
                        next_generation: AtomicU64::new(1),
                        token_requests: AtomicU64::new(0),
                    })),
                    legacy_token.clone(),
                )
            }
            AuthOptions::Bearer {
                token,
                legacy_token,
            } => {
                header(Scheme::Bearer, token.expose())?;
                (Primary::Bearer(token.clone()), legacy_token.clone())
            }
        };
        if let Some(l) = &legacy {
            header(Scheme::Token, l.expose())?;
        }
        Ok(Auth { primary, legacy })
    }

    pub(crate) fn mode(&self) -> AuthMode {
        match self.primary {
            Primary::Legacy(_) => AuthMode::Token,
            Primary::App(_) => AuthMode::App,
            Primary::Bearer(_) => AuthMode::Bearer,
        }
    }

    /// Whether a legacy API token is available (alone or beside app/bearer credentials).
    pub(crate) fn has_legacy_token(&self) -> bool {
        matches!(self.primary, Primary::Legacy(_)) || self.legacy.is_some()
    }

    /// How many client-credentials requests this client sent.
    pub(crate) fn token_requests(&self) -> u64 {
        match &self.primary {
            Primary::App(src) => src.token_requests.load(Ordering::Relaxed),
            _ => 0,
        }
    }

    /// The header for one attempt. `prefer_legacy` (the Files API, api.md §3.5) picks the legacy token when
    /// one is configured beside app/bearer credentials.
    pub(crate) async fn header(
        &self,
        prefer_legacy: bool,
        cancel: &CancelToken,
    ) -> Result<AuthHeader> {
        if prefer_legacy {
            if let Some(l) = &self.legacy {
                return Ok(AuthHeader {
                    value: header(Scheme::Token, l.expose())?,
                    scheme: Scheme::Token,
                    generation: None,
                });
            }
        }
        match &self.primary {
            Primary::Legacy(t) => Ok(AuthHeader {
                value: header(Scheme::Token, t.expose())?,
                scheme: Scheme::Token,
                generation: None,
            }),
            Primary::Bearer(t) => Ok(AuthHeader {
                value: header(Scheme::Bearer, t.expose())?,
                scheme: Scheme::Bearer,
                generation: None,
            }),
            Primary::App(src) => {
                let (token, generation) = src.token(cancel).await?;
                Ok(AuthHeader {
                    value: header(Scheme::Bearer, token.expose())?,
                    scheme: Scheme::Bearer,
                    generation: Some(generation),
                })
            }
        }
    }

    /// Drops the cached app token `generation` after the API refused it, so the next header fetches a
    /// new one. Returns whether a refresh is possible at all (app credentials only).
    pub(crate) async fn invalidate(&self, generation: Option<u64>) -> bool {
        match (&self.primary, generation) {
            (Primary::App(src), Some(g)) => {
                let mut cache = src.cache.lock().await;
                if cache.as_ref().is_some_and(|c| c.generation == g) {
                    *cache = None;
                }
                true
            }
            _ => false,
        }
    }
}

struct CachedToken {
    token: Secret,
    generation: u64,
    refresh_at: Instant,
    expires_at: Instant,
}

struct AppTokenSource {
    http: reqwest::Client,
    token_url: Url,
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    endpoint: TokenEndpoint,
    /// Held across the token request, so concurrent callers wait for one refresh (single flight).
    cache: tokio::sync::Mutex<Option<CachedToken>>,
    next_generation: AtomicU64,
    token_requests: AtomicU64,
}

/// When to refresh a token of `lifetime`: at 90% of it, or 5 minutes before expiry if that is earlier;
/// for lifetimes under 10 minutes (tests, unusual policies) the 5-minute rule would refresh on every
/// call, so only the 90% rule applies.
pub(crate) fn refresh_after(lifetime: Duration) -> Duration {
    let ninety = lifetime.mul_f64(0.9);
    if lifetime >= Duration::from_secs(600) {
        ninety.min(lifetime - Duration::from_secs(300))
    } else {
        ninety
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<Secret>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct IdentityError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<i64>,
    #[serde(default)]
    correlation_id: Option<String>,
}

impl AppTokenSource {
    async fn token(&self, cancel: &CancelToken) -> Result<(Secret, u64)> {
        let mut cache = cancel.run(self.cache.lock()).await?;
        let now = Instant::now();
        if let Some(c) = cache.as_ref() {
            if now < c.refresh_at {
                return Ok((c.token.clone(), c.generation));
            }
        }
        match self.request(cancel).await {
            Ok((token, lifetime, sent_at)) => {
                let generation = self.next_generation.fetch_add(1, Ordering::Relaxed);
                *cache = Some(CachedToken {
                    token: token.clone(),
                    generation,
                    refresh_at: sent_at + refresh_after(lifetime),
                    expires_at: sent_at + lifetime,
                });
                Ok((token, generation))
            }
            Err(e) => {
                // A refresh that fails while the old token is still valid should not stop the work.
                if e.kind() != ErrorKind::Cancelled {
                    if let Some(c) = cache.as_mut() {
                        let now = Instant::now();
                        if now < c.expires_at {
                            // Try again later, not on every call: a slow identity endpoint would
                            // otherwise cost each call a timeout.
                            c.refresh_at =
                                now + ((c.expires_at - now) / 2).min(Duration::from_secs(30));
                            tracing::warn!(error = %e, "token refresh failed; using the current token until it expires");
                            return Ok((c.token.clone(), c.generation));
                        }
                    }
                }
                Err(e)
            }
        }
    }

    /// One client-credentials request. Returns the token, its lifetime and when the request was sent
    /// (the lifetime counts from then, to stay on the safe side).
    async fn request(&self, cancel: &CancelToken) -> Result<(Secret, Duration, Instant)> {
        let mut body = Zeroizing::new(String::new());
        {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            form.append_pair("client_id", &self.client_id);
            form.append_pair("client_secret", self.client_secret.expose());
            match self.endpoint {
                TokenEndpoint::V2 => {
                    form.append_pair("scope", &format!("{MDCA_RESOURCE_APP_ID}/.default"))
                }
                TokenEndpoint::V1 => form.append_pair("resource", MDCA_RESOURCE_APP_ID),
            };
            body.push_str(&Zeroizing::new(form.finish()));
        }
        let sent_at = Instant::now();
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(url = %self.token_url, endpoint = ?self.endpoint, "requesting an app access token");
        let send = self
            .http
            .post(self.token_url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.as_bytes().to_vec())
            .send();
        let what = format!("requesting an access token from {}", self.token_url);
        let resp = cancel
            .run(send)
            .await?
            .map_err(|e| crate::http::transport_error(&what, &e))?;
        let status = resp.status().as_u16();
        let bytes = cancel
            .run(resp.bytes())
            .await?
            .map_err(|e| crate::http::transport_error(&what, &e))?;
        tracing::debug!(status, "identity endpoint answered");
        if (200..300).contains(&status) {
            let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| {
                Error::new(
                    ErrorKind::TokenRequestFailed,
                    format!("{what}: the identity endpoint answered HTTP {status} with a body that is not a token response"),
                )
                .with_http_status(status)
                .with_hint("check authority_host: it must be the Entra ID authority (https://login.microsoftonline.com or your sovereign cloud's)")
            })?;
            let token = parsed
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::TokenRequestFailed,
                        format!("{what}: the identity endpoint answered without an access_token"),
                    )
                    .with_http_status(status)
                })?;
            // v2 sends expires_in as a number, v1 as a string (api.md §3.2); default to one hour.
            let secs = match parsed.expires_in {
                Some(serde_json::Value::Number(n)) => n.as_f64(),
                Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(3600.0);
            return Ok((token, Duration::from_secs_f64(secs), sent_at));
        }
        let err: IdentityError = serde_json::from_slice(&bytes).unwrap_or_default();
        let code = err
            .error
            .clone()
            .unwrap_or_else(|| format!("HTTP {status}"));
        let description = err
            .error_description
            .as_deref()
            .map(|d| d.lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        let mut e = Error::new(
            ErrorKind::TokenRequestFailed,
            if description.is_empty() {
                format!("{what}: the identity endpoint refused the client credentials ({code})")
            } else {
                format!("{what}: the identity endpoint refused the client credentials ({code}: {description})")
            },
        )
        .with_http_status(status)
        .with_hint(self.identity_hint(&err, status));
        let detail = match (&err.error, &err.error_description) {
            (Some(c), Some(d)) => Some(format!("{c}: {d}")),
            (Some(c), None) => Some(c.clone()),
            (None, Some(d)) => Some(d.clone()),
            (None, None) => crate::http::summarise_body(&bytes),
        };
        if let Some(d) = detail {
            e = e.with_detail(d);
        }
        if let Some(c) = err.correlation_id {
            e = e.with_correlation_id(c);
        }
        Err(e)
    }

    fn identity_hint(&self, err: &IdentityError, status: u16) -> String {
        let has = |c: i64| err.error_codes.contains(&c);
        let code = err.error.as_deref().unwrap_or("");
        if has(7_000_222) {
            return "the client secret has expired: create a new one under Certificates & secrets in the app registration".into();
        }
        if has(7_000_215) || code == "invalid_client" {
            return "check the client secret: give the secret's Value (not its Secret ID) and check it has not expired".into();
        }
        if has(700_016) || code == "unauthorized_client" {
            return format!(
                "check the client id (Application (client) ID) and that the app is registered in tenant {}",
                self.tenant_id
            );
        }
        if has(90_002) || has(900_023) || code == "invalid_tenant" {
            return "check the tenant id (Directory (tenant) ID or a verified domain of the tenant)".into();
        }
        if has(65_001) || has(500_011) || code == "invalid_scope" || code == "invalid_resource" {
            return "add Microsoft Cloud App Security application permissions (e.g. Investigation.Read) to the app and grant admin consent".into();
        }
        if status >= 500 || status == 429 {
            return "the identity endpoint is having trouble; retry later".into();
        }
        "check the tenant id, the client id, that the client secret is the secret's Value and has not expired, and that admin consent was granted for the Microsoft Cloud App Security permissions".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_happens_at_ninety_percent_or_five_minutes_before_expiry() {
        assert_eq!(
            refresh_after(Duration::from_secs(3599)),
            Duration::from_secs(3599).mul_f64(0.9)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(1200)),
            Duration::from_secs(900)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(2)),
            Duration::from_millis(1800)
        );
    }

    #[test]
    fn headers_use_the_documented_schemes_and_are_sensitive() {
        let h = header(Scheme::Token, "abc").unwrap();
        assert_eq!(h.to_str().unwrap(), "Token abc");
        assert!(h.is_sensitive());
        assert_eq!(
            header(Scheme::Bearer, " xyz\n").unwrap().to_str().unwrap(),
            "Bearer xyz"
        );
        let e = header(Scheme::Token, "a\nb").err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(!e.to_string().contains("a\nb"));
    }
}
