//! Secrets (API tokens, client secrets, access tokens) never appear in error text, `Debug` output, the
//! errors' JSON, or log lines — even at trace level, including the HTTP stack's own logs.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use mdca::{AppCredentials, ClientOptions, EntityKind, TokenEndpoint};
use mdca_sim::SimConfig;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn assert_absent(secrets: &[&str], what: &str, text: &str) {
    for s in secrets {
        assert!(!text.contains(s), "a secret leaked into {what}: {text}");
    }
}

fn check_error(secrets: &[&str], e: &mdca::Error) {
    assert_absent(secrets, "Display", &e.to_string());
    assert_absent(secrets, "Debug", &format!("{e:?}"));
    assert_absent(secrets, "to_json", &e.to_json().to_string());
}

// Current-thread runtime: the capturing subscriber is thread-local, and every client task (hyper's
// connection tasks included) runs on this thread. The simulator runs on its own threads.
#[tokio::test]
async fn secrets_never_appear_in_errors_debug_output_or_logs_even_at_trace_level() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let admin_token = sim.admin_token();
    let (client_id, client_secret) = sim.app_credentials();
    let access_token = sim.bearer_token(0, &[mdca_sim::INVESTIGATION_READ]);
    let wrong_secret = "wrong-secret-Zq8~value";
    let wrong_token = "f".repeat(64);
    let proxy_password = "proxy-Pa55word";
    let secrets = [
        admin_token.as_str(),
        client_secret.as_str(),
        access_token.as_str(),
        wrong_secret,
        wrong_token.as_str(),
        proxy_password,
    ];
    let proxy = format!("http://user:{proxy_password}@127.0.0.1:1");

    // Successful calls with each credential kind.
    let token = token_client(&sim);
    one_page(&token, EntityKind::Alerts, 2).await.unwrap();
    let app = builder(&sim)
        .app_credentials(app_credentials(&sim, TokenEndpoint::V2))
        .legacy_token(admin_token.clone())
        .build()
        .unwrap();
    one_page(&app, EntityKind::Alerts, 2).await.unwrap();
    one_page(&app, EntityKind::Files, 2).await.unwrap();
    let bearer = builder(&sim)
        .bearer_token(access_token.clone())
        .build()
        .unwrap();
    one_page(&bearer, EntityKind::Alerts, 2).await.unwrap();

    // Failures with each credential kind.
    let errors = vec![
        one_page(&bearer, EntityKind::Files, 2).await.unwrap_err(),
        one_page(
            &builder(&sim)
                .legacy_token(wrong_token.clone())
                .build()
                .unwrap(),
            EntityKind::Alerts,
            2,
        )
        .await
        .unwrap_err(),
        one_page(
            &builder(&sim)
                .app_credentials(
                    AppCredentials::new(sim.entra_tenant_id(), &client_id, wrong_secret)
                        .authority_host(sim.authority_host()),
                )
                .build()
                .unwrap(),
            EntityKind::Alerts,
            2,
        )
        .await
        .unwrap_err(),
        // Nothing listens on the proxy's port.
        one_page(
            &builder(&sim)
                .legacy_token(admin_token.clone())
                .proxy(proxy.clone())
                .retry(fast_retry(0))
                .build()
                .unwrap(),
            EntityKind::Alerts,
            2,
        )
        .await
        .unwrap_err(),
    ];
    for e in &errors {
        check_error(&secrets, e);
    }

    // Debug output of everything that holds a secret.
    let json = serde_json::json!({
        "url": sim.url(),
        "auth": {"type": "app", "tenant_id": sim.entra_tenant_id(), "client_id": client_id,
                 "client_secret": client_secret, "authority_host": sim.authority_host(),
                 "legacy_token": admin_token},
    })
    .to_string();
    let opts = ClientOptions::from_json(&json).unwrap();
    assert_absent(&secrets, "ClientOptions Debug", &format!("{opts:?}"));
    let bearer_opts = builder(&sim)
        .bearer_token(access_token.clone())
        .into_options()
        .unwrap();
    assert_absent(&secrets, "ClientOptions Debug", &format!("{bearer_opts:?}"));
    assert_absent(
        &secrets,
        "Client Debug",
        &format!("{app:?} {bearer:?} {token:?}"),
    );
    let with_proxy = builder(&sim)
        .legacy_token(admin_token.clone())
        .proxy(proxy.clone());
    assert_absent(&secrets, "ClientBuilder Debug", &format!("{with_proxy:?}"));
    let proxy_opts = with_proxy.into_options().unwrap();
    assert_absent(&secrets, "ClientOptions Debug", &format!("{proxy_opts:?}"));

    // A bad JSON option that names a secret field still does not echo its value.
    let bad = serde_json::json!({"url": sim.url(), "auth": {"type": "token", "token": admin_token, "extra": 1}})
        .to_string();
    check_error(&secrets, &ClientOptions::from_json(&bad).unwrap_err());

    let logs = captured.text();
    // The capture works: the core logged the requests it sent.
    assert!(logs.contains("sending"), "no debug logs captured");
    assert!(logs.contains("v1/alerts/"), "{logs}");
    assert_absent(&secrets, "the debug log", &logs);
    assert!(
        !logs.to_ascii_lowercase().contains("authorization: "),
        "{logs}"
    );
}
