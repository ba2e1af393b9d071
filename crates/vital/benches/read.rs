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

/// The exports by name (`x1`, `x10`, `x100`: the file `target/bench-data/<name>.json`).
fn exports() -> Vec<&'static str> {
    let names: Vec<&str> = ["x1", "x10", "x100"].into_iter().filter(|n| path(n).exists()).collect();
    assert!(!names.is_empty(), "no exports in target/bench-data: run `cargo xtask bench-data` first");
    names
}

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/bench-data/{name}.json"))
}

/// The records `check` keeps: those of the (original) regex-syntax files.
fn one_crate(file: &str) -> bool {
    file.contains("/regex-syntax/src/") && !file.starts_with("/copy")
}

fn every_file(_: &str) -> bool {
    true
}

#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn bare_serde_parse(bencher: divan::Bencher<'_, '_>, name: &str) {
    let bytes = std::fs::read(path(name)).unwrap();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let doc: Document = serde_json::from_slice(&bytes).unwrap();
        divan::black_box(doc.data.len())
    });
}

/// vital's reader as `check` uses it: every record read and checked, the records of
/// one crate's files (here: regex-syntax's, as if its functions were the vital ones)
/// kept.
#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn vital_reader(bencher: divan::Bencher<'_, '_>, name: &str) {
    let bytes = std::fs::read(path(name)).unwrap();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let export =
            vital::evidence::coverage::Export::from_slice(&bytes, Path::new("export.json"), &one_crate)
                .unwrap();
        divan::black_box(export.functions.len())
    });
}

/// vital's reader keeping every record.
#[divan::bench(args = exports(), sample_count = 10, sample_size = 1)]
fn vital_reader_keep_all(bencher: divan::Bencher<'_, '_>, name: &str) {
    let bytes = std::fs::read(path(name)).unwrap();
    bencher.counter(BytesCount::new(bytes.len())).bench(|| {
        let export =
            vital::evidence::coverage::Export::from_slice(&bytes, Path::new("export.json"), &every_file)
                .unwrap();
        divan::black_box(export.functions.len())
    });
}
