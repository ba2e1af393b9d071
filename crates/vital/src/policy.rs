//! The policy: a tier's thresholds against a function's evidence, and the typed
//! [`Reason`] for each gate that does not hold.
//!
//! *Architecture invariant*: missing evidence never passes. No coverage record, no
//! branch data where branches are demanded, a failure mode without a passing test,
//! a required failure-mode category declared by no mode and not waived: each is a
//! failing reason, never a skipped check.

use crate::catalogue::{BranchRule, FailpointRule, ModesRule, TierPolicy, TimeoutRule};
use crate::evidence::coverage::Evidence;
use crate::evidence::mutants::{MutantStatus, MutationEvidence};
use crate::model::{
    Count, FailpointOutcome, FailpointStatus, Metric, MissingCategory, ModeOutcome, ModeStatus, Percent,
    Reason, Verdict,
};

/// The facts the verdict weighs.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The coverage of the function; `None` when no record lies in it.
    pub evidence: Option<&'a Evidence>,
    /// Whether the coverage has branch data at all.
    pub has_branch_data: bool,
    /// Its declared failure modes.
    pub modes: &'a [ModeOutcome],
    /// The categories its tier requires that its modes do not cover and its entry
    /// does not waive (`Catalogue::missing_categories`), with the mode to add.
    pub missing_categories: &'a [MissingCategory],
    /// The cargo features the function is compiled only with (its `#[cfg]`s).
    pub features: &'a [String],
    /// Its mutants, when mutation results were given.
    pub mutation: Option<&'a MutationEvidence>,
    /// Its failpoints, as the evidence shows them.
    pub failpoints: &'a [FailpointOutcome],
    /// The failpoints its failure modes are pinned to.
    pub pinned_failpoints: &'a [String],
}

fn below(metric: Metric, count: Count, min: Option<Percent>, reasons: &mut Vec<Reason>) {
    if let Some(min) = min
        && !min.is_met_by(count.covered, count.total)
    {
        reasons.push(Reason::BelowThreshold { metric, count, min });
    }
}

/// The verdict on one function under `policy`, with a reason per failing gate.
pub fn judge(policy: &TierPolicy, facts: Facts<'_>) -> (Verdict, Vec<Reason>) {
    let mut reasons = Vec::new();
    match facts.evidence {
        None if !facts.features.is_empty() => {
            reasons.push(Reason::NotCompiled { features: facts.features.to_vec() })
        }
        None => reasons.push(Reason::NotInstrumented),
        Some(evidence) => {
            below(Metric::Lines, evidence.lines, policy.lines, &mut reasons);
            below(Metric::Regions, evidence.regions, policy.regions, &mut reasons);
            if let Some(BranchRule::Min(min)) = policy.branches {
                if facts.has_branch_data {
                    below(Metric::Branches, evidence.branches, Some(min), &mut reasons);
                } else {
                    reasons.push(Reason::NoBranchData);
                }
            }
        }
    }
    if policy.failure_modes == ModesRule::All {
        reasons.extend(
            facts.modes.iter().filter(|m| m.status != ModeStatus::Passed).cloned().map(Reason::FailureMode),
        );
    }
    reasons.extend(facts.missing_categories.iter().cloned().map(Reason::CategoryMissing));
    failpoint_reasons(policy, facts.failpoints, facts.pinned_failpoints, &mut reasons);
    mutation_reasons(policy, facts.mutation, &mut reasons);
    (verdict_of(&reasons), reasons)
}

/// The tier's `failpoints` gate (SPEC §9): every site (`all`) or the pinned ones
/// (`declared`) must have been fired by a passing test; one nothing can show
/// firing fails too.
fn failpoint_reasons(
    policy: &TierPolicy,
    failpoints: &[FailpointOutcome],
    pinned: &[String],
    reasons: &mut Vec<Reason>,
) {
    for fp in failpoints {
        let demanded = match policy.failpoints {
            FailpointRule::All => true,
            FailpointRule::Declared => pinned.contains(&fp.name),
            FailpointRule::None => false,
        };
        match fp.status {
            _ if !demanded => {}
            FailpointStatus::Fired => {}
            FailpointStatus::NeverFired => reasons.push(Reason::FailpointNeverFired(fp.clone())),
            FailpointStatus::Unknown => reasons.push(Reason::FailpointUnknown(fp.clone())),
        }
    }
}

