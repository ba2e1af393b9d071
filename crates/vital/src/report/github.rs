//! The `github` format: GitHub Actions workflow commands, worst first. GitHub shows
//! about ten annotations of a kind per step, so the first ten gaps are `::error`s
//! and the rest are summed up in one `::notice`.

use std::fmt::Write as _;

use super::gaps::gaps;
use super::{FunctionReport, Report};

/// How many gaps become `::error` annotations.
pub const MAX_ERRORS: usize = 10;

/// Escapes the message of a workflow command.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(kind: &str, f: &FunctionReport, title: &str, message: &str) -> String {
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
        property(&f.file),
        f.span.line.max(f.line),
        f.span.column.max(1),
        f.span.end_line.max(f.line),
        f.span.end_column.max(1),
        property(title),
        data(message)
    )
}

fn message(f: &FunctionReport) -> String {
    let mut lines: Vec<String> = Vec::new();
    for gap in gaps(f) {
        lines.push(super::gaps::gap_line(&gap));
    }
    if let Some(reason) = &f.reason {
        lines.push(format!("vital because: {reason}"));
    }
    lines.join("\n")
}

/// Renders `report` as workflow commands.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let failing: Vec<&FunctionReport> = report.by_risk().into_iter().filter(|f| f.is_gap()).collect();
    for f in failing.iter().take(MAX_ERRORS) {
        let title = format!("vital: `{}` does not meet the {} tier", f.function, f.tier);
        out.push_str(&annotation("error", f, &title, &message(f)));
    }
    if failing.len() > MAX_ERRORS {
        let rest: Vec<String> = failing[MAX_ERRORS..].iter().map(|f| format!("`{}`", f.function)).collect();
        let _ = writeln!(
            out,
            "::notice title=vital::{}",
            data(&format!("{} more vital functions do not meet their tier: {}", rest.len(), rest.join(", ")))
        );
    }
    for f in report.functions.iter().filter(|f| f.is_accepted()) {
        let title = format!("vital: `{}` is below its tier, no worse than the baseline", f.function);
        out.push_str(&annotation("warning", f, &title, &message(f)));
    }
    for f in report.by_risk().into_iter().filter(|f| !f.waived.is_empty()) {
        let title = format!("vital: `{}` waives failure-mode categories", f.function);
        let lines: Vec<String> = f.waived.iter().map(|w| format!("`{}`: {}", w.category, w.reason)).collect();
        out.push_str(&annotation("notice", f, &title, &lines.join("\n")));
    }
    if let Some(tests) = report.tests.as_ref().filter(|t| t.failed > 0) {
        let plural = if tests.failed == 1 { "test" } else { "tests" };
        let message = format!("{} {plural} failed: {}", tests.failed, tests.failed_tests.join(", "));
        let _ = writeln!(out, "::error title=vital::{}", data(&message));
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "::warning title=vital::{}", data(warning));
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "vital: {}: {} of {} vital functions pass",
        if report.exit_code() == 0 { "pass" } else { "fail" },
        s.passed,
        s.functions
    );
    out
}
