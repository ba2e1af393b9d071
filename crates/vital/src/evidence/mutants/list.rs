//! cargo-mutants' description of a mutant: one object of `cargo mutants --list
//! --json` (and of `mutants.out/mutants.json`, the list a run tested), and the
//! `{"Mutant": …}` scenario of `outcomes.json`, which has the same fields but `diff`.
//!
//! ```json
//! { "name": "src/eval.rs:163:34: replace || with && in matches_caret",
//!   "package": "semver", "file": "src/eval.rs",
//!   "function": { "function_name": "matches_caret", "return_type": "-> bool",
//!                 "span": { "start": {"line": 134, "column": 1}, "end": {"line": 168, "column": 2} } } | null,
//!   "span": { "start": {"line": 163, "column": 34}, "end": {"line": 163, "column": 36} },
//!   "replacement": "&&", "genre": "BinaryOperator", "diff": "--- src/eval.rs\n+++ …" }
//! ```
//!
//! `file` is relative to the workspace root; lines are 1-based, columns 1-based and
//! counted in *characters*, ends exclusive (cargo-mutants 27, `span.rs`). `function`
//! is informative only: vital joins a mutant with a function by its `span`.
//! Unknown fields are errors under test and ignored in release, so that a newer
//! cargo-mutants that adds fields still reads.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Location, Result};

/// A position of cargo-mutants: 1-based line, 1-based character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct LineColumn {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A span of cargo-mutants, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct Span {
    /// First character.
    pub start: LineColumn,
    /// After the last character.
    pub end: LineColumn,
}

/// The function cargo-mutants says a mutant is in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct FunctionInfo {
    /// `matches_caret`, `Acc::add`, `<impl Shape for Sq>::area` (no file-module path).
    pub function_name: String,
    /// `-> bool`, or empty.
    #[serde(default)]
    pub return_type: String,
    /// The function item's span, from its first attribute or doc comment.
    pub span: Span,
}

/// One mutant as cargo-mutants describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, serde(deny_unknown_fields))]
pub struct MutantRecord {
    /// `file:line:col: description`.
    pub name: String,
    /// The package it mutates.
    pub package: String,
    /// Workspace-relative, `/`-separated.
    pub file: String,
    /// The function it is in, when any.
    #[serde(default)]
    pub function: Option<FunctionInfo>,
    /// What it replaces.
    pub span: Span,
    /// What it puts there (`""` to delete).
    pub replacement: String,
    /// `BinaryOperator`, `FnValue`, …
    pub genre: String,
    /// The unified diff of the mutation (in the list and in `mutants.json`).
    #[serde(default)]
    pub diff: Option<String>,
}

impl MutantRecord {
    /// The name without its `file:line:col: ` (or `file: `) prefix.
    pub fn description(&self) -> &str {
        let with_position = format!("{}:{}:{}: ", self.file, self.span.start.line, self.span.start.column);
        let without = format!("{}: ", self.file);
        self.name
            .strip_prefix(&with_position)
            .or_else(|| self.name.strip_prefix(&without))
            .unwrap_or(&self.name)
    }

    /// What identifies a mutant across lists and runs: where it is and what it does.
    pub fn key(&self) -> MutantKey {
        MutantKey {
            file: self.file.clone(),
            span: self.span,
            genre: self.genre.clone(),
            replacement: self.replacement.clone(),
            description: self.description().to_string(),
        }
    }
}

/// The identity of a mutant: file, span, genre, replacement and description.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MutantKey {
    /// Workspace-relative file.
    pub file: String,
    /// Its span.
    pub span: Span,
    /// Its genre.
    pub genre: String,
    /// Its replacement.
    pub replacement: String,
    /// Its description.
    pub description: String,
}

/// Parses the JSON array of `cargo mutants --list --json` or of `mutants.json`;
/// `display` names the file in messages.
pub fn parse(text: &str, display: &Path) -> Result<Vec<MutantRecord>> {
    serde_json::from_str(text).map_err(|err| {
        Error::new(
            ErrorKind::Mutants,
            Some(Location::at(display, err.line(), err.column())),
            format!("not a cargo-mutants mutant list ({err})"),
        )
        .with_help("it is the output of `cargo mutants --list --json`, or `mutants.out/mutants.json`")
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A real object of `cargo mutants --list --json` (cargo-mutants 27.1.0, semver 1.0.28).
    pub(in crate::evidence::mutants) const SEMVER: &str = r#"[{
  "diff": "--- src/eval.rs\n+++ replace || with && in matches_caret\n@@ -163,1 +163,1 @@\n-    } else if ver.minor != minor || ver.patch != patch {\n+    } else if ver.minor != minor && /* ~ changed by cargo-mutants ~ */ ver.patch != patch {\n",
  "file": "src/eval.rs",
  "function": {
    "function_name": "matches_caret",
    "return_type": "-> bool",
    "span": { "end": { "column": 2, "line": 168 }, "start": { "column": 1, "line": 134 } }
  },
  "genre": "BinaryOperator",
  "name": "src/eval.rs:163:34: replace || with && in matches_caret",
  "package": "semver",
  "replacement": "&&",
  "span": { "end": { "column": 36, "line": 163 }, "start": { "column": 34, "line": 163 } }
},
{
  "diff": "",
  "file": "src/identifier.rs",
  "function": null,
  "genre": "BinaryOperator",
  "name": "src/identifier.rs:81:24: replace + with -",
  "package": "semver",
  "replacement": "-",
  "span": { "end": { "column": 25, "line": 81 }, "start": { "column": 24, "line": 81 } }
}]"#;

    #[test]
    fn a_real_list_reads_with_character_spans_and_descriptions() {
        let list = parse(SEMVER, Path::new("list.json")).unwrap();
        assert_eq!(list.len(), 2);
        let m = &list[0];
        assert_eq!(m.span.start, LineColumn { line: 163, column: 34 });
        assert_eq!(m.span.end, LineColumn { line: 163, column: 36 });
        assert_eq!(m.description(), "replace || with && in matches_caret");
        assert_eq!(m.function.as_ref().unwrap().function_name, "matches_caret");
        assert!(m.diff.as_deref().unwrap().starts_with("--- src/eval.rs\n"));
        assert_eq!(list[1].function, None);
        assert_eq!(list[1].description(), "replace + with -");
        assert_eq!(m.key().description, "replace || with && in matches_caret");
    }

    #[test]
    fn names_without_positions_keep_their_description() {
        let mut m = parse(SEMVER, Path::new("l")).unwrap().remove(0);
        m.name = "src/eval.rs: replace || with && in matches_caret".into();
        assert_eq!(m.description(), "replace || with && in matches_caret");
    }

    #[test]
    fn a_malformed_list_is_an_error_with_its_position() {
        let error = parse("[{\"name\": 3}]", Path::new("list.json")).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Mutants);
        assert!(error.to_string().starts_with("list.json:1:"), "{error}");
        assert!(error.to_string().contains("not a cargo-mutants mutant list"), "{error}");
        // Strict under test: an unknown field is an error, so the reader follows the format.
        let extra = SEMVER.replacen("\"genre\"", "\"colour\": 1, \"genre\"", 1);
        assert!(parse(&extra, Path::new("l")).is_err());
    }
}
