//! The stand-in for the Azure Blob Storage a discovery upload URL points at (api.md §11, §14 rule 27),
//! as strict as Azure about what a client must get right:
//!
//! - `PUT <url>` with `x-ms-blob-type: BlockBlob` (Put Blob): the whole file in one request. Azure refuses
//!   a body above its single-put limit with 413 `RequestBodyTooLarge`: 5000 MiB for service version
//!   2019-12-12 and later, 256 MiB before. The version is the request's `x-ms-version`, else the SAS
//!   `sv` of the URL (the simulator issues `sv=2020-08-04`). Tests lower the limits with [`BlobLimits`].
//! - `PUT <url>&comp=block&blockid=<base64>` (Put Block): one block of at most 4000 MiB (100 MiB before
//!   2019-12-12). A block id is base64 of at most 64 bytes, and all ids of one blob have the same length
//!   (400 `InvalidBlobOrBlock` otherwise).
//! - `PUT <url>&comp=blocklist` with `<BlockList><Latest>id</Latest>…</BlockList>` (Put Block List):
//!   commits the listed blocks in that order. `Latest` and `Uncommitted` name staged blocks; a block
//!   that was never staged → 400 `InvalidBlockList`. `Committed` (blocks of an earlier commit) is
//!   refused the same way, since the simulator keeps no committed bytes.
//!
//! Every request needs `Content-Length`: Azure takes no chunked bodies (411 `MissingContentLengthHeader`).
//!
//! What is kept: a committed blob's length and SHA-256, never its bytes ([`crate::Simulator::blobs`],
//! `GET /_sim/blobs`), so tests verify an upload byte for byte. A single put is hashed as it streams
//! in. Staged blocks go to files in a temporary directory of this simulator (removed when it is
//! dropped): the SHA-256 of the blob follows the block list's order, known only at commit. Committing
//! hashes the files in that order and deletes them, as Azure discards uncommitted blocks on commit.

// Handlers return ready HTTP responses as their error type.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt as _;

use crate::server::{percent_decode, Shared};

const MIB: u64 = 1024 * 1024;
/// The first service version with the large limits (5000 MiB single put, 4000 MiB blocks).
const LARGE_LIMITS_SINCE: &str = "2019-12-12";

/// Which storage operation a request to an upload URL is (its `comp` query parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlobOp {
    Put,
    Block,
    BlockList,
    /// A `comp` the simulator does not serve.
    Other,
}

impl BlobOp {
    /// The route name in stats and fault selectors: `discovery.upload` (a group matching all three).
    pub(crate) fn route_name(self) -> &'static str {
        match self {
            BlobOp::Put | BlobOp::Other => "discovery.upload",
            BlobOp::Block => "discovery.upload.block",
            BlobOp::BlockList => "discovery.upload.blocklist",
        }
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

pub(crate) fn blob_op(query: Option<&str>) -> BlobOp {
    match query_param(query, "comp").as_deref() {
        None => BlobOp::Put,
        Some("block") => BlobOp::Block,
        Some("blocklist") => BlobOp::BlockList,
        Some(_) => BlobOp::Other,
    }
}

/// Size limits of the storage; `None` follows the request's service version (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlobLimits {
    /// Largest body of a single put, in bytes.
    #[serde(default)]
    pub put_blob_max: Option<u64>,
    /// Largest block, in bytes.
    #[serde(default)]
    pub put_block_max: Option<u64>,
}

/// What the storage holds for one upload URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlobRecord {
    /// The id inside the upload URL (`/_blob/<id>/<file>`).
    pub upload_id: String,
    pub tenant: u32,
    pub filename: String,
    pub source: String,
    /// Length of the committed blob; `None` while nothing is committed.
    pub length: Option<u64>,
    /// Lowercase hex SHA-256 of the committed blob.
    pub sha256: Option<String>,
    /// Blocks in the committed block list (0 for a single put).
    pub blocks: usize,
    /// Blocks staged and not committed.
    pub uncommitted_blocks: usize,
    /// Whether `done_upload` accepted it.
    pub finalized: bool,
}

/// A committed blob.
#[derive(Clone, Debug)]
pub(crate) struct Committed {
    pub(crate) length: u64,
    pub(crate) sha256: String,
    pub(crate) blocks: usize,
}

#[derive(Debug)]
pub(crate) struct StagedBlock {
    path: PathBuf,
    len: u64,
}

