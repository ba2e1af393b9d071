//! The `cargo vital` command: a thin layer over the `vital` library that runs cargo
//! and cargo-llvm-cov, reads and writes files, prints, and sets the exit code
//! (0: every gate holds, 1: a gate fails, 2: the input is unusable).
//!
//! [`process`] is public so that a workspace's `xtask` can produce coverage the
//! same way `cargo vital run` does.
#![forbid(unsafe_code)]

mod certify;
pub mod chaos;
pub mod cli;
mod early;
pub mod pertest;
pub mod process;
mod runner;
mod start;

pub use cli::{EXIT_FAIL, EXIT_PASS, EXIT_UNUSABLE, main_with_args};
