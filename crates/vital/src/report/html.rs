//! The `html` format: one self-contained page to look at a report. No network, no
//! fonts, no scripts: inline CSS, readable in light and dark mode, every fact in
//! text (colour only repeats what the words say), real tables with headers.
//!
//! The page has, in risk order (`Report::by_risk`):
//! - a matrix of the vital functions against their evidence: coverage, the failure
//!   categories their tier requires, and each failure mode by category, a cell per
//!   mode with its status and test. The matrix is generic over `ColumnGroup`s of
//!   evidence, so that a new source of evidence (mutants, failpoints) is one more
//!   group;
//! - per function: coverage bars against the tier's thresholds (the threshold
//!   marked on the bar, the baseline's level too), its gaps in words, its waivers,
//!   its trend, and, for a failing function, its source with the lines, regions and
//!   branch outcomes that never ran marked as `llvm-cov show` marks them.
//!
//! Like every renderer it sees the report only. Every text from the report is
//! escaped ([`escape`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::gaps::{gap_line, gaps};
use super::{CheckKind, FunctionReport, Report};
use crate::catalogue::vocabulary::{self, Category};
use crate::model::{Count, FailpointStatus, Metric, ModeOutcome, ModeStatus, Percent, Reason, Verdict};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Text with `` `code` `` spans as `<code>`, escaped.
fn with_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 && !part.is_empty() {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    if text.matches('`').count() % 2 == 1 {
        // An odd backtick: show the text as it is.
        return escape(text);
    }
    out
}

/// A path with a break opportunity after each `::`, escaped.
fn breakable(path: &str) -> String {
    escape(path).replace("::", "::<wbr>")
}

/// How a cell of the matrix reads: its status word decides, its class repeats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Pass,
    Fail,
    Warn,
    Info,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Pass => "pass",
            Tone::Fail => "fail",
            Tone::Warn => "warn",
            Tone::Info => "info",
        }
    }
}

/// One cell of the matrix.
#[derive(Debug, Clone)]
struct Cell {
    /// The status, as a word (`passed`, `missing`, `80.0%`): shown, and in `data-status`.
    status: String,
    tone: Tone,
    /// Shown under the status: the test, or what to add.
    detail: Option<String>,
    /// More, on hover.
    title: Option<String>,
}

/// A column of the matrix: one piece of evidence each function may have (`None`:
/// not this function's, shown as a dash).
#[derive(Debug, Clone)]
struct Column {
    label: String,
    cells: Vec<Option<Cell>>,
}

/// Columns under one heading: a category of failure modes, the coverage metrics.
#[derive(Debug, Clone)]
struct ColumnGroup {
    label: String,
    /// The `data-group` of its cells.
    key: String,
    columns: Vec<Column>,
}

fn mode_tone(status: ModeStatus) -> Tone {
    match status {
        ModeStatus::Passed => Tone::Pass,
        ModeStatus::Failed | ModeStatus::Hollow | ModeStatus::Missing => Tone::Fail,
        ModeStatus::Ignored | ModeStatus::Unverified => Tone::Warn,
    }
}

/// The category of a mode: the report's, else the vocabulary's (reports of vital
/// versions before categories have none).
fn category_of(mode: &ModeOutcome) -> Option<Category> {
    mode.category.or_else(|| vocabulary::known(&mode.mode).map(|k| k.category))
}

/// The coverage columns: lines, regions, branches against the tier.
fn coverage_group(functions: &[&FunctionReport]) -> ColumnGroup {
    let columns = Metric::ALL
        .iter()
        .map(|&metric| Column {
            label: metric.to_string(),
            cells: functions.iter().map(|f| Some(coverage_cell(f, metric))).collect(),
        })
        .collect();
    ColumnGroup { label: "coverage".into(), key: "coverage".into(), columns }
}

fn count_of(f: &FunctionReport, metric: Metric) -> Option<Count> {
    match metric {
        Metric::Lines => Some(f.lines),
        Metric::Regions => Some(f.regions),
        Metric::Branches => f.branches,
    }
}

fn below(f: &FunctionReport, metric: Metric) -> bool {
    f.reasons.iter().any(|r| matches!(r, Reason::BelowThreshold { metric: m, .. } if *m == metric))
}

fn coverage_cell(f: &FunctionReport, metric: Metric) -> Cell {
    let min = f.thresholds.of(metric);
    let title = min.map(|m| format!("the {} tier requires {m}", f.tier));
    if f.records == 0 {
        return Cell { status: "no record".into(), tone: Tone::Fail, detail: None, title };
    }
    match count_of(f, metric) {
        None => {
            let no_branch_data = f.reasons.iter().any(|r| matches!(r, Reason::NoBranchData));
            let tone = if no_branch_data { Tone::Fail } else { Tone::Info };
            Cell { status: "no data".into(), tone, detail: None, title }
        }
        Some(count) if count.total == 0 => {
            let status = if metric == Metric::Branches { "no conditions" } else { "nothing to cover" };
            Cell { status: status.into(), tone: Tone::Info, detail: None, title }
        }
        Some(count) => {
            let tone = if below(f, metric) {
                Tone::Fail
            } else if min.is_some() {
                Tone::Pass
            } else {
                Tone::Info
            };
            let detail = Some(format!("{}/{}", count.covered, count.total));
            Cell { status: count.percent(), tone, detail, title }
        }
    }
}

