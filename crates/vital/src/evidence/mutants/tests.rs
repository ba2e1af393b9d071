//! The join of mutants with the source: by span, in characters, innermost function
//! first; results that do not fit the source, pins, and the plan.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::list::{FunctionInfo, LineColumn, MutantRecord, Span};
use super::outcomes::{RunResults, Summary, Tested};
use super::plan::{Baseline, LastRun, PlanOptions, TestTarget, plan};
use super::*;
use crate::catalogue::Catalogue;
use crate::evidence::coverage::stamp::{RunSettings, STAMP_VERSION, SourceStamp};
use crate::testutil::{Fixture, fixture};

/// Non-ASCII text before an operator: cargo-mutants counts the `>` of line 2 at
/// column 31 (characters); it is at byte column 37.
const LIB: &str = "pub fn utf8(x: i32) -> bool {
    let _s = \"é€😀\"; let y = x > 3;
    y
}

pub fn outer(x: u32) -> u32 {
    fn inner(y: u32) -> u32 {
        y + 1
    }
    inner(x) * 3
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf8_works() {
        assert!(super::utf8(4));
    }
}
";

fn span(start: (u32, u32), end: (u32, u32)) -> Span {
    Span {
        start: LineColumn { line: start.0, column: start.1 },
        end: LineColumn { line: end.0, column: end.1 },
    }
}

/// A mutant record as cargo-mutants writes it, with the diff of a one-line change.
fn record(
    function: &str,
    at: (u32, u32),
    end: (u32, u32),
    description: &str,
    replacement: &str,
) -> MutantRecord {
    let line = LIB.lines().nth(at.0 as usize - 1).unwrap();
    MutantRecord {
        name: format!("src/lib.rs:{}:{}: {description}", at.0, at.1),
        package: "demo".into(),
        file: "src/lib.rs".into(),
        function: Some(FunctionInfo {
            function_name: function.into(),
            return_type: "-> bool".into(),
            span: span((1, 1), (5, 2)),
        }),
        span: span(at, end),
        replacement: replacement.into(),
        genre: if description.starts_with("replace ") && description.contains(" -> ") {
            "FnValue".into()
        } else {
            "BinaryOperator".into()
        },
        diff: Some(format!(
            "--- src/lib.rs\n+++ {description}\n@@ -{0},1 +{0},1 @@\n-{line}\n+{line} /* ~ */\n",
            at.0
        )),
    }
}

fn list() -> Vec<MutantRecord> {
    vec![
        record("utf8", (2, 31), (2, 32), "replace > with >= in utf8", ">="),
        record("utf8", (2, 31), (2, 32), "replace > with < in utf8", "<"),
        record("utf8", (2, 5), (3, 6), "replace utf8 -> bool with true", "true"),
        record("outer::inner", (8, 11), (8, 12), "replace + with - in outer::inner", "-"),
        record("outer", (10, 14), (10, 15), "replace * with + in outer", "+"),
    ]
}

const CATALOGUE: &str = "[[vital]]\nfunction = \"demo::utf8\"\ntier = \"critical\"\n\n[[vital]]\nfunction = \"demo::outer\"\ntier = \"critical\"\n";

fn setup(catalogue: &str) -> (Fixture, Catalogue, Vec<FnId>) {
    let fx = fixture(&[("src/lib.rs", LIB)]);
    let catalogue = Catalogue::parse(Path::new("vital.toml"), catalogue).unwrap();
    let fns = vec![fx.func("utf8"), fx.func("outer")];
    (fx, catalogue, fns)
}

fn run(
    fx: &Fixture,
    catalogue: &Catalogue,
    fns: &[FnId],
    list: &[MutantRecord],
    results: &[RunResults],
) -> Result<Joined> {
    let entries: Vec<(&crate::catalogue::Entry, FnId)> =
        catalogue.entries.iter().zip(fns.iter().copied()).collect();
    join(&fx.index, catalogue, &entries, list, Path::new("list.json"), results)
}

fn tested(record: &MutantRecord, summary: Summary) -> Tested {
    Tested { mutant: MutantRecord { diff: None, ..record.clone() }, summary, diff: record.diff.clone() }
}

