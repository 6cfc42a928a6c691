//! Deterministic, lazily generated MDCA dataset (spec §6–§10, §14 rules 10–26).
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
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::RwLock;

use base64::Engine;
use serde_json::{Map, Value};

use crate::list::{self, Source};

pub mod activities;
pub mod alerts;
pub mod entities;
pub mod files;
pub mod people;
pub mod rng;
pub mod subnets;
pub(crate) mod text;

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

    /// Maps a URL path segment to an entity; the subnet route is singular on the wire (spec §10).
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

/// One list request as parsed by the server (spec §4.1).
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filters: Map<String, Value>,
    pub skip: Option<i64>,
    pub limit: Option<i64>,
    pub sort_field: Option<String>,
    pub sort_direction: Option<String>,
    pub is_scan: bool,
}

/// One list page before it is wrapped in the response envelope (spec §4.2); see `into_body`.
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
    /// The complete 400 body (spec §12, §14 rule 19).
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
    now_ms: i64,
    /// Generated records per entity (subnets live in `subnets` instead).
    base: [i64; 5],
    /// Records inserted at the head per entity: indices `-heads..0`.
    heads: [AtomicI64; 5],
    approximate: AtomicBool,
    alert_state: RwLock<HashMap<i64, alerts::State>>,
    feedback: RwLock<HashMap<i64, Value>>,
    subnets: RwLock<subnets::Store>,
    /// (lower-cased id, saas) → entity index, for entity pks (spec §9).
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
            now_ms: cfg.now_ms,
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

    pub fn now_ms(&self) -> i64 {
        self.now_ms
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

    /// Makes `count` newer records visible at the head (spec §14 rule 13 tests); O(1) except for the
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
        match e {
            Entity::Subnets => {
                subnets::insert_head(self, count);
            }
            Entity::Entities => {
                let mut keys = write(&self.entity_keys);
                let old = self.heads[e.slot()].fetch_add(count, Ordering::SeqCst);
                for i in -(old + count)..-old {
                    keys.insert(entities::key(self, i), i);
                }
            }
            _ => {
                self.heads[e.slot()].fetch_add(count, Ordering::SeqCst);
            }
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

    /// Runs `f` over a generated entity's records (not subnets).
    fn with_source<R>(
        &self,
        e: Entity,
        implicit: Vec<crate::filter::Cond<Dataset>>,
        f: impl FnOnce(&Source) -> R,
    ) -> R {
        let (lo, hi) = self.range(e);
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
            lo,
            hi,
            fields,
            record: &record,
            text: &text,
            axis: Some(axis),
            sorts,
            implicit,
            // Alert state changes with actions; entities are small: only these two are cached.
            cache: matches!(e, Entity::Activities | Entity::Files).then_some(&self.matches),
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

    /// One record by its pk: `_id` for all entities; entities also take the base64 pk (spec §9, §14 rule 25).
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

    /// `retrieve_tree` (spec §9): `{"user": <user record or null>, "accounts": [<account records>]}` —
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

/// Lock helpers: a panic elsewhere must not wedge the simulator, so poisoned locks are used as is.
pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Decodes an entity pk: base64 (standard or URL-safe, padded or not, percent-encoded or not) of a JSON
/// object with an `id` (spec §9). `None` when it is anything else.
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
