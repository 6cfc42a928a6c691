#!/usr/bin/env python3
"""mdca benchmarks: one command, every contender, the same simulated data.

    python3 bench/run.py            # the full run (about 25 minutes on 2 cores), writes bench/results/
    python3 bench/run.py --smoke    # tiny sizes, debug build, under a minute: the CI check that it runs

Sections (bench/README.md explains each figure):
  throttle  pull files and activities through the simulator's throttle on a compressed window
  overhead  records/s, CPU and peak RSS with the throttle off, at several activity counts
  scale     1, 4, 16 tenants pulled at once from one process, each tenant throttled on its own

Every figure is the median of --runs runs with min and max; ratios are taken within one run (the
contenders of a run go one after another against the same simulator) and then summarised.
Python 3.11 standard library only; the hand-written contender itself needs `requests`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

# Sizes. The full run must finish in under 20 minutes on a 2-core machine, build included.
FULL = {
    "runs": 3,
    # Throttle: 30 requests per 2 s window (the documented 30 per minute, compressed 30 times), each
    # client's rate limit set to the same. Activities go in scan pages of 500 (the scan minimum): serving a
    # 5000-record page takes the simulator 0.2-0.35 s, so 30 of them would not fit in a 2 s window and the
    # run would measure the server instead of the pacing.
    # Sizes that need a whole number of windows, 150 requests each (5 windows), so that the floor is
    # neither flattered nor penalised by a last, nearly empty window: 15,900 files list 14,968 (deleted
    # files are not listed); 74,700 activities take 150 scan pages of 500 (measured with the raw reader:
    # a non-final scan page drops the records that share its last timestamp, so a page holds ~498).
    # (59,880 activities needed 121 requests: the 121st went alone in a fifth window, so the figure
    # measured one request's wait for a new window, not the pacing.)
    "throttle": {"requests": 30, "window_ms": 2000, "files": 15_900, "activities": 74_700,
                 "activities_page": 500},
    # The hand-written script's fixed sleep on a 429: 10 s of a real 60 s window, compressed alike.
    "python_sleep_s": 2000 / 1000 / 6,
    # (activities, runs): 1M records take the simulator about a minute to serve, so one run there.
    "overhead_sizes": [[10_000, 3], [100_000, 3], [1_000_000, 1]],
    # Contenders too big for every size: the hand-written loop keeps every record (~10 KiB each in
    # Python: 1M would need ~10 GiB of this machine's 23.5). cli-arena1 is a diagnostic: the CLI with
    # glibc limited to one malloc arena, at the largest size only.
    "limits": {"python": {"max": 100_000}, "cli-arena1": {"min": 1_000_000}},
    # Rates and ratios are reported at this size (several runs, every contender).
    "overhead_table_size": 100_000,
    # Entities: ~0.8 KB records served in ~2 ms per page, so 16 tenants' bursts stay within what the
    # simulator serves on 2 cores and the figure measures the client's concurrency, not the server. (Files
    # take ~6-40 ms per page; the simulator builds subnet pages in O(subnets), ~200 ms at 12,000.)
    "scale": {"tenants": [1, 4, 16], "entity": "entities", "records": 9_000, "requests": 30,
              "window_ms": 5000},
    # PowerShell (issue 15): the module's cmdlets against the hand-written Invoke-RestMethod loop in the
    # same pwsh, throttle off, at 100k and 1M; the loop only at 100k (it is ~10 x slower). Memory counts as
    # flat when the module's peak RSS at the largest size is at most `flat_rss` x its figure at the
    # smallest. The throttled row uses the
    # documented 30 requests per real minute: Connect-Mdca -RateLimit counts requests per minute, so this
    # window cannot be compressed; 4,500 files take 45 requests, one whole window and a half.
    "powershell": {"import_runs": 5, "activities": [100_000, 1_000_000], "files": [100_000, 1_000_000],
                   "loop_max": 100_000, "flat_rss": 1.25, "throttle": {"requests": 30, "files": 4_500}},
    # Live tenant (issue 13): the simulator mutates while the CLI pulls, throttled as section 1.
    "live": {"rate": 50, "clock_speed": 60, "activities": 1_000_000, "files": 200_000, "requests": 30,
             "window_ms": 2000, "activities_page": 500},
}
SMOKE = {
    "runs": 1,
    "throttle": {"requests": 10, "window_ms": 1000, "files": 2_500, "activities": 10_000,
                 "activities_page": 500},
    "python_sleep_s": 1000 / 1000 / 6,
    "overhead_sizes": [[1_000, 1], [6_000, 1]],
    "limits": {"cli-arena1": {"min": 6_000}},
    "overhead_table_size": 6_000,
    "scale": {"tenants": [1, 2], "entity": "entities", "records": 1_500, "requests": 10, "window_ms": 1000},
    # The throttled PowerShell row cannot be compressed (requests per real minute): here it fits in one
    # window (10 per minute, 6 requests), so it checks the wiring and 0 429s; the full run waits a window.
    "powershell": {"import_runs": 2, "activities": [1_000, 2_000], "files": [1_000], "loop_max": 2_000,
                   "flat_rss": 1.25, "throttle": {"requests": 10, "files": 500}},
    "live": {"rate": 20, "clock_speed": 60, "activities": 10_000, "files": 3_000, "requests": 10,
             "window_ms": 1000, "activities_page": 500},
}

CONTENDERS = ["raw", "cli", "c", "csharp", "python", "cli-arena1"]
LABEL = {
    "raw": "raw reader (serving limit)",
    "cli": "`mdca` CLI",
    "c": "C consumer (ABI)",
    "csharp": "C# consumer (.NET 10, typed records)",
    "python": "hand-written Python loop",
    "python-sleep": "hand-written loop, fixed sleep on 429",
    "cli-arena1": "`mdca` CLI with MALLOC_ARENA_MAX=1 (diagnostic)",
    "ps-module": "PowerShell module (`Get-MdcaActivity -All`, `Get-MdcaFile -All`)",
    "ps-loop": "hand-written `Invoke-RestMethod` loop (same pwsh)",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- tools


@dataclass
class Tools:
    target: Path  # <target-dir>/<profile>
    work: Path
    sim: Path = field(init=False)
    cli: Path = field(init=False)
    raw: Path = field(init=False)
    tenants: Path = field(init=False)
    library: Path = field(init=False)
    consumer_c: Path | None = None
    consumer_cs: Path | None = None
    dotnet: str | None = None
    pwsh: str | None = None
    module: Path | None = None  # the assembled module's folder (DIR/Mdca.PowerShell)
    python: str = sys.executable

    def __post_init__(self) -> None:
        self.sim = self.target / "mdca-sim"
        self.cli = self.target / "mdca"
        self.raw = self.target / "mdca-bench-raw"
        self.tenants = self.target / "mdca-bench-tenants"
        self.library = self.target / "libmdca.so"


def build(args, target_dir: Path) -> Path:
    profile_dir = target_dir / ("release" if args.profile == "release" else "debug")
    if not args.no_build:
        cmd = ["cargo", "build", "--quiet", "-p", "mdca", "-p", "mdca-cli", "-p", "mdca-sim", "-p", "mdca-bench"]
        if args.profile == "release":
            cmd.insert(2, "--release")
        log("building: " + " ".join(cmd))
        env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
        subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return profile_dir


def find_dotnet() -> str | None:
    """The .NET SDK on PATH (README says how to get it)."""
    return shutil.which("dotnet")


def prepare(args, tools: Tools, wanted: set[str], sections: set[str]) -> None:
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit(f"{GNU_TIME} (GNU time) measures CPU and peak RSS: apt-get install time")
    for path in [tools.sim, tools.cli, tools.raw, tools.tenants, tools.library]:
        if not path.exists():
            sys.exit(f"missing {path}: build first (drop --no-build)")
    if "c" in wanted:
        cc = os.environ.get("CC", "cc")
        out = tools.work / "consumer"
        # The library's soname is libmdca.so.<major> (build.rs) and cargo writes only libmdca.so: the
        # consumer finds it through a link of that name, as an installed library would be found.
        libdir = tools.work / "lib"
        libdir.mkdir(exist_ok=True)
        major = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"].split(".")[0]
        for name in [f"libmdca.so.{major}", "libmdca.so"]:
            (libdir / name).symlink_to(tools.library)
        subprocess.run(
            [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{ROOT / 'include'}",
             str(BENCH / "c" / "consumer.c"), f"-L{libdir}", "-lmdca",
             f"-Wl,-rpath,{libdir}", "-o", str(out)],
            check=True,
        )
        tools.consumer_c = out
    if "csharp" in wanted:
        tools.dotnet = find_dotnet()
        if not tools.dotnet:
            sys.exit("the C# contender needs the .NET SDK (`dotnet` on PATH, see README); or leave it out with "
                     "--skip csharp")
        out = tools.work / "consumer-cs"
        # The binding references the native library of this very target directory (MdcaNativeDir).
        subprocess.run(
            [tools.dotnet, "build", str(BENCH / "csharp" / "Consumer.csproj"), "-c", "Release", "-o", str(out),
             f"-p:MdcaNativeDir={tools.target}", "--nologo", "-v", "quiet"],
            check=True, stdout=subprocess.DEVNULL,
        )
        tools.consumer_cs = out / "Consumer.dll"
    if "powershell" in sections:
        tools.pwsh = shutil.which("pwsh")
        tools.dotnet = tools.dotnet or find_dotnet()
        if not tools.pwsh or not tools.dotnet:
            sys.exit("the PowerShell section needs pwsh and the .NET SDK on PATH (see README); or leave it out "
                     "with --only")
        # The one command that assembles the module, with the native library of this run's profile.
        out = tools.work / "module"
        cmd = ["bash", str(ROOT / "scripts" / "build-module.sh"), "--out", str(out)]
        if args.profile == "release":
            cmd.insert(2, "--release")
        log("assembling the module: " + " ".join(cmd[1:]))
        subprocess.run(cmd, env=dict(os.environ, CARGO_TARGET_DIR=str(tools.target.parent)), check=True,
                       stdout=subprocess.DEVNULL)
        tools.module = out / "Mdca.PowerShell"
    if wanted & {"python", "python-sleep"}:
        probe = subprocess.run([tools.python, "-c", "import requests"], capture_output=True)
        if probe.returncode != 0:
            sys.exit("the hand-written contender needs `requests` (python3 -m pip install requests); "
                     "or leave it out with --skip python")


# ------------------------------------------------------------------------------------------ simulator


class Sim:
    """One mdca-sim process started with --port 0; its start-up JSON line says where it is."""

    def __init__(self, tools: Tools, **opts):
        argv = [str(tools.sim), "--port", "0", "--log", "warn"]
        for key, value in opts.items():
            argv += ["--" + key.replace("_", "-"), str(value)]
        self.log = open(tools.work / "sim.log", "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"mdca-sim did not start: {argv} (see {tools.work / 'sim.log'})")
        self.info = json.loads(line)
        self.url = self.info["url"]
        self.token = self.info["admin_token"]
        self.credentials = tools.work / f"sim-{self.proc.pid}.json"
        self.credentials.write_text(line.decode())

    def control(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_sim/" + path, data=data,
                                     headers={"Content-Type": "application/json"},
                                     method="GET" if body is None else "POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
        return json.loads(text) if text.strip() else {}

    def fresh(self) -> None:
        """Zero the counters and forget every tenant's throttle window before a run."""
        self.control("stats/reset", {})
        self.control("throttle/reset", {})

    def route(self, route: str) -> dict[int, int]:
        by = self.control("stats").get("by_route_status", {}).get(route, {})
        return {int(k): v for k, v in by.items()}

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        self.credentials.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------- running


