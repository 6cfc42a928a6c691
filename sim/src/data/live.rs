//! The tenant is alive (api.md §16 rules 30–31): a clock that moves, records that change, and the
//! journal that lets a test ask for the ground truth of any interval.
//!
//! Mutations never materialise records. They are small overlays on the generated data:
//! - a record inserted "now" is a head index (`insert_head`) whose timestamp is stamped from the clock
//!   (never older than the previous newest record, so index order stays the date order);
//! - a file edited, or an entity whose status changes (its `lastSeen` moves to now), keeps its identity
//!   (`_id`, attributes) but moves: its old index is hidden and a head index *aliases* it, stamped now,
//!   so index order stays `modifiedDate` / `lastSeen` order;
//! - file status (trash, delete), entity status and alert state (close, reopen, read) are versioned
//!   overrides keyed by the record's identity (its source index), each version with its time.
//!
//! Ground truth replays those versions: every override lookup answers "as of" an instant when the
//! evaluating thread has set one (see [`AsOf`]); that thread-local is set only by `ground_truth`, never
//! while serving a request.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Entity;

/// Live mode (api.md §16 rules 30–31); off by default (`SimConfig::live: None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveConfig {
    /// Mutations per real second, per tenant, spread over the kinds of [`MutationKind`] (0 = the
    /// clock moves, nothing mutates).
    pub rate: f64,
    /// Simulated milliseconds per real millisecond (1.0 = real time; 60.0 = a minute per second).
    #[serde(default = "one")]
    pub clock_speed: f64,
}

fn one() -> f64 {
    1.0
}

impl LiveConfig {
    /// Rejects values that cannot drive a clock or a mutator (negative, NaN, infinite).
    pub fn validate(&self) -> Result<(), String> {
        if !self.rate.is_finite() || self.rate < 0.0 {
            return Err(format!(
                "`rate` must be a finite number of mutations per second >= 0, not {}",
                self.rate
            ));
        }
        if !self.clock_speed.is_finite() || self.clock_speed <= 0.0 {
            return Err(format!(
                "`clock_speed` must be a finite number > 0, not {}",
                self.clock_speed
            ));
        }
        Ok(())
    }
}

/// `_id`s of the records of one entity, judged against a filter over an interval of the tenant's
/// clock. A correct pull over the interval returns every id of `stable`, only ids of `ever`, and no id
/// twice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Matched at every instant of the interval (existed throughout and matched throughout).
    pub stable: BTreeSet<String>,
    /// Matched at some instant of the interval.
    pub ever: BTreeSet<String>,
}

/// What a mutation did (api.md §16 rule 31).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    /// A new record stamped now (activities, alerts, files).
    Insert,
    /// A file's `modifiedDate` moved to now.
    Edit,
    /// A file's status became TRASHED.
    Trash,
    /// A file's status became DELETED.
    Delete,
    /// An alert closed (`resolutionStatusValue` 3, 4 or 5).
    Close,
    /// A closed alert reopened (`resolutionStatusValue` 0).
    Reopen,
    /// An alert marked read or unread (`statusValue`).
    Read,
    /// An entity's `status` changed (and its `lastSeen` moved to now).
    Status,
}

/// One journaled mutation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mutation {
    /// The tenant's clock when it happened.
    pub at_ms: i64,
    #[serde(with = "entity_name")]
    pub entity: Entity,
    pub kind: MutationKind,
    /// The record's `_id` (unchanged by the mutation).
    pub id: String,
    /// The record's index after the mutation (a head index for inserts, edits and status changes).
    pub index: i64,
    /// The record's identity: the index it was generated from.
    pub source: i64,
    /// What changed, before and after (`null` before an insert).
    pub before: Value,
    pub after: Value,
}

