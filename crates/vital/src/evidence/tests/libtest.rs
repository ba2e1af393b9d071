//! libtest's JSON lines (`cargo test -- -Z unstable-options --format json`, which
//! needs nightly or `RUSTC_BOOTSTRAP=1`): `{"type": "test", "event":
//! "ok"|"failed"|"ignored", "name": …}`. Which binary a line belongs to comes from
//! the `Running … (target/…/deps/NAME-HASH)` line cargo prints before it, when the
//! file holds cargo's output too, or from a `"vital_target"` field, which [`Tee`]
//! adds when `cargo vital run` records a run; otherwise results match by test path
//! alone. This module is the one place that knows the format, writing and reading.

use std::path::Path;

use serde::Deserialize;

use super::results::{Outcome, TestResults, bad};
use crate::error::Result;
use crate::workspace::Workspace;

#[derive(Deserialize)]
struct LibtestEvent {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    name: Option<String>,
    vital_target: Option<String>,
    /// Seconds, in a suite's `ok` or `failed` event.
    exec_time: Option<f64>,
}

/// The crate a `Running … (…/deps/NAME-HASH)` line of cargo announces.
pub fn crate_of_running_line(line: &str) -> Option<String> {
    running_line(line).map(|binary| binary.krate)
}

/// A test binary as a `Running unittests src/lib.rs (target/…/deps/NAME-HASH)` line
/// of cargo announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// Its crate (`NAME`).
    pub krate: String,
    /// The root source file of its crate, relative to its package (`src/lib.rs`).
    pub source: String,
    /// The executable, as cargo prints it (relative to where cargo ran).
    pub path: String,
}

/// The test binary a `Running …` line announces.
pub fn running_line(line: &str) -> Option<Binary> {
    let rest = line.trim_start().strip_prefix("Running ")?;
    let (before, inside) = rest.rsplit_once('(')?;
    let inside = inside.strip_suffix(')')?;
    let file = Path::new(inside).file_stem()?.to_string_lossy().into_owned();
    let (name, hash) = file.rsplit_once('-')?;
    if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let source = before.trim().strip_prefix("unittests ").unwrap_or(before.trim()).to_string();
    Some(Binary { krate: name.to_string(), source, path: inside.to_string() })
}

/// Whether `krate` names a lib, bin or test target of `workspace`.
fn is_workspace_crate(workspace: &Workspace, krate: &str) -> bool {
    workspace.packages.iter().flat_map(|p| &p.targets).any(|t| t.name == krate)
}

/// Reads libtest JSON lines; `display` names the file in messages. Results of a
/// binary that is not of `workspace` are kept apart; a `timeout` event ("running
/// over 60 s") is no outcome; a test that started and never finished failed.
pub fn parse(text: &str, display: &Path, workspace: &Workspace) -> Result<TestResults> {
    let mut results = TestResults::default();
    let mut binary: Option<String> = None;
    // Tests started and not finished yet, with their binary.
    let mut running: std::collections::BTreeSet<(Option<String>, String)> = Default::default();
    for (i, raw) in text.lines().enumerate() {
        let line = crate::text::strip_ansi(raw);
        let trimmed = line.trim();
        if !trimmed.starts_with('{') {
            if let Some(krate) = crate_of_running_line(trimmed) {
                binary = Some(krate);
            }
            continue;
        }
        let event: LibtestEvent = serde_json::from_str(trimmed)
            .map_err(|err| bad(display, i + 1, format!("a line is not a libtest JSON event ({err})")))?;
        if event.kind == "suite" {
            let krate = event.vital_target.or_else(|| binary.clone());
            if let (Some(krate), Some(seconds), "ok" | "failed") =
                (krate, event.exec_time, event.event.as_str())
                && let Ok(time) = std::time::Duration::try_from_secs_f64(seconds)
            {
                results.record_time(krate, time);
            }
            continue;
        }
        if event.kind != "test" {
            continue;
        }
        let Some(name) = event.name else {
            return Err(bad(display, i + 1, "a test event has no `name`".into()));
        };
        let krate = event.vital_target.or_else(|| binary.clone());
        let outcome = match event.event.as_str() {
            "ok" => Outcome::Passed,
            "failed" => Outcome::Failed,
            "ignored" => Outcome::Ignored,
            "started" => {
                running.insert((krate, name));
                continue;
            }
            _ => continue,
        };
        let key = (krate, name);
        running.remove(&key);
        match key {
            (Some(krate), _) if !is_workspace_crate(workspace, &krate) => results.record_foreign(&krate),
            (krate, name) => results.record(krate, name, outcome),
        }
    }
    for (krate, name) in running {
        match krate {
            Some(krate) if !is_workspace_crate(workspace, &krate) => results.record_foreign(&krate),
            krate => results.record_unfinished(krate, name),
        }
    }
    Ok(results)
}

