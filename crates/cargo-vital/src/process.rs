//! Everything that spawns a process: `cargo metadata`, the prerequisite checks,
//! the coverage run and the mutation runs. One place, so the environment and the
//! error messages are handled once.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use vital::evidence::coverage::stamp::{RunSettings, STAMP_VERSION, SourceStamp};
use vital::evidence::mutants::config::{MutantsConfig, TREE_CONFIG};
use vital::evidence::mutants::outcomes;
use vital::evidence::mutants::plan::{Baseline, Group, PlanOptions};
use vital::pipeline::{MUTANT_LIST, MUTANTS_STAMP, default_mutants_dir};
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, InputFile, Location, Session};

/// The command that installs cargo-llvm-cov.
pub const INSTALL_LLVM_COV: &str = "cargo install cargo-llvm-cov --locked";
/// The command that installs the LLVM tools.
pub const INSTALL_LLVM_TOOLS: &str = "rustup component add llvm-tools-preview";
/// The command that installs cargo-mutants.
pub const INSTALL_MUTANTS: &str = "cargo install cargo-mutants --locked";

pub(crate) fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo metadata --no-deps` of the workspace at `manifest_path` (or the current
/// directory's).
pub fn workspace(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
    let mut command = cargo_metadata::MetadataCommand::new();
    command.cargo_path(PathBuf::from(cargo())).no_deps();
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    let metadata = command.exec().map_err(|err| {
        let location = manifest_path.map(Location::file);
        let message = match err {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                format!("`cargo metadata` failed: {}", stderr.trim().trim_start_matches("error: "))
            }
            other => format!("`cargo metadata` failed: {other}"),
        };
        Error::new(ErrorKind::Workspace, location, message)
            .with_help("run cargo vital inside a cargo workspace, or pass `--manifest-path PATH/Cargo.toml`")
    })?;
    Ok(Workspace::from_metadata(&metadata))
}

/// Errors, with the command that fixes it, when cargo-llvm-cov or the LLVM tools
/// are missing.
pub fn check_prerequisites() -> Result<(), Error> {
    let given = std::env::var_os("LLVM_COV").is_some() && std::env::var_os("LLVM_PROFDATA").is_some();
    // Both questions at once: each is a process (rustup's proxy, then the tool).
    let (llvm_cov, tools) = std::thread::scope(|scope| {
        let tools = (!given).then(|| scope.spawn(llvm_tools_dir));
        let llvm_cov = Command::new(cargo())
            .args(["llvm-cov", "--version"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        (llvm_cov, tools.map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))))
    });
    if !llvm_cov.is_ok_and(|s| s.success()) {
        return Err(Error::new(
            ErrorKind::Tool,
            None,
            "cargo-llvm-cov is not installed (`cargo llvm-cov` is not a command)",
        )
        .with_help(format!("install it with `{INSTALL_LLVM_COV}`")));
    }
    let Some(tools) = tools else { return Ok(()) };
    let tools = tools?;
    let exe = if cfg!(windows) { ".exe" } else { "" };
    for tool in ["llvm-cov", "llvm-profdata"] {
        if !tools.join(format!("{tool}{exe}")).is_file() {
            return Err(Error::new(
                ErrorKind::Tool,
                Some(Location::file(tools.join(tool))),
                format!("the LLVM tools of this toolchain are not installed ({tool} is missing)"),
            )
            .with_help(format!(
                "install them with `{INSTALL_LLVM_TOOLS}` (or set LLVM_COV and LLVM_PROFDATA)"
            )));
        }
    }
    Ok(())
}

/// Where rustup puts `llvm-cov`: `<target-libdir>/../bin`.
pub(crate) fn llvm_tools_dir() -> Result<PathBuf, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc).args(["--print", "target-libdir"]).output().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `{}`: {err}", rustc.to_string_lossy()))
    })?;
    if !output.status.success() {
        return Err(Error::new(ErrorKind::Tool, None, "`rustc --print target-libdir` failed"));
    }
    let libdir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(libdir.parent().map(|p| p.join("bin")).unwrap_or(libdir))
}

/// Opens `path` with the platform's opener (`open` on macOS, `start` on Windows,
/// `xdg-open` elsewhere); whether it worked. It waits for the opener only, which
/// hands the file to the browser and returns.
pub fn open_in_browser(path: &Path) -> bool {
    let mut command = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.args(["/C", "start", ""]);
        command
    } else {
        Command::new("xdg-open")
    };
    command
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The first line of the hook `cargo vital hook install` writes: how it knows the
/// hook is its own.
pub const HOOK_MARKER: &str = "# vital pre-commit hook (installed by `cargo vital hook install`)";

/// Writes the git pre-commit hook of the workspace's repository. A hook that is not
/// vital's is kept unless `force`.
pub fn install_hook(workspace: &Workspace, force: bool) -> Result<PathBuf, Error> {
    let output = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .current_dir(&workspace.root)
        .output()
        .map_err(|err| Error::new(ErrorKind::Tool, None, format!("cannot run `git`: {err}")))?;
    if !output.status.success() {
        return Err(Error::new(
            ErrorKind::Workspace,
            Some(Location::file(&workspace.root)),
            "the workspace is not in a git repository",
        )
        .with_help("run `git init` first, or use the pre-commit framework (see the README)"));
    }
    let hooks = workspace.root.join(String::from_utf8_lossy(&output.stdout).trim());
    let path = hooks.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.contains(HOOK_MARKER)
        && !force
    {
        return Err(Error::new(
            ErrorKind::Workspace,
            Some(Location::file(&path)),
            "a pre-commit hook that is not vital's is already there",
        )
        .with_help("add `cargo vital check --static` to it yourself, or pass `--force` to replace it"));
    }
    let script = format!(
        "#!/bin/sh\n{HOOK_MARKER}\n# Refuses the commit when vital.toml does not resolve or a required failure-mode\n# test is missing, ignored or hollow.\nexec cargo vital check --static\n"
    );
    vital::fsutil::write_atomic(&path, script.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|err| io_error(&path, "make executable", &err))?;
    }
    Ok(path)
}

/// Which test runner runs the tests and records their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Runner {
    /// libtest: one process per test binary, the fastest for the whole suite; the
    /// failure-mode tests then run alone for their per-test evidence.
    #[default]
    Auto,
    /// `cargo llvm-cov nextest`, results from nextest's JUnit.
    Nextest,
    /// `cargo llvm-cov` (libtest), results from its JSON lines.
    Libtest,
}

/// Whether `cargo nextest` works.
pub fn has_nextest() -> bool {
    Command::new(cargo())
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `git` in `dir` with `args`; its standard output, or what it said on
/// standard error when it failed.
fn git(dir: &Path, args: &[&str]) -> Result<Result<String, String>, Error> {
    let output =
        Command::new("git").arg("-C").arg(dir).args(args).stdin(Stdio::null()).output().map_err(|err| {
            Error::new(ErrorKind::Tool, None, format!("cannot run `git`: {err}"))
                .with_help("install git: a certificate names the commit it is about")
        })?;
    Ok(if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().trim_start_matches("fatal: ").to_string())
    })
}

/// The commit checked out in the workspace's repository (`HEAD`), or why there is
/// none.
pub fn git_head(root: &Path) -> Result<Result<String, String>, Error> {
    Ok(git(root, &["rev-parse", "--verify", "HEAD"])?.map(|out| out.trim().to_string()))
}

/// The tracked files of the workspace's repository with uncommitted changes
/// (staged or not), as `git status` names them (relative to the repository root).
pub fn git_uncommitted(root: &Path) -> Result<Vec<String>, Error> {
    let out = git(root, &["status", "--porcelain=v1", "-z", "--untracked-files=no"])?.map_err(|why| {
        Error::new(ErrorKind::Tool, Some(Location::file(root)), format!("`git status` failed: {why}"))
    })?;
    let mut changed = Vec::new();
    let mut records = out.split('\0').filter(|r| !r.is_empty());
    while let Some(record) = records.next() {
        let (status, path) = record.split_at(record.len().min(3));
        changed.push(path.to_string());
        // A rename or copy is followed by its source path.
        if status.starts_with('R') || status.starts_with('C') {
            records.next();
        }
    }
    Ok(changed)
}

/// Whether `file` is tracked by the workspace's repository.
pub fn git_tracks(root: &Path, file: &Path) -> Result<bool, Error> {
    let file = file.to_string_lossy();
    Ok(git(root, &["ls-files", "--error-unmatch", "--", &file])?.is_ok())
}

/// The URI of the repository's `origin` remote as in-toto names repositories
/// (`git+https://github.com/o/r`), credentials removed; `None` without one.
pub fn git_origin(root: &Path) -> Result<Option<String>, Error> {
    let Ok(url) = git(root, &["remote", "get-url", "origin"])? else { return Ok(None) };
    Ok(repository_uri(url.trim()))
}

