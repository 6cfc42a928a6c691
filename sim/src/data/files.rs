//! Files (api.md §8). `modifiedDate` is the date axis (~20 min apart). `fileType`, `fileAccessLevel` and
//! `fileStatus` are `[code, "NAME"]` pairs beside their `ftype`/`facl`/`fstat` codes; one record in five
//! also carries the case-twin keys `Created`/`created` and `ftags`/`fTags` (api.md §2).
//!
//! Status filtering (api.md §14 rule 20): deleted files (`fstat` 2) are hidden unless `allowDeleted` is
//! `eq true`, which adds them to the others; trashed files (`fstat` 1) are always kept unless `trashed`
//! says otherwise (`trashed: eq true` → only trashed, `eq false` → no trashed); `folder: eq true/false`
//! → only folders / only files.

use serde_json::{Map, Value};

use super::people::{self, GOOGLE, ONEDRIVE, SHAREPOINT};
use super::rng::{hash, iso, object_id, object_id_index, Rng, Timeline};
use super::text::{self, Obj};
use super::{entities, DataError, Dataset, Entity};
use crate::filter::{self, Arg, Cond, FieldDef, FieldType as T, Getter, Op, Scalar};
use crate::list::{Axis, Key, SortDef, SortKey};

const SALT: u64 = 0xF11E;

fn timeline(ds: &Dataset) -> Timeline {
    Timeline {
        seed: ds.seed(),
        salt: SALT,
        base: ds.origin_ms() - 3_600_000,
        gap: 20 * 60_000,
        head_gap: 1_000,
    }
}

/// Timestamp of index `i` on the date axis: stamped from the clock for records inserted live.
pub fn ts(ds: &Dataset, i: i64) -> i64 {
    if i < 0 {
        if let Some(t) = ds.head_ts(super::Entity::Files, i) {
            return t;
        }
    }
    timeline(ds).at(i)
}

/// The generated timeline alone (no overlay): what `ts` is for records not inserted live.
pub(crate) fn generated_ts(ds: &Dataset, i: i64) -> i64 {
    timeline(ds).at(i)
}

const TYPE_NAMES: [&str; 7] = [
    "OTHER",
    "DOCUMENT",
    "SPREADSHEET",
    "PRESENTATION",
    "TEXT",
    "IMAGE",
    "FOLDER",
];
const ACL_NAMES: [&str; 5] = [
    "PRIVATE",
    "INTERNAL",
    "EXTERNAL",
    "PUBLIC",
    "PUBLIC_INTERNET",
];
const STATUS_NAMES: [&str; 3] = ["EXISTS", "TRASHED", "DELETED"];

/// Stems per file type, unicode on purpose (api.md §14).
const STEMS: [&[&str]; 7] = [
    &["archive", "backup", "installer"],
    &[
        "Contrat de prestation",
        "会议记录",
        "Quarterly report",
        "Angebot Müller",
        "提案書",
    ],
    &["budget 💰 2024", "Forecast", "Inventário", "売上"],
    &["Présentation Q3", "Roadmap", "Kick-off ✨", "Обзор"],
    &["notes", "README", "journal ñandú"],
    &["Team photo", "Schéma réseau", "ロゴ"],
    &["Shared", "Projets 2024", "資料", "Archive"],
];
const EXTENSIONS: [&[(&str, &str)]; 7] = [
    &[
        ("zip", "application/zip"),
        ("bin", "application/octet-stream"),
    ],
    &[
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("pdf", "application/pdf"),
    ],
    &[(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )],
    &[(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    )],
    &[("txt", "text/plain"), ("md", "text/markdown")],
    &[("png", "image/png"), ("jpg", "image/jpeg")],
    &[("", "application/vnd.google-apps.folder")],
];

/// The attributes filters need, from one short hash stream (no JSON).
pub struct Attrs {
    /// The index the file is generated from (its identity; differs from the index once it moved).
    pub source: i64,
    pub owner: i64,
    pub app: i64,
    pub ftype: usize,
    pub facl: i64,
    pub fstat: i64,
    pub stem: usize,
    pub ext: usize,
    pub numbered: u64,
    pub age: i64,
    pub folder_k: i64,
}

