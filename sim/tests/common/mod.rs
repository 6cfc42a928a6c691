//! Shared helpers for the simulator's HTTP tests: start a simulator on an ephemeral loopback
//! port and talk to it with plain HTTP, the way a client script would.
#![allow(dead_code)] // each test binary uses a different subset of these helpers

use std::time::Duration;

use mdca_sim::{SimConfig, Simulator};
use reqwest::{header::HeaderMap, Method};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The resource (audience) app id of the MDCA API in Entra ID, api.md §3.2.
pub const MDCA_RESOURCE: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af";

/// The body the Files API returns to Bearer tokens and the body of every RBAC refusal, api.md §12.
pub const RBAC_DETAIL: &str = "Insufficient role based permissions";

/// How a request authenticates, api.md §3.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    None,
    /// `Authorization: Token <key>` — a legacy API token.
    Token(&'a str),
    /// `Authorization: Bearer <jwt>` — an Entra application or user token.
    Bearer(&'a str),
    /// The header value verbatim, for malformed schemes.
    Raw(&'a str),
}

/// How a request carries its parameters, api.md §2.
#[derive(Clone, Debug)]
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>),
    Query(Vec<(String, String)>),
}

/// A response with its body read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON; panics with the raw text when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {:?}",
                self.status,
                truncate(&self.text)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {:?}",
            truncate(&self.text)
        );
        self.json()
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(600) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A running simulator plus an HTTP client pointed at it.
pub struct Harness {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

/// The small, unthrottled configuration every test starts from, bound to an ephemeral port.
pub fn test_config() -> SimConfig {
    let mut cfg = SimConfig::for_tests();
    cfg.bind = "127.0.0.1:0".parse().expect("loopback address");
    cfg
}

/// A plain-HTTP client for the tests. reqwest's features unify across the workspace with the mdca
/// library's `rustls-no-provider`, so a crypto provider must be installed before any client is built.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .expect("HTTP client")
}

impl Harness {
    /// Starts a simulator with [`test_config`].
    pub async fn start() -> Self {
        Self::with(test_config()).await
    }

    /// Starts a simulator with the given configuration.
    pub async fn with(cfg: SimConfig) -> Self {
        let sim = mdca_sim::start(cfg).await.expect("simulator starts");
        let http = http_client(Duration::from_secs(60));
        Harness { sim, http }
    }