/// A remote URL as a `git+` URI without credentials: `https://user:token@host/r`
/// → `git+https://host/r`; scp-like `git@host:o/r.git` → `git+ssh://git@host/o/r.git`.
fn repository_uri(url: &str) -> Option<String> {
    if url.is_empty() {
        return None;
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let host = match authority.rsplit_once('@') {
            // Keep a bare ssh user (`git@`), never a password or token.
            Some((user, host)) if scheme.contains("ssh") && !user.contains(':') => format!("{user}@{host}"),
            Some((_, host)) => host.to_string(),
            None => authority.to_string(),
        };
        let scheme = scheme.strip_prefix("git+").unwrap_or(scheme);
        return Some(format!("git+{scheme}://{host}/{path}"));
    }
    if let Some((user_host, path)) = url.split_once(':')
        && !user_host.contains('/')
    {
        return Some(format!("git+ssh://{user_host}/{path}"));
    }
    Some(format!("git+file://{url}"))
}

/// cargo's feature flags, as the user gives them to `run`, `mutants` and `chaos`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct Features {
    /// Features to activate (comma- or space-separated, repeatable), beside those the
    /// catalogue asks for (its entries' `features`, the failpoints feature).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Activate all features.
    #[arg(long)]
    pub all_features: bool,
    /// Do not activate the `default` feature.
    #[arg(long)]
    pub no_default_features: bool,
}

impl Features {
    /// These and `more`.
    pub fn and(mut self, more: impl IntoIterator<Item = String>) -> Features {
        self.features.extend(more);
        self
    }

    /// The flags, one word each (for cargo, cargo-llvm-cov, or cargo-mutants'
    /// `--cargo-arg`): `--features=a,b`, `--all-features`, `--no-default-features`.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.features.is_empty() {
            args.push(format!("--features={}", self.features.join(",")));
        }
        if self.all_features {
            args.push("--all-features".into());
        }
        if self.no_default_features {
            args.push("--no-default-features".into());
        }
        args
    }
}

/// What `cargo vital run` passes to cargo-llvm-cov.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageRun {
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `--package`; all members when empty.
    pub packages: Vec<String>,
    /// `--exclude`, with all members.
    pub exclude: Vec<String>,
    /// `--doctests`: doctests run too, and count as tests.
    pub doctests: bool,
    /// The feature flags, the entries' features among them.
    pub features: Features,
    /// Arguments for the test binaries (after `--`).
    pub test_args: Vec<OsString>,
    /// The test runner.
    pub runner: Runner,
}

/// The name of the nextest profile vital defines in its tool config.
const NEXTEST_PROFILE: &str = "vital";

impl CoverageRun {
    /// The `cargo llvm-cov` command writing the JSON export to `output`, with branch
    /// coverage on (`RUSTC_BOOTSTRAP=1` makes the unstable `--branch` work on stable)
    /// and every test run even when some fail (`--ignore-run-fail`: their results
    /// say so). `runner` is [`Runner::Nextest`] (with its tool config at
    /// `nextest_config`) or [`Runner::Libtest`].
    pub fn command(&self, output: &Path, runner: Runner, nextest_config: Option<&Path>) -> Command {
        let mut command = Command::new(cargo());
        command.arg("llvm-cov");
        if runner == Runner::Nextest {
            command.arg("nextest");
        }
        // `-v`: cargo-llvm-cov then shows the build as it goes (with `--ignore-run-fail`
        // it would capture it), and names each command it runs.
        command.args(["-v", "--branch", "--json", "--ignore-run-fail", "--output-path"]).arg(output);
        command.env("RUSTC_BOOTSTRAP", "1");
        // A `vital::harness` test target in the workspace leaves this run's gate to
        // vital, which checks it once the tests are done (SPEC §11).
        command.env(vital::harness::INSIDE_RUN_ENV, "1");
        if let Some(path) = &self.manifest_path {
            command.arg("--manifest-path").arg(path);
        }
        if self.packages.is_empty() {
            command.arg("--workspace");
            for package in &self.exclude {
                command.args(["--exclude", package]);
            }
        }
        for package in &self.packages {
            command.args(["--package", package]);
        }
        if self.doctests {
            command.arg("--doctests");
        }
        command.args(self.features.args());
        if let (Runner::Nextest, Some(config)) = (runner, nextest_config) {
            command.args(["--profile", NEXTEST_PROFILE]);
            command.arg("--tool-config-file").arg(format!("vital:{}", config.display()));
        }
        let mut test_args: Vec<OsString> = Vec::new();
        if runner == Runner::Libtest {
            // Needs RUSTC_BOOTSTRAP=1 in the test binaries' environment too: set above.
            test_args.extend(["-Z", "unstable-options", "--format", "json"].map(OsString::from));
        }
        test_args.extend(self.test_args.iter().cloned());
        if !test_args.is_empty() {
            command.arg("--").args(&test_args);
        }
        // The tests' output goes to stderr: stdout carries the report.
        command.stdout(std::io::stderr()).stderr(Stdio::inherit());
        // Its own process group, so that a signal to vital reaches the whole run
        // through [`forward_signals`], and vital waits for all of it.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command
    }
}

