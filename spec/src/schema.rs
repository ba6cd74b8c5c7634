//! The JSON Schema of the spec format.

/// The spec format's JSON Schema, pretty-printed (committed as `specs/restsource.schema.json`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(crate::model::SourceSpec);
    // Serializing a schema (a JSON value) cannot fail.
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
