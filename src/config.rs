//! Client options: the JSON shape the C ABI and CLI pass, the Rust builder, and API base URL normalisation.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::assertion::CertificateCredentials;
use crate::cloud::{Cloud, CloudSettings};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The default identity authority (api.md §3.2). Sovereign clouds (see [`Cloud`]) and the simulator use
/// another one.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The normalised API base of one tenant: always ends in `/api/` or `/cas/api/` (api.md §1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ApiBase {
    url: Url,
}

impl ApiBase {
    /// Accepts a portal URL with or without scheme (https assumed), with or without `/api`, `/api/v1`,
    /// `/cas/api`, `/cas/api/v1`, trailing slashes or a `#/…` fragment; keeps any path prefix before
    /// `/api` (the simulator serves extra tenants at `/t/<name>/`). `http://` only for loopback hosts.
    pub fn parse(input: &str) -> Result<ApiBase> {
        let url = parse_endpoint_url(input, "url")?;
        let mut segments: Vec<&str> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        // Everything from the last `api` segment on is API path (`/api/v1/alerts/` pasted from the
        // docs); what comes before it is the tenant's prefix.
        if let Some(i) = segments.iter().rposition(|s| s.eq_ignore_ascii_case("api")) {
            segments.truncate(i);
        }
        let suffix: &[&str] = if segments
            .last()
            .is_some_and(|s| s.eq_ignore_ascii_case("cas"))
        {
            segments.pop();
            &["cas", "api"]
        } else {
            &["api"]
        };
        let mut path = String::from("/");
        for s in segments.iter().chain(suffix.iter()) {
            path.push_str(s);
            path.push('/');
        }
        let mut out = url.clone();
        out.set_path(&path);
        Ok(ApiBase { url: out })
    }

    /// The base URL, ending in `/api/` or `/cas/api/`.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.url)
    }

    /// The tenant this base belongs to: the base without its `/api/` or `/cas/api/` suffix, so both
    /// prefixes of one tenant share one throttle budget (api.md §4.3: 30 requests per minute per tenant).
    pub fn tenant_key(&self) -> String {
        let s = self.url.as_str();
        s.strip_suffix("cas/api/")
            .or_else(|| s.strip_suffix("api/"))
            .unwrap_or(s)
            .to_string()
    }

    /// The URL of an API path relative to the base (`v1/files/`). A leading `/`, `/api/` or `/cas/api/`
    /// is dropped so paths copied from the docs work too.
    pub fn join(&self, path: &str) -> Result<Url> {
        if path.starts_with("//") {
            return Err(Error::invalid_argument(format!(
                "the API path {path:?} names another host"
            ))
            .with_hint("give a path such as \"v1/alerts/\" (relative to /api/)"));
        }
        let rel = relative_api_path(path);
        if rel.contains("://") || rel.starts_with('/') || rel.split('/').any(|s| s == "..") {
            return Err(Error::invalid_argument(format!(
                "the API path {rel:?} is not relative to the API base"
            ))
            .with_hint("give a path such as \"v1/alerts/\" (relative to /api/)"));
        }
        let joined = self.url.join(rel).map_err(|e| {
            Error::invalid_argument(format!("the API path {rel:?} is not a valid URL path: {e}"))
        })?;
        Ok(joined)
    }
}

impl fmt::Display for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

impl fmt::Debug for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiBase({})", self.url.as_str())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses an https URL (http allowed on loopback only), without credentials, query or fragment.
/// Error messages never echo the input: a user may have pasted a secret into it.
pub(crate) fn parse_endpoint_url(input: &str, what: &str) -> Result<Url> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_config(format!("the {what} is empty"))
            .with_hint("give the portal URL shown on the MDCA About page, e.g. https://contoso.us3.portal.cloudappsecurity.com"));
    }
    let without_fragment = trimmed.split('#').next().unwrap_or(trimmed);
    let without_query = without_fragment
        .split('?')
        .next()
        .unwrap_or(without_fragment);
    let with_scheme = if without_query.contains("://") {
        without_query.to_string()
    } else {
        format!("https://{without_query}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| {
        Error::invalid_config(format!("the {what} is not a valid URL ({e})"))
            .with_hint("give an https URL such as https://contoso.us3.portal.cloudappsecurity.com")
    })?;
    if url.host().is_none() {
        return Err(Error::invalid_config(format!(
            "the {what} has no host name"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_config(format!(
            "the {what} contains user credentials, which mdca refuses to send in a URL"
        ))
        .with_hint("remove the user:password@ part; credentials go in the auth options"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::invalid_config(format!(
                "the {what} uses http:// on a host that is not loopback ({}); secrets would travel in clear text",
                url.host_str().unwrap_or("")
            ))
            .with_hint("use https://; plain http is allowed only for 127.0.0.0/8, ::1 and localhost (the simulator)"));
        }
        other => {
            return Err(Error::invalid_config(format!(
                "the {what} has the unsupported scheme {other:?}"
            ))
            .with_hint("use an https:// URL"));
        }
    }
    Ok(url)
}

/// Which identity endpoint version to request app tokens from (api.md §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenEndpoint {
    /// `/{tenant}/oauth2/v2.0/token` with `scope=<resource>/.default`.
    #[default]
    V2,
    /// `/{tenant}/oauth2/token` with `resource=<resource>`.
    V1,
}

