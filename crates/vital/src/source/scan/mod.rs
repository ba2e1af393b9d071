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

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::cache::{self, ContentKey, Probe, ScanCache, StoredEntry};
use super::depth;
use super::{
    Cfg, CrateId, CrateRoot, FileId, FnDef, FnId, ImplDef, ImplId, Item, Owner, ScopeId, ScopeKind,
    SourceIndex, TypeDef, TypeId,
};
use crate::error::{Location, Problem};
use crate::workspace::{Package, Target, Workspace};
use items::{Ctx, Scanner};

/// Indexes the lib, bin and test targets of every member of `workspace`. Files that
/// cannot be read or parsed are skipped with a warning in
/// [`SourceIndex::warnings`]. See [`Scan`] to read only some members, and to
/// remember what was read between runs.
pub fn scan_workspace(workspace: &Workspace) -> SourceIndex {
    let all: BTreeSet<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    Scan::new(workspace, None).index(&all)
}

/// A scan of a workspace's source, package by package: the files read so far and,
/// with a [`ScanCache`], what earlier runs found in the files that did not change.
///
/// Files are parsed in parallel: each is parsed and walked on one thread (syn's
/// spans belong to the thread that made them) into a [`Part`], a file-local index
/// whose `mod x;` declarations are left pending; the parts are then assembled in
/// declaration order, so ids do not depend on the threads' timing, nor on whether a
/// part was parsed or remembered.
#[derive(Debug)]
pub struct Scan<'w> {
    workspace: &'w Workspace,
    cache: Option<ScanCache>,
    files: HashMap<Job, Scanned>,
    /// The packages whose crates were read, by name.
    read: BTreeSet<String>,
}

/// What a scan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// The packages whose crates were read, by name.
    pub packages: Vec<String>,
    /// The source files read.
    pub files: usize,
    /// Those parsed with syn.
    pub parsed: usize,
    /// Those whose part came from the cache.
    pub cached: usize,
}

/// How a file's part was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Remembered by the cache.
    Cached,
    /// Parsed now.
    Parsed,
    /// Parsed now, or not read at all, in a way that must not be remembered (a file
    /// that could not be read, or too deep for the stack this machine gave it).
    Unremembered,
}

/// A file's part, with its content key and where it came from.
#[derive(Debug)]
struct Scanned {
    /// The part, until an index takes it.
    part: Option<Part>,
    /// The part encoded: to make it again once an index took it, and to save it.
    encoded: Encoded,
    /// The module files it declares.
    children: Vec<Job>,
    /// Its text, when it could be read.
    text: Option<Arc<String>>,
    /// The module files its walk looked for.
    probes: Vec<Probe>,
    content: Option<ContentKey>,
    origin: Origin,
}

/// Where a part's encoding is.
#[derive(Debug)]
enum Encoded {
    /// In the cache file of the package (by index in the workspace) it was found in.
    InCache(usize, Range<usize>),
    /// Here.
    Here(Vec<u8>),
    /// Nowhere: it could not be encoded; it is cloned instead.
    Nowhere,
}

impl Scanned {
    /// A part parsed now (or not read at all). Only its encoding is kept: the part
    /// was made among the syntax tree's allocations, on a scanning thread; made again
    /// where the index is assembled, it is compact there, and the scanning threads'
    /// memory can go back whole (a cold check's peak is the export plus what the scan
    /// kept).
    fn made(part: Part, text: Option<Arc<String>>, content: Option<ContentKey>, origin: Origin) -> Scanned {
        let children = part.pending.iter().map(|p| p.job.clone()).collect();
        let probes = part.probes.clone();
        let (part, encoded) = match cache::encode_part(&part) {
            Some(bytes) => (None, Encoded::Here(bytes)),
            None => (Some(part), Encoded::Nowhere),
        };
        Scanned { part, encoded, children, text, probes, content, origin }
    }
}

