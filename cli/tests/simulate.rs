//! `--simulate`: the tool works on a fresh machine with no tenant.

mod common;

use std::collections::HashSet;

use common::{bare, ids, ok, records, run, stderr};

#[test]
fn simulate_files_all_pulls_every_file_of_the_simulated_tenant() {
    let sim = ["--simulate", "--sim-files", "230", "--sim-seed", "7"];
    let out = run(bare()
        .args(sim)
        .args(["files", "--all", "--where", "allowDeleted:eq:true"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SIMULATED"),
        "stderr says it is simulated: {}",
        stderr(&out)
    );
    let all = ids(&records(&String::from_utf8(out.stdout).unwrap()));
    assert_eq!(all.len(), 230, "every file of the simulated dataset");
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        230,
        "no file twice"
    );
    let present = ids(&records(&ok(bare().args(sim).args(["files", "--all"]))));
    assert!(
        !present.is_empty() && present.len() < 230,
        "deleted files are hidden by default"
    );
}

#[test]
fn simulate_app_uses_app_credentials_and_the_legacy_token_for_files() {
    let out = ok(bare().args([
        "--simulate",
        "--simulate-app",
        "--sim-files",
        "20",
        "files",
        "--first",
        "5",
    ]));
    assert_eq!(records(&out).len(), 5);
    let out = ok(bare().args(["--simulate", "--simulate-app", "alerts", "--first", "5"]));
    assert_eq!(records(&out).len(), 5);
}

#[test]
fn simulate_refuses_a_real_url_alongside() {
    let out = run(bare().args([
        "--simulate",
        "--url",
        "https://contoso.portal.cloudappsecurity.com",
        "alerts",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn simulate_ignores_mdca_variables_set_for_a_real_tenant() {
    let out = run(bare()
        .env(
            "MDCA_URL",
            "https://contoso.us3.portal.cloudappsecurity.com",
        )
        .env("MDCA_TOKEN", "a-real-token")
        .args(["--simulate", "alerts", "--first", "3"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(records(&String::from_utf8(out.stdout).unwrap()).len(), 3);
}

#[test]
fn dash_o_selects_the_output_format() {
    let out = ok(bare().args(["--simulate", "alerts", "--first", "2", "-o", "csv"]));
    assert!(
        out.starts_with("_id,") || out.lines().next().unwrap().contains("_id"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 3, "a header and two rows");
}
