//! Data enrichment IP ranges (api.md §10, §14 rule 26). Unlike the other entities subnets are few and
//! mutable, so they are kept as materialised records, newest first (generated ones, then creations
//! and head inserts in front). `lastModified` is an epoch-ms float like the documented sample.
//!
//! Create/update validate: `name` a non-empty string unique among ranges (case-insensitive), `category`
//! an int 1–6, `subnets` a non-empty list of CIDR strings (IPv4 or IPv6; a bare address is /32 or /128);
//! optional `organization` (string or null) and `tags` (list of strings: tag names or ids). A failure is
//! the rule-19 body naming the bad value (the field name when it is missing). IPv4 ranges are stored as
//! IPv4-mapped IPv6 network addresses, fully expanded, with `mask` = prefix + 96, the input kept in
//! `originalString`.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{json, Value};

use super::people::{self, PLACES};
use super::rng::{object_id, Rng};
use super::{read, wall_ms, write, DataError, Dataset, Entity};
use crate::filter::{invalid, invalid_value, FieldDef, FieldType as T, Getter, Op};
use crate::list::{Key, SortDef, SortKey, Source};

const SALT: u64 = 0x5B4E;

#[derive(Default)]
pub struct Store {
    pub records: Vec<Value>,
    /// Counter for ids of created ranges.
    pub created: i64,
}

/// (name, category, place index)
const NAMES: [(&str, i64, usize); 12] = [
    ("Paris HQ", 1, 2),
    ("Redmond campus", 1, 0),
    ("VPN egress", 4, 0),
    ("Azure egress", 5, 0),
    ("Tokyo office 東京", 1, 3),
    ("São Paulo branch", 1, 4),
    ("Admin jump hosts", 2, 1),
    ("Known bad proxies", 3, 7),
    ("Kraków lab", 1, 6),
    ("Lagos office", 1, 7),
    ("Guest Wi-Fi", 6, 5),
    ("München R&D", 1, 1),
];

impl Store {
    pub fn generate(ds: &Dataset, n: u64) -> Store {
        Store {
            records: (0..n.min(1 << 20) as i64)
                .map(|i| generated(ds, i))
                .collect(),
            created: 0,
        }
    }
}

fn tag(ds: &Dataset, name: &str) -> Value {
    let id = object_id(
        ds.seed(),
        SALT ^ 0x7A6,
        (fold(name) & 0xFFFF) as i64,
        1_600_000_000_000,
    );
    json!({
        "_id": id, "id": id, "name": name, "description": "",
        "nameTemplate": {"template": name}, "descriptionTemplate": {"template": ""},
        "target": 1, "type": 0, "visibility": 0, "status": 0, "_tid": people::tenant_id(ds.seed()),
    })
}

fn fold(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01B3)
    })
}

fn generated(ds: &Dataset, i: i64) -> Value {
    let seed = ds.seed();
    let (base_name, category, place) = NAMES[i.rem_euclid(NAMES.len() as i64) as usize];
    let name = if i < 0 {
        format!("Branch office n{}", -i)
    } else if i < NAMES.len() as i64 {
        base_name.to_string()
    } else {
        format!("{base_name} {}", i / NAMES.len() as i64 + 1)
    };
    let mut r = Rng::at(seed, SALT, i);
    let mut cidrs = vec![match category {
        1 | 2 | 6 => format!("10.{}.{}.0/24", i.rem_euclid(256), r.below(256)),
        3 => format!("198.51.100.{}/32", 1 + r.below(254)),
        4 => format!("203.0.113.{}/28", r.below(16) * 16),
        _ => format!("52.{}.0.0/16", r.below(256)),
    }];
    if r.chance(1, 3) {
        cidrs.push(format!("2001:db8:{:x}::/48", i.rem_euclid(0xFFFF)));
    }
    let tags: Vec<&str> = match category {
        4 => vec!["VPN"],
        5 => vec!["Azure", "Cloud"],
        _ if r.chance(1, 2) => vec!["Corporate"],
        _ => vec![],
    };
    let ms = ds.origin_ms() - 3_600_000 - i * 86_400_000 - r.below(86_400_000) as i64;
    build(
        ds,
        object_id(seed, SALT, i, ms),
        &name,
        category,
        &cidrs,
        Some(if category == 5 {
            "Microsoft Azure"
        } else {
            "Contoso"
        }),
        &tags,
        place,
        category == 5,
        ms as f64 + (r.below(10_000) as f64) / 10_000.0,
    )
    .expect("generated ranges are valid")
}

