//! `--checkpoint FILE`: a pull stopped mid-way (SIGINT, SIGKILL) and run again with the same file returns
//! the rest, so that the outputs together are every record exactly once; a completed pull run again
//! returns only what is new since; a checkpoint of another query is refused.
#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, sleep, JoinHandle};
use std::time::{Duration, Instant};

use common::{ids, ok, records, run, stderr, Tenant};
use mdca_sim::data::Entity;
use mdca_sim::{FaultKind, FaultSpec, LiveConfig, MutationKind, SimConfig};
use serde_json::json;

/// A scratch directory for one test's checkpoint files, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mdca-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn small_tenant() -> Tenant {
    let mut cfg = SimConfig::for_tests();
    // Activities are the slowest records to generate in a debug build: keep them few.
    cfg.data.activities = 1_500;
    Tenant::with(cfg)
}

/// A pull running in the background, its stdout lines collected as they come.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: JoinHandle<()>,
}

/// Every request of `route` takes this long until the test stops the pull: a pull cannot finish
/// before the test has seen it get going.
const SLOW: Duration = Duration::from_millis(150);

/// [`spawn`], each request of `route` slowed by [`SLOW`] until [`stall_mid_way`].
fn spawn_slowed(t: &Tenant, route: &str, args: &[&str]) -> Running {
    t.sim
        .add_fault(FaultSpec::new(FaultKind::Stall(SLOW), 100_000).on_route(route));
    spawn(t, args)
}

fn spawn(t: &Tenant, args: &[&str]) -> Running {
    let mut child = Command::new(common::MDCA)
        .env_clear()
        .args(["--url", &t.sim.url(), "--token", &t.sim.admin_token()])
        .args(["--rate-limit", "off", "--timeout", "120"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.stdout.take().unwrap();
    let reader = {
        let lines = Arc::clone(&lines);
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                lines.lock().unwrap().push(line.unwrap());
            }
        })
    };
    Running {
        child,
        lines,
        reader,
    }
}

/// Waits until `running` has written at least `lines` records, then stalls the next list request of
/// `route` and waits until the process is blocked in it, its pages written and checkpointed.
fn stop_mid_way(t: &Tenant, running: &Running, route: &str, lines: usize) {
    stall_mid_way(t, running, route, lines, Duration::from_secs(60));
}

/// [`stop_mid_way`] with a stall of `stall`, after which the pull goes on.
fn stall_mid_way(t: &Tenant, running: &Running, route: &str, lines: usize, stall: Duration) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while running.lines.lock().unwrap().len() < lines {
        assert!(Instant::now() < deadline, "the pull did not get going");
        sleep(Duration::from_millis(5));
    }
    // The slowing fault goes, the stall comes: the next request of the route takes it.
    t.sim.clear_faults();
    t.sim
        .add_fault(FaultSpec::new(FaultKind::Stall(stall), 1).on_route(route));
    while !t.sim.armed_faults().is_empty() {
        assert!(Instant::now() < deadline, "no request reached the stall");
        sleep(Duration::from_millis(5));
    }
    // The page before the stalled request is being written and checkpointed: give it time to finish.
    sleep(Duration::from_millis(400));
}

