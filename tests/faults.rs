//! Fault rules (api.md §12, §14 rule 29): transient faults are retried with backoff and counted exactly;
//! 400/403/404 are never retried; a non-idempotent write is not repeated after it may have reached the
//! server; a stalled request can be cancelled. List reads keep retrying for a time budget
//! (`retry.transient_budget_secs`), so a long pull rides out an outage longer than the retry count;
//! one-shot calls keep the count.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mdca::{EntityKind, ErrorKind, QueryRequest, RawRequest, SubnetSpec};
use mdca_sim::{FaultKind, FaultSpec};
use serde_json::json;

async fn recovered_after(kind: FaultKind, count: u32) -> mdca_sim::Stats {
    let sim = sim().await;
    let client = token_client(&sim);
    sim.add_fault(FaultSpec::new(kind, count).on_route("alerts.list"));
    assert_eq!(one_page(&client, EntityKind::Alerts, 3).await.unwrap(), 3);
    sim.stats()
}

#[tokio::test]
async fn bursts_of_500_502_503_and_504_are_retried_until_success() {
    for status in [500u16, 502, 503, 504] {
        let stats = recovered_after(FaultKind::Status(status), 3).await;
        assert_eq!(stats.route_status("alerts.list", status), 3, "{status}");
        assert_eq!(stats.route_status("alerts.list", 200), 1, "{status}");
        assert_eq!(stats.total, 4, "{status}");
    }
}

#[tokio::test]
async fn a_connection_reset_is_retried() {
    let stats = recovered_after(FaultKind::Reset, 2).await;
    assert_eq!(stats.route("alerts.list"), 3);
    assert_eq!(stats.route_status("alerts.list", 200), 1);
}

#[tokio::test]
async fn a_truncated_body_is_retried() {
    let stats = recovered_after(FaultKind::Truncate, 2).await;
    assert_eq!(stats.route("alerts.list"), 3);
    assert_eq!(stats.route_status("alerts.list", 200), 3);
}

#[tokio::test]
async fn a_stalled_request_times_out_and_is_retried() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    sim.add_fault(
        FaultSpec::new(FaultKind::Stall(Duration::from_secs(5)), 1).on_route("alerts.list"),
    );
    let started = Instant::now();
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(3))
        .unwrap();
    assert_eq!(pager.next_page().await.unwrap().unwrap().len(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(pager.progress().retries, 1);
    // The simulator counts a request when it answers; the stalled one was abandoned by the client.
    assert_eq!(sim.stats().route("alerts.list"), 1);
    assert_eq!(sim.stats().route_status("alerts.list", 200), 1);
}

#[tokio::test]
async fn an_expired_app_token_is_renewed_and_the_request_repeated() {
    let sim = sim().await;
    let client = app_client(&sim);
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 1).on_route("alerts.list"));
    assert_eq!(one_page(&client, EntityKind::Alerts, 3).await.unwrap(), 3);
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 401), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 1);
    assert_eq!(stats.route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn retries_stop_at_the_budget_with_a_server_error() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(2))
        .build()
        .unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 10).on_route("alerts.list"));
    let e = one_page(&client, EntityKind::Alerts, 3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert_eq!(e.http_status(), Some(503));
    assert!(e.message().contains("after 3 attempts"), "{e}");
    assert_eq!(
        e.detail(),
        Some("Service temporarily unavailable, try again later.")
    );
    assert_eq!(sim.stats().route("alerts.list"), 3);
}

#[tokio::test]
async fn gateway_html_pages_are_summarised_not_quoted() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(0))
        .build()
        .unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(502), 1).on_route("alerts.list"));
    let e = one_page(&client, EntityKind::Alerts, 3).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    let detail = e.detail().unwrap();
    assert!(
        detail.starts_with("HTML page (") && detail.ends_with(" bytes)"),
        "{detail}"
    );
    assert!(!e.to_string().contains("<html"), "{e}");
}

