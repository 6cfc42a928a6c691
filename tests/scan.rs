//! Activity scan mode (api.md §4.3, §4.4, §14 rule 13): `isScan` with 500–5000 records per request,
//! following `nextQueryFilters` until it is missing, every record exactly once.

mod common;

use std::collections::HashSet;

use common::*;
use mdca::{EntityKind, ErrorKind, QueryRequest, SortDirection};
use serde_json::json;

#[tokio::test]
async fn scan_mode_returns_100000_activities_exactly_once() {
    let sim = sim_with(|c| c.data.activities = 100_000).await;
    let client = patient_client(&sim);
    let mut pager = client
        .query(EntityKind::Activities, QueryRequest::new().all())
        .unwrap();
    assert!(pager.is_scan());
    assert_eq!(pager.request_limit(), 5000);
    let mut seen = HashSet::new();
    let mut records = 0u64;
    while let Some(page) = pager.next_page().await.unwrap() {
        for id in page_ids(&page) {
            assert!(seen.insert(id), "a record came twice");
        }
        records += page.len() as u64;
    }
    assert_eq!(records, 100_000);
    let progress = pager.progress();
    assert_eq!(progress.records, 100_000);
    assert_eq!(progress.duplicates_dropped, 0);
    assert!(progress.done);
    // Non-final scan pages drop their last few records, so 100,000 take a little more than 20 requests.
    let requests = sim.stats().route("activities.list");
    assert_eq!(progress.requests, requests);
    assert!((20..=22).contains(&requests), "{requests} requests");
}

#[tokio::test]
async fn scan_follows_next_query_filters_keeping_the_callers_filters() {
    let sim = sim_with(|c| c.data.activities = 20_000).await;
    let client = patient_client(&sim);
    let mut probe = client
        .query(EntityKind::Activities, QueryRequest::new().first(1))
        .unwrap();
    let first = probe
        .next_page()
        .await
        .unwrap()
        .unwrap()
        .into_values()
        .unwrap();
    let app = first[0]["appId"].as_i64().expect("activities carry appId");
    let filters = json!({"service": {"eq": [app]}});
    let expected = sim_count(&sim, EntityKind::Activities, filters.clone());
    assert!(expected > 500, "the filter should span several scan pages");

    let request = QueryRequest::new()
        .filters(filters)
        .all()
        .scan(true)
        .page_size(500);
    let mut pager = client.query(EntityKind::Activities, request).unwrap();
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        for record in page.clone().into_values().unwrap() {
            assert_eq!(record["appId"], app, "a record outside the caller's filter");
        }
        ids.extend(page_ids(&page));
    }
    assert_eq!(ids.len() as u64, expected);
    distinct(&ids);
    assert!(pager.progress().requests > 1);
}

#[tokio::test]
async fn records_inserted_at_the_head_during_a_scan_are_neither_lost_nor_duplicated() {
    let sim = sim().await;
    let client = patient_client(&sim);
    let scan = || QueryRequest::new().all().scan(true).page_size(500);
    let before = drain_ids(&mut client.query(EntityKind::Activities, scan()).unwrap())
        .await
        .unwrap();

    let mut pager = client.query(EntityKind::Activities, scan()).unwrap();
    let mut ids = page_ids(&pager.next_page().await.unwrap().unwrap());
    sim.insert_head(sim_entity(EntityKind::Activities), 50);
    ids.extend(drain_ids(&mut pager).await.unwrap());
    assert_eq!(distinct(&ids), distinct(&before));
    assert_eq!(ids, before);
}

#[tokio::test]
async fn activities_beyond_the_skip_limit_window_come_from_scan_mode() {
    let sim = sim_with(|c| c.data.activities = 5_500).await;
    let client = patient_client(&sim);
    let everything = QueryRequest::new().all();
    let all = drain_ids(&mut client.query(EntityKind::Activities, everything).unwrap())
        .await
        .unwrap();
    assert_eq!(all.len(), 5_500);

    // skip + first > 5000: skip/limit cannot reach it (the server refuses), so the pager scans and skips
    // client-side.
    let beyond = QueryRequest::new().skip(4990).first(20);
    let mut window = client.query(EntityKind::Activities, beyond).unwrap();
    assert!(window.is_scan());
    assert_eq!(drain_ids(&mut window).await.unwrap(), all[4990..5010]);
    assert_eq!(window.progress().records, 20);
}

#[tokio::test]
async fn scan_keeps_newest_first_and_refuses_another_order_locally() {
    let sim = sim().await;
    let client = patient_client(&sim);
    for request in [
        QueryRequest::new()
            .all()
            .sort("created", SortDirection::Desc),
        QueryRequest::new().all().sort("date", SortDirection::Asc),
    ] {
        let err = client.query(EntityKind::Activities, request).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("date desc"), "{}", err.message());
    }
    let date_desc = QueryRequest::new().all().sort("date", SortDirection::Desc);
    assert!(client.query(EntityKind::Activities, date_desc).is_ok());
    // Scan mode is for activities only.
    let err = client
        .query(EntityKind::Alerts, QueryRequest::new().scan(true))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn activities_with_first_above_one_page_use_one_scan_request_not_many_pages() {
    let sim = sim().await;
    let client = patient_client(&sim);
    let mut pager = client
        .query(EntityKind::Activities, QueryRequest::new().first(2000))
        .unwrap();
    assert!(pager.is_scan());
    let ids = drain_ids(&mut pager).await.unwrap();
    assert_eq!(ids.len(), 2000);
    distinct(&ids);
    // One scan request, and one more for the few records a non-final scan page drops at its end
    // (api.md §4.4); skip/limit would have taken 20.
    let requests = sim.stats().route("activities.list");
    assert!((1..=2).contains(&requests), "{requests} requests");
}
