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

/// A live object behind a handle: its type tag and its `Arc` pointer (from `Arc::into_raw`) stored
/// bit-inverted. The inversion keeps leak checkers (valgrind, LeakSanitizer) from seeing the registry as
/// a reference to the object, so a handle the caller never frees is reported as a leak of the caller's,
/// exactly as if the object were a plain `malloc` block.
struct Entry {
    tag: usize,
    hidden: usize,
}

fn type_name(tag: usize) -> &'static str {
    match tag {
        CLIENT_TAG => "mdca_client",
        QUERY_TAG => "mdca_query",
        _ => "unknown",
    }
}

/// An object type that C holds by handle.
pub(crate) trait HandleType: Sized {
    /// The low four bits of its handles.
    const TAG: usize;
    /// The C type name, for messages.
    const C_NAME: &'static str;
}

const TAG_BITS: u32 = 4;
pub(crate) const CLIENT_TAG: usize = 1;
pub(crate) const QUERY_TAG: usize = 2;
const TAG_MASK: usize = (1 << TAG_BITS) - 1;

/// The next serial; starts at 1 so that no handle is NULL. Never reused: 2^60 handles on 64-bit
/// targets, which no process will exhaust.
static NEXT_SERIAL: AtomicUsize = AtomicUsize::new(1);
static REGISTRY: Lazy<Mutex<HashMap<usize, Entry>>> = Lazy::new(|| Mutex::new(HashMap::new()));

fn hide<T>(object: Arc<T>) -> usize {
    !(Arc::into_raw(object).expose_provenance())
}

/// A new strong reference to the object of a registered entry.
///
/// # Safety
/// `hidden` must come from `hide::<T>` and the entry must still be registered (it holds one count).
unsafe fn reveal_clone<T>(hidden: usize) -> Arc<T> {
    let ptr = std::ptr::with_exposed_provenance::<T>(!hidden);
    Arc::increment_strong_count(ptr);
    Arc::from_raw(ptr)
}

fn registry() -> std::sync::MutexGuard<'static, HashMap<usize, Entry>> {
    // Only whole inserts and removes happen under the lock, so a poisoned map is still consistent.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers `object` and returns its new handle value.
pub(crate) fn insert<T: HandleType>(object: Arc<T>) -> usize {
    let serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
    let id = (serial << TAG_BITS) | T::TAG;
    registry().insert(
        id,
        Entry {
            tag: T::TAG,
            hidden: hide(object),
        },
    );
    id
}

/// The live object behind `handle`, which must be of type `T`.
pub(crate) fn get<T: HandleType>(handle: usize, arg: &str) -> Result<Arc<T>> {
    if handle == 0 {
        return Err(null_argument(arg));
    }
    let map = registry();
    match map.get(&handle) {
        // SAFETY: the entry is registered under the lock we hold, so its count keeps the object alive
        // while we take another.
        Some(entry) if entry.tag == T::TAG => Ok(unsafe { reveal_clone::<T>(entry.hidden) }),
        Some(entry) => Err(wrong_type::<T>(handle, arg, entry)),
        None => Err(not_live::<T>(handle, arg)),
    }
}

/// Unregisters `handle` (of type `T`) and returns its object; later uses of the handle fail.
pub(crate) fn remove<T: HandleType>(handle: usize, arg: &str) -> Result<Arc<T>> {
    if handle == 0 {
        return Err(null_argument(arg));
    }
    let mut map = registry();
    match map.get(&handle) {
        Some(entry) if entry.tag == T::TAG => {}
        Some(entry) => return Err(wrong_type::<T>(handle, arg, entry)),
        None => return Err(not_live::<T>(handle, arg)),
    }
    let entry = map
        .remove(&handle)
        .expect("the entry was just found under the same lock");
    // SAFETY: the entry came from `hide::<T>` (its tag says T) and is now unregistered, so the count it
    // held is taken over exactly once, here.
    Ok(unsafe { Arc::from_raw(std::ptr::with_exposed_provenance::<T>(!entry.hidden)) })
}

fn wrong_type<T: HandleType>(handle: usize, arg: &str, entry: &Entry) -> Error {
    Error::new(
        ErrorKind::InvalidHandle,
        format!(
            "argument `{arg}` ({handle:#x}) is a live {} handle, but a {} is required",
            type_name(entry.tag),
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
        format!(
            "argument `{arg}` ({handle:#x}) is not a live {}: it {why}",
            T::C_NAME
        ),
    )
    .with_hint("use a handle only between its *_new and its *_free, and free it once")
}