/// Staged blocks of one blob, by block id (as sent, base64).
pub(crate) type Staged = HashMap<String, StagedBlock>;

/// The storage's settings and its directory for staged blocks.
#[derive(Debug, Default)]
pub(crate) struct Storage {
    limits: Mutex<BlobLimits>,
    dir: OnceLock<PathBuf>,
}

impl Storage {
    pub(crate) fn limits(&self) -> BlobLimits {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_limits(&self, l: BlobLimits) {
        *self.limits.lock().unwrap_or_else(|e| e.into_inner()) = l;
    }

    fn dir(&self) -> std::io::Result<&Path> {
        if let Some(d) = self.dir.get() {
            return Ok(d);
        }
        let d = std::env::temp_dir().join(format!(
            "mdca-sim-blocks-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&d)?;
        Ok(self.dir.get_or_init(|| d))
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some(d) = self.dir.get() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn discard(staged: Staged) {
    for (_, b) in staged {
        let _ = std::fs::remove_file(b.path);
    }
}

pub(crate) fn azure_error(status: StatusCode, code: &str, message: &str) -> Response {
    let xml = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:{}\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>",
        uuid::Uuid::new_v4()
    );
    let mut resp = (status, xml).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    resp.headers_mut()
        .insert("x-ms-error-code", HeaderValue::from_str(code).unwrap());
    resp
}

fn created() -> Response {
    let mut resp = StatusCode::CREATED.into_response();
    resp.headers_mut().insert(
        "x-ms-request-server-encrypted",
        HeaderValue::from_static("true"),
    );
    resp
}

fn too_large() -> Response {
    azure_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestBodyTooLarge",
        "The request body is too large and exceeds the maximum permissible limit.",
    )
}

/// Answers `resp` once the request body has been read to its end and discarded. A refusal sent
/// while the client is still writing makes the server close a socket with unread bytes, which
/// resets the connection: the client then sees a broken pipe instead of the status (a race that
/// depends on socket buffer sizes). Azure documents 413 `RequestBodyTooLarge` as its answer, not
/// whether it reads the body first; the simulator reads it so that answer is what a client gets,
/// every time. (A connection cut mid-body is the client's "the connection broke" error, tested
/// with the fault injection of the API routes.)
async fn after_reading(body: Body, resp: Response) -> Response {
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        if chunk.is_err() {
            break;
        }
    }
    resp
}

fn bad_query(message: &str) -> Response {
    azure_error(
        StatusCode::BAD_REQUEST,
        "InvalidQueryParameterValue",
        message,
    )
}

/// `(single put limit, block limit)` for this request.
fn limits_for(shared: &Shared, query: Option<&str>, headers: &HeaderMap) -> (u64, u64) {
    let version = headers
        .get("x-ms-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query_param(query, "sv"))
        .unwrap_or_default();
    let large = version.as_str() >= LARGE_LIMITS_SINCE;
    let set = shared.discovery.storage.limits();
    (
        set.put_blob_max
            .unwrap_or(if large { 5000 * MIB } else { 256 * MIB }),
        set.put_block_max
            .unwrap_or(if large { 4000 * MIB } else { 100 * MIB }),
    )
}

/// `PUT /_blob/<id>/<file>[?…&comp=block|blocklist]`: the storage side of an upload (no MDCA
/// credential: the URL's SAS query is the credential).
pub(crate) async fn handle(
    shared: &Shared,
    id: &str,
    op: BlobOp,
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    if method != Method::PUT {
        return azure_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UnsupportedHttpVerb",
            "The resource doesn't support the specified HTTP verb.",
        );
    }
    let known = shared
        .discovery
        .uploads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(id);
    if !known {
        return azure_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The specified resource does not exist.",
        );
    }
    let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    else {
        return azure_error(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLengthHeader",
            "The Content-Length header was not specified.",
        );
    };
    let (put_max, block_max) = limits_for(shared, query, headers);
    match op {
        BlobOp::Other => bad_query(
            "Value for one of the query parameters specified in the request URI is invalid.",
        ),
        BlobOp::Put => {
            let blob_type = headers.get("x-ms-blob-type").and_then(|v| v.to_str().ok());
            if !blob_type.is_some_and(|t| t.eq_ignore_ascii_case("BlockBlob")) {
                return azure_error(
                    StatusCode::BAD_REQUEST,
                    "MissingRequiredHeader",
                    "An HTTP header that's mandatory for this request is not specified.",
                );
            }
            if length > put_max {
                return after_reading(body, too_large()).await;
            }
            put_blob(shared, id, body).await
        }
        BlobOp::Block => {
            let Some(block_id) = query_param(query, "blockid").filter(|b| !b.is_empty()) else {
                return azure_error(
                    StatusCode::BAD_REQUEST,
                    "MissingRequiredQueryParameter",
                    "A query parameter that's mandatory for this request is not specified.",
                );
            };
            let decoded = base64::engine::general_purpose::STANDARD.decode(&block_id);
            if !decoded.is_ok_and(|d| !d.is_empty() && d.len() <= 64) {
                return bad_query("Value for one of the query parameters specified in the request URI is invalid.");
            }
            if length > block_max {
                return after_reading(body, too_large()).await;
            }
            put_block(shared, id, block_id, body).await
        }
        BlobOp::BlockList => put_block_list(shared, id, body).await,
    }
}

async fn put_blob(shared: &Shared, id: &str, body: Body) -> Response {
    let mut stream = body.into_data_stream();
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let mut length = 0u64;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(bytes) => {
                length += bytes.len() as u64;
                hash.update(&bytes);
            }
            Err(_) => {
                return azure_error(StatusCode::BAD_REQUEST, "InvalidInput", "Body read failed.")
            }
        }
    }
    let committed = Committed {
        length,
        sha256: hex(hash.finish().as_ref()),
        blocks: 0,
    };
    let old = {
        let mut uploads = shared
            .discovery
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match uploads.get_mut(id) {
            Some(u) => {
                u.blob = Some(committed);
                std::mem::take(&mut u.staged)
            }
            None => Staged::new(),
        }
    };
    discard(old);
    created()
}

