//! Reader of `llvm-cov export -format=text` JSON, as `cargo llvm-cov --json` writes it.
//!
//! The format (llvm/tools/llvm-cov/CoverageExporterJson.cpp) is
//!
//! ```text
//! { "data": [ { "files": [...], "functions": [ Function... ], "totals": {...} } ],
//!   "type": "llvm.coverage.json.export", "version": "3.1.0" }
//! Function = { "name": mangled, "count": u64, "filenames": [path...],
//!              "regions":  [[LineStart, ColumnStart, LineEnd, ColumnEnd,
//!                            ExecutionCount, FileID, ExpandedFileID, Kind]...],
//!              "branches": [[LineStart, ColumnStart, LineEnd, ColumnEnd,
//!                            TrueCount, FalseCount, FileID, ExpandedFileID, Kind]...],
//!              "mcdc_records": [...] }
//! ```
//!
//! Versions: 2.0.0 (no `branches`), 2.0.1 (branches; later MC/DC records without a
//! bump), 3.0.0 and 3.0.1 (MC/DC record fields, LLVM 21), 3.1.0 (MC/DC test vectors,
//! LLVM 22). The region and branch arrays have not changed shape since 2.0.1; longer
//! arrays are accepted (trailing fields ignored) so a minor bump does not break us.
//! Any other major version is refused.
//!
//! Reading streams over `functions` with serde seeds: the large per-file `segments`
//! and the `totals` are skipped without being built, and function records whose
//! files the caller does not want are dropped as soon as they are read.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Branch, FileRef, FunctionRecord, Region, RegionKind};
use crate::error::{Error, ErrorKind, Location, Result};
use crate::text::Pos;

/// The `type` every llvm-cov export carries.
pub const EXPORT_TYPE: &str = "llvm.coverage.json.export";

/// One llvm-cov export file, reduced to the function records of interest.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file it was read from.
    pub path: PathBuf,
    /// The format version, e.g. `3.1.0`.
    pub version: String,
    /// The filenames that kept records refer to, indexed by [`FileRef`].
    pub filenames: Vec<String>,
    /// The kept function records.
    pub functions: Vec<FunctionRecord>,
    /// Number of function records in the file, kept or not.
    pub total_functions: usize,
    /// Whether any function record in the file, kept or not, has branch regions.
    pub has_branch_data: bool,
}

impl Export {
    /// Reads an export from `path`, keeping the records that have at least one
    /// filename for which `keep` is true. `display` is how the path is shown.
    pub fn read(path: &Path, display: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Export> {
        let bytes = crate::fsutil::read_input(path, display, ErrorKind::Coverage).map_err(|err| {
            err.with_help(
                "produce it with `cargo vital run`, or `cargo llvm-cov --branch --json --output-path FILE`",
            )
        })?;
        Export::from_slice(&bytes, display, keep)
    }

    /// Parses an export from memory; see [`Export::read`].
    pub fn from_slice(bytes: &[u8], display: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Export> {
        let regenerate = "regenerate it with `cargo vital run` (or `cargo llvm-cov --branch --json`)";
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                "the coverage file is empty",
            )
            .with_help(regenerate));
        }
        let mut state = ReadState { keep: KeepFn(keep), ..ReadState::default() };
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let parsed = RootSeed { state: &mut state }.deserialize(&mut deserializer).and_then(|root| {
            deserializer.end()?;
            Ok(root)
        });
        let root = match parsed {
            Ok(root) => root,
            Err(err) => {
                // A different major version may fail to parse before `version`
                // (which comes last) is reached: say so rather than "bad JSON".
                if let Some(version) = sniff_version(bytes).filter(|v| !is_supported_version(v)) {
                    return Err(unsupported_version(display, &version));
                }
                let location = Location::at(display, err.line(), err.column());
                let message = match err.classify() {
                    serde_json::error::Category::Eof => {
                        format!("the coverage file is truncated ({err})")
                    }
                    serde_json::error::Category::Syntax => {
                        format!("the coverage file is not valid JSON ({err})")
                    }
                    _ => format!("the coverage file is not an llvm-cov export ({err})"),
                };
                return Err(Error::new(ErrorKind::Coverage, Some(location), message).with_help(regenerate));
            }
        };
        let (Some(kind), Some(version)) = (root.kind, root.version) else {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                "the coverage file has no `type` and `version`: it is not an llvm-cov export",
            )
            .with_help(regenerate));
        };
        if kind != EXPORT_TYPE {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                format!("the coverage file is of type `{kind}`, not `{EXPORT_TYPE}`"),
            )
            .with_help("pass the JSON of `llvm-cov export -format=text` (`cargo llvm-cov --json`), not lcov or a summary"));
        }
        if !is_supported_version(&version) {
            return Err(unsupported_version(display, &version));
        }
        if !root.saw_functions {
            return Err(Error::new(
                ErrorKind::Coverage,
                Some(Location::file(display)),
                "the coverage file has no per-function data (exported with `--summary-only` or `--skip-functions`?)",
            )
            .with_help("export without `--summary-only` / `-skip-functions`; `cargo llvm-cov --json` does"));
        }
        Ok(Export {
            path: display.to_path_buf(),
            version,
            filenames: state.filenames,
            functions: state.functions,
            total_functions: state.total_functions,
            has_branch_data: state.has_branch_data,
        })
    }
}

