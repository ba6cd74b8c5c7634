#!/usr/bin/env python3
"""restsource into Delta Lake tables on a local path, beside SQLite on the same work, from a
release build (issue 15, item 2).

    cargo build --release -p restsource-mock --example inventory --features delta
    pip install deltalake                        # the reader that counts the Delta rows
    python3 bench/delta.py                       # 1,000,000 records, dlt's tables
    python3 bench/delta.py --records 200000 --tables json --runs 3

Two scenarios of the inventory seed, each loaded by the same `inventory` example binary into
`delta+file:` and into `sqlite:`, alternating, from one mock API:

- **snapshot** (`items`, merge): a first run into an empty destination, then a second run of
  the same records, which merges every key into the stored tables.
- **new records** (`orders`, incremental merge on `updated_since`): a first run, then the mock
  gains `--new` records and a second run fetches only those. Their ids lie beyond every stored
  file's range, so the Delta merge skips every stored file by its statistics.

Prints the median wall time, CPU seconds, peak RSS and the rows stored after each run. Rows
are counted per table in the destination itself, Delta's by an independent reader
(`delta_read.py` under `--reader`, a Python with `deltalake` or `duckdb`); both destinations
must hold the same rows per table after each run (equal work), else the comparison is refused.
On demand only; not run by CI.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the harness: Mock, timed, fresh, table_counts)

EXAMPLE = os.path.join(bench.TARGET, "examples", "inventory")


def load(binary, mock, dest, resource, tables):
    cmd = [binary, "--base-url", mock.url, "--destination", dest, "--tables", tables, resource]
    wall, cpu, rss, _ = bench.timed(cmd, {"API_KEY": "test-key", "NO_COLOR": "1"})
    return wall, cpu, rss


def stored(dest, reader):
    """Rows per data table the destination holds (bookkeeping tables left out): SQLite's
    through sqlite3, Delta's through `delta_read.py` run by `reader` (a Python with the
    `deltalake` or `duckdb` package: an independent reader)."""
    if dest.startswith("sqlite:"):
        return bench.sqlite_counts(dest[len("sqlite:"):])
    p = subprocess.run([reader, os.path.join(bench.BENCH, "delta_read.py"), dest[len("delta+file:"):]],
                       capture_output=True, text=True, check=True)
    counts = {}
    for line in p.stdout.splitlines():
        m = re.match(r"(\w+): (\d+) rows", line)
        if m and not m.group(1).startswith("_"):
            counts[m.group(1)] = int(m.group(2))
    return counts


def scenario(name, resource, new, args):
    """Alternating runs of both destinations; returns {(dest, run): [(wall, cpu, rss, rows)]}."""
    results = {}
    for i in range(args.runs):
        for dest_name in ("delta", "sqlite"):
            mock = bench.Mock(args.records)
            try:
                work = os.path.join(bench.OUT, "delta_bench")
                bench.fresh(work)
                dest = f"delta+file:{work}/lake" if dest_name == "delta" else f"sqlite:{work}/rs.db"
                for run in (1, 2):
                    if run == 2 and new:
                        mock.admin("POST", f"/_admin/mutate?percent=0&inserts={new}"
                                           f"&deletes=0&resource={resource}")
                    wall, cpu, rss = load(EXAMPLE, mock, dest, resource, args.tables)
                    counts = stored(dest, args.reader)
                    rows = sum(counts.values())
                    results.setdefault((dest_name, run), []).append((wall, cpu, rss, counts))
                    print(f"  {name} {i + 1} {dest_name:<6} run {run}: wall {wall:6.2f}s "
                          f"cpu {cpu:6.2f}s rss {rss:6.1f} MiB stored {counts}", flush=True)
            finally:
                mock.stop()
    return results


def report(name, results):
    print(f"\n{name}")
    print("| destination | run | wall s | CPU s | peak MiB | rows stored after it |")
    print("|---|---|---:|---:|---:|---:|")
    for (dest, run), r in sorted(results.items()):
        counts = {tuple(sorted(x[3].items())) for x in r}
        other = results[("sqlite" if dest == "delta" else "delta", run)]
        if counts != {tuple(sorted(x[3].items())) for x in other}:
            sys.exit(f"{name} run {run}: the destinations loaded different rows: refused")
        wall = statistics.median(x[0] for x in r)
        stored_rows = sum(r[0][3].values())
        print(f"| {dest} | {run} | {wall:.2f} | {statistics.median(x[1] for x in r):.2f} | "
              f"{statistics.median(x[2] for x in r):.1f} | {stored_rows:,} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000, help="records the mock gains before "
                    "the second run of the incremental scenario")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--tables", default="dlt", choices=["json", "dlt"])
    ap.add_argument("--reader", default=sys.executable,
                    help="a Python with the deltalake (or duckdb) package, to count Delta rows")
    args = ap.parse_args()
    for path in (EXAMPLE, os.path.join(bench.TARGET, "restsource-mock")):
        if not os.path.exists(path):
            sys.exit(f"{path} not found: cargo build --release -p restsource-mock "
                     "--example inventory --features delta")
    snapshot = scenario("snapshot", "items", 0, args)
    incremental = scenario("new records", "orders", args.new, args)
    report(f"snapshot: items, {args.records:,} records, {args.tables} tables", snapshot)
    report(f"new records: orders, {args.records:,} records then {args.new:,} new, "
           f"{args.tables} tables", incremental)


if __name__ == "__main__":
    main()
