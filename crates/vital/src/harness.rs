//! vital's gate inside `cargo test` (SPEC §11).
//!
//! A workspace adds a test target with `harness = false` whose `main` calls
//! [`main`] (feature `harness`):
//!
//! ```toml
//! [dev-dependencies]
//! vital = { version = "0.1", features = ["harness"] }
//!
//! [[test]]
//! name = "vital"
//! harness = false
//! ```
//!
//! ```text
//! // tests/vital.rs
//! fn main() {
//!     vital::harness::main()
//! }
//! ```
//!
//! Each vital function of the workspace's `vital.toml` is then two test cases, run
//! by libtest-mimic (filters, `--list`, `--exact`, `--ignored` and cargo-nextest
//! work as with libtest):
//!
//! - `vital::static::<function>`: the catalogue resolves and the function's
//!   failure-mode tests exist and count (`cargo vital check --static`);
//! - `vital::coverage::<function>`: the full gate on the last export `cargo vital
//!   run` wrote under `target/vital/`, with its test results and per-test evidence
//!   (`cargo vital check`). A test binary cannot see its own run's coverage — the
//!   profiles are written when it exits and merged after — so the case reads the
//!   last run's. Without one, or when the source changed since, it is *ignored
//!   with the reason*, and *fails* instead under `VITAL_REQUIRE_COVERAGE=1`.
//!
//! A failing case's message is the diagnostic `cargo vital check` prints for the
//! function. A catalogue that cannot be read is one failing case,
//! `vital::catalogue`.
//!
//! Inside `cargo vital run` (which sets [`INSIDE_RUN_ENV`]) every case is ignored:
//! vital checks the run's evidence once its tests are done, and the harness must
//! not judge a run by the one before it. Inside another coverage run (`cargo
//! llvm-cov` sets `CARGO_LLVM_COV`) the static cases run and the coverage cases
//! are ignored (they fail under `VITAL_REQUIRE_COVERAGE=1`: check the gate after
//! the run with `cargo vital check`).
//!
//! *The one exception to "the library spawns no process and prints nothing"*:
//! [`main`] is a test binary's entry point. It runs `cargo metadata` to find the
//! workspace, and libtest-mimic prints the cases. Everything else here is pure.

use std::sync::OnceLock;

use crate::catalogue::Catalogue;
use crate::error::{Error, ErrorKind};
use crate::pipeline::{Inputs, Session, default_coverage_path};
use crate::report::{CheckKind, Report, Style, human};
use crate::workspace::Workspace;

/// `VITAL_REQUIRE_COVERAGE=1`: a coverage case without fresh coverage fails
/// instead of being ignored.
pub const REQUIRE_COVERAGE_ENV: &str = "VITAL_REQUIRE_COVERAGE";

/// Set by `cargo vital run` on its test run: the harness ignores every case there,
/// since vital checks that run's evidence once it is done.
pub const INSIDE_RUN_ENV: &str = "VITAL_INSIDE_RUN";

/// Set by cargo-llvm-cov for the processes of its runs.
const LLVM_COV_ENV: &str = "CARGO_LLVM_COV";

/// Which check a case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// The catalogue and the failure-mode tests, from the source alone.
    Static,
    /// The full gate on the last coverage run's evidence.
    Coverage,
}

impl CaseKind {
    /// The segment of the case's name: `static` or `coverage`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Static => "static",
            CaseKind::Coverage => "coverage",
        }
    }
}

/// One test case: a check of one catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// `vital::static::<function>` or `vital::coverage::<function>`, the function as
    /// the catalogue writes it.
    pub name: String,
    /// What it checks.
    pub kind: CaseKind,
    /// The entry's index in the catalogue.
    pub entry: usize,
}

