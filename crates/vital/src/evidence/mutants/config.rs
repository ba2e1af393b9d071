//! cargo-mutants' configuration (`.cargo/mutants.toml`), as vital passes it on.
//!
//! vital lists and runs mutants with a config file of its own (`--config FILE`,
//! which replaces the tree's): the workspace's `.cargo/mutants.toml` with what
//! decides *which* mutants of the vital functions count left out — its filters
//! (`examine_re`, `exclude_re`, `examine_globs`, `exclude_globs`: vital's catalogue
//! decides what is vital, and a filter must not hide a surviving mutant) and what
//! vital itself decides (`output`, `test_tool`, `test_package`, `test_workspace`).
//! What shapes the mutants (`error_values`, `skip_calls`) and the builds (features,
//! cargo arguments, profile, timeouts) is kept, so that vital tests the mutants a
//! plain `cargo mutants` run tests, the same way.

use std::path::Path;

use crate::error::{Error, ErrorKind, Location, Result};

/// Where cargo-mutants reads a workspace's configuration.
pub const TREE_CONFIG: &str = ".cargo/mutants.toml";

/// Keys of the tree's config that vital decides.
const DROPPED: [&str; 9] = [
    "examine_globs",
    "exclude_globs",
    "examine_re",
    "exclude_re",
    "output",
    "test_tool",
    "test_package",
    "test_workspace",
    "sharding",
];

/// Keys that change how the tests are built or run: a run with any of them is not
/// the run `cargo vital run` made, so its result does not stand for a baseline.
const BUILD_KEYS: [&str; 3] = ["additional_cargo_args", "additional_cargo_test_args", "profile"];

/// The configuration vital gives cargo-mutants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MutantsConfig {
    table: toml::Table,
}

impl MutantsConfig {
    /// From the text of the tree's `.cargo/mutants.toml` (`None`: there is none);
    /// `display` names it in messages.
    pub fn from_tree(text: Option<&str>, display: &Path) -> Result<MutantsConfig> {
        let Some(text) = text else { return Ok(MutantsConfig::default()) };
        let mut table: toml::Table = toml::from_str(text).map_err(|err| {
            let (line, column) = err.span().map_or((1, 1), |s| crate::text::line_col(text, s.start));
            Error::new(
                ErrorKind::Mutants,
                Some(Location::at(display, line, column)),
                format!("cargo-mutants' config is not TOML ({})", err.message().trim_end()),
            )
        })?;
        for key in DROPPED {
            table.remove(key);
        }
        Ok(MutantsConfig { table })
    }

    /// The config file's text, testing exactly the mutants named in `names` (one
    /// anchored, escaped `examine_re` each) when `names` is given.
    pub fn render(&self, names: Option<&[String]>) -> String {
        let mut table = self.table.clone();
        if let Some(names) = names {
            let exact =
                names.iter().map(|n| toml::Value::String(format!("^{}$", regex::escape(n)))).collect();
            table.insert("examine_re".into(), toml::Value::Array(exact));
        }
        toml::to_string(&table).expect("a TOML table always serializes")
    }

    /// The features it turns on (`features`), and whether it sets `all_features` or
    /// `no_default_features`.
    pub fn features(&self) -> (Vec<String>, bool, bool) {
        let features = self
            .table
            .get("features")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .map(str::to_string)
            .collect();
        let flag = |key: &str| self.table.get(key).and_then(toml::Value::as_bool).unwrap_or(false);
        (features, flag("all_features"), flag("no_default_features"))
    }

    /// Its cargo arguments: `additional_cargo_args` (every cargo call),
    /// `additional_cargo_test_args` (test runs only) and `profile`.
    pub fn cargo_args(&self) -> (Vec<String>, Vec<String>, Option<String>) {
        let strings = |key: &str| -> Vec<String> {
            let values = self.table.get(key).and_then(toml::Value::as_array).into_iter().flatten();
            values.filter_map(toml::Value::as_str).map(str::to_string).collect()
        };
        let profile = self.table.get("profile").and_then(toml::Value::as_str).map(str::to_string);
        (strings("additional_cargo_args"), strings("additional_cargo_test_args"), profile)
    }

    /// The keys it sets that change how tests are built or run, beyond features.
    pub fn build_keys(&self) -> Vec<&'static str> {
        BUILD_KEYS.into_iter().filter(|key| self.table.contains_key(*key)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trees_filters_are_dropped_and_the_rest_kept() {
        let tree = r#"
exclude_re = ["replace .* with Default::default\\(\\)"]
examine_globs = ["src/*.rs"]
test_tool = "nextest"
error_values = ["::anyhow::anyhow!(\"mutated\")"]
features = ["fast"]
timeout_multiplier = 3.0
"#;
        let config = MutantsConfig::from_tree(Some(tree), Path::new(".cargo/mutants.toml")).unwrap();
        let text = config.render(None);
        assert!(
            !text.contains("exclude_re") && !text.contains("examine_globs") && !text.contains("nextest"),
            "{text}"
        );
        assert!(text.contains("error_values") && text.contains("timeout_multiplier"), "{text}");
        assert_eq!(config.features(), (vec!["fast".to_string()], false, false));
        assert!(config.build_keys().is_empty());
    }

    #[test]
    fn exact_names_become_anchored_escaped_expressions() {
        let names = vec!["src/eval.rs:163:34: replace || with && in matches_caret".to_string()];
        let text = MutantsConfig::default().render(Some(&names));
        let table: toml::Table = toml::from_str(&text).unwrap();
        let re = table["examine_re"].as_array().unwrap()[0].as_str().unwrap();
        assert_eq!(re, r"^src/eval\.rs:163:34: replace \|\| with \&\& in matches_caret$");
        assert!(regex::Regex::new(re).unwrap().is_match(&names[0]));
        assert!(!regex::Regex::new(re).unwrap().is_match(&format!("{}x", names[0])));
    }

    #[test]
    fn build_settings_are_reported_and_bad_toml_is_an_error() {
        let config = MutantsConfig::from_tree(
            Some("profile = \"mutants\"\nall_features = true\n"),
            Path::new("m.toml"),
        )
        .unwrap();
        assert_eq!(config.build_keys(), ["profile"]);
        assert_eq!(config.cargo_args(), (vec![], vec![], Some("mutants".to_string())));
        assert_eq!(config.features(), (vec![], true, false));
        let error = MutantsConfig::from_tree(Some("x = [\n"), Path::new("m.toml")).unwrap_err();
        assert!(error.to_string().starts_with("m.toml:"), "{error}");
        assert!(error.to_string().contains("not TOML"), "{error}");
    }
}
