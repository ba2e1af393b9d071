//! Resolving catalogue paths (SPEC §1) to functions of the [`SourceIndex`].
//!
//! A path starts with a crate name and walks the module tree the way rustc's name
//! resolution does for the cases that matter here: modules, `use` declarations
//! (re-exports, globs, renames, other workspace crates), functions with items
//! in their bodies. A method is named through its type, which may be written by its
//! definition path, any path that reaches it through `use`, the module where the
//! `impl` block is written, or just `crate::Type::method` when that is unique.
//! `<crate::Type as Trait>::method` picks a trait's method; a trait's default method
//! is `crate::path::Trait::method`. When a type has an inherent method and a trait
//! method of the same name, the inherent one wins, as in Rust.

use std::collections::{BTreeSet, HashSet};

use super::{CrateId, FnId, ImplId, Item, Owner, ScopeId, ScopeKind, SourceIndex, TypeId, TypeKind};
use crate::text::{closest, edit_distance};
use crate::workspace::TargetKind;

/// Why a path did not resolve to exactly one function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// The path is not of a form vital understands.
    Syntax(String),
    /// The first segment is not a crate of the workspace.
    UnknownCrate {
        /// The name written.
        name: String,
        /// The workspace's crate names.
        crates: Vec<String>,
    },
    /// No function has this path.
    NotFound {
        /// Functions the user may have meant: display path and location.
        suggestions: Vec<(String, String)>,
    },
    /// Several functions have this path.
    Ambiguous {
        /// Each candidate: a path that names it uniquely, and its location.
        candidates: Vec<(String, String)>,
    },
}

impl ResolveError {
    /// One line saying what is wrong with `path`, and one saying what to write.
    pub fn describe(&self, path: &str) -> (String, String) {
        match self {
            ResolveError::Syntax(why) => (
                format!("`{path}` is not a function path: {why}"),
                "write `crate_name::module::function`, `crate_name::Type::method` or `<crate_name::Type as Trait>::method`".into(),
            ),
            ResolveError::UnknownCrate { name, crates } => {
                let message = format!("`{path}` starts with `{name}`, which is not a crate of this workspace");
                let help = match closest(name, crates.iter().map(String::as_str)) {
                    Some(near) => format!("did you mean `{near}`? Paths start with the crate name ({})", crates.join(", ")),
                    None => format!("paths start with the crate name: one of {}", crates.join(", ")),
                };
                (message, help)
            }
            ResolveError::NotFound { suggestions } => {
                let message = format!("`{path}` names no function in the workspace");
                let help = if suggestions.is_empty() {
                    "check the spelling; `cargo vital list` shows how resolved entries are named".into()
                } else {
                    let list: Vec<String> =
                        suggestions.iter().map(|(p, at)| format!("`{p}` ({at})")).collect();
                    format!("did you mean {}?", list.join(", or "))
                };
                (message, help)
            }
            ResolveError::Ambiguous { candidates } => {
                let message = format!("`{path}` names {} functions", candidates.len());
                let list: Vec<String> = candidates.iter().map(|(p, at)| format!("`{p}` ({at})")).collect();
                (message, format!("write one of: {}", list.join(", ")))
            }
        }
    }
}

/// A parsed catalogue path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CataloguePath {
    /// `krate::a::b::c`.
    Plain(Vec<String>),
    /// `<krate::Type as Trait>::method`.
    Qualified { ty: Vec<String>, trait_name: String, method: String },
}

/// Resolves catalogue paths against one index. Build once, resolve many.
#[derive(Debug)]
pub struct Resolver<'i> {
    index: &'i SourceIndex,
    /// The type each impl's self type resolves to, when known.
    impl_types: Vec<Option<TypeId>>,
}

const MAX_DEPTH: usize = 24;

