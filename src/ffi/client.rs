//! Clients: created from a JSON options document, shared by any number of threads, freed once.

use std::os::raw::c_char;
use std::sync::Arc;

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
/// (application context) or `{"type": "bearer", "token", "legacy_token"?}`; optional keys are
/// `timeout_secs`, `connect_timeout_secs`, `proxy`, `rate_limit` (`{"requests", "per_secs"}`, 0 requests
/// disables pacing), `retry` (`{"max_retries", "base_delay_ms", "max_delay_ms"}`) and `prefetch`. See
/// docs/c-api.md. Nothing is sent: credentials are first used by the first request.
///
/// On success `*out` receives a new client handle owned by the caller, to be freed with
/// `mdca_client_free`; `*out` is written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER` (`options_json` or `out` is NULL);
/// `MDCA_STATUS_INVALID_UTF8`; `MDCA_STATUS_INVALID_JSON` (malformed JSON); `MDCA_STATUS_INVALID_CONFIG`
/// (bad URL, http on a non-loopback host, missing credentials, unknown keys…). Details in
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
        let id = handle::insert(Arc::new(ClientObject { client }));
        *out = id as *mut mdca_client;
        Ok(mdca_status::Ok)
    })
}

/// Frees a client. The handle is invalid afterwards; later uses (and a second free) return
/// `MDCA_STATUS_INVALID_HANDLE`. Queries created from the client stay usable and keep what they need of
/// it alive until they are freed; a call still running on another thread finishes normally.
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
    boundary::run("mdca_client_free", || {
        let object = handle::remove::<ClientObject>(client as usize, "client")?;
        drop(object);
        Ok(mdca_status::Ok)
    })
}
