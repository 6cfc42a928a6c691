//! Cancellation: a pull cancelled from another thread (PowerShell's Ctrl+C handler, a C caller) ends
//! promptly with `Cancelled`, even while a request is stalled on the server or prefetching.

mod common;

use std::time::{Duration, Instant};

use common::*;
use mdca::{CancelHandle, EntityKind, ErrorKind, QueryRequest};
use mdca_sim::{FaultKind, FaultSpec};

fn stall(d: Duration) -> FaultSpec {
    FaultSpec::new(FaultKind::Stall(d), 1).on_route("files.list")
}

fn cancel_later(handle: CancelHandle, after: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        handle.cancel();
    })
}

#[tokio::test]
async fn cancelling_from_another_thread_during_a_stalled_request_returns_cancelled_promptly() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut pager = client
        .query(EntityKind::Files, QueryRequest::new().all())
        .unwrap();
    pager.next_page().await.unwrap().unwrap();
    sim.add_fault(stall(Duration::from_secs(30)));

    let canceller = cancel_later(pager.cancel_handle(), Duration::from_millis(300));
    let started = Instant::now();
    let err = pager.next_page().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    canceller.join().unwrap();

    // A cancelled pull stays cancelled.
    assert_eq!(
        pager.next_page().await.unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    assert!(pager.cancel_handle().is_cancelled());
    assert!(!pager.progress().done);
}

#[tokio::test]
async fn cancelling_while_the_next_page_is_prefetched_returns_cancelled_promptly() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .timeout(Duration::from_secs(60))
        .prefetch(true)
        .build()
        .unwrap();
    // The first request passes (a 1 ms stall), the second one, the prefetch, stalls for 30 s.
    sim.add_fault(stall(Duration::from_millis(1)));
    sim.add_fault(stall(Duration::from_secs(30)));
    // `first` rather than `all`: a full files pull starts with a one-record probe for its watermark,
    // which would take the first stall itself.
    let mut pager = client
        .query(EntityKind::Files, QueryRequest::new().first(1000))
        .unwrap();
    pager.next_page().await.unwrap().unwrap();

    let canceller = cancel_later(pager.cancel_handle(), Duration::from_millis(300));
    let started = Instant::now();
    let err = pager.next_page().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    canceller.join().unwrap();
    // The prefetch request did reach the simulator: it took the 30 s stall.
    assert!(sim.armed_faults().is_empty(), "{:?}", sim.armed_faults());
}

#[tokio::test]
async fn a_pull_cancelled_before_it_starts_sends_nothing() {
    let sim = sim().await;
    let client = token_client(&sim);
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().all())
        .unwrap();
    pager.cancel_handle().cancel();
    assert_eq!(
        pager.next_page().await.unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    assert_eq!(sim.stats().total, 0);
}
