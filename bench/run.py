#!/usr/bin/env python3
"""restsource benchmarks: one command, side by side with dlt and a hand-written loader.

    python3 bench/run.py                 # every scenario, 3 alternating runs each
    python3 bench/run.py --quick         # smaller data, 1 run: a smoke test of the harness
    python3 bench/run.py --scenarios a,d --runs 5
    python3 bench/run.py --shape seed    # inventory records with only the seed's fields

What it does (see bench/README.md):
  1. builds the mock API and the contenders in release mode;
  2. installs dlt[duckdb,parquet]==1.31.0 into bench/.venv if it is not there;
  3. per scenario, starts the mock API on loopback and runs every contender, alternating,
     under /usr/bin/time -v: wall time, rows/s, CPU seconds, peak RSS; prints medians and the
     ratios restsource/dlt and restsource/hand-written, and writes bench/out/results.md.
Scenarios:
  a  inventory seed, 6 resources x N records (default 20,000), merge, no latency (CPU-bound)
  b  the same with 50 ms latency per request; restsource with and without a spec rate limit
  c  a second run after 10% of the records changed (merge and incremental)
  d  one resource (items) with 20k, 200k and 1M records: memory must stay flat
  e  compile time: include_source! expansion and `cargo check` of a 50-resource spec, against
     a crate holding the same code written out (no macro)
  f  faults: restsource on the inventory seed fault-free and with 5% injected 429/5xx
     (Retry-After 1 s), alternating in one run: wall time, requests, retries
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
OUT = os.path.join(BENCH, "out")
VENV = os.path.join(BENCH, ".venv")
TARGET = os.path.join(ROOT, "target", "release")
RESOURCES = ["stock_summaries", "customers", "items", "stock_details", "inventory", "orders"]
RATE_LIMIT = 100  # requests/s, as in bench/specs/inventory_rate_limited.toml
ONLY = set()  # --contenders: run only these (empty: all)
SHAPE = "wide"  # --shape: record shape the mock serves (wide: 15 fields; seed: the spec's 5 + 2)
# --tables: `json` (declared columns plus one JSON column of the rest, the seed's `tables = "json"`)
# or `dlt` (dlt's normalized tables: flattened columns, `__tags` child tables, `_dlt_*` columns),
# the same tables dlt makes; every contender then counts the rows of every table it wrote.
TABLES = "json"


def sh(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def build():
    sh(["cargo", "build", "--release", "-p", "restsource-mock", "-p", "restsource-bench"], cwd=ROOT)


def ensure_dlt():
    py = os.path.join(VENV, "bin", "python")
    ok = os.path.exists(py) and subprocess.run(
        [py, "-c", "import dlt, duckdb, pyarrow; assert dlt.__version__ == '1.31.0'"],
        capture_output=True).returncode == 0
    if not ok:
        sh([sys.executable, "-m", "venv", VENV])
        sh([os.path.join(VENV, "bin", "pip"), "install", "-q", "dlt[duckdb,parquet]==1.31.0"])
    return py


class Mock:
    """The mock API binary on an ephemeral loopback port."""

    def __init__(self, records, latency_ms=0, shape="wide"):
        self.proc = subprocess.Popen(
            [os.path.join(TARGET, "restsource-mock"), "--records", str(records),
             "--latency-ms", str(latency_ms), "--shape", shape],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (\S+)", line)
        if not m:
            raise RuntimeError(f"mock did not start: {line!r}")
        self.url = m.group(1)

    def admin(self, method, path):
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")

    def post_json(self, path, body):
        req = urllib.request.Request(self.url + path, method="POST", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns wall, cpu seconds, peak RSS MiB, stdout."""
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=full_env)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    def field(name):
        m = re.search(rf"{re.escape(name)}: (.+)", p.stderr)
        return m.group(1).strip() if m else "0"
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(x) for x in wall.split(":")]
    wall_s = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss = int(field("Maximum resident set size (kbytes)")) / 1024
    return wall_s, cpu, rss, p.stdout


