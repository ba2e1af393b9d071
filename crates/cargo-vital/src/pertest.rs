//! Per-test evidence (SPEC §7): after the suite's coverage run, each failure-mode
//! test that passed is proven by its own coverage profile, exported for the vital
//! functions' files into `coverage.pertest/` beside the export.
//!
//! - After a libtest suite (the default), each test is run again, alone: its binary
//!   (from cargo's `Running` lines) with `--exact NAME`, in its package's directory,
//!   with a profile of its own. Only those tests re-run, already built.
//! - Under nextest (`--runner nextest`), every test already runs in its own process:
//!   `cargo-vital` itself is the target runner (set through
//!   `CARGO_TARGET_<HOST>_RUNNER`, any runner of the user's own called after it), and
//!   gives each test process a profile file of its own, beside cargo-llvm-cov's so
//!   that the suite's export still merges them all.
//!
//! Either way, each test's profiles are merged (`llvm-profdata merge`) and exported
//! (`llvm-cov export` with its binary, for the vital files only).

use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vital::evidence::pertest::{INDEX_FILE, INDEX_VERSION, Index, IndexEntry, file_stem};
use vital::evidence::tests::libtest::Binary;
use vital::pipeline::ProofTarget;
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, Location};

/// The argument that makes `cargo-vital` the target runner of a nextest run.
pub const RUNNER_ARG: &str = "__vital-test-runner";
/// Where the runner writes what it learns of each test process.
pub const RUNNER_DIR_ENV: &str = "VITAL_PER_TEST_DIR";
/// The user's own target runner, which vital's calls.
pub const NEXT_RUNNER_ENV: &str = "VITAL_NEXT_RUNNER";

/// How long a test run alone may take before it is stopped (and proves nothing).
const ALONE_LIMIT: Duration = Duration::from_secs(600);

/// Where the suite's test binaries are.
#[derive(Debug, Clone)]
pub enum Located {
    /// cargo's `Running` lines of a libtest run.
    Libtest(Vec<Binary>),
    /// What vital's target runner wrote of each nextest test process.
    Nextest(PathBuf),
}

/// What vital's target runner records of one test process (a JSON file in
/// [`RUNNER_DIR_ENV`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Seen {
    binary_id: String,
    test: String,
    binary: PathBuf,
    /// The profile files of the process: `PREFIX-<pid>.profraw`.
    profile_prefix: PathBuf,
}

/// `cargo-vital __vital-test-runner BINARY ARGS…`: nextest's target runner. A test
/// process (not a listing) gets a profile file of its own; then the user's runner,
/// if any, or the binary itself, takes over this process.
pub fn test_runner(args: &[std::ffi::OsString]) -> std::process::ExitCode {
    let Some((binary, rest)) = args.split_first() else {
        let _ = writeln!(std::io::stderr(), "vital: the test runner was given no binary");
        return std::process::ExitCode::from(2);
    };
    let theirs: Option<Vec<String>> =
        std::env::var(NEXT_RUNNER_ENV).ok().and_then(|json| serde_json::from_str(&json).ok());
    let mut command = through(theirs.as_deref(), Path::new(binary));
    command.args(rest);
    if let (Ok(binary_id), Ok(test), Some(dir), Some(profile)) = (
        std::env::var("NEXTEST_BINARY_ID"),
        std::env::var("NEXTEST_TEST_NAME"),
        std::env::var_os(RUNNER_DIR_ENV),
        std::env::var_os("LLVM_PROFILE_FILE"),
    ) {
        // Beside cargo-llvm-cov's profiles, so that the suite's export merges it.
        let profiles = Path::new(&profile).parent().map(Path::to_path_buf).unwrap_or_default();
        let attempt = std::env::var("NEXTEST_ATTEMPT").unwrap_or_default();
        let stem = format!("vital-pertest-{}-a{attempt}", file_stem(&binary_id, &test));
        let seen = Seen {
            binary_id,
            test,
            binary: std::fs::canonicalize(binary).unwrap_or_else(|_| PathBuf::from(binary)),
            profile_prefix: profiles.join(&stem),
        };
        let record = serde_json::to_vec(&seen).expect("serializable");
        let _ = vital::fsutil::write_atomic(&Path::new(&dir).join(format!("{stem}.json")), &record);
        command.env("LLVM_PROFILE_FILE", profiles.join(format!("{stem}-%p.profraw")));
    }
    #[cfg(unix)]
    {
        let err = std::os::unix::process::CommandExt::exec(&mut command);
        let _ = writeln!(std::io::stderr(), "vital: cannot run the test binary: {err}");
        std::process::ExitCode::from(2)
    }
    #[cfg(not(unix))]
    match command.status() {
        Ok(status) => std::process::ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)),
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "vital: cannot run the test binary: {err}");
            std::process::ExitCode::from(2)
        }
    }
}

