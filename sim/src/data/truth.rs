//! Ground truth of an interval (api.md §16 rule 31): which records matched a filter at every instant,
//! and which at some instant, of `[from, to]` of the tenant's clock.
//!
//! A record's state is piecewise constant between its mutations, so it is judged at the start of the
//! interval (or when it appeared) and again at each of its journaled mutations inside the interval,
//! every time "as of" that instant (see `live::AsOf`). Records untouched in the interval are judged
//! once. Dates never change for an index (a move makes a new index), so date filters narrow the range
//! first, as for a request.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::live::{AsOf, GroundTruth};
use super::{files, read, DataError, Dataset, Entity};
use crate::filter::invalid_value;

#[derive(Default)]
struct Verdict {
    /// Present and matching at `from`.
    at_from: bool,
    /// Some check failed.
    failed: bool,
    /// Some check matched.
    matched: bool,
    /// One of the identity's indices (for its `_id`).
    index: i64,
    /// The spans `[start, end)` its judged indices cover: a stable record's cover the interval
    /// (an index left out by the date narrowing leaves a hole).
    spans: Vec<(i64, i64)>,
}

impl Verdict {
    fn covers(&mut self, from: i64, to: i64) -> bool {
        self.spans.sort_unstable();
        let mut reached = from;
        for (start, end) in &self.spans {
            if *start > reached {
                return false;
            }
            reached = reached.max(*end);
        }
        reached > to
    }
}

impl Dataset {
    /// The ground truth of `filters` on entity `e` over `[from_ms, to_ms]`; relative operators
    /// (`*_ndays`) count from `from_ms`. Subnets are not mutated by live mode and are judged now.
    pub fn ground_truth(
        &self,
        e: Entity,
        filters: &Value,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<GroundTruth, DataError> {
        let filters = match filters {
            Value::Null => Map::new(),
            Value::Object(m) => m.clone(),
            other => return Err(DataError::Validation(invalid_value(other))),
        };
        if e == Entity::Subnets {
            let page = self.list(
                e,
                &super::ListQuery {
                    filters,
                    limit: Some(i64::MAX),
                    ..Default::default()
                },
            )?;
            let ids: std::collections::BTreeSet<String> = page
                .records()
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect();
            return Ok(GroundTruth {
                stable: ids.clone(),
                ever: ids,
            });
        }
        let (filters, implicit) = match e {
            Entity::Files => files::split_filters(&filters)?,
            _ => (filters, Vec::new()),
        };
        let (from, to) = (from_ms, to_ms.max(from_ms));
        let mut events: HashMap<i64, Vec<i64>> = HashMap::new();
        for m in self.journal_between(e, from, to) {
            events.entry(m.source).or_default().push(m.at_ms);
        }
        let (heads, hidden, moved) = {
            let o = read(&self.overlay);
            let moved: HashSet<i64> = o.current[e as usize].keys().copied().collect();
            (
                o.heads[e as usize].clone(),
                o.hidden[e as usize].clone(),
                moved,
            )
        };
        let verdicts = self.with_source_at(e, implicit, from, false, |src| {
            let conds = src.compile(&filters)?;
            let (lo, hi, conds) = crate::list::narrow_range(src, conds);
            let eval = src.eval();
            let mut verdicts: HashMap<i64, Verdict> = HashMap::new();
            // Generated records that never moved and were not touched during the interval (nearly
            // all of them): judged once, at `from`, with no bookkeeping.
            let mut untouched = Vec::new();
            for j in lo..hi {
                let (born, source) = match j {
                    j if j < 0 => match heads.get((-j - 1) as usize) {
                        Some(h) => (h.at, h.source),
                        None => continue,
                    },
                    j => (i64::MIN, j),
                };
                if j >= 0 && !moved.contains(&j) && !events.contains_key(&j) {
                    let _as_of = AsOf::set(from);
                    if eval.matches(&conds, j) {
                        untouched.push(j);
                    }
                    continue;
                }
                let gone = hidden.get(&j).map_or(i64::MAX, |h| h.0);
                if born > to || gone <= from {
                    continue;
                }
                let start = born.max(from);
                let mut instants = vec![start];
                if let Some(times) = events.get(&source) {
                    instants.extend(times.iter().copied().filter(|t| *t > start && *t < gone));
                }
                let v = verdicts.entry(source).or_insert_with(|| Verdict {
                    index: j,
                    ..Verdict::default()
                });
                v.spans.push((start, gone));
                for t in instants {
                    let _as_of = AsOf::set(t);
                    if eval.matches(&conds, j) {
                        v.matched = true;
                        if t == from && born <= from {
                            v.at_from = true;
                        }
                    } else {
                        v.failed = true;
                    }
                }
            }
            Ok::<_, DataError>((verdicts, untouched))
        })?;
        let (verdicts, untouched) = verdicts;
        let mut stable: Vec<String> = untouched.iter().map(|j| self.id_of(e, *j)).collect();
        let mut ever = stable.clone();
        for (_, mut v) in verdicts {
            if !v.matched {
                continue;
            }
            let id = self.id_of(e, v.index);
            if v.at_from && !v.failed && v.covers(from, to) {
                stable.push(id.clone());
            }
            ever.push(id);
        }
        stable.sort_unstable();
        ever.sort_unstable();
        // Built from sorted ids, the sets are filled in one pass.
        Ok(GroundTruth {
            stable: stable.into_iter().collect(),
            ever: ever.into_iter().collect(),
        })
    }
}
