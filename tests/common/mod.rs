//! Shared helpers for the library's integration tests: a simulator on loopback and clients wired to
//! it. Each test binary uses a subset of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use mdca::{
    AppCredentials, Client, ClientBuilder, EntityKind, QueryRequest, RateLimit, RetryPolicy,
    TokenEndpoint,
};
use mdca_sim::{SimConfig, Simulator};

/// A simulator with the small test dataset and no throttling.
pub async fn sim() -> Simulator {
    mdca_sim::start(SimConfig::for_tests())
        .await
        .expect("start the simulator")
}

/// Retries with delays short enough for tests (the production policy waits seconds).
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
        throttle_delay: Duration::from_millis(50),
        // Counts only: a test that wants the time budget sets it.
        transient_budget: Duration::ZERO,
    }
}

/// A builder for the simulator's tenant 0 with fast retries, no client-side pacing and no prefetch
/// (so request counts are exact); add credentials before `build()`.
pub fn builder(sim: &Simulator) -> ClientBuilder {
    Client::builder(sim.url())
        .retry(fast_retry(4))
        .rate_limit(RateLimit::disabled())
        .prefetch(false)
        .timeout(Duration::from_secs(10))
}

/// A client with the Global-administrator legacy token.
pub fn token_client(sim: &Simulator) -> Client {
    builder(sim)
        .legacy_token(sim.admin_token())
        .build()
        .expect("token client")
}

/// The simulator's fully-permitted app, against its identity endpoint.
pub fn app_credentials(sim: &Simulator, endpoint: TokenEndpoint) -> AppCredentials {
    let (client_id, secret) = sim.app_credentials();
    AppCredentials::new(sim.entra_tenant_id(), client_id, secret)
        .authority_host(sim.authority_host())
        .token_endpoint(endpoint)
}

/// A client in application context (v2 token endpoint).
pub fn app_client(sim: &Simulator) -> Client {
    builder(sim)
        .app_credentials(app_credentials(sim, TokenEndpoint::V2))
        .build()
        .expect("app client")
}

/// One page of `kind` (page size `n`): one list request.
pub async fn one_page(client: &Client, kind: EntityKind, n: u32) -> mdca::Result<usize> {
    let mut pager = client.query(kind, QueryRequest::new().page_size(n))?;
    let page = pager.next_page().await?;
    Ok(page.map(|p| p.len()).unwrap_or(0))
}

/// Every record of `kind`, page by page.
pub async fn pull_all(client: &Client, kind: EntityKind) -> mdca::Result<usize> {
    let mut pager = client.query(kind, QueryRequest::new().all())?;
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += page.len();
    }
    Ok(n)
}

// Helpers for the paging, scan, filter, action and cancellation tests.

use std::collections::HashSet;

use mdca::{Page, Pager};
use mdca_sim::data::Entity;

/// A simulator with the test configuration changed by `change`.
pub async fn sim_with(change: impl FnOnce(&mut SimConfig)) -> Simulator {
    let mut config = SimConfig::for_tests();
    change(&mut config);
    mdca_sim::start(config).await.expect("start the simulator")
}

/// The simulator's name for an entity kind.
pub fn sim_entity(kind: EntityKind) -> Entity {
    match kind {
        EntityKind::Activities => Entity::Activities,
        EntityKind::Alerts => Entity::Alerts,
        EntityKind::Files => Entity::Files,
        EntityKind::Entities => Entity::Entities,
        EntityKind::Subnets => Entity::Subnets,
    }
}

/// The simulator's route name of an entity's list requests (`files.list`).
pub fn list_route(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Activities => "activities.list",
        EntityKind::Alerts => "alerts.list",
        EntityKind::Files => "files.list",
        EntityKind::Entities => "entities.list",
        EntityKind::Subnets => "subnets.list",
    }
}

/// A token client with a long timeout, for pulls of thousands of large records from an unoptimised
/// test build of the simulator.
pub fn patient_client(sim: &Simulator) -> Client {
    builder(sim)
        .legacy_token(sim.admin_token())
        .timeout(Duration::from_secs(300))
        .build()
        .expect("token client")
}

/// The `_id` of each record of a page, in order (read without decoding the rest of the record).
pub fn page_ids(page: &Page) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(rename = "_id", borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    page.records()
        .iter()
        .map(|r| {
            let probe: Id<'_> = serde_json::from_str(r).expect("record with a string _id");
            probe.id.into_owned()
        })
        .collect()
}

/// Every record's `_id`, in order, until the pager ends.
pub async fn drain_ids(pager: &mut Pager) -> mdca::Result<Vec<String>> {
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await? {
        assert!(!page.is_empty(), "a pager never returns an empty page");
        ids.extend(page_ids(&page));
    }
    Ok(ids)
}

/// Asserts the ids are pairwise distinct and returns them as a set.
pub fn distinct(ids: &[String]) -> HashSet<&str> {
    let set: HashSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(
        set.len(),
        ids.len(),
        "{} duplicate record(s)",
        ids.len() - set.len()
    );
    set
}

/// How many records of `kind` the simulator's list would match with these filters (its exact count,
/// computed in process; files hide deleted ones by default, api.md §14 rule 20).
pub fn sim_count(sim: &Simulator, kind: EntityKind, filters: serde_json::Value) -> u64 {
    let query = mdca_sim::data::ListQuery {
        filters: filters.as_object().cloned().unwrap_or_default(),
        limit: Some(0),
        ..Default::default()
    };
    let approximate = sim.dataset(0).list(sim_entity(kind), &query);
    approximate
        .expect("the simulator accepts the filters")
        .total
}
