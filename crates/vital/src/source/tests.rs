//! Tests of the scanner and the resolver on small crates written to a temp dir.

use std::path::Path;

use super::resolve::{ResolveError, Resolver};
use super::*;
use crate::workspace::{Package, Target, TargetKind, Workspace};

use crate::testutil::{Fixture, fixture};

impl Fixture {
    fn resolve(&self, path: &str) -> Result<String, ResolveError> {
        Resolver::new(&self.index).resolve(path).map(|f| {
            let def = self.index.func(f);
            format!("{} {}", self.index.display_path(f), self.index.location(f))
                + if def.opaque { " opaque" } else { "" }
        })
    }

    fn ok(&self, path: &str) -> String {
        self.resolve(path).unwrap_or_else(|e| panic!("{path}: {e:?}"))
    }
}

#[test]
fn modules_are_followed_through_every_file_layout() {
    let fx = fixture(&[
        (
            "src/lib.rs",
            "mod a;\nmod b;\n#[path = \"elsewhere/c_impl.rs\"]\nmod c;\nmod inline {\n    mod d;\n    pub fn i() {}\n}\n",
        ),
        ("src/a.rs", "pub fn fa() {}\nmod nested;\n#[path = \"sibling.rs\"]\nmod sib;\n"),
        ("src/a/nested.rs", "pub fn fn_nested() {}\n"),
        ("src/sibling.rs", "pub fn fs() {}\n"),
        ("src/b/mod.rs", "pub fn fb() {}\nmod deeper;\n"),
        ("src/b/deeper.rs", "pub fn fd() {}\n"),
        ("src/elsewhere/c_impl.rs", "pub fn fc() {}\nmod child;\n"),
        ("src/elsewhere/child.rs", "pub fn fchild() {}\n"),
        ("src/inline/d.rs", "pub fn fdd() {}\n"),
    ]);
    assert!(fx.index.warnings.is_empty(), "{:?}", fx.index.warnings);
    assert_eq!(fx.ok("demo::a::fa"), "demo::a::fa src/a.rs:1");
    assert_eq!(fx.ok("demo::a::nested::fn_nested"), "demo::a::nested::fn_nested src/a/nested.rs:1");
    assert_eq!(fx.ok("demo::a::sib::fs"), "demo::a::sib::fs src/sibling.rs:1");
    assert_eq!(fx.ok("demo::b::fb"), "demo::b::fb src/b/mod.rs:1");
    assert_eq!(fx.ok("demo::b::deeper::fd"), "demo::b::deeper::fd src/b/deeper.rs:1");
    assert_eq!(fx.ok("demo::c::fc"), "demo::c::fc src/elsewhere/c_impl.rs:1");
    assert_eq!(fx.ok("demo::c::child::fchild"), "demo::c::child::fchild src/elsewhere/child.rs:1");
    assert_eq!(fx.ok("demo::inline::d::fdd"), "demo::inline::d::fdd src/inline/d.rs:1");
    assert_eq!(fx.ok("demo::inline::i"), "demo::inline::i src/lib.rs:7");
}

#[test]
fn a_module_that_includes_its_own_file_is_indexed_once() {
    let fx = fixture(&[("src/lib.rs", "pub fn f() {}\n#[path = \"lib.rs\"]\nmod again;\n")]);
    let warnings: Vec<String> = fx.index.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings, ["src/lib.rs: module `again` includes its own file: it is indexed once"]);
    assert_eq!(fx.index.fns.len(), 1);
}

