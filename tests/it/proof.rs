//! Per-test evidence (SPEC §7) on the `proof` fixture under real runs: a failure
//! mode counts only if its test, run alone with coverage, ran the function (and the
//! region its mode is pinned to). Both runners, the user's own target runner, the
//! evidence carried elsewhere, stale evidence, package selection, feature-gated
//! functions.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Outcome, fixture, vital, write_file};

/// The user's own target runner: it logs each command line, then runs it. Set as
/// `./runner.sh`, which cargo takes relative to the directory of `.cargo/`.
const RUNNER: &str = "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/runner.log\"\nexec \"$@\"\n";

struct Run {
    dir: PathBuf,
    run: Outcome,
}

/// A copy of the fixture with a target runner of the user's, after `cargo vital run
/// --runner RUNNER --format json`.
fn run_with(runner: &str) -> Run {
    let dir = fixture("proof", &format!("proof-{runner}"));
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    let host = host();
    write_file(dir.join(".cargo/config.toml"), format!("[target.{host}]\nrunner = \"./runner.sh\"\n"))
        .unwrap();
    write_file(dir.join("runner.sh"), RUNNER).unwrap();
    std::fs::set_permissions(dir.join("runner.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .unwrap();
    let _ = std::fs::remove_file(dir.join("runner.log"));
    let run = vital(&dir, &["run", "--runner", runner, "--format", "json"]);
    assert_eq!(run.code, 1, "two modes of the fixture are hollow: {run:?}");
    Run { dir, run }
}

fn host() -> String {
    let out = std::process::Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().find_map(|l| l.strip_prefix("host: ")).unwrap().to_string()
}

fn nextest() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run_with("nextest"))
}

fn libtest() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run_with("libtest"))
}

