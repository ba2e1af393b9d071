//! Baselines: how a team adopts vital on code that does not meet its tiers yet.
//!
//! `--baseline FILE` takes an earlier `json` report. Each function is compared with
//! its entry there (matched by the function it resolved to, else by its catalogue
//! path), measure by measure: coverage of lines, regions and branches (where both
//! reports measured them: a function with no record ran nothing, and a function
//! with no condition has no branch outcome to compare), each failure mode's test,
//! the verdict. One measure down makes it *worse*; one up, with none down, *better*.
//! A function that fails its tier but is not worse than in the baseline is
//! *accepted*: it is reported, and does not fail the gate. New functions and
//! functions that got worse are gated as usual.

use std::cmp::Ordering;
use std::path::Path;

use serde::Deserialize;

use super::{Change, CheckKind, FunctionReport, Report, SCHEMA_VERSION, Trend};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::model::{Count, Metric, ModeStatus, Reason, Verdict};

/// What a baseline report says of one function: the part of the `json` format
/// that trends compare, read leniently so that reports of any vital version with
/// schema 1 serve.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Was {
    /// As written in the catalogue.
    pub function: String,
    /// What it resolved to.
    pub resolved: String,
    /// Line coverage.
    pub lines: Count,
    /// Region coverage.
    pub regions: Count,
    /// Branch coverage, `None` without branch data.
    pub branches: Option<Count>,
    /// Records joined: 0 when nothing of it ran under coverage.
    #[serde(default)]
    pub records: usize,
    /// Its failure modes.
    pub failure_modes: Vec<WasMode>,
    /// Its verdict.
    pub verdict: Verdict,
    /// Its mutants, when the baseline was a check with mutation results.
    #[serde(default)]
    pub mutants: Option<WasMutants>,
}

/// A function's mutants in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WasMutants {
    /// Its mutation score.
    pub score: Count,
}

/// A failure mode in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WasMode {
    /// The mode.
    pub mode: String,
    /// Its status.
    pub status: ModeStatus,
}

/// A baseline report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Baseline {
    /// Its schema version.
    pub schema_version: u32,
    /// Its functions.
    pub functions: Vec<Was>,
}

/// Reads a baseline report.
pub fn read_baseline(path: &Path, display: &Path) -> Result<Baseline> {
    let text = crate::fsutil::read_input_string(path, display, ErrorKind::Coverage).map_err(|err| {
        err.with_help("write one with `cargo vital check --format json --output FILE` on the main branch")
    })?;
    parse_baseline(&text, display)
}

/// Parses a baseline report; `display` names the file in messages.
pub fn parse_baseline(text: &str, display: &Path) -> Result<Baseline> {
    let baseline: Baseline = serde_json::from_str(text).map_err(|err| {
        Error::new(
            ErrorKind::Coverage,
            Some(Location::at(display, err.line(), err.column())),
            format!("the baseline is not a vital json report ({err})"),
        )
        .with_help("a baseline is the output of `cargo vital check --format json`")
    })?;
    if baseline.schema_version != SCHEMA_VERSION {
        return Err(Error::new(
            ErrorKind::Coverage,
            Some(Location::file(display)),
            format!(
                "the baseline has schema_version {}, this vital reads {SCHEMA_VERSION}",
                baseline.schema_version
            ),
        ));
    }
    Ok(baseline)
}

/// A function's coverage of `metric` as trends compare it: a function with no
/// record ran nothing (0 %); `None` when there is nothing to compare (no branch
/// data, nothing to cover).
pub fn level(records: usize, count: Option<Count>) -> Option<Count> {
    let count = count?;
    if records == 0 { Some(Count::new(0, 1)) } else { (count.total > 0).then_some(count) }
}

fn count_of(f: &FunctionReport, metric: Metric) -> Option<Count> {
    match metric {
        Metric::Lines => Some(f.lines),
        Metric::Regions => Some(f.regions),
        Metric::Branches => f.branches,
    }
}

/// One measure compared: its name, its text then and now, and how it moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// `lines`, `branches`, `modes`, `verdict`.
    pub what: String,
    /// `90.0% → 80.0%`.
    pub text: String,
    /// `Less` when it got worse.
    pub order: Ordering,
}

