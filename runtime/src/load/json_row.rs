//! A typed record back as the fields of one JSON object, the input of relational
//! normalization: its declared fields in column order, and the JSON text of its undeclared
//! ones, which normalization reads once into light values ([`crate::normalize`]'s `values`). A
//! list of fields rather than a map: normalization only walks them, so hashing each key into a
//! map first was wasted work. Declared values keep what the
//! generated struct made of them (timestamps in the loaders' text form, decimals as exact
//! text), so normalization stores the same values the column-per-field loaders do.

use std::borrow::Cow;

use serde_json::Value;

use crate::def::ResourceDef;
use crate::record::{Extra, RowWriter};

/// A field's key: a declared column's name borrowed from the definition, an undeclared one's
/// owned.
pub(crate) type Field = Cow<'static, str>;

/// Collects one record's values as [`RowWriter`] calls arrive.
pub(crate) struct JsonRow<'a> {
    def: &'a ResourceDef,
    pos: usize,
    fields: Vec<(Field, Value)>,
    undeclared: String,
}

impl<'a> JsonRow<'a> {
    /// An empty record of `def`, its undeclared fields' text to go into `buffer` (cleared; a
    /// buffer kept from the record before costs no allocation).
    pub fn new(def: &'a ResourceDef, mut buffer: String) -> Self {
        buffer.clear();
        JsonRow {
            def,
            pos: 0,
            fields: Vec::with_capacity(def.columns.len()),
            undeclared: buffer,
        }
    }

    /// The record's declared fields, and the JSON text of an object of its undeclared ones
    /// (empty for none).
    pub fn finish(self) -> (Vec<(Field, Value)>, String) {
        (self.fields, self.undeclared)
    }

    fn put(&mut self, v: Value) {
        if let Some(c) = self.def.columns.get(self.pos) {
            self.fields.push((Cow::Borrowed(c.json_name), v));
        }
        self.pos += 1;
    }

    fn put_text(&mut self, _stored: crate::def::DataType, f: impl FnOnce(&mut String)) {
        let mut text = String::with_capacity(32);
        f(&mut text);
        self.put(Value::String(text));
    }
}

/// The [`RowWriter`] methods of a writer that keeps each value as the JSON value it stands for
/// (through its `put` and `put_text`, which is told the column type whose stored form the
/// text already is), in the form relational normalization stores: declared
/// values keep what the generated struct made of them, timestamps in the loaders' text form,
/// decimals as exact text, bytes as base64. Shared by [`JsonRow`] and the typed rows'
/// writer, so a value is the same whichever path places it.
macro_rules! value_writer {
    () => {
        fn null(&mut self) {
            self.put(Value::Null)
        }
        fn bool(&mut self, v: bool) {
            self.put(Value::Bool(v))
        }
        fn i64(&mut self, v: i64) {
            self.put(Value::from(v))
        }
        fn f64(&mut self, v: f64) {
            self.put(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn text(&mut self, v: &str) {
            self.put(Value::String(v.to_string()))
        }
        fn bytes(&mut self, v: &[u8]) {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(v);
            self.put(Value::String(encoded))
        }
        fn json(&mut self, v: &Value) {
            self.put(v.clone())
        }
        fn json_owned(&mut self, v: Value) {
            self.put(v)
        }
        fn timestamp(&mut self, v: &chrono::DateTime<chrono::Utc>) {
            self.put_text($crate::def::DataType::Timestamp, |b| {
                $crate::load::text::timestamp(b, v)
            })
        }
        fn date(&mut self, v: &chrono::NaiveDate) {
            self.put_text($crate::def::DataType::Date, |b| {
                $crate::load::text::date(b, v)
            })
        }
        fn time(&mut self, v: &chrono::NaiveTime) {
            self.put_text($crate::def::DataType::Time, |b| {
                $crate::load::text::time(b, v)
            })
        }
        fn decimal(&mut self, v: &rust_decimal::Decimal) {
            self.put_text($crate::def::DataType::Decimal, |b| {
                $crate::load::text::decimal(b, v)
            })
        }
    };
}
pub(crate) use value_writer;

impl RowWriter for JsonRow<'_> {
    value_writer!();
    fn extras(&mut self, v: &Extra) {
        if let Some(text) = v.as_json() {
            self.undeclared.push_str(text);
        }
    }
}
