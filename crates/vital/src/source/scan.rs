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
    BodyFacts, CallRef, CrateId, CrateRoot, FileId, FnDef, FnId, ImplDef, ImplId, Item, Owner, ParamKind,
    Scope, ScopeId, ScopeKind, SignatureFacts, SourceFile, SourceIndex, TestAttrs, TestKind, TypeDef, TypeId,
    TypeKind, UseDecl,
};
use crate::coverage::Pos;
use crate::error::{Location, Problem};
use crate::text::LineIndex;
use crate::workspace::{Package, Target, Workspace};

/// Indexes the lib, bin and test targets of every member of `workspace`. Files that
/// cannot be read or parsed are skipped with a warning in
/// [`SourceIndex::warnings`].
///
/// Files are parsed in parallel: each is parsed and walked on one thread (syn's
/// spans belong to the thread that made them) into a [`Part`], a file-local index
/// whose `mod x;` declarations are left pending; the parts are then assembled in
/// declaration order, so ids do not depend on the threads' timing.
pub fn scan_workspace(workspace: &Workspace) -> SourceIndex {
    let mut roots = Vec::new();
    for package in &workspace.packages {
        for target in &package.targets {
            let dir = target.src_path.parent().map(Path::to_path_buf).unwrap_or_default();
            let job = Job {
                path: target.src_path.clone(),
                children_dir: dir.clone(),
                path_attr_dir: dir,
                opaque: false,
            };
            roots.push((package, target, job));
        }
    }
    let parts = scan_parts(workspace, roots.iter().map(|(_, _, job)| job.clone()).collect());
    let mut assembler = Assembler { index: SourceIndex::default(), file_ids: HashMap::new(), parts: &parts };
    for (package, target, job) in &roots {
        assembler.add_crate(package, target, job);
    }
    let mut index = assembler.index;
    for file in &mut index.files {
        file.bodies.sort_unstable();
        file.bodies.dedup();
        file.opaque.sort_unstable();
        file.opaque.dedup();
    }
    index
}

/// A file to parse, with what its walk depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Job {
    path: PathBuf,
    /// Where its `mod x;` declarations look for their files.
    children_dir: PathBuf,
    /// What its `#[path]` attributes are relative to.
    path_attr_dir: PathBuf,
    /// Whether it is inside an item under an attribute macro.
    opaque: bool,
}

/// A `mod x;` declaration whose file is another part.
#[derive(Debug, Clone)]
struct PendingMod {
    /// The (part-local) scope that declares it.
    parent: ScopeId,
    name: String,
    test_only: bool,
    job: Job,
}

/// One file, walked: an index of its own (file 0, its module scope 0, crate 0), and
/// the module files it declares.
#[derive(Debug, Default)]
struct Part {
    index: SourceIndex,
    pending: Vec<PendingMod>,
}

/// Parses the files of `roots` and of every module they declare, on as many threads
/// as the machine has.
fn scan_parts(workspace: &Workspace, roots: Vec<Job>) -> HashMap<Job, Part> {
    use std::collections::{HashSet, VecDeque};
    use std::sync::{Condvar, Mutex};

    struct Queue {
        jobs: VecDeque<Job>,
        seen: HashSet<Job>,
        in_flight: usize,
    }
    let seen: HashSet<Job> = roots.iter().cloned().collect();
    let queue = Mutex::new(Queue { jobs: roots.into_iter().collect(), seen, in_flight: 0 });
    let ready = Condvar::new();
    let parts = Mutex::new(HashMap::new());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let job = {
                        let mut q = queue.lock().expect("the scan queue is not poisoned");
                        loop {
                            if let Some(job) = q.jobs.pop_front() {
                                q.in_flight += 1;
                                break Some(job);
                            }
                            if q.in_flight == 0 {
                                break None;
                            }
                            q = ready.wait(q).expect("the scan queue is not poisoned");
                        }
                    };
                    let Some(job) = job else {
                        ready.notify_all();
                        return;
                    };
                    let part = scan_part(workspace, &job);
                    // This thread's syntax trees are gone: free proc-macro2's span table.
                    proc_macro2::extra::invalidate_current_thread_spans();
                    let mut q = queue.lock().expect("the scan queue is not poisoned");
                    for pending in &part.pending {
                        if q.seen.insert(pending.job.clone()) {
                            q.jobs.push_back(pending.job.clone());
                        }
                    }
                    q.in_flight -= 1;
                    parts.lock().expect("the parts are not poisoned").insert(job, part);
                    drop(q);
                    ready.notify_all();
                }
            });
        }
    });
    parts.into_inner().expect("the parts are not poisoned")
}

