//! Command line: `cargo vital run | check | mutants | list | suggest | hook`.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::time::Duration;
use vital::catalogue::vocabulary::VOCABULARY;
use vital::catalogue::{Catalogue, FILE_NAME};
use vital::pipeline::{Listed, default_coverage_path};
use vital::report::{Format, Style};
use vital::suggest;
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, InputFile, Inputs, Session};

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
struct Common {
    /// Path to the workspace's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The catalogue [default: vital.toml at the workspace root].
    #[arg(long, global = true, value_name = "PATH")]
    catalogue: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Coloring [default: from CARGO_TERM_COLOR, else auto; NO_COLOR turns auto off].
    #[arg(long, global = true, value_enum)]
    color: Option<ColorArg>,
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
    /// Show the catalogue as resolved: function, file:line, tier, failure modes.
    List(ListArgs),
    /// Propose failure modes for the vital functions (or FUNCTION), from their
    /// signatures and bodies, as `vital.toml` entries to paste.
    Suggest(SuggestArgs),
    /// Manage the git pre-commit hook that runs `cargo vital check --static`.
    #[command(subcommand)]
    Hook(HookCommand),
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
}

#[derive(Args, Debug)]
struct SuggestArgs {
    /// A function path, as `vital.toml` writes them [default: every catalogue entry].
    function: Option<String>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Test only this package (repeatable) [default: the whole workspace].
    #[arg(short, long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Features to activate (comma- or space-separated, repeatable).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    features: Vec<String>,
    /// Activate all features.
    #[arg(long)]
    all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    no_default_features: bool,
    /// Test runner: nextest (results from its JUnit) or libtest (from its JSON
    /// lines); auto picks nextest when `cargo nextest` is installed.
    #[arg(long, value_enum, default_value_t = RunnerArg::Auto)]
    runner: RunnerArg,
    /// An earlier `--format json` report: fail only for functions that got worse
    /// or are new.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Arguments for the test binaries.
    #[arg(last = true, value_name = "TEST ARGS")]
    test_args: Vec<OsString>,
}

