#!/usr/bin/env python3
"""restsource into Delta Lake tables on a local path, beside SQLite on the same work, from a
release build (issue 15, item 2).

    cargo build --release -p restsource-mock --example inventory --features delta
    pip install deltalake                        # the reader that counts the Delta rows
    python3 bench/delta.py                       # 1,000,000 records, dlt's tables
    python3 bench/delta.py --records 200000 --tables json --runs 3
    python3 bench/delta.py --scenarios snapshot --heaptrack \\
        --contender base=/tmp/base/inventory --contender new=target/release/examples/inventory

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


def load(binary, mock, dest, resource, tables, heap=None):
    """One run of `binary`: wall s, CPU s, peak RSS MiB, and under `heap` (a heaptrack output
    prefix) the peak heap MiB heaptrack saw (else None). Under heaptrack the times include its
    own cost: compare them only with other heaptrack runs."""
    cmd = [binary, "--base-url", mock.url, "--destination", dest, "--tables", tables, resource]
    if heap:
        cmd = ["heaptrack", "-o", heap] + cmd
    wall, cpu, rss, _ = bench.timed(cmd, {"API_KEY": "test-key", "NO_COLOR": "1"})
    if not heap:
        return wall, cpu, rss, None
    data = next(heap + ext for ext in (".zst", ".gz", "") if os.path.exists(heap + ext))
    out = subprocess.run(["heaptrack_print", "-f", data, "-p", "0", "-a", "0", "-T", "0",
                          "-l", "0"], capture_output=True, text=True).stdout
    os.remove(data)
    m = re.search(r"peak heap memory consumption:\s*([\d.]+)([KMG]?)B?", out)
    scale = {"": 1 / 2**20, "K": 1 / 1024, "M": 1, "G": 1024}
    return wall, cpu, rss, (float(m.group(1)) * scale[m.group(2)] if m else None)


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


def scenario(name, resource, new, args, updated=0):
    """Alternating runs of every contender (`args.contenders`: (label, binary, destination
    kind)); returns {(label, run): [(wall, cpu, rss, heap, rows)]}."""
    results = {}
    for i in range(args.runs):
        for label, binary, dest_kind in args.contenders:
            mock = bench.Mock(args.records)
            try:
                work = os.path.join(bench.OUT, "delta_bench")
                bench.fresh(work)
                dest = f"delta+file:{work}/lake" if dest_kind == "delta" else f"sqlite:{work}/rs.db"
                for run in (1, 2):
                    if run == 2 and (new or updated):
                        mock.admin("POST", f"/_admin/mutate?percent={updated}&inserts={new}"
                                           f"&deletes=0&resource={resource}")
                    heap = os.path.join(bench.OUT, "delta_heap") if args.heaptrack else None
                    wall, cpu, rss, peak = load(binary, mock, dest, resource, args.tables, heap)
                    counts = stored(dest, args.reader)
                    results.setdefault((label, run), []).append((wall, cpu, rss, peak, counts))
                    heap_text = f" heap {peak:6.1f} MiB" if peak is not None else ""
                    print(f"  {name} {i + 1} {label:<8} run {run}: wall {wall:6.2f}s "
                          f"cpu {cpu:6.2f}s rss {rss:6.1f} MiB{heap_text} stored {counts}",
                          flush=True)
            finally:
                mock.stop()
    return results


def report(name, results):
    print(f"\n{name}")
    print("| contender | run | wall s | CPU s | peak RSS MiB | peak heap MiB | rows stored after it |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (label, run), r in sorted(results.items()):
        counts = {tuple(sorted(x[4].items())) for x in r}
        for (other, other_run), o in results.items():
            if other_run == run and counts != {tuple(sorted(x[4].items())) for x in o}:
                sys.exit(f"{name} run {run}: {label} and {other} loaded different rows: refused")
        heaps = [x[3] for x in r if x[3] is not None]
        heap = f"{statistics.median(heaps):.1f}" if heaps else "-"
        print(f"| {label} | {run} | {statistics.median(x[0] for x in r):.2f} | "
              f"{statistics.median(x[1] for x in r):.2f} | "
              f"{statistics.median(x[2] for x in r):.1f} | {heap} | {sum(r[0][4].values()):,} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--new", type=int, default=10_000, help="records the mock gains before "
                    "the second run of the incremental scenario")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--tables", default="dlt", choices=["json", "dlt"])
    ap.add_argument("--reader", default=sys.executable,
                    help="a Python with the deltalake (or duckdb) package, to count Delta rows")
    ap.add_argument("--contender", action="append", metavar="LABEL=BINARY[@sqlite]",
                    help="an inventory example build to run into Delta (or SQLite with @sqlite); "
                    "repeat to compare builds side by side. Default: the release build, into "
                    "Delta and into SQLite")
    ap.add_argument("--scenarios", default="snapshot,new",
                    help="comma-separated: snapshot (items), new (orders)")
    ap.add_argument("--snapshot-resource", default="items",
                    help="the snapshot scenario's resource (orders: a child table, whose rows "
                    "of every replaced record the second run's merge removes)")
    ap.add_argument("--snapshot-updated", type=int, default=0, metavar="PERCENT",
                    help="the mock changes this percent of the snapshot resource's records "
                    "before its second run (an incremental resource then fetches them again)")
    ap.add_argument("--heaptrack", action="store_true",
                    help="run each load under heaptrack and report its peak heap (needs a build "
                    "without mimalloc: --no-default-features --features sqlite,brotli,delta)")
    args = ap.parse_args()
    args.contenders = []
    for c in args.contender or [f"delta={EXAMPLE}", f"sqlite={EXAMPLE}@sqlite"]:
        label, binary = c.split("=", 1)
        binary, _, kind = binary.partition("@")
        args.contenders.append((label, binary, kind or "delta"))
    for path in [b for _, b, _ in args.contenders] + [os.path.join(bench.TARGET, "restsource-mock")]:
        if not os.path.exists(path):
            sys.exit(f"{path} not found: cargo build --release -p restsource-mock "
                     "--example inventory --features delta")
    chosen = args.scenarios.split(",")
    if "snapshot" in chosen:
        snapshot = scenario("snapshot", args.snapshot_resource, 0, args, args.snapshot_updated)
        report(f"snapshot: {args.snapshot_resource}, {args.records:,} records, {args.tables} "
               "tables", snapshot)
    if "new" in chosen:
        incremental = scenario("new records", "orders", args.new, args)
        report(f"new records: orders, {args.records:,} records then {args.new:,} new, "
               f"{args.tables} tables", incremental)


if __name__ == "__main__":
    main()
