//! Everything that is not a list: fetch one record, the entity tree, alert close/read/unread, activity
//! feedback, subnet create/update/delete, and raw requests to any endpoint. All are methods on [`Client`]
//! and go through the HTTP core, so they get authentication, pacing, retries and error mapping.
//!
//! Retry classes follow what repeating a request does: reads and state-setting writes (close, read, update,
//! delete) are safe to repeat after a lost response; creating a subnet or posting feedback is not.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use crate::cancel::CancelToken;
use crate::client::Client;
use crate::config::relative_api_path;
use crate::entity::{spec, EntityKind};
use crate::error::{Error, ErrorKind, Result};
use crate::filter::{check_raw, compact, FilterBuilder};
use crate::http::{ApiCall, AuthUse, RetryClass};

/// Close requests carry at most this many alert ids, one request per chunk (api.md §4.3, the MCAS module).
pub const CLOSE_CHUNK: usize = 100;

/// The primary key of an entity (api.md §5.1, §9): `{"id": "<guid or upn>", "saas": 11161, "inst": 0}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityPk {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inst: Option<i64>,
}

impl EntityPk {
    /// Standard padded base64 of the compact JSON `{"id":…,"saas":…,"inst":…}`, the form the fetch paths
    /// take (api.md §9).
    pub fn to_base64(&self) -> String {
        let json = serde_json::to_string(self).expect("an entity key always serialises");
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    /// Reads a key given either as its JSON text (`{"id": …}`) or already base64-encoded.
    pub fn encode(pk: &str) -> Result<String> {
        let pk = pk.trim();
        if pk.starts_with('{') {
            let parsed: EntityPk = serde_json::from_str(pk).map_err(|e| {
                Error::new(ErrorKind::InvalidArgument, format!("the entity key is not a valid key object: {e}"))
                    .with_hint("give {\"id\": \"<id>\", \"saas\": <app id>, \"inst\": <instance>} or its base64 form")
            })?;
            Ok(parsed.to_base64())
        } else if pk.is_empty() {
            Err(Error::invalid_argument("the entity key is empty"))
        } else {
            Ok(pk.to_owned())
        }
    }
}

/// Which alerts to close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertSelection {
    /// These alert ids; sent in chunks of [`CLOSE_CHUNK`].
    Ids(Vec<String>),
    /// Every alert matching this raw MDCA filter, in one request.
    #[serde(alias = "filters")]
    Filter(Value),
}

/// How an alert is closed (api.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseAs {
    Benign,
    #[serde(alias = "falsePositive")]
    FalsePositive,
    #[serde(alias = "truePositive")]
    TruePositive,
}

impl CloseAs {
    /// The endpoint's last segment, also the key of the count in its response.
    fn action(self) -> &'static str {
        match self {
            CloseAs::Benign => "close_benign",
            CloseAs::FalsePositive => "close_false_positive",
            CloseAs::TruePositive => "close_true_positive",
        }
    }

    fn reasons(self) -> &'static [u8] {
        match self {
            // 2 actual severity is lower, 4 other, 5 confirmed with end user, 6 triggered by test.
            CloseAs::Benign => &[2, 4, 5, 6],
            // 0 not of interest, 1 too many similar alerts, 3 alert is not accurate, 4 other.
            CloseAs::FalsePositive => &[0, 1, 3, 4],
            CloseAs::TruePositive => &[],
        }
    }
}

/// The options of a close request (api.md §7). Deserialises from `{"as": "benign", "comment": …,
/// "reason_id": …, "send_feedback": …, "feedback_text": …, "allow_contact": …, "contact_email": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseAlerts {
    #[serde(rename = "as")]
    pub close_as: CloseAs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, alias = "reasonId", skip_serializing_if = "Option::is_none")]
    pub reason_id: Option<u8>,
    #[serde(default, alias = "sendFeedback")]
    pub send_feedback: bool,
    #[serde(
        default,
        alias = "feedbackText",
        skip_serializing_if = "Option::is_none"
    )]
    pub feedback_text: Option<String>,
    #[serde(default, alias = "allowContact")]
    pub allow_contact: bool,
    #[serde(
        default,
        alias = "contactEmail",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_email: Option<String>,
}

