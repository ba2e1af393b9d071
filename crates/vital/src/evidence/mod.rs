//! Evidence: what is known of each vital function, one folder per source.
//!
//! Each source holds the readers of its outside formats (one file each) and its
//! join with the [`SourceIndex`](crate::source::SourceIndex) — always by file and
//! span, never by symbol names — and yields facts about a function that the policy
//! ([`crate::policy`]) weighs:
//!
//! - [`coverage`]: llvm-cov's JSON export, LLVM's line algorithm, source stamps, and
//!   the span join → lines, regions and branches of each function.
//! - [`tests`]: the workspace's tests (discovery and call graph from the source
//!   index), nextest's JUnit and libtest's JSON results → the status of each
//!   declared failure mode.
//! - [`mutants`]: cargo-mutants' mutant list, `outcomes.json` and diffs, joined by
//!   span → the caught, missed, timed-out, unviable and untested mutants of each
//!   function; and the plan of `cargo vital mutants`.
//!
//! A new source (mutants, failpoints) is a new folder here, a field of
//! [`crate::policy::Facts`], and new [`crate::model::Reason`] variants.

pub mod coverage;
pub mod failpoints;
pub mod mutants;
pub mod pertest;
pub mod tests;
