//! The library version, for callers to check which ABI they loaded.
//!
//! The header carries the version it was generated for (`MDCA_VERSION_MAJOR/MINOR/PATCH`); the loaded
//! library reports its own (`mdca_version_number`). A caller compares the two majors: a different major
//! is a different ABI (Linux: the soname `libmdca.so.<major>`).

use std::os::raw::c_char;

/// The major version of the header: a library with another major has an incompatible ABI.
pub const MDCA_VERSION_MAJOR: u32 = 0;
/// The minor version of the header: a newer library may add functions and struct members.
pub const MDCA_VERSION_MINOR: u32 = 1;
/// The patch version of the header.
pub const MDCA_VERSION_PATCH: u32 = 0;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the mdca library, e.g. `"0.1.0"`: a static NUL-terminated UTF-8 string owned by the
/// library. Never NULL; never free it.
///
/// Thread safety: callable from any thread at any time.
#[no_mangle]
pub extern "C" fn mdca_version() -> *const c_char {
    VERSION.as_ptr() as *const c_char
}

/// The version of the loaded library as one number, `major * 1000000 + minor * 1000 + patch` (0.1.0 is
/// 1000). Compare `mdca_version_number() / 1000000` with `MDCA_VERSION_MAJOR` to check that the library
/// has the ABI your program was built for. Never fails; allocates nothing.
///
/// Thread safety: callable from any thread at any time.
#[no_mangle]
pub extern "C" fn mdca_version_number() -> u32 {
    MDCA_VERSION_MAJOR * 1_000_000 + MDCA_VERSION_MINOR * 1_000 + MDCA_VERSION_PATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_macros_are_the_crate_version() {
        let parts: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split(['.', '-'])
            .take(3)
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(
            parts,
            [MDCA_VERSION_MAJOR, MDCA_VERSION_MINOR, MDCA_VERSION_PATCH]
        );
        assert_eq!(mdca_version_number(), 1000);
    }
}