/// Application-context credentials: an Entra app registration with a client secret (api.md §3.2).
#[derive(Debug, Clone)]
pub struct AppCredentials {
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Defaults to the cloud's authority ([`Cloud::authority_host`]). Giving it also lets an API host
    /// that belongs to no known cloud through (docs/api.md §3.7).
    pub authority_host: Option<String>,
    pub token_endpoint: TokenEndpoint,
}

impl AppCredentials {
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> AppCredentials {
        AppCredentials {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            authority_host: None,
            token_endpoint: TokenEndpoint::V2,
        }
    }

    pub fn authority_host(mut self, host: impl Into<String>) -> AppCredentials {
        self.authority_host = Some(host.into());
        self
    }

    pub fn token_endpoint(mut self, endpoint: TokenEndpoint) -> AppCredentials {
        self.token_endpoint = endpoint;
        self
    }
}

/// An Azure managed identity (docs/api.md §3.7): the App Service / Functions / Automation endpoint when
/// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set, else the instance metadata service (IMDS).
#[derive(Debug, Clone, Default)]
pub struct ManagedIdentity {
    /// The client id of a user-assigned identity; `None` asks for the system-assigned one.
    pub client_id: Option<String>,
    /// The token endpoint URL instead of the usual one (`MDCA_IMDS_ENDPOINT` otherwise, then the
    /// environment's `IDENTITY_ENDPOINT` or `http://169.254.169.254/metadata/identity/oauth2/token`).
    pub endpoint: Option<String>,
    /// The App Service style's `X-IDENTITY-HEADER` value; `None` reads `IDENTITY_HEADER`. Giving it
    /// selects the App Service style.
    pub identity_header: Option<Secret>,
}

impl ManagedIdentity {
    /// The system-assigned identity of the Azure resource the process runs on.
    pub fn system_assigned() -> ManagedIdentity {
        ManagedIdentity::default()
    }

    /// A user-assigned identity, by its client id.
    pub fn user_assigned(client_id: impl Into<String>) -> ManagedIdentity {
        ManagedIdentity {
            client_id: Some(client_id.into()),
            ..ManagedIdentity::default()
        }
    }

    pub fn endpoint(mut self, url: impl Into<String>) -> ManagedIdentity {
        self.endpoint = Some(url.into());
        self
    }

    /// The App Service style with this `X-IDENTITY-HEADER` secret (as `IDENTITY_HEADER` would give it).
    pub fn identity_header(mut self, header: impl Into<Secret>) -> ManagedIdentity {
        self.identity_header = Some(header.into());
        self
    }
}

/// How the client authenticates (api.md §3). A `legacy_token` beside app, managed identity or bearer
/// credentials is used automatically for the Files API, which refuses Bearer tokens (api.md §3.5).
#[derive(Debug, Clone)]
pub enum AuthOptions {
    /// `Authorization: Token <token>` (api.md §3.1).
    Token { token: Secret },
    /// Client credentials against the identity endpoint, then `Authorization: Bearer` (api.md §3.2).
    App {
        credentials: AppCredentials,
        legacy_token: Option<Secret>,
    },
    /// A pre-acquired access token; it cannot be refreshed.
    Bearer {
        token: Secret,
        legacy_token: Option<Secret>,
    },
    /// Tokens from an Azure managed identity, then `Authorization: Bearer` (docs/api.md §3.7).
    ManagedIdentity {
        identity: ManagedIdentity,
        legacy_token: Option<Secret>,
    },
    /// A user signs in with a device code (delegated), then `Authorization: Bearer` (docs/api.md §3.9).
    DeviceCode {
        device_code: crate::device_code::DeviceCode,
        legacy_token: Option<Secret>,
    },
    /// Client credentials with a certificate (client assertion), then `Authorization: Bearer`
    /// (docs/api.md §3.8).
    Certificate {
        credentials: CertificateCredentials,
        legacy_token: Option<Secret>,
    },
}

impl AuthOptions {
    /// `"token"`, `"app"`, `"bearer"` or `"managed_identity"`, as in the JSON options.
    pub fn mode_name(&self) -> &'static str {
        match self {
            AuthOptions::Token { .. } => "token",
            AuthOptions::App { .. } => "app",
            AuthOptions::Bearer { .. } => "bearer",
            AuthOptions::ManagedIdentity { .. } => "managed_identity",
            AuthOptions::DeviceCode { .. } => "device_code",
            AuthOptions::Certificate { .. } => "certificate",
        }
    }

    /// The authority given explicitly (app and certificate credentials and device code only).
    pub fn authority_host(&self) -> Option<&str> {
        match self {
            AuthOptions::App { credentials, .. } => credentials.authority_host.as_deref(),
            AuthOptions::Certificate { credentials, .. } => credentials.authority_host.as_deref(),
            AuthOptions::DeviceCode { device_code, .. } => device_code.authority_host.as_deref(),
            _ => None,
        }
        .map(str::trim)
        .filter(|h| !h.is_empty())
    }

    /// The legacy API token, whether it is the main credential or the one kept for the Files API.
    pub fn legacy_token(&self) -> Option<&Secret> {
        match self {
            AuthOptions::Token { token } => Some(token),
            AuthOptions::App { legacy_token, .. }
            | AuthOptions::Bearer { legacy_token, .. }
            | AuthOptions::ManagedIdentity { legacy_token, .. }
            | AuthOptions::DeviceCode { legacy_token, .. }
            | AuthOptions::Certificate { legacy_token, .. } => legacy_token.as_ref(),
        }
    }
}

/// Client-side pacing: at most `requests` sends in any window of `per` (api.md §4.3: 30 per minute per
/// tenant). `requests == 0` disables pacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit {
            requests: 30,
            per: Duration::from_secs(60),
        }
    }
}

