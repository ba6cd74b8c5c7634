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