impl CloseAlerts {
    /// A close request with no comment, reason or feedback.
    pub fn new(close_as: CloseAs) -> CloseAlerts {
        CloseAlerts {
            close_as,
            comment: None,
            reason_id: None,
            send_feedback: false,
            feedback_text: None,
            allow_contact: false,
            contact_email: None,
        }
    }

    pub fn comment(mut self, comment: impl Into<String>) -> CloseAlerts {
        self.comment = Some(comment.into());
        self
    }

    pub fn reason_id(mut self, reason: u8) -> CloseAlerts {
        self.reason_id = Some(reason);
        self
    }

    /// Checks the reason against the close kind (api.md §7): true positives take none.
    fn validate(&self) -> Result<()> {
        let allowed = self.close_as.reasons();
        match self.reason_id {
            Some(_) if allowed.is_empty() => Err(Error::invalid_argument(
                "closing as true positive takes no reason_id (docs/api.md §7)",
            )),
            Some(r) if !allowed.contains(&r) => Err(Error::invalid_argument(format!(
                "reason_id {r} is not valid for {}; allowed: {}",
                self.close_as.action(),
                allowed.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
            ))
            .with_hint(match self.close_as {
                CloseAs::Benign => {
                    "benign: 2 actual severity is lower, 4 other, 5 confirmed with end user, 6 triggered by test"
                }
                _ => "false positive: 0 not of interest, 1 too many similar alerts, 3 alert is not accurate, 4 other",
            })),
            _ => Ok(()),
        }
    }

    fn body(&self, filters: Value) -> Value {
        let mut body = Map::new();
        body.insert("filters".into(), filters);
        if let Some(comment) = &self.comment {
            body.insert("comment".into(), json!(comment));
        }
        if let Some(reason) = self.reason_id {
            body.insert("reasonId".into(), json!(reason));
        }
        body.insert("sendFeedback".into(), json!(self.send_feedback));
        if let Some(text) = &self.feedback_text {
            body.insert("feedbackText".into(), json!(text));
        }
        body.insert("allowContact".into(), json!(self.allow_contact));
        if let Some(email) = &self.contact_email {
            body.insert("contactEmail".into(), json!(email));
        }
        Value::Object(body)
    }
}

/// What a close did: alerts closed, and the requested ids the server did not find.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseOutcome {
    pub closed: u64,
    pub not_found: Vec<String>,
}

/// An IP range (api.md §10) for create and update. Update replaces the whole record: optional fields left out
/// become empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    /// Unique name.
    pub name: String,
    /// 1 Corporate, 2 Administrative, 3 Risky, 4 VPN, 5 Cloud provider, 6 Other.
    pub category: u8,
    /// CIDR ranges, IPv4 or IPv6.
    pub subnets: Vec<String>,
    /// The ISP name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Tag names or ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl SubnetSpec {
    fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::invalid_argument("a subnet needs a name"));
        }
        if !(1..=6).contains(&self.category) {
            return Err(Error::invalid_argument(format!(
                "subnet category {} is not one of 1 Corporate, 2 Administrative, 3 Risky, 4 VPN, 5 Cloud provider, 6 Other",
                self.category
            )));
        }
        if self.subnets.is_empty() {
            return Err(Error::invalid_argument(
                "a subnet needs at least one CIDR range",
            ));
        }
        if let Some(bad) = self.subnets.iter().find(|s| !is_cidr(s)) {
            return Err(Error::invalid_argument(format!(
                "{bad:?} is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32"
            )));
        }
        Ok(())
    }

    fn body(&self) -> Value {
        let mut body =
            json!({"name": self.name, "category": self.category, "subnets": self.subnets});
        if let Some(org) = &self.organization {
            body["organization"] = json!(org);
            // The official script sets this whenever it gives an ISP name (api.md §10).
            body["overrideOrganization"] = json!(true);
        }
        body["tags"] = json!(self.tags);
        body
    }
}

fn is_cidr(text: &str) -> bool {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let Ok(ip) = addr.trim().parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= max))
}

