//! docs/api.md §14 rules 5–9: authentication, permissions, the Files quirk, the identity endpoint.

mod common;

use std::time::Duration;

use common::{assert_rbac_refusal, Auth, Body, Harness, MDCA_RESOURCE};
use reqwest::Method;
use serde_json::{json, Value};

/// A close request that touches no alert, so that it can be repeated freely.
fn close_nothing() -> Value {
    json!({"filters": {"id": {"eq": ["0000000000000000000000ff"]}}, "comment": "test"})
}

fn subnet_body(name: &str) -> Value {
    json!({"name": name, "category": 1, "subnets": ["192.0.2.0/24"]})
}

#[tokio::test]
async fn rule_05_token_and_bearer_schemes_authenticate_and_a_missing_or_unknown_credential_gets_401(
) {
    let h = Harness::start().await;
    let url = h.api("v1/alerts/");
    let admin = h.admin();
    let bearer = h.manage_bearer().await;

    let with_token = h
        .send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);
    let with_bearer = h
        .send(Method::GET, &url, Auth::Bearer(&bearer), Body::None)
        .await
        .expect(200);
    assert_eq!(with_token["total"], with_bearer["total"]);

    let mut unknown_token = admin.clone();
    unknown_token.replace_range(0..1, if admin.starts_with('0') { "1" } else { "0" });
    // A credential that is present but unknown gets the `{"detail": "Invalid token."}` body the
    // spec infers (§12); a missing one some other DRF-style detail.
    let invalid = Some("Invalid token.");
    let refused: [(&str, Auth<'_>, Option<&str>); 6] = [
        ("no header", Auth::None, None),
        ("unknown legacy token", Auth::Token(&unknown_token), invalid),
        (
            "unknown bearer token",
            Auth::Bearer("eyJhbGciOiJub25lIn0.e30."),
            invalid,
        ),
        ("legacy token sent as bearer", Auth::Bearer(&admin), invalid),
        ("bearer token sent as legacy", Auth::Token(&bearer), invalid),
        ("unknown scheme", Auth::Raw(&format!("Basic {admin}")), None),
    ];
    for (what, auth, detail) in refused {
        let reply = h.send(Method::GET, &url, auth, Body::None).await;
        let body = reply.expect(401);
        let got = body["detail"].as_str().unwrap_or_default();
        assert!(
            !got.is_empty(),
            "{what}: 401 body should carry a detail: {body}"
        );
        if let Some(want) = detail {
            assert_eq!(got, want, "{what}");
        }
        assert!(
            !reply.text.contains(&admin) && !reply.text.contains(&bearer),
            "{what}: the 401 body echoes a credential"
        );
    }

    // A legacy token acts with its creator's role: a Security reader's token reads (what it may
    // not do is rule 8).
    let reader = h.sim.reader_token();
    h.send(Method::GET, &url, Auth::Token(&reader), Body::None)
        .await
        .expect(200);
}

