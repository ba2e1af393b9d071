//! The whole-process baseline of `bench/read.sh`: reads an llvm-cov export and parses
//! all of it into typed structs with serde_json, as a program that only did that
//! would. `cargo run --release -p vital --example bare_parse -- FILE`

#[path = "../benches/support/baseline.rs"]
mod baseline;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        return std::process::ExitCode::from(2);
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return std::process::ExitCode::from(2);
    };
    let Ok(doc) = serde_json::from_slice::<baseline::Document>(&bytes) else {
        return std::process::ExitCode::from(2);
    };
    let functions: usize = doc.data.iter().map(|d| d.functions.len()).sum();
    std::process::ExitCode::from(u8::from(functions == 0))
}