/// A request to any endpoint, with the client's authentication, pacing, retries and error mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// `GET`, `POST`, `PUT`, `DELETE`, … (case-insensitive).
    pub method: String,
    /// Relative to the API base (`v1/alerts/`); a leading `/api/` or `/cas/api/` is accepted and dropped.
    pub path: String,
    /// Query parameters; in JSON an object of scalars or a list of `[name, value]` pairs.
    #[serde(default, deserialize_with = "query_pairs")]
    pub query: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Whether repeating the request is harmless, which allows retrying writes. Default: GET/HEAD/OPTIONS
    /// are reads, PUT/DELETE idempotent, anything else (POST, PATCH) not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent: Option<bool>,
}

impl RawRequest {
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> RawRequest {
        RawRequest {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotent: None,
        }
    }

    pub fn body(mut self, body: Value) -> RawRequest {
        self.body = Some(body);
        self
    }

    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> RawRequest {
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> RawRequest {
        self.idempotent = Some(idempotent);
        self
    }
}

fn query_pairs<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<(String, String)>, D::Error> {
    use serde::de::Error as _;
    fn text<E: serde::de::Error>(v: Value) -> std::result::Result<String, E> {
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(E::custom(format!(
                "query values must be strings, numbers or booleans, not {other}"
            ))),
        }
    }
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => map.into_iter().map(|(k, v)| Ok((k, text(v)?))).collect(),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Array(pair) if pair.len() == 2 => {
                    let mut pair = pair.into_iter();
                    let name = text(pair.next().unwrap_or_default())?;
                    Ok((name, text(pair.next().unwrap_or_default())?))
                }
                other => Err(D::Error::custom(format!(
                    "a query pair must be [name, value], not {other}"
                ))),
            })
            .collect(),
        other => Err(D::Error::custom(format!(
            "query must be an object or a list of pairs, not {other}"
        ))),
    }
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters, so an id's `/`, `+`
/// and `=` (base64 entity keys, api.md §9) cannot change the path.
fn segment(id: &str) -> Result<String> {
    if id.trim().is_empty() {
        return Err(Error::invalid_argument("the id is empty"));
    }
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(out)
}

/// `<entity path><id>/`; entities take their key as base64 or as the JSON key object, encoded here.
fn fetch_path(kind: EntityKind, id: &str) -> Result<String> {
    let id = match kind {
        EntityKind::Entities => EntityPk::encode(id)?,
        _ => id.to_owned(),
    };
    Ok(format!("{}{}/", spec(kind).path, segment(&id)?))
}

fn auth_for(kind: EntityKind) -> AuthUse {
    if spec(kind).prefer_legacy_token {
        AuthUse::PreferLegacyToken
    } else {
        AuthUse::Default
    }
}

/// Ids with blanks refused and repeats dropped (first occurrence kept, order kept), so no alert is sent
/// twice and the chunk count is what the distinct ids need.
fn distinct_ids(ids: Vec<String>) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Err(Error::invalid_argument("no alert ids to close"));
    }
    if let Some(blank) = ids.iter().find(|id| id.trim().is_empty()) {
        return Err(Error::invalid_argument(format!(
            "alert id {blank:?} is blank"
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    Ok(ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect())
}

/// The filter of an action that changes every record it matches (close by filter), checked with no
/// request sent: the server applies it to whatever matches, everything for `{}` (api.md §16 rule 39), so an
/// empty filter, a misspelt field or an unknown operator would act on far more than meant. Every
/// condition goes through [`FilterBuilder`], which knows the entity's fields, operators and value types;
/// the checked (normalised) filter is returned.
pub fn checked_action_filter(kind: EntityKind, filters: &Value, action: &str) -> Result<Value> {
    check_raw(filters).map_err(|e| {
        e.with_hint(format!(
            "a {action} filter is an object of conditions, e.g. {{\"severity\": {{\"eq\": [2]}}}}; nothing was sent"
        ))
    })?;
    let conditions = filters.as_object().map(Map::len).unwrap_or(0);
    if conditions == 0 {
        return Err(Error::new(
            ErrorKind::InvalidFilter,
            format!("refusing to {action} {kind} with an empty filter: the server would apply it to every one of them"),
        )
        .with_hint("give at least one condition, e.g. {\"id\": {\"eq\": [\"<id>\"]}}, or select by ids; nothing was sent"));
    }
    let mut builder = FilterBuilder::new(kind);
    for (field, ops) in filters.as_object().into_iter().flatten() {
        let ops = match ops.as_object() {
            Some(ops) if !ops.is_empty() => ops,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidFilter,
                    format!(
                        "refusing to {action} {kind}: filter field {field:?} has no operator object (got {})",
                        compact(ops, 80)
                    ),
                )
                .with_hint("write each condition as \"field\": {\"operator\": value}; nothing was sent"))
            }
        };
        for (op, value) in ops {
            builder = builder.add_named(field, op, value.clone()).map_err(|e| {
                let msg = format!("refusing to {action} {kind}: {}", e.message());
                e.with_message(msg).with_hint(
                    "the server applies a filter it does not understand to more records than meant, so only documented fields and operators are sent; nothing was sent",
                )
            })?;
        }
    }
    Ok(builder.build())
}

