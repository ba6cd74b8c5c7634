#!/usr/bin/env python3
"""Reads the Delta tables a restsource run wrote and prints each table's row count, version
and restsource run number, with a reader independent of the writer (the Python `deltalake`
package, or `duckdb` with its delta extension when `deltalake` is missing).

    pip install deltalake            # or: pip install duckdb
    python bench/delta_read.py lake                      # a delta+file:lake destination
    AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ALLOW_HTTP=true \\
    AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1 \\
        python bench/delta_read.py s3://bucket/prefix items orders   # a delta+s3:// one

On demand only (not run by CI). Local tables are the folders under the root holding a
`_delta_log` (or the names given); on S3 name the tables. A local `_rs_state.json` is
printed too, so a pending (half-committed) run shows.
"""

import json
import os
import sys


def storage_options():
    """The AWS_* settings object_store understands, as delta-rs's Python binding takes them."""
    keys = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ALLOW_HTTP",
    ]
    opts = {k: os.environ[k] for k in keys if k in os.environ}
    if "AWS_ALLOW_HTTP" in opts:
        opts["AWS_ALLOW_HTTP"] = opts["AWS_ALLOW_HTTP"].lower()
    return opts


def list_tables(root):
    """Table folders under a local root, and its `_rs_state.json` (None on S3)."""
    if root.startswith("s3://"):
        return [], None
    names = [
        n
        for n in sorted(os.listdir(root))
        if os.path.isdir(os.path.join(root, n, "_delta_log"))
    ]
    state_path = os.path.join(root, "_rs_state.json")
    state = json.load(open(state_path)) if os.path.exists(state_path) else None
    return names, state


def count_deltalake(uri):
    from deltalake import DeltaTable, QueryBuilder

    t = DeltaTable(uri, storage_options=storage_options() or None)
    # delta-rs's own query engine: needs no pyarrow.
    result = QueryBuilder().register("t", t).execute("SELECT count(*) AS n FROM t").read_all()
    return result["n"][0].as_py(), t.version()


def count_duckdb(uri):
    import duckdb

    con = duckdb.connect()
    con.execute("INSTALL delta; LOAD delta;")
    rows = con.execute(f"SELECT count(*) FROM delta_scan('{uri}')").fetchone()[0]
    return rows, None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    root = sys.argv[1].rstrip("/")
    named = sys.argv[2:]
    try:
        import deltalake  # noqa: F401

        count = count_deltalake
        reader = "deltalake"
    except ImportError:
        count = count_duckdb
        reader = "duckdb"
    tables, state = list_tables(root)
    tables = named or tables
    print(f"reader: {reader}")
    for name in sorted(tables):
        rows, version = count(f"{root}/{name}")
        print(f"{name}: {rows} rows (version {version})")
    if state is not None:
        pending = state.get("pending")
        print(f"_rs_state.json: run {state.get('seq')}, "
              f"{'pending run ' + str(pending['seq']) if pending else 'nothing pending'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