fn results(tested: Vec<Tested>) -> RunResults {
    RunResults { dir: PathBuf::from("mutants.out"), version: Some("27.1.0".into()), tested }
}

fn names(evidence: &MutationEvidence) -> Vec<(&str, MutantStatus)> {
    evidence.mutants.iter().map(|m| (m.mutant.description.as_str(), m.status)).collect()
}

#[test]
fn character_columns_become_byte_ranges() {
    let lines = crate::text::LineIndex::new(LIB);
    let range = byte_range(LIB, &lines, span((2, 31), (2, 32))).unwrap();
    assert_eq!(&LIB[range.clone()], ">");
    assert_eq!(lines.position(range.start), (2, 37), "byte column 37");
    let literal = byte_range(LIB, &lines, span((2, 14), (2, 19))).unwrap();
    assert_eq!(&LIB[literal], "\"é€😀\"", "columns count characters, not bytes");
    // One past the last character is the end of an exclusive span; further is off the line.
    assert_eq!(byte_range(LIB, &lines, span((2, 34), (2, 35))).map(|r| &LIB[r]), Some(";"));
    assert_eq!(byte_range(LIB, &lines, span((2, 35), (2, 35))).map(|r| &LIB[r]), Some(""));
    assert_eq!(byte_range(LIB, &lines, span((2, 36), (2, 36))), None);
    assert_eq!(byte_range(LIB, &lines, span((99, 1), (99, 2))), None);
    assert_eq!(byte_range(LIB, &lines, span((3, 0), (3, 2))), None);
}

/// Each mutant goes to the innermost function around it: `inner`'s `+` is not
/// `outer`'s, though `outer`'s span holds it.
#[test]
fn mutants_join_the_innermost_function_by_span() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let joined = run(&fx, &catalogue, &fns, &list(), &[]).unwrap();
    assert_eq!(
        names(&joined.functions[0]),
        [
            ("replace utf8 -> bool with true", MutantStatus::Untested),
            ("replace > with < in utf8", MutantStatus::Untested),
            ("replace > with >= in utf8", MutantStatus::Untested),
        ]
    );
    assert_eq!(names(&joined.functions[1]), [("replace * with + in outer", MutantStatus::Untested)]);
    let gt = &joined.functions[0].mutants[2].mutant;
    assert_eq!((gt.line, gt.column, gt.original.as_str()), (2, 31, ">"));
    assert_eq!(gt.change(), "`>` becomes `>=`");
    assert_eq!(joined.functions[0].mutants[0].mutant.change(), "the body is replaced by `true`");
}

#[test]
fn outcomes_set_each_status_and_the_score() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let list = list();
    let run1 = results(vec![
        tested(&list[0], Summary::MissedMutant),
        tested(&list[1], Summary::CaughtMutant),
        tested(&list[2], Summary::Timeout),
    ]);
    let run2 = results(vec![tested(&list[4], Summary::Unviable), tested(&list[1], Summary::CaughtMutant)]);
    let joined = run(&fx, &catalogue, &fns, &list, &[run1, run2]).unwrap();
    let utf8 = &joined.functions[0];
    assert_eq!(
        names(utf8),
        [
            ("replace utf8 -> bool with true", MutantStatus::Timeout),
            ("replace > with < in utf8", MutantStatus::Caught),
            ("replace > with >= in utf8", MutantStatus::Missed),
        ]
    );
    assert_eq!(utf8.score(TimeoutRule::Missed), Count::new(1, 3));
    assert_eq!(utf8.score(TimeoutRule::Caught), Count::new(2, 3));
    assert_eq!(names(&joined.functions[1]), [("replace * with + in outer", MutantStatus::Unviable)]);
    assert_eq!(joined.functions[1].score(TimeoutRule::Missed), Count::new(0, 0));
}

/// A listed mutant without an outcome stays untested; an outcome not in the list
/// that fits the source (made with other options) counts.
#[test]
fn missing_outcomes_are_untested_and_extra_ones_count() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let list = list();
    let extra = record("utf8", (2, 31), (2, 32), "replace > with == in utf8", "==");
    let joined =
        run(&fx, &catalogue, &fns, &list[1..], &[results(vec![tested(&extra, Summary::CaughtMutant)])])
            .unwrap();
    assert_eq!(
        names(&joined.functions[0]),
        [
            ("replace utf8 -> bool with true", MutantStatus::Untested),
            ("replace > with < in utf8", MutantStatus::Untested),
            ("replace > with == in utf8", MutantStatus::Caught),
        ]
    );
}