/// (function, mode, status, ran, detail) of every failure mode of a report.
fn modes(report: &Value) -> Vec<(String, String, String, Value, String)> {
    let mut all = Vec::new();
    for f in report["functions"].as_array().unwrap() {
        for m in f["failure_modes"].as_array().unwrap() {
            all.push((
                f["function"].as_str().unwrap().to_string(),
                m["mode"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
                m["ran"].clone(),
                m["detail"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    all
}

fn mode<'a>(
    all: &'a [(String, String, String, Value, String)],
    name: &str,
) -> &'a (String, String, String, Value, String) {
    all.iter().find(|m| m.1 == name).unwrap_or_else(|| panic!("no mode {name} in {all:?}"))
}

/// What every run of the fixture must show: the tests that ran `write` (a unit test
/// and one in `tests/`) prove their mode; the one that only reached it by name, and
/// the one that ran it but not the pinned region, are hollow though they passed.
fn assert_proven(report: &Value) {
    let all = modes(report);
    for name in ["empty", "boundary", "overflow"] {
        let m = mode(&all, name);
        assert_eq!((m.2.as_str(), &m.3), ("passed", &Value::Bool(true)), "{m:?}");
    }
    let after_close = mode(&all, "after_close");
    assert_eq!((after_close.2.as_str(), &after_close.3), ("hollow", &Value::Bool(false)), "{after_close:?}");
    assert_eq!(after_close.4, "it passed but never ran `proof::Store::write`");
    let too_large = mode(&all, "too_large");
    assert_eq!((too_large.2.as_str(), &too_large.3), ("hollow", &Value::Bool(false)), "{too_large:?}");
    assert!(
        too_large.4.starts_with("it passed but never ran the region at 21:")
            && too_large.4.ends_with("that the mode is pinned to"),
        "{too_large:?}"
    );
    let write = &report["functions"][0];
    assert_eq!(write["verdict"], "fail");
    assert_eq!(report["functions"][1]["verdict"], "pass", "{:#}", report["functions"][1]);
}

#[test]
fn a_mode_counts_only_if_its_test_ran_the_function_in_a_nextest_run() {
    assert_proven(&nextest().run.json());
}

#[test]
fn a_mode_counts_only_if_its_test_ran_the_function_in_a_libtest_run() {
    assert_proven(&libtest().run.json());
}

#[test]
fn the_users_target_runner_runs_every_test_vital_runs() {
    for (run, alone) in [(nextest(), "--exact tests::write_empty"), (libtest(), "tests::write_empty --exact")]
    {
        let log = std::fs::read_to_string(run.dir.join("runner.log")).expect("the user's runner ran");
        assert!(log.lines().any(|l| l.contains("/proof-") && l.contains(alone)), "{log}");
        assert!(log.lines().any(|l| l.contains("/api-") && l.contains("write_boundary")), "{log}");
    }
}

#[test]
fn the_human_report_says_why_a_passing_test_does_not_count() {
    let out = vital(&libtest().dir, &["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    for expected in [
        "failure mode `after_close`: test `proof::tests::write_after_close` (store/src/lib.rs:63) does not count: \
         hollow, it passed but never ran `proof::Store::write`",
        "failure mode `too_large`: test `proof::tests::write_too_large` (store/src/lib.rs:70) does not count: \
         hollow, it passed but never ran the region at 21:",
    ] {
        assert!(out.stdout.contains(expected), "missing {expected:?} in:\n{}", out.stdout);
    }
}

/// `target/vital/coverage.pertest/`: an index, an export per test, the run's stamp.
#[test]
fn the_evidence_lies_beside_the_coverage_with_the_runs_stamp() {
    let dir = libtest().dir.join("target/vital/coverage.pertest");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["vital_per_test"], 1);
    let tests = index["tests"].as_array().unwrap();
    let mut names: Vec<&str> = tests.iter().map(|t| t["test"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "tests::total_overflow",
            "tests::write_after_close",
            "tests::write_empty",
            "tests::write_too_large",
            "write_boundary"
        ]
    );
    for test in tests {
        assert_eq!(test["passed"], true, "{test}");
        let export = dir.join(test["export"].as_str().unwrap());
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
        // Exported for the vital functions' files only.
        let files: Vec<&str> = json["data"][0]["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["filename"].as_str().unwrap())
            .collect();
        assert!(
            matches!(files.as_slice(), [one] if one.ends_with("store/src/lib.rs") || one.ends_with("audit/src/lib.rs")),
            "{}: {files:?}",
            export.display()
        );
    }
    assert!(dir.join("sources.json").is_file());
}

/// Sharded CI carries the evidence along: `--per-test DIR` reads it from anywhere;
/// without it, a mode's passing test proves nothing (unverified).
#[test]
fn evidence_carried_elsewhere_is_read_with_per_test_and_none_is_unverified() {
    let run = libtest();
    let away = run.dir.join("away");
    let _ = std::fs::remove_dir_all(&away);
    copy(&run.dir.join("target/vital/coverage.pertest"), &away.join("pertest"));
    for file in ["coverage.json", "coverage.sources.json", "tests.jsonl"] {
        std::fs::copy(run.dir.join("target/vital").join(file), away.join(file)).unwrap();
    }
    let args =
        ["check", "--coverage", "away/coverage.json", "--tests", "away/tests.jsonl", "--format", "json"];
    let with: Vec<&str> = args.iter().copied().chain(["--per-test", "away/pertest"]).collect();
    let out = vital(&run.dir, &with);
    assert_eq!(out.code, 1, "{out:?}");
    assert_proven(&out.json());

    let out = vital(&run.dir, &args);
    assert_eq!(out.code, 1, "{out:?}");
    let all = modes(&out.json());
    let empty = mode(&all, "empty");
    assert_eq!((empty.2.as_str(), &empty.3), ("unverified", &Value::Null), "{empty:?}");
    assert!(empty.4.contains("per-test"), "{empty:?}");
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Per-test evidence of another source, or with no stamp, proves nothing: exit 2
/// (with `--unstamped`, the unstamped one is read).
#[test]
fn stale_or_unstamped_per_test_evidence_is_exit_2() {
    let run = libtest();
    let other = run.dir.join("other-pertest");
    let _ = std::fs::remove_dir_all(&other);
    copy(&run.dir.join("target/vital/coverage.pertest"), &other);
    // The stamp of a source with a changed `write` (in a copy of its own: the other
    // tests read this one): as if the evidence came from another commit.
    let edited = fixture("proof", "proof-edited");
    let lib = edited.join("store/src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    write_file(&lib, source.replace("bytes.len() > 8", "bytes.len() > 9")).unwrap();
    let stamped = vital(&edited, &["stamp", "--output", "edited.sources.json"]);
    assert_eq!(stamped.code, 0, "{stamped:?}");
    std::fs::copy(edited.join("edited.sources.json"), other.join("sources.json")).unwrap();
    let out = vital(&run.dir, &["check", "--per-test", "other-pertest"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("other-pertest/sources.json"), "{}", out.stderr);
    assert!(out.stderr.contains("store/src/lib.rs"), "{}", out.stderr);

    std::fs::remove_file(other.join("sources.json")).unwrap();
    let out = vital(&run.dir, &["check", "--per-test", "other-pertest"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("the per-test evidence has no source stamp"), "{}", out.stderr);
    let out = vital(&run.dir, &["check", "--per-test", "other-pertest", "--unstamped", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_proven(&out.json());
}

/// A pin off the function, or on no code region of it, is a catalogue error: the
/// code moved since it was written.
#[test]
fn a_pin_that_no_longer_fits_the_code_is_exit_2() {
    let run = libtest();
    let catalogue = std::fs::read_to_string(run.dir.join("vital.toml")).unwrap();
    for (pin, what) in [
        ("40:1", "is not in the function"),
        ("10:1", "is not in the function"),
        ("2:99", "is not in the function"),
    ] {
        let name = format!("pin-{}.toml", pin.replace(':', "-"));
        write_file(run.dir.join(&name), catalogue.replace("\"5:13\"", &format!("\"{pin}\""))).unwrap();
        let out = vital(&run.dir, &["check", "--catalogue", &name]);
        assert_eq!(out.code, 2, "{pin}: {out:?}");
        assert!(out.stderr.contains(&name) && out.stderr.contains(what), "{pin}: {}", out.stderr);
    }
}

/// `proof = "static"`: the tier takes a passing test's word for it, whatever its
/// per-test evidence shows (the report says so).
#[test]
fn a_tier_with_static_proof_takes_a_passing_test() {
    let run = libtest();
    let catalogue = std::fs::read_to_string(run.dir.join("vital.toml")).unwrap();
    let name = "static-proof.toml";
    write_file(
        run.dir.join(name),
        catalogue
            .replace("[tiers.critical]\n", "[tiers.critical]\nproof = \"static\"\n")
            .replace("regions = { too_large = \"5:13\" }\n", ""),
    )
    .unwrap();
    let out = vital(&run.dir, &["check", "--catalogue", name, "--format", "json"]);
    // Still short of the tier's coverage (the too-large path never ran), but not for
    // a failure mode.
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    let kinds: Vec<&str> = report["functions"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["below_threshold"; 3], "{report:#}");
    let all = modes(&report);
    for name in ["empty", "after_close", "too_large", "boundary"] {
        let m = mode(&all, name);
        assert_eq!(m.2, "passed", "{m:?}");
        assert!(m.4.contains("static"), "the report says the proof is static: {m:?}");
    }
}

/// `-p`/`--exclude` narrow what is gated (and, for `run`, what runs); an entry's
/// `features` are enabled by `run`, and a feature-gated function the run did not
/// compile fails as not compiled.
#[test]
fn packages_are_selected_and_an_entrys_features_are_compiled() {
    let run = libtest();
    let only = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        let out = vital(&run.dir, &all);
        let names: Vec<String> = out.json()["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["function"].as_str().unwrap().to_string())
            .collect();
        (out.code, names)
    };
    assert_eq!(only(&["-p", "audit"]), (0, vec!["audit::total".to_string()]));
    assert_eq!(only(&["--exclude", "audit"]), (1, vec!["proof::Store::write".to_string()]));
    let out = vital(&run.dir, &["check", "-p", "nonesuch"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("nonesuch"), "{}", out.stderr);

    // Feature-gated: not compiled by the run above.
    let extra = "[[vital]]\nfunction = \"proof::extra\"\ntier = \"optional\"\n";
    let catalogue = std::fs::read_to_string(run.dir.join("vital.toml")).unwrap();
    write_file(run.dir.join("extra.toml"), format!("{catalogue}\n{extra}")).unwrap();
    let out = vital(&run.dir, &["check", "--catalogue", "extra.toml", "-p", "proof", "--format", "json"]);
    let report = out.json();
    let f = report["functions"].as_array().unwrap().iter().find(|f| f["function"] == "proof::extra").unwrap();
    assert_eq!(f["findings"][0]["kind"], "not_compiled", "{f:#}");
    assert_eq!(f["findings"][0]["features"], serde_json::json!(["extra"]), "{f:#}");

    // With `features = ["extra"]` on its entry, `run` compiles it (and `-p proof`
    // runs only that package's tests); with `--doctests`, a doc example is a test.
    let dir = fixture("proof", "proof-features");
    write_file(
        dir.join("vital.toml"),
        "[[vital]]\nfunction = \"proof::extra\"\ntier = \"optional\"\nfeatures = [\"extra\"]\n\n\
         [[vital]]\nfunction = \"proof::checksum\"\ntier = \"optional\"\n",
    )
    .unwrap();
    let out = vital(&dir, &["run", "-p", "proof", "--doctests", "--format", "json"]);
    assert_eq!(out.code, 1, "`extra` is compiled, but no test runs it: {out:?}");
    let report = out.json();
    let extra = &report["functions"][0];
    assert!(extra["records"].as_u64().unwrap() > 0, "{extra:#}");
    assert_eq!(extra["findings"][0]["kind"], "below_threshold", "{extra:#}");
    let checksum = &report["functions"][1];
    assert_eq!(checksum["regions"]["covered"], checksum["regions"]["total"], "{checksum:#}");
    assert_eq!(
        report["tests"]["passed"], 5,
        "the proof package's tests and its doctest: {:#}",
        report["tests"]
    );
}

/// A function only its doc example runs: never run without `--doctests`, and the
/// report says how to count it.
#[test]
fn a_function_run_only_by_its_doc_example_gets_the_doctests_hint() {
    let run = libtest();
    let catalogue = "[[vital]]\nfunction = \"proof::checksum\"\ntier = \"essential\"\n";
    write_file(run.dir.join("checksum.toml"), catalogue).unwrap();
    let out = vital(&run.dir, &["check", "--catalogue", "checksum.toml", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let f = &out.json()["functions"][0];
    assert_eq!(f["regions"]["covered"], 0, "{f:#}");
    assert_eq!(f["doc_example"], true, "{f:#}");
    let out = vital(&run.dir, &["check", "--catalogue", "checksum.toml"]);
    assert!(
        out.stdout.contains(
            "help: its doc comment has an example that runs it: doctests count as tests with `cargo vital run --doctests`"
        ),
        "{}",
        out.stdout
    );
}
