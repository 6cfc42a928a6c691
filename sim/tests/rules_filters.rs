//! docs/api.md §14 rules 17–20: filter combination, the §5.2 operators, the validation body, and the
//! files visibility filters.
//!
//! Each filter answer is compared with the same selection made here, on the records the
//! unfiltered list returned: the simulator must agree with a plain reading of §5.2.

mod common;

use std::collections::BTreeSet;

use common::{ids, Harness};
use serde_json::{json, Value};

/// Activities in the filter checks: enough for every case to select some records and drop
/// others, few enough that each check is one quick scan page.
const ACTIVITIES: u64 = 600;

fn filter_config() -> mdca_sim::SimConfig {
    let mut cfg = common::test_config();
    cfg.data.activities = ACTIVITIES;
    cfg
}

/// Every activity of a small dataset in one scan page, so each check costs one call.
async fn activities(h: &Harness, filters: Value) -> Vec<Value> {
    select(h, "v1/activities/", filters).await
}

/// Every record of a list that matches `filters`.
async fn select(h: &Harness, list: &str, filters: Value) -> Vec<Value> {
    if list == "v1/activities/" {
        let (records, _) = h.scan_activities(filters, Some(5000)).await;
        records
    } else {
        h.list_all(list, filters).await
    }
}

/// Values at a dotted path, arrays flattened at every level.
fn at(record: &Value, path: &str) -> Vec<Value> {
    let mut current = vec![record.clone()];
    for key in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(mut m) => {
                    if let Some(child) = m.remove(key) {
                        match child {
                            Value::Array(items) => next.extend(items),
                            other => next.push(other),
                        }
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Some(child) = item.get(key) {
                            next.push(child.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current.into_iter().filter(|v| !v.is_null()).collect()
}

fn texts(record: &Value, path: &str) -> Vec<String> {
    at(record, path)
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.to_lowercase()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

fn int(record: &Value, path: &str) -> i64 {
    at(record, path)
        .first()
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("no integer at {path}: {record}"))
}

/// Asserts that `filters` selects exactly the activities of `all` that `keep` accepts, and that
/// the case is meaningful (it keeps some records and drops others).
async fn check(
    h: &Harness,
    what: &str,
    all: &[Value],
    filters: Value,
    keep: impl Fn(&Value) -> bool,
) {
    check_list(h, "v1/activities/", what, all, filters, keep).await;
}

async fn check_list(
    h: &Harness,
    list: &str,
    what: &str,
    all: &[Value],
    filters: Value,
    keep: impl Fn(&Value) -> bool,
) {
    let want: BTreeSet<String> = all.iter().filter(|r| keep(r)).map(common::id_of).collect();
    assert!(
        !want.is_empty() && want.len() < all.len(),
        "{what}: the case selects {} of {} records; pick another value",
        want.len(),
        all.len()
    );
    let got: BTreeSet<String> = ids(&select(h, list, filters.clone()).await)
        .into_iter()
        .collect();
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: {filters} selected {} records, expected {}",
        got.len(),
        want.len()
    );
    assert_eq!(got, want, "{what}: {filters}");
}

#[tokio::test]
async fn rule_17_fields_are_anded_lists_match_any_value_and_scalars_are_one_element_lists() {
    let h = Harness::with(filter_config()).await;
    let all = activities(&h, json!({})).await;
    assert_eq!(all.len() as u64, ACTIVITIES);
    let service = int(&all[0], "appId");
    let other = all
        .iter()
        .map(|r| int(r, "appId"))
        .find(|s| *s != service)
        .expect("a second service");

    check(
        &h,
        "list",
        &all,
        json!({"service": {"eq": [service, other]}}),
        |r| [service, other].contains(&int(r, "appId")),
    )
    .await;
    check(
        &h,
        "scalar",
        &all,
        json!({"service": {"eq": service}}),
        |r| int(r, "appId") == service,
    )
    .await;
    let scalar = ids(&activities(&h, json!({"service": {"eq": service}})).await);
    let listed = ids(&activities(&h, json!({"service": {"eq": [service]}})).await);
    assert_eq!(scalar, listed, "a scalar is a one-element list");

    check(
        &h,
        "two fields",
        &all,
        json!({"service": {"eq": [service]}, "device.type": {"eq": ["MOBILE", "TABLET"]}}),
        |r| {
            int(r, "appId") == service
                && ["mobile", "tablet"].contains(&texts(r, "device.type")[0].as_str())
        },
    )
    .await;
    // Two operators under one field are ANDed too.
    let mid = int(&all[300], "timestamp");
    let low = int(&all[500], "timestamp");
    check(
        &h,
        "two operators",
        &all,
        json!({"date": {"lte": mid, "gte": low}}),
        |r| (low..=mid).contains(&int(r, "timestamp")),
    )
    .await;
}

#[tokio::test]
async fn rule_18_filter_operators_follow_their_documented_semantics() {
    let h = Harness::with(filter_config()).await;
    let all = activities(&h, json!({})).await;
    let service = int(&all[0], "appId");
    let now = h.sim.dataset(0).now_ms();
    let day = 86_400_000f64;

    // eq / neq
    check(
        &h,
        "neq",
        &all,
        json!({"service": {"neq": [service]}}),
        |r| int(r, "appId") != service,
    )
    .await;
    check(
        &h,
        "eq on text ignores case",
        &all,
        json!({"device.type": {"eq": ["mobile"]}}),
        |r| texts(r, "device.type") == ["mobile"],
    )
    .await;

    // gt / gte / lt / lte / eq on timestamps
    let created = int(&all[200], "created");
    check(&h, "gt", &all, json!({"created": {"gt": created}}), |r| {
        int(r, "created") > created
    })
    .await;
    check(&h, "lt", &all, json!({"created": {"lt": created}}), |r| {
        int(r, "created") < created
    })
    .await;
    check(
        &h,
        "eq timestamp",
        &all,
        json!({"created": {"eq": [created]}}),
        |r| int(r, "created") == created,
    )
    .await;
    let date = int(&all[140], "timestamp");
    check(&h, "gte", &all, json!({"date": {"gte": date}}), |r| {
        int(r, "timestamp") >= date
    })
    .await;
    check(&h, "lte", &all, json!({"date": {"lte": date}}), |r| {
        int(r, "timestamp") <= date
    })
    .await;

    // range: within any of the ranges
    let ranges = [
        (int(&all[80], "timestamp"), int(&all[60], "timestamp")),
        (int(&all[440], "timestamp"), int(&all[400], "timestamp")),
    ];
    check(
        &h,
        "range",
        &all,
        json!({"date": {"range": ranges.iter().map(|(s, e)| json!({"start": s, "end": e})).collect::<Vec<_>>()}}),
        |r| {
            let t = int(r, "timestamp");
            ranges.iter().any(|(s, e)| (*s..=*e).contains(&t))
        },
    )
    .await;

    // gte_ndays / lte_ndays relative to the simulator's clock (fractions of a day allowed)
    let edge = now as f64 - 0.05 * day;
    check(
        &h,
        "gte_ndays",
        &all,
        json!({"date": {"gte_ndays": 0.05}}),
        |r| int(r, "timestamp") as f64 >= edge,
    )
    .await;
    check(
        &h,
        "lte_ndays",
        &all,
        json!({"date": {"lte_ndays": 0.05}}),
        |r| int(r, "timestamp") as f64 <= edge,
    )
    .await;

    // isset / isnotset
    check(
        &h,
        "isset",
        &all,
        json!({"user.orgUnit": {"isset": true}}),
        |r| !texts(r, "user.orgUnit").iter().all(String::is_empty),
    )
    .await;
    check(
        &h,
        "isnotset",
        &all,
        json!({"user.orgUnit": {"isnotset": true}}),
        |r| texts(r, "user.orgUnit").iter().all(String::is_empty),
    )
    .await;

    // contains / ncontains (any / none of the strings, without case)
    let words = ["iphone", "ANDROID"];
    let has = |r: &Value| {
        texts(r, "device.userAgent")
            .iter()
            .any(|t| words.iter().any(|w| t.contains(&w.to_lowercase())))
    };
    check(
        &h,
        "contains",
        &all,
        json!({"userAgent.userAgent": {"contains": words}}),
        has,
    )
    .await;
    check(
        &h,
        "ncontains",
        &all,
        json!({"userAgent.userAgent": {"ncontains": words}}),
        |r| !has(r),
    )
    .await;

    // startswith / doesnotstartwith
    let prefixes = ["10.", "52."];
    let starts = |r: &Value| {
        texts(r, "device.clientIP")
            .iter()
            .any(|t| prefixes.iter().any(|p| t.starts_with(p)))
    };
    check(
        &h,
        "startswith",
        &all,
        json!({"ip.address": {"startswith": prefixes}}),
        starts,
    )
    .await;
    check(
        &h,
        "doesnotstartwith",
        &all,
        json!({"ip.address": {"doesnotstartwith": prefixes}}),
        |r| !starts(r),
    )
    .await;

    // text / startswithsingle: free text over the record's searchable strings
    let text_values = |r: &Value| {
        let mut v = Vec::new();
        for p in [
            "description",
            "user.userName",
            "appName",
            "device.clientIP",
            "mainInfo.eventObjects.name",
        ] {
            v.extend(texts(r, p));
        }
        v
    };
    check(
        &h,
        "text",
        &all,
        json!({"text": {"text": "Failed log on"}}),
        |r| text_values(r).iter().any(|t| t.contains("failed log on")),
    )
    .await;
    let user = texts(&all[0], "user.userName")[0].clone();
    let prefix = &user[..user.find('@').unwrap_or(user.len()).min(4)];
    check(
        &h,
        "startswithsingle",
        &all,
        json!({"text": {"startswithsingle": prefix}}),
        |r| text_values(r).iter().any(|t| t.starts_with(prefix)),
    )
    .await;

    // endswith
    let exts = [".xlsx", ".pptx"];
    check(
        &h,
        "endswith",
        &all,
        json!({"office365url": {"endswith": exts}}),
        |r| {
            texts(r, "rawDataJson.ObjectId")
                .iter()
                .any(|t| exts.iter().any(|e| t.ends_with(e)))
        },
    )
    .await;

    // deq: at least one value differs from all the given ones (files' collaborator domains)
    let files = h.list_all("v1/files/", json!({})).await;
    check_list(
        &h,
        "v1/files/",
        "deq",
        &files,
        json!({"collaborators.withDomain": {"deq": ["contoso.com"]}}),
        |r| texts(r, "domains").iter().any(|d| d != "contoso.com"),
    )
    .await;

    // cabinetmatchedrulesequals: files matched by any of the policies
    let policy = files
        .iter()
        .flat_map(|r| texts(r, "policies"))
        .next()
        .expect("a file matched by a policy");
    check_list(
        &h,
        "v1/files/",
        "cabinetmatchedrulesequals",
        &files,
        json!({"policy": {"cabinetmatchedrulesequals": [policy]}}),
        |r| texts(r, "policies").contains(&policy),
    )
    .await;
}

/// The rule-19 body for value `v`.
fn not_valid(v: &str) -> Value {
    json!({
        "filters": [{
            "error": format!("{v} is not valid"),
            "errorMessageCode": "CONSOLE_FORMS_NOT_VALID_VALUE",
            "errorMessageParams": {"value": v},
        }],
        "error": true,
    })
}

#[tokio::test]
async fn rule_19_an_invalid_filter_value_gets_the_validation_body_with_status_400() {
    let h = Harness::start().await;
    // A malformed alert id, on a list and on a close action.
    let reply = h
        .post(
            "v1/alerts/",
            json!({"filters": {"id": {"eq": ["not-an-alert-id"]}}}),
        )
        .await;
    assert_eq!(reply.expect(400), not_valid("not-an-alert-id"));
    let reply = h
        .post(
            "v1/alerts/close_benign/",
            json!({"filters": {"id": {"eq": ["12345"]}}, "comment": "x"}),
        )
        .await;
    assert_eq!(reply.expect(400), not_valid("12345"));
    // A value of the wrong type for the field.
    let reply = h
        .post(
            "v1/activities/",
            json!({"filters": {"service": {"eq": ["Office"]}}}),
        )
        .await;
    assert_eq!(reply.expect(400), not_valid("Office"));
    let reply = h
        .post(
            "v1/alerts/",
            json!({"filters": {"severity": {"eq": [true]}}}),
        )
        .await;
    assert_eq!(reply.expect(400), not_valid("true"));
    // The same request through the /cas/api prefix and a GET query string.
    let admin = h.admin();
    let reply = h
        .send(
            reqwest::Method::GET,
            &format!("{}/cas/api/v1/alerts/", h.sim.url()),
            common::Auth::Token(&admin),
            common::Body::Query(vec![(
                "filters".into(),
                json!({"id": {"eq": ["zz"]}}).to_string(),
            )]),
        )
        .await;
    assert_eq!(reply.expect(400), not_valid("zz"));
}

/// A file's status code: 0 exists, 1 trashed, 2 deleted (`fileStatus` is `[code, "NAME"]`).
fn status(file: &Value) -> i64 {
    int(file, "fstat")
}

#[tokio::test]
async fn rule_20_files_allow_deleted_keeps_trashed_trashed_overrides_it_and_folder_splits_folders_from_files(
) {
    use mdca_sim::data::Entity;

    let h = Harness::start().await;
    let every = h
        .list_all("v1/files/", json!({"allowDeleted": {"eq": true}}))
        .await;
    assert_eq!(every.len() as u64, h.sim.dataset(0).count(Entity::Files));
    for code in [0, 1, 2] {
        assert!(
            every.iter().any(|f| status(f) == code),
            "the dataset has no file with status {code}"
        );
    }
    for f in &every {
        assert_eq!(f["fileStatus"][0], f["fstat"], "{f}");
    }

    let select_ids = |records: Vec<Value>| ids(&records).into_iter().collect::<BTreeSet<_>>();
    let expect = |keep: &dyn Fn(&Value) -> bool| {
        every
            .iter()
            .filter(|f| keep(f))
            .map(common::id_of)
            .collect::<BTreeSet<_>>()
    };

    // Unset or false: deleted files are hidden, trashed ones kept.
    let not_deleted = expect(&|f| status(f) != 2);
    assert_eq!(
        select_ids(h.list_all("v1/files/", json!({})).await),
        not_deleted
    );
    assert_eq!(
        select_ids(
            h.list_all("v1/files/", json!({"allowDeleted": {"eq": false}}))
                .await
        ),
        not_deleted
    );
    // `trashed` overrides it.
    assert_eq!(
        select_ids(
            h.list_all("v1/files/", json!({"trashed": {"eq": true}}))
                .await
        ),
        expect(&|f| status(f) == 1)
    );
    assert_eq!(
        select_ids(
            h.list_all("v1/files/", json!({"trashed": {"eq": false}}))
                .await
        ),
        expect(&|f| status(f) == 0)
    );
    assert_eq!(
        select_ids(
            h.list_all(
                "v1/files/",
                json!({"allowDeleted": {"eq": true}, "trashed": {"eq": true}})
            )
            .await
        ),
        expect(&|f| status(f) == 1)
    );
    // `folder`: only folders, or only files.
    let folders = select_ids(
        h.list_all("v1/files/", json!({"folder": {"eq": true}}))
            .await,
    );
    assert_eq!(
        folders,
        expect(&|f| status(f) != 2 && f["isFolder"] == json!(true))
    );
    assert!(!folders.is_empty());
    let plain = select_ids(
        h.list_all("v1/files/", json!({"folder": {"eq": false}}))
            .await,
    );
    assert_eq!(
        plain,
        expect(&|f| status(f) != 2 && f["isFolder"] == json!(false))
    );
    assert!(!plain.is_empty());
}
