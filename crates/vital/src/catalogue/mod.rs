//! The catalogue: `vital.toml` (SPEC §1).
//!
//! Parsing is strict: unknown keys, wrong types, unknown tiers, malformed failure
//! modes and duplicate entries are errors that point at `file:line:col` and say what
//! to write instead. All problems of a catalogue are reported together.
//!
//! [`vocabulary`] holds the well-known failure modes (SPEC §2) and their categories.
//!
//! Failure-mode categories: a tier's `categories` are the categories an entry of
//! that tier must declare a mode of (defaults: critical input, resource, timing and
//! state; essential input; optional none). A well-known mode has its category; a
//! custom mode has one when `[modes.NAME] category = "…"` declares it, and counts
//! for no category otherwise. An entry may waive a required category with a reason
//! (`waive = { timing = "…" }`), shown in every report; a waiver without a reason,
//! of an unknown category, of a category its tier does not require, or of one its
//! modes cover, is an error.

mod parse;
pub mod schema;
pub mod vocabulary;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::{Error, ErrorKind, Location, Problem, Result};
use crate::model::Percent;
use crate::text::{closest, line_col};
use vocabulary::{Categories, Category};

/// The name of the catalogue file at the workspace root.
pub const FILE_NAME: &str = "vital.toml";

/// How much a function matters.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Failure is data loss or a security breach: everything must be tested.
    Critical,
    /// Failure degrades the product.
    Essential,
    /// Failure is a nuisance.
    Optional,
}

impl Tier {
    /// All tiers, most important first.
    pub const ALL: [Tier; 3] = [Tier::Critical, Tier::Essential, Tier::Optional];

    /// The lowercase name used in `vital.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::Essential => "essential",
            Tier::Optional => "optional",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a tier demands of branch coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchRule {
    /// At least this share of branch outcomes taken.
    Min(Percent),
    /// `branches = "regions"`: the regions threshold stands in for branches, so a
    /// coverage run without branch data can pass.
    Regions,
}

impl<'de> Deserialize<'de> for BranchRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = BranchRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a percentage from 0 to 100, or "regions""#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BranchRule, E> {
                if v == "regions" {
                    Ok(BranchRule::Regions)
                } else {
                    Err(E::custom(format!(
                        r#"`branches = "{v}"` is not a rule: write a percentage from 0 to 100, or "regions""#
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<BranchRule, E> {
                Percent::deserialize(de::value::I64Deserializer::new(v)).map(BranchRule::Min)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<BranchRule, E> {
                Percent::deserialize(de::value::U64Deserializer::new(v)).map(BranchRule::Min)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<BranchRule, E> {
                Percent::deserialize(de::value::F64Deserializer::new(v)).map(BranchRule::Min)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Whether a tier requires its declared failure modes to be tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModesRule {
    /// Every declared failure mode needs a passing test.
    All,
    /// Declared modes are reported, not required.
    None,
}

/// What proves that a failure mode's test ran the function (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Proof {
    /// The test's own coverage (one profile per test) shows it ran the function.
    PerTest,
    /// The source shows the test reaches the function: accepted without per-test
    /// evidence, and reported as such.
    Static,
}

/// Which failpoints of a function a passing test must have fired (`failpoints = …`,
/// SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailpointRule {
    /// Every `fail_point!` site in the function; one that cannot be seen firing
    /// (`unknown`) fails.
    All,
    /// The sites that failure modes are pinned to (`failpoints = { mode = "name" }`).
    Declared,
    /// None: failpoints are reported, not gated.
    #[default]
    None,
}

/// How a mutant under which the tests time out counts (`timeouts = …`, SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeoutRule {
    /// `timeouts = "missed"` (the default): a timeout is not a catch. A timeout may be
    /// a loop the mutant made infinite, or a timeout too tight under load; neither
    /// shows a test that notices the mutant.
    #[default]
    Missed,
    /// `timeouts = "caught"`: a timeout counts as caught.
    Caught,
}

/// The thresholds of one tier. `None` means the tier does not gate on that metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierPolicy {
    /// Minimum line coverage.
    pub lines: Option<Percent>,
    /// Minimum region coverage.
    pub regions: Option<Percent>,
    /// What branch coverage must show.
    pub branches: Option<BranchRule>,
    /// Whether declared failure modes must be tested.
    pub failure_modes: ModesRule,
    /// Minimum share of viable mutants caught, when mutation results are given.
    pub mutation: Option<Percent>,
    /// What proves a failure mode's test ran the function.
    pub proof: Proof,
    /// The failure-mode categories an entry must declare a mode of (or waive).
    pub categories: Categories,
    /// How a timeout counts in the mutation score.
    pub timeouts: TimeoutRule,
    /// Which failpoints a passing test must have fired.
    pub failpoints: FailpointRule,
}

impl TierPolicy {
    /// The defaults of SPEC §1.
    pub fn default_for(tier: Tier) -> TierPolicy {
        let pct = |p| Percent::from_whole(p);
        match tier {
            Tier::Critical => TierPolicy {
                lines: pct(100),
                regions: pct(100),
                branches: pct(100).map(BranchRule::Min),
                failure_modes: ModesRule::All,
                mutation: pct(100),
                proof: Proof::PerTest,
                categories: Categories::of([
                    Category::Input,
                    Category::Resource,
                    Category::Timing,
                    Category::State,
                ]),
                timeouts: TimeoutRule::Missed,
                failpoints: FailpointRule::Declared,
            },
            Tier::Essential => TierPolicy {
                lines: pct(95),
                regions: pct(90),
                branches: pct(90).map(BranchRule::Min),
                failure_modes: ModesRule::All,
                mutation: pct(90),
                proof: Proof::PerTest,
                categories: Categories::of([Category::Input]),
                timeouts: TimeoutRule::Missed,
                failpoints: FailpointRule::None,
            },
            Tier::Optional => TierPolicy {
                lines: pct(80),
                regions: None,
                branches: None,
                failure_modes: ModesRule::None,
                mutation: None,
                proof: Proof::PerTest,
                categories: Categories::NONE,
                timeouts: TimeoutRule::Missed,
                failpoints: FailpointRule::None,
            },
        }
    }
}

/// The thresholds of every tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers {
    policies: [TierPolicy; 3],
}

impl Tiers {
    /// The policy of `tier`.
    pub fn policy(&self, tier: Tier) -> &TierPolicy {
        &self.policies[tier as usize]
    }
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers { policies: Tier::ALL.map(TierPolicy::default_for) }
    }
}

/// Naming conventions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conventions {
    /// Templates of failure-mode test names, with `{fn}`, `{type}` and `{mode}`.
    pub failure_test: Vec<String>,
    /// Templates of chaos test names (`cargo vital chaos`), with `{fn}` and `{type}`.
    pub chaos_test: Vec<String>,
    /// The cargo feature that turns failpoints on in a package (`fail/failpoints`):
    /// `cargo vital run` enables it where a vital function has failpoints.
    pub failpoints_feature: String,
}

impl Default for Conventions {
    fn default() -> Self {
        Conventions {
            failure_test: vec!["{fn}_{mode}".into(), "{type}_{fn}_{mode}".into()],
            chaos_test: vec!["{fn}_chaos".into(), "{type}_{fn}_chaos".into()],
            failpoints_feature: "failpoints".into(),
        }
    }
}

/// One `[[vital]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The function's path as written by the user.
    pub function: String,
    /// Byte range of the `function` value in the catalogue text.
    pub function_span: Range<usize>,
    /// Its tier.
    pub tier: Tier,
    /// Why it is vital; shown in reports.
    pub reason: Option<String>,
    /// Declared failure modes, in the order written.
    pub failure_modes: Vec<String>,
    /// Byte range of each of `failure_modes` in the catalogue text (same order).
    pub mode_spans: Vec<Range<usize>>,
    /// Explicit tests per failure mode.
    pub tests: BTreeMap<String, String>,
    /// Failure modes pinned to code: the test must run this region (SPEC §7).
    pub regions: BTreeMap<String, RegionPin>,
    /// Failure modes pinned to a failpoint: the test must fire it (SPEC §9).
    pub failpoints: BTreeMap<String, String>,
    /// Cargo features the function needs: `cargo vital run` enables them.
    pub features: Vec<String>,
    /// The file the function is in, when its path alone names several (`#[cfg]`
    /// twins: `src/imp_unix.rs`, `src/imp_windows.rs`), relative to the workspace
    /// root or its end.
    pub file: Option<String>,
    /// Categories waived, with the reason each cannot fail that way.
    pub waive: BTreeMap<Category, String>,
    /// Acknowledged surviving mutants (`[[vital.survivors]]`): equivalent mutants,
    /// left out of the mutation score.
    pub survivors: Vec<Survivor>,
}

