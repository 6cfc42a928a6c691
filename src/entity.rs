//! The entity kinds the client can list and the one table that knows, for each of them, the API path, the
//! page limits, the paging strategy, the Files authentication quirk, the sort fields and the filter fields.
//!
//! Everything else (pager, filter builder, actions) asks this table instead of matching on the kind, so a
//! rule about an entity lives in exactly one place.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Result};
use crate::filter::Op::{self, *};

/// A list endpoint of the API (api.md §6–§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    Activities,
    Alerts,
    Files,
    Entities,
    Subnets,
}

const ALL_KINDS: [EntityKind; 5] = [
    EntityKind::Activities,
    EntityKind::Alerts,
    EntityKind::Files,
    EntityKind::Entities,
    EntityKind::Subnets,
];

impl EntityKind {
    /// Every kind, in the order of api.md's sections.
    pub fn all() -> &'static [EntityKind] {
        &ALL_KINDS
    }

    /// Parses `activities`/`activity`, `alerts`/`alert`, `files`/`file`, `entities`/`entity`,
    /// `subnets`/`subnet`, ignoring case and surrounding blanks.
    pub fn from_name(name: &str) -> Result<EntityKind> {
        let lower = name.trim().to_ascii_lowercase();
        let kind = match lower.as_str() {
            "activities" | "activity" => EntityKind::Activities,
            "alerts" | "alert" => EntityKind::Alerts,
            "files" | "file" => EntityKind::Files,
            "entities" | "entity" => EntityKind::Entities,
            "subnets" | "subnet" => EntityKind::Subnets,
            _ => {
                return Err(Error::new(
                    ErrorKind::UnknownEntity,
                    format!(
                        "unknown entity {name:?}; expected one of activities, alerts, files, entities, subnets"
                    ),
                ))
            }
        };
        Ok(kind)
    }

    /// The plural lower-case name (`"activities"`, …), as accepted by [`EntityKind::from_name`].
    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Activities => "activities",
            EntityKind::Alerts => "alerts",
            EntityKind::Files => "files",
            EntityKind::Entities => "entities",
            EntityKind::Subnets => "subnets",
        }
    }

    /// This kind's row of the entity table.
    pub fn spec(self) -> &'static EntitySpec {
        spec(self)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EntityKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<EntityKind> {
        EntityKind::from_name(s)
    }
}

/// The type of a filter field's values, which decides the value shapes the filter builder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A 32-bit integer (app ids, enumerations documented as int).
    Int,
    /// A string.
    Str,
    /// An enumeration the docs call "string" while listing numeric codes (e.g. entity `status`, activity
    /// `source`): a string or an integer.
    Code,
    /// `true` / `false`.
    Bool,
    /// Unix epoch milliseconds (api.md §2).
    Timestamp,
    /// An entity primary key object `{"id": …, "saas": …, "inst": …}` (api.md §5.1).
    EntityPk,
    /// A file or folder reference (`fileSelector`, `parentFolder`): undocumented shape, a string id or an object.
    Reference,
}

impl FieldType {
    /// A short description for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Int => "an integer",
            FieldType::Str => "a string",
            FieldType::Code => "a string or an integer code",
            FieldType::Bool => "true or false",
            FieldType::Timestamp => "a timestamp in epoch milliseconds (integer)",
            FieldType::EntityPk => "an entity key object {\"id\": …, \"saas\": …, \"inst\": …}",
            FieldType::Reference => "an id string or a reference object",
        }
    }
}

/// One documented filter field: its name as sent, its value type and the operators it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterField {
    pub name: &'static str,
    pub ty: FieldType,
    pub ops: &'static [Op],
}

/// Activity scan mode (api.md §4.3, §4.4): `isScan` with `limit` 500–5000, cursor in `nextQueryFilters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanSpec {
    pub min_limit: u32,
    pub max_limit: u32,
    /// The limit the client asks for when the caller gives none: the largest, because a bulk pull under the
    /// 30 requests/minute throttle is bounded by the number of requests, not by their size. (The server's
    /// own default is 500.)
    pub default_limit: u32,
    /// The sort field scan mode orders by (descending, newest first).
    pub sort_field: &'static str,
}

/// How a record writes a key field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// Unix epoch milliseconds, a JSON number (api.md §2).
    EpochMs,
    /// An ISO 8601 UTC string (`2024-01-02T03:04:05.678Z`), filtered with epoch milliseconds (api.md §2, §9).
    Iso8601,
}