/// The attributes of the file at index `i`: generated from its source index, with its status as
/// changed since (trash, delete) at this thread's instant. A file inserted live was created when it
/// was stamped.
pub fn attrs(ds: &Dataset, i: i64) -> Attrs {
    let s = ds.source(Entity::Files, i);
    let mut a = generated_attrs(ds, s);
    if let Some(st) = status(ds, s) {
        a.fstat = st;
    }
    if s < 0 && ds.head_ts(Entity::Files, s).is_some() {
        a.age = 0;
    }
    a
}

/// The status a mutation gave file `source`, at this thread's instant.
fn status(ds: &Dataset, source: i64) -> Option<i64> {
    let o = super::read(&ds.overlay);
    if o.file_status.is_empty() {
        return None;
    }
    o.file_status
        .get(&source)
        .and_then(|v| super::live::version(v))
}

fn generated_attrs(ds: &Dataset, i: i64) -> Attrs {
    let mut r = Rng::at(ds.seed(), SALT, i);
    let owner = r.below(ds.user_blocks() as u64) as i64;
    let app = *r.pick(&[ONEDRIVE, ONEDRIVE, SHAREPOINT, GOOGLE]);
    let ftype = match r.below(20) {
        0 => 0,
        1..=6 => 1,
        7..=9 => 2,
        10..=11 => 3,
        12..=13 => 4,
        14..=16 => 5,
        _ => 6,
    };
    let facl = match r.below(20) {
        0..=9 => 0,
        10..=14 => 1,
        15..=17 => 2,
        18 => 3,
        _ => 4,
    };
    let fstat = match r.below(50) {
        0..=3 => 1,
        4..=6 => 2,
        _ => 0,
    };
    let stem = r.below(STEMS[ftype].len() as u64) as usize;
    let ext = r.below(EXTENSIONS[ftype].len() as u64) as usize;
    Attrs {
        source: i,
        owner,
        app,
        ftype,
        facl,
        fstat,
        stem,
        ext,
        numbered: r.below(40),
        age: r.below(400) as i64 * 86_400_000 + r.below(86_400_000) as i64,
        folder_k: r.below(4) as i64,
    }
}

