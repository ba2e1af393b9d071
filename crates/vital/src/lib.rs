//! `vital`: gate a Rust workspace's CI on the coverage of its vital functions.
//!
//! The library is the whole pipeline, without processes or printing. Its layers,
//! each depending only on those before it:
//!
//! - ground: [`error`], [`text`], [`fsutil`], [`workspace`], [`catalogue`] (`vital.toml`
//!   and the failure-mode vocabulary) and [`model`] (the values every layer shares:
//!   counts, percentages, verdicts, typed [`Reason`](model::Reason)s);
//! - [`source`]: the workspace's source, indexed with syn; catalogue paths resolved;
//! - [`evidence`]: one folder per source of evidence (coverage, tests), each with
//!   its outside formats and its join with the source by file and span;
//! - [`policy`]: a tier's thresholds against a function's evidence → verdict and
//!   reasons;
//! - [`pipeline`]: the one API — a [`Session`] checks [`Inputs`] into a
//!   [`Report`](report::Report);
//! - [`report`]: the report's schema (the `json` format) and its renderers, which
//!   see only the report.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let metadata = cargo_metadata::MetadataCommand::new().no_deps().exec()?;
//! let workspace = vital::Workspace::from_metadata(&metadata);
//! let session = vital::Session::open(workspace, None)?;
//! let report = session.check(&vital::Inputs::last_run(session.workspace()))?;
//! print!("{}", report.render(vital::Format::Human, &vital::Style::default()));
//! std::process::exit(report.exit_code());
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod certify;
pub mod chaos;
mod error;
pub mod evidence;
#[cfg(test)]
mod failclosed;
pub mod fsutil;
pub mod harness;
pub mod inventory;
pub mod model;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod source;
pub mod suggest;
#[cfg(test)]
mod testutil;
pub mod text;
pub mod workspace;

pub use error::{Error, ErrorKind, Location, Problem, Result};
pub use pipeline::{InputFile, Inputs, Session};
pub use report::{Format, Report, Style};
pub use workspace::Workspace;

/// The README's Rust examples, compiled as doctests so that they cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
