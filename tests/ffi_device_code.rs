//! The C ABI's two-step device code sign-in (docs/c-api.md "Device code sign-in"):
//! `mdca_client_device_code_begin` returns the prompt JSON, `mdca_client_sign_in` waits for the user
//! (approved here through the simulator's control endpoint), `mdca_client_cancel` stops the wait, and
//! misuse is a status. The extern "C" functions are called directly against a simulator.

use std::ffi::{c_char, CStr, CString};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::ptr;
use std::time::{Duration, Instant};

use mdca::ffi::*;
use mdca_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

fn control(sim: &Simulator, body: &Value) {
    let addr = sim.addr();
    let body = body.to_string();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /_sim/device_code HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn new_client(options: &Value) -> *mut mdca_client {
    let text = CString::new(options.to_string()).unwrap();
    let mut client = ptr::null_mut();
    assert_eq!(
        unsafe { mdca_client_new(text.as_ptr(), &mut client) },
        mdca_status::Ok
    );
    client
}

fn device_client(sim: &Simulator) -> *mut mdca_client {
    new_client(&json!({
        "url": sim.url(),
        "auth": {"type": "device_code", "tenant_id": sim.entra_tenant_id(),
                 "client_id": sim.public_client_id(), "authority_host": sim.authority_host()},
        "rate_limit": {"requests": 0},
    }))
}

fn begin(client: *mut mdca_client) -> (mdca_status, Option<Value>) {
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0usize;
    let status = unsafe { mdca_client_device_code_begin(client, &mut out, &mut len) };
    if status != mdca_status::Ok {
        assert!(out.is_null(), "outputs are written only on success");
        return (status, None);
    }
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_string();
    assert_eq!(text.len(), len);
    assert_eq!(unsafe { mdca_string_free(out) }, mdca_status::Ok);
    (status, Some(serde_json::from_str(&text).unwrap()))
}

#[test]
fn begin_returns_the_prompt_and_sign_in_waits_for_the_user() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    control(&sim, &json!({"interval_ms": 100}));
    let client = device_client(&sim);
    // Not signed in: sign-in has nothing to poll, and says what to do.
    assert_eq!(
        unsafe { mdca_client_sign_in(client) },
        mdca_status::SignInRequired
    );
    let (status, prompt) = begin(client);
    assert_eq!(status, mdca_status::Ok);
    let prompt = prompt.unwrap();
    let code = prompt["user_code"].as_str().unwrap();
    assert!(
        prompt["message"].as_str().unwrap().contains(code),
        "{prompt}"
    );
    assert_eq!(
        prompt["verification_uri"],
        "https://microsoft.com/devicelogin"
    );
    assert!(prompt["expires_in"].as_u64().unwrap() > 0);
    control(&sim, &json!({"action": "approve", "user_code": code}));
    assert_eq!(unsafe { mdca_client_sign_in(client) }, mdca_status::Ok);
    let request =
        CString::new(r#"{"method":"POST","path":"v1/alerts/","body":{"limit":2}}"#).unwrap();
    let mut out: *mut c_char = ptr::null_mut();
    let mut len = 0usize;
    assert_eq!(
        unsafe { mdca_client_request(client, request.as_ptr(), &mut out, &mut len) },
        mdca_status::Ok
    );
    unsafe { mdca_string_free(out) };
    assert_eq!(unsafe { mdca_client_free(client) }, mdca_status::Ok);
}

#[test]
fn cancel_stops_the_sign_in_and_declining_is_its_own_status() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    control(&sim, &json!({"interval_ms": 100}));
    let client = device_client(&sim);
    assert_eq!(begin(client).0, mdca_status::Ok);
    let handle = client as usize;
    let waiter =
        std::thread::spawn(move || unsafe { mdca_client_sign_in(handle as *mut mdca_client) });
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(unsafe { mdca_client_cancel(client) }, mdca_status::Ok);
    assert_eq!(waiter.join().unwrap(), mdca_status::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The cancelled code is forgotten: signing in again has nothing to poll.
    assert_eq!(
        unsafe { mdca_client_sign_in(client) },
        mdca_status::SignInRequired
    );

    assert_eq!(begin(client).0, mdca_status::Ok);
    control(&sim, &json!({"action": "decline"}));
    assert_eq!(
        unsafe { mdca_client_sign_in(client) },
        mdca_status::DeviceCodeDeclined
    );
    assert_eq!(unsafe { mdca_client_free(client) }, mdca_status::Ok);
}

#[test]
fn misuse_is_a_status() {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).unwrap();
    let client = device_client(&sim);
    let mut len = 0usize;
    assert_eq!(
        unsafe { mdca_client_device_code_begin(client, ptr::null_mut(), &mut len) },
        mdca_status::NullPointer
    );
    assert_eq!(
        unsafe { mdca_client_sign_in(ptr::null()) },
        mdca_status::NullPointer
    );
    let token = new_client(
        &json!({"url": sim.url(), "auth": {"type": "token", "token": sim.admin_token()}}),
    );
    assert_eq!(begin(token).0, mdca_status::Unsupported);
    assert_eq!(unsafe { mdca_client_free(token) }, mdca_status::Ok);
    assert_eq!(unsafe { mdca_client_free(client) }, mdca_status::Ok);
    assert_eq!(begin(client).0, mdca_status::InvalidHandle);
    assert_eq!(
        unsafe { mdca_client_sign_in(client) },
        mdca_status::InvalidHandle
    );
    // No sign-in was ever requested from the identity endpoint by the misuse above.
    assert_eq!(sim.stats().route("oauth2.devicecode"), 0);
}
