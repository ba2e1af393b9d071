//! Chaos runs (SPEC §9, `cargo vital chaos`): the chaos tests of the vital
//! functions (`{fn}_chaos` by default, `[conventions] chaos_test`), run again and
//! again with the functions' failpoints armed through `FAILPOINTS` — which the
//! `fail` crate reads in `FailScenario::setup()`.
//!
//! The plan is made here, without a process: first a deterministic sweep, each
//! failpoint fired once at each of its first hits (`k*off->1*return`), then random
//! rounds from a seed. Every round is a plain `FAILPOINTS` value of counted actions,
//! so that any failing round replays exactly; `p%` actions, which the `fail` crate
//! draws from its own generator, are never used. Failpoints nothing can show firing
//! (no name, the one-argument form) are never armed. What fired in a round is read
//! from that round's own coverage, by file and span, as for per-test evidence.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::evidence::coverage::{Export, count_within};
use crate::evidence::failpoints::site_name;
use crate::evidence::tests::{TestSuite, render_template};
use crate::source::{FileId, FnId, SourceIndex};
use crate::text::Pos;
use crate::workspace::TargetKind;

/// Format version of the chaos report.
pub const CHAOS_SCHEMA_VERSION: u32 = 1;

/// How many rounds, how hard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChaosOptions {
    /// Each failpoint is fired at each of its first `hits` hits in the sweep, and at
    /// one of them when a random round arms it.
    pub hits: u32,
    /// Random rounds after the sweep.
    pub rounds: u32,
    /// The chance that a random round arms each failpoint.
    pub probability: f64,
    /// The seed of the random rounds.
    pub seed: u64,
}

impl Default for ChaosOptions {
    fn default() -> Self {
        ChaosOptions { hits: 3, rounds: 100, probability: 0.3, seed: 1 }
    }
}

/// A failpoint chaos arms: one whose name is known and whose firing its closure's
/// coverage shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Armable {
    /// Its name.
    pub name: String,
    /// The vital function it is in (as the catalogue resolves it).
    pub function: String,
    /// `file:line`.
    pub location: String,
    /// Its file.
    pub file: FileId,
    /// Its closure, whose record proves it fired.
    pub closure: (Pos, Pos),
}

/// A chaos test to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaosTest {
    /// Its crate (the test binary's).
    pub krate: String,
    /// Its path in the crate.
    pub test: String,
    /// Its package.
    pub package: String,
    /// Where cargo runs its tests.
    pub package_dir: PathBuf,
    /// The root source file of its crate: which binary holds it.
    pub source: PathBuf,
    /// What kind of target holds it: `--lib`, `--bin NAME`, `--test NAME`.
    pub kind: TargetKind,
}

impl ChaosTest {
    /// `crate::path`.
    pub fn name(&self) -> String {
        format!("{}::{}", self.krate, self.test)
    }

    /// The cargo arguments that select its target: `--lib`, `--bin NAME`,
    /// `--test NAME`.
    pub fn target_args(&self) -> Vec<String> {
        match self.kind {
            TargetKind::Lib => vec!["--lib".into()],
            TargetKind::Bin => vec!["--bin".into(), self.krate.clone()],
            TargetKind::Test => vec!["--test".into(), self.krate.clone()],
        }
    }
}

/// One round: which failpoints fire, and at which hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// `sweep` or `random`.
    pub kind: RoundKind,
    /// Each armed failpoint (an index into the plan's failpoints) and the hit it
    /// fires at (1: the first).
    pub armed: Vec<(usize, u32)>,
}

/// Where a round comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundKind {
    /// The deterministic sweep.
    Sweep,
    /// A random round.
    Random,
}

/// What a chaos run runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChaosPlan {
    /// The failpoints it arms.
    pub failpoints: Vec<Armable>,
    /// The tests it runs each round.
    pub tests: Vec<ChaosTest>,
    /// The rounds, sweep first.
    pub rounds: Vec<Round>,
    /// Vital functions with failpoints and no chaos test: the test names to add.
    pub missing_tests: Vec<String>,
    /// Failpoints of vital functions that are never armed, and why.
    pub unarmed: Vec<String>,
}