/// The LLVM tools of the toolchain (or `LLVM_PROFDATA` / `LLVM_COV`).
#[derive(Debug, Clone)]
pub struct Tools {
    profdata: PathBuf,
    cov: PathBuf,
}

impl Tools {
    /// Finds them.
    pub fn find() -> Result<Tools, Error> {
        let exe = if cfg!(windows) { ".exe" } else { "" };
        let from_env = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let dir = crate::process::llvm_tools_dir()?;
        Ok(Tools {
            profdata: from_env("LLVM_PROFDATA").unwrap_or_else(|| dir.join(format!("llvm-profdata{exe}"))),
            cov: from_env("LLVM_COV").unwrap_or_else(|| dir.join(format!("llvm-cov{exe}"))),
        })
    }
}

/// One test's proof: where its binary is and which profiles it wrote, or why there
/// is none.
#[derive(Debug, Clone)]
struct Proof {
    target: ProofTarget,
    passed: bool,
    binary: Option<PathBuf>,
    profiles: Vec<PathBuf>,
    note: Option<String>,
    /// Its export, when it was made while the suite still ran ([`Early`]).
    exported: Option<Vec<u8>>,
}

/// Proves `targets`, writing their evidence into `out` (replaced as a whole).
/// `scratch` holds the profiles of the tests run alone while it works.
pub fn prove(
    workspace: &Workspace,
    targets: &[ProofTarget],
    located: &Located,
    vital_files: &[PathBuf],
    stamp: &[u8],
    out: &Path,
    early: Option<Early>,
) -> Result<(), Error> {
    let tools = Tools::find()?;
    let parent = out.parent().unwrap_or(&workspace.target_dir);
    let pid = std::process::id();
    let name = out.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let temp = parent.join(format!(".{name}.{pid}.tmp"));
    let (scratch, early) = match early {
        Some(early) => early.finish(),
        None => (scratch_dir(parent), Vec::new()),
    };
    let _ = std::fs::remove_dir_all(&temp);
    for dir in [&temp, &scratch] {
        std::fs::create_dir_all(dir).map_err(|err| io_error(dir, "create", &err))?;
    }
    let started = Instant::now();
    let tests = format!("{} failure-mode test{}", targets.len(), if targets.len() == 1 { "" } else { "s" });
    if !targets.is_empty() {
        let how = match located {
            Located::Libtest(_) => "each run alone with coverage",
            Located::Nextest(_) => "each from its own profile of the nextest run",
        };
        let _ = writeln!(std::io::stderr(), "vital: per-test evidence of {tests}, {how}");
    }
    let result = prove_into(workspace, targets, located, vital_files, &tools, (&temp, &scratch), early)
        .and_then(|()| {
            // The source stamp of the run: the per-test evidence is checked against it
            // wherever it is carried (`--per-test DIR`).
            let path = temp.join(vital::evidence::pertest::STAMP_FILE);
            std::fs::write(&path, stamp).map_err(|err| io_error(&path, "write", &err))
        });
    let _ = std::fs::remove_dir_all(&scratch);
    if let Err(err) = result {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(err);
    }
    // Replace the previous evidence: a crash between the two renames leaves none,
    // which proves nothing (fail closed), never a mix of two runs.
    let _ = std::fs::remove_dir_all(out);
    std::fs::rename(&temp, out).map_err(|err| io_error(out, "write", &err))?;
    let _ = writeln!(
        std::io::stderr(),
        "vital: per-test evidence of {tests} in {} ({:.1} s)",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn prove_into(
    workspace: &Workspace,
    targets: &[ProofTarget],
    located: &Located,
    vital_files: &[PathBuf],
    tools: &Tools,
    (out, scratch): (&Path, &Path),
    early: Vec<Proof>,
) -> Result<(), Error> {
    let proofs: Vec<Proof> = match located {
        Located::Libtest(binaries) => {
            // Proven while the suite ran, and passed alone: kept. The rest (and a test
            // that failed alone beside the suite, which may have been the suite's
            // doing) run alone now, one at a time.
            let (mut done, rest): (Vec<Proof>, Vec<ProofTarget>) = {
                let mut done = Vec::new();
                let mut rest = Vec::new();
                for target in targets {
                    match early.iter().find(|p| p.passed && p.target == *target) {
                        Some(proof) => done.push(proof.clone()),
                        None => rest.push(target.clone()),
                    }
                }
                (done, rest)
            };
            let runner = crate::runner::user_runner(&workspace.root, &crate::process::host_triple()?);
            done.extend(run_alone(workspace, &rest, binaries, runner.as_deref(), scratch)?);
            done
        }
        Located::Nextest(dir) => seen_by_runner(workspace, targets, dir)?,
    };
    crate::process::interrupted()?;
    // Exports, on as many threads as the machine has.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let entries: std::sync::Mutex<Vec<(usize, IndexEntry)>> = std::sync::Mutex::new(Vec::new());
    let failure: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(proof) = proofs.get(i) else { return };
                    match export(proof, tools, vital_files, out, scratch) {
                        Ok(entry) => entries.lock().expect("not poisoned").push((i, entry)),
                        Err(err) => {
                            *failure.lock().expect("not poisoned") = Some(err);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().expect("not poisoned") {
        return Err(err);
    }
    let mut entries = entries.into_inner().expect("not poisoned");
    entries.sort_by_key(|(i, _)| *i);
    let index = Index { vital_per_test: INDEX_VERSION, tests: entries.into_iter().map(|(_, e)| e).collect() };
    let json = serde_json::to_vec_pretty(&index).expect("an index always serializes");
    vital::fsutil::write_atomic(&out.join(INDEX_FILE), &json)
}

/// Where the profiles of the tests run alone go while vital works.
fn scratch_dir(parent: &Path) -> PathBuf {
    parent.join(format!(".pertest-profiles.{}.tmp", std::process::id()))
}

/// The per-test pass started while the suite still runs (libtest): each candidate
/// test that passed is run alone as soon as its test binary has finished — on the
/// core the suite leaves free, and during cargo-llvm-cov's own merge and export —
/// so that the proof costs little beyond the suite's run. A test that fails alone
/// here is run again after the suite (it may have clashed with the suite's other
/// binaries); a test not run early is run then too.
pub struct Early {
    workspace: Workspace,
    candidates: Vec<ProofTarget>,
    scratch: PathBuf,
    jobs: Option<std::sync::mpsc::Sender<(ProofTarget, PathBuf)>>,
    worker: Option<std::thread::JoinHandle<Vec<Proof>>>,
}

impl std::fmt::Debug for Early {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Early").field("candidates", &self.candidates.len()).finish_non_exhaustive()
    }
}

impl Early {
    /// Starts the worker for `candidates` (the tests to prove if they pass), with
    /// their profiles under `parent`.
    /// Each test that passes alone is exported (for `vital_files`) at once too.
    pub fn start(
        workspace: &Workspace,
        candidates: Vec<ProofTarget>,
        vital_files: Vec<PathBuf>,
        parent: &Path,
    ) -> Result<Early, Error> {
        let scratch = scratch_dir(parent);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).map_err(|err| io_error(&scratch, "create", &err))?;
        let (jobs, received) = std::sync::mpsc::channel::<(ProofTarget, PathBuf)>();
        let dir = scratch.clone();
        let root = workspace.root.clone();
        // As many workers as cores: a test starts only once its binary has finished,
        // so they mostly run beside other binaries or cargo-llvm-cov's own report.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let worker = std::thread::spawn(move || {
            // Found here, while the suite builds, not before it starts. Without the
            // host triple or the tools, nothing is proven early: the pass after the
            // suite does it all, and reports what is missing.
            let Ok(triple) = crate::process::host_triple() else { return Vec::new() };
            let runner = crate::runner::user_runner(&root, &triple);
            let tools = Tools::find().ok();
            let received = std::sync::Mutex::new(received);
            let proofs = std::sync::Mutex::new(Vec::new());
            std::thread::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(|| {
                        loop {
                            let job = received.lock().ok().and_then(|r| r.recv().ok());
                            let Some((target, binary)) = job else { return };
                            if crate::process::interrupted().is_err() {
                                return;
                            }
                            let mut proof = run_proof(&target, binary, runner.as_deref(), &dir);
                            if let (true, Some(tools), Some(binary)) = (proof.passed, &tools, &proof.binary)
                                && !proof.profiles.is_empty()
                            {
                                let stem = file_stem(&proof.target.krate, &proof.target.test);
                                let scratch = dir.join(format!("{stem}-early"));
                                proof.exported =
                                    export_profiles(tools, binary, &proof.profiles, &vital_files, &scratch)
                                        .ok();
                            }
                            if let Ok(mut proofs) = proofs.lock() {
                                proofs.push(proof);
                            }
                        }
                    });
                }
            });
            proofs.into_inner().unwrap_or_default()
        });
        Ok(Early {
            workspace: workspace.clone(),
            candidates,
            scratch,
            jobs: Some(jobs),
            worker: Some(worker),
        })
    }

    /// A test binary finished, and these tests of it passed: its candidates among
    /// them start.
    pub fn binary_done(&self, binary: &Binary, passed: &[String]) {
        let Some(jobs) = &self.jobs else { return };
        for target in &self.candidates {
            let here =
                target.krate == binary.krate && target.package_dir.join(&binary.source) == target.source;
            if !here || target.parametrized || !passed.contains(&target.test) {
                continue;
            }
            if let Some((_, path)) = binary_of(&self.workspace, target, std::slice::from_ref(binary)) {
                let _ = jobs.send((target.clone(), path));
            }
        }
    }

    /// Waits for the tests started, and hands over their scratch directory and proofs.
    fn finish(mut self) -> (PathBuf, Vec<Proof>) {
        drop(self.jobs.take());
        let proofs = self.worker.take().and_then(|w| w.join().ok()).unwrap_or_default();
        (std::mem::take(&mut self.scratch), proofs)
    }
}

