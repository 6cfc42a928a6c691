//! Cmdlet parameters → MDCA requests: the one tested table behind the PowerShell module's typed parameters.
//!
//! The module (`dotnet/src/Mdca.PowerShell/`) declares parameters such as `Get-MdcaFile -FileType Document -Sharing
//! Public -ModifiedAfter (Get-Date).AddDays(-7)` and forwards the bound ones, as JSON, to this module through
//! the C ABI (`mdca_params_query_request`, `mdca_params_close_alerts`, `mdca_params_subnet_spec`). Keeping the
//! mapping here means it runs, and is tested, without PowerShell, and that every typed parameter is checked
//! against the entity table ([`crate::entity`]) by the same [`FilterBuilder`] Rust callers use.
//!
//! Parameter names compare case-insensitively, as PowerShell's do. Values are JSON: a scalar or a list;
//! names of enumerations (`"Document"`) or their numeric codes; dates as ISO 8601 strings (what the C#
//! layer sends for a `[datetime]`) or epoch milliseconds.

use serde_json::{json, Map, Value};

use crate::entity::{spec, EntityKind};
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{FilterBuilder, Op};

/// How a parameter's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// One or more integers (app ids, instance ids, codes without names).
    Ints,
    /// One or more strings.
    Strings,
    /// A switch: `true`/`false`, sent as the boolean.
    Switch,
    /// A point in time: ISO 8601 string or epoch milliseconds, sent as epoch milliseconds (api.md §2).
    Date,
    /// A non-negative number of days (`gte_ndays`).
    Days,
    /// Names of an enumeration (case-insensitive) or their codes, sent as the integer codes.
    Named(&'static [(&'static str, i64)]),
    /// Names of an enumeration sent as the API's upper-case strings.
    NamedText(&'static [(&'static str, &'static str)]),
    /// One free-text string.
    Text,
}

/// One typed filter parameter: the cmdlet parameter, the filter field and operator it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub field: &'static str,
    pub op: Op,
    pub kind: ParamKind,
}

const fn p(name: &'static str, field: &'static str, op: Op, kind: ParamKind) -> ParamSpec {
    ParamSpec {
        name,
        field,
        op,
        kind,
    }
}

use ParamKind::{Date, Days, Ints, Named, NamedText, Strings, Switch, Text};

/// `fileType` codes (api.md §8).
pub const FILE_TYPES: &[(&str, i64)] = &[
    ("Other", 0),
    ("Document", 1),
    ("Spreadsheet", 2),
    ("Presentation", 3),
    ("Text", 4),
    ("Image", 5),
    ("Folder", 6),
];
/// `sharing` access levels (api.md §8).
pub const SHARING: &[(&str, i64)] = &[
    ("Private", 0),
    ("Internal", 1),
    ("External", 2),
    ("Public", 3),
    ("PublicInternet", 4),
];
/// `severity` codes of alerts (api.md §7).
pub const SEVERITIES: &[(&str, i64)] =
    &[("Low", 0), ("Medium", 1), ("High", 2), ("Informational", 3)];
/// `resolutionStatus` codes of alerts (api.md §7).
pub const RESOLUTION_STATUSES: &[(&str, i64)] = &[
    ("Open", 0),
    ("Dismissed", 1),
    ("Resolved", 2),
    ("FalsePositive", 3),
    ("Benign", 4),
    ("TruePositive", 5),
];
/// IP range categories, shared by the activity `ip.category` filter and subnets (api.md §6, §10).
pub const IP_CATEGORIES: &[(&str, i64)] = &[
    ("Corporate", 1),
    ("Administrative", 2),
    ("Risky", 3),
    ("VPN", 4),
    ("CloudProvider", 5),
    ("Other", 6),
];
/// Entity `type` codes as Microsoft's MCAS module sends them (api.md §9).
pub const ENTITY_TYPES: &[(&str, i64)] = &[("Account", 1), ("User", 2)];
/// Entity `status` codes (api.md §9).
pub const ENTITY_STATUSES: &[(&str, i64)] = &[
    ("NotAvailable", 0),
    ("Staged", 1),
    ("Active", 2),
    ("Suspended", 3),
    ("Deleted", 4),
];
/// Activity `device.type` values (api.md §6).
pub const DEVICE_TYPES: &[(&str, &str)] = &[
    ("Desktop", "DESKTOP"),
    ("Mobile", "MOBILE"),
    ("Tablet", "TABLET"),
    ("Other", "OTHER"),
];