#[tokio::test]
async fn rule_06_bearer_permission_names_compare_case_insensitively_and_follow_the_action_matrix() {
    let h = Harness::start().await;
    let manage = h.manage_bearer().await;
    let read = h.reader_bearer().await;
    let alert =
        common::id_of(&h.post("v1/alerts/", json!({"limit": 1})).await.expect(200)["data"][0]);

    // Investigation.read (api.md §3.4): lists and fetches, alert read/unread, subnet list...
    for (method, path, body) in [
        (
            Method::POST,
            "v1/activities/".to_string(),
            Body::Json(json!({})),
        ),
        (
            Method::POST,
            "v1/alerts/".to_string(),
            Body::Json(json!({})),
        ),
        (Method::GET, format!("v1/alerts/{alert}/"), Body::None),
        (Method::POST, format!("v1/alerts/{alert}/read/"), Body::None),
        (
            Method::POST,
            format!("v1/alerts/{alert}/unread/"),
            Body::None,
        ),
        (
            Method::POST,
            "v1/entities/".to_string(),
            Body::Json(json!({})),
        ),
        (
            Method::POST,
            "v1/subnet/".to_string(),
            Body::Json(json!({})),
        ),
    ] {
        let reply = h
            .send(method.clone(), &h.api(&path), Auth::Bearer(&read), body)
            .await;
        assert_eq!(
            reply.status, 200,
            "Investigation.read: {method} {path}: {}",
            reply.text
        );
    }
    // ...but neither alert close nor subnet changes.
    for (path, body) in [
        ("v1/alerts/close_benign/", close_nothing()),
        ("v1/alerts/close_false_positive/", close_nothing()),
        ("v1/alerts/close_true_positive/", close_nothing()),
        ("v1/subnet/create_rule/", subnet_body("rule-06 read")),
    ] {
        let reply = h
            .send(
                Method::POST,
                &h.api(path),
                Auth::Bearer(&read),
                Body::Json(body),
            )
            .await;
        assert_rbac_refusal(&reply);
    }
    // Investigation.manage may do both.
    for (path, body) in [
        ("v1/alerts/close_benign/", close_nothing()),
        ("v1/subnet/create_rule/", subnet_body("rule-06 manage")),
    ] {
        h.send(
            Method::POST,
            &h.api(path),
            Auth::Bearer(&manage),
            Body::Json(body),
        )
        .await
        .expect(200);
    }

    // The other permissions of the §3.4 table, each alone.
    let list = |path: &str| (Method::POST, path.to_string(), json!({}));
    let read_alert = (Method::POST, format!("v1/alerts/{alert}/read/"), json!({}));
    let close = (
        Method::POST,
        "v1/alerts/close_benign/".to_string(),
        close_nothing(),
    );
    let create = |name: &str| {
        (
            Method::POST,
            "v1/subnet/create_rule/".to_string(),
            subnet_body(name),
        )
    };
    let matrix = [
        (
            "Settings.read",
            vec![
                (list("v1/subnet/"), true),
                (list("v1/alerts/"), false),
                (list("v1/activities/"), false),
                (create("settings read"), false),
            ],
        ),
        (
            "Settings.manage",
            vec![
                (create("settings manage"), true),
                (close.clone(), false),
                (list("v1/entities/"), false),
            ],
        ),
        (
            "Discovery.read",
            vec![
                (list("v1/alerts/"), true),
                (read_alert.clone(), true),
                (list("v1/activities/"), false),
                (list("v1/entities/"), false),
                (close.clone(), false),
            ],
        ),
        (
            "Discovery.manage",
            vec![
                (close.clone(), true),
                (list("v1/alerts/"), true),
                (create("discovery manage"), false),
                (list("v1/subnet/"), false),
            ],
        ),
    ];
    for (permission, cases) in matrix {
        let (id, secret) = h.sim.register_app(&[permission]);
        let token = h.bearer_for(&id, &secret).await;
        for ((method, path, body), allowed) in cases {
            let reply = h
                .send(
                    method.clone(),
                    &h.api(&path),
                    Auth::Bearer(&token),
                    Body::Json(body),
                )
                .await;
            if allowed {
                assert_eq!(
                    reply.status, 200,
                    "{permission}: {method} {path}: {}",
                    reply.text
                );
            } else {
                assert_rbac_refusal(&reply);
            }
        }
    }

    // Permission names are compared case-insensitively: the app registration grants
    // "Investigation.read" while the portal UI spells it "Investigation.Read" (api.md §3.4).
    for scope in [
        "Investigation.read",
        "INVESTIGATION.READ",
        "investigation.Read",
    ] {
        let (id, secret) = h.sim.register_app(&[scope]);
        let token = h.bearer_for(&id, &secret).await;
        let reply = h
            .send(
                Method::POST,
                &h.api("v1/activities/"),
                Auth::Bearer(&token),
                Body::Json(json!({})),
            )
            .await;
        assert_eq!(reply.status, 200, "role spelled {scope}: {}", reply.text);
    }
}

#[tokio::test]
async fn rule_07_files_refuse_bearer_tokens_with_insufficient_role_based_permissions_and_a_fresh_correlation_id(
) {
    let h = Harness::start().await;
    let admin = h.admin();
    let bearer = h.manage_bearer().await;
    let file =
        common::id_of(&h.post("v1/files/", json!({"limit": 1})).await.expect(200)["data"][0]);

    let mut seen = Vec::new();
    for prefix in ["api", "cas/api"] {
        let list = format!("{}/{prefix}/v1/files/", h.sim.url());
        let fetch = format!("{}/{prefix}/v1/files/{file}/", h.sim.url());
        for (method, url, body) in [
            (Method::GET, &list, Body::None),
            (Method::POST, &list, Body::Json(json!({"limit": 5}))),
            (Method::GET, &fetch, Body::None),
            (Method::POST, &fetch, Body::None),
        ] {
            let reply = h
                .send(method.clone(), url, Auth::Bearer(&bearer), body.clone())
                .await;
            seen.push(assert_rbac_refusal(&reply));
            // The same request with the legacy token succeeds.
            h.send(method, url, Auth::Token(&admin), body)
                .await
                .expect(200);
        }
    }
    let unique: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "correlation ids repeat: {seen:?}");

    // Whatever permissions the bearer token carries.
    let read = h.reader_bearer().await;
    let reply = h
        .send(
            Method::GET,
            &h.api("v1/files/"),
            Auth::Bearer(&read),
            Body::None,
        )
        .await;
    assert_rbac_refusal(&reply);
}

