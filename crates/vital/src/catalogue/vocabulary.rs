//! The failure-mode vocabulary (SPEC §2): the well-known modes by [`Category`], and
//! typo detection for declared modes.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::edit_distance;

/// What kind of failure a mode is (SPEC §2). A tier may require an entry to declare
/// a mode of each of some categories (`categories = ["input", "timing"]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Bad, empty, edge-case or oversized input.
    Input,
    /// Exhausted or unavailable resources: disk, memory, files, network.
    Resource,
    /// Concurrency, time-outs, ordering, cancellation.
    Timing,
    /// Use before set-up or after close, partial writes, corrupted data.
    State,
    /// The platform, features and file system around the code.
    Environment,
}

impl Category {
    /// Every category, in vocabulary order.
    pub const ALL: [Category; 5] =
        [Category::Input, Category::Resource, Category::Timing, Category::State, Category::Environment];

    /// The lowercase name of `vital.toml` and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Input => "input",
            Category::Resource => "resource",
            Category::Timing => "timing",
            Category::State => "state",
            Category::Environment => "environment",
        }
    }

    /// The category called `name`.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The mode suggested for a function that misses this category when nothing in
    /// its signature or body points at a more plausible one: the most general mode
    /// of the category (every function has edges; every stateful one a "before"
    /// and an "after").
    pub fn default_mode(self) -> &'static str {
        match self {
            Category::Input => "boundary",
            Category::Resource => "disk_full",
            Category::Timing => "concurrent",
            Category::State => "uninitialized",
            Category::Environment => "platform",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of categories (a tier's required ones, an entry's declared or waived ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Categories(u8);

impl Categories {
    /// No category.
    pub const NONE: Categories = Categories(0);

    /// The set of `categories`.
    pub fn of(categories: impl IntoIterator<Item = Category>) -> Categories {
        categories.into_iter().fold(Categories::NONE, Categories::with)
    }

    /// This set and `category`.
    #[must_use]
    pub fn with(self, category: Category) -> Categories {
        Categories(self.0 | 1 << category as u8)
    }

    /// Whether `category` is in the set.
    pub fn contains(self, category: Category) -> bool {
        self.0 & 1 << category as u8 != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The categories in the set, in vocabulary order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// A well-known failure mode (`cargo vital list --modes --format json` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct KnownMode {
    /// Its name.
    #[serde(rename = "mode")]
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    /// What a test of it does, in one line.
    pub meaning: &'static str,
}

const fn mode(name: &'static str, category: Category, meaning: &'static str) -> KnownMode {
    KnownMode { name, category, meaning }
}

// The vocabulary reads as a table: the categories by their bare names.
use Category::{Environment, Input, Resource, State, Timing};

/// The well-known modes, by category. Users may declare others.
pub const VOCABULARY: &[KnownMode] = &[
    mode("none", Input, "an absent value: `None`, a missing field"),
    mode("empty", Input, "an empty input: \"\", [], an empty map or file"),
    mode("invalid", Input, "a well-formed value the function must reject"),
    mode("out_of_range", Input, "a value outside what the function accepts"),
    mode("malformed", Input, "input that does not parse: corrupt JSON, bad UTF-8, truncated data"),
    mode("boundary", Input, "values at the edges: 0, 1, MAX, len - 1"),
    mode("too_large", Input, "input larger than the function can hold or should accept"),
    mode("disk_full", Resource, "the disk fills up while writing (ENOSPC)"),
    mode("out_of_memory", Resource, "an allocation fails or a memory limit is hit"),
    mode("file_locked", Resource, "another process holds the file or lock"),
    mode("permission_denied", Resource, "the OS refuses access (EACCES, EPERM)"),
    mode("not_found", Resource, "the file, key or resource does not exist"),
    mode("network_down", Resource, "the network is unreachable"),
    mode("connection_lost", Resource, "an established connection drops mid-way"),
    mode("concurrent", Timing, "two or more callers at once"),
    mode("deadlock", Timing, "locks taken in conflicting orders"),
    mode("timeout", Timing, "an operation takes longer than allowed"),
    mode("out_of_order", Timing, "events or messages arrive in an unexpected order"),
    mode("cancelled", Timing, "the operation is cancelled or its future dropped mid-way"),
    mode("uninitialized", State, "used before set-up has completed"),
    mode("after_close", State, "used after close, shutdown or drop"),
    mode("partial_write", State, "a write stops half-way: crash, kill, short write"),
    mode("corrupted", State, "stored data is damaged when read back"),
    mode("platform", Environment, "behaviour that differs by OS or architecture"),
    mode("missing_feature", Environment, "a cargo feature or a system capability is off"),
    mode("case_insensitive_fs", Environment, "file names that differ only in case"),
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
        assert_eq!(known("disk_full").map(|m| m.category), Some(Category::Resource));
        assert_eq!(near_miss("disk_ful"), Some("disk_full"));
        assert_eq!(near_miss("emty"), Some("empty"));
        assert_eq!(near_miss("disk_full"), None);
        assert_eq!(near_miss("quota_exceeded"), None);
    }

    #[test]
    fn every_category_has_modes_and_its_default_mode_is_one_of_them() {
        for category in Category::ALL {
            assert_eq!(Category::from_name(category.as_str()), Some(category));
            let default = known(category.default_mode()).unwrap_or_else(|| panic!("{category}"));
            assert_eq!(default.category, category);
        }
        assert_eq!(Category::from_name("timng"), None);
        assert_eq!(serde_json::to_string(&known("concurrent").unwrap().category).unwrap(), "\"timing\"");
    }

    #[test]
    fn category_sets() {
        let set = Categories::of([Category::Timing, Category::Input, Category::Timing]);
        assert_eq!(set.iter().collect::<Vec<_>>(), [Category::Input, Category::Timing]);
        assert!(set.contains(Category::Timing) && !set.contains(Category::State));
        assert!(Categories::NONE.is_empty() && !set.is_empty());
        let all = Categories::of(Category::ALL);
        assert_eq!(all.iter().count(), 5);
    }
}
