//! Alerts (api.md §7) and the alert actions (api.md §14 rules 21–23). `timestamp` is the date axis (~90 min
//! apart). About a third of the generated alerts are already closed (legacy DISMISSED/RESOLVED included)
//! and carry an ISO `resolveTime`. Actions overlay a small per-index state map on the generated records.

use serde_json::{Map, Value};

use super::people::{self, PLACES};
use super::rng::{hash, iso, object_id, object_id_index, Rng, Timeline};
use super::text::{self, Obj};
use super::{
    entities, read, write as write_lock, CloseKind, CloseResult, DataError, Dataset, Entity,
};
use crate::filter::{invalid, FieldDef, FieldType as T, Getter, Op, Scalar};
use crate::list::{Axis, Key, SortDef, SortKey};

const SALT: u64 = 0xA1E7;

fn timeline(ds: &Dataset) -> Timeline {
    Timeline {
        seed: ds.seed(),
        salt: SALT,
        base: ds.origin_ms() - 3_600_000,
        gap: 90 * 60_000,
        head_gap: 60_000,
    }
}

/// Timestamp of index `i` on the date axis: stamped from the clock for records inserted live.
pub fn ts(ds: &Dataset, i: i64) -> i64 {
    if i < 0 {
        if let Some(t) = ds.head_ts(super::Entity::Alerts, i) {
            return t;
        }
    }
    timeline(ds).at(i)
}

/// The generated timeline alone (no overlay): what `ts` is for records not inserted live.
pub(crate) fn generated_ts(ds: &Dataset, i: i64) -> i64 {
    timeline(ds).at(i)
}

/// Mutable part of an alert, set by close/read/unread.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub resolution: Option<i64>,
    pub status: Option<i64>,
    pub comment: Option<String>,
    pub reason_id: Option<i64>,
    pub resolve_ms: Option<i64>,
}

/// (title, policyType, alertType code, stories, intent, is built-in)
type Policy = (
    &'static str,
    &'static str,
    i64,
    &'static [i64],
    &'static [i64],
    bool,
);

const POLICIES: [Policy; 6] = [
    (
        "Impossible travel activity",
        "ANOMALY_DETECTION",
        15_728_642,
        &[0],
        &[2],
        true,
    ),
    (
        "Activity from infrequent country",
        "ANOMALY_DETECTION",
        15_728_643,
        &[0],
        &[2],
        true,
    ),
    (
        "Mass download by a single user",
        "ANOMALY_DETECTION",
        15_728_644,
        &[0],
        &[11],
        true,
    ),
    (
        "Suspicious inbox forwarding",
        "ANOMALY_DETECTION",
        15_728_645,
        &[0],
        &[3, 11],
        true,
    ),
    (
        "Fichier public contenant des numéros de carte",
        "FILE",
        15_859_712,
        &[3, 5],
        &[11],
        false,
    ),
    (
        "Multiple failed login attempts 🔐",
        "ACTIVITY",
        15_859_713,
        &[0],
        &[6],
        false,
    ),
];

pub struct Attrs {
    pub severity: i64,
    pub resolution: i64,
    pub status: i64,
    pub policy: usize,
    pub user: i64,
    pub app: i64,
    pub score: i64,
    pub place: usize,
    pub ip: String,
}

pub fn attrs(ds: &Dataset, i: i64) -> Attrs {
    let mut r = Rng::at(ds.seed(), SALT, i);
    let severity = *r.pick(&[0, 0, 1, 1, 1, 2, 2, 3]);
    let resolution = match r.below(30) {
        0..=19 => 0,
        20..=22 => 3,
        23..=25 => 4,
        26..=27 => 5,
        28 => 1,
        _ => 2,
    };
    let status = if resolution != 0 || r.chance(2, 5) {
        1
    } else {
        0
    };
    let policy = r.below(POLICIES.len() as u64) as usize;
    let user = r.below(ds.user_blocks() as u64) as i64;
    let app = entities::user_app(ds, user, r.below(entities::user_app_count(ds, user)));
    Attrs {
        severity,
        resolution,
        status,
        policy,
        user,
        app,
        score: r.below(100) as i64,
        place: r.below(PLACES.len() as u64) as usize,
        ip: format!("198.51.100.{}", 1 + r.below(254)),
    }
}

