//! List semantics (api.md §4, §14 rules 10–16): page size, `max`, `hasNext`, sort order, the activity
//! scan cursor and the 5000 rule.
//!
//! Decisions not fixed by api.md (documented for the simulator README):
//! - `skip` and `limit` must be ≥ 0 (else the rule-19 body); `limit: 0` answers no records but a true
//!   `total`/`hasNext`.
//! - Every envelope carries `data`, `total`, `hasNext`, `max` (the applied page size) and `moreThanTotal`
//!   (true only when an approximate total was reported below the true count); `nextQueryFilters` appears
//!   only on a non-final activity scan page.
//! - Sorting is stable: ties are broken by record order (newest first) in both directions. An unknown
//!   `sortField` or a `sortDirection` other than `asc`/`desc` (any case) → the rule-19 body.
//! - Scan mode ignores `skip`, always reads `date` descending (another `sortField` or `asc` → 400) and
//!   answers `nextQueryFilters` = the caller's filters (all kept) with `date.lte` set to the cursor T,
//!   the timestamp of the page's last record. Every trailing record of the page stamped T is dropped (at
//!   least one, usually exactly one), so the next page starts with them and nothing repeats or is lost;
//!   records inserted at the head meanwhile are newer than T and never reach a running scan. If a whole
//!   page shared one millisecond (impossible with the generated data) the page is extended over that
//!   millisecond instead and the cursor is T - 1.
//! - Filters that leave more than 10,000 candidates on activities or files are evaluated once over the
//!   whole entity and the match list is kept (last 4 filter sets); later pages, scan cursors and deep
//!   skips then cost a binary search. Head inserts extend a kept list. A list sorted on an integer
//!   field it is also bounded on (files `createdDate`, activities `created`) keeps the match list of
//!   the other conditions sorted by that key (see `by_key`): keyset pages cost a binary search too.
//! - Outside scan mode activities reject `skip + limit > 5000` (after the 100 cap), value `skip + limit`.
//! - The approximate-total switch applies to activities only: `total` is moved by 1–3 either way,
//!   deterministically per (total, skip); `hasNext` stays exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::behaviour::{Behaviour, ScanCursor};
use crate::data::rng::hash;
use crate::data::rng::mix;
use crate::data::{DataError, Dataset, Entity, ListQuery, ListResult};
use crate::filter::{compile, invalid, Arg, Cond, Eval, FieldDef, Op};

/// Page size when `limit` is omitted, and the cap outside activity scan (api.md §4.3).
pub const DEFAULT_LIMIT: i64 = 100;
pub const SCAN_MIN: i64 = 500;
pub const SCAN_MAX: i64 = 5000;
/// Activities outside scan mode: `skip + limit` must stay within this (api.md §14 rule 15).
pub const SKIP_WINDOW: i64 = 5000;

/// A sort key value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Int(i64),
    Str(String),
}

/// How a `sortField` orders records.
pub enum SortKey {
    /// Record order: index ascending is newest first, i.e. the entity's date descending.
    Index,
    Fast(fn(&Dataset, i64) -> Key),
    Json(fn(&Value) -> Key),
}

pub struct SortDef {
    pub name: &'static str,
    pub key: SortKey,
}

/// A timestamp that never increases with the index (the entity's `date`), which lets date filters
/// narrow the index range by binary search instead of testing every record.
#[derive(Clone, Copy)]
pub struct Axis {
    pub field: &'static str,
    pub ts: fn(&Dataset, i64) -> i64,
}

/// One entity's records as the list machinery sees them: indices `lo..hi`, newest first.
pub struct Source<'a> {
    pub entity: Entity,
    pub ds: &'a Dataset,
    /// The instant relative operators (`*_ndays`) count from: the request's now (api.md §16 rule 30).
    pub now_ms: i64,
    /// The entity's mutation generation, read before `lo..hi` (see `MatchCache`).
    pub generation: usize,
    pub lo: i64,
    pub hi: i64,
    pub fields: &'static [FieldDef<Dataset>],
    pub record: &'a dyn Fn(i64) -> Value,
    /// Appends record `i` as compact JSON text, the same bytes as serialising `record(i)`: pages are
    /// written with this and never build a `Value`.
    pub text: &'a dyn Fn(i64, &mut Vec<u8>),
    pub axis: Option<Axis>,
    /// Accepted sort fields; the first is the default.
    pub sorts: &'static [SortDef],
    /// Conditions the entity always applies (files: hide deleted unless `allowDeleted`, api.md §14 rule 20).
    pub implicit: Vec<Cond<Dataset>>,
    /// Where match lists of immutable entities are remembered across requests (activities, files).
    pub cache: Option<&'a MatchCache>,
}

