//! Cloud Discovery (api.md §11): log upload, continuous reports (streams), report categories and
//! block scripts. Methods on [`Client`].
//!
//! A log upload is three calls, and this module does what the documentation leaves to the caller:
//!
//! 1. `GET v1/discovery/upload_url/?filename=&source=` returns a pre-signed storage URL (Azure blob,
//!    sometimes AWS S3).
//! 2. The file goes to that URL. Files below [`SINGLE_PUT_MAX`] (64 MiB) go in one `PUT` with
//!    `x-ms-blob-type: BlockBlob`; larger ones in blocks ([`DEFAULT_BLOCK_SIZE`]) with Azure's block
//!    API (`comp=block` then `comp=blocklist`), each block streamed from disk and retried on its own
//!    after a transient failure, so the file is never held in memory and a fault costs one block.
//!    These requests carry **no MDCA credential**: the URL's query string (the SAS signature) is the
//!    credential, so it is treated as a secret — never logged, and cut from every error message and
//!    `Debug` output.
//! 3. `POST v1/discovery/done_upload/` names the data source (`inputStreamName`), optionally as a
//!    snapshot report.
//!
//! Progress is bytes sent of the file's total, never going back (a retried block is not counted twice).
//! Cancellation is checked between blocks and stops a block mid-way (its request is dropped); a
//! cancelled upload never commits its blob nor calls `done_upload`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

use crate::cancel::CancelToken;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{backoff, ApiCall, AuthUse, RetryClass};

/// Files smaller than this go to storage in one `PUT` (api.md §11: "BlockBlob for files < 64 MB").
pub const SINGLE_PUT_MAX: u64 = 64 * 1024 * 1024;
/// Block size for larger files: small enough to retry cheaply, large enough to keep the block count
/// (at most 50,000 per blob in Azure) far from its limit for any log the service accepts (5 GB).
pub const DEFAULT_BLOCK_SIZE: u64 = 16 * 1024 * 1024;
/// The Azure storage service version the upload requests ask for (large block and blob limits).
const STORAGE_VERSION: &str = "2020-04-08";
/// One storage request may take this long (a block at a slow uplink).
const STORAGE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Bytes read from disk per chunk of a request body.
const READ_CHUNK: usize = 256 * 1024;

/// The log formats `source` takes (api.md §11: the current list, then the older names still accepted).
pub const SOURCES: &[&str] = &[
    "BLUECOAT",
    "BARRACUDA",
    "BARRACUDA_NEXT_GEN_FW",
    "BARRACUDA_NEXT_GEN_FW_WEBLOG",
    "BARRACUDA_SYSLOG",
    "BLUECOAT_SYSLOG",
    "CHECKPOINT",
    "CHECKPOINT_CEF_SYSLOG",
    "CHECKPOINT_SMART_VIEW_TRACKER",
    "CHECKPOINT_XML",
    "CISCO_ASA",
    "CISCO_ASA_FIREPOWER_SYSLOG",
    "CISCO_ASA_SYSLOG",
    "CISCO_FIREPOWER_V6_SYSLOG",
    "CISCO_FWSM",
    "CISCO_FWSM_SYSLOG",
    "CISCO_IRONPORT_PROXY",
    "CISCO_IRONPORT_PROXY_SYSLOG",
    "CISCO_IRONPORT_WSA_II",
    "CISCO_IRONPORT_WSA_III",
    "CISCO_SCAN_SAFE",
    "CLAVISTER_SYSLOG",
    "CONTENTKEEPER_SYSLOG",
    "CORRATA",
    "FORCEPOINT",
    "FORCEPOINT_LEEF_SYSLOG",
    "FORTIGATE",
    "FORTIGATE_SYSLOG",
    "FORTIOS_SYSLOG",
    "GENERIC_CEF",
    "GENERIC_CEF_SYSLOG",
    "GENERIC_LEEF",
    "GENERIC_LEEF_SYSLOG",
    "GENERIC_W3C",
    "GENERIC_W3C_SYSLOG",
    "I_FILTER",
    "I_FILTER_SYSLOG",
    "IBOSS",
    "JUNIPER_SRX_SD_SYSLOG",
    "JUNIPER_SRX_SYSLOG",
    "JUNIPER_SRX_WELF_SYSLOG",
    "JUNIPER_SSG_SYSLOG",
    "MACHINE_ZONE_MERAKI",
    "MACHINE_ZONE_MERAKI_SYSLOG",
    "MCAFEE_SWG",
    "MCAFEE_SWG_SYSLOG",
    "MENLO_SECURITY_CEF",
    "MICROSOFT_ISA_W3C",
    "OPEN_SYSTEMS_SECURE_WEB_GATEWAY",
    "PALO_ALTO",
    "PALO_ALTO_LEEF",
    "PALO_ALTO_LEEF_SYSLOG",
    "PALO_ALTO_SYSLOG",
    "SONICWALL_SYSLOG",
    "SOPHOS_CYBEROAM_SYSLOG",
    "SOPHOS_SG",
    "SOPHOS_SG_SYSLOG",
    "SOPHOS_XG",
    "SOPHOS_XG_SYSLOG",
    "SQUID",
    "SQUID_NATIVE",
    "SQUID_NATIVE_SYSLOG",
    "STORMSHIELD_SYSLOG",
    "WANDERA_SYSLOG",
    "WATCHGUARD_XTM_SYSLOG",
    "WEBSENSE_SIEM_CEF_SYSLOG",
    "WEBSENSE_V7_5",
    "ZSCALER",
    "ZSCALER_CEF_SYSLOG",
    "ZSCALER_QRADAR_SYSLOG",
    "ZSCALER_SYSLOG",
    "CISCO_ASA_FIREPOWER",
    "CLAVISTER",
    "CUSTOM_PARSER",
    "FORCEPOINT_LEEF",
    "JUNIPER_SRX",
    "JUNIPER_SRX_SD",
    "JUNIPER_SRX_WELF",
    "JUNIPER_SSG",
    "SOPHOS_CYBEROAM",
    "STORMSHIELD",
    "WEBSENSE_SIEM_CEF",
    "ZSCALER_CEF",
    "ZSCALER_QRADAR",
];