impl<'i> Resolver<'i> {
    /// Prepares resolution over `index`.
    pub fn new(index: &'i SourceIndex) -> Resolver<'i> {
        let mut resolver = Resolver { index, impl_types: Vec::new() };
        resolver.impl_types =
            (0..index.impls.len()).map(|i| resolver.impl_self_type(ImplId::from_index(i))).collect();
        resolver
    }

    /// The function a catalogue path names.
    pub fn resolve(&self, path: &str) -> Result<FnId, ResolveError> {
        let parsed = parse(path)?;
        let krate_name = match &parsed {
            CataloguePath::Plain(segments) => &segments[0],
            CataloguePath::Qualified { ty, .. } => &ty[0],
        };
        let crates: Vec<CrateId> = self
            .index
            .crates_named(krate_name)
            .filter(|&c| self.index.crates[c.index()].kind != TargetKind::Test)
            .collect();
        if crates.is_empty() {
            let mut names: Vec<String> = self
                .index
                .crates
                .iter()
                .filter(|c| c.kind != TargetKind::Test)
                .map(|c| c.name.clone())
                .collect();
            names.sort();
            names.dedup();
            return Err(ResolveError::UnknownCrate { name: krate_name.clone(), crates: names });
        }
        let mut candidates = BTreeSet::new();
        for &krate in &crates {
            match &parsed {
                CataloguePath::Plain(segments) => {
                    self.candidates_plain(krate, &segments[1..], &mut candidates)
                }
                CataloguePath::Qualified { ty, trait_name, method } => {
                    self.candidates_qualified(krate, &ty[1..], trait_name, method, &mut candidates);
                }
            }
        }
        let candidates = self.prefer_inherent(candidates);
        match candidates.len() {
            1 => Ok(candidates[0]),
            0 => Err(ResolveError::NotFound { suggestions: self.suggestions(&parsed, &crates) }),
            _ => Err(ResolveError::Ambiguous {
                candidates: candidates
                    .iter()
                    .map(|&f| (self.unique_name(f), self.index.location(f)))
                    .collect(),
            }),
        }
    }

    fn candidates_plain(&self, krate: CrateId, rest: &[String], out: &mut BTreeSet<FnId>) {
        let root = self.index.crates[krate.index()].root_scope;
        // A function by its full path (free functions, nested functions).
        for item in self.walk(root, rest) {
            if let Item::Fn(f) = item {
                out.insert(f);
            }
        }
        if let Some((method, type_path)) = rest.split_last()
            && !type_path.is_empty()
        {
            let found = !out.is_empty();
            self.candidates_method(krate, type_path, None, method, found, out);
        }
    }

    fn candidates_qualified(
        &self,
        krate: CrateId,
        ty: &[String],
        trait_name: &str,
        method: &str,
        out: &mut BTreeSet<FnId>,
    ) {
        self.candidates_method(krate, ty, Some(trait_name), method, false, out);
    }

    /// Methods named `method` of the type (or trait) `type_path` names, of trait
    /// `trait_name` when given: through the type's definition or a re-export, the
    /// module where the `impl` block is written, and, when nothing else matched
    /// (`found` says whether something already did), the short form
    /// `crate::Type::method`.
    fn candidates_method(
        &self,
        krate: CrateId,
        type_path: &[String],
        trait_name: Option<&str>,
        method: &str,
        mut found: bool,
        out: &mut BTreeSet<FnId>,
    ) {
        let root = self.index.crates[krate.index()].root_scope;
        for item in self.walk(root, type_path) {
            if let Item::Type(t) = item {
                found |= self.methods_of_type(t, method, trait_name, out);
            }
        }
        let Some((type_name, impl_module)) = type_path.split_last() else { return };
        let of_trait = |imp: &super::ImplDef| trait_name.is_none_or(|name| imp.trait_name() == Some(name));
        for scope in self.walk_scopes(root, impl_module) {
            found |= self.methods_in_impls(
                |imp| {
                    let def = &self.index.impls[imp.index()];
                    def.scope == scope && def.self_name() == type_name && of_trait(def)
                },
                method,
                out,
            );
        }
        if found || !impl_module.is_empty() {
            return;
        }
        self.methods_in_impls(
            |imp| {
                let def = &self.index.impls[imp.index()];
                def.self_name() == type_name && of_trait(def) && self.index.scope(def.scope).krate == krate
            },
            method,
            out,
        );
        if trait_name.is_none() {
            for (i, t) in self.index.types.iter().enumerate() {
                if t.kind == TypeKind::Trait
                    && &t.name == type_name
                    && self.index.scope(t.scope).krate == krate
                {
                    self.methods_of_type(TypeId::from_index(i), method, None, out);
                }
            }
        }
    }

    /// Methods named `method` of type `t`: its impls' methods (only those of trait
    /// `trait_name` if given) or, for a trait, its default methods.
    fn methods_of_type(
        &self,
        t: TypeId,
        method: &str,
        trait_name: Option<&str>,
        out: &mut BTreeSet<FnId>,
    ) -> bool {
        if self.index.types[t.index()].kind == TypeKind::Trait && trait_name.is_none() {
            let before = out.len();
            for (i, f) in self.index.fns.iter().enumerate() {
                if f.owner == Owner::TraitDefault(t) && f.name == method {
                    out.insert(FnId::from_index(i));
                }
            }
            return out.len() > before;
        }
        self.methods_in_impls(
            |imp| {
                self.impl_types[imp.index()] == Some(t)
                    && trait_name.is_none_or(|name| self.index.impls[imp.index()].trait_name() == Some(name))
            },
            method,
            out,
        )
    }

    fn methods_in_impls(
        &self,
        select: impl Fn(ImplId) -> bool,
        method: &str,
        out: &mut BTreeSet<FnId>,
    ) -> bool {
        let before = out.len();
        for (i, f) in self.index.fns.iter().enumerate() {
            if let Owner::Method(imp) = f.owner
                && f.name == method
                && select(imp)
            {
                out.insert(FnId::from_index(i));
            }
        }
        out.len() > before
    }

    /// Among candidates that are all methods of one type, an inherent method hides
    /// trait methods of the same name.
    fn prefer_inherent(&self, candidates: BTreeSet<FnId>) -> Vec<FnId> {
        let is_inherent = |f: FnId| match self.index.func(f).owner {
            Owner::Method(imp) => self.index.impls[imp.index()].trait_path.is_none(),
            _ => false,
        };
        let all: Vec<FnId> = candidates.into_iter().collect();
        let inherent: Vec<FnId> = all.iter().copied().filter(|&f| is_inherent(f)).collect();
        let all_methods = all.iter().all(|&f| matches!(self.index.func(f).owner, Owner::Method(_)));
        if inherent.len() == 1 && all_methods && all.len() > 1 {
            let ty = self.type_of_method(inherent[0]);
            if ty.is_some() && all.iter().all(|&f| self.type_of_method(f) == ty) {
                return inherent;
            }
        }
        all
    }

    fn type_of_method(&self, f: FnId) -> Option<TypeId> {
        match self.index.func(f).owner {
            Owner::Method(imp) => self.impl_types[imp.index()],
            _ => None,
        }
    }

    /// A path that names `f` alone, for "write one of".
    fn unique_name(&self, f: FnId) -> String {
        let plain = self.index.display_path(f);
        if self.resolve_quiet(&plain) == Some(f) {
            return plain;
        }
        self.index.qualified_path(f)
    }

    fn resolve_quiet(&self, path: &str) -> Option<FnId> {
        let parsed = parse(path).ok()?;
        let CataloguePath::Plain(segments) = parsed else { return None };
        let mut out = BTreeSet::new();
        for krate in self.index.crates_named(&segments[0]) {
            self.candidates_plain(krate, &segments[1..], &mut out);
        }
        let out = self.prefer_inherent(out);
        (out.len() == 1).then(|| out[0])
    }

    fn suggestions(&self, parsed: &CataloguePath, crates: &[CrateId]) -> Vec<(String, String)> {
        let wanted = match parsed {
            CataloguePath::Plain(segments) => segments.last().cloned().unwrap_or_default(),
            CataloguePath::Qualified { method, .. } => method.clone(),
        };
        let in_crates = |f: &super::FnDef| crates.contains(&self.index.scope(f.scope).krate);
        let mut same_name: Vec<FnId> = (0..self.index.fns.len())
            .map(FnId::from_index)
            .filter(|&f| self.index.func(f).name == wanted && !self.index.is_test_only(f))
            .collect();
        if same_name.is_empty() {
            let best = self
                .index
                .fns
                .iter()
                .filter(|f| in_crates(f))
                .map(|f| edit_distance(&f.name, &wanted))
                .min()
                .filter(|&d| d <= (wanted.chars().count() / 3).max(1));
            if let Some(best) = best {
                same_name = (0..self.index.fns.len())
                    .map(FnId::from_index)
                    .filter(|&f| {
                        let def = self.index.func(f);
                        in_crates(def)
                            && edit_distance(&def.name, &wanted) == best
                            && !self.index.is_test_only(f)
                    })
                    .collect();
            }
        }
        same_name.sort_by_key(|&f| (!in_crates(self.index.func(f)), self.index.display_path(f)));
        same_name.truncate(5);
        same_name.into_iter().map(|f| (self.unique_name(f), self.index.location(f))).collect()
    }

    /// The items a relative path reaches from `scope`.
    fn walk(&self, scope: ScopeId, path: &[String]) -> Vec<Item> {
        let mut current = vec![Item::Scope(scope)];
        for segment in path {
            let mut next = Vec::new();
            for item in current {
                if let Item::Scope(s) = item {
                    for found in self.lookup(s, segment, &mut HashSet::new(), 0) {
                        if !next.contains(&found) {
                            next.push(found);
                        }
                    }
                }
            }
            if next.is_empty() {
                return next;
            }
            current = next;
        }
        current
    }

    fn walk_scopes(&self, scope: ScopeId, path: &[String]) -> Vec<ScopeId> {
        self.walk(scope, path)
            .into_iter()
            .filter_map(|item| match item {
                Item::Scope(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    /// What `name` means in `scope`: its items, then what its `use`s import under
    /// that name, then what its glob imports bring.
    fn lookup(
        &self,
        scope: ScopeId,
        name: &str,
        seen: &mut HashSet<(ScopeId, String)>,
        depth: usize,
    ) -> Vec<Item> {
        if depth > MAX_DEPTH || !seen.insert((scope, name.to_string())) {
            return Vec::new();
        }
        let s = self.index.scope(scope);
        let mut found: Vec<Item> = s.items.iter().filter(|(n, _)| n == name).map(|&(_, item)| item).collect();
        for decl in s.uses.iter().filter(|u| u.name.as_deref() == Some(name)) {
            found.extend(self.resolve_use(scope, &decl.path, seen, depth + 1));
        }
        if found.is_empty() {
            for decl in s.uses.iter().filter(|u| u.name.is_none()) {
                for target in self.resolve_use(scope, &decl.path, seen, depth + 1) {
                    if let Item::Scope(glob_scope) = target {
                        found.extend(self.lookup(glob_scope, name, seen, depth + 1));
                    }
                }
            }
        }
        // A function body sees the items of the scopes around it.
        if found.is_empty()
            && let (ScopeKind::FnBody(_), Some(parent)) = (s.kind, s.parent)
        {
            found = self.lookup(parent, name, seen, depth + 1);
        }
        found
    }

    /// What a path written in `scope` (in a `use` or an `impl` header) refers to.
    fn resolve_use(
        &self,
        scope: ScopeId,
        path: &[String],
        seen: &mut HashSet<(ScopeId, String)>,
        depth: usize,
    ) -> Vec<Item> {
        let Some((first, rest)) = path.split_first() else { return Vec::new() };
        let krate = self.index.scope(scope).krate;
        let module = self.enclosing_module(scope);
        let mut current: Vec<Item> = match first.as_str() {
            "" => return Vec::new(),
            "crate" => vec![Item::Scope(self.index.crates[krate.index()].root_scope)],
            "self" => vec![Item::Scope(module)],
            "super" => match self.index.scope(module).parent {
                Some(parent) => vec![Item::Scope(self.enclosing_module(parent))],
                None => return Vec::new(),
            },
            name => {
                let local = self.lookup(scope, name, seen, depth + 1);
                if local.is_empty() {
                    // Another crate of the workspace (a library), by its name.
                    self.index
                        .crates
                        .iter()
                        .filter(|c| c.name == name && c.kind == TargetKind::Lib)
                        .map(|c| Item::Scope(c.root_scope))
                        .collect()
                } else {
                    local
                }
            }
        };
        for segment in rest {
            let mut next = Vec::new();
            for item in current {
                if let Item::Scope(s) = item {
                    let s = match segment.as_str() {
                        "super" => match self.index.scope(self.enclosing_module(s)).parent {
                            Some(parent) => {
                                next.push(Item::Scope(self.enclosing_module(parent)));
                                continue;
                            }
                            None => continue,
                        },
                        "self" => {
                            next.push(Item::Scope(s));
                            continue;
                        }
                        _ => s,
                    };
                    next.extend(self.lookup(s, segment, seen, depth + 1));
                }
            }
            current = next;
        }
        current
    }

    fn enclosing_module(&self, mut scope: ScopeId) -> ScopeId {
        while let (ScopeKind::FnBody(_), Some(parent)) =
            (self.index.scope(scope).kind, self.index.scope(scope).parent)
        {
            scope = parent;
        }
        scope
    }

    /// The type an impl's self type names, resolved from the impl's scope; failing
    /// that, the only type of that name in the crate.
    fn impl_self_type(&self, imp: ImplId) -> Option<TypeId> {
        let def = &self.index.impls[imp.index()];
        let types: Vec<TypeId> = self
            .resolve_use(def.scope, &def.self_path, &mut HashSet::new(), 0)
            .into_iter()
            .filter_map(|item| match item {
                Item::Type(t) => Some(t),
                _ => None,
            })
            .collect();
        if let [t] = types[..] {
            return Some(t);
        }
        if !types.is_empty() || def.self_path.len() != 1 {
            return None;
        }
        let krate = self.index.scope(def.scope).krate;
        let mut same_name = self.index.types.iter().enumerate().filter(|(_, t)| {
            t.name == def.self_path[0]
                && t.kind != TypeKind::Trait
                && self.index.scope(t.scope).krate == krate
        });
        match (same_name.next(), same_name.next()) {
            (Some((i, _)), None) => Some(TypeId::from_index(i)),
            _ => None,
        }
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn segments(path: &str) -> Result<Vec<String>, ResolveError> {
    let mut out = Vec::new();
    for raw in path.split("::") {
        let segment = raw.trim();
        let segment = segment.strip_prefix("r#").unwrap_or(segment);
        if segment.contains('<') || segment.contains('>') {
            return Err(ResolveError::Syntax(format!(
                "`{}` has generic arguments; name the function without them",
                raw.trim()
            )));
        }
        if !is_identifier(segment) {
            let why = if segment.is_empty() {
                "it has an empty segment".to_string()
            } else {
                format!("`{segment}` is not an identifier")
            };
            return Err(ResolveError::Syntax(why));
        }
        out.push(segment.to_string());
    }
    Ok(out)
}

fn parse(path: &str) -> Result<CataloguePath, ResolveError> {
    let path = path.trim();
    if let Some(inner) = path.strip_prefix('<') {
        let close = inner
            .rfind(">::")
            .ok_or_else(|| ResolveError::Syntax("`<Type as Trait>` must be followed by `::method`".into()))?;
        let (qualified, method) = (&inner[..close], &inner[close + 3..]);
        let (ty, trait_path) = qualified
            .split_once(" as ")
            .ok_or_else(|| ResolveError::Syntax("write `<crate::Type as Trait>::method`".into()))?;
        let ty = segments(ty)?;
        let trait_segments = segments(trait_path)?;
        let method = segments(method)?;
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
        let trait_name = trait_segments.last().cloned().unwrap_or_default();
        return Ok(CataloguePath::Qualified { ty, trait_name, method: method[0].clone() });
    }
    let segments = segments(path)?;
    if segments.len() < 2 {
        return Err(ResolveError::Syntax(
            "it must start with the crate name, e.g. `my_crate::function`".into(),
        ));
    }
    Ok(CataloguePath::Plain(segments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(parse("a::b").unwrap(), CataloguePath::Plain(vec!["a".into(), "b".into()]));
        assert_eq!(parse(" a :: r#type ").unwrap(), CataloguePath::Plain(vec!["a".into(), "type".into()]));
        assert_eq!(
            parse("<a::m::T as std::fmt::Display>::fmt").unwrap(),
            CataloguePath::Qualified {
                ty: vec!["a".into(), "m".into(), "T".into()],
                trait_name: "Display".into(),
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
        assert!(syntax("a::V<T>::new").contains("generic arguments"));
        assert!(syntax("<a::T as X>").contains("followed by `::method`"));
        assert!(syntax("<a::T>::f").contains("write `<crate::Type as Trait>::method`"));
        assert!(syntax("<T as X>::f").contains("must start with its crate name"));
        assert!(syntax("<a::T as X>::f::g").contains("method's name alone"));
    }
}