impl RateLimit {
    pub fn disabled() -> RateLimit {
        RateLimit {
            requests: 0,
            per: Duration::from_secs(60),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.requests > 0
    }
}

/// Retry budget and delays (api.md §12 client guidance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the one 401 refresh-and-retry is not counted).
    pub max_retries: u32,
    /// First backoff for 5xx/transport faults; doubles per retry, with jitter.
    pub base_delay: Duration,
    /// Cap of every computed backoff.
    pub max_delay: Duration,
    /// First pause after a 429 that names no wait (api.md §12: at least 5 s); doubles, capped at `max_delay`.
    pub throttle_delay: Duration,
    /// How long one call keeps retrying once it starts failing (`transient_budget_secs`, default 15 min),
    /// on top of `max_retries`: list reads retry 5xx, transport faults and unusable bodies until both are
    /// used up, so a long pull rides out an outage; every call retries 429s until both are used up (429s
    /// have their own count, apart from the 5xx one). Zero leaves only the counts.
    pub transient_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            throttle_delay: Duration::from_secs(5),
            transient_budget: Duration::from_secs(900),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            transient_budget: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// The same policy with another time budget for transient failures.
    pub fn transient_budget(mut self, budget: Duration) -> RetryPolicy {
        self.transient_budget = budget;
        self
    }
}

/// Every option of a client. Build it with [`ClientBuilder`] or [`ClientOptions::from_json`].
#[derive(Clone)]
pub struct ClientOptions {
    /// The portal URL as given; normalised by [`ApiBase::parse`].
    pub url: String,
    pub auth: AuthOptions,
    /// Whole-request timeout (`timeout_secs`, default 60).
    pub timeout: Duration,
    /// Connect timeout (`connect_timeout_secs`, default 10).
    pub connect_timeout: Duration,
    /// An explicit proxy URL; without it the usual proxy environment variables apply.
    pub proxy: Option<String>,
    pub rate_limit: RateLimit,
    pub retry: RetryPolicy,
    /// Whether pagers fetch the next page while the caller consumes the current one.
    pub prefetch: bool,
    /// The cloud the tenant lives in (`cloud`); `None` infers it from the API host (docs/api.md §3.7).
    pub cloud: Option<Cloud>,
    /// Lets an API host that belongs to no known cloud through (`allow_any_host`).
    pub allow_any_host: bool,
    /// The token audience instead of the MDCA app id (`scope`, e.g. `api://…/.default`).
    pub scope: Option<String>,
}

/// An API path relative to the base: `/api/v1/alerts/`, `/cas/api/v1/alerts/` and `v1/alerts/` all give
/// `v1/alerts/`, so paths copied from the docs work too.
pub(crate) fn relative_api_path(path: &str) -> &str {
    let rel = path.trim_start_matches('/');
    ["cas/api/", "api/"]
        .iter()
        .find_map(|prefix| {
            rel.get(..prefix.len())
                .filter(|head| head.eq_ignore_ascii_case(prefix))
                .map(|_| &rel[prefix.len()..])
        })
        .unwrap_or(rel)
}

/// serde's data errors quote the offending value ("invalid type: integer `12345`, expected a string"); in
/// the client options that value may be a secret typed as a number, so only its kind and the position
/// are kept. Messages about keys ("unknown field `x`", "missing field `token`") name no value and pass.
fn without_values(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    for prefix in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let kind = rest.split([' ', ',']).next().unwrap_or("value");
            return match rest.split_once(", expected ") {
                Some((_, expected)) => format!("{prefix}a {kind} where {expected} was expected"),
                None => format!(
                    "{prefix}a {kind} (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            };
        }
    }
    msg
}

impl ClientOptions {
    /// Options with every default: 60 s timeout, 10 s connect timeout, 30 requests per 60 s, 6 retries,
    /// prefetch on.
    pub fn new(url: impl Into<String>, auth: AuthOptions) -> ClientOptions {
        ClientOptions {
            url: url.into(),
            auth,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            proxy: None,
            rate_limit: RateLimit::default(),
            retry: RetryPolicy::default(),
            prefetch: true,
            cloud: None,
            allow_any_host: false,
            scope: None,
        }
    }