/// The appliances a block script is written for (api.md §11 `format` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Appliance {
    /// 102, BlueCoat ProxySG.
    BlueCoat,
    /// 104, Cisco ASA.
    CiscoAsa,
    /// 108, Fortinet FortiGate.
    FortiGate,
    /// 129, Juniper SRX.
    JuniperSrx,
    /// 112, Palo Alto.
    PaloAlto,
    /// 135, Websense.
    Websense,
    /// 120, Zscaler.
    Zscaler,
}

impl Appliance {
    pub const ALL: [Appliance; 7] = [
        Appliance::BlueCoat,
        Appliance::CiscoAsa,
        Appliance::FortiGate,
        Appliance::JuniperSrx,
        Appliance::PaloAlto,
        Appliance::Websense,
        Appliance::Zscaler,
    ];

    /// The API's `format` code.
    pub fn code(self) -> u32 {
        match self {
            Appliance::BlueCoat => 102,
            Appliance::CiscoAsa => 104,
            Appliance::FortiGate => 108,
            Appliance::JuniperSrx => 129,
            Appliance::PaloAlto => 112,
            Appliance::Websense => 135,
            Appliance::Zscaler => 120,
        }
    }

    /// The name the CLI and cmdlets take: `bluecoat`, `cisco-asa`, `fortigate`, `juniper-srx`,
    /// `palo-alto`, `websense`, `zscaler`.
    pub fn name(self) -> &'static str {
        match self {
            Appliance::BlueCoat => "bluecoat",
            Appliance::CiscoAsa => "cisco-asa",
            Appliance::FortiGate => "fortigate",
            Appliance::JuniperSrx => "juniper-srx",
            Appliance::PaloAlto => "palo-alto",
            Appliance::Websense => "websense",
            Appliance::Zscaler => "zscaler",
        }
    }

    pub fn from_code(code: u32) -> Option<Appliance> {
        Appliance::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Reads a name (case, `-`, `_` and spaces ignored: `PaloAlto`, `palo_alto`) or a `format` code.
    pub fn parse(text: &str) -> Result<Appliance> {
        let key: String = text
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let found = match key.parse::<u32>() {
            Ok(code) => Appliance::from_code(code),
            Err(_) => Appliance::ALL
                .into_iter()
                .find(|a| a.name().replace('-', "") == key),
        };
        found.ok_or_else(|| {
            Error::invalid_argument(format!("{text:?} is not a block-script appliance"))
                .with_hint(format!("use one of {}", appliance_list()))
        })
    }
}