/// The verdict of a mutation check (`cargo vital mutants`): the tier's `mutation`
/// gate alone.
pub fn judge_mutation(policy: &TierPolicy, mutation: &MutationEvidence) -> (Verdict, Vec<Reason>) {
    let mut reasons = Vec::new();
    mutation_reasons(policy, Some(mutation), &mut reasons);
    (verdict_of(&reasons), reasons)
}

/// The tier's `mutation` gate (SPEC §8), when mutation results were given: mutants
/// without an outcome fail it; below the threshold, each surviving mutant is a
/// reason. Acknowledged survivors and unviable mutants are not counted; a timeout
/// is not a catch unless the tier says `timeouts = "caught"`.
fn mutation_reasons(policy: &TierPolicy, mutation: Option<&MutationEvidence>, reasons: &mut Vec<Reason>) {
    let (Some(mutation), Some(min)) = (mutation, policy.mutation) else { return };
    let untested = mutation.count(MutantStatus::Untested);
    if untested > 0 {
        reasons.push(Reason::MutantsUntested { untested, total: mutation.mutants.len() });
    }
    let score = mutation.score(policy.timeouts);
    if !min.is_met_by(score.covered, score.total) {
        reasons.push(Reason::MutationBelowThreshold { score, min });
        for joined in &mutation.mutants {
            if joined.is_acknowledged() {
                continue;
            }
            match joined.status {
                MutantStatus::Missed => reasons.push(Reason::MutantMissed(joined.mutant.clone())),
                MutantStatus::Timeout if policy.timeouts == TimeoutRule::Missed => {
                    reasons.push(Reason::MutantTimeout(joined.mutant.clone()));
                }
                _ => {}
            }
        }
    }
}

/// The verdict of `check --static`: only failure modes and their categories count,
/// and only what the source shows — a mode fails when its test is missing, hollow
/// or ignored.
pub fn judge_static(
    policy: &TierPolicy,
    modes: &[ModeOutcome],
    missing_categories: &[MissingCategory],
) -> (Verdict, Vec<Reason>) {
    let mut reasons: Vec<Reason> = if policy.failure_modes == ModesRule::All {
        modes.iter().filter(|m| !m.status.counts_statically()).cloned().map(Reason::FailureMode).collect()
    } else {
        Vec::new()
    };
    reasons.extend(missing_categories.iter().cloned().map(Reason::CategoryMissing));
    (verdict_of(&reasons), reasons)
}

