//! Suggestions of failure modes for a function, from its signature and body
//! (`cargo vital suggest`), as typed values and as `vital.toml` entries to paste.
//! Every failure-mode category the function's tier requires gets at least one
//! suggestion: the most plausible mode of it for the function, else the
//! category's default mode.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::vocabulary::{self, Category};
use crate::catalogue::{Catalogue, Entry};
use crate::evidence::tests::render_template;
use crate::source::{FnId, Owner, ParamKind, SourceIndex, TypeKind};

/// A mode suggested for a function, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The mode.
    pub mode: &'static str,
    /// What in the function suggests it.
    pub why: String,
    /// The test the catalogue's first naming convention expects for it.
    pub test: String,
}

/// What `cargo vital suggest` says of one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggested {
    /// The function, as written (in the catalogue, or on the command line).
    pub function: String,
    /// Why it is vital, from its catalogue entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The tests its catalogue entry names per mode.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tests: BTreeMap<String, String>,
    /// The entry's other keys as written (`waive`, `regions`, `features`, `file`,
    /// `survivors`, …): kept, so that the suggestion can be pasted over the entry.
    #[serde(skip)]
    pub kept: toml::Table,
    /// What it resolved to.
    #[serde(skip)]
    pub resolved: String,
    /// `file:line` of its `fn`.
    pub location: String,
    /// Its tier in the catalogue (`critical` when it is not catalogued).
    #[serde(skip)]
    pub tier: crate::catalogue::Tier,
    /// The modes its catalogue entry declares.
    pub declared: Vec<String>,
    /// The modes its signature and body suggest.
    pub suggested: Vec<Suggestion>,
}

/// The suggestions for `f`, named `function`, with its catalogue `entry` if any.
pub fn suggested(
    index: &SourceIndex,
    catalogue: &Catalogue,
    function: &str,
    entry: Option<&Entry>,
    f: FnId,
) -> Suggested {
    let tier = entry.map_or(crate::catalogue::Tier::Critical, |e| e.tier);
    suggested_at(index, catalogue, function, entry, tier, f)
}

