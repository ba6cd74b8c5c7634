"""Runs the inventory seed through dlt's rest_api_source into duckdb: the competitor.

The config mirrors specs/inventory.toml (same resources, paginator, selector, merge keys,
full refresh of stock_summaries, incremental inventory/orders). Usage:
    python dlt_inventory.py --base-url URL --workdir DIR [--parquet] [--resources a,b]
Prints one line: rows=<n> seconds=<s>.
"""
import argparse
import os
import sys
import time

import dlt
from dlt.sources.rest_api import rest_api_source

RESOURCES = ["stock_summaries", "customers", "items", "stock_details", "inventory", "orders"]
INCREMENTAL = {"inventory", "orders"}


def resource(name):
    endpoint = {
        "path": f"/v1/{name}",
        "data_selector": "data",
        "paginator": {"type": "offset", "limit": 100},
    }
    r = {"name": name, "endpoint": endpoint}
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
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [resource(n) for n in names],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_inventory",
        destination=dlt.destinations.duckdb(os.path.join(args.workdir, "bench.duckdb")),
        dataset_name="inventory",
        pipelines_dir=os.path.join(args.workdir, "pipelines"),
    )
    started = time.time()
    kwargs = {"loader_file_format": "parquet"} if args.parquet else {}
    info = pipeline.run(source, **kwargs)
    secs = time.time() - started
    rows = sum(pipeline.last_trace.last_normalize_info.row_counts.get(n, 0) for n in names)
    print(f"rows={rows} seconds={secs:.3f}")
    if info.has_failed_jobs:
        sys.exit(1)


if __name__ == "__main__":
    main()