def contenders(mock, workdir, resources, py, dlt_variants=True, limited=False, ceiling_src=None):
    """Each contender: (name, command, env). Every command starts from an empty destination."""
    res = ",".join(resources)
    rs_env = {"API_KEY": "test-key", "NO_COLOR": "1"}
    rs_tables = ["--tables", TABLES]
    out = [
        ("restsource", [os.path.join(TARGET, "rs_inventory"), "--base-url", mock.url,
                        "--destination", f"sqlite:{workdir}/rs.db"] + rs_tables + resources, rs_env),
        # The same spec beside the tables `restsource infer` wrote from the mock's wide records
        # (`specs/inventory_typed.tables.json`): every field typed at compile time, as the
        # hand-written loader's structs are.
        ("restsource+typed", [os.path.join(TARGET, "rs_inventory_typed"), "--base-url", mock.url,
                              "--destination", f"sqlite:{workdir}/rst.db"] + rs_tables + resources,
         rs_env),
        ("hand-written", [os.path.join(TARGET, "handwritten"), "--base-url", mock.url,
                          "--db", f"{workdir}/hw.db", "--resources", res]
         + (["--relational"] if TABLES == "dlt" else []), {}),
    ]
    if limited:
        out.append(("restsource+limit", [os.path.join(TARGET, "rs_inventory_limited"), "--base-url",
                                          mock.url, "--destination", f"sqlite:{workdir}/rsl.db"]
                    + rs_tables + resources, rs_env))
    if ceiling_src:
        # Not a loader: SQLite alone taking the rows restsource loaded (see sqlite_ceiling.rs).
        out.append((CEILING, [os.path.join(TARGET, "sqlite_ceiling"), "--source", ceiling_src,
                            "--db", f"{workdir}/ceiling.db", "--tables", res], {}))
    if dlt_variants:
        script = os.path.join(BENCH, "dlt_inventory.py")
        out.append(("dlt", [py, script, "--base-url", mock.url, "--workdir", f"{workdir}/dlt",
                            "--resources", res], {}))
        out.append(("dlt+parquet", [py, script, "--base-url", mock.url, "--workdir",
                                    f"{workdir}/dltp", "--parquet", "--resources", res], {}))
    return [c for c in out if not ONLY or c[0] in ONLY]


def fresh(workdir):
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)


def measure(scenario, records, runs, py, latency_ms=0, resources=RESOURCES, dlt_variants=True,
            limited=False, second_run=False, ceiling=False):
    """Alternating runs of every contender; returns {name: [(wall, cpu, rss, rows)]}."""
    results = {}
    tables_seen = {}  # dlt mode: the first contender's rows per table, which all must equal
    mock = Mock(records, latency_ms, SHAPE)
    try:
        ceiling_src = None
        if ceiling and TABLES == "json" and (not ONLY or CEILING in ONLY):
            # The rows the ceiling writes: one untimed restsource load.
            fresh(f"{OUT}/ceiling")
            ceiling_src = f"{OUT}/ceiling/source.db"
            subprocess.run([os.path.join(TARGET, "rs_inventory"), "--base-url", mock.url,
                            "--destination", f"sqlite:{ceiling_src}"] + resources,
                           env=dict(os.environ, API_KEY="test-key"), check=True, capture_output=True)
        for i in range(runs):
            for name, cmd, env in contenders(mock, f"{OUT}/work", resources, py, dlt_variants, limited,
                                             ceiling_src):
                fresh(f"{OUT}/work")
                mock.admin("POST", "/_admin/reset")
                if second_run:
                    timed(cmd, env)  # first load, not measured
                    mock.admin("POST", "/_admin/mutate?percent=10")
                stats_before = mock.admin("GET", "/_admin/stats")
                wall, cpu, rss, stdout = timed(cmd, env)
                if name == CEILING:
                    # Only the writing is timed; reading the source rows is not.
                    wall = float(re.search(r"seconds=([\d.]+)", stdout).group(1))
                    cpu = float(re.search(r"cpu=([\d.]+)", stdout).group(1))
                stats = mock.admin("GET", "/_admin/stats")
                rows = rows_of(stdout)
                if TABLES == "dlt" and name != CEILING:
                    # SQLite contenders are counted in their database, dlt by its own report.
                    db = SQLITE_DB.get(name)
                    counts = sqlite_counts(f"{OUT}/work/{db}") if db else table_counts(stdout)
                    rows = sum(counts.values())
                    first = tables_seen.setdefault("counts", (name, counts))
                    if first[1] != counts:
                        raise RuntimeError(f"unequal work: {first[0]} wrote {first[1]}, {name} {counts}")
                peak_rps = stats.get("max_requests_per_second")
                results.setdefault(name, []).append((wall, cpu, rss, rows, peak_rps))
                print(f"  [{scenario}] run {i + 1} {name:<18} wall {wall:7.2f}s  cpu {cpu:7.2f}s  "
                      f"rss {rss:7.1f} MiB  rows {rows}  peak {peak_rps} req/s "
                      f"(requests {stats['requests'] - stats_before['requests']})", flush=True)
    finally:
        mock.stop()
    return results


