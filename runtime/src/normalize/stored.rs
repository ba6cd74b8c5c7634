//! A [`Schema`] as the destination stores it (`_rs_schema`), so a later run knows every table,
//! column and type an earlier run created, and which tables have seen data (schema contracts
//! depend on it).

use serde_json::{json, Value};

use super::{ColumnSchema, Schema};
use crate::def::DataType;

impl Schema {
    /// The stored form: tables in discovery order, parents by name, columns in order.
    pub fn to_json(&self) -> Value {
        let tables: Vec<Value> = self
            .tables()
            .iter()
            .map(|t| {
                let columns: Vec<Value> = t
                    .columns()
                    .iter()
                    .map(|c| {
                        json!({"name": c.name, "data_type": c.data_type.name(),
                            "nullable": c.nullable, "variant": c.variant})
                    })
                    .collect();
                json!({
                    "name": t.name,
                    "parent": t.parent.map(|p| self.table_at(p).name.clone()),
                    "seen_data": t.seen_data || t.has_rows,
                    "columns": columns,
                })
            })
            .collect();
        json!({ "tables": tables })
    }

    /// Reads the stored form; `None` when it is not one (a newer version's, or damaged): the
    /// caller reports it rather than guessing a schema.
    pub fn from_json(v: &Value) -> Option<Schema> {
        let mut schema = Schema::new();
        for t in v.get("tables")?.as_array()? {
            let parent = match t.get("parent")? {
                Value::Null => None,
                p => Some(schema.table_index(p.as_str()?)?),
            };
            let index = schema.ensure_table(t.get("name")?.as_str()?, parent);
            let table = schema.table_at_mut(index);
            table.seen_data = t.get("seen_data")?.as_bool()?;
            for c in t.get("columns")?.as_array()? {
                table.add_column(ColumnSchema {
                    name: c.get("name")?.as_str()?.to_string(),
                    data_type: DataType::from_name(c.get("data_type")?.as_str()?)?,
                    nullable: c.get("nullable")?.as_bool()?,
                    variant: c.get("variant")?.as_bool()?,
                });
            }
        }
        Some(schema)
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
            json!({"name": "t", "data_type": "timestamp", "nullable": true, "variant": false})
        );
        assert!(Schema::from_json(&json!({"tables": [{"name": "x"}]})).is_none());
    }
}
