//! The `human` format: a rustc-style diagnostic per failing function, then a summary
//! table. Human output is not API: it may change between versions.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style as Ansi};

use super::gaps::line_ranges;
use super::{CheckKind, FunctionReport, MutationReport, Report, Style};
use crate::model::{Count, ModeOutcome, ModeStatus, Mutant, Reason, Verdict};
use crate::text::LineIndex;

/// At most this many regions and branches are pointed at in one snippet.
const MAX_ANNOTATIONS: usize = 12;

/// Renders `report` for a terminal.
pub fn render(report: &Report, style: &Style) -> String {
    let renderer = if style.color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for warning in &report.warnings {
        let group = [Group::with_title(Level::WARNING.primary_title(warning.as_str()))];
        let _ = writeln!(out, "{}\n", renderer.render(&group));
    }
    for function in report.functions.iter().filter(|f| f.verdict == Verdict::Fail) {
        let excerpt = function.source.as_ref().map(|_| Excerpt::of(function));
        let _ = writeln!(out, "{}\n", renderer.render(&diagnostic(report.check, function, excerpt.as_ref())));
    }
    for function in report.functions.iter().filter(|f| !f.waived.is_empty()) {
        let mut group = Group::with_title(
            Level::NOTE.primary_title(format!("`{}` waives failure-mode categories", function.function)),
        );
        for waiver in &function.waived {
            group = group.element(Level::NOTE.message(format!("`{}`: {}", waiver.category, waiver.reason)));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&[group]));
    }
    if let Some(tests) = report.tests.as_ref().filter(|t| t.failed > 0) {
        let title = format!("{} test{} failed", tests.failed, if tests.failed == 1 { "" } else { "s" });
        let mut group = Group::with_title(Level::ERROR.primary_title(title));
        for name in &tests.failed_tests {
            group = group.element(Level::NOTE.message(format!("failed: {name}")));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&[group]));
    }
    out.push_str(&table(report, style));
    out
}

/// The diagnostic of one function of a `check` report, as [`render`] prints it
/// for a failing function (the harness's failure message, SPEC §11).
pub fn function_diagnostic(check: CheckKind, function: &FunctionReport, style: &Style) -> String {
    let renderer = if style.color { Renderer::styled() } else { Renderer::plain() };
    let excerpt = function.source.as_ref().map(|_| Excerpt::of(function));
    renderer.render(&diagnostic(check, function, excerpt.as_ref())).to_string()
}

/// What the diagnostic shows of a function's source: its lines, with byte ranges
/// (relative to the text) of what to point at.
struct Excerpt<'r> {
    text: &'r str,
    first_line: u32,
    name: std::ops::Range<usize>,
    /// Regions never run.
    regions: Vec<std::ops::Range<usize>>,
    /// Conditions with an outcome never taken, and the outcome missing (`None`:
    /// neither outcome was seen).
    branches: Vec<(std::ops::Range<usize>, Option<bool>)>,
    /// Surviving mutants that fail the gate, and what to say at each.
    mutants: Vec<(std::ops::Range<usize>, String)>,
}