fn unsupported_version(display: &Path, version: &str) -> Error {
    Error::new(
        ErrorKind::Coverage,
        Some(Location::file(display)),
        format!("llvm-cov export format version `{version}` is not supported (vital reads 2.x and 3.x)"),
    )
    .with_help(
        "export with an LLVM from 12 to 22 (the `llvm-tools-preview` component of a current Rust toolchain)",
    )
}

/// Whether vital reads this export version: major 2 or 3.
pub fn is_supported_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    matches!(parts[0], "2" | "3")
        && parts.len() >= 2
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Looks for the `"version":"…"` that follows `"type":"llvm.coverage.json.export"`
/// near the end of an export, where llvm-cov writes them (cargo-llvm-cov adds its
/// own `version` after them).
fn sniff_version(bytes: &[u8]) -> Option<String> {
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    let tail = String::from_utf8_lossy(tail);
    let after_type = &tail[tail.rfind(EXPORT_TYPE)? + EXPORT_TYPE.len()..];
    let rest = after_type.trim_start().strip_prefix("\",")?.trim_start().strip_prefix("\"version\"")?;
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

#[derive(Default)]
struct ReadState<'k> {
    keep: KeepFn<'k>,
    filenames: Vec<String>,
    file_ids: std::collections::HashMap<String, FileRef>,
    functions: Vec<FunctionRecord>,
    total_functions: usize,
    has_branch_data: bool,
}

/// A borrowed filter with a default, so `ReadState` can derive `Default`.
struct KeepFn<'k>(&'k dyn Fn(&str) -> bool);

impl Default for KeepFn<'_> {
    fn default() -> Self {
        KeepFn(&|_| true)
    }
}

impl ReadState<'_> {
    fn intern(&mut self, name: String) -> FileRef {
        if let Some(&id) = self.file_ids.get(&name) {
            return id;
        }
        let id = FileRef(u32::try_from(self.filenames.len()).unwrap_or(u32::MAX));
        self.filenames.push(name.clone());
        self.file_ids.insert(name, id);
        id
    }
}

struct Root {
    kind: Option<String>,
    version: Option<String>,
    saw_functions: bool,
}

struct RootSeed<'s, 'k> {
    state: &'s mut ReadState<'k>,
}

impl<'de> DeserializeSeed<'de> for RootSeed<'_, '_> {
    type Value = Root;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Root, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RootSeed<'_, '_> {
    type Value = Root;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an llvm-cov export object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let mut root = Root { kind: None, version: None, saw_functions: false };
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "data" => root.saw_functions |= map.next_value_seed(DataSeed { state: self.state })?,
                "type" => root.kind = Some(map.next_value()?),
                "version" => root.version = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(root)
    }
}