/// The cases of a catalogue: for each entry, its static case, then its coverage
/// case. Cheap (no scan): cargo-nextest lists the test binary before running each
/// case in a process of its own.
pub fn cases(catalogue: &Catalogue) -> Vec<Case> {
    let mut cases = Vec::with_capacity(catalogue.entries.len() * 2);
    for kind in [CaseKind::Static, CaseKind::Coverage] {
        for (entry, e) in catalogue.entries.iter().enumerate() {
            cases.push(Case { name: format!("vital::{}::{}", kind.as_str(), e.function), kind, entry });
        }
    }
    cases
}

/// Where the harness runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inside {
    /// A plain `cargo test` or `cargo nextest run`.
    #[default]
    Tests,
    /// `cargo vital run`'s coverage run.
    VitalRun,
    /// Another coverage run (`cargo llvm-cov`).
    CoverageRun,
}

/// What the environment asks of the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Environment {
    /// `VITAL_REQUIRE_COVERAGE=1`.
    pub require_coverage: bool,
    /// Where it runs.
    pub inside: Inside,
}

impl Environment {
    /// From the process's environment variables.
    pub fn from_env() -> Environment {
        Environment::from_vars(|key| std::env::var_os(key).map(|v| v.to_string_lossy().into_owned()))
    }

    /// From `var`, which looks a variable up.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Environment {
        let set = |key: &str| var(key).is_some_and(|v| !v.is_empty() && v != "0");
        let inside = if set(INSIDE_RUN_ENV) {
            Inside::VitalRun
        } else if set(LLVM_COV_ENV) {
            Inside::CoverageRun
        } else {
            Inside::Tests
        };
        Environment { require_coverage: set(REQUIRE_COVERAGE_ENV), inside }
    }
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The gate holds.
    Passed,
    /// The gate fails, or the input is unusable: the diagnostic.
    Failed(String),
    /// Not judged, and why (one line).
    Ignored(String),
}

/// The last coverage run's evidence, as the coverage cases see it.
#[derive(Debug)]
enum Coverage {
    /// Checked.
    Report(Report),
    /// No evidence, or evidence older than the source: why, in one line, and what
    /// to do.
    Absent { why: String, help: String },
    /// Evidence that cannot be read: the error.
    Broken(String),
}

/// A workspace's gate, checked at most once per process whatever the number of
/// cases (they run on several threads, or one per process under cargo-nextest).
#[derive(Debug)]
pub struct Gate {
    workspace: Workspace,
    catalogue: Catalogue,
    environment: Environment,
    session: OnceLock<Result<Session, String>>,
    static_report: OnceLock<Result<Report, String>>,
    coverage: OnceLock<Coverage>,
}

impl Gate {
    /// The gate of `catalogue` (read from `workspace`) in `environment`.
    pub fn new(workspace: Workspace, catalogue: Catalogue, environment: Environment) -> Gate {
        Gate {
            workspace,
            catalogue,
            environment,
            session: OnceLock::new(),
            static_report: OnceLock::new(),
            coverage: OnceLock::new(),
        }
    }

    /// The cases of its catalogue.
    pub fn cases(&self) -> Vec<Case> {
        cases(&self.catalogue)
    }

    /// Runs one case.
    pub fn run(&self, case: &Case) -> Outcome {
        match (self.environment.inside, case.kind) {
            (Inside::VitalRun, _) => {
                return Outcome::Ignored(
                    "inside `cargo vital run`, which checks the gate on this run's evidence once its tests are done"
                        .into(),
                );
            }
            (Inside::CoverageRun, CaseKind::Coverage) => {
                let why = "inside a coverage run: a test cannot see its own run's coverage (the profiles are \
                           written when it exits)";
                return self.absent(why, "check the gate after the run: `cargo vital check`");
            }
            _ => {}
        }
        let report = match case.kind {
            CaseKind::Static => match self.static_report() {
                Ok(report) => report,
                Err(message) => return Outcome::Failed(message.clone()),
            },
            CaseKind::Coverage => match self.coverage() {
                Coverage::Report(report) => report,
                Coverage::Absent { why, help } => return self.absent(why, help),
                Coverage::Broken(message) => return Outcome::Failed(message.clone()),
            },
        };
        judge(report, case.entry)
    }

