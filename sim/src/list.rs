//! List semantics (spec §4, §14 rules 10–16): page size, `max`, `hasNext`, sort order, the activity
//! scan cursor and the 5000 rule.
//!
//! Decisions not fixed by the spec (documented for the simulator README):
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
//!   skips then cost a binary search. Head inserts extend a kept list.
//! - Outside scan mode activities reject `skip + limit > 5000` (after the 100 cap), value `skip + limit`.
//! - The approximate-total switch applies to activities only: `total` is moved by 1–3 either way,
//!   deterministically per (total, skip); `hasNext` stays exact.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::data::rng::mix;
use crate::data::{DataError, Dataset, Entity, ListQuery, ListResult};
use crate::filter::{compile, invalid, Arg, Cond, Eval, FieldDef, Op};

/// Page size when `limit` is omitted, and the cap outside activity scan (spec §4.3).
pub const DEFAULT_LIMIT: i64 = 100;
pub const SCAN_MIN: i64 = 500;
pub const SCAN_MAX: i64 = 5000;
/// Activities outside scan mode: `skip + limit` must stay within this (spec §14 rule 15).
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
    /// Conditions the entity always applies (files: hide deleted unless `allowDeleted`, spec §14 rule 20).
    pub implicit: Vec<Cond<Dataset>>,
    /// Where match lists of immutable entities are remembered across requests (activities, files).
    pub cache: Option<&'a MatchCache>,
}

impl Source<'_> {
    fn eval(&self) -> Eval<'_, Dataset> {
        Eval {
            ctx: self.ds,
            now_ms: self.ds.now_ms(),
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

/// Answers one list request (spec §4).
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
    if q.is_scan && src.entity == Entity::Activities {
        return scan(src, q, lo, hi, &conds, Emit { approximate, flush });
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

    let hits = matched(src, lo, hi, &conds);
    let total = hits.len();
    let page = match &sort.key {
        SortKey::Index => {
            let from = (skip as usize).min(total);
            let to = (skip as usize).saturating_add(size as usize).min(total);
            (from..to)
                .map(|k| hits.get(if descending { k } else { total - 1 - k }))
                .collect()
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
                by_key.then(a.1.cmp(&b.1))
            });
            keyed
                .iter()
                .skip(skip as usize)
                .take(size as usize)
                .map(|(_, i)| *i)
                .collect()
        }
    };
    let total = total as u64;
    Ok(finish(
        src,
        page,
        total,
        skip as u64,
        size as u64,
        None,
        Emit { approximate, flush },
    ))
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
    let key = cache_key(src.entity, conds);
    let cache = src
        .cache
        .filter(|c| hi - lo > CACHE_MIN || c.holds(&key, src.hi));
    let Some(cache) = cache else {
        let hits = collect(lo, hi);
        let n = hits.len();
        return Matched::List(Arc::new(hits), 0, n);
    };
    let hits = cache.get_or_compute(&key, src.lo, src.hi, collect);
    let from = hits.partition_point(|i| *i < lo);
    let to = hits.partition_point(|i| *i < hi);
    Matched::List(hits, from, to.max(from))
}

fn cache_key(e: Entity, conds: &[Cond<Dataset>]) -> String {
    let mut key = e.name().to_string();
    for c in conds {
        key.push_str(&format!("|{}.{}={:?}", c.field.name(), c.op.name(), c.arg));
    }
    key
}

struct CacheEntry {
    key: String,
    lo: i64,
    hi: i64,
    hits: Arc<Vec<i64>>,
}

/// The last few match lists of immutable entities, keyed by their conditions. Only records never
/// mutated may be cached; head inserts extend an entry instead of invalidating it.
#[derive(Default)]
pub struct MatchCache {
    entries: Mutex<Vec<CacheEntry>>,
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

    fn get_or_compute(
        &self,
        key: &str,
        lo: i64,
        hi: i64,
        collect: impl Fn(i64, i64) -> Vec<i64>,
    ) -> Arc<Vec<i64>> {
        let known = {
            let entries = self.entries();
            entries
                .iter()
                .find(|e| e.key == key && e.hi == hi && e.lo >= lo)
                .map(|e| (e.lo, e.hits.clone()))
        };
        let hits = match known {
            Some((cached_lo, hits)) if cached_lo == lo => return hits,
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
        let mut entries = self.entries();
        entries.retain(|e| e.key != key);
        if entries.len() >= CACHE_ENTRIES {
            entries.remove(0);
        }
        entries.push(CacheEntry {
            key: key.to_string(),
            lo,
            hi,
            hits: hits.clone(),
        });
        hits
    }
}

/// Activity scan mode (spec §4.4, §14 rule 13).
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
    let eval = src.eval();
    let hits = matched(src, lo, hi, conds);
    let total = hits.len() as u64;
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
            t
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
            let mut filters = q.filters.clone();
            let date = filters
                .entry(axis.field)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(ops) = date {
                ops.insert(Op::Lte.name().to_string(), json!(cursor));
            }
            next = Some(Value::Object(filters));
        }
    }
    Ok(finish(src, page, total, 0, size as u64, next, emit))
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
    let Emit { approximate, flush } = emit;
    let has_next = match next {
        Some(_) => true,
        None => skip + (page.len() as u64) < total,
    };
    let reported = if approximate && src.entity == Entity::Activities {
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

/// "Off by a few" (spec §14 rule 16): ±1..3, stable for the same total and skip.
fn jitter(total: u64, skip: u64) -> u64 {
    let off = [-3i64, -2, -1, 1, 2, 3][(mix(total ^ skip.rotate_left(32)) % 6) as usize];
    (total as i64 + off).max(0) as u64
}

/// Moves date conditions on the index-monotonic axis into the index range (binary search); the
/// conditions the range fully expresses are dropped, the rest are returned for per-record testing.
fn narrow(src: &Source, conds: Vec<Cond<Dataset>>) -> (i64, i64, Vec<Cond<Dataset>>) {
    let (mut lo, mut hi) = (src.lo, src.hi);
    let Some(axis) = src.axis else {
        return (lo, hi, conds);
    };
    let now = src.ds.now_ms() as f64;
    let day = 86_400_000.0;
    let mut rest = Vec::new();
    for c in conds {
        if c.field.name() != axis.field {
            rest.push(c);
            continue;
        }
        let one = match &c.arg {
            Arg::One(s) => s.number(),
            _ => None,
        };
        // (lowest allowed ts, highest allowed ts)
        let bounds: Option<(Option<i64>, Option<i64>)> = match (c.op, &c.arg) {
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
        };
        match bounds {
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

/// How a page is written: with an approximate total (activities, spec §14 rule 16) and, when streamed,
/// where its pieces go.
struct Emit<'f> {
    approximate: bool,
    flush: Option<Flush<'f>>,
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
    /// The response envelope (spec §4.2) as the bytes sent: `data`, `hasNext`, `max`, `moreThanTotal`,
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
