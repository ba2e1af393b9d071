//! Opening a session without waiting for `cargo metadata`: while it runs, the scan
//! starts on the workspace the last run saw (`target/vital/workspace.json`), and that
//! session is kept only if cargo metadata then describes the very same workspace
//! (members, targets, dependencies, directories). Otherwise it is dropped and the scan
//! starts again on what cargo metadata says: a guess costs time, never correctness.

use std::path::{Path, PathBuf};

use vital::workspace::Workspace;
use vital::{Error, Session};

use crate::process;

/// The file, in `target/vital/`, that remembers the workspace of the last run.
const FILE: &str = "workspace.json";

/// The session of the workspace at `manifest` (or the current directory's) with
/// the catalogue at `catalogue` (or its `vital.toml`), scan cache on.
pub(crate) fn open_session(manifest: Option<&Path>, catalogue: Option<&Path>) -> Result<Session, Error> {
    std::thread::scope(|scope| {
        let early = last_workspace(manifest).map(|last| {
            scope.spawn(move || {
                let opened = Session::open_cached(last.clone(), catalogue);
                (last, opened)
            })
        });
        let workspace = process::workspace(manifest)?;
        remember(&workspace);
        match early.and_then(|thread| thread.join().ok()) {
            Some((last, opened)) if last == workspace => opened,
            _ => Session::open_cached(workspace, catalogue),
        }
    })
}

/// The workspace the last run in this workspace remembered, if it can be found
/// without cargo: under the target directory (`CARGO_TARGET_DIR`, else `target/`
/// at the root: the nearest ancestor whose `Cargo.toml` has a `[workspace]`, else
/// the nearest with a `Cargo.toml`).
fn last_workspace(manifest: Option<&Path>) -> Option<Workspace> {
    let start = match manifest {
        Some(manifest) => std::path::absolute(manifest).ok()?.parent()?.to_path_buf(),
        None => std::env::current_dir().ok()?,
    };
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => std::path::absolute(PathBuf::from(dir)).ok()?,
        None => guess_root(&start)?.join("target"),
    };
    let bytes = std::fs::read(target.join("vital").join(FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The workspace root cargo would find from `start`, as far as the manifests' text
/// tells.
fn guess_root(start: &Path) -> Option<PathBuf> {
    let mut nearest = None;
    for dir in start.ancestors() {
        let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else { continue };
        if text.lines().any(|line| line.trim() == "[workspace]") {
            return Some(dir.to_path_buf());
        }
        nearest.get_or_insert_with(|| dir.to_path_buf());
    }
    nearest
}

/// Remembers `workspace` for the next run, when it is not what is remembered. It only
/// saves time: a failure is ignored.
fn remember(workspace: &Workspace) {
    let Ok(json) = serde_json::to_vec(workspace) else { return };
    let path = workspace.vital_dir().join(FILE);
    if std::fs::read(&path).is_ok_and(|old| old == json) {
        return;
    }
    let _ = vital::fsutil::write_atomic(&path, &json);
}
