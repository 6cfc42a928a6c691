//! Actions (api.md §6–§10): fetch by id for every entity (entity keys as base64 or JSON), the entity tree,
//! closing alerts in chunks of 100 with not-found reporting, read/unread, activity feedback, subnet
//! create/update/delete, and raw requests that still get authentication and error mapping.
//!
//! Bulk actions are safe (issue 13 §4, api.md §16 rule 39: the server closes whatever a filter matches): an
//! empty or unknown-field close filter is refused with no request sent, ids are de-duplicated before
//! chunking, a close that fails part-way says which alerts are closed, and a repeated DELETE that finds
//! the subnet gone counts as done.

mod common;

use common::*;
use std::time::Duration;

use mdca::actions::PartialClose;
use mdca::{
    AlertSelection, CloseAlerts, CloseAs, EntityKind, ErrorKind, QueryRequest, RateLimit,
    RawRequest, RetryPolicy, SubnetSpec,
};
use mdca_sim::{FaultKind, FaultSpec};
use serde_json::{json, Value};

/// The first `n` records of `kind`, decoded.
/// The `n` first records in the server's default order (newest first), as the action tests were written
/// against (without a sort, alerts, files and entities would come oldest first, in keyset windows).
async fn records(client: &mdca::Client, kind: EntityKind, n: u64) -> Vec<Value> {
    let mut request = QueryRequest::new().first(n);
    if kind == EntityKind::Alerts {
        request = request.sort("date", mdca::SortDirection::Desc);
    }
    let mut pager = client.query(kind, request).unwrap();
    let mut out = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        out.extend(page.into_values().unwrap());
    }
    out
}