/// What a close that failed part-way had done: carried in the error's detail as JSON
/// (`{"partial_close": {"closed": …, "closed_ids": […], "not_found": […], "not_closed_ids": […],
/// "requested": …}, "server_detail": …}`), so the CLI, the C ABI and PowerShell can show which alerts are
/// already closed. Closing is idempotent: repeating the close for `not_closed_ids` is safe.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialClose {
    /// Alerts the server counted as closed by the requests that went through.
    pub closed: u64,
    /// The ids of the requests that went through, minus those the server did not find.
    pub closed_ids: Vec<String>,
    /// Ids of the requests that went through that the server did not find.
    pub not_found: Vec<String>,
    /// Ids of the failed request and of those not sent: not known to be closed.
    pub not_closed_ids: Vec<String>,
    /// Distinct ids requested.
    pub requested: usize,
}

impl PartialClose {
    fn into_error(self, e: Error) -> Error {
        let message = format!(
            "closing alerts stopped part-way: {} of {} alerts were already closed by the earlier requests (their ids are in the detail, closed_ids); the next request failed: {}",
            self.closed_ids.len(),
            self.requested,
            e.message()
        );
        let hint = format!(
            "{}; then close the {} alerts of not_closed_ids again (closing an alert twice is harmless)",
            e.hint().unwrap_or("fix the cause").trim_end_matches('.'),
            self.not_closed_ids.len()
        );
        let detail = json!({"partial_close": &self, "server_detail": e.detail()});
        e.with_message(message)
            .with_hint(hint)
            .with_detail(detail.to_string())
    }

    /// The partial close an error of [`Client::close_alerts`] describes, if it failed part-way.
    pub fn from_error(e: &Error) -> Option<PartialClose> {
        let detail: Value = serde_json::from_str(e.detail()?).ok()?;
        serde_json::from_value(detail.get("partial_close")?.clone()).ok()
    }
}

impl Client {
    /// One record by its id (api.md §6–§10 fetch routes). Entities take their key as base64 or as the JSON
    /// key object (`{"id","saas","inst"}`), which is encoded here.
    pub async fn fetch(&self, kind: EntityKind, id: &str) -> Result<Value> {
        let path = fetch_path(kind, id)?;
        self.send_json(
            reqwest::Method::GET,
            &path,
            None,
            RetryClass::Read,
            auth_for(kind),
        )
        .await
    }

    /// [`Client::fetch`], the record kept as the server's JSON text: key order, number spelling and
    /// keys that differ only by case stay as sent (the CLI prints it, like list records).
    pub async fn fetch_text(&self, kind: EntityKind, id: &str) -> Result<Box<RawValue>> {
        let path = fetch_path(kind, id)?;
        self.send_json(
            reqwest::Method::GET,
            &path,
            None,
            RetryClass::Read,
            auth_for(kind),
        )
        .await
    }

    /// A user with its accounts, or an account with its parent and siblings (api.md §9 `retrieve_tree`).
    pub async fn entity_tree(&self, pk: &str) -> Result<Value> {
        let text = self.entity_tree_text(pk).await?;
        serde_json::from_str(text.get())
            .map_err(|e| Error::internal(format!("cannot read the entity tree: {e}")))
    }