impl Entry {
    /// The categories it waives.
    pub fn waived(&self) -> Categories {
        Categories::of(self.waive.keys().copied())
    }
}

/// A place in a function: the line as an offset from the function's `fn` line (0
/// is the `fn` line), and the 1-based column in characters, as editors show it.
/// Written `"LINE:COL"` in `regions = { mode = "3:20" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionPin {
    /// Lines after the `fn` line.
    pub line_offset: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl RegionPin {
    /// Parses `"LINE:COL"`.
    pub fn parse(text: &str) -> Option<RegionPin> {
        let (line, column) = text.trim().split_once(':')?;
        let line_offset = line.trim().parse().ok()?;
        let column = column.trim().parse().ok().filter(|&c| c > 0)?;
        Some(RegionPin { line_offset, column })
    }
}

impl fmt::Display for RegionPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line_offset, self.column)
    }
}

/// One `[[vital.survivors]]` pin (SPEC §8): an equivalent mutant of the entry's
/// function, pinned by its description and its line relative to the `fn` line, so
/// that it expires when the code changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survivor {
    /// The mutant's description, as cargo-mutants names it without `file:line:col: `
    /// (`replace < with <= in matches_caret`).
    pub mutant: String,
    /// Its line, as an offset from the function's `fn` line (0: the `fn` line).
    pub line: u32,
    /// Its column (characters), when one line has two alike.
    pub column: Option<u32>,
    /// Why it is equivalent: shown in reports.
    pub reason: String,
    /// Byte range of the `mutant` value in the catalogue text.
    pub span: Range<usize>,
}

/// A parsed, validated `vital.toml`.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// The path shown in messages.
    pub path: PathBuf,
    /// The file's text, for locating entries.
    pub text: String,
    /// Thresholds per tier.
    pub tiers: Tiers,
    /// Naming conventions.
    pub conventions: Conventions,
    /// The vital functions, in file order.
    pub entries: Vec<Entry>,
    /// The categories of custom failure modes (`[modes.NAME] category = "…"`).
    pub custom_modes: BTreeMap<String, Category>,
}

