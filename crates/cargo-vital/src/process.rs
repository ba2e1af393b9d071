//! Everything that spawns a process: `cargo metadata`, the prerequisite checks and
//! the coverage run. One place, so the environment and the error messages are
//! handled once.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use vital::source::SourceIndex;
use vital::stamp::SourceStamp;
use vital::workspace::Workspace;
use vital::{Error, ErrorKind, Location};

/// The command that installs cargo-llvm-cov.
pub const INSTALL_LLVM_COV: &str = "cargo install cargo-llvm-cov --locked";
/// The command that installs the LLVM tools.
pub const INSTALL_LLVM_TOOLS: &str = "rustup component add llvm-tools-preview";

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `cargo metadata --no-deps` of the workspace at `manifest_path` (or the current
/// directory's).
pub fn workspace(manifest_path: Option<&Path>) -> Result<Workspace, Error> {
    let mut command = cargo_metadata::MetadataCommand::new();
    command.cargo_path(PathBuf::from(cargo())).no_deps();
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    let metadata = command.exec().map_err(|err| {
        let location = manifest_path.map(Location::file);
        let message = match err {
            cargo_metadata::Error::CargoMetadata { stderr } => {
                format!("`cargo metadata` failed: {}", stderr.trim().trim_start_matches("error: "))
            }
            other => format!("`cargo metadata` failed: {other}"),
        };
        Error::new(ErrorKind::Workspace, location, message)
            .with_help("run cargo vital inside a cargo workspace, or pass `--manifest-path PATH/Cargo.toml`")
    })?;
    Ok(Workspace::from_metadata(&metadata))
}

/// Errors, with the command that fixes it, when cargo-llvm-cov or the LLVM tools
/// are missing.
pub fn check_prerequisites() -> Result<(), Error> {
    let llvm_cov = Command::new(cargo())
        .args(["llvm-cov", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !llvm_cov.is_ok_and(|s| s.success()) {
        return Err(Error::new(
            ErrorKind::Tool,
            None,
            "cargo-llvm-cov is not installed (`cargo llvm-cov` is not a command)",
        )
        .with_help(format!("install it with `{INSTALL_LLVM_COV}`")));
    }
    if std::env::var_os("LLVM_COV").is_some() && std::env::var_os("LLVM_PROFDATA").is_some() {
        return Ok(());
    }
    let tools = llvm_tools_dir()?;
    let exe = if cfg!(windows) { ".exe" } else { "" };
    for tool in ["llvm-cov", "llvm-profdata"] {
        if !tools.join(format!("{tool}{exe}")).is_file() {
            return Err(Error::new(
                ErrorKind::Tool,
                Some(Location::file(tools.join(tool))),
                format!("the LLVM tools of this toolchain are not installed ({tool} is missing)"),
            )
            .with_help(format!(
                "install them with `{INSTALL_LLVM_TOOLS}` (or set LLVM_COV and LLVM_PROFDATA)"
            )));
        }
    }
    Ok(())
}

/// Where rustup puts `llvm-cov`: `<target-libdir>/../bin`.
fn llvm_tools_dir() -> Result<PathBuf, Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc).args(["--print", "target-libdir"]).output().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `{}`: {err}", rustc.to_string_lossy()))
    })?;
    if !output.status.success() {
        return Err(Error::new(ErrorKind::Tool, None, "`rustc --print target-libdir` failed"));
    }
    let libdir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(libdir.parent().map(|p| p.join("bin")).unwrap_or(libdir))
}

/// What `cargo vital run` passes to cargo-llvm-cov.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageRun {
    /// `--manifest-path`.
    pub manifest_path: Option<PathBuf>,
    /// `--package`; all members when empty.
    pub packages: Vec<String>,
    /// `--features`.
    pub features: Vec<String>,
    /// `--all-features`.
    pub all_features: bool,
    /// `--no-default-features`.
    pub no_default_features: bool,
    /// Arguments for the test binaries (after `--`).
    pub test_args: Vec<OsString>,
}