static ACTIVITY_PARAMS: &[ParamSpec] = &[
    p("Service", "service", Op::Eq, Ints),
    p("Instance", "instance", Op::Eq, Ints),
    p("User", "user.username", Op::Eq, Strings),
    p("UserDomain", "user.domain", Op::Eq, Strings),
    p("EventType", "activity.eventActionType", Op::Eq, Strings),
    p("ActionType", "actionType", Op::Eq, Strings),
    p("IpAddress", "ip.address", Op::Eq, Strings),
    p("IpCategory", "ip.category", Op::Eq, Named(IP_CATEGORIES)),
    p("Country", "location.country", Op::Eq, Strings),
    p("DeviceType", "device.type", Op::Eq, NamedText(DEVICE_TYPES)),
    p("AdminEvent", "activity.type", Op::Eq, Switch),
    p("Impersonated", "activity.impersonated", Op::Eq, Switch),
    p("Policy", "policy", Op::Eq, Strings),
    p("FileId", "fileId", Op::Eq, Strings),
    p("AlertId", "activity.alertId", Op::Eq, Strings),
    p("Text", "text", Op::Text, Text),
    p("After", "date", Op::Gte, Date),
    p("Before", "date", Op::Lte, Date),
    p("WithinDays", "date", Op::GteNdays, Days),
];

static ALERT_PARAMS: &[ParamSpec] = &[
    p("Severity", "severity", Op::Eq, Named(SEVERITIES)),
    p(
        "ResolutionStatus",
        "resolutionStatus",
        Op::Eq,
        Named(RESOLUTION_STATUSES),
    ),
    p("Open", "alertOpen", Op::Eq, Switch),
    p("Read", "read", Op::Eq, Switch),
    p("Service", "entity.service", Op::Eq, Ints),
    p("Instance", "entity.instance", Op::Eq, Ints),
    p("Policy", "entity.policy", Op::Eq, Strings),
    p("IpAddress", "entity.ip", Op::Eq, Strings),
    p("FileId", "entity.file", Op::Eq, Strings),
    p("Risk", "risk", Op::Eq, Ints),
    p("AlertType", "alertType", Op::Eq, Ints),
    p("After", "date", Op::Gte, Date),
    p("Before", "date", Op::Lte, Date),
    p("WithinDays", "date", Op::GteNdays, Days),
    p("ResolvedAfter", "resolutionDate", Op::Gte, Date),
    p("ResolvedBefore", "resolutionDate", Op::Lte, Date),
];

static FILE_PARAMS: &[ParamSpec] = &[
    p("Service", "service", Op::Eq, Ints),
    p("Instance", "instance", Op::Eq, Ints),
    p("FileType", "fileType", Op::Eq, Named(FILE_TYPES)),
    p("Sharing", "sharing", Op::Eq, Named(SHARING)),
    p("Name", "filename", Op::Eq, Strings),
    p("Extension", "extension", Op::Eq, Strings),
    p("MimeType", "mimeType", Op::Eq, Strings),
    p("Owner", "owner.username", Op::Eq, Strings),
    p("OwnerOrgUnit", "owner.orgUnit", Op::Eq, Strings),
    p(
        "CollaboratorDomain",
        "collaborators.domains",
        Op::Eq,
        Strings,
    ),
    p("Policy", "policy", Op::Cabinetmatchedrulesequals, Strings),
    p("FileLabel", "fileLabels", Op::Eq, Strings),
    p("FileId", "fileId", Op::Eq, Strings),
    p("IncludeDeleted", "allowDeleted", Op::Eq, Switch),
    p("Trashed", "trashed", Op::Eq, Switch),
    p("Folder", "folder", Op::Eq, Switch),
    p("Quarantined", "quarantined", Op::Eq, Switch),
    p("After", "modifiedDate", Op::Gte, Date),
    p("Before", "modifiedDate", Op::Lte, Date),
    p("WithinDays", "modifiedDate", Op::GteNdays, Days),
    p("CreatedAfter", "createdDate", Op::Gte, Date),
    p("CreatedBefore", "createdDate", Op::Lte, Date),
];

