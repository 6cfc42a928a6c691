//! Streaming list queries: [`QueryRequest`] says what to list, [`Pager`] fetches it page by page.
//!
//! The rules come from spec §4: advance `skip` by the number of records received (never by `limit`), stop
//! when `hasNext` is false or `data` is empty, never trust `total` (approximate, §4.2, §14.16), and pull
//! large activity sets in scan mode, following `nextQueryFilters` (§4.4). Records can shift between
//! requests (new ones arrive at the head), so `_id`s are remembered as 64-bit hashes and a record seen
//! before is dropped (`Seen`): a few bytes per record, never the record itself.
//!
//! Records stay as the server's JSON text ([`RawValue`]): they are never decoded into values and
//! re-encoded, which keeps a page cheap to hand over to the C ABI and the PowerShell layer. Each response
//! is parsed as it downloads (`crate::stream`), so a 5000-activity page is never held as one 14 MB body.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use tokio::task::JoinHandle;

use crate::cancel::CancelToken;
use crate::client::Client;
use crate::entity::{spec, EntityKind, EntitySpec, ScanSpec};
use crate::error::{Error, ErrorKind, Result};
use crate::filter::check_raw;
use crate::http::{ApiCall, AuthUse, CallMeta, RetryClass};
use crate::stream::{ListPage, ListParser};

/// The page size used when the caller gives none (the API's own default, spec §4.3).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// `asc` or `desc` (spec §4.1).
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
    /// A raw MDCA filter object (spec §5), sent untouched. Build one with [`crate::FilterBuilder`] to have it
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
    /// Activities: force (`true`) or forbid (`false`) scan mode; unset lets the pager choose (spec §4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<bool>,
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
                "keys are filters, sort_field, sort_direction, page_size, first, skip, all, scan",
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
}

/// How a query pages, decided once from the request and the entity table.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    spec: &'static EntitySpec,
    scan: bool,
    /// `limit` of each request (the most records one request asks for).
    limit: u32,
    filters: Option<Value>,
    sort_field: Option<String>,
    sort_direction: Option<SortDirection>,
    skip: u64,
    /// Records to return in all; `None` means until the end.
    wanted: Option<u64>,
}

impl Plan {
    fn new(kind: EntityKind, req: QueryRequest) -> Result<Plan> {
        let spec = spec(kind);
        if let Some(filters) = &req.filters {
            check_raw(filters)?;
        }
        if let Some(field) = &req.sort_field {
            if !spec.has_sort_field(field) {
                return Err(Error::invalid_argument(format!(
                    "{kind} cannot be sorted by {field:?}; sort fields are {}",
                    spec.sort_fields.join(", ")
                )));
            }
        }
        if req.page_size == Some(0) {
            return Err(Error::invalid_argument("page_size must be at least 1"));
        }
        let skip = req.skip.unwrap_or(0);
        let cap = spec.page_cap;
        // Records the caller wants when paging by skip/limit: `first`, else everything, else one page.
        let wanted = match (req.first, req.all) {
            (Some(n), _) => Some(n),
            (None, true) => None,
            (None, false) => Some(u64::from(req.page_size.unwrap_or(DEFAULT_PAGE_SIZE))),
        };
        let scan = match (req.scan, spec.scan) {
            (Some(true), None) => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("scan mode exists for activities only, not for {kind} (spec §4.4)"),
                ))
            }
            (Some(true), Some(scan)) => Some(scan),
            (Some(false), _) | (None, None) => None,
            // Activities: skip/limit only reaches `skip + limit <= 5000` (spec §4.3), so bulk pulls, pages
            // above the skip/limit cap and anything beyond that window go through scan mode.
            (None, Some(scan)) => (req.all
                || req.page_size.is_some_and(|n| n > cap)
                || exceeds_window(spec, skip, wanted))
            .then_some(scan),
        };
        let limit = if let Some(scan) = scan {
            scan_limit(kind, scan, cap, &req, skip, wanted)?
        } else {
            let size = req.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
            if size > cap {
                return Err(Error::invalid_argument(format!(
                    "page_size {size} is above the {cap} records a {kind} page may carry (spec §4.3)"
                ))
                .with_hint(if spec.scan.is_some() {
                    "use scan mode (500-5000 records per request) for large activity pulls"
                } else {
                    "use page_size 1-100 and all or first to get more records"
                }));
            }
            if let Some(window) = spec.skip_limit_window {
                if exceeds_window(spec, skip, wanted) {
                    return Err(Error::invalid_argument(format!(
                        "without scan mode {kind} can be paged only within the first {window} records \
                         (skip + limit <= {window}, spec §4.3)"
                    ))
                    .with_hint("leave scan unset or set it to true for this pull"));
                }
            }
            size
        };
        Ok(Plan {
            spec,
            scan: scan.is_some(),
            limit,
            filters: req.filters,
            sort_field: req.sort_field,
            sort_direction: req.sort_direction,
            skip,
            wanted,
        })
    }
}

