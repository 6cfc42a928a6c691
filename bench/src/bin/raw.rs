//! The raw reader: downloads every page of a list the way the protocol requires (api.md §4.4) and does
//! nothing else. It never parses a page: `hasNext` and the activity scan cursor (`nextQueryFilters`) are
//! found by a byte search in the envelope's tail, and only that small cursor object is decoded. Its rate
//! is the serving limit of the simulator on this machine, the ceiling any client's rate is compared to.
//!
//! ```text
//! MDCA_TOKEN=<admin_token> mdca-bench-raw --url http://127.0.0.1:8765 --entity files|activities [--page N]
//! ```
//!
//! `--page` is the activity scan page size (500-5000, default 5000); skip/limit lists always ask for 100.
//!
//! Prints one JSON line: `{"entity","pages","requests","bytes","seconds"}`. It does not retry and does
//! not pace itself: run it against an unthrottled simulator; any non-2xx answer is an error.

use std::process::ExitCode;
use std::time::Instant;

use serde_json::{json, Value};

/// Skip/limit lists are capped at 100 records per page (api.md §4.3).
const PAGE: u64 = 100;
/// Activity scan pages hold up to 5000 records (api.md §4.3); the default scan page.
const SCAN_PAGE: u64 = 5000;

struct Args {
    url: String,
    token: String,
    entity: String,
    scan_page: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut token = std::env::var("MDCA_TOKEN").ok();
    let mut entity = None;
    let mut scan_page = SCAN_PAGE;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => url = Some(value()?),
            "--token" => token = Some(value()?),
            "--entity" => entity = Some(value()?),
            "--page" => {
                scan_page = value()?
                    .parse()
                    .map_err(|_| "--page takes a number".to_string())?
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let entity = entity.ok_or("--entity files|activities is required")?;
    if entity != "files" && entity != "activities" {
        return Err(format!(
            "--entity must be files or activities, not `{entity}`"
        ));
    }
    Ok(Args {
        url: url.ok_or("--url is required")?,
        token: token.ok_or("--token (or MDCA_TOKEN) is required")?,
        entity,
        scan_page,
    })
}

/// The last occurrence of `needle` in `hay`. The envelope's own keys follow `data` in this server's
/// output, so searching backwards touches only the tail of a page.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut end = hay.len();
    while end >= needle.len() {
        let i = hay[..end - needle.len() + 1]
            .iter()
            .rposition(|&b| b == first)?;
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        end = i + needle.len() - 1;
    }
    None
}

fn has_next(body: &[u8]) -> Result<bool, String> {
    let key = b"\"hasNext\":";
    let at = rfind(body, key).ok_or("page without hasNext")?;
    let rest = &body[at + key.len()..];
    let rest = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    Ok(rest.starts_with(b"true"))
}

/// The scan cursor, decoding only the `nextQueryFilters` object itself.
fn next_query_filters(body: &[u8]) -> Result<Option<Value>, String> {
    let key = b"\"nextQueryFilters\":";
    let Some(at) = rfind(body, key) else {
        return Ok(None);
    };
    let mut values =
        serde_json::Deserializer::from_slice(&body[at + key.len()..]).into_iter::<Value>();
    match values.next() {
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(e)) => Err(format!("bad nextQueryFilters: {e}")),
        None => Err("empty nextQueryFilters".into()),
    }
}

struct Totals {
    pages: u64,
    bytes: u64,
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> Result<bytes::Bytes, String> {
    let response = http
        .post(url)
        .header("Authorization", format!("Token {token}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("body failed: {e}"))?;
    if !status.is_success() {
        return Err(format!("HTTP {status} from {url}"));
    }
    Ok(bytes)
}

async fn pull(args: &Args) -> Result<Totals, String> {
    // Already installed is fine: the provider is process-wide.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())?;
    let base = args.url.trim_end_matches('/');
    let url = format!("{base}/api/v1/{}/", args.entity);
    let mut totals = Totals { pages: 0, bytes: 0 };
    if args.entity == "activities" {
        let mut filters = json!({});
        loop {
            let body = json!({"filters": filters, "isScan": true, "limit": args.scan_page});
            let page = post(&http, &url, &args.token, &body).await?;
            totals.pages += 1;
            totals.bytes += page.len() as u64;
            match (has_next(&page)?, next_query_filters(&page)?) {
                (true, Some(next)) => filters = next,
                _ => return Ok(totals),
            }
        }
    }
    // Skip/limit: full pages only until the last, so `skip` can advance by the page cap without counting.
    let mut skip = 0;
    loop {
        let body = json!({"skip": skip, "limit": PAGE});
        let page = post(&http, &url, &args.token, &body).await?;
        totals.pages += 1;
        totals.bytes += page.len() as u64;
        if !has_next(&page)? {
            return Ok(totals);
        }
        skip += PAGE;
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mdca-bench-raw: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    match runtime.block_on(pull(&args)) {
        Ok(t) => {
            let out = json!({
                "entity": args.entity,
                "pages": t.pages,
                "requests": t.pages,
                "bytes": t.bytes,
                "seconds": started.elapsed().as_secs_f64(),
            });
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdca-bench-raw: {e}");
            ExitCode::FAILURE
        }
    }
}
