//! Test results: what each test did in a run. Two formats are read, one module
//! each (several files merge; a test failed in any file is failed):
//!
//! - nextest's JUnit XML ([`junit`](super::junit)), per binary id;
//! - libtest's JSON lines ([`libtest`](super::libtest)), tagged with their binary by
//!   cargo's `Running` lines or by `cargo vital run`.

use std::collections::BTreeMap;
use std::path::Path;

use super::{junit, libtest};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::workspace::Workspace;

/// What a test did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// It ran and passed.
    Passed,
    /// It was ignored or skipped.
    Ignored,
    /// It ran and failed (or timed out).
    Failed,
}

/// Results by (crate, test path); the crate is `None` when the format did not say.
/// Results of test binaries that are not of this workspace count for nothing: they
/// are kept apart and reported. With them, how long each test binary ran, where the
/// format says it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestResults {
    results: BTreeMap<(Option<String>, String), Outcome>,
    times: BTreeMap<String, std::time::Duration>,
    /// Results of binaries not of this workspace, by binary.
    foreign: BTreeMap<String, usize>,
    /// Tests that started and never finished (the run broke off), by crate.
    unfinished: usize,
    /// What the report should say of these results.
    notes: Vec<String>,
}

impl TestResults {
    /// Reads one results file (either format).
    pub fn read(path: &Path, display: &Path, workspace: &Workspace) -> Result<TestResults> {
        let text = crate::fsutil::read_input_string(path, display, ErrorKind::Coverage).map_err(|err| {
            err.with_help(
                "produce it with `cargo vital run`, nextest's JUnit output, or libtest's `--format json`",
            )
        })?;
        TestResults::parse(&text, display, workspace)
    }

    /// Parses results text; `display` names the file in messages.
    pub fn parse(text: &str, display: &Path, workspace: &Workspace) -> Result<TestResults> {
        let mut results = match text.trim_start().chars().next() {
            Some('<') => junit::parse(text, display, workspace)?,
            Some(_) => libtest::parse(text, display, workspace)?,
            None => TestResults::default(),
        };
        let foreign: Vec<&str> = results.foreign.keys().map(String::as_str).collect();
        if results.results.is_empty() && !foreign.is_empty() {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                format!(
                    "the file holds no results of this workspace's tests: its test binaries ({}) are not of this workspace",
                    foreign.join(", ")
                ),
            )
            .with_help("pass the results of a test run of this workspace"));
        }
        if results.results.is_empty() {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                "the file holds no test results",
            )
            .with_help(
                "pass nextest's JUnit XML or libtest's JSON lines (`-- -Z unstable-options --format json`)",
            ));
        }
        let shown = display.display();
        if !foreign.is_empty() {
            let count: usize = results.foreign.values().sum();
            results.notes.push(format!(
                "{shown}: the results of {count} tests of binaries that are not of this workspace ({}) count for nothing",
                foreign.join(", ")
            ));
        }
        if results.results.keys().any(|(krate, _)| krate.is_none()) {
            results.notes.push(format!(
                "{shown}: some results do not say which test binary they are of: they are matched by test path alone"
            ));
        }
        if results.unfinished > 0 {
            results.notes.push(format!(
                "{shown}: {} tests started and never finished (the run broke off): they count as failed",
                results.unfinished
            ));
        }
        Ok(results)
    }

    /// Keeps a result of a binary that is not of this workspace apart.
    pub(super) fn record_foreign(&mut self, binary: &str) {
        *self.foreign.entry(binary.to_string()).or_default() += 1;
    }

    /// Records a test that started and never finished: failed.
    pub(super) fn record_unfinished(&mut self, krate: Option<String>, path: String) {
        self.unfinished += 1;
        self.record(krate, path, Outcome::Failed);
    }

    /// What the report should say of these results: foreign binaries, results
    /// without a binary, tests that never finished.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Whether any result of crate `krate`'s test binary was recorded.
    pub fn ran(&self, krate: &str) -> bool {
        self.results.keys().any(|(k, _)| k.as_deref() == Some(krate))
    }

    pub(super) fn record(&mut self, krate: Option<String>, path: String, outcome: Outcome) {
        let slot = self.results.entry((krate, path)).or_insert(outcome);
        // A test failed anywhere is failed; passed beats ignored.
        *slot = match (*slot, outcome) {
            (Outcome::Failed, _) | (_, Outcome::Failed) => Outcome::Failed,
            (Outcome::Passed, _) | (_, Outcome::Passed) => Outcome::Passed,
            _ => Outcome::Ignored,
        };
    }

    /// Records that the tests of crate `krate`'s binary ran for `time` (added to
    /// earlier runs of it).
    pub(super) fn record_time(&mut self, krate: String, time: std::time::Duration) {
        *self.times.entry(krate).or_default() += time;
    }

    /// How long the tests of crate `krate`'s binary ran, when the results say it.
    pub fn time_of(&self, krate: &str) -> Option<std::time::Duration> {
        self.times.get(krate).copied()
    }

    /// Adds the results of `other`.
    pub fn merge(&mut self, other: TestResults) {
        for ((krate, path), outcome) in other.results {
            self.record(krate, path, outcome);
        }
        for (binary, count) in other.foreign {
            *self.foreign.entry(binary).or_default() += count;
        }
        self.unfinished += other.unfinished;
        self.notes.extend(other.notes);
        for (krate, time) in other.times {
            self.record_time(krate, time);
        }
    }

    /// The outcome of test `path` of crate `krate`. A parametrized test (rstest,
    /// test_case) stands for the cases under it (`path::case_1`…): failed if one
    /// failed, passed if all passed.
    pub fn lookup(&self, krate: &str, path: &str, parametrized: bool) -> Option<Outcome> {
        let mut found: Option<Outcome> = None;
        let case_prefix = format!("{path}::");
        for ((k, p), &outcome) in &self.results {
            let crate_ok = k.as_deref().is_none_or(|k| k == krate);
            let path_ok = p == path || (parametrized && p.starts_with(&case_prefix));
            if crate_ok && path_ok {
                found = Some(found.map_or(outcome, |f| f.max(outcome)));
            }
        }
        found
    }

    /// The outcome of a test named as in `tests = { … }` (`path`, `crate::path`),
    /// for tests that are not in the source.
    pub fn lookup_any(&self, name: &str) -> Option<Outcome> {
        self.results
            .iter()
            .filter(|((k, p), _)| p == name || k.as_ref().is_some_and(|k| format!("{k}::{p}") == name))
            .map(|(_, &o)| o)
            .max()
    }

    /// Counts: (passed, failed, ignored).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |o| self.results.values().filter(|&&x| x == o).count();
        (count(Outcome::Passed), count(Outcome::Failed), count(Outcome::Ignored))
    }

    /// The tests that failed, as `crate::path`.
    pub fn failed(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|(_, o)| **o == Outcome::Failed)
            .map(|((k, p), _)| k.as_ref().map_or_else(|| p.clone(), |k| format!("{k}::{p}")))
            .collect()
    }
}

