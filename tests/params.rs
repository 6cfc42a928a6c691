//! The PowerShell cmdlet parameter → MDCA request mapping (`mdca::params`), one test per rule.

use mdca::entity::EntityKind;
use mdca::error::ErrorKind;
use mdca::params::{self, ParamKind};
use serde_json::{json, Value};

fn files(params: Value) -> Value {
    params::query_request(EntityKind::Files, &params).expect("valid parameters")
}

fn error_kind(kind: EntityKind, params: Value) -> ErrorKind {
    params::query_request(kind, &params)
        .expect_err("invalid parameters")
        .kind()
}

/// A value each parameter kind accepts, to drive every row of the tables.
fn sample(kind: ParamKind) -> Value {
    match kind {
        ParamKind::Ints => json!([11161, 20893]),
        ParamKind::Strings => json!(["a", "b"]),
        ParamKind::Switch => json!(true),
        ParamKind::Date => json!("2024-05-01T00:00:00Z"),
        ParamKind::Days => json!(7),
        ParamKind::Named(names) => json!([names[0].0]),
        ParamKind::NamedText(names) => json!([names[0].0]),
        ParamKind::Text => json!("hello"),
    }
}

#[test]
fn every_typed_parameter_sets_a_field_and_operator_the_entity_table_accepts() {
    for &kind in EntityKind::all() {
        for param in params::filter_params(kind) {
            let request = params::query_request(kind, &json!({ param.name: sample(param.kind) }))
                .unwrap_or_else(|e| panic!("{kind} -{}: {e}", param.name));
            let condition = &request["filters"][param.field][param.op.name()];
            assert!(!condition.is_null(), "{kind} -{} → {request}", param.name);
            let table = kind
                .spec()
                .filter_field(param.field)
                .expect("documented field");
            assert!(table.ops.contains(&param.op), "{kind} -{}", param.name);
        }
    }
}

#[test]
fn parameter_names_are_unique_per_cmdlet_and_do_not_shadow_request_parameters() {
    for &kind in EntityKind::all() {
        let names: Vec<&str> = params::filter_params(kind).iter().map(|p| p.name).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(
                !names[i + 1..].iter().any(|n| n.eq_ignore_ascii_case(name)),
                "{kind}: {name}"
            );
            assert!(
                !params::REQUEST_PARAMS
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name)),
                "{kind}: {name}"
            );
        }
    }
}

#[test]
fn enumeration_names_become_their_documented_codes() {
    let request = files(json!({"FileType": ["Document", "Folder"], "Sharing": "PublicInternet"}));
    assert_eq!(request["filters"]["fileType"], json!({"eq": [1, 6]}));
    assert_eq!(request["filters"]["sharing"], json!({"eq": [4]}));
    let alerts = params::query_request(
        EntityKind::Alerts,
        &json!({"Severity": ["high", "Low"], "ResolutionStatus": "TruePositive"}),
    )
    .unwrap();
    assert_eq!(alerts["filters"]["severity"], json!({"eq": [2, 0]}));
    assert_eq!(alerts["filters"]["resolutionStatus"], json!({"eq": [5]}));
}

