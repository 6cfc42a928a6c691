//! Managed identity read from the process environment (docs/api.md §3.7): `IDENTITY_ENDPOINT` with
//! `IDENTITY_HEADER` selects the App Service style. Its own test binary, because it changes the
//! environment of the process.

mod common;

use common::*;
use mdca::{Client, ClientOptions, EntityKind};

#[tokio::test]
async fn identity_endpoint_and_header_in_the_environment_select_the_app_service_style() {
    let sim = sim().await;
    let (endpoint, header) = sim.app_service_identity();
    std::env::set_var("IDENTITY_ENDPOINT", &endpoint);
    std::env::set_var("IDENTITY_HEADER", &header);
    let json = serde_json::json!({
        "url": sim.url(),
        "auth": {"type": "managed_identity"},
        "rate_limit": {"requests": 0},
    });
    let client =
        Client::from_options(ClientOptions::from_json(&json.to_string()).unwrap()).unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    let stats = sim.stats();
    assert_eq!(stats.route_status("identity.app_service", 200), 1);
    assert_eq!(stats.route("identity.imds"), 0);
    std::env::remove_var("IDENTITY_ENDPOINT");
    std::env::remove_var("IDENTITY_HEADER");

    // Without them, MDCA_IMDS_ENDPOINT points the IMDS style at the simulator.
    std::env::set_var("MDCA_IMDS_ENDPOINT", sim.imds_endpoint());
    let client =
        Client::from_options(ClientOptions::from_json(&json.to_string()).unwrap()).unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 2).await.unwrap(), 2);
    assert_eq!(sim.stats().route_status("identity.imds", 200), 1);
}
