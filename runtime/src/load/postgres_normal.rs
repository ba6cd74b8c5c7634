//! PostgreSQL's side of normalized loading: statements prepared once per text, values bound
//! in their column's wire type (timestamps as `timestamptz`, JSON as `jsonb`, decimals as text
//! the statement casts).

use std::collections::HashMap;

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use restsource_core::sql::Dialect;

use super::normal_writer::NormalSql;
use super::postgres_copy::copy_rows;
use super::postgres_value::PgValue;
use super::quote_ident;
use super::LoadError;
use crate::def::DataType;
use crate::normalize::TableSchema;

/// A PostgreSQL connection inside a run's transaction.
pub(crate) struct PgSql<'a> {
    pub rt: &'a tokio::runtime::Handle,
    pub client: &'a Client,
    /// Prepared statements by their text.
    pub stmts: &'a mut HashMap<String, Statement>,
}

impl PgSql<'_> {
    fn prepared(&mut self, sql: &str) -> Result<Statement, LoadError> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.rt.block_on(self.client.prepare(sql))?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl NormalSql for PgSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn batch(&mut self, sql: &str) -> Result<(), LoadError> {
        Ok(self.rt.block_on(self.client.batch_execute(sql))?)
    }

    fn query_text(
        &mut self,
        sql: &str,
        params: &[(&Value, DataType)],
    ) -> Result<Vec<String>, LoadError> {
        let stmt = self.prepared(sql)?;
        let values: Vec<PgValue> = params.iter().map(|(v, t)| pg_value(v, *t)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let rows = self.rt.block_on(self.client.query(&stmt, &refs))?;
        rows.iter()
            .map(|r| Ok(r.try_get::<_, String>(0)?))
            .collect()
    }

    fn execute(&mut self, sql: &str, params: &[(&Value, DataType)]) -> Result<(), LoadError> {
        let stmt = self.prepared(sql)?;
        let values: Vec<PgValue> = params.iter().map(|(v, t)| pg_value(v, *t)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        self.rt.block_on(self.client.execute(&stmt, &refs))?;
        Ok(())
    }

    fn has_bulk_insert(&self) -> bool {
        true
    }

    fn bulk_insert(
        &mut self,
        table: &TableSchema,
        params: &[(&Value, DataType)],
    ) -> Result<bool, LoadError> {
        copy_rows(self.rt, self.client, table, params)?;
        Ok(true)
    }

    fn delete_any(
        &mut self,
        table: &str,
        column: &str,
        data_type: DataType,
        keys: &[&Value],
        returning: Option<&str>,
    ) -> Result<Option<Vec<String>>, LoadError> {
        // One array parameter: one statement and one plan per page, whatever its key count.
        let array: Box<dyn ToSql + Sync + '_> = match data_type {
            DataType::Bigint => match keys.iter().map(|k| k.as_i64()).collect::<Option<Vec<_>>>() {
                Some(v) => Box::new(v),
                None => return Ok(None),
            },
            DataType::Text => match keys.iter().map(|k| k.as_str()).collect::<Option<Vec<_>>>() {
                Some(v) => Box::new(v),
                None => return Ok(None),
            },
            DataType::Bool => match keys.iter().map(|k| k.as_bool()).collect::<Option<Vec<_>>>() {
                Some(v) => Box::new(v),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let mut text = format!(
            "DELETE FROM {} WHERE {} = ANY($1)",
            quote_ident(table),
            quote_ident(column)
        );
        if let Some(r) = returning {
            text.push_str(" RETURNING ");
            text.push_str(&quote_ident(r));
        }
        let stmt = self.prepared(&text)?;
        let params: [&(dyn ToSql + Sync); 1] = [array.as_ref()];
        if returning.is_none() {
            self.rt.block_on(self.client.execute(&stmt, &params))?;
            return Ok(Some(Vec::new()));
        }
        let rows = self.rt.block_on(self.client.query(&stmt, &params))?;
        let ids = rows
            .iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ids))
    }

    fn stored_schema(&mut self, resource: &str) -> Result<Option<String>, LoadError> {
        let rows = self.rt.block_on(self.client.query(
            r#"SELECT "schema"::text FROM "_rs_schema" WHERE "resource" = $1"#,
            &[&resource],
        ))?;
        match rows.first() {
            Some(row) => Ok(Some(row.try_get(0)?)),
            None => Ok(None),
        }
    }

    fn store_schema(
        &mut self,
        resource: &str,
        schema: &str,
        load_id: &str,
    ) -> Result<(), LoadError> {
        self.rt.block_on(self.client.execute(
            r#"INSERT INTO "_rs_schema" ("resource", "schema", "load_id") VALUES ($1, $2::text::jsonb, $3)
               ON CONFLICT ("resource") DO UPDATE SET "schema" = EXCLUDED."schema", "load_id" = EXCLUDED."load_id""#,
            &[&resource, &schema, &load_id],
        ))?;
        Ok(())
    }
}

/// A normalized value (already converted to its column's type) in that type's wire form.
pub(crate) fn pg_value(v: &Value, t: DataType) -> PgValue {
    let text = || match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match (t, v) {
        (_, Value::Null) => PgValue::Null,
        (DataType::Bigint, Value::Number(n)) if n.is_i64() => PgValue::I64(n.as_i64().unwrap_or(0)),
        (DataType::Double, Value::Number(n)) => PgValue::F64(n.as_f64().unwrap_or(f64::NAN)),
        (DataType::Bool, Value::Bool(b)) => PgValue::Bool(*b),
        (DataType::Json, v) => PgValue::Json(v.clone()),
        (DataType::Timestamp, Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| PgValue::Timestamp(t.with_timezone(&chrono::Utc)))
            .unwrap_or_else(|_| PgValue::Text(s.clone())),
        (DataType::Date, Value::String(s)) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(PgValue::Date)
            .unwrap_or_else(|_| PgValue::Text(s.clone())),
        (DataType::Time, Value::String(s)) => chrono::NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
            .map(PgValue::Time)
            .unwrap_or_else(|_| PgValue::Text(s.clone())),
        (DataType::Binary, Value::String(s)) => {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(PgValue::Bytes)
                .unwrap_or_else(|_| PgValue::Text(s.clone()))
        }
        // Text, decimals (the statement casts them from text) and anything else.
        _ => PgValue::Text(text()),
    }
}
