//! Exit codes by error kind, and how errors are printed.

mod common;

use std::time::Duration;

use common::{bare, run, stderr, Tenant};
use mdca_sim::{FaultKind, FaultSpec};
use serde_json::Value;

const MISSING: &str = "0000000000000000000000ff";

#[test]
fn a_bad_typed_filter_exits_2_before_any_request() {
    let t = Tenant::start();
    t.sim.reset_stats();
    for args in [
        vec!["files", "--where", "colour:eq:red"],
        vec!["alerts", "--where", "severity:gte_ndays:3"],
        vec!["alerts", "--where", "severity"],
        vec!["alerts", "--filter", "{not json"],
        vec!["alerts", "--filter", "[1, 2]"],
    ] {
        let out = run(t.mdca().args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("mdca: error: "),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(t.sim.stats().total, 0, "nothing was sent");
}

#[test]
fn an_unknown_filter_field_is_named_in_the_error() {
    let t = Tenant::start();
    let out = run(t.mdca().args(["files", "--where", "colour:eq:red"]));
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));
}

#[test]
fn missing_configuration_exits_2() {
    let out = run(bare().args(["alerts"]));
    assert_eq!(out.status.code(), Some(2), "no URL: {}", stderr(&out));
    let out = run(bare().args(["--url", "http://127.0.0.1:9", "alerts"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "no credentials: {}",
        stderr(&out)
    );
    let out = run(bare()
        .env("MDCA_TOKEN", "")
        .args(["--url", "http://127.0.0.1:9", "alerts"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an empty variable is no credential: {}",
        stderr(&out)
    );
    let out = run(bare().args(["--url", "http://127.0.0.1:9", "--client-id", "x", "alerts"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "incomplete app credentials: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--tenant-id") && stderr(&out).contains("--client-secret"));
    let out = run(bare().args(["--url", "http://contoso.example", "--token", "x", "alerts"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "http to a remote host: {}",
        stderr(&out)
    );
    let out = run(bare().args(["alerts", "--colour"]));
    assert_eq!(out.status.code(), Some(2), "unknown flag: {}", stderr(&out));
}

#[test]
fn not_found_exits_4_with_the_http_status() {
    let t = Tenant::start();
    let out = run(t.mdca().args(["alerts", "get", MISSING]));
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 404"), "{}", stderr(&out));
}

#[test]
fn error_format_json_prints_the_library_error_object() {
    let t = Tenant::start();
    let out = run(t
        .mdca()
        .args(["--error-format", "json", "alerts", "get", MISSING]));
    assert_eq!(out.status.code(), Some(4));
    let err: Value = serde_json::from_str(stderr(&out).trim()).expect("one JSON object on stderr");
    assert_eq!(err["code"], 200);
    assert_eq!(err["kind"], "not_found");
    assert_eq!(err["http_status"], 404);
}

#[test]
fn server_errors_after_the_retry_budget_exit_5() {
    let t = Tenant::start();
    t.sim
        .add_fault(FaultSpec::new(FaultKind::Status(503), 50).on_route("alerts.list"));
    // A list page keeps retrying past the count for the retry budget, cut to a second here.
    let started = std::time::Instant::now();
    let out = run(t
        .mdca()
        .args(["--max-retries", "1", "--retry-budget", "1", "alerts"]));
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("503"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_refused_connection_exits_6() {
    // Bind then drop a listener: its port is free and nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(bare().args([
        "--url",
        &format!("http://127.0.0.1:{port}"),
        "--token",
        "x",
        "--max-retries",
        "0",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
}

#[test]
fn a_stalled_request_times_out_and_exits_6() {
    let t = Tenant::start();
    t.sim.add_fault(
        FaultSpec::new(FaultKind::Stall(Duration::from_secs(30)), 5).on_route("alerts.list"),
    );
    let started = std::time::Instant::now();
    let out = run(t
        .mdca()
        .args(["--timeout", "1", "--max-retries", "0", "alerts"]));
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the timeout ended the wait"
    );
}

#[test]
fn usage_errors_follow_the_error_format() {
    let out = run(bare().args(["--error-format", "json", "alerts", "--first", "many"]));
    assert_eq!(out.status.code(), Some(2));
    let err: Value = serde_json::from_str(stderr(&out).trim()).expect("one JSON object on stderr");
    assert_eq!(err["kind"], "invalid_argument");
    assert!(
        err["message"].as_str().unwrap().contains("--first"),
        "{err}"
    );
    let out = run(bare().args(["alerts", "--first", "many"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--first"));
}

/// Text errors quote what the server said (issue 11): each kind of refusal shows its words, and the
/// correlation id when the server gave one.
#[test]
fn text_errors_show_the_servers_words_for_each_kind() {
    let t = Tenant::start();
    type Case = (
        Vec<String>,
        Option<(FaultKind, &'static str)>,
        i32,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            vec![
                "alerts".into(),
                "--filter".into(),
                r#"{"nosuch":{"eq":[1]}}"#.into(),
            ],
            None,
            5,
            "The server said: nosuch is not valid",
        ),
        (
            vec!["alerts".into(), "get".into(), MISSING.into()],
            None,
            4,
            "The server said: Not found.",
        ),
        (
            vec!["--max-retries".into(), "0".into(), "alerts".into()],
            Some((FaultKind::Status(500), "alerts.list")),
            5,
            "The server said: A server error occurred.",
        ),
        (
            vec!["--max-retries".into(), "0".into(), "alerts".into()],
            Some((FaultKind::Status(502), "alerts.list")),
            5,
            "The server said: HTML page (",
        ),
    ];
    for (args, fault, code, words) in cases {
        t.sim.clear_faults();
        if let Some((kind, route)) = fault {
            t.sim.add_fault(FaultSpec::new(kind, 5).on_route(route));
        }
        let out = run(t.mdca().args(&args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(!err.contains("in the detail"), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    t.sim.clear_faults();

    // 403 from a read-only role: the server's words and its correlation id.
    let out = run(bare()
        .args(["--url", &t.sim.url(), "--token", &t.sim.reader_token()])
        .args(["alerts", "close", "--as", "benign", "--id", MISSING]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("The server said: Insufficient role based permissions"),
        "{err}"
    );
    assert!(err.contains("correlation id "), "{err}");

    // 401: a token the tenant does not know.
    let out = run(bare()
        .args(["--url", &t.sim.url(), "--token", "not-a-token"])
        .args(["alerts"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("The server said: "), "{err}");
    assert!(
        !err.contains("not-a-token"),
        "the token is never printed: {err}"
    );
}
