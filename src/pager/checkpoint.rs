//! Checkpoints: a pull's position as a small serialisable value, to resume it after a crash, a Ctrl+C or
//! an expired token, and to re-run it incrementally once it has completed.
//!
//! A checkpoint never holds records: it holds the query's fingerprint, the filters as the pull sends them
//! (relative dates already made absolute when the pull first started, so a resumed pull reads the same
//! window), the paging position (window key and its tie ids, scan cursor and its last page's ids, or
//! skip), counts, and after completion a watermark: the newest change key the pull saw, with the versions
//! of the records it returned within the look-back before it. Ids are 64-bit hashes of the records' `_id`,
//! written as 16 hex digits (JSON numbers that large lose digits in JavaScript and PowerShell).
//!
//! It reflects exactly the pages already handed to the caller: a page prefetched but not yet returned is
//! not in it, so a caller that saves the checkpoint after writing each page out loses and repeats nothing.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::windows::WindowState;

/// The checkpoint format this library writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;

/// A pull's position. Obtained from [`crate::Pager::checkpoint`], given back through
/// [`crate::QueryRequest::resume`]. Serialises to JSON (the C ABI's `mdca_query_checkpoint`, the CLI's
/// `--checkpoint` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`CHECKPOINT_VERSION`].
    pub version: u32,
    /// The entity listed (`alerts`, …).
    pub entity: String,
    /// A fingerprint of the query as the caller gave it (filters, sort, first, skip, all): a checkpoint
    /// resumes only the query it was taken from.
    pub query: String,
    /// The filters the pull sends, relative dates already turned into absolute bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Value>,
    /// When the pull (or the current incremental run) started, epoch milliseconds of the client's clock.
    pub started_ms: i64,
    /// Where the next request starts.
    pub position: Position,
    /// Records and pages handed to the caller (cumulative over resumes; reset by an incremental run).
    pub records: u64,
    pub pages: u64,
    /// `skip` records still to drop client-side, and records still wanted (`first`).
    #[serde(default)]
    pub skip_left: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// The server's `total` on the pull's first page, for the shortfall report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced: Option<u64>,
    /// In an incremental run: the change-key bound it reads from (previous watermark − look-back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
    /// In an incremental run: versions already returned by the previous run within its look-back.
    #[serde(default, skip_serializing_if = "IdList::is_empty")]
    pub since_seen: IdList,
    /// The change-key value watched for the watermark: the newest seen, or (files) the newest at the
    /// pull's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<i64>,
    /// Versions (id and change key) of returned records within the look-back of the watermark.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<Recent>,
    /// Set when the pull completed: records new or changed after `watermark − look-back` are what an
    /// incremental run returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<i64>,
}

/// A returned record's version and change key, kept while within the look-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recent {
    #[serde(with = "hex")]
    pub version: u64,
    pub key: i64,
}

/// Where a pull's next request starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case", deny_unknown_fields)]
pub enum Position {
    /// Files, before the first page: the newest `modifiedDate` is read first (the watermark of a full pull).
    Probe,
    /// Keyset windows.
    Window(WindowState),
    /// An activity scan: the next request's filters, and the ids of the last page returned.
    Scan { cursor: Value, last_page: IdList },
    /// Plain skip/limit (caller sorts, subnets): not safe on a changing tenant.
    Skip { skip: u64 },
    /// The pull is complete.
    Done,
}

/// A list of id hashes, serialised as 16-hex-digit strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdList(pub Vec<u64>);

impl IdList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for IdList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|id| format!("{id:016x}")))
    }
}

impl<'de> Deserialize<'de> for IdList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IdList, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| parse_hex(t).map_err(D::Error::custom))
            .collect::<Result<_, _>>()
            .map(IdList)
    }
}

fn parse_hex(text: &str) -> Result<u64, String> {
    u64::from_str_radix(text, 16).map_err(|_| format!("{text:?} is not an id hash (16 hex digits)"))
}

mod hex {
    use super::*;

    pub fn serialize<S: Serializer>(id: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{id:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        parse_hex(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// The fingerprint of a query: a stable hash of its canonical JSON (object keys sorted).
pub(super) fn fingerprint(parts: &Value) -> String {
    format!(
        "{:016x}",
        crate::stream::id_hash(parts.to_string().as_bytes())
    )
}

/// The returned records within the look-back of the watermark, bounded by how many records the
/// look-back holds.
#[derive(Debug, Clone, Default)]
pub(super) struct Lookback {
    pub(super) span_ms: i64,
    /// Files' full pull: the watermark is fixed at the start, and so is the floor.
    pub(super) fixed: bool,
    pub(super) high: Option<i64>,
    pub(super) recent: Vec<Recent>,
}

impl Lookback {
    fn floor(&self) -> Option<i64> {
        self.high.map(|h| h.saturating_sub(self.span_ms))
    }

    /// A returned record with this version and change key.
    pub(super) fn offer(&mut self, version: u64, key: i64) {
        if !self.fixed && self.high.is_none_or(|h| key > h) {
            self.high = Some(key);
            if let Some(floor) = self.floor() {
                self.recent.retain(|r| r.key >= floor);
            }
        }
        if self.floor().is_none_or(|floor| key >= floor) {
            self.recent.push(Recent { version, key });
        }
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_hex_strings_in_json() {
        let list = IdList(vec![1, u64::MAX]);
        let text = serde_json::to_string(&list).unwrap();
        assert_eq!(text, r#"["0000000000000001","ffffffffffffffff"]"#);
        assert_eq!(serde_json::from_str::<IdList>(&text).unwrap(), list);
        assert!(serde_json::from_str::<IdList>(r#"["xyz"]"#).is_err());
    }

    #[test]
    fn fingerprints_ignore_key_order() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"d":3,"c":2},"a":1}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&json!({"a": 2})));
    }

    #[test]
    fn the_look_back_keeps_only_records_within_its_span_of_the_newest() {
        let mut lb = Lookback {
            span_ms: 10,
            ..Lookback::default()
        };
        for (v, k) in [(1, 100), (2, 105), (3, 112), (4, 120)] {
            lb.offer(v, k);
        }
        let kept: Vec<u64> = lb.recent.iter().map(|r| r.version).collect();
        assert_eq!(kept, vec![3, 4]);
        assert_eq!(lb.high, Some(120));
        // A scan reads newest first: older records below the floor are not kept.
        let mut desc = Lookback {
            span_ms: 10,
            ..Lookback::default()
        };
        for (v, k) in [(4, 120), (3, 112), (2, 105)] {
            desc.offer(v, k);
        }
        assert_eq!(desc.recent.len(), 2);
    }
}
