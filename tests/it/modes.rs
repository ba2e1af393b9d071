//! Failure modes: real `cargo vital run`s (nextest and libtest) on the `modes`
//! fixture, whose tests take every status.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Outcome, fixture, vital, write_file};

pub struct Runs {
    pub dir: PathBuf,
    nextest: Value,
    libtest: Value,
}

/// The fixture after a nextest run and a libtest run; the results of each are kept
/// as `junit.xml` and `libtest.jsonl`.
pub fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = fixture("modes", "modes-shared");
        let nextest = vital(&dir, &["run", "--runner", "nextest", "--format", "json"]);
        assert_eq!(nextest.code, 1, "{nextest:?}");
        std::fs::copy(dir.join("target/vital/tests.xml"), dir.join("junit.xml")).unwrap();
        let libtest = vital(&dir, &["run", "--runner", "libtest", "--format", "json"]);
        assert_eq!(libtest.code, 1, "{libtest:?}");
        assert!(!dir.join("target/vital/tests.xml").exists(), "only the latest run's results stay");
        std::fs::copy(dir.join("target/vital/tests.jsonl"), dir.join("libtest.jsonl")).unwrap();
        Runs { nextest: nextest.json(), libtest: libtest.json(), dir }
    })
}

/// (mode, status, test, detail) of each mode of function `index` of a report.
fn modes(report: &Value, index: usize) -> Vec<(String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    report["functions"][index]["failure_modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (text(&m["mode"]), text(&m["status"]), text(&m["test"]), text(&m["detail"])))
        .collect()
}

fn status_of(report: &Value, mode: &str) -> String {
    modes(report, 0)
        .into_iter()
        .find(|m| m.0 == mode)
        .map(|m| m.1)
        .unwrap_or_else(|| panic!("no mode {mode}"))
}

#[test]
fn each_failure_mode_takes_the_status_of_its_test_in_a_nextest_run() {
    let report = &runs().nextest;
    let got = modes(report, 0);
    let expect = [
        ("empty", "passed", "vault::store::tests::write_empty", ""),
        ("too_large", "hollow", "vault::store::tests::write_too_large", "it asserts nothing"),
        (
            "concurrent",
            "hollow",
            "vault::store::tests::write_concurrent",
            "it never calls `vault::store::Store::write`",
        ),
        ("after_close", "failed", "vault::store::tests::write_after_close", "it failed"),
        ("disk_full", "ignored", "vault::store::tests::write_disk_full", "it is `#[ignore]`d"),
        ("permission_denied", "missing", "", "add test `write_permission_denied`"),
        ("corrupted", "passed", "vault::store::tests::reads_back_what_was_written", ""),
        ("boundary", "passed", "vault::store::tests::write_boundary", ""),
        ("cancelled", "passed", "vault::store::tests::write_cancelled", ""),
    ];
    for (got, want) in got.iter().zip(expect) {
        assert_eq!((got.0.as_str(), got.1.as_str(), got.2.as_str(), got.3.as_str()), want);
    }
    assert_eq!(got.len(), expect.len());
    assert_eq!(report["functions"][0]["verdict"], "fail");
    // An integration test under tests/ counts for the essential `from_str`.
    assert_eq!(
        modes(report, 1),
        [("malformed".into(), "passed".into(), "records::from_str_malformed".into(), String::new())]
    );
    assert_eq!(report["functions"][1]["verdict"], "pass");
}

#[test]
fn a_failed_test_fails_the_run_and_is_named() {
    let tests = &runs().nextest["tests"];
    assert_eq!(tests["failed"], 1);
    assert_eq!(tests["failed_tests"][0], "vault::store::tests::write_after_close");
    // nextest leaves ignored tests out of its JUnit; libtest reports them.
    assert_eq!(tests["ignored"], 0);
    assert_eq!(runs().libtest["tests"]["ignored"], 1);
    assert_eq!(runs().nextest["verdict"], "fail");
}

#[test]
fn the_libtest_runner_records_the_same_statuses() {
    assert_eq!(modes(&runs().libtest, 0), modes(&runs().nextest, 0));
    assert_eq!(modes(&runs().libtest, 1), modes(&runs().nextest, 1));
}

#[test]
fn results_from_elsewhere_are_read_from_junit_and_from_libtest_json() {
    let runs = runs();
    for results in ["junit.xml", "libtest.jsonl"] {
        let out = vital(
            &runs.dir,
            &["check", "--coverage", "target/vital/coverage.json", "--tests", results, "--format", "json"],
        );
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(modes(&out.json(), 0), modes(&runs.nextest, 0), "{results}");
    }
    // Both at once merge.
    let out = vital(
        &runs.dir,
        &[
            "check",
            "--coverage",
            "target/vital/coverage.json",
            "--tests",
            "junit.xml",
            "libtest.jsonl",
            "--format",
            "json",
        ],
    );
    assert_eq!(status_of(&out.json(), "after_close"), "failed");
}

#[test]
fn without_test_results_no_mode_is_verified() {
    let out = vital(&runs().dir, &["check", "--coverage", "target/vital/coverage.json", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert_eq!(status_of(&report, "empty"), "unverified");
    assert_eq!(status_of(&report, "too_large"), "hollow", "hollow needs no run to tell");
    assert!(report["tests"].is_null());
    let human = vital(&runs().dir, &["check", "--coverage", "target/vital/coverage.json"]);
    let expected = "= note: failure mode `empty`: test `vault::store::tests::write_empty` (src/store.rs:76) is not verified: \
                    no test results were given (run `cargo vital run`, or pass `--tests`)";
    assert!(human.stdout.contains(expected), "{}", human.stdout);
}

#[test]
fn bad_results_files_are_exit_2() {
    let dir = &runs().dir;
    write_file(dir.join("broken.xml"), "<testsuites><testsuite name=\"vault\"><testcase name=\"x\">")
        .unwrap();
    let out = vital(dir, &["check", "--coverage", "target/vital/coverage.json", "--tests", "broken.xml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("broken.xml"), "{}", out.stderr);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
}

#[test]
fn the_human_output_says_what_to_add_and_why_a_test_does_not_count() {
    let out: Outcome =
        vital(&runs().dir, &["check", "--coverage", "target/vital/coverage.json", "--tests", "junit.xml"]);
    let text = &out.stdout;
    for expected in [
        "^^^^^ its failure modes are not all tested",
        "= help: failure mode `permission_denied` has no test: add test `write_permission_denied`",
        "= note: failure mode `too_large`: test `vault::store::tests::write_too_large` (src/store.rs:83) does not count: hollow, it asserts nothing",
        "= note: failure mode `concurrent`: test `vault::store::tests::write_concurrent` (src/store.rs:90) does not count: hollow, it never calls `vault::store::Store::write`",
        "= note: failure mode `after_close`: test `vault::store::tests::write_after_close` (src/store.rs:97) failed",
        "= note: failure mode `disk_full`: test `vault::store::tests::write_disk_full` (src/store.rs:106) does not count: it is `#[ignore]`d",
        "error: 1 test failed",
        "= note: failed: vault::store::tests::write_after_close",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let row = text.lines().find(|l| l.starts_with("vault::store::Store::write")).unwrap();
    assert!(row.contains("4/9") && row.ends_with("FAIL"), "{row}");
}

#[test]
fn a_mode_one_edit_from_a_known_one_warns() {
    let dir = &runs().dir;
    let catalogue = "[[vital]]\nfunction = \"vault::store::Store::write\"\ntier = \"optional\"\nfailure_modes = [\"disk_ful\", \"quota\"]\n";
    write_file(dir.join("typo.toml"), catalogue).unwrap();
    let out = vital(dir, &["check", "--catalogue", "typo.toml", "--format", "json"]);
    let warnings = out.json()["warnings"].clone();
    assert_eq!(warnings.as_array().unwrap().len(), 1, "{warnings:#}");
    let warning = warnings[0].as_str().unwrap();
    assert!(warning.starts_with(
        "typo.toml:4:18: failure mode `disk_ful` of `vault::store::Store::write` is not a known mode"
    ));
    assert!(warning.contains("did you mean `disk_full`?"), "{warning}");
    // Custom modes are allowed: the optional tier does not require them, so it passes.
    assert_eq!(out.code, 1, "the run's failed test still fails the gate: {out:?}");
}

#[test]
fn list_modes_prints_the_vocabulary_anywhere() {
    let out = vital(&std::env::temp_dir(), &["list", "--modes"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("input\n  none"), "{}", out.stdout);
    assert!(
        out.stdout.contains("  disk_full            the disk fills up while writing (ENOSPC)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\nenvironment\n"), "{}", out.stdout);
    let json = vital(&std::env::temp_dir(), &["list", "--modes", "--format", "json"]).json();
    assert_eq!(json.as_array().unwrap().len(), 26);
}

#[test]
fn suggest_proposes_modes_and_the_tests_to_add() {
    let dir = &runs().dir;
    let out = vital(dir, &["suggest", "vault::store::Store::write"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = &out.stdout;
    assert!(text.contains("function = \"vault::store::Store::write\""), "{text}");
    assert!(
        text.contains("failure_modes = [\"empty\", \"too_large\", \"concurrent\""),
        "declared first: {text}"
    );
    assert!(text.contains("#   empty: takes text, a slice or a collection -> test `write_empty`"), "{text}");
    let all = vital(dir, &["suggest", "--format", "json"]).json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["suggested"][0]["mode"], "empty");
    assert_eq!(all[1]["suggested"][0]["test"], "from_str_empty");
    let unknown = vital(dir, &["suggest", "vault::nothing"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
}
