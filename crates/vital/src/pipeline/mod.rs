//! The pipeline, as one API: a [`Session`] opens a workspace and its catalogue
//! (scans the source, resolves every entry), then checks [`Inputs`] into a
//! [`Report`]. The `cargo-vital` binary, the xtask and any workspace's own tooling
//! use it the same way:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let metadata = cargo_metadata::MetadataCommand::new().no_deps().exec()?;
//! let workspace = vital::Workspace::from_metadata(&metadata);
//! let session = vital::Session::open(workspace, None)?; // vital.toml at the root
//! let report = session.check(&vital::Inputs::last_run(session.workspace()))?;
//! print!("{}", report.render(vital::Format::Human, &vital::Style::default()));
//! std::process::exit(report.exit_code());
//! # }
//! ```

mod build;
mod scope;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::catalogue::{Catalogue, Entry, FILE_NAME, Tier};
use crate::error::{Error, ErrorKind, Location, Problem, Result};
use crate::evidence::coverage::stamp::{RunSettings, SourceStamp};
use crate::evidence::coverage::{Export, join, keep_files};
use crate::evidence::failpoints;
use crate::evidence::mutants::plan::{LastRun, Plan, PlanOptions};
use crate::evidence::mutants::{self, MutationEvidence, list::MutantRecord, outcomes};
use crate::evidence::pertest::{self, PerTest};
use crate::evidence::tests::{RunEvidence, TestResults, TestSuite, evaluate_modes, mode_candidates};
use crate::report::baseline::{apply_baseline, read_baseline};
use crate::report::{CheckKind, CoverageInput, Report, TestSummary};
use crate::source::cache::ScanCache;
use crate::source::resolve::Resolver;
use crate::source::{FnId, Scan, ScanStats, SourceIndex};
use crate::workspace::Workspace;
use build::Measured;

/// One input file (coverage, test results, a baseline): where it is and how
/// messages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it.
    pub path: PathBuf,
    /// How messages show it.
    pub display: PathBuf,
}

impl InputFile {
    /// A file shown as given.
    pub fn new(path: impl Into<PathBuf>) -> InputFile {
        let path = path.into();
        InputFile { display: path.clone(), path }
    }
}

impl From<PathBuf> for InputFile {
    fn from(path: PathBuf) -> InputFile {
        InputFile::new(path)
    }
}

impl From<&Path> for InputFile {
    fn from(path: &Path) -> InputFile {
        InputFile::new(path)
    }
}

/// The evidence a check reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    coverage: Vec<InputFile>,
    tests: Vec<InputFile>,
    baseline: Option<InputFile>,
    stamp: Option<InputFile>,
    unstamped: bool,
    per_test: Vec<InputFile>,
    mutants: Vec<InputFile>,
    mutant_list: Option<InputFile>,
}

impl Inputs {
    /// No evidence yet.
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// Adds an llvm-cov JSON export; several merge (sharded CI).
    #[must_use]
    pub fn coverage(mut self, file: impl Into<InputFile>) -> Inputs {
        self.coverage.push(file.into());
        self
    }

    /// Adds a test-results file (nextest JUnit XML, libtest JSON lines); several merge.
    #[must_use]
    pub fn tests(mut self, file: impl Into<InputFile>) -> Inputs {
        self.tests.push(file.into());
        self
    }

    /// Compares with an earlier `json` report: functions no worse than there are
    /// accepted.
    #[must_use]
    pub fn baseline(mut self, file: impl Into<InputFile>) -> Inputs {
        self.baseline = Some(file.into());
        self
    }

    /// The source stamp every coverage file was produced after (`cargo vital stamp`);
    /// by default each export's stamp is the `NAME.sources.json` next to it.
    #[must_use]
    pub fn stamp(mut self, file: impl Into<InputFile>) -> Inputs {
        self.stamp = Some(file.into());
        self
    }

    /// Adds a directory of per-test evidence (SPEC §7); by default each export's
    /// `NAME.pertest/` beside it is read.
    #[must_use]
    pub fn per_test(mut self, dir: impl Into<InputFile>) -> Inputs {
        self.per_test.push(dir.into());
        self
    }

    /// Checks coverage that has no source stamp anyway: its freshness cannot be
    /// shown, and every report says so.
    #[must_use]
    pub fn unstamped(mut self) -> Inputs {
        self.unstamped = true;
        self
    }

    /// What the last `cargo vital run` in `workspace` wrote: its export under
    /// `target/vital/`, and the test results of the same run.
    pub fn last_run(workspace: &Workspace) -> Inputs {
        let mut inputs = Inputs::new().coverage(default_coverage_path(workspace));
        for results in default_results_paths(workspace).into_iter().filter(|p| p.is_file()) {
            inputs = inputs.tests(results);
        }
        inputs
    }

    /// The coverage files given.
    pub fn coverage_files(&self) -> &[InputFile] {
        &self.coverage
    }

