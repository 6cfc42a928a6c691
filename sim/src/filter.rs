//! Filter evaluation on records (api.md §5, §14 rules 17–19).
//!
//! A request's `filters` object is compiled once against an entity's field table into a list of
//! conditions, then evaluated per record index. Every field of the table names where its values live:
//! either a cheap function of the record index (`Getter::Fast`, no JSON is built), or paths into the
//! generated record (`Getter::Json` / `Getter::Derived`, which build the record lazily, once per record and
//! only when such a field is filtered on — markedly slower over a million activities).
//!
//! Decisions not fixed by api.md (documented for the simulator README):
//! - Fields are ANDed, and so are several operators under one field (api.md §5.1); list values match any.
//! - An unknown field, an operator the field does not support, or a value of the wrong shape or type all
//!   answer the rule-19 validation body; its `value` is the field name, the operator name or the value.
//! - String equality (`eq`, `neq`, `deq`) and all text operators (`contains`, `startswith`, `text`, …)
//!   ignore case; `text` is a substring search over the field's text values.
//! - `gte_ndays N` keeps dates at or after `now - N days`, `lte_ndays N` dates at or before it, where now is
//!   the dataset's clock.
//! - `isset: false` means the same as `isnotset: true` (and vice versa); a value is "set" when the record
//!   holds at least one non-null, non-empty value for the field.
//! - `descendantof` matches a value or any ancestor recorded for it (files: the `parentIds` chain).

use serde_json::{Map, Value};

const DAY_MS: f64 = 86_400_000.0;

/// A value on either side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// An entity reference `{"id","saas","inst"}` (api.md §5.1); a filter may omit `saas` or `inst`.
    Pk {
        id: String,
        saas: Option<i64>,
        inst: Option<i64>,
    },
}

impl Scalar {
    pub fn pk(id: impl Into<String>, saas: i64, inst: i64) -> Scalar {
        Scalar::Pk {
            id: id.into(),
            saas: Some(saas),
            inst: Some(inst),
        }
    }

    fn is_set(&self) -> bool {
        match self {
            Scalar::Null => false,
            Scalar::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// The numeric reading of a value (numbers, numeric strings, ISO-8601 dates as epoch ms).
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(v) => Some(*v as f64),
            Scalar::Float(v) => Some(*v),
            Scalar::Str(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .or_else(|| crate::data::rng::parse_iso(s).map(|v| v as f64)),
            _ => None,
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Int(v) => Some(v.to_string()),
            Scalar::Float(v) => Some(v.to_string()),
            Scalar::Str(s) => Some(s.to_lowercase()),
            Scalar::Pk { id, .. } => Some(id.to_lowercase()),
        }
    }
}

fn same_text(a: &str, b: &str) -> bool {
    a == b
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// Does a record value equal a filter value? Numbers compare numerically, strings without case, a number
/// against a numeric string by value (spec tables type some int-coded fields as strings).
fn equals(rec: &Scalar, want: &Scalar) -> bool {
    match (rec, want) {
        (Scalar::Int(a), Scalar::Int(b)) => a == b,
        (Scalar::Int(_) | Scalar::Float(_), Scalar::Int(_) | Scalar::Float(_)) => {
            rec.number() == want.number()
        }
        (Scalar::Str(a), Scalar::Str(b)) => same_text(a, b),
        (Scalar::Bool(a), Scalar::Bool(b)) => a == b,
        (Scalar::Str(s), Scalar::Int(_) | Scalar::Float(_))
        | (Scalar::Int(_) | Scalar::Float(_), Scalar::Str(s)) => {
            let other = if matches!(rec, Scalar::Str(_)) {
                want
            } else {
                rec
            };
            s.trim().parse::<f64>().ok() == other.number()
        }
        (Scalar::Bool(b), Scalar::Str(s)) | (Scalar::Str(s), Scalar::Bool(b)) => {
            same_text(s, if *b { "true" } else { "false" })
        }
        (
            Scalar::Pk { id, saas, inst },
            Scalar::Pk {
                id: wid,
                saas: wsaas,
                inst: winst,
            },
        ) => {
            same_text(id, wid)
                && (wsaas.is_none() || saas == wsaas)
                && (winst.is_none() || inst == winst)
        }
        (Scalar::Pk { id, .. }, Scalar::Str(s)) | (Scalar::Str(s), Scalar::Pk { id, .. }) => {
            same_text(id, s)
        }
        _ => false,
    }
}

/// The declared type of a filter field (api.md §6–§10 tables); it decides which values are valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Int,
    Str,
    Bool,
    /// Epoch milliseconds; filters may also give an ISO-8601 string.
    Time,
    /// Entity reference object, a base64 entity pk, or a bare id string.
    Pk,
    /// A 24-hex ObjectId (alert ids): anything else is the rule-19 "is not valid" case.
    ObjectId,
}

/// The operators of api.md §5.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Deq,
    Gt,
    Gte,
    Lt,
    Lte,
    Range,
    GteNdays,
    LteNdays,
    Isset,
    Isnotset,
    Contains,
    Ncontains,
    Startswith,
    Doesnotstartwith,
    Startswithsingle,
    Endswith,
    Text,
    Descendantof,
    Ndescendantof,
    Cabinetmatchedrulesequals,
}

