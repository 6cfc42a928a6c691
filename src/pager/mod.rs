//! Streaming list queries: [`QueryRequest`] says what to list, [`Pager`] fetches it page by page.
//!
//! A tenant changes while it is read. A pull is correct when every record that matched the query for the
//! whole pull is returned exactly once; records that matched only part of the time may or may not come,
//! never twice (docs/architecture.md, "Paging"). Each strategy has its own file:
//! - [`plan`]: which strategy a query uses, its page size, `first`/`skip`, relative dates fixed once;
//! - [`windows`]: alerts, files and entities in ascending keyset windows on an immutable or forward-only
//!   timestamp, so records leaving the result set cannot shift unread ones out of reach;
//! - [`scan`]: activities in scan mode, following the server's cursor without trusting it;
//! - [`filters`]: the per-operator merges that never drop a caller's bound;
//! - [`seen`]: bounded de-duplication by `_id` hash;
//! - [`checkpoint`]: a pull's position, to resume it or re-run it incrementally;
//! - [`progress`]: counters readable from any thread.
//!
//! Records stay as the server's JSON text ([`Records`]): they are never decoded into values and
//! re-encoded, which keeps a page cheap to hand over to the C ABI and the PowerShell layer. Each response
//! is parsed as it downloads (`crate::stream`), so a 5000-activity page is never held as one 14 MB body.

mod checkpoint;
mod filters;
mod keys;
mod plan;
mod progress;
mod scan;
mod seen;
mod windows;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::task::JoinHandle;

pub use checkpoint::{Checkpoint, IdList, Position, Recent, CHECKPOINT_VERSION};
pub use plan::DEFAULT_LOOKBACK_SECS;
pub use progress::{CancelHandle, Progress, ProgressHandle};
pub use windows::{TieGroup, WindowState};

use crate::cancel::CancelToken;
use crate::client::Client;
use crate::entity::{EntityKind, KeyField};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{ApiCall, AuthUse, CallMeta, RetryClass};
use crate::records::{PullGuard, Records};
use crate::stream::{ListPage, ListParser};
use checkpoint::{fingerprint, Lookback};
use filters::with_bound;
use keys::{key_ms, read_fields};
use plan::{Mode, Plan};
use progress::Counters;
use scan::{Scan, ScanStep};
use seen::{version_hash, IdSet, Seen};
use windows::Windows;

/// The page size used when the caller gives none (the API's own default, api.md §4.3).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// `asc` or `desc` (api.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    Asc,
    Desc,
}

impl SortDirection {
    pub fn name(self) -> &'static str {
        match self {
            SortDirection::Asc => "asc",
            SortDirection::Desc => "desc",
        }
    }
}

/// What to list. Deserialises from the JSON the C ABI and the CLI pass: snake_case keys, with the API's
/// camelCase spellings (`sortField`, `sortDirection`, `pageSize`) accepted too; unknown keys are refused so a
/// typo does not silently return everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// A raw MDCA filter object (api.md §5), sent untouched. Build one with [`crate::FilterBuilder`] to have it
    /// checked first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Value>,
    #[serde(default, alias = "sortField", skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<String>,
    #[serde(
        default,
        alias = "sortDirection",
        skip_serializing_if = "Option::is_none"
    )]
    pub sort_direction: Option<SortDirection>,
    /// Records per request: 1–100, or 500–5000 in activity scan mode. Default 100 (scan: 5000).
    #[serde(default, alias = "pageSize", skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Return at most this many records (PowerShell `-First`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<u64>,
    /// Skip this many records first (PowerShell `-Skip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<u64>,
    /// Return every matching record. Without `all` or `first`, a query returns one page.
    #[serde(default)]
    pub all: bool,
    /// Activities: force (`true`) or forbid (`false`) scan mode; unset lets the pager choose (api.md §4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<bool>,
    /// Continue from this checkpoint ([`Pager::checkpoint`]) of the same query; a checkpoint of a
    /// completed pull runs incrementally: only records new or changed since it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Checkpoint>,
    /// Incremental runs re-read this many seconds before the previous run's watermark (default 600), and
    /// drop what that run already returned, so records whose change key was stamped a little late are not
    /// missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback_secs: Option<u64>,
}