/// The alert's state at this thread's instant (see `live::version`); `None` = as generated.
fn state(ds: &Dataset, i: i64) -> Option<State> {
    let map = read(&ds.alert_state);
    if map.is_empty() {
        None
    } else {
        map.get(&i).and_then(|v| super::live::version(v))
    }
}

/// Records a new version of alert `i`'s state, made by `change` from the current one, at `at`, and
/// journals it. Returns the resolution before and after.
pub(crate) fn change_state(
    ds: &Dataset,
    i: i64,
    at: i64,
    kind: super::live::MutationKind,
    change: impl FnOnce(&mut State),
) {
    let id = record_id(ds, i);
    let a = attrs(ds, i);
    let (before, after) = {
        let mut map = write_lock(&ds.alert_state);
        let versions = map.entry(i).or_default();
        let mut s = versions.last().map(|v| v.1.clone()).unwrap_or_default();
        let before = (
            s.resolution.unwrap_or(a.resolution),
            s.status.unwrap_or(a.status),
        );
        change(&mut s);
        let after = (
            s.resolution.unwrap_or(a.resolution),
            s.status.unwrap_or(a.status),
        );
        versions.push((at, s));
        (before, after)
    };
    let show = |(res, st): (i64, i64)| serde_json::json!({"resolutionStatusValue": res, "statusValue": st});
    ds.journal_push(super::live::Mutation {
        at_ms: at,
        entity: Entity::Alerts,
        kind,
        id,
        index: i,
        source: i,
        before: show(before),
        after: show(after),
    });
}

/// Whether alert `i` is open now (mutator's choice of what to close or reopen).
pub(crate) fn is_open(ds: &Dataset, i: i64) -> bool {
    resolution(ds, i) == 0
}

pub(crate) fn resolution_of(ds: &Dataset, i: i64) -> i64 {
    resolution(ds, i)
}

fn resolution(ds: &Dataset, i: i64) -> i64 {
    state(ds, i)
        .and_then(|s| s.resolution)
        .unwrap_or_else(|| attrs(ds, i).resolution)
}

fn status(ds: &Dataset, i: i64) -> i64 {
    state(ds, i)
        .and_then(|s| s.status)
        .unwrap_or_else(|| attrs(ds, i).status)
}

fn record_id(ds: &Dataset, i: i64) -> String {
    object_id(ds.seed(), SALT, i, ts(ds, i))
}

pub fn index_of(ds: &Dataset, pk: &str) -> Option<i64> {
    let i = object_id_index(pk)?;
    let (lo, hi) = ds.range(Entity::Alerts);
    ((lo..hi).contains(&i) && record_id(ds, i) == pk.to_ascii_lowercase()).then_some(i)
}

fn policy_id(ds: &Dataset, p: usize) -> String {
    object_id(ds.seed(), SALT ^ 0x9011, p as i64, 1_550_000_000_000)
}

/// Alert `i` as a `Value`, for filters on fields without a fast getter, sorts, actions and fetches.
pub fn record(ds: &Dataset, i: i64) -> Value {
    let mut out = Vec::with_capacity(4096);
    write(ds, i, &mut out);
    serde_json::from_slice(&out).expect("an alert record is JSON")
}

/// An `{"id","label","type"}` reference with a string id.
fn reference(out: &mut Vec<u8>, id: &str, label: &str, kind: &str) {
    let mut o = Obj::new(out);
    o.str("id", id).str("label", label).str("type", kind);
    o.end();
}

/// The account (`Source`) or user (`Related`) reference of an alert.
#[allow(clippy::too_many_arguments)]
fn party(
    out: &mut Vec<u8>,
    upn: &str,
    role: &str,
    entity_type: i64,
    id: &str,
    label: &str,
    saas: i64,
    kind: &str,
) {
    let mut o = Obj::new(out);
    o.str("em", upn)
        .str("entityRole", role)
        .int("entityType", entity_type)
        .str("id", id)
        .int("inst", 0)
        .str("label", label)
        .str("pa", upn)
        .int("saas", saas)
        .str("type", kind);
    o.end();
}