/// Parses and walks one file into a part.
fn scan_part(workspace: &Workspace, job: &Job) -> Part {
    let mut scanner = Scanner { workspace, index: SourceIndex::default(), pending: Vec::new() };
    let root = scanner.new_scope(String::new(), ScopeKind::Module, None, CrateId(0), false);
    if let Some(parsed) = scanner.parse_file(&job.path) {
        let ctx = Ctx {
            scope: root,
            file: parsed.file,
            base: parsed.base,
            children_dir: job.children_dir.clone(),
            path_attr_dir: job.path_attr_dir.clone(),
            opaque: job.opaque,
        };
        scanner.walk_items(&parsed.ast.items, &ctx);
    }
    Part { index: scanner.index, pending: scanner.pending }
}

/// Puts the parts together into one index, in declaration order.
struct Assembler<'p> {
    index: SourceIndex,
    file_ids: HashMap<PathBuf, FileId>,
    parts: &'p HashMap<Job, Part>,
}

impl Assembler<'_> {
    fn add_crate(&mut self, package: &Package, target: &Target, job: &Job) {
        let krate = CrateId::from_index(self.index.crates.len());
        let root_scope = ScopeId::from_index(self.index.scopes.len());
        self.index.crates.push(CrateRoot {
            name: target.name.clone(),
            package: package.name.clone(),
            kind: target.kind,
            root_scope,
        });
        self.add_part(job, target.name.clone(), None, krate, false, &mut Vec::new());
    }

    /// Adds the part of `job` as module `name` (its root scope) under `parent`, then
    /// the parts of the modules it declares. `stack` holds the files being added, to
    /// stop at a module that includes itself.
    fn add_part(
        &mut self,
        job: &Job,
        name: String,
        parent: Option<ScopeId>,
        krate: CrateId,
        test_only: bool,
        stack: &mut Vec<PathBuf>,
    ) -> ScopeId {
        let part = &self.parts[job];
        let (scopes, fns, types, impls) =
            (self.index.scopes.len(), self.index.fns.len(), self.index.types.len(), self.index.impls.len());
        let scope_id = |s: ScopeId| ScopeId::from_index(s.index() + scopes);
        let fn_id = |f: FnId| FnId::from_index(f.index() + fns);
        let type_id = |t: TypeId| TypeId::from_index(t.index() + types);
        let file = part.index.files.first().map(|f| match self.file_ids.get(&f.path) {
            Some(&id) => id,
            None => {
                let id = FileId::from_index(self.index.files.len());
                self.file_ids.insert(f.path.clone(), id);
                self.index.files.push(f.clone());
                id
            }
        });
        let file_id = |_: FileId| file.expect("items come from a parsed file");
        for (i, scope) in part.index.scopes.iter().enumerate() {
            let root = i == 0;
            self.index.scopes.push(Scope {
                name: if root { name.clone() } else { scope.name.clone() },
                kind: match scope.kind {
                    ScopeKind::Module => ScopeKind::Module,
                    ScopeKind::FnBody(f) => ScopeKind::FnBody(fn_id(f)),
                },
                parent: if root { parent } else { scope.parent.map(scope_id) },
                krate,
                items: scope
                    .items
                    .iter()
                    .map(|(n, item)| {
                        let item = match *item {
                            Item::Scope(s) => Item::Scope(scope_id(s)),
                            Item::Fn(f) => Item::Fn(fn_id(f)),
                            Item::Type(t) => Item::Type(type_id(t)),
                        };
                        (n.clone(), item)
                    })
                    .collect(),
                uses: scope.uses.clone(),
                test_only: if root { test_only } else { scope.test_only },
            });
        }
        let root = ScopeId::from_index(scopes);
        if let Some(parent) = parent {
            self.index.scopes[parent.index()].items.push((name, Item::Scope(root)));
        }
        self.index.fns.extend(part.index.fns.iter().map(|f| FnDef {
            scope: scope_id(f.scope),
            owner: match f.owner {
                Owner::Free => Owner::Free,
                Owner::Method(imp) => Owner::Method(ImplId::from_index(imp.index() + impls)),
                Owner::TraitDefault(t) => Owner::TraitDefault(type_id(t)),
            },
            file: file_id(f.file),
            ..f.clone()
        }));
        self.index.types.extend(part.index.types.iter().map(|t| TypeDef {
            scope: scope_id(t.scope),
            file: file_id(t.file),
            ..t.clone()
        }));
        self.index
            .impls
            .extend(part.index.impls.iter().map(|imp| ImplDef { scope: scope_id(imp.scope), ..imp.clone() }));
        self.index.warnings.extend(part.index.warnings.iter().cloned());

        stack.push(job.path.clone());
        for pending in &part.pending {
            if stack.contains(&pending.job.path) {
                self.index.warnings.push(Problem {
                    location: Some(Location::file(self.index.files[file_id(FileId(0)).index()].rel.clone())),
                    message: format!("module `{}` includes its own file: it is indexed once", pending.name),
                    help: None,
                });
                continue;
            }
            self.add_part(
                &pending.job,
                pending.name.clone(),
                Some(scope_id(pending.parent)),
                krate,
                pending.test_only,
                stack,
            );
        }
        stack.pop();
        root
    }
}

