//! nextest's JUnit XML (`junit.path` of a nextest profile): `<testsuite
//! name="BINARY-ID">` holds `<testcase name="path::to::test">`, with a `<failure>` or
//! `<error>` child when it failed and `<skipped>` when it did not run. Binary ids are
//! `package` (the library's unit tests), `package::bin/name`, `package::target` (an
//! integration test). nextest leaves ignored tests out: the source says them.

use std::path::Path;

use super::results::{Outcome, TestResults, bad};
use crate::error::Result;
use crate::workspace::{TargetKind, Workspace};

/// The crate of a nextest binary id, when the binary is one of this workspace's:
/// `package` (its library's unit tests), `package::bin/name`, `package::name` (an
/// integration test); `package::example/x` and `package::bench/x` are of the
/// workspace too, though vital indexes no test there.
pub fn crate_of_binary_id(id: &str, workspace: &Workspace) -> Option<String> {
    let (package, rest) = match id.split_once("::") {
        Some((package, rest)) => (package, Some(rest)),
        None => (id, None),
    };
    let package = workspace.packages.iter().find(|p| p.name == package)?;
    let of_kind = |kind: TargetKind, name: &str| {
        let name = name.replace('-', "_");
        package.targets.iter().find(|t| t.kind == kind && t.name == name).map(|t| t.name.clone())
    };
    match rest.map(|r| r.split_once('/').map_or((None, r), |(kind, name)| (Some(kind), name))) {
        None => package.targets.iter().find(|t| t.kind == TargetKind::Lib).map(|t| t.name.clone()),
        Some((None, name)) => of_kind(TargetKind::Test, name),
        Some((Some("bin"), name)) => of_kind(TargetKind::Bin, name),
        Some((Some(_), name)) => Some(name.replace('-', "_")),
    }
}

/// Reads JUnit XML; `display` names the file in messages.
pub fn parse(text: &str, display: &Path, workspace: &Workspace) -> Result<TestResults> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut results = TestResults::default();
    // The open <testsuite>: of a crate of this workspace, of a foreign binary, or unnamed.
    let mut suite: Option<Result<String, String>> = None;
    let record = |results: &mut TestResults,
                  suite: &Option<Result<String, String>>,
                  test: String,
                  outcome| match suite {
        Some(Ok(krate)) => results.record(Some(krate.clone()), test, outcome),
        Some(Err(binary)) => results.record_foreign(binary),
        None => results.record(None, test, outcome),
    };
    // The open <testcase>: its name and whether a failure or skip was seen in it.
    let mut case: Option<(String, Outcome)> = None;
    // Whether the open <testsuite> says its time (else its cases' times add up).
    let mut suite_timed = false;
    let seconds = |t: Option<String>| {
        t.and_then(|t| t.parse::<f64>().ok()).and_then(|t| std::time::Duration::try_from_secs_f64(t).ok())
    };
    let line_of = |pos: u64| text[..usize::try_from(pos).unwrap_or(0).min(text.len())].lines().count();
    loop {
        let event = reader.read_event().map_err(|err| {
            let line = line_of(reader.error_position());
            bad(display, line, format!("the JUnit XML is malformed ({err})"))
        })?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.name().as_ref().to_string();
                let attr = |key: &str| {
                    e.attributes().flatten().find(|a| a.key.as_ref() == key).map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .unwrap_or_else(|_| a.value.to_string())
                    })
                };
                match name.as_str() {
                    "testsuite" => {
                        suite = attr("name").map(|id| crate_of_binary_id(&id, workspace).ok_or(id));
                        let time = seconds(attr("time"));
                        suite_timed = time.is_some();
                        if let (Some(Ok(krate)), Some(time)) = (&suite, time) {
                            results.record_time(krate.clone(), time);
                        }
                    }
                    "testcase" => {
                        // nextest times each test (its own process), not the suite.
                        if let (false, Some(Ok(krate)), Some(time)) =
                            (suite_timed, &suite, seconds(attr("time")))
                        {
                            results.record_time(krate.clone(), time);
                        }
                        let Some(test) = attr("name") else {
                            return Err(bad(
                                display,
                                line_of(reader.buffer_position()),
                                "a <testcase> has no name".into(),
                            ));
                        };
                        if empty {
                            record(&mut results, &suite, test, Outcome::Passed);
                        } else {
                            case = Some((test, Outcome::Passed));
                        }
                    }
                    "failure" | "error" => {
                        if let Some((_, outcome)) = &mut case {
                            *outcome = Outcome::Failed;
                        }
                    }
                    "skipped" => {
                        if let Some((_, outcome)) = &mut case
                            && *outcome != Outcome::Failed
                        {
                            *outcome = Outcome::Ignored;
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "testcase" => {
                    if let Some((test, outcome)) = case.take() {
                        record(&mut results, &suite, test, outcome);
                    }
                }
                "testsuite" => suite = None,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if case.is_some() {
        return Err(bad(
            display,
            text.lines().count(),
            "the JUnit XML is truncated (a <testcase> is not closed)".into(),
        ));
    }
    Ok(results)
}