impl<'r> Excerpt<'r> {
    /// The excerpt of a function whose report has its source.
    fn of(function: &'r FunctionReport) -> Excerpt<'r> {
        let source = function.source.as_ref().expect("called for functions with their source");
        let lines = LineIndex::new(&source.text);
        let relative = |line: u32, column: u32| {
            line.checked_sub(source.first_line).and_then(|l| lines.offset(l + 1, column))
        };
        let range = |s: (u32, u32), e: (u32, u32)| match (relative(s.0, s.1), relative(e.0, e.1)) {
            (Some(s), Some(e)) if s < e => Some(s..e),
            _ => None,
        };
        let regions = function
            .uncovered_regions
            .iter()
            .filter_map(|r| range((r.line, r.column), (r.end_line, r.end_column)));
        let mut branches: Vec<(std::ops::Range<usize>, Option<bool>)> = Vec::new();
        for b in &function.untaken_branches {
            let s = &b.span;
            let Some(r) = range((s.line, s.column), (s.end_line, s.end_column)) else { continue };
            match branches.last_mut() {
                Some((last, outcome)) if *last == r => *outcome = None,
                _ => branches.push((r, Some(b.outcome))),
            }
        }
        // Mutant columns count characters: walk the line's characters to its bytes.
        let char_offset = |line: u32, column: u32| -> Option<usize> {
            let range = lines.line_range(usize::try_from(line.checked_sub(source.first_line)? + 1).ok()?)?;
            let text = &source.text[range.clone()];
            let chars = usize::try_from(column).ok()?.checked_sub(1)?;
            match text.char_indices().nth(chars) {
                Some((i, _)) => Some(range.start + i),
                None => (text.chars().count() == chars).then_some(range.end),
            }
        };
        let mutants = function
            .reasons
            .iter()
            .filter_map(|r| match r {
                Reason::MutantMissed(m) => Some((m, format!("no test fails when {} here", m.change()))),
                Reason::MutantTimeout(m) => Some((m, format!("the tests time out when {} here", m.change()))),
                _ => None,
            })
            .filter_map(|(m, label)| {
                let start = char_offset(m.line, m.column)?;
                // A mutant that spans lines (a body, a match arm) is marked on its first line.
                let end = if m.end_line == m.line {
                    char_offset(m.end_line, m.end_column)?
                } else {
                    lines.line_range(usize::try_from(m.line - source.first_line + 1).ok()?)?.end
                };
                (start < end).then_some((start..end, label))
            })
            .collect();
        Excerpt {
            text: &source.text,
            first_line: source.first_line,
            name: source.name.clone(),
            regions: regions.collect(),
            branches,
            mutants,
        }
    }

    /// How many regions and branches the snippet points at (mutants are counted apart).
    fn annotations(&self) -> usize {
        (self.regions.len() + self.branches.len()).min(MAX_ANNOTATIONS)
    }
}

fn diagnostic<'r>(
    check: CheckKind,
    function: &'r FunctionReport,
    excerpt: Option<&Excerpt<'r>>,
) -> Vec<Group<'r>> {
    let mut group = if function.is_accepted() {
        let title = format!(
            "`{}` is below the {} tier, no worse than the baseline",
            function.function, function.tier
        );
        Group::with_title(Level::WARNING.primary_title(title).id(function.tier.as_str()))
    } else {
        let title = format!("`{}` does not meet the {} tier", function.function, function.tier);
        Group::with_title(Level::ERROR.primary_title(title).id(function.tier.as_str()))
    };
    let never_run = function.never_run();
    let not_instrumented = function.reasons.iter().any(|r| matches!(r, Reason::NotInstrumented));
    let not_compiled = function.reasons.iter().find_map(|r| match r {
        Reason::NotCompiled { features } => Some(features.join(",")),
        _ => None,
    });
    if let Some(excerpt) = excerpt {
        let label = if not_compiled.is_some() {
            "behind a cargo feature the coverage run did not compile"
        } else if not_instrumented {
            "never compiled into a test binary with coverage"
        } else if never_run {
            "never run by any test"
        } else if function.reasons.iter().all(|r| matches!(r, Reason::CategoryMissing(_))) {
            "its failure modes miss a category its tier requires"
        } else if function
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::MutantMissed(_) | Reason::MutantTimeout(_)))
            && function.reasons.iter().all(|r| r.is_mutation() || !r.is_coverage())
        {
            "its tests miss some of its mutants"
        } else if function.reasons.iter().all(Reason::is_mutation) {
            "not all of its mutants were tested"
        } else if check == CheckKind::Static || function.reasons.iter().all(|r| !r.is_coverage()) {
            "its failure modes are not all tested"
        } else {
            "this function"
        };
        let mut snippet = Snippet::source(excerpt.text)
            .line_start(excerpt.first_line as usize)
            .path(function.file.as_str())
            .fold(true)
            .annotation(AnnotationKind::Primary.span(excerpt.name.clone()).label(label));
        // A function that never ran is one gap, not one per region.
        let limit = if never_run { 0 } else { MAX_ANNOTATIONS };
        for range in excerpt.regions.iter().take(limit) {
            let text = &excerpt.text[range.clone()];
            let label = if text == "?" { "the error path of this `?` never ran" } else { "never run" };
            snippet = snippet.annotation(AnnotationKind::Context.span(range.clone()).label(label));
        }
        let room = limit.saturating_sub(excerpt.regions.len());
        for (range, outcome) in excerpt.branches.iter().take(room) {
            let label = match outcome {
                Some(true) => "never true",
                Some(false) => "never false",
                None => "never evaluated",
            };
            snippet = snippet.annotation(AnnotationKind::Context.span(range.clone()).label(label));
        }
        // Surviving mutants, with a room of their own.
        for (range, label) in excerpt.mutants.iter().take(MAX_ANNOTATIONS) {
            snippet = snippet.annotation(AnnotationKind::Context.span(range.clone()).label(label.clone()));
        }
        group = group.element(snippet);
    }
    // Coverage reasons; the failure modes get a line each below.
    for reason in function.reasons.iter().filter(|r| r.is_coverage()) {
        group = group.element(Level::NOTE.message(reason.to_string()));
    }
    if !function.uncovered_lines.is_empty() {
        group = group.element(
            Level::NOTE.message(format!("uncovered lines: {}", line_ranges(&function.uncovered_lines))),
        );
    }
    for gap in function.untaken_branches.iter().filter(|_| !never_run) {
        let message = format!(
            "branch `{}` at {}:{} was never {}",
            gap.span.text, gap.span.line, gap.span.column, gap.outcome
        );
        group = group.element(Level::NOTE.message(message));
    }
    let shown = excerpt.map_or(0, Excerpt::annotations);
    let hidden = function.uncovered_regions.len() + function.untaken_branches.len();
    if hidden > shown && excerpt.is_some() && !never_run {
        group = group.element(Level::NOTE.message(format!(
            "{} more unrun regions or untaken branches are not marked above (see `--format json`)",
            hidden - shown
        )));
    }
    for reason in function.reasons.iter() {
        match reason {
            // Coverage reasons are notes above.
            Reason::NotInstrumented
            | Reason::NotCompiled { .. }
            | Reason::BelowThreshold { .. }
            | Reason::NoBranchData => {}
            Reason::FailureMode(mode) => group = group.element(mode_line(mode)),
            Reason::CategoryMissing(_) => group = group.element(Level::HELP.message(reason.to_string())),
            Reason::FailpointNeverFired(_) | Reason::FailpointUnknown(_) => {
                group = group.element(Level::NOTE.message(reason.to_string()));
            }
            // The mutation gate's lines follow.
            Reason::MutationBelowThreshold { .. }
            | Reason::MutantMissed(_)
            | Reason::MutantTimeout(_)
            | Reason::MutantsUntested { .. } => {}
        }
    }
    group = mutation_lines(group, function);
    if let Some(reason) = &function.reason {
        group = group.element(Level::NOTE.message(format!("vital because: {reason}")));
    }
    if function.trend.as_ref().is_some_and(|t| t.change != super::Change::New) {
        let change = super::baseline::trend_text(function).replace("**", "");
        group = group.element(Level::NOTE.message(format!("since the baseline: {change}")));
    }
    if let Some(features) = not_compiled {
        group = group.element(Level::HELP.message(format!(
            "run the coverage with `--features {features}`, or give its entry `features = [...]` in vital.toml"
        )));
    }
    if function.doc_example {
        group = group.element(Level::HELP.message(
            "its doc comment has an example that runs it: doctests count as tests with `cargo vital run --doctests`",
        ));
    }
    if not_instrumented {
        group = group.element(Level::HELP.message(
            "run a test that calls it under coverage; if its crate is excluded (`--package`), include it",
        ));
    }
    vec![group]
}

