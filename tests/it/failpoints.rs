//! Failpoints (SPEC §9) on the `failpoints` fixture — a store with real `fail` 0.5
//! failpoints behind a `failpoints` feature and a failpoints test target — under
//! real runs: which passing test fired which failpoint, a mode pinned to one, the
//! one-argument form, and `cargo vital chaos` on the store and on a broken one.

use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Outcome, command, fixture, vital, write_file};

struct Run {
    dir: std::path::PathBuf,
    run: Outcome,
}

/// The fixture after `cargo vital run --runner RUNNER --format json`.
fn run_with(runner: &str) -> Run {
    let dir = fixture("failpoints", &format!("failpoints-{runner}"));
    let run = vital(&dir, &["run", "--runner", runner, "--format", "json"]);
    assert_eq!(run.code, 1, "`store::sync` is never fired: {run:?}");
    Run { dir, run }
}

fn libtest() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run_with("libtest"))
}

fn nextest() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| run_with("nextest"))
}

fn function<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["functions"].as_array().unwrap().iter().find(|f| f["function"] == name).unwrap()
}

/// (name, line, status, tests) of each failpoint of a function.
fn failpoints(f: &Value) -> Vec<(String, u64, String, Vec<String>)> {
    f["failpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fp| {
            (
                fp["name"].as_str().unwrap().to_string(),
                fp["line"].as_u64().unwrap(),
                fp["status"].as_str().unwrap().to_string(),
                fp["tests"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect(),
            )
        })
        .collect()
}

