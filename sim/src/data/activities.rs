//! Activities (api.md §6). `_id` is `"<tenantId>_<appId>_<guid>"` whose last guid group encodes the
//! index, so a fetch needs no lookup table. `timestamp` (the `date` filter) is the date axis, ~2.5 s
//! apart (a million activities span about 29 days); `created` lags it by up to two minutes.

use serde_json::{json, Value};

use super::people::{self, PLACES};
use super::rng::{hash, Rng, Timeline};
use super::text::{strings, Obj};
use super::{entities, read, write as write_lock, Dataset};
use crate::filter::{FieldDef, FieldType as T, Getter, Op, Scalar};
use crate::list::{Axis, Key, SortDef, SortKey};

const SALT: u64 = 0xAC71;
const INDEX_BIAS: i64 = 1 << 40;

fn timeline(ds: &Dataset) -> Timeline {
    Timeline {
        seed: ds.seed(),
        salt: SALT,
        base: ds.origin_ms() - 3_600_000,
        gap: 2_500,
        head_gap: 100,
    }
}

/// Timestamp of index `i` on the date axis: stamped from the clock for records inserted live.
pub fn ts(ds: &Dataset, i: i64) -> i64 {
    if i < 0 {
        if let Some(t) = ds.head_ts(super::Entity::Activities, i) {
            return t;
        }
    }
    timeline(ds).at(i)
}

/// The generated timeline alone (no overlay): what `ts` is for records not inserted live.
pub(crate) fn generated_ts(ds: &Dataset, i: i64) -> i64 {
    timeline(ds).at(i)
}

/// (category, type value, description, actionType, eventType code, admin event, touches a file)
type Event = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    bool,
    bool,
);

const EVENTS: [Event; 9] = [
    (
        "EVENT_CATEGORY_LOGIN",
        "EVENT_O365_LOGIN",
        "Log on",
        "UserLoggedIn",
        20,
        false,
        false,
    ),
    (
        "EVENT_CATEGORY_LOGIN",
        "EVENT_O365_LOGIN",
        "Log on",
        "UserLoggedIn",
        20,
        false,
        false,
    ),
    (
        "EVENT_CATEGORY_FAILED_LOGIN",
        "EVENT_O365_FAILED_LOGIN",
        "Failed log on",
        "UserLoginFailed",
        21,
        false,
        false,
    ),
    (
        "EVENT_CATEGORY_DOWNLOAD_FILE",
        "EVENT_O365_ONEDRIVE_GENERIC",
        "Download file",
        "FileDownloaded",
        3300,
        false,
        true,
    ),
    (
        "EVENT_CATEGORY_UPLOAD_FILE",
        "EVENT_O365_ONEDRIVE_GENERIC",
        "Upload file",
        "FileUploaded",
        3301,
        false,
        true,
    ),
    (
        "EVENT_CATEGORY_SHARE_FILE",
        "EVENT_O365_SHAREPOINT_SHARE",
        "Share file",
        "SharingSet",
        3302,
        false,
        true,
    ),
    (
        "EVENT_CATEGORY_SEND_MAIL",
        "EVENT_O365_EXCHANGE_SEND",
        "Send message",
        "Send",
        4000,
        false,
        false,
    ),
    (
        "EVENT_CATEGORY_CHANGE_ROLE",
        "EVENT_O365_AAD_ADD_ROLE_MEMBER",
        "Add member to role",
        "Add member to role.",
        5000,
        true,
        false,
    ),
    (
        "EVENT_CATEGORY_MAILBOX_RULE",
        "EVENT_O365_EXCHANGE_NEW_INBOX_RULE",
        "Create inbox rule",
        "New-InboxRule",
        4100,
        true,
        false,
    ),
];

