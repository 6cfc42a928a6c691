//! The HTTP core: the only place that sends requests to the API. Every attempt is paced by the tenant
//! limiter, authenticated, sent, and its answer mapped to a value or an [`Error`] that explains it;
//! transient failures are retried within the policy (api.md §12 client guidance).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use once_cell::sync::OnceCell;
use rand::Rng;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use crate::auth::{Auth, AuthMode, Scheme};
use crate::cancel::CancelToken;
use crate::config::{redact_userinfo, ApiBase, ClientOptions, RetryPolicy};
use crate::entity::EntityKind;
use crate::error::{Error, ErrorKind, Result};
use crate::limiter::TenantLimiter;

/// The user agent every request carries.
pub const USER_AGENT: &str = concat!("mdca/", env!("CARGO_PKG_VERSION"));

/// Whether a call may be repeated after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Lists and fetches: always safe to repeat.
    Read,
    /// Writes whose repetition is harmless (close alerts, mark read, update or delete a subnet).
    IdempotentWrite,
    /// Writes that must not run twice (create a subnet): retried only on 429 or when the request
    /// provably never reached the server (connect failure).
    NonIdempotentWrite,
}

/// Which credential a call uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthUse {
    /// The client's main credential.
    Default,
    /// The legacy token when one is configured beside app/bearer credentials: the Files API refuses
    /// Bearer tokens (api.md §3.5).
    PreferLegacyToken,
}

/// One API call, described independently of its attempts.
#[derive(Debug, Clone)]
pub struct ApiCall<'a> {
    pub method: Method,
    /// Relative to the API base, e.g. `"v1/files/"`.
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// Sent as `application/json`.
    pub body: Option<&'a serde_json::Value>,
    pub retry: RetryClass,
    pub auth: AuthUse,
}

impl<'a> ApiCall<'a> {
    /// The path without a leading `/`, `api/` or `cas/api/`.
    fn relative_path(&self) -> &str {
        let p = self.path.trim_start_matches('/');
        p.strip_prefix("cas/api/")
            .or_else(|| p.strip_prefix("api/"))
            .unwrap_or(p)
    }

    /// Whether this call goes to the Files API (api.md §3.5 quirk).
    fn is_files(&self) -> bool {
        self.relative_path().starts_with("v1/files")
    }

    /// A read of a list endpoint (a page of a pull): these get the time budget for transient faults.
    pub fn is_list_read(&self) -> bool {
        if self.retry != RetryClass::Read {
            return false;
        }
        let p = self.relative_path();
        EntityKind::all()
            .iter()
            .any(|k| p.trim_end_matches('/') == k.spec().path.trim_end_matches('/'))
    }
}

/// What one call cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallMeta {
    /// The final HTTP status.
    pub status: u16,
    /// Requests sent for this call (1 when nothing was retried).
    pub attempts: u32,
    /// Time spent waiting for the tenant's pacing (including 429 pauses).
    pub throttle_wait: Duration,
}

/// Counters over the life of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HttpStats {
    /// API requests sent (every attempt).
    pub requests: u64,
    /// Attempts that were repeats of a failed one.
    pub retries: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Client-credentials requests sent to the identity endpoint.
    pub token_requests: u64,
    /// Time this client's calls waited for pacing.
    pub throttle_wait: Duration,
}

/// The HTTP core of one client. Cheap to clone (shared state).
#[derive(Clone)]
pub struct HttpCore {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    base: ApiBase,
    auth: Auth,
    limiter: Arc<TenantLimiter>,
    retry: RetryPolicy,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    throttle_wait_us: AtomicU64,
}

impl std::fmt::Debug for HttpCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpCore")
            .field("base", &self.inner.base)
            .field("auth", &self.inner.auth.mode())
            .field("has_legacy_token", &self.inner.auth.has_legacy_token())
            .finish()
    }
}

