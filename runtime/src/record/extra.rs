//! The fields of a record that its spec does not declare, kept as JSON text.
//!
//! Nothing a response carries is dropped, so every record keeps its undeclared fields. They
//! are kept as the minified JSON text of one object rather than as a `serde_json::Map`:
//! building a value tree per field while decoding and serializing it again for the
//! `_rs_extra` column was the largest cost of a CPU-bound load (see `bench/README.md`). The
//! text is copied from the response once and written to the destination as is.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::de::Key;
use super::raw::RawInto;

/// Undeclared fields of one record: the minified JSON text of an object, in the order the
/// response listed them, each key once (the last occurrence wins, as in `serde_json`).
#[derive(Clone, Default, Eq)]
pub struct Extra {
    /// Empty when there are no fields, so records without extras cost no allocation.
    json: String,
}

impl Extra {
    /// No fields.
    pub fn new() -> Self {
        Extra::default()
    }

    /// Whether there are no undeclared fields.
    pub fn is_empty(&self) -> bool {
        self.json.is_empty()
    }

    /// The fields as the JSON text of an object, or `None` when there are none (the
    /// destinations store NULL then).
    pub fn as_json(&self) -> Option<&str> {
        (!self.json.is_empty()).then_some(self.json.as_str())
    }

    /// The value of field `key`, parsed on demand (read as [`Extra::to_map`] reads it).
    pub fn get(&self, key: &str) -> Option<Value> {
        if self.json.is_empty() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(&self.json);
        de.deserialize_map(GetVisitor { key }).ok().flatten()
    }

    /// All fields as a map (parses the text). A part of a field that no `Value` holds
    /// exactly (a number beyond every double, an integer beyond 64 bits, a lone UTF-16
    /// surrogate escape) is the string of its JSON text, so the other fields are never lost
    /// with it, nor its digits.
    pub fn to_map(&self) -> Map<String, Value> {
        if self.json.is_empty() {
            return Map::new();
        }
        match super::lossless_value(&self.json).0 {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// Sets field `key`, replacing an earlier value of the same key.
    pub fn insert(&mut self, key: String, value: Value) {
        if self.get(&key).is_some() {
            let mut map = self.to_map();
            map.insert(key, value);
            *self = Extra::from(map);
            return;
        }
        let mut b = ExtraBuilder::new();
        b.json = std::mem::take(&mut self.json);
        if !b.json.is_empty() {
            // Reopen the object: the builder appends before the closing brace.
            b.json.pop();
        }
        b.push_raw(&key, &value.to_string());
        *self = b.finish();
    }
}

impl Extra {
    /// Undeclared fields from the JSON text [`Extra::as_json`] gave (empty for none): how a
    /// spooled record gets its fields back without parsing them.
    pub(crate) fn from_json_text(json: String) -> Extra {
        Extra { json }
    }
}

impl From<Map<String, Value>> for Extra {
    fn from(map: Map<String, Value>) -> Self {
        if map.is_empty() {
            return Extra::default();
        }
        Extra {
            json: Value::Object(map).to_string(),
        }
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        // Equal text is the common case; the same fields in another order are still equal.
        self.json == other.json || self.to_map() == other.to_map()
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_json() {
            Some(json) => write!(f, "Extra({json})"),
            None => f.write_str("Extra({})"),
        }
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map = self.to_map();
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for (k, v) in &map {
            out.serialize_entry(k, v)?;
        }
        out.end()
    }
}

/// For hand-written records (`#[serde(flatten)] extra: Extra` under a derived
/// `Deserialize`): goes through a map because serde's flatten buffering hands values over in
/// its own form, not as JSON text. Generated records use [`ExtraBuilder`] instead.
impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::<String, Value>::deserialize(deserializer).map(Extra::from)
    }
}

/// Finds one key's value, skipping the others without building them.
struct GetVisitor<'k> {
    key: &'k str,
}

