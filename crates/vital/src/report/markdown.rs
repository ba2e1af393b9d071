//! The `markdown` format: the gap report, for a pull-request comment or
//! `$GITHUB_STEP_SUMMARY`. Functions are ordered by risk: tier, then distance below
//! the thresholds, then failure modes without a passing test.

use std::fmt::Write as _;

use super::gaps::{gap_line, gaps};
use super::{CheckKind, FunctionReport, Report};
use crate::model::{Count, Verdict};

/// Renders `report` as GitHub-flavoured markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let summary = &report.summary;
    let head = match report.verdict {
        Verdict::Pass => "✅ vital: pass",
        Verdict::Fail => "❌ vital: fail",
    };
    let kind = match report.check {
        CheckKind::Coverage => "",
        CheckKind::Static => " (static check)",
        CheckKind::Mutation => " (mutation check)",
    };
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
    let functions = report.by_risk();
    let baseline = functions.iter().any(|f| f.trend.is_some());
    let coverage = report.check == CheckKind::Coverage;
    let mutation = functions.iter().any(|f| f.mutants.is_some());

    let mut header = vec!["", "function", "tier"];
    if coverage {
        header.extend(["lines", "regions", "branches"]);
    }
    if mutation {
        header.push("mutants");
    }
    if report.check != CheckKind::Mutation {
        header.push("failure modes");
    }
    if baseline {
        header.push("since baseline");
    }
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let aligns: Vec<&str> = header
        .iter()
        .map(|h| match *h {
            "" => ":-:",
            "lines" | "regions" | "branches" | "mutants" | "failure modes" => "--:",
            _ => "---",
        })
        .collect();
    let _ = writeln!(out, "|{}|", aligns.join("|"));
    for f in &functions {
        let mut cells = vec![mark(f).to_string(), format!("`{}`", f.function), f.tier.to_string()];
        if coverage {
            let cell = |c: Count| if f.records == 0 { "–".to_string() } else { c.percent() };
            cells.push(cell(f.lines));
            cells.push(cell(f.regions));
            cells.push(
                f.branches
                    .filter(|b| b.total > 0 && f.records > 0)
                    .map_or_else(|| "–".to_string(), Count::percent),
            );
        }
        if mutation {
            cells.push(match &f.mutants {
                None => "–".into(),
                Some(m) if m.total() == 0 => "no mutants".into(),
                Some(m) if m.untested > 0 => format!("{} untested", m.untested),
                Some(m) if m.score.total == 0 => "none counted".into(),
                Some(m) => format!("{} ({}/{})", m.score.percent(), m.score.covered, m.score.total),
            });
        }
        if report.check != CheckKind::Mutation {
            cells.push(if f.failure_modes.is_empty() {
                "–".into()
            } else {
                format!("{}/{}", f.modes_counting(report.check), f.failure_modes.len())
            });
        }
        if baseline {
            cells.push(super::baseline::trend_text(f));
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
    let waived: Vec<(&FunctionReport, &super::Waiver)> =
        functions.iter().flat_map(|f| f.waived.iter().map(move |w| (*f, w))).collect();
    if !waived.is_empty() {
        let _ = writeln!(out, "\n### Waived categories\n");
        let _ = writeln!(out, "| function | category | reason |\n|---|---|---|");
        for (f, waiver) in waived {
            let reason = waiver.reason.replace('|', "\\|").replace('\n', " ");
            let _ = writeln!(out, "| `{}` | {} | {reason} |", f.function, waiver.category);
        }
    }
    // Listed, not counted (SPEC §8): what the catalogue says is equivalent, and why.
    let acknowledged: Vec<(&FunctionReport, &crate::report::AcknowledgedMutant)> = functions
        .iter()
        .flat_map(|f| f.mutants.iter().flat_map(|m| &m.acknowledged_list).map(move |a| (*f, a)))
        .collect();
    if !acknowledged.is_empty() {
        let _ = writeln!(out, "\n### Acknowledged survivors\n");
        for (f, ack) in acknowledged {
            let _ = writeln!(
                out,
                "- `{}`: `{}` at {} ({}) — {}",
                f.function,
                ack.mutant.description,
                ack.mutant.location(),
                ack.outcome,
                ack.reason
            );
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
