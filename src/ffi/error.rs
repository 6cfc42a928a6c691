//! The last error of the calling thread: every failing call records its full detail here, so it can be
//! read right after the call without races between threads (the storage is thread-local).

use std::cell::RefCell;
use std::os::raw::c_char;

use crate::error::Error;
use crate::ffi::boundary;
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string};

struct LastError {
    code: i32,
    json: String,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// Records `error` as this thread's last error, replacing the previous one.
pub(crate) fn set_last_error(error: &Error) {
    let json = error.to_json().to_string();
    // try_with: during thread teardown the slot is gone; the caller still gets the status.
    let _ = LAST_ERROR.try_with(|l| {
        *l.borrow_mut() = Some(LastError {
            code: error.code(),
            json,
        })
    });
}

/// This thread's last error as JSON, if any call on it has failed.
pub(crate) fn last_error_json() -> Option<String> {
    LAST_ERROR
        .try_with(|l| l.borrow().as_ref().map(|e| e.json.clone()))
        .ok()
        .flatten()
}

/// Writes the full detail of the last failing call made on the calling thread as a UTF-8 JSON object:
/// `{"code": <int>, "kind": "<snake_case name>", "message": "<what happened and why>",
/// "http_status": <int or null>, "detail": "<server detail>" or null, "correlation_id": "<id>" or null,
/// "hint": "<what to do>" or null}`. When no call on this thread has failed yet, writes `null`.
///
/// Every failing call (any status other than `MDCA_STATUS_OK` and `MDCA_STATUS_DONE`) replaces the last
/// error, including failures of the ABI itself (NULL pointer, invalid UTF-8, invalid JSON, invalid
/// handle, panic); successful calls leave it alone, like `errno`. Reading it does not clear it. Each
/// thread has its own: an error on one thread is never visible on another.
///
/// On success `*out_json` receives a NUL-terminated string owned by the caller, to be freed with
/// `mdca_string_free`, and `*out_len` its length in bytes without the NUL. Both outputs are written only
/// on success.
///
/// Returns `MDCA_STATUS_OK`, or `MDCA_STATUS_NULL_POINTER` if an output pointer is NULL (which itself
/// replaces the last error).
///
/// Thread safety: callable from any thread; reports that thread's last error.
///
/// # Safety
///
/// `out_json` and `out_len` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_last_error(
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run_in_child_too("mdca_last_error", || {
        check_out(out_json, "out_json")?;
        check_out(out_len, "out_len")?;
        let json = last_error_json().unwrap_or_else(|| "null".to_string());
        give_string(json, out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// The status code of the last failing call made on the calling thread (the `code` of
/// `mdca_last_error`), or 0 if no call on this thread has failed yet. Never fails, allocates nothing.
///
/// Thread safety: callable from any thread; reports that thread's last error.
#[no_mangle]
pub extern "C" fn mdca_last_error_code() -> i32 {
    // try_with: a C thread may call this while its thread-locals are being torn down.
    LAST_ERROR
        .try_with(|l| l.borrow().as_ref().map_or(0, |e| e.code))
        .unwrap_or(0)
}