static ENTITY_PARAMS: &[ParamSpec] = &[
    p("Type", "type", Op::Eq, Named(ENTITY_TYPES)),
    p("Status", "status", Op::Eq, Named(ENTITY_STATUSES)),
    p("External", "isExternal", Op::Eq, Switch),
    p("Domain", "domain", Op::Eq, Strings),
    p("Organization", "organization", Op::Eq, Strings),
    p("UserGroup", "userGroups", Op::Eq, Strings),
    p("App", "app", Op::Eq, Ints),
    p("Instance", "instance", Op::Eq, Ints),
];

static SUBNET_PARAMS: &[ParamSpec] = &[
    p("Category", "category", Op::Eq, Named(IP_CATEGORIES)),
    p("Tag", "tags", Op::Eq, Strings),
    p("BuiltIn", "builtIn", Op::Eq, Switch),
];

/// The typed filter parameters of the `Get-Mdca*` cmdlet for `kind`.
pub fn filter_params(kind: EntityKind) -> &'static [ParamSpec] {
    match kind {
        EntityKind::Activities => ACTIVITY_PARAMS,
        EntityKind::Alerts => ALERT_PARAMS,
        EntityKind::Files => FILE_PARAMS,
        EntityKind::Entities => ENTITY_PARAMS,
        EntityKind::Subnets => SUBNET_PARAMS,
    }
}

/// Parameters every list cmdlet accepts besides its typed filters (paging, sorting, raw filters).
pub const REQUEST_PARAMS: &[&str] = &[
    "Filter",
    "First",
    "Skip",
    "All",
    "PageSize",
    "SortBy",
    "SortDirection",
];
/// Activities only: force scan mode on or off (api.md §4.4).
pub const SCAN_PARAM: &str = "Scan";

/// Turns the bound parameters of a `Get-Mdca*` cmdlet into the query request JSON that
/// `mdca_query_new` takes: `{"filters", "first", "skip", "all", "page_size", "sort_field",
/// "sort_direction", "scan"}` (only the keys that were given).
///
/// Typed parameters are validated against the entity table; `-Filter` is passed through verbatim and
/// merged field by field. The same field and operator from both is refused rather than silently
/// overwritten.
pub fn query_request(kind: EntityKind, params: &Value) -> Result<Value> {
    let params = as_object(params, "the parameters")?;
    let table = filter_params(kind);
    let mut builder = FilterBuilder::new(kind);
    let mut request = Map::new();
    let mut raw_filter: Option<&Map<String, Value>> = None;
    for (name, value) in params {
        if value.is_null() {
            continue;
        }
        if let Some(param) = table.iter().find(|p| p.name.eq_ignore_ascii_case(name)) {
            if let Some(value) = filter_value(param, value)? {
                builder = builder.add(param.field, param.op, value).map_err(|e| {
                    let message = format!("-{}: {}", param.name, e.message());
                    e.with_message(message)
                })?;
            }
            continue;
        }
        match canonical(name, kind)? {
            "Filter" => raw_filter = Some(as_object(value, "-Filter")?),
            "First" => {
                request.insert("first".into(), json!(non_negative(value, "-First")?));
            }
            "Skip" => {
                request.insert("skip".into(), json!(non_negative(value, "-Skip")?));
            }
            "All" => {
                if switch(value, "-All")? {
                    request.insert("all".into(), json!(true));
                }
            }
            "PageSize" => {
                let size = non_negative(value, "-PageSize")?;
                if size == 0 {
                    return Err(Error::invalid_argument("-PageSize must be at least 1"));
                }
                request.insert("page_size".into(), json!(size));
            }
            "SortBy" => {
                request.insert("sort_field".into(), json!(sort_field(kind, value)?));
            }
            "SortDirection" => {
                request.insert("sort_direction".into(), json!(sort_direction(value)?));
            }
            "Scan" => {
                request.insert("scan".into(), json!(switch(value, "-Scan")?));
            }
            other => return Err(Error::internal(format!("parameter {other} has no mapping"))),
        }
    }
    let mut filters = match builder.build() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if let Some(raw) = raw_filter {
        merge_raw(&mut filters, raw)?;
    }
    if !filters.is_empty() {
        request.insert("filters".into(), Value::Object(filters));
    }
    Ok(Value::Object(request))
}

