//! Entities: users and their accounts (api.md §9).
//!
//! Records come in blocks of four: index `4b` is user `b` (type 2, an Entra user, pk saas 11161), `4b+1`
//! its Exchange Online account, `4b+2` its OneDrive or SharePoint account, `4b+3` either its Google
//! Workspace account or — for one block in four — a standalone external guest account with no parent.
//! Accounts use the user's UPN as `id`, so `(id, saas)` is unique. `lastSeen` (ISO string) is the date axis.

use serde_json::{json, Value};

use super::people::{self, Person, EXCHANGE, GOOGLE, O365, ONEDRIVE, SHAREPOINT};
use super::rng::{hash, iso, object_id, object_id_index, Rng, Timeline};
use super::text::{self, Obj};
use super::{decode_pk, pk_json, read, Dataset, Entity};
use crate::filter::{FieldDef, FieldType as T, Getter, Op, Scalar};
use crate::list::{Axis, Key, SortDef, SortKey};

const SALT: u64 = 0xE171;

fn timeline(ds: &Dataset) -> Timeline {
    Timeline {
        seed: ds.seed(),
        salt: SALT,
        base: ds.origin_ms() - 3_600_000,
        gap: 30 * 60_000,
        head_gap: 60_000,
    }
}

/// Timestamp of index `i` on the date axis: stamped from the clock for records inserted live.
pub fn ts(ds: &Dataset, i: i64) -> i64 {
    if i < 0 {
        if let Some(t) = ds.head_ts(Entity::Entities, i) {
            return t;
        }
    }
    timeline(ds).at(i)
}

/// The generated timeline alone (no overlay): what `ts` is for records not inserted live.
pub(crate) fn generated_ts(ds: &Dataset, i: i64) -> i64 {
    timeline(ds).at(i)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    User,
    /// An app account; `parent` is the owning user block, `None` for standalone guests.
    Account {
        parent: Option<i64>,
        saas: i64,
    },
}

fn is_guest_block(ds: &Dataset, b: i64) -> bool {
    hash(ds.seed(), SALT, b, 3) % 4 == 0
}

fn second_app(ds: &Dataset, b: i64) -> i64 {
    if hash(ds.seed(), SALT, b, 2) % 2 == 0 {
        ONEDRIVE
    } else {
        SHAREPOINT
    }
}

pub fn kind(ds: &Dataset, i: i64) -> Kind {
    let i = ds.source(Entity::Entities, i);
    let b = i.div_euclid(4);
    match i.rem_euclid(4) {
        0 => Kind::User,
        1 => Kind::Account {
            parent: Some(b),
            saas: EXCHANGE,
        },
        2 => Kind::Account {
            parent: Some(b),
            saas: second_app(ds, b),
        },
        _ if is_guest_block(ds, b) => Kind::Account {
            parent: None,
            saas: O365,
        },
        _ => Kind::Account {
            parent: Some(b),
            saas: GOOGLE,
        },
    }
}

/// How many apps user `b` works in: Microsoft 365, Exchange, OneDrive or SharePoint, and Google
/// Workspace unless the block's fourth record is a guest.
pub fn user_app_count(ds: &Dataset, b: i64) -> u64 {
    if is_guest_block(ds, b) {
        3
    } else {
        4
    }
}

/// App `k` (< `user_app_count`) of user `b` (activities and alerts of that user use them).
pub fn user_app(ds: &Dataset, b: i64, k: u64) -> i64 {
    match k {
        0 => O365,
        1 => EXCHANGE,
        2 => second_app(ds, b),
        _ => GOOGLE,
    }
}

/// The Entra object id of user block `b`.
pub fn user_guid(ds: &Dataset, b: i64) -> String {
    Rng::at(ds.seed(), SALT ^ 0x6D1D, b).guid()
}

/// The entity-pk scalars of user `b`: its account in `app` and the user itself (activity/file owners).
pub fn user_pks(ds: &Dataset, b: i64, app: i64) -> Vec<Scalar> {
    vec![
        Scalar::pk(ds.person(b).upn.clone(), app, 0),
        Scalar::pk(user_guid(ds, b), O365, 0),
    ]
}

fn who(ds: &Dataset, i: i64) -> Person {
    let i = ds.source(Entity::Entities, i);
    let b = i.div_euclid(4);
    match kind(ds, i) {
        Kind::Account { parent: None, .. } => people::guest(ds.seed(), b),
        _ => ds.person(b).into_owned(),
    }
}