    /// [`Client::entity_tree`] as the server wrote it: its keys in the served order.
    pub async fn entity_tree_text(&self, pk: &str) -> Result<Box<RawValue>> {
        let pk = EntityPk::encode(pk)?;
        let path = format!(
            "{}{}/retrieve_tree/",
            spec(EntityKind::Entities).path,
            segment(&pk)?
        );
        self.send_json(
            reqwest::Method::GET,
            &path,
            None,
            RetryClass::Read,
            AuthUse::Default,
        )
        .await
    }

    /// Closes alerts as benign, false positive or true positive (api.md §7). Ids are de-duplicated, then sent
    /// in chunks of 100, one request each; the counts and the ids the server did not find are summed over
    /// the chunks.
    ///
    /// The server closes whatever a filter matches, every alert for `{}` (api.md §16 rule 39), so a filter
    /// is checked here first, with no request sent: it must have at least one condition, and every field
    /// and operator must be one the alerts table knows ([`crate::filter::FilterBuilder`]). A close that
    /// fails after some chunks went through returns the error of the failing chunk, its message saying how
    /// many alerts were already closed and its detail listing them ([`PartialClose`]).
    pub async fn close_alerts(
        &self,
        selection: AlertSelection,
        options: CloseAlerts,
    ) -> Result<CloseOutcome> {
        options.validate()?;
        let path = format!(
            "{}{}/",
            spec(EntityKind::Alerts).path,
            options.close_as.action()
        );
        let chunks: Vec<(Vec<String>, Value)> = match selection {
            AlertSelection::Ids(ids) => distinct_ids(ids)?
                .chunks(CLOSE_CHUNK)
                .map(|chunk| (chunk.to_vec(), options.body(json!({"id": {"eq": chunk}}))))
                .collect(),
            AlertSelection::Filter(filters) => {
                let filters = checked_action_filter(EntityKind::Alerts, &filters, "close")?;
                vec![(Vec::new(), options.body(filters))]
            }
        };
        let requested: usize = chunks.iter().map(|(ids, _)| ids.len()).sum();
        let count_key = format!("closed_{}", &options.close_as.action()["close_".len()..]);
        let mut outcome = CloseOutcome::default();
        let mut done_ids: Vec<String> = Vec::new();
        for (i, (ids, body)) in chunks.iter().enumerate() {
            // Closing an alert twice leaves it closed: safe to retry.
            let reply = self
                .send_json::<Value>(
                    reqwest::Method::POST,
                    &path,
                    Some(body),
                    RetryClass::IdempotentWrite,
                    AuthUse::Default,
                )
                .await;
            let reply = match reply {
                Ok(reply) => reply,
                Err(e) if i > 0 => {
                    let rest: Vec<String> = chunks[i..]
                        .iter()
                        .flat_map(|(ids, _)| ids.iter().cloned())
                        .collect();
                    return Err(PartialClose {
                        closed: outcome.closed,
                        closed_ids: done_ids,
                        not_found: outcome.not_found,
                        not_closed_ids: rest,
                        requested,
                    }
                    .into_error(e));
                }
                Err(e) => return Err(e),
            };
            outcome.closed += reply.get(&count_key).and_then(Value::as_u64).unwrap_or(0);
            let mut missing: Vec<String> = Vec::new();
            if let Some(list) = reply.get("alertsNotFound").and_then(Value::as_array) {
                missing.extend(list.iter().map(|id| match id {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }));
            }
            done_ids.extend(ids.iter().filter(|id| !missing.contains(id)).cloned());
            outcome.not_found.extend(missing);
        }
        Ok(outcome)
    }

    /// Marks an alert read or unread (api.md §7).
    pub async fn set_alert_read(&self, id: &str, read: bool) -> Result<()> {
        let action = if read { "read" } else { "unread" };
        let path = format!(
            "{}{}/{action}/",
            spec(EntityKind::Alerts).path,
            segment(id)?
        );
        self.send_any(
            reqwest::Method::POST,
            &path,
            None,
            RetryClass::IdempotentWrite,
        )
        .await?;
        Ok(())
    }

    /// Sends feedback on an activity (api.md §6): `{"feedbackValue", "feedbackText", "allowContact",
    /// "contactEmail"}`. Returns the server's answer.
    pub async fn activity_feedback(&self, id: &str, feedback: Value) -> Result<Value> {
        Ok(body_value(
            &self.activity_feedback_body(id, feedback).await?,
        ))
    }

