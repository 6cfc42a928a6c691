//! The mutator of live mode (api.md §16 rule 31): a thread that applies `rate` mutations per real second
//! to every tenant (kinds drawn by `data::live::WEIGHTS`), until live mode is turned off or the
//! simulator is dropped. A thread, not a task, so that it runs whatever runtime (or none) the
//! simulator was started from.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::data::Dataset;

/// Longest sleep between two looks at the stop flag and the schedule.
const TICK: Duration = Duration::from_millis(10);
/// At most this many mutations per tenant in one catch-up (after a stall of the machine).
const BURST: u64 = 1_000;

pub(crate) struct Mutator {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Mutator {
    pub(crate) fn start(tenants: Vec<Arc<Dataset>>, rate: f64) -> Option<Mutator> {
        if rate <= 0.0 {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("mdca-sim-mutator".into())
            .spawn(move || run(&tenants, rate, &flag))
            .ok()?;
        Some(Mutator {
            stop,
            thread: Some(thread),
        })
    }
}

fn run(tenants: &[Arc<Dataset>], rate: f64, stop: &AtomicBool) {
    let start = Instant::now();
    let mut done: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let due = (start.elapsed().as_secs_f64() * rate) as u64;
        let burst = due.saturating_sub(done).min(BURST);
        for _ in 0..burst {
            for ds in tenants {
                ds.mutate(ds.mutations());
            }
        }
        done = done.max(due);
        let next = Duration::from_secs_f64((done + 1) as f64 / rate);
        std::thread::sleep(next.saturating_sub(start.elapsed()).min(TICK));
    }
}

impl Drop for Mutator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
