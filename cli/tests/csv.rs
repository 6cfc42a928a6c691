//! `--format csv` against the simulator: every key of every record has a column, case twins get
//! distinct headers, numeric path segments index arrays, formula-leading text is neutralised, and
//! PowerShell's Import-Csv reads the file back (when `pwsh` is on PATH).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use common::{ok, records, run, stderr, Tenant};
use serde_json::Value;

/// The CSV's header and rows, parsed by the csv crate.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// What a cell shows for a JSON value (formula guard included).
fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn csv_of_records_with_differing_and_case_twin_keys_loses_no_field() {
    let t = Tenant::start();
    let pull = ["files", "--all", "--page-size", "50"];
    let expected = records(&ok(t.mdca().args(pull)));
    let out = run(t.mdca().args(pull).args(["--format", "csv"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let (header, rows) = parse(&String::from_utf8(out.stdout).unwrap());

    let lower: HashSet<String> = header.iter().map(|h| h.to_lowercase()).collect();
    assert_eq!(lower.len(), header.len(), "headers unique ignoring case");
    assert!(header.contains(&"Created".to_owned()) || header.contains(&"created".to_owned()));
    assert!(
        header.iter().any(|h| h.ends_with("_2")),
        "a case twin: {header:?}"
    );

    // Each record's keys map to columns in first-seen order, case twins to the suffixed header.
    let mut column_of: HashMap<String, usize> = HashMap::new();
    let mut next = 0;
    for record in &expected {
        for key in record.as_object().unwrap().keys() {
            column_of.entry(key.clone()).or_insert_with(|| {
                next += 1;
                next - 1
            });
        }
    }
    assert_eq!(column_of.len(), header.len(), "a column per distinct key");
    assert_eq!(rows.len(), expected.len());
    let mut twins = 0;
    for (record, row) in expected.iter().zip(&rows) {
        let object = record.as_object().unwrap();
        twins += usize::from(object.contains_key("Created") && object.contains_key("created"));
        for (key, &col) in &column_of {
            let want = object.get(key).map(cell_text).unwrap_or_default();
            assert_eq!(row[col], want, "{} {key} ({})", record["_id"], header[col]);
        }
    }
    assert!(twins > 0, "the simulator serves case-twin keys");
}

#[test]
fn csv_columns_index_arrays_and_formula_text_is_neutralised() {
    let t = Tenant::start();
    for name in ["=1+2", "@SUM(A1)", "-cmd"] {
        ok(t.mdca().args([
            "subnets",
            "create",
            &format!("--name={name}"),
            "--category",
            "1",
            "--subnet",
            "10.9.0.0/16",
        ]));
    }
    let out = ok(t
        .mdca()
        .args(["subnets", "--all", "--format", "csv", "--columns", "name"]));
    let (_, rows) = parse(&out);
    let names: HashSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    for neutralised in ["'=1+2", "'@SUM(A1)", "'-cmd"] {
        assert!(names.contains(neutralised), "{names:?}");
    }
    let out = ok(t.mdca().args([
        "subnets",
        "--all",
        "--format",
        "csv",
        "--columns",
        "name",
        "--csv-formulas",
    ]));
    assert!(out.lines().any(|l| l == "=1+2"), "{out}");

    // entities.0.label: the first entity's label of each alert.
    let alerts = records(&ok(t.mdca().args(["alerts", "--first", "30"])));
    let out = run(t.mdca().args([
        "alerts",
        "--first",
        "30",
        "--format",
        "csv",
        "--columns",
        "_id,entities.0.label,entities.0.nosuch",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("entities.0.nosuch"),
        "an empty column is named: {}",
        stderr(&out)
    );
    let (header, rows) = parse(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(header, ["_id", "entities.0.label", "entities.0.nosuch"]);
    for (alert, row) in alerts.iter().zip(&rows) {
        assert_eq!(row[0], alert["_id"].as_str().unwrap());
        assert_eq!(row[1], cell_text(&alert["entities"][0]["label"]));
        assert!(!row[1].is_empty());
    }
}

/// `pwsh` on PATH, if any.
fn pwsh() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("pwsh"))
        .find(|p| p.is_file())
}

#[test]
fn import_csv_reads_the_csv_back() {
    let Some(pwsh) = pwsh() else {
        eprintln!("pwsh is not on PATH: Import-Csv round trip not run");
        return;
    };
    let t = Tenant::start();
    ok(t.mdca().args([
        "subnets",
        "create",
        "--name",
        "=HYPERLINK(\"http://x\")",
        "--category",
        "3",
        "--subnet",
        "10.8.0.0/16",
    ]));
    let dir = std::env::temp_dir().join(format!("mdca-cli-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One PowerShell start (a few seconds) reads every file: one JSON line per file.
    let mut pulls = Vec::new();
    let mut script = String::new();
    for (entity, extra) in [("files", vec!["--page-size", "50"]), ("subnets", vec![])] {
        let expected = records(&ok(t.mdca().args([entity, "--all"]).args(&extra)));
        let csv = ok(t
            .mdca()
            .args([entity, "--all", "--format", "csv"])
            .args(&extra));
        let path = dir.join(format!("{entity}.csv"));
        std::fs::write(&path, &csv).unwrap();
        script.push_str(&format!(
            "ConvertTo-Json -InputObject @(Import-Csv -LiteralPath '{}') -Depth 2 -Compress; ",
            path.display()
        ));
        pulls.push((entity, expected, csv));
    }
    let out = std::process::Command::new(&pwsh)
        .args([
            "-NoLogo",
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            &script,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "Import-Csv refused a CSV: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    for (entity, expected, csv) in pulls {
        let imported: Vec<Value> = serde_json::from_str(lines.next().unwrap()).unwrap();
        assert_eq!(imported.len(), expected.len(), "{entity}");
        let (header, _) = parse(&csv);
        for (record, row) in expected.iter().zip(&imported) {
            assert_eq!(row["_id"], record["_id"]);
            let row = row.as_object().unwrap();
            assert_eq!(row.len(), header.len(), "every column is a property");
            if entity == "subnets" {
                assert_eq!(row["name"], cell_text(&record["name"]));
            }
            if let (Some(upper), Some(lower)) = (record.get("Created"), record.get("created")) {
                assert_eq!(row["Created"], cell_text(upper));
                assert_eq!(row["created_2"], cell_text(lower));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
