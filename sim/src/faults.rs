//! Fault switches (api.md §14 rule 29): make the next N requests fail the way real networks and
//! gateways fail, so clients can prove their retry and error paths.
//!
//! A fault is armed with a count and an optional route selector. Each request that matches takes
//! one unit; the fault disarms itself when its count reaches zero. Faults are consumed in the
//! order they were armed.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};

/// What an armed fault does to the request it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status: 500 and 503 with a JSON body, 502 and 504 with an HTML page the
    /// way a gateway in front of the service answers.
    Status(u16),
    /// Abort the connection with a TCP reset, without any response.
    Reset,
    /// Answer 200 with the real JSON body cut in the middle (valid HTTP, `Content-Length` of the
    /// cut body).
    Truncate,
    /// Sleep this long before handling the request normally, so client timeouts fire.
    Stall(Duration),
    /// Answer 401 as if the credential had just expired; an app bearer token used on the request
    /// is also revoked, so a client must fetch a new one.
    ExpireToken,
}

/// A fault to arm: `count` requests matching `route` (every API route when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    pub count: u32,
    /// A route name (`files.list`), a group (`files` matches `files.list` and `files.fetch`),
    /// a prefix ending in `*` (`alerts.close*`), or `*`. `None` matches every API route but not
    /// the identity endpoint, which must be named (`oauth2.token`) to be faulted.
    pub route: Option<String>,
}

impl FaultSpec {
    pub fn new(kind: FaultKind, count: u32) -> Self {
        FaultSpec {
            kind,
            count,
            route: None,
        }
    }

    pub fn on_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// Parses the CLI form: `status=503,count=3,route=files.list`, `reset`, `truncate,count=2`,
    /// `stall=5000` (milliseconds), `expire_token`. `count` defaults to 1.
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let mut kind = None;
        let mut count = 1u32;
        let mut route = None;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            let number = |what: &str| -> Result<u64, String> {
                value
                    .ok_or_else(|| format!("`{key}` needs a value: {key}=<{what}>"))?
                    .parse::<u64>()
                    .map_err(|_| format!("`{key}` expects a number of {what}, got `{part}`"))
            };
            let new_kind = match key {
                "status" => Some(FaultKind::Status(status_code(number("HTTP status")?)?)),
                "reset" => Some(FaultKind::Reset),
                "truncate" => Some(FaultKind::Truncate),
                "stall" => Some(FaultKind::Stall(Duration::from_millis(number(
                    "milliseconds",
                )?))),
                "expire_token" | "expire-token" => Some(FaultKind::ExpireToken),
                "count" => {
                    count = u32::try_from(number("requests")?)
                        .map_err(|_| format!("count too large in `{part}`"))?;
                    None
                }
                "route" => {
                    route = Some(
                        value
                            .filter(|v| !v.is_empty())
                            .ok_or("`route` needs a value, e.g. route=files.list")?
                            .to_string(),
                    );
                    None
                }
                other => {
                    return Err(format!(
                        "unknown fault setting `{other}`; expected status=<code>, reset, \
                         truncate, stall=<ms>, expire_token, count=<n>, route=<name>"
                    ))
                }
            };
            if let Some(k) = new_kind {
                if kind.replace(k).is_some() {
                    return Err(format!("`{text}` names more than one fault kind"));
                }
            }
        }
        let kind = kind.ok_or_else(|| {
            format!("`{text}` names no fault kind (status=<code>, reset, truncate, stall=<ms>, expire_token)")
        })?;
        Ok(FaultSpec { kind, count, route })
    }

    /// Parses the control-endpoint form: `{"kind":"status","status":503,"count":3,
    /// "route":"files.list"}`, `{"kind":"stall","ms":5000}`, `{"kind":"reset"}`,
    /// `{"kind":"truncate"}`, `{"kind":"expire_token"}`. `count` defaults to 1.
    pub fn from_json(v: &Value) -> Result<FaultSpec, String> {
        let obj = v.as_object().ok_or("a fault is a JSON object")?;
        let kind_name = obj
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("`kind` is required: status, reset, truncate, stall or expire_token")?;
        let kind = match kind_name {
            "status" => {
                let code = obj
                    .get("status")
                    .and_then(Value::as_u64)
                    .ok_or("a status fault needs `status` (500, 502, 503 or 504)")?;
                FaultKind::Status(status_code(code)?)
            }
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate,
            "stall" => {
                let ms = obj
                    .get("ms")
                    .and_then(Value::as_u64)
                    .ok_or("a stall fault needs `ms` (milliseconds)")?;
                FaultKind::Stall(Duration::from_millis(ms))
            }
            "expire_token" => FaultKind::ExpireToken,
            other => return Err(format!("unknown fault kind `{other}`")),
        };
        let count = match obj.get("count") {
            None | Some(Value::Null) => 1,
            Some(c) => c
                .as_u64()
                .and_then(|c| u32::try_from(c).ok())
                .ok_or("`count` must be a non-negative integer")?,
        };
        let route = match obj.get("route") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(_) => return Err("`route` must be a route name such as files.list".into()),
        };
        Ok(FaultSpec { kind, count, route })
    }

    fn matches(&self, route: &str, is_api: bool) -> bool {
        if matches!(self.kind, FaultKind::ExpireToken) && !is_api {
            // The identity endpoint has no token to expire.
            return false;
        }
        match self.route.as_deref() {
            None => is_api,
            Some("*") => true,
            Some(sel) => match sel.strip_suffix('*') {
                Some(prefix) => route.starts_with(prefix),
                None => {
                    route == sel
                        || (route.len() > sel.len()
                            && route.starts_with(sel)
                            && route.as_bytes()[sel.len()] == b'.')
                }
            },
        }
    }
}

