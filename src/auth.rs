//! Credentials: the legacy API token, application context (OAuth 2.0 client credentials, v2 or v1
//! endpoint), an Azure managed identity (IMDS or the App Service endpoint, docs/api.md §3.7) and a
//! pre-acquired bearer token (api.md §3), a device code sign-in (§3.9, in [`crate::device_code`]); the
//! token cache with single-flight refresh that app, managed identity and delegated tokens share.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;
use zeroize::Zeroizing;

use crate::assertion::SigningCertificate;
use crate::cancel::CancelToken;
pub use crate::cloud::MDCA_RESOURCE_APP_ID;
use crate::config::{
    parse_endpoint_url, AuthOptions, ClientOptions, ManagedIdentity, TokenEndpoint,
};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The Azure instance metadata service's token endpoint (docs/api.md §3.7).
pub const IMDS_TOKEN_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
/// The IMDS token API version mdca speaks.
pub const IMDS_API_VERSION: &str = "2018-02-01";
/// The App Service / Functions / Automation identity endpoint's API version mdca speaks.
pub const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Which credential a client mainly authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Legacy API token (`Authorization: Token …`).
    Token,
    /// Application context: client credentials, refreshed automatically.
    App,
    /// A bearer token given directly; it cannot be refreshed.
    Bearer,
    /// An Azure managed identity, refreshed automatically.
    ManagedIdentity,
    /// A user signed in with a device code (delegated), refreshed with the refresh token.
    DeviceCode,
}

impl AuthMode {
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Token => "token",
            AuthMode::App => "app",
            AuthMode::Bearer => "bearer",
            AuthMode::ManagedIdentity => "managed_identity",
            AuthMode::DeviceCode => "device_code",
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
    /// Set for refreshable (app, managed identity) tokens: which cached token this is, so a 401
    /// invalidates only that one.
    pub(crate) generation: Option<u64>,
}

/// The credentials of one client.
pub(crate) struct Auth {
    primary: Primary,
    legacy: Option<Secret>,
}

