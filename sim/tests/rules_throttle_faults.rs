//! docs/api.md §14 rules 28–29: throttling per tenant and fault switches, plus the control endpoint
//! that arms faults and counts requests.

mod common;

use std::time::{Duration, Instant};

use common::{raw_http, Auth, Body, Harness};
use mdca_sim::{FaultKind, FaultSpec, ThrottleConfig};
use reqwest::Method;
use serde_json::{json, Value};

fn throttled(requests: u32, retry_after_header: bool) -> mdca_sim::SimConfig {
    let mut cfg = common::test_config();
    cfg.throttle = ThrottleConfig {
        requests,
        window: Duration::from_secs(60),
        retry_after_header,
    };
    cfg
}

/// Spends the tenant's whole budget with cheap successful calls.
async fn exhaust(h: &Harness, url: &str, n: u32) {
    let token = h.admin();
    for i in 0..n {
        let reply = h
            .send(Method::GET, url, Auth::Token(&token), Body::None)
            .await;
        assert_eq!(
            reply.status,
            200,
            "request {} of {n} was refused: {}",
            i + 1,
            reply.text
        );
    }
}

/// The seconds announced in the throttle message (api.md §12).
fn announced_wait(body: &Value) -> u64 {
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no error.message: {body}"));
    let secs: u64 = message
        .strip_prefix("Request was throttled. Expected available in ")
        .and_then(|rest| rest.strip_suffix(" seconds."))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected throttle message {message:?}"));
    assert!(
        (1..=60).contains(&secs),
        "wait {secs}s outside the 60 s window"
    );
    assert_eq!(
        message,
        format!("Request was throttled. Expected available in {secs} seconds.")
    );
    secs
}

#[tokio::test]
async fn rule_28a_more_than_30_requests_a_minute_for_one_tenant_get_429_too_many_requests_with_retry_after(
) {
    let h = Harness::with(throttled(30, true)).await;
    let url = h.api("v1/alerts/");
    exhaust(&h, &url, 30).await;

    // reqwest hides the reason phrase, so the 31st request goes over a raw connection.
    let token = format!("Token {}", h.admin());
    let raw = raw_http(
        &h.sim.url(),
        "GET",
        "/api/v1/alerts/",
        &[("Authorization", token.as_str())],
    )
    .await;
    assert_eq!(raw.status_line, "HTTP/1.1 429 TOO MANY REQUESTS");
    let body: Value = serde_json::from_str(&raw.body).expect("JSON body");
    let secs = announced_wait(&body);
    assert_eq!(raw.header("Retry-After"), Some(secs.to_string()));
    assert!(raw
        .header("Content-Type")
        .is_some_and(|ct| ct.starts_with("application/json")));

    // Every kind of API call counts against the same tenant budget, whatever the credential.
    let bearer = h.manage_bearer().await;
    let reply = h
        .send(
            Method::POST,
            &h.api("v1/activities/"),
            Auth::Bearer(&bearer),
            Body::Json(json!({})),
        )
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        reply.header("retry-after").map(str::to_string),
        Some(announced_wait(&reply.json()).to_string())
    );
}

#[tokio::test]
async fn rule_28b_the_429_variant_without_retry_after_still_announces_the_wait_in_its_message() {
    let h = Harness::with(throttled(5, false)).await;
    let url = h.api("v1/files/");
    exhaust(&h, &url, 5).await;
    let admin = h.admin();
    let reply = h
        .send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await;
    assert_eq!(reply.status, 429, "{}", reply.text);
    assert!(
        reply.header("retry-after").is_none(),
        "Retry-After was sent"
    );
    announced_wait(&reply.json());

    // The switch can be flipped on a running simulator.
    h.sim.set_throttle(ThrottleConfig {
        requests: 5,
        window: Duration::from_secs(60),
        retry_after_header: true,
    });
    let reply = h
        .send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await;
    assert_eq!(reply.status, 429, "{}", reply.text);
    let secs = announced_wait(&reply.json());
    assert_eq!(reply.header("retry-after"), Some(secs.to_string().as_str()));

    // Turning throttling off admits requests again.
    h.sim.set_throttle(ThrottleConfig {
        requests: 0,
        window: Duration::from_secs(60),
        retry_after_header: true,
    });
    exhaust(&h, &url, 10).await;
}

