//! The `markdown` format: the gap report, for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`. Functions are ordered by risk: tier, then distance below
//! the thresholds, then failure modes without a passing test.

use std::fmt::Write as _;

use super::gaps::{gap_line, gaps};
use super::{Change, CheckKind, FunctionReport, Report, by_risk};
use crate::evidence::Count;
use crate::verdict::{Verdict, percent};

/// Renders `report` as GitHub-flavoured markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let head = match report.verdict {
        Verdict::Pass => "✅ vital: pass",
        Verdict::Fail => "❌ vital: fail",
    };
    let kind = if report.check == CheckKind::Static { " (static check)" } else { "" };
    let _ = writeln!(out, "## {head}{kind}\n");
    let _ = write!(out, "{} of {} vital functions meet their tier", summary.passed, summary.functions);
    if summary.accepted > 0 {
        let _ = write!(out, "; {} more fail no worse than the baseline", summary.accepted);
    }
    let _ = writeln!(out, ".\n");
    if let Some(tests) = report.tests.as_ref().filter(|t| t.failed > 0) {
        let _ = writeln!(
            out,
            "**{} test{} failed:** {}\n",
            tests.failed,
            if tests.failed == 1 { "" } else { "s" },
            tests.failed_tests.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        );
    }
    let mut functions: Vec<&FunctionReport> = report.functions.iter().collect();
    functions.sort_by(|a, b| by_risk(a, b));
    let baseline = functions.iter().any(|f| f.trend.is_some());
    let coverage = report.check == CheckKind::Coverage;

    let mut header = vec!["", "function", "tier"];
    if coverage {
        header.extend(["lines", "regions", "branches"]);
    }
    header.push("failure modes");
    if baseline {
        header.push("since baseline");
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let aligns: Vec<&str> = header
        .iter()
        .map(|h| match *h {
            "" => ":-:",
            "lines" | "regions" | "branches" | "failure modes" => "--:",
            _ => "---",
        })
        .collect();
    let _ = writeln!(out, "|{}|", aligns.join("|"));
    for f in &functions {
        let mut cells = vec![mark(f).to_string(), format!("`{}`", f.function), f.tier.to_string()];
        if coverage {
            let cell = |c: Count| if f.records == 0 { "–".to_string() } else { percent(c) };
            cells.push(cell(f.lines));
            cells.push(cell(f.regions));
            cells.push(
                f.branches.filter(|b| b.total > 0 && f.records > 0).map_or_else(|| "–".to_string(), percent),
            );
        }
        let passed = f.failure_modes.len() - f.mode_gaps();
        cells.push(if f.failure_modes.is_empty() {
            "–".into()
        } else {
            format!("{passed}/{}", f.failure_modes.len())
        });
        if baseline {
            cells.push(trend_cell(f));
        }
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }

    for f in functions.iter().filter(|f| f.verdict == Verdict::Fail) {
        let _ = writeln!(out, "\n### {} `{}` ({})\n", mark(f), f.function, f.tier);
        let mut place = format!("`{}:{}`", f.file, f.line);
        if let Some(reason) = &f.reason {
            place.push_str(&format!(" — {reason}"));
        }
        if f.is_accepted() {
            place.push_str(" — *accepted: no worse than the baseline*");
        }
        let _ = writeln!(out, "{place}\n");
        for gap in gaps(f) {
            let _ = writeln!(out, "- {}", gap_line(&gap));
        }
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "\n> ⚠️ {warning}");
    }
    out
}

fn mark(f: &FunctionReport) -> &'static str {
    if f.is_accepted() {
        "⚠️"
    } else if f.verdict == Verdict::Fail {
        "❌"
    } else {
        "✅"
    }
}

/// `lines 80.0% → 85.0%`, for what changed since the baseline.
pub(crate) fn trend_cell(f: &FunctionReport) -> String {
    let Some(trend) = &f.trend else { return String::new() };
    if trend.change == Change::New {
        return "new".into();
    }
    let mut changes = Vec::new();
    for (name, was, now) in [
        ("lines", trend.was_lines, Some(f.lines)),
        ("regions", trend.was_regions, Some(f.regions)),
        ("branches", trend.was_branches, f.branches),
    ] {
        if let (Some(was), Some(now)) = (was, now)
            && percent(was) != percent(now)
        {
            changes.push(format!("{name} {} → {}", percent(was), percent(now)));
        }
    }
    let passed = f.failure_modes.len() - f.mode_gaps();
    if let Some(was) = trend.was_modes_passed
        && was != passed
    {
        changes.push(format!("modes {was} → {passed}"));
    }
    let word = match trend.change {
        Change::Better => "better",
        Change::Same => "same",
        Change::Worse => "**worse**",
        Change::New => "new",
    };
    if changes.is_empty() { word.to_string() } else { format!("{word}: {}", changes.join(", ")) }
}
