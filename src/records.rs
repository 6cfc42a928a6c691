//! A page's records in one buffer, laid out as the JSON array the C ABI hands over.
//!
//! An activity page is 5000 records and ~14 MB. Kept as one allocation per record, each record is copied
//! out of the body as it is parsed and copied again when the page is joined into an array for the caller:
//! two copies, 5000 allocations and frees, and a second 14 MB block alive while the array is built. Here
//! each record is appended once to a buffer that already is that array (`[r0,r1,…`), with where each
//! record lies; handing the page over adds the closing `]` and gives the buffer away.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Buffers at least this large are pages worth keeping for the next one.
const SPARE_MIN: usize = 1 << 20;
/// At most this many are kept: the page being read and the one being fetched meanwhile take turns.
const SPARE_MAX: usize = 2;

/// Page buffers given back (freed by the caller, or dropped), kept for the next pages while a pull runs.
/// A page buffer is ~14 MB: allocated afresh for each page, the allocator hands it back to the system when
/// it is freed and the next page faults every one of its 3,500 memory pages in again, which costs more
/// than parsing a fifth of it. Kept, they stay mapped. Kept only while some [`crate::Pager`] is alive,
/// and dropped when the last one ends, so an idle library holds none.
static SPARE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// Pagers alive in the process.
static PULLS: AtomicUsize = AtomicUsize::new(0);

fn spare() -> std::sync::MutexGuard<'static, Vec<Vec<u8>>> {
    // Only ever pushed to and popped from: a panic elsewhere cannot leave it torn.
    SPARE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps a freed buffer for the next page if it is page-sized, a pull is running and there is room.
pub(crate) fn recycle(buffer: Vec<u8>) {
    if buffer.capacity() < SPARE_MIN {
        return;
    }
    let mut spare = spare();
    // Checked under the lock: a pull that ends meanwhile clears the kept buffers after this push.
    if PULLS.load(Ordering::SeqCst) > 0 && spare.len() < SPARE_MAX {
        spare.push(buffer);
    }
}

/// Held by each running pull: while any is alive, freed page buffers are kept for the next pages; when
/// the last one ends, the kept buffers are freed.
#[derive(Debug)]
pub(crate) struct PullGuard(());

impl PullGuard {
    pub(crate) fn new() -> PullGuard {
        PULLS.fetch_add(1, Ordering::SeqCst);
        PullGuard(())
    }
}

impl Drop for PullGuard {
    fn drop(&mut self) {
        if PULLS.fetch_sub(1, Ordering::SeqCst) == 1 {
            let kept = std::mem::take(&mut *spare());
            drop(kept);
        }
    }
}

/// The records of one page, each the server's JSON text exactly as it was sent, in one buffer.
///
/// Iterate with [`Records::iter`] (or `for record in &records`), index with [`Records::get`]; the whole
/// page as one JSON array is [`Records::into_json_array`] (no copy) or [`Records::to_json_array`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// `[` and the records separated by `,`; empty while there are none. The `]` is added on hand-over.
    text: String,
    /// Where each record lies in `text`.
    spans: Vec<Range<usize>>,
}

impl Records {
    /// An empty list whose buffer can take `bytes` of records without growing.
    pub(crate) fn with_capacity(bytes: usize) -> Records {
        let kept = if bytes >= SPARE_MIN {
            spare().pop()
        } else {
            None
        };
        let text = match kept {
            Some(mut buffer) => {
                buffer.clear();
                buffer.reserve(bytes);
                String::from_utf8(buffer).expect("an empty buffer is UTF-8")
            }
            None => String::with_capacity(bytes),
        };
        Records {
            text,
            spans: Vec::new(),
        }
    }

    /// Makes room for `bytes` in all (records, commas and brackets) without growing again.
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.text.reserve(bytes.saturating_sub(self.text.len()));
    }

    /// The size of the buffer's text so far, in bytes.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Appends one record: one JSON value, already validated by the caller.
    pub(crate) fn push(&mut self, record: &str) {
        self.text
            .push(if self.spans.is_empty() { '[' } else { ',' });
        let start = self.text.len();
        self.text.push_str(record);
        self.spans.push(start..self.text.len());
    }

    /// Keeps the records for which `keep(index)` is true; `keep` is called once per record, in order.
    /// The kept records are moved down within the same buffer (no second buffer), and only when a record
    /// is dropped.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let kept: Vec<bool> = (0..self.spans.len()).map(&mut keep).collect();
        if kept.iter().all(|k| *k) {
            return;
        }
        let spans = std::mem::take(&mut self.spans);
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        let mut end = 0;
        for (span, k) in spans.into_iter().zip(kept) {
            if !k {
                continue;
            }
            bytes[end] = if self.spans.is_empty() { b'[' } else { b',' };
            let start = end + 1;
            bytes.copy_within(span.clone(), start);
            end = start + span.len();
            self.spans.push(start..end);
        }
        bytes.truncate(end);
        // Whole records (each valid UTF-8) and ASCII separators: this cannot fail.
        self.text = String::from_utf8(bytes).expect("records are UTF-8");
    }

    /// Gives back the memory the spans do not use (the text is handed over whole; shrinking it would copy).
    pub(crate) fn shrink_spans(&mut self) {
        self.spans.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The record at `index`, as the server's JSON text.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.spans.get(index).map(|s| &self.text[s.clone()])
    }

    /// The first record.
    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }

    /// Each record's JSON text, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            text: &self.text,
            spans: self.spans.iter(),
        }
    }

    /// The records as one JSON array (`[r0,r1,…]`, records joined by `,` exactly as sent), taking the
    /// buffer over: no copy.
    pub fn into_json_array(mut self) -> String {
        if self.spans.is_empty() {
            return "[]".to_owned();
        }
        let mut text = std::mem::take(&mut self.text);
        // Exactly the one byte for `]` (and one more for the C ABI's NUL): `push` on a full buffer would
        // double a 14 MB page's capacity.
        text.reserve_exact(2);
        text.push(']');
        text
    }

    /// The records as one JSON array, as [`Records::into_json_array`] makes it, leaving these intact (one
    /// copy of the text, with room for the `]`).
    pub fn to_json_array(&self) -> String {
        if self.spans.is_empty() {
            return "[]".to_owned();
        }
        let mut text = String::with_capacity(self.text.len() + 2);
        text.push_str(&self.text);
        text.push(']');
        text
    }
}