fn appliance_list() -> String {
    Appliance::ALL
        .iter()
        .map(|a| format!("{} ({})", a.name(), a.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for Appliance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Checks a log `source` against [`SOURCES`] (case-insensitive) and returns its documented spelling.
/// With `force`, any non-empty value is passed through (a format newer than this library).
pub fn check_source(source: &str, force: bool) -> Result<String> {
    let trimmed = source.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_argument("the log source is empty")
            .with_hint("give the log format, e.g. PALO_ALTO, CISCO_ASA_SYSLOG or ZSCALER"));
    }
    let upper = trimmed.to_ascii_uppercase();
    if SOURCES.contains(&upper.as_str()) {
        return Ok(upper);
    }
    if force {
        return Ok(trimmed.to_string());
    }
    Err(Error::invalid_argument(format!(
        "{trimmed:?} is not a documented Cloud Discovery log source; nothing was sent"
    ))
    .with_hint(format!(
        "use one of {}; or force it if the service knows a newer format",
        SOURCES.join(", ")
    )))
}

/// What to upload a log file as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogUpload {
    /// The log format (`source`, api.md §11), checked against [`SOURCES`] unless `force_source`.
    pub source: String,
    /// The data source (`inputStreamName`), or the snapshot report's name with `snapshot`.
    #[serde(alias = "streamName")]
    pub stream_name: String,
    /// Create a snapshot report instead of feeding a continuous data source.
    #[serde(default)]
    pub snapshot: bool,
    /// Send a `source` that is not in [`SOURCES`].
    #[serde(default, alias = "forceSource")]
    pub force_source: bool,
    /// The `filename` sent to the service; default: the file's name.
    #[serde(default, alias = "fileName", skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Block size for files of [`SINGLE_PUT_MAX`] and more; default [`DEFAULT_BLOCK_SIZE`]. Between
    /// 1 MiB and 4000 MiB.
    #[serde(default, alias = "blockSize", skip_serializing_if = "Option::is_none")]
    pub block_size: Option<u64>,
}

impl LogUpload {
    pub fn new(source: impl Into<String>, stream_name: impl Into<String>) -> LogUpload {
        LogUpload {
            source: source.into(),
            stream_name: stream_name.into(),
            snapshot: false,
            force_source: false,
            file_name: None,
            block_size: None,
        }
    }

    pub fn snapshot(mut self, snapshot: bool) -> LogUpload {
        self.snapshot = snapshot;
        self
    }

    pub fn force_source(mut self, force: bool) -> LogUpload {
        self.force_source = force;
        self
    }

    pub fn file_name(mut self, name: impl Into<String>) -> LogUpload {
        self.file_name = Some(name.into());
        self
    }

    pub fn block_size(mut self, bytes: u64) -> LogUpload {
        self.block_size = Some(bytes);
        self
    }
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadOutcome {
    /// Bytes uploaded (the file's length).
    pub bytes: u64,
    /// Blocks committed; 0 for a single `PUT`.
    pub blocks: u32,
    /// Storage requests repeated after a transient failure.
    pub retries: u32,
    /// The `filename` sent.
    pub file_name: String,
    /// The `source` sent.
    pub source: String,
    /// `done_upload`'s answer (undocumented: kept as it came, null when empty).
    pub response: Value,
}

/// A progress callback: `(bytes sent, total bytes)`; called from the upload's task.
pub type UploadProgress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// A pre-signed storage URL: its query string is a credential, so `Debug` and errors show only the
/// scheme, host and path.
struct SasUrl(url::Url);

impl SasUrl {
    fn redacted(&self) -> String {
        let u = &self.0;
        let host = u.host_str().unwrap_or("");
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        let query = if u.query().is_some() {
            "?<signature hidden>"
        } else {
            ""
        };
        format!("{}://{host}{port}{}{query}", u.scheme(), u.path())
    }

    /// The URL with extra query parameters (block operations).
    fn with(&self, extra: &[(&str, &str)]) -> url::Url {
        let mut u = self.0.clone();
        {
            let mut q = u.query_pairs_mut();
            for (k, v) in extra {
                q.append_pair(k, v);
            }
        }
        u
    }
}

impl std::fmt::Debug for SasUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Monotone progress over retried blocks: reports only new highs.
struct Meter<'a> {
    total: u64,
    high: AtomicU64,
    callback: Option<UploadProgress<'a>>,
}

