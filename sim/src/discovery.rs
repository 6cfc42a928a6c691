//! Cloud Discovery (api.md §11, §14 rule 27): log upload (initiate → PUT to storage → finalize),
//! continuous reports (streams), report categories and block scripts.
//!
//! The upload URL points back at the simulator (`/_blob/<id>/<file>?sv=…`), standing in for the
//! Azure blob storage the real service hands out (the storage side is [`crate::blob`]).
//! Response bodies the docs leave open (finalize) and the block-script lines per format are
//! inferred.

// Handlers return ready HTTP responses as their error type; they are built once per request,
// so boxing them would buy nothing.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::server::{json_response, Shared};

/// Log formats accepted as `source` (api.md §11: doc-2023 list plus the doc-2021 extras).
const SOURCES: &[&str] = &[
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

/// Report categories (api.md §11), without the `ALL` aggregate.
const CATEGORIES: &[&str] = &[
    "SAASDB_CATEGORY_ACCOUNTING_AND_FINANCE",
    "SAASDB_CATEGORY_ADVERTISING",
    "SAASDB_CATEGORY_BUSINESS_INTELLIGENCE",
    "SAASDB_CATEGORY_BUSINESS_MANAGEMENT",
    "SAASDB_CATEGORY_CLOUD_COMPUTING_PLATFORM",
    "SAASDB_CATEGORY_CLOUD_STORAGE",
    "SAASDB_CATEGORY_CODE_HOSTING",
    "SAASDB_CATEGORY_COLLABORATION",
    "SAASDB_CATEGORY_COMMUNICATIONS",
    "SAASDB_CATEGORY_CONSUMER",
    "SAASDB_CATEGORY_CONTENT_MANAGEMENT",
    "SAASDB_CATEGORY_CONTENT_SHARING",
    "SAASDB_CATEGORY_CRM",
    "SAASDB_CATEGORY_CUSTOMER_SUPPORT",
    "SAASDB_CATEGORY_DATA_ANALYTICS",
    "SAASDB_CATEGORY_DEVELOPMENT_TOOLS",
    "SAASDB_CATEGORY_ECOMMERCE",
    "SAASDB_CATEGORY_EDUCATION",
    "SAASDB_CATEGORY_FORUMS",
    "SAASDB_CATEGORY_HEALTH",
    "SAASDB_CATEGORY_HOSTING_SERVICES",
    "SAASDB_CATEGORY_HUMAN_RESOURCE_MANAGEMENT",
    "SAASDB_CATEGORY_INTERNET_OF_THINGS",
    "SAASDB_CATEGORY_IT_SERVICES",
    "SAASDB_CATEGORY_MARKETING",
    "SAASDB_CATEGORY_MEDIA",
    "SAASDB_CATEGORY_NEWS_AND_ENTERTAINMENT",
    "SAASDB_CATEGORY_ONLINE_MEETINGS",
    "SAASDB_CATEGORY_OPERATIONS_MANAGEMENT",
    "SAASDB_CATEGORY_PERSONAL_INSTANT_MESSAGING",
    "SAASDB_CATEGORY_PRODUCT_DESIGN",
    "SAASDB_CATEGORY_PRODUCTIVITY",
    "SAASDB_CATEGORY_PROJECT_MANAGEMENT",
    "SAASDB_CATEGORY_PROPERTY_MANAGEMENT",
    "SAASDB_CATEGORY_SALES",
    "SAASDB_CATEGORY_SECURITY",
    "SAASDB_CATEGORY_SOCIAL_NETWORK",
    "SAASDB_CATEGORY_SUPLLY_CHAIN_AND_LOGISTICS",
    "SAASDB_CATEGORY_TIME_TRACKING",
    "SAASDB_CATEGORY_TRANSPORTATION_AND_TRAVEL",
    "SAASDB_CATEGORY_UNCLASSIFIED",
    "SAASDB_CATEGORY_VENDOR_MANAGEMENT_SYSTEM",
    "SAASDB_CATEGORY_WEB_ANALYTICS",
    "SAASDB_CATEGORY_WEBMAIL",
    "SAASDB_CATEGORY_WEBSITE_MONITORING",
    "SAASDB_SUBCATEGORY_INSURANCE_AND_INVESTMENTS",
];

/// Domains of the apps a tenant has marked unsanctioned, for block scripts.
const BANNED: &[&str] = &[
    "wetransfer.com",
    "mega.nz",
    "sendspace.com",
    "zippyshare.com",
];

#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) tenant: u32,
    pub(crate) filename: String,
    pub(crate) source: String,
    /// The committed blob (single put or block list), if any.
    pub(crate) blob: Option<crate::blob::Committed>,
    /// Blocks staged with `comp=block` and not yet committed, by block id.
    pub(crate) staged: crate::blob::Staged,
    pub(crate) finalized: bool,
}

