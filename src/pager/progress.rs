//! A pull's progress, readable from any thread, and its cancellation handle.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::cancel::CancelToken;
use crate::http::CallMeta;

/// A snapshot of a pull's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Records returned to the caller so far.
    pub records: u64,
    /// Pages returned to the caller so far.
    pub pages: u64,
    /// The server's latest `total` (approximate; never used to decide when to stop), raised to `records`
    /// when the server announced fewer, so that `records / total` never passes 100 %.
    pub total: Option<u64>,
    /// List requests completed (a retried request counts once).
    pub requests: u64,
    /// Extra attempts spent on retries.
    pub retries: u64,
    /// Time spent waiting for the tenant's throttle.
    pub throttle_wait: Duration,
    /// Records dropped because an earlier page already returned them.
    pub duplicates_dropped: u64,
    /// Set when a completed pull of every match returned fewer records than the server announced at its
    /// start (its first `total`): by how many. Records that left the result set during the pull, or an
    /// approximate `total`, explain a small one; the caller is told rather than left to guess.
    pub shortfall: Option<u64>,
    /// The pull has reached its end.
    pub done: bool,
}

impl Progress {
    /// Every field as JSON (the C ABI's `mdca_query_progress_json`): `records`, `pages`, `total` (null when
    /// unknown), `requests`, `retries`, `throttle_wait_ms`, `duplicates_dropped`, `shortfall` (null when
    /// none), `done`.
    pub fn to_json(&self) -> Value {
        json!({
            "records": self.records,
            "pages": self.pages,
            "total": self.total,
            "requests": self.requests,
            "retries": self.retries,
            "throttle_wait_ms": u64::try_from(self.throttle_wait.as_millis()).unwrap_or(u64::MAX),
            "duplicates_dropped": self.duplicates_dropped,
            "shortfall": self.shortfall,
            "done": self.done,
        })
    }
}

const NONE: u64 = u64::MAX;

pub(super) struct Counters {
    pub(super) records: AtomicU64,
    pub(super) pages: AtomicU64,
    pub(super) total: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) throttle_wait_ns: AtomicU64,
    pub(super) duplicates_dropped: AtomicU64,
    pub(super) shortfall: AtomicU64,
    pub(super) done: AtomicBool,
}

impl Counters {
    pub(super) fn new() -> Counters {
        Counters {
            records: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            total: AtomicU64::new(NONE),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttle_wait_ns: AtomicU64::new(0),
            duplicates_dropped: AtomicU64::new(0),
            shortfall: AtomicU64::new(NONE),
            done: AtomicBool::new(false),
        }
    }

    pub(super) fn snapshot(&self) -> Progress {
        let records = self.records.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        let shortfall = self.shortfall.load(Ordering::Relaxed);
        Progress {
            records,
            pages: self.pages.load(Ordering::Relaxed),
            total: (total != NONE).then_some(total.max(records)),
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttle_wait: Duration::from_nanos(self.throttle_wait_ns.load(Ordering::Relaxed)),
            duplicates_dropped: self.duplicates_dropped.load(Ordering::Relaxed),
            shortfall: (shortfall != NONE).then_some(shortfall),
            done: self.done.load(Ordering::Relaxed),
        }
    }

    pub(super) fn set_total(&self, total: u64) {
        self.total.store(total.min(NONE - 1), Ordering::Relaxed);
    }

    pub(super) fn set_shortfall(&self, n: u64) {
        self.shortfall.store(n.min(NONE - 1), Ordering::Relaxed);
    }

    pub(super) fn count_request(&self, meta: &CallMeta) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.retries.fetch_add(
            u64::from(meta.attempts.saturating_sub(1)),
            Ordering::Relaxed,
        );
        let wait = u64::try_from(meta.throttle_wait.as_nanos()).unwrap_or(u64::MAX);
        self.throttle_wait_ns.fetch_add(wait, Ordering::Relaxed);
    }
}

/// Reads a pager's progress from any thread, while another one drives the pull.
#[derive(Clone)]
pub struct ProgressHandle {
    pub(super) counters: Arc<Counters>,
}

impl ProgressHandle {
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }
}

impl std::fmt::Debug for ProgressHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.progress().fmt(f)
    }
}

/// Cancels a pull from any thread: the pager's current or next `next_page` returns
/// [`crate::ErrorKind::Cancelled`], and any request in flight is abandoned.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    pub(super) token: CancelToken,
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_never_makes_a_percentage_pass_100() {
        let counters = Counters::new();
        counters.set_total(90);
        counters.records.store(120, Ordering::Relaxed);
        assert_eq!(counters.snapshot().total, Some(120));
        assert_eq!(Counters::new().snapshot().total, None);
    }

    #[test]
    fn progress_json_carries_every_field() {
        let p = Progress {
            records: 3,
            shortfall: Some(2),
            throttle_wait: Duration::from_millis(1500),
            ..Progress::default()
        };
        let json = p.to_json();
        assert_eq!(json["shortfall"], 2);
        assert_eq!(json["throttle_wait_ms"], 1500);
        assert!(json["total"].is_null());
        assert_eq!(json.as_object().unwrap().len(), 9);
    }
}
