//! Bad input and missing evidence: exit 2 with one clear message, or a failing
//! gate, never a pass.

use std::path::Path;

use crate::support::{command, fixture, llvm_cov_export, shapes, vital};

/// `put` alone, judged on coverage (its tier requires no failure-mode categories).
const PUT_ONLY: &str = "[tiers.critical]\ncategories = []\n\n[[vital]]\nfunction = \"shapes::Store::put\"\ntier = \"critical\"\n";

#[test]
fn a_malformed_catalogue_is_exit_2_with_its_position() {
    let out = shapes().check_with("[[vital]]\nfunction = \"shapes::Store::put\"\ntier = \"critcal\"\n", &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with("error: catalogue-"), "{}", out.stderr);
    assert!(out.stderr.contains(".toml:3:8: unknown variant `critcal`"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `critical`?"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn an_ambiguous_entry_is_exit_2_naming_the_candidates() {
    let out = shapes().check_with("[[vital]]\nfunction = \"shapes::Store::fmt\"\ntier = \"critical\"\n", &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("`shapes::Store::fmt` names 2 functions"), "{}", out.stderr);
    assert!(
        out.stderr.contains("`<shapes::store::Store as Display>::fmt` (src/store.rs:45)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("`<shapes::store::Store as Debug>::fmt` (src/store.rs:51)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_stale_entry_is_exit_2_with_a_suggestion() {
    let catalogue = "[[vital]]\nfunction = \"shapes::config::parse_prt\"\ntier = \"critical\"\n\n\
                     [[vital]]\nfunction = \"shapes::gone::away\"\ntier = \"critical\"\n";
    let out = shapes().check_with(catalogue, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(".toml:2:12: `shapes::config::parse_prt` names no function"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `shapes::config::parse_port` (src/config.rs:5)?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(".toml:6:12: `shapes::gone::away` names no function"),
        "both entries: {}",
        out.stderr
    );
}

#[test]
fn a_truncated_coverage_file_is_exit_2() {
    let ran = shapes();
    let bytes = std::fs::read(ran.coverage()).unwrap();
    std::fs::write(ran.dir.join("truncated.json"), &bytes[..bytes.len() / 2]).unwrap();
    let out = vital(&ran.dir, &["check", "--coverage", "truncated.json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with("error: truncated.json:1:"), "{}", out.stderr);
    assert!(out.stderr.contains("the coverage file is truncated"), "{}", out.stderr);
}

#[test]
fn missing_coverage_is_exit_2_saying_how_to_make_it() {
    let dir = fixture("shapes", "shapes-nocoverage");
    let out = vital(&dir, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("target/vital/coverage.json and no `--coverage` given"), "{}", out.stderr);
    assert!(out.stderr.contains("run `cargo vital run` first"), "{}", out.stderr);
    let out = vital(&dir, &["check", "--coverage", "nowhere.json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("nowhere.json: cannot read"), "{}", out.stderr);
}

#[test]
fn coverage_without_branch_data_fails_tiers_that_demand_branches() {
    let dir = fixture("shapes", "shapes-nobranch");
    llvm_cov_export(&dir, "nobranch.json", false, &[]);
    let out = vital(&dir, &["check", "--coverage", "nobranch.json", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    let put = &report["functions"][6];
    assert_eq!(put["function"], "shapes::Store::put");
    assert!(put["branches"].is_null(), "{put:#}");
    assert!(put["reasons"][0].as_str().unwrap().starts_with("no branch data"), "{put:#}");
    // Regions may stand in for branches when the tier says so.
    let catalogue = PUT_ONLY.replace("[tiers.critical]\n", "[tiers.critical]\nbranches = \"regions\"\n");
    std::fs::write(dir.join("regions.toml"), catalogue).unwrap();
    let out = vital(&dir, &["check", "--coverage", "nobranch.json", "--catalogue", "regions.toml"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn coverage_of_an_older_version_of_the_source_is_exit_2() {
    let dir = fixture("shapes", "shapes-stale");
    let run = vital(&dir, &["run"]);
    assert_eq!(run.code, 1, "{run:?}");
    let config = dir.join("src/config.rs");
    let original = std::fs::read_to_string(&config).unwrap();

    // A line added above the function: every record moved.
    std::fs::write(&config, format!("// A new first line.\n{original}")).unwrap();
    let out = vital(&dir, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("coverage is older than the source"), "{}", out.stderr);
    assert!(out.stderr.contains("src/config.rs"), "{}", out.stderr);
    assert!(out.stderr.contains("re-run the tests with coverage (`cargo vital run`)"), "{}", out.stderr);

    // Without the source stamp, nothing shows the coverage is fresh: exit 2 saying
    // how to stamp, unless checked anyway; then the structure of the records tells.
    std::fs::remove_file(dir.join("target/vital/coverage.sources.json")).unwrap();
    let out = vital(&dir, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("the coverage has no source stamp"), "{}", out.stderr);
    assert!(out.stderr.contains("cargo vital stamp"), "{}", out.stderr);
    let out = vital(&dir, &["check", "--unstamped"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("error: src/config.rs:"), "{}", out.stderr);
    assert!(out.stderr.contains("coverage is older than the source"), "{}", out.stderr);

    // A line added inside the function body.
    let edited = original.replace("    Ok(port)", "    let port = port;\n    Ok(port)");
    std::fs::write(&config, edited).unwrap();
    let out = vital(&dir, &["check", "--unstamped"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("coverage is older than the source"), "{}", out.stderr);

    // An edit that moves nothing is caught by the stamp of a fresh run.
    std::fs::write(&config, &original).unwrap();
    let run = vital(&dir, &["run"]);
    assert_eq!(run.code, 1, "{run:?}");
    std::fs::write(&config, original.replace("8080", "8081")).unwrap();
    let out = vital(&dir, &["check"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("src/config.rs changed since the coverage run"), "{}", out.stderr);
}

#[test]
fn several_coverage_files_merge_like_shards_of_one_run() {
    let dir = fixture("shapes", "shapes-sharded");
    llvm_cov_export(&dir, "unit.json", true, &["--lib"]);
    llvm_cov_export(&dir, "integration.json", true, &["--test", "store"]);
    std::fs::write(dir.join("put.toml"), PUT_ONLY).unwrap();
    let check = |files: &[&str]| {
        let mut args = vec!["check", "--catalogue", "put.toml", "--format", "json", "--coverage"];
        args.extend_from_slice(files);
        vital(&dir, &args)
    };
    let unit = check(&["unit.json"]);
    assert_eq!(unit.code, 1, "the unit tests never pass an empty key: {unit:?}");
    let integration = check(&["integration.json"]);
    assert_eq!(integration.code, 1, "the integration test never closes the store: {integration:?}");
    let both = check(&["unit.json", "integration.json"]);
    assert_eq!(both.code, 0, "{both:?}");
    assert_eq!(both.json()["functions"][0]["branches"]["covered"], 4);
}

#[test]
fn output_is_written_to_the_file_and_not_to_stdout() {
    let ran = shapes();
    let out = ran.check_with(PUT_ONLY, &["--format", "json", "--output", "out/report.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ran.dir.join("out/report.json")).unwrap()).unwrap();
    assert_eq!(written["verdict"], "pass");
}

#[test]
fn a_missing_cargo_llvm_cov_is_exit_2_with_the_install_command() {
    let dir = fixture("shapes", "shapes-notools");
    let sysroot = command("rustc", &dir).args(["--print", "sysroot"]).output().unwrap();
    let bin = Path::new(String::from_utf8(sysroot.stdout).unwrap().trim()).join("bin");
    let empty_home = dir.join("empty-cargo-home");
    std::fs::create_dir_all(&empty_home).unwrap();
    let output = command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
        .args(["vital", "run"])
        .env("PATH", &bin)
        .env("CARGO_HOME", &empty_home)
        .env("CARGO", bin.join("cargo"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cargo-llvm-cov is not installed"), "{stderr}");
    assert!(stderr.contains("install it with `cargo install cargo-llvm-cov --locked`"), "{stderr}");
}

#[test]
fn a_usage_error_is_exit_2() {
    let out = vital(&shapes().dir, &["check", "--format", "yaml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("invalid value 'yaml'"), "{}", out.stderr);
}

/// A gate that gates nothing must not look green (SPEC §6).
#[test]
fn an_empty_catalogue_is_exit_2() {
    for args in [&[][..], &["--static"], &["--unstamped"]] {
        let out = shapes().check_with("# nothing yet\n", args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(out.stderr.contains("the catalogue names no vital function"), "{}", out.stderr);
        assert!(out.stderr.contains("cargo vital suggest"), "{}", out.stderr);
    }
    std::fs::write(shapes().dir.join("empty.toml"), "").unwrap();
    let out = vital(&shapes().dir, &["run", "--catalogue", "empty.toml"]);
    assert_eq!(out.code, 2, "before any test runs: {out:?}");
    assert!(!out.stderr.contains("Running"), "{}", out.stderr);
}
