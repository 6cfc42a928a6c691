//! Server behaviour switches (api.md §16 rules 32–38): answers a real tenant may give where the API
//! reference is silent (api.md §15). The default is the simulator's behaviour before live mode: every
//! switch off except `throttle_retry_after` and `throttle_counts_rejected`; the client must survive
//! each one flipped.

use serde::{Deserialize, Serialize};

/// What the activity scan's `nextQueryFilters` holds (api.md §16 rule 32).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanCursor {
    /// The caller's filters, with the cursor's `date.lte` added to (or replacing the `lte` of) the
    /// caller's `date` object.
    #[default]
    CallerAndBound,
    /// Only the cursor: `{"date": {"lte": T}}`; the caller's filters are not repeated.
    BoundOnly,
    /// The caller's filters, but the cursor's `date` object `{"lte": T}` replaces the caller's `date`
    /// object entirely (a caller's `date.gte` is dropped).
    SameField,
}

/// Slow, failing deep pages of the files list (api.md §16 rule 38).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeepFiles {
    /// Pages with `skip` at or above this are deep.
    pub from_skip: u64,
    /// Every deep page waits this long before answering.
    #[serde(default)]
    pub delay_ms: u64,
    /// Every K-th deep page answers 500 or 504 (alternately) with an HTML page (0 = never).
    #[serde(default)]
    pub html_5xx_every: u64,
}

/// The switches, as JSON in snake_case (`GET/POST /_sim/behaviour`, `mdca-sim --behaviour`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Rule 32: what `nextQueryFilters` carries.
    pub scan_cursor: ScanCursor,
    /// Rule 33: non-final scan pages say `hasNext: true` with no `nextQueryFilters`.
    pub scan_missing_cursor: bool,
    /// Rule 33: about one scan request in three answers `data: []`, `hasNext: true` and a cursor that
    /// advances past a stretch of time holding no match (non-final pages then end their cursor just
    /// below their last record, leaving such stretches).
    pub scan_empty_pages: bool,
    /// Rule 33: a scan request that carries a cursor gets the same cursor back (and the same page).
    pub scan_cursor_repeats: bool,
    /// Rule 34: records with equal sort keys come in a different order on each request.
    pub unstable_ties: bool,
    /// Rules 16, 35: `total` off by 1–3 on every entity (`moreThanTotal` when below).
    pub approximate_total: bool,
    /// Rule 35: on skip/limit lists `hasNext` is sometimes false one page early (on the page before
    /// the last) or true one page late (on the last page).
    pub has_next_wrong: bool,
    /// Rule 36: send `Retry-After` with 429 (false: only the message names the wait).
    pub throttle_retry_after: bool,
    /// Rule 37: answers 400/401/403/404 count against the throttle window (default true, as the
    /// simulator always did; false: they are given back once answered).
    pub throttle_counts_rejected: bool,
    /// Rule 38: deep files pages are slow and some answer 500/504 with an HTML page.
    pub deep_files: Option<DeepFiles>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            scan_cursor: ScanCursor::CallerAndBound,
            scan_missing_cursor: false,
            scan_empty_pages: false,
            scan_cursor_repeats: false,
            unstable_ties: false,
            approximate_total: false,
            has_next_wrong: false,
            throttle_retry_after: true,
            // The simulator always counted them (it throttles before it authenticates).
            throttle_counts_rejected: true,
            deep_files: None,
        }
    }
}
