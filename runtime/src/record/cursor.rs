//! A record's incremental cursor as a typed value, and the order incremental loading compares
//! cursors in.
//!
//! Generated records read the cursor straight from its field when the cursor path names a
//! declared column ([`Record::cursor`](super::Record::cursor)); only undeclared cursors (in
//! the extras, or nested paths) go through a JSON value. The order is the one of
//! [`compare`]: every arm below gives what `compare` gives for the values' JSON forms, so a
//! typed cursor filters, dedups and stores exactly as its JSON value did.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

/// A cursor value read from a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Cursor<'a> {
    /// A bigint column.
    Int(i64),
    /// A double column (finite: a non-finite float is JSON null, a missing cursor).
    Float(f64),
    /// A text column.
    Text(Cow<'a, str>),
    /// A timestamp column.
    Timestamp(DateTime<Utc>),
    /// Any other value: other column types, and cursors not declared as a column.
    Json(Value),
}

impl Cursor<'_> {
    /// A cursor from a JSON value; `None` for null, which is a missing cursor.
    pub fn from_json(v: Value) -> Option<Cursor<'static>> {
        match v {
            Value::Null => None,
            Value::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Cursor::Int(i),
                (None, Some(f)) if !n.is_u64() => Cursor::Float(f),
                _ => Cursor::Json(Value::Number(n)),
            }),
            Value::String(s) => Some(Cursor::Text(Cow::Owned(s))),
            other => Some(Cursor::Json(other)),
        }
    }

    /// The value as JSON, as the state stores it (what `serde_json::to_value` gives for the
    /// field the cursor was read from).
    pub fn to_json(&self) -> Value {
        match self {
            Cursor::Int(i) => Value::from(*i),
            Cursor::Float(f) => Value::from(*f),
            Cursor::Text(s) => Value::String(s.to_string()),
            Cursor::Timestamp(t) => Value::String(timestamp_text(t)),
            Cursor::Json(v) => v.clone(),
        }
    }

    /// An owned copy, to outlive the record it was read from.
    pub fn into_owned(self) -> Cursor<'static> {
        match self {
            Cursor::Int(i) => Cursor::Int(i),
            Cursor::Float(f) => Cursor::Float(f),
            Cursor::Text(s) => Cursor::Text(Cow::Owned(s.into_owned())),
            Cursor::Timestamp(t) => Cursor::Timestamp(t),
            Cursor::Json(v) => Cursor::Json(v),
        }
    }
}

/// A timestamp as its JSON text: chrono's `Serialize` form (RFC 3339, `Z`, as many fraction
/// digits as needed).
pub(crate) fn timestamp_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A field type a cursor can be read from. Implemented for every column type and `Option`.
pub trait CursorField {
    /// The field's value as a cursor; `None` when it is JSON null.
    fn cursor(&self) -> Option<Cursor<'_>>;
}

impl CursorField for i64 {
    fn cursor(&self) -> Option<Cursor<'_>> {
        Some(Cursor::Int(*self))
    }
}

impl CursorField for f64 {
    fn cursor(&self) -> Option<Cursor<'_>> {
        self.is_finite().then_some(Cursor::Float(*self))
    }
}

impl CursorField for String {
    fn cursor(&self) -> Option<Cursor<'_>> {
        Some(Cursor::Text(Cow::Borrowed(self)))
    }
}

impl CursorField for DateTime<Utc> {
    fn cursor(&self) -> Option<Cursor<'_>> {
        Some(Cursor::Timestamp(*self))
    }
}

impl CursorField for Value {
    fn cursor(&self) -> Option<Cursor<'_>> {
        Cursor::from_json(self.clone())
    }
}

/// Column types that are rarely cursors compare through their JSON form.
macro_rules! cursor_as_json {
    ($($t:ty),*) => {$(
        impl CursorField for $t {
            fn cursor(&self) -> Option<Cursor<'_>> {
                Cursor::from_json(super::ColumnValue::to_json(self))
            }
        }
    )*};
}

cursor_as_json!(
    bool,
    chrono::NaiveDate,
    chrono::NaiveTime,
    rust_decimal::Decimal,
    crate::types::Bytes
);

impl<T: CursorField> CursorField for Option<T> {
    fn cursor(&self) -> Option<Cursor<'_>> {
        self.as_ref()?.cursor()
    }
}

/// A range bound (start or end value): its JSON value, and the instant it names when it is
/// RFC 3339 text, parsed once rather than once per record.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pub value: Value,
    instant: Option<DateTime<FixedOffset>>,
}

impl Bound {
    pub fn new(value: Value) -> Self {
        let instant = value
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok());
        Bound { value, instant }
    }
}

