//! Volume tests: Microsoft's documented activity scan loop over 100,000 activities (api.md §4.4,
//! §6), and the first page of a simulator holding 1,000,000 activities and 200,000 files.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::Harness;
use mdca_sim::data::Entity;
use serde::Deserialize;
use serde_json::{json, Value};

const ACTIVITIES: u64 = 100_000;

fn scan_config() -> mdca_sim::SimConfig {
    let mut cfg = common::test_config();
    cfg.data.activities = ACTIVITIES;
    cfg
}

/// A scan page read straight into the two fields the checks need: building 100,000 activities
/// as `serde_json::Value` trees costs more than the simulator spends producing them.
#[derive(Deserialize)]
struct ScanPage {
    data: Vec<ScanRecord>,
    #[serde(rename = "hasNext")]
    has_next: bool,
    #[serde(rename = "nextQueryFilters")]
    next_query_filters: Option<Value>,
}

#[derive(Deserialize)]
struct ScanRecord {
    #[serde(rename = "_id")]
    id: String,
    #[serde(rename = "appId")]
    app_id: i64,
}

/// What a scan returned: `_id` and service (`appId`) of every record, in order of arrival.
struct Scanned {
    records: Vec<(String, i64)>,
    calls: usize,
}

/// The loop exactly as `api-activities-investigate-script.md` runs it: POST the filters with
/// `isScan`, and while `hasNext` is true send `nextQueryFilters` back as `filters`.
async fn scan(h: &Harness, filters: Value, limit: u64) -> Scanned {
    let token = format!("Token {}", h.admin());
    let mut filters = filters;
    let mut out = Scanned {
        records: Vec::new(),
        calls: 0,
    };
    loop {
        let resp = h
            .http
            .post(h.api("v1/activities/"))
            .header("Authorization", &token)
            .json(&json!({"filters": filters, "isScan": true, "limit": limit}))
            .send()
            .await
            .expect("scan request");
        assert_eq!(resp.status().as_u16(), 200, "scan call {}", out.calls + 1);
        let bytes = resp.bytes().await.expect("scan body");
        let page: ScanPage = serde_json::from_slice(&bytes).expect("a scan page");
        out.calls += 1;
        assert!(out.calls <= 10_000, "the scan does not end");
        assert!(
            page.data.len() as u64 <= limit,
            "page larger than the limit"
        );
        out.records
            .extend(page.data.into_iter().map(|r| (r.id, r.app_id)));
        match (page.has_next, page.next_query_filters) {
            (true, Some(next)) => filters = next,
            (true, None) => panic!("hasNext without nextQueryFilters"),
            (false, next) => {
                assert!(next.is_none(), "the last page carries nextQueryFilters");
                return out;
            }
        }
    }
}

fn unique(records: &[(String, i64)]) -> HashSet<&str> {
    let set: HashSet<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(set.len(), records.len(), "the scan returned a record twice");
    set
}

#[tokio::test]
async fn documented_scan_loop_returns_every_activity_exactly_once_unfiltered_and_filtered() {
    let h = Harness::with(scan_config()).await;
    let expected = h.sim.dataset(0).count(Entity::Activities);
    assert_eq!(expected, ACTIVITIES);

    let started = Instant::now();
    let all = scan(&h, json!({}), 5000).await;
    let all_ids = unique(&all.records);
    eprintln!(
        "unfiltered scan: {} records in {} calls, {:?}",
        all.records.len(),
        all.calls,
        started.elapsed()
    );
    assert_eq!(all_ids.len() as u64, expected);
    assert!(all.calls >= (ACTIVITIES / 5000) as usize);

    // Pick the most frequent service so the filtered scan spans many pages.
    let mut by_service: BTreeMap<i64, HashSet<&str>> = BTreeMap::new();
    for (id, service) in &all.records {
        by_service.entry(*service).or_default().insert(id.as_str());
    }
    assert!(by_service.len() > 1, "every activity has the same service");
    let (service, want) = by_service
        .iter()
        .max_by_key(|(_, ids)| ids.len())
        .expect("some service");

    let started = Instant::now();
    let filtered = scan(&h, json!({"service": {"eq": [service]}}), 500).await;
    eprintln!(
        "scan for service {service}: {} records in {} calls, {:?}",
        filtered.records.len(),
        filtered.calls,
        started.elapsed()
    );
    assert!(filtered.records.iter().all(|(_, s)| s == service));
    let got = unique(&filtered.records);
    assert_eq!(
        &got, want,
        "the filtered scan differs from the matching records"
    );

    // The server's own count of the filtered set agrees.
    let page = h
        .post(
            "v1/activities/",
            json!({"filters": {"service": {"eq": [service]}}, "limit": 1}),
        )
        .await
        .expect(200);
    assert_eq!(page["total"], json!(want.len()));
}

#[tokio::test]
async fn a_simulator_with_one_million_activities_and_200000_files_serves_its_first_page_in_under_2_s(
) {
    let mut cfg = common::test_config();
    cfg.data.activities = 1_000_000;
    cfg.data.files = 200_000;
    let started = Instant::now();
    let h = Harness::with(cfg).await;
    let up = started.elapsed();
    let activities = h.post("v1/activities/", json!({})).await.expect(200);
    let first_activities = started.elapsed();
    let files = h.post("v1/files/", json!({})).await.expect(200);
    let first_files = started.elapsed();
    let scan = h
        .post("v1/activities/", json!({"isScan": true}))
        .await
        .expect(200);
    let first_scan = started.elapsed();
    let every_file = h
        .post(
            "v1/files/",
            json!({"filters": {"allowDeleted": {"eq": true}}, "limit": 1}),
        )
        .await
        .expect(200);
    eprintln!(
        "1,000,000 activities + 200,000 files: started in {up:?}, first activity page at \
         {first_activities:?}, first file page at {first_files:?}, first 500-record scan page at \
         {first_scan:?}"
    );
    assert_eq!(activities["data"].as_array().map(Vec::len), Some(100));
    assert_eq!(files["data"].as_array().map(Vec::len), Some(100));
    assert!(scan["data"].as_array().map_or(0, Vec::len) > 450);
    assert_eq!(every_file["total"], json!(200_000));
    let visible = files["total"].as_u64().expect("files total");
    assert!(
        (150_000..200_000).contains(&visible),
        "deleted files are hidden by default (rule 20): {visible}"
    );
    assert_eq!(h.sim.dataset(0).count(Entity::Activities), 1_000_000);
    assert!(
        first_activities < Duration::from_secs(2),
        "first activity page took {first_activities:?}"
    );
    assert!(
        first_files < Duration::from_secs(2),
        "first file page took {first_files:?}"
    );
}
