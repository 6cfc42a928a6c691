//! Certificate sign-in (docs/api.md §3.8) against the simulator's token endpoint over loopback: PEM,
//! PFX and DER keys, PS256 and RS256, and each refusal — a key of another certificate, a thumbprint the
//! app does not know, a wrong audience, an expired assertion, a replayed or forged assertion, a wrong
//! PFX password — with its own message and hint.

mod common;

use std::path::PathBuf;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use common::*;
use mdca::auth::AuthMode;
use mdca::{
    AssertionAlgorithm, CertificateCredentials, CertificateSource, Client, ClientOptions,
    EntityKind, ErrorKind, TokenEndpoint,
};
use mdca_sim::Simulator;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certs")
        .join(name)
}

fn pfx_password() -> String {
    std::fs::read_to_string(fixture("test-pfx-password.txt"))
        .unwrap()
        .trim()
        .to_string()
}

/// A simulator whose manage app has the test-client certificate registered; returns its client id.
async fn sim_with_certificate() -> (Simulator, String) {
    let sim = sim().await;
    let (client_id, _) = sim.app_credentials();
    let pem = std::fs::read(fixture("test-client.crt.pem")).unwrap();
    sim.register_certificate(&client_id, &pem).unwrap();
    (sim, client_id)
}

fn credentials(
    sim: &Simulator,
    client_id: &str,
    source: CertificateSource,
) -> CertificateCredentials {
    CertificateCredentials::new(sim.entra_tenant_id(), client_id, source)
        .authority_host(sim.authority_host())
}

fn file(name: &str) -> CertificateSource {
    CertificateSource::File {
        path: fixture(name),
        private_key_path: None,
        password: None,
    }
}

fn client(sim: &Simulator, credentials: CertificateCredentials) -> mdca::Result<Client> {
    builder(sim).certificate_credentials(credentials).build()
}

