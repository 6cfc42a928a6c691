//! Request parameters (api.md §2, §14 rules 2–3): one JSON object built from the query string and
//! the body, whichever way the caller sent them — JSON, `application/x-www-form-urlencoded` or
//! `multipart/form-data`. Body fields win over query fields of the same name.

// Handlers return ready HTTP responses as their error type; they are built once per request,
// so boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::data::ListQuery;

/// Largest request body read (subnet lists and filter sets are small; this only bounds abuse).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Text fields that carry JSON when sent as form or query parameters.
const JSON_FIELDS: &[&str] = &["filters", "nextQueryFilters"];
/// Text fields that are lists when sent as form or query parameters (repeat the key for more).
const LIST_FIELDS: &[&str] = &["subnets", "tags"];
const INT_FIELDS: &[&str] = &[
    "skip",
    "limit",
    "category",
    "reasonId",
    "timeFrame",
    "format",
];
const BOOL_FIELDS: &[&str] = &[
    "isScan",
    "sendFeedback",
    "allowContact",
    "uploadAsSnapshot",
    "overrideOrganization",
];

fn bad_request(body: Value) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// Reads every parameter of the request into one JSON object.
pub(crate) async fn read_params(
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Map<String, Value>, Response> {
    let mut params = match query {
        Some(q) if !q.is_empty() => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).map_err(|e| {
                bad_request(json!({"detail": format!("Malformed query string: {e}")}))
            })?;
            text_fields(pairs)?
        }
        _ => Map::new(),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let from_body = if content_type.starts_with("multipart/form-data") {
        read_multipart(headers, body).await?
    } else {
        let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                axum::Json(json!({"detail": "Request body too large."})),
            )
                .into_response()
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
                .map_err(|e| bad_request(json!({"detail": format!("Malformed form body: {e}")})))?;
            text_fields(pairs)?
        } else if content_type.is_empty()
            || content_type.starts_with("application/json")
            || content_type.contains("+json")
        {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                Ok(Value::Null) => Map::new(),
                Ok(_) => return Err(bad_request(json!({"detail": "Expected a JSON object."}))),
                Err(e) => {
                    return Err(bad_request(
                        json!({"detail": format!("JSON parse error - {e}")}),
                    ))
                }
            }
        } else {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                axum::Json(json!({
                    "detail": format!("Unsupported media type \"{content_type}\" in request.")
                })),
            )
                .into_response());
        }
    };
    params.extend(from_body);
    Ok(params)
}

async fn read_multipart(headers: &HeaderMap, body: Body) -> Result<Map<String, Value>, Response> {
    let mut req = Request::new(body);
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        req.headers_mut().insert(header::CONTENT_TYPE, ct.clone());
    }
    let malformed =
        |e: String| bad_request(json!({"detail": format!("Multipart form parse error - {e}")}));
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| malformed(e.body_text()))?;
    let mut pairs = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| malformed(e.body_text()))?
    {
        let Some(name) = field.name().map(str::to_string) else {
            continue;
        };
        let text = field.text().await.map_err(|e| malformed(e.body_text()))?;
        pairs.push((name, text));
    }
    text_fields(pairs)
}

/// Turns text pairs into typed JSON fields: known JSON, list, integer and boolean fields are
/// converted; a repeated key (or one ending in `[]`) becomes a list.
fn text_fields(pairs: Vec<(String, String)>) -> Result<Map<String, Value>, Response> {
    fn into_list(v: Value) -> Vec<Value> {
        match v {
            Value::Array(items) => items,
            v => vec![v],
        }
    }
    let mut out = Map::new();
    let mut repeated = std::collections::HashSet::new();
    for (raw_key, text) in pairs {
        let (key, forced_list) = match raw_key.strip_suffix("[]") {
            Some(k) => (k.to_string(), true),
            None => (raw_key, false),
        };
        let value = text_value(&key, &text)?;
        let list = forced_list || LIST_FIELDS.contains(&key.as_str());
        match out.get_mut(&key) {
            None => {
                let v = if list {
                    Value::Array(into_list(value))
                } else {
                    value
                };
                out.insert(key, v);
            }
            Some(Value::Array(items)) if list || repeated.contains(&key) => {
                items.extend(into_list(value));
            }
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
                repeated.insert(key);
            }
        }
    }
    Ok(out)
}

