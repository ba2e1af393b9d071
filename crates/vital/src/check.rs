//! The pipeline: catalogue + source + coverage → [`Report`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::catalogue::{BranchRule, Catalogue, Entry, ModesRule, Percent, Tier, TierPolicy};
use crate::coverage::{Export, Pos};
use crate::error::{Error, ErrorKind, Problem, Result};
use crate::evidence::{Count, Evidence, join, keep_files};
use crate::modes;
use crate::report::{
    BranchGap, CheckKind, CoverageInput, Excerpt, FunctionReport, FunctionSpan, Report, SourceSpan,
    TestSummary, Thresholds,
};
use crate::results::TestResults;
use crate::source::resolve::Resolver;
use crate::source::{FnId, SourceIndex};
use crate::stamp::SourceStamp;
use crate::testsuite::{TestSuite, evaluate_modes};
use crate::verdict::{Facts, ModeOutcome, judge};
use crate::workspace::Workspace;

/// Where `cargo vital run` writes the coverage it produces.
pub fn default_coverage_path(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("coverage.json")
}

/// A catalogue resolved against a workspace's source.
#[derive(Debug)]
pub struct Resolved<'c> {
    /// The workspace's source.
    pub index: SourceIndex,
    /// The catalogue.
    pub catalogue: &'c Catalogue,
    /// The function of each entry, in catalogue order.
    pub functions: Vec<FnId>,
}

