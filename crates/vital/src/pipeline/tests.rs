//! The pipeline on small workspaces: what each check reports and how every format
//! says it.

use std::path::Path;

use super::*;
use crate::catalogue::vocabulary::Category;
use crate::model::ModeStatus;
use crate::report::{Format, Style};
use crate::testutil::fixture;

fn session(files: &[(&str, &str)], catalogue: &str) -> (crate::testutil::Fixture, Session) {
    let fx = fixture(files);
    let catalogue = Catalogue::parse(Path::new("vital.toml"), catalogue).unwrap();
    let session = Session::new(fx.workspace.clone(), catalogue).unwrap();
    (fx, session)
}

const LIB: &str = "pub fn f(data: &[u8]) -> Result<usize, ()> {
    if data.is_empty() { Err(()) } else { Ok(data.len()) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn f_empty() {
        assert!(super::f(b\"\").is_err());
    }
}
";

/// Categories are tested on their own (below); these tests are about the modes.
const NO_CATEGORIES: &str = "[tiers.critical]\ncategories = []\n\n";

const TWO_MODES: &str = "[tiers.critical]
categories = []

[[vital]]
function = \"demo::f\"
tier = \"critical\"
failure_modes = [\"empty\", \"disk_full\"]
";

/// A mode whose test exists and one without: every format names the missing mode
/// with the test to add, at the function, and says nothing of the other (the
/// formats used to pair reasons with modes by position).
#[test]
fn the_static_check_names_the_missing_mode_in_every_format() {
    let (_fx, session) = session(&[("src/lib.rs", LIB)], TWO_MODES);
    let report = session.check_static(None).unwrap();
    let f = &report.functions[0];
    assert_eq!(f.failure_modes[0].status, ModeStatus::Unverified, "statically, `empty` has its test");
    assert_eq!(f.failure_modes[1].status, ModeStatus::Missing);
    assert_eq!(f.reasons.len(), 1);
    for format in [Format::Markdown, Format::Github, Format::Junit, Format::Human] {
        let out = report.render(format, &Style::default());
        assert!(out.contains("add test `f_disk_full`"), "{format:?}:\n{out}");
        assert!(!out.contains("unverified") && !out.contains("not verified"), "{format:?}:\n{out}");
        assert!(!out.contains("`empty`"), "{format:?} reports `empty`, whose test exists:\n{out}");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&report.render(Format::Sarif, &Style::default())).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "vital/failure-mode-missing");
    let message = results[0]["message"]["text"].as_str().unwrap();
    assert_eq!(message, "`demo::f` (critical): failure mode `disk_full` has no test: add test `f_disk_full`");
    assert!(results[0].get("relatedLocations").is_none(), "no test to point at: {:#}", results[0]);
}

/// `check --static` measures no coverage: it says nothing of coverage runs, and
/// counts the modes whose tests exist.
#[test]
fn the_static_check_speaks_of_tests_not_of_coverage() {
    let catalogue = NO_CATEGORIES.to_string()
        + "[[vital]]\nfunction = \"demo::f\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n\n\
                     [[vital]]\nfunction = \"demo::g\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n";
    let lib = format!("{LIB}\npub fn g() {{}}\n");
    let (_fx, session) = session(&[("src/lib.rs", &lib)], &catalogue);
    let report = session.check_static(None).unwrap();
    let human = report.render(Format::Human, &Style::default());
    assert!(!human.contains("never compiled"), "{human}");
    assert!(!human.contains("under coverage"), "{human}");
    assert!(human.contains("its failure modes are not all tested"), "{human}");
    let row = human.lines().find(|l| l.starts_with("demo::f ")).unwrap();
    assert!(row.contains("1/1") && row.ends_with("pass"), "{row}");
    let markdown = report.render(Format::Markdown, &Style::default());
    assert!(markdown.contains("| ✅ | `demo::f` | critical | 1/1 |"), "{markdown}");
}

/// A likely typo of a mode is reported where the mode is written.
#[test]
fn a_mode_typo_is_reported_at_the_mode() {
    let catalogue =
        "[[vital]]\nfunction = \"demo::f\"\ntier = \"optional\"\nfailure_modes = [\"empty\", \"boundry\"]\n";
    let (_fx, session) = session(&[("src/lib.rs", LIB)], catalogue);
    let report = session.check_static(None).unwrap();
    let warning = report.warnings.iter().find(|w| w.contains("boundry")).expect("a typo warning");
    assert!(warning.starts_with("vital.toml:4:27: failure mode `boundry`"), "{warning}");
    assert!(warning.contains("did you mean `boundary`?"), "{warning}");
}

const STORE: &str = "use std::sync::Mutex;

pub struct Store {
    entries: Mutex<Vec<Vec<u8>>>,
}

impl Store {
    pub fn write_atomic(&self, data: &[u8]) -> Result<usize, ()> {
        if data.is_empty() {
            return Err(());
        }
        self.entries.lock().map_err(|_| ())?.push(data.to_vec());
        Ok(data.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store { entries: Mutex::new(Vec::new()) }
    }

    #[test]
    fn write_atomic_empty() {
        assert!(store().write_atomic(b\"\").is_err());
    }

    #[test]
    fn write_atomic_quota_exceeded() {
        assert_eq!(store().write_atomic(b\"x\"), Ok(1));
    }
}
";

/// A critical entry whose modes cover input and (by a custom mode's declared
/// category) resource, and which waives state: `timing` is missing. The reason
/// names the mode the function's shape suggests (`&self` on a type holding a
/// lock: `concurrent`) and its test; the waiver's reason is in every format.
#[test]
fn a_missing_category_and_a_waiver_show_in_every_format() {
    let catalogue = r#"[modes.quota_exceeded]
category = "resource"

[[vital]]
function = "demo::Store::write_atomic"
tier = "critical"
failure_modes = ["empty", "quota_exceeded"]
waive = { state = "keeps nothing between calls but the entries it appends" }
"#;
    let (_fx, session) = session(&[("src/lib.rs", STORE)], catalogue);
    let sentence = "critical function `write_atomic` declares no `timing` mode: add e.g. `concurrent` \
                    with test `write_atomic_concurrent`, or waive it with a reason";
    let waiver = "keeps nothing between calls but the entries it appends";
    let report = session.check_static(None).unwrap();
    let f = &report.functions[0];
    assert_eq!(f.verdict, crate::model::Verdict::Fail);
    assert_eq!(f.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(), [sentence]);
    assert_eq!(f.failure_modes[1].category, Some(Category::Resource), "the custom mode's category");
    assert_eq!(
        f.thresholds.categories,
        [Category::Input, Category::Resource, Category::Timing, Category::State]
    );
    for format in Format::ALL {
        let out = report.render(format, &Style::default());
        // Each format escapes text its own way; the words stay.
        let plain =
            out.replace("<code>", "`").replace("</code>", "`").replace("<wbr>", "").replace("&#39;", "'");
        assert!(plain.contains(sentence) || plain.contains(&sentence.replace('`', "")), "{format:?}:\n{out}");
        assert!(plain.contains(waiver), "{format:?} does not show the waiver's reason:\n{out}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&report.render(Format::Json, &Style::default())).unwrap();
    let function = &json["functions"][0];
    assert_eq!(function["waived"], serde_json::json!([{"category": "state", "reason": waiver}]));
    assert_eq!(function["findings"][0]["kind"], "category_missing");
    assert_eq!(function["findings"][0]["suggestion"], "concurrent");
    let sarif: serde_json::Value =
        serde_json::from_str(&report.render(Format::Sarif, &Style::default())).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(rules, ["vital/failure-category-missing", "vital/failure-category-missing"]);
    let suppressed = results.iter().find(|r| r.get("suppressions").is_some()).expect("the waiver");
    assert_eq!(suppressed["level"], "note");
    assert_eq!(suppressed["suppressions"][0]["justification"], waiver);
    // A coverage-free report read back from its JSON renders the same.
    let back: crate::report::Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

/// Waiving the last missing category makes the function pass; the waiver stays in
/// the report.
#[test]
fn a_waived_category_passes_and_stays_in_the_report() {
    let catalogue = r#"[modes.quota_exceeded]
category = "resource"

[[vital]]
function = "demo::Store::write_atomic"
tier = "critical"
failure_modes = ["empty", "quota_exceeded"]
waive = { state = "appends only", timing = "the lock serializes callers" }
"#;
    let (_fx, session) = session(&[("src/lib.rs", STORE)], catalogue);
    let report = session.check_static(None).unwrap();
    assert_eq!(report.functions[0].verdict, crate::model::Verdict::Pass, "{:?}", report.functions[0].reasons);
    let waived: Vec<Category> = report.functions[0].waived.iter().map(|w| w.category).collect();
    assert_eq!(waived, [Category::Timing, Category::State]);
    for format in [Format::Human, Format::Markdown, Format::Github, Format::Junit] {
        let out = report.render(format, &Style::default());
        assert!(
            out.contains("the lock serializes callers") && out.contains("appends only"),
            "{format:?}:\n{out}"
        );
    }
}

/// The defaults: critical requires input, resource, timing and state; essential
/// input; optional nothing. A custom mode without a category counts for none, and
/// a warning at the mode says how to declare one.
#[test]
fn each_tier_requires_its_default_categories_and_an_uncategorized_mode_covers_none() {
    let entry = |tier: &str, modes: &str| {
        format!(
            "[[vital]]\nfunction = \"demo::Store::write_atomic\"\ntier = \"{tier}\"\nfailure_modes = [{modes}]\n"
        )
    };
    let missing = |catalogue: &str| -> Vec<(Category, String)> {
        let (_fx, session) = session(&[("src/lib.rs", STORE)], catalogue);
        let report = session.check_static(None).unwrap();
        report.functions[0]
            .reasons
            .iter()
            .filter_map(|r| match r {
                crate::model::Reason::CategoryMissing(m) => Some((m.category, m.suggestion.clone())),
                _ => None,
            })
            .collect()
    };
    let critical = missing(&entry("critical", "\"quota_exceeded\""));
    assert_eq!(
        critical,
        [
            (Category::Input, "empty".to_string()),
            (Category::Resource, "disk_full".to_string()),
            (Category::Timing, "concurrent".to_string()),
            (Category::State, "uninitialized".to_string()),
        ],
        "signature first (`&[u8]`: empty; a lock: concurrent), else the category's default mode"
    );
    assert_eq!(missing(&entry("essential", "\"disk_full\"")), [(Category::Input, "empty".to_string())]);
    assert!(missing(&entry("essential", "\"empty\"")).is_empty());
    assert!(missing(&entry("optional", "")).is_empty());

    let (_fx, session) = session(&[("src/lib.rs", STORE)], &entry("essential", "\"quota_exceeded\""));
    let report = session.check_static(None).unwrap();
    let warning = report.warnings.iter().find(|w| w.contains("quota_exceeded")).expect("a warning");
    assert!(warning.starts_with("vital.toml:4:18: failure mode `quota_exceeded`"), "{warning}");
    assert!(warning.contains("`[modes.quota_exceeded] category = \"input\"`"), "{warning}");
}

/// Every file a check reads is listed once (a certificate names each by digest):
/// the export and its stamp, the results, each file of the per-test evidence,
/// the mutation results but cargo-mutants' logs, the mutant list.
#[test]
fn the_files_read_are_every_evidence_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for file in [
        "vital/coverage.json",
        "vital/coverage.sources.json",
        "vital/tests.jsonl",
        "vital/coverage.pertest/index.json",
        "vital/coverage.pertest/0.json",
        "vital/coverage.pertest/sources.json",
        "vital/mutants/list.json",
        "vital/mutants/g0/mutants.out/outcomes.json",
        "vital/mutants/g0/mutants.out/diff/lib.rs_line_3.diff",
        "vital/mutants/g0/mutants.out/log/lib.rs_line_3.log",
    ] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }
    let inputs = Inputs::new()
        .coverage(root.join("vital/coverage.json"))
        .tests(root.join("vital/tests.jsonl"))
        .mutants(root.join("vital/mutants"))
        .mutant_list(root.join("vital/mutants/list.json"));
    let read: Vec<String> = inputs
        .files_read()
        .iter()
        .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    assert_eq!(
        read,
        [
            "vital/coverage.json",
            "vital/coverage.pertest/0.json",
            "vital/coverage.pertest/index.json",
            "vital/coverage.pertest/sources.json",
            "vital/coverage.sources.json",
            "vital/mutants/g0/mutants.out/diff/lib.rs_line_3.diff",
            "vital/mutants/g0/mutants.out/outcomes.json",
            "vital/mutants/list.json",
            "vital/tests.jsonl",
        ]
    );
}
