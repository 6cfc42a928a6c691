//! A seeded fuzz harness for every C entry point that parses input (stable Rust: no cargo-fuzz here).
//!
//! Each iteration picks an entry point and throws at it random bytes, mutated valid JSON, invalid UTF-8,
//! embedded NULs, deep nesting, random handle values and random pointers to free, calling the
//! `extern "C"` functions directly against a simulator. The properties: nothing crashes (a panic escaping
//! an `extern "C"` function would abort this process), every call returns a documented status, a failing
//! call leaves its outputs untouched and records a last error with the same code, and a successful call's
//! outputs are valid UTF-8 of the stated length.
//!
//! `MDCA_FUZZ_ITERATIONS` (default 3000, a few seconds) and `MDCA_FUZZ_SEED` (default fixed, printed)
//! control the run; docs/c-api.md shows a long run.

use std::ffi::{c_char, CStr};
use std::ptr;

use mdca::ffi::*;
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

const DEFAULT_ITERATIONS: u64 = 3000;
const DEFAULT_SEED: u64 = 0x6d64_6361_4142_4921;
const UNUSED_URL: &str = "http://127.0.0.1:9";

/// Valid inputs per entry point, the starting points of mutation. The options point at a closed port:
/// the clients they create are freed unused, and pacing is per tenant URL (a mutated options document
/// with the default 30/minute must not slow down the simulator's tenant).
const OPTIONS: &[&str] = &[
    r#"{"url":"URL","auth":{"type":"token","token":"TOKEN"},"rate_limit":{"requests":0},"retry":{"max_retries":0},"timeout_secs":5}"#,
    r#"{"url":"URL/api/v1","auth":{"type":"bearer","token":"x","legacy_token":"TOKEN"},"timeout_secs":5,"connect_timeout_secs":1,"prefetch":false}"#,
    r#"{"url":"URL","auth":{"type":"app","tenant_id":"t","client_id":"c","client_secret":"s","authority_host":"URL","token_endpoint":"v1"},"retry":{"max_retries":0,"base_delay_ms":1,"max_delay_ms":2}}"#,
];
const ENTITY_NAMES: &[&str] = &[
    "activities",
    "alerts",
    "files",
    "entities",
    "subnets",
    "Alert",
    "FILE",
    "subnet",
];
const QUERY_REQUESTS: &[&str] = &[
    r#"{"filters":{"severity":{"eq":[2]}},"page_size":5}"#,
    r#"{"sort_field":"date","sort_direction":"asc","first":3,"skip":1}"#,
    r#"{"all":true,"page_size":100,"scan":false}"#,
    r#"{"filters":{"date":{"gte":1700000000000}},"scan":true,"page_size":500,"first":2}"#,
    r#"{"sortField":"date","sortDirection":"desc","pageSize":2}"#,
    "{}",
];
const CLOSE_REQUESTS: &[&str] = &[
    r#"{"ids":["000000000000000000000000"],"as":"benign","comment":"c","reason_id":2}"#,
    r#"{"filter":{"id":{"eq":["000000000000000000000000"]}},"as":"false_positive","send_feedback":true,"feedback_text":"t"}"#,
    r#"{"ids":["a","b"],"as":"true_positive","allow_contact":true,"contact_email":"x@y.z"}"#,
];
const SUBNET_SPECS: &[&str] = &[
    r#"{"name":"fuzz","category":1,"subnets":["10.0.0.0/8"],"organization":"org","tags":["t"]}"#,
    r#"{"name":"fuzz6","category":6,"subnets":["2001:db8::/32","192.168.1.1"]}"#,
];
const RAW_REQUESTS: &[&str] = &[
    r#"{"method":"GET","path":"v1/alerts/","query":{"limit":"1"}}"#,
    r#"{"method":"POST","path":"/api/v1/alerts/","body":{"limit":1},"idempotent":true}"#,
    r#"{"method":"DELETE","path":"v1/subnet/nothing/","query":[["a","b"]]}"#,
];
const FEEDBACK: &[&str] = &[
    r#"{"feedbackValue":1,"feedbackText":"t","allowContact":false}"#,
    "{}",
];
const PARAMS: &[&str] = &[
    r#"{"Severity":["High"],"First":3}"#,
    r#"{"FileType":["Document"],"All":true,"Filter":{"x":{"eq":1}}}"#,
    r#"{"Identity":["a"],"As":"Benign","Comment":"c"}"#,
    r#"{"Name":"n","Category":"Corporate","Subnet":["10.0.0.0/8"]}"#,
];
const IDS: &[&str] = &[
    "000000000000000000000000",
    "1",
    "",
    "../../x",
    "a/b?c#d",
    "é",
    "%00",
];