@dataclass
class Run:
    contender: str
    ok: bool
    exit: int
    wall: float
    cpu: float
    rss_mib: float
    report: dict
    stderr: str

    def to_json(self) -> dict:
        return {"contender": self.contender, "ok": self.ok, "exit": self.exit, "wall_s": round(self.wall, 4),
                "cpu_s": round(self.cpu, 4), "peak_rss_mib": round(self.rss_mib, 1), "report": self.report}


GNU_TIME = "/usr/bin/time"


def measure(argv: list[str], env: dict, timeout: float, work: Path,
            stdout: Path | None = None) -> tuple[int, float, float, float, str]:
    """Runs argv (stdout to /dev/null or a file): exit code, wall s, CPU s, peak RSS MiB, stderr.

    CPU and peak RSS come from GNU time, not from this process's wait4: a child forked from this Python
    process starts its RSS high-water mark at Python's own RSS (Linux carries it across exec), which would
    put a floor of ~25 MiB under every contender; time's own footprint is ~2 MiB.
    """
    err_path, usage_path = work / "stderr.txt", work / "usage.txt"
    full = [GNU_TIME, "-f", "%M %U %S", "-o", str(usage_path)] + argv
    with open(err_path, "wb") as err, open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(full, env=env, stdout=out, stderr=err)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        wall = time.perf_counter() - start
    text = err_path.read_text(errors="replace")
    fields = usage_path.read_text().split("\n")[-2].split() if usage_path.exists() else []
    if len(fields) == 3 and fields[0].isdigit():
        rss, cpu = int(fields[0]) / 1024, float(fields[1]) + float(fields[2])
    else:
        rss, cpu = float("nan"), float("nan")
    return code, wall, cpu, rss, text


def last_json(text: str) -> dict:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return {}


def cli_summary(text: str) -> dict:
    """`mdca -v` ends with: mdca: N records in P pages, R requests, T retries, throttle wait ..."""
    for line in reversed(text.splitlines()):
        if line.startswith("mdca: ") and " records in " in line:
            words = line.replace(",", "").split()
            return {"records": int(words[1]), "pages": int(words[4]), "requests": int(words[6]),
                    "retries": int(words[8])}
    return {}


