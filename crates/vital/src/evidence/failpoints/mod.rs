//! Failpoint evidence (SPEC §9): which `fail_point!` sites of a vital function a
//! passing test fired.
//!
//! The `fail` crate turns `fail_point!(name, |arg| …)` into a call of
//! `fail::eval(name, closure)`, which runs the closure only when the failpoint is
//! armed with `return`: the closure is then the injected path, and a function of
//! its own with its own llvm-cov record, whose regions lie in the closure's body.
//! Its entry count in one test's own profile (per-test evidence, §7) proves that
//! this test armed the failpoint and ran its injected path. The source gives each
//! site (`source::FailpointSite`); the join is by file and span, as for coverage.
//!
//! A site nothing can show firing is `unknown`, never `fired`: a name that is not
//! a string literal or a string constant of the crate; the one-argument form and a
//! function passed by name, whose code is not the site's own; a closure the suite's
//! coverage has no record of (the failpoints feature was off, or the closure has no
//! code of its own, like `|_| ()`, for which rustc writes no record); or no
//! per-test evidence to say which test fired it.

use std::path::Path;

use crate::evidence::coverage::{Export, count_within};
use crate::evidence::pertest::PerTest;
use crate::model::{FailpointOutcome, FailpointStatus};
use crate::source::{FailpointName, FailpointSite, FnId, SourceIndex};

/// The name a site shows in reports: its resolved name, else as written.
pub fn site_name(index: &SourceIndex, f: FnId, site: &FailpointSite) -> Option<String> {
    index.failpoint_name(index.scope(index.func(f).scope).krate, site)
}

fn written(site: &FailpointSite) -> String {
    match &site.name {
        FailpointName::Literal(name) => name.clone(),
        FailpointName::Const(path) => path.join("::"),
        FailpointName::Other(text) => text.clone(),
    }
}

/// What the evidence shows of each failpoint site of `f`: `suite` is the suite's
/// coverage, `per_test` each test's own (with the workspace root), `test_name`
/// how a `(crate, test)` is shown.
pub fn evaluate(
    index: &SourceIndex,
    root: &Path,
    f: FnId,
    suite: &[Export],
    per_test: Option<&PerTest>,
    test_name: &dyn Fn(&str, &str) -> String,
) -> Vec<FailpointOutcome> {
    let def = index.func(f);
    let rel = &index.file(def.file).rel;
    def.failpoints
        .iter()
        .map(|site| {
            let location = format!("{rel}:{}", site.start.line);
            let outcome = |name: String, tests, status, detail: Option<&str>| {
                FailpointOutcome::new(
                    name,
                    (site.start.line, site.start.col),
                    location.clone(),
                    tests,
                    status,
                    detail.map(str::to_string),
                )
            };
            let Some(name) = site_name(index, f, site) else {
                return outcome(
                    written(site),
                    Vec::new(),
                    FailpointStatus::Unknown,
                    Some(
                        "its name is not a string literal or a string constant of the crate, and vital does not \
                         guess it",
                    ),
                );
            };
            let Some(closure) = site.closure else {
                return outcome(
                    name,
                    Vec::new(),
                    FailpointStatus::Unknown,
                    Some(
                        "it has no closure of its own (the one-argument form, or a function passed by name), so \
                         coverage cannot tell it fired: write it as `fail_point!(name, |_| …)`",
                    ),
                );
            };
            match count_within(index, root, suite, def.file, closure) {
                None => outcome(
                    name,
                    Vec::new(),
                    FailpointStatus::Unknown,
                    Some(
                        "the coverage has no record of its closure: the failpoints feature was off in the run, or \
                         the closure has no code of its own (`|_| ()`): make it call something",
                    ),
                ),
                Some(0) => outcome(name, Vec::new(), FailpointStatus::NeverFired, None),
                Some(_) => {
                    let Some(per_test) = per_test else {
                        return outcome(
                            name,
                            Vec::new(),
                            FailpointStatus::Unknown,
                            Some("a test fired it, but no per-test evidence says which one passed (run `cargo vital run`)"),
                        );
                    };
                    let tests = firing_tests(index, root, def.file, closure, per_test, test_name);
                    let status =
                        if tests.is_empty() { FailpointStatus::NeverFired } else { FailpointStatus::Fired };
                    outcome(name, tests, status, None)
                }
            }
        })
        .collect()
}

/// The passing tests, run alone, whose own coverage ran the closure at `closure`.
fn firing_tests(
    index: &SourceIndex,
    root: &Path,
    file: crate::source::FileId,
    closure: (crate::text::Pos, crate::text::Pos),
    per_test: &PerTest,
    test_name: &dyn Fn(&str, &str) -> String,
) -> Vec<String> {
    let mut tests: Vec<String> = per_test
        .runs()
        .filter(|(_, run)| run.passed)
        .filter_map(|((krate, test), run)| {
            let export = run.export.as_ref()?;
            let count = count_within(index, root, std::slice::from_ref(export), file, closure)?;
            (count > 0).then(|| test_name(krate, test))
        })
        .collect();
    tests.sort();
    tests
}

/// What one test's own run shows of a failpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fired {
    /// It ran the failpoint's injected path.
    Yes,
    /// Its run has the failpoint's closure, never run.
    No,
    /// Nothing can show it: why.
    Unknown(&'static str),
}

/// Whether test `(krate, test)`, run alone, fired failpoint `name` of `f` (any of
/// its sites of that name).
pub fn fired_by(
    index: &SourceIndex,
    root: &Path,
    f: FnId,
    name: &str,
    per_test: &PerTest,
    (krate, test): (&str, &str),
) -> Fired {
    let def = index.func(f);
    let sites: Vec<&FailpointSite> =
        def.failpoints.iter().filter(|site| site_name(index, f, site).as_deref() == Some(name)).collect();
    let closures: Vec<_> = sites.iter().filter_map(|site| site.closure).collect();
    if closures.is_empty() {
        return Fired::Unknown(
            "it has no closure of its own (the one-argument form), so coverage cannot tell it fired",
        );
    }
    let Some(export) = per_test.run(krate, test).and_then(|run| run.export.as_ref()) else {
        return Fired::Unknown("the test was not run alone with coverage");
    };
    let counts: Vec<Option<u64>> = closures
        .into_iter()
        .map(|closure| count_within(index, root, std::slice::from_ref(export), def.file, closure))
        .collect();
    if counts.iter().any(|c| c.is_some_and(|c| c > 0)) {
        Fired::Yes
    } else if counts.iter().any(Option::is_some) {
        Fired::No
    } else {
        Fired::Unknown(
            "its coverage has no record of the failpoint's closure: the failpoints feature was off, or the \
             closure has no code of its own (`|_| ()`)",
        )
    }
}
