//! docs/api.md §14 rules 10–16: list envelopes, limits, paging, the activity scan mode, approximate
//! totals; and inserts at the head while a client pages.

mod common;

use std::collections::HashSet;

use common::{ids, Harness};
use mdca_sim::data::Entity;
use serde_json::{json, Value};

/// The date field each list sorts on by default (api.md §6, §7: `date` filters these).
fn date_of(record: &Value) -> i64 {
    record["timestamp"]
        .as_i64()
        .unwrap_or_else(|| panic!("record without an integer timestamp: {record}"))
}

fn data(page: &Value) -> &Vec<Value> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data array: {page}"))
}

#[tokio::test]
async fn rule_10_omitted_limit_gives_100_records_larger_limits_are_capped_and_max_echoes_the_page_size(
) {
    let mut cfg = common::test_config();
    cfg.data.entities = 300;
    let h = Harness::with(cfg).await;
    for list in ["v1/activities/", "v1/alerts/", "v1/files/", "v1/entities/"] {
        let default = h.post(list, json!({})).await.expect(200);
        assert_eq!(data(&default).len(), 100, "{list}: omitted limit");
        assert_eq!(default["max"], json!(100), "{list}");

        let capped = h.post(list, json!({"limit": 500})).await.expect(200);
        assert_eq!(data(&capped).len(), 100, "{list}: limit 500");
        assert_eq!(capped["max"], json!(100), "{list}");

        let small = h.post(list, json!({"limit": 7})).await.expect(200);
        assert_eq!(data(&small).len(), 7, "{list}: limit 7");
        assert_eq!(small["max"], json!(7), "{list}");

        // A GET with no body at all is a default list request too.
        let get = h.get(list).await.expect(200);
        assert_eq!(data(&get).len(), 100, "{list}: GET without parameters");
    }
}

#[tokio::test]
async fn rule_11_list_envelopes_carry_data_total_and_has_next_true_iff_more_records_remain() {
    let h = Harness::start().await;
    for (list, entity) in [
        ("v1/activities/", Entity::Activities),
        ("v1/alerts/", Entity::Alerts),
        ("v1/files/", Entity::Files),
        ("v1/entities/", Entity::Entities),
        ("v1/subnet/", Entity::Subnets),
    ] {
        let count = h.sim.dataset(0).count(entity);
        assert!(count > 0, "{list}: empty dataset");
        let extra_keys: &[&str] = if matches!(entity, Entity::Alerts | Entity::Entities) {
            &["max", "moreThanTotal"]
        } else {
            &[]
        };
        let limit = if count > 100 { 100 } else { count.div_ceil(2) };
        // Files hide deleted records unless asked (rule 20); count them all here.
        let filters = if entity == Entity::Files {
            json!({"allowDeleted": {"eq": true}})
        } else {
            json!({})
        };
        // The first page, a middle page, the exact last page, and a skip past the end.
        for skip in [0, limit, (count - 1) / limit * limit, count + 5] {
            let page = h
                .post(
                    list,
                    json!({"filters": filters, "skip": skip, "limit": limit}),
                )
                .await
                .expect(200);
            for key in ["data", "total", "hasNext"].iter().chain(extra_keys) {
                assert!(page.get(*key).is_some(), "{list}: no `{key}` in {page}");
            }
            let total = page["total"].as_u64().expect("integer total");
            assert_eq!(total, count, "{list}: total");
            let len = data(&page).len() as u64;
            assert_eq!(
                len,
                count.saturating_sub(skip).min(limit),
                "{list} skip {skip}"
            );
            assert_eq!(
                page["hasNext"],
                json!(skip + len < total),
                "{list} skip {skip}: hasNext"
            );
            if extra_keys.contains(&"moreThanTotal") {
                assert_eq!(page["moreThanTotal"], json!(false), "{list}");
            }
            assert!(
                page.get("nextQueryFilters").is_none(),
                "{list}: nextQueryFilters outside scan mode"
            );
        }
    }
}