/// (deviceType, family, browser, os, user agent)
const AGENTS: [(&str, &str, &str, &str, &str); 4] = [
    ("DESKTOP", "CHROME", "Chrome", "Windows 10", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"),
    ("MOBILE", "MOBILE_SAFARI", "Mobile Safari", "iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"),
    ("TABLET", "SAMSUNG_BROWSER", "Samsung Internet", "Android", "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 SamsungBrowser/23.0 Safari/537.36"),
    ("OTHER", "OTHER", "PowerShell", "Windows", "Microsoft WinRM Client"),
];

const SOURCES: [i64; 8] = [2, 2, 2, 3, 1, 0, 5, 6];

/// The attributes filters need, computed from one short hash stream (no JSON).
pub struct Attrs {
    pub user: i64,
    pub app: i64,
    pub event: usize,
    pub place: usize,
    pub agent: usize,
    pub source: i64,
    ip_kind: u64,
    octets: [u64; 3],
    pub ip_category: i64,
    pub lag: i64,
}

impl Attrs {
    /// `device.clientIP`: corporate 10/8, documentation ranges for risky and VPN, Azure-like 52/8,
    /// an IPv6 documentation address, or a consumer ISP.
    pub fn ip(&self) -> String {
        let [a, b, c] = self.octets;
        match self.ip_kind {
            0..=3 => format!("10.{a}.{b}.{c}"),
            4 => format!("198.51.100.{c}"),
            5 => format!("203.0.113.{c}"),
            6 | 7 => format!("52.{a}.{b}.{c}"),
            8 => format!("2001:db8:{a:x}::{c:x}"),
            _ => format!("85.{a}.{b}.{c}"),
        }
    }
}

pub fn attrs(ds: &Dataset, i: i64) -> Attrs {
    let mut r = Rng::at(ds.seed(), SALT, i);
    let user = r.below(ds.user_blocks() as u64) as i64;
    let app = entities::user_app(ds, user, r.below(entities::user_app_count(ds, user)));
    let event = r.below(EVENTS.len() as u64) as usize;
    let place = r.below(PLACES.len() as u64) as usize;
    let agent = r.below(AGENTS.len() as u64) as usize;
    let source = *r.pick(&SOURCES);
    let octets = [r.below(256), r.below(256), 1 + r.below(254)];
    let ip_kind = r.below(10);
    let ip_category = match ip_kind {
        0..=3 => 1,
        4 => 3,
        5 => 4,
        6 | 7 => 5,
        _ => 6,
    };
    Attrs {
        user,
        app,
        event,
        place,
        agent,
        source,
        ip_kind,
        octets,
        ip_category,
        lag: r.below(120_000) as i64,
    }
}

fn guid(ds: &Dataset, i: i64) -> String {
    let h = Rng::at(ds.seed(), SALT ^ 0x91D, i).hex(20);
    format!(
        "{}-{}-{}-{}-{:012x}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        (i + INDEX_BIAS) as u64 & 0xFFFF_FFFF_FFFF
    )
}

fn id(ds: &Dataset, i: i64, app: i64) -> String {
    format!("{}_{}_{}", people::tenant_id(ds.seed()), app, guid(ds, i))
}

/// Record index of an activity `_id`, or `None` (→ 404).
pub fn index_of(ds: &Dataset, pk: &str) -> Option<i64> {
    let g = pk.rsplit('_').next()?;
    if g.len() != 36 {
        return None;
    }
    let i = i64::from_str_radix(g.get(24..)?, 16).ok()? - INDEX_BIAS;
    let (lo, hi) = ds.range(super::Entity::Activities);
    ((lo..hi).contains(&i) && id(ds, i, attrs(ds, i).app) == pk).then_some(i)
}

/// Activity `i` as a `Value`, for filters on fields without a fast getter, sorts and fetches by id.
pub fn record(ds: &Dataset, i: i64) -> Value {
    let mut out = Vec::with_capacity(4096);
    write(ds, i, &mut out);
    serde_json::from_slice(&out).expect("an activity record is JSON")
}

/// One compact entity reference of `entityData`.
fn entity_ref(out: &mut Vec<u8>, id: &str, saas: i64, display: &str, kind: &str) {
    let mut o = Obj::new(out);
    o.str("displayName", display)
        .str("id", id)
        .int("inst", 0)
        .int("saas", saas)
        .str("type", kind);
    o.end();
}

/// One `mainInfo.eventObjects` item.
fn event_object(out: &mut Vec<u8>, id: &str, name: &str, obj_type: i64, role: i64, app: i64) {
    let mut o = Obj::new(out);
    o.str("id", id)
        .int("instanceId", 0)
        .str("name", name)
        .int("objType", obj_type)
        .int("role", role)
        .int("saasId", app)
        .raw("tags", "[]");
    o.end();
}

/// Activity `i` as compact JSON text, keys in byte order (see `text`).
pub fn write(ds: &Dataset, i: i64, out: &mut Vec<u8>) {
    let seed = ds.seed();
    let a = attrs(ds, i);
    let ts = ts(ds, i);
    let created = ts + a.lag;
    let p = ds.person(a.user);
    let ip = a.ip();
    let ev = EVENTS[a.event];
    let place = PLACES[a.place];
    let agent = AGENTS[a.agent];
    let guid = guid(ds, i);
    let tid = people::tenant_id(seed);
    let id = format!("{tid}_{}_{guid}", a.app);
    let aad = ds.aad_tenant();
    let mut r = Rng::at(seed, SALT ^ 0xD7A, i);
    let app_name = people::app_name(a.app);
    let user_guid = entities::user_guid(ds, a.user);
    // The draws from `r` keep their historical order: file, taken action, impersonation.
    let file = ev.6.then(|| {
        let files = ds.base_count(super::Entity::Files).max(1);
        let f = r.below(files as u64) as i64;
        let name = super::files::name(ds, f);
        let url = format!(
            "https://contoso-my.sharepoint.com/personal/{}/Documents/{}",
            p.upn.replace(['@', '.'], "_"),
            name
        );
        (super::files::item_id(ds, f), name, url)
    });
    let taken = (a.source == 1 && r.chance(1, 3)).then(|| *r.pick(&["block", "proxy", "protect"]));
    let impersonated = r.chance(1, 50);
    let category = ev.0.trim_start_matches("EVENT_CATEGORY_");

    let mut o = Obj::new(out);
    o.str("_id", &id)
        .str("aadTenantId", aad)
        .str("actionType", ev.3)
        .bool("adminEvent", ev.5)
        .raw("alertIds", "[]")
        .int("appId", a.app)
        .str("appName", app_name)
        .raw("classifications", "[]")
        .with("collected", |out| {
            let mut c = Obj::new(out);
            c.with("o365", |out| {
                let mut o365 = Obj::new(out);
                o365.int("blobCreated", created)
                    .str("blobId", &format!("{:016x}", hash(seed, SALT, i, 12)));
                o365.end();
            });
            c.end();
        })
        .int("confidenceLevel", 30)
        .int("created", created)
        .int("createdRaw", created)
        .str(
            "description",
            &format!("{} {} in {}", p.display, ev.2.to_lowercase(), app_name),
        )
        .str("description_id", &format!("{}_DESCRIPTION", ev.1))
        .with("device", |out| {
            let mut d = Obj::new(out);
            d.str("clientIP", &ip)
                .str("countryCode", place.0)
                .raw("tags", if a.agent == 0 { r#"["managed"]"# } else { "[]" })
                .str("type", agent.0)
                .str("userAgent", agent.4);
            d.end();
        })
        .with("entityData", |out| {
            let account = |out: &mut Vec<u8>| entity_ref(out, &p.upn, a.app, &p.display, "account");
            let user =
                |out: &mut Vec<u8>| entity_ref(out, &user_guid, people::O365, &p.display, "user");
            if i.rem_euclid(2) == 0 {
                out.push(b'[');
                account(out);
                out.push(b',');
                user(out);
                out.push(b']');
            } else {
                // Captured responses also show entityData as an object keyed "0", "1", … (api.md §6).
                let mut e = Obj::new(out);
                e.with("0", account).with("1", user).null("2");
                e.end();
            }
        })
        .int("eventType", ev.4)
        .str("eventTypeName", ev.0)
        .str("eventTypeValue", ev.1);
    if let Some(f) = read(&ds.feedback).get(&i) {
        o.value("feedback", f);
    }
    o.raw("fileLabels", "[]")
        .str(
            "genericEventType",
            &format!("ENUM_ACTIVITY_GENERIC_TYPE_{category}"),
        )
        .bool("impersonated", impersonated)
        .int("instantiation", created + 1_000)
        .int("instantiationRaw", created + 1_000)
        .with("internals", |out| {
            let mut n = Obj::new(out);
            n.raw(
                "ipTags",
                if a.ip_category == 5 {
                    r#"["Azure"]"#
                } else {
                    "[]"
                },
            )
            .raw("otherIPs", "[]");
            n.end();
        })
        .with("location", |out| {
            let mut l = Obj::new(out);
            l.bool("anonymousProxy", false)
                .int("category", a.ip_category)
                .str("categoryValue", people::ip_category_name(a.ip_category))
                .str("city", place.2)
                .str("countryCode", place.0)
                .bool("isSatelliteProvider", false)
                .float("latitude", place.5)
                .float("longitude", place.6)
                .str(
                    "organizationSearchable",
                    if a.ip_category == 5 {
                        "Microsoft Azure"
                    } else {
                        "Contoso ISP"
                    },
                )
                .str("region", place.3)
                .str("regionCode", place.4);
            l.end();
        })
        .with("mainInfo", |out| {
            let mut m = Obj::new(out);
            m.with("eventObjects", |out| {
                out.push(b'[');
                event_object(out, &p.upn, &p.display, 21, 4, a.app);
                if let Some((file_id, name, _)) = &file {
                    out.push(b',');
                    event_object(out, file_id, name, 1, 3, a.app);
                }
                out.push(b']');
            })
            .str("prettyOperationName", ev.2)
            .str("rawOperationName", ev.3)
            .str("type", &category.to_lowercase());
            m.end();
        })
        .raw("policies", "[]")
        .with("rawDataJson", |out| {
            let mut w = Obj::new(out);
            w.str("ClientIP", &ip)
                .str("CreationTime", super::rng::iso(ts).trim_end_matches('Z'))
                .str("Id", &guid)
                .opt_str("ObjectId", file.as_ref().map(|f| f.2.as_str()))
                .str("Operation", ev.3)
                .str("OrganizationId", aad)
                .int("RecordType", 15)
                .str("UserId", &p.upn)
                .str("Workload", app_name);
            w.end();
        })
        .with("resolvedActor", |out| {
            let mut act = Obj::new(out);
            act.str("id", &p.upn)
                .int("instanceId", 0)
                .str("name", &p.display)
                .int("objType", 21)
                .bool("resolved", true)
                .int("role", 4)
                .int("saasId", a.app)
                .raw("tags", "[]");
            act.end();
        })
        .int("saasId", a.app)
        .str("severity", "INFO")
        .int("source", a.source)
        .int("srcAppId", a.app)
        .opt_str("takenAction", taken)
        .int("tenantId", tid)
        .int("timestamp", ts)
        .int("timestampRaw", ts)
        .str("uid", &id)
        .with("user", |out| {
            let mut u = Obj::new(out);
            if let Some(ou) = p.org_unit {
                u.str("orgUnit", ou);
            }
            u.str("userName", &p.upn).with("userTags", |out| {
                if hash(seed, SALT, a.user, 11) % 3 == 0 {
                    let tag = super::rng::object_id(seed, 0xE171 ^ 0x6A0, 2, 1_500_000_000_000);
                    strings(out, [tag]);
                } else {
                    out.extend_from_slice(b"[]");
                }
            });
            u.end();
        })
        .with("userAgent", |out| {
            let mut g = Obj::new(out);
            g.str("browser", agent.2)
                .str("deviceType", agent.0)
                .str("family", agent.1)
                .str("name", agent.2)
                .bool("nativeBrowser", false)
                .with("operatingSystem", |out| {
                    let mut s = Obj::new(out);
                    s.str("family", agent.3.split(' ').next().unwrap_or(""))
                        .str("name", agent.3);
                    s.end();
                })
                .str("os", agent.3)
                .raw("tags", "[]")
                .int("type", 1)
                .str("typeName", "Browser");
            g.end();
        });
    o.end();
}

/// Stores the caller's feedback (api.md §6, §14 rule 24) and answers it back with the activity id.
pub fn feedback(ds: &Dataset, pk: &str, body: &Value) -> Option<Value> {
    let i = index_of(ds, pk)?;
    let pick = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    let stored = json!({
        "feedbackValue": pick("feedbackValue"),
        "feedbackText": pick("feedbackText"),
        "allowContact": body.get("allowContact").cloned().unwrap_or(json!(false)),
        "contactEmail": pick("contactEmail"),
    });
    write_lock(&ds.feedback).insert(i, stored.clone());
    let mut out = stored;
    out["activityId"] = json!(pk);
    out["success"] = json!(true);
    Some(out)
}

fn f_service(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).app)]
}
fn f_instance(_: &Dataset, _: i64) -> Vec<Scalar> {
    vec![Scalar::Int(0)]
}
fn f_event(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let ev = EVENTS[attrs(ds, i).event];
    vec![Scalar::Str(ev.0.into()), Scalar::Str(ev.1.into())]
}
fn f_ip(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(attrs(ds, i).ip())]
}
fn f_ip_category(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).ip_category)]
}
fn f_country(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(PLACES[attrs(ds, i).place].0.into())]
}
fn f_device(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(AGENTS[attrs(ds, i).agent].0.into())]
}
fn f_source(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).source)]
}
fn f_date(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(ts(ds, i))]
}
fn f_created(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(ts(ds, i) + attrs(ds, i).lag)]
}
fn f_username(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(ds.person(attrs(ds, i).user).upn.clone())]
}
fn f_domain(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(
        people::domain_of(&ds.person(attrs(ds, i).user).upn).to_string(),
    )]
}
fn f_entity(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let a = attrs(ds, i);
    entities::user_pks(ds, a.user, a.app)
}

