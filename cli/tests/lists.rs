//! `mdca <entity>` lists: paging to the last record, windows, output formats.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command as StdCommand, Stdio};

use common::{ids, ok, records, Tenant};
use mdca_sim::data::Entity;
use serde_json::Value;

#[track_caller]
fn assert_unique(ids: &[String], what: &str) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "{what}: a record was returned twice"
    );
}

#[test]
fn every_entity_lists_to_the_last_record_with_all() {
    let t = Tenant::start();
    for (entity, arg) in [
        (Entity::Activities, "activities"),
        (Entity::Alerts, "alerts"),
        (Entity::Entities, "entities"),
        (Entity::Subnets, "subnets"),
    ] {
        let got = ids(&records(&ok(t.mdca().args([arg, "--all"]))));
        assert_eq!(
            got.len() as u64,
            t.sim.dataset(0).count(entity),
            "{arg} --all"
        );
        assert_unique(&got, arg);
    }
}

#[test]
fn files_all_lists_every_file_and_deleted_ones_only_on_request() {
    // Deleted files are hidden unless allowDeleted is true (api.md §14 rule 20).
    let t = Tenant::start();
    let with_deleted = ids(&records(&ok(t.mdca().args([
        "files",
        "--all",
        "--where",
        "allowDeleted:eq:true",
    ]))));
    assert_eq!(
        with_deleted.len() as u64,
        t.sim.dataset(0).count(Entity::Files)
    );
    assert_unique(&with_deleted, "files");
    let present = ids(&records(&ok(t.mdca().args(["files", "--all"]))));
    assert!(
        !present.is_empty() && present.len() < with_deleted.len(),
        "the test dataset has deleted files"
    );
    assert!(present.iter().all(|id| with_deleted.contains(id)));
}

#[test]
fn without_all_or_first_a_list_returns_one_page() {
    let t = Tenant::start();
    assert_eq!(records(&ok(t.mdca().args(["alerts"]))).len(), 100);
    assert_eq!(
        records(&ok(t.mdca().args(["alerts", "list", "--page-size", "30"]))).len(),
        30
    );
}

#[test]
fn first_and_skip_select_the_same_window_as_the_full_list() {
    let t = Tenant::start();
    let all = ids(&records(&ok(t.mdca().args(["alerts", "--all"]))));
    let window = ids(&records(&ok(t
        .mdca()
        .args(["alerts", "--skip", "95", "--first", "120"]))));
    assert_eq!(
        window,
        all[95..215].to_vec(),
        "--skip 95 --first 120 spans pages and keeps the order"
    );
    let tail = ids(&records(&ok(t
        .mdca()
        .args(["alerts", "--skip", "240", "--all"]))));
    assert_eq!(tail, all[240..].to_vec());
}

#[test]
fn activities_all_is_exact_in_scan_mode_and_without_it() {
    let t = Tenant::start();
    let expected = t.sim.dataset(0).count(Entity::Activities);
    let scanned = ids(&records(&ok(t.mdca().args([
        "activities",
        "--all",
        "--scan",
    ]))));
    assert_eq!(scanned.len() as u64, expected, "activities --all --scan");
    assert_unique(&scanned, "--scan");
    // Outside scan mode the server pages only through the first 5000 records (api.md §4.3).
    let first = expected.to_string();
    let paged = ids(&records(&ok(t.mdca().args([
        "activities",
        "--first",
        &first,
        "--no-scan",
    ]))));
    assert_eq!(
        paged.len() as u64,
        expected,
        "activities --first {expected} --no-scan"
    );
    assert_unique(&paged, "--no-scan");
}

#[test]
fn where_filters_are_sent_and_applied_by_the_server() {
    let t = Tenant::start();
    let high = records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "severity:eq:2",
    ])));
    assert!(!high.is_empty());
    assert!(
        high.iter().all(|a| a["severityValue"] == 2),
        "only high-severity alerts"
    );
    let raw = records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--filter",
        r#"{"severity":{"eq":[2]}}"#,
    ])));
    assert_eq!(
        ids(&raw),
        ids(&high),
        "--filter JSON and --where build the same query"
    );
}

#[test]
fn ndjson_lines_are_the_records_as_the_server_sent_them() {
    let t = Tenant::start();
    let out = ok(t.mdca().args(["subnets", "--all"]));
    assert!(out.ends_with('\n'));
    for line in out.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        assert!(value.is_object(), "one object per line: {line}");
    }
}

#[test]
fn csv_has_a_header_from_the_first_page_and_one_row_per_record() {
    let t = Tenant::start();
    let out = ok(t.mdca().args(["subnets", "--all", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "_id", "columns keep the record's key order");
    assert!(header.iter().any(|h| h == "subnets"), "{header:?}");
    let rows: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, t.sim.dataset(0).count(Entity::Subnets));
    let nested = header.iter().position(|h| h == "subnets").unwrap();
    assert!(
        rows.iter().all(|r| r[nested].starts_with('[')),
        "nested values are compact JSON"
    );
}

#[test]
fn csv_columns_pick_and_reach_into_fields() {
    let t = Tenant::start();
    let listed = records(&ok(t.mdca().args(["entities", "--first", "5"])));
    let out = ok(t.mdca().args([
        "entities",
        "--first",
        "5",
        "--format",
        "csv",
        "--columns",
        "_id,appData.saas",
    ]));
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["_id", "appData.saas"]
    );
    for (row, record) in reader.records().map(|r| r.unwrap()).zip(&listed) {
        assert_eq!(&row[0], record["_id"].as_str().unwrap());
        assert_eq!(row[1], record["appData"]["saas"].to_string());
    }
}

#[test]
fn json_format_is_one_array_of_the_records() {
    let t = Tenant::start();
    let out = ok(t
        .mdca()
        .args(["alerts", "--first", "150", "--format", "json"]));
    let array: Vec<Value> = serde_json::from_str(&out).expect("one JSON array");
    assert_eq!(
        ids(&array),
        ids(&records(&ok(t.mdca().args(["alerts", "--first", "150"]))))
    );
}

#[test]
fn a_closed_stdout_ends_the_pull_quietly_with_success() {
    let t = Tenant::start();
    let mut child = StdCommand::new(common::MDCA)
        .env_clear()
        .args([
            "--url",
            &t.sim.url(),
            "--token",
            &t.sim.admin_token(),
            "--rate-limit",
            "off",
        ])
        .args(["activities", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'));
    // The reader is dropped here, like `| head -1` exiting.
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "nothing on stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
