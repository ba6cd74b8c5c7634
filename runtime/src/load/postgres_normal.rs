//! PostgreSQL's side of normalized loading: statements prepared once per text, values bound
//! in their column's wire type (timestamps as `timestamptz`, JSON as `jsonb`, decimals as text
//! the statement casts).

use serde_json::Value;
use tokio_postgres::types::ToSql;
use tokio_postgres::Statement;

use restsource_core::sql::Dialect;

use super::normal_writer::NormalSql;
use super::postgres_copy::copy_op;
use super::postgres_pipeline::{KeyArray, Op, Pipeline};
use super::postgres_value::PgValue;
use super::quote_ident;
use super::LoadError;
use crate::def::DataType;
use crate::normalize::TableSchema;

/// A PostgreSQL connection inside a run's transaction, seen from normalized loading: what
/// writes and returns nothing is queued on the [`Pipeline`] and sent when the page ends; what
/// reads waits for everything queued first.
pub(crate) struct PgSql<'a> {
    pub rt: &'a tokio::runtime::Handle,
    pub pipe: &'a mut Pipeline,
}

impl PgSql<'_> {
    /// Settles the pipeline, then the prepared statement of `sql`.
    fn prepared(&mut self, sql: &str) -> Result<Statement, LoadError> {
        self.pipe.settle(self.rt)?;
        if let Some(s) = self.pipe.statements().get(sql) {
            return Ok(s.clone());
        }
        let s = self.rt.block_on(self.pipe.client().prepare(sql))?;
        self.pipe.statements().insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// `keys` as one array of `data_type`; `None` for another type, or a key not of it.
fn key_array(data_type: DataType, keys: &[&Value]) -> Option<KeyArray> {
    match data_type {
        DataType::Bigint => keys
            .iter()
            .map(|k| k.as_i64())
            .collect::<Option<Vec<_>>>()
            .map(KeyArray::I64),
        DataType::Text => keys
            .iter()
            .map(|k| k.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(KeyArray::Text),
        DataType::Bool => keys
            .iter()
            .map(|k| k.as_bool())
            .collect::<Option<Vec<_>>>()
            .map(KeyArray::Bool),
        _ => None,
    }
}

impl NormalSql for PgSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn batch(&mut self, sql: &str) -> Result<(), LoadError> {
        self.pipe.push(Op::Batch(sql.to_string()));
        Ok(())
    }

    fn query_text(
        &mut self,
        sql: &str,
        params: &[(&Value, DataType)],
    ) -> Result<Vec<String>, LoadError> {
        let stmt = self.prepared(sql)?;
        let values: Vec<PgValue> = params.iter().map(|(v, t)| pg_value(v, *t)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let rows = self.rt.block_on(self.pipe.client().query(&stmt, &refs))?;
        rows.iter()
            .map(|r| Ok(r.try_get::<_, String>(0)?))
            .collect()
    }

    fn execute(&mut self, sql: &str, params: &[(&Value, DataType)]) -> Result<(), LoadError> {
        self.pipe.push(Op::Execute {
            sql: sql.to_string(),
            params: params.iter().map(|(v, t)| pg_value(v, *t)).collect(),
        });
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
        if let Some(op) = copy_op(table, params)? {
            self.pipe.push(op);
        }
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
        let Some(array) = key_array(data_type, keys) else {
            return Ok(None);
        };
        let mut text = format!(
            "DELETE FROM {} WHERE {} = ANY($1)",
            quote_ident(table),
            quote_ident(column)
        );
        let Some(r) = returning else {
            self.pipe.push(Op::Keys {
                sql: text,
                keys: array,
            });
            return Ok(Some(Vec::new()));
        };
        text.push_str(" RETURNING ");
        text.push_str(&quote_ident(r));
        let stmt = self.prepared(&text)?;
        let rows = self
            .rt
            .block_on(self.pipe.client().query(&stmt, &[array.as_param()]))?;
        let ids = rows
            .iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ids))
    }

    fn delete_roots(
        &mut self,
        root: &str,
        column: &str,
        data_type: DataType,
        keys: &[&Value],
        row_id: &str,
        children: &[(&str, &str)],
    ) -> Result<bool, LoadError> {
        let Some(array) = key_array(data_type, keys) else {
            return Ok(false);
        };
        let (root, column) = (quote_ident(root), quote_ident(column));
        // The children first: they are found through the root rows still there.
        for (table, root_column) in children {
            self.pipe.push(Op::Keys {
                sql: format!(
                    "DELETE FROM {} WHERE {} IN (SELECT {} FROM {root} WHERE {column} = ANY($1))",
                    quote_ident(table),
                    quote_ident(root_column),
                    quote_ident(row_id),
                ),
                keys: array.clone(),
            });
        }
        self.pipe.push(Op::Keys {
            sql: format!("DELETE FROM {root} WHERE {column} = ANY($1)"),
            keys: array,
        });
        Ok(true)
    }

    fn end_page(&mut self) -> Result<(), LoadError> {
        self.pipe.send(self.rt)
    }

    fn stored_schema(&mut self, resource: &str) -> Result<Option<String>, LoadError> {
        self.pipe.settle(self.rt)?;
        let rows = self.rt.block_on(self.pipe.client().query(
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
        self.pipe.settle(self.rt)?;
        self.rt.block_on(self.pipe.client().execute(
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
