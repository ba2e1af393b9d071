//! Test evidence: the workspace's tests as the source shows them ([`suite`]: which
//! test reaches and asserts about which function), what a run recorded of them
//! ([`results`], read from nextest's JUnit ([`junit`]) or libtest's JSON lines
//! ([`libtest`])), and the status of each declared failure mode ([`modes`]).

pub mod junit;
pub mod libtest;
pub mod modes;
pub mod results;
pub mod suite;

pub use modes::{RunEvidence, evaluate_modes, mode_candidates, render_template, snake_case};
pub use results::{Outcome, TestResults};
pub use suite::{Test, TestSuite};