/// How a coverage run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The coverage is at the path given; the test results, when any test ran, at
    /// this path.
    Coverage {
        /// The test results of the run.
        results: Option<PathBuf>,
    },
    /// cargo-llvm-cov failed: the tests did not build, or the run broke off.
    Failed(Option<i32>),
}

/// Produces the evidence the way `cargo vital run` does: stamps the source of
/// `session` (before the tests build, so that an edit during or after the run makes
/// the coverage stale), runs the tests under coverage, writes the export to
/// `output`, the stamp next to it and the test results in the same directory,
/// atomically; then proves each failure-mode test that passed by its own coverage
/// (SPEC §7), into `NAME.pertest/` beside the export.
pub fn produce_coverage(
    session: &vital::Session,
    run: &CoverageRun,
    output: &Path,
) -> Result<RunOutcome, Error> {
    let workspace = session.workspace();
    let stamp = session.stamp();
    let dir = output.parent().unwrap_or(&workspace.target_dir);
    std::fs::create_dir_all(dir).map_err(|err| io_error(dir, "create", &err))?;
    // One run at a time per workspace, from the stamp to the last file written,
    // whatever the output: cargo-llvm-cov clears the profile data of the target
    // directory when it starts, which would spoil a run under way.
    let vital_dir = workspace.vital_dir();
    std::fs::create_dir_all(&vital_dir).map_err(|err| io_error(&vital_dir, "create", &err))?;
    let _lock = lock_runs(&vital_dir)?;
    remove_leftovers(dir);
    // The settings describe the coverage beside them: none while a run is under way.
    let settings_path = RunSettings::path_for(output);
    let _ = std::fs::remove_file(&settings_path);
    // Under libtest, each failure-mode test is proven alone as soon as its binary
    // has run (`pertest::Early`), while the suite goes on.
    let early = if run.runner == Runner::Nextest {
        None
    } else {
        let candidates = session.proof_candidates();
        (!candidates.is_empty())
            .then(|| crate::pertest::Early::start(workspace, candidates, session.vital_file_paths(), dir))
            .transpose()?
    };
    let (outcome, located) = run_coverage(workspace, run, output, early.as_ref())?;
    let per_test = vital::evidence::pertest::dir_for(output);
    // Evidence of an earlier run must never stand beside this run's coverage.
    let _ = std::fs::remove_dir_all(&per_test);
    if let RunOutcome::Coverage { results } = &outcome {
        let json = serde_json::to_vec_pretty(&stamp).expect("a stamp always serializes");
        vital::fsutil::write_atomic(&SourceStamp::path_for(output), &json)?;
        let settings = RunSettings {
            vital_run: STAMP_VERSION,
            packages: run.packages.clone(),
            features: run.features.features.clone(),
            all_features: run.features.all_features,
            no_default_features: run.features.no_default_features,
            test_args: run.test_args.iter().map(|a| a.to_string_lossy().into_owned()).collect(),
            branch: true,
        };
        let settings_json = serde_json::to_vec_pretty(&settings).expect("settings always serialize");
        vital::fsutil::write_atomic(&settings_path, &settings_json)?;
        if let (Some(results), Some(located)) = (results, &located) {
            let results = vital::evidence::tests::TestResults::read(results, results, workspace)?;
            let targets = session.proof_targets(&results);
            crate::pertest::prove(
                workspace,
                &targets,
                located,
                &session.vital_file_paths(),
                &json,
                &per_test,
                early,
            )?;
        }
    }
    if let Some(crate::pertest::Located::Nextest(seen)) = &located {
        let _ = std::fs::remove_dir_all(seen);
    }
    Ok(outcome)
}

fn io_error(path: &Path, what: &str, err: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, Some(Location::file(path)), format!("cannot {what}: {err}"))
}

/// Runs the tests under coverage, writing the export to `output` and the results
/// next to it (`tests.xml` from nextest, `tests.jsonl` from libtest) atomically: a
/// failed or killed run leaves the previous files in place. The caller holds the run
/// lock ([`produce_coverage`] does).
fn run_coverage(
    workspace: &Workspace,
    run: &CoverageRun,
    output: &Path,
    early: Option<&crate::pertest::Early>,
) -> Result<(RunOutcome, Option<crate::pertest::Located>), Error> {
    let dir = output.parent().unwrap_or(&workspace.target_dir).to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|err| io_error(&dir, "create", &err))?;
    let pid = std::process::id();
    let name = output.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let temp = dir.join(format!(".{name}.{pid}.tmp"));
    let runner = match run.runner {
        Runner::Auto => Runner::Libtest,
        other => other,
    };
    let spawn_error = |err: std::io::Error| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `cargo llvm-cov`: {err}"))
            .with_help(format!("install it with `{INSTALL_LLVM_COV}`"))
    };
    let (status, results, located) = match runner {
        Runner::Nextest => {
            let junit = dir.join(format!(".tests.{pid}.xml"));
            let config = dir.join(format!(".nextest.{pid}.toml"));
            let seen = dir.join(format!(".nextest-seen.{pid}.tmp"));
            let text = format!(
                "[profile.{NEXTEST_PROFILE}]\nfail-fast = false\n\n[profile.{NEXTEST_PROFILE}.junit]\npath = {:?}\nstore-success-output = false\nstore-failure-output = true\n",
                junit.display().to_string()
            );
            std::fs::write(&config, text).map_err(|err| io_error(&config, "write", &err))?;
            std::fs::create_dir_all(&seen).map_err(|err| io_error(&seen, "create", &err))?;
            let mut command = run.command(&temp, runner, Some(&config));
            per_test_runner(&mut command, &workspace.root, &seen)?;
            let status = run_group(command).map_err(spawn_error);
            let _ = std::fs::remove_file(&config);
            (status?, junit, crate::pertest::Located::Nextest(seen))
        }
        _ => {
            let events = dir.join(format!(".tests.{pid}.jsonl"));
            let (status, binaries) =
                run_libtest(run.command(&temp, runner, None), &events, early).map_err(spawn_error)?;
            (status, events, crate::pertest::Located::Libtest(binaries))
        }
    };
    if !status.success() {
        let _ = std::fs::remove_file(&temp);
        let _ = std::fs::remove_file(&results);
        if let crate::pertest::Located::Nextest(seen) = &located {
            let _ = std::fs::remove_dir_all(seen);
        }
        interrupted()?;
        return Ok((RunOutcome::Failed(status.code()), None));
    }
    interrupted()?;
    std::fs::rename(&temp, output).map_err(|err| io_error(output, "write", &err))?;
    // Only this run's results stay: the other runner's file would be of another run.
    let [xml, jsonl] = vital::pipeline::default_results_paths(workspace)
        .map(|p| dir.join(p.file_name().unwrap_or_default()));
    let _ = std::fs::remove_file(&xml);
    let _ = std::fs::remove_file(&jsonl);
    let has_results = std::fs::metadata(&results).is_ok_and(|m| m.len() > 0);
    if !has_results {
        let _ = std::fs::remove_file(&results);
        return Ok((RunOutcome::Coverage { results: None }, Some(located)));
    }
    let kept = if runner == Runner::Nextest { xml } else { jsonl };
    std::fs::rename(&results, &kept).map_err(|err| io_error(&kept, "write", &err))?;
    Ok((RunOutcome::Coverage { results: Some(kept) }, Some(located)))
}