fn name_of(a: &Attrs) -> String {
    let i = a.source;
    let stem = STEMS[a.ftype][a.stem];
    let ext = EXTENSIONS[a.ftype][a.ext].0;
    let stem = if a.numbered < 10 {
        stem.to_string()
    } else {
        format!("{stem} ({})", i.rem_euclid(1000))
    };
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

pub fn name(ds: &Dataset, i: i64) -> String {
    name_of(&attrs(ds, i))
}

fn site(ds: &Dataset, owner: i64) -> String {
    Rng::at(ds.seed(), SALT ^ 0x517E, owner).guid()
}

/// The file's `id`: `"<siteGuid>|<itemGuid>"` (api.md §8).
pub fn item_id(ds: &Dataset, i: i64) -> String {
    let a = attrs(ds, i);
    format!(
        "{}|{}",
        site(ds, a.owner),
        Rng::at(ds.seed(), SALT ^ 0x17E, a.source).guid()
    )
}

fn folder_id(ds: &Dataset, owner: i64, k: i64) -> String {
    format!(
        "{}|{}",
        site(ds, owner),
        Rng::at(ds.seed(), SALT ^ 0xF01D, owner * 8 + k).guid()
    )
}

/// `createdDate`: from the file's first timestamp (its source index's), never changed by edits.
fn created_ms(ds: &Dataset, a: &Attrs) -> i64 {
    ts(ds, a.source) - a.age
}

fn record_id(ds: &Dataset, i: i64) -> String {
    let a = attrs(ds, i);
    object_id(ds.seed(), SALT, a.source, created_ms(ds, &a))
}

/// The file's `_id` (unchanged when it moves).
pub(crate) fn id_of(ds: &Dataset, i: i64) -> String {
    record_id(ds, i)
}

pub fn index_of(ds: &Dataset, pk: &str) -> Option<i64> {
    let i = ds.current(Entity::Files, object_id_index(pk)?);
    let (lo, hi) = ds.range(Entity::Files);
    ((lo..hi).contains(&i) && record_id(ds, i) == pk.to_ascii_lowercase()).then_some(i)
}

const LABELS: [(&str, &str); 3] = [
    ("5f0e1a2b3c4d5e6f7a8b9c01", "Confidential"),
    ("5f0e1a2b3c4d5e6f7a8b9c02", "Personal data (RGPD)"),
    ("5f0e1a2b3c4d5e6f7a8b9c03", "Public"),
];
const POLICIES: [&str; 3] = [
    "5e8a0f1d2c3b4a5968778601",
    "5e8a0f1d2c3b4a5968778602",
    "5e8a0f1d2c3b4a5968778603",
];

/// File `i` as a `Value`, for filters on fields without a fast getter, sorts and fetches by id.
pub fn record(ds: &Dataset, i: i64) -> Value {
    let mut out = Vec::with_capacity(4096);
    write(ds, i, &mut out);
    serde_json::from_slice(&out).expect("a file record is JSON")
}

/// `[code, "NAME"]`, the shape of `fileType`, `fileAccessLevel` and `fileStatus`.
fn coded(out: &mut Vec<u8>, code: i64, name: &str) {
    out.push(b'[');
    text::put(out, &code);
    out.push(b',');
    text::string(out, name);
    out.push(b']');
}

/// File `i` as compact JSON text, keys in byte order (see `text`).
pub fn write(ds: &Dataset, i: i64, out: &mut Vec<u8>) {
    let seed = ds.seed();
    let a = attrs(ds, i);
    let modified = ts(ds, i);
    let created = created_ms(ds, &a);
    let owner = ds.person(a.owner);
    let name = name_of(&a);
    let (ext, mime) = EXTENSIONS[a.ftype][a.ext];
    // Everything but the dates comes from the file's identity, so an edited file keeps it.
    let i = a.source;
    let mut r = Rng::at(seed, SALT ^ 0xD7A, i);
    let site = site(ds, a.owner);
    let parent = folder_id(ds, a.owner, a.folder_k);
    let root = format!("{site}|root");
    let is_folder = a.ftype == 6;
    let blocks = ds.user_blocks();
    // The draws from `r` keep their historical order: sharing, groups, tags, scans, size, quarantine.
    let shared_with: Vec<i64> = if a.facl >= 1 {
        (0..1 + r.below(3))
            .map(|_| r.below(blocks as u64) as i64)
            .collect()
    } else {
        vec![]
    };
    // (id and email, name, role, accessLevel)
    let mut collaborators: Vec<(String, String, &str, i64)> = shared_with
        .iter()
        .map(|b| {
            let p = ds.person(*b);
            (p.upn.clone(), p.display.clone(), "writer", 1)
        })
        .collect();
    let mut domains = vec![people::DOMAIN];
    if a.facl >= 2 {
        let g = people::guest(seed, a.owner);
        collaborators.push((g.upn, g.display, "reader", 2));
        domains.push("fabrikam.com");
    }
    let group_id = (a.facl == 1 && r.chance(1, 2))
        .then(|| object_id(seed, 0xE171 ^ 0x6A0, 2, 1_500_000_000_000));
    let tag = r.chance(1, 3).then(|| LABELS[r.below(3) as usize].0);
    let policy = (a.facl >= 3).then(|| POLICIES[(i.rem_euclid(3)) as usize]);
    let scanned = r.chance(1, 6);
    let size = if is_folder {
        0
    } else {
        512 + r.below(50_000_000)
    };
    let quarantined = a.fstat == 0 && r.chance(1, 40);
    let owner_path = owner.upn.replace(['@', '.'], "_");
    let path = format!("/personal/{owner_path}/Documents/{name}");
    let collaborators_json = |out: &mut Vec<u8>| {
        text::array(out, &collaborators, |out, (id, name, role, level)| {
            let mut c = Obj::new(out);
            c.int("accessLevel", *level)
                .str("email", id)
                .str("id", id)
                .int("inst", 0)
                .str("name", name)
                .str("role", role)
                .int("saas", a.app)
                .int("type", 1);
            c.end();
        })
    };
    let parents = |out: &mut Vec<u8>| text::strings(out, [&parent, &root]);
    // Keys differing only by case, as some tenants return them (api.md §2, §8).
    let case_twins = hash(seed, SALT, i, 5) % 5 == 0;
    let item = format!("{site}|{}", Rng::at(seed, SALT ^ 0x17E, i).guid());

    let mut o = Obj::new(out);
    if case_twins {
        o.str("Created", &iso(created));
    }
    o.str("_id", &object_id(seed, SALT, i, created))
        .int("_tid", people::tenant_id(seed))
        .raw(
            "actions",
            if a.fstat == 0 {
                concat!(
                    r#"[{"display_title":"Put in admin quarantine","task_name":"QuarantineTask","type":"file"},"#,
                    r#"{"display_title":"Rescan","task_name":"RescanFileTask","type":"file"},"#,
                    r#"{"display_title":"Trash","task_name":"TrashFileTask","type":"file"}]"#
                )
            } else {
                "[]"
            },
        )
        .str(
            "alternateLink",
            &format!("https://contoso-my.sharepoint.com{path}"),
        )
        .int("appId", a.app)
        .str("appName", people::app_name(a.app))
        .with("collaborators", collaborators_json);
    if case_twins {
        o.int("created", created);
    }
    o.int("createdDate", created)
        .with("display_collaborators", collaborators_json)
        .with("dlpScanResults", |out| {
            text::array(out, scanned.then_some(LABELS[0]), |out, (tag, name)| {
                let mut d = Obj::new(out);
                d.str("name", name)
                    .str("policyId", POLICIES[0])
                    .str("tag", tag);
                d.end();
            })
        })
        .with("domains", |out| text::strings(out, &domains))
        .str("driveId", &format!("b!{}", &site[..8]))
        .with("effectiveParents", parents)
        .with("emails", |out| {
            text::strings(out, collaborators.iter().map(|c| c.0.as_str()))
        })
        .bool("enriched", true)
        .raw(
            "externalShares",
            if a.facl >= 2 {
                r#"["fabrikam.com"]"#
            } else {
                "[]"
            },
        )
        .with("fTags", |out| text::strings(out, tag))
        .int("facl", a.facl)
        .with("fileAccessLevel", |out| {
            coded(out, a.facl, ACL_NAMES[a.facl as usize])
        })
        .opt_str("fileExtension", (!ext.is_empty()).then_some(ext))
        .str("filePath", &path)
        .uint("fileSize", size)
        .with("fileStatus", |out| {
            coded(out, a.fstat, STATUS_NAMES[a.fstat as usize])
        })
        .with("fileType", |out| {
            coded(out, a.ftype as i64, TYPE_NAMES[a.ftype])
        })
        .str("fileTypeDisplay", &TYPE_NAMES[a.ftype].to_lowercase())
        .int("fstat", a.fstat);
    if case_twins {
        o.raw("ftags", "[]");
    }
    o.int("ftype", a.ftype as i64)
        .with("groupIds", |out| text::strings(out, &group_id))
        .raw("groups", "[]")
        .str("id", &item)
        .int("instId", 0)
        .bool("isFolder", is_folder)
        .bool("isForeign", false)
        .int("lastNrtTimestamp", modified)
        .str("mimeType", mime)
        .int("modifiedDate", modified)
        .str("name", &name)
        .str("name_l", &name.to_lowercase())
        .bool("noGovernance", false)
        .str("originalId", &item)
        .str("ownerAddress", &owner.upn)
        .bool("ownerExternal", false)
        .str("ownerName", &owner.display)
        .opt_str("ownerOrgUnit", owner.org_unit)
        .str("parentId", &parent)
        .with("parentIds", parents)
        .with("policies", |out| text::strings(out, policy))
        .bool("quarantined", quarantined)
        .int("saasId", a.app)
        .int("scanVersion", 3)
        .with("sharepointItem", |out| {
            let mut sp = Obj::new(out);
            sp.with("Author", |out| {
                let mut au = Obj::new(out);
                au.str("email", &owner.upn).str("name", &owner.display);
                au.end();
            })
            .uint("Length", size)
            .str("Name", &name)
            .str("TimeCreated", &iso(created));
            sp.end();
        })
        .str("siteCollection", "https://contoso-my.sharepoint.com")
        .str("siteCollectionId", &site)
        .str("sitePath", &format!("/personal/{owner_path}"))
        .str("snapshotLastModifiedDate", &iso(modified + 90_000))
        .str("spDomain", "https://contoso-my.sharepoint.com")
        .int("unseenScans", 0);
    o.end();
}

/// The filters left for the field table, and the implicit conditions the switches imply.
pub type Split = (Map<String, Value>, Vec<Cond<Dataset>>);

/// Removes `allowDeleted` from the filters (it is a switch, not a field) and returns the implicit
/// status condition it implies (api.md §14 rule 20).
pub fn split_filters(filters: &Map<String, Value>) -> Result<Split, DataError> {
    let mut rest = filters.clone();
    let mut allow_deleted = false;
    if let Some(spec) = rest.remove("allowDeleted") {
        let ops = spec
            .as_object()
            .ok_or_else(|| DataError::Validation(filter::invalid_value(&spec)))?;
        for (op, v) in ops {
            if op != "eq" {
                return Err(DataError::Validation(filter::invalid(op)));
            }
            let v = match v {
                Value::Array(items) if items.len() == 1 => &items[0],
                other => other,
            };
            match filter::parse_value(T::Bool, v) {
                Ok(Scalar::Bool(b)) => allow_deleted = b,
                _ => return Err(DataError::Validation(filter::invalid_value(v))),
            }
        }
    }
    let implicit = if allow_deleted {
        vec![]
    } else {
        vec![Cond {
            field: &STATUS,
            op: Op::Neq,
            arg: Arg::List(vec![Scalar::Int(2)]),
        }]
    };
    Ok((rest, implicit))
}

fn f_service(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).app)]
}
fn f_type(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).ftype as i64)]
}
fn f_name(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(name(ds, i))]
}
fn f_modified(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(ts(ds, i))]
}
fn f_created(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(created_ms(ds, &attrs(ds, i)))]
}
fn f_owner(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let a = attrs(ds, i);
    entities::user_pks(ds, a.owner, a.app)
}
fn f_owner_name(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Str(ds.person(attrs(ds, i).owner).upn.clone())]
}
fn f_owner_ou(ds: &Dataset, i: i64) -> Vec<Scalar> {
    ds.person(attrs(ds, i).owner)
        .org_unit
        .map(|o| Scalar::Str(o.into()))
        .into_iter()
        .collect()
}
fn f_sharing(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).facl)]
}
fn f_status(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Int(attrs(ds, i).fstat)]
}
fn f_trashed(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Bool(attrs(ds, i).fstat == 1)]
}
fn f_folder(ds: &Dataset, i: i64) -> Vec<Scalar> {
    vec![Scalar::Bool(attrs(ds, i).ftype == 6)]
}
fn f_parent(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let a = attrs(ds, i);
    vec![Scalar::Str(folder_id(ds, a.owner, a.folder_k))]
}
fn f_ancestors(ds: &Dataset, i: i64) -> Vec<Scalar> {
    let a = attrs(ds, i);
    vec![
        Scalar::Str(folder_id(ds, a.owner, a.folder_k)),
        Scalar::Str(format!("{}|root", site(ds, a.owner))),
    ]
}