mod entity_name {
    use super::Entity;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(e: &Entity, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(e.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Entity, D::Error> {
        let s = String::deserialize(d)?;
        Entity::from_path_segment(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown entity `{s}`")))
    }
}

/// The tenant's clock: frozen at `anchor_sim` until live mode starts it; it never goes back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    anchor_sim: i64,
    anchor_wall: Instant,
    /// 0 = frozen.
    speed: f64,
}

impl Clock {
    pub(crate) fn frozen(at: i64) -> Clock {
        Clock {
            anchor_sim: at,
            anchor_wall: Instant::now(),
            speed: 0.0,
        }
    }

    pub(crate) fn now(&self) -> i64 {
        if self.speed == 0.0 {
            return self.anchor_sim;
        }
        let real = self.anchor_wall.elapsed().as_secs_f64() * 1000.0;
        self.anchor_sim + (real * self.speed) as i64
    }

    /// Continues from the current instant at another speed (0 stops it there).
    pub(crate) fn set_speed(&mut self, speed: f64) {
        self.anchor_sim = self.now();
        self.anchor_wall = Instant::now();
        self.speed = speed;
    }
}

/// A head index: when it appeared, its timestamp when stamped from the clock (else the generated
/// head timeline's), and the index its record is generated from (itself unless it aliases a record
/// that moved).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub at: i64,
    pub ts: Option<i64>,
    pub source: i64,
}

/// Mutable overlay of one dataset (see the module comment).
#[derive(Default)]
pub(crate) struct Overlay {
    /// Head `k` of an entity is index `-(k + 1)`.
    pub heads: [Vec<Head>; 5],
    /// source index → current index, for records that moved.
    pub current: [HashMap<i64, i64>; 5],
    /// index → (when it was hidden, the head index that superseded it).
    pub hidden: [HashMap<i64, (i64, i64)>; 5],
    /// file source index → status versions (time, fstat).
    pub file_status: HashMap<i64, Vec<(i64, i64)>>,
    /// entity source index → status versions (time, status).
    pub entity_status: HashMap<i64, Vec<(i64, i64)>>,
    /// Indices whose match against a filter may have changed, in order: match caches patch their
    /// lists with the part they have not seen (`touched.len()` is the entity's generation).
    pub touched: [Vec<i64>; 5],
}

impl Overlay {
    pub(crate) fn head(&self, e: Entity, i: i64) -> Option<&Head> {
        if i >= 0 {
            return None;
        }
        self.heads[e as usize].get((-i - 1) as usize)
    }

    pub(crate) fn source(&self, e: Entity, i: i64) -> i64 {
        self.head(e, i).map_or(i, |h| h.source)
    }

    /// The index a record's identity lives at now.
    pub(crate) fn current(&self, e: Entity, source: i64) -> i64 {
        self.current[e as usize]
            .get(&source)
            .copied()
            .unwrap_or(source)
    }

    /// The head index that superseded index `i` (at this thread's instant), if any.
    pub(crate) fn superseded_by(&self, e: Entity, i: i64) -> Option<i64> {
        let hidden = &self.hidden[e as usize];
        if hidden.is_empty() {
            return None;
        }
        let (at, alias) = hidden.get(&i)?;
        match as_of() {
            Some(t) if *at > t => None,
            _ => Some(*alias),
        }
    }

    pub(crate) fn any_hidden(&self, e: Entity) -> bool {
        !self.hidden[e as usize].is_empty()
    }

    pub(crate) fn generation(&self, e: Entity) -> usize {
        self.touched[e as usize].len()
    }

    /// The distinct indices touched since generation `since`.
    pub(crate) fn touched_since(&self, e: Entity, since: usize) -> HashSet<i64> {
        self.touched[e as usize]
            .get(since..)
            .unwrap_or(&[])
            .iter()
            .copied()
            .collect()
    }
}

thread_local! {
    static AS_OF: Cell<Option<i64>> = const { Cell::new(None) };
}

/// The instant override lookups answer for on this thread (`None`: now).
pub(crate) fn as_of() -> Option<i64> {
    AS_OF.with(Cell::get)
}

/// Sets the instant override lookups answer for on this thread, until dropped.
pub(crate) struct AsOf(Option<i64>);

impl AsOf {
    pub(crate) fn set(t: i64) -> AsOf {
        AsOf(AS_OF.with(|c| c.replace(Some(t))))
    }
}

impl Drop for AsOf {
    fn drop(&mut self) {
        AS_OF.with(|c| c.set(self.0));
    }
}

/// The version of a versioned value in force at this thread's instant (the last one when none is
/// set); `None` before the first version.
pub(crate) fn version<T: Clone>(versions: &[(i64, T)]) -> Option<T> {
    match as_of() {
        None => versions.last().map(|v| v.1.clone()),
        Some(t) => versions
            .iter()
            .rev()
            .find(|v| v.0 <= t)
            .map(|v| v.1.clone()),
    }
}

/// Mutation kinds and their weights (out of 100) when the mutator picks one at random.
pub const WEIGHTS: [(Entity, MutationKind, u64); 9] = [
    (Entity::Activities, MutationKind::Insert, 30),
    (Entity::Alerts, MutationKind::Insert, 8),
    (Entity::Alerts, MutationKind::Close, 12),
    (Entity::Alerts, MutationKind::Reopen, 5),
    (Entity::Files, MutationKind::Insert, 10),
    (Entity::Files, MutationKind::Edit, 15),
    (Entity::Files, MutationKind::Trash, 5),
    (Entity::Files, MutationKind::Delete, 5),
    (Entity::Entities, MutationKind::Status, 10),
];
