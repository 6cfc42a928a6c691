//! Delegated sign-in with the OAuth 2.0 device authorization grant (docs/api.md §3.9): ask Entra ID's v2
//! `devicecode` endpoint for a code, show the user its message, poll the token endpoint until the user
//! has signed in, then keep the access token fresh with the refresh token.
//!
//! Tokens live in memory only ([`Secret`], wiped when dropped), never on disk: a new process signs in
//! again. The prompt reaches the user through a sink given to [`DeviceCode::on_prompt`] (Rust, the CLI)
//! or through the two-step [`crate::Client::device_code_begin`] / [`crate::Client::sign_in`] (the C
//! ABI, C#, PowerShell).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;
use zeroize::Zeroizing;

use crate::cancel::CancelToken;
use crate::config::parse_endpoint_url;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The grant type of a device code poll (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// RFC 8628 §3.5: after `slow_down` the polling interval grows by 5 seconds for good.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The interval when the server names none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// What the user must do to sign in: the server's `message` says it all; the parts are there for a
/// caller that lays it out itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceCodePrompt {
    /// The sentence to show, e.g. "To sign in, use a web browser to open the page
    /// https://microsoft.com/devicelogin and enter the code … to authenticate."
    pub message: String,
    /// The code the user types on the verification page.
    pub user_code: String,
    /// The page to open.
    pub verification_uri: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Seconds between polls, as the server asked.
    pub interval: f64,
}

/// A function that shows a [`DeviceCodePrompt`] to the user. It is called on the thread that signs in,
/// must return promptly (signing in then waits for the user), and may be called again when a sign-in
/// starts over (the code expired, the refresh token was revoked).
#[derive(Clone)]
pub struct PromptSink(Arc<dyn Fn(&DeviceCodePrompt) + Send + Sync>);

impl PromptSink {
    pub fn new(f: impl Fn(&DeviceCodePrompt) + Send + Sync + 'static) -> PromptSink {
        PromptSink(Arc::new(f))
    }

    fn show(&self, prompt: &DeviceCodePrompt) {
        (self.0)(prompt)
    }
}

impl fmt::Debug for PromptSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PromptSink(..)")
    }
}

/// Delegated sign-in options: the user's own app registration (a public client: Authentication →
/// "Allow public client flows" = Yes, with delegated Microsoft Cloud App Security permissions).
#[derive(Debug, Clone)]
pub struct DeviceCode {
    /// Directory (tenant) id or a verified domain of the tenant (`organizations` works too).
    pub tenant_id: String,
    /// The Application (client) id of the public client app.
    pub client_id: String,
    /// Defaults to the cloud's authority; giving it also lets a host of no known cloud through.
    pub authority_host: Option<String>,
    /// Where the prompt goes when a request needs a sign-in; without one, sign in with
    /// [`crate::Client::device_code_begin`] and [`crate::Client::sign_in`].
    pub prompt: Option<PromptSink>,
}

impl DeviceCode {
    pub fn new(tenant_id: impl Into<String>, client_id: impl Into<String>) -> DeviceCode {
        DeviceCode {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            authority_host: None,
            prompt: None,
        }
    }

    pub fn authority_host(mut self, host: impl Into<String>) -> DeviceCode {
        self.authority_host = Some(host.into());
        self
    }

    /// Shows the prompt with `f` whenever a sign-in starts.
    pub fn on_prompt(
        mut self,
        f: impl Fn(&DeviceCodePrompt) + Send + Sync + 'static,
    ) -> DeviceCode {
        self.prompt = Some(PromptSink::new(f));
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        let id_like = |v: &str| !v.trim().is_empty() && !v.contains(['/', '?', '#', ' ', '&']);
        if !id_like(&self.tenant_id) {
            return Err(Error::invalid_config(
                "the device code sign-in needs a tenant_id: a directory (tenant) id or a domain name, without slashes",
            )
            .with_hint("copy the Directory (tenant) ID from the app registration's Overview page"));
        }
        if !id_like(&self.client_id) {
            return Err(Error::invalid_config(
                "the device code sign-in needs the client_id of your own app registration",
            )
            .with_hint("register an app in Entra ID, set Authentication > Allow public client flows to Yes, and give its Application (client) ID"));
        }
        Ok(())
    }
}

