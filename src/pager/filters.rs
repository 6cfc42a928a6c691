//! Filters a pull sends, built from the caller's: relative dates fixed once, window bounds and scan
//! cursors merged in per operator, so that no condition of the caller is ever dropped (api.md §4.4, §5).

use serde_json::{json, Map, Value};

/// One day in milliseconds, for `gte_ndays`/`lte_ndays` (api.md §5.2).
const DAY_MS: i64 = 86_400_000;

/// The caller's filters with every `gte_ndays: N` / `lte_ndays: N` turned into an absolute `gte`/`lte`
/// bound at `now_ms` (epoch milliseconds), so that the window does not slide during a long pull (the
/// server evaluates relative operators at each request, api.md §16 rule 30). An absolute bound the caller
/// also gave on the same field is kept when it is narrower.
pub(super) fn absolute_dates(filters: &Value, now_ms: i64) -> Value {
    let Value::Object(fields) = filters else {
        return filters.clone();
    };
    let mut out = Map::new();
    for (field, conditions) in fields {
        let Value::Object(ops) = conditions else {
            out.insert(field.clone(), conditions.clone());
            continue;
        };
        let mut converted = Map::new();
        let mut relative = Vec::new();
        for (op, value) in ops {
            match (op.as_str(), value.as_i64()) {
                ("gte_ndays", Some(days)) => relative.push(("gte", now_ms - days * DAY_MS)),
                ("lte_ndays", Some(days)) => relative.push(("lte", now_ms - days * DAY_MS)),
                _ => {
                    converted.insert(op.clone(), value.clone());
                }
            }
        }
        for (op, bound) in relative {
            tracing::debug!(
                field = field.as_str(),
                op,
                bound,
                "a relative date filter becomes an absolute bound for the whole pull"
            );
            narrow(&mut converted, op, &json!(bound));
        }
        out.insert(field.clone(), Value::Object(converted));
    }
    Value::Object(out)
}

/// Adds `field op bound` to `filters`, keeping whichever bound is narrower when `op` is already there:
/// the larger `gte`/`gt`, the smaller `lte`/`lt`. Every other condition stays as it is.
pub(super) fn with_bound(filters: Option<&Value>, field: &str, op: &str, bound: i64) -> Value {
    let mut out = match filters {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    let conditions = out
        .entry(field.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !conditions.is_object() {
        *conditions = Value::Object(Map::new());
    }
    if let Value::Object(ops) = conditions {
        narrow(ops, op, &json!(bound));
    }
    Value::Object(out)
}

/// The server's scan cursor merged with the caller's filters per field and per operator: every caller
/// condition is kept (a cursor carrying only its own bound, or replacing the caller's `date` object with
/// its own, loses nothing, api.md §16 rule 32); where both give the same comparison operator the narrower
/// bound wins; the cursor's other conditions are kept.
pub(super) fn merge_cursor(cursor: Value, caller: Option<&Value>) -> Value {
    let (Value::Object(mut next), Some(Value::Object(caller))) = (cursor.clone(), caller) else {
        return cursor;
    };
    for (field, theirs) in caller {
        match (next.get_mut(field), theirs) {
            (None, _) => {
                next.insert(field.clone(), theirs.clone());
            }
            (Some(Value::Object(ops)), Value::Object(caller_ops)) => {
                for (op, value) in caller_ops {
                    narrow(ops, op, value);
                }
            }
            // Shapes that cannot be merged: the caller's condition is the one the pull must honour.
            (Some(slot), _) => *slot = theirs.clone(),
        }
    }
    Value::Object(next)
}

/// Puts `op: value` into one field's conditions; a comparison already there keeps the narrower bound, any
/// other operator already there is replaced by `value` (the caller's, in every use).
fn narrow(ops: &mut Map<String, Value>, op: &str, value: &Value) {
    let keep_larger = match op {
        "gte" | "gt" => Some(true),
        "lte" | "lt" => Some(false),
        _ => None,
    };
    match (
        keep_larger,
        ops.get(op).and_then(Value::as_f64),
        value.as_f64(),
    ) {
        (Some(larger), Some(old), Some(new)) => {
            if (larger && new > old) || (!larger && new < old) {
                ops.insert(op.to_owned(), value.clone());
            }
        }
        _ => {
            ops.insert(op.to_owned(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dates_become_absolute_bounds_once() {
        let now = 1_700_000_000_000;
        let filters = json!({"date": {"gte_ndays": 2, "lte_ndays": 1}, "service": {"eq": [11161]}});
        assert_eq!(
            absolute_dates(&filters, now),
            json!({"date": {"gte": now - 2 * DAY_MS, "lte": now - DAY_MS}, "service": {"eq": [11161]}})
        );
    }

    #[test]
    fn a_relative_date_keeps_a_narrower_absolute_bound_of_the_caller() {
        let now = 1_700_000_000_000;
        let narrower = now - 1000;
        let filters = json!({"date": {"gte_ndays": 1, "gte": narrower}});
        assert_eq!(
            absolute_dates(&filters, now),
            json!({"date": {"gte": narrower}})
        );
    }

    #[test]
    fn a_window_bound_replaces_the_callers_gte_only_when_larger() {
        let caller = json!({"date": {"gte": 100, "lte": 900}, "severity": {"eq": [2]}});
        assert_eq!(
            with_bound(Some(&caller), "date", "gte", 50),
            caller,
            "the caller's larger gte stays"
        );
        assert_eq!(
            with_bound(Some(&caller), "date", "gte", 500),
            json!({"date": {"gte": 500, "lte": 900}, "severity": {"eq": [2]}})
        );
        assert_eq!(
            with_bound(None, "createdDate", "gte", 7),
            json!({"createdDate": {"gte": 7}})
        );
    }

    #[test]
    fn a_window_keeps_the_callers_range_and_lte() {
        let caller = json!({"date": {"range": [{"start": 1, "end": 9}], "lte": 8}});
        assert_eq!(
            with_bound(Some(&caller), "date", "gte", 5),
            json!({"date": {"range": [{"start": 1, "end": 9}], "lte": 8, "gte": 5}})
        );
        assert_eq!(
            with_bound(Some(&caller), "date", "lte", 5),
            json!({"date": {"range": [{"start": 1, "end": 9}], "lte": 5}})
        );
    }

    #[test]
    fn a_cursor_of_its_own_bound_only_keeps_every_caller_filter() {
        let caller = json!({"date": {"gte": 100}, "service": {"eq": [20893]}});
        let cursor = json!({"date": {"lte": 500}});
        assert_eq!(
            merge_cursor(cursor, Some(&caller)),
            json!({"date": {"lte": 500, "gte": 100}, "service": {"eq": [20893]}})
        );
    }

    #[test]
    fn a_cursor_replacing_the_callers_date_object_does_not_drop_the_callers_gte() {
        let caller = json!({"date": {"gte": 100, "lte": 900}});
        let cursor = json!({"date": {"lte": 500}});
        assert_eq!(
            merge_cursor(cursor, Some(&caller)),
            json!({"date": {"lte": 500, "gte": 100}}),
            "the narrower lte (the cursor's) and the caller's gte"
        );
    }

    #[test]
    fn a_cursor_carrying_the_callers_filters_is_unchanged() {
        let caller = json!({"date": {"gte": 100}, "service": {"eq": [1]}});
        let cursor = json!({"date": {"gte": 100, "lte": 500}, "service": {"eq": [1]}});
        assert_eq!(merge_cursor(cursor.clone(), Some(&caller)), cursor);
    }
}