#[tokio::test]
async fn rule_28c_each_tenant_has_its_own_throttle_under_t_tenant_paths() {
    let mut cfg = throttled(30, true);
    cfg.tenants = 3;
    let h = Harness::with(cfg).await;
    let main = h.api("v1/alerts/");
    exhaust(&h, &main, 30).await;
    let admin = h.admin();
    let reply = h
        .send(Method::GET, &main, Auth::Token(&admin), Body::None)
        .await;
    assert_eq!(reply.status, 429);

    // Tenant 1 still has its full budget, under both prefixes, and its own token.
    let t1 = h.sim.tenant_admin_token(1);
    for i in 0..30 {
        let prefix = if i % 2 == 0 { "api" } else { "cas/api" };
        let url = format!("{}/{prefix}/v1/alerts/", h.sim.tenant_url(1));
        let reply = h
            .send(Method::GET, &url, Auth::Token(&t1), Body::None)
            .await;
        assert_eq!(
            reply.status,
            200,
            "tenant 1 request {}: {}",
            i + 1,
            reply.text
        );
    }
    let reply = h
        .send(
            Method::GET,
            &h.tenant_api(1, "v1/alerts/"),
            Auth::Token(&t1),
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 429);

    // Tenant 2 is untouched by both.
    let t2 = h.sim.tenant_admin_token(2);
    h.send(
        Method::GET,
        &h.tenant_api(2, "v1/alerts/"),
        Auth::Token(&t2),
        Body::None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn multi_tenant_paths_serve_separate_datasets_and_tokens() {
    let mut cfg = common::test_config();
    cfg.tenants = 2;
    let h = Harness::with(cfg).await;
    let t1 = h.sim.tenant_admin_token(1);
    let main_ids = common::ids(&h.list_all("v1/alerts/", json!({})).await);
    let tenant_page = h
        .send(
            Method::POST,
            &h.tenant_api(1, "v1/alerts/"),
            Auth::Token(&t1),
            Body::Json(json!({})),
        )
        .await
        .expect(200);
    let tenant_ids = common::ids(tenant_page["data"].as_array().unwrap());
    assert!(!tenant_ids.is_empty());
    assert!(
        tenant_ids.iter().all(|id| !main_ids.contains(id)),
        "tenant 1 shares alert ids with the default tenant"
    );
    // A tenant's token is not valid on another tenant.
    let reply = h
        .send(
            Method::GET,
            &h.api("v1/alerts/"),
            Auth::Token(&t1),
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
    let admin = h.admin();
    let reply = h
        .send(
            Method::GET,
            &h.tenant_api(1, "v1/alerts/"),
            Auth::Token(&admin),
            Body::None,
        )
        .await;
    assert_eq!(reply.status, 401, "{}", reply.text);
}

async fn arm(h: &Harness, fault: Value) {
    let reply = h
        .send(
            Method::POST,
            &h.url("_sim/faults"),
            Auth::None,
            Body::Json(fault.clone()),
        )
        .await;
    assert!(
        (200..300).contains(&reply.status),
        "arming {fault} answered {}: {}",
        reply.status,
        reply.text
    );
}

#[tokio::test]
async fn rule_29a_status_faults_answer_500_502_503_or_504_for_the_next_n_calls() {
    let h = Harness::start().await;
    let admin = h.admin();
    let url = h.api("v1/alerts/");
    for code in [500u16, 502, 503, 504] {
        arm(&h, json!({"kind": "status", "status": code, "count": 2})).await;
        for n in 1..=2 {
            let reply = h
                .send(Method::GET, &url, Auth::Token(&admin), Body::None)
                .await;
            assert_eq!(reply.status, code, "call {n} with a {code} fault armed");
        }
        h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
            .await
            .expect(200);
    }
    // The library handle arms the same switches.
    h.sim.add_fault(FaultSpec {
        kind: FaultKind::Status(502),
        count: 1,
        route: None,
    });
    let reply = h
        .send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await;
    assert_eq!(reply.status, 502);
    h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);
}

#[tokio::test]
async fn rule_29b_a_fault_limited_to_one_route_leaves_the_other_routes_alone() {
    let h = Harness::start().await;
    let file =
        common::id_of(&h.post("v1/files/", json!({"limit": 1})).await.expect(200)["data"][0]);
    arm(
        &h,
        json!({"kind": "status", "status": 503, "count": 1, "route": "files.list"}),
    )
    .await;

    let listed = h.get("v1/faults_do_not_exist/").await;
    assert_eq!(
        listed.status, 404,
        "an unknown route neither matches nor consumes the fault"
    );
    h.post("v1/alerts/", json!({})).await.expect(200);
    h.get(&format!("v1/files/{file}/")).await.expect(200);
    let armed = h
        .send(Method::GET, &h.url("_sim/faults"), Auth::None, Body::None)
        .await
        .expect(200);
    assert!(
        armed.to_string().contains("files.list"),
        "armed faults: {armed}"
    );

    assert_eq!(h.post("v1/files/", json!({})).await.status, 503);
    h.post("v1/files/", json!({})).await.expect(200);

    // DELETE disarms everything still armed.
    arm(
        &h,
        json!({"kind": "status", "status": 500, "count": 5, "route": "alerts"}),
    )
    .await;
    let reply = h
        .send(
            Method::DELETE,
            &h.url("_sim/faults"),
            Auth::None,
            Body::None,
        )
        .await;
    assert!((200..300).contains(&reply.status), "{}", reply.text);
    h.post("v1/alerts/", json!({})).await.expect(200);
}

#[tokio::test]
async fn rule_29c_reset_fault_aborts_the_connection_without_a_response() {
    let h = Harness::start().await;
    arm(
        &h,
        json!({"kind": "reset", "count": 1, "route": "alerts.list"}),
    )
    .await;
    let admin = h.admin();
    let url = h.api("v1/alerts/");
    let err = h
        .try_send(&h.http, Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect_err("a reset connection yields no response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);
}

#[tokio::test]
async fn rule_29d_truncate_fault_cuts_the_json_body_short() {
    let h = Harness::start().await;
    let whole = h.post("v1/alerts/", json!({"limit": 20})).await;
    arm(&h, json!({"kind": "truncate", "count": 1})).await;
    let admin = h.admin();
    let cut = h
        .try_send(
            &h.http,
            Method::POST,
            &h.api("v1/alerts/"),
            Auth::Token(&admin),
            Body::Json(json!({"limit": 20})),
        )
        .await
        .expect("a truncated body is still a complete HTTP response");
    assert_eq!(cut.status, 200);
    assert!(
        serde_json::from_str::<Value>(&cut.text).is_err(),
        "truncated body parses as JSON"
    );
    assert!(cut.text.len() < whole.text.len());
    assert!(
        whole.text.starts_with(&cut.text),
        "the cut body is a prefix of the real one"
    );
    assert_eq!(
        h.post("v1/alerts/", json!({"limit": 20})).await.json(),
        whole.json()
    );
}

#[tokio::test]
async fn rule_29e_stall_fault_delays_the_answer_so_client_timeouts_fire() {
    // The files list is the documented place for timeouts (api.md §4.3, §8).
    let h = Harness::start().await;
    h.sim.add_fault(FaultSpec {
        kind: FaultKind::Stall(Duration::from_millis(1500)),
        count: 2,
        route: Some("files.list".into()),
    });
    let admin = h.admin();
    let url = h.api("v1/files/");
    let impatient = common::http_client(Duration::from_millis(300));
    let err = h
        .try_send(
            &impatient,
            Method::GET,
            &url,
            Auth::Token(&admin),
            Body::None,
        )
        .await
        .expect_err("the stalled call outlasts a 300 ms timeout");
    assert!(err.is_timeout(), "{err:?}");

    let started = Instant::now();
    h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "a third call was stalled too"
    );
}

#[tokio::test]
async fn rule_29g_slow_mode_makes_deep_files_pages_time_out_while_the_first_pages_stay_fast() {
    let h = Harness::start().await;
    let admin = h.admin();
    let url = h.api("v1/files/");
    let reply = h
        .send(
            Method::POST,
            &h.url("_sim/settings"),
            Auth::None,
            Body::Json(json!({"slow_files": {"min_skip": 200, "delay_ms": 2500}})),
        )
        .await
        .expect(200);
    assert_eq!(
        reply["slow_files"],
        json!({"min_skip": 200, "delay_ms": 2500})
    );
    let page = |skip: u64| Body::Json(json!({"skip": skip, "limit": 100}));
    let impatient = common::http_client(Duration::from_millis(1000));

    // Shallow pages answer within the client's timeout...
    for skip in [0, 100] {
        let reply = h
            .try_send(
                &impatient,
                Method::POST,
                &url,
                Auth::Token(&admin),
                page(skip),
            )
            .await
            .unwrap_or_else(|e| panic!("skip {skip} timed out: {e}"));
        assert_eq!(reply.status, 200);
    }
    // ...deep ones outlast it, and answer correctly to a patient client.
    let err = h
        .try_send(
            &impatient,
            Method::POST,
            &url,
            Auth::Token(&admin),
            page(200),
        )
        .await
        .expect_err("a deep files page outlasts a 1 s timeout");
    assert!(err.is_timeout(), "{err:?}");
    let started = Instant::now();
    let deep = h
        .send(Method::POST, &url, Auth::Token(&admin), page(200))
        .await
        .expect(200);
    assert!(started.elapsed() >= Duration::from_millis(2400));
    assert!(!deep["data"].as_array().unwrap().is_empty());

    // Other lists are not affected, and the mode turns off again.
    let alerts = h.api("v1/alerts/");
    h.try_send(
        &impatient,
        Method::POST,
        &alerts,
        Auth::Token(&admin),
        page(200),
    )
    .await
    .expect("alerts are not slowed")
    .expect(200);
    h.sim.set_slow_files(None);
    h.try_send(
        &impatient,
        Method::POST,
        &url,
        Auth::Token(&admin),
        page(200),
    )
    .await
    .expect("slow mode off")
    .expect(200);
}

#[tokio::test]
async fn rule_29f_expire_token_fault_answers_401_and_revokes_the_bearer_token() {
    let h = Harness::start().await;
    let bearer = h.manage_bearer().await;
    let url = h.api("v1/alerts/");
    h.send(Method::GET, &url, Auth::Bearer(&bearer), Body::None)
        .await
        .expect(200);
    arm(&h, json!({"kind": "expire_token"})).await;
    let reply = h
        .send(Method::GET, &url, Auth::Bearer(&bearer), Body::None)
        .await;
    reply.expect(401);
    // The fault is spent, yet the token stays revoked: a client must fetch a new one.
    let reply = h
        .send(Method::GET, &url, Auth::Bearer(&bearer), Body::None)
        .await;
    reply.expect(401);
    let fresh = h.manage_bearer().await;
    h.send(Method::GET, &url, Auth::Bearer(&fresh), Body::None)
        .await
        .expect(200);
}

#[tokio::test]
async fn control_endpoint_counts_requests_per_route_and_per_status() {
    let h = Harness::start().await;
    let alert =
        common::id_of(&h.post("v1/alerts/", json!({"limit": 1})).await.expect(200)["data"][0]);
    let reset = h
        .send(
            Method::POST,
            &h.url("_sim/stats/reset"),
            Auth::None,
            Body::None,
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);

    for _ in 0..3 {
        h.post("v1/alerts/", json!({})).await.expect(200);
    }
    h.get(&format!("v1/alerts/{alert}/")).await.expect(200);
    h.get("v1/alerts/0000000000000000000000ff/").await; // 404
    h.send(Method::GET, &h.api("v1/files/"), Auth::None, Body::None)
        .await; // 401
    arm(
        &h,
        json!({"kind": "status", "status": 503, "count": 2, "route": "activities.list"}),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(h.post("v1/activities/", json!({})).await.status, 503);
    }
    h.post("v1/activities/", json!({})).await.expect(200);

    let stats = h.stats().await;
    assert_eq!(stats["total"], json!(9), "{stats}");
    assert_eq!(stats["by_route"]["alerts.list"], json!(3), "{stats}");
    assert_eq!(stats["by_route"]["alerts.fetch"], json!(2), "{stats}");
    assert_eq!(stats["by_route"]["files.list"], json!(1), "{stats}");
    assert_eq!(stats["by_route"]["activities.list"], json!(3), "{stats}");
    assert_eq!(stats["by_status"]["200"], json!(5), "{stats}");
    assert_eq!(stats["by_status"]["404"], json!(1), "{stats}");
    assert_eq!(stats["by_status"]["401"], json!(1), "{stats}");
    assert_eq!(stats["by_status"]["503"], json!(2), "{stats}");
    assert_eq!(
        stats["by_route_status"]["activities.list"]["503"],
        json!(2),
        "{stats}"
    );
    assert_eq!(
        stats["by_route_status"]["activities.list"]["200"],
        json!(1),
        "{stats}"
    );
    assert_eq!(
        stats["by_route_status"]["alerts.fetch"]["404"],
        json!(1),
        "{stats}"
    );

    // Reading the counters is not counted; the library handle sees the same numbers.
    assert_eq!(h.stats().await["total"], json!(9));
    let snapshot = h.sim.stats();
    assert_eq!(snapshot.total, 9);
    assert_eq!(snapshot.route_status("activities.list", 503), 2);
    assert_eq!(snapshot.status(401), 1);
    h.sim.reset_stats();
    let stats = h.stats().await;
    assert_eq!(stats["total"], json!(0), "{stats}");

    let health = h
        .send(Method::GET, &h.url("_sim/health"), Auth::None, Body::None)
        .await;
    assert_eq!(health.status, 200, "{}", health.text);
}
