//! Fail closed, proven by property: over random tiers and random removals and
//! corruptions of real-shaped evidence, the gate never passes a function whose
//! evidence is missing, partial, stale or below its threshold. Each property checks
//! vital against an oracle that counts by hand.

use std::path::Path;

use proptest::prelude::*;
use serde_json::json;

use crate::catalogue::{BranchRule, ModesRule, TierPolicy};
use crate::evidence::coverage::{Evidence, Export, join};
use crate::model::{Count, MissingCategory, ModeOutcome, ModeStatus, Percent, Verdict};
use crate::policy::{Facts, judge};
use crate::testutil::fixture;

fn percent() -> impl Strategy<Value = Option<Percent>> {
    prop_oneof![Just(None), (0u32..=10_000).prop_map(Percent::from_hundredths)]
}

fn policy() -> impl Strategy<Value = TierPolicy> {
    let branches = prop_oneof![
        Just(None),
        Just(Some(BranchRule::Regions)),
        (0u32..=10_000).prop_map(|h| Percent::from_hundredths(h).map(BranchRule::Min)),
    ];
    let modes = prop_oneof![Just(ModesRule::All), Just(ModesRule::None)];
    (percent(), percent(), branches, modes).prop_map(|(lines, regions, branches, failure_modes)| TierPolicy {
        lines,
        regions,
        branches,
        failure_modes,
        mutation: None,
        proof: crate::catalogue::Proof::PerTest,
        categories: crate::catalogue::vocabulary::Categories::NONE,
        timeouts: crate::catalogue::TimeoutRule::Missed,
        failpoints: crate::catalogue::FailpointRule::None,
    })
}

fn count() -> impl Strategy<Value = Count> {
    let pair =
        prop_oneof![(0u64..50, 0u64..50), (0u64..100_000, 0u64..100_000), (any::<u64>(), any::<u64>())];
    pair.prop_map(|(a, b)| Count { covered: a.min(b), total: a.max(b) })
}

/// A threshold `offset` hundredths of a percent from the highest one `count` meets:
/// where an off-by-one or a rounding in the comparison would show.
fn near(count: Count, offset: i64) -> Option<Percent> {
    let met = match count.total {
        0 => 10_000,
        total => u128::from(count.covered) * 10_000 / u128::from(total),
    };
    let hundredths = (i64::try_from(met).unwrap_or(10_000) + offset).clamp(0, 10_000);
    Percent::from_hundredths(u32::try_from(hundredths).unwrap_or(10_000))
}

fn status() -> impl Strategy<Value = ModeStatus> {
    prop_oneof![
        Just(ModeStatus::Passed),
        Just(ModeStatus::Failed),
        Just(ModeStatus::Ignored),
        Just(ModeStatus::Unverified),
        Just(ModeStatus::Hollow),
        Just(ModeStatus::Missing),
    ]
}

/// The oracle: `covered/total >= min`, in exact integers.
fn meets(count: Count, min: Option<Percent>) -> bool {
    min.is_none_or(|p| {
        u128::from(count.covered) * 10_000 >= u128::from(p.hundredths()) * u128::from(count.total)
    })
}

