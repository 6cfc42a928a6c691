//! Volume tests: Microsoft's documented activity scan loop over 100,000 activities (spec §4.4,
//! §6), and the first page of a simulator holding 1,000,000 activities and 200,000 files.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use common::Harness;
use mdca_sim::data::Entity;
use serde_json::{json, Value};

const ACTIVITIES: u64 = 100_000;

fn scan_config() -> mdca_sim::SimConfig {
    let mut cfg = common::test_config();
    cfg.data.activities = ACTIVITIES;
    cfg
}

/// One scan page reduced to what the checks need, so 100,000 records never sit in memory as JSON.
struct Scanned {
    /// `_id` → service (`appId`) of every record returned, in order of arrival.
    records: Vec<(String, i64)>,
    calls: usize,
}

/// The loop exactly as `api-activities-investigate-script.md` runs it: POST the filters with
/// `isScan`, and while `hasNext` is true send `nextQueryFilters` back as `filters`.
async fn scan(h: &Harness, filters: Value, limit: u64) -> Scanned {
    let mut filters = filters;
    let mut out = Scanned {
        records: Vec::new(),
        calls: 0,
    };
    loop {
        let page = h
            .post(
                "v1/activities/",
                json!({"filters": filters, "isScan": true, "limit": limit}),
            )
            .await
            .expect(200);
        out.calls += 1;
        assert!(out.calls <= 10_000, "the scan does not end");
        let data = page["data"].as_array().expect("data array");
        assert!(data.len() as u64 <= limit, "page larger than the limit");
        for record in data {
            let service = record["appId"]
                .as_i64()
                .unwrap_or_else(|| panic!("activity without an integer appId: {record}"));
            out.records.push((common::id_of(record), service));
        }
        match page["hasNext"].as_bool() {
            Some(true) => {
                filters = page
                    .get("nextQueryFilters")
                    .cloned()
                    .expect("hasNext without nextQueryFilters");
            }
            Some(false) => {
                assert!(page.get("nextQueryFilters").is_none());
                return out;
            }
            None => panic!("no hasNext: {page}"),
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
        .post("v1/activities/", json!({"isScan": true, "limit": 5000}))
        .await
        .expect(200);
    let first_scan = started.elapsed();
    eprintln!(
        "1,000,000 activities + 200,000 files: started in {up:?}, first activity page at \
         {first_activities:?}, first file page at {first_files:?}, first 5000-record scan page at \
         {first_scan:?}"
    );
    assert_eq!(activities["data"].as_array().map(Vec::len), Some(100));
    assert_eq!(files["data"].as_array().map(Vec::len), Some(100));
    assert!(scan["data"].as_array().map_or(0, Vec::len) > 4000);
    assert_eq!(files["total"], json!(200_000));
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
