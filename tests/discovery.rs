//! Cloud Discovery (api.md §11): log uploads verified byte for byte by the simulator's blob storage
//! (its SHA-256 and length of the committed blob), through the single put and the block path, with
//! retried blocks, refused sources, cancellation and a SAS query that never reaches an error; streams,
//! categories and block scripts parsed.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use mdca::discovery::{Appliance, LogUpload, SINGLE_PUT_MAX};
use mdca::{CancelToken, ErrorKind};
use mdca_sim::{BlobLimits, BlobRecord, FaultKind, FaultSpec, Simulator};

/// A deterministic log file of `len` bytes and its SHA-256, computed here independently of the
/// simulator. One MiB of firewall-like lines (from a fixed xorshift stream) is repeated, each MiB
/// starting with its own index, so a block sent twice, lost or out of order changes the hash.
fn log_file(dir: &Path, name: &str, len: u64) -> (PathBuf, String) {
    const MIB: usize = 1 << 20;
    let mut base = Vec::with_capacity(MIB + 256);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    while base.len() < MIB {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        writeln!(
            base,
            "2026-01-01T00:{:02}:{:02}Z fw1 TRAFFIC allow 10.0.{}.{} 52.{}.{}.{} https {}",
            state % 60,
            (state >> 8) % 60,
            (state >> 16) as u8,
            (state >> 24) as u8,
            (state >> 32) as u8,
            (state >> 40) as u8,
            (state >> 48) as u8,
            state
        )
        .unwrap();
    }
    base.truncate(MIB);
    let path = dir.join(name);
    let mut out = std::fs::File::create(&path).unwrap();
    let mut hash = ring::digest::Context::new(&ring::digest::SHA256);
    let mut written = 0u64;
    for index in 0u64.. {
        if written >= len {
            break;
        }
        let tag = format!("# part {index:012}\n");
        base[..tag.len()].copy_from_slice(tag.as_bytes());
        let take = base.len().min((len - written) as usize);
        out.write_all(&base[..take]).unwrap();
        hash.update(&base[..take]);
        written += take as u64;
    }
    out.flush().unwrap();
    let sha: String = hash
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (path, sha)
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mdca-disco-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn only_blob(sim: &Simulator) -> BlobRecord {
    let blobs = sim.blobs();
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    blobs.into_iter().next().unwrap()
}

type Seen = Arc<Mutex<Vec<(u64, u64)>>>;

fn recorder() -> (Seen, impl Fn(u64, u64) + Send + Sync) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    (seen, move |sent, total| {
        s.lock().unwrap().push((sent, total))
    })
}

