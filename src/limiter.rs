//! Per-tenant pacing shared by every client of one tenant in the process.
//!
//! The server allows 30 requests per minute per tenant (api.md §4.3, §12) and may count them in a sliding
//! window. A token bucket with burst N can let 2N requests through within one window (a full bucket
//! followed by a refill), so this is a sliding-window log: a send is allowed only when fewer than N
//! sends happened in the last `per` (plus a small safety margin for clock and network skew). A long pull
//! therefore runs at the ceiling without ever tripping a 429. When a 429 comes anyway (another process
//! shares the tenant), its pause blocks every client of the tenant.
//!
//! Several processes on one tenant cannot see each other's sends, so each adapts its own pace the way TCP
//! shares a link (AIMD): a 429 multiplies the process's rate by 0.7 (at most once per round of requests,
//! never below one request per window), and every window that passes without a 429 gives back one request
//! per window, up to the configured rate. Two processes that start at the full rate each therefore settle
//! near their share after a few 429s, instead of drawing 429s for the whole pull.

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
    /// Requests per window allowed now: `limit.requests`, lowered by 429s and recovering (AIMD).
    rate: f64,
    /// When `rate` last changed; each full window since then without a 429 adds one request.
    rate_changed: Instant,
    /// The last multiplicative decrease. A 429 to a request sent before it answers the old rate, which
    /// was already lowered for it: one burst of 429s lowers the rate once, not once per request.
    decreased_at: Option<Instant>,
}

/// The factor a 429 applies to the rate.
const DECREASE: f64 = 0.7;

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
        if self.limit.requests == 0 {
            return None;
        }
        self.recover(now);
        let n = self.allowed();
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

    /// Whole requests per window allowed now (at least one).
    fn allowed(&self) -> usize {
        (self.rate.floor() as usize).max(1)
    }

    /// Additive increase: one request per window for each full window without a 429.
    fn recover(&mut self, now: Instant) {
        let full = f64::from(self.limit.requests);
        if self.rate >= full {
            return;
        }
        let per = self.limit.per.max(Duration::from_millis(1));
        let clean = now.saturating_duration_since(self.rate_changed).as_nanos() / per.as_nanos();
        if clean > 0 {
            self.rate = (self.rate + clean as f64).min(full);
            self.rate_changed += per * clean.min(u128::from(u32::MAX)) as u32;
            tracing::debug!(rate = self.rate, "no 429 for a window; tenant pace raised");
        }
    }

    /// Multiplicative decrease after a 429 to a request sent at `sent_at`.
    fn decrease(&mut self, sent_at: Instant, now: Instant) {
        if self.limit.requests == 0 || self.decreased_at.is_some_and(|d| sent_at < d) {
            return;
        }
        self.recover(now);
        self.rate = (self.rate * DECREASE).max(1.0);
        // The first clean window starts when the pause ends, not while nothing may be sent.
        self.rate_changed = self.paused_until.filter(|p| *p > now).unwrap_or(now);
        self.decreased_at = Some(now);
        tracing::info!(
            requests = self.allowed(),
            per_ms = self.limit.per.as_millis() as u64,
            "throttled (429): another client shares this tenant; pace lowered"
        );
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
                st.rate = f64::from(limit.requests);
                st.rate_changed = Instant::now();
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
                rate: f64::from(limit.requests),
                rate_changed: Instant::now(),
                decreased_at: None,
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

    /// A request sent at `sent_at` drew a 429: pause the tenant for `wait` and lower its pace.
    pub(crate) fn throttled(&self, sent_at: Instant, wait: Duration) {
        self.pause(wait);
        let mut st = lock(&self.state);
        st.decrease(sent_at, Instant::now());
    }

    /// Requests per window allowed now (the configured rate, or less after 429s); 0 when pacing is off.
    #[cfg(test)]
    fn current_rate(&self) -> usize {
        let mut st = lock(&self.state);
        if st.limit.requests == 0 {
            return 0;
        }
        st.recover(Instant::now());
        st.allowed()
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

    #[tokio::test(start_paused = true)]
    async fn a_429_lowers_the_pace_multiplicatively_down_to_one_per_window() {
        let l = TenantLimiter::new(limit(30, 1000));
        assert_eq!(l.current_rate(), 30);
        l.throttled(Instant::now(), Duration::ZERO);
        assert_eq!(l.current_rate(), 21);
        tokio::time::advance(Duration::from_millis(1)).await;
        l.throttled(Instant::now(), Duration::ZERO);
        assert_eq!(l.current_rate(), 14);
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(1)).await;
            l.throttled(Instant::now(), Duration::ZERO);
        }
        assert_eq!(l.current_rate(), 1, "never below one request per window");
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_429s_to_requests_sent_before_a_decrease_lowers_the_pace_once() {
        let l = TenantLimiter::new(limit(30, 1000));
        let sent = Instant::now();
        tokio::time::advance(Duration::from_millis(10)).await;
        for _ in 0..5 {
            l.throttled(sent, Duration::ZERO);
        }
        assert_eq!(l.current_rate(), 21);
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_recovers_by_one_request_per_clean_window() {
        let l = TenantLimiter::new(limit(30, 1000));
        l.throttled(Instant::now(), Duration::ZERO);
        assert_eq!(l.current_rate(), 21);
        tokio::time::advance(Duration::from_millis(999)).await;
        assert_eq!(l.current_rate(), 21);
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(l.current_rate(), 22);
        tokio::time::advance(Duration::from_millis(3000)).await;
        assert_eq!(l.current_rate(), 25);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(l.current_rate(), 30, "never above the configured rate");
    }

    #[tokio::test(start_paused = true)]
    async fn recovery_counts_clean_windows_from_the_end_of_the_429_pause() {
        let l = TenantLimiter::new(limit(30, 1000));
        l.throttled(Instant::now(), Duration::from_secs(5));
        tokio::time::advance(Duration::from_millis(5999)).await;
        assert_eq!(l.current_rate(), 21, "the pause is not a clean window");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(l.current_rate(), 22);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lowered_pace_is_what_the_sliding_window_admits() {
        let l = TenantLimiter::new(limit(10, 1000));
        let c = CancelToken::new();
        for _ in 0..3 {
            l.throttled(Instant::now(), Duration::ZERO);
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        // 10 × 0.7³ = 3.43: three sends per window.
        assert_eq!(l.current_rate(), 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.acquire(&c).await.unwrap(), Duration::ZERO);
        }
        let waited = l.acquire(&c).await.unwrap();
        assert!(waited >= Duration::from_millis(1000), "{waited:?}");
        assert!(start.elapsed() < Duration::from_millis(1100));
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
