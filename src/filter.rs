//! MDCA filters (api.md §5): the operators, and a typed builder that checks each condition against the entity
//! table before any request is sent.
//!
//! A filter is `{"<field>": {"<operator>": <value>, …}, …}`; fields are ANDed. Callers who already hold a
//! raw MDCA filter object pass it through untouched ([`raw`]); the builder is for callers who want the
//! mistakes (unknown field, an operator the field does not support, a value of the wrong shape) reported
//! locally, with the list of what is allowed, instead of as a server-side 400 or, worse, a silent empty
//! result.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::entity::{spec, EntityKind, FieldType, FilterField};
use crate::error::{Error, ErrorKind, Result};

/// A filter operator (api.md §5.2). The serde names are the wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "eq")]
    Eq,
    #[serde(rename = "neq")]
    Neq,
    #[serde(rename = "deq")]
    Deq,
    #[serde(rename = "gt")]
    Gt,
    #[serde(rename = "gte")]
    Gte,
    #[serde(rename = "lt")]
    Lt,
    #[serde(rename = "lte")]
    Lte,
    #[serde(rename = "range")]
    Range,
    #[serde(rename = "gte_ndays")]
    GteNdays,
    #[serde(rename = "lte_ndays")]
    LteNdays,
    #[serde(rename = "isset")]
    Isset,
    #[serde(rename = "isnotset")]
    Isnotset,
    #[serde(rename = "contains")]
    Contains,
    #[serde(rename = "ncontains")]
    Ncontains,
    #[serde(rename = "startswith")]
    Startswith,
    #[serde(rename = "doesnotstartwith")]
    Doesnotstartwith,
    #[serde(rename = "startswithsingle")]
    Startswithsingle,
    #[serde(rename = "endswith")]
    Endswith,
    #[serde(rename = "descendantof")]
    Descendantof,
    #[serde(rename = "ndescendantof")]
    Ndescendantof,
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "cabinetmatchedrulesequals")]
    Cabinetmatchedrulesequals,
}

/// What an operator's value looks like (api.md §5.2 "Value" column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A list of values of the field's type; a scalar is taken as a one-element list.
    List,
    /// One value of the field's type (numeric/timestamp comparison).
    Single,
    /// A list of `{"start": t, "end": t}`; one object is taken as a one-element list.
    Ranges,
    /// A non-negative number of days.
    Days,
    /// `true` (isset / isnotset).
    Flag,
    /// A list of strings whatever the field type (contains, startswith…).
    Strings,
    /// One string (text, startswithsingle).
    String,
}

const ALL_OPS: [Op; 22] = [
    Op::Eq,
    Op::Neq,
    Op::Deq,
    Op::Gt,
    Op::Gte,
    Op::Lt,
    Op::Lte,
    Op::Range,
    Op::GteNdays,
    Op::LteNdays,
    Op::Isset,
    Op::Isnotset,
    Op::Contains,
    Op::Ncontains,
    Op::Startswith,
    Op::Doesnotstartwith,
    Op::Startswithsingle,
    Op::Endswith,
    Op::Descendantof,
    Op::Ndescendantof,
    Op::Text,
    Op::Cabinetmatchedrulesequals,
];