impl QueryRequest {
    /// A request for one page of 100 records, unfiltered.
    pub fn new() -> QueryRequest {
        QueryRequest::default()
    }

    /// Parses the JSON form; malformed JSON or unknown keys give [`ErrorKind::InvalidJson`].
    pub fn from_json(text: &str) -> Result<QueryRequest> {
        if text.trim().is_empty() {
            return Ok(QueryRequest::default());
        }
        serde_json::from_str(text).map_err(|e| {
            Error::new(
                ErrorKind::InvalidJson,
                format!("the query request is not valid: {e}"),
            )
            .with_hint(
                "keys are filters, sort_field, sort_direction, page_size, first, skip, all, scan, \
                 resume, lookback_secs",
            )
        })
    }

    pub fn filters(mut self, filters: Value) -> QueryRequest {
        self.filters = Some(filters);
        self
    }

    pub fn sort(mut self, field: impl Into<String>, direction: SortDirection) -> QueryRequest {
        self.sort_field = Some(field.into());
        self.sort_direction = Some(direction);
        self
    }

    pub fn page_size(mut self, size: u32) -> QueryRequest {
        self.page_size = Some(size);
        self
    }

    pub fn first(mut self, n: u64) -> QueryRequest {
        self.first = Some(n);
        self
    }

    pub fn skip(mut self, n: u64) -> QueryRequest {
        self.skip = Some(n);
        self
    }

    pub fn all(mut self) -> QueryRequest {
        self.all = true;
        self
    }

    pub fn scan(mut self, scan: bool) -> QueryRequest {
        self.scan = Some(scan);
        self
    }

    pub fn resume(mut self, checkpoint: Checkpoint) -> QueryRequest {
        self.resume = Some(checkpoint);
        self
    }

    pub fn lookback_secs(mut self, secs: u64) -> QueryRequest {
        self.lookback_secs = Some(secs);
        self
    }
}

/// A page of records, as the server's JSON text.
#[derive(Debug, Clone, Default)]
pub struct Page {
    records: Records,
    total: Option<u64>,
}

impl Page {
    /// The records, each the server's JSON text exactly as it was sent.
    pub fn records(&self) -> &Records {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The server's `total` on the response this page came from (approximate, api.md §4.2).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The records as one JSON array, joined from their original text.
    pub fn to_json_array(&self) -> String {
        self.records.to_json_array()
    }

    /// The records as one JSON array, joined from their original text, without copying them (the page's
    /// buffer already is that array).
    pub fn into_json_array(self) -> String {
        self.records.into_json_array()
    }

    /// The records decoded into values.
    pub fn into_values(self) -> Result<Vec<Value>> {
        self.records
            .iter()
            .map(|r| {
                serde_json::from_str(r).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!("a record could not be decoded: {e}"),
                    )
                })
            })
            .collect()
    }
}

/// Where the next request starts.
#[derive(Debug)]
enum Cursor {
    /// Files, full pull: read the newest `modifiedDate` first (the watermark), then the windows.
    Probe,
    Skip(u64),
    Window(Windows),
    Scan(Scan),
}

struct Fetched {
    page: ListPage,
    meta: CallMeta,
    /// The `limit` the request asked for, to judge whether a page is full.
    limit: u32,
}