/// The raw tables of `vital.toml`, as serde reads them. Their JSON Schema
/// (schemars, [`schema`]) is the one editors validate `vital.toml` with: the doc
/// comments below are its descriptions.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "vital.toml",
    description = "The vital functions of a Rust workspace, their tiers and failure modes: the catalogue `cargo vital` gates CI on (https://github.com/vital-rs/vital)."
)]
struct RawCatalogue {
    /// Thresholds per tier; a key left out keeps the tier's default.
    #[serde(default)]
    tiers: RawTiers,
    /// Naming conventions of failure-mode tests.
    #[serde(default)]
    conventions: RawConventions,
    /// Custom failure modes, each with the category it tests (`[modes.quota_exceeded] category = "resource"`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<schema::ModeName, RawMode>")]
    modes: BTreeMap<Spanned<String>, RawMode>,
    /// The vital functions (`[[vital]]`), one entry each.
    #[serde(default)]
    vital: Vec<RawEntry>,
}

/// A custom failure mode.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CustomMode")]
struct RawMode {
    /// The category it tests.
    #[schemars(with = "Category")]
    category: Spanned<String>,
}

/// The three tiers.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Tiers")]
struct RawTiers {
    /// Failure is data loss or a security breach. Defaults: 100 % lines, regions, branches and mutation; every failure mode; a mode of each of input, resource, timing and state.
    critical: Option<RawTier>,
    /// Failure degrades the product. Defaults: 95 % lines, 90 % regions, branches and mutation; every failure mode; an input mode.
    essential: Option<RawTier>,
    /// Failure is a nuisance. Defaults: 80 % lines; failure modes reported, not required.
    optional: Option<RawTier>,
}

/// What a tier demands.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TierPolicy")]
struct RawTier {
    /// % of the function's executable lines run by some test.
    lines: Option<Percent>,
    /// % of llvm-cov code regions run (match arms, `?` error exits …).
    regions: Option<Percent>,
    /// % of branch outcomes taken, or "regions" to accept regions as the stand-in when the coverage has no branch data.
    branches: Option<BranchRule>,
    /// "all": every declared failure mode needs a passing test; "none": declared modes are reported, not required.
    failure_modes: Option<ModesRule>,
    /// % of viable mutants caught, when mutation results are given.
    mutation: Option<Percent>,
    /// What proves a failure mode's test ran the function: "per-test" (its own coverage) or "static" (the source shows it reaches it).
    proof: Option<Proof>,
    /// The failure-mode categories an entry must declare a mode of, or waive.
    #[schemars(with = "Option<Vec<Category>>")]
    categories: Option<Vec<Spanned<String>>>,
    /// How a mutant under which the tests time out counts: "missed" (the default) or "caught".
    timeouts: Option<TimeoutRule>,
    /// Which failpoints of a function a passing test must have fired: "all", "declared" (those failure modes are pinned to; the default for critical) or "none".
    failpoints: Option<FailpointRule>,
}

/// Naming conventions.
#[derive(Deserialize, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Conventions")]
struct RawConventions {
    /// How a failure-mode test is named, first match wins: `{fn}` the function's name, `{type}` its impl's self type in snake_case, `{mode}` the mode. An optional `test_` prefix is always allowed.
    #[schemars(with = "Option<Vec<schema::TestTemplate>>")]
    failure_test: Option<Vec<Spanned<String>>>,
    /// How a chaos test (`cargo vital chaos`) is named: `{fn}` the function's name, `{type}` its impl's self type in snake_case. Default `["{fn}_chaos", "{type}_{fn}_chaos"]`.
    #[schemars(with = "Option<Vec<String>>")]
    chaos_test: Option<Vec<Spanned<String>>>,
    /// The cargo feature that turns failpoints on in a package: `cargo vital run` enables it where a vital function has failpoints. Default "failpoints".
    #[schemars(with = "Option<String>")]
    failpoints_feature: Option<Spanned<String>>,
}

/// One vital function.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Entry")]
struct RawEntry {
    /// The function's path as Rust users write it: `crate::module::function`, `crate::Type::method`, `<crate::Type as Trait>::method`.
    #[schemars(with = "schema::FunctionPath")]
    function: Spanned<String>,
    /// How much the function matters.
    tier: Tier,
    /// Why it is vital: shown in reports.
    reason: Option<String>,
    /// The failure modes it must survive, each with a passing test (`cargo vital list --modes` lists the well-known ones).
    #[serde(default)]
    #[schemars(with = "Vec<schema::ModeName>")]
    failure_modes: Vec<Spanned<String>>,
    /// Existing tests per failure mode, where the naming convention does not hold: `{ disk_full = "store::tests::write_fails_when_device_is_full" }`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<schema::ModeName, String>")]
    tests: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Failure modes pinned to code: "LINE:COL", the line counted from the `fn` line (0) and the column in characters; the mode's test must run that region.
    #[serde(default)]
    #[schemars(with = "BTreeMap<schema::ModeName, schema::RegionPin>")]
    regions: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Failure modes pinned to a failpoint of the function: the mode's test must fire it (`{ disk_full = "store::write" }`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<schema::ModeName, String>")]
    failpoints: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Cargo features the function is compiled only with: `cargo vital run` enables them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    features: Vec<Spanned<String>>,
    /// The function's file, when its path alone names several (`#[cfg]` twins), relative to the workspace root or its end.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    file: Option<Spanned<String>>,
    /// Failure-mode categories the function cannot fail by, each with the reason (shown in every report): `{ timing = "single-threaded by construction" }`.
    #[serde(default)]
    waive: Waivers,
    /// Acknowledged surviving mutants: equivalent mutants, left out of the mutation score.
    #[serde(default)]
    survivors: Vec<RawSurvivor>,
}

