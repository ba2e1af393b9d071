//! vital's integration tests: the real `cargo-vital` binary on fixture workspaces
//! under real cargo-llvm-cov. One test binary, modules by subject.

mod certify;
mod corpus;
mod edges;
mod errors;
mod exactness;
mod failpoints;
mod formats;
mod harness;
mod hooks;
mod html;
mod init;
mod modes;
mod monorepo;
mod mutants;
mod names;
mod proof;
mod robustness;
mod shapes;
mod support;
mod workflows;
