//! The output formats end to end on one fixture with mixed results (the human and
//! SARIF outputs as snapshots; every format of committed reports is tested in
//! milliseconds by the `vital` crate's `report::tests`), SARIF validated against the
//! official schema, the github annotation cap, `--static`, baselines.

use std::path::Path;

use serde_json::Value;

use crate::modes::runs;
use crate::support::{Outcome, fixture, llvm_cov_export, shapes, vital, write_file};

/// A catalogue of the `modes` fixture whose functions pass and fail in every way:
/// failure modes of each status, a function never called, one without modes (which
/// fully covered, still fails: its critical tier requires failure-mode categories).
const MIXED: &str = r#"[[vital]]
function = "vault::store::Store::write"
tier = "critical"
reason = "Every value the vault keeps goes through here"
failure_modes = ["empty", "too_large", "concurrent", "after_close", "disk_full", "permission_denied", "corrupted"]
tests = { corrupted = "tests::reads_back_what_was_written" }

[[vital]]
function = "<vault::record::Record as FromStr>::from_str"
tier = "essential"
failure_modes = ["malformed"]

[[vital]]
function = "vault::store::Store::len"
tier = "essential"

[[vital]]
function = "vault::store::round_trip"
tier = "optional"

[[vital]]
function = "vault::store::Store::flush"
tier = "critical"
"#;

fn mixed(format: &str) -> Outcome {
    let dir = &runs().dir;
    write_file(dir.join("mixed.toml"), MIXED).unwrap();
    vital(
        dir,
        &[
            "check",
            "--catalogue",
            "mixed.toml",
            "--coverage",
            "target/vital/coverage.json",
            "--tests",
            "junit.xml",
            "--format",
            format,
        ],
    )
}

/// Compares `actual` with the snapshot file `name`; on a difference, rewrites the
/// file and fails, so that a local run blesses and CI catches drift.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots").join(name);
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_file(&path, actual).unwrap();
        panic!("snapshot {name} changed and was rewritten: review it with `git diff` and commit it");
    }
}

#[test]
fn markdown_is_the_gap_report_ordered_by_risk() {
    let out = mixed("markdown");
    assert_eq!(out.code, 1, "{out:?}");
    // Critical before essential before optional; failing before passing.
    let order: Vec<&str> = [
        "`vault::store::Store::write`",
        "`vault::store::Store::len`",
        "`<vault::record::Record as FromStr>::from_str`",
        "`vault::store::round_trip`",
    ]
    .into_iter()
    .collect();
    let positions: Vec<usize> = order.iter().map(|name| out.stdout.find(name).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}\n{}", out.stdout);
}

#[test]
fn github_annotations_come_worst_first() {
    let out = mixed("github");
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.starts_with("::error file=src/store.rs,line=24,col=5,"), "{}", out.stdout);
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let out = mixed("sarif");
    assert_eq!(out.code, 1, "{out:?}");
    snapshot("mixed.sarif.json", &out.stdout);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    for rule in [
        "vital/failure-mode-missing",
        "vital/failure-mode-hollow",
        "vital/failure-mode-failed",
        "vital/failure-mode-ignored",
    ] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["endLine"].as_u64()),
        (Some(24), Some(36)),
        "the function's span"
    );
}

pub fn assert_valid_sarif(sarif: &Value) {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema loads");
    let errors: Vec<String> =
        validator.iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF schema violations:\n{}", errors.join("\n"));
}

#[test]
fn junit_has_a_test_case_per_function_and_reads_back() {
    let out = mixed("junit");
    assert_eq!(out.code, 1, "{out:?}");
    // Well-formed JUnit: vital's own reader of test results takes it (its suite is
    // named `vital`: read it as the results of a package of that name).
    let lib = vital::workspace::Target {
        name: "vital".into(),
        kind: vital::workspace::TargetKind::Lib,
        src_path: "/src/lib.rs".into(),
    };
    let package = vital::workspace::Package {
        name: "vital".into(),
        manifest_path: "/Cargo.toml".into(),
        targets: vec![lib],
        features: Vec::new(),
        dependencies: Vec::new(),
    };
    let workspace =
        vital::workspace::Workspace { root: "/".into(), target_dir: "/t".into(), packages: vec![package] };
    let results =
        vital::evidence::tests::TestResults::parse(&out.stdout, Path::new("vital.xml"), &workspace).unwrap();
    assert_eq!(results.counts(), (2, 3, 0));
    assert_eq!(
        results.lookup_any("vault::store::Store::write"),
        Some(vital::evidence::tests::Outcome::Failed)
    );
}

#[test]
fn the_human_report_of_the_mixed_fixture() {
    let out = mixed("human");
    snapshot("mixed.human.txt", &out.stdout);
}