CEILING = "sqlite ceiling"
# The database file each SQLite contender writes in the work directory.
SQLITE_DB = {"restsource": "rs.db", "restsource+typed": "rst.db", "hand-written": "hw.db",
             "restsource+limit": "rsl.db"}


def sqlite_counts(path):
    """Rows per data table of a SQLite file (bookkeeping tables, `_rs_*`/`_dlt_*`/`_hw_*`, left
    out), as dlt's report counts them."""
    import sqlite3
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}
    finally:
        conn.close()


def rows_of(stdout):
    """Rows a contender wrote: the root tables' in `json` mode, every table's in `dlt` mode."""
    if TABLES == "dlt":
        return sum(table_counts(stdout).values())
    m = re.search(r"rows=(\d+)", stdout)
    if m:
        return int(m.group(1))
    return sum(table_counts(stdout).values())


def table_counts(stdout):
    """Rows per table: `tables={json}` (dlt, hand-written) or restsource's report, one line per
    table (`<table>  <rows>`, child tables `<resource>__<list>`)."""
    m = re.search(r"tables=(\{.*\})", stdout)
    if m:
        return json.loads(m.group(1))
    counts = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and (
                parts[0] in RESOURCES or parts[0].split("__")[0] in RESOURCES):
            counts[parts[0]] = int(parts[1])
    return counts