impl Op {
    pub const ALL: [Op; 22] = [
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
        Op::Text,
        Op::Descendantof,
        Op::Ndescendantof,
        Op::Cabinetmatchedrulesequals,
    ];

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
            Op::Text => "text",
            Op::Descendantof => "descendantof",
            Op::Ndescendantof => "ndescendantof",
            Op::Cabinetmatchedrulesequals => "cabinetmatchedrulesequals",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == s)
    }
}

/// Where a field's values come from.
pub enum Getter<C: 'static> {
    /// Computed from the record index alone; no JSON is generated.
    Fast(fn(&C, i64) -> Vec<Scalar>),
    /// Dotted paths into the generated record; arrays along the way are flattened, objects carrying an
    /// `id` become entity references.
    Json(&'static [&'static str]),
    /// Computed from the generated record.
    Derived(fn(&Value) -> Vec<Scalar>),
}

/// One row of an entity's filter table.
pub struct FieldDef<C: 'static> {
    /// The filter name(s) accepted for this field (e.g. alerts `ID` and `id`).
    pub names: &'static [&'static str],
    pub ty: FieldType,
    pub ops: &'static [Op],
    pub get: Getter<C>,
    /// Values used by `descendantof`/`ndescendantof` (the field's values when absent).
    pub tree: Option<Getter<C>>,
}

impl<C> FieldDef<C> {
    pub const fn new(
        names: &'static [&'static str],
        ty: FieldType,
        ops: &'static [Op],
        get: Getter<C>,
    ) -> Self {
        FieldDef {
            names,
            ty,
            ops,
            get,
            tree: None,
        }
    }

    pub fn name(&self) -> &'static str {
        self.names[0]
    }
}

/// A parsed operator argument.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    List(Vec<Scalar>),
    One(Scalar),
    Ranges(Vec<(f64, f64)>),
    Days(f64),
    Flag(bool),
    Text(String),
}

/// One `field.op(arg)` test; a compiled filter is a list of these, all of which must hold.
pub struct Cond<C: 'static> {
    pub field: &'static FieldDef<C>,
    pub op: Op,
    pub arg: Arg,
}

/// The rule-19 body: `{"filters":[{"error":"<v> is not valid",…}],"error":true}` (api.md §12).
pub fn invalid(v: &str) -> Value {
    serde_json::json!({
        "filters": [{
            "error": format!("{v} is not valid"),
            "errorMessageCode": "CONSOLE_FORMS_NOT_VALID_VALUE",
            "errorMessageParams": {"value": v},
        }],
        "error": true,
    })
}

/// The rule-19 body for a JSON value: strings appear bare, anything else as compact JSON.
pub fn invalid_value(v: &Value) -> Value {
    match v {
        Value::String(s) => invalid(s),
        other => invalid(&other.to_string()),
    }
}

