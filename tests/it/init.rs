//! Starting a catalogue: `cargo vital inventory` and `cargo vital init` on real
//! crates (the registry sources of vital's own dependencies), and the JSON Schema
//! of `vital.toml` (`vital.schema.json`, `cargo vital schema`) against every
//! catalogue of the repository and against mistakes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{fixture_source, vital, write_file};

/// The repository's root.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The schema as shipped.
fn schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(checkout().join("vital.schema.json")).unwrap()).unwrap()
}

/// The schema's complaints about a catalogue, as `message at /pointer`.
fn schema_errors(catalogue: &str) -> Vec<String> {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let instance: Value = toml::from_str(catalogue).expect("TOML");
    validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// A copy of the registry source of vital's dependency `name` (at a version
/// `Cargo.lock` locks, as built with vital), as a workspace of its own in the
/// scratch directory (`copy`), without a catalogue.
fn registry_crate(name: &str, copy: &str) -> PathBuf {
    let lock: toml::Table = std::fs::read_to_string(checkout().join("Cargo.lock")).unwrap().parse().unwrap();
    let versions: Vec<String> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str() == Some(name) && p.get("source").is_some())
        .filter_map(|p| p["version"].as_str().map(String::from))
        .collect();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"));
    let source = std::fs::read_dir(cargo_home.join("registry/src"))
        .unwrap()
        .flat_map(|registry| {
            versions.iter().map(move |v| registry.as_ref().unwrap().path().join(format!("{name}-{v}")))
        })
        .find(|dir| dir.join("Cargo.toml").is_file())
        .unwrap_or_else(|| panic!("{name} {versions:?} is a dependency of vital, in the cargo registry"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("registry").join(copy);
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&source, &dir);
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    write_file(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    let _ = std::fs::remove_file(dir.join("vital.toml"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn init_on_a_real_crate_starts_a_catalogue_that_resolves_and_the_schema_accepts() {
    for (name, sign) in [("tempfile", "files"), ("toml", "parses"), ("memchr", "unsafe")] {
        let dir = registry_crate(name, &format!("{name}-init"));
        let listed = vital(&dir, &["inventory", "--format", "json"]);
        assert_eq!(listed.code, 0, "{name}: {listed:?}");
        let inventory = listed.json();
        let candidates = inventory["candidates"].as_array().unwrap();
        assert!(candidates.len() >= 3, "{name}: {inventory}");
        assert!(
            candidates.iter().any(|c| c["signs"].as_array().unwrap().iter().any(|s| s == sign)),
            "{name} has functions that are {sign}: {inventory}"
        );
        let scores: Vec<u64> = candidates.iter().map(|c| c["score"].as_u64().unwrap()).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked: {scores:?}");
        assert!(
            candidates
                .iter()
                .all(|c| !c["failure_modes"].as_array().unwrap().is_empty() || c["tier"] == "optional")
        );

        let init = vital(&dir, &["init", "--max", "12"]);
        assert_eq!(init.code, 0, "{name}: {init:?}");
        assert!(init.stderr.contains("wrote vital.toml: 12 functions that look vital"), "{init:?}");
        let text = std::fs::read_to_string(dir.join("vital.toml")).unwrap();
        assert!(text.starts_with("#:schema https://raw.githubusercontent.com/vital-rs/vital/v"), "{text}");
        assert!(text.contains("# [tiers.critical]\n# lines = 100\n"), "{text}");
        assert_eq!(schema_errors(&text), Vec::<String>::new(), "{name}:\n{text}");

        // Every entry resolves: the static check has a verdict (its tests are still to write).
        let check = vital(&dir, &["check", "--static", "--format", "json"]);
        assert!(matches!(check.code, 0 | 1), "{name}: never exit 2: {check:?}");
        assert_eq!(check.json()["summary"]["functions"], 12, "{name}");
        let first = candidates[0]["function"].as_str().unwrap();
        assert!(text.contains(&format!("function = \"{first}\"")), "the most vital first: {text}");

        // Once catalogued, a function leaves the inventory.
        let rest = vital(&dir, &["inventory", "--format", "json"]).json();
        assert_eq!(rest["candidates"].as_array().unwrap().len(), candidates.len() - 12, "{name}");

        // `init` never replaces a catalogue.
        let again = vital(&dir, &["init"]);
        assert_eq!(again.code, 2, "{again:?}");
        assert!(again.stderr.contains("vital.toml: refusing to overwrite it"), "{again:?}");
        assert_eq!(std::fs::read_to_string(dir.join("vital.toml")).unwrap(), text);
    }
}

#[test]
fn the_inventory_says_why_each_function_looks_vital() {
    let dir = registry_crate("tempfile", "tempfile-inventory");
    let out = vital(&dir, &["inventory"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.starts_with("vital: "), "{}", out.stdout);
    assert!(out.stdout.contains("  why: does file I/O (`std::fs`, `File`, `OpenOptions`)"), "{}", out.stdout);
    assert!(out.stdout.contains("  failure modes: not_found ("), "{}", out.stdout);
}

#[test]
fn the_shipped_schema_is_what_cargo_vital_schema_prints() {
    let printed = vital(&std::env::temp_dir(), &["schema"]);
    assert_eq!(printed.code, 0, "{printed:?}");
    assert_eq!(printed.json(), schema());
    assert_eq!(schema()["$schema"], "http://json-schema.org/draft-07/schema#");
}

#[test]
fn every_catalogue_of_the_repository_is_valid_under_the_schema() {
    let mut catalogues = vec![checkout().join("vital.toml")];
    for entry in std::fs::read_dir(fixture_source("")).unwrap() {
        let path = entry.unwrap().path().join("vital.toml");
        if path.is_file() {
            catalogues.push(path);
        }
    }
    assert!(catalogues.len() >= 5, "{catalogues:?}");
    for path in catalogues {
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(schema_errors(&text), Vec::<String>::new(), "{}", path.display());
    }
}

#[test]
fn the_schema_rejects_what_vital_rejects_and_points_at_the_key() {
    let entry = "[[vital]]\nfunction = \"a::b\"\ntier = \"critical\"\n";
    let cases = [
        (
            format!("{entry}typo = 1\n"),
            "Additional properties are not allowed ('typo' was unexpected) at /vital/0",
        ),
        ("[tiers.critical]\nlines = 101\n".to_string(), "at /tiers/critical/lines"),
        ("[tiers.critical]\nlines = 12.345\n".to_string(), "at /tiers/critical/lines"),
        ("[tiers.critical]\nbranches = \"lines\"\n".to_string(), "at /tiers/critical/branches"),
        ("[tiers.essential]\ncategories = [\"speed\"]\n".to_string(), "at /tiers/essential/categories/0"),
        ("[[vital]]\nfunction = \"a::b\"\ntier = \"vital\"\n".to_string(), "at /vital/0/tier"),
        ("[[vital]]\ntier = \"critical\"\n".to_string(), "\"function\" is a required property at /vital/0"),
        (format!("{entry}failure_modes = [\"Disk-Full\"]\n"), "at /vital/0/failure_modes/0"),
        (format!("{entry}waive = {{ speed = \"fast\" }}\n"), "at /vital/0/waive"),
        (format!("{entry}waive = {{ timing = \"\" }}\n"), "at /vital/0/waive/timing"),
        (format!("{entry}regions = {{ empty = \"3\" }}\n"), "at /vital/0/regions/empty"),
        ("[modes.quota]\ncategory = \"cost\"\n".to_string(), "at /modes/quota/category"),
        ("[conventions]\nfailure_test = [\"{fn}\"]\n".to_string(), "at /conventions/failure_test/0"),
    ];
    for (catalogue, expected) in &cases {
        let errors = schema_errors(catalogue);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{catalogue}\nexpected `{expected}` in {errors:?}"
        );
        // vital itself refuses each of them.
        let parsed = vital::catalogue::Catalogue::parse(Path::new("vital.toml"), catalogue);
        assert!(parsed.is_err(), "vital accepts what the schema refuses:\n{catalogue}");
    }
    let fine = format!(
        "[tiers.critical]\nlines = 92.5\nbranches = \"regions\"\n\n[modes.quota]\ncategory = \"resource\"\n\n\
         {entry}reason = \"r\"\nfailure_modes = [\"quota\", \"empty\"]\ntests = {{ empty = \"t::x\" }}\n\
         regions = {{ empty = \"0:5\" }}\nwaive = {{ timing = \"pure\" }}\n\n[[vital.survivors]]\nmutant = \"m\"\nline = 2\nreason = \"eq\"\n"
    );
    assert_eq!(schema_errors(&fine), Vec::<String>::new(), "{fine}");
    assert!(vital::catalogue::Catalogue::parse(Path::new("vital.toml"), &fine).is_ok());
}