/// A timestamp field a pager can page on (a keyset window, api.md §4) or read changes from (incremental
/// pulls): its filter name, its `sortField` name, its name in the records, and whether it can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyField {
    /// The filter field (`date`, `createdDate`, …) that takes `gte`/`lte` epoch milliseconds.
    pub filter: &'static str,
    /// The `sortField` value that orders by this key.
    pub sort: &'static str,
    /// The top-level record field that carries the key (`timestamp` for `date`).
    pub record: &'static str,
    pub format: KeyFormat,
    /// The key moves forward when the record changes (`lastSeen`, `modifiedDate`), so a record can come
    /// back later in a pull; immutable keys (`timestamp`, `createdDate`) never do.
    pub moves: bool,
}

const ALERT_DATE: KeyField = KeyField {
    filter: "date",
    sort: "date",
    record: "timestamp",
    format: KeyFormat::EpochMs,
    moves: false,
};

const ENTITY_LAST_SEEN: KeyField = KeyField {
    filter: "lastSeen",
    sort: "lastSeen",
    record: "lastSeen",
    format: KeyFormat::Iso8601,
    moves: true,
};

/// One row of the entity table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntitySpec {
    pub kind: EntityKind,
    /// The list path relative to the API base; fetch paths are `<path><pk>/`.
    pub path: &'static str,
    /// The most records one skip/limit page carries (api.md §4.3: 100).
    pub page_cap: u32,
    /// Outside scan mode `skip + limit` may not exceed this (activities: 5000, api.md §4.3, §14 rule 15).
    pub skip_limit_window: Option<u64>,
    /// Scan mode, for activities only (api.md §4.4; alerts and files ignore `isScan`, §14 rule 14).
    pub scan: Option<ScanSpec>,
    /// The Files API refuses Bearer tokens: use the legacy token when one is configured (api.md §3.5).
    pub prefer_legacy_token: bool,
    /// `sortField` values the API documents (api.md §4.1).
    pub sort_fields: &'static [&'static str],
    /// Filter fields from the tables of api.md §6–§10.
    pub filters: &'static [FilterField],
    /// The immutable (or forward-only) timestamp a skip/limit list is paged on in ascending keyset
    /// windows, so that records leaving the result set never shift unread ones out of reach.
    pub window: Option<KeyField>,
    /// The timestamp an incremental pull reads changes from (new or changed since a watermark).
    pub change: Option<KeyField>,
}

impl EntitySpec {
    /// The documented filter field with this exact name.
    pub fn filter_field(&self, name: &str) -> Option<&'static FilterField> {
        self.filters.iter().find(|f| f.name == name)
    }

    /// Whether `name` is a documented sort field.
    pub fn has_sort_field(&self, name: &str) -> bool {
        self.sort_fields.contains(&name)
    }
}

/// The entity table row for `kind`.
pub fn spec(kind: EntityKind) -> &'static EntitySpec {
    match kind {
        EntityKind::Activities => &ACTIVITIES,
        EntityKind::Alerts => &ALERTS,
        EntityKind::Files => &FILES,
        EntityKind::Entities => &ENTITIES,
        EntityKind::Subnets => &SUBNETS,
    }
}

const PAGE_CAP: u32 = 100;

const fn field(name: &'static str, ty: FieldType, ops: &'static [Op]) -> FilterField {
    FilterField { name, ty, ops }
}

use FieldType::{Bool, Code, EntityPk, Int, Reference, Str, Timestamp};

const EQ_NEQ: &[Op] = &[Eq, Neq];
const EQ_NEQ_SET: &[Op] = &[Eq, Neq, Isset, Isnotset];
const EQ_NEQ_SET_STARTS: &[Op] = &[Eq, Neq, Isset, Isnotset, Startswith];
const DATE_OPS: &[Op] = &[Lte, Gte, Range, LteNdays, GteNdays];
const DATE_RANGE_OPS: &[Op] = &[Lte, Gte, Range];

