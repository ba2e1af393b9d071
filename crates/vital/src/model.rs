//! The values every layer shares: measures ([`Count`], [`Percent`]), verdicts, the
//! status of a failure mode's test, and the typed [`Reason`]s a function fails for.
//!
//! These are the words of the report's JSON (SPEC §5): evidence sources produce
//! them, the policy weighs them, the renderers `match` on them. Text is made only at
//! the edge, by each renderer; a new kind of evidence is a new [`Reason`] variant,
//! which no renderer compiles without handling.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::catalogue::Tier;
use crate::catalogue::vocabulary::Category;

/// Covered of total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Count {
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
}

impl Count {
    /// `covered` of `total`.
    pub const fn new(covered: u64, total: u64) -> Count {
        Count { covered, total }
    }

    /// As a percentage rounded down to one decimal, so that a failing 99.95 % shows
    /// as 99.9 %, never 100.0 %; `100.0%` when there is nothing to cover.
    pub fn percent(self) -> String {
        if self.total == 0 {
            return "100.0%".into();
        }
        let tenths = u128::from(self.covered) * 1000 / u128::from(self.total);
        format!("{}.{}%", tenths / 10, tenths % 10)
    }

    /// Compares two fractions exactly (no floating point); `None` when either has
    /// nothing to cover.
    pub fn cmp_ratio(self, other: Count) -> Option<std::cmp::Ordering> {
        if self.total == 0 || other.total == 0 {
            return None;
        }
        let a = u128::from(self.covered) * u128::from(other.total);
        let b = u128::from(other.covered) * u128::from(self.total);
        Some(a.cmp(&b))
    }
}

/// A percentage threshold, kept in hundredths of a percent so that comparisons are
/// exact integer arithmetic (`92.5` is `9250`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    /// 100 %.
    pub const FULL: Percent = Percent(10_000);

    /// From hundredths of a percent (`0..=10_000`).
    pub fn from_hundredths(hundredths: u32) -> Option<Percent> {
        (hundredths <= 10_000).then_some(Percent(hundredths))
    }

    /// From a whole percentage (`0..=100`).
    pub fn from_whole(percent: u32) -> Option<Percent> {
        percent.checked_mul(100).and_then(Percent::from_hundredths)
    }

    /// Hundredths of a percent.
    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// How far `count` is below this threshold, in hundredths of a percent, rounded
    /// up (0 when it meets it).
    pub fn shortfall(self, count: Count) -> u32 {
        if count.total == 0 {
            return 0;
        }
        let need = u128::from(self.0) * u128::from(count.total);
        let have = u128::from(count.covered) * 10_000;
        let short = need.saturating_sub(have).div_ceil(u128::from(count.total));
        u32::try_from(short).unwrap_or(u32::MAX)
    }

    /// Whether `covered` of `total` reaches this threshold. Exact: no floating point.
    /// Nothing to cover (`total == 0`) reaches every threshold.
    pub fn is_met_by(self, covered: u64, total: u64) -> bool {
        u128::from(covered) * 10_000 >= u128::from(self.0) * u128::from(total)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}%"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}%", f10 / 10),
            _ => write!(f, "{whole}.{frac:02}%"),
        }
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a percentage from 0 to 100")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Percent, E> {
                u32::try_from(v).ok().and_then(Percent::from_whole).ok_or_else(|| {
                    E::custom(format!("{v} is not a percentage: write a number from 0 to 100"))
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Percent, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Percent, E> {
                let hundredths = v * 100.0;
                if !(0.0..=10_000.0).contains(&hundredths) || hundredths.fract().abs() > 1e-6 {
                    return Err(E::custom(format!(
                        "{v} is not a percentage with at most two decimals: write a number from 0 to 100"
                    )));
                }
                // In range and integral after the check above: the cast is exact.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                Ok(Percent(hundredths.round() as u32))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Percent {
    /// As a number of percent (`92.5`), as `vital.toml` writes it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(f64::from(self.0) / 100.0)
    }
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every gate holds.
    Pass,
    /// A gate fails.
    Fail,
}

impl Verdict {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// What is known of a failure mode's test (SPEC §2, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ModeStatus {
    /// A test exists, reaches the function, asserts, ran and passed.
    Passed,
    /// The test ran and failed.
    Failed,
    /// The test is `#[ignore]`d, or was skipped.
    Ignored,
    /// The test exists but no result of it was recorded.
    Unverified,
    /// The test never reaches the function, or asserts nothing.
    Hollow,
    /// No test for the mode.
    Missing,
}

impl ModeStatus {
    /// The lowercase name of the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ModeStatus::Passed => "passed",
            ModeStatus::Failed => "failed",
            ModeStatus::Ignored => "ignored",
            ModeStatus::Unverified => "unverified",
            ModeStatus::Hollow => "hollow",
            ModeStatus::Missing => "missing",
        }
    }

    /// Whether the source alone shows a test that counts (`check --static`): it
    /// exists, is not ignored and is not hollow; whether it ran is not known.
    pub fn counts_statically(self) -> bool {
        matches!(self, ModeStatus::Passed | ModeStatus::Failed | ModeStatus::Unverified)
    }
}