    /// Parses the JSON options (see docs/architecture.md "Options") and validates them.
    pub fn from_json(json: &str) -> Result<ClientOptions> {
        let raw: RawOptions = serde_json::from_str(json).map_err(|e| {
            // Syntax errors only carry a position; data errors name the field, never the value.
            match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    Error::new(
                        ErrorKind::InvalidJson,
                        format!("the client options are not valid JSON: {e}"),
                    )
                }
                _ => Error::invalid_config(format!(
                    "the client options are invalid: {}",
                    without_values(&e)
                ))
                    .with_hint("see the options reference: url, auth {type: token|app|certificate|bearer|managed_identity|device_code, …}, cloud, allow_any_host, scope, timeout_secs, connect_timeout_secs, proxy, rate_limit, retry, prefetch"),
            }
        })?;
        let opts = raw.into_options()?;
        opts.validate()?;
        Ok(opts)
    }

    /// The normalised API base.
    pub fn api_base(&self) -> Result<ApiBase> {
        ApiBase::parse(&self.url)
    }

    /// The cloud, authority and token audience of this client, after checking that the API host belongs
    /// to the cloud (docs/api.md §3.7).
    pub fn cloud_settings(&self) -> Result<CloudSettings> {
        let base = self.api_base()?;
        let host = base.url().host_str().unwrap_or("");
        if let Some(host) = self.auth.authority_host() {
            parse_endpoint_url(host, "authority_host")?;
        }
        if self.scope.as_deref().is_some_and(|s| {
            s.trim().is_empty() || s.trim() == "/.default" || s.contains(char::is_whitespace)
        }) {
            return Err(Error::invalid_config(
                "the scope must name one resource, e.g. 05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
            )
            .with_hint("leave scope out unless your tenant exposes the API under another audience"));
        }
        crate::cloud::resolve(
            host,
            base.is_loopback(),
            self.cloud,
            self.auth.authority_host(),
            self.allow_any_host,
            self.scope.as_deref(),
        )
    }

    /// Checks everything that can be checked without sending a request.
    pub fn validate(&self) -> Result<()> {
        self.cloud_settings()?;
        let missing = |what: &str| {
            Error::invalid_config(format!("the auth options have an empty {what}"))
                .with_hint(format!("give the {what}"))
        };
        match &self.auth {
            AuthOptions::Token { token } => {
                if token.is_empty() {
                    return Err(missing("token"));
                }
            }
            AuthOptions::App {
                credentials,
                legacy_token,
            } => {
                if credentials.tenant_id.trim().is_empty() {
                    return Err(missing("tenant_id"));
                }
                if credentials.client_id.trim().is_empty() {
                    return Err(missing("client_id"));
                }
                if credentials.client_secret.is_empty() {
                    return Err(missing("client_secret"));
                }
                if legacy_token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(missing("legacy_token"));
                }
            }
            AuthOptions::Bearer {
                token,
                legacy_token,
            } => {
                if token.is_empty() {
                    return Err(missing("token"));
                }
                if legacy_token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(missing("legacy_token"));
                }
            }
            AuthOptions::ManagedIdentity {
                identity,
                legacy_token,
            } => {
                if identity
                    .client_id
                    .as_ref()
                    .is_some_and(|c| c.trim().is_empty() || c.contains(['&', '?', '#', '/', ' ']))
                {
                    return Err(Error::invalid_config(
                        "the managed identity's client_id is empty or not an id",
                    )
                    .with_hint("give the Client ID of the user-assigned identity, or leave client_id out for the system-assigned one"));
                }
                if let Some(e) = &identity.endpoint {
                    crate::auth::parse_identity_endpoint(e, "managed identity endpoint")?;
                }
                if legacy_token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(missing("legacy_token"));
                }
            }
            AuthOptions::DeviceCode {
                device_code,
                legacy_token,
            } => {
                device_code.validate()?;
                if legacy_token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(missing("legacy_token"));
                }
            }
            AuthOptions::Certificate {
                credentials,
                legacy_token,
            } => {
                if credentials.tenant_id.trim().is_empty() {
                    return Err(missing("tenant_id"));
                }
                if credentials.client_id.trim().is_empty() {
                    return Err(missing("client_id"));
                }
                if legacy_token.as_ref().is_some_and(|t| t.is_empty()) {
                    return Err(missing("legacy_token"));
                }
            }
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid_config("timeout_secs must be greater than 0"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid_config(
                "connect_timeout_secs must be greater than 0",
            ));
        }
        if self.rate_limit.requests > 0 && self.rate_limit.per.is_zero() {
            return Err(Error::invalid_config(
                "rate_limit.per_secs must be greater than 0 (or set rate_limit.requests to 0 to disable pacing)",
            ));
        }
        if self.retry.max_delay < self.retry.base_delay {
            return Err(Error::invalid_config(
                "retry.max_delay_ms must not be smaller than retry.base_delay_ms",
            ));
        }
        if let Some(p) = &self.proxy {
            Url::parse(p.trim()).map_err(|e| {
                Error::invalid_config(format!("the proxy is not a valid URL ({e})"))
                    .with_hint("give it as http://host:port")
            })?;
        }
        Ok(())
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("url", &self.url)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("prefetch", &self.prefetch)
            .field("cloud", &self.cloud)
            .field("allow_any_host", &self.allow_any_host)
            .field("scope", &self.scope)
            .finish()
    }
}

/// A proxy URL without its password, for display.
pub(crate) fn redact_userinfo(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparsable proxy URL>".to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    url: String,
    auth: RawAuth,
    #[serde(default)]
    timeout_secs: Option<f64>,
    #[serde(default)]
    connect_timeout_secs: Option<f64>,
    #[serde(default)]
    proxy: Option<String>,
    #[serde(default)]
    rate_limit: Option<RawRateLimit>,
    #[serde(default)]
    retry: Option<RawRetry>,
    #[serde(default)]
    prefetch: Option<bool>,
    #[serde(default)]
    cloud: Option<Cloud>,
    #[serde(default)]
    allow_any_host: Option<bool>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum RawAuth {
    Token {
        token: Secret,
    },
    App {
        tenant_id: String,
        client_id: String,
        client_secret: Secret,
        #[serde(default)]
        authority_host: Option<String>,
        #[serde(default)]
        token_endpoint: Option<TokenEndpoint>,
        #[serde(default)]
        legacy_token: Option<Secret>,
    },
    Bearer {
        token: Secret,
        #[serde(default)]
        legacy_token: Option<Secret>,
    },
    #[serde(rename = "managed_identity")]
    ManagedIdentity {
        #[serde(default)]
        client_id: Option<String>,
        #[serde(default)]
        endpoint: Option<String>,
        #[serde(default)]
        legacy_token: Option<Secret>,
    },
    #[serde(rename = "device_code")]
    DeviceCode {
        tenant_id: String,
        client_id: String,
        #[serde(default)]
        authority_host: Option<String>,
        #[serde(default)]
        legacy_token: Option<Secret>,
    },
    Certificate(crate::assertion::RawCertificate),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    requests: u32,
    #[serde(default)]
    per_secs: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    #[serde(default)]
    max_retries: Option<u32>,
    #[serde(default)]
    base_delay_ms: Option<u64>,
    #[serde(default)]
    max_delay_ms: Option<u64>,
    #[serde(default)]
    throttle_delay_ms: Option<u64>,
    #[serde(default)]
    transient_budget_secs: Option<f64>,
}

fn secs(value: f64, key: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        Error::invalid_config(format!("{key} must be a non-negative number of seconds"))
    })
}

