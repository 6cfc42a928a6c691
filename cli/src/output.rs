//! Record writers for stdout: NDJSON (the default), CSV and one JSON array.
//!
//! Records arrive as the server's raw JSON bytes; NDJSON and JSON write them as they are (only
//! whitespace between tokens is dropped when a record spans several lines), so numbers, key order
//! and duplicate-case keys (api.md §2) survive untouched.

use std::io::{self, Write};

use mdca::Records;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::args::OutputFormat;

/// Writes a stream of records in one format. `finish` must be called once at the end (it closes
/// the JSON array and flushes).
pub trait RecordWriter {
    fn write_page(&mut self, records: &Records) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
    /// Records received but not yet on the output (a CSV writer looking ahead for its columns).
    fn pending(&self) -> usize {
        0
    }
    /// Writes out what `pending` counts, without closing the output (a pull that stops early).
    fn flush_pending(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// What the reader of the output should know once it is written (CSV keys without a column).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// Ends the output of a pull that failed so that no reader takes it for a whole list (NDJSON: the
    /// [`INCOMPLETE`] line; a JSON array is simply left open).
    fn mark_incomplete(&mut self, _why: &str) -> io::Result<()> {
        Ok(())
    }
}

/// The start of the line that ends the NDJSON output of a pull that failed. It is not JSON, so a JSON
/// reader fails loudly on it, and `--ids-from` refuses the whole input when it sees it.
pub const INCOMPLETE: &str = "mdca: incomplete list";

pub fn writer<'a, W: Write + 'a>(
    format: OutputFormat,
    columns: Vec<String>,
    csv: CsvOptions,
    out: W,
) -> Box<dyn RecordWriter + 'a> {
    match format {
        OutputFormat::Ndjson => Box::new(Ndjson { out }),
        OutputFormat::Json => Box::new(JsonArray {
            out,
            started: false,
        }),
        OutputFormat::Csv => Box::new(Csv::new(out, columns, csv)),
    }
}

struct Ndjson<W: Write> {
    out: W,
}

impl<W: Write> RecordWriter for Ndjson<W> {
    fn write_page(&mut self, records: &Records) -> io::Result<()> {
        for record in records {
            write_compact(&mut self.out, record)?;
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn mark_incomplete(&mut self, why: &str) -> io::Result<()> {
        let why = why.replace(['\n', '\r'], " ");
        writeln!(self.out, "{INCOMPLETE}: {why}")?;
        self.out.flush()
    }
}

/// One array, one record per line inside it, so even a huge array stays greppable.
struct JsonArray<W: Write> {
    out: W,
    started: bool,
}

impl<W: Write> RecordWriter for JsonArray<W> {
    fn write_page(&mut self, records: &Records) -> io::Result<()> {
        for record in records {
            self.out
                .write_all(if self.started { b",\n" } else { b"[\n" })?;
            self.started = true;
            write_compact(&mut self.out, record)?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
        self.out.flush()
    }
}

/// How many records a CSV writer reads before it fixes its columns (at least the whole first page).
pub const CSV_LOOKAHEAD: usize = 1000;

/// Later keys without a column are named in the warning up to this many.
const LATE_KEYS_MAX: usize = 20;

/// CSV options besides the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Put a `'` before string cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return,
    /// so spreadsheets show them as text instead of running them as formulas.
    pub neutralise_formulas: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            neutralise_formulas: true,
        }
    }
}

/// CSV with one fixed set of columns: the ones asked for, or the union of the top-level keys of the
/// first [`CSV_LOOKAHEAD`] records (at least the first page) in first-seen order. A CSV header cannot
/// grow, so keys first seen later have no column: they are counted and named by [`Csv::warnings`].
/// Headers are unique even to case-insensitive readers (Import-Csv, Excel): a key that differs from an
/// earlier one only by case gets a suffix (`Created`, `created_2`).
struct Csv<W: Write> {
    out: csv::Writer<W>,
    options: CsvOptions,
    /// Explicit `--columns`, or the chosen keys once the look-ahead is over.
    columns: Option<Vec<Column>>,
    explicit: bool,
    /// Records held back until the columns are fixed.
    held: Vec<String>,
    header_written: bool,
    /// Top-level keys seen after the columns were fixed that have no column, in first-seen order.
    late_keys: Vec<String>,
    late_records: u64,
    rows: u64,
    /// Explicit columns that had a value in some record.
    filled: Vec<bool>,
}