def run_contender(tools: Tools, name: str, sim: Sim, entity: str, rate: str, page_size: int | None = None,
                  timeout: float = 900) -> Run:
    """One pull of every `entity` record by contender `name`; `page_size` only for activity scans."""
    env = dict(os.environ, MDCA_URL=sim.url, MDCA_TOKEN=sim.token)
    env.pop("MDCA_NATIVE_LIBRARY", None)
    if name == "raw":
        argv = [str(tools.raw), "--url", env["MDCA_URL"], "--entity", entity]
        if page_size:
            argv += ["--page", str(page_size)]
    elif name in ("cli", "cli-arena1"):
        argv = [str(tools.cli), "-v", "--no-progress", "--rate-limit", rate, entity, "--all"]
        if name == "cli-arena1":
            # glibc keeps a malloc arena per thread that allocated; page buffers allocated on one thread and
            # freed on another stay cached in several arenas. One arena shows what that costs.
            env["MALLOC_ARENA_MAX"] = "1"
        if page_size:
            argv += ["--page-size", str(page_size)]
    elif name == "c":
        request = {"all": True, **({"page_size": page_size} if page_size else {})}
        argv = [str(tools.consumer_c), entity, rate, json.dumps(request)]
    elif name == "csharp":
        env["MDCA_NATIVE_LIBRARY"] = str(tools.library)
        argv = [tools.dotnet, str(tools.consumer_cs), entity, rate]
    elif name == "python":
        argv = [tools.python, str(BENCH / "python" / "handwritten.py"), entity]
    elif name == "python-sleep":
        argv = [tools.python, str(BENCH / "python" / "handwritten.py"), entity, "--sleep-on-429",
                str(rate)]
    else:
        raise ValueError(name)
    if name.startswith("python") and page_size:
        argv += ["--scan-limit", str(page_size)]
    code, wall, cpu, rss, err = measure(argv, env, timeout, tools.work)
    report = cli_summary(err) if name.startswith("cli") else last_json(err)
    return Run(name, code == 0, code, wall, cpu, rss, report, err[-2000:])


def summary(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s: dict, digits: int = 2, unit: str = "") -> str:
    if not s or s.get("median") is None:
        return "—"
    med, lo, hi = s["median"], s["min"], s["max"]
    if s["n"] == 1:
        return f"{med:,.{digits}f}{unit}"
    return f"{med:,.{digits}f}{unit} ({lo:,.{digits}f}–{hi:,.{digits}f})"


# ------------------------------------------------------------------------------------------ sections


def section_throttle(tools: Tools, cfg: dict, runs: int, wanted: set[str]) -> dict:
    t = cfg["throttle"]
    requests, window_ms = t["requests"], t["window_ms"]
    rate = f"{requests}/{window_ms // 1000}"
    sim = Sim(tools, files=t["files"], activities=t["activities"], throttle_requests=requests,
              throttle_window_ms=window_ms)
    out: dict = {"requests": requests, "window_ms": window_ms, "rate_limit": rate, "entities": {}}
    contenders = [c for c in ["cli", "c", "python-sleep", "python"] if c in wanted]
    try:
        for entity, page in [("files", 100), ("activities", t["activities_page"])]:
            scan_page = page if entity == "activities" else None
            # The minimum: what the raw reader, which follows the protocol and nothing else, needs for the
            # same pull (scan pages hold limit - 1 records when the cursor's record starts the next page).
            sim.control("settings", {"throttle": {"requests": 0}})
            sim.fresh()
            raw = run_contender(tools, "raw", sim, entity, "off", scan_page)
            if not raw.ok:
                raise RuntimeError(f"raw reader failed on {entity}:\n{raw.stderr}")
            minimum = sum(sim.route(f"{entity}.list").values())
            sim.control("settings", {"throttle": {"requests": requests, "window_ms": window_ms}})
            floor = minimum * window_ms / 1000 / requests
            out.setdefault("minimum_requests", {})[entity] = minimum
            rows: dict[str, list] = {c: [] for c in contenders}
            for r in range(runs):
                for name in contenders:
                    if name == "python" and r > 0:
                        continue  # it stops at the first 429: one run shows it
                    sim.fresh()
                    arg = cfg["python_sleep_s"] if name == "python-sleep" else rate
                    run = run_contender(tools, name, sim, entity, arg, scan_page)
                    by = sim.route(f"{entity}.list")
                    sent = sum(by.values())
                    records = run.report.get("records")
                    rows[name].append({
                        **run.to_json(), "requests_sent": sent, "throttled": by.get(429, 0),
                        "minimum_requests": minimum, "floor_s": floor,
                        "wall_over_floor": run.wall / floor if run.ok else None,
                        "requests_over_minimum": sent / minimum if run.ok else None,
                    })
                    log(f"throttle {entity} run {r + 1} {name}: ok={run.ok} {run.wall:.2f}s "
                        f"records={records} sent={sent} 429={by.get(429, 0)}"
                        + ("" if run.ok else f" stderr: {run.stderr.strip()[-300:]}"))
            out["entities"][entity] = rows
    finally:
        sim.stop()
    return out


def section_overhead(tools: Tools, cfg: dict, runs: int, wanted: set[str]) -> dict:
    out: dict = {"entity": "activities", "sizes": {}}
    contenders = [c for c in CONTENDERS if c in wanted]
    for size, size_runs in cfg["overhead_sizes"]:
        sim = Sim(tools, activities=size, files=10, throttle_requests=0)
        limits = cfg["limits"]
        here = [c for c in contenders
                if limits.get(c, {}).get("min", 0) <= size <= limits.get(c, {}).get("max", size)]
        rows: dict[str, list] = {c: [] for c in here}
        rounds = []
        try:
            for r in range(min(runs, size_runs)):
                this_round = {}
                for name in here:
                    if r > 0 and size > limits.get(name, {}).get("once_above", size):
                        continue
                    sim.fresh()
                    run = run_contender(tools, name, sim, "activities", "off")
                    by = sim.route("activities.list")
                    records = size if name == "raw" else run.report.get("records")
                    if not run.ok or records != size:
                        raise RuntimeError(f"{name} at {size}: exit {run.exit}, records {records}:\n{run.stderr}")
                    row = {**run.to_json(), "records": records, "requests_sent": sum(by.values()),
                           "records_per_s": records / run.wall, "cpu_s_per_100k": run.cpu / records * 100_000}
                    rows[name].append(row)
                    this_round[name] = row
                    log(f"overhead {size:,} run {r + 1} {name}: {run.wall:.2f}s cpu {run.cpu:.2f}s "
                        f"rss {run.rss_mib:.0f} MiB")
                rounds.append(this_round)
        finally:
            sim.stop()
        ratios: dict[str, list] = {}
        for rnd in rounds:
            for name, row in rnd.items():
                for base in ["raw", "python"]:
                    if base in rnd and name != base:
                        ratios.setdefault(f"{name}/{base}", []).append(
                            row["records_per_s"] / rnd[base]["records_per_s"])
        out["sizes"][str(size)] = {"runs": rows, "rate_ratios": ratios}
    return out