#[test]
fn many_files_are_scanned_in_parallel_into_one_deterministic_index() {
    let mut files: Vec<(String, String)> =
        vec![("src/lib.rs".into(), (0..40).map(|i| format!("pub mod m{i};\n")).collect())];
    for i in 0..40 {
        files.push((format!("src/m{i}.rs"), format!("pub fn f{i}() {{}}\npub mod inner;\n")));
        files.push((format!("src/m{i}/inner.rs"), format!("pub fn g{i}() {{}}\n")));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let first = fixture(&files);
    let names: Vec<String> =
        (0..first.index.fns.len()).map(|i| first.index.display_path(FnId::from_index(i))).collect();
    assert_eq!(names.len(), 80);
    assert_eq!(&names[..3], ["demo::m0::f0", "demo::m0::inner::g0", "demo::m1::f1"]);
    for _ in 0..3 {
        let again = fixture(&files);
        let names_again: Vec<String> =
            (0..again.index.fns.len()).map(|i| again.index.display_path(FnId::from_index(i))).collect();
        assert_eq!(names_again, names);
    }
    assert_eq!(first.ok("demo::m39::inner::g39"), "demo::m39::inner::g39 src/m39/inner.rs:1");
}

#[test]
fn a_missing_module_file_and_a_syntax_error_are_warnings() {
    let fx =
        fixture(&[("src/lib.rs", "mod gone;\nmod broken;\npub fn f() {}\n"), ("src/broken.rs", "fn (\n")]);
    let warnings: Vec<String> = fx.index.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0]
            .contains("src/lib.rs:1:5: module `gone` has no file (src/gone.rs or src/gone/mod.rs not found)")
    );
    assert!(warnings[1].starts_with("src/broken.rs:1:4: src/broken.rs cannot be parsed"), "{}", warnings[1]);
    assert_eq!(fx.ok("demo::f"), "demo::f src/lib.rs:3");
}

const STORE: &str = r#"
use std::fmt;

pub mod store {
    pub struct Store;

    impl Store {
        pub fn write(&self) {}
        pub fn fmt(&self) {}
    }

    impl std::fmt::Display for Store {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
    }

    impl std::fmt::Debug for Store {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
    }
}

pub use store::Store;
pub use store::Store as Renamed;

mod io {
    impl crate::store::Store {
        pub(crate) async fn flush(&self) {}
    }
}

pub struct Plain;
impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
}
impl fmt::Debug for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }
}

pub trait Codec {
    fn encode(&self) -> Vec<u8> { Vec::new() }
    fn decode(&self);
}

impl Codec for Plain {
    fn decode(&self) {}
}

pub fn outer() {
    fn inner() {}
    inner()
}

pub mod globbed {
    pub fn deep() {}
}
pub use globbed::*;
"#;

#[test]
fn methods_resolve_by_definition_reexport_impl_site_and_short_form() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    assert_eq!(fx.ok("demo::store::Store::write"), "demo::store::Store::write src/lib.rs:8");
    assert_eq!(fx.ok("demo::Store::write"), "demo::store::Store::write src/lib.rs:8");
    assert_eq!(fx.ok("demo::Renamed::write"), "demo::store::Store::write src/lib.rs:8");
    // The impl block is written in `io`: `demo::io::Store::flush` names it too.
    assert_eq!(fx.ok("demo::io::Store::flush"), "demo::io::Store::flush src/lib.rs:26");
    assert_eq!(fx.ok("demo::store::Store::flush"), "demo::io::Store::flush src/lib.rs:26");
    assert_eq!(fx.ok("demo::Store::flush"), "demo::io::Store::flush src/lib.rs:26");
}

#[test]
fn an_inherent_method_wins_over_trait_methods_of_the_same_name() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    assert_eq!(fx.ok("demo::Store::fmt"), "demo::store::Store::fmt src/lib.rs:9");
    assert_eq!(fx.ok("<demo::Store as Display>::fmt"), "demo::store::Store::fmt src/lib.rs:13");
    assert_eq!(
        fx.ok("<demo::store::Store as std::fmt::Debug>::fmt"),
        "demo::store::Store::fmt src/lib.rs:17"
    );
}

/// Two trait methods of one name are ambiguous, and the error names each.
#[test]
fn resolve_ambiguous() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    let err = fx.resolve("demo::Plain::fmt").unwrap_err();
    let ResolveError::Ambiguous { candidates } = &err else { panic!("{err:?}") };
    assert_eq!(
        candidates,
        &[
            ("<demo::Plain as Display>::fmt".to_string(), "src/lib.rs:32".to_string()),
            ("<demo::Plain as Debug>::fmt".to_string(), "src/lib.rs:35".to_string()),
        ]
    );
    let (message, help) = err.describe("demo::Plain::fmt");
    assert_eq!(message, "`demo::Plain::fmt` names 2 functions");
    assert!(help.starts_with("write one of: `<demo::Plain as Display>::fmt` (src/lib.rs:32)"), "{help}");
    assert_eq!(fx.ok("<demo::Plain as fmt::Debug>::fmt"), "demo::Plain::fmt src/lib.rs:35");
}