/// rustls needs a process-wide crypto provider; ring keeps the C build small. Another component may
/// have installed one already, which is fine.
fn install_crypto_provider() {
    static ONCE: OnceCell<()> = OnceCell::new();
    ONCE.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Where a 2xx body goes as it arrives. One sink serves one attempt: a retried call starts a fresh one.
pub(crate) trait BodySink: Send {
    type Output;
    /// Takes the next piece of the body. An error (why the body is not what was expected) stops the read.
    fn feed(&mut self, chunk: &[u8]) -> std::result::Result<(), String>;
    /// The value, once the whole body has arrived.
    fn finish(self) -> std::result::Result<Self::Output, String>;
    /// The body's announced length (`Content-Length`), before the first piece: a hint for reserving
    /// memory, never trusted for anything else.
    fn expect(&mut self, _len: u64) {}
}

/// Collects the whole body, then parses it: for the small answers of fetches and actions.
struct Collect<T, F> {
    body: Vec<u8>,
    parse: F,
    output: PhantomData<fn() -> T>,
}

impl<T, F: Fn(&[u8]) -> std::result::Result<T, String> + Send> Collect<T, F> {
    fn new(parse: F) -> Collect<T, F> {
        Collect {
            body: Vec::new(),
            parse,
            output: PhantomData,
        }
    }
}

impl<T, F: Fn(&[u8]) -> std::result::Result<T, String> + Send> BodySink for Collect<T, F> {
    type Output = T;

    fn feed(&mut self, chunk: &[u8]) -> std::result::Result<(), String> {
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    fn finish(self) -> std::result::Result<T, String> {
        (self.parse)(&self.body)
    }
}

/// The start of a body kept to describe it when it turns out unusable ([`summarise_body`]): enough for
/// any error document or the head of an HTML page, never a whole 14 MB page.
const BODY_KEPT_FOR_ERRORS: usize = 8 * 1024;

enum Outcome<T> {
    Done(T, u16),
    Fail(Error),
    /// 5xx, transport fault, unparsable 2xx: retry with backoff if the class allows it.
    Transient {
        error: Error,
        /// The request provably never reached the server.
        not_sent: bool,
        /// A delay the server asked for (503 with Retry-After).
        server_wait: Option<Duration>,
    },
    Throttled {
        error: Error,
        server_wait: Option<Duration>,
    },
    Unauthorized(Error),
}

impl HttpCore {
    /// Builds the HTTP client (rustls with the OS trust store, proxies from the environment or the
    /// `proxy` option, timeouts, user agent) and joins the tenant's shared pacing.
    pub fn new(opts: &ClientOptions) -> Result<HttpCore> {
        opts.validate()?;
        install_crypto_provider();
        let base = opts.api_base()?;
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            // The API does not redirect; a redirect means a sign-in page or a wrong host, and following it
            // could carry the Authorization header somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none());
        if opts.proxy.is_none() && base.is_loopback() {
            // A proxy from the environment cannot reach this machine's loopback (the simulator).
            builder = builder.no_proxy();
        }
        if let Some(p) = &opts.proxy {
            let proxy = reqwest::Proxy::all(p.trim()).map_err(|_| {
                Error::invalid_config(format!("the proxy {} is not usable", redact_userinfo(p)))
                    .with_hint("give it as http://host:port or http://user:password@host:port")
            })?;
            builder = builder.proxy(proxy);
        }
        let client = builder.build().map_err(|e| {
            Error::new(
                ErrorKind::Tls,
                format!("could not set up the HTTP client: {}", error_chain(&e)),
            )
            .with_hint("the operating system's certificate store could not be loaded")
        })?;
        let auth = Auth::new(opts, client.clone())?;
        let limiter = TenantLimiter::for_tenant(&base.tenant_key(), opts.rate_limit);
        Ok(HttpCore {
            inner: Arc::new(Inner {
                client,
                base,
                auth,
                limiter,
                retry: opts.retry,
                requests: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                throttle_wait_us: AtomicU64::new(0),
            }),
        })
    }

    pub fn api_base(&self) -> &ApiBase {
        &self.inner.base
    }

    pub fn auth_mode(&self) -> AuthMode {
        self.inner.auth.mode()
    }

    /// Gets an access token now (signing in with a pending device code, or with the prompt sink).
    pub(crate) async fn sign_in(&self, cancel: &CancelToken) -> Result<()> {
        self.inner.auth.header(false, cancel).await.map(|_| ())
    }

    /// Asks for a device code (docs/api.md §3.9).
    pub(crate) async fn device_code_begin(
        &self,
        cancel: &CancelToken,
    ) -> Result<crate::device_code::DeviceCodePrompt> {
        self.inner.auth.device_code_begin(cancel).await
    }

    /// Whether a legacy API token is configured (alone, or beside app/bearer credentials for files).
    pub fn has_legacy_token(&self) -> bool {
        self.inner.auth.has_legacy_token()
    }

    /// The HTTP client itself, for requests that are not API calls: the storage PUTs of a discovery
    /// upload go to a pre-signed URL and carry no MDCA credential (src/discovery.rs).
    pub(crate) fn raw_client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    pub fn stats(&self) -> HttpStats {
        let i = &self.inner;
        HttpStats {
            requests: i.requests.load(Ordering::Relaxed),
            retries: i.retries.load(Ordering::Relaxed),
            throttled: i.throttled.load(Ordering::Relaxed),
            token_requests: i.auth.token_requests(),
            throttle_wait: Duration::from_micros(i.throttle_wait_us.load(Ordering::Relaxed)),
        }
    }

    /// Sends `call` and parses a 2xx body as `T` (an empty body parses as JSON `null`).
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
    ) -> Result<(T, CallMeta)> {
        self.execute(call, cancel, || {
            Collect::new(|body: &[u8]| {
                let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
                    b"null"
                } else {
                    body
                };
                serde_json::from_slice::<T>(text).map_err(|e| e.to_string())
            })
        })
        .await
    }

    /// Sends `call` and returns the raw 2xx body (the block script is plain text, api.md §11).
    pub async fn call_bytes(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
    ) -> Result<(Bytes, CallMeta)> {
        self.execute(call, cancel, || {
            Collect::new(|body: &[u8]| Ok(Bytes::copy_from_slice(body)))
        })
        .await
    }

    /// Sends `call` and feeds a 2xx body to a sink from `new_sink` as it arrives, one fresh sink per attempt:
    /// list pages are parsed while they download instead of being collected whole first.
    pub(crate) async fn call_streamed<S: BodySink>(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
        new_sink: impl Fn() -> S + Sync,
    ) -> Result<(S::Output, CallMeta)> {
        self.execute(call, cancel, new_sink).await
    }

    /// Sends an idempotent DELETE (`call.retry` must be [`RetryClass::IdempotentWrite`]). `None` when a
    /// repeat found 404 after an earlier attempt that may have reached the server: the earlier attempt
    /// deleted it and only its answer was lost, so the deletion is done. A 404 on the first attempt is
    /// still [`ErrorKind::NotFound`].
    pub async fn call_delete(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
    ) -> Result<(Option<Bytes>, CallMeta)> {
        self.execute_inner(
            call,
            cancel,
            || Collect::new(|body: &[u8]| Ok(Bytes::copy_from_slice(body))),
            call.method == Method::DELETE && call.retry == RetryClass::IdempotentWrite,
        )
        .await
    }

    async fn execute<S: BodySink>(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
        new_sink: impl Fn() -> S + Sync,
    ) -> Result<(S::Output, CallMeta)> {
        let (value, meta) = self.execute_inner(call, cancel, new_sink, false).await?;
        let value = value.ok_or_else(|| Error::internal("a call ended without an answer"))?;
        Ok((value, meta))
    }

    /// The attempt loop. `gone_is_done`: a 404 after an attempt that may have reached the server ends the
    /// call with `None` (idempotent deletes).
    async fn execute_inner<S: BodySink>(
        &self,
        call: &ApiCall<'_>,
        cancel: &CancelToken,
        new_sink: impl Fn() -> S + Sync,
        gone_is_done: bool,
    ) -> Result<(Option<S::Output>, CallMeta)> {
        let inner = &self.inner;
        let policy = inner.retry;
        let mut url = inner.base.join(call.path)?;
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let body = match call.body {
            Some(v) => Some(Bytes::from(serde_json::to_vec(v).map_err(|e| {
                Error::internal(format!("could not serialise the request body: {e}"))
            })?)),
            None => None,
        };
        let prefer_legacy = call.auth == AuthUse::PreferLegacyToken;
        // A list read may retry transient faults for the whole time budget (a long pull rides out an
        // outage); a one-shot call keeps the count alone.
        let mut budget = RetryBudget::new(policy, call.is_list_read());
        let mut meta = CallMeta::default();
        let mut refreshed = false;
        // An earlier attempt may have reached the server (its answer was lost or was a 5xx).
        let mut maybe_reached = false;

        loop {
            cancel.check()?;
            let mut auth = match inner.auth.header(prefer_legacy, cancel).await {
                Ok(h) => h,
                Err(e) if auth_error_is_transient(&e) && budget.transient_allowed() => {
                    let wait = budget.transient_wait(None);
                    tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "token request failed; retrying");
                    cancel.sleep(wait).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let waited = inner.limiter.acquire(cancel).await?;
            meta.throttle_wait += waited;
            inner
                .throttle_wait_us
                .fetch_add(waited.as_micros() as u64, Ordering::Relaxed);
            if !waited.is_zero() && auth.generation.is_some() {
                // A long pacing wait may have outlived the app token; the cache answers at once if not.
                auth = inner.auth.header(prefer_legacy, cancel).await?;
            }
            let sent_at = Instant::now();
            meta.attempts += 1;
            inner.requests.fetch_add(1, Ordering::Relaxed);
            if meta.attempts > 1 {
                inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            tracing::debug!(
                method = %call.method,
                path = call.path,
                attempt = meta.attempts,
                throttle_wait_ms = waited.as_millis() as u64,
                "sending"
            );

            let mut req = inner
                .client
                .request(call.method.clone(), url.clone())
                .header(AUTHORIZATION, auth.value.clone())
                .header(ACCEPT, "application/json");
            if let Some(b) = &body {
                req = req.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            let outcome = self
                .attempt(req, call, auth.scheme, cancel, &new_sink)
                .await?;
            match outcome {
                Outcome::Done(value, status) => {
                    meta.status = status;
                    tracing::debug!(method = %call.method, path = call.path, status, attempts = meta.attempts, "done");
                    return Ok((Some(value), meta));
                }
                Outcome::Fail(e)
                    if gone_is_done && maybe_reached && e.http_status() == Some(404) =>
                {
                    meta.status = 404;
                    tracing::info!(
                        method = %call.method,
                        path = call.path,
                        attempts = meta.attempts,
                        "not found on a repeat after an attempt that may have reached the server; counted as done"
                    );
                    return Ok((None, meta));
                }
                Outcome::Fail(e) => return Err(e),
                Outcome::Unauthorized(e) => {
                    if !refreshed && inner.auth.invalidate(auth.generation).await {
                        refreshed = true;
                        tracing::debug!(
                            path = call.path,
                            "access token refused (401); fetching a new one and retrying once"
                        );
                        continue;
                    }
                    return Err(e);
                }
                Outcome::Throttled { error, server_wait } => {
                    inner.throttled.fetch_add(1, Ordering::Relaxed);
                    let wait = budget.throttle_wait(server_wait);
                    // Every client of this tenant waits, not just this call, even when this call gives
                    // up; and the tenant's pace drops (AIMD), so processes sharing it converge.
                    inner.limiter.throttled(sent_at, wait);
                    if !budget.throttle_allowed() {
                        return Err(exhausted(error, meta.attempts, budget.elapsed()));
                    }
                    tracing::warn!(
                        method = %call.method,
                        path = call.path,
                        attempt = meta.attempts,
                        wait_ms = wait.as_millis() as u64,
                        "throttled (429); pausing the tenant"
                    );
                }
                Outcome::Transient {
                    error,
                    not_sent,
                    server_wait,
                } => {
                    let allowed = not_sent || call.retry != RetryClass::NonIdempotentWrite;
                    if !allowed {
                        // Repeating a create could apply it twice; let the caller decide.
                        let hint = format!(
                            "{}; this change is not repeated automatically because the server may already have applied it, so check its state before trying again",
                            error.hint().unwrap_or("the request failed").trim_end_matches('.')
                        );
                        return Err(error.with_hint(hint));
                    }
                    maybe_reached |= !not_sent;
                    if !budget.transient_allowed() {
                        return Err(exhausted(error, meta.attempts, budget.elapsed()));
                    }
                    let wait = budget.transient_wait(server_wait);
                    tracing::warn!(
                        method = %call.method,
                        path = call.path,
                        attempt = meta.attempts,
                        kind = error.kind().name(),
                        wait_ms = wait.as_millis() as u64,
                        "transient failure; retrying"
                    );
                    cancel.sleep(wait).await?;
                }
            }
        }
    }

    /// One attempt: send, read, map. `Err` only for cancellation.
    async fn attempt<S: BodySink>(
        &self,
        req: reqwest::RequestBuilder,
        call: &ApiCall<'_>,
        scheme: Scheme,
        cancel: &CancelToken,
        new_sink: &(impl Fn() -> S + Sync),
    ) -> Result<Outcome<S::Output>> {
        let what = format!("{} {}", call.method, call.path);
        let started = Instant::now();
        let mut resp = match cancel.run(req.send()).await? {
            Ok(r) => r,
            Err(e) => {
                let error = transport_error(&what, &e);
                tracing::debug!(method = %call.method, path = call.path, kind = error.kind().name(), "request failed");
                return Ok(classify_transport(error, &e));
            }
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let success = (200..300).contains(&status);
        // A 2xx body streams into the sink; an error body is small and read whole to be explained. `body`
        // holds the error body, or the start of a 2xx one in case it proves unusable.
        let mut sink = success.then(new_sink);
        if let (Some(sink), Some(len)) = (&mut sink, resp.content_length()) {
            sink.expect(len);
        }
        let mut body: Vec<u8> = Vec::new();
        let mut received = 0usize;
        let mut fed = Ok(());
        loop {
            let chunk = match cancel.run(resp.chunk()).await? {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    let error = transport_error(&format!("{what} (reading the answer)"), &e)
                        .with_http_status(status);
                    tracing::debug!(method = %call.method, path = call.path, status, "reading the body failed");
                    return Ok(Outcome::Transient {
                        error,
                        not_sent: false,
                        server_wait: None,
                    });
                }
            };
            received += chunk.len();
            match &mut sink {
                Some(sink) => {
                    let room = BODY_KEPT_FOR_ERRORS.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    fed = sink.feed(&chunk);
                    if fed.is_err() {
                        // The rest cannot make the body valid; stop reading it.
                        break;
                    }
                }
                None => body.extend_from_slice(&chunk),
            }
        }
        tracing::debug!(
            method = %call.method,
            path = call.path,
            status,
            bytes = received,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "answered"
        );
        if let Some(sink) = sink {
            return Ok(match fed.and_then(|()| sink.finish()) {
                Ok(v) => Outcome::Done(v, status),
                Err(reason) => {
                    let mut e = Error::new(
                        ErrorKind::InvalidResponse,
                        format!("{what}: the server answered HTTP {status} with a body that is not the expected JSON ({reason})"),
                    )
                    .with_http_status(status)
                    .with_hint("a truncated body is usually a network fault; an HTML page means the URL or a proxy answered instead of the API, so check the URL and proxy settings");
                    if let Some(d) = summarise_body_start(&body, received) {
                        e = e.with_detail(d);
                    }
                    if crate::depth::is_too_deep(&reason) {
                        // A whole answer refused for what it holds: asking again fetches the same.
                        Outcome::Fail(e.with_hint(
                            "the service (or a proxy rewriting its answers) sent a record nested deeper \
                             than any MDCA record; report it with the correlation id of the request",
                        ))
                    } else {
                        Outcome::Transient {
                            error: e,
                            not_sent: false,
                            server_wait: None,
                        }
                    }
                }
            });
        }
        let error = status_error(
            &what,
            status,
            &headers,
            &body,
            call,
            scheme,
            self.auth_mode(),
        );
        Ok(match status {
            401 => Outcome::Unauthorized(error),
            429 => Outcome::Throttled {
                error,
                server_wait: retry_after(&headers).or_else(|| body_wait_seconds(&body)),
            },
            500 | 502 | 503 | 504 => Outcome::Transient {
                error,
                not_sent: false,
                server_wait: retry_after(&headers),
            },
            _ => Outcome::Fail(error),
        })
    }
}

fn auth_error_is_transient(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Timeout | ErrorKind::Connection => true,
        ErrorKind::TokenRequestFailed => e.http_status().is_some_and(|s| s >= 500 || s == 429),
        _ => false,
    }
}

fn exhausted(error: Error, attempts: u32, failing_for: Duration) -> Error {
    let over = if failing_for >= Duration::from_secs(2) {
        format!(" over {}", human_duration(failing_for))
    } else {
        String::new()
    };
    let msg = format!(
        "{} (gave up after {attempts} attempt{}{over})",
        error.message(),
        if attempts == 1 { "" } else { "s" }
    );
    error.with_message(msg)
}

/// `95 s`, `12 min`: for messages.
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", secs / 60)
    }
}

