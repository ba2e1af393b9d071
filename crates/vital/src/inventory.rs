//! The functions that look vital and are not catalogued yet (`cargo vital
//! inventory`), and the starter catalogue made of them (`cargo vital init`).
//!
//! A function looks vital when it holds `unsafe` code, does file I/O (`std::fs`,
//! `File`, `OpenOptions`), takes a lock, parses input (`FromStr`, `parse`,
//! `deserialize`), or is a `pub` entry point that returns `Result`. Each sign
//! weighs, and the candidates are ranked by their weight, each with why and the
//! failure modes [`suggest`](crate::suggest) gives it at the tier proposed. Tests,
//! test-only code and test targets are left out. Every candidate is named by a
//! path that resolves back to it (with `file =` where only the file tells `#[cfg]`
//! twins apart), so that a starter catalogue never fails to resolve.

use serde::Serialize;

use crate::catalogue::vocabulary::Category;
use crate::catalogue::{BranchRule, Catalogue, ModesRule, Proof, Tier, TierPolicy, TimeoutRule};
use crate::model::Percent;
use crate::source::resolve::Resolver;
use crate::source::{FnId, Owner, SourceIndex};
use crate::suggest::{self, Suggestion};
use crate::workspace::TargetKind;

/// A sign that a function is vital.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sign {
    /// An `unsafe fn`, or an `unsafe` block in its body.
    Unsafe,
    /// File I/O in its body.
    Files,
    /// A lock taken in its body.
    Locks,
    /// Parses its input.
    Parses,
    /// Declared `pub` and returns `Result`.
    PublicResult,
}

impl Sign {
    /// How much it weighs in the ranking.
    pub fn weight(self) -> u32 {
        match self {
            Sign::Unsafe => 5,
            Sign::Files => 4,
            Sign::Locks | Sign::Parses => 3,
            Sign::PublicResult => 2,
        }
    }

    /// Why it makes a function look vital.
    pub fn why(self) -> &'static str {
        match self {
            Sign::Unsafe => "holds `unsafe` code",
            Sign::Files => "does file I/O (`std::fs`, `File`, `OpenOptions`)",
            Sign::Locks => "takes a lock",
            Sign::Parses => "parses input (`FromStr`, `parse`, `deserialize`)",
            Sign::PublicResult => "is a `pub` entry point that returns `Result`",
        }
    }

    /// The tier it proposes: memory safety and files are critical, locks and
    /// parsing essential, a fallible entry point optional.
    pub fn tier(self) -> Tier {
        match self {
            Sign::Unsafe | Sign::Files => Tier::Critical,
            Sign::Locks | Sign::Parses => Tier::Essential,
            Sign::PublicResult => Tier::Optional,
        }
    }
}

/// A function that looks vital.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// A catalogue path that resolves to it.
    pub function: String,
    /// Its file, when the path alone names several functions (`#[cfg]` twins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `file:line` of its `fn`.
    pub location: String,
    /// The tier proposed: the highest its signs propose.
    pub tier: Tier,
    /// The sum of its signs' weights.
    pub score: u32,
    /// Why it looks vital.
    pub signs: Vec<Sign>,
    /// The failure modes `cargo vital suggest` gives it at that tier.
    pub failure_modes: Vec<Suggestion>,
}

/// What the inventory found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    /// The candidates, ranked: highest score first, then by tier, then by path.
    pub candidates: Vec<Candidate>,
    /// Functions that look vital but have no catalogue path that resolves back to
    /// them (functions a macro names, items nested in expressions).
    pub unnamed: Vec<String>,
}

/// The functions of `index` that look vital, leaving out `catalogued` ones;
/// `catalogue` gives the tiers' required categories and the test naming.
pub fn inventory(index: &SourceIndex, catalogue: &Catalogue, catalogued: &[FnId]) -> Inventory {
    let resolver = Resolver::new(index);
    let mut found = Inventory::default();
    for i in 0..index.fns.len() {
        let f = FnId(u32::try_from(i).expect("fewer than 2^32 functions"));
        if catalogued.contains(&f) || is_test_code(index, f) {
            continue;
        }
        let signs = signs(index, f);
        if signs.is_empty() {
            continue;
        }
        let Some((function, file)) = name_of(index, &resolver, f) else {
            found.unnamed.push(format!("{} ({})", index.display_path(f), index.location(f)));
            continue;
        };
        let tier = signs.iter().map(|s| s.tier()).min().unwrap_or(Tier::Optional);
        let failure_modes = suggest::suggested_at(index, catalogue, &function, None, tier, f).suggested;
        found.candidates.push(Candidate {
            location: index.location(f),
            score: signs.iter().map(|s| s.weight()).sum(),
            function,
            file,
            tier,
            signs,
            failure_modes,
        });
    }
    found.candidates.sort_by(|a, b| {
        b.score.cmp(&a.score).then(a.tier.cmp(&b.tier)).then_with(|| a.function.cmp(&b.function))
    });
    found
}

