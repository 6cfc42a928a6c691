//! The progress bar of long pulls (stderr, terminals only) and the `-v` summary line.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use mdca::pager::{Progress, ProgressHandle};

/// Pulls shorter than this never show a bar, so quick commands leave no flicker behind.
const SHOW_AFTER: Duration = Duration::from_millis(800);
const REFRESH: Duration = Duration::from_millis(200);

/// A bar that appears once a pull has run for a moment and refreshes itself from the pager's
/// progress handle, so it keeps moving while a page is awaited or the throttle is waited on.
pub struct Bar {
    bar: ProgressBar,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Bar {
    /// A bar when `wanted` (a multi-page pull, no `--no-progress`, no `-v` logging) and stderr is a
    /// terminal; otherwise a no-op.
    /// `first` caps the expected length (`--first N`).
    pub fn start(wanted: bool, handle: ProgressHandle, first: Option<u64>) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar {
                bar: ProgressBar::hidden(),
                ticker: None,
            };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {wide_bar} {msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        let ticker = {
            let bar = bar.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let mut shown = false;
                let mut expected = Expected {
                    first,
                    largest_total: None,
                };
                loop {
                    tokio::time::sleep(REFRESH).await;
                    if !shown && started.elapsed() >= SHOW_AFTER {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                        shown = true;
                    }
                    update(&bar, &handle.progress(), &mut expected);
                }
            })
        };
        Bar {
            bar,
            ticker: Some(ticker),
        }
    }

    /// Removes the bar (before the summary line or an error is printed).
    pub fn finish(self) {
        if let Some(ticker) = self.ticker {
            ticker.abort();
        }
        self.bar.finish_and_clear();
    }
}

/// What the bar counts up to. In activity scan mode each reply's `total` counts only what is left
/// after the cursor, so the largest total seen is the best estimate of the whole pull.
struct Expected {
    first: Option<u64>,
    largest_total: Option<u64>,
}

impl Expected {
    fn length(&mut self, p: &Progress) -> Option<u64> {
        if let Some(total) = p.total {
            self.largest_total = Some(self.largest_total.map_or(total, |t| t.max(total)));
        }
        let estimate = match (self.largest_total, self.first) {
            (Some(total), Some(first)) => Some(total.min(first)),
            (total, first) => total.or(first),
        };
        estimate.map(|e| e.max(p.records))
    }
}

fn update(bar: &ProgressBar, p: &Progress, expected: &mut Expected) {
    let length = expected.length(p);
    if let Some(length) = length {
        bar.set_length(length);
    }
    bar.set_position(p.records);
    let of = length
        .map(|t| format!(" of ~{}", HumanCount(t)))
        .unwrap_or_default();
    let throttle = if p.throttle_wait >= Duration::from_millis(100) {
        format!(", throttle wait {}", seconds(p.throttle_wait))
    } else {
        String::new()
    };
    bar.set_message(format!(
        "{} records{of}, {} pages{throttle}",
        HumanCount(p.records),
        p.pages
    ));
    bar.tick();
}

/// The one-line summary printed with `-v` at the end of a pull.
pub fn summary(p: &Progress, elapsed: Duration) -> String {
    format!(
        "mdca: {} records in {} pages, {} requests, {} retries, throttle wait {}, {} duplicates dropped, {}",
        p.records,
        p.pages,
        p.requests,
        p.retries,
        seconds(p.throttle_wait),
        p.duplicates_dropped,
        seconds(elapsed)
    )
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(records: u64, total: Option<u64>) -> Progress {
        Progress {
            records,
            total,
            ..Progress::default()
        }
    }

    #[test]
    fn the_bar_length_is_the_largest_total_seen_capped_by_first() {
        let mut scan = Expected {
            first: None,
            largest_total: None,
        };
        assert_eq!(scan.length(&at(0, None)), None);
        assert_eq!(scan.length(&at(5_000, Some(100_000))), Some(100_000));
        assert_eq!(
            scan.length(&at(10_000, Some(95_000))),
            Some(100_000),
            "a scan's shrinking total"
        );
        let mut first = Expected {
            first: Some(250),
            largest_total: None,
        };
        assert_eq!(first.length(&at(0, None)), Some(250));
        assert_eq!(first.length(&at(100, Some(180))), Some(180));
        assert_eq!(
            first.length(&at(200, Some(150))),
            Some(200),
            "never below what was pulled"
        );
    }
}
