//! The pre-commit hooks, for real: the pre-commit framework (from PyPI) running
//! vital's `.pre-commit-hooks.yaml` on a temporary git repository, and the plain git
//! hook of `cargo vital hook install` refusing a commit that breaks the catalogue.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{command, fixture};

/// A PATH on which `cargo vital` is the binary under test.
fn path_with_vital() -> OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_cargo-vital")).parent().unwrap().to_path_buf();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    command("git", dir)
        .args(["-c", "user.name=vital", "-c", "user.email=vital@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("PATH", path_with_vital())
        .output()
        .expect("git runs")
}

/// A git repository holding the `shapes` fixture, all of it committed but the hook.
fn repository(copy: &str) -> PathBuf {
    let dir = fixture("shapes", copy);
    let _ = std::fs::remove_dir_all(dir.join(".git"));
    std::fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    assert!(git(&dir, &["init", "-q", "-b", "main"]).status.success());
    dir
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout)
}

const BROKEN: &str = "[[vital]]\nfunction = \"shapes::config::parse_prt\"\ntier = \"critical\"\n";

#[test]
fn the_git_hook_refuses_a_commit_that_breaks_the_catalogue() {
    let dir = repository("shapes-githook");
    let install =
        command(env!("CARGO_BIN_EXE_cargo-vital"), &dir).args(["vital", "hook", "install"]).output().unwrap();
    assert!(install.status.success(), "{}", stderr(&install));
    let hook = std::fs::read_to_string(dir.join(".git/hooks/pre-commit")).unwrap();
    assert!(hook.contains("exec cargo vital check --static"), "{hook}");

    assert!(git(&dir, &["add", "-A"]).status.success());
    let good = git(&dir, &["commit", "-q", "-m", "a catalogue that resolves"]);
    assert!(good.status.success(), "{}", stderr(&good));

    std::fs::write(dir.join("vital.toml"), BROKEN).unwrap();
    assert!(git(&dir, &["add", "vital.toml"]).status.success());
    let bad = git(&dir, &["commit", "-q", "-m", "a typo in the catalogue"]);
    assert!(!bad.status.success(), "the commit went through: {}", stderr(&bad));
    assert!(stderr(&bad).contains("`shapes::config::parse_prt` names no function"), "{}", stderr(&bad));
    let log = git(&dir, &["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1, "only the good commit");
}

#[test]
fn hook_install_keeps_a_hook_that_is_not_vitals_unless_forced() {
    let dir = repository("shapes-otherhook");
    let hooks = dir.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\nexec ./lint.sh\n").unwrap();
    let install =
        command(env!("CARGO_BIN_EXE_cargo-vital"), &dir).args(["vital", "hook", "install"]).output().unwrap();
    assert_eq!(install.status.code(), Some(2), "{}", stderr(&install));
    assert!(
        stderr(&install).contains("a pre-commit hook that is not vital's is already there"),
        "{}",
        stderr(&install)
    );
    assert_eq!(std::fs::read_to_string(hooks.join("pre-commit")).unwrap(), "#!/bin/sh\nexec ./lint.sh\n");
    let forced = command(env!("CARGO_BIN_EXE_cargo-vital"), &dir)
        .args(["vital", "hook", "install", "--force"])
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap().contains("cargo vital check --static")
    );
    // Installing again over vital's own hook needs no force.
    let again =
        command(env!("CARGO_BIN_EXE_cargo-vital"), &dir).args(["vital", "hook", "install"]).output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
}

fn pre_commit() -> Command {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "pre-commit is not installed: install it with `python3 -m pip install pre-commit` (`cargo xtask test` does)"
    );
    Command::new("pre-commit")
}

#[test]
fn the_pre_commit_framework_runs_the_vital_check_hook() {
    let dir = repository("shapes-precommit");
    assert!(git(&dir, &["add", "-A"]).status.success());
    let vital_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let home = dir.join(".pre-commit-home");
    let try_repo = |dir: &Path| {
        let mut cmd = pre_commit();
        cmd.current_dir(dir)
            .args(["try-repo", vital_repo.to_str().unwrap(), "vital-check", "--all-files", "--verbose"])
            .env("PATH", path_with_vital())
            .env("PRE_COMMIT_HOME", &home)
            .env_remove("CARGO_TARGET_DIR");
        cmd.output().expect("pre-commit runs")
    };
    let good = try_repo(&dir);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stderr(&good).contains("vital (static check)"), "{}", stderr(&good));
    assert!(stderr(&good).contains("Passed"), "{}", stderr(&good));

    std::fs::write(dir.join("vital.toml"), BROKEN).unwrap();
    let bad = try_repo(&dir);
    assert!(!bad.status.success(), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("Failed"), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("`shapes::config::parse_prt` names no function"), "{}", stderr(&bad));
}
