//! The certificate (SPEC §10): `cargo vital certify` on the `certify` fixture,
//! committed in a git repository of its own, after real `cargo vital run` and
//! `cargo vital mutants`; the statement checked by the in-toto attestation
//! framework's own validation (PyPI `in-toto-attestation`) and signed and verified
//! offline as a DSSE envelope (PyPI `securesystemslib`, ed25519).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Outcome, command, fixture, vital, write_file};

/// What the Python checks need, and the command that installs it.
const INSTALL_PYTHON: &str = "python3 -m pip install in-toto-attestation 'securesystemslib[crypto]'";

/// `cargo vital ARGS` in `dir` at a fixed time (`SOURCE_DATE_EPOCH`).
fn vital_at(dir: &Path, args: &[&str]) -> Outcome {
    let output = command(env!("CARGO_BIN_EXE_cargo-vital"), dir)
        .arg("vital")
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1764907740")
        .output()
        .expect("cargo-vital runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `program args` in `dir`, which must succeed; its standard output.
fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = command(program, dir).args(args).output().unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Commits everything in `dir` in a new git repository with an `origin` whose URL
/// carries a credential (which no statement may repeat).
fn commit_all(dir: &Path) -> String {
    write_file(dir.join(".gitignore"), "/target/\n").unwrap();
    run(dir, "git", &["init", "--quiet", "--initial-branch=main"]);
    run(dir, "git", &["remote", "add", "origin", "https://ci:s3cret@example.com/acme/certified.git"]);
    run(dir, "git", &["add", "--all"]);
    run(
        dir,
        "git",
        &[
            "-c",
            "user.name=vital",
            "-c",
            "user.email=vital@example.com",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "-m",
            "certified",
        ],
    );
    run(dir, "git", &["rev-parse", "HEAD"]).trim().to_string()
}

/// The Python checks of `statement`: `validate`, or `sign-verify` into `work`.
fn python(check: &str, statement: &Path, work: &Path) -> Outcome {
    let ready = command("python3", work)
        .args(["-c", "import in_toto_attestation, securesystemslib.dsse, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ready,
        "the in-toto checks need Python packages: install them with `{INSTALL_PYTHON}` (cargo xtask test does)"
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/attestation.py");
    let output = command("python3", work)
        .arg(script)
        .arg(check)
        .arg(statement)
        .arg(work)
        .output()
        .expect("python3 runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The SHA-256 of a file, by Python's hashlib (not vital's code).
fn sha256(path: &Path) -> String {
    let code = "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())";
    run(Path::new("."), "python3", &["-c", code, path.to_str().unwrap()]).trim().to_string()
}

fn statement_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn certify_states_what_held_only_once_every_gate_holds_and_verify_recomputes_every_digest() {
    let dir = fixture("certify", "certify-pass");
    let head = commit_all(&dir);
    let statement_path = dir.join("target/vital/vital.intoto.json");
    let _ = std::fs::remove_file(&statement_path);
    let _ = std::fs::remove_dir_all(dir.join("target/vital/mutants"));

    let ran = vital(&dir, &["run"]);
    assert_eq!(ran.code, 0, "every gate holds: {ran:?}");

    // The essential tier demands a mutation score: no certificate without mutants.
    let unmeasured = vital_at(&dir, &["certify"]);
    assert_eq!(unmeasured.code, 1, "{unmeasured:?}");
    assert!(unmeasured.stderr.contains("not certified, nothing written"), "{unmeasured:?}");
    assert!(
        unmeasured.stderr.contains(
            "the tiers of `certified::parse_port` demand a mutation score: run `cargo vital mutants`"
        ),
        "{unmeasured:?}"
    );
    assert!(!statement_path.exists(), "nothing written");

    let mutants = vital(&dir, &["mutants"]);
    assert_eq!(mutants.code, 0, "every mutant is caught: {mutants:?}");

    std::fs::create_dir_all(dir.join("dist")).unwrap();
    write_file(dir.join("dist/certified.tar"), "an artifact built from the commit").unwrap();
    let certified = vital_at(&dir, &["certify", "--subject", "dist/certified.tar"]);
    assert_eq!(certified.code, 0, "{certified:?}");
    assert!(
        certified.stderr.contains(&format!("certified commit {}: 2 vital functions hold", &head[..12])),
        "{certified:?}"
    );
    let statement = statement_of(&statement_path);
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/verification_summary/v1");
    assert_eq!(statement["subject"][0]["uri"], "git+https://example.com/acme/certified.git", "no credential");
    assert_eq!(statement["subject"][0]["digest"]["gitCommit"], head);
    assert_eq!(statement["subject"][1]["name"], "dist/certified.tar");
    assert_eq!(statement["subject"][1]["digest"]["sha256"], sha256(&dir.join("dist/certified.tar")));
    let predicate = &statement["predicate"];
    assert_eq!(
        predicate["verifier"]["id"],
        format!("https://github.com/vital-rs/vital/cargo-vital@v{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(predicate["timeVerified"], "2025-12-05T04:09:00Z");
    assert_eq!(predicate["resourceUri"], format!("git+https://example.com/acme/certified.git@{head}"));
    assert_eq!(predicate["policy"]["uri"], "file:vital.toml");
    assert_eq!(predicate["policy"]["digest"]["sha256"], sha256(&dir.join("vital.toml")));
    assert_eq!(predicate["verificationResult"], "PASSED");
    assert_eq!(
        predicate["verifiedLevels"],
        serde_json::json!([
            "VITAL_COVERAGE_ESSENTIAL",
            "VITAL_COVERAGE_OPTIONAL",
            "VITAL_FAILURE_MODES",
            "VITAL_MUTATION"
        ])
    );
    let inputs: Vec<&str> = predicate["inputAttestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    for read in [
        "target/vital/coverage.json",
        "target/vital/coverage.sources.json",
        "target/vital/tests.jsonl",
        "target/vital/coverage.pertest/index.json",
        "target/vital/mutants/list.json",
    ] {
        assert!(inputs.contains(&read), "{read} in {inputs:?}");
    }
    assert!(inputs.iter().any(|i| i.ends_with("mutants.out/outcomes.json")), "{inputs:?}");
    assert!(inputs.iter().any(|i| i.starts_with("target/vital/coverage.pertest/")
        && i.ends_with(".json")
        && !i.ends_with("index.json")));
    assert!(inputs.iter().all(|i| !i.contains("/log/")), "cargo-mutants' logs are not evidence: {inputs:?}");
    for input in predicate["inputAttestations"].as_array().unwrap() {
        let name = input["name"].as_str().unwrap();
        assert_eq!(input["uri"], format!("file:{name}"));
        assert_eq!(input["digest"]["sha256"], sha256(&dir.join(name)), "{name}");
    }

    // The in-toto attestation framework's own validation, then DSSE offline.
    let work = dir.join("target/dsse");
    std::fs::create_dir_all(&work).unwrap();
    let valid = python("validate", &statement_path, &work);
    assert_eq!(valid.code, 0, "{valid:?}");
    assert_eq!(
        valid.stdout.trim(),
        "valid: PASSED VITAL_COVERAGE_ESSENTIAL VITAL_COVERAGE_OPTIONAL VITAL_FAILURE_MODES VITAL_MUTATION"
    );
    let signed = python("sign-verify", &statement_path, &work);
    assert_eq!(signed.code, 0, "{signed:?}");
    assert!(signed.stdout.contains("signed and verified: keyid "), "{signed:?}");
    assert!(signed.stdout.contains("a changed payload is refused\nanother key is refused"), "{signed:?}");
    let envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(work.join("statement.dsse.json")).unwrap()).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");

    // Verification: every digest recomputed; a changed evidence file is caught.
    let verified = vital(&dir, &["certify", "--verify", "target/vital/vital.intoto.json"]);
    assert_eq!(verified.code, 0, "{verified:?}");
    let digests = 2 + 1 + inputs.len();
    assert!(
        verified
            .stdout
            .contains(&format!("vital: all {digests} digests of target/vital/vital.intoto.json match")),
        "{verified:?}"
    );
    let results = dir.join("target/vital/tests.jsonl");
    let original = std::fs::read(&results).unwrap();
    write_file(&results, [original.as_slice(), b"\n"].concat()).unwrap();
    let changed = vital(&dir, &["certify", "--verify", "target/vital/vital.intoto.json"]);
    assert_eq!(changed.code, 1, "{changed:?}");
    assert!(
        changed.stdout.contains("CHANGED  input   sha256 target/vital/tests.jsonl: the statement says "),
        "{changed:?}"
    );
    assert!(changed.stdout.contains(&format!("vital: 1 of {digests} digests")), "{changed:?}");
    write_file(&results, &original).unwrap();
    let removed = dir.join("dist/certified.tar");
    std::fs::rename(&removed, dir.join("dist/moved.tar")).unwrap();
    let missing = vital(&dir, &["certify", "--verify", "target/vital/vital.intoto.json"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(missing.stdout.contains("MISMATCH subject sha256 dist/certified.tar: "), "{missing:?}");
    std::fs::rename(dir.join("dist/moved.tar"), &removed).unwrap();

    // The statement is never written over the evidence it names.
    let over = vital_at(&dir, &["certify", "--output", "target/vital/coverage.json"]);
    assert_eq!(over.code, 2, "{over:?}");
    assert!(over.stderr.contains("refusing to write the statement over it"), "{over:?}");

    // Uncommitted changes to tracked files: refused, unless allowed and said.
    write_file(dir.join("NOTES.md"), "changed after the commit\n").unwrap();
    let dirty = vital_at(&dir, &["certify"]);
    assert_eq!(dirty.code, 2, "{dirty:?}");
    assert!(dirty.stderr.contains("tracked files have uncommitted changes"), "{dirty:?}");
    assert!(dirty.stderr.contains("NOTES.md") && dirty.stderr.contains("--allow-dirty"), "{dirty:?}");
    let not_the_commit = vital(&dir, &["certify", "--verify", "target/vital/vital.intoto.json"]);
    assert_eq!(not_the_commit.code, 1, "{not_the_commit:?}");
    assert!(
        not_the_commit
            .stdout
            .contains("uncommitted changes to tracked files (NOTES.md): it is not the commit"),
        "{not_the_commit:?}"
    );
    let allowed = vital_at(&dir, &["certify", "--allow-dirty", "--output", "target/vital/dirty.intoto.json"]);
    assert_eq!(allowed.code, 0, "{allowed:?}");
    assert!(allowed.stderr.contains("with uncommitted changes"), "{allowed:?}");
    let dirty_statement = statement_of(&dir.join("target/vital/dirty.intoto.json"));
    assert_eq!(
        dirty_statement["subject"][0]["annotations"]["uncommittedChanges"],
        serde_json::json!(["NOTES.md"])
    );
    let verified = vital(&dir, &["certify", "--verify", "target/vital/dirty.intoto.json"]);
    assert_eq!(verified.code, 0, "{verified:?}");
}

#[test]
fn certify_writes_nothing_when_a_gate_fails_or_the_policy_is_not_committed() {
    let dir: PathBuf = fixture("certify", "certify-fail");
    std::fs::remove_file(dir.join("tests/empty.rs")).unwrap();
    let statement_path = dir.join("target/vital/vital.intoto.json");
    let _ = std::fs::remove_file(&statement_path);

    // Not committed (the copy lies in vital's own repository, which ignores it).
    let uncommitted = vital(&dir, &["certify"]);
    assert_eq!(uncommitted.code, 2, "{uncommitted:?}");
    assert!(uncommitted.stderr.contains("vital.toml: the catalogue is not committed"), "{uncommitted:?}");

    commit_all(&dir);
    let ran = vital(&dir, &["run"]);
    assert_eq!(ran.code, 1, "the `empty` mode has no test: {ran:?}");
    let refused = vital(&dir, &["certify"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("failure mode `empty` has no test"), "the diagnostic: {refused:?}");
    assert!(
        refused.stderr.contains("- `certified::parse_port` does not meet the essential tier"),
        "{refused:?}"
    );
    assert!(!statement_path.exists(), "nothing written");
    let options = vital(&dir, &["certify", "--static"]);
    assert_eq!(options.code, 2, "{options:?}");
    assert!(options.stderr.contains("`certify` does not take `--static`"), "{options:?}");
}
