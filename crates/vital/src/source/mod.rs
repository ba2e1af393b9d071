//! The workspace's source, indexed with syn: every function with its path and span,
//! the module tree with its `use` declarations (for resolving catalogue paths), and
//! per file the places where coverage records may start.
//!
//! Everything that touches `syn` lives in [`scan`]; [`resolve`] turns catalogue paths
//! into functions of the index.

pub mod cache;
pub mod depth;
pub(crate) mod path;
pub mod resolve;
mod scan;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::Problem;
use crate::text::LineIndex;
use crate::text::Pos;
use crate::workspace::{TargetKind, Workspace};

pub use scan::{Scan, ScanStats, scan_workspace};

macro_rules! id_type {
    ($($name:ident),*) => {$(
        /// An index into the [`SourceIndex`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub u32);
        impl $name {
            /// As a `usize` index.
            pub fn index(self) -> usize {
                self.0 as usize
            }
            pub(crate) fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).expect("fewer than 2^32 items"))
            }
        }
    )*};
}
id_type!(FileId, ScopeId, FnId, TypeId, ImplId, CrateId);

/// A source file of the workspace. (Its serialized form, in the scan cache, leaves
/// out the text and its line table: they are the file's.)
#[derive(Clone, Serialize, Deserialize)]
pub struct SourceFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the workspace root, with `/` separators.
    pub rel: String,
    /// The text.
    #[serde(skip)]
    pub text: Arc<String>,
    /// Line table of `text`, made when first asked for.
    #[serde(skip)]
    lines: Arc<OnceLock<LineIndex>>,
    /// The spans of closure and async bodies (sorted): their coverage records start
    /// in them, at the first region of the body.
    pub bodies: Vec<(Pos, Pos)>,
    /// Spans whose generated code has no syntax to check against: macro
    /// invocations, `macro_rules!` definitions, items under attribute macros.
    pub opaque: Vec<(Pos, Pos)>,
}

impl std::fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .field("rel", &self.rel)
            .field("text_len", &self.text.len())
            .field("bodies", &self.bodies)
            .field("opaque", &self.opaque)
            .finish()
    }
}

impl SourceFile {
    /// A file with `text`, its bodies and opaque spans not recorded yet.
    pub fn new(path: PathBuf, rel: String, text: String) -> SourceFile {
        SourceFile {
            path,
            rel,
            text: Arc::new(text),
            lines: Arc::default(),
            bodies: Vec::new(),
            opaque: Vec::new(),
        }
    }

    /// The line table of the text.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// Gives the file its text (read back from the scan cache, which does not keep it).
    pub(crate) fn set_text(&mut self, text: Arc<String>) {
        self.text = text;
        self.lines = Arc::default();
    }

    /// Whether `pos` lies in the body of a closure or an async block or fn.
    pub fn in_body(&self, pos: Pos) -> bool {
        self.bodies.iter().any(|&(start, end)| start <= pos && pos < end)
    }

    /// Whether `pos` lies in an opaque span.
    pub fn is_opaque(&self, pos: Pos) -> bool {
        self.opaque.iter().any(|&(start, end)| start <= pos && pos <= end)
    }
}

/// A crate of the workspace: one lib or bin target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrateRoot {
    /// The crate name as paths write it (`-` replaced by `_`).
    pub name: String,
    /// The package it belongs to.
    pub package: String,
    /// Library or binary.
    pub kind: TargetKind,
    /// The root module.
    pub root_scope: ScopeId,
}

/// What a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeKind {
    /// A module, inline or in its own file (the crate root too).
    Module,
    /// The body of a function that declares items.
    FnBody(FnId),
}

/// A named item of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Item {
    /// A module, or a function body with items.
    Scope(ScopeId),
    /// A function.
    Fn(FnId),
    /// A struct, enum, union, type alias or trait.
    Type(TypeId),
}