/// A declared failure mode and what is known of its test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModeOutcome {
    /// The mode.
    pub mode: String,
    /// The test, as `cargo test` names it, when one exists.
    pub test: Option<String>,
    /// Its status.
    pub status: ModeStatus,
    /// Whether the test's own coverage shows it ran the function (and the region the
    /// mode is pinned to): `None` when no per-test evidence was recorded (SPEC §7).
    #[serde(default)]
    pub ran: Option<bool>,
    /// Where the test is (`file:line`), when it is in the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why it does not count, or what to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Its category: the vocabulary's, or the catalogue's `[modes.NAME]`; `None`
    /// for a custom mode without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
}

/// What the evidence shows of a failpoint (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailpointStatus {
    /// A passing test, run alone, ran its injected path.
    Fired,
    /// No passing test ran its injected path.
    NeverFired,
    /// Nothing can show it firing: a name that is not a literal or a constant, the
    /// one-argument form, a closure coverage has no record of, no per-test evidence.
    Unknown,
}

impl FailpointStatus {
    /// `fired`, `never_fired`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailpointStatus::Fired => "fired",
            FailpointStatus::NeverFired => "never_fired",
            FailpointStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for FailpointStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `fail_point!` site of a vital function and what the evidence shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FailpointOutcome {
    /// Its name; as written when it cannot be resolved (`format!(…)`).
    pub name: String,
    /// The line of the `fail_point!` call in its file.
    pub line: u32,
    /// Its column.
    pub column: u32,
    /// `file:line`.
    pub location: String,
    /// The passing tests that fired it, run alone (`crate::path`).
    pub tests: Vec<String>,
    /// Fired, never fired, or unknown.
    pub status: FailpointStatus,
    /// Why it is unknown, or what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl FailpointOutcome {
    /// A site as the evidence shows it.
    pub fn new(
        name: impl Into<String>,
        (line, column): (u32, u32),
        location: impl Into<String>,
        tests: Vec<String>,
        status: FailpointStatus,
        detail: Option<String>,
    ) -> FailpointOutcome {
        FailpointOutcome { name: name.into(), line, column, location: location.into(), tests, status, detail }
    }
}

/// A category the tier requires that none of a function's declared modes covers
/// and its entry does not waive, with the mode to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MissingCategory {
    /// The function's tier.
    pub tier: Tier,
    /// The function's own name (`write_atomic`).
    pub function: String,
    /// The category.
    pub category: Category,
    /// A mode of that category to declare: the most plausible one for the function.
    pub suggestion: String,
    /// The test the first naming convention expects for it.
    pub test: String,
}

impl MissingCategory {
    /// The category `category` missing from `function` of `tier`, with the mode to
    /// add and its test.
    pub fn new(tier: Tier, function: &str, category: Category, suggestion: &str, test: &str) -> Self {
        MissingCategory {
            tier,
            function: function.to_string(),
            category,
            suggestion: suggestion.to_string(),
            test: test.to_string(),
        }
    }
}

