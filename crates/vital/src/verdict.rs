//! The verdict on one vital function: its tier's thresholds against its evidence.
//!
//! *Architecture invariant*: missing evidence never passes. No coverage record, no
//! branch data where branches are demanded, a failure mode without a passing test:
//! each is a failing reason, never a skipped check.

use serde::{Deserialize, Serialize};

use crate::catalogue::{BranchRule, ModesRule, Percent, TierPolicy};
use crate::evidence::{Count, Evidence};

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every gate holds.
    Pass,
    /// A gate fails.
    Fail,
}

/// What is known of a failure mode's test (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeStatus {
    /// A test exists, reaches the function, asserts, ran and passed.
    Passed,
    /// The test ran and failed.
    Failed,
    /// The test is `#[ignore]`d.
    Ignored,
    /// The test exists but no result of it was recorded.
    Unverified,
    /// The test never reaches the function, or asserts nothing.
    Hollow,
    /// No test for the mode.
    Missing,
}

/// A declared failure mode and what is known of its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModeOutcome {
    /// The mode.
    pub mode: String,
    /// The test, as `cargo test` names it, when one exists.
    pub test: Option<String>,
    /// Its status.
    pub status: ModeStatus,
    /// Where the test is (`file:line`), when it is in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why it does not count, or what to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The facts the verdict weighs.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The coverage of the function; `None` when no record lies in it.
    pub evidence: Option<&'a Evidence>,
    /// Whether the coverage has branch data at all.
    pub has_branch_data: bool,
    /// Its declared failure modes.
    pub modes: &'a [ModeOutcome],
}

