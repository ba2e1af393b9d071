#!/usr/bin/env bash
# Benchmark (issue 14): `cargo vital check` and `check --static` on a 50-crate
# workspace (50 renamed copies of regex-syntax 0.8.11, 2.9 M lines; vital functions
# in 10 of the independent crates) with a 106 MB export, cold (no scan cache) and
# warm, against their floors measured in the same rounds:
#
# - JSON floor: crates/vital/examples/bare_parse.rs, the whole export parsed into
#   typed structs (and nothing else);
# - syn floor: crates/vital/examples/bare_syn.rs, every .rs file of the crates that
#   must be read (the 10 with vital functions) parsed with syn, on as many threads
#   as vital's scan; and of one copy of regex-syntax alone (also on one thread);
# - and, for what vital cannot avoid, `cargo metadata --no-deps` alone.
#
# Goals: cold check <= 1.25 x (JSON floor + syn floor of the 10 crates); warm check
# <= 1.25 x JSON floor; warm check --static after a one-file change <= 0.25 x syn
# floor of regex-syntax alone; peak memory of check <= 2 x the export's size.
#
#   bash bench/monorepo.sh          # RUNS rounds (default 5), interleaved; medians
#
# Each round runs every command once, in turn; before a round the script waits (up to
# WAIT seconds, default 600) for the 1-minute load average to fall below LOAD_MAX
# (default 0.5), and prints the load it started at. Needs GNU time (/usr/bin/time);
# `cargo xtask bench-data` (run here) needs cargo-llvm-cov.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
runs="${RUNS:-5}"
load_max="${LOAD_MAX:-0.5}"
wait_max="${WAIT:-600}"
cargo xtask bench-data
cargo build --quiet --release -p cargo-vital
cargo build --quiet --release -p vital --example bare_parse --example bare_syn
vital="$repo/target/release/cargo-vital"
# As `cargo vital` runs it: cargo sets CARGO to itself (not rustup's proxy).
export CARGO="${CARGO:-$(rustup which cargo 2>/dev/null || command -v cargo)}"
bare_parse="$repo/target/release/examples/bare_parse"
bare_syn="$repo/target/release/examples/bare_syn"
data="$repo/target/bench-data"
mono="$data/mono"
export="$data/mono.json"
out="${TMPDIR:-/tmp}/vital-bench-monorepo"
rm -rf "$out" && mkdir -p "$out"

# The crates that must be read: those the catalogue names (no other crate depends
# on them, and they depend on no other member).
vital_dirs=()
for crate in $(sed -n 's/^function = "regex_syntax_\(c[0-9]*\)::.*/\1/p' "$mono/vital.toml" | sort -u); do
  vital_dirs+=("$mono/$crate/src")
done
echo "crates that must be read: ${#vital_dirs[@]}; export: $(stat -c %s "$export") bytes"

# The file edited between warm static runs: one file of one vital crate, toggled
# between its text and its text with a comment line added.
edited="$mono/c0/src/hir/translate.rs"
cp "$edited" "$out/edited.orig"
trap 'cp "$out/edited.orig" "$edited"' EXIT
toggle() {
  if cmp -s "$edited" "$out/edited.orig"; then printf '\n// edited\n' >>"$edited"; else cp "$out/edited.orig" "$edited"; fi
}

# measure NAME COMMAND…: wall microseconds and peak RSS (KiB) appended to $out/NAME;
# exit 2 (or any code but 0 and 1) stops the benchmark.
measure() {
  local name="$1"; shift
  local status=0 start end
  start=$(date +%s%N)
  /usr/bin/time -o "$out/time" -f "%M" "$@" >"$out/stdout" 2>"$out/stderr" || status=$?
  end=$(date +%s%N)
  if [ "$status" -gt 1 ]; then echo "$name failed (exit $status):"; cat "$out/stderr"; exit 1; fi
  echo "$(( (end - start) / 1000 )) $(tail -n 1 "$out/time")" >>"$out/$name"
}

cold() { rm -rf "$mono/target/vital/scan-cache"; }

wait_for_quiet() {
  local waited=0
  while [ "$(awk '{ print ($1 < '"$load_max"') }' /proc/loadavg)" != 1 ] && [ "$waited" -lt "$wait_max" ]; do
    sleep 10; waited=$((waited + 10))
  done
  cut -d' ' -f1 /proc/loadavg
}

cd "$mono"
for round in $(seq 1 "$runs"); do
  echo "round $round: load $(wait_for_quiet)"
  measure json_floor "$bare_parse" "$export"
  measure syn_floor "$bare_syn" "${vital_dirs[@]}"
  measure syn_floor_one "$bare_syn" "$mono/c0/src"
  measure syn_floor_one_1t env THREADS=1 "$bare_syn" "$mono/c0/src"
  measure metadata "$CARGO" metadata --no-deps --format-version 1 --manifest-path "$mono/Cargo.toml"
  cold; measure check_cold "$vital" vital check --coverage "$export"
  measure check_warm "$vital" vital check --coverage "$export"
  cold; measure static_cold "$vital" vital check --static
  measure static_warm "$vital" vital check --static
  toggle; measure static_one_file "$vital" vital check --static
done
"$vital" vital check --static -v >/dev/null 2>"$out/verbose" || true
grep '^vital: read' "$out/verbose"

# median FILE COLUMN
median() { cut -d' ' -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
size=$(stat -c %s "$export")
printf '\n%-16s %9s %12s %9s\n' measure "wall (s)" "peak (MB)" "× export"
for name in json_floor syn_floor syn_floor_one syn_floor_one_1t metadata check_cold check_warm static_cold static_warm static_one_file; do
  wall=$(echo "$(median "$out/$name" 1) / 1000000" | bc -l)
  kib=$(median "$out/$name" 2)
  printf '%-16s %9.3f %12.1f %9.2f\n' "$name" "$wall" "$(echo "$kib * 1.024 / 1000" | bc -l)" "$(echo "$kib * 1024 / $size" | bc -l)"
done
json=$(median "$out/json_floor" 1); syn=$(median "$out/syn_floor" 1); one=$(median "$out/syn_floor_one" 1)
printf '\nper round (ms):'
for name in syn_floor_one static_warm static_one_file; do printf ' %s' "$name"; cut -d' ' -f1 "$out/$name" | awk '{printf " %.0f", $1 / 1000}'; done
echo
echo
printf 'cold check / (JSON floor + syn floor)          %.2f (goal <= 1.25)\n' "$(echo "$(median "$out/check_cold" 1) / ($json + $syn)" | bc -l)"
printf 'warm check / JSON floor                        %.2f (goal <= 1.25)\n' "$(echo "$(median "$out/check_warm" 1) / $json" | bc -l)"
printf 'warm static after one edit / syn floor of one  %.2f (goal <= 0.25)\n' "$(echo "$(median "$out/static_one_file" 1) / $one" | bc -l)"
printf '  (against one thread'"'"'s syn floor of one       %.2f)\n' "$(echo "$(median "$out/static_one_file" 1) / $(median "$out/syn_floor_one_1t" 1)" | bc -l)"
peak=$(sort -n -k2 "$out/check_cold" "$out/check_warm" | tail -n 1 | cut -d' ' -f2)
printf 'check peak (highest of all runs) / export size %.2f (goal <= 2)\n' "$(echo "$peak * 1024 / $size" | bc -l)"
