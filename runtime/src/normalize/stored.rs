//! A [`Schema`] as the destination stores it (`_rs_schema`), so a later run knows every table,
//! column and type an earlier run created, and which tables have seen data (schema contracts
//! depend on it).

use serde_json::{json, Map, Value};

use super::{ColumnSchema, Schema};
use crate::def::DataType;

impl Schema {
    /// The stored form: tables in discovery order, parents by name, columns in order.
    pub fn to_json(&self) -> Value {
        json!({ "tables": self.tables_json(|_| true, true) })
    }

    /// Every table as JSON (`name`, `parent` for a child, `columns`, each with `name`,
    /// `data_type`, `nullable` and `variant` when set), keeping the columns `keep` accepts;
    /// `seen` adds whether each table has received data (what the destination's copy needs
    /// for contracts, and a committed tables file does not). One form for both, read back by
    /// [`Schema::read_table`].
    pub(crate) fn tables_json(&self, keep: impl Fn(&str) -> bool, seen: bool) -> Vec<Value> {
        self.tables()
            .iter()
            .map(|t| {
                let columns: Vec<Value> = t
                    .columns()
                    .iter()
                    .filter(|c| keep(&c.name))
                    .map(|c| {
                        let mut col = Map::new();
                        col.insert("name".into(), c.name.clone().into());
                        col.insert("data_type".into(), c.data_type.name().into());
                        col.insert("nullable".into(), c.nullable.into());
                        if c.variant {
                            col.insert("variant".into(), true.into());
                        }
                        Value::Object(col)
                    })
                    .collect();
                let mut table = Map::new();
                table.insert("name".into(), t.name.clone().into());
                if let Some(p) = t.parent {
                    table.insert("parent".into(), self.table_at(p).name.clone().into());
                }
                if seen {
                    table.insert("seen_data".into(), (t.seen_data || t.has_rows).into());
                }
                table.insert("columns".into(), columns.into());
                Value::Object(table)
            })
            .collect()
    }

    /// Reads the stored form; `None` when it is not one (a newer version's, or damaged): the
    /// caller reports it rather than guessing a schema.
    pub fn from_json(v: &Value) -> Option<Schema> {
        let mut schema = Schema::new();
        for t in v.get("tables")?.as_array()? {
            schema.read_table(t).ok()?;
        }
        Some(schema)
    }

    /// Adds one table of [`Schema::tables_json`]'s form (its parent listed before it); the
    /// error says what is wrong with it.
    pub(crate) fn read_table(&mut self, t: &Value) -> Result<(), String> {
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a table without `name`")?;
        let parent = match t.get("parent") {
            None | Some(Value::Null) => None,
            Some(p) => {
                let p = p
                    .as_str()
                    .ok_or(format!("table `{name}`: `parent` is not a name"))?;
                Some(self.table_index(p).ok_or(format!(
                    "table `{name}`: parent `{p}` is not listed before it"
                ))?)
            }
        };
        let columns = t
            .get("columns")
            .and_then(Value::as_array)
            .ok_or(format!("table `{name}` without a `columns` list"))?;
        let index = self.ensure_table(name, parent);
        let table = self.table_at_mut(index);
        table.seen_data = t.get("seen_data").and_then(Value::as_bool).unwrap_or(false);
        for c in columns {
            let column = c
                .get("name")
                .and_then(Value::as_str)
                .ok_or(format!("table `{name}`: a column without `name`"))?;
            let bad = |what: &str| format!("table `{name}`, column `{column}`: {what}");
            let type_name = c
                .get("data_type")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("missing `data_type`"))?;
            let data_type = DataType::from_name(type_name)
                .ok_or_else(|| bad(&format!("unknown data_type `{type_name}`")))?;
            table.add_column(ColumnSchema {
                name: column.to_string(),
                data_type,
                nullable: c.get("nullable").and_then(Value::as_bool).unwrap_or(true),
                variant: c.get("variant").and_then(Value::as_bool).unwrap_or(false),
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