/// Tests, test helpers compiled only for tests, and the code of test targets.
fn is_test_code(index: &SourceIndex, f: FnId) -> bool {
    let def = index.func(f);
    def.test.is_some()
        || index.is_test_only(f)
        || index.crates[index.scope(def.scope).krate.index()].kind == TargetKind::Test
}

/// The signs that `f` is vital.
pub fn signs(index: &SourceIndex, f: FnId) -> Vec<Sign> {
    let def = index.func(f);
    let calls = |names: &[&str]| def.facts.calls.iter().any(|c| names.contains(&c.name.as_str()));
    let name = def.name.as_str();
    let trait_name = match def.owner {
        Owner::Method(imp) => index.impls[imp.index()].trait_name(),
        _ => None,
    };
    let mut signs = Vec::new();
    if def.signature.is_unsafe || def.facts.uses_unsafe {
        signs.push(Sign::Unsafe);
    }
    if def.facts.uses_fs {
        signs.push(Sign::Files);
    }
    if calls(&["lock", "try_lock", "blocking_lock", "lock_arc"]) {
        signs.push(Sign::Locks);
    }
    let parser_name =
        matches!(name, "parse" | "from_str" | "deserialize" | "decode" | "from_bytes" | "from_slice")
            || name.starts_with("parse_")
            || name.starts_with("decode_");
    if parser_name
        || matches!(trait_name, Some("FromStr" | "Deserialize"))
        || calls(&["from_str", "from_slice", "from_reader", "deserialize"])
    {
        signs.push(Sign::Parses);
    }
    if def.signature.returns_result && index.is_public(f) {
        signs.push(Sign::PublicResult);
    }
    signs
}

/// A catalogue path of `f` that resolves back to it: its path, else its
/// `<Type as Trait>::method` form, else either with its file.
fn name_of(index: &SourceIndex, resolver: &Resolver<'_>, f: FnId) -> Option<(String, Option<String>)> {
    let paths = [index.display_path(f), index.qualified_path(f)];
    if let Some(path) = paths.iter().find(|p| resolver.resolve(p).ok() == Some(f)) {
        return Some((path.clone(), None));
    }
    let file = index.file(index.func(f).file).rel.clone();
    paths
        .iter()
        .find(|p| resolver.resolve_in(p, Some(&file)).ok() == Some(f))
        .map(|path| (path.clone(), Some(file)))
}

/// A starter `vital.toml` (`cargo vital init`): a `#:schema` line pointing at
/// `schema` (Taplo and Even Better TOML complete and check the file with it), the
/// tiers' defaults as comments, and an entry for each of the first `max`
/// candidates with the failure modes suggested for it, each mode's test named.
pub fn starter_catalogue(inventory: &Inventory, max: usize, schema: &str) -> String {
    let mut out = format!("#:schema {schema}\n");
    out.push_str(
        "#\n\
         # The vital functions of this workspace: `cargo vital` gates CI on each one's\n\
         # coverage and on a passing test for each of its failure modes.\n\
         #\n\
         # `cargo vital init` started this file from the functions that look vital\n\
         # (`cargo vital inventory`). For each entry: check its tier, say why it is vital\n\
         # (`reason`, shown in reports), keep the failure modes that can happen, and add\n\
         # their tests (`cargo vital check --static` names each test to add). Remove the\n\
         # entries that are not vital.\n\
         #\n\
         # The tiers' defaults, to change here:\n",
    );
    for tier in Tier::ALL {
        out.push_str(&format!("#\n# [tiers.{tier}]\n"));
        for (key, value) in tier_keys(&TierPolicy::default_for(tier)) {
            out.push_str(&format!("# {key} = {value}\n"));
        }
    }
    out.push_str("#\n# [conventions]\n# failure_test = [\"{fn}_{mode}\", \"{type}_{fn}_{mode}\"]\n");
    if inventory.candidates.is_empty() {
        out.push_str(
            "\n# No function looks vital to the inventory (no `unsafe`, file I/O, locks, parsing or\n\
             # `pub` function returning `Result`). Name yours, one entry each:\n\
             #\n\
             # [[vital]]\n\
             # function = \"my_crate::store::Store::write\"\n\
             # tier = \"critical\"\n\
             # reason = \"Every byte a user saves goes through here\"\n\
             # failure_modes = [\"empty\", \"disk_full\", \"concurrent\", \"partial_write\"]\n",
        );
        return out;
    }
    let text = |value: &str| toml::Value::String(value.to_string()).to_string();
    for candidate in inventory.candidates.iter().take(max) {
        let why: Vec<&str> = candidate.signs.iter().map(|s| s.why()).collect();
        out.push_str(&format!("\n# {}: {}\n[[vital]]\n", candidate.location, why.join("; ")));
        out.push_str(&format!("function = {}\n", text(&candidate.function)));
        if let Some(file) = &candidate.file {
            out.push_str(&format!("file = {}\n", text(file)));
        }
        out.push_str(&format!(
            "tier = {}\n# reason = \"why a failure here matters\"\n",
            text(candidate.tier.as_str())
        ));
        if !candidate.failure_modes.is_empty() {
            let modes: Vec<String> = candidate.failure_modes.iter().map(|m| text(m.mode)).collect();
            out.push_str(&format!("failure_modes = [{}]\n", modes.join(", ")));
            for mode in &candidate.failure_modes {
                out.push_str(&format!("#   {}: {} -> test `{}`\n", mode.mode, mode.why, mode.test));
            }
        }
    }
    let left = inventory.candidates.len().saturating_sub(max);
    if left > 0 {
        out.push_str(&format!(
            "\n# {left} more function{} look{} vital: `cargo vital inventory` lists them.\n",
            if left == 1 { "" } else { "s" },
            if left == 1 { "s" } else { "" }
        ));
    }
    out
}

