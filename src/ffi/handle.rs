//! The handle registry. A handle given to C (`mdca_client *`, `mdca_query *`) is not a Rust pointer but
//! an opaque id: `(serial << 4) | tag`, where the serial comes from a counter that never repeats and the
//! tag says the handle's type. The registry maps live ids to `Arc`s of the objects, so a freed,
//! double-freed, wrong-type or foreign handle is a failed lookup reported as `MDCA_STATUS_INVALID_HANDLE`
//! — never a dereference — and an object freed on one thread while another thread is still inside a call
//! on it stays alive until that call returns.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use once_cell::sync::Lazy;

use crate::error::{Error, ErrorKind, Result};
use crate::ffi::strings::null_argument;

/// A live object behind a handle.
pub(crate) enum Entry {
    Client(Arc<crate::ffi::client::ClientObject>),
    Query(Arc<crate::ffi::query::QueryObject>),
}

impl Entry {
    fn type_name(&self) -> &'static str {
        match self {
            Entry::Client(_) => "mdca_client",
            Entry::Query(_) => "mdca_query",
        }
    }
}

/// An object type that C holds by handle.
pub(crate) trait HandleType: Sized {
    /// The low four bits of its handles.
    const TAG: usize;
    /// The C type name, for messages.
    const C_NAME: &'static str;
    fn into_entry(object: Arc<Self>) -> Entry;
    fn from_entry(entry: &Entry) -> Option<Arc<Self>>;
}

const TAG_BITS: u32 = 4;
pub(crate) const CLIENT_TAG: usize = 1;
pub(crate) const QUERY_TAG: usize = 2;
const TAG_MASK: usize = (1 << TAG_BITS) - 1;

/// The next serial; starts at 1 so that no handle is NULL. Never reused: 2^60 handles on 64-bit
/// targets, which no process will exhaust.
static NEXT_SERIAL: AtomicUsize = AtomicUsize::new(1);
static REGISTRY: Lazy<Mutex<HashMap<usize, Entry>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn registry() -> std::sync::MutexGuard<'static, HashMap<usize, Entry>> {
    // Only whole inserts and removes happen under the lock, so a poisoned map is still consistent.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `object` and returns its new handle value.
pub(crate) fn insert<T: HandleType>(object: Arc<T>) -> usize {
    let serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
    let id = (serial << TAG_BITS) | T::TAG;
    registry().insert(id, T::into_entry(object));
    id
}

/// The live object behind `handle`, which must be of type `T`.
pub(crate) fn get<T: HandleType>(handle: usize, arg: &str) -> Result<Arc<T>> {
    if handle == 0 {
        return Err(null_argument(arg));
    }
    let map = registry();
    match map.get(&handle) {
        Some(entry) => T::from_entry(entry).ok_or_else(|| wrong_type::<T>(handle, arg, entry)),
        None => Err(not_live::<T>(handle, arg)),
    }
}

/// Unregisters `handle` (of type `T`) and returns its object; later uses of the handle fail.
pub(crate) fn remove<T: HandleType>(handle: usize, arg: &str) -> Result<Arc<T>> {
    if handle == 0 {
        return Err(null_argument(arg));
    }
    let mut map = registry();
    let object = match map.get(&handle) {
        Some(entry) => T::from_entry(entry).ok_or_else(|| wrong_type::<T>(handle, arg, entry))?,
        None => return Err(not_live::<T>(handle, arg)),
    };
    map.remove(&handle);
    Ok(object)
}

fn wrong_type<T: HandleType>(handle: usize, arg: &str, entry: &Entry) -> Error {
    Error::new(
        ErrorKind::InvalidHandle,
        format!(
            "argument `{arg}` ({handle:#x}) is a live {} handle, but a {} is required",
            entry.type_name(),
            T::C_NAME
        ),
    )
    .with_hint("pass the handle created by the matching *_new function")
}

fn not_live<T: HandleType>(handle: usize, arg: &str) -> Error {
    let known_tag = matches!(handle & TAG_MASK, CLIENT_TAG | QUERY_TAG);
    let issued = known_tag && (handle >> TAG_BITS) < NEXT_SERIAL.load(Ordering::Relaxed);
    let why = if issued {
        "was already freed (use after free or double free)"
    } else {
        "was never returned by this library (a foreign or corrupted pointer)"
    };
    Error::new(
        ErrorKind::InvalidHandle,
        format!("argument `{arg}` ({handle:#x}) is not a live {}: it {why}", T::C_NAME),
    )
    .with_hint("use a handle only between its *_new and its *_free, and free it once")
}
