//! The failure-mode vocabulary (SPEC §2), and suggestions of modes for a function
//! from its signature and body.

use crate::source::{FnId, Owner, ParamKind, SourceIndex, TypeKind};
use crate::text::edit_distance;

/// A well-known failure mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownMode {
    /// Its name.
    pub name: &'static str,
    /// Its category: input, resource, timing, state, environment.
    pub category: &'static str,
    /// What a test of it does, in one line.
    pub meaning: &'static str,
}

const fn mode(name: &'static str, category: &'static str, meaning: &'static str) -> KnownMode {
    KnownMode { name, category, meaning }
}

/// The well-known modes, by category. Users may declare others.
pub const VOCABULARY: &[KnownMode] = &[
    mode("none", "input", "an absent value: `None`, a missing field"),
    mode("empty", "input", "an empty input: \"\", [], an empty map or file"),
    mode("invalid", "input", "a well-formed value the function must reject"),
    mode("out_of_range", "input", "a value outside what the function accepts"),
    mode("malformed", "input", "input that does not parse: corrupt JSON, bad UTF-8, truncated data"),
    mode("boundary", "input", "values at the edges: 0, 1, MAX, len - 1"),
    mode("too_large", "input", "input larger than the function can hold or should accept"),
    mode("disk_full", "resource", "the disk fills up while writing (ENOSPC)"),
    mode("out_of_memory", "resource", "an allocation fails or a memory limit is hit"),
    mode("file_locked", "resource", "another process holds the file or lock"),
    mode("permission_denied", "resource", "the OS refuses access (EACCES, EPERM)"),
    mode("not_found", "resource", "the file, key or resource does not exist"),
    mode("network_down", "resource", "the network is unreachable"),
    mode("connection_lost", "resource", "an established connection drops mid-way"),
    mode("concurrent", "timing", "two or more callers at once"),
    mode("deadlock", "timing", "locks taken in conflicting orders"),
    mode("timeout", "timing", "an operation takes longer than allowed"),
    mode("out_of_order", "timing", "events or messages arrive in an unexpected order"),
    mode("cancelled", "timing", "the operation is cancelled or its future dropped mid-way"),
    mode("uninitialized", "state", "used before set-up has completed"),
    mode("after_close", "state", "used after close, shutdown or drop"),
    mode("partial_write", "state", "a write stops half-way: crash, kill, short write"),
    mode("corrupted", "state", "stored data is damaged when read back"),
    mode("platform", "environment", "behaviour that differs by OS or architecture"),
    mode("missing_feature", "environment", "a cargo feature or a system capability is off"),
    mode("case_insensitive_fs", "environment", "file names that differ only in case"),
];

/// The known mode called `name`.
pub fn known(name: &str) -> Option<&'static KnownMode> {
    VOCABULARY.iter().find(|m| m.name == name)
}

/// The known mode one edit away from `name`, when `name` is not itself known: most
/// likely a typo (`disk_ful` for `disk_full`).
pub fn near_miss(name: &str) -> Option<&'static str> {
    if known(name).is_some() {
        return None;
    }
    VOCABULARY.iter().map(|m| m.name).find(|known| edit_distance(name, known) == 1)
}

/// A mode suggested for a function, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The mode.
    pub mode: &'static str,
    /// What in the function suggests it.
    pub why: String,
}

/// Failure modes worth testing for function `f`, from its signature and body:
/// `Option` parameters → `none`; text, slices and collections → `empty`,
/// `too_large`; integers → `boundary`, `out_of_range`; files (`io::Result`,
/// `std::fs`, `File` in the body) → `not_found`, `permission_denied`, `disk_full`;
/// `&self` on a type holding locks or atomics, or kept behind `Arc` →
/// `concurrent`; `async` → `timeout`, `cancelled`; a type with `close`,
/// `shutdown` or `Drop` → `after_close`; parsing (`parse`, `from_str`,
/// `deserialize`, `decode`) → `malformed`.
pub fn suggest(index: &SourceIndex, f: FnId) -> Vec<Suggestion> {
    let def = index.func(f);
    let mut out: Vec<Suggestion> = Vec::new();
    let mut add = |mode: &'static str, why: &str| {
        if !out.iter().any(|s| s.mode == mode) {
            out.push(Suggestion { mode, why: why.to_string() });
        }
    };
    let params = &def.signature.params;
    if params.contains(&ParamKind::Option) {
        add("none", "takes an `Option`");
    }
    if params.contains(&ParamKind::Collection) {
        add("empty", "takes text, a slice or a collection");
        add("too_large", "takes text, a slice or a collection");
    }
    if params.contains(&ParamKind::Integer) {
        add("boundary", "takes an integer");
        add("out_of_range", "takes an integer");
    }
    let name = def.name.as_str();
    if matches!(
        name,
        "parse" | "from_str" | "deserialize" | "decode" | "from_bytes" | "from_slice" | "read_from"
    ) || name.starts_with("parse_")
        || name.starts_with("decode_")
    {
        add("malformed", "parses its input");
    }
    // A path parameter alone may be for display: file I/O shows in the body or the
    // return type.
    let files = def.signature.returns_io_result || def.facts.uses_fs;
    if files {
        let why = "does file I/O";
        add("not_found", why);
        add("permission_denied", why);
        add("disk_full", why);
    }
    let owner_type = owner_type_name(index, f);
    if let Some(ty) = owner_type {
        if def.signature.shared_self && (holds_sync_state(index, ty) || kept_behind_arc(index, ty)) {
            add("concurrent", "takes `&self` on a type shared between threads (locks, atomics or `Arc`)");
        }
        if has_close_or_drop(index, ty) {
            add("after_close", "its type can be closed, shut down or dropped");
        }
    }
    if def.is_async {
        add("timeout", "is `async`");
        add("cancelled", "is `async`");
    }
    out
}

