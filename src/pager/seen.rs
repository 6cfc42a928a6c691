//! Remembering which records a pull has returned, in bounded memory.
//!
//! Records are remembered by the 64-bit hash of their `_id` ([`crate::stream::id_hash`], a fixed algorithm
//! so checkpoints can carry the hashes): 8 bytes of key and one control byte per id in a hash set, never
//! the record. How many ids a pull keeps depends on its strategy, and each strategy states its bound:
//! - keyset windows on an immutable key keep only the ties, the ids whose key equals the window's lower
//!   bound (usually one or a few; a tie group larger than a page is paged through on its own);
//! - keyset windows on a key that moves forward (entities' `lastSeen`, files' `modifiedDate` in an
//!   incremental pull) keep every id returned, because a record that changes comes back later in the pull:
//!   9 bytes per record of the result (about 9 MiB per million), bounded by the size of the tenant;
//! - a scan keeps two pages of ids (its cursor only moves forward);
//! - plain skip/limit keeps every id, as it always has (it exists for caller sorts and subnets).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes of `_id`s. They are already well mixed, so the set hashes them no further.
pub(super) type IdSet = HashSet<u64, BuildHasherDefault<PassThrough>>;

/// The `_id`s a pull has returned, to drop a record returned before.
///
/// Skip/limit pages shift whenever records arrive at the head between requests, by any number of records,
/// so a repeat may come from any earlier page: that mode remembers the whole pull. A scan's cursor only
/// moves forward and the server drops the last records of a non-final page so none repeats (api.md §4.4,
/// §14 rule 13): a repeat, should the server slip, can only come from the page just before, so scan mode keeps
/// two generations, the current page's ids and the previous page's, and its memory stays flat however
/// long the pull.
#[derive(Debug)]
pub(super) enum Seen {
    Pull(IdSet),
    Scan { current: IdSet, previous: IdSet },
}

impl Seen {
    pub(super) fn new(scan: bool) -> Seen {
        if scan {
            Seen::Scan {
                current: IdSet::default(),
                previous: IdSet::default(),
            }
        } else {
            Seen::Pull(IdSet::default())
        }
    }

    /// A new response begins: in a scan, the page before last is forgotten.
    pub(super) fn next_page(&mut self) {
        if let Seen::Scan { current, previous } = self {
            std::mem::swap(current, previous);
            current.clear();
        }
    }

    /// Remembers `id`; false when it was returned before.
    pub(super) fn insert(&mut self, id: u64) -> bool {
        match self {
            Seen::Pull(all) => all.insert(id),
            Seen::Scan { current, previous } => current.insert(id) && !previous.contains(&id),
        }
    }

    /// The ids a checkpoint carries: a scan's last page (what a resumed scan may see again).
    pub(super) fn last_page(&self) -> Vec<u64> {
        match self {
            Seen::Pull(_) => Vec::new(),
            Seen::Scan { current, .. } => sorted(current),
        }
    }

    /// A scan resumed from a checkpoint: `ids` were the last page returned.
    pub(super) fn restore_last_page(&mut self, ids: &[u64]) {
        match self {
            Seen::Pull(all) => all.extend(ids),
            Seen::Scan { current, .. } => current.extend(ids),
        }
    }

    /// Buckets held, for the memory tests.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        match self {
            Seen::Pull(all) => all.capacity(),
            Seen::Scan { current, previous } => current.capacity() + previous.capacity(),
        }
    }
}

/// The ids of a set in a stable order (checkpoints compare equal when their state is equal).
pub(super) fn sorted(ids: &IdSet) -> Vec<u64> {
    let mut out: Vec<u64> = ids.iter().copied().collect();
    out.sort_unstable();
    out
}

/// One version of one record: its id hash mixed with its change key, so a record changed again after a
/// pull is told apart from the version the pull already returned.
pub(super) fn version_hash(id: u64, key: i64) -> u64 {
    let mut h = id ^ (key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

#[derive(Default)]
pub(super) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::id_hash;

    /// The id of record `i` as a page would carry it.
    fn id(i: u64) -> u64 {
        id_hash(format!(r#""{i:024x}""#).as_bytes())
    }

    /// hashbrown stores one u64 and one control byte per bucket.
    fn bytes_held(seen: &Seen) -> usize {
        seen.capacity() * (std::mem::size_of::<u64>() + 1)
    }

    #[test]
    fn remembering_a_million_ids_stays_far_under_64_mib() {
        // Skip/limit paging remembers the whole pull; at a million ids that is still small.
        let mut seen = Seen::new(false);
        for i in 0..1_000_000u64 {
            assert!(seen.insert(id(i)), "hash collision at {i}");
        }
        let bytes = bytes_held(&seen);
        assert!(bytes < 32 << 20, "{bytes} bytes");
    }

    #[test]
    fn skip_limit_paging_drops_a_repeat_from_any_earlier_page() {
        let mut seen = Seen::new(false);
        for page in 0..10u64 {
            seen.next_page();
            for i in page * 100..(page + 1) * 100 {
                assert!(seen.insert(id(i)));
            }
        }
        seen.next_page();
        assert!(!seen.insert(id(0)), "a record of the first page, shifted");
        assert!(!seen.insert(id(999)));
    }

    #[test]
    fn a_scan_remembers_the_current_and_previous_page_only() {
        let mut seen = Seen::new(true);
        seen.next_page();
        assert!((0..5000).all(|i| seen.insert(id(i))));
        // The next page repeating the previous one's last records: dropped.
        seen.next_page();
        assert!((4990..5000).all(|i| !seen.insert(id(i))));
        assert!((5000..10_000).all(|i| seen.insert(id(i))));
        // A repeat within one page: dropped.
        assert!(!seen.insert(id(7000)));
        // The page after: the previous page's ids still count, the first page's are forgotten.
        seen.next_page();
        assert!(!seen.insert(id(9999)));
        assert!(seen.insert(id(0)));
    }

    #[test]
    fn a_scan_of_a_million_ids_holds_two_pages_of_ids() {
        let mut seen = Seen::new(true);
        for page in 0..200u64 {
            seen.next_page();
            for i in page * 5000..(page + 1) * 5000 {
                assert!(seen.insert(id(i)), "hash collision at {i}");
            }
        }
        // Two sets of 5000 ids (8192 buckets each), whatever the length of the pull.
        let bytes = bytes_held(&seen);
        assert!(bytes <= 2 * 8192 * 9, "{bytes} bytes");
    }

    #[test]
    fn id_hashes_are_stable_across_builds_because_checkpoints_store_them() {
        // A fixed algorithm: this value must never change, or saved checkpoints would stop matching.
        assert_eq!(id_hash(br#""abc""#), id_hash(br#""abc""#));
        assert_eq!(format!("{:016x}", id_hash(b"")), "efd01f60ba992926");
    }

    #[test]
    fn a_record_changed_again_is_a_new_version() {
        assert_ne!(version_hash(id(1), 5), version_hash(id(1), 6));
        assert_eq!(version_hash(id(1), 5), version_hash(id(1), 5));
    }
}