    /// The files a check of these inputs reads, which a report must never be written
    /// over and a certificate lists by digest (`inputAttestations`): coverage, their
    /// stamps, test results, every file of the per-test evidence, the mutation
    /// results (cargo-mutants' logs aside) and the mutant list. Some may not exist
    /// (a stamp that is not there). A baseline is not among them: writing the new
    /// report over it refreshes it.
    pub fn files_read(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for coverage in &self.coverage {
            files.push(SourceStamp::path_for(&coverage.path));
            files.push(coverage.path.clone());
        }
        files.extend(self.stamp.iter().map(|s| s.path.clone()));
        files.extend(self.tests.iter().map(|t| t.path.clone()));
        let dirs = self
            .per_test
            .iter()
            .map(|d| d.path.clone())
            .chain(self.coverage.iter().map(|c| pertest::dir_for(&c.path)));
        for dir in dirs {
            files.push(dir.join(pertest::INDEX_FILE));
            files.extend(files_under(&dir, &[]));
        }
        for dir in &self.mutants {
            files.extend(files_under(&dir.path, &["log"]));
        }
        files.extend(self.mutant_list.iter().map(|l| l.path.clone()));
        files.sort();
        files.dedup();
        files
    }

    /// Adds mutation results: a `mutants.out` directory of cargo-mutants, the
    /// directory that holds one, or one of `cargo vital mutants`; several merge
    /// (shards). Needs [`Inputs::mutant_list`].
    #[must_use]
    pub fn mutants(mut self, dir: impl Into<InputFile>) -> Inputs {
        self.mutants.push(dir.into());
        self
    }

    /// The mutants of the current source: the output of `cargo mutants --list
    /// --json` on it, which says what mutants each vital function has.
    #[must_use]
    pub fn mutant_list(mut self, file: impl Into<InputFile>) -> Inputs {
        self.mutant_list = Some(file.into());
        self
    }

    /// The mutation results given.
    pub fn mutants_dirs(&self) -> &[InputFile] {
        &self.mutants
    }
}

