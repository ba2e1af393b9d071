//! Test scaffolding shared by the unit tests: small workspaces on disk.

use std::path::PathBuf;

use crate::source::{FnId, SourceIndex};
use crate::workspace::{Dependency, DependencyKind, Package, Target, TargetKind, Workspace};

/// A scanned workspace in a temporary directory.
pub struct Fixture {
    _dir: tempfile::TempDir,
    /// Its root.
    pub root: PathBuf,
    /// Its workspace.
    pub workspace: Workspace,
    /// Its scanned source.
    pub index: SourceIndex,
}

impl Fixture {
    /// The function named `name` (the first, in source order).
    pub fn func(&self, name: &str) -> FnId {
        let i =
            self.index.fns.iter().position(|f| f.name == name).unwrap_or_else(|| panic!("no fn `{name}`"));
        FnId::from_index(i)
    }
}

/// A workspace with one package `demo`: a lib `demo` (`src/lib.rs`); a bin `demo`
/// when `src/main.rs` is given; an integration test per `tests/NAME.rs` or
/// `tests/NAME/main.rs` given; and a
/// package `other-crate` with a lib `other_crate` when `other/lib.rs` is given.
pub fn fixture(files: &[(&str, &str)]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let root = dir.path().to_path_buf();
    let target = |name: &str, kind, path: &str| Target { name: name.into(), kind, src_path: root.join(path) };
    let mut targets = vec![target("demo", TargetKind::Lib, "src/lib.rs")];
    for (path, _) in files {
        if *path == "src/main.rs" {
            targets.push(target("demo", TargetKind::Bin, path));
        } else if let Some(name) = path.strip_prefix("tests/").and_then(|p| p.strip_suffix(".rs")) {
            // `tests/NAME.rs`, or `tests/NAME/main.rs` (its modules beside it).
            match name.strip_suffix("/main") {
                Some(dir) => targets.push(target(dir, TargetKind::Test, path)),
                None if !name.contains('/') => targets.push(target(name, TargetKind::Test, path)),
                None => {}
            }
        }
    }
    let mut packages = vec![Package {
        name: "demo".into(),
        manifest_path: root.join("Cargo.toml"),
        targets,
        features: Vec::new(),
        dependencies: Vec::new(),
    }];
    if files.iter().any(|(p, _)| *p == "other/lib.rs") {
        packages[0]
            .dependencies
            .push(Dependency { package: "other-crate".into(), kind: DependencyKind::Normal });
        packages.push(Package {
            name: "other-crate".into(),
            manifest_path: root.join("other/Cargo.toml"),
            targets: vec![target("other_crate", TargetKind::Lib, "other/lib.rs")],
            features: Vec::new(),
            dependencies: Vec::new(),
        });
    }
    let workspace = Workspace { root: root.clone(), target_dir: root.join("target"), packages };
    let index = SourceIndex::scan(&workspace);
    Fixture { _dir: dir, root, workspace, index }
}

/// A member of a [`members`] workspace: its name (its lib crate's, `-` as `_`), the
/// members it depends on (normal, or dev with a `dev:` prefix), and its files,
/// relative to its directory `NAME/` (`src/lib.rs`, `tests/NAME.rs`…).
pub type Member<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);

/// A workspace of several members on disk, each in its own directory with a lib
/// (`src/lib.rs`) and an integration test per `tests/NAME.rs`.
pub fn members(list: &[Member<'_>]) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut packages = Vec::new();
    for (name, dependencies, files) in list {
        let base = root.join(name);
        let mut targets = vec![Target {
            name: name.replace('-', "_"),
            kind: TargetKind::Lib,
            src_path: base.join("src/lib.rs"),
        }];
        for (path, text) in *files {
            let file = base.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
            if let Some(test) = path.strip_prefix("tests/").and_then(|p| p.strip_suffix(".rs")) {
                targets.push(Target { name: test.into(), kind: TargetKind::Test, src_path: file });
            }
        }
        let dependencies = dependencies
            .iter()
            .map(|d| match d.strip_prefix("dev:") {
                Some(dev) => Dependency { package: dev.into(), kind: DependencyKind::Dev },
                None => Dependency { package: (*d).into(), kind: DependencyKind::Normal },
            })
            .collect();
        packages.push(Package {
            name: (*name).into(),
            manifest_path: base.join("Cargo.toml"),
            targets,
            features: Vec::new(),
            dependencies,
        });
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    let workspace = Workspace { root: root.clone(), target_dir: root.join("target"), packages };
    (dir, workspace)
}
