//! Names users write in `vital.toml` that must resolve, on the `names` fixture under
//! a real coverage run: a function nested in a method, generic trait impls, generic
//! arguments on types, an impl inside a function body, `#[cfg]` twins, a generated
//! function, an identifier in NFD.

use std::sync::OnceLock;

use crate::support::{Outcome, fixture, vital, write_file};

struct Names {
    dir: std::path::PathBuf,
}

/// The fixture after one `cargo vital run` (its own catalogue is written here).
fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let dir = fixture("names", "names-shared");
        write_file(dir.join("vital.toml"), ALL).unwrap();
        let run = vital(&dir, &["run", "--runner", "libtest", "--format", "json"]);
        assert_eq!(run.code, 0, "{run:?}");
        Names { dir }
    })
}

fn check(catalogue: &str, extra: &[&str]) -> Outcome {
    let dir = &names().dir;
    let name = format!(
        "c{:x}.toml",
        catalogue.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
    );
    write_file(dir.join(&name), catalogue).unwrap();
    let mut args = vec!["check", "--catalogue", name.as_str()];
    args.extend_from_slice(extra);
    vital(dir, &args)
}

fn entry(function: &str) -> String {
    format!("[[vital]]\nfunction = \"{function}\"\ntier = \"optional\"\n")
}

const ALL: &str = r#"# The names are the point here, not the failure-mode categories.
[tiers.critical]
categories = []

[[vital]]
function = "names::Jitter::time::lfsr"
tier = "critical"

[[vital]]
function = "<names::Bytes as From<Vec<u8>>>::from"
tier = "critical"

[[vital]]
function = "<names::Bytes as From<&'static str>>::from"
tier = "critical"

[[vital]]
function = "names::Chain<T, U>::first"
tier = "critical"

[[vital]]
function = "names::Jitter::<F>::new"
tier = "critical"

[[vital]]
function = "names::outer::Inner::inner"
tier = "critical"

[[vital]]
function = "names::imp::sys"
file = "src/imp_unix.rs"
tier = "critical"

[[vital]]
function = "names::café"
tier = "critical"
"#;

#[test]
fn every_name_resolves_and_its_fresh_coverage_is_accepted() {
    let out = vital(&names().dir, &["check", "--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = out.json();
    let resolved: Vec<&str> =
        report["functions"].as_array().unwrap().iter().map(|f| f["resolved"].as_str().unwrap()).collect();
    assert_eq!(
        resolved,
        [
            "names::Jitter::time::lfsr",
            "names::Bytes::from",
            "names::Bytes::from",
            "names::Chain::first",
            "names::Jitter::new",
            "names::outer::Inner::inner",
            "names::imp::sys",
            "names::café",
        ]
    );
    let files: Vec<(&str, u64)> = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(files[1], ("src/lib.rs", 30), "the `From<Vec<u8>>` impl");
    assert_eq!(files[2], ("src/lib.rs", 42), "the `From<&'static str>` impl");
    assert_eq!(files[6], ("src/imp_unix.rs", 1));
}

#[test]
fn an_identifier_in_nfd_names_the_nfc_function() {
    let out = check(&entry("names::caf\u{65}\u{301}"), &["--format", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["functions"][0]["resolved"], "names::café");
}

#[test]
fn several_impls_of_one_generic_trait_are_told_apart_and_each_suggestion_works() {
    let out = check(&entry("names::Bytes::from"), &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("`names::Bytes::from` names 3 functions"), "{}", out.stderr);
    let mut suggestions: Vec<String> = out
        .stderr
        .split('`')
        .filter(|s| s.starts_with("<names::Bytes as From<"))
        .map(str::to_string)
        .collect();
    suggestions.sort();
    assert_eq!(
        suggestions,
        [
            "<names::Bytes as From<&str>>::from",
            "<names::Bytes as From<String>>::from",
            "<names::Bytes as From<Vec<u8>>>::from"
        ],
        "{}",
        out.stderr
    );
    for suggestion in &suggestions {
        let pasted = check(&entry(suggestion), &["--static"]);
        assert_eq!(pasted.code, 0, "{suggestion}: {pasted:?}");
    }
}

#[test]
fn cfg_twins_are_picked_by_file() {
    let out = check(&entry("names::imp::sys"), &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("one path in several files"), "{}", out.stderr);
    assert!(out.stderr.contains("add `file = \"src/imp_unix.rs\"`"), "{}", out.stderr);
    let windows = check(
        &format!("{}file = \"imp_windows.rs\"\n", entry("names::imp::sys")),
        &["--static", "--format", "json"],
    );
    assert_eq!(windows.code, 0, "{windows:?}");
    assert_eq!(windows.json()["functions"][0]["file"], "src/imp_windows.rs");
    let wrong = check(&format!("{}file = \"src/nowhere.rs\"\n", entry("names::imp::sys")), &[]);
    assert_eq!(wrong.code, 2, "{wrong:?}");
    assert!(
        wrong.stderr.contains("`names::imp::sys` names no function in `src/nowhere.rs`"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn a_generated_function_is_said_to_be_generated() {
    let out = check(&entry("names::generated"), &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("`names::generated` is not in the source"), "{}", out.stderr);
    assert!(out.stderr.contains("`make!` (src/lib.rs:80)"), "{}", out.stderr);
    assert!(!out.stderr.contains("check the spelling"), "{}", out.stderr);
}

#[test]
fn a_misspelt_nested_function_gets_a_suggestion_that_works() {
    let out = check(&entry("names::Jitter::time::lfrs"), &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("did you mean `names::Jitter::time::lfsr`"), "{}", out.stderr);
}
