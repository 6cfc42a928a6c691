//! Reading a record's window and change keys from its JSON text.
//!
//! The stream parser keeps each record as text with its `_id` hash; windows also need one or two
//! timestamps of each record. They are read here with one pass of serde over the record that skips every
//! other field without building it (pages of windows are at most 100 records).

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::entity::{KeyField, KeyFormat};

/// The values of up to two top-level fields of a record (`None` when absent or `null`).
pub(super) fn read_fields(record: &str, names: [&str; 2]) -> [Option<Value>; 2] {
    let mut de = serde_json::Deserializer::from_str(record);
    Fields { names }.deserialize(&mut de).unwrap_or_default()
}

/// A key field's value as epoch milliseconds; `None` when it has another shape.
pub(super) fn key_ms(key: &KeyField, value: &Value) -> Option<i64> {
    match key.format {
        KeyFormat::EpochMs => value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        KeyFormat::Iso8601 => value.as_str().and_then(parse_iso_ms),
    }
}

struct Fields<'n> {
    names: [&'n str; 2],
}

impl<'de> DeserializeSeed<'de> for Fields<'_> {
    type Value = [Option<Value>; 2];

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = [Option<Value>; 2];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = [None, None];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.names.iter().position(|n| *n == key) {
                Some(i) => {
                    let value: Value = map.next_value()?;
                    if !value.is_null() {
                        out[i] = Some(value.clone());
                        // The same name twice (window key = change key): fill both slots.
                        if self.names[0] == self.names[1] {
                            out[1 - i] = Some(value);
                        }
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (or a date alone) as epoch milliseconds, UTC when no offset.
pub(super) fn parse_iso_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let t = s.get(from..from + len)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms);
    }
    if b.len() < 19 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    ms += num(11, 2)? * 3_600_000 + num(14, 2)? * 60_000 + num(17, 2)? * 1000;
    let mut pos = 19;
    if b.get(pos) == Some(&b'.') {
        let start = pos + 1;
        pos = start;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        let digits = &s[start..pos];
        if digits.is_empty() {
            return None;
        }
        let frac: String = digits.chars().chain("000".chars()).take(3).collect();
        ms += frac.parse::<i64>().ok()?;
    }
    match &b[pos..] {
        [] | [b'Z'] | [b'z'] => Some(ms),
        [sign @ (b'+' | b'-'), ..] if b.len() == pos + 6 && b[pos + 3] == b':' => {
            let offset = num(pos + 1, 2)? * 3_600_000 + num(pos + 4, 2)? * 60_000;
            Some(if *sign == b'+' {
                ms - offset
            } else {
                ms + offset
            })
        }
        _ => None,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's text, checked to be JSON as the stream parser would have.
    fn raw(text: &str) -> &str {
        serde_json::from_str::<&serde_json::value::RawValue>(text).unwrap();
        text
    }

    #[test]
    fn two_fields_are_read_and_every_other_skipped() {
        let record = raw(r#"{"_id":"a","x":{"timestamp":1},"timestamp":42,"modifiedDate":7}"#);
        assert_eq!(
            read_fields(record, ["timestamp", "modifiedDate"]),
            [Some(Value::from(42)), Some(Value::from(7))]
        );
        assert_eq!(
            read_fields(record, ["timestamp", "timestamp"]),
            [Some(Value::from(42)), Some(Value::from(42))]
        );
        assert_eq!(
            read_fields(raw(r#"{"_id":"a","timestamp":null}"#), ["timestamp", "x"]),
            [None, None]
        );
    }

    #[test]
    fn iso_dates_read_as_epoch_milliseconds() {
        assert_eq!(parse_iso_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso_ms("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(
            parse_iso_ms("2023-11-14T22:13:20.1Z"),
            Some(1_700_000_000_100)
        );
        assert_eq!(
            parse_iso_ms("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_iso_ms("2023-11-14T22:13:20"), Some(1_700_000_000_000));
        assert_eq!(parse_iso_ms("2023-11-14"), Some(1_699_920_000_000));
        assert_eq!(parse_iso_ms("14/11/2023"), None);
        assert_eq!(parse_iso_ms("2023-11-14T22:13:20.Z"), None);
    }
}
