//! cargo-mutants' diff of a mutation (`mutants.out/diff/*.diff`, and `diff` in its
//! mutant lists): a unified diff of the mutated file with eight lines of context.
//!
//! ```text
//! --- src/eval.rs
//! +++ replace != with == in matches_caret
//! @@ -127,17 +127,17 @@
//!              return ver.patch > patch;
//! -    if ver.major != cmp.major {
//! +    if ver.major == /* ~ changed by cargo-mutants ~ */ cmp.major {
//! ```
//!
//! Its old side — the context and removed lines — is the source as it was when the
//! mutant was made. [`fits`] compares it with the source as it is now: that is how a
//! result of another run, another commit or another workspace is told from one of
//! this source, mutant by mutant, without a stamp.

/// Why a diff does not fit the current text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    /// The diff names another file.
    OtherFile(String),
    /// The diff has no hunk, or a hunk header is malformed.
    Malformed(String),
    /// Line `line` (1-based) of the file differs from the diff's old side, or is
    /// past the end of the file.
    Differs {
        /// The line.
        line: usize,
    },
}

/// Whether the old side of `diff` (the file `file` before the mutation) matches
/// `text`, the file as it is now.
pub fn fits(diff: &str, file: &str, text: &str) -> Result<(), Misfit> {
    let current: Vec<&str> = text.lines().collect();
    let mut hunks = 0;
    // Within a hunk: the next old-side line number, and old-side lines still due.
    let mut old_line = 0usize;
    let mut old_left = 0usize;
    let mut new_left = 0usize;
    for line in diff.lines() {
        if old_left == 0 && new_left == 0 {
            if let Some(path) = line.strip_prefix("--- ") {
                let path = path.trim_end();
                let path = path.strip_prefix("a/").filter(|p| *p == file).unwrap_or(path);
                if path != file {
                    return Err(Misfit::OtherFile(path.to_string()));
                }
                continue;
            }
            if line.starts_with("+++ ") || line.starts_with('\\') {
                continue;
            }
            let Some(header) = line.strip_prefix("@@ ") else {
                return Err(Misfit::Malformed(format!("unexpected line `{line}`")));
            };
            let (old, new) =
                hunk_ranges(header).ok_or_else(|| Misfit::Malformed(format!("bad hunk `{line}`")))?;
            old_line = if old.1 == 0 { old.0 + 1 } else { old.0 };
            old_left = old.1;
            new_left = new.1;
            hunks += 1;
            continue;
        }
        let (mark, body) = line.split_at(line.chars().next().map_or(0, char::len_utf8));
        match mark {
            " " | "-" | "" => {
                // An empty line stands for an empty context line.
                if old_left == 0 {
                    return Err(Misfit::Malformed("a hunk is longer than its header says".into()));
                }
                if current.get(old_line - 1) != Some(&body) {
                    return Err(Misfit::Differs { line: old_line });
                }
                old_line += 1;
                old_left -= 1;
                if mark != "-" {
                    new_left = new_left.saturating_sub(1);
                }
            }
            "+" => new_left = new_left.saturating_sub(1),
            "\\" => {}
            _ => return Err(Misfit::Malformed(format!("unexpected line `{line}`"))),
        }
    }
    if hunks == 0 {
        return Err(Misfit::Malformed("no hunk".into()));
    }
    if old_left > 0 {
        return Err(Misfit::Malformed("a hunk is shorter than its header says".into()));
    }
    Ok(())
}

/// Lines of a file to add in a [`synthetic`] diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedLines<'a> {
    /// The workspace-relative path.
    pub rel: &'a str,
    /// The file's text.
    pub text: &'a str,
    /// 1-based, inclusive line ranges.
    pub ranges: Vec<(usize, usize)>,
}

