//! `vital`: gate a Rust workspace's CI on the coverage of its vital functions.
//!
//! The library is the whole pipeline, without processes or printing: read the
//! catalogue ([`catalogue`]), index the workspace's source ([`source`]), read
//! llvm-cov exports ([`coverage`]), join them per function ([`evidence`]), judge
//! ([`verdict`]) and render ([`report`]). The `cargo-vital` binary and any
//! workspace's `xtask` drive it:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let metadata = cargo_metadata::MetadataCommand::new().no_deps().exec()?;
//! let workspace = vital::workspace::Workspace::from_metadata(&metadata);
//! let catalogue = vital::catalogue::Catalogue::load(&workspace.root.join("vital.toml"), "vital.toml".as_ref())?;
//! let coverage = [vital::check::InputFile::new(vital::check::default_coverage_path(&workspace))];
//! let tests = [vital::check::InputFile::new(workspace.vital_dir().join("tests.xml"))];
//! let input = vital::check::CheckInput { workspace: &workspace, catalogue: &catalogue, coverage: &coverage, tests: &tests };
//! let report = vital::check::check(&input)?;
//! print!("{}", report.render(vital::report::Format::Human, &Default::default()));
//! std::process::exit(report.exit_code());
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod baseline;
pub mod catalogue;
pub mod check;
pub mod coverage;
mod error;
pub mod evidence;
#[cfg(test)]
mod failclosed;
pub mod fsutil;
pub mod modes;
pub mod report;
pub mod results;
pub mod source;
pub mod stamp;
pub mod testsuite;
#[cfg(test)]
mod testutil;
pub mod text;
pub mod verdict;
pub mod workspace;

pub use error::{Error, ErrorKind, Location, Problem, Result};