/// How many more retries one call may make (api.md §12 client guidance): 5xx/transport faults and 429s
/// are counted apart, each up to `max_retries`; past its count a kind is still retried while the call
/// has been failing for less than `transient_budget` — always for 429s, for 5xx/transport faults only
/// on list reads (one-shot calls keep the count alone).
struct RetryBudget {
    policy: RetryPolicy,
    list_read: bool,
    transient_retries: u32,
    throttle_retries: u32,
    /// When the first failure of this call came.
    failing_since: Option<Instant>,
}

impl RetryBudget {
    fn new(policy: RetryPolicy, list_read: bool) -> RetryBudget {
        RetryBudget {
            policy,
            list_read,
            transient_retries: 0,
            throttle_retries: 0,
            failing_since: None,
        }
    }

    fn elapsed(&self) -> Duration {
        self.failing_since.map(|t| t.elapsed()).unwrap_or_default()
    }

    fn within_time(&mut self) -> bool {
        let since = *self.failing_since.get_or_insert_with(Instant::now);
        since.elapsed() < self.policy.transient_budget
    }

    /// Whether a 5xx/transport fault may be retried; counts the retry when it may.
    fn transient_allowed(&mut self) -> bool {
        let in_time = self.within_time();
        let ok = self.transient_retries < self.policy.max_retries || (self.list_read && in_time);
        if ok {
            self.transient_retries += 1;
        }
        ok
    }

