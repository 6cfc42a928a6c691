//! Device code sign-in (docs/api.md §3.9) against the simulator's loopback device authorization and
//! token endpoints: the user approves, declines or lets the code expire through the control endpoint
//! (`/_sim/device_code`) while the client polls; the client honours the interval and `slow_down`
//! (checked on the poll times the simulator records), refreshes with the refresh token, reports a
//! revoked sign-in, and stops polling when cancelled.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use mdca::auth::AuthMode;
use mdca::{CancelToken, Client, DeviceCode, DeviceCodePrompt, EntityKind, ErrorKind};
use mdca_sim::Simulator;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The interval the simulator hands out in these tests; the client must wait at least this long.
const INTERVAL_MS: u64 = 100;

/// One request to the simulator's device code control endpoint, over plain loopback HTTP.
async fn control(sim: &Simulator, body: Option<Value>) -> Value {
    let addr = sim.addr();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = match body {
        Some(b) => {
            let b = b.to_string();
            format!(
                "POST /_sim/device_code HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                b.len()
            )
        }
        None => {
            format!("GET /_sim/device_code HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
        }
    };
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{text}");
    serde_json::from_str(body).unwrap()
}

/// A simulator whose device codes ask for polls every `INTERVAL_MS`.
async fn device_sim() -> Simulator {
    let sim = sim().await;
    control(&sim, Some(json!({"interval_ms": INTERVAL_MS}))).await;
    sim
}

type Prompts = Arc<Mutex<Vec<DeviceCodePrompt>>>;

fn options(sim: &Simulator) -> DeviceCode {
    DeviceCode::new(sim.entra_tenant_id(), sim.public_client_id())
        .authority_host(sim.authority_host())
}

/// A client whose prompts are collected (as a terminal would show them).
fn device_client(sim: &Simulator) -> (Client, Prompts) {
    let prompts: Prompts = Arc::default();
    let seen = prompts.clone();
    let client = builder(sim)
        .device_code(options(sim).on_prompt(move |p| seen.lock().unwrap().push(p.clone())))
        .build()
        .expect("device code client");
    (client, prompts)
}

/// The simulator's record of the newest code.
async fn newest_code(sim: &Simulator) -> Value {
    let snap = control(sim, None).await;
    snap["codes"]
        .as_array()
        .unwrap()
        .last()
        .cloned()
        .unwrap_or(Value::Null)
}

fn answers(code: &Value) -> Vec<String> {
    code["polls"]
        .as_array()
        .map(|p| {
            p.iter()
                .map(|p| p["answer"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn poll_times(code: &Value) -> Vec<u64> {
    code["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["at_ms"].as_u64().unwrap())
        .collect()
}

/// Waits (briefly) until the newest code has at least `n` polls answered `answer`.
async fn wait_for_answers(sim: &Simulator, answer: &str, n: usize) -> Value {
    for _ in 0..400 {
        let code = newest_code(sim).await;
        if answers(&code).iter().filter(|a| *a == answer).count() >= n {
            return code;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no {n} {answer} polls: {}", newest_code(sim).await);
}

async fn act(sim: &Simulator, action: &str) {
    control(sim, Some(json!({"action": action}))).await;
}

/// Signs in on another task; the test plays the user.
fn spawn_sign_in(client: &Client) -> (tokio::task::JoinHandle<mdca::Result<()>>, CancelToken) {
    let cancel = CancelToken::new();
    let (c, t) = (client.clone(), cancel.clone());
    (tokio::spawn(async move { c.sign_in(&t).await }), cancel)
}

#[tokio::test]
async fn the_client_polls_through_pending_answers_until_the_user_approves() {
    let sim = device_sim().await;
    let (client, prompts) = device_client(&sim);
    assert_eq!(client.auth_mode(), AuthMode::DeviceCode);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 3).await;
    act(&sim, "approve").await;
    task.await.unwrap().expect("signed in");

    let prompt = prompts.lock().unwrap()[0].clone();
    assert_eq!(prompts.lock().unwrap().len(), 1);
    assert!(prompt.message.contains(&prompt.user_code), "{prompt:?}");
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert!((prompt.interval - 0.1).abs() < 1e-9);
    let code = newest_code(&sim).await;
    assert_eq!(code["status"], "redeemed");
    assert!(!answers(&code).contains(&"slow_down".to_string()), "{code}");
    // Never sooner than the interval: not after the code was issued, not after a previous answer.
    let times = poll_times(&code);
    assert!(times[0] >= INTERVAL_MS, "{times:?}");
    for w in times.windows(2) {
        assert!(w[1] - w[0] >= INTERVAL_MS, "{times:?}");
    }
    // The delegated token works against the API, and the sign-in is not repeated.
    assert_eq!(one_page(&client, EntityKind::Alerts, 5).await.unwrap(), 5);
    assert_eq!(
        one_page(&client, EntityKind::Activities, 5).await.unwrap(),
        5
    );
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.devicecode", 200), 1, "{stats:?}");
    assert_eq!(stats.route_status("oauth2.token", 200), 1, "{stats:?}");
}

#[tokio::test]
async fn slow_down_adds_five_seconds_to_the_interval_for_good() {
    let sim = device_sim().await;
    let (client, _) = device_client(&sim);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 1).await;
    control(&sim, Some(json!({"action": "slow_down", "count": 1}))).await;
    let code = wait_for_answers(&sim, "slow_down", 1).await;
    let slowed_at = *poll_times(&code).last().unwrap();
    // The next poll comes no sooner than the grown interval; the sim would answer slow_down again.
    let code = wait_for_answers(&sim, "authorization_pending", 2).await;
    act(&sim, "approve").await;
    task.await.unwrap().expect("signed in");
    let times = poll_times(&code);
    let after = times.iter().find(|t| **t > slowed_at).unwrap();
    assert!(
        after - slowed_at >= INTERVAL_MS + 5000,
        "poll {after} ms came too soon after slow_down at {slowed_at} ms"
    );
    assert_eq!(
        answers(&newest_code(&sim).await)
            .iter()
            .filter(|a| *a == "slow_down")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_declined_sign_in_is_its_own_error() {
    let sim = device_sim().await;
    let (client, _) = device_client(&sim);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 1).await;
    act(&sim, "decline").await;
    let e = task.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DeviceCodeDeclined, "{e:?}");
    assert_eq!(e.code(), 110);
    assert_eq!(e.http_status(), Some(400));
    assert!(e.hint().unwrap().contains("sign in again"), "{e:?}");
}

#[tokio::test]
async fn an_expired_code_is_its_own_error() {
    let sim = device_sim().await;
    let (client, _) = device_client(&sim);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 1).await;
    act(&sim, "expire").await;
    let e = task.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DeviceCodeExpired, "{e:?}");
    assert_eq!(e.code(), 111);
    assert!(answers(&newest_code(&sim).await).contains(&"expired_token".to_string()));
}

#[tokio::test]
async fn a_code_past_its_lifetime_is_not_polled_any_more() {
    let sim = device_sim().await;
    control(&sim, Some(json!({"expires_in_secs": 0.3}))).await;
    let (client, _) = device_client(&sim);
    let e = client.sign_in(&CancelToken::new()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DeviceCodeExpired, "{e:?}");
    let polls = answers(&newest_code(&sim).await).len();
    assert!(polls <= 4, "{polls} polls in 300 ms at a 100 ms interval");
}

#[tokio::test]
async fn the_refresh_token_renews_an_expired_access_token() {
    let sim = device_sim().await;
    sim.set_token_lifetime(Duration::from_secs(1));
    let (client, prompts) = device_client(&sim);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 1).await;
    act(&sim, "approve").await;
    task.await.unwrap().unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    let stats = sim.stats();
    // One device code exchange and one refresh; no second sign-in, no refused API call.
    assert_eq!(stats.route_status("oauth2.token", 200), 2, "{stats:?}");
    assert_eq!(stats.route_status("oauth2.devicecode", 200), 1);
    assert_eq!(stats.route_status("alerts.list", 401), 0);
    assert_eq!(prompts.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_to_sign_in_again() {
    let sim = device_sim().await;
    sim.set_token_lifetime(Duration::from_secs(1));
    let (client, prompts) = device_client(&sim);
    let (task, _) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 1).await;
    act(&sim, "approve").await;
    task.await.unwrap().unwrap();
    control(&sim, Some(json!({"revoke_refresh_tokens": true}))).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let e = one_page(&client, EntityKind::Alerts, 2).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e:?}");
    assert_eq!(e.code(), 112);
    assert!(e.detail().unwrap().contains("invalid_grant") || e.message().contains("invalid_grant"));
    assert!(e.hint().unwrap().contains("sign in again"), "{e:?}");
    // The refusal is reported, not answered by a new prompt behind the caller's back.
    assert_eq!(prompts.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn cancelling_stops_the_polling() {
    let sim = device_sim().await;
    let (client, _) = device_client(&sim);
    let (task, cancel) = spawn_sign_in(&client);
    wait_for_answers(&sim, "authorization_pending", 2).await;
    cancel.cancel();
    let e = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("cancel is prompt")
        .unwrap()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    let polls = answers(&newest_code(&sim).await).len();
    tokio::time::sleep(Duration::from_millis(4 * INTERVAL_MS)).await;
    assert_eq!(answers(&newest_code(&sim).await).len(), polls);
}

#[tokio::test]
async fn the_two_step_sign_in_needs_no_callback() {
    let sim = device_sim().await;
    let client = builder(&sim).device_code(options(&sim)).build().unwrap();
    let cancel = CancelToken::new();
    // Nothing pending and nowhere to show a prompt: a request says to sign in first, and sends nothing.
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e:?}");
    assert_eq!(sim.stats().route("alerts.list"), 0);
    let prompt = client.device_code_begin(&cancel).await.unwrap();
    assert_eq!(prompt.user_code.len(), 9);
    control(
        &sim,
        Some(json!({"action": "approve", "user_code": prompt.user_code})),
    )
    .await;
    client.sign_in(&cancel).await.unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 3).await.unwrap(), 3);
    // Other credentials have no device code to begin.
    let e = token_client(&sim)
        .device_code_begin(&cancel)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
}

#[tokio::test]
async fn an_app_without_public_client_flows_gets_a_hint() {
    let sim = device_sim().await;
    let (confidential, _) = sim.app_credentials();
    let client = builder(&sim)
        .device_code(
            DeviceCode::new(sim.entra_tenant_id(), confidential)
                .authority_host(sim.authority_host()),
        )
        .build()
        .unwrap();
    let cancel = CancelToken::new();
    client.device_code_begin(&cancel).await.unwrap();
    act(&sim, "approve").await;
    let e = client.sign_in(&cancel).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed, "{e:?}");
    assert_eq!(e.http_status(), Some(401));
    assert!(
        e.hint().unwrap().contains("Allow public client flows"),
        "{e:?}"
    );
}

#[tokio::test]
async fn json_options_carry_a_device_code_sign_in() {
    let sim = device_sim().await;
    let json = json!({
        "url": sim.url(),
        "auth": {"type": "device_code", "tenant_id": sim.entra_tenant_id(),
                 "client_id": sim.public_client_id(), "authority_host": sim.authority_host()},
    });
    let o = mdca::ClientOptions::from_json(&json.to_string()).unwrap();
    assert_eq!(o.auth.mode_name(), "device_code");
    let client = Client::from_options(o).unwrap();
    assert_eq!(client.auth_mode(), AuthMode::DeviceCode);
    let bad = json!({"url": sim.url(), "auth": {"type": "device_code", "tenant_id": "t", "client_id": ""}});
    assert_eq!(
        mdca::ClientOptions::from_json(&bad.to_string())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidConfig
    );
}
