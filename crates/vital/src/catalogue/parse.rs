//! From the raw TOML tables to the checked catalogue: one method per part, each
//! adding a [`Problem`] where it is for what is wrong, so that one run reports every
//! mistake of the file.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

use super::vocabulary::{self, Categories, Category};
use super::{
    Conventions, Entry, RawConventions, RawEntry, RawMode, RawSurvivor, RawTiers, RegionPin, Survivor, Tier,
    TierPolicy, Tiers, Waivers, check_chaos_template, check_template, is_mode_name, parse_category,
    to_snake_case,
};
use crate::error::{Error, ErrorKind, Location, Problem, Result};
use crate::text::{closest, line_col};

/// The problems found so far, and where the text is to point at them.
pub(super) struct Parser<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Parser<'a> {
    pub(super) fn new(path: &'a Path, text: &'a str) -> Parser<'a> {
        Parser { path, text, problems: Vec::new() }
    }

    /// A problem at byte `span` of the text.
    fn at(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.problems.push(Problem { location: Some(Location::at(self.path, line, column)), message, help });
    }

    /// Every problem found, as one error; `Ok` when there is none.
    pub(super) fn finish(self) -> Result<()> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::from_problems(ErrorKind::Catalogue, self.problems))
        }
    }

    /// `[tiers.*]`: each given key over the tier's default.
    pub(super) fn tiers(&mut self, raw: RawTiers) -> Tiers {
        let mut tiers = Tiers::default();
        for (tier, raw_tier) in
            [(Tier::Critical, raw.critical), (Tier::Essential, raw.essential), (Tier::Optional, raw.optional)]
        {
            let Some(raw_tier) = raw_tier else { continue };
            let default = TierPolicy::default_for(tier);
            let categories = match raw_tier.categories {
                Some(names) => self.categories(names),
                None => default.categories,
            };
            tiers.policies[tier as usize] = TierPolicy {
                lines: raw_tier.lines.or(default.lines),
                regions: raw_tier.regions.or(default.regions),
                branches: raw_tier.branches.or(default.branches),
                failure_modes: raw_tier.failure_modes.unwrap_or(default.failure_modes),
                mutation: raw_tier.mutation.or(default.mutation),
                timeouts: raw_tier.timeouts.unwrap_or(default.timeouts),
                failpoints: raw_tier.failpoints.unwrap_or(default.failpoints),
                proof: raw_tier.proof.unwrap_or(default.proof),
                categories,
            };
        }
        tiers
    }

    /// A tier's `categories`: known ones, each once.
    fn categories(&mut self, names: Vec<Spanned<String>>) -> Categories {
        let mut categories = Categories::NONE;
        for name in names {
            match parse_category(name.get_ref()) {
                Ok(category) if categories.contains(category) => {
                    self.at(name.span(), format!("category `{category}` is listed twice"), None)
                }
                Ok(category) => categories = categories.with(category),
                Err((message, help)) => self.at(name.span(), message, Some(help)),
            }
        }
        categories
    }

    /// `[conventions] failure_test`: templates with known placeholders.
    pub(super) fn conventions(&mut self, raw: RawConventions) -> Conventions {
        let mut conventions = Conventions::default();
        if let Some(templates) = raw.failure_test {
            conventions.failure_test = self.templates(
                templates,
                "failure_test",
                check_template,
                r#"placeholders are {fn}, {type} and {mode}, e.g. "{fn}_{mode}""#,
            );
        }
        if let Some(templates) = raw.chaos_test {
            conventions.chaos_test = self.templates(
                templates,
                "chaos_test",
                check_chaos_template,
                r#"placeholders are {fn} and {type}, e.g. "{fn}_chaos""#,
            );
        }
        if let Some(feature) = raw.failpoints_feature {
            let name = feature.get_ref().trim();
            if name.is_empty() || name.contains(char::is_whitespace) || name.contains(',') {
                self.at(
                    feature.span(),
                    format!("`{}` is not a feature name", feature.get_ref()),
                    Some(r#"name the feature that turns failpoints on, e.g. failpoints_feature = "failpoints""#.into()),
                );
            } else {
                conventions.failpoints_feature = name.to_string();
            }
        }
        conventions
    }

    /// A list of test-name templates, each checked.
    fn templates(
        &mut self,
        templates: Vec<Spanned<String>>,
        key: &str,
        check: fn(&str) -> std::result::Result<(), String>,
        help: &str,
    ) -> Vec<String> {
        if templates.is_empty() {
            self.at(
                0..0,
                format!("`[conventions] {key}` is empty"),
                Some(format!("remove it to use the default; {help}")),
            );
        }
        let mut out = Vec::with_capacity(templates.len());
        for template in templates {
            if let Err(message) = check(template.get_ref()) {
                self.at(template.span(), message, Some(help.into()));
            }
            out.push(template.into_inner());
        }
        out
    }

    /// `[modes.NAME]`: new snake_case names, each with a known category.
    pub(super) fn custom_modes(
        &mut self,
        raw: BTreeMap<Spanned<String>, RawMode>,
    ) -> BTreeMap<String, Category> {
        let mut custom_modes = BTreeMap::new();
        for (name, mode) in raw {
            if !is_mode_name(name.get_ref()) {
                self.at(
                    name.span(),
                    format!("`{}` is not a failure-mode name", name.get_ref()),
                    Some("failure modes are snake_case names, e.g. `[modes.quota_exceeded]`".into()),
                );
                continue;
            }
            if let Some(known) = vocabulary::known(name.get_ref()) {
                self.at(
                    name.span(),
                    format!(
                        "`{}` is a well-known `{}` mode: `[modes]` declares custom modes only",
                        known.name, known.category
                    ),
                    Some(format!("remove `[modes.{}]`", known.name)),
                );
                continue;
            }
            match parse_category(mode.category.get_ref()) {
                Ok(category) => {
                    custom_modes.insert(name.into_inner(), category);
                }
                Err((message, help)) => self.at(mode.category.span(), message, Some(help)),
            }
        }
        custom_modes
    }

    /// `[[vital]]`: each entry, and no function listed twice.
    pub(super) fn entries(
        &mut self,
        raw: Vec<RawEntry>,
        tiers: &Tiers,
        custom_modes: &BTreeMap<String, Category>,
    ) -> Vec<Entry> {
        let mut entries = Vec::with_capacity(raw.len());
        let mut first_seen: HashMap<String, Range<usize>> = HashMap::new();
        for raw_entry in raw {
            let function_span = raw_entry.function.span();
            let normalized: String =
                raw_entry.function.get_ref().chars().filter(|c| !c.is_whitespace()).collect();
            if normalized.is_empty() {
                self.at(
                    function_span,
                    "`function` is empty".into(),
                    Some(
                        r#"write the function's path, e.g. function = "my_crate::store::Store::write""#
                            .into(),
                    ),
                );
            } else if let Some(first) = first_seen.get(&normalized) {
                let (line, _) = line_col(self.text, first.start);
                self.at(
                    function_span,
                    format!("`{}` is listed twice", raw_entry.function.get_ref()),
                    Some(format!("merge this entry with the one at line {line}")),
                );
            } else {
                first_seen.insert(normalized, function_span);
            }
            entries.push(self.entry(raw_entry, tiers, custom_modes));
        }
        entries
    }

    fn entry(&mut self, raw: RawEntry, tiers: &Tiers, custom_modes: &BTreeMap<String, Category>) -> Entry {
        let (failure_modes, mode_spans) = self.failure_modes(raw.failure_modes);
        let tests = self.tests(raw.tests, &failure_modes);
        let regions = self.regions(raw.regions, &failure_modes);
        let failpoints = self.failpoint_pins(raw.failpoints, &failure_modes);
        let features = self.features(raw.features);
        let file = self.file(raw.file);
        let category_of = |mode: &str| {
            vocabulary::known(mode).map(|k| k.category).or_else(|| custom_modes.get(mode).copied())
        };
        let survivors = self.survivors(raw.survivors);
        let waive = self.waivers(
            raw.waive,
            raw.tier,
            tiers.policy(raw.tier).categories,
            &failure_modes,
            &category_of,
        );
        Entry {
            function_span: raw.function.span(),
            function: raw.function.into_inner(),
            regions,
            failpoints,
            features,
            file,
            tier: raw.tier,
            reason: raw.reason,
            failure_modes,
            mode_spans,
            tests,
            waive,
            survivors,
        }
    }

    /// `failure_modes`: snake_case names, each once; with the span of each.
    fn failure_modes(&mut self, raw: Vec<Spanned<String>>) -> (Vec<String>, Vec<Range<usize>>) {
        let mut failure_modes: Vec<String> = Vec::with_capacity(raw.len());
        let mut mode_spans = Vec::with_capacity(raw.len());
        for mode in raw {
            let span = mode.span();
            let mode = mode.into_inner();
            if !is_mode_name(&mode) {
                let example =
                    to_snake_case(&mode).filter(|s| is_mode_name(s)).unwrap_or_else(|| "disk_full".into());
                self.at(
                    span,
                    format!("`{mode}` is not a failure-mode name"),
                    Some(format!("failure modes are snake_case names, e.g. `{example}`")),
                );
            } else if failure_modes.contains(&mode) {
                self.at(span, format!("failure mode `{mode}` is listed twice"), None);
            } else {
                failure_modes.push(mode);
                mode_spans.push(span);
            }
        }
        (failure_modes, mode_spans)
    }

    /// `tests = { mode = "test" }`: keys among the entry's modes, tests not empty.
    fn tests(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<String>>,
        failure_modes: &[String],
    ) -> BTreeMap<String, String> {
        let mut tests = BTreeMap::new();
        for (mode, test) in raw {
            if !failure_modes.iter().any(|m| m == mode.get_ref()) {
                let help = match closest(mode.get_ref(), failure_modes.iter().map(String::as_str)) {
                    Some(near) => {
                        format!("did you mean `{near}`? Keys of `tests` are this entry's failure modes")
                    }
                    None => format!("add `{}` to `failure_modes`, or remove it from `tests`", mode.get_ref()),
                };
                self.at(
                    mode.span(),
                    format!(
                        "`tests` names failure mode `{}`, which this entry does not declare",
                        mode.get_ref()
                    ),
                    Some(help),
                );
            }
            if test.get_ref().trim().is_empty() {
                self.at(
                    test.span(),
                    format!("the test for `{}` is empty", mode.get_ref()),
                    Some(
                        "name the test as `cargo test` prints it, e.g. `tests::write_fails_when_full`".into(),
                    ),
                );
            }
            tests.insert(mode.into_inner(), test.into_inner());
        }
        tests
    }

    /// `regions = { mode = "LINE:COL" }`: keys among the entry's modes, pins
    /// well-formed.
    fn regions(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<String>>,
        failure_modes: &[String],
    ) -> BTreeMap<String, RegionPin> {
        let mut regions = BTreeMap::new();
        for (mode, pin) in raw {
            if !failure_modes.iter().any(|m| m == mode.get_ref()) {
                self.at(
                    mode.span(),
                    format!(
                        "`regions` pins failure mode `{}`, which this entry does not declare",
                        mode.get_ref()
                    ),
                    Some(format!("add `{}` to `failure_modes`, or remove it from `regions`", mode.get_ref())),
                );
                continue;
            }
            match RegionPin::parse(pin.get_ref()) {
                Some(parsed) => {
                    regions.insert(mode.into_inner(), parsed);
                }
                None => self.at(
                    pin.span(),
                    format!("`{}` is not a place in the function", pin.get_ref()),
                    Some(
                        "write \"LINE:COL\": the line as an offset from the `fn` line (0 is the `fn` line) and \
                         the column in characters, e.g. regions = { disk_full = \"4:20\" }"
                            .into(),
                    ),
                ),
            }
        }
        regions
    }

    /// `failpoints = { mode = "name" }`: keys among the entry's modes, names not
    /// empty (that the function has such a failpoint is checked against the source).
    fn failpoint_pins(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<String>>,
        failure_modes: &[String],
    ) -> BTreeMap<String, String> {
        let mut pins = BTreeMap::new();
        for (mode, name) in raw {
            if !failure_modes.iter().any(|m| m == mode.get_ref()) {
                self.at(
                    mode.span(),
                    format!(
                        "`failpoints` pins failure mode `{}`, which this entry does not declare",
                        mode.get_ref()
                    ),
                    Some(format!(
                        "add `{}` to `failure_modes`, or remove it from `failpoints`",
                        mode.get_ref()
                    )),
                );
                continue;
            }
            if name.get_ref().trim().is_empty() {
                self.at(
                    name.span(),
                    format!("the failpoint of `{}` is empty", mode.get_ref()),
                    Some(r#"name the failpoint as `fail_point!` does, e.g. failpoints = { disk_full = "store::write" }"#.into()),
                );
                continue;
            }
            pins.insert(mode.into_inner(), name.into_inner().trim().to_string());
        }
        pins
    }

    /// `features = [...]`: one feature name per string.
    fn features(&mut self, raw: Vec<Spanned<String>>) -> Vec<String> {
        let mut features = Vec::new();
        for feature in raw {
            let name = feature.get_ref().trim();
            if name.is_empty() || name.contains(char::is_whitespace) || name.contains(',') {
                self.at(
                    feature.span(),
                    format!("`{}` is not a feature name", feature.get_ref()),
                    Some(r#"write one feature per string, e.g. features = ["std", "serde"]"#.into()),
                );
            } else {
                features.push(name.to_string());
            }
        }
        features
    }

    /// `file = "…"`: not empty; `./` dropped.
    fn file(&mut self, raw: Option<Spanned<String>>) -> Option<String> {
        let file = raw?;
        if file.get_ref().trim().is_empty() {
            self.at(
                file.span(),
                "`file` is empty".into(),
                Some(r#"write the function's file, e.g. file = "src/imp_unix.rs""#.into()),
            );
            return None;
        }
        Some(file.into_inner().trim().trim_start_matches("./").to_string())
    }

    /// `waive = { category = "reason" }`: known categories the tier requires and no
    /// declared mode covers, each with a reason.
    fn waivers(
        &mut self,
        raw: Waivers,
        tier: Tier,
        required: Categories,
        failure_modes: &[String],
        category_of: &dyn Fn(&str) -> Option<Category>,
    ) -> BTreeMap<Category, String> {
        let mut waive = BTreeMap::new();
        for (category, reason) in raw.0 {
            let category_span = category.span();
            let category = match parse_category(category.get_ref()) {
                Ok(category) => category,
                Err((message, help)) => {
                    self.at(category_span, message, Some(help));
                    continue;
                }
            };
            let write = format!(
                r#"write why this function cannot fail by {category}, e.g. {category} = "single-threaded by construction: no shared state""#
            );
            let text = match reason.get_ref() {
                toml::Value::String(text) if !text.trim().is_empty() => text.trim().to_string(),
                toml::Value::String(_) => {
                    self.at(reason.span(), format!("the waiver of `{category}` has no reason"), Some(write));
                    continue;
                }
                other => {
                    self.at(
                        reason.span(),
                        format!("the waiver of `{category}` is a {}, not a reason", other.type_str()),
                        Some(write),
                    );
                    continue;
                }
            };
            if let Some(mode) = failure_modes.iter().find(|m| category_of(m) == Some(category)) {
                self.at(
                    category_span,
                    format!("`{category}` is waived, but this entry declares `{mode}`, a `{category}` mode"),
                    Some(format!("remove the waiver of `{category}`, or the mode `{mode}`")),
                );
            } else if !required.contains(category) {
                let list = required.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
                let takes = if list.is_empty() { "none".to_string() } else { list };
                self.at(
                    category_span,
                    format!("the {tier} tier does not require `{category}`: there is nothing to waive"),
                    Some(format!(
                        "remove the waiver (the {tier} tier requires {takes}; `[tiers.{tier}] categories` sets them)"
                    )),
                );
            }
            waive.insert(category, text);
        }
        waive
    }

    /// Checks an entry's `[[vital.survivors]]`: a description, a line offset of 0 or
    /// more, a column of 1 or more, a reason; no pin twice.
    fn survivors(&mut self, raw: Vec<RawSurvivor>) -> Vec<Survivor> {
        let mut survivors: Vec<Survivor> = Vec::with_capacity(raw.len());
        for pin in raw {
            let span = pin.mutant.span();
            let mutant = pin.mutant.into_inner().trim().to_string();
            if mutant.is_empty() {
                self.at(
                    span.clone(),
                    "`mutant` is empty".into(),
                    Some(
                        "write the mutant's description as cargo-mutants prints it, without `file:line:col: `, \
                         e.g. mutant = \"replace < with <= in matches_caret\""
                            .into(),
                    ),
                );
            }
            let line = match u32::try_from(*pin.line.get_ref()) {
                Ok(line) => line,
                Err(_) => {
                    self.at(
                        pin.line.span(),
                        format!("`line = {}` is not a line offset", pin.line.get_ref()),
                        Some(
                            "`line` counts from the function's `fn` line: 0 is the `fn` line, 1 the next"
                                .into(),
                        ),
                    );
                    0
                }
            };
            let column = pin.column.and_then(|c| match u32::try_from(*c.get_ref()) {
                Ok(column) if column >= 1 => Some(column),
                _ => {
                    self.at(
                        c.span(),
                        format!("`column = {}` is not a column", c.get_ref()),
                        Some("columns count characters from 1, as cargo-mutants prints them".into()),
                    );
                    None
                }
            });
            if pin.reason.get_ref().trim().is_empty() {
                self.at(
                    pin.reason.span(),
                    "the survivor's `reason` is empty".into(),
                    Some("say why the mutant is equivalent: it is shown in every report".into()),
                );
            }
            let survivor = Survivor { mutant, line, column, reason: pin.reason.into_inner(), span };
            if survivors
                .iter()
                .any(|s| (&s.mutant, s.line, s.column) == (&survivor.mutant, survivor.line, survivor.column))
            {
                self.at(survivor.span.clone(), "this survivor is acknowledged twice".into(), None);
            } else {
                survivors.push(survivor);
            }
        }
        survivors
    }
}
