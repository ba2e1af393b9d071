//! The syn walker: from each target's root file, follow `mod` declarations the way
//! rustc does and index every function, type, `impl`, `use` and module.
//!
//! Module files: `mod x;` in a scope whose children live in directory `D` is `D/x.rs`
//! or `D/x/mod.rs`; the children of both live in `D/x/`. A crate root's children
//! live next to it. `#[path = "p"]` outside inline modules is relative to the
//! directory of the file that declares it, and the file it names holds its children
//! next to it (rustc treats it as a `mod.rs`); inside an inline module it is relative
//! to that module's directory.
//!
//! By concern: this module schedules files on threads and assembles their parts;
//! [`items`] walks the items of one file (modules, functions, types, impls, uses);
//! [`body`] reads a function body (closures, calls, assertions); [`syntax`] reads
//! attributes, signatures and paths.

mod body;
mod items;
mod syntax;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::depth;
use super::{
    Cfg, CrateId, CrateRoot, FileId, FnDef, FnId, ImplDef, ImplId, Item, MacroUse, Owner, Scope, ScopeId,
    ScopeKind, SourceIndex, TypeDef, TypeId,
};
use crate::error::{Location, Problem};
use crate::workspace::{Package, Target, Workspace};
use items::{Ctx, Scanner};

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
pub(super) struct Job {
    pub(super) path: PathBuf,
    /// Where its `mod x;` declarations look for their files.
    pub(super) children_dir: PathBuf,
    /// What its `#[path]` attributes are relative to.
    pub(super) path_attr_dir: PathBuf,
    /// Whether it is inside an item under an attribute macro.
    pub(super) opaque: bool,
}

/// A `mod x;` declaration whose file is another part.
#[derive(Debug, Clone)]
pub(super) struct PendingMod {
    /// The (part-local) scope that declares it.
    pub(super) parent: ScopeId,
    pub(super) name: String,
    pub(super) cfg: Cfg,
    pub(super) job: Job,
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
    // Each worker knows how much stack a file parsed on it may use.
    let work = |budget: usize| {
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
            let part = scan_part(workspace, &job, budget);
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
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            // A machine that cannot give a thread a large stack still scans: files
            // that need more are then parsed on threads of their own (`scan_part`).
            let large = std::thread::Builder::new()
                .stack_size(depth::POOL_STACK)
                .spawn_scoped(scope, move || work(depth::POOL_BUDGET));
            if large.is_err() {
                scope.spawn(move || work(depth::SMALL_BUDGET));
            }
        }
    });
    parts.into_inner().expect("the parts are not poisoned")
}

/// Reads, parses and walks one file into a part: on the calling (scanning) thread
/// when its nesting fits that thread's stack, else on a thread with a stack sized
/// for it; a file too deep for any is not indexed, with a warning.
fn scan_part(workspace: &Workspace, job: &Job, budget: usize) -> Part {
    let mut scanner = Scanner { workspace, index: SourceIndex::default(), pending: Vec::new() };
    let root = scanner.new_scope(String::new(), ScopeKind::Module, None, CrateId(0), Cfg::default());
    let Some(text) = scanner.read_file(&job.path) else {
        return Part { index: scanner.index, pending: scanner.pending };
    };
    let need = depth::stack_estimate(&text);
    let scanner = if need <= budget {
        parse_and_walk(scanner, job, root, text)
    } else {
        let display = scanner.display(&job.path);
        let mut fallback = Scanner { workspace, index: SourceIndex::default(), pending: Vec::new() };
        fallback.new_scope(String::new(), ScopeKind::Module, None, CrateId(0), Cfg::default());
        match depth::run_with_stack(need, move || {
            let scanner = parse_and_walk(scanner, job, root, text);
            proc_macro2::extra::invalidate_current_thread_spans();
            scanner
        }) {
            Some(scanner) => scanner,
            None => {
                fallback.warn(
                    Location::file(&display),
                    &format!(
                        "nests too deeply to be parsed safely (it would need an estimated {} MiB of stack); \
                         its functions are not indexed",
                        need >> 20
                    ),
                );
                fallback
            }
        }
    };
    Part { index: scanner.index, pending: scanner.pending }
}

fn parse_and_walk<'w>(mut scanner: Scanner<'w>, job: &Job, root: ScopeId, text: String) -> Scanner<'w> {
    if let Some(parsed) = scanner.parse_file(&job.path, text) {
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
    scanner
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
        self.add_part(job, target.name.clone(), None, krate, &Cfg::default(), &mut Vec::new());
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
        cfg: &Cfg,
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
                cfg: if root { cfg.clone() } else { scope.cfg.clone() },
                macros: scope
                    .macros
                    .iter()
                    .map(|m| MacroUse { file: file_id(m.file), ..m.clone() })
                    .collect(),
                consts: scope.consts.clone(),
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
                &pending.cfg,
                stack,
            );
        }
        stack.pop();
        root
    }
}