def run_tenants(tools: Tools, sim: Sim, n: int, entity: str, rate: str) -> dict:
    argv = [str(tools.tenants), "--credentials", str(sim.credentials), "--tenants", str(n),
            "--entity", entity, "--rate-limit", rate]
    out_path = tools.work / "tenants.json"
    code, wall, cpu, rss, err = measure(argv, dict(os.environ), 900, tools.work, stdout=out_path)
    if code != 0:
        raise RuntimeError(f"mdca-bench-tenants --tenants {n} failed ({code}): {err}")
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss, **json.loads(out_path.read_text())}


def section_scale(tools: Tools, cfg: dict, runs: int) -> dict:
    s = cfg["scale"]
    top = max(s["tenants"])
    entity = s["entity"]
    sim = Sim(tools, tenants=top, activities=10, files=10, **{entity: s["records"]},
              throttle_requests=s["requests"], throttle_window_ms=s["window_ms"])
    rate = f"{s['requests']}/{s['window_ms']}"
    out: dict = {"entity": entity, "records_per_tenant": s["records"], "rate_limit": rate, "rounds": []}
    try:
        for r in range(runs):
            rnd = {}
            for n in s["tenants"]:
                sim.fresh()
                rep = run_tenants(tools, sim, n, entity, rate)
                by = sim.route(f"{entity}.list")
                rep["requests_sent"] = sum(by.values())
                rep["throttled"] = by.get(429, 0)
                rep["records_per_s"] = rep["records"] / rep["seconds"]
                rnd[str(n)] = rep
                log(f"scale run {r + 1} tenants={n}: {rep['records']} records in {rep['seconds']:.2f}s "
                    f"({rep['records_per_s']:,.0f}/s) 429={rep['throttled']}")
            single = rnd[str(min(s["tenants"]))]["records_per_s"] / min(s["tenants"])
            for n in s["tenants"]:
                rnd[str(n)]["scaling"] = rnd[str(n)]["records_per_s"] / (n * single)
            out["rounds"].append(rnd)
    finally:
        sim.stop()
    return out


def run_pwsh(tools: Tools, sim: Sim, mode: str, entity: str, rate_limit: int = 0, timeout: float = 3600) -> Run:
    """One pull in pwsh by bench/powershell/pull.ps1: `module` (the cmdlets) or `loop` (Invoke-RestMethod)."""
    env = dict(os.environ, MDCA_URL=sim.url, MDCA_TOKEN=sim.token)
    env.pop("MDCA_NATIVE_LIBRARY", None)
    argv = [tools.pwsh, "-NoProfile", "-NonInteractive", "-File", str(BENCH / "powershell" / "pull.ps1"),
            "-Mode", mode, "-Entity", entity, "-RateLimit", str(rate_limit)]
    if mode == "module":
        argv += ["-Module", str(tools.module)]
    code, wall, cpu, rss, err = measure(argv, env, timeout, tools.work)
    name = "ps-module" if mode == "module" else "ps-loop"
    return Run(name, code == 0, code, wall, cpu, rss, last_json(err), err[-2000:])


