//! A [`Schema`] as the destination stores it (`_rs_schema`), so a later run knows every table,
//! column and type an earlier run created, and which tables have seen data (schema contracts
//! depend on it).

use restsource_core::tables::{ColumnShape, TableShape};
use serde_json::{json, Value};

use super::{ColumnSchema, Schema};

impl Schema {
    /// The stored form: tables in discovery order, parents by name, columns in order (core's
    /// [`TableShape`] JSON, the form the committed tables file uses too).
    pub fn to_json(&self) -> Value {
        let tables: Vec<Value> = self
            .shapes(|_| true, true)
            .iter()
            .map(TableShape::to_json)
            .collect();
        json!({ "tables": tables })
    }

    /// Every table as a [`TableShape`], keeping the columns `keep` accepts; `seen` adds
    /// whether each table has received data (what the destination's copy needs for
    /// contracts, and a committed tables file does not). Key paths are left unknown.
    pub(crate) fn shapes(&self, keep: impl Fn(&str) -> bool, seen: bool) -> Vec<TableShape> {
        self.tables()
            .iter()
            .map(|t| TableShape {
                name: t.name.clone(),
                parent: t.parent.map(|p| self.table_at(p).name.clone()),
                path: None,
                seen_data: seen.then_some(t.seen_data || t.has_rows),
                columns: t
                    .columns()
                    .iter()
                    .filter(|c| keep(&c.name))
                    .map(|c| ColumnShape {
                        name: c.name.clone(),
                        data_type: c.data_type,
                        nullable: c.nullable,
                        variant: c.variant,
                        path: None,
                    })
                    .collect(),
            })
            .collect()
    }

    /// Reads the stored form; `None` when it is not one (a newer version's, or damaged): the
    /// caller reports it rather than guessing a schema.
    pub fn from_json(v: &Value) -> Option<Schema> {
        let mut schema = Schema::new();
        for t in v.get("tables")?.as_array()? {
            schema.add_shape(&TableShape::from_json(t).ok()?).ok()?;
        }
        Some(schema)
    }

    /// Adds one table (its parent added before it); the error says what is wrong with it.
    pub(crate) fn add_shape(&mut self, t: &TableShape) -> Result<(), String> {
        let parent = match &t.parent {
            None => None,
            Some(p) => Some(self.table_index(p).ok_or(format!(
                "table `{}`: parent `{p}` is not listed before it",
                t.name
            ))?),
        };
        let index = self.ensure_table(&t.name, parent);
        let table = self.table_at_mut(index);
        table.seen_data = t.seen_data.unwrap_or(false);
        for c in &t.columns {
            table.add_column(ColumnSchema {
                name: c.name.clone(),
                data_type: c.data_type,
                nullable: c.nullable,
                variant: c.variant,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Normalizer, RootId, SystemColumns};
    use restsource_core::naming::Naming;

    #[test]
    fn a_schema_survives_storing() {
        let mut schema = Schema::new();
        let n = Normalizer::new(Naming::UNLIMITED, SystemColumns::DLT);
        let record =
            json!({"id": 1, "a": {"b": "x"}, "l": [{"c": 1.5}], "t": "2024-01-01T00:00:00Z"});
        n.normalize(
            &mut schema,
            "t",
            &record,
            &RootId::Random,
            "L",
            &mut Vec::new(),
        )
        .unwrap();
        let stored = schema.to_json();
        let back = Schema::from_json(&stored).unwrap();
        assert_eq!(back.to_json(), stored);
        assert!(back.tables().iter().all(|t| t.seen_data));
        assert_eq!(back.table("t__l").and_then(|t| t.parent), Some(0));
        assert_eq!(
            stored["tables"][0]["columns"][1],
            json!({"name": "t", "data_type": "timestamp", "nullable": true})
        );
        assert!(Schema::from_json(&json!({"tables": [{"name": "x"}]})).is_none());
    }
}