/// A list query in progress. Created by [`Client::query`]; call [`Pager::next_page`] until it returns
/// `Ok(None)`.
///
/// After returning a page the pager already requests the next one in the background (unless the client was
/// built with `prefetch: false`), so the network wait overlaps the caller's work. A failed request leaves the
/// pager where it was: calling `next_page` again retries it. [`Pager::checkpoint`] gives its position at
/// any time, to resume it later through [`QueryRequest::resume`].
pub struct Pager {
    client: Client,
    plan: Plan,
    /// The filters every request starts from: the caller's (relative dates absolute), plus in an
    /// incremental scan the `since` bound.
    filters: Option<Value>,
    /// The filters a checkpoint records: the caller's, relative dates made absolute when the pull first
    /// started (kept from the checkpoint on a resume), without an incremental run's own bound.
    base_filters: Option<Value>,
    cursor: Cursor,
    seen: Seen,
    /// Records still to drop client-side (windows and scans have no usable `skip`).
    skip_left: u64,
    /// Records still to return; `None` until the end.
    remaining: Option<u64>,
    finished: bool,
    /// An error to return after the page that revealed it was handed over.
    deferred: Option<Error>,
    prefetch: bool,
    pending: Option<JoinHandle<Result<Fetched>>>,
    counters: Arc<Counters>,
    cancel: CancelToken,
    started_ms: i64,
    /// The server's `total` on the first page.
    announced: Option<u64>,
    /// The change key watched for the watermark, when the pull can have one.
    watch: Option<KeyField>,
    lookback: Lookback,
    /// An incremental run: the change-key bound, and versions the previous run returned after it.
    since: Option<i64>,
    since_seen: IdSet,
    /// The previous run's watermark, kept when an incremental run finds nothing newer.
    previous_watermark: Option<i64>,
    watermark: Option<i64>,
    /// The text size of the last page received: what the next page's buffer reserves.
    page_bytes: usize,
    /// Keeps freed page buffers for this pull's next pages.
    _buffers: PullGuard,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("entity", &self.plan.spec.kind)
            .field("mode", &self.plan.mode)
            .field("limit", &self.plan.limit)
            .field("progress", &self.counters.snapshot())
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Pager {
    /// Validates the request against the entity table; sends nothing.
    pub(crate) fn new(
        client: Client,
        kind: EntityKind,
        mut req: QueryRequest,
        prefetch: bool,
    ) -> Result<Pager> {
        let resume = req.resume.take();
        let started_ms = now_ms();
        let plan = Plan::new(kind, &req, started_ms)?;
        let counters = Arc::new(Counters::new());
        let watch = if plan.full { plan.spec.change } else { None };
        let mut pager = Pager {
            client,
            remaining: plan.wanted,
            skip_left: 0,
            filters: plan.filters.clone(),
            base_filters: plan.filters.clone(),
            cursor: Cursor::Skip(plan.skip),
            seen: Seen::new(plan.mode == Mode::Scan),
            finished: false,
            deferred: None,
            prefetch,
            pending: None,
            counters,
            cancel: CancelToken::new(),
            started_ms,
            announced: None,
            watch,
            lookback: Lookback {
                span_ms: plan.lookback_ms,
                ..Lookback::default()
            },
            since: None,
            since_seen: IdSet::default(),
            previous_watermark: None,
            watermark: None,
            page_bytes: 0,
            _buffers: PullGuard::new(),
            plan,
        };
        match resume {
            Some(checkpoint) => pager.resume_from(checkpoint)?,
            None => pager.start(),
        }
        Ok(pager)
    }

    /// A new pull: the first position of its strategy.
    fn start(&mut self) {
        let plan = &self.plan;
        self.cursor = match plan.mode {
            Mode::Skip => Cursor::Skip(plan.skip),
            Mode::Window(_) if self.watch.is_some_and(|c| Some(c) != plan.spec.window) => {
                Cursor::Probe
            }
            Mode::Window(key) => Cursor::Window(Windows::new(key, None, plan.descending)),
            Mode::Scan => Cursor::Scan(Scan::new(self.request_filters())),
        };
        self.skip_left = if plan.mode == Mode::Skip {
            0
        } else {
            plan.skip
        };
        self.finished = plan.wanted == Some(0);
        self.counters.done.store(self.finished, Ordering::Relaxed);
    }

    fn request_filters(&self) -> Value {
        self.filters
            .clone()
            .unwrap_or_else(|| Value::Object(Map::new()))
    }

    /// Continues the pull a checkpoint describes, or starts an incremental run after a completed one.
    fn resume_from(&mut self, cp: Checkpoint) -> Result<()> {
        let kind = self.plan.spec.kind;
        if cp.version != CHECKPOINT_VERSION {
            return Err(Error::invalid_argument(format!(
                "the checkpoint has format version {}, this library reads version {CHECKPOINT_VERSION}",
                cp.version
            )));
        }
        if cp.entity != kind.name() || cp.query != fingerprint(&self.plan.identity) {
            return Err(Error::invalid_argument(format!(
                "the checkpoint belongs to another query (a pull of {} with other filters, sort, first, \
                 skip or all): a checkpoint resumes only the query it was taken from",
                cp.entity
            ))
            .with_hint("run the same query as when the checkpoint was written, or start without it"));
        }
        self.filters = cp.filters.clone();
        self.base_filters = cp.filters.clone();
        if cp.position == Position::Done {
            return self.start_incremental(cp);
        }
        let spec = self.plan.spec;
        self.since = cp.since;
        self.since_seen.extend(&cp.since_seen.0);
        self.started_ms = cp.started_ms;
        self.announced = cp.announced;
        self.skip_left = cp.skip_left;
        self.remaining = cp.remaining;
        self.lookback.high = cp.high;
        self.lookback.recent = cp.recent.clone();
        // A full files pull fixes its watermark at the start (the probe).
        self.lookback.fixed = self.since.is_none()
            && self.watch.is_some_and(|c| Some(c) != spec.window)
            && cp.high.is_some();
        if let (Some(since), Some(change)) = (self.since, spec.change) {
            self.watch = Some(change);
            if self.plan.mode == Mode::Scan {
                // The bound every cursor of this incremental scan is merged with.
                self.filters = Some(with_bound(
                    self.filters.as_ref(),
                    change.filter,
                    "gte",
                    since,
                ));
            }
        }
        self.counters.records.store(cp.records, Ordering::Relaxed);
        self.counters.pages.store(cp.pages, Ordering::Relaxed);
        if let Some(total) = cp.announced {
            self.counters.set_total(total);
        }
        let mismatch = || {
            Error::invalid_argument(format!(
                "the checkpoint's position does not fit a {} pull of this query",
                kind.name()
            ))
        };
        self.cursor = match (cp.position, self.plan.mode) {
            (Position::Probe, Mode::Window(_)) => Cursor::Probe,
            (Position::Window(state), Mode::Window(key)) => {
                let (key, desc) = if self.since.is_some() {
                    (spec.change.unwrap_or(key), false)
                } else {
                    (key, self.plan.descending)
                };
                if state.desc != desc {
                    return Err(mismatch());
                }
                Cursor::Window(Windows::restore(key, &state))
            }
            (Position::Scan { cursor, last_page }, Mode::Scan) => {
                self.seen.restore_last_page(&last_page.0);
                Cursor::Scan(Scan::new(cursor))
            }
            (Position::Skip { skip }, Mode::Skip) => Cursor::Skip(skip),
            _ => return Err(mismatch()),
        };
        Ok(())
    }

    /// A completed pull run again: only records new or changed after its watermark − look-back, minus
    /// the versions it already returned there.
    fn start_incremental(&mut self, cp: Checkpoint) -> Result<()> {
        let spec = self.plan.spec;
        let (Some(watermark), Some(change)) = (cp.watermark, spec.change) else {
            return Err(Error::invalid_argument(format!(
                "the checkpoint is of a completed {} pull that cannot be re-run incrementally: only \
                 pulls of every match (all, no first or skip, no caller sort) of activities, alerts, \
                 files and entities keep a watermark",
                spec.kind
            )));
        };
        let since = watermark.saturating_sub(self.plan.lookback_ms);
        self.since = Some(since);
        self.since_seen.extend(
            cp.recent
                .iter()
                .filter(|r| r.key >= since)
                .map(|r| r.version),
        );
        self.previous_watermark = Some(watermark);
        self.watch = Some(change);
        // What the previous run returned within its look-back stays returned: this run's watermark
        // carries it, so the run after this one does not repeat it either.
        self.lookback.high = Some(watermark);
        self.lookback.recent = cp
            .recent
            .iter()
            .filter(|r| r.key >= since)
            .copied()
            .collect();
        tracing::debug!(
            entity = spec.kind.name(),
            since,
            "incremental run: records new or changed since the previous watermark minus the look-back"
        );
        self.cursor = match self.plan.mode {
            // An incremental run reads forward from its lower bound.
            Mode::Window(_) => Cursor::Window(Windows::new(change, Some(since), false)),
            Mode::Scan => {
                self.filters = Some(with_bound(
                    self.filters.as_ref(),
                    change.filter,
                    "gte",
                    since,
                ));
                Cursor::Scan(Scan::new(self.request_filters()))
            }
            Mode::Skip => return Err(Error::internal("an incremental run of a skip/limit pull")),
        };
        Ok(())
    }

    /// The pull's position now: what has been handed to the caller, never a page prefetched and not yet
    /// returned. Serialise it (JSON) and give it back through [`QueryRequest::resume`] to continue.
    pub fn checkpoint(&self) -> Checkpoint {
        let position = if self.finished {
            Position::Done
        } else {
            match &self.cursor {
                Cursor::Probe => Position::Probe,
                Cursor::Skip(skip) => Position::Skip { skip: *skip },
                Cursor::Window(w) => Position::Window(w.state()),
                Cursor::Scan(s) => Position::Scan {
                    cursor: s.cursor.clone(),
                    last_page: IdList(self.seen.last_page()),
                },
            }
        };
        let progress = self.counters.snapshot();
        Checkpoint {
            version: CHECKPOINT_VERSION,
            entity: self.plan.spec.kind.name().to_owned(),
            query: fingerprint(&self.plan.identity),
            filters: self.base_filters.clone(),
            started_ms: self.started_ms,
            position,
            records: progress.records,
            pages: progress.pages,
            skip_left: self.skip_left,
            remaining: self.remaining,
            announced: self.announced,
            since: if self.finished { None } else { self.since },
            since_seen: if self.finished {
                IdList::default()
            } else {
                IdList(seen::sorted(&self.since_seen))
            },
            high: self.lookback.high,
            recent: self.lookback.recent.clone(),
            watermark: self.watermark,
        }
    }

    /// The entity being listed.
    pub fn kind(&self) -> EntityKind {
        self.plan.spec.kind
    }

    /// Whether the pull uses activity scan mode.
    pub fn is_scan(&self) -> bool {
        self.plan.mode == Mode::Scan
    }

    /// Whether the pull pages in keyset windows (alerts, files, entities without a caller sort).
    pub fn is_windowed(&self) -> bool {
        matches!(self.plan.mode, Mode::Window(_))
    }

    /// The `limit` each request asks for.
    pub fn request_limit(&self) -> u32 {
        self.plan.limit
    }

    /// Progress so far.
    pub fn progress(&self) -> Progress {
        self.counters.snapshot()
    }

    /// A handle to read progress from another thread.
    pub fn progress_handle(&self) -> ProgressHandle {
        ProgressHandle {
            counters: Arc::clone(&self.counters),
        }
    }

    /// A handle to cancel the pull from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            token: self.cancel.clone(),
        }
    }

    /// The next page of records, or `None` when the pull is complete. Pages are never empty.
    pub async fn next_page(&mut self) -> Result<Option<Page>> {
        loop {
            self.cancel.check()?;
            if let Some(error) = self.deferred.take() {
                return Err(error);
            }
            if self.finished {
                return Ok(None);
            }
            let fetched = match self.pending.take() {
                Some(mut task) => {
                    let joined = tokio::select! {
                        biased;
                        _ = self.cancel.cancelled() => {
                            task.abort();
                            return Err(Error::cancelled());
                        }
                        joined = &mut task => joined,
                    };
                    joined
                        .map_err(|e| Error::internal(format!("the prefetch task failed: {e}")))??
                }
                None => {
                    let request = self.next_request();
                    self.cancel
                        .run(request.send(&self.client, &self.cancel))
                        .await??
                }
            };
            let page = self.absorb(fetched)?;
            if !self.finished && self.deferred.is_none() && self.prefetch {
                self.start_prefetch();
            }
            if !page.is_empty() {
                self.counters.pages.fetch_add(1, Ordering::Relaxed);
                self.counters
                    .records
                    .fetch_add(page.len() as u64, Ordering::Relaxed);
                return Ok(Some(page));
            }
        }
    }

    /// Takes a response in: moves the cursor, drops duplicates and skipped records, applies `first`.
    /// An error leaves the position unchanged (the same request is sent again on the next call).
    fn absorb(&mut self, fetched: Fetched) -> Result<Page> {
        let Fetched { page, meta, limit } = fetched;
        self.page_bytes = page.records.text_len();
        self.counters.count_request(&meta);
        let total = page.total.as_ref().and_then(lenient_count);
        if matches!(self.cursor, Cursor::Probe) {
            return self.absorb_probe(page);
        }
        if let Some(t) = total {
            if self.announced.is_none() && self.counters.pages.load(Ordering::Relaxed) == 0 {
                self.announced = Some(t);
            }
        }
        let received = page.records.len();
        let window_key = match &self.cursor {
            Cursor::Window(w) => Some(w.key),
            _ => None,
        };
        // Keys read from the records: the window key, and the change key for the watermark.
        let (window_keys, change_keys) = self.read_keys(&page, window_key);

        let fresh: Vec<bool>;
        let more;
        // Records the window's own overlap repeats: not duplicates, and counted in the server's total.
        let mut overlap = 0;
        match &mut self.cursor {
            Cursor::Probe => unreachable!("handled above"),
            Cursor::Skip(skip) => {
                self.seen.next_page();
                fresh = page
                    .ids
                    .iter()
                    .map(|id| id.is_none_or(|h| self.seen.insert(h)))
                    .collect();
                *skip += received as u64;
                // Every list response should carry `hasNext` (api.md §4.2); without it a full page is the
                // only sign that more may follow.
                let has_next = page.has_next.unwrap_or(received as u64 >= u64::from(limit));
                more = received > 0
                    && has_next
                    && self.plan.spec.skip_limit_window.is_none_or(|w| *skip < w);
            }
            Cursor::Window(windows) => {
                let step = windows.absorb(&page.ids, &window_keys, limit, page.has_next)?;
                fresh = step.fresh;
                overlap = step.overlap;
                more = !step.done;
            }
            Cursor::Scan(scan) => {
                self.seen.next_page();
                fresh = page
                    .ids
                    .iter()
                    .map(|id| id.is_none_or(|h| self.seen.insert(h)))
                    .collect();
                let added = fresh.iter().filter(|f| **f).count();
                match scan.absorb(
                    page.has_next,
                    page.next_query_filters,
                    added,
                    self.filters.as_ref(),
                ) {
                    ScanStep::Continue => more = true,
                    ScanStep::Done => more = false,
                    ScanStep::Fail(error) => {
                        self.deferred = Some(error);
                        more = true;
                    }
                }
            }
        }

        if let Some(t) = total {
            // A window's total counts what is left from its lower bound: add what came before it.
            let estimate = match self.cursor {
                Cursor::Window(_) => self
                    .counters
                    .records
                    .load(Ordering::Relaxed)
                    .saturating_add(t.saturating_sub(overlap)),
                _ => t,
            };
            self.counters.set_total(estimate);
        }
        let mut records = page.records;
        let ids = page.ids;
        let mut duplicates = 0;
        // The page's buffer is kept as it is unless a record is dropped.
        records.retain(|i| {
            if !fresh[i] {
                duplicates += 1;
                return false;
            }
            let version = match (ids[i], change_keys.get(i).copied().flatten()) {
                (Some(id), Some(key)) => Some((version_hash(id, key), key)),
                _ => None,
            };
            if let Some((v, _)) = version {
                if self.since_seen.contains(&v) {
                    // Returned by the previous run, unchanged since.
                    duplicates += 1;
                    return false;
                }
            }
            if self.remaining == Some(0) {
                return false;
            }
            if self.skip_left > 0 {
                self.skip_left -= 1;
                return false;
            }
            if let Some(n) = &mut self.remaining {
                *n -= 1;
            }
            if let Some((v, key)) = version {
                self.lookback.offer(v, key);
            }
            true
        });
        self.counters
            .duplicates_dropped
            .fetch_add(duplicates - overlap.min(duplicates), Ordering::Relaxed);
        if !more || self.remaining == Some(0) {
            self.finish(records.len() as u64);
        }
        Ok(Page { records, total })
    }

    /// The files probe's answer: the newest `modifiedDate` when the pull starts is its watermark, so
    /// files edited during the pull are read again by the next incremental run.
    fn absorb_probe(&mut self, page: ListPage) -> Result<Page> {
        let change = self.watch.expect("a probe watches the change key");
        let newest = page
            .records
            .first()
            .and_then(|r| read_fields(r, [change.record, change.record])[0].clone())
            .and_then(|v| key_ms(&change, &v));
        if let Some(newest) = newest {
            self.lookback.high = Some(newest);
            self.lookback.fixed = true;
        }
        let Mode::Window(key) = self.plan.mode else {
            return Err(Error::internal("a probe outside a windowed pull"));
        };
        self.cursor = Cursor::Window(Windows::new(key, None, self.plan.descending));
        Ok(Page::default())
    }

    /// Reads the keys the pull needs from each record: the window key (windows), the change key (pulls
    /// with a watermark). A scan reads change keys only while its pages may still reach into the
    /// look-back (it reads newest first).
    fn read_keys(
        &self,
        page: &ListPage,
        window: Option<KeyField>,
    ) -> (Vec<Option<i64>>, Vec<Option<i64>>) {
        let change = self.watch;
        if window.is_none() && change.is_none() {
            return (Vec::new(), Vec::new());
        }
        let names = [
            window.or(change).map_or("", |k| k.record),
            change.or(window).map_or("", |k| k.record),
        ];
        let scan_floor = match (&self.cursor, self.lookback.high) {
            (Cursor::Scan(_), Some(high)) if self.since.is_none() => {
                Some(high.saturating_sub(self.lookback.span_ms))
            }
            _ => None,
        };
        let mut window_keys = Vec::with_capacity(page.records.len());
        let mut change_keys = Vec::with_capacity(page.records.len());
        for record in page.records.iter() {
            let [a, b] = read_fields(record, names);
            let w = window.and_then(|k| a.as_ref().and_then(|v| key_ms(&k, v)));
            let c = change.and_then(|k| b.as_ref().and_then(|v| key_ms(&k, v)));
            window_keys.push(w);
            change_keys.push(c);
            if scan_floor.is_some_and(|floor| c.is_some_and(|c| c < floor)) {
                // Newest first: the rest of the scan is older than the look-back.
                break;
            }
        }
        (window_keys, change_keys)
    }

    /// The pull has reached its end: the watermark and the shortfall.
    fn finish(&mut self, last_page: u64) {
        self.finished = true;
        if self.watch.is_some() {
            self.watermark = self.lookback.high.or(self.previous_watermark);
            if let Some(w) = self.watermark {
                let floor = w.saturating_sub(self.lookback.span_ms);
                self.lookback.recent.retain(|r| r.key >= floor);
            }
        }
        if self.plan.full && self.since.is_none() {
            let delivered = self.counters.records.load(Ordering::Relaxed) + last_page;
            if let Some(announced) = self.announced.filter(|a| *a > delivered) {
                tracing::debug!(
                    announced,
                    delivered,
                    "the pull returned fewer records than announced"
                );
                self.counters.set_shortfall(announced - delivered);
            }
        }
        self.counters.done.store(true, Ordering::Relaxed);
    }

    fn next_request(&self) -> PageRequest {
        let plan = &self.plan;
        let mut body = Map::new();
        let mut sort = (plan.sort_field.clone(), plan.sort_direction);
        let limit = match &self.cursor {
            Cursor::Probe => {
                let change = self.watch.expect("a probe watches the change key");
                body.insert("filters".into(), self.request_filters());
                sort = (Some(change.sort.to_owned()), Some(SortDirection::Desc));
                1
            }
            Cursor::Skip(skip) => {
                if let Some(filters) = &self.filters {
                    body.insert("filters".into(), filters.clone());
                }
                let mut limit = u64::from(plan.limit);
                if let Some(n) = self.remaining {
                    limit = limit.min(n.max(1));
                }
                if let Some(window) = plan.spec.skip_limit_window {
                    limit = limit.min(window.saturating_sub(*skip).max(1));
                }
                body.insert("skip".into(), json!(skip));
                limit as u32
            }
            Cursor::Window(windows) => {
                let (filters, skip) = windows.request(self.filters.as_ref());
                body.insert("filters".into(), filters);
                body.insert("skip".into(), json!(skip));
                let direction = if windows.desc {
                    SortDirection::Desc
                } else {
                    SortDirection::Asc
                };
                sort = (Some(windows.key.sort.to_owned()), Some(direction));
                let mut limit = u64::from(plan.limit);
                if let Some(n) = self.remaining {
                    // Enough for what is still wanted, the ties the window will repeat, and the skip.
                    let ties = windows.ids_held() as u64;
                    limit = limit.min(n.saturating_add(self.skip_left).saturating_add(ties).max(1));
                }
                limit as u32
            }
            Cursor::Scan(scan) => {
                body.insert("filters".into(), scan.cursor.clone());
                body.insert("isScan".into(), Value::Bool(true));
                plan.limit
            }
        };
        body.insert("limit".into(), json!(limit));
        if let Some(field) = sort.0 {
            body.insert("sortField".into(), json!(field));
        }
        if let Some(direction) = sort.1 {
            body.insert("sortDirection".into(), json!(direction.name()));
        }
        PageRequest {
            path: plan.spec.path,
            auth: if plan.spec.prefer_legacy_token {
                AuthUse::PreferLegacyToken
            } else {
                AuthUse::Default
            },
            body: Value::Object(body),
            limit,
            // A body sent in chunks has no length to reserve by: pages are about the same size, so a
            // little more than the last one is enough, and the buffer is not grown by doubling.
            expect_bytes: self.page_bytes.saturating_add(self.page_bytes / 8),
        }
    }

    fn start_prefetch(&mut self) {
        // Prefetching needs a tokio runtime to run on; a caller polling from elsewhere just waits per page.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let request = self.next_request();
        let client = self.client.clone();
        let cancel = self.cancel.clone();
        self.pending = Some(runtime.spawn(async move { request.send(&client, &cancel).await }));
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        if let Some(task) = self.pending.take() {
            task.abort();
        }
    }
}

/// One list request, owned so it can move into a prefetch task.
struct PageRequest {
    path: &'static str,
    auth: AuthUse,
    body: Value,
    limit: u32,
    /// The bytes the page's buffer reserves before the first piece arrives.
    expect_bytes: usize,
}

impl PageRequest {
    async fn send(self, client: &Client, cancel: &CancelToken) -> Result<Fetched> {
        // Lists accept POST with a JSON body (api.md §2); list reads are safe to retry.
        let call = ApiCall {
            method: reqwest::Method::POST,
            path: self.path,
            query: &[],
            body: Some(&self.body),
            retry: RetryClass::Read,
            auth: self.auth,
        };
        let (page, meta) = client
            .http()
            .call_streamed(&call, cancel, || {
                ListParser::with_capacity(self.expect_bytes)
            })
            .await?;
        Ok(Fetched {
            page,
            meta,
            limit: self.limit,
        })
    }
}

/// `total` as a count; the server may send it as a float (api.md §2: lenient numbers).
fn lenient_count(total: &Value) -> Option<u64> {
    total
        .as_u64()
        .or_else(|| total.as_f64().filter(|t| *t >= 0.0).map(|t| t as u64))
}

#[cfg(test)]
mod tests;
