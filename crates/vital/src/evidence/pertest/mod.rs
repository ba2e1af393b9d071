//! Per-test evidence (SPEC §7): each failure-mode test's own coverage, from a run of
//! that test alone (one profile per test), exported for the vital functions' files.
//! A mode counts only if its test *ran* the function — at least one of its regions
//! executed in that test's own profile — and, where the catalogue pins the mode to
//! a region, that region.
//!
//! On disk, next to the suite's export (`coverage.json` → `coverage.pertest/`), or
//! wherever `--per-test DIR` points (sharded CI carries it along):
//!
//! ```json
//! // index.json (and sources.json: the run's source stamp)
//! { "vital_per_test": 1,
//!   "tests": [ { "krate": "store", "test": "tests::write_disk_full", "passed": true,
//!                "export": "store--tests__write_disk_full.json", "note": null } ] }
//! ```
//!
//! Each `export` is an llvm-cov JSON export of that test's profile, read and joined
//! with the source exactly like the suite's coverage: by file and span, with the same
//! staleness checks.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::coverage::{Evidence, Export, join};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::source::{FnId, SourceIndex};
use crate::text::Pos;

/// Format version of `index.json`.
pub const INDEX_VERSION: u32 = 1;

/// The file that lists a directory's per-test evidence.
pub const INDEX_FILE: &str = "index.json";

/// The source stamp of the run that made a directory's per-test evidence (the
/// same as `NAME.sources.json` beside its export).
pub const STAMP_FILE: &str = "sources.json";

/// Where the per-test evidence of a coverage export lives: `coverage.json` →
/// `coverage.pertest/`.
pub fn dir_for(coverage: &Path) -> PathBuf {
    coverage.with_extension("pertest")
}

/// `index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Always [`INDEX_VERSION`].
    pub vital_per_test: u32,
    /// One entry per test run alone.
    pub tests: Vec<IndexEntry>,
}

/// A test run alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// The crate of its test binary (`-` as `_`).
    pub krate: String,
    /// Its path inside the crate, as `cargo test` prints it (for a parametrized test,
    /// the function: its cases ran together).
    pub test: String,
    /// Whether it passed, run alone.
    pub passed: bool,
    /// Its export, a file of the same directory; `None` when the run left no profile.
    pub export: Option<String>,
    /// What happened, when it did not pass or left no profile.
    pub note: Option<String>,
}

/// A name safe as a file name: what is not alphanumeric, `.`, `-` or `_` becomes `_`.
pub fn file_stem(krate: &str, test: &str) -> String {
    let raw = format!("{krate}--{test}");
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect()
}

/// One test's run alone, read.
#[derive(Debug, Clone)]
pub struct Run {
    /// Whether it passed.
    pub passed: bool,
    /// Its coverage, when its run left a profile.
    pub export: Option<Export>,
    /// What happened.
    pub note: Option<String>,
}

/// The per-test evidence of one directory.
#[derive(Debug, Clone, Default)]
pub struct PerTest {
    runs: HashMap<(String, String), Run>,
    /// How messages show the directory.
    pub display: PathBuf,
}

/// What a test's own run shows of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// The test was not run alone: no evidence of it.
    NotRecorded,
    /// Run alone, it failed.
    FailedAlone(Option<String>),
    /// Run alone, it left no profile (it aborted, or was killed).
    NoProfile(Option<String>),
    /// It ran the function (and the pinned region).
    Ran,
    /// It never ran the function.
    NeverRan,
    /// It ran the function, but not the region starting at this position.
    NeverRanRegion(Pos),
}

