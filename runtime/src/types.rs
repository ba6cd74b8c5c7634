//! Column value types and how each binds to a row.
//!
//! Codegen maps dlt data types to these Rust types: text → `String`, bigint → `i64`,
//! double → `f64`, bool → `bool`, timestamp → `chrono::DateTime<Utc>`, date → `NaiveDate`,
//! time → `NaiveTime`, decimal/wei → `rust_decimal::Decimal`, json → `serde_json::Value`,
//! binary → [`Bytes`]; nullable columns are `Option<T>`.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::record::{ColumnValue, RowWriter};

/// Binary column: base64 in JSON (standard alphabet, padding optional), raw bytes in SQL.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.trim_end_matches('='))
            .or_else(|_| {
                base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim_end_matches('='))
            })
            .map(Bytes)
            .map_err(|e| serde::de::Error::custom(format!("invalid base64: {e}")))
    }
}

macro_rules! column_value {
    ($t:ty, |$v:ident, $w:ident| $body:expr, |$j:ident| $json:expr) => {
        impl ColumnValue for $t {
            fn write_to(&self, $w: &mut dyn RowWriter) {
                let $v = self;
                $body
            }
            fn to_json(&self) -> serde_json::Value {
                let $j = self;
                $json
            }
        }
    };
}

/// The JSON form of the types without a direct one: their `Serialize` impl (one field, never
/// the whole record).
fn serialized<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

column_value!(String, |v, w| w.text(v), |v| serde_json::Value::String(
    v.clone()
));
column_value!(i64, |v, w| w.i64(*v), |v| serde_json::Value::from(*v));
column_value!(f64, |v, w| w.f64(*v), |v| serde_json::Value::from(*v));
column_value!(bool, |v, w| w.bool(*v), |v| serde_json::Value::Bool(*v));
column_value!(chrono::DateTime<chrono::Utc>, |v, w| w.timestamp(v), |v| {
    serde_json::Value::String(crate::record::cursor::timestamp_text(v))
});
column_value!(chrono::NaiveDate, |v, w| w.date(v), |v| serialized(v));
column_value!(chrono::NaiveTime, |v, w| w.time(v), |v| serialized(v));
column_value!(rust_decimal::Decimal, |v, w| w.decimal(v), |v| serialized(
    v
));
column_value!(Bytes, |v, w| w.bytes(&v.0), |v| serialized(v));

impl ColumnValue for serde_json::Value {
    fn write_to(&self, w: &mut dyn RowWriter) {
        if self.is_null() {
            w.null()
        } else {
            w.json(self)
        }
    }
    fn to_json(&self) -> serde_json::Value {
        self.clone()
    }
    fn is_container(&self) -> bool {
        self.is_object() || self.is_array()
    }
    /// Walks the value in place: only the match is copied, not the whole field.
    fn lookup(&self, rest: &[crate::def::PathStep]) -> Option<serde_json::Value> {
        restsource_core::path::walk(self, rest).cloned()
    }
}

/// A list field typed from the tables file (a child table's elements): written whole as
/// JSON, which relational loading turns into the child table's rows.
impl<T: Serialize> ColumnValue for Vec<T> {
    fn write_to(&self, w: &mut dyn RowWriter) {
        w.json_owned(self.to_json())
    }
    fn to_json(&self) -> serde_json::Value {
        serialized(self)
    }
}

impl<T: ColumnValue> ColumnValue for Option<T> {
    fn write_to(&self, w: &mut dyn RowWriter) {
        match self {
            Some(v) => v.write_to(w),
            None => w.null(),
        }
    }
    fn to_json(&self) -> serde_json::Value {
        self.as_ref()
            .map_or(serde_json::Value::Null, ColumnValue::to_json)
    }
    fn is_container(&self) -> bool {
        self.as_ref().is_some_and(ColumnValue::is_container)
    }
    fn lookup(&self, rest: &[crate::def::PathStep]) -> Option<serde_json::Value> {
        match self {
            Some(v) => v.lookup(rest),
            None => rest.is_empty().then_some(serde_json::Value::Null),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `to_json` is what `serde_json::to_value` gave for each type (the form lookups, parent
    /// placeholders and the incremental state have always seen).
    #[test]
    fn to_json_is_the_serialized_form() {
        fn same<T: ColumnValue + Serialize>(v: T) {
            assert_eq!(v.to_json(), serde_json::to_value(&v).unwrap());
        }
        same("a\"b".to_string());
        same(-7i64);
        same(1.5f64);
        same(f64::NAN);
        same(1.0f64);
        same(true);
        for t in [
            "2024-01-01T10:00:00Z",
            "2024-01-01T10:00:00.120+02:00",
            "2024-01-01T10:00:00.000000123Z",
        ] {
            same(chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc());
        }
        same(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        same(chrono::NaiveTime::from_hms_milli_opt(1, 2, 3, 400).unwrap());
        same("1.50".parse::<rust_decimal::Decimal>().unwrap());
        same(Bytes(vec![1, 2, 3]));
        same(serde_json::json!({"a": [1, {"b": null}]}));
        same(Some(3i64));
        same(None::<String>);
    }
}
