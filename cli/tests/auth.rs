//! Credentials: legacy token, app registration, access token; the Files API's refusal of bearer
//! tokens (api.md §3.5, §12) and the automatic use of a legacy token beside app credentials; secrets
//! never printed.

mod common;

use common::{bare, ok, records, run, stderr, Tenant};

#[test]
fn app_credentials_list_alerts() {
    let t = Tenant::start();
    assert_eq!(
        records(&ok(t.mdca_app().args(["alerts", "--first", "5"]))).len(),
        5
    );
}

#[test]
fn files_with_app_credentials_only_fail_with_the_legacy_token_hint_and_exit_3() {
    let t = Tenant::start();
    let out = run(t.mdca_app().args(["files", "--first", "5"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.starts_with("mdca: error: "), "{err}");
    assert!(err.contains("HTTP 403"), "the status is shown: {err}");
    assert!(
        err.contains("correlation id"),
        "the server's correlation id is shown: {err}"
    );
    assert!(
        err.to_lowercase().contains("legacy"),
        "the hint names the legacy API token: {err}"
    );
}

#[test]
fn files_with_app_credentials_and_a_legacy_token_use_the_token() {
    let t = Tenant::start();
    let out = ok(t
        .mdca_app()
        .args(["--token", &t.sim.admin_token(), "files", "--first", "5"]));
    assert_eq!(records(&out).len(), 5);
}

#[test]
fn a_pre_acquired_access_token_lists_alerts() {
    let t = Tenant::start();
    let token = t.sim.bearer_token(0, &["Investigation.read"]);
    let out = ok(bare().args([
        "--url",
        &t.sim.url(),
        "--access-token",
        &token,
        "alerts",
        "--first",
        "3",
    ]));
    assert_eq!(records(&out).len(), 3);
}

#[test]
fn credentials_from_environment_variables_work() {
    let t = Tenant::start();
    let out = ok(bare()
        .env("MDCA_URL", t.sim.url())
        .env("MDCA_TOKEN", t.sim.admin_token())
        .args(["subnets", "--first", "2"]));
    assert_eq!(records(&out).len(), 2);
}

#[test]
fn an_unknown_token_exits_3() {
    let t = Tenant::start();
    let out = run(bare().args([
        "--url",
        &t.sim.url(),
        "--token",
        "0123456789abcdef0123456789abcdef",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 401"), "{}", stderr(&out));
}

#[test]
fn a_wrong_client_secret_exits_3() {
    let t = Tenant::start();
    let (client_id, _) = t.sim.app_credentials();
    let out = run(bare().args([
        "--url",
        &t.sim.url(),
        "--tenant-id",
        &t.sim.entra_tenant_id(),
        "--client-id",
        &client_id,
        "--client-secret",
        "not-the-secret-xyz",
        "--authority-host",
        &t.sim.authority_host(),
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not-the-secret-xyz"));
}

#[test]
fn secrets_never_appear_on_stdout_or_stderr_even_with_trace_logging() {
    let t = Tenant::start();
    let token = t.sim.admin_token();
    let (_, client_secret) = t.sim.app_credentials();
    let access = t.sim.bearer_token(0, &["Investigation.read"]);
    let secrets = [token.as_str(), client_secret.as_str(), access.as_str()];
    let mut outputs = vec![
        run(t
            .mdca_app()
            .args(["-vvv", "--token", &token, "files", "--first", "3"])),
        run(t.mdca_app().args(["-vvv", "files", "--first", "3"])),
        run(t
            .mdca_app()
            .args(["-vvv", "--error-format", "json", "files", "--first", "3"])),
        run(bare().args([
            "-vvv",
            "--url",
            &t.sim.url(),
            "--access-token",
            &access,
            "files",
        ])),
        run(t
            .mdca()
            .args(["-vvv", "alerts", "get", "0000000000000000000000ff"])),
        // clap's own output: help with the secrets in the environment, and a usage error.
        run(bare()
            .env("MDCA_TOKEN", &token)
            .env("MDCA_CLIENT_SECRET", &client_secret)
            .arg("--help")),
        run(bare()
            .env("MDCA_TOKEN", &token)
            .args(["files", "--timeout", "soon"])),
        run(bare()
            .env("MDCA_ACCESS_TOKEN", &access)
            .args(["alerts", "--help"])),
    ];
    outputs.push(run(t.mdca_app().args(["-vv", "alerts", "--first", "3"])));
    for (i, out) in outputs.iter().enumerate() {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in secrets {
            assert!(!text.contains(secret), "run {i} printed a secret:\n{text}");
        }
    }
    assert!(!outputs[0].stderr.is_empty(), "-vvv logs something");
}

#[test]
fn secrets_can_come_from_files_and_stdin() {
    let t = Tenant::start();
    let dir = std::env::temp_dir().join(format!("mdca-cli-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{}\n", t.sim.admin_token())).unwrap();
    let base = ["--url", &t.sim.url(), "--rate-limit", "off"];

    let out = ok(bare().args(base).args([
        "--token-file",
        token_file.to_str().unwrap(),
        "files",
        "--first",
        "3",
    ]));
    assert_eq!(records(&out).len(), 3, "legacy token from a file");

    let out = ok(bare()
        .args(base)
        .args(["--token-file", "-", "alerts", "--first", "3"])
        .write_stdin(t.sim.admin_token()));
    assert_eq!(records(&out).len(), 3, "legacy token from stdin");

    // The file wins over a stale variable.
    let out = ok(bare().env("MDCA_TOKEN", "stale").args(base).args([
        "--token-file",
        token_file.to_str().unwrap(),
        "alerts",
        "--first",
        "1",
    ]));
    assert_eq!(records(&out).len(), 1);

    let (client_id, client_secret) = t.sim.app_credentials();
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, &client_secret).unwrap();
    let out = ok(bare().args(base).args([
        "--tenant-id",
        &t.sim.entra_tenant_id(),
        "--client-id",
        &client_id,
        "--client-secret-file",
        secret_file.to_str().unwrap(),
        "--authority-host",
        &t.sim.authority_host(),
        "alerts",
        "--first",
        "2",
    ]));
    assert_eq!(records(&out).len(), 2, "client secret from a file");

    // An empty or missing file is a configuration error naming the file, never a secret.
    let empty = dir.join("empty");
    std::fs::write(&empty, "\n").unwrap();
    for file in [empty.clone(), dir.join("missing")] {
        let out = run(bare()
            .args(base)
            .args(["--token-file", file.to_str().unwrap(), "alerts"]));
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(file.to_str().unwrap()),
            "{}",
            stderr(&out)
        );
    }
    let out =
        run(bare()
            .args(base)
            .args(["--token-file", "-", "--client-secret-file", "-", "alerts"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "two secrets cannot both read stdin"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verbose_logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let t = Tenant::start();
    let out = run(t.mdca().args(["-vv", "alerts", "--first", "1"]));
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("INFO") || err.contains("DEBUG"), "{err}");
    assert!(!err.contains('\u{1b}'), "no ANSI escape: {err:?}");
}

#[test]
fn managed_identity_signs_in_through_the_imds_endpoint() {
    let t = Tenant::start();
    let base = || {
        let mut cmd = bare();
        cmd.env("MDCA_IMDS_ENDPOINT", t.sim.imds_endpoint())
            .args(["--url", &t.sim.url()]);
        cmd
    };
    // System-assigned; the subcommand after the flag is not taken for a client id.
    let out = ok(base().args(["--managed-identity", "alerts", "--first", "2"]));
    assert_eq!(records(&out).len(), 2);
    let user = format!("--managed-identity={}", t.sim.user_assigned_identity());
    let out = ok(base().args([user.as_str(), "alerts", "--first", "2"]));
    assert_eq!(records(&out).len(), 2);
    let out = run(base().args([
        "--managed-identity=11111111-2222-3333-4444-555555555555",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("does not know this identity"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_url_of_another_cloud_is_refused_before_any_request() {
    let out = run(bare().args([
        "--url",
        "https://contoso.us1.portal.cloudappsecuritygov.com",
        "--cloud",
        "gcc-high",
        "--token",
        "x",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("belongs to the gcc cloud"), "{err}");
    assert!(err.contains("--cloud gcc"), "{err}");
    let out = run(bare().env("MDCA_CLOUD", "commercial").args([
        "--url",
        "https://mdca.proxy.contoso.net",
        "--token",
        "x",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--allow-any-host"),
        "{}",
        stderr(&out)
    );
}
