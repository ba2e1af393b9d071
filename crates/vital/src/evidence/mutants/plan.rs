//! What `cargo vital mutants` runs: the mutants of the vital functions only, in
//! groups that build and run only the test binaries that reach them, each with its
//! timeout, skipping cargo-mutants' baseline where a passing `cargo vital run` of
//! the same source already is one. The binary runs each group with cargo-mutants;
//! this module decides, from the source index, the mutant list and the last run.
//!
//! - **Which binaries.** A function is reached by the tests the call graph says reach
//!   it ([`TestSuite::reaches`], by name: it may see a call that is not there, never
//!   miss one it can see); their binaries (`--lib`, `--bin NAME`, `--test NAME`) are
//!   the only ones built and run for its mutants. A function no test reaches is
//!   tested by every test binary of its package (`--tests`). Leaving binaries out
//!   can only turn a caught mutant into a missed one, never the reverse: the gate
//!   errs on the side of failing. Doctests are not run (as `cargo vital run`, which
//!   measures the coverage without them).
//! - **Baseline.** cargo-mutants first runs the tests on the unmutated source; with
//!   `--baseline skip` it does not, and a broken tree would make every mutant look
//!   caught. So a group skips it only when the last `cargo vital run` is of this very
//!   source (its stamp), passed (no failed test), ran with the same features and no
//!   test filter, and recorded a time for each of the group's binaries.
//! - **Timeout.** With the baseline skipped, the timeout of a mutant's tests is the
//!   measured time of the group's binaries times a multiplier, at least a floor; with
//!   the baseline run, cargo-mutants measures it the same way. A timeout counts as
//!   not caught unless the tier says `timeouts = "caught"`, so a timeout too tight
//!   fails the gate rather than passing it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::evidence::coverage::stamp::{RunSettings, SourceStamp};
use crate::evidence::tests::{TestResults, TestSuite};
use crate::source::{FnId, SourceIndex};
use crate::workspace::{TargetKind, Workspace};

use super::list::MutantRecord;
use super::{MutantStatus, MutationEvidence};

/// A test binary, as cargo selects it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TestTarget {
    /// The library's unit tests (`--lib`).
    Lib,
    /// A binary's unit tests (`--bin NAME`).
    Bin(String),
    /// An integration test (`--test NAME`).
    Test(String),
    /// Every test target of the packages (`--tests`): no test is known to reach the
    /// function.
    AllTests,
}

impl TestTarget {
    /// The cargo argument that selects it. Target names are crate names here (`-`
    /// turned into `_`); cargo matches `--bin`/`--test` as globs, so each `_` is a
    /// `?` that matches the `-` of the real name too.
    pub fn cargo_arg(&self) -> String {
        match self {
            TestTarget::Lib => "--lib".into(),
            TestTarget::Bin(name) => format!("--bin={}", name.replace('_', "?")),
            TestTarget::Test(name) => format!("--test={}", name.replace('_', "?")),
            TestTarget::AllTests => "--tests".into(),
        }
    }
}

/// Whether a group runs cargo-mutants' baseline first, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// Skipped: the last `cargo vital run` is this baseline. Each mutant's tests get
    /// `timeout`; the binaries took `measured` then.
    Skip {
        /// The timeout of each mutant's tests.
        timeout: Duration,
        /// The measured time of the group's test binaries.
        measured: Duration,
    },
    /// Run by cargo-mutants, for this reason.
    Run(String),
}

/// One cargo-mutants run: the mutants of functions that the same test binaries reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The package the mutants are in (`--package`).
    pub package: String,
    /// The packages whose tests run (`--test-package`).
    pub test_packages: Vec<String>,
    /// The test binaries built and run.
    pub targets: Vec<TestTarget>,
    /// The crates of those binaries (their test results' names).
    pub binaries: Vec<String>,
    /// The vital functions, as the catalogue names them.
    pub functions: Vec<String>,
    /// The exact names of the mutants to test.
    pub mutants: Vec<String>,
    /// Those of them that the catalogue acknowledges as equivalent: left out of the
    /// score whatever their outcome, so never re-tested with the whole suite.
    pub acknowledged: Vec<String>,
    /// Whether the baseline runs.
    pub baseline: Baseline,
    /// A diff adding every line of the functions, for `--in-diff`: cargo-mutants 27
    /// does not filter struct-field mutants by name, so the names alone do not
    /// keep the rest of the package out.
    pub diff: String,
}

