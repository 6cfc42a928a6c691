//! Smoke tests of the simulator's own HTTP machinery (auth, identity endpoint, throttle, faults,
//! counters) over real loopback HTTP. The per-rule behaviour tests live in the other test files.

use std::time::Duration;

use mdca_sim::{FaultKind, FaultSpec, SimConfig, ThrottleConfig, MDCA_RESOURCE};
use serde_json::{json, Value};

fn client() -> reqwest::Client {
    // reqwest's features unify with the mdca library's `rustls-no-provider` in a workspace build.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client")
}

async fn token_v2(sim: &mdca_sim::Simulator, id: &str, secret: &str) -> reqwest::Response {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.authority_host(),
        sim.entra_tenant_id()
    );
    let scope = format!("{MDCA_RESOURCE}/.default");
    client()
        .post(url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", scope.as_str()),
        ])
        .send()
        .await
        .expect("token request")
}

#[tokio::test]
async fn missing_and_unknown_credentials_get_401_with_a_detail() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let url = format!("{}/api/v1/alerts/", sim.url());
    let none = client().get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let body: Value = none.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("credentials"));
    let bad = client()
        .get(&url)
        .header("Authorization", format!("Token {}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.json::<Value>().await.unwrap(),
        json!({"detail": "Invalid token."})
    );
    // Another tenant's legacy token is unknown here.
    let mut cfg = SimConfig::for_tests();
    cfg.tenants = 2;
    let two = mdca_sim::start(cfg).await.unwrap();
    let other = client()
        .get(format!("{}/api/v1/alerts/", two.url()))
        .header(
            "Authorization",
            format!("Token {}", two.tenant_admin_token(1)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn identity_endpoint_issues_bearer_tokens_that_files_refuse() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let (id, secret) = sim.app_credentials();
    let resp = token_v2(&sim, &id, &secret).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "JWT-shaped");

    // docs/api.md §14 rule 7: files refuse every bearer token, with a fresh correlation id each time.
    let files = format!("{}/api/v1/files/", sim.url());
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = client()
            .get(&files)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["detail"], "Insufficient role based permissions");
        ids.push(b["correlation_id"].as_str().unwrap().to_string());
    }
    assert_ne!(ids[0], ids[1]);

    let wrong = token_v2(&sim, &id, "not-the-secret").await;
    assert_eq!(wrong.status(), 401);
    let err: Value = wrong.json().await.unwrap();
    assert_eq!(err["error"], "invalid_client");
    assert!(err["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215"));
}

#[tokio::test]
async fn bearer_tokens_stop_working_after_their_lifetime() {
    let mut cfg = SimConfig::for_tests();
    cfg.token_lifetime = Duration::from_millis(300);
    let sim = mdca_sim::start(cfg).await.unwrap();
    let token = sim.bearer_token(0, &["Investigation.read"]);
    let url = format!("{}/api/v1/files/", sim.url());
    // Before expiry the credential is valid (the Files API then refuses it with 403, not 401).
    let r = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn throttle_answers_429_too_many_requests_with_retry_after() {
    let mut cfg = SimConfig::for_tests();
    cfg.throttle = ThrottleConfig {
        requests: 3,
        window: Duration::from_secs(30),
        retry_after_header: true,
    };
    let sim = mdca_sim::start(cfg).await.unwrap();
    let url = format!("{}/api/v1/alerts/", sim.url());
    for _ in 0..3 {
        // Unauthenticated requests still count: the window is per tenant, before auth.
        assert_eq!(client().get(&url).send().await.unwrap().status(), 401);
    }
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.status().canonical_reason(), Some("Too Many Requests"));
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((29..=30).contains(&wait), "Retry-After {wait}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        format!("Request was throttled. Expected available in {wait} seconds.")
    );
    assert_eq!(sim.stats().route_status("alerts.list", 429), 1);

    // The reason phrase on the wire is the one third-party clients look for.
    let addr = sim.addr();
    let raw = raw_request(addr, "GET /api/v1/alerts/ HTTP/1.1").await;
    assert!(
        raw.starts_with("HTTP/1.1 429 TOO MANY REQUESTS\r\n"),
        "{raw}"
    );
}

async fn raw_request(addr: std::net::SocketAddr, line: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("{line}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn faults_fail_the_next_requests_then_disarm() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let url = format!("{}/api/v1/alerts/", sim.url());
    sim.add_fault(FaultSpec::new(FaultKind::Status(502), 1).on_route("alerts"));
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    sim.add_fault(FaultSpec::new(FaultKind::Reset, 1));
    let err = client()
        .get(&url)
        .send()
        .await
        .expect_err("connection reset");
    assert!(!err.is_status(), "{err}");

    sim.add_fault(FaultSpec::new(FaultKind::Truncate, 1));
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

    // Disarmed: the plain answer (401 without credentials) is back.
    assert_eq!(client().get(&url).send().await.unwrap().status(), 401);
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 502), 1);
    assert_eq!(stats.route_status("alerts.list", 0), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 1);
    assert_eq!(stats.route("alerts.list"), 4);
}

