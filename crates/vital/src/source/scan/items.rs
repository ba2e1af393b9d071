//! The items of one file: modules (inline, or pending as another file), functions
//! with their bodies, types, `impl` blocks, `use` declarations, and the opaque spans
//! of macros.

use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::visit::Visit;

use super::body::{BodyVisitor, RawFailpoint};
use super::syntax::{
    UnrawString, cfg_features, cfg_of, flatten_use, fn_start, has_doc_example, has_macro_attr, macro_span,
    path_attr, path_segments, quote_tokens, signature_facts, strip_bom_and_shebang, test_attrs, type_path,
};
use super::{Job, PendingMod};
use crate::error::{Location, Problem};
use crate::source::cache::Probe;
use crate::source::{
    BodyFacts, Cfg, CrateId, FailpointSite, FileId, FnDef, FnId, ImplDef, ImplId, Item, MacroUse, Owner,
    Scope, ScopeId, ScopeKind, SourceFile, SourceIndex, TestKind, TypeDef, TypeId, TypeKind,
};
use crate::text::Pos;
use crate::workspace::Workspace;

pub(super) struct Scanner<'w> {
    pub(super) workspace: &'w Workspace,
    pub(super) index: SourceIndex,
    pub(super) pending: Vec<PendingMod>,
    /// The module files looked for, and whether each was there.
    pub(super) probes: Vec<Probe>,
}

/// Where we are while walking a module's items.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) scope: ScopeId,
    pub(super) file: FileId,
    /// Added to syn's byte offsets (a stripped BOM or shebang line).
    pub(super) base: usize,
    /// Where `mod x;` looks for `x.rs` and `x/mod.rs`.
    pub(super) children_dir: PathBuf,
    /// What `#[path]` on `mod x;` is relative to.
    pub(super) path_attr_dir: PathBuf,
    /// Inside an item under an attribute macro.
    pub(super) opaque: bool,
}

/// What `add_fn` needs of a function item.
struct FnParts<'a> {
    attrs: &'a [syn::Attribute],
    sig: &'a syn::Signature,
    /// Where its first coverage region starts.
    start: Span,
    block: &'a syn::Block,
    owner: Owner,
    opaque: bool,
}

/// A parsed file; its spans are valid until the thread's spans are invalidated.
pub(super) struct Parsed {
    pub(super) file: FileId,
    pub(super) base: usize,
    pub(super) ast: syn::File,
}

