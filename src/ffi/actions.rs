//! One-shot calls on a client: fetch by id, entity tree, alert and activity actions, subnets, raw request.
//!
//! Every function checks all its arguments (NULLs, UTF-8, JSON, handle) before sending anything, so a
//! bad call never reaches the tenant.

use std::os::raw::c_char;

use serde::Deserialize;
use serde_json::Value;

use crate::actions::{AlertSelection, CloseAlerts, CloseAs, RawRequest, SubnetSpec};
use crate::entity::EntityKind;
use crate::error::{Error, Result};
use crate::ffi::boundary;
use crate::ffi::client::{client_arg, mdca_client};
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string, parse_json, read_str};

/// Checks a (string, length) output pair before any work is done.
fn check_string_out(out_json: *mut *mut c_char, out_len: *mut usize, name: &str) -> Result<()> {
    check_out(out_json, name)?;
    check_out(out_len, "out_len")
}

/// The JSON accepted by `mdca_client_close_alerts`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseAlertsJson {
    ids: Option<Vec<String>>,
    #[serde(alias = "filters")]
    filter: Option<Value>,
    #[serde(rename = "as")]
    close_as: CloseAs,
    comment: Option<String>,
    #[serde(alias = "reasonId")]
    reason_id: Option<u8>,
    #[serde(default, alias = "sendFeedback")]
    send_feedback: bool,
    #[serde(alias = "feedbackText")]
    feedback_text: Option<String>,
    #[serde(default, alias = "allowContact")]
    allow_contact: bool,
    #[serde(alias = "contactEmail")]
    contact_email: Option<String>,
}

impl CloseAlertsJson {
    fn into_request(self) -> Result<(AlertSelection, CloseAlerts)> {
        let selection = match (self.ids, self.filter) {
            (Some(ids), None) => AlertSelection::Ids(ids),
            (None, Some(filter)) => AlertSelection::Filter(filter),
            _ => {
                return Err(Error::invalid_argument(
                    "argument `request_json` must select alerts with exactly one of \"ids\" or \"filter\"",
                ))
            }
        };
        let close = CloseAlerts {
            close_as: self.close_as,
            comment: self.comment,
            reason_id: self.reason_id,
            send_feedback: self.send_feedback,
            feedback_text: self.feedback_text,
            allow_contact: self.allow_contact,
            contact_email: self.contact_email,
        };
        Ok((selection, close))
    }
}

