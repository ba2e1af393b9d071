//! Scale (issue 14) on the `monorepo` fixture: vital reads the crates that can
//! matter to the catalogue — the vital function's, those whose tests link it, those
//! their tests link — and not the independent `island`; it remembers what it read in
//! `target/vital/scan-cache/`, parses again what changed, never trusts a damaged
//! cache, and concurrent checks share it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Outcome, command, fixture, vital};

/// What `-v` says was read: (packages line, parsed, from the cache).
fn what_was_read(outcome: &Outcome) -> (String, usize, usize) {
    let line = outcome
        .stderr
        .lines()
        .find(|l| l.starts_with("vital: read "))
        .unwrap_or_else(|| panic!("-v says what was read: {outcome:?}"));
    let number = |before: &str| -> usize {
        let at = line.find(before).unwrap_or_else(|| panic!("`{before}` in {line}"));
        line[..at].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let packages = line[..line.find("): ").unwrap() + 1].to_string();
    (packages, number(" parsed"), number(" from the scan cache"))
}

/// Each failure mode of the one function: (mode, test, status).
fn modes(report: &Value) -> Vec<(String, String, String)> {
    report["functions"][0]["failure_modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = |k: &str| m[k].as_str().unwrap_or("-").to_string();
            (text("mode"), text("test"), text("status"))
        })
        .collect()
}

