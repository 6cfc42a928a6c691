//! The one shared tokio runtime used by blocking callers (the C ABI, CLI helpers).
//!
//! The library itself is async; blocking front ends `block_on` this runtime instead of each creating
//! their own, so connection pools, the token cache and the per-tenant pacing are shared process-wide.

use once_cell::sync::OnceCell;
use tokio::runtime::Runtime;

use crate::error::{Error, Result};

static RUNTIME: OnceCell<Runtime> = OnceCell::new();

/// The shared multi-thread runtime, created on first use. Two workers are plenty: the work is waiting
/// on the network and on the throttle, not computing.
pub fn try_runtime() -> Result<&'static Runtime> {
    RUNTIME.get_or_try_init(|| {
        // Its threads outlive every call: the library must stay mapped as long as they run.
        crate::pin::pin_library();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mdca-worker")
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("could not start the mdca runtime: {e}")))
    })
}

/// The shared runtime. Panics only if the operating system refuses to start its two threads
/// (the C ABI's panic boundary reports that as `Panic`); use [`try_runtime`] to handle it.
pub fn runtime() -> &'static Runtime {
    match try_runtime() {
        Ok(rt) => rt,
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_runtime_is_created_once_and_runs_work() {
        let a = super::runtime() as *const _;
        let b = super::runtime() as *const _;
        assert_eq!(a, b);
        assert_eq!(super::runtime().block_on(async { 40 + 2 }), 42);
    }
}