/// Resolves a non-filter parameter name to its canonical spelling, or explains which names exist.
fn canonical(name: &str, kind: EntityKind) -> Result<&'static str> {
    if let Some(found) = REQUEST_PARAMS.iter().find(|p| p.eq_ignore_ascii_case(name)) {
        return Ok(found);
    }
    if kind == EntityKind::Activities && SCAN_PARAM.eq_ignore_ascii_case(name) {
        return Ok(SCAN_PARAM);
    }
    let mut known: Vec<&str> = filter_params(kind).iter().map(|p| p.name).collect();
    known.extend_from_slice(REQUEST_PARAMS);
    if kind == EntityKind::Activities {
        known.push(SCAN_PARAM);
    }
    Err(Error::invalid_argument(format!(
        "unknown parameter -{name} for {kind}; known parameters are {}",
        known
            .iter()
            .map(|k| format!("-{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// The filter value for a typed parameter, or `None` when the parameter adds no condition (a switch given
/// as `-Folder:$false` still filters, so only an empty list is dropped).
fn filter_value(param: &ParamSpec, value: &Value) -> Result<Option<Value>> {
    let what = format!("-{}", param.name);
    let items = match value {
        Value::Array(items) => items.clone(),
        scalar => vec![scalar.clone()],
    };
    if items.is_empty() {
        return Ok(None);
    }
    let converted = match param.kind {
        ParamKind::Ints => Value::Array(
            items
                .iter()
                .map(|v| integer(v, &what).map(Value::from))
                .collect::<Result<_>>()?,
        ),
        ParamKind::Strings => Value::Array(
            items
                .iter()
                .map(|v| string(v, &what).map(Value::from))
                .collect::<Result<_>>()?,
        ),
        ParamKind::Named(names) => Value::Array(
            items
                .iter()
                .map(|v| named_code(names, v, &what).map(Value::from))
                .collect::<Result<_>>()?,
        ),
        ParamKind::NamedText(names) => Value::Array(
            items
                .iter()
                .map(|v| named_text(names, v, &what).map(Value::from))
                .collect::<Result<_>>()?,
        ),
        ParamKind::Switch => Value::Bool(switch(single(&items, &what)?, &what)?),
        ParamKind::Date => Value::from(epoch_ms(single(&items, &what)?, &what)?),
        ParamKind::Days => Value::from(non_negative(single(&items, &what)?, &what)?),
        ParamKind::Text => Value::from(string(single(&items, &what)?, &what)?),
    };
    Ok(Some(converted))
}

/// Adds a raw `-Filter` to the typed conditions; the raw side is not validated (it is the escape hatch for
/// fields the tables do not know), only its shape `{field: {operator: value}}`.
fn merge_raw(filters: &mut Map<String, Value>, raw: &Map<String, Value>) -> Result<()> {
    for (field, conditions) in raw {
        let conditions = conditions.as_object().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidFilter,
                format!("-Filter: the value of {field:?} must be an object of operators, like @{{ eq = @(1) }}"),
            )
        })?;
        let target = filters
            .entry(field.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| Error::internal("typed filters hold objects"))?;
        for (op, value) in conditions {
            if target.contains_key(op) {
                return Err(Error::invalid_argument(format!(
                    "-Filter sets {field}.{op}, which a typed parameter already sets; use one or the other"
                )));
            }
            target.insert(op.clone(), value.clone());
        }
    }
    Ok(())
}

fn sort_field(kind: EntityKind, value: &Value) -> Result<&'static str> {
    let wanted = string(value, "-SortBy")?;
    let fields = spec(kind).sort_fields;
    fields
        .iter()
        .copied()
        .find(|f| f.eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| {
            Error::invalid_argument(format!(
                "-SortBy {wanted:?} is not a sort field of {kind}; use one of {}",
                fields.join(", ")
            ))
        })
}

fn sort_direction(value: &Value) -> Result<&'static str> {
    let wanted = string(value, "-SortDirection")?;
    match wanted.to_ascii_lowercase().as_str() {
        "ascending" | "asc" => Ok("asc"),
        "descending" | "desc" => Ok("desc"),
        _ => Err(Error::invalid_argument(format!(
            "-SortDirection {wanted:?}: use Ascending or Descending"
        ))),
    }
}