    /// Whether a 429 may be retried; counts the retry when it may.
    fn throttle_allowed(&mut self) -> bool {
        let in_time = self.within_time();
        let ok = self.throttle_retries < self.policy.max_retries || in_time;
        if ok {
            self.throttle_retries += 1;
        }
        ok
    }

    /// The pause before the next attempt after a 5xx/transport fault: the server's `Retry-After` (capped),
    /// else exponential backoff with jitter, capped at `max_delay`.
    fn transient_wait(&self, server_wait: Option<Duration>) -> Duration {
        let p = &self.policy;
        match server_wait {
            Some(w) => w.min(p.max_delay),
            None => backoff(
                p.base_delay,
                p.max_delay,
                self.transient_retries.saturating_sub(1),
            ),
        }
    }

    /// The pause after a 429: the wait the server named (capped, so a bad value cannot hang a call for
    /// hours), else exponential backoff from `throttle_delay`; plus 0–20 % so the processes sharing the
    /// tenant do not all come back at the same instant. Never shorter than what the server named.
    fn throttle_wait(&self, server_wait: Option<Duration>) -> Duration {
        let p = &self.policy;
        let base = match server_wait {
            Some(w) => w.min(p.max_delay.max(Duration::from_secs(60))),
            None => backoff_exact(p.throttle_delay, p.max_delay, self.throttle_retries),
        };
        base + up_to_a_fifth(base)
    }
}

