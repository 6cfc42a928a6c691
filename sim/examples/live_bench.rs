//! Does live mode keep the simulator fast? Times, over loopback HTTP, the pages the benchmarks pull
//! (activity scan pages of 5000, files keyset pages of 100 on `createdDate`) and the ground truth of
//! 200,000 files, with live mode off and then on. Not a test: the numbers depend on the machine.
//!
//! ```text
//! cargo run --release -p mdca-sim --example live_bench -- [RATE] [SCAN_PAGES] [FILE_PAGES]
//! ```
//! RATE is the mutator's mutations per second (default 5).

use std::time::{Duration, Instant};

use mdca_sim::data::{Entity, ListQuery};
use mdca_sim::{LiveConfig, SimConfig};
use serde_json::{json, Value};

fn arg<T: std::str::FromStr>(k: usize, default: T) -> T {
    std::env::args()
        .nth(k)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Median, 90th percentile and maximum, in ms.
fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
    format!(
        "median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.9),
        at(1.0)
    )
}

async fn post(http: &reqwest::Client, url: &str, token: &str, body: Value) -> Value {
    let resp = http
        .post(url)
        .header("Authorization", format!("Token {token}"))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 200);
    serde_json::from_slice(&resp.bytes().await.expect("body")).expect("JSON")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rate: f64 = arg(1, 5.0);
    let scan_pages: usize = arg(2, 40);
    let file_pages: usize = arg(3, 300);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    for live in [
        None,
        Some(LiveConfig {
            rate,
            clock_speed: 1.0,
        }),
    ] {
        let mut cfg = SimConfig::for_tests();
        cfg.bind = "127.0.0.1:0".parse().unwrap();
        cfg.data.activities = 1_000_000;
        cfg.data.files = 200_000;
        cfg.live = live.clone();
        let sim = mdca_sim::start(cfg).await.expect("simulator");
        let token = sim.admin_token();
        let from = sim.now_ms(0);
        println!("== live: {live:?}");

        // Activity scan, 5000 a page, following the cursor.
        let url = format!("{}/api/v1/activities/", sim.url());
        let (mut filters, mut times, mut records) = (json!({}), Vec::new(), 0);
        let started = Instant::now();
        for _ in 0..scan_pages {
            let t = Instant::now();
            let page = post(
                &http,
                &url,
                &token,
                json!({"filters": filters, "isScan": true, "limit": 5000}),
            )
            .await;
            times.push(t.elapsed());
            records += page["data"].as_array().unwrap().len();
            match page.get("nextQueryFilters") {
                Some(next) => filters = next.clone(),
                None => break,
            }
        }
        let wall = started.elapsed();
        println!(
            "activity scan: {} pages, {records} records, {:.0} records/s; first page {:.1} ms; {}",
            times.len(),
            records as f64 / wall.as_secs_f64(),
            times[0].as_secs_f64() * 1000.0,
            summary(times)
        );

        // Files keyset on createdDate, 100 a page.
        let url = format!("{}/api/v1/files/", sim.url());
        let (mut w, mut times, mut records) = (0i64, Vec::new(), 0);
        let started = Instant::now();
        for _ in 0..file_pages {
            let t = Instant::now();
            let page = post(
                &http,
                &url,
                &token,
                json!({"filters": {"createdDate": {"gte": w}}, "sortField": "createdDate",
                       "sortDirection": "asc", "skip": 0, "limit": 100}),
            )
            .await;
            times.push(t.elapsed());
            let data = page["data"].as_array().unwrap();
            records += data.len();
            match data.last() {
                Some(last) if data.len() == 100 => w = last["createdDate"].as_i64().unwrap(),
                _ => break,
            }
        }
        let wall = started.elapsed();
        println!(
            "files keyset: {} pages, {records} records, {:.0} records/s; first page {:.1} ms; {}",
            times.len(),
            records as f64 / wall.as_secs_f64(),
            times[0].as_secs_f64() * 1000.0,
            summary(times)
        );

        // The same pages in process: the simulator's own cost, without HTTP or JSON parsing.
        let ds = sim.dataset(0);
        let (mut filters, mut times) = (serde_json::Map::new(), Vec::new());
        for _ in 0..scan_pages {
            let q = ListQuery {
                filters: filters.clone(),
                limit: Some(5000),
                is_scan: true,
                ..ListQuery::default()
            };
            let t = Instant::now();
            let page = ds.list(Entity::Activities, &q).expect("scan page");
            let body = page.into_body(Entity::Activities);
            times.push(t.elapsed());
            let next: Value = serde_json::from_slice(&body).expect("JSON");
            match next.get("nextQueryFilters") {
                Some(Value::Object(next)) => filters = next.clone(),
                _ => break,
            }
        }
        println!("in process, activity scan page of 5000: {}", summary(times));
        let (mut w, mut times) = (0i64, Vec::new());
        for _ in 0..file_pages {
            let q = ListQuery {
                filters: json!({"createdDate": {"gte": w}})
                    .as_object()
                    .unwrap()
                    .clone(),
                limit: Some(100),
                skip: Some(0),
                sort_field: Some("createdDate".into()),
                sort_direction: Some("asc".into()),
                ..ListQuery::default()
            };
            let t = Instant::now();
            let page = ds.list(Entity::Files, &q).expect("files page");
            times.push(t.elapsed());
            match page.records().last() {
                Some(last) => w = last["createdDate"].as_i64().unwrap(),
                None => break,
            }
        }
        println!("in process, files keyset page of 100: {}", summary(times));

        // Ground truth over every file, and over one file type.
        let to = sim.now_ms(0);
        for filters in [json!({}), json!({"fileType": {"eq": [1]}})] {
            let t = Instant::now();
            let truth = sim.ground_truth(0, Entity::Files, &filters, from, to);
            println!(
                "ground truth of files {filters}: {:.0} ms ({} stable, {} ever)",
                t.elapsed().as_secs_f64() * 1000.0,
                truth.stable.len(),
                truth.ever.len()
            );
        }
        println!("mutations: {}", sim.mutations(0));
        sim.shutdown().await;
    }
}