/// An equivalent mutant of the entry's function, pinned so that it expires when the code changes.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Survivor")]
struct RawSurvivor {
    /// The mutant's description, as cargo-mutants names it without `file:line:col: ` (`replace < with <= in matches_caret`).
    #[schemars(with = "String")]
    mutant: Spanned<String>,
    /// Its line, as an offset from the function's `fn` line (0: the `fn` line).
    #[schemars(with = "u32")]
    line: Spanned<i64>,
    /// Its column in characters, when one line has two alike.
    #[serde(default)]
    #[schemars(with = "Option<std::num::NonZeroU32>")]
    column: Option<Spanned<i64>>,
    /// Why it is equivalent: shown in reports.
    #[schemars(with = "String")]
    reason: Spanned<String>,
}

/// `waive = { category = "reason" }`, read loosely (any value) so that a waiver
/// without a reason is reported where it is, with what to write.
#[derive(Default)]
struct Waivers(Vec<(Spanned<String>, Spanned<toml::Value>)>);

impl<'de> Deserialize<'de> for Waivers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Waivers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    r#"a table of waived categories, each with its reason, e.g. waive = { timing = "single-threaded by construction: no shared state" }"#,
                )
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Waivers, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Waivers(out))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// `"critical"` → the category, or a problem naming the categories.
fn parse_category(name: &str) -> Result<Category, (String, String)> {
    Category::from_name(name).ok_or_else(|| {
        let names = Category::ALL.map(Category::as_str);
        let list = names.map(|n| format!("`{n}`")).join(", ");
        let help = match closest(name, names) {
            Some(near) => format!("did you mean `{near}`? (the categories are {list})"),
            None => format!("the categories are {list}"),
        };
        (format!("`{name}` is not a failure-mode category"), help)
    })
}

impl Catalogue {
    /// Reads and parses the catalogue at `path`; `display` is how the path is shown.
    pub fn load(path: &Path, display: &Path) -> Result<Catalogue> {
        let text = crate::fsutil::read_input_string(path, display, ErrorKind::Catalogue).map_err(|error| {
            if std::fs::symlink_metadata(path).is_err() {
                error.with_help(format!(
                    "create `{FILE_NAME}` at the workspace root, or pass `--catalogue PATH`; \
                     a minimal entry is:\n[[vital]]\nfunction = \"my_crate::module::function\"\ntier = \"critical\""
                ))
            } else {
                error
            }
        })?;
        Catalogue::parse(display, &text)
    }

    /// Parses catalogue text; `path` is how the file is shown in messages. Every
    /// problem is reported, each where it is, not only the first.
    pub fn parse(path: &Path, text: &str) -> Result<Catalogue> {
        let raw: RawCatalogue = toml::from_str(text).map_err(|err| {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim_end().to_string();
            let help = help_for_toml_message(&message);
            let (line, column) = line_col(text, span.start);
            let problem = Problem { location: Some(Location::at(path, line, column)), message, help };
            Error::from_problems(ErrorKind::Catalogue, vec![problem])
        })?;
        let mut parser = parse::Parser::new(path, text);
        let tiers = parser.tiers(raw.tiers);
        let conventions = parser.conventions(raw.conventions);
        let custom_modes = parser.custom_modes(raw.modes);
        let entries = parser.entries(raw.vital, &tiers, &custom_modes);
        parser.finish()?;
        Ok(Catalogue {
            path: path.to_path_buf(),
            text: text.to_string(),
            tiers,
            conventions,
            entries,
            custom_modes,
        })
    }

    /// The category of a failure mode: the vocabulary's, or the one `[modes.NAME]`
    /// declares; `None` for a custom mode without one.
    pub fn category_of(&self, mode: &str) -> Option<Category> {
        vocabulary::known(mode).map(|k| k.category).or_else(|| self.custom_modes.get(mode).copied())
    }

    /// The categories of an entry's declared failure modes.
    pub fn declared_categories(&self, entry: &Entry) -> Categories {
        Categories::of(entry.failure_modes.iter().filter_map(|m| self.category_of(m)))
    }

    /// The categories an entry's tier requires that its modes do not cover and it
    /// does not waive, in vocabulary order.
    pub fn missing_categories(&self, entry: &Entry) -> Vec<Category> {
        let (declared, waived) = (self.declared_categories(entry), entry.waived());
        self.tiers
            .policy(entry.tier)
            .categories
            .iter()
            .filter(|c| !declared.contains(*c) && !waived.contains(*c))
            .collect()
    }

    /// The location of an entry's `function` value.
    pub fn location_of(&self, entry: &Entry) -> Location {
        self.location_at(entry.function_span.start)
    }

    /// The location of an acknowledged survivor's `mutant` value.
    pub fn location_of_survivor(&self, survivor: &Survivor) -> Location {
        self.location_at(survivor.span.start)
    }

