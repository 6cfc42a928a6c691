//! The list envelope (api.md §4.2) parsed as its body arrives, chunk by chunk.
//!
//! An activity scan page is one body of ~14 MB (5000 records). Collecting it whole and parsing it afterwards
//! holds that block and the records built from it at once, and the large blocks push glibc into caching
//! tens of megabytes per thread. [`ListParser`] instead splits `data` into records as each one completes,
//! keeping only the unfinished record's bytes between chunks, so a page costs its records and little more.
//!
//! Each record is read once by serde_json as it becomes a [`RawValue`] (which validates it), and its
//! top-level `_id` is found without a second parse, so dedupe costs little:
//! - a record that ends inside the chunk it starts in (most of them) is parsed straight from the chunk,
//!   serde finding its end; its `_id` is read from its start when it is the first member (the API's order);
//! - a record cut by a chunk's end goes through a resumable structural scan (strings, escapes, nesting) that
//!   finds its end and, in the same pass, where its `_id` value lies; its bytes are carried over, and it is
//!   parsed once complete. The scan only has to be right about boundaries for valid JSON: serde then
//!   validates.
//!
//! The envelope's own grammar (`{`, keys, `:`, `,`, `[`, `]`, `}`) is checked here.

use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::records::Records;

/// The most a body's announced length reserves for its records up front (a larger page grows as it
/// arrives): a `Content-Length` is the server's word, not a promise.
const RESERVE_MAX: u64 = 64 << 20;

/// One list response (api.md §4.2), with the records kept as the server's JSON text.
#[derive(Debug, Default)]
pub(crate) struct ListPage {
    pub records: Records,
    /// For each record, the hash of its top-level `_id` value ([`id_hash`]); `None` when it has none.
    pub ids: Vec<Option<u64>>,
    pub has_next: Option<bool>,
    pub total: Option<Value>,
    pub next_query_filters: Option<Value>,
}

impl ListPage {
    /// Parses a whole body at once (tests, and callers that already hold one).
    #[cfg(test)]
    pub fn parse(body: &[u8]) -> Result<ListPage, String> {
        let mut parser = ListParser::new();
        parser.feed(body)?;
        parser.finish()
    }
}