impl Source<'_> {
    pub(crate) fn eval(&self) -> Eval<'_, Dataset> {
        Eval {
            ctx: self.ds,
            now_ms: self.now_ms,
            record: self.record,
        }
    }

    /// The indices matching `conds`, in record order (newest first) within `lo..hi`.
    pub fn matching(&self, conds: &[Cond<Dataset>]) -> Vec<i64> {
        let eval = self.eval();
        (self.lo..self.hi)
            .filter(|i| eval.matches(conds, *i))
            .collect()
    }

    /// Compiles `filters` plus the entity's implicit conditions.
    pub fn compile(&self, filters: &Map<String, Value>) -> Result<Vec<Cond<Dataset>>, DataError> {
        let mut conds = compile(filters, self.fields).map_err(DataError::Validation)?;
        conds.extend(self.implicit.iter().map(|c| Cond {
            field: c.field,
            op: c.op,
            arg: c.arg.clone(),
        }));
        Ok(conds)
    }
}

fn bad(v: impl ToString) -> DataError {
    DataError::Validation(invalid(&v.to_string()))
}

/// Answers one list request (api.md §4).
/// `flush`, when given, takes the page's text in pieces as it is written (the server streams them), and
/// the result keeps only the last piece: see [`Records`].
pub fn run(
    src: &Source,
    q: &ListQuery,
    approximate: bool,
    flush: Option<Flush<'_>>,
) -> Result<ListResult, DataError> {
    let skip = q.skip.unwrap_or(0);
    if skip < 0 {
        return Err(bad(skip));
    }
    if let Some(limit) = q.limit.filter(|l| *l < 0) {
        return Err(bad(limit));
    }
    let conds = src.compile(&q.filters)?;
    let (lo, hi, conds) = narrow(src, conds);
    let behaviour = src.ds.behaviour();
    let nonce = src.ds.requests.fetch_add(1, Ordering::Relaxed);
    let roll = hash(src.ds.seed(), 0x5CA7, nonce as i64, 1);
    let emit = Emit {
        approximate,
        flush,
        behaviour,
        roll,
    };
    if q.is_scan && src.entity == Entity::Activities {
        return scan(src, q, lo, hi, &conds, emit);
    }
    let size = q.limit.unwrap_or(DEFAULT_LIMIT).min(DEFAULT_LIMIT);
    if src.entity == Entity::Activities && skip + size > SKIP_WINDOW {
        return Err(bad(skip + size));
    }
    let sort_name = q.sort_field.as_deref().unwrap_or(src.sorts[0].name);
    let sort = src
        .sorts
        .iter()
        .find(|s| s.name == sort_name)
        .ok_or_else(|| bad(sort_name))?;
    let descending = descending(q.sort_direction.as_deref())?;

    let unstable = emit.behaviour.unstable_ties;
    // Rule 34: equal sort keys are ordered by this request's random number, not by record order.
    let tie = |i: i64| {
        if unstable {
            hash(src.ds.seed(), 0x71E5, i, roll) as i64
        } else {
            i
        }
    };
    let keyed = match &sort.key {
        SortKey::Fast(f) => by_key(src, sort.name, *f, lo, hi, &conds),
        _ => None,
    };
    if let Some((keyed, a, b)) = keyed {
        let total = b - a;
        let from = (skip as usize).min(total);
        let to = (skip as usize).saturating_add(size as usize).min(total);
        let at = |k: usize| keyed[if descending { b - 1 - k } else { a + k }];
        let page = if from < to {
            // Widen the page to whole groups of equal keys, order them by tie, cut again.
            let (mut wa, mut wb) = (from, to);
            while wa > 0 && at(wa - 1).0 == at(wa).0 {
                wa -= 1;
            }
            while wb < total && at(wb).0 == at(wb - 1).0 {
                wb += 1;
            }
            let mut window: Vec<(i64, i64, i64)> = (wa..wb)
                .map(|k| {
                    let (key, i) = at(k);
                    (if descending { -key } else { key }, tie(i), i)
                })
                .collect();
            window.sort_unstable();
            window[from - wa..to - wa].iter().map(|w| w.2).collect()
        } else {
            Vec::new()
        };
        return Ok(list_page(src, page, total as u64, skip, size, emit));
    }
    let hits = matched(src, lo, hi, &conds);
    let total = hits.len();
    let page: Vec<i64> = match &sort.key {
        SortKey::Index => {
            let from = (skip as usize).min(total);
            let to = (skip as usize).saturating_add(size as usize).min(total);
            let at = |k: usize| hits.get(if descending { k } else { total - 1 - k });
            match src.axis.filter(|_| unstable && from < to) {
                None => (from..to).map(at).collect(),
                Some(axis) => {
                    // Widen the page to whole groups of equal dates, shuffle inside them, cut again.
                    let ts = |k: usize| (axis.ts)(src.ds, at(k));
                    let mut a = from;
                    while a > 0 && ts(a - 1) == ts(a) {
                        a -= 1;
                    }
                    let mut b = to;
                    while b < total && ts(b) == ts(b - 1) {
                        b += 1;
                    }
                    let mut window: Vec<(i64, i64, i64)> = (a..b)
                        .map(|k| {
                            let t = ts(k);
                            let i = at(k);
                            (if descending { -t } else { t }, tie(i), i)
                        })
                        .collect();
                    window.sort_unstable();
                    window[from - a..to - a].iter().map(|w| w.2).collect()
                }
            }
        }
        key => {
            let mut keyed: Vec<(Key, i64)> = (0..total)
                .map(|k| hits.get(k))
                .map(|i| (sort_key(src, key, i), i))
                .collect();
            keyed.sort_by(|a, b| {
                let by_key = if descending {
                    b.0.cmp(&a.0)
                } else {
                    a.0.cmp(&b.0)
                };
                by_key.then(tie(a.1).cmp(&tie(b.1)))
            });
            keyed
                .iter()
                .skip(skip as usize)
                .take(size as usize)
                .map(|(_, i)| *i)
                .collect()
        }
    };
    Ok(list_page(src, page, total as u64, skip, size, emit))
}