/// `data`: an array of export objects (llvm-cov writes one). Yields whether any
/// of them had a `functions` array.
struct DataSeed<'s, 'k> {
    state: &'s mut ReadState<'k>,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of export objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut saw_functions = false;
        while let Some(saw) = seq.next_element_seed(ExportObjectSeed { state: &mut *self.state })? {
            saw_functions |= saw;
        }
        Ok(saw_functions)
    }
}

struct ExportObjectSeed<'s, 'k> {
    state: &'s mut ReadState<'k>,
}

impl<'de> DeserializeSeed<'de> for ExportObjectSeed<'_, '_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ExportObjectSeed<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an export object with `files` and `functions`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut saw_functions = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "functions" {
                map.next_value_seed(FunctionsSeed { state: &mut *self.state })?;
                saw_functions = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(saw_functions)
    }
}

struct FunctionsSeed<'s, 'k> {
    state: &'s mut ReadState<'k>,
}

impl<'de> DeserializeSeed<'de> for FunctionsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FunctionsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of function records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<RawFunction>()? {
            let state = &mut *self.state;
            state.total_functions += 1;
            state.has_branch_data |= !raw.branches.is_empty();
            if raw.regions.is_empty() {
                return Err(de::Error::custom(format!("function record `{}` has no regions", raw.name)));
            }
            // Every record is checked, kept or not: a corrupt file is corrupt.
            let file_count = raw.filenames.len();
            let bad_file = |id: u32| usize::try_from(id).map_or(true, |id| id >= file_count);
            if let Some(r) = raw.regions.iter().find(|r| bad_file(r.file_id) || bad_file(r.expanded_file_id))
            {
                return Err(de::Error::custom(format!(
                    "function record `{}` has a region in file #{} but lists {file_count} file(s)",
                    raw.name,
                    r.file_id.max(r.expanded_file_id)
                )));
            }
            if let Some(b) = raw.branches.iter().find(|b| bad_file(b.file_id)) {
                return Err(de::Error::custom(format!(
                    "function record `{}` has a branch in file #{} but lists {file_count} file(s)",
                    raw.name, b.file_id
                )));
            }
            if !raw.filenames.iter().any(|f| (state.keep.0)(f)) {
                continue;
            }
            let filenames = raw.filenames.into_iter().map(|f| state.intern(f)).collect();
            state.functions.push(FunctionRecord {
                name: raw.name,
                count: raw.count,
                filenames,
                regions: raw.regions,
                branches: raw.branches,
            });
        }
        Ok(())
    }
}

#[derive(serde::Deserialize)]
struct RawFunction {
    name: String,
    count: u64,
    filenames: Vec<String>,
    regions: Vec<Region>,
    #[serde(default)]
    branches: Vec<Branch>,
}

/// Reads `N` leading unsigned integers of a JSON array, ignoring any further elements.
fn read_numbers<'de, A: SeqAccess<'de>, const N: usize>(
    mut seq: A,
    what: &str,
) -> Result<[u64; N], A::Error> {
    let mut out = [0u64; N];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = seq.next_element::<u64>()?.ok_or_else(|| {
            de::Error::custom(format!("a {what} array has {i} elements, expected at least {N}"))
        })?;
    }
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(out)
}

fn to_u32<E: de::Error>(n: u64, what: &str) -> Result<u32, E> {
    u32::try_from(n).map_err(|_| E::custom(format!("{what} {n} is out of range")))
}

fn pos<E: de::Error>(line: u64, col: u64) -> Result<Pos, E> {
    let pos = Pos { line: to_u32(line, "line")?, col: to_u32(col, "column")? };
    if pos.line == 0 || pos.col == 0 {
        return Err(E::custom(format!("position {}:{} is not 1-based", pos.line, pos.col)));
    }
    Ok(pos)
}