/// A random extra of 0–20 % of `d`.
fn up_to_a_fifth(d: Duration) -> Duration {
    let fifth = (d / 5).as_micros() as u64;
    if fifth == 0 {
        Duration::ZERO
    } else {
        Duration::from_micros(rand::rng().random_range(0..=fifth))
    }
}

/// `base * 2^streak`, capped, with "equal jitter" (half fixed, half random) so concurrent clients
/// spread out.
pub(crate) fn backoff(base: Duration, cap: Duration, streak: u32) -> Duration {
    let d = backoff_exact(base, cap, streak);
    let half = d / 2;
    let jitter = if half.is_zero() {
        Duration::ZERO
    } else {
        Duration::from_micros(rand::rng().random_range(0..=half.as_micros() as u64))
    };
    half + jitter
}

fn backoff_exact(base: Duration, cap: Duration, streak: u32) -> Duration {
    base.saturating_mul(1u32 << streak.min(20)).min(cap)
}

/// Seconds from a `Retry-After: <seconds>` header (HTTP dates are not used by this API).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = v.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The wait named in a 429 body: "... available in <N> seconds." (api.md §12).
fn body_wait_seconds(body: &[u8]) -> Option<Duration> {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).find_map(|w| {
        let unit = w[1].trim_end_matches('.');
        if unit == "seconds" || unit == "second" || unit == "sec" || unit == "secs" {
            let n: f64 = w[0].trim_end_matches('.').parse().ok()?;
            (n.is_finite() && n >= 0.0).then(|| Duration::from_secs_f64(n))
        } else {
            None
        }
    })
}