impl<'c> Resolved<'c> {
    /// Scans the workspace and resolves every entry of the catalogue. All entries
    /// that resolve to nothing, to several functions, or to a function another
    /// entry already names, are reported together.
    pub fn new(workspace: &Workspace, catalogue: &'c Catalogue) -> Result<Resolved<'c>> {
        let index = SourceIndex::scan(workspace);
        let functions = resolve_entries(&index, catalogue)?;
        Ok(Resolved { index, catalogue, functions })
    }

    /// The entries with their functions.
    pub fn entries(&self) -> impl Iterator<Item = (&'c Entry, FnId)> + '_ {
        self.catalogue.entries.iter().zip(self.functions.iter().copied())
    }
}

fn resolve_entries(index: &SourceIndex, catalogue: &Catalogue) -> Result<Vec<FnId>> {
    let resolver = Resolver::new(index);
    let mut problems = Vec::new();
    let mut functions = Vec::with_capacity(catalogue.entries.len());
    let mut named_by: HashMap<FnId, &Entry> = HashMap::new();
    for entry in &catalogue.entries {
        match resolver.resolve(&entry.function) {
            Ok(f) => {
                if let Some(first) = named_by.get(&f) {
                    let first_line = catalogue.location_of(first).line.unwrap_or(0);
                    problems.push(Problem {
                        location: Some(catalogue.location_of(entry)),
                        message: format!(
                            "`{}` is the same function as `{}` (line {first_line}): `{}`",
                            entry.function,
                            first.function,
                            index.display_path(f)
                        ),
                        help: Some("keep one entry per function".into()),
                    });
                } else {
                    named_by.insert(f, entry);
                }
                functions.push(f);
            }
            Err(err) => {
                let (message, help) = err.describe(&entry.function);
                problems.push(Problem {
                    location: Some(catalogue.location_of(entry)),
                    message,
                    help: Some(help),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(functions)
    } else {
        if !index.warnings.is_empty() {
            let files: Vec<String> = index.warnings.iter().map(ToString::to_string).collect();
            if let Some(last) = problems.last_mut() {
                let help = last.help.take().unwrap_or_default();
                last.help = Some(format!("{help}\nnote: some source was not indexed:\n{}", files.join("\n")));
            }
        }
        Err(Error::from_problems(ErrorKind::Resolution, problems))
    }
}

/// One input file (coverage, test results): where it is and how to show it.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where to read it.
    pub path: PathBuf,
    /// How messages show it.
    pub display: PathBuf,
}

impl InputFile {
    /// A file shown as given.
    pub fn new(path: impl Into<PathBuf>) -> InputFile {
        let path = path.into();
        InputFile { display: path.clone(), path }
    }
}

/// Reads coverage files, keeping the records of the vital functions' files, and
/// checks them against their source stamps.
pub fn read_coverage(resolved: &Resolved<'_>, root: &Path, files: &[InputFile]) -> Result<Vec<Export>> {
    if files.is_empty() {
        return Err(Error::new(ErrorKind::Coverage, None, "no coverage file was given")
            .with_help("pass `--coverage FILE`, or run `cargo vital run` to produce one"));
    }
    let mut vital_files: Vec<_> = resolved.functions.iter().map(|&f| resolved.index.func(f).file).collect();
    vital_files.sort_unstable();
    vital_files.dedup();
    let keep = keep_files(&resolved.index, root, &vital_files);
    let mut exports = Vec::with_capacity(files.len());
    for file in files {
        let export = Export::read(&file.path, &file.display, &keep)?;
        let stamp_path = SourceStamp::path_for(&file.path);
        if let Some(stamp) = SourceStamp::load(&stamp_path)? {
            stamp.verify(&resolved.index, &vital_files, &SourceStamp::path_for(&file.display))?;
        }
        exports.push(export);
    }
    Ok(exports)
}

/// Where `cargo vital run` writes the test results of its run (nextest's JUnit or
/// libtest's JSON lines, whichever ran).
pub fn default_results_paths(workspace: &Workspace) -> [PathBuf; 2] {
    let dir = workspace.vital_dir();
    [dir.join("tests.xml"), dir.join("tests.jsonl")]
}

/// Reads and merges test-results files; `None` when there are none.
pub fn read_results(workspace: &Workspace, files: &[InputFile]) -> Result<Option<TestResults>> {
    let mut merged: Option<TestResults> = None;
    for file in files {
        let results = TestResults::read(&file.path, &file.display, workspace)?;
        match &mut merged {
            Some(all) => all.merge(results),
            None => merged = Some(results),
        }
    }
    Ok(merged)
}

/// Everything a check needs.
#[derive(Debug)]
pub struct CheckInput<'a> {
    /// The workspace.
    pub workspace: &'a Workspace,
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// The coverage files (several merge: sharded CI).
    pub coverage: &'a [InputFile],
    /// Test-results files (several merge); none means no test was seen run.
    pub tests: &'a [InputFile],
}

/// Runs the whole check: resolve, read, join, judge.
pub fn check(input: &CheckInput<'_>) -> Result<Report> {
    let resolved = Resolved::new(input.workspace, input.catalogue)?;
    let exports = read_coverage(&resolved, &input.workspace.root, input.coverage)?;
    let results = read_results(input.workspace, input.tests)?;
    check_resolved(&resolved, &input.workspace.root, &exports, results.as_ref())
}

/// Warnings about the catalogue itself: nothing to gate, likely typos of modes.
fn catalogue_warnings(resolved: &Resolved<'_>) -> Vec<String> {
    let catalogue = resolved.catalogue;
    let mut warnings = Vec::new();
    if resolved.functions.is_empty() {
        warnings.push(format!(
            "{} names no vital function: nothing is gated (add `[[vital]]` entries)",
            catalogue.path.display()
        ));
    }
    for entry in &catalogue.entries {
        for mode in &entry.failure_modes {
            if let Some(near) = modes::near_miss(mode) {
                warnings.push(format!(
                    "{}: failure mode `{mode}` of `{}` is not a known mode: did you mean `{near}`? \
                     (`cargo vital list --modes` lists them; custom modes are allowed)",
                    catalogue.location_of(entry),
                    entry.function
                ));
            }
        }
    }
    warnings
}

/// Joins and judges an already resolved catalogue against read coverage and, when
/// given, test results.
pub fn check_resolved(
    resolved: &Resolved<'_>,
    root: &Path,
    exports: &[Export],
    results: Option<&TestResults>,
) -> Result<Report> {
    let index = &resolved.index;
    let evidence = join(index, root, &resolved.functions, exports)?;
    let has_branch_data = exports.iter().any(|e| e.has_branch_data);
    let mut warnings: Vec<String> = index.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(catalogue_warnings(resolved));
    for export in exports {
        if export.functions.is_empty() && export.total_functions > 0 {
            warnings.push(format!(
                "{}: none of its {} function records is in a vital function's file; \
                 is it coverage of this workspace ({})?",
                export.path.display(),
                export.total_functions,
                root.display()
            ));
        }
    }
    let suite = TestSuite::new(index);
    let functions = resolved
        .entries()
        .zip(&evidence)
        .map(|((entry, f), evidence)| {
            let modes = evaluate_modes(&suite, results, resolved.catalogue, entry, f);
            function_report(index, resolved.catalogue, entry, f, evidence.as_ref(), has_branch_data, modes)
        })
        .collect();
    let coverage = exports
        .iter()
        .map(|e| CoverageInput {
            file: e.path.display().to_string(),
            format_version: e.version.clone(),
            records: e.total_functions,
            branch_data: e.has_branch_data,
        })
        .collect();
    let tests = results.map(|r| {
        let (passed, failed, ignored) = r.counts();
        TestSummary { passed, failed, ignored, failed_tests: r.failed() }
    });
    Ok(Report::new(functions, coverage, tests, warnings))
}

fn function_report(
    index: &SourceIndex,
    catalogue: &Catalogue,
    entry: &Entry,
    f: FnId,
    evidence: Option<&Evidence>,
    has_branch_data: bool,
    modes: Vec<ModeOutcome>,
) -> FunctionReport {
    let def = index.func(f);
    let file = index.file(def.file);
    let policy = catalogue.tiers.policy(entry.tier);
    let (verdict, reasons) = judge(policy, Facts { evidence, has_branch_data, modes: &modes });
    let span = |start: Pos, end: Pos| -> SourceSpan {
        let text = match (file.lines.offset(start.line, start.col), file.lines.offset(end.line, end.col)) {
            (Some(s), Some(e)) if s <= e => shorten(&file.text[s..e]),
            _ => String::new(),
        };
        SourceSpan { line: start.line, column: start.col, end_line: end.line, end_column: end.col, text }
    };
    let empty = Evidence::default();
    let ev = evidence.unwrap_or(&empty);
    FunctionReport {
        function: entry.function.clone(),
        resolved: index.display_path(f),
        tier: entry.tier,
        reason: entry.reason.clone(),
        file: file.rel.clone(),
        line: def.fn_line,
        lines: ev.lines,
        regions: ev.regions,
        branches: has_branch_data.then_some(ev.branches),
        failure_modes: modes,
        verdict,
        reasons,
        records: ev.records.len(),
        record_names: ev.records.clone(),
        uncovered_lines: ev.uncovered_lines.clone(),
        uncovered_regions: ev.uncovered_regions.iter().map(|&(s, e)| span(s, e)).collect(),
        untaken_branches: ev
            .untaken_branches
            .iter()
            .map(|b| BranchGap { span: span(b.start, b.end), outcome: b.outcome })
            .collect(),
        span: function_span(index, f),
        thresholds: thresholds(policy),
        trend: None,
        excerpt: Some(excerpt(index, f, ev)),
    }
}

fn function_span(index: &SourceIndex, f: FnId) -> FunctionSpan {
    let def = index.func(f);
    let file = index.file(def.file);
    let column = |offset: usize| -> u32 {
        let (_, column) = crate::text::line_col(&file.text, offset);
        u32::try_from(column).unwrap_or(u32::MAX)
    };
    FunctionSpan {
        line: def.start.line,
        column: column(def.span.start),
        end_line: def.end.line,
        end_column: column(def.span.end),
    }
}

fn thresholds(policy: &TierPolicy) -> Thresholds {
    let pct = |p: Option<Percent>| p.map(|p| f64::from(p.hundredths()) / 100.0);
    Thresholds {
        lines: pct(policy.lines),
        regions: pct(policy.regions),
        branches: match policy.branches {
            Some(BranchRule::Min(p)) => pct(Some(p)),
            _ => None,
        },
        failure_modes: policy.failure_modes == ModesRule::All,
    }
}

/// `check --static`: no coverage. The catalogue resolves, and each failure mode a
/// tier requires has a test that exists, is not ignored and is not hollow.
pub fn check_static(resolved: &Resolved<'_>) -> Report {
    let index = &resolved.index;
    let suite = TestSuite::new(index);
    let functions = resolved
        .entries()
        .map(|(entry, f)| {
            let modes = evaluate_modes(&suite, None, resolved.catalogue, entry, f);
            let policy = resolved.catalogue.tiers.policy(entry.tier);
            let (verdict, reasons) = crate::verdict::judge_static(policy, &modes);
            let def = index.func(f);
            FunctionReport {
                function: entry.function.clone(),
                resolved: index.display_path(f),
                tier: entry.tier,
                reason: entry.reason.clone(),
                file: index.file(def.file).rel.clone(),
                line: def.fn_line,
                lines: Count::default(),
                regions: Count::default(),
                branches: None,
                failure_modes: modes,
                verdict,
                reasons,
                records: 0,
                record_names: Vec::new(),
                uncovered_lines: Vec::new(),
                uncovered_regions: Vec::new(),
                untaken_branches: Vec::new(),
                span: function_span(index, f),
                thresholds: thresholds(policy),
                trend: None,
                excerpt: Some(excerpt(index, f, &Evidence::default())),
            }
        })
        .collect();
    let mut warnings: Vec<String> = index.warnings.iter().map(ToString::to_string).collect();
    warnings.extend(catalogue_warnings(resolved));
    let mut report = Report::new(functions, Vec::new(), None, warnings);
    report.check = CheckKind::Static;
    report
}

/// At most 120 characters of source on one line.
fn shorten(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 120 {
        one_line
    } else {
        let cut: String = one_line.chars().take(119).collect();
        format!("{cut}…")
    }
}

fn excerpt(index: &SourceIndex, f: FnId, ev: &Evidence) -> Excerpt {
    let def = index.func(f);
    let file = index.file(def.file);
    let first = file.lines.line_range(def.start.line as usize).map_or(def.span.start, |r| r.start);
    let last = file.lines.line_range(def.end.line as usize).map_or(def.span.end, |r| r.end);
    let relative =
        |p: Pos| file.lines.offset(p.line, p.col).filter(|&o| o >= first && o <= last).map(|o| o - first);
    let range = |s: Pos, e: Pos| match (relative(s), relative(e)) {
        (Some(s), Some(e)) if s < e => Some(s..e),
        _ => None,
    };
    let mut branches: Vec<(std::ops::Range<usize>, Option<bool>)> = Vec::new();
    for b in &ev.untaken_branches {
        let Some(r) = range(b.start, b.end) else { continue };
        match branches.last_mut() {
            Some((last, outcome)) if *last == r => *outcome = None,
            _ => branches.push((r, Some(b.outcome))),
        }
    }
    Excerpt {
        text: file.text[first..last].to_string(),
        first_line: def.start.line,
        name: def.name_span.start - first..def.name_span.end - first,
        regions: ev.uncovered_regions.iter().filter_map(|&(s, e)| range(s, e)).collect(),
        branches,
    }
}

/// One line of `cargo vital list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// As written in the catalogue.
    pub function: String,
    /// What it resolved to.
    pub resolved: String,
    /// Workspace-relative file.
    pub file: String,
    /// Line of `fn`.
    pub line: u32,
    /// Tier.
    pub tier: Tier,
    /// Declared failure modes.
    pub failure_modes: Vec<String>,
}

/// The catalogue as resolved.
pub fn list(resolved: &Resolved<'_>) -> Vec<Listed> {
    resolved
        .entries()
        .map(|(entry, f)| {
            let def = resolved.index.func(f);
            Listed {
                function: entry.function.clone(),
                resolved: resolved.index.display_path(f),
                file: resolved.index.file(def.file).rel.clone(),
                line: def.fn_line,
                tier: entry.tier,
                failure_modes: entry.failure_modes.clone(),
            }
        })
        .collect()
}
