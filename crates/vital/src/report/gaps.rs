//! The gaps of a function in words: what is missing and what to add. Each typed
//! [`Reason`] is one gap of one [`GapKind`] (one SARIF rule each); shared by the
//! markdown, github, sarif and junit formats.

use super::{FunctionReport, FunctionSpan};
use crate::model::{Metric, ModeOutcome, ModeStatus, Mutant, Reason};

/// What kind of gap: one SARIF rule each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GapKind {
    /// No coverage record lies in the function.
    NotInstrumented,
    /// Lines below the tier.
    Lines,
    /// Regions below the tier.
    Regions,
    /// Branches below the tier.
    Branches,
    /// The coverage has no branch data.
    NoBranchData,
    /// A failure mode has no test.
    ModeMissing,
    /// A failure mode's test failed.
    ModeFailed,
    /// A failure mode's test is ignored.
    ModeIgnored,
    /// A failure mode's test never reaches the function or asserts nothing.
    ModeHollow,
    /// A failure mode's test has no recorded result.
    ModeUnverified,
    /// The tier requires a mode of a category the function declares none of.
    CategoryMissing,
    /// The function is behind cargo features the coverage run did not enable.
    NotCompiled,
    /// The mutation score is below the tier.
    MutationScore,
    /// A mutant no test catches.
    MutantMissed,
    /// A mutant under which the tests time out.
    MutantTimeout,
    /// Mutants with no outcome in the mutation results.
    MutantsUntested,
    /// A failpoint no passing test fired.
    FailpointNeverFired,
    /// A failpoint nothing can show firing.
    FailpointUnknown,
}

impl GapKind {
    /// The kind of gap a reason is; `None` for a failure mode whose test passed,
    /// which is no gap.
    pub fn of(reason: &Reason) -> Option<GapKind> {
        Some(match reason {
            Reason::NotInstrumented => GapKind::NotInstrumented,
            Reason::NotCompiled { .. } => GapKind::NotCompiled,
            Reason::BelowThreshold { metric: Metric::Lines, .. } => GapKind::Lines,
            Reason::BelowThreshold { metric: Metric::Regions, .. } => GapKind::Regions,
            Reason::BelowThreshold { metric: Metric::Branches, .. } => GapKind::Branches,
            Reason::NoBranchData => GapKind::NoBranchData,
            Reason::FailureMode(mode) => match mode.status {
                ModeStatus::Passed => return None,
                ModeStatus::Missing => GapKind::ModeMissing,
                ModeStatus::Failed => GapKind::ModeFailed,
                ModeStatus::Ignored => GapKind::ModeIgnored,
                ModeStatus::Hollow => GapKind::ModeHollow,
                ModeStatus::Unverified => GapKind::ModeUnverified,
            },
            Reason::CategoryMissing(_) => GapKind::CategoryMissing,
            Reason::MutationBelowThreshold { .. } => GapKind::MutationScore,
            Reason::MutantMissed(_) => GapKind::MutantMissed,
            Reason::MutantTimeout(_) => GapKind::MutantTimeout,
            Reason::MutantsUntested { .. } => GapKind::MutantsUntested,
            Reason::FailpointNeverFired(_) => GapKind::FailpointNeverFired,
            Reason::FailpointUnknown(_) => GapKind::FailpointUnknown,
        })
    }

    /// All kinds, in rule order.
    pub const ALL: [GapKind; 18] = [
        GapKind::NotInstrumented,
        GapKind::Lines,
        GapKind::Regions,
        GapKind::Branches,
        GapKind::NoBranchData,
        GapKind::ModeMissing,
        GapKind::ModeFailed,
        GapKind::ModeIgnored,
        GapKind::ModeHollow,
        GapKind::ModeUnverified,
        GapKind::CategoryMissing,
        GapKind::NotCompiled,
        GapKind::MutationScore,
        GapKind::MutantMissed,
        GapKind::MutantTimeout,
        GapKind::MutantsUntested,
        GapKind::FailpointNeverFired,
        GapKind::FailpointUnknown,
    ];