impl CoverageRun {
    /// The `cargo llvm-cov` command writing the JSON export to `output`: branch
    /// coverage on (`RUSTC_BOOTSTRAP=1` makes the unstable `--branch` work on stable).
    pub fn command(&self, output: &Path) -> Command {
        let mut command = Command::new(cargo());
        command.args(["llvm-cov", "--branch", "--json", "--output-path"]).arg(output);
        command.env("RUSTC_BOOTSTRAP", "1");
        if let Some(path) = &self.manifest_path {
            command.arg("--manifest-path").arg(path);
        }
        if self.packages.is_empty() {
            command.arg("--workspace");
        }
        for package in &self.packages {
            command.args(["--package", package]);
        }
        if !self.features.is_empty() {
            command.args(["--features", &self.features.join(",")]);
        }
        if self.all_features {
            command.arg("--all-features");
        }
        if self.no_default_features {
            command.arg("--no-default-features");
        }
        if !self.test_args.is_empty() {
            command.arg("--").args(&self.test_args);
        }
        // The tests' output goes to stderr: stdout carries the report.
        command.stdout(std::io::stderr()).stderr(Stdio::inherit());
        command
    }
}

/// How a coverage run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The coverage is at the path given.
    Coverage,
    /// cargo-llvm-cov failed: the tests failed or did not build.
    Failed(Option<i32>),
}

/// Produces coverage the way `cargo vital run` does: stamps the source of `index`
/// (before the tests build it, so that an edit during or after the run makes the
/// coverage stale), runs the tests under coverage, and writes the export to `output`
/// and its stamp next to it, both atomically.
pub fn produce_coverage(
    workspace: &Workspace,
    index: &SourceIndex,
    run: &CoverageRun,
    output: &Path,
) -> Result<RunOutcome, Error> {
    let stamp = SourceStamp::of(index);
    let outcome = run_coverage(workspace, run, output)?;
    if outcome == RunOutcome::Coverage {
        let json = serde_json::to_vec_pretty(&stamp).expect("a stamp always serializes");
        vital::fsutil::write_atomic(&SourceStamp::path_for(output), &json)?;
    }
    Ok(outcome)
}

/// Runs the tests under coverage, writing the export to `output` atomically (a
/// failed or killed run leaves the previous export in place).
pub fn run_coverage(workspace: &Workspace, run: &CoverageRun, output: &Path) -> Result<RunOutcome, Error> {
    let dir = output.parent().unwrap_or(&workspace.target_dir);
    std::fs::create_dir_all(dir).map_err(|err| {
        Error::new(ErrorKind::Io, Some(Location::file(dir)), format!("cannot create: {err}"))
    })?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        output.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let status = run.command(&temp).status().map_err(|err| {
        Error::new(ErrorKind::Tool, None, format!("cannot run `cargo llvm-cov`: {err}"))
            .with_help(format!("install it with `{INSTALL_LLVM_COV}`"))
    })?;
    if !status.success() {
        let _ = std::fs::remove_file(&temp);
        return Ok(RunOutcome::Failed(status.code()));
    }
    std::fs::rename(&temp, output).map_err(|err| {
        Error::new(ErrorKind::Io, Some(Location::file(output)), format!("cannot write: {err}"))
    })?;
    Ok(RunOutcome::Coverage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coverage_command_turns_branch_coverage_on_and_passes_options_through() {
        let run = CoverageRun {
            manifest_path: Some("ws/Cargo.toml".into()),
            packages: vec!["a".into(), "b".into()],
            features: vec!["x".into(), "y".into()],
            all_features: true,
            no_default_features: true,
            test_args: vec!["--test-threads=1".into()],
        };
        let command = run.command(Path::new("out.json"));
        let args: Vec<String> = command.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(
            args,
            [
                "llvm-cov",
                "--branch",
                "--json",
                "--output-path",
                "out.json",
                "--manifest-path",
                "ws/Cargo.toml",
                "--package",
                "a",
                "--package",
                "b",
                "--features",
                "x,y",
                "--all-features",
                "--no-default-features",
                "--",
                "--test-threads=1"
            ]
        );
        let bootstrap = command.get_envs().find(|(k, _)| *k == "RUSTC_BOOTSTRAP").and_then(|(_, v)| v);
        assert_eq!(bootstrap, Some("1".as_ref()));
        let all = CoverageRun::default().command(Path::new("o"));
        assert!(all.get_args().any(|a| a == "--workspace"));
    }
}