/// The 64-bit hash of an `_id` value's JSON text. At a million records the chance of any collision is about
/// 3 in 100 million.
///
/// The algorithm is fixed (FNV-1a, then the murmur3 finaliser to spread the bits for hash tables), not
/// std's unspecified `DefaultHasher`: pager checkpoints store these hashes and are read back by later
/// builds of the library.
pub(crate) fn id_hash(id_text: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id_text {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Where the parser stands in the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Before the opening `{`.
    Start,
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,`: a key.
    Key,
    /// Inside a key's string.
    InKey,
    /// After a key: `:`.
    Colon,
    /// After `:`: the value.
    Value,
    /// Inside a field's value other than `data`.
    InField,
    /// After `"data":[`: a record or `]`.
    FirstRecord,
    /// After `,` in `data`: a record.
    Record,
    /// Inside a record.
    InRecord,
    /// After a record: `,` or `]`.
    AfterRecord,
    /// After a field's value: `,` or `}`.
    AfterValue,
    /// After the closing `}`: only whitespace may follow.
    End,
}

/// The top-level fields the pager reads; any other is validated and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    HasNext,
    Total,
    NextQueryFilters,
    Other,
}

impl Field {
    fn of(key: &str) -> Field {
        match key {
            "data" => Field::Data,
            "hasNext" => Field::HasNext,
            "total" => Field::Total,
            "nextQueryFilters" => Field::NextQueryFilters,
            _ => Field::Other,
        }
    }
}

/// Parses a list response fed in pieces of any size; see the module documentation.
#[derive(Debug)]
pub(crate) struct ListParser {
    at: At,
    /// The current top-level key's JSON text, quotes included (escapes are decoded when it closes).
    key: Vec<u8>,
    key_escaped: bool,
    field: Field,
    /// Fields already seen, so a repeated one is refused as serde would (`duplicate field`).
    seen: [bool; 4],
    /// The value being scanned: a record, or another field's value.
    value: ValueScan,
    /// The unfinished value's bytes from earlier chunks.
    carry: Vec<u8>,
    /// Bytes fed so far, for positions in error messages.
    offset: usize,
    page: ListPage,
}

impl Default for ListParser {
    fn default() -> Self {
        ListParser::new()
    }
}

impl ListParser {
    /// A parser whose records' buffer starts with room for `bytes` (the expected page size, at most
    /// [`RESERVE_MAX`]), so that a 14 MB page is not built by doubling a small buffer again and again.
    pub fn with_capacity(bytes: usize) -> ListParser {
        let mut parser = ListParser::new();
        parser.page.records = Records::with_capacity(bytes.min(RESERVE_MAX as usize));
        parser
    }

    /// The body's announced length (its `Content-Length`): the records' buffer is reserved for it once,
    /// if it is more than the buffer already has.
    pub fn expect(&mut self, len: u64) {
        if self.page.records.is_empty() {
            self.page.records.reserve(len.min(RESERVE_MAX) as usize);
        }
    }

    pub fn new() -> ListParser {
        ListParser {
            at: At::Start,
            key: Vec::new(),
            key_escaped: false,
            field: Field::Other,
            seen: [false; 4],
            value: ValueScan::default(),
            carry: Vec::new(),
            offset: 0,
            page: ListPage::default(),
        }
    }

    /// Takes the next piece of the body. An error means the body is not a list response; feed no more.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        let mut i = 0;
        while i < chunk.len() {
            match self.at {
                At::InRecord | At::InField => {
                    // A value that began in an earlier chunk continues from this chunk's first byte.
                    i = self.continue_value(chunk, i, i)?;
                    continue;
                }
                At::InKey => {
                    i = self.continue_key(chunk, i);
                    continue;
                }
                _ => {}
            }
            let b = chunk[i];
            if is_space(b) {
                i += 1;
                continue;
            }
            let pos = self.offset + i;
            match (self.at, b) {
                (At::Start, b'{') => self.at = At::FirstKey,
                (At::Start, _) => return Err(unexpected("`{` opening the response", b, pos)),
                (At::FirstKey | At::Key, b'"') => {
                    self.key.clear();
                    self.key.push(b'"');
                    self.key_escaped = false;
                    self.at = At::InKey;
                }
                (At::FirstKey, b'}') => self.at = At::End,
                (At::FirstKey | At::Key, _) => return Err(unexpected("a field name", b, pos)),
                (At::Colon, b':') => self.at = At::Value,
                (At::Colon, _) => return Err(unexpected("`:` after a field name", b, pos)),
                (At::Value, _) if self.field == Field::Data => {
                    if std::mem::replace(&mut self.seen[0], true) {
                        return Err("duplicate field `data`".into());
                    }
                    if b != b'[' {
                        return Err(format!(
                            "`data` is not a list: expected `[` at byte {pos}, found {}",
                            describe(b)
                        ));
                    }
                    self.at = At::FirstRecord;
                }
                (At::Value, _) => {
                    if !starts_value(b) {
                        return Err(unexpected("a value", b, pos));
                    }
                    self.value = ValueScan::default();
                    self.at = At::InField;
                    i = self.continue_value(chunk, i, i)?;
                    continue;
                }
                (At::FirstRecord, b']') | (At::AfterRecord, b']') => self.at = At::AfterValue,
                (At::FirstRecord | At::Record, _) => {
                    if !starts_value(b) {
                        return Err(unexpected("a record", b, pos));
                    }
                    if let Some(end) = self.record_within(chunk, i)? {
                        self.at = At::AfterRecord;
                        i = end;
                        continue;
                    }
                    self.value = ValueScan::default();
                    self.at = At::InRecord;
                    i = self.continue_value(chunk, i, i)?;
                    continue;
                }
                (At::AfterRecord, b',') => self.at = At::Record,
                (At::AfterRecord, _) => {
                    return Err(unexpected("`,` or `]` after a record", b, pos))
                }
                (At::AfterValue, b',') => self.at = At::Key,
                (At::AfterValue, b'}') => self.at = At::End,
                (At::AfterValue, _) => return Err(unexpected("`,` or `}`", b, pos)),
                (At::End, _) => return Err(format!("trailing characters at byte {pos}")),
                (At::InKey | At::InField | At::InRecord, _) => {
                    unreachable!("handled before whitespace")
                }
            }
            i += 1;
        }
        self.offset += chunk.len();
        Ok(())
    }

    /// The page, once the whole body has been fed.
    pub fn finish(mut self) -> Result<ListPage, String> {
        if self.at != At::End {
            let inside = match self.at {
                At::Start => return Err("the body is empty".into()),
                At::InRecord | At::FirstRecord | At::Record | At::AfterRecord => {
                    format!("inside `data`, after {} records", self.page.records.len())
                }
                _ => "inside the response object".into(),
            };
            return Err(format!(
                "the body ended early, after {} bytes, {inside}",
                self.offset
            ));
        }
        if !self.seen[0] {
            return Err("missing field `data`".into());
        }
        self.page.records.shrink_spans();
        self.page.ids.shrink_to_fit();
        Ok(self.page)
    }

    /// Reads a key's string from `chunk[i..]`; returns where the scan stopped.
    fn continue_key(&mut self, chunk: &[u8], mut i: usize) -> usize {
        while i < chunk.len() {
            let b = chunk[i];
            self.key.push(b);
            i += 1;
            if self.key_escaped {
                self.key_escaped = false;
            } else if b == b'\\' {
                self.key_escaped = true;
            } else if b == b'"' {
                self.at = At::Colon;
                self.field = match std::str::from_utf8(&self.key) {
                    // No escapes (the usual case): the text between the quotes is the name.
                    Ok(text) if !text.contains('\\') => Field::of(&text[1..text.len() - 1]),
                    _ => match serde_json::from_slice::<String>(&self.key) {
                        Ok(name) => Field::of(&name),
                        // Undecodable names are refused with the value's validation below.
                        Err(_) => Field::Other,
                    },
                };
                return i;
            }
        }
        i
    }

    /// Takes the record starting at `chunk[i]` when it ends within the chunk, as most do: serde_json finds
    /// its end while validating it, so its bytes are read once (and its `_id` is usually its first member).
    /// Returns where it ends, or `None` when it runs past the chunk and needs the resumable scan.
    fn record_within(&mut self, chunk: &[u8], i: usize) -> Result<Option<usize>, String> {
        let rest = &chunk[i..];
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<&RawValue>();
        let record = match stream.next() {
            Some(Ok(record)) => record,
            // Cut by the chunk's end (a number cut short reads as invalid, not as cut), or malformed: the
            // resumable scan finds where it really ends and reports the error of the whole record.
            Some(Err(_)) | None => return Ok(None),
        };
        let n = stream.byte_offset();
        if n == rest.len() && !matches!(rest[0], b'{' | b'[' | b'"') {
            // A number or literal at the end of the chunk may go on in the next one.
            return Ok(None);
        }
        let text = &rest[..n];
        check_depth(self.page.records.len(), text)?;
        let id = leading_id(text).unwrap_or_else(|| {
            let mut scan = ValueScan::default();
            scan.scan(text, true);
            scan.id_in(text)
        });
        self.page.records.push(record.get());
        self.page.ids.push(id);
        Ok(Some(i + n))
    }

    /// Scans the current value from `chunk[i..]`, its bytes in this chunk starting at `start`; when it
    /// completes, stores it and moves on. Returns where the scan stopped.
    fn continue_value(&mut self, chunk: &[u8], start: usize, i: usize) -> Result<usize, String> {
        let record = self.at == At::InRecord;
        match self.value.scan(&chunk[i..], record) {
            None => {
                self.carry.extend_from_slice(&chunk[start..]);
                Ok(chunk.len())
            }
            Some(n) => {
                let end = i + n;
                let text: &[u8] = if self.carry.is_empty() {
                    &chunk[start..end]
                } else {
                    self.carry.extend_from_slice(&chunk[start..end]);
                    &self.carry
                };
                let outcome = if record {
                    store_record(&mut self.page, &self.value, text)
                } else {
                    let field = self.field;
                    store_field(&mut self.page, &mut self.seen, field, &self.key, text)
                };
                self.carry.clear();
                outcome?;
                self.at = if record {
                    At::AfterRecord
                } else {
                    At::AfterValue
                };
                Ok(end)
            }
        }
    }
}

impl crate::http::BodySink for ListParser {
    type Output = ListPage;

    fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        ListParser::feed(self, chunk)
    }

    fn finish(self) -> Result<ListPage, String> {
        ListParser::finish(self)
    }

    fn expect(&mut self, len: u64) {
        ListParser::expect(self, len)
    }
}

/// Validates one record and keeps it with its `_id` hash.
fn store_record(page: &mut ListPage, scan: &ValueScan, text: &[u8]) -> Result<(), String> {
    let record = serde_json::from_slice::<&RawValue>(text)
        .map_err(|e| invalid_record(page.records.len(), &e))?;
    check_depth(page.records.len(), text)?;
    page.records.push(record.get());
    page.ids.push(scan.id_in(text));
    Ok(())
}

/// Refuses a record nested deeper than [`crate::depth::MAX_RECORD_DEPTH`] (see `crate::depth`).
fn check_depth(index: usize, text: &[u8]) -> Result<(), String> {
    match crate::depth::exceeds(text, crate::depth::MAX_RECORD_DEPTH) {
        None => Ok(()),
        Some(_) => Err(format!(
            "record {index} of `data` is nested more than {} {}: the answer is broken or was altered \
             on the way",
            crate::depth::MAX_RECORD_DEPTH,
            crate::depth::TOO_DEEP
        )),
    }
}

fn invalid_record(index: usize, e: &serde_json::Error) -> String {
    format!("record {index} of `data` is not valid JSON: {e}")
}

/// The `_id` hash of a valid record whose first member is a string `_id` (the API's own order), read
/// without looking further; `None` when the record does not start that way.
fn leading_id(text: &[u8]) -> Option<Option<u64>> {
    let rest = trim_space(text.strip_prefix(b"{")?);
    let rest = trim_space(rest.strip_prefix(b"\"_id\"")?);
    let value = trim_space(rest.strip_prefix(b":")?);
    if value.first() != Some(&b'"') {
        return None;
    }
    let mut end = 1;
    loop {
        end += string_run(&value[end..]);
        match value.get(end)? {
            b'\\' => end += 2,
            _ => break,
        }
    }
    Some(Some(id_hash(&value[..=end])))
}

/// Parses a top-level field's value (other than `data`), typed as the pager reads it.
fn store_field(
    page: &mut ListPage,
    seen: &mut [bool; 4],
    field: Field,
    key: &[u8],
    text: &[u8],
) -> Result<(), String> {
    let slot = match field {
        Field::Data => 0,
        Field::HasNext => 1,
        Field::Total => 2,
        Field::NextQueryFilters => 3,
        Field::Other => {
            // Unknown fields (`max`, `moreThanTotal`, …) are dropped, but their names and values must still
            // be JSON.
            serde_json::from_slice::<String>(key).map_err(|e| format!("a field name: {e}"))?;
            return serde_json::from_slice::<IgnoredAny>(text)
                .map(drop)
                .map_err(|e| format!("a field's value: {e}"));
        }
    };
    if std::mem::replace(&mut seen[slot], true) {
        let name = String::from_utf8_lossy(key);
        return Err(format!("duplicate field `{}`", name.trim_matches('"')));
    }
    let name = ["data", "hasNext", "total", "nextQueryFilters"][slot];
    let bad = |e: serde_json::Error| format!("field `{name}`: {e}");
    match field {
        Field::HasNext => page.has_next = serde_json::from_slice(text).map_err(bad)?,
        Field::Total => page.total = serde_json::from_slice(text).map_err(bad)?,
        Field::NextQueryFilters => {
            page.next_query_filters = serde_json::from_slice(text).map_err(bad)?
        }
        Field::Data | Field::Other => unreachable!("handled above"),
    }
    Ok(())
}

/// Where a record's top-level `_id` value lies, as offsets into the record's text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum IdSlot {
    #[default]
    None,
    /// After `"_id":`, from this offset; the value ends at the next `,` or `}` of the record's object.
    Open(usize),
    /// The value's text, possibly with whitespace around it.
    Found(usize, usize),
}

/// The structural scan of one JSON value, resumable at any byte.
#[derive(Debug, Default)]
struct ValueScan {
    /// Bytes of the value scanned so far.
    len: usize,
    started: bool,
    /// Open `{` and `[`.
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// A number or literal: it ends at the first delimiter.
    scalar: bool,
    /// The value is an object whose `_id` is wanted.
    object: bool,
    /// In the object's own members (depth 1), the next string is a key.
    expect_key: bool,
    /// Scanning a depth-1 key.
    in_key: bool,
    /// The key's first bytes: `_id` takes at most 18 (`\u005f\u0069\u0064`), so longer keys are not it.
    key: [u8; KEY_KEPT],
    key_len: usize,
    /// The last key closed was `_id`.
    key_is_id: bool,
    id: IdSlot,
}

const KEY_KEPT: usize = 18;

impl ValueScan {
    /// Scans `bytes`; `Some(n)` when the value ends after `bytes[..n]`, `None` when it continues.
    fn scan(&mut self, bytes: &[u8], track_id: bool) -> Option<usize> {
        let mut i = 0;
        if !self.started {
            self.started = true;
            match bytes[0] {
                b'{' => {
                    self.depth = 1;
                    self.object = track_id;
                    self.expect_key = track_id;
                }
                b'[' => self.depth = 1,
                b'"' => self.in_string = true,
                _ => self.scalar = true,
            }
            i = 1;
        }
        let n = bytes.len();
        while i < n {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.key_bytes(&bytes[i..i + 1]);
                    i += 1;
                    continue;
                }
                let run = string_run(&bytes[i..]);
                self.key_bytes(&bytes[i..i + run]);
                i += run;
                if i == n {
                    break;
                }
                i += 1;
                if bytes[i - 1] == b'\\' {
                    self.escaped = true;
                    self.key_bytes(b"\\");
                    continue;
                }
                self.in_string = false;
                if self.in_key {
                    self.in_key = false;
                    self.expect_key = false;
                    self.key_is_id = self.key_is_id();
                }
                if self.depth == 0 {
                    return self.done(i);
                }
                continue;
            }
            let b = bytes[i];
            if self.scalar {
                if matches!(b, b',' | b']' | b'}') || is_space(b) {
                    return self.done(i);
                }
                i += 1;
                continue;
            }
            if !STRUCTURAL[usize::from(b)] {
                // Digits, letters of literals, whitespace: nothing to track.
                i += 1;
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.expect_key {
                        self.in_key = true;
                        self.key_len = 0;
                    }
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    if self.depth == 1 {
                        self.close_id(self.len + i);
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        return self.done(i + 1);
                    }
                }
                b',' if self.depth == 1 && self.object => {
                    self.close_id(self.len + i);
                    self.expect_key = true;
                }
                b':' if self.depth == 1 && self.key_is_id => {
                    self.key_is_id = false;
                    // A repeated `_id` (never sent by the API): the first one names the record.
                    if self.id == IdSlot::None {
                        self.id = IdSlot::Open(self.len + i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.len += n;
        None
    }

    fn done(&mut self, n: usize) -> Option<usize> {
        self.len += n;
        Some(n)
    }

    #[inline]
    fn key_bytes(&mut self, bytes: &[u8]) {
        if !self.in_key {
            return;
        }
        // `key_len` counts every byte of the key, kept or not, so it can pass KEY_KEPT when a long key
        // arrives in pieces (cut by a chunk's end, or by an escape): keep nothing more then.
        let from = self.key_len.min(KEY_KEPT);
        let kept = bytes.len().min(KEY_KEPT - from);
        self.key[from..from + kept].copy_from_slice(&bytes[..kept]);
        self.key_len += bytes.len();
    }

    fn key_is_id(&self) -> bool {
        if self.key_len > KEY_KEPT {
            return false;
        }
        let key = &self.key[..self.key_len];
        if key == b"_id" {
            return true;
        }
        if !key.contains(&b'\\') {
            return false;
        }
        let mut quoted = Vec::with_capacity(key.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(key);
        quoted.push(b'"');
        serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == "_id")
    }

    /// The hash of the `_id` found in `text`, the value scanned; `"_id": null` names no record.
    fn id_in(&self, text: &[u8]) -> Option<u64> {
        match self.id {
            IdSlot::Found(from, to) => Some(trim_space(&text[from..to]))
                .filter(|id| *id != b"null")
                .map(id_hash),
            IdSlot::None | IdSlot::Open(_) => None,
        }
    }

    fn close_id(&mut self, at: usize) {
        if let IdSlot::Open(from) = self.id {
            self.id = IdSlot::Found(from, at);
        }
    }
}

/// The bytes that open or close a string, an object or an array, or separate members.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut k = 0;
    while k < 7 {
        table[b"\"{}[],:"[k] as usize] = true;
        k += 1;
    }
    table
};

/// How many bytes of `bytes` come before the first `"` or `\`: the part of a string that needs no look.
/// Most of a record is string text, so this tests eight bytes at a time (the zero-byte test of
/// "Bit Twiddling Hacks": a byte of `w ^ pattern` is zero where `w` matches; borrows can only flag bytes
/// above the first true match, so the lowest flag is exact).
#[inline]
pub(crate) fn string_run(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    const QUOTES: u64 = ONES * b'"' as u64;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let q = w ^ QUOTES;
        let b = w ^ BACKSLASHES;
        let found = ((q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b)) & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\\' {
        i += 1;
    }
    i
}

/// JSON's whitespace (RFC 8259 §2): nothing else may separate tokens.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim_space(mut text: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = text {
        if !is_space(*first) {
            break;
        }
        text = rest;
    }
    while let [rest @ .., last] = text {
        if !is_space(*last) {
            break;
        }
        text = rest;
    }
    text
}

