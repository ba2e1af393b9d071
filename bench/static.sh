#!/usr/bin/env bash
# Benchmark: `cargo vital check --static` (the pre-commit check: no coverage) on vital
# itself, on a large registry crate, regex-syntax 0.8.11 (1.6 MB of Rust), and on a
# workspace of 10 renamed copies of it (16.5 MB of Rust, 30 vital functions); the
# latter two from `cargo xtask bench-data`.
#
#   bash bench/static.sh          # prints wall time and peak RSS of 5 runs each
#
# Needs GNU time (/usr/bin/time), and for `cargo xtask bench-data` cargo-llvm-cov.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
cargo build --quiet --release -p cargo-vital
vital="$repo/target/release/cargo-vital"

cargo xtask bench-data
data="$repo/target/bench-data"
for target in "$repo" "$data/regex-syntax" "$data/tree"; do
  if [ "$target" = "$repo" ]; then echo "== vital"; else echo "== $(basename "$target")"; fi
  for run in 1 2 3 4 5; do
    (cd "$target" && /usr/bin/time -f "run $run: %e s wall, %M KiB peak RSS" "$vital" vital check --static >/dev/null) 2>&1 | grep '^run' || true
  done
done
