//! Keyset windows: paging a skip/limit list (alerts, files, entities) so that a changing tenant cannot make
//! it lose a record that matched throughout the pull.
//!
//! Each request sends the caller's filters with `key gte W`, sorted by the key ascending, from `skip` 0.
//! `W` moves to the largest key of each page; the ids of the page's records whose key equals the new `W`
//! (the ties) are remembered and dropped when the next window returns them again. Because every request
//! starts at skip 0 from a bound on the records' own keys, records that leave the result set cannot shift
//! unread ones behind the cursor, as they do with plain skip/limit: a stable match whose key is at least
//! `W` is in every answer to `key gte W` until it has been returned. The key never changes (`timestamp`,
//! `createdDate`) or only moves forward (`lastSeen`, `modifiedDate`): a record whose key moves comes back
//! later in the pull, so for those keys every returned id is kept.
//!
//! A tie group longer than a page (more than `limit` records sharing one key) cannot be passed by moving
//! `W`: it is paged on its own with `key gte W, key lte W` and `skip`, de-duplicated, in passes repeated
//! until a pass adds nothing (at most [`MAX_TIE_PASSES`]; beyond that the pull fails with an error rather
//! than risk losing records), and the windows then go on from `W + 1` (keys are integer milliseconds).
//!
//! Descending windows (newest first, the order the API and its users default to) mirror all of this:
//! `key lte W`, sorted by the key descending, `W` moving to the smallest key of each page, the tie group
//! left at `W - 1`. They are as safe for a key that never changes; for a key that moves forward they are
//! not (a record whose key moves from below `W` to above it is never read again), so the plan uses them
//! there only for pulls that want a number of records, never for a pull of every match.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::checkpoint::IdList;
use super::filters::with_bound;
use super::seen::{sorted, IdSet};
use crate::entity::KeyField;
use crate::error::{Error, ErrorKind, Result};

/// Passes over one tie group before giving up (each pass pages through the whole group).
pub(super) const MAX_TIE_PASSES: u32 = 8;

/// Where a window pull stands.
#[derive(Debug)]
pub(super) struct Windows {
    pub(super) key: KeyField,
    /// Newest first: `key lte W`, sorted descending.
    pub(super) desc: bool,
    /// Records with a key at least this (at most this, descending) remain to be read; `None` before the
    /// first page (the caller's own bounds only).
    from: Option<i64>,
    /// Ids returned whose key equals `from`.
    ties: IdSet,
    /// Paging a tie group longer than a page.
    group: Option<TieGroup>,
    /// Every id returned, when the key can move.
    every: Option<IdSet>,
}

/// A tie group being paged with `skip` (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieGroup {
    /// The next request's `skip` within the group.
    pub skip: u64,
    /// Passes completed over the group.
    pub pass: u32,
    /// Records the current pass added.
    pub added: u64,
}

/// What a page did to the window.
pub(super) struct Step {
    /// For each record of the page, whether it is new to the pull.
    pub fresh: Vec<bool>,
    /// Records dropped because they are the window's own overlap (the ties at its lower bound), not
    /// duplicates the server sent.
    pub overlap: u64,
    pub done: bool,
}

/// A window position as a checkpoint stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowState {
    /// Descending windows (absent: ascending).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
    pub from: Option<i64>,
    pub ties: IdList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<TieGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<IdList>,
}

impl Windows {
    pub(super) fn new(key: KeyField, from: Option<i64>, desc: bool) -> Windows {
        Windows {
            key,
            desc,
            from,
            ties: IdSet::default(),
            group: None,
            every: key.moves.then(IdSet::default),
        }
    }

    pub(super) fn restore(key: KeyField, state: &WindowState) -> Windows {
        let mut windows = Windows::new(key, state.from, state.desc);
        windows.ties.extend(&state.ties.0);
        windows.group = state.group;
        if let (Some(every), Some(ids)) = (&mut windows.every, &state.every) {
            every.extend(&ids.0);
        }
        windows
    }

    pub(super) fn state(&self) -> WindowState {
        WindowState {
            desc: self.desc,
            from: self.from,
            ties: IdList(sorted(&self.ties)),
            group: self.group,
            every: self.every.as_ref().map(|e| IdList(sorted(e))),
        }
    }

    /// Ids this pull keeps (for the memory bound in the docs and tests).
    pub(super) fn ids_held(&self) -> usize {
        self.ties.len() + self.every.as_ref().map_or(0, IdSet::len)
    }

