//! Clients: created from a JSON options document, shared by any number of threads, freed once.

use std::future::Future;
use std::os::raw::c_char;
use std::sync::{Arc, Mutex, PoisonError};

use crate::cancel::CancelToken;
use crate::client::Client;
use crate::config::ClientOptions;
use crate::error::Result;
use crate::ffi::boundary;
use crate::ffi::handle::{self, HandleType, CLIENT_TAG};
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_json, check_out, read_str};

/// A connection to one MDCA tenant: its URL, credentials (and cached access token), HTTP connections,
/// throttle pacing and retry policy. Opaque: created by `mdca_client_new`, freed by `mdca_client_free`.
///
/// Thread safety: a client may be used from many threads at once (queries, fetches and actions run
/// concurrently and share the tenant's request pacing).
pub struct mdca_client {
    _opaque: [u8; 0],
}

pub(crate) struct ClientObject {
    pub(crate) client: Client,
    /// The token of the one-shot calls (fetch, close, subnet writes, raw request…) now running on this
    /// client. `mdca_client_cancel` and `mdca_client_free` cancel it and put a fresh one in its place, so
    /// calls started afterwards run normally.
    calls: Mutex<CancelToken>,
}

impl ClientObject {
    fn new(client: Client) -> ClientObject {
        ClientObject {
            client,
            calls: Mutex::new(CancelToken::new()),
        }
    }

    /// Runs one blocking call on the shared runtime; it ends with `Cancelled` as soon as the client's
    /// calls are cancelled.
    pub(crate) fn block_on<T>(&self, call: impl Future<Output = Result<T>>) -> Result<T> {
        let token = self.token();
        crate::runtime::try_runtime()?.block_on(token.run(call))?
    }

    /// The token `mdca_client_cancel` cancels, for a call that must see the cancellation itself (the
    /// device code sign-in forgets its pending code).
    pub(crate) fn token(&self) -> CancelToken {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Cancels the calls running now; later calls get a fresh token.
    fn cancel_calls(&self) {
        let mut current = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        current.cancel();
        *current = CancelToken::new();
    }
}

impl HandleType for ClientObject {
    const TAG: usize = CLIENT_TAG;
    const C_NAME: &'static str = "mdca_client";
}

/// The live client behind a handle argument.
pub(crate) fn client_arg(client: *const mdca_client) -> Result<Arc<ClientObject>> {
    handle::get::<ClientObject>(client as usize, "client")
}

/// Creates a client from a JSON options document (UTF-8), for example
/// `{"url": "https://contoso.us3.portal.cloudappsecurity.com", "auth": {"type": "token", "token": "…"}}`.
///
/// `auth` is one of `{"type": "token", "token"}` (legacy API token), `{"type": "app", "tenant_id",
/// "client_id", "client_secret", "authority_host"?, "token_endpoint"?: "v2"|"v1", "legacy_token"?}`
/// (application context), `{"type": "managed_identity", "client_id"?, "endpoint"?, "legacy_token"?}`
/// (an Azure managed identity; `client_id` picks a user-assigned one), `{"type": "device_code",
/// "tenant_id", "client_id", "authority_host"?, "legacy_token"?}` (a user signs in: see
/// `mdca_client_device_code_begin`) or `{"type": "bearer", "token", "legacy_token"?}`; optional keys are `cloud` (`"commercial"` (default), `"gcc"`, `"gcc-high"`,
/// `"dod"`: sets the authority and checks the URL's host; without it a known host picks its cloud),
/// `allow_any_host` (lets a host of no known cloud through), `scope` (the token audience instead of the
/// MDCA app id), `timeout_secs`, `connect_timeout_secs`, `proxy`, `rate_limit` (`{"requests",
/// "per_secs"}`, 0 requests disables pacing), `retry` (`{"max_retries", "base_delay_ms",
/// "max_delay_ms"}`) and `prefetch`. See docs/c-api.md. Nothing is sent: credentials are first used by
/// the first request.
///
/// On success `*out` receives a new client handle owned by the caller, to be freed with
/// `mdca_client_free`; `*out` is written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER` (`options_json` or `out` is NULL);
/// `MDCA_STATUS_INVALID_UTF8`; `MDCA_STATUS_INVALID_JSON` (malformed JSON); `MDCA_STATUS_INVALID_CONFIG`
/// (bad URL, http on a non-loopback host, a host of another cloud, missing credentials, unknown keys…). Details in
/// `mdca_last_error`; secrets never appear there.
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// `options_json` must be NULL or a NUL-terminated string; `out` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_new(
    options_json: *const c_char,
    out: *mut *mut mdca_client,
) -> mdca_status {
    boundary::run("mdca_client_new", || {
        let text = read_str(options_json, "options_json")?;
        check_out(out, "out")?;
        check_json(text, "options_json")?;
        let options = ClientOptions::from_json(text)?;
        // Building the HTTP client may touch the reactor; give it the shared runtime's context.
        let _context = crate::runtime::runtime().enter();
        let client = Client::from_options(options)?;
        let id = handle::insert(Arc::new(ClientObject::new(client)));
        *out = id as *mut mdca_client;
        Ok(mdca_status::Ok)
    })
}

