#!/usr/bin/env python3
"""Scenario (a) for two builds of restsource, side by side: is a change a regression?

    python3 bench/compare_builds.py --base ../wt-base/target/release --runs 7
    python3 bench/compare_builds.py --base ../wt-base/target/release --runs 5 --tables dlt

`--base` is the release directory of the other build (a worktree of the previous commit,
built with `cargo build --release -p restsource-mock -p restsource-bench`); this checkout's
`target/release` is the new build, which `--build` builds first. Both `rs_inventory` binaries
(or both of `--binary`, such as `rs_inventory_typed`)
load the inventory seed (6 x 20,000 records, merge, no latency) from one mock API, alternating
run by run into fresh SQLite files, under `/usr/bin/time -v`. Prints the median wall time, CPU
seconds (user + system) and peak memory of each and the ratios new/base; the rows each loaded
must be equal (equal work), else the comparison is refused. `--tables` passes the table layout
(`json`, the default, or `relational`/`dlt`: dlt's normalized root and child tables).
"""

import argparse
import os
import sqlite3
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the harness: Mock, timed, fresh, rows_of)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="release dir of the base build")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--build", action="store_true", help="build this checkout first")
    ap.add_argument("--binary", default="rs_inventory",
                    help="the program both builds run: rs_inventory (the seed spec) or "
                         "rs_inventory_typed (with the tables file `restsource infer` wrote)")
    ap.add_argument("--tables", default="json", choices=["json", "relational", "dlt"],
                    help="rs_inventory's --tables: column-per-field tables or normalized ones")
    args = ap.parse_args()
    if args.build:
        bench.build()
    builds = {
        "base": os.path.join(os.path.abspath(args.base), args.binary),
        "new": os.path.join(bench.TARGET, args.binary),
    }
    for name, path in builds.items():
        if not os.path.exists(path):
            sys.exit(f"{name}: {path} not found; build it first")
    env = {"API_KEY": "test-key", "NO_COLOR": "1"}
    results = {name: [] for name in builds}
    mock = bench.Mock(args.records)
    try:
        for i in range(args.runs):
            for name, binary in builds.items():
                work = os.path.join(bench.OUT, "compare")
                bench.fresh(work)
                mock.admin("POST", "/_admin/reset")
                cmd = [binary, "--base-url", mock.url, "--destination", f"sqlite:{work}/rs.db",
                       "--tables", args.tables]
                wall, cpu, rss, stdout = bench.timed(cmd, env)
                rows = total_rows(f"{work}/rs.db")
                results[name].append((wall, cpu, rss, rows))
                print(f"  run {i + 1} {name:<5} wall {wall:6.2f}s  cpu {cpu:6.2f}s  "
                      f"rss {rss:6.1f} MiB  rows {rows}", flush=True)
    finally:
        mock.stop()
    rows = {name: {r[3] for r in rs} for name, rs in results.items()}
    if len(rows["base"] | rows["new"]) != 1:
        sys.exit(f"unequal work, rows differ: {rows}")
    med = {name: [statistics.median(r[k] for r in rs) for k in range(3)]
           for name, rs in results.items()}
    print(f"\n{args.binary}, {args.runs} alternating runs, {args.records} records x 6 resources, "
          f"--tables {args.tables}, {rows['new'].pop()} rows each")
    print("| build | wall s | cpu s | peak MiB |")
    print("|---|---:|---:|---:|")
    for name in builds:
        w, c, m = med[name]
        print(f"| {name} | {w:.2f} | {c:.2f} | {m:.1f} |")
    (bw, bc, bm), (nw, nc, nm) = med["base"], med["new"]
    print(f"\nnew/base: wall {nw / bw:.3f}, cpu {nc / bc:.3f}, peak memory {nm / bm:.3f}")


def total_rows(db):
    """Rows over every loaded table (system tables excluded)."""
    with sqlite3.connect(db) as c:
        tables = [r[0] for r in c.execute("select name from sqlite_master where type='table'")
                  if not r[0].startswith("_rs_")]
        return sum(c.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables)


if __name__ == "__main__":
    main()