/// The process groups of the runs under way (several when tests run in parallel),
/// which signals are forwarded to.
static RUN_GROUPS: std::sync::Mutex<Vec<i32>> = std::sync::Mutex::new(Vec::new());
/// The signal that interrupted vital, if one did (0: none).
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// Makes SIGTERM, SIGINT and SIGHUP stop the whole run, not vital alone: a signal
/// is forwarded to the process group of the run under way, vital waits until every
/// process of it is gone (holding the run lock), removes what the run was writing,
/// and exits with 2 (no verdict). With no run under way, vital exits with 2 at once.
pub fn forward_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else { return };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            INTERRUPTED.store(signal, Ordering::SeqCst);
            let groups = RUN_GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
            if !groups.is_empty() {
                if let Ok(forwarded) = nix::sys::signal::Signal::try_from(signal) {
                    for group in groups {
                        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), forwarded);
                    }
                }
            } else {
                let _ = writeln!(
                    std::io::stderr(),
                    "vital: interrupted by {}: nothing was gated",
                    signal_name(signal)
                );
                std::process::exit(i32::from(crate::EXIT_UNUSABLE));
            }
        }
    });
}

fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_string())
}

/// An error when a signal interrupted the run: nothing can be gated.
pub fn interrupted() -> Result<(), Error> {
    match INTERRUPTED.load(Ordering::SeqCst) {
        0 => Ok(()),
        signal => Err(Error::new(
            ErrorKind::Tool,
            None,
            format!("interrupted by {}: the run was stopped, and nothing was gated", signal_name(signal)),
        )),
    }
}

/// A child leading its own process group, registered for [`forward_signals`].
pub(crate) struct ProcessGroup {
    pid: i32,
}

impl ProcessGroup {
    pub(crate) fn enter(child: &std::process::Child) -> ProcessGroup {
        let pid = i32::try_from(child.id()).unwrap_or(0);
        if let Ok(mut groups) = RUN_GROUPS.lock() {
            groups.push(pid);
        }
        ProcessGroup { pid }
    }

    /// Kills every process of the group.
    pub(crate) fn kill(&self) {
        let _ =
            nix::sys::signal::killpg(nix::unistd::Pid::from_raw(self.pid), nix::sys::signal::Signal::SIGKILL);
    }

    /// Waits for the child, then for every other process of its group (a test binary
    /// the child started), killing them after ten seconds.
    fn wait(self, mut child: std::process::Child) -> std::io::Result<std::process::ExitStatus> {
        let status = child.wait();
        let group = nix::unistd::Pid::from_raw(self.pid);
        let start = std::time::Instant::now();
        while nix::sys::signal::killpg(group, None).is_ok() {
            if start.elapsed() > std::time::Duration::from_secs(10) {
                let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        status
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Ok(mut groups) = RUN_GROUPS.lock() {
            groups.retain(|&g| g != self.pid);
        }
    }
}

/// Runs `command` in a process group of its own, to the end of the group: a
/// signal to vital reaches all of it.
fn run_in_own_group(mut command: Command) -> std::io::Result<std::process::ExitStatus> {
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    run_group(command)
}

/// Runs `command` (which leads its own process group) to the end of its group.
fn run_group(mut command: Command) -> std::io::Result<std::process::ExitStatus> {
    let child = command.spawn()?;
    let group = ProcessGroup::enter(&child);
    group.wait(child)
}

/// Makes `cargo-vital` nextest's target runner for `command`, recording what it sees
/// in `seen` ([`crate::pertest`]); a runner of the user's own, from the environment or
/// cargo's configuration, is called by it.
fn per_test_runner(command: &mut Command, root: &Path, seen: &Path) -> Result<(), Error> {
    let exe = std::env::current_exe().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot find vital's own executable: {err}"))
    })?;
    let host = host_triple()?;
    if let Some(theirs) = crate::runner::user_runner(root, &host) {
        let json = serde_json::to_string(&theirs).expect("strings always serialize");
        command.env(crate::pertest::NEXT_RUNNER_ENV, json);
    }
    command.env(crate::runner::env_var(&host), format!("{} {}", exe.display(), crate::pertest::RUNNER_ARG));
    command.env(crate::pertest::RUNNER_DIR_ENV, seen);
    Ok(())
}

/// The host's target triple (`rustc -vV`).
pub(crate) fn host_triple() -> Result<String, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc).arg("-vV").output().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `{}`: {err}", rustc.to_string_lossy()))
    })?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or_else(|| Error::new(ErrorKind::Tool, None, "`rustc -vV` names no host triple"))
}

/// Holds the run lock of `dir` (released when the returned file is dropped, or when
/// the process dies), waiting for another run to finish if one holds it.
fn lock_runs(dir: &Path) -> Result<std::fs::File, Error> {
    use std::io::Write;
    let path = dir.join(".run.lock");
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|err| io_error(&path, "open", &err))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let _ = writeln!(
                std::io::stderr(),
                "vital: waiting for another `cargo vital run` in this workspace to finish"
            );
            file.lock().map_err(|err| io_error(&path, "lock", &err))?;
        }
        Err(std::fs::TryLockError::Error(err)) => return Err(io_error(&path, "lock", &err)),
    }
    Ok(file)
}