/// A coverage metric of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Metric {
    /// Executable lines run.
    Lines,
    /// Code regions run.
    Regions,
    /// Branch outcomes taken.
    Branches,
}

impl Metric {
    /// All metrics, in report order.
    pub const ALL: [Metric; 3] = [Metric::Lines, Metric::Regions, Metric::Branches];

    /// `lines`, `regions` or `branches`.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Lines => "lines",
            Metric::Regions => "regions",
            Metric::Branches => "branches",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a vital function fails its tier: one gate that does not hold.
///
/// `Display` gives the sentence of the JSON's `reasons` (schema_version 1); the
/// serialized form, tagged by `kind`, is the JSON's `findings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// No coverage record lies in the function: no instrumented binary holds it.
    NotInstrumented,
    /// A coverage metric is below the tier's threshold.
    BelowThreshold {
        /// Which metric.
        metric: Metric,
        /// What the coverage shows.
        count: Count,
        /// What the tier demands.
        min: Percent,
    },
    /// The tier demands branch coverage and the coverage has no branch data.
    NoBranchData,
    /// A declared failure mode has no test that counts.
    FailureMode(ModeOutcome),
    /// The tier requires a mode of a category the function declares none of.
    CategoryMissing(MissingCategory),
    /// No coverage record lies in the function, and it is compiled only with cargo
    /// features: the coverage run did not enable them.
    NotCompiled {
        /// The features it needs.
        features: Vec<String>,
    },
    /// The mutation score is below the tier's `mutation` threshold (SPEC §8).
    MutationBelowThreshold {
        /// Caught of counted mutants (caught + missed + timeout, acknowledged ones left out).
        score: Count,
        /// What the tier demands.
        min: Percent,
    },
    /// A mutant no test catches: every test passes with it.
    MutantMissed(Mutant),
    /// A mutant under which the tests time out, which the tier does not count as caught.
    MutantTimeout(Mutant),
    /// A failpoint of the function that no passing test fired, where the tier's
    /// `failpoints` key demands it (SPEC §9).
    FailpointNeverFired(FailpointOutcome),
    /// A failpoint whose firing nothing can show, where the tier demands it fired.
    FailpointUnknown(FailpointOutcome),
    /// Mutants of the function have no outcome in the mutation results given: the
    /// run did not test them (another package, a filter, `--in-diff`, a shard).
    MutantsUntested {
        /// Mutants without an outcome.
        untested: usize,
        /// Mutants of the function in the current source.
        total: usize,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotInstrumented => {
                f.write_str("not in any instrumented binary: no coverage record lies in this function")
            }
            Reason::NotCompiled { features } => {
                let list = features.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
                let which = if features.len() == 1 { "feature" } else { "features" };
                write!(
                    f,
                    "not compiled in the coverage run: no coverage record lies in this function, which is compiled only with {which} {list}"
                )
            }
            Reason::BelowThreshold { metric, count, min } => {
                write!(f, "{metric} {} < {min}", count.percent())
            }
            Reason::NoBranchData => f.write_str(
                "no branch data: the coverage was produced without `--branch` \
                 (use `cargo vital run`, or set `branches = \"regions\"` for this tier)",
            ),
            Reason::MutationBelowThreshold { score, min } => {
                write!(
                    f,
                    "mutation score {} < {min} ({} of {} mutants caught)",
                    score.percent(),
                    score.covered,
                    score.total
                )
            }
            Reason::MutantMissed(mutant) => {
                write!(f, "no test fails when {} at {}", mutant.change(), mutant.location())
            }
            Reason::MutantTimeout(mutant) => write!(
                f,
                "the tests time out when {} at {} (a timeout counts as not caught unless the tier says `timeouts = \"caught\"`)",
                mutant.change(),
                mutant.location()
            ),
            Reason::MutantsUntested { untested, total } => write!(
                f,
                "{untested} of its {total} mutants have no outcome in the mutation results (run `cargo vital mutants`)"
            ),
            Reason::FailpointNeverFired(fp) => {
                write!(f, "no test fires failpoint `{}` ({})", fp.name, fp.location)
            }
            Reason::FailpointUnknown(fp) => {
                let why = fp.detail.as_deref().unwrap_or("nothing shows it firing");
                write!(f, "failpoint `{}` ({}) cannot be seen firing: {why}", fp.name, fp.location)
            }
            Reason::FailureMode(outcome) => {
                let mode = &outcome.mode;
                let test = outcome.test.as_deref().unwrap_or("?");
                match outcome.status {
                    ModeStatus::Passed => write!(f, "failure mode `{mode}`: test `{test}` passed"),
                    ModeStatus::Missing => write!(f, "failure mode `{mode}` has no test"),
                    ModeStatus::Failed => write!(f, "failure mode `{mode}`: test `{test}` failed"),
                    ModeStatus::Ignored => write!(f, "failure mode `{mode}`: test `{test}` is ignored"),
                    ModeStatus::Hollow => {
                        write!(f, "failure mode `{mode}`: test `{test}` is hollow")?;
                        match &outcome.detail {
                            Some(detail) => write!(f, ": {detail}"),
                            None => Ok(()),
                        }
                    }
                    ModeStatus::Unverified => {
                        write!(f, "failure mode `{mode}`: test `{test}` has no recorded result")
                    }
                }
            }
            Reason::CategoryMissing(m) => write!(
                f,
                "{} function `{}` declares no `{}` mode: add e.g. `{}` with test `{}`, or waive it with a reason",
                m.tier, m.function, m.category, m.suggestion, m.test
            ),
        }
    }
}

