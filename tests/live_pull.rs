//! Pulls against a live tenant (api.md §16 rules 30–38): the simulator's clock moves and its mutator
//! inserts, edits, closes, reopens and deletes while the pager reads. Each test checks the pull against
//! the simulator's journal, never against what it happened to return: every stable match of the
//! interval (`ground_truth(..).stable`) is returned, only records that matched at some instant (`ever`),
//! and none twice. Pages are small so that a pull spans many requests and many mutations.

mod common;

use std::collections::BTreeSet;

use common::*;
use mdca::{Checkpoint, Client, EntityKind, ErrorKind, Pager, QueryRequest};
use mdca_sim::{Behaviour, DeepFiles, LiveConfig, ScanCursor, Simulator};
use serde_json::{json, Value};

/// A live tenant: a minute of tenant time per real second, and `rate` mutations per real second.
async fn live(rate: f64, behaviour: Behaviour) -> Simulator {
    let sim = sim_with(|c| c.behaviour = behaviour).await;
    sim.set_live(Some(LiveConfig {
        rate,
        clock_speed: 60.0,
    }));
    sim
}

/// Every id of a pull, with the tenant-clock interval it ran over.
async fn pull(sim: &Simulator, pager: &mut Pager) -> mdca::Result<(Vec<String>, i64, i64)> {
    let from = sim.now_ms(0);
    let ids = drain_ids(pager).await?;
    Ok((ids, from, sim.now_ms(0)))
}

/// The rule every live pull is held to.
fn assert_exactly_once(
    sim: &Simulator,
    kind: EntityKind,
    filters: &Value,
    (from, to): (i64, i64),
    ids: &[String],
) {
    let returned: BTreeSet<String> = distinct(ids).into_iter().map(str::to_owned).collect();
    let truth = sim.ground_truth(0, sim_entity(kind), filters, from, to);
    assert!(
        !truth.stable.is_empty(),
        "{kind}: the test needs stable matches"
    );
    let lost: Vec<_> = truth.stable.difference(&returned).collect();
    assert!(
        lost.is_empty(),
        "{kind}: {} stable matches never returned (of {}), e.g. {:?}",
        lost.len(),
        truth.stable.len(),
        lost.first()
    );
    let strays: Vec<_> = returned.difference(&truth.ever).collect();
    assert!(
        strays.is_empty(),
        "{kind}: records that never matched: {strays:?}"
    );
    assert!(
        sim.mutations(0) > 0,
        "{kind}: the tenant did not change during the pull"
    );
}

async fn full_pull(sim: &Simulator, client: &Client, kind: EntityKind, filters: Value, page: u32) {
    let mut request = QueryRequest::new().all().filters(filters.clone());
    if kind != EntityKind::Activities {
        request = request.page_size(page);
    } else {
        request = request.page_size(500);
    }
    let mut pager = client.query(kind, request).unwrap();
    let (ids, from, to) = pull(sim, &mut pager).await.unwrap();
    assert_exactly_once(sim, kind, &filters, (from, to), &ids);
}

#[tokio::test]
async fn open_alerts_pulled_while_analysts_close_and_reopen_them_come_exactly_once() {
    let sim = live(2000.0, Behaviour::default()).await;
    let client = token_client(&sim);
    let open = json!({"resolutionStatus": {"eq": [0]}});
    full_pull(&sim, &client, EntityKind::Alerts, open, 10).await;
}

#[tokio::test]
async fn files_pulled_while_they_are_edited_trashed_and_deleted_come_exactly_once() {
    let sim = live(2000.0, Behaviour::default()).await;
    let client = token_client(&sim);
    full_pull(&sim, &client, EntityKind::Files, json!({}), 20).await;
}

#[tokio::test]
async fn entities_whose_last_seen_moves_during_the_pull_come_exactly_once() {
    let sim = live(2000.0, Behaviour::default()).await;
    let client = token_client(&sim);
    full_pull(&sim, &client, EntityKind::Entities, json!({}), 5).await;
}

#[tokio::test]
async fn activities_scanned_while_new_ones_arrive_come_exactly_once() {
    let sim = live(2000.0, Behaviour::default()).await;
    let client = token_client(&sim);
    full_pull(&sim, &client, EntityKind::Activities, json!({}), 500).await;
}

