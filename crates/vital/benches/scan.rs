//! The static scan (`cargo vital check --static` less `cargo metadata`): every source
//! file of the workspace parsed and walked, the catalogue resolved and judged.
//!
//! The workspaces are those `cargo xtask bench-data` writes to `target/bench-data/`:
//! the registry crate regex-syntax (1.6 MB of Rust) and a workspace of 10 renamed
//! copies of it (16.5 MB). Run: `cargo xtask bench-data && cargo bench -p vital --bench scan`.

use std::path::{Path, PathBuf};

use divan::counter::BytesCount;
use vital::catalogue::Catalogue;
use vital::{Session, Workspace};

fn main() {
    divan::main();
}

fn workspaces() -> Vec<&'static str> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    assert!(
        dir.join("tree/vital.toml").exists(),
        "no workspaces in {}: run `cargo xtask bench-data` first",
        dir.display()
    );
    vec!["regex-syntax", "tree"]
}

fn load(name: &str) -> (Workspace, Catalogue, u64) {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data").join(name);
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .no_deps()
        .exec()
        .expect("cargo metadata runs");
    let workspace = Workspace::from_metadata(&metadata);
    let catalogue = Catalogue::load(&root.join("vital.toml"), Path::new("vital.toml")).expect("a catalogue");
    let bytes = walk(&root);
    (workspace, catalogue, bytes)
}

/// The bytes of Rust source under `dir` (what the scan reads).
fn walk(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            total += walk(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}

#[divan::bench(args = workspaces(), sample_count = 10, sample_size = 1)]
fn static_check(bencher: divan::Bencher<'_, '_>, name: &str) {
    let (workspace, catalogue, bytes) = load(name);
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        let session = Session::new(workspace.clone(), catalogue.clone()).expect("the catalogue resolves");
        divan::black_box(session.check_static(None).expect("no baseline to read"))
    });
}
