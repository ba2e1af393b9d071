//! Mutation evidence (SPEC §8): cargo-mutants' mutants of the vital functions and
//! what the tests did with each.
//!
//! The outside formats, one file each: [`list`] (a mutant as cargo-mutants
//! describes it: `--list --json`, `mutants.json`), [`outcomes`] (`outcomes.json` and
//! the `mutants.out` directory), [`diff`] (the diff of one mutation), [`config`]
//! (`.cargo/mutants.toml`). [`plan`] decides what `cargo vital mutants` runs. The
//! join is here.
//!
//! A mutant belongs to the innermost function of the source index whose span
//! contains the mutant's span — joined on file and span, never on names
//! (cargo-mutants' `function_name` has no module path, and its function span starts
//! at the doc comments). cargo-mutants counts columns in characters; the index in
//! bytes: [`byte_range`] converts.
//!
//! The mutants a function *has* are those of the current source: `cargo mutants
//! --list --json`, run on it. Its results come from any number of `mutants.out`
//! directories (vital's own runs, a user's run, shards), joined mutant by mutant.
//!
//! *Architecture invariant*: results that do not fit the source are an error, never
//! a verdict. Each tested mutant in a vital function's file carries the diff it was
//! made with; its old side must be the file as it is now. A listed mutant of a vital
//! function without an outcome is *untested*, which fails a tier that gates
//! mutation. A pin (`[[vital.survivors]]`) that matches no mutant is an error.

pub mod config;
pub mod diff;
pub mod list;
pub mod outcomes;
pub mod plan;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use crate::catalogue::{Catalogue, Entry, Survivor, TimeoutRule};
use crate::error::{Error, ErrorKind, Location, Problem, Result};
use crate::model::{Count, Mutant};
use crate::source::{FileId, FnId, SourceIndex};
use list::{MutantKey, MutantRecord, Span};
use outcomes::{RunResults, Summary};

/// What the tests did with a mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MutantStatus {
    /// A test failed with it.
    Caught,
    /// Every test passed with it.
    Missed,
    /// The tests did not finish in time.
    Timeout,
    /// It does not build.
    Unviable,
    /// No result of it was given.
    Untested,
}

impl MutantStatus {
    /// The lowercase name reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            MutantStatus::Caught => "caught",
            MutantStatus::Missed => "missed",
            MutantStatus::Timeout => "timeout",
            MutantStatus::Unviable => "unviable",
            MutantStatus::Untested => "untested",
        }
    }
}

/// One mutant of a vital function and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMutant {
    /// The mutant.
    pub mutant: Mutant,
    /// What the tests did with it.
    pub status: MutantStatus,
    /// The reason of the `[[vital.survivors]]` pin that acknowledges it, if any.
    pub acknowledged: Option<String>,
}

impl JoinedMutant {
    /// Whether it is an acknowledged survivor: pinned, and not caught or unviable.
    pub fn is_acknowledged(&self) -> bool {
        self.acknowledged.is_some()
            && matches!(self.status, MutantStatus::Missed | MutantStatus::Timeout | MutantStatus::Untested)
    }
}

/// The mutants of one vital function, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MutationEvidence {
    /// Every mutant of the function: those of the current source, and tested ones
    /// that fit it.
    pub mutants: Vec<JoinedMutant>,
}

impl MutationEvidence {
    /// The mutants of `status` that are not acknowledged survivors.
    pub fn with_status(&self, status: MutantStatus) -> impl Iterator<Item = &JoinedMutant> + '_ {
        self.mutants.iter().filter(move |m| m.status == status && !m.is_acknowledged())
    }

    /// How many mutants of `status` are not acknowledged survivors.
    pub fn count(&self, status: MutantStatus) -> usize {
        self.with_status(status).count()
    }

    /// The acknowledged survivors.
    pub fn acknowledged(&self) -> impl Iterator<Item = &JoinedMutant> + '_ {
        self.mutants.iter().filter(|m| m.is_acknowledged())
    }

    /// caught ÷ (caught + missed + timeout), acknowledged survivors left out; a
    /// timeout counts as caught when `timeouts` says so (SPEC §8).
    pub fn score(&self, timeouts: TimeoutRule) -> Count {
        let caught = self.count(MutantStatus::Caught) as u64;
        let missed = self.count(MutantStatus::Missed) as u64;
        let timeout = self.count(MutantStatus::Timeout) as u64;
        let covered = match timeouts {
            TimeoutRule::Caught => caught + timeout,
            TimeoutRule::Missed => caught,
        };
        Count::new(covered, caught + missed + timeout)
    }
}

