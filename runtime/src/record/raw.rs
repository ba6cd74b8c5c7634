//! Copies one JSON value's text into a buffer while a record is decoded.
//!
//! With serde_json (what the runtime decodes pages with), the value's text is taken as is,
//! borrowed from the page: serde_json hands over a value's raw text when asked for its
//! raw-value newtype, which is how `Box<RawValue>` works, minus the allocation per value. Any
//! other deserializer (or a serde_json that stops recognizing the name) does not know the
//! name and passes the value on; it is then written out as JSON from its parts, so the result
//! is the same text either way.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};

use super::de::Key;
use super::extra::{push_json_string, push_minified};

/// The newtype name serde_json answers with a value's raw text (`serde_json::value::RawValue`
/// deserializes through it).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Appends the next value's JSON text (minified) to the buffer.
pub(crate) struct RawInto<'a>(pub &'a mut String);

impl<'de> DeserializeSeed<'de> for RawInto<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, RawVisitor(self.0))
    }
}

struct RawVisitor<'a>(&'a mut String);

impl<'de> Visitor<'de> for RawVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some(first) = map.next_key::<Key<'de>>()? else {
            self.0.push_str("{}");
            return Ok(());
        };
        if first.as_str() == RAW_VALUE_TOKEN {
            let raw: Key<'de> = map.next_value()?;
            push_minified(self.0, raw.as_str());
            return Ok(());
        }
        // A real object from a deserializer that does not hand out raw text.
        Transcode(self.0).object_from(Some(first), map)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Transcode(self.0))
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<(), E> {
        Transcode(self.0).visit_bool(v)
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<(), E> {
        Transcode(self.0).visit_i64(v)
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<(), E> {
        Transcode(self.0).visit_u64(v)
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<(), E> {
        Transcode(self.0).visit_f64(v)
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
        Transcode(self.0).visit_str(v)
    }
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        Transcode(self.0).visit_unit()
    }
    fn visit_none<E: Error>(self) -> Result<(), E> {
        Transcode(self.0).visit_none()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Transcode(self.0).visit_some(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Transcode(self.0).visit_seq(seq)
    }
}

/// Writes a value as JSON from the parts a deserializer reports.
pub(super) struct Transcode<'a>(pub(super) &'a mut String);

impl<'de> DeserializeSeed<'de> for Transcode<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Transcode<'_> {
    fn object_from<A: MapAccess<'de>>(
        self,
        first: Option<Key<'de>>,
        mut map: A,
    ) -> Result<(), A::Error> {
        self.0.push('{');
        let mut key = first;
        let mut n = 0;
        while let Some(k) = key {
            if n > 0 {
                self.0.push(',');
            }
            push_json_string(self.0, k.as_str());
            self.0.push(':');
            map.next_value_seed(Transcode(&mut *self.0))?;
            n += 1;
            key = map.next_key::<Key<'de>>()?;
        }
        self.0.push('}');
        Ok(())
    }
}

impl<'de> Visitor<'de> for Transcode<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<(), E> {
        // serde_json's own number text (and `null` for NaN and infinities, as it writes them).
        self.0.push_str(&serde_json::Value::from(v).to_string());
        Ok(())
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
        push_json_string(self.0, v);
        Ok(())
    }
    fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<(), E> {
        self.0
            .push_str(&serde_json::Value::from(v.to_vec()).to_string());
        Ok(())
    }
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }
    fn visit_none<E: Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut n = 0;
        loop {
            let start = self.0.len();
            if n > 0 {
                self.0.push(',');
            }
            if seq.next_element_seed(Transcode(&mut *self.0))?.is_none() {
                // No element: take back the separator.
                self.0.truncate(start);
                break;
            }
            n += 1;
        }
        self.0.push(']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let first = map.next_key::<Key<'de>>()?;
        self.object_from(first, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;

    fn raw_from_slice(json: &str) -> String {
        let mut out = String::new();
        let mut de = serde_json::Deserializer::from_str(json);
        RawInto(&mut out).deserialize(&mut de).unwrap();
        out
    }

    #[test]
    fn serde_json_hands_over_the_text_borrowed_or_owned() {
        let text = r#"{"a": [1, 2.50, "x y"], "b": {"c": null}}"#;
        let expected = r#"{"a":[1,2.50,"x y"],"b":{"c":null}}"#;
        assert_eq!(raw_from_slice(text), expected);
        // An I/O reader cannot lend its text; serde_json then hands over an owned copy.
        let mut out = String::new();
        let mut de = serde_json::Deserializer::from_reader(text.as_bytes());
        RawInto(&mut out).deserialize(&mut de).unwrap();
        assert_eq!(out, expected);
        // A parsed value answers with its text too.
        let mut out = String::new();
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        RawInto(&mut out).deserialize(v).unwrap();
        assert_eq!(out, r#"{"a":[1,2.5,"x y"],"b":{"c":null}}"#);
    }

    #[test]
    fn other_deserializers_are_written_out_as_json() {
        type E = serde::de::value::Error;
        let mut out = String::new();
        RawInto(&mut out)
            .deserialize(IntoDeserializer::<E>::into_deserializer(7u64))
            .unwrap();
        assert_eq!(out, "7");
        out.clear();
        let pairs = vec![("a", 1u64), ("b\"", 2)];
        let map = serde::de::value::MapDeserializer::<_, E>::new(pairs.into_iter());
        RawInto(&mut out).deserialize(map).unwrap();
        assert_eq!(out, r#"{"a":1,"b\"":2}"#);
        out.clear();
        let value = serde_json::json!([1.5, "q\"", true, {"k": [null]}, [], -3]);
        Transcode(&mut out).deserialize(value).unwrap();
        assert_eq!(out, r#"[1.5,"q\"",true,{"k":[null]},[],-3]"#);
    }
}