/// Alert `i` as compact JSON text, keys in byte order (see `text`), with any action state applied.
pub fn write(ds: &Dataset, i: i64, out: &mut Vec<u8>) {
    let seed = ds.seed();
    let a = attrs(ds, i);
    let st = state(ds, i).unwrap_or_default();
    let ts = ts(ds, i);
    let id = record_id(ds, i);
    let p = ds.person(a.user);
    let pol = POLICIES[a.policy];
    let place = PLACES[a.place];
    let resolution = st.resolution.unwrap_or(a.resolution);
    let status = st.status.unwrap_or(a.status);
    let mut r = Rng::at(seed, SALT ^ 0xD7A, i);
    let generated_resolve = ts + 600_000 + r.below(3 * 86_400_000) as i64;
    // A reopened alert has no resolve time any more.
    let resolve_ms = st
        .resolve_ms
        .or((a.resolution != 0).then_some(generated_resolve))
        .filter(|_| resolution != 0);
    let comment = st
        .comment
        .as_deref()
        .or((a.resolution != 0).then_some("Reviewed with the user — expected behaviour"));
    let policy_id = policy_id(ds, a.policy);
    let file = (pol.1 == "FILE").then(|| {
        let files = ds.base_count(Entity::Files).max(1);
        let f = (hash(seed, SALT, i, 3) % files as u64) as i64;
        (super::files::item_id(ds, f), super::files::name(ds, f))
    });

    let mut o = Obj::new(out);
    o.str("URL", &format!("{}/#/alerts/{id}", people::PORTAL))
        .str("_id", &id)
        .raw("audits", "[]")
        .opt_str("comment", comment)
        .str("contextId", ds.aad_tenant())
        .str(
            "description",
            &format!(
                "<p>{} ({}) from {}, {}.</p>",
                pol.0, p.display, place.2, place.1
            ),
        )
        .with("entities", |out| {
            out.push(b'[');
            party(
                out, &p.upn, "Source", 2, &p.upn, &p.display, a.app, "account",
            );
            out.push(b',');
            let user = entities::user_guid(ds, a.user);
            party(
                out,
                &p.upn,
                "Related",
                1,
                &user,
                &p.display,
                people::O365,
                "user",
            );
            out.push(b',');
            let mut service = Obj::new(out);
            service
                .int("id", a.app)
                .str("label", people::app_name(a.app))
                .str("type", "service");
            service.end();
            out.push(b',');
            let mut rule = Obj::new(out);
            rule.str("id", &policy_id)
                .str("label", pol.0)
                .str("policyType", pol.1)
                .str("type", "policyRule");
            rule.end();
            out.push(b',');
            reference(out, &a.ip, &a.ip, "ip");
            out.push(b',');
            reference(out, place.0, place.1, "country");
            if let Some((file_id, name)) = &file {
                out.push(b',');
                reference(out, file_id, name, "file");
            }
            out.push(b']');
        })
        .with("evidence", |out| {
            out.extend_from_slice(br#"[{"title":{"parameters":{"city":"#);
            text::string(out, place.2);
            out.extend_from_slice(br#","country":"#);
            text::string(out, place.1);
            out.extend_from_slice(br#"},"template":"EVIDENCE_LOCATION"}}]"#);
        });
    if resolution != 0 {
        o.str("handledByUser", &format!("admin@{}", people::DOMAIN));
    } else {
        o.null("handledByUser");
    }
    o.int("idValue", 15_000_000 + i)
        .with("intent", |out| text::put(out, pol.4))
        .bool("isMarkdown", true)
        .bool("isPreview", false)
        .bool("isSystemAlert", pol.5)
        .bool("is_open", resolution == 0)
        .with("policy", |out| {
            let mut po = Obj::new(out);
            po.str("id", &policy_id)
                .str("label", pol.0)
                .str("policyType", pol.1)
                .int("type", pol.2);
            po.end();
        });
    if let Some(reason) = st.reason_id {
        o.int("reasonId", reason);
    }
    o.int("resolutionStatusValue", resolution)
        .opt_str("resolveTime", resolve_ms.map(iso).as_deref())
        .int("severityValue", a.severity)
        .int("statusValue", status)
        .with("stories", |out| text::put(out, pol.3))
        .int("threatScore", a.score)
        .with("threatScoreReasoning", |out| {
            out.extend_from_slice(br#"[{"parameters":{"severity":"#);
            text::put(out, &a.severity);
            out.extend_from_slice(br#"},"template":"THREAT_SCORE_REASON_SEVERITY"}]"#);
        })
        .int("timestamp", ts)
        .str("title", pol.0);
    o.end();
}

/// Alert ids named in close filters (`id` or `ID`, `eq`), for `alertsNotFound`.
fn named_ids(filters: &Map<String, Value>) -> Vec<String> {
    ["id", "ID"]
        .iter()
        .filter_map(|k| filters.get(*k)?.get("eq"))
        .flat_map(|v| match v {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        })
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// close_benign / close_false_positive / close_true_positive (api.md §7, §14 rules 21–22). Like the real
/// service, empty filters close every alert (api.md §16 rule 39): protecting against that is the
/// client's job.
pub fn close(
    ds: &Dataset,
    filters: &Map<String, Value>,
    kind: CloseKind,
    comment: Option<&str>,
    reason_id: Option<i64>,
) -> Result<CloseResult, DataError> {
    let (code, reasons): (i64, &[i64]) = match kind {
        CloseKind::Benign => (4, &[2, 4, 5, 6]),
        CloseKind::FalsePositive => (3, &[0, 1, 3, 4]),
        CloseKind::TruePositive => (5, &[]),
    };
    let reason = match (kind, reason_id) {
        (CloseKind::TruePositive, _) | (_, None) => None,
        (_, Some(r)) if reasons.contains(&r) => Some(r),
        (_, Some(r)) => return Err(DataError::Validation(invalid(&r.to_string()))),
    };
    let (lo, hi) = ds.range(Entity::Alerts);
    let record = |i: i64| record(ds, i);
    let text = |i: i64, out: &mut Vec<u8>| ds.write_record(Entity::Alerts, i, out);
    let src = crate::list::Source {
        entity: Entity::Alerts,
        ds,
        now_ms: ds.now_ms(),
        generation: 0,
        lo,
        hi,
        fields: &FIELDS,
        record: &record,
        text: &text,
        axis: Some(AXIS),
        sorts: &SORTS,
        implicit: Vec::new(),
        cache: None,
    };
    let conds = src.compile(filters)?;
    let hits = src.matching(&conds);
    let not_found = named_ids(filters)
        .into_iter()
        .filter(|id| index_of(ds, id).is_none())
        .collect();
    let when = ds.now_ms();
    for i in &hits {
        change_state(ds, *i, when, super::live::MutationKind::Close, |s| {
            s.resolution = Some(code);
            s.comment = comment.map(str::to_string);
            s.reason_id = reason;
            s.resolve_ms = Some(when);
        });
    }
    Ok(CloseResult {
        closed: hits.len() as u64,
        not_found,
    })
}

/// read/unread (api.md §14 rule 23): `statusValue` 1/0; `None` → 404.
pub fn set_read(ds: &Dataset, pk: &str, read_flag: bool) -> Option<Value> {
    let i = index_of(ds, pk)?;
    change_state(ds, i, ds.now_ms(), super::live::MutationKind::Read, |s| {
        s.status = Some(i64::from(read_flag))
    });
    Some(record(ds, i))
}

fn refs_of<'a>(r: &'a Value, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    r["entities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |e| e["type"] == kind)
}

fn d_entity(r: &Value) -> Vec<Scalar> {
    ["account", "user"]
        .iter()
        .flat_map(|k| refs_of(r, k))
        .filter_map(|e| {
            Some(Scalar::pk(
                e["id"].as_str()?,
                e["saas"].as_i64().unwrap_or(-1),
                e["inst"].as_i64().unwrap_or(0),
            ))
        })
        .collect()
}
fn d_ip(r: &Value) -> Vec<Scalar> {
    refs_of(r, "ip")
        .filter_map(|e| Some(Scalar::Str(e["id"].as_str()?.to_string())))
        .collect()
}
fn d_service(r: &Value) -> Vec<Scalar> {
    refs_of(r, "service")
        .filter_map(|e| Some(Scalar::Int(e["id"].as_i64()?)))
        .collect()
}
fn d_instance(r: &Value) -> Vec<Scalar> {
    refs_of(r, "account")
        .filter_map(|e| Some(Scalar::Int(e["inst"].as_i64()?)))
        .collect()
}
fn d_policy(r: &Value) -> Vec<Scalar> {
    refs_of(r, "policyRule")
        .filter_map(|e| Some(Scalar::Str(e["id"].as_str()?.to_string())))
        .collect()
}
fn d_file(r: &Value) -> Vec<Scalar> {
    refs_of(r, "file")
        .filter_map(|e| Some(Scalar::Str(e["id"].as_str()?.to_string())))
        .collect()
}
fn d_source(r: &Value) -> Vec<Scalar> {
    let builtin = r["isSystemAlert"].as_bool().unwrap_or(false);
    vec![Scalar::Str(
        if builtin { "builtin" } else { "policy" }.into(),
    )]
}
fn d_resolution_date(r: &Value) -> Vec<Scalar> {
    r["resolveTime"]
        .as_str()
        .and_then(super::rng::parse_iso)
        .map(Scalar::Int)
        .into_iter()
        .collect()
}
fn f_open(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Bool(resolution(ds, i) == 0)]
}
fn f_severity(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).severity)]
}
fn f_resolution(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(resolution(ds, i))]
}
fn f_read(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Bool(status(ds, i) != 0)]
}
fn f_date(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(ts(ds, i))]
}
fn f_risk(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).score)]
}
fn f_alert_type(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(POLICIES[attrs(ds, i).policy].2)]
}
fn f_id(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(record_id(ds, i))]
}