impl Meter<'_> {
    fn report(&self, sent: u64) {
        let prev = self.high.fetch_max(sent, Ordering::SeqCst);
        if sent > prev {
            if let Some(cb) = self.callback {
                cb(sent, self.total);
            }
        }
    }
}

/// The outcome of one storage request.
enum Put {
    Done,
    /// Worth repeating: 408, 429, 5xx, a broken connection, a timeout.
    Transient(Error),
}

impl Client {
    /// Uploads a log file for Cloud Discovery (api.md §11): initiate, `PUT` to storage (one request
    /// below 64 MiB, blocks above), then `done_upload`. `progress` gets `(sent, total)` as bytes go out;
    /// `cancel` stops the upload between blocks or mid-block, before anything is committed.
    pub async fn upload_log(
        &self,
        path: &Path,
        upload: &LogUpload,
        progress: Option<UploadProgress<'_>>,
        cancel: &CancelToken,
    ) -> Result<UploadOutcome> {
        let source = check_source(&upload.source, upload.force_source)?;
        let stream_name = upload.stream_name.trim();
        if stream_name.is_empty() {
            return Err(
                Error::invalid_argument("the data source (stream) name is empty").with_hint(
                    "name the data source the log belongs to, or the snapshot report to create",
                ),
            );
        }
        let block_size = upload.block_size.unwrap_or(DEFAULT_BLOCK_SIZE);
        if !(1024 * 1024..=4000 * 1024 * 1024).contains(&block_size) {
            return Err(Error::invalid_argument(format!(
                "block size {block_size} is outside 1 MiB – 4000 MiB"
            )));
        }
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::invalid_argument(format!("cannot read the log file {}: {e}", path.display()))
        })?;
        if !meta.is_file() {
            return Err(Error::invalid_argument(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let total = meta.len();
        let file_name = match &upload.file_name {
            Some(n) if !n.trim().is_empty() => n.trim().to_string(),
            _ => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    Error::invalid_argument(format!("{} has no file name", path.display()))
                })?,
        };
        cancel.check()?;

        // 1. Initiate.
        let query = vec![
            ("filename".to_string(), file_name.clone()),
            ("source".to_string(), source.clone()),
        ];
        let call = ApiCall {
            method: reqwest::Method::GET,
            path: "v1/discovery/upload_url/",
            query: &query,
            body: None,
            retry: RetryClass::Read,
            auth: AuthUse::Default,
        };
        let (init, _) = self.http().call_json::<Value>(&call, cancel).await?;
        let url_text = init.get("url").and_then(Value::as_str).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                "upload_url answered without an upload URL",
            )
        })?;
        let url = SasUrl(url::Url::parse(url_text).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                "upload_url answered with an upload URL that is not a URL",
            )
        })?);
        let azure = !init
            .get("provider")
            .and_then(Value::as_str)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws"));
        tracing::debug!(url = ?url, total, azure, "discovery upload initiated");

        // 2. Storage.
        let meter = Meter {
            total,
            high: AtomicU64::new(0),
            callback: progress,
        };
        if let Some(cb) = progress {
            cb(0, total);
        }
        let mut retries = 0u32;
        let blocks = if total < SINGLE_PUT_MAX || !azure {
            let mut headers = vec![("x-ms-blob-type", "BlockBlob".to_string())];
            if !azure {
                headers.clear();
            }
            self.storage_put(
                &url,
                url.0.clone(),
                path,
                0,
                total,
                &headers,
                &meter,
                "the upload",
                &mut retries,
                cancel,
            )
            .await?;
            0
        } else {
            let count = total.div_ceil(block_size);
            let width = count.to_string().len().max(6);
            let mut ids = Vec::with_capacity(count as usize);
            for i in 0..count {
                cancel.check()?;
                // Ids of one length per blob (Azure's rule): base64 of a zero-padded index.
                let id =
                    base64::engine::general_purpose::STANDARD.encode(format!("block-{i:0width$}"));
                let offset = i * block_size;
                let len = block_size.min(total - offset);
                let target = url.with(&[("comp", "block"), ("blockid", &id)]);
                self.storage_put(
                    &url,
                    target,
                    path,
                    offset,
                    len,
                    &[],
                    &meter,
                    &format!("block {} of {count}", i + 1),
                    &mut retries,
                    cancel,
                )
                .await?;
                ids.push(id);
            }
            cancel.check()?;
            let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<BlockList>");
            for id in &ids {
                xml.push_str("<Latest>");
                xml.push_str(id);
                xml.push_str("</Latest>");
            }
            xml.push_str("</BlockList>");
            self.storage_send(
                &url,
                url.with(&[("comp", "blocklist")]),
                bytes::Bytes::from(xml),
                "committing the block list",
                &mut retries,
                cancel,
            )
            .await?;
            count as u32
        };
        meter.report(total);

        // 3. Finalize. Not repeated after it may have reached the server: a repeat is refused as
        // already processed.
        cancel.check()?;
        let body = json!({
            "uploadUrl": url_text,
            "inputStreamName": stream_name,
            "uploadAsSnapshot": upload.snapshot,
        });
        let call = ApiCall {
            method: reqwest::Method::POST,
            path: "v1/discovery/done_upload/",
            query: &[],
            body: Some(&body),
            retry: RetryClass::NonIdempotentWrite,
            auth: AuthUse::Default,
        };
        let (answer, _) = self.http().call_bytes(&call, cancel).await?;
        let response = if answer.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&answer)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&answer).into_owned()))
        };
        Ok(UploadOutcome {
            bytes: total,
            blocks,
            retries,
            file_name,
            source,
            response,
        })
    }

    /// One storage `PUT` of `len` bytes of the file from `offset`, streamed from disk, retried on
    /// transient failures within the client's retry count.
    #[allow(clippy::too_many_arguments)]
    async fn storage_put(
        &self,
        url: &SasUrl,
        target: url::Url,
        path: &Path,
        offset: u64,
        len: u64,
        headers: &[(&str, String)],
        meter: &Meter<'_>,
        what: &str,
        retries: &mut u32,
        cancel: &CancelToken,
    ) -> Result<()> {
        let policy = self.http().retry_policy();
        let mut attempt = 0u32;
        loop {
            cancel.check()?;
            let sent = Arc::new(AtomicU64::new(0));
            let body = file_body(path, offset, len, sent.clone()).await?;
            let mut req = self
                .http()
                .raw_client()
                .put(target.clone())
                .timeout(STORAGE_TIMEOUT)
                .header("x-ms-version", STORAGE_VERSION)
                .header(reqwest::header::CONTENT_LENGTH, len)
                .body(body);
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            let base = offset;
            let progress = async {
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    meter.report(base + sent.load(Ordering::Relaxed));
                }
            };
            let send = async {
                tokio::select! {
                    r = req.send() => r,
                    _ = progress => unreachable!("the progress loop never ends"),
                }
            };
            let outcome = match cancel.run(send).await? {
                Ok(resp) => storage_answer(resp, url, what).await?,
                Err(e) => Put::Transient(storage_transport_error(e, url, what)),
            };
            match outcome {
                Put::Done => {
                    meter.report(offset + len);
                    return Ok(());
                }
                Put::Transient(e) if attempt < policy.max_retries => {
                    attempt += 1;
                    *retries += 1;
                    tracing::warn!(error = %e.message(), attempt, "storage request failed; retrying");
                    cancel
                        .sleep(backoff(policy.base_delay, policy.max_delay, attempt - 1))
                        .await?;
                }
                Put::Transient(e) => return Err(e),
            }
        }
    }

    /// A small storage `PUT` (the block list), retried like [`Client::storage_put`].
    async fn storage_send(
        &self,
        url: &SasUrl,
        target: url::Url,
        body: bytes::Bytes,
        what: &str,
        retries: &mut u32,
        cancel: &CancelToken,
    ) -> Result<()> {
        let policy = self.http().retry_policy();
        let mut attempt = 0u32;
        loop {
            cancel.check()?;
            let req = self
                .http()
                .raw_client()
                .put(target.clone())
                .timeout(STORAGE_TIMEOUT)
                .header("x-ms-version", STORAGE_VERSION)
                .header(reqwest::header::CONTENT_TYPE, "application/xml")
                .body(body.clone());
            let outcome = match cancel.run(req.send()).await? {
                Ok(resp) => storage_answer(resp, url, what).await?,
                Err(e) => Put::Transient(storage_transport_error(e, url, what)),
            };
            match outcome {
                Put::Done => return Ok(()),
                Put::Transient(e) if attempt < policy.max_retries => {
                    attempt += 1;
                    *retries += 1;
                    tracing::warn!(error = %e.message(), attempt, "storage request failed; retrying");
                    cancel
                        .sleep(backoff(policy.base_delay, policy.max_delay, attempt - 1))
                        .await?;
                }
                Put::Transient(e) => return Err(e),
            }
        }
    }

    /// The tenant's Cloud Discovery continuous reports (api.md §11 `GET /api/discovery/streams/`).
    pub async fn discovery_streams(&self) -> Result<Vec<Value>> {
        let call = ApiCall {
            method: reqwest::Method::GET,
            path: "discovery/streams/",
            query: &[],
            body: None,
            retry: RetryClass::Read,
            auth: AuthUse::Default,
        };
        let (value, _) = self
            .http()
            .call_json::<Value>(&call, &CancelToken::new())
            .await?;
        match value {
            Value::Object(mut map) => match map.remove("streams") {
                Some(Value::Array(list)) => Ok(list),
                _ => Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "the streams answer has no `streams` list",
                )),
            },
            // Tolerate a bare array too.
            Value::Array(list) => Ok(list),
            _ => Err(Error::new(
                ErrorKind::InvalidResponse,
                "the streams answer is not an object",
            )),
        }
    }

    /// The app categories of a report (api.md §11), every page: `[{"id": "SAASDB_CATEGORY_…",
    /// "total": N}]`, most apps first. `time_frame_days` narrows the period (the service's default is
    /// 90 days).
    pub async fn discovery_categories(
        &self,
        stream_id: &str,
        time_frame_days: Option<u32>,
    ) -> Result<Vec<Value>> {
        let stream_id = stream_id.trim();
        if stream_id.is_empty() {
            return Err(Error::invalid_argument("the stream id is empty")
                .with_hint("list the reports with `discovery streams` and give one `_id`"));
        }
        if time_frame_days == Some(0) {
            return Err(Error::invalid_argument(
                "the time frame must be at least 1 day",
            ));
        }
        const PAGE: usize = 100;
        let mut out = Vec::new();
        loop {
            let mut body = json!({"streamId": stream_id, "skip": out.len(), "limit": PAGE});
            if let Some(days) = time_frame_days {
                body["timeFrame"] = json!(days);
            }
            let call = ApiCall {
                method: reqwest::Method::POST,
                path: "v1/discovery/discovered_apps/categories/",
                query: &[],
                body: Some(&body),
                retry: RetryClass::Read,
                auth: AuthUse::Default,
            };
            let (value, _) = self
                .http()
                .call_json::<Value>(&call, &CancelToken::new())
                .await?;
            let Value::Array(page) = value else {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "the categories answer is not a list",
                ));
            };
            let n = page.len();
            out.extend(page);
            if n < PAGE {
                return Ok(out);
            }
        }
    }

    /// The block script for an appliance (api.md §11): plain text, one rule per line, blocking the
    /// apps marked unsanctioned.
    pub async fn block_script(&self, appliance: Appliance) -> Result<String> {
        let query = vec![
            ("format".to_string(), appliance.code().to_string()),
            ("type".to_string(), "banned".to_string()),
        ];
        let call = ApiCall {
            method: reqwest::Method::GET,
            path: "discovery_block_scripts/",
            query: &query,
            body: None,
            retry: RetryClass::Read,
            auth: AuthUse::Default,
        };
        let (bytes, _) = self.http().call_bytes(&call, &CancelToken::new()).await?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the block script is not UTF-8 text",
            )
        })
    }
}

