//! Single-record commands print a record as the service sent it: keys in its order (a real tenant's are
//! not alphabetical), numbers as written, keys that differ only by case both kept.
//!
//! The simulator writes every record's keys in alphabetical order, where a client that re-sorts them
//! cannot be told apart from one that does not; so this test serves a captured-looking alert (the
//! order of the sample in Microsoft's *List alerts* page) from a small loopback server of its own.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;

use common::{bare, ok};

const ALERT: &str = r#"{"_id":"5f2ba71dbec3bb2a4d3ab3c6","contextId":"b8ac8a8f-f37d-4b3c-9e33-3b1fa1e5b7c9","timestamp":1596700448012,"title":"Impossible travel activity","description":"The user <b>Alice</b> performed activities from distant locations","stories":[0],"entities":[{"id":"alice@contoso.com","label":"Alice","type":"account","saas":11161,"inst":0}],"severityValue":2,"statusValue":1,"resolutionStatusValue":0,"threatScore":34.50,"URL":"https://contoso.portal.cloudappsecurity.com/#/alerts/5f2ba71dbec3bb2a4d3ab3c6","Created":1596700448012,"created":"2020-08-06T07:54:08Z","isPreview":false}"#;

/// Answers every request on a loopback port with `body` (200, JSON), for `requests` requests.
fn serve(body: &'static str, requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut request_body = vec![0; length];
            reader.read_exact(&mut request_body).unwrap();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    url
}

#[test]
fn get_and_request_print_the_record_with_its_keys_in_the_served_order() {
    let url = serve(ALERT, 2);
    let connect = ["--url", &url, "--token", "t", "--rate-limit", "off"];
    let got = ok(bare()
        .args(connect)
        .args(["alerts", "get", "5f2ba71dbec3bb2a4d3ab3c6"]));
    assert_eq!(got, format!("{ALERT}\n"));
    let got =
        ok(bare()
            .args(connect)
            .args(["request", "GET", "v1/alerts/5f2ba71dbec3bb2a4d3ab3c6/"]));
    assert_eq!(got, format!("{ALERT}\n"));
}

#[test]
fn an_entity_tree_and_a_feedback_answer_keep_the_served_key_order() {
    // Keys deliberately out of alphabetical order, one pair differing only by case.
    const TREE: &str = r#"{"type":1,"entityId":"alice@contoso.com","Id":"x","id":"y","children":[{"type":2,"displayName":"Alice (Box)","appId":11161}],"displayName":"Alice"}"#;
    let url = serve(TREE, 2);
    let connect = ["--url", &url, "--token", "t", "--rate-limit", "off"];
    let got = ok(bare().args(connect).args([
        "entities",
        "tree",
        r#"{"id":"alice@contoso.com","saas":11161,"inst":0}"#,
    ]));
    assert_eq!(got, format!("{TREE}\n"));
    let got = ok(bare()
        .args(connect)
        .args(["activities", "feedback", "1_2_3", "--value", "0"]));
    assert_eq!(got, format!("{TREE}\n"));
}
