#!/usr/bin/env bash
# Benchmark: whole-process `cargo vital check` on llvm-cov exports of growing size,
# against a program that only reads the same file and parses all of it into typed
# structs with serde_json (crates/vital/examples/bare_parse.rs, the baseline).
#
#   bash bench/read.sh        # prints size, wall time and peak RSS, 3 runs each
#
# The exports come from `cargo xtask bench-data` (a real export of regex-syntax
# 0.8.11's tests, and copies 10x and 100x larger under renamed files and functions),
# checked in target/bench-data/regex-syntax against its vital.toml. The in-process
# figures (MB/s of the reader alone) come from `cargo bench -p vital --bench read`.
# Needs cargo-llvm-cov, the llvm-tools-preview component and GNU time (/usr/bin/time).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
cargo xtask bench-data
cargo build --quiet --release -p cargo-vital
cargo build --quiet --release -p vital --example bare_parse
data="$repo/target/bench-data"

printf '%-6s %9s  %-28s %-28s\n' export size "bare parse (wall, peak RSS)" "vital check (wall, peak RSS)"
for x in x1 x10 x100; do
  size=$(stat -c %s "$data/$x.json")
  for run in 1 2 3; do
    bare=$( { /usr/bin/time -f "%e s, %M KiB" "$repo/target/release/examples/bare_parse" "$data/$x.json"; } 2>&1 )
    # `check` exits 1 here (the crate's tests do not meet the catalogue): a verdict,
    # not an error; exit 2 (bad input) stops the benchmark.
    status=0
    (cd "$data/regex-syntax" && /usr/bin/time -o "$data/time.txt" -f "%e s, %M KiB" \
      "$repo/target/release/cargo-vital" vital check --coverage "$data/$x.json" >/dev/null) || status=$?
    if [ "$status" -gt 1 ]; then echo "cargo vital check failed (exit $status)" >&2; exit 1; fi
    vital=$(tail -n 1 "$data/time.txt")
    printf '%-6s %7.1fMB  %-28s %-28s\n' "$x" "$(awk -v s="$size" 'BEGIN { print s / 1e6 }')" "$bare" "$vital"
  done
done