    /// `<sim>/api/<path>` on the default tenant.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/{}", self.sim.url(), path)
    }

    /// `<sim>/t/tenant<i>/api/<path>` on an extra tenant.
    pub fn tenant_api(&self, tenant: u32, path: &str) -> String {
        format!("{}/api/{}", self.sim.tenant_url(tenant), path)
    }

    /// `<sim>/<path>` for control and identity routes.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.sim.url(), path.trim_start_matches('/'))
    }

    pub fn admin(&self) -> String {
        self.sim.admin_token()
    }

    /// Sends one request and reads the whole body.
    pub async fn send(&self, method: Method, url: &str, auth: Auth<'_>, body: Body) -> Reply {
        self.try_send(&self.http, method, url, auth, body)
            .await
            .unwrap_or_else(|e| panic!("request to {url} failed: {e}"))
    }

    /// Sends one request with the given client; transport errors (reset, timeout, a body cut
    /// short) come back as `Err`.
    pub async fn try_send(
        &self,
        http: &reqwest::Client,
        method: Method,
        url: &str,
        auth: Auth<'_>,
        body: Body,
    ) -> Result<Reply, reqwest::Error> {
        let mut req = http.request(method, url);
        req = match auth {
            Auth::None => req,
            Auth::Token(t) => req.header("Authorization", format!("Token {t}")),
            Auth::Bearer(t) => req.header("Authorization", format!("Bearer {t}")),
            Auth::Raw(v) => req.header("Authorization", v),
        };
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Form(pairs) => req.form(&pairs),
            Body::Query(pairs) => req.query(&pairs),
            Body::Multipart(pairs) => {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in pairs {
                    form = form.text(k, v);
                }
                req.multipart(form)
            }
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        Ok(Reply {
            status,
            headers,
            text,
        })
    }

    /// POST a JSON body to an `/api/` path with the admin legacy token.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        let token = self.admin();
        self.send(
            Method::POST,
            &self.api(path),
            Auth::Token(&token),
            Body::Json(body),
        )
        .await
    }

    /// GET an `/api/` path with the admin legacy token.
    pub async fn get(&self, path: &str) -> Reply {
        let token = self.admin();
        self.send(
            Method::GET,
            &self.api(path),
            Auth::Token(&token),
            Body::None,
        )
        .await
    }

    /// Every record of a skip/limit list (api.md §4.4 client rule: advance by `len(data)`, stop on
    /// `hasNext == false` or empty `data`).
    pub async fn list_all(&self, path: &str, filters: Value) -> Vec<Value> {
        self.list_all_at(&self.api(path), filters).await
    }

    pub async fn list_all_at(&self, url: &str, filters: Value) -> Vec<Value> {
        let token = self.admin();
        let mut out = Vec::new();
        loop {
            let body = json!({"filters": filters, "skip": out.len(), "limit": 100});
            let page = self
                .send(Method::POST, url, Auth::Token(&token), Body::Json(body))
                .await
                .expect(200);
            let data = page["data"].as_array().expect("data array").clone();
            let more = page["hasNext"].as_bool().expect("hasNext bool");
            let empty = data.is_empty();
            out.extend(data);
            if !more || empty {
                return out;
            }
        }
    }

    /// Runs Microsoft's documented activity scan loop (api.md §4.4): POST with `isScan`, send
    /// `nextQueryFilters` back as `filters` until `hasNext` is false. Returns the records and
    /// the number of calls.
    pub async fn scan_activities(&self, filters: Value, limit: Option<u64>) -> (Vec<Value>, usize) {
        let mut filters = filters;
        let mut out = Vec::new();
        let mut calls = 0;
        loop {
            let mut body = json!({"filters": filters, "isScan": true});
            if let Some(limit) = limit {
                body["limit"] = json!(limit);
            }
            let page = self.post("v1/activities/", body).await.expect(200);
            calls += 1;
            out.extend(page["data"].as_array().expect("data array").iter().cloned());
            if page["hasNext"] == json!(true) {
                filters = page
                    .get("nextQueryFilters")
                    .unwrap_or_else(|| {
                        panic!("hasNext without nextQueryFilters after {calls} calls")
                    })
                    .clone();
            } else {
                assert!(
                    page.get("nextQueryFilters").is_none(),
                    "the last scan page must not carry nextQueryFilters (docs/api.md §4.2)"
                );
                return (out, calls);
            }
        }
    }

    /// Requests a client-credentials token from the simulator's identity endpoint (v2 form).
    pub async fn bearer_for(&self, client_id: &str, client_secret: &str) -> String {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.sim.authority_host().trim_end_matches('/'),
            self.sim.entra_tenant_id()
        );
        let form = vec![
            ("grant_type".to_string(), "client_credentials".to_string()),
            ("client_id".to_string(), client_id.to_string()),
            ("client_secret".to_string(), client_secret.to_string()),
            ("scope".to_string(), format!("{MDCA_RESOURCE}/.default")),
        ];
        let reply = self
            .send(Method::POST, &url, Auth::None, Body::Form(form))
            .await;
        let body = reply.expect(200);
        body["access_token"]
            .as_str()
            .expect("access_token string")
            .to_string()
    }

    /// A Bearer token with Investigation/Settings/Discovery `.manage`.
    pub async fn manage_bearer(&self) -> String {
        let (id, secret) = self.sim.app_credentials();
        self.bearer_for(&id, &secret).await
    }

    /// A Bearer token with only `Investigation.read`.
    pub async fn reader_bearer(&self) -> String {
        let (id, secret) = self.sim.reader_app_credentials();
        self.bearer_for(&id, &secret).await
    }

    pub async fn stats(&self) -> Value {
        self.send(Method::GET, &self.url("_sim/stats"), Auth::None, Body::None)
            .await
            .expect(200)
    }

    /// GET `/_sim/<path>`, expecting 200.
    pub async fn get_control(&self, path: &str) -> Value {
        self.send(
            Method::GET,
            &self.url(&format!("_sim/{path}")),
            Auth::None,
            Body::None,
        )
        .await
        .expect(200)
    }

    /// POST JSON to `/_sim/<path>`, expecting 200.
    pub async fn post_control(&self, path: &str, body: Value) -> Value {
        self.post_control_raw(path, body).await.expect(200)
    }

    /// POST JSON to `/_sim/<path>`, whatever the answer.
    pub async fn post_control_raw(&self, path: &str, body: Value) -> Reply {
        self.send(
            Method::POST,
            &self.url(&format!("_sim/{path}")),
            Auth::None,
            Body::Json(body),
        )
        .await
    }
}

/// The `_id` of every record, in order.
pub fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(id_of).collect()
}

pub fn id_of(record: &Value) -> String {
    match &record["_id"] {
        Value::String(s) => s.clone(),
        other => panic!("record without a string _id: {other}"),
    }
}

/// Asserts the RBAC refusal of api.md §3.5/§12: 403, `detail`, and a UUID-v4 `correlation_id`.
/// Returns the correlation id.
#[track_caller]
pub fn assert_rbac_refusal(reply: &Reply) -> String {
    let body = reply.expect(403);
    assert_eq!(body["detail"], json!(RBAC_DETAIL), "body: {body}");
    let cid = body["correlation_id"]
        .as_str()
        .unwrap_or_else(|| panic!("correlation_id missing: {body}"));
    let parsed = uuid::Uuid::parse_str(cid).expect("correlation_id is a UUID");
    assert_eq!(parsed.get_version_num(), 4, "correlation_id is UUID v4");
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 2, "only detail and correlation_id: {body}");
    cid.to_string()
}

/// A response read off a raw HTTP/1.1 connection, to see what reqwest hides (the reason phrase).
pub struct RawReply {
    pub status_line: String,
    pub head: String,
    pub body: String,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// Sends one request over a fresh TCP connection with `Connection: close` and reads all of it.
pub async fn raw_http(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> RawReply {
    let authority = base_url
        .strip_prefix("http://")
        .expect("simulator URL is http://")
        .trim_end_matches('/');
    let authority = authority.split('/').next().expect("host:port");
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect to simulator");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("Content-Length: 0\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header/body split in {text:?}"));
    RawReply {
        status_line: head.lines().next().unwrap_or_default().to_string(),
        head: head.to_string(),
        body: body.to_string(),
    }
}