/// Every measure of `now` that moved since `trend`'s baseline.
pub fn moved(now: &FunctionReport, trend: &Trend) -> Vec<Moved> {
    let mut out = Vec::new();
    let was_records = trend.was_records.unwrap_or(1);
    for (metric, was) in [
        (Metric::Lines, trend.was_lines),
        (Metric::Regions, trend.was_regions),
        (Metric::Branches, trend.was_branches),
    ] {
        let was_level = level(was_records, was);
        let now_level = level(now.records, count_of(now, metric));
        let (order, text) = match (was_level, now_level) {
            (Some(w), Some(n)) => {
                (n.cmp_ratio(w).unwrap_or(Ordering::Equal), format!("{} → {}", w.percent(), n.percent()))
            }
            // Branch data lost: the tier can no longer be checked.
            (Some(w), None) if metric == Metric::Branches && now.branches.is_none() => {
                (Ordering::Less, format!("{} → no data", w.percent()))
            }
            _ => continue,
        };
        if order != Ordering::Equal {
            out.push(Moved { what: metric.to_string(), text, order });
        }
    }
    let now_mutation = now.mutants.as_ref().map(|m| m.score).filter(|score| score.total > 0);
    let untested = now.reasons.iter().any(|r| matches!(r, Reason::MutantsUntested { .. }));
    match (trend.was_mutation, now_mutation) {
        (Some(was), Some(score)) if !untested => {
            let order = score.cmp_ratio(was).unwrap_or(Ordering::Equal);
            if order != Ordering::Equal {
                out.push(Moved {
                    what: "mutation".into(),
                    text: format!("{} → {}", was.percent(), score.percent()),
                    order,
                });
            }
        }
        // Failing a mutation gate where the baseline cannot show it is no worse
        // (not measured there, or mutants untested now): nothing accepts it.
        (was, score) if now.reasons.iter().any(|r| r.is_mutation()) => out.push(Moved {
            what: "mutation".into(),
            text: format!(
                "{} → {}",
                was.map_or_else(|| "not measured".into(), Count::percent),
                if untested {
                    "untested".into()
                } else {
                    score.map_or_else(|| "none".into(), Count::percent)
                }
            ),
            order: Ordering::Less,
        }),
        _ => {}
    }
    if let Some(was) = trend.was_modes_passed {
        let passed = now.failure_modes.iter().filter(|m| m.status == ModeStatus::Passed).count();
        let lost = trend.was_modes_lost.unwrap_or(0);
        let order = if lost > 0 { Ordering::Less } else { passed.cmp(&was) };
        if order != Ordering::Equal {
            out.push(Moved { what: "modes".into(), text: format!("{was} → {passed}"), order });
        }
    }
    if let Some(was) = trend.was_verdict
        && was != now.verdict
    {
        let order = if now.verdict == Verdict::Pass { Ordering::Greater } else { Ordering::Less };
        out.push(Moved {
            what: "verdict".into(),
            text: format!("{} → {}", was.as_str(), now.verdict.as_str()),
            order,
        });
    }
    out
}

/// The trend of `now` against its baseline entry `was`; a mutation check measures
/// no coverage and runs no test, so only mutation is compared there.
fn trend(now: &FunctionReport, was: Option<&Was>, check: CheckKind) -> Trend {
    // Nothing of the baseline measured: `change` and, where set, what was.
    let unmeasured = |change| Trend {
        change,
        was_verdict: None,
        was_lines: None,
        was_regions: None,
        was_branches: None,
        was_modes_passed: None,
        was_records: None,
        was_modes_lost: None,
        was_mutation: None,
        accepted: false,
    };
    let Some(was) = was else { return unmeasured(Change::New) };
    let passed_then =
        |mode: &str| was.failure_modes.iter().any(|m| m.mode == mode && m.status == ModeStatus::Passed);
    let lost =
        now.failure_modes.iter().filter(|m| m.status != ModeStatus::Passed && passed_then(&m.mode)).count();
    let was_mutation = was.mutants.as_ref().map(|m| m.score).filter(|score| score.total > 0);
    let mut trend = if check == CheckKind::Mutation {
        Trend { was_mutation, ..unmeasured(Change::Same) }
    } else {
        Trend {
            change: Change::Same,
            was_verdict: Some(was.verdict),
            was_lines: Some(was.lines),
            was_regions: Some(was.regions),
            was_branches: was.branches,
            was_modes_passed: Some(
                was.failure_modes.iter().filter(|m| m.status == ModeStatus::Passed).count(),
            ),
            was_records: Some(was.records),
            was_modes_lost: Some(lost),
            was_mutation,
            accepted: false,
        }
    };
    let moved = moved(now, &trend);
    trend.change = if moved.iter().any(|m| m.order == Ordering::Less) {
        Change::Worse
    } else if moved.iter().any(|m| m.order == Ordering::Greater) {
        Change::Better
    } else {
        Change::Same
    };
    trend.accepted = now.verdict == Verdict::Fail && trend.change != Change::Worse;
    trend
}

