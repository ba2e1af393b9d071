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
