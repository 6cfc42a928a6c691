//! Request counters: every request the simulator answers (including 429s and faults) is counted
//! by route name, by status, and by both. Control routes (`/_sim/...`) are not counted, so a test
//! can read the counters without disturbing them.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// A snapshot of the counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub by_route: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    pub by_route_status: BTreeMap<String, BTreeMap<u16, u64>>,
    pub total: u64,
}

impl Stats {
    /// Requests counted for a route name (0 when none).
    pub fn route(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }

    /// Requests answered with a status (0 when none).
    pub fn status(&self, status: u16) -> u64 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }

    /// Requests of a route answered with a status (0 when none).
    pub fn route_status(&self, route: &str, status: u16) -> u64 {
        self.by_route_status
            .get(route)
            .and_then(|m| m.get(&status))
            .copied()
            .unwrap_or(0)
    }
}

/// The live counters; the lock is held for a few map updates, never across an await.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    inner: Mutex<Stats>,
}

impl Recorder {
    pub(crate) fn record(&self, route: &str, status: u16) {
        let mut s = self.lock();
        s.total += 1;
        match s.by_route.get_mut(route) {
            Some(n) => *n += 1,
            None => {
                s.by_route.insert(route.to_string(), 1);
            }
        }
        *s.by_status.entry(status).or_insert(0) += 1;
        match s.by_route_status.get_mut(route) {
            Some(m) => *m.entry(status).or_insert(0) += 1,
            None => {
                s.by_route_status
                    .insert(route.to_string(), BTreeMap::from([(status, 1)]));
            }
        }
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.lock().clone()
    }

    pub(crate) fn reset(&self) {
        *self.lock() = Stats::default();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