/// The suggestions for `f`, named `function`, were it of `tier` (`cargo vital
/// init`: a function not catalogued yet, at the tier the inventory proposes).
pub fn suggested_at(
    index: &SourceIndex,
    catalogue: &Catalogue,
    function: &str,
    entry: Option<&Entry>,
    tier: crate::catalogue::Tier,
    f: FnId,
) -> Suggested {
    let template = catalogue.conventions.failure_test.first().map_or("{fn}_{mode}", String::as_str);
    let declared = entry.map(|e| e.failure_modes.clone()).unwrap_or_default();
    let mut suggested: Vec<(&'static str, String)> = suggest(index, f);
    // One mode for each category the tier requires that neither the declared modes
    // nor the suggestions cover, and the entry does not waive.
    let waived = entry.map(Entry::waived).unwrap_or_default();
    let covered = |suggested: &[(&'static str, String)], category: Category| {
        declared
            .iter()
            .map(String::as_str)
            .chain(suggested.iter().map(|s| s.0))
            .any(|m| catalogue.category_of(m) == Some(category))
    };
    for category in catalogue.tiers.policy(tier).categories.iter() {
        if !waived.contains(category) && !covered(&suggested, category) {
            let why = format!("the {tier} tier requires a `{category}` mode (or a waiver with a reason)");
            suggested.push((category.default_mode(), why));
        }
    }
    let suggested = suggested
        .into_iter()
        .map(|(mode, why)| Suggestion { mode, why, test: render_template(template, index, f, mode) })
        .collect();
    Suggested {
        function: function.to_string(),
        reason: entry.and_then(|e| e.reason.clone()),
        tests: entry.map(|e| e.tests.clone()).unwrap_or_default(),
        kept: entry.map(|e| kept_keys(catalogue, e)).unwrap_or_default(),
        resolved: index.display_path(f),
        location: index.location(f),
        tier,
        declared,
        suggested,
    }
}

/// The keys of `entry` as the catalogue writes them, but those a suggestion
/// writes itself (`function`, `tier`, `reason`, `failure_modes`, `tests`).
fn kept_keys(catalogue: &Catalogue, entry: &Entry) -> toml::Table {
    let Some(at) = catalogue.entries.iter().position(|e| std::ptr::eq(e, entry)) else {
        return toml::Table::new();
    };
    let Ok(mut raw) = catalogue.text.parse::<toml::Table>() else { return toml::Table::new() };
    let Some(toml::Value::Table(mut table)) = raw
        .remove("vital")
        .and_then(|v| if let toml::Value::Array(a) = v { a.into_iter().nth(at) } else { None })
    else {
        return toml::Table::new();
    };
    for written in ["function", "tier", "reason", "failure_modes", "tests"] {
        table.remove(written);
    }
    table
}

/// The suggestions for any function of `workspace`, catalogued or not: the path is
/// resolved as a catalogue path would be.
pub fn for_function(
    workspace: &crate::workspace::Workspace,
    catalogue: &Catalogue,
    function: &str,
) -> crate::Result<Suggested> {
    let index = SourceIndex::scan(workspace);
    let f = crate::source::resolve::Resolver::new(&index).resolve(function).map_err(|err| {
        let (message, help) = err.describe(function);
        crate::Error::new(crate::ErrorKind::Resolution, None, message).with_help(help)
    })?;
    let entry = catalogue.entries.iter().find(|e| e.function == function);
    Ok(suggested(&index, catalogue, function, entry, f))
}

/// The suggestions as `vital.toml` entries to paste, each mode with its test. A
/// catalogued function's entry keeps its other keys (`reason`, `tests`, waivers,
/// pins, survivors, …): the suggestion can be pasted over it.
pub fn to_toml(all: &[Suggested]) -> String {
    let mut out = String::from("# Failure modes vital suggests, from each function's signature and body.\n");
    out.push_str("# Paste what applies into vital.toml; each mode needs the test named beside it.\n");
    for s in all {
        let text = |value: &str| toml::Value::String(value.to_string()).to_string();
        out.push_str(&format!(
            "\n# {} ({})\n[[vital]]\nfunction = {}\ntier = {}\n",
            s.resolved,
            s.location,
            text(&s.function),
            text(s.tier.as_str())
        ));
        if let Some(reason) = &s.reason {
            out.push_str(&format!("reason = {}\n", text(reason)));
        }
        let mut modes: Vec<&str> = s.declared.iter().map(String::as_str).collect();
        modes.extend(s.suggested.iter().map(|m| m.mode).filter(|m| !s.declared.iter().any(|d| d == m)));
        if modes.is_empty() {
            out.push_str("# nothing in its signature or body suggests a failure mode\n");
        } else {
            let list: Vec<String> = modes.iter().map(|m| text(m)).collect();
            out.push_str(&format!("failure_modes = [{}]\n", list.join(", ")));
            for m in &s.suggested {
                let new = if s.declared.iter().any(|d| d == m.mode) { "" } else { " (new)" };
                out.push_str(&format!("#   {}{new}: {} -> test `{}`\n", m.mode, m.why, m.test));
            }
        }
        if !s.tests.is_empty() {
            let tests: toml::Table = s
                .tests
                .iter()
                .map(|(mode, test)| (mode.clone(), toml::Value::String(test.clone())))
                .collect();
            out.push_str(&format!("tests = {}\n", toml::Value::Table(tests)));
        }
        // Arrays of tables (`[[vital.survivors]]`) come last: a key after them would
        // belong to their last table.
        let is_tables = |v: &toml::Value| matches!(v, toml::Value::Array(a) if !a.is_empty() && a.iter().all(toml::Value::is_table));
        for (key, value) in s.kept.iter().filter(|(_, v)| !is_tables(v)) {
            out.push_str(&format!("{key} = {value}\n"));
        }
        for (key, value) in s.kept.iter().filter(|(_, v)| is_tables(v)) {
            for table in value.as_array().into_iter().flatten().filter_map(toml::Value::as_table) {
                out.push_str(&format!("\n[[vital.{key}]]\n"));
                for (k, v) in table {
                    out.push_str(&format!("{k} = {v}\n"));
                }
            }
        }
    }
    out
}

/// Failure modes worth testing for function `f`, from its signature and body:
/// `Option` parameters → `none`; text, slices and collections → `empty`,
/// `too_large`; integers → `boundary`, `out_of_range`; files (`io::Result`,
/// `std::fs`, `File` in the body) → `not_found`, `permission_denied`, `disk_full`;
/// `&self` on a type holding locks or atomics, or kept behind `Arc` →
/// `concurrent`; `async` → `timeout`, `cancelled`; a type with `close` or
/// `shutdown` → `after_close`; parsing (`parse`, `from_str`, `deserialize`,
/// `decode`) → `malformed`. Nothing impossible: a fixed-size array is never empty,
/// a reader or writer it is given (`impl Read`, `W: Write`) needs no file, a type
/// that is only dropped is never used after close.
pub fn suggest(index: &SourceIndex, f: FnId) -> Vec<(&'static str, String)> {
    let def = index.func(f);
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut add = |mode: &'static str, why: &str| {
        if !out.iter().any(|s| s.0 == mode) {
            out.push((mode, why.to_string()));
        }
    };
    let params = &def.signature.params;
    if params.contains(&ParamKind::Option) {
        add("none", "takes an `Option`");
    }
    // A fixed-size array (`[u8; 4]`) is never empty nor too large: nothing to suggest.
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
    // return type. An `io::Result` of a reader or writer it is given may be of
    // memory (`&[u8]`, `Vec<u8>`): no file to find, lock or fill.
    let reads_or_writes_given = params.contains(&ParamKind::Io);
    let files = def.facts.uses_fs || (def.signature.returns_io_result && !reads_or_writes_given);
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
        if has_close(index, ty) {
            add("after_close", "its type can be closed or shut down");
        }
    }
    if def.is_async {
        add("timeout", "is `async`");
        add("cancelled", "is `async`");
    }
    out
}