impl RawOptions {
    fn into_options(self) -> Result<ClientOptions> {
        let auth = match self.auth {
            RawAuth::Token { token } => AuthOptions::Token { token },
            RawAuth::App {
                tenant_id,
                client_id,
                client_secret,
                authority_host,
                token_endpoint,
                legacy_token,
            } => AuthOptions::App {
                credentials: AppCredentials {
                    tenant_id,
                    client_id,
                    client_secret,
                    authority_host,
                    token_endpoint: token_endpoint.unwrap_or_default(),
                },
                legacy_token,
            },
            RawAuth::Bearer {
                token,
                legacy_token,
            } => AuthOptions::Bearer {
                token,
                legacy_token,
            },
            RawAuth::ManagedIdentity {
                client_id,
                endpoint,
                legacy_token,
            } => AuthOptions::ManagedIdentity {
                identity: ManagedIdentity {
                    client_id,
                    endpoint: endpoint.filter(|e| !e.trim().is_empty()),
                    identity_header: None,
                },
                legacy_token,
            },
            RawAuth::DeviceCode {
                tenant_id,
                client_id,
                authority_host,
                legacy_token,
            } => AuthOptions::DeviceCode {
                device_code: crate::device_code::DeviceCode {
                    authority_host,
                    ..crate::device_code::DeviceCode::new(tenant_id, client_id)
                },
                legacy_token,
            },
            RawAuth::Certificate(raw) => raw.into_auth()?,
        };
        let mut opts = ClientOptions::new(self.url, auth);
        opts.cloud = self.cloud;
        opts.allow_any_host = self.allow_any_host.unwrap_or(false);
        opts.scope = self.scope.filter(|s| !s.trim().is_empty());
        if let Some(t) = self.timeout_secs {
            opts.timeout = secs(t, "timeout_secs")?;
        }
        if let Some(t) = self.connect_timeout_secs {
            opts.connect_timeout = secs(t, "connect_timeout_secs")?;
        }
        opts.proxy = self.proxy.filter(|p| !p.trim().is_empty());
        if let Some(r) = self.rate_limit {
            opts.rate_limit = RateLimit {
                requests: r.requests,
                per: match r.per_secs {
                    Some(p) => secs(p, "rate_limit.per_secs")?,
                    None => RateLimit::default().per,
                },
            };
        }
        if let Some(r) = self.retry {
            let d = RetryPolicy::default();
            opts.retry = RetryPolicy {
                max_retries: r.max_retries.unwrap_or(d.max_retries),
                base_delay: r
                    .base_delay_ms
                    .map(Duration::from_millis)
                    .unwrap_or(d.base_delay),
                max_delay: r
                    .max_delay_ms
                    .map(Duration::from_millis)
                    .unwrap_or(d.max_delay),
                throttle_delay: r
                    .throttle_delay_ms
                    .map(Duration::from_millis)
                    .unwrap_or(d.throttle_delay),
                // `max_retries: 0` alone asks for no retries at all: the time budget is then off too,
                // unless it is given as well.
                transient_budget: match (r.transient_budget_secs, r.max_retries) {
                    (Some(b), _) => secs(b, "retry.transient_budget_secs")?,
                    (None, Some(0)) => Duration::ZERO,
                    (None, _) => d.transient_budget,
                },
            };
        }
        if let Some(p) = self.prefetch {
            opts.prefetch = p;
        }
        Ok(opts)
    }
}

/// Builds a client step by step; `Client::builder(url)` returns one.
#[derive(Clone)]
pub struct ClientBuilder {
    url: String,
    legacy_token: Option<Secret>,
    app: Option<AppCredentials>,
    bearer: Option<Secret>,
    managed_identity: Option<ManagedIdentity>,
    device_code: Option<crate::device_code::DeviceCode>,
    certificate: Option<CertificateCredentials>,
    cloud: Option<Cloud>,
    allow_any_host: bool,
    scope: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    proxy: Option<String>,
    rate_limit: Option<RateLimit>,
    retry: Option<RetryPolicy>,
    prefetch: Option<bool>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("legacy_token", &self.legacy_token)
            .field("app", &self.app)
            .field("bearer", &self.bearer)
            .field("managed_identity", &self.managed_identity)
            .field("device_code", &self.device_code)
            .field("certificate", &self.certificate)
            .field("cloud", &self.cloud)
            .field("allow_any_host", &self.allow_any_host)
            .field("scope", &self.scope)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy.as_deref().map(redact_userinfo))
            .field("rate_limit", &self.rate_limit)
            .field("retry", &self.retry)
            .field("prefetch", &self.prefetch)
            .finish()
    }
}

