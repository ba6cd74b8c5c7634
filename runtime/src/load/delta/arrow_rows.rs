//! Records to Arrow: the Delta schema of a resource's table (from its declared columns) and a
//! [`RowWriter`] that appends each value straight to the matching Arrow builder, so typed
//! columns never pass through JSON. Undeclared fields go to `_rs_extra` as JSON text, as in
//! the other destinations; every row also gets the run's load id and extraction time.

use std::sync::Arc;

use deltalake::arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder,
    Float64Builder, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType as ArrowType, Schema as ArrowSchema, TimeUnit};
use deltalake::kernel::engine::arrow_conversion::TryIntoArrow as _;
use deltalake::kernel::{DataType as DeltaType, StructField, StructType};
use restsource_core::names::{EXTRACTED_AT_COLUMN, EXTRA_COLUMN, LOAD_ID_COLUMN};

use super::super::{text, LoadError};
use crate::def::{DataType, ResourceDef};
use crate::record::{Extra, RowWriter};

/// Precision and scale of a decimal column that declares neither: dlt's default.
const DEFAULT_DECIMAL: (u8, u8) = (38, 9);

/// The Delta type a declared column is stored as. Delta has no time-of-day type, so a `time`
/// column holds `HH:MM:SS[.ffffff]` text (what the JSON-lines destination writes too); JSON
/// columns hold JSON text.
pub(super) fn delta_type(
    ty: DataType,
    precision: Option<u32>,
    scale: Option<u32>,
) -> Result<DeltaType, String> {
    Ok(match ty {
        DataType::Text | DataType::Json | DataType::Time => DeltaType::STRING,
        DataType::Double => DeltaType::DOUBLE,
        DataType::Bool => DeltaType::BOOLEAN,
        DataType::Timestamp => DeltaType::TIMESTAMP,
        DataType::Bigint => DeltaType::LONG,
        DataType::Binary => DeltaType::BINARY,
        DataType::Date => DeltaType::DATE,
        DataType::Decimal => {
            let (p, s) = decimal_shape(precision, scale);
            DeltaType::decimal(p, s).map_err(|e| e.to_string())?
        }
    })
}

/// The declared precision and scale (Delta allows at most 38 digits), or dlt's default.
fn decimal_shape(precision: Option<u32>, scale: Option<u32>) -> (u8, u8) {
    let p = precision.map_or(DEFAULT_DECIMAL.0, |p| p.clamp(1, 38) as u8);
    let s = scale.map_or(DEFAULT_DECIMAL.1.min(p), |s| s.min(u32::from(p)) as u8);
    (p, s)
}

/// The Delta schema of `def`'s table: the declared columns in order (nullable as declared),
/// then `_rs_extra` (JSON text, null when a record has no undeclared field), `_rs_load_id`
/// and `_rs_extracted_at`.
pub fn delta_schema(def: &ResourceDef) -> Result<StructType, LoadError> {
    let mut fields = Vec::with_capacity(def.columns.len() + 3);
    for c in def.columns {
        let ty =
            delta_type(c.data_type, c.precision, c.scale).map_err(|message| LoadError::Delta {
                table: def.table_name.to_string(),
                message: format!("column `{}`: {message}", c.sql_name),
            })?;
        fields.push(StructField::new(c.sql_name, ty, c.nullable));
    }
    fields.push(StructField::new(EXTRA_COLUMN, DeltaType::STRING, true));
    fields.push(StructField::new(LOAD_ID_COLUMN, DeltaType::STRING, false));
    fields.push(StructField::new(
        EXTRACTED_AT_COLUMN,
        DeltaType::TIMESTAMP,
        false,
    ));
    StructType::try_new(fields).map_err(|e| LoadError::Delta {
        table: def.table_name.to_string(),
        message: e.to_string(),
    })
}

/// The Arrow form of a Delta schema, as delta-rs maps it (what its writer checks batches
/// against).
pub fn arrow_schema(table: &str, schema: &StructType) -> Result<Arc<ArrowSchema>, LoadError> {
    let arrow: ArrowSchema = schema.try_into_arrow().map_err(|e| LoadError::Delta {
        table: table.to_string(),
        message: e.to_string(),
    })?;
    Ok(Arc::new(arrow))
}

