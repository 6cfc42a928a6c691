//! The mutations of a live tenant (api.md §16 rule 31), each applied to the overlay and journaled with
//! the clock's time. The mutator picks them at random (`mutate`); tests call them by `_id`.

use serde_json::json;

use super::live::{Head, Mutation, MutationKind, WEIGHTS};
use super::rng::Rng;
use super::{activities, alerts, entities, files, write, Dataset, Entity};

const SALT: u64 = 0x11FE;

/// How many random indices the mutator tries before it falls back to an insert.
const TRIES: u64 = 16;

impl Dataset {
    /// `_id` of record `i` of a generated entity.
    pub(crate) fn id_of(&self, e: Entity, i: i64) -> String {
        match e {
            Entity::Activities => activities::id_of(self, i),
            Entity::Alerts => alerts::id_of(self, i),
            Entity::Files => files::id_of(self, i),
            Entity::Entities => entities::id_of(self, i),
            Entity::Subnets => String::new(),
        }
    }

    /// Current index of the record with this `_id`, if it exists.
    fn index_of(&self, e: Entity, id: &str) -> Option<i64> {
        match e {
            Entity::Activities => activities::index_of(self, id),
            Entity::Alerts => alerts::index_of(self, id),
            Entity::Files => files::index_of(self, id),
            Entity::Entities => entities::index_of(self, id),
            Entity::Subnets => None,
        }
    }

    /// A new activity, alert or file stamped with the clock's now (never older than the newest record
    /// before it); returns its `_id`. `None` for entities and subnets (not inserted live).
    pub fn insert_now(&self, e: Entity) -> Option<String> {
        if !matches!(e, Entity::Activities | Entity::Alerts | Entity::Files) {
            return None;
        }
        let now = self.now_ms();
        let i = self.push_heads(e, 1, |_, k, newest| Head {
            at: now,
            ts: Some(now.max(newest)),
            source: -(k as i64) - 1,
        });
        let id = self.id_of(e, i);
        self.journal_push(Mutation {
            at_ms: now,
            entity: e,
            kind: MutationKind::Insert,
            id: id.clone(),
            index: i,
            source: i,
            before: serde_json::Value::Null,
            after: json!({"ts": self.ts_of(e, i)}),
        });
        Some(id)
    }

    /// Moves the record at index `i` to the head, stamped now (an edited file's `modifiedDate`, an
    /// entity's `lastSeen`): its old index is superseded, its identity kept. Returns the new index.
    fn move_to_head(&self, e: Entity, i: i64, now: i64) -> i64 {
        let source = self.source(e, i);
        self.push_heads(e, 1, |o, k, newest| {
            let alias = -(k as i64) - 1;
            o.hidden[e as usize].insert(i, (now, alias));
            o.current[e as usize].insert(source, alias);
            o.touched[e as usize].push(i);
            Head {
                at: now,
                ts: Some(now.max(newest)),
                source,
            }
        })
    }

    /// Edits a file: `modifiedDate` becomes now (`createdDate` never changes). False when no such
    /// file exists or it is deleted.
    pub fn edit_file(&self, id: &str) -> bool {
        let Some(i) = self.index_of(Entity::Files, id) else {
            return false;
        };
        if files::attrs(self, i).fstat == 2 {
            return false;
        }
        self.edit_file_at(i);
        true
    }

    fn edit_file_at(&self, i: i64) {
        let now = self.now_ms();
        let before = files::ts(self, i);
        let id = self.id_of(Entity::Files, i);
        let source = self.source(Entity::Files, i);
        let j = self.move_to_head(Entity::Files, i, now);
        self.journal_push(Mutation {
            at_ms: now,
            entity: Entity::Files,
            kind: MutationKind::Edit,
            id,
            index: j,
            source,
            before: json!({"modifiedDate": before}),
            after: json!({"modifiedDate": files::ts(self, j)}),
        });
    }

    /// Trashes (`fstat` 1) or deletes (`fstat` 2) a file; its dates stay. False when no such file
    /// exists or it already has that status.
    pub fn set_file_status(&self, id: &str, fstat: i64) -> bool {
        let Some(i) = self.index_of(Entity::Files, id) else {
            return false;
        };
        if !(0..=2).contains(&fstat) || files::attrs(self, i).fstat == fstat {
            return false;
        }
        self.set_file_status_at(i, fstat);
        true
    }

    fn set_file_status_at(&self, i: i64, fstat: i64) {
        let now = self.now_ms();
        let before = files::attrs(self, i).fstat;
        let source = self.source(Entity::Files, i);
        {
            let mut o = write(&self.overlay);
            o.file_status.entry(source).or_default().push((now, fstat));
            o.touched[Entity::Files as usize].push(i);
        }
        self.journal_push(Mutation {
            at_ms: now,
            entity: Entity::Files,
            kind: match fstat {
                1 => MutationKind::Trash,
                2 => MutationKind::Delete,
                _ => MutationKind::Edit,
            },
            id: self.id_of(Entity::Files, i),
            index: i,
            source,
            before: json!({"fstat": before}),
            after: json!({"fstat": fstat}),
        });
    }

