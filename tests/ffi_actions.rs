//! The C ABI side of safe bulk actions (issue 13 §4): a close that fails part-way reports, in the error
//! JSON of `mdca_last_error`, which alerts were already closed; an empty close filter is refused before
//! anything is sent. The extern "C" functions are called directly against a simulator.

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::time::Duration;

use mdca::ffi::*;
use mdca_sim::{FaultKind, FaultSpec, SimConfig};
use serde_json::{json, Value};

fn client(url: &str, token: &str, options: Value) -> *mut mdca_client {
    let mut opts =
        json!({"url": url, "auth": {"type": "token", "token": token}, "prefetch": false});
    for (k, v) in options.as_object().unwrap() {
        opts[k] = v.clone();
    }
    let text = CString::new(opts.to_string()).unwrap();
    let mut client = ptr::null_mut();
    assert_eq!(
        unsafe { mdca_client_new(text.as_ptr(), &mut client) },
        mdca_status::Ok
    );
    client
}

/// `mdca_client_close_alerts`: the status, and the answer or the last error as JSON.
fn close(client: *mut mdca_client, request: &Value) -> (mdca_status, Value) {
    let text = CString::new(request.to_string()).unwrap();
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0usize;
    let status = unsafe { mdca_client_close_alerts(client, text.as_ptr(), &mut out, &mut len) };
    if status != mdca_status::Ok {
        assert_eq!(
            unsafe { mdca_last_error(&mut out, &mut len) },
            mdca_status::Ok
        );
    }
    let json: Value =
        serde_json::from_str(unsafe { CStr::from_ptr(out) }.to_str().unwrap()).unwrap();
    unsafe { mdca_string_free(out) };
    (status, json)
}

#[test]
fn the_error_json_of_a_close_that_fails_part_way_lists_the_closed_alerts() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    let ids: Vec<String> = [(0, 100), (100, 50)]
        .iter()
        .flat_map(|&(skip, limit)| {
            let query = mdca_sim::data::ListQuery {
                skip: Some(skip),
                limit: Some(limit),
                ..Default::default()
            };
            let page = sim.dataset(0).list(mdca_sim::data::Entity::Alerts, &query);
            page.unwrap().records()
        })
        .map(|r| r["_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 150);
    // One request a second, so the fault is armed between the two chunks.
    let c = client(
        &sim.url(),
        &sim.admin_token(),
        json!({"rate_limit": {"requests": 1, "per_secs": 1}, "retry": {"max_retries": 0}}),
    );
    let (status, error) = std::thread::scope(|s| {
        s.spawn(|| {
            while sim.stats().route_status("alerts.close_benign", 200) == 0 {
                std::thread::sleep(Duration::from_millis(2));
            }
            sim.add_fault(
                FaultSpec::new(FaultKind::Status(500), 1).on_route("alerts.close_benign"),
            );
        });
        close(c, &json!({"ids": ids, "as": "benign"}))
    });
    assert_eq!(status, mdca_status::ServerError, "{error}");
    assert_eq!(error["http_status"], 500);
    let detail: Value = serde_json::from_str(error["detail"].as_str().unwrap()).unwrap();
    let partial = &detail["partial_close"];
    assert_eq!(partial["closed"], 100, "{detail}");
    assert_eq!(partial["closed_ids"], json!(ids[..100]));
    assert_eq!(partial["not_closed_ids"], json!(ids[100..]));
    assert_eq!(partial["requested"], 150);
    unsafe { mdca_client_free(c) };
}

#[test]
fn an_empty_close_filter_is_refused_before_anything_is_sent() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    let c = client(&sim.url(), &sim.admin_token(), json!({}));
    for filter in [json!({}), json!({"severty": {"eq": [2]}})] {
        let (status, error) = close(c, &json!({"filter": filter, "as": "benign"}));
        assert_eq!(status, mdca_status::InvalidFilter, "{error}");
        assert_eq!(error["kind"], "invalid_filter");
    }
    assert_eq!(sim.stats().total, 0);
    unsafe { mdca_client_free(c) };
}
