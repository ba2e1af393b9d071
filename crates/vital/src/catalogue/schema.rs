//! The JSON Schema of `vital.toml`, generated from the catalogue's own serde
//! types (schemars): the raw tables of [`super`], whose doc comments are its
//! descriptions. Shipped as `vital.schema.json` at the repository root (a test
//! keeps it in sync); `cargo vital init` points a new catalogue at it with a
//! `#:schema` line, which Taplo and Even Better TOML read for completion and
//! validation.
//!
//! Draft-07, the newest draft Taplo understands. TOML has no null: the `null` arm
//! schemars gives an `Option` is dropped, so that an error points at the key.
//! The schema checks the shape of the file; `cargo vital` checks the rest (paths
//! that resolve, waivers of required categories, known placeholders).

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use super::{BranchRule, Waivers};
use crate::catalogue::vocabulary::Category;
use crate::model::Percent;

/// The schema's file name in vital's repository.
pub const SCHEMA_FILE: &str = "vital.schema.json";

/// Where this version's schema is published: the `#:schema` line `cargo vital
/// init` writes.
pub const SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/vital-rs/vital/v",
    env!("CARGO_PKG_VERSION"),
    "/vital.schema.json"
);

/// The schema of `vital.toml`.
pub fn json_schema() -> Value {
    let schema = SchemaSettings::draft07()
        .for_deserialize()
        .with_transform(strip_null)
        .into_generator()
        .into_root_schema_for::<super::RawCatalogue>();
    serde_json::to_value(schema).expect("a schema always serializes")
}

/// The schema as `vital.schema.json` holds it: pretty, with a trailing newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).expect("a schema always serializes");
    text.push('\n');
    text
}

/// TOML has no null: drops the `{"type": "null"}` arm schemars adds for an
/// `Option` (`anyOf: [T, null]` → `T`, `type: [T, "null"]` → `T`) and `"default": null`.
fn strip_null(schema: &mut Schema) {
    schemars::transform::transform_subschemas(&mut strip_null, schema);
    let Some(object) = schema.as_object_mut() else { return };
    if object.get("default") == Some(&Value::Null) {
        object.remove("default");
    }
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
    if let Some(Value::Array(arms)) = object.get("anyOf")
        && arms.len() == 2
        && arms.iter().any(is_null)
        && let Some(Value::Object(kept)) = arms.iter().find(|a| !is_null(a)).cloned()
    {
        object.remove("anyOf");
        object.extend(kept);
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage from 0 to 100, with at most two decimals.",
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "multipleOf": 0.01
        })
    }
}

impl JsonSchema for BranchRule {
    fn schema_name() -> Cow<'static, str> {
        "BranchRule".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let percent = generator.subschema_for::<Percent>();
        json_schema!({
            "description": "A percentage of branch outcomes, or \"regions\": the regions threshold stands in when the coverage has no branch data.",
            "anyOf": [percent, { "const": "regions" }]
        })
    }
}

impl JsonSchema for Waivers {
    fn schema_name() -> Cow<'static, str> {
        "Waivers".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let category = generator.subschema_for::<Category>();
        json_schema!({
            "type": "object",
            "propertyNames": category,
            "additionalProperties": {
                "description": "Why the function cannot fail this way: shown in every report.",
                "type": "string",
                "minLength": 1
            }
        })
    }
}

/// A failure mode's name, in a schema: snake_case.
pub(super) struct ModeName;

impl JsonSchema for ModeName {
    fn schema_name() -> Cow<'static, str> {
        "ModeName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let examples: Vec<&str> = crate::catalogue::vocabulary::VOCABULARY.iter().map(|m| m.name).collect();
        json_schema!({
            "description": "A failure mode: a well-known one (`cargo vital list --modes`) or a custom snake_case name.",
            "type": "string",
            "pattern": "^[a-z][a-z0-9]*(_[a-z0-9]+)*$",
            "examples": examples
        })
    }
}

/// A catalogue path of a function, in a schema.
pub(super) struct FunctionPath;

impl JsonSchema for FunctionPath {
    fn schema_name() -> Cow<'static, str> {
        "FunctionPath".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "examples": ["store::Store::write_atomic", "<store::Store as Display>::fmt"]
        })
    }
}

/// A region pin, `"LINE:COL"`, in a schema.
pub(super) struct RegionPin;

impl JsonSchema for RegionPin {
    fn schema_name() -> Cow<'static, str> {
        "RegionPin".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "\"LINE:COL\": the line counted from the `fn` line (0), the column in characters (from 1).",
            "type": "string",
            "pattern": "^\\s*[0-9]+\\s*:\\s*0*[1-9][0-9]*\\s*$"
        })
    }
}

/// A failure-test name template, in a schema.
pub(super) struct TestTemplate;

impl JsonSchema for TestTemplate {
    fn schema_name() -> Cow<'static, str> {
        "TestTemplate".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "\\{mode\\}",
            "examples": ["{fn}_{mode}", "{type}_{fn}_{mode}"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vital.schema.json` at the repository root is the schema of this source: a
    /// difference rewrites the file and fails, so a local run brings it up to date
    /// and CI catches a catalogue change without it.
    #[test]
    fn the_shipped_schema_is_the_generated_one() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(SCHEMA_FILE);
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        let generated = json_schema_text();
        if shipped != generated {
            crate::fsutil::write_atomic(&path, generated.as_bytes()).unwrap();
            panic!("{} was out of date and is rewritten: review and commit it", path.display());
        }
    }

    #[test]
    fn the_schema_is_draft_07_and_closed_and_names_no_null() {
        let schema = json_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["definitions"]["Entry"]["additionalProperties"], false);
        assert_eq!(schema["definitions"]["Entry"]["required"], serde_json::json!(["function", "tier"]));
        let text = schema.to_string();
        assert!(!text.contains("\"null\""), "TOML has no null: {text}");
        for key in
            ["lines", "regions", "branches", "failure_modes", "mutation", "proof", "categories", "timeouts"]
        {
            assert!(schema["definitions"]["TierPolicy"]["properties"][key].is_object(), "tier key {key}");
        }
    }
}