impl<'de> Visitor<'de> for GetVisitor<'_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if found.is_none() && key.as_str() == self.key {
                // Read as text first: a value no `Value` holds is its JSON text, not absent.
                let raw = map.next_value::<&'de serde_json::value::RawValue>()?;
                found = Some(super::lossless_value(raw.get()).0);
            } else {
                // serde_json rejects a map visitor that stops before the end.
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Collects the undeclared fields of one record while it is decoded (used by generated
/// `Deserialize` impls).
#[derive(Debug, Default)]
pub struct ExtraBuilder {
    json: String,
    /// Hashes of the first keys: a repeated key is rare, so it is only detected cheaply
    /// here (no allocation) and confirmed by re-parsing when a hash repeats.
    hashes: [u64; KEY_HASHES],
    count: usize,
    verify: bool,
}

/// Keys tracked by hash; a record with more undeclared fields is checked by re-parsing.
const KEY_HASHES: usize = 16;

impl ExtraBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        ExtraBuilder::default()
    }

    /// Takes the value of field `key` from `map` as JSON text.
    pub fn push<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        self.begin_field(key, 64);
        map.next_value_seed(RawInto(&mut self.json))
    }

    /// Appends field `key` with `raw`, a valid JSON value.
    pub(crate) fn push_raw(&mut self, key: &str, raw: &str) {
        self.begin_field(key, raw.len());
        push_minified(&mut self.json, raw);
    }

    /// Writes the separator and `"key":`, reserving room for a value of about `value_len`.
    fn begin_field(&mut self, key: &str, value_len: usize) {
        let h = fnv(key);
        if self.count < KEY_HASHES {
            self.verify |= self.hashes[..self.count].contains(&h);
            self.hashes[self.count] = h;
            self.count += 1;
        } else {
            self.verify = true;
        }
        if self.json.is_empty() {
            // One allocation for a typical record's extras instead of a series of doublings.
            self.json.reserve(64 + key.len() + value_len);
            self.json.push('{');
        } else {
            self.json.push(',');
        }
        push_json_string(&mut self.json, key);
        self.json.push(':');
    }

    /// The collected fields.
    pub fn finish(mut self) -> Extra {
        if self.json.is_empty() {
            return Extra::default();
        }
        self.json.push('}');
        let extra = Extra { json: self.json };
        if self.verify && has_repeated_key(&extra.json) {
            // The last value of a repeated key in its first place, as a map keeps it; each
            // value's text as sent (a map would turn a value no `Value` holds into a string).
            if let Some(json) = super::lossless::last_of_each_key(&extra.json) {
                return Extra { json };
            }
            return Extra::from(extra.to_map());
        }
        extra
    }
}