#[tokio::test]
async fn rule_08_other_permission_failures_get_403_with_the_rbac_body_and_a_fresh_correlation_id() {
    let h = Harness::start().await;
    let reader = h.sim.reader_token();
    let operator = h.sim.operator_token();
    let read_bearer = h.reader_bearer().await;
    let close = h.api("v1/alerts/close_benign/");

    // A Security-reader legacy token may not close alerts nor change subnets (api.md §3.6).
    let first = h
        .send(
            Method::POST,
            &close,
            Auth::Token(&reader),
            Body::Json(close_nothing()),
        )
        .await;
    let second = h
        .send(
            Method::POST,
            &close,
            Auth::Token(&reader),
            Body::Json(close_nothing()),
        )
        .await;
    let a = assert_rbac_refusal(&first);
    let b = assert_rbac_refusal(&second);
    assert_ne!(a, b, "each refusal carries a fresh correlation id");
    let reply = h
        .send(
            Method::POST,
            &h.api("v1/subnet/create_rule/"),
            Auth::Token(&reader),
            Body::Json(subnet_body("rule-08 reader")),
        )
        .await;
    assert_rbac_refusal(&reply);

    // A Bearer token with only Investigation.read may not close either.
    let reply = h
        .send(
            Method::POST,
            &close,
            Auth::Bearer(&read_bearer),
            Body::Json(close_nothing()),
        )
        .await;
    let c = assert_rbac_refusal(&reply);
    assert_ne!(a, c);

    // A Security operator manages alerts.
    h.send(
        Method::POST,
        &close,
        Auth::Token(&operator),
        Body::Json(close_nothing()),
    )
    .await
    .expect(200);
}

async fn token_request(h: &Harness, path: &str, form: Vec<(&str, String)>) -> common::Reply {
    let url = format!(
        "{}/{}/{path}",
        h.sim.authority_host().trim_end_matches('/'),
        h.sim.entra_tenant_id()
    );
    let form = form.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    h.send(Method::POST, &url, Auth::None, Body::Form(form))
        .await
}

/// Checks a token response and returns the access token. The v2 answer has exactly the shape of
/// the doc-2023 sample (api.md §3.2); the v1 endpoint, like Entra's, writes its numbers as strings.
fn assert_token_response(endpoint: &str, body: &Value) -> String {
    let token = body["access_token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| panic!("{endpoint}: no access_token: {body}"))
        .to_string();
    if endpoint == "v2" {
        assert_eq!(
            body,
            &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 0, "access_token": token}),
            "v2 token response"
        );
    } else {
        assert_eq!(body["token_type"], json!("Bearer"), "{body}");
        assert!(
            body["expires_in"] == json!(3599) || body["expires_in"] == json!("3599"),
            "v1 expires_in: {body}"
        );
        assert_eq!(body["resource"], json!(MDCA_RESOURCE), "{body}");
    }
    token
}

#[tokio::test]
async fn rule_09a_identity_endpoints_v1_and_v2_issue_client_credentials_bearer_tokens() {
    let h = Harness::start().await;
    let (client_id, client_secret) = h.sim.app_credentials();
    let v1 = token_request(
        &h,
        "oauth2/token",
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", client_id.clone()),
            ("client_secret", client_secret.clone()),
            ("resource", MDCA_RESOURCE.into()),
        ],
    )
    .await;
    let v2 = token_request(
        &h,
        "oauth2/v2.0/token",
        vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", client_id.clone()),
            ("client_secret", client_secret.clone()),
            ("scope", format!("{MDCA_RESOURCE}/.default")),
        ],
    )
    .await;
    for (name, reply) in [("v1", v1), ("v2", v2)] {
        assert!(
            reply.content_type().starts_with("application/json"),
            "{name}"
        );
        let token = assert_token_response(name, &reply.expect(200));
        h.send(
            Method::GET,
            &h.api("v1/alerts/"),
            Auth::Bearer(&token),
            Body::None,
        )
        .await
        .expect(200);
    }

    // A wrong secret or an unknown client gets no token.
    for (id, secret) in [
        (client_id.clone(), "wrong-secret".to_string()),
        (
            "00000000-0000-4000-8000-000000000000".to_string(),
            client_secret.clone(),
        ),
    ] {
        let reply = token_request(
            &h,
            "oauth2/v2.0/token",
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", id),
                ("client_secret", secret),
                ("scope", format!("{MDCA_RESOURCE}/.default")),
            ],
        )
        .await;
        assert!(
            matches!(reply.status, 400 | 401),
            "bad client credentials answered {}: {}",
            reply.status,
            reply.text
        );
        assert!(reply.json().get("access_token").is_none());
        assert!(
            !reply.text.contains(&client_secret),
            "the error echoes the secret"
        );
    }
}

#[tokio::test]
async fn rule_09b_an_issued_token_stops_working_after_its_lifetime() {
    let mut cfg = common::test_config();
    cfg.token_lifetime = Duration::from_secs(2);
    let h = Harness::with(cfg).await;
    let token = h.manage_bearer().await;
    let url = h.api("v1/alerts/");
    h.send(Method::GET, &url, Auth::Bearer(&token), Body::None)
        .await
        .expect(200);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let reply = h
        .send(Method::GET, &url, Auth::Bearer(&token), Body::None)
        .await;
    reply.expect(401);

    // A fresh token works again; legacy tokens do not expire.
    let fresh = h.manage_bearer().await;
    h.send(Method::GET, &url, Auth::Bearer(&fresh), Body::None)
        .await
        .expect(200);
    let admin = h.admin();
    h.send(Method::GET, &url, Auth::Token(&admin), Body::None)
        .await
        .expect(200);

    // The lifetime can also be changed on a running simulator.
    h.sim.set_token_lifetime(Duration::from_secs(3600));
    let long = h.manage_bearer().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    h.send(Method::GET, &url, Auth::Bearer(&long), Body::None)
        .await
        .expect(200);
}