impl Drop for Early {
    /// Not handed over (the run failed or stopped): its tests end, its profiles go.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
        if !self.scratch.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.scratch);
        }
    }
}

/// Runs `target` alone from `binary`, its profile in `scratch`.
fn run_proof(target: &ProofTarget, binary: PathBuf, runner: Option<&[String]>, scratch: &Path) -> Proof {
    let stem = file_stem(&target.krate, &target.test);
    // A second run of the same test (after the suite) writes beside the first:
    // only the profiles of this run count.
    for old in profiles_with_prefix(&scratch.join(&stem)) {
        let _ = std::fs::remove_file(old);
    }
    let (passed, note) = match run_one(target, &binary, runner, &scratch.join(format!("{stem}-%p.profraw"))) {
        Ok(()) => (true, None),
        Err(note) => (false, Some(note)),
    };
    let profiles = profiles_with_prefix(&scratch.join(&stem));
    Proof { target: target.clone(), passed, binary: Some(binary), profiles, note, exported: None }
}

/// The test binary of `target` among those cargo announced.
fn binary_of<'b>(
    workspace: &Workspace,
    target: &ProofTarget,
    binaries: &'b [Binary],
) -> Option<(&'b Binary, PathBuf)> {
    let candidates: Vec<&Binary> = binaries.iter().filter(|b| b.krate == target.krate).collect();
    let binary = candidates
        .iter()
        .find(|b| target.package_dir.join(&b.source) == target.source)
        .or_else(|| candidates.first())?;
    // cargo prints the path relative to where it ran: here, or the workspace root.
    let printed = Path::new(&binary.path);
    let path = [
        std::env::current_dir().ok().map(|d| d.join(printed)),
        Some(workspace.root.join(printed)),
        Some(printed.to_path_buf()),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())?;
    Some((binary, path))
}