/// Upload sessions and snapshot reports created through the API.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    pub(crate) uploads: Mutex<HashMap<String, Upload>>,
    snapshots: Mutex<Vec<(u32, Value)>>,
    pub(crate) storage: crate::blob::Storage,
}

fn bad(detail: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"detail": detail.into()}))
}

fn str_param<'a>(p: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    p.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn hex24(rng: &mut impl Rng) -> String {
    (0..12)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// Percent-encodes a file name for a URL path segment.
fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The upload id inside an upload URL issued by [`upload_url`], if it is one.
pub(crate) fn upload_id(url: &str) -> Option<&str> {
    let after = url.split("/_blob/").nth(1)?;
    after.split(['/', '?']).next().filter(|s| !s.is_empty())
}

/// `GET /api/v1/discovery/upload_url/?filename=<name>&source=<type>`.
pub(crate) fn upload_url(shared: &Shared, tenant: u32, p: &Map<String, Value>) -> Response {
    let Some(filename) = str_param(p, "filename") else {
        return bad("`filename` is required.");
    };
    let Some(source) = str_param(p, "source") else {
        return bad("`source` is required.");
    };
    if !SOURCES.contains(&source) {
        return bad(format!("\"{source}\" is not a valid log source."));
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let url = format!(
        "{}/_blob/{id}/{}?sv=2020-08-04&sr=b&sp=cw&sig=sim",
        shared.base_url,
        encode_segment(filename)
    );
    shared
        .discovery
        .uploads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            id,
            Upload {
                tenant,
                filename: filename.to_string(),
                source: source.to_string(),
                blob: None,
                staged: Default::default(),
                finalized: false,
            },
        );
    json_response(StatusCode::OK, &json!({"url": url, "provider": "azure"}))
}

/// `POST /api/v1/discovery/done_upload/`: accepts only an `uploadUrl` issued earlier and filled.
pub(crate) fn done_upload(shared: &Shared, tenant: u32, p: &Map<String, Value>) -> Response {
    let Some(url) = str_param(p, "uploadUrl") else {
        return bad("`uploadUrl` is required.");
    };
    let Some(stream_name) = str_param(p, "inputStreamName") else {
        return bad("`inputStreamName` is required.");
    };
    let snapshot = matches!(p.get("uploadAsSnapshot"), Some(Value::Bool(true)))
        || matches!(p.get("uploadAsSnapshot"), Some(Value::String(s)) if s.eq_ignore_ascii_case("true"));
    let mut uploads = shared
        .discovery
        .uploads
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let upload = upload_id(url).and_then(|id| uploads.get_mut(id));
    let Some(upload) = upload.filter(|u| u.tenant == tenant) else {
        return bad("The upload URL was not issued by this tenant.");
    };
    let Some(received) = upload.blob.as_ref().map(|b| b.length) else {
        return bad(if upload.staged.is_empty() {
            "No file was uploaded to this URL.".to_string()
        } else {
            format!(
                "The blob behind this URL was never committed ({} uncommitted blocks): commit them \
                 with a block list (comp=blocklist) before done_upload.",
                upload.staged.len()
            )
        });
    };
    if upload.finalized {
        return bad("This upload was already processed.");
    }
    upload.finalized = true;
    let (filename, source) = (upload.filename.clone(), upload.source.clone());
    drop(uploads);
    if snapshot {
        let mut rng = rand::rng();
        let stream = json!({
            "_id": hex24(&mut rng),
            "displayName": stream_name,
            "logType": 1,
            "receiverType": "ftp",
            "streamType": 1,
            "isManual": true,
            "anonymizeUsers": false,
            "anonymizeMachines": false,
            "comment": format!("Snapshot report from {filename} ({source})"),
            "logFilesHistoryCount": 1,
            "logFilesFailsCount": 0,
        });
        shared
            .discovery
            .snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((tenant, stream));
    }
    json_response(
        StatusCode::OK,
        &json!({"success": true, "inputStreamName": stream_name, "bytes": received}),
    )
}

/// The built-in continuous reports of a tenant (deterministic per seed and tenant).
fn builtin_streams(seed: u64, tenant: u32) -> Vec<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (u64::from(tenant) << 32) ^ 0xd15c_0fe7);
    let common = |rng: &mut ChaCha8Rng, name: &str, log_type: u32, stream_type: u32| {
        json!({
            "_id": hex24(rng),
            "displayName": name,
            "logType": log_type,
            "receiverType": "syslog",
            "protocol": "udp",
            "streamType": stream_type,
            "isManual": false,
            "anonymizeUsers": false,
            "anonymizeMachines": false,
            "comment": "",
            "created": "2025-06-02T08:15:00Z",
            "lastModified": "2025-12-30T22:10:00Z",
            "lastDataReceived": "2025-12-31T23:55:00Z",
            "lastAlertProcessingTime": 1_767_225_000_000_i64,
            "logFilesHistoryCount": rng.random_range(10..400),
            "logFilesFailsCount": rng.random_range(0..3),
            "globalAggregated": stream_type == 3,
            "supportedEntityTypes": [1, 2, 3],
            "supportedTrafficTypes": [1, 2, 3],
            "sourceStreams": [],
            "userTags": [],
        })
    };
    let global = common(&mut rng, "Global View", 0, 3);
    let firewall = common(&mut rng, "Perimeter firewall", 112, 1);
    let mut mde = common(&mut rng, "Win10 Endpoint Users", 195, 1);
    mde["builtInStreamType"] = json!(1);
    vec![global, firewall, mde]
}

