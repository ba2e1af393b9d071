//! `cargo vital chaos` (SPEC §9): builds the test binaries as `cargo vital run`
//! does (instrumented, the failpoints feature on: cargo-llvm-cov's own build
//! environment, so its build is reused), then runs every chaos test once per round
//! with the round's `FAILPOINTS`, each alone in its own process with a profile of
//! its own; what fired in a round is read from those profiles. The plan and the
//! report are the library's (`vital::chaos`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vital::chaos::{ChaosFailpoint, ChaosFailure, ChaosOptions, ChaosPlan, ChaosReport, ChaosTest};
use vital::evidence::coverage::Export;
use vital::model::Verdict;
use vital::{Error, ErrorKind, Session};

use crate::pertest::{Alone, AloneFailure, Tools, export_profiles, profiles_with_prefix, run_test_alone};

/// How a chaos run runs.
#[derive(Debug, Clone)]
pub struct ChaosRun {
    /// The rounds.
    pub options: ChaosOptions,
    /// Stop starting rounds after this long.
    pub budget: Option<Duration>,
    /// How long one test may run in a round.
    pub timeout: Duration,
    /// The feature flags (the entries' features and the failpoints feature are added).
    pub features: crate::process::Features,
}

/// Runs the chaos tests of `session`'s vital functions under `run`.
pub fn chaos(session: &Session, run: &ChaosRun) -> Result<ChaosReport, Error> {
    let plan = session.chaos_plan(&run.options)?;
    let workspace = session.workspace();
    crate::process::check_prerequisites()?;
    let tools = Tools::find()?;
    let features = run.features.clone().and(session.entry_features());
    let executables = build(workspace, &plan, &features)?;
    let runner = crate::runner::user_runner(&workspace.root, &crate::process::host_triple()?);
    let scratch = workspace.vital_dir().join(format!(".chaos.{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|err| io_error(&scratch, &err))?;
    let result = run_rounds(session, &plan, &executables, runner.as_deref(), &tools, &scratch, run);
    let _ = std::fs::remove_dir_all(&scratch);
    let (outcomes, rounds_run) = result?;
    Ok(report(&plan, &outcomes, rounds_run, run, &features.features))
}

/// The test binaries of the plan's tests, built with cargo-llvm-cov's environment
/// into its target directory: by the root source file of each test's crate.
fn build(
    workspace: &vital::workspace::Workspace,
    plan: &ChaosPlan,
    features: &crate::process::Features,
) -> Result<BTreeMap<PathBuf, PathBuf>, Error> {
    let env = coverage_env(&workspace.root)?;
    let mut command = Command::new(crate::process::cargo());
    command.args(["test", "--no-run", "--message-format=json-render-diagnostics"]);
    command.arg("--manifest-path").arg(workspace.root.join("Cargo.toml"));
    command.arg("--target-dir").arg(workspace.target_dir.join("llvm-cov-target"));
    let mut packages: Vec<&str> = plan.tests.iter().map(|t| t.package.as_str()).collect();
    packages.sort_unstable();
    packages.dedup();
    for package in packages {
        command.args(["--package", package]);
    }
    command.args(features.args());
    command.envs(env).env("RUSTC_BOOTSTRAP", "1").stdin(Stdio::null()).stderr(Stdio::inherit());
    let output = command.output().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `cargo test --no-run`: {err}"))
    })?;
    crate::process::interrupted()?;
    if !output.status.success() {
        return Err(Error::new(
            ErrorKind::Tool,
            None,
            format!(
                "the tests did not build with the failpoints on (`cargo test --no-run`: {})",
                output.status
            ),
        )
        .with_help("cargo's messages above say why; fix the build and run again"));
    }
    let mut executables = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if message["reason"] != "compiler-artifact" || message["profile"]["test"] != true {
            continue;
        }
        if let (Some(src), Some(exe)) =
            (message["target"]["src_path"].as_str(), message["executable"].as_str())
        {
            executables.insert(PathBuf::from(src), PathBuf::from(exe));
        }
    }
    Ok(executables)
}

