//! The status of each declared failure mode (SPEC §2, §7): the test a convention or
//! an explicit `tests = { … }` names, whether it exists, is not ignored, reaches the
//! function and asserts (from the [`TestSuite`]), what the recorded results say of
//! it, and whether its own run proves it ran the function (per-test evidence). A
//! test named in `tests` is taken to reach: the user vouches for it.

use std::path::Path;

use super::results::{Outcome, TestResults};
use super::suite::{Test, TestSuite};
use crate::catalogue::{Catalogue, Entry, Proof};
use crate::error::Result;
use crate::evidence::failpoints::{self, Fired};
use crate::evidence::pertest::{PerTest, Ran};
use crate::model::{ModeOutcome, ModeStatus};
use crate::source::{FnId, Owner, SourceIndex};

/// What is known of the runs of the workspace's tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunEvidence<'a> {
    /// The suite's recorded results.
    pub results: Option<&'a TestResults>,
    /// Each failure-mode test run alone, and the workspace root its exports' paths
    /// are relative to.
    pub per_test: Option<(&'a PerTest, &'a Path)>,
}

/// The name a convention template gives the test of `mode` for function `f`:
/// `{fn}` its name, `{type}` its impl's self type (or trait) in snake_case, empty
/// for a free function; runs of `_` left by an empty placeholder collapse.
pub fn render_template(template: &str, index: &SourceIndex, f: FnId, mode: &str) -> String {
    let def = index.func(f);
    let ty = match def.owner {
        Owner::Free => String::new(),
        Owner::Method(imp) => snake_case(index.impls[imp.index()].self_name()),
        Owner::TraitDefault(t) => snake_case(&index.types[t.index()].name),
    };
    let raw = template.replace("{fn}", &def.name).replace("{type}", &ty).replace("{mode}", mode);
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches('_').to_string()
}

/// `StoreWriter` → `store_writer`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let before_lower =
                chars.get(i + 1).is_some_and(|n| n.is_lowercase()) && i > 0 && chars[i - 1].is_uppercase();
            if after_lower || before_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// How good a candidate is, best first: the mode is covered if one candidate passed,
/// and otherwise the diagnostic shows the candidate closest to counting.
fn rank(status: ModeStatus) -> u8 {
    match status {
        ModeStatus::Passed => 0,
        ModeStatus::Unverified => 1,
        ModeStatus::Failed => 2,
        ModeStatus::Ignored => 3,
        ModeStatus::Hollow => 4,
        ModeStatus::Missing => 5,
    }
}

/// The tests that may be the test of `mode` of `entry` (function `f`), as indexes
/// into [`TestSuite::tests`], and the name expected (the explicit one, or the first
/// convention's).
pub fn mode_candidates(
    suite: &TestSuite<'_>,
    catalogue: &Catalogue,
    entry: &Entry,
    f: FnId,
    mode: &str,
) -> (Vec<usize>, String) {
    match entry.tests.get(mode) {
        Some(name) => (suite.named(name), name.clone()),
        None => {
            let names: Vec<String> = catalogue
                .conventions
                .failure_test
                .iter()
                .map(|t| render_template(t, suite.index, f, mode))
                .collect();
            let found =
                names.iter().map(|n| suite.with_fn_name(n)).find(|c| !c.is_empty()).unwrap_or_default();
            (found, names[0].clone())
        }
    }
}

