//! Runs at once, runs killed half-way: real processes, real signals.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::Stdio;

use crate::support::{command, fixture, vital};

#[test]
fn two_runs_at_once_in_one_workspace_do_not_spoil_each_other() {
    let dir = fixture("shapes", "shapes-concurrent");
    let spawn = |output: &str| {
        command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
            .args(["vital", "run", "--format", "json", "--output", output])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a.json"), spawn("b.json"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    for out in [&a, &b] {
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let waited = [&a, &b]
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("waiting for another `cargo vital run`"))
        .count();
    assert_eq!(waited, 1, "one run waits for the other");
    let verdicts = |name: &str| -> Vec<(String, String, u64)> {
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        report["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let covered = f["regions"]["covered"].as_u64().unwrap();
                (
                    f["function"].as_str().unwrap().to_string(),
                    f["verdict"].as_str().unwrap().to_string(),
                    covered,
                )
            })
            .collect()
    };
    assert_eq!(verdicts("a.json"), verdicts("b.json"));
    assert_eq!(verdicts("a.json").iter().filter(|v| v.1 == "pass").count(), 4);
}

#[test]
fn a_run_killed_half_way_leaves_the_previous_report_intact() {
    let dir = fixture("shapes", "shapes-killed");
    let first = vital(&dir, &["run", "--runner", "libtest", "--output", "report.json"]);
    assert_eq!(first.code, 1, "{first:?}");
    let vital_dir = dir.join("target/vital");
    let before: Vec<(String, Vec<u8>)> = ["coverage.json", "coverage.sources.json", "tests.jsonl"]
        .iter()
        .map(|name| (name.to_string(), std::fs::read(vital_dir.join(name)).unwrap()))
        .collect();
    let report = std::fs::read(dir.join("report.json")).unwrap();

    // A test that takes long enough to be killed in the middle of the run.
    std::fs::write(
        dir.join("tests/slow.rs"),
        "#[test]\nfn slow() {\n    std::thread::sleep(std::time::Duration::from_secs(120));\n}\n",
    )
    .unwrap();
    let mut child = command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
        .args(["vital", "run", "--runner", "libtest", "--output", "report.json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        let started = line.contains("Running tests/slow.rs");
        seen.push(line);
        if started {
            break;
        }
    }
    assert!(seen.last().is_some_and(|l| l.contains("Running tests/slow.rs")), "{seen:#?}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SIGKILL to the whole group, as a CI runner cancelling the job would. The group
    // is the child's own (`process_group(0)`): check before signalling it, and pass
    // `--` so that `kill` takes `-PGID` as a group, not as an option.
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).unwrap();
    let pgrp: u32 = stat.rsplit(')').next().unwrap().split_whitespace().nth(2).unwrap().parse().unwrap();
    assert_eq!(pgrp, child.id(), "the run leads its own process group");
    let kill =
        std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pgrp}")]).status().unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(!status.success());

    for (name, bytes) in &before {
        assert_eq!(&std::fs::read(vital_dir.join(name)).unwrap(), bytes, "{name} changed");
    }
    assert_eq!(std::fs::read(dir.join("report.json")).unwrap(), report, "the report changed");
    // What the killed run was writing (its test results so far) is left behind…
    let leftovers: Vec<String> = std::fs::read_dir(&vital_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tests.") || n.ends_with(".tmp"))
        .collect();
    assert!(!leftovers.is_empty(), "the run was killed half-way, with files in progress");

    // …the previous evidence still checks, and the next run clears the leftovers.
    let check = vital(&dir, &["check", "--format", "json"]);
    assert_eq!(check.code, 1, "{check:?}");
    std::fs::remove_file(dir.join("tests/slow.rs")).unwrap();
    let again = vital(&dir, &["run", "--runner", "libtest"]);
    assert_eq!(again.code, 1, "{again:?}");
    let names: Vec<String> = std::fs::read_dir(&vital_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp") && !n.starts_with(".tests.")), "{names:?}");
}

/// The processes whose command line contains `needle`.
fn processes_running(needle: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let cmdline = std::fs::read(e.ok()?.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(needle).then_some(cmdline)
        })
        .collect()
}

#[test]
fn a_sigterm_to_vital_alone_stops_the_whole_run_and_leaves_nothing_behind() {
    let dir = fixture("shapes", "shapes-sigterm");
    std::fs::write(
        dir.join("tests/sleepy.rs"),
        "#[test]\nfn sleepy() {\n    std::thread::sleep(std::time::Duration::from_secs(120));\n}\n",
    )
    .unwrap();
    let mut child = command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
        .args(["vital", "run", "--runner", "libtest"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        let started = line.contains("Running tests/sleepy.rs");
        seen.push(std::mem::take(&mut line));
        if started {
            break;
        }
    }
    assert!(seen.last().is_some_and(|l| l.contains("Running tests/sleepy.rs")), "{seen:#?}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!processes_running("/deps/sleepy-").is_empty(), "the slow test runs");
    // SIGTERM to vital alone, not to its group.
    let kill = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let rest: Vec<String> = stderr.lines().map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{rest:#?}");
    assert!(rest.iter().any(|l| l.contains("interrupted by SIGTERM")), "{rest:#?}");
    // When vital is gone, so is every process of its run…
    assert_eq!(processes_running("/deps/sleepy-"), Vec::<String>::new());
    // …nothing it was writing is left, and nothing appears later.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let vital_dir = dir.join("target/vital");
    let stray: Vec<String> = std::fs::read_dir(&vital_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.starts_with(".tests.") || n.starts_with(".nextest."))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    let lock = std::fs::File::options().write(true).open(vital_dir.join(".run.lock")).unwrap();
    assert!(lock.try_lock().is_ok(), "the run lock is free once the run is gone");
}

#[test]
fn tests_that_do_not_build_are_exit_2_not_a_failed_gate() {
    let dir = fixture("shapes", "shapes-nobuild");
    std::fs::write(dir.join("tests/broken.rs"), "#[test]\nfn broken() {\n    let x: u8 = \"no\";\n}\n")
        .unwrap();
    let out = vital(&dir, &["run", "--runner", "libtest"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("the tests did not build"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "no report: {}", out.stdout);
}
