//! How deep Rust source nests, estimated without parsing it, so that parsing never
//! overflows a stack.
//!
//! syn parses and its visitors walk recursively, and dropping a syntax tree recurses
//! too: a file that rustc compiles (rustc grows its stack as it goes) can nest deeply
//! enough — 1,000 parentheses, a 50,000-term sum, a 10,000-link `else if` chain — to
//! overflow any fixed stack. [`stack_estimate`] reads the text once, linearly, and
//! bounds from above what a parse of it may need; [`run_with_stack`] runs a closure
//! on a thread whose stack is sized for that, or says the text is too deep.
//!
//! The bound: each bracket level costs [`PER_BRACKET`], and each token of the
//! longest run between separators (`;`, `,`, the end of a block not continued by
//! `else`, `.` or an operator) inside a level costs [`PER_TOKEN`] — measured on a
//! debug build (the most stack-hungry) with a margin: a parenthesis level took up to
//! 16 KiB, a block or closure level up to 32 KiB, a link of a sum, a method chain
//! or an `else if` chain under 4 KiB.

/// Stack per bracket level (`(`, `[`, `{`).
pub const PER_BRACKET: usize = 32 << 10;
/// Stack per token of a run of tokens in one expression.
pub const PER_TOKEN: usize = 4 << 10;
/// The stack of the scanning threads; files whose estimate fits in [`POOL_BUDGET`]
/// are parsed on them.
pub const POOL_STACK: usize = 64 << 20;
/// What a parse on a scanning thread may use.
pub const POOL_BUDGET: usize = 48 << 20;
/// What a parse may use on a thread with the default stack (2 MiB).
pub const SMALL_BUDGET: usize = 1 << 20;
/// The largest stack vital gives one file; beyond it, the file is not indexed.
pub const MAX_STACK: usize = 1 << 30;

/// An upper bound of the stack that parsing, walking and dropping `text` may need,
/// in bytes. Linear in the text, no recursion.
pub fn stack_estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Per open bracket: the cost at its opening, and the tokens of the current run.
    let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
    let mut max = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (base, run) = *levels.last().expect("the outermost level is never popped");
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |p| i + p);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'"' => {
                i = skip_string(bytes, i + 1);
                bump(&mut levels);
            }
            b'\'' => {
                i = skip_quote(bytes, i);
                bump(&mut levels);
            }
            b'(' | b'[' | b'{' => {
                let opened = base.saturating_add(run.saturating_mul(PER_TOKEN)).saturating_add(PER_BRACKET);
                levels.push((opened, 0));
                max = max.max(opened);
                i += 1;
            }
            b')' | b']' | b'}' => {
                if levels.len() > 1 {
                    levels.pop();
                }
                i += 1;
                // The group is one token of the enclosing run; a block that ends a
                // statement or an item ends the run, unless what follows continues it.
                if b == b'}' && !continues(bytes, i) {
                    levels.last_mut().expect("the outermost level is never popped").1 = 0;
                } else {
                    bump(&mut levels);
                }
            }
            b';' | b',' => {
                levels.last_mut().expect("the outermost level is never popped").1 = 0;
                i += 1;
            }
            c if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric() || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                match (&bytes[start..i], bytes.get(i)) {
                    (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => i = skip_raw_string(bytes, i),
                    (b"b" | b"c", Some(b'"')) => i = skip_string(bytes, i + 1),
                    (b"b", Some(b'\'')) => i = skip_quote(bytes, i),
                    _ => {}
                }
                bump(&mut levels);
            }
            _ => {
                i += 1;
                bump(&mut levels);
            }
        }
        let (base, run) = *levels.last().expect("the outermost level is never popped");
        max = max.max(base.saturating_add(run.saturating_mul(PER_TOKEN)));
    }
    max
}

fn bump(levels: &mut [(usize, usize)]) {
    if let Some(level) = levels.last_mut() {
        level.1 += 1;
    }
}

/// Whether the token after a closing `}` at `i` continues an expression: `else`,
/// `.`, `?`, `as`, or an operator.
fn continues(bytes: &[u8], mut i: usize) -> bool {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    let rest = &bytes[i..];
    match rest.first() {
        None => false,
        Some(
            b'.' | b'?' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|' | b'=' | b'<' | b'>' | b'!',
        ) => true,
        Some(_) => {
            let word = |w: &[u8]| {
                rest.starts_with(w)
                    && rest.get(w.len()).is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            };
            word(b"else") || word(b"as")
        }
    }
}