/// The mutation score against the tier, when the report has mutation results.
fn mutation_group(functions: &[&FunctionReport]) -> Option<ColumnGroup> {
    if functions.iter().all(|f| f.mutants.is_none()) {
        return None;
    }
    let cells = functions.iter().map(|f| f.mutants.as_ref().map(|m| mutation_cell(f, m))).collect();
    Some(ColumnGroup {
        label: "mutants".into(),
        key: "mutants".into(),
        columns: vec![Column { label: "score".into(), cells }],
    })
}

fn mutation_cell(f: &FunctionReport, m: &crate::report::MutationReport) -> Cell {
    let failing = f.reasons.iter().any(Reason::is_mutation);
    let title = Some(match f.thresholds.mutation {
        Some(min) => format!("the {} tier requires a mutation score of {min}", f.tier),
        None => format!("the {} tier sets no mutation score", f.tier),
    });
    let mut detail = format!("{}/{} caught", m.score.covered, m.score.total);
    if m.missed > 0 {
        detail.push_str(&format!(", {} missed", m.missed));
    }
    if m.untested > 0 {
        detail.push_str(&format!(", {} untested", m.untested));
    }
    let (status, tone) = if m.score.total == 0 && m.untested == 0 {
        ("no mutants".to_string(), Tone::Info)
    } else if failing {
        (m.score.percent(), Tone::Fail)
    } else if f.thresholds.mutation.is_some() {
        (m.score.percent(), Tone::Pass)
    } else {
        (m.score.percent(), Tone::Info)
    };
    Cell { status, tone, detail: Some(detail), title }
}

/// The failpoints fired by a passing test, when any function has failpoints.
fn failpoint_group(functions: &[&FunctionReport]) -> Option<ColumnGroup> {
    if functions.iter().all(|f| f.failpoints.is_empty()) {
        return None;
    }
    let cells = functions
        .iter()
        .map(|f| {
            if f.failpoints.is_empty() {
                return None;
            }
            let fired = f.failpoints.iter().filter(|fp| fp.status == FailpointStatus::Fired).count();
            let failing = f.reasons.iter().any(Reason::is_failpoint);
            let tone = if failing {
                Tone::Fail
            } else if fired == f.failpoints.len() {
                Tone::Pass
            } else {
                Tone::Warn
            };
            let not_fired: Vec<String> = f
                .failpoints
                .iter()
                .filter(|fp| fp.status != FailpointStatus::Fired)
                .map(|fp| format!("{} ({})", fp.name, fp.status))
                .collect();
            Some(Cell {
                status: format!("{fired}/{} fired", f.failpoints.len()),
                tone,
                detail: (!not_fired.is_empty()).then(|| not_fired.join(", ")),
                title: Some(format!(
                    "the {} tier gates failpoints: {}",
                    f.tier,
                    rule_name(f.thresholds.failpoints)
                )),
            })
        })
        .collect();
    Some(ColumnGroup {
        label: "failpoints".into(),
        key: "failpoints".into(),
        columns: vec![Column { label: "fired".into(), cells }],
    })
}

fn rule_name(rule: crate::catalogue::FailpointRule) -> &'static str {
    match rule {
        crate::catalogue::FailpointRule::All => "all",
        crate::catalogue::FailpointRule::Declared => "the pinned ones",
        crate::catalogue::FailpointRule::None => "none",
    }
}

/// The categories a tier requires, per function: declared by a mode, waived, or
/// missing. `None` when no function's tier requires any.
fn categories_group(functions: &[&FunctionReport]) -> Option<ColumnGroup> {
    let required: BTreeSet<Category> =
        functions.iter().flat_map(|f| f.thresholds.categories.iter().copied()).collect();
    let waived: BTreeSet<Category> =
        functions.iter().flat_map(|f| f.waived.iter().map(|w| w.category)).collect();
    let all: BTreeSet<Category> = required.union(&waived).copied().collect();
    if all.is_empty() {
        return None;
    }
    let columns = all
        .into_iter()
        .map(|category| Column {
            label: category.to_string(),
            cells: functions.iter().map(|f| category_cell(f, category)).collect(),
        })
        .collect();
    Some(ColumnGroup { label: "required categories".into(), key: "categories".into(), columns })
}