/// The mutation gate's lines: the score, each surviving mutant, what is not
/// counted, and how to acknowledge an equivalent mutant.
fn mutation_lines<'r>(mut group: Group<'r>, function: &'r FunctionReport) -> Group<'r> {
    let mut first_survivor: Option<&Mutant> = None;
    for reason in function.reasons.iter().filter(|r| r.is_mutation()) {
        if let Reason::MutantMissed(m) = reason {
            first_survivor.get_or_insert(m);
        }
        group = group.element(Level::NOTE.message(reason.to_string()));
    }
    let Some(mutants) =
        function.mutants.as_ref().filter(|_| function.reasons.iter().any(Reason::is_mutation))
    else {
        return group;
    };
    for untested in mutants.untested_list.iter().take(3) {
        group = group.element(Level::NOTE.message(format!("no outcome for `{}`", untested.name)));
    }
    if mutants.untested > 3 {
        group = group
            .element(Level::NOTE.message(format!("and {} more without an outcome", mutants.untested - 3)));
    }
    if let Some(text) = not_counted(mutants) {
        group = group.element(Level::NOTE.message(text));
    }
    if let Some(m) = first_survivor {
        let offset = i64::from(m.line) - i64::from(function.line);
        group = group.element(Level::HELP.message(format!(
            "if no test can tell it apart (an equivalent mutant), acknowledge it under this function's entry:\n\
             [[vital.survivors]]\nmutant = \"{}\"\nline = {offset}\ncolumn = {}\nreason = \"…\"",
            m.description, m.column
        )));
    }
    group
}

