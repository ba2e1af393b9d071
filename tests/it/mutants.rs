//! Mutation evidence: real cargo-mutants on the `gauge` fixture, whose vital
//! functions each end differently (caught, missed, timeout, unviable, an
//! acknowledged survivor, no mutant at all); results of vital's own run and of a
//! user's `cargo mutants` run, and results that must never pass (stale, partial,
//! foreign).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Outcome, command, fixture, vital, write_file};

/// The gauge fixture after `cargo vital run` and `cargo vital mutants`.
pub struct Mutated {
    pub dir: PathBuf,
    /// `cargo vital mutants --format json`.
    pub run: Outcome,
    pub report: Value,
}

impl Mutated {
    /// `cargo vital check --mutants target/vital/mutants` with another catalogue.
    fn check_with(&self, catalogue: &str, args: &[&str]) -> Outcome {
        let name = format!(
            "catalogue-{:x}.toml",
            catalogue.len() * 31 + catalogue.bytes().map(usize::from).sum::<usize>()
        );
        write_file(self.dir.join(&name), catalogue).unwrap();
        let mut all = vec!["check", "--catalogue", &name, "--mutants", "target/vital/mutants"];
        all.extend_from_slice(args);
        vital(&self.dir, &all)
    }

    fn catalogue(&self) -> String {
        std::fs::read_to_string(self.dir.join("vital.toml")).unwrap()
    }
}

/// A timeout of 5 s: the fixture's tests take milliseconds, and the one mutant that
/// loops forever costs this much.
const MINIMUM_TIMEOUT: &str = "5";

pub fn gauge() -> &'static Mutated {
    static GAUGE: OnceLock<Mutated> = OnceLock::new();
    GAUGE.get_or_init(|| {
        let dir = fixture("gauge", "gauge-shared");
        let run = vital(&dir, &["run", "--runner", "libtest", "--format", "json"]);
        assert_eq!(run.code, 0, "the gauge fixture is fully covered: {run:?}");
        let run = vital(&dir, &["mutants", "--minimum-timeout", MINIMUM_TIMEOUT, "--format", "json"]);
        assert_eq!(run.code, 1, "two functions fail their mutation tier: {run:?}");
        Mutated { report: run.json(), dir, run }
    })
}

