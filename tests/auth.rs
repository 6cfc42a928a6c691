//! Authentication rules (api.md §3): legacy token, application context (v2 and v1 endpoints), token
//! refresh, the one refresh-and-retry on 401, identity endpoint errors, the Files quirk and 403 hints.

mod common;

use std::time::Duration;

use common::*;
use mdca::{
    AlertSelection, AppCredentials, CloseAlerts, CloseAs, EntityKind, ErrorKind, QueryRequest,
    TokenEndpoint,
};
use mdca_sim::{FaultKind, FaultSpec};

#[tokio::test]
async fn a_legacy_token_authenticates_with_the_token_scheme() {
    let sim = sim().await;
    let client = token_client(&sim);
    assert_eq!(one_page(&client, EntityKind::Alerts, 10).await.unwrap(), 10);
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 200), 1);
    assert_eq!(stats.route("oauth2.token"), 0);
    assert_eq!(stats.total, 1);
}

#[tokio::test]
async fn app_context_gets_a_v2_token_once_and_reuses_it() {
    let sim = sim().await;
    let client = app_client(&sim);
    for _ in 0..3 {
        assert_eq!(one_page(&client, EntityKind::Alerts, 5).await.unwrap(), 5);
    }
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 200), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 3);
    assert_eq!(stats.total, 4);
    assert_eq!(client.auth_mode(), mdca::auth::AuthMode::App);
    assert!(!client.has_legacy_token());
    let mine = client.stats();
    assert_eq!((mine.requests, mine.token_requests), (3, 1));
}

#[tokio::test]
async fn app_context_works_with_the_v1_token_endpoint() {
    let sim = sim().await;
    let client = builder(&sim)
        .app_credentials(app_credentials(&sim, TokenEndpoint::V1))
        .build()
        .unwrap();
    assert_eq!(
        one_page(&client, EntityKind::Activities, 7).await.unwrap(),
        7
    );
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 200), 1);
    assert_eq!(stats.route_status("activities.list", 200), 1);
}

#[tokio::test]
async fn an_app_token_is_refreshed_before_it_expires() {
    let sim = sim().await;
    sim.set_token_lifetime(Duration::from_secs(2));
    let client = app_client(&sim);
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    // Past 90% of the lifetime, before expiry: the old token would still work, so a second token
    // request proves the refresh comes early rather than after a 401.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 200), 2);
    assert_eq!(stats.status(401), 0, "{stats:?}");
    assert_eq!(stats.route_status("alerts.list", 200), 2);
}

#[tokio::test]
async fn a_401_with_an_app_token_refreshes_the_token_and_retries_once() {
    let sim = sim().await;
    let client = app_client(&sim);
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 1).on_route("alerts.list"));
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 401), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 2);
    assert_eq!(stats.route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn a_token_expiring_in_the_middle_of_a_pull_is_renewed_without_losing_records() {
    let sim = sim().await;
    let client = app_client(&sim);
    let mut pager = client
        .query(EntityKind::Alerts, QueryRequest::new().all())
        .unwrap();
    let mut records = pager.next_page().await.unwrap().unwrap().len();
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 1).on_route("alerts.list"));
    while let Some(page) = pager.next_page().await.unwrap() {
        records += page.len();
    }
    assert_eq!(records, 250);
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 401), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 3);
    assert_eq!(stats.route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn a_second_401_after_the_refresh_is_reported_not_retried() {
    let sim = sim().await;
    let client = app_client(&sim);
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 2).on_route("alerts.list"));
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.http_status(), Some(401));
    assert!(e.message().contains("even after fetching a new one"), "{e}");
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 401), 2);
    assert_eq!(stats.route("alerts.list"), 2);
    assert_eq!(stats.route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn a_bearer_token_given_directly_cannot_refresh() {
    let sim = sim().await;
    let token = sim.bearer_token(0, &[mdca_sim::INVESTIGATION_READ]);
    let client = builder(&sim).bearer_token(token).build().unwrap();
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 1).on_route("alerts.list"));
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(e.message().contains("cannot be refreshed"), "{e}");
    assert!(e.hint().unwrap().contains("app credentials"), "{e}");
    assert_eq!(sim.stats().route_status("alerts.list", 401), 1);
    assert_eq!(sim.stats().route("alerts.list"), 2);
}

