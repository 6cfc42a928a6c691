//! Paging rules (api.md §4): every record exactly once, skip/limit advancing by the records received,
//! stopping on `hasNext`, never trusting `total`, dedupe across shifting pages, `first`/`skip`, page caps,
//! prefetch and progress. Each test runs a simulator on loopback.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;
use mdca::{EntityKind, ErrorKind, QueryRequest, SortDirection};
use serde_json::json;

#[tokio::test]
async fn every_entity_pages_to_its_last_record_exactly_once() {
    // Activities are the slowest records to generate in a debug build: keep them few.
    let sim = sim_with(|c| c.data.activities = 1_000).await;
    let client = token_client(&sim);
    for &kind in EntityKind::all() {
        let expected = sim_count(&sim, kind, json!({}));
        let mut pager = client.query(kind, QueryRequest::new().all()).unwrap();
        let ids = drain_ids(&mut pager).await.unwrap();
        assert_eq!(
            ids.len() as u64,
            expected,
            "{kind}: records returned vs the simulator's count"
        );
        distinct(&ids);
        for id in &ids {
            assert!(
                sim.dataset(0).fetch(sim_entity(kind), id).is_some(),
                "{kind}: {id} is not one of the simulator's records"
            );
        }
        let progress = pager.progress();
        assert!(progress.done);
        assert_eq!(progress.records, expected);
        assert_eq!(progress.duplicates_dropped, 0);
    }
}

#[tokio::test]
async fn activities_page_by_skip_limit_within_the_5000_window_without_scan() {
    // Activities are the slowest records to generate in a debug build: keep them few.
    let sim = sim_with(|c| c.data.activities = 1_000).await;
    let client = token_client(&sim);
    let expected = sim.dataset(0).count(sim_entity(EntityKind::Activities));
    let request = QueryRequest::new().scan(false).first(expected);
    let mut pager = client.query(EntityKind::Activities, request).unwrap();
    assert!(!pager.is_scan());
    let ids = drain_ids(&mut pager).await.unwrap();
    assert_eq!(ids.len() as u64, expected);
    distinct(&ids);
    assert_eq!(sim.stats().route("activities.list"), expected.div_ceil(100));
}

#[tokio::test]
async fn skip_limit_stops_when_has_next_is_false_without_an_extra_request() {
    let sim = sim().await;
    let client = token_client(&sim);
    // 250 alerts in pages of 50: the fifth answer says hasNext false, so there is no sixth request.
    // (Plain skip/limit: a caller sort other than the window key ascending.)
    let alerts = sim_count(&sim, EntityKind::Alerts, json!({}));
    assert_eq!(alerts % 50, 0, "the test needs a whole number of pages");
    let request = QueryRequest::new()
        .all()
        .page_size(50)
        .sort("severity", SortDirection::Desc);
    let mut pager = client.query(EntityKind::Alerts, request).unwrap();
    let ids = drain_ids(&mut pager).await.unwrap();
    assert_eq!(ids.len() as u64, alerts);
    assert_eq!(sim.stats().route("alerts.list"), alerts / 50);
    assert_eq!(pager.progress().requests, alerts / 50);
}

#[tokio::test]
async fn an_uneven_page_size_returns_every_record_once() {
    let sim = sim().await;
    let client = token_client(&sim);
    let alerts = sim.dataset(0).count(sim_entity(EntityKind::Alerts));
    // Plain skip/limit (a caller sort): every page but the last is full.
    let request = QueryRequest::new()
        .all()
        .page_size(7)
        .sort("severity", SortDirection::Desc);
    let mut pager = client.query(EntityKind::Alerts, request).unwrap();
    let mut sizes = Vec::new();
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.len());
        ids.extend(page_ids(&page));
    }
    assert_eq!(ids.len() as u64, alerts);
    distinct(&ids);
    assert!(
        sizes[..sizes.len() - 1].iter().all(|&n| n == 7),
        "{sizes:?}"
    );
    assert_eq!(sim.stats().route("alerts.list"), alerts.div_ceil(7));
}