const EQ: &[Op] = &[Op::Eq, Op::Neq];

/// Filter fields (api.md §7). `ID` and `id` are the same field and validate 24-hex ids (rule 19);
/// `risk` is `threatScore`, `alertType` the policy's type code, `source` is `builtin` or `policy`.
pub static FIELDS: [FieldDef<Dataset>; 16] = [
    FieldDef::new(&["entity.entity"], T::Pk, EQ, Getter::Derived(d_entity)),
    FieldDef::new(&["entity.ip"], T::Str, EQ, Getter::Derived(d_ip)),
    FieldDef::new(&["entity.service"], T::Int, EQ, Getter::Derived(d_service)),
    FieldDef::new(
        &["entity.instance"],
        T::Int,
        EQ,
        Getter::Derived(d_instance),
    ),
    FieldDef::new(&["entity.policy"], T::Str, EQ, Getter::Derived(d_policy)),
    FieldDef::new(&["entity.file"], T::Str, EQ, Getter::Derived(d_file)),
    FieldDef::new(&["alertOpen"], T::Bool, &[Op::Eq], Getter::Fast(f_open)),
    FieldDef::new(&["severity"], T::Int, EQ, Getter::Fast(f_severity)),
    FieldDef::new(
        &["resolutionStatus"],
        T::Int,
        EQ,
        Getter::Fast(f_resolution),
    ),
    FieldDef::new(&["read"], T::Bool, &[Op::Eq], Getter::Fast(f_read)),
    FieldDef::new(
        &["date"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range, Op::LteNdays, Op::GteNdays],
        Getter::Fast(f_date),
    ),
    FieldDef::new(
        &["resolutionDate"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range],
        Getter::Derived(d_resolution_date),
    ),
    FieldDef::new(&["risk"], T::Int, EQ, Getter::Fast(f_risk)),
    FieldDef::new(&["alertType"], T::Int, EQ, Getter::Fast(f_alert_type)),
    FieldDef::new(&["ID", "id"], T::ObjectId, EQ, Getter::Fast(f_id)),
    FieldDef::new(&["source"], T::Str, &[Op::Eq], Getter::Derived(d_source)),
];

pub const AXIS: Axis = Axis { field: "date", ts };

fn k_severity(ds: &Dataset, i: i64) -> Key {
    Key::Int(attrs(ds, i).severity)
}

/// Sort fields (api.md §4.1): `date` (record order) and `severity` (`severityValue`).
pub static SORTS: [SortDef; 2] = [
    SortDef {
        name: "date",
        key: SortKey::Index,
    },
    SortDef {
        name: "severity",
        key: SortKey::Fast(k_severity),
    },
];

/// The alert's `_id`.
pub(crate) fn id_of(ds: &Dataset, i: i64) -> String {
    record_id(ds, i)
}
