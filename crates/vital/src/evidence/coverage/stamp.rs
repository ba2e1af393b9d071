//! Source stamps: a hash of every source file, taken by `cargo vital run` before
//! the tests run and written next to the coverage it produces. `check` compares the
//! stamp with the files as they are now: an edit since the run that leaves every
//! coverage position valid (a changed literal, a flipped operator) is still caught.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Location, Result};
use crate::source::{FileId, SourceIndex};
use crate::workspace::Workspace;

/// Format version of the stamp file.
pub const STAMP_VERSION: u32 = 1;

/// Hashes of the workspace's source files, by workspace-relative path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceStamp {
    /// Always [`STAMP_VERSION`].
    pub vital_source_stamp: u32,
    /// `fnv1a64:<hex>` of each file's bytes.
    pub files: BTreeMap<String, String>,
}

impl SourceStamp {
    /// The stamp of every file of `index`.
    pub fn of(index: &SourceIndex) -> SourceStamp {
        let files = index.files.iter().map(|f| (f.rel.clone(), hash(f.text.as_bytes()))).collect();
        SourceStamp { vital_source_stamp: STAMP_VERSION, files }
    }

    /// The stamp of every source file of `workspace`, whatever a catalogue names:
    /// each `.rs` file under a member's directory (not in a target directory — one
    /// with cargo's `CACHEDIR.TAG` — nor in a hidden one), read, not parsed.
    pub fn of_workspace(workspace: &Workspace) -> SourceStamp {
        let mut files = BTreeMap::new();
        for package in &workspace.packages {
            let Some(dir) = package.manifest_path.parent() else { continue };
            for path in rust_files(dir, &workspace.target_dir) {
                let (Some(rel), Ok(bytes)) = (workspace.relative(&path), std::fs::read(&path)) else {
                    continue;
                };
                files.entry(rel).or_insert_with(|| hash(&bytes));
            }
        }
        SourceStamp { vital_source_stamp: STAMP_VERSION, files }
    }

    /// The stamp of every source file of `workspace` and of `index` (which may hold
    /// files outside the members' directories, through `#[path]`).
    pub fn of_workspace_and(workspace: &Workspace, index: &SourceIndex) -> SourceStamp {
        let mut stamp = SourceStamp::of_workspace(workspace);
        stamp.files.extend(SourceStamp::of(index).files);
        stamp
    }

    /// Where the stamp of a coverage file lives: `coverage.json` → `coverage.sources.json`.
    pub fn path_for(coverage: &Path) -> PathBuf {
        coverage.with_extension("sources.json")
    }

    /// Reads the stamp at `path` (shown as `display`); `Ok(None)` when there is none.
    pub fn load(path: &Path, display: &Path) -> Result<Option<SourceStamp>> {
        if std::fs::symlink_metadata(path).is_err_and(|err| err.kind() == std::io::ErrorKind::NotFound) {
            return Ok(None);
        }
        let bytes = crate::fsutil::read_input(path, display, ErrorKind::Coverage)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|err| {
            Error::new(
                ErrorKind::Coverage,
                Some(Location::at(display, err.line(), err.column())),
                format!("the source stamp is unreadable ({err})"),
            )
            .with_help("delete it and re-run `cargo vital run`")
        })
    }

    /// Errors when one of `files` differs from when the stamp was taken, or was not
    /// stamped at all (it did not exist then: the coverage cannot be of it).
    pub fn verify(&self, index: &SourceIndex, files: &[FileId], stamp_path: &Path) -> Result<()> {
        for &file in files {
            let source = index.file(file);
            let why = match self.files.get(&source.rel) {
                Some(stamped) if *stamped == hash(source.text.as_bytes()) => continue,
                Some(_) => "changed since the coverage run",
                None => "is not in the stamp: it did not exist when the coverage run started",
            };
            return Err(Error::new(
                ErrorKind::StaleCoverage,
                Some(Location::file(&source.rel)),
                format!(
                    "coverage is older than the source: {} {why} (stamp {})",
                    source.rel,
                    stamp_path.display()
                ),
            )
            .with_help("re-run the tests with coverage (`cargo vital run`) and check again"));
        }
        Ok(())
    }

    /// The stamp as the JSON `cargo vital stamp` writes.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a stamp always serializes");
        text.push('\n');
        text
    }
}