/// `(lower-cased id, saas)` of record `i`.
pub fn key(ds: &Dataset, i: i64) -> (String, i64) {
    let (id, saas) = id_saas(ds, i);
    (id.to_lowercase(), saas)
}

fn id_saas(ds: &Dataset, i: i64) -> (String, i64) {
    let i = ds.source(Entity::Entities, i);
    match kind(ds, i) {
        Kind::User => (user_guid(ds, i.div_euclid(4)), O365),
        Kind::Account { saas, .. } => (who(ds, i).upn, saas),
    }
}

/// Record index for a base64 pk or an `_id` (api.md §14 rule 25); `None` → 404.
pub fn index_of(ds: &Dataset, pk: &str) -> Option<i64> {
    let (lo, hi) = ds.range(Entity::Entities);
    if let Some(i) = object_id_index(pk)
        .map(|s| ds.current(Entity::Entities, s))
        .filter(|i| (lo..hi).contains(i))
    {
        return (record_id(ds, i) == pk.to_ascii_lowercase()).then_some(i);
    }
    let obj = decode_pk(pk)?;
    let id = match obj.get("id")? {
        Value::String(s) => s.to_lowercase(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let saas = obj.get("saas").and_then(|v| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let keys = read(&ds.entity_keys);
    let found = match saas {
        Some(s) => keys.get(&(id, s)).copied(),
        None => [O365, EXCHANGE, ONEDRIVE, SHAREPOINT, GOOGLE]
            .iter()
            .find_map(|s| keys.get(&(id.clone(), *s)).copied()),
    };
    found
        .map(|s| ds.current(Entity::Entities, s))
        .filter(|i| (lo..hi).contains(i))
}

/// `_id`: from the entity's identity and first `lastSeen`, so a status change does not change it.
fn record_id(ds: &Dataset, i: i64) -> String {
    let s = ds.source(Entity::Entities, i);
    object_id(ds.seed(), SALT, s, ts(ds, s))
}

/// The entity's `_id` (unchanged when it moves).
pub(crate) fn id_of(ds: &Dataset, i: i64) -> String {
    record_id(ds, i)
}

/// The status a mutation gave entity `source`, at this thread's instant.
fn status_override(ds: &Dataset, source: i64) -> Option<i64> {
    let o = read(&ds.overlay);
    if o.entity_status.is_empty() {
        return None;
    }
    o.entity_status
        .get(&source)
        .and_then(|v| super::live::version(v))
}

/// The entity's `status` now (the mutator's choice of a different one).
pub(crate) fn status(ds: &Dataset, i: i64) -> i64 {
    let s = ds.source(Entity::Entities, i);
    status_override(ds, s).unwrap_or_else(|| generated_status(ds, s))
}

fn generated_status(ds: &Dataset, s: i64) -> i64 {
    let mut r = Rng::at(ds.seed(), SALT, s);
    status_of(&mut r)
}

fn status_of(r: &mut Rng) -> i64 {
    match r.below(100) {
        0..=84 => 2,
        85..=89 => 3,
        90..=94 => 4,
        95..=97 => 1,
        _ => 0,
    }
}

const GROUPS: [(&str, &str); 4] = [
    (
        "Office 365 administrator",
        "Users with an administrative role in Office 365",
    ),
    ("External users", "Users outside the organization"),
    ("Finance team", "Members of the finance department"),
    ("Équipe Paris 🇫🇷", "Bureau de Paris"),
];

/// One `userGroups` item.
fn write_group(ds: &Dataset, g: usize, out: &mut Vec<u8>) {
    let id = object_id(ds.seed(), SALT ^ 0x6A0, g as i64, 1_500_000_000_000);
    let mut o = Obj::new(out);
    o.str("_id", &id)
        .str("description", GROUPS[g].1)
        .str("id", &id)
        .str("name", GROUPS[g].0)
        .uint("usersCount", 3 + (hash(ds.seed(), SALT, g as i64, 9) % 400));
    o.end();
}

/// Entity `i` as a `Value`, for filters on fields without a fast getter, sorts, trees and fetches.
pub fn record(ds: &Dataset, i: i64) -> Value {
    let mut out = Vec::with_capacity(2048);
    write(ds, i, &mut out);
    serde_json::from_slice(&out).expect("an entity record is JSON")
}

/// Entity `i` as compact JSON text, keys in byte order (see `text`).
pub fn write(ds: &Dataset, i: i64, out: &mut Vec<u8>) {
    let seed = ds.seed();
    let last_seen = ts(ds, i);
    let id_ = record_id(ds, i);
    // Everything but `lastSeen` and `status` comes from the entity's identity.
    let i = ds.source(Entity::Entities, i);
    let k = kind(ds, i);
    let b = i.div_euclid(4);
    let p = who(ds, i);
    let (id, saas) = id_saas(ds, i);
    let mut r = Rng::at(seed, SALT, i);
    let admin =
        hash(seed, SALT, b, 4) % 10 == 0 && !matches!(k, Kind::Account { parent: None, .. });
    let status = status_of(&mut r);
    let status = status_override(ds, i).unwrap_or(status);
    let groups: Vec<usize> = match k {
        Kind::Account { parent: None, .. } => vec![1],
        _ => {
            let mut g = Vec::new();
            if admin {
                g.push(0);
            }
            if hash(seed, SALT, b, 5) % 3 == 0 {
                g.push(2 + (b.rem_euclid(2)) as usize);
            }
            g
        }
    };
    let score = (!r.chance(1, 10)).then(|| r.below(100));
    let user = k == Kind::User;

    let mut o = Obj::new(out);
    o.str("_id", &id_)
        .raw("actions", "[]")
        .with("appData", |out| {
            let mut app = Obj::new(out);
            app.int("appId", saas)
                .int("instance", 0)
                .str("name", people::app_name(saas))
                .int("saas", saas);
            app.end();
        })
        .str("displayName", &p.display)
        .str("domain", people::domain_of(&p.upn))
        .str("email", &p.upn)
        .str("id", &id)
        .int("idType", if user { 1 } else { 2 })
        .with("identifiers", |out| {
            out.push(b'[');
            let mut ident = Obj::new(out);
            ident
                .str("id", &id)
                .int("inst", 0)
                .int("saas", saas)
                .str("type", "ACCOUNT");
            ident.end();
            out.push(b']');
        })
        .str("ii", &format!("{saas}|0|{id}"))
        .bool("isAdmin", admin);
    match k {
        Kind::Account { parent: None, .. } => o.bool("isExternal", true),
        Kind::Account { saas: GOOGLE, .. } => o.null("isExternal"),
        _ => o.bool("isExternal", false),
    };
    o.bool("isFake", false)
        .str("lastSeen", &iso(last_seen))
        .opt_str("organization", p.org_unit)
        .str(
            "role",
            if admin {
                "Global Administrator"
            } else {
                "User"
            },
        )
        .raw("scoreTrends", "{}")
        .int("sctime", last_seen);
    if user {
        let sid = format!(
            "S-1-5-21-{}-{}",
            1_000_000 + hash(seed, SALT, b, 6) % 8_999_999,
            1000 + b.rem_euclid(100_000)
        );
        o.str("sid", &sid);
    } else {
        o.null("sid");
    }
    o.int("status", status).raw("subApps", "[]");
    match score {
        Some(s) => o.uint("threatScore", s),
        None => o.null("threatScore"),
    };
    o.int("type", if user { 2 } else { 1 })
        .with("userGroups", |out| {
            text::array(out, groups, |out, g| write_group(ds, g, out))
        })
        .str("username", &pk_json(&id, saas, 0));
    o.end();
}

/// Children of user block `b` that exist in the current range.
fn accounts_of(ds: &Dataset, b: i64) -> Vec<i64> {
    let (lo, hi) = ds.range(Entity::Entities);
    (4 * b + 1..4 * b + 4)
        .filter(|i| (lo..hi).contains(i))
        .filter(|i| {
            matches!(
                kind(ds, *i),
                Kind::Account {
                    parent: Some(_),
                    ..
                }
            )
        })
        .collect()
}

pub fn tree(ds: &Dataset, i: i64) -> Option<Value> {
    let i = ds.source(Entity::Entities, i);
    let (lo, hi) = ds.range(Entity::Entities);
    let (user, accounts) = match kind(ds, i) {
        Kind::User => (Some(i), accounts_of(ds, i.div_euclid(4))),
        Kind::Account {
            parent: Some(b), ..
        } => {
            let u = 4 * b;
            ((lo..hi).contains(&u).then_some(u), accounts_of(ds, b))
        }
        Kind::Account { parent: None, .. } => (None, vec![i]),
    };
    // Records that moved (status changes) are shown where they live now.
    let now = |s: i64| record(ds, ds.current(Entity::Entities, s));
    Some(json!({
        "user": user.map(now),
        "accounts": accounts.into_iter().map(now).collect::<Vec<_>>(),
    }))
}

fn f_type(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(if kind(ds, i) == Kind::User { 2 } else { 1 })]
}

fn f_app(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(id_saas(ds, i).1)]
}

/// An entity matches its own pk and, for accounts, its parent user's ("a user also matches its
/// accounts", api.md §9).
fn f_entity(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let (id, saas) = id_saas(ds, i);
    let mut v = vec![Scalar::pk(id, saas, 0)];
    if let Kind::Account {
        parent: Some(b), ..
    } = kind(ds, i)
    {
        v.push(Scalar::pk(user_guid(ds, b), O365, 0));
    }
    v
}

fn f_last_seen(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(ts(ds, i))]
}