/// The field [`Tee`] adds to each test event: the crate of the binary it came from.
pub const TARGET_FIELD: &str = "vital_target";

/// Splits the combined output of a libtest run (cargo's lines and the test binaries'
/// JSON events, in one stream) into what a person should see and the events to
/// record, each tagged with the crate of the binary that printed it.
#[derive(Debug, Default)]
pub struct Tee {
    target: Option<String>,
    binaries: Vec<Binary>,
}

/// What to do with one line of a libtest run's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeeLine {
    /// What to show on the terminal, if anything.
    pub show: Option<String>,
    /// The JSON line to record, for a test event.
    pub record: Option<String>,
}

impl Tee {
    /// The test binaries the run announced, in order.
    pub fn binaries(&self) -> &[Binary] {
        &self.binaries
    }

    /// Takes one line of output (without its line terminator).
    pub fn line(&mut self, line: &str) -> TeeLine {
        let trimmed = line.trim();
        if !trimmed.starts_with('{') {
            if let Some(binary) = running_line(&crate::text::strip_ansi(trimmed)) {
                self.target = Some(binary.krate.clone());
                self.binaries.push(binary);
            }
            return TeeLine { show: Some(line.to_string()), record: None };
        }
        let Ok(mut event) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(trimmed)
        else {
            return TeeLine { show: Some(line.to_string()), record: None };
        };
        let kind = event.get("type").and_then(|t| t.as_str());
        let finished = matches!(event.get("event").and_then(|e| e.as_str()), Some("ok" | "failed"));
        if kind == Some("suite") && finished {
            // How long the binary's tests ran: recorded, not shown.
            if let Some(target) = &self.target {
                event.insert(TARGET_FIELD.into(), target.clone().into());
            }
            return TeeLine { show: None, record: Some(serde_json::Value::Object(event).to_string()) };
        }
        if kind != Some("test") {
            return TeeLine { show: None, record: None };
        }
        let name = event.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
        let show = match event.get("event").and_then(|e| e.as_str()) {
            Some("ok") => Some(format!("test {name} ... ok")),
            Some("ignored") => Some(format!("test {name} ... ignored")),
            Some("failed") => {
                let output = event.get("stdout").and_then(|o| o.as_str()).unwrap_or_default();
                Some(format!("test {name} ... FAILED\n{output}").trim_end().to_string())
            }
            _ => None,
        };
        if let Some(target) = &self.target {
            event.insert(TARGET_FIELD.into(), target.clone().into());
        }
        TeeLine { show, record: Some(serde_json::Value::Object(event).to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_lines_name_their_crate() {
        assert_eq!(
            crate_of_running_line("Running unittests src/lib.rs (target/x/deps/a_b-0123abcd)").as_deref(),
            Some("a_b")
        );
        assert_eq!(
            crate_of_running_line("Running tests/it.rs (target/debug/deps/it-ffff)").as_deref(),
            Some("it")
        );
        assert_eq!(crate_of_running_line("Running `cargo test`"), None);
        assert_eq!(crate_of_running_line("Compiling x"), None);
    }

    #[test]
    fn the_tee_shows_cargo_and_results_and_records_tagged_events() {
        let mut tee = Tee::default();
        let running = tee.line("     Running unittests src/lib.rs (target/debug/deps/my_store-0123abcd)");
        assert_eq!((running.show.is_some(), running.record), (true, None));
        let started = tee.line(r#"{ "type": "test", "event": "started", "name": "t::a" }"#);
        let started_suite = tee.line(r#"{ "type": "suite", "event": "started", "test_count": 1 }"#);
        assert_eq!(started_suite, TeeLine { show: None, record: None });
        let suite = tee.line(r#"{ "type": "suite", "event": "ok", "passed": 1, "exec_time": 0.5 }"#);
        assert_eq!(suite.show, None);
        let mut workspace = crate::testutil::fixture(&[("src/lib.rs", "")]).workspace;
        workspace.packages[0].targets[0].name = "my_store".into();
        let times = parse(&suite.record.unwrap(), Path::new("x"), &workspace).unwrap();
        assert_eq!(times.time_of("my_store"), Some(std::time::Duration::from_millis(500)));
        assert_eq!(started.show, None);
        let ok = tee.line(r#"{ "type": "test", "event": "ok", "name": "t::a" }"#);
        assert_eq!(ok.show.as_deref(), Some("test t::a ... ok"));
        let record = ok.record.unwrap();
        let results = parse(&record, Path::new("x"), &workspace).unwrap();
        assert_eq!(results.lookup("my_store", "t::a", false), Some(Outcome::Passed));
        let failed = tee.line(r#"{ "type": "test", "event": "failed", "name": "t::b", "stdout": "boom" }"#);
        assert_eq!(failed.show.as_deref(), Some("test t::b ... FAILED\nboom"));
        let garbage = tee.line("{ not json");
        assert_eq!(garbage.show.as_deref(), Some("{ not json"));
    }
}