/// The `source()` chain of an error, deduplicated, for messages.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// Maps a reqwest failure (connect, TLS, timeout, reset, incomplete body) to an error that says what to do.
pub(crate) fn transport_error(what: &str, e: &reqwest::Error) -> Error {
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    if e.is_timeout() {
        return Error::new(ErrorKind::Timeout, format!("{what} timed out: {chain}")).with_hint(
            "the server or the network was too slow; retry, raise timeout_secs, or narrow the query",
        );
    }
    if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("handshake")
        || lower.contains("invalidcertificate")
    {
        return Error::new(ErrorKind::Tls, format!("{what} failed during the TLS handshake: {chain}"))
            .with_hint("the server's certificate is not trusted by this machine; if a corporate proxy inspects TLS, install its root certificate in the operating system's trust store");
    }
    if e.is_connect() {
        return Error::new(ErrorKind::Connection, format!("{what} could not connect: {chain}"))
            .with_hint("check the portal URL, DNS, the network, and the proxy settings (HTTPS_PROXY or the proxy option)");
    }
    Error::new(
        ErrorKind::Connection,
        format!("{what} failed: the connection broke ({chain})"),
    )
    .with_hint("a network fault or a proxy cut the connection; retry, and check the proxy settings if it persists")
}

fn classify_transport<T>(error: Error, e: &reqwest::Error) -> Outcome<T> {
    let lower = error.message().to_ascii_lowercase();
    let deterministic = error.kind() == ErrorKind::Tls
        || lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known");
    if deterministic {
        return Outcome::Fail(error);
    }
    Outcome::Transient {
        not_sent: e.is_connect(),
        error,
        server_wait: None,
    }
}

/// A short, safe description of an error body: the server's `detail`, a compact form of its JSON, or
/// "HTML page (N bytes)" — never an HTML page itself.
pub(crate) fn summarise_body(body: &[u8]) -> Option<String> {
    summarise_body_start(body, body.len())
}

/// [`summarise_body`] from the start of a body of `size` bytes.
fn summarise_body_start(body: &[u8], size: usize) -> Option<String> {
    const MAX: usize = 4000;
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        if let Some(d) = v.get("detail").and_then(|d| d.as_str()) {
            return Some(d.to_string());
        }
        if let Some(m) = v
            .get("error")
            .and_then(|e| e.get("message"))
            .and_then(|m| m.as_str())
        {
            return Some(m.to_string());
        }
        return Some(truncate(&v.to_string(), MAX));
    }
    let lower_start: String = trimmed
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower_start.starts_with("<!doctype html")
        || lower_start.starts_with("<html")
        || lower_start.contains("<html")
    {
        return Some(format!("HTML page ({size} bytes)"));
    }
    if size > body.len() {
        // Only the start was kept: say how long the whole was.
        return Some(format!("{}… ({size} bytes)", head(trimmed, 300)));
    }
    Some(truncate(trimmed, 300))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    format!("{}… ({} bytes)", head(s, max), s.len())
}

