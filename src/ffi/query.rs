//! Queries: a list of one entity, stepped page by page, with progress and cancellation from any thread.

use std::os::raw::c_char;
use std::sync::{Arc, Mutex, TryLockError};

use crate::entity::EntityKind;
use crate::error::{Error, ErrorKind, Result};
use crate::ffi::boundary;
use crate::ffi::client::{client_arg, mdca_client};
use crate::ffi::handle::{self, HandleType, QUERY_TAG};
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string, parse_json, read_opt_str, read_str};
use crate::pager::{CancelHandle, Pager, Progress, ProgressHandle, QueryRequest};

/// One list query over one entity, stepped page by page. Opaque: created by `mdca_query_new`, freed by
/// `mdca_query_free`.
///
/// Thread safety: a query is used by one thread at a time (`mdca_query_next_page` from a second thread
/// while the first is still inside it fails with `MDCA_STATUS_INVALID_ARGUMENT`, it is never undefined
/// behaviour); `mdca_query_cancel`, `mdca_query_progress` and `mdca_query_free` may be called from any
/// thread at any time.
pub struct mdca_query {
    _opaque: [u8; 0],
}

/// How far a query has got. Filled by `mdca_query_progress`.
///
/// The struct can grow: new members are only ever added at the end. The caller sets `struct_size` to
/// `sizeof(mdca_progress)` as its header declares it, and the library fills only that many bytes, so a
/// program built against an older header keeps working with a newer library.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mdca_progress {
    /// Set by the caller to `sizeof(mdca_progress)` before the call; never changed by the library.
    pub struct_size: usize,
    /// Records delivered so far (after de-duplication).
    pub records: u64,
    /// Pages delivered so far.
    pub pages: u64,
    /// The server's approximate total of matching records (meaningful only when `total_known`).
    pub total: u64,
    /// Whether the server has reported a total yet.
    pub total_known: bool,
    /// List requests completed (a request that needed retries counts once).
    pub requests: u64,
    /// Extra attempts spent on retries after transient faults or 429s.
    pub retries: u64,
    /// Milliseconds spent waiting on the tenant's throttle (pacing and 429 pauses).
    pub throttle_wait_ms: u64,
    /// Records dropped because a previous page already delivered the same `_id`.
    pub duplicates_dropped: u64,
    /// Whether the query has delivered its last page.
    pub done: bool,
}

impl From<&Progress> for mdca_progress {
    fn from(p: &Progress) -> mdca_progress {
        mdca_progress {
            struct_size: std::mem::size_of::<mdca_progress>(),
            records: p.records,
            pages: p.pages,
            total: p.total.unwrap_or(0),
            total_known: p.total.is_some(),
            requests: p.requests,
            retries: p.retries,
            throttle_wait_ms: u64::try_from(p.throttle_wait.as_millis()).unwrap_or(u64::MAX),
            duplicates_dropped: p.duplicates_dropped,
            done: p.done,
        }
    }
}

pub(crate) struct QueryObject {
    pager: Mutex<Pager>,
    cancel: CancelHandle,
    /// Reads the pager's counters without its lock, so progress is live while a page is being fetched.
    progress: ProgressHandle,
}

impl HandleType for QueryObject {
    const TAG: usize = QUERY_TAG;
    const C_NAME: &'static str = "mdca_query";
}

fn query_arg(query: *const mdca_query) -> Result<Arc<QueryObject>> {
    handle::get::<QueryObject>(query as usize, "query")
}

