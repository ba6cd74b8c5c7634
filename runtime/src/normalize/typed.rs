//! The names normalization gives a typed layout ([`TypedTable`]): what lets a record written
//! by generated code ([`crate::record::Record::write_tables`]) land in the very tables and
//! columns its JSON form would, without flattening it. Names come from the same cache and rules
//! as [`super::flat`]'s; a layout that normalization would not flatten as written (a container
//! kept whole by `max_table_nesting` or by a column typed JSON, two paths meeting in one name,
//! a key named as a system column) has no names, and its records take the general path.

use std::sync::Arc;

use restsource_core::naming::PATH_SEPARATOR;
use serde_json::Value;

use super::flat::{child_row_id, KnowsJson};
use super::{ContractMode, FastMap, Normalizer, RootId, Schema, VALUE_KEY};
use crate::def::DataType;
use crate::record::TypedTable;

/// One table of a typed layout, named.
#[derive(Debug, Clone)]
pub(crate) struct TypedTableNames {
    /// The table's normalized name.
    pub name: Arc<str>,
    /// Each written value's column, in the layout's order.
    pub columns: Vec<Arc<str>>,
}

impl Normalizer {
    /// The names of `layout`'s tables and columns for the resource whose table is `table`
    /// (not yet normalized), with `json` the columns typed JSON; `None` when a record of the
    /// layout must take the general path (see the module's doc), or when the contract may
    /// refuse a row of a table that exists (only evolving tables are written this way).
    pub(crate) fn typed_names(
        &self,
        table: &str,
        layout: &[TypedTable],
        json: &impl KnowsJson,
    ) -> Option<Vec<TypedTableNames>> {
        if layout.is_empty() || self.contract.tables != ContractMode::Evolve {
            return None;
        }
        // Each table's path fragments and its rows' nesting budget, as flattening has them.
        let mut paths: Vec<(Vec<String>, i64)> = Vec::with_capacity(layout.len());
        let mut named: Vec<TypedTableNames> = Vec::with_capacity(layout.len());
        for t in layout {
            let (path, budget) = match t.parent {
                None => (
                    vec![self.names.list(&self.naming, table)],
                    i64::from(self.max_nesting),
                ),
                Some(p) => {
                    let (parent_path, parent_budget) = paths.get(p)?;
                    let (list, objects) = t.path.split_last()?;
                    self.container(&named[p].name, objects, list, *parent_budget, json)?;
                    let mut path = parent_path.clone();
                    path.extend(objects.iter().map(|k| self.naming.key(k)));
                    path.push(self.names.list(&self.naming, list));
                    (path, parent_budget - 1)
                }
            };
            let name = self.names.table(&self.naming, &path);
            for object in t.objects {
                let (key, outer) = object.split_last()?;
                self.container(&name, outer, key, budget, json)?;
            }
            let mut columns: Vec<Arc<str>> = Vec::with_capacity(t.columns.len());
            for column in t.columns {
                let c = match column.split_last() {
                    None => self.column_name(&[], VALUE_KEY),
                    Some((key, outer)) => self.column_name(outer, key),
                };
                if self.system.contains(&c) || columns.contains(&c) {
                    return None;
                }
                columns.push(c);
            }
            if named.iter().any(|n| n.name == name) {
                return None;
            }
            paths.push((path, budget));
            named.push(TypedTableNames { name, columns });
        }
        Some(named)
    }

    /// `Some` when the container (object or list) at key `key` inside the objects `outer` of
    /// a row of `table` (nesting budget `budget`) is flattened, not kept whole.
    fn container(
        &self,
        table: &str,
        outer: &[&str],
        key: &str,
        budget: i64,
        json: &impl KnowsJson,
    ) -> Option<()> {
        let level = budget - i64::try_from(outer.len()).ok()?;
        let column = self.column_name(outer, key);
        (level > 0 && !json.row_json(table).contains(&column)).then_some(())
    }

    /// The column of key `key` inside the nested objects `outer` of a row.
    fn column_name(&self, outer: &[&str], key: &str) -> Arc<str> {
        let prefix: Vec<String> = outer.iter().map(|k| self.naming.key(k)).collect();
        self.names
            .column(&self.naming, &prefix.join(PATH_SEPARATOR), key)
            .1
    }

    /// A root row's id under `rule`, from its primary key columns' values (`key`: name and
    /// value, as flattening gives them).
    pub(crate) fn typed_root_id(&self, rule: &RootId, key: &[(Arc<str>, Value)]) -> String {
        self.root_row_id(rule, key)
    }
}

/// A child row's id: dlt's digest of its parent's row id, its table and its list index.
pub(crate) fn typed_child_id(parent: &str, table: &str, index: usize) -> String {
    child_row_id(parent, table, index)
}

/// The type of every column a schema had when a run's writer started. A column's type never
/// changes once it exists, so what this says of a column stays true for the whole run: what
/// lets values be converted to their column's type ahead of the writer.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnTypes(FastMap<String, FastMap<String, DataType>>);

impl ColumnTypes {
    /// The columns of `schema`.
    pub fn of(schema: &Schema) -> ColumnTypes {
        ColumnTypes(
            schema
                .tables()
                .iter()
                .map(|t| {
                    let columns = t
                        .columns()
                        .iter()
                        .filter(|c| !c.variant)
                        .map(|c| (c.name.clone(), c.data_type))
                        .collect();
                    (t.name.clone(), columns)
                })
                .collect(),
        )
    }

