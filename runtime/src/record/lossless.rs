//! Undeclared fields whose JSON text `serde_json` accepted as text but cannot read back as a
//! `Value`: a number beyond every double (`1e400`), or a string holding a lone UTF-16
//! surrogate escape (`"\ud83d"`, an emoji cut in half by an API that truncates UTF-16 text);
//! and integers written beyond 64 bits, which `serde_json` reads as the nearest double
//! (`123456789012345678901234567890`, amounts in wei), losing digits.
//!
//! Capturing a record's undeclared fields only checks their syntax ([`super::raw`]), so such
//! a value reaches [`super::Extra`] and is stored as sent wherever a destination keeps the
//! text (`_rs_extra`, JSON lines). Reading the text back as values (relational tables,
//! processing steps) used to fail as a whole, and every undeclared field of the record was
//! dropped without a word. Here only the part that cannot be a value is kept differently: as
//! its JSON text, a string, in the place it had; everything around it is read as usual.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

/// The value the JSON text `json` stands for, with every part that cannot be a `Value` kept
/// as its JSON text (a string); and whether any part was.
pub(crate) fn lossless_value(json: &str) -> (Value, bool) {
    let mut kept = false;
    let value = read(json, &mut kept);
    (value, kept)
}

fn read(json: &str, kept: &mut bool) -> Value {
    let mut de = serde_json::Deserializer::from_str(json);
    if let Ok(value) = Strict.deserialize(&mut de) {
        if de.end().is_ok() {
            return value;
        }
    }
    if let Ok(fields) = fields(json) {
        let mut map = Map::new();
        for (key, raw) in fields {
            // A repeated key keeps its first place and takes the last value, as a `Map` does.
            map.insert(key, read(raw.get(), kept));
        }
        return Value::Object(map);
    }
    if let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(json) {
        return Value::Array(items.into_iter().map(|i| read(i.get(), kept)).collect());
    }
    let text = json.trim();
    // What is left is one number or string. A number of 64 bits or fewer, or written with
    // a fraction or an exponent, is a double as `serde_json` reads it.
    if !is_wide_integer(text) {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            return value;
        }
    }
    *kept = true;
    Value::String(text.to_string())
}

/// Whether `text` is an integer literal beyond 64 bits, in the only way `serde_json` reads
/// one: as a double, its last digits gone.
fn is_wide_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<i64>().is_err()
        && text.parse::<u64>().is_err()
}

/// Whether a double `serde_json` read may be an integer written beyond 64 bits (it reads
/// one as the nearest double): a whole number from 2^64 up, or from -2^63 down (an integer
/// just below `i64::MIN` rounds to -2^63 itself, which as an integer `serde_json` reads
/// as an `i64`). A double written as such (`1e20`) is told apart by its text
/// ([`lossless_value`]).
fn may_be_wide_integer(v: f64) -> bool {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    v.fract() == 0.0 && (v >= TWO_64 || v <= -TWO_63)
}

/// Reads any value as `serde_json` reads a `Value`, but refuses a double that may be an
/// integer written beyond 64 bits, so that its text is looked at.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(Strict)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        double(v)
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Strict)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// The JSON text of object `json` with each key once: its last value in its first place, as
/// a `Map` keeps a repeated key, every value's text as it was. `None` for text that is not
/// an object (or has a key that cannot be a string).
pub(crate) fn last_of_each_key(json: &str) -> Option<String> {
    let merged = first_place_last_value(fields(json).ok()?);
    let mut out = String::with_capacity(json.len());
    out.push('{');
    for (i, (key, raw)) in merged.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        super::extra::push_json_string(&mut out, key);
        out.push(':');
        out.push_str(raw.get());
    }
    out.push('}');
    Some(out)
}