/// Removes what killed runs left behind: with the run lock held, every temporary
/// file in the directory is an orphan.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let temporary = name.starts_with('.')
            && (name.ends_with(".tmp") || name.starts_with(".tests.") || name.starts_with(".nextest."));
        if temporary && name.starts_with(".mutants.") {
            let _ = std::fs::remove_dir_all(entry.path());
        } else if temporary {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Runs a libtest coverage run with its stdout and stderr in one pipe, so that each
/// JSON event follows the `Running …` line of its binary. The library's
/// [`Tee`](vital::evidence::tests::libtest::Tee) splits the stream: test events,
/// tagged with their crate, go to `events`; the rest, and a line per finished test,
/// to stderr.
fn run_libtest(
    mut command: Command,
    events: &Path,
    early: Option<&crate::pertest::Early>,
) -> std::io::Result<(std::process::ExitStatus, Vec<vital::evidence::tests::libtest::Binary>)> {
    use std::io::{BufRead, Write};
    let (reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer);
    let child = command.spawn()?;
    let group = ProcessGroup::enter(&child);
    // The command holds the pipe's write ends: drop it, or the reader never ends.
    drop(command);
    let mut out = std::io::BufWriter::new(std::fs::File::create(events)?);
    let mut stderr = std::io::stderr().lock();
    let mut tee = vital::evidence::tests::libtest::Tee::default();
    let mut passed: Vec<String> = Vec::new();
    for line in std::io::BufReader::new(reader).lines() {
        let line = tee.line(&line?);
        if let Some(show) = line.show {
            let _ = writeln!(stderr, "{show}");
        }
        if let Some(record) = line.record {
            writeln!(out, "{record}")?;
            if let Some(early) = early {
                // The tests of the running binary that passed; when it ends, they
                // can be proven alone.
                let event: serde_json::Value = serde_json::from_str(&record).unwrap_or_default();
                match (event["type"].as_str(), event["event"].as_str()) {
                    (Some("test"), Some("ok")) => {
                        passed.extend(event["name"].as_str().map(str::to_string));
                    }
                    (Some("suite"), Some("ok" | "failed")) => {
                        if let Some(binary) = tee.binaries().last() {
                            early.binary_done(binary, &passed);
                        }
                        passed.clear();
                    }
                    _ => {}
                }
            }
        }
    }
    out.flush()?;
    let binaries = tee.binaries().to_vec();
    Ok((group.wait(child)?, binaries))
}

#[cfg(test)]
mod tests {
    #[test]
    fn remote_urls_become_repository_uris_without_credentials() {
        use super::repository_uri;
        assert_eq!(repository_uri("https://github.com/o/r").as_deref(), Some("git+https://github.com/o/r"));
        assert_eq!(
            repository_uri("https://x-access-token:ghs_abc@github.com/o/r.git").as_deref(),
            Some("git+https://github.com/o/r.git")
        );
        assert_eq!(
            repository_uri("ssh://git@github.com/o/r.git").as_deref(),
            Some("git+ssh://git@github.com/o/r.git")
        );
        assert_eq!(
            repository_uri("git@github.com:o/r.git").as_deref(),
            Some("git+ssh://git@github.com/o/r.git")
        );
        assert_eq!(repository_uri("/srv/git/r.git").as_deref(), Some("git+file:///srv/git/r.git"));
        assert_eq!(repository_uri(""), None);
    }

    use super::*;
    use vital::evidence::mutants::plan::TestTarget;

    #[test]
    fn a_mutation_run_selects_its_binaries_and_its_baseline() {
        let group = Group {
            package: "gauge".into(),
            test_packages: vec!["gauge".into(), "other".into()],
            targets: vec![TestTarget::Lib, TestTarget::Test("my_test".into())],
            binaries: vec!["gauge".into(), "my_test".into()],
            functions: vec!["gauge::f".into()],
            mutants: vec!["src/lib.rs:1:1: replace f -> bool with true".into()],
            acknowledged: Vec::new(),
            baseline: Baseline::Skip {
                timeout: Duration::from_secs(20),
                measured: Duration::from_millis(10),
            },
            diff: String::new(),
        };
        let run = MutantsRun {
            features: Features { features: vec!["a,b".into()], all_features: true, ..Features::default() },
            ..MutantsRun::default()
        };
        let args = |command: &Command| -> Vec<String> {
            command.get_args().map(|a| a.to_string_lossy().into_owned()).collect()
        };
        let paths = MutantsPaths {
            root: Path::new("/w"),
            config: Path::new("/c.toml"),
            in_diff: Path::new("/d.diff"),
            output: Path::new("/o"),
            target_dir: Path::new("/t"),
        };
        let command = run.command(&group, RunBaseline::Skip(Duration::from_secs(20)), &paths);
        assert_eq!(
            args(&command),
            [
                "mutants",
                "--test-tool=cargo",
                "--colors=never",
                "--no-shuffle",
                "--baseline=skip",
                "--timeout=20",
                "--config",
                "/c.toml",
                "--in-diff",
                "/d.diff",
                "--dir",
                "/w",
                "--output",
                "/o",
                "--package=gauge",
                "--test-package=gauge,other",
                "--cargo-arg=--lib",
                "--cargo-arg=--test=my?test",
                "--features=a,b",
                "--all-features"
            ]
        );
        let target = command.get_envs().find(|(k, _)| *k == "CARGO_TARGET_DIR").and_then(|(_, v)| v);
        assert_eq!(target, Some("/t".as_ref()));
        // The baseline: the same tests, unmutated, in the workspace; every test
        // package, unlike cargo-mutants' own baseline.
        let config =
            MutantsConfig::from_tree(Some("additional_cargo_args = [\"--locked\"]\n"), Path::new("m"))
                .unwrap();
        let build = run.baseline_command(Path::new("/w"), &group, &config, true, Path::new("/t"));
        assert_eq!(
            args(&build),
            [
                "test",
                "--no-run",
                "--package=gauge",
                "--package=other",
                "--features=a,b",
                "--all-features",
                "--locked",
                "--lib",
                "--test=my?test"
            ]
        );
        let test = run.baseline_command(Path::new("/w"), &group, &config, false, Path::new("/t"));
        assert_eq!(args(&test)[1], "--package=gauge");
        let measured = RunBaseline::Run { minimum: Duration::from_secs(20), fixed: None };
        assert!(
            args(&run.command(&group, measured, &paths))
                .windows(2)
                .any(|w| w == ["--minimum-test-timeout=20", "--timeout-multiplier=5"])
        );
    }

    #[test]
    fn the_coverage_command_turns_branch_coverage_on_and_passes_options_through() {
        let run = CoverageRun {
            manifest_path: Some("ws/Cargo.toml".into()),
            packages: vec!["a".into(), "b".into()],
            exclude: Vec::new(),
            doctests: true,
            features: Features {
                features: vec!["x".into(), "y".into()],
                all_features: true,
                no_default_features: true,
            },
            test_args: vec!["--test-threads=1".into()],
            runner: Runner::Libtest,
        };
        let command = run.command(Path::new("out.json"), Runner::Libtest, None);
        let args: Vec<String> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(
            args,
            [
                "llvm-cov",
                "-v",
                "--branch",
                "--json",
                "--ignore-run-fail",
                "--output-path",
                "out.json",
                "--manifest-path",
                "ws/Cargo.toml",
                "--package",
                "a",
                "--package",
                "b",
                "--doctests",
                "--features=x,y",
                "--all-features",
                "--no-default-features",
                "--",
                "-Z",
                "unstable-options",
                "--format",
                "json",
                "--test-threads=1"
            ]
        );
        let bootstrap = command.get_envs().find(|(k, _)| *k == "RUSTC_BOOTSTRAP").and_then(|(_, v)| v);
        assert_eq!(bootstrap, Some("1".as_ref()));
        let all =
            CoverageRun::default().command(Path::new("o"), Runner::Nextest, Some(Path::new("/t/n.toml")));
        let args: Vec<String> = all.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(&args[..2], ["llvm-cov", "nextest"]);
        assert!(args.contains(&"--workspace".to_string()));
        assert!(args.ends_with(&[
            "--profile".into(),
            "vital".into(),
            "--tool-config-file".into(),
            "vital:/t/n.toml".into()
        ]));
    }
}

/// Errors, with the command that installs it, when `cargo mutants` is not a command.
pub fn check_cargo_mutants() -> Result<(), Error> {
    let works = Command::new(cargo())
        .args(["mutants", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Tool,
            None,
            "cargo-mutants is not installed (`cargo mutants` is not a command)",
        )
        .with_help(format!("install it with `{INSTALL_MUTANTS}`")))
    }
}

