//! The workspace's tests as the source shows them, and the call graph between its
//! functions: which test *reaches* a function and *asserts* about it (SPEC §2).
//!
//! - *reaches*: a chain of calls, matched by name over the whole workspace (test
//!   helpers, library wrappers), leads from the test to the function. `s.parse::<T>()`
//!   counts as `T::from_str`, `.into()` as `from`. A qualifier narrows a name
//!   (`Store::open` only matches `open` of `Store`, or of a module `Store`) when it
//!   matches something.
//! - *asserts*: the test, or a test-only helper it calls, uses an assertion macro or
//!   panics in a branch; or the test has `#[should_panic]`; or it applies `unwrap`,
//!   `expect`, `unwrap_err`, `expect_err` or `?` to the result of a call that reaches
//!   the function (not to set-up code).
//!
//! The analysis is by name: it can take a test to reach a function it does not
//! (two functions of one name), never the reverse for calls it can see. Calls it
//! cannot see (through a trait object built elsewhere, a function pointer stored in
//! a struct) make a test look hollow: name such a test in `tests = { … }`.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use crate::source::{CallRef, CrateId, FnId, Owner, SourceIndex, TestAttrs};
use crate::workspace::TargetKind;

/// A test function of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Test {
    /// The function.
    pub id: FnId,
    /// Its crate (the lib or bin it is a unit test of, or its integration-test target).
    pub krate: CrateId,
    /// Its path inside the crate, as `cargo test` prints it (`store::tests::write_empty`).
    pub path: String,
    /// Its attributes.
    pub attrs: TestAttrs,
}

/// The tests of a workspace and the call graph between its functions.
#[derive(Debug)]
pub struct TestSuite<'i> {
    pub(super) index: &'i SourceIndex,
    /// Every test, in source order.
    pub tests: Vec<Test>,
    by_name: HashMap<&'i str, Vec<FnId>>,
    reachable: RefCell<HashMap<FnId, Rc<HashSet<FnId>>>>,
}