/// `fields` with each key once, as `serde_json::Map` keeps a repeated key: in its first
/// place, with its last value.
pub(crate) fn first_place_last_value<K: AsRef<str>, V>(fields: Vec<(K, V)>) -> Vec<(K, V)> {
    let mut merged: Vec<(K, V)> = Vec::with_capacity(fields.len());
    let mut place: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (key, value) in fields {
        match place.get(key.as_ref()) {
            Some(&i) => merged[i].1 = value,
            None => {
                place.insert(key.as_ref().to_owned(), merged.len());
                merged.push((key, value));
            }
        }
    }
    merged
}

/// A double as `serde_json` reads it into a `Value`, or an error where it may be an integer
/// written beyond 64 bits, whose text must be looked at instead.
pub(crate) fn double<E: Error>(v: f64) -> Result<Value, E> {
    if may_be_wide_integer(v) {
        return Err(E::custom("a whole number beyond 64 bits"));
    }
    Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
}

/// An object's fields in order, each value as its text; an error for anything else (and for
/// a key that cannot be a string, which keeps the whole object as text).
fn fields(json: &str) -> serde_json::Result<Vec<(String, &RawValue)>> {
    struct Fields;
    impl<'de> Visitor<'de> for Fields {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                out.push((key, map.next_value::<&RawValue>()?));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let out = de.deserialize_map(Fields)?;
    de.end()?;
    Ok(out)
}

/// Names met so far in this process, so that a warning about values kept as their text is
/// said once per resource or field: an API that sends one such value usually sends many.
pub(crate) struct FirstTimes(std::sync::Mutex<Vec<&'static str>>);

impl FirstTimes {
    /// None met yet.
    pub(crate) const fn new() -> FirstTimes {
        FirstTimes(std::sync::Mutex::new(Vec::new()))
    }

    /// Whether `name` is met for the first time (and from now on, not).
    pub(crate) fn first(&self, name: &'static str) -> bool {
        let mut met = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let first = !met.contains(&name);
        if first {
            met.push(name);
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_part_no_value_holds_is_kept_as_its_text_in_its_place() {
        let text =
            r#"{"a":1,"big":1e400,"cut":"ab\ud83d","o":{"x":[1,"\udc00",2.5],"y":"ok"},"z":true}"#;
        let (value, kept) = lossless_value(text);
        assert!(kept);
        assert_eq!(
            value,
            json!({
                "a": 1,
                "big": "1e400",
                "cut": r#""ab\ud83d""#,
                "o": {"x": [1, r#""\udc00""#, 2.5], "y": "ok"},
                "z": true,
            })
        );
        // The keys keep the text's order.
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "big", "cut", "o", "z"]);
    }

    #[test]
    fn readable_text_reads_as_serde_json_reads_it() {
        for text in [
            r#"{"a":[1,{"b":null}],"c":"\u00e9\ud83d\ude00"}"#,
            "[]",
            "3",
            r#""s""#,
        ] {
            let (value, kept) = lossless_value(text);
            assert!(!kept, "{text}");
            assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let (value, _) = lossless_value(r#"{"k":1,"big":1e400,"k":2}"#);
        assert_eq!(value, json!({"k": 2, "big": "1e400"}));
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["k", "big"]);
    }

    #[test]
    fn an_integer_beyond_64_bits_keeps_its_digits_and_a_double_stays_a_double() {
        let text = r#"{"wei":1000000000000000000001,"neg":-9223372036854775809,"max":18446744073709551615,"min":-9223372036854775808,"e":1e20,"f":100000000000000000000.0,"l":[123456789012345678901234567890,1]}"#;
        let (value, kept) = lossless_value(text);
        assert!(kept);
        assert_eq!(
            value,
            json!({
                "wei": "1000000000000000000001",
                "neg": "-9223372036854775809",
                "max": 18446744073709551615u64,
                "min": i64::MIN,
                "e": 1e20,
                "f": 1e20,
                "l": ["123456789012345678901234567890", 1],
            })
        );
    }

    #[test]
    fn a_key_no_string_holds_keeps_its_whole_object_as_text() {
        let (value, kept) = lossless_value(r#"{"o":{"\ud800":1},"a":2}"#);
        assert!(kept);
        assert_eq!(value, json!({"o": r#"{"\ud800":1}"#, "a": 2}));
    }
}