/// Runs each target alone, its profile in `scratch`.
fn run_alone(
    workspace: &Workspace,
    targets: &[ProofTarget],
    binaries: &[Binary],
    runner: Option<&[String]>,
    scratch: &Path,
) -> Result<Vec<Proof>, Error> {
    let mut proofs = Vec::with_capacity(targets.len());
    for target in targets {
        // A signal stops the proof between two tests (the one running is stopped
        // with its group).
        crate::process::interrupted()?;
        let Some((_, binary)) = binary_of(workspace, target, binaries) else {
            proofs.push(Proof {
                target: target.clone(),
                passed: false,
                binary: None,
                profiles: Vec::new(),
                note: Some("its test binary was not found among those the run announced".into()),
                exported: None,
            });
            continue;
        };
        proofs.push(run_proof(target, binary, runner, scratch));
    }
    Ok(proofs)
}

/// Runs one test alone; why it did not pass, if it did not.
fn run_one(
    target: &ProofTarget,
    binary: &Path,
    runner: Option<&[String]>,
    profile: &Path,
) -> Result<(), String> {
    let alone = Alone {
        binary,
        runner,
        test: &target.test,
        parametrized: target.parametrized,
        package: &target.package,
        package_dir: &target.package_dir,
        profile,
        env: &[],
        limit: ALONE_LIMIT,
    };
    run_test_alone(&alone).map_err(|failure| match failure {
        AloneFailure::Failed { message: Some(line), .. } => {
            format!("it failed when run alone (it passed in the suite): {line}")
        }
        AloneFailure::Failed { message: None, .. } => {
            "it failed when run alone (it passed in the suite)".into()
        }
        AloneFailure::Other(why) => why,
    })
}