proptest! {
    #[test]
    fn judge_never_passes_missing_partial_or_low_evidence(
        policy in policy(),
        evidence in proptest::option::of((count(), count(), count())),
        has_branch_data in any::<bool>(),
        statuses in proptest::collection::vec(status(), 0..4),
        snap in proptest::array::uniform3(proptest::option::of(-2i64..=2)),
        missing_categories in 0usize..3,
    ) {
        let evidence = evidence.map(|(lines, regions, branches)| Evidence { lines, regions, branches, ..Evidence::default() });
        // Half the time, a threshold right at the edge of what the evidence meets.
        let mut policy = policy;
        if let Some(e) = &evidence {
            if let (Some(d), Some(_)) = (snap[0], policy.lines) {
                policy.lines = near(e.lines, d);
            }
            if let (Some(d), Some(_)) = (snap[1], policy.regions) {
                policy.regions = near(e.regions, d);
            }
            if let (Some(d), Some(BranchRule::Min(_))) = (snap[2], policy.branches) {
                policy.branches = near(e.branches, d).map(BranchRule::Min);
            }
        }
        let modes: Vec<ModeOutcome> = statuses
            .iter()
            .enumerate()
            .map(|(i, &status)| ModeOutcome {
                mode: format!("m{i}"),
                test: None,
                status,
                ran: None,
                location: None,
                detail: None,
                category: None,
            })
            .collect();
        let missing: Vec<MissingCategory> = crate::catalogue::vocabulary::Category::ALL[..missing_categories]
            .iter()
            .map(|&c| MissingCategory::new(crate::catalogue::Tier::Critical, "f", c, c.default_mode(), "t"))
            .collect();
        let facts = Facts {
            evidence: evidence.as_ref(),
            has_branch_data,
            modes: &modes,
            missing_categories: &missing,
            features: &[],
            mutation: None,
            failpoints: &[],
            pinned_failpoints: &[],
        };
        let (verdict, reasons) = judge(&policy, facts);
        let oracle = evidence.as_ref().is_some_and(|e| {
            meets(e.lines, policy.lines)
                && meets(e.regions, policy.regions)
                && match policy.branches {
                    Some(BranchRule::Min(min)) => has_branch_data && meets(e.branches, Some(min)),
                    _ => true,
                }
        }) && (policy.failure_modes == ModesRule::None || statuses.iter().all(|&s| s == ModeStatus::Passed))
            && missing.is_empty();
        prop_assert_eq!(verdict == Verdict::Pass, oracle, "reasons: {:?}", reasons);
        prop_assert_eq!(reasons.is_empty(), verdict == Verdict::Pass);
    }
}

/// `f` with its closure; its records cover every region and branch outcome.
const LIB: &str = "pub fn f(x: u32) -> u32 {
    let c = |y: u32| if y > 1 { y } else { 0 };
    c(x)
}
";

/// (line, col, end_line, end_col) of each region of `f`'s record, then the closure's.
const F_REGIONS: [(u64, u64, u64, u64); 4] = [(1, 1, 1, 24), (2, 9, 2, 10), (3, 5, 3, 9), (4, 1, 4, 2)];
const CLOSURE_REGIONS: [(u64, u64, u64, u64); 3] = [(2, 25, 2, 30), (2, 33, 2, 34), (2, 44, 2, 45)];
const BRANCH: (u64, u64, u64, u64) = (2, 25, 2, 30);

/// A region with its count: (line, col, end_line, end_col, count).
type CountedRegion = (u64, u64, u64, u64, u64);

