//! SQLite's side of normalized loading: statements through the connection's statement cache,
//! values bound natively (integers, reals, booleans as integers) or as text (timestamps in the
//! loaders' text form, decimals, JSON).

use std::borrow::Cow;

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
        let index = i + 1;
        match stored(v, *data_type) {
            Stored::Null => stmt.raw_bind_parameter(index, Null)?,
            Stored::Int(n) => stmt.raw_bind_parameter(index, n)?,
            Stored::Real(f) => stmt.raw_bind_parameter(index, f)?,
            Stored::Text(text) => stmt.raw_bind_parameter(index, text.as_ref())?,
            Stored::Blob(bytes) => stmt.raw_bind_parameter(index, bytes)?,
        }
    }
    Ok(())
}

/// A normalized value as SQLite stores it: what both ways of binding one (rusqlite's here,
/// [`super::sqlite_raw`]'s) bind.
pub(crate) enum Stored<'a> {
    Null,
    /// Integers and booleans (as 1 and 0, as rusqlite binds them).
    Int(i64),
    Real(f64),
    /// The value's own text where it has one, else the text it is stored as.
    Text(Cow<'a, str>),
    Blob(Vec<u8>),
}

/// How `v`, normalized for a column of `data_type`, is stored: numbers and booleans natively,
/// integers beyond i64 exactly as text rather than rounded to a double, bytes (which
/// normalization keeps as base64 text) as a blob, JSON as its text.
pub(crate) fn stored(v: &Value, data_type: DataType) -> Stored<'_> {
    match v {
        Value::Null => Stored::Null,
        Value::Bool(b) => Stored::Int(i64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Stored::Int(i),
            (None, Some(f)) if !n.is_u64() => Stored::Real(f),
            _ => Stored::Text(Cow::Owned(n.to_string())),
        },
        Value::String(s) if data_type == DataType::Binary => match STANDARD.decode(s) {
            Ok(bytes) => Stored::Blob(bytes),
            Err(_) => Stored::Text(Cow::Borrowed(s)),
        },
        Value::String(s) => Stored::Text(Cow::Borrowed(s)),
        // Written into a byte buffer: `Display` goes through a formatter a piece at a time,
        // twice the instructions for the same text.
        other => Stored::Text(Cow::Owned(
            serde_json::to_string(other).unwrap_or_else(|_| other.to_string()),
        )),
    }
}
