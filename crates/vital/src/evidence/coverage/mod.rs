//! Coverage evidence: llvm-cov's JSON export ([`export`]), LLVM's line algorithm
//! ([`lines`]), source stamps ([`stamp`]), and the join of the export's records with
//! the source by file and span (SPEC §3), here.
//!
//! The evidence of a vital function is every llvm-cov function record whose entry
//! lies inside the function's source span: the function itself, each generic
//! instantiation, each copy in another test binary, and the closures, async bodies
//! and nested functions inside it. The join is on file and span, never on names.
//!
//! Records are merged as `llvm-cov show` merges them: identical regions' counts are
//! summed. Regions and branches are counted over the union of the records (a region
//! that appears in several records counts once, covered if any count is > 0); lines
//! come from LLVM's segment algorithm over the merged regions. For a function with a
//! single record this is exactly what `llvm-cov report --show-functions` prints.
//!
//! *Architecture invariant*: coverage that no longer fits the source is an error,
//! never a verdict. A record that starts where no function, closure or async body
//! starts, that spills out of the function it starts in, a region that is outside
//! the file or not on token boundaries, or a source stamp that does not match the
//! file: all stop the check with [`ErrorKind::StaleCoverage`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub mod export;
pub mod lines;
mod record;
pub mod stamp;
#[cfg(test)]
mod tests;

pub use export::Export;
pub use record::{Branch, FileRef, FunctionRecord, Region, RegionKind};

use crate::error::{Error, ErrorKind, Location, Result};
use crate::model::Count;
use crate::source::{FileId, FnId, SourceIndex};
use crate::text::Pos;
use lines::{CountedRegion, build_segments, line_stats};

/// An untaken outcome of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UntakenBranch {
    /// Start of the condition.
    pub start: Pos,
    /// End of the condition (exclusive).
    pub end: Pos,
    /// The outcome never seen: `true` if the condition was never true.
    pub outcome: bool,
}

/// What the coverage says of one vital function.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evidence {
    /// The mangled names of the records joined, sorted.
    pub records: Vec<String>,
    /// Lines.
    pub lines: Count,
    /// Code regions.
    pub regions: Count,
    /// Branch outcomes (2 per condition).
    pub branches: Count,
    /// Mapped lines never run.
    pub uncovered_lines: Vec<u32>,
    /// Code regions never run, in the function's file.
    pub uncovered_regions: Vec<(Pos, Pos)>,
    /// Condition outcomes never taken, in the function's file.
    pub untaken_branches: Vec<UntakenBranch>,
    /// Every code region in the function's file, and whether it ran.
    pub code_regions: Vec<(Pos, Pos, bool)>,
}

impl Evidence {
    /// The code region a pin at `at` means, and whether it ran: the innermost one
    /// that holds `at`, else the first that starts after it on its line (a pin on
    /// `return` means the region of what it returns).
    pub fn region_at(&self, at: Pos) -> Option<(Pos, Pos, bool)> {
        let holding = self
            .code_regions
            .iter()
            .filter(|(start, end, _)| *start <= at && at < *end)
            .min_by_key(|(start, end, _)| (std::cmp::Reverse(*start), *end));
        let after = || {
            self.code_regions
                .iter()
                .filter(|(start, _, _)| start.line == at.line && *start >= at)
                .min_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)))
        };
        holding.or_else(after).copied()
    }
}

/// Maps the filenames of each export to files of the index.
struct FileMap {
    /// Per export, per `FileRef`: the index file.
    per_export: Vec<Vec<Option<FileId>>>,
}

impl FileMap {
    fn new(index: &SourceIndex, root: &Path, exports: &[Export]) -> FileMap {
        let by_rel: HashMap<&str, FileId> =
            index.files.iter().enumerate().map(|(i, f)| (f.rel.as_str(), FileId::from_index(i))).collect();
        let per_export = exports
            .iter()
            .map(|export| {
                export
                    .filenames
                    .iter()
                    .map(|name| relative_name(root, name).and_then(|rel| by_rel.get(rel.as_str()).copied()))
                    .collect()
            })
            .collect();
        FileMap { per_export }
    }

    fn main_file(&self, export: usize, record: &FunctionRecord) -> Option<FileId> {
        record.main_file().and_then(|f| self.per_export[export][f.0 as usize])
    }
}