/// How `cargo vital run` ran the tests, written next to the export
/// (`coverage.run.json`): what a later step must match to rely on that run (a
/// mutation run skips its own baseline only after a passing run of the same source,
/// features and tests).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunSettings {
    /// Always [`STAMP_VERSION`].
    pub vital_run: u32,
    /// `--package`; empty for the whole workspace.
    #[serde(default)]
    pub packages: Vec<String>,
    /// `--features`, as given.
    #[serde(default)]
    pub features: Vec<String>,
    /// `--all-features`.
    #[serde(default)]
    pub all_features: bool,
    /// `--no-default-features`.
    #[serde(default)]
    pub no_default_features: bool,
    /// Arguments for the test binaries: a filter or a skip leaves tests out.
    #[serde(default)]
    pub test_args: Vec<String>,
    /// Branch coverage was on (`--branch`): an export without a branch record then
    /// measured code with no condition to cover, rather than having no branch data.
    #[serde(default)]
    pub branch: bool,
}

impl RunSettings {
    /// Where the settings of a coverage file's run live: `coverage.json` → `coverage.run.json`.
    pub fn path_for(coverage: &Path) -> PathBuf {
        coverage.with_extension("run.json")
    }

    /// Reads the settings at `path`; `None` when there are none or they are unreadable
    /// (then nothing relies on the run).
    pub fn load(path: &Path) -> Option<RunSettings> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// The features turned on, one name each (`--features "a,b" c` → a, b, c), sorted.
    pub fn feature_set(features: &[String]) -> Vec<String> {
        let mut all: Vec<String> = features
            .iter()
            .flat_map(|f| f.split([',', ' ']))
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// The `.rs` files under `dir`, but in `target_dir`, in a directory with a
/// `CACHEDIR.TAG` (another target directory), in a hidden directory, or in a
/// directory with a `Cargo.toml` of its own (another package, as `cargo package`
/// sees it: a member there is walked on its own; a fixture workspace is not vital's).
fn rust_files(dir: &Path, target_dir: &Path) -> Vec<PathBuf> {
    let skipped = |entry: &walkdir::DirEntry| {
        entry.depth() > 0
            && entry.file_type().is_dir()
            && (entry.path() == target_dir
                || entry.file_name().to_string_lossy().starts_with('.')
                || entry.path().join("CACHEDIR.TAG").exists()
                || entry.path().join("Cargo.toml").exists())
    };
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|entry| !skipped(entry))
        .filter_map(std::result::Result::ok)
        .filter(|entry| entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rs"))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// FNV-1a, 64 bits: enough to tell an edited file from the original.
fn hash(bytes: &[u8]) -> String {
    format!("fnv1a64:{:016x}", crate::fsutil::fnv1a64(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_differ_for_one_changed_byte() {
        assert_eq!(hash(b""), "fnv1a64:cbf29ce484222325");
        assert_ne!(hash(b"if x > 1"), hash(b"if x < 1"));
    }

    #[test]
    fn the_files_of_a_package_leave_out_nested_packages_targets_and_hidden_directories() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "src/lib.rs",
            "tests/it.rs",
            "tests/fixtures/ws/Cargo.toml",
            "tests/fixtures/ws/src/lib.rs",
            "target/debug/build/x.rs",
            "other-target/CACHEDIR.TAG",
            "other-target/x.rs",
            ".hidden/x.rs",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "").unwrap();
        }
        let mut found: Vec<_> = rust_files(root, &root.join("target"))
            .into_iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        found.sort();
        assert_eq!(found, ["src/lib.rs", "tests/it.rs"]);
    }

    #[test]
    fn the_stamp_path_sits_next_to_the_coverage() {
        assert_eq!(SourceStamp::path_for(Path::new("t/coverage.json")), Path::new("t/coverage.sources.json"));
        assert_eq!(SourceStamp::path_for(Path::new("cov")), Path::new("cov.sources.json"));
    }

    #[test]
    fn run_settings_sit_next_to_the_coverage_and_name_each_feature_once() {
        assert_eq!(RunSettings::path_for(Path::new("t/coverage.json")), Path::new("t/coverage.run.json"));
        let features = ["b,a".to_string(), "c a".to_string()];
        assert_eq!(RunSettings::feature_set(&features), ["a", "b", "c"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coverage.run.json");
        assert_eq!(RunSettings::load(&path), None);
        let settings =
            RunSettings { vital_run: STAMP_VERSION, features: vec!["x".into()], ..RunSettings::default() };
        std::fs::write(&path, serde_json::to_vec(&settings).unwrap()).unwrap();
        assert_eq!(RunSettings::load(&path), Some(settings));
    }

    #[test]
    fn a_missing_stamp_is_none_and_a_bad_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(SourceStamp::load(&dir.path().join("none.json"), Path::new("none.json")).unwrap(), None);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\"files\": 3}").unwrap();
        let error = SourceStamp::load(&bad, Path::new("bad.json")).unwrap_err();
        assert!(error.to_string().contains("the source stamp is unreadable"), "{error}");
    }
}
