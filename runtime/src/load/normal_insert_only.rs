//! Insert-only merges of normalized records (dlt's `insert-only`): a record whose key is
//! stored already is skipped with its child rows; nothing stored is ever updated or deleted.

use serde_json::Value;

use restsource_core::sql::Dialect;

use super::{NormalSql, NormalWriter};
use crate::def::DataType;
use crate::load::normal_batch::{chunks, param, select_in};
use crate::load::LoadError;

impl NormalWriter {
    /// Marks every record of the page whose key is stored as not inserted: one query per chunk
    /// of keys for a one-column integer, text or boolean key (compared as the database prints
    /// them), else one typed query per key.
    pub(super) fn skip_stored(
        &mut self,
        sql: &mut dyn NormalSql,
        dialect: Dialect,
    ) -> Result<(), LoadError> {
        let Some((root, key_columns)) = self.page_key() else {
            return Ok(());
        };
        let root_table = self.tables.schema.table_at(root);
        let candidates: Vec<usize> = (0..self.page.staged.len())
            .filter(|&i| self.page.staged[i].insert && self.page.staged[i].key.is_some())
            .collect();
        let single = match key_columns[..] {
            [c] => Some(&root_table.columns()[c]),
            _ => None,
        }
        .filter(|c| {
            matches!(
                c.data_type,
                DataType::Bigint | DataType::Text | DataType::Bool
            )
        });
        let mut stored: Vec<usize> = Vec::new();
        if let Some(c) = single {
            let mut found = std::collections::HashSet::new();
            let mut rest = candidates.as_slice();
            for n in chunks(candidates.len(), 1, dialect) {
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                let query = select_in(dialect, &root_table.name, &c.name, c.data_type, n);
                let params: Vec<(&Value, DataType)> = chunk
                    .iter()
                    .filter_map(|&i| self.page.staged[i].key.as_ref())
                    .map(|k| (&k[0], c.data_type))
                    .collect();
                found.extend(sql.query_text(&query, &params)?);
            }
            for &i in &candidates {
                let key = self.page.staged[i]
                    .key
                    .as_ref()
                    .map(|k| printed(&k[0], dialect));
                if key.is_some_and(|k| found.contains(&k)) {
                    stored.push(i);
                }
            }
        } else {
            let columns: Vec<_> = key_columns
                .iter()
                .map(|&c| &root_table.columns()[c])
                .collect();
            let query = exists(dialect, &root_table.name, &columns);
            for &i in &candidates {
                let Some(key) = &self.page.staged[i].key else {
                    continue;
                };
                let params: Vec<(&Value, DataType)> = key
                    .iter()
                    .zip(&columns)
                    .map(|(v, c)| (v, c.data_type))
                    .collect();
                if !sql.query_text(&query, &params)?.is_empty() {
                    stored.push(i);
                }
            }
        }
        for i in stored {
            self.page.staged[i].insert = false;
        }
        Ok(())
    }
}

/// A key value as `CAST(<column> AS TEXT)` prints it.
fn printed(v: &Value, dialect: Dialect) -> String {
    match (v, dialect) {
        (Value::String(s), _) => s.clone(),
        (Value::Bool(b), Dialect::Sqlite) => u8::from(*b).to_string(),
        (Value::Bool(b), Dialect::Postgres) => b.to_string(),
        (other, _) => other.to_string(),
    }
}

/// `SELECT 'x' FROM <table> WHERE <k1> = ? AND ... LIMIT 1`.
fn exists(dialect: Dialect, table: &str, columns: &[&crate::normalize::ColumnSchema]) -> String {
    use restsource_core::sql::quote_ident;
    let conditions: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut condition = format!("{} = ", quote_ident(&c.name));
            param(&mut condition, dialect, i + 1, c.data_type);
            condition
        })
        .collect();
    format!(
        "SELECT 'x' FROM {} WHERE {} LIMIT 1",
        quote_ident(table),
        conditions.join(" AND ")
    )
}