/// The mutation evidence of every vital function, and what the user should know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Joined {
    /// Per function, in the order given.
    pub functions: Vec<MutationEvidence>,
    /// Results ignored, pins that are not needed, results of another workspace.
    pub warnings: Vec<String>,
}

/// The byte range in `text` of a span of cargo-mutants (1-based lines, 1-based
/// character columns, end exclusive); `None` when it does not lie in the text.
pub fn byte_range(text: &str, lines: &crate::text::LineIndex, span: Span) -> Option<Range<usize>> {
    let offset = |line: u32, column: u32| -> Option<usize> {
        let range = lines.line_range(usize::try_from(line).ok()?)?;
        let chars = usize::try_from(column).ok()?.checked_sub(1)?;
        let line_text = &text[range.clone()];
        match line_text.char_indices().nth(chars) {
            Some((i, _)) => Some(range.start + i),
            // One past the last character: the end of an exclusive span.
            None => (line_text.chars().count() == chars).then_some(range.end),
        }
    };
    let start = offset(span.start.line, span.start.column)?;
    let end = offset(span.end.line, span.end.column)?;
    (start <= end).then_some(start..end)
}

/// The functions of each file, by span, to find the innermost one around a mutant.
struct Functions<'i> {
    index: &'i SourceIndex,
    by_file: HashMap<FileId, Vec<FnId>>,
    vital: HashMap<FnId, usize>,
}