impl<'w> Scanner<'w> {
    /// A scanner of one file, with its root scope (scope 0, crate 0).
    pub(super) fn new(workspace: &'w Workspace) -> Scanner<'w> {
        let mut scanner =
            Scanner { workspace, index: SourceIndex::default(), pending: Vec::new(), probes: Vec::new() };
        scanner.new_scope(String::new(), ScopeKind::Module, None, CrateId(0), Cfg::default());
        scanner
    }

    pub(super) fn new_scope(
        &mut self,
        name: String,
        kind: ScopeKind,
        parent: Option<ScopeId>,
        krate: CrateId,
        cfg: Cfg,
    ) -> ScopeId {
        let id = ScopeId::from_index(self.index.scopes.len());
        self.index.scopes.push(Scope {
            name,
            kind,
            parent,
            krate,
            items: Vec::new(),
            uses: Vec::new(),
            cfg,
            macros: Vec::new(),
            consts: Vec::new(),
        });
        if let Some(parent) = parent {
            let name = self.index.scopes[id.index()].name.clone();
            self.index.scopes[parent.index()].items.push((name, Item::Scope(id)));
        }
        id
    }

    /// How the part's file is shown: relative to the workspace when inside it.
    pub(super) fn display(&self, path: &Path) -> String {
        self.workspace.relative(path).unwrap_or_else(|| path.display().to_string())
    }

    /// Reads the part's file; a warning when it cannot be.
    pub(super) fn read_file(&mut self, path: &Path) -> Option<String> {
        let display = self.display(path);
        match crate::fsutil::read_input_string(path, Path::new(&display), crate::ErrorKind::Workspace) {
            Ok(text) => Some(text),
            Err(err) => {
                let why = err.problems().first().map_or_else(String::new, |p| p.message.clone());
                let why = why.trim_start_matches("cannot read: ");
                let why = match why.strip_prefix("it ") {
                    Some(what) => what.to_string(),
                    None => format!("cannot be read ({why})"),
                };
                self.warn(Location::file(&display), &format!("{why}; its functions are not indexed"));
                None
            }
        }
    }

    /// Parses the part's file, registering it as file 0.
    pub(super) fn parse_file(&mut self, path: &Path, text: String) -> Option<Parsed> {
        let display = self.display(path);
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
        let file = FileId::from_index(self.index.files.len());
        self.index.files.push(SourceFile::new(path.to_path_buf(), display, text));
        Some(Parsed { file, base, ast })
    }

    pub(super) fn warn(&mut self, location: Location, message: &str) {
        let message = format!("{} {message}", location.file.display());
        self.index.warnings.push(Problem { location: Some(location), message, help: None });
    }

    fn offset(&self, ctx: &Ctx, span: Span) -> std::ops::Range<usize> {
        let range = span.byte_range();
        range.start + ctx.base..range.end + ctx.base
    }

    fn pos(&self, ctx: &Ctx, offset: usize) -> Pos {
        let (line, col) = self.index.files[ctx.file.index()].lines().position(offset);
        Pos { line, col }
    }

    /// Whether an item is opaque (inside an attribute macro's input, or under one
    /// itself); an item that starts the opacity records its span.
    fn opaque_item(&mut self, ctx: &Ctx, attrs: &[syn::Attribute], span: impl FnOnce() -> Span) -> bool {
        if ctx.opaque {
            return true;
        }
        let opaque = has_macro_attr(attrs);
        if opaque {
            self.add_opaque(ctx, span());
        }
        opaque
    }

    /// Indexes a free function and names it in its scope.
    fn add_free_fn(&mut self, ctx: &Ctx, f: &syn::ItemFn, opaque: bool) -> FnId {
        let parts = FnParts {
            attrs: &f.attrs,
            sig: &f.sig,
            start: fn_start(&f.vis, &f.modifiers, &f.sig),
            block: &f.block,
            owner: Owner::Free,
            opaque,
        };
        let id = self.add_fn(ctx, parts);
        self.push_item(ctx.scope, f.sig.ident.unraw_string(), Item::Fn(id));
        id
    }

    fn add_opaque(&mut self, ctx: &Ctx, span: Span) {
        let range = self.offset(ctx, span);
        let (start, end) = (self.pos(ctx, range.start), self.pos(ctx, range.end));
        self.index.files[ctx.file.index()].opaque.push((start, end));
    }

    pub(super) fn walk_items(&mut self, items: &[syn::Item], ctx: &Ctx) {
        for item in items {
            self.walk_item(item, ctx);
        }
    }

    fn walk_item(&mut self, item: &syn::Item, ctx: &Ctx) {
        match item {
            syn::Item::Fn(f) => {
                let opaque = self.opaque_item(ctx, &f.attrs, || f.span());
                self.add_free_fn(ctx, f, opaque);
            }
            syn::Item::Impl(imp) => {
                let opaque = self.opaque_item(ctx, &imp.attrs, || imp.span());
                let impl_id = ImplId::from_index(self.index.impls.len());
                self.index.impls.push(ImplDef {
                    scope: ctx.scope,
                    self_path: type_path(&imp.self_ty),
                    trait_path: imp.trait_.as_ref().map(|(path, _)| path_segments(path)),
                    trait_args: imp.trait_.as_ref().and_then(|(path, _)| {
                        match &path.segments.last()?.arguments {
                            syn::PathArguments::AngleBracketed(args) => {
                                Some(crate::source::path::generic_key(args))
                            }
                            _ => None,
                        }
                    }),
                    features: cfg_features(&imp.attrs),
                });
                for impl_item in &imp.items {
                    match impl_item {
                        syn::ImplItem::Fn(m) => {
                            let opaque = opaque || has_macro_attr(&m.attrs);
                            let start = fn_start(&m.vis, &m.modifiers, &m.sig);
                            let owner = Owner::Method(impl_id);
                            let parts = FnParts {
                                attrs: &m.attrs,
                                sig: &m.sig,
                                start,
                                block: &m.block,
                                owner,
                                opaque,
                            };
                            self.add_fn(ctx, parts);
                        }
                        syn::ImplItem::Macro(m) => {
                            let span = macro_span(&m.mac);
                            self.add_opaque(ctx, span);
                            let name =
                                m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                            let line = self.pos(ctx, self.offset(ctx, span).start).line;
                            self.index.scopes[ctx.scope.index()].macros.push(MacroUse {
                                name,
                                file: ctx.file,
                                line,
                            });
                        }
                        syn::ImplItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        syn::ImplItem::Const(c) => self.walk_expr(&c.expr, ctx),
                        _ => {}
                    }
                }
            }
            syn::Item::Trait(t) => {
                let opaque = self.opaque_item(ctx, &t.attrs, || t.span());
                let type_id = self.add_type(ctx, &t.ident, TypeKind::Trait);
                for trait_item in &t.items {
                    match trait_item {
                        syn::TraitItem::Fn(m) => {
                            if let Some(block) = &m.default {
                                let opaque = opaque || has_macro_attr(&m.attrs);
                                let start = fn_start(&syn::Visibility::Inherited, &m.modifiers, &m.sig);
                                let owner = Owner::TraitDefault(type_id);
                                self.add_fn(
                                    ctx,
                                    FnParts { attrs: &m.attrs, sig: &m.sig, start, block, owner, opaque },
                                );
                            }
                        }
                        syn::TraitItem::Macro(m) => self.add_opaque(ctx, macro_span(&m.mac)),
                        syn::TraitItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        _ => {}
                    }
                }
            }
            syn::Item::Struct(s) => {
                let id = self.type_item(ctx, &s.attrs, &s.ident, TypeKind::Struct, || s.span());
                self.index.types[id.index()].fields = s.fields.iter().map(|f| quote_tokens(&f.ty)).collect();
            }
            syn::Item::Enum(e) => {
                self.type_item(ctx, &e.attrs, &e.ident, TypeKind::Enum, || e.span());
            }
            syn::Item::Union(u) => {
                self.type_item(ctx, &u.attrs, &u.ident, TypeKind::Union, || u.span());
            }
            syn::Item::Type(t) => {
                self.type_item(ctx, &t.attrs, &t.ident, TypeKind::Alias, || t.span());
            }
            syn::Item::Mod(m) => self.walk_mod(m, ctx),
            syn::Item::Use(u) => {
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                let mut prefix = if u.leading_colon.is_some() { vec![String::new()] } else { Vec::new() };
                let mut uses = Vec::new();
                flatten_use(&u.tree, &mut prefix, public, &mut uses);
                self.index.scopes[ctx.scope.index()].uses.extend(uses);
            }
            syn::Item::Macro(m) => {
                let span = macro_span(&m.mac);
                self.add_opaque(ctx, span);
                let name = m.mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
                if name != "macro_rules" {
                    let line = self.pos(ctx, self.offset(ctx, span).start).line;
                    self.index.scopes[ctx.scope.index()].macros.push(MacroUse { name, file: ctx.file, line });
                }
                if m.mac.path.segments.last().is_some_and(|s| s.ident == "proptest") {
                    self.walk_proptest(&m.mac, ctx);
                }
            }
            syn::Item::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
            syn::Item::Const(c) => {
                // A string constant may name a failpoint.
                if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(value), .. }) = &*c.expr {
                    self.index.scopes[ctx.scope.index()].consts.push((c.ident.unraw_string(), value.value()));
                }
                self.walk_expr(&c.expr, ctx);
            }
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
        span: impl FnOnce() -> Span,
    ) -> TypeId {
        if has_macro_attr(attrs) || attrs.iter().any(|a| a.path().is_ident("derive")) {
            // Derives and attribute macros may generate instrumented code here.
            self.add_opaque(ctx, span());
        }
        self.add_type(ctx, ident, kind)
    }

