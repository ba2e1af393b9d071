use std::path::Path;

use super::*;

/// A committed report (`crates/vital/tests/reports/NAME/report.json`).
fn report(name: &str) -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reports").join(name).join("report.json");
    Report::read(&path, &path).unwrap()
}

#[test]
fn the_levels_are_what_held_for_every_function_they_are_about() {
    // Critical: `write` fails its modes only, `flush` passes; essential: `len` is
    // below its lines; optional: `round_trip` passes; the modes of `write` fail.
    assert_eq!(verified_levels(&report("modes")), ["VITAL_COVERAGE_CRITICAL", "VITAL_COVERAGE_OPTIONAL"]);
    // Mutation measured, two functions below their score.
    assert_eq!(verified_levels(&report("gauge-mutants")), ["VITAL_COVERAGE_CRITICAL"]);
    let mut caught = report("gauge-mutants");
    caught.functions.retain(|f| f.verdict == Verdict::Pass);
    assert_eq!(verified_levels(&caught), ["VITAL_COVERAGE_CRITICAL", "VITAL_MUTATION"]);
    // No coverage measured: a static check states no level.
    assert!(verified_levels(&report("modes-static")).is_empty());
    // No branch data where the tier demands it: coverage did not hold.
    assert!(verified_levels(&report("shapes-nobranch")).is_empty());
    // Failure modes hold when every function that must test them does.
    let mut modes = report("modes");
    modes.functions.retain(|f| f.function != "vault::store::Store::write");
    assert_eq!(
        verified_levels(&modes),
        ["VITAL_COVERAGE_CRITICAL", "VITAL_COVERAGE_OPTIONAL", "VITAL_FAILURE_MODES"]
    );
    // Failpoints: `store::sync` never fired, `store::exists` unknown: not held; with
    // only the failpoints that fired left, held.
    let failpoints = report("failpoints");
    assert!(!verified_levels(&failpoints).contains(&"VITAL_FAILPOINTS".to_string()));
    let mut fired = report("failpoints");
    fired.functions.retain(|f| f.function == "store::write_atomic");
    for f in &mut fired.functions {
        f.failpoints.retain(|fp| fp.status == crate::model::FailpointStatus::Fired);
        f.reasons.0.retain(|r| !r.is_failpoint());
    }
    assert!(
        verified_levels(&fired).contains(&"VITAL_FAILPOINTS".to_string()),
        "{:?}",
        verified_levels(&fired)
    );
}

#[test]
fn a_report_is_certified_only_when_every_gate_holds_on_complete_evidence() {
    let why = refusals(&report("modes"));
    assert!(why.iter().any(|w| w.starts_with("1 test failed: ")), "{why:?}");
    assert!(
        why.contains(&"`vault::store::Store::write` does not meet the critical tier".to_string()),
        "{why:?}"
    );
    assert!(
        why.contains(&"`vault::store::Store::len` does not meet the essential tier".to_string()),
        "{why:?}"
    );
    let mutation = why.iter().find(|w| w.starts_with("no mutation results were given")).expect("{why:?}");
    assert!(
        mutation.contains("`vault::store::Store::flush`") && !mutation.contains("round_trip"),
        "{mutation}"
    );
    assert!(refusals(&report("modes-static")).iter().any(|w| w.starts_with("this is a static check")));
    assert!(refusals(&report("shapes-nobranch")).iter().any(|w| w.starts_with("no test results were given")));
    let mut caught = report("gauge-mutants");
    caught.functions.retain(|f| f.verdict == Verdict::Pass);
    caught.recompute();
    assert_eq!(refusals(&caught), Vec::<String>::new());
}

#[test]
fn timestamps_are_rfc_3339_in_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_764_907_740), "2025-12-05T04:09:00Z");
    assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
}

