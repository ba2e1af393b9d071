//! The workspace as vital needs it: its root, its target directory, the crates
//! (targets) of its member packages and how the members depend on one another.
//! Built from `cargo metadata` output, which the caller obtains (the library runs no
//! processes).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum TargetKind {
    /// A library (`lib`, `rlib`, `dylib`, `cdylib`, `staticlib`, `proc-macro`).
    Lib,
    /// A binary.
    Bin,
    /// An integration test under `tests/`.
    Test,
}

/// One compilation target of a member package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// The crate name as Rust paths write it (`-` replaced by `_`).
    pub name: String,
    /// Lib, bin or test.
    pub kind: TargetKind,
    /// The root source file (absolute).
    pub src_path: PathBuf,
}

/// How a package depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum DependencyKind {
    /// `[dependencies]`: linked into the package and everything that links it.
    Normal,
    /// `[dev-dependencies]`: linked into the package's own tests, examples, benches.
    Dev,
    /// `[build-dependencies]`: linked into its build script only.
    Build,
}

/// A dependency of a member package on another member.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Dependency {
    /// The member depended on, by package name.
    pub package: String,
    /// Normal, dev or build.
    pub kind: DependencyKind,
}

/// A member package.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Its lib, bin and test targets.
    pub targets: Vec<Target>,
    /// The features its manifest declares.
    pub features: Vec<String>,
    /// Its dependencies on other members of the workspace (any other dependency is
    /// left out).
    pub dependencies: Vec<Dependency>,
}

/// A cargo workspace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Workspace {
    /// The workspace root (where `vital.toml` lives).
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// Member packages, sorted by name.
    pub packages: Vec<Package>,
}

impl Workspace {
    /// The workspace described by `cargo metadata --no-deps` output.
    pub fn from_metadata(metadata: &cargo_metadata::Metadata) -> Workspace {
        let members: std::collections::HashSet<_> = metadata.workspace_members.iter().collect();
        let mut packages: Vec<Package> = metadata
            .packages
            .iter()
            .filter(|p| members.contains(&p.id))
            .map(|p| Package {
                name: p.name.to_string(),
                manifest_path: p.manifest_path.clone().into_std_path_buf(),
                targets: p
                    .targets
                    .iter()
                    .filter_map(|t| {
                        let kind = target_kind(t)?;
                        Some(Target {
                            name: t.name.replace('-', "_"),
                            kind,
                            src_path: t.src_path.clone().into_std_path_buf(),
                        })
                    })
                    .collect(),
                features: p.features.keys().cloned().collect(),
                dependencies: Vec::new(),
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        let dependencies: Vec<Vec<Dependency>> = packages
            .iter()
            .map(|p| {
                let meta =
                    metadata.packages.iter().find(|m| members.contains(&m.id) && m.name.as_str() == p.name);
                meta.map(|m| member_dependencies(m, &packages)).unwrap_or_default()
            })
            .collect();
        for (package, deps) in packages.iter_mut().zip(dependencies) {
            package.dependencies = deps;
        }
        Workspace {
            root: metadata.workspace_root.clone().into_std_path_buf(),
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            packages,
        }
    }

    /// `path` relative to the workspace root with `/` separators, if it is inside.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        Some(parts.join("/"))
    }

    /// Where `cargo vital run` writes its outputs: `<target>/vital/`.
    pub fn vital_dir(&self) -> PathBuf {
        self.target_dir.join("vital")
    }

    /// The member named `name`.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The members whose lib or bin crate is named `krate` (as paths write it).
    pub fn packages_of_crate(&self, krate: &str) -> BTreeSet<&str> {
        self.packages
            .iter()
            .filter(|p| p.targets.iter().any(|t| t.kind != TargetKind::Test && t.name == krate))
            .map(|p| p.name.as_str())
            .collect()
    }

    /// The members linked into the test binaries of `package` (its unit tests and
    /// integration tests): itself, its normal and dev dependencies, and theirs,
    /// transitively through normal dependencies.
    pub fn linked_by_tests(&self, package: &str) -> BTreeSet<&str> {
        let Some(start) = self.package(package) else { return BTreeSet::new() };
        let mut linked = BTreeSet::from([start.name.as_str()]);
        let mut queue: Vec<&str> = start
            .dependencies
            .iter()
            .filter(|d| d.kind != DependencyKind::Build)
            .map(|d| d.package.as_str())
            .collect();
        while let Some(name) = queue.pop() {
            let Some(member) = self.package(name) else { continue };
            if linked.insert(member.name.as_str()) {
                queue.extend(self.normal_dependencies(member));
            }
        }
        linked
    }

    /// The members `packages` depend on through normal dependencies, transitively,
    /// and `packages` themselves: what `pub use` in them may re-export.
    pub fn normal_closure<'a>(&'a self, packages: &BTreeSet<&str>) -> BTreeSet<&'a str> {
        let mut closure = BTreeSet::new();
        let mut queue: Vec<&str> = packages.iter().copied().collect();
        while let Some(name) = queue.pop() {
            let Some(member) = self.package(name) else { continue };
            if closure.insert(member.name.as_str()) {
                queue.extend(self.normal_dependencies(member));
            }
        }
        closure
    }

    fn normal_dependencies<'a>(&self, package: &'a Package) -> impl Iterator<Item = &'a str> {
        package.dependencies.iter().filter(|d| d.kind == DependencyKind::Normal).map(|d| d.package.as_str())
    }

    /// The members whose crates can hold a test of a function of `packages`, or a
    /// function on a call chain from such a test: every member whose test binaries
    /// link one of `packages`, and every member linked into those binaries. Any
    /// other member cannot call into `packages` from a test.
    pub fn tests_reach(&self, packages: &BTreeSet<&str>) -> BTreeSet<&str> {
        let mut reach = BTreeSet::new();
        for package in &self.packages {
            let linked = self.linked_by_tests(&package.name);
            if linked.iter().any(|p| packages.contains(p)) {
                reach.extend(linked);
            }
        }
        reach
    }
}

