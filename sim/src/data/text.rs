//! Records written straight to compact JSON text. A list page used to build a `serde_json::Value` per
//! record and serialise it: hundreds of allocations and BTreeMap inserts per record, most of a scan
//! page's cost. The writers here produce the same bytes without the tree: strings go through
//! serde_json's own escaping, numbers through its formatting, and object keys must be written in the
//! order serde_json's default (BTreeMap) map prints them, i.e. ascending byte order. Debug builds
//! check that order on every key, so a test run over a few records catches a misplaced key.

use serde::Serialize;
use serde_json::Value;

/// Serialises one scalar or small value with serde_json's formatting (escapes, `ryu` floats).
pub fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("serialising into memory cannot fail");
}

/// A JSON string.
pub fn string(out: &mut Vec<u8>, s: &str) {
    put(out, s);
}

/// A JSON array of `items`, each written by `each`.
pub fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (k, item) in items.into_iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// A JSON array of strings.
pub fn strings<S: AsRef<str>>(out: &mut Vec<u8>, items: impl IntoIterator<Item = S>) {
    array(out, items, |out, s| string(out, s.as_ref()));
}

/// An object under construction. Keys are `'static` ASCII names without characters to escape.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    #[cfg(debug_assertions)]
    last: &'static str,
}

impl<'a> Obj<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj {
            out,
            first: true,
            #[cfg(debug_assertions)]
            last: "",
        }
    }

    fn key(&mut self, k: &'static str) -> &mut Vec<u8> {
        #[cfg(debug_assertions)]
        {
            assert!(
                self.first || self.last < k,
                "key `{k}` written after `{}`: serde_json's map prints keys in byte order",
                self.last
            );
            self.last = k;
        }
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    pub fn str(&mut self, k: &'static str, v: &str) -> &mut Self {
        string(self.key(k), v);
        self
    }

    pub fn int(&mut self, k: &'static str, v: i64) -> &mut Self {
        put(self.key(k), &v);
        self
    }

    pub fn uint(&mut self, k: &'static str, v: u64) -> &mut Self {
        put(self.key(k), &v);
        self
    }

    pub fn float(&mut self, k: &'static str, v: f64) -> &mut Self {
        put(self.key(k), &v);
        self
    }

    pub fn bool(&mut self, k: &'static str, v: bool) -> &mut Self {
        self.key(k)
            .extend_from_slice(if v { b"true" } else { b"false" });
        self
    }

    pub fn null(&mut self, k: &'static str) -> &mut Self {
        self.key(k).extend_from_slice(b"null");
        self
    }

    pub fn opt_str(&mut self, k: &'static str, v: Option<&str>) -> &mut Self {
        match v {
            Some(s) => self.str(k, s),
            None => self.null(k),
        }
    }

    /// Text that is already JSON (a constant such as `[]`, or a value written elsewhere).
    pub fn raw(&mut self, k: &'static str, json: &str) -> &mut Self {
        self.key(k).extend_from_slice(json.as_bytes());
        self
    }

    pub fn value(&mut self, k: &'static str, v: &Value) -> &mut Self {
        put(self.key(k), v);
        self
    }

    /// A nested value written by `f`.
    pub fn with(&mut self, k: &'static str, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        f(self.key(k));
        self
    }

    pub fn end(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_match_serde_json_for_the_same_content() {
        let mut out = Vec::new();
        let mut o = Obj::new(&mut out);
        o.str("URL", "a\"b\\c\u{1}é🔐")
            .int("_id", -5)
            .float("lat", 48.857)
            .null("n")
            .bool("t", true)
            .uint("u", u64::MAX)
            .with("v", |out| strings(out, ["x", "y"]))
            .float("whole", 40.0);
        o.end();
        let expected = json!({"URL": "a\"b\\c\u{1}é🔐", "_id": -5, "lat": 48.857, "whole": 40.0,
            "n": null, "t": true, "u": u64::MAX, "v": ["x", "y"]});
        assert_eq!(String::from_utf8(out).unwrap(), expected.to_string());
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "byte order")]
    fn keys_out_of_byte_order_are_refused_in_debug_builds() {
        let mut out = Vec::new();
        let mut o = Obj::new(&mut out);
        o.int("b", 1).int("a", 2);
    }
}
