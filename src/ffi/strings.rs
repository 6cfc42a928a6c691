//! Strings across the boundary: reading the caller's (NULL, UTF-8 and JSON checks) and handing out ours.
//!
//! Every string the library returns is recorded in a table of live strings until `mdca_string_free`,
//! so freeing one twice, freeing a pointer the library never returned, or freeing a pointer from
//! `malloc` is detected and reported instead of corrupting the heap.

use std::collections::HashMap;
use std::ffi::CStr;
use std::os::raw::c_char;
use std::sync::{Mutex, PoisonError};

use once_cell::sync::Lazy;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::{Error, ErrorKind, Result};
use crate::ffi::boundary;
use crate::ffi::status::mdca_status;

/// Live returned strings: bit-inverted address → allocation length including the NUL. The inversion keeps
/// leak checkers (valgrind, LeakSanitizer) from counting the table as a reference, so a string the caller
/// never frees is reported as the caller's leak rather than hidden as "still reachable".
static LIVE: Lazy<Mutex<HashMap<usize, usize>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn live() -> std::sync::MutexGuard<'static, HashMap<usize, usize>> {
    // The table is only ever inserted into or removed from; a panic elsewhere cannot leave it torn.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `NullPointer` unless `ptr` is non-NULL; used for input handles and output pointers, checked before any
/// work so that a bad call never sends a request.
pub(crate) fn check_out<T>(ptr: *mut T, name: &str) -> Result<()> {
    if ptr.is_null() {
        Err(null_argument(name))
    } else {
        Ok(())
    }
}

pub(crate) fn null_argument(name: &str) -> Error {
    Error::new(ErrorKind::NullPointer, format!("argument `{name}` is NULL"))
        .with_hint("pass a valid pointer; only the free functions accept NULL")
}

/// Borrows a required NUL-terminated UTF-8 argument.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn read_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    let bytes = CStr::from_ptr(ptr).to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!(
                "argument `{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
        .with_hint("encode strings as UTF-8 (in C#, marshal with UnmanagedType.LPUTF8Str)")
    })
}

/// Borrows an optional NUL-terminated UTF-8 argument (NULL means absent).
///
/// # Safety
/// As [`read_str`].
pub(crate) unsafe fn read_opt_str<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        read_str(ptr, name).map(Some)
    }
}

/// `InvalidJson` unless `text` is one well-formed JSON document.
pub(crate) fn check_json(text: &str, name: &str) -> Result<()> {
    serde_json::from_str::<IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidJson,
                format!("argument `{name}` is not valid JSON: {e}"),
            )
        })
}

/// Parses a JSON argument into `T`: malformed JSON is `InvalidJson`, well-formed JSON of the wrong shape is
/// `InvalidArgument` (serde's message names the field and what it expected).
pub(crate) fn parse_json<T: DeserializeOwned>(text: &str, name: &str, expected: &str) -> Result<T> {
    check_json(text, name)?;
    serde_json::from_str(text).map_err(|e| {
        Error::invalid_argument(format!("argument `{name}` is not {expected}: {e}"))
            .with_hint("see docs/c-api.md for the JSON each function accepts")
    })
}

/// Hands `text` to the caller as a NUL-terminated string tracked until `mdca_string_free`, writing the
/// pointer and the byte length (without the NUL). The caller has already checked both outputs.
///
/// # Safety
/// `out` and `out_len` must be valid for writes (checked non-NULL by the caller).
pub(crate) unsafe fn give_string(
    text: String,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Result<()> {
    let len = text.len();
    let mut bytes = text.into_bytes();
    // Exactly one more byte: `push` on a full vector would double its capacity (a 14 MB page would
    // briefly take 28 MB) and `into_boxed_slice` would then shrink it again with a second copy.
    bytes.reserve_exact(1);
    bytes.push(0);
    let alloc_len = bytes.len();
    let ptr = Box::into_raw(bytes.into_boxed_slice()) as *mut u8;
    live().insert(!ptr.expose_provenance(), alloc_len);
    *out = ptr as *mut c_char;
    *out_len = len;
    Ok(())
}

/// Frees a string returned by this library (JSON pages, records, ids, the last error). This is the only
/// way to free them: never pass them to `free()`, and never pass this function a pointer the library did
/// not return.
///
/// NULL is accepted and ignored (returns `MDCA_STATUS_OK` without touching the last error), like
/// `free(NULL)`, so cleanup code can run before `mdca_last_error` is read.
///
/// Returns `MDCA_STATUS_OK`, or `MDCA_STATUS_INVALID_HANDLE` if `s` is not a live string returned by this
/// library: already freed (double free), never returned by it (a `malloc`ed or static string), or a
/// pointer into the middle of one. Such a pointer is never dereferenced or freed. (A double free is
/// detected as long as the allocator has not reused the address for a newer string.)
///
/// Thread safety: callable from any thread; a string may be freed on a thread other than the one that
/// received it.
///
/// # Safety
///
/// Any pointer value is accepted; after a successful call `s` must no longer be used.
#[no_mangle]
pub unsafe extern "C" fn mdca_string_free(s: *mut c_char) -> mdca_status {
    if s.is_null() {
        return mdca_status::Ok;
    }
    boundary::run_in_child_too("mdca_string_free", || {
        let Some(alloc_len) = live().remove(&!(s as usize)) else {
            return Err(Error::new(
                ErrorKind::InvalidHandle,
                format!(
                    "mdca_string_free: {s:p} is not a live string returned by mdca (already freed, or \
                     not allocated by this library); it was left untouched"
                ),
            )
            .with_hint("free each string returned by mdca exactly once, and nothing else"));
        };
        // SAFETY: the table holds exactly the (address, length) pairs produced by Box::into_raw in
        // give_string, and the entry was just removed, so this is the one and only reconstruction.
        let bytes = Box::from_raw(std::ptr::slice_from_raw_parts_mut(s as *mut u8, alloc_len));
        // A page's buffer may serve the next page (see crate::records); anything else is freed here.
        crate::records::recycle(bytes.into_vec());
        Ok(mdca_status::Ok)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_string_is_freed_once_and_a_second_free_is_reported() {
        let mut out: *mut c_char = std::ptr::null_mut();
        let mut len = 0usize;
        unsafe {
            give_string("[1,2]".to_string(), &mut out, &mut len).unwrap();
            assert_eq!(len, 5);
            assert_eq!(CStr::from_ptr(out).to_str().unwrap(), "[1,2]");
            assert_eq!(mdca_string_free(out), mdca_status::Ok);
            assert_eq!(mdca_string_free(out), mdca_status::InvalidHandle);
        }
    }

    #[test]
    fn a_foreign_pointer_is_reported_and_left_untouched() {
        let mut local = *b"not ours\0";
        let status = unsafe { mdca_string_free(local.as_mut_ptr() as *mut c_char) };
        assert_eq!(status, mdca_status::InvalidHandle);
        assert_eq!(&local, b"not ours\0");
    }

    #[test]
    fn malformed_json_and_wrong_shapes_are_told_apart() {
        let e = parse_json::<Vec<u32>>("[1,", "x", "a list").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidJson);
        let e = parse_json::<Vec<u32>>("{}", "x", "a list").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    }
}
