//! `mdca discovery …`: a 200 MB log uploaded through the block path and verified byte for byte by the
//! simulator's SHA-256 of the committed blob; a refused source; streams, categories, block scripts.

mod common;

use std::io::Write as _;

use common::{ok, records, run, stderr, Tenant};

/// `len` bytes of log lines, each MiB starting with its index, and their SHA-256.
fn log_file(path: &std::path::Path, len: u64) -> String {
    let line = b"2026-01-01T00:00:01Z fw1 TRAFFIC allow 10.0.0.7 52.1.2.3 https\n";
    let mut chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 20).collect();
    let mut out = std::fs::File::create(path).unwrap();
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let mut written = 0u64;
    let mut index = 0u64;
    while written < len {
        let tag = format!("# part {index:012}\n");
        chunk[..tag.len()].copy_from_slice(tag.as_bytes());
        let take = chunk.len().min((len - written) as usize);
        out.write_all(&chunk[..take]).unwrap();
        hash.update(&chunk[..take]);
        written += take as u64;
        index += 1;
    }
    hash.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_200_mb_upload_lands_byte_for_byte() {
    let t = Tenant::start();
    let dir = std::env::temp_dir().join(format!("mdca-cli-disco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("proxy.log");
    let len = 200 * 1024 * 1024 + 7;
    let sha = log_file(&path, len);
    let out = records(&ok(t.mdca().args([
        "discovery",
        "upload",
        path.to_str().unwrap(),
        "--source",
        "squid",
        "--stream",
        "Proxy",
    ])));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out[0]["bytes"], len);
    assert_eq!(out[0]["blocks"], 13);
    let blob = t.sim.blobs().pop().unwrap();
    assert_eq!(blob.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(blob.length, Some(len));
    assert!(blob.finalized);
}

#[test]
fn an_unknown_source_is_a_usage_error_listing_the_formats() {
    let t = Tenant::start();
    let dir = std::env::temp_dir().join(format!("mdca-cli-disco-src-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.log");
    std::fs::write(&path, "line\n").unwrap();
    let out = run(t.mdca().args([
        "discovery",
        "upload",
        path.to_str().unwrap(),
        "--source",
        "NOPE",
        "--stream",
        "s",
    ]));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("PALO_ALTO_SYSLOG"),
        "{}",
        stderr(&out)
    );
    assert_eq!(t.sim.stats().total, 0);
}

#[test]
fn streams_categories_and_block_scripts_print() {
    let t = Tenant::start();
    let streams = records(&ok(t.mdca().args(["discovery", "streams"])));
    assert_eq!(streams.len(), 3);
    let id = streams[0]["_id"].as_str().unwrap();
    let rows = records(&ok(t.mdca().args([
        "discovery",
        "categories",
        "--stream",
        id,
        "--days",
        "30",
    ])));
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["id"].as_str().unwrap().starts_with("SAASDB_")));
    let script = ok(t
        .mdca()
        .args(["discovery", "block-script", "--appliance", "zscaler"]));
    assert!(script.lines().all(|l| l.starts_with('.')), "{script}");
}