#[tokio::test]
async fn a_refused_legacy_token_is_unauthorized_with_a_hint() {
    let sim = sim().await;
    let client = builder(&sim).legacy_token("0".repeat(64)).build().unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.http_status(), Some(401));
    assert!(e.hint().unwrap().contains("revoked"), "{e}");
    assert_eq!(sim.stats().route("alerts.list"), 1);
}

async fn token_error(sim: &mdca_sim::Simulator, creds: AppCredentials) -> mdca::Error {
    let client = builder(sim).app_credentials(creds).build().unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed, "{e}");
    assert_eq!(
        sim.stats().route("alerts.list"),
        0,
        "no API request without a token"
    );
    e
}

#[tokio::test]
async fn identity_endpoint_errors_name_the_cause_without_the_secret() {
    let sim = sim().await;
    let (client_id, _) = sim.app_credentials();
    let wrong_secret = "not-the-right-secret-value";
    let e = token_error(
        &sim,
        AppCredentials::new(sim.entra_tenant_id(), &client_id, wrong_secret)
            .authority_host(sim.authority_host()),
    )
    .await;
    assert_eq!(e.http_status(), Some(401));
    assert!(
        e.detail()
            .unwrap()
            .starts_with("invalid_client: AADSTS7000215"),
        "{e}"
    );
    assert!(e.hint().unwrap().contains("client secret"), "{e}");
    assert!(e.correlation_id().is_some());
    for text in [e.to_string(), format!("{e:?}"), e.to_json().to_string()] {
        assert!(!text.contains(wrong_secret), "{text}");
    }

    let (_, secret) = sim.app_credentials();
    let e = token_error(
        &sim,
        AppCredentials::new(
            sim.entra_tenant_id(),
            "11111111-2222-3333-4444-555555555555",
            &secret,
        )
        .authority_host(sim.authority_host()),
    )
    .await;
    assert!(e.hint().unwrap().contains("client id"), "{e}");

    let e = token_error(
        &sim,
        AppCredentials::new("99999999-0000-0000-0000-000000000000", &client_id, &secret)
            .authority_host(sim.authority_host()),
    )
    .await;
    assert!(e.hint().unwrap().contains("tenant id"), "{e}");
}

#[tokio::test]
async fn the_files_api_refusing_a_bearer_token_is_explained() {
    let sim = sim().await;
    let client = app_client(&sim);
    let e = one_page(&client, EntityKind::Files, 5).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FilesNeedLegacyToken);
    assert_eq!(e.code(), 102);
    assert_eq!(e.http_status(), Some(403));
    assert_eq!(e.detail(), Some("Insufficient role based permissions"));
    assert!(e.correlation_id().is_some_and(|c| c.len() >= 32), "{e}");
    let hint = e.hint().unwrap();
    assert!(hint.contains("legacy API token"), "{hint}");
    assert!(hint.contains("automatically"), "{hint}");
    assert!(e.message().contains("docs/api.md §3.5"), "{e}");
    // Not retried: one refusal is final.
    assert_eq!(sim.stats().route("files.list"), 1);
}

#[tokio::test]
async fn a_legacy_token_beside_app_credentials_is_used_for_files_automatically() {
    let sim = sim().await;
    let client = builder(&sim)
        .app_credentials(app_credentials(&sim, TokenEndpoint::V2))
        .legacy_token(sim.admin_token())
        .build()
        .unwrap();
    assert_eq!(one_page(&client, EntityKind::Files, 5).await.unwrap(), 5);
    assert_eq!(one_page(&client, EntityKind::Alerts, 5).await.unwrap(), 5);
    let stats = sim.stats();
    assert_eq!(stats.route_status("files.list", 200), 1);
    assert_eq!(stats.route_status("alerts.list", 200), 1);
    // Only the alerts call needed an app token.
    assert_eq!(stats.route_status("oauth2.token", 200), 1);
    assert!(client.has_legacy_token());
}

