//! Where each column and child table comes from in the API's JSON: the keys a value sits
//! under, before naming turned them into `attributes__dims__w`. Codegen needs them to type a
//! record's fields (a flattened name cannot be split back into keys: naming snake-cases and
//! shortens), so `restsource infer` records them beside the types.
//!
//! The walk follows [`Normalizer::normalize`]'s rules (the same names, the same nesting
//! budget), but only sampling runs it: loading never pays for the keys.

use std::collections::HashMap;

use serde_json::Value;

use super::{Normalizer, LIST_KEY, VALUE_KEY};

/// The key paths of one resource's columns and child tables, first seen first kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePaths {
    /// (table, column) → keys inside the table's row object (empty: the row is a scalar
    /// list element).
    columns: HashMap<(String, String), Vec<String>>,
    /// Child table → keys of its list inside a parent row.
    tables: HashMap<String, Vec<String>>,
}

impl SourcePaths {
    /// The keys column `column` of `table` takes its values from.
    pub fn column(&self, table: &str, column: &str) -> Option<&[String]> {
        self.columns
            .get(&(table.to_string(), column.to_string()))
            .map(Vec::as_slice)
    }

    /// The keys of child table `table`'s list inside its parent's row.
    pub fn table(&self, table: &str) -> Option<&[String]> {
        self.tables.get(table).map(Vec::as_slice)
    }

    /// Records a column's keys unless known.
    pub fn add_column(&mut self, table: &str, column: &str, keys: Vec<String>) {
        self.columns
            .entry((table.to_string(), column.to_string()))
            .or_insert(keys);
    }

    /// Records a child table's list keys unless known.
    pub fn add_table(&mut self, table: &str, keys: Vec<String>) {
        self.tables.entry(table.to_string()).or_insert(keys);
    }
}

/// One object being walked: its fields, the nesting budget left, the normalized fragments and
/// the raw keys leading to it inside its row.
type Pending<'a> = (
    &'a serde_json::Map<String, Value>,
    i64,
    Vec<String>,
    Vec<String>,
);

impl Normalizer {
    /// Adds the key paths of every column and child table `record` (of table `table`, not yet
    /// normalized) reaches to `out`.
    pub fn source_paths(&self, table: &str, record: &Value, out: &mut SourcePaths) {
        self.names.begin_record(&self.naming);
        let path = [self.names.list(&self.naming, table)];
        let name = self.names.table(&self.naming, &path);
        let budget = i64::from(self.max_nesting);
        match record {
            Value::Object(map) => self.walk_row(&path, &name, map, budget, out),
            _ => out.add_column(&name, VALUE_KEY, Vec::new()),
        }
    }

    fn walk_row(
        &self,
        path: &[String],
        name: &str,
        row: &serde_json::Map<String, Value>,
        budget: i64,
        out: &mut SourcePaths,
    ) {
        let mut stack: Vec<Pending<'_>> = vec![(row, budget, Vec::new(), Vec::new())];
        while let Some((object, level, fragments, keys)) = stack.pop() {
            let prefix = fragments.join(restsource_core::naming::PATH_SEPARATOR);
            for (key, value) in object {
                let (key_name, column) = self.names.column(&self.naming, &prefix, key);
                let mut inner_keys = keys.clone();
                inner_keys.push(key.clone());
                let whole = level <= 0;
                match value {
                    Value::Object(inner) if !whole => {
                        let mut inner_fragments = fragments.clone();
                        inner_fragments.push(key_name.to_string());
                        stack.push((inner, level - 1, inner_fragments, inner_keys));
                    }
                    Value::Array(items) if !whole => {
                        let mut child_path = path.to_vec();
                        child_path.extend(fragments.iter().cloned());
                        child_path.push(self.names.list(&self.naming, key));
                        let child = self.names.table(&self.naming, &child_path);
                        out.add_table(&child, inner_keys);
                        // Items take the row's budget, wherever the list sits in it.
                        self.walk_items(&child_path, &child, items, budget, out);
                    }
                    _ => out.add_column(name, &column, inner_keys),
                }
            }
        }
    }

    /// A list's elements as rows of child table `name`, as `Normalizer::row` makes them.
    fn walk_items(
        &self,
        path: &[String],
        name: &str,
        items: &[Value],
        budget: i64,
        out: &mut SourcePaths,
    ) {
        for item in items {
            match item {
                Value::Object(m) => self.walk_row(path, name, m, budget - 1, out),
                // A list of lists: its inner lists are rows of `<name>__list`, which stay
                // untyped (JSON in the record), so their keys are not needed.
                Value::Array(_) => out.add_column(name, LIST_KEY, Vec::new()),
                _ => out.add_column(name, VALUE_KEY, Vec::new()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{RootId, Schema, SystemColumns};
    use restsource_core::naming::Naming;
    use serde_json::json;

    #[test]
    fn every_column_and_child_table_has_its_keys() {
        let n = Normalizer::new(Naming::UNLIMITED, SystemColumns::DLT);
        let record = json!({
            "Id": 1,
            "Attrs": {"Dims": {"W": 2}, "colorName": "red"},
            "tags": ["a"],
            "lines": [{"sku": "x", "parts": [{"n": 1}]}]
        });
        let mut paths = SourcePaths::default();
        n.source_paths("Items", &record, &mut paths);
        let keys = |t: &str, c: &str| paths.column(t, c).map(|k| k.join("."));
        assert_eq!(keys("items", "id").as_deref(), Some("Id"));
        assert_eq!(
            keys("items", "attrs__dims__w").as_deref(),
            Some("Attrs.Dims.W")
        );
        assert_eq!(
            keys("items", "attrs__color_name").as_deref(),
            Some("Attrs.colorName")
        );
        assert_eq!(keys("items__tags", "value").as_deref(), Some(""));
        assert_eq!(keys("items__lines", "sku").as_deref(), Some("sku"));
        assert_eq!(keys("items__lines__parts", "n").as_deref(), Some("n"));
        assert_eq!(
            paths.table("items__lines__parts"),
            Some(&["parts".to_string()][..])
        );

        // Every column normalization makes has its keys.
        let mut schema = Schema::new();
        n.normalize(
            &mut schema,
            "Items",
            &record,
            &RootId::Random,
            "L",
            &mut Vec::new(),
        )
        .unwrap();
        for t in schema.tables() {
            for c in t.columns().iter().filter(|c| !c.name.starts_with("_dlt")) {
                assert!(
                    paths.column(&t.name, &c.name).is_some(),
                    "{} {}",
                    t.name,
                    c.name
                );
            }
        }
    }

    #[test]
    fn below_the_nesting_budget_a_value_is_one_json_column() {
        let mut n = Normalizer::new(Naming::UNLIMITED, SystemColumns::DLT);
        n.max_nesting = 1;
        let mut paths = SourcePaths::default();
        n.source_paths("t", &json!({"a": {"b": {"c": 1}}}), &mut paths);
        assert_eq!(
            paths.column("t", "a__b"),
            Some(&["a".to_string(), "b".to_string()][..])
        );
        assert_eq!(paths.column("t", "a__b__c"), None);
    }
}
