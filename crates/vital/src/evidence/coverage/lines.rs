//! LLVM's line coverage, ported line for line so that vital's numbers equal
//! `llvm-cov report`'s.
//!
//! Source: llvm/lib/ProfileData/Coverage/CoverageMapping.cpp (`SegmentBuilder`,
//! `LineCoverageStats::LineCoverageStats`, `LineCoverageIterator::operator++`) and
//! llvm/include/llvm/ProfileData/Coverage/CoverageMapping.h (`CoverageSegment`).
//! Regions are sorted and identical regions combined (`combineRegions`: counts of
//! regions of the same kind as the first are summed), then turned into segments; a
//! line is *mapped* when a region with a count starts on it or a counted segment
//! wraps it, and its count is the largest of those.

use super::RegionKind;
use crate::text::Pos;

/// A region as the segment builder sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedRegion {
    /// Start, inclusive.
    pub start: Pos,
    /// End, exclusive.
    pub end: Pos,
    /// Execution count.
    pub count: u64,
    /// Kind: code, expansion, skipped or gap.
    pub kind: RegionKind,
}

/// `CoverageSegment`: from here on, until the next segment, the count is `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Where the segment starts.
    pub pos: Pos,
    /// The count, when `has_count`.
    pub count: u64,
    /// False for skipped code and for the space after the last region.
    pub has_count: bool,
    /// Whether a (non-gap) region starts here.
    pub is_region_entry: bool,
    /// Whether the segment comes from a gap region.
    pub is_gap: bool,
}

/// `LineCoverageStats` of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineStats {
    /// 1-based line.
    pub line: u32,
    /// Whether the line counts as code.
    pub mapped: bool,
    /// Its execution count (meaningful when mapped).
    pub count: u64,
}

/// `SegmentBuilder::buildSegments`: sorts and combines `regions` (in place) and
/// returns the segments.
pub fn build_segments(regions: &mut Vec<CountedRegion>) -> Vec<Segment> {
    sort_nested_regions(regions);
    combine_regions(regions);
    let mut builder = SegmentBuilder { segments: Vec::new(), active: Vec::new() };
    builder.build(regions);
    builder.segments
}

/// `sortNestedRegions`: by start; an enclosing region before what it encloses; for
/// the same area, code before expansion before skipped.
fn sort_nested_regions(regions: &mut [CountedRegion]) {
    regions.sort_by(|l, r| {
        l.start
            .cmp(&r.start)
            .then_with(|| r.end.cmp(&l.end))
            .then_with(|| (l.kind as u8).cmp(&(r.kind as u8)))
    });
}

/// `combineRegions`: merges regions covering the same area, summing the counts of
/// those of the same kind as the first.
fn combine_regions(regions: &mut Vec<CountedRegion>) {
    if regions.is_empty() {
        return;
    }
    let mut active = 0;
    for i in 1..regions.len() {
        if regions[active].start != regions[i].start || regions[active].end != regions[i].end {
            active += 1;
            regions[active] = regions[i];
            continue;
        }
        if regions[i].kind == regions[active].kind {
            regions[active].count = regions[active].count.saturating_add(regions[i].count);
        }
    }
    regions.truncate(active + 1);
}

struct SegmentBuilder {
    segments: Vec<Segment>,
    /// Indices into the combined regions.
    active: Vec<usize>,
}

impl SegmentBuilder {
    /// `startSegment`.
    fn start_segment(
        &mut self,
        region: &CountedRegion,
        start: Pos,
        is_region_entry: bool,
        emit_skipped: bool,
    ) {
        let has_count = !emit_skipped && region.kind != RegionKind::Skipped;
        // If the new segment wouldn't affect coverage rendering, skip it.
        if !is_region_entry
            && !emit_skipped
            && let Some(last) = self.segments.last()
            && last.has_count == has_count
            && last.count == region.count
            && !last.is_region_entry
        {
            return;
        }
        self.segments.push(if has_count {
            Segment {
                pos: start,
                count: region.count,
                has_count: true,
                is_region_entry,
                is_gap: region.kind == RegionKind::Gap,
            }
        } else {
            Segment { pos: start, count: 0, has_count: false, is_region_entry, is_gap: false }
        });
    }

