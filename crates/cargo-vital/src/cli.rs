//! Command line: `cargo vital run | check | mutants | list | suggest | report | hook |
//! inventory | init | schema | certify`.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::time::Duration;
use vital::catalogue::vocabulary::VOCABULARY;
use vital::catalogue::{Catalogue, FILE_NAME};
use vital::pipeline::{Listed, default_coverage_path, default_report_path};
use vital::report::{Format, Style};
use vital::suggest;
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, InputFile, Inputs, Session};

use crate::early;
use crate::process::{self, CoverageRun, MutantsOutcome, MutantsRun, RunOutcome, Runner};

/// Exit code: every gate holds.
pub const EXIT_PASS: u8 = 0;
/// Exit code: a gate fails.
pub const EXIT_FAIL: u8 = 1;
/// Exit code: the input is unusable.
pub const EXIT_UNUSABLE: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::styling::Styles::styled())]
enum CargoCli {
    /// Gate CI on the coverage of a workspace's vital functions.
    Vital(VitalCli),
}

#[derive(Args, Debug)]
#[command(version, about, long_about = None)]
struct VitalCli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug, Clone)]
pub(crate) struct Common {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// The catalogue [default: vital.toml at the workspace root].
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) catalogue: Option<PathBuf>,
    /// Output format [default: human; html for `report`].
    #[arg(long, global = true, value_enum)]
    pub(crate) format: Option<FormatArg>,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Coloring [default: from CARGO_TERM_COLOR, else auto; NO_COLOR turns auto off].
    #[arg(long, global = true, value_enum)]
    pub(crate) color: Option<ColorArg>,
    /// Say on stderr what vital read: the packages scanned, the files parsed and
    /// those found in the scan cache (target/vital/scan-cache/).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the workspace's tests under coverage (branch data on), then check.
    Run(RunArgs),
    /// Check existing coverage against the catalogue.
    Check(CheckArgs),
    /// Test the mutants of the vital functions (cargo-mutants), only with the test
    /// binaries that reach each, then gate their mutation scores.
    Mutants(MutantsArgs),
    /// Run the vital functions' chaos tests (`{fn}_chaos`) again and again with
    /// their failpoints armed: a replayable sweep, then random rounds.
    Chaos(ChaosArgs),
    /// Show the catalogue as resolved: function, file:line, tier, failure modes.
    List(ListArgs),
    /// Propose failure modes for the vital functions (or FUNCTION), from their
    /// signatures and bodies, as `vital.toml` entries to paste.
    Suggest(SuggestArgs),
    /// Hash the workspace's source files, before a coverage run made outside `cargo
    /// vital run`: `check` then knows whether the source changed since. Write it next
    /// to the export, as `NAME.sources.json` for `NAME.json`, or pass `--stamp`.
    Stamp,
    /// Render a saved `--format json` report, by default as one HTML page
    /// (`run` and `check` save theirs as target/vital/report.json).
    Report(ReportArgs),
    /// Manage the git pre-commit hook that runs `cargo vital check --static`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// List the functions that look vital and are not in the catalogue: they hold
    /// `unsafe`, do file I/O, take locks, parse input, or are `pub` and return
    /// `Result`. Ranked, each with why and the failure modes `suggest` gives it.
    Inventory,
    /// Write a starter `vital.toml` from the inventory (never over an existing one),
    /// with a `#:schema` line for editors and the tiers' defaults as comments.
    Init(InitArgs),
    /// Print the JSON Schema of `vital.toml` (draft-07; editors complete and check
    /// the catalogue with it).
    Schema,
    /// When every gate holds on the evidence (coverage, test results, per-test
    /// evidence, mutants where the tiers demand them), write an in-toto statement
    /// of a SLSA verification summary for the commit [default:
    /// target/vital/vital.intoto.json]; otherwise write nothing and exit 1.
    Certify(CertifyArgs),
}

#[derive(Args, Debug)]
struct InitArgs {
    /// At most this many entries, the most vital first.
    #[arg(long, value_name = "N", default_value_t = 15)]
    max: usize,
    /// The schema the `#:schema` line points at: a URL or a path relative to the
    /// catalogue [default: this version's vital.schema.json on GitHub].
    #[arg(long, value_name = "URL|PATH")]
    schema: Option<String>,
}

