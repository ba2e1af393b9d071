//! The report's serialized types: the `json` format (SPEC §5), `schema_version` 1.
//!
//! ```json
//! { "schema_version": 1, "check": "coverage" | "static", "verdict": "pass" | "fail",
//!   "functions": [ {
//!       "function": "store::Store::write_atomic",   // as written in vital.toml
//!       "resolved": "store::store::Store::write_atomic",
//!       "tier": "critical", "reason": "…" | null,
//!       "file": "crates/store/src/store.rs", "line": 42,   // line of `fn`
//!       "lines": {"covered": 18, "total": 20}, "regions": {…}, "branches": {…} | null,
//!       "failure_modes": [ {"mode": "disk_full", "test": "store::tests::write_disk_full" | null,
//!                           "status": "passed", "location": "src/store.rs:88"?, "detail": "it asserts nothing"?,
//!                           "category": "resource"?} ],
//!       "waived": [ {"category": "timing", "reason": "single-threaded by construction"} ]?,
//!       "verdict": "fail",
//!       "reasons": ["lines 90.0% < 100%"],
//!       "findings": [ {"kind": "below_threshold", "metric": "lines", "count": {"covered": 18, "total": 20}, "min": 100.0} ],
//!       "records": 2, "record_names": ["_RNv…", "_RNv…"], "uncovered_lines": [12, 14],
//!       "uncovered_regions": [ {"line": 6, "column": 34, "end_line": 6, "end_column": 35, "text": "?"} ],
//!       "untaken_branches": [ {"line": 9, "column": 8, "end_line": 9, "end_column": 13, "text": "x > 1", "outcome": false} ],
//!       "span": {"line": 41, "column": 5, "end_line": 60, "end_column": 6},
//!       "thresholds": {"lines": 100.0, "regions": 100.0, "branches": 100.0, "failure_modes": true,
//!                      "categories": ["input", "resource", "timing", "state"]?},
//!       "trend": {…}?,
//!       "source": {"first_line": 41, "text": "…", "name": {"start": 7, "end": 19}}?,
//!       "mutants": { "caught": 27, "missed": 1, "timeout": 0, "unviable": 0, "acknowledged": 3,
//!                    "untested": 0, "score": {"covered": 27, "total": 28},
//!                    "missed_list": [ {"name": "src/eval.rs:157:21: replace > with >= in matches_caret",
//!                                      "description": "replace > with >= in matches_caret", "genre": "BinaryOperator",
//!                                      "file": "src/eval.rs", "line": 157, "column": 21, "end_line": 157,
//!                                      "end_column": 22, "replacement": ">=", "original": ">"} ],
//!                    "timeout_list": [], "unviable_list": [], "untested_list": [],
//!                    "acknowledged_list": [ {…, "outcome": "missed", "reason": "…"} ] } | null } ],
//!   "summary": {"functions": 3, "passed": 2, "failed": 1, "accepted": 0},
//!   "coverage": [ {"file": "target/vital/coverage.json", "format_version": "3.1.0", "records": 812, "branch_data": true} ],
//!   "tests": {"passed": 41, "failed": 0, "ignored": 1, "failed_tests": []} | null,
//!   "warnings": [] }
//! ```
//!
//! Fields are only ever added; those marked `?` are left out when empty. `reasons`
//! are sentences; `findings` are the same reasons, typed by `kind` (see [`Reason`]):
//! a category the tier requires and no mode covers is a finding of kind
//! `category_missing` (`{"kind": "category_missing", "tier", "function", "category",
//! "suggestion", "test"}`). A mode's `category` is absent for a custom mode the
//! catalogue gives none; `waived` lists the categories the entry waives, with their
//! reasons, which every format shows. `branches` is `null` when the coverage
//! has no branch data. Positions are 1-based, columns in bytes (as llvm-cov), ends
//! exclusive, except `span`, whose columns count characters (as editors and SARIF
//! do), and the mutants' (`line`, `column`: cargo-mutants' own, in characters).
//! `mutants` is `null` when no mutation results were given (SPEC §8); its `score`
//! counts caught of caught + missed + timeout, acknowledged survivors and unviable
//! mutants left out, timeouts caught only where `thresholds.timeouts` is `caught`.
//! The verdict is `fail` when a function fails or a test failed.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::catalogue::vocabulary::Category;
use crate::catalogue::{FailpointRule, Tier, TimeoutRule};
use crate::model::{
    Count, FailpointOutcome, Metric, ModeOutcome, ModeStatus, Mutant, Percent, Reason, Verdict,
};

