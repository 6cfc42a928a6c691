//! Turning command-line text into request values: JSON arguments (inline, `@file`, `@-`), id lists,
//! and `--where FIELD:OP[:VALUE]` conditions checked by the library's filter builder.

use std::io::{self, BufRead, Read};
use std::path::Path;

use mdca::entity::{EntityKind, FieldType};
use mdca::error::{Error, ErrorKind, Result};
use mdca::filter::FilterBuilder;
use serde_json::{Map, Value};

/// Text of a JSON argument: inline JSON, `@path` for a file, `@-` for stdin.
fn json_text(arg: &str, what: &str) -> Result<String> {
    match arg.strip_prefix('@') {
        Some("-") => {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::invalid_argument(format!("cannot read {what} from stdin: {e}"))
            })?;
            Ok(text)
        }
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Error::invalid_argument(format!("cannot read {what} from {path}: {e}"))),
        None => Ok(arg.to_owned()),
    }
}

/// Parses a JSON argument (`--body`, `--filter`).
pub fn json_arg(arg: &str, what: &str) -> Result<Value> {
    let text = json_text(arg, what)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::new(ErrorKind::InvalidJson, format!("{what} is not valid JSON: {e}"))
            .with_hint("quote the JSON for your shell, e.g. --filter '{\"severity\":{\"eq\":[2]}}', or use @file")
    })
}

/// The filters of a list: `--filter` (raw, untouched) plus every `--where` (typed, checked locally).
pub fn list_filters(
    kind: EntityKind,
    raw: Option<&str>,
    wheres: &[String],
) -> Result<Option<Value>> {
    let mut filters = match raw {
        Some(arg) => Some(mdca::filter::raw(json_arg(arg, "--filter")?)?),
        None => None,
    };
    if wheres.is_empty() {
        return Ok(filters);
    }
    let mut builder = FilterBuilder::new(kind);
    for clause in wheres {
        let (field, op, value) = parse_where(kind, clause)?;
        builder = builder.add_named(field, op, value)?;
    }
    let typed = builder.build();
    let merged = filters.get_or_insert_with(|| Value::Object(Map::new()));
    merge(merged, typed)?;
    Ok(filters)
}

/// Adds the typed conditions to the raw filter object; the same field and operator in both is an error
/// rather than a silent override.
fn merge(into: &mut Value, typed: Value) -> Result<()> {
    let (Value::Object(into), Value::Object(typed)) = (into, typed) else {
        return Ok(());
    };
    for (field, conditions) in typed {
        let Value::Object(conditions) = conditions else {
            continue;
        };
        let slot = into
            .entry(field.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(slot) = slot else {
            return Err(filter_error(format!(
                "--filter gives {field:?} a value that is not an object of operators"
            )));
        };
        for (op, value) in conditions {
            if slot.contains_key(&op) {
                return Err(filter_error(format!(
                    "{field}.{op} is given both in --filter and in --where"
                )));
            }
            slot.insert(op, value);
        }
    }
    Ok(())
}

fn filter_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidFilter, message)
}

/// Splits `FIELD:OP[:VALUE]` and turns VALUE into JSON guided by the field's type, so
/// `severity:eq:2` sends a number and `user.username:eq:2` a string.
fn parse_where(kind: EntityKind, clause: &str) -> Result<(&str, &str, Value)> {
    let mut parts = clause.splitn(3, ':');
    let field = parts.next().unwrap_or_default();
    let op = parts.next().ok_or_else(|| {
        filter_error(format!("--where {clause:?} is not FIELD:OPERATOR[:VALUE]"))
            .with_hint("for example --where severity:eq:2 or --where user.username:isset")
    })?;
    let ty = kind.spec().filter_field(field).map(|f| f.ty);
    let value = match parts.next() {
        None if matches!(op, "isset" | "isnotset") => Value::Bool(true),
        None => {
            return Err(
                filter_error(format!("--where {clause:?} has no value")).with_hint(format!(
                "write {field}:{op}:VALUE; a comma list (1,2) or JSON ([1,2]) gives several values"
            )),
            )
        }
        Some(text) => where_value(ty, op, text)?,
    };
    Ok((field, op, value))
}

fn where_value(ty: Option<FieldType>, op: &str, text: &str) -> Result<Value> {
    let text = text.trim();
    if text.starts_with(['[', '{', '"']) {
        return serde_json::from_str(text)
            .map_err(|e| filter_error(format!("--where value {text:?} is not valid JSON: {e}")));
    }
    if op == "range" {
        if let Some((start, end)) = text.split_once("..") {
            let bound = |s: &str| item_value(Some(FieldType::Timestamp), s);
            return Ok(serde_json::json!([{"start": bound(start), "end": bound(end)}]));
        }
    }
    // Operators taking one string keep commas (free text, a single prefix).
    if matches!(op, "text" | "startswithsingle") {
        return Ok(Value::String(text.to_owned()));
    }
    let items: Vec<Value> = text.split(',').map(|item| item_value(ty, item)).collect();
    Ok(match <[Value; 1]>::try_from(items) {
        Ok([one]) => one,
        Err(items) => Value::Array(items),
    })
}

