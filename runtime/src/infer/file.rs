//! The committed file of inferred tables (`<spec stem>.tables.json` beside the spec): per
//! resource, its root and child tables with their columns in dlt's order, each with its type,
//! nullability and the keys its values sit under in the API's JSON (core's `tables` module
//! writes the text). System columns (`_rs_id`, ...) are left out: they depend on the run's
//! naming, not on the API. Written pretty and in a stable order, so a re-inference that finds
//! nothing new leaves the file byte for byte as it was and reviews show real changes only.

use restsource_core::tables::{self, ResourceTables};

use crate::normalize::{Schema, SourcePaths, SystemColumns};

/// The format tag the file starts with; a file with another tag is refused, not guessed at.
pub use restsource_core::tables::TABLES_FORMAT as FORMAT;

/// Why a tables file could not be read.
pub use restsource_core::tables::TablesError as ReadError;

/// The inferred tables of one source, by resource, in spec order, with the key paths each
/// column's values came from (what codegen types struct fields by).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TablesFile {
    /// Source name.
    pub source: String,
    resources: Vec<(String, Schema, SourcePaths)>,
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
        self.resources.iter().map(|(n, s, _)| (n.as_str(), s))
    }

    /// Resource `name`'s schema.
    pub fn schema(&self, name: &str) -> Option<&Schema> {
        self.resources
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, s, _)| s)
    }

    /// Resource `name`'s schema, added empty when missing.
    pub fn schema_mut(&mut self, name: &str) -> &mut Schema {
        self.entry(name).0
    }

    /// Resource `name`'s schema and key paths, added empty when missing.
    pub fn entry(&mut self, name: &str) -> (&mut Schema, &mut SourcePaths) {
        let index = match self.resources.iter().position(|(n, _, _)| n == name) {
            Some(i) => i,
            None => {
                self.resources
                    .push((name.to_string(), Schema::new(), SourcePaths::default()));
                self.resources.len() - 1
            }
        };
        let (_, schema, paths) = &mut self.resources[index];
        (schema, paths)
    }

    /// The file's text: pretty JSON ending in a newline, without `system`'s columns.
    pub fn to_text(&self, system: &SystemColumns) -> String {
        let resources = self
            .resources
            .iter()
            .map(|(name, schema, paths)| {
                let mut shapes = schema.shapes(|c| !system.contains(c), false);
                for t in &mut shapes {
                    if t.parent.is_some() {
                        t.path = paths.table(&t.name).map(<[String]>::to_vec);
                    }
                    for c in &mut t.columns {
                        c.path = paths.column(&t.name, &c.name).map(<[String]>::to_vec);
                    }
                }
                ResourceTables {
                    name: name.clone(),
                    tables: shapes,
                }
            })
            .collect();
        tables::TablesFile {
            source: self.source.clone(),
            resources,
        }
        .to_text()
    }

    /// Reads a file's text.
    pub fn from_text(text: &str) -> Result<TablesFile, ReadError> {
        let file = tables::TablesFile::from_text(text)?;
        let mut out = TablesFile::new(file.source);
        for r in &file.resources {
            let (schema, paths) = out.entry(&r.name);
            for t in &r.tables {
                schema
                    .add_shape(t)
                    .map_err(|what| ReadError::Shape(format!("resource `{}`: {what}", r.name)))?;
                if let Some(keys) = &t.path {
                    paths.add_table(&t.name, keys.clone());
                }
                for c in &t.columns {
                    if let Some(keys) = &c.path {
                        paths.add_column(&t.name, &c.name, keys.clone());
                    }
                }
            }
        }
        Ok(out)
    }
}
