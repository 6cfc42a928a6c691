//! Runs the built `mdca` binary against a simulator started in the test, over loopback HTTP.
#![allow(dead_code)] // each test binary uses a different subset of these helpers

use std::process::Output;

use assert_cmd::Command;
use mdca_sim::{SimConfig, Simulator};
use serde_json::Value;

pub const MDCA: &str = env!("CARGO_BIN_EXE_mdca");

/// A simulated tenant for one test.
pub struct Tenant {
    pub sim: Simulator,
}

impl Tenant {
    /// The small unthrottled test dataset (`SimConfig::for_tests`).
    pub fn start() -> Tenant {
        Tenant::with(SimConfig::for_tests())
    }

    pub fn with(cfg: SimConfig) -> Tenant {
        let sim = mdca_sim::start_blocking(cfg).expect("the simulator starts");
        Tenant { sim }
    }

    /// `mdca --url <sim> --token <admin token> --rate-limit off` (the test simulator does not throttle).
    pub fn mdca(&self) -> Command {
        let mut cmd = bare();
        cmd.args([
            "--url",
            &self.sim.url(),
            "--token",
            &self.sim.admin_token(),
            "--rate-limit",
            "off",
        ]);
        cmd
    }

    /// `mdca --url <sim>` with the simulator's app registration as credentials.
    pub fn mdca_app(&self) -> Command {
        let (client_id, client_secret) = self.sim.app_credentials();
        let mut cmd = bare();
        cmd.args(["--url", &self.sim.url(), "--rate-limit", "off"]);
        cmd.args([
            "--tenant-id",
            &self.sim.entra_tenant_id(),
            "--client-id",
            &client_id,
        ]);
        cmd.args([
            "--client-secret",
            &client_secret,
            "--authority-host",
            &self.sim.authority_host(),
        ]);
        cmd
    }
}

/// `mdca` with an empty environment: no MDCA_* variables and no proxy settings leak in from the
/// machine running the tests.
pub fn bare() -> Command {
    let mut cmd = Command::new(MDCA);
    cmd.env_clear();
    cmd.timeout(std::time::Duration::from_secs(120));
    cmd
}

/// Runs the command and returns its output, whatever the exit code.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("mdca runs")
}

/// Runs the command, asserting success, and returns stdout.
#[track_caller]
pub fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "mdca failed with {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// Parses NDJSON output: one JSON object per line.
#[track_caller]
pub fn records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect()
}

/// The `_id` of each record.
pub fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r["_id"]
                .as_str()
                .unwrap_or_else(|| panic!("record without a string _id: {r}"))
                .to_owned()
        })
        .collect()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
