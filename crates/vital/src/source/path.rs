//! Catalogue paths as users write them (SPEC §1): `krate::module::function`,
//! `krate::Type::method`, `<krate::Type as Trait>::method`, with generic arguments
//! allowed anywhere (`Chain<T, U>::advance`, `JitterRng::<F>::new`,
//! `<BytesRef<'_> as Debug>::fmt`): on a type they are ignored, on the trait of a
//! qualified path they pick the impl (`<bytes::Bytes as From<Vec<u8>>>::from`).
//! Identifiers are compared in NFC, as rustc normalises them.

use unicode_normalization::UnicodeNormalization;

use super::resolve::ResolveError;

/// A parsed catalogue path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CataloguePath {
    /// `krate::a::b::c`.
    Plain(Vec<String>),
    /// `<krate::Type as Trait>::method`.
    Qualified {
        /// The type's path, crate first.
        ty: Vec<String>,
        /// The trait.
        trait_ref: TraitRef,
        /// The method.
        method: String,
    },
}

/// A trait as a qualified path names it: its name, and its generic arguments in
/// the normal form of [`generic_key`] when written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TraitRef {
    /// The trait's name (the last segment of its path).
    pub name: String,
    /// Its generic arguments, normalised; `None` when not written.
    pub args: Option<String>,
}

/// An identifier in the form rustc compares: `r#` dropped, NFC.
pub(crate) fn normalize_ident(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).nfc().collect()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || unicode_normalization::char::is_combining_mark(c))
}

/// `text` split at the `sep`s that are outside angle brackets and parentheses.
fn split_top(text: &str, sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    let sep: Vec<char> = sep.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' if i > 0 && chars[i - 1] == '-' => {}
            '>' | ')' | ']' => depth -= 1,
            _ => {}
        }
        if depth == 0 && chars[i..].starts_with(&sep) {
            out.push(std::mem::take(&mut current));
            i += sep.len();
            continue;
        }
        current.push(c);
        i += 1;
    }
    out.push(current);
    out
}

/// A segment and its generic arguments (`Chain<T, U>` → `Chain`, `T, U`).
fn split_args(segment: &str) -> (&str, Option<&str>) {
    match segment.find('<') {
        Some(open) if segment.ends_with('>') => {
            (segment[..open].trim_end(), Some(&segment[open + 1..segment.len() - 1]))
        }
        _ => (segment, None),
    }
}

/// The identifiers of a `::`-separated path; generic arguments are dropped, except
/// those of the last segment, which are returned.
fn segments(path: &str) -> Result<(Vec<String>, Option<String>), ResolveError> {
    let mut out = Vec::new();
    let mut last_args = None;
    for raw in split_top(path, "::") {
        let raw = raw.trim();
        // A turbofish (`JitterRng::<F>`): the arguments of the segment before.
        if raw.starts_with('<') && raw.ends_with('>') && !out.is_empty() {
            last_args = Some(raw[1..raw.len() - 1].to_string());
            continue;
        }
        let (name, args) = split_args(raw);
        let name = normalize_ident(name.trim());
        if !is_identifier(&name) {
            let why = if name.is_empty() {
                "it has an empty segment".to_string()
            } else if raw.contains('<') || raw.contains('>') {
                format!("`{raw}` has unbalanced generic arguments")
            } else {
                format!("`{name}` is not an identifier")
            };
            return Err(ResolveError::Syntax(why));
        }
        out.push(name);
        last_args = args.map(str::to_string);
    }
    Ok((out, last_args))
}