/// A skip/limit page, with `hasNext` bent by the rule-35 switch.
fn list_page(
    src: &Source,
    page: Vec<i64>,
    total: u64,
    skip: i64,
    size: i64,
    emit: Emit<'_>,
) -> ListResult {
    let wrong = emit.behaviour.has_next_wrong;
    let len = page.len() as u64;
    let skip = skip as u64;
    let mut result = finish(src, page, total, skip, size as u64, None, emit);
    // Rule 35: `hasNext` false one page early, or true one page late, for some (skip, total).
    if wrong && hash(src.ds.seed(), 0x4A5, skip as i64, total) % 2 == 0 {
        let real = skip + len < total;
        if real && skip + len + size as u64 >= total {
            result.has_next = false;
        } else if !real && len > 0 {
            result.has_next = true;
        }
    }
    result
}

/// Matches as `(key, index)`, ascending.
type Keyed = Arc<Vec<(i64, i64)>>;

/// A kept match list, the field it is sorted by, and the sorted list.
type SortedList = (Arc<Vec<i64>>, String, Keyed);

/// The matches of a list sorted on an integer field that is also a filter field (files
/// `createdDate`, activities `created`), as `(key, index)` ascending, and the part `a..b` whose keys
/// the request's bounds on that field allow. The other conditions select a match list (kept across
/// requests, patched for mutations), sorted once by key: a keyset pull (`createdDate gte W`, W moving
/// every page) then costs a binary search per page instead of testing and sorting every record.
/// `None` when the entity is not cached, the range is narrowed by the date axis, or keys are text.
fn by_key(
    src: &Source,
    field: &str,
    key: fn(&Dataset, i64) -> Key,
    lo: i64,
    hi: i64,
    conds: &[Cond<Dataset>],
) -> Option<(Keyed, usize, usize)> {
    let cache = src.cache?;
    let (mut low, mut high) = (i64::MIN, i64::MAX);
    let mut rest = Vec::new();
    for c in conds {
        match bounds(c, src.now_ms).filter(|_| c.field.name() == field) {
            Some((l, h)) => {
                low = low.max(l.unwrap_or(i64::MIN));
                high = high.min(h.unwrap_or(i64::MAX));
            }
            None => rest.push(Cond {
                field: c.field,
                op: c.op,
                arg: c.arg.clone(),
            }),
        }
    }
    let Matched::List(hits, 0, n) = matched(src, lo, hi, &rest) else {
        return None;
    };
    if n != hits.len() {
        return None;
    }
    let keyed = cache.sorted(&hits, field, |i| match key(src.ds, i) {
        Key::Int(k) => Some(k),
        Key::Str(_) => None,
    })?;
    let a = keyed.partition_point(|(k, _)| *k < low);
    let b = keyed.partition_point(|(k, _)| *k <= high).max(a);
    Some((keyed, a, b))
}