/// A diff that adds every line of `ranges` (1-based, inclusive) of each file (its
/// workspace-relative path and its text), for cargo-mutants' `--in-diff`: it keeps
/// the mutants whose span touches an added line. Each `+` line is the line as it
/// is now (else cargo-mutants refuses the diff), and each hunk counts its lines
/// exactly (a wrong count silently selects nothing). Paths carry the `b/` prefix
/// cargo-mutants strips.
pub fn synthetic(files: &[AddedLines<'_>]) -> String {
    let mut out = String::new();
    for AddedLines { rel, text, ranges } in files {
        let lines: Vec<&str> = text.lines().collect();
        let mut ranges: Vec<(usize, usize)> =
            ranges.iter().map(|&(a, b)| (a.max(1), b.min(lines.len()))).filter(|&(a, b)| a <= b).collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in ranges {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        if merged.is_empty() {
            continue;
        }
        out.push_str(&format!("--- a/{rel}\n+++ b/{rel}\n"));
        let mut added = 0;
        for (a, b) in merged {
            let count = b - a + 1;
            // In the file before, the lines did not exist: the hunk sits after line
            // `a - 1` of the new file, less the lines added above it.
            out.push_str(&format!("@@ -{},0 +{a},{count} @@\n", a - 1 - added));
            for line in &lines[a - 1..b] {
                out.push('+');
                out.push_str(line);
                out.push('\n');
            }
            added += count;
        }
    }
    out
}

/// `-a,b +c,d @@` → ((a, b), (c, d)); a count left out is 1.
fn hunk_ranges(header: &str) -> Option<((usize, usize), (usize, usize))> {
    let mut parts = header.split_whitespace();
    let range = |part: Option<&str>, sign: char| -> Option<(usize, usize)> {
        let part = part?.strip_prefix(sign)?;
        match part.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((part.parse().ok()?, 1)),
        }
    };
    let old = range(parts.next(), '-')?;
    let new = range(parts.next(), '+')?;
    (parts.next() == Some("@@")).then_some((old, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "fn a() {}\n\nfn f(x: u8) -> bool {\n    x > 3\n}\n";
    /// The shape cargo-mutants 27 writes (shorter context, same format).
    const DIFF: &str = "--- src/lib.rs\n+++ replace > with >= in f\n@@ -3,3 +3,3 @@\n fn f(x: u8) -> bool {\n-    x > 3\n+    x >= /* ~ changed by cargo-mutants ~ */ 3\n }\n";

    #[test]
    fn a_diff_of_this_source_fits() {
        assert_eq!(fits(DIFF, "src/lib.rs", SOURCE), Ok(()));
        // The empty line of context is written as an empty line.
        let with_blank = "--- src/lib.rs\n+++ x\n@@ -1,4 +1,4 @@\n fn a() {}\n\n fn f(x: u8) -> bool {\n-    x > 3\n+    x >= 3\n";
        assert_eq!(fits(with_blank, "src/lib.rs", SOURCE), Ok(()));
    }

    #[test]
    fn a_changed_line_or_a_shift_does_not_fit() {
        let changed = SOURCE.replace("x > 3", "x > 4");
        assert_eq!(fits(DIFF, "src/lib.rs", &changed), Err(Misfit::Differs { line: 4 }));
        let shifted = format!("\n{SOURCE}");
        assert_eq!(fits(DIFF, "src/lib.rs", &shifted), Err(Misfit::Differs { line: 3 }));
        assert_eq!(fits(DIFF, "src/lib.rs", "fn f(x: u8) -> bool {\n"), Err(Misfit::Differs { line: 3 }));
        assert_eq!(fits(DIFF, "src/other.rs", SOURCE), Err(Misfit::OtherFile("src/lib.rs".into())));
    }

    #[test]
    fn a_malformed_diff_does_not_fit() {
        assert!(matches!(fits("", "src/lib.rs", SOURCE), Err(Misfit::Malformed(_))));
        assert!(matches!(fits("@@ -3 +3 @@\n", "src/lib.rs", SOURCE), Err(Misfit::Malformed(_))));
        let short = "--- src/lib.rs\n@@ -3,5 +3,5 @@\n fn f(x: u8) -> bool {\n";
        assert!(matches!(fits(short, "src/lib.rs", SOURCE), Err(Misfit::Malformed(_))));
        assert!(matches!(
            fits("--- src/lib.rs\n@@ nonsense\n", "src/lib.rs", SOURCE),
            Err(Misfit::Malformed(_))
        ));
    }

    #[test]
    fn a_synthetic_diff_adds_each_range_once_with_exact_counts() {
        let text = "a\nb\nc\nd\ne\nf\n";
        let diff = synthetic(&[AddedLines {
            rel: "src/lib.rs",
            text,
            ranges: vec![(5, 6), (2, 3), (3, 3), (9, 12)],
        }]);
        assert_eq!(
            diff,
            "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,0 +2,2 @@\n+b\n+c\n@@ -2,0 +5,2 @@\n+e\n+f\n"
        );
        assert_eq!(synthetic(&[AddedLines { rel: "x.rs", text, ranges: vec![] }]), "");
    }

    #[test]
    fn hunk_headers_read_with_and_without_counts() {
        assert_eq!(hunk_ranges("-127,17 +127,17 @@"), Some(((127, 17), (127, 17))));
        assert_eq!(hunk_ranges("-19,0 +20 @@"), Some(((19, 0), (20, 1))));
        assert_eq!(hunk_ranges("-1 +1"), None);
    }
}
