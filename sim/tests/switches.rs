//! docs/api.md §16 rules 32–38: every server behaviour switch changes the wire exactly as `Behaviour`
//! documents it, seen over real loopback HTTP; and a keyset pull of alerts while the mutator runs
//! agrees with the simulator's ground truth (rule 31).

mod common;

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use common::{id_of, ids, Auth, Body, Harness, Reply};
use mdca_sim::data::Entity;
use mdca_sim::{Behaviour, DeepFiles, LiveConfig, ScanCursor, ThrottleConfig};
use reqwest::Method;
use serde_json::{json, Value};

/// A harness with these switches in force.
async fn with(b: Behaviour) -> Harness {
    let h = Harness::start().await;
    h.sim.set_behaviour(b);
    h
}

/// A harness with 2,000 activities (four scan pages) and these switches in force.
async fn scanning(b: Behaviour) -> Harness {
    let mut cfg = common::test_config();
    cfg.data.activities = 2_000;
    cfg.behaviour = b;
    Harness::with(cfg).await
}

/// One activity scan request (api.md §4.4) with `filters`, 500 records a page.
async fn scan(h: &Harness, filters: &Value) -> Value {
    h.post(
        "v1/activities/",
        json!({"filters": filters, "isScan": true, "limit": 500}),
    )
    .await
    .expect(200)
}

fn data(page: &Value) -> &Vec<Value> {
    page["data"].as_array().expect("data array")
}

fn ts(record: &Value) -> i64 {
    record["timestamp"].as_i64().expect("timestamp")
}

/// `date.lte` of a cursor.
fn lte(cursor: &Value) -> i64 {
    cursor["date"]["lte"]
        .as_i64()
        .unwrap_or_else(|| panic!("no date.lte in {cursor}"))
}

/// What a scan over `filters` must return: every matching activity, read with every switch off.
async fn expected_scan(h: &Harness, filters: &Value) -> Vec<String> {
    let saved = h.sim.behaviour();
    h.sim.set_behaviour(Behaviour::default());
    let (records, _) = h.scan_activities(filters.clone(), Some(500)).await;
    h.sim.set_behaviour(saved);
    ids(&records)
}

/// The caller's filters for the scan tests: a lower date bound that leaves about 1,600 of the
/// 2,000 activities and all services but one, so that a cursor that drops either shows.
async fn caller_filters(h: &Harness) -> Value {
    let (all, _) = h.scan_activities(json!({}), Some(5000)).await;
    let w = ts(&all[1_600]);
    let app = all[0]["appId"].as_i64().expect("appId");
    json!({"date": {"gte": w}, "service": {"neq": [app]}})
}

/// A scan page is full but for the records sharing the cursor's millisecond, left to the next page.
fn assert_full(page: &Value) {
    let n = data(page).len();
    assert!((490..=500).contains(&n), "{n} records on a full page");
}

/// Follows a scan the way a correct client does whatever the cursor's shape: the caller's filters
/// with the cursor's `date.lte` as the upper bound. Returns the ids and every cursor received.
async fn scan_merging(h: &Harness, caller: &Value) -> (Vec<String>, Vec<Value>) {
    let mut filters = caller.clone();
    let mut got = Vec::new();
    let mut cursors = Vec::new();
    for _ in 0..100 {
        let page = scan(h, &filters).await;
        got.extend(ids(data(&page)));
        if page["hasNext"] != json!(true) {
            assert!(page.get("nextQueryFilters").is_none());
            return (got, cursors);
        }
        let cursor = page["nextQueryFilters"].clone();
        filters = caller.clone();
        filters["date"]["lte"] = json!(lte(&cursor));
        cursors.push(cursor);
    }
    panic!("the scan did not end in 100 pages");
}

