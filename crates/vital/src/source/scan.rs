//! The syn walker: from each target's root file, follow `mod` declarations the way
//! rustc does and index every function, type, `impl`, `use` and module.
//!
//! Module files: `mod x;` in a scope whose children live in directory `D` is `D/x.rs`
//! or `D/x/mod.rs`; the children of both live in `D/x/`. A crate root's children
//! live next to it. `#[path = "p"]` outside inline modules is relative to the
//! directory of the file that declares it, and the file it names holds its children
//! next to it (rustc treats it as a `mod.rs`); inside an inline module it is relative
//! to that module's directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;

use super::{
    CrateId, CrateRoot, FileId, FnDef, FnId, ImplDef, ImplId, Item, Owner, Scope, ScopeId, ScopeKind,
    SourceFile, SourceIndex, TypeDef, TypeId, TypeKind, UseDecl,
};
use crate::coverage::Pos;
use crate::error::{Location, Problem};
use crate::text::LineIndex;
use crate::workspace::{Package, Target, Workspace};

/// Indexes the lib, bin and test targets of every member of `workspace`. Files that
/// cannot be read or parsed are skipped with a warning in
/// [`SourceIndex::warnings`].
pub fn scan_workspace(workspace: &Workspace) -> SourceIndex {
    let mut scanner = Scanner { workspace, index: SourceIndex::default(), file_ids: HashMap::new() };
    for package in &workspace.packages {
        for target in &package.targets {
            scanner.scan_crate(package, target);
        }
    }
    for file in &mut scanner.index.files {
        file.bodies.sort_unstable();
        file.bodies.dedup();
        file.opaque.sort_unstable();
        file.opaque.dedup();
    }
    scanner.index
}

struct Scanner<'w> {
    workspace: &'w Workspace,
    index: SourceIndex,
    file_ids: HashMap<PathBuf, FileId>,
}

/// Where we are while walking a module's items.
#[derive(Clone)]
struct Ctx {
    scope: ScopeId,
    file: FileId,
    /// Added to syn's byte offsets (a stripped BOM or shebang line).
    base: usize,
    /// Where `mod x;` looks for `x.rs` and `x/mod.rs`.
    children_dir: PathBuf,
    /// What `#[path]` on `mod x;` is relative to.
    path_attr_dir: PathBuf,
    /// Inside an item under an attribute macro.
    opaque: bool,
}

/// A parsed file; its spans are valid until the thread's spans are invalidated.
struct Parsed {
    file: FileId,
    base: usize,
    ast: syn::File,
}