def summarize(scenario, title, results, lines):
    lines.append(f"\n### ({scenario}) {title}, {SHAPE} records, {TABLES} tables\n")
    lines.append("| contender | wall s | rows/s | CPU s | peak RSS MiB | rows | peak req/s |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    med = {}
    for name, rs in results.items():
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        rss = statistics.median(r[2] for r in rs)
        rows = rs[-1][3]
        peak = max((r[4] or 0) for r in rs)
        med[name] = (wall, cpu, rss, rows)
        lines.append(f"| {name} | {wall:.2f} | {rows / wall:,.0f} | {cpu:.2f} | {rss:.1f} | {rows:,} | {peak} |")
    if "restsource" in med:
        w, _, r, rows = med["restsource"]
        for other in ("hand-written", CEILING, "dlt", "dlt+parquet"):
            if other in med:
                ow, _, orss, orows = med[other]
                lines.append(f"\nrestsource/{other}: rows/s x{(rows / w) / (orows / ow):.2f}, "
                             f"wall x{w / ow:.3f}, peak RSS x{r / orss:.2f}")
    if CEILING in med:
        fw, _, _, frows = med[CEILING]
        for other in ("dlt", "dlt+parquet"):
            if other in med:
                ow, _, _, orows = med[other]
                lines.append(f"\n{CEILING}/{other}: rows/s x{(frows / fw) / (orows / ow):.1f} "
                             "(no SQLite loader can exceed this ratio)")
    print("\n".join(lines[-(len(med) + 10):]), flush=True)


# Scenario f: 5% of API requests fail, drawn uniformly from 429 (Retry-After: 1) and the
# four 5xx; a request fails at most 3 times in a row, so the seed's policy (3 retries,
# backoff factor 2: waits of 2, 4 and 8 s) always finishes. The mock decides by hashing the
# request and its attempt number, so every run meets the same faults.
FAULT_RATE = 0.05
FAULT_PLAN = {
    "failure_rate": FAULT_RATE,
    "kinds": ["too_many_requests", "internal_server_error", "bad_gateway",
              "service_unavailable", "gateway_timeout"],
    "retry_after": {"seconds": 1},
    "max_consecutive_failures": 3,
}
# The longest wait sequence the seed's policy forces on one request: 2 + 4 + 8 s.
LONGEST_RETRY_WAITS = 2 + 4 + 8


def report_figure(stdout, name):
    """A figure of restsource's run report (`<name>  <n>`)."""
    m = re.search(rf"^{name}\s+(\d+)\s*$", stdout, re.M)
    return int(m.group(1)) if m else None


def faults(records, runs, lines):
    """restsource fault-free and with FAULT_PLAN, alternating, on one mock API."""
    variants = [("fault-free", None), (f"{FAULT_RATE:.0%} faults", FAULT_PLAN)]
    results = {name: [] for name, _ in variants}
    mock = Mock(records, 0, SHAPE)
    workdir = f"{OUT}/work"
    try:
        for i in range(runs):
            for name, plan in variants:
                fresh(workdir)
                mock.admin("POST", "/_admin/reset")
                if plan:
                    mock.post_json("/_admin/faults", plan)
                before = mock.admin("GET", "/_admin/stats")
                cmd = [os.path.join(TARGET, "rs_inventory"), "--base-url", mock.url,
                       "--destination", f"sqlite:{workdir}/rs.db"] + RESOURCES
                wall, cpu, rss, stdout = timed(cmd, {"API_KEY": "test-key", "NO_COLOR": "1"})
                after = mock.admin("GET", "/_admin/stats")
                run = {
                    "wall": wall, "cpu": cpu, "rows": rows_of(stdout),
                    "requests": after["requests"] - before["requests"],
                    "faults": after["faults"] - before["faults"],
                    "retries": report_figure(stdout, "retries"),
                }
                results[name].append(run)
                print(f"  [f] run {i + 1} {name:<12} wall {wall:6.2f}s  cpu {cpu:5.2f}s  "
                      f"rows {run['rows']}  requests {run['requests']}  faults {run['faults']}  "
                      f"retries {run['retries']}", flush=True)
    finally:
        mock.stop()
    lines.append(f"\n### (f) inventory, 6 x {records:,} records, fault-free vs "
                 f"{FAULT_RATE:.0%} injected 429/5xx (Retry-After 1 s), {SHAPE} records\n")
    lines.append("| variant | wall s (median) | each run s | CPU s | rows | requests | faults injected | retries |")
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|")
    med = {}
    for name, rs in results.items():
        wall = statistics.median(r["wall"] for r in rs)
        med[name] = wall
        last = rs[-1]
        walls = " / ".join(f"{r['wall']:.2f}" for r in rs)
        lines.append(f"| {name} | {wall:.2f} | {walls} | "
                     f"{statistics.median(r['cpu'] for r in rs):.2f} | {last['rows']:,} | "
                     f"{last['requests']:,} | {last['faults']} | {last['retries']} |")
    free, faulty = med["fault-free"], med[variants[1][0]]
    target = (free + LONGEST_RETRY_WAITS) * 1.2
    lines.append(f"\ntarget: faults wall <= (fault-free wall + {LONGEST_RETRY_WAITS} s) x 1.2 = "
                 f"{target:.2f} s; measured {faulty:.2f} s: {'met' if faulty <= target else 'NOT met'}")
    print("\n".join(lines[-(len(med) + 6):]), flush=True)


CRATE_TOML = """[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
restsource = {{ path = "{root}" }}

[workspace]
"""


def compile_time(runs, lines):
    """Expansion time in process, and `cargo check` of the macro crate vs the same code
    written out, alternating, each after touching its lib.rs (dependencies already built)."""
    work = os.path.join(OUT, "compile")
    fixture = os.path.join(work, "fixture")
    p = subprocess.run([os.path.join(TARGET, "compile_fixture"), fixture, "50"],
                       capture_output=True, text=True, check=True)
    expansion = p.stdout.strip()
    crates = {}
    for name, lib in [("with_macro", 'restsource::include_source!("spec50.json");\n'),
                      ("written_out", None)]:
        d = os.path.join(work, name)
        os.makedirs(os.path.join(d, "src"), exist_ok=True)
        with open(os.path.join(d, "Cargo.toml"), "w") as f:
            f.write(CRATE_TOML.format(name=name, root=ROOT))
        shutil.copy(os.path.join(fixture, "spec50.json"), os.path.join(d, "spec50.json"))
        with open(os.path.join(d, "src", "lib.rs"), "w") as f:
            if lib:
                f.write(lib)
            else:
                with open(os.path.join(fixture, "handwritten.rs")) as src:
                    f.write(src.read())
        crates[name] = d
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(work, "target"))
    for d in crates.values():  # warm: build dependencies once
        subprocess.run(["cargo", "check", "-q"], cwd=d, env=env, check=True)
    times = {name: [] for name in crates}
    for _ in range(max(runs, 3)):
        for name, d in crates.items():
            os.utime(os.path.join(d, "src", "lib.rs"))
            started = time.time()
            subprocess.run(["cargo", "check", "-q"], cwd=d, env=env, check=True)
            times[name].append(time.time() - started)
    lines.append("\n### (e) compile time, 50-resource spec\n")
    lines.append(f"in-process expansion (load + validate + generate tokens): {expansion}\n")
    lines.append("| crate | cargo check s (median) |")
    lines.append("|---|---:|")
    for name, ts in times.items():
        lines.append(f"| {name} | {statistics.median(ts):.2f} |")
    m, w = statistics.median(times["with_macro"]), statistics.median(times["written_out"])
    lines.append(f"\nthe macro adds {m - w:+.2f} s to `cargo check` (x{m / w:.2f})")
    print("\n".join(lines[-8:]), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", default="a,b,c,d,e,f")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--quick", action="store_true", help="2,000 records, 1 run, d up to 50k")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--contenders", default="",
                    help="comma-separated subset, e.g. restsource,hand-written,restsource+limit")
    ap.add_argument("--tables", choices=["json", "dlt"], default="json",
                    help="json: the seed's tables (declared columns + one JSON column); dlt: dlt's "
                         "normalized tables (flattened columns, child tables), as dlt makes them")
    ap.add_argument("--shape", choices=["wide", "seed"], default="wide",
                    help="records the mock serves: wide (15 fields, nested, base64) or seed "
                         "(inventory records with only the spec's fields plus sku, warehouse)")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.records = 1, 2_000
    global ONLY, SHAPE, TABLES
    ONLY = set(filter(None, args.contenders.split(",")))
    SHAPE = args.shape
    TABLES = args.tables
    os.makedirs(OUT, exist_ok=True)
    if not args.no_build:
        build()
    # Scenario f has no dlt contender: it needs no venv.
    py = ensure_dlt() if set(args.scenarios.split(",")) - {"f"} else None
    scenarios = args.scenarios.split(",")
    lines = [f"## Results ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{os.cpu_count()} cores, {args.runs} alternating runs, medians, "
             f"{SHAPE} records, {TABLES} tables)"]
    n = args.records
    if "a" in scenarios:
        summarize("a", f"inventory, 6 x {n:,} records, merge, no latency",
                  measure("a", n, args.runs, py, ceiling=True), lines)
    if "b" in scenarios:
        summarize("b", f"inventory, 6 x {n:,} records, 50 ms latency per request "
                       f"(restsource+limit: {RATE_LIMIT} req/s in the spec; "
                       f"{6 * -(-n // 100)} requests -> floor {6 * -(-n // 100) / RATE_LIMIT:.1f}s)",
                  measure("b", n, args.runs, py, latency_ms=50, limited=True), lines)
    if "c" in scenarios:
        summarize("c", f"second run after 10% of 6 x {n:,} records changed",
                  measure("c", n, args.runs, py, second_run=True), lines)
    if "d" in scenarios:
        sizes = [20_000, 50_000] if args.quick else [20_000, 200_000, 1_000_000]
        for size in sizes:
            summarize("d", f"one resource (items), {size:,} records",
                      measure("d", size, args.runs, py, resources=["items"],
                              dlt_variants=size <= 20_000), lines)
    if "e" in scenarios:
        compile_time(args.runs, lines)
    if "f" in scenarios:
        faults(n, args.runs, lines)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"\nwrote {os.path.join(OUT, 'results.md')}")


if __name__ == "__main__":
    main()