struct Scanner<'w> {
    workspace: &'w Workspace,
    index: SourceIndex,
    pending: Vec<PendingMod>,
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
struct Parsed {
    file: FileId,
    base: usize,
    ast: syn::File,
}

impl Scanner<'_> {
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

    /// Reads and parses the part's file, registering it as file 0.
    fn parse_file(&mut self, path: &Path) -> Option<Parsed> {
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
                self.warn(
                    Location::file(&display),
                    &format!("cannot be read ({err}); its functions are not indexed"),
                );
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
        let file = FileId::from_index(self.index.files.len());
        self.index.files.push(SourceFile {
            path: path.to_path_buf(),
            rel: display,
            lines: LineIndex::new(&text),
            text,
            bodies: Vec::new(),
            opaque: Vec::new(),
        });
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

    /// Whether an item is opaque (inside an attribute macro's input, or under one
    /// itself); an item that starts the opacity records its span.
    fn opaque_item(&mut self, ctx: &Ctx, attrs: &[syn::Attribute], span: Span) -> bool {
        if ctx.opaque {
            return true;
        }
        let opaque = has_macro_attr(attrs);
        if opaque {
            self.add_opaque(ctx, span);
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

    fn walk_items(&mut self, items: &[syn::Item], ctx: &Ctx) {
        for item in items {
            self.walk_item(item, ctx);
        }
    }

    fn walk_item(&mut self, item: &syn::Item, ctx: &Ctx) {
        match item {
            syn::Item::Fn(f) => {
                let opaque = self.opaque_item(ctx, &f.attrs, f.span());
                self.add_free_fn(ctx, f, opaque);
            }
            syn::Item::Impl(imp) => {
                let opaque = self.opaque_item(ctx, &imp.attrs, imp.span());
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
                        syn::ImplItem::Macro(m) => self.add_opaque(ctx, m.span()),
                        syn::ImplItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        syn::ImplItem::Const(c) => self.walk_expr(&c.expr, ctx),
                        _ => {}
                    }
                }
            }
            syn::Item::Trait(t) => {
                let opaque = self.opaque_item(ctx, &t.attrs, t.span());
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
                        syn::TraitItem::Macro(m) => self.add_opaque(ctx, m.span()),
                        syn::TraitItem::Verbatim(tokens) => self.add_opaque(ctx, tokens.span()),
                        _ => {}
                    }
                }
            }
            syn::Item::Struct(s) => {
                let id = self.type_item(ctx, &s.attrs, &s.ident, TypeKind::Struct, s.span());
                self.index.types[id.index()].fields = s.fields.iter().map(|f| quote_tokens(&f.ty)).collect();
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
            syn::Item::Macro(m) => {
                self.add_opaque(ctx, m.span());
                if m.mac.path.segments.last().is_some_and(|s| s.ident == "proptest") {
                    self.walk_proptest(&m.mac, ctx);
                }
            }
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
    ) -> TypeId {
        if has_macro_attr(attrs) || attrs.iter().any(|a| a.path().is_ident("derive")) {
            // Derives and attribute macros may generate instrumented code here.
            self.add_opaque(ctx, span);
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
            signature: signature_facts(sig),
            facts: BodyFacts::default(),
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
        let test_only = is_cfg_test(&m.attrs);
        let opaque = self.opaque_item(ctx, &m.attrs, m.span());
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
        let file_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let job = Job {
            path: file.clone(),
            children_dir: children_dir.unwrap_or_else(|| file_dir.clone()),
            path_attr_dir: file_dir,
            opaque,
        };
        self.pending.push(PendingMod { parent: ctx.scope, name, test_only, job });
    }

    /// Records closure and async-body entries in a function body, and indexes the
    /// items declared inside it in a scope named after the function.
    fn walk_body(&mut self, block: &syn::Block, owner: Option<FnId>, ctx: &Ctx, opaque: bool) {
        let mut visitor = BodyVisitor::default();
        visitor.visit_block(block);
        self.record_body(&visitor, ctx);
        if let Some(owner) = owner {
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
/// invocations, the items declared inside (which it does not enter), and the
/// [`BodyFacts`]: calls by name, checked calls, assertions.
#[derive(Default)]
struct BodyVisitor<'ast> {
    bodies: Vec<Span>,
    macros: Vec<Span>,
    items: Vec<&'ast syn::Item>,
    facts: BodyFacts,
    /// Inside the branch of an `if`, a `match` arm or a `let … else`.
    branch_depth: usize,
    /// `let name = <expr>;`: the calls whose result `name` holds.
    bindings: HashMap<String, Vec<CallRef>>,
}

impl BodyVisitor<'_> {
    /// The calls whose result `expr` is: `f(…)`, `x.f(…)` (and what `x` is the
    /// result of, for adapters like `.map_err(…)`), through `.await`, `?`,
    /// parentheses and `let` bindings.
    fn heads(&self, expr: &syn::Expr) -> Vec<CallRef> {
        match expr {
            syn::Expr::Call(call) => match &*call.func {
                syn::Expr::Path(p) => call_of_path(&p.path).into_iter().collect(),
                _ => Vec::new(),
            },
            syn::Expr::MethodCall(m) => {
                let mut out = method_calls(m);
                out.extend(self.heads(&m.receiver));
                out
            }
            syn::Expr::Await(a) => self.heads(&a.base),
            syn::Expr::Try(t) => self.heads(&t.expr),
            syn::Expr::Paren(p) => self.heads(&p.expr),
            syn::Expr::Group(g) => self.heads(&g.expr),
            syn::Expr::Reference(r) => self.heads(&r.expr),
            syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                self.bindings.get(&p.path.segments[0].ident.unraw_string()).cloned().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn in_branch(&mut self, visit: impl FnOnce(&mut Self)) {
        self.branch_depth += 1;
        visit(self);
        self.branch_depth -= 1;
    }
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

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        match &*call.func {
            syn::Expr::Path(p) => {
                self.facts.calls.extend(call_of_path(&p.path));
                self.facts.uses_fs |= mentions_fs(&p.path);
            }
            other => self.visit_expr(other),
        }
        for arg in &call.args {
            self.visit_expr(arg);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.facts.calls.extend(method_calls(m));
        if matches!(m.method.to_string().as_str(), "unwrap" | "expect" | "unwrap_err" | "expect_err") {
            let heads = self.heads(&m.receiver);
            self.facts.checked.extend(heads);
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        let heads = self.heads(&t.expr);
        self.facts.checked.extend(heads);
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        // A function passed by path (`.map(Store::write)`); single names are
        // mostly local variables.
        if p.qself.is_none() && p.path.segments.len() >= 2 {
            self.facts.calls.extend(call_of_path(&p.path));
            self.facts.uses_fs |= mentions_fs(&p.path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.facts.uses_fs |= mentions_fs(path);
        syn::visit::visit_path(self, path);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
            let heads = self.heads(&init.expr);
            self.bindings.insert(ident.ident.unraw_string(), heads);
        }
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.in_branch(|v| v.visit_expr(diverge));
            }
        }
        self.visit_pat(&local.pat);
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        self.visit_expr(&e.cond);
        self.in_branch(|v| {
            v.visit_block(&e.then_branch);
            if let Some((_, else_branch)) = &e.else_branch {
                v.visit_expr(else_branch);
            }
        });
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.in_branch(|v| syn::visit::visit_arm(v, arm));
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macros.push(mac.span());
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if is_assertion_macro(&name)
            || (self.branch_depth > 0 && matches!(name.as_str(), "panic" | "unreachable"))
        {
            self.facts.asserts = true;
        }
        // Look inside: `assert_eq!(store.get(k), …)` calls `get`.
        let args =
            mac.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
        match args {
            Ok(args) => {
                // The arguments are parsed here, not borrowed from the file's tree: a
                // visitor of their own, merged back.
                let mut inner = BodyVisitor {
                    branch_depth: self.branch_depth,
                    bindings: std::mem::take(&mut self.bindings),
                    ..BodyVisitor::default()
                };
                for arg in &args {
                    inner.visit_expr(arg);
                }
                self.bindings = inner.bindings;
                self.bodies.extend(inner.bodies);
                self.macros.extend(inner.macros);
                self.facts.calls.extend(inner.facts.calls);
                self.facts.checked.extend(inner.facts.checked);
                self.facts.asserts |= inner.facts.asserts;
                self.facts.uses_fs |= inner.facts.uses_fs;
            }
            Err(_) => scan_tokens_for_calls(mac.tokens.clone(), &mut self.facts.calls),
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(item);
    }
}

/// Whether a macro of this name asserts: `assert*`, `debug_assert*`,
/// `prop_assert*`, and the matcher macros of googletest-like crates.
fn is_assertion_macro(name: &str) -> bool {
    name.starts_with("assert")
        || name.starts_with("debug_assert")
        || name.starts_with("prop_assert")
        || matches!(name, "expect_that" | "verify_that" | "expect_pred" | "check")
}

/// `f` / `Type::f` / `module::f` as a call.
fn call_of_path(path: &syn::Path) -> Option<CallRef> {
    let mut segments = path.segments.iter().rev();
    let last = segments.next()?;
    let qualifier = segments.next().map(|s| s.ident.unraw_string());
    Some(CallRef { name: last.ident.unraw_string(), qualifier })
}

/// A method call, and what it stands for: `s.parse::<T>()` also calls
/// `T::from_str`, `.into()` also `from`, `.try_into()` also `try_from`.
fn method_calls(m: &syn::ExprMethodCall) -> Vec<CallRef> {
    let name = m.method.unraw_string();
    let mut out = vec![CallRef { name: name.clone(), qualifier: None }];
    let turbofish = m.turbofish.as_ref().and_then(|t| t.args.first()).and_then(|arg| match arg {
        syn::GenericArgument::Type(ty) => type_path(ty).last().cloned(),
        _ => None,
    });
    match name.as_str() {
        "parse" => out.push(CallRef { name: "from_str".into(), qualifier: turbofish }),
        "into" => out.push(CallRef { name: "from".into(), qualifier: None }),
        "try_into" => out.push(CallRef { name: "try_from".into(), qualifier: None }),
        _ => {}
    }
    out
}

/// Calls in the tokens of a macro that is not a list of expressions
/// (`matches!(x.f(), P)`, `vec![f(); n]`): `name(` and `::name(`.
fn scan_tokens_for_calls(tokens: proc_macro2::TokenStream, out: &mut Vec<CallRef>) {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let called = matches!(trees.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                if called {
                    let qualifier =
                        match (i.checked_sub(3).map(|j| &trees[j]), i.checked_sub(1).map(|j| &trees[j])) {
                            (Some(TokenTree::Ident(q)), Some(TokenTree::Punct(p))) if p.as_char() == ':' => {
                                Some(q.to_string())
                            }
                            _ => None,
                        };
                    out.push(CallRef { name: ident.to_string(), qualifier });
                }
            }
            TokenTree::Group(group) => scan_tokens_for_calls(group.stream(), out),
            _ => {}
        }
    }
}

fn mentions_fs(path: &syn::Path) -> bool {
    path.segments.iter().any(|s| matches!(s.ident.to_string().as_str(), "fs" | "File" | "OpenOptions"))
}

/// The test attributes among `attrs`, when the function is a test.
fn test_attrs(attrs: &[syn::Attribute]) -> Option<TestAttrs> {
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

fn param_kind(ty: &syn::Type) -> ParamKind {
    match ty {
        syn::Type::Reference(r) => param_kind(&r.elem),
        syn::Type::Slice(_) | syn::Type::Array(_) => ParamKind::Collection,
        syn::Type::Paren(p) => param_kind(&p.elem),
        syn::Type::Group(g) => param_kind(&g.elem),
        syn::Type::ImplTrait(t) => {
            let text = quote::ToTokens::to_token_stream(&t.bounds).to_string();
            if text.contains("AsRef < Path >") {
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

fn signature_facts(sig: &syn::Signature) -> SignatureFacts {
    let mut facts = SignatureFacts::default();
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(r) => {
                facts.has_self = true;
                facts.shared_self = matches!(r.kind, syn::ReceiverKind::Reference(_, _, None));
            }
            syn::FnArg::Typed(t) => facts.params.push(param_kind(&t.ty)),
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