/// Whether a byte can open a JSON value.
fn starts_value(b: u8) -> bool {
    matches!(
        b,
        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    )
}

fn unexpected(expected: &str, found: u8, pos: usize) -> String {
    format!(
        "expected {expected} at byte {pos}, found {}",
        describe(found)
    )
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serde::Deserialize;

    /// What serde_json makes of a whole body: the oracle every chunked parse is compared with.
    #[derive(Debug, Deserialize)]
    struct Whole {
        data: Vec<Box<RawValue>>,
        #[serde(rename = "hasNext", default)]
        has_next: Option<bool>,
        #[serde(default)]
        total: Option<Value>,
        #[serde(rename = "nextQueryFilters", default)]
        next_query_filters: Option<Value>,
    }

    /// A record's `_id` as serde reads it: the first top-level member of that name, none when null.
    fn serde_id(record: &RawValue) -> Option<u64> {
        struct FirstId(Option<u64>);
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = FirstId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FirstId, A::Error> {
                let mut first = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "_id" && first.is_none() {
                        let id: &RawValue = map.next_value()?;
                        first = Some((id.get() != "null").then(|| id_hash(id.get().as_bytes())));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(FirstId(first.flatten()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FirstId, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstId(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
            fn visit_unit<E>(self) -> Result<FirstId, E> {
                Ok(FirstId(None))
            }
        }
        impl<'de> Deserialize<'de> for FirstId {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FirstId, D::Error> {
                d.deserialize_any(Visit)
            }
        }
        serde_json::from_str::<FirstId>(record.get()).unwrap().0
    }

    fn assert_same(page: &ListPage, body: &[u8], how: &str) {
        let whole: Whole = serde_json::from_slice(body).unwrap();
        let texts: Vec<&str> = whole.data.iter().map(|r| r.get()).collect();
        assert_eq!(page.records.iter().collect::<Vec<_>>(), texts, "{how}");
        assert_eq!(
            page.records.to_json_array(),
            format!("[{}]", texts.join(",")),
            "{how}"
        );
        let ids: Vec<_> = whole.data.iter().map(|r| serde_id(r)).collect();
        assert_eq!(page.ids, ids, "{how}");
        assert_eq!(page.has_next, whole.has_next, "{how}");
        assert_eq!(page.total, whole.total, "{how}");
        assert_eq!(page.next_query_filters, whole.next_query_filters, "{how}");
    }

    fn parse_in(pieces: &[&[u8]]) -> Result<ListPage, String> {
        let mut parser = ListParser::new();
        for piece in pieces {
            parser.feed(piece)?;
        }
        parser.finish()
    }

    /// Bodies whose boundaries fall inside escapes, multibyte characters, numbers, literals and nesting.
    const TRICKY: &[&str] = &[
        r#"{"data":[{"_id":"a\"b\\","x":"}]\"{[,:","n":[1,{"_id":"nested"}],"é":"ünï €𝄞"}],"hasNext":true,"total":2}"#,
        " {\r\n\t\"total\" : 3.5e1 ,\"data\" : [ {\"y\":-1.5e+3,\"_id\" : 17 ,\"z\":null} , \"plain \\\\\\\" string\",42 ,\t[true,false,null],{\"_id\":{\"$oid\":\"x,}\"}}, {} ,-0.25 ] ,\n\"hasNext\":false,\"max\":100,\"moreThanTotal\":false} \n",
        r#"{"nextQueryFilters":{"date":{"lte":1700000000000},"s":"\u005f\ud834\udd1e"},"hasNext":true,"data":[{"\u005fid":"escaped-key","_idx":"not it"},{"x":{"_id":1},"_id":"second"},{"_id":"dup1","_id":"dup2"}]}"#,
        r#"{"d\u0061ta":[{"_id":[1,[2,{"a":"]"}]],"k":"v"},{"a":1,"_id":true},{"_id" : null}],"total":null,"hasNext":null}"#,
        r#"{"data":[]}"#,
        // Keys around and past the 18 bytes an `_id` can take, plain and escaped, so that one key arrives
        // in several pieces (a files record has keys of up to 24 characters).
        r#"{"data":[{"snapshotLastModifiedDate":"2024-01-01","_id":"f1","abcdefghijklmnopq":1,"abcdefghijklmnopqr":2,"abcdefghijklmnopqrs":3,"\u005f\u0069\u0064\u005f\u0069\u0064":4,"long\\key\\with\\escapes\\past\\eighteen":5},{"abcdefghijklmnopqrstuvwxyz0123456789":{"_id":"inner"},"\u005f\u0069\u0064":"f2"}],"hasNext":false}"#,
    ];

    #[test]
    fn records_match_serde_at_every_split_point() {
        for body in TRICKY {
            let body = body.as_bytes();
            assert_same(&parse_in(&[body]).unwrap(), body, "whole");
            for k in 0..=body.len() {
                let page = parse_in(&[&body[..k], &body[k..]]).unwrap();
                assert_same(&page, body, &format!("split at {k}"));
            }
        }
    }

    #[test]
    fn records_match_serde_at_every_pair_of_split_points() {
        let body = TRICKY[0].as_bytes();
        for a in 0..=body.len() {
            for b in a..=body.len() {
                let page = parse_in(&[&body[..a], &body[a..b], &body[b..]]).unwrap();
                assert_same(&page, body, &format!("split at {a} and {b}"));
            }
        }
    }

    #[test]
    fn records_match_serde_fed_one_byte_at_a_time() {
        for body in TRICKY {
            let body = body.as_bytes();
            let pieces: Vec<&[u8]> = body.chunks(1).collect();
            assert_same(&parse_in(&pieces).unwrap(), body, "1-byte chunks");
        }
    }

    #[test]
    fn an_id_is_the_top_level_member_only() {
        let page = ListPage::parse(TRICKY[0].as_bytes()).unwrap();
        assert_eq!(page.ids, vec![Some(id_hash(br#""a\"b\\""#))]);
        let page = ListPage::parse(TRICKY[2].as_bytes()).unwrap();
        assert_eq!(
            page.ids,
            vec![
                Some(id_hash(br#""escaped-key""#)),
                Some(id_hash(br#""second""#)),
                Some(id_hash(br#""dup1""#)),
            ]
        );
    }

    /// A random JSON value with the awkward parts: escapes, multibyte text, exponents, nesting.
    fn random_value(rng: &mut StdRng, depth: u32) -> String {
        let pick = if depth >= 3 {
            rng.random_range(0..5)
        } else {
            rng.random_range(0..7)
        };
        match pick {
            0 => "null".into(),
            1 => if rng.random() { "true" } else { "false" }.into(),
            2 => match rng.random_range(0..3) {
                0 => rng.random_range(-1000..1000i64).to_string(),
                1 => format!("{:.3}", rng.random_range(-1e6..1e6f64)),
                _ => format!("{}e{}", rng.random_range(1..99), rng.random_range(-5..5)),
            },
            3 | 4 => random_string(rng),
            5 => {
                let items: Vec<String> = (0..rng.random_range(0..4))
                    .map(|_| random_value(rng, depth + 1))
                    .collect();
                format!("[{}]", items.join(", "))
            }
            _ => random_object(rng, depth + 1, false),
        }
    }

    fn random_string(rng: &mut StdRng) -> String {
        const PARTS: &[&str] = &[
            "a", "Zz", "\\\"", "\\\\", "\\n", "\\u00e9", "é", "€", "𝄞", ",", "]", "}", ":", "{",
            "[", " ",
        ];
        let text: String = (0..rng.random_range(0..8))
            .map(|_| PARTS[rng.random_range(0..PARTS.len())])
            .collect();
        format!("\"{text}\"")
    }

    fn random_object(rng: &mut StdRng, depth: u32, record: bool) -> String {
        // Keys of every length around what the `_id` scan keeps (18 bytes), some with escapes.
        let mut members: Vec<String> = (0..rng.random_range(0..5))
            .map(|i| {
                let pad = "k".repeat(rng.random_range(0..40));
                let escape = if rng.random_range(0..4) == 0 {
                    "\\t"
                } else {
                    ""
                };
                format!("\"{pad}{escape}{i}\":{}", random_value(rng, depth))
            })
            .collect();
        if record && rng.random_range(0..10) > 0 {
            let id = match rng.random_range(0..3) {
                0 => random_string(rng),
                1 => rng.random_range(0..1_000_000u32).to_string(),
                _ => random_value(rng, depth),
            };
            let at = rng.random_range(0..=members.len());
            members.insert(at, format!("\"_id\" :\t{id} "));
        }
        format!("{{ {} }}", members.join(" ,\n"))
    }

    fn random_body(rng: &mut StdRng) -> String {
        let records: Vec<String> = (0..rng.random_range(0..30))
            .map(|_| random_object(rng, 0, true))
            .collect();
        let mut fields = vec![
            format!("\"data\": [{}]", records.join(",")),
            format!("\"hasNext\": {}", rng.random::<bool>()),
            format!("\"total\": {}", rng.random_range(0..100_000)),
            format!("\"max\": {}", random_value(rng, 0)),
        ];
        if rng.random() {
            fields.push(format!(
                "\"nextQueryFilters\": {}",
                random_object(rng, 0, false)
            ));
        }
        let first = rng.random_range(0..fields.len());
        fields.swap(0, first);
        format!("{{{}}}", fields.join(", "))
    }

    #[test]
    fn randomly_chunked_bodies_match_serde() {
        let mut rng = StdRng::seed_from_u64(0x6d64_6361);
        for round in 0..400 {
            let body = random_body(&mut rng);
            let body = body.as_bytes();
            let mut pieces = Vec::new();
            let mut at = 0;
            while at < body.len() {
                let size = rng.random_range(1..=64).min(body.len() - at);
                pieces.push(&body[at..at + size]);
                at += size;
            }
            let page = parse_in(&pieces).unwrap_or_else(|e| {
                panic!("round {round}: {e}\n{}", String::from_utf8_lossy(body))
            });
            assert_same(&page, body, &format!("round {round}"));
        }
    }

    /// Real list responses — every entity, skip/limit and scan pages — read over loopback from the
    /// simulator, parse the same in chunks of any size as whole: its records have the API's own shapes
    /// (keys up to 24 characters, nested objects, escapes), which hand-made bodies can miss.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn simulator_pages_parse_the_same_in_chunks_of_any_size() {
        use crate::cancel::CancelToken;
        use crate::http::{ApiCall, AuthUse, RetryClass};
        let sim = mdca_sim::start(mdca_sim::SimConfig::for_tests())
            .await
            .unwrap();
        let client = crate::Client::builder(sim.url())
            .legacy_token(sim.admin_token())
            .rate_limit(crate::RateLimit::disabled())
            .build()
            .unwrap();
        let pages = [
            ("v1/activities/", serde_json::json!({"limit": 100})),
            (
                "v1/activities/",
                serde_json::json!({"limit": 500, "isScan": true}),
            ),
            ("v1/alerts/", serde_json::json!({"limit": 100})),
            ("v1/files/", serde_json::json!({"limit": 100})),
            ("v1/entities/", serde_json::json!({"limit": 100})),
            ("v1/subnet/", serde_json::json!({"limit": 100})),
        ];
        let mut rng = StdRng::seed_from_u64(0x6c6f_6f70);
        for (path, body) in pages {
            let call = ApiCall {
                method: reqwest::Method::POST,
                path,
                query: &[],
                body: Some(&body),
                retry: RetryClass::Read,
                auth: AuthUse::Default,
            };
            let (bytes, _) = client
                .http()
                .call_bytes(&call, &CancelToken::new())
                .await
                .unwrap();
            let whole: Whole = serde_json::from_slice(&bytes).unwrap();
            assert!(
                !whole.data.is_empty(),
                "{path}: an empty page tests nothing"
            );
            for round in 0..15 {
                let largest = [1, 7, 64, 512, 4096][round % 5];
                let mut pieces = Vec::new();
                let mut at = 0;
                while at < bytes.len() {
                    let size = rng.random_range(1..=largest).min(bytes.len() - at);
                    pieces.push(&bytes[at..at + size]);
                    at += size;
                }
                let page = parse_in(&pieces).unwrap_or_else(|e| panic!("{path} {body}: {e}"));
                assert_same(&page, &bytes, &format!("{path} {body}, round {round}"));
            }
        }
    }

    #[test]
    fn string_runs_stop_at_the_first_quote_or_backslash() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.random_range(0..12) {
                    0 => b'"',
                    1 => b'\\',
                    2 => 0x80 | rng.random::<u8>(),
                    3 => rng.random_range(0..0x20),
                    _ => rng.random_range(0x20..0x7f),
                })
                .collect();
            let naive = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .unwrap_or(bytes.len());
            assert_eq!(string_run(&bytes), naive, "{bytes:?}");
        }
    }

    #[test]
    fn only_the_unfinished_record_is_kept_between_chunks() {
        let record = format!(r#"{{"_id":"x","pad":"{}"}}"#, "p".repeat(300));
        let body = format!(r#"{{"data":[{}]}}"#, vec![record.as_str(); 200].join(","));
        let mut parser = ListParser::new();
        for piece in body.as_bytes().chunks(1000) {
            parser.feed(piece).unwrap();
            assert!(parser.carry.len() < record.len(), "{}", parser.carry.len());
        }
        assert_eq!(parser.finish().unwrap().records.len(), 200);
    }

    #[test]
    fn a_body_that_ends_early_is_refused_wherever_it_stops() {
        for body in TRICKY {
            let body = body.trim_end().as_bytes();
            for k in 0..body.len() {
                assert!(
                    parse_in(&[&body[..k]]).is_err(),
                    "{}",
                    String::from_utf8_lossy(&body[..k])
                );
            }
        }
        let e = parse_in(&[br#"{"data":[{"_id":1},{"_id""#]).unwrap_err();
        assert!(
            e.contains("ended early") && e.contains("after 1 records"),
            "{e}"
        );
    }

    #[test]
    fn malformed_bodies_are_refused_as_serde_refuses_them() {
        let bad: &[&[u8]] = &[
            b"",
            b"   ",
            b"<html><body>Sign in</body></html>",
            b"null",
            b"[]",
            br#"{"data":null}"#,
            br#"{"data":{}}"#,
            br#"{"hasNext":false}"#,
            br#"{"data":[{"a":1},]}"#,
            br#"{"data":[{"a":1}}"#,
            br#"{"data":[{"a":1]]}"#,
            br#"{"data":[{"a":1}{"b":2}]}"#,
            br#"{"data":[1 2]}"#,
            br#"{"data":[tru]}"#,
            br#"{"data":[nul,1]}"#,
            br#"{"data":[01]}"#,
            br#"{"data":[{"a":"\x"}]}"#,
            b"{\"data\":[{\"a\":\"\xff\"}]}",
            b"{\"data\":[{\"a\":\"line\nbreak\"}]}",
            br#"{"data":[],}"#,
            br#"{"data":[]} x"#,
            br#"{"data":[] "total":1}"#,
            br#"{"data":[],"data":[]}"#,
            br#"{"data":[],"total":1,"total":2}"#,
            br#"{"data":[],"hasNext":"yes"}"#,
            br#"{"data":[],"total":}"#,
            br#"{"data":[],"max":[1,}"#,
            br#"{"data":[],"max":tru}"#,
            br#"{data:[]}"#,
            b"{\"data\":[],\"m\xffx\":1}",
        ];
        for body in bad {
            let shown = String::from_utf8_lossy(body);
            assert!(
                serde_json::from_slice::<Whole>(body).is_err(),
                "serde took {shown}"
            );
            assert!(parse_in(&[body]).is_err(), "whole: {shown}");
            let pieces: Vec<&[u8]> = body.chunks(1).collect();
            assert!(parse_in(&pieces).is_err(), "1-byte chunks: {shown}");
        }
    }

    #[test]
    fn errors_say_where_the_body_went_wrong() {
        let e = parse_in(&[b"<html>"]).unwrap_err();
        assert_eq!(e, "expected `{` opening the response at byte 0, found `<`");
        let e = parse_in(&[br#"{"data":[{"a":1},]}"#]).unwrap_err();
        assert_eq!(e, "expected a record at byte 17, found `]`");
        let e = parse_in(&[br#"{"data":[{"a":1}, {"a":tru}]}"#]).unwrap_err();
        assert!(
            e.starts_with("record 1 of `data` is not valid JSON: "),
            "{e}"
        );
        assert_eq!(parse_in(&[b" "]).unwrap_err(), "the body is empty");
    }
}