#[tokio::test]
async fn an_approximate_total_does_not_change_the_records_returned() {
    // Activities are the slowest records to generate in a debug build: keep them few.
    let sim = sim_with(|c| c.data.activities = 1_000).await;
    sim.set_approximate_total(true);
    let client = token_client(&sim);
    let expected = sim.dataset(0).count(sim_entity(EntityKind::Activities));
    for request in [
        QueryRequest::new().scan(false).first(expected),
        QueryRequest::new().all(),
    ] {
        let mut pager = client.query(EntityKind::Activities, request).unwrap();
        let ids = drain_ids(&mut pager).await.unwrap();
        assert_eq!(ids.len() as u64, expected);
        distinct(&ids);
        // The server's total is off by a few; progress never shows it below the records returned, so
        // a percentage never passes 100.
        let progress = pager.progress();
        let total = progress.total.expect("the server reports a total");
        assert!(total >= progress.records, "{progress:?}");
    }
}

#[tokio::test]
async fn records_inserted_during_a_windowed_pull_are_neither_lost_nor_duplicated() {
    let sim = sim().await;
    let client = token_client(&sim);
    let kind = EntityKind::Alerts;
    // Newest first (the default), then oldest first (asked for).
    for (request, inserted_returned) in [
        (QueryRequest::new().all(), 0),
        (
            QueryRequest::new().all().sort("date", SortDirection::Asc),
            10,
        ),
    ] {
        let before = sim.dataset(0).count(sim_entity(kind));
        let mut pager = client.query(kind, request).unwrap();
        assert!(pager.is_windowed());
        let mut ids = page_ids(&pager.next_page().await.unwrap().unwrap());
        let first_page = ids.clone();
        // Ten new alerts, the newest: descending windows have passed their dates and never see them (a
        // record inserted during a pull may or may not be returned); ascending windows reach them at the
        // end, each once. Either way no record that was there throughout is lost or repeated.
        sim.insert_head(sim_entity(kind), 10);
        ids.extend(drain_ids(&mut pager).await.unwrap());
        assert_eq!(ids.len() as u64, before + inserted_returned);
        distinct(&ids);
        assert_eq!(pager.progress().duplicates_dropped, 0);
        for id in &ids {
            assert!(sim.dataset(0).fetch(sim_entity(kind), id).is_some());
        }
        assert!(first_page.iter().all(|id| ids.contains(id)));
    }
}

