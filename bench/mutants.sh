#!/usr/bin/env bash
# Benchmark: `cargo vital mutants` against a whole-crate `cargo mutants`, on the
# registry crate semver 1.0.28 (fetched through cargo), same machine, back to back.
#
#   bash bench/mutants.sh          # prints wall times, mutant counts, and whether every
#                                  # vital mutant has the same outcome in both runs
#
# The catalogue names 7 evaluation functions of semver (74 mutants, one function
# without any) and acknowledges the 3 equivalent mutants of `matches_caret`.
# Each run starts from a fresh copy of the crate with no target directory: the
# whole-crate run builds in cargo-mutants' scratch copy, as it always does; vital
# first runs `cargo vital run` (the coverage run a CI job makes anyway, which lets
# the mutation run skip cargo-mutants' baseline), then `cargo vital mutants` twice:
# cold (its lasting target directory is empty) and warm (a rerun, or a CI cache).
#
# Needs cargo-mutants, cargo-llvm-cov, the llvm-tools-preview component, python3
# and GNU time (/usr/bin/time). Takes about 10 minutes on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/vital-bench}/mutants"
mkdir -p "$work"

# The crate's source, through cargo: a throwaway package that depends on it.
fetch="$work/fetch"
mkdir -p "$fetch/src"
cat >"$fetch/Cargo.toml" <<'EOF'
[package]
name = "fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
semver = "=1.0.28"
[workspace]
EOF
: >"$fetch/src/lib.rs"
cargo fetch --quiet --manifest-path "$fetch/Cargo.toml"
source=$(cargo metadata --format-version 1 --manifest-path "$fetch/Cargo.toml" |
  python3 -c 'import json,sys,os; m=json.load(sys.stdin); print(os.path.dirname(next(p["manifest_path"] for p in m["packages"] if p["name"]=="semver")))')

# A fresh copy of the crate as its own workspace, with vital's catalogue.
prepare() {
  rm -rf "$1"
  cp -r "$source" "$1"
  chmod -R u+w "$1"
  printf '\n[workspace]\n' >>"$1/Cargo.toml"
  if [ -f "$work/Cargo.lock" ]; then cp "$work/Cargo.lock" "$1/"; else (cd "$1" && cargo generate-lockfile --quiet && cp Cargo.lock "$work/"); fi
  cat >"$1/vital.toml" <<'EOF'
[[vital]]
function = "semver::VersionReq::matches"
tier = "critical"

[[vital]]
function = "semver::Version::new"
tier = "critical"

[[vital]]
function = "semver::eval::matches_exact"
tier = "critical"

[[vital]]
function = "semver::eval::matches_greater"
tier = "critical"

[[vital]]
function = "semver::eval::matches_tilde"
tier = "critical"

[[vital]]
function = "semver::eval::matches_caret"
tier = "critical"

[[vital.survivors]]
mutant = "replace > with >= in matches_caret"
line = 19
column = 30
reason = "inside `ver.minor != minor`, `>` and `>=` agree"

[[vital.survivors]]
mutant = "replace > with >= in matches_caret"
line = 21
column = 30
reason = "inside `ver.patch != patch`, `>` and `>=` agree"

[[vital.survivors]]
mutant = "replace > with >= in matches_caret"
line = 27
column = 30
reason = "inside `ver.patch != patch`, `>` and `>=` agree"

[[vital]]
function = "semver::eval::pre_is_compatible"
tier = "critical"
EOF
}

cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p cargo-vital
vital="$repo/target/release/cargo-vital"
timed() { # label, then the command: prints "label: N s"
  local label=$1
  shift
  /usr/bin/time -f "%e" -o "$work/time" "$@" >"$work/$label.out" 2>"$work/$label.err" || true
  echo "$label: $(cat "$work/time") s"
}

prepare "$work/full"
prepare "$work/vital"
rm -rf "$work/full-out"
(cd "$work/full" && timed whole-crate cargo mutants --test-tool cargo -o "$work/full-out")
(cd "$work/vital" && timed vital-run "$vital" vital run --runner libtest)
(cd "$work/vital" && timed vital-mutants-cold "$vital" vital mutants --format json)
cp "$work/vital-mutants-cold.out" "$work/vital-report.json"
(cd "$work/vital" && timed vital-mutants-warm "$vital" vital mutants --format json)
grep '^vital: ' "$work/vital-mutants-cold.err" || true

python3 - "$work" <<'EOF'
import glob, json, sys
work = sys.argv[1]
full = json.load(open(f"{work}/full-out/mutants.out/outcomes.json"))
whole = {o["scenario"]["Mutant"]["name"]: o["summary"] for o in full["outcomes"] if isinstance(o["scenario"], dict)}
def outcomes(path):
    return {o["scenario"]["Mutant"]["name"]: o["summary"]
            for o in json.load(open(path))["outcomes"] if isinstance(o["scenario"], dict)}
ours = {}
# Each group's mutants.out, then its survivors re-tested with the whole suite.
for pattern in ("*/mutants.out", "*/confirmed/mutants.out"):
    for path in glob.glob(f"{work}/vital/target/vital/mutants/{pattern}/outcomes.json"):
        ours.update(outcomes(path))
print(f"whole crate: {len(whole)} mutants ({full['caught']} caught, {full['missed']} missed, "
      f"{full['timeout']} timeout, {full['unviable']} unviable)")
print(f"vital: {len(ours)} mutants of the vital functions")
differ = [(n, whole.get(n), s) for n, s in sorted(ours.items()) if whole.get(n) != s]
print(f"same outcome in both runs: {len(ours) - len(differ)} of {len(ours)}")
for name, theirs, mine in differ:
    print(f"  differs: {name}: whole crate {theirs}, vital {mine}")
report = json.load(open(f"{work}/vital-report.json"))
for f in report["functions"]:
    m = f["mutants"]
    print(f"  {f['function']}: {m['caught']} caught, {m['missed']} missed, {m['timeout']} timeout, "
          f"{m['unviable']} unviable, {m['acknowledged']} acknowledged -> "
          f"{m['score']['covered']}/{m['score']['total']}")
EOF