impl ChaosPlan {
    /// The `FAILPOINTS` value of `round`: `name=k*off->1*return;…` (`1*return` for
    /// the first hit).
    pub fn failpoints_env(&self, round: &Round) -> String {
        round
            .armed
            .iter()
            .map(|&(i, hit)| {
                let name = &self.failpoints[i].name;
                if hit <= 1 {
                    format!("{name}=1*return")
                } else {
                    format!("{name}={}*off->1*return", hit - 1)
                }
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Which failpoints fired in a round, from its coverage.
    pub fn fired(&self, index: &SourceIndex, root: &std::path::Path, exports: &[Export]) -> Vec<bool> {
        self.failpoints
            .iter()
            .map(|fp| count_within(index, root, exports, fp.file, fp.closure).is_some_and(|c| c > 0))
            .collect()
    }
}

/// The failpoints of `functions` that chaos can arm, and those it cannot, with why.
pub fn armable(index: &SourceIndex, functions: &[FnId]) -> (Vec<Armable>, Vec<String>) {
    let mut armed: Vec<Armable> = Vec::new();
    let mut unarmed = Vec::new();
    for &f in functions {
        let def = index.func(f);
        let rel = &index.file(def.file).rel;
        for site in &def.failpoints {
            let location = format!("{rel}:{}", site.start.line);
            match (site_name(index, f, site), site.closure) {
                (Some(name), Some(closure)) => {
                    // Several sites of one name are one failpoint to arm.
                    if !armed.iter().any(|a| a.name == name && a.closure == closure) {
                        armed.push(Armable {
                            name,
                            function: index.display_path(f),
                            location,
                            file: def.file,
                            closure,
                        });
                    }
                }
                (None, _) => unarmed.push(format!("the failpoint at {location}: its name is not known")),
                (Some(name), None) => unarmed.push(format!(
                    "`{name}` ({location}): the one-argument form (`return` would panic in it, and nothing shows it firing)"
                )),
            }
        }
    }
    (armed, unarmed)
}

/// The chaos tests of `f`: tests named by a `[conventions] chaos_test` template.
pub fn chaos_tests(
    suite: &TestSuite<'_>,
    index: &SourceIndex,
    templates: &[String],
    f: FnId,
) -> (Vec<usize>, String) {
    let names: Vec<String> = templates.iter().map(|t| render_template(t, index, f, "")).collect();
    let found = names.iter().map(|n| suite.with_fn_name(n)).find(|c| !c.is_empty()).unwrap_or_default();
    (found, names.first().cloned().unwrap_or_default())
}

/// The rounds: the sweep (each failpoint alone at each of its first `hits` hits),
/// then `rounds` random ones from `seed` (each failpoint armed with probability
/// `probability` at a random one of its first hits; never none).
pub fn rounds(failpoints: usize, options: &ChaosOptions) -> Vec<Round> {
    let mut out = Vec::new();
    for i in 0..failpoints {
        for hit in 1..=options.hits.max(1) {
            out.push(Round { kind: RoundKind::Sweep, armed: vec![(i, hit)] });
        }
    }
    if failpoints == 0 {
        return out;
    }
    let mut rng = SplitMix64(options.seed);
    let hits = u64::from(options.hits.max(1));
    for _ in 0..options.rounds {
        let mut armed: Vec<(usize, u32)> = Vec::new();
        for i in 0..failpoints {
            if rng.unit() < options.probability {
                armed.push((i, u32::try_from(1 + rng.next() % hits).unwrap_or(1)));
            }
        }
        if armed.is_empty() {
            let i = usize::try_from(rng.next() % failpoints as u64).unwrap_or(0);
            armed.push((i, u32::try_from(1 + rng.next() % hits).unwrap_or(1)));
        }
        out.push(Round { kind: RoundKind::Random, armed });
    }
    out
}

/// A small deterministic generator (SplitMix64): the rounds must be the same for
/// the same seed on every machine and every version of a dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The outcome of a chaos run (the `json` format of `cargo vital chaos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaosReport {
    /// Always [`CHAOS_SCHEMA_VERSION`].
    pub chaos_schema_version: u32,
    /// `pass` when every round passed.
    pub verdict: crate::model::Verdict,
    /// The seed of the random rounds.
    pub seed: u64,
    /// Rounds run (each runs every chaos test).
    pub rounds_run: usize,
    /// Rounds planned (a time budget may stop the run before the last).
    pub rounds_planned: usize,
    /// The chaos tests.
    pub tests: Vec<String>,
    /// Each armed failpoint: how often it was armed and fired.
    pub failpoints: Vec<ChaosFailpoint>,
    /// Every failing round, with what replays it.
    pub failures: Vec<ChaosFailure>,
    /// Failpoints never armed, and why.
    pub unarmed: Vec<String>,
    /// What else the run says.
    pub warnings: Vec<String>,
}

/// A failpoint in a chaos run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaosFailpoint {
    /// Its name.
    pub name: String,
    /// Its vital function.
    pub function: String,
    /// `file:line`.
    pub location: String,
    /// Rounds that armed it.
    pub armed: usize,
    /// Rounds in which it fired (its closure ran).
    pub fired: usize,
}

/// A round in which a chaos test failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaosFailure {
    /// The round (1-based, sweep first).
    pub round: usize,
    /// Sweep or random.
    pub kind: RoundKind,
    /// The test that failed.
    pub test: String,
    /// The `FAILPOINTS` value of the round.
    pub failpoints: String,
    /// The failpoints that fired in it.
    pub fired: Vec<String>,
    /// The command that replays it.
    pub replay: String,
    /// The end of the test's output.
    pub output: String,
}

