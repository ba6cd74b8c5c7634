//! A typed record back as the fields of one JSON object (declared fields in column order, then
//! every undeclared field, each key once), the input of relational normalization. A list of
//! fields rather than a map: normalization only walks them, so hashing each key into a map
//! first was wasted work. Declared values keep what the
//! generated struct made of them (timestamps in the loaders' text form, decimals as exact
//! text), so normalization stores the same values the column-per-field loaders do.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
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
}

impl<'a> JsonRow<'a> {
    /// An empty record of `def` with room for `fields` fields (at least its declared ones;
    /// the record before had `fields` with its undeclared ones).
    pub fn with_capacity(def: &'a ResourceDef, fields: usize) -> Self {
        JsonRow {
            def,
            pos: 0,
            fields: Vec::with_capacity(fields.max(def.columns.len())),
        }
    }

    /// The record's fields collected so far.
    pub fn finish(self) -> Vec<(Field, Value)> {
        self.fields
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
        let Some(text) = v.as_json() else {
            return;
        };
        // Parsed straight into the field list; the text is always an object `Extra` wrote, so
        // a failure (as `Extra::to_map`) leaves the record without its extras.
        let declared = self.fields.len();
        let mut de = serde_json::Deserializer::from_str(text);
        if de.deserialize_map(Fields(&mut self.fields)).is_err() {
            self.fields.truncate(declared);
        }
    }
}

/// Appends an object's fields, in order, to a list.
struct Fields<'a>(&'a mut Vec<(Field, Value)>);

impl<'de> Visitor<'de> for Fields<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            self.0.push((Cow::Owned(key), value));
        }
        Ok(())
    }
}
