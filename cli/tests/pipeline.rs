//! `mdca alerts --all | mdca alerts close --ids-from -`: a list cut short by a failed producer ends
//! with a line that is not a record, and the close refuses the whole input, sending nothing.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{ok, records, run, stderr, Tenant};
use mdca_sim::{FaultKind, FaultSpec};

/// Feeds `input` to `mdca alerts close --as benign --ids-from -` and returns its output.
fn close_from(t: &Tenant, input: &str) -> std::process::Output {
    run(t
        .mdca()
        .args(["alerts", "close", "--as", "benign", "--ids-from", "-"])
        .write_stdin(input.to_owned()))
}

#[test]
fn a_list_cut_short_by_ctrl_c_closes_nothing_when_piped_into_close() {
    let t = Tenant::start();
    // Each list request is slow, so the list is surely mid-way when it is interrupted.
    t.sim.add_fault(
        FaultSpec::new(FaultKind::Stall(Duration::from_millis(200)), 1000).on_route("alerts.list"),
    );
    let mut producer = Command::new(common::MDCA)
        .env_clear()
        .args(["--url", &t.sim.url(), "--token", &t.sim.admin_token()])
        .args([
            "--rate-limit",
            "off",
            "alerts",
            "--all",
            "--page-size",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = producer.stdout.take().unwrap();
    let mut listed = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(30);
    while listed.iter().filter(|&&b| b == b'\n').count() < 20 {
        assert!(Instant::now() < deadline, "the list did not get going");
        let n = stdout.read(&mut buf).unwrap();
        listed.extend_from_slice(&buf[..n]);
    }
    sleep(Duration::from_millis(50));
    let status = Command::new("kill")
        .args(["-INT", &producer.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    stdout.read_to_end(&mut listed).unwrap();
    assert_eq!(producer.wait().unwrap().code(), Some(130));
    t.sim.clear_faults();

    let listed = String::from_utf8(listed).unwrap();
    let last = listed.lines().last().unwrap();
    assert!(last.starts_with("mdca: incomplete list"), "{last}");
    let complete_lines = listed.lines().count() - 1;
    assert!((20..250).contains(&complete_lines));

    t.sim.reset_stats();
    let out = close_from(&t, &listed);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("incomplete"), "{}", stderr(&out));
    assert_eq!(t.sim.stats().total, 0, "nothing was sent");
}

#[test]
fn a_list_that_fails_before_its_first_record_writes_nothing_and_closes_nothing() {
    let t = Tenant::start();
    t.sim
        .add_fault(FaultSpec::new(FaultKind::Status(500), 5).on_route("alerts.list"));
    let out = run(t.mdca().args(["--max-retries", "0", "alerts", "--all"]));
    assert_eq!(out.status.code(), Some(5));
    // Nothing listed, nothing written: an empty input selects no alert.
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(listed, "");
    t.sim.clear_faults();
    t.sim.reset_stats();
    assert_eq!(close_from(&t, &listed).status.code(), Some(2));
    assert_eq!(t.sim.stats().total, 0, "nothing was sent");

    // A complete list has no such line, and the same pipeline closes it.
    let complete =
        ok(t.mdca()
            .args(["alerts", "--first", "5", "--where", "resolutionStatus:eq:0"]));
    assert_eq!(records(&complete).len(), 5);
    let out = close_from(&t, &complete);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn ids_from_refuses_a_record_cut_mid_line_and_text_that_is_no_id() {
    let t = Tenant::start();
    let complete = ok(t.mdca().args(["alerts", "--first", "3"]));
    let cut = &complete[..complete.len() - 10];
    t.sim.reset_stats();
    for input in [
        cut.to_owned(),
        format!("{complete}mdca: error: something\n"),
    ] {
        let out = close_from(&t, &input);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("nothing was sent"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(t.sim.stats().total, 0);
}
