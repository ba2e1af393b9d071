//! Which crates a session reads: those that can matter to the catalogue.
//!
//! A catalogue path resolves in the crate it starts with, or, through its `pub use`
//! re-exports, in a crate that crate depends on. A test of a vital function, and
//! every function on a call chain from it, is in a member whose test binaries link
//! the function's package, or in a member linked into those binaries
//! ([`Workspace::tests_reach`]). Nothing else is read.
//!
//! The set grows until it holds: first the named crates and what they re-export
//! from; once the paths resolve, what their functions' tests can reach (the named
//! crates' too, for an `impl` of their types written elsewhere). Whenever the
//! narrower read cannot answer — a path that starts with no member's crate, a path
//! that does not resolve, or a test named in `tests = { … }` that is not among the
//! tests read — the whole workspace is read, so the answer (and the "did you mean")
//! is what a full read gives.

use std::collections::BTreeSet;

use super::resolve_entries;
use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::evidence::tests::TestSuite;
use crate::source::path::{CataloguePath, parse};
use crate::source::{FnId, Scan, SourceIndex};
use crate::workspace::Workspace;

/// The source read for a catalogue: the index, and each entry's function.
pub(super) struct Scoped {
    pub(super) index: SourceIndex,
    pub(super) functions: Result<Vec<FnId>>,
}

/// Reads what can matter to `catalogue` with `scan`, and resolves its entries.
pub(super) fn scan_and_resolve(workspace: &Workspace, catalogue: &Catalogue, scan: &mut Scan<'_>) -> Scoped {
    let all: BTreeSet<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    let named = named_packages(workspace, catalogue);
    let mut read = match &named {
        Some(named) => workspace.normal_closure(named),
        None => all.clone(),
    };
    loop {
        let index = scan.index(&read);
        let functions = resolve_entries(&index, catalogue);
        let needed = match (&functions, &named) {
            (Ok(functions), Some(named)) if read != all => {
                needed(workspace, &index, catalogue, functions, named)
            }
            _ => all.clone(),
        };
        if needed.is_subset(&read) {
            return Scoped { index, functions };
        }
        read.extend(needed);
    }
}

/// The members whose crates the catalogue's paths start with; `None` when a path
/// does not parse or starts with no member's crate (then everything is read: the
/// message lists every crate).
fn named_packages<'w>(workspace: &'w Workspace, catalogue: &Catalogue) -> Option<BTreeSet<&'w str>> {
    let mut named = BTreeSet::new();
    for entry in &catalogue.entries {
        let krate = match parse(&entry.function).ok()? {
            CataloguePath::Plain(segments) => segments.into_iter().next()?,
            CataloguePath::Qualified { ty, .. } => ty.into_iter().next()?,
        };
        let packages = workspace.packages_of_crate(&krate);
        if packages.is_empty() {
            return None;
        }
        named.extend(packages);
    }
    Some(named)
}