    /// The location of the `i`-th failure mode an entry declares.
    pub fn location_of_mode(&self, entry: &Entry, i: usize) -> Location {
        entry.mode_spans.get(i).map_or_else(|| self.location_of(entry), |span| self.location_at(span.start))
    }

    fn location_at(&self, offset: usize) -> Location {
        let (line, column) = line_col(&self.text, offset);
        Location::at(&self.path, line, column)
    }
}

/// A failure-mode name: lowercase snake_case, starting with a letter.
pub fn is_mode_name(mode: &str) -> bool {
    let mut chars = mode.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !mode.ends_with('_')
        && !mode.contains("__")
}

fn to_snake_case(s: &str) -> Option<String> {
    let mut out = String::new();
    for (i, c) in s.trim().chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    (!out.is_empty()).then_some(out)
}

fn check_template(template: &str) -> Result<(), String> {
    check_placeholders(template, &["fn", "type", "mode"])?;
    if !template.contains("{mode}") {
        return Err(format!("template `{template}` does not contain `{{mode}}`"));
    }
    Ok(())
}

/// A chaos-test template: `{fn}` and `{type}` only, `{fn}` required.
fn check_chaos_template(template: &str) -> Result<(), String> {
    check_placeholders(template, &["fn", "type"])?;
    if !template.contains("{fn}") {
        return Err(format!("template `{template}` does not contain `{{fn}}`"));
    }
    Ok(())
}