    /// The SARIF rule id.
    pub fn rule_id(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => "vital/not-instrumented",
            GapKind::NotCompiled => "vital/not-compiled",
            GapKind::Lines => "vital/lines",
            GapKind::Regions => "vital/regions",
            GapKind::Branches => "vital/branches",
            GapKind::NoBranchData => "vital/no-branch-data",
            GapKind::ModeMissing => "vital/failure-mode-missing",
            GapKind::ModeFailed => "vital/failure-mode-failed",
            GapKind::ModeIgnored => "vital/failure-mode-ignored",
            GapKind::ModeHollow => "vital/failure-mode-hollow",
            GapKind::ModeUnverified => "vital/failure-mode-unverified",
            GapKind::CategoryMissing => "vital/failure-category-missing",
            GapKind::MutationScore => "vital/mutation-score",
            GapKind::MutantMissed => "vital/mutant-missed",
            GapKind::MutantTimeout => "vital/mutant-timeout",
            GapKind::MutantsUntested => "vital/mutants-untested",
            GapKind::FailpointNeverFired => "vital/failpoint-never-fired",
            GapKind::FailpointUnknown => "vital/failpoint-unknown",
        }
    }

    /// The SARIF rule name (PascalCase).
    pub fn rule_name(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => "VitalFunctionNotInstrumented",
            GapKind::NotCompiled => "VitalFunctionNotCompiled",
            GapKind::Lines => "VitalLinesBelowTier",
            GapKind::Regions => "VitalRegionsBelowTier",
            GapKind::Branches => "VitalBranchesBelowTier",
            GapKind::NoBranchData => "NoBranchData",
            GapKind::ModeMissing => "FailureModeWithoutTest",
            GapKind::ModeFailed => "FailureModeTestFailed",
            GapKind::ModeIgnored => "FailureModeTestIgnored",
            GapKind::ModeHollow => "FailureModeTestHollow",
            GapKind::ModeUnverified => "FailureModeTestUnverified",
            GapKind::CategoryMissing => "FailureModeCategoryMissing",
            GapKind::MutationScore => "VitalMutationScoreBelowTier",
            GapKind::MutantMissed => "MutantMissed",
            GapKind::MutantTimeout => "MutantTimeout",
            GapKind::MutantsUntested => "MutantsUntested",
            GapKind::FailpointNeverFired => "FailpointNeverFired",
            GapKind::FailpointUnknown => "FailpointUnknown",
        }
    }

    /// One sentence: what the rule checks.
    pub fn description(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => {
                "A vital function is in no instrumented test binary: no test runs it under coverage."
            }
            GapKind::NotCompiled => {
                "A vital function is behind cargo features that the coverage run did not enable."
            }
            GapKind::Lines => "A vital function's line coverage is below what its tier demands.",
            GapKind::Regions => {
                "A vital function's region coverage (match arms, `?` error exits) is below its tier."
            }
            GapKind::Branches => {
                "A vital function's branch coverage (both outcomes of each condition) is below its tier."
            }
            GapKind::NoBranchData => {
                "The coverage has no branch data, and the function's tier demands branch coverage."
            }
            GapKind::ModeMissing => "A declared failure mode of a vital function has no test.",
            GapKind::ModeFailed => "The test of a declared failure mode failed.",
            GapKind::ModeIgnored => "The test of a declared failure mode is ignored.",
            GapKind::ModeHollow => {
                "The test of a declared failure mode never reaches the function, asserts nothing, or never ran it."
            }
            GapKind::ModeUnverified => {
                "The test of a declared failure mode has no recorded result, or nothing shows it ran the function."
            }
            GapKind::CategoryMissing => {
                "A vital function declares no failure mode of a category its tier requires (input, resource, timing, state)."
            }
            GapKind::MutationScore => {
                "The share of a vital function's mutants that its tests catch is below what its tier demands."
            }
            GapKind::MutantMissed => {
                "A mutant of a vital function survives: every test passes when this code is changed."
            }
            GapKind::MutantTimeout => {
                "The tests of a vital function time out under a mutant, which its tier does not count as caught."
            }
            GapKind::MutantsUntested => {
                "Mutants of a vital function have no outcome in the mutation results."
            }
            GapKind::FailpointNeverFired => {
                "A failpoint in a vital function is never fired by a passing test: its error path is untested."
            }
            GapKind::FailpointUnknown => {
                "Nothing can show a failpoint in a vital function firing: its name or its closure cannot be seen."
            }
        }
    }

    /// What to do about it.
    pub fn help(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => {
                "Add a test that calls the function, and run it under coverage (`cargo vital run`)."
            }
            GapKind::NotCompiled => {
                "Enable the features in the coverage run: `features = [...]` in the entry, or `cargo vital run --features`."
            }
            GapKind::Lines | GapKind::Regions | GapKind::Branches => {
                "Add tests that run the uncovered lines, regions and branch outcomes the message lists."
            }
            GapKind::NoBranchData => {
                "Produce coverage with `cargo vital run` (or `cargo llvm-cov --branch`), or set `branches = \"regions\"` for the tier."
            }
            GapKind::ModeMissing => {
                "Add the test the message names (by convention `{fn}_{mode}`), or map one in `tests`."
            }
            GapKind::ModeFailed => "Fix the function or the test so that the test passes.",
            GapKind::ModeIgnored => "Remove `#[ignore]` from the test so that it runs.",
            GapKind::ModeHollow => "Make the test call the function and assert on what it returns.",
            GapKind::ModeUnverified => {
                "Run the tests with `cargo vital run` (it records their results and each failure-mode test's own coverage), or pass them with `--tests` and `--per-test`."
            }
            GapKind::CategoryMissing => {
                "Declare a mode of the category with its test (the message suggests one), or waive the category with a reason: `waive = { timing = \"why it cannot fail that way\" }`."
            }
            GapKind::MutationScore => {
                "Add tests that fail for the surviving mutants the results list, or acknowledge equivalent ones in `[[vital.survivors]]`."
            }
            GapKind::MutantMissed => {
                "Add a test that fails when this code changes as the mutant does; if the mutant is equivalent, acknowledge it in `[[vital.survivors]]`."
            }
            GapKind::MutantTimeout => {
                "Add a test that bounds this loop or recursion, raise the timeout, or set `timeouts = \"caught\"` for the tier."
            }
            GapKind::MutantsUntested => {
                "Run the mutants of every vital function (`cargo vital mutants`), or pass the results of all shards."
            }
            GapKind::FailpointNeverFired => {
                "Add a test that arms the failpoint (`fail::cfg(name, \"return\")` or a `FailScenario`) and asserts on the error."
            }
            GapKind::FailpointUnknown => {
                "Name the failpoint with a string literal or constant and give it a closure that calls something, e.g. `fail_point!(\"store::write\", |_| Err(io::Error::other(\"injected\")))`."
            }
        }
    }
}