/// The workspace's cargo-mutants config (`.cargo/mutants.toml`), as vital passes it on.
pub fn mutants_config(workspace: &Workspace) -> Result<MutantsConfig, Error> {
    let path = workspace.root.join(TREE_CONFIG);
    match std::fs::read_to_string(&path) {
        Ok(text) => MutantsConfig::from_tree(Some(&text), Path::new(TREE_CONFIG)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => MutantsConfig::from_tree(None, &path),
        Err(err) => Err(Error::io(ErrorKind::Mutants, Path::new(TREE_CONFIG), &err)),
    }
}

/// Writes `cargo mutants --list --json` of the workspace's current source to
/// `output` (atomically), listing with `config` (`.cargo/mutants.toml` without its
/// filters). Every package of the workspace is listed.
pub fn list_mutants(workspace: &Workspace, config: &MutantsConfig, output: &Path) -> Result<(), Error> {
    check_cargo_mutants()?;
    let dir = output.parent().unwrap_or(&workspace.target_dir);
    std::fs::create_dir_all(dir).map_err(|err| io_error(dir, "create", &err))?;
    let config_path = dir.join(format!(".mutants-list.{}.toml.tmp", std::process::id()));
    std::fs::write(&config_path, config.render(None)).map_err(|err| io_error(&config_path, "write", &err))?;
    let result = Command::new(cargo())
        .args(["mutants", "--list", "--json", "--workspace", "--colors=never"])
        .arg("--config")
        .arg(&config_path)
        .arg("--dir")
        .arg(&workspace.root)
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_file(&config_path);
    let output_of = result.map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `cargo mutants`: {err}"))
            .with_help(format!("install it with `{INSTALL_MUTANTS}`"))
    })?;
    if !output_of.status.success() {
        let stderr = String::from_utf8_lossy(&output_of.stderr);
        return Err(Error::new(
            ErrorKind::Tool,
            Some(Location::file(&workspace.root)),
            format!("`cargo mutants --list` failed ({}): {}", output_of.status, stderr.trim()),
        )
        .with_help("run `cargo mutants --list` in the workspace to see why"));
    }
    vital::fsutil::write_atomic(output, &output_of.stdout)
}

/// How `cargo vital mutants` runs cargo-mutants.
#[derive(Debug, Clone, PartialEq)]
pub struct MutantsRun {
    /// Only the tests of these packages; all when empty.
    pub packages: Vec<String>,
    /// The feature flags.
    pub features: Features,
    /// A fixed timeout of each mutant's tests.
    pub timeout: Option<Duration>,
    /// The least timeout.
    pub minimum_timeout: Duration,
}

impl Default for MutantsRun {
    fn default() -> Self {
        MutantsRun {
            packages: Vec::new(),
            features: Features::default(),
            timeout: None,
            minimum_timeout: PlanOptions::default().minimum_timeout,
        }
    }
}

impl MutantsRun {
    /// The `cargo mutants` command testing `group`'s mutants with `baseline`, with
    /// the files of `paths` (its config, its `--in-diff`, its output). Builds go to
    /// `paths.target_dir`, which outlives the run: cargo-mutants builds in a scratch
    /// copy of the source (fresh files: cargo rebuilds what they make), and a lasting
    /// target directory keeps the dependencies built from one run to the next.
    pub fn command(&self, group: &Group, baseline: RunBaseline, paths: &MutantsPaths<'_>) -> Command {
        let mut command = Command::new(cargo());
        command.args(["mutants", "--test-tool=cargo", "--colors=never", "--no-shuffle"]);
        match baseline {
            RunBaseline::Skip(timeout) => {
                command.args(["--baseline=skip".to_string(), format!("--timeout={}", timeout.as_secs_f64())]);
            }
            RunBaseline::Run { fixed: Some(timeout), .. } => {
                command.arg(format!("--timeout={}", timeout.as_secs_f64()));
            }
            RunBaseline::Run { minimum, fixed: None } => {
                command.arg(format!("--minimum-test-timeout={}", minimum.as_secs_f64()));
                command.arg(format!("--timeout-multiplier={}", PlanOptions::default().multiplier));
            }
        }
        command
            .arg("--config")
            .arg(paths.config)
            .arg("--in-diff")
            .arg(paths.in_diff)
            .arg("--dir")
            .arg(paths.root)
            .arg("--output")
            .arg(paths.output);
        command.arg(format!("--package={}", group.package));
        command.arg(format!("--test-package={}", group.test_packages.join(",")));
        for target in &group.targets {
            command.arg(format!("--cargo-arg={}", target.cargo_arg()));
        }
        command.args(self.features.args());
        command.env("CARGO_TARGET_DIR", paths.target_dir);
        // cargo-mutants' progress goes to stderr: stdout carries the report.
        command.stdin(Stdio::null()).stdout(std::io::stderr()).stderr(Stdio::inherit());
        command
    }

    /// The baseline of `group`, as cargo-mutants would test a mutant but on the
    /// unmutated source: `cargo test` of its test packages and binaries (`--no-run`
    /// with `build_only`), in the workspace `root`, building into `target_dir`
    /// (which it warms for the mutants), with `config`'s cargo arguments.
    pub fn baseline_command(
        &self,
        root: &Path,
        group: &Group,
        config: &MutantsConfig,
        build_only: bool,
        target_dir: &Path,
    ) -> Command {
        let (cargo_args, test_args, profile) = config.cargo_args();
        let mut command = Command::new(cargo());
        command.arg("test");
        if build_only {
            command.arg("--no-run");
        }
        if let Some(profile) = profile {
            command.arg(format!("--profile={profile}"));
        }
        for package in &group.test_packages {
            command.arg(format!("--package={package}"));
        }
        command.args(self.features.args()).args(cargo_args);
        for target in &group.targets {
            command.arg(target.cargo_arg());
        }
        if !build_only && !test_args.is_empty() {
            command.arg("--").args(test_args);
        }
        command.current_dir(root).env("CARGO_TARGET_DIR", target_dir);
        command.stdin(Stdio::null()).stdout(std::io::stderr()).stderr(Stdio::inherit());
        command
    }
}