impl<'w> Scan<'w> {
    /// A scan of `workspace`, remembering between runs in `cache` when given.
    pub fn new(workspace: &'w Workspace, cache: Option<ScanCache>) -> Scan<'w> {
        Scan { workspace, cache, files: HashMap::new(), read: BTreeSet::new() }
    }

    /// The index of the crates of `packages` (members, by name; others are ignored),
    /// reading the files not read yet.
    pub fn index(&mut self, packages: &BTreeSet<&str>) -> SourceIndex {
        let mut roots = Vec::new();
        for package in self.workspace.packages.iter().filter(|p| packages.contains(p.name.as_str())) {
            self.read.insert(package.name.clone());
            for target in &package.targets {
                roots.push((package, target, Job::root(target)));
            }
        }
        let missing: Vec<(Job, &Package)> = roots
            .iter()
            .filter(|(_, _, job)| !self.files.contains_key(job))
            .map(|(package, _, job)| (job.clone(), *package))
            .collect();
        let scanned = scan_parts(self.workspace, self.cache.as_ref(), missing, &self.files);
        self.files.extend(scanned);
        let mut assembler = Assembler {
            index: SourceIndex::default(),
            file_ids: HashMap::new(),
            files: &mut self.files,
            workspace: self.workspace,
            cache: self.cache.as_ref(),
        };
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

    /// What the scan did so far, for the files of the packages read (a file the
    /// cache remembered that is no longer a module is not counted).
    pub fn stats(&self) -> ScanStats {
        let mut files: Vec<&Job> = Vec::new();
        for package in self.workspace.packages.iter().filter(|p| self.read.contains(&p.name)) {
            files.extend(self.jobs_of(package));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup();
        let cached = files.iter().filter(|job| self.files[**job].origin == Origin::Cached).count();
        ScanStats {
            packages: self.read.iter().cloned().collect(),
            files: files.len(),
            parsed: files.len() - cached,
            cached,
        }
    }

    /// Writes the cache file of each package read whose files are not exactly what
    /// its cache file remembers. Without a cache, does nothing.
    pub fn save(&self) -> crate::Result<()> {
        let Some(cache) = &self.cache else { return Ok(()) };
        for package in self.workspace.packages.iter().filter(|p| self.read.contains(&p.name)) {
            let jobs = self.jobs_of(package);
            let fresh = jobs.iter().any(|job| self.files[*job].origin == Origin::Parsed);
            if !fresh && cache.holds_exactly(package, &jobs) {
                continue;
            }
            // The parts kept in another package's cache file are read from there.
            let mut borrowed: Vec<(&Job, Vec<u8>)> = Vec::new();
            for job in &jobs {
                if let Encoded::InCache(p, range) = &self.files[*job].encoded {
                    let bytes = cache.with_bytes(&self.workspace.packages[*p], range.clone(), <[u8]>::to_vec);
                    borrowed.push((*job, bytes.unwrap_or_default()));
                }
            }
            let entries: Vec<StoredEntry<'_>> = jobs
                .iter()
                .filter_map(|job| {
                    let scanned = &self.files[*job];
                    let content = scanned.content.filter(|_| scanned.origin != Origin::Unremembered)?;
                    let part = match &scanned.encoded {
                        Encoded::Here(bytes) => bytes.as_slice(),
                        Encoded::InCache(..) => borrowed.iter().find(|(j, _)| j == job)?.1.as_slice(),
                        Encoded::Nowhere => return None,
                    };
                    Some(StoredEntry { job, content, probes: &scanned.probes, part })
                })
                .collect();
            cache.store(package, &entries)?;
        }
        Ok(())
    }

    /// The files of `package`'s crates: their roots and the modules they declare.
    fn jobs_of(&self, package: &Package) -> Vec<&Job> {
        let mut jobs: Vec<&Job> = Vec::new();
        let mut stack: Vec<&Job> = Vec::new();
        for target in &package.targets {
            if let Some((job, _)) = self.files.get_key_value(&Job::root(target)) {
                stack.push(job);
            }
        }
        while let Some(job) = stack.pop() {
            if jobs.contains(&job) {
                continue;
            }
            jobs.push(job);
            for child in &self.files[job].children {
                if let Some((child, _)) = self.files.get_key_value(child) {
                    stack.push(child);
                }
            }
        }
        jobs
    }
}

/// A file to parse, with what its walk depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(super) struct Job {
    pub(super) path: PathBuf,
    /// Where its `mod x;` declarations look for their files.
    pub(super) children_dir: PathBuf,
    /// What its `#[path]` attributes are relative to.
    pub(super) path_attr_dir: PathBuf,
    /// Whether it is inside an item under an attribute macro.
    pub(super) opaque: bool,
}

impl Job {
    /// The root file of a target: its children live next to it.
    fn root(target: &Target) -> Job {
        let dir = target.src_path.parent().map(Path::to_path_buf).unwrap_or_default();
        Job { path: target.src_path.clone(), children_dir: dir.clone(), path_attr_dir: dir, opaque: false }
    }
}

/// A `mod x;` declaration whose file is another part.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct PendingMod {
    /// The (part-local) scope that declares it.
    pub(super) parent: ScopeId,
    pub(super) name: String,
    pub(super) cfg: Cfg,
    pub(super) job: Job,
}

/// One file, walked: an index of its own (file 0, its module scope 0, crate 0), the
/// module files it declares, and the module files its walk looked for (the cache
/// keeps those apart, as part of the key).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Part {
    index: SourceIndex,
    pending: Vec<PendingMod>,
    #[serde(skip)]
    pub(super) probes: Vec<Probe>,
}

