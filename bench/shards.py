#!/usr/bin/env python3
"""Throughput across shards: 1, 2 and 4 local shards of the `crm` example into one PostgreSQL,
against the mock API with 50 ms latency per request.

    python3 bench/shards.py --dsn 'host=127.0.0.1 port=5439 user=postgres dbname=postgres'
                            [--records 400] [--runs 3] [--shards 1,2,4] [--no-build]

`specs/crm.toml` reads every customer's orders and stock through child requests (two per
customer), the shape shards split; its `rate_limit` (100 requests per second) is one budget
for all shards together, so the bench runs `bench/specs/crm_unlimited.toml` (the same spec
without it) unless `--keep-rate-limit` (then every count of shards is held to 100 requests
per second). Each run
loads into a fresh schema through `examples/shards/run_local.sh`; wall time is the script's,
from the first shard's start to the last one's end. The rows of every data table are counted
after each run, and the figures are refused unless every shard count loaded the same rows.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the mock)

ROOT = run.ROOT


def psql(dsn, sql):
    out = subprocess.run(["psql", dsn, "-Atqc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def counts(dsn, schema):
    names = psql(dsn, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                      f"'{schema}' AND table_name NOT LIKE '\\_%'").split()
    return {t: int(psql(dsn, f'SELECT COUNT(*) FROM "{schema}"."{t}"')) for t in sorted(names)}


def build(keep_rate_limit):
    """The mock, and the program: the crm example as is, or bench's copy without the limit."""
    run.sh(["cargo", "build", "--release", "-p", "restsource-mock"], cwd=ROOT)
    if keep_rate_limit:
        run.sh(["cargo", "build", "--release", "--example", "crm", "--features", "postgres"], cwd=ROOT)
    else:
        run.sh(["cargo", "build", "--release", "-p", "restsource-bench", "--bin", "rs_crm"], cwd=ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True, help="libpq key=value string or postgresql:// URL")
    ap.add_argument("--records", type=int, default=400)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shards", default="1,2,4")
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--keep-rate-limit", action="store_true")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if args.keep_rate_limit:
        program = os.path.join(run.TARGET, "examples", "crm")
    else:
        program = os.path.join(run.TARGET, "rs_crm")
    if not args.no_build:
        build(args.keep_rate_limit)
    script = os.path.join(ROOT, "examples", "shards", "run_local.sh")
    shard_counts = [int(n) for n in args.shards.split(",")]
    mock = run.Mock(args.records, args.latency_ms, "wide")
    walls = {n: [] for n in shard_counts}
    rows = {}
    try:
        for i in range(args.runs):
            for n in shard_counts:
                schema = f"rs_bench_shards_{n}"
                psql(args.dsn, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
                if "=" in args.dsn and "://" not in args.dsn:
                    dest = f"{args.dsn} options='-c search_path={schema}'"
                else:
                    sep = "&" if "?" in args.dsn else "?"
                    dest = f"{args.dsn}{sep}options=-csearch_path%3D{schema}"
                env = dict(os.environ, API_KEY="test-key", LOG_DIR=tempfile.mkdtemp())
                start = time.monotonic()
                p = subprocess.run(["bash", script, program, str(n), "--base-url", mock.url,
                                    "--destination", dest], capture_output=True, text=True,
                                   env=env)
                wall = time.monotonic() - start
                if p.returncode != 0:
                    raise RuntimeError(f"{n} shards failed:\n{p.stdout[-3000:]}\n{p.stderr[-2000:]}")
                got = counts(args.dsn, schema)
                if n in rows and rows[n] != got:
                    raise RuntimeError(f"{n} shards loaded other rows: {got} vs {rows[n]}")
                rows[n] = got
                walls[n].append(wall)
                print(f"run {i + 1}: {n} shard(s) {wall:.2f} s, {sum(got.values())} rows", flush=True)
    finally:
        mock.stop()
    first = rows[shard_counts[0]]
    for n in shard_counts:
        if rows[n] != first:
            raise SystemExit(f"refused: {n} shards loaded {rows[n]}, {shard_counts[0]} loaded {first}")
    total = sum(first.values())
    print(f"\n{args.records} customers, {args.latency_ms} ms latency, {total} rows in "
          f"{len(first)} tables, median of {args.runs} runs"
          f"{'' if not args.keep_rate_limit else ', rate_limit 100/s shared'}:")
    base = statistics.median(walls[shard_counts[0]])
    print("| shards | wall (s) | rows/s | speed-up |")
    print("|---|---|---|---|")
    for n in shard_counts:
        m = statistics.median(walls[n])
        print(f"| {n} | {m:.2f} | {total / m:,.0f} | {base / m:.2f}x |")


if __name__ == "__main__":
    main()
