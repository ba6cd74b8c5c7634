#!/usr/bin/env python3
"""restsource against dlt, both loading the inventory scenario into one PostgreSQL server.

    python3 bench/postgres.py --dsn postgresql://postgres:pw@127.0.0.1:5439/postgres [--runs 3]
                              [--records 20000] [--tables dlt|json] [--no-build]

Each contender loads into its own database, dropped and created before every run, on the
server `--dsn` names (a role that may create databases; dlt insists on a password in it, even
where the server trusts the connection and ignores it). Runs alternate on one mock API. After
each run the rows of every data table are counted in the database itself, and the comparison
is refused unless both contenders wrote the same rows per table (with `--tables dlt` both make
dlt's tables; with `json` restsource makes the seed's tables and dlt its own, so only the root
tables' rows are compared). dlt runs with its default PostgreSQL loader (INSERT files).
Needs `psycopg2-binary` in bench's venv (installed here when missing).

`--ceiling` adds the PostgreSQL ceiling, which is not a loader: the server alone taking the
rows restsource stored. Each run's restsource tables are copied to binary files on the
server, and then read back by the server into empty copies of the same tables, with the same
columns and indexes, in one transaction (`COPY ... FROM 'file'`, which needs a role that may
read and write server files, and a server on this machine). No loader can write those rows
into those tables faster, so it shows how much of any target the server itself takes.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (the mock, the timer, the dlt venv)

RESOURCES = run.RESOURCES


def with_db(dsn, db):
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + db))


def psql(dsn, sql):
    out = subprocess.run(["psql", dsn, "-Atqc", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def recreate(dsn, db):
    psql(dsn, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    psql(dsn, f'CREATE DATABASE "{db}"')


def counts(dsn, roots_only):
    """Rows per data table of every schema (bookkeeping tables `_rs_*`, `_dlt_*` left out)."""
    out = {}
    for qualified in tables_of(dsn):
        schema, table = qualified.split(".", 1)
        if roots_only and table not in RESOURCES:
            continue
        out[table] = int(psql(dsn, f'SELECT COUNT(*) FROM "{schema}"."{table}"'))
    return dict(sorted(out.items()))


CEILING = "ceiling"
DUMP = "/tmp/rs-bench-ceiling"


def tables_of(dsn):
    """The data tables (bookkeeping tables `_rs_*`, `_dlt_*` left out), as `schema.table`."""
    return psql(dsn, "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                     "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                     "AND table_name NOT LIKE '\\_%' AND table_type = 'BASE TABLE'").split()


def snapshot(source, dsn):
    """Prepares the ceiling's database `dsn` from restsource's `source`: the data tables'
    definitions (columns, indexes) empty, and their rows in binary files on the server.
    Returns the timed part: one COPY per table, in one transaction."""
    os.makedirs(DUMP, exist_ok=True)
    os.chmod(DUMP, 0o777)
    names = tables_of(source)
    pg_dump = subprocess.run(["pg_dump", "--schema-only", "--no-owner", source]
                             + [f"--table={n}" for n in names],
                             capture_output=True, text=True, check=True).stdout
    subprocess.run(["psql", dsn, "-q", "-v", "ON_ERROR_STOP=1"], input=pg_dump, text=True,
                   capture_output=True, check=True)
    copies = []
    for n in names:
        schema, table = n.split(".", 1)
        path = f"{DUMP}/{schema}.{table}.bin"
        psql(source, f"COPY \"{schema}\".\"{table}\" TO '{path}' (FORMAT binary)")
        copies.append(f"COPY \"{schema}\".\"{table}\" FROM '{path}' (FORMAT binary);")
    return "BEGIN;\n" + "\n".join(copies) + "\nCOMMIT;\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True, help="postgresql://user@host:port/db of the server")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--tables", choices=["dlt", "json"], default="dlt")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--base", help="release dir of another build: its rs_inventory runs too, "
                                   "alternating, as `base` (a before/after comparison)")
    ap.add_argument("--no-dlt", action="store_true", help="leave dlt out (with --base)")
    ap.add_argument("--ceiling", action="store_true",
                    help="also time the server alone taking restsource's rows (see above)")
    args = ap.parse_args()
    names = (["restsource"] + (["base"] if args.base else []) + ([] if args.no_dlt else ["dlt"])
             + ([CEILING] if args.ceiling else []))
    if not args.no_build:
        run.build()
    py = run.ensure_dlt() if "dlt" in names else None
    if py and subprocess.run([py, "-c", "import psycopg2"], capture_output=True).returncode != 0:
        run.sh([os.path.join(run.VENV, "bin", "pip"), "install", "-q", "psycopg2-binary"])
    mock = run.Mock(args.records, 0, "wide")
    results = {}
    try:
        for i in range(args.runs):
            for name in names:
                db = f"rs_bench_{name}"
                recreate(args.dsn, db)
                target = with_db(args.dsn, db)
                mock.admin("POST", "/_admin/reset")
                if name in ("restsource", "base"):
                    release = args.base if name == "base" else run.TARGET
                    cmd = [os.path.join(release, "rs_inventory"), "--base-url", mock.url,
                           "--destination", target, "--tables", args.tables] + RESOURCES
                    env = {"API_KEY": "test-key", "NO_COLOR": "1"}
                elif name == CEILING:
                    load = snapshot(with_db(args.dsn, "rs_bench_restsource"), target)
                    script = os.path.join(DUMP, "load.sql")
                    with open(script, "w") as f:
                        f.write(load)
                    cmd = ["psql", target, "-q", "-v", "ON_ERROR_STOP=1", "-f", script]
                    env = {}
                else:
                    workdir = os.path.join(run.OUT, "pg", "dlt")
                    run.fresh(workdir)
                    cmd = [py, os.path.join(run.BENCH, "dlt_inventory.py"), "--base-url", mock.url,
                           "--workdir", workdir, "--postgres", target,
                           "--resources", ",".join(RESOURCES)]
                    env = {}
                wall, cpu, rss, _ = run.timed(cmd, env)
                got = counts(target, roots_only=args.tables == "json")
                first = results.setdefault("counts", (name, got))
                if first[1] != got:
                    raise RuntimeError(f"unequal work: {first[0]} wrote {first[1]}, {name} {got}")
                rows = sum(got.values())
                results.setdefault(name, []).append((wall, cpu, rss, rows))
                print(f"  run {i + 1} {name:<10} wall {wall:7.2f}s  cpu {cpu:7.2f}s  "
                      f"rss {rss:7.1f} MiB  rows {rows}", flush=True)
    finally:
        mock.stop()
    print(f"\n### PostgreSQL, inventory, 6 x {args.records:,} records, {args.tables} tables "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.runs} alternating runs, "
          f"medians)\n")
    print("| contender | wall s | CPU s (client) | peak MiB | rows | rows/s |")
    print("|---|---:|---:|---:|---:|---:|")
    med = {}
    for name in names:
        rs = results[name]
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        rss = statistics.median(r[2] for r in rs)
        rows = rs[0][3]
        med[name] = rows / wall
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.1f} | {rows:,} | {rows / wall:,.0f} |")
    for other in names[1:]:
        print(f"\nrestsource / {other} rows/s: {med['restsource'] / med[other]:.2f}x")


if __name__ == "__main__":
    main()