impl Scanner<'_> {
    fn scan_crate(&mut self, package: &Package, target: &Target) {
        let krate = CrateId::from_index(self.index.crates.len());
        let root_scope = self.new_scope(target.name.clone(), ScopeKind::Module, None, krate, false);
        self.index.crates.push(CrateRoot {
            name: target.name.clone(),
            package: package.name.clone(),
            kind: target.kind,
            root_scope,
        });
        if let Some(parsed) = self.parse_file(&target.src_path, None) {
            let dir = target.src_path.parent().map(Path::to_path_buf).unwrap_or_default();
            let ctx = Ctx {
                scope: root_scope,
                file: parsed.file,
                base: parsed.base,
                children_dir: dir.clone(),
                path_attr_dir: dir,
                opaque: false,
            };
            self.walk_items(&parsed.ast.items, &ctx);
        }
        // All of this crate's syntax trees are gone: free proc-macro2's span table.
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    fn new_scope(
        &mut self,
        name: String,
        kind: ScopeKind,
        parent: Option<ScopeId>,
        krate: CrateId,
        test_only: bool,
    ) -> ScopeId {
        let id = ScopeId::from_index(self.index.scopes.len());
        self.index.scopes.push(Scope {
            name,
            kind,
            parent,
            krate,
            items: Vec::new(),
            uses: Vec::new(),
            test_only,
        });
        if let Some(parent) = parent {
            let name = self.index.scopes[id.index()].name.clone();
            self.index.scopes[parent.index()].items.push((name, Item::Scope(id)));
        }
        id
    }

    /// Reads and parses a file, registering it. `declared_at` locates the `mod` item
    /// for the warning when the file is missing.
    fn parse_file(&mut self, path: &Path, declared_at: Option<Location>) -> Option<Parsed> {
        let display = self.workspace.relative(path).unwrap_or_else(|| path.display().to_string());
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    self.warn(Location::file(&display), "is not UTF-8; its functions are not indexed");
                    return None;
                }
            },
            Err(err) => {
                let message = format!("cannot read {display}: {err}; its functions are not indexed");
                self.index.warnings.push(Problem { location: declared_at, message, help: None });
                return None;
            }
        };
        let (base, content) = strip_bom_and_shebang(&text);
        let ast = match syn::parse_str::<syn::File>(content) {
            Ok(ast) => ast,
            Err(err) => {
                let offset = base + err.span().byte_range().start;
                let (line, col) = crate::text::line_col(&text, offset);
                self.warn(
                    Location::at(&display, line, col),
                    &format!("cannot be parsed ({err}); its functions are not indexed"),
                );
                return None;
            }
        };
        let file = match self.file_ids.get(path) {
            Some(&id) => id,
            None => {
                let id = FileId::from_index(self.index.files.len());
                self.file_ids.insert(path.to_path_buf(), id);
                self.index.files.push(SourceFile {
                    path: path.to_path_buf(),
                    rel: display,
                    lines: LineIndex::new(&text),
                    text,
                    bodies: Vec::new(),
                    opaque: Vec::new(),
                });
                id
            }
        };
        Some(Parsed { file, base, ast })
    }

    fn warn(&mut self, location: Location, message: &str) {
        let message = format!("{} {message}", location.file.display());
        self.index.warnings.push(Problem { location: Some(location), message, help: None });
    }

    fn offset(&self, ctx: &Ctx, span: Span) -> std::ops::Range<usize> {
        let range = span.byte_range();
        range.start + ctx.base..range.end + ctx.base
    }

    fn pos(&self, ctx: &Ctx, offset: usize) -> Pos {
        let (line, col) = self.index.files[ctx.file.index()].lines.position(offset);
        Pos { line, col }
    }

    fn add_opaque(&mut self, ctx: &Ctx, span: Span) {
        let range = self.offset(ctx, span);
        let (start, end) = (self.pos(ctx, range.start), self.pos(ctx, range.end));
        self.index.files[ctx.file.index()].opaque.push((start, end));
    }

    fn walk_items(&mut self, items: &[syn::Item], ctx: &Ctx) {
        for item in items {
            self.walk_item(item, ctx);
        }
    }

    fn walk_item(&mut self, item: &syn::Item, ctx: &Ctx) {
        match item {
            syn::Item::Fn(f) => {
                let opaque = ctx.opaque || has_macro_attr(&f.attrs);
                if opaque && !ctx.opaque {
                    self.add_opaque(ctx, f.span());
                }
                let start = fn_start(&f.vis, &f.modifiers, &f.sig);
                let id = self.add_fn(ctx, &f.sig, start, &f.block, Owner::Free, opaque);
                self.push_item(ctx.scope, f.sig.ident.unraw_string(), Item::Fn(id));
                self.walk_body(&f.block, Some(id), ctx, opaque);
            }
            syn::Item::Impl(imp) => {
                let opaque = ctx.opaque || has_macro_attr(&imp.attrs);
                if opaque && !ctx.opaque {
                    self.add_opaque(ctx, imp.span());
                }
                let impl_id = ImplId::from_index(self.index.impls.len());
                self.index.impls.push(ImplDef {
                    scope: ctx.scope,
                    self_path: type_path(&imp.self_ty),
                    trait_path: imp.trait_.as_ref().map(|(path, _)| path_segments(path)),
                });
                for impl_item in &imp.items {
                    match impl_item {
                        syn::ImplItem::Fn(m) => {
                            let opaque = opaque || has_macro_attr(&m.attrs);
                            let start = fn_start(&m.vis, &m.modifiers, &m.sig);
                            let id =
                                self.add_fn(ctx, &m.sig, start, &m.block, Owner::Method(impl_id), opaque);
                            self.walk_body(&m.block, Some(id), ctx, opaque);
                        }
                        syn::ImplItem::Macro(m) => self.add_opaque(ctx, m.span()),
                        syn::ImplItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        syn::ImplItem::Const(c) => self.walk_expr(&c.expr, ctx),
                        _ => {}
                    }
                }
            }
            syn::Item::Trait(t) => {
                let opaque = ctx.opaque || has_macro_attr(&t.attrs);
                if opaque && !ctx.opaque {
                    self.add_opaque(ctx, t.span());
                }
                let type_id = self.add_type(ctx, &t.ident, TypeKind::Trait);
                for trait_item in &t.items {
                    match trait_item {
                        syn::TraitItem::Fn(m) => {
                            if let Some(block) = &m.default {
                                let opaque = opaque || has_macro_attr(&m.attrs);
                                let start = fn_start(&syn::Visibility::Inherited, &m.modifiers, &m.sig);
                                let owner = Owner::TraitDefault(type_id);
                                let id = self.add_fn(ctx, &m.sig, start, block, owner, opaque);
                                self.walk_body(block, Some(id), ctx, opaque);
                            }
                        }
                        syn::TraitItem::Macro(m) => self.add_opaque(ctx, m.span()),
                        syn::TraitItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        _ => {}
                    }
                }
            }
            syn::Item::Struct(s) => {
                self.type_item(ctx, &s.attrs, &s.ident, TypeKind::Struct, s.span());
            }
            syn::Item::Enum(e) => {
                self.type_item(ctx, &e.attrs, &e.ident, TypeKind::Enum, e.span());
            }
            syn::Item::Union(u) => {
                self.type_item(ctx, &u.attrs, &u.ident, TypeKind::Union, u.span());
            }
            syn::Item::Type(t) => {
                self.type_item(ctx, &t.attrs, &t.ident, TypeKind::Alias, t.span());
            }
            syn::Item::Mod(m) => self.walk_mod(m, ctx),
            syn::Item::Use(u) => {
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                let mut prefix = if u.leading_colon.is_some() { vec![String::new()] } else { Vec::new() };
                let mut uses = Vec::new();
                flatten_use(&u.tree, &mut prefix, public, &mut uses);
                self.index.scopes[ctx.scope.index()].uses.extend(uses);
            }
            syn::Item::Macro(m) => self.add_opaque(ctx, m.span()),
            syn::Item::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
            syn::Item::Const(c) => self.walk_expr(&c.expr, ctx),
            syn::Item::Static(s) => self.walk_expr(&s.expr, ctx),
            _ => {}
        }
    }

    fn type_item(
        &mut self,
        ctx: &Ctx,
        attrs: &[syn::Attribute],
        ident: &syn::Ident,
        kind: TypeKind,
        span: Span,
    ) {
        if has_macro_attr(attrs) || attrs.iter().any(|a| a.path().is_ident("derive")) {
            // Derives and attribute macros may generate instrumented code here.
            self.add_opaque(ctx, span);
        }
        self.add_type(ctx, ident, kind);
    }

    fn add_type(&mut self, ctx: &Ctx, ident: &syn::Ident, kind: TypeKind) -> TypeId {
        let id = TypeId::from_index(self.index.types.len());
        let offset = self.offset(ctx, ident.span()).start;
        let line = self.pos(ctx, offset).line;
        let name = ident.unraw_string();
        self.index.types.push(TypeDef { name: name.clone(), scope: ctx.scope, kind, file: ctx.file, line });
        self.push_item(ctx.scope, name, Item::Type(id));
        id
    }

    fn push_item(&mut self, scope: ScopeId, name: String, item: Item) {
        self.index.scopes[scope.index()].items.push((name, item));
    }

    fn add_fn(
        &mut self,
        ctx: &Ctx,
        sig: &syn::Signature,
        start: Span,
        block: &syn::Block,
        owner: Owner,
        opaque: bool,
    ) -> FnId {
        let span = self.offset(ctx, start).start..self.offset(ctx, block.brace_token.span.close()).end;
        if sig.asyncness.is_some() {
            // An `async fn`'s body is a coroutine with a record of its own.
            self.add_body(ctx, block.brace_token.span.join());
        }
        let id = FnId::from_index(self.index.fns.len());
        let fn_line = self.pos(ctx, self.offset(ctx, sig.fn_token.span).start).line;
        self.index.fns.push(FnDef {
            name: sig.ident.unraw_string(),
            scope: ctx.scope,
            owner,
            file: ctx.file,
            start: self.pos(ctx, span.start),
            end: self.pos(ctx, span.end),
            span,
            name_span: self.offset(ctx, sig.ident.span()),
            fn_line,
            is_async: sig.asyncness.is_some(),
            opaque,
        });
        id
    }

    fn walk_mod(&mut self, m: &syn::ItemMod, ctx: &Ctx) {
        let name = m.ident.unraw_string();
        let krate = self.index.scopes[ctx.scope.index()].krate;
        let test_only = is_cfg_test(&m.attrs);
        let opaque = ctx.opaque || has_macro_attr(&m.attrs);
        if opaque && !ctx.opaque {
            self.add_opaque(ctx, m.span());
        }
        let path_attr = path_attr(&m.attrs);
        if let Some((_, items)) = &m.content {
            let scope = self.new_scope(name.clone(), ScopeKind::Module, Some(ctx.scope), krate, test_only);
            let dir = match &path_attr {
                Some(p) => ctx.children_dir.join(p),
                None => ctx.children_dir.join(&name),
            };
            let inner = Ctx { scope, children_dir: dir.clone(), path_attr_dir: dir, opaque, ..ctx.clone() };
            self.walk_items(items, &inner);
            return;
        }
        let (candidates, children_dir): (Vec<PathBuf>, Option<PathBuf>) = match &path_attr {
            Some(p) => (vec![ctx.path_attr_dir.join(p)], None),
            None => (
                vec![
                    ctx.children_dir.join(format!("{name}.rs")),
                    ctx.children_dir.join(&name).join("mod.rs"),
                ],
                Some(ctx.children_dir.join(&name)),
            ),
        };
        let Some(file) = candidates.iter().find(|p| p.is_file()) else {
            let (line, col) = {
                let offset = self.offset(ctx, m.ident.span()).start;
                let pos = self.pos(ctx, offset);
                (pos.line as usize, pos.col as usize)
            };
            let rel = &self.index.files[ctx.file.index()].rel;
            let shown: Vec<String> = candidates
                .iter()
                .map(|c| self.workspace.relative(c).unwrap_or_else(|| c.display().to_string()))
                .collect();
            let message = format!(
                "module `{name}` has no file ({} not found); its functions are not indexed",
                shown.join(" or ")
            );
            self.index.warnings.push(Problem {
                location: Some(Location::at(rel, line, col)),
                message,
                help: None,
            });
            return;
        };
        let declared_at = Location::file(&self.index.files[ctx.file.index()].rel);
        let Some(parsed) = self.parse_file(file, Some(declared_at)) else { return };
        let scope = self.new_scope(name, ScopeKind::Module, Some(ctx.scope), krate, test_only);
        let file_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let inner = Ctx {
            scope,
            file: parsed.file,
            base: parsed.base,
            children_dir: children_dir.unwrap_or_else(|| file_dir.clone()),
            path_attr_dir: file_dir,
            opaque,
        };
        self.walk_items(&parsed.ast.items, &inner);
    }

    /// Records closure and async-body entries in a function body, and indexes the
    /// items declared inside it in a scope named after the function.
    fn walk_body(&mut self, block: &syn::Block, owner: Option<FnId>, ctx: &Ctx, opaque: bool) {
        let mut visitor = BodyVisitor::default();
        visitor.visit_block(block);
        self.record_body(&visitor, ctx);
        if visitor.items.is_empty() {
            return;
        }
        let Some(owner) = owner else { return };
        let krate = self.index.scopes[ctx.scope.index()].krate;
        let name = self.index.fns[owner.index()].name.clone();
        let body_scope = if self.index.fns[owner.index()].owner == Owner::Free {
            self.new_scope(name, ScopeKind::FnBody(owner), Some(ctx.scope), krate, false)
        } else {
            // Items inside methods are indexed (for their coverage) but named from
            // a scope that is not an item of the module.
            let id = ScopeId::from_index(self.index.scopes.len());
            self.index.scopes.push(Scope {
                name,
                kind: ScopeKind::FnBody(owner),
                parent: Some(ctx.scope),
                krate,
                items: Vec::new(),
                uses: Vec::new(),
                test_only: false,
            });
            id
        };
        let inner = Ctx { scope: body_scope, opaque, ..ctx.clone() };
        for item in visitor.items {
            self.walk_item(item, &inner);
        }
    }

    fn walk_expr(&mut self, expr: &syn::Expr, ctx: &Ctx) {
        let mut visitor = BodyVisitor::default();
        visitor.visit_expr(expr);
        self.record_body(&visitor, ctx);
        for item in visitor.items {
            self.walk_item(item, ctx);
        }
    }

    fn add_body(&mut self, ctx: &Ctx, span: Span) {
        let range = self.offset(ctx, span);
        let (start, end) = (self.pos(ctx, range.start), self.pos(ctx, range.end));
        self.index.files[ctx.file.index()].bodies.push((start, end));
    }

    fn record_body(&mut self, visitor: &BodyVisitor<'_>, ctx: &Ctx) {
        for &body in &visitor.bodies {
            self.add_body(ctx, body);
        }
        for &span in &visitor.macros {
            self.add_opaque(ctx, span);
        }
    }
}