/// `not counted: 3 acknowledged survivors (…), 1 unviable`.
fn not_counted(mutants: &MutationReport) -> Option<String> {
    let mut parts = Vec::new();
    if mutants.acknowledged > 0 {
        let plural = if mutants.acknowledged == 1 { "" } else { "s" };
        parts.push(format!("{} acknowledged survivor{plural}", mutants.acknowledged));
    }
    if mutants.unviable > 0 {
        parts.push(format!("{} unviable", mutants.unviable));
    }
    (!parts.is_empty()).then(|| format!("not counted: {}", parts.join(", ")))
}

/// A mutation cell: `27/28  96.4%`, `no mutants`, or `-` when not measured.
fn mutants_cell(function: &FunctionReport) -> String {
    match &function.mutants {
        None => "-".into(),
        Some(m) if m.total() == 0 => "no mutants".into(),
        Some(m) if m.untested > 0 => format!("{} untested", m.untested),
        Some(m) if m.score.total == 0 => "none counted".into(),
        Some(m) => cell(m.score),
    }
}

/// One line per failure mode that does not count: the test to add, or the test
/// (file:line) and why it does not count.
fn mode_line(mode: &ModeOutcome) -> annotate_snippets::Message<'static> {
    let name = &mode.mode;
    let test = mode.test.as_deref().unwrap_or_default();
    let at = mode.location.as_deref().map(|l| format!(" ({l})")).unwrap_or_default();
    let detail = mode.detail.as_deref().unwrap_or_default();
    match mode.status {
        ModeStatus::Missing => Level::HELP.message(format!("failure mode `{name}` has no test: {detail}")),
        ModeStatus::Hollow => Level::NOTE
            .message(format!("failure mode `{name}`: test `{test}`{at} does not count: hollow, {detail}")),
        ModeStatus::Failed => Level::NOTE.message(format!("failure mode `{name}`: test `{test}`{at} failed")),
        ModeStatus::Ignored => {
            Level::NOTE.message(format!("failure mode `{name}`: test `{test}`{at} does not count: {detail}"))
        }
        ModeStatus::Unverified => {
            Level::NOTE.message(format!("failure mode `{name}`: test `{test}`{at} is not verified: {detail}"))
        }
        ModeStatus::Passed => Level::NOTE.message(format!("failure mode `{name}`: test `{test}` passed")),
    }
}