/// What a test case does to the evidence.
#[derive(Debug, Clone)]
enum Corruption {
    /// Drop record 0 (`f`) or 1 (the closure).
    RemoveRecord(usize),
    /// Set a region's count to 0.
    ZeroRegion(usize, usize),
    /// Set one outcome of the closure's branch to 0.
    ZeroOutcome(bool),
    /// Remove all branch data.
    DropBranches,
    /// Move a record's regions down by some lines, as if the file had changed.
    Shift(usize, u64),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        (0usize..2).prop_map(Corruption::RemoveRecord),
        (0usize..2, 0usize..4).prop_map(|(r, i)| Corruption::ZeroRegion(r, i)),
        any::<bool>().prop_map(Corruption::ZeroOutcome),
        Just(Corruption::DropBranches),
        (0usize..2, 1u64..3).prop_map(|(r, d)| Corruption::Shift(r, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn the_gate_never_passes_evidence_that_was_removed_corrupted_or_is_below_the_tier(
        policy in policy().prop_map(|p| TierPolicy { failure_modes: ModesRule::None, ..p }),
        corruptions in proptest::collection::vec(corruption(), 0..4),
    ) {
        let fx = fixture(&[("src/lib.rs", LIB)]);
        let lib = fx.root.join("src/lib.rs").display().to_string();
        // Counts: every region ran; the branch took both outcomes.
        let mut regions: [Vec<CountedRegion>; 2] = [
            F_REGIONS.iter().map(|&(a, b, c, d)| (a, b, c, d, 2)).collect(),
            CLOSURE_REGIONS.iter().map(|&(a, b, c, d)| (a, b, c, d, 1)).collect(),
        ];
        let mut outcomes = (1u64, 1u64);
        let (mut present, mut branches, mut moved) = ([true, true], true, [false, false]);
        for c in &corruptions {
            match *c {
                Corruption::RemoveRecord(r) => present[r] = false,
                Corruption::ZeroRegion(r, i) => {
                    if let Some(region) = regions[r].get_mut(i) {
                        region.4 = 0;
                    }
                }
                Corruption::ZeroOutcome(true) => outcomes.0 = 0,
                Corruption::ZeroOutcome(false) => outcomes.1 = 0,
                Corruption::DropBranches => branches = false,
                Corruption::Shift(r, d) => {
                    for region in &mut regions[r] {
                        region.0 += d;
                        region.2 += d;
                    }
                    moved[r] = true;
                }
            }
        }
        let record = |name: &str, rs: &[CountedRegion], bs: Vec<serde_json::Value>| {
            let regions: Vec<_> = rs.iter().map(|&(a, b, c, d, n)| json!([a, b, c, d, n, 0, 0, 0])).collect();
            json!({"name": name, "count": 1, "filenames": [lib], "regions": regions, "branches": bs})
        };
        let branch = json!([BRANCH.0, BRANCH.1, BRANCH.2, BRANCH.3, outcomes.0, outcomes.1, 0, 0, 4]);
        let mut functions = Vec::new();
        if present[0] {
            functions.push(record("f", &regions[0], Vec::new()));
        }
        if present[1] {
            functions.push(record("f::{closure#0}", &regions[1], if branches { vec![branch] } else { Vec::new() }));
        }
        let shifted = (0..2).any(|r| present[r] && moved[r]);
        let doc = json!({"data": [{"functions": functions}], "type": "llvm.coverage.json.export", "version": "3.1.0"});
        let export = Export::from_slice(doc.to_string().as_bytes(), Path::new("cov.json"), &|_| true).unwrap();
        let has_branch_data = export.has_branch_data;
        let f = fx.func("f");
        let joined = join(&fx.index, &fx.root, &[f], std::slice::from_ref(&export));
        let passed = match &joined {
            Err(_) => false,
            Ok(evidence) => {
                let facts = Facts {
                    evidence: evidence[0].as_ref(),
                    has_branch_data,
                    modes: &[],
                    missing_categories: &[],
                    features: &[],
                    mutation: None,
                    failpoints: &[],
                    pinned_failpoints: &[],
                };
                judge(&policy, facts).0 == Verdict::Pass
            }
        };

        // The oracle: what the evidence shows, counted by hand.
        let kept: Vec<&CountedRegion> =
            (0..2).filter(|&r| present[r]).flat_map(|r| regions[r].iter()).collect();
        let region_count = Count {
            covered: kept.iter().filter(|r| r.4 > 0).count() as u64,
            total: kept.len() as u64,
        };
        let mut lines: Vec<(u64, bool)> = Vec::new();
        for r in &kept {
            match lines.iter_mut().find(|l| l.0 == r.0) {
                Some(line) => line.1 |= r.4 > 0,
                None => lines.push((r.0, r.4 > 0)),
            }
        }
        let line_count = Count { covered: lines.iter().filter(|l| l.1).count() as u64, total: lines.len() as u64 };
        let branch_count = if present[1] && branches {
            Count { covered: u64::from(outcomes.0 > 0) + u64::from(outcomes.1 > 0), total: 2 }
        } else {
            Count::default()
        };
        let evidence_whole = present[0] && !shifted;
        let oracle = evidence_whole
            && meets(line_count, policy.lines)
            && meets(region_count, policy.regions)
            && match policy.branches {
                Some(BranchRule::Min(min)) => has_branch_data && meets(branch_count, Some(min)),
                _ => true,
            };
        prop_assert!(!passed || oracle, "passed without its evidence: {:?} {:?}", corruptions, joined);
        prop_assert_eq!(passed, oracle, "{:?} {:?}", corruptions, joined);
        if shifted {
            prop_assert!(joined.is_err(), "shifted records are stale: {:?}", corruptions);
        }
    }
}
