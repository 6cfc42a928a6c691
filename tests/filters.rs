//! Filters (api.md §5): the typed builder refuses unknown fields, unsupported operators and values of the
//! wrong shape before any request; raw MDCA filters pass through untouched.

mod common;

use common::*;
use mdca::filter::Op;
use mdca::{EntityKind, ErrorKind, FilterBuilder, QueryRequest, SortDirection};
use serde_json::json;

#[tokio::test]
async fn unknown_filter_fields_are_refused_locally_naming_the_known_ones() {
    let sim = sim().await;
    let err = FilterBuilder::new(EntityKind::Files)
        .add("fileKind", Op::Eq, 1)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert!(err.message().contains("\"fileKind\""), "{}", err.message());
    assert!(err.message().contains("fileType"), "{}", err.message());
    // Names are case-sensitive; the message points at the right spelling.
    let err = FilterBuilder::new(EntityKind::Files)
        .add("filetype", Op::Eq, 1)
        .unwrap_err();
    assert!(
        err.message().contains("did you mean \"fileType\""),
        "{}",
        err.message()
    );
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn operators_a_field_does_not_support_are_refused_naming_the_supported_ones() {
    let sim = sim().await;
    let err = FilterBuilder::new(EntityKind::Alerts)
        .add("severity", Op::Gte, 1)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert!(
        err.message().contains("supports eq, neq"),
        "{}",
        err.message()
    );
    let err = FilterBuilder::new(EntityKind::Activities)
        .add_named("date", "between", 1)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert!(err.message().contains("gte_ndays"), "{}", err.message());
    assert_eq!(sim.stats().total, 0);
}

#[test]
fn values_that_do_not_fit_the_operator_or_the_field_type_are_refused() {
    let cases = [
        (EntityKind::Alerts, "date", Op::Gte, json!([1, 2])),
        (EntityKind::Alerts, "date", Op::Gte, json!("yesterday")),
        (EntityKind::Files, "fileType", Op::Eq, json!("Document")),
        (EntityKind::Files, "fileType", Op::Eq, json!([])),
        (EntityKind::Files, "folder", Op::Eq, json!([true, false])),
        (EntityKind::Files, "folder", Op::Eq, json!("yes")),
        (EntityKind::Files, "extension", Op::Eq, json!([7])),
        (
            EntityKind::Files,
            "modifiedDate",
            Op::Range,
            json!({"start": 1}),
        ),
        (
            EntityKind::Files,
            "modifiedDate",
            Op::Range,
            json!([{"from": 1, "to": 2}]),
        ),
        (EntityKind::Files, "modifiedDate", Op::GteNdays, json!(-3)),
        (EntityKind::Files, "fileLabels", Op::Isset, json!(false)),
        (EntityKind::Activities, "text", Op::Text, json!(["a", "b"])),
        (
            EntityKind::Activities,
            "userAgent.userAgent",
            Op::Contains,
            json!([1]),
        ),
        (
            EntityKind::Alerts,
            "entity.entity",
            Op::Eq,
            json!({"saas": 11161}),
        ),
    ];
    for (kind, field, op, value) in cases {
        let err = FilterBuilder::new(kind)
            .add(field, op, value.clone())
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidFilter,
            "{kind} {field} {op} {value}"
        );
        assert!(err.message().contains(field), "{}", err.message());
    }
}

#[test]
fn scalars_for_list_operators_become_one_element_lists() {
    let filters = FilterBuilder::new(EntityKind::Alerts)
        .add("severity", Op::Eq, 2)
        .unwrap()
        .add("severity", Op::Neq, json!([0, 1]))
        .unwrap()
        .add("alertOpen", Op::Eq, true)
        .unwrap()
        .add("date", Op::Range, json!({"start": 1, "end": 2}))
        .unwrap()
        .add(
            "entity.entity",
            Op::Eq,
            json!({"id": "u1", "saas": 11161, "inst": 0}),
        )
        .unwrap()
        .build();
    assert_eq!(
        filters,
        json!({
            "severity": {"eq": [2], "neq": [0, 1]},
            "alertOpen": {"eq": true},
            "date": {"range": [{"start": 1, "end": 2}]},
            "entity.entity": {"eq": [{"id": "u1", "saas": 11161, "inst": 0}]},
        })
    );
    let twice = FilterBuilder::new(EntityKind::Alerts)
        .add("severity", Op::Eq, 2)
        .unwrap()
        .add("severity", Op::Eq, 1)
        .unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::InvalidFilter);
}

#[tokio::test]
async fn a_built_filter_selects_exactly_the_matching_records() {
    let sim = sim().await;
    let client = token_client(&sim);
    let filters = FilterBuilder::new(EntityKind::Files)
        .add("fileType", Op::Eq, 1)
        .unwrap()
        .add("folder", Op::Eq, false)
        .unwrap()
        .build();
    let expected = sim_count(&sim, EntityKind::Files, filters.clone());
    assert!(expected > 0 && expected < sim_count(&sim, EntityKind::Files, json!({})));
    let request = QueryRequest::new().filters(filters).all();
    let mut pager = client.query(EntityKind::Files, request).unwrap();
    let mut n = 0;
    while let Some(page) = pager.next_page().await.unwrap() {
        for file in page.into_values().unwrap() {
            assert_eq!(file["fileType"][0], 1, "{}", file["_id"]);
            n += 1;
        }
    }
    assert_eq!(n, expected);
}

#[tokio::test]
async fn raw_filters_pass_through_untouched() {
    let sim = sim().await;
    let client = token_client(&sim);
    // A scalar where the docs show a list: the builder would rewrite it, a raw filter is sent as is and
    // the server accepts it (api.md §5.2).
    let raw = json!({"severity": {"eq": 2}});
    let expected = sim_count(&sim, EntityKind::Alerts, raw.clone());
    assert!(expected > 0);
    let request = QueryRequest::new()
        .filters(mdca::filter::raw(raw).unwrap())
        .all();
    let mut pager = client.query(EntityKind::Alerts, request).unwrap();
    let ids = drain_ids(&mut pager).await.unwrap();
    assert_eq!(ids.len() as u64, expected);

    sim.reset_stats();
    for not_an_object in [json!([1]), json!("severity=2")] {
        let request = QueryRequest::new().filters(not_an_object);
        let err = client.query(EntityKind::Alerts, request).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    }
    let from_json = QueryRequest::from_json(r#"{"filters": [1, 2]}"#).unwrap();
    let err = client.query(EntityKind::Alerts, from_json).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert_eq!(sim.stats().total, 0);
}

#[tokio::test]
async fn unknown_sort_fields_are_refused_locally() {
    let sim = sim().await;
    let client = token_client(&sim);
    let request = QueryRequest::new().sort("name", SortDirection::Asc);
    let err = client.query(EntityKind::Alerts, request).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("date, severity"),
        "{}",
        err.message()
    );
    assert_eq!(sim.stats().total, 0);

    let request = QueryRequest::new().sort("name", SortDirection::Asc).all();
    let ids = drain_ids(&mut client.query(EntityKind::Subnets, request).unwrap())
        .await
        .unwrap();
    assert_eq!(
        ids.len() as u64,
        sim_count(&sim, EntityKind::Subnets, json!({}))
    );
}
