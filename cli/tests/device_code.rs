//! `--device-code` (docs/api.md §3.9): the prompt is printed on stderr, the command waits until the
//! user signs in (the test approves through the simulator's control endpoint), then lists records.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::{bare, run, stderr, Tenant, MDCA};

/// POSTs `body` to the simulator's `/_sim/device_code` over loopback HTTP.
fn control(t: &Tenant, body: &str) {
    let addr = t.sim.addr();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /_sim/device_code HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn device_code_prints_the_prompt_on_stderr_and_waits_for_the_sign_in() {
    let t = Tenant::start();
    control(&t, r#"{"interval_ms":100}"#);
    let mut child = Command::new(MDCA)
        .env_clear()
        .args([
            "--url",
            &t.sim.url(),
            "--rate-limit",
            "off",
            "--device-code",
        ])
        .args(["--tenant-id", &t.sim.entra_tenant_id()])
        .args(["--client-id", &t.sim.public_client_id()])
        .args(["--authority-host", &t.sim.authority_host()])
        .args(["alerts", "--first", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.starts_with("mdca: To sign in"), "{line}");
    assert!(line.contains("enter the code"), "{line}");
    control(&t, r#"{"action":"approve"}"#);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn device_code_needs_a_tenant_and_client_id_and_no_secret() {
    let t = Tenant::start();
    let out = run(bare().args(["--url", &t.sim.url(), "--device-code", "alerts"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--tenant-id"), "{}", stderr(&out));
    let out = run(bare().args([
        "--url",
        &t.sim.url(),
        "--device-code",
        "--tenant-id",
        "t",
        "--client-id",
        "c",
        "--client-secret",
        "s",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("To sign in"));
}