#[allow(clippy::too_many_arguments)]
fn build(
    ds: &Dataset,
    id: String,
    name: &str,
    category: i64,
    cidrs: &[String],
    organization: Option<&str>,
    tags: &[&str],
    place: usize,
    built_in: bool,
    last_modified: f64,
) -> Result<Value, DataError> {
    let subnets = cidrs
        .iter()
        .map(|c| parse_cidr(c).ok_or_else(|| DataError::Validation(invalid(c))))
        .collect::<Result<Vec<_>, _>>()?;
    let p = PLACES[place];
    Ok(json!({
        "_id": id,
        "_tid": people::tenant_id(ds.seed()),
        "name": name,
        "subnets": subnets,
        "location": {"name": p.2, "latitude": p.5, "longitude": p.6, "countryCode": p.0, "countryName": p.1},
        "organization": organization,
        "tags": tags.iter().map(|t| tag(ds, t)).collect::<Vec<_>>(),
        "category": category,
        "builtIn": built_in,
        "lastModified": last_modified,
    }))
}

/// `"197.198.192.20/16"` → `{"mask":112,"address":"0000:…:ffff:c5c6:0000","originalString":…}`.
pub fn parse_cidr(s: &str) -> Option<Value> {
    let (addr, prefix) = match s.trim().split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
        None => (s.trim(), None),
    };
    let (net, mask) = if let Ok(v4) = addr.parse::<Ipv4Addr>() {
        let p = prefix.unwrap_or(32);
        if p > 32 {
            return None;
        }
        let bits = u32::from(v4) & u32::MAX.checked_shl(32 - p).unwrap_or(0);
        (Ipv4Addr::from(bits).to_ipv6_mapped(), p + 96)
    } else {
        let v6 = addr.parse::<Ipv6Addr>().ok()?;
        let p = prefix.unwrap_or(128);
        if p > 128 {
            return None;
        }
        let bits = u128::from(v6) & u128::MAX.checked_shl(128 - p).unwrap_or(0);
        (Ipv6Addr::from(bits), p)
    };
    let address = net
        .segments()
        .iter()
        .map(|g| format!("{g:04x}"))
        .collect::<Vec<_>>()
        .join(":");
    Some(json!({"mask": mask, "address": address, "originalString": s}))
}

/// A validated create/update body.
struct Spec {
    name: String,
    category: i64,
    cidrs: Vec<String>,
    organization: Option<String>,
    tags: Vec<String>,
}

fn parse_body(body: &Value) -> Result<Spec, DataError> {
    let bad = |v: &Value| DataError::Validation(invalid_value(v));
    let missing = |k: &str| DataError::Validation(invalid(k));
    let name = match body.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(v) => return Err(bad(v)),
        None => return Err(missing("name")),
    };
    let category = match body.get("category") {
        Some(v) => crate::filter::parse_value(T::Int, v)
            .ok()
            .and_then(|s| match s {
                crate::filter::Scalar::Int(c) if (1..=6).contains(&c) => Some(c),
                _ => None,
            })
            .ok_or_else(|| bad(v))?,
        None => return Err(missing("category")),
    };
    let cidrs = match body.get("subnets") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(v)))
            .collect::<Result<_, _>>()?,
        Some(v) => return Err(bad(v)),
        None => return Err(missing("subnets")),
    };
    let organization = match body.get("organization") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
        Some(v) => return Err(bad(v)),
    };
    let tags = match body.get("tags") {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(v)))
            .collect::<Result<_, _>>()?,
        Some(v) => return Err(bad(v)),
    };
    Ok(Spec {
        name,
        category,
        cidrs,
        organization,
        tags,
    })
}

fn same_name(r: &Value, name: &str) -> bool {
    r["name"]
        .as_str()
        .is_some_and(|n| n.to_lowercase() == name.to_lowercase())
}

fn from_spec(ds: &Dataset, id: String, s: &Spec, place: usize) -> Result<Value, DataError> {
    let tags: Vec<&str> = s.tags.iter().map(String::as_str).collect();
    build(
        ds,
        id,
        &s.name,
        s.category,
        &s.cidrs,
        s.organization.as_deref(),
        &tags,
        place,
        false,
        wall_ms().max(ds.now_ms()) as f64,
    )
}

/// create_rule: the new id (api.md §14 rule 26).
pub fn create(ds: &Dataset, body: &Value) -> Result<String, DataError> {
    let spec = parse_body(body)?;
    let mut store = write(&ds.subnets);
    if store.records.iter().any(|r| same_name(r, &spec.name)) {
        return Err(DataError::Validation(invalid(&spec.name)));
    }
    let n = store.created;
    let id = object_id(ds.seed(), SALT ^ 0xC8EA7E, n, wall_ms());
    let rec = from_spec(ds, id.clone(), &spec, (n as usize) % PLACES.len())?;
    store.created += 1;
    store.records.insert(0, rec);
    Ok(id)
}

