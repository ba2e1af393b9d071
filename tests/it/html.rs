//! Failure-mode categories end to end, and the HTML report in a real browser:
//! Debian's `chromium`, headless, loads the page `cargo vital report` writes and
//! shows every vital function and failure mode with its status, with no console
//! message and no script; its screenshot is `docs/report.png`.
//!
//! Chromium is required: these tests fail (never skip) when it is missing, with the
//! command that installs it (`cargo xtask test` installs it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::modes::runs;
use crate::support::{Outcome, command, vital, write_file};

/// A catalogue of the `modes` fixture with failure-mode categories: a custom mode
/// with its category, waivers with their reasons, categories missing.
const CATEGORIES: &str = r#"[modes.reads_back]
category = "state"

[[vital]]
function = "vault::store::Store::write"
tier = "critical"
reason = "Every value the vault keeps goes through here"
failure_modes = ["empty", "boundary", "after_close", "reads_back", "cancelled"]
tests = { reads_back = "tests::reads_back_what_was_written" }
waive = { resource = "an in-memory map: no disk, no network, no allocation it can refuse" }

[[vital]]
function = "<vault::record::Record as FromStr>::from_str"
tier = "essential"
failure_modes = ["malformed"]

[[vital]]
function = "vault::store::Store::flush"
tier = "critical"
failure_modes = ["cancelled"]
waive = { state = "reads the length only" }

[[vital]]
function = "vault::store::Store::len"
tier = "essential"
"#;

/// `cargo vital check` of the `modes` fixture's run with [`CATEGORIES`], in `format`.
fn check(format: &str) -> Outcome {
    let dir = &runs().dir;
    write_file(dir.join("categories.toml"), CATEGORIES).unwrap();
    let args = ["check", "--catalogue", "categories.toml", "--coverage", "target/vital/coverage.json"];
    vital(dir, &[&args[..], &["--tests", "junit.xml", "--format", format]].concat())
}

/// The JSON report of [`check`], saved as `categories.json` in the fixture.
fn categories_json() -> &'static (PathBuf, Value) {
    static JSON: OnceLock<(PathBuf, Value)> = OnceLock::new();
    JSON.get_or_init(|| {
        let out = check("json");
        assert_eq!(out.code, 1, "{out:?}");
        let path = runs().dir.join("categories.json");
        write_file(&path, &out.stdout).unwrap();
        (path, out.json())
    })
}

fn function<'v>(report: &'v Value, name: &str) -> &'v Value {
    report["functions"].as_array().unwrap().iter().find(|f| f["function"] == name).unwrap()
}

fn kinds(f: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    f["findings"].as_array().unwrap().iter().map(|r| (text(&r["kind"]), text(&r["category"]))).collect()
}

/// A custom mode counts for its declared category, a waiver for its category; what
/// is neither declared nor waived is a reason of its own, with the mode to add, in
/// every format; the waivers' reasons are in every format.
#[test]
fn categories_are_required_waived_and_reported_in_every_format() {
    let (_, report) = categories_json();
    let write = function(report, "vault::store::Store::write");
    // input (empty, boundary), state (after_close, the custom reads_back), timing
    // (cancelled), resource waived: only the failed test of `after_close` remains.
    assert_eq!(kinds(write), [("failure_mode".to_string(), "state".to_string())]);
    assert_eq!(write["failure_modes"][3]["category"], "state", "the custom mode's category");
    let flush = function(report, "vault::store::Store::flush");
    let expected = |c: &str| ("category_missing".to_string(), c.to_string());
    assert_eq!(kinds(flush)[1..], [expected("input"), expected("resource")]);
    assert_eq!(
        flush["waived"],
        serde_json::json!([{"category": "state", "reason": "reads the length only"}])
    );
    assert_eq!(
        flush["thresholds"]["categories"],
        serde_json::json!(["input", "resource", "timing", "state"])
    );
    assert_eq!(kinds(function(report, "vault::store::Store::len")).last(), Some(&expected("input")));
    let from_str = function(report, "<vault::record::Record as FromStr>::from_str");
    assert_eq!(from_str["verdict"], "pass", "essential requires input only: `malformed`");

    let sentence = "critical function `flush` declares no `resource` mode: add e.g. `disk_full` \
                    with test `flush_disk_full`, or waive it with a reason";
    for format in ["human", "markdown", "github", "sarif", "junit"] {
        let out = check(format);
        assert_eq!(out.code, 1, "{format}: {out:?}");
        let text = out.stdout.replace("&quot;", "\"");
        assert!(text.contains(sentence), "{format}:\n{}", out.stdout);
        for reason in ["reads the length only", "an in-memory map: no disk, no network"] {
            assert!(text.contains(reason), "{format} does not show the waiver `{reason}`:\n{}", out.stdout);
        }
        if format == "sarif" {
            // A waiver is a suppressed result, valid SARIF 2.1.0.
            let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
            crate::formats::assert_valid_sarif(&sarif);
            let results = sarif["runs"][0]["results"].as_array().unwrap();
            let suppressed: Vec<&Value> =
                results.iter().filter(|r| r.get("suppressions").is_some()).collect();
            assert_eq!(suppressed.len(), 2, "{results:#?}");
            assert!(
                suppressed
                    .iter()
                    .all(|r| r["ruleId"] == "vital/failure-category-missing" && r["level"] == "note")
            );
            assert_eq!(suppressed[0]["suppressions"][0]["justification"], "reads the length only");
        }
    }
}