/// How a cargo-mutants run has its baseline, and its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunBaseline {
    /// Known to pass: skipped; each mutant's tests get this timeout.
    Skip(Duration),
    /// Run by cargo-mutants in its scratch copy, which sets the timeout from it (at
    /// least `minimum`), or to `fixed`.
    Run {
        /// The least timeout.
        minimum: Duration,
        /// A fixed timeout.
        fixed: Option<Duration>,
    },
}

/// Where a cargo-mutants run of `cargo vital mutants` reads and writes.
#[derive(Debug, Clone, Copy)]
pub struct MutantsPaths<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// The config file vital wrote.
    pub config: &'a Path,
    /// The diff of the group's functions' lines vital wrote.
    pub in_diff: &'a Path,
    /// Where `mutants.out` goes.
    pub output: &'a Path,
    /// The lasting target directory.
    pub target_dir: &'a Path,
}

/// How a mutation run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MutantsOutcome {
    /// The results are in `dir` (one `mutants.out` per group), with the list of
    /// the source's mutants at `list`.
    Tested {
        /// The results.
        dir: PathBuf,
        /// The mutant list.
        list: PathBuf,
    },
    /// The tests failed on the unmutated source: nothing was tested.
    BaselineFailed(String),
}

/// Tests the mutants of `session`'s vital functions the way `cargo vital mutants`
/// does: lists the source's mutants, plans the groups, runs cargo-mutants once per
/// group with the test binaries that reach its functions, then once more on the
/// group's surviving mutants with every test of its packages (doctests included,
/// which no target selection reaches): a mutant is reported missed only when the
/// whole test suite misses it. Checks that each run tested exactly its mutants,
/// and writes the results to `target/vital/mutants/` with the list and the stamp of
/// the source, replacing the previous results only when every group finished.
pub fn produce_mutants(session: &Session, run: &MutantsRun) -> Result<MutantsOutcome, Error> {
    use std::io::Write;
    check_cargo_mutants()?;
    let workspace = session.workspace();
    let stamp = session.stamp();
    let vital_dir = workspace.vital_dir();
    std::fs::create_dir_all(&vital_dir).map_err(|err| io_error(&vital_dir, "create", &err))?;
    let _lock = lock_runs(&vital_dir)?;
    remove_leftovers(&vital_dir);
    let pid = std::process::id();
    let scratch = vital_dir.join(format!(".mutants.{pid}.tmp"));
    std::fs::create_dir_all(&scratch).map_err(|err| io_error(&scratch, "create", &err))?;
    let final_dir = default_mutants_dir(workspace);

    let config = mutants_config(workspace)?;
    let list = scratch.join(MUTANT_LIST);
    list_mutants(workspace, &config, &list)?;
    let (config_features, config_all, config_no_default) = config.features();
    let options = PlanOptions {
        features: run.features.features.iter().cloned().chain(config_features).collect(),
        all_features: run.features.all_features || config_all,
        no_default_features: run.features.no_default_features || config_no_default,
        build_keys: config.build_keys(),
        timeout: run.timeout,
        minimum_timeout: run.minimum_timeout,
        packages: run.packages.clone(),
        ..PlanOptions::default()
    };
    let plan = session
        .mutation_plan(&InputFile { path: list.clone(), display: final_dir.join(MUTANT_LIST) }, &options)?;
    let runner = GroupRunner {
        run,
        config: &config,
        root: &workspace.root,
        target_dir: vital_dir.join("mutants-target"),
    };
    let mut stderr = std::io::stderr();
    for (i, group) in plan.groups.iter().enumerate() {
        let name = format!("g{}", i + 1);
        let targets: Vec<String> = group.targets.iter().map(|t| t.cargo_arg()).collect();
        let baseline = match &group.baseline {
            Baseline::Skip { timeout, measured } => format!(
                "baseline skipped: `cargo vital run` passed on this source; timeout {:.0} s (tests took {:.1} s)",
                timeout.as_secs_f64(),
                measured.as_secs_f64()
            ),
            Baseline::Run(why) => format!("baseline runs: {why}"),
        };
        let _ = writeln!(
            stderr,
            "vital: {} mutants of {} with `{}` ({baseline})",
            group.mutants.len(),
            group.functions.join(", "),
            targets.join(" ")
        );
        let timeout = match runner.baseline(group)? {
            Ok(baseline) => baseline,
            Err(message) => return Ok(MutantsOutcome::BaselineFailed(message)),
        };
        let results = match runner.run(group, timeout, &scratch.join(&name), &final_dir.join(&name))? {
            GroupRun::Tested(results) => results,
            GroupRun::BaselineFailed(message) => return Ok(MutantsOutcome::BaselineFailed(message)),
        };
        // Acknowledged survivors leave the score whatever the whole suite does.
        let survivors: Vec<String> = results
            .tested
            .iter()
            .filter(|t| matches!(t.summary, outcomes::Summary::MissedMutant | outcomes::Summary::Timeout))
            .filter(|t| !group.acknowledged.contains(&t.mutant.name))
            .map(|t| t.mutant.name.clone())
            .collect();
        if survivors.is_empty() {
            continue;
        }
        let _ = writeln!(
            stderr,
            "vital: {} surviving mutants again, with every test of {} (doctests too)",
            survivors.len(),
            group.test_packages.join(", ")
        );
        let confirm = Group {
            targets: Vec::new(),
            mutants: survivors,
            acknowledged: Vec::new(),
            baseline: Baseline::Run(
                "the whole test suite, doctests included, is not the one measured".into(),
            ),
            ..group.clone()
        };
        let timeout = match runner.baseline(&confirm)? {
            Ok(baseline) => baseline,
            Err(message) => return Ok(MutantsOutcome::BaselineFailed(message)),
        };
        let confirmed = format!("{name}/{}", outcomes::CONFIRMED);
        if let GroupRun::BaselineFailed(message) =
            runner.run(&confirm, timeout, &scratch.join(&confirmed), &final_dir.join(&confirmed))?
        {
            return Ok(MutantsOutcome::BaselineFailed(message));
        }
    }
    let json = serde_json::to_vec_pretty(&stamp).expect("a stamp always serializes");
    vital::fsutil::write_atomic(&scratch.join(MUTANTS_STAMP), &json)?;
    // Swap the new results in: the old ones stay whole until the new are.
    let old = vital_dir.join(format!(".mutants.{pid}.old.tmp"));
    if final_dir.exists() {
        std::fs::rename(&final_dir, &old).map_err(|err| io_error(&final_dir, "replace", &err))?;
    }
    std::fs::rename(&scratch, &final_dir).map_err(|err| io_error(&final_dir, "write", &err))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(MutantsOutcome::Tested { list: final_dir.join(MUTANT_LIST), dir: final_dir })
}