/// One column's builder, by the Arrow type delta-rs gives the column.
enum Col {
    Bool(BooleanBuilder),
    I64(Int64Builder),
    F64(Float64Builder),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Decimal(Decimal128Builder, u8, u8),
}

impl Col {
    fn for_type(ty: &ArrowType) -> Option<Col> {
        Some(match ty {
            ArrowType::Boolean => Col::Bool(BooleanBuilder::new()),
            ArrowType::Int64 => Col::I64(Int64Builder::new()),
            ArrowType::Float64 => Col::F64(Float64Builder::new()),
            ArrowType::Utf8 => Col::Text(StringBuilder::new()),
            ArrowType::Binary => Col::Bytes(BinaryBuilder::new()),
            ArrowType::Timestamp(TimeUnit::Microsecond, tz) => {
                Col::Timestamp(TimestampMicrosecondBuilder::new().with_timezone_opt(tz.clone()))
            }
            ArrowType::Date32 => Col::Date(Date32Builder::new()),
            ArrowType::Decimal128(p, s) => {
                let scale = u8::try_from(*s).ok()?;
                Col::Decimal(
                    Decimal128Builder::new()
                        .with_precision_and_scale(*p, *s)
                        .ok()?,
                    *p,
                    scale,
                )
            }
            _ => return None,
        })
    }

    fn null(&mut self) {
        match self {
            Col::Bool(b) => b.append_null(),
            Col::I64(b) => b.append_null(),
            Col::F64(b) => b.append_null(),
            Col::Text(b) => b.append_null(),
            Col::Bytes(b) => b.append_null(),
            Col::Timestamp(b) => b.append_null(),
            Col::Date(b) => b.append_null(),
            Col::Decimal(b, ..) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Col::Bool(b) => Arc::new(b.finish()),
            Col::I64(b) => Arc::new(b.finish()),
            Col::F64(b) => Arc::new(b.finish()),
            Col::Text(b) => Arc::new(b.finish()),
            Col::Bytes(b) => Arc::new(b.finish()),
            Col::Timestamp(b) => Arc::new(b.finish()),
            Col::Date(b) => Arc::new(b.finish()),
            Col::Decimal(b, ..) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Col::Bool(b) => b.len(),
            Col::I64(b) => b.len(),
            Col::F64(b) => b.len(),
            Col::Text(b) => b.len(),
            Col::Bytes(b) => b.len(),
            Col::Timestamp(b) => b.len(),
            Col::Date(b) => b.len(),
            Col::Decimal(b, ..) => b.len(),
        }
    }