/// The status code, for the implicit "hide deleted" condition only (not a public filter).
static STATUS: FieldDef<Dataset> =
    FieldDef::new(&["fileStatus"], T::Int, &[Op::Neq], Getter::Fast(f_status));

const EQ: &[Op] = &[Op::Eq, Op::Neq];
const SET: &[Op] = &[Op::Eq, Op::Neq, Op::Isset, Op::Isnotset];

/// Filter fields (api.md §8); `allowDeleted` is handled by `split_filters`. Fast (no JSON): service,
/// fileType, filename, dates, owner, sharing, trashed, folder, parentFolder.
pub static FIELDS: [FieldDef<Dataset>; 26] = [
    FieldDef::new(&["service"], T::Int, EQ, Getter::Fast(f_service)),
    FieldDef::new(&["instance"], T::Int, EQ, Getter::Json(&["instId"])),
    FieldDef::new(&["fileType"], T::Int, EQ, Getter::Fast(f_type)),
    FieldDef::new(
        &["policy"],
        T::Str,
        &[
            Op::Cabinetmatchedrulesequals,
            Op::Neq,
            Op::Isset,
            Op::Isnotset,
        ],
        Getter::Json(&["policies"]),
    ),
    FieldDef::new(
        &["filename"],
        T::Str,
        &[
            Op::Eq,
            Op::Neq,
            Op::Text,
            Op::Contains,
            Op::Startswith,
            Op::Endswith,
        ],
        Getter::Fast(f_name),
    ),
    FieldDef::new(
        &["modifiedDate"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range, Op::LteNdays, Op::GteNdays],
        Getter::Fast(f_modified),
    ),
    FieldDef::new(
        &["createdDate"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range],
        Getter::Fast(f_created),
    ),
    FieldDef::new(
        &["collaborators.entity"],
        T::Pk,
        EQ,
        Getter::Json(&["collaborators"]),
    ),
    FieldDef::new(
        &["collaborators.domains"],
        T::Str,
        EQ,
        Getter::Json(&["domains"]),
    ),
    FieldDef::new(
        &["collaborators.groups"],
        T::Str,
        EQ,
        Getter::Json(&["groupIds"]),
    ),
    FieldDef::new(
        &["collaborators.withDomain"],
        T::Str,
        &[Op::Eq, Op::Neq, Op::Deq],
        Getter::Json(&["domains"]),
    ),
    FieldDef::new(
        &["collaborators.users"],
        T::Str,
        EQ,
        Getter::Json(&["emails"]),
    ),
    FieldDef::new(&["owner.entity"], T::Pk, EQ, Getter::Fast(f_owner)),
    FieldDef::new(&["owner.orgUnit"], T::Str, EQ, Getter::Fast(f_owner_ou)),
    FieldDef::new(&["owner.username"], T::Str, EQ, Getter::Fast(f_owner_name)),
    FieldDef::new(&["sharing"], T::Int, EQ, Getter::Fast(f_sharing)),
    FieldDef::new(&["fileId"], T::Str, EQ, Getter::Json(&["id"])),
    FieldDef::new(&["fileLabels"], T::Str, SET, Getter::Json(&["fTags"])),
    FieldDef::new(
        &["fileScanLabels"],
        T::Str,
        SET,
        Getter::Json(&["dlpScanResults.tag"]),
    ),
    FieldDef::new(&["extension"], T::Str, EQ, Getter::Json(&["fileExtension"])),
    FieldDef::new(&["mimeType"], T::Str, EQ, Getter::Json(&["mimeType"])),
    FieldDef::new(&["trashed"], T::Bool, &[Op::Eq], Getter::Fast(f_trashed)),
    FieldDef {
        names: &["parentFolder"],
        ty: T::Str,
        ops: &[Op::Eq, Op::Neq, Op::Descendantof, Op::Ndescendantof],
        get: Getter::Fast(f_parent),
        tree: Some(Getter::Fast(f_ancestors)),
    },
    FieldDef::new(&["folder"], T::Bool, &[Op::Eq], Getter::Fast(f_folder)),
    FieldDef::new(
        &["quarantined"],
        T::Bool,
        &[Op::Eq],
        Getter::Json(&["quarantined"]),
    ),
    FieldDef::new(
        &["snapshotLastModifiedDate"],
        T::Time,
        &[Op::Lte, Op::Gte, Op::Range],
        Getter::Json(&["snapshotLastModifiedDate"]),
    ),
];

pub const AXIS: Axis = Axis {
    field: "modifiedDate",
    ts,
};

fn k_created(ds: &Dataset, i: i64) -> Key {
    Key::Int(created_ms(ds, &attrs(ds, i)))
}

/// Sort fields: `modifiedDate` (default, record order; `date` is an alias) and `createdDate`.
pub static SORTS: [SortDef; 3] = [
    SortDef {
        name: "modifiedDate",
        key: SortKey::Index,
    },
    SortDef {
        name: "date",
        key: SortKey::Index,
    },
    SortDef {
        name: "createdDate",
        key: SortKey::Fast(k_created),
    },
];