#[derive(Subcommand, Debug)]
enum HookCommand {
    /// Write `.git/hooks/pre-commit` running `cargo vital check --static`.
    Install {
        /// Replace a pre-commit hook that is not vital's.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
struct ListArgs {
    /// List the well-known failure modes, with what each means, instead.
    #[arg(long)]
    modes: bool,
    #[command(flatten)]
    selection: Selection,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// A report written by `--format json` [default: target/vital/report.json, the
    /// report of the last `cargo vital run` or `cargo vital check`].
    file: Option<PathBuf>,
    /// Open the HTML report with the platform's opener (xdg-open, open, start);
    /// when none works, its path is printed instead.
    #[arg(long)]
    open: bool,
}

#[derive(Args, Debug)]
struct SuggestArgs {
    /// A function path, as `vital.toml` writes them [default: every catalogue entry].
    function: Option<String>,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    features: process::Features,
    /// Test runner: libtest (one process per test binary, the fastest; auto picks it)
    /// or nextest (one process per test). Either way each failure-mode test's own
    /// coverage proves it ran its function.
    #[arg(long, value_enum, default_value_t = RunnerArg::Auto)]
    runner: RunnerArg,
    /// Run the doctests too (they count as tests).
    #[arg(long)]
    doctests: bool,
    /// An earlier `--format json` report: fail only for functions that got worse
    /// or are new.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Arguments for the test binaries.
    #[arg(last = true, value_name = "TEST ARGS")]
    test_args: Vec<OsString>,
}

/// Which packages' vital functions a command gates (and, for `run`, tests), as
/// cargo selects packages.
#[derive(Args, Debug, Clone, Default)]
struct Selection {
    /// Only this package (repeatable) [default: the whole workspace].
    #[arg(short, long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// The whole workspace (the default).
    #[arg(long, conflicts_with = "packages")]
    workspace: bool,
    /// Leave this package out (with the whole workspace; repeatable).
    #[arg(long, value_name = "SPEC", conflicts_with = "packages")]
    exclude: Vec<String>,
}

impl Selection {
    /// Narrows `session` to the vital functions of the selected packages.
    fn apply(&self, session: &mut Session) -> Result<(), Error> {
        if self.packages.is_empty() && self.exclude.is_empty() {
            return Ok(());
        }
        let known: Vec<String> = session.workspace().packages.iter().map(|p| p.name.clone()).collect();
        for name in self.packages.iter().chain(&self.exclude) {
            if !known.contains(name) {
                return Err(Error::new(
                    ErrorKind::Workspace,
                    None,
                    format!("`{name}` is not a package of this workspace"),
                )
                .with_help(format!("the packages are {}", known.join(", "))));
            }
        }
        session.select(|package| {
            (self.packages.is_empty() || self.packages.iter().any(|p| p == package))
                && !self.exclude.iter().any(|p| p == package)
        });
        Ok(())
    }
}

#[derive(Args, Debug)]
struct ChaosArgs {
    /// Random rounds after the sweep.
    #[arg(long, value_name = "N", default_value = "100")]
    rounds: u32,
    /// The sweep fires each failpoint at each of its first N hits; a random round
    /// at one of them.
    #[arg(long, value_name = "N", default_value = "3", value_parser = clap::value_parser!(u32).range(1..))]
    hits: u32,
    /// The chance that a random round arms each failpoint (0 to 1).
    #[arg(long, value_name = "P", default_value = "0.3", value_parser = probability)]
    probability: f64,
    /// The seed of the random rounds: the same seed, the same rounds.
    #[arg(long, value_name = "N", default_value = "1")]
    seed: u64,
    /// Start no round after this many seconds (the rounds started finish).
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    budget: Option<Duration>,
    /// How long one test may run in a round, in seconds.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "60")]
    timeout: Duration,
    #[command(flatten)]
    features: process::Features,
}

/// A probability, 0 to 1.
fn probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a probability: write a number from 0 to 1")),
    }
}