/// The current `schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// A span of source with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSpan {
    /// 1-based start line.
    pub line: u32,
    /// 1-based start column, in bytes.
    pub column: u32,
    /// End line.
    pub end_line: u32,
    /// End column, exclusive.
    pub end_column: u32,
    /// The source text it covers.
    pub text: String,
}

/// A condition outcome never taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchGap {
    /// Where the condition is.
    #[serde(flatten)]
    pub span: SourceSpan,
    /// The outcome never seen.
    pub outcome: bool,
}

/// The lines of a function's source, for renderers that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The line number of the first line of `text`.
    pub first_line: u32,
    /// The whole lines of the function.
    pub text: String,
    /// Byte range of the function's name in `text`.
    pub name: std::ops::Range<usize>,
}

/// Why a function fails: the typed reasons. Serialized as two fields, `reasons`
/// (sentences, schema 1) and `findings` (the same, typed by `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reasons(pub Vec<Reason>);

impl std::ops::Deref for Reasons {
    type Target = Vec<Reason>;
    fn deref(&self) -> &Vec<Reason> {
        &self.0
    }
}

impl Serialize for Reasons {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let sentences: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("reasons", &sentences)?;
        map.serialize_entry("findings", &self.0)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Reasons {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            findings: Vec<Reason>,
        }
        Wire::deserialize(deserializer).map(|wire| Reasons(wire.findings))
    }
}

/// One vital function in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionReport {
    /// The path as written in the catalogue.
    pub function: String,
    /// The function it resolved to, as vital names it.
    pub resolved: String,
    /// Its tier.
    pub tier: Tier,
    /// Why it is vital (from the catalogue).
    pub reason: Option<String>,
    /// Its file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// The line of its `fn` keyword.
    pub line: u32,
    /// Line coverage.
    pub lines: Count,
    /// Region coverage.
    pub regions: Count,
    /// Branch coverage; `None` when the coverage has no branch data.
    pub branches: Option<Count>,
    /// Its failure modes.
    pub failure_modes: Vec<ModeOutcome>,
    /// The failure-mode categories its entry waives, with their reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<Waiver>,
    /// Pass or fail.
    pub verdict: Verdict,
    /// Why it fails.
    #[serde(flatten)]
    pub reasons: Reasons,
    /// Number of coverage records joined (0: not instrumented).
    pub records: usize,
    /// The mangled names of those records, sorted.
    pub record_names: Vec<String>,
    /// Mapped lines never run.
    pub uncovered_lines: Vec<u32>,
    /// Code regions never run.
    pub uncovered_regions: Vec<SourceSpan>,
    /// Condition outcomes never taken.
    pub untaken_branches: Vec<BranchGap>,
    /// The function's source span, `fn`'s visibility to its closing brace, in
    /// 1-based lines and *character* columns (as editors and SARIF count them).
    pub span: FunctionSpan,
    /// What its tier demands.
    pub thresholds: Thresholds,
    /// How it compares with a baseline report, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trend: Option<Trend>,
    /// Whether its doc comment has an example that `cargo test --doc` runs (a hint
    /// for a function no test ran: doctests count with `--doctests`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub doc_example: bool,
    /// Its source, for renderers that show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Its mutants; `None` (`null`) when no mutation results were given.
    #[serde(default)]
    pub mutants: Option<MutationReport>,
    /// Its `fail_point!` sites and which passing tests fired each (SPEC §9); left
    /// out when it has none, and in a static check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failpoints: Vec<FailpointOutcome>,
}