#[tokio::test]
async fn rule_32_scan_cursor_caller_and_bound_repeats_the_callers_filters_with_the_cursor_in_date()
{
    let h = scanning(Behaviour::default()).await;
    let caller = caller_filters(&h).await;
    let page = scan(&h, &caller).await;
    let first = data(&page);
    assert_full(&page);
    let cursor = &page["nextQueryFilters"];
    let mut want = caller.clone();
    want["date"]["lte"] = json!(lte(cursor));
    assert_eq!(cursor, &want, "the caller's filters plus date.lte");
    // The cursor is the date of the first record not returned: every record returned is newer.
    assert!(first.iter().all(|r| ts(r) > lte(cursor)));

    // Sent back as is, it reads every match once.
    let (records, _) = h.scan_activities(caller.clone(), Some(500)).await;
    assert_eq!(ids(&records), expected_scan(&h, &caller).await);
    let gte = caller["date"]["gte"].as_i64().unwrap();
    let excluded = &caller["service"]["neq"][0];
    assert!(records
        .iter()
        .all(|r| ts(r) >= gte && r["appId"] != *excluded));
}

#[tokio::test]
async fn rule_32_scan_cursor_bound_only_carries_nothing_but_the_date_bound() {
    let h = scanning(Behaviour {
        scan_cursor: ScanCursor::BoundOnly,
        ..Behaviour::default()
    })
    .await;
    let caller = caller_filters(&h).await;
    let expected = expected_scan(&h, &caller).await;
    let page = scan(&h, &caller).await;
    let cursor = page["nextQueryFilters"].clone();
    assert_eq!(cursor, json!({"date": {"lte": lte(&cursor)}}));
    assert!(data(&page).iter().all(|r| ts(r) > lte(&cursor)));

    // Sent back as is, the caller's service and lower bound are lost: other services and older
    // records come back.
    let next = scan(&h, &cursor).await;
    let excluded = caller["service"]["neq"][0].clone();
    assert!(data(&next).iter().any(|r| r["appId"] == excluded));
    // Merged with the caller's filters, the cursor reads exactly the matches.
    let (got, cursors) = scan_merging(&h, &caller).await;
    assert_eq!(got, expected);
    assert!(cursors.len() >= 2);
    for c in &cursors {
        assert_eq!(c.as_object().unwrap().len(), 1, "only the bound: {c}");
    }
}

#[tokio::test]
async fn rule_32_scan_cursor_same_field_replaces_the_callers_date_object() {
    let h = scanning(Behaviour {
        scan_cursor: ScanCursor::SameField,
        ..Behaviour::default()
    })
    .await;
    let caller = caller_filters(&h).await;
    let expected = expected_scan(&h, &caller).await;
    let page = scan(&h, &caller).await;
    let cursor = page["nextQueryFilters"].clone();
    // The service is repeated, but `date` is the cursor's object alone: the caller's gte is gone.
    let mut want = caller.clone();
    want["date"] = json!({"lte": lte(&cursor)});
    assert_eq!(cursor, want);

    // Sent back as is, the scan runs past the caller's lower bound.
    let gte = caller["date"]["gte"].as_i64().unwrap();
    let (naive, _) = h.scan_activities(cursor.clone(), Some(500)).await;
    assert!(naive.iter().any(|r| ts(r) < gte));
    // Merged per operator, it reads exactly the matches.
    let (got, _) = scan_merging(&h, &caller).await;
    assert_eq!(got, expected);
}

#[tokio::test]
async fn rule_33_scan_missing_cursor_says_has_next_without_next_query_filters() {
    let h = scanning(Behaviour {
        scan_missing_cursor: true,
        ..Behaviour::default()
    })
    .await;
    let caller = caller_filters(&h).await;
    let page = scan(&h, &caller).await;
    assert_full(&page);
    assert_eq!(page["hasNext"], json!(true));
    assert!(
        page.get("nextQueryFilters").is_none(),
        "{:?}",
        page.get("nextQueryFilters")
    );
    // A final page is still final.
    let last = ts(&data(&page)[0]);
    let one_page = json!({"date": {"gte": last - 1}});
    let page = scan(&h, &one_page).await;
    assert!(!data(&page).is_empty() && data(&page).len() < 500);
    assert_eq!(page["hasNext"], json!(false));
    assert!(page.get("nextQueryFilters").is_none());
}