/// How `Close-MdcaAlert` closes alerts (api.md §7): the endpoint and the `reasonId` values it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseKind {
    pub name: &'static str,
    pub wire: &'static str,
    pub reasons: &'static [(&'static str, i64)],
}

/// The three close kinds with their documented reasons (api.md §7: true positive takes no `reasonId`).
pub const CLOSE_KINDS: &[CloseKind] = &[
    CloseKind {
        name: "Benign",
        wire: "benign",
        reasons: &[
            ("ActualSeverityIsLower", 2),
            ("Other", 4),
            ("ConfirmedWithEndUser", 5),
            ("TriggeredByTest", 6),
        ],
    },
    CloseKind {
        name: "FalsePositive",
        wire: "false_positive",
        reasons: &[
            ("NotOfInterest", 0),
            ("TooManySimilarAlerts", 1),
            ("AlertIsNotAccurate", 3),
            ("Other", 4),
        ],
    },
    CloseKind {
        name: "TruePositive",
        wire: "true_positive",
        reasons: &[],
    },
];

/// Parameters `Close-MdcaAlert` forwards.
pub const CLOSE_PARAMS: &[&str] = &["Identity", "Filter", "As", "Comment", "ReasonCode"];

/// Turns `Close-MdcaAlert`'s parameters (`Identity` = collected alert ids, or `Filter`; `As`; `Comment`;
/// `ReasonCode`) into the request JSON of `mdca_client_close_alerts`:
/// `{"ids"|"filter", "as", "comment", "reason_id"}`.
pub fn close_alerts_request(params: &Value) -> Result<Value> {
    let params = as_object(params, "the parameters")?;
    let mut ids: Option<Vec<Value>> = None;
    let mut filter = None;
    let mut kind = None;
    let mut comment = None;
    let mut reason = None;
    for (name, value) in params {
        if value.is_null() {
            continue;
        }
        let canonical = CLOSE_PARAMS
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "unknown parameter -{name} for Close-MdcaAlert; known parameters are -{}",
                    CLOSE_PARAMS.join(", -")
                ))
            })?;
        match *canonical {
            "Identity" => {
                let list = match value {
                    Value::Array(items) => items.clone(),
                    scalar => vec![scalar.clone()],
                };
                let list = list
                    .iter()
                    .map(|v| string(v, "-Identity").map(Value::from))
                    .collect::<Result<Vec<_>>>()?;
                ids = Some(list);
            }
            "Filter" => filter = Some(Value::Object(as_object(value, "-Filter")?.clone())),
            "As" => {
                let wanted = string(value, "-As")?;
                let squashed = wanted.replace(['_', ' ', '-'], "");
                kind = Some(
                    CLOSE_KINDS
                        .iter()
                        .find(|k| k.name.eq_ignore_ascii_case(&squashed))
                        .ok_or_else(|| {
                            Error::invalid_argument(format!(
                                "-As {wanted:?}: use Benign, FalsePositive or TruePositive"
                            ))
                        })?,
                );
            }
            "Comment" => comment = Some(string(value, "-Comment")?),
            "ReasonCode" => reason = Some(value),
            _ => {
                return Err(Error::internal(format!(
                    "parameter {canonical} has no mapping"
                )))
            }
        }
    }
    let kind = kind.ok_or_else(|| {
        Error::invalid_argument("-As is required: Benign, FalsePositive or TruePositive")
    })?;
    let mut request = Map::new();
    match (ids, filter) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_argument(
                "give either alert ids (-Identity) or -Filter, not both",
            ))
        }
        (Some(ids), None) if ids.is_empty() => {
            return Err(Error::invalid_argument(
                "-Identity: no alert ids were given",
            ))
        }
        (Some(ids), None) => {
            request.insert("ids".into(), Value::Array(ids));
        }
        (None, Some(filter)) => {
            request.insert("filter".into(), filter);
        }
        (None, None) => {
            return Err(Error::invalid_argument(
                "say which alerts to close: -Identity or -Filter",
            ))
        }
    }
    request.insert("as".into(), json!(kind.wire));
    if let Some(comment) = comment {
        request.insert("comment".into(), json!(comment));
    }
    if let Some(reason) = reason {
        if kind.reasons.is_empty() {
            return Err(Error::invalid_argument(format!(
                "-ReasonCode: closing as {} takes no reason (docs/api.md §7)",
                kind.name
            )));
        }
        request.insert(
            "reason_id".into(),
            json!(named_code(kind.reasons, reason, "-ReasonCode")?),
        );
    }
    Ok(Value::Object(request))
}