/// How the mutants are run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// Features for the builds (`--features`, with the config's).
    pub features: Vec<String>,
    /// `--all-features` (or the config's `all_features`).
    pub all_features: bool,
    /// `--no-default-features` (or the config's).
    pub no_default_features: bool,
    /// Keys of cargo-mutants' config that change the builds beyond features.
    pub build_keys: Vec<&'static str>,
    /// A fixed timeout of each mutant's tests, instead of the measured one.
    pub timeout: Option<Duration>,
    /// The least timeout.
    pub minimum_timeout: Duration,
    /// The measured time is multiplied by this.
    pub multiplier: f64,
    /// Only the tests of these packages count; all when empty.
    pub packages: Vec<String>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            features: Vec::new(),
            all_features: false,
            no_default_features: false,
            build_keys: Vec::new(),
            timeout: None,
            minimum_timeout: Duration::from_secs(20),
            multiplier: 5.0,
            packages: Vec::new(),
        }
    }
}

/// What the last `cargo vital run` left: the stamp of the source it ran on, its
/// settings and its test results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    /// The source when it ran.
    pub stamp: SourceStamp,
    /// How it ran.
    pub settings: Option<RunSettings>,
    /// Its test results.
    pub results: Option<TestResults>,
}

impl LastRun {
    /// The run whose export is `coverage` (with its stamp and settings beside it)
    /// and whose results are those of `results` that exist; `None` without an
    /// export or a stamp. Unreadable parts count as missing: nothing relies on them.
    pub fn load(coverage: &Path, results: &[PathBuf], workspace: &Workspace) -> Option<LastRun> {
        if !coverage.is_file() {
            return None;
        }
        let stamp = SourceStamp::load(&SourceStamp::path_for(coverage), &SourceStamp::path_for(coverage))
            .ok()
            .flatten()?;
        let settings = RunSettings::load(&RunSettings::path_for(coverage));
        let mut merged: Option<TestResults> = None;
        for path in results.iter().filter(|p| p.is_file()) {
            let Ok(read) = TestResults::read(path, path, workspace) else {
                return Some(LastRun { stamp, settings, results: None });
            };
            match &mut merged {
                Some(all) => all.merge(read),
                None => merged = Some(read),
            }
        }
        Some(LastRun { stamp, settings, results: merged })
    }
}

/// The groups to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// In a stable order: by package, then by test binaries.
    pub groups: Vec<Group>,
}

impl Plan {
    /// How many mutants the groups test.
    pub fn mutants(&self) -> usize {
        self.groups.iter().map(|g| g.mutants.len()).sum()
    }
}

/// Plans the run of the mutants of `functions` (with their catalogue names), whose
/// current mutants `evidence` holds (a join of the list without results), `list`
/// being that list (for each mutant's package).
pub fn plan(
    index: &SourceIndex,
    functions: &[(String, FnId)],
    evidence: &[MutationEvidence],
    list: &[MutantRecord],
    last_run: Option<&LastRun>,
    options: &PlanOptions,
) -> Plan {
    let suite = TestSuite::new(index);
    let package_of: BTreeMap<&str, &str> =
        list.iter().map(|m| (m.name.as_str(), m.package.as_str())).collect();
    // (package, test packages, targets) → (functions, mutants, acknowledged mutants)
    type Key = (String, Vec<String>, Vec<TestTarget>);
    type Members = (Vec<String>, Vec<String>, Vec<String>, Vec<FnId>);
    let mut groups: BTreeMap<Key, Members> = BTreeMap::new();
    for ((name, f), evidence) in functions.iter().zip(evidence) {
        let mutants: Vec<&str> = evidence
            .mutants
            .iter()
            .filter(|m| m.status == MutantStatus::Untested)
            .map(|m| m.mutant.name.as_str())
            .collect();
        let Some(package) = mutants.iter().find_map(|m| package_of.get(m)) else { continue };
        let mut targets = BTreeSet::new();
        let mut test_packages = BTreeSet::new();
        let allowed =
            |package: &str| options.packages.is_empty() || options.packages.iter().any(|p| p == package);
        for test in suite.tests.iter().filter(|t| !t.attrs.ignored && suite.reaches(t, *f)) {
            let krate = &index.crates[test.krate.index()];
            if !allowed(&krate.package) {
                continue;
            }
            test_packages.insert(krate.package.clone());
            targets.insert(match krate.kind {
                TargetKind::Lib => TestTarget::Lib,
                TargetKind::Bin => TestTarget::Bin(krate.name.clone()),
                TargetKind::Test => TestTarget::Test(krate.name.clone()),
            });
        }
        if targets.is_empty() {
            targets.insert(TestTarget::AllTests);
            if options.packages.is_empty() {
                test_packages.insert((*package).to_string());
            } else {
                test_packages.extend(options.packages.iter().cloned());
            }
        }
        let key = (package.to_string(), test_packages.into_iter().collect(), targets.into_iter().collect());
        let (names, all, acknowledged, ids) = groups.entry(key).or_default();
        names.push(name.clone());
        ids.push(*f);
        all.extend(mutants.iter().map(|m| m.to_string()));
        acknowledged.extend(
            evidence.mutants.iter().filter(|m| m.acknowledged.is_some()).map(|m| m.mutant.name.clone()),
        );
    }
    let current = SourceStamp::of(index);
    let groups = groups
        .into_iter()
        .map(|((package, test_packages, targets), (functions, mutants, acknowledged, ids))| {
            let binaries = binaries(index, &suite, &test_packages, &targets);
            let baseline = baseline(&current, last_run, &binaries, options);
            let diff = lines_of(index, &ids);
            Group {
                package,
                test_packages,
                targets,
                binaries,
                functions,
                mutants,
                acknowledged,
                baseline,
                diff,
            }
        })
        .collect();
    Plan { groups }
}

