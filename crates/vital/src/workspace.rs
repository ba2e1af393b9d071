//! The workspace as vital needs it: its root, its target directory, and the crates
//! (targets) of its member packages. Built from `cargo metadata` output, which the
//! caller obtains (the library runs no processes).

use std::path::{Path, PathBuf};

/// What a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// A library (`lib`, `rlib`, `dylib`, `cdylib`, `staticlib`, `proc-macro`).
    Lib,
    /// A binary.
    Bin,
    /// An integration test under `tests/`.
    Test,
}

/// One compilation target of a member package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The crate name as Rust paths write it (`-` replaced by `_`).
    pub name: String,
    /// Lib, bin or test.
    pub kind: TargetKind,
    /// The root source file (absolute).
    pub src_path: PathBuf,
}

/// A member package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Its lib, bin and test targets.
    pub targets: Vec<Target>,
    /// The features its manifest declares.
    pub features: Vec<String>,
}

/// A cargo workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
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
            })
            .collect();
        packages.sort_by(|a, b| a.name.cmp(&b.name));
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