/// Parameters `New-MdcaSubnet`/`Set-MdcaSubnet` forward.
pub const SUBNET_SPEC_PARAMS: &[&str] = &["Name", "Category", "Subnet", "Organization", "Tag"];

/// Turns `New-MdcaSubnet`/`Set-MdcaSubnet` parameters into the subnet spec JSON of
/// `mdca_client_create_subnet`/`mdca_client_update_subnet`: `{"name", "category", "subnets",
/// "organization", "tags"}` (api.md §10). Update replaces the whole record, so the same fields are required.
pub fn subnet_spec(params: &Value) -> Result<Value> {
    let params = as_object(params, "the parameters")?;
    let mut spec = Map::new();
    for (name, value) in params {
        if value.is_null() {
            continue;
        }
        let canonical = SUBNET_SPEC_PARAMS
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::invalid_argument(format!(
                    "unknown parameter -{name} for an IP range; known parameters are -{}",
                    SUBNET_SPEC_PARAMS.join(", -")
                ))
            })?;
        let list = || match value {
            Value::Array(items) => items.clone(),
            scalar => vec![scalar.clone()],
        };
        match *canonical {
            "Name" => {
                spec.insert("name".into(), json!(string(value, "-Name")?));
            }
            "Category" => {
                spec.insert(
                    "category".into(),
                    json!(named_code(IP_CATEGORIES, value, "-Category")?),
                );
            }
            "Subnet" => {
                let subnets = list()
                    .iter()
                    .map(|v| cidr(v).map(Value::from))
                    .collect::<Result<Vec<_>>>()?;
                spec.insert("subnets".into(), Value::Array(subnets));
            }
            "Organization" => {
                spec.insert(
                    "organization".into(),
                    json!(string(value, "-Organization")?),
                );
            }
            "Tag" => {
                let tags = list()
                    .iter()
                    .map(|v| string(v, "-Tag").map(Value::from))
                    .collect::<Result<Vec<_>>>()?;
                spec.insert("tags".into(), Value::Array(tags));
            }
            _ => {
                return Err(Error::internal(format!(
                    "parameter {canonical} has no mapping"
                )))
            }
        }
    }
    for (key, param) in [
        ("name", "-Name"),
        ("category", "-Category"),
        ("subnets", "-Subnet"),
    ] {
        if !spec.contains_key(key) {
            return Err(Error::invalid_argument(format!(
                "{param} is required (an IP range update replaces the whole record, docs/api.md §10)"
            )));
        }
    }
    if spec["subnets"].as_array().is_some_and(Vec::is_empty) {
        return Err(Error::invalid_argument(
            "-Subnet: give at least one CIDR range",
        ));
    }
    Ok(Value::Object(spec))
}

