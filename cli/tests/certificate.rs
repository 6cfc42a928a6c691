//! `--certificate` (docs/cli.md "Connecting"): the app signs in with a PEM or PFX certificate against
//! the simulator's token endpoint; a wrong PFX password and a certificate the app does not have fail
//! with their own message and hint, and the password never reaches the output.

mod common;

use std::path::PathBuf;

use common::{bare, ok, records, run, stderr, Tenant};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/certs")
        .join(name)
        .display()
        .to_string()
}

/// `mdca --url <sim> --tenant-id … --client-id <manage app> --authority-host <sim>` with the
/// test-client certificate registered for the app.
fn app_without_secret(t: &Tenant) -> assert_cmd::Command {
    let (client_id, _) = t.sim.app_credentials();
    let pem = std::fs::read(fixture("test-client.crt.pem")).unwrap();
    t.sim.register_certificate(&client_id, &pem).unwrap();
    let mut cmd = bare();
    cmd.args(["--url", &t.sim.url(), "--rate-limit", "off"]);
    cmd.args([
        "--tenant-id",
        &t.sim.entra_tenant_id(),
        "--client-id",
        &client_id,
    ]);
    cmd.args(["--authority-host", &t.sim.authority_host()]);
    cmd
}

#[test]
fn a_pem_certificate_lists_alerts() {
    let t = Tenant::start();
    let out = ok(app_without_secret(&t).args([
        "--certificate",
        &fixture("test-client.crt.pem"),
        "--certificate-key",
        &fixture("test-client.key.pem"),
        "alerts",
        "--first",
        "3",
    ]));
    assert_eq!(records(&out).len(), 3);
}

#[test]
fn a_pfx_with_its_password_file_or_variable_lists_alerts() {
    let t = Tenant::start();
    let out = ok(app_without_secret(&t).args([
        "--certificate",
        &fixture("test-client.pfx"),
        "--certificate-password-file",
        &fixture("test-pfx-password.txt"),
        "alerts",
        "--first",
        "2",
    ]));
    assert_eq!(records(&out).len(), 2);
    let out = ok(app_without_secret(&t)
        .env("MDCA_CERTIFICATE", fixture("test-client-legacy.pfx"))
        .env("MDCA_CERTIFICATE_PASSWORD", "mdca-test-only")
        .args(["--certificate-algorithm", "rs256", "alerts", "--first", "1"]));
    assert_eq!(records(&out).len(), 1);
}

#[test]
fn a_wrong_pfx_password_fails_before_any_request_without_printing_it() {
    let t = Tenant::start();
    let out = run(app_without_secret(&t)
        .env("MDCA_CERTIFICATE_PASSWORD", "hunter2-wrong")
        .args(["--certificate", &fixture("test-client.pfx"), "alerts"]));
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("password is wrong"), "{err}");
    assert!(!err.contains("hunter2-wrong"), "{err}");
    assert_eq!(t.sim.stats().total, 0);
}

#[test]
fn a_certificate_the_app_does_not_have_names_its_thumbprint() {
    let t = Tenant::start();
    let out =
        run(app_without_secret(&t).args(["--certificate", &fixture("test-other.pem"), "alerts"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("AADSTS700027"), "{err}");
    assert!(err.contains("thumbprint"), "{err}");
}