/// Fetches one record of `entity` (`"activities"`, `"alerts"`, `"files"`, `"entities"`, `"subnets"`;
/// singular and any case accepted) by its id (for entities, the base64 `_id`).
///
/// On success `*out_json` receives the record as a NUL-terminated UTF-8 JSON object and `*out_len` its
/// byte length (without the NUL); the string is owned by the caller and freed with `mdca_string_free`.
/// Outputs are written only on success.
///
/// Returns `MDCA_STATUS_OK`; local errors `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_UNKNOWN_ENTITY`, `MDCA_STATUS_UNSUPPORTED`; server and
/// transport errors such as `MDCA_STATUS_NOT_FOUND`, `MDCA_STATUS_FORBIDDEN`,
/// `MDCA_STATUS_FILES_NEED_LEGACY_TOKEN`. Details in `mdca_last_error`.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `entity` and `id` must be NULL or NUL-terminated strings; `out_json` and `out_len` must be NULL or
/// valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_fetch(
    client: *const mdca_client,
    entity: *const c_char,
    id: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_fetch", || {
        let client = client_arg(client)?;
        let entity = read_str(entity, "entity")?;
        let id = read_str(id, "id")?;
        check_string_out(out_json, out_len, "out_json")?;
        let kind = EntityKind::from_name(entity)?;
        let record = client.block_on(client.client.fetch(kind, id))?;
        give_string(record.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Fetches the tree of an entity (a user with its accounts, or an account with its parent and siblings)
/// by its base64 primary key `pk`.
///
/// On success `*out_json`/`*out_len` receive the tree as UTF-8 JSON, owned by the caller and freed with
/// `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, or a server/transport status such as `MDCA_STATUS_NOT_FOUND`.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `pk` must be NULL or a NUL-terminated string; `out_json` and `out_len` must be NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_entity_tree(
    client: *const mdca_client,
    pk: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_entity_tree", || {
        let client = client_arg(client)?;
        let pk = read_str(pk, "pk")?;
        check_string_out(out_json, out_len, "out_json")?;
        let tree = client.block_on(client.client.entity_tree_text(pk))?;
        give_string(String::from(Box::<str>::from(tree)), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Closes alerts. `request_json` selects them with exactly one of `"ids": ["…", …]` (repeats dropped,
/// then sent in chunks of 100) or `"filter": {…MDCA alert filters…}`, says how with `"as": "benign" |
/// "false_positive" | "true_positive"`, and may add `"comment"`, `"reason_id"` (integer),
/// `"send_feedback"`, `"feedback_text"`, `"allow_contact"`, `"contact_email"`. The server closes every
/// alert a filter matches, so a filter with no condition (`{}`), or with a field or operator the alerts
/// table does not know, is refused before anything is sent.
///
/// On success `*out_json`/`*out_len` receive `{"closed": <count>, "not_found": ["<id>", …]}` as UTF-8
/// JSON, owned by the caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` (wrong shape,
/// unknown key, both or neither of ids/filter), `MDCA_STATUS_INVALID_FILTER` (empty filter, unknown field
/// or operator) before anything is sent; `MDCA_STATUS_FORBIDDEN` and other server/transport statuses.
/// When a request fails after earlier chunks went through, the status is the failing request's and the
/// `detail` of `mdca_last_error` is a JSON text `{"partial_close": {"closed": <count>, "closed_ids":
/// […], "not_found": […], "not_closed_ids": […], "requested": <count>}, "server_detail": <text or
/// null>}`: the alerts of `closed_ids` are closed, those of `not_closed_ids` may not be (closing them
/// again is harmless).
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `request_json` must be NULL or a NUL-terminated string; `out_json` and `out_len` must be NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_close_alerts(
    client: *const mdca_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_close_alerts", || {
        let client = client_arg(client)?;
        let text = read_str(request_json, "request_json")?;
        check_string_out(out_json, out_len, "out_json")?;
        let request: CloseAlertsJson = parse_json(text, "request_json", "a close-alerts request")?;
        let (selection, close) = request.into_request()?;
        let outcome = client.block_on(client.client.close_alerts(selection, close))?;
        let json = serde_json::json!({"closed": outcome.closed, "not_found": outcome.not_found});
        give_string(json.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Marks one alert as read (`read` true) or unread (`read` false).
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`; `MDCA_STATUS_NOT_FOUND` for an unknown alert, and other server/transport
/// statuses.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `id` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_set_alert_read(
    client: *const mdca_client,
    id: *const c_char,
    read: bool,
) -> mdca_status {
    boundary::run("mdca_client_set_alert_read", || {
        let client = client_arg(client)?;
        let id = read_str(id, "id")?;
        client.block_on(client.client.set_alert_read(id, read))?;
        Ok(mdca_status::Ok)
    })
}

/// Sends feedback on one activity. `feedback_json` is a JSON object such as `{"feedbackValue": 1,
/// "feedbackText": "…", "allowContact": false, "contactEmail": "…"}`, passed to the API as is.
///
/// On success `*out_json`/`*out_len` receive the server's answer as UTF-8 JSON (`null` when it sent no
/// body), owned by the caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` (not an object);
/// server and transport statuses.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `id` and `feedback_json` must be NULL or NUL-terminated strings; `out_json` and `out_len` must be NULL
/// or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_activity_feedback(
    client: *const mdca_client,
    id: *const c_char,
    feedback_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_activity_feedback", || {
        let client = client_arg(client)?;
        let id = read_str(id, "id")?;
        let text = read_str(feedback_json, "feedback_json")?;
        check_string_out(out_json, out_len, "out_json")?;
        let feedback: serde_json::Map<String, Value> =
            parse_json(text, "feedback_json", "a JSON object")?;
        let answer =
            client.block_on(client.client.activity_feedback(id, Value::Object(feedback)))?;
        give_string(answer.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Creates a subnet (IP range) from `spec_json`: `{"name": "…", "category": <int>, "subnets":
/// ["10.0.0.0/8", …], "organization": "…", "tags": ["…"]}` (see docs/c-api.md).
///
/// On success `*out_id`/`*out_len` receive the new subnet's id as a NUL-terminated UTF-8 string, owned by
/// the caller and freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` before anything
/// is sent; `MDCA_STATUS_BAD_REQUEST` (for example a duplicate name) and other server/transport statuses.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `spec_json` must be NULL or a NUL-terminated string; `out_id` and `out_len` must be NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_create_subnet(
    client: *const mdca_client,
    spec_json: *const c_char,
    out_id: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_create_subnet", || {
        let client = client_arg(client)?;
        let text = read_str(spec_json, "spec_json")?;
        check_string_out(out_id, out_len, "out_id")?;
        let spec: SubnetSpec = parse_json(text, "spec_json", "a subnet specification")?;
        let id = client.block_on(client.client.create_subnet(&spec))?;
        give_string(id, out_id, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Replaces the subnet `id` with `spec_json` (same shape as for `mdca_client_create_subnet`; omitted
/// optional fields become empty).
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` before anything
/// is sent; `MDCA_STATUS_NOT_FOUND`, `MDCA_STATUS_BAD_REQUEST` and other server/transport statuses.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `id` and `spec_json` must be NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_update_subnet(
    client: *const mdca_client,
    id: *const c_char,
    spec_json: *const c_char,
) -> mdca_status {
    boundary::run("mdca_client_update_subnet", || {
        let client = client_arg(client)?;
        let id = read_str(id, "id")?;
        let text = read_str(spec_json, "spec_json")?;
        let spec: SubnetSpec = parse_json(text, "spec_json", "a subnet specification")?;
        client.block_on(client.client.update_subnet(id, &spec))?;
        Ok(mdca_status::Ok)
    })
}

/// Deletes the subnet `id`. A lost answer is retried; a repeat that finds the subnet gone after an
/// attempt that may have reached the server counts as done.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`; `MDCA_STATUS_NOT_FOUND` (no such subnet on the first attempt) and other
/// server/transport statuses.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `id` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_delete_subnet(
    client: *const mdca_client,
    id: *const c_char,
) -> mdca_status {
    boundary::run("mdca_client_delete_subnet", || {
        let client = client_arg(client)?;
        let id = read_str(id, "id")?;
        client.block_on(client.client.delete_subnet(id))?;
        Ok(mdca_status::Ok)
    })
}

/// Sends any request to the tenant's API with the client's authentication, throttling, retries and error
/// mapping. `request_json` is `{"method": "GET"|"POST"|…, "path": "v1/alerts/" (relative to the API
/// base), "query": {"name": "value", …}?, "body": <any JSON>?, "idempotent": bool?}`; a write is retried
/// only when `idempotent` is true.
///
/// On success `*out_json`/`*out_len` receive the response body as UTF-8 JSON, owned by the caller and
/// freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`; `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_HANDLE`,
/// `MDCA_STATUS_INVALID_UTF8`, `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_INVALID_ARGUMENT` before anything
/// is sent; any server or transport status.
///
/// Thread safety: callable from any thread, concurrently with other calls on the same client.
///
/// # Safety
///
/// `request_json` must be NULL or a NUL-terminated string; `out_json` and `out_len` must be NULL or valid
/// for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_client_request(
    client: *const mdca_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_client_request", || {
        let client = client_arg(client)?;
        let text = read_str(request_json, "request_json")?;
        check_string_out(out_json, out_len, "out_json")?;
        let request: RawRequest = parse_json(text, "request_json", "a raw request object")?;
        let answer = client.block_on(client.client.raw(request))?;
        give_string(answer.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}
