#!/usr/bin/env bash
# Runs N shards of a restsource program at once, as a scheduler would start N copies, and
# waits for every one of them. Each shard is the same program with `--shard I/N`; together
# they load what one unsharded run loads, into the one destination they share.
#
# usage: run_local.sh PROGRAM N [PROGRAM ARGUMENTS...]
#   e.g. API_KEY=... run_local.sh target/release/examples/crm 4 \
#            --destination postgresql://... --base-url http://127.0.0.1:8080
#
# Each shard's output (its report, or its error) goes to $LOG_DIR/shard-I.log (LOG_DIR
# defaults to a new temporary directory) and is printed once all shards are done. The exit
# code is 0 when every shard succeeded, else the exit code of the first shard that failed:
# run the failed shards again (with the same N); a re-run converges.
set -uo pipefail

if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 PROGRAM N [PROGRAM ARGUMENTS...]" >&2
  exit 2
fi
program=$1
count=$2
shift 2
LOG_DIR=${LOG_DIR:-$(mktemp -d)}
mkdir -p "$LOG_DIR"

pids=()
for ((i = 0; i < count; i++)); do
  "$program" "$@" --shard "$i/$count" >"$LOG_DIR/shard-$i.log" 2>&1 &
  pids+=("$!")
done

status=0
for ((i = 0; i < count; i++)); do
  wait "${pids[$i]}"
  code=$?
  echo "== shard $i/$count: exit $code"
  cat "$LOG_DIR/shard-$i.log"
  if [ "$code" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$code
  fi
done
exit "$status"