#[test]
fn github_shows_ten_errors_and_sums_up_the_rest() {
    let dir = fixture("exact", "exact-github");
    llvm_cov_export(&dir, "cov.json", true, &[]);
    let names = [
        "sign",
        "both",
        "either",
        "guard",
        "count_until",
        "find_first_even",
        "parse_pair",
        "length_or_zero",
        "nested",
        "find_nine",
        "checked_double",
        "multi_line",
        "never_called",
        "wide_chars",
    ];
    let catalogue: String = names
        .iter()
        .map(|n| format!("[[vital]]\nfunction = \"exact::{n}\"\ntier = \"critical\"\n\n"))
        .collect();
    write_file(dir.join("all.toml"), catalogue).unwrap();
    let out =
        vital(&dir, &["check", "--catalogue", "all.toml", "--coverage", "cov.json", "--format", "github"]);
    assert_eq!(out.code, 1, "{out:?}");
    let errors = out.stdout.lines().filter(|l| l.starts_with("::error ")).count();
    assert_eq!(errors, 10, "{}", out.stdout);
    let notice = out.stdout.lines().find(|l| l.starts_with("::notice ")).expect("a notice for the rest");
    assert!(notice.contains("::4 more vital functions do not meet their tier: "), "{notice}");
}

#[test]
fn the_static_check_needs_no_coverage_and_finds_mode_gaps() {
    let dir = &runs().dir;
    let out = vital(dir, &["check", "--static", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert_eq!(report["check"], "static");
    let write = &report["functions"][0];
    let reasons: Vec<&str> =
        write["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "failure mode `too_large`: test `vault::store::tests::write_too_large` is hollow: it asserts nothing",
            "failure mode `concurrent`: test `vault::store::tests::write_concurrent` is hollow: it never calls `vault::store::Store::write`",
            "failure mode `disk_full`: test `vault::store::tests::write_disk_full` is ignored",
            "failure mode `permission_denied` has no test",
        ]
    );
    // Its test failing is not something the source shows.
    assert!(!reasons.iter().any(|r| r.contains("after_close")));
    assert_eq!(report["functions"][1]["verdict"], "pass");
    let human = vital(dir, &["check", "--static"]);
    assert!(
        human.stdout.contains("vital: fail (static check): 1 of 2 vital functions pass"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("regions"), "no coverage columns: {}", human.stdout);
    // A catalogue that holds passes statically.
    assert_eq!(vital(&shapes().dir, &["check", "--static"]).code, 0);
}

#[test]
fn a_baseline_accepts_what_got_no_worse_and_gates_the_rest() {
    let dir = fixture("shapes", "shapes-baseline");
    llvm_cov_export(&dir, "both.json", true, &[]);
    llvm_cov_export(&dir, "unit.json", true, &["--lib"]);
    let baseline =
        vital(&dir, &["check", "--coverage", "both.json", "--format", "json", "--output", "baseline.json"]);
    assert_eq!(baseline.code, 1, "the shapes fixture has gaps: {baseline:?}");

    // The same coverage again: every failing function is accepted, the gate passes.
    let same =
        vital(&dir, &["check", "--coverage", "both.json", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(same.code, 0, "{same:?}");
    let report = same.json();
    assert_eq!(report["summary"]["accepted"], 5);
    assert_eq!(report["functions"][0]["trend"]["change"], "same");
    assert_eq!(report["functions"][0]["trend"]["accepted"], true);

    // Without the integration test, `put` got worse: it is gated again.
    let worse =
        vital(&dir, &["check", "--coverage", "unit.json", "--baseline", "baseline.json", "--format", "json"]);
    assert_eq!(worse.code, 1, "{worse:?}");
    let put = worse.json()["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "shapes::Store::put")
        .cloned()
        .unwrap();
    assert_eq!(put["trend"]["change"], "worse");
    assert_eq!(put["trend"]["accepted"], false);

    // Human and markdown show was → now.
    let human = vital(&dir, &["check", "--coverage", "unit.json", "--baseline", "baseline.json"]);
    let row = human.stdout.lines().find(|l| l.starts_with("shapes::Store::put")).unwrap();
    assert!(
        row.contains("FAIL") && row.contains("worse: ") && row.contains("branches 100.0% → 75.0%"),
        "{row}"
    );
    let markdown = vital(
        &dir,
        &["check", "--coverage", "unit.json", "--baseline", "baseline.json", "--format", "markdown"],
    );
    assert!(markdown.stdout.contains("| since baseline |"), "{}", markdown.stdout);
    assert!(
        markdown
            .stdout
            .contains("**worse**: lines 100.0% → 90.9%, regions 100.0% → 94.7%, branches 100.0% → 75.0%"),
        "{}",
        markdown.stdout
    );
    // New entries are gated as usual.
    let catalogue = std::fs::read_to_string(dir.join("vital.toml")).unwrap()
        + "\n[[vital]]\nfunction = \"shapes::store::Store::get\"\ntier = \"critical\"\n";
    write_file(dir.join("more.toml"), catalogue).unwrap();
    let more = vital(
        &dir,
        &[
            "check",
            "--catalogue",
            "more.toml",
            "--coverage",
            "both.json",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    let get = more.json()["functions"].as_array().unwrap().last().cloned().unwrap();
    assert_eq!(get["trend"]["change"], "new");
    // SARIF with a baseline stays valid and says each result's baselineState.
    let sarif = vital(
        &dir,
        &["check", "--coverage", "unit.json", "--baseline", "baseline.json", "--format", "sarif"],
    );
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let states: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert!(states.contains(&"unchanged") && states.contains(&"updated"), "{states:?}");
    // A baseline that is not a report is exit 2.
    write_file(dir.join("bad.json"), "{}").unwrap();
    let bad = vital(&dir, &["check", "--coverage", "both.json", "--baseline", "bad.json"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("bad.json:1:"), "{}", bad.stderr);
}