/// What mutation testing says of a function (SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MutationReport {
    /// Mutants a test catches.
    pub caught: usize,
    /// Mutants no test catches (acknowledged survivors left out).
    pub missed: usize,
    /// Mutants under which the tests time out (acknowledged survivors left out).
    pub timeout: usize,
    /// Mutants that do not build: listed, not counted.
    pub unviable: usize,
    /// Acknowledged survivors (`[[vital.survivors]]`): listed, not counted.
    pub acknowledged: usize,
    /// Mutants of the current source with no outcome in the results.
    #[serde(default)]
    pub untested: usize,
    /// Caught of counted: caught ÷ (caught + missed + timeout), timeouts caught where
    /// the tier says so.
    pub score: Count,
    /// The missed mutants.
    pub missed_list: Vec<Mutant>,
    /// The mutants under which the tests time out.
    #[serde(default)]
    pub timeout_list: Vec<Mutant>,
    /// The unviable mutants.
    #[serde(default)]
    pub unviable_list: Vec<Mutant>,
    /// The mutants with no outcome.
    #[serde(default)]
    pub untested_list: Vec<Mutant>,
    /// The acknowledged survivors, with their outcome and the pin's reason.
    #[serde(default)]
    pub acknowledged_list: Vec<AcknowledgedMutant>,
}

impl MutationReport {
    /// All mutants of the function, every list together.
    pub fn total(&self) -> usize {
        self.caught + self.missed + self.timeout + self.unviable + self.acknowledged + self.untested
    }
}

/// An acknowledged survivor in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AcknowledgedMutant {
    /// The mutant.
    #[serde(flatten)]
    pub mutant: Mutant,
    /// What the tests did with it: `missed`, `timeout` or `untested`.
    pub outcome: String,
    /// Why it is equivalent, from the pin.
    pub reason: String,
}

/// A failure-mode category waived by a catalogue entry, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Waiver {
    /// The category.
    pub category: Category,
    /// Why the function cannot fail that way (from the catalogue).
    pub reason: String,
}

impl Waiver {
    /// `category` waived for `reason`.
    pub fn new(category: Category, reason: impl Into<String>) -> Waiver {
        Waiver { category, reason: reason.into() }
    }
}

/// A function's source span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FunctionSpan {
    /// First line.
    pub line: u32,
    /// First column (characters, 1-based).
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column after the last character.
    pub end_column: u32,
}

/// A tier's thresholds; `None` where the tier does not gate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Thresholds {
    /// Minimum line coverage.
    pub lines: Option<Percent>,
    /// Minimum region coverage.
    pub regions: Option<Percent>,
    /// Minimum branch coverage.
    pub branches: Option<Percent>,
    /// Whether every declared failure mode needs a passing test.
    pub failure_modes: bool,
    /// The failure-mode categories the tier requires a mode of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    /// Minimum mutation score, when mutation results are given.
    #[serde(default)]
    pub mutation: Option<Percent>,
    /// How a timeout counts in the mutation score: `missed` or `caught`.
    #[serde(default)]
    pub timeouts: TimeoutRule,
    /// Which failpoints a passing test must have fired: `all`, `declared`, `none`.
    #[serde(default)]
    pub failpoints: FailpointRule,
}

impl Thresholds {
    /// The threshold of `metric`.
    pub fn of(&self, metric: Metric) -> Option<Percent> {
        match metric {
            Metric::Lines => self.lines,
            Metric::Regions => self.regions,
            Metric::Branches => self.branches,
        }
    }
}

/// A function's state in a baseline report, and how it changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Trend {
    /// `better`, `same`, `worse`, or `new` (not in the baseline).
    pub change: Change,
    /// Its verdict in the baseline.
    pub was_verdict: Option<Verdict>,
    /// Its line coverage in the baseline (`None`: not measured there).
    pub was_lines: Option<Count>,
    /// Its region coverage in the baseline.
    pub was_regions: Option<Count>,
    /// Its branch coverage in the baseline.
    pub was_branches: Option<Count>,
    /// Its failure modes with a passing test in the baseline.
    pub was_modes_passed: Option<usize>,
    /// Its coverage records in the baseline (0: nothing of it ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_records: Option<usize>,
    /// Failure modes that passed in the baseline and do not now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_modes_lost: Option<usize>,
    /// Its mutation score in the baseline (`None`: not measured there, or no mutant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_mutation: Option<Count>,
    /// Whether the baseline accepts it: it fails its tier, but no worse than before.
    pub accepted: bool,
}