/// Past a block comment starting at `i` (they nest).
fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past a string whose contents start at `i`.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past a raw string whose `#`s or quote start at `i`.
fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let hashes = bytes[i..].iter().take_while(|&&c| c == b'#').count();
    i += hashes;
    if bytes.get(i) != Some(&b'"') {
        return i;
    }
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"' && bytes[i + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// Past a character literal or a lifetime starting with the quote at `i`.
fn skip_quote(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i..].iter().position(|&c| c == b'\'').map_or(i, |p| i + p);
    match bytes.get(quote + 1) {
        // An escaped character: up to the closing quote.
        Some(b'\\') => {
            let mut j = quote + 3;
            while j < bytes.len() && bytes[j] != b'\'' && bytes[j] != b'\n' {
                j += 1;
            }
            j + 1
        }
        Some(&first) => {
            let len = match first {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            if bytes.get(quote + 1 + len) == Some(&b'\'') {
                quote + 2 + len
            } else {
                // A lifetime or a label: the quote and its name.
                let mut j = quote + 1;
                while j < bytes.len()
                    && (bytes[j] == b'_' || bytes[j].is_ascii_alphanumeric() || bytes[j] >= 0x80)
                {
                    j += 1;
                }
                j
            }
        }
        None => bytes.len(),
    }
}

/// Runs `f` on a thread whose stack fits `need` bytes (at least 16 MiB, with half
/// again as margin), and returns its result; `None` when `need` is beyond
/// [`MAX_STACK`] or no such thread can be started.
pub fn run_with_stack<T: Send>(need: usize, f: impl FnOnce() -> T + Send) -> Option<T> {
    let stack = need.saturating_add(need / 2).max(16 << 20);
    if stack > MAX_STACK {
        return None;
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new().stack_size(stack).spawn_scoped(scope, f).ok()?;
        Some(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_code_is_shallow_and_separators_end_runs() {
        let code = "pub fn f(x: &[u8]) -> Result<u8, ()> {\n    let y = x.len(); // (((\n    if y > 1 { Ok(1) } else { Err(()) }\n}\n";
        let estimate = stack_estimate(code);
        assert!(estimate < 1 << 20, "{estimate}");
        // Many items are not one long run.
        let items = "pub fn a() -> u8 { 1 }\n".repeat(20_000);
        assert!(stack_estimate(&items) < 1 << 20, "{}", stack_estimate(&items));
        // A long table: commas end runs.
        let table = format!("const T: [(u32, u32); 20000] = [{}];", "(1, 2), ".repeat(20_000));
        assert!(stack_estimate(&table) < 1 << 20);
    }

    #[test]
    fn deep_nesting_and_long_chains_are_expensive() {
        let parens = format!("fn f() -> u8 {{ {}1{} }}", "(".repeat(1000), ")".repeat(1000));
        assert!(stack_estimate(&parens) >= 1000 * PER_BRACKET);
        let sum = format!("fn f() -> u64 {{ {} }}", vec!["1u64"; 5000].join(" + "));
        assert!(stack_estimate(&sum) >= 9_999 * PER_TOKEN);
        let chain: String = (1..3000).map(|i| format!(" else if a == {i} {{ {i} }}")).collect();
        let chain = format!("fn f(a: u64) -> u64 {{ if a == 0 {{ 0 }}{chain} else {{ 1 }} }}");
        assert!(stack_estimate(&chain) >= 3000 * 5 * PER_TOKEN);
    }

    #[test]
    fn strings_comments_and_characters_hide_their_brackets() {
        let shallow = stack_estimate("fn f() {}");
        for hidden in [
            r#"fn f() { let s = "((((((((("; }"#,
            r##"fn f() { let s = r#"(((( " ((("#; }"##,
            "fn f() { /* (((( /* nested (( */ ((( */ }",
            "fn f() { let c = '('; let d = '\\''; let e = b'['; }",
            "fn f<'a>(x: &'a str) -> &'a str { 'outer: loop { break 'outer x; } }",
        ] {
            assert!(stack_estimate(hidden) <= shallow + 24 * PER_TOKEN + PER_BRACKET, "{hidden}");
        }
    }

    #[test]
    fn a_closure_runs_on_a_sized_stack_or_not_at_all() {
        assert_eq!(run_with_stack(1 << 20, || 7), Some(7));
        assert_eq!(run_with_stack(MAX_STACK, || 7), None);
    }
}
