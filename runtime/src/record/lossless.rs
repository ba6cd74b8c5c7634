//! Undeclared fields whose JSON text `serde_json` accepted as text but cannot read back as a
//! `Value`: a number beyond every double (`1e400`), or a string holding a lone UTF-16
//! surrogate escape (`"\ud83d"`, an emoji cut in half by an API that truncates UTF-16 text).
//!
//! Capturing a record's undeclared fields only checks their syntax ([`super::raw`]), so such
//! a value reaches [`super::Extra`] and is stored as sent wherever a destination keeps the
//! text (`_rs_extra`, JSON lines). Reading the text back as values (relational tables,
//! processing steps) used to fail as a whole, and every undeclared field of the record was
//! dropped without a word. Here only the part that cannot be a value is kept differently: as
//! its JSON text, a string, in the place it had; everything around it is read as usual.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The value the JSON text `json` stands for, with every part that cannot be a `Value` kept
/// as its JSON text (a string); and whether any part was.
pub(crate) fn lossless_value(json: &str) -> (Value, bool) {
    let mut kept = false;
    let value = read(json, &mut kept);
    (value, kept)
}

fn read(json: &str, kept: &mut bool) -> Value {
    if let Ok(value) = serde_json::from_str::<Value>(json) {
        return value;
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
    *kept = true;
    Value::String(json.trim().to_string())
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
    fn a_key_no_string_holds_keeps_its_whole_object_as_text() {
        let (value, kept) = lossless_value(r#"{"o":{"\ud800":1},"a":2}"#);
        assert!(kept);
        assert_eq!(value, json!({"o": r#"{"\ud800":1}"#, "a": 2}));
    }
}