async fn put_block(shared: &Shared, id: &str, block_id: String, body: Body) -> Response {
    {
        let uploads = shared
            .discovery
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let same_length = uploads
            .get(id)
            .and_then(|u| u.staged.keys().next())
            .is_none_or(|other| other.len() == block_id.len());
        if !same_length {
            return azure_error(
                StatusCode::BAD_REQUEST,
                "InvalidBlobOrBlock",
                "The specified blob or block content is invalid.",
            );
        }
    }
    let dir = match shared.discovery.storage.dir() {
        Ok(d) => d.to_path_buf(),
        Err(_) => {
            return azure_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                "The server encountered an internal error. Please retry the request.",
            )
        }
    };
    let path = dir.join(uuid::Uuid::new_v4().simple().to_string());
    let written = async {
        let mut file = tokio::fs::File::create(&path).await.map_err(|_| ())?;
        let mut stream = body.into_data_stream();
        let mut len = 0u64;
        while let Some(chunk) = stream.next().await {
            let bytes = chunk.map_err(|_| ())?;
            len += bytes.len() as u64;
            file.write_all(&bytes).await.map_err(|_| ())?;
        }
        file.flush().await.map_err(|_| ())?;
        Ok::<u64, ()>(len)
    }
    .await;
    let Ok(len) = written else {
        let _ = tokio::fs::remove_file(&path).await;
        return azure_error(StatusCode::BAD_REQUEST, "InvalidInput", "Body read failed.");
    };
    let replaced = {
        let mut uploads = shared
            .discovery
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match uploads.get_mut(id) {
            Some(u) => u.staged.insert(block_id, StagedBlock { path, len }),
            None => Some(StagedBlock { path, len }),
        }
    };
    if let Some(old) = replaced {
        let _ = tokio::fs::remove_file(old.path).await;
    }
    created()
}

/// The ids of a `<BlockList>` document in order, or `None` when it is not one. `Committed` entries
/// come back as `None` ids (the simulator keeps no committed blocks).
fn parse_block_list(text: &str) -> Option<Vec<Option<String>>> {
    let text = text.trim_start_matches('\u{feff}').trim();
    let text = match text.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>")?.1.trim(),
        None => text,
    };
    let inner = text
        .strip_prefix("<BlockList>")?
        .trim_end()
        .strip_suffix("</BlockList>")?;
    let mut ids = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let open_end = rest.strip_prefix('<')?.find('>')? + 1;
        let tag = &rest[1..open_end];
        if !matches!(tag, "Latest" | "Uncommitted" | "Committed") {
            return None;
        }
        let after = &rest[open_end + 1..];
        let close = format!("</{tag}>");
        let end = after.find(&close)?;
        let id = after[..end].trim().to_string();
        ids.push((tag != "Committed").then_some(id));
        rest = after[end + close.len()..].trim_start();
    }
    Some(ids)
}