#[tokio::test]
async fn control_endpoint_arms_faults_and_reports_stats() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let http = client();
    let armed: Value = http
        .post(format!("{}/_sim/faults", sim.url()))
        .json(&json!({"kind": "status", "status": 503, "count": 2, "route": "files.list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(armed["faults"][0]["count"], 2);
    let files = format!("{}/cas/api/v1/files", sim.url());
    for _ in 0..2 {
        assert_eq!(http.get(&files).send().await.unwrap().status(), 503);
    }
    let stats: Value = http
        .get(format!("{}/_sim/stats", sim.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["by_route_status"]["files.list"]["503"], 2);
    assert_eq!(stats["total"], 2, "control requests are not counted");
}

#[test]
fn start_blocking_serves_from_its_own_thread() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let health: Value = rt.block_on(async {
        client()
            .get(format!("{}/_sim/health", sim.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(health["status"], "ok");
    drop(sim);
}

#[tokio::test]
async fn discovery_upload_streams_categories_and_block_script() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let http = client();
    let auth = format!("Token {}", sim.admin_token());
    let api = |p: &str| format!("{}/api/{p}", sim.url());

    let r = http
        .get(api("v1/discovery/upload_url/"))
        .query(&[("filename", "fw log.txt"), ("source", "PALO_ALTO")])
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["provider"], "azure");
    let upload = body["url"].as_str().unwrap().to_string();

    let finalize = |url: String| {
        http.post(api("v1/discovery/done_upload/"))
            .header("Authorization", &auth)
            .json(&json!({"uploadUrl": url, "inputStreamName": "Snapshot 1", "uploadAsSnapshot": true}))
            .send()
    };
    // Not uploaded yet, then a PUT without the blob type header is refused like Azure does.
    assert_eq!(finalize(upload.clone()).await.unwrap().status(), 400);
    let put = http
        .put(&upload)
        .body("line 1\nline 2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 400);
    let put = http
        .put(&upload)
        .header("x-ms-blob-type", "BlockBlob")
        .body("line 1\nline 2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    assert_eq!(finalize(upload.clone()).await.unwrap().status(), 200);
    assert_eq!(finalize(upload).await.unwrap().status(), 400, "only once");
    assert_eq!(
        finalize("https://example.blob.core.windows.net/x/y".into())
            .await
            .unwrap()
            .status(),
        400
    );

    let streams: Value = http
        .get(api("discovery/streams/"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let streams = streams["streams"].as_array().unwrap();
    assert!(streams.iter().any(|s| s["displayName"] == "Snapshot 1"));
    let stream_id = streams[0]["_id"].as_str().unwrap();

    let cats = http
        .post(api("v1/discovery/discovered_apps/categories/"))
        .header("Authorization", &auth)
        .json(&json!({"streamId": stream_id, "limit": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(cats.status(), 200);
    let cats: Value = cats.json().await.unwrap();
    assert!(cats.as_array().unwrap().len() <= 5);
    let no_stream = http
        .post(api("v1/discovery/discovered_apps/categories/"))
        .header("Authorization", &auth)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_stream.status(), 400);

    let script = http
        .get(api("discovery_block_scripts/"))
        .query(&[("format", "102"), ("type", "banned")])
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(script
        .text()
        .await
        .unwrap()
        .lines()
        .all(|l| l.ends_with(" deny")));

    // Discovery needs a Discovery.* permission: Investigation.read is not enough.
    let reader = sim.bearer_token(0, &["Investigation.read"]);
    let r = http
        .get(api("discovery/streams/"))
        .bearer_auth(reader)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn slow_files_mode_delays_only_deep_files_pages() {
    let mut cfg = SimConfig::for_tests();
    cfg.slow_files = Some(mdca_sim::SlowFiles {
        min_skip: 200,
        delay: Duration::from_millis(600),
    });
    let sim = mdca_sim::start(cfg).await.unwrap();
    let url = format!("{}/api/v1/files/", sim.url());
    let page = |skip: u64| {
        client()
            .post(&url)
            .header("Authorization", format!("Token {}", sim.admin_token()))
            .json(&json!({"skip": skip, "limit": 10}))
            .send()
    };
    let t = std::time::Instant::now();
    assert_eq!(page(0).await.unwrap().status(), 200);
    let shallow = t.elapsed();
    let t = std::time::Instant::now();
    assert_eq!(page(200).await.unwrap().status(), 200);
    let deep = t.elapsed();
    assert!(
        deep >= Duration::from_millis(600),
        "deep page took {deep:?}"
    );
    assert!(
        shallow < Duration::from_millis(600),
        "first page took {shallow:?}"
    );
}

/// A list page larger than a piece (64 KiB) is sent while it is written, as a real server streams a large
/// response (chunked, no length); a small page goes whole with its length. Both are the same JSON.
#[tokio::test]
async fn large_list_pages_stream_while_small_ones_carry_their_length() {
    let sim = mdca_sim::start(SimConfig::for_tests()).await.unwrap();
    let url = format!("{}/api/v1/activities/", sim.url());
    let post = |body: Value| {
        client()
            .post(&url)
            .header("Authorization", format!("Token {}", sim.admin_token()))
            .json(&body)
            .send()
    };
    let large = post(json!({"isScan": true, "limit": 1000})).await.unwrap();
    assert_eq!(large.status(), 200);
    assert_eq!(large.headers().get("content-length"), None);
    assert_eq!(
        large.headers()["transfer-encoding"].to_str().unwrap(),
        "chunked"
    );
    let page: Value = large.json().await.unwrap();
    // A non-final scan page drops the records sharing its last timestamp (api.md §14 rule 13).
    let records = page["data"].as_array().unwrap().len();
    assert!((900..1000).contains(&records), "{records} records");
    assert_eq!(page["hasNext"], json!(true));
    assert!(page["nextQueryFilters"].is_object());

    let small = post(json!({"limit": 2})).await.unwrap();
    let length: usize = small.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let text = small.text().await.unwrap();
    assert_eq!(text.len(), length);
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 2);

    // A refused list request is still a plain 400 with a body, not a stream.
    let refused = post(json!({"filters": {"no_such_field": {"eq": 1}}}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get("content-length").is_some());
}
