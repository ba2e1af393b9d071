//! Attributes, signatures, paths and `use` trees, as the index records them.

use proc_macro2::Span;

use crate::source::{Cfg, ParamKind, SignatureFacts, TestAttrs, TestKind, UseDecl};

/// The test attributes among `attrs`, when the function is a test.
pub(super) fn test_attrs(attrs: &[syn::Attribute]) -> Option<TestAttrs> {
    let mut kind = None;
    let (mut ignored, mut should_panic) = (false, false);
    for attr in attrs {
        let segments: Vec<String> = attr.path().segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segments.last().map(String::as_str).unwrap_or_default();
        match (segments.len(), last) {
            (1, "test") => kind = kind.or(Some(TestKind::Test)),
            (n, "test") if n > 1 => kind = kind.or(Some(TestKind::Runtime)),
            (_, "rstest") => kind = Some(TestKind::Rstest),
            (_, "test_case") => kind = Some(TestKind::TestCase),
            (1, "ignore") => ignored = true,
            (1, "should_panic") => should_panic = true,
            _ => {}
        }
    }
    kind.map(|kind| TestAttrs { kind, ignored, should_panic })
}

/// Whether trait bounds, as tokens, name an I/O trait: `Read`, `BufRead`, `Write`,
/// `Seek` (or their async forms).
fn is_io_bound(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '_').any(|word| {
        matches!(
            word,
            "Read" | "BufRead" | "Write" | "Seek" | "AsyncRead" | "AsyncBufRead" | "AsyncWrite" | "AsyncSeek"
        )
    })
}

/// The kind of a parameter of type `ty`; `io_generics` are the type parameters
/// bounded by an I/O trait.
pub(super) fn param_kind(ty: &syn::Type, io_generics: &[String]) -> ParamKind {
    match ty {
        syn::Type::Reference(r) => param_kind(&r.elem, io_generics),
        syn::Type::Slice(_) => ParamKind::Collection,
        syn::Type::Array(_) => ParamKind::Array,
        syn::Type::Paren(p) => param_kind(&p.elem, io_generics),
        syn::Type::Group(g) => param_kind(&g.elem, io_generics),
        syn::Type::TraitObject(t)
            if is_io_bound(&quote::ToTokens::to_token_stream(&t.bounds).to_string()) =>
        {
            ParamKind::Io
        }
        syn::Type::Path(p)
            if p.qself.is_none()
                && p.path.get_ident().is_some_and(|i| io_generics.contains(&i.to_string())) =>
        {
            ParamKind::Io
        }
        syn::Type::ImplTrait(t) => {
            let text = quote::ToTokens::to_token_stream(&t.bounds).to_string();
            if is_io_bound(&text) {
                ParamKind::Io
            } else if text.contains("AsRef < Path >") {
                ParamKind::Path
            } else if text.contains("AsRef") || text.contains("IntoIterator") {
                ParamKind::Collection
            } else {
                ParamKind::Other
            }
        }
        syn::Type::Path(p) => match p.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
            Some("Option") => ParamKind::Option,
            Some(
                "str" | "String" | "Vec" | "VecDeque" | "HashMap" | "HashSet" | "BTreeMap" | "BTreeSet"
                | "Cow" | "Bytes",
            ) => ParamKind::Collection,
            Some(
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
                | "isize",
            ) => ParamKind::Integer,
            Some("Path" | "PathBuf") => ParamKind::Path,
            _ => ParamKind::Other,
        },
        _ => ParamKind::Other,
    }
}

pub(super) fn signature_facts(sig: &syn::Signature) -> SignatureFacts {
    let mut facts = SignatureFacts {
        is_unsafe: matches!(sig.safety, syn::Safety::Unsafe(_)),
        ..SignatureFacts::default()
    };
    // Type parameters bounded by an I/O trait, in `<R: Read>` or `where R: Read`.
    let mut io_generics: Vec<String> = sig
        .generics
        .type_params()
        .filter(|p| is_io_bound(&quote::ToTokens::to_token_stream(&p.bounds).to_string()))
        .map(|p| p.ident.to_string())
        .collect();
    for predicate in sig.generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(t) = predicate
            && let syn::Type::Path(p) = &t.bounded_ty
            && let Some(ident) = p.path.get_ident()
            && is_io_bound(&quote::ToTokens::to_token_stream(&t.bounds).to_string())
        {
            io_generics.push(ident.to_string());
        }
    }
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => {
                facts.has_self = true;
                facts.shared_self = matches!(r.kind, syn::ReceiverKind::Reference(_, _, None));
            }
            syn::FnArg::Typed(t) => facts.params.push(param_kind(&t.ty, &io_generics)),
        }
    }
    if let syn::ReturnType::Type(_, ty) = &sig.output {
        let text = quote::ToTokens::to_token_stream(&**ty).to_string().replace(' ', "");
        facts.returns_result = text.starts_with("Result") || text.contains("::Result");
        facts.returns_io_result = text.starts_with("io::Result")
            || text.contains("io::Error")
            || text.starts_with("std::io::Result");
    }
    facts
}