    /// `completeRegionsUntil`: emits segments for the active regions (from
    /// `first_completed` on) that end before `loc`, then pops them.
    fn complete_regions_until(
        &mut self,
        regions: &[CountedRegion],
        loc: Option<Pos>,
        first_completed: usize,
    ) {
        // Sort the completed regions by end location (stable).
        self.active[first_completed..].sort_by_key(|&i| regions[i].end);

        let len = self.active.len();
        for i in first_completed + 1..len {
            let mut completed = regions[self.active[i]];
            let completed_segment_loc = regions[self.active[i - 1]].end;
            // Don't emit any more segments if they start where the new region begins.
            if loc == Some(completed_segment_loc) {
                break;
            }
            // Don't emit a segment if the next completed region ends at the same
            // location as this one.
            if completed_segment_loc == completed.end {
                continue;
            }
            // Use the count from the last completed region which ends at this loc.
            for &j in &self.active[i + 1..len] {
                if completed.end == regions[j].end {
                    completed = regions[j];
                }
            }
            self.start_segment(&completed, completed_segment_loc, false, false);
        }

        let last = regions[self.active[len - 1]];
        if first_completed > 0 && Some(last.end) != loc {
            // If there's a gap after the end of the last completed region and the
            // start of the new region, use the last active region to fill the gap.
            let filler = regions[self.active[first_completed - 1]];
            self.start_segment(&filler, last.end, false, false);
        } else if first_completed == 0 && loc != Some(last.end) {
            // Emit a skipped segment if there are no more active regions. This
            // ensures that gaps between functions are marked correctly.
            self.start_segment(&last, last.end, false, true);
        }

        self.active.truncate(first_completed);
    }

    /// `buildSegmentsImpl`.
    fn build(&mut self, regions: &[CountedRegion]) {
        for (index, region) in regions.iter().enumerate() {
            let cur_start = region.start;
            // Active regions which end before the current region need to be popped
            // (a stable partition: still-active first, completed after).
            let (still, done): (Vec<usize>, Vec<usize>) =
                self.active.iter().partition(|&&i| regions[i].end > cur_start);
            if !done.is_empty() {
                let first_completed = still.len();
                self.active = still;
                self.active.extend(done);
                self.complete_regions_until(regions, Some(cur_start), first_completed);
            }

            let gap = region.kind == RegionKind::Gap;

            // Try to emit a segment for the current region.
            if cur_start == region.end {
                // Avoid making zero-length regions active. If it's the last region,
                // emit a skipped segment. Otherwise use its predecessor's count.
                let skipped = index + 1 == regions.len() || region.kind == RegionKind::Skipped;
                let source = self.active.last().map_or(*region, |&i| regions[i]);
                self.start_segment(&source, cur_start, !gap, skipped);
                // If it is skipped segment, create a segment with last pushed
                // region's count at cur_start.
                if skipped && let Some(&last) = self.active.last() {
                    self.start_segment(&regions[last], cur_start, false, false);
                }
                continue;
            }
            if index + 1 == regions.len() || cur_start != regions[index + 1].start {
                // Emit a segment if the next region doesn't start at the same
                // location as this one.
                self.start_segment(region, cur_start, !gap, false);
            }

            // This region is active (i.e. not completed).
            self.active.push(index);
        }

        // Complete any remaining active regions.
        if !self.active.is_empty() {
            self.complete_regions_until(regions, None, 0);
        }
    }
}

/// `getLineCoverageStats`: one [`LineStats`] per line from the first segment's
/// line to the last segment's line.
pub fn line_stats(segments: &[Segment]) -> Vec<LineStats> {
    let Some(first) = segments.first() else { return Vec::new() };
    let mut out = Vec::new();
    let mut wrapped: Option<&Segment> = None;
    let mut line_segments: Vec<&Segment> = Vec::new();
    let mut next = 0;
    let mut line = first.pos.line;
    // `LineCoverageIterator::operator++`.
    while next < segments.len() {
        if let Some(&last) = line_segments.last() {
            wrapped = Some(last);
        }
        line_segments.clear();
        while next < segments.len() && segments[next].pos.line == line {
            line_segments.push(&segments[next]);
            next += 1;
        }
        out.push(stats_of_line(&line_segments, wrapped, line));
        line += 1;
    }
    out
}