/// One test to run alone, in its own process (group), with coverage.
pub(crate) struct Alone<'a> {
    pub(crate) binary: &'a Path,
    /// The user's target runner.
    pub(crate) runner: Option<&'a [String]>,
    /// Its path in the crate (a parametrized test: the function of its cases).
    pub(crate) test: &'a str,
    pub(crate) parametrized: bool,
    pub(crate) package: &'a str,
    /// Where cargo would run it.
    pub(crate) package_dir: &'a Path,
    /// `LLVM_PROFILE_FILE`.
    pub(crate) profile: &'a Path,
    /// More environment (`FAILPOINTS`).
    pub(crate) env: &'a [(&'a str, String)],
    /// How long it may run before it is stopped.
    pub(crate) limit: Duration,
}

/// Why a test run alone did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AloneFailure {
    /// It failed: its panic message, and the end of its output.
    Failed { message: Option<String>, output: String },
    /// It did not run to a result.
    Other(String),
}

/// Runs a test alone: through the user's runner, in its own process group (a
/// signal to vital reaches it), stopped after its time limit.
pub(crate) fn run_test_alone(alone: &Alone<'_>) -> Result<(), AloneFailure> {
    let mut command = through(alone.runner, alone.binary);
    if alone.parametrized {
        command.arg(format!("{}::", alone.test));
    } else {
        command.args([alone.test, "--exact"]);
    }
    command
        .args(["-Z", "unstable-options", "--format", "json"])
        .current_dir(alone.package_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("LLVM_PROFILE_FILE", alone.profile)
        .env("CARGO_MANIFEST_DIR", alone.package_dir)
        .env("CARGO_PKG_NAME", alone.package)
        .envs(alone.env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child =
        command.spawn().map_err(|err| AloneFailure::Other(format!("it could not be started: {err}")))?;
    // A signal to vital reaches the test's whole group.
    let group = crate::process::ProcessGroup::enter(&child);
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        std::io::BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<_>>()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > alone.limit => {
                group.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    // Whatever the test left running in its group goes with it.
    group.kill();
    drop(group);
    let lines = reader.join().unwrap_or_default();
    let Some(status) = status else {
        return Err(AloneFailure::Other(format!("it ran longer than {} s alone", alone.limit.as_secs())));
    };
    let events: Vec<serde_json::Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let count = events
        .iter()
        .find(|e| e["type"] == "suite" && e["event"] == "started")
        .and_then(|e| e["test_count"].as_u64())
        .unwrap_or(0);
    if count == 0 {
        return Err(AloneFailure::Other("run alone, its binary ran no test of that name".into()));
    }
    if let Some(failed) = events.iter().find(|e| e["type"] == "test" && e["event"] == "failed") {
        // Its panic message, when libtest captured one.
        let output = failed["stdout"].as_str().unwrap_or_default();
        let message = output.lines().rev().find(|l| !l.trim().is_empty()).map(|l| l.trim().to_string());
        let tail: Vec<&str> = output.lines().rev().take(12).collect();
        let output = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(AloneFailure::Failed { message, output });
    }
    if !status.success() {
        return Err(AloneFailure::Failed {
            message: Some(format!("its binary exited with {status}")),
            output: lines.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n"),
        });
    }
    Ok(())
}

/// The command that runs `binary`, through the user's runner if they have one.
fn through(runner: Option<&[String]>, binary: &Path) -> Command {
    match runner {
        Some([program, args @ ..]) => {
            let mut command = Command::new(program);
            command.args(args).arg(binary);
            command
        }
        _ => Command::new(binary),
    }
}

/// `PREFIX-*.profraw`.
pub(crate) fn profiles_with_prefix(prefix: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(stem)) = (prefix.parent(), prefix.file_name()) else { return Vec::new() };
    let stem = format!("{}-", stem.to_string_lossy());
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .is_some_and(|n| n.starts_with(&stem) && n.ends_with(".profraw"))
        })
        .collect();
    found.sort();
    found
}

