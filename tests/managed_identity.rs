//! Managed identity (docs/api.md §3.7) against the simulator's real loopback identity endpoints: the
//! IMDS and App Service styles, system- and user-assigned identities, an unknown client id, an
//! endpoint that does not answer, retries of a failing endpoint, and refresh of expiring tokens.

mod common;

use std::time::Duration;

use common::*;
use mdca::auth::AuthMode;
use mdca::{
    AlertSelection, Client, ClientOptions, CloseAlerts, CloseAs, EntityKind, ErrorKind,
    ManagedIdentity,
};
use mdca_sim::{FaultKind, FaultSpec, Simulator};

fn imds_client(sim: &Simulator, identity: ManagedIdentity) -> Client {
    builder(sim)
        .managed_identity(identity.endpoint(sim.imds_endpoint()))
        .build()
        .expect("managed identity client")
}

#[tokio::test]
async fn the_system_assigned_identity_signs_in_through_imds() {
    let sim = sim().await;
    let client = imds_client(&sim, ManagedIdentity::system_assigned());
    assert_eq!(client.auth_mode(), AuthMode::ManagedIdentity);
    for _ in 0..2 {
        assert_eq!(one_page(&client, EntityKind::Alerts, 5).await.unwrap(), 5);
    }
    let stats = sim.stats();
    assert_eq!(stats.route_status("identity.imds", 200), 1, "{stats:?}");
    assert_eq!(stats.route_status("alerts.list", 200), 2);
    assert_eq!(client.stats().token_requests, 1);
}

#[tokio::test]
async fn the_app_service_endpoint_is_used_with_its_identity_header() {
    let sim = sim().await;
    let (endpoint, header) = sim.app_service_identity();
    let client = builder(&sim)
        .managed_identity(
            ManagedIdentity::system_assigned()
                .endpoint(endpoint)
                .identity_header(header),
        )
        .build()
        .unwrap();
    assert_eq!(
        one_page(&client, EntityKind::Activities, 3).await.unwrap(),
        3
    );
    let stats = sim.stats();
    assert_eq!(stats.route_status("identity.app_service", 200), 1);
    assert_eq!(stats.route("identity.imds"), 0);
}

#[tokio::test]
async fn a_wrong_identity_header_is_refused_with_its_own_hint() {
    let sim = sim().await;
    let (endpoint, _) = sim.app_service_identity();
    let client = builder(&sim)
        .managed_identity(
            ManagedIdentity::system_assigned()
                .endpoint(endpoint)
                .identity_header("not-the-header"),
        )
        .build()
        .unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert_eq!(e.http_status(), Some(401));
    assert!(e.hint().unwrap().contains("IDENTITY_HEADER"), "{e:?}");
    assert!(!format!("{e:?}").contains("not-the-header"));
}

#[tokio::test]
async fn a_user_assigned_identity_is_picked_by_its_client_id() {
    let sim = sim().await;
    let client = imds_client(
        &sim,
        ManagedIdentity::user_assigned(sim.user_assigned_identity()),
    );
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    // The user-assigned identity holds Investigation.read only: closing alerts is refused, which
    // proves its token (not the system-assigned one) was used.
    let e = client
        .close_alerts(
            AlertSelection::Ids(vec!["5f0a0b0c0d0e0f1011121314".into()]),
            CloseAlerts::new(CloseAs::Benign),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e:?}");
    assert_eq!(sim.stats().route_status("identity.imds", 200), 1);
}

