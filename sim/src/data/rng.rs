//! Cheap, stateless randomness: every record derives from `hash(seed, entity salt, index)`, so any record
//! can be produced on demand, in any order, without generating its neighbours.

/// splitmix64's finaliser: a fast, well-mixed bijection on u64.
pub const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One hash value for (seed, salt, index, tag); distinct tags give independent values for one record.
pub fn hash(seed: u64, salt: u64, i: i64, tag: u64) -> u64 {
    mix(mix(seed ^ salt.rotate_left(23)) ^ mix((i as u64) ^ tag.rotate_left(41)))
}

/// A short deterministic stream for one record: draws happen in a fixed order inside one generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn at(seed: u64, salt: u64, i: i64) -> Rng {
        Rng(hash(seed, salt, i, 0x5EED))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for fixtures.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn hex(&mut self, digits: usize) -> String {
        let mut s = String::with_capacity(digits);
        while s.len() < digits {
            let take = (digits - s.len()).min(16);
            let v = self.next_u64();
            s.push_str(&format!("{:016x}", v)[..take]);
        }
        s
    }

    pub fn guid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

/// 24-hex ids shaped like MongoDB ObjectIds (api.md §7–§10 samples): 4 bytes of seconds, 5 bytes of
/// "machine" (fixed per seed and entity), 3 bytes of counter. The counter encodes the record index, so an
/// id maps back to its record without any lookup table.
pub fn object_id(seed: u64, salt: u64, i: i64, ts_ms: i64) -> String {
    let machine = mix(seed ^ salt) & 0xFF_FFFF_FFFF;
    let counter = (i + OBJECT_ID_BIAS) as u64 & 0xFF_FFFF;
    format!(
        "{:08x}{:010x}{:06x}",
        (ts_ms.div_euclid(1000)) as u32,
        machine,
        counter
    )
}

const OBJECT_ID_BIAS: i64 = 0x80_0000;

/// The index an object id claims; the caller still compares the whole id with the regenerated one.
pub fn object_id_index(id: &str) -> Option<i64> {
    if !is_object_id(id) {
        return None;
    }
    let counter = i64::from_str_radix(&id[18..24], 16).ok()?;
    Some(counter - OBJECT_ID_BIAS)
}

pub fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Timestamps of one entity: non-increasing with the index, about `gap` ms apart, with roughly one record
/// in eight sharing the previous record's millisecond (exercises the scan cursor, api.md §14 rule 13).
/// Negative indices (inserted at the head) are newer than index 0 and `head_gap` ms apart.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    pub seed: u64,
    pub salt: u64,
    pub base: i64,
    pub gap: i64,
    pub head_gap: i64,
}

impl Timeline {
    fn raw(&self, i: i64) -> i64 {
        let h = hash(self.seed, self.salt, i, 0x7173) as i64 & i64::MAX;
        if i >= 0 {
            self.base - i * self.gap - h % (self.gap / 2).max(1)
        } else {
            self.base + (-i) * self.head_gap + h % (self.head_gap / 2).max(1)
        }
    }

    pub fn at(&self, i: i64) -> i64 {
        let tie = hash(self.seed, self.salt, i, 0x7E) % 8 == 0;
        if tie {
            self.raw(i - 1)
        } else {
            self.raw(i)
        }
    }

    /// First index in `lo..hi` whose timestamp is `<= t` (hi if none).
    pub fn first_at_or_before(&self, lo: i64, hi: i64, t: i64) -> i64 {
        let (mut a, mut b) = (lo, hi);
        while a < b {
            let m = a + (b - a) / 2;
            if self.at(m) <= t {
                b = m;
            } else {
                a = m + 1;
            }
        }
        a
    }

    /// First index in `lo..hi` whose timestamp is `< t` (hi if none).
    pub fn first_before(&self, lo: i64, hi: i64, t: i64) -> i64 {
        self.first_at_or_before(lo, hi, t.saturating_sub(1))
    }
}

/// ISO-8601 UTC with milliseconds, the form MDCA uses for `resolveTime`, `lastSeen`, … (api.md §2).
pub fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        y,
        m,
        d,
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (also a bare date) into epoch ms.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if b.len() == 10 {
        return Some(ms);
    }
    if b.len() < 19 || !(b[10] == b'T' || b[10] == b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    ms += num(11..13)? * 3_600_000 + num(14..16)? * 60_000 + num(17..19)? * 1000;
    let mut pos = 19;
    if b.get(pos) == Some(&b'.') {
        let start = pos + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        let frac = s.get(start..end)?;
        if frac.is_empty() {
            return None;
        }
        let padded: String = frac.chars().chain("000".chars()).take(3).collect();
        ms += padded.parse::<i64>().ok()?;
        pos = end;
    }
    match s.get(pos..)? {
        "" | "Z" | "z" => Some(ms),
        tz if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) => {
            let off = num(pos + 1..pos + 3)? * 3_600_000 + num(pos + 4..pos + 6)? * 60_000;
            Some(if tz.starts_with('+') {
                ms - off
            } else {
                ms + off
            })
        }
        _ => None,
    }
}

// Howard Hinnant's civil-date algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips_and_accepts_offsets() {
        for ms in [0, 1_607_952_165_309, 1_700_000_000_123, -86_400_001] {
            assert_eq!(parse_iso(&iso(ms)), Some(ms), "{}", iso(ms));
        }
        assert_eq!(iso(1_607_952_165_309), "2020-12-14T13:22:45.309Z");
        assert_eq!(
            parse_iso("2020-12-14T14:22:45+01:00"),
            Some(1_607_952_165_000)
        );
        assert_eq!(parse_iso("2020-12-14"), Some(1_607_904_000_000));
        assert_eq!(parse_iso("yesterday"), None);
    }

    #[test]
    fn object_ids_encode_their_index() {
        for i in [-5, 0, 1, 999_999] {
            let id = object_id(42, 7, i, 1_700_000_000_000);
            assert!(is_object_id(&id));
            assert_eq!(object_id_index(&id), Some(i));
        }
        assert_ne!(object_id(42, 7, 3, 0), object_id(42, 8, 3, 0));
        assert_eq!(object_id_index("not-an-id"), None);
    }

    #[test]
    fn timeline_is_non_increasing_with_some_shared_milliseconds() {
        let t = Timeline {
            seed: 1,
            salt: 2,
            base: 1_700_000_000_000,
            gap: 2500,
            head_gap: 100,
        };
        let mut ties = 0;
        for i in -50..5000 {
            assert!(t.at(i) >= t.at(i + 1), "index {i}");
            if t.at(i) == t.at(i + 1) {
                ties += 1;
            }
        }
        assert!(ties > 100, "only {ties} ties");
        let target = t.at(1234);
        let first = t.first_at_or_before(0, 5000, target);
        assert!(first <= 1234 && t.at(first) == target && (first == 0 || t.at(first - 1) > target));
        assert_eq!(t.first_before(0, 5000, t.at(0) + 1), 0);
    }
}