fn exceeds_window(spec: &EntitySpec, skip: u64, wanted: Option<u64>) -> bool {
    match (spec.skip_limit_window, wanted) {
        (Some(window), Some(n)) => skip.saturating_add(n) > window,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The `limit` of scan requests, and the checks that only apply to scan mode.
fn scan_limit(
    kind: EntityKind,
    scan: ScanSpec,
    page_cap: u32,
    req: &QueryRequest,
    skip: u64,
    wanted: Option<u64>,
) -> Result<u32> {
    let sorted_otherwise = req
        .sort_field
        .as_deref()
        .is_some_and(|f| f != scan.sort_field)
        || req.sort_direction == Some(SortDirection::Asc);
    if sorted_otherwise {
        return Err(Error::invalid_argument(format!(
            "scan mode returns {kind} newest first: sort must be {} desc (or unset)",
            scan.sort_field
        ))
        .with_hint(
            "set scan to false for another order (skip/limit paging, first 5000 records only)",
        ));
    }
    let range = scan.min_limit..=scan.max_limit;
    match req.page_size {
        Some(size) if range.contains(&size) => Ok(size),
        // A small page size only makes sense with skip/limit; an explicit scan needs a scan-sized one.
        Some(size) if req.scan == Some(true) || size > page_cap => {
            Err(Error::invalid_argument(format!(
            "page_size {size} is outside {}-{} records per request of {kind} scan mode (spec §4.3)",
            scan.min_limit, scan.max_limit
        )))
        }
        // Ask for what the caller needs when that is known and small, else the largest pages: a bulk pull is
        // bounded by the 30 requests/minute throttle, not by page size.
        _ => Ok(match wanted {
            Some(n) => u32::try_from(skip.saturating_add(n))
                .unwrap_or(u32::MAX)
                .clamp(scan.min_limit, scan.max_limit),
            None => scan.default_limit,
        }),
    }
}

/// Where the next request starts.
#[derive(Debug, Clone)]
enum Cursor {
    Skip(u64),
    Scan(Value),
}

struct Fetched {
    page: ListPage,
    meta: CallMeta,
    /// The `limit` the request asked for, to judge a page without `hasNext`.
    limit: u32,
}

/// A snapshot of a pull's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Records returned to the caller so far.
    pub records: u64,
    /// Pages returned to the caller so far.
    pub pages: u64,
    /// The server's latest `total` (approximate; never used to decide when to stop).
    pub total: Option<u64>,
    /// List requests completed (a retried request counts once).
    pub requests: u64,
    /// Extra attempts spent on retries.
    pub retries: u64,
    /// Time spent waiting for the tenant's throttle.
    pub throttle_wait: Duration,
    /// Records dropped because an earlier page already returned them.
    pub duplicates_dropped: u64,
    /// The pull has reached its end.
    pub done: bool,
}

const NO_TOTAL: u64 = u64::MAX;

struct Counters {
    records: AtomicU64,
    pages: AtomicU64,
    total: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    throttle_wait_ns: AtomicU64,
    duplicates_dropped: AtomicU64,
    done: AtomicBool,
}

impl Counters {
    fn new() -> Counters {
        Counters {
            records: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            total: AtomicU64::new(NO_TOTAL),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttle_wait_ns: AtomicU64::new(0),
            duplicates_dropped: AtomicU64::new(0),
            done: AtomicBool::new(false),
        }
    }

    fn snapshot(&self) -> Progress {
        let total = self.total.load(Ordering::Relaxed);
        Progress {
            records: self.records.load(Ordering::Relaxed),
            pages: self.pages.load(Ordering::Relaxed),
            total: (total != NO_TOTAL).then_some(total),
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttle_wait: Duration::from_nanos(self.throttle_wait_ns.load(Ordering::Relaxed)),
            duplicates_dropped: self.duplicates_dropped.load(Ordering::Relaxed),
            done: self.done.load(Ordering::Relaxed),
        }
    }

    fn count_request(&self, meta: &CallMeta) {
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
    counters: Arc<Counters>,
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
/// [`ErrorKind::Cancelled`], and any request in flight is abandoned.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    token: CancelToken,
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Hashes of `_id`s ([`crate::stream::id_hash`]). They are already well mixed, so the set hashes them no
/// further.
type IdSet = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The `_id`s a pull has returned, to drop a record returned before.
///
/// Skip/limit pages shift whenever records arrive at the head between requests, by any number of records,
/// so a repeat may come from any earlier page: that mode remembers the whole pull (one hash and one
/// control byte per record, ~9 MiB at a million). A scan's cursor only moves forward and the server drops
/// the last records of a non-final page so none repeats (spec §4.4, §14.13): a repeat, should the server
/// slip, can only come from the page just before, so scan mode keeps two generations, the current page's
/// ids and the previous page's, and its memory stays flat however long the pull.
#[derive(Debug)]
enum Seen {
    Pull(IdSet),
    Scan { current: IdSet, previous: IdSet },
}

impl Seen {
    fn new(scan: bool) -> Seen {
        if scan {
            Seen::Scan {
                current: IdSet::default(),
                previous: IdSet::default(),
            }
        } else {
            Seen::Pull(IdSet::default())
        }
    }

    /// A new response begins: in a scan, the page before last is forgotten.
    fn next_page(&mut self) {
        if let Seen::Scan { current, previous } = self {
            std::mem::swap(current, previous);
            current.clear();
        }
    }

    /// Remembers `id`; false when it was returned before.
    fn insert(&mut self, id: u64) -> bool {
        match self {
            Seen::Pull(all) => all.insert(id),
            Seen::Scan { current, previous } => current.insert(id) && !previous.contains(&id),
        }
    }

    /// Buckets held, for the memory tests.
    #[cfg(test)]
    fn capacity(&self) -> usize {
        match self {
            Seen::Pull(all) => all.capacity(),
            Seen::Scan { current, previous } => current.capacity() + previous.capacity(),
        }
    }
}

#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A page of records, as the server's JSON text.
#[derive(Debug, Clone, Default)]
pub struct Page {
    records: Vec<Box<RawValue>>,
    total: Option<u64>,
}

impl Page {
    pub fn records(&self) -> &[Box<RawValue>] {
        &self.records
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The server's `total` on the response this page came from (approximate, spec §4.2).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The records as one JSON array, joined from their original text.
    pub fn to_json_array(&self) -> String {
        let size = self
            .records
            .iter()
            .map(|r| r.get().len() + 1)
            .sum::<usize>()
            + 2;
        let mut out = String::with_capacity(size);
        out.push('[');
        for (i, record) in self.records.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(record.get());
        }
        out.push(']');
        out
    }

    /// The records as JSON text, one per record.
    pub fn into_records(self) -> Vec<Box<RawValue>> {
        self.records
    }

    /// The records decoded into values.
    pub fn into_values(self) -> Result<Vec<Value>> {
        self.records
            .iter()
            .map(|r| {
                serde_json::from_str(r.get()).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!("a record could not be decoded: {e}"),
                    )
                })
            })
            .collect()
    }
}