impl Op {
    /// Every operator of api.md §5.2.
    pub fn all() -> &'static [Op] {
        &ALL_OPS
    }

    /// The wire name (`"gte_ndays"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Neq => "neq",
            Op::Deq => "deq",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Range => "range",
            Op::GteNdays => "gte_ndays",
            Op::LteNdays => "lte_ndays",
            Op::Isset => "isset",
            Op::Isnotset => "isnotset",
            Op::Contains => "contains",
            Op::Ncontains => "ncontains",
            Op::Startswith => "startswith",
            Op::Doesnotstartwith => "doesnotstartwith",
            Op::Startswithsingle => "startswithsingle",
            Op::Endswith => "endswith",
            Op::Descendantof => "descendantof",
            Op::Ndescendantof => "ndescendantof",
            Op::Text => "text",
            Op::Cabinetmatchedrulesequals => "cabinetmatchedrulesequals",
        }
    }

    /// Parses a wire name, ignoring case.
    pub fn from_name(name: &str) -> Result<Op> {
        let wanted = name.trim();
        ALL_OPS
            .iter()
            .copied()
            .find(|op| op.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown filter operator {name:?}; operators are {}",
                    join_names(ALL_OPS.iter().map(|op| op.name()))
                ))
            })
    }

    fn shape(self) -> Shape {
        match self {
            Op::Eq | Op::Neq | Op::Deq | Op::Descendantof | Op::Ndescendantof => Shape::List,
            Op::Cabinetmatchedrulesequals => Shape::List,
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => Shape::Single,
            Op::Range => Shape::Ranges,
            Op::GteNdays | Op::LteNdays => Shape::Days,
            Op::Isset | Op::Isnotset => Shape::Flag,
            Op::Contains | Op::Ncontains | Op::Startswith | Op::Doesnotstartwith | Op::Endswith => {
                Shape::Strings
            }
            Op::Startswithsingle | Op::Text => Shape::String,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Op {
    type Err = Error;
    fn from_str(s: &str) -> Result<Op> {
        Op::from_name(s)
    }
}

/// Checks that a raw MDCA filter is a JSON object and returns it untouched (api.md §5.1). Its fields and
/// operators are not checked: raw filters are the escape hatch for whatever the typed tables do not know.
pub fn raw(filters: Value) -> Result<Value> {
    check_raw(&filters)?;
    Ok(filters)
}

/// The check behind [`raw`], for callers that keep their value.
pub(crate) fn check_raw(filters: &Value) -> Result<()> {
    if filters.is_object() {
        Ok(())
    } else {
        Err(invalid(format!(
            "filters must be a JSON object like {{\"field\": {{\"eq\": [1]}}}}, not {}",
            json_kind(filters)
        )))
    }
}

/// Builds a filter object for one entity, validating every condition against the entity table.
///
/// ```
/// use mdca::{EntityKind, FilterBuilder, filter::Op};
/// let filters = FilterBuilder::new(EntityKind::Files)
///     .add("fileType", Op::Eq, 1)?
///     .add("sharing", Op::Eq, serde_json::json!([3, 4]))?
///     .build();
/// assert_eq!(filters, serde_json::json!({"fileType": {"eq": [1]}, "sharing": {"eq": [3, 4]}}));
/// # Ok::<(), mdca::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FilterBuilder {
    kind: EntityKind,
    filters: Map<String, Value>,
}

impl FilterBuilder {
    pub fn new(kind: EntityKind) -> FilterBuilder {
        FilterBuilder {
            kind,
            filters: Map::new(),
        }
    }

    /// Adds the condition `field op value`. Fails with [`ErrorKind::InvalidFilter`] when the entity has no
    /// such field, the field does not support the operator, the value does not fit the operator and the
    /// field type, or the same operator was already given for the field.
    pub fn add(mut self, field: &str, op: Op, value: impl Into<Value>) -> Result<FilterBuilder> {
        let def = self.field(field)?;
        if !def.ops.contains(&op) {
            return Err(invalid(format!(
                "filter field {field:?} of {} does not support operator {op:?} (wire name {}); it supports {}",
                self.kind,
                op.name(),
                join_names(def.ops.iter().map(|o| o.name()))
            )));
        }
        let value = normalise(def, op, value.into())?;
        let conditions = self
            .filters
            .entry(def.name)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("builder only inserts objects");
        if conditions.contains_key(op.name()) {
            return Err(invalid(format!(
                "filter field {field:?} already has a {} condition; put every value in one list",
                op.name()
            )));
        }
        conditions.insert(op.name().to_owned(), value);
        Ok(self)
    }

    /// Like [`FilterBuilder::add`] with the operator given by its wire name (for CLI and scripting callers).
    pub fn add_named(
        self,
        field: &str,
        op: &str,
        value: impl Into<Value>,
    ) -> Result<FilterBuilder> {
        let op = Op::from_name(op)?;
        self.add(field, op, value)
    }

    /// Whether no condition was added.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The filter object, ready for [`crate::pager::QueryRequest::filters`].
    pub fn build(self) -> Value {
        Value::Object(self.filters)
    }

    fn field(&self, name: &str) -> Result<&'static FilterField> {
        let table = spec(self.kind);
        table.filter_field(name).ok_or_else(|| {
            let hint = table
                .filters
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .map(|f| format!(" (did you mean {:?}? names are case-sensitive)", f.name))
                .unwrap_or_default();
            invalid(format!(
                "unknown filter field {name:?} for {}{hint}; known fields are {}",
                self.kind,
                join_names(table.filters.iter().map(|f| f.name))
            ))
        })
    }
}

