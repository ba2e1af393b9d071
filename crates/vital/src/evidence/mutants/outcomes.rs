//! cargo-mutants' results: a `mutants.out/` directory and its `outcomes.json`
//! (cargo-mutants 27, `outcome.rs` and `output.rs`).
//!
//! ```json
//! { "outcomes": [
//!     { "scenario": "Baseline", "summary": "Success", "phase_results": […], … },
//!     { "scenario": { "Mutant": { "name", "package", "file", "function", "span", "replacement", "genre" } },
//!       "summary": "CaughtMutant" | "MissedMutant" | "Timeout" | "Unviable" | "Success" | "Failure",
//!       "log_path": "log/src__lib.rs_line_4_col_14.log", "diff_path": "diff/src__lib.rs_line_4_col_14.diff",
//!       "phase_results": [ { "phase": "Build" | "Test" | "Check", "duration": 0.6,
//!                            "process_status": "Success" | "Timeout" | {"Failure": 101}, "argv": […] } ] } ],
//!   "total_mutants": 31, "caught": 27, "missed": 4, "timeout": 0, "unviable": 0, "success": 0,
//!   "start_time": "…", "end_time": "…" | null, "cargo_mutants_version": "27.1.0" }
//! ```
//!
//! cargo-mutants rewrites `outcomes.json` after every scenario; `end_time` is `null`
//! until the run finishes. A run that did not finish, whose baseline failed, whose
//! outcomes do not add up to its own counters, or that has no `outcomes.json` while
//! its `mutants.json` lists mutants, is unusable: never a verdict.
//!
//! A directory given to `check --mutants` is a `mutants.out`, the directory that
//! holds one (cargo-mutants' `--output DIR`), or a directory of such directories
//! (what `cargo vital mutants` writes: one per group of test binaries). Beside a
//! group's `mutants.out`, `confirmed/mutants.out` holds the outcomes of its
//! surviving mutants re-tested with the whole test suite: they replace the
//! group's own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::list::{self, MutantRecord};
use crate::error::{Error, ErrorKind, Location, Result};

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Summary {
    /// Only with `--check`: it builds.
    Success,
    /// A test failed: the mutant is caught.
    CaughtMutant,
    /// Every test passed: the mutant survives.
    MissedMutant,
    /// It does not build.
    Unviable,
    /// The baseline failed (or something unexpected).
    Failure,
    /// A phase timed out.
    Timeout,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
struct PhaseResult {
    phase: String,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    process_status: serde_json::Value,
    #[serde(default)]
    argv: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
enum MutantScenario {
    Mutant(MutantRecord),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Scenario {
    /// `"Baseline"`.
    Named(String),
    Mutant(MutantScenario),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
struct ScenarioOutcome {
    scenario: Scenario,
    summary: Summary,
    #[serde(default)]
    log_path: Option<String>,
    #[serde(default)]
    diff_path: Option<String>,
    #[serde(default)]
    phase_results: Vec<PhaseResult>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
struct OutcomesFile {
    outcomes: Vec<ScenarioOutcome>,
    total_mutants: usize,
    #[serde(default)]
    missed: usize,
    #[serde(default)]
    caught: usize,
    #[serde(default)]
    timeout: usize,
    #[serde(default)]
    unviable: usize,
    #[serde(default)]
    success: usize,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    cargo_mutants_version: Option<String>,
}

/// One tested mutant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tested {
    /// The mutant.
    pub mutant: MutantRecord,
    /// How its scenario ended.
    pub summary: Summary,
    /// The diff it was tested with (from `diff/…` or `mutants.json`), to check that it
    /// fits the current source.
    pub diff: Option<String>,
}

/// The results of one cargo-mutants run: one `mutants.out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResults {
    /// The `mutants.out` directory, as messages show it.
    pub dir: PathBuf,
    /// The version of cargo-mutants that wrote it.
    pub version: Option<String>,
    /// Every mutant it tested.
    pub tested: Vec<Tested>,
}

/// Where `cargo vital mutants` puts the re-test of a group's survivors, beside the
/// group's `mutants.out`.
pub const CONFIRMED: &str = "confirmed";

/// The `mutants.out` directories under `path`, as given to `check --mutants`:
/// `path` itself, `path/mutants.out`, or `path/*/mutants.out` (sorted).
pub fn find_dirs(path: &Path, display: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let is_out =
        |dir: &Path| ["outcomes.json", "mutants.json", "lock.json"].iter().any(|f| dir.join(f).is_file());
    if !path.is_dir() {
        return Err(Error::new(
            ErrorKind::Mutants,
            Some(Location::file(display)),
            "no such directory of cargo-mutants results",
        )
        .with_help(
            "pass the `mutants.out` directory cargo-mutants wrote (or its parent), or run `cargo vital mutants`",
        ));
    }
    if is_out(path) {
        return Ok(vec![(path.to_path_buf(), display.to_path_buf())]);
    }
    if is_out(&path.join("mutants.out")) {
        return Ok(vec![(path.join("mutants.out"), display.join("mutants.out"))]);
    }
    let mut found = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|err| Error::io(ErrorKind::Mutants, display, &err))?;
    for entry in entries.flatten() {
        let out = entry.path().join("mutants.out");
        if is_out(&out) {
            found.push((out, display.join(entry.file_name()).join("mutants.out")));
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(Error::new(
            ErrorKind::Mutants,
            Some(Location::file(display)),
            "holds no cargo-mutants results (no `outcomes.json` or `mutants.out/` in it)",
        )
        .with_help("pass the `mutants.out` directory cargo-mutants wrote, or run `cargo vital mutants`"));
    }
    Ok(found)
}

fn unusable(file: &Path, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Mutants, Some(Location::file(file)), message)
}

/// Reads one `mutants.out` directory (`dir`, shown as `display`).
pub fn read_dir(dir: &Path, display: &Path) -> Result<RunResults> {
    let listed_path = dir.join("mutants.json");
    let listed: Option<Vec<MutantRecord>> = match std::fs::read_to_string(&listed_path) {
        Ok(text) => Some(list::parse(&text, &display.join("mutants.json"))?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(Error::io(ErrorKind::Mutants, &display.join("mutants.json"), &err)),
    };
    let outcomes_display = display.join("outcomes.json");
    let text = match std::fs::read_to_string(dir.join("outcomes.json")) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            // cargo-mutants writes no outcomes when its filters leave no mutant.
            return match listed {
                Some(listed) if listed.is_empty() => Ok(RunResults { dir: display.to_path_buf(), version: None, tested: Vec::new() }),
                _ => Err(unusable(&outcomes_display, "the cargo-mutants run did not finish: there is no outcomes.json")
                    .with_help("run cargo-mutants to the end (an interrupted run leaves partial results), then check again")),
            };
        }
        Err(err) => return Err(Error::io(ErrorKind::Mutants, &outcomes_display, &err)),
    };
    let mut results = parse(&text, &outcomes_display)?;
    results.dir = display.to_path_buf();
    attach_diffs(&mut results, dir, listed.as_deref());
    // The survivors re-tested with the whole test suite: their outcomes stand.
    let confirmed = dir.parent().map(|p| p.join(CONFIRMED).join("mutants.out"));
    if let Some(confirmed) = confirmed.filter(|c| c.is_dir()) {
        let shown = display.parent().unwrap_or(display).join(CONFIRMED).join("mutants.out");
        let again = read_dir(&confirmed, &shown)?;
        for retested in again.tested {
            let Some(first) = results.tested.iter_mut().find(|t| t.mutant.key() == retested.mutant.key())
            else {
                return Err(unusable(
                    &shown,
                    format!("re-tests `{}`, which the run beside it did not test", retested.mutant.name),
                ));
            };
            first.summary = retested.summary;
        }
    }
    Ok(results)
}

/// Replaces each tested mutant's `diff_path` by its diff: the file under `dir`, or
/// the mutant's entry in `listed` (`mutants.json`).
fn attach_diffs(results: &mut RunResults, dir: &Path, listed: Option<&[MutantRecord]>) {
    let by_name: BTreeMap<&str, &MutantRecord> =
        listed.into_iter().flatten().map(|m| (m.name.as_str(), m)).collect();
    for tested in &mut results.tested {
        if let Some(path) = tested.diff.take() {
            // `diff_path` is relative to the `mutants.out` directory.
            let resolved = Path::new(&path);
            let safe = resolved.components().all(|c| matches!(c, std::path::Component::Normal(_)));
            if safe && let Ok(diff) = std::fs::read_to_string(dir.join(resolved)) {
                tested.diff = Some(diff);
            }
        }
        if tested.diff.is_none() {
            tested.diff = by_name
                .get(tested.mutant.name.as_str())
                .filter(|listed| listed.key() == tested.mutant.key())
                .and_then(|listed| listed.diff.clone());
        }
    }
}

/// The phase (`Build`, `Test`) in which the baseline of the `outcomes.json` text
/// failed; `None` when it did not fail, did not run, or the text is unreadable.
pub fn failed_baseline_phase(text: &str) -> Option<String> {
    let file: OutcomesFile = serde_json::from_str(text).ok()?;
    file.outcomes.into_iter().find_map(|o| match o.scenario {
        Scenario::Named(name) if name == "Baseline" && o.summary != Summary::Success => {
            Some(o.phase_results.last().map_or_else(|| "Build".to_string(), |p| p.phase.clone()))
        }
        _ => None,
    })
}

/// Parses `outcomes.json`; `display` names it in messages. Each tested mutant's
/// `diff` holds its `diff_path`, which [`read_dir`] replaces by the diff.
pub fn parse(text: &str, display: &Path) -> Result<RunResults> {
    let file: OutcomesFile = serde_json::from_str(text).map_err(|err| {
        Error::new(
            ErrorKind::Mutants,
            Some(Location::at(display, err.line(), err.column())),
            format!("not a cargo-mutants outcomes.json ({err})"),
        )
        .with_help("pass a `mutants.out` directory written by cargo-mutants")
    })?;
    if file.end_time.is_none() {
        return Err(unusable(
            display,
            format!(
                "the cargo-mutants run did not finish (`end_time` is null; {} of {} mutants have an outcome)",
                file.outcomes.iter().filter(|o| matches!(o.scenario, Scenario::Mutant(_))).count(),
                file.total_mutants
            ),
        )
        .with_help(
            "run cargo-mutants to the end (an interrupted run leaves partial results), then check again",
        ));
    }
    let mut tested = Vec::new();
    let mut counts = [0usize; 5];
    for outcome in file.outcomes {
        match outcome.scenario {
            Scenario::Named(name) if name == "Baseline" => {
                if outcome.summary != Summary::Success {
                    let phase = outcome.phase_results.last().map_or("the tests", |p| p.phase.as_str());
                    return Err(unusable(
                        display,
                        format!(
                            "cargo-mutants' baseline failed ({phase} of the unmutated source failed), so no mutant was tested"
                        ),
                    )
                    .with_help("make the tests pass (`cargo test`), then run the mutants again"));
                }
            }
            Scenario::Named(name) => {
                return Err(unusable(display, format!("unknown scenario `{name}`")));
            }
            Scenario::Mutant(MutantScenario::Mutant(mutant)) => {
                let slot = match outcome.summary {
                    Summary::CaughtMutant => 0,
                    Summary::MissedMutant => 1,
                    Summary::Timeout => 2,
                    Summary::Unviable => 3,
                    Summary::Success | Summary::Failure => 4,
                };
                counts[slot] += 1;
                tested.push(Tested { mutant, summary: outcome.summary, diff: outcome.diff_path });
            }
        }
    }
    let theirs = [file.caught, file.missed, file.timeout, file.unviable];
    if tested.len() != file.total_mutants || counts[..4] != theirs {
        return Err(unusable(
            display,
            format!(
                "the outcomes do not add up: {} mutant outcomes ({} caught, {} missed, {} timeout, {} unviable), \
                 but the file says {} mutants ({} caught, {} missed, {} timeout, {} unviable)",
                tested.len(),
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                file.total_mutants,
                file.caught,
                file.missed,
                file.timeout,
                file.unviable
            ),
        )
        .with_help("the file is partial or was edited: run cargo-mutants again"));
    }
    let _ = (file.success, file.start_time);
    Ok(RunResults { dir: display.to_path_buf(), version: file.cargo_mutants_version, tested })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a real outcomes.json of cargo-mutants 27.1.0 (a baseline, a caught
    /// and a timed-out mutant), shortened.
    pub(in crate::evidence::mutants) const OUTCOMES: &str = r#"{"outcomes":[
 {"scenario":"Baseline","summary":"Success","log_path":"log/baseline.log","diff_path":null,
  "phase_results":[{"phase":"Build","duration":0.3,"process_status":"Success","argv":["cargo","test","--no-run"]},
                   {"phase":"Test","duration":0.05,"process_status":"Success","argv":["cargo","test"]}]},
 {"scenario":{"Mutant":{"name":"src/lib.rs:4:7: replace > with >= in f","package":"demo","file":"src/lib.rs",
   "function":{"function_name":"f","return_type":"-> bool","span":{"start":{"line":3,"column":1},"end":{"line":5,"column":2}}},
   "span":{"start":{"line":4,"column":7},"end":{"line":4,"column":8}},"replacement":">=","genre":"BinaryOperator"}},
  "summary":"CaughtMutant","log_path":"log/src__lib.rs_line_4_col_7.log","diff_path":"diff/src__lib.rs_line_4_col_7.diff",
  "phase_results":[{"phase":"Build","duration":0.5,"process_status":"Success","argv":[]},
                   {"phase":"Test","duration":0.2,"process_status":{"Failure":101},"argv":[]}]},
 {"scenario":{"Mutant":{"name":"src/lib.rs:4:7: replace > with < in f","package":"demo","file":"src/lib.rs",
   "function":{"function_name":"f","return_type":"-> bool","span":{"start":{"line":3,"column":1},"end":{"line":5,"column":2}}},
   "span":{"start":{"line":4,"column":7},"end":{"line":4,"column":8}},"replacement":"<","genre":"BinaryOperator"}},
  "summary":"Timeout","log_path":"log/x.log","diff_path":"diff/x.diff",
  "phase_results":[{"phase":"Build","duration":0.5,"process_status":"Success","argv":[]},
                   {"phase":"Test","duration":3.0,"process_status":"Timeout","argv":[]}]}
 ],
 "total_mutants":2,"missed":0,"caught":1,"timeout":1,"unviable":0,"success":0,
 "start_time":"2026-12-05T04:09:37.453194167Z","end_time":"2026-12-05T04:10:00.540955371Z","cargo_mutants_version":"27.1.0"}"#;

    fn error_of(text: &str) -> String {
        parse(text, Path::new("outcomes.json")).unwrap_err().to_string()
    }

    #[test]
    fn a_finished_run_reads_with_each_mutant_and_its_summary() {
        let results = parse(OUTCOMES, Path::new("outcomes.json")).unwrap();
        assert_eq!(results.version.as_deref(), Some("27.1.0"));
        let summaries: Vec<Summary> = results.tested.iter().map(|t| t.summary).collect();
        assert_eq!(summaries, [Summary::CaughtMutant, Summary::Timeout]);
        assert_eq!(results.tested[0].mutant.description(), "replace > with >= in f");
        assert_eq!(results.tested[0].diff.as_deref(), Some("diff/src__lib.rs_line_4_col_7.diff"));
    }

    /// `end_time: null`: cargo-mutants was interrupted, or is still running.
    #[test]
    fn an_unfinished_run_is_unusable() {
        let message = error_of(
            &OUTCOMES.replace(r#""end_time":"2026-12-05T04:10:00.540955371Z""#, r#""end_time":null"#),
        );
        assert!(message.starts_with("outcomes.json: the cargo-mutants run did not finish"), "{message}");
        assert!(message.contains("2 of 2 mutants have an outcome"), "{message}");
    }

    #[test]
    fn outcomes_that_do_not_add_up_are_unusable() {
        let message = error_of(&OUTCOMES.replace(r#""total_mutants":2"#, r#""total_mutants":3"#));
        assert!(message.contains("the outcomes do not add up"), "{message}");
        let message = error_of(&OUTCOMES.replace(r#""caught":1,"timeout":1"#, r#""caught":2,"timeout":0"#));
        assert!(message.contains("the outcomes do not add up"), "{message}");
    }

    #[test]
    fn a_failed_baseline_is_unusable() {
        let failed = OUTCOMES.replacen(r#""summary":"Success""#, r#""summary":"Failure""#, 1);
        let message = error_of(&failed);
        assert!(message.contains("baseline failed (Test of the unmutated source failed)"), "{message}");
        assert_eq!(failed_baseline_phase(&failed).as_deref(), Some("Test"));
        assert_eq!(failed_baseline_phase(OUTCOMES), None);
    }

    #[test]
    fn a_file_that_is_not_outcomes_is_an_error_with_its_position() {
        let message = error_of("{\"outcomes\": 3}");
        assert!(message.starts_with("outcomes.json:1:"), "{message}");
        assert!(message.contains("not a cargo-mutants outcomes.json"), "{message}");
        assert!(
            error_of(&OUTCOMES.replacen("\"Baseline\"", "\"Basline\"", 1))
                .contains("unknown scenario `Basline`")
        );
    }

    #[test]
    fn directories_are_found_as_given_or_one_level_down() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(
            find_dirs(&root.join("none"), Path::new("none"))
                .unwrap_err()
                .to_string()
                .contains("no such directory")
        );
        assert!(
            find_dirs(root, Path::new("r"))
                .unwrap_err()
                .to_string()
                .contains("holds no cargo-mutants results")
        );
        for group in ["g2", "g1"] {
            std::fs::create_dir_all(root.join(group).join("mutants.out")).unwrap();
            std::fs::write(root.join(group).join("mutants.out/outcomes.json"), OUTCOMES).unwrap();
        }
        let found = find_dirs(root, Path::new("r")).unwrap();
        let shown: Vec<PathBuf> = found.iter().map(|(_, d)| d.clone()).collect();
        assert_eq!(shown, [Path::new("r/g1/mutants.out"), Path::new("r/g2/mutants.out")]);
        let one = find_dirs(&root.join("g1"), Path::new("g1")).unwrap();
        assert_eq!(one[0].1, Path::new("g1/mutants.out"));
        let itself = find_dirs(&root.join("g1/mutants.out"), Path::new("m")).unwrap();
        assert_eq!(itself[0].1, Path::new("m"));
    }

    #[test]
    fn a_run_dir_reads_the_diffs_and_needs_its_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("diff")).unwrap();
        std::fs::write(out.join("diff/src__lib.rs_line_4_col_7.diff"), "--- src/lib.rs\n").unwrap();
        std::fs::write(out.join("mutants.json"), "[]").unwrap();
        // Nothing to test: no outcomes.json, an empty list.
        assert_eq!(read_dir(out, Path::new("m")).unwrap().tested, Vec::new());
        std::fs::write(out.join("mutants.json"), super::super::list::tests::SEMVER).unwrap();
        let error = read_dir(out, Path::new("m")).unwrap_err().to_string();
        assert!(error.starts_with("m/outcomes.json: the cargo-mutants run did not finish"), "{error}");
        std::fs::write(out.join("outcomes.json"), OUTCOMES).unwrap();
        let results = read_dir(out, Path::new("m")).unwrap();
        assert_eq!(results.tested[0].diff.as_deref(), Some("--- src/lib.rs\n"));
        assert_eq!(results.tested[1].diff, None, "no diff file and not in mutants.json");
        assert_eq!(results.dir, Path::new("m"));
    }

    /// A group's survivors re-tested with every test: their new outcome stands.
    #[test]
    fn a_confirmation_beside_a_run_replaces_its_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("g1/mutants.out");
        let confirmed = dir.path().join("g1/confirmed/mutants.out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&confirmed).unwrap();
        std::fs::write(out.join("outcomes.json"), OUTCOMES).unwrap();
        // The timed-out mutant, caught by the whole suite.
        let start = OUTCOMES
            .find(r#" {"scenario":{"Mutant":{"name":"src/lib.rs:4:7: replace > with < in f""#)
            .unwrap();
        let end = OUTCOMES
            .rfind(
                "
 ],",
            )
            .unwrap();
        let again = format!(
            r#"{{"outcomes":[{}],"total_mutants":1,"missed":0,"caught":1,"timeout":0,"unviable":0,"success":0,"start_time":"x","end_time":"y"}}"#,
            OUTCOMES[start..end].replace(r#""summary":"Timeout""#, r#""summary":"CaughtMutant""#)
        );
        std::fs::write(confirmed.join("outcomes.json"), &again).unwrap();
        let results = read_dir(&out, Path::new("r/g1/mutants.out")).unwrap();
        let summaries: Vec<Summary> = results.tested.iter().map(|t| t.summary).collect();
        assert_eq!(summaries, [Summary::CaughtMutant, Summary::CaughtMutant]);
        // A re-test of a mutant the run did not test is not a confirmation.
        std::fs::write(
            confirmed.join("outcomes.json"),
            again.replace("replace > with < in f", "replace > with == in f"),
        )
        .unwrap();
        let error = read_dir(&out, Path::new("r/g1/mutants.out")).unwrap_err().to_string();
        assert!(
            error
                .starts_with("r/g1/confirmed/mutants.out: re-tests `src/lib.rs:4:7: replace > with == in f`"),
            "{error}"
        );
    }
}
