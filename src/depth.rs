//! The nesting-depth limit on records received from the server.
//!
//! serde_json validates a record as a [`serde_json::value::RawValue`] without counting its nesting, so a
//! record nested 100,000 levels deep (a broken or hostile answer, or a proxy rewriting bodies) would be
//! handed to callers that parse it recursively: the C# reader, PowerShell, any C program using a
//! recursive JSON parser — and a stack overflow kills the host process where no error can be caught.
//! Every record is therefore checked here once, and a deeper one is an `InvalidResponse` error naming
//! its position. Real records nest fewer than ten levels.

/// The deepest nesting of objects and arrays a record may have (serde_json's own limit for values).
pub const MAX_RECORD_DEPTH: u32 = 128;

/// The words every depth refusal carries, so the HTTP core can tell it from a truncated body: a whole,
/// well-formed answer refused for its content is not a transient fault, and asking again would only
/// fetch it again (for up to the transient time budget of a list read).
pub(crate) const TOO_DEEP: &str = "levels deep, which no MDCA record is";

/// Whether a body-parsing failure is the depth refusal.
pub(crate) fn is_too_deep(reason: &str) -> bool {
    reason.contains(TOO_DEEP)
}

/// The nesting depth of the valid JSON text `text` if it exceeds `limit`, else `None`.
///
/// Nesting needs an opening `{` or `[` per level, so a text with at most `limit` of those bytes (in
/// strings or not) cannot exceed it: that count is one branch-free pass the compiler vectorises, and it
/// settles every real record (an activity has about 30). Only a text with more openers is walked
/// structurally, strings skipped eight bytes at a time.
pub(crate) fn exceeds(text: &[u8], limit: u32) -> Option<u32> {
    if openers(text) <= limit as usize {
        return None;
    }
    let mut depth = 0u32;
    let mut i = 0;
    let n = text.len();
    while i < n {
        match text[i] {
            b'"' => {
                // Skip the string: `string_run` stops at `"` or `\`; a `\` skips the byte after it.
                i += 1;
                loop {
                    i += crate::stream::string_run(&text[i.min(n)..]);
                    if i >= n {
                        return None;
                    }
                    if text[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Some(depth);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// How many bytes of `text` are `{` or `[`. Counted in blocks whose per-block total fits a byte, so the
/// inner loop is plain byte arithmetic the compiler turns into SIMD.
fn openers(text: &[u8]) -> usize {
    let mut total = 0usize;
    for block in text.chunks(255) {
        let mut n = 0u8;
        for &b in block {
            n += u8::from(b == b'{') + u8::from(b == b'[');
        }
        total += usize::from(n);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn openers_are_counted_in_and_out_of_strings() {
        assert_eq!(openers(b""), 0);
        assert_eq!(openers(br#"{"a":["[{",{}]}"#), 5);
        let long = "{[".repeat(1000);
        assert_eq!(openers(long.as_bytes()), 2000);
    }

    #[test]
    fn many_openers_at_shallow_depth_pass() {
        // More openers than the limit (so the structural walk runs), never more than two levels deep.
        let wide = format!("[{}{{}}]", "{},[],".repeat(300));
        assert_eq!(exceeds(wide.as_bytes(), MAX_RECORD_DEPTH), None);
        let in_strings = format!(r#"{{"s":"{}"}}"#, "[".repeat(500));
        assert_eq!(exceeds(in_strings.as_bytes(), 2), None);
    }

    #[test]
    fn records_up_to_the_limit_pass() {
        assert_eq!(exceeds(nested(128).as_bytes(), MAX_RECORD_DEPTH), None);
        assert_eq!(
            exceeds(br#"{"_id":"a","user":{"name":"x"}}"#, MAX_RECORD_DEPTH),
            None
        );
    }

    #[test]
    fn a_record_one_level_deeper_than_the_limit_is_refused() {
        assert_eq!(exceeds(nested(129).as_bytes(), MAX_RECORD_DEPTH), Some(129));
        assert_eq!(
            exceeds(nested(100_000).as_bytes(), MAX_RECORD_DEPTH),
            Some(129)
        );
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let text = format!(
            r#"{{"s":"{}","t":"\"{}"}}"#,
            "[".repeat(500),
            "{".repeat(500)
        );
        assert_eq!(exceeds(text.as_bytes(), MAX_RECORD_DEPTH), None);
        let escaped_quote = format!(r#"["\\\"", {}]"#, nested(10));
        assert_eq!(exceeds(escaped_quote.as_bytes(), 5), Some(6));
    }

    #[test]
    fn a_page_with_a_deeply_nested_record_is_refused_whole_or_in_pieces() {
        let body = format!(
            r#"{{"data":[{{"_id":"a"}},{{"_id":"b","x":{}}}],"hasNext":false}}"#,
            nested(100_000)
        );
        let whole = crate::stream::ListPage::parse(body.as_bytes()).unwrap_err();
        assert!(
            whole.contains("record 1") && whole.contains("128 levels"),
            "{whole}"
        );
        let mut parser = crate::stream::ListParser::new();
        let pieces = body
            .as_bytes()
            .chunks(4096)
            .try_for_each(|chunk| parser.feed(chunk));
        let err = match pieces {
            Err(e) => e,
            Ok(()) => parser.finish().unwrap_err(),
        };
        assert!(
            err.contains("record 1") && err.contains("128 levels"),
            "{err}"
        );
    }
}