    fn add_type(&mut self, ctx: &Ctx, ident: &syn::Ident, kind: TypeKind) -> TypeId {
        let id = TypeId::from_index(self.index.types.len());
        let offset = self.offset(ctx, ident.span()).start;
        let line = self.pos(ctx, offset).line;
        let name = ident.unraw_string();
        self.index.types.push(TypeDef {
            name: name.clone(),
            scope: ctx.scope,
            kind,
            file: ctx.file,
            line,
            fields: Vec::new(),
        });
        self.push_item(ctx.scope, name, Item::Type(id));
        id
    }

    fn push_item(&mut self, scope: ScopeId, name: String, item: Item) {
        self.index.scopes[scope.index()].items.push((name, item));
    }

    /// Indexes a function and walks its body.
    fn add_fn(&mut self, ctx: &Ctx, parts: FnParts<'_>) -> FnId {
        let FnParts { attrs, sig, start, block, owner, opaque } = parts;
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
            test: test_attrs(attrs),
            features: cfg_features(attrs),
            doc_example: has_doc_example(attrs),
            signature: signature_facts(sig),
            facts: BodyFacts::default(),
            failpoints: Vec::new(),
        });
        self.walk_body(block, Some(id), ctx, opaque);
        id
    }

    /// The `#[test] fn`s of a `proptest! { … }` block: their arguments
    /// (`x in 0..10`) are not Rust, so each is re-read as `fn name() { body }` with
    /// its own spans.
    fn walk_proptest(&mut self, mac: &syn::Macro, ctx: &Ctx) {
        use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
        let mut pending: Vec<TokenTree> = Vec::new();
        let mut tokens = mac.tokens.clone().into_iter().peekable();
        while let Some(tree) = tokens.next() {
            match &tree {
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    // An attribute: `#` and its bracket group (`#!` configs are dropped).
                    if let Some(TokenTree::Punct(bang)) = tokens.peek()
                        && bang.as_char() == '!'
                    {
                        tokens.next();
                        tokens.next();
                        continue;
                    }
                    pending.push(tree.clone());
                    if let Some(group) = tokens.next() {
                        pending.push(group);
                    }
                }
                TokenTree::Ident(ident) if ident == "fn" => {
                    let Some(name @ TokenTree::Ident(_)) = tokens.next() else { break };
                    // Skip the arguments and any return type, up to the body.
                    let body = loop {
                        match tokens.next() {
                            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => break Some(g),
                            Some(_) => {}
                            None => break None,
                        }
                    };
                    let Some(body) = body else { break };
                    let mut item: TokenStream = std::mem::take(&mut pending).into_iter().collect();
                    item.extend([
                        tree.clone(),
                        name,
                        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenStream::new())),
                        TokenTree::Group(body),
                    ]);
                    if let Ok(f) = syn::parse2::<syn::ItemFn>(item) {
                        let id = self.add_free_fn(ctx, &f, true);
                        if let Some(test) = &mut self.index.fns[id.index()].test {
                            test.kind = TestKind::Proptest;
                        }
                    }
                }
                _ => pending.clear(),
            }
        }
    }

    fn walk_mod(&mut self, m: &syn::ItemMod, ctx: &Ctx) {
        let name = m.ident.unraw_string();
        let krate = self.index.scopes[ctx.scope.index()].krate;
        let cfg = cfg_of(&m.attrs);
        let opaque = self.opaque_item(ctx, &m.attrs, || m.span());
        let path_attr = path_attr(&m.attrs);
        if let Some((_, items)) = &m.content {
            let scope = self.new_scope(name.clone(), ScopeKind::Module, Some(ctx.scope), krate, cfg);
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
        let Some(file) = candidates.iter().find(|p| self.probe(p)) else {
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
        let file_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let job = Job {
            path: file.clone(),
            children_dir: children_dir.unwrap_or_else(|| file_dir.clone()),
            path_attr_dir: file_dir,
            opaque,
        };
        self.pending.push(PendingMod { parent: ctx.scope, name, cfg, job });
    }

    /// Whether `path` is a file, remembered: the part depends on the answer.
    fn probe(&mut self, path: &Path) -> bool {
        let found = path.is_file();
        self.probes.push(Probe { path: path.to_path_buf(), found });
        found
    }

    /// Records closure and async-body entries in a function body, and indexes the
    /// items declared inside it in a scope named after the function.
    fn walk_body(&mut self, block: &syn::Block, owner: Option<FnId>, ctx: &Ctx, opaque: bool) {
        let mut visitor = BodyVisitor::default();
        visitor.visit_block(block);
        self.record_body(&visitor, ctx);
        if let Some(owner) = owner {
            let sites = visitor.failpoints.iter().map(|raw| self.failpoint_site(ctx, raw)).collect();
            self.index.fns[owner.index()].failpoints = sites;
            let mut facts = std::mem::take(&mut visitor.facts);
            facts.calls.sort_unstable();
            facts.calls.dedup();
            facts.checked.sort_unstable();
            facts.checked.dedup();
            self.index.fns[owner.index()].facts = facts;
        }
        if visitor.items.is_empty() {
            return;
        }
        let Some(owner) = owner else { return };
        let krate = self.index.scopes[ctx.scope.index()].krate;
        let name = self.index.fns[owner.index()].name.clone();
        let body_scope = if self.index.fns[owner.index()].owner == Owner::Free {
            self.new_scope(name, ScopeKind::FnBody(owner), Some(ctx.scope), krate, Cfg::default())
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
                cfg: Cfg::default(),
                macros: Vec::new(),
                consts: Vec::new(),
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

    fn failpoint_site(&self, ctx: &Ctx, raw: &RawFailpoint) -> FailpointSite {
        let range = self.offset(ctx, raw.span);
        let closure = raw.closure.map(|span| {
            let range = self.offset(ctx, span);
            (self.pos(ctx, range.start), self.pos(ctx, range.end))
        });
        FailpointSite {
            name: raw.name.clone(),
            start: self.pos(ctx, range.start),
            end: self.pos(ctx, range.end),
            closure,
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