/// cargo-llvm-cov's build environment (`cargo llvm-cov show-env --branch`): its
/// wrapper instruments the workspace's crates exactly as in `cargo vital run`.
fn coverage_env(root: &Path) -> Result<Vec<(String, String)>, Error> {
    let output = Command::new(crate::process::cargo())
        .args(["llvm-cov", "show-env", "--branch"])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|err| {
            Error::new(ErrorKind::Tool, None, format!("cannot run `cargo llvm-cov show-env`: {err}"))
        })?;
    if !output.status.success() {
        return Err(Error::new(ErrorKind::Tool, None, "`cargo llvm-cov show-env` failed")
            .with_help("install cargo-llvm-cov: `cargo install cargo-llvm-cov --locked`"));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once('=')?;
            let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).unwrap_or(value);
            // Each test run gets a profile of its own.
            (key != "LLVM_PROFILE_FILE").then(|| (key.to_string(), value.to_string()))
        })
        .collect())
}

/// One test in one round.
#[derive(Debug, Clone)]
struct Outcome {
    round: usize,
    test: usize,
    failure: Option<AloneFailure>,
    fired: Vec<bool>,
}

/// Runs the rounds on as many threads as the machine has, in order of start, until
/// the budget runs out; a round is started whole or not at all.
fn run_rounds(
    session: &Session,
    plan: &ChaosPlan,
    executables: &BTreeMap<PathBuf, PathBuf>,
    runner: Option<&[String]>,
    tools: &Tools,
    scratch: &Path,
    run: &ChaosRun,
) -> Result<(Vec<Outcome>, usize), Error> {
    let binaries: Vec<PathBuf> = plan
        .tests
        .iter()
        .map(|t| {
            executables.get(&t.source).cloned().ok_or_else(|| {
                Error::new(
                    ErrorKind::Tool,
                    None,
                    format!("the test binary of `{}` was not built ({})", t.name(), t.source.display()),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let vital_files = session.vital_file_paths();
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    let failure: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    if failure.lock().is_ok_and(|f| f.is_some())
                        || crate::process::interrupted().is_err()
                        || run.budget.is_some_and(|b| started.elapsed() >= b)
                    {
                        return;
                    }
                    let round = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if round >= plan.rounds.len() {
                        return;
                    }
                    for (t, test) in plan.tests.iter().enumerate() {
                        match run_one_round(
                            session,
                            plan,
                            round,
                            test,
                            &binaries[t],
                            runner,
                            tools,
                            scratch,
                            &vital_files,
                            run,
                        ) {
                            Ok((failure, fired)) => outcomes.lock().expect("not poisoned").push(Outcome {
                                round,
                                test: t,
                                failure,
                                fired,
                            }),
                            Err(err) => {
                                *failure.lock().expect("not poisoned") = Some(err);
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    crate::process::interrupted()?;
    if let Some(err) = failure.into_inner().expect("not poisoned") {
        return Err(err);
    }
    let mut outcomes = outcomes.into_inner().expect("not poisoned");
    outcomes.sort_by_key(|o| (o.round, o.test));
    // Rounds are claimed in order: those run are a prefix, each run whole.
    let rounds_run = outcomes.iter().map(|o| o.round + 1).max().unwrap_or(0);
    outcomes.retain(|o| o.round < rounds_run);
    Ok((outcomes, rounds_run))
}

/// Runs `test` in `round`: whether it failed, and which failpoints fired.
#[allow(clippy::too_many_arguments)]
fn run_one_round(
    session: &Session,
    plan: &ChaosPlan,
    round: usize,
    test: &ChaosTest,
    binary: &Path,
    runner: Option<&[String]>,
    tools: &Tools,
    scratch: &Path,
    vital_files: &[PathBuf],
    run: &ChaosRun,
) -> Result<(Option<AloneFailure>, Vec<bool>), Error> {
    let stem =
        scratch.join(format!("r{round}-{}", vital::evidence::pertest::file_stem(&test.krate, &test.test)));
    let profile = PathBuf::from(format!("{}-%p.profraw", stem.display()));
    let env = [("FAILPOINTS", plan.failpoints_env(&plan.rounds[round])), ("RUST_BACKTRACE", "0".into())];
    let alone = Alone {
        binary,
        runner,
        test: &test.test,
        parametrized: false,
        package: &test.package,
        package_dir: &test.package_dir,
        profile: &profile,
        env: &env,
        limit: run.timeout,
    };
    let failure = run_test_alone(&alone).err();
    let profiles = profiles_with_prefix(&stem);
    let fired = if profiles.is_empty() {
        vec![false; plan.failpoints.len()]
    } else {
        let json = export_profiles(tools, binary, &profiles, vital_files, &stem)?;
        for p in &profiles {
            let _ = std::fs::remove_file(p);
        }
        let keep = |_: &str| true;
        let export = Export::from_slice(&json, Path::new("chaos round"), &keep)?;
        plan.fired(session.index(), &session.workspace().root, std::slice::from_ref(&export))
    };
    Ok((failure, fired))
}

fn report(
    plan: &ChaosPlan,
    outcomes: &[Outcome],
    rounds_run: usize,
    run: &ChaosRun,
    features: &[String],
) -> ChaosReport {
    let mut failpoints: Vec<ChaosFailpoint> = plan
        .failpoints
        .iter()
        .map(|fp| ChaosFailpoint {
            name: fp.name.clone(),
            function: fp.function.clone(),
            location: fp.location.clone(),
            armed: 0,
            fired: 0,
        })
        .collect();
    for (r, round) in plan.rounds.iter().enumerate().take(rounds_run) {
        for &(i, _) in &round.armed {
            failpoints[i].armed += 1;
        }
        for (i, fp) in failpoints.iter_mut().enumerate() {
            if outcomes.iter().any(|o| o.round == r && o.fired[i]) {
                fp.fired += 1;
            }
        }
    }
    let failures: Vec<ChaosFailure> = outcomes
        .iter()
        .filter_map(|o| {
            let failure = o.failure.as_ref()?;
            let test = &plan.tests[o.test];
            let setting = plan.failpoints_env(&plan.rounds[o.round]);
            let output = match failure {
                AloneFailure::Failed { output, message } => {
                    if output.trim().is_empty() {
                        message.clone().unwrap_or_default()
                    } else {
                        output.clone()
                    }
                }
                AloneFailure::Other(why) => why.clone(),
            };
            Some(ChaosFailure {
                round: o.round + 1,
                kind: plan.rounds[o.round].kind,
                test: test.name(),
                failpoints: setting.clone(),
                fired: plan
                    .failpoints
                    .iter()
                    .zip(&o.fired)
                    .filter(|(_, f)| **f)
                    .map(|(fp, _)| fp.name.clone())
                    .collect(),
                replay: replay(test, &setting, features),
                output,
            })
        })
        .collect();
    let mut warnings: Vec<String> = plan.missing_tests.clone();
    for fp in &failpoints {
        if fp.armed > 0 && fp.fired == 0 {
            warnings.push(format!(
                "failpoint `{}` ({}) was armed in {} rounds and never fired: no chaos test reaches it",
                fp.name, fp.location, fp.armed
            ));
        }
    }
    if rounds_run < plan.rounds.len() {
        warnings.push(format!(
            "the time budget stopped the run after {rounds_run} of {} rounds",
            plan.rounds.len()
        ));
    }
    ChaosReport {
        chaos_schema_version: vital::chaos::CHAOS_SCHEMA_VERSION,
        verdict: if failures.is_empty() { Verdict::Pass } else { Verdict::Fail },
        seed: run.options.seed,
        rounds_run,
        rounds_planned: plan.rounds.len(),
        tests: plan.tests.iter().map(ChaosTest::name).collect(),
        failpoints,
        failures,
        unarmed: plan.unarmed.clone(),
        warnings,
    }
}

/// The command that replays a failing round: the test alone, with the round's
/// failpoints.
fn replay(test: &ChaosTest, setting: &str, features: &[String]) -> String {
    let mut words = vec![format!("FAILPOINTS='{setting}'"), "cargo".into(), "test".into()];
    words.extend(["-p".into(), test.package.clone()]);
    words.extend(test.target_args());
    if !features.is_empty() {
        words.extend(["--features".into(), features.join(",")]);
    }
    words.extend(["--".into(), "--exact".into(), test.test.clone()]);
    words.join(" ")
}

fn io_error(path: &Path, err: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, Some(vital::Location::file(path)), format!("cannot create: {err}"))
}