/// Everything the mapping accepts, for the module's static checks and for documentation:
/// `{"queries": {"<entity>": {"parameters": [{name, field, operator, kind, values?}], "request_parameters",
/// "sort_fields"}}, "close_alerts": {...}, "subnet_spec": {...}}`.
pub fn describe() -> Value {
    let mut queries = Map::new();
    for &kind in EntityKind::all() {
        let parameters: Vec<Value> = filter_params(kind)
            .iter()
            .map(|param| {
                let mut entry = json!({
                    "name": param.name,
                    "field": param.field,
                    "operator": param.op.name(),
                    "kind": kind_name(param.kind),
                });
                if let Some(values) = value_names(param.kind) {
                    entry["values"] = json!(values);
                }
                entry
            })
            .collect();
        let mut request: Vec<&str> = REQUEST_PARAMS.to_vec();
        if kind == EntityKind::Activities {
            request.push(SCAN_PARAM);
        }
        queries.insert(
            kind.name().into(),
            json!({
                "parameters": parameters,
                "request_parameters": request,
                "sort_fields": spec(kind).sort_fields,
            }),
        );
    }
    let kinds: Vec<Value> = CLOSE_KINDS
        .iter()
        .map(|k| {
            json!({"name": k.name, "wire": k.wire,
                   "reasons": k.reasons.iter().map(|(n, _)| *n).collect::<Vec<_>>()})
        })
        .collect();
    json!({
        "queries": queries,
        "close_alerts": {"parameters": CLOSE_PARAMS, "kinds": kinds},
        "subnet_spec": {
            "parameters": SUBNET_SPEC_PARAMS,
            "categories": IP_CATEGORIES.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        },
    })
}

fn kind_name(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::Ints => "ints",
        ParamKind::Strings => "strings",
        ParamKind::Switch => "switch",
        ParamKind::Date => "date",
        ParamKind::Days => "days",
        ParamKind::Named(_) | ParamKind::NamedText(_) => "named",
        ParamKind::Text => "text",
    }
}

fn value_names(kind: ParamKind) -> Option<Vec<&'static str>> {
    match kind {
        ParamKind::Named(names) => Some(names.iter().map(|(n, _)| *n).collect()),
        ParamKind::NamedText(names) => Some(names.iter().map(|(n, _)| *n).collect()),
        _ => None,
    }
}

fn as_object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    value.as_object().ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidJson,
            format!("{what} must be a JSON object, not {value}"),
        )
    })
}

fn single<'a>(items: &'a [Value], what: &str) -> Result<&'a Value> {
    match items {
        [one] => Ok(one),
        _ => Err(Error::invalid_argument(format!(
            "{what} takes one value, not a list"
        ))),
    }
}

fn string(value: &Value, what: &str) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(Error::invalid_argument(format!(
            "{what} takes text, not {other}"
        ))),
    }
}

fn integer(value: &Value, what: &str) -> Result<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Error::invalid_argument(format!("{what} takes whole numbers, not {value}")))
}

fn non_negative(value: &Value, what: &str) -> Result<u64> {
    let n = integer(value, what)?;
    u64::try_from(n).map_err(|_| Error::invalid_argument(format!("{what} must not be negative")))
}

fn switch(value: &Value, what: &str) -> Result<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(Error::invalid_argument(format!(
            "{what} is a switch (true/false), not {other}"
        ))),
    }
}

