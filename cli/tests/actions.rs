//! Fetch by id and the state-changing commands: alert close/read/unread, activity feedback,
//! subnet create/update/delete, entity tree, and `mdca request`.

mod common;

use std::time::Duration;

use common::{bare, ids, ok, records, run, Tenant};
use mdca_sim::{FaultKind, FaultSpec};
use serde_json::{json, Value};

/// A well-formed alert id (24 hex digits) that no alert has.
const MISSING: &str = "0000000000000000000000ff";

fn open_alert_ids(t: &Tenant, n: usize) -> Vec<String> {
    let open = ids(&records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "resolutionStatus:eq:0",
    ]))));
    assert!(
        open.len() >= n,
        "the dataset has only {} open alerts",
        open.len()
    );
    open[..n].to_vec()
}

fn fetch(t: &Tenant, entity: &str, id: &str) -> Value {
    let got = records(&ok(t.mdca().args([entity, "get", id])));
    assert_eq!(got.len(), 1);
    got.into_iter().next().unwrap()
}

#[test]
fn get_fetches_each_record_by_id() {
    let t = Tenant::start();
    for entity in ["activities", "alerts", "files", "subnets"] {
        let listed = ids(&records(&ok(t.mdca().args([entity, "--first", "2"]))));
        let fetched = ids(&records(&ok(t
            .mdca()
            .args([entity, "get", &listed[0], &listed[1]]))));
        assert_eq!(fetched, listed, "{entity} get");
    }
}

#[test]
fn entities_are_fetched_by_their_key_object_and_have_a_tree() {
    let t = Tenant::start();
    let entity = &records(&ok(t.mdca().args(["entities", "--first", "1"])))[0];
    let pk = json!({"id": entity["id"], "saas": entity["appData"]["saas"], "inst": entity["appData"]["instance"]});
    let fetched = fetch(&t, "entities", &pk.to_string());
    assert_eq!(fetched["_id"], entity["_id"]);
    let tree = records(&ok(t.mdca().args(["entities", "tree", &pk.to_string()])));
    assert_eq!(tree.len(), 1, "the tree is one JSON document");
    assert!(
        tree[0].to_string().contains(entity["id"].as_str().unwrap()),
        "the tree names the entity"
    );
}

#[test]
fn alerts_close_sets_the_verdict_and_reports_unknown_ids() {
    let t = Tenant::start();
    let picked = open_alert_ids(&t, 3);
    for (id, verdict, status) in [
        (&picked[0], "benign", 4),
        (&picked[1], "false-positive", 3),
        (&picked[2], "true-positive", 5),
    ] {
        let mut cmd = t.mdca();
        cmd.args([
            "alerts",
            "close",
            "--as",
            verdict,
            "--id",
            id,
            "--id",
            MISSING,
            "--comment",
            "triaged by cli",
        ]);
        if verdict != "true-positive" {
            cmd.args(["--reason", "other"]);
        }
        let answer: Value = serde_json::from_str(ok(&mut cmd).trim()).unwrap();
        assert_eq!(
            answer,
            json!({"closed": 1, "not_found": [MISSING]}),
            "{verdict}"
        );
        let alert = fetch(&t, "alerts", id);
        assert_eq!(alert["resolutionStatusValue"], status, "{verdict}: {alert}");
        assert_eq!(alert["comment"], "triaged by cli");
    }
}

#[test]
fn alerts_close_takes_ids_piped_from_a_list() {
    let t = Tenant::start();
    let picked = open_alert_ids(&t, 150);
    // More than one chunk of 100 ids; NDJSON records and bare ids mixed, as a pipeline may produce.
    let mut input = String::new();
    for (i, id) in picked.iter().enumerate() {
        if i % 2 == 0 {
            input.push_str(&format!("{{\"_id\":\"{id}\",\"title\":\"x\"}}\n"));
        } else {
            input.push_str(&format!("{id}\n"));
        }
    }
    let out = ok(t
        .mdca()
        .args(["alerts", "close", "--as", "benign", "--ids-from", "-"])
        .write_stdin(input));
    assert_eq!(
        serde_json::from_str::<Value>(out.trim()).unwrap(),
        json!({"closed": 150, "not_found": []})
    );
    let still_open = ids(&records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "resolutionStatus:eq:0",
    ]))));
    assert!(picked.iter().all(|id| !still_open.contains(id)));
}

