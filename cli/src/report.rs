//! How a failure leaves the process: the exit code for each error kind and the line on stderr.

use mdca::error::{Error, ErrorKind};

use crate::args::ErrorFormat;

/// Exit codes, grouped like the library's error code ranges (documented in `--help` and docs/cli.md).
pub const OK: u8 = 0;
pub const INTERNAL: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const SERVER: u8 = 5;
pub const TRANSPORT: u8 = 6;
pub const CANCELLED: u8 = 130;

pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Cancelled => CANCELLED,
        _ => match kind.code() {
            1..=99 => USAGE,
            100..=199 => AUTH,
            200..=299 => SERVER,
            300..=399 => TRANSPORT,
            _ => INTERNAL,
        },
    }
}

/// Prints the error on stderr, on one line: `mdca: error: <message> (HTTP status, correlation id …).
/// The server said: <its words>. Hint: …`, or the library's JSON form.
pub fn print_error(err: &Error, format: ErrorFormat) {
    match format {
        ErrorFormat::Text => eprintln!("mdca: error: {}", text(err)),
        ErrorFormat::Json => eprintln!("{}", err.to_json()),
    }
}

/// The longest stretch of the server's words a text error quotes.
const SERVER_WORDS_MAX: usize = 600;

/// The error as one line of text, with what the server said in between the message and the hint.
fn text(err: &Error) -> String {
    let mut line = err.message().trim_end_matches('.').to_owned();
    match (err.http_status(), err.correlation_id()) {
        (Some(s), Some(c)) => line.push_str(&format!(" (HTTP {s}, correlation id {c})")),
        (Some(s), None) => line.push_str(&format!(" (HTTP {s})")),
        (None, Some(c)) => line.push_str(&format!(" (correlation id {c})")),
        (None, None) => {}
    }
    if let Some(words) = err.detail().map(server_words).filter(|w| !w.is_empty()) {
        line.push_str(". The server said: ");
        // The server's own full stop, if any, gives way to the one before the hint.
        line.push_str(words.trim_end_matches('.'));
    }
    if let Some(hint) = err.hint() {
        line.push_str(". Hint: ");
        line.push_str(hint);
    }
    line
}

/// The human part of an error body the library kept as `detail`: the messages a JSON body carries
/// (`detail`, `message`, `error.message`, each `filters[].error`, …), else the JSON or text itself;
/// on one line, cut at [`SERVER_WORDS_MAX`] bytes.
fn server_words(detail: &str) -> String {
    let words = match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(value) => {
            let mut found = Vec::new();
            messages(&value, 0, &mut found);
            if found.is_empty() {
                value.to_string()
            } else {
                found.join("; ")
            }
        }
        Err(_) => detail.to_owned(),
    };
    let one_line = words.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&one_line, SERVER_WORDS_MAX)
}

/// Strings under the keys servers put their explanations in, depth first, in document order.
fn messages(value: &serde_json::Value, depth: usize, found: &mut Vec<String>) {
    use serde_json::Value;
    const KEYS: [&str; 5] = ["detail", "message", "error", "error_description", "title"];
    if depth > 4 || found.len() >= 10 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(text)
                        if KEYS.contains(&key.as_str()) && !found.contains(text) =>
                    {
                        found.push(text.clone());
                    }
                    Value::String(_) => {}
                    Value::Object(_) | Value::Array(_) => messages(v, depth + 1, found),
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                messages(v, depth + 1, found);
            }
        }
        _ => {}
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_errors_quote_the_server_between_the_message_and_the_hint() {
        let err = Error::new(ErrorKind::BadRequest, "POST v1/alerts/ was rejected")
            .with_http_status(400)
            .with_correlation_id("c-1")
            .with_detail(
                r#"{"error":true,"filters":[{"error":"nosuch is not valid","errorMessageCode":"X"},
                {"error":"colour is not valid"}]}"#,
            )
            .with_hint("check the fields");
        assert_eq!(
            text(&err),
            "POST v1/alerts/ was rejected (HTTP 400, correlation id c-1). The server said: \
             nosuch is not valid; colour is not valid. Hint: check the fields"
        );
        let plain = Error::new(ErrorKind::ServerError, "GET failed.")
            .with_http_status(502)
            .with_detail("HTML page (5120 bytes)");
        assert_eq!(
            text(&plain),
            "GET failed (HTTP 502). The server said: HTML page (5120 bytes)"
        );
        let stop = Error::new(ErrorKind::NotFound, "POST v1/governance/: not found")
            .with_http_status(404)
            .with_detail(r#"{"detail": "Not found."}"#)
            .with_hint("check the id");
        assert_eq!(
            text(&stop),
            "POST v1/governance/: not found (HTTP 404). The server said: Not found. Hint: check the id"
        );
    }

    #[test]
    fn the_servers_words_are_one_line_and_bounded() {
        assert_eq!(server_words(r#"{"a":1,"b":[2]}"#), r#"{"a":1,"b":[2]}"#);
        assert_eq!(server_words("line one\n  line two"), "line one line two");
        let long = "é".repeat(1000);
        let words = server_words(&long);
        assert!(words.len() < SERVER_WORDS_MAX + 20, "{}", words.len());
        assert!(words.ends_with("… (2000 bytes)"), "{words}");
    }

    #[test]
    fn exit_codes_follow_the_error_code_ranges() {
        assert_eq!(exit_code(ErrorKind::InvalidFilter), USAGE);
        assert_eq!(exit_code(ErrorKind::InvalidConfig), USAGE);
        assert_eq!(exit_code(ErrorKind::FilesNeedLegacyToken), AUTH);
        assert_eq!(exit_code(ErrorKind::Unauthorized), AUTH);
        assert_eq!(exit_code(ErrorKind::NotFound), NOT_FOUND);
        assert_eq!(exit_code(ErrorKind::Throttled), SERVER);
        assert_eq!(exit_code(ErrorKind::BadRequest), SERVER);
        assert_eq!(exit_code(ErrorKind::Timeout), TRANSPORT);
        assert_eq!(exit_code(ErrorKind::Cancelled), CANCELLED);
        assert_eq!(exit_code(ErrorKind::Internal), INTERNAL);
        for kind in ErrorKind::ALL {
            assert_ne!(exit_code(*kind), OK, "{kind:?} must not look like success");
        }
    }
}
