//! What a resource's definition fixes before any record arrives: its normalizer's settings
//! and its declared columns. Loading and sampling (`restsource infer`) start from the same
//! place, so a sample infers exactly the tables a load would create.

use restsource_core::naming::Naming;

use super::{ColumnSchema, Normalizer, RelationalOptions, Schema};
use crate::def::{ColumnDef, ResourceDef};

impl Normalizer {
    /// The normalizer of `def` under `options` and `naming`: the resource's contract (unless
    /// the run overrides it) and nesting; `root_key` writes the root id on every descendant
    /// row (merge dispositions, so a merged record replaces its children).
    pub fn for_resource(
        def: &ResourceDef,
        naming: Naming,
        options: RelationalOptions,
        root_key: bool,
    ) -> Normalizer {
        let mut normalizer = Normalizer::new(naming, options.system);
        normalizer.contract = options.contract.unwrap_or(def.relational.contract);
        normalizer.max_nesting = def.relational.max_nesting;
        normalizer.root_key = root_key;
        normalizer.primary_key = def.primary_key.iter().map(|k| naming.key(k)).collect();
        normalizer
    }

    /// Adds `def`'s root table to `schema` when it has none yet, with the declared columns
    /// first, typed as declared (dlt's rule: a column hint wins over inference). A column
    /// declared without a type is left to inference; one declared `json` keeps its value whole
    /// (dlt does not flatten a column typed json).
    pub fn declare(&self, schema: &mut Schema, def: &ResourceDef) {
        self.declare_columns(schema, def.table_name, def.columns);
    }

    /// [`Normalizer::declare`] of root table `table` (not yet normalized) and its columns.
    pub fn declare_columns(&self, schema: &mut Schema, table: &str, columns: &[ColumnDef]) {
        let table = self.naming.path(table);
        if schema.table_index(&table).is_some() {
            return;
        }
        let root = schema.ensure_table(&table, None);
        for c in columns.iter().filter(|c| !c.untyped) {
            let name = self.naming.key(c.json_name);
            let nullable = c.nullable && !self.primary_key.contains(&name);
            schema.table_at_mut(root).add_column(ColumnSchema {
                name,
                data_type: c.data_type,
                nullable,
                variant: false,
            });
        }
    }
}