impl Drop for Records {
    fn drop(&mut self) {
        recycle(std::mem::take(&mut self.text).into_bytes());
    }
}

impl std::fmt::Debug for Records {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Records from texts taken as they are: each must be one JSON value (it is not checked). For callers
/// that build pages of their own, such as tests of code that consumes [`crate::Page`]s.
impl<'a> FromIterator<&'a str> for Records {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Records {
        let mut records = Records::default();
        for record in iter {
            records.push(record);
        }
        records
    }
}

impl<'a> IntoIterator for &'a Records {
    type Item = &'a str;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The records of a [`Records`], each as its JSON text.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    text: &'a str,
    spans: std::slice::Iter<'a, Range<usize>>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.spans.next().map(|s| &self.text[s.clone()])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.spans.next_back().map(|s| &self.text[s.clone()])
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(texts: &[&str]) -> Records {
        texts.iter().copied().collect()
    }

    #[test]
    fn an_empty_list_is_an_empty_array() {
        let r = Records::default();
        assert!(r.is_empty());
        assert_eq!(r.get(0), None);
        assert_eq!(r.iter().count(), 0);
        assert_eq!(r.to_json_array(), "[]");
        assert_eq!(r.into_json_array(), "[]");
    }

    #[test]
    fn records_keep_their_text_and_join_into_one_array() {
        let r = of(&[r#"{"a": 1}"#, "[1,2]", r#""x,]""#]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(1), Some("[1,2]"));
        assert_eq!(r.first(), Some(r#"{"a": 1}"#));
        assert_eq!(
            r.iter().collect::<Vec<_>>(),
            [r#"{"a": 1}"#, "[1,2]", r#""x,]""#]
        );
        assert_eq!(r.iter().next_back(), Some(r#""x,]""#));
        assert_eq!(r.to_json_array(), r#"[{"a": 1},[1,2],"x,]"]"#);
        let text = r.into_json_array();
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.len(), 3);
    }

    #[test]
    fn retain_drops_records_and_keeps_the_array_well_formed() {
        let mut r = of(&["1", "2", "3", "4"]);
        let mut asked = Vec::new();
        r.retain(|i| {
            asked.push(i);
            i % 2 == 1
        });
        assert_eq!(asked, [0, 1, 2, 3], "asked once each, in order");
        assert_eq!(r.iter().collect::<Vec<_>>(), ["2", "4"]);
        assert_eq!(r.to_json_array(), "[2,4]");
        r.retain(|_| true);
        assert_eq!(r.to_json_array(), "[2,4]");
        r.retain(|_| false);
        assert!(r.is_empty());
        assert_eq!(r.into_json_array(), "[]");
    }

    // The kept buffers are process-wide: nextest runs each test in a process of its own, which these rely on.
    #[test]
    fn a_freed_page_buffer_serves_the_next_page_only_while_a_pull_runs() {
        let big = SPARE_MIN + 4096;
        // No pull running: nothing is kept.
        recycle(Vec::with_capacity(big));
        assert!(spare().is_empty());

        let pull = PullGuard::new();
        let freed = Vec::<u8>::with_capacity(big);
        let address = freed.as_ptr();
        recycle(freed);
        recycle(Vec::with_capacity(16)); // too small to keep
        assert_eq!(spare().len(), 1);
        let mut next = Records::with_capacity(big - 100);
        assert_eq!(next.text.as_ptr(), address, "the freed buffer is reused");
        assert!(next.text.is_empty() && next.is_empty());
        next.push("{\"a\":1}");
        assert_eq!(next.to_json_array(), "[{\"a\":1}]");
        // At most SPARE_MAX are kept.
        for _ in 0..SPARE_MAX + 2 {
            recycle(Vec::with_capacity(big));
        }
        assert_eq!(spare().len(), SPARE_MAX);
        // Dropping a page keeps its buffer too (room permitting), and the last pull's end frees them all.
        drop(next);
        assert_eq!(spare().len(), SPARE_MAX);
        let second = PullGuard::new();
        drop(pull);
        assert_eq!(spare().len(), SPARE_MAX, "another pull still runs");
        drop(second);
        assert!(spare().is_empty());
    }

    #[test]
    fn the_array_is_handed_over_without_growing_its_buffer_twofold() {
        let mut r = Records::with_capacity(11);
        r.push("\"abcdefgh\"");
        let capacity = r.text.capacity();
        let text = r.into_json_array();
        assert_eq!(text, "[\"abcdefgh\"]");
        assert!(text.capacity() <= capacity.max(text.len() + 1) + 1);
    }
}
