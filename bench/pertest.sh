#!/usr/bin/env bash
# Benchmark (issue 10): `cargo vital run` — the suite under coverage, then each
# failure-mode test's own coverage (SPEC §7) and the check — against the plain
# coverage run users already have, `RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json`,
# on the same warm build. Interleaved runs, median of RUNS (default 5).
#
#   bash bench/pertest.sh              # bytes 1.12.1 (1,055 tests, 13 binaries) and vital itself
#   RUNS=7 bash bench/pertest.sh bytes # one of them
#
# bytes comes from the registry (fetched if absent), with a vital.toml of 4 functions
# and 9 failure modes, each a real test of bytes' suite; vital is the committed
# source (`git archive HEAD`), its own vital.toml, package `vital` (as
# `cargo xtask vital-check` runs it).
#
# Needs cargo-llvm-cov and the llvm-tools-preview component.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/vital-bench}/pertest"
runs="${RUNS:-5}"
which="${1:-all}"
mkdir -p "$work"

cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p cargo-vital
vital="$repo/target/release/cargo-vital"

now() { date +%s.%N; }

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# bench NAME DIR PLAIN_ARGS… -- VITAL_ARGS…
bench() {
  local name="$1" dir="$2"; shift 2
  local plain=() ours=() seen=0
  for a in "$@"; do
    if [ "$a" = "--" ]; then seen=1; continue; fi
    if [ "$seen" = 0 ]; then plain+=("$a"); else ours+=("$a"); fi
  done
  echo "== $name: warming the build (both commands once)"
  (cd "$dir" && RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --output-path "$work/$name-plain.json" "${plain[@]}" >"$work/$name-plain.log" 2>&1) || true
  (cd "$dir" && "$vital" vital run "${ours[@]}" >"$work/$name-vital.out" 2>"$work/$name-vital.log") || true
  grep -E "^vital: per-test evidence of .* in " "$work/$name-vital.log" || { echo "no per-test evidence: see $work/$name-vital.log"; exit 1; }
  : >"$work/$name-plain.times"; : >"$work/$name-vital.times"
  for i in $(seq 1 "$runs"); do
    local t0 t1 t2
    t0=$(now)
    (cd "$dir" && RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --output-path "$work/$name-plain.json" "${plain[@]}" >"$work/$name-plain.log" 2>&1) || true
    t1=$(now)
    (cd "$dir" && "$vital" vital run "${ours[@]}" >"$work/$name-vital.out" 2>"$work/$name-vital.log") || true
    t2=$(now)
    echo "$t1 - $t0" | bc >>"$work/$name-plain.times"
    echo "$t2 - $t1" | bc >>"$work/$name-vital.times"
    printf "run %d: plain %.2f s, vital %.2f s\n" "$i" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
  done
  local p v
  p=$(median <"$work/$name-plain.times")
  v=$(median <"$work/$name-vital.times")
  printf "%s: median plain %.2f s, vital run %.2f s: %+.1f %%\n" "$name" "$p" "$v" "$(echo "($v - $p) * 100 / $p" | bc -l)"
  grep -E "^vital: per-test evidence of .* in " "$work/$name-vital.log"
  tail -1 "$work/$name-vital.out"
}

if [ "$which" = all ] || [ "$which" = bytes ]; then
  src=$(ls -d "$HOME"/.cargo/registry/src/*/bytes-1.12.1 2>/dev/null | head -1 || true)
  if [ -z "$src" ]; then
    mkdir -p "$work/fetch/src" && touch "$work/fetch/src/lib.rs"
    printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nbytes = "=1.12.1"\n' >"$work/fetch/Cargo.toml"
    (cd "$work/fetch" && cargo fetch --quiet)
    src=$(ls -d "$HOME"/.cargo/registry/src/*/bytes-1.12.1 | head -1)
  fi
  rm -rf "$work/bytes" && cp -r "$src" "$work/bytes"
  # A workspace of its own (not a member of whatever encloses the bench directory).
  grep -q '^\[workspace\]' "$work/bytes/Cargo.toml" || printf '\n[workspace]\n' >>"$work/bytes/Cargo.toml"
  cat >"$work/bytes/vital.toml" <<'EOF'
# The bench's catalogue: the slicing and splitting paths of `Bytes`, each failure
# mode a real test of bytes' own suite.
[tiers.critical]
categories = []
[tiers.essential]
categories = []

[[vital]]
function = "bytes::Bytes::slice"
tier = "essential"
failure_modes = ["out_of_range", "boundary", "empty"]
tests = { out_of_range = "slice_oob_1", boundary = "slice_start_greater_than_end", empty = "slice_ref_empty" }

[[vital]]
function = "bytes::Bytes::split_off"
tier = "essential"
failure_modes = ["out_of_range", "empty"]
tests = { out_of_range = "split_off_oob", empty = "split_off_empty_addr" }

[[vital]]
function = "bytes::Bytes::split_to"
tier = "essential"
failure_modes = ["out_of_range", "empty"]
tests = { out_of_range = "split_to_oob", empty = "split_to_empty_addr" }

[[vital]]
function = "bytes::BytesMut::reserve"
tier = "essential"
failure_modes = ["boundary", "concurrent"]
tests = { boundary = "reserve_max_original_capacity_value", concurrent = "reserve_in_arc_nonunique_does_not_overallocate" }
EOF
  bench bytes "$work/bytes" -- --format json
fi

if [ "$which" = all ] || [ "$which" = vital ]; then
  rm -rf "$work/vital" && mkdir -p "$work/vital"
  git -C "$repo" archive HEAD | tar -x -C "$work/vital"
  bench vital "$work/vital" -p vital -- -p vital --format json
fi