/// A request body streaming `len` bytes of the file from `offset`, counting what was read in `sent`.
async fn file_body(
    path: &Path,
    offset: u64,
    len: u64,
    sent: Arc<AtomicU64>,
) -> Result<reqwest::Body> {
    let open_error = |e: std::io::Error| {
        Error::invalid_argument(format!("cannot read the log file {}: {e}", path.display()))
    };
    let mut file = tokio::fs::File::open(path).await.map_err(open_error)?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(open_error)?;
    let reader = file.take(len);
    let stream = futures_util::stream::unfold(reader, move |mut reader| {
        let sent = sent.clone();
        async move {
            let mut buf = vec![0u8; READ_CHUNK];
            match reader.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    sent.fetch_add(n as u64, Ordering::Relaxed);
                    Some((Ok(bytes::Bytes::from(buf)), reader))
                }
                Err(e) => Some((Err(e), reader)),
            }
        }
    });
    Ok(reqwest::Body::wrap_stream(stream))
}

/// Maps a storage answer: 2xx done; 408/429/5xx transient; anything else an error explaining it.
/// Azure's XML error `<Code>` and first message line are kept; the URL's query never is.
async fn storage_answer(resp: reqwest::Response, url: &SasUrl, what: &str) -> Result<Put> {
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(Put::Done);
    }
    let code_header = resp
        .headers()
        .get("x-ms-error-code")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.bytes().await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body);
    let tag = |name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(
            text[start..end]
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        )
    };
    let code = tag("Code").or(code_header);
    let message = tag("Message");
    let mut detail = String::new();
    if let Some(c) = &code {
        detail.push_str(c);
    }
    if let Some(m) = &message {
        if !detail.is_empty() {
            detail.push_str(": ");
        }
        detail.push_str(m);
    }
    if detail.is_empty() {
        detail = crate::http::summarise_body(&body).unwrap_or_default();
    }
    let where_ = url.redacted();
    let error = |kind: ErrorKind, hint: &str| {
        Error::new(
            kind,
            format!("storage refused {what} of the discovery upload to {where_}: HTTP {status} {detail}"),
        )
        .with_http_status(status)
        .with_hint(hint.to_string())
    };
    Ok(match status {
        408 | 429 | 500..=599 => Put::Transient(error(
            ErrorKind::ServerError,
            "the storage service failed; the upload can be started again",
        )),
        403 => return Err(error(
            ErrorKind::Forbidden,
            "the pre-signed upload URL was refused (expired or altered); start the upload again to get a new one",
        )),
        404 => return Err(error(
            ErrorKind::NotFound,
            "the upload URL is unknown to storage; start the upload again",
        )),
        413 => return Err(error(
            ErrorKind::BadRequest,
            "a request was larger than the storage accepts; use a smaller block size",
        )),
        _ => return Err(error(
            ErrorKind::BadRequest,
            "the storage refused the request; nothing was committed, start the upload again",
        )),
    })
}