/// Where rustc starts a function's first coverage region: its visibility, else its
/// first qualifier (`default`, `const`, `async`, `unsafe`/`safe`, `extern`), else `fn`.
pub(super) fn fn_start(vis: &syn::Visibility, modifiers: &syn::FnModifiers, sig: &syn::Signature) -> Span {
    let vis_span = match vis {
        syn::Visibility::Public(token) => Some(token.span),
        syn::Visibility::Restricted(r) => Some(r.pub_token.span),
        syn::Visibility::Inherited => None,
    };
    let safety = match &sig.safety {
        syn::Safety::Safe(token) => Some(token.span),
        syn::Safety::Unsafe(token) => Some(token.span),
        syn::Safety::Default => None,
    };
    [
        vis_span,
        modifiers.defaultness.map(|t| t.span),
        sig.constness.map(|t| t.span),
        sig.asyncness.map(|t| t.span),
        safety,
        sig.abi.as_ref().map(|abi| abi.extern_token.span),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|span| span.byte_range().start)
    .unwrap_or(sig.fn_token.span)
}

pub(super) trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for syn::Ident {
    /// The identifier as rustc compares it: `r#` dropped, NFC.
    fn unraw_string(&self) -> String {
        crate::source::path::normalize_ident(&self.to_string())
    }
}

pub(super) fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut out: Vec<String> = if path.leading_colon.is_some() { vec![String::new()] } else { Vec::new() };
    out.extend(path.segments.iter().map(|s| s.ident.unraw_string()));
    out
}

/// The path of an impl's self type, generics stripped; references and parentheses
/// looked through; other types by their text.
pub(super) fn type_path(ty: &syn::Type) -> Vec<String> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => path_segments(&p.path),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        other => vec![quote_tokens(other)],
    }
}

pub(super) fn quote_tokens(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty).to_string().replace(' ', "")
}

pub(super) fn flatten_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    public: bool,
    out: &mut Vec<UseDecl>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.unraw_string());
            flatten_use(&p.tree, prefix, public, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.unraw_string();
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.push(UseDecl { name: Some(last.clone()), path: prefix.clone(), public });
                }
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push(UseDecl { name: Some(name), path, public });
            }
        }
        syn::UseTree::Rename(r) => {
            let rename = r.rename.unraw_string();
            if rename == "_" {
                return;
            }
            let name = r.ident.unraw_string();
            let mut path = prefix.clone();
            if name != "self" {
                path.push(name);
            }
            out.push(UseDecl { name: Some(rename), path, public });
        }
        syn::UseTree::Glob(_) => out.push(UseDecl { name: None, path: prefix.clone(), public }),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix, public, out);
            }
        }
    }
}

/// Attributes the compiler handles itself; anything else on an item is taken to be
/// an attribute macro that may rewrite it.
pub(super) fn is_builtin_attr(attr: &syn::Attribute) -> bool {
    const BUILTIN: &[&str] = &[
        "doc",
        "inline",
        "cold",
        "must_use",
        "allow",
        "warn",
        "deny",
        "forbid",
        "expect",
        "deprecated",
        "cfg",
        "cfg_attr",
        "test",
        "bench",
        "ignore",
        "should_panic",
        "track_caller",
        "no_mangle",
        "unsafe",
        "export_name",
        "link_section",
        "link_name",
        "link",
        "target_feature",
        "repr",
        "derive",
        "automatically_derived",
        "coverage",
        "non_exhaustive",
        "path",
        "macro_export",
        "macro_use",
        "used",
        "naked",
        "instruction_set",
        "no_implicit_prelude",
        "optimize",
        "rustc_const_stable",
        "rustc_const_unstable",
        "stable",
        "unstable",
        "const_trait",
        "diagnostic",
        "rustfmt",
        "clippy",
        "rustdoc",
    ];
    let path = attr.path();
    path.segments.first().is_some_and(|first| {
        let first = first.ident.to_string();
        BUILTIN.contains(&first.as_str())
            && (path.segments.len() == 1
                || matches!(first.as_str(), "rustfmt" | "clippy" | "diagnostic" | "rustdoc"))
    })
}