#[tokio::test]
async fn an_unknown_client_id_says_the_identity_is_not_known() {
    let sim = sim().await;
    let client = imds_client(
        &sim,
        ManagedIdentity::user_assigned("11111111-2222-3333-4444-555555555555"),
    );
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert_eq!(e.http_status(), Some(400));
    assert!(e.message().contains("does not know this identity"), "{e}");
    assert!(e.detail().unwrap().contains("Identity not found"), "{e:?}");
    assert!(e.hint().unwrap().contains("Client ID"), "{e:?}");
    // Not retried: a wrong id stays wrong.
    assert_eq!(sim.stats().route("identity.imds"), 1);

    // The App Service endpoint says it in its own words; a forgotten identity is unknown too.
    let user = sim.user_assigned_identity();
    assert!(sim.forget_managed_identity(&user));
    let (endpoint, header) = sim.app_service_identity();
    let client = builder(&sim)
        .managed_identity(
            ManagedIdentity::user_assigned(user)
                .endpoint(endpoint)
                .identity_header(header),
        )
        .build()
        .unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert!(e.message().contains("does not know this identity"), "{e}");
    assert!(e.detail().unwrap().contains("No MSI found"), "{e:?}");
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_asks_whether_this_is_azure() {
    let sim = sim().await;
    sim.set_managed_identity_available(false);
    let client = imds_client(&sim, ManagedIdentity::system_assigned());
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert_eq!(e.http_status(), None);
    assert!(
        e.message()
            .contains("no managed identity endpoint answered"),
        "{e}"
    );
    assert!(e.message().contains("are you running in Azure?"), "{e}");
    assert!(e.hint().unwrap().contains("app credentials"), "{e:?}");
    assert_eq!(sim.stats().route("identity.imds"), 1, "not retried");
    assert_eq!(sim.stats().route("alerts.list"), 0);

    // Nothing listening at all: the same answer.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = builder(&sim)
        .managed_identity(ManagedIdentity::system_assigned().endpoint(format!(
            "http://127.0.0.1:{closed}/metadata/identity/oauth2/token"
        )))
        .build()
        .unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert!(
        e.message()
            .contains("no managed identity endpoint answered"),
        "{e}"
    );
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_with_backoff() {
    let sim = sim().await;
    sim.add_fault(FaultSpec::new(FaultKind::Status(503), 2).on_route("identity"));
    let client = imds_client(&sim, ManagedIdentity::system_assigned());
    assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);
    let stats = sim.stats();
    assert_eq!(stats.route_status("identity.imds", 503), 2);
    assert_eq!(stats.route_status("identity.imds", 200), 1);

    sim.add_fault(FaultSpec::new(FaultKind::Status(500), 10).on_route("identity"));
    let client = imds_client(&sim, ManagedIdentity::system_assigned());
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert_eq!(e.http_status(), Some(500));
    assert!(e.message().contains("busy or failing"), "{e}");
}

#[tokio::test]
async fn a_managed_identity_token_is_refreshed_before_and_after_it_expires() {
    let sim = sim().await;
    sim.set_token_lifetime(Duration::from_secs(2));
    let client = imds_client(&sim, ManagedIdentity::system_assigned());
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    // Past 90% of the lifetime (given as a string by IMDS): refreshed early, no 401.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("identity.imds", 200), 2);
    assert_eq!(stats.status(401), 0, "{stats:?}");

    // A token the API stops accepting is replaced once and the call retried.
    sim.set_token_lifetime(Duration::from_secs(3600));
    sim.add_fault(FaultSpec::new(FaultKind::ExpireToken, 1).on_route("alerts.list"));
    one_page(&client, EntityKind::Alerts, 1).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.route_status("alerts.list", 401), 1);
    assert_eq!(stats.route_status("identity.imds", 200), 3);
}

#[tokio::test]
async fn json_options_select_a_managed_identity_and_its_endpoint() {
    let sim = sim().await;
    let json = serde_json::json!({
        "url": sim.url(),
        "auth": {
            "type": "managed_identity",
            "client_id": sim.user_assigned_identity(),
            "endpoint": sim.imds_endpoint(),
        },
        "rate_limit": {"requests": 0},
    });
    let client =
        Client::from_options(ClientOptions::from_json(&json.to_string()).unwrap()).unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);
    assert_eq!(sim.stats().route_status("identity.imds", 200), 1);
}