#[tokio::test]
async fn rule_12_skip_limit_paging_is_stable_for_a_sort_and_defaults_to_date_descending() {
    // Pages of 7 over every list: keep the activities few.
    let mut cfg = common::test_config();
    cfg.data.activities = 600;
    let h = Harness::with(cfg).await;
    for list in [
        "v1/activities/",
        "v1/alerts/",
        "v1/files/",
        "v1/entities/",
        "v1/subnet/",
    ] {
        let all = h.list_all(list, json!({})).await;
        let all_ids = ids(&all);
        let unique: HashSet<&String> = all_ids.iter().collect();
        assert_eq!(unique.len(), all_ids.len(), "{list}: a record repeats");

        // Paging with another page size walks the very same order.
        let mut walked = Vec::new();
        loop {
            let page = h
                .post(list, json!({"skip": walked.len(), "limit": 7}))
                .await
                .expect(200);
            let page_ids = ids(data(&page));
            let done = page["hasNext"] == json!(false) || page_ids.is_empty();
            walked.extend(page_ids);
            if done {
                break;
            }
        }
        assert_eq!(
            walked, all_ids,
            "{list}: pages of 7 differ from pages of 100"
        );
    }

    // Default order: date descending; explicit ascending is the exact reverse.
    for list in ["v1/activities/", "v1/alerts/"] {
        let default = h.list_all(list, json!({})).await;
        let dates: Vec<i64> = default.iter().map(date_of).collect();
        assert!(
            dates.windows(2).all(|w| w[0] >= w[1]),
            "{list}: default order is not date descending"
        );
        let explicit = h
            .post(
                list,
                json!({"sortField": "date", "sortDirection": "desc", "limit": 50}),
            )
            .await
            .expect(200);
        assert_eq!(ids(data(&explicit)), ids(&default[..50]), "{list}");
        let asc = h
            .post(
                list,
                json!({"sortField": "date", "sortDirection": "asc", "limit": 50}),
            )
            .await
            .expect(200);
        let asc_dates: Vec<i64> = data(&asc).iter().map(date_of).collect();
        assert!(asc_dates.windows(2).all(|w| w[0] <= w[1]), "{list}: asc");
        assert_eq!(
            asc_dates[0],
            *dates.last().unwrap(),
            "{list}: asc starts at the oldest"
        );
    }
}

#[tokio::test]
async fn rule_13_activity_scan_follows_next_query_filters_and_drops_records_sharing_the_cursor_timestamp(
) {
    let mut cfg = common::test_config();
    cfg.data.activities = 3_000;
    let h = Harness::with(cfg).await;

    // limit is clamped to 500..5000 and defaults to 500.
    for (limit, want) in [
        (None, 500),
        (Some(10), 500),
        (Some(700), 700),
        (Some(9000), 3000),
    ] {
        let mut body = json!({"isScan": true});
        if let Some(l) = limit {
            body["limit"] = json!(l);
        }
        let page = h.post("v1/activities/", body).await.expect(200);
        let len = data(&page).len();
        // A non-final page may be a few records short: those sharing the cursor timestamp.
        assert!(
            len <= want && len + 50 >= want,
            "limit {limit:?}: {len} records, expected about {want}"
        );
        assert_eq!(page["hasNext"], json!(want < 3000), "limit {limit:?}");
    }

    // The caller's filters travel inside nextQueryFilters, next to a date cursor.
    let service = h
        .post("v1/activities/", json!({"limit": 1}))
        .await
        .expect(200)["data"][0]["appId"]
        .clone();
    let user_filter = json!({"service": {"eq": [service]}});
    let first = h
        .post(
            "v1/activities/",
            json!({"filters": user_filter, "isScan": true, "limit": 500}),
        )
        .await
        .expect(200);
    let next = first["nextQueryFilters"].clone();
    assert!(next.is_object(), "no nextQueryFilters: {first}");
    assert_eq!(next["service"], user_filter["service"], "{next}");
    assert!(next["date"]["lte"].is_i64(), "no date cursor in {next}");

    // Walk the scan. No record of a page shares the cursor timestamp (those were dropped), the
    // next page starts with them, and so pages never overlap.
    let mut filters = json!({});
    let mut seen = HashSet::new();
    let mut cursor: Option<i64> = None;
    let mut short_pages = 0;
    loop {
        let page = h
            .post(
                "v1/activities/",
                json!({"filters": filters, "isScan": true, "limit": 500}),
            )
            .await
            .expect(200);
        let records = data(&page);
        let dates: Vec<i64> = records.iter().map(date_of).collect();
        if let Some(c) = cursor {
            assert_eq!(
                dates.first(),
                Some(&c),
                "the page after a cursor starts at it"
            );
            assert!(
                dates.iter().all(|d| *d <= c),
                "a record newer than the cursor"
            );
        }
        for r in records {
            assert!(seen.insert(common::id_of(r)), "record returned twice");
        }
        if page["hasNext"] == json!(true) {
            if records.len() < 500 {
                short_pages += 1;
            }
            filters = page["nextQueryFilters"].clone();
            let c = filters["date"]["lte"]
                .as_i64()
                .unwrap_or_else(|| panic!("hasNext without a date cursor: {page}"));
            assert!(
                dates.iter().all(|d| *d > c),
                "a record sharing the cursor timestamp {c} was kept"
            );
            cursor = Some(c);
        } else {
            assert!(
                page.get("nextQueryFilters").is_none(),
                "last page has nextQueryFilters"
            );
            break;
        }
    }
    assert_eq!(seen.len(), 3000, "the scan lost records");
    assert!(short_pages > 0, "no page was ever shortened at its cursor");
}