/// The SHA-1 thumbprint (hex) of a fixture certificate, as the portal shows it.
fn thumbprint(name: &str) -> String {
    let pem = std::fs::read(fixture(name)).unwrap();
    let b64: String = String::from_utf8(pem)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(b64).unwrap();
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[tokio::test]
async fn a_pem_certificate_with_its_key_signs_in_and_the_token_is_reused() {
    let (sim, id) = sim_with_certificate().await;
    let client = client(&sim, credentials(&sim, &id, file("test-client.pem"))).unwrap();
    assert_eq!(client.auth_mode(), AuthMode::App);
    for _ in 0..2 {
        assert_eq!(one_page(&client, EntityKind::Alerts, 3).await.unwrap(), 3);
    }
    let stats = sim.stats();
    assert_eq!(stats.route_status("oauth2.token", 200), 1, "{stats:?}");
    assert_eq!(stats.route_status("alerts.list", 200), 2);
}

#[tokio::test]
async fn a_certificate_and_a_separate_pkcs1_key_sign_in() {
    let (sim, id) = sim_with_certificate().await;
    let creds = credentials(&sim, &id, file("test-client.crt.pem"))
        .private_key_file(fixture("test-client.rsa.pem"));
    let client = client(&sim, creds).unwrap();
    assert_eq!(
        one_page(&client, EntityKind::Activities, 2).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn a_pfx_with_its_password_signs_in_whatever_its_encryption() {
    let (sim, id) = sim_with_certificate().await;
    for name in ["test-client.pfx", "test-client-legacy.pfx"] {
        let creds = credentials(&sim, &id, file(name)).password(pfx_password());
        let client = client(&sim, creds).unwrap();
        assert_eq!(
            one_page(&client, EntityKind::Alerts, 1).await.unwrap(),
            1,
            "{name}"
        );
    }
    assert_eq!(sim.stats().route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn der_bytes_sign_in_and_so_do_pkcs12_bytes_in_the_json_options() {
    let (sim, id) = sim_with_certificate().await;
    let der = CertificateSource::Der {
        certificate: std::fs::read(fixture("test-client.crt.der")).unwrap(),
        private_key: std::fs::read(fixture("test-client.key.der"))
            .unwrap()
            .into(),
    };
    let client = client(&sim, credentials(&sim, &id, der)).unwrap();
    assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);

    for auth in [
        serde_json::json!({
            "pkcs12_base64": STANDARD.encode(std::fs::read(fixture("test-client.pfx")).unwrap()),
            "password": pfx_password(),
        }),
        serde_json::json!({
            "certificate_der_base64": STANDARD.encode(std::fs::read(fixture("test-client.crt.der")).unwrap()),
            "private_key_der_base64": STANDARD.encode(std::fs::read(fixture("test-client.key.der")).unwrap()),
            "algorithm": "RS256",
            "token_endpoint": "v1",
        }),
        serde_json::json!({"certificate_path": fixture("test-client.pem")}),
    ] {
        let mut auth = auth;
        let extra = serde_json::json!({
            "type": "certificate",
            "tenant_id": sim.entra_tenant_id(),
            "client_id": id,
            "authority_host": sim.authority_host(),
        });
        auth.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let options =
            serde_json::json!({"url": sim.url(), "auth": auth, "rate_limit": {"requests": 0}});
        let opts = ClientOptions::from_json(&options.to_string()).unwrap();
        assert_eq!(opts.auth.mode_name(), "certificate");
        let client = Client::from_options(opts).unwrap();
        assert_eq!(
            one_page(&client, EntityKind::Alerts, 1).await.unwrap(),
            1,
            "{auth}"
        );
    }
}

#[tokio::test]
async fn rs256_with_the_sha1_thumbprint_signs_in_on_both_endpoints() {
    let (sim, id) = sim_with_certificate().await;
    for endpoint in [TokenEndpoint::V2, TokenEndpoint::V1] {
        let creds = credentials(&sim, &id, file("test-client.pem"))
            .algorithm(AssertionAlgorithm::Rs256)
            .token_endpoint(endpoint);
        let client = client(&sim, creds).unwrap();
        assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);
    }
    assert_eq!(sim.stats().route_status("oauth2.token", 200), 2);
}

#[tokio::test]
async fn a_key_of_another_certificate_is_refused_before_any_request() {
    let (sim, id) = sim_with_certificate().await;
    let creds = credentials(&sim, &id, file("test-client.crt.pem"))
        .private_key_file(fixture("test-other.key.pem"));
    let e = client(&sim, creds).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(
        e.message().contains("does not belong to the certificate"),
        "{e}"
    );
    assert!(e.hint().unwrap().contains("pair"), "{:?}", e.hint());
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn a_certificate_the_app_does_not_have_is_refused_naming_its_thumbprint() {
    let (sim, id) = sim_with_certificate().await;
    let client = client(&sim, credentials(&sim, &id, file("test-other.pem"))).unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert_eq!(e.http_status(), Some(400));
    assert!(e.message().contains("AADSTS700027"), "{e}");
    let hint = e.hint().unwrap();
    assert!(hint.contains(&thumbprint("test-other.crt.pem")), "{hint}");
    assert!(hint.contains("Certificates & secrets"), "{hint}");
    assert!(!hint.contains(&thumbprint("test-client.crt.pem")));
}

#[tokio::test]
async fn an_assertion_for_another_token_endpoint_is_refused_as_a_wrong_audience() {
    let (sim, id) = sim_with_certificate().await;
    // The same endpoint under another name: the assertion's aud names the URL mdca called, which is
    // not the identity endpoint's own URL.
    let other_name = sim.authority_host().replace("127.0.0.1", "localhost");
    let creds = credentials(&sim, &id, file("test-client.pem")).authority_host(other_name);
    let e = one_page(&client(&sim, creds).unwrap(), EntityKind::Alerts, 1)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert!(e.message().contains("AADSTS700023"), "{e}");
    assert!(e.hint().unwrap().contains("audience"), "{:?}", e.hint());
}

#[tokio::test]
async fn an_assertion_the_identity_clock_sees_as_expired_is_refused_with_a_clock_hint() {
    let (sim, id) = sim_with_certificate().await;
    sim.set_identity_clock_skew(3600);
    let client = client(&sim, credentials(&sim, &id, file("test-client.pem"))).unwrap();
    let e = one_page(&client, EntityKind::Alerts, 1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRequestFailed);
    assert!(e.message().contains("AADSTS700024"), "{e}");
    assert!(e.hint().unwrap().contains("clock"), "{:?}", e.hint());
    // Back in step, the same client signs in.
    sim.set_identity_clock_skew(0);
    assert_eq!(one_page(&client, EntityKind::Alerts, 1).await.unwrap(), 1);
}

#[tokio::test]
async fn a_wrong_pfx_password_is_a_configuration_error_that_says_so() {
    let (sim, id) = sim_with_certificate().await;
    for password in ["not-the-password", ""] {
        let creds = credentials(&sim, &id, file("test-client.pfx")).password(password);
        let e = client(&sim, creds).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains("password is wrong"), "{e}");
        assert!(!e.to_string().contains("not-the-password"));
    }
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn an_unregistered_app_is_refused_with_the_client_id_hint() {
    let (sim, _) = sim_with_certificate().await;
    let creds = credentials(
        &sim,
        "11111111-2222-4333-8444-555555555555",
        file("test-client.pem"),
    );
    let e = one_page(&client(&sim, creds).unwrap(), EntityKind::Alerts, 1)
        .await
        .unwrap_err();
    assert!(e.message().contains("AADSTS700016"), "{e}");
    assert!(e.hint().unwrap().contains("client id"), "{:?}", e.hint());
}

// The simulator's own checks, with assertions made by hand (the library never sends these).

/// A PS256 assertion signed with `key` (PKCS#8 DER) and naming `x5t_cert`'s SHA-256 thumbprint.
fn forged(key: &str, x5t_cert: &str, client_id: &str, aud: &str) -> String {
    let cert = std::fs::read(fixture(x5t_cert)).unwrap();
    let x5t = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &cert));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": x5t});
    let claims = serde_json::json!({"aud": aud, "iss": client_id, "sub": client_id,
        "jti": format!("{now}-fixed"), "nbf": now, "iat": now, "exp": now + 300});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let pair =
        ring::signature::RsaKeyPair::from_pkcs8(&std::fs::read(fixture(key)).unwrap()).unwrap();
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PSS_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
}

async fn post_assertion(
    sim: &Simulator,
    client_id: &str,
    assertion: &str,
) -> (u16, serde_json::Value) {
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.authority_host(),
        sim.entra_tenant_id()
    );
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", client_id)
        .append_pair("scope", "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default")
        .append_pair(
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        )
        .append_pair("client_assertion", assertion)
        .finish();
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap(),
    )
}

#[tokio::test]
async fn the_simulator_refuses_a_signature_by_another_key_and_a_replayed_jti() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (sim, id) = sim_with_certificate().await;
    let aud = format!(
        "{}/{}/oauth2/v2.0/token",
        sim.authority_host(),
        sim.entra_tenant_id()
    );
    // test-client's thumbprint, test-other's key: the key Entra finds does not verify the signature.
    let bad = forged("test-other.key.der", "test-client.crt.der", &id, &aud);
    let (status, body) = post_assertion(&sim, &id, &bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"][0], 700_027);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("signature validation"));

    let good = forged("test-client.key.der", "test-client.crt.der", &id, &aud);
    let (status, body) = post_assertion(&sim, &id, &good).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_assertion(&sim, &id, &good).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 50_013, "{body}");
}
