//! Tests of the join on a small scanned source file and synthetic exports whose
//! regions sit on its tokens.

use serde_json::{Value, json};

use super::*;
use crate::testutil::{self, Fixture};

/// Columns:      1        10        20        30        40
///               |        |         |         |         |
const LIB: &str = "pub fn f(x: u32) -> u32 {
    let c = |y: u32| if y > 1 { y } else { 0 };
    c(x)
}

pub fn g() {}

#[tokio::test]
async fn t() {}
mod other;
";

fn fixture() -> Fixture {
    testutil::fixture(&[("src/lib.rs", LIB), ("src/other.rs", "pub fn o() {}\n")])
}

impl Fixture {
    fn lib(&self) -> String {
        self.root.join("src/lib.rs").display().to_string()
    }

    fn join(&self, names: &[&str], exports: &[Export]) -> Result<Vec<Option<Evidence>>> {
        let functions: Vec<FnId> = names.iter().map(|n| self.func(n)).collect();
        join(&self.index, &self.root, &functions, exports)
    }

    fn stale(&self, names: &[&str], exports: &[Export]) -> String {
        let error = self.join(names, exports).expect_err("stale coverage");
        assert_eq!(error.kind(), ErrorKind::StaleCoverage);
        error.to_string()
    }
}

/// A region `[line, col, end_line, end_col, count]` in file 0.
fn r(l1: u64, c1: u64, l2: u64, c2: u64, count: u64) -> Value {
    json!([l1, c1, l2, c2, count, 0, 0, 0])
}

/// A branch `[line, col, end_line, end_col, true, false]` in file 0.
fn b(l1: u64, c1: u64, l2: u64, c2: u64, t: u64, f: u64) -> Value {
    json!([l1, c1, l2, c2, t, f, 0, 0, 4])
}

fn record(name: &str, files: &[&str], regions: Vec<Value>, branches: Vec<Value>) -> Value {
    json!({"name": name, "count": 1, "filenames": files, "regions": regions, "branches": branches, "mcdc_records": []})
}

fn export(functions: Vec<Value>) -> Export {
    let doc = json!({"data": [{"files": [], "functions": functions, "totals": {}}],
                     "type": "llvm.coverage.json.export", "version": "3.1.0"});
    Export::from_slice(doc.to_string().as_bytes(), Path::new("cov.json"), &|_| true).unwrap()
}

/// `f` as the unit-test binary ran it: `c(x)` once, the closure twice (once per side).
fn f_records(fx: &Fixture, f_count: u64, closure: (u64, u64)) -> Vec<Value> {
    let lib = fx.lib();
    vec![
        record(
            "f",
            &[&lib],
            vec![
                r(1, 1, 1, 24, f_count),
                r(2, 9, 2, 10, f_count),
                r(3, 5, 3, 9, f_count),
                r(4, 1, 4, 2, f_count),
            ],
            vec![],
        ),
        record(
            "f::{closure#0}",
            &[&lib],
            vec![
                r(2, 25, 2, 30, closure.0 + closure.1),
                r(2, 33, 2, 34, closure.0),
                r(2, 44, 2, 45, closure.1),
            ],
            vec![b(2, 25, 2, 30, closure.0, closure.1)],
        ),
    ]
}

#[test]
fn a_function_and_its_closure_merge_across_exports() {
    let fx = fixture();
    let only_true = export(f_records(&fx, 1, (1, 0)));
    let only_false = export(f_records(&fx, 1, (0, 1)));

    let alone = fx.join(&["f"], std::slice::from_ref(&only_true)).unwrap().remove(0).unwrap();
    assert_eq!(alone.records, ["f", "f::{closure#0}"]);
    assert_eq!(alone.regions, Count { covered: 6, total: 7 });
    assert_eq!(alone.branches, Count { covered: 1, total: 2 });
    assert_eq!(alone.lines, Count { covered: 4, total: 4 });
    assert_eq!(alone.uncovered_regions, [(Pos::new(2, 44), Pos::new(2, 45))]);
    assert_eq!(
        alone.untaken_branches,
        [UntakenBranch { start: Pos::new(2, 25), end: Pos::new(2, 30), outcome: false }]
    );
    assert!(alone.uncovered_lines.is_empty());

    let merged = fx.join(&["f"], &[only_true, only_false]).unwrap().remove(0).unwrap();
    assert_eq!(merged.regions, Count { covered: 7, total: 7 });
    assert_eq!(merged.branches, Count { covered: 2, total: 2 });
    assert!(merged.uncovered_regions.is_empty() && merged.untaken_branches.is_empty());
}