#[tokio::test]
async fn rule_14_alerts_and_files_ignore_is_scan_and_never_return_next_query_filters() {
    let h = Harness::start().await;
    for list in ["v1/alerts/", "v1/files/"] {
        let mut seen = Vec::new();
        loop {
            let page = h
                .post(
                    list,
                    json!({"isScan": true, "limit": 1000, "skip": seen.len()}),
                )
                .await
                .expect(200);
            assert!(
                page.get("nextQueryFilters").is_none(),
                "{list}: nextQueryFilters in {page}"
            );
            let records = data(&page);
            assert!(records.len() <= 100, "{list}: isScan lifted the 100 cap");
            seen.extend(ids(records));
            if page["hasNext"] != json!(true) || records.is_empty() {
                break;
            }
        }
        let all = ids(&h.list_all(list, json!({})).await);
        assert_eq!(
            seen, all,
            "{list}: skip/limit with isScan walks the plain order"
        );
        assert!(seen.len() > 100, "{list}: the walk needed several pages");
    }
}

#[tokio::test]
async fn rule_15_activities_outside_scan_mode_reject_skip_plus_limit_above_5000() {
    let mut cfg = common::test_config();
    cfg.data.activities = 6_000;
    let h = Harness::with(cfg).await;
    let ok = h
        .post("v1/activities/", json!({"skip": 4900, "limit": 100}))
        .await
        .expect(200);
    assert_eq!(data(&ok).len(), 100);
    for (skip, limit) in [(4901, 100), (5000, 1), (10_000, 10)] {
        let reply = h
            .post("v1/activities/", json!({"skip": skip, "limit": limit}))
            .await;
        let body = reply.expect(400);
        let value = (skip + limit).to_string();
        assert_eq!(
            body,
            json!({
                "filters": [{
                    "error": format!("{value} is not valid"),
                    "errorMessageCode": "CONSOLE_FORMS_NOT_VALID_VALUE",
                    "errorMessageParams": {"value": value},
                }],
                "error": true,
            }),
            "skip {skip} limit {limit}"
        );
    }
    // Scan mode is how a client goes past 5000.
    let scan = h
        .post("v1/activities/", json!({"isScan": true, "limit": 5000}))
        .await
        .expect(200);
    assert!(data(&scan).len() > 4900);
    // The guard is specific to activities.
    h.post("v1/alerts/", json!({"skip": 5000, "limit": 100}))
        .await
        .expect(200);
}