#[tokio::test]
async fn a_bad_request_is_not_retried_and_keeps_the_validation_body() {
    let sim = sim().await;
    let client = token_client(&sim);
    let e = client
        .raw(RawRequest::new("POST", "v1/activities/").body(json!({"skip": 4950, "limit": 100})))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert_eq!(e.http_status(), Some(400));
    let detail: serde_json::Value = serde_json::from_str(e.detail().unwrap()).unwrap();
    assert_eq!(
        detail["filters"][0]["errorMessageCode"],
        "CONSOLE_FORMS_NOT_VALID_VALUE"
    );
    assert_eq!(sim.stats().route("activities.list"), 1);
}

#[tokio::test]
async fn a_forbidden_request_is_not_retried() {
    let sim = sim().await;
    let client = app_client(&sim);
    let e = one_page(&client, EntityKind::Files, 3).await.unwrap_err();
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(sim.stats().route("files.list"), 1);
}

#[tokio::test]
async fn a_missing_record_is_not_found_and_not_retried() {
    let sim = sim().await;
    let client = token_client(&sim);
    let e = client
        .fetch(EntityKind::Alerts, "ffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.http_status(), Some(404));
    assert_eq!(sim.stats().route("alerts.fetch"), 1);
}

fn subnet(name: &str) -> SubnetSpec {
    SubnetSpec {
        name: name.into(),
        category: 1,
        subnets: vec!["10.20.0.0/16".into()],
        organization: None,
        tags: vec![],
    }
}

#[tokio::test]
async fn a_non_idempotent_write_is_not_repeated_after_a_server_error_or_reset() {
    let sim = sim().await;
    let client = token_client(&sim);
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 1).on_route("subnets.create"));
    let e = client.create_subnet(&subnet("lab-a")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert_eq!(sim.stats().route("subnets.create"), 1);

    sim.add_fault(FaultSpec::new(FaultKind::Reset, 1).on_route("subnets.create"));
    let e = client.create_subnet(&subnet("lab-b")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert_eq!(sim.stats().route("subnets.create"), 2);
}

#[tokio::test]
async fn a_non_idempotent_write_is_retried_on_429() {
    let sim = sim().await;
    sim.set_throttle(mdca_sim::ThrottleConfig {
        requests: 1,
        window: Duration::from_millis(500),
        retry_after_header: true,
    });
    let client = token_client(&sim);
    one_page(&client, EntityKind::Subnets, 1).await.unwrap();
    let id = client.create_subnet(&subnet("lab-c")).await.unwrap();
    assert!(!id.is_empty());
    let stats = sim.stats();
    assert_eq!(stats.route_status("subnets.create", 429), 1);
    assert_eq!(stats.route_status("subnets.create", 200), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_stalled_request_returns_promptly() {
    let sim = sim().await;
    let client = token_client(&sim);
    sim.add_fault(
        FaultSpec::new(FaultKind::Stall(Duration::from_secs(30)), 1).on_route("alerts.list"),
    );
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(3))
        .unwrap();
    let cancel = pager.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
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
}

#[tokio::test]
async fn an_explicit_proxy_option_carries_every_request() {
    let sim = sim().await;
    // Nothing listens on port 1: every request must fail at the proxy, none reaches the simulator.
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .proxy("http://127.0.0.1:1")
        .retry(fast_retry(1))
        .build()
        .unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert!(e.hint().unwrap().contains("proxy"), "{e}");
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn a_proxy_from_the_environment_is_bypassed_for_loopback() {
    // Every client in this binary talks to loopback, which this rule bypasses, so the variable
    // cannot disturb the tests running beside this one.
    std::env::set_var("HTTP_PROXY", "http://127.0.0.1:1");
    std::env::set_var("http_proxy", "http://127.0.0.1:1");
    let sim = sim().await;
    let client = token_client(&sim);
    let result = one_page(&client, EntityKind::Alerts, 1).await;
    std::env::remove_var("HTTP_PROXY");
    std::env::remove_var("http_proxy");
    assert_eq!(result.unwrap(), 1);
    assert_eq!(sim.stats().total, 1);
}

fn budgeted(sim: &mdca_sim::Simulator, max_retries: u32, budget: Duration) -> mdca::Client {
    builder(sim)
        .legacy_token(sim.admin_token())
        .retry(fast_retry(max_retries).transient_budget(budget))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_list_read_rides_out_more_faults_than_the_retry_count_within_its_time_budget() {
    let sim = sim().await;
    let client = budgeted(&sim, 2, Duration::from_secs(5));
    // 503s, gateway pages, resets and a truncated body: three times the count of 2.
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 2).on_route("alerts.list"));
    sim.add_fault(FaultSpec::new(FaultKind::Status(504), 2).on_route("alerts.list"));
    sim.add_fault(FaultSpec::new(FaultKind::Reset, 1).on_route("alerts.list"));
    sim.add_fault(FaultSpec::new(FaultKind::Truncate, 1).on_route("alerts.list"));
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(3))
        .unwrap();
    assert_eq!(pager.next_page().await.unwrap().unwrap().len(), 3);
    let stats = sim.stats();
    assert_eq!(stats.route("alerts.list"), 7, "{stats:?}");
    assert_eq!(pager.progress().retries, 6);
}

#[tokio::test]
async fn a_list_read_gives_up_when_its_time_budget_is_spent() {
    let sim = sim().await;
    let client = budgeted(&sim, 1, Duration::from_millis(600));
    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 1000).on_route("alerts.list"));
    let started = Instant::now();
    let e = one_page(&client, EntityKind::Alerts, 3).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert!(e.message().contains("gave up after"), "{e}");
    // The budget, plus at most one backoff (capped at 200 ms) begun inside it.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    let sent = sim.stats().route_status("alerts.list", 500);
    assert!(sent > 2, "more attempts than the count of 1: {sent}");
}