/// A date bound of the caller on the scan's own cursor field, under each cursor format of rule 32.
async fn scan_keeps_the_callers_date_bound(cursor: ScanCursor) {
    let sim = live(
        200.0,
        Behaviour {
            scan_cursor: cursor,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    // The newest two thirds of the dataset's activities, by an absolute bound.
    let mut probe = client
        .query(
            EntityKind::Activities,
            QueryRequest::new().all().page_size(3000),
        )
        .unwrap();
    let first = probe
        .next_page()
        .await
        .unwrap()
        .unwrap()
        .into_values()
        .unwrap();
    drop(probe);
    let bound = first[first.len() * 2 / 3]["timestamp"].as_i64().unwrap();
    let filters = json!({"date": {"gte": bound}, "service": {"neq": [0]}});
    let request = QueryRequest::new()
        .all()
        .page_size(500)
        .filters(filters.clone());
    let mut pager = client.query(EntityKind::Activities, request).unwrap();
    let (ids, from, to) = pull(&sim, &mut pager).await.unwrap();
    assert_exactly_once(&sim, EntityKind::Activities, &filters, (from, to), &ids);
}

#[tokio::test]
async fn rule_32_a_cursor_carrying_only_its_bound_keeps_the_callers_filters() {
    scan_keeps_the_callers_date_bound(ScanCursor::BoundOnly).await;
}

#[tokio::test]
async fn rule_32_a_cursor_replacing_the_callers_date_object_keeps_the_callers_gte() {
    scan_keeps_the_callers_date_bound(ScanCursor::SameField).await;
}

/// Drains a pull that must fail; returns the error and the ids delivered before it.
async fn failing_pull(pager: &mut Pager) -> (mdca::Error, Vec<String>) {
    let mut ids = Vec::new();
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => ids.extend(page_ids(&page)),
            Ok(None) => panic!("the pull ended as if complete after {} records", ids.len()),
            Err(e) => return (e, ids),
        }
    }
}