/// `covered` of `total` as a percentage rounded down to one decimal, so that a
/// failing 99.95 % shows as 99.9 %, never 100.0 %.
pub fn percent(count: Count) -> String {
    if count.total == 0 {
        return "100.0%".into();
    }
    let tenths = u128::from(count.covered) * 1000 / u128::from(count.total);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn below(name: &str, count: Count, min: Option<Percent>, reasons: &mut Vec<String>) {
    if let Some(min) = min
        && !min.is_met_by(count.covered, count.total)
    {
        reasons.push(format!("{name} {} < {min}", percent(count)));
    }
}

/// The verdict on one function under `policy`, with a reason per failing gate.
pub fn judge(policy: &TierPolicy, facts: Facts<'_>) -> (Verdict, Vec<String>) {
    let mut reasons = Vec::new();
    match facts.evidence {
        None => {
            reasons.push("not in any instrumented binary: no coverage record lies in this function".into())
        }
        Some(evidence) => {
            below("lines", evidence.lines, policy.lines, &mut reasons);
            below("regions", evidence.regions, policy.regions, &mut reasons);
            if let Some(BranchRule::Min(min)) = policy.branches {
                if facts.has_branch_data {
                    below("branches", evidence.branches, Some(min), &mut reasons);
                } else {
                    reasons.push(
                        "no branch data: the coverage was produced without `--branch` \
                         (use `cargo vital run`, or set `branches = \"regions\"` for this tier)"
                            .into(),
                    );
                }
            }
        }
    }
    if policy.failure_modes == ModesRule::All {
        reasons.extend(facts.modes.iter().filter_map(mode_reason));
    }
    let verdict = if reasons.is_empty() { Verdict::Pass } else { Verdict::Fail };
    (verdict, reasons)
}

/// The verdict of `check --static`: only failure modes count, and only what the
/// source shows — a mode fails when its test is missing, hollow or ignored.
pub fn judge_static(policy: &TierPolicy, modes: &[ModeOutcome]) -> (Verdict, Vec<String>) {
    let reasons: Vec<String> = if policy.failure_modes == ModesRule::All {
        modes
            .iter()
            .filter(|m| matches!(m.status, ModeStatus::Missing | ModeStatus::Hollow | ModeStatus::Ignored))
            .filter_map(mode_reason)
            .collect()
    } else {
        Vec::new()
    };
    let verdict = if reasons.is_empty() { Verdict::Pass } else { Verdict::Fail };
    (verdict, reasons)
}

fn mode_reason(outcome: &ModeOutcome) -> Option<String> {
    let mode = &outcome.mode;
    let test = outcome.test.as_deref().unwrap_or("?");
    let detail = outcome.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
    Some(match outcome.status {
        ModeStatus::Passed => return None,
        ModeStatus::Missing => format!("failure mode `{mode}` has no test"),
        ModeStatus::Failed => format!("failure mode `{mode}`: test `{test}` failed"),
        ModeStatus::Ignored => format!("failure mode `{mode}`: test `{test}` is ignored"),
        ModeStatus::Hollow => format!("failure mode `{mode}`: test `{test}` is hollow{detail}"),
        ModeStatus::Unverified => format!("failure mode `{mode}`: test `{test}` has no recorded result"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Tier, TierPolicy};

    fn evidence(lines: (u64, u64), regions: (u64, u64), branches: (u64, u64)) -> Evidence {
        let count = |(covered, total)| Count { covered, total };
        Evidence {
            records: vec!["f".into()],
            lines: count(lines),
            regions: count(regions),
            branches: count(branches),
            uncovered_lines: Vec::new(),
            uncovered_regions: Vec::new(),
            untaken_branches: Vec::new(),
        }
    }

    fn judge_critical(
        evidence: Option<&Evidence>,
        has_branch_data: bool,
        modes: &[ModeOutcome],
    ) -> (Verdict, Vec<String>) {
        judge(&TierPolicy::default_for(Tier::Critical), Facts { evidence, has_branch_data, modes })
    }

    fn mode(status: ModeStatus, test: Option<&str>) -> ModeOutcome {
        ModeOutcome {
            mode: "disk_full".into(),
            test: test.map(str::to_string),
            status,
            location: None,
            detail: None,
        }
    }

    #[test]
    fn full_coverage_passes_the_critical_tier() {
        let e = evidence((4, 4), (8, 8), (2, 2));
        assert_eq!(judge_critical(Some(&e), true, &[]), (Verdict::Pass, vec![]));
    }

    #[test]
    fn each_metric_below_its_threshold_is_a_reason() {
        let e = evidence((9, 10), (7, 8), (1, 2));
        let (verdict, reasons) = judge_critical(Some(&e), true, &[]);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(reasons, vec!["lines 90.0% < 100%", "regions 87.5% < 100%", "branches 50.0% < 100%"]);
    }

    /// A function with no coverage record fails, whatever its tier demands.
    #[test]
    fn judge_none() {
        let (verdict, reasons) = judge_critical(None, true, &[]);
        assert_eq!(verdict, Verdict::Fail);
        assert!(reasons[0].starts_with("not in any instrumented binary"));
        // Even a tier that demands nothing of coverage.
        let lax = TierPolicy {
            lines: None,
            regions: None,
            branches: None,
            ..TierPolicy::default_for(Tier::Optional)
        };
        assert_eq!(judge(&lax, Facts { evidence: None, has_branch_data: true, modes: &[] }).0, Verdict::Fail);
    }

    /// Coverage without branch data fails tiers that demand branches, unless regions stand in.
    #[test]
    fn judge_no_branch_data() {
        let e = evidence((4, 4), (8, 8), (0, 0));
        let (verdict, reasons) = judge_critical(Some(&e), false, &[]);
        assert_eq!(verdict, Verdict::Fail);
        assert!(reasons[0].starts_with("no branch data"), "{reasons:?}");
        let policy =
            TierPolicy { branches: Some(BranchRule::Regions), ..TierPolicy::default_for(Tier::Critical) };
        let facts = Facts { evidence: Some(&e), has_branch_data: false, modes: &[] };
        assert_eq!(judge(&policy, facts), (Verdict::Pass, vec![]));
    }

    #[test]
    fn a_function_without_conditions_has_full_branch_coverage() {
        let e = evidence((4, 4), (8, 8), (0, 0));
        assert_eq!(judge_critical(Some(&e), true, &[]).0, Verdict::Pass);
    }

    #[test]
    fn every_mode_status_but_passed_fails_a_tier_that_requires_modes() {
        let e = evidence((1, 1), (1, 1), (0, 0));
        let modes = [
            mode(ModeStatus::Passed, Some("t::a")),
            mode(ModeStatus::Missing, None),
            mode(ModeStatus::Failed, Some("t::b")),
            mode(ModeStatus::Ignored, Some("t::c")),
            ModeOutcome { detail: Some("asserts nothing".into()), ..mode(ModeStatus::Hollow, Some("t::d")) },
            mode(ModeStatus::Unverified, Some("t::e")),
        ];
        let (verdict, reasons) = judge_critical(Some(&e), true, &modes);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(
            reasons,
            vec![
                "failure mode `disk_full` has no test",
                "failure mode `disk_full`: test `t::b` failed",
                "failure mode `disk_full`: test `t::c` is ignored",
                "failure mode `disk_full`: test `t::d` is hollow: asserts nothing",
                "failure mode `disk_full`: test `t::e` has no recorded result",
            ]
        );
        let optional = TierPolicy::default_for(Tier::Optional);
        let facts = Facts { evidence: Some(&e), has_branch_data: true, modes: &modes };
        assert_eq!(judge(&optional, facts).0, Verdict::Pass);
    }

    #[test]
    fn percentages_round_down() {
        let p = |covered, total| percent(Count { covered, total });
        assert_eq!(p(1999, 2000), "99.9%");
        assert_eq!(p(7, 8), "87.5%");
        assert_eq!(p(0, 0), "100.0%");
        assert_eq!(p(0, 3), "0.0%");
        assert_eq!(p(u64::MAX, u64::MAX), "100.0%");
    }
}
