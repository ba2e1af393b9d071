//! Each coverage shape, measured by a real `cargo vital run` of the `shapes` fixture.

use serde_json::Value;

use crate::support::{shapes, write_file};

fn function(name: &str) -> Value {
    let report = shapes().run.json();
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the report"))
        .clone()
}

fn count(f: &Value, metric: &str) -> (u64, u64) {
    (f[metric]["covered"].as_u64().unwrap(), f[metric]["total"].as_u64().unwrap())
}

fn texts(f: &Value, key: &str) -> Vec<String> {
    f[key].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap().to_string()).collect()
}

/// The demangled names of the function's records (hashes left out).
pub fn records(f: &Value) -> Vec<String> {
    f["record_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| vital::evidence::coverage::demangle(n.as_str().unwrap()))
        .collect()
}

fn reasons(f: &Value) -> Vec<String> {
    f["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_question_mark_whose_error_exit_never_runs_leaves_lines_full_and_regions_short() {
    let f = function("shapes::config::parse_port");
    let (lines_covered, lines_total) = count(&f, "lines");
    assert_eq!(lines_covered, lines_total);
    assert_eq!(count(&f, "regions"), (7, 8));
    assert_eq!(texts(&f, "uncovered_regions"), ["?"]);
    assert_eq!(f["uncovered_regions"][0]["line"], 6);
    assert_eq!(f["verdict"], "fail");
    assert_eq!(reasons(&f), ["regions 87.5% < 100%"]);
    assert_eq!(f["line"], 5);
    assert_eq!(f["file"], "src/config.rs");
}

#[test]
fn an_untaken_match_arm_is_an_unrun_region_and_an_uncovered_line() {
    let f = function("shapes::token::classify");
    assert_eq!(f["uncovered_lines"], serde_json::json!([13]));
    let regions = texts(&f, "uncovered_regions");
    assert!(regions.contains(&"'0'..='9'".to_string()), "{regions:?}");
    assert!(regions.contains(&"Kind::Digit".to_string()), "{regions:?}");
    assert_eq!(f["verdict"], "fail");
}

#[test]
fn a_condition_taken_one_way_is_an_untaken_branch_outcome() {
    let f = function("shapes::limits::clamp_len");
    assert_eq!(count(&f, "branches"), (1, 2));
    assert_eq!(texts(&f, "untaken_branches"), ["len > MAX_LEN"]);
    assert_eq!(f["untaken_branches"][0]["outcome"], true);
    assert_eq!(f["uncovered_lines"], serde_json::json!([6]));
    assert!(reasons(&f).contains(&"branches 50.0% < 100%".to_string()));
}

#[test]
fn an_async_fn_is_measured_with_its_body_record() {
    let f = function("shapes::fetch::checksum");
    assert_eq!(f["records"], 2, "the fn and its coroutine body: {f:#}");
    let (covered, total) = count(&f, "lines");
    assert_eq!((covered, total), (7, 7));
    assert_eq!(f["verdict"], "pass");
}

#[test]
fn a_generic_fn_used_with_two_types_merges_its_instantiations() {
    let f = function("shapes::stats::largest");
    let names = records(&f);
    assert!(names.contains(&"shapes::stats::largest::<i32>".to_string()), "{names:?}");
    assert!(names.contains(&"shapes::stats::largest::<f64>".to_string()), "{names:?}");
    // The f64 instance never sees an empty slice, the i32 instance never sees a
    // falling sequence... together every region and branch is covered.
    assert_eq!(f["verdict"], "pass", "{f:#}");
    assert_eq!(count(&f, "branches"), (2, 2));
}

#[test]
fn a_closure_is_joined_with_the_function_it_is_in() {
    let f = function("shapes::filter::positive_total");
    let names = records(&f);
    assert!(names.contains(&"shapes::filter::positive_total::{closure#0}".to_string()), "{names:?}");
    assert_eq!(texts(&f, "untaken_branches"), ["*value > 0"]);
    assert_eq!(f["untaken_branches"][0]["outcome"], false);
    assert_eq!(texts(&f, "uncovered_regions"), ["0"]);
    assert_eq!(f["verdict"], "fail");
}

#[test]
fn a_trait_impl_method_is_found_and_measured() {
    let f = function("<shapes::store::Store as Display>::fmt");
    assert_eq!(f["resolved"], "shapes::store::Store::fmt");
    assert_eq!(f["line"], 45);
    assert_eq!(f["verdict"], "pass");
}

#[test]
fn a_function_reached_from_a_unit_test_and_an_integration_test_merges_both_records() {
    let f = function("shapes::Store::put");
    // One copy in the unit-test binary, one in the library linked into tests/store.rs.
    let copies = records(&f).iter().filter(|n| *n == "<shapes::store::Store>::put").count();
    assert_eq!(copies, 2, "{f:#}");
    assert_eq!(count(&f, "branches"), (4, 4));
    assert_eq!(f["verdict"], "pass", "{f:#}");
}

#[test]
fn a_function_behind_a_feature_the_run_did_not_enable_fails_as_not_compiled() {
    let f = function("shapes::legacy_format");
    assert_eq!(f["records"], 0);
    assert_eq!(f["verdict"], "fail");
    assert!(reasons(&f)[0].starts_with("not compiled in the coverage run"), "{f:#}");
    assert!(reasons(&f)[0].ends_with("compiled only with feature `legacy`"), "{f:#}");
    assert_eq!(f["findings"][0]["kind"], "not_compiled", "{f:#}");
    assert_eq!(f["findings"][0]["features"], serde_json::json!(["legacy"]), "{f:#}");
}

#[test]
fn the_json_report_follows_schema_version_1() {
    let report = shapes().run.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["summary"]["functions"], 9);
    assert_eq!(report["summary"]["failed"], 5);
    assert_eq!(report["coverage"][0]["branch_data"], true);
    let first = &report["functions"][0];
    for key in [
        "function",
        "tier",
        "file",
        "line",
        "lines",
        "regions",
        "branches",
        "failure_modes",
        "verdict",
        "reasons",
    ] {
        assert!(first.get(key).is_some(), "missing `{key}`: {first:#}");
    }
    assert_eq!(first["tier"], "critical");
    assert_eq!(first["reason"], "Every connection starts here");
}

#[test]
fn the_human_report_points_at_each_gap_and_ends_with_a_table() {
    let out = shapes().check_with(&std::fs::read_to_string(shapes().dir.join("vital.toml")).unwrap(), &[]);
    assert_eq!(out.code, 1, "{out:?}");
    let text = &out.stdout;
    for expected in [
        "error[critical]: `shapes::config::parse_port` does not meet the critical tier",
        " --> src/config.rs:5:8",
        "the error path of this `?` never ran",
        "= note: regions 87.5% < 100%",
        "= note: vital because: Every connection starts here",
        "never true",
        "= note: branch `len > MAX_LEN` at 5:8 was never true",
        "= note: uncovered lines: 13",
        "behind a cargo feature the coverage run did not compile",
        "help: run the coverage with `--features legacy`, or give its entry `features = [...]` in vital.toml",
        "vital: fail: 4 of 9 vital functions pass",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
    let table_row = text.lines().find(|l| l.starts_with("shapes::Store::put")).unwrap();
    assert!(table_row.ends_with("pass"), "{table_row}");
}

#[test]
fn colour_follows_cargo_term_color_and_the_flag() {
    let ran = shapes();
    let catalogue = std::fs::read_to_string(ran.dir.join("vital.toml")).unwrap();
    let out = ran.check_with(&catalogue, &["--color", "always"]);
    assert!(out.stdout.contains('\u{1b}'), "{}", out.stdout);
    let name = "catalogue-colour.toml";
    write_file(ran.dir.join(name), &catalogue).unwrap();
    let output = crate::support::command(env!("CARGO_BIN_EXE_cargo-vital"), &ran.dir)
        .args(["vital", "check", "--catalogue", name])
        .env("CARGO_TERM_COLOR", "always")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains('\u{1b}'));
}

#[test]
fn list_shows_the_catalogue_as_resolved() {
    let out = crate::support::vital(&shapes().dir, &["list"]);
    assert_eq!(out.code, 0, "{out:?}");
    let row = out.stdout.lines().find(|l| l.starts_with("shapes::Store::put")).unwrap();
    assert!(row.contains("src/store.rs:23") && row.contains("critical"), "{row}");
    let json = crate::support::vital(&shapes().dir, &["list", "--format", "json"]).json();
    assert_eq!(json[6]["resolved"], "shapes::store::Store::put");
    assert_eq!(json[6]["line"], 23);
}
