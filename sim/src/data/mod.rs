//! Deterministic, lazily generated MDCA dataset (api.md §6–§10, §14 rules 10–26).
//!
//! Record `i` of an entity is a pure function of `(seed, entity, i)` (plus the small mutable state of
//! actions): nothing is generated up front, so a million activities cost no start-up time and no memory.
//! Index 0 is the newest generated record; timestamps never increase with the index, and about one record
//! in eight shares the previous record's millisecond. `insert_head` makes indices -1, -2, … visible —
//! newer than everything before — by moving the entity's lower bound, without copying anything.
//!
//! Filters on fields that are cheap functions of the index (dates, app, type, owner, user name, ip, …) never
//! build JSON; filters on other fields build each candidate record lazily and are much slower on big
//! datasets (see the field tables in each entity module). Date filters on an entity's date axis narrow
//! the index range by binary search first.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use base64::Engine;
use serde_json::{Map, Value};

use crate::list::{self, Source};

pub mod activities;
pub mod alerts;
pub mod entities;
pub mod files;
pub mod live;
mod mutate;
pub mod people;
pub mod rng;
pub mod subnets;
pub(crate) mod text;
mod truth;

/// The five list endpoints the simulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    Activities,
    Alerts,
    Files,
    Entities,
    Subnets,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Activities,
        Entity::Alerts,
        Entity::Files,
        Entity::Entities,
        Entity::Subnets,
    ];

    /// Maps a URL path segment to an entity; the subnet route is singular on the wire (api.md §10).
    pub fn from_path_segment(s: &str) -> Option<Entity> {
        match s {
            "activities" => Some(Entity::Activities),
            "alerts" => Some(Entity::Alerts),
            "files" => Some(Entity::Files),
            "entities" => Some(Entity::Entities),
            "subnet" | "subnets" => Some(Entity::Subnets),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Entity::Activities => "activities",
            Entity::Alerts => "alerts",
            Entity::Files => "files",
            Entity::Entities => "entities",
            Entity::Subnets => "subnets",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug)]
pub struct DataConfig {
    pub seed: u64,
    pub activities: u64,
    pub alerts: u64,
    pub files: u64,
    pub entities: u64,
    pub subnets: u64,
    /// The dataset's clock: generated timestamps end shortly before it, `*_ndays` filters count from it.
    pub now_ms: i64,
    pub approximate_total: bool,
}

impl Default for DataConfig {
    fn default() -> Self {
        let wall = wall_ms();
        DataConfig {
            seed: 42,
            activities: 10_000,
            alerts: 500,
            files: 2_000,
            entities: 300,
            subnets: 12,
            now_ms: wall - wall.rem_euclid(60_000),
            approximate_total: false,
        }
    }
}

pub(crate) fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// One list request as parsed by the server (api.md §4.1).
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filters: Map<String, Value>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
    pub sort_field: Option<String>,
    pub sort_direction: Option<String>,
    pub is_scan: bool,
}