    /// The filters and `skip` of the next request.
    pub(super) fn request(&self, caller: Option<&Value>) -> (Value, u64) {
        let field = self.key.filter;
        match (self.group, self.from) {
            (Some(group), Some(w)) => {
                let gte = with_bound(caller, field, "gte", w);
                (with_bound(Some(&gte), field, "lte", w), group.skip)
            }
            (_, Some(w)) => (with_bound(caller, field, self.bound_op(), w), 0),
            (_, None) => (
                caller
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default())),
                0,
            ),
        }
    }

    /// The operator of the window's moving bound.
    fn bound_op(&self) -> &'static str {
        if self.desc {
            "lte"
        } else {
            "gte"
        }
    }

    /// Whether key `a` comes after key `b` in the window's order.
    fn after(&self, a: i64, b: i64) -> bool {
        if self.desc {
            a < b
        } else {
            a > b
        }
    }

    /// Takes a page in: `ids` and `keys` of its records in order, `limit` the request's.
    pub(super) fn absorb(
        &mut self,
        ids: &[Option<u64>],
        keys: &[Option<i64>],
        limit: u32,
        has_next: Option<bool>,
    ) -> Result<Step> {
        let keys = self.check(keys)?;
        let n = keys.len();
        let full = n as u64 >= u64::from(limit);
        let mut fresh = Vec::with_capacity(n);
        let mut overlap = 0;
        for (id, &k) in ids.iter().zip(&keys) {
            let new = match id {
                // Without an `_id` a record cannot be de-duplicated: it is handed over as it is.
                None => true,
                Some(h) => {
                    let tie_known = Some(k) == self.from && self.ties.contains(h);
                    overlap += u64::from(tie_known);
                    let known = tie_known || self.every.as_ref().is_some_and(|e| e.contains(h));
                    if !known {
                        if let Some(every) = &mut self.every {
                            every.insert(*h);
                        }
                    }
                    !known
                }
            };
            fresh.push(new);
        }
        let added = fresh.iter().filter(|f| **f).count() as u64;

        if let Some(group) = &mut self.group {
            let w = self.from.expect("a tie group has a key");
            self.ties.extend(ids.iter().flatten());
            group.skip += n as u64;
            group.added += added;
            if !full {
                if group.added == 0 {
                    // The whole group is known: go on past it.
                    self.group = None;
                    self.from = Some(if self.desc { w - 1 } else { w + 1 });
                    self.ties.clear();
                } else {
                    group.pass += 1;
                    if group.pass >= MAX_TIE_PASSES {
                        return Err(self.tie_group_error(w));
                    }
                    group.skip = 0;
                    group.added = 0;
                }
            }
            return Ok(Step {
                fresh,
                overlap,
                done: false,
            });
        }

        let Some(&last) = keys.last() else {
            return Ok(Step {
                fresh,
                overlap,
                done: true,
            });
        };
        let page_ties = ids.iter().zip(&keys).filter(|(_, k)| **k == last);
        if self.from.is_none_or(|w| self.after(last, w)) {
            self.from = Some(last);
            self.ties.clear();
        }
        self.ties.extend(page_ties.filter_map(|(id, _)| *id));
        if full && keys[0] == last {
            // More than a page shares one key: moving `W` cannot pass them; page the group by itself.
            self.group = Some(TieGroup {
                skip: 0,
                pass: 0,
                added: 0,
            });
            return Ok(Step {
                fresh,
                overlap,
                done: false,
            });
        }
        // A short page is the end of the list when it brought nothing new, or when the server agrees that
        // nothing follows (a short page alone could be a server cap below our limit).
        let done = !full && (added == 0 || has_next == Some(false));
        Ok(Step {
            fresh,
            overlap,
            done,
        })
    }

    /// The page's keys, checked: present, within the window, in the window's order.
    fn check(&self, keys: &[Option<i64>]) -> Result<Vec<i64>> {
        let field = self.key.record;
        let (order, bound, side) = if self.desc {
            ("descending", "upper", "above")
        } else {
            ("ascending", "lower", "below")
        };
        let mut out = Vec::with_capacity(keys.len());
        for (i, key) in keys.iter().enumerate() {
            let Some(k) = *key else {
                return Err(invalid(format!(
                    "record {i} of the page has no usable `{field}`, the key the pager orders this list by"
                )));
            };
            if let Some(w) = self.from {
                if self.after(w, k) {
                    return Err(invalid(format!(
                        "record {i} has `{field}` {k}, {side} the window's {bound} bound {w}: the server \
                         ignored the `{} {}` filter",
                        self.key.filter,
                        self.bound_op()
                    )));
                }
                if self.group.is_some() && k != w {
                    return Err(invalid(format!(
                        "record {i} has `{field}` {k}, outside the tie group's key {w}: the server \
                         ignored the `{} gte`/`lte` filters",
                        self.key.filter
                    )));
                }
            }
            if out.last().is_some_and(|prev| self.after(*prev, k)) {
                return Err(invalid(format!(
                    "the page is not in {order} `{field}` order (record {i}): the server ignored \
                     sortField {} {}",
                    self.key.sort,
                    if self.desc { "desc" } else { "asc" }
                )));
            }
            out.push(k);
        }
        Ok(out)
    }

    fn tie_group_error(&self, w: i64) -> Error {
        invalid(format!(
            "more than a page of records share `{}` {w}, and {MAX_TIE_PASSES} passes over them with \
             skip/limit kept finding new ones: the server's order among them changes between requests, \
             so the pull cannot prove it returned each of them",
            self.key.record
        ))
        .with_hint("narrow the filters so fewer records share one timestamp, or retry the pull")
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidResponse, message).with_hint(
        "the list's keyset paging relies on the documented filter and sort; please report this server \
         behaviour",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::{spec, EntityKind};
    use serde_json::json;

    fn alerts() -> Windows {
        Windows::new(spec(EntityKind::Alerts).window.unwrap(), None, false)
    }

    fn ids(range: std::ops::Range<u64>) -> Vec<Option<u64>> {
        range.map(Some).collect()
    }

    fn keys(list: &[i64]) -> Vec<Option<i64>> {
        list.iter().copied().map(Some).collect()
    }

    #[test]
    fn each_window_starts_at_the_largest_key_returned_from_skip_zero() {
        let mut w = alerts();
        let caller = json!({"resolutionStatus": {"eq": [0]}});
        assert_eq!(w.request(Some(&caller)), (caller.clone(), 0));
        let step = w
            .absorb(&ids(0..3), &keys(&[10, 20, 30]), 3, Some(true))
            .unwrap();
        assert_eq!(step.fresh, vec![true; 3]);
        assert!(!step.done);
        assert_eq!(
            w.request(Some(&caller)),
            (
                json!({"resolutionStatus": {"eq": [0]}, "date": {"gte": 30}}),
                0
            )
        );
    }

    #[test]
    fn the_tie_at_the_window_bound_is_dropped_when_it_comes_again() {
        let mut w = alerts();
        w.absorb(&ids(0..3), &keys(&[10, 30, 30]), 3, None).unwrap();
        // The next window repeats records 1 and 2 (key 30) before the new ones.
        let step = w
            .absorb(&[Some(2), Some(1), Some(3)], &keys(&[30, 30, 40]), 3, None)
            .unwrap();
        assert_eq!(step.fresh, vec![false, false, true]);
        assert!(!step.done);
    }

    #[test]
    fn a_short_page_with_nothing_new_ends_the_pull_whatever_has_next_says() {
        let mut w = alerts();
        w.absorb(&ids(0..3), &keys(&[10, 20, 30]), 3, Some(true))
            .unwrap();
        let step = w.absorb(&[Some(2)], &keys(&[30]), 3, Some(true)).unwrap();
        assert_eq!(step.fresh, vec![false]);
        assert!(step.done);
    }

    #[test]
    fn a_short_page_with_new_records_is_confirmed_by_one_more_request_unless_has_next_is_false() {
        let mut w = alerts();
        let step = w.absorb(&ids(0..2), &keys(&[10, 20]), 3, None).unwrap();
        assert!(
            !step.done,
            "a short page may be a server cap below our limit"
        );
        let step = w.absorb(&ids(2..4), &keys(&[20, 30]), 3, Some(false));
        assert!(step.unwrap().done);
    }

    #[test]
    fn a_full_page_says_more_may_follow_even_when_has_next_is_false() {
        let mut w = alerts();
        let step = w
            .absorb(&ids(0..3), &keys(&[1, 2, 3]), 3, Some(false))
            .unwrap();
        assert!(!step.done);
    }

    #[test]
    fn keys_out_of_order_missing_or_below_the_window_are_errors() {
        let mut w = alerts();
        let err = w
            .absorb(&ids(0..2), &keys(&[20, 10]), 3, None)
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert!(err.message().contains("ascending"), "{}", err.message());
        let err = w
            .absorb(&ids(0..2), &[Some(1), None], 3, None)
            .err()
            .unwrap();
        assert!(err.message().contains("timestamp"), "{}", err.message());
        w.absorb(&ids(0..1), &keys(&[50]), 3, None).unwrap();
        let err = w.absorb(&ids(5..6), &keys(&[40]), 3, None).err().unwrap();
        assert!(err.message().contains("gte"), "{}", err.message());
    }

    #[test]
    fn a_tie_group_longer_than_a_page_is_paged_by_skip_until_a_pass_adds_nothing() {
        let mut w = alerts();
        let step = w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        assert!(!step.done);
        assert_eq!(
            w.request(None),
            (json!({"date": {"gte": 7, "lte": 7}}), 0),
            "the group alone, from skip 0"
        );
        // Pass 1: the group has 5 records.
        let step = w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        assert_eq!(step.fresh, vec![false; 3]);
        assert_eq!(w.request(None).1, 3);
        let step = w.absorb(&ids(3..5), &keys(&[7, 7]), 3, None).unwrap();
        assert_eq!(step.fresh, vec![true; 2]);
        // Pass 2 adds nothing: the windows go on past the group.
        w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        w.absorb(&ids(3..5), &keys(&[7, 7]), 3, None).unwrap();
        assert_eq!(w.request(None), (json!({"date": {"gte": 8}}), 0));
    }

    #[test]
    fn a_tie_group_whose_order_never_settles_fails_the_pull() {
        let mut w = alerts();
        w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        let mut next = 100;
        let result = (0..MAX_TIE_PASSES).try_for_each(|_| {
            next += 1;
            w.absorb(&[Some(next)], &keys(&[7]), 3, None).map(drop)
        });
        assert_eq!(result.unwrap_err().kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn a_key_that_moves_brings_a_record_back_and_it_is_dropped() {
        let key = spec(EntityKind::Entities).window.unwrap();
        let mut w = Windows::new(key, None, false);
        w.absorb(&ids(0..3), &keys(&[1, 2, 3]), 3, None).unwrap();
        // Record 0 changed: its lastSeen moved to 9.
        let step = w
            .absorb(&[Some(2), Some(5), Some(0)], &keys(&[3, 4, 9]), 3, None)
            .unwrap();
        assert_eq!(step.fresh, vec![false, true, false]);
        assert_eq!(w.ids_held(), 4 + 1);
    }

    #[test]
    fn a_window_survives_a_checkpoint_round_trip() {
        let mut w = alerts();
        w.absorb(&ids(0..3), &keys(&[10, 30, 30]), 3, None).unwrap();
        let state = w.state();
        let text = serde_json::to_string(&state).unwrap();
        let back: WindowState = serde_json::from_str(&text).unwrap();
        let mut resumed = Windows::restore(w.key, &back);
        assert_eq!(resumed.request(None), w.request(None));
        let step = resumed
            .absorb(&[Some(2), Some(9)], &keys(&[30, 31]), 3, None)
            .unwrap();
        assert_eq!(step.fresh, vec![false, true]);
    }
    fn newest_first() -> Windows {
        Windows::new(spec(EntityKind::Alerts).window.unwrap(), None, true)
    }

    #[test]
    fn descending_windows_move_down_from_the_smallest_key_and_drop_the_ties() {
        let mut w = newest_first();
        let caller = json!({"date": {"lte": 100, "gte": 5}});
        assert_eq!(w.request(Some(&caller)), (caller.clone(), 0));
        let step = w.absorb(&ids(0..3), &keys(&[90, 60, 60]), 3, None).unwrap();
        assert_eq!(step.fresh, vec![true; 3]);
        // The caller's lower bound stays; the window's upper bound replaces the wider one.
        assert_eq!(
            w.request(Some(&caller)),
            (json!({"date": {"lte": 60, "gte": 5}}), 0)
        );
        let step = w
            .absorb(&[Some(2), Some(1), Some(3)], &keys(&[60, 60, 40]), 3, None)
            .unwrap();
        assert_eq!(step.fresh, vec![false, false, true]);
        assert_eq!(w.request(None), (json!({"date": {"lte": 40}}), 0));
        let step = w.absorb(&[Some(3)], &keys(&[40]), 3, None).unwrap();
        assert!(step.done);
        let back = serde_json::to_value(w.state()).unwrap();
        assert_eq!(back["desc"], json!(true));
        let resumed = Windows::restore(w.key, &serde_json::from_value(back).unwrap());
        assert_eq!(resumed.request(None), w.request(None));
    }

    #[test]
    fn descending_windows_check_their_order_and_bound_and_pass_a_tie_group_downwards() {
        let mut w = newest_first();
        let err = w
            .absorb(&ids(0..2), &keys(&[10, 20]), 3, None)
            .err()
            .unwrap();
        assert!(err.message().contains("descending"), "{}", err.message());
        w.absorb(&ids(0..1), &keys(&[50]), 3, None).unwrap();
        let err = w.absorb(&ids(5..6), &keys(&[60]), 3, None).err().unwrap();
        assert!(err.message().contains("lte"), "{}", err.message());

        let mut w = newest_first();
        w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        assert_eq!(w.request(None), (json!({"date": {"lte": 7, "gte": 7}}), 0));
        w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        w.absorb(&ids(3..4), &keys(&[7]), 3, None).unwrap();
        w.absorb(&ids(0..3), &keys(&[7, 7, 7]), 3, None).unwrap();
        w.absorb(&ids(3..4), &keys(&[7]), 3, None).unwrap();
        assert_eq!(w.request(None), (json!({"date": {"lte": 6}}), 0));
    }
}