    /// A coverage case without evidence: ignored, or failed when coverage is required.
    fn absent(&self, why: &str, help: &str) -> Outcome {
        if self.environment.require_coverage {
            Outcome::Failed(format!(
                "error: {why}\n  help: {help}; {REQUIRE_COVERAGE_ENV}=1 makes a coverage case without fresh \
                 coverage fail instead of being ignored"
            ))
        } else {
            Outcome::Ignored(why.to_string())
        }
    }

    fn session(&self) -> Result<&Session, &String> {
        self.session
            .get_or_init(|| {
                let session = Session::new(self.workspace.clone(), self.catalogue.clone())
                    .and_then(|s| s.require_entries().map(|()| s));
                session.map_err(|err| error_text(&err))
            })
            .as_ref()
    }

    fn static_report(&self) -> Result<&Report, &String> {
        self.static_report
            .get_or_init(|| {
                let session = self.session().map_err(Clone::clone)?;
                session.check_static(None).map_err(|err| error_text(&err))
            })
            .as_ref()
    }

    fn coverage(&self) -> &Coverage {
        self.coverage.get_or_init(|| {
            let session = match self.session() {
                Ok(session) => session,
                Err(message) => return Coverage::Broken(message.clone()),
            };
            let export = default_coverage_path(&self.workspace);
            let shown = self.workspace.relative(&export).unwrap_or_else(|| export.display().to_string());
            if std::fs::symlink_metadata(&export).is_err() {
                return Coverage::Absent {
                    why: format!("no coverage export at {shown}"),
                    help: "run `cargo vital run` (it writes one), then the tests again".into(),
                };
            }
            match session.check(&Inputs::last_run(&self.workspace)) {
                Ok(report) => Coverage::Report(report),
                Err(err) if err.kind() == ErrorKind::StaleCoverage => Coverage::Absent {
                    why: format!(
                        "the coverage at {shown} is not of the source as it is now ({})",
                        err.problems().first().map_or("stale", |p| p.message.as_str())
                    ),
                    help: "run `cargo vital run` again".into(),
                },
                Err(err) => Coverage::Broken(error_text(&err)),
            }
        })
    }
}

/// The case of entry `entry` in `report`.
fn judge(report: &Report, entry: usize) -> Outcome {
    let Some(function) = report.functions.get(entry) else {
        return Outcome::Failed(format!("error: the report has no function {entry}"));
    };
    if function.verdict == crate::model::Verdict::Pass {
        return Outcome::Passed;
    }
    let check = if report.check == CheckKind::Static {
        "`cargo vital check --static`"
    } else {
        "`cargo vital check`"
    };
    Outcome::Failed(format!(
        "{}\n\n{check} shows every vital function at once.",
        human::function_diagnostic(report.check, function, &Style::default())
    ))
}

/// An error as `cargo vital` prints it.
fn error_text(err: &Error) -> String {
    err.problems().iter().map(|p| format!("error: {p}")).collect::<Vec<_>>().join("\n")
}

/// The workspace the test binary belongs to: `cargo metadata` of the package whose
/// test it is (`CARGO_MANIFEST_DIR`, which cargo and cargo-nextest set when they
/// run a test; else the current directory, where they run it).
#[cfg(feature = "harness")]
fn test_workspace() -> Result<Workspace, String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .ok_or("error: cannot tell which package this test belongs to (no CARGO_MANIFEST_DIR)")?;
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps().manifest_path(dir.join("Cargo.toml"));
    if let Some(cargo) = std::env::var_os("CARGO") {
        command.cargo_path(cargo);
    }
    let metadata = command.exec().map_err(|err| {
        format!(
            "error: `cargo metadata` of {} failed: {err}\n  help: run the tests with cargo",
            dir.display()
        )
    })?;
    Ok(Workspace::from_metadata(&metadata))
}

