//! Files in and out, so that no input can hang or exhaust the machine and no output
//! destroys anything.
//!
//! - Inputs are read only from regular files ([`read_input`]): a FIFO with no writer
//!   would block forever, `/dev/zero` would fill memory, a directory is a mistake.
//!   Each is refused with what it is.
//! - Outputs ([`write_output`]) are written atomically (a temporary file in the same
//!   directory, flushed, renamed over the target) when the target is a regular file
//!   or new; through a symlink to where it points, the link kept; straight through to
//!   a character device or a FIFO (`/dev/null`, `/dev/stdout`, a pipe); never onto a
//!   directory or a block device, never onto an input of the same command. A new file
//!   gets the mode a plain `open` gives under the umask; an existing one keeps its mode.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Location, Result};

/// What a path is, in words, when it is not a regular file.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Inputs up to this size are read without looking at the free memory first.
const SMALL_INPUT: u64 = 16 << 20;

/// Reads an input file whole. Only regular files are read: anything else is an
/// error of `kind` saying what the path is. `display` names it in messages.
pub fn read_input(path: &Path, display: &Path, kind: ErrorKind) -> Result<Vec<u8>> {
    let refuse = |what: &str| {
        Error::new(
            kind,
            Some(Location::file(display)),
            format!("cannot read: it is {what}, not a regular file"),
        )
    };
    // `metadata` does not open the file: a FIFO is refused before it can block.
    let meta = std::fs::metadata(path).map_err(|err| Error::io(kind, display, &err))?;
    if !meta.is_file() {
        return Err(refuse(kind_of(&meta)));
    }
    let file = std::fs::File::open(path).map_err(|err| Error::io(kind, display, &err))?;
    // The path may have been swapped between the two looks: check what was opened.
    let opened = file.metadata().map_err(|err| Error::io(kind, display, &err))?;
    if !opened.is_file() {
        return Err(refuse(kind_of(&opened)));
    }
    // Memory for the whole file, asked for up front: a file larger than the memory
    // the machine has free (a sparse 100 GB file, say) is an error, not an abort or
    // a machine brought to its knees.
    let len = usize::try_from(opened.len()).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    // Reading needs the file and what is parsed from it: at most half of what is free.
    // A small file is read without asking (`/proc/meminfo` costs more than reading
    // it): the reservation below still fails cleanly if memory is short.
    let small = opened.len() <= SMALL_INPUT;
    let fits = small || memory_available().is_none_or(|free| opened.len() <= free / 2);
    if !fits || bytes.try_reserve_exact(len.saturating_add(1)).is_err() {
        return Err(Error::new(
            kind,
            Some(Location::file(display)),
            format!(
                "cannot read: it is {} bytes, more than this machine has the free memory to read",
                opened.len()
            ),
        ));
    }
    // A file that grows while it is read is read up to the size it had.
    file.take(opened.len()).read_to_end(&mut bytes).map_err(|err| Error::io(kind, display, &err))?;
    Ok(bytes)
}