/// Compiles a `filters` object against a field table (api.md §5.1). Errors are the full 400 body.
pub fn compile<C>(
    filters: &Map<String, Value>,
    fields: &'static [FieldDef<C>],
) -> Result<Vec<Cond<C>>, Value> {
    let mut conds = Vec::new();
    for (name, spec) in filters {
        let field = fields
            .iter()
            .find(|f| f.names.contains(&name.as_str()))
            .ok_or_else(|| invalid(name))?;
        let ops = spec.as_object().ok_or_else(|| invalid_value(spec))?;
        for (op_name, raw) in ops {
            let op = Op::parse(op_name)
                .filter(|op| field.ops.contains(op))
                .ok_or_else(|| invalid(op_name))?;
            let arg = parse_arg(field.ty, op, raw).map_err(|bad| invalid_value(&bad))?;
            conds.push(Cond { field, op, arg });
        }
    }
    Ok(conds)
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        one => vec![one],
    }
}

/// One value expected: a scalar, or a one-element list.
fn single(v: &Value) -> Result<&Value, Value> {
    match v {
        Value::Array(items) if items.len() == 1 => Ok(&items[0]),
        Value::Array(_) | Value::Object(_) => Err(v.clone()),
        one => Ok(one),
    }
}

fn parse_arg(ty: FieldType, op: Op, v: &Value) -> Result<Arg, Value> {
    match op {
        Op::Eq
        | Op::Neq
        | Op::Deq
        | Op::Descendantof
        | Op::Ndescendantof
        | Op::Cabinetmatchedrulesequals => as_list(v)
            .into_iter()
            .map(|x| parse_value(ty, x))
            .collect::<Result<_, _>>()
            .map(Arg::List),
        Op::Contains | Op::Ncontains | Op::Startswith | Op::Doesnotstartwith | Op::Endswith => {
            as_list(v)
                .into_iter()
                .map(|x| text_arg(x).map(Scalar::Str))
                .collect::<Result<_, _>>()
                .map(Arg::List)
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let one = single(v)?;
            let ty = if ty == FieldType::Time {
                FieldType::Time
            } else {
                FieldType::Int
            };
            parse_value(ty, one).map(Arg::One)
        }
        Op::Range => {
            let mut ranges = Vec::new();
            for item in as_list(v) {
                let obj = item.as_object().ok_or_else(|| item.clone())?;
                let bound = |k: &str| -> Result<f64, Value> {
                    let b = obj.get(k).ok_or_else(|| item.clone())?;
                    parse_value(FieldType::Time, b)?
                        .number()
                        .ok_or_else(|| b.clone())
                };
                ranges.push((bound("start")?, bound("end")?));
            }
            Ok(Arg::Ranges(ranges))
        }
        Op::GteNdays | Op::LteNdays => {
            let one = single(v)?;
            let n = match one {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            n.filter(|n| n.is_finite() && *n >= 0.0)
                .map(Arg::Days)
                .ok_or_else(|| one.clone())
        }
        Op::Isset | Op::Isnotset => match parse_value(FieldType::Bool, single(v)?)? {
            Scalar::Bool(b) => Ok(Arg::Flag(b)),
            _ => Err(v.clone()),
        },
        Op::Startswithsingle | Op::Text => text_arg(single(v)?).map(Arg::Text),
    }
}

fn text_arg(v: &Value) -> Result<String, Value> {
    match v {
        Value::String(s) => Ok(s.to_lowercase()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(other.clone()),
    }
}

/// Parses one filter value for a field type; `Err` carries the offending value for the 400 body.
pub fn parse_value(ty: FieldType, v: &Value) -> Result<Scalar, Value> {
    let bad = || v.clone();
    match ty {
        FieldType::Int => match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Scalar::Int)
                .ok_or_else(bad),
            Value::String(s) => s.trim().parse().map(Scalar::Int).map_err(|_| bad()),
            _ => Err(bad()),
        },
        FieldType::Time => match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .map(Scalar::Int)
                .ok_or_else(bad),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| crate::data::rng::parse_iso(s.trim()))
                .map(Scalar::Int)
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        FieldType::Bool => match v {
            Value::Bool(b) => Ok(Scalar::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Scalar::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Scalar::Bool(false)),
            _ => Err(bad()),
        },
        FieldType::Str => match v {
            Value::String(s) => Ok(Scalar::Str(s.clone())),
            Value::Number(n) => Ok(Scalar::Str(n.to_string())),
            Value::Bool(b) => Ok(Scalar::Str(b.to_string())),
            _ => Err(bad()),
        },
        FieldType::ObjectId => match v {
            Value::String(s) if crate::data::rng::is_object_id(s) => {
                Ok(Scalar::Str(s.to_ascii_lowercase()))
            }
            _ => Err(bad()),
        },
        FieldType::Pk => match v {
            Value::Object(obj) => pk_from_object(obj).ok_or_else(bad),
            Value::String(s) => Ok(crate::data::decode_pk(s)
                .and_then(|pk| pk_from_object(&pk))
                .unwrap_or_else(|| Scalar::Pk {
                    id: s.clone(),
                    saas: None,
                    inst: None,
                })),
            _ => Err(bad()),
        },
    }
}