#[tokio::test]
async fn rule_33_scan_empty_pages_carry_a_cursor_that_advances_and_following_them_reads_everything()
{
    let h = scanning(Behaviour {
        scan_empty_pages: true,
        ..Behaviour::default()
    })
    .await;
    let expected = expected_scan(&h, &json!({})).await;
    assert_eq!(expected.len(), 2_000);
    let mut filters = json!({});
    let mut got = Vec::new();
    let (mut empty, mut calls) = (0, 0);
    let mut previous: Option<i64> = None;
    loop {
        calls += 1;
        assert!(calls <= 100, "the scan does not end");
        let page = scan(&h, &filters).await;
        let records = data(&page);
        if page["hasNext"] != json!(true) {
            assert!(page.get("nextQueryFilters").is_none());
            got.extend(ids(records));
            break;
        }
        let cursor = page["nextQueryFilters"].clone();
        // Every cursor advances, empty page or not, and no record returned is above it.
        if let Some(p) = previous {
            assert!(lte(&cursor) < p, "cursor {} after {p}", lte(&cursor));
        }
        assert!(records.iter().all(|r| ts(r) > lte(&cursor)));
        if records.is_empty() {
            empty += 1;
        }
        got.extend(ids(records));
        previous = Some(lte(&cursor));
        filters = cursor;
    }
    assert!(empty >= 2, "{empty} empty pages in {calls} calls");
    assert_eq!(got, expected, "every record once, in order");
}

#[tokio::test]
async fn rule_33_scan_cursor_repeats_gives_the_request_its_own_cursor_and_page_back() {
    let h = scanning(Behaviour {
        scan_cursor_repeats: true,
        ..Behaviour::default()
    })
    .await;
    let first = scan(&h, &json!({})).await;
    let cursor = first["nextQueryFilters"].clone();
    assert_eq!(
        cursor,
        json!({"date": {"lte": lte(&cursor)}}),
        "the first cursor is real"
    );
    let second = scan(&h, &cursor).await;
    assert_eq!(second["hasNext"], json!(true));
    assert_eq!(
        second["nextQueryFilters"], cursor,
        "the cursor comes back unchanged"
    );
    assert_full(&second);
    let third = scan(&h, &cursor).await;
    assert_eq!(third["nextQueryFilters"], cursor);
    assert_eq!(ids(data(&third)), ids(data(&second)), "and the same page");
    // The page itself is the one after the first: nothing lost, nothing repeated.
    let expected = expected_scan(&h, &json!({})).await;
    let read: Vec<String> = ids(data(&first))
        .into_iter()
        .chain(ids(data(&second)))
        .collect();
    assert_eq!(read, expected[..read.len()]);
}

/// Every record of an alert list request (at most 100 records).
async fn alerts_page(h: &Harness, body: Value) -> Vec<Value> {
    let page = h.post("v1/alerts/", body).await.expect(200);
    assert_eq!(page["hasNext"], json!(false), "one page");
    data(&page).clone()
}

#[tokio::test]
async fn rule_34_unstable_ties_reorder_equal_keys_on_each_request_and_keep_the_set() {
    let h = with(Behaviour::default()).await;
    // The 90 newest alerts: one page, with equal dates (one alert in eight shares its neighbour's).
    let all = h.list_all("v1/alerts/", json!({})).await;
    let w = ts(&all[89]);
    let by_date = json!({"filters": {"date": {"gte": w}}, "limit": 100});
    let by_severity = json!({"filters": {"date": {"gte": w}}, "limit": 100, "sortField": "severity", "sortDirection": "asc"});
    // Switched off, the same request gives the same order.
    let stable_date = ids(&alerts_page(&h, by_date.clone()).await);
    assert_eq!(ids(&alerts_page(&h, by_date.clone()).await), stable_date);
    let stable_severity = ids(&alerts_page(&h, by_severity.clone()).await);
    assert_eq!(
        ids(&alerts_page(&h, by_severity.clone()).await),
        stable_severity
    );
    assert!(stable_date.len() >= 90);

    h.sim.set_behaviour(Behaviour {
        unstable_ties: true,
        ..Behaviour::default()
    });
    for (body, stable, key) in [
        (&by_date, &stable_date, "timestamp"),
        (&by_severity, &stable_severity, "severityValue"),
    ] {
        let a = alerts_page(&h, body.clone()).await;
        let b = alerts_page(&h, body.clone()).await;
        let (ia, ib) = (ids(&a), ids(&b));
        assert_ne!(ia, ib, "sorted by {key}: two requests, one order");
        let set = |v: &Vec<String>| v.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(set(&ia), set(&ib));
        assert_eq!(set(&ia), set(stable));
        // Still sorted by the key: only records with equal keys moved.
        for page in [&a, &b] {
            let keys: Vec<i64> = page.iter().map(|r| r[key].as_i64().unwrap()).collect();
            let sorted = if key == "timestamp" {
                keys.windows(2).all(|w| w[0] >= w[1])
            } else {
                keys.windows(2).all(|w| w[0] <= w[1])
            };
            assert!(sorted, "{key} out of order: {keys:?}");
        }
    }
}

