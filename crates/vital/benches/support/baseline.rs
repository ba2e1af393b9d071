//! The baseline of the reading benchmarks: the whole llvm-cov export format
//! (llvm/tools/llvm-cov/CoverageExporterJson.cpp) as typed serde structs, every
//! field parsed. Shared by `benches/read.rs` and `examples/bare_parse.rs`.

use serde::Deserialize;

/// `[line_start, col_start, line_end, col_end, count, file_id, expanded_file_id, kind]`
pub type Region = (u64, u64, u64, u64, u64, u64, u64, u64);
/// `[line_start, col_start, line_end, col_end, true, false, file_id, expanded_file_id, kind]`
pub type Branch = (u64, u64, u64, u64, u64, u64, u64, u64, u64);

/// The llvm-cov export format, all of it (llvm/tools/llvm-cov/CoverageExporterJson.cpp).
#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Document {
    pub data: Vec<Data>,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Data {
    pub files: Vec<File>,
    pub functions: Vec<Function>,
    pub totals: serde_json::Value,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct File {
    pub filename: String,
    pub segments: Vec<(u64, u64, u64, bool, bool, bool)>,
    pub branches: Vec<Branch>,
    pub expansions: Vec<serde_json::Value>,
    pub mcdc_records: Vec<serde_json::Value>,
    pub summary: serde_json::Value,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct Function {
    pub name: String,
    pub count: u64,
    pub filenames: Vec<String>,
    pub regions: Vec<Region>,
    pub branches: Vec<Branch>,
    pub mcdc_records: Vec<serde_json::Value>,
}
