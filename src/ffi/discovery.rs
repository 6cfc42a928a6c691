//! Cloud Discovery on a client: log upload with a progress callback, streams, categories, block scripts.
//!
//! Every function checks all its arguments (NULLs, UTF-8, JSON, handle, the log source) before sending
//! anything. They are one-shot calls: `mdca_client_cancel` stops them (an upload stops between or in
//! the middle of a block, and nothing is committed).

use std::os::raw::{c_char, c_void};

use crate::discovery::{Appliance, LogUpload};
use crate::error::{Error, Result};
use crate::ffi::boundary;
use crate::ffi::client::client_arg;
use crate::ffi::client::mdca_client;
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string, parse_json, read_str};

/// Called as an upload progresses with the bytes sent so far and the file's total; `sent` never goes
/// back and the last call has `sent == total`. Runs on the thread that called
/// `mdca_client_discovery_upload`, inside that call; it must not call back into the same client's
/// upload. `user_data` is the pointer given to the upload, passed through untouched.
pub type mdca_upload_progress_fn =
    Option<unsafe extern "C" fn(sent: u64, total: u64, user_data: *mut c_void)>;

/// The caller's progress pointer, handed to the upload (which runs on the calling thread).
struct CallerProgress {
    callback: unsafe extern "C" fn(u64, u64, *mut c_void),
    user_data: *mut c_void,
}

// The callback runs on the calling thread (the runtime's `block_on` polls the upload there); the
// pointer is only carried, never dereferenced by the library.
unsafe impl Send for CallerProgress {}
unsafe impl Sync for CallerProgress {}

fn check_string_out(out: *mut *mut c_char, out_len: *mut usize, name: &str) -> Result<()> {
    check_out(out, name)?;
    check_out(out_len, "out_len")
}

/// Uploads the log file at `path` (UTF-8) for Cloud Discovery (api.md §11): initiate, send the file
/// to the returned storage URL (one PUT below 64 MiB, 16 MiB blocks above, streamed from disk, a
/// failed block retried), then `done_upload`. `upload_json` is `{"source": "PALO_ALTO_SYSLOG",
/// "stream_name": "Perimeter firewall", "snapshot": false, "force_source": false, "file_name"?:
/// "…", "block_size"?: bytes}`; a `source` that is not a documented log format is refused with
/// `MDCA_STATUS_INVALID_ARGUMENT` (the hint lists them) unless `force_source`. `progress` (may be NULL)
/// is called with bytes sent and total, see `mdca_upload_progress_fn`.
///
/// On success `*out_json`/`*out_len` receive `{"bytes", "blocks", "retries", "file_name", "source",
/// "response"}` as UTF-8 JSON, owned by the caller and freed with `mdca_string_free`; written only on
/// success. The storage URL's signature never appears in errors.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` (unknown
/// source, empty stream name, unreadable file); `MDCA_STATUS_CANCELLED` after `mdca_client_cancel`;
/// server, storage and transport statuses such as `MDCA_STATUS_BAD_REQUEST` or
/// `MDCA_STATUS_SERVER_ERROR`.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `path` and `upload_json` must be NULL or NUL-terminated strings; `progress` must be NULL or a function
/// safe to call with `user_data` for the duration of the call; `out_json` and `out_len` must be NULL
/// or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_discovery_upload(
    client: *const mdca_client,
    path: *const c_char,
    upload_json: *const c_char,
    progress: mdca_upload_progress_fn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_discovery_upload", || {
        let client = client_arg(client)?;
        let path = read_str(path, "path")?;
        let text = read_str(upload_json, "upload_json")?;
        check_string_out(out_json, out_len, "out_json")?;
        let upload: LogUpload = parse_json(
            text,
            "upload_json",
            "an upload object {\"source\", \"stream_name\", \"snapshot\"?, \"force_source\"?}",
        )?;
        let caller = progress.map(|callback| CallerProgress {
            callback,
            user_data,
        });
        let report = |sent: u64, total: u64| {
            if let Some(c) = &caller {
                // SAFETY: the caller guarantees the callback is callable with its user_data.
                unsafe { (c.callback)(sent, total, c.user_data) }
            }
        };
        let outcome = client.block_on(client.client.upload_log(
            std::path::Path::new(path),
            &upload,
            Some(&report),
            &crate::cancel::CancelToken::new(),
        ))?;
        let json = serde_json::to_string(&outcome)
            .map_err(|e| Error::internal(format!("cannot write the upload outcome: {e}")))?;
        give_string(json, out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Lists the tenant's Cloud Discovery continuous reports (streams).
///
/// On success `*out_json`/`*out_len` receive a JSON array of stream objects (`_id`, `displayName`,
/// `logType`, …), owned by the caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_CANCELLED`, or a server/transport status.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `out_json` and `out_len` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_discovery_streams(
    client: *const mdca_client,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_discovery_streams", || {
        let client = client_arg(client)?;
        check_string_out(out_json, out_len, "out_json")?;
        let streams = client.block_on(client.client.discovery_streams())?;
        give_string(
            serde_json::Value::Array(streams).to_string(),
            out_json,
            out_len,
        )?;
        Ok(mdca_status::Ok)
    })
}

/// Lists the app categories of the report `stream_id` (a stream's `_id`), every page, most apps first.
/// `time_frame_days` narrows the period; 0 leaves the service's default (90 days).
///
/// On success `*out_json`/`*out_len` receive a JSON array of `{"id": "SAASDB_CATEGORY_…", "total": N}`,
/// owned by the caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_ARGUMENT` (empty id), `MDCA_STATUS_NOT_FOUND`
/// (unknown stream), `MDCA_STATUS_CANCELLED`, or a server/transport status.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `stream_id` must be NULL or a NUL-terminated string; `out_json` and `out_len` must be NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_discovery_categories(
    client: *const mdca_client,
    stream_id: *const c_char,
    time_frame_days: u32,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_discovery_categories", || {
        let client = client_arg(client)?;
        let stream_id = read_str(stream_id, "stream_id")?;
        check_string_out(out_json, out_len, "out_json")?;
        let days = (time_frame_days > 0).then_some(time_frame_days);
        let rows = client.block_on(client.client.discovery_categories(stream_id, days))?;
        give_string(
            serde_json::Value::Array(rows).to_string(),
            out_json,
            out_len,
        )?;
        Ok(mdca_status::Ok)
    })
}

/// The block script for an appliance: `appliance` is a name (`"bluecoat"`, `"cisco-asa"`,
/// `"fortigate"`, `"juniper-srx"`, `"palo-alto"`, `"websense"`, `"zscaler"`; case, `-` and `_`
/// ignored) or its format code (`"112"`).
///
/// On success `*out_text`/`*out_len` receive the script as UTF-8 text (one rule per line), owned by the
/// caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_ARGUMENT` (unknown appliance; the hint lists them),
/// `MDCA_STATUS_CANCELLED`, or a server/transport status.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `appliance` must be NULL or a NUL-terminated string; `out_text` and `out_len` must be NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_discovery_block_script(
    client: *const mdca_client,
    appliance: *const c_char,
    out_text: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_discovery_block_script", || {
        let client = client_arg(client)?;
        let appliance = Appliance::parse(read_str(appliance, "appliance")?)?;
        check_string_out(out_text, out_len, "out_text")?;
        let text = client.block_on(client.client.block_script(appliance))?;
        give_string(text, out_text, out_len)?;
        Ok(mdca_status::Ok)
    })
}
