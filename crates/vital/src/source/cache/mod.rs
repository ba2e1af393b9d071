//! The scan cache: what the scan found in each file, remembered between runs under
//! `target/vital/scan-cache/`, one file per package (encoded by [`codec`]).
//!
//! An entry is the file's walked part (its functions, types, impls, uses, modules,
//! tests and call facts; not its text), keyed by the file's identity in the walk (its
//! path, and the directories its `mod` declarations and `#[path]` attributes look
//! in), its length and content hash, and the module files its walk looked for and
//! whether each existed. A file whose text or module files changed misses, and is
//! parsed again.
//!
//! A cache file is trusted only whole: it starts with a header naming the cache
//! format, vital's version and build (the running executable's size and time), the
//! workspace root and the package, and the length and hash of the rest. Anything else
//! — another version, another build, a truncated or altered file, an entry that does
//! not decode — is ignored, as if there were no cache, and replaced at the end of the
//! run. Files are written with [`crate::fsutil::write_atomic`]: concurrent runs each
//! leave a whole file, the last one wins.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

mod codec;

use serde::{Deserialize, Serialize};

use super::scan::{Job, Part};
use crate::workspace::{Package, Workspace};

/// The format of cache files; bumped whenever what the scan records changes.
pub const CACHE_FORMAT: u32 = 2;

/// The first bytes of every cache file.
const MAGIC: &[u8] = b"vital scan cache\n";

/// Where a workspace's scan is remembered between runs.
#[derive(Debug)]
pub struct ScanCache {
    dir: PathBuf,
    /// `None` when the running build cannot be told apart: then nothing is read or
    /// written.
    build: Option<String>,
    root: PathBuf,
    /// Each package's cache file, read once, on first use.
    packages: Mutex<HashMap<String, Arc<OnceLock<Option<CachedPackage>>>>>,
}

/// The identity of a file's content: its length and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentKey {
    /// Length in bytes.
    pub len: u64,
    /// Content hash.
    pub hash: u64,
}

impl ContentKey {
    /// The key of `bytes`.
    pub fn of(bytes: &[u8]) -> ContentKey {
        ContentKey { len: bytes.len() as u64, hash: content_hash(bytes) }
    }
}

/// A module file a walk looked for, and whether it was there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// The candidate path (`x.rs`, `x/mod.rs`, a `#[path]`).
    pub path: PathBuf,
    /// Whether it was a file.
    pub found: bool,
}

impl Probe {
    /// Whether the file system still answers the same.
    fn holds(&self) -> bool {
        self.path.is_file() == self.found
    }
}

/// What identifies an entry: the file in the walk, its content, its module probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct EntryKey {
    job: Job,
    content: ContentKey,
    probes: Vec<Probe>,
}

/// The first line of a cache file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: u32,
    vital: String,
    build: String,
    root: PathBuf,
    package: String,
    manifest: PathBuf,
    payload_len: u64,
    payload_hash: u64,
}

/// An entry to store: a file of the walk, its content key and probes, its part
/// encoded by [`encode_part`].
#[derive(Debug)]
pub(super) struct StoredEntry<'a> {
    pub(super) job: &'a Job,
    pub(super) content: ContentKey,
    pub(super) probes: &'a [Probe],
    pub(super) part: &'a [u8],
}

/// A part as the cache keeps it; `None` when it cannot be encoded (a path that is
/// not UTF-8).
pub(super) fn encode_part(part: &Part) -> Option<Vec<u8>> {
    codec::encode(part).ok()
}

/// A part from what [`encode_part`] made; `None` when the bytes are not one.
pub(super) fn decode_part(bytes: &[u8]) -> Option<Part> {
    codec::decode(bytes).ok()
}

/// A package's cache file, read and checked: where each entry's part is in it.
#[derive(Debug)]
struct CachedPackage {
    payload: Vec<u8>,
    entries: HashMap<Job, (EntryKey, Range<usize>)>,
}

