//! Record writers for stdout: NDJSON (the default), CSV and one JSON array.
//!
//! Records arrive as the server's raw JSON bytes; NDJSON and JSON write them as they are (only
//! whitespace between tokens is dropped when a record spans several lines), so numbers, key order
//! and duplicate-case keys (spec §2) survive untouched.

use std::io::{self, Write};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::args::OutputFormat;

/// Writes a stream of records in one format. `finish` must be called once at the end (it closes
/// the JSON array and flushes).
pub trait RecordWriter {
    fn write_page(&mut self, records: &[Box<RawValue>]) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
    /// Records received but not yet on the output (a CSV writer looking ahead for its columns).
    fn pending(&self) -> usize {
        0
    }
    /// Writes out what `pending` counts, without closing the output (a pull that stops early).
    fn flush_pending(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub fn writer<'a, W: Write + 'a>(
    format: OutputFormat,
    columns: Vec<String>,
    out: W,
) -> Box<dyn RecordWriter + 'a> {
    match format {
        OutputFormat::Ndjson => Box::new(Ndjson { out }),
        OutputFormat::Json => Box::new(JsonArray {
            out,
            started: false,
        }),
        OutputFormat::Csv => Box::new(Csv::new(out, columns)),
    }
}

struct Ndjson<W: Write> {
    out: W,
}

impl<W: Write> RecordWriter for Ndjson<W> {
    fn write_page(&mut self, records: &[Box<RawValue>]) -> io::Result<()> {
        for record in records {
            write_compact(&mut self.out, record.get())?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One array, one record per line inside it, so even a huge array stays greppable.
struct JsonArray<W: Write> {
    out: W,
    started: bool,
}

impl<W: Write> RecordWriter for JsonArray<W> {
    fn write_page(&mut self, records: &[Box<RawValue>]) -> io::Result<()> {
        for record in records {
            self.out
                .write_all(if self.started { b",\n" } else { b"[\n" })?;
            self.started = true;
            write_compact(&mut self.out, record.get())?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
        self.out.flush()
    }
}

/// CSV with a fixed set of columns: the ones asked for, or the union of the top-level keys of the
/// first non-empty page in first-seen order (later records' extra keys are not added: a CSV header
/// cannot grow).
struct Csv<W: Write> {
    out: csv::Writer<W>,
    columns: Option<Vec<Vec<String>>>,
    header_written: bool,
}

impl<W: Write> Csv<W> {
    fn new(out: W, columns: Vec<String>) -> Self {
        let columns = if columns.is_empty() {
            None
        } else {
            Some(
                columns
                    .iter()
                    .map(|c| c.split('.').map(str::to_owned).collect())
                    .collect(),
            )
        };
        Csv {
            out: csv::Writer::from_writer(out),
            columns,
            header_written: false,
        }
    }

    fn header(&mut self, records: &[Box<RawValue>]) -> io::Result<()> {
        let columns = match &self.columns {
            Some(columns) => columns.clone(),
            None => {
                let mut keys: Vec<String> = Vec::new();
                for record in records {
                    if let Ok(fields) = members(record.get()) {
                        for (key, _) in fields {
                            if !keys.contains(&key) {
                                keys.push(key);
                            }
                        }
                    }
                }
                keys.into_iter().map(|k| vec![k]).collect()
            }
        };
        self.out
            .write_record(columns.iter().map(|path| path.join(".")))?;
        self.columns = Some(columns);
        self.header_written = true;
        Ok(())
    }
}

impl<W: Write> RecordWriter for Csv<W> {
    fn write_page(&mut self, records: &[Box<RawValue>]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        if !self.header_written {
            self.header(records)?;
        }
        let columns = self.columns.as_ref().expect("header written first");
        let mut row = Vec::with_capacity(columns.len());
        for record in records {
            row.clear();
            row.extend(columns.iter().map(|path| cell(record.get(), path)));
            self.out.write_record(&row)?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.header_written && self.columns.is_some() {
            // Explicit columns: an empty result still gets its header.
            self.header(&[])?;
        }
        self.out.flush()
    }
}

/// The text of one CSV cell: strings unescaped, numbers and booleans as written, null and missing
/// as empty, objects and arrays as compact JSON. `path` walks into nested objects.
fn cell(current: &str, path: &[String]) -> String {
    let Some((key, rest)) = path.split_first() else {
        return scalar_text(current);
    };
    match members(current) {
        Ok(fields) => match fields.into_iter().find(|(k, _)| k == key) {
            Some((_, value)) => cell(value.get(), rest),
            None => String::new(),
        },
        Err(_) => String::new(),
    }
}

fn scalar_text(raw: &str) -> String {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned()),
        Some(b'n') if raw == "null" => String::new(),
        Some(b'{') | Some(b'[') => {
            String::from_utf8(compact(raw.as_bytes())).expect("compaction keeps UTF-8")
        }
        _ => raw.to_owned(),
    }
}

/// The members of a JSON object in document order, values left raw. Not an object → error.
fn members(raw: &str) -> serde_json::Result<Vec<(String, Box<RawValue>)>> {
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Box<RawValue>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut members = Vec::new();
            while let Some((key, value)) = map.next_entry::<String, Box<RawValue>>()? {
                members.push((key, value));
            }
            Ok(members)
        }
    }
    let mut de = serde_json::Deserializer::from_str(raw);
    de.deserialize_map(Members)
}

/// Writes `json` without the whitespace between tokens when it has line breaks (a pretty-printed
/// record would break NDJSON); single-line JSON is written byte for byte. JSON strings cannot hold
/// raw control characters, so every line break is outside a string.
pub fn write_compact<W: Write + ?Sized>(out: &mut W, json: &str) -> io::Result<()> {
    let bytes = json.trim().as_bytes();
    if !bytes.iter().any(|&b| b == b'\n' || b == b'\r') {
        return out.write_all(bytes);
    }
    out.write_all(&compact(bytes))
}

/// `json` without the whitespace between its tokens.
fn compact(bytes: &[u8]) -> Vec<u8> {
    let mut compact = Vec::with_capacity(bytes.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            compact.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            compact.push(b);
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            compact.push(b);
        }
    }
    compact
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    fn render(format: OutputFormat, columns: &[&str], pages: &[&[&str]]) -> String {
        let mut buf = Vec::new();
        {
            let mut w = writer(
                format,
                columns.iter().map(|s| s.to_string()).collect(),
                &mut buf,
            );
            for page in pages {
                let records: Vec<_> = page.iter().map(|s| raw(s)).collect();
                w.write_page(&records).unwrap();
            }
            w.finish().unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn ndjson_keeps_the_record_bytes_as_sent() {
        let out = render(
            OutputFormat::Ndjson,
            &[],
            &[&[r#"{"b":1.50,"a":"x y","A":2}"#], &[r#"{"c":null}"#]],
        );
        assert_eq!(out, "{\"b\":1.50,\"a\":\"x y\",\"A\":2}\n{\"c\":null}\n");
    }

    #[test]
    fn ndjson_puts_a_pretty_printed_record_on_one_line() {
        let out = render(
            OutputFormat::Ndjson,
            &[],
            &[&["{\n  \"a\": \"x \\\" y\",\n  \"b\": [1, 2]\n}"]],
        );
        assert_eq!(out, "{\"a\":\"x \\\" y\",\"b\":[1,2]}\n");
    }

    #[test]
    fn json_is_one_array_even_when_empty() {
        assert_eq!(render(OutputFormat::Json, &[], &[&[]]), "[]\n");
        let out = render(OutputFormat::Json, &[], &[&[r#"{"a":1}"#], &[r#"{"a":2}"#]]);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&out).unwrap(),
            serde_json::json!([{"a":1},{"a":2}])
        );
    }

    #[test]
    fn csv_columns_are_the_first_page_keys_in_order_with_nested_values_as_json() {
        let out = render(
            OutputFormat::Csv,
            &[],
            &[
                &[
                    r#"{"_id":"1","n":{"x":[1, 2]},"s":"a,b"}"#,
                    r#"{"_id":"2","extra":true}"#,
                ],
                &[r#"{"_id":"3","late":1}"#],
            ],
        );
        assert_eq!(
            out,
            "_id,n,s,extra\n1,\"{\"\"x\"\":[1,2]}\",\"a,b\",\n2,,,true\n3,,,\n"
        );
    }

    #[test]
    fn csv_dotted_columns_reach_into_objects() {
        let out = render(
            OutputFormat::Csv,
            &["_id", "user.userName", "missing.x"],
            &[&[r#"{"_id":"1","user":{"userName":"ann"}}"#]],
        );
        assert_eq!(out, "_id,user.userName,missing.x\n1,ann,\n");
    }

    #[test]
    fn csv_with_explicit_columns_writes_a_header_for_no_records() {
        assert_eq!(render(OutputFormat::Csv, &["a", "b"], &[&[]]), "a,b\n");
        assert_eq!(render(OutputFormat::Csv, &[], &[&[]]), "");
    }
}