#[derive(Args, Debug)]
struct MutantsArgs {
    /// Only the tests of this package catch mutants (repeatable) [default: those of
    /// the whole workspace that reach each function].
    #[arg(short, long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    #[command(flatten)]
    features: process::Features,
    /// Timeout of each mutant's tests, in seconds [default: 5 × the measured time of
    /// its test binaries, at least --minimum-timeout].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    timeout: Option<Duration>,
    /// The least timeout of a mutant's tests, in seconds.
    #[arg(long, value_name = "SECS", value_parser = seconds, default_value = "20")]
    minimum_timeout: Duration,
    /// An earlier `--format json` report: fail only for functions that got worse
    /// or are new.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

/// A positive number of seconds.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if value > 0.0 && value.is_finite() {
        Duration::try_from_secs_f64(value).map_err(|err| err.to_string())
    } else {
        Err(format!("`{text}` is not a positive number of seconds"))
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum RunnerArg {
    Auto,
    Nextest,
    Libtest,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// llvm-cov JSON exports to join; several merge (sharded CI)
    /// [default: target/vital/coverage.json, as `cargo vital run` writes it].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    coverage: Vec<PathBuf>,
    /// Test results (nextest JUnit XML, libtest JSON lines); several merge
    /// [default: those of `cargo vital run`, when the coverage is its too].
    #[arg(long, value_name = "FILE", num_args = 1..)]
    tests: Vec<PathBuf>,
    /// No coverage: check that the catalogue resolves and that each failure mode a
    /// tier requires has a test that exists, is not ignored and is not hollow (fast,
    /// for pre-commit).
    #[arg(long = "static", conflicts_with_all = ["coverage", "tests", "stamp", "unstamped", "per_test", "mutants"])]
    static_only: bool,
    /// Per-test evidence (each failure-mode test's own coverage, SPEC §7), as
    /// `cargo vital run` writes it; several merge
    /// [default: each export's `NAME.pertest/` beside it].
    #[arg(long = "per-test", value_name = "DIR", num_args = 1..)]
    per_test: Vec<PathBuf>,
    /// Mutation results: `mutants.out` directories of cargo-mutants (or their
    /// parents, or `target/vital/mutants`); several merge (shards). The tiers'
    /// `mutation` key gates them; without any coverage, they are checked alone.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    mutants: Vec<PathBuf>,
    /// The mutants of the current source (`cargo mutants --list --json`)
    /// [default: listed now with cargo-mutants].
    #[arg(long, value_name = "FILE", requires = "mutants")]
    mutant_list: Option<PathBuf>,
    #[command(flatten)]
    selection: Selection,
    /// The source stamp taken before the coverage run (`cargo vital stamp`)
    /// [default: each export's `NAME.sources.json` beside it].
    #[arg(long, value_name = "FILE")]
    stamp: Option<PathBuf>,
    /// Check coverage that has no source stamp anyway (reported: nothing then shows
    /// the coverage is of the source as it is now).
    #[arg(long, conflicts_with = "stamp")]
    unstamped: bool,
    /// An earlier `--format json` report: fail only for functions that got worse
    /// or are new.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

impl CheckArgs {
    /// The option of `check` that a certificate cannot be made with, if one is given:
    /// it states what holds of the whole catalogue, on fresh evidence.
    pub(crate) fn not_for_certify(&self) -> Option<&'static str> {
        if self.static_only {
            Some("`--static`: a certificate needs coverage, test results and all")
        } else if self.baseline.is_some() {
            Some("`--baseline`: a certificate states what holds, not what a baseline accepts")
        } else if !self.selection.packages.is_empty() || !self.selection.exclude.is_empty() {
            Some("`--package`/`--exclude`: a certificate is of the whole catalogue")
        } else if self.unstamped {
            Some("`--unstamped`: nothing would show the coverage is of the certified source")
        } else {
            None
        }
    }

    /// Whether mutation results are given.
    pub(crate) fn has_mutants(&self) -> bool {
        !self.mutants.is_empty()
    }

    /// Adds mutation results and their mutant list.
    pub(crate) fn add_mutants(&mut self, dir: PathBuf, list: PathBuf) {
        self.mutants.push(dir);
        self.mutant_list = Some(list);
    }
}

#[derive(Args, Debug)]
pub(crate) struct CertifyArgs {
    /// The evidence to certify, as `check` reads it [default: the last `cargo vital
    /// run`, and target/vital/mutants when `cargo vital mutants` wrote it].
    #[command(flatten)]
    pub(crate) evidence: CheckArgs,
    /// An artifact the certificate is about (repeatable): named in the statement's
    /// subject, beside the commit, by its SHA-256.
    #[arg(long = "subject", value_name = "FILE")]
    pub(crate) subjects: Vec<PathBuf>,
    /// Certify although tracked files have uncommitted changes; the statement then
    /// lists them.
    #[arg(long)]
    pub(crate) allow_dirty: bool,
    /// The statement's `resourceUri` [default: git+<the origin remote>@<commit>].
    #[arg(long, value_name = "URI")]
    pub(crate) resource_uri: Option<String>,
    /// Recompute every digest of a statement against the tree and the evidence on
    /// disk instead: exit 0 when all match, 1 otherwise.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["subjects", "allow_dirty", "resource_uri"])]
    pub(crate) verify: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormatArg {
    Human,
    Json,
    Markdown,
    Github,
    Sarif,
    Junit,
    Html,
}

impl Common {
    /// `--format`, else human.
    pub(crate) fn format(&self) -> FormatArg {
        self.format.unwrap_or(FormatArg::Human)
    }
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Github => Format::Github,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Html => Format::Html,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Runs `cargo vital` with `args` (the program name first; `vital` second when
/// cargo runs us, and optional when run as `cargo-vital` directly).
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args: Vec<OsString> = args.into_iter().collect();
    // nextest's target runner (per-test evidence): not a command users type.
    if let Some(at) = args.iter().position(|a| a == crate::pertest::RUNNER_ARG)
        && at <= 2
    {
        return crate::pertest::test_runner(&args[at + 1..]);
    }
    process::forward_signals();
    if args.get(1).is_none_or(|a| a != "vital") {
        args.insert(1.min(args.len()), "vital".into());
    }
    let CargoCli::Vital(cli) = match CargoCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { EXIT_UNUSABLE } else { EXIT_PASS });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            report_error(&err);
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// Prints each problem of `err` as `error: …` on stderr.
pub fn report_error(err: &Error) {
    let mut stderr = anstream::stderr();
    let red = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into())).bold();
    for problem in err.problems() {
        let _ = writeln!(stderr, "{red}error{red:#}: {problem}");
    }
}

fn run(cli: VitalCli) -> Result<u8, Error> {
    let common = cli.common;
    if let Command::List(ListArgs { modes: true, .. }) = cli.command {
        let text = match common.format() {
            FormatArg::Json => to_json(&VOCABULARY),
            _ => modes_text(),
        };
        emit(&common, &text, &Protected::default())?;
        return Ok(EXIT_PASS);
    }
    if let Command::Report(args) = &cli.command {
        return report(&common, args);
    }
    if let Command::Schema = cli.command {
        return crate::start::run_schema(&common);
    }
    if let Command::Hook(_)
    | Command::Stamp
    | Command::Suggest(SuggestArgs { function: Some(_) })
    | Command::Inventory
    | Command::Init(_)
    | Command::Certify(CertifyArgs { verify: Some(_), .. }) = &cli.command
    {
        return without_session(cli.command, &common);
    }
    // Resolve before anything slow: a bad catalogue fails in a second, not after the tests.
    let mut session = early::open_session(common.manifest_path.as_deref(), common.catalogue.as_deref())?;
    if common.verbose {
        say_what_was_read(&session);
    }
    match &cli.command {
        Command::List(args) => args.selection.apply(&mut session)?,
        Command::Check(args) => args.selection.apply(&mut session)?,
        Command::Run(args) => args.selection.apply(&mut session)?,
        _ => {}
    }
    let outcome = act(cli.command, &common, &session);
    // The process ends now: freeing the source index would only cost time.
    std::mem::forget(session);
    outcome
}

/// The commands that need the workspace but no catalogue: `hook install`, `stamp`,
/// `suggest FUNCTION`, `inventory`, `init`, `certify --verify`.
fn without_session(command: Command, common: &Common) -> Result<u8, Error> {
    let workspace = process::workspace(common.manifest_path.as_deref())?;
    match command {
        Command::Hook(HookCommand::Install { force }) => {
            let path = process::install_hook(&workspace, force)?;
            let mut stderr = anstream::stderr();
            let _ = writeln!(
                stderr,
                "installed {}: commits now run `cargo vital check --static`",
                path.display()
            );
            Ok(EXIT_PASS)
        }
        Command::Suggest(SuggestArgs { function: Some(function) }) => {
            suggest_one(common, workspace, &function)
        }
        Command::Inventory => crate::start::run_inventory(common, workspace),
        Command::Init(args) => crate::start::run_init(common, workspace, args.max, args.schema.as_deref()),
        Command::Certify(CertifyArgs { verify: Some(statement), .. }) => {
            crate::certify::run_verify(&workspace, &statement)
        }
        Command::Stamp => {
            // Every source file, whatever the catalogue names: it may change before the check.
            let stamp = vital::evidence::coverage::stamp::SourceStamp::of_workspace(&workspace);
            let protected = Protected { root: Some(workspace.root.clone()), files: Vec::new() };
            emit(common, &stamp.to_json(), &protected)?;
            Ok(EXIT_PASS)
        }
        _ => unreachable!("commands with a session are not passed here"),
    }
}

/// Carries out `command` on the opened session.
fn act(command: Command, common: &Common, session: &Session) -> Result<u8, Error> {
    let protected = Protected::of(common, session, &Inputs::new());
    match command {
        Command::List(_) => {
            let mut stderr = anstream::stderr();
            for warning in session.warnings() {
                let _ = writeln!(stderr, "warning: {warning}");
            }
            let listed = session.list();
            let text = match common.format() {
                FormatArg::Json => to_json(&listed),
                _ => list_table(&listed),
            };
            emit(common, &text, &protected)?;
            Ok(EXIT_PASS)
        }
        Command::Suggest(_) => {
            let all: Vec<_> = session
                .entries()
                .map(|(entry, f)| {
                    suggest::suggested(session.index(), session.catalogue(), &entry.function, Some(entry), f)
                })
                .collect();
            emit(common, &suggestions_text(&all, common.format()), &protected)?;
            Ok(EXIT_PASS)
        }
        Command::Hook(_)
        | Command::Stamp
        | Command::Report(_)
        | Command::Schema
        | Command::Inventory
        | Command::Init(_) => unreachable!("handled above"),
        Command::Check(args) if args.static_only => {
            let baseline = args.baseline.map(InputFile::new);
            render(common, &session.check_static(baseline.as_ref())?, &protected)
        }
        Command::Check(args) => check(common, session, args),
        Command::Certify(args) => crate::certify::run_certify(common, session, args),
        Command::Run(args) => run_tests(common, session, args),
        Command::Mutants(args) => run_mutants(common, session, args),
        Command::Chaos(args) => run_chaos(common, session, args),
    }
}

/// `cargo vital chaos`.
fn run_chaos(common: &Common, session: &Session, args: ChaosArgs) -> Result<u8, Error> {
    let run = crate::chaos::ChaosRun {
        options: vital::chaos::ChaosOptions {
            hits: args.hits,
            rounds: args.rounds,
            probability: args.probability,
            seed: args.seed,
        },
        budget: args.budget,
        timeout: args.timeout,
        features: args.features,
    };
    let report = crate::chaos::chaos(session, &run)?;
    let text = match common.format() {
        FormatArg::Json => to_json(&report),
        FormatArg::Markdown => report.markdown(),
        FormatArg::Human => report.human(),
        other => {
            return Err(Error::new(
                ErrorKind::Catalogue,
                None,
                format!("`cargo vital chaos` writes human, json or markdown, not {}", other.format().name()),
            )
            .with_help("pass `--format human`, `--format json` or `--format markdown`"));
        }
    };
    emit(common, &text, &Protected::of(common, session, &Inputs::new()))?;
    Ok(if report.exit_code() == 0 { EXIT_PASS } else { EXIT_FAIL })
}

/// `--verbose`: the packages the scan read, and how many files it parsed.
fn say_what_was_read(session: &Session) {
    let stats = session.scan_stats();
    let mut stderr = anstream::stderr();
    let _ = writeln!(
        stderr,
        "vital: read {} of {} packages ({}): {} files, {} parsed, {} from the scan cache",
        stats.packages.len(),
        session.workspace().packages.len(),
        stats.packages.join(", "),
        stats.files,
        stats.parsed,
        stats.cached
    );
}

/// `cargo vital suggest FUNCTION`: any function; the catalogue need not exist, nor
/// name it.
fn suggest_one(common: &Common, workspace: Workspace, function: &str) -> Result<u8, Error> {
    let (path, display) = match &common.catalogue {
        Some(path) => (path.clone(), path.clone()),
        None => (workspace.root.join(FILE_NAME), PathBuf::from(FILE_NAME)),
    };
    let catalogue = match Catalogue::load(&path, &display) {
        Ok(catalogue) => catalogue,
        Err(_) if !path.exists() => Catalogue::parse(&display, "")?,
        Err(err) => return Err(err),
    };
    let one = suggest::for_function(&workspace, &catalogue, function)?;
    let protected = Protected { root: Some(workspace.root.clone()), files: vec![path] };
    emit(common, &suggestions_text(&[one], common.format()), &protected)?;
    Ok(EXIT_PASS)
}

/// `cargo vital check`: existing coverage and results.
fn check(common: &Common, session: &Session, args: CheckArgs) -> Result<u8, Error> {
    let evidence = evidence(session.workspace(), args)?;
    let report = evidence.check(session)?;
    save_report(session.workspace(), &report);
    render(common, &report, &Protected::of(common, session, &evidence.inputs))
}

/// The evidence a check reads, from `check`'s arguments (`certify` takes the same).
pub(crate) struct Evidence {
    /// What to read.
    pub(crate) inputs: Inputs,
    /// Mutation results and no coverage at all: a check of the mutation results alone.
    pub(crate) mutation_only: bool,
    /// The mutant list vital had cargo-mutants write for this check: a temporary
    /// file, removed with the evidence.
    pub(crate) listed: Option<PathBuf>,
}

impl Evidence {
    /// The check of this evidence.
    pub(crate) fn check(&self, session: &Session) -> Result<vital::report::Report, Error> {
        if self.mutation_only { session.check_mutation(&self.inputs) } else { session.check(&self.inputs) }
    }
}

impl Drop for Evidence {
    fn drop(&mut self) {
        if let Some(path) = &self.listed {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The evidence `args` name, with the defaults of `check`: the coverage and results
/// of the last `cargo vital run`; the mutants of the current source listed by
/// cargo-mutants when mutation results are given without a list.
pub(crate) fn evidence(workspace: &Workspace, args: CheckArgs) -> Result<Evidence, Error> {
    // Mutation results and no coverage at all: a check of the mutation results alone.
    let mutation_only = args.coverage.is_empty()
        && args.tests.is_empty()
        && !args.mutants.is_empty()
        && !default_coverage_path(workspace).is_file();
    let mut inputs = if mutation_only {
        Inputs::new()
    } else if args.coverage.is_empty() {
        let path = default_coverage_path(workspace);
        if !path.is_file() {
            return Err(Error::new(
                ErrorKind::Coverage,
                None,
                format!("no coverage at {} and no `--coverage` given", path.display()),
            )
            .with_help("run `cargo vital run` first, or pass `--coverage FILE` (llvm-cov JSON)"));
        }
        if args.tests.is_empty() {
            // The results of the same `cargo vital run` as the coverage.
            Inputs::last_run(workspace)
        } else {
            Inputs::new().coverage(path)
        }
    } else {
        args.coverage.into_iter().fold(Inputs::new(), Inputs::coverage)
    };
    inputs = args.tests.into_iter().fold(inputs, Inputs::tests);
    if let Some(baseline) = args.baseline {
        inputs = inputs.baseline(baseline);
    }
    if let Some(stamp) = args.stamp {
        inputs = inputs.stamp(stamp);
    }
    if args.unstamped {
        inputs = inputs.unstamped();
    }
    inputs = args.per_test.into_iter().fold(inputs, Inputs::per_test);
    if args.mutants.is_empty() {
        return Ok(Evidence { inputs, mutation_only, listed: None });
    }
    inputs = args.mutants.into_iter().fold(inputs, Inputs::mutants);
    // The mutants the source has now: given, or listed by cargo-mutants.
    let listed = match args.mutant_list {
        Some(list) => {
            inputs = inputs.mutant_list(list);
            None
        }
        None => {
            let config = process::mutants_config(workspace)?;
            let path = workspace.vital_dir().join(format!(".mutants-list.{}.tmp", std::process::id()));
            process::list_mutants(workspace, &config, &path)?;
            inputs = inputs.mutant_list(InputFile {
                path: path.clone(),
                display: "`cargo mutants --list --json`".into(),
            });
            Some(path)
        }
    };
    Ok(Evidence { inputs, mutation_only, listed })
}

/// `cargo vital mutants`: the mutants of the vital functions, then the mutation check.
fn run_mutants(common: &Common, session: &Session, args: MutantsArgs) -> Result<u8, Error> {
    // A bad baseline is found before the slow part.
    if let Some(baseline) = &args.baseline {
        vital::report::baseline::read_baseline(baseline, baseline)?;
    }
    let run = MutantsRun {
        packages: args.packages,
        features: args.features,
        timeout: args.timeout,
        minimum_timeout: args.minimum_timeout,
    };
    match process::produce_mutants(session, &run)? {
        MutantsOutcome::Tested { dir, list } => {
            let mut inputs = Inputs::new().mutants(dir).mutant_list(list);
            if let Some(baseline) = args.baseline {
                inputs = inputs.baseline(baseline);
            }
            let report = session.check_mutation(&inputs)?;
            save_report(session.workspace(), &report);
            render(common, &report, &Protected::of(common, session, &inputs))
        }
        MutantsOutcome::BaselineFailed(message) => {
            let mut stderr = anstream::stderr();
            let _ = writeln!(stderr, "error: {message}: nothing was gated");
            Ok(EXIT_FAIL)
        }
    }
}

/// `cargo vital run`: the tests under coverage, then the check.
fn run_tests(common: &Common, session: &Session, args: RunArgs) -> Result<u8, Error> {
    session.require_entries()?;
    process::check_prerequisites()?;
    let workspace = session.workspace();
    let output = default_coverage_path(workspace);
    // A report that could not be written is found before the slow part.
    let will_read = vital::pipeline::default_results_paths(workspace)
        .into_iter()
        .fold(Inputs::new().coverage(output.clone()), Inputs::tests);
    refuse_output(common, &Protected::of(common, session, &will_read))?;
    let features = args.features.and(session.entry_features());
    let run = CoverageRun {
        manifest_path: common.manifest_path.clone(),
        packages: args.selection.packages,
        exclude: args.selection.exclude,
        doctests: args.doctests,
        features,
        test_args: args.test_args,
        runner: match args.runner {
            RunnerArg::Auto => Runner::Auto,
            RunnerArg::Nextest => Runner::Nextest,
            RunnerArg::Libtest => Runner::Libtest,
        },
    };
    if run.runner == Runner::Nextest && !process::has_nextest() {
        return Err(Error::new(ErrorKind::Tool, None, "cargo-nextest is not installed")
            .with_help("install it with `cargo install cargo-nextest --locked`, or use `--runner libtest`"));
    }
    match process::produce_coverage(session, &run, &output)? {
        RunOutcome::Coverage { results } => {
            let mut inputs = results.into_iter().fold(Inputs::new().coverage(output), Inputs::tests);
            if let Some(baseline) = args.baseline {
                inputs = inputs.baseline(baseline);
            }
            let report = session.check(&inputs)?;
            save_report(workspace, &report);
            render(common, &report, &Protected::of(common, session, &inputs))
        }
        RunOutcome::Failed(code) => {
            let status = code.map_or_else(|| "killed by a signal".into(), |c| format!("exit status {c}"));
            Err(Error::new(
                ErrorKind::Tool,
                None,
                format!(
                    "the tests did not build, or the coverage run broke off (`cargo llvm-cov`: {status}): nothing was gated"
                ),
            )
            .with_help("cargo's messages above say why; fix the build and run again"))
        }
    }
}

/// Saves the report of a coverage check as target/vital/report.json, for `cargo
/// vital report`. The verdict does not depend on it: a failure is a warning.
fn save_report(workspace: &Workspace, report: &vital::report::Report) {
    let path = default_report_path(workspace);
    if let Err(err) = vital::fsutil::write_atomic(&path, report.to_json().as_bytes()) {
        let mut stderr = anstream::stderr();
        let _ = writeln!(stderr, "warning: the report was not saved for `cargo vital report`: {err}");
    }
}

/// `cargo vital report`: a saved report rendered again, as HTML unless `--format`
/// says otherwise. HTML goes to `--output`, else beside the report (`report.json`
/// → `report.html`), and its path is printed; other formats go to standard output
/// as usual. Exit 0 when it rendered: the verdict was the run's.
fn report(common: &Common, args: &ReportArgs) -> Result<u8, Error> {
    let (path, display) = match &args.file {
        Some(file) => (file.clone(), file.clone()),
        None => {
            let workspace = process::workspace(common.manifest_path.as_deref())?;
            let path = default_report_path(&workspace);
            if !path.is_file() {
                return Err(Error::new(
                    ErrorKind::Io,
                    None,
                    format!("no saved report at {}", path.display()),
                )
                .with_help(
                    "run `cargo vital run` or `cargo vital check` first (they save it), or pass FILE",
                ));
            }
            let display =
                path.strip_prefix(&workspace.root).map(PathBuf::from).unwrap_or_else(|_| path.clone());
            (path, display)
        }
    };
    let format = common.format.unwrap_or(FormatArg::Html);
    if args.open && format != FormatArg::Html {
        return Err(Error::new(ErrorKind::Io, None, "`--open` opens the HTML report")
            .with_help("drop `--format`, or pass `--format html`"));
    }
    let report = vital::report::Report::read(&path, &display)?;
    let to_stdout = common.output.as_deref().is_some_and(|p| p == Path::new("-"));
    let style = Style { color: (common.output.is_none() || to_stdout) && color_enabled(common.color) };
    let text = report.render(format.format(), &style);
    let output = match (&common.output, format) {
        (Some(output), _) if !to_stdout => Some(output.clone()),
        (None, FormatArg::Html) => Some(path.with_extension("html")),
        _ => None,
    };
    // The report read is never written over.
    let protected = Protected { root: None, files: vec![path.clone()] };
    let Some(output) = output else {
        emit(common, &text, &protected)?;
        return Ok(EXIT_PASS);
    };
    if let Some(why) = protected.refuses(&output) {
        return Err(Error::new(
            ErrorKind::Io,
            Some(vital::Location::file(&output)),
            format!("refusing to write the report over it: {why}"),
        )
        .with_help("choose another `--output` file, or `-` for standard output"));
    }
    vital::fsutil::write_output(&output, text.as_bytes(), &protected.files)?;
    let mut stderr = anstream::stderr();
    if args.open {
        if process::open_in_browser(&output) {
            let _ = writeln!(stderr, "opened {}", output.display());
        } else {
            let _ =
                writeln!(stderr, "wrote {} (no browser opener worked: open it yourself)", output.display());
        }
    } else if common.output.is_none() {
        let _ = writeln!(stderr, "wrote {}", output.display());
    }
    Ok(EXIT_PASS)
}

/// Writes `report` in the chosen format; its exit code.
fn render(common: &Common, report: &vital::report::Report, protected: &Protected) -> Result<u8, Error> {
    let format = common.format().format();
    let to_stdout = common.output.as_deref().is_none_or(|p| p == Path::new("-"));
    let style = Style { color: to_stdout && color_enabled(common.color) };
    emit(common, &report.render(format, &style), protected)?;
    Ok(if report.exit_code() == 0 { EXIT_PASS } else { EXIT_FAIL })
}

/// Pretty JSON with a trailing newline.
pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("vital's output types always serialize") + "\n"
}

/// `cargo vital list --modes`.
fn modes_text() -> String {
    let width = VOCABULARY.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut category = None;
    for m in VOCABULARY {
        if category != Some(m.category) {
            category = Some(m.category);
            out.push_str(&format!("{}{}\n", if out.is_empty() { "" } else { "\n" }, m.category));
        }
        out.push_str(&format!("  {:<width$}  {}\n", m.name, m.meaning));
    }
    out
}

/// `cargo vital suggest`: entries to paste into `vital.toml`, or their JSON.
fn suggestions_text(all: &[suggest::Suggested], format: FormatArg) -> String {
    match format {
        FormatArg::Json => to_json(&all),
        _ => suggest::to_toml(all),
    }
}

/// What `--output` must never replace: the files the command reads, and the
/// workspace's sources and manifests (indexed or not: `build.rs`, examples).
#[derive(Debug, Default)]
pub(crate) struct Protected {
    pub(crate) root: Option<PathBuf>,
    pub(crate) files: Vec<PathBuf>,
}

impl Protected {
    pub(crate) fn of(common: &Common, session: &Session, inputs: &Inputs) -> Protected {
        let workspace = session.workspace();
        let catalogue = common.catalogue.clone().unwrap_or_else(|| workspace.root.join(FILE_NAME));
        let mut files = vec![catalogue];
        files.extend(session.own_files());
        files.extend(inputs.files_read());
        // What `cargo vital run` writes, read by later checks, whether this one reads it or not.
        files.extend(Inputs::last_run(workspace).files_read());
        files.extend(vital::pipeline::default_results_paths(workspace));
        Protected { root: Some(workspace.root.clone()), files }
    }

    /// Why `output` may not be written, if it may not.
    pub(crate) fn refuses(&self, output: &Path) -> Option<String> {
        let target = vital::fsutil::output_target(output);
        if let Some(read) = self.files.iter().find(|f| vital::fsutil::same_file(f, &target)) {
            return Some(format!("it is {}, which this command reads", read.display()));
        }
        let root = vital::fsutil::identity(self.root.as_deref()?);
        let source = target.extension().is_some_and(|e| e == "rs")
            || target.file_name().is_some_and(|n| n == "Cargo.toml" || n == "Cargo.lock");
        (source && target.starts_with(&root)).then(|| "it is a source file of the workspace".to_string())
    }
}

/// An error when `--output` names a [`Protected`] file.
fn refuse_output(common: &Common, protected: &Protected) -> Result<(), Error> {
    let Some(path) = common.output.as_deref().filter(|p| *p != Path::new("-")) else { return Ok(()) };
    match protected.refuses(path) {
        Some(why) => Err(Error::new(
            ErrorKind::Io,
            Some(vital::Location::file(path)),
            format!("refusing to write the report over it: {why}"),
        )
        .with_help("choose another `--output` file, or `-` for standard output")),
        None => Ok(()),
    }
}

/// Writes the output: to `--output` (see [`vital::fsutil::write_output`]: never over
/// a [`Protected`] file), else to stdout (also for `--output -`; a closed pipe is not
/// an error).
pub(crate) fn emit(common: &Common, text: &str, protected: &Protected) -> Result<(), Error> {
    if let Some(path) = common.output.as_deref().filter(|p| *p != Path::new("-")) {
        refuse_output(common, protected)?;
        return vital::fsutil::write_output(path, text.as_bytes(), &protected.files);
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::new(ErrorKind::Io, None, format!("cannot write to standard output: {err}")))
        }
        _ => Ok(()),
    }
}

/// `--color`, else `CARGO_TERM_COLOR`, else auto: a terminal and no `NO_COLOR`.
fn color_enabled(flag: Option<ColorArg>) -> bool {
    let choice = flag.or_else(|| match std::env::var("CARGO_TERM_COLOR").ok()?.as_str() {
        "always" => Some(ColorArg::Always),
        "never" => Some(ColorArg::Never),
        _ => Some(ColorArg::Auto),
    });
    match choice.unwrap_or(ColorArg::Auto) {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
        }
    }
}

fn list_table(listed: &[Listed]) -> String {
    let rows: Vec<[String; 4]> = listed
        .iter()
        .map(|l| {
            let modes = if l.failure_modes.is_empty() { "-".to_string() } else { l.failure_modes.join(", ") };
            [l.function.clone(), format!("{}:{}", l.file, l.line), l.tier.to_string(), modes]
        })
        .collect();
    let header = ["function", "location", "tier", "failure modes"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = line(&header.map(String::from)) + "\n";
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}
