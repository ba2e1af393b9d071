//! The report of a check, and its renderings.
//!
//! [`Report`] *is* the `json` format (SPEC §5), `schema_version` 1:
//!
//! ```json
//! { "schema_version": 1, "verdict": "pass" | "fail",
//!   "functions": [ {
//!       "function": "store::Store::write_atomic",   // as written in vital.toml
//!       "resolved": "store::store::Store::write_atomic",
//!       "tier": "critical", "reason": "…" | null,
//!       "file": "crates/store/src/store.rs", "line": 42,   // line of `fn`
//!       "lines": {"covered": 18, "total": 20}, "regions": {…}, "branches": {…} | null,
//!       "failure_modes": [ {"mode": "disk_full", "test": "store::tests::write_disk_full" | null,
//!                           "status": "passed", "location": "src/store.rs:88"?, "detail": "it asserts nothing"?} ],
//!       "verdict": "fail", "reasons": ["lines 90.0% < 100%"],
//!       "records": 2, "record_names": ["_RNv…", "_RNv…"], "uncovered_lines": [12, 14],
//!       "uncovered_regions": [ {"line": 6, "column": 34, "end_line": 6, "end_column": 35, "text": "?"} ],
//!       "untaken_branches": [ {"line": 9, "column": 8, "end_line": 9, "end_column": 13, "text": "x > 1", "outcome": false} ] } ],
//!   "summary": {"functions": 3, "passed": 2, "failed": 1},
//!   "coverage": [ {"file": "target/vital/coverage.json", "format_version": "3.1.0", "records": 812, "branch_data": true} ],
//!   "tests": {"passed": 41, "failed": 0, "ignored": 1, "failed_tests": []} | null,
//!   "warnings": [] }
//! ```
//!
//! Fields are only ever added; `branches` is `null` when the coverage has no branch
//! data. Positions are 1-based, columns in bytes (as llvm-cov), ends exclusive. The
//! verdict is `fail` when a function fails or a test failed.

pub mod human;

use serde::{Deserialize, Serialize};

use crate::catalogue::Tier;
use crate::evidence::Count;
use crate::verdict::{ModeOutcome, Verdict};

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

/// What the human renderer shows of the function's source: its lines, with byte
/// ranges (relative to `text`) of what to point at. Not part of the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Excerpt {
    /// The lines of the function.
    pub text: String,
    /// Line number of the first line of `text`.
    pub first_line: u32,
    /// The function's name.
    pub name: std::ops::Range<usize>,
    /// Regions never run.
    pub regions: Vec<std::ops::Range<usize>>,
    /// Conditions with an outcome never taken, and the outcomes missing.
    pub branches: Vec<(std::ops::Range<usize>, Option<bool>)>,
}

/// One vital function in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Pass or fail.
    pub verdict: Verdict,
    /// Why it fails.
    pub reasons: Vec<String>,
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
    /// Source for the human renderer.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
}

/// Counts of the functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Vital functions checked.
    pub functions: usize,
    /// How many pass.
    pub passed: usize,
    /// How many fail.
    pub failed: usize,
}

/// The test results that went into the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
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
        functions: Vec<FunctionReport>,
        coverage: Vec<CoverageInput>,
        tests: Option<TestSummary>,
        warnings: Vec<String>,
    ) -> Report {
        let failed = functions.iter().filter(|f| f.verdict == Verdict::Fail).count();
        let summary = Summary { functions: functions.len(), passed: functions.len() - failed, failed };
        let tests_failed = tests.as_ref().is_some_and(|t| t.failed > 0);
        let verdict = if failed == 0 && !tests_failed { Verdict::Pass } else { Verdict::Fail };
        Report { schema_version: SCHEMA_VERSION, verdict, functions, summary, coverage, tests, warnings }
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

    /// Renders the report in `format`.
    pub fn render(&self, format: Format, style: &Style) -> String {
        match format {
            Format::Human => human::render(self, style),
            Format::Json => self.to_json(),
        }
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// rustc-style diagnostics and a summary table.
    Human,
    /// [`Report`] as JSON.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format `{other}` (expected `human` or `json`)")),
        }
    }
}

/// How the human format looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
}