#[tokio::test]
async fn a_missing_permission_is_forbidden_with_a_hint_about_app_permissions() {
    let sim = sim().await;
    let (client_id, secret) = sim.reader_app_credentials();
    let client = builder(&sim)
        .app_credentials(
            AppCredentials::new(sim.entra_tenant_id(), client_id, secret)
                .authority_host(sim.authority_host()),
        )
        .build()
        .unwrap();
    let e = client
        .close_alerts(
            AlertSelection::Ids(vec!["5f0a0b0c0d0e0f1011121314".into()]),
            CloseAlerts::new(CloseAs::Benign),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert_eq!(e.http_status(), Some(403));
    assert!(e.correlation_id().is_some());
    assert!(e.hint().unwrap().contains("Investigation.Manage"), "{e}");
}

#[tokio::test]
async fn a_read_only_legacy_token_is_forbidden_with_a_hint_about_roles() {
    let sim = sim().await;
    let client = builder(&sim)
        .legacy_token(sim.reader_token())
        .build()
        .unwrap();
    let e = client
        .close_alerts(
            AlertSelection::Ids(vec!["5f0a0b0c0d0e0f1011121314".into()]),
            CloseAlerts::new(CloseAs::Benign),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert!(e.hint().unwrap().contains("role"), "{e}");
}

#[tokio::test]
async fn a_failed_early_refresh_keeps_using_the_current_token_until_it_expires() {
    let sim = sim().await;
    sim.set_token_lifetime(Duration::from_secs(2));
    let client = app_client(&sim);
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 5).on_route("oauth2.token"));
    tokio::time::sleep(Duration::from_millis(1850)).await;
    // The refresh fails, the current token still works, and the next call does not retry the
    // identity endpoint at once.
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 503), 1, "{stats:?}");
    assert_eq!(stats.route_status("alerts.list", 200), 3);
    assert_eq!(stats.status(401), 0);
}

#[tokio::test]
async fn a_transient_identity_endpoint_failure_is_retried() {
    let sim = sim().await;
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 2).on_route("oauth2.token"));
    let client = app_client(&sim);
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 503), 2);
    assert_eq!(stats.route_status("oauth2.token", 200), 1);
    assert_eq!(stats.route("alerts.list"), 1);
}

#[tokio::test]
async fn a_gcc_high_app_signs_in_through_an_explicit_authority() {
    // The simulator is loopback, so the cloud's host check lets it through; the explicit authority
    // overrides the cloud's login.microsoftonline.us (docs/api.md §3.7).
    let sim = sim().await;
    let (client_id, secret) = sim.app_credentials();
    let json = serde_json::json!({
        "url": sim.url(),
        "cloud": "gcc-high",
        "auth": {
            "type": "app",
            "tenant_id": sim.entra_tenant_id(),
            "client_id": client_id,
            "client_secret": secret,
            "authority_host": sim.authority_host(),
        },
        "rate_limit": {"requests": 0},
    });
    let options = mdca::ClientOptions::from_json(&json.to_string()).unwrap();
    assert_eq!(options.cloud, Some(mdca::Cloud::GccHigh));
    let client = mdca::Client::from_options(options).unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 3).await.unwrap(), 3);
    assert_eq!(sim.stats().route_status("oauth2.token", 200), 1);
}

#[tokio::test]
async fn the_scope_override_is_the_audience_asked_for() {
    let sim = sim().await;
    let client = builder(&sim)
        .app_credentials(app_credentials(&sim, TokenEndpoint::V2))
        .scope("api://not-mdca/.default")
        .build()
        .unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert!(e.detail().unwrap().contains("api://not-mdca"), "{e:?}");
    let client = builder(&sim)
        .app_credentials(app_credentials(&sim, TokenEndpoint::V1))
        .scope(format!("{}/.default", mdca::auth::MDCA_RESOURCE_APP_ID))
        .build()
        .unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);
}