fn streams_of(shared: &Shared, tenant: u32) -> Vec<Value> {
    let mut all = builtin_streams(shared.keyring.seed(), tenant);
    all.extend(
        shared
            .discovery
            .snapshots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, s)| s.clone()),
    );
    all
}

/// `GET /api/discovery/streams/` → `{"streams": [...]}` (api.md §11, inferred wrapper).
pub(crate) fn streams(shared: &Shared, tenant: u32) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"streams": streams_of(shared, tenant)}),
    )
}

/// `POST /api/v1/discovery/discovered_apps/categories/` → bare array of `{"id","total"}`.
pub(crate) fn categories(shared: &Shared, tenant: u32, p: &Map<String, Value>) -> Response {
    let Some(stream_id) = str_param(p, "streamId") else {
        return bad("`streamId` is required.");
    };
    if !streams_of(shared, tenant)
        .iter()
        .any(|s| s["_id"].as_str() == Some(stream_id))
    {
        return json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not found."}));
    }
    let int = |k: &str, default: i64| match p.get(k) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(default),
        _ => default,
    };
    let time_frame = int("timeFrame", 90).clamp(1, 365) as u64;
    let skip = int("skip", 0).max(0) as usize;
    let limit = int("limit", 100).clamp(1, 100) as usize;
    // Counts depend on the stream and the time frame, so narrowing the frame shrinks totals.
    let key = stream_id.bytes().fold(shared.keyring.seed(), |h, b| {
        h.rotate_left(5) ^ u64::from(b)
    });
    let mut rng = ChaCha8Rng::seed_from_u64(key);
    let mut rows: Vec<(String, u64)> = CATEGORIES
        .iter()
        .filter_map(|c| {
            let base: u64 = rng.random_range(0..40);
            let total = base * time_frame / 90;
            (total > 0).then(|| (c.to_string(), total))
        })
        .collect();
    let asc = p
        .get("sortDirection")
        .and_then(Value::as_str)
        .is_some_and(|d| d.eq_ignore_ascii_case("asc"));
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if asc {
        rows.reverse();
    }
    let page: Vec<Value> = rows
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|(id, total)| json!({"id": id, "total": total}))
        .collect();
    json_response(StatusCode::OK, &Value::Array(page))
}

/// `GET /api/discovery_block_scripts/?format=<int>`: plain text, one rule per line.
pub(crate) fn block_script(p: &Map<String, Value>) -> Response {
    let format = match p.get("format") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let line = |d: &str| -> Option<String> {
        Some(match format? {
            102 => format!("url.domain={d} deny"),
            104 => format!("regex cas_banned_apps \"{}\"", d.replace('.', "\\.")),
            108 => format!("config webfilter urlfilter\n edit 1\n  config entries\n   edit 0\n    set url \"{d}\"\n    set action block\n   next\n  end\n next\nend"),
            129 => format!("set security utm custom-objects url-pattern cas-banned-apps value {d}"),
            112 => format!("set profiles custom-url-category cas-banned-apps list {d}"),
            135 => d.to_string(),
            120 => format!(".{d}"),
            _ => return None,
        })
    };
    let lines: Option<Vec<String>> = BANNED.iter().map(|d| line(d)).collect();
    match lines {
        Some(lines) => {
            let mut text = lines.join("\n");
            text.push('\n');
            let mut resp = (StatusCode::OK, text).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            resp
        }
        None => bad(
            "`format` must be one of 102 (BlueCoat ProxySG), 104 (Cisco ASA), 108 (Fortinet \
             FortiGate), 129 (Juniper SRX), 112 (Palo Alto), 135 (Websense), 120 (Zscaler).",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_come_from_issued_urls_only() {
        assert_eq!(
            upload_id("http://127.0.0.1:1/_blob/abc/log.txt?sv=1"),
            Some("abc")
        );
        assert_eq!(upload_id("https://example.com/container/log.txt"), None);
    }

    #[test]
    fn built_in_streams_are_deterministic() {
        assert_eq!(builtin_streams(1, 0), builtin_streams(1, 0));
        assert_ne!(
            builtin_streams(1, 0)[0]["_id"],
            builtin_streams(1, 1)[0]["_id"]
        );
    }
}