/// A tier's keys and their values, as `vital.toml` writes them.
fn tier_keys(policy: &TierPolicy) -> Vec<(&'static str, String)> {
    let percent = |p: Percent| {
        let (whole, hundredths) = (p.hundredths() / 100, p.hundredths() % 100);
        if hundredths == 0 { whole.to_string() } else { format!("{whole}.{hundredths:02}") }
    };
    let mut keys = Vec::new();
    if let Some(lines) = policy.lines {
        keys.push(("lines", percent(lines)));
    }
    if let Some(regions) = policy.regions {
        keys.push(("regions", percent(regions)));
    }
    match policy.branches {
        Some(BranchRule::Min(p)) => keys.push(("branches", percent(p))),
        Some(BranchRule::Regions) => keys.push(("branches", "\"regions\"".into())),
        None => {}
    }
    let modes = match policy.failure_modes {
        ModesRule::All => "\"all\"",
        ModesRule::None => "\"none\"",
    };
    keys.push(("failure_modes", modes.into()));
    if let Some(mutation) = policy.mutation {
        keys.push(("mutation", percent(mutation)));
    }
    let proof = match policy.proof {
        Proof::PerTest => "\"per-test\"",
        Proof::Static => "\"static\"",
    };
    keys.push(("proof", proof.into()));
    let categories: Vec<String> = policy.categories.iter().map(|c: Category| format!("\"{c}\"")).collect();
    keys.push(("categories", format!("[{}]", categories.join(", "))));
    let timeouts = match policy.timeouts {
        TimeoutRule::Missed => "\"missed\"",
        TimeoutRule::Caught => "\"caught\"",
    };
    keys.push(("timeouts", timeouts.into()));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

    const LIB: &str = r#"
use std::sync::Mutex;
pub struct Store { entries: Mutex<Vec<String>> }
impl Store {
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        let entries = self.entries.lock().unwrap();
        std::fs::write(path, entries.join("\n"))
    }
    pub fn len(&self) -> usize { self.entries.lock().map(|e| e.len()).unwrap_or(0) }
}
pub struct Port(u16);
impl std::str::FromStr for Port {
    type Err = std::num::ParseIntError;
    fn from_str(text: &str) -> Result<Port, Self::Err> { Ok(Port(text.trim().parse()?)) }
}
pub fn first_byte(bytes: &[u8]) -> u8 { unsafe { *bytes.as_ptr() } }
pub fn check(n: u32) -> Result<u32, String> { Ok(n) }
fn private_check(n: u32) -> Result<u32, String> { Ok(n) }
pub(crate) fn crate_check(n: u32) -> Result<u32, String> { Ok(n) }
pub fn plain(n: u32) -> u32 { n }
#[cfg(test)]
mod tests {
    #[test]
    fn save_writes() { std::fs::write("x", "y").unwrap(); }
}
"#;

    fn found(catalogue: &str) -> (crate::testutil::Fixture, Inventory) {
        let fx = fixture(&[("src/lib.rs", LIB)]);
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), catalogue).unwrap();
        let catalogued: Vec<FnId> = catalogue
            .entries
            .iter()
            .map(|e| Resolver::new(&fx.index).resolve(&e.function).unwrap())
            .collect();
        let inventory = inventory(&fx.index, &catalogue, &catalogued);
        (fx, inventory)
    }

    #[test]
    fn functions_that_look_vital_are_ranked_with_why() {
        let (_fx, inventory) = found("");
        let ranked: Vec<(&str, u32, Tier, Vec<Sign>)> = inventory
            .candidates
            .iter()
            .map(|c| (c.function.as_str(), c.score, c.tier, c.signs.clone()))
            .collect();
        assert_eq!(
            ranked,
            [
                ("demo::Store::save", 9, Tier::Critical, vec![Sign::Files, Sign::Locks, Sign::PublicResult]),
                ("demo::first_byte", 5, Tier::Critical, vec![Sign::Unsafe]),
                ("demo::Port::from_str", 3, Tier::Essential, vec![Sign::Parses]),
                ("demo::Store::len", 3, Tier::Essential, vec![Sign::Locks]),
                ("demo::check", 2, Tier::Optional, vec![Sign::PublicResult]),
            ],
            "no test, no private or pub(crate) function, nothing without a sign"
        );
        let save = &inventory.candidates[0];
        assert_eq!(save.location, "src/lib.rs:5");
        let modes: Vec<&str> = save.failure_modes.iter().map(|m| m.mode).collect();
        assert_eq!(
            modes,
            ["not_found", "permission_denied", "disk_full", "concurrent", "boundary", "uninitialized"]
        );
        assert_eq!(save.failure_modes[0].test, "save_not_found");
        assert!(inventory.unnamed.is_empty());
    }

    #[test]
    fn catalogued_functions_are_not_in_the_inventory() {
        let (_fx, inventory) = found("[[vital]]\nfunction = \"demo::Store::save\"\ntier = \"critical\"\n");
        assert!(inventory.candidates.iter().all(|c| c.function != "demo::Store::save"));
        assert_eq!(inventory.candidates.len(), 4);
    }

    #[test]
    fn the_starter_catalogue_parses_and_names_the_tiers_defaults() {
        let (_fx, inventory) = found("");
        let text = starter_catalogue(&inventory, 3, "https://example.com/vital.schema.json");
        assert!(text.starts_with("#:schema https://example.com/vital.schema.json\n"), "{text}");
        assert!(
            text.contains("# [tiers.critical]\n# lines = 100\n# regions = 100\n# branches = 100\n"),
            "{text}"
        );
        assert!(text.contains("# categories = [\"input\", \"resource\", \"timing\", \"state\"]\n"), "{text}");
        assert!(text.contains("# [tiers.optional]\n# lines = 80\n# failure_modes = \"none\"\n"), "{text}");
        assert!(
            text.contains("# 2 more functions look vital: `cargo vital inventory` lists them."),
            "{text}"
        );
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), &text).unwrap();
        let functions: Vec<&str> = catalogue.entries.iter().map(|e| e.function.as_str()).collect();
        assert_eq!(functions, ["demo::Store::save", "demo::first_byte", "demo::Port::from_str"]);
        assert_eq!(catalogue.entries[2].tier, Tier::Essential);
        assert_eq!(catalogue.entries[2].failure_modes, ["empty", "too_large", "malformed"]);
        // The tiers' defaults as written are the defaults: uncommented, they change nothing.
        let uncommented: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .skip_while(|l| !l.starts_with("[tiers.critical]"))
            .take_while(|l| !l.starts_with("[conventions]"))
            .map(|l| format!("{l}\n"))
            .collect();
        let explicit = Catalogue::parse(std::path::Path::new("vital.toml"), &uncommented).unwrap();
        assert_eq!(explicit.tiers, crate::catalogue::Tiers::default(), "{uncommented}");
    }

    #[test]
    fn an_inventory_with_nothing_vital_still_starts_a_catalogue() {
        let fx = fixture(&[("src/lib.rs", "pub fn plain(n: u32) -> u32 { n }\n")]);
        let catalogue = Catalogue::parse(std::path::Path::new("vital.toml"), "").unwrap();
        let inventory = inventory(&fx.index, &catalogue, &[]);
        assert!(inventory.candidates.is_empty());
        let text = starter_catalogue(&inventory, 10, "vital.schema.json");
        assert!(text.contains("# No function looks vital"), "{text}");
        assert!(Catalogue::parse(std::path::Path::new("vital.toml"), &text).unwrap().entries.is_empty());
    }
}
