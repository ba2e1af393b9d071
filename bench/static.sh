#!/usr/bin/env bash
# Benchmark: `cargo vital check --static` (the pre-commit check: no coverage) on vital
# itself and on a large registry crate, regex-syntax 0.8.11 (1.6 MB of Rust).
#
#   bash bench/static.sh          # prints wall time and peak RSS of 5 runs each
#
# Needs GNU time (/usr/bin/time); fetches regex-syntax through cargo.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/vital-bench}"
cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p cargo-vital
vital="$repo/target/release/cargo-vital"

# regex-syntax's source, from the registry, as a workspace of its own.
crate="$work/regex-syntax"
if [ ! -d "$crate" ]; then
  mkdir -p "$work/fetch/src"
  printf '[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nregex-syntax = "=0.8.11"\n[workspace]\n' >"$work/fetch/Cargo.toml"
  touch "$work/fetch/src/lib.rs"
  cargo fetch --quiet --manifest-path "$work/fetch/Cargo.toml"
  src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/regex-syntax-0.8.11 | head -n 1)
  cp -r "$src" "$crate"
  printf '\n[workspace]\n' >>"$crate/Cargo.toml"
  cat >"$crate/vital.toml" <<'TOML'
[[vital]]
function = "regex_syntax::escape"
tier = "critical"
failure_modes = ["empty", "boundary"]

[[vital]]
function = "regex_syntax::Parser::parse"
tier = "critical"
failure_modes = ["malformed", "too_large"]

[[vital]]
function = "regex_syntax::is_word_character"
tier = "essential"
failure_modes = ["boundary"]
TOML
fi

for target in "$repo" "$crate"; do
  echo "== $(basename "$target")"
  for run in 1 2 3 4 5; do
    (cd "$target" && /usr/bin/time -f "run $run: %e s wall, %M KiB peak RSS" "$vital" vital check --static >/dev/null) 2>&1 | grep '^run' || true
  done
done
