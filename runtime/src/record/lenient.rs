//! Decoding of fields typed from the tables file (`restsource infer`): a value that fits the
//! field's type is read as it; any other value is kept whole, as JSON text, among the record's
//! undeclared fields, where relational loading gives it the variant column it gets without the
//! file. Drift is then what `restsource infer --check` reports, not a failed run.
//!
//! Scalars are read in one pass: the value's kind decides between the type and the extras,
//! with no second parse. Nested structs and lists are read as text first and parsed from it
//! (a value of another shape there is rare, and their decoding is their own).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor,
};

use super::de::Timestamp;
use super::raw::{RawInto, Transcode};
use super::ExtraBuilder;

/// Reads inferred field `name` into `slot` when its value fits `T`, else into `extra`
/// (nested structs, lists and any other type: parsed from the value's text).
pub fn lenient<'de, T: DeserializeOwned, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &str,
    map: &mut A,
    extra: &mut ExtraBuilder,
) -> Result<(), A::Error> {
    let mut raw = String::new();
    map.next_value_seed(RawInto(&mut raw))?;
    match serde_json::from_str::<T>(&raw) {
        Ok(v) => *slot = Some(v),
        Err(_) => extra.push_raw(name, &raw),
    }
    Ok(())
}

/// [`lenient`] for a scalar field (`Option<T>`, null fitting as `None`), in one pass.
pub fn lenient_scalar<'de, T: Scalar, A: MapAccess<'de>>(
    slot: &mut Option<Option<T>>,
    name: &str,
    map: &mut A,
    extra: &mut ExtraBuilder,
) -> Result<(), A::Error> {
    match map.next_value_seed(Fit::<T>(PhantomData))? {
        Ok(v) => *slot = Some(v),
        Err(text) => extra.push_raw(name, &text),
    }
    Ok(())
}

/// A scalar type an inferred field can have: which JSON values it takes. Each method returns
/// `None` for a value of another kind.
pub trait Scalar: Sized {
    /// From a JSON boolean.
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    /// From a JSON integer.
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    /// From a JSON number that fits neither `i64` nor the other integer methods.
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    /// From a JSON string.
    fn from_str(_: &str) -> Option<Self> {
        None
    }
}

impl Scalar for i64 {
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
}

impl Scalar for f64 {
    // An integer in a double column is a double, as serde and dlt's coercion both take it.
    #[allow(clippy::cast_precision_loss)]
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
}

impl Scalar for bool {
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
}

impl Scalar for String {
    fn from_str(v: &str) -> Option<Self> {
        Some(v.to_string())
    }
}

impl Scalar for Timestamp {
    fn from_str(v: &str) -> Option<Self> {
        let d = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(v);
        serde::Deserialize::deserialize(d).ok()
    }
}

/// Reads one value: `Ok` with the typed value (or `None` for null), or `Err` with the value's
/// JSON text.
struct Fit<T>(PhantomData<T>);

type Fitted<T> = Result<Option<T>, String>;

impl<'de, T: Scalar> DeserializeSeed<'de> for Fit<T> {
    type Value = Fitted<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Fitted<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<T: Scalar> Fit<T> {
    /// The text of a value that does not fit, written by `write`.
    fn other<E: Error>(write: impl FnOnce(Transcode<'_>) -> Result<(), E>) -> Result<Fitted<T>, E> {
        let mut text = String::new();
        write(Transcode(&mut text))?;
        Ok(Err(text))
    }
}

impl<'de, T: Scalar> Visitor<'de> for Fit<T> {
    type Value = Fitted<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: Error>(self) -> Result<Fitted<T>, E> {
        Ok(Ok(None))
    }
    fn visit_none<E: Error>(self) -> Result<Fitted<T>, E> {
        Ok(Ok(None))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Fitted<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Fitted<T>, E> {
        match T::from_bool(v) {
            Some(t) => Ok(Ok(Some(t))),
            None => Self::other(|t| t.visit_bool(v)),
        }
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Fitted<T>, E> {
        match T::from_i64(v) {
            Some(t) => Ok(Ok(Some(t))),
            None => Self::other(|t| t.visit_i64(v)),
        }
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Fitted<T>, E> {
        match i64::try_from(v).ok().and_then(T::from_i64) {
            Some(t) => Ok(Ok(Some(t))),
            None => Self::other(|t| t.visit_u64(v)),
        }
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Fitted<T>, E> {
        match T::from_f64(v) {
            Some(t) => Ok(Ok(Some(t))),
            None => Self::other(|t| t.visit_f64(v)),
        }
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Fitted<T>, E> {
        match T::from_str(v) {
            Some(t) => Ok(Ok(Some(t))),
            None => Self::other(|t| t.visit_str(v)),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Fitted<T>, A::Error> {
        Self::other(|t| t.visit_seq(seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Fitted<T>, A::Error> {
        Self::other(|t| t.visit_map(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::MapAccess;

    /// Decodes `{"f": <value>}` through [`lenient_scalar`]: the slot and the extras' text.
    fn read<T: Scalar>(value: &str) -> (Option<Option<T>>, Option<String>) {
        struct Probe<T>(PhantomData<T>);
        impl<'de, T: Scalar> Visitor<'de> for Probe<T> {
            type Value = (Option<Option<T>>, Option<String>);
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut slot = None;
                let mut extra = ExtraBuilder::new();
                while let Some(key) = map.next_key::<String>()? {
                    lenient_scalar(&mut slot, &key, &mut map, &mut extra)?;
                }
                Ok((slot, extra.finish().as_json().map(str::to_string)))
            }
        }
        let text = format!(r#"{{"f": {value}}}"#);
        let mut de = serde_json::Deserializer::from_str(&text);
        de.deserialize_map(Probe(PhantomData)).unwrap()
    }

    #[test]
    fn a_value_of_its_type_fits_and_any_other_is_kept_as_it_came() {
        assert_eq!(read::<i64>("7"), (Some(Some(7)), None));
        assert_eq!(read::<i64>("null"), (Some(None), None));
        assert_eq!(read::<i64>("1.5"), (None, Some(r#"{"f":1.5}"#.into())));
        assert_eq!(
            read::<i64>("18446744073709551615"),
            (None, Some(r#"{"f":18446744073709551615}"#.into()))
        );
        assert_eq!(read::<f64>("2"), (Some(Some(2.0)), None));
        assert_eq!(
            read::<f64>(r#""n/a""#),
            (None, Some(r#"{"f":"n/a"}"#.into()))
        );
        assert_eq!(read::<bool>("true"), (Some(Some(true)), None));
        assert_eq!(read::<bool>("1"), (None, Some(r#"{"f":1}"#.into())));
        assert_eq!(
            read::<String>(r#""a\"b""#),
            (Some(Some("a\"b".into())), None)
        );
        assert_eq!(
            read::<String>(r#"{"x": [1, "y"]}"#),
            (None, Some(r#"{"f":{"x":[1,"y"]}}"#.into()))
        );
        let (t, e) = read::<Timestamp>(r#""2024-05-01T12:00:00Z""#);
        assert_eq!(
            t.flatten().map(|t| t.0.to_rfc3339()),
            Some("2024-05-01T12:00:00+00:00".into())
        );
        assert_eq!(e, None);
        assert_eq!(
            read::<Timestamp>(r#""soon""#),
            (None, Some(r#"{"f":"soon"}"#.into()))
        );
    }
}