pub(super) fn has_macro_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| !is_builtin_attr(a))
}

/// The predicates of the `#[cfg(…)]` attributes that hold whatever else they say:
/// those not under `not` or `any` (an `all(…)` is looked into), as token texts.
fn cfg_requirements(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
        let syn::Meta::List(list) = &attr.meta else { continue };
        let tokens = list.tokens.to_string();
        let unquoted: String = tokens.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        let words: Vec<&str> =
            unquoted.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).collect();
        if words.contains(&"not") || words.contains(&"any") {
            continue;
        }
        out.push(tokens);
    }
    out
}

/// What the `#[cfg(…)]` attributes of an item demand.
pub(super) fn cfg_of(attrs: &[syn::Attribute]) -> Cfg {
    let requirements = cfg_requirements(attrs);
    // `test` as a word of the predicate, not inside a string (`feature = "test-utils"`).
    let test_only = requirements.iter().any(|r| {
        let unquoted: String = r.split('"').step_by(2).collect::<Vec<_>>().join(" ");
        unquoted.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "test")
    });
    Cfg { test_only, features: cfg_features(attrs) }
}

/// Whether the item's doc comment has an example `cargo test --doc` runs: a code
/// block that is Rust (no info string, or `rust`) and is neither `ignore`d, `no_run`
/// nor `compile_fail`.
pub(super) fn has_doc_example(attrs: &[syn::Attribute]) -> bool {
    let mut inside = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &attr.meta else { continue };
        let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &nv.value else { continue };
        for line in text.value().lines() {
            let Some(info) = line.trim_start().strip_prefix("```") else { continue };
            if inside {
                inside = false;
                continue;
            }
            inside = true;
            let words: Vec<&str> =
                info.split([',', ' ', '\t']).map(str::trim).filter(|w| !w.is_empty()).collect();
            let runs = words.iter().all(|w| {
                matches!(
                    *w,
                    "rust" | "should_panic" | "edition2015" | "edition2018" | "edition2021" | "edition2024"
                )
            });
            if runs {
                return true;
            }
        }
    }
    false
}

/// The cargo features the `#[cfg(…)]` attributes of an item demand:
/// `feature = "x"` outside `not` and `any`.
pub(super) fn cfg_features(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut features = Vec::new();
    for requirement in cfg_requirements(attrs) {
        let mut rest = requirement.as_str();
        while let Some(at) = rest.find("feature") {
            rest = &rest[at + "feature".len()..];
            let value =
                rest.trim_start().strip_prefix('=').map(str::trim_start).and_then(|v| v.strip_prefix('"'));
            if let Some(value) = value
                && let Some(end) = value.find('"')
            {
                features.push(value[..end].to_string());
            }
        }
    }
    features
}

/// The value of `#[path = "…"]`.
pub(super) fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().filter(|a| a.path().is_ident("path")).find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Strips what `syn::parse_file` strips (a BOM, a `#!` line that is not an inner
/// attribute); returns the byte offset of what remains and the remaining text.
pub(super) fn strip_bom_and_shebang(text: &str) -> (usize, &str) {
    let mut base = 0;
    let mut content = text;
    if let Some(rest) = content.strip_prefix('\u{feff}') {
        base += 3;
        content = rest;
    }
    if content.starts_with("#!") && !content[2..].trim_start().starts_with('[') {
        let line_end = content.find('\n').unwrap_or(content.len());
        base += line_end;
        content = &content[line_end..];
    }
    (base, content)
}

/// The span of an expression, from its first token to its last, found by walking
/// down the left and right edges of the tree. `Spanned::span` prints the whole
/// expression to find them: quadratic for nested closures, where this is linear.
pub(super) fn expr_span(expr: &syn::Expr) -> Span {
    use syn::spanned::Spanned;
    match (first_token(expr), last_token(expr)) {
        (Some(first), Some(last)) => first.join(last).unwrap_or(first),
        _ => expr.span(),
    }
}

/// The span of a macro invocation, from its path to its closing delimiter.
pub(super) fn macro_span(mac: &syn::Macro) -> Span {
    let first = mac
        .path
        .leading_colon
        .map(|c| c.spans[0])
        .or_else(|| mac.path.segments.first().map(|s| s.ident.span()));
    let last = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    };
    first.and_then(|f| f.join(last)).unwrap_or(last)
}

