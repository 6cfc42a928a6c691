//! The pager fed by hand through `absorb` (the address is never contacted): the strategies wired
//! together, checkpoints and incremental runs.

use std::time::Duration;

use super::*;

#[test]
fn camel_case_aliases_are_accepted_and_unknown_keys_refused() {
    let req =
        QueryRequest::from_json(r#"{"sortField":"date","sortDirection":"asc","pageSize":10}"#)
            .unwrap();
    assert_eq!(req.sort_field.as_deref(), Some("date"));
    assert_eq!(req.sort_direction, Some(SortDirection::Asc));
    assert_eq!(req.page_size, Some(10));
    let err = QueryRequest::from_json(r#"{"limit": 10}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidJson);
}

/// A page of records `r<first>`…, each with `createdDate`/`timestamp` = its number and `modifiedDate`
/// = its number + 1000.
fn page(first: u64, n: u64, has_next: bool) -> Fetched {
    keyed_page((first..first + n).map(|i| (i, i as i64)), has_next, 100)
}

/// Records `first..first + n` with keys falling from 10,000: a newest-first window page.
fn desc_page(first: u64, n: u64, has_next: bool) -> Fetched {
    keyed_page(
        (first..first + n).map(|i| (i, 10_000 - i as i64)),
        has_next,
        100,
    )
}

fn keyed_page(records: impl Iterator<Item = (u64, i64)>, has_next: bool, limit: u32) -> Fetched {
    let records = records.map(|(i, k)| {
        format!(
            r#"{{"_id":"r{i}","timestamp":{k},"createdDate":{k},"modifiedDate":{}}}"#,
            k + 1000
        )
    });
    let text = format!(
        r#"{{"data":[{}],"hasNext":{has_next},"total":1000}}"#,
        records.collect::<Vec<_>>().join(",")
    );
    Fetched {
        page: ListPage::parse(text.as_bytes()).unwrap(),
        meta: CallMeta {
            status: 200,
            attempts: 1,
            throttle_wait: Duration::ZERO,
        },
        limit,
    }
}

fn pager(kind: EntityKind, req: QueryRequest) -> Pager {
    let client = crate::Client::builder("http://127.0.0.1:9")
        .legacy_token("t".repeat(64))
        .build()
        .unwrap();
    Pager::new(client, kind, req, false).unwrap()
}

/// Hands a page to the pager as `next_page` would, counting what it returns.
fn feed(pager: &mut Pager, fetched: Fetched) -> Result<Page> {
    let page = pager.absorb(fetched)?;
    pager.counters.pages.fetch_add(1, Ordering::Relaxed);
    pager
        .counters
        .records
        .fetch_add(page.len() as u64, Ordering::Relaxed);
    Ok(page)
}

fn ids_of(page: &Page) -> Vec<String> {
    page.clone()
        .into_values()
        .unwrap()
        .into_iter()
        .map(|r| r["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn skip_advances_by_the_records_received_not_by_the_limit() {
    let mut pager = pager(EntityKind::Subnets, QueryRequest::new().all());
    // A short page (60 of the 100 asked for) that still has a next one.
    let got = feed(&mut pager, page(0, 60, true)).unwrap();
    assert_eq!(got.len(), 60);
    assert!(matches!(pager.cursor, Cursor::Skip(60)));
    assert!(!pager.finished);
    assert_eq!(pager.next_request().body["skip"], 60);
    // hasNext false ends a plain skip/limit pull whatever the total says.
    feed(&mut pager, page(60, 40, false)).unwrap();
    assert!(pager.finished);
    assert!(pager.progress().done);
}

#[test]
fn duplicates_are_dropped_and_counted_by_id() {
    let mut pager = pager(EntityKind::Subnets, QueryRequest::new().all());
    assert_eq!(feed(&mut pager, page(0, 50, true)).unwrap().len(), 50);
    // Ten new records arrived at the head: the next page starts with ten already returned.
    let got = feed(&mut pager, page(40, 50, false)).unwrap();
    assert_eq!(got.len(), 40);
    assert_eq!(ids_of(&got)[0], "r50");
    assert_eq!(pager.progress().duplicates_dropped, 10);
}

#[test]
fn windows_always_send_an_explicit_sort_from_skip_zero_newest_first_unless_asked() {
    let req = QueryRequest::new()
        .all()
        .filters(serde_json::json!({"severity": {"eq": [2]}}));
    let mut newest = pager(EntityKind::Alerts, req.clone());
    assert!(newest.is_windowed());
    let body = newest.next_request().body;
    assert_eq!(body["sortField"], "date");
    assert_eq!(body["sortDirection"], "desc");
    assert_eq!(body["skip"], 0);
    feed(&mut newest, desc_page(0, 100, true)).unwrap();
    let body = newest.next_request().body;
    assert_eq!(
        body["filters"],
        serde_json::json!({"severity": {"eq": [2]}, "date": {"lte": 10_000 - 99}})
    );
    assert_eq!(body["skip"], 0);

    let mut oldest = pager(EntityKind::Alerts, req.sort("date", SortDirection::Asc));
    assert_eq!(oldest.next_request().body["sortDirection"], "asc");
    feed(&mut oldest, page(0, 100, true)).unwrap();
    let body = oldest.next_request().body;
    assert_eq!(
        body["filters"],
        serde_json::json!({"severity": {"eq": [2]}, "date": {"gte": 99}})
    );
}

#[test]
fn first_and_skip_are_applied_client_side_in_windows() {
    let mut pager = pager(EntityKind::Alerts, QueryRequest::new().skip(5).first(10));
    let got = feed(&mut pager, desc_page(0, 100, true)).unwrap();
    assert_eq!(
        ids_of(&got),
        (5..15).map(|i| format!("r{i}")).collect::<Vec<_>>()
    );
    assert!(pager.finished);
}

#[test]
fn a_pull_that_ends_short_of_the_announced_total_reports_the_shortfall() {
    let mut pager = pager(EntityKind::Alerts, QueryRequest::new().all());
    feed(&mut pager, desc_page(0, 100, true)).unwrap();
    // Short, with nothing new: the end. 199 returned of the 1000 announced.
    feed(&mut pager, desc_page(99, 100, true)).unwrap();
    feed(&mut pager, desc_page(198, 1, true)).unwrap();
    let progress = pager.progress();
    assert!(progress.done, "{progress:?}");
    assert_eq!(progress.records, 199);
    assert_eq!(progress.shortfall, Some(1000 - 199));
}

/// Runs a hand-fed windowed alerts pull over `pages`, checkpointing after `stop` pages and resuming
/// (JSON round trip) for the rest.
#[test]
fn a_window_pull_resumed_from_its_checkpoint_returns_the_rest_exactly_once() {
    let req = QueryRequest::new().all();
    let mut first = pager(EntityKind::Alerts, req.clone());
    let mut ids = ids_of(&feed(&mut first, desc_page(0, 100, true)).unwrap());
    let text = serde_json::to_string(&first.checkpoint()).unwrap();
    drop(first);
    let checkpoint: Checkpoint = serde_json::from_str(&text).unwrap();
    let mut second = pager(EntityKind::Alerts, req.resume(checkpoint));
    assert_eq!(
        second.next_request().body["filters"],
        serde_json::json!({"date": {"lte": 10_000 - 99}})
    );
    ids.extend(ids_of(
        &feed(&mut second, desc_page(99, 100, true)).unwrap(),
    ));
    ids.extend(ids_of(
        &feed(&mut second, desc_page(198, 50, true)).unwrap(),
    ));
    ids.extend(ids_of(&feed(&mut second, desc_page(247, 1, true)).unwrap()));
    assert!(second.finished);
    let expected: Vec<String> = (0..248).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(second.progress().records, 248, "counts carry over a resume");
}

#[test]
fn a_checkpoint_of_another_query_is_refused() {
    let mut first = pager(EntityKind::Alerts, QueryRequest::new().all());
    feed(&mut first, desc_page(0, 100, true)).unwrap();
    let checkpoint = first.checkpoint();
    let client = crate::Client::builder("http://127.0.0.1:9")
        .legacy_token("t".repeat(64))
        .build()
        .unwrap();
    let other = QueryRequest::new()
        .all()
        .filters(serde_json::json!({"severity": {"eq": [2]}}))
        .resume(checkpoint.clone());
    let err = Pager::new(client.clone(), EntityKind::Alerts, other, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("another query"), "{}", err.message());
    let files = QueryRequest::new().all().resume(checkpoint);
    let err = Pager::new(client, EntityKind::Files, files, false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn a_completed_pull_runs_incrementally_from_its_watermark_minus_the_look_back() {
    // Read oldest first (asked), so that the pages below can count up.
    let req = QueryRequest::new()
        .all()
        .sort("date", SortDirection::Asc)
        .lookback_secs(0);
    let mut first = pager(EntityKind::Alerts, req.clone().lookback_secs(1));
    // Alerts with dates 0..=2999 ms in steps of 1: the look-back of 1 s keeps dates >= 1999 − 1000.
    let records =
        |from: u64, to: u64| keyed_page((from..to).map(|i| (i, i as i64 * 20)), true, 100);
    feed(&mut first, records(0, 100)).unwrap();
    feed(&mut first, records(99, 150)).unwrap();
    feed(&mut first, records(149, 150)).unwrap();
    assert!(first.finished);
    let done = first.checkpoint();
    assert_eq!(done.position, Position::Done);
    assert_eq!(done.watermark, Some(149 * 20));
    // Dates within 1000 ms of 2980: records 99..=149.
    assert_eq!(done.recent.len(), 51);

    let text = serde_json::to_string(&done).unwrap();
    let mut next = pager(
        EntityKind::Alerts,
        req.lookback_secs(1)
            .resume(serde_json::from_str(&text).unwrap()),
    );
    assert_eq!(
        next.next_request().body["filters"],
        serde_json::json!({"date": {"gte": 149 * 20 - 1000}})
    );
    // The look-back repeats records 100..=149; 150..=159 are new.
    let got = feed(&mut next, records(100, 160)).unwrap();
    assert_eq!(
        ids_of(&got),
        (150..160).map(|i| format!("r{i}")).collect::<Vec<_>>()
    );
    feed(&mut next, records(159, 160)).unwrap();
    assert!(next.finished);
    assert_eq!(next.checkpoint().watermark, Some(159 * 20));

    // Nothing new: a third run re-reads its look-back, records returned by either run before, and
    // returns none of them.
    let mut third = pager(
        EntityKind::Alerts,
        QueryRequest::new()
            .all()
            .sort("date", SortDirection::Asc)
            .lookback_secs(1)
            .resume(next.checkpoint()),
    );
    let got = feed(&mut third, records(109, 160)).unwrap();
    assert_eq!(ids_of(&got), Vec::<String>::new());
}

#[test]
fn a_files_pull_reads_its_watermark_before_the_first_window() {
    let mut pager = pager(EntityKind::Files, QueryRequest::new().all());
    let probe = pager.next_request().body;
    assert_eq!(probe["sortField"], "modifiedDate");
    assert_eq!(probe["sortDirection"], "desc");
    assert_eq!(probe["limit"], 1);
    // The newest file was modified at 5000 (record 4000: modifiedDate = 4000 + 1000).
    let got = feed(&mut pager, keyed_page([(4000, 4000)].into_iter(), true, 1)).unwrap();
    assert!(got.is_empty());
    assert_eq!(pager.next_request().body["sortField"], "createdDate");
    feed(&mut pager, desc_page(0, 10, false)).unwrap();
    assert!(pager.finished);
    assert_eq!(pager.checkpoint().watermark, Some(5000));
}

#[test]
fn a_scan_checkpoint_carries_the_cursor_and_the_last_page() {
    let req = QueryRequest::new().all();
    let mut scan = pager(EntityKind::Activities, req.clone());
    assert!(scan.is_scan());
    let mut fetched = page(0, 3, true);
    fetched.page.next_query_filters = Some(serde_json::json!({"date": {"lte": 2}}));
    feed(&mut scan, fetched).unwrap();
    let checkpoint = scan.checkpoint();
    let Position::Scan { cursor, last_page } = &checkpoint.position else {
        panic!("{checkpoint:?}")
    };
    assert_eq!(cursor, &serde_json::json!({"date": {"lte": 2}}));
    assert_eq!(last_page.0.len(), 3);
    let mut resumed = pager(EntityKind::Activities, req.resume(checkpoint));
    assert_eq!(
        resumed.next_request().body["filters"],
        serde_json::json!({"date": {"lte": 2}})
    );
    // The server repeats the boundary record: dropped.
    let got = feed(&mut resumed, page(2, 2, false)).unwrap();
    assert_eq!(ids_of(&got), vec!["r3".to_owned()]);
}

#[test]
fn a_scan_with_has_next_and_no_cursor_hands_over_the_page_then_fails() {
    let mut scan = pager(EntityKind::Activities, QueryRequest::new().all());
    let mut n = 0;
    let mut failed = None;
    for round in 0..5 {
        let got = feed(&mut scan, page(round * 10, 10, true)).unwrap();
        n += got.len();
        if let Some(e) = scan.deferred.take() {
            failed = Some(e);
            break;
        }
    }
    let err = failed.expect("the scan must fail, not stop or loop");
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_eq!(n, 30, "every page's records were handed over first");
}

#[test]
fn clients_pagers_and_their_futures_move_between_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let client = crate::Client::builder("http://127.0.0.1:9")
        .legacy_token("t".repeat(64))
        .build()
        .unwrap();
    send_sync(&client);
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new())
        .unwrap();
    send_sync(&pager.cancel_handle());
    send_sync(&pager.progress_handle());
    send(&pager.next_page());
    send(&pager);
}

#[test]
fn relative_dates_keep_their_first_absolute_bounds_across_resumes_and_incremental_runs() {
    let req = QueryRequest::new()
        .all()
        .filters(serde_json::json!({"date": {"gte_ndays": 30}}));
    let mut first = pager(EntityKind::Activities, req.clone());
    let fixed = first.checkpoint().filters.unwrap();
    assert!(fixed["date"]["gte"].is_i64(), "{fixed}");
    let mut fetched = page(0, 3, true);
    fetched.page.next_query_filters = Some(serde_json::json!({"date": {"lte": 2}}));
    feed(&mut first, fetched).unwrap();
    feed(&mut first, page(3, 2, false)).unwrap();
    let done = first.checkpoint();
    assert_eq!(done.filters.as_ref(), Some(&fixed));
    std::thread::sleep(Duration::from_millis(5));
    let mut incremental = pager(EntityKind::Activities, req.clone().resume(done));
    assert_eq!(incremental.checkpoint().filters.as_ref(), Some(&fixed));
    let sent = incremental.next_request().body["filters"].clone();
    assert_eq!(
        sent["date"]["gte"], fixed["date"]["gte"],
        "the narrower bound"
    );
    // A cursor of its own bound only: the caller's absolute bound is put back.
    let mut fetched = page(10, 3, true);
    fetched.page.next_query_filters = Some(serde_json::json!({"date": {"lte": 11}}));
    feed(&mut incremental, fetched).unwrap();
    let mid = incremental.checkpoint();
    let resumed = pager(EntityKind::Activities, req.resume(mid));
    let sent = resumed.next_request().body["filters"].clone();
    assert_eq!(sent["date"]["lte"], 11);
    assert!(sent["date"]["gte"].is_i64(), "{sent}");
}