/// One gap of a function: its kind and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The kind.
    pub kind: GapKind,
    /// What the gap is about, stable across runs: the metric, or the failure mode.
    pub subject: String,
    /// The one-line reason (`regions 87.5% < 100%`).
    pub summary: String,
    /// What exactly is missing, and what to add.
    pub details: Vec<String>,
    /// For a failure mode's test: where it is.
    pub test_location: Option<String>,
    /// For a mutant: where in the file it is (characters), narrower than the function.
    pub region: Option<FunctionSpan>,
}

const LISTED: usize = 5;

fn listed(items: Vec<String>) -> String {
    let more = items.len().saturating_sub(LISTED);
    let mut text = items.into_iter().take(LISTED).collect::<Vec<_>>().join(", ");
    if more > 0 {
        text.push_str(&format!(", and {more} more"));
    }
    text
}

/// What a failure mode's gap lacks: where its test is, or, for a missing test, the
/// test to add.
fn mode_details(mode: &ModeOutcome) -> Vec<String> {
    match (mode.status, &mode.location, &mode.detail) {
        (ModeStatus::Missing, _, Some(detail)) => vec![detail.clone()],
        (_, Some(at), _) => vec![format!("({at})")],
        _ => Vec::new(),
    }
}

/// What exactly a coverage metric misses: its uncovered lines, unrun regions or
/// untaken branch outcomes.
fn metric_details(function: &FunctionReport, metric: Metric) -> Vec<String> {
    let never_run = function.never_run();
    let detail = match metric {
        Metric::Lines if function.uncovered_lines.is_empty() => None,
        Metric::Lines => {
            let ranges = line_ranges(&function.uncovered_lines);
            Some(if never_run {
                format!("no test runs it (lines {ranges})")
            } else {
                format!("uncovered lines: {ranges}")
            })
        }
        Metric::Regions if never_run => Some("no test runs it".to_string()),
        Metric::Regions => {
            let regions: Vec<String> = function
                .uncovered_regions
                .iter()
                .map(|r| {
                    let what = if r.text == "?" {
                        "the error path of `?`".to_string()
                    } else {
                        format!("`{}`", r.text)
                    };
                    format!("{what} at {}:{}", r.line, r.column)
                })
                .collect();
            (!regions.is_empty()).then(|| format!("never run: {}", listed(regions)))
        }
        Metric::Branches => {
            let branches: Vec<String> = function
                .untaken_branches
                .iter()
                .map(|b| {
                    format!("`{}` at {}:{} never {}", b.span.text, b.span.line, b.span.column, b.outcome)
                })
                .collect();
            (!branches.is_empty()).then(|| listed(branches))
        }
    };
    detail.into_iter().collect()
}