/// Results of other source never pass: a changed line, shifted lines, a span off the
/// file, a missing diff, two runs that disagree.
#[test]
fn results_that_do_not_fit_the_source_are_errors() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let list = list();
    let mut changed = tested(&list[0], Summary::MissedMutant);
    changed.diff = Some(
        "--- src/lib.rs\n+++ x\n@@ -2,1 +2,1 @@\n-    let _s = \"é€😀\"; let y = x > 4;\n+    x\n".into(),
    );
    let error = run(&fx, &catalogue, &fns, &list, &[results(vec![changed])]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Mutants);
    let message = error.to_string();
    assert!(message.starts_with("src/lib.rs:2:1: `src/lib.rs:2:31: replace > with >= in utf8` (in mutants.out) was made from other source: line 2 differs"), "{message}");
    assert!(message.contains("run the mutants again"), "{message}");

    let mut shifted = tested(&list[0], Summary::MissedMutant);
    shifted.diff = Some(shifted.diff.unwrap().replace("@@ -2,1 +2,1 @@", "@@ -3,1 +3,1 @@"));
    assert!(run(&fx, &catalogue, &fns, &list, &[results(vec![shifted])]).is_err());

    let mut off = tested(&list[0], Summary::MissedMutant);
    off.mutant.span = span((2, 40), (2, 41));
    let message = run(&fx, &catalogue, &fns, &list, &[results(vec![off])]).unwrap_err().to_string();
    assert!(message.contains("lies outside the file as it is now"), "{message}");

    let mut no_diff = tested(&list[0], Summary::MissedMutant);
    no_diff.diff = None;
    let message = run(&fx, &catalogue, &fns, &list, &[results(vec![no_diff])]).unwrap_err().to_string();
    assert!(message.contains("cannot tell whether"), "{message}");

    let twice = [
        results(vec![tested(&list[0], Summary::MissedMutant)]),
        results(vec![tested(&list[0], Summary::CaughtMutant)]),
    ];
    let message = run(&fx, &catalogue, &fns, &list, &twice).unwrap_err().to_string();
    assert!(
        message.contains("tested twice with different outcomes: missed in mutants.out, caught here"),
        "{message}"
    );

    // The list itself must be of this source.
    let mut foreign = list.clone();
    foreign[0].diff = Some(foreign[0].diff.clone().unwrap().replace("x > 3", "x > 9"));
    let message = run(&fx, &catalogue, &fns, &foreign, &[]).unwrap_err().to_string();
    assert!(message.starts_with("list.json: the mutant list does not fit the source"), "{message}");
}

#[test]
fn results_of_another_workspace_are_said_to_be() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let mut elsewhere = tested(&list()[0], Summary::CaughtMutant);
    elsewhere.mutant.file = "crates/other/src/x.rs".into();
    let joined = run(&fx, &catalogue, &fns, &list(), &[results(vec![elsewhere])]).unwrap();
    assert!(
        joined.warnings[0].contains("none of the 1 tested mutants is in a vital function"),
        "{:?}",
        joined.warnings
    );
    assert!(joined.functions[0].mutants.iter().all(|m| m.status == MutantStatus::Untested));
}

const PINNED: &str = "[[vital]]
function = \"demo::utf8\"
tier = \"critical\"

[[vital.survivors]]
mutant = \"replace > with >= in utf8\"
line = 1
reason = \"x is never 3\"

[[vital]]
function = \"demo::outer\"
tier = \"critical\"
";