impl ChaosReport {
    /// `0` when every round passed, else `1`.
    pub fn exit_code(&self) -> i32 {
        if self.verdict == crate::model::Verdict::Pass { 0 } else { 1 }
    }

    /// The report as words.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for failure in &self.failures {
            let _ = writeln!(
                out,
                "error: chaos round {} ({}): `{}` failed with failpoints {}",
                failure.round,
                match failure.kind {
                    RoundKind::Sweep => "sweep",
                    RoundKind::Random => "random",
                },
                failure.test,
                failure.failpoints
            );
            if !failure.fired.is_empty() {
                let _ = writeln!(out, "  = note: fired: {}", failure.fired.join(", "));
            }
            for line in failure.output.lines() {
                let _ = writeln!(out, "  | {line}");
            }
            let _ = writeln!(out, "  = help: replay it: {}\n", failure.replay);
        }
        for warning in self.warnings.iter().chain(&self.unarmed) {
            let _ = writeln!(out, "warning: {warning}");
        }
        let _ = writeln!(out, "{:<24} {:<32} {:>6} {:>6}", "failpoint", "function", "armed", "fired");
        for fp in &self.failpoints {
            let _ = writeln!(out, "{:<24} {:<32} {:>6} {:>6}", fp.name, fp.function, fp.armed, fp.fired);
        }
        let passed = self.rounds_run
            - self.failures.iter().map(|f| f.round).collect::<std::collections::BTreeSet<_>>().len();
        let _ = writeln!(
            out,
            "\nvital chaos: {}: {passed} of {} rounds passed ({} planned, seed {}), tests: {}",
            self.verdict.as_str(),
            self.rounds_run,
            self.rounds_planned,
            self.seed,
            self.tests.join(", ")
        );
        out
    }

    /// The report as markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## vital chaos: {}\n", self.verdict.as_str());
        let _ = writeln!(
            out,
            "{} rounds of {} planned (seed {}); chaos tests: {}\n",
            self.rounds_run,
            self.rounds_planned,
            self.seed,
            self.tests.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        );
        let _ = writeln!(out, "| failpoint | function | armed | fired |\n|---|---|---:|---:|");
        for fp in &self.failpoints {
            let _ = writeln!(out, "| `{}` | `{}` | {} | {} |", fp.name, fp.function, fp.armed, fp.fired);
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "\n### Failing rounds\n");
            for failure in &self.failures {
                let _ = writeln!(
                    out,
                    "- round {}: `{}` failed with `FAILPOINTS={}`; replay: `{}`",
                    failure.round, failure.test, failure.failpoints, failure.replay
                );
            }
        }
        for warning in self.warnings.iter().chain(&self.unarmed) {
            let _ = writeln!(out, "\n> ⚠️ {warning}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sweep_fires_each_failpoint_at_each_of_its_first_hits_then_random_rounds_follow_the_seed() {
        let options = ChaosOptions { hits: 2, rounds: 50, probability: 0.5, seed: 7 };
        let all = rounds(3, &options);
        let sweep: Vec<&Round> = all.iter().filter(|r| r.kind == RoundKind::Sweep).collect();
        assert_eq!(sweep.len(), 6);
        assert_eq!(sweep[0].armed, [(0, 1)]);
        assert_eq!(sweep[1].armed, [(0, 2)]);
        assert_eq!(sweep[5].armed, [(2, 2)]);
        assert_eq!(all.len(), 56);
        assert!(all.iter().all(|r| !r.armed.is_empty()), "a round always arms something");
        assert!(all.iter().flat_map(|r| &r.armed).all(|&(i, hit)| i < 3 && (1..=2).contains(&hit)));
        assert_eq!(all, rounds(3, &options), "the same seed, the same rounds");
        assert_ne!(all, rounds(3, &ChaosOptions { seed: 8, ..options }));
        // Every failpoint is armed in some random round, at about the given rate.
        let armed_of = |i| all[6..].iter().filter(|r| r.armed.iter().any(|a| a.0 == i)).count();
        for i in 0..3 {
            assert!((15..=40).contains(&armed_of(i)), "{i}: {}", armed_of(i));
        }
        assert!(rounds(0, &options).is_empty());
    }

    #[test]
    fn a_round_replays_as_a_counted_failpoints_value() {
        let fp = |name: &str| Armable {
            name: name.into(),
            function: "s::f".into(),
            location: "src/lib.rs:1".into(),
            file: FileId::from_index(0),
            closure: (Pos { line: 1, col: 1 }, Pos { line: 1, col: 2 }),
        };
        let plan = ChaosPlan {
            failpoints: vec![fp("store::write"), fp("store::sync")],
            tests: Vec::new(),
            rounds: Vec::new(),
            missing_tests: Vec::new(),
            unarmed: Vec::new(),
        };
        let round = Round { kind: RoundKind::Random, armed: vec![(0, 1), (1, 3)] };
        assert_eq!(plan.failpoints_env(&round), "store::write=1*return;store::sync=2*off->1*return");
    }
}
