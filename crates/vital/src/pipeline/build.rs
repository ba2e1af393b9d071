//! The one builder of a [`FunctionReport`]: a function's facts (where it is, its
//! coverage evidence if measured, its failure modes, its mutants if given), judged
//! by its tier's policy.

use crate::catalogue::{BranchRule, Catalogue, Entry, ModesRule, TierPolicy};
use crate::evidence::coverage::Evidence;
use crate::evidence::mutants::{MutantStatus, MutationEvidence};
use crate::evidence::tests::render_template;
use crate::model::{FailpointOutcome, MissingCategory, ModeOutcome, Mutant};
use crate::policy::{Facts, judge, judge_mutation, judge_static};
use crate::report::{
    AcknowledgedMutant, BranchGap, FunctionReport, FunctionSpan, MutationReport, Reasons, Source, SourceSpan,
    Thresholds, Waiver,
};
use crate::source::{FnId, SourceIndex};
use crate::text::Pos;

/// What the coverage shows of a function, in a coverage check.
#[derive(Debug, Clone, Copy)]
pub(super) struct Measured<'a> {
    /// Its evidence; `None` when no record lies in it.
    pub evidence: Option<&'a Evidence>,
    /// Whether the coverage has branch data at all.
    pub has_branch_data: bool,
    /// Its failpoints, as the coverage and the per-test evidence show them.
    pub failpoints: &'a [FailpointOutcome],
}

/// The report of `entry`'s function `f`: measured by coverage (with its mutants
/// when `mutation` is given); with `measured` `None`, by its mutants alone (a
/// mutation check), or from the source alone (`check --static`).
pub(super) fn function_report(
    index: &SourceIndex,
    catalogue: &Catalogue,
    entry: &Entry,
    f: FnId,
    measured: Option<Measured<'_>>,
    modes: Vec<ModeOutcome>,
    mutation: Option<&MutationEvidence>,
) -> FunctionReport {
    let def = index.func(f);
    let file = index.file(def.file);
    let policy = catalogue.tiers.policy(entry.tier);
    let missing = missing_categories(index, catalogue, entry, f);
    let features = index.features_of(f);
    let pinned: Vec<String> = entry.failpoints.values().cloned().collect();
    let (verdict, reasons) = match (measured, mutation) {
        (Some(m), _) => judge(
            policy,
            Facts {
                evidence: m.evidence,
                has_branch_data: m.has_branch_data,
                modes: &modes,
                missing_categories: &missing,
                features: &features,
                mutation,
                failpoints: m.failpoints,
                pinned_failpoints: &pinned,
            },
        ),
        (None, Some(mutation)) => judge_mutation(policy, mutation),
        (None, None) => judge_static(policy, &modes, &missing),
    };
    let span = |start: Pos, end: Pos| -> SourceSpan {
        let text = match (file.lines().offset(start.line, start.col), file.lines().offset(end.line, end.col))
        {
            (Some(s), Some(e)) if s <= e => shorten(&file.text[s..e]),
            _ => String::new(),
        };
        SourceSpan { line: start.line, column: start.col, end_line: end.line, end_column: end.col, text }
    };
    let empty = Evidence::default();
    let ev = measured.and_then(|m| m.evidence).unwrap_or(&empty);
    FunctionReport {
        function: entry.function.clone(),
        resolved: index.display_path(f),
        tier: entry.tier,
        reason: entry.reason.clone(),
        file: file.rel.clone(),
        line: def.fn_line,
        lines: ev.lines,
        regions: ev.regions,
        branches: measured.filter(|m| m.has_branch_data).map(|_| ev.branches),
        failure_modes: modes,
        waived: entry.waive.iter().map(|(category, reason)| Waiver::new(*category, reason.clone())).collect(),
        verdict,
        reasons: Reasons(reasons),
        records: ev.records.len(),
        record_names: ev.records.clone(),
        uncovered_lines: ev.uncovered_lines.clone(),
        uncovered_regions: ev.uncovered_regions.iter().map(|&(s, e)| span(s, e)).collect(),
        untaken_branches: ev
            .untaken_branches
            .iter()
            .map(|b| BranchGap { span: span(b.start, b.end), outcome: b.outcome })
            .collect(),
        span: function_span(index, f),
        thresholds: thresholds(policy),
        trend: None,
        // Only where it helps: no test ran the function.
        doc_example: def.doc_example && measured.is_some() && ev.regions.covered == 0,
        source: Some(source(index, f)),
        mutants: mutation.map(|m| mutation_report(m, policy)),
        failpoints: measured.map(|m| m.failpoints.to_vec()).unwrap_or_default(),
    }
}