    /// [`Client::activity_feedback`] with the answer's bytes as the server sent them (JSON in its key
    /// order, or text, or nothing).
    pub async fn activity_feedback_body(&self, id: &str, feedback: Value) -> Result<Vec<u8>> {
        if !feedback.is_object() {
            return Err(Error::invalid_argument(
                "activity feedback must be a JSON object such as {\"feedbackValue\": \"0\", \"feedbackText\": \"…\"}",
            ));
        }
        // The one documented route without a trailing slash (api.md §1).
        let path = format!(
            "{}{}/feedback",
            spec(EntityKind::Activities).path,
            segment(id)?
        );
        self.send_bytes(
            reqwest::Method::POST,
            &path,
            Some(&feedback),
            RetryClass::NonIdempotentWrite,
        )
        .await
    }

    /// Creates an IP range and returns its id (api.md §10). Not retried after a send: a repeat would create a
    /// second range (or fail on the duplicate name).
    pub async fn create_subnet(&self, subnet: &SubnetSpec) -> Result<String> {
        subnet.validate()?;
        let path = format!("{}create_rule/", spec(EntityKind::Subnets).path);
        let reply = self
            .send_json(
                reqwest::Method::POST,
                &path,
                Some(&subnet.body()),
                RetryClass::NonIdempotentWrite,
                AuthUse::Default,
            )
            .await?;
        match reply {
            Value::String(id) => Ok(id),
            Value::Object(ref map) => match map.get("_id").or_else(|| map.get("id")) {
                Some(Value::String(id)) => Ok(id.clone()),
                _ => Err(unexpected_reply("create_rule", &reply)),
            },
            other => Err(unexpected_reply("create_rule", &other)),
        }
    }

    /// Replaces an IP range (api.md §10: not a partial update).
    pub async fn update_subnet(&self, id: &str, subnet: &SubnetSpec) -> Result<()> {
        subnet.validate()?;
        let path = format!(
            "{}{}/update_rule/",
            spec(EntityKind::Subnets).path,
            segment(id)?
        );
        self.send_any(
            reqwest::Method::POST,
            &path,
            Some(&subnet.body()),
            RetryClass::IdempotentWrite,
        )
        .await?;
        Ok(())
    }

    /// Deletes an IP range (api.md §10). Retried after a lost answer; a repeat that finds the range gone
    /// after an attempt that may have reached the server counts as done (that attempt deleted it). A 404
    /// on the first attempt is [`ErrorKind::NotFound`].
    pub async fn delete_subnet(&self, id: &str) -> Result<()> {
        let path = format!("{}{}/", spec(EntityKind::Subnets).path, segment(id)?);
        let call = ApiCall {
            method: reqwest::Method::DELETE,
            path: &path,
            query: &[],
            body: None,
            retry: RetryClass::IdempotentWrite,
            auth: AuthUse::Default,
        };
        self.http().call_delete(&call, &CancelToken::new()).await?;
        Ok(())
    }

    /// Any request, relative to the API base. The answer is the JSON body, a JSON string for a non-JSON
    /// body (the discovery block script is plain text, api.md §11), or null for an empty one.
    pub async fn raw(&self, request: RawRequest) -> Result<Value> {
        Ok(body_value(&self.raw_body(request).await?))
    }

    /// [`Client::raw`], the answer's body as it came (the CLI prints JSON answers with their keys in
    /// the server's order).
    pub async fn raw_body(&self, request: RawRequest) -> Result<Vec<u8>> {
        let method =
            reqwest::Method::from_bytes(request.method.trim().to_ascii_uppercase().as_bytes())
                .map_err(|_| {
                    Error::invalid_argument(format!("{:?} is not an HTTP method", request.method))
                })?;
        let path = request.path.trim();
        if path.is_empty() {
            return Err(Error::invalid_argument("the request path is empty")
                .with_hint("for example \"v1/alerts/\""));
        }
        let retry = match (&method, request.idempotent) {
            (m, _)
                if [
                    reqwest::Method::GET,
                    reqwest::Method::HEAD,
                    reqwest::Method::OPTIONS,
                ]
                .contains(m) =>
            {
                RetryClass::Read
            }
            (_, Some(true)) => RetryClass::IdempotentWrite,
            (_, Some(false)) => RetryClass::NonIdempotentWrite,
            (m, None) if *m == reqwest::Method::PUT || *m == reqwest::Method::DELETE => {
                RetryClass::IdempotentWrite
            }
            _ => RetryClass::NonIdempotentWrite,
        };
        let relative = relative_api_path(path);
        let files = spec(EntityKind::Files).path;
        let auth = if relative.starts_with(files) || relative == files.trim_end_matches('/') {
            AuthUse::PreferLegacyToken
        } else {
            AuthUse::Default
        };
        let call = ApiCall {
            method,
            path: relative,
            query: &request.query,
            body: request.body.as_ref(),
            retry,
            auth,
        };
        let (bytes, _) = self.http().call_bytes(&call, &CancelToken::new()).await?;
        Ok(bytes.to_vec())
    }