/// What the mutation score leaves out, and the untested mutants.
fn mutation_details(function: &FunctionReport, reason: &Reason) -> Vec<String> {
    let Some(m) = &function.mutants else { return Vec::new() };
    match reason {
        Reason::MutantsUntested { .. } => {
            let names: Vec<String> = m.untested_list.iter().map(|u| format!("`{}`", u.name)).collect();
            vec![format!("no outcome for {}", listed(names))]
        }
        _ => {
            let mut left_out = Vec::new();
            if m.acknowledged > 0 {
                left_out.push(format!("{} acknowledged", m.acknowledged));
            }
            if m.unviable > 0 {
                left_out.push(format!("{} unviable", m.unviable));
            }
            if left_out.is_empty() {
                Vec::new()
            } else {
                vec![format!("not counted: {}", left_out.join(", "))]
            }
        }
    }
}

/// Where a mutant is.
fn region(mutant: &Mutant) -> FunctionSpan {
    FunctionSpan {
        line: mutant.line,
        column: mutant.column,
        end_line: mutant.end_line,
        end_column: mutant.end_column,
    }
}

/// The gap a reason is, with what exactly is missing and what to add.
pub fn gap(function: &FunctionReport, reason: &Reason) -> Option<Gap> {
    let kind = GapKind::of(reason)?;
    let (subject, details, test_location) = match reason {
        Reason::NotInstrumented | Reason::NoBranchData => (String::new(), Vec::new(), None),
        Reason::NotCompiled { features } => (features.join(","), Vec::new(), None),
        Reason::BelowThreshold { metric, .. } => {
            (metric.to_string(), metric_details(function, *metric), None)
        }
        Reason::FailureMode(mode) => (mode.mode.clone(), mode_details(mode), mode.location.clone()),
        Reason::CategoryMissing(missing) => (missing.category.to_string(), Vec::new(), None),
        Reason::MutationBelowThreshold { .. } | Reason::MutantsUntested { .. } => {
            (String::new(), mutation_details(function, reason), None)
        }
        Reason::MutantMissed(mutant) | Reason::MutantTimeout(mutant) => {
            (mutant.name.clone(), Vec::new(), None)
        }
        Reason::FailpointNeverFired(fp) | Reason::FailpointUnknown(fp) => (fp.name.clone(), Vec::new(), None),
    };
    let region = match reason {
        Reason::MutantMissed(mutant) | Reason::MutantTimeout(mutant) => Some(region(mutant)),
        Reason::FailpointNeverFired(fp) | Reason::FailpointUnknown(fp) => Some(FunctionSpan {
            line: fp.line,
            column: fp.column,
            end_line: fp.line,
            end_column: fp.column + "fail_point!".len() as u32,
        }),
        _ => None,
    };
    Some(Gap { kind, subject, summary: reason.to_string(), details, test_location, region })
}

/// The gaps of a failing function, in the order of its reasons.
pub fn gaps(function: &FunctionReport) -> Vec<Gap> {
    function.reasons.iter().filter_map(|reason| gap(function, reason)).collect()
}

/// A gap as one line: `summary: details`, or `summary (file:line)`.
pub fn gap_line(gap: &Gap) -> String {
    let mut line = gap.summary.clone();
    for (i, detail) in gap.details.iter().enumerate() {
        let glue = if detail.starts_with('(') {
            " "
        } else if i == 0 {
            ": "
        } else {
            "; "
        };
        line.push_str(glue);
        line.push_str(detail);
    }
    line
}