impl Reason {
    /// Whether the reason is about coverage (not about a failure mode's test).
    pub fn is_coverage(&self) -> bool {
        matches!(
            self,
            Reason::NotInstrumented
                | Reason::NotCompiled { .. }
                | Reason::BelowThreshold { .. }
                | Reason::NoBranchData
        )
    }

    /// Whether the reason is about failpoints (SPEC §9).
    pub fn is_failpoint(&self) -> bool {
        matches!(self, Reason::FailpointNeverFired(_) | Reason::FailpointUnknown(_))
    }

    /// Whether the reason is about mutation testing (SPEC §8).
    pub fn is_mutation(&self) -> bool {
        matches!(
            self,
            Reason::MutationBelowThreshold { .. }
                | Reason::MutantMissed(_)
                | Reason::MutantTimeout(_)
                | Reason::MutantsUntested { .. }
        )
    }
}

/// A mutant of cargo-mutants as reports name it: where it is and what it changes.
///
/// Positions are cargo-mutants' own: 1-based lines and 1-based *character* columns
/// (as editors and SARIF count them), the end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mutant {
    /// cargo-mutants' name: `src/eval.rs:157:21: replace > with >= in matches_caret`.
    pub name: String,
    /// The name without its `file:line:col: ` (what `[[vital.survivors]] mutant` pins).
    pub description: String,
    /// cargo-mutants' genre: `BinaryOperator`, `UnaryOperator`, `FnValue`, `MatchArm`,
    /// `MatchArmGuard`, `StructField`.
    pub genre: String,
    /// The file, relative to the workspace root, `/`-separated.
    pub file: String,
    /// Start line.
    pub line: u32,
    /// Start column, in characters.
    pub column: u32,
    /// End line.
    pub end_line: u32,
    /// End column, in characters, exclusive.
    pub end_column: u32,
    /// The text the mutant puts in place of the span (`""`: it deletes it).
    pub replacement: String,
    /// The source text it replaces, on one line and shortened.
    pub original: String,
}

