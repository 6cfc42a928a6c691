//! The multi-tenant driver: pulls one entity from several tenants at once, from one process, with one
//! `mdca::Client` per tenant. Each client paces itself on its tenant's budget (api.md §4.3: the throttle is
//! per tenant), so N tenants should pull N times as fast as one as long as the client does not serialise
//! them.
//!
//! ```text
//! mdca-bench-tenants --credentials sim.json --tenants 16 --entity files --rate-limit 30/2000
//! ```
//!
//! `sim.json` is the simulator's start-up JSON line (`tenants[i].url`, `tenants[i].admin_token`), read
//! from a file so that tokens never appear in the process list. Prints one JSON line: the aggregate
//! (`records`, `seconds` from the first request to the last tenant's end) and one entry per tenant.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use mdca::{Client, EntityKind, QueryRequest, RateLimit};
use serde_json::{json, Value};

struct Args {
    credentials: String,
    tenants: usize,
    entity: EntityKind,
    rate: RateLimit,
}

fn parse_rate(s: &str) -> Result<RateLimit, String> {
    if s == "off" {
        return Ok(RateLimit::disabled());
    }
    let (n, ms) = s
        .split_once('/')
        .ok_or_else(|| format!("--rate-limit is REQUESTS/MILLISECONDS or off, not `{s}`"))?;
    let requests = n.parse().map_err(|_| format!("bad request count `{n}`"))?;
    let ms: u64 = ms.parse().map_err(|_| format!("bad window `{ms}`"))?;
    Ok(RateLimit {
        requests,
        per: Duration::from_millis(ms),
    })
}

fn parse_args() -> Result<Args, String> {
    let (mut credentials, mut tenants, mut entity, mut rate) = (None, 1, EntityKind::Files, None);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--credentials" => credentials = Some(value()?),
            "--tenants" => {
                tenants = value()?
                    .parse()
                    .map_err(|_| "--tenants takes a number".to_string())?
            }
            "--entity" => {
                let name = value()?;
                entity = EntityKind::from_name(&name).map_err(|e| e.to_string())?;
            }
            "--rate-limit" => rate = Some(parse_rate(&value()?)?),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        credentials: credentials.ok_or("--credentials FILE is required")?,
        tenants,
        entity,
        rate: rate.ok_or("--rate-limit REQUESTS/MILLISECONDS|off is required")?,
    })
}

struct TenantResult {
    records: u64,
    requests: u64,
    retries: u64,
    throttle_wait: Duration,
    seconds: f64,
}

async fn pull_one(client: Client, entity: EntityKind) -> Result<TenantResult, mdca::Error> {
    let started = Instant::now();
    let mut pager = client.query(entity, QueryRequest::new().all())?;
    while pager.next_page().await?.is_some() {}
    let p = pager.progress();
    Ok(TenantResult {
        records: p.records,
        requests: p.requests,
        retries: p.retries,
        throttle_wait: p.throttle_wait,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn run(args: Args) -> Result<Value, String> {
    let text = std::fs::read_to_string(&args.credentials)
        .map_err(|e| format!("read {}: {e}", args.credentials))?;
    let sim: Value = serde_json::from_str(&text).map_err(|e| format!("credentials JSON: {e}"))?;
    let listed = sim["tenants"].as_array().cloned().unwrap_or_default();
    if listed.len() < args.tenants {
        return Err(format!(
            "the simulator serves {} tenants, {} asked",
            listed.len(),
            args.tenants
        ));
    }
    let mut clients = Vec::with_capacity(args.tenants);
    for t in &listed[..args.tenants] {
        let (Some(url), Some(token)) = (t["url"].as_str(), t["admin_token"].as_str()) else {
            return Err("a tenant entry lacks url or admin_token".into());
        };
        let client = Client::builder(url)
            .legacy_token(token)
            .rate_limit(args.rate)
            .build()
            .map_err(|e| e.to_string())?;
        clients.push(client);
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| tokio::spawn(pull_one(c, args.entity)))
        .collect();
    let mut per_tenant = Vec::with_capacity(tasks.len());
    let mut records = 0;
    for task in tasks {
        let r = task
            .await
            .map_err(|e| format!("tenant task failed: {e}"))?
            .map_err(|e| e.to_string())?;
        records += r.records;
        per_tenant.push(json!({
            "records": r.records,
            "requests": r.requests,
            "retries": r.retries,
            "throttle_wait_s": r.throttle_wait.as_secs_f64(),
            "seconds": r.seconds,
        }));
    }
    Ok(json!({
        "tenants": args.tenants,
        "records": records,
        "seconds": started.elapsed().as_secs_f64(),
        "per_tenant": per_tenant,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mdca-bench-tenants: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdca-bench-tenants: {e}");
            ExitCode::FAILURE
        }
    }
}