fn category_cell(f: &FunctionReport, category: Category) -> Option<Cell> {
    if let Some(waiver) = f.waived.iter().find(|w| w.category == category) {
        // The reason in full on hover and in the function's section.
        return Some(Cell {
            status: "waived".into(),
            tone: Tone::Info,
            detail: Some(shorten(&waiver.reason, 40)),
            title: Some(waiver.reason.clone()),
        });
    }
    let missing = f.reasons.iter().find_map(|r| match r {
        Reason::CategoryMissing(m) if m.category == category => Some(m),
        _ => None,
    });
    if let Some(m) = missing {
        return Some(Cell {
            status: "missing".into(),
            tone: Tone::Fail,
            detail: Some(format!("add e.g. `{}`", m.suggestion)),
            title: Some(format!("test `{}`", m.test)),
        });
    }
    if !f.thresholds.categories.contains(&category) {
        return None;
    }
    let modes: Vec<&str> = f
        .failure_modes
        .iter()
        .filter(|m| category_of(m) == Some(category))
        .map(|m| m.mode.as_str())
        .collect();
    Some(Cell { status: "declared".into(), tone: Tone::Pass, detail: Some(modes.join(", ")), title: None })
}

/// At most `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The failure modes, one group per category (then modes without one), one column
/// per mode any function declares: well-known modes in vocabulary order, custom
/// ones after them by name.
fn mode_groups(functions: &[&FunctionReport], check: CheckKind) -> Vec<ColumnGroup> {
    let mut groups = Vec::new();
    let keys: Vec<Option<Category>> = Category::ALL.into_iter().map(Some).chain([None]).collect();
    for key in keys {
        let mut modes: Vec<&str> = Vec::new();
        for f in functions {
            for m in f.failure_modes.iter().filter(|m| category_of(m) == key) {
                if !modes.contains(&m.mode.as_str()) {
                    modes.push(&m.mode);
                }
            }
        }
        if modes.is_empty() {
            continue;
        }
        let order =
            |mode: &str| vocabulary::VOCABULARY.iter().position(|k| k.name == mode).unwrap_or(usize::MAX);
        modes.sort_by(|a, b| order(a).cmp(&order(b)).then_with(|| a.cmp(b)));
        let columns = modes
            .iter()
            .map(|&mode| Column {
                label: mode.to_string(),
                cells: functions
                    .iter()
                    .map(|f| f.failure_modes.iter().find(|m| m.mode == mode).map(|m| mode_cell(m, check)))
                    .collect(),
            })
            .collect();
        let (label, key) = match key {
            Some(category) => (format!("{category} modes"), format!("modes-{category}")),
            None => ("modes without a category".to_string(), "modes-other".to_string()),
        };
        groups.push(ColumnGroup { label, key, columns });
    }
    groups
}

fn mode_cell(mode: &ModeOutcome, check: CheckKind) -> Cell {
    // Statically a test that exists and counts is as good as it gets.
    let tone = match (check, mode.status) {
        (CheckKind::Static, status) if status.counts_statically() && status != ModeStatus::Failed => {
            Tone::Pass
        }
        (_, status) => mode_tone(status),
    };
    let status = match (check, mode.status) {
        (CheckKind::Static, ModeStatus::Unverified) => "exists".to_string(),
        (_, status) => status.as_str().to_string(),
    };
    // The test by its function's name; its whole path on hover.
    let detail = match mode.status {
        ModeStatus::Missing => mode.detail.clone(),
        _ => mode.test.as_deref().map(|t| t.rsplit("::").next().unwrap_or(t).to_string()),
    };
    let mut title = Vec::new();
    if let Some(test) = mode.test.as_ref().filter(|_| mode.status != ModeStatus::Missing) {
        title.push(format!("test {test}"));
    }
    if mode.status != ModeStatus::Missing
        && let Some(detail) = &mode.detail
    {
        title.push(detail.clone());
    }
    if let Some(at) = &mode.location {
        title.push(at.clone());
    }
    Cell { status, tone, detail, title: (!title.is_empty()).then(|| title.join(" — ")) }
}

const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --warn: #9a6700; --warn-bg: #fff8c5; --info: #0969da; --info-bg: #ddf4ff;
  --mark-region: #ffcecb; --mark-branch: #fff1a8; --uncovered: #ffebe9; --bar: #e6e9ed;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
    --pass: #3fb950; --pass-bg: #12261e; --fail: #f85149; --fail-bg: #2d1214;
    --warn: #d29922; --warn-bg: #272115; --info: #4493f8; --info-bg: #121d2f;
    --mark-region: #6e2a2a; --mark-branch: #5a4a12; --uncovered: #2d1214; --bar: #2a313c;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 1320px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; margin: .4rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
h3 { font-size: 1.1rem; margin: 0 0 .4rem; }
h4 { font-size: .95rem; margin: 1rem 0 .3rem; }
code, .code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
a { color: var(--info); }
.muted, .detail { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .8rem; font-weight: 600;
  border: 1px solid currentColor; vertical-align: middle; }
.c-pass { color: var(--pass); } .c-fail { color: var(--fail); } .c-warn { color: var(--warn); } .c-info { color: var(--info); }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--warn); background: var(--panel);
  padding: .5rem .8rem; margin: .6rem 0; }