async fn put_block_list(shared: &Shared, id: &str, body: Body) -> Response {
    let Ok(bytes) = axum::body::to_bytes(body, 16 * MIB as usize).await else {
        return too_large();
    };
    let Some(ids) = std::str::from_utf8(&bytes).ok().and_then(parse_block_list) else {
        return azure_error(
            StatusCode::BAD_REQUEST,
            "InvalidXmlDocument",
            "XML specified is not syntactically valid.",
        );
    };
    let invalid = || {
        azure_error(
            StatusCode::BAD_REQUEST,
            "InvalidBlockList",
            "The specified block list is invalid.",
        )
    };
    // Take the staged blocks out while hashing; put them back if the list is refused.
    let staged = {
        let mut uploads = shared
            .discovery
            .uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let Some(u) = uploads.get_mut(id) else {
            return invalid();
        };
        if ids
            .iter()
            .any(|b| b.as_ref().is_none_or(|b| !u.staged.contains_key(b)))
        {
            return invalid();
        }
        std::mem::take(&mut u.staged)
    };
    let order: Vec<PathBuf> = ids
        .iter()
        .flatten()
        .map(|b| staged[b].path.clone())
        .collect();
    let expected: u64 = ids.iter().flatten().map(|b| staged[b].len).sum();
    let hashed = tokio::task::spawn_blocking(move || -> std::io::Result<(u64, String)> {
        let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
        let mut length = 0u64;
        let mut buf = vec![0u8; MIB as usize];
        for path in order {
            let mut f = std::fs::File::open(path)?;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                length += n as u64;
                hash.update(&buf[..n]);
            }
        }
        Ok((length, hex(hash.finish().as_ref())))
    })
    .await;
    let blocks = ids.len();
    tokio::task::spawn_blocking(move || discard(staged));
    match hashed {
        Ok(Ok((length, sha256))) if length == expected => {
            let mut uploads = shared
                .discovery
                .uploads
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(u) = uploads.get_mut(id) {
                u.blob = Some(Committed {
                    length,
                    sha256,
                    blocks,
                });
            }
            created()
        }
        _ => azure_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every upload URL issued so far and what its storage holds.
pub(crate) fn records(shared: &Shared) -> Vec<BlobRecord> {
    let uploads = shared
        .discovery
        .uploads
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let mut out: Vec<BlobRecord> = uploads
        .iter()
        .map(|(id, u)| BlobRecord {
            upload_id: id.clone(),
            tenant: u.tenant,
            filename: u.filename.clone(),
            source: u.source.clone(),
            length: u.blob.as_ref().map(|b| b.length),
            sha256: u.blob.as_ref().map(|b| b.sha256.clone()),
            blocks: u.blob.as_ref().map_or(0, |b| b.blocks),
            uncommitted_blocks: u.staged.len(),
            finalized: u.finalized,
        })
        .collect();
    out.sort_by(|a, b| a.upload_id.cmp(&b.upload_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_parse_in_order() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>AAA=</Latest>\n  <Uncommitted>AAE=</Uncommitted><Committed>AAI=</Committed></BlockList>";
        assert_eq!(
            parse_block_list(xml),
            Some(vec![Some("AAA=".into()), Some("AAE=".into()), None])
        );
        assert_eq!(parse_block_list("<BlockList></BlockList>"), Some(vec![]));
        assert_eq!(
            parse_block_list("<BlockList><Foo>x</Foo></BlockList>"),
            None
        );
        assert_eq!(parse_block_list("not xml"), None);
    }

    #[test]
    fn the_comp_parameter_selects_the_operation() {
        assert_eq!(blob_op(Some("sv=2020-08-04&sig=x")), BlobOp::Put);
        assert_eq!(
            blob_op(Some("sv=1&comp=block&blockid=AA%3D%3D")),
            BlobOp::Block
        );
        assert_eq!(blob_op(Some("comp=blocklist")), BlobOp::BlockList);
        assert_eq!(blob_op(Some("comp=appendblock")), BlobOp::Other);
        assert_eq!(
            query_param(Some("comp=block&blockid=AA%3D%3D"), "blockid").as_deref(),
            Some("AA==")
        );
    }
}
