//! Per-tenant throttling (api.md §4.3, §12, §14 rule 28): at most `requests` API requests per
//! `window` per tenant, counted in a sliding window. Identity and control routes are not counted.
//!
//! Only admitted requests enter the window; a request answered 429 does not, so a client that
//! keeps retrying too early is not punished further (the real service's behaviour here is unknown,
//! api.md §15). Admitted requests count whatever their outcome (faults, 5xx…),  answers 400/401/403/404
//! included, unless the `throttle_counts_rejected` switch is turned off (api.md §16 rule 37).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// How the simulator throttles each tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleConfig {
    /// Requests admitted per window; 0 turns throttling off.
    pub requests: u32,
    /// Length of the sliding window.
    #[serde(with = "millis", rename = "window_ms")]
    pub window: Duration,
    /// Send `Retry-After: <seconds>` with 429 answers (the real service is not known to do so).
    pub retry_after_header: bool,
}

impl Default for ThrottleConfig {
    /// The documented limit: 30 requests per minute per tenant (api.md §4.3).
    fn default() -> Self {
        ThrottleConfig {
            requests: 30,
            window: Duration::from_secs(60),
            retry_after_header: true,
        }
    }
}

impl ThrottleConfig {
    /// No throttling at all.
    pub fn off() -> Self {
        ThrottleConfig {
            requests: 0,
            ..ThrottleConfig::default()
        }
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// One tenant's sliding-window log of admitted requests.
#[derive(Debug, Default)]
pub(crate) struct Window {
    admitted: Mutex<VecDeque<Instant>>,
}

impl Window {
    /// Admits the request now, or says how long until a slot frees up.
    pub(crate) fn admit(&self, cfg: &ThrottleConfig, now: Instant) -> Result<(), Duration> {
        let mut log = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if cfg.requests == 0 {
            log.clear();
            return Ok(());
        }
        while log
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= cfg.window)
        {
            log.pop_front();
        }
        // After the limit was lowered at run time the log may hold more than `requests`
        // entries; the slot frees up when enough of the oldest ones have left the window.
        let limit = cfg.requests as usize;
        if log.len() < limit {
            log.push_back(now);
            return Ok(());
        }
        let blocking = log[log.len() - limit];
        Err((blocking + cfg.window).saturating_duration_since(now))
    }

    /// Takes an admitted request back out of the window (a rejected answer that does not count,
    /// api.md §16 rule 37 switched off).
    pub(crate) fn give_back(&self, at: Instant) {
        let mut log = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = log.iter().rposition(|t| *t == at) {
            log.remove(k);
        }
    }

    pub(crate) fn clear(&self) {
        self.admitted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// The 429 answer: reason phrase `TOO MANY REQUESTS`, optional `Retry-After`, and the message a
/// third-party client parses for the wait in seconds (api.md §12).
pub(crate) fn too_many_requests(wait: Duration, retry_after_header: bool) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    let body = serde_json::json!({
        "error": {"message": format!("Request was throttled. Expected available in {secs} seconds.")}
    });
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    resp.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(b"TOO MANY REQUESTS"));
    if retry_after_header {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_admits_the_limit_then_reports_the_wait() {
        let cfg = ThrottleConfig {
            requests: 2,
            window: Duration::from_secs(10),
            retry_after_header: true,
        };
        let w = Window::default();
        let t0 = Instant::now();
        assert!(w.admit(&cfg, t0).is_ok());
        assert!(w.admit(&cfg, t0 + Duration::from_secs(4)).is_ok());
        assert_eq!(
            w.admit(&cfg, t0 + Duration::from_secs(5)),
            Err(Duration::from_secs(5))
        );
        // The rejected request did not enter the window: the first slot frees at t0 + 10 s.
        assert!(w.admit(&cfg, t0 + Duration::from_secs(10)).is_ok());
        assert!(w.admit(&cfg, t0 + Duration::from_secs(11)).is_err());
    }

    #[test]
    fn zero_requests_turns_throttling_off() {
        let w = Window::default();
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(w.admit(&ThrottleConfig::off(), now).is_ok());
        }
    }
}
