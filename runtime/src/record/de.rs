//! Helpers for the `Deserialize` impls codegen writes for record structs.
//!
//! Records are decoded by a generated visitor rather than `#[derive(Deserialize)]` with a
//! `#[serde(flatten)]` map: flatten buffers every field of every record in serde's private
//! `Content` tree before sorting declared from undeclared fields. The generated visitor
//! matches each key once and hands undeclared values to [`ExtraBuilder`] as raw JSON.
//!
//! [`ExtraBuilder`]: super::ExtraBuilder

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// An object key, borrowed from the input when it holds no escapes.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key text, still borrowed when it was.
    pub fn into_cow(self) -> Cow<'de, str> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Reads the value of declared field `name` into `slot`; a field given twice is an error,
/// as with derived impls.
pub fn field<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    vacant(slot, name)?;
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of declared `json` field `name` into `slot` with nothing lost: a part no
/// `serde_json::Value` holds exactly (a number beyond every double, an integer beyond 64 bits,
/// a string with a lone UTF-16 surrogate escape) is kept as its JSON text, a string, in its
/// place, as in undeclared fields (`record::lossless`). Read straight into a `Value`,
/// the first and the last failed the whole page, and an integer beyond 64 bits silently lost
/// its last digits.
pub fn json_field<'de, T: JsonColumn, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    vacant(slot, name)?;
    let mut raw = String::new();
    map.next_value_seed(super::raw::RawInto(&mut raw))?;
    let (value, kept_as_text) = super::lossless_value(&raw);
    if kept_as_text {
        warn_kept_as_text(name);
    }
    *slot = Some(T::from_json(value));
    Ok(())
}

/// The type of a declared `json` field: a `Value`, or an optional one (JSON null as `None`,
/// as serde reads an `Option`).
pub trait JsonColumn {
    /// The field's value from the JSON value read.
    fn from_json(value: serde_json::Value) -> Self;
}

impl JsonColumn for serde_json::Value {
    fn from_json(value: serde_json::Value) -> Self {
        value
    }
}

impl JsonColumn for Option<serde_json::Value> {
    fn from_json(value: serde_json::Value) -> Self {
        (!value.is_null()).then_some(value)
    }
}

/// Says once per field and process that a value of declared `json` field `field` was kept
/// partly as its JSON text: an API that sends one such value usually sends many.
fn warn_kept_as_text(field: &'static str) {
    static WARNED: super::FirstTimes = super::FirstTimes::new();
    if WARNED.first(field) {
        tracing::warn!(
            field,
            "a value of this json field holds a part no JSON number or string type holds \
             exactly (a number beyond every double, an integer beyond 64 bits, or a lone \
             UTF-16 surrogate escape such as a cut emoji): that part is kept as its JSON text, \
             a string, and the rest as sent"
        );
    }
}

/// Serde's `duplicate field` error when field `name` was read already (`slot` is set), as
/// derived impls refuse a repeated field.
fn vacant<T, E: Error>(slot: &Option<T>, name: &'static str) -> Result<(), E> {
    match slot {
        Some(_) => Err(E::duplicate_field(name)),
        None => Ok(()),
    }
}

pub use super::lenient::{lenient, lenient_scalar, Scalar};

/// The value of a non-nullable field, or serde's `missing field` error.
pub fn required<T, E: Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// A `timestamp` column's value while decoding: the same text chrono's `DateTime<Utc>`
/// accepts, with the common strict form (`2024-05-01T12:00:00[.fff](Z|±hh:mm)`) read digit
/// by digit, because chrono's general parser was a visible share of decoding. Anything else
/// goes to chrono, so what is accepted and every error message stay chrono's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub chrono::DateTime<chrono::Utc>);

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 formatted date and time string")
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Timestamp, E> {
                match parse_strict_rfc3339(v.as_bytes()) {
                    Some(t) => Ok(Timestamp(t)),
                    None => v.parse().map(Timestamp).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, or `None` for any other text.
fn parse_strict_rfc3339(s: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveTime, TimeDelta};
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        s.get(range)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let sep = |i: usize, c: u8| s.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0;
    if sep(i, b'.') {
        let digits = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = num(i + 1..i + 1 + digits)? * 10u32.pow(9 - digits as u32);
        i += 1 + digits;
    }
    // A leap second (60) is left to chrono.
    let time = (second < 60)
        .then(|| NaiveTime::from_hms_nano_opt(hour, minute, second, nanos))
        .flatten()?;
    let offset_secs = match s.get(i..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let utc = date.and_time(time) - TimeDelta::try_seconds(offset_secs)?;
    Some(chrono::DateTime::from_naive_utc_and_offset(
        utc,
        chrono::Utc,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> (Result<Timestamp, String>, Result<Timestamp, String>) {
        let json = serde_json::to_string(text).unwrap();
        let fast = serde_json::from_str::<Timestamp>(&json).map_err(|e| e.to_string());
        let chrono = serde_json::from_str::<chrono::DateTime<chrono::Utc>>(&json)
            .map(Timestamp)
            .map_err(|e| e.to_string());
        (fast, chrono)
    }

    /// Whatever path a text takes, the value or error is chrono's.
    #[test]
    fn timestamps_decode_exactly_as_chrono() {
        let texts = [
            "2024-05-01T12:30:45Z",
            "2024-05-01T12:30:45.1Z",
            "2024-05-01T12:30:45.123456789Z",
            "2024-05-01T12:30:45.1234567891Z",
            "2024-05-01T00:30:45+02:00",
            "2024-05-01T23:30:45-05:30",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-05-01 12:30:45Z",
            "2024-05-01t12:30:45z",
            "2024-05-01T12:30:45",
            "2024-05-01T12:30:60Z",
            "2016-12-31T23:59:60Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:30:45+24:00",
            "2024-05-01T12:30:45.Z",
            "+12024-05-01T12:30:45Z",
            "0000-01-01T00:00:00+01:00",
            "not a time",
            "",
        ];
        for text in texts {
            let (fast, chrono) = both(text);
            assert_eq!(fast, chrono, "{text:?}");
        }
        assert!(serde_json::from_str::<Timestamp>("7").is_err());
        // The common forms take the digit-by-digit path.
        assert!(parse_strict_rfc3339(b"2024-05-01T12:30:45Z").is_some());
        assert!(parse_strict_rfc3339(b"2024-05-01T12:30:45.25-01:00").is_some());
        let (fast, _) = both("2024-05-01T00:30:45.5+02:00");
        assert_eq!(
            fast.unwrap().0.to_rfc3339(),
            "2024-04-30T22:30:45.500+00:00"
        );
    }
}