/// `total`, `hasNext` and `moreThanTotal` of one page.
async fn envelope(h: &Harness, path: &str, body: Value) -> (u64, bool, bool) {
    let page = h.post(path, body).await.expect(200);
    (
        page["total"].as_u64().expect("total"),
        page["hasNext"].as_bool().expect("hasNext"),
        page["moreThanTotal"].as_bool().expect("moreThanTotal"),
    )
}

#[tokio::test]
async fn rule_35_approximate_total_is_off_by_one_to_three_on_every_entity() {
    let h = with(Behaviour::default()).await;
    let lists = [
        "v1/activities/",
        "v1/alerts/",
        "v1/files/",
        "v1/entities/",
        "v1/subnet/",
    ];
    let bodies = |skip: u64| json!({"filters": {}, "skip": skip, "limit": 5});
    let mut exact = Vec::new();
    for path in lists {
        for skip in [0, 5] {
            let (total, more, over) = envelope(&h, path, bodies(skip)).await;
            assert!(!over, "{path}: an exact total is never below the count");
            exact.push((path, skip, total, more));
        }
    }
    h.sim.set_behaviour(Behaviour {
        approximate_total: true,
        ..Behaviour::default()
    });
    let (mut below, mut above) = (0, 0);
    for (path, skip, total, more) in exact {
        let (reported, has_next, over) = envelope(&h, path, bodies(skip)).await;
        let off = reported as i64 - total as i64;
        assert!(
            (1..=3).contains(&off.abs()),
            "{path} skip {skip}: {reported} for {total}"
        );
        assert_eq!(over, reported < total, "{path}: moreThanTotal when below");
        assert_eq!(has_next, more, "{path}: hasNext stays exact");
        if off < 0 {
            below += 1;
        } else {
            above += 1;
        }
    }
    assert!(below > 0 && above > 0, "{below} below, {above} above");
}

#[tokio::test]
async fn rule_35_has_next_wrong_is_false_one_page_early_or_true_one_page_late_and_nothing_else() {
    let h = with(Behaviour {
        has_next_wrong: true,
        ..Behaviour::default()
    })
    .await;
    const LIMIT: u64 = 25;
    let (mut early, mut late) = (0, 0);
    for file_type in 0..7 {
        for trashed in [json!(true), json!(false)] {
            let filters = json!({"fileType": {"eq": [file_type]}, "trashed": {"eq": trashed}});
            let mut skip = 0;
            loop {
                let body = json!({"filters": filters, "skip": skip, "limit": LIMIT});
                let page = h.post("v1/files/", body).await.expect(200);
                let len = data(&page).len() as u64;
                let total = page["total"].as_u64().unwrap();
                let has_next = page["hasNext"].as_bool().unwrap();
                let truth = skip + len < total;
                if has_next != truth {
                    if truth {
                        // The page before the last: one more page remains.
                        assert!(
                            skip + len + LIMIT >= total,
                            "{filters} skip {skip}: early by more than a page"
                        );
                        early += 1;
                    } else {
                        // The last page: the next one is empty and says so.
                        assert!(len > 0, "{filters} skip {skip}: hasNext on an empty page");
                        late += 1;
                        let body = json!({"filters": filters, "skip": skip + len, "limit": LIMIT});
                        let after = h.post("v1/files/", body).await.expect(200);
                        assert!(data(&after).is_empty());
                        assert_eq!(after["hasNext"], json!(false), "late by more than a page");
                    }
                }
                if len == 0 || !truth {
                    break;
                }
                skip += len;
            }
        }
    }
    assert!(early > 0 && late > 0, "{early} early, {late} late");
}

fn throttled(requests: u32) -> mdca_sim::SimConfig {
    let mut cfg = common::test_config();
    cfg.throttle = ThrottleConfig {
        requests,
        window: Duration::from_secs(60),
        retry_after_header: true,
    };
    cfg
}