#[test]
fn trait_default_methods_nested_functions_and_globs_resolve() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    assert_eq!(fx.ok("demo::Codec::encode"), "demo::Codec::encode src/lib.rs:39");
    assert_eq!(fx.ok("demo::Plain::decode"), "demo::Plain::decode src/lib.rs:44");
    assert_eq!(fx.ok("demo::outer::inner"), "demo::outer::inner src/lib.rs:48");
    assert_eq!(fx.ok("demo::outer"), "demo::outer src/lib.rs:47");
    assert_eq!(fx.ok("demo::deep"), "demo::globbed::deep src/lib.rs:53");
}

/// A path that is not a path is an error saying so.
#[test]
fn resolve_malformed() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    let err = fx.resolve("demo::store-write").unwrap_err();
    assert!(
        matches!(err, ResolveError::Syntax(ref why) if why.contains("`store-write` is not an identifier")),
        "{err:?}"
    );
    assert!(matches!(fx.resolve("demo"), Err(ResolveError::Syntax(_))));
}

/// Unknown paths suggest what exists.
#[test]
fn resolve_not_found() {
    let fx = fixture(&[("src/lib.rs", STORE)]);
    let (message, help) = fx.resolve("demo::store::write").unwrap_err().describe("demo::store::write");
    assert_eq!(message, "`demo::store::write` names no function in the workspace");
    assert_eq!(help, "did you mean `demo::store::Store::write` (src/lib.rs:8)?");
    let (_, help) = fx.resolve("demo::Store::wrte").unwrap_err().describe("demo::Store::wrte");
    assert_eq!(help, "did you mean `demo::store::Store::write` (src/lib.rs:8)?");
    let (message, help) = fx.resolve("dem::Store::write").unwrap_err().describe("dem::Store::write");
    assert!(message.contains("`dem`, which is not a crate of this workspace"), "{message}");
    assert!(help.starts_with("did you mean `demo`?"), "{help}");
    let (_, help) = fx.resolve("demo::zzzzzz").unwrap_err().describe("demo::zzzzzz");
    assert!(help.contains("check the spelling"), "{help}");
}

#[test]
fn a_lib_and_a_bin_of_one_name_are_both_searched() {
    let fx =
        fixture(&[("src/lib.rs", "pub fn shared() {}\n"), ("src/main.rs", "fn main() {}\nfn shared() {}\n")]);
    assert_eq!(fx.ok("demo::main"), "demo::main src/main.rs:1");
    let err = fx.resolve("demo::shared").unwrap_err();
    assert!(matches!(err, ResolveError::Ambiguous { ref candidates } if candidates.len() == 2), "{err:?}");
}

#[test]
fn a_reexport_from_another_workspace_crate_resolves() {
    let fx = fixture(&[
        ("src/lib.rs", "pub use other_crate::engine::Engine;\npub use other_crate::engine::run as go;\n"),
        (
            "other/lib.rs",
            "pub mod engine {\n    pub struct Engine;\n    impl Engine { pub fn start(&self) {} }\n    pub fn run() {}\n}\n",
        ),
    ]);
    assert_eq!(fx.ok("demo::Engine::start"), "other_crate::engine::Engine::start other/lib.rs:3");
    assert_eq!(fx.ok("demo::go"), "other_crate::engine::run other/lib.rs:4");
    assert_eq!(fx.ok("other_crate::engine::run"), "other_crate::engine::run other/lib.rs:4");
}

#[test]
fn spans_start_where_rustc_starts_the_first_region() {
    let src = "/// doc\n#[inline]\npub(crate) const unsafe fn a() {}\nimpl X {\n    async fn b(&self) {\n        let c = |x: u8| x + 1;\n        let d = async move { 1 };\n    }\n}\npub struct X;\n#[tokio::test]\nasync fn t() {}\n";
    let fx = fixture(&[("src/lib.rs", src)]);
    let a = &fx.index.fns[0];
    assert_eq!((a.name.as_str(), a.start, a.end, a.fn_line), ("a", Pos::new(3, 1), Pos::new(3, 34), 3));
    let b = &fx.index.fns[1];
    assert_eq!((b.start, b.end, b.is_async), (Pos::new(5, 5), Pos::new(8, 6), true));
    let file = &fx.index.files[0];
    assert_eq!(
        file.bodies,
        vec![
            (Pos::new(5, 23), Pos::new(8, 6)),
            (Pos::new(6, 25), Pos::new(6, 30)),
            (Pos::new(7, 28), Pos::new(7, 33)),
            (Pos::new(12, 14), Pos::new(12, 16))
        ]
    );
    assert!(file.in_body(Pos::new(6, 29)));
    assert!(!file.in_body(Pos::new(8, 6)));
    assert!(fx.ok("demo::t").ends_with("opaque"));
    assert!(file.is_opaque(Pos::new(11, 3)));
    assert!(!file.is_opaque(Pos::new(3, 1)));
}

