//! Per-tenant pacing shared by every client of one tenant in the process.
//!
//! The server allows 30 requests per minute per tenant (api.md §4.3, §12) and may count them in a sliding
//! window. A token bucket with burst N can let 2N requests through within one window (a full bucket
//! followed by a refill), so this is a sliding-window log: a send is allowed only when fewer than N
//! sends happened in the last `per` (plus a small safety margin for clock and network skew). A long pull
//! therefore runs at the ceiling without ever tripping a 429. When a 429 comes anyway (another process
//! shares the tenant), its pause blocks every client of the tenant.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use once_cell::sync::Lazy;
use tokio::time::Instant;

use crate::cancel::CancelToken;
use crate::config::RateLimit;
use crate::error::Result;

/// Live limiters keyed by tenant (`ApiBase::tenant_key`). Weak, so a tenant's history goes away with
/// its last client.
static REGISTRY: Lazy<Mutex<HashMap<String, Weak<TenantLimiter>>>> =
    Lazy::new(|| Mutex::new(HashMap::new()));

/// The pacing state of one tenant.
#[derive(Debug)]
pub(crate) struct TenantLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    limit: RateLimit,
    /// Send times within the current window, oldest first.
    sends: VecDeque<Instant>,
    /// No send before this instant (after a 429).
    paused_until: Option<Instant>,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state stays consistent even if a holder panicked: every update is a single assignment.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    /// When the next send may go, or `None` if it may go now.
    fn blocked_until(&mut self, now: Instant) -> Option<Instant> {
        if let Some(until) = self.paused_until {
            if until > now {
                return Some(until);
            }
            self.paused_until = None;
        }
        let n = self.limit.requests as usize;
        if n == 0 {
            return None;
        }
        let window = self.limit.per + TenantLimiter::margin(self.limit.per);
        while self
            .sends
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= window)
        {
            self.sends.pop_front();
        }
        if self.sends.len() < n {
            None
        } else {
            // The oldest send that keeps the log at N must leave the window first.
            Some(self.sends[self.sends.len() - n] + window)
        }
    }
}

impl TenantLimiter {
    /// The shared limiter of `tenant_key`, created on first use. A client created with a different
    /// `limit` for the same tenant updates it: the latest configuration wins.
    pub(crate) fn for_tenant(tenant_key: &str, limit: RateLimit) -> Arc<TenantLimiter> {
        let mut reg = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
        reg.retain(|_, w| w.strong_count() > 0);
        if let Some(existing) = reg.get(tenant_key).and_then(Weak::upgrade) {
            let mut st = lock(&existing.state);
            if st.limit != limit {
                st.limit = limit;
            }
            drop(st);
            return existing;
        }
        let limiter = Arc::new(TenantLimiter::new(limit));
        reg.insert(tenant_key.to_string(), Arc::downgrade(&limiter));
        limiter
    }

    /// A limiter of its own, not shared through the registry.
    pub(crate) fn new(limit: RateLimit) -> TenantLimiter {
        TenantLimiter {
            state: Mutex::new(State {
                limit,
                sends: VecDeque::new(),
                paused_until: None,
            }),
        }
    }

    /// The margin added to the window so that arrival jitter at the server cannot squeeze N+1 requests
    /// into its window: 2% of the window, at least 50 ms (a busy machine delays a send that much).
    fn margin(per: Duration) -> Duration {
        (per / 50).max(Duration::from_millis(50))
    }

    /// Waits until a send is allowed, records it, and returns how long it waited. Cancellation ends the
    /// wait with `Cancelled`, recording nothing.
    pub(crate) async fn acquire(&self, cancel: &CancelToken) -> Result<Duration> {
        let start = Instant::now();
        loop {
            cancel.check()?;
            let wake_at = {
                let mut st = lock(&self.state);
                let now = Instant::now();
                let blocked = st.blocked_until(now);
                if blocked.is_none() && st.limit.requests > 0 {
                    st.sends.push_back(now);
                }
                blocked
            };
            match wake_at {
                None => return Ok(start.elapsed()),
                Some(at) => {
                    tokio::select! {
                        biased;
                        _ = cancel.cancelled() => return Err(crate::error::Error::cancelled()),
                        _ = tokio::time::sleep_until(at) => {}
                    }
                }
            }
        }
    }

    /// Blocks every send of the tenant for `wait` from now (a 429's Retry-After or backoff).
    pub(crate) fn pause(&self, wait: Duration) {
        let mut st = lock(&self.state);
        let until = Instant::now() + wait;
        if st.paused_until.is_none_or(|p| p < until) {
            st.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: u32, per_ms: u64) -> RateLimit {
        RateLimit {
            requests,
            per: Duration::from_millis(per_ms),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_of_per_ever_holds_more_than_n_sends() {
        let l = TenantLimiter::new(limit(5, 1000));
        let c = CancelToken::new();
        let mut times = Vec::new();
        for _ in 0..23 {
            l.acquire(&c).await.unwrap();
            times.push(Instant::now());
        }
        for (i, &t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|&&u| u - t <= Duration::from_millis(1000))
                .count();
            assert!(
                in_window <= 5,
                "{in_window} sends within 1 s starting at send {i}"
            );
        }
        // And it runs at the ceiling: 23 sends = 4 full windows of waiting plus the first burst.
        let elapsed = times[22] - times[0];
        assert!(elapsed >= Duration::from_millis(4000), "{elapsed:?}");
        assert!(
            elapsed <= Duration::from_millis(4000 + 4 * 50 + 50),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_blocks_the_whole_tenant() {
        let key = "http://127.0.0.1:1/limiter-pause-test/";
        let a = TenantLimiter::for_tenant(key, limit(100, 1000));
        let b = TenantLimiter::for_tenant(key, limit(100, 1000));
        assert!(Arc::ptr_eq(&a, &b));
        a.pause(Duration::from_secs(3));
        let waited = b.acquire(&CancelToken::new()).await.unwrap();
        assert!(waited >= Duration::from_secs(3), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn zero_requests_disables_pacing() {
        let l = TenantLimiter::new(RateLimit::disabled());
        let c = CancelToken::new();
        for _ in 0..1000 {
            assert_eq!(l.acquire(&c).await.unwrap(), Duration::ZERO);
        }
    }

    #[tokio::test]
    async fn cancellation_interrupts_the_wait() {
        let l = TenantLimiter::new(limit(1, 60_000));
        let c = CancelToken::new();
        l.acquire(&c).await.unwrap();
        let c2 = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            c2.cancel();
        });
        let started = std::time::Instant::now();
        let e = l.acquire(&c).await.unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Cancelled);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