/// Parses a catalogue path.
pub(crate) fn parse(path: &str) -> Result<CataloguePath, ResolveError> {
    let path = path.trim();
    if let Some(inner) = path.strip_prefix('<') {
        // The `>` that closes the leading `<`.
        let mut depth = 1i32;
        let mut close = None;
        let chars: Vec<(usize, char)> = inner.char_indices().collect();
        for (k, &(i, c)) in chars.iter().enumerate() {
            match c {
                '<' => depth += 1,
                '>' if k > 0 && chars[k - 1].1 == '-' => {}
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close.ok_or_else(|| ResolveError::Syntax("the leading `<` is never closed".into()))?;
        let (qualified, rest) = (&inner[..close], &inner[close + 1..]);
        let method = rest
            .trim_start()
            .strip_prefix("::")
            .ok_or_else(|| ResolveError::Syntax("`<Type as Trait>` must be followed by `::method`".into()))?;
        let parts = split_top(qualified, " as ");
        let [ty, trait_path] = &parts[..] else {
            return Err(ResolveError::Syntax("write `<crate::Type as Trait>::method`".into()));
        };
        let (ty, _) = segments(ty)?;
        let (trait_segments, args) = segments(trait_path)?;
        let (method, _) = segments(method)?;
        if method.len() != 1 {
            return Err(ResolveError::Syntax(
                "after `<Type as Trait>::` comes the method's name alone".into(),
            ));
        }
        if ty.len() < 2 {
            return Err(ResolveError::Syntax(
                "the type in `<Type as Trait>` must start with its crate name".into(),
            ));
        }
        let args = match args {
            Some(args) => Some(generic_key_of_text(&args)?),
            None => None,
        };
        let trait_ref = TraitRef { name: trait_segments.last().cloned().unwrap_or_default(), args };
        return Ok(CataloguePath::Qualified { ty, trait_ref, method: method[0].clone() });
    }
    let (segments, _) = segments(path)?;
    if segments.len() < 2 {
        return Err(ResolveError::Syntax(
            "it must start with the crate name, e.g. `my_crate::function`".into(),
        ));
    }
    Ok(CataloguePath::Plain(segments))
}

fn generic_key_of_text(args: &str) -> Result<String, ResolveError> {
    let parsed: syn::AngleBracketedGenericArguments =
        syn::parse_str(&format!("<{args}>")).map_err(|err| {
            ResolveError::Syntax(format!("the generic arguments `<{args}>` do not parse ({err})"))
        })?;
    let key = generic_key(&parsed);
    proc_macro2::extra::invalidate_current_thread_spans();
    Ok(key)
}

/// Generic arguments in a normal form for comparison: each type by the last
/// segment of its paths (`std::vec::Vec<u8>` and `Vec<u8>` agree), lifetimes and
/// spaces dropped.
pub(crate) fn generic_key(args: &syn::AngleBracketedGenericArguments) -> String {
    args.args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Lifetime(_) => None,
            syn::GenericArgument::Type(ty) => Some(type_key(ty)),
            other => Some(quote::ToTokens::to_token_stream(other).to_string().replace(' ', "")),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn type_key(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => match p.path.segments.last() {
            Some(last) => {
                let name = normalize_ident(&last.ident.to_string());
                match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => format!("{name}<{}>", generic_key(args)),
                    _ => name,
                }
            }
            None => String::new(),
        },
        syn::Type::Reference(r) => {
            format!("&{}{}", if r.mutability.is_some() { "mut " } else { "" }, type_key(&r.elem))
        }
        syn::Type::Slice(s) => format!("[{}]", type_key(&s.elem)),
        syn::Type::Array(a) => {
            format!(
                "[{};{}]",
                type_key(&a.elem),
                quote::ToTokens::to_token_stream(&a.len).to_string().replace(' ', "")
            )
        }
        syn::Type::Tuple(t) => format!("({})", t.elems.iter().map(type_key).collect::<Vec<_>>().join(",")),
        syn::Type::Paren(p) => type_key(&p.elem),
        syn::Type::Group(g) => type_key(&g.elem),
        other => quote::ToTokens::to_token_stream(other).to_string().replace(' ', ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(p: &str) -> Vec<String> {
        match parse(p) {
            Ok(CataloguePath::Plain(s)) => s,
            other => panic!("{p}: {other:?}"),
        }
    }

    #[test]
    fn paths_parse() {
        assert_eq!(plain("a::b"), ["a", "b"]);
        assert_eq!(plain(" a :: r#type "), ["a", "type"]);
        assert_eq!(
            parse("<a::m::T as std::fmt::Display>::fmt").unwrap(),
            CataloguePath::Qualified {
                ty: vec!["a".into(), "m".into(), "T".into()],
                trait_ref: TraitRef { name: "Display".into(), args: None },
                method: "fmt".into()
            }
        );
        let syntax = |p: &str| match parse(p) {
            Err(ResolveError::Syntax(why)) => why,
            other => panic!("{p}: {other:?}"),
        };
        assert!(syntax("a").contains("crate name"));
        assert!(syntax("a::").contains("empty segment"));
        assert!(syntax("a::b-c").contains("not an identifier"));
        assert!(syntax("<a::T as X>").contains("followed by `::method`"));
        assert!(syntax("<a::T>::f").contains("write `<crate::Type as Trait>::method`"));
        assert!(syntax("<T as X>::f").contains("must start with its crate name"));
        assert!(syntax("<a::T as X>::f::g").contains("method's name alone"));
        assert!(syntax("<a::T as X<>::f").contains("never closed"));
    }

    #[test]
    fn generic_arguments_are_dropped_on_types_and_kept_on_traits() {
        assert_eq!(plain("bytes::buf::Chain<T, U>::advance"), ["bytes", "buf", "Chain", "advance"]);
        assert_eq!(plain("rand::JitterRng::<F>::new"), ["rand", "JitterRng", "new"]);
        assert_eq!(plain("a::Map<K, Box<dyn Fn(u8) -> u8>>::get"), ["a", "Map", "get"]);
        let CataloguePath::Qualified { ty, trait_ref, .. } =
            parse("<bytes::BytesRef<'_> as Debug>::fmt").unwrap()
        else {
            panic!()
        };
        assert_eq!((ty, trait_ref.args), (vec!["bytes".to_string(), "BytesRef".to_string()], None));
        let CataloguePath::Qualified { trait_ref, .. } =
            parse("<bytes::Bytes as From<std::vec::Vec<u8>>>::from").unwrap()
        else {
            panic!()
        };
        assert_eq!(trait_ref, TraitRef { name: "From".into(), args: Some("Vec<u8>".into()) });
        let CataloguePath::Qualified { trait_ref, .. } =
            parse("<a::B as From<&'static [u8]>>::from").unwrap()
        else {
            panic!()
        };
        assert_eq!(trait_ref.args.as_deref(), Some("&[u8]"));
    }

    #[test]
    fn identifiers_compare_in_nfc() {
        // `é` as `e` and a combining acute accent (NFD), and as one character (NFC).
        assert_eq!(plain("a::caf\u{65}\u{301}"), plain("a::caf\u{e9}"));
    }
}