/// Collects, in a function body: the spans of closure and async bodies, macro
/// invocations, and the items declared inside (which it does not enter).
#[derive(Default)]
struct BodyVisitor<'ast> {
    bodies: Vec<Span>,
    macros: Vec<Span>,
    items: Vec<&'ast syn::Item>,
}

impl<'ast> Visit<'ast> for BodyVisitor<'ast> {
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.bodies.push(closure.body.span());
        syn::visit::visit_expr_closure(self, closure);
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.bodies.push(block.block.brace_token.span.join());
        syn::visit::visit_expr_async(self, block);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macros.push(mac.span());
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(item);
    }
}

/// Where rustc starts a function's first coverage region: its visibility, else its
/// first qualifier (`default`, `const`, `async`, `unsafe`/`safe`, `extern`), else `fn`.
fn fn_start(vis: &syn::Visibility, modifiers: &syn::FnModifiers, sig: &syn::Signature) -> Span {
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

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for syn::Ident {
    fn unraw_string(&self) -> String {
        let s = self.to_string();
        s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    let mut out: Vec<String> = if path.leading_colon.is_some() { vec![String::new()] } else { Vec::new() };
    out.extend(path.segments.iter().map(|s| s.ident.unraw_string()));
    out
}

/// The path of an impl's self type, generics stripped; references and parentheses
/// looked through; other types by their text.
fn type_path(ty: &syn::Type) -> Vec<String> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => path_segments(&p.path),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        other => vec![quote_tokens(other)],
    }
}

fn quote_tokens(ty: &syn::Type) -> String {
    quote::ToTokens::to_token_stream(ty).to_string().replace(' ', "")
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, public: bool, out: &mut Vec<UseDecl>) {
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
fn is_builtin_attr(attr: &syn::Attribute) -> bool {
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

fn has_macro_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| !is_builtin_attr(a))
}

/// `#[cfg(test)]`, or a `cfg` that requires `test` (`all(test, …)`), not negated.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).any(|a| {
        let tokens = match &a.meta {
            syn::Meta::List(list) => list.tokens.to_string(),
            _ => return false,
        };
        let words: Vec<&str> =
            tokens.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).collect();
        words.contains(&"test") && !words.contains(&"not") && !words.contains(&"any")
    })
}

/// The value of `#[path = "…"]`.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
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
fn strip_bom_and_shebang(text: &str) -> (usize, &str) {
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