fn position(store: &Store, id: &str) -> Option<usize> {
    store.records.iter().position(|r| {
        r["_id"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(id))
    })
}

/// update_rule replaces the whole record, keeping its id and place (api.md §10 "not a partial update").
pub fn update(ds: &Dataset, id: &str, body: &Value) -> Result<Value, DataError> {
    let mut store = write(&ds.subnets);
    let at = position(&store, id).ok_or(DataError::NotFound)?;
    let spec = parse_body(body)?;
    if store
        .records
        .iter()
        .enumerate()
        .any(|(k, r)| k != at && same_name(r, &spec.name))
    {
        return Err(DataError::Validation(invalid(&spec.name)));
    }
    let old = &store.records[at];
    let place = PLACES
        .iter()
        .position(|p| old["location"]["countryCode"] == p.0 && old["location"]["name"] == p.2)
        .unwrap_or(0);
    let keep_id = old["_id"].as_str().unwrap_or(id).to_string();
    let rec = from_spec(ds, keep_id, &spec, place)?;
    store.records[at] = rec.clone();
    Ok(rec)
}

pub fn delete(ds: &Dataset, id: &str) -> Result<(), DataError> {
    let mut store = write(&ds.subnets);
    let at = position(&store, id).ok_or(DataError::NotFound)?;
    store.records.remove(at);
    Ok(())
}

pub fn fetch(ds: &Dataset, id: &str) -> Option<Value> {
    let store = read(&ds.subnets);
    position(&store, id).map(|k| store.records[k].clone())
}

/// Prepends `count` generated ranges (indices -1, -2, …), newest first; returns the new count.
pub fn insert_head(ds: &Dataset, count: i64) -> u64 {
    let count = count.min(1 << 16);
    let mut store = write(&ds.subnets);
    let old =
        ds.heads[Entity::Subnets.slot()].fetch_add(count, std::sync::atomic::Ordering::SeqCst);
    let fresh: Vec<Value> = (old + 1..=old + count)
        .rev()
        .map(|j| generated(ds, -j))
        .collect();
    store.records.splice(0..0, fresh);
    store.records.len() as u64
}

pub fn source<'a>(
    ds: &'a Dataset,
    snapshot: &'a [Value],
    record: &'a dyn Fn(i64) -> Value,
    text: &'a dyn Fn(i64, &mut Vec<u8>),
) -> Source<'a> {
    Source {
        entity: Entity::Subnets,
        ds,
        now_ms: ds.now_ms(),
        generation: 0,
        lo: 0,
        hi: snapshot.len() as i64,
        fields: &FIELDS,
        record,
        text,
        axis: None,
        sorts: &SORTS,
        implicit: Vec::new(),
        cache: None,
    }
}

const EQ: &[Op] = &[Op::Eq, Op::Neq];

/// Filter fields (api.md §10); `tags` matches tag ids or names; `name` is an extra.
pub static FIELDS: [FieldDef<Dataset>; 4] = [
    FieldDef::new(&["category"], T::Int, EQ, Getter::Json(&["category"])),
    FieldDef::new(
        &["tags"],
        T::Str,
        EQ,
        Getter::Json(&["tags.id", "tags.name"]),
    ),
    FieldDef::new(&["builtIn"], T::Bool, &[Op::Eq], Getter::Json(&["builtIn"])),
    FieldDef::new(
        &["name"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Contains, Op::Startswith],
        Getter::Json(&["name"]),
    ),
];

fn k_category(r: &Value) -> Key {
    Key::Int(r["category"].as_i64().unwrap_or(0))
}
fn k_tags(r: &Value) -> Key {
    Key::Str(r["tags"][0]["name"].as_str().unwrap_or("").to_lowercase())
}
fn k_name(r: &Value) -> Key {
    Key::Str(r["name"].as_str().unwrap_or("").to_lowercase())
}

/// Sort fields (api.md §4.1): `category`, `tags` (first tag's name), `name`; the default (`date`) is
/// store order, newest first.
pub static SORTS: [SortDef; 4] = [
    SortDef {
        name: "date",
        key: SortKey::Index,
    },
    SortDef {
        name: "category",
        key: SortKey::Json(k_category),
    },
    SortDef {
        name: "tags",
        key: SortKey::Json(k_tags),
    },
    SortDef {
        name: "name",
        key: SortKey::Json(k_name),
    },
];