/// The wait the 429 message names, in seconds (api.md §12).
fn announced_wait(reply: &Reply) -> u64 {
    let body = reply.expect(429);
    let message = body["error"]["message"].as_str().expect("error.message");
    message
        .strip_prefix("Request was throttled. Expected available in ")
        .and_then(|rest| rest.strip_suffix(" seconds."))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected throttle message {message:?}"))
}

#[tokio::test]
async fn rule_36_throttle_retry_after_off_sends_429_without_the_header_and_names_the_wait() {
    let h = Harness::with(throttled(3)).await;
    for _ in 0..3 {
        h.get("v1/alerts/").await.expect(200);
    }
    let with_header = h.get("v1/alerts/").await;
    let wait = announced_wait(&with_header);
    assert_eq!(
        with_header.header("retry-after"),
        Some(wait.to_string().as_str())
    );

    h.sim.set_behaviour(Behaviour {
        throttle_retry_after: false,
        ..Behaviour::default()
    });
    let without = h.get("v1/alerts/").await;
    let wait = announced_wait(&without);
    assert!((1..=60).contains(&wait), "{wait} s");
    assert_eq!(without.header("retry-after"), None);
}

/// A 400, a 401, a 403 and a 404, each admitted by the throttle.
async fn rejected(h: &Harness) {
    let admin = h.admin();
    let reader = h.sim.reader_token();
    let url = h.api("v1/alerts/");
    let bad = json!({"filters": {"nope": {"eq": [1]}}});
    let r = h
        .send(Method::POST, &url, Auth::Token(&admin), Body::Json(bad))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = h
        .send(Method::GET, &url, Auth::Token("0123"), Body::None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let close = h.api("v1/alerts/close_benign/");
    let body = json!({"filters": {"id": {"eq": ["0"]}}});
    let r = h
        .send(Method::POST, &close, Auth::Token(&reader), Body::Json(body))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let missing = h.api("v1/alerts/000000000000000000000000/");
    let r = h
        .send(Method::GET, &missing, Auth::Token(&admin), Body::None)
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn rule_37_throttle_counts_rejected_on_spends_the_window_and_off_gives_it_back() {
    let h = Harness::with(throttled(4)).await;
    assert!(h.sim.behaviour().throttle_counts_rejected, "on by default");
    rejected(&h).await;
    announced_wait(&h.get("v1/alerts/").await);

    h.sim.reset_throttle();
    h.sim.set_behaviour(Behaviour {
        throttle_counts_rejected: false,
        ..Behaviour::default()
    });
    for _ in 0..3 {
        rejected(&h).await;
    }
    for _ in 0..4 {
        h.get("v1/alerts/").await.expect(200);
    }
    announced_wait(&h.get("v1/alerts/").await);
}

#[tokio::test]
async fn rule_38_deep_files_pages_are_slow_and_every_kth_answers_500_or_504_as_html() {
    let h = Harness::start().await;
    let files = |skip: u64| json!({"filters": {}, "skip": skip, "limit": 100});
    // Shallow pages never wait: with a minute's delay, a 10 s client timeout would fire.
    h.sim.set_behaviour(Behaviour {
        deep_files: Some(DeepFiles {
            from_skip: 200,
            delay_ms: 60_000,
            html_5xx_every: 0,
        }),
        ..Behaviour::default()
    });
    let quick = common::http_client(Duration::from_secs(10));
    let token = h.admin();
    for skip in [0, 100, 199] {
        let r = h
            .try_send(
                &quick,
                Method::POST,
                &h.api("v1/files/"),
                Auth::Token(&token),
                Body::Json(files(skip)),
            )
            .await
            .expect("a shallow page answers at once");
        assert_eq!(r.status, 200);
    }

    const DELAY: u64 = 150;
    h.sim.set_behaviour(Behaviour {
        deep_files: Some(DeepFiles {
            from_skip: 200,
            delay_ms: DELAY,
            html_5xx_every: 2,
        }),
        ..Behaviour::default()
    });
    let mut statuses = Vec::new();
    for k in 0..4 {
        let started = Instant::now();
        let r = h.post("v1/files/", files(200 + 50 * (k % 2))).await;
        assert!(
            started.elapsed() >= Duration::from_millis(DELAY),
            "a deep page waits"
        );
        if r.status == 200 {
            assert!(!data(&r.json()).is_empty());
        } else {
            assert!(
                r.content_type().starts_with("text/html"),
                "{}",
                r.content_type()
            );
            assert!(
                r.text.contains("<html>") && r.text.contains(&r.status.to_string()),
                "{}",
                r.text
            );
        }
        statuses.push(r.status);
        // Shallow pages in between neither wait nor count.
        h.post("v1/files/", files(0)).await.expect(200);
    }
    assert_eq!(statuses, [200, 500, 200, 504]);
}

#[tokio::test]
async fn rule_31_a_keyset_pull_of_alerts_while_the_mutator_runs_agrees_with_the_ground_truth() {
    let h = Harness::start().await;
    h.sim.set_live(Some(LiveConfig {
        rate: 1_000.0,
        clock_speed: 60.0,
    }));
    let open = json!({"resolutionStatus": {"eq": [0]}});
    let from = h.sim.now_ms(0);
    let mut seen: HashSet<String> = HashSet::new();
    let mut w = 0i64;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages < 1_000, "the pull does not end");
        let mut filters = open.clone();
        filters["date"] = json!({"gte": w});
        let body = json!({"filters": filters, "sortField": "date", "sortDirection": "asc", "skip": 0, "limit": 10});
        let page = h.post("v1/alerts/", body).await.expect(200);
        let records = data(&page);
        for r in records {
            assert!(ts(r) >= w, "{} below the bound {w}", ts(r));
            assert_eq!(r["resolutionStatusValue"], json!(0), "{r}");
            seen.insert(id_of(r));
        }
        if records.len() < 10 {
            break;
        }
        let last = ts(records.last().unwrap());
        assert!(last > w, "ten alerts share {w}");
        w = last;
        // Let the tenant change under the pull.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let to = h.sim.now_ms(0);
    h.sim.set_live(None);

    let truth = h.sim.ground_truth(0, Entity::Alerts, &open, from, to);
    let missing: Vec<_> = truth
        .stable
        .iter()
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "stable alerts never returned: {missing:?}"
    );
    let outside: Vec<_> = seen.iter().filter(|id| !truth.ever.contains(*id)).collect();
    assert!(
        outside.is_empty(),
        "returned, never open during the pull: {outside:?}"
    );
    // The tenant did change under the pull, so the check is not the static case.
    let journal = h.sim.dataset(0).journal();
    let changed = |kind| {
        journal.iter().any(|m| {
            m.entity == Entity::Alerts && m.kind == kind && m.at_ms > from && m.at_ms <= to
        })
    };
    assert!(
        changed(mdca_sim::MutationKind::Close),
        "no alert closed during the pull"
    );
    assert!(
        changed(mdca_sim::MutationKind::Insert),
        "no alert inserted during the pull"
    );
    assert!(truth.stable.len() < truth.ever.len());
}