#[tokio::test]
async fn first_and_skip_select_a_window_like_powershell() {
    let sim = sim().await;
    let client = token_client(&sim);
    let all = drain_ids(
        &mut client
            .query(EntityKind::Alerts, QueryRequest::new().all())
            .unwrap(),
    )
    .await
    .unwrap();

    let mut window = client
        .query(EntityKind::Alerts, QueryRequest::new().skip(30).first(150))
        .unwrap();
    assert_eq!(drain_ids(&mut window).await.unwrap(), all[30..180]);

    // -First beyond the end returns what there is.
    let mut tail = client
        .query(EntityKind::Alerts, QueryRequest::new().skip(240).first(100))
        .unwrap();
    assert_eq!(drain_ids(&mut tail).await.unwrap(), all[240..]);

    // Neither all nor first: one page of page_size, newest first (one request, sorted date desc).
    let mut one = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(25))
        .unwrap();
    let page = one.next_page().await.unwrap().unwrap();
    let newest: HashSet<_> = all[..25].iter().cloned().collect();
    assert_eq!(page_ids(&page).into_iter().collect::<HashSet<_>>(), newest);
    assert!(one.next_page().await.unwrap().is_none());

    // first: 0 asks for nothing and sends nothing.
    sim.reset_stats();
    let mut none = client
        .query(EntityKind::Alerts, QueryRequest::new().first(0))
        .unwrap();
    assert!(none.next_page().await.unwrap().is_none());
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn page_size_is_capped_per_entity_before_any_request() {
    let sim = sim().await;
    let client = token_client(&sim);
    for &kind in EntityKind::all() {
        for size in [0, 101] {
            let err = client
                .query(kind, QueryRequest::new().page_size(size).scan(false))
                .unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::InvalidArgument,
                "{kind} page_size {size}"
            );
        }
        assert!(client
            .query(kind, QueryRequest::new().page_size(100))
            .is_ok());
    }
    for size in [499, 5001] {
        let err = client
            .query(
                EntityKind::Activities,
                QueryRequest::new().scan(true).page_size(size),
            )
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidArgument,
            "scan page_size {size}"
        );
    }
    let scan = client
        .query(
            EntityKind::Activities,
            QueryRequest::new().scan(true).page_size(500),
        )
        .unwrap();
    assert_eq!(scan.request_limit(), 500);
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn the_next_page_is_fetched_before_the_caller_asks_for_it() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .prefetch(true)
        .build()
        .unwrap();
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().all())
        .unwrap();
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 100);
    // Without calling next_page again, the second request reaches the simulator.
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.stats().route("alerts.list") < 2 {
        assert!(
            Instant::now() < deadline,
            "the second page was not prefetched"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let second = pager.next_page().await.unwrap().unwrap();
    // The next window repeats the tie at its lower bound, dropped: 99 new records.
    assert!(second.len() >= 99, "{}", second.len());
    assert_ne!(page_ids(&first), page_ids(&second));
    let rest = drain_ids(&mut pager).await.unwrap();
    let alerts = sim_count(&sim, EntityKind::Alerts, json!({}));
    assert_eq!((rest.len() + first.len() + second.len()) as u64, alerts);
    // Nothing is prefetched past the last page.
    assert_eq!(sim.stats().route("alerts.list"), pager.progress().requests);
}

#[tokio::test]
async fn without_prefetch_nothing_is_fetched_ahead() {
    let sim = sim().await;
    let client = token_client(&sim);
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().all())
        .unwrap();
    pager.next_page().await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.stats().route("alerts.list"), 1);
}

#[tokio::test]
async fn progress_is_readable_from_another_thread_during_a_pull() {
    let sim = sim().await;
    let client = token_client(&sim);
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().all().page_size(50))
        .unwrap();
    let handle = pager.progress_handle();
    let mut seen = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        let h = handle.clone();
        let snapshot = std::thread::spawn(move || h.progress()).join().unwrap();
        seen.push(snapshot.records);
        assert_eq!(
            snapshot.total,
            Some(sim.dataset(0).count(sim_entity(EntityKind::Alerts)))
        );
        assert!(page.len() <= 50);
    }
    // Each window after the first repeats the tie at its bound (dropped): at most 49 new records a page.
    assert_eq!(seen[0], 50);
    assert!(
        seen.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] <= 49),
        "{seen:?}"
    );
    assert_eq!(seen.last(), Some(&250));
    let done = handle.progress();
    assert!(done.done);
    assert_eq!(done.pages, seen.len() as u64);
    assert_eq!(done.requests, seen.len() as u64);
    assert_eq!(done.retries, 0);
}

#[tokio::test]
async fn a_page_joins_its_records_into_one_json_array_without_reencoding() {
    let sim = sim().await;
    let client = token_client(&sim);
    let mut pager = client
        .query(EntityKind::Subnets, QueryRequest::new().page_size(5))
        .unwrap();
    let page = pager.next_page().await.unwrap().unwrap();
    let text = page.to_json_array();
    let raw: Vec<&str> = page.records().iter().collect();
    assert_eq!(text, format!("[{}]", raw.join(",")));
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, page.clone().into_values().unwrap());
    assert_eq!(parsed.len(), 5);
    // Handing the page over (what the C ABI does) gives the same array.
    assert_eq!(page.into_json_array(), text);
}