/// A code handed out and not yet exchanged.
struct Pending {
    device_code: Secret,
    interval: Duration,
    expires_at: Instant,
    /// When the next poll may go (the interval counts from the previous answer).
    next_poll: Instant,
}

#[derive(Default)]
struct State {
    refresh_token: Option<Secret>,
    pending: Option<Pending>,
}

/// The device code grant and the refresh grant for one client.
pub(crate) struct DeviceCodeFlow {
    devicecode_url: Url,
    token_url: Url,
    client_id: String,
    /// `<resource>/.default offline_access`: every delegated permission the app was granted, and a
    /// refresh token.
    scope: String,
    prompt: Option<PromptSink>,
    state: Mutex<State>,
}

#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: Secret,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    interval: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Tokens {
    access_token: Option<Secret>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct AadError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    error_codes: Vec<i64>,
    #[serde(default)]
    correlation_id: Option<String>,
}

impl AadError {
    fn code(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The first line of the description (Entra appends trace ids and timestamps on later lines).
    fn summary(&self, status: u16) -> String {
        let d = self
            .error_description
            .as_deref()
            .map(|d| d.lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        match (self.error.as_deref(), d.is_empty()) {
            (Some(c), false) => format!("{c}: {d}"),
            (Some(c), true) => c.to_string(),
            (None, false) => d,
            (None, true) => format!("HTTP {status}"),
        }
    }

    fn into_error(self, kind: ErrorKind, message: String, status: u16, hint: &str) -> Error {
        let mut e = Error::new(kind, message)
            .with_http_status(status)
            .with_hint(hint);
        if let Some(d) = self.error_description {
            e = e.with_detail(d);
        }
        if let Some(c) = self.correlation_id {
            e = e.with_correlation_id(c);
        }
        e
    }
}

/// A number of seconds sent as a JSON number or a string.
fn seconds(v: Option<&serde_json::Value>) -> Option<f64> {
    match v? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s > 0.0)
}

/// `{authority}/{tenant}/oauth2/v2.0/{leaf}`.
fn endpoint(authority: &Url, tenant: &str, leaf: &str) -> Result<Url> {
    let mut root = authority.clone();
    if !root.path().ends_with('/') {
        let p = format!("{}/", root.path());
        root.set_path(&p);
    }
    root.join(&format!("{tenant}/oauth2/v2.0/{leaf}"))
        .map_err(|e| Error::invalid_config(format!("cannot build the {leaf} endpoint URL: {e}")))
}

impl DeviceCodeFlow {
    pub(crate) fn new(
        options: &DeviceCode,
        authority_host: &str,
        resource: &str,
    ) -> Result<DeviceCodeFlow> {
        options.validate()?;
        let authority = parse_endpoint_url(authority_host, "authority_host")?;
        let tenant = options.tenant_id.trim();
        Ok(DeviceCodeFlow {
            devicecode_url: endpoint(&authority, tenant, "devicecode")?,
            token_url: endpoint(&authority, tenant, "token")?,
            client_id: options.client_id.trim().to_string(),
            scope: format!("{resource}/.default offline_access"),
            prompt: options.prompt.clone(),
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn post(
        &self,
        http: &reqwest::Client,
        url: &Url,
        form: &[(&str, &str)],
        cancel: &CancelToken,
    ) -> Result<(u16, bytes::Bytes)> {
        let body = Zeroizing::new({
            let mut f = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                f.append_pair(k, v);
            }
            f.finish()
        });
        let what = format!("signing in with a device code at {url}");
        let send = http
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.as_bytes().to_vec())
            .send();
        let resp = cancel
            .run(send)
            .await?
            .map_err(|e| crate::http::transport_error(&what, &e))?;
        let status = resp.status().as_u16();
        let bytes = cancel
            .run(resp.bytes())
            .await?
            .map_err(|e| crate::http::transport_error(&what, &e))?;
        Ok((status, bytes))
    }

    /// Asks for a new device code and keeps it for [`DeviceCodeFlow::request`] to poll. Any code
    /// pending before is dropped.
    pub(crate) async fn begin(
        &self,
        http: &reqwest::Client,
        cancel: &CancelToken,
    ) -> Result<DeviceCodePrompt> {
        tracing::debug!(url = %self.devicecode_url, "requesting a device code");
        let (status, bytes) = self
            .post(
                http,
                &self.devicecode_url,
                &[("client_id", &self.client_id), ("scope", &self.scope)],
                cancel,
            )
            .await?;
        let what = format!("requesting a device code from {}", self.devicecode_url);
        if !(200..300).contains(&status) {
            let err: AadError = serde_json::from_slice(&bytes).unwrap_or_default();
            let hint = self.hint(&err, status);
            let msg = format!("{what}: {}", err.summary(status));
            return Err(err.into_error(ErrorKind::TokenRequestFailed, msg, status, &hint));
        }
        let auth: DeviceAuthorization = serde_json::from_slice(&bytes).map_err(|_| {
            Error::new(
                ErrorKind::TokenRequestFailed,
                format!("{what}: the answer is not a device authorization (device_code, user_code, verification_uri)"),
            )
            .with_http_status(status)
            .with_hint("check authority_host: it must be the Entra ID authority (https://login.microsoftonline.com or your sovereign cloud's)")
        })?;
        let expires_in = seconds(auth.expires_in.as_ref()).unwrap_or(900.0);
        let interval = seconds(auth.interval.as_ref())
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_INTERVAL);
        let now = Instant::now();
        let prompt = DeviceCodePrompt {
            message: auth.message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
                format!(
                    "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                    auth.verification_uri, auth.user_code
                )
            }),
            user_code: auth.user_code,
            verification_uri: auth.verification_uri,
            expires_in: expires_in.round() as u64,
            interval: interval.as_secs_f64(),
        };
        self.state().pending = Some(Pending {
            device_code: auth.device_code,
            interval,
            expires_at: now + Duration::from_secs_f64(expires_in),
            next_poll: now + interval,
        });
        Ok(prompt)
    }

    /// An access token: from the refresh token when there is one, else by polling the pending code
    /// (asking for one first when a prompt sink is set).
    pub(crate) async fn request(
        &self,
        http: &reqwest::Client,
        cancel: &CancelToken,
    ) -> Result<(Secret, Duration, Instant)> {
        let refresh = self.state().refresh_token.clone();
        if let Some(r) = refresh {
            return self.refresh(http, &r, cancel).await;
        }
        let has_pending = self.state().pending.is_some();
        if !has_pending {
            let Some(sink) = &self.prompt else {
                return Err(Error::new(
                    ErrorKind::SignInRequired,
                    "this client signs in with a device code and has not signed in yet",
                )
                .with_hint("sign in first: mdca_client_device_code_begin then mdca_client_sign_in (C), Connect-Mdca -DeviceCode (PowerShell), or give a prompt callback"));
            };
            let prompt = self.begin(http, cancel).await?;
            sink.show(&prompt);
        }
        let out = self.poll(http, cancel).await;
        if out
            .as_ref()
            .is_err_and(|e| e.kind() == ErrorKind::Cancelled)
        {
            // A cancelled sign-in is over: a later call does not silently poll a code on its own.
            self.state().pending = None;
        }
        out
    }

    async fn poll(
        &self,
        http: &reqwest::Client,
        cancel: &CancelToken,
    ) -> Result<(Secret, Duration, Instant)> {
        loop {
            let (device_code, wait, expired) = {
                let s = self.state();
                let Some(p) = s.pending.as_ref() else {
                    return Err(Error::new(
                        ErrorKind::SignInRequired,
                        "no device code sign-in is pending",
                    )
                    .with_hint("start the sign-in again (mdca_client_device_code_begin)"));
                };
                let now = Instant::now();
                (
                    p.device_code.clone(),
                    p.next_poll.saturating_duration_since(now),
                    now >= p.expires_at,
                )
            };
            if expired {
                self.state().pending = None;
                return Err(expired_error(None));
            }
            cancel.sleep(wait).await?;
            let sent_at = Instant::now();
            let (status, bytes) = self
                .post(
                    http,
                    &self.token_url,
                    &[
                        ("grant_type", DEVICE_CODE_GRANT_TYPE),
                        ("client_id", &self.client_id),
                        ("device_code", device_code.expose()),
                    ],
                    cancel,
                )
                .await?;
            if (200..300).contains(&status) {
                self.state().pending = None;
                return self.accept(status, &bytes, sent_at);
            }
            let err: AadError = serde_json::from_slice(&bytes).unwrap_or_default();
            let now = Instant::now();
            let mut s = self.state();
            let Some(p) = s.pending.as_mut() else {
                continue;
            };
            match err.code() {
                "authorization_pending" => {
                    p.next_poll = now + p.interval;
                    continue;
                }
                "slow_down" => {
                    p.interval += SLOW_DOWN_STEP;
                    p.next_poll = now + p.interval;
                    tracing::debug!(
                        interval_ms = p.interval.as_millis() as u64,
                        "the identity endpoint asked to slow down"
                    );
                    continue;
                }
                _ => {}
            }
            s.pending = None;
            drop(s);
            let what = format!("signing in with a device code at {}", self.token_url);
            let summary = err.summary(status);
            return Err(match err.code() {
                "expired_token" => expired_error(Some(err)),
                "authorization_declined" => err.into_error(
                    ErrorKind::DeviceCodeDeclined,
                    format!("{what}: the user declined the sign-in ({summary})"),
                    status,
                    "sign in again and approve the request on the verification page; if you did not start this sign-in, tell your administrator",
                ),
                _ => {
                    let hint = self.hint(&err, status);
                    err.into_error(
                        ErrorKind::TokenRequestFailed,
                        format!("{what}: {summary}"),
                        status,
                        &hint,
                    )
                }
            });
        }
    }

    async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &Secret,
        cancel: &CancelToken,
    ) -> Result<(Secret, Duration, Instant)> {
        tracing::debug!(url = %self.token_url, "refreshing a delegated access token");
        let sent_at = Instant::now();
        let (status, bytes) = self
            .post(
                http,
                &self.token_url,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", &self.client_id),
                    ("refresh_token", refresh_token.expose()),
                    ("scope", &self.scope),
                ],
                cancel,
            )
            .await?;
        if (200..300).contains(&status) {
            return self.accept(status, &bytes, sent_at);
        }
        let err: AadError = serde_json::from_slice(&bytes).unwrap_or_default();
        let what = format!(
            "refreshing the signed-in user's access token at {}",
            self.token_url
        );
        let summary = err.summary(status);
        if err.code() == "invalid_grant" || err.code() == "interaction_required" {
            // The refresh token is dead (revoked, expired, password changed, policy): only a new
            // sign-in helps, and this one must not be tried again.
            self.state().refresh_token = None;
            return Err(err.into_error(
                ErrorKind::SignInRequired,
                format!("{what}: the sign-in is no longer valid ({summary})"),
                status,
                "sign in again (mdca --device-code, Connect-Mdca -DeviceCode); the session was revoked, expired or needs a new consent",
            ));
        }
        let hint = self.hint(&err, status);
        Err(err.into_error(
            ErrorKind::TokenRequestFailed,
            format!("{what}: {summary}"),
            status,
            &hint,
        ))
    }

    /// Reads a token answer and keeps its refresh token.
    fn accept(
        &self,
        status: u16,
        bytes: &[u8],
        sent_at: Instant,
    ) -> Result<(Secret, Duration, Instant)> {
        let tokens: Tokens = serde_json::from_slice(bytes).map_err(|_| {
            Error::new(
                ErrorKind::TokenRequestFailed,
                format!("the identity endpoint {} answered HTTP {status} with a body that is not a token response", self.token_url),
            )
            .with_http_status(status)
        })?;
        let token = tokens
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::TokenRequestFailed,
                    format!(
                        "the identity endpoint {} answered without an access_token",
                        self.token_url
                    ),
                )
                .with_http_status(status)
            })?;
        if let Some(r) = tokens.refresh_token.filter(|r| !r.is_empty()) {
            self.state().refresh_token = Some(r);
        }
        let secs = seconds(tokens.expires_in.as_ref()).unwrap_or(3600.0);
        Ok((token, Duration::from_secs_f64(secs), sent_at))
    }

    fn hint(&self, err: &AadError, status: u16) -> String {
        let has = |c: i64| err.error_codes.contains(&c);
        let code = err.code();
        if has(7_000_218) || code == "invalid_client" {
            return "the app registration does not allow public client flows: in Entra ID open the app, Authentication > Allow public client flows = Yes".into();
        }
        if has(700_016) || code == "unauthorized_client" {
            return format!(
                "check the client id ({}): it must be the Application (client) ID of an app registered in this tenant",
                self.client_id
            );
        }
        if has(90_002) || has(900_023) || code == "invalid_tenant" {
            return "check the tenant id (Directory (tenant) ID or a verified domain of the tenant)"
                .into();
        }
        if has(65_001) || code == "invalid_scope" || code == "consent_required" {
            return "add Microsoft Cloud App Security delegated permissions (e.g. Investigation.Read) to the app and grant admin consent".into();
        }
        if code == "bad_verification_code" {
            return "the device code was not recognised; start the sign-in again".into();
        }
        if status >= 500 || status == 429 {
            return "the identity endpoint is having trouble; retry later".into();
        }
        "check the tenant id, the client id, that the app allows public client flows, and that its Microsoft Cloud App Security delegated permissions have admin consent".into()
    }
}