/// Tokens spliced into mutated JSON: structure, escapes, extreme numbers, NUL escapes.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"0.0000001",
    b" ",
    b"\"all\"",
    b"\"url\"",
    b"\"filters\"",
    b"\"ids\"",
    b"\"as\"",
    b"\xff",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\0",
];

struct Fuzzer {
    rng: StdRng,
    token: String,
    client: *mut mdca_client,
    calls: u64,
}

impl Fuzzer {
    fn corpus(&mut self, set: &[&str]) -> Vec<u8> {
        let text = set[self.rng.random_range(0..set.len())];
        text.replace("URL", UNUSED_URL)
            .replace("TOKEN", &self.token)
            .into_bytes()
    }

    /// Some input for a string parameter: valid, mutated, random, invalid UTF-8, deeply nested.
    fn input(&mut self, set: &[&str]) -> Vec<u8> {
        match self.rng.random_range(0..10) {
            0 | 1 => self.corpus(set),
            2..=5 => {
                let mut bytes = self.corpus(set);
                let n = self.rng.random_range(1..5);
                for _ in 0..n {
                    self.mutate(&mut bytes);
                }
                bytes
            }
            6 => {
                let len = self.rng.random_range(0..64);
                let mut bytes = vec![0u8; len];
                self.rng.fill_bytes(&mut bytes);
                bytes
            }
            7 => {
                let depth = self.rng.random_range(1..4000);
                let open = if self.rng.random_bool(0.5) {
                    b'['
                } else {
                    b'{'
                };
                let mut bytes = vec![open; depth];
                if open == b'{' {
                    bytes = b"{\"a\":".repeat(depth);
                }
                bytes
            }
            8 => {
                let mut bytes = self.corpus(set);
                let at = self.rng.random_range(0..=bytes.len());
                bytes.splice(at..at, [0xf0, 0x28, 0x8c, 0xbc]);
                bytes
            }
            _ => {
                let len = self.rng.random_range(0..24);
                (0..len)
                    .map(|_| self.rng.random_range(0x20..0x7f))
                    .collect()
            }
        }
    }

