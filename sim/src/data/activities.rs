//! Activities (spec §6). `_id` is `"<tenantId>_<appId>_<guid>"` whose last guid group encodes the
//! index, so a fetch needs no lookup table. `timestamp` (the `date` filter) is the date axis, ~2.5 s
//! apart (a million activities span about 29 days); `created` lags it by up to two minutes.

use serde_json::{json, Value};

use super::people::{self, PLACES};
use super::rng::{hash, Rng, Timeline};
use super::{entities, read, write, Dataset};
use crate::filter::{FieldDef, FieldType as T, Getter, Op, Scalar};
use crate::list::{Axis, Key, SortDef, SortKey};

const SALT: u64 = 0xAC71;
const INDEX_BIAS: i64 = 1 << 40;

fn timeline(ds: &Dataset) -> Timeline {
    Timeline {
        seed: ds.seed(),
        salt: SALT,
        base: ds.now_ms() - 3_600_000,
        gap: 2_500,
        head_gap: 100,
    }
}

pub fn ts(ds: &Dataset, i: i64) -> i64 {
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

pub fn record(ds: &Dataset, i: i64) -> Value {
    let seed = ds.seed();
    let a = attrs(ds, i);
    let ts = ts(ds, i);
    let created = ts + a.lag;
    let p = ds.person(a.user);
    let ip = a.ip();
    let ev = EVENTS[a.event];
    let place = PLACES[a.place];
    let agent = AGENTS[a.agent];
    let id = id(ds, i, a.app);
    let tid = people::tenant_id(seed);
    let mut r = Rng::at(seed, SALT ^ 0xD7A, i);
    let app_name = people::app_name(a.app);
    let user_guid = entities::user_guid(ds, a.user);
    let mut objects = vec![json!({
        "id": p.upn, "name": p.display, "objType": 21, "role": 4, "saasId": a.app,
        "instanceId": 0, "tags": [],
    })];
    let mut object_url = Value::Null;
    if ev.6 {
        let files = ds.base_count(super::Entity::Files).max(1);
        let f = r.below(files as u64) as i64;
        let file_id = super::files::item_id(ds, f);
        let name = super::files::name(ds, f);
        object_url = json!(format!(
            "https://contoso-my.sharepoint.com/personal/{}/Documents/{}",
            p.upn.replace(['@', '.'], "_"),
            name
        ));
        objects.push(json!({
            "id": file_id, "name": name, "objType": 1, "role": 3, "saasId": a.app,
            "instanceId": 0, "tags": [],
        }));
    }
    let taken = if a.source == 1 && r.chance(1, 3) {
        json!(*r.pick(&["block", "proxy", "protect"]))
    } else {
        Value::Null
    };
    let actor = json!({
        "id": p.upn, "name": p.display, "saasId": a.app, "instanceId": 0, "objType": 21,
        "role": 4, "tags": [], "resolved": true,
    });
    let entity_data = if i.rem_euclid(2) == 0 {
        json!([{"id": p.upn, "saas": a.app, "inst": 0, "displayName": p.display, "type": "account"},
               {"id": user_guid, "saas": people::O365, "inst": 0, "displayName": p.display, "type": "user"}])
    } else {
        // Captured responses also show entityData as an object keyed "0", "1", … (spec §6).
        json!({"0": {"id": p.upn, "saas": a.app, "inst": 0, "displayName": p.display, "type": "account"},
               "1": {"id": user_guid, "saas": people::O365, "inst": 0, "displayName": p.display, "type": "user"},
               "2": null})
    };
    let user_tags: Vec<String> = if hash(seed, SALT, a.user, 11) % 3 == 0 {
        vec![super::rng::object_id(
            seed,
            0xE171 ^ 0x6A0,
            2,
            1_500_000_000_000,
        )]
    } else {
        vec![]
    };
    let mut user = json!({"userName": p.upn, "userTags": user_tags});
    if let Some(ou) = p.org_unit {
        user["orgUnit"] = json!(ou);
    }
    let device = json!({"clientIP": ip.clone(), "userAgent": agent.4, "countryCode": place.0, "type": agent.0,
                        "tags": if a.agent == 0 { json!(["managed"]) } else { json!([]) }});
    let location = json!({"countryCode": place.0, "city": place.2, "region": place.3, "regionCode": place.4,
        "latitude": place.5, "longitude": place.6,
        "organizationSearchable": if a.ip_category == 5 { "Microsoft Azure" } else { "Contoso ISP" },
        "anonymousProxy": false, "isSatelliteProvider": false,
        "category": a.ip_category, "categoryValue": people::ip_category_name(a.ip_category)});
    let user_agent = json!({"family": agent.1, "name": agent.2, "os": agent.3, "browser": agent.2,
        "deviceType": agent.0, "type": 1, "typeName": "Browser", "nativeBrowser": false,
        "operatingSystem": {"name": agent.3, "family": agent.3.split(' ').next().unwrap_or("")},
        "tags": []});
    let main_info = json!({"eventObjects": objects, "rawOperationName": ev.3, "prettyOperationName": ev.2,
        "type": ev.0.trim_start_matches("EVENT_CATEGORY_").to_lowercase()});
    let internals = json!({"otherIPs": [], "ipTags": if a.ip_category == 5 { json!(["Azure"]) } else { json!([]) }});
    let raw = json!({"CreationTime": super::rng::iso(ts).trim_end_matches('Z'), "Id": guid(ds, i),
        "Operation": ev.3, "OrganizationId": people::aad_tenant(seed), "RecordType": 15,
        "UserId": p.upn, "Workload": app_name, "ClientIP": ip.clone(), "ObjectId": object_url});
    let blob = format!("{:016x}", hash(seed, SALT, i, 12));
    let collected = json!({"o365": {"blobCreated": created, "blobId": blob}});
    let generic = format!(
        "ENUM_ACTIVITY_GENERIC_TYPE_{}",
        ev.0.trim_start_matches("EVENT_CATEGORY_")
    );
    let description = format!("{} {} in {}", p.display, ev.2.to_lowercase(), app_name);
    let mut rec = json!({
        "_id": id,
        "uid": id,
        "tenantId": tid,
        "aadTenantId": people::aad_tenant(seed),
        "appId": a.app,
        "saasId": a.app,
        "srcAppId": a.app,
        "appName": app_name,
        "timestamp": ts,
        "timestampRaw": ts,
        "created": created,
        "createdRaw": created,
        "instantiation": created + 1_000,
        "instantiationRaw": created + 1_000,
        "eventType": ev.4,
        "eventTypeValue": ev.1,
        "eventTypeName": ev.0,
        "genericEventType": generic,
        "actionType": ev.3,
        "description": description,
        "description_id": format!("{}_DESCRIPTION", ev.1),
        "severity": "INFO",
        "source": a.source,
        "confidenceLevel": 30,
        "classifications": [],
        "adminEvent": ev.5,
        "impersonated": r.chance(1, 50),
        "takenAction": taken,
        "device": device,
        "location": location,
        "user": user,
        "userAgent": user_agent,
        "mainInfo": main_info,
        "resolvedActor": actor,
        "entityData": entity_data,
        "internals": internals,
        "rawDataJson": raw,
        "collected": collected,
        "policies": [],
        "alertIds": [],
        "fileLabels": [],
    });
    let feedback = read(&ds.feedback);
    if let Some(f) = feedback.get(&i) {
        rec["feedback"] = f.clone();
    }
    rec
}

/// Stores the caller's feedback (spec §6, §14 rule 24) and answers it back with the activity id.
pub fn feedback(ds: &Dataset, pk: &str, body: &Value) -> Option<Value> {
    let i = index_of(ds, pk)?;
    let pick = |k: &str| body.get(k).cloned().unwrap_or(Value::Null);
    let stored = json!({
        "feedbackValue": pick("feedbackValue"),
        "feedbackText": pick("feedbackText"),
        "allowContact": body.get("allowContact").cloned().unwrap_or(json!(false)),
        "contactEmail": pick("contactEmail"),
    });
    write(&ds.feedback).insert(i, stored.clone());
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

/// Filter fields (spec §6). Fast (no JSON): service, instance, event types, ip address/category,
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

/// Sort fields (spec §4.1): `date` (record order) and `created`.
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