fn descending(dir: Option<&str>) -> Result<bool, DataError> {
    match dir {
        None => Ok(true),
        Some(d) if d.eq_ignore_ascii_case("desc") => Ok(true),
        Some(d) if d.eq_ignore_ascii_case("asc") => Ok(false),
        Some(d) => Err(bad(d)),
    }
}

fn sort_key(src: &Source, key: &SortKey, i: i64) -> Key {
    match key {
        SortKey::Index => Key::Int(i),
        SortKey::Fast(f) => f(src.ds, i),
        SortKey::Json(f) => f(&(src.record)(i)),
    }
}

/// The records matching `conds` within `lo..hi`, in record order.
enum Matched {
    /// Every index of the range (no conditions left after narrowing).
    Range(i64, i64),
    /// `hits[from..to]`, sorted ascending.
    List(Arc<Vec<i64>>, usize, usize),
}

impl Matched {
    fn len(&self) -> usize {
        match self {
            Matched::Range(lo, hi) => (hi - lo).max(0) as usize,
            Matched::List(_, from, to) => to - from,
        }
    }

    /// The k-th match (k < len).
    fn get(&self, k: usize) -> i64 {
        match self {
            Matched::Range(lo, _) => lo + k as i64,
            Matched::List(hits, from, _) => hits[from + k],
        }
    }
}

/// Ranges at most this long are tested directly; longer ones go through the cache, which tests the
/// entity's whole range once so that later pages (scan cursors, skips) cost a binary search. Files
/// always carry the implicit not-deleted condition: at 20,000 files, testing every record on each
/// 100-record page cost twice as much CPU as writing the page.
const CACHE_MIN: i64 = 10_000;
const CACHE_ENTRIES: usize = 4;

fn matched(src: &Source, lo: i64, hi: i64, conds: &[Cond<Dataset>]) -> Matched {
    if conds.is_empty() {
        return Matched::Range(lo, hi.max(lo));
    }
    let collect = |a: i64, b: i64| -> Vec<i64> {
        let eval = src.eval();
        (a..b).filter(|i| eval.matches(conds, *i)).collect()
    };
    let key = cache_key(src.entity, conds, src.now_ms);
    let cache = src
        .cache
        .filter(|c| hi - lo > CACHE_MIN || c.holds(&key, src.hi));
    let Some(cache) = cache else {
        let hits = collect(lo, hi);
        let n = hits.len();
        return Matched::List(Arc::new(hits), 0, n);
    };
    let eval = src.eval();
    let patch = Patch {
        generation: src.generation,
        touched: &|since| src.ds.touched_since(src.entity, since),
        test: &|i| eval.matches(conds, i),
    };
    let hits = cache.get_or_compute(&key, src.lo, src.hi, &patch, collect);
    let from = hits.partition_point(|i| *i < lo);
    let to = hits.partition_point(|i| *i < hi);
    Matched::List(hits, from, to.max(from))
}

fn cache_key(e: Entity, conds: &[Cond<Dataset>], now_ms: i64) -> String {
    let mut key = e.name().to_string();
    // The superseded condition's bound moves with every head insert; kept lists are patched for it.
    for c in conds.iter().filter(|c| c.field.name() != "_superseded") {
        key.push_str(&format!("|{}.{}={:?}", c.field.name(), c.op.name(), c.arg));
        // Relative operators count from the request's now, which moves in live mode (rule 30).
        if matches!(c.op, Op::GteNdays | Op::LteNdays) {
            key.push_str(&format!("@{now_ms}"));
        }
    }
    key
}

struct CacheEntry {
    key: String,
    lo: i64,
    hi: i64,
    /// The entity's mutation generation the list is right for.
    generation: usize,
    hits: Arc<Vec<i64>>,
}

/// How a kept list catches up with mutations: the indices touched since a generation are tested again.
struct Patch<'a> {
    generation: usize,
    touched: &'a dyn Fn(usize) -> std::collections::HashSet<i64>,
    test: &'a dyn Fn(i64) -> bool,
}