/// A `use` declaration, flattened: one per imported name or glob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseDecl {
    /// The name it binds, `None` for a glob.
    pub name: Option<String>,
    /// The path imported, as written (`crate`, `self`, `super` included).
    pub path: Vec<String>,
    /// Whether it is a re-export (`pub use`, any visibility but private).
    pub public: bool,
}

/// A module or a function body with items.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scope {
    /// Its name (the crate name for a root).
    pub name: String,
    /// Module or function body.
    pub kind: ScopeKind,
    /// The enclosing scope; `None` for a crate root.
    pub parent: Option<ScopeId>,
    /// The crate.
    pub krate: CrateId,
    /// Named items, in source order.
    pub items: Vec<(String, Item)>,
    /// `use` declarations.
    pub uses: Vec<UseDecl>,
    /// What its `#[cfg(…)]` demands (`#[cfg(test)]`, features).
    pub cfg: Cfg,
    /// The macros invoked among its items (`make_handlers!`, `include!`): they may
    /// generate items the source does not show.
    pub macros: Vec<MacroUse>,
    /// Its string constants (`const NAME: &str = "store::write";`), by name: what a
    /// failpoint named by a constant is called.
    pub consts: Vec<(String, String)>,
}

/// An item-position macro invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroUse {
    /// The macro's name (`include`, `make_handlers`).
    pub name: String,
    /// Its file.
    pub file: FileId,
    /// Its line.
    pub line: u32,
}

/// What a `#[cfg(…)]` on an item demands, as far as vital reads it: only
/// requirements that hold whatever else the predicate says (not under `not` or
/// `any`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cfg {
    /// Compiled only for tests (`#[cfg(test)]`, `#[cfg(all(test, …))]`).
    pub test_only: bool,
    /// Compiled only with these cargo features (`#[cfg(feature = "x")]`).
    pub features: Vec<String>,
}

/// What kind of type definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    /// `struct`.
    Struct,
    /// `enum`.
    Enum,
    /// `union`.
    Union,
    /// `type X = …`.
    Alias,
    /// `trait`.
    Trait,
}

/// A type or trait definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeDef {
    /// Its name.
    pub name: String,
    /// Where it is defined.
    pub scope: ScopeId,
    /// Struct, enum, … or trait.
    pub kind: TypeKind,
    /// Its file.
    pub file: FileId,
    /// The line of its name.
    pub line: u32,
    /// For a struct, the types of its fields as written (`Mutex<Vec<u8>>`).
    pub fields: Vec<String>,
}

/// An `impl` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImplDef {
    /// The scope it is written in.
    pub scope: ScopeId,
    /// The self type's path, generics stripped (`Store`, `crate::store::Store`).
    pub self_path: Vec<String>,
    /// The trait's path for a trait impl.
    pub trait_path: Option<Vec<String>>,
    /// The trait's generic arguments, in a normal form (`From<Vec<u8>>` → `Vec<u8>`).
    pub trait_args: Option<String>,
    /// The features its `#[cfg(…)]` demands.
    pub features: Vec<String>,
}

impl ImplDef {
    /// The last segment of the self type's path.
    pub fn self_name(&self) -> &str {
        self.self_path.last().map_or("", String::as_str)
    }

    /// The last segment of the trait's path, for a trait impl.
    pub fn trait_name(&self) -> Option<&str> {
        self.trait_path.as_ref().and_then(|p| p.last()).map(String::as_str)
    }
}

/// Who owns a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Owner {
    /// A free function (or one nested in another function's body).
    Free,
    /// A method of an `impl` block.
    Method(ImplId),
    /// A default method of a trait.
    TraitDefault(TypeId),
}