/// The regular files under `dir` (none when it is not a directory), leaving out
/// directories named in `skip`; symlinks are not followed.
fn files_under(dir: &Path, skip: &[&str]) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && skip.iter().any(|s| e.file_name() == *s)))
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Where `cargo vital mutants` writes its results (one `mutants.out` per group of
/// test binaries, the mutant list `list.json` and the source stamp `sources.json`).
pub fn default_mutants_dir(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("mutants")
}

/// The name of the mutant list in a `cargo vital mutants` directory.
pub const MUTANT_LIST: &str = "list.json";
/// The name of the source stamp in a `cargo vital mutants` directory.
pub const MUTANTS_STAMP: &str = "sources.json";

/// Where `cargo vital run` writes the coverage it produces.
pub fn default_coverage_path(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("coverage.json")
}

/// Where `cargo vital run` and `cargo vital check` save the report of their last
/// coverage check (`json`), which `cargo vital report` renders by default.
pub fn default_report_path(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("report.json")
}

/// Where `cargo vital run` writes the test results of its run (nextest's JUnit or
/// libtest's JSON lines, whichever ran).
pub fn default_results_paths(workspace: &Workspace) -> [PathBuf; 2] {
    let dir = workspace.vital_dir();
    [dir.join("tests.xml"), dir.join("tests.jsonl")]
}

/// Where the scan cache lives: `target/vital/scan-cache/`.
pub fn default_scan_cache_dir(workspace: &Workspace) -> PathBuf {
    workspace.vital_dir().join("scan-cache")
}

/// A workspace with its catalogue resolved: every entry's function found in the
/// source. Build once, check many times.
#[derive(Debug)]
pub struct Session {
    workspace: Workspace,
    catalogue: Catalogue,
    index: SourceIndex,
    functions: Vec<FnId>,
    scan: ScanStats,
    cache_warning: Option<String>,
}

impl Session {
    /// Opens `workspace` with the catalogue at `catalogue` (default: `vital.toml` at
    /// the workspace root): reads it, scans the source that can matter to it,
    /// resolves every entry. Writes nothing.
    pub fn open(workspace: Workspace, catalogue: Option<&Path>) -> Result<Session> {
        let catalogue = load_catalogue(&workspace, catalogue)?;
        Session::new(workspace, catalogue)
    }

    /// [`Session::open`], remembering the scan between runs in
    /// [`default_scan_cache_dir`]: files that did not change since are not parsed
    /// again.
    pub fn open_cached(workspace: Workspace, catalogue: Option<&Path>) -> Result<Session> {
        let catalogue = load_catalogue(&workspace, catalogue)?;
        let cache = ScanCache::new(&workspace, default_scan_cache_dir(&workspace));
        Session::with_cache(workspace, catalogue, Some(cache))
    }

    /// Scans the source of `workspace` that can matter to `catalogue` (see
    /// [`Workspace::tests_reach`]) and resolves every entry. All entries that resolve
    /// to nothing, to several functions, or to a function another entry already
    /// names, are reported together.
    pub fn new(workspace: Workspace, catalogue: Catalogue) -> Result<Session> {
        Session::with_cache(workspace, catalogue, None)
    }

    /// [`Session::new`], remembering the scan in `cache` when given.
    pub fn with_cache(
        workspace: Workspace,
        catalogue: Catalogue,
        cache: Option<ScanCache>,
    ) -> Result<Session> {
        let mut scan = Scan::new(&workspace, cache);
        let scoped = scope::scan_and_resolve(&workspace, &catalogue, &mut scan);
        // The cache only saves time: a cache that cannot be written is a warning.
        let cache_warning = scan.save().err().map(|err| format!("the scan cache was not saved: {err}"));
        let stats = scan.stats();
        drop(scan);
        let functions = scoped.functions?;
        Ok(Session { workspace, catalogue, index: scoped.index, functions, scan: stats, cache_warning })
    }

    /// [`Session::open`] over every crate of the workspace, whatever the catalogue
    /// names: for what looks at all the code (`cargo vital inventory`).
    pub fn open_whole(workspace: Workspace, catalogue: Option<&Path>) -> Result<Session> {
        let catalogue = load_catalogue(&workspace, catalogue)?;
        let mut scan = Scan::new(&workspace, None);
        let all = workspace.packages.iter().map(|p| p.name.as_str()).collect();
        let index = scan.index(&all);
        let stats = scan.stats();
        drop(scan);
        let functions = resolve_entries(&index, &catalogue)?;
        Ok(Session { workspace, catalogue, index, functions, scan: stats, cache_warning: None })
    }

    /// What the scan read: the packages, and how many files it parsed or found in
    /// the cache.
    pub fn scan_stats(&self) -> &ScanStats {
        &self.scan
    }

    /// Keeps only the entries whose function is in a package `keep` accepts (as
    /// `cargo … -p`, `--exclude` select packages): the gate is narrowed to them.
    pub fn select(&mut self, keep: impl Fn(&str) -> bool) {
        let kept: Vec<bool> = self
            .functions
            .iter()
            .map(|&f| {
                keep(&self.index.crates[self.index.scope(self.index.func(f).scope).krate.index()].package)
            })
            .collect();
        let mut flags = kept.iter();
        self.catalogue.entries.retain(|_| *flags.next().unwrap_or(&false));
        let mut flags = kept.iter();
        self.functions.retain(|_| *flags.next().unwrap_or(&false));
    }

    /// The features the entries ask for (`features = [...]`), and the failpoints
    /// feature (`[conventions] failpoints_feature`) of each package whose vital
    /// functions have failpoints, where it declares one; as cargo takes them for a
    /// package of a workspace: `package/feature`.
    pub fn entry_features(&self) -> Vec<String> {
        let mut features: Vec<String> = self
            .entries()
            .flat_map(|(entry, f)| {
                let package =
                    &self.index.crates[self.index.scope(self.index.func(f).scope).krate.index()].package;
                entry.features.iter().map(move |feature| format!("{package}/{feature}"))
            })
            .collect();
        // The failpoints feature of each package whose vital functions have
        // failpoints: without it, `fail_point!` compiles to nothing (SPEC §9).
        let feature = &self.catalogue.conventions.failpoints_feature;
        for (_, f) in self.entries() {
            if self.index.func(f).failpoints.is_empty() {
                continue;
            }
            let package =
                &self.index.crates[self.index.scope(self.index.func(f).scope).krate.index()].package;
            if self.workspace.packages.iter().any(|p| &p.name == package && p.features.contains(feature)) {
                features.push(format!("{package}/{feature}"));
            }
        }
        features.sort();
        features.dedup();
        features
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// The catalogue.
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The workspace's source.
    pub fn index(&self) -> &SourceIndex {
        &self.index
    }

    /// The entries with their functions, in catalogue order.
    pub fn entries(&self) -> impl Iterator<Item = (&Entry, FnId)> + '_ {
        self.catalogue.entries.iter().zip(self.functions.iter().copied())
    }

    /// The workspace's own files, which no output may replace: every source file
    /// indexed and every member's `Cargo.toml`.
    pub fn own_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.index.files.iter().map(|f| f.path.clone()).collect();
        files.extend(self.workspace.packages.iter().map(|p| p.manifest_path.clone()));
        files
    }

    /// The hashes of every source file, to take before a coverage run: the check
    /// that reads the coverage then knows whether the source changed since. Every
    /// file of the workspace, not only those read: a later catalogue may name a
    /// function in another crate.
    pub fn stamp(&self) -> SourceStamp {
        SourceStamp::of_workspace_and(&self.workspace, &self.index)
    }

    /// Checks the evidence of `inputs`: reads and joins the coverage, reads the test
    /// results, judges every function, and compares with the baseline if one is
    /// given.
    pub fn check(&self, inputs: &Inputs) -> Result<Report> {
        self.require_entries()?;
        // A bad baseline is found before the slow part.
        let baseline = inputs.baseline.as_ref().map(|b| read_baseline(&b.path, &b.display)).transpose()?;
        let mutation = self.read_mutants(inputs)?;
        let (exports, unstamped) = self.read_coverage(inputs)?;
        let results = self.read_results(&inputs.tests)?;
        let per_test = self.read_per_test(inputs)?;
        let mut report = self.judge(&exports, results.as_ref(), per_test.as_ref(), mutation.as_ref())?;
        for export in &unstamped {
            report.warnings.push(format!(
                "{export}: no source stamp, checked anyway (`--unstamped`): nothing shows that this coverage \
                 is of the source as it is now"
            ));
        }
        if let Some(baseline) = &baseline {
            apply_baseline(&mut report, baseline);
        }
        Ok(report)
    }

    /// A mutation check (`cargo vital mutants`): the mutation results of `inputs`
    /// alone, judged by the tiers' `mutation` key; no coverage.
    pub fn check_mutation(&self, inputs: &Inputs) -> Result<Report> {
        let baseline = inputs.baseline.as_ref().map(|b| read_baseline(&b.path, &b.display)).transpose()?;
        let Some(joined) = self.read_mutants(inputs)? else {
            return Err(Error::new(ErrorKind::Mutants, None, "no mutation results were given").with_help(
                "pass `--mutants DIR` (a `mutants.out` of cargo-mutants), or run `cargo vital mutants`",
            ));
        };
        let suite = TestSuite::new(&self.index);
        let functions = self
            .entries()
            .zip(&joined.functions)
            .map(|((entry, f), mutation)| {
                let modes = evaluate_modes(&suite, RunEvidence::default(), &self.catalogue, entry, f)?;
                Ok(build::function_report(
                    &self.index,
                    &self.catalogue,
                    entry,
                    f,
                    None,
                    modes,
                    Some(mutation),
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut warnings = self.warnings();
        warnings.extend(joined.warnings);
        let mut report = Report::new(CheckKind::Mutation, functions, Vec::new(), None, warnings);
        if let Some(baseline) = &baseline {
            apply_baseline(&mut report, baseline);
        }
        Ok(report)
    }

    /// What `cargo vital mutants` runs: the mutants of the vital functions in
    /// `list` (the output of `cargo mutants --list --json` on this source), grouped
    /// by the test binaries that reach them, each group with its baseline and
    /// timeout (see [`mutants::plan`]). A survivor pin that matches nothing is an
    /// error here already.
    pub fn mutation_plan(&self, list: &InputFile, options: &PlanOptions) -> Result<Plan> {
        let records = read_list(list)?;
        let entries: Vec<(&Entry, FnId)> = self.entries().collect();
        let joined = mutants::join(&self.index, &self.catalogue, &entries, &records, &list.display, &[])?;
        let last = LastRun::load(
            &default_coverage_path(&self.workspace),
            &default_results_paths(&self.workspace),
            &self.workspace,
        );
        let functions: Vec<(String, FnId)> = self.entries().map(|(e, f)| (e.function.clone(), f)).collect();
        Ok(mutants::plan::plan(&self.index, &functions, &joined.functions, &records, last.as_ref(), options))
    }

    /// Reads and joins the mutation results of `inputs`; `None` when none are given.
    fn read_mutants(&self, inputs: &Inputs) -> Result<Option<mutants::Joined>> {
        if inputs.mutants.is_empty() {
            return Ok(None);
        }
        let Some(list) = &inputs.mutant_list else {
            return Err(Error::new(
                ErrorKind::Mutants,
                None,
                "mutation results were given without the mutants of the current source",
            )
            .with_help("pass the output of `cargo mutants --list --json` (`Inputs::mutant_list`)"));
        };
        let records = read_list(list)?;
        let vital_files = self.vital_files();
        let now = SourceStamp::of(&self.index);
        let mut results = Vec::new();
        for dir in &inputs.mutants {
            // `cargo vital mutants` stamps the source it ran on.
            let stamp_path = dir.path.join(MUTANTS_STAMP);
            if let Some(stamp) = SourceStamp::load(&stamp_path, &dir.display.join(MUTANTS_STAMP))? {
                for &file in &vital_files {
                    let rel = &self.index.file(file).rel;
                    if let Some(then) = stamp.files.get(rel)
                        && Some(then) != now.files.get(rel)
                    {
                        return Err(Error::new(
                            ErrorKind::Mutants,
                            Some(Location::file(rel)),
                            format!(
                                "the mutation results are older than the source: {rel} changed since they were made (stamp {})",
                                dir.display.join(MUTANTS_STAMP).display()
                            ),
                        )
                        .with_help("run the mutants again (`cargo vital mutants`), then check"));
                    }
                }
            }
            for (path, display) in outcomes::find_dirs(&dir.path, &dir.display)? {
                results.push(outcomes::read_dir(&path, &display)?);
            }
        }
        let entries: Vec<(&Entry, FnId)> = self.entries().collect();
        mutants::join(&self.index, &self.catalogue, &entries, &records, &list.display, &results).map(Some)
    }

    /// `check --static`: no coverage. The catalogue resolves, and each failure mode a
    /// tier requires has a test that exists, is not ignored and is not hollow.
    pub fn check_static(&self, baseline: Option<&InputFile>) -> Result<Report> {
        self.require_entries()?;
        let baseline = baseline.map(|b| read_baseline(&b.path, &b.display)).transpose()?;
        let suite = TestSuite::new(&self.index);
        let functions = self
            .entries()
            .map(|(entry, f)| {
                self.check_pins(entry, f, None)?;
                let modes = evaluate_modes(&suite, RunEvidence::default(), &self.catalogue, entry, f)?;
                Ok(build::function_report(&self.index, &self.catalogue, entry, f, None, modes, None))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut report = Report::new(CheckKind::Static, functions, Vec::new(), None, self.warnings());
        if let Some(baseline) = &baseline {
            apply_baseline(&mut report, baseline);
        }
        Ok(report)
    }

    /// An error when the catalogue names no function: a gate that gates nothing must
    /// not look green (SPEC §6).
    pub fn require_entries(&self) -> Result<()> {
        if !self.functions.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Catalogue,
            Some(crate::Location::file(&self.catalogue.path)),
            "the catalogue names no vital function: a gate that gates nothing would pass",
        )
        .with_help(
            "add a `[[vital]]` entry for each function that must not fail; `cargo vital suggest FUNCTION` \
             proposes one",
        ))
    }

    /// The catalogue as resolved.
    pub fn list(&self) -> Vec<Listed> {
        self.entries()
            .map(|(entry, f)| {
                let def = self.index.func(f);
                Listed {
                    function: entry.function.clone(),
                    resolved: self.index.display_path(f),
                    file: self.index.file(def.file).rel.clone(),
                    line: def.fn_line,
                    tier: entry.tier,
                    failure_modes: entry.failure_modes.clone(),
                }
            })
            .collect()
    }

    /// Reads coverage files, keeping the records of the vital functions' files, and
    /// checks each against its source stamp: the one given, else the one next to it.
    /// Coverage without a stamp is an error, unless `--unstamped`: then it is
    /// returned among the second value, to be reported.
    fn read_coverage(&self, inputs: &Inputs) -> Result<(Vec<Export>, Vec<String>)> {
        let files = &inputs.coverage;
        if files.is_empty() {
            return Err(Error::new(ErrorKind::Coverage, None, "no coverage file was given")
                .with_help("pass `--coverage FILE`, or run `cargo vital run` to produce one"));
        }
        let vital_files = self.vital_files();
        let given = match &inputs.stamp {
            Some(stamp) => Some((load_stamp(&stamp.path, &stamp.display)?, stamp.display.clone())),
            None => None,
        };
        let keep = keep_files(&self.index, &self.workspace.root, &vital_files);
        let mut exports = Vec::with_capacity(files.len());
        let mut unstamped = Vec::new();
        for file in files {
            // A broken export says so first: it is the more useful message.
            let mut export = Export::read(&file.path, &file.display, &keep)?;
            // `cargo vital run` always measures branches: no branch record in its
            // export means no condition in the code, not no data.
            if !export.has_branch_data
                && RunSettings::load(&RunSettings::path_for(&file.path)).is_some_and(|s| s.branch)
            {
                export.has_branch_data = true;
            }
            exports.push(export);
            let beside = SourceStamp::path_for(&file.path);
            let stamp = match &given {
                Some(given) => Some(given.clone()),
                None if std::fs::symlink_metadata(&beside).is_ok() => {
                    let display = SourceStamp::path_for(&file.display);
                    Some((load_stamp(&beside, &display)?, display))
                }
                None => None,
            };
            match stamp {
                Some((stamp, display)) => stamp.verify(&self.index, &vital_files, &display)?,
                None if inputs.unstamped => unstamped.push(file.display.display().to_string()),
                None => {
                    return Err(Error::new(
                        ErrorKind::StaleCoverage,
                        Some(crate::Location::file(&file.display)),
                        format!(
                            "the coverage has no source stamp ({} does not exist): nothing shows it is of the \
                             source as it is now",
                            SourceStamp::path_for(&file.display).display()
                        ),
                    )
                    .with_help(
                        "stamp the source before the coverage run (`cargo vital stamp --output FILE.sources.json` \
                         next to the export, or `--stamp FILE`), use `cargo vital run`, or pass `--unstamped` to \
                         check it anyway",
                    ));
                }
            }
        }
        Ok((exports, unstamped))
    }

    /// Reads and merges test-results files; `None` when there are none.
    fn read_results(&self, files: &[InputFile]) -> Result<Option<TestResults>> {
        let mut merged: Option<TestResults> = None;
        for file in files {
            let results = TestResults::read(&file.path, &file.display, &self.workspace)?;
            match &mut merged {
                Some(all) => all.merge(results),
                None => merged = Some(results),
            }
        }
        Ok(merged)
    }

    /// The files that hold vital functions, as paths.
    pub fn vital_file_paths(&self) -> Vec<PathBuf> {
        self.vital_files().into_iter().map(|f| self.index.file(f).path.clone()).collect()
    }

    /// The files that hold vital functions.
    fn vital_files(&self) -> Vec<crate::source::FileId> {
        let mut files: Vec<_> = self.functions.iter().map(|&f| self.index.func(f).file).collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Reads the per-test evidence: the directories given, else the one beside each
    /// export; `None` when there is none.
    fn read_per_test(&self, inputs: &Inputs) -> Result<Option<PerTest>> {
        let dirs: Vec<InputFile> = if inputs.per_test.is_empty() {
            inputs
                .coverage
                .iter()
                .map(|c| InputFile { path: pertest::dir_for(&c.path), display: pertest::dir_for(&c.display) })
                .filter(|d| d.path.join(pertest::INDEX_FILE).exists())
                .collect()
        } else {
            inputs.per_test.clone()
        };
        let vital_files = self.vital_files();
        let keep = keep_files(&self.index, &self.workspace.root, &vital_files);
        let mut merged: Option<PerTest> = None;
        for dir in &dirs {
            let read = PerTest::read(&dir.path, &dir.display, &keep)?;
            // Checked against the stamp of its run, like coverage: per-test evidence
            // of an older source proves nothing about this one.
            let stamp_path = dir.path.join(pertest::STAMP_FILE);
            let stamp_display = dir.display.join(pertest::STAMP_FILE);
            if std::fs::symlink_metadata(&stamp_path).is_ok() {
                load_stamp(&stamp_path, &stamp_display)?.verify(&self.index, &vital_files, &stamp_display)?;
            } else if let Some(given) = &inputs.stamp {
                load_stamp(&given.path, &given.display)?.verify(&self.index, &vital_files, &given.display)?;
            } else if !inputs.unstamped {
                return Err(Error::new(
                    ErrorKind::StaleCoverage,
                    Some(crate::Location::file(&dir.display)),
                    format!(
                        "the per-test evidence has no source stamp ({} does not exist): nothing shows it is of \
                         the source as it is now",
                        stamp_display.display()
                    ),
                )
                .with_help("produce it with `cargo vital run`, or pass `--stamp FILE` or `--unstamped`"));
            }
            match &mut merged {
                Some(all) => all.merge(read),
                None => merged = Some(read),
            }
        }
        Ok(merged)
    }

    /// Errors when a mode of `entry` is pinned to a place that is not in its function
    /// or, with its coverage, on no code region of it: the code changed since.
    fn check_pins(
        &self,
        entry: &Entry,
        f: FnId,
        evidence: Option<&crate::evidence::coverage::Evidence>,
    ) -> Result<()> {
        for (mode, name) in &entry.failpoints {
            let sites = &self.index.func(f).failpoints;
            let names: Vec<String> =
                sites.iter().filter_map(|site| failpoints::site_name(&self.index, f, site)).collect();
            if !names.contains(name) {
                let known = if names.is_empty() {
                    "it has no failpoint vital can name".to_string()
                } else {
                    format!(
                        "its failpoints are {}",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    )
                };
                return Err(Error::new(
                    ErrorKind::Catalogue,
                    Some(self.catalogue.location_of(entry)),
                    format!(
                        "failure mode `{mode}` is pinned to failpoint `{name}`, which `{}` ({}) does not have: {known}",
                        self.index.display_path(f),
                        self.index.location(f)
                    ),
                )
                .with_help("pin the mode to a `fail_point!` of the function, by the name it is called with"));
            }
        }
        for (mode, pin) in &entry.regions {
            let pos = self.index.pin_pos(f, pin.line_offset, pin.column);
            let on_region = match (pos, evidence) {
                (None, _) => false,
                (Some(at), Some(evidence)) => evidence.region_at(at).is_some(),
                (Some(_), None) => true,
            };
            if !on_region {
                let what =
                    if pos.is_none() { "is not in the function" } else { "is on no code region of it" };
                return Err(Error::new(
                    ErrorKind::Catalogue,
                    Some(self.catalogue.location_of(entry)),
                    format!(
                        "the region `{mode}` is pinned to ({pin}: line {} of {}) {what}",
                        self.index.func(f).fn_line + pin.line_offset,
                        self.index.location(f)
                    ),
                )
                .with_help(
                    "pins are \"LINE:COL\", the line counted from the `fn` line (0) and the column in characters: \
                     point it at the code the test must run (the code moved?)",
                ));
            }
        }
        Ok(())
    }

    /// The tests to run alone for per-test evidence, given the suite's results: the
    /// test of each declared failure mode that exists, is not ignored, reaches the
    /// function and asserts, and passed in the suite.
    pub fn proof_targets(&self, results: &TestResults) -> Vec<ProofTarget> {
        self.proof_targets_where(&|krate, test, parametrized| {
            results.lookup(krate, test, parametrized) == Some(crate::evidence::tests::Outcome::Passed)
        })
    }

    /// The tests [`Session::proof_targets`] would give if every test passed: those
    /// to run alone as soon as they have passed in the suite.
    pub fn proof_candidates(&self) -> Vec<ProofTarget> {
        self.proof_targets_where(&|_, _, _| true)
    }

    fn proof_targets_where(&self, passed: &dyn Fn(&str, &str, bool) -> bool) -> Vec<ProofTarget> {
        let suite = TestSuite::new(&self.index);
        let mut targets: Vec<ProofTarget> = Vec::new();
        for (entry, f) in self.entries() {
            for mode in &entry.failure_modes {
                let (candidates, _) = mode_candidates(&suite, &self.catalogue, entry, f, mode);
                for test in candidates.iter().map(|&i| &suite.tests[i]) {
                    let krate = &self.index.crates[test.krate.index()];
                    let parametrized = test.attrs.is_parametrized();
                    let counts = !test.attrs.ignored
                        && (entry.tests.contains_key(mode) || suite.reaches(test, f))
                        && suite.asserts_about(test, f)
                        && passed(&krate.name, &test.path, parametrized);
                    let known = targets.iter().any(|t| t.krate == krate.name && t.test == test.path);
                    if counts && !known {
                        targets.push(self.proof_target(krate, &test.path, parametrized));
                    }
                }
            }
        }
        // Tests that arm failpoints in a vital function: their own coverage says which
        // failpoints they fired (SPEC §9).
        for (_, f) in self.entries() {
            if self.index.func(f).failpoints.is_empty() {
                continue;
            }
            for test in suite.tests.iter().filter(|t| !t.attrs.ignored && suite.reaches(t, f)) {
                if !suite.arms_failpoints(test) {
                    continue;
                }
                let krate = &self.index.crates[test.krate.index()];
                let parametrized = test.attrs.is_parametrized();
                if passed(&krate.name, &test.path, parametrized)
                    && !targets.iter().any(|t| t.krate == krate.name && t.test == test.path)
                {
                    targets.push(self.proof_target(krate, &test.path, parametrized));
                }
            }
        }
        targets
    }

    /// What `cargo vital chaos` runs: the failpoints of the vital functions it can
    /// arm, their chaos tests, the rounds. Errors when there is nothing to arm or
    /// no chaos test to run (exit 2: no verdict).
    pub fn chaos_plan(&self, options: &crate::chaos::ChaosOptions) -> Result<crate::chaos::ChaosPlan> {
        use crate::chaos::{ChaosTest, armable, chaos_tests, rounds};
        let with_failpoints: Vec<FnId> =
            self.functions.iter().copied().filter(|&f| !self.index.func(f).failpoints.is_empty()).collect();
        let (failpoints, unarmed) = armable(&self.index, &with_failpoints);
        if failpoints.is_empty() {
            return Err(Error::new(
                ErrorKind::Catalogue,
                Some(crate::Location::file(&self.catalogue.path)),
                "no vital function has a failpoint that chaos can arm",
            )
            .with_help(
                "add `fail::fail_point!(\"name\", |_| …)` to the code paths that can fail (SPEC §9); \
                 failpoints without a closure, or without a known name, are never armed",
            ));
        }
        let suite = TestSuite::new(&self.index);
        let templates = &self.catalogue.conventions.chaos_test;
        let mut tests: Vec<ChaosTest> = Vec::new();
        let mut missing_tests = Vec::new();
        for &f in &with_failpoints {
            let (found, expected) = chaos_tests(&suite, &self.index, templates, f);
            if found.is_empty() {
                missing_tests.push(format!(
                    "`{}` has failpoints and no chaos test: add `{expected}`",
                    self.index.display_path(f)
                ));
            }
            for test in found.iter().map(|&i| &suite.tests[i]).filter(|t| !t.attrs.ignored) {
                let krate = &self.index.crates[test.krate.index()];
                if tests.iter().any(|t| t.krate == krate.name && t.test == test.path) {
                    continue;
                }
                let target = self.proof_target(krate, &test.path, test.attrs.is_parametrized());
                tests.push(ChaosTest {
                    krate: target.krate,
                    test: target.test,
                    package: target.package,
                    package_dir: target.package_dir,
                    source: target.source,
                    kind: krate.kind,
                });
            }
        }
        if tests.is_empty() {
            return Err(Error::new(ErrorKind::Catalogue, None, "no chaos test to run").with_help(format!(
                "{}; a chaos test arms nothing itself, calls `fail::FailScenario::setup()` (it reads \
                 `FAILPOINTS`) and asserts what must hold whatever fails",
                missing_tests.join("; ")
            )));
        }
        let rounds = rounds(failpoints.len(), options);
        Ok(crate::chaos::ChaosPlan { failpoints, tests, rounds, missing_tests, unarmed })
    }

    /// The test `path` of `krate`, to run alone.
    fn proof_target(&self, krate: &crate::source::CrateRoot, path: &str, parametrized: bool) -> ProofTarget {
        let package = self.workspace.packages.iter().find(|p| p.name == krate.package);
        let source = package
            .and_then(|p| p.targets.iter().find(|t| t.name == krate.name && t.kind == krate.kind))
            .map(|t| t.src_path.clone())
            .unwrap_or_default();
        ProofTarget {
            krate: krate.name.clone(),
            test: path.to_string(),
            parametrized,
            package: krate.package.clone(),
            package_dir: package
                .and_then(|p| p.manifest_path.parent())
                .map_or_else(|| self.workspace.root.clone(), Path::to_path_buf),
            source,
        }
    }

    /// Joins and judges against read coverage and, when given, test results,
    /// per-test evidence and mutation results.
    fn judge(
        &self,
        exports: &[Export],
        results: Option<&TestResults>,
        per_test: Option<&PerTest>,
        mutation: Option<&mutants::Joined>,
    ) -> Result<Report> {
        let root = &self.workspace.root;
        let evidence = join(&self.index, root, &self.functions, exports)?;
        let has_branch_data = exports.iter().any(|e| e.has_branch_data);
        let mut warnings = self.warnings();
        warnings.extend(results.iter().flat_map(|r| r.notes().iter().cloned()));
        for export in exports {
            if export.functions.is_empty() && export.total_functions > 0 {
                warnings.push(format!(
                    "{}: none of its {} function records is in a vital function's file; \
                     is it coverage of this workspace ({})?",
                    export.path.display(),
                    export.total_functions,
                    root.display()
                ));
            }
        }
        if let Some(joined) = mutation {
            warnings.extend(joined.warnings.iter().cloned());
        }
        let suite = TestSuite::new(&self.index);
        let functions = self
            .entries()
            .zip(&evidence)
            .enumerate()
            .map(|(i, ((entry, f), evidence))| {
                self.check_pins(entry, f, evidence.as_ref())?;
                let runs = RunEvidence { results, per_test: per_test.map(|p| (p, root.as_path())) };
                let modes = evaluate_modes(&suite, runs, &self.catalogue, entry, f)?;
                let test_name = |krate: &str, test: &str| format!("{krate}::{test}");
                let failpoints = failpoints::evaluate(&self.index, root, f, exports, per_test, &test_name);
                let measured =
                    Measured { evidence: evidence.as_ref(), has_branch_data, failpoints: &failpoints };
                let mutation: Option<&MutationEvidence> = mutation.map(|j| &j.functions[i]);
                Ok(build::function_report(
                    &self.index,
                    &self.catalogue,
                    entry,
                    f,
                    Some(measured),
                    modes,
                    mutation,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let coverage = exports
            .iter()
            .map(|e| CoverageInput {
                file: e.path.display().to_string(),
                format_version: e.version.clone(),
                records: e.total_functions,
                branch_data: e.has_branch_data,
            })
            .collect();
        let tests = results.map(|r| {
            let (passed, failed, ignored) = r.counts();
            TestSummary { passed, failed, ignored, failed_tests: r.failed() }
        });
        Ok(Report::new(CheckKind::Coverage, functions, coverage, tests, warnings))
    }

    /// Warnings about the source and the catalogue: files not indexed, nothing to
    /// gate, likely typos of failure modes (at the mode), custom modes without a
    /// category in an entry that lacks one (at the mode).
    pub fn warnings(&self) -> Vec<String> {
        let catalogue = &self.catalogue;
        let mut warnings: Vec<String> = self.index.warnings.iter().map(ToString::to_string).collect();
        warnings.extend(self.cache_warning.iter().cloned());
        for entry in &catalogue.entries {
            let missing = catalogue.missing_categories(entry);
            for (i, mode) in entry.failure_modes.iter().enumerate() {
                if !missing.is_empty()
                    && catalogue.category_of(mode).is_none()
                    && crate::catalogue::vocabulary::near_miss(mode).is_none()
                {
                    let names: Vec<String> = missing.iter().map(|c| format!("`{c}`")).collect();
                    warnings.push(format!(
                        "{}: failure mode `{mode}` of `{}` has no category, so it covers none of the {} \
                         it lacks: if it is one of them, declare it in the catalogue: \
                         `[modes.{mode}] category = \"{}\"`",
                        catalogue.location_of_mode(entry, i),
                        entry.function,
                        names.join(", "),
                        missing[0]
                    ));
                }
                if let Some(near) = crate::catalogue::vocabulary::near_miss(mode) {
                    warnings.push(format!(
                        "{}: failure mode `{mode}` of `{}` is not a known mode: did you mean `{near}`? \
                         (`cargo vital list --modes` lists them; custom modes are allowed)",
                        catalogue.location_of_mode(entry, i),
                        entry.function
                    ));
                }
            }
        }
        warnings
    }
}

/// The catalogue at `path`, else `vital.toml` at the workspace root.
fn load_catalogue(workspace: &Workspace, path: Option<&Path>) -> Result<Catalogue> {
    match path {
        Some(path) => Catalogue::load(path, path),
        None => Catalogue::load(&workspace.root.join(FILE_NAME), FILE_NAME.as_ref()),
    }
}

/// Reads a stamp that must exist.
fn load_stamp(path: &Path, display: &Path) -> Result<SourceStamp> {
    SourceStamp::load(path, display)?.ok_or_else(|| {
        Error::new(ErrorKind::Coverage, Some(crate::Location::file(display)), "cannot read: no such file")
            .with_help("write it with `cargo vital stamp --output FILE` before the coverage run")
    })
}

/// Reads a mutant list (`cargo mutants --list --json`).
fn read_list(list: &InputFile) -> Result<Vec<MutantRecord>> {
    let text = std::fs::read_to_string(&list.path).map_err(|err| {
        Error::io(ErrorKind::Mutants, &list.display, &err)
            .with_help("write it with `cargo mutants --list --json > FILE` on the current source")
    })?;
    mutants::list::parse(&text, &list.display)
}

fn resolve_entries(index: &SourceIndex, catalogue: &Catalogue) -> Result<Vec<FnId>> {
    let resolver = Resolver::new(index);
    let mut problems = Vec::new();
    let mut functions = Vec::with_capacity(catalogue.entries.len());
    let mut named_by: HashMap<FnId, &Entry> = HashMap::new();
    for entry in &catalogue.entries {
        match resolver.resolve_in(&entry.function, entry.file.as_deref()) {
            Ok(f) => {
                if let Some(first) = named_by.get(&f) {
                    let first_line = catalogue.location_of(first).line.unwrap_or(0);
                    problems.push(Problem {
                        location: Some(catalogue.location_of(entry)),
                        message: format!(
                            "`{}` is the same function as `{}` (line {first_line}): `{}`",
                            entry.function,
                            first.function,
                            index.display_path(f)
                        ),
                        help: Some("keep one entry per function".into()),
                    });
                } else {
                    named_by.insert(f, entry);
                }
                functions.push(f);
            }
            Err(err) => {
                let (message, help) = err.describe(&entry.function);
                problems.push(Problem {
                    location: Some(catalogue.location_of(entry)),
                    message,
                    help: Some(help),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(functions)
    } else {
        if !index.warnings.is_empty() {
            let files: Vec<String> = index.warnings.iter().map(ToString::to_string).collect();
            if let Some(last) = problems.last_mut() {
                let help = last.help.take().unwrap_or_default();
                last.help = Some(format!("{help}\nnote: some source was not indexed:\n{}", files.join("\n")));
            }
        }
        Err(Error::from_problems(ErrorKind::Resolution, problems))
    }
}

/// A test to run alone for per-test evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofTarget {
    /// The crate of its test binary.
    pub krate: String,
    /// Its path in the crate (for a parametrized test, the function of its cases).
    pub test: String,
    /// Whether it stands for several cases (`path::case_1`…), run together.
    pub parametrized: bool,
    /// Its package.
    pub package: String,
    /// Its package's directory, where cargo runs its tests.
    pub package_dir: PathBuf,
    /// The root source file of its crate (absolute): which test binary holds it.
    pub source: PathBuf,
}

/// One line of `cargo vital list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// As written in the catalogue.
    pub function: String,
    /// What it resolved to.
    pub resolved: String,
    /// Workspace-relative file.
    pub file: String,
    /// Line of `fn`.
    pub line: u32,
    /// Tier.
    pub tier: Tier,
    /// Declared failure modes.
    pub failure_modes: Vec<String>,
}

#[cfg(test)]
mod tests;