/// A coverage filename relative to the workspace root, `/`-separated.
pub fn relative_name(root: &Path, name: &str) -> Option<String> {
    let path = Path::new(name);
    let rel: PathBuf =
        if path.is_absolute() { path.strip_prefix(root).ok()?.to_path_buf() } else { path.to_path_buf() };
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// The predicate for [`Export::read`] that keeps the records of `files`.
pub fn keep_files(index: &SourceIndex, root: &Path, files: &[FileId]) -> impl Fn(&str) -> bool + use<> {
    let wanted: std::collections::HashSet<String> =
        files.iter().map(|&f| index.file(f).rel.clone()).collect();
    let root = root.to_path_buf();
    move |name: &str| relative_name(&root, name).is_some_and(|rel| wanted.contains(&rel))
}

type RecordRef<'e> = (usize, &'e FunctionRecord);

/// Joins the coverage of `exports` with each of `functions`. `None` for a function
/// means no record lies in it. Errors when the coverage is stale.
pub fn join(
    index: &SourceIndex,
    root: &Path,
    functions: &[FnId],
    exports: &[Export],
) -> Result<Vec<Option<Evidence>>> {
    let files = FileMap::new(index, root, exports);
    let mut by_file: BTreeMap<FileId, Vec<RecordRef<'_>>> = BTreeMap::new();
    let vital_files: std::collections::BTreeSet<FileId> =
        functions.iter().map(|&f| index.func(f).file).collect();
    for (e, export) in exports.iter().enumerate() {
        for record in export.functions.iter().filter(|r| !is_doctest_main(r)) {
            if let Some(file) = files.main_file(e, record)
                && vital_files.contains(&file)
            {
                by_file.entry(file).or_default().push((e, record));
            }
        }
    }
    for (&file, records) in &by_file {
        check_bounds(index, exports, file, records)?;
    }
    let empty = Vec::new();
    functions
        .iter()
        .map(|&f| {
            let records = by_file.get(&index.func(f).file).unwrap_or(&empty);
            evidence_of(index, exports, f, records)
        })
        .collect()
}

/// How often the code of `span` in `file` ran as a function of its own — a
/// closure's body: the summed entry counts of the records whose regions in their
/// main file all lie in `span` (a copy in each test binary). `None` when no record
/// does: coverage has no trace of that code (a closure with no code of its own, or
/// one compiled out).
pub fn count_within(
    index: &SourceIndex,
    root: &Path,
    exports: &[Export],
    file: FileId,
    span: (Pos, Pos),
) -> Option<u64> {
    let files = FileMap::new(index, root, exports);
    let mut total: Option<u64> = None;
    for (e, export) in exports.iter().enumerate() {
        for record in &export.functions {
            if files.main_file(e, record) != Some(file) {
                continue;
            }
            if let Some((start, end)) = extent(record)
                && start >= span.0
                && end <= span.1
            {
                total = Some(total.unwrap_or(0).saturating_add(record.count));
            }
        }
    }
    total
}

/// Coverage that no longer fits the source; `source` is the coverage file whose
/// record does not fit.
fn stale(index: &SourceIndex, file: FileId, at: Pos, message: String, source: &Path) -> Error {
    let location = Location::at(&index.file(file).rel, at.line as usize, at.col as usize);
    Error::new(
        ErrorKind::StaleCoverage,
        Some(location),
        format!("coverage is older than the source: {message} (in {})", source.display()),
    )
    .with_help("re-run the tests with coverage (`cargo vital run`) and check again")
}