/// Sends `signal` and returns the records the process wrote, its exit code and stderr.
fn kill(mut running: Running, signal: &str) -> (Vec<String>, Option<i32>, String) {
    let status = Command::new("kill")
        .args([signal, &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut running.child.stderr.take().unwrap(), &mut err).unwrap();
    let code = running.child.wait().unwrap().code();
    running.reader.join().unwrap();
    let lines = running.lines.lock().unwrap().clone();
    (ids(&records(&lines.join("\n"))), code, err)
}

/// Every id of the simulator's `entity` exactly once (the static dataset is the ground truth).
#[track_caller]
fn assert_ground_truth(t: &Tenant, entity: Entity, got: &[String]) {
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len(), "a record was returned twice");
    assert_eq!(got.len() as u64, t.sim.dataset(0).count(entity));
    for id in got {
        assert!(t.sim.dataset(0).fetch(entity, id).is_some(), "{id}");
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_pull_stopped_with_sigint_continues_from_its_checkpoint() {
    let t = small_tenant();
    let dir = Scratch::new("sigint");
    let cp = dir.file("alerts.ckpt");
    let args = [
        "alerts",
        "--all",
        "--page-size",
        "20",
        "--checkpoint",
        path_arg(&cp),
    ];
    let running = spawn_slowed(&t, "alerts.list", &args);
    stop_mid_way(&t, &running, "alerts.list", 60);
    let (first, code, err) = kill(running, "-INT");
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains(path_arg(&cp)),
        "says where the position is: {err}"
    );
    assert!(!first.is_empty() && (first.len() as u64) < t.sim.dataset(0).count(Entity::Alerts));

    t.sim.clear_faults();
    let rest = ids(&records(&ok(t.mdca().args(args))));
    let union: Vec<String> = first.iter().chain(&rest).cloned().collect();
    assert_ground_truth(&t, Entity::Alerts, &union);
}

#[test]
fn a_pull_killed_with_sigkill_continues_from_its_checkpoint() {
    let t = small_tenant();
    let dir = Scratch::new("sigkill");
    let cp = dir.file("activities.ckpt");
    // Activities in scan mode (its cursor is the position), alerts in keyset windows.
    for (entity, route, args, after) in [
        (
            Entity::Activities,
            "activities.list",
            ["activities", "--all", "--page-size", "500"],
            700,
        ),
        (
            Entity::Alerts,
            "alerts.list",
            ["alerts", "--all", "--page-size", "30"],
            100,
        ),
    ] {
        let _ = std::fs::remove_file(&cp);
        let mut args = args.to_vec();
        args.extend(["--checkpoint", path_arg(&cp)]);
        let running = spawn_slowed(&t, route, &args);
        stop_mid_way(&t, &running, route, after);
        let (first, code, _) = kill(running, "-KILL");
        assert_eq!(code, None, "killed by a signal");
        assert!(first.len() >= after);

        t.sim.clear_faults();
        let rest = ids(&records(&ok(t.mdca().args(&args))));
        let union: Vec<String> = first.iter().chain(&rest).cloned().collect();
        assert_ground_truth(&t, entity, &union);
    }
}

#[test]
fn a_completed_pull_run_again_returns_only_what_is_new_since() {
    let t = small_tenant();
    let dir = Scratch::new("incremental");
    for (entity, name) in [
        (Entity::Alerts, "alerts"),
        (Entity::Activities, "activities"),
    ] {
        let cp = dir.file(&format!("{name}.ckpt"));
        let args = [name, "--all", "--checkpoint", path_arg(&cp)];
        let full = ids(&records(&ok(t.mdca().args(args))));
        assert_ground_truth(&t, entity, &full);

        t.sim.insert_head(entity, 7);
        let new = ids(&records(&ok(t.mdca().args(args))));
        assert_eq!(new.len(), 7, "{name}: only the inserted records");
        let before: HashSet<&String> = full.iter().collect();
        assert!(
            new.iter().all(|id| !before.contains(id)),
            "{name}: a record of the first run"
        );
        let union: Vec<String> = full.iter().chain(&new).cloned().collect();
        assert_ground_truth(&t, entity, &union);

        let again = ids(&records(&ok(t.mdca().args(args))));
        assert_eq!(
            again.len(),
            0,
            "{name}: nothing changed since, yet {} records",
            again.len()
        );
    }
}

#[test]
fn a_checkpoint_of_another_query_is_refused_and_holds_no_secret() {
    let t = small_tenant();
    let dir = Scratch::new("other-query");
    let cp = dir.file("alerts.ckpt");
    ok(t.mdca()
        .args(["alerts", "--all", "--checkpoint", path_arg(&cp)]));
    let text = std::fs::read_to_string(&cp).unwrap();
    assert!(!text.contains(&t.sim.admin_token()), "{text}");
    assert!(!text.contains("Token"), "{text}");

    for other in [
        vec!["alerts", "--all", "--where", "severity:eq:2"],
        vec!["files", "--all"],
    ] {
        let out = run(t.mdca().args(&other).args(["--checkpoint", path_arg(&cp)]));
        assert_eq!(out.status.code(), Some(2), "{other:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(path_arg(&cp)) && err.contains("another query"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        std::fs::read_to_string(&cp).unwrap(),
        text,
        "left untouched"
    );

    let nowhere = dir.file("no/such/dir/alerts.ckpt");
    t.sim.reset_stats();
    let out = run(t
        .mdca()
        .args(["alerts", "--all", "--checkpoint", path_arg(&nowhere)]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert_eq!(t.sim.stats().total, 0, "refused before any request");

    std::fs::write(&cp, "alerts, page 3").unwrap();
    let out = run(t
        .mdca()
        .args(["alerts", "--all", "--checkpoint", path_arg(&cp)]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not an mdca checkpoint"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_pull_that_returns_fewer_records_than_announced_warns() {
    let t = small_tenant();
    let open = [
        "alerts",
        "--all",
        "--page-size",
        "20",
        "--where",
        "resolutionStatus:eq:0",
    ];
    let all_open = ids(&records(&ok(t.mdca().args(open))));
    assert!(all_open.len() > 60, "the dataset has open alerts");
    // Alerts at the end of the ascending windows, closed while the pull is on its first pages.
    let closing: Vec<&str> = all_open[all_open.len() - 5..]
        .iter()
        .map(String::as_str)
        .collect();
    let running = spawn_slowed(&t, "alerts.list", &open);
    stall_mid_way(&t, &running, "alerts.list", 20, Duration::from_secs(3));
    ok(t.mdca().args([
        "alerts",
        "close",
        "--as",
        "benign",
        "--id",
        &closing.join(","),
    ]));
    let out = running.child.wait_with_output().unwrap();
    running.reader.join().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let got = running.lines.lock().unwrap().len();
    assert_eq!(
        got,
        all_open.len() - 5,
        "the closed alerts left the result set"
    );
    assert!(
        err.contains("warning") && err.contains("5 fewer"),
        "the shortfall is reported: {err}"
    );

    // The same pull, the alerts closed before its first page: no warning.
    let out = run(t.mdca().args(open));
    assert!(out.status.success());
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

/// On a live tenant (the clock moves, analysts close and reopen alerts, files are edited and deleted):
/// a pull killed mid-way and resumed from its checkpoint returns, over both runs, every record that
/// matched for the whole interval, only records that matched at some instant, and none twice.
#[test]
fn a_pull_killed_on_a_live_tenant_and_resumed_meets_the_ground_truth() {
    let t = small_tenant();
    t.sim.set_live(Some(LiveConfig {
        rate: 2000.0,
        clock_speed: 60.0,
    }));
    let dir = Scratch::new("live");
    for (entity, name, filters, signal) in [
        (
            Entity::Alerts,
            "alerts",
            json!({"resolutionStatus": {"eq": [0]}}),
            "-KILL",
        ),
        (Entity::Files, "files", json!({}), "-INT"),
    ] {
        let cp = dir.file(&format!("{name}.ckpt"));
        let filter = filters.to_string();
        let args = [
            name,
            "--all",
            "--page-size",
            "10",
            "--filter",
            &filter,
            "--checkpoint",
            path_arg(&cp),
        ];
        let from = t.sim.now_ms(0);
        let mutations = t.sim.mutations(0);
        let route = format!("{name}.list");
        let running = spawn_slowed(&t, &route, &args);
        stop_mid_way(&t, &running, &route, 40);
        let (first, _, _) = kill(running, signal);
        t.sim.clear_faults();
        let rest = ids(&records(&ok(t.mdca().args(args))));
        let to = t.sim.now_ms(0);
        assert!(t.sim.mutations(0) > mutations, "{name}: the tenant changed");

        let union: Vec<String> = first.iter().chain(&rest).cloned().collect();
        let returned: HashSet<&String> = union.iter().collect();
        assert_eq!(returned.len(), union.len(), "{name}: a record twice");
        let truth = t.sim.ground_truth(0, entity, &filters, from, to);
        assert!(!truth.stable.is_empty());
        let lost = truth
            .stable
            .iter()
            .filter(|id| !returned.contains(id))
            .count();
        assert_eq!(lost, 0, "{name}: stable matches never returned");
        let strays = union.iter().filter(|id| !truth.ever.contains(*id)).count();
        assert_eq!(strays, 0, "{name}: records that never matched");
    }
}

/// On a live tenant: after a completed files pull, the same command returns the files created or
/// edited since (each once), and nothing that has not changed since the first run began.
#[test]
fn an_incremental_run_on_a_live_tenant_returns_what_changed_since() {
    let t = small_tenant();
    t.sim.set_live(Some(LiveConfig {
        rate: 500.0,
        clock_speed: 60.0,
    }));
    let dir = Scratch::new("live-incremental");
    let cp = dir.file("files.ckpt");
    let args = [
        "files",
        "--all",
        "--page-size",
        "50",
        "--checkpoint",
        path_arg(&cp),
    ];
    let from1 = t.sim.now_ms(0);
    let first: HashSet<String> = ids(&records(&ok(t.mdca().args(args))))
        .into_iter()
        .collect();
    let to1 = t.sim.now_ms(0);
    sleep(Duration::from_millis(500));
    let from2 = t.sim.now_ms(0);
    let second = ids(&records(&ok(t.mdca().args(args))));
    let to2 = t.sim.now_ms(0);

    let unique: HashSet<&String> = second.iter().collect();
    assert_eq!(unique.len(), second.len(), "a record twice");
    let journal = t.sim.dataset(0).journal();
    let changed_between = |from: i64, to: i64| -> HashSet<&str> {
        journal
            .iter()
            .filter(|m| m.entity == Entity::Files && m.at_ms >= from && m.at_ms < to)
            .filter(|m| matches!(m.kind, MutationKind::Insert | MutationKind::Edit))
            .map(|m| m.id.as_str())
            .collect()
    };
    // Only new or changed files: nothing the first run returned that has not changed since it began.
    let changed = changed_between(from1, i64::MAX);
    let stale: Vec<&String> = second
        .iter()
        .filter(|id| first.contains(*id) && !changed.contains(id.as_str()))
        .collect();
    assert!(stale.is_empty(), "{} unchanged files repeated", stale.len());
    // Every file created or edited between the runs, present throughout the second, is returned (one
    // edited only during the second run did not match its query, modifiedDate since the watermark,
    // when it started).
    let present = t.sim.ground_truth(0, Entity::Files, &json!({}), from2, to2);
    let expected: Vec<&str> = changed_between(to1, from2)
        .into_iter()
        .filter(|id| present.stable.contains(*id))
        .collect();
    assert!(
        !expected.is_empty(),
        "files were created or edited between the runs"
    );
    let missed = expected
        .iter()
        .filter(|id| !unique.contains(&id.to_string()))
        .count();
    assert_eq!(missed, 0, "changed files missed");
    assert!(
        !second.is_empty() && second.len() < first.len(),
        "{} of {}",
        second.len(),
        first.len()
    );
}