static ACTIVITIES: EntitySpec = EntitySpec {
    kind: EntityKind::Activities,
    path: "v1/activities/",
    page_cap: PAGE_CAP,
    skip_limit_window: Some(5000),
    scan: Some(ScanSpec {
        min_limit: 500,
        max_limit: 5000,
        default_limit: 5000,
        sort_field: "date",
    }),
    prefer_legacy_token: false,
    sort_fields: &["date", "created"],
    // api.md §6
    filters: &[
        field("service", Int, EQ_NEQ),
        field("instance", Int, EQ_NEQ),
        field("user.orgUnit", Str, EQ_NEQ_SET),
        field("activity.eventType", Str, EQ_NEQ),
        field("activity.eventActionType", Str, EQ_NEQ),
        field("actionType", Str, &[Contains, Eq, Neq, Isset, Isnotset]),
        field("activity.id", Str, &[Eq]),
        field("activity.impersonated", Bool, &[Eq]),
        field("activity.type", Bool, &[Eq]),
        field("activity.takenAction", Str, EQ_NEQ),
        field("device.type", Str, EQ_NEQ),
        field("device.tags", Str, EQ_NEQ),
        field("userAgent.userAgent", Str, &[Contains, Ncontains]),
        field("userAgent.tags", Str, EQ_NEQ),
        field("location.country", Str, EQ_NEQ_SET),
        field(
            "location.organizations",
            Str,
            &[Eq, Neq, Isset, Isnotset, Contains],
        ),
        field(
            "ip.address",
            Str,
            &[Eq, Neq, Startswith, Doesnotstartwith, Isset, Isnotset],
        ),
        field("ip.category", Int, EQ_NEQ),
        field("ip.tags", Str, EQ_NEQ),
        field("fileSelector", Reference, EQ_NEQ),
        field("office365url", Str, &[Startswith, Eq, Endswith]),
        field("fileId", Str, &[Eq]),
        field("fileLabels", Str, EQ_NEQ),
        field("text", Str, &[Eq, Startswithsingle, Text]),
        field("date", Timestamp, DATE_OPS),
        field("created", Timestamp, &[Lte, Gte, Range, Gt, Lt, Eq]),
        field("policy", Str, EQ_NEQ_SET),
        field("source", Code, EQ_NEQ),
        field("activity.alertId", Str, &[Eq]),
        field("activityObject", Str, EQ_NEQ),
        field("entity", EntityPk, EQ_NEQ_SET_STARTS),
        field("user.username", Str, EQ_NEQ_SET_STARTS),
        field("user.tags", Str, EQ_NEQ_SET_STARTS),
        field("user.domain", Str, EQ_NEQ_SET),
    ],
    window: None,
    change: Some(KeyField {
        filter: "date",
        sort: "date",
        record: "timestamp",
        format: KeyFormat::EpochMs,
        moves: false,
    }),
};

static ALERTS: EntitySpec = EntitySpec {
    kind: EntityKind::Alerts,
    path: "v1/alerts/",
    page_cap: PAGE_CAP,
    skip_limit_window: None,
    scan: None,
    prefer_legacy_token: false,
    sort_fields: &["date", "severity"],
    // api.md §7
    filters: &[
        field("entity.entity", EntityPk, EQ_NEQ),
        field("entity.ip", Str, EQ_NEQ),
        field("entity.service", Int, EQ_NEQ),
        field("entity.instance", Int, EQ_NEQ),
        field("entity.policy", Str, EQ_NEQ),
        field("entity.file", Str, EQ_NEQ),
        field("alertOpen", Bool, &[Eq]),
        field("severity", Int, EQ_NEQ),
        field("resolutionStatus", Int, EQ_NEQ),
        field("read", Bool, &[Eq]),
        field("date", Timestamp, DATE_OPS),
        field("resolutionDate", Timestamp, DATE_RANGE_OPS),
        field("risk", Int, EQ_NEQ),
        field("alertType", Int, EQ_NEQ),
        // The table spells it `ID`; close requests and the server accept `id` too (api.md §5.1).
        field("ID", Str, EQ_NEQ),
        field("id", Str, EQ_NEQ),
        field("source", Str, &[Eq]),
    ],
    window: Some(ALERT_DATE),
    change: Some(ALERT_DATE),
};