/// The dependencies of `package` on members of the workspace: a path dependency on
/// a member's directory, or (a `[patch]` may point a registry dependency at a member)
/// any dependency named like a member. Sorted, without duplicates.
fn member_dependencies(package: &cargo_metadata::Package, members: &[Package]) -> Vec<Dependency> {
    use cargo_metadata::DependencyKind as K;
    let mut dependencies: Vec<Dependency> = package
        .dependencies
        .iter()
        .filter_map(|dep| {
            let member = members.iter().find(|m| match &dep.path {
                Some(path) => m.manifest_path.parent() == Some(path.as_std_path()),
                None => m.name == dep.name,
            })?;
            let kind = match dep.kind {
                K::Development => DependencyKind::Dev,
                K::Build => DependencyKind::Build,
                _ => DependencyKind::Normal,
            };
            Some(Dependency { package: member.name.clone(), kind })
        })
        .collect();
    dependencies.sort();
    dependencies.dedup();
    dependencies
}

fn target_kind(target: &cargo_metadata::Target) -> Option<TargetKind> {
    use cargo_metadata::TargetKind as K;
    target.kind.iter().find_map(|kind| match kind {
        K::Lib | K::RLib | K::DyLib | K::CDyLib | K::StaticLib | K::ProcMacro => Some(TargetKind::Lib),
        K::Bin => Some(TargetKind::Bin),
        K::Test => Some(TargetKind::Test),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, dependencies: &[(&str, DependencyKind)]) -> Package {
        Package {
            name: name.into(),
            manifest_path: PathBuf::from(format!("/w/{name}/Cargo.toml")),
            targets: vec![Target {
                name: name.replace('-', "_"),
                kind: TargetKind::Lib,
                src_path: PathBuf::from(format!("/w/{name}/src/lib.rs")),
            }],
            features: Vec::new(),
            dependencies: dependencies
                .iter()
                .map(|&(p, kind)| Dependency { package: p.into(), kind })
                .collect(),
        }
    }

    /// `core` ← `store` ← `api` ← `server`; `testkit` (dev of `api`) depends on
    /// `fixtures`; `cli` dev-depends on `api`; `gen` is a build dependency of `store`;
    /// `docs` builds with `store`; `island` stands alone.
    fn workspace() -> Workspace {
        use DependencyKind::{Build, Dev, Normal};
        Workspace {
            root: "/w".into(),
            target_dir: "/w/target".into(),
            packages: vec![
                package("api", &[("store", Normal), ("testkit", Dev)]),
                package("cli", &[("api", Dev)]),
                package("core", &[]),
                package("docs", &[("store", Build)]),
                package("fixtures", &[]),
                package("gen", &[]),
                package("island", &[]),
                package("server", &[("api", Normal)]),
                package("store", &[("core", Normal), ("gen", Build)]),
                package("testkit", &[("fixtures", Normal)]),
                package("user-of-cli", &[("cli", Normal)]),
            ],
        }
    }

    fn names<'a>(set: &BTreeSet<&'a str>) -> Vec<&'a str> {
        set.iter().copied().collect()
    }

    #[test]
    fn a_test_binary_links_normal_and_dev_dependencies_then_normal_ones_only() {
        let ws = workspace();
        assert_eq!(names(&ws.linked_by_tests("api")), ["api", "core", "fixtures", "store", "testkit"]);
        // `cli`'s tests link `api`; what links `cli` does not link its dev-dependencies.
        assert_eq!(names(&ws.linked_by_tests("user-of-cli")), ["cli", "user-of-cli"]);
        // A build dependency runs in the build script, not in a test.
        assert_eq!(names(&ws.linked_by_tests("docs")), ["docs"]);
        assert_eq!(names(&ws.linked_by_tests("store")), ["core", "store"]);
        assert!(ws.linked_by_tests("nobody").is_empty());
    }

    #[test]
    fn what_the_tests_of_a_package_can_reach() {
        let ws = workspace();
        // Tests of `store`'s functions live in `store`, `api`, `cli` and `server`;
        // call chains go through what their binaries link (`core`, `testkit`,
        // `fixtures`). Not `docs` (build), `gen`, `island`, `user-of-cli`.
        assert_eq!(
            names(&ws.tests_reach(&BTreeSet::from(["store"]))),
            ["api", "cli", "core", "fixtures", "server", "store", "testkit"]
        );
        assert_eq!(names(&ws.tests_reach(&BTreeSet::from(["island"]))), ["island"]);
        assert_eq!(
            names(&ws.normal_closure(&BTreeSet::from(["server"]))),
            ["api", "core", "server", "store"]
        );
        assert_eq!(names(&ws.packages_of_crate("user_of_cli")), ["user-of-cli"]);
    }
}