/// A function with a body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FnDef {
    /// Its name.
    pub name: String,
    /// The scope it is written in (for methods, the scope of the `impl`).
    pub scope: ScopeId,
    /// Free, method or trait default.
    pub owner: Owner,
    /// Its file.
    pub file: FileId,
    /// Byte range from the start of the signature (visibility or first qualifier,
    /// where rustc starts the function's first coverage region) to the end of the
    /// closing brace.
    pub span: Range<usize>,
    /// `span` as positions.
    pub start: Pos,
    /// End, exclusive.
    pub end: Pos,
    /// Byte range of the name.
    pub name_span: Range<usize>,
    /// Line of the `fn` keyword.
    pub fn_line: u32,
    /// `async fn`.
    pub is_async: bool,
    /// Whether the function is under an attribute macro (`#[tokio::test]`,
    /// `#[async_trait]`…): its generated code's coverage need not start at its
    /// signature.
    pub opaque: bool,
    /// Its test attributes, when it is a test.
    pub test: Option<TestAttrs>,
    /// The features its own `#[cfg(…)]` demands.
    pub features: Vec<String>,
    /// Whether its doc comment has an example that `cargo test --doc` runs.
    pub doc_example: bool,
    /// The `fail_point!` sites in its body (SPEC §9), in source order.
    pub failpoints: Vec<FailpointSite>,
    /// What its signature says (for failure-mode suggestions).
    pub signature: SignatureFacts,
    /// What its body does, by name: for the call graph and assertion analysis.
    pub facts: BodyFacts,
}

/// A `fail_point!` call (the `fail` crate, or `fail-parallel` with its registry
/// argument first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailpointSite {
    /// Its name as written: a string literal's value, or a constant's path.
    pub name: FailpointName,
    /// The macro call, from its path to its closing delimiter.
    pub start: Pos,
    /// End, exclusive.
    pub end: Pos,
    /// The closure that runs when the failpoint fires (`|arg| …`), whose own
    /// coverage record proves it ran; `None` for the one-argument form and for a
    /// function passed by name.
    pub closure: Option<(Pos, Pos)>,
}

/// How a failpoint's name is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailpointName {
    /// `"store::write"`.
    Literal(String),
    /// `NAME` or `names::WRITE`: a constant, resolved when it is a string constant
    /// of the workspace ([`SourceIndex::failpoint_name`]).
    Const(Vec<String>),
    /// Anything else (`format!(…)`, a variable): never guessed.
    Other(String),
}

/// How a test is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestKind {
    /// `#[test]`.
    Test,
    /// `#[tokio::test]`, `#[async_std::test]`, any `#[path::test]`.
    Runtime,
    /// `#[rstest]`: one test per case, named `fn::case_N…`.
    Rstest,
    /// `#[test_case(…)]`: one test per case, in a module named after the function.
    TestCase,
    /// A `#[test] fn` inside `proptest! { … }`.
    Proptest,
}

/// The test attributes of a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestAttrs {
    /// How it is declared.
    pub kind: TestKind,
    /// `#[ignore]`.
    pub ignored: bool,
    /// `#[should_panic]`.
    pub should_panic: bool,
}

impl TestAttrs {
    /// Whether the function stands for several tests (one per case).
    pub fn is_parametrized(&self) -> bool {
        matches!(self.kind, TestKind::Rstest | TestKind::TestCase)
    }
}

/// A call (or a reference to a function) in a body, by name: `f()`, `x.f()`,
/// `Type::f()`, `.map(Type::f)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CallRef {
    /// The function's name.
    pub name: String,
    /// The path segment before the name (`Type` in `Type::f`), if any.
    pub qualifier: Option<String>,
}

/// What a function body does, as far as names tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyFacts {
    /// Calls and function references (`s.parse::<T>()` also as `T::from_str`,
    /// `.into()` also as `from`).
    pub calls: Vec<CallRef>,
    /// Calls whose result is checked: `call().unwrap()`, `.expect(…)`,
    /// `.unwrap_err()`, `.expect_err(…)`, `call()?`, also through a `let` binding.
    pub checked: Vec<CallRef>,
    /// Uses an assertion macro (`assert*!`, `debug_assert*!`, `prop_assert*!`…) or
    /// panics in a branch.
    pub asserts: bool,
    /// Mentions `std::fs`, `File`, `OpenOptions`.
    pub uses_fs: bool,
    /// Holds an `unsafe` block.
    pub uses_unsafe: bool,
}