fn d_affiliation(r: &Value) -> Vec<Scalar> {
    match r["isExternal"] {
        Value::Bool(true) => vec![Scalar::Str("external".into())],
        Value::Bool(false) => vec![Scalar::Str("internal".into())],
        _ => vec![],
    }
}

const EQ: &[Op] = &[Op::Eq, Op::Neq];
const SET: &[Op] = &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset];

/// Filter fields (api.md §9); `service` and `affiliation` are the MCAS module's extras *(3p)*.
pub static FIELDS: [FieldDef<Dataset>; 14] = [
    FieldDef::new(&["type"], T::Int, EQ, Getter::Fast(f_type)),
    FieldDef::new(&["isAdmin"], T::Bool, &[Op::Eq], Getter::Json(&["isAdmin"])),
    FieldDef::new(&["entity"], T::Pk, EQ, Getter::Fast(f_entity)),
    FieldDef::new(
        &["userGroups"],
        T::Str,
        EQ,
        Getter::Json(&["userGroups.id", "userGroups.name"]),
    ),
    FieldDef::new(&["app", "service"], T::Int, EQ, Getter::Fast(f_app)),
    FieldDef::new(
        &["instance"],
        T::Int,
        EQ,
        Getter::Json(&["appData.instance"]),
    ),
    FieldDef::new(
        &["isExternal"],
        T::Bool,
        &[Op::Eq],
        Getter::Json(&["isExternal"]),
    ),
    FieldDef::new(&["domain"], T::Str, SET, Getter::Json(&["domain"])),
    FieldDef::new(
        &["organization"],
        T::Str,
        SET,
        Getter::Json(&["organization"]),
    ),
    FieldDef::new(
        &["lastSeen"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range, Op::Lt, Op::Gt],
        Getter::Fast(f_last_seen),
    ),
    FieldDef::new(&["status"], T::Str, EQ, Getter::Json(&["status"])),
    FieldDef::new(
        &["score"],
        T::Int,
        &[Op::Lt, Op::Gt, Op::Isset, Op::Isnotset],
        Getter::Json(&["threatScore"]),
    ),
    FieldDef::new(&["affiliation"], T::Str, EQ, Getter::Derived(d_affiliation)),
    FieldDef::new(
        &["displayName"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Contains, Op::Startswith, Op::Text],
        Getter::Json(&["displayName"]),
    ),
];

pub const AXIS: Axis = Axis {
    field: "lastSeen",
    ts,
};

fn k_score(r: &Value) -> Key {
    Key::Int(r["threatScore"].as_i64().unwrap_or(-1))
}

fn k_name(r: &Value) -> Key {
    Key::Str(r["displayName"].as_str().unwrap_or("").to_lowercase())
}

/// Sort fields (api.md §4.1): `date` and `lastSeen` are record order; `severity` is `threatScore` (no score
/// sorts lowest); `username` is the display name, case-insensitive.
pub static SORTS: [SortDef; 4] = [
    SortDef {
        name: "date",
        key: SortKey::Index,
    },
    SortDef {
        name: "lastSeen",
        key: SortKey::Index,
    },
    SortDef {
        name: "severity",
        key: SortKey::Json(k_score),
    },
    SortDef {
        name: "username",
        key: SortKey::Json(k_name),
    },
];
