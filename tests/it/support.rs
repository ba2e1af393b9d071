//! Running the real `cargo-vital` binary and real cargo-llvm-cov on fixture
//! workspaces copied to a scratch directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A finished command.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn from_output(output: Output) -> Outcome {
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The JSON on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self:?}"))
    }
}

/// Environment variables of an outer cargo, test or coverage run that must not
/// leak into the cargo runs of a fixture.
fn is_leaky(key: &str) -> bool {
    (key.starts_with("CARGO_") && key != "CARGO_HOME")
        || key.starts_with("LLVM_PROFILE")
        || key.starts_with("RUST") && !matches!(key, "RUSTUP_HOME" | "RUSTUP_TOOLCHAIN" | "RUST_BACKTRACE")
        || key.starts_with("__CARGO")
        || key.starts_with("NEXTEST")
        || matches!(key, "NO_COLOR" | "LLVM_COV" | "LLVM_PROFDATA")
}

/// A command with a clean environment, run in `dir`.
pub fn command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if is_leaky(&key.to_string_lossy()) {
            command.env_remove(key);
        }
    }
    command
}

/// Runs the `cargo-vital` binary in `dir` (`vital` is inserted as cargo would).
pub fn vital(dir: &Path, args: &[&str]) -> Outcome {
    let output = command(env!("CARGO_BIN_EXE_cargo-vital"), dir)
        .arg("vital")
        .args(args)
        .output()
        .expect("cargo-vital runs");
    Outcome::from_output(output)
}

/// The fixture's source directory.
pub fn fixture_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

/// A fresh copy of fixture `name` in the scratch directory, as `copy`; its
/// `target/` is kept between test runs to save compile time.
pub fn fixture(name: &str, copy: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixtures").join(copy);
    if dir.exists() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() != "target" {
                let path = entry.path();
                if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }
                    .unwrap();
            }
        }
    }
    copy_dir(&fixture_source(name), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fixture on which `cargo vital run` ran once, shared by the tests that only
/// read its results.
pub struct Ran {
    pub dir: PathBuf,
    pub run: Outcome,
}

impl Ran {
    pub fn coverage(&self) -> PathBuf {
        self.dir.join("target/vital/coverage.json")
    }

    /// `cargo vital check` on the shared coverage with another catalogue.
    pub fn check_with(&self, catalogue: &str, args: &[&str]) -> Outcome {
        let name = format!("catalogue-{:x}.toml", hash(catalogue));
        write_file(self.dir.join(&name), catalogue).unwrap();
        let mut all = vec!["check", "--catalogue", &name];
        all.extend_from_slice(args);
        vital(&self.dir, &all)
    }
}

fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The `shapes` fixture after `cargo vital run --format json`.
pub fn shapes() -> &'static Ran {
    static SHAPES: OnceLock<Ran> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let dir = fixture("shapes", "shapes-shared");
        let run = vital(&dir, &["run", "--format", "json"]);
        assert_eq!(run.code, 1, "the shapes fixture has gaps: {run:?}");
        Ran { dir, run }
    })
}

/// `llvm-cov` of the active toolchain.
pub fn llvm_cov() -> PathBuf {
    let output = command("rustc", Path::new(".")).args(["--print", "target-libdir"]).output().unwrap();
    let libdir = PathBuf::from(String::from_utf8(output.stdout).unwrap().trim());
    libdir.parent().unwrap().join("bin/llvm-cov")
}

/// Runs the real `cargo llvm-cov` in `dir`, writing the JSON export to `out`, with
/// the source stamped first (`cargo vital stamp`, as a user's CI does) next to it.
pub fn llvm_cov_export(dir: &Path, out: &str, branch: bool, extra: &[&str]) -> Outcome {
    let stamp = Path::new(out).with_extension("sources.json");
    let stamped = vital(dir, &["stamp", "--output", stamp.to_str().unwrap()]);
    assert_eq!(stamped.code, 0, "cargo vital stamp failed: {stamped:?}");
    let mut cmd = command("cargo", dir);
    cmd.args(["llvm-cov", "--json", "--output-path", out]).args(extra);
    if branch {
        cmd.arg("--branch").env("RUSTC_BOOTSTRAP", "1");
    }
    let output = cmd.output().expect("cargo llvm-cov runs");
    let outcome = Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(outcome.code, 0, "cargo llvm-cov failed: {outcome:?}");
    outcome
}

/// Writes `contents` to `path` atomically (a temporary file renamed over it): tests
/// that share a fixture copy run at once, and one must never read a file another is
/// halfway through writing.
pub fn write_file(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    let path = path.as_ref();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp =
        path.with_file_name(format!(".{name}.{}.{:?}.tmp", std::process::id(), std::thread::current().id()));
    std::fs::write(&temp, contents)?;
    std::fs::rename(&temp, path)
}