/// Every region of every record lies inside the current file.
fn check_bounds(
    index: &SourceIndex,
    exports: &[Export],
    file: FileId,
    records: &[RecordRef<'_>],
) -> Result<()> {
    let lines = index.file(file).lines();
    for &(e, record) in records {
        let main = record.main_file_id();
        for region in record.regions.iter().filter(|r| Some(r.file_id) == main) {
            for pos in [region.start, region.end] {
                if lines.offset(pos.line, pos.col).is_none() {
                    return Err(stale(
                        index,
                        file,
                        pos,
                        format!(
                            "a region of `{}` ends at {pos}, outside the file ({} lines)",
                            demangle(&record.name),
                            lines.line_count()
                        ),
                        &exports[e].path,
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The record's extent in its main file.
fn extent(record: &FunctionRecord) -> Option<(Pos, Pos)> {
    let main = record.main_file_id()?;
    let mut regions = record.regions.iter().filter(|r| r.file_id == main);
    let first = regions.next()?;
    Some(regions.fold((first.start, first.end), |(s, e), r| (s.min(r.start), e.max(r.end))))
}

/// Whether `record` is of a function that encloses `def` (an `impl` or `fn`
/// declared in its body): it spans `def` without a region of its own inside it.
fn encloses(record: &FunctionRecord, def: &crate::source::FnDef) -> bool {
    let Some(main) = record.main_file_id() else { return false };
    let Some((start, end)) = extent(record) else { return false };
    start <= def.start
        && end >= def.end
        && !record
            .regions
            .iter()
            .filter(|r| r.file_id == main)
            .any(|r| r.start < def.end && r.end > def.start)
}

/// Whether `record` is a doctest's own code (rustdoc names a doctest's crate
/// `rust_out`): no vital function, and rustdoc maps its lines only roughly onto the
/// doc comment, so that it may seem to lie outside the file.
fn is_doctest_main(record: &FunctionRecord) -> bool {
    record.name.contains("8rust_out") && demangle(&record.name).starts_with("rust_out::")
}

/// The demangled name of a record, for messages.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

fn evidence_of<'e>(
    index: &SourceIndex,
    exports: &'e [Export],
    f: FnId,
    records: &[RecordRef<'e>],
) -> Result<Option<Evidence>> {
    let def = index.func(f);
    let file = index.file(def.file);
    let inside = |p: Pos| def.start <= p && p < def.end;
    // Where records may start in this file: functions, closure and async bodies.
    let known_entry = |p: Pos| {
        file.in_body(p) || index.fns.iter().any(|g| g.file == def.file && g.start == p) || file.is_opaque(p)
    };

    let mut members: Vec<RecordRef<'e>> = Vec::new();
    for &(e, record) in records {
        let (Some(entry), Some((start, end))) = (record.entry(), extent(record)) else { continue };
        if inside(entry) {
            if end > def.end || start < def.start {
                return Err(stale(
                    index,
                    def.file,
                    entry,
                    format!("`{}` spills out of `{}`", demangle(&record.name), index.display_path(f)),
                    &exports[e].path,
                ));
            }
            if !def.opaque && !known_entry(entry) {
                return Err(stale(
                    index,
                    def.file,
                    entry,
                    format!(
                        "`{}` starts at {entry}, where no function, closure or async block of `{}` starts now",
                        demangle(&record.name),
                        index.display_path(f)
                    ),
                    &exports[e].path,
                ));
            }
            members.push((e, record));
        } else if start < def.end && end > def.start && !file.is_opaque(entry) && !encloses(record, def) {
            return Err(stale(
                index,
                def.file,
                entry,
                format!(
                    "`{}` overlaps `{}` without starting in it",
                    demangle(&record.name),
                    index.display_path(f)
                ),
                &exports[e].path,
            ));
        }
    }

    if members.is_empty() {
        // Records at places where nothing starts now: the file changed since.
        if let Some(&(e, record)) = records.iter().find(|(_, r)| r.entry().is_some_and(|p| !known_entry(p))) {
            let entry = record.entry().unwrap_or_default();
            return Err(stale(
                index,
                def.file,
                entry,
                format!(
                    "`{}` starts at {entry}, where no function starts now, and `{}` has no record",
                    demangle(&record.name),
                    index.display_path(f)
                ),
                &exports[e].path,
            ));
        }
        return Ok(None);
    }
    if !def.opaque {
        if !members.iter().any(|(_, r)| r.entry() == Some(def.start)) {
            let (e, first) =
                members.iter().min_by_key(|(_, r)| r.entry()).copied().expect("members is not empty");
            let entry = first.entry().unwrap_or_default();
            return Err(stale(
                index,
                def.file,
                def.start,
                format!(
                    "`{}` starts at {}, but its coverage starts at {entry}",
                    index.display_path(f),
                    def.start
                ),
                &exports[e].path,
            ));
        }
        check_token_boundaries(index, exports, f, &members)?;
    }
    Ok(Some(merge(exports, &members)))
}

/// Each region of the records starts inside a token of the function and ends at the
/// end of one, as rustc writes them (a region may start inside a token: rustc gives
/// the `10` of a match guard `n > 10` a region of its last character). Code that
/// moved since the coverage run leaves regions starting in whitespace or ending
/// inside tokens.
fn check_token_boundaries(
    index: &SourceIndex,
    exports: &[Export],
    f: FnId,
    members: &[RecordRef<'_>],
) -> Result<()> {
    let def = index.func(f);
    let file = index.file(def.file);
    let Some(tokens) = tokens(&file.text[def.span.clone()]) else { return Ok(()) };
    let mut ends: Vec<usize> = tokens.iter().map(|t| t.1).collect();
    ends.sort_unstable();
    let in_token = |offset: usize| {
        let i = tokens.partition_point(|t| t.0 <= offset);
        i > 0 && offset < tokens[i - 1].1
    };
    let relative = |p: Pos| file.lines().offset(p.line, p.col).map(|o| o.wrapping_sub(def.span.start));
    for &(e, record) in members {
        let main = record.main_file_id();
        let code = record.regions.iter().filter(|r| Some(r.file_id) == main).map(|r| (r.start, r.end));
        let branches = record.branches.iter().filter(|b| Some(b.file_id) == main).map(|b| (b.start, b.end));
        for (start, end) in code.chain(branches) {
            let fits = relative(start).is_some_and(in_token)
                && relative(end).is_some_and(|o| ends.binary_search(&o).is_ok());
            if !fits && !file.is_opaque(start) {
                return Err(stale(
                    index,
                    def.file,
                    start,
                    format!(
                        "the region {start}-{end} of `{}` does not fall on the tokens of `{}`",
                        demangle(&record.name),
                        index.display_path(f)
                    ),
                    &exports[e].path,
                ));
            }
        }
    }
    Ok(())
}

/// The byte ranges of the tokens of `text` (delimiters included), by start; read
/// on a thread with a stack sized for the text's nesting (`None` when the text nests
/// beyond what vital parses: the scanner did not index such a file either).
fn tokens(text: &str) -> Option<Vec<(usize, usize)>> {
    let need = crate::source::depth::stack_estimate(text);
    crate::source::depth::run_with_stack(need, || lex(text)).flatten()
}

fn lex(text: &str) -> Option<Vec<(usize, usize)>> {
    fn walk(stream: proc_macro2::TokenStream, out: &mut Vec<(usize, usize)>) {
        for tree in stream {
            match tree {
                proc_macro2::TokenTree::Group(group) => {
                    if group.delimiter() != proc_macro2::Delimiter::None {
                        for span in [group.span_open(), group.span_close()] {
                            let range = span.byte_range();
                            out.push((range.start, range.end));
                        }
                    }
                    walk(group.stream(), out);
                }
                other => {
                    let range = other.span().byte_range();
                    out.push((range.start, range.end));
                }
            }
        }
    }
    let stream = proc_macro2::TokenStream::from_str(text).ok()?;
    let mut out = Vec::new();
    walk(stream, &mut out);
    proc_macro2::extra::invalidate_current_thread_spans();
    out.sort_unstable();
    Some(out)
}

/// Merges the records of one function (see the module documentation).
fn merge<'e>(exports: &'e [Export], members: &[RecordRef<'e>]) -> Evidence {
    // Regions and branches by (file name, start, end, occurrence in the record).
    let mut regions: Vec<(bool, Pos, Pos, u64)> = Vec::new();
    let mut region_slots: HashMap<(&'e str, Pos, Pos, usize), usize> = HashMap::new();
    let mut branches: Vec<(bool, Pos, Pos, u64, u64)> = Vec::new();
    let mut branch_slots: HashMap<(&'e str, Pos, Pos, usize), usize> = HashMap::new();
    let mut line_regions: Vec<CountedRegion> = Vec::new();
    let mut names: Vec<String> = Vec::new();

    for &(e, record) in members {
        names.push(record.name.clone());
        // Without a main file (every file expanded into: malformed), LLVM counts
        // the code regions but no lines and no branches: so do we.
        let main = record.main_file_id();
        // Records of different exports number their files differently: key on names.
        let file_key = |file_id: u32| -> &str {
            let file = record.filenames[file_id as usize];
            exports[e].filenames[file.0 as usize].as_str()
        };
        let mut seen: HashMap<(u32, Pos, Pos), usize> = HashMap::new();
        for region in &record.regions {
            if Some(region.file_id) == main {
                line_regions.push(CountedRegion {
                    start: region.start,
                    end: region.end,
                    count: region.count,
                    kind: region.kind,
                });
            }
            if region.kind != RegionKind::Code {
                continue;
            }
            let occurrence = seen.entry((region.file_id, region.start, region.end)).or_insert(0);
            let key = (file_key(region.file_id), region.start, region.end, *occurrence);
            *occurrence += 1;
            match region_slots.get(&key) {
                Some(&slot) => regions[slot].3 = regions[slot].3.saturating_add(region.count),
                None => {
                    region_slots.insert(key, regions.len());
                    regions.push((Some(region.file_id) == main, region.start, region.end, region.count));
                }
            }
        }
        let mut seen: HashMap<(u32, Pos, Pos), usize> = HashMap::new();
        for file_id in record.branch_file_ids() {
            for branch in record.branches.iter().filter(|b| b.file_id == file_id) {
                let occurrence = seen.entry((branch.file_id, branch.start, branch.end)).or_insert(0);
                let key = (file_key(branch.file_id), branch.start, branch.end, *occurrence);
                *occurrence += 1;
                match branch_slots.get(&key) {
                    Some(&slot) => {
                        let b = &mut branches[slot];
                        b.3 = b.3.saturating_add(branch.true_count);
                        b.4 = b.4.saturating_add(branch.false_count);
                    }
                    None => {
                        branch_slots.insert(key, branches.len());
                        branches.push((
                            Some(file_id) == main,
                            branch.start,
                            branch.end,
                            branch.true_count,
                            branch.false_count,
                        ));
                    }
                }
            }
        }
    }

    let segments = build_segments(&mut line_regions);
    let stats = line_stats(&segments);
    let mapped: Vec<_> = stats.iter().filter(|s| s.mapped).collect();
    let lines =
        Count { covered: mapped.iter().filter(|s| s.count > 0).count() as u64, total: mapped.len() as u64 };
    let uncovered_lines = mapped.iter().filter(|s| s.count == 0).map(|s| s.line).collect();

    let region_count =
        Count { covered: regions.iter().filter(|r| r.3 > 0).count() as u64, total: regions.len() as u64 };
    let mut uncovered_regions: Vec<(Pos, Pos)> =
        regions.iter().filter(|r| r.0 && r.3 == 0).map(|r| (r.1, r.2)).collect();
    uncovered_regions.sort_unstable();
    uncovered_regions.dedup();
    let mut spans: Vec<(Pos, Pos, bool)> =
        regions.iter().filter(|r| r.0).map(|r| (r.1, r.2, r.3 > 0)).collect();
    spans.sort_unstable();
    let mut code_regions: Vec<(Pos, Pos, bool)> = Vec::with_capacity(spans.len());
    for (start, end, ran) in spans {
        match code_regions.last_mut() {
            Some(last) if (last.0, last.1) == (start, end) => last.2 |= ran,
            _ => code_regions.push((start, end, ran)),
        }
    }

    let branch_count = Count {
        covered: branches.iter().map(|b| u64::from(b.3 > 0) + u64::from(b.4 > 0)).sum(),
        total: 2 * branches.len() as u64,
    };
    let mut untaken_branches: Vec<UntakenBranch> = branches
        .iter()
        .filter(|b| b.0)
        .flat_map(|b| {
            let never_true = (b.3 == 0).then_some(UntakenBranch { start: b.1, end: b.2, outcome: true });
            let never_false = (b.4 == 0).then_some(UntakenBranch { start: b.1, end: b.2, outcome: false });
            never_true.into_iter().chain(never_false)
        })
        .collect();
    untaken_branches.sort_by_key(|b| (b.start, b.end, !b.outcome));
    untaken_branches.dedup();

    names.sort();
    names.dedup();
    Evidence {
        records: names,
        lines,
        regions: region_count,
        branches: branch_count,
        uncovered_lines,
        uncovered_regions,
        untaken_branches,
        code_regions,
    }
}

/// The evidence of one record alone: what `llvm-cov report --show-functions`
/// prints for it.
pub fn record_evidence(export: &Export, record: &FunctionRecord) -> Evidence {
    merge(std::slice::from_ref(export), &[(0, record)])
}