fn owner_type_name(index: &SourceIndex, f: FnId) -> Option<&str> {
    match index.func(f).owner {
        Owner::Method(imp) => Some(index.impls[imp.index()].self_name()),
        _ => None,
    }
}

fn holds_sync_state(index: &SourceIndex, ty: &str) -> bool {
    index.types.iter().filter(|t| t.name == ty && t.kind == TypeKind::Struct).any(|t| {
        t.fields.iter().any(|field| {
            ["Mutex", "RwLock", "Atomic", "Condvar", "OnceLock"].iter().any(|marker| field.contains(marker))
        })
    })
}

fn kept_behind_arc(index: &SourceIndex, ty: &str) -> bool {
    let pattern = format!("Arc<{ty}");
    index.types.iter().any(|t| t.fields.iter().any(|field| field.contains(&pattern)))
}

fn has_close_or_drop(index: &SourceIndex, ty: &str) -> bool {
    index.fns.iter().any(|g| match g.owner {
        Owner::Method(imp) => {
            let imp = &index.impls[imp.index()];
            imp.self_name() == ty
                && (imp.trait_name() == Some("Drop") || matches!(g.name.as_str(), "close" | "shutdown"))
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

    #[test]
    fn the_vocabulary_knows_its_modes_and_spots_typos() {
        assert_eq!(VOCABULARY.len(), 26);
        assert_eq!(known("disk_full").map(|m| m.category), Some("resource"));
        assert_eq!(near_miss("disk_ful"), Some("disk_full"));
        assert_eq!(near_miss("emty"), Some("empty"));
        assert_eq!(near_miss("disk_full"), None);
        assert_eq!(near_miss("quota_exceeded"), None);
    }

    #[test]
    fn suggestions_follow_signatures_and_bodies() {
        let lib = r#"
use std::sync::{Arc, Mutex};
pub struct Store { entries: Mutex<Vec<String>> }
pub struct Shared { store: Arc<Plain> }
pub struct Plain { n: u32 }
impl Store {
    pub fn write(&self, key: &str, at: Option<u64>) -> std::io::Result<()> { Ok(()) }
    pub fn close(&mut self) {}
}
impl Plain {
    pub fn get(&self, index: usize) -> u32 { self.n }
}
impl Drop for Plain {
    fn drop(&mut self) {}
}
pub fn parse_header(bytes: &[u8]) -> Result<u32, ()> { Err(()) }
pub async fn fetch() -> u32 { 0 }
pub fn load() -> String { std::fs::read_to_string("x").unwrap_or_default() }
pub fn nothing() {}
pub fn show(path: &std::path::Path) -> String { path.display().to_string() }
"#;
        let fx = fixture(&[("src/lib.rs", lib)]);
        let modes =
            |name: &str| -> Vec<&str> { suggest(&fx.index, fx.func(name)).iter().map(|s| s.mode).collect() };
        assert_eq!(
            modes("write"),
            [
                "none",
                "empty",
                "too_large",
                "not_found",
                "permission_denied",
                "disk_full",
                "concurrent",
                "after_close"
            ]
        );
        assert_eq!(modes("get"), ["boundary", "out_of_range", "concurrent", "after_close"]);
        assert_eq!(modes("parse_header"), ["empty", "too_large", "malformed"]);
        assert_eq!(modes("fetch"), ["timeout", "cancelled"]);
        assert_eq!(modes("load"), ["not_found", "permission_denied", "disk_full"]);
        assert!(modes("nothing").is_empty());
        assert!(modes("show").is_empty(), "a path shown is not file I/O");
        assert_eq!(suggest(&fx.index, fx.func("fetch"))[0].why, "is `async`");
    }
}
