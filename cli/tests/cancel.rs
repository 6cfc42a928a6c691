//! Ctrl+C (SIGINT) cancels a pull promptly, even while a request is stalled, and exits 130.
#![cfg(unix)]

mod common;

use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{records, Tenant};
use mdca_sim::{FaultKind, FaultSpec};

#[test]
fn sigint_during_a_stalled_request_cancels_the_pull_and_exits_130() {
    let t = Tenant::start();
    // Every list request stalls for a minute, far beyond the test's patience.
    t.sim.add_fault(
        FaultSpec::new(FaultKind::Stall(Duration::from_secs(60)), 100).on_route("alerts.list"),
    );
    let child = Command::new(common::MDCA)
        .env_clear()
        .args([
            "--url",
            &t.sim.url(),
            "--token",
            &t.sim.admin_token(),
            "--rate-limit",
            "off",
        ])
        .args(["--timeout", "120", "alerts", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the request is in flight (the fault has taken one unit).
    let deadline = Instant::now() + Duration::from_secs(20);
    while t.sim.armed_faults().first().is_some_and(|f| f.count == 100) && Instant::now() < deadline
    {
        sleep(Duration::from_millis(50));
    }
    sleep(Duration::from_millis(200));
    let sent = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(10),
        "stopped promptly, not after the stall"
    );
    assert_eq!(
        out.status.code(),
        Some(130),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cancel"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(records(&String::from_utf8(out.stdout).unwrap()).is_empty());
}
