//! The normalized tables of one resource as a destination holds them: the [`Schema`] known so
//! far, and how much of it already exists as SQL, so each new table or column is created
//! exactly once, inside the run's transaction (a failed run rolls its DDL back with its rows).

use restsource_core::sql::relational::{self, NormalColumn};
use restsource_core::sql::Dialect;

use crate::normalize::{ColumnSchema, Schema, SystemColumns};

/// A normalized column as the SQL builder takes it.
pub(crate) fn normal(c: &ColumnSchema) -> NormalColumn<'_> {
    NormalColumn {
        name: &c.name,
        data_type: c.data_type,
        nullable: c.nullable,
    }
}

/// A resource's normalized tables and the DDL that brings the destination up to them.
#[derive(Debug, Clone)]
pub(crate) struct NormalTables {
    /// Every table and column known, stored ones first.
    pub schema: Schema,
    /// Per table: how many of its columns exist in the destination (`None`: not created).
    created: Vec<Option<usize>>,
    /// Key columns of the root table (indexed, so merge deletes by key stay cheap).
    key: Vec<String>,
    system: SystemColumns,
}

impl NormalTables {
    /// Tables of `schema`, all of which exist in the destination as stored.
    pub fn stored(schema: Schema, key: Vec<String>, system: SystemColumns) -> NormalTables {
        let created = schema
            .tables()
            .iter()
            .map(|t| Some(t.columns().len()))
            .collect();
        NormalTables {
            schema,
            created,
            key,
            system,
        }
    }

    /// The statements creating every table and column of the schema that does not exist yet,
    /// in schema order; afterwards they count as created.
    pub fn pending_ddl(&mut self, dialect: Dialect) -> Vec<String> {
        let mut ddl = Vec::new();
        for (i, table) in self.schema.tables().iter().enumerate() {
            if self.created.len() <= i {
                self.created.push(None);
            }
            let columns = table.columns();
            // A table is only created once it has a row; until then it has no columns.
            if columns.is_empty() {
                continue;
            }
            match self.created[i] {
                None => {
                    let all: Vec<NormalColumn<'_>> = columns.iter().map(normal).collect();
                    ddl.push(relational::create_table(dialect, &table.name, &all));
                    ddl.extend(self.indexes(&table.name, table.parent.is_none(), columns));
                }
                Some(n) if n < columns.len() => {
                    for c in &columns[n..] {
                        ddl.push(relational::add_column(dialect, &table.name, &normal(c)));
                    }
                    ddl.extend(self.indexes(&table.name, table.parent.is_none(), &columns[n..]));
                }
                Some(_) => {}
            }
            self.created[i] = Some(columns.len());
        }
        ddl
    }

    /// Indexes for the lookups loading makes among `new` columns: the root table's key (merge
    /// deletes by it) and a child table's root id (a merged root's child rows go by it).
    fn indexes(&self, table: &str, root: bool, new: &[ColumnSchema]) -> Vec<String> {
        let has = |name: &str| new.iter().any(|c| c.name == name);
        let mut out = Vec::new();
        if root && !self.key.is_empty() && self.key.iter().all(|k| has(k)) {
            let key: Vec<&str> = self.key.iter().map(String::as_str).collect();
            out.push(relational::create_index(table, &key, false));
        }
        if !root && has(self.system.root_id) {
            out.push(relational::create_index(
                table,
                &[self.system.root_id],
                false,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Normalizer, RootId};
    use restsource_core::naming::Naming;
    use serde_json::json;

    #[test]
    fn each_table_and_column_is_created_once() {
        let mut n = Normalizer::new(Naming::UNLIMITED, SystemColumns::DLT);
        n.root_key = true;
        n.primary_key = vec!["id".into()];
        let mut tables = NormalTables::stored(Schema::new(), vec!["id".into()], SystemColumns::DLT);
        let r = RootId::Given("R".into());
        n.normalize(
            &mut tables.schema,
            "t",
            &json!({"id": 1, "l": [1]}),
            &r,
            "L",
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            tables.pending_ddl(Dialect::Sqlite),
            [
                r#"CREATE TABLE IF NOT EXISTS "t" ("id" INTEGER NOT NULL, "_dlt_load_id" TEXT NOT NULL, "_dlt_id" TEXT NOT NULL)"#,
                r#"CREATE INDEX IF NOT EXISTS "t__id__idx" ON "t" ("id")"#,
                r#"CREATE TABLE IF NOT EXISTS "t__l" ("value" INTEGER, "_dlt_root_id" TEXT NOT NULL, "_dlt_parent_id" TEXT NOT NULL, "_dlt_list_idx" INTEGER NOT NULL, "_dlt_id" TEXT NOT NULL)"#,
                r#"CREATE INDEX IF NOT EXISTS "t__l___dlt_root_id__idx" ON "t__l" ("_dlt_root_id")"#,
            ]
        );
        n.normalize(
            &mut tables.schema,
            "t",
            &json!({"id": 2, "b": true}),
            &r,
            "L",
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(
            tables.pending_ddl(Dialect::Postgres),
            [r#"ALTER TABLE "t" ADD COLUMN "b" boolean"#]
        );
        assert!(tables.pending_ddl(Dialect::Postgres).is_empty());
    }
}