fn storage_transport_error(e: reqwest::Error, url: &SasUrl, what: &str) -> Error {
    // reqwest puts the URL (with its signature) into its messages: drop it first.
    let e = e.without_url();
    crate::http::transport_error(
        &format!(
            "sending {what} of the discovery upload to {}",
            url.redacted()
        ),
        &e,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appliances_parse_by_name_and_code() {
        assert_eq!(Appliance::parse("palo-alto").unwrap(), Appliance::PaloAlto);
        assert_eq!(Appliance::parse("PaloAlto").unwrap(), Appliance::PaloAlto);
        assert_eq!(Appliance::parse("120").unwrap(), Appliance::Zscaler);
        assert_eq!(Appliance::parse("cisco_asa").unwrap().code(), 104);
        let e = Appliance::parse("checkpoint").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.hint().unwrap().contains("juniper-srx (129)"));
    }

    #[test]
    fn sources_are_checked_unless_forced() {
        assert_eq!(check_source(" palo_alto ", false).unwrap(), "PALO_ALTO");
        let e = check_source("PALO_ALTOO", false).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.hint().unwrap().contains("ZSCALER_QRADAR"));
        assert_eq!(check_source("NEW_FORMAT", true).unwrap(), "NEW_FORMAT");
        assert!(check_source("  ", true).is_err());
    }

    #[test]
    fn a_sas_url_never_shows_its_query() {
        let u = SasUrl(
            url::Url::parse("https://acct.blob.core.windows.net/c/log.txt?sv=2020&sig=SECRET")
                .unwrap(),
        );
        let shown = format!("{u:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("acct.blob.core.windows.net/c/log.txt"));
        let block = u.with(&[("comp", "block"), ("blockid", "YQ==")]);
        assert!(
            block.as_str().ends_with("&comp=block&blockid=YQ%3D%3D"),
            "{block}"
        );
    }
}