fn pk_from_object(obj: &Map<String, Value>) -> Option<Scalar> {
    let id = match obj.get("id")? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let int = |k: &str| -> Result<Option<i64>, ()> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
            Some(_) => Err(()),
        }
    };
    Some(Scalar::Pk {
        id,
        saas: int("saas").ok()?,
        inst: int("inst").ok()?,
    })
}

/// Collects the values found at a dotted path (arrays flattened at every level).
pub fn values_at(v: &Value, path: &str, out: &mut Vec<Scalar>) {
    collect(v, path.split('.'), out);
}

fn collect<'p>(v: &Value, mut path: impl Iterator<Item = &'p str> + Clone, out: &mut Vec<Scalar>) {
    let rest = path.clone();
    match path.next() {
        None => leaf(v, out),
        Some(key) => match v {
            Value::Object(obj) => {
                if let Some(child) = obj.get(key) {
                    collect(child, path, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    collect(item, rest.clone(), out);
                }
            }
            _ => {}
        },
    }
}

fn leaf(v: &Value, out: &mut Vec<Scalar>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(Scalar::Bool(*b)),
        Value::Number(n) => out.push(match n.as_i64() {
            Some(i) => Scalar::Int(i),
            None => Scalar::Float(n.as_f64().unwrap_or(0.0)),
        }),
        Value::String(s) => out.push(Scalar::Str(s.clone())),
        Value::Array(items) => items.iter().for_each(|x| leaf(x, out)),
        Value::Object(obj) => {
            if let Some(Scalar::Pk { id, saas, inst }) = pk_from_object(obj) {
                out.push(Scalar::Pk {
                    id,
                    saas: saas.or(Some(-1)),
                    inst: inst.or(Some(0)),
                });
            }
        }
    }
}

/// The context a compiled filter is evaluated in: the data owner and how to build record `i` as JSON.
pub struct Eval<'a, C: 'static> {
    pub ctx: &'a C,
    pub now_ms: i64,
    pub record: &'a dyn Fn(i64) -> Value,
}

impl<C> Eval<'_, C> {
    /// True when record `i` satisfies every condition (api.md §14 rule 17).
    pub fn matches(&self, conds: &[Cond<C>], i: i64) -> bool {
        let mut json: Option<Value> = None;
        conds.iter().all(|c| {
            let getter = match (c.op, &c.field.tree) {
                (Op::Descendantof | Op::Ndescendantof, Some(tree)) => tree,
                _ => &c.field.get,
            };
            let vals = self.values(getter, i, &mut json);
            holds(c.op, &c.arg, &vals, self.now_ms)
        })
    }

    fn values(&self, g: &Getter<C>, i: i64, json: &mut Option<Value>) -> Vec<Scalar> {
        match g {
            Getter::Fast(f) => f(self.ctx, i),
            Getter::Json(paths) => {
                let rec = json.get_or_insert_with(|| (self.record)(i));
                let mut out = Vec::new();
                for p in *paths {
                    values_at(rec, p, &mut out);
                }
                out
            }
            Getter::Derived(f) => f(json.get_or_insert_with(|| (self.record)(i))),
        }
    }
}