/// Creates a query over `entity` — one of `"activities"`, `"alerts"`, `"files"`, `"entities"`,
/// `"subnets"` (singular forms and any case accepted) — described by `request_json`, a QueryRequest
/// JSON object (NULL means `{}`): `{"filters": {…raw MDCA filters…}, "sort_field": "…",
/// "sort_direction": "asc"|"desc", "page_size": 100, "first": N, "skip": N, "all": true, "scan": bool,
/// "resume": {…a checkpoint from mdca_query_checkpoint…}, "lookback_secs": 600}`.
/// Without `all` or `first` the query returns one page. The request is validated here; nothing is sent
/// until `mdca_query_next_page`.
///
/// On success `*out` receives a new query handle owned by the caller, to be freed with
/// `mdca_query_free` (also when the query ended with an error); written only on success. The query does
/// not borrow the client handle: freeing the client first is allowed.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER` (`client`, `entity` or `out` is NULL);
/// `MDCA_STATUS_INVALID_HANDLE` (`client` freed or not a client); `MDCA_STATUS_INVALID_UTF8`;
/// `MDCA_STATUS_INVALID_JSON`; `MDCA_STATUS_INVALID_ARGUMENT` (request of the wrong shape);
/// `MDCA_STATUS_UNKNOWN_ENTITY`; `MDCA_STATUS_INVALID_FILTER`; `MDCA_STATUS_UNSUPPORTED`.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `entity` and `request_json` must be NULL or NUL-terminated strings; `out` must be NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_query_new(
    client: *const mdca_client,
    entity: *const c_char,
    request_json: *const c_char,
    out: *mut *mut mdca_query,
) -> mdca_status {
    boundary::run("mdca_query_new", || {
        let client = client_arg(client)?;
        let entity = read_str(entity, "entity")?;
        let request = read_opt_str(request_json, "request_json")?;
        check_out(out, "out")?;
        let kind = EntityKind::from_name(entity)?;
        let request: QueryRequest = match request {
            Some(text) => parse_json(text, "request_json", "a query request object")?,
            None => QueryRequest::default(),
        };
        let pager = client.client.query(kind, request)?;
        let id = handle::insert(Arc::new(QueryObject {
            cancel: pager.cancel_handle(),
            progress: pager.progress_handle(),
            pager: Mutex::new(pager),
        }));
        *out = id as *mut mdca_query;
        Ok(mdca_status::Ok)
    })
}

/// Fetches the next page of the query (waiting on the tenant's throttle, retrying transient faults).
///
/// Returns `MDCA_STATUS_OK` with `*out_json` set to a NUL-terminated UTF-8 JSON array of the page's
/// records exactly as the server sent them, and `*out_len` to its length in bytes (without the NUL). The
/// string is owned by the caller and must be freed with `mdca_string_free`. A page may be `[]` only if
/// the server sent an empty page that still said more data follows.
///
/// Returns `MDCA_STATUS_DONE` (outputs untouched, not an error) when the query has no more pages; every
/// later call returns `MDCA_STATUS_DONE` again.
///
/// Errors (outputs untouched, detail in `mdca_last_error`): `MDCA_STATUS_NULL_POINTER`,
/// `MDCA_STATUS_INVALID_HANDLE`, `MDCA_STATUS_CANCELLED` (after `mdca_query_cancel`, also when called
/// from another thread while this call waits), `MDCA_STATUS_INVALID_ARGUMENT` (another thread is inside
/// `mdca_query_next_page` on this query), any authentication, server or transport status (for example
/// `MDCA_STATUS_FILES_NEED_LEGACY_TOKEN` for files with an application token).
///
/// Thread safety: one thread at a time per query (a concurrent call is detected and refused); may block
/// for as long as the throttle, retries and request timeouts require, and returns promptly when the query
/// is cancelled.
///
/// # Safety
///
/// `out_json` and `out_len` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_query_next_page(
    query: *mut mdca_query,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_query_next_page", || {
        let object = query_arg(query)?;
        check_out(out_json, "out_json")?;
        check_out(out_len, "out_len")?;
        let mut pager =
            match object.pager.try_lock() {
                Ok(pager) => pager,
                Err(TryLockError::WouldBlock) => return Err(Error::invalid_argument(
                    "mdca_query_next_page: another thread is already fetching a page of this query",
                )
                .with_hint(
                    "use a query from one thread at a time (only mdca_query_cancel, \
                     mdca_query_progress and mdca_query_free may be called concurrently)",
                )),
                Err(TryLockError::Poisoned(_)) => {
                    return Err(Error::new(
                        ErrorKind::Internal,
                        "this query is unusable after an earlier panic inside mdca",
                    )
                    .with_hint("free the query and create a new one; please report the panic"))
                }
            };
        match crate::runtime::try_runtime()?.block_on(pager.next_page())? {
            Some(page) => {
                give_string(page.into_json_array(), out_json, out_len)?;
                Ok(mdca_status::Ok)
            }
            None => Ok(mdca_status::Done),
        }
    })
}