/// A name of `names` (case-insensitive, blanks and underscores ignored) or one of its codes.
fn named_code(names: &[(&str, i64)], value: &Value, what: &str) -> Result<i64> {
    let found = match value {
        Value::Number(n) => n
            .as_i64()
            .filter(|code| names.iter().any(|(_, c)| c == code)),
        Value::String(s) => {
            let squashed = s.replace(['_', ' ', '-'], "");
            names
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(&squashed))
                .map(|(_, code)| *code)
                .or_else(|| {
                    s.trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|code| names.iter().any(|(_, c)| c == code))
                })
        }
        _ => None,
    };
    found.ok_or_else(|| {
        Error::invalid_argument(format!(
            "{what}: {value} is not one of {}",
            names
                .iter()
                .map(|(n, c)| format!("{n} ({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn named_text(names: &[(&str, &'static str)], value: &Value, what: &str) -> Result<&'static str> {
    let wanted = string(value, what)?;
    names
        .iter()
        .find(|(name, wire)| {
            name.eq_ignore_ascii_case(&wanted) || wire.eq_ignore_ascii_case(&wanted)
        })
        .map(|(_, wire)| *wire)
        .ok_or_else(|| {
            Error::invalid_argument(format!(
                "{what}: {wanted:?} is not one of {}",
                names.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            ))
        })
}

fn cidr(value: &Value) -> Result<String> {
    let text = string(value, "-Subnet")?;
    let bad = || {
        Error::invalid_argument(format!(
            "-Subnet: {text:?} is not a CIDR range such as 192.0.2.0/24 or 2001:db8::/32"
        ))
    };
    let (address, prefix) = text.trim().split_once('/').ok_or_else(bad)?;
    let address: std::net::IpAddr = address.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        return Err(bad());
    }
    Ok(text.trim().to_owned())
}

/// Epoch milliseconds from an integer or an ISO 8601 / RFC 3339 string (`2024-05-01`,
/// `2024-05-01T10:00:00Z`, `2024-05-01T10:00:00.250+02:00`); a time without offset is UTC.
pub fn epoch_ms(value: &Value, what: &str) -> Result<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => parse_iso8601(s.trim()),
        _ => None,
    }
    .ok_or_else(|| {
        Error::invalid_argument(format!(
            "{what} takes a date (ISO 8601 such as 2024-05-01T10:00:00Z, or epoch milliseconds), not {value}"
        ))
    })
}

fn parse_iso8601(s: &str) -> Option<i64> {
    let digits = |t: &str| -> Option<i64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (year, month, day) = (
        digits(parts.next()?)?,
        digits(parts.next()?)?,
        digits(parts.next()?)?,
    );
    if parts.next().is_some()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
    {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
    if let Some(time) = time {
        let (clock, offset_ms) = if let Some(stripped) = time.strip_suffix(['Z', 'z']) {
            (stripped, 0)
        } else if let Some(i) = time.rfind(['+', '-']) {
            let (h, m) = time[i + 1..]
                .split_once(':')
                .unwrap_or((&time[i + 1..], "00"));
            let (h, m) = (digits(h)?, digits(m)?);
            if h > 23 || m > 59 {
                return None;
            }
            let sign = if time.as_bytes()[i] == b'+' { 1 } else { -1 };
            (&time[..i], sign * (h * 60 + m) * 60_000)
        } else {
            (time, 0)
        };
        let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let mut fields = hms.split(':');
        let h = digits(fields.next()?)?;
        let m = digits(fields.next()?)?;
        let sec = fields.next().map(digits).unwrap_or(Some(0))?;
        if fields.next().is_some() || h > 23 || m > 59 || sec > 60 {
            return None;
        }
        let ms = if fraction.is_empty() {
            0
        } else {
            let padded: String = fraction.chars().chain("000".chars()).take(3).collect();
            digits(fraction)?;
            digits(&padded)?
        };
        millis += ((h * 60 + m) * 60 + sec) * 1000 + ms - offset_ms;
    }
    Some(millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