/// A user's own `cargo mutants` run, of `discount`'s mutants only, in a copy of the
/// fixture: its `mutants.out` is `user/mutants.out`.
pub fn users_run() -> &'static PathBuf {
    static USER: OnceLock<PathBuf> = OnceLock::new();
    USER.get_or_init(|| {
        let dir = fixture("gauge", "gauge-user");
        let output = command("cargo", &dir)
            .args(["mutants", "-F", "discount", "--minimum-test-timeout", MINIMUM_TIMEOUT, "-o", "user"])
            .output()
            .expect("cargo mutants runs (install it with `cargo install cargo-mutants --locked`)");
        assert_eq!(
            output.status.code(),
            Some(2),
            "one missed mutant: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    })
}

fn function<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["functions"].as_array().unwrap().iter().find(|f| f["function"] == name).unwrap()
}

/// (caught, missed, timeout, unviable, acknowledged, untested, covered, total).
fn counts(f: &Value) -> [u64; 8] {
    let m = &f["mutants"];
    let n = |key: &str| m[key].as_u64().unwrap_or_else(|| panic!("no {key} in {m}"));
    [
        n("caught"),
        n("missed"),
        n("timeout"),
        n("unviable"),
        n("acknowledged"),
        n("untested"),
        m["score"]["covered"].as_u64().unwrap(),
        m["score"]["total"].as_u64().unwrap(),
    ]
}

#[test]
fn the_mutation_run_tests_the_vital_mutants_and_gates_each_score() {
    let gauge = gauge();
    let report = &gauge.report;
    assert_eq!(report["check"], "mutation");
    assert_eq!(counts(function(report, "gauge::is_adult")), [3, 0, 0, 0, 0, 0, 3, 3], "caught");
    assert_eq!(counts(function(report, "gauge::discount")), [6, 1, 0, 0, 0, 0, 6, 7], "missed");
    assert_eq!(counts(function(report, "gauge::count_up")), [6, 0, 1, 0, 0, 0, 6, 7], "timeout");
    assert_eq!(counts(function(report, "gauge::reading")), [2, 0, 0, 1, 0, 0, 2, 2], "unviable");
    assert_eq!(counts(function(report, "gauge::at_least")), [5, 0, 0, 0, 1, 0, 5, 5], "acknowledged");
    assert_eq!(counts(function(report, "gauge::Gauge::new")), [0; 8], "no mutant");
    let verdicts: Vec<&str> =
        report["functions"].as_array().unwrap().iter().map(|f| f["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["pass", "fail", "fail", "pass", "pass", "pass"]);

    let missed = &function(report, "gauge::discount")["mutants"]["missed_list"][0];
    assert_eq!(missed["name"], "src/lib.rs:11:14: replace > with >= in discount");
    assert_eq!((missed["line"].as_u64(), missed["column"].as_u64()), (Some(11), Some(14)));
    assert_eq!((missed["replacement"].as_str(), missed["original"].as_str()), (Some(">="), Some(">")));
    let reasons = &function(report, "gauge::discount")["reasons"];
    assert_eq!(reasons[1], "no test fails when `>` becomes `>=` at src/lib.rs:11:14");
    let acknowledged = &function(report, "gauge::at_least")["mutants"]["acknowledged_list"][0];
    assert_eq!(acknowledged["description"], "replace < with <= in at_least");
    assert_eq!(acknowledged["column"], 27, "characters: `≥` and `⇒` come before it on its line");
    assert_eq!(acknowledged["outcome"], "missed");

    // Only the binaries that reach each function ran, without a baseline: the
    // `cargo vital run` just before is one.
    let stderr = &gauge.run.stderr;
    assert!(stderr.contains("vital: 23 mutants of gauge::is_adult, gauge::discount, gauge::count_up, gauge::at_least with `--lib` (baseline skipped"), "{stderr}");
    assert!(
        stderr.contains("vital: 3 mutants of gauge::reading with `--test=readings` (baseline skipped"),
        "{stderr}"
    );
    let results = gauge.dir.join("target/vital/mutants");
    for file in ["list.json", "sources.json", "g1/mutants.out/outcomes.json", "g2/mutants.out/outcomes.json"]
    {
        assert!(results.join(file).is_file(), "{file}");
    }
    let leftovers: Vec<String> = std::fs::read_dir(gauge.dir.join("target/vital"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".mutants"))
        // Another test's `cargo vital` may be at work in the same directory: only the
        // files of a process that is gone are left over.
        .filter(|n| {
            let pid = n.split('.').find(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
            pid.is_none_or(|pid| !Path::new("/proc").join(pid).exists())
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Each mutant's outcome in cargo-mutants' `outcomes.json` at `path`, by name.
fn outcomes_by_name(path: &Path) -> std::collections::BTreeMap<String, String> {
    let outcomes: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mutants = outcomes["outcomes"].as_array().unwrap().iter().filter(|o| o["scenario"].is_object());
    mutants
        .map(|o| {
            (
                o["scenario"]["Mutant"]["name"].as_str().unwrap().to_string(),
                o["summary"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// vital's numbers are cargo-mutants' own: each group's outcomes.json, with its
/// survivors' outcomes when re-tested with the whole suite, adds up to them.
#[test]
fn the_numbers_agree_with_cargo_mutants_outcomes() {
    let gauge = gauge();
    let mut theirs = [0u64; 4];
    for group in ["g1", "g2"] {
        let dir = gauge.dir.join("target/vital/mutants").join(group);
        let first = std::fs::read_to_string(dir.join("mutants.out/outcomes.json")).unwrap();
        assert!(
            first.contains("\"outcomes\": [\n    {\n      \"scenario\": {"),
            "no baseline scenario: it was skipped"
        );
        let mut outcomes = outcomes_by_name(&dir.join("mutants.out/outcomes.json"));
        let confirmed = dir.join("confirmed/mutants.out/outcomes.json");
        if confirmed.is_file() {
            outcomes.extend(outcomes_by_name(&confirmed));
        }
        for (i, key) in ["CaughtMutant", "MissedMutant", "Timeout", "Unviable"].iter().enumerate() {
            theirs[i] += outcomes.values().filter(|s| s == key).count() as u64;
        }
    }
    // The survivors of `--lib` (one missed, one timeout; not the acknowledged one)
    // were re-tested with every test; `reading`'s group had none.
    let confirmed =
        outcomes_by_name(&gauge.dir.join("target/vital/mutants/g1/confirmed/mutants.out/outcomes.json"));
    let names: Vec<&str> = confirmed.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "src/lib.rs:11:14: replace > with >= in discount",
            "src/lib.rs:18:11: replace += with *= in count_up"
        ]
    );
    assert!(!gauge.dir.join("target/vital/mutants/g2/confirmed").exists());
    let mut ours = [0u64; 4];
    for f in gauge.report["functions"].as_array().unwrap() {
        let c = counts(f);
        // An acknowledged survivor is missed for cargo-mutants.
        ours[0] += c[0];
        ours[1] += c[1] + c[4];
        ours[2] += c[2];
        ours[3] += c[3];
    }
    assert_eq!(ours, theirs);
}

#[test]
fn every_format_says_the_surviving_mutant_where_it_is() {
    let gauge = gauge();
    let catalogue = gauge.catalogue();
    let human = gauge.check_with(&catalogue, &[]);
    assert_eq!(human.code, 1, "{human:?}");
    assert!(
        human.stdout.contains("   |              - no test fails when `>` becomes `>=` here"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("= note: mutation score 85.7% < 100% (6 of 7 mutants caught)"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("the tests time out when `+=` becomes `*=` here"), "{}", human.stdout);
    assert!(
        human.stdout.contains(
            "mutant = \"replace > with >= in discount\"\n           line = 1\n           column = 14"
        ),
        "{}",
        human.stdout
    );
    let row = human.stdout.lines().find(|l| l.starts_with("gauge::Gauge::new ")).unwrap();
    assert!(row.contains(" no mutants ") && row.ends_with("pass"), "{row}");

    let markdown = gauge.check_with(&catalogue, &["--format", "markdown"]).stdout;
    assert!(markdown.contains("| mutants |"), "{markdown}");
    assert!(markdown.contains("85.7% (6/7)"), "{markdown}");
    assert!(markdown.contains("- no test fails when `>` becomes `>=` at src/lib.rs:11:14"), "{markdown}");

    let github = gauge.check_with(&catalogue, &["--format", "github"]).stdout;
    assert!(github.contains("no test fails when `>` becomes `>=` at src/lib.rs:11:14"), "{github}");

    let junit = gauge.check_with(&catalogue, &["--format", "junit"]).stdout;
    assert!(junit.contains("no test fails when `&gt;` becomes `&gt;=` at src/lib.rs:11:14"), "{junit}");

    let sarif: Value =
        serde_json::from_str(&gauge.check_with(&catalogue, &["--format", "sarif"]).stdout).unwrap();
    crate::formats::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let missed =
        results.iter().find(|r| r["ruleId"] == "vital/mutant-missed").expect("a missed-mutant result");
    let region = &missed["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        [&region["startLine"], &region["startColumn"], &region["endLine"], &region["endColumn"]],
        [11, 14, 11, 15],
        "at the mutant"
    );
    assert!(results.iter().any(|r| r["ruleId"] == "vital/mutant-timeout"));
    assert!(results.iter().any(|r| r["ruleId"] == "vital/mutation-score"));
}

/// The human diagnostic points at the mutant by characters, with `≥` and `⇒` before
/// it on its line.
#[test]
fn a_surviving_mutant_after_non_ascii_text_is_pointed_at_exactly() {
    let gauge = gauge();
    let catalogue = gauge.catalogue();
    let start = catalogue.find("[[vital.survivors]]").unwrap();
    let end = start + catalogue[start..].find("[[vital]]").unwrap();
    let unpinned = format!("{}{}", &catalogue[..start], &catalogue[end..]);
    let out = gauge.check_with(&unpinned, &[]);
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines.iter().position(|l| l.contains("/* x ≥ lo ⇒ x */ if x < lo")).expect("the line");
    let marker = lines[at + 1];
    let column = marker.find('-').unwrap() - marker.find('|').unwrap() - 2;
    let source = lines[at].split_once("| ").unwrap().1;
    assert_eq!(source.chars().nth(column), Some('<'), "{}\n{}", lines[at], marker);
    assert!(marker.ends_with("no test fails when `<` becomes `<=` here"), "{marker}");
}

#[test]
fn timeouts_count_as_caught_where_the_tier_says_so() {
    let gauge = gauge();
    let catalogue =
        gauge.catalogue().replace("[tiers.critical]\n", "[tiers.critical]\ntimeouts = \"caught\"\n");
    let out = gauge.check_with(&catalogue, &["--format", "json"]);
    assert_eq!(out.code, 1, "`discount` still misses one: {out:?}");
    let count_up = function(&out.json(), "gauge::count_up").clone();
    assert_eq!(count_up["verdict"], "pass");
    assert_eq!(
        (&count_up["mutants"]["score"]["covered"], &count_up["mutants"]["timeout"]),
        (&7.into(), &1.into())
    );
}

/// A pin expires with the code: pinned at another line, it matches nothing.
#[test]
fn an_expired_pin_is_exit_2_naming_the_pin() {
    let gauge = gauge();
    let expired = gauge.catalogue().replace("line = 1\ncolumn = 27", "line = 2\ncolumn = 27");
    let out = gauge.check_with(&expired, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stdout.is_empty());
    let pin_line = expired.lines().position(|l| l.starts_with("mutant = \"replace < with <=")).unwrap() + 1;
    assert!(
        out.stderr.contains(&format!(
            ".toml:{pin_line}:10: the acknowledged survivor `replace < with <= in at_least` of `gauge::at_least` matches no mutant at line = 2, column = 27: the function has it at line = 1, column = 27"
        )),
        "{}",
        out.stderr
    );
}

/// A user's own `cargo mutants -F discount` run: read by span; `discount`'s numbers
/// are cargo-mutants' own and the same as vital's run; the vital functions it did
/// not test fail as untested.
#[test]
fn a_users_own_mutants_out_is_read_and_what_it_did_not_test_fails() {
    let dir = users_run();
    let out = vital(dir, &["check", "--mutants", "user/mutants.out", "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert_eq!(report["check"], "mutation", "no coverage in this copy: the mutation results alone");
    let outcomes: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("user/mutants.out/outcomes.json")).unwrap())
            .unwrap();
    let discount = function(&report, "gauge::discount");
    assert_eq!(
        (counts(discount)[0], counts(discount)[1]),
        (outcomes["caught"].as_u64().unwrap(), outcomes["missed"].as_u64().unwrap())
    );
    assert_eq!(
        discount["mutants"],
        function(&gauge().report, "gauge::discount")["mutants"],
        "the same outcome per mutant"
    );
    let is_adult = function(&report, "gauge::is_adult");
    assert_eq!(is_adult["verdict"], "fail");
    assert_eq!(
        is_adult["reasons"][0],
        "3 of its 3 mutants have no outcome in the mutation results (run `cargo vital mutants`)"
    );
    assert_eq!(function(&report, "gauge::Gauge::new")["verdict"], "pass", "no mutant to test");
    // The parent directory (cargo-mutants' `--output`) reads the same.
    let parent = vital(dir, &["check", "--mutants", "user", "--format", "json"]);
    assert_eq!(parent.json()["functions"], report["functions"]);
}

/// Without a `cargo vital run` of this source, vital runs the baseline itself
/// (every test package of the group, which cargo-mutants' own baseline would not);
/// tests failing on the unmutated source gate nothing: exit 1.
#[test]
fn without_a_coverage_run_the_baseline_runs_first_and_a_failing_one_gates_nothing() {
    let dir = fixture("gauge", "gauge-baseline");
    std::fs::write(
        dir.join("adult.toml"),
        "[[vital]]\nfunction = \"gauge::is_adult\"\ntier = \"critical\"\n",
    )
    .unwrap();
    let out = vital(&dir, &["mutants", "--catalogue", "adult.toml", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("vital: the baseline runs first (no `cargo vital run` recorded its tests)"),
        "{}",
        out.stderr
    );
    assert_eq!(counts(function(&out.json(), "gauge::is_adult")), [3, 0, 0, 0, 0, 0, 3, 3]);
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(&lib, text.replace("assert!(!is_adult(17));", "assert!(is_adult(17));")).unwrap();
    let out = vital(&dir, &["mutants", "--catalogue", "adult.toml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("error: the tests fail on the unmutated source, so no mutant was tested (see "),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

/// Shards of one run merge: `--mutants` takes several directories; one shard alone
/// leaves the other's mutants untested.
#[test]
fn the_shards_of_a_run_merge_and_one_alone_is_partial() {
    let dir = fixture("gauge", "gauge-shards");
    for shard in ["0/2", "1/2"] {
        let out = format!("shard{}", &shard[..1]);
        let output = command("cargo", &dir)
            .args([
                "mutants",
                "-F",
                "discount",
                "--minimum-test-timeout",
                MINIMUM_TIMEOUT,
                "--shard",
                shard,
                "-o",
                &out,
            ])
            .output()
            .expect("cargo mutants runs (install it with `cargo install cargo-mutants --locked`)");
        assert!(matches!(output.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let both = vital(&dir, &["check", "--mutants", "shard0", "shard1", "--format", "json"]);
    let discount = function(&both.json(), "gauge::discount").clone();
    assert_eq!(discount["mutants"], function(&gauge().report, "gauge::discount")["mutants"]);
    let one = vital(&dir, &["check", "--mutants", "shard0", "--format", "json"]);
    let discount = function(&one.json(), "gauge::discount").clone();
    assert_eq!(discount["verdict"], "fail");
    assert!(discount["mutants"]["untested"].as_u64().unwrap() > 0, "{discount:#}");
}

/// Results older than the source never pass: an edited file is exit 2, whether the
/// results carry vital's stamp or only cargo-mutants' diffs.
#[test]
fn results_older_than_the_source_are_exit_2() {
    let gauge = gauge();
    let user = users_run();
    let dir = fixture("gauge", "gauge-stale");
    copy_dir(&gauge.dir.join("target/vital/mutants"), &dir.join("vital-mutants"));
    copy_dir(&user.join("user/mutants.out"), &dir.join("user/mutants.out"));
    let lib = dir.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    write_file(&lib, text.replace("if total > 100 {", "if total > 99 {")).unwrap();
    let out = vital(&dir, &["check", "--mutants", "vital-mutants"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("src/lib.rs: the mutation results are older than the source: src/lib.rs changed since they were made"), "{}", out.stderr);
    let out = vital(&dir, &["check", "--mutants", "user/mutants.out"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("(in user/mutants.out) was made from other source: line 11 differs"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.starts_with("error: src/lib.rs:11:1: `src/lib.rs:11:"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // A line added above shifts every mutant.
    write_file(&lib, format!("// a new first line\n{text}")).unwrap();
    let out = vital(&dir, &["check", "--mutants", "user/mutants.out"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("was made from other source"), "{}", out.stderr);
}

/// An interrupted cargo-mutants run leaves `end_time: null`: exit 2.
#[cfg(unix)]
#[test]
fn a_partial_run_is_exit_2() {
    let dir = fixture("gauge", "gauge-partial");
    let outcomes = dir.join("partial/mutants.out/outcomes.json");
    // `count_up`'s last mutant loops until the 60 s timeout: there is time to interrupt.
    let mut child = command("cargo", &dir)
        .args(["mutants", "-F", "count_up", "--baseline", "skip", "-t", "60", "-o", "partial"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cargo mutants runs");
    let start = Instant::now();
    loop {
        let tested = std::fs::read_to_string(&outcomes)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .map_or(0, |o| o["outcomes"].as_array().map_or(0, Vec::len));
        if tested > 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no outcome after a minute");
        std::thread::sleep(Duration::from_millis(100));
    }
    let interrupt = command("kill", &dir).args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupt.success());
    let _ = child.wait();
    let out = vital(&dir, &["check", "--mutants", "partial"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("outcomes.json: the cargo-mutants run did not finish (`end_time` is null;"),
        "{}",
        out.stderr
    );
}

/// Results of another workspace: where they name a vital function's file, that
/// file's text is not theirs (exit 2); elsewhere nothing of them is in a vital
/// function, whose mutants stay untested: the gate fails and says why.
#[test]
fn results_of_another_workspace_never_pass() {
    let user = users_run();
    let dir = fixture("shapes", "shapes-foreign");
    let results = user.join("user/mutants.out");
    let results = results.to_str().unwrap();
    // `shapes::legacy_format` is in shapes' src/lib.rs, where gauge's mutants are too.
    let out = vital(&dir, &["check", "--mutants", results]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("was made from other source"), "{}", out.stderr);
    let catalogue = std::fs::read_to_string(dir.join("vital.toml")).unwrap();
    let without_lib = catalogue
        .split("[[vital]]")
        .filter(|e| !e.contains("legacy_format"))
        .collect::<Vec<_>>()
        .join("[[vital]]");
    write_file(dir.join("other.toml"), without_lib).unwrap();
    let out = vital(&dir, &["check", "--catalogue", "other.toml", "--mutants", results, "--format", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let report = out.json();
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("tested mutants is in a vital function")),
        "{report:#}"
    );
    let untested = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["mutants"]["untested"].as_u64() > Some(0));
    assert!(untested.count() > 0, "{report:#}");
}

#[test]
fn a_missing_cargo_mutants_is_exit_2_with_the_install_command() {
    let dir = fixture("gauge", "gauge-notools");
    let sysroot = command("rustc", &dir).args(["--print", "sysroot"]).output().unwrap();
    let bin = Path::new(String::from_utf8(sysroot.stdout).unwrap().trim()).join("bin");
    let empty_home = dir.join("empty-cargo-home");
    std::fs::create_dir_all(&empty_home).unwrap();
    for args in [&["vital", "mutants"][..], &["vital", "check", "--mutants", "."]] {
        let output = command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
            .args(args)
            .env("PATH", &bin)
            .env("CARGO_HOME", &empty_home)
            .env("CARGO", bin.join("cargo"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cargo-mutants is not installed"), "{stderr}");
        assert!(stderr.contains("install it with `cargo install cargo-mutants --locked`"), "{stderr}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