fn cell(count: Count) -> String {
    if count.total == 0 {
        return "-".into();
    }
    format!("{}/{} {:>6}", count.covered, count.total, count.percent())
}

/// Modes whose test counts, of those declared: passed ones, or, statically, ones
/// whose test exists and counts.
fn modes_cell(check: CheckKind, function: &FunctionReport) -> String {
    if function.failure_modes.is_empty() {
        return "-".into();
    }
    format!("{}/{}", function.modes_counting(check), function.failure_modes.len())
}

/// The summary table: coverage columns for a coverage check, a trend column with
/// a baseline.
fn table(report: &Report, style: &Style) -> String {
    let coverage = report.check == CheckKind::Coverage;
    let baseline = report.functions.iter().any(|f| f.trend.is_some());
    let mutation = report.functions.iter().any(|f| f.mutants.is_some());
    let mut header = vec!["function", "tier"];
    if coverage {
        header.extend(["lines", "regions", "branches"]);
    }
    if mutation {
        header.push("mutants");
    }
    if report.check != CheckKind::Mutation {
        header.push("modes");
    }
    header.push("verdict");
    if baseline {
        header.push("since baseline");
    }
    let numeric = |name: &str| matches!(name, "lines" | "regions" | "branches" | "modes" | "mutants");
    let rows: Vec<Vec<String>> = report
        .functions
        .iter()
        .map(|f| {
            let mut row = vec![f.function.clone(), f.tier.to_string()];
            if coverage {
                if f.records == 0 {
                    row.extend(["-".to_string(), "-".to_string(), "-".to_string()]);
                } else {
                    row.extend([
                        cell(f.lines),
                        cell(f.regions),
                        f.branches.map_or_else(|| "no data".into(), cell),
                    ]);
                }
            }
            if mutation {
                row.push(mutants_cell(f));
            }
            if report.check != CheckKind::Mutation {
                row.push(modes_cell(report.check, f));
            }
            row.push(
                if f.is_accepted() {
                    "accepted"
                } else if f.verdict == Verdict::Fail {
                    "FAIL"
                } else {
                    "pass"
                }
                .to_string(),
            );
            if baseline {
                row.push(super::baseline::trend_text(f).replace("**", ""));
            }
            row
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for ((c, w), name) in cells.iter().zip(&widths).zip(&header) {
            let pad = w.saturating_sub(c.chars().count());
            // Numbers align right; names left.
            if numeric(name) {
                let _ = write!(s, "{}{c}  ", " ".repeat(pad));
            } else {
                let _ = write!(s, "{c}{}  ", " ".repeat(pad));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    let bold = if style.color { Ansi::new().bold() } else { Ansi::new() };
    let header_cells: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    let _ = writeln!(out, "{bold}{}{bold:#}", line(&header_cells));
    for (row, f) in rows.iter().zip(&report.functions) {
        let color = match (style.color, f.verdict, f.is_accepted()) {
            (false, _, _) => Ansi::new(),
            (true, Verdict::Pass, _) => Ansi::new().fg_color(Some(AnsiColor::Green.into())),
            (true, Verdict::Fail, true) => Ansi::new().fg_color(Some(AnsiColor::Yellow.into())),
            (true, Verdict::Fail, false) => Ansi::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        };
        let _ = writeln!(out, "{color}{}{color:#}", line(row));
    }
    let summary = &report.summary;
    let verdict = report.verdict.as_str();
    let kind = match report.check {
        CheckKind::Coverage => "",
        CheckKind::Static => " (static check)",
        CheckKind::Mutation => " (mutation check)",
    };
    let _ = write!(
        out,
        "\nvital: {verdict}{kind}: {} of {} vital function{} pass",
        summary.passed,
        summary.functions,
        if summary.functions == 1 { "" } else { "s" }
    );
    if summary.accepted > 0 {
        let _ = write!(out, ", {} more accepted by the baseline", summary.accepted);
    }
    out.push('\n');
    out
}