/// A list query in progress. Created by [`Client::query`]; call [`Pager::next_page`] until it returns
/// `Ok(None)`.
///
/// After returning a page the pager already requests the next one in the background (unless the client was
/// built with `prefetch: false`), so the network wait overlaps the caller's work. A failed request leaves the
/// pager where it was: calling `next_page` again retries it.
pub struct Pager {
    client: Client,
    plan: Plan,
    cursor: Cursor,
    seen: Seen,
    /// Records still to drop client-side (scan mode has no `skip`).
    skip_left: u64,
    /// Records still to return; `None` until the end.
    remaining: Option<u64>,
    finished: bool,
    prefetch: bool,
    pending: Option<JoinHandle<Result<Fetched>>>,
    counters: Arc<Counters>,
    cancel: CancelToken,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("entity", &self.plan.spec.kind)
            .field("scan", &self.plan.scan)
            .field("limit", &self.plan.limit)
            .field("progress", &self.counters.snapshot())
            .finish_non_exhaustive()
    }
}

impl Pager {
    /// Validates the request against the entity table; sends nothing.
    pub(crate) fn new(
        client: Client,
        kind: EntityKind,
        req: QueryRequest,
        prefetch: bool,
    ) -> Result<Pager> {
        let plan = Plan::new(kind, req)?;
        let cursor = if plan.scan {
            Cursor::Scan(
                plan.filters
                    .clone()
                    .unwrap_or_else(|| Value::Object(Map::new())),
            )
        } else {
            Cursor::Skip(plan.skip)
        };
        let scan = plan.scan;
        let skip_left = if scan { plan.skip } else { 0 };
        let counters = Arc::new(Counters::new());
        let finished = plan.wanted == Some(0);
        counters.done.store(finished, Ordering::Relaxed);
        Ok(Pager {
            client,
            remaining: plan.wanted,
            plan,
            cursor,
            seen: Seen::new(scan),
            skip_left,
            finished,
            prefetch,
            pending: None,
            counters,
            cancel: CancelToken::new(),
        })
    }