#[test]
fn cfg_test_modules_are_marked() {
    let fx = fixture(&[("src/lib.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    fn helper() {}\n}\n")]);
    let helper = fx.index.fns.iter().position(|f| f.name == "helper").map(FnId::from_index).unwrap();
    assert!(fx.index.is_test_only(helper));
    assert!(!fx.index.is_test_only(FnId(0)));
}

#[test]
fn a_bom_and_a_non_utf8_file_are_handled() {
    let fx = fixture(&[("src/lib.rs", "\u{feff}pub fn f() {}\nmod latin;\n")]);
    assert_eq!(fx.index.fns[0].start, Pos::new(1, 4));
    assert_eq!(fx.index.warnings.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), b"pub fn f() { \"\xff\" }").unwrap();
    let workspace = Workspace {
        root: dir.path().to_path_buf(),
        target_dir: dir.path().join("target"),
        packages: vec![Package {
            name: "x".into(),
            manifest_path: dir.path().join("Cargo.toml"),
            targets: vec![Target {
                name: "x".into(),
                kind: TargetKind::Lib,
                src_path: dir.path().join("src/lib.rs"),
            }],
            features: Vec::new(),
            dependencies: Vec::new(),
        }],
    };
    let index = scan_workspace(&workspace);
    assert!(index.warnings[0].to_string().contains("src/lib.rs is not UTF-8"), "{:?}", index.warnings);
    let _ = Path::new("");
}

/// Every form of `fail_point!` is found with its name and, where it has one, the
/// closure that runs when it fires; a constant name is resolved when it is one
/// string constant of the crate, and never guessed.
#[test]
fn failpoint_sites_are_found_with_their_names_and_closures() {
    let fx = fixture(&[(
        "src/lib.rs",
        r#"mod names { pub const SYNC: &str = "store::sync"; }
const TWICE: &str = "a";
mod other { const TWICE: &str = "b"; }
pub fn write(flag: bool) -> Result<(), String> {
    fail::fail_point!("store::write", |_| Err("injected".into()));
    fail_point!(names::SYNC, |arg| Err(format!("{arg:?}")));
    fail_point!("store::cond", flag, |_| { Err("c".into()) });
    fail_point!("store::noop");
    fail_point!(TWICE, |_| Err("t".into()));
    fail_point!(format!("x{}", 1).as_str(), |_| Err("f".into()));
    fail_parallel::fail_point!(registry(), "par::op", |_| Err("p".into()));
    fail_point!(reg.clone(), "par::two");
    fail_point!("store::by_name", injected);
    let _ = (|| { fail_point!("store::nested", |_| Err(String::new())); Ok::<(), String>(()) })();
    Ok(())
}
fn registry() {}
fn injected(_: Option<String>) -> Result<(), String> { Ok(()) }
"#,
    )]);
    let f = fx.index.fns.iter().position(|f| f.name == "write").map(FnId::from_index).unwrap();
    let def = fx.index.func(f);
    let krate = fx.index.scope(def.scope).krate;
    let sites: Vec<(Option<String>, u32, bool)> = def
        .failpoints
        .iter()
        .map(|s| (fx.index.failpoint_name(krate, s), s.start.line, s.closure.is_some()))
        .collect();
    let named = |name: &str, line, closure| (Some(name.to_string()), line, closure);
    assert_eq!(
        sites,
        [
            named("store::write", 5, true),
            named("store::sync", 6, true),
            named("store::cond", 7, true),
            named("store::noop", 8, false),
            (None, 9, true),
            (None, 10, true),
            named("par::op", 11, true),
            named("par::two", 12, false),
            named("store::by_name", 13, false),
            named("store::nested", 14, true),
        ]
    );
    let first = &def.failpoints[0];
    assert_eq!((first.start.col, first.end.line), (5, 5));
    // The closure is its body: where its coverage record's regions lie.
    let (start, end) = first.closure.unwrap();
    assert_eq!((start.line, start.col, end.col), (5, 43, 65));
}