fn expired_error(err: Option<AadError>) -> Error {
    let msg = "the device code expired before the sign-in was completed";
    let hint = "sign in again and enter the code on the verification page within its lifetime (15 minutes at Entra ID)";
    match err {
        Some(e) => {
            let status = 400;
            e.into_error(ErrorKind::DeviceCodeExpired, msg.into(), status, hint)
        }
        None => Error::new(ErrorKind::DeviceCodeExpired, msg).with_hint(hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_the_authority_and_tenant() {
        let o = DeviceCode::new("contoso.onmicrosoft.com", "c");
        let f = DeviceCodeFlow::new(
            &o,
            "https://login.microsoftonline.us",
            "05a65629-4c1b-48c1-a78b-804c4abdd4af",
        )
        .unwrap();
        assert_eq!(
            f.devicecode_url.as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
        );
        assert_eq!(
            f.token_url.as_str(),
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(
            f.scope,
            "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default offline_access"
        );
    }

    #[test]
    fn tenant_and_client_ids_are_required() {
        for (t, c) in [("", "c"), ("t", " "), ("a/b", "c"), ("t", "c&x=1")] {
            assert_eq!(
                DeviceCode::new(t, c).validate().unwrap_err().kind(),
                ErrorKind::InvalidConfig,
                "{t:?} {c:?}"
            );
        }
    }

    #[test]
    fn intervals_and_lifetimes_are_read_as_numbers_or_strings() {
        assert_eq!(seconds(Some(&serde_json::json!(5))), Some(5.0));
        assert_eq!(seconds(Some(&serde_json::json!("0.25"))), Some(0.25));
        assert_eq!(seconds(Some(&serde_json::json!(0))), None);
        assert_eq!(seconds(None), None);
    }
}
