//! The library version, for callers to check which ABI they loaded.

use std::os::raw::c_char;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the mdca library, e.g. `"0.1.0"`: a static NUL-terminated UTF-8 string owned by the
/// library. Never NULL; never free it.
///
/// Thread safety: callable from any thread at any time.
#[no_mangle]
pub extern "C" fn mdca_version() -> *const c_char {
    VERSION.as_ptr() as *const c_char
}