fn check_placeholders(template: &str, known: &[&str]) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| format!("template `{template}` has an unclosed `{{`"))?;
        let name = &rest[open + 1..close];
        if !known.contains(&name) {
            return Err(format!("template `{template}` has an unknown placeholder `{{{name}}}`"));
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" into "did you mean".
fn help_for_toml_message(message: &str) -> Option<String> {
    let unknown =
        ["unknown field `", "unknown variant `"].iter().find_map(|prefix| message.strip_prefix(prefix))?;
    let (got, rest) = unknown.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    if expected.is_empty() {
        return None;
    }
    let list = expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    Some(match closest(got, expected.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? (this table takes {list})"),
        None => format!("this table takes {list}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Catalogue> {
        Catalogue::parse(Path::new("vital.toml"), text)
    }

    fn error_of(text: &str) -> String {
        parse(text).expect_err("catalogue should be rejected").to_string()
    }

    #[test]
    fn a_minimal_catalogue_gets_the_default_tiers() {
        let catalogue = parse("[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\n").unwrap();
        assert_eq!(catalogue.entries.len(), 1);
        assert_eq!(catalogue.entries[0].function, "a::f");
        assert_eq!(catalogue.tiers, Tiers::default());
        assert_eq!(catalogue.tiers.policy(Tier::Optional).regions, None);
        assert_eq!(catalogue.conventions, Conventions::default());
    }

    #[test]
    fn a_partial_tier_table_keeps_the_tier_defaults_for_missing_keys() {
        let catalogue = parse("[tiers.critical]\nlines = 92.5\nbranches = \"regions\"\n").unwrap();
        let critical = catalogue.tiers.policy(Tier::Critical);
        assert_eq!(critical.lines, Percent::from_hundredths(9250));
        assert_eq!(critical.regions, Percent::from_whole(100));
        assert_eq!(critical.branches, Some(BranchRule::Regions));
        assert_eq!(critical.failure_modes, ModesRule::All);
    }

    #[test]
    fn the_full_spec_example_parses() {
        let text = r#"
[tiers.critical]
lines = 100
regions = 100
branches = 100
failure_modes = "all"
mutation = 100

[tiers.essential]
lines = 95
regions = 90
branches = 90
failure_modes = "all"
mutation = 90

[tiers.optional]
lines = 80
failure_modes = "none"

[conventions]
failure_test = ["{fn}_{mode}", "{type}_{fn}_{mode}"]

[[vital]]
function = "store::Store::write_atomic"
tier = "critical"
reason = "Every byte a user saves goes through here"
failure_modes = ["empty", "disk_full", "permission_denied", "concurrent", "after_close"]
tests = { disk_full = "store::tests::write_fails_when_device_is_full" }
"#;
        let catalogue = parse(text).unwrap();
        let entry = &catalogue.entries[0];
        assert_eq!(entry.tier, Tier::Critical);
        assert_eq!(entry.failure_modes.len(), 5);
        assert_eq!(entry.tests["disk_full"], "store::tests::write_fails_when_device_is_full");
        assert_eq!(catalogue.location_of(entry).to_string(), "vital.toml:24:12");
        assert_eq!(catalogue.tiers.policy(Tier::Optional).failure_modes, ModesRule::None);
    }

    #[test]
    fn an_unknown_key_is_an_error_with_its_position_and_the_nearest_key() {
        let message = error_of("[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\nfailure_mode = []\n");
        assert!(message.starts_with("vital.toml:4:1: unknown field `failure_mode`"), "{message}");
        assert!(message.contains("did you mean `failure_modes`?"), "{message}");
    }

    /// An unknown tier is an error naming the tiers.
    #[test]
    fn parse_invalid() {
        let message = error_of("[[vital]]\nfunction = \"a::f\"\ntier = \"critcal\"\n");
        assert!(message.starts_with("vital.toml:3:8: unknown variant `critcal`"), "{message}");
        assert!(message.contains("did you mean `critical`?"), "{message}");
        let message = error_of("[tiers.important]\nlines = 50\n");
        assert!(message.contains("unknown field `important`"), "{message}");
    }

    #[test]
    fn a_wrong_type_is_an_error() {
        let message = error_of("[[vital]]\nfunction = 3\ntier = \"critical\"\n");
        assert!(message.starts_with("vital.toml:2:12: invalid type: integer `3`"), "{message}");
        let message = error_of("[tiers.critical]\nlines = \"all\"\n");
        assert!(message.starts_with("vital.toml:2:9:"), "{message}");
    }

    #[test]
    fn thresholds_must_be_percentages() {
        assert!(error_of("[tiers.critical]\nlines = 101\n").contains("101 is not a percentage"));
        assert!(error_of("[tiers.critical]\nregions = -1\n").contains("-1 is not a percentage"));
        assert!(error_of("[tiers.critical]\nlines = 99.999\n").contains("at most two decimals"));
        assert!(error_of("[tiers.critical]\nbranches = \"lines\"\n").contains("is not a rule"));
        assert!(error_of("[tiers.critical]\nfailure_modes = \"some\"\n").contains("unknown variant `some`"));
        let catalogue = parse("[tiers.essential]\nbranches = 75\nmutation = 12.25\n").unwrap();
        let essential = catalogue.tiers.policy(Tier::Essential);
        assert_eq!(essential.branches, Percent::from_whole(75).map(BranchRule::Min));
        assert_eq!(essential.mutation, Percent::from_hundredths(1225));
    }

    #[test]
    fn survivors_are_pinned_under_their_entry() {
        let text = r#"[tiers.essential]
timeouts = "caught"

[[vital]]
function = "semver::eval::matches_caret"
tier = "critical"

[[vital.survivors]]
mutant = "replace > with >= in matches_caret"
line = 19
column = 30
reason = "inside `ver.minor != minor`, > and >= agree"

[[vital.survivors]]
mutant = "replace > with >= in matches_caret"
line = 21
reason = "likewise for patch"
"#;
        let catalogue = parse(text).unwrap();
        let survivors = &catalogue.entries[0].survivors;
        assert_eq!(survivors.len(), 2);
        assert_eq!((survivors[0].line, survivors[0].column), (19, Some(30)));
        assert_eq!((survivors[1].line, survivors[1].column), (21, None));
        assert_eq!(catalogue.location_of_survivor(&survivors[1]).to_string(), "vital.toml:15:10");
        assert_eq!(catalogue.tiers.policy(Tier::Essential).timeouts, TimeoutRule::Caught);
        assert_eq!(catalogue.tiers.policy(Tier::Critical).timeouts, TimeoutRule::Missed);
    }

    #[test]
    fn a_survivor_needs_a_mutant_a_line_offset_and_a_reason() {
        let text = r#"[[vital]]
function = "a::f"
tier = "critical"

[[vital.survivors]]
mutant = " "
line = -1
column = 0
reason = ""

[[vital.survivors]]
mutant = "replace < with <= in f"
line = 2
reason = "x"

[[vital.survivors]]
mutant = "replace < with <= in f"
line = 2
reason = "y"
"#;
        let error = parse(text).unwrap_err();
        let messages: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
        let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
        assert!(has("6:10: `mutant` is empty"), "{messages:#?}");
        assert!(has("7:8: `line = -1` is not a line offset"), "{messages:#?}");
        assert!(has("8:10: `column = 0` is not a column"), "{messages:#?}");
        assert!(has("9:10: the survivor's `reason` is empty"), "{messages:#?}");
        assert!(has("17:10: this survivor is acknowledged twice"), "{messages:#?}");
        assert_eq!(messages.len(), 5, "{messages:#?}");
        assert!(error_of("[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\n[[vital.survivors]]\nmutant = \"x\"\nline = 1\n")
            .contains("missing field `reason`"));
        assert!(error_of("[tiers.critical]\ntimeouts = \"hang\"\n").contains("unknown variant `hang`"));
    }

    #[test]
    fn a_duplicate_entry_points_at_the_first() {
        let text = "[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\n\n[[vital]]\nfunction = \"a :: f\"\ntier = \"optional\"\n";
        let message = error_of(text);
        assert!(message.starts_with("vital.toml:6:12: `a :: f` is listed twice"), "{message}");
        assert!(message.contains("merge this entry with the one at line 2"), "{message}");
    }

    #[test]
    fn failure_modes_must_be_snake_case_unique_and_match_the_tests() {
        let text = r#"[[vital]]
function = "a::f"
tier = "critical"
failure_modes = ["DiskFull", "empty", "empty"]
tests = { emty = "t::x", empty = " " }
"#;
        let error = parse(text).unwrap_err();
        let messages: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages[0].contains("4:18: `DiskFull` is not a failure-mode name"), "{}", messages[0]);
        assert!(messages[0].contains("e.g. `disk_full`"), "{}", messages[0]);
        assert!(messages[1].contains("failure mode `empty` is listed twice"));
        let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
        assert!(has("5:11: `tests` names failure mode `emty`, which this entry does not declare"));
        assert!(has("did you mean `empty`?"));
        assert!(has("the test for `empty` is empty"));
    }

    #[test]
    fn templates_must_name_the_mode_and_known_placeholders_only() {
        assert!(
            error_of("[conventions]\nfailure_test = [\"{fn}_fails\"]\n")
                .contains("does not contain `{mode}`")
        );
        assert!(
            error_of("[conventions]\nfailure_test = [\"{func}_{mode}\"]\n")
                .contains("unknown placeholder `{func}`")
        );
        assert!(error_of("[conventions]\nfailure_test = [\"{fn_{mode}\"]\n").contains("unknown placeholder"));
        assert!(error_of("[conventions]\nfailure_test = [\"{mode\"]\n").contains("unclosed"));
        assert!(error_of("[conventions]\nfailure_test = []\n").contains("is empty"));
    }

    #[test]
    fn an_empty_function_is_an_error() {
        assert!(
            error_of("[[vital]]\nfunction = \" \"\ntier = \"critical\"\n").contains("`function` is empty")
        );
    }

    /// An empty file is a catalogue with the default tiers and no entries.
    #[test]
    fn parse_empty() {
        let catalogue = parse("").unwrap();
        assert!(catalogue.entries.is_empty());
        assert_eq!(catalogue.tiers, Tiers::default());
        assert!(parse("# only a comment\n").unwrap().entries.is_empty());
    }

    /// A file that is not TOML, or lacks a required key, is an error with its position.
    #[test]
    fn parse_malformed() {
        let message = error_of("[[vital]\nfunction = \"a::f\"\n");
        assert!(message.starts_with("vital.toml:1:"), "{message}");
        let message = error_of("[[vital]]\nfunction = \"a::f\"\n");
        assert!(message.contains("missing field `tier`"), "{message}");
    }

    #[test]
    fn a_missing_file_says_how_to_start() {
        let error =
            Catalogue::load(Path::new("/nonexistent/vital.toml"), Path::new("vital.toml")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Catalogue);
        assert!(error.to_string().contains("create `vital.toml`"), "{error}");
    }

    #[test]
    fn each_tier_requires_its_default_categories() {
        let catalogue = parse("").unwrap();
        let names =
            |tier| catalogue.tiers.policy(tier).categories.iter().map(Category::as_str).collect::<Vec<_>>();
        assert_eq!(names(Tier::Critical), ["input", "resource", "timing", "state"]);
        assert_eq!(names(Tier::Essential), ["input"]);
        assert!(names(Tier::Optional).is_empty());
        let catalogue =
            parse("[tiers.critical]\ncategories = []\n[tiers.optional]\ncategories = [\"environment\", \"input\"]\n")
                .unwrap();
        assert!(catalogue.tiers.policy(Tier::Critical).categories.is_empty());
        assert_eq!(
            catalogue.tiers.policy(Tier::Optional).categories,
            Categories::of([Category::Input, Category::Environment])
        );
        assert_eq!(
            catalogue.tiers.policy(Tier::Critical).lines,
            Percent::from_whole(100),
            "other keys keep defaults"
        );
    }

    #[test]
    fn tier_categories_must_be_known_and_listed_once() {
        let message = error_of("[tiers.essential]\ncategories = [\"input\", \"timng\"]\n");
        assert!(message.starts_with("vital.toml:2:24: `timng` is not a failure-mode category"), "{message}");
        assert!(message.contains("did you mean `timing`?"), "{message}");
        let message = error_of("[tiers.essential]\ncategories = [\"input\", \"input\"]\n");
        assert!(message.contains("2:24: category `input` is listed twice"), "{message}");
    }

    #[test]
    fn a_custom_mode_declares_its_category() {
        let text = r#"[modes.quota_exceeded]
category = "resource"

[[vital]]
function = "a::f"
tier = "critical"
failure_modes = ["empty", "quota_exceeded", "stale"]
"#;
        let catalogue = parse(text).unwrap();
        assert_eq!(catalogue.category_of("quota_exceeded"), Some(Category::Resource));
        assert_eq!(catalogue.category_of("concurrent"), Some(Category::Timing));
        assert_eq!(catalogue.category_of("stale"), None, "a custom mode without a category counts for none");
        let entry = &catalogue.entries[0];
        assert_eq!(
            catalogue.declared_categories(entry),
            Categories::of([Category::Input, Category::Resource])
        );
        assert_eq!(catalogue.missing_categories(entry), [Category::Timing, Category::State]);
    }

    #[test]
    fn custom_modes_must_be_new_names_with_a_known_category() {
        let message = error_of("[modes.disk_full]\ncategory = \"timing\"\n");
        assert!(
            message.starts_with("vital.toml:1:8: `disk_full` is a well-known `resource` mode"),
            "{message}"
        );
        assert!(message.contains("remove `[modes.disk_full]`"), "{message}");
        let message = error_of("[modes.quota]\ncategory = \"resorce\"\n");
        assert!(
            message.starts_with("vital.toml:2:12: `resorce` is not a failure-mode category"),
            "{message}"
        );
        assert!(message.contains("did you mean `resource`?"), "{message}");
        assert!(
            error_of("[modes.Quota]\ncategory = \"resource\"\n")
                .contains("`Quota` is not a failure-mode name")
        );
        assert!(error_of("[modes.quota]\n").contains("missing field `category`"));
        let message = error_of("[modes.quota]\ncategory = \"resource\"\nmeaning = \"x\"\n");
        assert!(message.contains("unknown field `meaning`"), "{message}");
    }

    const WAIVING: &str = "[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\nfailure_modes = [\"empty\", \"disk_full\", \"after_close\"]\n";

    #[test]
    fn a_waiver_with_a_reason_stands_for_its_category() {
        let text = format!(
            "{WAIVING}waive = {{ timing = \"  single-threaded by construction: no shared state \" }}\n"
        );
        let catalogue = parse(&text).unwrap();
        let entry = &catalogue.entries[0];
        assert_eq!(entry.waive[&Category::Timing], "single-threaded by construction: no shared state");
        assert_eq!(entry.waived(), Categories::of([Category::Timing]));
        assert!(catalogue.missing_categories(entry).is_empty());
        let without = parse(WAIVING).unwrap();
        assert_eq!(without.missing_categories(&without.entries[0]), [Category::Timing]);
    }

    #[test]
    fn a_waiver_needs_a_reason_a_known_category_and_something_to_waive() {
        let message = error_of(&format!("{WAIVING}waive = {{ timing = \" \" }}\n"));
        assert!(message.starts_with("vital.toml:5:20: the waiver of `timing` has no reason"), "{message}");
        assert!(message.contains("write why this function cannot fail by timing"), "{message}");
        let message = error_of(&format!("{WAIVING}waive = {{ timing = true }}\n"));
        assert!(message.contains("5:20: the waiver of `timing` is a boolean, not a reason"), "{message}");
        let message = error_of(&format!("{WAIVING}waive = [\"timing\"]\n"));
        assert!(message.starts_with("vital.toml:5:9: invalid type: sequence"), "{message}");
        assert!(message.contains(r#"e.g. waive = { timing = "#), "{message}");
        let message = error_of(&format!("{WAIVING}waive = {{ timming = \"x\" }}\n"));
        assert!(
            message.starts_with("vital.toml:5:11: `timming` is not a failure-mode category"),
            "{message}"
        );
        assert!(message.contains("did you mean `timing`?"), "{message}");
        let message = error_of(&format!("{WAIVING}waive = {{ resource = \"x\" }}\n"));
        assert!(
            message.starts_with(
                "vital.toml:5:11: `resource` is waived, but this entry declares `disk_full`, a `resource` mode"
            ),
            "{message}"
        );
        let message = error_of(&format!("{WAIVING}waive = {{ environment = \"x\" }}\n"));
        assert!(message.contains("the critical tier does not require `environment`"), "{message}");
        assert!(message.contains("requires `input`, `resource`, `timing`, `state`"), "{message}");
        let optional = "[[vital]]\nfunction = \"a::f\"\ntier = \"optional\"\nwaive = { input = \"x\" }\n";
        assert!(error_of(optional).contains("the optional tier requires none"), "{}", error_of(optional));
    }

    #[test]
    fn proof_regions_and_features_are_read() {
        let catalogue = parse(
            "[tiers.essential]\nproof = \"static\"\n\n[[vital]]\nfunction = \"a::f\"\ntier = \"critical\"\n\
             failure_modes = [\"disk_full\"]\nregions = { disk_full = \" 4:20 \" }\nfeatures = [\" std \"]\n",
        )
        .unwrap();
        assert_eq!(catalogue.tiers.policy(Tier::Critical).proof, Proof::PerTest);
        assert_eq!(catalogue.tiers.policy(Tier::Essential).proof, Proof::Static);
        let entry = &catalogue.entries[0];
        assert_eq!(entry.regions["disk_full"], RegionPin { line_offset: 4, column: 20 });
        assert_eq!(entry.regions["disk_full"].to_string(), "4:20");
        assert_eq!(entry.features, ["std"]);
        let message = error_of("[tiers.critical]\nproof = \"dynamic\"\n");
        assert!(message.starts_with("vital.toml:2:9: unknown variant `dynamic`"), "{message}");
    }

    #[test]
    fn a_region_pin_needs_a_declared_mode_and_a_place() {
        let entry = "[[vital]]\nfunction = \"a::f\"\ntier = \"optional\"\nfailure_modes = [\"disk_full\"]\n";
        let message = error_of(&format!("{entry}regions = {{ full = \"1:1\" }}\n"));
        assert!(
            message.starts_with(
                "vital.toml:5:13: `regions` pins failure mode `full`, which this entry does not declare"
            ),
            "{message}"
        );
        assert!(message.contains("add `full` to `failure_modes`, or remove it from `regions`"), "{message}");
        for pin in ["4", "4:0", "-1:3", "a:b", ""] {
            let message = error_of(&format!("{entry}regions = {{ disk_full = \"{pin}\" }}\n"));
            assert!(message.contains(&format!("`{pin}` is not a place in the function")), "{message}");
            assert!(message.contains("write \"LINE:COL\""), "{message}");
        }
        for feature in ["", "a b", "a,b"] {
            let message = error_of(&format!("{entry}features = [\"{feature}\"]\n"));
            assert!(message.contains(&format!("`{feature}` is not a feature name")), "{message}");
        }
    }

    #[test]
    fn mode_names() {
        assert!(is_mode_name("disk_full"));
        assert!(is_mode_name("io2"));
        assert!(!is_mode_name("Disk"));
        assert!(!is_mode_name("_x"));
        assert!(!is_mode_name("x_"));
        assert!(!is_mode_name("a__b"));
        assert!(!is_mode_name(""));
        assert_eq!(to_snake_case("DiskFull").as_deref(), Some("disk_full"));
        assert_eq!(to_snake_case("out-of-range").as_deref(), Some("out_of_range"));
        assert_eq!(to_snake_case("--").as_deref(), None);
    }
}