    /// Appends a normalized cell (as [`crate::normalize::Row`] holds it: converted to its
    /// column's type, timestamps and dates as ISO text, decimals as text, bytes as base64);
    /// `false` when the value is not of the column's kind.
    fn put_value(&mut self, json_text: bool, v: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (self, v) {
            (col, Value::Null) => col.null(),
            (Col::Text(b), v) if json_text => b.append_value(v.to_string()),
            (Col::Text(b), Value::String(s)) => b.append_value(s),
            (Col::Text(b), v) => b.append_value(v.to_string()),
            (Col::I64(b), Value::Number(n)) => match n.as_i64() {
                Some(i) => b.append_value(i),
                None => return false,
            },
            (Col::F64(b), Value::Number(n)) => match n.as_f64() {
                Some(f) => b.append_value(f),
                None => return false,
            },
            (Col::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (Col::Timestamp(b), Value::String(s)) => {
                match chrono::DateTime::parse_from_rfc3339(s) {
                    Ok(t) => b.append_value(t.timestamp_micros()),
                    Err(_) => return false,
                }
            }
            (Col::Date(b), Value::String(s)) => {
                use chrono::Datelike as _;
                match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                    Ok(d) => b.append_value(d.num_days_from_ce() - EPOCH_DAYS_FROM_CE),
                    Err(_) => return false,
                }
            }
            (Col::Decimal(b, p, s), v) => {
                let parsed = match v {
                    Value::String(t) => rust_decimal::Decimal::from_str_exact(t).ok(),
                    Value::Number(n) => rust_decimal::Decimal::from_str_exact(&n.to_string()).ok(),
                    _ => None,
                };
                match parsed.and_then(|d| decimal_units(&d, *p, *s)) {
                    Some(units) => b.append_value(units),
                    None => return false,
                }
            }
            (Col::Bytes(b), Value::String(s)) => {
                use base64::Engine as _;
                match base64::engine::general_purpose::STANDARD.decode(s) {
                    Ok(bytes) => b.append_value(bytes),
                    Err(_) => return false,
                }
            }
            _ => return false,
        }
        true
    }
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01: Arrow dates count from the epoch.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Accumulates rows of one table in Arrow builders; [`ArrowRows::take_batch`] hands them
/// over as one record batch. A value that fits its column in no way (a decimal with more
/// digits than the column, a value of another kind than the column's) is remembered and
/// fails the page, naming the column but never the value.
pub struct ArrowRows {
    table: String,
    schema: Arc<ArrowSchema>,
    cols: Vec<Col>,
    /// Column the next value goes to.
    pos: usize,
    error: Option<String>,
    scratch: String,
}

impl ArrowRows {
    /// Builders for every column of `schema` (as [`arrow_schema`] made it for `table`).
    pub fn new(table: &str, schema: Arc<ArrowSchema>) -> Result<ArrowRows, LoadError> {
        let cols = schema
            .fields()
            .iter()
            .map(|f| {
                Col::for_type(f.data_type()).ok_or_else(|| LoadError::Delta {
                    table: table.to_string(),
                    message: format!(
                        "column `{}`: no builder for Arrow type {}",
                        f.name(),
                        f.data_type()
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ArrowRows {
            table: table.to_string(),
            schema,
            cols,
            pos: 0,
            error: None,
            scratch: String::new(),
        })
    }

    /// Rows buffered so far.
    pub fn len(&self) -> usize {
        self.cols.first().map_or(0, Col::len)
    }

    /// Whether no row is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes one record with `write` (the batch's `write_row`), then the system columns.
    /// After an error the buffered rows are unusable (the page, and so the run, fails).
    pub fn push_row(
        &mut self,
        write: impl FnOnce(&mut dyn RowWriter),
        load_id: &str,
        extracted_at_micros: i64,
    ) -> Result<(), LoadError> {
        self.pos = 0;
        write(self);
        // `_rs_load_id` and `_rs_extracted_at` are the last two columns.
        let n = self.cols.len();
        if self.pos != n - 2 {
            let declared = n.saturating_sub(3);
            self.fail(format!(
                "a record wrote {} values, the table has {declared} declared columns plus `_rs_extra`",
                self.pos
            ));
        }
        if let Some(message) = self.error.take() {
            return Err(LoadError::Delta {
                table: self.table.clone(),
                message,
            });
        }
        if let Some(Col::Text(b)) = self.cols.get_mut(n - 2) {
            b.append_value(load_id);
        }
        if let Some(Col::Timestamp(b)) = self.cols.get_mut(n - 1) {
            b.append_value(extracted_at_micros);
        }
        Ok(())
    }

    /// Columns the buffer has builders for.
    pub fn width(&self) -> usize {
        self.cols.len()
    }

    /// Gives the buffer the columns `schema` (the table's schema, this buffer's columns
    /// first, then new ones) adds, each null in the rows buffered so far: a normalized table
    /// gains columns as records bring them.
    pub fn widen(&mut self, schema: Arc<ArrowSchema>) -> Result<(), LoadError> {
        let rows = self.len();
        for f in schema.fields().iter().skip(self.cols.len()) {
            let mut col = Col::for_type(f.data_type()).ok_or_else(|| LoadError::Delta {
                table: self.table.clone(),
                message: format!(
                    "column `{}`: no builder for Arrow type {}",
                    f.name(),
                    f.data_type()
                ),
            })?;
            for _ in 0..rows {
                col.null();
            }
            self.cols.push(col);
        }
        self.schema = schema;
        Ok(())
    }

    /// Appends one normalized row: `cells` by column index (as
    /// [`crate::normalize::Row::cells`]), every other column null; `json` says which columns
    /// hold JSON (stored as its text). A value of the wrong kind fails the row, naming the
    /// column but never the value.
    pub fn push_cells(
        &mut self,
        cells: &[(usize, serde_json::Value)],
        json: &[bool],
    ) -> Result<(), LoadError> {
        let before = self.len();
        for (i, value) in cells {
            let ok = match self.cols.get_mut(*i) {
                Some(col) => col.put_value(json.get(*i).copied().unwrap_or(false), value),
                None => false,
            };
            if !ok {
                let kind = match value {
                    serde_json::Value::Bool(_) => "boolean",
                    serde_json::Value::Number(_) => "number",
                    serde_json::Value::String(_) => "text",
                    _ => "JSON",
                };
                let message = format!(
                    "column `{}` cannot hold a {kind} value",
                    self.column_name(*i)
                );
                return Err(LoadError::Delta {
                    table: self.table.clone(),
                    message,
                });
            }
        }
        // Columns the row has no cell for are null.
        for col in &mut self.cols {
            if col.len() == before {
                col.null();
            }
        }
        Ok(())
    }

    /// The rows so far as one batch; the builders start empty again.
    pub fn take_batch(&mut self) -> Result<RecordBatch, LoadError> {
        let arrays: Vec<ArrayRef> = self.cols.iter_mut().map(Col::finish).collect();
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| LoadError::Delta {
            table: self.table.clone(),
            message: e.to_string(),
        })
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    fn column_name(&self, i: usize) -> String {
        self.schema
            .fields()
            .get(i)
            .map(|f| f.name().clone())
            .unwrap_or_default()
    }

    /// The builder of the next column, with what to report when it does not take `kind`.
    fn next(&mut self, kind: &str, put: impl FnOnce(&mut Col, &mut String) -> bool) {
        let i = self.pos;
        self.pos += 1;
        let Some(col) = self.cols.get_mut(i) else {
            self.fail(format!(
                "a record wrote more values than the table has columns ({kind})"
            ));
            return;
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let ok = put(col, &mut scratch);
        self.scratch = scratch;
        if !ok {
            let name = self.column_name(i);
            // Keep the row aligned: the column gets a null, and the page fails anyway.
            if let Some(col) = self.cols.get_mut(i) {
                col.null();
            }
            self.fail(format!("column `{name}` cannot hold a {kind} value"));
        }
    }

    fn text_value(&mut self, kind: &str, f: impl FnOnce(&mut String)) {
        self.next(kind, |col, scratch| match col {
            Col::Text(b) => {
                scratch.clear();
                f(scratch);
                b.append_value(scratch.as_str());
                true
            }
            _ => false,
        })
    }
}

impl RowWriter for ArrowRows {
    fn null(&mut self) {
        self.next("null", |col, _| {
            col.null();
            true
        })
    }

    fn bool(&mut self, v: bool) {
        self.next("boolean", |col, _| match col {
            Col::Bool(b) => {
                b.append_value(v);
                true
            }
            _ => false,
        })
    }

    fn i64(&mut self, v: i64) {
        self.next("integer", |col, _| match col {
            Col::I64(b) => {
                b.append_value(v);
                true
            }
            // An integral value of a double column (a lenient record) keeps its value.
            Col::F64(b) => {
                b.append_value(v as f64);
                true
            }
            _ => false,
        })
    }

    fn f64(&mut self, v: f64) {
        self.next("float", |col, _| match col {
            Col::F64(b) => {
                b.append_value(v);
                true
            }
            _ => false,
        })
    }

    fn text(&mut self, v: &str) {
        self.next("text", |col, _| match col {
            Col::Text(b) => {
                b.append_value(v);
                true
            }
            _ => false,
        })
    }

    fn bytes(&mut self, v: &[u8]) {
        self.next("binary", |col, _| match col {
            Col::Bytes(b) => {
                b.append_value(v);
                true
            }
            _ => false,
        })
    }

    fn json(&mut self, v: &serde_json::Value) {
        self.text_value("JSON", |t| {
            // Serializing a Value into a String cannot fail.
            if let Ok(s) = serde_json::to_string(v) {
                t.push_str(&s);
            }
        })
    }

    fn timestamp(&mut self, v: &chrono::DateTime<chrono::Utc>) {
        let micros = v.timestamp_micros();
        self.next("timestamp", |col, _| match col {
            Col::Timestamp(b) => {
                b.append_value(micros);
                true
            }
            _ => false,
        })
    }

    fn date(&mut self, v: &chrono::NaiveDate) {
        use chrono::Datelike as _;
        let days = v.num_days_from_ce() - EPOCH_DAYS_FROM_CE;
        self.next("date", |col, _| match col {
            Col::Date(b) => {
                b.append_value(days);
                true
            }
            _ => false,
        })
    }

    fn time(&mut self, v: &chrono::NaiveTime) {
        self.text_value("time", |t| {
            let mut s = String::new();
            text::time(&mut s, v);
            t.push_str(&s);
        })
    }

    fn decimal(&mut self, v: &rust_decimal::Decimal) {
        self.next("decimal", |col, _| match col {
            Col::Decimal(b, p, s) => match decimal_units(v, *p, *s) {
                Some(units) => {
                    b.append_value(units);
                    true
                }
                None => false,
            },
            _ => false,
        })
    }

    fn extras(&mut self, v: &Extra) {
        match v.as_json() {
            None => self.null(),
            Some(json) => self.text(json),
        }
    }
}

/// `v` in units of `10^-scale` when it fits `precision` digits without rounding.
fn decimal_units(v: &rust_decimal::Decimal, precision: u8, scale: u8) -> Option<i128> {
    let have = v.scale();
    let want = u32::from(scale);
    let mantissa = v.mantissa();
    let units = if have <= want {
        mantissa.checked_mul(10i128.checked_pow(want - have)?)?
    } else {
        let div = 10i128.checked_pow(have - want)?;
        if mantissa % div != 0 {
            return None;
        }
        mantissa / div
    };
    let limit = 10i128.checked_pow(u32::from(precision))?;
    (units.abs() < limit).then_some(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deltalake::arrow::array::{Array, Decimal128Array, Int64Array, StringArray};

    #[test]
    fn decimals_rescale_exactly_or_refuse() {
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(decimal_units(&d("12.5"), 38, 9), Some(12_500_000_000));
        assert_eq!(decimal_units(&d("-0.25"), 10, 2), Some(-25));
        assert_eq!(decimal_units(&d("0.125"), 10, 2), None);
        assert_eq!(decimal_units(&d("1000"), 3, 0), None);
        assert_eq!(decimal_units(&d("999"), 3, 0), Some(999));
    }

    #[test]
    fn decimal_shape_defaults_and_clamps() {
        assert_eq!(decimal_shape(None, None), (38, 9));
        assert_eq!(decimal_shape(Some(10), Some(2)), (10, 2));
        assert_eq!(decimal_shape(Some(60), None), (38, 9));
        assert_eq!(decimal_shape(Some(4), Some(9)), (4, 4));
    }

    #[test]
    fn rows_land_in_typed_columns_and_system_columns_follow() {
        // What `delta_schema` makes of columns id (bigint), price (decimal), at (time).
        let schema = StructType::try_new([
            StructField::new("id", DeltaType::LONG, false),
            StructField::new(
                "price",
                delta_type(DataType::Decimal, None, None).unwrap(),
                true,
            ),
            StructField::new("at", delta_type(DataType::Time, None, None).unwrap(), true),
            StructField::new(EXTRA_COLUMN, DeltaType::STRING, true),
            StructField::new(LOAD_ID_COLUMN, DeltaType::STRING, false),
            StructField::new(EXTRACTED_AT_COLUMN, DeltaType::TIMESTAMP, false),
        ])
        .unwrap();
        let arrow = arrow_schema("t", &schema).unwrap();
        let names: Vec<&str> = arrow.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "id",
                "price",
                "at",
                "_rs_extra",
                "_rs_load_id",
                "_rs_extracted_at"
            ]
        );
        let mut rows = ArrowRows::new("t", arrow).unwrap();
        rows.push_row(
            |w| {
                w.i64(7);
                w.decimal(&"1.5".parse().unwrap());
                w.time(&chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap());
                w.extras(&Extra::default());
            },
            "L1",
            5,
        )
        .unwrap();
        let batch = rows.take_batch().unwrap();
        assert_eq!(batch.num_rows(), 1);
        let ids = batch
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        assert_eq!(ids.value(0), 7);
        let price = batch
            .column(1)
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        assert_eq!(price.value(0), 1_500_000_000);
        let at = batch
            .column(2)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(at.value(0), "08:30:00");
        assert!(batch.column(3).is_null(0));
        let load = batch
            .column(4)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!(load.value(0), "L1");
        // A wrong kind fails the row, naming the column only.
        let err = rows
            .push_row(
                |w| {
                    w.text("secret value");
                    w.null();
                    w.null();
                    w.extras(&Extra::default());
                },
                "L1",
                5,
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `id`"), "{err}");
        assert!(!err.contains("secret value"), "{err}");
    }
}