impl ClientBuilder {
    pub fn new(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            legacy_token: None,
            app: None,
            bearer: None,
            managed_identity: None,
            device_code: None,
            certificate: None,
            cloud: None,
            allow_any_host: false,
            scope: None,
            timeout: None,
            connect_timeout: None,
            proxy: None,
            rate_limit: None,
            retry: None,
            prefetch: None,
        }
    }

    /// A legacy API token: the only credential, or beside app/bearer credentials for the Files API.
    pub fn legacy_token(mut self, token: impl Into<Secret>) -> ClientBuilder {
        self.legacy_token = Some(token.into());
        self
    }

    pub fn app_credentials(mut self, credentials: AppCredentials) -> ClientBuilder {
        self.app = Some(credentials);
        self
    }

    /// A pre-acquired access token (it cannot be refreshed when it expires).
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> ClientBuilder {
        self.bearer = Some(token.into());
        self
    }

    /// An Azure managed identity (system- or user-assigned).
    pub fn managed_identity(mut self, identity: ManagedIdentity) -> ClientBuilder {
        self.managed_identity = Some(identity);
        self
    }

    /// A user signs in with a device code (delegated; docs/api.md §3.9). Give a prompt callback with
    /// [`DeviceCode::on_prompt`](crate::device_code::DeviceCode::on_prompt), or sign in with
    /// `Client::device_code_begin` and `Client::sign_in`.
    pub fn device_code(mut self, device_code: crate::device_code::DeviceCode) -> ClientBuilder {
        self.device_code = Some(device_code);
        self
    }

    /// App credentials with a certificate (docs/api.md §3.8).
    pub fn certificate_credentials(mut self, credentials: CertificateCredentials) -> ClientBuilder {
        self.certificate = Some(credentials);
        self
    }

    /// The cloud the tenant lives in: sets the authority and checks the API host (docs/api.md §3.7).
    pub fn cloud(mut self, cloud: Cloud) -> ClientBuilder {
        self.cloud = Some(cloud);
        self
    }

    /// Lets an API host that belongs to no known cloud through (a proxy, a region mdca does not know).
    pub fn allow_any_host(mut self, allow: bool) -> ClientBuilder {
        self.allow_any_host = allow;
        self
    }

    /// The token audience instead of the MDCA app id (`<resource>/.default` or `<resource>`).
    pub fn scope(mut self, scope: impl Into<String>) -> ClientBuilder {
        self.scope = Some(scope.into());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = Some(timeout);
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = Some(timeout);
        self
    }

    pub fn proxy(mut self, url: impl Into<String>) -> ClientBuilder {
        self.proxy = Some(url.into());
        self
    }

    pub fn rate_limit(mut self, limit: RateLimit) -> ClientBuilder {
        self.rate_limit = Some(limit);
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = Some(policy);
        self
    }

    /// How long one call keeps retrying transient failures (see [`RetryPolicy::transient_budget`]),
    /// keeping the rest of the retry policy.
    pub fn transient_budget(mut self, budget: Duration) -> ClientBuilder {
        self.retry = Some(self.retry.unwrap_or_default().transient_budget(budget));
        self
    }

    pub fn prefetch(mut self, prefetch: bool) -> ClientBuilder {
        self.prefetch = Some(prefetch);
        self
    }

    /// The validated options this builder describes.
    pub fn into_options(self) -> Result<ClientOptions> {
        let primaries = usize::from(self.app.is_some())
            + usize::from(self.bearer.is_some())
            + usize::from(self.managed_identity.is_some())
            + usize::from(self.device_code.is_some())
            + usize::from(self.certificate.is_some());
        if primaries > 1 {
            return Err(Error::invalid_config(
                "more than one of app credentials, certificate credentials, a managed identity, a device code sign-in and a bearer token were given",
            )
            .with_hint("choose one: app credentials (a secret or a certificate), a managed identity, a device code sign-in (all refreshable) or a bearer token"));
        }
        if self.certificate.is_some() {
            // Every other option as for any credential (a placeholder stands in for it), then the
            // certificate as the primary credential.
            let mut rest = self;
            let credentials = rest.certificate.take().expect("checked above");
            let legacy_token = rest.legacy_token.take();
            let mut opts = rest.legacy_token("-").into_options()?;
            opts.auth = AuthOptions::Certificate {
                credentials,
                legacy_token,
            };
            opts.validate()?;
            return Ok(opts);
        }
        let auth = match (
            self.app,
            self.bearer,
            self.managed_identity,
            self.device_code,
            self.legacy_token,
        ) {
            (Some(credentials), _, _, _, legacy_token) => AuthOptions::App {
                credentials,
                legacy_token,
            },
            (_, Some(token), _, _, legacy_token) => AuthOptions::Bearer {
                token,
                legacy_token,
            },
            (_, _, Some(identity), _, legacy_token) => AuthOptions::ManagedIdentity {
                identity,
                legacy_token,
            },
            (_, _, _, Some(device_code), legacy_token) => AuthOptions::DeviceCode {
                device_code,
                legacy_token,
            },
            (None, None, None, None, Some(token)) => AuthOptions::Token { token },
            (None, None, None, None, None) => return Err(Error::invalid_config("no credentials were given")
                .with_hint(
                    "call legacy_token(…), app_credentials(…), managed_identity(…), device_code(…) or bearer_token(…) on the builder",
                )),
        };
        let mut opts = ClientOptions::new(self.url, auth);
        opts.cloud = self.cloud;
        opts.allow_any_host = self.allow_any_host;
        opts.scope = self.scope;
        if let Some(t) = self.timeout {
            opts.timeout = t;
        }
        if let Some(t) = self.connect_timeout {
            opts.connect_timeout = t;
        }
        opts.proxy = self.proxy;
        if let Some(r) = self.rate_limit {
            opts.rate_limit = r;
        }
        if let Some(r) = self.retry {
            opts.retry = r;
        }
        if let Some(p) = self.prefetch {
            opts.prefetch = p;
        }
        opts.validate()?;
        Ok(opts)
    }

    pub fn build(self) -> Result<crate::client::Client> {
        crate::client::Client::from_options(self.into_options()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> String {
        ApiBase::parse(s).unwrap().as_str().to_string()
    }

    #[test]
    fn url_normalisation_accepts_every_documented_form() {
        let want = "https://contoso.us3.portal.cloudappsecurity.com/api/";
        for input in [
            "contoso.us3.portal.cloudappsecurity.com",
            "https://contoso.us3.portal.cloudappsecurity.com",
            "https://contoso.us3.portal.cloudappsecurity.com/",
            "https://contoso.us3.portal.cloudappsecurity.com/api",
            "https://contoso.us3.portal.cloudappsecurity.com/api/",
            "https://contoso.us3.portal.cloudappsecurity.com/api/v1",
            "https://contoso.us3.portal.cloudappsecurity.com/api/v1/",
            "  https://contoso.us3.portal.cloudappsecurity.com//  ",
            "https://contoso.us3.portal.cloudappsecurity.com/#/dashboard",
            "contoso.us3.portal.cloudappsecurity.com/api/v1/#/x",
            "https://contoso.us3.portal.cloudappsecurity.com/API/V1/alerts/",
            "https://contoso.us3.portal.cloudappsecurity.com/api/v1/alerts/?x=1",
        ] {
            assert_eq!(base(input), want, "input {input:?}");
        }
    }

    #[test]
    fn url_normalisation_keeps_the_cas_prefix() {
        let want = "https://portal.cloudappsecurity.com/cas/api/";
        for input in [
            "https://portal.cloudappsecurity.com/cas/api",
            "https://portal.cloudappsecurity.com/cas/api/v1/",
            "portal.cloudappsecurity.com/cas/api/",
        ] {
            assert_eq!(base(input), want, "input {input:?}");
        }
    }

    #[test]
    fn url_normalisation_keeps_a_path_prefix_before_api() {
        assert_eq!(
            base("http://127.0.0.1:8080/t/fabrikam"),
            "http://127.0.0.1:8080/t/fabrikam/api/"
        );
        assert_eq!(
            base("http://127.0.0.1:8080/t/fabrikam/cas/api/v1"),
            "http://127.0.0.1:8080/t/fabrikam/cas/api/"
        );
        let a = ApiBase::parse("http://127.0.0.1:8080/t/fabrikam/api/").unwrap();
        let b = ApiBase::parse("http://127.0.0.1:8080/t/fabrikam/cas/api/").unwrap();
        assert_eq!(a.tenant_key(), b.tenant_key());
        assert_eq!(a.tenant_key(), "http://127.0.0.1:8080/t/fabrikam/");
    }

    #[test]
    fn http_is_allowed_only_on_loopback() {
        for ok in [
            "http://127.0.0.1:1234",
            "http://127.8.9.10/",
            "http://[::1]:99/api",
            "http://localhost:8000",
        ] {
            assert!(ApiBase::parse(ok).unwrap().is_loopback(), "{ok}");
        }
        for bad in [
            "http://contoso.portal.cloudappsecurity.com",
            "http://10.0.0.1:8080",
            "http://[::2]/",
        ] {
            let e = ApiBase::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(e.hint().unwrap().contains("https"));
        }
        assert_eq!(
            ApiBase::parse("ftp://x.example").unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
        assert_eq!(
            ApiBase::parse(" ").unwrap_err().kind(),
            ErrorKind::InvalidConfig
        );
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_them() {
        let e =
            ApiBase::parse("https://user:s3cr3t@contoso.portal.cloudappsecurity.com").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(!e.to_string().contains("s3cr3t"));
    }

    #[test]
    fn join_accepts_relative_and_documented_paths_only() {
        let b = ApiBase::parse("http://127.0.0.1:1/t/x").unwrap();
        for p in [
            "v1/alerts/",
            "/v1/alerts/",
            "/api/v1/alerts/",
            "cas/api/v1/alerts/",
        ] {
            assert_eq!(
                b.join(p).unwrap().as_str(),
                "http://127.0.0.1:1/t/x/api/v1/alerts/",
                "{p}"
            );
        }
        for bad in ["https://evil.example/x", "//evil.example/x", "v1/../../x"] {
            assert_eq!(
                b.join(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn zero_retries_alone_turns_the_time_budget_off() {
        let parse = |retry: &str| {
            ClientOptions::from_json(&format!(
                r#"{{"url":"http://127.0.0.1:9/","auth":{{"type":"token","token":"t"}},"retry":{retry}}}"#
            ))
            .unwrap()
            .retry
        };
        assert_eq!(
            parse(r#"{"max_retries":0}"#).transient_budget,
            Duration::ZERO
        );
        assert_eq!(
            parse(r#"{"max_retries":0,"transient_budget_secs":3}"#).transient_budget,
            Duration::from_secs(3)
        );
        assert_eq!(
            parse(r#"{"max_retries":1}"#).transient_budget,
            RetryPolicy::default().transient_budget
        );
    }

    #[test]
    fn json_options_parse_every_key() {
        let o = ClientOptions::from_json(
            r#"{"url":"http://127.0.0.1:9/","auth":{"type":"app","tenant_id":"t","client_id":"c",
            "client_secret":"topsecret","authority_host":"http://127.0.0.1:9","token_endpoint":"v1",
            "legacy_token":"legacysecret"},"timeout_secs":5,"connect_timeout_secs":1.5,
            "proxy":"http://user:pw@proxy:3128","rate_limit":{"requests":10,"per_secs":0.5},
            "retry":{"max_retries":2,"base_delay_ms":10,"max_delay_ms":20,"throttle_delay_ms":15,
            "transient_budget_secs":2.5},
            "prefetch":false}"#,
        )
        .unwrap();
        assert_eq!(o.timeout, Duration::from_secs(5));
        assert_eq!(o.connect_timeout, Duration::from_millis(1500));
        assert_eq!(o.rate_limit.requests, 10);
        assert_eq!(o.rate_limit.per, Duration::from_millis(500));
        assert_eq!(o.retry.max_retries, 2);
        assert_eq!(o.retry.throttle_delay, Duration::from_millis(15));
        assert_eq!(o.retry.transient_budget, Duration::from_millis(2500));
        assert!(!o.prefetch);
        match &o.auth {
            AuthOptions::App { credentials, .. } => {
                assert_eq!(credentials.token_endpoint, TokenEndpoint::V1)
            }
            other => panic!("wrong auth {other:?}"),
        }
        assert_eq!(o.auth.legacy_token().unwrap().expose(), "legacysecret");
        let dbg = format!("{o:?}");
        for secret in ["topsecret", "legacysecret", ":pw@"] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
        }
    }

    #[test]
    fn json_options_errors_are_classified() {
        let e = ClientOptions::from_json("{").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidJson);
        let e = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"token"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        let e = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"token","token":"secretvalue"},"bogus":1}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(!e.to_string().contains("secretvalue"));
        // A secret mistyped as a number must not be echoed by serde's "invalid type" message.
        for json in [
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"token","token":987654321}}"#,
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"app","tenant_id":"t","client_id":"c","client_secret":987654321}}"#,
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"token","token":-987654321.5}}"#,
        ] {
            let e = ClientOptions::from_json(json).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            let shown = format!("{e} {e:?} {}", e.to_json());
            assert!(!shown.contains("987654321"), "{shown}");
            assert!(e.message().contains("expected"), "{}", e.message());
        }
        let e = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"token","token":" "}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn json_options_carry_the_cloud_and_its_overrides() {
        let parse = |extra: &str, url: &str| {
            ClientOptions::from_json(&format!(
                r#"{{"url":"{url}","auth":{{"type":"app","tenant_id":"t","client_id":"c","client_secret":"s"}}{extra}}}"#
            ))
        };
        let o = parse(
            r#","cloud":"gcc-high","scope":"api://x/.default""#,
            "contoso.us1.portal.cloudappsecurity.us",
        )
        .unwrap();
        assert_eq!(o.cloud, Some(Cloud::GccHigh));
        let s = o.cloud_settings().unwrap();
        assert_eq!(s.authority_host, "https://login.microsoftonline.us");
        assert_eq!(s.resource, "api://x");
        // GCC hosts are accepted and pick GCC without being told.
        let o = parse(
            "",
            "https://contoso.us1.portal.cloudappsecuritygov.com/api/v1/",
        )
        .unwrap();
        assert_eq!(o.cloud_settings().unwrap().cloud, Cloud::Gcc);
        let e = parse(
            r#","cloud":"commercial""#,
            "contoso.us1.portal.cloudappsecurity.us",
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains("gcc-high"), "{e}");
        assert!(parse(r#","allow_any_host":true"#, "mdca.proxy.contoso.net").is_ok());
        assert_eq!(
            parse(r#","cloud":"azure-china""#, "x.portal.cloudappsecurity.com")
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidConfig
        );
    }

    #[test]
    fn json_options_accept_a_managed_identity() {
        let o = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"managed_identity",
            "client_id":"11111111-2222-3333-4444-555555555555","endpoint":"http://127.0.0.1:9/msi/token"}}"#,
        )
        .unwrap();
        assert_eq!(o.auth.mode_name(), "managed_identity");
        let o = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"managed_identity"}}"#,
        )
        .unwrap();
        match o.auth {
            AuthOptions::ManagedIdentity { identity, .. } => assert!(identity.client_id.is_none()),
            other => panic!("{other:?}"),
        }
        let e = ClientOptions::from_json(
            r#"{"url":"x.portal.cloudappsecurity.com","auth":{"type":"managed_identity","endpoint":"http://10.1.2.3/token"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn builder_requires_exactly_one_primary_credential() {
        assert_eq!(
            ClientBuilder::new("x.portal.cloudappsecurity.com")
                .into_options()
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidConfig
        );
        let both = ClientBuilder::new("x.portal.cloudappsecurity.com")
            .bearer_token("b")
            .app_credentials(AppCredentials::new("t", "c", "s"))
            .into_options();
        assert_eq!(both.unwrap_err().kind(), ErrorKind::InvalidConfig);
        let o = ClientBuilder::new("x.portal.cloudappsecurity.com")
            .bearer_token("b")
            .legacy_token("l")
            .into_options()
            .unwrap();
        assert_eq!(o.auth.mode_name(), "bearer");
        assert!(o.auth.legacy_token().is_some());
    }
}