#[test]
fn alerts_close_with_a_reason_of_another_verdict_is_refused_locally() {
    let t = Tenant::start();
    let out = run(t.mdca().args([
        "alerts",
        "close",
        "--as",
        "benign",
        "--id",
        MISSING,
        "--reason",
        "not-of-interest",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
}

#[test]
fn alerts_read_and_unread_set_the_status() {
    let t = Tenant::start();
    let id = &open_alert_ids(&t, 1)[0];
    ok(t.mdca().args(["alerts", "read", id]));
    assert_eq!(fetch(&t, "alerts", id)["statusValue"], 1);
    ok(t.mdca().args(["alerts", "unread", id]));
    assert_eq!(fetch(&t, "alerts", id)["statusValue"], 0);
    let out = run(t.mdca().args(["alerts", "read", MISSING]));
    assert_eq!(
        out.status.code(),
        Some(4),
        "unknown alert: {}",
        common::stderr(&out)
    );
}

#[test]
fn subnets_are_created_updated_and_deleted() {
    let t = Tenant::start();
    let before = records(&ok(t.mdca().args(["subnets", "--all"]))).len();
    let id = ok(t.mdca().args([
        "subnets",
        "create",
        "--name",
        "cli office",
        "--category",
        "corporate",
        "--subnet",
        "192.0.2.0/24",
        "--organization",
        "Contoso",
        "--tag",
        "hq",
    ]));
    let id = id.trim();
    assert!(
        !id.is_empty() && !id.contains('"'),
        "create prints the bare id: {id:?}"
    );
    let created = fetch(&t, "subnets", id);
    assert_eq!(created["name"], "cli office");
    assert_eq!(created["category"], 1);
    assert_eq!(
        records(&ok(t.mdca().args(["subnets", "--all"]))).len(),
        before + 1
    );

    ok(t.mdca().args([
        "subnets",
        "update",
        id,
        "--name",
        "cli office",
        "--category",
        "vpn",
        "--subnet",
        "198.51.100.0/24,2001:db8::/32",
    ]));
    let updated = fetch(&t, "subnets", id);
    assert_eq!(updated["category"], 4);
    assert_eq!(updated["subnets"].as_array().unwrap().len(), 2);

    ok(t.mdca().args(["subnets", "delete", id]));
    let out = run(t.mdca().args(["subnets", "get", id]));
    assert_eq!(
        out.status.code(),
        Some(4),
        "deleted: {}",
        common::stderr(&out)
    );
    assert_eq!(
        records(&ok(t.mdca().args(["subnets", "--all"]))).len(),
        before
    );
}

#[test]
fn activity_feedback_is_accepted() {
    let t = Tenant::start();
    let id = &ids(&records(&ok(t.mdca().args(["activities", "--first", "1"]))))[0];
    ok(t.mdca().args([
        "activities",
        "feedback",
        id,
        "--value",
        "0",
        "--text",
        "irrelevant",
    ]));
}

#[test]
fn request_sends_any_call_with_the_client_auth() {
    let t = Tenant::start();
    let out = ok(t
        .mdca()
        .args(["request", "POST", "v1/alerts/", "--body", r#"{"limit": 3}"#]));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["data"].as_array().unwrap().len(), 3);
    let out = ok(t
        .mdca()
        .args(["request", "GET", "/api/v1/subnet/", "--query", "limit=2"]));
    let answer: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(answer["data"].as_array().unwrap().len(), 2);
}

#[test]
fn alerts_close_dry_run_counts_the_selection_and_changes_nothing() {
    let t = Tenant::start();
    let picked = open_alert_ids(&t, 2);
    let open_before = records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "resolutionStatus:eq:0",
    ])))
    .len();
    let out = ok(t.mdca().args([
        "alerts",
        "close",
        "--as",
        "benign",
        "--dry-run",
        "--id",
        &picked[0],
        "--id",
        &picked[1],
        "--id",
        &picked[0],
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(out.trim()).unwrap(),
        json!({"dry_run": true, "as": "benign", "alerts": 2})
    );
    let filter = r#"{"resolutionStatus":{"eq":[0]}}"#;
    let out = ok(t.mdca().args([
        "alerts",
        "close",
        "--as",
        "true-positive",
        "--dry-run",
        "--filter",
        filter,
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(out.trim()).unwrap()["alerts"],
        open_before
    );
    let open_after = records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "resolutionStatus:eq:0",
    ])))
    .len();
    assert_eq!(open_after, open_before, "nothing was closed");
}

#[test]
fn alerts_close_by_an_empty_or_misspelt_filter_is_refused_with_no_request_sent() {
    let t = Tenant::start();
    for filter in [
        "{}",
        r#"{"severty":{"eq":[2]}}"#,
        r#"{"severity":{"equals":[2]}}"#,
    ] {
        for dry_run in [false, true] {
            let mut cmd = t.mdca();
            cmd.args(["alerts", "close", "--as", "benign", "--filter", filter]);
            if dry_run {
                cmd.arg("--dry-run");
            }
            let out = run(&mut cmd);
            let err = common::stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{filter}: {err}");
            assert!(err.contains("refusing to close alerts"), "{filter}: {err}");
            assert!(err.contains("nothing was sent"), "{filter}: {err}");
        }
    }
    assert_eq!(t.sim.stats().total, 0, "no request reached the tenant");
}

#[test]
fn alerts_close_that_fails_part_way_lists_the_closed_alerts_on_stderr() {
    let t = Tenant::start();
    let picked = open_alert_ids(&t, 150);
    t.sim.reset_stats();
    // One request a second, so the fault is armed after the first chunk and before the second.
    let mut cmd = bare();
    cmd.args(["--url", &t.sim.url(), "--token", &t.sim.admin_token()]);
    cmd.args(["--rate-limit", "1/1", "--max-retries", "0"]);
    cmd.args(["alerts", "close", "--as", "benign", "--ids-from", "-"]);
    cmd.write_stdin(picked.join("\n"));
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            while t.sim.stats().route_status("alerts.close_benign", 200) == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
            t.sim.add_fault(
                FaultSpec::new(FaultKind::Status(500), 1).on_route("alerts.close_benign"),
            );
        });
        run(&mut cmd)
    });
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(5), "a server error: {err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("mdca: 100 of 150 alerts were closed before the failure:"),
        "{err}"
    );
    let closed: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("  closed "))
        .collect();
    assert_eq!(closed, picked[..100]);
    let not_closed: Vec<&str> = err
        .lines()
        .filter_map(|l| l.strip_prefix("  not-closed "))
        .collect();
    assert_eq!(not_closed, picked[100..]);
    assert!(
        err.contains("mdca: error: closing alerts stopped part-way"),
        "{err}"
    );
    // Ground truth: the first 100 are closed, the other 50 still open.
    let still_open = ids(&records(&ok(t.mdca().args([
        "alerts",
        "--all",
        "--where",
        "resolutionStatus:eq:0",
    ]))));
    assert!(picked[..100].iter().all(|id| !still_open.contains(id)));
    assert!(picked[100..].iter().all(|id| still_open.contains(id)));
}
