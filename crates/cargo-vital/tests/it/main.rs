//! vital's integration tests: the real `cargo-vital` binary on fixture workspaces
//! under real cargo-llvm-cov. One test binary, modules by subject.

mod corpus;
mod edges;
mod errors;
mod exactness;
mod formats;
mod hooks;
mod html;
mod modes;
mod monorepo;
mod names;
mod proof;
mod robustness;
mod shapes;
mod support;
mod workflows;