fn cache_dir(dir: &Path) -> PathBuf {
    dir.join("target/vital/scan-cache")
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(cache_dir(dir)).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn static_check(dir: &Path) -> Outcome {
    vital(dir, &["check", "--static", "-v", "--format", "json"])
}

const STATIC_MODES: [(&str, &str, &str); 3] = [
    ("empty", "store::tests::write_empty", "unverified"),
    ("disk_full", "flows::write_disk_full", "unverified"),
    ("too_large", "flows::write_too_large", "unverified"),
];

fn expected(modes: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    modes.iter().map(|(m, t, s)| (m.to_string(), t.to_string(), s.to_string())).collect()
}

#[test]
fn tests_of_dependent_crates_are_found_and_the_independent_crate_is_not_read() {
    let dir = fixture("monorepo", "monorepo-scope");
    let check = static_check(&dir);
    assert_eq!(check.code, 0, "{check:?}");
    let (packages, _, _) = what_was_read(&check);
    assert_eq!(packages, "vital: read 3 of 4 packages (app, kit, store)");
    let report = check.json();
    // `too_large`'s test reaches the function through `kit::exercise`, generic
    // code of a crate the function's crate depends on.
    assert_eq!(modes(&report), expected(&STATIC_MODES));
    // Read, `island`'s module file would be a warning: it does not parse.
    assert_eq!(report["warnings"], serde_json::json!([]), "{check:?}");

    // A catalogue that names `island` reads it, and says so.
    std::fs::write(dir.join("island.toml"), "[[vital]]\nfunction = \"island::write\"\ntier = \"optional\"\n")
        .unwrap();
    let island = vital(&dir, &["check", "--static", "-v", "--catalogue", "island.toml", "--format", "json"]);
    assert_eq!(what_was_read(&island).0, "vital: read 1 of 4 packages (island)", "{island:?}");
    assert!(island.json()["warnings"][0].as_str().unwrap().contains("island/src/broken.rs"), "{island:?}");

    // A misspelt crate reads everything and suggests the crate, as before.
    std::fs::write(
        dir.join("typo.toml"),
        "[[vital]]\nfunction = \"stor::Store::write\"\ntier = \"optional\"\n",
    )
    .unwrap();
    let typo = vital(&dir, &["check", "--static", "--catalogue", "typo.toml"]);
    assert_eq!(typo.code, 2, "{typo:?}");
    assert!(typo.stderr.contains("did you mean `store`?"), "{typo:?}");
    assert!(typo.stderr.contains("app, island, kit, store"), "{typo:?}");

    // The inventory looks at every crate, not only those the catalogue's check reads;
    // the catalogued function is left out.
    let inventory = vital(&dir, &["inventory", "--format", "json"]);
    assert_eq!(inventory.code, 0, "{inventory:?}");
    let found = inventory.json();
    let listed: Vec<&str> =
        found["candidates"].as_array().unwrap().iter().map(|c| c["function"].as_str().unwrap()).collect();
    assert!(listed.contains(&"island::save"), "{listed:?}");
    assert!(!listed.contains(&"store::Store::write"), "{listed:?}");
}

/// Warm, nothing is parsed; an edit is parsed again, alone, and what it says now is
/// what the check reports; an edit undone, the same.
#[test]
fn the_scan_cache_is_used_and_an_edit_invalidates_its_file() {
    let dir = fixture("monorepo", "monorepo-cache-edit");
    let _ = std::fs::remove_dir_all(cache_dir(&dir));
    let cold = static_check(&dir);
    let (_, parsed, cached) = what_was_read(&cold);
    assert!(parsed >= 4 && cached == 0, "{cold:?}");
    let warm = static_check(&dir);
    let (_, warm_parsed, warm_cached) = what_was_read(&warm);
    assert_eq!((warm_parsed, warm_cached), (0, parsed), "{warm:?}");
    assert_eq!(warm.stdout, cold.stdout);

    // The disk_full test stops asserting: it is hollow now, and only its file is parsed.
    let flows = dir.join("app/tests/flows.rs");
    let original = std::fs::read_to_string(&flows).unwrap();
    std::fs::write(
        &flows,
        original.replace(
            "app::save(&mut store, b\"full\").unwrap();",
            "let _ = app::save(&mut store, b\"full\");",
        ),
    )
    .unwrap();
    let edited = static_check(&dir);
    assert_eq!(what_was_read(&edited).1, 1, "{edited:?}");
    assert_eq!(edited.code, 1, "{edited:?}");
    let hollow = &modes(&edited.json())[1];
    assert_eq!((hollow.0.as_str(), hollow.2.as_str()), ("disk_full", "hollow"), "{edited:?}");

    std::fs::write(&flows, original).unwrap();
    let restored = static_check(&dir);
    assert_eq!(what_was_read(&restored).1, 1, "{restored:?}");
    assert_eq!(restored.stdout, cold.stdout);
}

/// Damaged cache files — garbage, cut short, one byte changed, empty — are ignored
/// (every file is parsed, the report is the same) and written anew.
#[test]
fn a_corrupt_scan_cache_is_ignored_and_rewritten() {
    let dir = fixture("monorepo", "monorepo-cache-corrupt");
    let _ = std::fs::remove_dir_all(cache_dir(&dir));
    let cold = static_check(&dir);
    let (_, all, _) = what_was_read(&cold);
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("garbage", |b| *b = b"\x00garbage\xff".to_vec()),
        ("cut short", |b| b.truncate(b.len() * 2 / 3)),
        ("one byte changed", |b| {
            let at = b.len() - 10;
            b[at] ^= 1;
        }),
        ("empty", Vec::clear),
    ];
    for (what, damage) in damages {
        for file in cache_files(&dir) {
            let mut bytes = std::fs::read(&file).unwrap();
            damage(&mut bytes);
            std::fs::write(&file, bytes).unwrap();
        }
        let check = static_check(&dir);
        assert_eq!(check.code, 0, "{what}: {check:?}");
        assert_eq!(what_was_read(&check).1, all, "{what}: every file is parsed again: {check:?}");
        assert_eq!(check.stdout, cold.stdout, "{what}");
        let after = static_check(&dir);
        assert_eq!(what_was_read(&after).2, all, "{what}: the cache was written anew: {after:?}");
    }
}