fn verdict_of(reasons: &[Reason]) -> Verdict {
    if reasons.is_empty() { Verdict::Pass } else { Verdict::Fail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Tier, TierPolicy};

    fn texts(reasons: &[Reason]) -> Vec<String> {
        reasons.iter().map(ToString::to_string).collect()
    }

    fn evidence(lines: (u64, u64), regions: (u64, u64), branches: (u64, u64)) -> Evidence {
        let count = |(covered, total)| Count::new(covered, total);
        Evidence {
            records: vec!["f".into()],
            lines: count(lines),
            regions: count(regions),
            branches: count(branches),
            uncovered_lines: Vec::new(),
            uncovered_regions: Vec::new(),
            untaken_branches: Vec::new(),
            code_regions: Vec::new(),
        }
    }

    fn judge_critical(
        evidence: Option<&Evidence>,
        has_branch_data: bool,
        modes: &[ModeOutcome],
    ) -> (Verdict, Vec<String>) {
        let (verdict, reasons) = judge(
            &TierPolicy::default_for(Tier::Critical),
            Facts {
                evidence,
                has_branch_data,
                modes,
                missing_categories: &[],
                features: &[],
                mutation: None,
                failpoints: &[],
                pinned_failpoints: &[],
            },
        );
        (verdict, texts(&reasons))
    }

    fn mode(status: ModeStatus, test: Option<&str>) -> ModeOutcome {
        ModeOutcome {
            mode: "disk_full".into(),
            test: test.map(str::to_string),
            status,
            ran: None,
            location: None,
            detail: None,
            category: None,
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
        let policy = TierPolicy::default_for(Tier::Critical);
        let facts = Facts {
            evidence: None,
            has_branch_data: true,
            modes: &[],
            missing_categories: &[],
            features: &[],
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
        assert_eq!(judge(&policy, facts), (Verdict::Fail, vec![Reason::NotInstrumented]));
        let (_, reasons) = judge_critical(None, true, &[]);
        assert!(reasons[0].starts_with("not in any instrumented binary"));
        // Even a tier that demands nothing of coverage.
        let lax = TierPolicy {
            lines: None,
            regions: None,
            branches: None,
            ..TierPolicy::default_for(Tier::Optional)
        };
        assert_eq!(
            judge(
                &lax,
                Facts {
                    evidence: None,
                    has_branch_data: true,
                    modes: &[],
                    missing_categories: &[],
                    features: &[],
                    mutation: None,
                    failpoints: &[],
                    pinned_failpoints: &[],
                }
            )
            .0,
            Verdict::Fail
        );
    }

    /// A function with no record that is compiled only with features fails as not
    /// compiled, naming them.
    #[test]
    fn judge_not_compiled() {
        let policy = TierPolicy::default_for(Tier::Optional);
        let features = ["legacy".to_string(), "serde".to_string()];
        let facts = Facts {
            evidence: None,
            has_branch_data: true,
            modes: &[],
            missing_categories: &[],
            features: &features,
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
        let (verdict, reasons) = judge(&policy, facts);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(reasons, vec![Reason::NotCompiled { features: features.to_vec() }]);
        assert_eq!(
            reasons[0].to_string(),
            "not compiled in the coverage run: no coverage record lies in this function, which is compiled only \
             with features `legacy`, `serde`"
        );
        // With a record, its features do not matter.
        let e = evidence((4, 4), (8, 8), (2, 2));
        let facts = Facts { evidence: Some(&e), features: &features, ..facts };
        assert_eq!(judge(&policy, facts), (Verdict::Pass, vec![]));
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
        let facts = Facts {
            evidence: Some(&e),
            has_branch_data: false,
            modes: &[],
            missing_categories: &[],
            features: &[],
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
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
        let facts = Facts {
            evidence: Some(&e),
            has_branch_data: true,
            modes: &modes,
            missing_categories: &[],
            features: &[],
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
        assert_eq!(judge(&optional, facts).0, Verdict::Pass);
    }

    fn mutants(statuses: &[(MutantStatus, Option<&str>)]) -> MutationEvidence {
        let mutants = statuses
            .iter()
            .enumerate()
            .map(|(i, &(status, pin))| crate::evidence::mutants::JoinedMutant {
                mutant: crate::model::Mutant {
                    name: format!("src/lib.rs:{}:5: replace < with <= in f", i + 1),
                    description: "replace < with <= in f".into(),
                    genre: "BinaryOperator".into(),
                    file: "src/lib.rs".into(),
                    line: u32::try_from(i + 1).unwrap(),
                    column: 5,
                    end_line: u32::try_from(i + 1).unwrap(),
                    end_column: 6,
                    replacement: "<=".into(),
                    original: "<".into(),
                },
                status,
                acknowledged: pin.map(str::to_string),
            })
            .collect();
        MutationEvidence { mutants }
    }

    /// SPEC §8: 27 caught, 1 missed, 3 acknowledged → 27/28; unviable not counted.
    #[test]
    fn the_mutation_score_leaves_acknowledged_and_unviable_mutants_out() {
        use MutantStatus::*;
        let mut statuses = vec![(Caught, None); 27];
        statuses.push((Missed, None));
        statuses.extend([(Missed, Some("equivalent")); 3]);
        statuses.push((Unviable, None));
        let m = mutants(&statuses);
        let critical = TierPolicy::default_for(Tier::Critical);
        let (verdict, reasons) = judge_mutation(&critical, &m);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(texts(&reasons)[0], "mutation score 96.4% < 100% (27 of 28 mutants caught)");
        assert_eq!(
            texts(&reasons)[1],
            "no test fails when `<` becomes `<=` at src/lib.rs:28:5",
            "each surviving mutant is a reason"
        );
        assert_eq!(reasons.len(), 2);
        let essential = TierPolicy::default_for(Tier::Essential);
        assert_eq!(judge_mutation(&essential, &m), (Verdict::Pass, vec![]), "96.4% meets 90%");
        let optional = TierPolicy::default_for(Tier::Optional);
        assert_eq!(
            judge_mutation(&optional, &mutants(&[(Missed, None)])).0,
            Verdict::Pass,
            "no `mutation` key"
        );
    }

    /// A timeout is not a catch unless the tier says so; an untested mutant fails.
    #[test]
    fn timeouts_count_as_the_tier_says_and_untested_mutants_fail() {
        use MutantStatus::*;
        let critical = TierPolicy::default_for(Tier::Critical);
        let m = mutants(&[(Caught, None), (Timeout, None)]);
        let (verdict, reasons) = judge_mutation(&critical, &m);
        assert_eq!(verdict, Verdict::Fail);
        assert!(matches!(reasons[1], Reason::MutantTimeout(_)), "{reasons:?}");
        assert!(texts(&reasons)[1].starts_with("the tests time out when `<` becomes `<=` at src/lib.rs:2:5"));
        let caught = TierPolicy { timeouts: TimeoutRule::Caught, ..critical };
        assert_eq!(judge_mutation(&caught, &m), (Verdict::Pass, vec![]));
        let (verdict, reasons) = judge_mutation(&critical, &mutants(&[(Caught, None), (Untested, None)]));
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(
            reasons,
            [Reason::MutantsUntested { untested: 1, total: 2 }],
            "1/1 caught, but one untested"
        );
        // An untested mutant that is acknowledged need not be tested.
        assert_eq!(
            judge_mutation(&critical, &mutants(&[(Caught, None), (Untested, Some("eq"))])).0,
            Verdict::Pass
        );
        // No mutants at all: nothing to catch.
        assert_eq!(judge_mutation(&critical, &mutants(&[])).0, Verdict::Pass);
        // With coverage, the mutation gate adds its reasons.
        let e = evidence((1, 1), (1, 1), (0, 0));
        let mutation = mutants(&[(Missed, None)]);
        let facts = Facts {
            evidence: Some(&e),
            has_branch_data: true,
            modes: &[],
            missing_categories: &[],
            features: &[],
            mutation: Some(&mutation),
            failpoints: &[],
            pinned_failpoints: &[],
        };
        let (verdict, reasons) = judge(&critical, facts);
        assert_eq!((verdict, reasons.len()), (Verdict::Fail, 2));
    }

    /// Statically, a test that exists and counts is fine; missing, hollow and
    /// ignored ones are reasons, each carrying its own mode.
    #[test]
    fn the_static_verdict_keeps_each_reason_with_its_mode() {
        let named =
            |mode: &str, status| ModeOutcome { mode: mode.into(), ..self::mode(status, Some("t::x")) };
        let modes = [
            named("empty", ModeStatus::Unverified),
            named("disk_full", ModeStatus::Missing),
            named("concurrent", ModeStatus::Hollow),
        ];
        let (verdict, reasons) = judge_static(&TierPolicy::default_for(Tier::Critical), &modes, &[]);
        assert_eq!(verdict, Verdict::Fail);
        let kept: Vec<&str> = reasons
            .iter()
            .map(|r| match r {
                Reason::FailureMode(m) => m.mode.as_str(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kept, ["disk_full", "concurrent"]);
        assert_eq!(judge_static(&TierPolicy::default_for(Tier::Optional), &modes, &[]).0, Verdict::Pass);
    }

    /// A missing category fails the function in a coverage check and in a static
    /// one, whatever its coverage and its modes' tests.
    #[test]
    fn a_missing_category_fails_every_check() {
        use crate::catalogue::vocabulary::Category;
        let missing = [MissingCategory::new(Tier::Essential, "f", Category::Input, "boundary", "f_boundary")];
        let e = evidence((4, 4), (8, 8), (2, 2));
        let policy = TierPolicy::default_for(Tier::Essential);
        let facts = Facts {
            evidence: Some(&e),
            has_branch_data: true,
            modes: &[],
            missing_categories: &missing,
            features: &[],
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
        let (verdict, reasons) = judge(&policy, facts);
        assert_eq!(verdict, Verdict::Fail);
        assert_eq!(reasons, [Reason::CategoryMissing(missing[0].clone())]);
        let (verdict, reasons) = judge_static(&policy, &[], &missing);
        assert_eq!((verdict, reasons.len()), (Verdict::Fail, 1));
        let facts = Facts { missing_categories: &[], ..facts };
        assert_eq!(judge(&policy, facts), (Verdict::Pass, vec![]));
    }
}
