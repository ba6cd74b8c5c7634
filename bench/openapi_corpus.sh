#!/usr/bin/env bash
# Runs `restsource init --openapi` over every OpenAPI document (*.json, *.yaml, *.yml) in a
# directory and prints one Markdown row per document: operations, resources made, paginators
# detected, columns typed (declared top-level columns / typed columns in the tables file), whether
# the spec validates, and whether it compiles through `include_source!` (a one-file crate built
# against this checkout, sharing its target/ so only the generated code is compiled).
#
# The documents are not in the repository (they are written by others); fetch them outside it,
# e.g. from the npm registry:
#   mkdir -p /tmp/corpus && cd /tmp/corpus
#   npm pack @octokit/openapi @blockfrost/openapi @directus/specs rclone-openapi
#   for f in *.tgz; do mkdir -p "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done
#   mkdir -p docs
#   cp octokit-openapi-*/package/generated/api.github.com.json docs/github.json
#   cp blockfrost-openapi-*/package/openapi.yaml docs/blockfrost.yaml
#   cp directus-specs-*/package/dist/openapi.json docs/directus.json
#   cp rclone-openapi-*/package/openapi.yaml docs/rclone.yaml
# then, from the checkout:
#   cargo build -p restsource-cli --all-features
#   bench/openapi_corpus.sh /tmp/corpus/docs [WORK_DIR]
set -euo pipefail

docs=${1:?usage: bench/openapi_corpus.sh DOCS_DIR [WORK_DIR]}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${2:-/tmp/restsource-openapi-corpus}
bin=${RESTSOURCE:-$repo/target/debug/restsource}
mkdir -p "$work/specs" "$work/check/src"

# The check crate: same lock file, features and dependency profile as the workspace, so cargo
# reuses the checkout's built dependencies.
cp "$repo/Cargo.lock" "$work/check/Cargo.lock"
cat > "$work/check/Cargo.toml" <<TOML
[package]
name = "openapi-corpus-check"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
restsource = { path = "$repo", features = ["postgres", "zstd"] }

[workspace]

[profile.dev.package."*"]
opt-level = 1
TOML

echo "| document | operations | resources | skipped | paginators | columns typed (declared / tables) | validates | compiles (time) |"
echo "|---|---|---|---|---|---|---|---|"
for doc in "$docs"/*.json "$docs"/*.yaml "$docs"/*.yml; do
  [ -f "$doc" ] || continue
  name=$(basename "${doc%.*}")
  spec="$work/specs/$name.toml"
  report="$work/specs/$name.report"
  valid=yes
  "$bin" init --openapi "$doc" -o "$spec" --force >"$report" 2>"$work/specs/$name.err" || valid=no
  summary=$(head -1 "$report")
  ops=$(echo "$summary" | sed -n 's/^\([0-9]*\) operations.*/\1/p')
  made=$(echo "$summary" | sed -n 's/.*, \([0-9]*\) resources made.*/\1/p')
  skipped=$(echo "$summary" | sed -n 's/.*, \([0-9]*\) skipped$/\1/p')
  paginators=$(sed -n 's/^    paginator \([a-z_]*\):.*/\1/p' "$report" | sort | uniq -c |
    awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')
  declared=$(sed -n 's/.*: \([0-9]*\) columns typed, .*/\1/p' "$report" | awk '{s+=$1} END {print s+0}')
  tables=$(sed -n 's/.* with \([0-9]*\) typed columns$/\1/p' "$report" | awk '{s+=$1} END {print s+0}')
  compiles=no
  if [ "$valid" = yes ]; then
    # include_source! reads paths relative to the crate (absolute ones are refused).
    cp "$spec" "$work/check/spec.toml"
    cp "$work/specs/$name.tables.json" "$work/check/spec.tables.json"
    echo 'restsource::include_source!("spec.toml");' > "$work/check/src/lib.rs"
    start=$(date +%s)
    if (cd "$work/check" && CARGO_TARGET_DIR="$repo/target" cargo build -q >"$work/specs/$name.build" 2>&1); then
      compiles="yes ($(( $(date +%s) - start )) s)"
    else
      compiles="no: $(grep -m1 '^error' "$work/specs/$name.build" || echo see $work/specs/$name.build)"
    fi
  fi
  echo "| $name | ${ops:-?} | ${made:-?} | ${skipped:-?} | ${paginators:--} | $declared / $tables | $valid | $compiles |"
done
