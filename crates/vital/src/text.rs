//! Small text utilities: positions, line tables, "did you mean".

/// A 1-based line and 1-based byte column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based byte column.
    pub col: u32,
}

impl Pos {
    /// A position.
    pub const fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// 1-based line and 1-based *character* column of byte offset `offset` in `text`,
/// as rustc and editors show them. Offsets past the end clamp to the end.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// The byte offsets at which each line of a text starts, for mapping between byte
/// offsets and the 1-based (line, byte column) positions llvm-cov uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl Default for LineIndex {
    /// The table of an empty text.
    fn default() -> LineIndex {
        LineIndex::new("")
    }
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts, len: text.len() }
    }

    /// Number of lines (a trailing newline does not open a new line).
    pub fn line_count(&self) -> usize {
        if self.starts.len() > 1 && *self.starts.last().unwrap_or(&0) == self.len {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// 1-based line and 1-based byte column of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let col = offset - self.starts[line - 1] + 1;
        (to_u32(line), to_u32(col))
    }

    /// Byte offset of a 1-based (line, byte column) position, if it lies within the
    /// text: the column may point one past the end of the line's text.
    pub fn offset(&self, line: u32, col: u32) -> Option<usize> {
        let line = usize::try_from(line).ok()?;
        let col = usize::try_from(col).ok()?;
        if line == 0 || col == 0 || line > self.starts.len() {
            return None;
        }
        let start = self.starts[line - 1];
        let end = self.starts.get(line).map_or(self.len, |&next| next - 1);
        let offset = start + col - 1;
        (offset <= end).then_some(offset)
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let end = self.starts.get(line).map_or(self.len, |&next| next - 1);
        Some(start..end)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Edit distance in characters, a swap of two neighbours counting as one edit
/// (optimal string alignment): `teir` is one edit from `tier`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The candidate nearest to `word`, if it is near enough to be a likely typo
/// (at most a third of the word's length, and at least one edit).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// Removes ANSI escape sequences (cargo colours its output).
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 0), (1, 1));
        assert_eq!(line_col("ab\ncé d", 3), (2, 1));
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("ab", 99), (1, 3));
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn line_index_maps_byte_positions_both_ways() {
        let index = LineIndex::new("fn a() {}\n  é;\n");
        assert_eq!(index.line_count(), 2);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(10), (2, 1));
        assert_eq!(index.position(14), (2, 5));
        assert_eq!(index.offset(2, 5), Some(14));
        assert_eq!(index.offset(2, 6), Some(15));
        assert_eq!(index.offset(2, 7), None);
        assert_eq!(index.offset(0, 1), None);
        assert_eq!(index.offset(9, 1), None);
        assert_eq!(index.line_range(2), Some(10..15));
        assert_eq!(index.line_range(0), None);
        assert_eq!(LineIndex::new("x").line_count(), 1);
        assert_eq!(LineIndex::new("").line_count(), 1);
    }

    #[test]
    fn ansi_escapes_are_removed() {
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[92m     Running\u{1b}[0m x"), "     Running x");
        assert_eq!(strip_ansi("plain"), "plain");
    }

    #[test]
    fn closest_finds_typos_only() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("teir", "tier"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("critcal", ["critical", "essential"]), Some("critical"));
        assert_eq!(closest("disk_ful", ["disk_full", "empty"]), Some("disk_full"));
        assert_eq!(closest("zzz", ["critical"]), None);
    }
}