#[test]
fn a_pinned_survivor_leaves_the_score() {
    let (fx, catalogue, fns) = setup(PINNED);
    let list = list();
    let run1 =
        results(vec![tested(&list[0], Summary::MissedMutant), tested(&list[1], Summary::CaughtMutant)]);
    let joined = run(&fx, &catalogue, &fns, &list, &[run1]).unwrap();
    let utf8 = &joined.functions[0];
    let acknowledged: Vec<&str> = utf8.acknowledged().map(|m| m.mutant.description.as_str()).collect();
    assert_eq!(acknowledged, ["replace > with >= in utf8"]);
    assert_eq!(utf8.count(MutantStatus::Missed), 0);
    assert_eq!(utf8.count(MutantStatus::Untested), 1, "the body replacement");
    assert_eq!(utf8.score(TimeoutRule::Missed), Count::new(1, 1));
    assert!(joined.warnings.is_empty(), "{:?}", joined.warnings);
    // A pinned mutant that the tests catch is no survivor: it counts, with a warning.
    let caught = results(vec![tested(&list[0], Summary::CaughtMutant)]);
    let joined = run(&fx, &catalogue, &fns, &list, &[caught]).unwrap();
    assert_eq!(joined.functions[0].count(MutantStatus::Caught), 1);
    assert!(
        joined.warnings[0].starts_with("vital.toml:6:10: the acknowledged survivor"),
        "{:?}",
        joined.warnings
    );
    assert!(joined.warnings[0].contains("is caught: remove the pin"), "{:?}", joined.warnings);
}

