//! The records of an llvm-cov export: functions (one per instantiation, closure or
//! async body, per binary) with their code and branch regions.
//!
//! Positions are what LLVM stores: 1-based lines and 1-based *byte* columns, end
//! exclusive (rustc writes byte columns since early 2024).

use crate::text::Pos;

/// `CounterMappingRegion::RegionKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionKind {
    /// Code that has a count.
    Code = 0,
    /// A macro expansion into another file.
    Expansion = 1,
    /// Code skipped by the preprocessor (never emitted by rustc).
    Skipped = 2,
    /// Whitespace between statements that takes the count of what follows.
    Gap = 3,
    /// A condition with true and false counts.
    Branch = 4,
    /// An MC/DC decision (never in `regions`).
    McdcDecision = 5,
    /// A condition of an MC/DC decision.
    McdcBranch = 6,
}

impl RegionKind {
    /// The kind with this numeric code.
    pub fn from_code(code: u64) -> Option<RegionKind> {
        Some(match code {
            0 => RegionKind::Code,
            1 => RegionKind::Expansion,
            2 => RegionKind::Skipped,
            3 => RegionKind::Gap,
            4 => RegionKind::Branch,
            5 => RegionKind::McdcDecision,
            6 => RegionKind::McdcBranch,
            _ => return None,
        })
    }

    /// Whether regions of this kind live in `branches`, not `regions`.
    pub fn is_branch(self) -> bool {
        matches!(self, RegionKind::Branch | RegionKind::McdcDecision | RegionKind::McdcBranch)
    }
}

/// An index into [`Export::filenames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileRef(pub u32);

/// A counted region of a function record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Start, inclusive.
    pub start: Pos,
    /// End, exclusive.
    pub end: Pos,
    /// Execution count.
    pub count: u64,
    /// Index into the record's filenames.
    pub file_id: u32,
    /// For an expansion region, the file it expands to.
    pub expanded_file_id: u32,
    /// Kind (never a branch kind).
    pub kind: RegionKind,
}

/// A branch region: a condition with a count for each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Branch {
    /// Start, inclusive.
    pub start: Pos,
    /// End, exclusive.
    pub end: Pos,
    /// Times the condition was true.
    pub true_count: u64,
    /// Times the condition was false.
    pub false_count: u64,
    /// Index into the record's filenames.
    pub file_id: u32,
}

/// One function record of an export: a function, one instantiation of a generic
/// function, or one closure or async body, as compiled into one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRecord {
    /// The mangled symbol name.
    pub name: String,
    /// Execution count of the entry region.
    pub count: u64,
    /// The files its regions refer to, by `file_id`.
    pub filenames: Vec<FileRef>,
    /// Code, expansion, skipped and gap regions.
    pub regions: Vec<Region>,
    /// Branch regions.
    pub branches: Vec<Branch>,
}

impl FunctionRecord {
    /// `findMainViewFileID`: the first file that no expansion region expands into,
    /// i.e. the file that holds the function's definition.
    pub fn main_file_id(&self) -> Option<u32> {
        let mut expanded = vec![false; self.filenames.len()];
        for region in &self.regions {
            if region.kind == RegionKind::Expansion
                && let Some(slot) =
                    usize::try_from(region.expanded_file_id).ok().and_then(|i| expanded.get_mut(i))
            {
                *slot = true;
            }
        }
        expanded.iter().position(|&e| !e).and_then(|i| u32::try_from(i).ok())
    }

    /// The main file of the record.
    pub fn main_file(&self) -> Option<FileRef> {
        self.main_file_id().and_then(|id| self.filenames.get(id as usize).copied())
    }

    /// The file ids whose branches `llvm-cov report` counts for this function: the
    /// main file, then each file reached from it through expansion regions, once per
    /// expansion (`sumBranchExpansions`).
    pub fn branch_file_ids(&self) -> Vec<u32> {
        let Some(main) = self.main_file_id() else { return Vec::new() };
        let mut out = vec![main];
        let mut next = 0;
        // Expansion trees are finite in valid data; the bound guards against cycles.
        while next < out.len() && out.len() <= self.regions.len() + 1 {
            let file = out[next];
            next += 1;
            out.extend(
                self.regions
                    .iter()
                    .filter(|r| r.kind == RegionKind::Expansion && r.file_id == file)
                    .map(|r| r.expanded_file_id),
            );
        }
        out
    }

    /// The position of the record's entry: the start of its first region in the
    /// main file (for a function, its signature; for a closure, its body).
    pub fn entry(&self) -> Option<Pos> {
        let main = self.main_file_id()?;
        self.regions.iter().find(|r| r.file_id == main).map(|r| r.start)
    }
}
