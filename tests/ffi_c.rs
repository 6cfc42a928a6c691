//! Drives the C programs in `tests/c/` against the simulator: each is compiled with
//! `gcc -std=c11 -Wall -Wextra -Werror` against `include/mdca.h` and the built `libmdca.so`, then run
//! three times, each time against a fresh simulator: natively, under valgrind (memory errors and
//! definite/indirect leaks fail the test), and rebuilt with `-fsanitize=address,undefined` (ASan with
//! leak detection, UBSan).
//!
//! Set `MDCA_FFI_SKIP_VALGRIND=1` to skip the valgrind runs on a machine without valgrind (CI must not),
//! or `MDCA_FFI_RUNNERS=native` (any of `native,sanitizers,valgrind`) to run only some while debugging.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mdca::entity::EntityKind;
use mdca::pager::QueryRequest;
use mdca::{Client, ClientOptions};
use mdca_sim::data::{Dataset, Entity, ListQuery};
use mdca_sim::{FaultKind, FaultSpec, SimConfig, Simulator};

/// The crate root (where `include/` and `tests/c/` are).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>/`, where cargo puts `libmdca.so`: the parent of the `deps/` directory holding this
/// test executable.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps")
        .to_path_buf();
    assert!(
        dir.join("libmdca.so").exists(),
        "{} has no libmdca.so: build the cdylib first (cargo builds it with the tests of the mdca package)",
        dir.display()
    );
    dir
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Build {
    Plain,
    Sanitized,
}

/// Compiles `tests/c/<name>.c` and returns the executable.
fn compile(name: &str, build: Build) -> PathBuf {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ffi-c");
    std::fs::create_dir_all(&out_dir).expect("a directory for the C executables");
    let suffix = match build {
        Build::Plain => "",
        Build::Sanitized => "-asan",
    };
    let exe = out_dir.join(format!("{name}{suffix}"));
    let lib = lib_dir();
    // The library's soname is libmdca.so.<major> (build.rs): programs linked with -lmdca load that name.
    let versioned = lib.join(format!("libmdca.so.{}", env!("CARGO_PKG_VERSION_MAJOR")));
    if !versioned.exists() {
        let _ = std::os::unix::fs::symlink("libmdca.so", &versioned);
    }
    let mut gcc = Command::new("gcc");
    gcc.args([
        "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-pthread",
    ])
    .arg("-I")
    .arg(root().join("include"))
    .arg(root().join("tests").join("c").join(format!("{name}.c")))
    .arg("-o")
    .arg(&exe)
    .arg("-L")
    .arg(&lib)
    .arg(format!("-Wl,-rpath,{}", lib.display()))
    .arg("-lmdca");
    if build == Build::Sanitized {
        gcc.args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ]);
    }
    let output = gcc
        .output()
        .expect("gcc must be installed to test the C ABI");
    assert!(
        output.status.success(),
        "gcc failed on {name}.c ({build:?}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    exe
}

/// A simulator plus the environment the C programs read.
struct Fixture {
    sim: Simulator,
    env: Vec<(String, String)>,
}

fn options(url: &str, auth: serde_json::Value) -> String {
    serde_json::json!({
        "url": url,
        "auth": auth,
        // The simulator's test profile does not throttle; a long timeout keeps the stall fault (not the
        // client's timeout) in charge of the cancellation test.
        "rate_limit": {"requests": 0},
        "timeout_secs": 120,
        "retry": {"max_retries": 2, "base_delay_ms": 10, "max_delay_ms": 100},
    })
    .to_string()
}