static FILES: EntitySpec = EntitySpec {
    kind: EntityKind::Files,
    path: "v1/files/",
    page_cap: PAGE_CAP,
    skip_limit_window: None,
    scan: None,
    prefer_legacy_token: true,
    // None documented; `modifiedDate` is what Microsoft's MCAS module sends (api.md §4.1), `createdDate` is
    // what the pager's windows sort by (undocumented too, api.md §15).
    sort_fields: &["modifiedDate", "createdDate"],
    // api.md §8
    filters: &[
        field("service", Int, EQ_NEQ),
        field("instance", Int, EQ_NEQ),
        field("fileType", Int, EQ_NEQ),
        field("allowDeleted", Bool, &[Eq]),
        field(
            "policy",
            Str,
            &[Cabinetmatchedrulesequals, Neq, Isset, Isnotset],
        ),
        field("filename", Str, &[Eq, Text]),
        field("modifiedDate", Timestamp, DATE_OPS),
        field("createdDate", Timestamp, DATE_RANGE_OPS),
        field("collaborators.entity", EntityPk, EQ_NEQ),
        field("collaborators.domains", Str, EQ_NEQ),
        field("collaborators.groups", Str, EQ_NEQ),
        field("collaborators.withDomain", Str, &[Eq, Neq, Deq]),
        field("collaborators.users", Str, EQ_NEQ),
        field("owner.entity", EntityPk, EQ_NEQ),
        field("owner.orgUnit", Str, EQ_NEQ),
        field("owner.username", Str, EQ_NEQ),
        field("sharing", Int, EQ_NEQ),
        field("fileId", Str, EQ_NEQ),
        field("fileLabels", Str, EQ_NEQ_SET),
        field("fileScanLabels", Str, EQ_NEQ_SET),
        field("extension", Str, EQ_NEQ),
        field("mimeType", Str, EQ_NEQ),
        field("trashed", Bool, &[Eq]),
        field("parentFolder", Reference, EQ_NEQ),
        field("folder", Bool, &[Eq]),
        field("quarantined", Bool, &[Eq]),
        field("snapshotLastModifiedDate", Timestamp, DATE_RANGE_OPS),
    ],
    window: Some(KeyField {
        filter: "createdDate",
        sort: "createdDate",
        record: "createdDate",
        format: KeyFormat::EpochMs,
        moves: false,
    }),
    change: Some(KeyField {
        filter: "modifiedDate",
        sort: "modifiedDate",
        record: "modifiedDate",
        format: KeyFormat::EpochMs,
        moves: true,
    }),
};

static ENTITIES: EntitySpec = EntitySpec {
    kind: EntityKind::Entities,
    path: "v1/entities/",
    page_cap: PAGE_CAP,
    skip_limit_window: None,
    scan: None,
    prefer_legacy_token: false,
    // `date`/`severity` are documented (likely copied from alerts); the MCAS module sends `lastSeen` and
    // `username` (api.md §4.1).
    sort_fields: &["date", "severity", "lastSeen", "username"],
    // api.md §9
    filters: &[
        field("type", Code, EQ_NEQ),
        // The table types it "string", but its values are true/false like `isExternal`.
        field("isAdmin", Bool, &[Eq]),
        field("entity", EntityPk, EQ_NEQ),
        field("userGroups", Str, EQ_NEQ),
        field("app", Int, EQ_NEQ),
        field("instance", Int, EQ_NEQ),
        field("isExternal", Bool, &[Eq]),
        field("domain", Str, EQ_NEQ_SET),
        field("organization", Str, EQ_NEQ_SET),
        field("lastSeen", Timestamp, DATE_RANGE_OPS),
        field("status", Code, EQ_NEQ),
        field("score", Int, &[Lt, Gt, Isset, Isnotset]),
        // Not in the tables, but sent by Microsoft's MCAS module (api.md §9).
        field("service", Int, EQ_NEQ),
        field("affiliation", Str, EQ_NEQ),
    ],
    window: Some(ENTITY_LAST_SEEN),
    change: Some(ENTITY_LAST_SEEN),
};

static SUBNETS: EntitySpec = EntitySpec {
    kind: EntityKind::Subnets,
    path: "v1/subnet/",
    page_cap: PAGE_CAP,
    skip_limit_window: None,
    scan: None,
    prefer_legacy_token: false,
    sort_fields: &["category", "tags", "name"],
    // api.md §10
    filters: &[
        field("category", Int, EQ_NEQ),
        field("tags", Str, EQ_NEQ),
        field("builtIn", Bool, &[Eq]),
    ],
    window: None,
    change: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_accept_singular_any_case() {
        for &kind in EntityKind::all() {
            assert_eq!(EntityKind::from_name(kind.name()).unwrap(), kind);
            assert_eq!(spec(kind).kind, kind);
        }
        assert_eq!(
            EntityKind::from_name(" Subnet ").unwrap(),
            EntityKind::Subnets
        );
        assert_eq!(
            EntityKind::from_name("ACTIVITY").unwrap(),
            EntityKind::Activities
        );
        assert_eq!(
            EntityKind::from_name("users").unwrap_err().kind(),
            ErrorKind::UnknownEntity
        );
    }

    #[test]
    fn filter_fields_are_unique_per_entity() {
        for &kind in EntityKind::all() {
            let fields = spec(kind).filters;
            for (i, f) in fields.iter().enumerate() {
                assert!(!f.ops.is_empty(), "{kind}: {} has no operator", f.name);
                assert!(
                    fields[i + 1..].iter().all(|g| g.name != f.name),
                    "{kind}: {} twice",
                    f.name
                );
            }
        }
    }
}
