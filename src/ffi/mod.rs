//! The C ABI of mdca (`include/mdca.h`, generated from this module by `build.rs` with cbindgen).
//!
//! The ABI is small and passes JSON (UTF-8) for options, requests and records, so it stays stable while
//! the API grows. It is designed for callers that misuse it — PowerShell and C# scripts pass NULLs, reuse
//! disposed handles and call from several threads — so every misuse is reported as a status, never
//! undefined behaviour:
//!
//! - every exported function returns an [`mdca_status`] (except `mdca_version` and
//!   `mdca_last_error_code`), whose numbers are the library's [`ErrorKind`](crate::error::ErrorKind) codes;
//!   the full error detail of the last failing call on the calling thread is `mdca_last_error`;
//! - handles are opaque ids looked up in a registry ([`handle`]), never Rust pointers, so freed,
//!   double-freed, foreign and wrong-type handles are detected;
//! - every string the library returns is tracked ([`strings`]) and freed with `mdca_string_free`;
//! - every body runs inside a panic boundary ([`boundary`]) and every pointer is checked;
//! - outputs are written only on success.
//!
//! One file per area: [`status`], [`handle`], [`boundary`], [`strings`], [`error`] (last error),
//! [`client`], [`device_code`], [`query`], [`actions`], [`discovery`], [`version`], and [`params`] (the
//! PowerShell module's parameter mapping). `docs/c-api.md` is the guide.

#![allow(non_camel_case_types)]

pub mod actions;
pub mod boundary;
pub mod client;
pub mod device_code;
pub mod discovery;
pub mod error;
pub mod handle;
pub mod params;
pub mod query;
pub mod status;
pub mod strings;
pub mod version;

pub use actions::*;
pub use client::*;
pub use device_code::*;
pub use discovery::*;
pub use error::*;
pub use params::*;
pub use query::*;
pub use status::mdca_status;
pub use strings::mdca_string_free;
pub use version::{mdca_version, mdca_version_number};