/// Writes the query's progress into `*out`: records, pages, approximate total, requests, retries,
/// throttle wait, duplicates dropped, done. The values are live: reading them while another thread is
/// inside `mdca_query_next_page` shows the pull moving. `out->struct_size` must be set to
/// `sizeof(mdca_progress)` first; only the members that fit in that size are written (an older caller's
/// smaller struct is never overrun), and `struct_size` itself is left as the caller set it. `*out` is
/// written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`, or
/// `MDCA_STATUS_INVALID_ARGUMENT` when `struct_size` is smaller than the `struct_size` member itself
/// (not set).
///
/// Thread safety: callable from any thread at any time; never blocks on a running page fetch.
///
/// # Safety
///
/// `out` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_query_progress(
    query: *const mdca_query,
    out: *mut mdca_progress,
) -> mdca_status {
    boundary::run("mdca_query_progress", || {
        let object = query_arg(query)?;
        check_out(out, "out")?;
        let size = std::ptr::addr_of!((*out).struct_size).read_unaligned();
        let header = std::mem::size_of::<usize>();
        if size < header {
            return Err(Error::invalid_argument(format!(
                "mdca_query_progress: out->struct_size is {size}; set it to sizeof(mdca_progress) first"
            )));
        }
        let filled = mdca_progress::from(&object.progress.progress());
        let n = size.min(std::mem::size_of::<mdca_progress>());
        // Everything after the caller's own struct_size member, up to the size it declared.
        std::ptr::copy_nonoverlapping(
            (&filled as *const mdca_progress as *const u8).add(header),
            (out as *mut u8).add(header),
            n - header,
        );
        Ok(mdca_status::Ok)
    })
}

/// Writes the query's progress as a JSON object into `*json_out` (length in bytes, without the NUL, in
/// `*len_out`): `{"records", "pages", "total" (null until the server reports one; never below
/// "records"), "requests", "retries", "throttle_wait_ms", "duplicates_dropped", "shortfall" (null, or by
/// how many records a completed pull of every match fell short of the total the server announced at its
/// start), "done"}`. New progress fields are added here; the `mdca_progress` struct stays as it is.
///
/// The string is owned by the caller and must be freed with `mdca_string_free`; the outputs are written
/// only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER` or `MDCA_STATUS_INVALID_HANDLE`.
///
/// Thread safety: callable from any thread at any time; never blocks on a running page fetch.
///
/// # Safety
///
/// `json_out` and `len_out` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_query_progress_json(
    query: *const mdca_query,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> mdca_status {
    boundary::run("mdca_query_progress_json", || {
        let object = query_arg(query)?;
        check_out(json_out, "json_out")?;
        check_out(len_out, "len_out")?;
        let text = object.progress.progress().to_json().to_string();
        give_string(text, json_out, len_out)?;
        Ok(mdca_status::Ok)
    })
}