/// One list page before it is wrapped in the response envelope (api.md §4.2); see `into_body`.
#[derive(Clone, Debug)]
pub struct ListResult {
    /// The records as compact JSON text, exactly as they go on the wire (see `records` for Values).
    pub data: list::Records,
    pub total: u64,
    pub has_next: bool,
    pub max: u64,
    pub more_than_total: bool,
    pub next_query_filters: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DataError {
    /// The complete 400 body (api.md §12, §14 rule 19).
    Validation(Value),
    NotFound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    Benign,
    FalsePositive,
    TruePositive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseResult {
    pub closed: u64,
    pub not_found: Vec<String>,
}

/// Records of an entity with 24-hex ids, and head inserts, are each limited to this many: the id's
/// counter encodes the index (see `rng::object_id`). Activity counts are limited to 2^40.
pub const OBJECT_SPAN: i64 = 0x7F_FFFF;

/// The simulated tenant's data. `Send + Sync`; mutations go through small locked maps.
pub struct Dataset {
    seed: u64,
    /// The instant the generated records end shortly before (`DataConfig::now_ms`).
    origin_ms: i64,
    /// The tenant's clock (frozen at `origin_ms` until live mode starts it, api.md §16 rule 30).
    clock: RwLock<live::Clock>,
    /// Inserted, moved and changed records (see `live`).
    pub(crate) overlay: RwLock<live::Overlay>,
    /// Every mutation, in order (api.md §16 rule 31).
    journal: Mutex<Vec<live::Mutation>>,
    /// Server behaviour switches (api.md §16 rules 32–38).
    behaviour: RwLock<crate::behaviour::Behaviour>,
    /// Counts list requests: the seed of per-request randomness (unstable ties, empty scan pages).
    pub(crate) requests: AtomicU64,
    /// Generated records per entity (subnets live in `subnets` instead).
    base: [i64; 5],
    /// Records inserted at the head per entity: indices `-heads..0`.
    heads: [AtomicI64; 5],
    approximate: AtomicBool,
    /// Alert index → state versions (time, state), see `live::version`.
    alert_state: RwLock<HashMap<i64, Vec<(i64, alerts::State)>>>,
    feedback: RwLock<HashMap<i64, Value>>,
    subnets: RwLock<subnets::Store>,
    /// (lower-cased id, saas) → entity index, for entity pks (api.md §9).
    entity_keys: RwLock<HashMap<(String, i64), i64>>,
    /// Match lists of recent filters on the immutable big entities (activities, files).
    matches: list::MatchCache,
    /// People of the first user blocks, built on first use: user-name filters read them per record.
    people: std::sync::OnceLock<Vec<people::Person>>,
    /// `people::aad_tenant(seed)`, which every activity and alert repeats.
    aad_tenant: std::sync::OnceLock<String>,
}

impl Dataset {
    pub fn new(cfg: DataConfig) -> Dataset {
        let clamp = |n: u64, max: i64| n.min(max as u64) as i64;
        let ds = Dataset {
            seed: cfg.seed,
            origin_ms: cfg.now_ms,
            clock: RwLock::new(live::Clock::frozen(cfg.now_ms)),
            overlay: RwLock::default(),
            journal: Mutex::default(),
            behaviour: RwLock::default(),
            requests: AtomicU64::new(0),
            base: [
                clamp(cfg.activities, 1 << 40),
                clamp(cfg.alerts, OBJECT_SPAN),
                clamp(cfg.files, OBJECT_SPAN),
                clamp(cfg.entities, OBJECT_SPAN),
                0,
            ],
            heads: Default::default(),
            approximate: AtomicBool::new(cfg.approximate_total),
            alert_state: RwLock::default(),
            feedback: RwLock::default(),
            subnets: RwLock::new(subnets::Store::default()),
            entity_keys: RwLock::default(),
            matches: list::MatchCache::default(),
            people: std::sync::OnceLock::new(),
            aad_tenant: std::sync::OnceLock::new(),
        };
        *write(&ds.subnets) = subnets::Store::generate(&ds, cfg.subnets);
        let keys = (0..ds.base[Entity::Entities.slot()])
            .map(|i| (entities::key(&ds, i), i))
            .collect();
        *write(&ds.entity_keys) = keys;
        ds
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The tenant's clock: `DataConfig::now_ms` until live mode makes it move (api.md §16 rule 30).
    pub fn now_ms(&self) -> i64 {
        read(&self.clock).now()
    }

    /// The instant the generated data was built around (`DataConfig::now_ms`); never moves.
    pub fn origin_ms(&self) -> i64 {
        self.origin_ms
    }

    /// Makes the clock move at `speed` simulated ms per real ms from its current instant (0 stops it
    /// there; it never goes back).
    pub fn set_clock_speed(&self, speed: f64) {
        write(&self.clock).set_speed(speed.max(0.0));
    }

    pub fn behaviour(&self) -> crate::behaviour::Behaviour {
        read(&self.behaviour).clone()
    }

    pub fn set_behaviour(&self, b: crate::behaviour::Behaviour) {
        *write(&self.behaviour) = b;
    }

    /// Mutations journaled so far.
    pub fn mutations(&self) -> u64 {
        self.journal.lock().unwrap_or_else(|e| e.into_inner()).len() as u64
    }

    /// The journal: every mutation so far, oldest first.
    pub fn journal(&self) -> Vec<live::Mutation> {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn journal_push(&self, m: live::Mutation) {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(m);
    }

    /// The journal's entries of one entity with `from < at_ms <= to`.
    pub(crate) fn journal_between(&self, e: Entity, from: i64, to: i64) -> Vec<live::Mutation> {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|m| m.entity == e && m.at_ms > from && m.at_ms <= to)
            .cloned()
            .collect()
    }

    /// The head record behind index `i`, if `i` is a head index.
    pub(crate) fn head(&self, e: Entity, i: i64) -> Option<live::Head> {
        if i >= 0 {
            return None;
        }
        read(&self.overlay).head(e, i).copied()
    }

    /// The index record `i` is generated from: `i` itself unless `i` aliases a record that moved.
    pub(crate) fn source(&self, e: Entity, i: i64) -> i64 {
        if i >= 0 {
            return i;
        }
        read(&self.overlay).source(e, i)
    }

    /// The index the record generated from `source` lives at now.
    pub(crate) fn current(&self, e: Entity, source: i64) -> i64 {
        let o = read(&self.overlay);
        if o.current[e.slot()].is_empty() {
            source
        } else {
            o.current(e, source)
        }
    }

    /// The head index that superseded index `i` (at this thread's instant), if any.
    pub(crate) fn superseded_by(&self, e: Entity, i: i64) -> Option<i64> {
        read(&self.overlay).superseded_by(e, i)
    }

    /// Mutation generation of an entity: how many indices were touched so far (see `live::Overlay`).
    pub(crate) fn generation(&self, e: Entity) -> usize {
        read(&self.overlay).generation(e)
    }

    pub(crate) fn touched_since(&self, e: Entity, since: usize) -> std::collections::HashSet<i64> {
        read(&self.overlay).touched_since(e, since)
    }

    /// The timestamp stamped on a head index, if it was stamped from the clock.
    pub(crate) fn head_ts(&self, e: Entity, i: i64) -> Option<i64> {
        self.head(e, i).and_then(|h| h.ts)
    }

    /// Timestamp of index `i` on the entity's date axis.
    pub(crate) fn ts_of(&self, e: Entity, i: i64) -> i64 {
        match e {
            Entity::Activities => activities::ts(self, i),
            Entity::Alerts => alerts::ts(self, i),
            Entity::Files => files::ts(self, i),
            Entity::Entities => entities::ts(self, i),
            Entity::Subnets => 0,
        }
    }

    /// The generated timestamp of index `i` on the entity's date axis (no overlay).
    fn generated_ts(&self, e: Entity, i: i64) -> i64 {
        match e {
            Entity::Activities => activities::generated_ts(self, i),
            Entity::Alerts => alerts::generated_ts(self, i),
            Entity::Files => files::generated_ts(self, i),
            Entity::Entities => entities::generated_ts(self, i),
            Entity::Subnets => 0,
        }
    }

    /// Appends heads under the overlay's lock and only then makes them visible, so that a reader that
    /// sees a head index always finds its entry. `make(k, newest_ts)` builds head `k` given the
    /// timestamp of the newest record before it.
    pub(crate) fn push_heads(
        &self,
        e: Entity,
        count: i64,
        mut make: impl FnMut(&mut live::Overlay, usize, i64) -> live::Head,
    ) -> i64 {
        let mut o = write(&self.overlay);
        for _ in 0..count {
            let k = o.heads[e.slot()].len();
            let newest = match k.checked_sub(1) {
                Some(p) => o.heads[e.slot()][p]
                    .ts
                    .unwrap_or_else(|| self.generated_ts(e, -(p as i64) - 1)),
                None if self.base[e.slot()] > 0 => self.generated_ts(e, 0),
                None => i64::MIN,
            };
            let h = make(&mut o, k, newest);
            o.heads[e.slot()].push(h);
        }
        let old = self.heads[e.slot()].fetch_add(count, Ordering::SeqCst);
        drop(o);
        -(old + count)
    }
    /// The tenant's Entra directory id (`people::aad_tenant`), computed once.
    pub(crate) fn aad_tenant(&self) -> &str {
        self.aad_tenant
            .get_or_init(|| people::aad_tenant(self.seed))
    }

    /// Index range of an entity's records, newest first.
    pub(crate) fn range(&self, e: Entity) -> (i64, i64) {
        (
            -self.heads[e.slot()].load(Ordering::SeqCst),
            self.base[e.slot()],
        )
    }

    /// Users (entity blocks) activities, alerts and files refer to: the generated ones.
    pub(crate) fn user_blocks(&self) -> i64 {
        ((self.base[Entity::Entities.slot()] + 3) / 4).max(1)
    }

    /// Person of user block `b` (memoised for the first 65,536 generated blocks).
    pub(crate) fn person(&self, b: i64) -> std::borrow::Cow<'_, people::Person> {
        let memo = self.people.get_or_init(|| {
            (0..self.user_blocks().min(1 << 16))
                .map(|k| people::person(self.seed, k))
                .collect()
        });
        match usize::try_from(b).ok().and_then(|k| memo.get(k)) {
            Some(p) => std::borrow::Cow::Borrowed(p),
            None => std::borrow::Cow::Owned(people::person(self.seed, b)),
        }
    }

    pub(crate) fn base_count(&self, e: Entity) -> i64 {
        self.base[e.slot()]
    }

    pub fn count(&self, e: Entity) -> u64 {
        match e {
            Entity::Subnets => read(&self.subnets).records.len() as u64,
            _ => {
                let (lo, hi) = self.range(e);
                (hi - lo) as u64
            }
        }
    }

    pub fn set_approximate_total(&self, on: bool) {
        self.approximate.store(on, Ordering::SeqCst);
    }

    pub fn approximate_total(&self) -> bool {
        self.approximate.load(Ordering::SeqCst)
    }

    /// Makes `count` newer records visible at the head (api.md §14 rule 13 tests); O(1) except for the
    /// small entity-key and subnet tables. Returns the entity's new record count.
    pub fn insert_head(&self, e: Entity, count: u64) -> u64 {
        // 24-bit ObjectId counters encode indices in ±OBJECT_SPAN; entities also index their keys.
        let head = self.heads[e.slot()].load(Ordering::SeqCst);
        let cap = match e {
            Entity::Activities => 1 << 40,
            Entity::Entities => (1 << 20).min(OBJECT_SPAN - head),
            _ => OBJECT_SPAN - head,
        };
        let count = (count.min(i64::MAX as u64) as i64).clamp(0, cap.max(0));
        if e == Entity::Subnets {
            subnets::insert_head(self, count);
            return self.count(e);
        }
        // Records inserted this way keep the generated head timeline (not the clock).
        let now = self.now_ms();
        let first = self.push_heads(e, count, |_, k, _| live::Head {
            at: now,
            ts: None,
            source: -(k as i64) - 1,
        });
        if e == Entity::Entities {
            let fresh: Vec<_> = (first..first + count)
                .map(|i| (entities::key(self, i), i))
                .collect();
            write(&self.entity_keys).extend(fresh);
        }
        self.count(e)
    }

    pub fn list(&self, e: Entity, q: &ListQuery) -> Result<ListResult, DataError> {
        self.list_streamed(e, q, None)
    }

    /// [`Dataset::list`], handing the page's text to `flush` in pieces as it is written (the server
    /// streams them); the result's `into_body` is then the rest of the body.
    pub fn list_streamed(
        &self,
        e: Entity,
        q: &ListQuery,
        flush: Option<list::Flush<'_>>,
    ) -> Result<ListResult, DataError> {
        let approximate = self.approximate.load(Ordering::SeqCst);
        match e {
            Entity::Files => {
                let (filters, implicit) = files::split_filters(&q.filters)?;
                let q = ListQuery {
                    filters,
                    ..q.clone()
                };
                self.with_source(e, implicit, |src| list::run(src, &q, approximate, flush))
            }
            Entity::Subnets => {
                let snapshot = read(&self.subnets).records.clone();
                let record = |i: i64| snapshot[i as usize].clone();
                let text = |i: i64, out: &mut Vec<u8>| text::put(out, &snapshot[i as usize]);
                let src = subnets::source(self, &snapshot, &record, &text);
                list::run(&src, q, approximate, flush)
            }
            _ => self.with_source(e, Vec::new(), |src| list::run(src, q, approximate, flush)),
        }
    }

    /// Runs `f` over a generated entity's records (not subnets), at the clock's now.
    fn with_source<R>(
        &self,
        e: Entity,
        implicit: Vec<crate::filter::Cond<Dataset>>,
        f: impl FnOnce(&Source) -> R,
    ) -> R {
        self.with_source_at(e, implicit, self.now_ms(), true, f)
    }

    /// Runs `f` over a generated entity's records (not subnets), with relative operators counting
    /// from `now_ms`. When `serving` (a request), records superseded by a move are left out and the
    /// match cache is used; otherwise (ground truth) every index is there and nothing is cached.
    pub(crate) fn with_source_at<R>(
        &self,
        e: Entity,
        mut implicit: Vec<crate::filter::Cond<Dataset>>,
        now_ms: i64,
        serving: bool,
        f: impl FnOnce(&Source) -> R,
    ) -> R {
        // The generation before the range: whatever changes after it is re-tested by a kept match list.
        let generation = self.generation(e);
        let (lo, hi) = self.range(e);
        let hidden = match e {
            Entity::Files => Some(&HIDDEN_FILES),
            Entity::Entities => Some(&HIDDEN_ENTITIES),
            _ => None,
        };
        if let Some(field) = hidden.filter(|_| serving && read(&self.overlay).any_hidden(e)) {
            implicit.push(crate::filter::Cond {
                field,
                op: crate::filter::Op::Lt,
                arg: crate::filter::Arg::One(crate::filter::Scalar::Int(lo)),
            });
        }
        let record = |i: i64| self.record(e, i);
        let text = |i: i64, out: &mut Vec<u8>| self.write_record(e, i, out);
        let (fields, sorts, axis) = match e {
            Entity::Activities => (
                &activities::FIELDS[..],
                &activities::SORTS[..],
                activities::AXIS,
            ),
            Entity::Alerts => (&alerts::FIELDS[..], &alerts::SORTS[..], alerts::AXIS),
            Entity::Files => (&files::FIELDS[..], &files::SORTS[..], files::AXIS),
            Entity::Entities => (&entities::FIELDS[..], &entities::SORTS[..], entities::AXIS),
            Entity::Subnets => unreachable!("subnets are listed from their store"),
        };
        f(&Source {
            entity: e,
            ds: self,
            now_ms,
            generation,
            lo,
            hi,
            fields,
            record: &record,
            text: &text,
            axis: Some(axis),
            sorts,
            implicit,
            // Alert state changes with actions; entities are small: only these two are cached.
            cache: matches!(e, Entity::Activities | Entity::Files)
                .then_some(&self.matches)
                .filter(|_| serving),
        })
    }

    /// Record `i` of a generated entity as JSON, with any mutations applied.
    pub(crate) fn record(&self, e: Entity, i: i64) -> Value {
        match e {
            Entity::Activities => activities::record(self, i),
            Entity::Alerts => alerts::record(self, i),
            Entity::Files => files::record(self, i),
            Entity::Entities => entities::record(self, i),
            Entity::Subnets => {
                let store = read(&self.subnets);
                store
                    .records
                    .get(i as usize)
                    .cloned()
                    .unwrap_or(Value::Null)
            }
        }
    }

    /// Record `i` of a generated entity as compact JSON text (the bytes `record` would serialise
    /// to), appended to `out`: the list pages' path, which builds no `Value`.
    pub(crate) fn write_record(&self, e: Entity, i: i64, out: &mut Vec<u8>) {
        match e {
            Entity::Activities => activities::write(self, i, out),
            Entity::Alerts => alerts::write(self, i, out),
            Entity::Files => files::write(self, i, out),
            Entity::Entities => entities::write(self, i, out),
            Entity::Subnets => text::put(out, &self.record(e, i)),
        }
    }

    /// One record by its pk: `_id` for all entities; entities also take the base64 pk (api.md §9, §14 rule 25).
    pub fn fetch(&self, e: Entity, pk: &str) -> Option<Value> {
        let i = match e {
            Entity::Activities => activities::index_of(self, pk),
            Entity::Alerts => alerts::index_of(self, pk),
            Entity::Files => files::index_of(self, pk),
            Entity::Entities => entities::index_of(self, pk),
            Entity::Subnets => return subnets::fetch(self, pk),
        }?;
        Some(self.record(e, i))
    }

    /// `retrieve_tree` (api.md §9): `{"user": <user record or null>, "accounts": [<account records>]}` —
    /// for a user, itself and its accounts; for an account, its parent user and all of the parent's
    /// accounts (itself included); for a standalone account, `user: null` and itself.
    pub fn entity_tree(&self, pk: &str) -> Option<Value> {
        entities::tree(self, entities::index_of(self, pk)?)
    }

    pub fn close_alerts(
        &self,
        filters: &Map<String, Value>,
        kind: CloseKind,
        comment: Option<&str>,
        reason_id: Option<i64>,
    ) -> Result<CloseResult, DataError> {
        alerts::close(self, filters, kind, comment, reason_id)
    }

    pub fn set_alert_read(&self, pk: &str, read: bool) -> Option<Value> {
        alerts::set_read(self, pk, read)
    }

    pub fn activity_feedback(&self, pk: &str, body: &Value) -> Option<Value> {
        activities::feedback(self, pk, body)
    }

    pub fn create_subnet(&self, body: &Value) -> Result<String, DataError> {
        subnets::create(self, body)
    }

    pub fn update_subnet(&self, id: &str, body: &Value) -> Result<Value, DataError> {
        subnets::update(self, id, body)
    }

    pub fn delete_subnet(&self, id: &str) -> Result<(), DataError> {
        subnets::delete(self, id)
    }
}

fn superseded(ds: &Dataset, e: Entity, i: i64) -> Vec<crate::filter::Scalar> {
    vec![crate::filter::Scalar::Int(
        ds.superseded_by(e, i).unwrap_or(i64::MIN),
    )]
}

fn f_hidden_files(ds: &Dataset, i: i64) -> Vec<crate::filter::Scalar> {
    superseded(ds, Entity::Files, i)
}

fn f_hidden_entities(ds: &Dataset, i: i64) -> Vec<crate::filter::Scalar> {
    superseded(ds, Entity::Entities, i)
}

/// "Not superseded within the request's range" (by an edit of the file, a status change of the
/// entity): the implicit condition `_superseded lt <lo>` keeps a record whose alias is not visible
/// to the request, so a request never loses a record that moved while it ran. Never a public filter.
static HIDDEN_FILES: crate::filter::FieldDef<Dataset> = crate::filter::FieldDef::new(
    &["_superseded"],
    crate::filter::FieldType::Int,
    &[crate::filter::Op::Lt],
    crate::filter::Getter::Fast(f_hidden_files),
);
static HIDDEN_ENTITIES: crate::filter::FieldDef<Dataset> = crate::filter::FieldDef::new(
    &["_superseded"],
    crate::filter::FieldType::Int,
    &[crate::filter::Op::Lt],
    crate::filter::Getter::Fast(f_hidden_entities),
);

/// Lock helpers: a panic elsewhere must not wedge the simulator, so poisoned locks are used as is.
pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Decodes an entity pk: base64 (standard or URL-safe, padded or not, percent-encoded or not) of a JSON
/// object with an `id` (api.md §9). `None` when it is anything else.
pub fn decode_pk(s: &str) -> Option<Map<String, Value>> {
    let unescaped = percent_decode(s.trim());
    let normal: String = unescaped
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(normal.as_bytes())
        .ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(obj) if obj.contains_key("id") => Some(obj),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'%'
            && k + 2 < b.len()
            && b[k + 1].is_ascii_hexdigit()
            && b[k + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[k + 1]) * 16 + hex(b[k + 2]));
            k += 3;
            continue;
        }
        out.push(b[k]);
        k += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Canonical pk string of an entity: standard padded base64 of compact `{"id","saas","inst"}`.
pub fn encode_pk(id: &str, saas: i64, inst: i64) -> String {
    base64::engine::general_purpose::STANDARD.encode(pk_json(id, saas, inst))
}

/// Compact `{"id":…,"saas":…,"inst":…}` in that key order (also the entities' `username` field).
pub fn pk_json(id: &str, saas: i64, inst: i64) -> String {
    format!(
        r#"{{"id":{},"saas":{saas},"inst":{inst}}}"#,
        Value::String(id.to_string())
    )
}

#[cfg(test)]
mod tests;