impl PerTest {
    /// Reads the per-test evidence in `dir`, keeping the records `keep` wants.
    pub fn read(dir: &Path, display: &Path, keep: &dyn Fn(&str) -> bool) -> Result<PerTest> {
        let index_path = dir.join(INDEX_FILE);
        let index_display = display.join(INDEX_FILE);
        let text = crate::fsutil::read_input_string(&index_path, &index_display, ErrorKind::Coverage)
            .map_err(|err| {
                err.with_help("it is written by `cargo vital run`, next to the coverage it ran with")
            })?;
        let index: Index = serde_json::from_str(&text).map_err(|err| {
            Error::new(
                ErrorKind::Coverage,
                Some(Location::at(&index_display, err.line(), err.column())),
                format!("the per-test evidence index is unreadable ({err})"),
            )
            .with_help("re-run `cargo vital run`")
        })?;
        if index.vital_per_test != INDEX_VERSION {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(&index_display)),
                format!(
                    "per-test evidence of format {}; this vital reads format {INDEX_VERSION}",
                    index.vital_per_test
                ),
            )
            .with_help("re-run `cargo vital run` with this vital"));
        }
        let mut runs = HashMap::new();
        for entry in index.tests {
            let export = match &entry.export {
                Some(name) => {
                    // Only files of this directory: a name is never a path.
                    if name.contains(['/', '\\']) || name.starts_with('.') {
                        return Err(Error::new(
                            ErrorKind::Coverage,
                            Some(Location::file(&index_display)),
                            format!("`{name}` is not a file of the per-test evidence directory"),
                        ));
                    }
                    Some(Export::read(&dir.join(name), &display.join(name), keep)?)
                }
                None => None,
            };
            runs.insert((entry.krate, entry.test), Run { passed: entry.passed, export, note: entry.note });
        }
        Ok(PerTest { runs, display: display.to_path_buf() })
    }

    /// Every test run alone: `(crate, test)` and its run, in no particular order.
    pub fn runs(&self) -> impl Iterator<Item = (&(String, String), &Run)> {
        self.runs.iter()
    }

    /// The run alone of test `test` of crate `krate`.
    pub fn run(&self, krate: &str, test: &str) -> Option<&Run> {
        self.runs.get(&(krate.to_string(), test.to_string()))
    }

    /// What test `test` of crate `krate`, run alone, shows of function `f`; with
    /// `pin`, of the code region that holds it. Errors when its coverage does not fit
    /// the source (stale).
    pub fn ran(
        &self,
        index: &SourceIndex,
        root: &Path,
        f: FnId,
        (krate, test): (&str, &str),
        pin: Option<Pos>,
    ) -> Result<Ran> {
        let Some(run) = self.run(krate, test) else { return Ok(Ran::NotRecorded) };
        if !run.passed {
            return Ok(Ran::FailedAlone(run.note.clone()));
        }
        let Some(export) = &run.export else { return Ok(Ran::NoProfile(run.note.clone())) };
        let evidence: Option<Evidence> =
            join(index, root, &[f], std::slice::from_ref(export))?.pop().flatten();
        let Some(evidence) = evidence.filter(|e| e.regions.covered > 0) else { return Ok(Ran::NeverRan) };
        match pin {
            None => Ok(Ran::Ran),
            Some(at) => match evidence.region_at(at) {
                Some((_, _, true)) => Ok(Ran::Ran),
                Some((start, _, false)) => Ok(Ran::NeverRanRegion(start)),
                // The test's binary has no region there (the suite's coverage has one:
                // the pin was checked against it): it never ran it.
                None => Ok(Ran::NeverRanRegion(at)),
            },
        }
    }

    /// Adds the runs of `other` (several directories: sharded CI). A test recorded in
    /// both keeps the run that proves least: a failure or a missing profile wins.
    pub fn merge(&mut self, other: PerTest) {
        for (key, run) in other.runs {
            match self.runs.get(&key) {
                Some(kept) if !kept.passed || kept.export.is_none() => {}
                _ => {
                    self.runs.insert(key, run);
                }
            }
        }
    }

    /// Whether no test was recorded.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(file_stem("store", "tests::write_disk_full"), "store--tests__write_disk_full");
        assert_ne!(file_stem("a", "b::c"), file_stem("a_b", "c"));
        assert_eq!(
            dir_for(Path::new("target/vital/coverage.json")),
            Path::new("target/vital/coverage.pertest")
        );
    }

    #[test]
    fn an_index_that_is_not_one_or_points_outside_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let keep = |_: &str| true;
        let read = |text: &str| {
            std::fs::write(dir.path().join(INDEX_FILE), text).unwrap();
            PerTest::read(dir.path(), Path::new("pt"), &keep).map(|p| p.is_empty())
        };
        assert!(read("{}").unwrap_err().to_string().contains("pt/index.json:1:"));
        assert!(read(r#"{"vital_per_test": 9, "tests": []}"#).unwrap_err().to_string().contains("format 9"));
        let outside = r#"{"vital_per_test": 1, "tests": [{"krate": "a", "test": "t", "passed": true, "export": "../x.json", "note": null}]}"#;
        assert!(
            read(outside)
                .unwrap_err()
                .to_string()
                .contains("is not a file of the per-test evidence directory")
        );
        let missing = r#"{"vital_per_test": 1, "tests": [{"krate": "a", "test": "t", "passed": true, "export": "none.json", "note": null}]}"#;
        assert!(read(missing).unwrap_err().to_string().contains("pt/none.json: cannot read"));
        assert!(read(r#"{"vital_per_test": 1, "tests": []}"#).unwrap());
    }
}