fn assert_failpoints(report: &Value) {
    let write = function(report, "store::write_atomic");
    let tests = |names: &[&str]| names.iter().map(|n| format!("failpoints::{n}")).collect::<Vec<_>>();
    assert_eq!(
        failpoints(write),
        [
            (
                "store::write".to_string(),
                12,
                "fired".to_string(),
                tests(&["write_atomic_disk_full", "write_atomic_partial_write"])
            ),
            ("store::sync".to_string(), 14, "never_fired".to_string(), Vec::new()),
            ("store::rename".to_string(), 16, "fired".to_string(), tests(&["write_atomic_interrupted"])),
        ],
        "{write:#}"
    );
    let reasons: Vec<&str> =
        write["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(reasons.contains(&"no test fires failpoint `store::sync` (src/lib.rs:14)"), "{reasons:?}");
    let modes: Vec<(&str, &str)> = write["failure_modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["mode"].as_str().unwrap(), m["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        modes,
        [
            ("empty", "passed"),
            ("disk_full", "passed"),
            ("interrupted", "passed"),
            ("partial_write", "hollow")
        ]
    );
    let exists = function(report, "store::exists");
    assert_eq!(failpoints(exists), [("store::exists".to_string(), 23, "unknown".to_string(), Vec::new())]);
    assert_eq!(exists["findings"][0]["kind"], "failpoint_unknown", "{exists:#}");
}

#[test]
fn which_passing_test_fired_which_failpoint_under_libtest() {
    assert_failpoints(&libtest().run.json());
}

/// The same coverage without its per-test evidence (carried elsewhere, and not
/// given): a failpoint the suite fired is not proven fired by a passing test, so
/// it is `unknown` and fails the function; none reads as fired.
#[test]
fn without_per_test_evidence_no_failpoint_counts_as_fired() {
    let run = libtest();
    let away = run.dir.join("away");
    let _ = std::fs::remove_dir_all(&away);
    std::fs::create_dir_all(&away).unwrap();
    for file in ["coverage.json", "coverage.sources.json", "tests.jsonl"] {
        std::fs::copy(run.dir.join("target/vital").join(file), away.join(file)).unwrap();
    }
    let out = vital(
        &run.dir,
        &["check", "--coverage", "away/coverage.json", "--tests", "away/tests.jsonl", "--format", "json"],
    );
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    let write = function(&report, "store::write_atomic");
    assert_eq!(write["verdict"], "fail", "{write:#}");
    let statuses: Vec<(String, String)> =
        failpoints(write).into_iter().map(|(name, _, status, _)| (name, status)).collect();
    assert_eq!(
        statuses,
        [
            ("store::write".to_string(), "unknown".to_string()),
            ("store::sync".to_string(), "never_fired".to_string()),
            ("store::rename".to_string(), "unknown".to_string()),
        ],
        "{write:#}"
    );
    let text = write.to_string();
    assert!(text.contains("no per-test evidence says which one passed"), "{text}");
}

#[test]
fn which_passing_test_fired_which_failpoint_under_nextest() {
    assert_failpoints(&nextest().run.json());
}

/// The run turned the package's `failpoints` feature on by itself: the failpoint
/// test target, which requires it, ran.
#[test]
fn the_run_turns_the_failpoints_feature_on() {
    let report = libtest().run.json();
    assert_eq!(report["tests"]["passed"], 5, "{:#}", report["tests"]);
    let settings: Value = serde_json::from_str(
        &std::fs::read_to_string(libtest().dir.join("target/vital/coverage.run.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(settings["features"], serde_json::json!(["store/failpoints"]));
}

#[test]
fn the_human_report_names_the_failpoint_and_the_mode_that_does_not_fire_it() {
    let out = vital(&libtest().dir, &["check"]);
    assert_eq!(out.code, 1, "{out:?}");
    for expected in [
        "= note: no test fires failpoint `store::sync` (src/lib.rs:14)",
        "failure mode `partial_write`: test `failpoints::write_atomic_partial_write` (tests/failpoints.rs:38) \
         does not count: hollow, it passed but never fired failpoint `store::sync`, which the mode is pinned to",
        "failpoint `store::exists` (src/lib.rs:23) cannot be seen firing: it has no closure of its own",
    ] {
        assert!(out.stdout.contains(expected), "missing {expected:?} in\n{}", out.stdout);
    }
}

/// `failpoints = "declared"` gates only the pinned failpoints; `"none"` none (the
/// pinned mode still needs its failpoint fired).
#[test]
fn the_tier_key_says_which_failpoints_gate() {
    let run = libtest();
    let catalogue = std::fs::read_to_string(run.dir.join("vital.toml")).unwrap();
    for (rule, sync_gates, exists_gates) in [("declared", true, false), ("none", false, false)] {
        let name = format!("fp-{rule}.toml");
        write_file(
            run.dir.join(&name),
            catalogue.replace("failpoints = \"all\"", &format!("failpoints = \"{rule}\"")),
        )
        .unwrap();
        let report = vital(&run.dir, &["check", "--catalogue", &name, "--format", "json"]).json();
        let kinds = |f: &Value| -> Vec<String> {
            f["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kind"].as_str().unwrap().to_string())
                .collect()
        };
        let write = kinds(function(&report, "store::write_atomic"));
        assert_eq!(write.contains(&"failpoint_never_fired".to_string()), sync_gates, "{rule}: {write:?}");
        assert!(
            write.contains(&"failure_mode".to_string()),
            "{rule}: the pinned mode stays hollow: {write:?}"
        );
        let exists = kinds(function(&report, "store::exists"));
        assert_eq!(exists.contains(&"failpoint_unknown".to_string()), exists_gates, "{rule}: {exists:?}");
        assert_eq!(function(&report, "store::write_atomic")["failpoints"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn a_mode_pinned_to_a_failpoint_the_function_lacks_is_exit_2() {
    let run = libtest();
    let catalogue = std::fs::read_to_string(run.dir.join("vital.toml")).unwrap();
    write_file(
        run.dir.join("pin.toml"),
        catalogue.replace("partial_write = \"store::sync\"", "partial_write = \"store::fsync\""),
    )
    .unwrap();
    let out = vital(&run.dir, &["check", "--catalogue", "pin.toml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "failure mode `partial_write` is pinned to failpoint `store::fsync`, which `store::write_atomic`"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("its failpoints are `store::write`, `store::sync`, `store::rename`"),
        "{}",
        out.stderr
    );
}

/// The store keeps its invariant whatever fails: every round passes, and every
/// failpoint fired in some round.
#[test]
fn chaos_passes_on_the_store_and_counts_what_fired() {
    let dir = fixture("failpoints", "failpoints-chaos");
    let out = vital(&dir, &["chaos", "--rounds", "12", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = out.json();
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["rounds_run"], 9 + 12, "a sweep of 3 failpoints × 3 hits, then 12 random rounds");
    assert_eq!(report["tests"], serde_json::json!(["failpoints::write_atomic_chaos"]));
    for fp in report["failpoints"].as_array().unwrap() {
        assert!(fp["armed"].as_u64().unwrap() >= 3, "{fp}");
        assert!(fp["fired"].as_u64().unwrap() >= 1, "{fp}");
    }
    assert_eq!(report["failures"], serde_json::json!([]));
    let unarmed = report["unarmed"].as_array().unwrap();
    assert!(
        unarmed[0].as_str().unwrap().starts_with("`store::exists` (src/lib.rs:23): the one-argument form"),
        "{unarmed:?}"
    );
    let markdown = vital(&dir, &["chaos", "--rounds", "0", "--format", "markdown"]);
    assert_eq!(markdown.code, 0, "{markdown:?}");
    assert!(
        markdown.stdout.contains("| `store::write` | `store::write_atomic` | 3 |"),
        "{}",
        markdown.stdout
    );
}

/// The store written in place leaves half a file when a write fails: the sweep
/// catches it, and the printed command replays the failure exactly.
#[test]
fn chaos_catches_the_broken_store_with_a_setting_that_replays_it() {
    let dir = fixture("failpoints", "failpoints-broken");
    std::fs::copy(dir.join("broken/lib.rs"), dir.join("src/lib.rs")).unwrap();
    let out = vital(&dir, &["chaos", "--rounds", "5", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert_eq!(report["verdict"], "fail");
    let failures = report["failures"].as_array().unwrap();
    let first = &failures[0];
    assert_eq!((first["round"].as_u64(), first["kind"].as_str()), (Some(1), Some("sweep")), "{first:#}");
    assert_eq!(first["failpoints"], "store::write=1*return");
    assert_eq!(first["fired"], serde_json::json!(["store::write"]));
    assert!(
        first["output"].as_str().unwrap().contains("a failed write (injected: disk full) left"),
        "{first:#}"
    );
    let replay = first["replay"].as_str().unwrap();
    assert_eq!(
        replay,
        "FAILPOINTS='store::write=1*return' cargo test -p store --test failpoints --features store/failpoints \
         -- --exact write_atomic_chaos"
    );
    // The replay, as a user would paste it: it fails the same way.
    let replayed = command("sh", &dir).args(["-c", replay]).output().unwrap();
    assert!(!replayed.status.success());
    assert!(String::from_utf8_lossy(&replayed.stdout).contains("a failed write (injected: disk full) left"));
    let human = vital(&dir, &["chaos", "--rounds", "0"]);
    assert!(human.stdout.contains("error: chaos round 1 (sweep): `failpoints::write_atomic_chaos` failed with failpoints store::write=1*return"), "{}", human.stdout);
    assert!(human.stdout.contains(&format!("= help: replay it: {replay}")), "{}", human.stdout);
}

#[test]
fn chaos_without_a_chaos_test_is_exit_2_naming_the_test_to_add() {
    let dir = &libtest().dir;
    let catalogue = std::fs::read_to_string(dir.join("vital.toml")).unwrap();
    write_file(
        dir.join("storm.toml"),
        format!("[conventions]\nchaos_test = [\"{{fn}}_storm\"]\n\n{catalogue}"),
    )
    .unwrap();
    let out = vital(dir, &["chaos", "--catalogue", "storm.toml"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("no chaos test to run"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("`store::write_atomic` has failpoints and no chaos test: add `write_atomic_storm`"),
        "{}",
        out.stderr
    );
}
