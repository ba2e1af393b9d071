//! vital's numbers equal `llvm-cov report --show-functions` on the same data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::support::{Outcome, command, fixture, llvm_cov, vital};

/// Regions, lines and branches of one `llvm-cov report` row, as (covered, total).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    regions: (u64, u64),
    lines: (u64, u64),
    branches: (u64, u64),
}

/// Parses the function rows of `llvm-cov report --show-functions`.
fn parse_report(text: &str) -> HashMap<String, Row> {
    let mut rows = HashMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.len() != 10 || cells[0] == "Name" || cells[0] == "TOTAL" {
            continue;
        }
        let n = |i: usize| cells[i].parse::<u64>().unwrap_or_else(|_| panic!("row {line:?}"));
        let pair = |total: usize| (n(total) - n(total + 1), n(total));
        rows.insert(cells[0].to_string(), Row { regions: pair(1), lines: pair(4), branches: pair(7) });
    }
    rows
}

/// Runs cargo-llvm-cov with `-v` to learn the profile and objects it exported.
fn export_with_inputs(dir: &Path) -> (PathBuf, Vec<String>) {
    let stamped = vital(dir, &["stamp", "--output", "cov.sources.json"]);
    assert_eq!(stamped.code, 0, "{stamped:?}");
    let output = command("cargo", dir)
        .args(["llvm-cov", "--branch", "--json", "--output-path", "cov.json", "-v"])
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let export =
        stderr.lines().find(|l| l.contains("llvm-cov export")).expect("the export command in -v output");
    let words: Vec<&str> = export.split_whitespace().collect();
    let profile = words.iter().find_map(|w| w.strip_prefix("-instr-profile=")).expect("a profile");
    let objects = words.windows(2).filter(|w| w[0] == "-object").map(|w| w[1].to_string()).collect();
    (PathBuf::from(profile), objects)
}

fn llvm_cov_report(
    dir: &Path,
    profile: &Path,
    objects: &[String],
    sources: &[PathBuf],
) -> HashMap<String, Row> {
    let mut cmd = command(llvm_cov(), dir);
    cmd.arg("report").arg("--show-functions").arg(format!("-instr-profile={}", profile.display()));
    cmd.arg(&objects[0]);
    for object in &objects[1..] {
        cmd.args(["-object", object]);
    }
    cmd.args(sources);
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    parse_report(&stdout)
}

fn pair(value: &serde_json::Value) -> (u64, u64) {
    (value["covered"].as_u64().unwrap(), value["total"].as_u64().unwrap())
}

#[test]
fn every_single_record_function_has_the_numbers_of_llvm_cov_report() {
    let dir = fixture("exact", "exact");
    let (profile, objects) = export_with_inputs(&dir);
    let sources = vec![dir.join("src/lib.rs"), dir.join("src/main.rs")];
    let rows = llvm_cov_report(&dir, &profile, &objects, &sources);
    assert!(rows.len() > 20, "llvm-cov report rows: {rows:?}");

    let out: Outcome = vital(&dir, &["check", "--coverage", "cov.json", "--format", "json"]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    let report = out.json();
    let mut compared = Vec::new();
    for function in report["functions"].as_array().unwrap() {
        let names = function["record_names"].as_array().unwrap();
        if names.len() != 1 {
            continue;
        }
        let name = names[0].as_str().unwrap();
        let row = rows.get(name).unwrap_or_else(|| panic!("{name} is not in llvm-cov report"));
        let ours = Row {
            regions: pair(&function["regions"]),
            lines: pair(&function["lines"]),
            branches: pair(&function["branches"]),
        };
        assert_eq!(ours, *row, "{}", function["function"]);
        compared.push(function["function"].as_str().unwrap().to_string());
    }
    // Only functions with closures have more than one record.
    assert!(compared.len() >= 20, "compared only {compared:?}");
}

#[test]
fn every_record_summarised_alone_has_the_numbers_of_llvm_cov_report() {
    let dir = fixture("exact", "exact-records");
    let (profile, objects) = export_with_inputs(&dir);
    let sources = vec![dir.join("src/lib.rs"), dir.join("src/main.rs")];
    let rows = llvm_cov_report(&dir, &profile, &objects, &sources);
    let export =
        vital::evidence::coverage::Export::read(&dir.join("cov.json"), Path::new("cov.json"), &|_| true)
            .unwrap();
    let mut compared = 0;
    for record in &export.functions {
        let Some(row) = rows.get(&record.name) else { continue };
        let evidence = vital::evidence::coverage::record_evidence(&export, record);
        let ours = Row {
            regions: (evidence.regions.covered, evidence.regions.total),
            lines: (evidence.lines.covered, evidence.lines.total),
            branches: (evidence.branches.covered, evidence.branches.total),
        };
        assert_eq!(ours, *row, "{}", vital::evidence::coverage::demangle(&record.name));
        compared += 1;
    }
    assert_eq!(compared, rows.len(), "every row of the report has its record");
}