#[tokio::test]
async fn a_one_shot_call_keeps_the_retry_count_whatever_the_time_budget() {
    let sim = sim().await;
    let client = budgeted(&sim, 2, Duration::from_secs(60));
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
    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 1000).on_route("alerts.fetch"));
    let started = Instant::now();
    let e = client.fetch(EntityKind::Alerts, &id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerError);
    assert!(e.message().contains("gave up after 3 attempts"), "{e}");
    assert_eq!(sim.stats().route("alerts.fetch"), 3);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_pull_waiting_out_an_outage_returns_at_once() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(mdca::RetryPolicy {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(30),
            ..fast_retry(0).transient_budget(Duration::from_secs(900))
        })
        .build()
        .unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 1000).on_route("alerts.list"));
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().page_size(3))
        .unwrap();
    let cancel = pager.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let e = pager.next_page().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        sim.stats().route("alerts.list"),
        1,
        "cancelled in the first backoff"
    );
}

#[tokio::test]
async fn a_files_pull_rides_out_slow_deep_pages_that_answer_html_5xx() {
    let sim = sim().await;
    // api.md §16 rule 38: pages from skip 100 on are slow, and every second one is a gateway's HTML 500/504.
    sim.set_behaviour(mdca_sim::Behaviour {
        deep_files: Some(mdca_sim::DeepFiles {
            from_skip: 100,
            delay_ms: 20,
            html_5xx_every: 2,
        }),
        ..mdca_sim::Behaviour::default()
    });
    // No retry count at all: only the time budget keeps the pull going. Sorted by modifiedDate, the pull
    // pages by skip/limit (keyset windows always ask from skip 0, so they never reach deep pages).
    let client = budgeted(&sim, 0, Duration::from_secs(10));
    let mut pager = client
        .query(
            EntityKind::Files,
            QueryRequest::new()
                .all()
                .sort("modifiedDate", mdca::pager::SortDirection::Desc),
        )
        .unwrap();
    let mut got = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        got += page.len();
    }
    assert_eq!(got as u64, sim_count(&sim, EntityKind::Files, json!({})));
    let stats = sim.stats();
    assert!(
        stats.route_status("files.list", 500) + stats.route_status("files.list", 504) > 0,
        "{stats:?}"
    );
}