/// How a function changed since the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Change {
    /// Some measure improved, none got worse.
    Better,
    /// Nothing changed.
    Same,
    /// Some measure got worse.
    Worse,
    /// Not in the baseline.
    New,
}

impl Change {
    /// The lowercase name of the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Better => "better",
            Change::Same => "same",
            Change::Worse => "worse",
            Change::New => "new",
        }
    }
}

impl FunctionReport {
    /// Whether it fails its tier but the baseline accepts it.
    pub fn is_accepted(&self) -> bool {
        self.verdict == Verdict::Fail && self.trend.as_ref().is_some_and(|t| t.accepted)
    }

    /// Whether it fails the gate: fails its tier and is not accepted.
    pub fn is_gap(&self) -> bool {
        self.verdict == Verdict::Fail && !self.is_accepted()
    }

    /// Whether any test of it ran under coverage: some region ran.
    pub fn never_run(&self) -> bool {
        self.records > 0 && self.regions.covered == 0
    }

    /// How far below its thresholds it is, in hundredths of a percent: the largest
    /// shortfall of lines, regions, branches and mutation score (10 000 when it has
    /// no record).
    pub fn shortfall(&self) -> u32 {
        if self.reasons.iter().any(|r| matches!(r, Reason::NotInstrumented | Reason::NotCompiled { .. })) {
            return 10_000;
        }
        self.reasons
            .iter()
            .filter_map(|r| match r {
                Reason::BelowThreshold { count, min, .. } => Some(min.shortfall(*count)),
                Reason::MutationBelowThreshold { score, min } => Some(min.shortfall(*score)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Declared failure modes whose test does not count: not passed, or, in a
    /// static check, not shown by the source to count.
    pub fn mode_gaps(&self, check: CheckKind) -> usize {
        self.failure_modes.len() - self.modes_counting(check)
    }

    /// Required failure-mode categories that no declared mode covers and the entry
    /// does not waive.
    pub fn missing_categories(&self) -> usize {
        self.reasons.iter().filter(|r| matches!(r, Reason::CategoryMissing(_))).count()
    }

    /// Declared failure modes whose test counts: passed, or, in a static check,
    /// exists, is not ignored and is not hollow.
    pub fn modes_counting(&self, check: CheckKind) -> usize {
        self.failure_modes
            .iter()
            .filter(|m| match check {
                CheckKind::Coverage => m.status == ModeStatus::Passed,
                CheckKind::Static | CheckKind::Mutation => m.status.counts_statically(),
            })
            .count()
    }
}

/// Orders functions by risk, worst first: failing before passing, then by tier
/// (critical first), then by distance below the thresholds, then by failure modes
/// without a passing test, then by required categories without a mode, then by
/// name.
pub fn by_risk(check: CheckKind) -> impl Fn(&&FunctionReport, &&FunctionReport) -> std::cmp::Ordering {
    move |a, b| {
        (!a.is_gap(), a.verdict != Verdict::Fail, a.tier)
            .cmp(&(!b.is_gap(), b.verdict != Verdict::Fail, b.tier))
            .then_with(|| b.shortfall().cmp(&a.shortfall()))
            .then_with(|| b.mode_gaps(check).cmp(&a.mode_gaps(check)))
            .then_with(|| b.missing_categories().cmp(&a.missing_categories()))
            .then_with(|| a.function.cmp(&b.function))
    }
}

/// Counts of the functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Summary {
    /// Vital functions checked.
    pub functions: usize,
    /// How many pass.
    pub passed: usize,
    /// How many fail.
    pub failed: usize,
    /// How many of those fail no worse than in the baseline, which accepts them.
    #[serde(default)]
    pub accepted: usize,
}

/// The test results that went into the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TestSummary {
    /// Tests that passed.
    pub passed: usize,
    /// Tests that failed.
    pub failed: usize,
    /// Tests ignored or skipped.
    pub ignored: usize,
    /// The failed tests, as `crate::path`.
    pub failed_tests: Vec<String>,
}

/// A coverage file that went into the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CoverageInput {
    /// The file as given.
    pub file: String,
    /// Its llvm-cov export format version.
    pub format_version: String,
    /// Its function records.
    pub records: usize,
    /// Whether it has branch data.
    pub branch_data: bool,
}

/// What a report checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CheckKind {
    /// Coverage, failure modes and test results.
    #[default]
    Coverage,
    /// The catalogue and the failure-mode tests, from the source alone.
    Static,
    /// Mutation results alone (`cargo vital mutants`): the tiers' `mutation` gate.
    Mutation,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `coverage` for a full check, `static` for `check --static` (no coverage: only
    /// the catalogue and the failure-mode tests are checked).
    #[serde(default)]
    pub check: CheckKind,
    /// Pass when every function passes.
    pub verdict: Verdict,
    /// The vital functions, in catalogue order.
    pub functions: Vec<FunctionReport>,
    /// Counts.
    pub summary: Summary,
    /// The coverage files read.
    pub coverage: Vec<CoverageInput>,
    /// The test results read; `null` when none were given.
    pub tests: Option<TestSummary>,
    /// Things the user should know that did not decide the verdict.
    pub warnings: Vec<String>,
}

impl Report {
    /// Assembles a report: it passes when every function passes and no test failed.
    pub fn new(
        check: CheckKind,
        functions: Vec<FunctionReport>,
        coverage: Vec<CoverageInput>,
        tests: Option<TestSummary>,
        warnings: Vec<String>,
    ) -> Report {
        let mut report = Report {
            schema_version: SCHEMA_VERSION,
            check,
            verdict: Verdict::Pass,
            functions,
            summary: Summary { functions: 0, passed: 0, failed: 0, accepted: 0 },
            coverage,
            tests,
            warnings,
        };
        report.recompute();
        report
    }