/// The kind of a parameter, for suggestions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamKind {
    /// `Option<…>`.
    Option,
    /// `&str`, `String`, `&[u8]`, `Vec<…>`, slices, maps and sets.
    Collection,
    /// An integer type.
    Integer,
    /// `Path`, `PathBuf`.
    Path,
    /// A fixed-size array, `[T; N]` (never empty).
    Array,
    /// A reader or writer: `impl Read`, `&mut dyn Write`, a type parameter bounded
    /// by `Read`, `BufRead`, `Write` or `Seek` (its I/O may be in memory).
    Io,
    /// Anything else.
    Other,
}

/// What a function's signature says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFacts {
    /// Its parameters' kinds (the receiver excluded).
    pub params: Vec<ParamKind>,
    /// `&self` (shared receiver).
    pub shared_self: bool,
    /// Any receiver.
    pub has_self: bool,
    /// Returns `io::Result` or `Result<_, io::Error>`.
    pub returns_io_result: bool,
    /// Returns a `Result`.
    pub returns_result: bool,
    /// An `unsafe fn`.
    pub is_unsafe: bool,
}

/// The index of a workspace's source.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourceIndex {
    /// Source files.
    pub files: Vec<SourceFile>,
    /// Crates (lib and bin targets).
    pub crates: Vec<CrateRoot>,
    /// Modules and function bodies with items.
    pub scopes: Vec<Scope>,
    /// Functions.
    pub fns: Vec<FnDef>,
    /// Types and traits.
    pub types: Vec<TypeDef>,
    /// `impl` blocks.
    pub impls: Vec<ImplDef>,
    /// Files that could not be read or parsed, and modules whose file is missing.
    pub warnings: Vec<Problem>,
}