#[test]
fn a_condition_never_evaluated_lists_both_outcomes_in_order() {
    let fx = fixture();
    let never = export(f_records(&fx, 1, (0, 0)));
    let f = fx.join(&["f"], &[never]).unwrap().remove(0).unwrap();
    let outcomes: Vec<bool> = f.untaken_branches.iter().map(|b| b.outcome).collect();
    assert_eq!(outcomes, [true, false]);
    assert_eq!(f.branches, Count { covered: 0, total: 2 });
    // Line 2 also holds `let c` of `f`, which ran: a line takes its largest count.
    assert!(f.uncovered_lines.is_empty());
}

/// A record whose every file is expanded counts regions only, as llvm-cov does.
#[test]
fn merge_malformed() {
    let malformed = export(vec![record(
        "x",
        &["/w/src/lib.rs"],
        vec![r(1, 1, 1, 5, 1), json!([1, 6, 1, 9, 0, 0, 0, 1])],
        vec![b(1, 1, 1, 5, 1, 0)],
    )]);
    let evidence = record_evidence(&malformed, &malformed.functions[0]);
    assert_eq!(evidence.regions, Count { covered: 1, total: 1 });
    assert_eq!(evidence.lines, Count { covered: 0, total: 0 });
    assert_eq!(evidence.branches, Count { covered: 0, total: 0 });
}

#[test]
fn a_function_never_run_has_every_line_uncovered() {
    let fx = fixture();
    let lib = fx.lib();
    let never = export(vec![record("g", &[&lib], vec![r(6, 1, 6, 11, 0), r(6, 13, 6, 14, 0)], vec![])]);
    let g = fx.join(&["g"], &[never]).unwrap().remove(0).unwrap();
    assert_eq!(g.lines, Count { covered: 0, total: 1 });
    assert_eq!(g.uncovered_lines, [6]);
    assert_eq!(g.regions, Count { covered: 0, total: 2 });
}

/// Records of other files are ignored; a function without records has no evidence.
#[test]
fn join_empty() {
    let fx = fixture();
    let elsewhere = record("h", &["/elsewhere/src/lib.rs"], vec![r(1, 1, 1, 24, 5)], vec![]);
    let other_file = fx.root.join("src/other.rs").display().to_string();
    let workspace_file = record("o", &[&other_file], vec![r(1, 1, 1, 11, 5), r(1, 13, 1, 14, 5)], vec![]);
    assert_eq!(fx.join(&["f", "g"], &[export(vec![elsewhere, workspace_file])]).unwrap(), vec![None, None]);
    // `f`'s records are in the file, none in `g`: `g` has no evidence, and nothing is stale.
    let f_only = export(f_records(&fx, 1, (1, 1)));
    let joined = fx.join(&["g", "f"], &[f_only]).unwrap();
    assert!(joined[0].is_none());
    assert!(joined[1].is_some());
}

/// A region outside the file is stale coverage.
#[test]
fn join_corrupted() {
    let fx = fixture();
    let lib = fx.lib();
    let beyond = export(vec![record("f", &[&lib], vec![r(1, 1, 1, 24, 1), r(40, 1, 40, 2, 1)], vec![])]);
    let message = fx.stale(&["f"], &[beyond]);
    assert!(message.contains("a region of `f` ends at 40:1, outside the file (10 lines)"), "{message}");
    assert!(message.starts_with("src/lib.rs:40:1: coverage is older than the source"), "{message}");
}

/// A doctest's own `main` (crate `rust_out`), which rustdoc maps only roughly onto
/// the doc comment, is not the source's: it is never taken for stale coverage.
#[test]
fn a_doctest_main_is_not_stale_coverage() {
    let fx = fixture();
    let lib = fx.lib();
    let doctest = record("_RNvCs1234_8rust_out4main", &[&lib], vec![r(40, 1, 40, 41, 1)], vec![]);
    let f = record("f", &[&lib], vec![r(1, 1, 1, 24, 1)], vec![]);
    let joined = fx.join(&["f"], &[export(vec![doctest, f])]).unwrap();
    assert_eq!(joined[0].as_ref().map(|e| e.records.len()), Some(1));
}

#[test]
fn a_record_spilling_out_of_its_function_is_stale() {
    let fx = fixture();
    let lib = fx.lib();
    let spills = export(vec![record("f", &[&lib], vec![r(1, 1, 1, 24, 1), r(6, 1, 6, 4, 1)], vec![])]);
    assert!(fx.stale(&["f"], &[spills]).contains("`f` spills out of `demo::f`"));
}

