//! The `human` format: a rustc-style diagnostic per failing function, then a summary
//! table. Human output is not API: it may change between versions.

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style as Ansi};

use super::{CheckKind, FunctionReport, Report, Style};
use crate::evidence::Count;
use crate::verdict::{ModeStatus, Verdict, percent};

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
        let _ = writeln!(out, "{}\n", renderer.render(&diagnostic(function)));
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

fn diagnostic(function: &FunctionReport) -> Vec<Group<'_>> {
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
    if let Some(excerpt) = &function.excerpt {
        let never_run = function.records > 0 && function.regions.covered == 0;
        let label = if function.records == 0 {
            "never compiled into a test binary with coverage"
        } else if never_run {
            "never run by any test"
        } else if function.reasons.iter().all(|r| r.starts_with("failure mode")) {
            "its failure modes are not all tested"
        } else {
            "this function"
        };
        let mut snippet = Snippet::source(excerpt.text.as_str())
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
        group = group.element(snippet);
    }
    // Coverage reasons; the failure modes get a line each below.
    for reason in function.reasons.iter().filter(|r| !r.starts_with("failure mode")) {
        group = group.element(Level::NOTE.message(reason.as_str()));
    }
    if !function.uncovered_lines.is_empty() {
        group = group.element(
            Level::NOTE.message(format!("uncovered lines: {}", line_ranges(&function.uncovered_lines))),
        );
    }
    let never_run = function.records > 0 && function.regions.covered == 0;
    for gap in function.untaken_branches.iter().filter(|_| !never_run) {
        let message = format!(
            "branch `{}` at {}:{} was never {}",
            gap.span.text, gap.span.line, gap.span.column, gap.outcome
        );
        group = group.element(Level::NOTE.message(message));
    }
    let shown = excerpt_annotations(function);
    let hidden = function.uncovered_regions.len() + function.untaken_branches.len();
    if hidden > shown && function.excerpt.is_some() && !never_run {
        group = group.element(Level::NOTE.message(format!(
            "{} more unrun regions or untaken branches are not marked above (see `--format json`)",
            hidden - shown
        )));
    }
    let modes_required = function.reasons.iter().any(|r| r.starts_with("failure mode"));
    for mode in function.failure_modes.iter().filter(|m| modes_required && m.status != ModeStatus::Passed) {
        group = group.element(mode_line(mode));
    }
    if let Some(reason) = &function.reason {
        group = group.element(Level::NOTE.message(format!("vital because: {reason}")));
    }
    if function.trend.as_ref().is_some_and(|t| t.change != super::Change::New) {
        let change = super::markdown::trend_cell(function).replace("**", "");
        group = group.element(Level::NOTE.message(format!("since the baseline: {change}")));
    }
    if function.records == 0 {
        group = group.element(Level::HELP.message(
            "run a test that calls it under coverage; if its crate is excluded (`--package`), include it",
        ));
    }
    vec![group]
}

/// One line per failure mode that does not count: the test to add, or the test
/// (file:line) and why it does not count.
fn mode_line(mode: &crate::verdict::ModeOutcome) -> annotate_snippets::Message<'static> {
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
        ModeStatus::Unverified => Level::NOTE.message(format!(
            "failure mode `{name}`: test `{test}`{at} is not verified: {detail} \
             (run `cargo vital run`, or pass `--tests`)"
        )),
        ModeStatus::Passed => Level::NOTE.message(format!("failure mode `{name}`: test `{test}` passed")),
    }
}

fn excerpt_annotations(function: &FunctionReport) -> usize {
    function.excerpt.as_ref().map_or(0, |e| (e.regions.len() + e.branches.len()).min(MAX_ANNOTATIONS))
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

fn cell(count: Count) -> String {
    if count.total == 0 {
        return "-".into();
    }
    format!("{}/{} {:>6}", count.covered, count.total, percent(count))
}

fn modes_cell(function: &FunctionReport) -> String {
    if function.failure_modes.is_empty() {
        return "-".into();
    }
    let passed = function.failure_modes.iter().filter(|m| m.status == ModeStatus::Passed).count();
    format!("{passed}/{}", function.failure_modes.len())
}

/// The summary table: coverage columns for a coverage check, a trend column with
/// a baseline.
fn table(report: &Report, style: &Style) -> String {
    let coverage = report.check == CheckKind::Coverage;
    let baseline = report.functions.iter().any(|f| f.trend.is_some());
    let mut header = vec!["function", "tier"];
    if coverage {
        header.extend(["lines", "regions", "branches"]);
    }
    header.extend(["modes", "verdict"]);
    if baseline {
        header.push("since baseline");
    }
    let numeric = |name: &str| matches!(name, "lines" | "regions" | "branches" | "modes");
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
            row.push(modes_cell(f));
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
                row.push(super::markdown::trend_cell(f).replace("**", ""));
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
    let verdict = match report.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    };
    let kind = if coverage { "" } else { " (static check)" };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ranges_are_compact() {
        assert_eq!(line_ranges(&[3, 5, 6, 7, 9]), "3, 5-7, 9");
        assert_eq!(line_ranges(&[]), "");
        assert_eq!(line_ranges(&[1]), "1");
    }
}
