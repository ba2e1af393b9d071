//! Every renderer on committed reports (`tests/reports/*/report.json`), compared
//! with the expected output beside each: milliseconds, no coverage run. A
//! difference rewrites the expected file and fails (see `tests/reports/README.md`).

use std::path::{Path, PathBuf};

use super::{Format, Report, Style};

fn reports() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reports");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("report.json").is_file())
        .collect();
    all.sort();
    assert!(all.len() >= 5, "committed reports in {}", dir.display());
    all
}

fn file_name(format: Format) -> &'static str {
    match format {
        Format::Human => "human.txt",
        Format::Json => "report.json",
        Format::Markdown => "markdown.md",
        Format::Github => "github.txt",
        Format::Sarif => "sarif.json",
        Format::Junit => "junit.xml",
    }
}

/// Compares `actual` with the file at `path`; on a difference, rewrites it and
/// returns a complaint.
fn expect_file(path: &Path, actual: &str) -> Option<String> {
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    std::fs::write(path, actual).unwrap();
    Some(format!("{} changed and was rewritten: review it with `git diff`", path.display()))
}

#[test]
fn every_format_renders_every_committed_report_as_expected() {
    let mut changed = Vec::new();
    for dir in reports() {
        let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
        let report: Report =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not a report ({e})", dir.display()));
        for format in Format::ALL {
            let rendered = report.render(format, &Style::default());
            changed.extend(expect_file(&dir.join(file_name(format)), &rendered));
        }
    }
    assert!(changed.is_empty(), "{}", changed.join("\n"));
}

/// Colour changes the human format's escapes only, never its words.
#[test]
fn the_coloured_human_report_says_the_same() {
    for dir in reports() {
        let report: Report =
            serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        let plain = report.render(Format::Human, &Style { color: false });
        let coloured = report.render(Format::Human, &Style { color: true });
        assert_ne!(plain, coloured, "{}", dir.display());
        assert_eq!(crate::text::strip_ansi(&coloured), plain, "{}", dir.display());
    }
}