#[test]
fn a_record_overlapping_a_function_without_starting_in_it_is_stale() {
    let fx = fixture();
    let lib = fx.lib();
    let overlaps = export(vec![record("old", &[&lib], vec![r(5, 1, 6, 4, 1)], vec![])]);
    assert!(fx.stale(&["g"], &[overlaps]).contains("`old` overlaps `demo::g` without starting in it"));
}

/// A record starting where nothing starts is stale coverage.
#[test]
fn join_stale() {
    let fx = fixture();
    let lib = fx.lib();
    let inside = export(vec![
        record("f", &[&lib], vec![r(1, 1, 1, 24, 1)], vec![]),
        record("moved", &[&lib], vec![r(3, 5, 3, 9, 1)], vec![]),
    ]);
    assert!(
        fx.stale(&["f"], &[inside])
            .contains("`moved` starts at 3:5, where no function, closure or async block")
    );
    // Elsewhere in the file, while the vital function has no record at all.
    let elsewhere = export(vec![record("moved", &[&lib], vec![r(5, 1, 5, 1, 1)], vec![])]);
    let message = fx.stale(&["g"], &[elsewhere]);
    assert!(
        message.contains("`moved` starts at 5:1, where no function starts now, and `demo::g` has no record")
    );
}

#[test]
fn a_function_whose_own_record_is_missing_is_stale() {
    let fx = fixture();
    let closure_only = export(f_records(&fx, 1, (1, 1)).split_off(1));
    let message = fx.stale(&["f"], &[closure_only]);
    assert!(message.contains("`demo::f` starts at 1:1, but its coverage starts at 2:25"), "{message}");
}

#[test]
fn a_region_off_the_tokens_is_stale() {
    let fx = fixture();
    let lib = fx.lib();
    let whitespace = export(vec![record("f", &[&lib], vec![r(1, 1, 1, 24, 1), r(3, 2, 3, 9, 1)], vec![])]);
    assert!(
        fx.stale(&["f"], &[whitespace]).contains("the region 3:2-3:9 of `f` does not fall on the tokens")
    );
    let mid_token_end = export(vec![record("f", &[&lib], vec![r(1, 1, 1, 23, 1)], vec![])]);
    assert!(fx.stale(&["f"], &[mid_token_end]).contains("the region 1:1-1:23"));
    let branch = export(vec![record("f", &[&lib], vec![r(1, 1, 1, 24, 1)], vec![b(3, 4, 3, 9, 1, 1)])]);
    assert!(fx.stale(&["f"], &[branch]).contains("the region 3:4-3:9"));
}

#[test]
fn a_function_under_an_attribute_macro_is_joined_without_the_shape_checks() {
    let fx = fixture();
    let lib = fx.lib();
    // `#[tokio::test]` rewrites `t`: its generated code need not start at the signature.
    let generated = export(vec![record("t", &[&lib], vec![r(9, 7, 9, 9, 1), r(9, 14, 9, 16, 1)], vec![])]);
    let t = fx.join(&["t"], &[generated]).unwrap().remove(0).unwrap();
    assert_eq!(t.regions, Count { covered: 2, total: 2 });
}

/// Identical regions of one record count separately; branches of expansion files count.
#[test]
fn merge_boundary() {
    let lib = "/w/src/lib.rs";
    let macro_file = "/w/src/macros.rs";
    let one = export(vec![record(
        "e",
        &[lib, macro_file, "/w/src/unrelated.rs"],
        vec![
            r(1, 1, 1, 10, 1),
            r(2, 1, 2, 3, 0),
            r(2, 1, 2, 3, 0),
            json!([3, 1, 3, 5, 1, 0, 1, 1]),
            json!([1, 1, 1, 4, 1, 1, 0, 0]),
        ],
        vec![json!([1, 1, 1, 4, 1, 0, 1, 0, 4]), json!([1, 1, 1, 4, 1, 1, 2, 0, 4])],
    )]);
    let evidence = record_evidence(&one, &one.functions[0]);
    // Four code regions: the duplicate counts twice, the one in the macro file once.
    assert_eq!(evidence.regions, Count { covered: 2, total: 4 });
    // The branch in the expanded macro file counts; the one in an unrelated file does not.
    assert_eq!(evidence.branches, Count { covered: 1, total: 2 });
    // Branches outside the function's own file are not pointed at in its source.
    assert!(evidence.untaken_branches.is_empty());
    assert_eq!(evidence.uncovered_regions, [(Pos::new(2, 1), Pos::new(2, 3))]);
}

