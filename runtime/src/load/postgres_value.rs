//! Row values bound to PostgreSQL statements. One enum accepts every column type so NULLs need
//! no type, and a row's values can be collected in column order by a [`RowWriter`].

use std::error::Error;

use bytes::BytesMut;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

use crate::record::{Extra, RowWriter};

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum PgValue {
    Null,
    Bool(bool),
    I64(i64),
    F64(f64),
    Text(String),
    Bytes(Vec<u8>),
    Json(serde_json::Value),
    /// JSON already serialized (a record's undeclared fields).
    JsonText(String),
    Timestamp(chrono::DateTime<chrono::Utc>),
    Date(chrono::NaiveDate),
    Time(chrono::NaiveTime),
}

impl ToSql for PgValue {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            PgValue::Null => Ok(IsNull::Yes),
            PgValue::Bool(v) => v.to_sql(ty, out),
            PgValue::I64(v) => v.to_sql(ty, out),
            PgValue::F64(v) => v.to_sql(ty, out),
            PgValue::Text(v) => v.as_str().to_sql(ty, out),
            PgValue::Bytes(v) => v.as_slice().to_sql(ty, out),
            PgValue::Json(v) => v.to_sql(ty, out),
            PgValue::JsonText(v) => {
                // jsonb's binary format is a version byte (1) and the text; json is the text.
                if *ty == Type::JSONB {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(v.as_bytes());
                Ok(IsNull::No)
            }
            PgValue::Timestamp(v) => v.to_sql(ty, out),
            PgValue::Date(v) => v.to_sql(ty, out),
            PgValue::Time(v) => v.to_sql(ty, out),
        }
    }

    // The generated SQL fixes every parameter's type; the variant matches it by construction.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Collects a row's values, column `i` into slot `map[i]` (or appended without a map).
pub(crate) struct PgRow<'a> {
    pub vals: Vec<PgValue>,
    map: Option<&'a [Option<usize>]>,
    pos: usize,
}

impl<'a> PgRow<'a> {
    /// A row for a statement with `params` parameters.
    pub fn new(map: Option<&'a [Option<usize>]>, params: usize) -> Self {
        PgRow {
            vals: vec![PgValue::Null; params],
            map,
            pos: 0,
        }
    }

    fn put(&mut self, v: PgValue) {
        let slot = match self.map {
            None => Some(self.pos),
            Some(m) => m.get(self.pos).copied().flatten(),
        };
        self.pos += 1;
        if let Some(slot) = slot {
            if slot >= self.vals.len() {
                self.vals.resize(slot + 1, PgValue::Null);
            }
            self.vals[slot] = v;
        }
    }
}

impl RowWriter for PgRow<'_> {
    fn null(&mut self) {
        self.put(PgValue::Null)
    }
    fn bool(&mut self, v: bool) {
        self.put(PgValue::Bool(v))
    }
    fn i64(&mut self, v: i64) {
        self.put(PgValue::I64(v))
    }
    fn f64(&mut self, v: f64) {
        self.put(PgValue::F64(v))
    }
    fn text(&mut self, v: &str) {
        self.put(PgValue::Text(v.to_string()))
    }
    fn bytes(&mut self, v: &[u8]) {
        self.put(PgValue::Bytes(v.to_vec()))
    }
    fn json(&mut self, v: &serde_json::Value) {
        self.put(PgValue::Json(v.clone()))
    }
    fn timestamp(&mut self, v: &chrono::DateTime<chrono::Utc>) {
        self.put(PgValue::Timestamp(*v))
    }
    fn date(&mut self, v: &chrono::NaiveDate) {
        self.put(PgValue::Date(*v))
    }
    fn time(&mut self, v: &chrono::NaiveTime) {
        self.put(PgValue::Time(*v))
    }
    fn decimal(&mut self, v: &rust_decimal::Decimal) {
        // The generated SQL casts this parameter from text.
        self.put(PgValue::Text(v.to_string()))
    }
    fn extras(&mut self, v: &Extra) {
        match v.as_json() {
            None => self.put(PgValue::Null),
            Some(json) => self.put(PgValue::JsonText(json.to_owned())),
        }
    }
}
