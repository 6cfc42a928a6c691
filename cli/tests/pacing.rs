//! `--rate-limit`: the client paces itself under the tenant throttle (api.md §4.3, §12), and the
//! `-v` summary reports the pull.

mod common;

use std::time::Duration;

use common::{bare, ids, records, run, stderr, Tenant};
use mdca_sim::data::Entity;
use mdca_sim::{SimConfig, ThrottleConfig};

/// A tenant admitting 10 requests per second, so a 25-page pull must be paced.
fn throttled() -> Tenant {
    let mut cfg = SimConfig::for_tests();
    cfg.throttle = ThrottleConfig {
        requests: 10,
        window: Duration::from_secs(1),
        retry_after_header: true,
    };
    Tenant::with(cfg)
}

fn pull(t: &Tenant, rate: &str) -> std::process::Output {
    run(bare()
        .args([
            "--url",
            &t.sim.url(),
            "--token",
            &t.sim.admin_token(),
            "--rate-limit",
            rate,
            "-v",
        ])
        .args(["alerts", "--all", "--page-size", "10"]))
}

#[test]
fn a_pull_paced_below_the_tenant_throttle_gets_no_429_and_every_record() {
    let t = throttled();
    let out = pull(&t, "9/1");
    assert!(out.status.success(), "{}", stderr(&out));
    let got = ids(&records(&String::from_utf8(out.stdout.clone()).unwrap()));
    assert_eq!(got.len() as u64, t.sim.dataset(0).count(Entity::Alerts));
    assert_eq!(
        t.sim.stats().status(429),
        0,
        "pacing kept the pull under the throttle"
    );
    // Keyset windows overlap a little, so the pages are not simply 250 / 10: the summary counts the
    // requests the simulator saw.
    let summary = stderr(&out);
    let requests = t.sim.stats().route("alerts.list");
    assert!(requests >= 25, "{requests}");
    assert!(
        summary.contains(&format!("mdca: {} records in ", got.len()))
            && summary.contains(&format!(", {requests} requests, 0 retries")),
        "{summary}"
    );
}

#[test]
fn without_pacing_the_same_pull_is_throttled_and_still_complete() {
    let t = throttled();
    let out = pull(&t, "off");
    assert!(out.status.success(), "{}", stderr(&out));
    let got = ids(&records(&String::from_utf8(out.stdout).unwrap()));
    assert_eq!(
        got.len() as u64,
        t.sim.dataset(0).count(Entity::Alerts),
        "429s were retried"
    );
    assert!(
        t.sim.stats().status(429) > 0,
        "the throttle did bite without pacing"
    );
}