/// The status of each declared failure mode of `entry`, whose function is `f`.
/// Errors when per-test evidence does not fit the source (stale).
pub fn evaluate_modes(
    suite: &TestSuite<'_>,
    runs: RunEvidence<'_>,
    catalogue: &Catalogue,
    entry: &Entry,
    f: FnId,
) -> Result<Vec<ModeOutcome>> {
    let proof = catalogue.tiers.policy(entry.tier).proof;
    entry
        .failure_modes
        .iter()
        .map(|mode| {
            let explicit = entry.tests.contains_key(mode);
            let (candidates, expected) = mode_candidates(suite, catalogue, entry, f, mode);
            let mut outcome = if candidates.is_empty() {
                missing(mode, explicit, &expected, runs.results, proof, &suite.index.display_path(f))
            } else {
                let pin = entry
                    .regions
                    .get(mode)
                    .and_then(|pin| suite.index.pin_pos(f, pin.line_offset, pin.column));
                let failpoint = entry.failpoints.get(mode).map(String::as_str);
                let mut best: Option<ModeOutcome> = None;
                for &i in &candidates {
                    let outcome = candidate_outcome(
                        suite,
                        runs,
                        &suite.tests[i],
                        f,
                        mode,
                        explicit,
                        Pins { proof, region: pin, failpoint },
                    )?;
                    if best.as_ref().is_none_or(|b| rank(outcome.status) < rank(b.status)) {
                        best = Some(outcome);
                    }
                }
                best.expect("candidates is not empty")
            };
            outcome.category = catalogue.category_of(mode);
            Ok(outcome)
        })
        .collect()
}

fn missing(
    mode: &str,
    explicit: bool,
    expected: &str,
    results: Option<&TestResults>,
    proof: Proof,
    target: &str,
) -> ModeOutcome {
    if explicit && let Some(outcome) = results.and_then(|r| r.lookup_any(expected)) {
        // Not in the source (generated by a macro): the user vouches that it reaches
        // and asserts; its recorded result decides, and, not being in the source, it
        // cannot be run alone: only a static proof accepts it.
        let (status, detail) = match (outcome, proof) {
            (Outcome::Passed, Proof::Static) => (ModeStatus::Passed, None),
            (Outcome::Passed, Proof::PerTest) => (
                ModeStatus::Unverified,
                Some(format!(
                    "it passed, but it is not in the source: vital cannot run it alone to prove it ran `{target}` \
                     (`proof = \"static\"` for the tier accepts it)"
                )),
            ),
            (Outcome::Failed, _) => {
                (ModeStatus::Failed, Some("not in the source; its recorded result decides".into()))
            }
            (Outcome::Ignored, _) => {
                (ModeStatus::Ignored, Some("not in the source; its recorded result decides".into()))
            }
        };
        return ModeOutcome {
            mode: mode.to_string(),
            test: Some(expected.to_string()),
            status,
            ran: None,
            location: None,
            detail,
            category: None,
        };
    }
    let detail = if explicit {
        format!("no test `{expected}` exists (named in `tests`)")
    } else {
        format!("add test `{expected}`")
    };
    ModeOutcome {
        mode: mode.to_string(),
        test: None,
        status: ModeStatus::Missing,
        ran: None,
        location: None,
        detail: Some(detail),
        category: None,
    }
}

/// What proves a mode: the tier's proof, and where the mode is pinned.
#[derive(Debug, Clone, Copy)]
struct Pins<'a> {
    proof: Proof,
    /// The region its test must run.
    region: Option<crate::text::Pos>,
    /// The failpoint its test must fire.
    failpoint: Option<&'a str>,
}