/// The last few match lists of the big entities, keyed by their conditions. Head inserts extend an
/// entry; records changed since it was built (live mode) are tested again and patched in or out.
#[derive(Default)]
pub struct MatchCache {
    entries: Mutex<Vec<CacheEntry>>,
    /// Match lists sorted by an integer key: (the match list, the key's field, `(key, index)`
    /// ascending). Keyed by the list itself (`Arc::ptr_eq`), which a patch or insert replaces.
    sorted: Mutex<Vec<SortedList>>,
    /// How many times a whole range was tested (observability for tests and stats).
    full_passes: AtomicU64,
}

impl MatchCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<CacheEntry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn holds(&self, key: &str, hi: i64) -> bool {
        self.entries().iter().any(|e| e.key == key && e.hi == hi)
    }

    pub fn full_passes(&self) -> u64 {
        self.full_passes.load(Ordering::Relaxed)
    }

    /// `hits` as `(key(i), i)` ascending, built once per match list and field; `None` when a key
    /// is not an integer.
    fn sorted(
        &self,
        hits: &Arc<Vec<i64>>,
        field: &str,
        key: impl Fn(i64) -> Option<i64>,
    ) -> Option<Keyed> {
        let lock = || self.sorted.lock().unwrap_or_else(|e| e.into_inner());
        let known = lock()
            .iter()
            .find(|(h, f, _)| Arc::ptr_eq(h, hits) && f == field)
            .map(|e| e.2.clone());
        if known.is_some() {
            return known;
        }
        let mut keyed = hits
            .iter()
            .map(|i| key(*i).map(|k| (k, *i)))
            .collect::<Option<Vec<_>>>()?;
        keyed.sort_unstable();
        let keyed = Arc::new(keyed);
        let mut sorted = lock();
        sorted.retain(|(h, f, _)| f != field || !Arc::ptr_eq(h, hits));
        if sorted.len() >= CACHE_ENTRIES {
            sorted.remove(0);
        }
        sorted.push((hits.clone(), field.to_string(), keyed.clone()));
        Some(keyed)
    }

    fn get_or_compute(
        &self,
        key: &str,
        lo: i64,
        hi: i64,
        patch: &Patch<'_>,
        collect: impl Fn(i64, i64) -> Vec<i64>,
    ) -> Arc<Vec<i64>> {
        let known = {
            let entries = self.entries();
            entries
                .iter()
                .find(|e| e.key == key && e.hi == hi && e.lo >= lo)
                .map(|e| (e.lo, e.generation, e.hits.clone()))
        };
        let known = known.map(|(cached_lo, generation, hits)| {
            if generation == patch.generation {
                return (cached_lo, hits);
            }
            let touched = (patch.touched)(generation);
            let mut fresh: Vec<i64> = hits
                .iter()
                .copied()
                .filter(|i| !touched.contains(i))
                .collect();
            fresh.extend(
                touched
                    .iter()
                    .copied()
                    .filter(|i| (cached_lo..hi).contains(i) && (patch.test)(*i)),
            );
            fresh.sort_unstable();
            (cached_lo, Arc::new(fresh))
        });
        let hits = match known {
            Some((cached_lo, hits)) if cached_lo == lo => {
                self.keep(key, lo, hi, patch.generation, hits.clone());
                return hits;
            }
            // Records were inserted at the head since: test only those.
            Some((cached_lo, hits)) => {
                let mut fresh = collect(lo, cached_lo);
                fresh.extend_from_slice(&hits);
                Arc::new(fresh)
            }
            None => {
                self.full_passes.fetch_add(1, Ordering::Relaxed);
                Arc::new(collect(lo, hi))
            }
        };
        self.keep(key, lo, hi, patch.generation, hits.clone());
        hits
    }

    fn keep(&self, key: &str, lo: i64, hi: i64, generation: usize, hits: Arc<Vec<i64>>) {
        let mut entries = self.entries();
        if entries
            .iter()
            .any(|e| e.key == key && e.lo == lo && e.hi == hi && e.generation == generation)
        {
            return;
        }
        entries.retain(|e| e.key != key);
        if entries.len() >= CACHE_ENTRIES {
            entries.remove(0);
        }
        entries.push(CacheEntry {
            key: key.to_string(),
            lo,
            hi,
            generation,
            hits,
        });
    }
}

