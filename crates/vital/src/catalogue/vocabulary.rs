//! The failure-mode vocabulary (SPEC §2): the well-known modes by category, and
//! typo detection for declared modes.

use crate::text::edit_distance;

/// A well-known failure mode (`cargo vital list --modes --format json` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KnownMode {
    /// Its name.
    #[serde(rename = "mode")]
    pub name: &'static str,
    /// Its category: input, resource, timing, state, environment.
    pub category: &'static str,
    /// What a test of it does, in one line.
    pub meaning: &'static str,
}

const fn mode(name: &'static str, category: &'static str, meaning: &'static str) -> KnownMode {
    KnownMode { name, category, meaning }
}

/// The well-known modes, by category. Users may declare others.
pub const VOCABULARY: &[KnownMode] = &[
    mode("none", "input", "an absent value: `None`, a missing field"),
    mode("empty", "input", "an empty input: \"\", [], an empty map or file"),
    mode("invalid", "input", "a well-formed value the function must reject"),
    mode("out_of_range", "input", "a value outside what the function accepts"),
    mode("malformed", "input", "input that does not parse: corrupt JSON, bad UTF-8, truncated data"),
    mode("boundary", "input", "values at the edges: 0, 1, MAX, len - 1"),
    mode("too_large", "input", "input larger than the function can hold or should accept"),
    mode("disk_full", "resource", "the disk fills up while writing (ENOSPC)"),
    mode("out_of_memory", "resource", "an allocation fails or a memory limit is hit"),
    mode("file_locked", "resource", "another process holds the file or lock"),
    mode("permission_denied", "resource", "the OS refuses access (EACCES, EPERM)"),
    mode("not_found", "resource", "the file, key or resource does not exist"),
    mode("network_down", "resource", "the network is unreachable"),
    mode("connection_lost", "resource", "an established connection drops mid-way"),
    mode("concurrent", "timing", "two or more callers at once"),
    mode("deadlock", "timing", "locks taken in conflicting orders"),
    mode("timeout", "timing", "an operation takes longer than allowed"),
    mode("out_of_order", "timing", "events or messages arrive in an unexpected order"),
    mode("cancelled", "timing", "the operation is cancelled or its future dropped mid-way"),
    mode("uninitialized", "state", "used before set-up has completed"),
    mode("after_close", "state", "used after close, shutdown or drop"),
    mode("partial_write", "state", "a write stops half-way: crash, kill, short write"),
    mode("corrupted", "state", "stored data is damaged when read back"),
    mode("platform", "environment", "behaviour that differs by OS or architecture"),
    mode("missing_feature", "environment", "a cargo feature or a system capability is off"),
    mode("case_insensitive_fs", "environment", "file names that differ only in case"),
];

/// The known mode called `name`.
pub fn known(name: &str) -> Option<&'static KnownMode> {
    VOCABULARY.iter().find(|m| m.name == name)
}

/// The known mode one edit away from `name`, when `name` is not itself known: most
/// likely a typo (`disk_ful` for `disk_full`).
pub fn near_miss(name: &str) -> Option<&'static str> {
    if known(name).is_some() {
        return None;
    }
    VOCABULARY.iter().map(|m| m.name).find(|known| edit_distance(name, known) == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_knows_its_modes_and_spots_typos() {
        assert_eq!(VOCABULARY.len(), 26);
        assert_eq!(known("disk_full").map(|m| m.category), Some("resource"));
        assert_eq!(near_miss("disk_ful"), Some("disk_full"));
        assert_eq!(near_miss("emty"), Some("empty"));
        assert_eq!(near_miss("disk_full"), None);
        assert_eq!(near_miss("quota_exceeded"), None);
    }
}
