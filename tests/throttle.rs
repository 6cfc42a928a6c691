//! Pacing and throttling rules (api.md §4.3, §12): a long burst never trips the server's sliding
//! window, a 429 is recovered with or without `Retry-After`, and waits can be cancelled. 429s have
//! their own retry count (bounded by the time budget), apart from the one for 5xx, and their waits are
//! never shorter than the wait the server named.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mdca::{Client, EntityKind, ErrorKind, QueryRequest, RateLimit};
use mdca_sim::{Behaviour, FaultKind, FaultSpec, ThrottleConfig};

fn throttle(requests: u32, window_ms: u64, retry_after_header: bool) -> ThrottleConfig {
    ThrottleConfig {
        requests,
        window: Duration::from_millis(window_ms),
        retry_after_header,
    }
}

fn paced(sim: &mdca_sim::Simulator, requests: u32, per: Duration) -> Client {
    builder(sim)
        .legacy_token(sim.admin_token())
        .rate_limit(RateLimit { requests, per })
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_keeps_a_long_burst_inside_the_sliding_window_at_the_ceiling() {
    let sim = sim().await;
    sim.set_throttle(throttle(30, 1000, true));
    // Two clients of the same tenant share one budget; four workers pull concurrently.
    let a = paced(&sim, 30, Duration::from_secs(1));
    let b = paced(&sim, 30, Duration::from_secs(1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let client = if worker % 2 == 0 {
            a.clone()
        } else {
            b.clone()
        };
        tasks.push(tokio::spawn(async move {
            for _ in 0..23 {
                one_page(&client, EntityKind::Alerts, 1).await?;
            }
            mdca::Result::Ok(())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let stats = sim.stats();
    assert_eq!(stats.status(429), 0, "{stats:?}");
    assert_eq!(stats.total, 92, "one request per page, no retries");
    // 92 requests at 30 per second need three full windows; pacing should not waste much more.
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(4500), "{elapsed:?}");
    // The wait is reported: the clients together waited for at least the two windows they skipped.
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(sa.requests + sb.requests, 92);
    assert_eq!(sa.retries + sb.retries, 0);
    assert!(
        sa.throttle_wait + sb.throttle_wait >= Duration::from_secs(2),
        "{sa:?} {sb:?}"
    );
}

async fn recovers_from_one_429(retry_after_header: bool) {
    let sim = sim().await;
    sim.set_throttle(throttle(5, 1000, retry_after_header));
    // No client-side pacing, so the server's limit is what stops the burst.
    let client = token_client(&sim);
    for _ in 0..8 {
        one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    }
    let stats = sim.stats();
    // One 429: the wait the server named was honoured, so the retry and the rest went through.
    // (The policy's own 429 backoff is 50 ms, which would have drawn several 429s.)
    assert_eq!(stats.status(429), 1, "{stats:?}");
    assert_eq!(stats.status(200), 8);
}

#[tokio::test]
async fn a_429_with_retry_after_is_recovered_by_honouring_it() {
    recovers_from_one_429(true).await;
}

#[tokio::test]
async fn a_429_without_retry_after_is_recovered_using_the_seconds_in_its_message() {
    recovers_from_one_429(false).await;
}

#[tokio::test]
async fn still_throttled_after_the_retry_budget_is_reported_as_throttled() {
    let sim = sim().await;
    sim.set_throttle(throttle(1, 60_000, true));
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(0))
        .build()
        .unwrap();
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert_eq!(e.http_status(), Some(429));
    assert!(e.detail().unwrap().contains("throttled"), "{e}");
    assert!(e.hint().is_some());
    assert_eq!(sim.stats().total, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_during_a_throttle_wait_returns_promptly() {
    let sim = sim().await;
    let client = paced(&sim, 1, Duration::from_secs(60));
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(1))
        .unwrap();
    let cancel = pager.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let e = pager.next_page().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.stats().total, 1, "the paced request was never sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_every_client_of_the_tenant() {
    let sim = sim().await;
    sim.set_throttle(throttle(2, 1000, true));
    let a = token_client(&sim);
    let b = token_client(&sim);
    one_page(&a, EntityKind::Alerts, 1).await.unwrap();
    one_page(&a, EntityKind::Alerts, 1).await.unwrap();
    let b_call = tokio::spawn(async move { one_page(&b, EntityKind::Alerts, 1).await });
    while sim.stats().status(429) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Let b read its 429 and pause the tenant; a's next call must wait out that pause rather than
    // draw a second 429.
    tokio::time::sleep(Duration::from_millis(50)).await;
    one_page(&a, EntityKind::Alerts, 1).await.unwrap();
    b_call.await.unwrap().unwrap();
    let stats = sim.stats();
    assert_eq!(stats.status(429), 1, "{stats:?}");
    assert_eq!(stats.status(200), 4);
}

#[tokio::test]
async fn a_429_wait_is_never_shorter_than_the_named_wait_nor_much_longer() {
    let sim = sim().await;
    sim.set_throttle(throttle(1, 1000, true));
    let client = token_client(&sim);
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let started = Instant::now();
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let elapsed = started.elapsed();
    // The server named 1 s (Retry-After and message); the client adds at most a fifth.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1200 + 500), "{elapsed:?}");
    assert_eq!(sim.stats().status(429), 1);
}

#[tokio::test]
async fn throttled_answers_do_not_use_up_the_retry_count_meant_for_5xx() {
    let sim = sim().await;
    sim.set_throttle(throttle(1, 1000, true));
    // One retry for 5xx; 429s are bounded by the time budget instead.
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(1).transient_budget(Duration::from_secs(10)))
        .build()
        .unwrap();
    let id = {
        let mut pager = client
            .query(EntityKind::Alerts, QueryRequest::new().page_size(1))
            .unwrap();
        let page = pager.next_page().await.unwrap().unwrap();
        page.into_values().unwrap()[0]["_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    sim.reset_stats();
    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 1).on_route("alerts.fetch"));
    // 429 (the list filled the window), 500 (admitted, faulted), 429 again, then 200: three retries on
    // a one-shot call whose count is 1.
    client.fetch(EntityKind::Alerts, &id).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.fetch", 429), 2, "{stats:?}");
    assert_eq!(stats.route_status("alerts.fetch", 500), 1, "{stats:?}");
    assert_eq!(stats.route_status("alerts.fetch", 200), 1, "{stats:?}");
    // A second 500 would exceed the count of 1 for 5xx.
    sim.reset_throttle();
    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 2).on_route("alerts.fetch"));
    let e = client.fetch(EntityKind::Alerts, &id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_requests_are_paced_too_so_a_server_counting_them_draws_no_429() {
    let sim = sim().await;
    sim.set_throttle(throttle(10, 1000, true));
    // api.md §16 rule 37: 400/401/403/404 answers count against the window.
    sim.set_behaviour(Behaviour {
        throttle_counts_rejected: true,
        ..Behaviour::default()
    });
    let client = paced(&sim, 10, Duration::from_secs(1));
    let started = Instant::now();
    for _ in 0..8 {
        one_page(&client, EntityKind::Alerts, 1).await.unwrap();
        // A 404 and a 400: answered with an error, counted in the window all the same.
        let e = client
            .fetch(EntityKind::Alerts, "0000000000000000000000ff")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e =
            client
                .raw(mdca::RawRequest::new("POST", "v1/alerts/").body(
                    serde_json::json!({"filters": {"id": {"eq": ["not an id"]}}, "limit": 1}),
                ))
                .await
                .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadRequest);
    }
    let stats = sim.stats();
    assert_eq!(stats.status(429), 0, "{stats:?}");
    assert_eq!(stats.total, 24, "{stats:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "24 at 10 per second"
    );
}

#[tokio::test]
async fn a_429_that_names_its_wait_only_in_the_message_is_waited_out() {
    let sim = sim().await;
    sim.set_throttle(throttle(1, 1000, true));
    // api.md §16 rule 36: no Retry-After, only "Expected available in N seconds." in the body.
    sim.set_behaviour(Behaviour {
        throttle_retry_after: false,
        ..Behaviour::default()
    });
    // The policy's own 429 backoff (50 ms) would draw a 429 per attempt; the message's 1 s does not.
    let client = token_client(&sim);
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let started = Instant::now();
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let stats = sim.stats();
    assert_eq!(stats.status(429), 1, "{stats:?}");
    assert_eq!(stats.status(200), 2);
}
