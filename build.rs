//! Generates the C header `include/mdca.h` from `src/ffi/` with cbindgen.
//!
//! The header is committed. A normal build rewrites it only when its content changes; a build with
//! `MDCA_CHECK_HEADER=1` (or `CI=true`) never writes it and fails if the committed header differs from a
//! fresh generation, so CI catches a header someone forgot to regenerate and commit.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let ffi_dir = crate_dir.join("src").join("ffi");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=include/mdca.h");
    println!("cargo:rerun-if-env-changed=MDCA_CHECK_HEADER");
    println!("cargo:rerun-if-env-changed=CI");

    // The soname names the ABI's major version, so a program linked against libmdca.so.0 never loads an
    // incompatible libmdca.so.1 (src/ffi/version.rs). Install as libmdca.so.0 with a libmdca.so link.
    if env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        let major =
            env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmdca.so.{major}");
    }

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    // Only the ffi module is parsed (cbindgen follows its `mod` declarations): it is the whole C surface,
    // and the rest of the crate is none of the header's business.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(ffi_dir.join("mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen could not generate the C header: {e}"));

    let header = crate_dir.join("include").join("mdca.h");
    let check_only = env::var("MDCA_CHECK_HEADER").is_ok_and(|v| v == "1")
        || env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if check_only {
        let mut fresh = Vec::new();
        bindings.write(&mut fresh);
        let committed = fs::read(&header).unwrap_or_default();
        if committed != fresh {
            panic!(
                "include/mdca.h is stale: it differs from the header generated from src/ffi/. Run \
                 `cargo build -p mdca` without MDCA_CHECK_HEADER/CI set and commit include/mdca.h."
            );
        }
    } else {
        // write_to_file leaves the file (and its mtime) alone when the content is unchanged.
        bindings.write_to_file(&header);
    }
}