/// Compares `report` with `baseline`: sets each function's trend, accepts failing
/// functions that got no worse, and recomputes the verdict.
pub fn apply_baseline(report: &mut Report, baseline: &Baseline) {
    for function in &mut report.functions {
        let was = baseline
            .functions
            .iter()
            .find(|b| b.resolved == function.resolved)
            .or_else(|| baseline.functions.iter().find(|b| b.function == function.function));
        function.trend = Some(trend(function, was, report.check));
    }
    report.recompute();
}

/// What changed since the baseline, in words: `**worse**: lines 100.0% → 90.9%;
/// better: regions …`, `same`, `new`.
pub fn trend_text(f: &FunctionReport) -> String {
    let Some(trend) = &f.trend else { return String::new() };
    if trend.change == Change::New {
        return "new".into();
    }
    let moved = moved(f, trend);
    let list = |order: Ordering| -> Vec<String> {
        moved
            .iter()
            .filter(|m| m.order == order && m.what != "verdict")
            .map(|m| format!("{} {}", m.what, m.text))
            .collect()
    };
    let (worse, better) = (list(Ordering::Less), list(Ordering::Greater));
    let mut parts = Vec::new();
    if trend.change == Change::Worse {
        parts.push(if worse.is_empty() {
            "**worse**".to_string()
        } else {
            format!("**worse**: {}", worse.join(", "))
        });
    }
    if !better.is_empty() {
        parts.push(format!("better: {}", better.join(", ")));
    }
    if parts.is_empty() { trend.change.as_str().to_string() } else { parts.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Tier;
    use crate::model::{ModeOutcome, Percent, Reason};
    use crate::report::{CheckKind, FunctionSpan, Reasons, Thresholds};

    fn function(name: &str, lines: (u64, u64), verdict: Verdict, passed_modes: usize) -> FunctionReport {
        let count = |(covered, total)| Count::new(covered, total);
        FunctionReport {
            function: name.into(),
            resolved: name.into(),
            tier: Tier::Critical,
            reason: None,
            file: "src/lib.rs".into(),
            line: 1,
            lines: count(lines),
            regions: count(lines),
            branches: Some(count((1, 2))),
            failure_modes: (0..passed_modes)
                .map(|i| ModeOutcome {
                    mode: format!("m{i}"),
                    test: None,
                    status: ModeStatus::Passed,
                    ran: None,
                    location: None,
                    detail: None,
                    category: None,
                })
                .collect(),
            waived: Vec::new(),
            verdict,
            reasons: Reasons(if verdict == Verdict::Fail {
                vec![Reason::BelowThreshold {
                    metric: Metric::Lines,
                    count: count(lines),
                    min: Percent::FULL,
                }]
            } else {
                Vec::new()
            }),
            records: 1,
            record_names: Vec::new(),
            uncovered_lines: Vec::new(),
            uncovered_regions: Vec::new(),
            untaken_branches: Vec::new(),
            span: FunctionSpan::default(),
            thresholds: Thresholds::default(),
            trend: None,
            doc_example: false,
            source: None,
            mutants: None,
            failpoints: Vec::new(),
        }
    }

    fn report(functions: Vec<FunctionReport>) -> Report {
        Report::new(CheckKind::Coverage, functions, Vec::new(), None, Vec::new())
    }

    fn baseline(functions: Vec<FunctionReport>) -> Baseline {
        parse_baseline(&report(functions).to_json(), Path::new("base.json")).unwrap()
    }

    #[test]
    fn functions_no_worse_than_the_baseline_are_accepted_and_others_gated() {
        let baseline = baseline(vec![
            function("same", (5, 10), Verdict::Fail, 1),
            function("better", (5, 10), Verdict::Fail, 0),
            function("worse", (8, 10), Verdict::Fail, 0),
            function("broke", (10, 10), Verdict::Pass, 0),
        ]);
        let mut now = report(vec![
            function("same", (5, 10), Verdict::Fail, 1),
            function("better", (6, 10), Verdict::Fail, 0),
            function("worse", (7, 10), Verdict::Fail, 0),
            function("broke", (9, 10), Verdict::Fail, 0),
            function("new", (1, 10), Verdict::Fail, 0),
        ]);
        assert_eq!(now.verdict, Verdict::Fail);
        apply_baseline(&mut now, &baseline);
        let trend = |i: usize| now.functions[i].trend.clone().unwrap();
        assert_eq!((trend(0).change, trend(0).accepted), (Change::Same, true));
        assert_eq!((trend(1).change, trend(1).accepted), (Change::Better, true));
        assert_eq!(trend(1).was_lines, Some(Count::new(5, 10)));
        assert_eq!((trend(2).change, trend(2).accepted), (Change::Worse, false));
        assert_eq!((trend(3).change, trend(3).accepted), (Change::Worse, false));
        assert_eq!((trend(4).change, trend(4).accepted), (Change::New, false));
        assert_eq!(now.summary.accepted, 2);
        assert_eq!(now.verdict, Verdict::Fail);
        assert_eq!(trend_text(&now.functions[2]), "**worse**: lines 80.0% → 70.0%, regions 80.0% → 70.0%");
        assert_eq!(trend_text(&now.functions[1]), "better: lines 50.0% → 60.0%, regions 50.0% → 60.0%");
    }

    fn with_mutants(name: &str, score: Option<(u64, u64)>, untested: usize) -> FunctionReport {
        let mut f = function(name, (10, 10), Verdict::Pass, 0);
        if let Some((covered, total)) = score {
            f.mutants = Some(crate::report::MutationReport {
                caught: covered as usize,
                missed: (total - covered) as usize,
                untested,
                score: Count::new(covered, total),
                ..Default::default()
            });
            let min = Percent::FULL;
            let mut reasons = Vec::new();
            if untested > 0 {
                reasons.push(Reason::MutantsUntested { untested, total: total as usize + untested });
            }
            if !min.is_met_by(covered, total) {
                reasons.push(Reason::MutationBelowThreshold { score: Count::new(covered, total), min });
            }
            if !reasons.is_empty() {
                f.verdict = Verdict::Fail;
                f.reasons = Reasons(reasons);
            }
        }
        f
    }

    /// The mutation score trends; a mutation failure the baseline cannot show to be
    /// no worse (not measured there, or untested now) is never accepted.
    #[test]
    fn mutation_scores_trend_and_what_was_not_measured_is_gated() {
        let baseline = baseline(vec![
            with_mutants("better", Some((5, 7)), 0),
            with_mutants("worse", Some((6, 7)), 0),
            with_mutants("same", Some((6, 7)), 0),
            with_mutants("unmeasured", None, 0),
            with_mutants("untested", Some((6, 7)), 0),
        ]);
        let mut now = report(vec![
            with_mutants("better", Some((6, 7)), 0),
            with_mutants("worse", Some((5, 7)), 0),
            with_mutants("same", Some((6, 7)), 0),
            with_mutants("unmeasured", Some((6, 7)), 0),
            with_mutants("untested", Some((6, 7)), 1),
        ]);
        apply_baseline(&mut now, &baseline);
        let change = |i: usize| {
            let t = now.functions[i].trend.as_ref().unwrap();
            (t.change, t.accepted)
        };
        assert_eq!(change(0), (Change::Better, true));
        assert_eq!(trend_text(&now.functions[0]), "better: mutation 71.4% → 85.7%");
        assert_eq!(change(1), (Change::Worse, false));
        assert_eq!(change(2), (Change::Same, true));
        assert_eq!(change(3), (Change::Worse, false));
        assert_eq!(trend_text(&now.functions[3]), "**worse**: mutation not measured → 85.7%");
        assert_eq!(change(4), (Change::Worse, false));
        assert_eq!(trend_text(&now.functions[4]), "**worse**: mutation 85.7% → untested");
        // A mutation check compares mutation alone: no coverage was measured.
        let mut mutation_only = report(vec![with_mutants("same", Some((6, 7)), 0)]);
        mutation_only.check = CheckKind::Mutation;
        mutation_only.functions[0].lines = Count::new(0, 0);
        mutation_only.functions[0].records = 0;
        apply_baseline(&mut mutation_only, &baseline);
        assert_eq!(mutation_only.functions[0].trend.as_ref().unwrap().change, Change::Same);
        assert_eq!(mutation_only.functions[0].trend.as_ref().unwrap().was_lines, None);
    }

    #[test]
    fn a_report_whose_failures_are_all_accepted_passes() {
        let baseline = baseline(vec![
            function("f", (5, 10), Verdict::Fail, 0),
            function("g", (9, 10), Verdict::Fail, 0),
        ]);
        let mut now =
            report(vec![function("f", (5, 10), Verdict::Fail, 0), function("g", (10, 10), Verdict::Pass, 0)]);
        apply_baseline(&mut now, &baseline);
        assert_eq!(now.verdict, Verdict::Pass);
        assert_eq!(now.functions[1].trend.as_ref().unwrap().change, Change::Better);
        assert!(!now.functions[1].trend.as_ref().unwrap().accepted, "it passes: nothing to accept");
    }

    /// Nothing to cover (0/0) is not 100 %: a function with no record ran nothing,
    /// and a function with no condition has no branch outcome to compare.
    #[test]
    fn nothing_measured_is_not_a_hundred_percent() {
        let mut unrun = function("unrun", (0, 0), Verdict::Fail, 0);
        unrun.records = 0;
        unrun.regions = Count::new(0, 0);
        unrun.branches = Some(Count::new(0, 0));
        let mut conditions = function("conditions", (5, 10), Verdict::Fail, 0);
        conditions.branches = Some(Count::new(1, 24));
        let baseline = baseline(vec![unrun.clone(), conditions]);

        let mut now_run = function("unrun", (0, 10), Verdict::Fail, 0);
        now_run.branches = Some(Count::new(0, 4));
        let mut no_conditions = function("conditions", (4, 10), Verdict::Fail, 0);
        no_conditions.branches = Some(Count::new(0, 0));
        let mut now = report(vec![now_run, no_conditions]);
        apply_baseline(&mut now, &baseline);
        // Was not run, now run by nothing that covers a line: the same 0 %.
        assert_eq!(now.functions[0].trend.as_ref().unwrap().change, Change::Same);
        assert_eq!(trend_text(&now.functions[0]), "same");
        // Worse lines, but no branch "4.2% → 100.0%" among them.
        assert_eq!(trend_text(&now.functions[1]), "**worse**: lines 50.0% → 40.0%, regions 50.0% → 40.0%");
    }

    #[test]
    fn a_mode_that_stopped_passing_or_lost_branch_data_is_worse() {
        let mut was = function("f", (5, 10), Verdict::Fail, 2);
        was.failure_modes[1].mode = "empty".into();
        let baseline = baseline(vec![was.clone()]);
        let mut swapped = was.clone();
        swapped.failure_modes[1].mode = "disk_full".into();
        swapped.failure_modes.push(ModeOutcome {
            mode: "empty".into(),
            status: ModeStatus::Missing,
            ran: None,
            ..swapped.failure_modes[0].clone()
        });
        let mut lost = was;
        lost.branches = None;
        let mut now = report(vec![swapped]);
        apply_baseline(&mut now, &baseline);
        assert_eq!(now.functions[0].trend.as_ref().unwrap().change, Change::Worse, "`empty` passed before");
        let mut now = report(vec![lost]);
        apply_baseline(&mut now, &baseline);
        assert_eq!(now.functions[0].trend.as_ref().unwrap().change, Change::Worse);
        assert_eq!(trend_text(&now.functions[0]), "**worse**: branches 50.0% → no data");
    }

    #[test]
    fn a_baseline_that_is_not_a_report_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        std::fs::write(&path, "{\"schema_version\": 1}").unwrap();
        let error = read_baseline(&path, Path::new("base.json")).unwrap_err();
        assert!(error.to_string().starts_with("base.json:1:"), "{error}");
        assert!(error.to_string().contains("not a vital json report"), "{error}");
        let mut old = report(vec![]);
        old.schema_version = 9;
        std::fs::write(&path, old.to_json()).unwrap();
        assert!(
            read_baseline(&path, Path::new("base.json"))
                .unwrap_err()
                .to_string()
                .contains("schema_version 9")
        );
        assert!(read_baseline(&dir.path().join("none"), Path::new("none")).is_err());
        let good = report(vec![function("f", (1, 2), Verdict::Fail, 0)]);
        std::fs::write(&path, good.to_json()).unwrap();
        let read = read_baseline(&path, Path::new("base.json")).unwrap();
        assert_eq!(read.functions[0].lines, Count::new(1, 2));
        // A report of an earlier vital, without `findings`, still serves.
        let mut json: serde_json::Value = serde_json::from_str(&good.to_json()).unwrap();
        json["functions"][0].as_object_mut().unwrap().remove("findings");
        assert!(parse_baseline(&json.to_string(), Path::new("base.json")).is_ok());
    }
}