/// Activity scan mode (api.md §4.4, §14 rule 13).
fn scan(
    src: &Source,
    q: &ListQuery,
    lo: i64,
    hi: i64,
    conds: &[Cond<Dataset>],
    emit: Emit<'_>,
) -> Result<ListResult, DataError> {
    if let Some(f) = q.sort_field.as_deref().filter(|f| *f != "date") {
        return Err(bad(f));
    }
    if !descending(q.sort_direction.as_deref())? {
        return Err(bad(q.sort_direction.as_deref().unwrap_or("asc")));
    }
    let axis = src.axis.expect("activities have a date axis");
    let size = q.limit.unwrap_or(SCAN_MIN).clamp(SCAN_MIN, SCAN_MAX) as usize;
    let b = &emit.behaviour;
    let eval = src.eval();
    let hits = matched(src, lo, hi, conds);
    let total = hits.len() as u64;
    // The cursor the request came with: its `date.lte` (absent on a first page).
    let sent = q
        .filters
        .get(axis.field)
        .and_then(|d| d.get(Op::Lte.name()))
        .and_then(Value::as_f64)
        .map(|v| v.floor() as i64);
    // Rule 33: an empty page whose cursor skips the stretch above the newest match.
    if b.scan_empty_pages && hits.len() > 0 && emit.roll % 3 == 0 {
        let newest = (axis.ts)(src.ds, hits.get(0));
        if sent.is_none_or(|u| newest < u) {
            let next = cursor_filters(&q.filters, axis.field, newest, b.scan_cursor);
            return Ok(scan_page(src, q, Vec::new(), total, size, Some(next), emit));
        }
    }
    let mut page: Vec<i64> = (0..hits.len().min(size)).map(|k| hits.get(k)).collect();
    let mut next = None;
    if (page.len() as u64) < total {
        let last = *page.last().expect("a non-empty page when more remain");
        let t = (axis.ts)(src.ds, last);
        let keep = page
            .iter()
            .rposition(|i| (axis.ts)(src.ds, *i) != t)
            .map_or(0, |p| p + 1);
        let cursor = if keep > 0 {
            page.truncate(keep);
            if b.scan_empty_pages {
                // Just below the last record kept: nothing matches down to `t`, which leaves a
                // stretch an empty page can skip.
                (axis.ts)(src.ds, page[keep - 1]) - 1
            } else {
                t
            }
        } else {
            for i in last + 1..hi {
                if (axis.ts)(src.ds, i) != t {
                    break;
                }
                if eval.matches(conds, i) {
                    page.push(i);
                }
            }
            t - 1
        };
        if (page.len() as u64) < total {
            next = Some(cursor_filters(
                &q.filters,
                axis.field,
                cursor,
                b.scan_cursor,
            ));
        }
    }
    Ok(scan_page(src, q, page, total, size, next, emit))
}

/// A scan page with its cursor, bent by the rule-33 switches.
fn scan_page(
    src: &Source,
    q: &ListQuery,
    page: Vec<i64>,
    total: u64,
    size: usize,
    next: Option<Value>,
    emit: Emit<'_>,
) -> ListResult {
    let b = &emit.behaviour;
    let more = next.is_some();
    let next = match next {
        // A cursor that does not advance: the request's own filters come back.
        Some(_) if b.scan_cursor_repeats && q.filters.contains_key("date") => {
            Some(Value::Object(q.filters.clone()))
        }
        Some(_) if b.scan_missing_cursor => None,
        other => other,
    };
    let mut r = finish(src, page, total, 0, size as u64, next, emit);
    r.has_next = more;
    r
}

/// `nextQueryFilters` for a cursor `date.lte = cursor`, in the shape the switch asks for (rule 32).
fn cursor_filters(
    filters: &Map<String, Value>,
    field: &str,
    cursor: i64,
    shape: ScanCursor,
) -> Value {
    let bound = || {
        let mut ops = Map::new();
        ops.insert(Op::Lte.name().to_string(), json!(cursor));
        Value::Object(ops)
    };
    let mut out = match shape {
        ScanCursor::BoundOnly => Map::new(),
        ScanCursor::CallerAndBound | ScanCursor::SameField => filters.clone(),
    };
    match (shape, out.get_mut(field)) {
        (ScanCursor::CallerAndBound, Some(Value::Object(ops))) => {
            ops.insert(Op::Lte.name().to_string(), json!(cursor));
        }
        _ => {
            out.insert(field.to_string(), bound());
        }
    }
    Value::Object(out)
}