#[test]
fn a_statement_names_every_file_by_digest_and_verifies_until_one_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |name: &str, text: &str| {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    let policy = write("vital.toml", "");
    let coverage = write("target/vital/coverage.json", "{}");
    let results = write("target/vital/tests.jsonl", "");
    let artifact = write("dist/app", "binary");
    let mut caught = report("gauge-mutants");
    caught.functions.retain(|f| f.verdict == Verdict::Pass);
    let commit = Commit {
        sha: "0123456789abcdef0123456789abcdef01234567".into(),
        repository: Some("git+https://github.com/example/app".into()),
        uncommitted: Vec::new(),
    };
    let statement = statement(
        &caught,
        &Certificate {
            root,
            policy: &policy,
            evidence: &[results.clone(), coverage.clone(), coverage.clone()],
            subjects: std::slice::from_ref(&artifact),
            commit: &commit,
            resource_uri: None,
            time: 1_764_907_740,
        },
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&statement.to_json()).unwrap();
    assert_eq!(json["_type"], STATEMENT_TYPE);
    assert_eq!(json["predicateType"], VSA_TYPE);
    assert_eq!(json["subject"][0]["uri"], "git+https://github.com/example/app");
    assert_eq!(json["subject"][0]["digest"]["gitCommit"], commit.sha);
    assert_eq!(json["subject"][1]["name"], "dist/app");
    // sha256("binary")
    assert_eq!(
        json["subject"][1]["digest"]["sha256"],
        "9a3a45d01531a20e89ac6ae10b0b0beb0492acd7216a368aa062d1a5fecaf9cd"
    );
    let predicate = &json["predicate"];
    assert_eq!(predicate["verifier"]["id"], VERIFIER_ID);
    assert_eq!(predicate["timeVerified"], "2025-12-05T04:09:00Z");
    assert_eq!(predicate["resourceUri"], format!("git+https://github.com/example/app@{}", commit.sha));
    assert_eq!(predicate["policy"]["uri"], "file:vital.toml");
    // sha256("")
    assert_eq!(
        predicate["policy"]["digest"]["sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let inputs: Vec<&str> = predicate["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        ["file:target/vital/coverage.json", "file:target/vital/tests.jsonl"],
        "sorted, once each"
    );
    assert_eq!(predicate["verificationResult"], "PASSED");
    assert_eq!(predicate["verifiedLevels"], serde_json::json!(["VITAL_COVERAGE_CRITICAL", "VITAL_MUTATION"]));
    assert_eq!(predicate["slsaVersion"], "1.0");

    let path = write("statement.json", &statement.to_json());
    let read = Statement::read(&path, Path::new("statement.json")).unwrap();
    assert_eq!(read, statement);
    let clean = Tree { head: Ok(commit.sha.clone()), uncommitted: Vec::new() };
    let checked = verify(&read, root, &clean);
    assert_eq!(checked.len(), 5, "{checked:?}");
    assert!(checked.iter().all(Checked::matches), "{checked:?}");

    std::fs::write(&coverage, "{ }").unwrap();
    let checked = verify(&read, root, &clean);
    let changed: Vec<&str> = checked.iter().filter(|c| !c.matches()).map(|c| c.what.as_str()).collect();
    assert_eq!(changed, ["target/vital/coverage.json"]);
    std::fs::remove_file(&artifact).unwrap();
    let checked =
        verify(&read, root, &Tree { head: Ok("f".repeat(40)), uncommitted: vec!["README.md".into()] });
    let failed: Vec<(&str, &str)> =
        checked.iter().filter(|c| !c.matches()).map(|c| (c.role, c.what.as_str())).collect();
    assert_eq!(
        failed,
        [
            ("subject", "git+https://github.com/example/app"),
            ("subject", "dist/app"),
            ("input", "target/vital/coverage.json")
        ]
    );
    assert!(
        checked[0].found.as_ref().unwrap_err().contains("uncommitted changes to tracked files (README.md)")
    );
}

#[test]
fn a_statement_of_a_tree_with_uncommitted_changes_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vital.toml"), "").unwrap();
    let commit = Commit { sha: "a".repeat(40), repository: None, uncommitted: vec!["README.md".into()] };
    let statement = statement(
        &report("modes"),
        &Certificate {
            root: dir.path(),
            policy: &dir.path().join("vital.toml"),
            evidence: &[],
            subjects: &[],
            commit: &commit,
            resource_uri: Some("git+https://example.com/r@main"),
            time: 0,
        },
    )
    .unwrap();
    assert_eq!(statement.subject[0].name.as_deref(), Some("source"));
    let annotations = statement.subject[0].annotations.as_ref().unwrap();
    assert_eq!(annotations[UNCOMMITTED], serde_json::json!(["README.md"]));
    assert_eq!(statement.predicate.resource_uri, "git+https://example.com/r@main");
    // Made of a tree with changes, it matches a tree with changes.
    let tree = Tree { head: Ok("a".repeat(40)), uncommitted: vec!["README.md".into()] };
    assert!(verify(&statement, dir.path(), &tree).iter().all(Checked::matches));
}

#[test]
fn a_file_that_is_not_a_statement_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, "{\"_type\": \"https://in-toto.io/Statement/v0.1\"}").unwrap();
    let err = Statement::read(&path, Path::new("x.json")).unwrap_err();
    assert!(err.to_string().starts_with("x.json:1:"), "{err}");
    let other = serde_json::json!({"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"verifier": {"id": "x"}, "timeVerified": "t", "resourceUri": "r", "policy": {"digest": {}}, "verificationResult": "PASSED", "verifiedLevels": []}});
    std::fs::write(&path, other.to_string()).unwrap();
    let err = Statement::read(&path, Path::new("x.json")).unwrap_err();
    assert!(
        err.to_string().contains("not an in-toto Statement v1 of a SLSA verification summary v1"),
        "{err}"
    );
}