/// A column: its header and the path it reads (top-level key, then object keys or array indices).
#[derive(Debug, Clone)]
struct Column {
    header: String,
    path: Vec<String>,
}

impl<W: Write> Csv<W> {
    fn new(out: W, columns: Vec<String>, options: CsvOptions) -> Self {
        let explicit = !columns.is_empty();
        let columns = explicit.then(|| {
            unique_headers(columns.iter().map(|c| c.to_string()).collect())
                .into_iter()
                .zip(&columns)
                .map(|(header, c)| Column {
                    header,
                    path: c.split('.').map(str::to_owned).collect(),
                })
                .collect::<Vec<_>>()
        });
        let filled = vec![false; columns.as_ref().map_or(0, Vec::len)];
        Csv {
            out: csv::Writer::from_writer(out),
            options,
            columns,
            explicit,
            held: Vec::new(),
            header_written: false,
            late_keys: Vec::new(),
            late_records: 0,
            rows: 0,
            filled,
        }
    }

    /// Fixes the columns from the held records (unless given) and writes the header and those records.
    fn release(&mut self) -> io::Result<()> {
        if self.columns.is_none() {
            let mut keys: Vec<String> = Vec::new();
            for record in &self.held {
                if let Ok(fields) = members(record) {
                    for (key, _) in fields {
                        if !keys.contains(&key) {
                            keys.push(key);
                        }
                    }
                }
            }
            let headers = unique_headers(keys.clone());
            self.columns = Some(
                headers
                    .into_iter()
                    .zip(keys)
                    .map(|(header, key)| Column {
                        header,
                        path: vec![key],
                    })
                    .collect(),
            );
        }
        if !self.header_written {
            let columns = self.columns.as_ref().expect("fixed above");
            if !columns.is_empty() || self.explicit {
                self.out
                    .write_record(columns.iter().map(|c| c.header.as_str()))?;
            }
            self.header_written = true;
        }
        let held = std::mem::take(&mut self.held);
        self.write_rows(held.iter().map(String::as_str))
    }

    fn write_rows<'r>(&mut self, records: impl IntoIterator<Item = &'r str>) -> io::Result<()> {
        let columns = self.columns.as_ref().expect("columns fixed first");
        let mut row: Vec<String> = Vec::with_capacity(columns.len());
        for record in records {
            let fields = members(record).unwrap_or_default();
            row.clear();
            for (i, column) in columns.iter().enumerate() {
                let (key, rest) = column.path.split_first().expect("a path has a key");
                let text = match fields.iter().find(|(k, _)| k == key) {
                    Some((_, value)) => cell(value.get(), rest, self.options),
                    None => None,
                };
                if let (Some(_), Some(filled)) = (&text, self.filled.get_mut(i)) {
                    *filled = true;
                }
                row.push(text.unwrap_or_default());
            }
            if !self.explicit {
                let mut late = false;
                for (key, _) in &fields {
                    if !columns.iter().any(|c| &c.path[0] == key) {
                        late = true;
                        if !self.late_keys.contains(key) && self.late_keys.len() < LATE_KEYS_MAX {
                            self.late_keys.push(key.clone());
                        }
                    }
                }
                self.late_records += u64::from(late);
            }
            if !row.is_empty() {
                self.out.write_record(&row)?;
                self.rows += 1;
            }
        }
        Ok(())
    }
}

impl<W: Write> RecordWriter for Csv<W> {
    fn write_page(&mut self, records: &Records) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        if self.columns.is_none() {
            self.held.extend(records.iter().map(str::to_owned));
            if self.held.len() < CSV_LOOKAHEAD {
                return Ok(());
            }
            self.release()?;
        } else {
            if !self.header_written {
                self.release()?;
            }
            self.write_rows(records)?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.held.is_empty() || (self.explicit && !self.header_written) {
            // Explicit columns: an empty result still gets its header.
            self.release()?;
        }
        self.out.flush()
    }

