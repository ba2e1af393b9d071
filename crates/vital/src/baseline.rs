//! Baselines: how a team adopts vital on code that does not meet its tiers yet.
//!
//! `--baseline FILE` takes an earlier `json` report. Each function is compared with
//! its entry there (matched by the function it resolved to, else by its catalogue
//! path): a measure that went down (a coverage fraction, the failure modes with a
//! passing test, the verdict) makes it *worse*; one that went up, with none down,
//! *better*. A function that fails its tier but is not worse than in the baseline is
//! *accepted*: it is reported, and does not fail the gate. New functions and
//! functions that got worse are gated as usual.

use std::path::Path;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::evidence::Count;
use crate::report::{Change, FunctionReport, Report, SCHEMA_VERSION, Trend};
use crate::verdict::{ModeStatus, Verdict};

/// Reads a baseline report.
pub fn read_baseline(path: &Path, display: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Error::io(ErrorKind::Coverage, display, &err)
            .with_help("write one with `cargo vital check --format json --output FILE` on the main branch")
    })?;
    let report: Report = serde_json::from_str(&text).map_err(|err| {
        Error::new(
            ErrorKind::Coverage,
            Some(Location::at(display, err.line(), err.column())),
            format!("the baseline is not a vital json report ({err})"),
        )
        .with_help("a baseline is the output of `cargo vital check --format json`")
    })?;
    if report.schema_version != SCHEMA_VERSION {
        return Err(Error::new(
            ErrorKind::Coverage,
            Some(Location::file(display)),
            format!(
                "the baseline has schema_version {}, this vital reads {SCHEMA_VERSION}",
                report.schema_version
            ),
        ));
    }
    Ok(report)
}

/// `covered/total` compared exactly, `None` totals counting as 100 %.
fn compare(now: Count, was: Count) -> std::cmp::Ordering {
    let ratio =
        |c: Count| if c.total == 0 { (1u128, 1u128) } else { (u128::from(c.covered), u128::from(c.total)) };
    let ((a, b), (c, d)) = (ratio(now), ratio(was));
    (a * d).cmp(&(c * b))
}

fn modes_passed(f: &FunctionReport) -> usize {
    f.failure_modes.iter().filter(|m| m.status == ModeStatus::Passed).count()
}

/// How `now` changed from `was`.
fn change(now: &FunctionReport, was: &FunctionReport) -> Change {
    use std::cmp::Ordering::{Greater, Less};
    let mut orders = vec![
        compare(now.lines, was.lines),
        compare(now.regions, was.regions),
        modes_passed(now).cmp(&modes_passed(was)),
        // pass > fail
        (now.verdict == Verdict::Pass).cmp(&(was.verdict == Verdict::Pass)),
        // Fewer reasons to fail is better.
        was.reasons.len().cmp(&now.reasons.len()),
    ];
    if let (Some(now_b), Some(was_b)) = (now.branches, was.branches) {
        orders.push(compare(now_b, was_b));
    }
    if orders.contains(&Less) {
        Change::Worse
    } else if orders.contains(&Greater) {
        Change::Better
    } else {
        Change::Same
    }
}

/// Compares `report` with `baseline`: sets each function's trend, accepts failing
/// functions that got no worse, and recomputes the verdict.
pub fn apply_baseline(report: &mut Report, baseline: &Report) {
    for function in &mut report.functions {
        let was = baseline
            .functions
            .iter()
            .find(|b| b.resolved == function.resolved)
            .or_else(|| baseline.functions.iter().find(|b| b.function == function.function));
        function.trend = Some(match was {
            None => Trend {
                change: Change::New,
                was_verdict: None,
                was_lines: None,
                was_regions: None,
                was_branches: None,
                was_modes_passed: None,
                accepted: false,
            },
            Some(was) => {
                let change = change(function, was);
                Trend {
                    change,
                    was_verdict: Some(was.verdict),
                    was_lines: Some(was.lines),
                    was_regions: Some(was.regions),
                    was_branches: was.branches,
                    was_modes_passed: Some(modes_passed(was)),
                    accepted: function.verdict == Verdict::Fail && change != Change::Worse,
                }
            }
        });
    }
    report.recompute();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Tier;
    use crate::report::{FunctionSpan, Thresholds};
    use crate::verdict::ModeOutcome;

    fn function(name: &str, lines: (u64, u64), verdict: Verdict, passed_modes: usize) -> FunctionReport {
        let count = |(covered, total)| Count { covered, total };
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
                    location: None,
                    detail: None,
                })
                .collect(),
            verdict,
            reasons: if verdict == Verdict::Fail { vec!["lines below".into()] } else { Vec::new() },
            records: 1,
            record_names: Vec::new(),
            uncovered_lines: Vec::new(),
            uncovered_regions: Vec::new(),
            untaken_branches: Vec::new(),
            span: FunctionSpan::default(),
            thresholds: Thresholds::default(),
            trend: None,
            excerpt: None,
        }
    }

    fn report(functions: Vec<FunctionReport>) -> Report {
        Report::new(functions, Vec::new(), None, Vec::new())
    }

    #[test]
    fn functions_no_worse_than_the_baseline_are_accepted_and_others_gated() {
        let baseline = report(vec![
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
        assert_eq!(trend(1).was_lines, Some(Count { covered: 5, total: 10 }));
        assert_eq!((trend(2).change, trend(2).accepted), (Change::Worse, false));
        assert_eq!((trend(3).change, trend(3).accepted), (Change::Worse, false));
        assert_eq!((trend(4).change, trend(4).accepted), (Change::New, false));
        assert_eq!(now.summary.accepted, 2);
        assert_eq!(now.verdict, Verdict::Fail);
    }

    #[test]
    fn a_report_whose_failures_are_all_accepted_passes() {
        let baseline =
            report(vec![function("f", (5, 10), Verdict::Fail, 0), function("g", (9, 10), Verdict::Fail, 0)]);
        let mut now =
            report(vec![function("f", (5, 10), Verdict::Fail, 0), function("g", (10, 10), Verdict::Pass, 0)]);
        apply_baseline(&mut now, &baseline);
        assert_eq!(now.verdict, Verdict::Pass);
        assert_eq!(now.functions[1].trend.as_ref().unwrap().change, Change::Better);
        assert!(!now.functions[1].trend.as_ref().unwrap().accepted, "it passes: nothing to accept");
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
        assert_eq!(read_baseline(&path, Path::new("base.json")).unwrap(), good);
    }
}