fn text_value(key: &str, text: &str) -> Result<Value, Response> {
    let trimmed = text.trim();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    if JSON_FIELDS.contains(&key) || (LIST_FIELDS.contains(&key) && looks_json) {
        return serde_json::from_str(trimmed)
            .map_err(|e| bad_request(json!({ key: [format!("Value must be valid JSON: {e}")] })));
    }
    if INT_FIELDS.contains(&key) {
        if let Ok(n) = trimmed.parse::<i64>() {
            return Ok(json!(n));
        }
    }
    if BOOL_FIELDS.contains(&key) {
        match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" => return Ok(Value::Bool(true)),
            "false" | "0" => return Ok(Value::Bool(false)),
            _ => {}
        }
    }
    Ok(Value::String(text.to_string()))
}

/// A DRF-style field error: `{"<field>": ["<message>"]}`.
fn field_error(field: &str, message: &str) -> Response {
    bad_request(json!({ field: [message] }))
}

fn int_param(params: &Map<String, Value>, key: &str) -> Result<Option<i64>, Response> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            // A whole float such as `100.0` is still an integer to a lenient server.
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
                _ => Err(field_error(key, "A valid integer is required.")),
            },
        },
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| field_error(key, "A valid integer is required.")),
        Some(_) => Err(field_error(key, "A valid integer is required.")),
    }
}

fn bool_param(params: &Map<String, Value>, key: &str) -> Result<bool, Response> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(field_error(key, "Must be a valid boolean.")),
        },
        Some(_) => Err(field_error(key, "Must be a valid boolean.")),
    }
}

fn string_param(params: &Map<String, Value>, key: &str) -> Result<Option<String>, Response> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(field_error(key, "Not a valid string.")),
    }
}

/// The `filters` object; a JSON string holding an object is accepted too.
pub(crate) fn filters_param(
    params: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, Response> {
    let type_error = |got: &str| {
        field_error(
            "filters",
            &format!("Expected a dictionary of items but got type \"{got}\"."),
        )
    };
    match params.get("filters") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(Value::Null) => Ok(None),
            _ => Err(type_error("str")),
        },
        Some(Value::Array(_)) => Err(type_error("list")),
        Some(_) => Err(type_error("scalar")),
    }
}

/// The list parameters of api.md §4.1.
pub(crate) fn list_query(params: &Map<String, Value>) -> Result<ListQuery, Response> {
    Ok(ListQuery {
        filters: filters_param(params)?.unwrap_or_default(),
        skip: int_param(params, "skip")?,
        limit: int_param(params, "limit")?,
        sort_field: string_param(params, "sortField")?,
        sort_direction: string_param(params, "sortDirection")?,
        is_scan: bool_param(params, "isScan")?,
    })
}

/// The parameters of an alert close request (api.md §7): `filters` (required), `comment`,
/// `reasonId`.
pub(crate) struct CloseParams {
    pub filters: Map<String, Value>,
    pub comment: Option<String>,
    pub reason_id: Option<i64>,
}

pub(crate) fn close_params(params: &Map<String, Value>) -> Result<CloseParams, Response> {
    let filters =
        filters_param(params)?.ok_or_else(|| field_error("filters", "This field is required."))?;
    Ok(CloseParams {
        filters,
        comment: string_param(params, "comment")?,
        reason_id: int_param(params, "reasonId")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn form_fields_become_typed_json() {
        let m = text_fields(pairs(&[
            ("filters", r#"{"severity":{"eq":[2]}}"#),
            ("limit", "10"),
            ("isScan", "true"),
            ("comment", "42"),
            ("subnets", "10.0.0.0/8"),
            ("subnets", "192.168.0.0/16"),
        ]))
        .ok()
        .unwrap();
        assert_eq!(m["filters"], json!({"severity": {"eq": [2]}}));
        assert_eq!(m["limit"], json!(10));
        assert_eq!(m["isScan"], json!(true));
        assert_eq!(m["comment"], json!("42"));
        assert_eq!(m["subnets"], json!(["10.0.0.0/8", "192.168.0.0/16"]));
        let single = text_fields(pairs(&[("subnets", "10.0.0.0/8")]))
            .ok()
            .unwrap();
        assert_eq!(single["subnets"], json!(["10.0.0.0/8"]));
    }

    #[test]
    fn list_query_accepts_numbers_as_strings_and_rejects_garbage() {
        let mut m = Map::new();
        m.insert("skip".into(), json!("5"));
        m.insert("limit".into(), json!(20.0));
        m.insert("filters".into(), json!(r#"{"a":{"eq":1}}"#));
        let q = list_query(&m).ok().unwrap();
        assert_eq!((q.skip, q.limit), (Some(5), Some(20)));
        assert_eq!(q.filters["a"], json!({"eq": 1}));
        m.insert("limit".into(), json!("ten"));
        assert_eq!(
            list_query(&m).err().unwrap().status(),
            StatusCode::BAD_REQUEST
        );
    }
}
