//! vital's gate inside `cargo test` and `cargo nextest run` (SPEC §11): the real
//! `vital::harness` test target of the `harness` fixture, built against this
//! checkout's `vital` crate, under real cargo, nextest and `cargo vital run`.

use std::path::{Path, PathBuf};

use crate::support::{Outcome, command, fixture, vital, write_file};

/// A copy of the `harness` fixture whose `vital` dependency is this checkout's
/// crate, locked to the versions vital's own workspace builds with.
pub fn harness_fixture(copy: &str) -> PathBuf {
    let dir = fixture("harness", copy);
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let vital = checkout.join("crates/vital");
    let manifest =
        manifest.replace("\"../../../crates/vital\"", &format!("{:?}", vital.display().to_string()));
    write_file(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(checkout.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// Runs `cargo <args>` in `dir` with the environment variables `env`. The copies
/// share one build directory (cargo's `build.build-dir`), so that `vital` and its
/// dependencies are built once for all of them; each keeps its own target
/// directory, and so its own `target/vital/`.
fn cargo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let build_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("harness-build");
    let output = command("cargo", dir)
        .args(args)
        .env("CARGO_BUILD_BUILD_DIR", build_dir)
        .envs(env.iter().copied())
        .output()
        .expect("cargo runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The line libtest prints for case `name` (`test NAME ... ok`).
fn case_line<'a>(out: &'a Outcome, name: &str) -> &'a str {
    let prefix = format!("test {name} ");
    out.stdout
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no case `{name}` in the output:\n{out:?}"))
}

const PARSE_STATIC: &str = "vital::static::harness_demo::parse_port";
const PARSE_COVERAGE: &str = "vital::coverage::harness_demo::parse_port";
const CLAMP_STATIC: &str = "vital::static::harness_demo::clamp";
const CLAMP_COVERAGE: &str = "vital::coverage::harness_demo::clamp";

/// The test `parse_port_empty`, which the catalogue's `empty` mode asks for.
const EMPTY_TEST: &str =
    "#[test]\nfn parse_port_empty() {\n    assert!(harness_demo::parse_port(\"\").is_err());\n}\n";

#[test]
fn cargo_test_runs_the_gate_and_fails_with_the_diagnostic_until_the_mode_test_is_added() {
    let dir = harness_fixture("harness-cargo-test");
    let _ = std::fs::remove_dir_all(dir.join("target/vital"));

    // A mode without its test: the static case fails with check's diagnostic.
    let missing = cargo(&dir, &["test", "--test", "vital"], &[]);
    assert_eq!(missing.code, 101, "{missing:?}");
    assert!(case_line(&missing, PARSE_STATIC).ends_with("FAILED"), "{missing:?}");
    assert!(case_line(&missing, CLAMP_STATIC).ends_with("ok"), "{missing:?}");
    let failure =
        missing.stdout.split(&format!("---- {PARSE_STATIC} ----")).nth(1).expect("a failure message");
    assert!(
        failure.contains("error[essential]: `harness_demo::parse_port` does not meet the essential tier"),
        "{failure}"
    );
    assert!(failure.contains("--> src/lib.rs:6:8"), "points at the function: {failure}");
    assert!(failure.contains("parse_port_empty"), "names the test to add: {failure}");
    // No coverage export yet: the coverage cases are ignored, with the reason.
    for name in [PARSE_COVERAGE, CLAMP_COVERAGE] {
        assert!(
            case_line(&missing, name).ends_with("ignored (no coverage export at target/vital/coverage.json)"),
            "{missing:?}"
        );
    }

    // Filters, --exact and --list work as with libtest.
    let listed = cargo(&dir, &["test", "-q", "--test", "vital", "--", "--list"], &[]);
    assert_eq!(listed.code, 0, "{listed:?}");
    for name in [PARSE_STATIC, CLAMP_STATIC, PARSE_COVERAGE, CLAMP_COVERAGE] {
        assert!(listed.stdout.contains(&format!("{name}: test\n")), "{listed:?}");
    }
    let exact = cargo(&dir, &["test", "--test", "vital", "--", "--exact", CLAMP_STATIC], &[]);
    assert_eq!(exact.code, 0, "{exact:?}");
    assert!(exact.stdout.contains("1 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out"), "{exact:?}");
    let filtered = cargo(&dir, &["test", "--test", "vital", "--", "vital::static"], &[]);
    assert_eq!(filtered.code, 101, "{filtered:?}");
    assert!(
        filtered.stdout.contains("1 passed; 1 failed; 0 ignored; 0 measured; 2 filtered out"),
        "{filtered:?}"
    );

    // Coverage required: a coverage case without an export fails instead.
    let required = cargo(
        &dir,
        &["test", "--test", "vital", "--", "vital::coverage"],
        &[("VITAL_REQUIRE_COVERAGE", "1")],
    );
    assert_eq!(required.code, 101, "{required:?}");
    assert!(case_line(&required, CLAMP_COVERAGE).ends_with("FAILED"), "{required:?}");
    assert!(
        required.stdout.contains("error: no coverage export at target/vital/coverage.json"),
        "{required:?}"
    );
    assert!(required.stdout.contains("run `cargo vital run`"), "{required:?}");

    // The test added: the whole suite passes.
    write_file(dir.join("tests/port.rs"), EMPTY_TEST).unwrap();
    let added = cargo(&dir, &["test"], &[]);
    assert_eq!(added.code, 0, "{added:?}");
    assert!(case_line(&added, PARSE_STATIC).ends_with("ok"), "{added:?}");
    assert!(added.stdout.contains("2 passed; 0 failed; 2 ignored"), "{added:?}");
}

#[test]
fn cargo_nextest_runs_each_case_in_its_own_process() {
    let dir = harness_fixture("harness-nextest");
    let _ = std::fs::remove_dir_all(dir.join("target/vital"));

    let listed = cargo(&dir, &["nextest", "list", "--test", "vital"], &[]);
    assert_eq!(listed.code, 0, "{listed:?}");
    for name in [PARSE_STATIC, CLAMP_STATIC, PARSE_COVERAGE, CLAMP_COVERAGE] {
        assert!(listed.stdout.contains(&format!("harness-demo::vital {name}\n")), "{listed:?}");
    }

    let missing = cargo(&dir, &["nextest", "run", "--test", "vital", "--no-fail-fast"], &[]);
    assert_eq!(missing.code, 100, "{missing:?}");
    let out = format!("{}{}", missing.stdout, missing.stderr);
    let failed = format!("harness-demo::vital {PARSE_STATIC}");
    assert!(out.lines().any(|l| l.contains("FAIL [") && l.trim_end().ends_with(&failed)), "{out}");
    assert!(out.contains("parse_port_empty"), "the diagnostic names the test to add: {out}");
    assert!(out.contains("4 tests run: 3 passed, 1 failed"), "{out}");

    write_file(dir.join("tests/port.rs"), EMPTY_TEST).unwrap();
    // A case ignored at run time is a pass to nextest; its reason shows in its output.
    let added = cargo(&dir, &["nextest", "run", "--test", "vital", "--success-output", "immediate"], &[]);
    assert_eq!(added.code, 0, "{added:?}");
    let out = format!("{}{}", added.stdout, added.stderr);
    assert!(out.contains("4 tests run: 4 passed"), "{out}");
    assert!(out.contains("ignored (no coverage export at target/vital/coverage.json)"), "{out}");

    let required = cargo(
        &dir,
        &["nextest", "run", "--test", "vital", "--no-fail-fast", "-E", "test(/^vital::coverage::/)"],
        &[("VITAL_REQUIRE_COVERAGE", "1")],
    );
    assert_eq!(required.code, 100, "{required:?}");
    let out = format!("{}{}", required.stdout, required.stderr);
    assert!(out.contains("2 tests run: 0 passed, 2 failed"), "{out}");
    assert!(out.contains("error: no coverage export at target/vital/coverage.json"), "{out}");
}

#[test]
fn the_coverage_cases_check_the_last_fresh_export_of_cargo_vital_run() {
    let dir = harness_fixture("harness-coverage");
    write_file(dir.join("tests/port.rs"), EMPTY_TEST).unwrap();

    // Inside vital's own run the harness judges nothing: the run checks itself.
    let run = vital(&dir, &["run", "--format", "json"]);
    assert_eq!(run.code, 1, "clamp is below its tier: {run:?}");
    let report = run.json();
    assert_eq!(report["tests"]["failed"], 0, "no harness case failed inside the run: {report}");
    assert_eq!(report["functions"][0]["verdict"], "pass", "{report}");
    assert_eq!(report["functions"][1]["verdict"], "fail", "{report}");

    // After it, `cargo test` checks that export: parse_port holds, clamp does not.
    let after = cargo(&dir, &["test", "--test", "vital"], &[]);
    assert_eq!(after.code, 101, "{after:?}");
    assert!(case_line(&after, PARSE_COVERAGE).ends_with("ok"), "{after:?}");
    assert!(case_line(&after, CLAMP_COVERAGE).ends_with("FAILED"), "{after:?}");
    let failure =
        after.stdout.split(&format!("---- {CLAMP_COVERAGE} ----")).nth(1).expect("a failure message");
    assert!(failure.contains("`harness_demo::clamp` does not meet the optional tier"), "{failure}");
    assert!(failure.contains("lines 83.3% < 100%"), "{failure}");
    assert!(failure.contains("never run"), "points at the line never run: {failure}");

    // The source changed since: the export is stale, the coverage cases ignored.
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    write_file(dir.join("src/lib.rs"), format!("{lib}\n// edited after the run\n")).unwrap();
    let stale = cargo(&dir, &["test", "--test", "vital"], &[]);
    assert_eq!(stale.code, 0, "{stale:?}");
    let line = case_line(&stale, CLAMP_COVERAGE);
    assert!(
        line.contains(
            "ignored (the coverage at target/vital/coverage.json is not of the source as it is now"
        ),
        "{line}"
    );
    let required = cargo(&dir, &["test", "--test", "vital"], &[("VITAL_REQUIRE_COVERAGE", "1")]);
    assert_eq!(required.code, 101, "{required:?}");
    assert!(required.stdout.contains("help: run `cargo vital run` again"), "{required:?}");
}