/// The proofs of a nextest run, from what vital's runner recorded.
fn seen_by_runner(workspace: &Workspace, targets: &[ProofTarget], dir: &Path) -> Result<Vec<Proof>, Error> {
    let mut seen: Vec<Seen> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|err| io_error(dir, "read", &err))?.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = vital::fsutil::read_input(&path, &path, ErrorKind::Coverage)?;
            if let Ok(one) = serde_json::from_slice::<Seen>(&bytes) {
                seen.push(one);
            }
        }
    }
    Ok(targets
        .iter()
        .map(|target| {
            let mine: Vec<&Seen> = seen
                .iter()
                .filter(|s| {
                    vital::evidence::tests::junit::crate_of_binary_id(&s.binary_id, workspace).as_deref()
                        == Some(target.krate.as_str())
                        && (s.test == target.test
                            || (target.parametrized && s.test.starts_with(&format!("{}::", target.test))))
                })
                .collect();
            let profiles: Vec<PathBuf> =
                mine.iter().flat_map(|s| profiles_with_prefix(&s.profile_prefix)).collect();
            let note = mine.is_empty().then(|| "nextest ran it without vital's target runner".to_string());
            Proof {
                target: target.clone(),
                passed: true,
                binary: mine.first().map(|s| s.binary.clone()),
                profiles,
                note,
                exported: None,
            }
        })
        .collect())
}

/// Merges and exports one test's profiles; its index entry.
fn export(
    proof: &Proof,
    tools: &Tools,
    vital_files: &[PathBuf],
    out: &Path,
    scratch: &Path,
) -> Result<IndexEntry, Error> {
    let stem = file_stem(&proof.target.krate, &proof.target.test);
    let mut entry = IndexEntry {
        krate: proof.target.krate.clone(),
        test: proof.target.test.clone(),
        passed: proof.passed,
        export: None,
        note: proof.note.clone(),
    };
    let Some(binary) = &proof.binary else { return Ok(entry) };
    if proof.profiles.is_empty() {
        entry.note.get_or_insert_with(|| "it wrote no coverage profile (did it abort?)".into());
        return Ok(entry);
    }
    let exported = match &proof.exported {
        Some(exported) => exported.clone(),
        None => export_profiles(tools, binary, &proof.profiles, vital_files, &scratch.join(&stem))?,
    };
    let file = format!("{stem}.json");
    vital::fsutil::write_atomic(&out.join(&file), &exported)?;
    entry.export = Some(file);
    Ok(entry)
}

/// The llvm-cov export (JSON) of `profiles` of `binary`, for the files
/// `vital_files` only; `scratch` names the merged profile.
pub(crate) fn export_profiles(
    tools: &Tools,
    binary: &Path,
    profiles: &[PathBuf],
    vital_files: &[PathBuf],
    scratch: &Path,
) -> Result<Vec<u8>, Error> {
    let profdata = scratch.with_extension("profdata");
    let merged = Command::new(&tools.profdata)
        .args(["merge", "-sparse"])
        .args(profiles)
        .arg("-o")
        .arg(&profdata)
        .stdout(Stdio::null())
        .output()
        .map_err(|err| tool_error(&tools.profdata, &err.to_string()))?;
    if !merged.status.success() {
        return Err(tool_error(&tools.profdata, String::from_utf8_lossy(&merged.stderr).trim()));
    }
    let exported = Command::new(&tools.cov)
        .args(["export", "-format=text"])
        .arg(format!("-instr-profile={}", profdata.display()))
        .arg(binary)
        .arg("-sources")
        .args(vital_files)
        .stderr(Stdio::piped())
        .output()
        .map_err(|err| tool_error(&tools.cov, &err.to_string()))?;
    let _ = std::fs::remove_file(&profdata);
    if !exported.status.success() {
        return Err(tool_error(&tools.cov, String::from_utf8_lossy(&exported.stderr).trim()));
    }
    Ok(exported.stdout)
}

fn tool_error(tool: &Path, why: &str) -> Error {
    Error::new(
        ErrorKind::Tool,
        Some(Location::file(tool)),
        format!("per-test evidence: {} failed: {why}", tool.display()),
    )
    .with_help("the LLVM tools come with `rustup component add llvm-tools-preview`")
}

fn io_error(path: &Path, what: &str, err: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, Some(Location::file(path)), format!("cannot {what}: {err}"))
}
