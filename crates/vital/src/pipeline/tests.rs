//! The pipeline on small workspaces: what each check reports and how every format
//! says it.

use std::path::Path;

use super::*;
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

const TWO_MODES: &str = "[[vital]]
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
    let catalogue = "[[vital]]\nfunction = \"demo::f\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n\n\
                     [[vital]]\nfunction = \"demo::g\"\ntier = \"critical\"\nfailure_modes = [\"empty\"]\n";
    let lib = format!("{LIB}\npub fn g() {{}}\n");
    let (_fx, session) = session(&[("src/lib.rs", &lib)], catalogue);
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