    /// A call whose answer must be JSON (a `Value`, or the served text as `Box<RawValue>`): a garbled
    /// body counts as a transient fault for retryable calls.
    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        retry: RetryClass,
        auth: AuthUse,
    ) -> Result<T> {
        let call = ApiCall {
            method,
            path,
            query: &[],
            body,
            retry,
            auth,
        };
        let (value, _) = self
            .http()
            .call_json::<T>(&call, &CancelToken::new())
            .await?;
        Ok(value)
    }

    /// A call with an undocumented answer (api.md §15): success is the status, the body is kept as it is.
    async fn send_any(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        retry: RetryClass,
    ) -> Result<Value> {
        Ok(body_value(
            &self.send_bytes(method, path, body, retry).await?,
        ))
    }

    /// [`Client::send_any`] with the answer's bytes as they came.
    async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        retry: RetryClass,
    ) -> Result<Vec<u8>> {
        let call = ApiCall {
            method,
            path,
            query: &[],
            body,
            retry,
            auth: AuthUse::Default,
        };
        let (bytes, _) = self.http().call_bytes(&call, &CancelToken::new()).await?;
        Ok(bytes.to_vec())
    }
}

/// Undocumented answers (read/unread, update, delete) may be empty, JSON or text; keep whatever came.
fn body_value(bytes: &[u8]) -> Value {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

fn unexpected_reply(action: &str, reply: &Value) -> Error {
    Error::new(
        ErrorKind::InvalidResponse,
        format!(
            "{action} answered without a range id: {}",
            compact(reply, 200)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_keys_encode_as_standard_padded_base64_of_compact_json() {
        let pk = EntityPk::encode(r#"{ "id": "a@b.com", "saas": 11161, "inst": 0 }"#).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&pk)
            .unwrap();
        assert_eq!(decoded, br#"{"id":"a@b.com","saas":11161,"inst":0}"#);
        assert_eq!(
            EntityPk::encode("eyJpZCI6IngifQ==").unwrap(),
            "eyJpZCI6IngifQ=="
        );
        assert_eq!(segment("ab/c+d=").unwrap(), "ab%2Fc%2Bd%3D");
    }

    #[test]
    fn reason_ids_follow_the_close_kind() {
        assert!(CloseAlerts::new(CloseAs::Benign)
            .reason_id(2)
            .validate()
            .is_ok());
        assert!(CloseAlerts::new(CloseAs::Benign)
            .reason_id(0)
            .validate()
            .is_err());
        assert!(CloseAlerts::new(CloseAs::FalsePositive)
            .reason_id(0)
            .validate()
            .is_ok());
        assert!(CloseAlerts::new(CloseAs::FalsePositive)
            .reason_id(5)
            .validate()
            .is_err());
        assert!(CloseAlerts::new(CloseAs::TruePositive)
            .reason_id(4)
            .validate()
            .is_err());
        assert!(CloseAlerts::new(CloseAs::TruePositive).validate().is_ok());
    }

    #[test]
    fn raw_paths_drop_the_api_prefixes() {
        assert_eq!(relative_api_path("/api/v1/alerts/"), "v1/alerts/");
        assert_eq!(relative_api_path("/cas/api/v1/subnet/"), "v1/subnet/");
        assert_eq!(relative_api_path("v1/files/"), "v1/files/");
    }
}