/// Each code region of the function's file is listed once with whether it ran:
/// identical regions (which count separately) are one place, run if any of them
/// ran. A pin (`regions = { mode = "L:C" }`) is judged on this list.
#[test]
fn merge_boundary_code_regions_are_listed_once_each() {
    let lib = "/w/src/lib.rs";
    let one = export(vec![record(
        "e",
        &[lib],
        vec![r(1, 1, 1, 10, 1), r(2, 1, 2, 3, 0), r(2, 1, 2, 3, 0), r(3, 1, 3, 4, 0), r(3, 1, 3, 4, 2)],
        vec![],
    )]);
    let evidence = record_evidence(&one, &one.functions[0]);
    assert_eq!(evidence.regions, Count { covered: 2, total: 5 });
    let p = Pos::new;
    assert_eq!(
        evidence.code_regions,
        [(p(1, 1), p(1, 10), true), (p(2, 1), p(2, 3), false), (p(3, 1), p(3, 4), true)]
    );
    assert_eq!(evidence.region_at(p(3, 2)), Some((p(3, 1), p(3, 4), true)));
    assert_eq!(evidence.region_at(p(2, 1)), Some((p(2, 1), p(2, 3), false)));
}

/// Identical branches of one record count separately, as identical regions do.
#[test]
fn merge_boundary_identical_branches() {
    let lib = "/w/src/lib.rs";
    let one = export(vec![record(
        "e",
        &[lib],
        vec![r(1, 1, 1, 10, 1)],
        vec![json!([1, 2, 1, 4, 1, 0, 0, 0, 4]), json!([1, 2, 1, 4, 0, 0, 0, 0, 4])],
    )]);
    let evidence = record_evidence(&one, &one.functions[0]);
    assert_eq!(evidence.branches, Count { covered: 1, total: 4 });
}

#[test]
fn record_names_demangle_without_hashes() {
    assert_eq!(demangle("_RNvMNtCs2XdcJdLyCQj_6shapes5storeNtB2_5Store3put"), "<shapes::store::Store>::put");
    assert_eq!(
        demangle("_RNCNvMNtCs2XdcJdLyCQj_6shapes5storeNtB4_5Store3put0B6_"),
        "<shapes::store::Store>::put::{closure#0}"
    );
    assert_eq!(demangle("_RINvNtCs3tYJ7s7cfMH_6shapes5stats7largestdEB4_"), "shapes::stats::largest::<f64>");
    assert_eq!(demangle("not_mangled"), "not_mangled");
}

#[test]
fn coverage_filenames_are_made_relative_to_the_workspace() {
    let root = Path::new("/w");
    assert_eq!(relative_name(root, "/w/src/lib.rs").as_deref(), Some("src/lib.rs"));
    assert_eq!(relative_name(root, "src/lib.rs").as_deref(), Some("src/lib.rs"));
    assert_eq!(relative_name(root, "./src/lib.rs").as_deref(), Some("src/lib.rs"));
    assert_eq!(relative_name(root, "/rustc/abc/library/core/src/fmt.rs"), None);
}

/// Joins on several threads at once over one index and one set of exports (a
/// tool's xtask may check shards in parallel) agree with a join alone: the shape
/// checks parse tokens with proc-macro2, whose span table is per thread, and a
/// stale join on one thread spoils none of the others.
#[test]
fn join_concurrent() {
    let fx = fixture();
    let lib = fx.lib();
    let exports = [export(f_records(&fx, 1, (1, 0))), export(f_records(&fx, 2, (0, 3)))];
    let stale = [export(vec![record("f", &[&lib], vec![r(1, 1, 1, 24, 1), r(3, 2, 3, 9, 1)], vec![])])];
    let alone = fx.join(&["f", "g"], &exports).unwrap();
    assert!(alone[0].is_some() && alone[1].is_none());
    std::thread::scope(|scope| {
        let joins: Vec<_> = (0..8)
            .map(|i| {
                let (fx, exports, stale) = (&fx, &exports, &stale);
                scope.spawn(move || {
                    if i % 4 == 3 {
                        Err(fx.stale(&["f"], stale))
                    } else {
                        Ok(fx.join(&["f", "g"], exports).unwrap())
                    }
                })
            })
            .collect();
        for (i, join) in joins.into_iter().enumerate() {
            match join.join().expect("no join panics") {
                Ok(evidence) => assert_eq!(evidence, alone, "thread {i}"),
                Err(message) => {
                    assert!(message.contains("does not fall on the tokens"), "thread {i}: {message}")
                }
            }
        }
    });
}