    fn mutate(&mut self, bytes: &mut Vec<u8>) {
        let len = bytes.len();
        match self.rng.random_range(0..5) {
            0 if len > 0 => {
                let at = self.rng.random_range(0..len);
                bytes[at] = self.rng.random();
            }
            1 if len > 0 => {
                let start = self.rng.random_range(0..len);
                let end = self.rng.random_range(start..=len.min(start + 8));
                bytes.drain(start..end);
            }
            2 if len > 0 => {
                let start = self.rng.random_range(0..len);
                let end = self.rng.random_range(start..=len.min(start + 16));
                let copy: Vec<u8> = bytes[start..end].to_vec();
                let at = self.rng.random_range(0..=bytes.len());
                bytes.splice(at..at, copy);
            }
            _ => {
                let token = TOKENS[self.rng.random_range(0..TOKENS.len())];
                let at = self.rng.random_range(0..=len);
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }

    /// A handle value: usually the live client, sometimes NULL, random, or a plausible-looking id.
    fn client_handle(&mut self) -> *mut mdca_client {
        match self.rng.random_range(0..10) {
            0 => ptr::null_mut(),
            1 => self.rng.random::<u64>() as usize as *mut mdca_client,
            2 => {
                ((self.rng.random_range(0..64usize) << 4) | self.rng.random_range(0..4usize))
                    as *mut mdca_client
            }
            _ => self.client,
        }
    }
}

/// The input as a NUL-terminated buffer (embedded NULs truncate it, as they would in C), or NULL.
struct CInput(Option<Vec<u8>>);

impl CInput {
    fn new(bytes: Vec<u8>, null: bool) -> CInput {
        if null {
            return CInput(None);
        }
        let mut bytes = bytes;
        bytes.push(0);
        CInput(Some(bytes))
    }

    fn ptr(&self) -> *const c_char {
        self.0
            .as_ref()
            .map_or(ptr::null(), |b| b.as_ptr() as *const c_char)
    }
}

const SENTINEL: *mut c_char = 0x5e5e as *mut c_char;
const SENTINEL_LEN: usize = 0x5e5e;

/// Checks one call's status and outputs, and frees what it returned.
fn check(name: &str, status: mdca_status, out: Option<(*mut c_char, usize)>) {
    match status {
        mdca_status::Ok => {
            if let Some((json, len)) = out {
                assert!(
                    json != SENTINEL && !json.is_null(),
                    "{name}: OK without an output"
                );
                let text = unsafe { CStr::from_ptr(json) };
                assert_eq!(
                    text.to_bytes().len(),
                    len,
                    "{name}: length differs from the string"
                );
                assert!(text.to_str().is_ok(), "{name}: output is not UTF-8");
                assert_eq!(unsafe { mdca_string_free(json) }, mdca_status::Ok);
            }
        }
        mdca_status::Done => panic!("{name}: DONE outside mdca_query_next_page"),
        error => {
            if let Some((json, len)) = out {
                assert!(
                    json == SENTINEL && len == SENTINEL_LEN,
                    "{name}: outputs written on failure {error:?}"
                );
            }
            assert_eq!(
                mdca_last_error_code(),
                error as i32,
                "{name}: last error code differs from the status"
            );
            let mut detail = ptr::null_mut();
            let mut detail_len = 0;
            assert_eq!(
                unsafe { mdca_last_error(&mut detail, &mut detail_len) },
                mdca_status::Ok
            );
            let text = unsafe { CStr::from_ptr(detail) }
                .to_str()
                .expect("last error is UTF-8");
            let value: serde_json::Value = serde_json::from_str(text).expect("last error is JSON");
            assert_eq!(value["code"], error as i32, "{name}: {text}");
            assert!(
                value["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{name}: {text}"
            );
            assert_eq!(unsafe { mdca_string_free(detail) }, mdca_status::Ok);
        }
    }
}

impl Fuzzer {
    fn step(&mut self) {
        let null = self.rng.random_range(0..25) == 0;
        let mut json = SENTINEL;
        let mut len = SENTINEL_LEN;
        self.calls += 1;
        match self.rng.random_range(0..16) {
            0 => {
                let options = CInput::new(self.input(OPTIONS), null);
                let mut client = SENTINEL as *mut mdca_client;
                let status = unsafe { mdca_client_new(options.ptr(), &mut client) };
                check("mdca_client_new", status, None);
                if status == mdca_status::Ok {
                    assert_eq!(unsafe { mdca_client_free(client) }, mdca_status::Ok);
                    assert_eq!(
                        unsafe { mdca_client_free(client) },
                        mdca_status::InvalidHandle
                    );
                } else {
                    assert_eq!(client, SENTINEL as *mut mdca_client);
                }
            }
            1..=3 => {
                let entity =
                    CInput::new(self.input(ENTITY_NAMES), self.rng.random_range(0..25) == 0);
                let request = CInput::new(self.input(QUERY_REQUESTS), null);
                let client = self.client_handle();
                let mut query = SENTINEL as *mut mdca_query;
                let status =
                    unsafe { mdca_query_new(client, entity.ptr(), request.ptr(), &mut query) };
                check("mdca_query_new", status, None);
                if status == mdca_status::Ok {
                    let page = unsafe { mdca_query_next_page(query, &mut json, &mut len) };
                    if page != mdca_status::Done {
                        check("mdca_query_next_page", page, Some((json, len)));
                    }
                    let mut progress = mdca_progress {
                        struct_size: std::mem::size_of::<mdca_progress>(),
                        ..mdca_progress::default()
                    };
                    assert_eq!(
                        unsafe { mdca_query_progress(query, &mut progress) },
                        mdca_status::Ok
                    );
                    assert_eq!(unsafe { mdca_query_free(query) }, mdca_status::Ok);
                    assert_eq!(
                        unsafe { mdca_query_cancel(query) },
                        mdca_status::InvalidHandle
                    );
                } else {
                    assert_eq!(query, SENTINEL as *mut mdca_query);
                }
            }
            4 => {
                let entity = CInput::new(self.input(ENTITY_NAMES), false);
                let id = CInput::new(self.input(IDS), null);
                let status = unsafe {
                    mdca_client_fetch(
                        self.client_handle(),
                        entity.ptr(),
                        id.ptr(),
                        &mut json,
                        &mut len,
                    )
                };
                check("mdca_client_fetch", status, Some((json, len)));
            }
            5 => {
                let pk = CInput::new(self.input(IDS), null);
                let status = unsafe {
                    mdca_client_entity_tree(self.client_handle(), pk.ptr(), &mut json, &mut len)
                };
                check("mdca_client_entity_tree", status, Some((json, len)));
            }
            6 => {
                let request = CInput::new(self.input(CLOSE_REQUESTS), null);
                let status = unsafe {
                    mdca_client_close_alerts(
                        self.client_handle(),
                        request.ptr(),
                        &mut json,
                        &mut len,
                    )
                };
                check("mdca_client_close_alerts", status, Some((json, len)));
            }
            7 => {
                let id = CInput::new(self.input(IDS), null);
                let read = self.rng.random_bool(0.5);
                let status =
                    unsafe { mdca_client_set_alert_read(self.client_handle(), id.ptr(), read) };
                check("mdca_client_set_alert_read", status, None);
            }
            8 => {
                let id = CInput::new(self.input(IDS), false);
                let feedback = CInput::new(self.input(FEEDBACK), null);
                let status = unsafe {
                    mdca_client_activity_feedback(
                        self.client_handle(),
                        id.ptr(),
                        feedback.ptr(),
                        &mut json,
                        &mut len,
                    )
                };
                check("mdca_client_activity_feedback", status, Some((json, len)));
            }
            9 => {
                let spec = CInput::new(self.input(SUBNET_SPECS), null);
                let status = unsafe {
                    mdca_client_create_subnet(self.client_handle(), spec.ptr(), &mut json, &mut len)
                };
                check("mdca_client_create_subnet", status, Some((json, len)));
            }
            10 => {
                let id = CInput::new(self.input(IDS), false);
                let spec = CInput::new(self.input(SUBNET_SPECS), null);
                let status = unsafe {
                    mdca_client_update_subnet(self.client_handle(), id.ptr(), spec.ptr())
                };
                check("mdca_client_update_subnet", status, None);
            }
            11 => {
                let id = CInput::new(self.input(IDS), null);
                let status = unsafe { mdca_client_delete_subnet(self.client_handle(), id.ptr()) };
                check("mdca_client_delete_subnet", status, None);
            }
            12 => {
                let request = CInput::new(self.input(RAW_REQUESTS), null);
                let status = unsafe {
                    mdca_client_request(self.client_handle(), request.ptr(), &mut json, &mut len)
                };
                check("mdca_client_request", status, Some((json, len)));
            }
            13 => {
                let entity = CInput::new(self.input(ENTITY_NAMES), false);
                let params = CInput::new(self.input(PARAMS), null);
                let status = unsafe {
                    mdca_params_query_request(entity.ptr(), params.ptr(), &mut json, &mut len)
                };
                check("mdca_params_query_request", status, Some((json, len)));
                let params = CInput::new(self.input(PARAMS), null);
                let mut json2 = SENTINEL;
                let mut len2 = SENTINEL_LEN;
                let status = if self.rng.random_bool(0.5) {
                    unsafe { mdca_params_close_alerts(params.ptr(), &mut json2, &mut len2) }
                } else {
                    unsafe { mdca_params_subnet_spec(params.ptr(), &mut json2, &mut len2) }
                };
                check("mdca_params_*", status, Some((json2, len2)));
            }
            14 => {
                // Random pointers to free are never dereferenced: reported, not freed.
                let pointer = self.rng.random::<u64>() as usize as *mut c_char;
                let status = unsafe { mdca_string_free(pointer) };
                assert!(matches!(
                    status,
                    mdca_status::Ok | mdca_status::InvalidHandle
                ));
                if !pointer.is_null() {
                    check("mdca_string_free", status, None);
                }
            }
            _ => {
                // Random handle values to every handle-taking function.
                let value = self.rng.random::<u64>() as usize;
                let query = value as *mut mdca_query;
                let mut progress = mdca_progress::default();
                for status in [
                    unsafe { mdca_query_next_page(query, &mut json, &mut len) },
                    unsafe { mdca_query_progress(query, &mut progress) },
                    unsafe { mdca_query_cancel(query) },
                    unsafe { mdca_query_free(query) },
                    unsafe { mdca_client_free(value as *mut mdca_client) },
                ] {
                    if value != 0 {
                        assert_eq!(status, mdca_status::InvalidHandle);
                    }
                    check("handle function", status, None);
                }
            }
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be an integer, not {v:?}")),
        Err(_) => default,
    }
}

#[test]
fn every_parsing_entry_point_survives_arbitrary_input() {
    let iterations = env_u64("MDCA_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
    let seed = env_u64("MDCA_FUZZ_SEED", DEFAULT_SEED);
    eprintln!("fuzzing the C ABI: {iterations} iterations, MDCA_FUZZ_SEED={seed}");

    let sim =
        mdca_sim::start_blocking(mdca_sim::SimConfig::for_tests()).expect("the simulator starts");
    let options = serde_json::json!({
        "url": sim.url(), "auth": {"type": "token", "token": sim.admin_token()},
        "rate_limit": {"requests": 0}, "retry": {"max_retries": 0}, "timeout_secs": 5,
    })
    .to_string();
    let options = CInput::new(options.into_bytes(), false);
    let mut client = ptr::null_mut();
    assert_eq!(
        unsafe { mdca_client_new(options.ptr(), &mut client) },
        mdca_status::Ok
    );

    let mut fuzzer = Fuzzer {
        rng: StdRng::seed_from_u64(seed),
        token: sim.admin_token(),
        client,
        calls: 0,
    };
    for _ in 0..iterations {
        fuzzer.step();
    }
    assert_eq!(unsafe { mdca_client_free(client) }, mdca_status::Ok);
    eprintln!("{} calls, no crash", fuzzer.calls);
}