/// Parses the files of `roots` and of every module they declare, but those already
/// in `known`, on as many threads as the machine has; each file's part comes from
/// `cache` when it remembers the file as it is.
fn scan_parts(
    workspace: &Workspace,
    cache: Option<&ScanCache>,
    roots: Vec<(Job, &Package)>,
    known: &HashMap<Job, Scanned>,
) -> HashMap<Job, Scanned> {
    use std::collections::{HashSet, VecDeque};
    use std::sync::{Condvar, Mutex};

    struct Queue<'p> {
        jobs: VecDeque<(Job, &'p Package)>,
        seen: HashSet<Job>,
        in_flight: usize,
    }
    let seen: HashSet<Job> = roots.iter().map(|(job, _)| job.clone()).collect();
    let root_jobs = seen.clone();
    let queue = Mutex::new(Queue { jobs: roots.into_iter().collect(), seen, in_flight: 0 });
    let ready = Condvar::new();
    let parts = Mutex::new(HashMap::new());
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    // Each worker knows how much stack a file parsed on it may use.
    let work = |budget: usize| {
        loop {
            let next = {
                let mut q = queue.lock().expect("the scan queue is not poisoned");
                loop {
                    if let Some(next) = q.jobs.pop_front() {
                        q.in_flight += 1;
                        break Some(next);
                    }
                    if q.in_flight == 0 {
                        break None;
                    }
                    q = ready.wait(q).expect("the scan queue is not poisoned");
                }
            };
            let Some((job, package)) = next else {
                ready.notify_all();
                return;
            };
            let scanned = scan_file(workspace, cache, package, &job, budget);
            // The files the cache remembers of a root's package are probably its
            // modules still: queued now, not level by level as the walk finds them.
            let remembered = match cache {
                Some(cache) if root_jobs.contains(&job) => cache.remembered_jobs(package),
                _ => Vec::new(),
            };
            let mut q = queue.lock().expect("the scan queue is not poisoned");
            for child in scanned.children.iter().chain(&remembered) {
                if !known.contains_key(child) && q.seen.insert(child.clone()) {
                    q.jobs.push_back((child.clone(), package));
                }
            }
            q.in_flight -= 1;
            parts.lock().expect("the parts are not poisoned").insert(job, scanned);
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

/// Reads one file and makes its part: from the cache when it remembers the file as
/// it is, else by parsing it.
fn scan_file(
    workspace: &Workspace,
    cache: Option<&ScanCache>,
    package: &Package,
    job: &Job,
    budget: usize,
) -> Scanned {
    let mut scanner = Scanner::new(workspace);
    let Some(text) = scanner.read_file(&job.path) else {
        let part = Part { index: scanner.index, pending: scanner.pending, probes: scanner.probes };
        return Scanned::made(part, None, None, Origin::Unremembered);
    };
    let content = ContentKey::of(text.as_bytes());
    if let Some(cache) = cache
        && let Some((mut part, probes, range)) = cache.lookup(package, job, content)
    {
        let text = Arc::new(text);
        if let Some(file) = part.index.files.first_mut() {
            file.set_text(Arc::clone(&text));
        }
        let at = workspace.packages.iter().position(|p| p.name == package.name).unwrap_or_default();
        let children = part.pending.iter().map(|p| p.job.clone()).collect();
        return Scanned {
            part: Some(part),
            encoded: Encoded::InCache(at, range),
            children,
            text: Some(text),
            probes,
            content: Some(content),
            origin: Origin::Cached,
        };
    }
    let (part, remembered) = scan_part(scanner, job, budget, text);
    // This thread's syntax trees are gone: free proc-macro2's span table.
    proc_macro2::extra::invalidate_current_thread_spans();
    let origin = if remembered { Origin::Parsed } else { Origin::Unremembered };
    let text = part.index.files.first().map(|f| Arc::clone(&f.text));
    Scanned::made(part, text, Some(content), origin)
}

/// Parses and walks one file into a part: on the calling (scanning) thread when its
/// nesting fits that thread's stack, else on a thread with a stack sized for it; a
/// file too deep for any is not indexed, with a warning (and its part is not to be
/// remembered: another machine may have the stack for it).
fn scan_part(scanner: Scanner<'_>, job: &Job, budget: usize, text: String) -> (Part, bool) {
    let workspace = scanner.workspace;
    let root = ScopeId(0);
    let need = depth::stack_estimate(&text);
    let (scanner, remembered) = if need <= budget {
        (parse_and_walk(scanner, job, root, text), true)
    } else {
        let display = scanner.display(&job.path);
        match depth::run_with_stack(need, move || {
            let scanner = parse_and_walk(scanner, job, root, text);
            proc_macro2::extra::invalidate_current_thread_spans();
            scanner
        }) {
            Some(scanner) => (scanner, true),
            None => {
                let mut fallback = Scanner::new(workspace);
                fallback.warn(
                    Location::file(&display),
                    &format!(
                        "nests too deeply to be parsed safely (it would need an estimated {} MiB of stack); \
                         its functions are not indexed",
                        need >> 20
                    ),
                );
                (fallback, false)
            }
        }
    };
    (Part { index: scanner.index, pending: scanner.pending, probes: scanner.probes }, remembered)
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

/// Puts the parts together into one index, in declaration order. Each part is taken
/// (moved into the index), or made again from its encoding when an earlier index
/// took it.
struct Assembler<'p> {
    index: SourceIndex,
    file_ids: HashMap<PathBuf, FileId>,
    files: &'p mut HashMap<Job, Scanned>,
    workspace: &'p Workspace,
    cache: Option<&'p ScanCache>,
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

    /// The part of `job`: taken, or made again from its encoding (and its text).
    fn take_part(&mut self, job: &Job) -> Part {
        let scanned = self.files.get_mut(job).expect("every file of a crate was scanned");
        if let Some(part) = scanned.part.take() {
            if matches!(scanned.encoded, Encoded::Nowhere) {
                // Nothing to make it again from: keep a copy.
                scanned.part = Some(part.clone());
            }
            return part;
        }
        let decoded = match &scanned.encoded {
            Encoded::Here(bytes) => cache::decode_part(bytes),
            Encoded::InCache(package, range) => self.cache.and_then(|cache| {
                cache
                    .with_bytes(&self.workspace.packages[*package], range.clone(), cache::decode_part)
                    .flatten()
            }),
            Encoded::Nowhere => None,
        };
        let mut part = decoded.expect("a part decodes again as it did the first time");
        if let (Some(file), Some(text)) = (part.index.files.first_mut(), &scanned.text) {
            file.set_text(Arc::clone(text));
        }
        part
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
        let Part { index: part, pending, .. } = self.take_part(job);
        let (scopes, fns, types, impls) =
            (self.index.scopes.len(), self.index.fns.len(), self.index.types.len(), self.index.impls.len());
        let scope_id = |s: ScopeId| ScopeId::from_index(s.index() + scopes);
        let fn_id = |f: FnId| FnId::from_index(f.index() + fns);
        let type_id = |t: TypeId| TypeId::from_index(t.index() + types);
        let file = part.files.into_iter().next().map(|f| match self.file_ids.get(&f.path) {
            Some(&id) => id,
            None => {
                let id = FileId::from_index(self.index.files.len());
                self.file_ids.insert(f.path.clone(), id);
                self.index.files.push(f);
                id
            }
        });
        let file_id = |_: FileId| file.expect("items come from a parsed file");
        for (i, mut scope) in part.scopes.into_iter().enumerate() {
            let root = i == 0;
            if root {
                scope.name.clone_from(&name);
                scope.parent = parent;
                scope.cfg = cfg.clone();
            } else {
                scope.parent = scope.parent.map(scope_id);
            }
            if let ScopeKind::FnBody(f) = scope.kind {
                scope.kind = ScopeKind::FnBody(fn_id(f));
            }
            scope.krate = krate;
            for (_, item) in &mut scope.items {
                *item = match *item {
                    Item::Scope(s) => Item::Scope(scope_id(s)),
                    Item::Fn(f) => Item::Fn(fn_id(f)),
                    Item::Type(t) => Item::Type(type_id(t)),
                };
            }
            for m in &mut scope.macros {
                m.file = file_id(m.file);
            }
            self.index.scopes.push(scope);
        }
        let root = ScopeId::from_index(scopes);
        if let Some(parent) = parent {
            self.index.scopes[parent.index()].items.push((name, Item::Scope(root)));
        }
        self.index.fns.extend(part.fns.into_iter().map(|f| FnDef {
            scope: scope_id(f.scope),
            owner: match f.owner {
                Owner::Free => Owner::Free,
                Owner::Method(imp) => Owner::Method(ImplId::from_index(imp.index() + impls)),
                Owner::TraitDefault(t) => Owner::TraitDefault(type_id(t)),
            },
            file: file_id(f.file),
            ..f
        }));
        self.index.types.extend(part.types.into_iter().map(|t| TypeDef {
            scope: scope_id(t.scope),
            file: file_id(t.file),
            ..t
        }));
        self.index
            .impls
            .extend(part.impls.into_iter().map(|imp| ImplDef { scope: scope_id(imp.scope), ..imp }));
        self.index.warnings.extend(part.warnings);

        stack.push(job.path.clone());
        for pending in &pending {
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