/// `3, 5-7, 9`.
pub fn line_ranges(lines: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = lines[i];
        let mut end = start;
        while i + 1 < lines.len() && lines[i + 1] == end + 1 {
            i += 1;
            end = lines[i];
        }
        out.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Count, FailpointOutcome, FailpointStatus, Percent};

    fn failpoint(status: FailpointStatus) -> FailpointOutcome {
        FailpointOutcome::new("store::sync", (41, 5), "src/store.rs:41", Vec::new(), status, None)
    }

    fn mode(status: ModeStatus) -> Reason {
        Reason::FailureMode(ModeOutcome {
            mode: "disk_full".into(),
            test: Some("t::x".into()),
            status,
            ran: None,
            location: Some("src/lib.rs:9".into()),
            detail: None,
            category: None,
        })
    }

    /// Every reason is the gap of one kind: the table the SARIF rules, the github
    /// titles and the markdown lines all follow.
    #[test]
    fn each_reason_is_a_gap_of_one_kind() {
        let below = |metric| Reason::BelowThreshold { metric, count: Count::new(1, 2), min: Percent::FULL };
        let table = [
            (Reason::NotInstrumented, Some(GapKind::NotInstrumented)),
            (below(Metric::Lines), Some(GapKind::Lines)),
            (below(Metric::Regions), Some(GapKind::Regions)),
            (below(Metric::Branches), Some(GapKind::Branches)),
            (Reason::NoBranchData, Some(GapKind::NoBranchData)),
            (mode(ModeStatus::Missing), Some(GapKind::ModeMissing)),
            (mode(ModeStatus::Failed), Some(GapKind::ModeFailed)),
            (mode(ModeStatus::Ignored), Some(GapKind::ModeIgnored)),
            (mode(ModeStatus::Hollow), Some(GapKind::ModeHollow)),
            (mode(ModeStatus::Unverified), Some(GapKind::ModeUnverified)),
            (
                Reason::CategoryMissing(crate::model::MissingCategory::new(
                    crate::catalogue::Tier::Critical,
                    "f",
                    crate::catalogue::vocabulary::Category::Timing,
                    "concurrent",
                    "f_concurrent",
                )),
                Some(GapKind::CategoryMissing),
            ),
            (Reason::NotCompiled { features: vec!["std".into()] }, Some(GapKind::NotCompiled)),
            (mode(ModeStatus::Passed), None),
            (
                Reason::MutationBelowThreshold { score: Count::new(1, 2), min: Percent::FULL },
                Some(GapKind::MutationScore),
            ),
            (Reason::MutantMissed(mutant()), Some(GapKind::MutantMissed)),
            (Reason::MutantTimeout(mutant()), Some(GapKind::MutantTimeout)),
            (Reason::MutantsUntested { untested: 1, total: 2 }, Some(GapKind::MutantsUntested)),
            (
                Reason::FailpointNeverFired(failpoint(FailpointStatus::NeverFired)),
                Some(GapKind::FailpointNeverFired),
            ),
            (Reason::FailpointUnknown(failpoint(FailpointStatus::Unknown)), Some(GapKind::FailpointUnknown)),
        ];
        for (reason, kind) in &table {
            assert_eq!(GapKind::of(reason), *kind, "{reason:?}");
        }
        let kinds: Vec<GapKind> = table.iter().filter_map(|(r, _)| GapKind::of(r)).collect();
        assert_eq!(kinds, GapKind::ALL, "one rule per kind, in rule order");
        let ids: std::collections::BTreeSet<&str> = GapKind::ALL.iter().map(|k| k.rule_id()).collect();
        assert_eq!(ids.len(), GapKind::ALL.len(), "rule ids are distinct");
    }

    fn mutant() -> Mutant {
        Mutant {
            name: "src/lib.rs:3:9: replace < with <= in f".into(),
            description: "replace < with <= in f".into(),
            genre: "BinaryOperator".into(),
            file: "src/lib.rs".into(),
            line: 3,
            column: 9,
            end_line: 3,
            end_column: 10,
            replacement: "<=".into(),
            original: "<".into(),
        }
    }

    #[test]
    fn line_ranges_are_compact() {
        assert_eq!(line_ranges(&[3, 5, 6, 7, 9]), "3, 5-7, 9");
        assert_eq!(line_ranges(&[]), "");
        assert_eq!(line_ranges(&[1]), "1");
    }
}