    fn pending(&self) -> usize {
        self.held.len()
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if !self.held.is_empty() {
            self.release()?;
        }
        self.out.flush()
    }

    fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.late_keys.is_empty() {
            warnings.push(format!(
                "CSV: {} records after the first {CSV_LOOKAHEAD} have keys without a column, so their \
                 values are not in the CSV: {}{}. Name the columns you need with --columns (or use \
                 --format ndjson, which keeps every key)",
                self.late_records,
                self.late_keys.join(", "),
                if self.late_keys.len() == LATE_KEYS_MAX {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        if self.explicit && self.rows > 0 {
            let empty: Vec<&str> = self
                .columns
                .iter()
                .flatten()
                .zip(&self.filled)
                .filter(|(_, filled)| !**filled)
                .map(|(c, _)| c.header.as_str())
                .collect();
            if !empty.is_empty() {
                warnings.push(format!(
                    "CSV: no record had a value at {}: check the path (keys are case-sensitive; array \
                     items are numbered from 0, as in entities.0.label)",
                    empty.join(", ")
                ));
            }
        }
        warnings
    }
}

/// Headers that no case-insensitive reader confuses: a header equal to an earlier one but for case
/// gets `_2`, `_3`, … (the first keeps its name); an empty key becomes `(empty)`.
fn unique_headers(names: Vec<String>) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut headers = Vec::with_capacity(names.len());
    for name in names {
        let base = if name.is_empty() {
            "(empty)".to_owned()
        } else {
            name
        };
        let mut header = base.clone();
        let mut n = 2;
        while !taken.insert(header.to_lowercase()) {
            header = format!("{base}_{n}");
            n += 1;
        }
        headers.push(header);
    }
    headers
}

/// The text of one CSV cell: strings unescaped (formula-leading ones neutralised), numbers and booleans
/// as written, null as empty, objects and arrays as compact JSON; `None` when the path leads nowhere.
/// `path` walks into objects by key and into arrays by index (`entities.0.label`).
fn cell(current: &str, path: &[String], options: CsvOptions) -> Option<String> {
    let Some((step, rest)) = path.split_first() else {
        return Some(scalar_text(current, options));
    };
    let raw = current.trim();
    if raw.starts_with('[') {
        let index: usize = step.parse().ok()?;
        let items: Vec<Box<RawValue>> = serde_json::from_str(raw).ok()?;
        return cell(items.get(index)?.get(), rest, options);
    }
    let fields = members(raw).ok()?;
    let (_, value) = fields.into_iter().find(|(k, _)| k == step)?;
    cell(value.get(), rest, options)
}

/// Spreadsheets run a cell starting with one of these as a formula (OWASP's CSV injection list).
fn formula_leading(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

fn scalar_text(raw: &str, options: CsvOptions) -> String {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => {
            let text = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
            if options.neutralise_formulas && formula_leading(&text) {
                format!("'{text}")
            } else {
                text
            }
        }
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

    fn render(format: OutputFormat, columns: &[&str], pages: &[&[&str]]) -> String {
        render_with(format, columns, CsvOptions::default(), pages).0
    }

    /// The output and the writer's warnings.
    fn render_with(
        format: OutputFormat,
        columns: &[&str],
        options: CsvOptions,
        pages: &[&[&str]],
    ) -> (String, Vec<String>) {
        let mut buf = Vec::new();
        let warnings;
        {
            let mut w = writer(
                format,
                columns.iter().map(|s| s.to_string()).collect(),
                options,
                &mut buf,
            );
            for page in pages {
                let records: Records = page.iter().copied().collect();
                w.write_page(&records).unwrap();
            }
            w.finish().unwrap();
            warnings = w.warnings();
        }
        (String::from_utf8(buf).unwrap(), warnings)
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
    fn csv_columns_are_the_keys_of_the_look_ahead_in_order_with_nested_values_as_json() {
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
        // The second page is within the look-ahead: its key has a column too.
        assert_eq!(
            out,
            "_id,n,s,extra,late\n1,\"{\"\"x\"\":[1,2]}\",\"a,b\",,\n2,,,true,\n3,,,,1\n"
        );
    }

    #[test]
    fn csv_keys_first_seen_after_the_look_ahead_are_named_in_a_warning() {
        let early: Vec<String> = (0..CSV_LOOKAHEAD)
            .map(|i| format!(r#"{{"_id":"{i}","a":1}}"#))
            .collect();
        let early: Vec<&str> = early.iter().map(String::as_str).collect();
        let (out, warnings) = render_with(
            OutputFormat::Csv,
            &[],
            CsvOptions::default(),
            &[&early, &[r#"{"_id":"x","a":2,"late":3,"Later":4}"#]],
        );
        assert!(out.starts_with("_id,a\n"), "{}", &out[..20]);
        assert!(out.ends_with("x,2\n"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("1 records"), "{}", warnings[0]);
        assert!(warnings[0].contains("late, Later"), "{}", warnings[0]);
        assert!(warnings[0].contains("--columns"), "{}", warnings[0]);
    }

    #[test]
    fn csv_keys_that_differ_only_by_case_get_distinct_headers() {
        let out = render(
            OutputFormat::Csv,
            &[],
            &[&[r#"{"Created":1,"created":2,"CREATED":3,"created_2":4}"#]],
        );
        assert_eq!(
            out.lines().next().unwrap(),
            "Created,created_2,CREATED_3,created_2_2"
        );
        assert_eq!(out.lines().nth(1).unwrap(), "1,2,3,4");
    }

    #[test]
    fn csv_numeric_path_segments_index_arrays() {
        let (out, warnings) = render_with(
            OutputFormat::Csv,
            &[
                "entities.0.label",
                "entities.1.id",
                "entities.7.label",
                "n.0",
            ],
            CsvOptions::default(),
            &[&[r#"{"entities":[{"label":"ann"},{"id":5}],"n":[[1,2]]}"#]],
        );
        assert_eq!(
            out,
            "entities.0.label,entities.1.id,entities.7.label,n.0\nann,5,,\"[1,2]\"\n"
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("entities.7.label"), "{warnings:?}");
    }

    #[test]
    fn csv_cells_that_spreadsheets_would_run_as_formulas_are_neutralised_by_default() {
        let records: &[&str] = &[
            r#"{"t":"=HYPERLINK(\"http://x\")","n":-5}"#,
            r#"{"t":"+1","n":1}"#,
            r#"{"t":"-2+3","n":2}"#,
            r#"{"t":"@SUM(A1)","n":3}"#,
            r#"{"t":"\tx","n":4}"#,
            r#"{"t":"plain = fine","n":5}"#,
        ];
        let out = render(OutputFormat::Csv, &[], &[records]);
        let cells: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(cells[0], r#""'=HYPERLINK(""http://x"")",-5"#);
        assert_eq!(cells[1], "'+1,1");
        assert_eq!(cells[2], "'-2+3,2");
        assert_eq!(cells[3], "'@SUM(A1),3");
        assert_eq!(cells[4], "'\tx,4");
        assert_eq!(cells[5], "plain = fine,5");
        let (raw_out, _) = render_with(
            OutputFormat::Csv,
            &[],
            CsvOptions {
                neutralise_formulas: false,
            },
            &[records],
        );
        assert_eq!(raw_out.lines().nth(2).unwrap(), "+1,1");
    }

    #[test]
    fn csv_holds_records_back_only_until_its_columns_are_fixed() {
        let mut buf = Vec::new();
        let mut w = writer(OutputFormat::Csv, vec![], CsvOptions::default(), &mut buf);
        w.write_page(&[r#"{"a":1}"#].into_iter().collect()).unwrap();
        assert_eq!(w.pending(), 1);
        w.flush_pending().unwrap();
        assert_eq!(w.pending(), 0);
        w.write_page(&[r#"{"a":2}"#].into_iter().collect()).unwrap();
        assert_eq!(w.pending(), 0, "columns fixed: rows go straight out");
        w.finish().unwrap();
        drop(w);
        assert_eq!(String::from_utf8(buf).unwrap(), "a\n1\n2\n");
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
