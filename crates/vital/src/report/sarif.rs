//! The `sarif` format: SARIF 2.1.0, for GitHub code scanning and other tools. One
//! rule per kind of gap; each result points at the function's span (a surviving
//! mutant at the mutant itself; for a failure mode's test, at the test as a related
//! location too). A function the baseline accepts is a `warning` whose
//! `baselineState` says how it changed. A waived failure-mode category is a `note`
//! of the category rule, suppressed (`suppressions`, kind `external`, status
//! `accepted`) with the waiver's reason as its justification.

use serde_json::{Value, json};

use super::gaps::{GapKind, gap_line, gaps};
use super::{Change, FunctionReport, FunctionSpan, Report};
use crate::model::Verdict;

/// The schema SARIF 2.1.0 documents name.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn rules() -> Vec<Value> {
    GapKind::ALL
        .iter()
        .map(|kind| {
            json!({
                "id": kind.rule_id(),
                "name": kind.rule_name(),
                "shortDescription": {"text": kind.description()},
                "fullDescription": {"text": kind.description()},
                "help": {"text": kind.help()},
                "defaultConfiguration": {"level": "error"},
            })
        })
        .collect()
}

/// The function's span, or `region` (a mutant's) inside it.
fn location(f: &FunctionReport, region: Option<&FunctionSpan>) -> Value {
    let span = region.unwrap_or(&f.span);
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": span.line.max(f.line),
                "startColumn": span.column.max(1),
                "endLine": span.end_line.max(f.line),
                "endColumn": span.end_column.max(1),
            }
        },
        "logicalLocations": [{"fullyQualifiedName": f.resolved, "kind": "function"}],
    })
}

/// `file:line` → a related location.
fn related(at: &str, id: usize) -> Option<Value> {
    let (file, line) = at.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    Some(json!({
        "id": id,
        "physicalLocation": {"artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"}, "region": {"startLine": line}},
        "message": {"text": "the failure mode's test"},
    }))
}

/// Renders `report` as SARIF 2.1.0.
pub fn render(report: &Report) -> String {
    let mut results = Vec::new();
    for f in report.by_risk() {
        for waiver in &f.waived {
            let kind = GapKind::CategoryMissing;
            results.push(json!({
                "ruleId": kind.rule_id(),
                "ruleIndex": GapKind::ALL.iter().position(|k| *k == kind).unwrap_or(0),
                "level": "note",
                "message": {"text": format!("`{}` ({}): waives `{}`: {}", f.function, f.tier, waiver.category, waiver.reason)},
                "locations": [location(f, None)],
                "partialFingerprints": {"vitalFunction/v1": format!("{}|{}|{}", f.resolved, kind.rule_id(), waiver.category)},
                "suppressions": [{"kind": "external", "status": "accepted", "justification": waiver.reason}],
            }));
        }
        if f.verdict != Verdict::Fail {
            continue;
        }
        for gap in gaps(f) {
            let rule_index = GapKind::ALL.iter().position(|k| *k == gap.kind).unwrap_or(0);
            let mut result = json!({
                "ruleId": gap.kind.rule_id(),
                "ruleIndex": rule_index,
                "level": if f.is_accepted() { "warning" } else { "error" },
                "message": {"text": format!("`{}` ({}): {}", f.function, f.tier, gap_line(&gap))},
                "locations": [location(f, gap.region.as_ref())],
                "partialFingerprints": {"vitalFunction/v1": format!("{}|{}|{}", f.resolved, gap.kind.rule_id(), gap.subject)},
            });
            if let Some(test) = gap.test_location.as_deref().and_then(|at| related(at, 0)) {
                result["relatedLocations"] = json!([test]);
            }
            if let Some(trend) = &f.trend {
                result["baselineState"] = json!(match trend.change {
                    Change::New => "new",
                    Change::Same => "unchanged",
                    Change::Better | Change::Worse => "updated",
                });
            }
            results.push(result);
        }
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vital",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/vital-rs/vital",
                "rules": rules(),
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("SARIF always serializes");
    out.push('\n');
    out
}