const EQ: &[Op] = &[Op::Eq, Op::Neq];
const SET: &[Op] = &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset];
const DATE: &[Op] = &[Op::Lte, Op::Gte, Op::Range, Op::LteNdays, Op::GteNdays];

/// Filter fields (api.md §6). Fast (no JSON): service, instance, event types, ip address/category,
/// country, device type, source, date, created, entity, user name and domain. The rest build records.
pub static FIELDS: [FieldDef<Dataset>; 33] = [
    FieldDef::new(&["service"], T::Int, EQ, Getter::Fast(f_service)),
    FieldDef::new(&["instance"], T::Int, EQ, Getter::Fast(f_instance)),
    FieldDef::new(
        &["user.orgUnit"],
        T::Str,
        SET,
        Getter::Json(&["user.orgUnit"]),
    ),
    FieldDef::new(
        &["activity.eventType", "activity.eventActionType"],
        T::Str,
        EQ,
        Getter::Fast(f_event),
    ),
    FieldDef::new(
        &["actionType"],
        T::Str,
        &[Op::Contains, Op::Eq, Op::Neq, Op::Isset, Op::Isnotset],
        Getter::Json(&["actionType"]),
    ),
    FieldDef::new(&["activity.id"], T::Str, &[Op::Eq], Getter::Json(&["_id"])),
    FieldDef::new(
        &["activity.impersonated"],
        T::Bool,
        &[Op::Eq],
        Getter::Json(&["impersonated"]),
    ),
    FieldDef::new(
        &["activity.type"],
        T::Bool,
        &[Op::Eq],
        Getter::Json(&["adminEvent"]),
    ),
    FieldDef::new(
        &["activity.takenAction"],
        T::Str,
        EQ,
        Getter::Json(&["takenAction"]),
    ),
    FieldDef::new(&["device.type"], T::Str, EQ, Getter::Fast(f_device)),
    FieldDef::new(&["device.tags"], T::Str, EQ, Getter::Json(&["device.tags"])),
    FieldDef::new(
        &["userAgent.userAgent"],
        T::Str,
        &[Op::Contains, Op::Ncontains],
        Getter::Json(&["device.userAgent"]),
    ),
    FieldDef::new(
        &["userAgent.tags"],
        T::Str,
        EQ,
        Getter::Json(&["userAgent.tags"]),
    ),
    FieldDef::new(&["location.country"], T::Str, SET, Getter::Fast(f_country)),
    FieldDef::new(
        &["location.organizations"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset, Op::Contains],
        Getter::Json(&["location.organizationSearchable"]),
    ),
    FieldDef::new(
        &["ip.address"],
        T::Str,
        &[
            Op::Eq,
            Op::Neq,
            Op::Startswith,
            Op::Doesnotstartwith,
            Op::Isset,
            Op::Isnotset,
        ],
        Getter::Fast(f_ip),
    ),
    FieldDef::new(&["ip.category"], T::Int, EQ, Getter::Fast(f_ip_category)),
    FieldDef::new(
        &["ip.tags"],
        T::Str,
        EQ,
        Getter::Json(&["internals.ipTags"]),
    ),
    FieldDef::new(
        &["fileSelector"],
        T::Str,
        EQ,
        Getter::Json(&["mainInfo.eventObjects.id"]),
    ),
    FieldDef::new(
        &["office365url"],
        T::Str,
        &[Op::Startswith, Op::Eq, Op::Endswith],
        Getter::Json(&["rawDataJson.ObjectId"]),
    ),
    FieldDef::new(
        &["fileId"],
        T::Str,
        &[Op::Eq],
        Getter::Json(&["mainInfo.eventObjects.id"]),
    ),
    FieldDef::new(&["fileLabels"], T::Str, EQ, Getter::Json(&["fileLabels"])),
    FieldDef::new(
        &["text"],
        T::Str,
        &[Op::Eq, Op::Startswithsingle, Op::Text],
        Getter::Json(&[
            "description",
            "user.userName",
            "appName",
            "device.clientIP",
            "mainInfo.eventObjects.name",
        ]),
    ),
    FieldDef::new(&["date"], T::Time, DATE, Getter::Fast(f_date)),
    FieldDef::new(
        &["created"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range, Op::Gt, Op::Lt, Op::Eq],
        Getter::Fast(f_created),
    ),
    FieldDef::new(&["policy"], T::Str, SET, Getter::Json(&["policies"])),
    FieldDef::new(&["source"], T::Str, EQ, Getter::Fast(f_source)),
    FieldDef::new(
        &["activity.alertId"],
        T::Str,
        &[Op::Eq],
        Getter::Json(&["alertIds"]),
    ),
    FieldDef::new(
        &["activityObject"],
        T::Str,
        EQ,
        Getter::Json(&["mainInfo.eventObjects.id", "mainInfo.eventObjects.name"]),
    ),
    FieldDef::new(
        &["entity"],
        T::Pk,
        &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset, Op::Startswith],
        Getter::Fast(f_entity),
    ),
    FieldDef::new(
        &["user.username"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset, Op::Startswith],
        Getter::Fast(f_username),
    ),
    FieldDef::new(
        &["user.tags"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset, Op::Startswith],
        Getter::Json(&["user.userTags"]),
    ),
    FieldDef::new(&["user.domain"], T::Str, SET, Getter::Fast(f_domain)),
];

pub const AXIS: Axis = Axis { field: "date", ts };

fn k_created(ds: &Dataset, i: i64) -> Key {
    Key::Int(ts(ds, i) + attrs(ds, i).lag)
}

/// Sort fields (api.md §4.1): `date` (record order) and `created`.
pub static SORTS: [SortDef; 2] = [
    SortDef {
        name: "date",
        key: SortKey::Index,
    },
    SortDef {
        name: "created",
        key: SortKey::Fast(k_created),
    },
];

/// The activity's `_id`.
pub(crate) fn id_of(ds: &Dataset, i: i64) -> String {
    id(ds, i, attrs(ds, i).app)
}