#[tokio::test]
async fn rule_33_has_next_without_a_cursor_is_an_error_after_the_page_not_a_silent_stop() {
    let sim = live(
        0.0,
        Behaviour {
            scan_missing_cursor: true,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    let mut pager = client
        .query(
            EntityKind::Activities,
            QueryRequest::new().all().page_size(500),
        )
        .unwrap();
    let (err, ids) = failing_pull(&mut pager).await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("nextQueryFilters"), "{err}");
    assert!(!ids.is_empty(), "the first page's records are delivered");
    distinct(&ids);
}

#[tokio::test]
async fn rule_33_empty_pages_that_carry_a_cursor_are_followed_to_the_end() {
    let sim = live(
        200.0,
        Behaviour {
            scan_empty_pages: true,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    full_pull(&sim, &client, EntityKind::Activities, json!({}), 500).await;
}

#[tokio::test]
async fn rule_33_a_cursor_that_repeats_is_an_error_naming_it_not_a_loop() {
    let sim = live(
        0.0,
        Behaviour {
            scan_cursor_repeats: true,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    let mut pager = client
        .query(
            EntityKind::Activities,
            QueryRequest::new().all().page_size(500),
        )
        .unwrap();
    let (err, ids) = failing_pull(&mut pager).await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.message().contains("date"), "names the cursor: {err}");
    distinct(&ids);
}

#[tokio::test]
async fn rule_34_unstable_order_among_equal_keys_loses_and_repeats_nothing() {
    let sim = live(
        300.0,
        Behaviour {
            unstable_ties: true,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    for kind in [EntityKind::Alerts, EntityKind::Files, EntityKind::Entities] {
        full_pull(&sim, &client, kind, json!({}), 10).await;
    }
}

#[tokio::test]
async fn rule_35_an_approximate_total_and_a_wrong_has_next_change_nothing() {
    let sim = live(
        300.0,
        Behaviour {
            approximate_total: true,
            has_next_wrong: true,
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    for kind in [EntityKind::Alerts, EntityKind::Files, EntityKind::Entities] {
        full_pull(&sim, &client, kind, json!({}), 10).await;
    }
    full_pull(&sim, &client, EntityKind::Activities, json!({}), 500).await;
}

#[tokio::test]
async fn rule_38_windows_never_reach_the_slow_deep_files_pages() {
    // Pages at skip >= 40 would take 5 s each and fail with HTML 5xx: windows always ask from skip 0.
    let sim = live(
        200.0,
        Behaviour {
            deep_files: Some(DeepFiles {
                from_skip: 40,
                delay_ms: 5000,
                html_5xx_every: 2,
            }),
            ..Behaviour::default()
        },
    )
    .await;
    let client = token_client(&sim);
    let started = std::time::Instant::now();
    full_pull(&sim, &client, EntityKind::Files, json!({}), 20).await;
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

/// Pulls `stop` pages, checkpoints (JSON round trip), resumes in a new pager and drains it.
async fn stopped_and_resumed(
    sim: &Simulator,
    kind: EntityKind,
    request: QueryRequest,
    stop: usize,
) {
    let client = token_client(sim);
    let filters = request.filters.clone().unwrap_or_else(|| json!({}));
    let from = sim.now_ms(0);
    let mut first = client.query(kind, request.clone()).unwrap();
    let mut ids = Vec::new();
    for _ in 0..stop {
        ids.extend(page_ids(&first.next_page().await.unwrap().unwrap()));
    }
    let text = serde_json::to_string(&first.checkpoint()).unwrap();
    drop(first);
    let checkpoint: Checkpoint = serde_json::from_str(&text).unwrap();
    let mut second = client.query(kind, request.resume(checkpoint)).unwrap();
    ids.extend(drain_ids(&mut second).await.unwrap());
    assert_exactly_once(sim, kind, &filters, (from, sim.now_ms(0)), &ids);
}

#[tokio::test]
async fn a_pull_stopped_and_resumed_from_its_checkpoint_returns_the_ground_truth_once() {
    let sim = live(1500.0, Behaviour::default()).await;
    let open = json!({"resolutionStatus": {"eq": [0]}});
    let alerts = QueryRequest::new().all().page_size(10).filters(open);
    stopped_and_resumed(&sim, EntityKind::Alerts, alerts, 3).await;
    let entities = QueryRequest::new().all().page_size(10);
    stopped_and_resumed(&sim, EntityKind::Entities, entities, 2).await;
    let files = QueryRequest::new().all().page_size(20);
    stopped_and_resumed(&sim, EntityKind::Files, files, 3).await;
    let activities = QueryRequest::new().all().page_size(500);
    stopped_and_resumed(&sim, EntityKind::Activities, activities, 2).await;
}

#[tokio::test]
async fn an_incremental_run_returns_what_arrived_since_and_nothing_older_than_the_look_back() {
    let sim = live(1500.0, Behaviour::default()).await;
    let client = token_client(&sim);
    // A look-back of 60 s of tenant time: one real second at this clock speed.
    let request = QueryRequest::new().all().page_size(50).lookback_secs(60);
    let mut first = client.query(EntityKind::Alerts, request.clone()).unwrap();
    let before: BTreeSet<String> = drain_ids(&mut first).await.unwrap().into_iter().collect();
    let done = first.checkpoint();
    let watermark = done.watermark.expect("a completed pull has a watermark");
    let ended = sim.now_ms(0);
    // Let the mutator insert alerts for a while.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let text = serde_json::to_string(&done).unwrap();
    let mut next = client
        .query(
            EntityKind::Alerts,
            request.resume(serde_json::from_str(&text).unwrap()),
        )
        .unwrap();
    let from = sim.now_ms(0);
    let mut returned = Vec::new();
    while let Some(page) = next.next_page().await.unwrap() {
        returned.extend(page.into_values().unwrap());
    }
    let to = sim.now_ms(0);
    let ids: Vec<String> = returned
        .iter()
        .map(|r| r["_id"].as_str().unwrap().to_owned())
        .collect();
    distinct(&ids);
    for record in &returned {
        let date = record["timestamp"].as_i64().unwrap();
        assert!(
            date >= watermark - 60_000,
            "an alert older than the look-back came again: {date} < {watermark} - 60 s"
        );
    }
    // Every alert that arrived after the first run ended, and stayed, is returned.
    let arrived = sim.ground_truth(
        0,
        sim_entity(EntityKind::Alerts),
        &json!({"date": {"gte": ended}}),
        from,
        to,
    );
    assert!(!arrived.stable.is_empty(), "the mutator inserted no alert");
    let returned: BTreeSet<String> = ids.into_iter().collect();
    let lost: Vec<_> = arrived.stable.difference(&returned).collect();
    assert!(lost.is_empty(), "new alerts not returned: {lost:?}");
    assert!(
        returned.iter().all(|id| !before.contains(id)),
        "the look-back overlap is de-duplicated against the first run"
    );
}

#[tokio::test]
async fn an_incremental_files_run_returns_the_files_edited_since_the_pull_started() {
    let sim = live(1500.0, Behaviour::default()).await;
    let client = token_client(&sim);
    let request = QueryRequest::new().all().page_size(50).lookback_secs(60);
    let started = sim.now_ms(0);
    let mut first = client.query(EntityKind::Files, request.clone()).unwrap();
    // Files the first pull returned in a version edited after it started: already delivered.
    let mut delivered_edited = BTreeSet::new();
    while let Some(page) = first.next_page().await.unwrap() {
        for record in page.into_values().unwrap() {
            if record["modifiedDate"].as_i64().unwrap() >= started {
                delivered_edited.insert(record["_id"].as_str().unwrap().to_owned());
            }
        }
    }
    let done = first.checkpoint();
    let watermark = done.watermark.expect("a completed pull has a watermark");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut next = client
        .query(EntityKind::Files, request.resume(done))
        .unwrap();
    let from = sim.now_ms(0);
    let mut returned = Vec::new();
    while let Some(page) = next.next_page().await.unwrap() {
        returned.extend(page.into_values().unwrap());
    }
    let to = sim.now_ms(0);
    let ids: Vec<String> = returned
        .iter()
        .map(|r| r["_id"].as_str().unwrap().to_owned())
        .collect();
    distinct(&ids);
    for record in &returned {
        let modified = record["modifiedDate"].as_i64().unwrap();
        assert!(
            modified >= watermark - 60_000,
            "{modified} is older than the look-back"
        );
    }
    // Every file changed since the first pull started, and left alone during this run, is returned,
    // unless the first pull already returned it in that version.
    let changed = sim.ground_truth(
        0,
        sim_entity(EntityKind::Files),
        &json!({"modifiedDate": {"gte": started}}),
        from,
        to,
    );
    assert!(!changed.stable.is_empty(), "the mutator edited no file");
    let returned: BTreeSet<String> = ids.into_iter().collect();
    let lost: Vec<_> = changed
        .stable
        .difference(&returned)
        .filter(|id| !delivered_edited.contains(*id))
        .collect();
    assert!(lost.is_empty(), "edited files not returned: {lost:?}");
}
