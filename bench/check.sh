#!/usr/bin/env bash
# Benchmark: `cargo vital check` on the largest real llvm-cov export this repository
# produces: vital's own workspace tests, with coverage of its biggest dependencies
# (`--dep-coverage`), checked against vital's own vital.toml.
#
#   bash bench/check.sh            # prints file size, records, wall time and peak RSS (3 runs)
#
# Needs cargo-llvm-cov, the llvm-tools-preview component and GNU time (/usr/bin/time).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/vital-bench}"
deps="syn,serde_json,toml,toml_parser,regex-automata,regex-syntax,clap_builder,annotate-snippets,cargo_metadata,proc-macro2,serde_core,winnow,anstream,walkdir,tempfile"

rm -rf "$work/src" && mkdir -p "$work/src"
git -C "$repo" archive HEAD | tar -x -C "$work/src"
cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p cargo-vital
vital="$repo/target/release/cargo-vital"

# The source is a `git archive` (no .git, no target/tools): the tests of the git hook
# and of the workflows need those, and are skipped here; the export is what matters.
if [ ! -f "$work/export.json" ]; then
  (cd "$work/src" && RUSTC_BOOTSTRAP=1 cargo llvm-cov --branch --json --output-path "$work/export.json" \
     --dep-coverage "$deps" --workspace -- --skip hooks:: --skip workflows:: \
     >"$work/llvm-cov.log" 2>&1)
fi

size=$(stat -c %s "$work/export.json")
records=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['data'][0]['functions']))" "$work/export.json")
echo "export: $((size / 1024)) KiB, $records function records"
for run in 1 2 3; do
  (cd "$work/src" && /usr/bin/time -f "run $run: %e s wall, %M KiB peak RSS" \
     "$vital" vital check --coverage "$work/export.json" >/dev/null) || true
done