/// The §5.2 semantics of one operator over a record's values for a field.
pub fn holds(op: Op, arg: &Arg, vals: &[Scalar], now_ms: i64) -> bool {
    let list: &[Scalar] = match arg {
        Arg::List(l) => l,
        _ => &[],
    };
    let any_eq = || vals.iter().any(|r| list.iter().any(|w| equals(r, w)));
    let texts = || vals.iter().filter_map(Scalar::text);
    let wanted = || list.iter().filter_map(Scalar::text);
    let num_any = |pred: &dyn Fn(f64) -> bool| vals.iter().filter_map(Scalar::number).any(pred);
    let one = || match arg {
        Arg::One(s) => s.number(),
        _ => None,
    };
    match op {
        Op::Eq | Op::Cabinetmatchedrulesequals | Op::Descendantof => any_eq(),
        Op::Neq | Op::Ndescendantof => !any_eq(),
        Op::Deq => vals.iter().any(|r| !list.iter().any(|w| equals(r, w))),
        Op::Gt => one().is_some_and(|x| num_any(&|v| v > x)),
        Op::Gte => one().is_some_and(|x| num_any(&|v| v >= x)),
        Op::Lt => one().is_some_and(|x| num_any(&|v| v < x)),
        Op::Lte => one().is_some_and(|x| num_any(&|v| v <= x)),
        Op::Range => match arg {
            Arg::Ranges(r) => num_any(&|v| r.iter().any(|(s, e)| *s <= v && v <= *e)),
            _ => false,
        },
        Op::GteNdays | Op::LteNdays => match arg {
            Arg::Days(n) => {
                let edge = now_ms as f64 - n * DAY_MS;
                if op == Op::GteNdays {
                    num_any(&|v| v >= edge)
                } else {
                    num_any(&|v| v <= edge)
                }
            }
            _ => false,
        },
        Op::Isset | Op::Isnotset => {
            let set = vals.iter().any(Scalar::is_set);
            let flag = matches!(arg, Arg::Flag(true));
            if op == Op::Isset {
                set == flag
            } else {
                set != flag
            }
        }
        Op::Contains => texts().any(|t| wanted().any(|w| t.contains(&w))),
        Op::Ncontains => !texts().any(|t| wanted().any(|w| t.contains(&w))),
        Op::Startswith => texts().any(|t| wanted().any(|w| t.starts_with(&w))),
        Op::Doesnotstartwith => !texts().any(|t| wanted().any(|w| t.starts_with(&w))),
        Op::Endswith => texts().any(|t| wanted().any(|w| t.ends_with(&w))),
        Op::Startswithsingle | Op::Text => match arg {
            Arg::Text(w) if op == Op::Text => texts().any(|t| t.contains(w.as_str())),
            Arg::Text(w) => texts().any(|t| t.starts_with(w.as_str())),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A tiny fixture: record i has `n = i`, `name`, `tags`, `owner` pk, `when` ISO date.
    struct Fixture;

    fn fast_n(_: &Fixture, i: i64) -> Vec<Scalar> {
        vec![Scalar::Int(i)]
    }

    fn record(i: i64) -> Value {
        let names = [
            "Présentation Q3.pptx",
            "会议记录.docx",
            "budget 💰.xlsx",
            "notes.txt",
        ];
        let mut r = json!({
            "name": names[i as usize % 4],
            "tags": (0..i % 3).map(|t| format!("tag{t}")).collect::<Vec<_>>(),
            "owner": {"id": format!("user{}@contoso.com", i % 2), "saas": 11161, "inst": 0},
            "when": crate::data::rng::iso(1_700_000_000_000 - i * 86_400_000),
            "folder": format!("folder{}", i % 2),
            "parents": ["root", format!("folder{}", i % 2)],
        });
        if i == 0 {
            r["tags"] = Value::Null;
        }
        r
    }

    static FIELDS: [FieldDef<Fixture>; 6] = [
        FieldDef::new(
            &["n"],
            FieldType::Int,
            &[Op::Eq, Op::Neq, Op::Gt, Op::Gte, Op::Lt, Op::Lte, Op::Range],
            Getter::Fast(fast_n),
        ),
        FieldDef::new(
            &["name"],
            FieldType::Str,
            &[
                Op::Eq,
                Op::Contains,
                Op::Ncontains,
                Op::Startswith,
                Op::Doesnotstartwith,
                Op::Startswithsingle,
                Op::Endswith,
                Op::Text,
            ],
            Getter::Json(&["name"]),
        ),
        FieldDef::new(
            &["tags"],
            FieldType::Str,
            &[
                Op::Eq,
                Op::Neq,
                Op::Deq,
                Op::Isset,
                Op::Isnotset,
                Op::Cabinetmatchedrulesequals,
            ],
            Getter::Json(&["tags"]),
        ),
        FieldDef::new(
            &["owner"],
            FieldType::Pk,
            &[Op::Eq, Op::Neq],
            Getter::Json(&["owner"]),
        ),
        FieldDef::new(
            &["when"],
            FieldType::Time,
            &[Op::Gte, Op::Lte, Op::GteNdays, Op::LteNdays, Op::Range],
            Getter::Json(&["when"]),
        ),
        FieldDef {
            names: &["folder"],
            ty: FieldType::Str,
            ops: &[Op::Eq, Op::Descendantof, Op::Ndescendantof],
            get: Getter::Json(&["folder"]),
            tree: Some(Getter::Json(&["parents"])),
        },
    ];

    /// Indices in 0..12 matching a filters object.
    fn select(filters: Value) -> Result<Vec<i64>, Value> {
        let conds = compile(filters.as_object().unwrap(), &FIELDS)?;
        let eval = Eval {
            ctx: &Fixture,
            now_ms: 1_700_000_000_000,
            record: &record,
        };
        Ok((0..12).filter(|i| eval.matches(&conds, *i)).collect())
    }

    fn ok(filters: Value) -> Vec<i64> {
        select(filters).expect("valid filter")
    }

    #[test]
    fn eq_and_neq_take_lists_or_scalars() {
        assert_eq!(ok(json!({"n": {"eq": [1, 3]}})), vec![1, 3]);
        assert_eq!(ok(json!({"n": {"eq": 2}})), vec![2]);
        assert_eq!(ok(json!({"n": {"eq": "2"}})), vec![2]);
        assert_eq!(
            ok(json!({"n": {"neq": [0, 1, 2, 3, 4, 5, 6, 7, 8]}})),
            vec![9, 10, 11]
        );
        assert_eq!(ok(json!({"name": {"eq": "NOTES.TXT"}})), vec![3, 7, 11]);
    }

    #[test]
    fn comparisons_and_range() {
        assert_eq!(ok(json!({"n": {"gt": 9}})), vec![10, 11]);
        assert_eq!(ok(json!({"n": {"gte": 10}})), vec![10, 11]);
        assert_eq!(ok(json!({"n": {"lt": 2}})), vec![0, 1]);
        assert_eq!(ok(json!({"n": {"lte": 1, "gte": 1}})), vec![1]);
        assert_eq!(
            ok(json!({"n": {"range": [{"start": 2, "end": 3}, {"start": 10, "end": 20}]}})),
            vec![2, 3, 10, 11]
        );
    }

    #[test]
    fn ndays_use_the_dataset_clock_and_iso_record_values() {
        assert_eq!(ok(json!({"when": {"gte_ndays": 2}})), vec![0, 1, 2]);
        assert_eq!(ok(json!({"when": {"lte_ndays": 10}})), vec![10, 11]);
        assert_eq!(
            ok(json!({"when": {"gte": "2023-11-12T00:00:00Z", "lte": 1_699_913_600_000i64}})),
            vec![1, 2]
        );
    }

    #[test]
    fn isset_and_isnotset() {
        assert_eq!(ok(json!({"tags": {"isnotset": true}})), vec![0, 3, 6, 9]);
        assert_eq!(ok(json!({"tags": {"isset": false}})), vec![0, 3, 6, 9]);
        assert_eq!(ok(json!({"tags": {"isset": true}})).len(), 8);
    }

    #[test]
    fn deq_and_cabinetmatchedrulesequals() {
        // deq: at least one value outside the given ones; records with only tag0 do not qualify.
        assert_eq!(ok(json!({"tags": {"deq": ["tag0"]}})), vec![2, 5, 8, 11]);
        assert_eq!(
            ok(json!({"tags": {"cabinetmatchedrulesequals": ["tag1"]}})),
            vec![2, 5, 8, 11]
        );
    }

    #[test]
    fn text_operators_ignore_case_and_handle_unicode() {
        assert_eq!(
            ok(json!({"name": {"contains": ["记录", "BUDGET"]}})),
            vec![1, 2, 5, 6, 9, 10]
        );
        assert_eq!(ok(json!({"name": {"ncontains": ["."]}})), Vec::<i64>::new());
        assert_eq!(ok(json!({"name": {"startswith": ["pré"]}})), vec![0, 4, 8]);
        assert_eq!(
            ok(json!({"name": {"doesnotstartwith": ["pré", "会"]}})).len(),
            6
        );
        assert_eq!(
            ok(json!({"name": {"startswithsingle": "budget 💰"}})),
            vec![2, 6, 10]
        );
        assert_eq!(
            ok(json!({"name": {"endswith": [".TXT", ".docx"]}})),
            vec![1, 3, 5, 7, 9, 11]
        );
        assert_eq!(ok(json!({"name": {"text": "q3"}})), vec![0, 4, 8]);
    }

    #[test]
    fn entity_pk_matches_object_base64_or_bare_id() {
        assert_eq!(
            ok(json!({"owner": {"eq": [{"id": "user1@contoso.com", "saas": 11161, "inst": 0}]}})),
            vec![1, 3, 5, 7, 9, 11]
        );
        assert!(ok(json!({"owner": {"eq": [{"id": "user1@contoso.com", "saas": 1}]}})).is_empty());
        let b64 = "eyJpZCI6InVzZXIwQGNvbnRvc28uY29tIiwic2FhcyI6MTExNjEsImluc3QiOjB9";
        assert_eq!(ok(json!({"owner": {"eq": b64}})), vec![0, 2, 4, 6, 8, 10]);
        assert_eq!(ok(json!({"owner": {"neq": "user0@contoso.com"}})).len(), 6);
    }

    #[test]
    fn descendantof_uses_the_ancestor_chain() {
        assert_eq!(ok(json!({"folder": {"descendantof": ["root"]}})).len(), 12);
        assert_eq!(ok(json!({"folder": {"eq": ["root"]}})), Vec::<i64>::new());
        assert_eq!(
            ok(json!({"folder": {"ndescendantof": ["folder1"]}})),
            vec![0, 2, 4, 6, 8, 10]
        );
    }

    #[test]
    fn fields_and_operators_are_anded() {
        assert_eq!(
            ok(json!({"n": {"gte": 4, "lte": 9}, "name": {"endswith": ["txt"]}})),
            vec![7]
        );
    }

    #[test]
    fn invalid_values_fields_and_operators_give_the_rule_19_body() {
        assert_eq!(select(json!({"n": {"eq": ["abc"]}})), Err(invalid("abc")));
        assert_eq!(
            select(json!({"n": {"eq": ["abc"]}})).unwrap_err(),
            json!({"filters":[{"error":"abc is not valid","errorMessageCode":"CONSOLE_FORMS_NOT_VALID_VALUE",
                   "errorMessageParams":{"value":"abc"}}],"error":true})
        );
        assert_eq!(select(json!({"nope": {"eq": [1]}})), Err(invalid("nope")));
        assert_eq!(
            select(json!({"n": {"contains": ["1"]}})),
            Err(invalid("contains"))
        );
        assert_eq!(select(json!({"n": {"bogus": 1}})), Err(invalid("bogus")));
        assert_eq!(select(json!({"n": 5})), Err(invalid("5")));
        assert_eq!(select(json!({"n": {"gt": [1, 2]}})), Err(invalid("[1,2]")));
        assert_eq!(
            select(json!({"n": {"range": [{"start": 1}]}})),
            Err(invalid(r#"{"start":1}"#))
        );
        assert_eq!(
            select(json!({"when": {"gte_ndays": -1}})),
            Err(invalid("-1"))
        );
        assert_eq!(
            select(json!({"tags": {"isset": "maybe"}})),
            Err(invalid("maybe"))
        );
    }

    #[test]
    fn object_ids_are_validated() {
        assert!(parse_value(FieldType::ObjectId, &json!("5f8f1c2a0000000000000001")).is_ok());
        assert_eq!(
            parse_value(FieldType::ObjectId, &json!("5f8f1c2a")),
            Err(json!("5f8f1c2a"))
        );
        assert!(parse_value(FieldType::ObjectId, &json!(12)).is_err());
    }
}