fn assert_monotone_to(seen: &Seen, total: u64) {
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress went back: {:?}",
        &seen[..seen.len().min(20)]
    );
    assert!(seen.iter().all(|(_, t)| *t == total));
    assert_eq!(seen.last().unwrap().0, total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_log_goes_up_in_blocks_byte_for_byte_with_monotone_progress() {
    let sim = sim().await;
    let client = token_client(&sim);
    let dir = temp_dir("200mb");
    let len = 200 * 1024 * 1024 + 12_345;
    let (path, sha) = log_file(&dir, "perimeter.log", len);
    let (seen, progress) = recorder();
    let started = Instant::now();
    let outcome = client
        .upload_log(
            &path,
            &LogUpload::new("palo_alto_syslog", "Perimeter firewall"),
            Some(&progress),
            &CancelToken::new(),
        )
        .await
        .unwrap();
    let took = started.elapsed();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(outcome.bytes, len);
    assert_eq!(outcome.blocks, 13, "16 MiB blocks");
    assert_eq!(outcome.source, "PALO_ALTO_SYSLOG");
    let blob = only_blob(&sim);
    assert_eq!(blob.length, Some(len));
    assert_eq!(blob.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(blob.blocks, 13);
    assert_eq!(blob.uncommitted_blocks, 0);
    assert!(blob.finalized);
    assert_eq!(blob.filename, "perimeter.log");
    assert_monotone_to(&seen, len);
    let stats = sim.stats();
    assert_eq!(stats.route("discovery.upload.block"), 13);
    assert_eq!(stats.route("discovery.upload.blocklist"), 1);
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[tokio::test]
async fn a_small_log_goes_up_in_one_put_as_a_snapshot() {
    let sim = sim().await;
    let client = token_client(&sim);
    let dir = temp_dir("small");
    let (path, sha) = log_file(&dir, "zs.log", 300_000);
    let (seen, progress) = recorder();
    let outcome = client
        .upload_log(
            &path,
            &LogUpload::new("ZSCALER", "Branch snapshot").snapshot(true),
            Some(&progress),
            &CancelToken::new(),
        )
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(outcome.blocks, 0);
    let blob = only_blob(&sim);
    assert_eq!(blob.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(blob.length, Some(300_000));
    assert_eq!(blob.blocks, 0);
    assert_eq!(sim.stats().route("discovery.upload"), 1);
    assert_monotone_to(&seen, 300_000);
    let streams = client.discovery_streams().await.unwrap();
    assert!(
        streams
            .iter()
            .any(|s| s["displayName"] == "Branch snapshot"),
        "{streams:?}"
    );
}

#[tokio::test]
async fn an_unknown_source_is_refused_before_anything_is_sent_unless_forced() {
    let sim = sim().await;
    let client = token_client(&sim);
    let dir = temp_dir("source");
    let (path, _) = log_file(&dir, "x.log", 1000);
    let e = client
        .upload_log(
            &path,
            &LogUpload::new("PALO_ALTOO", "s"),
            None,
            &CancelToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.hint().unwrap().contains("PALO_ALTO_SYSLOG"), "{e}");
    assert_eq!(sim.stats().total, 0);
    // Forced, it reaches the service, which refuses it in its own words.
    let e = client
        .upload_log(
            &path,
            &LogUpload::new("PALO_ALTOO", "s").force_source(true),
            None,
            &CancelToken::new(),
        )
        .await
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(e.kind(), ErrorKind::BadRequest, "{e}");
    assert_eq!(sim.stats().route("discovery.upload_url"), 1);
}

#[tokio::test]
async fn a_failing_block_is_retried_alone_and_the_sas_query_never_reaches_an_error() {
    let sim = sim().await;
    let client = token_client(&sim);
    let dir = temp_dir("retry");
    let len = SINGLE_PUT_MAX + 3 * 1024 * 1024;
    let (path, sha) = log_file(&dir, "fw.log", len);
    // One block fails once with a 500: only that block is sent again.
    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 1).on_route("discovery.upload.block"));
    let outcome = client
        .upload_log(
            &path,
            &LogUpload::new("CISCO_ASA", "Core").block_size(8 * 1024 * 1024),
            None,
            &CancelToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(outcome.retries, 1);
    assert_eq!(outcome.blocks, 9);
    let blob = only_blob(&sim);
    assert_eq!(blob.sha256.as_deref(), Some(sha.as_str()));
    let stats = sim.stats();
    assert_eq!(stats.route_status("discovery.upload.block", 500), 1);
    assert_eq!(stats.route_status("discovery.upload.block", 201), 9);

    // A storage failure that outlasts the retries: the error names the host and path, never the
    // signature.
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(1))
        .build()
        .unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 5).on_route("discovery.upload"));
    let e = client
        .upload_log(
            &path,
            &LogUpload::new("CISCO_ASA", "Core").block_size(8 * 1024 * 1024),
            None,
            &CancelToken::new(),
        )
        .await
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = format!("{e} {e:?} {}", e.hint().unwrap_or(""));
    assert!(text.contains("/_blob/"), "{text}");
    assert!(!text.contains("sig="), "{text}");
    assert!(!text.contains("sv="), "{text}");
    assert!(text.contains("signature hidden"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_upload_commits_nothing() {
    let sim = sim().await;
    let client = token_client(&sim);
    let dir = temp_dir("cancel");
    let len = SINGLE_PUT_MAX * 2;
    let (path, _) = log_file(&dir, "big.log", len);
    let cancel = CancelToken::new();
    let c = cancel.clone();
    // Cancel mid-way through the third 16 MiB block.
    let progress = move |sent: u64, _total: u64| {
        if sent > 40 * 1024 * 1024 {
            c.cancel();
        }
    };
    let e = client
        .upload_log(
            &path,
            &LogUpload::new("SQUID", "Proxy"),
            Some(&progress),
            &cancel,
        )
        .await
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let blob = only_blob(&sim);
    assert_eq!(blob.length, None, "{blob:?}");
    assert!(!blob.finalized);
    assert!(blob.uncommitted_blocks < 8, "{blob:?}");
    let stats = sim.stats();
    assert_eq!(stats.route("discovery.upload.blocklist"), 0);
    assert_eq!(stats.route("discovery.done_upload"), 0);
}

#[tokio::test]
async fn the_storage_refuses_a_single_put_above_its_limit_like_azure() {
    let sim = sim().await;
    let client = token_client(&sim);
    sim.set_blob_limits(BlobLimits {
        put_blob_max: Some(1024 * 1024),
        put_block_max: None,
    });
    let dir = temp_dir("limit");
    let (path, _) = log_file(&dir, "big.log", 2 * 1024 * 1024);
    let e = client
        .upload_log(
            &path,
            &LogUpload::new("FORTIGATE", "Edge"),
            None,
            &CancelToken::new(),
        )
        .await
        .unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(e.http_status(), Some(413), "{e}");
    assert!(e.message().contains("RequestBodyTooLarge"), "{e}");
    assert_eq!(sim.stats().route("discovery.done_upload"), 0);
}

#[tokio::test]
async fn streams_categories_and_block_scripts_are_parsed() {
    let sim = sim().await;
    let client = token_client(&sim);
    let streams = client.discovery_streams().await.unwrap();
    assert_eq!(streams.len(), 3);
    let id = streams[1]["_id"].as_str().unwrap();
    let all = client.discovery_categories(id, None).await.unwrap();
    assert!(!all.is_empty());
    assert!(all
        .iter()
        .all(|c| c["id"].as_str().unwrap().starts_with("SAASDB_")
            && c["total"].as_u64().unwrap() > 0));
    let totals: Vec<u64> = all.iter().map(|c| c["total"].as_u64().unwrap()).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let week = client.discovery_categories(id, Some(7)).await.unwrap();
    let week_sum: u64 = week.iter().map(|c| c["total"].as_u64().unwrap()).sum();
    assert!(week_sum < totals.iter().sum::<u64>());
    let e = client
        .discovery_categories("000000000000000000000000", None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    let script = client.block_script(Appliance::PaloAlto).await.unwrap();
    let lines: Vec<&str> = script.lines().collect();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|l| l.starts_with("set profiles custom-url-category")));
    let zscaler = client.block_script(Appliance::Zscaler).await.unwrap();
    assert_ne!(script, zscaler);
}