impl SourceIndex {
    /// The file with this id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.index()]
    }

    /// The function with this id.
    pub fn func(&self, id: FnId) -> &FnDef {
        &self.fns[id.index()]
    }

    /// The scope with this id.
    pub fn scope(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.index()]
    }

    /// The file with this workspace-relative path.
    pub fn file_by_rel(&self, rel: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.rel == rel).map(FileId::from_index)
    }

    /// The name of failpoint `site` of a function of crate `krate`: a literal's value,
    /// or the value of the one string constant of that crate with the constant's name
    /// (`None` when it is none or several: never guessed).
    pub fn failpoint_name(&self, krate: CrateId, site: &FailpointSite) -> Option<String> {
        match &site.name {
            FailpointName::Literal(name) => Some(name.clone()),
            FailpointName::Const(path) => {
                let last = path.last()?;
                let mut values = self
                    .scopes
                    .iter()
                    .filter(|s| s.krate == krate)
                    .flat_map(|s| s.consts.iter())
                    .filter(|(name, _)| name == last)
                    .map(|(_, value)| value);
                let first = values.next()?;
                values.next().is_none().then(|| first.clone())
            }
            FailpointName::Other(_) => None,
        }
    }

    /// The names of the scopes from the crate root down to `scope`, crate name first.
    pub fn scope_path(&self, scope: ScopeId) -> Vec<&str> {
        let mut path = Vec::new();
        let mut current = Some(scope);
        while let Some(id) = current {
            let s = self.scope(id);
            path.push(s.name.as_str());
            current = s.parent;
        }
        path.reverse();
        path
    }

    /// The cargo features a function is compiled only with: its own `#[cfg]`, its
    /// `impl` block's, and its enclosing modules'.
    pub fn features_of(&self, id: FnId) -> Vec<String> {
        let f = self.func(id);
        let mut features = f.features.clone();
        if let Owner::Method(imp) = f.owner {
            features.extend(self.impls[imp.index()].features.iter().cloned());
        }
        let mut current = Some(f.scope);
        while let Some(scope) = current {
            features.extend(self.scope(scope).cfg.features.iter().cloned());
            current = self.scope(scope).parent;
        }
        features.sort();
        features.dedup();
        features
    }

    /// Whether a function is compiled only for tests (in a `#[cfg(test)]` scope).
    pub fn is_test_only(&self, id: FnId) -> bool {
        let mut current = Some(self.func(id).scope);
        while let Some(scope) = current {
            if self.scope(scope).cfg.test_only {
                return true;
            }
            current = self.scope(scope).parent;
        }
        false
    }

    /// The path of a scope as catalogue paths write it: a function body's items are
    /// named through the function, a method's through its type
    /// (`krate::module::Type::method::nested`).
    fn item_path(&self, scope: ScopeId) -> String {
        let s = self.scope(scope);
        match (s.kind, s.parent) {
            (ScopeKind::FnBody(f), Some(_)) => self.display_path(f),
            (_, Some(parent)) => format!("{}::{}", self.item_path(parent), s.name),
            (_, None) => s.name.clone(),
        }
    }

    /// The function's name as vital shows it: `krate::module::Type::method`,
    /// `krate::module::Trait::method` for a trait's default method, and
    /// `krate::module::Type::method::nested` for a function declared in a body.
    pub fn display_path(&self, id: FnId) -> String {
        let f = self.func(id);
        let mut path = self.item_path(f.scope);
        match f.owner {
            Owner::Free => {}
            Owner::Method(imp) => {
                path.push_str("::");
                path.push_str(self.impls[imp.index()].self_name());
            }
            Owner::TraitDefault(t) => {
                path.push_str("::");
                path.push_str(&self.types[t.index()].name);
            }
        }
        path.push_str("::");
        path.push_str(&f.name);
        path
    }

    /// The function's name in the `<Type as Trait>::method` form for a trait-impl
    /// method, else [`SourceIndex::display_path`].
    pub fn qualified_path(&self, id: FnId) -> String {
        let f = self.func(id);
        if let Owner::Method(imp) = f.owner {
            let imp = &self.impls[imp.index()];
            if let Some(trait_name) = imp.trait_name() {
                let ty = format!("{}::{}", self.scope_path(f.scope).join("::"), imp.self_name());
                let args = imp.trait_args.as_ref().map(|a| format!("<{a}>")).unwrap_or_default();
                return format!("<{ty} as {trait_name}{args}>::{}", f.name);
            }
        }
        self.display_path(id)
    }

    /// The position a region pin names in function `f`: the line `line_offset` after
    /// its `fn` line, the 1-based character `column`; `None` outside the function.
    pub fn pin_pos(&self, f: FnId, line_offset: u32, column: u32) -> Option<Pos> {
        let def = self.func(f);
        let file = self.file(def.file);
        let line = def.fn_line.checked_add(line_offset)?;
        let range = file.lines().line_range(line as usize)?;
        let text = &file.text[range];
        let nth = usize::try_from(column.checked_sub(1)?).ok()?;
        let byte = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).nth(nth)?;
        let pos = Pos::new(line, u32::try_from(byte).ok()? + 1);
        (def.start <= pos && pos < def.end).then_some(pos)
    }

    /// Whether the function is declared `pub` (not `pub(crate)` or narrower): a
    /// public entry point, when its module is public too.
    pub fn is_public(&self, id: FnId) -> bool {
        let f = self.func(id);
        let text = self.file(f.file).text.get(f.span.clone()).unwrap_or_default();
        text.strip_prefix("pub").is_some_and(|rest| !rest.trim_start().starts_with('('))
    }

    /// `file:line` of a function's `fn` keyword, relative to the workspace.
    pub fn location(&self, id: FnId) -> String {
        let f = self.func(id);
        format!("{}:{}", self.file(f.file).rel, f.fn_line)
    }

    /// Crates whose name is `name`.
    pub fn crates_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = CrateId> + 'a {
        self.crates
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.name == name)
            .map(|(i, _)| CrateId::from_index(i))
    }

    /// Scans a workspace; see [`scan_workspace`].
    pub fn scan(workspace: &Workspace) -> SourceIndex {
        scan_workspace(workspace)
    }
}