#[test]
fn enumeration_codes_are_accepted_and_unknown_names_are_refused() {
    assert_eq!(
        files(json!({"FileType": [2]}))["filters"]["fileType"],
        json!({"eq": [2]})
    );
    assert_eq!(
        error_kind(EntityKind::Files, json!({"FileType": "Movie"})),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        error_kind(EntityKind::Files, json!({"FileType": 42})),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn device_types_are_sent_as_the_api_upper_case_strings() {
    let request = params::query_request(
        EntityKind::Activities,
        &json!({"DeviceType": ["Mobile", "desktop"]}),
    )
    .unwrap();
    assert_eq!(
        request["filters"]["device.type"],
        json!({"eq": ["MOBILE", "DESKTOP"]})
    );
}

#[test]
fn dates_become_epoch_milliseconds_in_utc() {
    let request = files(json!({
        "After": "2024-05-01T00:00:00Z",
        "Before": "2024-05-01T12:30:00.250+02:00",
        "CreatedAfter": "1970-01-02",
        "CreatedBefore": 1_700_000_000_000_i64,
    }));
    assert_eq!(
        request["filters"]["modifiedDate"],
        json!({"gte": 1_714_521_600_000_i64, "lte": 1_714_559_400_250_i64})
    );
    assert_eq!(
        request["filters"]["createdDate"],
        json!({"gte": 86_400_000, "lte": 1_700_000_000_000_i64})
    );
}

#[test]
fn an_impossible_date_is_refused() {
    for bad in [
        "2024-02-30",
        "2024-13-01",
        "yesterday",
        "2024-05-01T25:00:00Z",
    ] {
        assert_eq!(
            error_kind(EntityKind::Files, json!({ "After": bad })),
            ErrorKind::InvalidArgument,
            "{bad}"
        );
    }
}

#[test]
fn a_switch_given_false_filters_for_false() {
    let request = files(json!({"Folder": false, "IncludeDeleted": true}));
    assert_eq!(request["filters"]["folder"], json!({"eq": false}));
    assert_eq!(request["filters"]["allowDeleted"], json!({"eq": true}));
}

#[test]
fn parameter_names_ignore_case_like_powershell() {
    assert_eq!(
        files(json!({"filetype": "image", "PAGESIZE": 50})),
        json!({"filters": {"fileType": {"eq": [5]}}, "page_size": 50})
    );
}

#[test]
fn paging_and_sorting_parameters_become_request_fields() {
    let request = files(
        json!({"First": 250, "Skip": 10, "All": true, "PageSize": 40,
                               "SortBy": "modifieddate", "SortDirection": "Ascending"}),
    );
    assert_eq!(
        request,
        json!({"first": 250, "skip": 10, "all": true, "page_size": 40,
               "sort_field": "modifiedDate", "sort_direction": "asc"})
    );
}

#[test]
fn a_sort_field_the_entity_does_not_document_is_refused() {
    assert_eq!(
        error_kind(EntityKind::Alerts, json!({"SortBy": "name"})),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn scan_is_an_activities_parameter_only() {
    let request = params::query_request(EntityKind::Activities, &json!({"Scan": false})).unwrap();
    assert_eq!(request, json!({"scan": false}));
    assert_eq!(
        error_kind(EntityKind::Alerts, json!({"Scan": true})),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn an_unknown_parameter_is_refused_with_the_list_of_known_ones() {
    let error = params::query_request(EntityKind::Files, &json!({"Colour": "red"})).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert!(error.message().contains("-FileType"), "{}", error.message());
}

#[test]
fn the_raw_filter_is_passed_through_verbatim_and_merged_by_field() {
    let raw = json!({"fileType": {"neq": [6]}, "some.undocumented": {"eq": ["x"]}});
    let request = files(json!({"FileType": "Document", "Filter": raw}));
    assert_eq!(
        request["filters"],
        json!({"fileType": {"eq": [1], "neq": [6]}, "some.undocumented": {"eq": ["x"]}})
    );
}

#[test]
fn the_same_condition_from_a_typed_parameter_and_the_raw_filter_is_refused() {
    let params = json!({"FileType": "Document", "Filter": {"fileType": {"eq": [2]}}});
    assert_eq!(
        error_kind(EntityKind::Files, params),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn a_raw_filter_that_is_not_field_to_operators_is_refused() {
    assert_eq!(
        error_kind(EntityKind::Files, json!({"Filter": {"fileType": 1}})),
        ErrorKind::InvalidFilter
    );
    assert_eq!(
        error_kind(EntityKind::Files, json!({"Filter": [1]})),
        ErrorKind::InvalidJson
    );
}

#[test]
fn a_typed_value_of_the_wrong_type_is_refused() {
    assert_eq!(
        error_kind(EntityKind::Files, json!({"Service": "Office"})),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        error_kind(EntityKind::Files, json!({"Service": [99_999_999_999_i64]})),
        ErrorKind::InvalidFilter
    );
    assert_eq!(
        error_kind(EntityKind::Files, json!({"WithinDays": -1})),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn no_parameters_make_an_empty_request() {
    assert_eq!(files(json!({})), json!({}));
    assert_eq!(files(json!({"Service": [], "Owner": null})), json!({}));
}

#[test]
fn close_takes_collected_ids_the_kind_the_comment_and_a_named_reason() {
    let request = params::close_alerts_request(&json!({
        "Identity": ["a1", "a2"], "As": "Benign", "Comment": "triaged", "ReasonCode": "TriggeredByTest"
    }))
    .unwrap();
    assert_eq!(
        request,
        json!({"ids": ["a1", "a2"], "as": "benign", "comment": "triaged", "reason_id": 6})
    );
    let fp = params::close_alerts_request(
        &json!({"Identity": "a1", "As": "false_positive", "ReasonCode": 1}),
    )
    .unwrap();
    assert_eq!(
        fp,
        json!({"ids": ["a1"], "as": "false_positive", "reason_id": 1})
    );
}

#[test]
fn close_reasons_belong_to_their_kind_and_true_positive_takes_none() {
    let wrong_kind =
        json!({"Identity": ["a"], "As": "FalsePositive", "ReasonCode": "TriggeredByTest"});
    assert_eq!(
        params::close_alerts_request(&wrong_kind)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    let tp = json!({"Identity": ["a"], "As": "TruePositive", "ReasonCode": "Other"});
    assert_eq!(
        params::close_alerts_request(&tp).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn close_selects_alerts_by_ids_or_by_filter_never_both_never_neither() {
    let by_filter = params::close_alerts_request(
        &json!({"Filter": {"severity": {"eq": [0]}}, "As": "TruePositive"}),
    )
    .unwrap();
    assert_eq!(
        by_filter,
        json!({"filter": {"severity": {"eq": [0]}}, "as": "true_positive"})
    );
    for bad in [
        json!({"As": "Benign"}),
        json!({"Identity": [], "As": "Benign"}),
        json!({"Identity": ["a"], "Filter": {}, "As": "Benign"}),
        json!({"Identity": ["a"]}),
        json!({"Identity": ["a"], "As": "Maybe"}),
    ] {
        assert_eq!(
            params::close_alerts_request(&bad).unwrap_err().kind(),
            ErrorKind::InvalidArgument,
            "{bad}"
        );
    }
}

#[test]
fn subnet_spec_maps_category_names_and_checks_cidr_ranges() {
    let spec = params::subnet_spec(&json!({
        "Name": "HQ", "Category": "Corporate", "Subnet": ["192.0.2.0/24", "2001:db8::/32"],
        "Organization": "Contoso", "Tag": "office"
    }))
    .unwrap();
    assert_eq!(
        spec,
        json!({"name": "HQ", "category": 1, "subnets": ["192.0.2.0/24", "2001:db8::/32"],
               "organization": "Contoso", "tags": ["office"]})
    );
    for bad in ["192.0.2.0", "192.0.2.0/33", "host/24"] {
        let params = json!({"Name": "x", "Category": 6, "Subnet": bad});
        assert_eq!(
            params::subnet_spec(&params).unwrap_err().kind(),
            ErrorKind::InvalidArgument,
            "{bad}"
        );
    }
}

#[test]
fn subnet_spec_requires_the_whole_record() {
    let missing = json!({"Name": "x", "Subnet": ["10.0.0.0/8"]});
    let error = params::subnet_spec(&missing).unwrap_err();
    assert!(error.message().contains("-Category"), "{}", error.message());
}

#[test]
fn describe_lists_every_parameter_with_its_enumeration_names() {
    let description = params::describe();
    for &kind in EntityKind::all() {
        let listed = description["queries"][kind.name()]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(listed.len(), params::filter_params(kind).len(), "{kind}");
    }
    let file_type = description["queries"]["files"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "FileType")
        .unwrap();
    assert_eq!(
        file_type["values"],
        json!([
            "Other",
            "Document",
            "Spreadsheet",
            "Presentation",
            "Text",
            "Image",
            "Folder"
        ])
    );
    assert_eq!(
        description["queries"]["activities"]["request_parameters"]
            .as_array()
            .unwrap()
            .last()
            .unwrap(),
        "Scan"
    );
}