/// A headless Chromium.
struct Chromium {
    program: PathBuf,
}

/// How long one Chromium run may take.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);

impl Chromium {
    /// `VITAL_CHROMIUM`, else `chromium`, `chromium-browser` or `google-chrome` on
    /// PATH; fails with the command that installs it.
    fn find() -> Chromium {
        let candidates: Vec<PathBuf> = match std::env::var_os("VITAL_CHROMIUM") {
            Some(path) => vec![path.into()],
            None => ["chromium", "chromium-browser", "google-chrome"].map(PathBuf::from).to_vec(),
        };
        for program in candidates {
            let works = Command::new(&program)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if works {
                return Chromium { program };
            }
        }
        panic!(
            "chromium is not installed, and the HTML report is tested in it: install it with \
             `apt-get install -y chromium` (Debian; `cargo xtask test` does it), or point VITAL_CHROMIUM at a \
             Chromium or Chrome binary"
        );
    }

    /// Runs Chromium headless on `page` with `args`; (stdout, stderr). A fresh
    /// profile each time, nothing from the network, killed after a timeout.
    fn run(&self, page: &Path, args: &[&str]) -> (String, String) {
        let scratch = tempfile::tempdir().unwrap();
        let (stdout, stderr) = (scratch.path().join("stdout"), scratch.path().join("stderr"));
        let profile = scratch.path().join("profile");
        let url = format!("file://{}", page.canonicalize().unwrap().display());
        let mut child = command(&self.program, scratch.path())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(args)
            .arg(&url)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("chromium starts");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > CHROMIUM_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?} on {url}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let read = |path: &Path| String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let (stdout, stderr) = (read(&stdout), read(&stderr));
        assert!(status.success(), "chromium failed ({status}) on {url}:\n{stderr}");
        (stdout, stderr)
    }

    /// The page's DOM after it loaded, and the messages its console printed.
    fn load(&self, page: &Path, extra: &[&str]) -> (String, Vec<String>) {
        let args = [&["--enable-logging=stderr", "--v=0", "--dump-dom"][..], extra].concat();
        let (dom, log) = self.run(page, &args);
        // Every console message (log, warning, error, an uncaught exception) is
        // logged as `…:CONSOLE(line)] "message", source: …`.
        let console = log.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
        (dom, console)
    }

    /// A PNG of the page as a window of `width`×`height` shows it.
    fn screenshot(&self, page: &Path, out: &Path, (width, height): (u32, u32), extra: &[&str]) -> Vec<u8> {
        let shot = format!("--screenshot={}", out.display());
        let size = format!("--window-size={width},{height}");
        self.run(page, &[&[shot.as_str(), size.as_str()][..], extra].concat());
        let png = std::fs::read(out).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", out.display()));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", out.display());
        png
    }
}