fn item_value(ty: Option<FieldType>, item: &str) -> Value {
    let item = item.trim();
    let number = || item.parse::<i64>().ok().map(Value::from);
    let parsed = match ty {
        Some(FieldType::Int) => number(),
        Some(FieldType::Timestamp) => number().or_else(|| date_to_epoch_ms(item).map(Value::from)),
        Some(FieldType::Bool) => item.parse::<bool>().ok().map(Value::Bool),
        Some(FieldType::Code) => number(),
        // Unknown fields (the builder rejects them) and strings stay text; numbers for the `*_ndays`
        // operators are caught by the builder's shape check.
        Some(FieldType::Str) | Some(FieldType::Reference) | Some(FieldType::EntityPk) | None => {
            None
        }
    };
    parsed.unwrap_or_else(|| Value::String(item.to_owned()))
}

/// A date (`2024-05-01`, `2024-05-01T10:00:00Z`, …) as epoch milliseconds, the library's reading of ISO 8601.
fn date_to_epoch_ms(text: &str) -> Option<i64> {
    mdca::params::epoch_ms(&Value::String(text.to_owned()), "date").ok()
}

/// Ids from `--ids-from`: a file or `-` for stdin, one id per line, or NDJSON records whose `_id`
/// is taken (so a list's output can be piped into an action). Blank lines are skipped.
pub fn ids_from(path: &Path) -> Result<Vec<String>> {
    let read_error = |e: io::Error| {
        Error::invalid_argument(format!("cannot read ids from {}: {e}", path.display()))
    };
    let reader: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::new(
            std::fs::File::open(path).map_err(read_error)?,
        ))
    };
    // Every line is read and checked before anything is sent: a list cut short by a failed producer
    // (`mdca alerts --all | mdca alerts close --ids-from -`) selects nothing.
    let mut ids = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(read_error)?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with(crate::output::INCOMPLETE) {
            return Err(Error::invalid_argument(format!(
                "{} line {}: the list is incomplete, the command that wrote it failed ({line}); \
                 nothing was sent",
                path.display(),
                n + 1
            ))
            .with_hint("fix the failure and run the whole pipeline again"));
        }
        if line.starts_with('{') {
            let id = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|record| match record.get("_id") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "{} line {}: a JSON line must be a whole record with an \"_id\" (a list cut \
                         short?); nothing was sent",
                        path.display(),
                        n + 1
                    ))
                })?;
            ids.push(id);
        } else if line.contains(char::is_whitespace) {
            return Err(Error::invalid_argument(format!(
                "{} line {}: not an id or a JSON record: {:?}; nothing was sent",
                path.display(),
                n + 1,
                line.chars().take(80).collect::<String>()
            )));
        } else {
            ids.push(line.to_owned());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn where_values_follow_the_field_type() {
        let f = list_filters(
            EntityKind::Alerts,
            None,
            &["severity:eq:2".into(), "alertOpen:eq:true".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            f,
            json!({"severity": {"eq": [2]}, "alertOpen": {"eq": true}})
        );
    }

    #[test]
    fn where_comma_lists_and_json_values_become_lists() {
        let f = list_filters(
            EntityKind::Files,
            None,
            &["fileType:eq:1,2".into(), "sharing:neq:[3,4]".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            f,
            json!({"fileType": {"eq": [1, 2]}, "sharing": {"neq": [3, 4]}})
        );
    }

    #[test]
    fn where_isset_needs_no_value() {
        let f = list_filters(
            EntityKind::Activities,
            None,
            &["user.username:isset".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(f, json!({"user.username": {"isset": true}}));
    }

    #[test]
    fn where_dates_become_epoch_milliseconds() {
        assert_eq!(date_to_epoch_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(
            date_to_epoch_ms("2024-02-29T12:30:00Z"),
            Some(1_709_209_800_000)
        );
        assert_eq!(date_to_epoch_ms("yesterday"), None);
        let f = list_filters(
            EntityKind::Alerts,
            None,
            &["date:range:1970-01-01..1970-01-02".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            f,
            json!({"date": {"range": [{"start": 0, "end": 86_400_000}]}})
        );
    }

    #[test]
    fn where_rejects_unknown_fields_and_operators_locally() {
        let err = list_filters(EntityKind::Files, None, &["colour:eq:red".into()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
        let err =
            list_filters(EntityKind::Files, None, &["fileType:gte_ndays:3".into()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
        let err = list_filters(EntityKind::Files, None, &["fileType".into()]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    }

    #[test]
    fn raw_filters_pass_through_and_merge_with_where() {
        let f = list_filters(
            EntityKind::Alerts,
            Some(r#"{"custom.x":{"weird":[1]},"severity":{"neq":[0]}}"#),
            &["severity:eq:2".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            f,
            json!({"custom.x": {"weird": [1]}, "severity": {"neq": [0], "eq": [2]}})
        );
        let err = list_filters(
            EntityKind::Alerts,
            Some(r#"{"severity":{"eq":[1]}}"#),
            &["severity:eq:2".into()],
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    }

    #[test]
    fn malformed_raw_filters_are_usage_errors() {
        assert_eq!(
            list_filters(EntityKind::Alerts, Some("{nope"), &[])
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidJson
        );
        assert_eq!(
            list_filters(EntityKind::Alerts, Some("[1]"), &[])
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidFilter
        );
    }
}