    /// The entity being listed.
    pub fn kind(&self) -> EntityKind {
        self.plan.spec.kind
    }

    /// Whether the pull uses activity scan mode.
    pub fn is_scan(&self) -> bool {
        self.plan.scan
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
            let page = self.absorb(fetched);
            if !self.finished && self.prefetch {
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
    fn absorb(&mut self, fetched: Fetched) -> Page {
        let Fetched { page, meta, limit } = fetched;
        self.counters.count_request(&meta);
        let total = page.total.as_ref().and_then(lenient_count);
        if let Some(t) = total {
            self.counters.total.store(t, Ordering::Relaxed);
        }
        let received = page.records.len();
        let more = received > 0
            && match &mut self.cursor {
                Cursor::Skip(skip) => {
                    *skip += received as u64;
                    // Every list response should carry `hasNext` (spec §4.2); without it a full page is the
                    // only sign that more may follow.
                    let more = page.has_next.unwrap_or(received as u64 >= u64::from(limit));
                    more && self.plan.spec.skip_limit_window.is_none_or(|w| *skip < w)
                }
                Cursor::Scan(filters) => match page.next_query_filters {
                    Some(next) if page.has_next == Some(true) => {
                        *filters = keep_caller_filters(next, self.plan.filters.as_ref());
                        true
                    }
                    _ => false,
                },
            };

        self.seen.next_page();
        let (seen, skip_left, remaining) =
            (&mut self.seen, &mut self.skip_left, &mut self.remaining);
        let mut ids = page.ids.into_iter();
        let mut records = page.records;
        let mut duplicates = 0;
        // Filtered in place: the page's records are not copied into a second list.
        records.retain(|_| {
            let id = ids.next().flatten();
            if *remaining == Some(0) {
                return false;
            }
            if id.is_some_and(|hash| !seen.insert(hash)) {
                duplicates += 1;
                return false;
            }
            if *skip_left > 0 {
                *skip_left -= 1;
                return false;
            }
            if let Some(n) = remaining {
                *n -= 1;
            }
            true
        });
        self.counters
            .duplicates_dropped
            .fetch_add(duplicates, Ordering::Relaxed);
        if !more || self.remaining == Some(0) {
            self.finished = true;
            self.counters.done.store(true, Ordering::Relaxed);
        }
        Page { records, total }
    }

    fn next_request(&self) -> PageRequest {
        let plan = &self.plan;
        let mut body = Map::new();
        let limit = match &self.cursor {
            Cursor::Skip(skip) => {
                if let Some(filters) = &plan.filters {
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
            Cursor::Scan(filters) => {
                body.insert("filters".into(), filters.clone());
                body.insert("isScan".into(), Value::Bool(true));
                plan.limit
            }
        };
        body.insert("limit".into(), json!(limit));
        if let Some(field) = &plan.sort_field {
            body.insert("sortField".into(), json!(field));
        }
        if let Some(direction) = plan.sort_direction {
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
}

impl PageRequest {
    async fn send(self, client: &Client, cancel: &CancelToken) -> Result<Fetched> {
        // Lists accept POST with a JSON body (spec §2); list reads are safe to retry.
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
            .call_streamed(&call, cancel, ListParser::new)
            .await?;
        Ok(Fetched {
            page,
            meta,
            limit: self.limit,
        })
    }
}

/// The scan cursor the server sent, with any of the caller's filter fields it left out put back, so the
/// caller's conditions hold on every page whatever the server's cursor format (spec §4.4).
fn keep_caller_filters(next: Value, caller: Option<&Value>) -> Value {
    match (next, caller) {
        (Value::Object(mut next), Some(Value::Object(caller))) => {
            for (field, condition) in caller {
                next.entry(field.clone())
                    .or_insert_with(|| condition.clone());
            }
            Value::Object(next)
        }
        (next, _) => next,
    }
}

/// `total` as a count; the server may send it as a float (spec §2: lenient numbers).
fn lenient_count(total: &Value) -> Option<u64> {
    total
        .as_u64()
        .or_else(|| total.as_f64().filter(|t| *t >= 0.0).map(|t| t as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::id_hash;

    fn plan(kind: EntityKind, json: &str) -> Result<Plan> {
        Plan::new(kind, QueryRequest::from_json(json).unwrap())
    }

    #[test]
    fn camel_case_aliases_are_accepted_and_unknown_keys_refused() {
        let req =
            QueryRequest::from_json(r#"{"sortField":"date","sortDirection":"asc","pageSize":10}"#)
                .unwrap();
        assert_eq!(req.sort_field.as_deref(), Some("date"));
        assert_eq!(req.sort_direction, Some(SortDirection::Asc));
        assert_eq!(req.page_size, Some(10));
        let err = QueryRequest::from_json(r#"{"limit": 10}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidJson);
    }

    #[test]
    fn activities_choose_scan_for_bulk_pulls_only() {
        assert!(
            !plan(EntityKind::Activities, r#"{"first": 200}"#)
                .unwrap()
                .scan
        );
        assert!(
            plan(EntityKind::Activities, r#"{"all": true}"#)
                .unwrap()
                .scan
        );
        let beyond = plan(EntityKind::Activities, r#"{"skip": 4990, "first": 20}"#).unwrap();
        assert!(beyond.scan);
        assert_eq!(beyond.limit, 5000);
        assert_eq!(
            plan(EntityKind::Activities, r#"{"all": true}"#)
                .unwrap()
                .limit,
            5000
        );
        assert!(!plan(EntityKind::Alerts, r#"{"all": true}"#).unwrap().scan);
    }

    #[test]
    fn scan_false_cannot_reach_past_the_skip_limit_window() {
        let err = plan(EntityKind::Activities, r#"{"all": true, "scan": false}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }

    fn short_page(first_id: u64, n: u64, has_next: bool) -> Fetched {
        let records = (first_id..first_id + n).map(|i| format!(r#"{{"_id":"r{i}"}}"#));
        let text = format!(
            r#"{{"data":[{}],"hasNext":{has_next},"total":1000}}"#,
            records.collect::<Vec<_>>().join(",")
        );
        Fetched {
            page: ListPage::parse(text.as_bytes()).unwrap(),
            meta: CallMeta {
                status: 200,
                attempts: 1,
                throttle_wait: Duration::ZERO,
            },
            limit: 100,
        }
    }

    /// A pager of every file, fed by hand through `absorb` (the address is never contacted).
    fn files_pager() -> Pager {
        let client = crate::Client::builder("http://127.0.0.1:9")
            .legacy_token("t".repeat(64))
            .build()
            .unwrap();
        Pager::new(client, EntityKind::Files, QueryRequest::new().all(), false).unwrap()
    }

    #[test]
    fn skip_advances_by_the_records_received_not_by_the_limit() {
        let mut pager = files_pager();
        // A short page (60 of the 100 asked for) that still has a next one.
        let page = pager.absorb(short_page(0, 60, true));
        assert_eq!(page.len(), 60);
        assert!(matches!(pager.cursor, Cursor::Skip(60)));
        assert!(!pager.finished);
        assert_eq!(pager.next_request().body["skip"], 60);
        // hasNext false ends the pull whatever the total says.
        pager.absorb(short_page(60, 40, false));
        assert!(pager.finished);
        assert!(pager.progress().done);
    }

    #[test]
    fn clients_pagers_and_their_futures_move_between_threads() {
        fn send_sync<T: Send + Sync>(_: &T) {}
        fn send<T: Send>(_: &T) {}
        let client = crate::Client::builder("http://127.0.0.1:9")
            .legacy_token("t".repeat(64))
            .build()
            .unwrap();
        send_sync(&client);
        let mut pager = client
            .query(EntityKind::Alerts, QueryRequest::new())
            .unwrap();
        send_sync(&pager.cancel_handle());
        send_sync(&pager.progress_handle());
        send(&pager.next_page());
        send(&pager);
    }

    /// The id of record `i` as a page would carry it.
    fn id(i: u64) -> u64 {
        id_hash(format!(r#""{i:024x}""#).as_bytes())
    }

    /// hashbrown stores one u64 and one control byte per bucket.
    fn bytes_held(seen: &Seen) -> usize {
        seen.capacity() * (std::mem::size_of::<u64>() + 1)
    }

    #[test]
    fn remembering_a_million_ids_stays_far_under_64_mib() {
        // Skip/limit paging remembers the whole pull; at a million ids that is still small.
        let mut seen = Seen::new(false);
        for i in 0..1_000_000u64 {
            assert!(seen.insert(id(i)), "hash collision at {i}");
        }
        let bytes = bytes_held(&seen);
        assert!(bytes < 32 << 20, "{bytes} bytes");
    }

    #[test]
    fn skip_limit_paging_drops_a_repeat_from_any_earlier_page() {
        let mut seen = Seen::new(false);
        for page in 0..10u64 {
            seen.next_page();
            for i in page * 100..(page + 1) * 100 {
                assert!(seen.insert(id(i)));
            }
        }
        seen.next_page();
        assert!(!seen.insert(id(0)), "a record of the first page, shifted");
        assert!(!seen.insert(id(999)));
    }

    #[test]
    fn a_scan_remembers_the_current_and_previous_page_only() {
        let mut seen = Seen::new(true);
        seen.next_page();
        assert!((0..5000).all(|i| seen.insert(id(i))));
        // The next page repeating the previous one's last records: dropped.
        seen.next_page();
        assert!((4990..5000).all(|i| !seen.insert(id(i))));
        assert!((5000..10_000).all(|i| seen.insert(id(i))));
        // A repeat within one page: dropped.
        assert!(!seen.insert(id(7000)));
        // The page after: the previous page's ids still count, the first page's are forgotten.
        seen.next_page();
        assert!(!seen.insert(id(9999)));
        assert!(seen.insert(id(0)));
    }

    #[test]
    fn a_scan_of_a_million_ids_holds_two_pages_of_ids() {
        let mut seen = Seen::new(true);
        for page in 0..200u64 {
            seen.next_page();
            for i in page * 5000..(page + 1) * 5000 {
                assert!(seen.insert(id(i)), "hash collision at {i}");
            }
        }
        // Two sets of 5000 ids (8192 buckets each), whatever the length of the pull.
        let bytes = bytes_held(&seen);
        assert!(bytes <= 2 * 8192 * 9, "{bytes} bytes");
    }

    #[test]
    fn duplicates_are_dropped_and_counted_by_id() {
        let mut pager = files_pager();
        assert_eq!(pager.absorb(short_page(0, 50, true)).len(), 50);
        // Ten new records arrived at the head: the next page starts with ten already returned.
        let page = pager.absorb(short_page(40, 50, false));
        assert_eq!(page.len(), 40);
        assert!(page.records()[0].get().contains(r#""r50""#));
        assert_eq!(pager.progress().duplicates_dropped, 10);
    }
}