fn span<E: de::Error>(n: &[u64]) -> Result<(Pos, Pos), E> {
    let (start, end) = (pos(n[0], n[1])?, pos(n[2], n[3])?);
    if end < start {
        return Err(E::custom(format!(
            "region {}:{}-{}:{} ends before it starts",
            start.line, start.col, end.line, end.col
        )));
    }
    Ok((start, end))
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Region;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a region array of 8 unsigned integers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Region, A::Error> {
                let n = read_numbers::<A, 8>(seq, "region")?;
                let (start, end) = span(&n)?;
                let kind = RegionKind::from_code(n[7])
                    .filter(|k| !k.is_branch())
                    .ok_or_else(|| de::Error::custom(format!("unknown region kind {}", n[7])))?;
                Ok(Region {
                    start,
                    end,
                    count: n[4],
                    file_id: to_u32(n[5], "file id")?,
                    expanded_file_id: to_u32(n[6], "file id")?,
                    kind,
                })
            }
        }
        deserializer.deserialize_seq(V)
    }
}

impl<'de> serde::Deserialize<'de> for Branch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Branch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a branch array of 9 unsigned integers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Branch, A::Error> {
                let n = read_numbers::<A, 9>(seq, "branch")?;
                let (start, end) = span(&n)?;
                match RegionKind::from_code(n[8]) {
                    Some(kind) if kind.is_branch() => {}
                    _ => {
                        return Err(de::Error::custom(format!(
                            "branch has kind {}, not a branch kind",
                            n[8]
                        )));
                    }
                }
                Ok(Branch {
                    start,
                    end,
                    true_count: n[4],
                    false_count: n[5],
                    file_id: to_u32(n[6], "file id")?,
                })
            }
        }
        deserializer.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Export> {
        Export::from_slice(json.as_bytes(), Path::new("cov.json"), &|f| f.ends_with("lib.rs"))
    }

    const ONE: &str = r#"{"data":[{"files":[{"filename":"/w/src/lib.rs","segments":[[1,1,1,true,true,false]]}],
      "functions":[
        {"branches":[[2,8,2,9,1,0,0,0,4]],"count":1,"filenames":["/w/src/lib.rs"],"mcdc_records":[],
         "name":"_RNvCs1_1a1f","regions":[[1,1,1,10,1,0,0,0],[2,8,2,9,1,0,0,0]]},
        {"branches":[],"count":0,"filenames":["/rustc/x/library/core/src/fmt.rs"],"mcdc_records":[],
         "name":"_RNvCs1_4core1g","regions":[[1,1,1,10,0,0,0,0]]}],
      "totals":{}}],"type":"llvm.coverage.json.export","version":"3.1.0","cargo_llvm_cov":{"version":"0.9.1"}}"#;

    #[test]
    fn reads_kept_records_and_counts_all() {
        let export = read(ONE).unwrap();
        assert_eq!(export.version, "3.1.0");
        assert_eq!(export.total_functions, 2);
        assert_eq!(export.functions.len(), 1);
        assert!(export.has_branch_data);
        let f = &export.functions[0];
        assert_eq!(f.name, "_RNvCs1_1a1f");
        assert_eq!(export.filenames[f.filenames[0].0 as usize], "/w/src/lib.rs");
        assert_eq!(f.regions[1].start, Pos { line: 2, col: 8 });
        assert_eq!(f.regions[1].kind, RegionKind::Code);
        assert_eq!(f.branches[0].true_count, 1);
        assert_eq!(f.branches[0].false_count, 0);
    }

    #[test]
    fn version_2_0_0_without_branches_is_read() {
        let json = r#"{"data":[{"functions":[{"count":0,"filenames":["/w/src/lib.rs"],"name":"f",
            "regions":[[1,1,1,2,0,0,0,0,99]]}]}],"type":"llvm.coverage.json.export","version":"2.0.0"}"#;
        let export = read(json).unwrap();
        assert!(!export.has_branch_data);
        assert_eq!(export.functions[0].regions.len(), 1);
    }

    #[test]
    fn unsupported_versions_and_types_are_refused() {
        let json = ONE.replace("\"3.1.0\"", "\"4.0.0\"");
        assert!(read(&json).unwrap_err().to_string().contains("`4.0.0` is not supported"));
        let json = ONE.replace("\"3.1.0\"", "\"1.0.0\"");
        assert!(read(&json).unwrap_err().to_string().contains("`1.0.0` is not supported"));
        let json = ONE.replace("llvm.coverage.json.export", "lcov");
        assert!(read(&json).unwrap_err().to_string().contains("of type `lcov`"));
        // A future major version with another shape still reports the version.
        let json = r#"{"data":{"other":1},"type":"llvm.coverage.json.export","version":"5.0.0"}"#;
        assert!(read(json).unwrap_err().to_string().contains("`5.0.0` is not supported"));
        assert!(is_supported_version("2.0.1"));
        assert!(!is_supported_version("3"));
        assert!(!is_supported_version("3.x"));
    }

    /// An empty or blank file is an error saying so.
    #[test]
    fn from_slice_empty() {
        for empty in ["", "  \n\t"] {
            let error = read(empty).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Coverage);
            assert!(error.to_string().starts_with("cov.json: the coverage file is empty"), "{error}");
        }
    }

    /// Truncated, non-JSON and non-export files are errors with their position.
    #[test]
    fn from_slice_malformed() {
        let error = read(&ONE[..200]).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Coverage);
        assert!(error.to_string().starts_with("cov.json:3:"), "{error}");
        assert!(error.to_string().contains("truncated"), "{error}");
        assert!(read("  \n").unwrap_err().to_string().contains("empty"));
        assert!(read("{} x").unwrap_err().to_string().contains("not valid JSON"));
        assert!(read("[1]").unwrap_err().to_string().contains("not an llvm-cov export"));
        assert!(read("{}").unwrap_err().to_string().contains("no `type` and `version`"));
    }

    #[test]
    fn exports_without_functions_are_refused() {
        let json =
            r#"{"data":[{"files":[],"totals":{}}],"type":"llvm.coverage.json.export","version":"3.1.0"}"#;
        assert!(read(json).unwrap_err().to_string().contains("no per-function data"));
    }

    /// Regions and branches that cannot be are refused.
    #[test]
    fn from_slice_corrupted() {
        let bad = |regions: &str| {
            let json = ONE.replace("[[1,1,1,10,1,0,0,0],[2,8,2,9,1,0,0,0]]", regions);
            read(&json).unwrap_err().to_string()
        };
        let short = bad("[[1,1,1,10,1,0,0]]");
        assert!(short.contains("has 7 elements, expected at least 8"), "{short}");
        assert!(bad("[[1,1,1,10,-1,0,0,0]]").contains("invalid value: integer `-1`"));
        assert!(bad("[[1,1,1,10,1,0,0,9]]").contains("unknown region kind 9"));
        assert!(bad("[[1,1,1,10,1,0,0,4]]").contains("unknown region kind 4"));
        assert!(bad("[[0,1,1,10,1,0,0,0]]").contains("not 1-based"));
        assert!(bad("[[3,1,1,10,1,0,0,0]]").contains("ends before it starts"));
        assert!(bad("[[1,1,1,10,1,1,0,0]]").contains("region in file #1 but lists 1 file(s)"));
        assert!(bad("[]").contains("has no regions"));
        assert!(bad("[[1,1,1,99999999999,1,0,0,0]]").contains("out of range"));
        let json = ONE.replace("[[2,8,2,9,1,0,0,0,4]]", "[[2,8,2,9,1,0,0,0,0]]");
        assert!(read(&json).unwrap_err().to_string().contains("not a branch kind"));
        let json = ONE.replace("[[2,8,2,9,1,0,0,0,4]]", "[[2,8,2,9,1,0,3,0,4]]");
        assert!(read(&json).unwrap_err().to_string().contains("branch in file #3"));
    }

    #[test]
    fn huge_counts_are_kept_exactly() {
        let json = ONE.replace("[1,1,1,10,1,0,0,0]", "[1,1,1,10,9223372036854775807,0,0,0]");
        let export = read(&json).unwrap();
        assert_eq!(export.functions[0].regions[0].count, 9_223_372_036_854_775_807);
    }
}