def import_time(tools: Tools) -> float:
    """Seconds `Import-Module` of the assembled module takes in a fresh pwsh (measured inside pwsh)."""
    script = (f"$t = Measure-Command {{ Import-Module '{tools.module}' }}; "
              "[Console]::Error.WriteLine(([ordered]@{ seconds = $t.TotalSeconds } | ConvertTo-Json -Compress))")
    proc = subprocess.run([tools.pwsh, "-NoProfile", "-NonInteractive", "-Command", script],
                          capture_output=True, text=True, timeout=300)
    report = last_json(proc.stderr)
    if proc.returncode != 0 or "seconds" not in report:
        raise RuntimeError(f"Import-Module failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return report["seconds"]


def listed(sim: Sim, entity: str) -> int:
    """How many records a full list of `entity` returns (deleted files are not listed), by ground truth."""
    now = sim.control("clock")["now_ms"]
    truth = sim.control("ground_truth", {"tenant": 0, "entity": entity, "filters": {}, "from_ms": now,
                                         "to_ms": now})
    return len(truth["stable"])


def section_powershell(tools: Tools, cfg: dict, runs: int) -> dict:
    p = cfg["powershell"]
    out: dict = {"import_s": [], "pulls": [], "throttled": {}}
    for _ in range(p["import_runs"]):
        out["import_s"].append(import_time(tools))
        log(f"powershell Import-Module: {out['import_s'][-1]:.3f}s")

    def pull(sim: Sim, mode: str, entity: str, size: int, round_: int) -> dict:
        sim.fresh()
        run = run_pwsh(tools, sim, mode, entity)
        records = run.report.get("records")
        if not run.ok or records != listed(sim, entity):
            raise RuntimeError(f"pwsh {mode} {entity} at {size}: exit {run.exit}, records {records}:\n{run.stderr}")
        by = sim.route(f"{entity}.list")
        row = {**run.to_json(), "entity": entity, "size": size, "run": round_, "records": records,
               "requests_sent": sum(by.values()), "throttled": by.get(429, 0),
               "records_per_s": records / run.wall, "cpu_s_per_100k": run.cpu / records * 100_000}
        log(f"powershell {entity} {size:,} run {round_ + 1} {mode}: {run.wall:.2f}s "
            f"({row['records_per_s']:,.0f}/s) cpu {run.cpu:.2f}s rss {run.rss_mib:.0f} MiB")
        return row

    plan = [("activities", n) for n in p["activities"]] + [("files", n) for n in p["files"]]
    for entity, size in plan:
        sim = Sim(tools, activities=size if entity == "activities" else 10,
                  files=size if entity == "files" else 10, throttle_requests=0)
        try:
            # The largest sizes run once: 1M activities take minutes in pwsh alone.
            for r in range(runs if size <= p["loop_max"] else 1):
                for mode in ["module", "loop"]:
                    if mode == "loop" and size > p["loop_max"]:
                        continue
                    out["pulls"].append(pull(sim, mode, entity, size, r))
        finally:
            sim.stop()

    # Throttled: the simulator allows `requests` per real minute, the session paces at the same.
    t = p["throttle"]
    sim = Sim(tools, files=t["files"], activities=10, throttle_requests=t["requests"],
              throttle_window_ms=60_000)
    try:
        sim.fresh()
        run = run_pwsh(tools, sim, "module", "files", rate_limit=t["requests"])
        by = sim.route("files.list")
        sent = sum(by.values())
        floor = sent * 60 / t["requests"]
        out["throttled"] = {**run.to_json(), "entity": "files", "records": run.report.get("records"),
                            "requests_per_minute": t["requests"], "requests_sent": sent,
                            "throttled": by.get(429, 0), "floor_s": floor,
                            "strict_floor_s": (-(-sent // t["requests"]) - 1) * 60.0,
                            "wall_over_floor": run.wall / floor if sent else None}
        log(f"powershell throttled files: ok={run.ok} {run.wall:.2f}s records={run.report.get('records')} "
            f"sent={sent} 429={by.get(429, 0)}" + ("" if run.ok else f" stderr: {run.stderr.strip()[-300:]}"))
        if not run.ok:
            raise RuntimeError(f"throttled Get-MdcaFile failed:\n{run.stderr}")
    finally:
        sim.stop()
    return out


def ids_of(path: Path) -> list[str]:
    """The top-level `_id` of every NDJSON line the CLI wrote (the first `"_id":"…"` of the line, checked
    against a full parse on the first 1000 lines)."""
    ids = []
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            start = line.find(b'"_id":"')
            if start < 0:
                raise RuntimeError(f"line {i + 1} of the pull has no _id: {line[:200]!r}")
            start += 7
            rid = line[start:line.index(b'"', start)].decode()
            if i < 1000 and json.loads(line)["_id"] != rid:
                raise RuntimeError(f"line {i + 1}: the first _id is not the record's own")
            ids.append(rid)
    return ids


def section_live(tools: Tools, cfg: dict) -> dict:
    """The CLI pulls every activity and every file while the simulator's tenant changes (live mode), then
    the pull is checked against the simulator's ground truth over the pull's own interval."""
    lv = cfg["live"]
    requests, window_ms = lv["requests"], lv["window_ms"]
    rate = f"{requests}/{window_ms // 1000}"
    sim = Sim(tools, files=lv["files"], activities=lv["activities"], throttle_requests=requests,
              throttle_window_ms=window_ms, live=lv["rate"], clock_speed=lv["clock_speed"])
    out: dict = {"rate": lv["rate"], "clock_speed": lv["clock_speed"], "requests": requests,
                 "window_ms": window_ms, "rate_limit": rate, "entities": {}}
    try:
        for entity, page in [("activities", lv["activities_page"]), ("files", None)]:
            sim.fresh()
            env = dict(os.environ, MDCA_URL=sim.url, MDCA_TOKEN=sim.token)
            argv = [str(tools.cli), "-v", "--no-progress", "--rate-limit", rate, entity, "--all"]
            if page:
                argv += ["--page-size", str(page)]
            ndjson = tools.work / f"live-{entity}.ndjson"
            before = sim.control("clock")
            code, wall, cpu, rss, err = measure(argv, env, 3600, tools.work, stdout=ndjson)
            after = sim.control("clock")
            if code != 0:
                raise RuntimeError(f"live {entity}: the CLI failed ({code}):\n{err[-2000:]}")
            truth = sim.control("ground_truth", {"tenant": 0, "entity": entity, "filters": {},
                                                 "from_ms": before["now_ms"], "to_ms": after["now_ms"]})
            ids = ids_of(ndjson)
            ndjson.unlink()
            seen = set(ids)
            stable, ever = set(truth["stable"]), set(truth["ever"])
            missing = stable - seen
            outside = seen - ever
            twice = len(ids) - len(seen)
            by = sim.route(f"{entity}.list")
            sent = sum(by.values())
            floor = sent * window_ms / 1000 / requests
            summary_line = cli_summary(err)
            row = {"ok": not missing and not outside and twice == 0, "records": len(ids),
                   "stable": len(stable), "ever": len(ever), "missing_stable": len(missing),
                   "outside_ever": len(outside), "duplicates": twice,
                   "examples": {"missing": sorted(missing)[:5], "outside": sorted(outside)[:5]},
                   "wall_s": round(wall, 4), "cpu_s": round(cpu, 4), "peak_rss_mib": round(rss, 1),
                   "requests_sent": sent, "throttled": by.get(429, 0), "floor_s": floor,
                   "strict_floor_s": (-(-sent // requests) - 1) * window_ms / 1000,
                   "wall_over_floor": wall / floor if sent else None,
                   "clock_from_ms": before["now_ms"], "clock_to_ms": after["now_ms"],
                   "mutations": after.get("mutations", 0) - before.get("mutations", 0), "report": summary_line}
            out["entities"][entity] = row
            log(f"live {entity}: {len(ids):,} records in {wall:.2f}s, {row['mutations']} mutations meanwhile; "
                f"stable {len(stable):,} missing {len(missing)}, outside ever {len(outside)}, twice {twice}; "
                f"sent {sent} 429={by.get(429, 0)}")
    finally:
        sim.stop()
    return out


# ------------------------------------------------------------------------------------------- report


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(), "memory_gib": mem_gib,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def targets(results: dict, cfg: dict) -> list[dict]:
    rows = []
    thr = results.get("throttle")
    if thr:
        for entity, by in thr["entities"].items():
            cli = by.get("cli", [])
            if cli:
                wf = summary([r["wall_over_floor"] for r in cli])
                rows.append({"target": f"throttled {entity}: wall ≤ 1.03 × floor", "measured": fmt(wf, 3),
                             "met": all(r["ok"] for r in cli) and wf["max"] is not None and wf["max"] <= 1.03})
                t429 = sum(r["throttled"] for r in cli)
                rows.append({"target": f"throttled {entity}: 0 client-caused 429s", "measured": str(t429),
                             "met": t429 == 0})
                rm = summary([r["requests_over_minimum"] for r in cli])
                rows.append({"target": f"throttled {entity}: requests = minimum", "measured": fmt(rm, 3),
                             "met": rm["max"] is not None and abs(rm["max"] - 1) < 1e-9})
    ovh = results.get("overhead")
    if ovh:
        largest = str(max(int(k) for k in ovh["sizes"]))
        ref = str(cfg["overhead_table_size"])
        for name in ["cli", "c"]:
            for base, bound in [("raw", 0.8), ("python", 3.0)]:
                ratio = summary(ovh["sizes"][ref]["rate_ratios"].get(f"{name}/{base}", []))
                if ratio["n"]:
                    rows.append({"target": f"{LABEL[name]} rate ≥ {bound} × {LABEL[base]} ({int(ref):,} records)",
                                 "measured": fmt(ratio, 2), "met": ratio["median"] >= bound})
            rss = summary([r["peak_rss_mib"] for r in ovh["sizes"][largest]["runs"].get(name, [])])
            if rss["n"]:
                rows.append({"target": f"{LABEL[name]} peak RSS ≤ 64 MiB at {int(largest):,} records",
                             "measured": fmt(rss, 1, " MiB"), "met": rss["max"] <= 64})
    sc = results.get("scale")
    if sc:
        top = str(max(cfg["scale"]["tenants"]))
        scaling = summary([rnd[top]["scaling"] for rnd in sc["rounds"]])
        rows.append({"target": f"scaling ≥ 0.9 at {top} tenants", "measured": fmt(scaling, 3),
                     "met": scaling["median"] >= 0.9})
    ps = results.get("powershell")
    if ps:
        imp = summary(ps["import_s"])
        rows.append({"target": "Import-Module < 0.3 s", "measured": fmt(imp, 3, " s"), "met": imp["max"] < 0.3})
        for entity, size, ratio in ps_ratios(ps):
            rows.append({"target": f"PowerShell module rate ≥ 10 × the Invoke-RestMethod loop ({entity}, {size:,})",
                         "measured": fmt(ratio, 1), "met": ratio["median"] >= 10})
        for entity, small, large, growth in ps_memory_growth(ps):
            rows.append({"target": f"PowerShell module memory flat ({entity}: peak RSS at {large:,} ≤ "
                                   f"{cfg['powershell']['flat_rss']} × at {small:,})",
                         "measured": f"{growth:.2f} ×", "met": growth <= cfg["powershell"]["flat_rss"]})
        thr = ps.get("throttled") or {}
        if thr:
            rows.append({"target": "PowerShell throttled: 0 client-caused 429s", "measured": str(thr["throttled"]),
                         "met": thr["ok"] and thr["throttled"] == 0})
    if ovh:
        ref = str(cfg["overhead_table_size"])
        cs = ovh["sizes"][ref]["runs"].get("csharp", [])
        if cs:
            cpu = summary([r["cpu_s_per_100k"] for r in cs])
            rss = summary([r["peak_rss_mib"] for r in cs])
            rows.append({"target": f"C# binding ≤ 2.5 CPU s per 100k activities ({int(ref):,})",
                         "measured": fmt(cpu, 2, " s"), "met": cpu["median"] <= 2.5})
            rows.append({"target": f"C# binding peak RSS ≤ 120 MiB ({int(ref):,} activities)",
                         "measured": fmt(rss, 1, " MiB"), "met": rss["max"] <= 120})
    lv = results.get("live")
    if lv:
        for entity, row in lv["entities"].items():
            rows.append({"target": f"live {entity}: exactly once against ground truth",
                         "measured": f"{row['missing_stable']} missing, {row['outside_ever']} outside, "
                                     f"{row['duplicates']} twice", "met": row["ok"]})
    return rows


def ps_memory_growth(ps: dict) -> list[tuple[str, int, int, float]]:
    """Per entity pulled by the module at two sizes or more: the smallest and largest size and the ratio of
    the module's highest peak RSS at the largest to its lowest at the smallest (the harshest reading)."""
    out = []
    sizes: dict[str, dict[int, list[float]]] = {}
    for r in ps["pulls"]:
        if r["contender"] == "ps-module":
            sizes.setdefault(r["entity"], {}).setdefault(r["size"], []).append(r["peak_rss_mib"])
    for entity, by in sizes.items():
        if len(by) >= 2:
            small, large = min(by), max(by)
            out.append((entity, small, large, max(by[large]) / min(by[small])))
    return out


def ps_ratios(ps: dict) -> list[tuple[str, int, dict]]:
    """module ÷ loop records/s, per (entity, size) where both ran, each ratio within one run."""
    out = []
    keys = list(dict.fromkeys((r["entity"], r["size"]) for r in ps["pulls"]))
    for entity, size in keys:
        by_run: dict[int, dict] = {}
        for r in ps["pulls"]:
            if (r["entity"], r["size"]) == (entity, size):
                by_run.setdefault(r["run"], {})[r["contender"]] = r
        ratios = [d["ps-module"]["records_per_s"] / d["ps-loop"]["records_per_s"]
                  for d in by_run.values() if "ps-module" in d and "ps-loop" in d]
        if ratios:
            out.append((entity, size, summary(ratios)))
    return out


def powershell_markdown(results: dict, cfg: dict) -> list[str]:
    ps = results["powershell"]
    lines = [
        "## 5. PowerShell: the module against the hand-written Invoke-RestMethod loop (same pwsh, throttle off)",
        "",
        f"`Import-Module` of the assembled module (fresh pwsh, measured inside it): "
        f"{fmt(summary(ps['import_s']), 3, ' s')} over {len(ps['import_s'])} imports.",
        "",
        "| entity | records | contender | records/s | CPU s | CPU s per 100k | peak RSS MiB |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    groups: dict[tuple, list] = {}
    for r in ps["pulls"]:
        groups.setdefault((r["entity"], r["size"], r["contender"]), []).append(r)
    for (entity, size, name), rows in groups.items():
        lines.append(f"| {entity} | {size:,} | {LABEL[name]} | {fmt(summary([r['records_per_s'] for r in rows]), 0)} | "
                     f"{fmt(summary([r['cpu_s'] for r in rows]), 2)} | "
                     f"{fmt(summary([r['cpu_s_per_100k'] for r in rows]), 2)} | "
                     f"{fmt(summary([r['peak_rss_mib'] for r in rows]), 1)} |")
    lines.append("")
    for entity, size, ratio in ps_ratios(ps):
        lines.append(f"- module ÷ loop, {entity} at {size:,}: **{fmt(ratio, 1)} ×** (target ≥ 10 ×)")
    ovh = results.get("overhead")
    if ovh:
        ref = str(cfg["overhead_table_size"])
        data = ovh["sizes"][ref]["runs"]
        for name in ["csharp", "cli"]:
            if data.get(name):
                lines.append(f"- {LABEL[name]} at {int(ref):,} activities (section 2): "
                             f"{fmt(summary([r['cpu_s_per_100k'] for r in data[name]]), 2)} CPU s per 100k, "
                             f"peak RSS {fmt(summary([r['peak_rss_mib'] for r in data[name]]), 1)} MiB"
                             + (" (targets ≤ 2.5 s, ≤ 120 MiB)" if name == "csharp" else ""))
    thr = ps.get("throttled")
    if thr:
        lines.append(f"- throttled: `Get-MdcaFile -All`, {thr['records']} files, simulator and `Connect-Mdca "
                     f"-RateLimit` at {thr['requests_per_minute']} requests per real minute: {thr['wall_s']:.1f} s, "
                     f"{thr['requests_sent']} requests, wall ÷ floor {thr['wall_over_floor']:.3f} "
                     f"(strict floor {thr['strict_floor_s']:.0f} s), **{thr['throttled']} × 429**")
    lines.append("")
    return lines


def live_markdown(lv: dict) -> list[str]:
    lines = [
        f"## 6. Live tenant: the CLI pulls while the tenant changes ({lv['rate']:g} mutations per second, clock "
        f"× {lv['clock_speed']:g}; simulator {lv['requests']} requests per {lv['window_ms'] / 1000:g} s, CLI "
        f"paced at {lv['rate_limit']})",
        "",
        "Checked against the simulator's ground truth over the pull's clock interval: every *stable* id "
        "(matched at every instant) present, nothing outside *ever* (matched at some instant), no id twice. "
        "Floor = requests sent ÷ the throttle's rate.",
        "",
        "| entity | records | mutations meanwhile | stable | missing | outside ever | twice | wall s | "
        "wall ÷ floor | wall ÷ strict floor | requests | 429s | exactly once |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for entity, r in lv["entities"].items():
        strict = f"{r['wall_s'] / r['strict_floor_s']:.3f}" if r["strict_floor_s"] else "—"
        lines.append(f"| {entity} | {r['records']:,} | {r['mutations']:,} | {r['stable']:,} | "
                     f"{r['missing_stable']} | {r['outside_ever']} | {r['duplicates']} | {r['wall_s']:.2f} | "
                     f"{r['wall_over_floor']:.3f} | {strict} | {r['requests_sent']} | {r['throttled']} | "
                     f"{'yes' if r['ok'] else '**no**'} |")
    lines.append("")
    return lines


def not_run(ovh: dict, name: str, sizes: list[int], size: int) -> str:
    """A cell for a size a contender skipped: what its largest measured sizes predict."""
    have = [(s, ovh["sizes"][str(s)]["runs"][name]) for s in sizes
            if s < size and ovh["sizes"][str(s)]["runs"].get(name)]
    if not have:
        return "—"
    s1, rows = have[-1]
    minutes = size / statistics.median(r["records_per_s"] for r in rows) / 60
    if name != "python" or len(have) < 2:
        return f"not run (≈ {minutes:,.0f} min at its {s1:,} rate)"
    s0, rows0 = have[-2]
    r0 = statistics.median(r["peak_rss_mib"] for r in rows0)
    r1 = statistics.median(r["peak_rss_mib"] for r in rows)
    estimate = r1 + (r1 - r0) / (s1 - s0) * (size - s1)
    return f"not run (≈ {estimate / 1024:,.0f} GiB by linear growth)"


def summary_table(results: dict, cfg: dict) -> list[str]:
    """One table of the headline figures per contender, for the project README."""
    cols = ["cli", "c", "csharp", "python", "raw"]
    rows: list[tuple[str, dict]] = []
    thr = results.get("throttle")
    if thr:
        for entity in thr["entities"]:
            by = thr["entities"][entity]
            cells = {}
            for name in cols:
                key = "python-sleep" if name == "python" else name
                ok = [r for r in by.get(key, []) if r["ok"]]
                if ok:
                    cells[name] = (f"{fmt(summary([r['wall_over_floor'] for r in ok]), 2)}, "
                                   f"{sum(r['throttled'] for r in ok)} × 429")
            rows.append((f"throttled {entity}: wall ÷ floor, 429s (all runs)", cells))
    ovh = results.get("overhead")
    if ovh:
        ref = str(cfg["overhead_table_size"])
        largest = str(max(int(k) for k in ovh["sizes"]))
        data = ovh["sizes"][ref]["runs"]
        rows.append((f"records/s, {int(ref):,} activities, no throttle",
                     {n: fmt(summary([r["records_per_s"] for r in data[n]]), 0) for n in cols if data.get(n)}))
        rows.append((f"CPU s per 100k records",
                     {n: fmt(summary([r["cpu_s_per_100k"] for r in data[n]]), 1) for n in cols if data.get(n)}))
        for size in [ref, largest] if ref != largest else [ref]:
            d = ovh["sizes"][size]["runs"]
            rows.append((f"peak RSS MiB, {int(size):,} activities",
                         {n: fmt(summary([r["peak_rss_mib"] for r in d[n]]), 0) for n in cols if d.get(n)}))
    sc = results.get("scale")
    if sc:
        top = str(max(cfg["scale"]["tenants"]))
        rows.append((f"scaling at {top} tenants (one process)",
                     {"cli": fmt(summary([rnd[top]["scaling"] for rnd in sc["rounds"]]), 2) + " (library)"}))
    if not rows:
        return []
    head = ["mdca CLI", "C (ABI)", "C# (.NET 10)", "hand-written Python¹", "raw reader²"]
    out = ["## Summary", "", "| | " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(head)]
    for label, cells in rows:
        out.append(f"| {label} | " + " | ".join(cells.get(n, "") for n in cols) + " |")
    out += ["", "¹ throttled rows: its variant that sleeps a fixed time on a 429 (the plain loop stops at the "
            "first 429). ² downloads pages without parsing them: the simulator's serving limit.", ""]
    return out


def markdown(results: dict, cfg: dict) -> str:
    m = results["machine"]
    lines = [
        f"# mdca benchmarks — {results['date']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}. "
        f"Mode: {results['mode']}, {cfg['runs']} runs per figure. Command: `{results['command']}`: "
        f"{results['elapsed_s'] / 60:.1f} min in all (build and preparation {results['build_s'] / 60:.1f} min; "
        + ", ".join(f"{k} {v / 60:.1f} min" for k, v in results["section_s"].items()) + ").",
        "",
        "Figures are median (min–max) over the runs; ratios are taken within one run, then summarised.",
        "",
    ]
    lines += summary_table(results, cfg)
    thr = results.get("throttle")
    if thr:
        lines += [
            f"## 1. Throttle efficiency (simulator {thr['requests']} requests per {thr['window_ms'] / 1000:g} s "
            f"per tenant; clients paced at {thr['rate_limit']})",
            "",
            f"Minimum = the requests the raw reader needs for the same pull ({thr['minimum_requests']}); floor = "
            f"minimum ÷ the throttle's rate (the issue's ceil(N/100)/30 minutes, compressed); strict floor = "
            f"(⌈minimum ÷ {thr['requests']}⌉ − 1) windows, when the last request may leave at the earliest. "
            f"Activities use scan pages of {cfg['throttle']['activities_page']}.",
            "",
            "| entity | contender | records | wall s | wall ÷ floor | wall ÷ strict floor | requests ÷ minimum | 429s |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for entity, by in thr["entities"].items():
            for name, rows in by.items():
                if not rows:
                    continue
                ok = [r for r in rows if r["ok"]]
                if not ok:
                    r = rows[0]
                    lines.append(f"| {entity} | {LABEL[name]} | {r['report'].get('records', '?')} (failed) | "
                                 f"{r['wall_s']:.2f} | stopped by HTTP {r['report'].get('error', r['exit'])} "
                                 f"after {r['requests_sent']} requests | | | {r['throttled']} |")
                    continue
                strict = [r["wall_s"] / ((-(-r["minimum_requests"] // thr["requests"]) - 1)
                                         * thr["window_ms"] / 1000)
                          for r in ok if r["minimum_requests"] > thr["requests"]]
                lines.append(
                    f"| {entity} | {LABEL[name]} | {ok[0]['report'].get('records')} | "
                    f"{fmt(summary([r['wall_s'] for r in ok]))} | {fmt(summary([r['wall_over_floor'] for r in ok]), 3)} | "
                    f"{fmt(summary(strict), 3)} | {fmt(summary([r['requests_over_minimum'] for r in ok]), 3)} | "
                    f"{fmt(summary([r['throttled'] for r in ok]), 0)} |")
        lines.append("")
    ovh = results.get("overhead")
    if ovh:
        sizes = sorted(int(k) for k in ovh["sizes"])
        ref = str(cfg["overhead_table_size"])
        data = ovh["sizes"][ref]
        lines += [
            f"## 2. Client overhead, throttle off ({int(ref):,} activities, scan pages of 5000)",
            "",
            "| contender | records/s | CPU s per 100k records | ÷ raw reader | ÷ hand-written loop |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name, rows in data["runs"].items():
            lines.append(
                f"| {LABEL[name]} | {fmt(summary([r['records_per_s'] for r in rows]), 0)} | "
                f"{fmt(summary([r['cpu_s_per_100k'] for r in rows]), 2)} | "
                f"{fmt(summary(data['rate_ratios'].get(f'{name}/raw', [])), 2) if name != 'raw' else '1'} | "
                f"{fmt(summary(data['rate_ratios'].get(f'{name}/python', [])), 2) if name != 'python' else '1'} |")
        lines += [
            "",
            "## 3. Peak RSS (MiB) by activity records pulled",
            "",
            "| contender | " + " | ".join(f"{s:,}" for s in sizes) + " |",
            "| --- | " + " | ".join("---:" for _ in sizes) + " |",
        ]
        names = list(dict.fromkeys(n for sz in sizes for n in ovh["sizes"][str(sz)]["runs"]))
        for name in names:
            cells = []
            for s in sizes:
                rows = ovh["sizes"][str(s)]["runs"].get(name, [])
                if rows:
                    cells.append(fmt(summary([r["peak_rss_mib"] for r in rows]), 1))
                else:
                    cells.append(not_run(ovh, name, sizes, s))
            lines.append(f"| {LABEL[name]} | " + " | ".join(cells) + " |")
        lines += ["", "Records/s at every size:", "",
                  "| contender | " + " | ".join(f"{s:,}" for s in sizes) + " |",
                  "| --- | " + " | ".join("---:" for _ in sizes) + " |"]
        for name in names:
            cells = [fmt(summary([r["records_per_s"] for r in ovh["sizes"][str(s)]["runs"][name]]), 0)
                     if ovh["sizes"][str(s)]["runs"].get(name) else "—" for s in sizes]
            lines.append(f"| {LABEL[name]} | " + " | ".join(cells) + " |")
        lines.append("")
    sc = results.get("scale")
    if sc:
        lines += [
            f"## 4. Scale: tenants pulled at once from one process ({sc['records_per_tenant']:,} {sc['entity']} "
            f"each, every tenant throttled by the simulator and paced by its client at {sc['rate_limit']} ms)",
            "",
            "| tenants | records | aggregate records/s | scaling = aggregate ÷ (tenants × single) | 429s | peak RSS MiB |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for n in cfg["scale"]["tenants"]:
            rows = [rnd[str(n)] for rnd in sc["rounds"]]
            lines.append(
                f"| {n} | {rows[0]['records']:,} | {fmt(summary([r['records_per_s'] for r in rows]), 0)} | "
                f"{fmt(summary([r['scaling'] for r in rows]), 3)} | {fmt(summary([r['throttled'] for r in rows]), 0)} | "
                f"{fmt(summary([r['peak_rss_mib'] for r in rows]), 1)} |")
        lines.append("")
    ps = results.get("powershell")
    if ps:
        lines += powershell_markdown(results, cfg)
    lv = results.get("live")
    if lv:
        lines += live_markdown(lv)
    rows = results.get("targets", [])
    if rows:
        lines += ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
        for t in rows:
            lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description="mdca benchmarks against the simulator")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one run, debug build (CI)")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3, smoke 1)")
    parser.add_argument("--profile", choices=["release", "dev"], help="cargo profile (default release, smoke dev)")
    parser.add_argument("--target-dir", help="cargo target dir (default: $CARGO_TARGET_DIR, else target/ for "
                        "--smoke and target-bench/ for the full run)")
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--only", default="throttle,overhead,scale,powershell,live",
                        help="sections to run")
    parser.add_argument("--skip", default="", help="contenders to leave out (raw,cli,c,csharp,python,python-sleep)")
    parser.add_argument("--results", help="where to write latest.md/json (default bench/results; smoke: a temp dir)")
    args = parser.parse_args()

    cfg = dict(SMOKE if args.smoke else FULL)
    if args.runs:
        cfg["runs"] = args.runs
    args.profile = args.profile or ("dev" if args.smoke else "release")
    # Smoke runs share the debug build of the test run (target/); full runs keep their own release build.
    default_target = ROOT / ("target" if args.smoke else "target-bench")
    target_dir = Path(args.target_dir or os.environ.get("CARGO_TARGET_DIR") or default_target).resolve()
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    wanted = set(CONTENDERS + ["python-sleep"]) - {s.strip() for s in args.skip.split(",") if s.strip()}
    started = time.time()

    work = Path(tempfile.mkdtemp(prefix="mdca-bench-"))
    # A smoke run only proves the harness works: its tiny figures are printed, not kept.
    results_dir = Path(args.results) if args.results else (work / "results" if args.smoke else BENCH / "results")
    try:
        tools = Tools(build(args, target_dir), work)
        prepare(args, tools, wanted, sections)
        results: dict = {
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "mode": "smoke" if args.smoke else "full",
            "command": "python3 bench/run.py " + " ".join(sys.argv[1:]),
            "machine": machine(), "config": cfg, "profile": args.profile,
        }
        results["build_s"] = time.time() - started
        results["section_s"] = {}
        for name, run_section in [
            ("throttle", lambda: section_throttle(tools, cfg, cfg["runs"], wanted)),
            ("overhead", lambda: section_overhead(tools, cfg, cfg["runs"], wanted)),
            ("scale", lambda: section_scale(tools, cfg, cfg["runs"])),
            ("powershell", lambda: section_powershell(tools, cfg, cfg["runs"])),
            ("live", lambda: section_live(tools, cfg)),
        ]:
            if name in sections:
                t0 = time.time()
                results[name] = run_section()
                results["section_s"][name] = time.time() - t0
        results["elapsed_s"] = time.time() - started
        results["targets"] = targets(results, cfg)
        text = markdown(results, cfg)
        results_dir.mkdir(parents=True, exist_ok=True)
        (results_dir / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
        (results_dir / "latest.md").write_text(text + "\n")
        print(text)
        log(f"results in {results_dir} ({results['elapsed_s'] / 60:.1f} min)")
        failed = [
            f"{entity} {name}" for entity, by in results.get("throttle", {}).get("entities", {}).items()
            for name, rows in by.items() if name != "python" for r in rows if not r["ok"]
        ]
        # A live pull that is not exactly once fails the run, as a client-caused 429 does.
        failed += [f"live {entity} (not exactly once)" for entity, row in
                   results.get("live", {}).get("entities", {}).items() if not row["ok"]]
        failed += [f"live {entity} (429s)" for entity, row in
                   results.get("live", {}).get("entities", {}).items() if row["throttled"]]
        if results.get("powershell", {}).get("throttled", {}).get("throttled"):
            failed.append("throttled Get-MdcaFile (429s)")
        if failed:
            log("contenders failed: " + ", ".join(failed))
        code = 1 if failed else 0
    except BaseException:
        log(f"kept {work} for inspection (sim.log, stderr.txt)")
        raise
    shutil.rmtree(work, ignore_errors=True)
    return code

if __name__ == "__main__":
    sys.exit(main())