impl<'i> Functions<'i> {
    fn new(index: &'i SourceIndex, vital: &[FnId]) -> Functions<'i> {
        let vital_files: std::collections::HashSet<FileId> =
            vital.iter().map(|&f| index.func(f).file).collect();
        let mut by_file: HashMap<FileId, Vec<FnId>> = HashMap::new();
        for (i, def) in index.fns.iter().enumerate() {
            if vital_files.contains(&def.file) {
                by_file.entry(def.file).or_default().push(FnId::from_index(i));
            }
        }
        let vital = vital.iter().enumerate().map(|(i, &f)| (f, i)).collect();
        Functions { index, by_file, vital }
    }

    /// The file of a vital function with this workspace-relative path.
    fn vital_file(&self, rel: &str) -> Option<FileId> {
        self.index.file_by_rel(rel).filter(|f| self.by_file.contains_key(f))
    }

    /// The position in the vital list of the innermost function around `range`, when
    /// that function is vital.
    fn owner(&self, file: FileId, range: &Range<usize>) -> Option<usize> {
        let innermost = self.by_file.get(&file)?.iter().copied().filter(|&f| {
            let span = &self.index.func(f).span;
            span.start <= range.start && range.end <= span.end
        });
        let innermost = innermost.min_by_key(|&f| self.index.func(f).span.len())?;
        self.vital.get(&innermost).copied()
    }
}

/// The text a mutant replaces, on one line, at most 40 characters.
fn original(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 40 {
        one_line
    } else {
        let cut: String = one_line.chars().take(39).collect();
        format!("{cut}…")
    }
}

fn mutant_of(record: &MutantRecord, text: &str, range: &Range<usize>) -> Mutant {
    Mutant {
        name: record.name.clone(),
        description: record.description().to_string(),
        genre: record.genre.clone(),
        file: record.file.clone(),
        line: record.span.start.line,
        column: record.span.start.column,
        end_line: record.span.end.line,
        end_column: record.span.end.column,
        replacement: record.replacement.clone(),
        original: original(&text[range.clone()]),
    }
}

fn stale(file: &str, line: usize, message: String) -> Error {
    Error::new(ErrorKind::Mutants, Some(Location::at(file, line, 1)), message).with_help(
        "the mutation results are older than the source: run the mutants again \
         (`cargo vital mutants`, or cargo-mutants), then check",
    )
}

/// Joins the mutants of the current source (`list`, shown as `list_display`) and
/// the results of any runs with the vital functions `functions` of `entries`.
pub fn join(
    index: &SourceIndex,
    catalogue: &Catalogue,
    entries: &[(&Entry, FnId)],
    list: &[MutantRecord],
    list_display: &Path,
    results: &[RunResults],
) -> Result<Joined> {
    let vital: Vec<FnId> = entries.iter().map(|&(_, f)| f).collect();
    let functions = Functions::new(index, &vital);
    let mut per_function: Vec<BTreeMap<MutantKey, JoinedMutant>> = vec![BTreeMap::new(); vital.len()];
    let mut warnings = Vec::new();

    // The mutants each vital function has now.
    for record in list {
        let Some(file) = functions.vital_file(&record.file) else { continue };
        let source = index.file(file);
        let Some(range) = byte_range(&source.text, source.lines(), record.span) else {
            return Err(Error::new(
                ErrorKind::Mutants,
                Some(Location::file(list_display)),
                format!(
                    "the mutant list does not fit the source: `{}` lies outside {} as it is now",
                    record.name, record.file
                ),
            )
            .with_help("list the mutants of this workspace's source (`cargo mutants --list --json`)"));
        };
        if let Some(diff) = &record.diff
            && !diff.is_empty()
            && let Err(misfit) = diff::fits(diff, &record.file, &source.text)
        {
            return Err(Error::new(
                ErrorKind::Mutants,
                Some(Location::file(list_display)),
                format!("the mutant list does not fit the source: `{}` ({misfit:?})", record.name),
            )
            .with_help("list the mutants of this workspace's source (`cargo mutants --list --json`)"));
        }
        if let Some(owner) = functions.owner(file, &range) {
            let mutant = mutant_of(record, &source.text, &range);
            per_function[owner].insert(
                record.key(),
                JoinedMutant { mutant, status: MutantStatus::Untested, acknowledged: None },
            );
        }
    }

    // What the runs did with them.
    let mut seen: HashMap<MutantKey, (MutantStatus, &Path)> = HashMap::new();
    let mut owned = 0usize;
    let mut total = 0usize;
    for run in results {
        for tested in &run.tested {
            total += 1;
            let record = &tested.mutant;
            let Some(file) = functions.vital_file(&record.file) else { continue };
            let source = index.file(file);
            let status = match tested.summary {
                Summary::CaughtMutant => MutantStatus::Caught,
                Summary::MissedMutant => MutantStatus::Missed,
                Summary::Timeout => MutantStatus::Timeout,
                Summary::Unviable => MutantStatus::Unviable,
                Summary::Success | Summary::Failure => {
                    warnings.push(format!(
                        "{}: `{}` was built but not tested (a `--check` run?): it counts as untested",
                        run.dir.display(),
                        record.name
                    ));
                    continue;
                }
            };
            let Some(diff) = tested.diff.as_deref() else {
                return Err(Error::new(
                    ErrorKind::Mutants,
                    Some(Location::file(&run.dir)),
                    format!(
                        "cannot tell whether `{}` was tested on this source: its diff is in neither `diff/` nor `mutants.json`",
                        record.name
                    ),
                )
                .with_help("pass the whole `mutants.out` directory cargo-mutants wrote"));
            };
            if let Err(misfit) = diff::fits(diff, &record.file, &source.text) {
                let line = match misfit {
                    diff::Misfit::Differs { line } => line,
                    _ => record.span.start.line as usize,
                };
                return Err(stale(
                    &record.file,
                    line,
                    format!(
                        "`{}` (in {}) was made from other source: line {line} differs{}",
                        record.name,
                        run.dir.display(),
                        if let diff::Misfit::OtherFile(other) = &misfit {
                            format!(" (its diff is of {other})")
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
            let Some(range) = byte_range(&source.text, source.lines(), record.span) else {
                return Err(stale(
                    &record.file,
                    record.span.start.line as usize,
                    format!(
                        "`{}` (in {}) lies outside the file as it is now",
                        record.name,
                        run.dir.display()
                    ),
                ));
            };
            let key = record.key();
            if let Some((before, dir)) = seen.get(&key) {
                if *before != status {
                    return Err(Error::new(
                        ErrorKind::Mutants,
                        Some(Location::file(&run.dir)),
                        format!(
                            "`{}` was tested twice with different outcomes: {} in {}, {} here",
                            record.name,
                            before.as_str(),
                            dir.display(),
                            status.as_str()
                        ),
                    )
                    .with_help("pass the results of one run of each mutant"));
                }
                continue;
            }
            seen.insert(key.clone(), (status, &run.dir));
            let Some(owner) = functions.owner(file, &range) else { continue };
            owned += 1;
            let entry = per_function[owner].entry(key).or_insert_with(|| JoinedMutant {
                mutant: mutant_of(record, &source.text, &range),
                status,
                acknowledged: None,
            });
            entry.status = status;
        }
    }
    if total > 0 && owned == 0 {
        warnings.push(format!(
            "none of the {total} tested mutants is in a vital function: are the mutation results of this \
             workspace, and of the packages of its vital functions?"
        ));
    }

    // Acknowledged survivors.
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(per_function.len());
    for ((entry, f), mutants) in entries.iter().zip(per_function) {
        let mut mutants: Vec<JoinedMutant> = mutants.into_values().collect();
        mutants.sort_by(|a, b| {
            (a.mutant.line, a.mutant.column, &a.mutant.description).cmp(&(
                b.mutant.line,
                b.mutant.column,
                &b.mutant.description,
            ))
        });
        let fn_line = index.func(*f).fn_line;
        for pin in &entry.survivors {
            match pinned(&mutants, pin, fn_line) {
                Ok(i) => {
                    let m = &mut mutants[i];
                    m.acknowledged = Some(pin.reason.clone());
                    if !m.is_acknowledged() {
                        warnings.push(format!(
                            "{}: the acknowledged survivor `{}` of `{}` is {}: remove the pin",
                            catalogue.location_of_survivor(pin),
                            pin.mutant,
                            entry.function,
                            m.status.as_str()
                        ));
                    }
                }
                Err(problem) => problems.push(Problem {
                    location: Some(catalogue.location_of_survivor(pin)),
                    message: format!("the acknowledged survivor `{}` of `{}` {problem}", pin.mutant, entry.function),
                    help: Some(
                        "the code changed since it was pinned: check whether the mutant is still equivalent, \
                         then pin it anew (`line` counts from the `fn` line), or remove the pin"
                            .into(),
                    ),
                }),
            }
        }
        out.push(MutationEvidence { mutants });
    }
    if !problems.is_empty() {
        return Err(Error::from_problems(ErrorKind::Catalogue, problems));
    }
    Ok(Joined { functions: out, warnings })
}

/// The one mutant a pin matches, or why it matches none or several.
fn pinned(mutants: &[JoinedMutant], pin: &Survivor, fn_line: u32) -> std::result::Result<usize, String> {
    let offset = |m: &JoinedMutant| i64::from(m.mutant.line) - i64::from(fn_line);
    let alike: Vec<usize> =
        (0..mutants.len()).filter(|&i| mutants[i].mutant.description == pin.mutant).collect();
    let matching: Vec<usize> = alike
        .iter()
        .copied()
        .filter(|&i| offset(&mutants[i]) == i64::from(pin.line))
        .filter(|&i| pin.column.is_none_or(|c| c == mutants[i].mutant.column))
        .collect();
    match matching.as_slice() {
        [one] => Ok(*one),
        [] if alike.is_empty() => Err("matches no mutant of the function".into()),
        [] => {
            let places: Vec<String> = alike
                .iter()
                .map(|&i| format!("line = {}, column = {}", offset(&mutants[i]), mutants[i].mutant.column))
                .collect();
            Err(format!(
                "matches no mutant at line = {}{}: the function has it at {}",
                pin.line,
                pin.column.map(|c| format!(", column = {c}")).unwrap_or_default(),
                places.join("; ")
            ))
        }
        several => {
            let columns: Vec<String> =
                several.iter().map(|&i| mutants[i].mutant.column.to_string()).collect();
            Err(format!(
                "matches {} mutants on that line (columns {}): add `column`",
                several.len(),
                columns.join(", ")
            ))
        }
    }
}