fn first_token(mut expr: &syn::Expr) -> Option<Span> {
    use syn::Expr;
    use syn::spanned::Spanned;
    loop {
        if let Some(attr) = expr_attrs(expr).first() {
            return Some(attr.pound_token.span);
        }
        expr = match expr {
            Expr::Call(e) => &e.func,
            Expr::MethodCall(e) => &e.receiver,
            Expr::Binary(e) => &e.left,
            Expr::Field(e) => &e.base,
            Expr::Index(e) => &e.expr,
            Expr::Try(e) => &e.expr,
            Expr::Await(e) => &e.base,
            Expr::Cast(e) => &e.expr,
            Expr::Assign(e) => &e.left,
            Expr::Group(e) => &e.expr,
            Expr::Range(e) => match &e.start {
                Some(start) => start,
                None => return Some(e.limits.span()),
            },
            Expr::Paren(e) => return Some(e.paren_token.span.open()),
            Expr::Block(e) => {
                return Some(e.label.as_ref().map_or(e.block.brace_token.span.open(), |l| l.name.apostrophe));
            }
            Expr::Array(e) => return Some(e.bracket_token.span.open()),
            Expr::Tuple(e) => return Some(e.paren_token.span.open()),
            Expr::Repeat(e) => return Some(e.bracket_token.span.open()),
            Expr::Lit(e) => return Some(e.lit.span()),
            Expr::Unary(e) => return Some(e.op.span()),
            Expr::Reference(e) => return Some(e.and_token.span),
            Expr::If(e) => return Some(e.if_token.span),
            Expr::Match(e) => return Some(e.match_token.span),
            Expr::Return(e) => return Some(e.return_token.span),
            Expr::Let(e) => return Some(e.let_token.span),
            Expr::Macro(e) => return Some(macro_span(&e.mac)),
            _ => return None,
        };
    }
}

fn last_token(mut expr: &syn::Expr) -> Option<Span> {
    use syn::Expr;
    use syn::spanned::Spanned;
    loop {
        expr = match expr {
            Expr::Binary(e) => &e.right,
            Expr::Unary(e) => &e.expr,
            Expr::Reference(e) => &e.expr,
            Expr::Assign(e) => &e.right,
            Expr::Closure(e) => &e.body,
            Expr::Let(e) => &e.expr,
            Expr::Group(e) => &e.expr,
            Expr::Range(e) => match &e.end {
                Some(end) => end,
                None => return Some(e.limits.span()),
            },
            Expr::If(e) => match &e.else_branch {
                Some((_, else_branch)) => else_branch,
                None => return Some(e.then_branch.brace_token.span.close()),
            },
            Expr::Return(e) => match &e.expr {
                Some(value) => value,
                None => return Some(e.return_token.span),
            },
            Expr::Call(e) => return Some(e.paren_token.span.close()),
            Expr::MethodCall(e) => return Some(e.paren_token.span.close()),
            Expr::Paren(e) => return Some(e.paren_token.span.close()),
            Expr::Block(e) => return Some(e.block.brace_token.span.close()),
            Expr::Array(e) => return Some(e.bracket_token.span.close()),
            Expr::Tuple(e) => return Some(e.paren_token.span.close()),
            Expr::Repeat(e) => return Some(e.bracket_token.span.close()),
            Expr::Index(e) => return Some(e.bracket_token.span.close()),
            Expr::Match(e) => return Some(e.brace_token.span.close()),
            Expr::Try(e) => return Some(e.question_token.span),
            Expr::Await(e) => return Some(e.await_token.span),
            Expr::Lit(e) => return Some(e.lit.span()),
            Expr::Macro(e) => return Some(macro_span(&e.mac)),
            _ => return None,
        };
    }
}

/// The outer attributes of an expression (`#[attr] expr`).
fn expr_attrs(expr: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr;
    match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_shebang_are_stripped_with_their_offset() {
        assert_eq!(strip_bom_and_shebang("\u{feff}fn a(){}"), (3, "fn a(){}"));
        assert_eq!(strip_bom_and_shebang("#!/usr/bin/env x\nfn a(){}"), (16, "\nfn a(){}"));
        assert_eq!(strip_bom_and_shebang("#![allow(x)]\nfn a(){}"), (0, "#![allow(x)]\nfn a(){}"));
    }
}