/// `LineCoverageStats::LineCoverageStats`.
fn stats_of_line(line_segments: &[&Segment], wrapped: Option<&Segment>, line: u32) -> LineStats {
    let is_start_of_region = |s: &Segment| !s.is_gap && s.has_count && s.is_region_entry;
    // Find the minimum number of regions which start in this line.
    let min_region_count = line_segments.iter().filter(|s| is_start_of_region(s)).take(2).count();

    let start_of_skipped_region =
        line_segments.first().is_some_and(|first| !first.has_count && first.is_region_entry);

    let mut mapped =
        !start_of_skipped_region && (wrapped.is_some_and(|w| w.has_count) || min_region_count > 0);
    // If there is any starting segment at this line with a counter, it must be mapped.
    mapped |= line_segments.iter().any(|s| s.is_region_entry && s.has_count);

    if !mapped {
        return LineStats { line, mapped: false, count: 0 };
    }
    // Pick the max count from the non-gap, region entry segments and the wrapped count.
    let mut count = wrapped.map_or(0, |w| w.count);
    if min_region_count > 0 {
        for s in line_segments {
            if is_start_of_region(s) {
                count = count.max(s.count);
            }
        }
    }
    LineStats { line, mapped: true, count }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(l1: u32, c1: u32, l2: u32, c2: u32, count: u64) -> CountedRegion {
        CountedRegion { start: Pos::new(l1, c1), end: Pos::new(l2, c2), count, kind: RegionKind::Code }
    }

    fn lines(mut regions: Vec<CountedRegion>) -> Vec<(u32, bool, u64)> {
        let segments = build_segments(&mut regions);
        line_stats(&segments).into_iter().map(|s| (s.line, s.mapped, s.count)).collect()
    }

    #[test]
    fn a_closure_body_line_between_regions_is_not_mapped() {
        // `with_closure` of the experiment: the outer record has no region on line 34.
        let outer = vec![
            code(32, 1, 32, 38, 1),
            code(33, 5, 33, 6, 1),
            code(33, 7, 33, 11, 1),
            code(33, 14, 33, 17, 1),
            code(35, 8, 35, 11, 1),
            code(36, 1, 36, 2, 1),
        ];
        assert_eq!(
            lines(outer),
            vec![(32, true, 1), (33, true, 1), (34, false, 0), (35, true, 1), (36, true, 1)]
        );
    }

    #[test]
    fn a_line_takes_the_largest_count_of_regions_starting_on_it() {
        let regions =
            vec![code(1, 1, 1, 10, 2), code(2, 1, 2, 5, 0), code(2, 6, 2, 9, 3), code(3, 1, 3, 2, 0)];
        assert_eq!(lines(regions), vec![(1, true, 2), (2, true, 3), (3, true, 0)]);
    }

    #[test]
    fn a_wrapping_region_maps_the_lines_it_spans() {
        let regions = vec![code(1, 1, 4, 2, 5), code(2, 5, 2, 9, 0)];
        assert_eq!(lines(regions), vec![(1, true, 5), (2, true, 5), (3, true, 5), (4, true, 5)]);
    }

    #[test]
    fn identical_regions_are_combined_by_summing() {
        let mut regions = vec![code(1, 1, 1, 5, 0), code(1, 1, 1, 5, 2), code(1, 1, 1, 5, 3)];
        let segments = build_segments(&mut regions);
        assert_eq!(regions.len(), 1);
        assert_eq!(segments[0].count, 5);
    }

    #[test]
    fn skipped_and_gap_regions_follow_llvm() {
        let skipped = CountedRegion { kind: RegionKind::Skipped, ..code(2, 1, 3, 1, 0) };
        assert_eq!(
            lines(vec![code(1, 1, 1, 4, 1), skipped]),
            vec![(1, true, 1), (2, false, 0), (3, false, 0)]
        );
        // A gap region does not start a line by itself, but a counted wrap maps it.
        let gap = CountedRegion { kind: RegionKind::Gap, ..code(1, 9, 2, 5, 0) };
        assert_eq!(
            lines(vec![code(1, 1, 1, 9, 1), gap, code(2, 5, 2, 8, 1)]),
            vec![(1, true, 1), (2, true, 1)]
        );
    }

    /// Zero-length regions do not become active.
    #[test]
    fn line_stats_boundary() {
        let regions = vec![code(1, 1, 3, 1, 4), code(2, 3, 2, 3, 0), code(3, 1, 3, 1, 0)];
        let stats = lines(regions);
        assert_eq!(stats[0], (1, true, 4));
        assert_eq!(stats[1], (2, true, 4));
    }

    /// No segments, no lines.
    #[test]
    fn line_stats_empty() {
        assert!(lines(Vec::new()).is_empty());
    }
}