impl<'i> TestSuite<'i> {
    /// Finds the tests of `index` and indexes its functions by name.
    pub fn new(index: &'i SourceIndex) -> TestSuite<'i> {
        let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
        let mut tests = Vec::new();
        for (i, f) in index.fns.iter().enumerate() {
            let id = FnId::from_index(i);
            by_name.entry(f.name.as_str()).or_default().push(id);
            if let Some(attrs) = f.test {
                let scope_path = index.scope_path(f.scope);
                let mut path: Vec<&str> = scope_path[1..].to_vec();
                path.push(&f.name);
                tests.push(Test { id, krate: index.scope(f.scope).krate, path: path.join("::"), attrs });
            }
        }
        TestSuite { index, tests, by_name, reachable: RefCell::new(HashMap::new()) }
    }

    /// `crate::path` of a test, as messages show it.
    pub fn display_name(&self, test: &Test) -> String {
        format!("{}::{}", self.index.crates[test.krate.index()].name, test.path)
    }

    /// `file:line` of a test.
    pub fn location(&self, test: &Test) -> String {
        self.index.location(test.id)
    }

    /// The tests a `tests = { mode = "…" }` value names: by path inside the crate,
    /// by `crate::path` (the crate, or an integration test's target), or by the end
    /// of its path (`tests::write_full`, a bare `write_full`) when that is unique.
    pub fn named(&self, name: &str) -> Vec<usize> {
        let exact: Vec<usize> = (0..self.tests.len())
            .filter(|&i| {
                let t = &self.tests[i];
                t.path == name || self.display_name(t) == name
            })
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        // The end of a path (`tests::write_full`, or just `write_full`), when unique.
        let suffix = format!("::{name}");
        let ends: Vec<usize> =
            (0..self.tests.len()).filter(|&i| self.display_name(&self.tests[i]).ends_with(&suffix)).collect();
        if ends.len() == 1 { ends } else { Vec::new() }
    }

    /// The tests whose function is called `name` or `test_<name>`.
    pub fn with_fn_name(&self, name: &str) -> Vec<usize> {
        let prefixed = format!("test_{name}");
        (0..self.tests.len())
            .filter(|&i| {
                let last = self.tests[i].path.rsplit("::").next().unwrap_or_default();
                last == name || last == prefixed
            })
            .collect()
    }

    /// The functions a call may be, by name (narrowed by its qualifier when that
    /// matches something).
    pub fn targets(&self, call: &CallRef) -> Vec<FnId> {
        let Some(all) = self.by_name.get(call.name.as_str()) else { return Vec::new() };
        if let Some(q) = call.qualifier.as_deref().filter(|q| *q != "Self") {
            let narrowed: Vec<FnId> = all
                .iter()
                .copied()
                .filter(|&f| {
                    let def = self.index.func(f);
                    match def.owner {
                        Owner::Method(imp) => {
                            let imp = &self.index.impls[imp.index()];
                            imp.self_name() == q || imp.trait_name() == Some(q)
                        }
                        Owner::TraitDefault(t) => self.index.types[t.index()].name == q,
                        Owner::Free => self.index.scope(def.scope).name == q,
                    }
                })
                .collect();
            if !narrowed.is_empty() {
                return narrowed;
            }
        }
        all.clone()
    }

    /// Every function reachable from `from` through calls (`from` included).
    pub fn reachable(&self, from: FnId) -> Rc<HashSet<FnId>> {
        if let Some(set) = self.reachable.borrow().get(&from) {
            return Rc::clone(set);
        }
        let mut seen = HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(f) = queue.pop_front() {
            for call in &self.index.func(f).facts.calls {
                for g in self.targets(call) {
                    if seen.insert(g) {
                        queue.push_back(g);
                    }
                }
            }
        }
        let set = Rc::new(seen);
        self.reachable.borrow_mut().insert(from, Rc::clone(&set));
        set
    }

    /// Whether `test` reaches `target`.
    pub fn reaches(&self, test: &Test, target: FnId) -> bool {
        self.reachable(test.id).contains(&target)
    }

    fn is_test_code(&self, f: FnId) -> bool {
        let def = self.index.func(f);
        def.test.is_some()
            || self.index.is_test_only(f)
            || self.index.crates[self.index.scope(def.scope).krate.index()].kind == TargetKind::Test
    }

    /// The test and the test-only helpers it calls, transitively.
    fn test_code(&self, test: &Test) -> Vec<FnId> {
        let mut seen = HashSet::from([test.id]);
        let mut queue = VecDeque::from([test.id]);
        while let Some(f) = queue.pop_front() {
            for call in &self.index.func(f).facts.calls {
                for g in self.targets(call) {
                    if self.is_test_code(g) && seen.insert(g) {
                        queue.push_back(g);
                    }
                }
            }
        }
        let mut out: Vec<FnId> = seen.into_iter().collect();
        out.sort_unstable();
        out
    }

    /// Whether `test` (or a test-only helper it calls) arms failpoints: calls
    /// `fail::cfg`, `fail::cfg_callback`, `FailGuard::new`, `FailScenario::setup`
    /// (or `fail_parallel`'s).
    pub fn arms_failpoints(&self, test: &Test) -> bool {
        self.test_code(test).iter().any(|&f| {
            self.index.func(f).facts.calls.iter().any(|call| {
                let q = call.qualifier.as_deref();
                match call.name.as_str() {
                    "cfg" | "cfg_callback" => matches!(q, None | Some("fail" | "fail_parallel")),
                    "new" | "with_callback" => q == Some("FailGuard"),
                    "setup" => q == Some("FailScenario"),
                    _ => false,
                }
            })
        })
    }

    /// Whether `test` asserts something about `target` (see the module docs).
    pub fn asserts_about(&self, test: &Test, target: FnId) -> bool {
        if test.attrs.should_panic {
            return true;
        }
        let code = self.test_code(test);
        code.iter().any(|&f| self.index.func(f).facts.asserts)
            || code.iter().any(|&f| {
                self.index.func(f).facts.checked.iter().any(|call| {
                    self.targets(call).into_iter().any(|g| g == target || self.reachable(g).contains(&target))
                })
            })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::testutil::{Fixture, fixture};

    const LIB: &str = r#"
use std::str::FromStr;

pub enum Error { Empty, Closed }
pub struct Store { closed: bool }

impl Store {
    pub fn open() -> Result<Store, Error> { Ok(Store { closed: false }) }
    pub fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.closed { return Err(Error::Closed); }
        if data.is_empty() { return Err(Error::Empty); }
        Ok(())
    }
    pub fn save(&mut self, data: &[u8]) -> Result<(), Error> { self.write(data) }
    pub fn close(&mut self) { self.closed = true; }
}

pub struct Version(u32);
impl FromStr for Version {
    type Err = Error;
    fn from_str(s: &str) -> Result<Version, Error> { s.trim().parse().map(Version).map_err(|_| Error::Empty) }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn check_refused(store: &mut Store) {
        assert!(store.write(b"").is_err());
    }

    #[test]
    fn write_empty() {
        let mut store = Store::open().unwrap();
        assert!(store.write(b"").is_err());
    }

    #[test]
    fn write_disk_full() {
        let mut store = Store::open().unwrap();
        let _ = store.write(b"x");
    }

    #[test]
    fn write_concurrent() {
        let store = Store::open().unwrap();
        assert!(!store.closed);
    }

    #[test]
    fn write_helper() {
        let mut store = Store::open().unwrap();
        check_refused(&mut store);
    }

    #[test]
    fn write_wrapped() {
        let mut store = Store::open().unwrap();
        store.save(b"x").unwrap();
    }

    #[test]
    fn write_bound() -> Result<(), Error> {
        let mut store = Store::open()?;
        let written = store.write(b"x");
        written?;
        Ok(())
    }

    #[test]
    #[ignore = "slow"]
    fn write_slow() {
        assert!(Store::open().unwrap().write(b"x").is_ok());
    }

    #[test]
    #[should_panic]
    fn write_after_close() {
        let mut store = Store::open().unwrap();
        store.close();
        store.write(b"x").ok();
        panic!("closed");
    }

    #[test]
    fn test_from_str_malformed() {
        assert!("x".parse::<Version>().is_err());
    }

    #[tokio::test]
    async fn write_async() {
        let mut store = Store::open().unwrap();
        assert!(store.write(b"").is_err());
    }

    #[rstest::rstest]
    #[case(b"")]
    fn write_cases(#[case] data: &[u8]) {
        assert!(Store::open().unwrap().write(data).is_err());
    }

    #[test_case::test_case(1)]
    fn save_cases(n: u8) {
        assert_eq!(n, 1);
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn write_any(data in proptest::collection::vec(0u8..9, 0..4)) {
            let mut store = Store::open().unwrap();
            prop_assert!(store.write(&data).is_ok() || data.is_empty());
        }
    }
}
"#;

    pub(in crate::evidence::tests) fn suite_fixture() -> Fixture {
        fixture(&[
            ("src/lib.rs", LIB),
            (
                "tests/api.rs",
                "#[test]\nfn save_roundtrip() {\n    let mut s = demo::Store::open().unwrap();\n    s.save(b\"x\").unwrap();\n}\n",
            ),
        ])
    }

    fn test<'a>(suite: &'a TestSuite<'_>, name: &str) -> &'a Test {
        suite.tests.iter().find(|t| t.path.ends_with(name)).unwrap_or_else(|| panic!("no test {name}"))
    }

    #[test]
    fn every_kind_of_test_is_found_with_its_name_and_flags() {
        let fx = suite_fixture();
        let suite = TestSuite::new(&fx.index);
        let names: Vec<String> = suite.tests.iter().map(|t| suite.display_name(t)).collect();
        for expected in [
            "demo::tests::write_empty",
            "demo::tests::write_async",
            "demo::tests::write_cases",
            "demo::tests::save_cases",
            "demo::tests::write_any",
            "api::save_roundtrip",
        ] {
            assert!(names.contains(&expected.to_string()), "{expected} not in {names:?}");
        }
        assert!(test(&suite, "write_slow").attrs.ignored);
        assert!(test(&suite, "write_after_close").attrs.should_panic);
        assert_eq!(test(&suite, "write_async").attrs.kind, crate::source::TestKind::Runtime);
        assert!(test(&suite, "write_cases").attrs.is_parametrized());
        assert!(test(&suite, "save_cases").attrs.is_parametrized());
        assert_eq!(test(&suite, "write_any").attrs.kind, crate::source::TestKind::Proptest);
        assert_eq!(suite.location(test(&suite, "write_empty")), "src/lib.rs:33");
        assert_eq!(suite.named("tests::write_empty").len(), 1);
        assert_eq!(suite.named("demo::tests::write_empty").len(), 1);
        assert_eq!(suite.named("save_roundtrip").len(), 1);
        assert!(suite.named("nothing").is_empty());
        assert_eq!(suite.with_fn_name("from_str_malformed").len(), 1, "`test_` prefix allowed");
    }

    #[test]
    fn tests_in_a_test_directory_with_modules_are_named_by_their_target() {
        let fx = fixture(&[
            ("src/lib.rs", "pub fn open() -> u8 { 1 }\n"),
            ("tests/api/main.rs", "mod helpers;\n#[test]\nfn opens() { helpers::check(); }\n"),
            (
                "tests/api/helpers.rs",
                "pub fn check() { assert_eq!(demo::open(), 1); }\n#[test]\nfn inner() {}\n",
            ),
        ]);
        let suite = TestSuite::new(&fx.index);
        let names: Vec<String> = suite.tests.iter().map(|t| suite.display_name(t)).collect();
        assert_eq!(names, ["api::opens", "api::helpers::inner"]);
        let opens = test(&suite, "opens");
        assert!(suite.reaches(opens, fx.func("open")));
        assert!(suite.asserts_about(opens, fx.func("open")), "through the helper module");
        assert!(!suite.asserts_about(test(&suite, "inner"), fx.func("open")));
    }

    #[test]
    fn reaching_follows_wrappers_helpers_and_parse() {
        let fx = suite_fixture();
        let suite = TestSuite::new(&fx.index);
        let write = fx.func("write");
        assert!(suite.reaches(test(&suite, "write_empty"), write));
        assert!(suite.reaches(test(&suite, "write_helper"), write), "through a test helper");
        assert!(suite.reaches(test(&suite, "write_wrapped"), write), "through the library's `save`");
        assert!(suite.reaches(test(&suite, "save_roundtrip"), write), "from an integration test");
        assert!(!suite.reaches(test(&suite, "write_concurrent"), write));
        assert!(
            suite.reaches(test(&suite, "from_str_malformed"), fx.func("from_str")),
            "`parse::<Version>()`"
        );
        assert!(suite.reaches(test(&suite, "write_any"), write), "inside proptest!");
    }

    #[test]
    fn asserting_counts_macros_helpers_should_panic_and_checked_reaching_calls() {
        let fx = suite_fixture();
        let suite = TestSuite::new(&fx.index);
        let write = fx.func("write");
        assert!(suite.asserts_about(test(&suite, "write_empty"), write));
        assert!(suite.asserts_about(test(&suite, "write_helper"), write), "the helper asserts");
        assert!(
            suite.asserts_about(test(&suite, "write_wrapped"), write),
            "`save(..).unwrap()` reaches write"
        );
        assert!(suite.asserts_about(test(&suite, "write_bound"), write), "`let w = write(..); w?`");
        assert!(suite.asserts_about(test(&suite, "write_after_close"), write), "#[should_panic]");
        assert!(suite.asserts_about(test(&suite, "write_any"), write), "prop_assert!");
        // `Store::open().unwrap()` is set-up: it does not reach `write`.
        assert!(!suite.asserts_about(test(&suite, "write_disk_full"), write));
    }
}