/// Checks started together share one cache: each reports the same, the cache they
/// leave is whole, and no temporary file stays behind.
#[test]
fn concurrent_checks_share_the_scan_cache_safely() {
    let dir = fixture("monorepo", "monorepo-cache-concurrent");
    let flows = dir.join("app/tests/flows.rs");
    let original = std::fs::read_to_string(&flows).unwrap();
    for round in 0..3 {
        // Each round starts from another state: no cache, then one file edited.
        if round == 0 {
            let _ = std::fs::remove_dir_all(cache_dir(&dir));
        } else {
            std::fs::write(&flows, format!("{original}\n// round {round}\n")).unwrap();
        }
        let children: Vec<std::process::Child> = (0..4)
            .map(|_| {
                command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
                    .args(["vital", "check", "--static", "--format", "json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                output.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let report: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(modes(&report), expected(&STATIC_MODES), "round {round}");
        }
        let after = static_check(&dir);
        assert_eq!(what_was_read(&after).1, 0, "round {round}: the cache left is whole: {after:?}");
        let names: Vec<String> =
            cache_files(&dir).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert!(
            names.iter().all(|n| n.ends_with(".cache") && !n.starts_with('.')),
            "round {round}: {names:?}"
        );
        assert_eq!(names.len(), 3, "one file per package read: {names:?}");
    }
}

/// The whole run: coverage of every test, each failure-mode test run alone, the
/// check on the narrowed read. The tests of the dependent crate ran the function;
/// the stamp covers every source file, `island`'s too.
#[test]
fn run_proves_the_modes_tested_in_dependent_crates() {
    let dir = fixture("monorepo", "monorepo-run");
    let run = vital(&dir, &["run", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let proven: Vec<(String, String, String)> = report["functions"][0]["failure_modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["mode"].as_str().unwrap().into(), m["status"].as_str().unwrap().into(), m["ran"].to_string())
        })
        .collect();
    let expected: Vec<(String, String, String)> = ["empty", "disk_full", "too_large"]
        .iter()
        .map(|m| (m.to_string(), "passed".to_string(), "true".to_string()))
        .collect();
    assert_eq!(proven, expected, "{run:?}");
    let stamp: Value =
        serde_json::from_slice(&std::fs::read(dir.join("target/vital/coverage.sources.json")).unwrap())
            .unwrap();
    assert!(stamp["files"]["island/src/lib.rs"].is_string(), "{stamp}");
    assert!(stamp["files"]["store/src/lib.rs"].is_string(), "{stamp}");
}

/// The scan starts on the workspace the last run saw, before `cargo metadata`
/// answers (`target/vital/workspace.json`): a member added since is read all the
/// same, its test found — the early scan, of another workspace, is dropped.
#[test]
fn a_member_added_since_the_last_run_is_read() {
    let dir = fixture("monorepo", "monorepo-new-member");
    let catalogue = std::fs::read_to_string(dir.join("vital.toml")).unwrap();
    std::fs::write(
        dir.join("vital.toml"),
        catalogue.replace("\"too_large\"]", "\"too_large\", \"boundary\"]"),
    )
    .unwrap();
    let before = static_check(&dir);
    assert_eq!(before.code, 1, "`boundary` has no test yet: {before:?}");
    assert!(dir.join("target/vital/workspace.json").is_file());
    // A new member, whose tests link `store`, with the test of `boundary`.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest.replace("\"island\"]", "\"island\", \"extra\"]"))
        .unwrap();
    std::fs::create_dir_all(dir.join("extra/src")).unwrap();
    std::fs::create_dir_all(dir.join("extra/tests")).unwrap();
    std::fs::write(
        dir.join("extra/Cargo.toml"),
        "[package]\nname = \"extra\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dev-dependencies]\nstore = { path = \"../store\" }\n",
    )
    .unwrap();
    std::fs::write(dir.join("extra/src/lib.rs"), "").unwrap();
    std::fs::write(
        dir.join("extra/tests/edges.rs"),
        "#[test]\nfn write_boundary() {\n    assert!(store::Store::default().write(&[0; 8]).is_ok());\n}\n",
    )
    .unwrap();
    let after = static_check(&dir);
    assert_eq!(after.code, 0, "{after:?}");
    assert_eq!(what_was_read(&after).0, "vital: read 4 of 5 packages (app, extra, kit, store)", "{after:?}");
    let boundary = &modes(&after.json())[3];
    assert_eq!(
        boundary,
        &("boundary".to_string(), "edges::write_boundary".to_string(), "unverified".to_string())
    );
}