/// What must be read once the entries resolved to `functions`: what the named
/// crates re-export from, and what the tests of the functions' and the named
/// crates can reach; everything when a test named in `tests = { … }` is not among
/// the tests read.
fn needed<'w>(
    workspace: &'w Workspace,
    index: &SourceIndex,
    catalogue: &Catalogue,
    functions: &[FnId],
    named: &BTreeSet<&'w str>,
) -> BTreeSet<&'w str> {
    let suite = TestSuite::new(index);
    let explicit_missing =
        catalogue.entries.iter().flat_map(|e| e.tests.values()).any(|name| suite.named(name).is_empty());
    if explicit_missing {
        return workspace.packages.iter().map(|p| p.name.as_str()).collect();
    }
    let mut vital = named.clone();
    for &f in functions {
        let package = &index.crates[index.scope(index.func(f).scope).krate.index()].package;
        vital.extend(workspace.package(package).map(|p| p.name.as_str()));
    }
    let mut needed = workspace.tests_reach(&vital);
    needed.extend(workspace.normal_closure(named));
    needed
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::catalogue::Catalogue;
    use crate::model::ModeStatus;
    use crate::pipeline::Session;
    use crate::testutil::{Member, members};
    use crate::workspace::Workspace;

    /// `kit` has a trait and a generic helper; `store` implements the trait and
    /// holds the vital function; `app` depends on `store`, its tests reach the
    /// function through `app::save` and through `kit::exercise`; `facade` re-exports
    /// `store`'s type; `island` depends on nothing and has its own `write`, and a
    /// file that does not parse.
    const KIT: &[(&str, &str)] = &[(
        "src/lib.rs",
        "pub trait Sink { fn put(&mut self, data: &[u8]) -> Result<(), ()>; }\n\
         pub fn exercise<S: Sink>(sink: &mut S, data: &[u8]) -> Result<(), ()> { sink.put(data) }\n",
    )];
    const STORE: &[(&str, &str)] = &[(
        "src/lib.rs",
        "pub struct Store;\n\
         impl Store {\n    pub fn write(&mut self, data: &[u8]) -> Result<(), ()> {\n        \
         if data.is_empty() { Err(()) } else { Ok(()) }\n    }\n}\n\
         impl kit::Sink for Store {\n    fn put(&mut self, data: &[u8]) -> Result<(), ()> { self.write(data) }\n}\n\
         #[cfg(test)]\nmod tests {\n    #[test]\n    fn write_empty() {\n        \
         assert!(super::Store.write(b\"\").is_err());\n    }\n}\n",
    )];
    const APP: &[(&str, &str)] = &[
        (
            "src/lib.rs",
            "pub fn save(store: &mut store::Store, data: &[u8]) -> Result<(), ()> { store.write(data) }\n",
        ),
        (
            "tests/flows.rs",
            "#[test]\nfn write_disk_full() {\n    app::save(&mut store::Store, b\"x\").unwrap();\n}\n\
             #[test]\nfn write_too_large() {\n    kit::exercise(&mut store::Store, &[0; 9]).unwrap();\n}\n",
        ),
    ];
    const FACADE: &[(&str, &str)] = &[("src/lib.rs", "pub use store::Store;\n")];
    const ISLAND: &[(&str, &str)] = &[
        (
            "src/lib.rs",
            "#[cfg(any())]\nmod broken;\npub fn write(data: &[u8]) -> usize { data.len() }\n\
             #[test]\nfn write_boundary() { assert_eq!(write(b\"\"), 0); }\n",
        ),
        ("src/broken.rs", "fn {\n"),
    ];

    fn monorepo() -> (tempfile::TempDir, Workspace) {
        let list: [Member<'_>; 5] = [
            ("kit", &[], KIT),
            ("store", &["kit"], STORE),
            ("app", &["store", "kit"], APP),
            ("facade", &["store"], FACADE),
            ("island", &[], ISLAND),
        ];
        members(&list)
    }

    const CATALOGUE: &str = "[tiers.critical]\ncategories = []\n\n[[vital]]\nfunction = \"store::Store::write\"\n\
        tier = \"critical\"\nfailure_modes = [\"empty\", \"disk_full\", \"too_large\", \"boundary\"]\n";

    fn open(workspace: &Workspace, catalogue: &str) -> crate::Result<Session> {
        let catalogue = Catalogue::parse(Path::new("vital.toml"), catalogue)?;
        Session::new(workspace.clone(), catalogue)
    }

    fn read(session: &Session) -> Vec<&str> {
        session.scan_stats().packages.iter().map(String::as_str).collect()
    }

    #[test]
    fn tests_in_dependent_crates_reach_the_function_and_an_independent_crate_is_not_read() {
        let (_dir, workspace) = monorepo();
        let session = open(&workspace, CATALOGUE).unwrap();
        // `facade` links `store` into its tests too; `kit` is linked into theirs.
        assert_eq!(read(&session), ["app", "facade", "kit", "store"]);
        let report = session.check_static(None).unwrap();
        let modes: Vec<(&str, Option<&str>, ModeStatus)> = report.functions[0]
            .failure_modes
            .iter()
            .map(|m| (m.mode.as_str(), m.test.as_deref(), m.status))
            .collect();
        assert_eq!(
            modes,
            [
                ("empty", Some("store::tests::write_empty"), ModeStatus::Unverified),
                ("disk_full", Some("flows::write_disk_full"), ModeStatus::Unverified),
                // Through `kit::exercise`, a generic function of a crate `store` depends on.
                ("too_large", Some("flows::write_too_large"), ModeStatus::Unverified),
                // `island`'s test of its own `write` cannot run `store`'s: not read.
                ("boundary", None, ModeStatus::Missing),
            ]
        );
        assert!(report.warnings.is_empty(), "island's broken file was not read: {:?}", report.warnings);
    }

    #[test]
    fn a_crate_is_read_when_the_catalogue_names_it() {
        let (_dir, workspace) = monorepo();
        let catalogue = "[[vital]]\nfunction = \"island::write\"\ntier = \"optional\"\n";
        let session = open(&workspace, catalogue).unwrap();
        assert_eq!(read(&session), ["island"]);
        assert!(
            session.warnings().iter().any(|w| w.contains("island/src/broken.rs")),
            "{:?}",
            session.warnings()
        );
    }

    #[test]
    fn a_path_through_a_re_export_of_another_crate_resolves_and_reads_the_functions_dependents() {
        let (_dir, workspace) = monorepo();
        let session =
            open(&workspace, &CATALOGUE.replace("store::Store::write", "facade::Store::write")).unwrap();
        assert_eq!(session.list()[0].resolved, "store::Store::write");
        assert_eq!(read(&session), ["app", "facade", "kit", "store"]);
    }

    /// A misspelt crate, a path that names nothing: the whole workspace is read, and
    /// the message is the one a full read gives.
    #[test]
    fn an_unresolved_path_reads_everything_and_says_what_a_full_read_says() {
        let (_dir, workspace) = monorepo();
        let error =
            open(&workspace, &CATALOGUE.replace("store::Store", "stor::Store")).unwrap_err().to_string();
        assert!(error.contains("did you mean `store`?"), "{error}");
        assert!(error.contains("app, facade, island, kit, store"), "every crate is listed: {error}");
        // `write` exists in `island` too: a full read suggests both.
        let error = open(&workspace, &CATALOGUE.replace("store::Store::write", "store::write"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`island::write`") && error.contains("`store::Store::write`"), "{error}");
    }

    /// A test named in `tests = { … }` may be anywhere (the user vouches for it):
    /// when it is not among the tests read, the whole workspace is read.
    #[test]
    fn a_named_test_outside_the_reach_reads_everything() {
        let (_dir, workspace) = monorepo();
        let catalogue = format!("{CATALOGUE}tests = {{ boundary = \"island::write_boundary\" }}\n");
        let session = open(&workspace, &catalogue).unwrap();
        assert_eq!(read(&session), ["app", "facade", "island", "kit", "store"]);
        let report = session.check_static(None).unwrap();
        let boundary = &report.functions[0].failure_modes[3];
        assert_eq!(boundary.test.as_deref(), Some("island::write_boundary"));
    }
}