fn finish(
    src: &Source,
    page: Vec<i64>,
    total: u64,
    skip: u64,
    max: u64,
    next: Option<Value>,
    emit: Emit<'_>,
) -> ListResult {
    let Emit {
        approximate,
        flush,
        behaviour,
        ..
    } = emit;
    let has_next = match next {
        Some(_) => true,
        None => skip + (page.len() as u64) < total,
    };
    let reported =
        if (approximate && src.entity == Entity::Activities) || behaviour.approximate_total {
            jitter(total, skip)
        } else {
            total
        };
    ListResult {
        data: Records::write(
            page.len(),
            page.into_iter()
                .map(|i| move |out: &mut Vec<u8>| (src.text)(i, out)),
            flush,
        ),
        total: reported,
        has_next,
        max,
        more_than_total: reported < total,
        next_query_filters: next,
    }
}

/// "Off by a few" (api.md §14 rule 16): ±1..3, stable for the same total and skip.
fn jitter(total: u64, skip: u64) -> u64 {
    let off = [-3i64, -2, -1, 1, 2, 3][(mix(total ^ skip.rotate_left(32)) % 6) as usize];
    (total as i64 + off).max(0) as u64
}

/// [`narrow`] for the ground truth: an index's date never changes, so narrowing holds at every instant.
pub(crate) fn narrow_range(
    src: &Source,
    conds: Vec<Cond<Dataset>>,
) -> (i64, i64, Vec<Cond<Dataset>>) {
    narrow(src, conds)
}

/// Moves date conditions on the index-monotonic axis into the index range (binary search); the
/// conditions the range fully expresses are dropped, the rest are returned for per-record testing.
fn narrow(src: &Source, conds: Vec<Cond<Dataset>>) -> (i64, i64, Vec<Cond<Dataset>>) {
    let (mut lo, mut hi) = (src.lo, src.hi);
    let Some(axis) = src.axis else {
        return (lo, hi, conds);
    };
    let mut rest = Vec::new();
    for c in conds {
        if c.field.name() != axis.field {
            rest.push(c);
            continue;
        }
        match bounds(&c, src.now_ms) {
            Some((low, high)) => {
                if let Some(h) = high {
                    lo = lo.max(partition(src.ds, axis, lo, hi, |t| t <= h));
                }
                if let Some(l) = low {
                    hi = hi.min(partition(src.ds, axis, lo, hi, |t| t < l));
                }
                hi = hi.max(lo);
            }
            None => rest.push(c),
        }
    }
    (lo, hi, rest)
}

/// The values a condition on an integer field allows, `(lowest, highest)`, when it is a bound
/// (relative operators count from `now_ms`); `None` for any other condition.
fn bounds(c: &Cond<Dataset>, now_ms: i64) -> Option<(Option<i64>, Option<i64>)> {
    let now = now_ms as f64;
    let day = 86_400_000.0;
    let one = match &c.arg {
        Arg::One(s) => s.number(),
        _ => None,
    };
    match (c.op, &c.arg) {
        (Op::Gte, _) => one.map(|x| (Some(x.ceil() as i64), None)),
        (Op::Gt, _) => one.map(|x| (Some(x.floor() as i64 + 1), None)),
        (Op::Lte, _) => one.map(|x| (None, Some(x.floor() as i64))),
        (Op::Lt, _) => one.map(|x| (None, Some(x.ceil() as i64 - 1))),
        (Op::GteNdays, Arg::Days(n)) => Some((Some((now - n * day).ceil() as i64), None)),
        (Op::LteNdays, Arg::Days(n)) => Some((None, Some((now - n * day).floor() as i64))),
        (Op::Range, Arg::Ranges(r)) if r.len() == 1 => {
            Some((Some(r[0].0.ceil() as i64), Some(r[0].1.floor() as i64)))
        }
        _ => None,
    }
}

/// First index in `lo..hi` whose timestamp satisfies `pred` (monotone: false…false true…true).
fn partition(ds: &Dataset, axis: Axis, lo: i64, hi: i64, pred: impl Fn(i64) -> bool) -> i64 {
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let m = a + (b - a) / 2;
        if pred((axis.ts)(ds, m)) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    a
}

/// The envelope up to the first record: `data` is the first key in serde_json's sorted order.
const HEAD: &[u8] = b"{\"data\":[";