/// Whether the object text `json` lists a key twice.
fn has_repeated_key(json: &str) -> bool {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut repeated = false;
            while let Some(key) = map.next_key::<Key<'de>>()? {
                repeated |= !seen.insert(key.as_str().to_owned());
                map.next_value::<IgnoredAny>()?;
            }
            Ok(repeated)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    de.deserialize_map(Keys).unwrap_or(false)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Appends `s` as a JSON string (escaped only when it needs it).
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&Value::from(s).to_string());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// Appends the JSON text `raw` without whitespace outside strings, so extras are stored
/// compactly whatever the API's formatting.
pub(crate) fn push_minified(out: &mut String, raw: &str) {
    let bytes = raw.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        out.push_str(raw);
        return;
    }
    let (mut start, mut in_string, mut escaped) = (0, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            // Whitespace is ASCII, so `i` is a char boundary.
            out.push_str(&raw[start..i]);
            start = i + 1;
        }
    }
    out.push_str(&raw[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Decodes an object's fields the way generated records do.
    fn decode(text: &str) -> Extra {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Extra;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut b = ExtraBuilder::new();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    b.push(key.as_str(), &mut map)?;
                }
                Ok(b.finish())
            }
        }
        let mut de = serde_json::Deserializer::from_str(text);
        de.deserialize_map(Fields).unwrap()
    }

    #[test]
    fn keeps_fields_as_minified_text_in_order() {
        let e = decode("{ \"b\" : [1, 2,\n {\"x\": \"a b\\\" c\"}], \"a\":1e3, \"c\": null }");
        assert_eq!(
            e.as_json(),
            Some(r#"{"b":[1,2,{"x":"a b\" c"}],"a":1e3,"c":null}"#)
        );
        assert_eq!(e.get("a"), Some(json!(1000.0)));
        assert_eq!(e.get("c"), Some(Value::Null));
        assert_eq!(e.get("nope"), None);
        assert_eq!(e.to_map().keys().collect::<Vec<_>>(), ["b", "a", "c"]);
    }

    #[test]
    fn a_value_no_value_type_holds_loses_no_field() {
        // Both pass the syntax check of capture; neither is a `Value`.
        let e = decode(r#"{"a":1,"big":1e400,"cut":"ab\ud83d","z":true}"#);
        assert_eq!(
            e.as_json(),
            Some(r#"{"a":1,"big":1e400,"cut":"ab\ud83d","z":true}"#)
        );
        let map = Value::Object(e.to_map());
        assert_eq!(
            map,
            json!({"a": 1, "big": "1e400", "cut": r#""ab\ud83d""#, "z": true})
        );
        assert_eq!(e.get("big"), Some(json!("1e400")));
        assert_eq!(e.get("z"), Some(json!(true)));
        // Serialized (records sampled by `restsource infer`, typed transforms) as the map.
        assert_eq!(serde_json::to_value(&e).unwrap(), map);
        // A repeated key is merged in the text: the other fields stay as sent.
        let e = decode(r#"{"k":1,"big":1e400,"k":{"a": 2}}"#);
        assert_eq!(e.as_json(), Some(r#"{"k":{"a":2},"big":1e400}"#));
        assert_eq!(
            Value::Object(e.to_map()),
            json!({"k": {"a": 2}, "big": "1e400"})
        );
    }

    #[test]
    fn empty_object_is_empty() {
        let e = decode("{}");
        assert!(e.is_empty());
        assert_eq!(e.as_json(), None);
        assert_eq!(e, Extra::new());
        assert_eq!(format!("{e:?}"), "Extra({})");
    }

    #[test]
    fn escaped_keys_stay_valid_json() {
        let e = decode(r#"{"q\"k":1,"t\tab":2,"ü":3}"#);
        assert_eq!(e.as_json(), Some(r#"{"q\"k":1,"t\tab":2,"ü":3}"#));
        assert_eq!(e.get("q\"k"), Some(json!(1)));
        assert_eq!(e.get("t\tab"), Some(json!(2)));
    }

    #[test]
    fn repeated_key_keeps_last_value() {
        let e = decode(r#"{"a":1,"b":2,"a":3}"#);
        assert_eq!(e.as_json(), Some(r#"{"a":3,"b":2}"#));
    }

    #[test]
    fn insert_appends_and_replaces() {
        let mut e = Extra::new();
        e.insert("_parent_id".into(), json!(7));
        assert_eq!(e.as_json(), Some(r#"{"_parent_id":7}"#));
        e.insert("x".into(), json!("s"));
        assert_eq!(e.as_json(), Some(r#"{"_parent_id":7,"x":"s"}"#));
        e.insert("_parent_id".into(), json!(8));
        assert_eq!(e.as_json(), Some(r#"{"_parent_id":8,"x":"s"}"#));
    }

    #[test]
    fn equality_ignores_order_and_serializes_as_map() {
        assert_eq!(decode(r#"{"a":1,"b":2}"#), decode(r#"{"b":2,"a":1}"#));
        assert_ne!(decode(r#"{"a":1}"#), decode(r#"{"a":2}"#));
        let e = decode(r#"{"a":[1],"b":{"c":true}}"#);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"a":[1],"b":{"c":true}})
        );
        assert_eq!(Extra::from(e.to_map()), e);
    }

    #[test]
    fn flattened_under_a_derived_deserialize() {
        #[derive(serde::Deserialize)]
        struct Hand {
            id: i64,
            #[serde(flatten)]
            extra: Extra,
        }
        let h: Hand = serde_json::from_str(r#"{"x":[1, 2],"id":3,"y":"z"}"#).unwrap();
        assert_eq!(h.id, 3);
        assert_eq!(h.extra.as_json(), Some(r#"{"x":[1,2],"y":"z"}"#));
        let h: Hand = serde_json::from_str(r#"{"id":3}"#).unwrap();
        assert!(h.extra.is_empty());
    }
}
