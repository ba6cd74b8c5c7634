//! The traits generated record structs implement, and the row interface destinations bind.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::def::{PathStep, ResourceDef};

pub mod de;
mod extra;
mod raw;

pub use de::Key;
pub use extra::{Extra, ExtraBuilder};

/// A typed record of one resource. Codegen emits one struct per resource implementing this.
pub trait Record: DeserializeOwned + Serialize + Send + Sync + 'static {
    /// The resource's static description.
    const RESOURCE: &'static ResourceDef;

    /// The primary key as a typed value (`()` when the resource has none).
    type Key: Eq + std::hash::Hash + Clone + std::fmt::Debug + Send;

    /// This record's primary key.
    fn key(&self) -> Self::Key;

    /// Writes this record's column values in [`ResourceDef::columns`] order, then
    /// [`RowWriter::extras`] with every undeclared field.
    fn write_row(&self, row: &mut dyn RowWriter);

    /// Adds an undeclared field (used for `include_from_parent`'s `_<parent>_<key>` fields).
    fn set_extra(&mut self, key: String, value: serde_json::Value);

    /// The value at a JSONPath (parent placeholders, incremental cursor). Codegen overrides
    /// this for declared columns so the hot path does not serialize the whole record.
    fn lookup(&self, path: &[PathStep]) -> Option<serde_json::Value> {
        let value = serde_json::to_value(self).ok()?;
        crate::record::walk(&value, path)
    }
}

/// Follows `path` into `value`, returning a copy of the first match (dlt takes the first
/// JSONPath match); the walk itself is `restsource_core::path::walk`.
pub fn walk(value: &serde_json::Value, path: &[PathStep]) -> Option<serde_json::Value> {
    restsource_core::path::walk(value, path).cloned()
}

/// Receives one row's values in column order. Each destination implements it to bind
/// parameters without intermediate allocations.
pub trait RowWriter {
    /// SQL NULL.
    fn null(&mut self);
    /// A boolean.
    fn bool(&mut self, v: bool);
    /// An integer.
    fn i64(&mut self, v: i64);
    /// A float.
    fn f64(&mut self, v: f64);
    /// Text.
    fn text(&mut self, v: &str);
    /// Bytes.
    fn bytes(&mut self, v: &[u8]);
    /// A JSON column value.
    fn json(&mut self, v: &serde_json::Value);
    /// A timestamp (UTC).
    fn timestamp(&mut self, v: &chrono::DateTime<chrono::Utc>);
    /// A date.
    fn date(&mut self, v: &chrono::NaiveDate);
    /// A time of day.
    fn time(&mut self, v: &chrono::NaiveTime);
    /// A decimal.
    fn decimal(&mut self, v: &rust_decimal::Decimal);
    /// The undeclared fields, stored in the extras JSON column (NULL when empty).
    fn extras(&mut self, v: &Extra);
}

/// A field type that can be written to a [`RowWriter`]. Implemented for every type codegen
/// maps a column to, and for `Option<T>` (None writes NULL).
pub trait ColumnValue {
    /// Writes the value.
    fn write_to(&self, row: &mut dyn RowWriter);
}