enum Primary {
    Legacy(Secret),
    /// App credentials or a managed identity: tokens fetched, cached and refreshed.
    Refreshing(Box<TokenSource>),
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
    pub(crate) fn new(opts: &ClientOptions, http: reqwest::Client) -> Result<Auth> {
        let (primary, legacy) = match &opts.auth {
            AuthOptions::Token { token } => {
                header(Scheme::Token, token.expose())?;
                (Primary::Legacy(token.clone()), None)
            }
            AuthOptions::App {
                credentials,
                legacy_token,
            } => {
                let flow = ClientSecretFlow::new(
                    opts,
                    &credentials.tenant_id,
                    &credentials.client_id,
                    credentials.token_endpoint,
                    ClientCredential::Secret(credentials.client_secret.clone()),
                )?;
                (
                    Primary::Refreshing(Box::new(TokenSource::new(http, Flow::ClientSecret(flow)))),
                    legacy_token.clone(),
                )
            }
            AuthOptions::Certificate {
                credentials,
                legacy_token,
            } => {
                let cert = SigningCertificate::load(&credentials.source, credentials.algorithm)?;
                let flow = ClientSecretFlow::new(
                    opts,
                    &credentials.tenant_id,
                    &credentials.client_id,
                    credentials.token_endpoint,
                    ClientCredential::Certificate(Box::new(cert)),
                )?;
                (
                    Primary::Refreshing(Box::new(TokenSource::new(http, Flow::ClientSecret(flow)))),
                    legacy_token.clone(),
                )
            }
            AuthOptions::ManagedIdentity {
                identity,
                legacy_token,
            } => {
                let cloud = opts.cloud_settings()?;
                let flow = Flow::ManagedIdentity(ManagedIdentityFlow::new(
                    identity,
                    cloud.resource,
                    &Environment::process(),
                )?);
                // The identity endpoint is local to the machine (IMDS is link-local, App Service's is
                // loopback): a proxy from the environment must never see it.
                let http = reqwest::Client::builder()
                    .user_agent(crate::http::USER_AGENT)
                    .timeout(opts.timeout)
                    .connect_timeout(opts.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy()
                    .build()
                    .map_err(|e| {
                        Error::internal(format!(
                            "could not set up the HTTP client of the managed identity: {}",
                            crate::http::error_chain(&e)
                        ))
                    })?;
                (
                    Primary::Refreshing(Box::new(TokenSource::new(http, flow))),
                    legacy_token.clone(),
                )
            }
            AuthOptions::DeviceCode {
                device_code,
                legacy_token,
            } => {
                let cloud = opts.cloud_settings()?;
                let flow = crate::device_code::DeviceCodeFlow::new(
                    device_code,
                    &cloud.authority_host,
                    &cloud.resource,
                )?;
                (
                    Primary::Refreshing(Box::new(TokenSource::new(http, Flow::DeviceCode(flow)))),
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
        match &self.primary {
            Primary::Legacy(_) => AuthMode::Token,
            Primary::Refreshing(src) => match src.flow {
                Flow::ClientSecret(_) => AuthMode::App,
                Flow::ManagedIdentity(_) => AuthMode::ManagedIdentity,
                Flow::DeviceCode(_) => AuthMode::DeviceCode,
            },
            Primary::Bearer(_) => AuthMode::Bearer,
        }
    }

    /// Whether a legacy API token is available (alone or beside app/bearer credentials).
    pub(crate) fn has_legacy_token(&self) -> bool {
        matches!(self.primary, Primary::Legacy(_)) || self.legacy.is_some()
    }

    /// How many token requests (client credentials or managed identity) this client sent.
    pub(crate) fn token_requests(&self) -> u64 {
        match &self.primary {
            Primary::Refreshing(src) => src.token_requests.load(Ordering::Relaxed),
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
            Primary::Refreshing(src) => {
                let (token, generation) = src.token(cancel).await?;
                Ok(AuthHeader {
                    value: header(Scheme::Bearer, token.expose())?,
                    scheme: Scheme::Bearer,
                    generation: Some(generation),
                })
            }
        }
    }

    /// Asks for a device code and returns the prompt to show; [`Auth::header`] then polls it
    /// (docs/api.md §3.9). `Unsupported` for any other credential.
    pub(crate) async fn device_code_begin(
        &self,
        cancel: &CancelToken,
    ) -> Result<crate::device_code::DeviceCodePrompt> {
        match &self.primary {
            Primary::Refreshing(src) => match &src.flow {
                Flow::DeviceCode(f) => {
                    src.token_requests.fetch_add(1, Ordering::Relaxed);
                    f.begin(&src.http, cancel).await
                }
                _ => Err(not_device_code()),
            },
            _ => Err(not_device_code()),
        }
    }

    /// Drops the cached token `generation` after the API refused it, so the next header fetches a
    /// new one. Returns whether a refresh is possible at all (app credentials, managed identity).
    pub(crate) async fn invalidate(&self, generation: Option<u64>) -> bool {
        match (&self.primary, generation) {
            (Primary::Refreshing(src), Some(g)) => {
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

fn not_device_code() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        "this client does not sign in with a device code",
    )
    .with_hint("create the client with auth type device_code (tenant_id, client_id)")
}

struct CachedToken {
    token: Secret,
    generation: u64,
    refresh_at: Instant,
    expires_at: Instant,
}

/// Fetches, caches and refreshes access tokens for one client, whatever the flow.
struct TokenSource {
    http: reqwest::Client,
    flow: Flow,
    /// Held across the token request, so concurrent callers wait for one refresh (single flight).
    cache: tokio::sync::Mutex<Option<CachedToken>>,
    next_generation: AtomicU64,
    token_requests: AtomicU64,
}

/// How a [`TokenSource`] asks for a token.
enum Flow {
    ClientSecret(ClientSecretFlow),
    ManagedIdentity(ManagedIdentityFlow),
    DeviceCode(crate::device_code::DeviceCodeFlow),
}

/// OAuth 2.0 client credentials with a client secret (api.md §3.2) or a certificate (§3.8).
struct ClientSecretFlow {
    token_url: Url,
    tenant_id: String,
    client_id: String,
    credential: ClientCredential,
    endpoint: TokenEndpoint,
    /// The audience: the MDCA app id or the scope override (docs/api.md §3.7).
    resource: String,
}

/// What proves the app's identity in a client-credentials request.
enum ClientCredential {
    Secret(Secret),
    /// A fresh signed client assertion per request (docs/api.md §3.8).
    Certificate(Box<SigningCertificate>),
}

impl TokenSource {
    fn new(http: reqwest::Client, flow: Flow) -> TokenSource {
        TokenSource {
            http,
            flow,
            cache: tokio::sync::Mutex::new(None),
            next_generation: AtomicU64::new(1),
            token_requests: AtomicU64::new(0),
        }
    }
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
    /// Epoch seconds; managed identity endpoints send it, often as a string.
    #[serde(default)]
    expires_on: Option<serde_json::Value>,
}

/// A number of seconds sent as a JSON number or a string.
fn seconds_of(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite())
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

impl TokenSource {
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

    /// One token request. Returns the token, its lifetime and when the request was sent (the lifetime
    /// counts from then, to stay on the safe side).
    async fn request(&self, cancel: &CancelToken) -> Result<(Secret, Duration, Instant)> {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        match &self.flow {
            Flow::ClientSecret(f) => f.request(&self.http, cancel).await,
            Flow::ManagedIdentity(f) => f.request(&self.http, cancel).await,
            Flow::DeviceCode(f) => f.request(&self.http, cancel).await,
        }
    }
}

impl ClientSecretFlow {
    fn new(
        opts: &ClientOptions,
        tenant_id: &str,
        client_id: &str,
        endpoint: TokenEndpoint,
        credential: ClientCredential,
    ) -> Result<ClientSecretFlow> {
        let cloud = opts.cloud_settings()?;
        let authority = parse_endpoint_url(&cloud.authority_host, "authority_host")?;
        let tenant = tenant_id.trim();
        if tenant.contains(['/', '?', '#', ' ']) {
            return Err(Error::invalid_config(
                "the tenant_id must be a directory (tenant) id or a domain name, without slashes",
            ));
        }
        let path = match endpoint {
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
        Ok(ClientSecretFlow {
            token_url,
            tenant_id: tenant.to_string(),
            client_id: client_id.trim().to_string(),
            credential,
            endpoint,
            resource: cloud.resource,
        })
    }

    /// One client-credentials request.
    async fn request(
        &self,
        http: &reqwest::Client,
        cancel: &CancelToken,
    ) -> Result<(Secret, Duration, Instant)> {
        let mut body = Zeroizing::new(String::new());
        {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            form.append_pair("client_id", &self.client_id);
            match &self.credential {
                ClientCredential::Secret(secret) => {
                    form.append_pair("client_secret", secret.expose());
                }
                ClientCredential::Certificate(cert) => {
                    // `aud` is the token endpoint this request goes to (docs/api.md §3.8).
                    let assertion = cert.assertion(
                        &self.client_id,
                        self.token_url.as_str(),
                        SystemTime::now(),
                    )?;
                    form.append_pair(
                        "client_assertion_type",
                        crate::assertion::CLIENT_ASSERTION_TYPE,
                    );
                    form.append_pair("client_assertion", &assertion);
                }
            }
            match self.endpoint {
                TokenEndpoint::V2 => {
                    form.append_pair("scope", &format!("{}/.default", self.resource))
                }
                TokenEndpoint::V1 => form.append_pair("resource", &self.resource),
            };
            body.push_str(&Zeroizing::new(form.finish()));
        }
        let sent_at = Instant::now();
        tracing::debug!(url = %self.token_url, endpoint = ?self.endpoint, "requesting an app access token");
        let send = http
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
            let secs = seconds_of(parsed.expires_in.as_ref())
                .filter(|s| *s > 0.0)
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
        if let ClientCredential::Certificate(cert) = &self.credential {
            if status < 500 && status != 429 {
                let description = err.error_description.as_deref().unwrap_or("");
                return cert.hint(&err.error_codes, code, description, &self.tenant_id);
            }
        }
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

/// The environment variables the managed identity reads, passed in so tests need not change the
/// process environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Environment {
    /// `IDENTITY_ENDPOINT` (App Service, Functions, Automation, Arc).
    pub(crate) identity_endpoint: Option<String>,
    /// `IDENTITY_HEADER`: the secret the App Service endpoint wants in `X-IDENTITY-HEADER`.
    pub(crate) identity_header: Option<Secret>,
    /// `MDCA_IMDS_ENDPOINT`: mdca's override of the IMDS URL (tests, the simulator).
    pub(crate) imds_endpoint: Option<String>,
}

impl Environment {
    pub(crate) fn process() -> Environment {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Environment {
            identity_endpoint: var("IDENTITY_ENDPOINT"),
            identity_header: var("IDENTITY_HEADER").map(Secret::new),
            imds_endpoint: var("MDCA_IMDS_ENDPOINT"),
        }
    }
}

/// Which managed identity endpoint answers (docs/api.md §3.7).
enum IdentityStyle {
    /// The instance metadata service: `Metadata: true`, api-version 2018-02-01.
    Imds,
    /// App Service / Functions / Automation: `X-IDENTITY-HEADER`, api-version 2019-08-01.
    AppService(Secret),
}

/// Tokens from an Azure managed identity endpoint.
struct ManagedIdentityFlow {
    /// The endpoint without its query.
    url: Url,
    style: IdentityStyle,
    client_id: Option<String>,
    resource: String,
}

/// Parses a managed identity endpoint URL: https, or http on loopback (App Service, Arc) and link-local
/// addresses (IMDS at 169.254.169.254), which never leave the machine. The URL is not echoed in errors.
pub(crate) fn parse_identity_endpoint(input: &str, what: &str) -> Result<Url> {
    let url = Url::parse(input.trim()).map_err(|e| {
        Error::invalid_config(format!("the {what} is not a valid URL ({e})")).with_hint(
            "give the whole token URL, e.g. http://169.254.169.254/metadata/identity/oauth2/token",
        )
    })?;
    let local = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => {
            return Err(Error::invalid_config(format!(
                "the {what} must be https, or http on a loopback or link-local address"
            ))
            .with_hint("managed identity endpoints are local to the machine: http://169.254.169.254/… (IMDS) or http://localhost:…/ (App Service)"))
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_config(format!(
            "the {what} contains user credentials"
        )));
    }
    Ok(url)
}

impl ManagedIdentityFlow {
    /// App Service style when a header secret is given or the environment has `IDENTITY_ENDPOINT` and
    /// `IDENTITY_HEADER`; IMDS otherwise. An explicit endpoint wins over the environment's.
    fn new(
        identity: &ManagedIdentity,
        resource: String,
        env: &Environment,
    ) -> Result<ManagedIdentityFlow> {
        let explicit = identity.endpoint.as_deref().map(str::trim);
        let (url, style) = match (
            &identity.identity_header,
            &env.identity_endpoint,
            &env.identity_header,
        ) {
            (Some(h), _, _) => (
                explicit
                    .or(env.identity_endpoint.as_deref())
                    .ok_or_else(|| {
                        Error::invalid_config(
                            "an identity header was given without the identity endpoint",
                        )
                        .with_hint("give the endpoint too (IDENTITY_ENDPOINT)")
                    })?,
                IdentityStyle::AppService(h.clone()),
            ),
            (None, Some(ep), Some(h)) => (
                explicit.unwrap_or(ep.as_str()),
                IdentityStyle::AppService(h.clone()),
            ),
            _ => (
                explicit
                    .or(env.imds_endpoint.as_deref())
                    .unwrap_or(IMDS_TOKEN_ENDPOINT),
                IdentityStyle::Imds,
            ),
        };
        let mut url = parse_identity_endpoint(url, "managed identity endpoint")?;
        url.set_query(None);
        url.set_fragment(None);
        Ok(ManagedIdentityFlow {
            url,
            style,
            client_id: identity
                .client_id
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            resource,
        })
    }

    fn which(&self) -> String {
        match &self.client_id {
            Some(c) => format!("the user-assigned managed identity with client id {c}"),
            None => "the system-assigned managed identity".to_string(),
        }
    }

    /// One token request: GET with the resource (and client id) in the query. 5xx and 429 come back as
    /// [`ErrorKind::TokenRequestFailed`] with their status, which the HTTP core retries with backoff
    /// like any token failure; an endpoint that does not answer at all is not retried.
    async fn request(
        &self,
        http: &reqwest::Client,
        cancel: &CancelToken,
    ) -> Result<(Secret, Duration, Instant)> {
        let mut url = self.url.clone();
        let (api_version, style_name) = match self.style {
            IdentityStyle::Imds => (IMDS_API_VERSION, "IMDS"),
            IdentityStyle::AppService(_) => (APP_SERVICE_API_VERSION, "App Service"),
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("api-version", api_version);
            q.append_pair("resource", &self.resource);
            if let Some(c) = &self.client_id {
                q.append_pair("client_id", c);
            }
        }
        let mut req = http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        req = match &self.style {
            IdentityStyle::Imds => req.header("Metadata", "true"),
            IdentityStyle::AppService(h) => {
                let mut v = HeaderValue::from_str(h.expose().trim()).map_err(|_| {
                    Error::invalid_config(
                        "IDENTITY_HEADER contains characters that cannot be sent in an HTTP header",
                    )
                })?;
                v.set_sensitive(true);
                req.header("X-IDENTITY-HEADER", v)
            }
        };
        let sent_at = Instant::now();
        tracing::debug!(url = %self.url, style = style_name, "requesting a managed identity access token");
        let what = format!(
            "requesting an access token for {} from the {style_name} endpoint {}",
            self.which(),
            self.url
        );
        let unreachable = |e: &reqwest::Error| {
            Error::new(
                ErrorKind::TokenRequestFailed,
                format!(
                    "no managed identity endpoint answered at {} ({}): are you running in Azure?",
                    self.url,
                    crate::http::error_chain(e)
                ),
            )
            .with_hint(
                "a managed identity exists only inside Azure (a VM, App Service, Functions, Automation or Arc) with the identity enabled; elsewhere connect with app credentials, and behind a custom endpoint set managed identity endpoint (MDCA_IMDS_ENDPOINT)",
            )
        };
        let resp = cancel.run(req.send()).await?.map_err(|e| unreachable(&e))?;
        let status = resp.status().as_u16();
        let bytes = cancel
            .run(resp.bytes())
            .await?
            .map_err(|e| unreachable(&e))?;
        tracing::debug!(status, "managed identity endpoint answered");
        if (200..300).contains(&status) {
            let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| {
                Error::new(
                    ErrorKind::TokenRequestFailed,
                    format!("{what}: the endpoint answered HTTP {status} with a body that is not a token response"),
                )
                .with_http_status(status)
                .with_hint("check the managed identity endpoint: it must be the IMDS or App Service identity endpoint")
            })?;
            let token = parsed
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::TokenRequestFailed,
                        format!("{what}: the endpoint answered without an access_token"),
                    )
                    .with_http_status(status)
                })?;
            // expires_in (IMDS) or expires_on (App Service), numbers or strings; default one hour.
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let secs = seconds_of(parsed.expires_in.as_ref())
                .filter(|s| *s > 0.0)
                .or_else(|| seconds_of(parsed.expires_on.as_ref()).map(|on| on - now))
                .filter(|s| *s > 0.0)
                .unwrap_or(3600.0);
            return Ok((token, Duration::from_secs_f64(secs), sent_at));
        }
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let detail = match (
            text("error"),
            text("error_description").or_else(|| text("message")),
        ) {
            (Some(c), Some(d)) => Some(format!("{c}: {d}")),
            (Some(c), None) => Some(c),
            (None, Some(d)) => Some(d),
            (None, None) => crate::http::summarise_body(&bytes),
        };
        let (message, hint) = match status {
            400 if self.client_id.is_some() => (
                format!("{what}: the endpoint does not know this identity"),
                "check the user-assigned identity's Client ID (not its Object or Principal ID) and that the identity is assigned to this VM or app (Identity > User assigned)".to_string(),
            ),
            400 => (
                format!("{what}: the endpoint refused the request (no such identity, or it is not enabled)"),
                "enable the system-assigned identity of this VM or app (Identity > System assigned > On), or give the client id of a user-assigned identity that is assigned to it".to_string(),
            ),
            401 | 403 => (
                format!("{what}: the endpoint refused the request's credentials"),
                "the App Service endpoint wants the IDENTITY_HEADER of this process's environment; do not set IDENTITY_ENDPOINT by hand".to_string(),
            ),
            429 | 500..=599 => (
                format!("{what}: the endpoint is busy or failing"),
                "the managed identity endpoint is having trouble; mdca retried with backoff, retry later".to_string(),
            ),
            _ => (
                format!("{what}: the endpoint answered HTTP {status}"),
                "check the managed identity endpoint (MDCA_IMDS_ENDPOINT / endpoint) and that the identity is enabled".to_string(),
            ),
        };
        let mut e = Error::new(ErrorKind::TokenRequestFailed, message)
            .with_http_status(status)
            .with_hint(hint);
        if let Some(d) = detail {
            e = e.with_detail(d);
        }
        if let Some(c) = text("correlation_id").or_else(|| text("correlationId")) {
            e = e.with_correlation_id(c);
        }
        Err(e)
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
    fn the_managed_identity_style_follows_the_environment() {
        let resource = MDCA_RESOURCE_APP_ID.to_string();
        let imds = ManagedIdentityFlow::new(
            &ManagedIdentity::system_assigned(),
            resource.clone(),
            &Environment::default(),
        )
        .unwrap();
        assert!(matches!(imds.style, IdentityStyle::Imds));
        assert_eq!(imds.url.as_str(), IMDS_TOKEN_ENDPOINT);
        let app_service = Environment {
            identity_endpoint: Some("http://127.0.0.1:41741/MSI/token/".into()),
            identity_header: Some(Secret::new("h")),
            imds_endpoint: Some("http://127.0.0.1:9/x".into()),
        };
        let f = ManagedIdentityFlow::new(
            &ManagedIdentity::user_assigned("c"),
            resource.clone(),
            &app_service,
        )
        .unwrap();
        assert!(matches!(f.style, IdentityStyle::AppService(_)));
        assert_eq!(f.url.as_str(), "http://127.0.0.1:41741/MSI/token/");
        // Without the header, IDENTITY_ENDPOINT alone is not the App Service style.
        let half = Environment {
            identity_header: None,
            ..app_service
        };
        let f =
            ManagedIdentityFlow::new(&ManagedIdentity::system_assigned(), resource, &half).unwrap();
        assert!(matches!(f.style, IdentityStyle::Imds));
        assert_eq!(f.url.as_str(), "http://127.0.0.1:9/x");
    }

    #[test]
    fn identity_endpoints_may_use_http_only_on_the_machine() {
        for ok in [
            IMDS_TOKEN_ENDPOINT,
            "http://localhost:42356/msi/token",
            "https://identity.example.net/token",
        ] {
            assert!(parse_identity_endpoint(ok, "endpoint").is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.4/token", "ftp://127.0.0.1/", "not a url"] {
            assert_eq!(
                parse_identity_endpoint(bad, "endpoint").unwrap_err().kind(),
                ErrorKind::InvalidConfig,
                "{bad}"
            );
        }
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