/// A diff adding every line of the functions `ids`.
fn lines_of(index: &SourceIndex, ids: &[FnId]) -> String {
    let mut by_file: BTreeMap<crate::source::FileId, Vec<(usize, usize)>> = BTreeMap::new();
    for &f in ids {
        let def = index.func(f);
        by_file.entry(def.file).or_default().push((def.start.line as usize, def.end.line as usize));
    }
    let files: Vec<super::diff::AddedLines<'_>> = by_file
        .into_iter()
        .map(|(file, ranges)| super::diff::AddedLines {
            rel: index.file(file).rel.as_str(),
            text: index.file(file).text.as_str(),
            ranges,
        })
        .collect();
    super::diff::synthetic(&files)
}

/// The crates whose test binaries a group runs.
fn binaries(
    index: &SourceIndex,
    suite: &TestSuite<'_>,
    packages: &[String],
    targets: &[TestTarget],
) -> Vec<String> {
    let mut out = BTreeSet::new();
    for target in targets {
        match target {
            TestTarget::Lib => {
                out.extend(
                    index
                        .crates
                        .iter()
                        .filter(|c| c.kind == TargetKind::Lib && packages.contains(&c.package))
                        .map(|c| c.name.clone()),
                );
            }
            TestTarget::Bin(name) | TestTarget::Test(name) => {
                out.insert(name.clone());
            }
            TestTarget::AllTests => {
                // Every binary of the packages that has a test to run.
                for test in suite.tests.iter().filter(|t| !t.attrs.ignored) {
                    let krate = &index.crates[test.krate.index()];
                    if packages.contains(&krate.package) {
                        out.insert(krate.name.clone());
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Whether the last run stands for a group's baseline, and the timeout then.
fn baseline(
    current: &SourceStamp,
    last_run: Option<&LastRun>,
    binaries: &[String],
    options: &PlanOptions,
) -> Baseline {
    let Some(run) = last_run else {
        return Baseline::Run("no `cargo vital run` recorded its tests".into());
    };
    if run.stamp != *current {
        return Baseline::Run("the source changed since the last `cargo vital run`".into());
    }
    let Some(results) = &run.results else {
        return Baseline::Run("the last `cargo vital run` recorded no test results".into());
    };
    if !results.failed().is_empty() {
        return Baseline::Run("tests failed in the last `cargo vital run`".into());
    }
    let Some(settings) = &run.settings else {
        return Baseline::Run("the last `cargo vital run` did not record its settings".into());
    };
    if !settings.test_args.is_empty() {
        return Baseline::Run("the last `cargo vital run` passed arguments to the tests".into());
    }
    let same_features = RunSettings::feature_set(&settings.features)
        == RunSettings::feature_set(&options.features)
        && settings.all_features == options.all_features
        && settings.no_default_features == options.no_default_features;
    if !same_features {
        return Baseline::Run("the last `cargo vital run` had other features".into());
    }
    if let Some(key) = options.build_keys.first() {
        return Baseline::Run(format!("cargo-mutants' config sets `{key}`"));
    }
    let mut measured = Duration::ZERO;
    for binary in binaries {
        match results.time_of(binary) {
            Some(time) => measured += time,
            None => {
                return Baseline::Run(format!("the last `cargo vital run` recorded no time for `{binary}`"));
            }
        }
    }
    let timeout = options.timeout.unwrap_or_else(|| {
        let scaled = Duration::try_from_secs_f64((measured.as_secs_f64() * options.multiplier).ceil())
            .unwrap_or(Duration::MAX);
        scaled.max(options.minimum_timeout)
    });
    Baseline::Skip { timeout, measured }
}