impl Mutant {
    /// What the mutant does, in words: `` `<` becomes `<=` ``, `` `!` is deleted ``,
    /// `` the body is replaced by `true` ``.
    pub fn change(&self) -> String {
        if self.genre == "FnValue" {
            format!("the body is replaced by `{}`", self.replacement)
        } else if self.replacement.is_empty() {
            format!("`{}` is deleted", self.original)
        } else {
            format!("`{}` becomes `{}`", self.original, self.replacement)
        }
    }

    /// `file:line:col`.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_down() {
        let p = |covered, total| Count::new(covered, total).percent();
        assert_eq!(p(1999, 2000), "99.9%");
        assert_eq!(p(7, 8), "87.5%");
        assert_eq!(p(0, 0), "100.0%");
        assert_eq!(p(0, 3), "0.0%");
        assert_eq!(p(u64::MAX, u64::MAX), "100.0%");
    }

    #[test]
    fn ratios_compare_exactly_and_only_when_there_is_something_to_cover() {
        use std::cmp::Ordering::*;
        assert_eq!(Count::new(1, 3).cmp_ratio(Count::new(2, 6)), Some(Equal));
        assert_eq!(Count::new(u64::MAX - 1, u64::MAX).cmp_ratio(Count::new(1, 1)), Some(Less));
        assert_eq!(Count::new(0, 0).cmp_ratio(Count::new(1, 2)), None);
    }

    #[test]
    fn percent_comparisons_are_exact() {
        let p = Percent::from_hundredths(9250).unwrap();
        assert!(p.is_met_by(37, 40));
        assert!(!p.is_met_by(36, 40));
        assert!(Percent::FULL.is_met_by(0, 0));
        assert!(!Percent::FULL.is_met_by(u64::MAX - 1, u64::MAX));
        assert_eq!(p.to_string(), "92.5%");
        assert_eq!(Percent::from_hundredths(1225).unwrap().to_string(), "12.25%");
        assert_eq!(Percent::FULL.to_string(), "100%");
        assert_eq!(Percent::from_hundredths(10_001), None);
        assert_eq!(serde_json::to_string(&p).unwrap(), "92.5");
        assert_eq!(serde_json::from_str::<Percent>("92.5").unwrap(), p);
    }

    #[test]
    fn reasons_read_as_before_and_serialize_with_their_kind() {
        let below =
            Reason::BelowThreshold { metric: Metric::Lines, count: Count::new(9, 10), min: Percent::FULL };
        assert_eq!(below.to_string(), "lines 90.0% < 100%");
        let json = serde_json::to_value(&below).unwrap();
        assert_eq!(json["kind"], "below_threshold");
        assert_eq!(json["metric"], "lines");
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), below);
        let mode = Reason::FailureMode(ModeOutcome {
            mode: "empty".into(),
            test: Some("t::x".into()),
            status: ModeStatus::Hollow,
            ran: None,
            location: None,
            detail: Some("it asserts nothing".into()),
            category: Some(Category::Resource),
        });
        assert_eq!(mode.to_string(), "failure mode `empty`: test `t::x` is hollow: it asserts nothing");
        let json = serde_json::to_value(&mode).unwrap();
        assert_eq!((json["kind"].as_str(), json["mode"].as_str()), (Some("failure_mode"), Some("empty")));
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), mode);
    }

    #[test]
    fn a_missing_category_says_what_to_add_and_serializes_with_its_kind() {
        let missing = Reason::CategoryMissing(MissingCategory::new(
            Tier::Critical,
            "write_atomic",
            Category::Timing,
            "concurrent",
            "write_atomic_concurrent",
        ));
        assert_eq!(
            missing.to_string(),
            "critical function `write_atomic` declares no `timing` mode: add e.g. `concurrent` \
             with test `write_atomic_concurrent`, or waive it with a reason"
        );
        assert!(!missing.is_coverage());
        let json = serde_json::to_value(&missing).unwrap();
        assert_eq!(json["kind"], "category_missing");
        assert_eq!(
            (json["category"].as_str(), json["suggestion"].as_str()),
            (Some("timing"), Some("concurrent"))
        );
        assert_eq!(serde_json::from_value::<Reason>(json).unwrap(), missing);
    }
}
