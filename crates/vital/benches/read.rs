//! Reading llvm-cov exports: vital's reader against a bare serde_json parse of the
//! same bytes into typed structs (the baseline: the whole document, every field).
//!
//! The exports are those `cargo xtask bench-data` writes to `target/bench-data/`: a
//! real export of the registry crate regex-syntax, and copies of it 10 and 100 times
//! larger. Run: `cargo xtask bench-data && cargo bench -p vital --bench read`.

use std::path::{Path, PathBuf};

use divan::counter::BytesCount;
#[path = "support/baseline.rs"]
mod baseline;

use baseline::Document;

fn main() {
    divan::main();
}

fn exports() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    let files: Vec<PathBuf> =
        ["x1.json", "x10.json", "x100.json"].iter().map(|f| dir.join(f)).filter(|p| p.exists()).collect();
    assert!(!files.is_empty(), "no exports in {}: run `cargo xtask bench-data` first", dir.display());
    files
}

fn name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// The records `check` keeps: those of the (original) regex-syntax files.
fn one_crate(file: &str) -> bool {
    file.contains("/regex-syntax/src/") && !file.starts_with("/copy")
}

fn every_file(_: &str) -> bool {
    true
}

#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn bare_serde_parse(bencher: divan::Bencher<'_, '_>, path: &PathBuf) {
    let bytes = std::fs::read(path).unwrap();
    let _ = name(path);
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let doc: Document = serde_json::from_slice(&bytes).unwrap();
        divan::black_box(doc.data.len())
    });
}

/// vital's reader as `check` uses it: every record read and checked, the records of
/// one crate's files (here: regex-syntax's, as if its functions were the vital ones)
/// kept.
#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn vital_reader(bencher: divan::Bencher<'_, '_>, path: &PathBuf) {
    let bytes = std::fs::read(path).unwrap();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let export =
            vital::coverage::Export::from_slice(&bytes, Path::new("export.json"), &one_crate).unwrap();
        divan::black_box(export.functions.len())
    });
}

/// vital's reader keeping every record.
#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn vital_reader_keep_all(bencher: divan::Bencher<'_, '_>, path: &PathBuf) {
    let bytes = std::fs::read(path).unwrap();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let export =
            vital::coverage::Export::from_slice(&bytes, Path::new("export.json"), &every_file).unwrap();
        divan::black_box(export.functions.len())
    });
}