    /// Sets the summary and the verdict from the functions and the tests: the report
    /// fails when a function fails that the baseline does not accept, or a test failed.
    pub fn recompute(&mut self) {
        let failed = self.functions.iter().filter(|f| f.verdict == Verdict::Fail).count();
        let accepted = self.functions.iter().filter(|f| f.is_accepted()).count();
        self.summary = Summary {
            functions: self.functions.len(),
            passed: self.functions.len() - failed,
            failed,
            accepted,
        };
        let tests_failed = self.tests.as_ref().is_some_and(|t| t.failed > 0);
        self.verdict = if failed == accepted && !tests_failed { Verdict::Pass } else { Verdict::Fail };
    }

    /// `0` when every gate holds, `1` when one fails.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }

    /// The `json` format: pretty, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("a report always serializes");
        out.push('\n');
        out
    }

    /// Reads a report written by `--format json` (`cargo vital report` renders it
    /// again); `display` names the file in messages. A file that is not a report of
    /// this schema is an error with its position.
    pub fn read(path: &std::path::Path, display: &std::path::Path) -> crate::Result<Report> {
        use crate::error::{Error, ErrorKind, Location};
        let text = crate::fsutil::read_input_string(path, display, ErrorKind::Io).map_err(|err| {
            err.with_help(
                "pass a report written by `cargo vital check --format json`, or run `cargo vital run` \
                 (it saves target/vital/report.json)",
            )
        })?;
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let not_a_report = |err: serde_json::Error| {
            Error::new(
                ErrorKind::Io,
                Some(Location::at(display, err.line(), err.column())),
                format!("not a vital json report ({err})"),
            )
            .with_help("a report is the output of `cargo vital check --format json`")
        };
        let version: Version = serde_json::from_str(&text).map_err(not_a_report)?;
        if version.schema_version != SCHEMA_VERSION {
            return Err(Error::new(
                ErrorKind::Io,
                Some(Location::file(display)),
                format!(
                    "the report has schema_version {}, this vital reads {SCHEMA_VERSION}",
                    version.schema_version
                ),
            )
            .with_help("render it with the vital that wrote it, or write it again with this one"));
        }
        serde_json::from_str(&text).map_err(not_a_report)
    }

    /// The functions ordered by risk, worst first ([`by_risk`]).
    pub fn by_risk(&self) -> Vec<&FunctionReport> {
        let mut functions: Vec<&FunctionReport> = self.functions.iter().collect();
        functions.sort_by(by_risk(self.check));
        functions
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckKind::Coverage => "coverage",
            CheckKind::Static => "static",
            CheckKind::Mutation => "mutation",
        })
    }
}