impl ScanCache {
    /// The cache of `workspace`'s scan in `dir` (usually `target/vital/scan-cache`).
    pub fn new(workspace: &Workspace, dir: impl Into<PathBuf>) -> ScanCache {
        ScanCache {
            dir: dir.into(),
            build: build_id(),
            root: workspace.root.clone(),
            packages: Mutex::new(HashMap::new()),
        }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The remembered part of `job` in `package`, if its content and module probes
    /// are what they were, with its probes and where its encoding is in the package's
    /// cache file; `None` on any doubt.
    pub(super) fn lookup(
        &self,
        package: &Package,
        job: &Job,
        content: ContentKey,
    ) -> Option<(Part, Vec<Probe>, Range<usize>)> {
        let cached = self.package(package);
        let cached = cached.get().and_then(Option::as_ref)?;
        let (key, range) = cached.entries.get(job)?;
        if key.content != content || !key.probes.iter().all(Probe::holds) {
            return None;
        }
        let part = decode_part(cached.payload.get(range.clone())?)?;
        Some((part, key.probes.clone(), range.clone()))
    }

    /// The files `package`'s cache file has entries for.
    pub(super) fn remembered_jobs(&self, package: &Package) -> Vec<Job> {
        let cached = self.package(package);
        let Some(cached) = cached.get().and_then(Option::as_ref) else { return Vec::new() };
        let mut jobs: Vec<Job> = cached.entries.keys().cloned().collect();
        jobs.sort_by(|a, b| a.path.cmp(&b.path));
        jobs
    }

    /// Runs `f` on the bytes at `range` of `package`'s cache file, as read.
    pub(super) fn with_bytes<R>(
        &self,
        package: &Package,
        range: Range<usize>,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Option<R> {
        let cached = self.package(package);
        let cached = cached.get().and_then(Option::as_ref)?;
        cached.payload.get(range).map(f)
    }

    /// Whether `package`'s cache file holds exactly the entries of `jobs`: then it
    /// needs no rewrite.
    pub(super) fn holds_exactly(&self, package: &Package, jobs: &[&Job]) -> bool {
        let cached = self.package(package);
        let Some(cached) = cached.get().and_then(Option::as_ref) else { return false };
        cached.entries.len() == jobs.len() && jobs.iter().all(|job| cached.entries.contains_key(*job))
    }

    /// Writes `package`'s cache file: one entry per file, each with its content key,
    /// probes and encoded part (a key that cannot be encoded — a path that is not
    /// UTF-8 — is left out: that file is parsed on every run).
    pub(super) fn store(&self, package: &Package, entries: &[StoredEntry<'_>]) -> crate::Result<()> {
        let Some(build) = &self.build else { return Ok(()) };
        let mut payload = Vec::new();
        for entry in entries {
            let key =
                EntryKey { job: entry.job.clone(), content: entry.content, probes: entry.probes.to_vec() };
            if let Ok(key) = codec::encode(&key) {
                write_chunk(&mut payload, &key);
                write_chunk(&mut payload, entry.part);
            }
        }
        let header = Header {
            format: CACHE_FORMAT,
            vital: env!("CARGO_PKG_VERSION").to_string(),
            build: build.clone(),
            root: self.root.clone(),
            package: package.name.clone(),
            manifest: package.manifest_path.clone(),
            payload_len: payload.len() as u64,
            payload_hash: content_hash(&payload),
        };
        let mut bytes = MAGIC.to_vec();
        bytes.extend(serde_json::to_vec(&header).expect("a header serializes"));
        bytes.push(b'\n');
        bytes.extend(payload);
        crate::fsutil::write_atomic(&self.path_of(package), &bytes)
    }

    /// The cache file of `package`: its name, and a hash of its manifest's path.
    fn path_of(&self, package: &Package) -> PathBuf {
        let id = content_hash(package.manifest_path.as_os_str().as_encoded_bytes());
        self.dir.join(format!("{}-{id:016x}.cache", package.name))
    }

    fn package(&self, package: &Package) -> Arc<OnceLock<Option<CachedPackage>>> {
        let cell = {
            let mut packages = self.packages.lock().expect("the cache map is not poisoned");
            Arc::clone(packages.entry(package.name.clone()).or_default())
        };
        cell.get_or_init(|| self.read(package));
        cell
    }

    /// Reads and checks `package`'s cache file; `None` when there is none or it is not
    /// one this build wrote for this package, whole.
    fn read(&self, package: &Package) -> Option<CachedPackage> {
        let build = self.build.clone()?;
        let path = self.path_of(package);
        let bytes = std::fs::read(path).ok()?;
        let rest = bytes.strip_prefix(MAGIC)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        let header: Header = serde_json::from_slice(&rest[..end]).ok()?;
        let payload = rest[end + 1..].to_vec();
        let expected = Header {
            format: CACHE_FORMAT,
            vital: env!("CARGO_PKG_VERSION").to_string(),
            build,
            root: self.root.clone(),
            package: package.name.clone(),
            manifest: package.manifest_path.clone(),
            payload_len: payload.len() as u64,
            payload_hash: content_hash(&payload),
        };
        if header != expected {
            return None;
        }
        let entries = read_entries(&payload)?;
        Some(CachedPackage { payload, entries })
    }
}

/// The entries of a payload: their keys, and where each part is.
fn read_entries(payload: &[u8]) -> Option<HashMap<Job, (EntryKey, Range<usize>)>> {
    let mut entries = HashMap::new();
    let mut at = 0;
    while at < payload.len() {
        let key = read_chunk(payload, &mut at)?;
        let key: EntryKey = codec::decode(&payload[key]).ok()?;
        let part = read_chunk(payload, &mut at)?;
        entries.insert(key.job.clone(), (key, part));
    }
    Some(entries)
}

/// Appends a length-prefixed chunk.
fn write_chunk(out: &mut Vec<u8>, chunk: &[u8]) {
    out.extend((chunk.len() as u64).to_le_bytes());
    out.extend(chunk);
}

/// The range of the length-prefixed chunk at `*at`, moving past it.
fn read_chunk(payload: &[u8], at: &mut usize) -> Option<Range<usize>> {
    let len = payload.get(*at..at.checked_add(8)?)?;
    let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
    let start = *at + 8;
    let end = start.checked_add(len).filter(|&end| end <= payload.len())?;
    *at = end;
    Some(start..end)
}

/// What tells this build of vital from another: the running executable's size and
/// modification time (a rebuild changes them); `None` when they cannot be read.
fn build_id() -> Option<String> {
    let meta = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{}-{}", meta.len(), modified.as_nanos()))
}

/// The content hash of the scan cache: XXH64.
pub fn content_hash(bytes: &[u8]) -> u64 {
    crate::fsutil::xxh64(bytes)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::source::{Scan, ScanStats, SourceIndex};
    use crate::testutil::members;

    const STORE: &[(&str, &str)] = &[
        (
            "src/lib.rs",
            "pub mod write;\npub struct Store;\nimpl Store {\n    pub fn open() -> Store { Store }\n}\n",
        ),
        (
            "src/write.rs",
            "impl super::Store {\n    pub fn write(&mut self, data: &[u8]) -> usize { data.len() }\n}\n",
        ),
        (
            "tests/api.rs",
            "#[test]\nfn write_empty() {\n    assert_eq!(store::Store::open().write(b\"\"), 0);\n}\n",
        ),
    ];
    const APP: &[(&str, &str)] =
        &[("src/lib.rs", "pub fn save(data: &[u8]) -> usize {\n    store::Store::open().write(data)\n}\n")];

    fn workspace() -> (tempfile::TempDir, Workspace) {
        members(&[("store", &[], STORE), ("app", &["store"], APP)])
    }

    /// Scans every member with the cache in `target/scan-cache`, saves it, and says
    /// what the scan did.
    fn scan(workspace: &Workspace) -> (SourceIndex, ScanStats) {
        let cache = ScanCache::new(workspace, workspace.target_dir.join("scan-cache"));
        let mut scan = Scan::new(workspace, Some(cache));
        let all: BTreeSet<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
        let index = scan.index(&all);
        scan.save().unwrap();
        (index, scan.stats())
    }

    /// The index as text: two indexes are the same when their texts are.
    fn shown(index: &SourceIndex) -> String {
        format!("{index:?}")
    }

    fn cache_files(workspace: &Workspace) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(workspace.target_dir.join("scan-cache"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_second_scan_reads_every_file_from_the_cache_and_indexes_the_same() {
        let (_dir, workspace) = workspace();
        let (cold, stats) = scan(&workspace);
        assert_eq!((stats.files, stats.parsed, stats.cached), (4, 4, 0));
        assert_eq!(cache_files(&workspace).len(), 2, "one cache file per package");
        let (warm, stats) = scan(&workspace);
        assert_eq!((stats.files, stats.parsed, stats.cached), (4, 0, 4));
        assert_eq!(shown(&warm), shown(&cold));
        assert!(
            warm.files.iter().all(|f| !f.text.is_empty() && f.lines().line_count() > 1),
            "text and lines are the file's"
        );
        // The same, read in one scan through the same cache, package by package.
        let cache = ScanCache::new(&workspace, workspace.target_dir.join("scan-cache"));
        let mut scan = Scan::new(&workspace, Some(cache));
        let _ = scan.index(&BTreeSet::from(["app"]));
        let both = scan.index(&BTreeSet::from(["app", "store"]));
        assert_eq!(shown(&both), shown(&cold));
        assert_eq!(scan.stats().parsed, 0);
    }

    #[test]
    fn an_edited_file_alone_is_parsed_again_and_what_it_says_now_is_indexed() {
        let (_dir, workspace) = workspace();
        scan(&workspace);
        let write = workspace.root.join("store/src/write.rs");
        std::fs::write(&write, "impl super::Store {\n    pub fn write_all(&mut self) {}\n}\n").unwrap();
        let (index, stats) = scan(&workspace);
        assert_eq!((stats.parsed, stats.cached), (1, 3));
        assert!(index.fns.iter().any(|f| f.name == "write_all"));
        assert!(!index.fns.iter().any(|f| f.name == "write"), "the old part is not served");
        // Same length, one byte changed: still a miss.
        std::fs::write(&write, "impl super::Store {\n    pub fn write_alm(&mut self) {}\n}\n").unwrap();
        let (index, stats) = scan(&workspace);
        assert_eq!(stats.parsed, 1);
        assert!(index.fns.iter().any(|f| f.name == "write_alm"));
    }

    #[test]
    fn a_module_file_that_appears_or_moves_is_seen_though_its_parent_did_not_change() {
        let (_dir, workspace) = workspace();
        let lib = workspace.root.join("app/src/lib.rs");
        std::fs::write(&lib, "pub mod extra;\n").unwrap();
        let (index, _) = scan(&workspace);
        assert!(index.warnings.iter().any(|w| w.message.contains("module `extra` has no file")));
        std::fs::write(workspace.root.join("app/src/extra.rs"), "pub fn added() {}\n").unwrap();
        let (index, stats) = scan(&workspace);
        assert_eq!(stats.parsed, 2, "the parent, whose probe changed, and the new file");
        assert!(index.fns.iter().any(|f| f.name == "added"));
        assert!(index.warnings.is_empty(), "{:?}", index.warnings);
        // `extra.rs` becomes `extra/mod.rs`: the parent's walk finds another file.
        std::fs::remove_file(workspace.root.join("app/src/extra.rs")).unwrap();
        std::fs::create_dir(workspace.root.join("app/src/extra")).unwrap();
        std::fs::write(workspace.root.join("app/src/extra/mod.rs"), "pub fn moved() {}\n").unwrap();
        let (index, stats) = scan(&workspace);
        assert!(index.fns.iter().any(|f| f.name == "moved") && !index.fns.iter().any(|f| f.name == "added"));
        // The cache remembered `extra.rs`, which is gone: not indexed, not counted,
        // no warning of it.
        assert!(index.warnings.is_empty(), "{:?}", index.warnings);
        assert_eq!(stats.files, 5, "{stats:?}");
    }

    /// Truncated, altered, emptied, foreign or from another build: a cache file is
    /// ignored whole, the files are parsed, the index is what a scan without cache
    /// gives, and the file is written anew.
    #[test]
    fn a_corrupt_or_foreign_cache_file_is_ignored_and_replaced() {
        let (_dir, workspace) = workspace();
        let (fresh, _) = scan(&workspace);
        let pristine: Vec<(PathBuf, Vec<u8>)> =
            cache_files(&workspace).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
        type Corruption = Box<dyn Fn(&[u8]) -> Vec<u8>>;
        let corruptions: Vec<(&str, Corruption)> = vec![
            ("empty", Box::new(|_| Vec::new())),
            ("garbage", Box::new(|_| b"\x00\xffnot a cache at all".to_vec())),
            ("truncated", Box::new(|b| b[..b.len() / 2].to_vec())),
            ("one byte more", Box::new(|b| [b, b"x"].concat())),
            (
                "a flipped byte in an entry",
                Box::new(|b| {
                    let mut b = b.to_vec();
                    let at = b.len() - 20;
                    b[at] ^= 0x20;
                    b
                }),
            ),
            (
                "another version of vital",
                Box::new(|b| {
                    let text =
                        String::from_utf8_lossy(b).replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
                    text.into_bytes()
                }),
            ),
            (
                "another format",
                Box::new(|b| {
                    let from = format!("\"format\":{CACHE_FORMAT}");
                    String::from_utf8_lossy(b).replacen(&from, "\"format\":999", 1).into_bytes()
                }),
            ),
            (
                "another build",
                Box::new(|b| {
                    String::from_utf8_lossy(b).replacen("\"build\":\"", "\"build\":\"1", 1).into_bytes()
                }),
            ),
        ];
        for (what, corrupt) in corruptions {
            for (path, bytes) in &pristine {
                std::fs::write(path, corrupt(bytes)).unwrap();
            }
            let (index, stats) = scan(&workspace);
            assert_eq!((stats.parsed, stats.cached), (4, 0), "{what}: nothing of it is trusted");
            assert_eq!(shown(&index), shown(&fresh), "{what}");
            let (_, stats) = scan(&workspace);
            assert_eq!(stats.cached, 4, "{what}: the file was written anew");
        }
    }

    /// A file whose header and hash hold but whose entry does not decode (written
    /// by a build that serialized parts differently): that entry is parsed again.
    #[test]
    fn an_entry_that_does_not_decode_is_parsed_again() {
        let (_dir, workspace) = workspace();
        let (fresh, _) = scan(&workspace);
        let cache = ScanCache::new(&workspace, workspace.target_dir.join("scan-cache"));
        let store = workspace.package("store").unwrap();
        let cached = cache.read(store).expect("the cache file is valid");
        let mut payload = Vec::new();
        for (key, range) in cached.entries.values() {
            write_chunk(&mut payload, &codec::encode(key).unwrap());
            let body = if key.job.path.ends_with("write.rs") {
                b"\x07 not a part".to_vec()
            } else {
                cached.payload[range.clone()].to_vec()
            };
            write_chunk(&mut payload, &body);
        }
        let mut bytes = MAGIC.to_vec();
        let header = Header {
            format: CACHE_FORMAT,
            vital: env!("CARGO_PKG_VERSION").into(),
            build: build_id().unwrap(),
            root: workspace.root.clone(),
            package: "store".into(),
            manifest: store.manifest_path.clone(),
            payload_len: payload.len() as u64,
            payload_hash: content_hash(&payload),
        };
        bytes.extend(serde_json::to_vec(&header).unwrap());
        bytes.push(b'\n');
        bytes.extend(payload);
        std::fs::write(cache.path_of(store), bytes).unwrap();
        let (index, stats) = scan(&workspace);
        assert_eq!((stats.parsed, stats.cached), (1, 3));
        assert_eq!(shown(&index), shown(&fresh));
    }

    /// Scans on several threads at once, each saving: every one indexes the same,
    /// the cache they leave is whole, and no temporary file stays.
    #[test]
    fn concurrent_scans_share_a_cache_safely() {
        let (_dir, workspace) = workspace();
        let expected = shown(&crate::source::scan_workspace(&workspace));
        std::thread::scope(|threads| {
            for _ in 0..4 {
                threads.spawn(|| {
                    for _ in 0..5 {
                        let (index, _) = scan(&workspace);
                        assert_eq!(shown(&index), expected);
                    }
                });
            }
        });
        let (index, stats) = scan(&workspace);
        assert_eq!((stats.parsed, stats.cached), (0, 4));
        assert_eq!(shown(&index), expected);
        assert_eq!(cache_files(&workspace).len(), 2, "{:?}", cache_files(&workspace));
    }

    #[test]
    fn without_a_cache_nothing_is_written() {
        let (_dir, workspace) = workspace();
        let mut scan = Scan::new(&workspace, None);
        let _ = scan.index(&BTreeSet::from(["app", "store"]));
        scan.save().unwrap();
        assert!(!workspace.target_dir.exists());
    }
}