#[derive(Args, Debug)]
struct MutantsArgs {
    /// Only the tests of this package catch mutants (repeatable) [default: those of
    /// the whole workspace that reach each function].
    #[arg(short, long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Features to activate (comma- or space-separated, repeatable).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    features: Vec<String>,
    /// Activate all features.
    #[arg(long)]
    all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    no_default_features: bool,
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
struct CheckArgs {
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
    #[arg(long = "static", conflicts_with_all = ["coverage", "tests", "mutants"])]
    static_only: bool,
    /// Mutation results: `mutants.out` directories of cargo-mutants (or their
    /// parents, or `target/vital/mutants`); several merge (shards). The tiers'
    /// `mutation` key gates them; without any coverage, they are checked alone.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    mutants: Vec<PathBuf>,
    /// The mutants of the current source (`cargo mutants --list --json`)
    /// [default: listed now with cargo-mutants].
    #[arg(long, value_name = "FILE", requires = "mutants")]
    mutant_list: Option<PathBuf>,
    /// An earlier `--format json` report: fail only for functions that got worse
    /// or are new.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum FormatArg {
    Human,
    Json,
    Markdown,
    Github,
    Sarif,
    Junit,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Runs `cargo vital` with `args` (the program name first; `vital` second when
/// cargo runs us, and optional when run as `cargo-vital` directly).
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let mut args: Vec<OsString> = args.into_iter().collect();
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
    if let Command::List(ListArgs { modes: true }) = cli.command {
        let text = match common.format {
            FormatArg::Json => to_json(&VOCABULARY),
            _ => modes_text(),
        };
        emit(&common, &text)?;
        return Ok(EXIT_PASS);
    }
    let workspace = process::workspace(common.manifest_path.as_deref())?;
    if let Command::Hook(HookCommand::Install { force }) = cli.command {
        let path = process::install_hook(&workspace, force)?;
        let mut stderr = anstream::stderr();
        let _ =
            writeln!(stderr, "installed {}: commits now run `cargo vital check --static`", path.display());
        return Ok(EXIT_PASS);
    }
    if let Command::Suggest(SuggestArgs { function: Some(function) }) = &cli.command {
        return suggest_one(&common, workspace, function);
    }
    // Resolve before anything slow: a bad catalogue fails in a second, not after the tests.
    let session = Session::open(workspace, common.catalogue.as_deref())?;
    match cli.command {
        Command::List(_) => {
            let listed = session.list();
            let text = match common.format {
                FormatArg::Json => to_json(&listed),
                _ => list_table(&listed),
            };
            emit(&common, &text)?;
            Ok(EXIT_PASS)
        }
        Command::Suggest(_) => {
            let all: Vec<_> = session
                .entries()
                .map(|(entry, f)| {
                    suggest::suggested(session.index(), session.catalogue(), &entry.function, Some(entry), f)
                })
                .collect();
            emit(&common, &suggestions_text(&all, common.format))?;
            Ok(EXIT_PASS)
        }
        Command::Hook(_) => unreachable!("handled above"),
        Command::Check(args) if args.static_only => {
            let baseline = args.baseline.map(InputFile::new);
            render(&common, &session.check_static(baseline.as_ref())?)
        }
        Command::Check(args) => check(&common, &session, args),
        Command::Run(args) => run_tests(&common, &session, args),
        Command::Mutants(args) => run_mutants(&common, &session, args),
    }
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
    emit(common, &suggestions_text(&[one], common.format))?;
    Ok(EXIT_PASS)
}

/// `cargo vital check`: existing coverage and results.
fn check(common: &Common, session: &Session, args: CheckArgs) -> Result<u8, Error> {
    let workspace = session.workspace();
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
    if args.mutants.is_empty() {
        return render(common, &session.check(&inputs)?);
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
    let report = if mutation_only { session.check_mutation(&inputs) } else { session.check(&inputs) };
    if let Some(path) = listed {
        let _ = std::fs::remove_file(path);
    }
    render(common, &report?)
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
        all_features: args.all_features,
        no_default_features: args.no_default_features,
        timeout: args.timeout,
        minimum_timeout: args.minimum_timeout,
    };
    match process::produce_mutants(session, &run)? {
        MutantsOutcome::Tested { dir, list } => {
            let mut inputs = Inputs::new().mutants(dir).mutant_list(list);
            if let Some(baseline) = args.baseline {
                inputs = inputs.baseline(baseline);
            }
            render(common, &session.check_mutation(&inputs)?)
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
    process::check_prerequisites()?;
    let workspace = session.workspace();
    let output = default_coverage_path(workspace);
    let run = CoverageRun {
        manifest_path: common.manifest_path.clone(),
        packages: args.packages,
        features: args.features,
        all_features: args.all_features,
        no_default_features: args.no_default_features,
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
    match process::produce_coverage(workspace, &session.stamp(), &run, &output)? {
        RunOutcome::Coverage { results } => {
            let mut inputs = results.into_iter().fold(Inputs::new().coverage(output), Inputs::tests);
            if let Some(baseline) = args.baseline {
                inputs = inputs.baseline(baseline);
            }
            render(common, &session.check(&inputs)?)
        }
        RunOutcome::Failed(code) => {
            let status = code.map_or_else(|| "killed by a signal".into(), |c| format!("exit status {c}"));
            let mut stderr = anstream::stderr();
            let _ = writeln!(
                stderr,
                "error: `cargo llvm-cov` failed ({status}): the tests did not build or the run broke off, so nothing was gated"
            );
            Ok(EXIT_FAIL)
        }
    }
}

/// Writes `report` in the chosen format; its exit code.
fn render(common: &Common, report: &vital::report::Report) -> Result<u8, Error> {
    let format = match common.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Github => Format::Github,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Junit => Format::Junit,
    };
    let style = Style { color: common.output.is_none() && color_enabled(common.color) };
    emit(common, &report.render(format, &style))?;
    Ok(if report.exit_code() == 0 { EXIT_PASS } else { EXIT_FAIL })
}

/// Pretty JSON with a trailing newline.
fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("vital's output types always serialize") + "\n"
}

/// `cargo vital list --modes`.
fn modes_text() -> String {
    let width = VOCABULARY.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut category = "";
    for m in VOCABULARY {
        if m.category != category {
            category = m.category;
            out.push_str(&format!("{}{category}\n", if out.is_empty() { "" } else { "\n" }));
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

/// Writes the output: to `--output` atomically, else to stdout (a closed pipe is
/// not an error).
fn emit(common: &Common, text: &str) -> Result<(), Error> {
    if let Some(path) = &common.output {
        return vital::fsutil::write_atomic(path, text.as_bytes());
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