#[tokio::test]
async fn keyset_pages_sorted_on_created_date_are_the_pages_of_a_full_sort() {
    let h = Harness::start().await;
    // Record order (newest modifiedDate first) breaks ties, in both directions.
    let all = h.list_all("v1/files/", json!({})).await;
    let created = |r: &Value| r["createdDate"].as_i64().expect("createdDate");
    let w = created(&all[all.len() / 3]);
    for (dir, bound) in [("asc", "gte"), ("desc", "lte")] {
        let mut want: Vec<&Value> = all
            .iter()
            .filter(|r| match bound {
                "gte" => created(r) >= w,
                _ => created(r) <= w,
            })
            .collect();
        want.sort_by_key(|r| {
            if dir == "asc" {
                created(r)
            } else {
                -created(r)
            }
        });
        for skip in [0, 30, want.len() - 10] {
            let body = json!({"filters": {"createdDate": {bound: w}}, "sortField": "createdDate",
                              "sortDirection": dir, "skip": skip, "limit": 30});
            let page = h.post("v1/files/", body).await.expect(200);
            assert_eq!(page["total"], json!(want.len()), "{dir} {bound}");
            let expected: Vec<String> = want.iter().skip(skip).take(30).map(|r| id_of(r)).collect();
            assert_eq!(ids(data(&page)), expected, "{dir} from {skip}");
        }
    }
}
