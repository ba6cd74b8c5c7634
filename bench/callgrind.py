#!/usr/bin/env python3
"""Instructions per thread of restsource and the hand-written loader, counted by callgrind.
    python3 bench/callgrind.py --records 5000 restsource=target/release/rs_inventory \\
        hand-written=target/release/handwritten
Each NAME=BINARY runs once under `valgrind --tool=callgrind --separate-threads=yes` against
one mock API (wide records, `--tables dlt`, scenario (a)'s six resources) into a fresh SQLite
file. Instruction counts are the same from run to run of one binary whatever else the machine
is doing, so two builds compare without the 10-20% noise of wall time here; they do not
weigh cache misses or waiting, which only wall time shows. A binary whose name contains
`handwritten` is run with the hand-written loader's arguments. `--keep` keeps each run's
callgrind files (for `callgrind_annotate`) and prints their directory.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the harness: Mock, RESOURCES)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5000, help="records per resource")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("binaries", nargs="+", metavar="NAME=BINARY")
    args = ap.parse_args()
    mock = bench.Mock(args.records, 0, "wide")
    try:
        for arg in args.binaries:
            name, binary = arg.split("=", 1)
            work = tempfile.mkdtemp()
            mock.admin("POST", "/_admin/reset")
            if "handwritten" in os.path.basename(binary):
                cmd = [binary, "--base-url", mock.url, "--db", f"{work}/hw.db",
                       "--resources", ",".join(bench.RESOURCES), "--relational"]
            else:
                cmd = [binary, "--base-url", mock.url, "--destination", f"sqlite:{work}/rs.db",
                       "--tables", "dlt"] + bench.RESOURCES
            subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes",
                            f"--callgrind-out-file={work}/callgrind.out"] + cmd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, API_KEY="test-key", NO_COLOR="1"))
            threads = []
            for path in glob.glob(f"{work}/callgrind.out*"):
                with open(path) as f:
                    m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
                if m:
                    threads.append(int(m.group(1)))
            threads.sort(reverse=True)
            busiest = " ".join(f"{t / 1e9:.3f}" for t in threads[:5])
            print(f"{name}: {sum(threads) / 1e9:.3f} G instructions; busiest threads {busiest} G",
                  flush=True)
            if args.keep:
                print(f"  kept in {work}")
            else:
                shutil.rmtree(work)
    finally:
        mock.stop()


if __name__ == "__main__":
    main()