fn status_code(code: u64) -> Result<u16, String> {
    match code {
        500 | 502 | 503 | 504 => Ok(code as u16),
        other => Err(format!(
            "fault status {other} is not supported; use 500, 502, 503 or 504"
        )),
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Status(s) => write!(f, "status={s}"),
            FaultKind::Reset => f.write_str("reset"),
            FaultKind::Truncate => f.write_str("truncate"),
            FaultKind::Stall(d) => write!(f, "stall={}", d.as_millis()),
            FaultKind::ExpireToken => f.write_str("expire_token"),
        }
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},count={}", self.kind, self.count)?;
        if let Some(r) = &self.route {
            write!(f, ",route={r}")?;
        }
        Ok(())
    }
}

impl Serialize for FaultSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = json!({"count": self.count, "route": self.route});
        match &self.kind {
            FaultKind::Status(code) => {
                v["kind"] = json!("status");
                v["status"] = json!(code);
            }
            FaultKind::Reset => v["kind"] = json!("reset"),
            FaultKind::Truncate => v["kind"] = json!("truncate"),
            FaultKind::Stall(d) => {
                v["kind"] = json!("stall");
                v["ms"] = json!(d.as_millis() as u64);
            }
            FaultKind::ExpireToken => v["kind"] = json!("expire_token"),
        }
        v.serialize(s)
    }
}

/// Slow mode for large files lists (api.md §4.3, §14 rule 29: the files list can time out when a
/// large collection is paged): every files list request with `skip >= min_skip` waits `delay`
/// before it is answered, so deep pages trip client timeouts while the first pages stay fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowFiles {
    pub min_skip: u64,
    pub delay: Duration,
}

impl Serialize for SlowFiles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        json!({"min_skip": self.min_skip, "delay_ms": self.delay.as_millis() as u64}).serialize(s)
    }
}

/// The armed faults. The lock is held only to pick a fault, never across an await.
#[derive(Debug, Default)]
pub(crate) struct FaultBoard {
    armed: Mutex<Vec<FaultSpec>>,
}

impl FaultBoard {
    pub(crate) fn arm(&self, f: FaultSpec) {
        if f.count > 0 {
            self.lock().push(f);
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Faults still armed, with their remaining counts.
    pub(crate) fn armed(&self) -> Vec<FaultSpec> {
        self.lock().clone()
    }

    /// Takes one unit of the first armed fault that matches this route.
    pub(crate) fn take(&self, route: &str, is_api: bool) -> Option<FaultKind> {
        let mut armed = self.lock();
        let i = armed.iter().position(|f| f.matches(route, is_api))?;
        let kind = armed[i].kind.clone();
        armed[i].count -= 1;
        if armed[i].count == 0 {
            armed.remove(i);
        }
        Some(kind)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultSpec>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_form_parses_kind_count_and_route() {
        let f = FaultSpec::parse("status=503,count=3,route=files.list").unwrap();
        assert_eq!(
            f,
            FaultSpec::new(FaultKind::Status(503), 3).on_route("files.list")
        );
        assert_eq!(FaultSpec::parse("reset").unwrap().count, 1);
        assert_eq!(
            FaultSpec::parse("stall=250").unwrap().kind,
            FaultKind::Stall(Duration::from_millis(250))
        );
        assert!(FaultSpec::parse("status=404").is_err());
        assert!(FaultSpec::parse("count=2").is_err());
        assert!(FaultSpec::parse("reset,truncate").is_err());
    }

    #[test]
    fn route_selectors_match_names_groups_and_prefixes() {
        let group = FaultSpec::new(FaultKind::Reset, 1).on_route("files");
        assert!(group.matches("files.list", true));
        assert!(!group.matches("filesx.list", true));
        let prefix = FaultSpec::new(FaultKind::Reset, 1).on_route("alerts.close*");
        assert!(prefix.matches("alerts.close_benign", true));
        assert!(!prefix.matches("alerts.read", true));
        let any = FaultSpec::new(FaultKind::Reset, 1);
        assert!(any.matches("alerts.read", true));
        assert!(!any.matches("oauth2.token", false));
    }

    #[test]
    fn board_consumes_counts_in_arming_order() {
        let board = FaultBoard::default();
        board.arm(FaultSpec::new(FaultKind::Status(500), 2).on_route("files.list"));
        board.arm(FaultSpec::new(FaultKind::Truncate, 1));
        assert_eq!(board.take("alerts.list", true), Some(FaultKind::Truncate));
        assert_eq!(board.take("alerts.list", true), None);
        assert_eq!(board.take("files.list", true), Some(FaultKind::Status(500)));
        assert_eq!(board.take("files.list", true), Some(FaultKind::Status(500)));
        assert_eq!(board.take("files.list", true), None);
    }
}