/// `compare(cursor's JSON, bound)`, without building the cursor's JSON in the common cases.
pub(crate) fn compare_to_bound(c: &Cursor<'_>, b: &Bound) -> Ordering {
    match (c, &b.value) {
        (Cursor::Int(x), Value::Number(y)) => match y.as_i64() {
            Some(y) => x.cmp(&y),
            None => float_order(*x as f64, y.as_f64()),
        },
        (Cursor::Float(x), Value::Number(y)) => float_order(*x, y.as_f64()),
        (Cursor::Timestamp(x), Value::String(y)) => match b.instant {
            Some(i) => x.cmp(&i.with_timezone(&Utc)),
            None => timestamp_text(x).as_str().cmp(y.as_str()),
        },
        (Cursor::Text(x), Value::String(y)) => {
            // The record's text is parsed only when the bound is an instant.
            match b
                .instant
                .and_then(|i| Some((i, DateTime::parse_from_rfc3339(x).ok()?)))
            {
                Some((i, x)) => x.cmp(&i),
                None => x.as_ref().cmp(y.as_str()),
            }
        }
        _ => compare(&c.to_json(), &b.value),
    }
}

/// `compare(a's JSON, b's JSON)` for two cursors.
pub(crate) fn compare_cursors(a: &Cursor<'_>, b: &Cursor<'_>) -> Ordering {
    match (a, b) {
        (Cursor::Int(x), Cursor::Int(y)) => x.cmp(y),
        (Cursor::Float(x), Cursor::Float(y)) => float_order(*x, Some(*y)),
        (Cursor::Int(x), Cursor::Float(y)) => float_order(*x as f64, Some(*y)),
        (Cursor::Float(x), Cursor::Int(y)) => float_order(*x, Some(*y as f64)),
        (Cursor::Timestamp(x), Cursor::Timestamp(y)) => x.cmp(y),
        (Cursor::Text(x), Cursor::Text(y)) => compare_text(x, y),
        _ => compare(&a.to_json(), &b.to_json()),
    }
}

fn float_order(x: f64, y: Option<f64>) -> Ordering {
    Some(x).partial_cmp(&y).unwrap_or(Ordering::Equal)
}

/// RFC 3339 timestamps as instants, else text order.
fn compare_text(x: &str, y: &str) -> Ordering {
    match (
        DateTime::parse_from_rfc3339(x),
        DateTime::parse_from_rfc3339(y),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => x.cmp(y),
    }
}

/// Numbers numerically, RFC 3339 timestamps as instants, dates as dates, else text order.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x
                .as_f64()
                .partial_cmp(&y.as_f64())
                .unwrap_or(Ordering::Equal),
        },
        (Value::String(x), Value::String(y)) => compare_text(x, y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    /// Every typed comparison orders as `compare` orders the values' JSON forms (what the
    /// runtime compared before cursors were typed), bounds included.
    #[test]
    fn typed_order_is_the_order_of_the_json_forms() {
        let cursors = [
            Cursor::Int(5),
            Cursor::Int(-3),
            Cursor::Float(5.0),
            Cursor::Float(4.5),
            Cursor::Text("abc".into()),
            Cursor::Text("2024-01-01T10:00:00+01:00".into()),
            Cursor::Text("2024-01-01".into()),
            Cursor::Timestamp(ts("2024-01-01T09:00:00Z")),
            Cursor::Timestamp(ts("2024-01-01T09:00:00.5Z")),
            Cursor::Json(json!(true)),
            Cursor::Json(json!([1])),
        ];
        let bounds = [
            json!(5),
            json!(4.75),
            json!(u64::MAX),
            json!("2024-01-01T09:00:00Z"),
            json!("2024-01-01T10:00:00.5+01:00"),
            json!("2024-01-01"),
            json!("abc"),
            json!(false),
        ];
        for a in &cursors {
            for b in &bounds {
                assert_eq!(
                    compare_to_bound(a, &Bound::new(b.clone())),
                    compare(&a.to_json(), b),
                    "{a:?} vs bound {b}"
                );
            }
            for b in &cursors {
                assert_eq!(
                    compare_cursors(a, b),
                    compare(&a.to_json(), &b.to_json()),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn fields_read_as_their_json_forms_and_null_is_missing() {
        assert_eq!(f64::NAN.cursor(), None);
        assert_eq!(None::<i64>.cursor(), None);
        assert_eq!(Value::Null.cursor(), None);
        assert_eq!(Some(7i64).cursor(), Some(Cursor::Int(7)));
        let t = ts("2024-01-01T10:00:00+01:00");
        assert_eq!(
            t.cursor().map(|c| c.to_json()),
            Some(serde_json::to_value(t).unwrap())
        );
        assert_eq!(
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
                .unwrap()
                .cursor(),
            Some(Cursor::Text("2024-02-29".into()))
        );
        assert_eq!(json!(2.5).cursor(), Some(Cursor::Float(2.5)));
    }
}
