//! The gaps of a function in words: what is missing and what to add. Shared by
//! the markdown, github, sarif and junit formats.

use super::FunctionReport;
use super::human::line_ranges;
use crate::verdict::{ModeOutcome, ModeStatus};

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
}

impl GapKind {
    /// All kinds, in rule order.
    pub const ALL: [GapKind; 10] = [
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
    ];

    /// The SARIF rule id.
    pub fn rule_id(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => "vital/not-instrumented",
            GapKind::Lines => "vital/lines",
            GapKind::Regions => "vital/regions",
            GapKind::Branches => "vital/branches",
            GapKind::NoBranchData => "vital/no-branch-data",
            GapKind::ModeMissing => "vital/failure-mode-missing",
            GapKind::ModeFailed => "vital/failure-mode-failed",
            GapKind::ModeIgnored => "vital/failure-mode-ignored",
            GapKind::ModeHollow => "vital/failure-mode-hollow",
            GapKind::ModeUnverified => "vital/failure-mode-unverified",
        }
    }

    /// The SARIF rule name (PascalCase).
    pub fn rule_name(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => "VitalFunctionNotInstrumented",
            GapKind::Lines => "VitalLinesBelowTier",
            GapKind::Regions => "VitalRegionsBelowTier",
            GapKind::Branches => "VitalBranchesBelowTier",
            GapKind::NoBranchData => "NoBranchData",
            GapKind::ModeMissing => "FailureModeWithoutTest",
            GapKind::ModeFailed => "FailureModeTestFailed",
            GapKind::ModeIgnored => "FailureModeTestIgnored",
            GapKind::ModeHollow => "FailureModeTestHollow",
            GapKind::ModeUnverified => "FailureModeTestUnverified",
        }
    }

    /// One sentence: what the rule checks.
    pub fn description(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => {
                "A vital function is in no instrumented test binary: no test runs it under coverage."
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
                "The test of a declared failure mode never reaches the function or asserts nothing."
            }
            GapKind::ModeUnverified => "The test of a declared failure mode has no recorded result.",
        }
    }

    /// What to do about it.
    pub fn help(self) -> &'static str {
        match self {
            GapKind::NotInstrumented => {
                "Add a test that calls the function, and run it under coverage (`cargo vital run`)."
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
                "Run the tests with `cargo vital run`, or pass their results with `--tests`."
            }
        }
    }
}

/// One gap of a function: its kind and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The kind.
    pub kind: GapKind,
    /// The one-line reason (`regions 87.5% < 100%`).
    pub summary: String,
    /// What exactly is missing, and what to add.
    pub details: Vec<String>,
    /// For a failure mode's test: where it is.
    pub test_location: Option<String>,
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

fn mode_gap(mode: &ModeOutcome, reason: &str) -> Option<Gap> {
    let kind = match mode.status {
        ModeStatus::Passed => return None,
        ModeStatus::Missing => GapKind::ModeMissing,
        ModeStatus::Failed => GapKind::ModeFailed,
        ModeStatus::Ignored => GapKind::ModeIgnored,
        ModeStatus::Hollow => GapKind::ModeHollow,
        ModeStatus::Unverified => GapKind::ModeUnverified,
    };
    // The reason names the test and why it does not count; what it lacks is where
    // the test is, or, for a missing test, the test to add.
    let details = match (kind, &mode.location, &mode.detail) {
        (GapKind::ModeMissing, _, Some(detail)) => vec![detail.clone()],
        (_, Some(at), _) => vec![format!("({at})")],
        _ => Vec::new(),
    };
    Some(Gap { kind, summary: reason.to_string(), details, test_location: mode.location.clone() })
}

/// The gaps of a failing function, in the order of its reasons.
pub fn gaps(function: &FunctionReport) -> Vec<Gap> {
    let mut out = Vec::new();
    let never_run = function.records > 0 && function.regions.covered == 0;
    let mut modes = function.failure_modes.iter();
    for reason in &function.reasons {
        if reason.starts_with("failure mode") {
            // Mode reasons come in the order of the modes that do not pass.
            if let Some(gap) =
                modes.by_ref().find(|m| m.status != ModeStatus::Passed).and_then(|m| mode_gap(m, reason))
            {
                out.push(gap);
            }
            continue;
        }
        let (kind, details) = if reason.starts_with("not in any instrumented binary") {
            (GapKind::NotInstrumented, Vec::new())
        } else if reason.starts_with("no branch data") {
            (GapKind::NoBranchData, Vec::new())
        } else if reason.starts_with("lines") {
            let ranges = line_ranges(&function.uncovered_lines);
            let lines = (!function.uncovered_lines.is_empty()).then(|| {
                if never_run {
                    format!("no test runs it (lines {ranges})")
                } else {
                    format!("uncovered lines: {ranges}")
                }
            });
            (GapKind::Lines, lines.into_iter().collect())
        } else if reason.starts_with("regions") && never_run {
            (GapKind::Regions, vec!["no test runs it".to_string()])
        } else if reason.starts_with("regions") {
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
            let details = (!regions.is_empty()).then(|| format!("never run: {}", listed(regions)));
            (GapKind::Regions, details.into_iter().collect())
        } else {
            let branches: Vec<String> = function
                .untaken_branches
                .iter()
                .map(|b| {
                    format!("`{}` at {}:{} never {}", b.span.text, b.span.line, b.span.column, b.outcome)
                })
                .collect();
            let details = (!branches.is_empty()).then(|| listed(branches));
            (GapKind::Branches, details.into_iter().collect())
        };
        out.push(Gap { kind, summary: reason.clone(), details, test_location: None });
    }
    out
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
