//! The `junit` format: one test case per vital function, so that any CI (GitLab,
//! Jenkins, …) shows the gate as tests. A failing function's case carries a
//! `<failure>` with its reasons; a function the baseline accepts passes, with its
//! gaps in `<system-out>`. Waived failure-mode categories, with their reasons, are
//! in `<system-out>` too.

use std::fmt::Write as _;

use super::gaps::{gap_line, gaps};
use super::{FunctionReport, Report};
use crate::model::Verdict;

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn body(f: &FunctionReport) -> String {
    gaps(f).iter().map(gap_line).collect::<Vec<_>>().join("\n")
}

/// One line per waived category.
fn waivers(f: &FunctionReport) -> String {
    f.waived.iter().map(|w| format!("waived `{}`: {}\n", w.category, w.reason)).collect()
}

/// Renders `report` as JUnit XML.
pub fn render(report: &Report) -> String {
    let failures = report.functions.iter().filter(|f| f.is_gap()).count();
    let tests = report.functions.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"vital\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"vital\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0\">"
    );
    for f in &report.functions {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"vital.{}\" file=\"{}\" line=\"{}\" time=\"0\"",
            xml(&f.function),
            f.tier,
            xml(&f.file),
            f.line
        );
        if f.is_gap() {
            let _ = writeln!(out, ">");
            let message = f.reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"vital\">{}</failure>",
                xml(&message),
                xml(&body(f))
            );
            if !f.waived.is_empty() {
                let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&waivers(f)));
            }
            let _ = writeln!(out, "    </testcase>");
        } else if f.verdict == Verdict::Fail {
            let _ = writeln!(out, ">");
            let mut text = format!("accepted: no worse than the baseline\n{}", body(f));
            if !f.waived.is_empty() {
                text = format!("{text}\n{}", waivers(f).trim_end());
            }
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&text));
            let _ = writeln!(out, "    </testcase>");
        } else if !f.waived.is_empty() {
            let _ = writeln!(out, ">");
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&waivers(f)));
            let _ = writeln!(out, "    </testcase>");
        } else {
            let _ = writeln!(out, "/>");
        }
    }
    let _ = writeln!(out, "  </testsuite>");
    let _ = writeln!(out, "</testsuites>");
    out
}