/// The DOM with the entities Chromium writes turned back into characters, to
/// search for names as the report has them.
fn unescape(dom: &str) -> String {
    dom.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The matrix row of `function`: from its `<tr>` to the next `</tr>`.
fn row<'d>(dom: &'d str, function: &str) -> &'d str {
    let start = dom
        .find(&format!("<tr data-function=\"{function}\">"))
        .unwrap_or_else(|| panic!("the page has no row for `{function}`"));
    let end = dom[start..].find("</tr>").expect("a row ends");
    &dom[start..start + end]
}

/// Every function of `report` has its row in `dom`, its verdict, and each of its
/// failure modes its cell with its status and its test.
fn assert_shows_every_function_and_mode(dom: &str, report: &Value) {
    let dom = unescape(dom);
    for f in report["functions"].as_array().unwrap() {
        let name = f["function"].as_str().unwrap();
        let row = row(&dom, name);
        let verdict = f["verdict"].as_str().unwrap();
        assert!(row.contains(&format!("data-verdict=\"{verdict}\"")), "{name}: {row}");
        for mode in f["failure_modes"].as_array().unwrap() {
            let (m, status) = (mode["mode"].as_str().unwrap(), mode["status"].as_str().unwrap());
            let cell_start = row
                .find(&format!("data-column=\"{m}\" data-status=\"{status}\""))
                .unwrap_or_else(|| panic!("{name}: no `{m}` cell with status `{status}`:\n{row}"));
            let cell =
                &row[cell_start..row[cell_start..].find("</td>").map_or(row.len(), |e| cell_start + e)];
            assert!(cell.contains(&format!("<span class=\"status\">{status}</span>")), "{name}/{m}: {cell}");
            if let Some(test) = mode["test"].as_str() {
                let short = test.rsplit("::").next().unwrap();
                assert!(
                    cell.replace("<wbr>", "").contains(short),
                    "{name}/{m} does not show its test:\n{cell}"
                );
            }
        }
    }
}

