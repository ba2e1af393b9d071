//! Typed errors of the pipeline.
//!
//! Every error is "the input is unusable" (exit code 2 in the binary): it names the
//! file, the line where known, what is wrong and what to do. An [`Error`] may carry
//! several [`Problem`]s (all the bad entries of a catalogue, say) so a user fixes them
//! in one pass.

use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of input was unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `vital.toml` is missing, not TOML, or not a valid catalogue.
    Catalogue,
    /// A catalogue path names no function, or several.
    Resolution,
    /// A coverage file is unreadable, truncated, of an unknown format or version.
    Coverage,
    /// Coverage records no longer fit the source: coverage is older than the code.
    StaleCoverage,
    /// The workspace could not be read (cargo metadata, a source file).
    Workspace,
    /// A file could not be read or written.
    Io,
    /// A tool vital needs (cargo-llvm-cov, the LLVM tools) is missing or failed.
    Tool,
    /// Mutation results (cargo-mutants' `mutants.out`, its mutant list) are
    /// unreadable, partial, or do not fit the source.
    Mutants,
}

/// Where a problem is, as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file, as the user would type it (relative to the workspace when possible).
    pub file: PathBuf,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column, in characters.
    pub column: Option<usize>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location { file: file.into(), line: None, column: None }
    }

    /// A line and column in a file.
    pub fn at(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location { file: file.into(), line: Some(line), column: Some(column) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// One thing wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// Where, when known.
    pub location: Option<Location>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            for (i, line) in help.lines().enumerate() {
                let lead = if i == 0 { "help: " } else { "      " };
                write!(f, "\n  {lead}{line}")?;
            }
        }
        Ok(())
    }
}

/// The input is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    problems: Vec<Problem>,
}

impl Error {
    /// An error with one problem.
    pub fn new(kind: ErrorKind, location: Option<Location>, message: impl Into<String>) -> Self {
        Error { kind, problems: vec![Problem { location, message: message.into(), help: None }] }
    }

    /// An error made of several problems of one kind (at least one).
    pub fn from_problems(kind: ErrorKind, problems: Vec<Problem>) -> Self {
        debug_assert!(!problems.is_empty());
        Error { kind, problems }
    }

    /// An I/O failure on `path`.
    pub fn io(kind: ErrorKind, path: &Path, err: &std::io::Error) -> Self {
        Error::new(kind, Some(Location::file(path)), format!("cannot read: {err}"))
    }

    /// Adds what to do to the last problem.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        if let Some(last) = self.problems.last_mut() {
            last.help = Some(help.into());
        }
        self
    }

    /// The kind of input that was unusable.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Each problem found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The result type of the pipeline.
pub type Result<T, E = Error> = std::result::Result<T, E>;
