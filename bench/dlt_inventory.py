"""Runs the inventory seed through dlt's rest_api_source into duckdb: the competitor.

The config mirrors specs/inventory.toml (same resources, paginator, selector, merge keys,
full refresh of stock_summaries, incremental inventory/orders). Usage:
    python dlt_inventory.py --base-url URL --workdir DIR [--parquet] [--resources a,b]
Prints one line: rows=<n> seconds=<s> tables=<{table: rows} of every table, child tables too>.
"""
import argparse
import json
import os
import sys
import time

import dlt
from dlt.sources.rest_api import rest_api_source

RESOURCES = ["stock_summaries", "customers", "items", "stock_details", "inventory", "orders"]
INCREMENTAL = {"inventory", "orders"}
# What specs/inventory.toml declares for `items`.
ITEMS_COLUMNS = {
    "price": {"data_type": "decimal"},
    "active": {"data_type": "bool"},
    "ratio": {"data_type": "double"},
    "created_on": {"data_type": "date"},
    "restock_at": {"data_type": "time"},
    "blob": {"data_type": "binary"},
    "attributes": {"data_type": "json"},
    "tags": {"data_type": "json"},
}


def resource(name):
    endpoint = {
        "path": f"/v1/{name}",
        "data_selector": "data",
        "paginator": {"type": "offset", "limit": 100},
    }
    r = {"name": name, "endpoint": endpoint}
    if name == "items":
        r["columns"] = ITEMS_COLUMNS
    if name == "stock_summaries":
        r["write_disposition"] = "replace"
    if name in INCREMENTAL:
        endpoint["incremental"] = {
            "cursor_path": "updated_at",
            "initial_value": "2024-01-01T00:00:00Z",
        }
        endpoint["params"] = {"updated_since": "{incremental.start_value}"}
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--parquet", action="store_true")
    ap.add_argument("--resources", default=",".join(RESOURCES))
    ap.add_argument("--api-key", default="test-key")
    ap.add_argument("--postgres", metavar="DSN",
                    help="load into this PostgreSQL database (postgresql://...) instead of duckdb")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    os.chdir(args.workdir)
    names = [n for n in args.resources.split(",") if n]
    source = rest_api_source(
        {
            "client": {
                "base_url": args.base_url,
                "auth": {"type": "api_key", "name": "api_key", "api_key": args.api_key, "location": "query"},
            },
            "resource_defaults": {
                "primary_key": "id",
                "write_disposition": "merge",
                "columns": {
                    "id": {"data_type": "bigint", "nullable": False},
                    "name": {"data_type": "text"},
                    "quantity": {"data_type": "bigint"},
                    "updated_at": {"data_type": "timestamp"},
                    "deleted": {"data_type": "bool", "hard_delete": True},
                },
            },
            "resources": [resource(n) for n in names],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_inventory",
        destination=(dlt.destinations.postgres(args.postgres) if args.postgres
                     else dlt.destinations.duckdb(os.path.join(args.workdir, "bench.duckdb"))),
        dataset_name="inventory",
        pipelines_dir=os.path.join(args.workdir, "pipelines"),
    )
    started = time.time()
    kwargs = {"loader_file_format": "parquet"} if args.parquet else {}
    info = pipeline.run(source, **kwargs)
    secs = time.time() - started
    counts = pipeline.last_trace.last_normalize_info.row_counts
    rows = sum(counts.get(n, 0) for n in names)
    tables = {t: n for t, n in sorted(counts.items()) if not t.startswith("_dlt")}
    print(f"rows={rows} seconds={secs:.3f} tables={json.dumps(tables)}")
    if info.has_failed_jobs:
        sys.exit(1)


if __name__ == "__main__":
    main()