/// How one cargo-mutants run of a group ended.
enum GroupRun {
    Tested(outcomes::RunResults),
    BaselineFailed(String),
}

/// Runs cargo-mutants for groups of one `cargo vital mutants`.
struct GroupRunner<'a> {
    run: &'a MutantsRun,
    config: &'a MutantsConfig,
    root: &'a Path,
    target_dir: PathBuf,
}

impl GroupRunner<'_> {
    /// How `group`'s baseline is had: the last `cargo vital run` when it stands for
    /// it; else cargo-mutants' own, in its scratch copy; else, when the tests of
    /// other packages count (cargo-mutants' baseline tests the mutated package only),
    /// `cargo test` here, into a target directory of its own: a build of the real
    /// tree into the mutants' target directory could look fresh to cargo after a
    /// mutant's build there, and run the mutant. `Ok(Err)` with a message when the
    /// tests fail on the unmutated source.
    fn baseline(&self, group: &Group) -> Result<Result<RunBaseline, String>, Error> {
        use std::io::Write;
        let why = match &group.baseline {
            Baseline::Skip { timeout, .. } => return Ok(Ok(RunBaseline::Skip(*timeout))),
            Baseline::Run(why) => why,
        };
        let _ = writeln!(std::io::stderr(), "vital: the baseline runs first ({why})");
        if group.test_packages == [group.package.clone()] {
            return Ok(Ok(RunBaseline::Run { minimum: self.run.minimum_timeout, fixed: self.run.timeout }));
        }
        let target_dir = self.target_dir.with_file_name("mutants-baseline-target");
        let spawn_error = |err: std::io::Error| {
            Error::new(ErrorKind::Tool, None, format!("cannot run `cargo test`: {err}"))
        };
        let build = self.run.baseline_command(self.root, group, self.config, true, &target_dir);
        if !run_in_own_group(build).map_err(spawn_error)?.success() {
            return Err(Error::new(
                ErrorKind::Tool,
                Some(Location::file(self.root)),
                "the tests do not build on the unmutated source, so no mutant was tested",
            )
            .with_help("make `cargo test` build, then run the mutants again"));
        }
        let start = std::time::Instant::now();
        let test = self.run.baseline_command(self.root, group, self.config, false, &target_dir);
        let status = run_in_own_group(test).map_err(spawn_error)?;
        interrupted()?;
        if !status.success() {
            return Ok(Err("the tests fail on the unmutated source, so no mutant was tested".into()));
        }
        let measured = start.elapsed().as_secs_f64() * PlanOptions::default().multiplier;
        Ok(Ok(RunBaseline::Skip(self.run.timeout.unwrap_or_else(|| {
            let scaled = Duration::try_from_secs_f64(measured.ceil()).unwrap_or(Duration::MAX);
            scaled.max(self.run.minimum_timeout)
        }))))
    }

    /// Tests `group`'s mutants into `output/mutants.out` (shown as `shown`), each
    /// with `timeout`, and checks that exactly they were tested.
    fn run(
        &self,
        group: &Group,
        baseline: RunBaseline,
        output: &Path,
        shown: &Path,
    ) -> Result<GroupRun, Error> {
        std::fs::create_dir_all(output).map_err(|err| io_error(output, "create", &err))?;
        let group_config = output.join("vital-mutants.toml");
        std::fs::write(&group_config, self.config.render(Some(&group.mutants)))
            .map_err(|err| io_error(&group_config, "write", &err))?;
        let in_diff = output.join("vital-mutants.diff");
        std::fs::write(&in_diff, &group.diff).map_err(|err| io_error(&in_diff, "write", &err))?;
        let mut command = self.run.command(
            group,
            baseline,
            &MutantsPaths {
                root: self.root,
                config: &group_config,
                in_diff: &in_diff,
                output,
                target_dir: &self.target_dir,
            },
        );
        // Its own process group: a signal to vital stops cargo-mutants and every
        // build and test it started, and vital waits for them.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let status = run_group(command).map_err(|err| {
            Error::new(ErrorKind::Tool, None, format!("cannot run `cargo mutants`: {err}"))
                .with_help(format!("install it with `{INSTALL_MUTANTS}`"))
        })?;
        interrupted()?;
        let out = output.join("mutants.out");
        let shown = shown.join("mutants.out");
        // cargo-mutants' exit code says less than its outcomes (a timeout hides a
        // missed mutant): 0, 2 and 3 are finished runs, read below.
        match status.code() {
            Some(0 | 2 | 3) => {}
            Some(4) => {
                // The results are not swapped in: the log is where cargo-mutants wrote it.
                let log = out.join("log/baseline.log");
                let phase = std::fs::read_to_string(out.join("outcomes.json"))
                    .ok()
                    .and_then(|text| outcomes::failed_baseline_phase(&text));
                if phase.as_deref() != Some("Test") {
                    return Err(Error::new(
                        ErrorKind::Tool,
                        Some(Location::file(&log)),
                        "the tests do not build on the unmutated source, so no mutant was tested",
                    )
                    .with_help("make `cargo test` build, then run the mutants again"));
                }
                return Ok(GroupRun::BaselineFailed(format!(
                    "the tests fail on the unmutated source, so no mutant was tested (see {})",
                    log.display()
                )));
            }
            other => {
                let code = other.map_or_else(|| "killed by a signal".into(), |c| format!("exit status {c}"));
                return Err(Error::new(
                    ErrorKind::Tool,
                    Some(Location::file(out.join("debug.log"))),
                    format!("`cargo mutants` failed ({code}): nothing was gated"),
                )
                .with_help("see cargo-mutants' output above and its debug.log"));
            }
        }
        let results = outcomes::read_dir(&out, &shown)?;
        // cargo-mutants 27 does not filter struct-field mutants by name: those on
        // the functions' lines come along, and are judged like any other.
        let mut tested: Vec<&str> = results
            .tested
            .iter()
            .filter(|t| t.mutant.genre != "StructField" || group.mutants.contains(&t.mutant.name))
            .map(|t| t.mutant.name.as_str())
            .collect();
        let mut expected: Vec<&str> = group.mutants.iter().map(String::as_str).collect();
        tested.sort_unstable();
        expected.sort_unstable();
        if tested != expected {
            let missing: Vec<&&str> = expected.iter().filter(|m| !tested.contains(m)).take(3).collect();
            return Err(Error::new(
                ErrorKind::Mutants,
                Some(Location::file(&shown)),
                format!(
                    "cargo-mutants tested {} mutants where vital selected {} (not tested: {missing:?})",
                    tested.len(),
                    expected.len()
                ),
            )
            .with_help("is another cargo-mutants or source edit running? Run `cargo vital mutants` again"));
        }
        Ok(GroupRun::Tested(results))
    }
}
