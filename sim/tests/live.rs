//! docs/api.md §16 rules 30–31 and 39: the live tenant — a clock that moves, a mutator that journals every
//! change, and the ground truth of an interval, checked on hand-made mutation sequences whose answer
//! is known without asking the simulator.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::Harness;
use mdca_sim::data::Entity;
use mdca_sim::{LiveConfig, MutationKind};
use serde_json::{json, Value};

/// Waits (bounded) until tenant 0's clock has passed `t`.
async fn until_clock(h: &Harness, t: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.sim.now_ms(0) <= t {
        assert!(Instant::now() < deadline, "the clock did not reach {t}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A clock that moves a second per real millisecond, and no mutator: tests mutate by hand.
async fn moving_clock() -> Harness {
    let h = Harness::start().await;
    h.sim.set_live(Some(LiveConfig {
        rate: 0.0,
        clock_speed: 1000.0,
    }));
    h
}

/// Two instants of the clock, one after the other.
async fn tick(h: &Harness) -> i64 {
    let t = h.sim.now_ms(0);
    until_clock(h, t).await;
    h.sim.now_ms(0)
}

fn ids(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r["_id"].as_str().expect("_id").to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn rule_30_the_clock_is_frozen_until_live_mode_then_moves_and_ndays_filters_follow_it() {
    let h = Harness::start().await;
    let origin = h.sim.now_ms(0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(h.sim.now_ms(0), origin, "frozen outside live mode");
    let recent = json!({"date": {"gte_ndays": 1}});
    let all = h.list_all("v1/alerts/", recent.clone()).await.len();
    assert!(all > 0);

    // A day per 10 real ms: the window of `gte_ndays: 1` slides past every generated alert.
    h.sim.set_live(Some(LiveConfig {
        rate: 0.0,
        clock_speed: 8_640_000.0,
    }));
    until_clock(&h, origin + 400 * 86_400_000).await;
    assert!(h.list_all("v1/alerts/", recent).await.is_empty());
    let clock = h.get_control("clock?tenant=0").await;
    assert!(clock["now_ms"].as_i64().unwrap() > origin + 400 * 86_400_000);

    // Stopping live mode freezes the clock where it is; it never goes back.
    h.sim.set_live(None);
    let stopped = h.sim.now_ms(0);
    assert!(stopped > origin);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(h.sim.now_ms(0), stopped);
}

#[tokio::test]
async fn rule_31_the_mutator_journals_every_kind_of_mutation_with_its_time() {
    let h = Harness::start().await;
    h.sim.set_live(Some(LiveConfig {
        rate: 3000.0,
        clock_speed: 60.0,
    }));
    let deadline = Instant::now() + Duration::from_secs(10);
    let wanted = [
        MutationKind::Insert,
        MutationKind::Edit,
        MutationKind::Trash,
        MutationKind::Delete,
        MutationKind::Close,
        MutationKind::Reopen,
        MutationKind::Status,
    ];
    loop {
        let journal = h.sim.dataset(0).journal();
        let kinds: Vec<MutationKind> = journal.iter().map(|m| m.kind).collect();
        if wanted.iter().all(|k| kinds.contains(k)) {
            break;
        }
        assert!(Instant::now() < deadline, "kinds so far: {kinds:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.sim.set_live(None);
    let journal = h.sim.dataset(0).journal();
    assert_eq!(journal.len() as u64, h.sim.mutations(0));
    // Times never go backwards, every entity gets new records, and the control endpoint agrees.
    assert!(journal.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    for e in [Entity::Activities, Entity::Alerts, Entity::Files] {
        assert!(journal
            .iter()
            .any(|m| m.entity == e && m.kind == MutationKind::Insert));
    }
    let over_http = h.get_control("journal?tenant=0").await;
    assert_eq!(
        over_http["mutations"].as_array().unwrap().len(),
        journal.len()
    );
    let after = h.sim.mutations(0);
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        h.sim.mutations(0),
        after,
        "the mutator stops with live mode"
    );
}

#[tokio::test]
async fn rule_31_inserted_records_are_stamped_now_and_newest_first() {
    let h = moving_clock().await;
    let before = tick(&h).await;
    let ds = h.sim.dataset(0);
    let id = ds
        .insert_now(Entity::Alerts)
        .expect("alerts are inserted live");
    let first = h.list_all("v1/alerts/", json!({})).await;
    assert_eq!(first[0]["_id"], json!(id), "the newest alert comes first");
    let stamped = first[0]["timestamp"].as_i64().unwrap();
    assert!(stamped >= before && stamped <= h.sim.now_ms(0));
    let fetched = h.get(&format!("v1/alerts/{id}/")).await.expect(200);
    assert_eq!(fetched["timestamp"], json!(stamped));
}

#[tokio::test]
async fn rule_31_an_edited_file_keeps_its_id_and_created_date_moves_to_the_head_and_is_listed_once()
{
    let h = moving_clock().await;
    let files = h.list_all("v1/files/", json!({})).await;
    let victim = &files[files.len() / 2];
    let id = victim["_id"].as_str().unwrap();
    tick(&h).await;
    assert!(h.sim.dataset(0).edit_file(id));
    let after = h.list_all("v1/files/", json!({})).await;
    assert_eq!(after.len(), files.len(), "an edit neither adds nor removes");
    assert_eq!(ids(&after), ids(&files));
    assert_eq!(after[0]["_id"], json!(id), "the edited file is the newest");
    assert_eq!(after[0]["createdDate"], victim["createdDate"]);
    assert_eq!(after[0]["name"], victim["name"]);
    assert!(after[0]["modifiedDate"].as_i64() > victim["modifiedDate"].as_i64());
    let fetched = h.get(&format!("v1/files/{id}/")).await.expect(200);
    assert_eq!(fetched["modifiedDate"], after[0]["modifiedDate"]);
}

#[tokio::test]
async fn rule_31_ground_truth_of_hand_made_mutations_on_alerts() {
    let h = moving_clock().await;
    let ds = h.sim.dataset(0);
    let open = json!({"resolutionStatus": {"eq": [0]}});
    let opened = ids(&h.list_all("v1/alerts/", open.clone()).await);
    let closed: Vec<String> = ids(&h
        .list_all("v1/alerts/", json!({"resolutionStatus": {"eq": [3, 4, 5]}}))
        .await)
    .into_iter()
    .collect();
    let mut open_ids = opened.iter();
    let (to_close, to_close_and_reopen) = (open_ids.next().unwrap(), open_ids.next().unwrap());
    let to_reopen = &closed[0];

    let from = tick(&h).await;
    assert!(ds.set_alert_resolution(to_close, 4));
    tick(&h).await;
    assert!(ds.set_alert_resolution(to_close_and_reopen, 3));
    tick(&h).await;
    assert!(ds.set_alert_resolution(to_close_and_reopen, 0));
    assert!(ds.set_alert_resolution(to_reopen, 0));
    let inserted = ds.insert_now(Entity::Alerts).unwrap();
    let to = tick(&h).await;

    let truth = h.sim.ground_truth(0, Entity::Alerts, &open, from, to);
    let untouched: BTreeSet<String> = opened
        .iter()
        .filter(|i| *i != to_close && *i != to_close_and_reopen)
        .cloned()
        .collect();
    assert!(untouched.is_subset(&truth.stable));
    for changed in [to_close, to_close_and_reopen, to_reopen] {
        assert!(!truth.stable.contains(changed), "{changed} changed");
        assert!(
            truth.ever.contains(changed),
            "{changed} was open for a while"
        );
    }
    let new_is_open = h.get(&format!("v1/alerts/{inserted}/")).await.expect(200)
        ["resolutionStatusValue"]
        == json!(0);
    assert_eq!(truth.ever.contains(&inserted), new_is_open);
    assert!(
        !truth.stable.contains(&inserted),
        "it did not exist at the start"
    );
    assert_eq!(
        truth.stable.len(),
        untouched.len(),
        "nothing else is stable"
    );

    // Before the mutations the interval sees the alerts as they were: all stable.
    let before = h
        .sim
        .ground_truth(0, Entity::Alerts, &open, from - 10, from - 1);
    assert_eq!(before.stable, opened);
    assert_eq!(before.ever, opened);
    // The control endpoint answers the same.
    let over_http = h
        .post_control(
            "ground_truth",
            json!({"tenant": 0, "entity": "alerts", "filters": open, "from_ms": from, "to_ms": to}),
        )
        .await;
    let stable: BTreeSet<String> = serde_json::from_value(over_http["stable"].clone()).unwrap();
    assert_eq!(stable, truth.stable);
}

#[tokio::test]
async fn rule_31_ground_truth_of_hand_made_mutations_on_files() {
    let h = moving_clock().await;
    let ds = h.sim.dataset(0);
    let docs = json!({"fileType": {"eq": [1]}});
    let listed = h.list_all("v1/files/", docs.clone()).await;
    let existing: Vec<&Value> = listed.iter().filter(|f| f["fstat"] == json!(0)).collect();
    let (edited, trashed, deleted) = (
        existing[0]["_id"].as_str().unwrap(),
        existing[1]["_id"].as_str().unwrap(),
        existing[2]["_id"].as_str().unwrap(),
    );
    let old_modified = existing[0]["modifiedDate"].as_i64().unwrap();

    let from = tick(&h).await;
    assert!(ds.edit_file(edited));
    tick(&h).await;
    assert!(ds.set_file_status(trashed, 1));
    tick(&h).await;
    assert!(ds.set_file_status(deleted, 2));
    let to = tick(&h).await;

    // Documents: an edit or a trash keeps a document a document; a deleted one leaves the list.
    let truth = h.sim.ground_truth(0, Entity::Files, &docs, from, to);
    assert!(truth.stable.contains(edited));
    assert!(truth.stable.contains(trashed));
    assert!(!truth.stable.contains(deleted) && truth.ever.contains(deleted));
    assert_eq!(truth.stable.len(), listed.len() - 1);
    // With deleted files allowed, the deleted one stays.
    let with_deleted = json!({"fileType": {"eq": [1]}, "allowDeleted": {"eq": true}});
    let truth = h
        .sim
        .ground_truth(0, Entity::Files, &with_deleted, from, to);
    assert!(truth.stable.contains(deleted));
    // Not trashed: the trashed one matched only until it was trashed.
    let not_trashed = json!({"fileType": {"eq": [1]}, "trashed": {"eq": false}});
    let truth = h.sim.ground_truth(0, Entity::Files, &not_trashed, from, to);
    assert!(!truth.stable.contains(trashed) && truth.ever.contains(trashed));
    assert!(truth.stable.contains(edited));
    // Modified at or before its old date: the edited file matched only until the edit.
    let old = json!({"fileType": {"eq": [1]}, "modifiedDate": {"lte": old_modified}});
    let truth = h.sim.ground_truth(0, Entity::Files, &old, from, to);
    assert!(!truth.stable.contains(edited) && truth.ever.contains(edited));
    // Modified since the pull started: only the edited file, and only after the edit.
    let new = json!({"modifiedDate": {"gte": from}});
    let truth = h.sim.ground_truth(0, Entity::Files, &new, from, to);
    assert_eq!(truth.ever, set(&[edited]));
    assert!(truth.stable.is_empty());
}

#[tokio::test]
async fn rule_31_ground_truth_of_an_entity_status_change() {
    let h = moving_clock().await;
    let ds = h.sim.dataset(0);
    let entities = h.list_all("v1/entities/", json!({})).await;
    let victim = &entities[entities.len() / 2];
    let id = victim["_id"].as_str().unwrap();
    let status = victim["status"].as_i64().unwrap();
    let next = (status + 1) % 5;
    let same = json!({"status": {"eq": [status.to_string()]}});
    let matching = ids(&h.list_all("v1/entities/", same.clone()).await);
    assert!(matching.contains(id));

    let from = tick(&h).await;
    assert!(ds.set_entity_status(id, next));
    let to = tick(&h).await;
    let truth = h.sim.ground_truth(0, Entity::Entities, &same, from, to);
    assert!(!truth.stable.contains(id) && truth.ever.contains(id));
    assert_eq!(truth.stable.len(), matching.len() - 1);
    // It moved to the head with `lastSeen` now and the same `_id`, listed once.
    let after = h.list_all("v1/entities/", json!({})).await;
    assert_eq!(ids(&after), ids(&entities));
    assert_eq!(after[0]["_id"], json!(id));
    assert_eq!(after[0]["status"], json!(next));
    assert!(after[0]["lastSeen"].as_str() > victim["lastSeen"].as_str());
    let truth = h.sim.ground_truth(
        0,
        Entity::Entities,
        &json!({"status": {"eq": [next.to_string()]}}),
        from,
        to,
    );
    assert!(!truth.stable.contains(id) && truth.ever.contains(id));
}

#[tokio::test]
async fn rule_31_ground_truth_of_activities_inserted_during_the_interval() {
    let h = moving_clock().await;
    let ds = h.sim.dataset(0);
    let all = ids(&h
        .list_all("v1/activities/", json!({"date": {"gte_ndays": 1}}))
        .await);
    let from = tick(&h).await;
    tick(&h).await;
    let new = ds.insert_now(Entity::Activities).unwrap();
    let to = tick(&h).await;
    let truth = h.sim.ground_truth(
        0,
        Entity::Activities,
        &json!({"date": {"gte_ndays": 1}}),
        from,
        to,
    );
    let missing: Vec<_> = all.difference(&truth.stable).collect();
    let extra: Vec<_> = truth.stable.difference(&all).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?} extra {extra:?} of {}",
        all.len()
    );
    let mut ever = all.clone();
    ever.insert(new);
    assert_eq!(truth.ever, ever);
}

#[tokio::test]
async fn rule_39_an_empty_close_filter_closes_every_alert_it_matches() {
    let h = Harness::start().await;
    let open = h
        .list_all("v1/alerts/", json!({"resolutionStatus": {"eq": [0]}}))
        .await;
    assert!(!open.is_empty());
    let reply = h
        .post("v1/alerts/close_benign/", json!({"filters": {}}))
        .await
        .expect(200);
    assert_eq!(
        reply["closed_benign"].as_u64(),
        Some(h.sim.dataset(0).count(Entity::Alerts))
    );
    assert!(h
        .list_all("v1/alerts/", json!({"resolutionStatus": {"eq": [0]}}))
        .await
        .is_empty());
}

#[tokio::test]
async fn live_mode_is_driven_from_the_control_endpoint() {
    let h = Harness::start().await;
    assert_eq!(h.get_control("live").await, Value::Null);
    let set = h
        .post_control("live", json!({"rate": 500, "clock_speed": 10}))
        .await;
    assert_eq!(set, json!({"rate": 500.0, "clock_speed": 10.0}));
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.get_control("clock?tenant=0").await["mutations"].as_u64() == Some(0) {
        assert!(Instant::now() < deadline, "no mutation within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(h.post_control("live", json!({})).await, Value::Null);
    assert_eq!(h.sim.live(), None);
    let bad = h.post_control_raw("live", json!({"rate": -1})).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}