/// The page `cargo vital report` makes of the categories report.
fn html_page() -> &'static PathBuf {
    static PAGE: OnceLock<PathBuf> = OnceLock::new();
    PAGE.get_or_init(|| {
        let (json, _) = categories_json();
        let page = json.with_file_name("categories.html");
        let out = vital(&runs().dir, &["report", json.to_str().unwrap(), "--output", page.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{out:?}");
        page
    })
}

#[test]
fn the_html_report_shows_every_function_and_mode_in_a_real_browser_without_console_messages() {
    let chromium = Chromium::find();
    let (_, report) = categories_json();
    let page = html_page();
    let html = std::fs::read_to_string(page).unwrap();
    // Without JavaScript the page is the same: it has none. (Headless Chromium cannot
    // dump or shoot a page with scripts off, so this is checked on the page itself.)
    assert!(!html.contains("<script") && !html.contains(" onclick="), "the page needs no JavaScript");

    let (dom, console) = chromium.load(page, &[]);
    assert!(console.is_empty(), "the page logged to the console:\n{}", console.join("\n"));
    assert_shows_every_function_and_mode(&dom, report);
    let dom = unescape(&dom);
    // Categories: each required one declared, waived (with its reason) or missing.
    let flush = row(&dom, "vault::store::Store::flush");
    for (category, status) in
        [("input", "missing"), ("resource", "missing"), ("timing", "declared"), ("state", "waived")]
    {
        let cell = format!("data-column=\"{category}\" data-status=\"{status}\"");
        assert!(flush.contains(&cell), "flush: no `{cell}`:\n{flush}");
    }
    assert!(dom.contains("an in-memory map: no disk, no network, no allocation it can refuse"));
    assert!(dom.contains("declares no <code>resource</code> mode"), "the missing category in words");
    // The source of the function no test runs, its lines marked in words.
    assert!(dom.contains("No test runs this function."));
    let line = &dom[dom.find("data-line=\"46\"").expect("len's source")..];
    let line = &line[..line.find("</tr>").unwrap()];
    assert!(line.contains("<td class=\"hit\">not run</td>"), "{line}");
}

/// The console check sees what a broken page logs: a page with an error is not
/// passed for want of looking.
#[test]
fn the_console_check_catches_a_page_that_logs_an_error() {
    let chromium = Chromium::find();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    write_file(
        &page,
        "<!DOCTYPE html><p>x</p><script>console.error('on purpose'); throw new Error('boom');</script>",
    )
    .unwrap();
    let (_, console) = chromium.load(&page, &[]);
    assert!(console.iter().any(|l| l.contains("on purpose")), "{console:?}");
    assert!(console.iter().any(|l| l.contains("Uncaught Error: boom")), "{console:?}");
}

/// The screenshot in light and dark mode (`prefers-color-scheme`); the light one is
/// the README's example, `docs/report.png` (rewritten with
/// `VITAL_UPDATE_SCREENSHOT=1`).
#[test]
fn the_html_report_renders_in_light_and_dark_mode() {
    let chromium = Chromium::find();
    let page = html_page();
    let dir = tempfile::tempdir().unwrap();
    let light = chromium.screenshot(page, &dir.path().join("light.png"), (1400, 1500), &[]);
    let dark = chromium.screenshot(page, &dir.path().join("dark.png"), (1400, 1500), &["--force-dark-mode"]);
    assert!(light.len() > 20_000, "a screenshot of a whole page, not a blank one ({} bytes)", light.len());
    assert_ne!(light, dark, "dark mode changes the page");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.png");
    if std::env::var_os("VITAL_UPDATE_SCREENSHOT").is_some() {
        std::fs::create_dir_all(docs.parent().unwrap()).unwrap();
        write_file(&docs, &light).unwrap();
    }
    let committed = std::fs::read(&docs).expect("docs/report.png, the README's example, is committed");
    assert!(committed.starts_with(b"\x89PNG"), "docs/report.png is a PNG");
}

/// `cargo vital report` without a file renders the report the last `run` or
/// `check` saved, as HTML beside it; with `--format`, any format on stdout.
#[test]
fn report_renders_the_last_saved_report() {
    let dir = &runs().dir;
    let checked = check("human");
    assert_eq!(checked.code, 1, "{checked:?}");
    let saved = dir.join("target/vital/report.json");
    let report: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    let out = vital(dir, &["report"]);
    assert_eq!(out.code, 0, "a report renders; the verdict was the check's: {out:?}");
    let html = dir.join("target/vital/report.html");
    assert!(out.stderr.contains(&format!("wrote {}", html.display())), "{out:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("Evidence matrix"));
    let markdown = vital(dir, &["report", "--format", "markdown"]);
    assert_eq!(markdown.code, 0, "{markdown:?}");
    assert!(markdown.stdout.starts_with("## ❌ vital: fail"), "{}", markdown.stdout);
}

#[test]
fn report_of_a_file_that_is_not_a_report_is_exit_2_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path().join("bad.json"), "{\"schema_version\": 1,\n\"functions\": 7}").unwrap();
    let out = vital(dir.path(), &["report", "bad.json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.starts_with("error: bad.json:2:"), "{}", out.stderr);
    assert!(!dir.path().join("bad.html").exists(), "nothing written");
    let out = vital(dir.path(), &["report", "bad.json", "--open", "--format", "json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("`--open` opens the HTML report"), "{}", out.stderr);
}

/// `--open` hands the page to the platform's opener, and never fails for want of
/// one: it prints the path. (The opener here is a stand-in script that records
/// what it was given: a test must not start a desktop browser.)
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn report_open_uses_the_platform_opener_and_prints_the_path_without_one() {
    use std::os::unix::fs::PermissionsExt;
    let (json, _) = categories_json();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    std::fs::copy(json, &report).unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opener = bin.join("xdg-open");
    write_file(
        &opener,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", dir.path().join("opened").display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |path: &Path| {
        let output = command(env!("CARGO_BIN_EXE_cargo-vital"), dir.path())
            .args(["vital", "report", "r.json", "--open"])
            .env("PATH", path)
            .output()
            .unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = run(&bin);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(dir.path().join("opened")).unwrap(), "r.html");
    assert!(stderr.contains("opened r.html"), "{stderr}");
    let (code, stderr) = run(&dir.path().join("empty"));
    assert_eq!(code, Some(0), "no opener is no failure: {stderr}");
    assert!(stderr.contains("wrote r.html (no browser opener worked: open it yourself)"), "{stderr}");
}