/// The mode of `category` to suggest for function `f`: the first of
/// [`suggest`]'s of that category, else the category's default mode.
pub fn for_category(index: &SourceIndex, f: FnId, category: Category) -> &'static str {
    suggest(index, f)
        .into_iter()
        .map(|(mode, _)| mode)
        .find(|mode| vocabulary::known(mode).is_some_and(|k| k.category == category))
        .unwrap_or_else(|| category.default_mode())
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

/// Whether the type has a method that closes it while it lives on (`close`,
/// `shutdown`): only then can it be used after close. A value that is dropped
/// cannot be used after.
fn has_close(index: &SourceIndex, ty: &str) -> bool {
    index.fns.iter().any(|g| match g.owner {
        Owner::Method(imp) => {
            index.impls[imp.index()].self_name() == ty && matches!(g.name.as_str(), "close" | "shutdown")
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

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
            |name: &str| -> Vec<&str> { suggest(&fx.index, fx.func(name)).iter().map(|s| s.0).collect() };
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
        assert_eq!(
            modes("get"),
            ["boundary", "out_of_range", "concurrent"],
            "a type only dropped is never used after close"
        );
        assert_eq!(modes("parse_header"), ["empty", "too_large", "malformed"]);
        assert_eq!(modes("fetch"), ["timeout", "cancelled"]);
        assert_eq!(modes("load"), ["not_found", "permission_denied", "disk_full"]);
        assert!(modes("nothing").is_empty());
        assert!(modes("show").is_empty(), "a path shown is not file I/O");
        assert_eq!(suggest(&fx.index, fx.func("fetch"))[0].1, "is `async`");
        assert_eq!(for_category(&fx.index, fx.func("write"), Category::Resource), "not_found");
        assert_eq!(for_category(&fx.index, fx.func("nothing"), Category::State), "uninitialized");
    }

    /// No mode that cannot happen: a fixed-size array is never empty, a reader or
    /// writer given to the function may be in memory (no file to find or fill).
    #[test]
    fn suggestions_leave_out_modes_that_cannot_happen() {
        let lib = r#"
use std::io::{self, Read, Write};
pub fn checksum(block: &[u8; 16]) -> u32 { 0 }
pub fn header(r: &mut impl Read) -> io::Result<u32> { Ok(0) }
pub fn header_dyn(r: &mut dyn Read) -> io::Result<u32> { Ok(0) }
pub fn emit<W: Write>(w: W, n: u8) -> io::Result<()> { Ok(()) }
pub fn emit_where<W>(w: &mut W) -> io::Result<()> where W: Write { Ok(()) }
pub fn save(text: &str) -> io::Result<()> { std::fs::write("x", text) }
pub fn copy_to_file(r: &mut impl Read) -> io::Result<()> { let _f = std::fs::File::create("x")?; Ok(()) }
"#;
        let fx = fixture(&[("src/lib.rs", lib)]);
        let modes =
            |name: &str| -> Vec<&str> { suggest(&fx.index, fx.func(name)).iter().map(|s| s.0).collect() };
        assert!(modes("checksum").is_empty(), "a [u8; 16] is never empty: {:?}", modes("checksum"));
        assert!(modes("header").is_empty(), "{:?}", modes("header"));
        assert!(modes("header_dyn").is_empty(), "{:?}", modes("header_dyn"));
        assert_eq!(modes("emit"), ["boundary", "out_of_range"]);
        assert!(modes("emit_where").is_empty(), "{:?}", modes("emit_where"));
        assert_eq!(modes("save"), ["empty", "too_large", "not_found", "permission_denied", "disk_full"]);
        assert_eq!(modes("copy_to_file"), ["not_found", "permission_denied", "disk_full"], "it opens a file");
    }

    /// A catalogued function's suggestion keeps its entry's keys: it can be pasted
    /// over the entry without losing the reason, the tests, waivers or survivors.
    #[test]
    fn a_suggestion_keeps_the_entry_it_replaces() {
        let lib = "pub fn parse_header(bytes: &[u8]) -> Result<u32, ()> { Err(()) }\n";
        let fx = fixture(&[("src/lib.rs", lib)]);
        let text = r#"
[[vital]]
function = "demo::parse_header"
tier = "essential"
reason = "Every \"frame\" starts here"
failure_modes = ["empty"]
tests = { empty = "tests::header_of_nothing" }
features = ["strict"]
regions = { empty = "0:5" }

[[vital.survivors]]
mutant = "replace parse_header -> Result<u32, ()> with Ok(0)"
line = 0
reason = "equivalent"
"#;
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), text).unwrap();
        let f = fx.func("parse_header");
        let s = suggested(&fx.index, &catalogue, "demo::parse_header", Some(&catalogue.entries[0]), f);
        let toml = to_toml(std::slice::from_ref(&s));
        let pasted = toml.split_once("[[vital]]").map(|(_, entry)| format!("[[vital]]{entry}")).unwrap();
        let again = Catalogue::parse(std::path::Path::new("vital.toml"), &pasted)
            .unwrap_or_else(|err| panic!("{err}\n{pasted}"));
        let (was, now) = (&catalogue.entries[0], &again.entries[0]);
        assert_eq!(now.reason, was.reason, "{pasted}");
        assert_eq!(now.tests, was.tests, "{pasted}");
        assert_eq!(now.features, was.features, "{pasted}");
        assert_eq!(now.regions, was.regions, "{pasted}");
        assert_eq!(now.survivors.len(), 1, "{pasted}");
        assert_eq!(now.survivors[0].reason, "equivalent");
        assert_eq!(now.failure_modes, ["empty", "too_large", "malformed"], "{pasted}");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["reason"], "Every \"frame\" starts here");
        assert_eq!(json["tests"]["empty"], "tests::header_of_nothing");
    }

    /// `suggest` proposes a mode for each category the tier requires that nothing
    /// covers: declared, suggested by the signature, or waived.
    #[test]
    fn every_required_category_gets_a_suggestion() {
        let lib = "pub fn parse_header(bytes: &[u8]) -> Result<u32, ()> { Err(()) }\n";
        let fx = fixture(&[("src/lib.rs", lib)]);
        let text = "[[vital]]\nfunction = \"demo::parse_header\"\ntier = \"critical\"\n\
                    failure_modes = [\"not_found\"]\nwaive = { timing = \"pure\" }\n";
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), text).unwrap();
        let f = fx.func("parse_header");
        let s = suggested(&fx.index, &catalogue, "demo::parse_header", Some(&catalogue.entries[0]), f);
        let modes: Vec<&str> = s.suggested.iter().map(|m| m.mode).collect();
        // input from the signature; resource declared; timing waived; state by default.
        assert_eq!(modes, ["empty", "too_large", "malformed", "uninitialized"]);
        let state = &s.suggested[3];
        assert_eq!(state.why, "the critical tier requires a `state` mode (or a waiver with a reason)");
        assert_eq!(state.test, "parse_header_uninitialized");
        let toml = to_toml(&[s]);
        assert!(
            toml.contains(
                r#"failure_modes = ["not_found", "empty", "too_large", "malformed", "uninitialized"]"#
            ),
            "{toml}"
        );
    }
}