/// A function's mutants as the report says them.
fn mutation_report(mutation: &MutationEvidence, policy: &TierPolicy) -> MutationReport {
    let list = |status| -> Vec<Mutant> { mutation.with_status(status).map(|m| m.mutant.clone()).collect() };
    let missed_list = list(MutantStatus::Missed);
    let timeout_list = list(MutantStatus::Timeout);
    let unviable_list = list(MutantStatus::Unviable);
    let untested_list = list(MutantStatus::Untested);
    let acknowledged_list: Vec<AcknowledgedMutant> = mutation
        .acknowledged()
        .map(|m| AcknowledgedMutant {
            mutant: m.mutant.clone(),
            outcome: m.status.as_str().to_string(),
            reason: m.acknowledged.clone().unwrap_or_default(),
        })
        .collect();
    MutationReport {
        caught: mutation.count(MutantStatus::Caught),
        missed: missed_list.len(),
        timeout: timeout_list.len(),
        unviable: unviable_list.len(),
        acknowledged: acknowledged_list.len(),
        untested: untested_list.len(),
        score: mutation.score(policy.timeouts),
        missed_list,
        timeout_list,
        unviable_list,
        untested_list,
        acknowledged_list,
    }
}

/// The categories `entry`'s tier requires that its modes do not cover and it does
/// not waive, each with the most plausible mode of the category for `f` and the
/// test the first naming convention expects for it.
fn missing_categories(
    index: &SourceIndex,
    catalogue: &Catalogue,
    entry: &Entry,
    f: FnId,
) -> Vec<MissingCategory> {
    let template = catalogue.conventions.failure_test.first().map_or("{fn}_{mode}", String::as_str);
    let name = &index.func(f).name;
    catalogue
        .missing_categories(entry)
        .into_iter()
        .map(|category| {
            let mode = crate::suggest::for_category(index, f, category);
            MissingCategory::new(entry.tier, name, category, mode, &render_template(template, index, f, mode))
        })
        .collect()
}

fn function_span(index: &SourceIndex, f: FnId) -> FunctionSpan {
    let def = index.func(f);
    let file = index.file(def.file);
    let column = |offset: usize| -> u32 {
        let (_, column) = crate::text::line_col(&file.text, offset);
        u32::try_from(column).unwrap_or(u32::MAX)
    };
    FunctionSpan {
        line: def.start.line,
        column: column(def.span.start),
        end_line: def.end.line,
        end_column: column(def.span.end),
    }
}

fn thresholds(policy: &TierPolicy) -> Thresholds {
    Thresholds {
        lines: policy.lines,
        regions: policy.regions,
        branches: match policy.branches {
            Some(BranchRule::Min(p)) => Some(p),
            _ => None,
        },
        failure_modes: policy.failure_modes == ModesRule::All,
        categories: policy.categories.iter().collect(),
        mutation: policy.mutation,
        timeouts: policy.timeouts,
        failpoints: policy.failpoints,
    }
}

/// At most 120 characters of source on one line.
fn shorten(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 120 {
        one_line
    } else {
        let cut: String = one_line.chars().take(119).collect();
        format!("{cut}…")
    }
}

/// The whole lines of the function, and where its name is in them.
fn source(index: &SourceIndex, f: FnId) -> Source {
    let def = index.func(f);
    let file = index.file(def.file);
    let first = file.lines().line_range(def.start.line as usize).map_or(def.span.start, |r| r.start);
    let last = file.lines().line_range(def.end.line as usize).map_or(def.span.end, |r| r.end);
    Source {
        first_line: def.start.line,
        text: file.text[first..last].to_string(),
        name: def.name_span.start - first..def.name_span.end - first,
    }
}