    /// The type of column `column` of table `table`, when it existed.
    pub fn get(&self, table: &str, column: &str) -> Option<DataType> {
        self.0.get(table)?.get(column).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{ColumnSchema, SchemaContract, SystemColumns};
    use restsource_core::naming::Naming;
    use serde_json::json;

    const ROOT: TypedTable = TypedTable {
        parent: None,
        path: &[],
        columns: &[
            &["Id"],
            &["attributes", "Color"],
            &["attributes", "dims", "w"],
        ],
        objects: &[&["attributes"], &["attributes", "dims"]],
    };
    const TAGS: TypedTable = TypedTable {
        parent: Some(0),
        path: &["attributes", "Tags"],
        columns: &[&[]],
        objects: &[],
    };

    fn normalizer() -> Normalizer {
        Normalizer::new(Naming::SQLITE, SystemColumns::DLT)
    }

    fn names(n: &Normalizer, schema: &Schema, layout: &[TypedTable]) -> Option<Vec<String>> {
        let named = n.typed_names("Items", layout, schema)?;
        Some(
            named
                .iter()
                .map(|t| {
                    let columns: Vec<&str> = t.columns.iter().map(|c| &**c).collect();
                    format!("{}: {}", t.name, columns.join(", "))
                })
                .collect(),
        )
    }

    /// The names are the ones flattening gives a record of the same shape.
    #[test]
    fn names_are_flattening_s() {
        let n = normalizer();
        let got = names(&n, &Schema::new(), &[ROOT, TAGS]).unwrap();
        assert_eq!(
            got,
            [
                "items: id, attributes__color, attributes__dims__w",
                "items__attributes__tags: value"
            ]
        );
        let record =
            json!({"Id": 1, "attributes": {"Color": "red", "dims": {"w": 2}, "Tags": ["a"]}});
        let flat = n.flatten_record(
            "Items",
            record.as_object().unwrap().clone(),
            &RootId::Given("r".into()),
            &Schema::new(),
        );
        let flattened: Vec<String> = flat
            .rows
            .iter()
            .map(|r| {
                let mut columns: Vec<&str> = r.flat.iter().map(|(c, _)| &**c).collect();
                columns.sort();
                format!("{}: {}", r.table, columns.join(", "))
            })
            .collect();
        assert_eq!(
            flattened,
            [
                "items: attributes__color, attributes__dims__w, id",
                "items__attributes__tags: value"
            ]
        );
    }

    /// A layout normalization would not flatten as written has no names.
    #[test]
    fn layouts_flattening_keeps_whole_or_merges_have_none() {
        let mut n = normalizer();
        n.max_nesting = 1;
        assert_eq!(
            names(&n, &Schema::new(), &[ROOT]),
            None,
            "dims beyond the nesting"
        );
        n.max_nesting = 2;
        assert!(names(&n, &Schema::new(), &[ROOT, TAGS]).is_some());
        let shallow = TypedTable {
            columns: &[&["Id"]],
            objects: &[&["attributes"]],
            ..ROOT
        };
        n.max_nesting = 1;
        assert!(names(&n, &Schema::new(), &[shallow]).is_some());
        assert_eq!(
            names(&n, &Schema::new(), &[shallow, TAGS]),
            None,
            "a list beyond it"
        );

        let n = normalizer();
        let mut schema = Schema::new();
        let t = schema.ensure_table("items", None);
        schema.table_at_mut(t).add_column(ColumnSchema {
            name: "attributes".into(),
            data_type: DataType::Json,
            nullable: true,
            variant: false,
        });
        assert_eq!(
            names(&n, &schema, &[ROOT]),
            None,
            "an object under a JSON column"
        );

        let collide = TypedTable {
            columns: &[&["a__b"], &["a", "b"]],
            objects: &[&["a"]],
            ..ROOT
        };
        assert_eq!(
            names(&n, &Schema::new(), &[collide]),
            None,
            "two keys, one column"
        );
        let system = TypedTable {
            columns: &[&["_dlt_id"]],
            objects: &[],
            ..ROOT
        };
        assert_eq!(names(&n, &Schema::new(), &[system]), None, "a given row id");

        let mut frozen = normalizer();
        frozen.contract = SchemaContract {
            tables: ContractMode::Freeze,
            ..SchemaContract::EVOLVE
        };
        assert_eq!(
            names(&frozen, &Schema::new(), &[ROOT]),
            None,
            "a contract on tables"
        );
    }

    #[test]
    fn column_types_are_the_schema_s_less_its_variants() {
        let mut schema = Schema::new();
        let t = schema.ensure_table("items", None);
        for (name, data_type, variant) in [
            ("at", DataType::Timestamp, false),
            ("at__v_text", DataType::Text, true),
        ] {
            schema.table_at_mut(t).add_column(ColumnSchema {
                name: name.into(),
                data_type,
                nullable: true,
                variant,
            });
        }
        let types = ColumnTypes::of(&schema);
        assert_eq!(types.get("items", "at"), Some(DataType::Timestamp));
        assert_eq!(types.get("items", "at__v_text"), None);
        assert_eq!(types.get("other", "at"), None);
    }
}
