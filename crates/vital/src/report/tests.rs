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
        Format::Html => "report.html",
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

fn read(dir: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// The matrix row of `function` in an HTML page: from its `<tr>` to the next `</tr>`.
fn row<'h>(html: &'h str, function: &str) -> &'h str {
    let start = html
        .find(&format!("<tr data-function=\"{}\">", super::html::escape(function)))
        .unwrap_or_else(|| panic!("no row for {function}"));
    let end = html[start..].find("</tr>").unwrap();
    &html[start..start + end]
}

/// What the matrix says of a mode's status: the JSON's, except that statically a
/// test that exists and counts is `exists` (whether it passes is not known).
fn shown_status(check: super::CheckKind, status: crate::model::ModeStatus) -> &'static str {
    match (check, status) {
        (super::CheckKind::Static, crate::model::ModeStatus::Unverified) => "exists",
        (_, status) => status.as_str(),
    }
}

/// One file, nothing fetched: no scripts, no stylesheets or images to load, links
/// only within the page; every vital function has its row, every mode its cell
/// with its status.
#[test]
fn the_html_page_is_self_contained_and_shows_every_function_and_mode() {
    for dir in reports() {
        let report = read(&dir);
        let html = report.render(Format::Html, &Style::default());
        for needle in
            ["<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "http://", "https://"]
        {
            assert!(!html.contains(needle), "{}: `{needle}` in the page", dir.display());
        }
        // No event handler attribute either: the page works the same without JavaScript.
        for (i, _) in html.match_indices(" on") {
            let name: String = html[i + 3..].chars().take_while(char::is_ascii_lowercase).collect();
            assert!(
                !html[i + 3 + name.len()..].starts_with('='),
                "{}: an `on{name}=` handler",
                dir.display()
            );
        }
        for (i, _) in html.match_indices("href=\"") {
            assert!(html[i + 6..].starts_with('#'), "{}: a link out of the page", dir.display());
        }
        for f in &report.functions {
            let row = row(&html, &f.function);
            for mode in &f.failure_modes {
                let cell = format!(
                    "data-column=\"{}\" data-status=\"{}\"",
                    mode.mode,
                    shown_status(report.check, mode.status)
                );
                assert!(row.contains(&cell), "{}: {} has no `{cell}`:\n{row}", dir.display(), f.function);
            }
            let verdict = if f.is_accepted() { "accepted" } else { f.verdict.as_str() };
            assert!(row.contains(&format!("data-verdict=\"{verdict}\"")), "{}: {row}", dir.display());
        }
        assert_eq!(html.matches("<article ").count(), report.functions.len(), "{}", dir.display());
    }
}

/// Every text that comes from the report is escaped: a function, a reason, a test
/// name, source text, a warning that hold markup show as text.
#[test]
fn the_html_page_escapes_what_the_report_holds() {
    let hostile = "<script>alert(\"x\")</script>";
    let mut report = read(&reports()[0]);
    report.warnings.push(hostile.into());
    for f in &mut report.functions {
        f.function = format!("{}{hostile}", f.function);
        f.reason = Some(hostile.into());
        f.file = hostile.into();
        if let Some(source) = &mut f.source {
            source.text.push_str(&format!("\n// {hostile}"));
        }
        for mode in &mut f.failure_modes {
            mode.test = Some(hostile.into());
            mode.detail = Some(hostile.into());
        }
        f.waived.push(super::Waiver::new(crate::catalogue::vocabulary::Category::Timing, hostile));
    }
    let html = report.render(Format::Html, &Style::default());
    assert!(!html.contains("<script"), "unescaped markup");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    // And rows are still found by their (escaped) names.
    for f in &report.functions {
        row(&html, &f.function);
    }
}

#[test]
fn a_saved_report_reads_back_and_a_bad_one_is_an_error_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let report = read(&reports()[0]);
    std::fs::write(&path, report.to_json()).unwrap();
    assert_eq!(Report::read(&path, Path::new("report.json")).unwrap(), report);
    std::fs::write(&path, "{\"schema_version\": 1,\n \"verdict\": 3}").unwrap();
    let error = Report::read(&path, Path::new("report.json")).unwrap_err().to_string();
    assert!(error.starts_with("report.json:2:"), "{error}");
    assert!(error.contains("not a vital json report"), "{error}");
    std::fs::write(&path, "{\"schema_version\": 7}").unwrap();
    let error = Report::read(&path, Path::new("report.json")).unwrap_err().to_string();
    assert!(error.contains("schema_version 7, this vital reads 1"), "{error}");
    let error = Report::read(&dir.path().join("none.json"), Path::new("none.json")).unwrap_err().to_string();
    assert!(error.starts_with("none.json: cannot read"), "{error}");
}
