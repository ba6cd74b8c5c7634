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
    ($t:ty, |$v:ident, $w:ident| $body:expr) => {
        impl ColumnValue for $t {
            fn write_to(&self, $w: &mut dyn RowWriter) {
                let $v = self;
                $body
            }
        }
    };
}

column_value!(String, |v, w| w.text(v));
column_value!(i64, |v, w| w.i64(*v));
column_value!(f64, |v, w| w.f64(*v));
column_value!(bool, |v, w| w.bool(*v));
column_value!(serde_json::Value, |v, w| if v.is_null() {
    w.null()
} else {
    w.json(v)
});
column_value!(chrono::DateTime<chrono::Utc>, |v, w| w.timestamp(v));
column_value!(chrono::NaiveDate, |v, w| w.date(v));
column_value!(chrono::NaiveTime, |v, w| w.time(v));
column_value!(rust_decimal::Decimal, |v, w| w.decimal(v));
column_value!(Bytes, |v, w| w.bytes(&v.0));

impl<T: ColumnValue> ColumnValue for Option<T> {
    fn write_to(&self, w: &mut dyn RowWriter) {
        match self {
            Some(v) => v.write_to(w),
            None => w.null(),
        }
    }
}