/// Writes the query's checkpoint as a JSON object into `*json_out` (length in bytes, without the NUL, in
/// `*len_out`): the position of the pages already returned by `mdca_query_next_page` (never a page
/// fetched ahead and not yet returned), small (no records). Save it after each page is processed; pass it
/// back as the `"resume"` key of the request JSON of `mdca_query_new`, with the same entity and query, to
/// continue where it stopped. The checkpoint of a completed query, resumed, returns only the records new
/// or changed since (an incremental run, with a look-back of `"lookback_secs"`, default 600).
///
/// The string is owned by the caller and must be freed with `mdca_string_free`; the outputs are written
/// only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`, or
/// `MDCA_STATUS_INVALID_ARGUMENT` when another thread is inside `mdca_query_next_page` on this query (a
/// checkpoint is taken between pages).
///
/// Thread safety: one thread at a time per query, like `mdca_query_next_page`.
///
/// # Safety
///
/// `json_out` and `len_out` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_query_checkpoint(
    query: *const mdca_query,
    json_out: *mut *mut c_char,
    len_out: *mut usize,
) -> mdca_status {
    boundary::run("mdca_query_checkpoint", || {
        let object = query_arg(query)?;
        check_out(json_out, "json_out")?;
        check_out(len_out, "len_out")?;
        let checkpoint = match object.pager.try_lock() {
            Ok(pager) => pager.checkpoint(),
            Err(TryLockError::WouldBlock) => {
                return Err(Error::invalid_argument(
                    "mdca_query_checkpoint: another thread is fetching a page of this query",
                )
                .with_hint("take the checkpoint between pages, from the thread that fetches them"))
            }
            Err(TryLockError::Poisoned(_)) => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    "this query is unusable after an earlier panic inside mdca",
                ))
            }
        };
        let text = serde_json::to_string(&checkpoint)
            .map_err(|e| Error::internal(format!("the checkpoint could not be written: {e}")))?;
        give_string(text, json_out, len_out)?;
        Ok(mdca_status::Ok)
    })
}

/// Cancels the query: a `mdca_query_next_page` running on another thread returns
/// `MDCA_STATUS_CANCELLED` promptly (within moments, not after the request timeout), and so does every
/// later call. Idempotent. The query must still be freed with `mdca_query_free`.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER` or `MDCA_STATUS_INVALID_HANDLE`.
///
/// Thread safety: callable from any thread at any time, including while another thread is inside
/// `mdca_query_next_page` on the same query (that is its purpose: a Ctrl+C watcher). It is not
/// async-signal-safe (no mdca function is): from a signal handler, write to a pipe that a thread of
/// yours reads and calls this (the self-pipe pattern, see docs/c-api.md).
///
/// # Safety
///
/// Any pointer value is accepted (it is never dereferenced).
#[no_mangle]
pub unsafe extern "C" fn mdca_query_cancel(query: *const mdca_query) -> mdca_status {
    boundary::run("mdca_query_cancel", || {
        query_arg(query)?.cancel.cancel();
        Ok(mdca_status::Ok)
    })
}

/// Frees a query. The handle is invalid afterwards; later uses (and a second free) return
/// `MDCA_STATUS_INVALID_HANDLE`. If another thread is inside `mdca_query_next_page` on it, that call is
/// cancelled (it returns `MDCA_STATUS_CANCELLED`) and the memory is released when it returns.
///
/// NULL is accepted and ignored (returns `MDCA_STATUS_OK`, last error untouched), like `free(NULL)`.
///
/// Returns `MDCA_STATUS_OK` or `MDCA_STATUS_INVALID_HANDLE` (already freed, not a query, or foreign).
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// Any pointer value is accepted (it is never dereferenced).
#[no_mangle]
pub unsafe extern "C" fn mdca_query_free(query: *mut mdca_query) -> mdca_status {
    if query.is_null() {
        return mdca_status::Ok;
    }
    boundary::run_in_child_too("mdca_query_free", || {
        let object = handle::remove::<QueryObject>(query as usize, "query")?;
        if boundary::in_forked_child() {
            // Dropping would abort tasks of the parent's runtime, whose threads the child does not have.
            std::mem::forget(object);
            return Ok(mdca_status::Ok);
        }
        object.cancel.cancel();
        drop(object);
        Ok(mdca_status::Ok)
    })
}
