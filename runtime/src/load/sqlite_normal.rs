//! SQLite's side of normalized loading: statements through the connection's statement cache,
//! values bound natively (integers, reals, booleans as integers) or as text (timestamps in the
//! loaders' text form, decimals, JSON).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rusqlite::types::Null;
use rusqlite::{Connection, Statement};
use serde_json::Value;

use restsource_core::sql::Dialect;

use super::normal_writer::NormalSql;
use super::sqlite_raw::RawStatements;
use super::LoadError;
use crate::def::DataType;

/// A SQLite connection inside a run's transaction, with the statements its inserts keep
/// prepared (bound without copying their values: [`RawStatements`]).
pub(crate) struct SqliteSql<'c>(pub &'c Connection, pub &'c mut RawStatements);

impl NormalSql for SqliteSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn batch(&mut self, sql: &str) -> Result<(), LoadError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn query_text(
        &mut self,
        sql: &str,
        params: &[(&Value, DataType)],
    ) -> Result<Vec<String>, LoadError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        bind_all(&mut stmt, params)?;
        let mut out = Vec::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            out.push(row.get::<_, String>(0)?);
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[(&Value, DataType)]) -> Result<(), LoadError> {
        Ok(self.1.execute(self.0, sql, params)?)
    }

    fn stored_schema(&mut self, resource: &str) -> Result<Option<String>, LoadError> {
        let mut stmt = self
            .0
            .prepare_cached(r#"SELECT "schema" FROM "_rs_schema" WHERE "resource" = ?1"#)?;
        let mut rows = stmt.query([resource])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    }

    fn store_schema(
        &mut self,
        resource: &str,
        schema: &str,
        load_id: &str,
    ) -> Result<(), LoadError> {
        self.0.execute(
            r#"INSERT OR REPLACE INTO "_rs_schema" ("resource", "schema", "load_id") VALUES (?1, ?2, ?3)"#,
            [resource, schema, load_id],
        )?;
        Ok(())
    }
}

fn bind_all(stmt: &mut Statement<'_>, params: &[(&Value, DataType)]) -> Result<(), LoadError> {
    for (i, (v, data_type)) in params.iter().enumerate() {
        match (v, data_type) {
            // Normalization keeps bytes as base64 text (a JSON value); the column holds bytes.
            (Value::String(s), DataType::Binary) => match STANDARD.decode(s) {
                Ok(bytes) => stmt.raw_bind_parameter(i + 1, bytes)?,
                Err(_) => bind(stmt, i + 1, v)?,
            },
            _ => bind(stmt, i + 1, v)?,
        }
    }
    Ok(())
}

/// Binds a normalized value: numbers and booleans natively, JSON as its text.
fn bind(stmt: &mut Statement<'_>, index: usize, v: &Value) -> Result<(), LoadError> {
    match v {
        Value::Null => stmt.raw_bind_parameter(index, Null)?,
        Value::Bool(b) => stmt.raw_bind_parameter(index, *b)?,
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => stmt.raw_bind_parameter(index, i)?,
            // Beyond i64: kept exactly as text rather than rounded to a double.
            (None, _) if n.is_u64() => stmt.raw_bind_parameter(index, n.to_string())?,
            (None, Some(f)) => stmt.raw_bind_parameter(index, f)?,
            (None, None) => stmt.raw_bind_parameter(index, n.to_string())?,
        },
        Value::String(s) => stmt.raw_bind_parameter(index, s.as_str())?,
        other => stmt.raw_bind_parameter(index, other.to_string())?,
    }
    Ok(())
}