#[tokio::test]
async fn rule_16_a_switch_makes_activity_total_approximate_while_has_next_stays_exact() {
    let h = Harness::start().await;
    let exact = h.sim.dataset(0).count(Entity::Activities);
    let page = h
        .post("v1/activities/", json!({"limit": 1}))
        .await
        .expect(200);
    assert_eq!(page["total"], json!(exact));

    h.sim.set_approximate_total(true);
    let mut totals = HashSet::new();
    for skip in [0, 100, 200, 300, 400] {
        let page = h
            .post("v1/activities/", json!({"skip": skip, "limit": 100}))
            .await
            .expect(200);
        let total = page["total"].as_u64().expect("total");
        // `moreThanTotal` flags a total reported below the true count.
        assert_eq!(
            page["moreThanTotal"],
            json!(total < exact),
            "{total} vs {exact}"
        );
        totals.insert(total);
    }
    assert!(
        totals.iter().any(|t| *t != exact),
        "approximate totals all equal the exact count: {totals:?}"
    );
    assert!(
        totals.iter().all(|t| t.abs_diff(exact) <= 10),
        "approximate totals are off by more than a few: {totals:?} vs {exact}"
    );
    // A client that stops on hasNext / empty data still gets every record exactly once.
    let mut walked = Vec::new();
    loop {
        let page = h
            .post(
                "v1/activities/",
                json!({"skip": walked.len(), "limit": 100}),
            )
            .await
            .expect(200);
        let records = data(&page);
        let done = page["hasNext"] != json!(true) || records.is_empty();
        walked.extend(ids(records));
        if done || walked.len() >= 5000 {
            break;
        }
    }
    assert_eq!(walked.len() as u64, exact.min(5000));

    h.sim.set_approximate_total(false);
    let page = h
        .post("v1/activities/", json!({"limit": 1}))
        .await
        .expect(200);
    assert_eq!(page["total"], json!(exact));
}

#[tokio::test]
async fn inserts_at_the_head_while_paging_shift_skip_pages_but_not_an_activity_scan() {
    let h = Harness::start().await;
    let before = h.list_all("v1/alerts/", json!({})).await;
    let first = h
        .post("v1/alerts/", json!({"skip": 0, "limit": 50}))
        .await
        .expect(200);
    assert_eq!(ids(data(&first)), ids(&before[..50]));

    // Three new alerts arrive at the head between two pages.
    let reply = h
        .send(
            reqwest::Method::POST,
            &h.url("_sim/insert"),
            common::Auth::None,
            common::Body::Json(json!({"entity": "alerts", "count": 3})),
        )
        .await;
    assert!((200..300).contains(&reply.status), "{}", reply.text);
    let second = h
        .post("v1/alerts/", json!({"skip": 50, "limit": 50}))
        .await
        .expect(200);
    assert_eq!(
        second["total"],
        json!(before.len() + 3),
        "total counts the inserted alerts"
    );
    // skip-based paging now repeats the last three records of the first page.
    assert_eq!(ids(&data(&second)[..3]), ids(&before[47..50]));
    assert_eq!(ids(&data(&second)[3..]), ids(&before[50..97]));
    let head = h.post("v1/alerts/", json!({"limit": 3})).await.expect(200);
    let new_ids = ids(data(&head));
    assert!(
        new_ids.iter().all(|id| !ids(&before).contains(id)),
        "inserted at the head"
    );

    // An activity scan started before the insert is not disturbed by records newer than its cursor.
    let total = h.sim.dataset(0).count(Entity::Activities);
    let page = h
        .post("v1/activities/", json!({"isScan": true, "limit": 500}))
        .await
        .expect(200);
    let mut seen: Vec<String> = ids(data(&page));
    let mut filters = page["nextQueryFilters"].clone();
    h.sim.insert_head(Entity::Activities, 25);
    assert_eq!(h.sim.dataset(0).count(Entity::Activities), total + 25);
    loop {
        let page = h
            .post(
                "v1/activities/",
                json!({"filters": filters, "isScan": true, "limit": 500}),
            )
            .await
            .expect(200);
        seen.extend(ids(data(&page)));
        if page["hasNext"] != json!(true) {
            break;
        }
        filters = page["nextQueryFilters"].clone();
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "the scan repeated a record");
    assert_eq!(
        seen.len() as u64,
        total,
        "the scan saw exactly the records that existed when it began"
    );
}