/// The catalogue at the workspace root, as the cases are made of it.
#[cfg(any(feature = "harness", test))]
fn load_catalogue(root: &std::path::Path) -> Result<Catalogue, String> {
    let path = root.join(crate::catalogue::FILE_NAME);
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(format!(
            "error: no {} at {}\n  help: `cargo vital init` writes a starter catalogue from the functions that \
             look vital",
            crate::catalogue::FILE_NAME,
            root.display()
        ));
    }
    Catalogue::load(&path, crate::catalogue::FILE_NAME.as_ref()).map_err(|err| error_text(&err))
}

/// Runs the gate of the workspace this test belongs to as test cases, with the
/// arguments libtest takes, and exits: 0 when every case passed or was ignored,
/// 101 when one failed (libtest's codes).
#[cfg(feature = "harness")]
pub fn main() -> ! {
    use libtest_mimic::{Arguments, Completion, Trial};
    use std::sync::Arc;

    let args = Arguments::from_args();
    let setup = test_workspace().and_then(|workspace| {
        let catalogue = load_catalogue(&workspace.root)?;
        Ok(Gate::new(workspace, catalogue, Environment::from_env()))
    });
    let trials: Vec<Trial> = match setup {
        Err(message) => vec![Trial::test("vital::catalogue", move || Err(message.into()))],
        Ok(gate) if gate.catalogue.entries.is_empty() => {
            let message = format!(
                "error: {}: the catalogue names no vital function: a gate that gates nothing would pass\n  \
                 help: add a `[[vital]]` entry for each function that must not fail (`cargo vital inventory` \
                 lists candidates)",
                crate::catalogue::FILE_NAME
            );
            vec![Trial::test("vital::catalogue", move || Err(message.into()))]
        }
        Ok(gate) => {
            let gate = Arc::new(gate);
            gate.cases()
                .into_iter()
                .map(|case| {
                    let gate = Arc::clone(&gate);
                    Trial::ignorable_test(case.name.clone(), move || match gate.run(&case) {
                        Outcome::Passed => Ok(Completion::Completed),
                        Outcome::Ignored(reason) => Ok(Completion::ignored_with(reason)),
                        Outcome::Failed(message) => Err(message.into()),
                    })
                })
                .collect()
        }
    };
    libtest_mimic::run(&args, trials).exit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

    const LIB: &str = "pub fn parse(text: &str) -> u32 { text.len() as u32 }\n\
                       #[cfg(test)]\nmod tests {\n    #[test]\n    fn parse_empty() { assert_eq!(super::parse(\"\"), 0); }\n}\n";

    fn gate_of(catalogue: &str, environment: Environment) -> (crate::testutil::Fixture, Gate) {
        let fx = fixture(&[("src/lib.rs", LIB)]);
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), catalogue).unwrap();
        let gate = Gate::new(fx.workspace.clone(), catalogue, environment);
        (fx, gate)
    }

    #[test]
    fn each_entry_is_a_static_case_and_a_coverage_case() {
        let text = "[[vital]]\nfunction = \"demo::parse\"\ntier = \"essential\"\n\n\
                    [[vital]]\nfunction = \"<demo::Store as Display>::fmt\"\ntier = \"optional\"\n";
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), text).unwrap();
        let names: Vec<String> = cases(&catalogue).into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "vital::static::demo::parse",
                "vital::static::<demo::Store as Display>::fmt",
                "vital::coverage::demo::parse",
                "vital::coverage::<demo::Store as Display>::fmt",
            ]
        );
    }

    #[test]
    fn the_environment_says_where_the_harness_runs() {
        let env = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
            Environment::from_vars(move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
        };
        assert_eq!(env(&[]), Environment::default());
        assert!(env(&[(REQUIRE_COVERAGE_ENV, "1")]).require_coverage);
        assert!(!env(&[(REQUIRE_COVERAGE_ENV, "0")]).require_coverage);
        assert_eq!(env(&[(LLVM_COV_ENV, "1")]).inside, Inside::CoverageRun);
        assert_eq!(env(&[(LLVM_COV_ENV, "1"), (INSIDE_RUN_ENV, "1")]).inside, Inside::VitalRun);
    }

    #[test]
    fn a_coverage_case_without_an_export_is_ignored_with_the_reason_or_fails_when_required() {
        let text = "[[vital]]\nfunction = \"demo::parse\"\ntier = \"optional\"\n";
        let (_fx, ignoring) = gate_of(text, Environment::default());
        let coverage = &ignoring.cases()[1];
        assert_eq!(coverage.kind, CaseKind::Coverage);
        assert_eq!(
            ignoring.run(coverage),
            Outcome::Ignored("no coverage export at target/vital/coverage.json".into())
        );
        let (_fx, requiring) =
            gate_of(text, Environment { require_coverage: true, ..Environment::default() });
        match requiring.run(coverage) {
            Outcome::Failed(message) => {
                assert!(
                    message.starts_with("error: no coverage export at target/vital/coverage.json"),
                    "{message}"
                );
                assert!(message.contains("run `cargo vital run`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_static_case_fails_with_the_diagnostic_and_passes_when_the_mode_has_its_test() {
        let text = "[[vital]]\nfunction = \"demo::parse\"\ntier = \"essential\"\n\
                    failure_modes = [\"empty\", \"too_large\"]\n";
        let (_fx, gate) = gate_of(text, Environment::default());
        match gate.run(&gate.cases()[0]) {
            Outcome::Failed(message) => {
                assert!(message.contains("`demo::parse` does not meet the essential tier"), "{message}");
                assert!(message.contains("parse_too_large"), "names the test to add: {message}");
            }
            other => panic!("{other:?}"),
        }
        let covered =
            "[[vital]]\nfunction = \"demo::parse\"\ntier = \"essential\"\nfailure_modes = [\"empty\"]\n";
        let (_fx, gate) = gate_of(covered, Environment::default());
        assert_eq!(gate.run(&gate.cases()[0]), Outcome::Passed);
    }

    #[test]
    fn inside_a_coverage_run_the_coverage_cases_wait_for_the_check_after_it() {
        let text =
            "[[vital]]\nfunction = \"demo::parse\"\ntier = \"essential\"\nfailure_modes = [\"empty\"]\n";
        let in_llvm_cov = Environment { inside: Inside::CoverageRun, require_coverage: false };
        let (_fx, gate) = gate_of(text, in_llvm_cov);
        let cases = gate.cases();
        assert_eq!(gate.run(&cases[0]), Outcome::Passed, "static cases still run");
        assert!(
            matches!(gate.run(&cases[1]), Outcome::Ignored(why) if why.starts_with("inside a coverage run"))
        );
        let required = Environment { inside: Inside::CoverageRun, require_coverage: true };
        let (_fx, gate) = gate_of(text, required);
        assert!(matches!(gate.run(&cases[1]), Outcome::Failed(m) if m.contains("`cargo vital check`")));
        let (_fx, gate) = gate_of(text, Environment { inside: Inside::VitalRun, require_coverage: true });
        for case in &cases {
            assert!(matches!(gate.run(case), Outcome::Ignored(why) if why.contains("`cargo vital run`")));
        }
    }

    #[test]
    fn a_catalogue_that_does_not_resolve_fails_every_case_with_the_error() {
        let text = "[[vital]]\nfunction = \"demo::nowhere\"\ntier = \"optional\"\n";
        let (_fx, gate) = gate_of(text, Environment::default());
        for case in gate.cases() {
            assert!(
                matches!(gate.run(&case), Outcome::Failed(m) if m.starts_with("error: vital.toml:")),
                "{case:?}"
            );
        }
    }

    #[test]
    fn no_catalogue_says_how_to_start_one() {
        let dir = tempfile::tempdir().unwrap();
        let message = load_catalogue(dir.path()).unwrap_err();
        assert!(message.contains("`cargo vital init`"), "{message}");
    }
}
