//! The committed file of inferred tables (`<spec stem>.tables.json` beside the spec): per
//! resource, its root and child tables with their columns in dlt's order, each with its type
//! and nullability. System columns (`_rs_id`, ...) are left out: they depend on the run's
//! naming, not on the API. Written pretty and in a stable order, so a re-inference that finds
//! nothing new leaves the file byte for byte as it was and reviews show real changes only.

use serde_json::{json, Value};

use crate::normalize::{Schema, SystemColumns};

/// The format tag the file starts with; a file with another tag is refused, not guessed at.
pub const FORMAT: &str = "restsource-tables/1";

/// The inferred tables of one source, by resource, in spec order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TablesFile {
    /// Source name.
    pub source: String,
    resources: Vec<(String, Schema)>,
}

/// Why a tables file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// JSON of another shape.
    #[error("{0}; expected a file written by `restsource infer` (format `{FORMAT}`)")]
    Shape(String),
}

impl TablesFile {
    /// No resources yet.
    pub fn new(source: impl Into<String>) -> TablesFile {
        TablesFile {
            source: source.into(),
            resources: Vec::new(),
        }
    }

    /// Every resource's schema, in the order they were added.
    pub fn resources(&self) -> impl Iterator<Item = (&str, &Schema)> {
        self.resources.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// Resource `name`'s schema.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.resources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }

    /// Resource `name`'s schema, added empty when missing.
    pub fn schema_mut(&mut self, name: &str) -> &mut Schema {
        let index = match self.resources.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.resources.push((name.to_string(), Schema::new()));
                self.resources.len() - 1
            }
        };
        &mut self.resources[index].1
    }

    /// The file's text: pretty JSON ending in a newline, without `system`'s columns.
    pub fn to_text(&self, system: &SystemColumns) -> String {
        let resources: Vec<Value> = self
            .resources
            .iter()
            .map(|(name, schema)| {
                let tables = schema.tables_json(|c| !system.contains(c), false);
                json!({ "name": name, "tables": tables })
            })
            .collect();
        let doc = json!({ "format": FORMAT, "source": self.source, "resources": resources });
        // Serializing a `Value` cannot fail.
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a file's text.
    pub fn from_text(text: &str) -> Result<TablesFile, ReadError> {
        let doc: Value = serde_json::from_str(text)?;
        let shape = |what: &str| ReadError::Shape(what.to_string());
        if doc.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(shape("missing or unknown `format`"));
        }
        let source = doc
            .get("source")
            .and_then(Value::as_str)
            .ok_or_else(|| shape("missing `source`"))?;
        let mut file = TablesFile::new(source);
        let resources = doc
            .get("resources")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("missing `resources` list"))?;
        for r in resources {
            let name = r
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("a resource without `name`"))?;
            let schema = file.schema_mut(name);
            let tables = r
                .get("tables")
                .and_then(Value::as_array)
                .ok_or_else(|| shape(&format!("resource `{name}` without a `tables` list")))?;
            for t in tables {
                schema
                    .read_table(t)
                    .map_err(|what| shape(&format!("resource `{name}`: {what}")))?;
            }
        }
        Ok(file)
    }
}
