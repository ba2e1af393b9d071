#!/usr/bin/env bash
# Benchmark (issue 12): the cost of failpoint evidence on the `failpoints` fixture
# (tests/fixtures/failpoints: one store, three failpoints in its vital function,
# fail 0.5). Measures, on a warm build, interleaved, RUNS rounds (default 3):
#
# - plain `RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --features failpoints`;
# - `cargo vital run` (the same suite with the failpoints feature on, plus each
#   failure-mode and failpoint-arming test alone with its own profile);
# - `cargo vital chaos --rounds 100` (the sweep, then 100 random rounds);
#
# and a cold `cargo vital chaos --rounds 100` (no target directory) once.
#
#   bash bench/failpoints.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/vital-bench}/failpoints"
cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p cargo-vital
vital="$repo/target/release/cargo-vital"
rm -rf "$work" && mkdir -p "$work" && cp -r "$repo/tests/fixtures/failpoints/." "$work/"
cd "$work"
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

t=$(now); "$vital" vital chaos --rounds 100 --format json >"$work/chaos.json" 2>"$work/chaos.log" || true
printf "cold: cargo vital chaos --rounds 100: %.2f s\n" "$(since "$t")"
RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --features failpoints --output-path "$work/plain.json" >/dev/null 2>&1
"$vital" vital run >/dev/null 2>&1 || true
for i in $(seq 1 "$runs"); do
  t=$(now); RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --features failpoints --output-path "$work/plain.json" >/dev/null 2>&1
  plain=$(since "$t")
  t=$(now); "$vital" vital run >"$work/run.out" 2>"$work/run.log" || true
  ours=$(since "$t")
  t=$(now); "$vital" vital chaos --rounds 100 --format json >"$work/chaos.json" 2>"$work/chaos.log" || true
  chaos=$(since "$t")
  printf "round %d: plain %.2f s, vital run %.2f s, chaos --rounds 100 %.2f s\n" "$i" "$plain" "$ours" "$chaos"
done
grep -E "^vital: per-test evidence of .* in " "$work/run.log" || true
python3 -c "
import json; d = json.load(open('$work/chaos.json'))
print('chaos:', d['verdict'], d['rounds_run'], 'rounds;', ', '.join(f\"{f['name']} armed {f['armed']} fired {f['fired']}\" for f in d['failpoints']))"