/// FNV-1a, 64 bits, of `bytes`: the content hash of source stamps and of the scan
/// cache, enough to tell an edited file from the original.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// XXH64 (seed 0) of `bytes`, as specified by the xxHash project: the scan cache's
/// content hash, fast enough to hash a large workspace's source on every run.
pub fn xxh64(bytes: &[u8]) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let word = |chunk: &[u8]| u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    let round =
        |acc: u64, input: u64| acc.wrapping_add(input.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1);
    let merge = |acc: u64, value: u64| (acc ^ round(0, value)).wrapping_mul(P1).wrapping_add(P4);
    let mut stripes = bytes.chunks_exact(32);
    let mut h = if bytes.len() >= 32 {
        let mut v = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        for stripe in &mut stripes {
            for (lane, chunk) in v.iter_mut().zip(stripe.chunks_exact(8)) {
                *lane = round(*lane, word(chunk));
            }
        }
        let h = v[0].rotate_left(1).wrapping_add(v[1].rotate_left(7)).wrapping_add(v[2].rotate_left(12));
        let h = h.wrapping_add(v[3].rotate_left(18));
        v.iter().fold(h, |h, &lane| merge(h, lane))
    } else {
        P5
    };
    h = h.wrapping_add(bytes.len() as u64);
    let mut rest = stripes.remainder();
    while rest.len() >= 8 {
        h = (h ^ round(0, word(&rest[..8]))).rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let four = u64::from(u32::from_le_bytes(rest[..4].try_into().expect("4 bytes")));
        h = (h ^ four.wrapping_mul(P1)).rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &byte in rest {
        h = (h ^ u64::from(byte).wrapping_mul(P5)).rotate_left(11).wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

/// The memory the machine has available (Linux's `MemAvailable`), when known.
fn memory_available() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// [`read_input`] as UTF-8 text.
pub fn read_input_string(path: &Path, display: &Path, kind: ErrorKind) -> Result<String> {
    let bytes = read_input(path, display, kind)?;
    String::from_utf8(bytes).map_err(|err| {
        Error::new(
            kind,
            Some(Location::file(display)),
            format!(
                "cannot read: it is not UTF-8 text (invalid byte at offset {})",
                err.utf8_error().valid_up_to()
            ),
        )
    })
}

fn write_error(path: &Path, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Io, Some(Location::file(path)), message)
}

/// The first ancestor of `path` that exists and is not a directory, if any: the
/// reason a directory cannot be created there.
fn blocking_ancestor(path: &Path) -> Option<PathBuf> {
    path.ancestors().skip(1).find(|a| std::fs::metadata(a).is_ok_and(|m| !m.is_dir())).map(Path::to_path_buf)
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same directory,
/// flushed to disk, then renamed over `path`. A crash or a kill leaves either the old
/// file or the new one, never a mix; concurrent writers each leave a whole file. A
/// new file gets the mode a plain `open` gives under the umask; an existing one keeps
/// its mode. For vital's own files; user-named outputs go through [`write_output`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Err(err) = std::fs::create_dir_all(dir) {
        return Err(match blocking_ancestor(path) {
            Some(file) => write_error(path, format!("cannot write: {} is not a directory", file.display())),
            None => write_error(path, format!("cannot write: {err}")),
        });
    }
    let existing = std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file).map(|m| m.permissions());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (temp, mut file) =
        create_temporary(dir, &name).map_err(|err| write_error(path, format!("cannot write: {err}")))?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| existing.map_or(Ok(()), |mode| std::fs::set_permissions(&temp, mode)))
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(write_error(path, format!("cannot write: {err}")));
    }
    Ok(())
}

/// Writes `bytes` to `path` only if nothing is there, atomically: a temporary file
/// in the same directory, flushed, then hard-linked to `path` (which fails if
/// anything took the name meanwhile). Where hard links are not supported, the file
/// is created exclusively (`O_EXCL`) and written. `cargo vital init` never replaces
/// a catalogue.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let exists = || write_error(path, "refusing to overwrite it: it exists");
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(exists());
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (temp, mut file) =
        create_temporary(dir, &name).map_err(|err| write_error(path, format!("cannot write: {err}")))?;
    let linked =
        file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::hard_link(&temp, path));
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) => {
            let mut file =
                std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|err| {
                    if err.kind() == std::io::ErrorKind::AlreadyExists {
                        exists()
                    } else {
                        write_error(path, format!("cannot write: {err}"))
                    }
                })?;
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .map_err(|err| write_error(path, format!("cannot write: {err}")))
        }
    }
}

/// A new file `.<name>.<pid>.<n>.tmp` in `dir`, created with the default mode (what
/// the umask leaves of 0666).
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{pid}.{n}.tmp"));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err),
        }
    }
}

/// Where a write to `path` really lands: the file it names through any symlinks
/// (a dangling one included), as an absolute path.
pub fn output_target(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| identity(&resolve_links(path)))
}

/// `path` through symlinks, read one by one (for a dangling one, where it points).
fn resolve_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(target) => {
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Err(_) => break,
        }
    }
    current
}

/// Whether `a` and `b` are the same file: the same path once normalized, or, for
/// files that exist, the same device and inode (a hard link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if identity(a) == identity(b) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    false
}

/// The absolute, normalized form of `path` for comparisons: canonical where it
/// exists, else its canonical parent joined with its name.
pub fn identity(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
            identity(parent).join(name)
        }
        _ => path.to_path_buf(),
    }
}