/// A results file that cannot be read: where, and what to pass instead.
pub(super) fn bad(display: &Path, line: usize, message: String) -> Error {
    Error::new(ErrorKind::Coverage, Some(Location::at(display, line.max(1), 1)), message)
        .with_help("pass nextest's JUnit XML or libtest's JSON lines, as the test run wrote them")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::{Package, Target, TargetKind};

    fn workspace() -> Workspace {
        let target = |name: &str, kind| Target { name: name.into(), kind, src_path: "x".into() };
        Workspace {
            root: "/w".into(),
            target_dir: "/w/target".into(),
            packages: vec![Package {
                name: "my-store".into(),
                manifest_path: "/w/Cargo.toml".into(),
                targets: vec![
                    target("my_store", TargetKind::Lib),
                    target("cli", TargetKind::Bin),
                    target("api", TargetKind::Test),
                ],
                features: Vec::new(),
                dependencies: Vec::new(),
            }],
        }
    }

    fn parse(text: &str) -> Result<TestResults> {
        TestResults::parse(text, Path::new("results"), &workspace())
    }

    const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="4" failures="1">
    <testsuite name="my-store" tests="3">
        <testcase name="store::tests::write_empty" classname="my-store" time="0.1"/>
        <testcase name="store::tests::write_disk_full" classname="my-store">
            <failure message="assertion failed" type="test failure">thread panicked &amp; stopped</failure>
        </testcase>
        <testcase name="cases::t::case_1" classname="my-store"/>
        <testcase name="cases::t::case_2" classname="my-store"><skipped/></testcase>
    </testsuite>
    <testsuite name="my-store::api" tests="1">
        <testcase name="round_trip" classname="my-store::api"></testcase>
    </testsuite>
    <testsuite name="my-store::bin/cli" tests="1">
        <testcase name="tests::parses_args" classname="my-store::bin/cli"/>
    </testsuite>
</testsuites>
"#;

    #[test]
    fn nextest_junit_is_read_per_binary() {
        let results = parse(JUNIT).unwrap();
        assert_eq!(results.lookup("my_store", "store::tests::write_empty", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("my_store", "store::tests::write_disk_full", false), Some(Outcome::Failed));
        assert_eq!(results.lookup("api", "round_trip", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("cli", "tests::parses_args", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("my_store", "round_trip", false), None);
        // One case passed, one was skipped: the test as a whole did not fully run.
        assert_eq!(results.lookup("my_store", "cases::t", true), Some(Outcome::Ignored));
        assert_eq!(results.lookup("my_store", "cases::t::case_1", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("my_store", "cases::t", false), None);
        assert_eq!(results.counts(), (4, 1, 1));
        assert_eq!(results.failed(), ["my_store::store::tests::write_disk_full"]);
    }

    #[test]
    fn malformed_and_truncated_junit_is_an_error() {
        let error = parse("<testsuites><testsuite name=\"x\"><testcase name=\"a\"></testsuite>").unwrap_err();
        assert!(error.to_string().contains("the JUnit XML is malformed"), "{error}");
        let error = parse("<testsuites><testsuite name=\"x\"><testcase name=\"a\">").unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        let error =
            parse("<testsuites><testsuite name=\"x\"><testcase/></testsuite></testsuites>").unwrap_err();
        assert!(error.to_string().contains("has no name"), "{error}");
        let error = parse("<testsuites></testsuites>").unwrap_err();
        assert!(error.to_string().contains("holds no test results"), "{error}");
    }

    #[test]
    fn libtest_json_lines_take_their_binary_from_cargo_or_vital() {
        let text = "\u{1b}[1m\u{1b}[92m     Running\u{1b}[0m unittests src/lib.rs (target/debug/deps/my_store-8dbf0753c22d4c02)
{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": 2 }
{ \"type\": \"test\", \"event\": \"started\", \"name\": \"store::tests::write_empty\" }
{ \"type\": \"test\", \"name\": \"store::tests::write_empty\", \"event\": \"ok\" }
{ \"type\": \"test\", \"name\": \"store::tests::slow\", \"event\": \"ignored\" }
     Running tests/api.rs (target/debug/deps/api-444173f225bc0b3e)
{ \"type\": \"test\", \"name\": \"round_trip\", \"event\": \"failed\", \"stdout\": \"boom\" }
{ \"type\": \"test\", \"name\": \"other\", \"event\": \"ok\", \"vital_target\": \"cli\" }
";
        let results = parse(text).unwrap();
        assert_eq!(results.lookup("my_store", "store::tests::write_empty", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("my_store", "store::tests::slow", false), Some(Outcome::Ignored));
        assert_eq!(results.lookup("api", "round_trip", false), Some(Outcome::Failed));
        assert_eq!(results.lookup("cli", "other", false), Some(Outcome::Passed));
        assert_eq!(results.time_of("my_store"), None, "no suite event with its time");
    }

    /// The time each test binary ran: libtest's suite events, nextest's `<testsuite time>`.
    #[test]
    fn each_binarys_test_time_is_kept() {
        let text = "{ \"type\": \"test\", \"name\": \"a\", \"event\": \"ok\", \"vital_target\": \"api\" }
{ \"type\": \"suite\", \"event\": \"ok\", \"passed\": 1, \"exec_time\": 0.25, \"vital_target\": \"api\" }
{ \"type\": \"suite\", \"event\": \"failed\", \"passed\": 0, \"exec_time\": 1.5, \"vital_target\": \"cli\" }
";
        let mut results = parse(text).unwrap();
        assert_eq!(results.time_of("api"), Some(std::time::Duration::from_millis(250)));
        assert_eq!(results.time_of("cli"), Some(std::time::Duration::from_millis(1500)));
        results.merge(parse(text).unwrap());
        assert_eq!(results.time_of("api"), Some(std::time::Duration::from_millis(500)), "two runs add up");
        let junit = JUNIT.replace(
            "<testsuite name=\"my-store::api\" tests=\"1\">",
            "<testsuite name=\"my-store::api\" tests=\"1\" time=\"0.125\">",
        );
        let results = parse(&junit).unwrap();
        assert_eq!(results.time_of("api"), Some(std::time::Duration::from_millis(125)));
        // nextest times each test, not its suites: they add up.
        assert_eq!(results.time_of("my_store"), Some(std::time::Duration::from_millis(100)));
        assert_eq!(results.time_of("cli"), None);
    }

    #[test]
    fn libtest_results_without_a_binary_match_by_path() {
        let results = parse("{\"type\":\"test\",\"name\":\"t::a\",\"event\":\"ok\"}\n").unwrap();
        assert_eq!(results.lookup("anything", "t::a", false), Some(Outcome::Passed));
        assert_eq!(results.lookup_any("t::a"), Some(Outcome::Passed));
    }

    #[test]
    fn bad_libtest_lines_are_errors_with_their_line() {
        let error =
            parse("{\"type\":\"test\",\"name\":\"a\",\"event\":\"ok\"}\n{\"type\": 3}\n").unwrap_err();
        assert!(error.to_string().starts_with("results:2:1: a line is not a libtest JSON event"), "{error}");
        let error = parse("{\"type\":\"test\",\"event\":\"ok\"}\n").unwrap_err();
        assert!(error.to_string().contains("has no `name`"), "{error}");
        let error = parse("plain text\n").unwrap_err();
        assert!(error.to_string().contains("holds no test results"), "{error}");
        assert!(parse("").unwrap_err().to_string().contains("holds no test results"));
    }

    /// Results of binaries that are not of this workspace count for nothing, and are
    /// reported; a file holding only those is an error.
    #[test]
    fn foreign_results_count_for_nothing() {
        let junit = r#"<testsuites>
            <testsuite name="other-package"><testcase name="tests::write_empty"/></testsuite>
            <testsuite name="my-store::nowhere"><testcase name="t"/></testsuite>
            <testsuite name="my-store"><testcase name="tests::kept"/></testsuite>
        </testsuites>"#;
        let results = parse(junit).unwrap();
        assert_eq!(results.lookup("my_store", "tests::write_empty", false), None);
        assert_eq!(results.lookup_any("tests::write_empty"), None);
        assert_eq!(results.lookup("my_store", "tests::kept", false), Some(Outcome::Passed));
        assert_eq!(results.counts(), (1, 0, 0));
        assert!(
            results.notes()[0].contains("2 tests of binaries that are not of this workspace"),
            "{:?}",
            results.notes()
        );
        let only = r#"<testsuites><testsuite name="other"><testcase name="t"/></testsuite></testsuites>"#;
        assert!(parse(only).unwrap_err().to_string().contains("no results of this workspace's tests"));
        let libtest = "     Running unittests src/lib.rs (target/debug/deps/elsewhere-0123abcd)\n\
                       {\"type\":\"test\",\"name\":\"t\",\"event\":\"ok\"}\n";
        assert!(parse(libtest).unwrap_err().to_string().contains("(elsewhere) are not of this workspace"));
    }

    /// libtest's `timeout` event says a test runs long, not that it failed; a test
    /// that started and never finished failed.
    #[test]
    fn a_slow_test_is_not_failed_and_an_unfinished_one_is() {
        let text = "     Running unittests src/lib.rs (target/debug/deps/my_store-0123abcd)\n\
                    {\"type\":\"test\",\"event\":\"started\",\"name\":\"slow\"}\n\
                    {\"type\":\"test\",\"event\":\"timeout\",\"name\":\"slow\"}\n\
                    {\"type\":\"test\",\"event\":\"started\",\"name\":\"hung\"}\n\
                    {\"type\":\"test\",\"event\":\"ok\",\"name\":\"slow\"}\n";
        let results = parse(text).unwrap();
        assert_eq!(results.lookup("my_store", "slow", false), Some(Outcome::Passed));
        assert_eq!(results.lookup("my_store", "hung", false), Some(Outcome::Failed));
        assert!(results.notes()[0].contains("1 tests started and never finished"), "{:?}", results.notes());
        assert!(results.ran("my_store") && !results.ran("api"));
    }

    #[test]
    fn merging_keeps_failures() {
        let mut a =
            parse("{\"type\":\"test\",\"name\":\"t\",\"event\":\"ok\",\"vital_target\":\"cli\"}").unwrap();
        let b = parse("{\"type\":\"test\",\"name\":\"t\",\"event\":\"failed\",\"vital_target\":\"cli\"}")
            .unwrap();
        let c = parse("{\"type\":\"test\",\"name\":\"u\",\"event\":\"ignored\",\"vital_target\":\"cli\"}")
            .unwrap();
        a.merge(b);
        a.merge(c);
        assert_eq!(a.lookup("cli", "t", false), Some(Outcome::Failed));
        assert_eq!(a.lookup("cli", "u", false), Some(Outcome::Ignored));
        assert_eq!(a.lookup_any("cli::t"), Some(Outcome::Failed));
    }
}
