//! The traits generated record structs implement, and the row interface destinations bind.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::def::{PathStep, ResourceDef};

pub mod cursor;
pub mod de;
mod extra;
pub(crate) mod key;
mod lenient;
mod lossless;
mod raw;
mod tables;

pub use cursor::{Cursor, CursorField};
pub use de::Key;
pub use extra::{Extra, ExtraBuilder};
pub use key::{FloatKey, RecordKey};
pub(crate) use lossless::{double, first_place_last_value, lossless_value, FirstTimes};
pub use tables::{TableObject, TableRows, TypedTable};

/// A typed record of one resource. Codegen emits one struct per resource implementing this.
pub trait Record: DeserializeOwned + Serialize + Send + Sync + 'static {
    /// The resource's static description.
    const RESOURCE: &'static ResourceDef;

    /// The primary key as a typed value (`()` when the resource has none). Incremental
    /// boundary dedup compares these; the state stores them as the JSON array they
    /// serialize to.
    type Key: RecordKey;

    /// The parent resource's handle, for a child resource: a parent fetched only to feed
    /// its children decodes with its own record struct. Generated code sets it for every
    /// child; running a child whose parent has no handle is an error.
    const PARENT: Option<fn() -> crate::extract::ResourceHandle> = None;

    /// This record's primary key.
    fn key(&self) -> Self::Key;

    /// Writes this record's column values in [`ResourceDef::columns`] order, then
    /// [`RowWriter::extras`] with every undeclared field.
    fn write_row(&self, row: &mut dyn RowWriter);

    /// The layout of [`Record::write_tables`]: the root table first, then each child table;
    /// empty for a record without one (hand-written records).
    const TABLES: &'static [TypedTable] = &[];

    /// Writes this record's rows of its relational tables straight from its fields, in
    /// [`Record::TABLES`]' layout; `false` (whatever was written is then dropped) for a record
    /// that only the general normalization can place: one with undeclared fields, or a JSON
    /// field holding an object or a list.
    fn write_tables(&self, _rows: &mut dyn TableRows) -> bool {
        false
    }

    /// Adds an undeclared field (used for `include_from_parent`'s `_<parent>_<key>` fields).
    fn set_extra(&mut self, key: String, value: serde_json::Value);

    /// The value at a JSONPath (parent placeholders, undeclared incremental cursors).
    /// Generated records read declared fields directly and undeclared ones from the
    /// extras; this default, for hand-written records, serializes the whole record.
    fn lookup(&self, path: &[PathStep]) -> Option<serde_json::Value> {
        let value = serde_json::to_value(self).ok()?;
        crate::record::walk(&value, path)
    }

    /// The incremental cursor (`None` when missing or null). Generated records whose
    /// cursor path names a declared column read that field; otherwise the value at the
    /// cursor path, through [`Record::lookup`].
    fn cursor(&self) -> Option<Cursor<'_>> {
        let path = Self::RESOURCE.endpoint.incremental.as_ref()?.cursor_path;
        Cursor::from_json(self.lookup(path)?)
    }
}

/// Follows `path` into `value`, returning a copy of the first match (dlt takes the first
/// JSONPath match); the walk itself is `restsource_core::path::walk`.
pub fn walk(value: &serde_json::Value, path: &[PathStep]) -> Option<serde_json::Value> {
    restsource_core::path::walk(value, path).cloned()
}

/// The struct of a list element typed from the tables file: one row of a child table. Names
/// the table and the struct of its parent table's rows, so code reading the loaded tables
/// can follow the link (`<row id column>` of the parent, `<parent id column>` here).
pub trait ChildRow {
    /// The child table (dlt's name, e.g. `orders__lines`).
    const TABLE: &'static str;
    /// The struct of the rows this table's rows belong to.
    type Parent;
}

/// A nested struct's JSON form (what it serializes to; `null` if it cannot be serialized,
/// which generated structs always can).
pub fn nested_json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
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
    /// A JSON column value built for this call (a nested struct's or a list's JSON form):
    /// writers that keep values take it without a copy.
    fn json_owned(&mut self, v: serde_json::Value) {
        self.json(&v)
    }
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

    /// The value as JSON, as it appears in the record's JSON form (what `Serialize` writes).
    fn to_json(&self) -> serde_json::Value;

    /// Whether the value is a JSON object or list, which relational loading flattens (only
    /// an untyped JSON field can hold one as a column value).
    fn is_container(&self) -> bool {
        false
    }

    /// The value at `rest` inside this field (the field itself when `rest` is empty), for
    /// [`Record::lookup`]. Only JSON columns hold anything to walk into; they override this
    /// so a lookup copies the match, not the field.
    fn lookup(&self, rest: &[PathStep]) -> Option<serde_json::Value> {
        let v = self.to_json();
        if rest.is_empty() {
            Some(v)
        } else {
            walk(&v, rest)
        }
    }
}