    /// Changes an entity's `status`; its `lastSeen` moves to now. False when no such entity exists or
    /// it already has that status.
    pub fn set_entity_status(&self, id: &str, status: i64) -> bool {
        let Some(i) = self.index_of(Entity::Entities, id) else {
            return false;
        };
        if entities::status(self, i) == status {
            return false;
        }
        self.set_entity_status_at(i, status);
        true
    }

    fn set_entity_status_at(&self, i: i64, status: i64) {
        let now = self.now_ms();
        let before = entities::status(self, i);
        let source = self.source(Entity::Entities, i);
        let id = self.id_of(Entity::Entities, i);
        // The status version first, then the move: a reader sees the new status no later than the
        // new `lastSeen`.
        write(&self.overlay)
            .entity_status
            .entry(source)
            .or_default()
            .push((now, status));
        let j = self.move_to_head(Entity::Entities, i, now);
        self.journal_push(Mutation {
            at_ms: now,
            entity: Entity::Entities,
            kind: MutationKind::Status,
            id,
            index: j,
            source,
            before: json!({"status": before}),
            after: json!({"status": status, "lastSeen": entities::ts(self, j)}),
        });
    }

    /// Closes an alert with `resolutionStatusValue` 3, 4 or 5, or reopens it with 0. False when no
    /// such alert exists or it already has that resolution.
    pub fn set_alert_resolution(&self, id: &str, resolution: i64) -> bool {
        let Some(i) = self.index_of(Entity::Alerts, id) else {
            return false;
        };
        if ![0, 3, 4, 5].contains(&resolution) || alerts::resolution_of(self, i) == resolution {
            return false;
        }
        self.set_alert_resolution_at(i, resolution);
        true
    }

    fn set_alert_resolution_at(&self, i: i64, resolution: i64) {
        let now = self.now_ms();
        let kind = if resolution == 0 {
            MutationKind::Reopen
        } else {
            MutationKind::Close
        };
        alerts::change_state(self, i, now, kind, |s| {
            s.resolution = Some(resolution);
            s.resolve_ms = (resolution != 0).then_some(now);
            if resolution == 0 {
                s.comment = None;
                s.reason_id = None;
            }
        });
    }

    /// A random visible index of `e` satisfying `ok`, drawn from `r`.
    fn pick(&self, e: Entity, r: &mut Rng, ok: impl Fn(i64) -> bool) -> Option<i64> {
        let (lo, hi) = self.range(e);
        if hi <= lo {
            return None;
        }
        (0..TRIES)
            .map(|_| lo + r.below((hi - lo) as u64) as i64)
            .find(|i| self.superseded_by(e, *i).is_none() && ok(*i))
    }

    /// The `n`-th mutation of the mutator: its kind drawn by `WEIGHTS` from the dataset's seed, so
    /// runs repeat. A kind that finds no record to change becomes an insert of the same entity.
    pub(crate) fn mutate(&self, n: u64) {
        let mut r = Rng::at(self.seed(), SALT, n as i64);
        let total: u64 = WEIGHTS.iter().map(|w| w.2).sum();
        let mut roll = r.below(total);
        let &(e, kind, _) = WEIGHTS
            .iter()
            .find(|w| {
                if roll < w.2 {
                    true
                } else {
                    roll -= w.2;
                    false
                }
            })
            .expect("the weights cover the roll");
        let done = match kind {
            MutationKind::Edit => self
                .pick(e, &mut r, |i| files::attrs(self, i).fstat != 2)
                .map(|i| self.edit_file_at(i)),
            MutationKind::Trash => self
                .pick(e, &mut r, |i| files::attrs(self, i).fstat == 0)
                .map(|i| self.set_file_status_at(i, 1)),
            MutationKind::Delete => self
                .pick(e, &mut r, |i| files::attrs(self, i).fstat != 2)
                .map(|i| self.set_file_status_at(i, 2)),
            MutationKind::Close => {
                let code = *r.pick(&[3, 4, 5]);
                self.pick(e, &mut r, |i| alerts::is_open(self, i))
                    .map(|i| self.set_alert_resolution_at(i, code))
            }
            MutationKind::Reopen => self
                .pick(e, &mut r, |i| !alerts::is_open(self, i))
                .map(|i| self.set_alert_resolution_at(i, 0)),
            MutationKind::Status => self.pick(e, &mut r, |_| true).map(|i| {
                let now = entities::status(self, i);
                let next = (now + 1 + r.below(4) as i64).rem_euclid(5);
                self.set_entity_status_at(i, next)
            }),
            MutationKind::Insert | MutationKind::Read => None,
        };
        if done.is_none() {
            let e = if e == Entity::Entities {
                Entity::Activities
            } else {
                e
            };
            self.insert_now(e);
        }
    }
}