/// The `_id` of the first record of `kind`, read through the Rust library.
fn first_id(client: &Client, kind: EntityKind) -> String {
    let mut pager = client
        .query(
            kind,
            QueryRequest::from_json(r#"{"page_size": 1}"#).unwrap(),
        )
        .unwrap();
    let page = mdca::runtime::runtime()
        .block_on(pager.next_page())
        .unwrap()
        .expect("a first page");
    let record = page.into_values().unwrap().remove(0);
    match &record["_id"] {
        serde_json::Value::String(s) => s.clone(),
        other => panic!("{kind:?} record without a string _id: {other}"),
    }
}

/// How many records an unfiltered list of `entity` matches, straight from the simulator's dataset (for
/// files this excludes deleted ones, which the API hides unless asked, api.md §8).
fn unfiltered_total(data: &Dataset, entity: Entity) -> String {
    let query = ListQuery {
        limit: Some(1),
        ..ListQuery::default()
    };
    let total = data.list(entity, &query).expect("an unfiltered list").total;
    assert!(total > 0, "the test dataset has {entity:?}");
    total.to_string()
}

fn fixture() -> Fixture {
    let sim = mdca_sim::start_blocking(SimConfig::for_tests()).expect("the simulator starts");
    let url = sim.url();
    let token = sim.admin_token();
    let (client_id, client_secret) = sim.app_credentials();
    let app = serde_json::json!({
        "type": "app", "tenant_id": sim.entra_tenant_id(), "client_id": client_id,
        "client_secret": client_secret, "authority_host": sim.authority_host(),
    });
    let mut app_legacy = app.clone();
    app_legacy["legacy_token"] = serde_json::json!(token);
    let token_options = options(&url, serde_json::json!({"type": "token", "token": token}));

    let client = Client::from_options(ClientOptions::from_json(&token_options).unwrap()).unwrap();
    let data = sim.dataset(0);
    let env = vec![
        ("MDCA_URL", url.clone()),
        ("MDCA_TOKEN", token.clone()),
        ("MDCA_TOKEN_OPTIONS", token_options.clone()),
        (
            "MDCA_READER_OPTIONS",
            options(
                &url,
                serde_json::json!({"type": "token", "token": sim.reader_token()}),
            ),
        ),
        ("MDCA_APP_OPTIONS", options(&url, app)),
        ("MDCA_APP_LEGACY_OPTIONS", options(&url, app_legacy)),
        (
            "MDCA_EXPECT_ACTIVITIES",
            unfiltered_total(data, Entity::Activities),
        ),
        ("MDCA_EXPECT_ALERTS", unfiltered_total(data, Entity::Alerts)),
        ("MDCA_EXPECT_FILES", unfiltered_total(data, Entity::Files)),
        (
            "MDCA_EXPECT_ENTITIES",
            unfiltered_total(data, Entity::Entities),
        ),
        (
            "MDCA_EXPECT_SUBNETS",
            unfiltered_total(data, Entity::Subnets),
        ),
        ("MDCA_ALERT_ID", first_id(&client, EntityKind::Alerts)),
        (
            "MDCA_ACTIVITY_ID",
            first_id(&client, EntityKind::Activities),
        ),
        ("MDCA_FILE_ID", first_id(&client, EntityKind::Files)),
        ("MDCA_ENTITY_PK", first_id(&client, EntityKind::Entities)),
    ];
    // The ids above cost a few requests; the programs' own request counts start from zero.
    sim.reset_stats();
    Fixture {
        sim,
        env: env.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Native,
    Valgrind,
    Sanitizers,
}

/// Valgrind runs are heavy; on a 2-core machine they go one at a time.
static VALGRIND: Mutex<()> = Mutex::new(());

fn valgrind_wanted() -> bool {
    if std::env::var("MDCA_FFI_SKIP_VALGRIND").is_ok_and(|v| v == "1") {
        eprintln!("MDCA_FFI_SKIP_VALGRIND=1: skipping the valgrind runs");
        return false;
    }
    true
}

fn run(exe: &Path, runner: Runner, fixture: &Fixture) -> Output {
    let mut command = match runner {
        Runner::Native | Runner::Sanitizers => Command::new(exe),
        Runner::Valgrind => {
            let mut c = Command::new("valgrind");
            c.args([
                "--error-exitcode=99",
                "--leak-check=full",
                // Definite and indirect leaks are ours and fail the run. "Possibly lost" and "still
                // reachable" blocks belong to the process-lifetime runtime (its worker threads, their
                // thread-local storage, the handle and string registries): they are bounded, created
                // once, and the valgrind.supp file names the only possibly-lost stacks accepted.
                "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible",
                "--num-callers=30",
                "--fair-sched=yes",
                // A forked child (tests/c/native.c) inherits the whole heap; its own leak report at
                // exit would say nothing about the library and could fill the output pipe.
                "--child-silent-after-fork=yes",
            ])
            .arg(format!(
                "--suppressions={}",
                root().join("tests/c/valgrind.supp").display()
            ))
            .arg(exe);
            c
        }
    };
    command
        .envs(fixture.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("RUST_BACKTRACE", "0")
        .env("MDCA_RUNNER", format!("{runner:?}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if runner == Runner::Sanitizers {
        command
            .env(
                "ASAN_OPTIONS",
                "detect_leaks=1:abort_on_error=0:exitcode=98",
            )
            .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1");
    }
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {runner:?} for {}: {e}", exe.display()));
    wait_with_deadline(child, Duration::from_secs(600), exe)
}

fn wait_with_deadline(mut child: std::process::Child, limit: Duration, exe: &Path) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("waiting on a C program").is_some() {
            return child.wait_with_output().expect("the C program's output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().expect("the C program's output");
            panic!(
                "{} ran longer than {limit:?}\nstdout:\n{}\nstderr:\n{}",
                exe.display(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Compiles and runs `name` natively, under valgrind and with sanitizers, each against a fresh simulator
/// prepared by `arm`; returns the fixtures so the caller can inspect the simulators' counters.
fn run_everywhere(name: &str, arm: impl Fn(&Simulator)) -> Vec<(Runner, Fixture)> {
    let plain = compile(name, Build::Plain);
    let sanitized = compile(name, Build::Sanitized);
    let mut runs = vec![(Runner::Native, &plain), (Runner::Sanitizers, &sanitized)];
    if valgrind_wanted() {
        runs.push((Runner::Valgrind, &plain));
    }
    // MDCA_FFI_RUNNERS=native,sanitizers,valgrind narrows the runs while debugging one of them.
    if let Ok(only) = std::env::var("MDCA_FFI_RUNNERS") {
        runs.retain(|(runner, _)| {
            only.split(',')
                .any(|r| r.trim().eq_ignore_ascii_case(&format!("{runner:?}")))
        });
    }
    let mut fixtures = Vec::new();
    for (runner, exe) in runs {
        let fixture = fixture();
        arm(&fixture.sim);
        let _serial = (runner == Runner::Valgrind)
            .then(|| VALGRIND.lock().unwrap_or_else(|e| e.into_inner()));
        let output = run(exe, runner, &fixture);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{name} failed under {runner:?} ({}):\nstdout:\n{}\nstderr:\n{stderr}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
        );
        fixtures.push((runner, fixture));
    }
    fixtures
}

#[test]
fn the_readme_example_compiles_and_lists_alerts() {
    run_everywhere("example", |_| {});
}

#[test]
fn every_entity_pages_to_the_end_with_token_and_app_clients() {
    run_everywhere("paging", |_| {});
}

#[test]
fn a_pull_resumes_from_its_checkpoint_through_the_c_abi() {
    run_everywhere("checkpoint", |_| {});
}

#[test]
fn the_files_quirk_reaches_c_with_its_error_detail() {
    run_everywhere("files_quirk", |_| {});
}

#[test]
fn a_second_thread_cancels_a_stalled_page() {
    run_everywhere("cancel", |sim| {
        sim.clear_faults();
        sim.add_fault(
            FaultSpec::new(FaultKind::Stall(Duration::from_secs(60)), 2).on_route("alerts.list"),
        );
    });
}

#[test]
fn one_client_serves_concurrent_queries_from_several_threads() {
    run_everywhere("threads", |_| {});
}

#[test]
fn every_misuse_is_a_status_and_sends_nothing() {
    for (runner, fixture) in run_everywhere("misuse", |_| {}) {
        // Only the two pages the program fetches on purpose reach the server.
        let stats = fixture.sim.stats();
        assert_eq!(
            stats.total, 2,
            "{runner:?}: unexpected requests {:?}",
            stats.by_route
        );
    }
}

#[test]
fn actions_work_through_the_c_abi() {
    run_everywhere("actions", |_| {});
}

#[test]
fn discovery_works_through_the_c_abi() {
    for (runner, fixture) in run_everywhere("discovery", |_| {}) {
        // The upload the program made is committed and finalized, byte count as written.
        let blobs = fixture.sim.blobs();
        assert_eq!(blobs.len(), 1, "{runner:?}: {blobs:?}");
        assert_eq!(blobs[0].length, Some(3 * 1024 * 1024 + 11), "{runner:?}");
        assert!(blobs[0].finalized, "{runner:?}");
    }
}

/// A one-route HTTP server whose every answer is an alert list holding one record nested 100,000 levels
/// deep: what a broken server or a body-rewriting proxy could send. Returns its URL.
fn deeply_nested_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let levels = 100_000;
    let body = format!(
        r#"{{"data":[{{"_id":"a","x":{}{}}}],"hasNext":false,"total":1}}"#,
        "[".repeat(levels),
        "]".repeat(levels)
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                // Reads the request head and any small body; the answer does not depend on them.
                let mut buf = [0u8; 65536];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            });
        }
    });
    url
}

#[test]
fn the_abi_survives_its_host_lifecycle_and_hostile_answers() {
    let deep = options(
        &deeply_nested_server(),
        serde_json::json!({"type": "token", "token": "0".repeat(64)}),
    );
    std::env::set_var("MDCA_DEEP_OPTIONS", deep);
    run_everywhere("native", |sim| {
        sim.clear_faults();
        sim.add_fault(
            FaultSpec::new(FaultKind::Stall(Duration::from_secs(60)), 1).on_route("alerts.fetch"),
        );
    });
}

#[test]
fn the_guide_and_the_readme_show_the_tested_example_verbatim() {
    let example =
        std::fs::read_to_string(root().join("tests/c/example.c")).expect("tests/c/example.c");
    for doc in ["docs/c-api.md", "README.md"] {
        let guide = std::fs::read_to_string(root().join(doc)).expect(doc);
        let start = guide
            .find("<!-- example.c begins -->\n```c\n")
            .unwrap_or_else(|| panic!("{doc}: the example's start marker"))
            + "<!-- example.c begins -->\n```c\n".len();
        let end = guide
            .find("```\n<!-- example.c ends -->")
            .unwrap_or_else(|| panic!("{doc}: the example's end marker"));
        assert_eq!(
            &guide[start..end],
            example,
            "{doc} must show tests/c/example.c as it is"
        );
    }
}