/// A pin expires with the code: one that matches nothing, or several, is an error
/// at the pin.
#[test]
fn a_pin_that_matches_no_mutant_is_an_error_at_the_pin() {
    let expired = PINNED.replace("line = 1", "line = 2");
    let (fx, catalogue, fns) = setup(&expired);
    let error = run(&fx, &catalogue, &fns, &list(), &[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Catalogue);
    let message = error.to_string();
    assert!(
        message.starts_with("vital.toml:6:10: the acknowledged survivor `replace > with >= in utf8` of `demo::utf8` matches no mutant at line = 2: the function has it at line = 1, column = 31"),
        "{message}"
    );
    assert!(message.contains("the code changed since it was pinned"), "{message}");
    let gone = PINNED.replace("replace > with >= in utf8", "replace > with >= in utf9");
    let (fx, catalogue, fns) = setup(&gone);
    assert!(
        run(&fx, &catalogue, &fns, &list(), &[])
            .unwrap_err()
            .to_string()
            .contains("matches no mutant of the function")
    );
    // Two alike on one line: the column tells them apart.
    let mut two = list();
    two.push(record("utf8", (2, 25), (2, 26), "replace > with >= in utf8", ">="));
    let (fx, catalogue, fns) = setup(PINNED);
    let message = run(&fx, &catalogue, &fns, &two, &[]).unwrap_err().to_string();
    assert!(message.contains("matches 2 mutants on that line (columns 25, 31): add `column`"), "{message}");
    let (fx, catalogue, fns) = setup(&PINNED.replace("line = 1", "line = 1\ncolumn = 31"));
    assert!(run(&fx, &catalogue, &fns, &two, &[]).is_ok());
}

fn stamp_and_results(fx: &Fixture, times: &str) -> LastRun {
    let text = format!(
        "{{\"type\":\"test\",\"name\":\"tests::utf8_works\",\"event\":\"ok\",\"vital_target\":\"demo\"}}\n{times}"
    );
    let results = crate::evidence::tests::TestResults::parse(&text, Path::new("r"), &fx.workspace).unwrap();
    LastRun {
        stamp: SourceStamp::of(&fx.index),
        settings: Some(RunSettings { vital_run: STAMP_VERSION, ..RunSettings::default() }),
        results: Some(results),
    }
}

/// Mutants are grouped by the test binaries that reach their function; the baseline
/// is skipped only after a passing run of the same source with each binary timed.
#[test]
fn the_plan_groups_by_reaching_binaries_and_skips_only_a_proven_baseline() {
    let (fx, catalogue, fns) = setup(CATALOGUE);
    let list = list();
    let joined = run(&fx, &catalogue, &fns, &list, &[]).unwrap();
    let functions = vec![("demo::utf8".to_string(), fns[0]), ("demo::outer".to_string(), fns[1])];
    let options = PlanOptions::default();
    let timed = "{\"type\":\"suite\",\"event\":\"ok\",\"exec_time\":6.2,\"vital_target\":\"demo\"}\n";
    let last = stamp_and_results(&fx, timed);
    let planned = plan(&fx.index, &functions, &joined.functions, &list, Some(&last), &options);
    assert_eq!(planned.groups.len(), 2);
    assert_eq!(planned.mutants(), 4);
    let (utf8, outer) = (&planned.groups[0], &planned.groups[1]);
    assert_eq!(utf8.functions, ["demo::utf8"]);
    assert_eq!(utf8.targets, [TestTarget::Lib], "reached by the lib's unit test");
    assert_eq!(utf8.binaries, ["demo"]);
    assert_eq!(utf8.mutants.len(), 3);
    assert!(utf8.acknowledged.is_empty());
    // For `--in-diff`: every line of the function, as it is now.
    assert!(
        utf8.diff.starts_with(
            "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -0,0 +1,4 @@\n+pub fn utf8(x: i32) -> bool {\n"
        ),
        "{}",
        utf8.diff
    );
    assert_eq!(
        utf8.baseline,
        Baseline::Skip { timeout: Duration::from_secs(31), measured: Duration::from_millis(6200) }
    );
    assert_eq!(outer.targets, [TestTarget::AllTests], "no test reaches `outer`");
    assert_eq!(outer.test_packages, ["demo"]);
    // Only the tests of another package: nothing of `demo` reaches `utf8` then.
    let elsewhere = PlanOptions { packages: vec!["other-crate".into()], ..PlanOptions::default() };
    let planned = plan(&fx.index, &functions, &joined.functions, &list, Some(&last), &elsewhere);
    assert_eq!(planned.groups.len(), 1);
    assert_eq!(
        (&planned.groups[0].targets, &planned.groups[0].test_packages),
        (&vec![TestTarget::AllTests], &vec!["other-crate".to_string()])
    );

    let fixed = PlanOptions { timeout: Some(Duration::from_secs(3)), ..PlanOptions::default() };
    let planned = plan(&fx.index, &functions, &joined.functions, &list, Some(&last), &fixed);
    assert!(
        matches!(planned.groups[0].baseline, Baseline::Skip { timeout, .. } if timeout == Duration::from_secs(3))
    );
    let fast = stamp_and_results(
        &fx,
        "{\"type\":\"suite\",\"event\":\"ok\",\"exec_time\":0.01,\"vital_target\":\"demo\"}\n",
    );
    let planned = plan(&fx.index, &functions, &joined.functions, &list, Some(&fast), &options);
    assert!(
        matches!(planned.groups[0].baseline, Baseline::Skip { timeout, .. } if timeout == Duration::from_secs(20)),
        "the floor"
    );

    let reason = |last: Option<&LastRun>, options: &PlanOptions| match &plan(
        &fx.index,
        &functions,
        &joined.functions,
        &list,
        last,
        options,
    )
    .groups[0]
        .baseline
    {
        Baseline::Run(why) => why.clone(),
        other => panic!("{other:?}"),
    };
    assert!(reason(None, &options).contains("no `cargo vital run`"));
    let mut stale = last.clone();
    stale.stamp.files.insert("src/lib.rs".into(), "fnv1a64:0".into());
    assert!(reason(Some(&stale), &options).contains("the source changed"));
    assert!(reason(Some(&stamp_and_results(&fx, "")), &options).contains("no time for `demo`"));
    let featured = PlanOptions { features: vec!["x".into()], ..PlanOptions::default() };
    assert!(reason(Some(&last), &featured).contains("other features"));
    let mut failed = last.clone();
    failed.results = Some(
        crate::evidence::tests::TestResults::parse(
            "{\"type\":\"test\",\"name\":\"t\",\"event\":\"failed\",\"vital_target\":\"demo\"}\n",
            Path::new("r"),
            &fx.workspace,
        )
        .unwrap(),
    );
    assert!(reason(Some(&failed), &options).contains("tests failed"));
}

#[test]
fn test_targets_select_by_cargo_name() {
    assert_eq!(TestTarget::Lib.cargo_arg(), "--lib");
    assert_eq!(TestTarget::Test("my_test".into()).cargo_arg(), "--test=my?test");
    assert_eq!(TestTarget::Bin("cli".into()).cargo_arg(), "--bin=cli");
    assert_eq!(TestTarget::AllTests.cargo_arg(), "--tests");
}