#[tokio::test]
async fn every_entity_fetches_one_record_by_its_id() {
    let sim = sim().await;
    let client = token_client(&sim);
    for &kind in EntityKind::all() {
        let listed = &records(&client, kind, 1).await[0];
        let id = listed["_id"].as_str().unwrap();
        let fetched = client.fetch(kind, id).await.unwrap();
        assert_eq!(fetched["_id"], listed["_id"], "{kind}");
    }
    let err = client
        .fetch(EntityKind::Alerts, "ffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.http_status(), Some(404));
}

#[tokio::test]
async fn entities_fetch_by_base64_key_or_by_the_key_object() {
    let sim = sim().await;
    let client = token_client(&sim);
    let key_of = |e: &Value| {
        (
            e["id"].as_str().unwrap().to_string(),
            e["appData"]["saas"].as_i64().unwrap(),
        )
    };
    // An entity whose standard base64 key ends in `=` padding, which is percent-encoded in the path.
    let entities = records(&client, EntityKind::Entities, 80).await;
    let entity = entities
        .iter()
        .find(|e| {
            let (id, saas) = key_of(e);
            mdca_sim::data::encode_pk(&id, saas, 0).ends_with('=')
        })
        .expect("some key has padding");
    let (id, saas) = key_of(entity);
    let key_json = json!({"id": id, "saas": saas, "inst": 0}).to_string();
    let base64 = mdca_sim::data::encode_pk(&id, saas, 0);
    for key in [base64.as_str(), key_json.as_str()] {
        let fetched = client.fetch(EntityKind::Entities, key).await.unwrap();
        assert_eq!(fetched["_id"], entity["_id"], "key {key}");
    }
    assert_eq!(
        mdca::EntityPk::encode(&key_json).unwrap(),
        base64,
        "the client encodes the key object as standard padded base64 of compact JSON"
    );
    let tree = client.entity_tree(&key_json).await.unwrap();
    let accounts = tree["accounts"].as_array().expect("a tree lists accounts");
    assert!(!accounts.is_empty());
    let missing = json!({"id": "nobody@example.com", "saas": saas, "inst": 0}).to_string();
    let err = client
        .fetch(EntityKind::Entities, &missing)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn closing_250_alerts_sends_3_requests_and_reports_the_ids_not_found() {
    let sim = sim().await;
    let client = token_client(&sim);
    let mut ids: Vec<String> = records(&client, EntityKind::Alerts, 248)
        .await
        .iter()
        .map(|a| a["_id"].as_str().unwrap().to_string())
        .collect();
    let unknown = ["ffffffffffffffffffffff01", "ffffffffffffffffffffff02"];
    ids.extend(unknown.iter().map(|s| s.to_string()));
    sim.reset_stats();
    let outcome = client
        .close_alerts(
            AlertSelection::Ids(ids),
            CloseAlerts::new(CloseAs::Benign)
                .comment("triaged")
                .reason_id(2),
        )
        .await
        .unwrap();
    assert_eq!(sim.stats().route("alerts.close_benign"), 3);
    assert_eq!(outcome.closed, 248);
    assert_eq!(outcome.not_found, unknown);
    // 4 = closed benign (api.md §7).
    let benign = sim_count(
        &sim,
        EntityKind::Alerts,
        json!({"resolutionStatus": {"eq": [4]}}),
    );
    assert_eq!(benign, 248);
}

#[tokio::test]
async fn false_and_true_positives_close_by_id_or_by_filter() {
    let sim = sim().await;
    let client = token_client(&sim);
    let alerts = records(&client, EntityKind::Alerts, 2).await;
    let fp = CloseAlerts::new(CloseAs::FalsePositive).reason_id(1);
    let outcome = client
        .close_alerts(
            AlertSelection::Ids(vec![alerts[0]["_id"].as_str().unwrap().into()]),
            fp,
        )
        .await
        .unwrap();
    assert_eq!(outcome.closed, 1);
    let fetched = client
        .fetch(EntityKind::Alerts, alerts[0]["_id"].as_str().unwrap())
        .await;
    assert_eq!(fetched.unwrap()["resolutionStatusValue"], 3);

    let by_filter = AlertSelection::Filter(json!({"id": {"eq": [alerts[1]["_id"]]}}));
    let tp = CloseAlerts::new(CloseAs::TruePositive).comment("confirmed");
    assert_eq!(client.close_alerts(by_filter, tp).await.unwrap().closed, 1);
    let fetched = client
        .fetch(EntityKind::Alerts, alerts[1]["_id"].as_str().unwrap())
        .await;
    assert_eq!(fetched.unwrap()["resolutionStatusValue"], 5);
}

#[tokio::test]
async fn close_reasons_are_checked_locally_against_the_close_kind() {
    let sim = sim().await;
    let client = token_client(&sim);
    let ids = || AlertSelection::Ids(vec!["ffffffffffffffffffffff01".into()]);
    for (close_as, reason) in [
        (CloseAs::Benign, 0),
        (CloseAs::Benign, 3),
        (CloseAs::FalsePositive, 2),
        (CloseAs::FalsePositive, 6),
        (CloseAs::TruePositive, 4),
    ] {
        let err = client
            .close_alerts(ids(), CloseAlerts::new(close_as).reason_id(reason))
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidArgument,
            "{close_as:?} reason {reason}"
        );
    }
    let empty = client
        .close_alerts(
            AlertSelection::Ids(vec![]),
            CloseAlerts::new(CloseAs::Benign),
        )
        .await
        .unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidArgument);
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn alerts_are_marked_read_and_unread() {
    let sim = sim().await;
    let client = token_client(&sim);
    let id = records(&client, EntityKind::Alerts, 1).await[0]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    client.set_alert_read(&id, true).await.unwrap();
    assert_eq!(
        client.fetch(EntityKind::Alerts, &id).await.unwrap()["statusValue"],
        1
    );
    client.set_alert_read(&id, false).await.unwrap();
    assert_eq!(
        client.fetch(EntityKind::Alerts, &id).await.unwrap()["statusValue"],
        0
    );
    let err = client
        .set_alert_read("ffffffffffffffffffffff01", true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn activity_feedback_is_sent_to_the_activity() {
    let sim = sim().await;
    let client = token_client(&sim);
    let id = records(&client, EntityKind::Activities, 1).await[0]["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let feedback =
        json!({"feedbackValue": "0", "feedbackText": "Irrelevant", "allowContact": false});
    let reply = client.activity_feedback(&id, feedback).await.unwrap();
    assert_eq!(reply["feedbackText"], "Irrelevant");
    assert_eq!(sim.stats().route("activities.feedback"), 1);
    let err = client.activity_feedback(&id, json!("0")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn subnets_are_created_replaced_and_deleted() {
    let sim = sim().await;
    let client = token_client(&sim);
    let spec = SubnetSpec {
        name: "Branch office".into(),
        category: 1,
        subnets: vec!["10.20.0.0/16".into(), "2001:db8::/32".into()],
        organization: Some("Contoso ISP".into()),
        tags: vec!["branch".into()],
    };
    let id = client.create_subnet(&spec).await.unwrap();
    let created = client.fetch(EntityKind::Subnets, &id).await.unwrap();
    assert_eq!(created["name"], "Branch office");
    assert_eq!(created["organization"], "Contoso ISP");

    // Update is a full replace: the organization left out becomes empty (api.md §10).
    let replacement = SubnetSpec {
        name: "Branch office (VPN)".into(),
        category: 4,
        subnets: vec!["10.21.0.0/16".into()],
        organization: None,
        tags: vec![],
    };
    client.update_subnet(&id, &replacement).await.unwrap();
    let updated = client.fetch(EntityKind::Subnets, &id).await.unwrap();
    assert_eq!(updated["name"], "Branch office (VPN)");
    assert_eq!(updated["category"], 4);
    assert!(updated["organization"].is_null() || updated["organization"] == "");

    client.delete_subnet(&id).await.unwrap();
    let err = client.fetch(EntityKind::Subnets, &id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(sim.stats().route("subnets.create"), 1);

    sim.reset_stats();
    for bad in [
        SubnetSpec {
            category: 7,
            ..spec.clone()
        },
        SubnetSpec {
            subnets: vec!["10.0.0.0/33".into()],
            ..spec.clone()
        },
        SubnetSpec {
            subnets: vec![],
            ..spec.clone()
        },
        SubnetSpec {
            name: " ".into(),
            ..spec.clone()
        },
    ] {
        let err = client.create_subnet(&bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn raw_requests_reach_any_endpoint_with_auth_and_error_mapping() {
    let sim = sim().await;
    let client = token_client(&sim);
    let list = client
        .raw(RawRequest::new("post", "/api/v1/alerts/").body(json!({"limit": 3})))
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    let id = list["data"][0]["_id"].as_str().unwrap();

    let fetched = client
        .raw(RawRequest::new("GET", format!("/cas/api/v1/alerts/{id}/")))
        .await
        .unwrap();
    assert_eq!(fetched["_id"], id);

    let by_query = client
        .raw(RawRequest::new("GET", "v1/subnet/").query("limit", "2"))
        .await
        .unwrap();
    assert_eq!(by_query["data"].as_array().unwrap().len(), 2);

    let err = client
        .raw(RawRequest::new(
            "GET",
            "v1/alerts/ffffffffffffffffffffff01/",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    let reader = builder(&sim)
        .legacy_token(sim.reader_token())
        .build()
        .unwrap();
    let close = json!({"filters": {"id": {"eq": [id]}}});
    let err = reader
        .raw(RawRequest::new("POST", "v1/alerts/close_benign/").body(close))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.correlation_id().is_some());

    let err = client
        .raw(RawRequest::new("FETCH ME", "v1/alerts/"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn files_use_the_legacy_token_beside_app_credentials() {
    let sim = sim().await;
    let both = builder(&sim)
        .app_credentials(app_credentials(&sim, mdca::TokenEndpoint::V2))
        .legacy_token(sim.admin_token())
        .build()
        .unwrap();
    let file = &records(&both, EntityKind::Files, 1).await[0];
    let id = file["_id"].as_str().unwrap();
    assert_eq!(both.fetch(EntityKind::Files, id).await.unwrap()["_id"], id);
    let raw = both
        .raw(RawRequest::new("GET", format!("/api/v1/files/{id}/")))
        .await;
    assert_eq!(raw.unwrap()["_id"], id);

    // Without a legacy token the Files API refuses the app's Bearer token (api.md §3.5).
    let app_only = app_client(&sim);
    let err = app_only.fetch(EntityKind::Files, id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::FilesNeedLegacyToken);
}

#[test]
fn raw_requests_deserialise_from_the_json_the_c_abi_passes() {
    let request: RawRequest = serde_json::from_str(
        r#"{"method": "GET", "path": "v1/subnet/", "query": {"limit": 2, "skip": "4"}}"#,
    )
    .unwrap();
    assert_eq!(
        request.query,
        [("limit".into(), "2".into()), ("skip".into(), "4".into())]
    );
    let pairs: RawRequest = serde_json::from_str(
        r#"{"method": "GET", "path": "x", "query": [["a", "1"], ["a", "2"]]}"#,
    )
    .unwrap();
    assert_eq!(pairs.query.len(), 2);
    assert!(
        serde_json::from_str::<RawRequest>(r#"{"method": "GET", "path": "x", "verb": 1}"#).is_err()
    );
}

async fn alert_ids(client: &mdca::Client, n: u64) -> Vec<String> {
    records(client, EntityKind::Alerts, n)
        .await
        .iter()
        .map(|a| a["_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_close_by_an_empty_or_unknown_filter_is_refused_with_no_request_sent() {
    let sim = sim().await;
    let client = token_client(&sim);
    let open_before = sim_count(
        &sim,
        EntityKind::Alerts,
        json!({"resolutionStatus": {"eq": [0]}}),
    );
    sim.reset_stats();
    for (filter, says) in [
        (json!({}), "empty filter"),
        (json!(null), "JSON object"),
        (json!([]), "JSON object"),
        // A misspelt field: a server that ignores it would close every alert.
        (json!({"severty": {"eq": [2]}}), "severty"),
        // `ID` and `id` are the alerts table's spellings; another case is unknown.
        (json!({"Id": {"eq": ["x"]}}), "did you mean"),
        (json!({"severity": {"equals": [2]}}), "equals"),
        (json!({"severity": {"gte_ndays": 2}}), "does not support"),
        (json!({"severity": {}}), "no operator"),
        (json!({"severity": [2]}), "no operator"),
        (json!({"severity": {"eq": ["high"]}}), "integer"),
    ] {
        let err = client
            .close_alerts(
                AlertSelection::Filter(filter.clone()),
                CloseAlerts::new(CloseAs::Benign),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidFilter),
            "{filter}: {err:?}"
        );
        assert!(err.message().contains(says), "{filter}: {}", err.message());
        assert!(
            err.to_string().contains("nothing was sent"),
            "{filter}: {err}"
        );
    }
    assert_eq!(sim.stats().total, 0, "no request reached the tenant");
    assert_eq!(
        sim_count(
            &sim,
            EntityKind::Alerts,
            json!({"resolutionStatus": {"eq": [0]}})
        ),
        open_before
    );
    // A documented filter goes through, normalised (a scalar becomes a one-element list).
    let id = alert_ids(&client, 1).await.remove(0);
    let outcome = client
        .close_alerts(
            AlertSelection::Filter(json!({"id": {"eq": id}})),
            CloseAlerts::new(CloseAs::TruePositive),
        )
        .await
        .unwrap();
    assert_eq!(outcome.closed, 1);
}

#[tokio::test]
async fn repeated_ids_are_sent_once_so_150_distinct_ids_take_2_requests() {
    let sim = sim().await;
    let client = token_client(&sim);
    let distinct = alert_ids(&client, 150).await;
    // Every id twice, the repeats interleaved: 300 ids would be 3 chunks.
    let mut ids = distinct.clone();
    ids.extend(distinct.iter().rev().cloned());
    sim.reset_stats();
    let outcome = client
        .close_alerts(AlertSelection::Ids(ids), CloseAlerts::new(CloseAs::Benign))
        .await
        .unwrap();
    assert_eq!(sim.stats().route("alerts.close_benign"), 2);
    assert_eq!(outcome.closed, 150);
    assert!(outcome.not_found.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_that_fails_on_its_second_chunk_says_which_alerts_are_closed() {
    let sim = std::sync::Arc::new(sim().await);
    let ids = alert_ids(&token_client(&sim), 250).await;
    let benign_before: Vec<bool> = ids.iter().map(|id| is_benign(&sim, id)).collect();
    // One request a second: the second chunk waits a second after the first, long enough to arm the
    // fault between them.
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .rate_limit(RateLimit {
            requests: 1,
            per: Duration::from_secs(1),
        })
        .retry(fast_retry(2))
        .build()
        .unwrap();
    sim.reset_stats();
    let watcher = {
        let sim = sim.clone();
        tokio::spawn(async move {
            while sim.stats().route_status("alerts.close_benign", 200) == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            sim.add_fault(
                FaultSpec::new(FaultKind::Status(503), 10).on_route("alerts.close_benign"),
            );
        })
    };
    let err = client
        .close_alerts(
            AlertSelection::Ids(ids.clone()),
            CloseAlerts::new(CloseAs::Benign),
        )
        .await
        .unwrap_err();
    watcher.await.unwrap();
    // The failing request's own error, retried within its budget, with what was done before it.
    assert_eq!(err.kind(), ErrorKind::ServerError, "{err:?}");
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(sim.stats().route_status("alerts.close_benign", 503), 3);
    assert!(
        err.message()
            .contains("100 of 250 alerts were already closed"),
        "{}",
        err.message()
    );
    let partial = PartialClose::from_error(&err).expect("the detail describes the partial close");
    assert_eq!(partial.closed, 100);
    assert_eq!(partial.closed_ids, ids[..100]);
    assert_eq!(partial.not_closed_ids, ids[100..]);
    assert_eq!(partial.requested, 250);
    // The C ABI and PowerShell read the same from the error JSON.
    let j = err.to_json();
    let detail: Value = serde_json::from_str(j["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["partial_close"]["closed"], 100);
    // Ground truth: the first chunk is closed benign (4), the others kept their status.
    for (i, id) in ids.iter().enumerate() {
        let benign = is_benign(&sim, id);
        assert_eq!(benign, i < 100 || benign_before[i], "alert {i}");
    }
}

fn is_benign(sim: &mdca_sim::Simulator, id: &str) -> bool {
    sim_count(
        sim,
        EntityKind::Alerts,
        json!({"id": {"eq": [id]}, "resolutionStatus": {"eq": [4]}}),
    ) == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_delete_that_finds_the_subnet_gone_counts_as_done() {
    let sim = sim().await;
    let admin = token_client(&sim);
    let spec = SubnetSpec {
        name: "deleted twice".into(),
        category: 6,
        subnets: vec!["192.0.2.0/24".into()],
        organization: None,
        tags: vec![],
    };
    let id = admin.create_subnet(&spec).await.unwrap();
    // The first attempt fails with a 502 after reaching the gateway; before the repeat (a second later)
    // the subnet is deleted, as if that first attempt had deleted it and only its answer was lost.
    let client = builder(&sim)
        .legacy_token(sim.admin_token())
        .retry(RetryPolicy {
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(2),
            ..fast_retry(2)
        })
        .build()
        .unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(502), 1).on_route("subnets.delete"));
    sim.reset_stats();
    let deleting = {
        let (client, id) = (client.clone(), id.clone());
        tokio::spawn(async move { client.delete_subnet(&id).await })
    };
    while sim.stats().route_status("subnets.delete", 502) == 0 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    admin.delete_subnet(&id).await.unwrap();
    deleting
        .await
        .unwrap()
        .expect("the repeat's 404 counts as done");
    assert_eq!(sim.stats().route_status("subnets.delete", 404), 1);
    // A 404 on a first attempt is still an error: that subnet never existed.
    let err = client.delete_subnet(&id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