fn candidate_outcome(
    suite: &TestSuite<'_>,
    runs: RunEvidence<'_>,
    test: &Test,
    f: FnId,
    mode: &str,
    vouched: bool,
    Pins { proof, region: pin, failpoint }: Pins<'_>,
) -> Result<ModeOutcome> {
    let name = suite.display_name(test);
    let at = suite.location(test);
    let target = suite.index.display_path(f);
    let outcome = |status, ran: Option<bool>, detail: &str| ModeOutcome {
        mode: mode.to_string(),
        test: Some(name.clone()),
        status,
        ran,
        location: Some(at.clone()),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        category: None,
    };
    if test.attrs.ignored {
        return Ok(outcome(ModeStatus::Ignored, None, "it is `#[ignore]`d"));
    }
    if !vouched && !suite.reaches(test, f) {
        return Ok(outcome(ModeStatus::Hollow, None, &format!("it never calls `{target}`")));
    }
    if !suite.asserts_about(test, f) {
        return Ok(outcome(ModeStatus::Hollow, None, "it asserts nothing"));
    }
    let krate = &suite.index.crates[test.krate.index()].name;
    let results = runs.results;
    match results.map(|r| (r, r.lookup(krate, &test.path, test.attrs.is_parametrized()))) {
        None => Ok(outcome(
            ModeStatus::Unverified,
            None,
            "no test results were given (run `cargo vital run`, or pass `--tests`)",
        )),
        Some((results, None)) => {
            Ok(outcome(ModeStatus::Unverified, None, &why_not_run(suite, results, test)))
        }
        Some((_, Some(Outcome::Failed))) => Ok(outcome(ModeStatus::Failed, None, "it failed")),
        Some((_, Some(Outcome::Ignored))) => Ok(outcome(ModeStatus::Ignored, None, "it was skipped")),
        Some((_, Some(Outcome::Passed))) if proof == Proof::Static => Ok(outcome(
            ModeStatus::Passed,
            None,
            "it passed; accepted on static reach (`proof = \"static\"`): no per-test evidence was asked for",
        )),
        Some((_, Some(Outcome::Passed))) => {
            let Some((per_test, root)) = runs.per_test else {
                return Ok(outcome(
                    ModeStatus::Unverified,
                    None,
                    &format!(
                        "it passed, but no per-test evidence shows it ran `{target}` (run `cargo vital run`, \
                         or pass `--per-test DIR`)"
                    ),
                ));
            };
            Ok(match per_test.ran(suite.index, root, f, (krate, &test.path), pin)? {
                Ran::Ran => match failpoint.map(|name| {
                    (name, failpoints::fired_by(suite.index, root, f, name, per_test, (krate, &test.path)))
                }) {
                    None | Some((_, Fired::Yes)) => outcome(ModeStatus::Passed, Some(true), ""),
                    Some((name, Fired::No)) => outcome(
                        ModeStatus::Hollow,
                        Some(false),
                        &format!("it passed but never fired failpoint `{name}`, which the mode is pinned to"),
                    ),
                    Some((name, Fired::Unknown(why))) => outcome(
                        ModeStatus::Unverified,
                        None,
                        &format!("it passed, but nothing shows it fired failpoint `{name}`: {why}"),
                    ),
                },
                Ran::NeverRan => {
                    outcome(ModeStatus::Hollow, Some(false), &format!("it passed but never ran `{target}`"))
                }
                Ran::NeverRanRegion(at) => outcome(
                    ModeStatus::Hollow,
                    Some(false),
                    &format!(
                        "it passed but never ran the region at {}:{} that the mode is pinned to",
                        at.line, at.col
                    ),
                ),
                Ran::NotRecorded => outcome(
                    ModeStatus::Unverified,
                    None,
                    &format!(
                        "it passed, but it was not run alone with coverage: nothing shows it ran `{target}`"
                    ),
                ),
                Ran::FailedAlone(note) => outcome(
                    ModeStatus::Failed,
                    None,
                    &format!(
                        "it passed in the suite but failed when run alone{}",
                        note.map(|n| format!(" ({n})")).unwrap_or_default()
                    ),
                ),
                Ran::NoProfile(note) => outcome(
                    ModeStatus::Unverified,
                    None,
                    &format!(
                        "run alone, it left no coverage profile{}: nothing shows it ran `{target}`",
                        note.map(|n| format!(" ({n})")).unwrap_or_default()
                    ),
                ),
            })
        }
    }
}