/// Writes a user-named output (`--output FILE`); `inputs` are the files the same
/// command reads, which it must not overwrite. See the module documentation.
pub fn write_output(path: &Path, bytes: &[u8], inputs: &[PathBuf]) -> Result<()> {
    let target = output_target(path);
    if let Some(input) = inputs.iter().find(|i| same_file(i, &target)) {
        return Err(write_error(
            path,
            format!("refusing to write the report over {}, which this command reads", input.display()),
        )
        .with_help("choose another `--output` file"));
    }
    // `metadata` follows links, magic ones too (`/dev/stdout` → a pipe).
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => write_atomic(&target, bytes),
        Ok(meta) => {
            let what = kind_of(&meta);
            let through = what.starts_with("a character device") || what.starts_with("a FIFO");
            if !through {
                return Err(write_error(path, format!("cannot write: it is {what}")).with_help(
                    "`--output` takes a file to create or replace, a FIFO or a character device (`-` is standard output)",
                ));
            }
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|err| write_error(path, format!("cannot write: {err}")))?;
            file.write_all(bytes)
                .and_then(|()| file.flush())
                .map_err(|err| write_error(path, format!("cannot write: {err}")))
        }
        // Still a link after following every link: a loop, which nothing can be
        // written through and which must not be replaced.
        Err(_) if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) => {
            Err(write_error(path, "cannot write: it is a loop of symbolic links, which reaches no file")
                .with_help("point `--output` at a file, or fix the link"))
        }
        Err(_) => write_atomic(&target, bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference values of the xxHash project (XXH64, seed 0), at every length
    /// class: empty, under 4, under 8, under 32, and several stripes with a tail.
    #[test]
    fn xxh64_gives_the_reference_values() {
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a"), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64(b"abc"), 0x44BC_2CF5_AD77_0999);
        assert_eq!(xxh64(b"message digest"), 0x066E_D728_FCEE_B3BE);
        assert_eq!(xxh64(b"abcdefghijklmnopqrstuvwxyz"), 0xCFE1_F278_FA89_835C);
        assert_eq!(
            xxh64(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            0xAAA4_6907_D304_7814
        );
        assert_eq!(
            xxh64(b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            0xE04A_477F_19EE_145D
        );
    }

    #[test]
    fn writes_whole_files_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/report.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> =
            std::fs::read_dir(dir.path().join("sub")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[test]
    fn a_new_file_is_written_whole_and_an_existing_one_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vital.toml");
        write_new(&path, b"first").unwrap();
        let error = write_new(&path, b"second").unwrap_err();
        assert!(error.to_string().contains("vital.toml: refusing to overwrite it: it exists"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        let dangling = dir.path().join("link.toml");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        #[cfg(unix)]
        assert!(write_new(&dangling, b"x").is_err(), "a dangling symlink is something there");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let error = write_atomic(&file.join("x.json"), b"").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Io);
        assert!(error.to_string().contains("x.json: cannot write"), "{error}");
        assert!(error.to_string().contains("file is not a directory"), "{error}");
        let error = write_atomic(&file.join("deeper/x.json"), b"").unwrap_err();
        assert!(error.to_string().contains("file is not a directory"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_the_umask_mode_and_existing_ones_keep_theirs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // What a plain create gives here, whatever the umask of the test run.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let plain = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        let new = dir.path().join("new.json");
        write_output(&new, b"x", &[]).unwrap();
        assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o777, plain);
        let kept = dir.path().join("kept.json");
        std::fs::write(&kept, "old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_output(&kept, b"new", &[]).unwrap();
        assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_written_through_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_output(&link, b"new", &[]).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        // A dangling link: its target is created.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("made.json", &dangling).unwrap();
        write_output(&dangling, b"made", &[]).unwrap();
        assert_eq!(std::fs::read_to_string(dir.path().join("made.json")).unwrap(), "made");
    }

    #[cfg(unix)]
    #[test]
    fn a_character_device_is_written_through_never_replaced() {
        write_output(Path::new("/dev/null"), b"nothing", &[]).unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert_eq!(kind_of(&meta), "a character device");
    }

    #[test]
    fn an_input_or_a_directory_is_never_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("vital.toml");
        std::fs::write(&input, "keep").unwrap();
        let via_dot = dir.path().join(".").join("vital.toml");
        let error = write_output(&via_dot, b"x", std::slice::from_ref(&input)).unwrap_err();
        assert!(error.to_string().contains("which this command reads"), "{error}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "keep");
        let error = write_output(dir.path(), b"x", &[]).unwrap_err();
        assert!(error.to_string().contains("it is a directory"), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn inputs_that_are_not_regular_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let error =
            read_input(Path::new("/dev/zero"), Path::new("/dev/zero"), ErrorKind::Coverage).unwrap_err();
        assert!(error.to_string().contains("it is a character device, not a regular file"), "{error}");
        let error = read_input(dir.path(), Path::new("dir"), ErrorKind::Catalogue).unwrap_err();
        assert!(error.to_string().starts_with("dir: cannot read: it is a directory"), "{error}");
        let missing =
            read_input(&dir.path().join("none"), Path::new("none"), ErrorKind::Coverage).unwrap_err();
        assert!(missing.to_string().starts_with("none: cannot read:"), "{missing}");
        let text = dir.path().join("latin1.txt");
        std::fs::write(&text, b"caf\xe9").unwrap();
        let error = read_input_string(&text, Path::new("latin1.txt"), ErrorKind::Catalogue).unwrap_err();
        assert!(error.to_string().contains("not UTF-8"), "{error}");
    }
}
