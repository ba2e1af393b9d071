//! `vital`: gate a Rust workspace's CI on the coverage of its vital functions.
//!
//! The library is the whole pipeline, without processes or printing: read the
//! catalogue ([`catalogue`]), index the workspace's source ([`source`]), read
//! llvm-cov exports ([`coverage`]), join them per function ([`evidence`]), judge
//! ([`verdict`]) and render ([`report`]). The `cargo-vital` binary and any
//! workspace's `xtask` drive it; see the crate README for a five-line example.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod coverage;
mod error;
pub mod source;
pub mod text;
pub mod workspace;

pub use error::{Error, ErrorKind, Location, Problem, Result};