.notice.fail { border-left-color: var(--fail); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
.matrix { font-size: .85rem; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: .25rem .45rem; vertical-align: top; }
.matrix thead th { background: var(--panel); text-align: left; }
.matrix th[scope=row] { text-align: left; font-weight: 600; min-width: 14rem; }
.matrix td.cell { min-width: 5.5rem; max-width: 11rem; }
.matrix td.pass { background: var(--pass-bg); } .matrix td.fail { background: var(--fail-bg); }
.matrix td.warn { background: var(--warn-bg); } .matrix td.info { background: var(--info-bg); }
.matrix td.pass .status { color: var(--pass); } .matrix td.fail .status { color: var(--fail); }
.matrix td.warn .status { color: var(--warn); } .matrix td.info .status { color: var(--info); }
.matrix td.none { color: var(--muted); text-align: center; }
.cell .status { display: block; font-weight: 600; }
.cell .detail { display: block; font-size: .8rem; overflow-wrap: break-word; }
.legend { font-size: .85rem; color: var(--muted); }
caption.legend { text-align: left; padding: .2rem 0; }
.function { border: 1px solid var(--line); border-radius: 6px; padding: .9rem 1rem; margin: 1rem 0; }
.function.fail { border-left: 4px solid var(--fail); } .function.pass { border-left: 4px solid var(--pass); }
.function.warn { border-left: 4px solid var(--warn); }
.bars th, .bars td { padding: .15rem .6rem .15rem 0; text-align: left; font-size: .9rem; }
.bar { position: relative; width: 16rem; height: .8rem; background: var(--bar); border-radius: 3px; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.bar .fill.pass { background: var(--pass); } .bar .fill.fail { background: var(--fail); }
.bar .fill.info, .bar .fill.warn { background: var(--info); }
.bar .min { position: absolute; top: -.25rem; bottom: -.25rem; width: 2px; margin-left: -1px; background: var(--fg); }
.bar .was { position: absolute; top: .1rem; bottom: .1rem; width: 0; margin-left: -1px;
  border-left: 2px dotted var(--muted); }
ul.gaps { margin: .3rem 0; padding-left: 1.2rem; }
.source { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem;
  width: 100%; margin-top: .4rem; }
.source td, .source th { padding: 0 .5rem; vertical-align: top; }
.source thead th { text-align: left; font-family: system-ui, sans-serif; font-size: .8rem; color: var(--muted); }
.source .ln { text-align: right; color: var(--muted); user-select: none; width: 3rem; }
.source .hit { color: var(--fail); font-family: system-ui, sans-serif; font-size: .75rem; width: 5rem; white-space: nowrap; }
.source .code { white-space: pre; }
.source tr.uncovered td.code { background: var(--uncovered); }
.source tr.note td { font-family: system-ui, sans-serif; font-size: .8rem; color: var(--muted); padding-bottom: .2rem; }
mark { color: inherit; border-radius: 2px; }
mark.region { background: var(--mark-region); }
mark.branch { background: var(--mark-branch); text-decoration: underline wavy var(--warn); }
details > summary { cursor: pointer; color: var(--muted); margin-top: .6rem; }
footer { color: var(--muted); font-size: .8rem; padding-bottom: 2rem; margin-top: 2rem; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
"#;

/// Renders `report` as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    let functions = report.by_risk();
    let mut out = String::with_capacity(16 * 1024);
    let summary = &report.summary;
    let verdict = report.verdict.as_str();
    let headline = format!("{} of {} vital functions meet their tier", summary.passed, summary.functions);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    let _ = writeln!(out, "<title>vital: {verdict} — {headline}</title>");
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");

    // Header: the verdict and what went into it.
    let tone = if report.verdict == Verdict::Pass { Tone::Pass } else { Tone::Fail };
    out.push_str("<header>\n");
    let _ = writeln!(
        out,
        "<h1>vital: <span class=\"verdict c-{}\" data-verdict=\"{verdict}\">{verdict}</span></h1>",
        tone.class()
    );
    let mut line = headline.clone();
    if summary.accepted > 0 {
        let _ = write!(line, "; {} more fail no worse than the baseline", summary.accepted);
    }
    let _ = writeln!(out, "<p class=\"summary\">{}.</p>", escape(&line));
    let kind = match report.check {
        CheckKind::Coverage => {
            let files: Vec<String> = report
                .coverage
                .iter()
                .map(|c| {
                    let branch = if c.branch_data { "with branch data" } else { "no branch data" };
                    format!("<code>{}</code> ({} records, {branch})", escape(&c.file), c.records)
                })
                .collect();
            format!(
                "Coverage check of {}.",
                if files.is_empty() { "no coverage".into() } else { files.join(", ") }
            )
        }
        CheckKind::Static => {
            "Static check: the catalogue and the failure-mode tests, from the source alone (no coverage)."
                .into()
        }
        CheckKind::Mutation => {
            "Mutation check: the mutation results alone, judged by each tier's mutation score (no coverage)."
                .into()
        }
    };
    let _ = writeln!(out, "<p class=\"muted\">{kind}");
    if let Some(tests) = &report.tests {
        let _ = write!(
            out,
            " Tests: {} passed, {} failed, {} ignored.",
            tests.passed, tests.failed, tests.ignored
        );
    }
    out.push_str("</p>\n</header>\n<main>\n");

    if let Some(tests) = report.tests.as_ref().filter(|t| t.failed > 0) {
        let names: Vec<String> =
            tests.failed_tests.iter().map(|t| format!("<code>{}</code>", escape(t))).collect();
        let _ = writeln!(
            out,
            "<p class=\"notice fail\" role=\"alert\"><strong>{} test{} failed</strong>, which fails the gate: {}</p>",
            tests.failed,
            if tests.failed == 1 { "" } else { "s" },
            names.join(", ")
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "<p class=\"notice\"><strong>warning:</strong> {}</p>", with_code(warning));
    }

    matrix(&mut out, report, &functions);

    out.push_str("<section aria-labelledby=\"functions-title\">\n");
    out.push_str("<h2 id=\"functions-title\">Vital functions, by risk</h2>\n");
    for (i, f) in functions.iter().enumerate() {
        function(&mut out, report.check, i, f);
    }
    out.push_str("</section>\n</main>\n");
    let _ = writeln!(
        out,
        "<footer>vital {} · report schema {} · {} check</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        report.schema_version,
        report.check
    );
    out
}

fn verdict_tone(f: &FunctionReport) -> (Tone, &'static str) {
    if f.is_accepted() {
        (Tone::Warn, "accepted")
    } else if f.verdict == Verdict::Fail {
        (Tone::Fail, "fail")
    } else {
        (Tone::Pass, "pass")
    }
}

/// The matrix: a row per function, a column per piece of evidence.
fn matrix(out: &mut String, report: &Report, functions: &[&FunctionReport]) {
    let mut groups = Vec::new();
    if report.check == CheckKind::Coverage {
        groups.push(coverage_group(functions));
    }
    groups.extend(mutation_group(functions));
    groups.extend(failpoint_group(functions));
    groups.extend(categories_group(functions));
    groups.extend(mode_groups(functions, report.check));

    out.push_str("<section aria-labelledby=\"matrix-title\">\n");
    out.push_str("<h2 id=\"matrix-title\">Evidence matrix</h2>\n");
    out.push_str("<div class=\"scroll\">\n<table class=\"matrix\">\n");
    out.push_str(
        "<caption class=\"legend\">Each vital function (a row, most at risk first) against its evidence \
         (a column).</caption>\n",
    );
    out.push_str(
        "<thead>\n<tr><th scope=\"col\" rowspan=\"2\">function</th><th scope=\"col\" rowspan=\"2\">tier</th>",
    );
    out.push_str("<th scope=\"col\" rowspan=\"2\">verdict</th>");
    for group in &groups {
        let _ = write!(
            out,
            "<th scope=\"colgroup\" colspan=\"{}\">{}</th>",
            group.columns.len(),
            escape(&group.label)
        );
    }
    out.push_str("</tr>\n<tr>");
    for group in &groups {
        for column in &group.columns {
            let _ = write!(out, "<th scope=\"col\">{}</th>", escape(&column.label));
        }
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for (i, f) in functions.iter().enumerate() {
        let (tone, word) = verdict_tone(f);
        let _ = write!(
            out,
            "<tr data-function=\"{}\"><th scope=\"row\"><a href=\"#f-{i}\"><code>{}</code></a></th><td>{}</td>\
             <td class=\"cell {}\" data-verdict=\"{word}\"><span class=\"status\">{word}</span></td>",
            escape(&f.function),
            breakable(&f.function),
            f.tier,
            tone.class()
        );
        for group in &groups {
            for column in &group.columns {
                match &column.cells[i] {
                    None => {
                        let _ = write!(
                            out,
                            "<td class=\"none\" data-group=\"{}\" data-column=\"{}\">–<span class=\"sr\"> not declared</span></td>",
                            escape(&group.key),
                            escape(&column.label)
                        );
                    }
                    Some(cell) => {
                        let _ = write!(
                            out,
                            "<td class=\"cell {}\" data-group=\"{}\" data-column=\"{}\" data-status=\"{}\"",
                            cell.tone.class(),
                            escape(&group.key),
                            escape(&column.label),
                            escape(&cell.status)
                        );
                        if let Some(title) = &cell.title {
                            let _ = write!(out, " title=\"{}\"", escape(title));
                        }
                        let _ = write!(out, "><span class=\"status\">{}</span>", escape(&cell.status));
                        if let Some(detail) = &cell.detail {
                            let _ = write!(out, "<span class=\"detail\">{}</span>", breakable_code(detail));
                        }
                        out.push_str("</td>");
                    }
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out.push_str(
        "<p class=\"legend\">Failure modes: <strong>passed</strong> — a test reaches the function, asserts, ran and \
         passed; <strong>failed</strong>; <strong>ignored</strong>; <strong>unverified</strong> — no result recorded; \
         <strong>hollow</strong> — the test never reaches the function or asserts nothing; <strong>missing</strong> — \
         no test; <strong>exists</strong> — a static check found a test that counts. A dash: the function does not \
         declare that mode. Categories: <strong>declared</strong> by a mode, <strong>waived</strong> with a reason, \
         or <strong>missing</strong>.</p>\n</section>\n",
    );
}

/// Detail text: code spans as `<code>`, paths and snake_case names breakable.
fn breakable_code(text: &str) -> String {
    // `with_code` makes only `<code>` tags and entities, neither with `:` or `_`.
    with_code(text).replace("::", "::<wbr>").replace('_', "_<wbr>")
}

/// Tenths of a percent of `count` (1000 when there is nothing to cover).
fn tenths(count: Count) -> u128 {
    if count.total == 0 { 1000 } else { u128::from(count.covered) * 1000 / u128::from(count.total) }
}

fn percent_css(tenths: u128) -> String {
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn threshold_css(min: Percent) -> String {
    let h = min.hundredths();
    format!("{}.{:02}%", h / 100, h % 100)
}

/// One function's section.
fn function(out: &mut String, check: CheckKind, i: usize, f: &FunctionReport) {
    let (tone, word) = verdict_tone(f);
    let _ = writeln!(
        out,
        "<article class=\"function {}\" id=\"f-{i}\" aria-labelledby=\"f-{i}-title\">",
        tone.class()
    );
    let _ = writeln!(
        out,
        "<h3 id=\"f-{i}-title\"><span class=\"badge c-{}\">{word}</span> <code>{}</code> <span class=\"muted\">({})</span></h3>",
        tone.class(),
        breakable(&f.function),
        f.tier
    );
    let mut place = format!("<code>{}:{}</code>", escape(&f.file), f.line);
    if f.resolved != f.function {
        let _ = write!(place, " · resolved to <code>{}</code>", breakable(&f.resolved));
    }
    let _ = writeln!(out, "<p class=\"muted\">{place}</p>");
    if let Some(reason) = &f.reason {
        let _ = writeln!(out, "<p>Vital because: {}</p>", with_code(reason));
    }
    if f.is_accepted() {
        out.push_str(
            "<p class=\"c-warn\"><strong>Accepted:</strong> below its tier, no worse than the baseline.</p>\n",
        );
    }
    if let Some(trend) = &f.trend {
        let text = super::baseline::trend_text(f).replace("**", "");
        let _ = writeln!(
            out,
            "<p>Since the baseline: <span data-trend=\"{}\">{}</span></p>",
            trend.change.as_str(),
            escape(&text)
        );
    }
    if check == CheckKind::Coverage {
        bars(out, f);
    }
    let gaps = gaps(f);
    if !gaps.is_empty() {
        out.push_str("<h4>Why it fails</h4>\n<ul class=\"gaps\">\n");
        for gap in &gaps {
            let _ = writeln!(out, "<li>{}</li>", with_code(&gap_line(gap)));
        }
        out.push_str("</ul>\n");
    }
    if !f.waived.is_empty() {
        out.push_str("<h4>Waived failure-mode categories</h4>\n<ul class=\"waivers\">\n");
        for waiver in &f.waived {
            let _ = writeln!(
                out,
                "<li data-waived=\"{}\"><strong>{}</strong>: {}</li>",
                waiver.category,
                waiver.category,
                with_code(&waiver.reason)
            );
        }
        out.push_str("</ul>\n");
    }
    if f.verdict == Verdict::Fail
        && let Some(source) = &f.source
    {
        let coverage_gap = check == CheckKind::Coverage && f.reasons.iter().any(Reason::is_coverage);
        let _ = writeln!(
            out,
            "<details{}><summary>Source of <code>{}</code>{}</summary>",
            if coverage_gap { " open" } else { "" },
            escape(&f.function),
            if coverage_gap { ", with what never ran marked" } else { "" }
        );
        source_listing(out, check, f, source);
        out.push_str("</details>\n");
    }
    out.push_str("</article>\n");
}

/// Coverage bars against the tier's thresholds.
fn bars(out: &mut String, f: &FunctionReport) {
    let _ = writeln!(
        out,
        "<table class=\"bars\">\n<caption class=\"legend\">Coverage against the {} tier: the black mark is the \
         tier's minimum{}.</caption>",
        f.tier,
        if f.trend.is_some() { ", the dotted one the baseline's level" } else { "" }
    );
    out.push_str(
        "<thead><tr><th scope=\"col\">metric</th><th scope=\"col\">covered</th><th scope=\"col\">minimum</th>\
         <th scope=\"col\"><span class=\"sr\">bar</span></th></tr></thead>\n<tbody>\n",
    );
    for metric in Metric::ALL {
        let min = f.thresholds.of(metric);
        let cell = coverage_cell(f, metric);
        let text = match &cell.detail {
            Some(of) => format!("{of} ({})", cell.status),
            None => cell.status.clone(),
        };
        let min_text = min.map_or_else(|| "—".to_string(), |m| m.to_string());
        let _ = write!(
            out,
            "<tr data-metric=\"{metric}\"><th scope=\"row\">{metric}</th><td class=\"c-{}\">{}</td><td>{min_text}</td><td>",
            cell.tone.class(),
            escape(&text)
        );
        out.push_str("<div class=\"bar\" aria-hidden=\"true\">");
        if let Some(count) = count_of(f, metric).filter(|c| f.records > 0 && c.total > 0) {
            let _ = write!(
                out,
                "<span class=\"fill {}\" style=\"width:{}\"></span>",
                cell.tone.class(),
                percent_css(tenths(count))
            );
        }
        if let Some(min) = min {
            let _ = write!(out, "<span class=\"min\" style=\"left:{}\"></span>", threshold_css(min));
        }
        if let Some(trend) = &f.trend {
            let was = match metric {
                Metric::Lines => trend.was_lines,
                Metric::Regions => trend.was_regions,
                Metric::Branches => trend.was_branches,
            };
            if let Some(was) = super::baseline::level(trend.was_records.unwrap_or(1), was) {
                let _ =
                    write!(out, "<span class=\"was\" style=\"left:{}\"></span>", percent_css(tenths(was)));
            }
        }
        out.push_str("</div></td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// A mark in the source: a region never run, or a condition with an outcome never
/// taken.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    /// `region` or `branch`.
    kind: &'static str,
    /// What it says: `never run`, `never true`, …
    label: String,
    /// The marked text and where it starts, for the note under the line.
    text: String,
    at: (u32, u32),
}

/// A span of the source text (1-based lines, 1-based byte columns, end exclusive)
/// as byte ranges of each line it touches, clamped to the line and to character
/// boundaries: a report read from a file may hold anything.
fn line_ranges(
    lines: &[&str],
    first_line: u32,
    (line, column, end_line, end_column): (u32, u32, u32, u32),
) -> Vec<(usize, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    if end_line < line || line < first_line {
        return out;
    }
    for n in line..=end_line {
        let Some(index) = n.checked_sub(first_line).map(|i| i as usize) else { continue };
        let Some(text) = lines.get(index) else { break };
        let len = text.len();
        let start = if n == line { (column as usize).saturating_sub(1).min(len) } else { 0 };
        let end = if n == end_line { (end_column as usize).saturating_sub(1).min(len) } else { len };
        let mut start = start;
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = end;
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if start < end {
            out.push((index, start..end));
        }
    }
    out
}

/// The function's lines, with uncovered lines, unrun regions and untaken branch
/// outcomes marked, and each line's marks repeated in words under it.
fn source_listing(out: &mut String, check: CheckKind, f: &FunctionReport, source: &super::Source) {
    let lines: Vec<&str> = source.text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let mut marks: Vec<Vec<(std::ops::Range<usize>, Mark)>> = vec![Vec::new(); lines.len()];
    let never_run = f.never_run();
    let not_instrumented = f.records == 0;
    if check == CheckKind::Coverage && !never_run && !not_instrumented {
        for r in &f.uncovered_regions {
            let label = if r.text == "?" { "the error path of this `?` never ran" } else { "never run" };
            let mark =
                Mark { kind: "region", label: label.into(), text: r.text.clone(), at: (r.line, r.column) };
            for (i, range) in
                line_ranges(&lines, source.first_line, (r.line, r.column, r.end_line, r.end_column))
            {
                marks[i].push((range, mark.clone()));
            }
        }
        // Both outcomes of one condition untaken: it was never evaluated.
        let mut branches: Vec<(&super::BranchGap, Option<bool>)> = Vec::new();
        for b in &f.untaken_branches {
            match branches.last_mut() {
                Some((last, outcome)) if last.span == b.span => *outcome = None,
                _ => branches.push((b, Some(b.outcome))),
            }
        }
        for (b, outcome) in branches {
            let label = match outcome {
                Some(true) => "never true",
                Some(false) => "never false",
                None => "never evaluated",
            };
            let s = &b.span;
            let mark =
                Mark { kind: "branch", label: label.into(), text: s.text.clone(), at: (s.line, s.column) };
            for (i, range) in
                line_ranges(&lines, source.first_line, (s.line, s.column, s.end_line, s.end_column))
            {
                marks[i].push((range, mark.clone()));
            }
        }
    }
    let uncovered: BTreeSet<u32> = f.uncovered_lines.iter().copied().collect();
    if not_instrumented && check == CheckKind::Coverage {
        out.push_str("<p class=\"c-fail\">No coverage record lies in this function: it was never compiled into a test binary with coverage.</p>\n");
    } else if never_run {
        out.push_str("<p class=\"c-fail\">No test runs this function.</p>\n");
    }
    out.push_str(
        "<table class=\"source\">\n<thead><tr><th scope=\"col\">line</th><th scope=\"col\">coverage</th>\
         <th scope=\"col\">code</th></tr></thead>\n<tbody>\n",
    );
    for (i, text) in lines.iter().enumerate() {
        let n = source.first_line + i as u32;
        let is_uncovered = uncovered.contains(&n);
        let line_marks = &marks[i];
        let hit = if is_uncovered {
            "not run"
        } else if line_marks.is_empty() {
            ""
        } else {
            "partly run"
        };
        let _ = write!(
            out,
            "<tr{} data-line=\"{n}\"><td class=\"ln\">{n}</td><td class=\"hit\">{hit}</td><td class=\"code\">",
            if is_uncovered { " class=\"uncovered\"" } else { "" }
        );
        highlight(out, text, line_marks);
        out.push_str("</td></tr>\n");
        if !line_marks.is_empty() {
            // Each mark once, where it starts.
            let mut notes: Vec<String> = Vec::new();
            for (_, mark) in line_marks.iter().filter(|(_, m)| m.at.0 == n) {
                let what = if mark.text == "?" || mark.text.is_empty() {
                    String::new()
                } else {
                    format!("<code>{}</code> ", escape(&mark.text))
                };
                let note = format!("{what}{} ({}:{})", with_code(&mark.label), mark.at.0, mark.at.1);
                if !notes.contains(&note) {
                    notes.push(note);
                }
            }
            if !notes.is_empty() {
                let _ = writeln!(
                    out,
                    "<tr class=\"note\"><td></td><td></td><td>↑ {}</td></tr>",
                    notes.join("; ")
                );
            }
        }
    }
    out.push_str("</tbody>\n</table>\n");
}

/// One line of code with its marks: split at every mark boundary, each piece
/// wrapped in one `<mark>` naming all the marks over it.
fn highlight(out: &mut String, text: &str, marks: &[(std::ops::Range<usize>, Mark)]) {
    if marks.is_empty() {
        out.push_str(&escape(text));
        return;
    }
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for (range, _) in marks {
        cuts.push(range.start);
        cuts.push(range.end);
    }
    cuts.sort_unstable();
    cuts.dedup();
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let piece = &text[a..b];
        let over: Vec<&Mark> =
            marks.iter().filter(|(r, _)| r.start <= a && b <= r.end).map(|(_, m)| m).collect();
        if over.is_empty() {
            out.push_str(&escape(piece));
            continue;
        }
        let mut kinds: Vec<&str> = over.iter().map(|m| m.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut labels: Vec<&str> = over.iter().map(|m| m.label.as_str()).collect();
        labels.dedup();
        let _ = write!(
            out,
            "<mark class=\"{}\" title=\"{}\">{}</mark>",
            kinds.join(" "),
            escape(&labels.join("; ")),
            escape(piece)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(escape("a\u{0}b\tc"), "a\u{fffd}b\tc");
        assert_eq!(with_code("add test `f_<x>`"), "add test <code>f_&lt;x&gt;</code>");
        assert_eq!(with_code("odd ` tick"), "odd ` tick");
    }

    #[test]
    fn spans_become_clamped_byte_ranges_on_character_boundaries() {
        let lines = ["fn f() {", "    let é = 1;", "}"];
        // 2:9 is the middle of `é` (bytes 8..10): widened to the whole character.
        assert_eq!(line_ranges(&lines, 10, (11, 9, 11, 10)), [(1, 8..10)]);
        // Across lines: to the end of the first, from the start of the last.
        assert_eq!(line_ranges(&lines, 10, (10, 8, 12, 2)), [(0, 7..8), (1, 0..15), (2, 0..1)]);
        // Off the function, reversed, or past the end: nothing, never a panic.
        assert!(line_ranges(&lines, 10, (3, 1, 4, 1)).is_empty());
        assert!(line_ranges(&lines, 10, (12, 1, 11, 1)).is_empty());
        assert_eq!(line_ranges(&lines, 10, (12, 1, 40, 400)), [(2, 0..1)]);
    }

    #[test]
    fn overlapping_marks_split_the_line_and_keep_every_label() {
        let mark = |kind, label: &str| Mark { kind, label: label.into(), text: String::new(), at: (1, 1) };
        let mut out = String::new();
        highlight(
            &mut out,
            "if a < b { x }",
            &[(3..8, mark("branch", "never true")), (5..14, mark("region", "never run"))],
        );
        assert_eq!(
            out,
            "if <mark class=\"branch\" title=\"never true\">a </mark>\
             <mark class=\"branch region\" title=\"never true; never run\">&lt; b</mark>\
             <mark class=\"region\" title=\"never run\"> { x }</mark>"
        );
    }
}