/// The longest start of `s` within `max` bytes that ends on a character boundary.
fn head(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The error for a non-2xx answer: what happened, why, and what to do (api.md §3.4, §3.5, §12).
fn status_error(
    what: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    call: &ApiCall<'_>,
    scheme: Scheme,
    mode: AuthMode,
) -> Error {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let correlation_id = json
        .as_ref()
        .and_then(|v| v.get("correlation_id"))
        .and_then(|c| c.as_str())
        .map(str::to_string)
        .or_else(|| {
            headers
                .get("x-correlation-id")
                .or_else(|| headers.get("x-ms-correlation-id"))
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        });
    let detail = if status == 400 {
        // Keep the whole validation body: it names the offending filter and value (api.md §12).
        match &json {
            Some(v) => Some(truncate(&v.to_string(), 8000)),
            None => summarise_body(body),
        }
    } else {
        summarise_body(body)
    };
    let (kind, message, hint): (ErrorKind, String, String) = match status {
        400 => (
            ErrorKind::BadRequest,
            format!("{what} was rejected as invalid by the server"),
            "the server's answer names the field, operator or value it refused; check it against the entity's filter fields and operators (docs/api.md §5)".into(),
        ),
        401 => match (scheme, mode) {
            (Scheme::Token, _) => (
                ErrorKind::Unauthorized,
                format!("{what} was refused: the server did not accept the legacy API token"),
                "check that the token is complete, not revoked, that its creator is still an admin, and that it was generated in this tenant's portal (Settings > Cloud Apps > System > API tokens)".into(),
            ),
            (Scheme::Bearer, AuthMode::App) => (
                ErrorKind::Unauthorized,
                format!("{what} was refused: the server did not accept the app access token, even after fetching a new one"),
                "check that the tenant id is the tenant of this portal and that the app has Microsoft Cloud App Security application permissions with admin consent".into(),
            ),
            (Scheme::Bearer, AuthMode::ManagedIdentity) => (
                ErrorKind::Unauthorized,
                format!("{what} was refused: the server did not accept the managed identity's access token, even after fetching a new one"),
                "grant the managed identity Microsoft Cloud App Security application permissions (app roles such as Investigation.read) with Microsoft Graph or PowerShell, and check that the tenant URL and the identity are in the same tenant and cloud (docs/api.md §3.7)".into(),
            ),
            (Scheme::Bearer, AuthMode::DeviceCode) => (
                ErrorKind::Unauthorized,
                format!("{what} was refused: the server did not accept the signed-in user's access token, even after refreshing it"),
                "check that the app has Microsoft Cloud App Security delegated permissions with admin consent, that the user has an MDCA role, and that the tenant id is the tenant of this portal (docs/api.md §3.9)".into(),
            ),
            (Scheme::Bearer, _) => (
                ErrorKind::Unauthorized,
                format!("{what} was refused: the server did not accept the bearer token; it may have expired, and a token given directly cannot be refreshed"),
                "acquire a new access token, or connect with app credentials (tenant id, client id, client secret) so mdca refreshes tokens itself".into(),
            ),
        },
        403 if call.is_files() && scheme == Scheme::Bearer => (
            ErrorKind::FilesNeedLegacyToken,
            format!("{what} was refused: the Files API does not accept application or user (Bearer) tokens, whatever permissions they carry (docs/api.md §3.5, §12)"),
            "connect with a legacy API token (Settings > Cloud Apps > System > API tokens), alone or as legacy_token beside the app credentials; mdca then uses it for the Files API automatically".into(),
        ),
        403 => (
            ErrorKind::Forbidden,
            format!("{what} was refused: the credential lacks the role or permission for this action"),
            match scheme {
                Scheme::Bearer => "grant the app the Microsoft Cloud App Security permission this action needs (Investigation.Read to read activities, alerts and entities; Investigation.Manage to close alerts or change subnets; Settings.Manage for subnets) and grant admin consent again (docs/api.md §3.4)".into(),
                Scheme::Token => "a legacy token acts with the role of the admin who created it; read-only roles (Security reader, Global reader) cannot change data, so use a token created by an admin whose role allows this action (docs/api.md §3.6)".into(),
            },
        ),
        404 => (
            ErrorKind::NotFound,
            format!("{what}: not found"),
            "check the id (the record may have been deleted) and that the URL is this tenant's portal URL".into(),
        ),
        429 => (
            ErrorKind::Throttled,
            format!("{what} was throttled: the tenant allows 30 API requests per minute"),
            "another script or process is probably using the same tenant's budget; retry later, or lower rate_limit so all callers fit".into(),
        ),
        500..=599 => (
            ErrorKind::ServerError,
            format!("{what} failed on the server"),
            "the service may be degraded; retry later, and quote the correlation id to Microsoft support if it persists".into(),
        ),
        300..=399 => (
            ErrorKind::UnexpectedStatus,
            format!("{what} was redirected, which the API never does"),
            "check that the URL is the tenant's portal URL from the About page (a redirect usually leads to a sign-in page)".into(),
        ),
        _ => (
            ErrorKind::UnexpectedStatus,
            format!("{what} got an unexpected answer"),
            "check the path and method; if it persists, quote the status and correlation id".into(),
        ),
    };
    let mut e = Error::new(kind, message)
        .with_http_status(status)
        .with_hint(hint);
    if let Some(d) = detail {
        e = e.with_detail(d);
    }
    if let Some(c) = correlation_id {
        e = e.with_correlation_id(c);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_429_body_wait_is_parsed() {
        let body =
            br#"{"error": {"message": "Request was throttled. Expected available in 7 seconds."}}"#;
        assert_eq!(body_wait_seconds(body), Some(Duration::from_secs(7)));
        assert_eq!(
            body_wait_seconds(b"throttled, retry in 1.5 seconds"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(body_wait_seconds(b"Request was throttled."), None);
    }

    #[test]
    fn html_bodies_are_summarised() {
        let page = b"<!DOCTYPE html><html><body>Sign in</body></html>";
        assert_eq!(
            summarise_body(page).unwrap(),
            format!("HTML page ({} bytes)", page.len())
        );
        assert_eq!(
            summarise_body(
                br#"{"detail":"Insufficient role based permissions","correlation_id":"x"}"#
            )
            .unwrap(),
            "Insufficient role based permissions"
        );
        assert_eq!(summarise_body(b"  "), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_millis(1000);
        assert_eq!(backoff_exact(base, cap, 0), base);
        assert_eq!(backoff_exact(base, cap, 3), Duration::from_millis(800));
        assert_eq!(backoff_exact(base, cap, 4), cap);
        assert_eq!(backoff_exact(base, cap, 40), cap);
        for streak in 0..6 {
            let d = backoff(base, cap, streak);
            let exact = backoff_exact(base, cap, streak);
            assert!(d >= exact / 2 && d <= exact, "{d:?} vs {exact:?}");
        }
    }

    #[test]
    fn a_429_wait_is_never_shorter_than_the_named_wait_and_adds_up_to_a_fifth() {
        let budget = RetryBudget::new(RetryPolicy::default(), true);
        let named = Duration::from_secs(10);
        let waits: Vec<Duration> = (0..200)
            .map(|_| budget.throttle_wait(Some(named)))
            .collect();
        for w in &waits {
            assert!(*w >= named && *w <= named + named / 5, "{w:?}");
        }
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "the waits are spread, not all the same"
        );
        // Without a named wait: the policy's backoff, jittered the same way.
        let w = budget.throttle_wait(None);
        let base = RetryPolicy::default().throttle_delay;
        assert!(w >= base && w <= base + base / 5, "{w:?}");
    }

    #[test]
    fn only_list_reads_get_the_time_budget_for_5xx_and_every_call_for_429s() {
        let policy = RetryPolicy {
            max_retries: 1,
            transient_budget: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let mut list = RetryBudget::new(policy, true);
        let mut one_shot = RetryBudget::new(policy, false);
        for _ in 0..10 {
            assert!(list.transient_allowed());
            assert!(list.throttle_allowed());
            assert!(one_shot.throttle_allowed());
        }
        assert!(one_shot.transient_allowed(), "the count still applies");
        assert!(!one_shot.transient_allowed());
        // No time budget: the counts alone, each kind its own.
        let mut counted = RetryBudget::new(policy.transient_budget(Duration::ZERO), true);
        assert!(counted.throttle_allowed());
        assert!(counted.transient_allowed());
        assert!(!counted.throttle_allowed());
        assert!(!counted.transient_allowed());
    }

    #[test]
    fn list_reads_are_reads_of_a_list_path() {
        let call = |path, retry| ApiCall {
            method: Method::POST,
            path,
            query: &[],
            body: None,
            retry,
            auth: AuthUse::Default,
        };
        for p in [
            "v1/activities/",
            "/api/v1/files/",
            "cas/api/v1/subnet",
            "v1/entities/",
        ] {
            assert!(call(p, RetryClass::Read).is_list_read(), "{p}");
        }
        assert!(!call("v1/alerts/abc/", RetryClass::Read).is_list_read());
        assert!(!call("v1/alerts/close_benign/", RetryClass::IdempotentWrite).is_list_read());
        assert!(!call("v1/alerts/", RetryClass::IdempotentWrite).is_list_read());
    }

    #[test]
    fn files_paths_are_recognised() {
        let call = |path| ApiCall {
            method: Method::GET,
            path,
            query: &[],
            body: None,
            retry: RetryClass::Read,
            auth: AuthUse::Default,
        };
        for p in [
            "v1/files/",
            "/v1/files/abc/",
            "api/v1/files/",
            "cas/api/v1/files",
        ] {
            assert!(call(p).is_files(), "{p}");
        }
        assert!(!call("v1/alerts/").is_files());
    }

    fn mapped(status: u16, body: &str, path: &str, scheme: Scheme, mode: AuthMode) -> Error {
        let call = ApiCall {
            method: Method::POST,
            path,
            query: &[],
            body: None,
            retry: RetryClass::Read,
            auth: AuthUse::Default,
        };
        status_error(
            "POST x",
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            &call,
            scheme,
            mode,
        )
    }

    #[test]
    fn a_files_403_is_the_files_quirk_only_for_bearer_tokens() {
        let body = r#"{"detail":"Insufficient role based permissions","correlation_id":"c-1"}"#;
        let e = mapped(403, body, "v1/files/", Scheme::Bearer, AuthMode::App);
        assert_eq!(e.kind(), ErrorKind::FilesNeedLegacyToken);
        assert_eq!(e.correlation_id(), Some("c-1"));
        // A legacy token refused on files lacks a role: that is an ordinary 403.
        let e = mapped(403, body, "v1/files/", Scheme::Token, AuthMode::App);
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        assert!(e.hint().unwrap().contains("role"));
    }

    #[test]
    fn statuses_map_to_their_kinds() {
        for (status, kind) in [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (404, ErrorKind::NotFound),
            (429, ErrorKind::Throttled),
            (500, ErrorKind::ServerError),
            (504, ErrorKind::ServerError),
            (302, ErrorKind::UnexpectedStatus),
            (409, ErrorKind::UnexpectedStatus),
        ] {
            let e = mapped(status, "{}", "v1/alerts/", Scheme::Token, AuthMode::Token);
            assert_eq!(e.kind(), kind, "{status}");
            assert_eq!(e.http_status(), Some(status));
            assert!(e.hint().is_some(), "{status}");
        }
    }

    #[test]
    fn a_400_keeps_the_whole_validation_body_compactly() {
        let body = r#"{ "filters": [ {"error": "x is not valid"} ], "error": true }"#;
        let e = mapped(400, body, "v1/alerts/", Scheme::Token, AuthMode::Token);
        let detail = e.detail().unwrap();
        // Compact: no pretty-printing whitespace between tokens.
        assert!(!detail.contains("\": ") && !detail.contains(", ") && !detail.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(detail).unwrap();
        assert_eq!(v, serde_json::from_str::<serde_json::Value>(body).unwrap());
    }
}