/// Checks `value` against the operator's shape and the field's type and returns the form to send: scalars
/// for list operators become one-element lists (api.md §5.2), except for boolean fields, which take one value.
fn normalise(def: &FilterField, op: Op, value: Value) -> Result<Value> {
    let bad = |what: &str| {
        invalid(format!(
            "filter {}.{}: {what} (got {})",
            def.name,
            op.name(),
            compact(&value, 80)
        ))
    };
    match op.shape() {
        Shape::List if def.ty == FieldType::Bool => {
            let single = match &value {
                Value::Array(items) if items.len() == 1 => &items[0],
                other => other,
            };
            if single.is_boolean() {
                Ok(single.clone())
            } else {
                Err(bad("a boolean field takes one value, true or false"))
            }
        }
        Shape::List => {
            let items = into_list(value.clone());
            if items.is_empty() {
                return Err(bad("the list of values is empty"));
            }
            if let Some(item) = items.iter().find(|v| !fits(def.ty, v)) {
                return Err(bad(&format!(
                    "each value must be {}; {} is not",
                    def.ty.describe(),
                    compact(item, 80)
                )));
            }
            Ok(Value::Array(items))
        }
        Shape::Single => {
            if value.is_array() {
                Err(bad(&format!(
                    "takes a single value, {}, not a list",
                    def.ty.describe()
                )))
            } else if fits(def.ty, &value) {
                Ok(value)
            } else {
                Err(bad(&format!("the value must be {}", def.ty.describe())))
            }
        }
        Shape::Ranges => {
            let items = into_list(value.clone());
            if items.is_empty() {
                return Err(bad("the list of ranges is empty"));
            }
            for item in &items {
                let ok = item.as_object().is_some_and(|range| {
                    range.len() == 2
                        && range.get("start").is_some_and(|v| fits(def.ty, v))
                        && range.get("end").is_some_and(|v| fits(def.ty, v))
                });
                if !ok {
                    return Err(bad(&format!(
                        "each range must be {{\"start\": t, \"end\": t}} with t {}",
                        def.ty.describe()
                    )));
                }
            }
            Ok(Value::Array(items))
        }
        Shape::Days => {
            if value.as_u64().is_some() {
                Ok(value)
            } else {
                Err(bad("takes a number of days, a non-negative integer"))
            }
        }
        Shape::Flag => {
            if value == Value::Bool(true) {
                Ok(value)
            } else {
                Err(bad("takes the value true"))
            }
        }
        Shape::Strings => {
            let items = into_list(value.clone());
            if items.is_empty() || !items.iter().all(Value::is_string) {
                Err(bad("takes a string or a non-empty list of strings"))
            } else {
                Ok(Value::Array(items))
            }
        }
        Shape::String => {
            if value.is_string() {
                Ok(value)
            } else {
                Err(bad("takes one string"))
            }
        }
    }
}

fn into_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        scalar => vec![scalar],
    }
}

fn fits(ty: FieldType, value: &Value) -> bool {
    match ty {
        FieldType::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        FieldType::Str => value.is_string(),
        FieldType::Code => value.is_string() || value.is_i64(),
        FieldType::Bool => value.is_boolean(),
        FieldType::Timestamp => value.is_i64(),
        FieldType::EntityPk => value.as_object().is_some_and(|pk| {
            pk.get("id").is_some_and(|id| id.is_string() || id.is_i64())
                && pk
                    .keys()
                    .all(|k| matches!(k.as_str(), "id" | "saas" | "inst"))
                && ["saas", "inst"]
                    .iter()
                    .all(|k| pk.get(*k).is_none_or(Value::is_i64))
        }),
        FieldType::Reference => value.is_string() || value.is_object(),
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidFilter, message)
}

fn join_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value for an error message, cut to at most `max` bytes so a huge list does not flood it.
pub(crate) fn compact(value: &Value, max: usize) -> String {
    let text = value.to_string();
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_wire_names() {
        for &op in Op::all() {
            assert_eq!(
                serde_json::to_value(op).unwrap(),
                Value::String(op.name().into())
            );
            assert_eq!(Op::from_name(&op.name().to_uppercase()).unwrap(), op);
        }
    }
}