/// Why a test has no result in the recorded run: its binary did not run, it needs a
/// feature, or it was filtered out.
fn why_not_run(suite: &TestSuite<'_>, results: &TestResults, test: &Test) -> String {
    let krate = &suite.index.crates[test.krate.index()].name;
    let features = suite.index.features_of(test.id);
    let needs = match features.as_slice() {
        [] => String::new(),
        [one] => format!("it is compiled only with feature `{one}`"),
        many => format!(
            "it is compiled only with features {}",
            many.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    if !results.ran(krate) {
        let also = if needs.is_empty() { String::new() } else { format!("; {needs}") };
        return format!(
            "it did not run: no test of its binary `{krate}` ran in the recorded run (is its package tested, \
             with the features its target needs?){also}"
        );
    }
    if needs.is_empty() {
        "it did not run in the recorded run: filtered out (`--skip`, a test-name filter) or left out by a \
         `#[cfg]`"
            .to_string()
    } else {
        format!("it did not run in the recorded run: {needs}, which the run did not enable")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::suite::tests::suite_fixture;
    use super::*;
    use crate::testutil::Fixture;

    fn catalogue(text: &str) -> Catalogue {
        Catalogue::parse(Path::new("vital.toml"), text).unwrap()
    }

    fn statuses(
        fx: &Fixture,
        text: &str,
        results: Option<&TestResults>,
    ) -> Vec<(String, ModeStatus, Option<String>)> {
        let suite = TestSuite::new(&fx.index);
        let catalogue = catalogue(text);
        let write = fx.func("write");
        let runs = RunEvidence { results, per_test: None };
        evaluate_modes(&suite, runs, &catalogue, &catalogue.entries[0], write)
            .unwrap()
            .into_iter()
            .map(|o| (o.mode, o.status, o.detail))
            .collect()
    }

    const ENTRY: &str = r#"[[vital]]
function = "demo::Store::write"
tier = "critical"
failure_modes = ["empty", "disk_full", "concurrent", "slow", "missing", "after_close", "helper", "macro_made"]
tests = { after_close = "tests::write_after_close", macro_made = "generated::write_macro_made" }
"#;

    const JUNIT: &str = r#"<testsuites><testsuite name="demo">
            <testcase name="tests::write_empty"/>
            <testcase name="tests::write_after_close"><failure message="x"/></testcase>
            <testcase name="generated::write_macro_made"/>
        </testsuite></testsuites>"#;

    /// With a static proof, a passing test that reaches and asserts counts.
    #[test]
    fn each_mode_gets_the_status_of_its_test() {
        let fx = suite_fixture();
        let results = TestResults::parse(JUNIT, Path::new("junit.xml"), &fx.workspace).unwrap();
        let text = format!("[tiers.critical]\nproof = \"static\"\n\n{ENTRY}");
        let got = statuses(&fx, &text, Some(&results));
        let status = |mode: &str| got.iter().find(|(m, _, _)| m == mode).unwrap().clone();
        assert_eq!(status("empty").1, ModeStatus::Passed);
        let (_, hollow, detail) = status("disk_full");
        assert_eq!(hollow, ModeStatus::Hollow);
        assert!(detail.unwrap().ends_with("it asserts nothing"));
        let (_, hollow, detail) = status("concurrent");
        assert_eq!(hollow, ModeStatus::Hollow);
        assert!(detail.unwrap().ends_with("it never calls `demo::Store::write`"));
        assert_eq!(status("slow").1, ModeStatus::Ignored);
        let (_, missing, detail) = status("missing");
        assert_eq!(missing, ModeStatus::Missing);
        assert_eq!(detail.as_deref(), Some("add test `write_missing`"));
        assert_eq!(status("after_close").1, ModeStatus::Failed, "explicit mapping, failed run");
        assert_eq!(status("helper").1, ModeStatus::Unverified, "did not run");
        assert_eq!(status("macro_made").1, ModeStatus::Passed, "not in the source, vouched by the mapping");
    }

    /// Without a static proof, a passing test counts only with per-test evidence that
    /// it ran the function: without any, it is not proven.
    #[test]
    fn a_passing_test_without_per_test_evidence_is_not_proven() {
        let fx = suite_fixture();
        let results = TestResults::parse(JUNIT, Path::new("junit.xml"), &fx.workspace).unwrap();
        let got = statuses(&fx, ENTRY, Some(&results));
        let status = |mode: &str| got.iter().find(|(m, _, _)| m == mode).unwrap().clone();
        let (_, empty, detail) = status("empty");
        assert_eq!(empty, ModeStatus::Unverified);
        assert!(detail.unwrap().contains("no per-test evidence shows it ran `demo::Store::write`"));
        let (_, made, detail) = status("macro_made");
        assert_eq!(made, ModeStatus::Unverified, "not in the source: it cannot be run alone");
        assert!(detail.unwrap().contains("`proof = \"static\"`"));
        assert_eq!(status("after_close").1, ModeStatus::Failed, "a failure needs no proof");
    }

    /// A test with no result in the recorded run is told why: its binary did not
    /// run, it needs a feature, or it was filtered out.
    #[test]
    fn a_test_that_did_not_run_says_why() {
        let lib = "pub fn f(x: u8) -> u8 { x }\n\
                   #[cfg(test)]\nmod tests {\n\
                   #[test]\nfn f_a() { assert_eq!(super::f(1), 1); }\n\
                   #[cfg(feature = \"extra\")]\n#[test]\nfn f_b() { assert_eq!(super::f(2), 2); }\n\
                   #[test]\nfn other() {}\n}\n";
        let fx = crate::testutil::fixture(&[
            ("src/lib.rs", lib),
            ("tests/api.rs", "#[test]\nfn f_c() { assert_eq!(demo::f(3), 3); }\n"),
        ]);
        let results = "     Running unittests src/lib.rs (target/debug/deps/demo-0123abcd)\n\
                       {\"type\":\"test\",\"name\":\"tests::other\",\"event\":\"ok\"}\n";
        let results = TestResults::parse(results, Path::new("t.jsonl"), &fx.workspace).unwrap();
        let catalogue = catalogue(
            "[[vital]]\nfunction = \"demo::f\"\ntier = \"critical\"\nfailure_modes = [\"a\", \"b\", \"c\"]\n",
        );
        let suite = TestSuite::new(&fx.index);
        let runs = RunEvidence { results: Some(&results), per_test: None };
        let got = evaluate_modes(&suite, runs, &catalogue, &catalogue.entries[0], fx.func("f")).unwrap();
        let detail = |i: usize| {
            assert_eq!(got[i].status, ModeStatus::Unverified, "{:?}", got[i]);
            got[i].detail.clone().unwrap()
        };
        assert!(detail(0).contains("filtered out (`--skip`, a test-name filter)"), "{}", detail(0));
        assert!(
            detail(1).contains("compiled only with feature `extra`, which the run did not enable"),
            "{}",
            detail(1)
        );
        assert!(detail(2).contains("no test of its binary `api` ran in the recorded run"), "{}", detail(2));
    }

    #[test]
    fn without_results_every_counting_test_is_unverified() {
        let fx = suite_fixture();
        let got = statuses(&fx, ENTRY, None);
        assert_eq!(got[0].1, ModeStatus::Unverified);
        assert_eq!(
            got[0].2.as_deref(),
            Some("no test results were given (run `cargo vital run`, or pass `--tests`)")
        );
        let macro_made = got.iter().find(|(m, _, _)| m == "macro_made").unwrap();
        assert_eq!(macro_made.1, ModeStatus::Missing);
        assert!(macro_made.2.as_deref().unwrap().contains("no test `generated::write_macro_made` exists"));
    }

    #[test]
    fn conventions_render_type_and_prefix() {
        let fx = suite_fixture();
        let write = fx.func("write");
        assert_eq!(render_template("{fn}_{mode}", &fx.index, write, "empty"), "write_empty");
        assert_eq!(render_template("{type}_{fn}_{mode}", &fx.index, write, "empty"), "store_write_empty");
        let from_str = fx.func("from_str");
        assert_eq!(render_template("{type}_{fn}_{mode}", &fx.index, from_str, "x"), "version_from_str_x");
        let open = fx.func("check_refused");
        assert_eq!(render_template("{type}_{fn}_{mode}", &fx.index, open, "x"), "check_refused_x");
        // The second template is tried when the first finds nothing.
        let text = "[conventions]\nfailure_test = [\"{fn}_fails_when_{mode}\", \"{fn}_{mode}\"]\n\n"
            .to_string()
            + ENTRY;
        let got = statuses(&fx, &text, None);
        assert_eq!(got[0].1, ModeStatus::Unverified);
    }

    #[test]
    fn snake_case_of_type_names() {
        assert_eq!(snake_case("Store"), "store");
        assert_eq!(snake_case("StoreWriter"), "store_writer");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("V2Cache"), "v2_cache");
    }
}
