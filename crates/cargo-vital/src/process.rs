//! Everything that spawns a process: `cargo metadata`, the prerequisite checks and
//! the coverage run. One place, so the environment and the error messages are
//! handled once.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use vital::evidence::coverage::stamp::SourceStamp;
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, Location};

/// The command that installs cargo-llvm-cov.
pub const INSTALL_LLVM_COV: &str = "cargo install cargo-llvm-cov --locked";
/// The command that installs the LLVM tools.
pub const INSTALL_LLVM_TOOLS: &str = "rustup component add llvm-tools-preview";

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
    let llvm_cov = Command::new(cargo())
        .args(["llvm-cov", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !llvm_cov.is_ok_and(|s| s.success()) {
        return Err(Error::new(
            ErrorKind::Tool,
            None,
            "cargo-llvm-cov is not installed (`cargo llvm-cov` is not a command)",
        )
        .with_help(format!("install it with `{INSTALL_LLVM_COV}`")));
    }
    if std::env::var_os("LLVM_COV").is_some() && std::env::var_os("LLVM_PROFDATA").is_some() {
        return Ok(());
    }
    let tools = llvm_tools_dir()?;
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
    /// `--features`.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
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
        if !self.features.is_empty() {
            command.args(["--features", &self.features.join(",")]);
        }
        if self.all_features {
            command.arg("--all-features");
        }
        if self.no_default_features {
            command.arg("--no-default-features");
        }
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
    let (outcome, located) = run_coverage(workspace, run, output)?;
    let per_test = vital::evidence::pertest::dir_for(output);
    // Evidence of an earlier run must never stand beside this run's coverage.
    let _ = std::fs::remove_dir_all(&per_test);
    if let RunOutcome::Coverage { results } = &outcome {
        let json = serde_json::to_vec_pretty(&stamp).expect("a stamp always serializes");
        vital::fsutil::write_atomic(&SourceStamp::path_for(output), &json)?;
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
                run_libtest(run.command(&temp, runner, None), &events).map_err(spawn_error)?;
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

/// The process group of the run under way (0: none), which signals are forwarded to.
static RUN_GROUP: AtomicI32 = AtomicI32::new(0);
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
            let group = RUN_GROUP.load(Ordering::SeqCst);
            if group > 0 {
                if let Ok(forwarded) = nix::sys::signal::Signal::try_from(signal) {
                    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(group), forwarded);
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
pub(crate) struct Group {
    pid: i32,
}

impl Group {
    pub(crate) fn enter(child: &std::process::Child) -> Group {
        let pid = i32::try_from(child.id()).unwrap_or(0);
        RUN_GROUP.store(pid, Ordering::SeqCst);
        Group { pid }
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

impl Drop for Group {
    fn drop(&mut self) {
        RUN_GROUP.store(0, Ordering::SeqCst);
    }
}

/// Runs `command` (which leads its own process group) to the end of its group.
fn run_group(mut command: Command) -> std::io::Result<std::process::ExitStatus> {
    let child = command.spawn()?;
    let group = Group::enter(&child);
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
        if temporary {
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
) -> std::io::Result<(std::process::ExitStatus, Vec<vital::evidence::tests::libtest::Binary>)> {
    use std::io::{BufRead, Write};
    let (reader, writer) = std::io::pipe()?;
    command.stdout(writer.try_clone()?).stderr(writer);
    let child = command.spawn()?;
    let group = Group::enter(&child);
    // The command holds the pipe's write ends: drop it, or the reader never ends.
    drop(command);
    let mut out = std::io::BufWriter::new(std::fs::File::create(events)?);
    let mut stderr = std::io::stderr().lock();
    let mut tee = vital::evidence::tests::libtest::Tee::default();
    for line in std::io::BufReader::new(reader).lines() {
        let line = tee.line(&line?);
        if let Some(show) = line.show {
            let _ = writeln!(stderr, "{show}");
        }
        if let Some(record) = line.record {
            writeln!(out, "{record}")?;
        }
    }
    out.flush()?;
    let binaries = tee.binaries().to_vec();
    Ok((group.wait(child)?, binaries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coverage_command_turns_branch_coverage_on_and_passes_options_through() {
        let run = CoverageRun {
            manifest_path: Some("ws/Cargo.toml".into()),
            packages: vec!["a".into(), "b".into()],
            exclude: Vec::new(),
            doctests: true,
            features: vec!["x".into(), "y".into()],
            all_features: true,
            no_default_features: true,
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
                "--features",
                "x,y",
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