/// Frees a client. The handle is invalid afterwards; later uses (and a second free) return
/// `MDCA_STATUS_INVALID_HANDLE`. Queries created from the client stay usable and keep what they need of
/// it alive until they are freed. One-shot calls still running on it on other threads (fetch, close,
/// subnet writes, raw request…) are cancelled: they return `MDCA_STATUS_CANCELLED` promptly.
///
/// NULL is accepted and ignored (returns `MDCA_STATUS_OK`, last error untouched), like `free(NULL)`.
///
/// Returns `MDCA_STATUS_OK` or `MDCA_STATUS_INVALID_HANDLE` (already freed, not a client, or foreign).
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// Any pointer value is accepted (it is never dereferenced).
#[no_mangle]
pub unsafe extern "C" fn mdca_client_free(client: *mut mdca_client) -> mdca_status {
    if client.is_null() {
        return mdca_status::Ok;
    }
    boundary::run_in_child_too("mdca_client_free", || {
        let object = handle::remove::<ClientObject>(client as usize, "client")?;
        if boundary::in_forked_child() {
            // Dropping would reach for the parent's runtime threads, which the child does not have.
            std::mem::forget(object);
            return Ok(mdca_status::Ok);
        }
        object.cancel_calls();
        drop(object);
        Ok(mdca_status::Ok)
    })
}

/// Cancels every one-shot call running on the client on any thread — `mdca_client_fetch`,
/// `mdca_client_entity_tree`, `mdca_client_close_alerts`, `mdca_client_set_alert_read`,
/// `mdca_client_activity_feedback`, the subnet calls, `mdca_client_request`,
/// `mdca_client_device_code_begin` and `mdca_client_sign_in` (its polling stops): each returns
/// `MDCA_STATUS_CANCELLED` within moments, whatever its timeout and retries. Calls started after this one
/// run normally, and queries are not affected (cancel those with `mdca_query_cancel`). A cancelled write
/// (a close, a subnet change) may or may not have reached the service: read the state back before
/// repeating it.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER` or `MDCA_STATUS_INVALID_HANDLE`.
///
/// Thread safety: callable from any thread, while other threads are inside calls on the client (that is
/// its purpose: a Ctrl+C watcher). Not async-signal-safe: see `mdca_query_cancel`.
///
/// # Safety
///
/// Any pointer value is accepted (it is never dereferenced).
#[no_mangle]
pub unsafe extern "C" fn mdca_client_cancel(client: *const mdca_client) -> mdca_status {
    boundary::run("mdca_client_cancel", || {
        client_arg(client)?.cancel_calls();
        Ok(mdca_status::Ok)
    })
}