/// How a page is written: with an approximate total (activities, api.md §14 rule 16) and, when streamed,
/// where its pieces go.
struct Emit<'f> {
    approximate: bool,
    flush: Option<Flush<'f>>,
    /// The server behaviour switches in force (api.md §16 rules 32–35).
    behaviour: Behaviour,
    /// This request's random number (from the dataset's seed and request count): runs repeat.
    roll: u64,
}

/// Takes a finished piece of a page's text, to send it while the rest is written.
pub type Flush<'a> = &'a mut dyn FnMut(Vec<u8>);

/// Pieces of a streamed page are handed over once they reach this size: small enough that a client
/// parses a 14 MB scan page while it is being written (as a real server's response streams), large
/// enough that handing over costs nothing beside writing.
const PIECE: usize = 64 * 1024;

/// A page's records as JSON text in one buffer that already starts with the envelope's head, so the
/// response body is finished in place: no record is copied or re-validated after it is written.
///
/// A streamed page (written with a flush) hands its text over in pieces as it goes; `buf` then holds
/// only the text written after the last piece, and `spans` is empty (`streamed` counts the records).
#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    buf: Vec<u8>,
    /// Byte range of each record in `buf` (pages written whole).
    spans: Vec<(usize, usize)>,
    /// Records written into a streamed page.
    streamed: usize,
}

impl Records {
    fn write<F: FnOnce(&mut Vec<u8>)>(
        count: usize,
        records: impl Iterator<Item = F>,
        mut flush: Option<Flush<'_>>,
    ) -> Records {
        // An activity is about 2.8 KB; reserving for the page (or a piece) avoids copying it as it grows.
        let reserve = |records: usize| HEAD.len() + records * 3072 + 256;
        let mut buf = match flush {
            Some(_) => Vec::with_capacity(PIECE + reserve(1)),
            None => Vec::with_capacity(reserve(count)),
        };
        buf.extend_from_slice(HEAD);
        let mut spans = Vec::with_capacity(if flush.is_some() { 0 } else { count });
        let mut streamed = 0;
        for (k, write) in records.enumerate() {
            if k > 0 {
                buf.push(b',');
            }
            let start = buf.len();
            write(&mut buf);
            match &mut flush {
                Some(flush) => {
                    streamed += 1;
                    if buf.len() >= PIECE {
                        flush(std::mem::replace(
                            &mut buf,
                            Vec::with_capacity(PIECE + reserve(1)),
                        ));
                    }
                }
                None => spans.push((start, buf.len())),
            }
        }
        Records {
            buf,
            spans,
            streamed,
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len() + self.streamed
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each record's text (of a page written whole; a streamed page has handed its text over).
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|(a, b)| {
            std::str::from_utf8(&self.buf[*a..*b]).expect("records are written from UTF-8 text")
        })
    }
}

impl ListResult {
    /// The response envelope (api.md §4.2) as the bytes sent: `data`, `hasNext`, `max`, `moreThanTotal`,
    /// `nextQueryFilters` (activity scan pages only), `total` — serde_json's sorted-map order, which
    /// the envelope had when it was built as a `Value`.
    pub fn into_body(self, e: Entity) -> Vec<u8> {
        let mut out = self.data.buf;
        out.push(b']');
        let mut tail = Map::new();
        tail.insert("hasNext".into(), json!(self.has_next));
        tail.insert("max".into(), json!(self.max));
        tail.insert("moreThanTotal".into(), json!(self.more_than_total));
        if let (Entity::Activities, Some(next)) = (e, self.next_query_filters) {
            tail.insert("nextQueryFilters".into(), next);
        }
        tail.insert("total".into(), json!(self.total));
        // `tail` serialises as `{"hasNext":…,…}`: its members follow `data` after a comma.
        let tail = serde_json::to_vec(&Value::Object(tail)).expect("serialising into memory");
        out.push(b',');
        out.extend_from_slice(&tail[1..]);
        out
    }

    /// The envelope as a `Value` (tests and tools; the server sends `into_body`).
    pub fn to_json(&self, e: Entity) -> Value {
        serde_json::from_slice(&self.clone().into_body(e)).expect("the envelope is JSON")
    }

    /// The page's records as `Value`s (tests and tools).
    pub fn records(&self) -> Vec<Value> {
        self.data
            .iter()
            .map(|r| serde_json::from_str(r).expect("a record is JSON"))
            .collect()
    }
}
