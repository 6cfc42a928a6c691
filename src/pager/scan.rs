//! Activity scan mode (api.md §4.4): following the server's `nextQueryFilters` cursor without trusting it.
//!
//! The cursor is merged with the caller's filters per operator ([`merge_cursor`]) so that no caller
//! condition is lost whatever the server's cursor format (api.md §16 rule 32). The pull never stops silently
//! and never loops: `hasNext: true` without a cursor is asked again a few times and then is an error (after
//! the page's records are handed over); an empty page with a new cursor is followed; a cursor already sent
//! in this pull, or [`MAX_IDLE_PAGES`] pages in a row that bring nothing new, is an error naming the cursor.

use std::collections::HashSet;

use serde_json::Value;

use super::filters::merge_cursor;
use crate::error::{Error, ErrorKind};
use crate::filter::compact;

/// Consecutive pages without a new record after which the scan is declared stuck.
pub(super) const MAX_IDLE_PAGES: u32 = 5;
/// Requests repeated when the server says `hasNext: true` but sends no cursor.
pub(super) const MISSING_CURSOR_RETRIES: u32 = 2;

#[derive(Debug)]
pub(super) struct Scan {
    /// The filters of the next request.
    pub(super) cursor: Value,
    /// Hashes of the cursors sent so far (one per page: a few bytes per 5000 records).
    sent: HashSet<u64>,
    idle: u32,
    missing: u32,
}

/// What to do after a scan page.
pub(super) enum ScanStep {
    /// Send `cursor` next (a new one, or the same one again after a missing cursor).
    Continue,
    Done,
    /// Hand over this page's records, then fail with this error.
    Fail(Error),
}

impl Scan {
    pub(super) fn new(cursor: Value) -> Scan {
        let mut sent = HashSet::new();
        sent.insert(cursor_hash(&cursor));
        Scan {
            cursor,
            sent,
            idle: 0,
            missing: 0,
        }
    }

    /// Takes a page in: `added` records were new to the pull.
    pub(super) fn absorb(
        &mut self,
        has_next: Option<bool>,
        next: Option<Value>,
        added: usize,
        caller: Option<&Value>,
    ) -> ScanStep {
        if has_next != Some(true) {
            // The last page (api.md §4.4: `hasNext` false and no `nextQueryFilters`).
            return ScanStep::Done;
        }
        if added == 0 {
            self.idle += 1;
            if self.idle >= MAX_IDLE_PAGES {
                return ScanStep::Fail(stuck(format!(
                    "{MAX_IDLE_PAGES} scan pages in a row brought no new activity; the last cursor was {}",
                    compact(&self.cursor, 300)
                )));
            }
        } else {
            self.idle = 0;
        }
        let Some(next) = next else {
            self.missing += 1;
            if self.missing > MISSING_CURSOR_RETRIES {
                return ScanStep::Fail(stuck(format!(
                    "the server said more activities follow (hasNext true) but sent no nextQueryFilters \
                     cursor to continue from, {} times for the request with filters {}",
                    self.missing,
                    compact(&self.cursor, 300)
                )));
            }
            // Ask again from the same cursor: the records it repeats are dropped as duplicates.
            return ScanStep::Continue;
        };
        self.missing = 0;
        let merged = merge_cursor(next, caller);
        if !self.sent.insert(cursor_hash(&merged)) {
            return ScanStep::Fail(stuck(format!(
                "the server's scan cursor repeats one this pull already followed ({}): following it \
                 would loop",
                compact(&merged, 300)
            )));
        }
        self.cursor = merged;
        ScanStep::Continue
    }
}

fn cursor_hash(cursor: &Value) -> u64 {
    crate::stream::id_hash(cursor.to_string().as_bytes())
}

fn stuck(message: String) -> Error {
    Error::new(ErrorKind::InvalidResponse, message).with_hint(
        "the activity scan cannot go on safely; narrow the date range and retry, or page without scan \
         (scan: false, first 5000 records only); the pull's checkpoint still holds what was delivered",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(step: ScanStep) -> &'static str {
        match step {
            ScanStep::Continue => "continue",
            ScanStep::Done => "done",
            ScanStep::Fail(_) => "fail",
        }
    }

    #[test]
    fn a_cursor_is_followed_merged_with_the_callers_bounds() {
        let caller = json!({"date": {"gte": 5}});
        let mut scan = Scan::new(caller.clone());
        let step = scan.absorb(
            Some(true),
            Some(json!({"date": {"lte": 90}})),
            10,
            Some(&caller),
        );
        assert_eq!(kind(step), "continue");
        assert_eq!(scan.cursor, json!({"date": {"lte": 90, "gte": 5}}));
        assert_eq!(
            kind(scan.absorb(Some(false), None, 10, Some(&caller))),
            "done"
        );
    }

    #[test]
    fn has_next_without_a_cursor_is_asked_again_then_an_error() {
        let mut scan = Scan::new(json!({}));
        for _ in 0..MISSING_CURSOR_RETRIES {
            assert_eq!(kind(scan.absorb(Some(true), None, 10, None)), "continue");
            assert_eq!(scan.cursor, json!({}), "the same request again");
        }
        match scan.absorb(Some(true), None, 0, None) {
            ScanStep::Fail(e) => {
                assert_eq!(e.kind(), ErrorKind::InvalidResponse);
                assert!(e.message().contains("nextQueryFilters"), "{}", e.message());
            }
            other => panic!("expected an error, got {}", kind(other)),
        }
    }

    #[test]
    fn an_empty_page_with_a_new_cursor_is_followed() {
        let mut scan = Scan::new(json!({}));
        let step = scan.absorb(Some(true), Some(json!({"date": {"lte": 9}})), 0, None);
        assert_eq!(kind(step), "continue");
        assert_eq!(scan.cursor, json!({"date": {"lte": 9}}));
    }

    #[test]
    fn a_cursor_seen_before_is_an_error_naming_it() {
        let mut scan = Scan::new(json!({}));
        scan.absorb(Some(true), Some(json!({"date": {"lte": 9}})), 5, None);
        match scan.absorb(Some(true), Some(json!({"date": {"lte": 9}})), 5, None) {
            ScanStep::Fail(e) => assert!(e.message().contains("lte"), "{}", e.message()),
            other => panic!("expected an error, got {}", kind(other)),
        }
    }

    #[test]
    fn pages_that_add_nothing_end_in_an_error() {
        let mut scan = Scan::new(json!({}));
        let mut last = "";
        for i in 0..MAX_IDLE_PAGES {
            last = kind(scan.absorb(Some(true), Some(json!({"date": {"lte": i}})), 0, None));
        }
        assert_eq!(last, "fail");
    }
}
