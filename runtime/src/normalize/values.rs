//! A record's values as flattening meets them: `Value`s (declared fields, records given
//! whole), or the undeclared fields read from their JSON text in one pass into a lighter form
//! than `Value` trees.
//!
//! Undeclared fields arrive as one object's JSON text ([`crate::record::Extra`]). Parsed into
//! `Value`s, each nested object became an ordered hash map with a `String` per key, and each
//! scalar list element a map of its own, only for flattening to take them apart and free
//! them. Here an object is a list of fields whose keys are borrowed from the text when they
//! hold no escape, and a list a list; scalars are `Value`s, as they end up in the rows.

// Without a destination that flattens records ahead (`load::normal_ahead`), nothing reads
// undeclared fields from text.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "delta")),
    allow(dead_code)
)]

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{LIST_KEY, VALUE_KEY};
use crate::record::Key;

/// One value of a record, as flattening meets it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item<'a> {
    /// A parsed value (any kind).
    Value(Value),
    /// An object read from text: its fields in order, each key once.
    Object(Vec<(Cow<'a, str>, Item<'a>)>),
    /// A list read from text.
    List(Vec<Item<'a>>),
}

impl From<Value> for Item<'_> {
    fn from(value: Value) -> Self {
        Item::Value(value)
    }
}

impl<'a> Item<'a> {
    /// The value as a `Value` (built where a container is kept whole).
    pub fn into_value(self) -> Value {
        match self {
            Item::Value(v) => v,
            Item::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect::<Map<String, Value>>(),
            ),
            Item::List(items) => Value::Array(items.into_iter().map(Item::into_value).collect()),
        }
    }

    /// Whether the value is an object or a list.
    pub fn is_container(&self) -> bool {
        match self {
            Item::Value(v) => v.is_object() || v.is_array(),
            Item::Object(_) | Item::List(_) => true,
        }
    }

    /// What this value is to flattening: an object's fields, a list's items, or a value.
    pub fn shape(self) -> Shape<'a> {
        match self {
            Item::Value(Value::Object(map)) => Shape::Object(Fields::Map(map.into_iter())),
            Item::Value(Value::Array(items)) => Shape::List(Items::Values(items.into_iter())),
            Item::Object(fields) => Shape::Object(Fields::Read(fields.into_iter())),
            Item::List(items) => Shape::List(Items::Read(items.into_iter())),
            Item::Value(v) => Shape::Scalar(v),
        }
    }

    /// A list element as the fields of its child row (an object's own fields; anything else
    /// under dlt's `value` key, a list under `list`), with the nesting levels it takes.
    pub fn into_row(self) -> (Fields<'a>, i64) {
        match self {
            Item::Value(Value::Object(map)) => (Fields::Map(map.into_iter()), 1),
            Item::Object(fields) => (Fields::Read(fields.into_iter()), 1),
            // The containers left are lists.
            item if item.is_container() => (Fields::One(Some((LIST_KEY, item))), 2),
            item => (Fields::One(Some((VALUE_KEY, item))), 1),
        }
    }
}

/// A value taken apart for flattening.
pub(crate) enum Shape<'a> {
    /// An object: its fields in order, each key once.
    Object(Fields<'a>),
    /// A list: its items in order.
    List(Items<'a>),
    /// Anything else.
    Scalar(Value),
}

/// An object's fields in order, each key once.
pub(crate) enum Fields<'a> {
    /// A `Value` object's.
    Map(serde_json::map::IntoIter),
    /// An object's read from text.
    Read(std::vec::IntoIter<(Cow<'a, str>, Item<'a>)>),
    /// One field (a list element that is not an object, under its column's key).
    One(Option<(&'static str, Item<'a>)>),
}

impl<'a> Iterator for Fields<'a> {
    type Item = (Cow<'a, str>, Item<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Fields::Map(map) => map.next().map(|(k, v)| (Cow::Owned(k), Item::Value(v))),
            Fields::Read(fields) => fields.next(),
            Fields::One(one) => one.take().map(|(k, v)| (Cow::Borrowed(k), v)),
        }
    }
}

/// A list's items in order.
pub(crate) enum Items<'a> {
    /// A `Value` list's.
    Values(std::vec::IntoIter<Value>),
    /// A list's read from text.
    Read(std::vec::IntoIter<Item<'a>>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        match self {
            Items::Values(values) => values.next().map(Item::Value),
            Items::Read(items) => items.next(),
        }
    }
}

/// The fields of a record's undeclared fields' text ([`crate::record::Extra`]'s, an object
/// that holds each key once already, so no repeat is looked for at its top); none for empty
/// text or text that is not an object, which `Extra` never holds. The second half is
/// whether a part of some field could not be a value and is its JSON text instead (see
/// [`crate::record::lossless_value`]): the fields are then read again, more slowly, so
/// that one such part costs no other field.
pub(crate) fn undeclared(text: &str) -> (Vec<(Cow<'_, str>, Item<'_>)>, bool) {
    if text.is_empty() {
        return (Vec::new(), false);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    if let Ok(Item::Object(fields)) = de.deserialize_map(ObjectVisitor { unique: true }) {
        if de.end().is_ok() {
            return (fields, false);
        }
    }
    match crate::record::lossless_value(text) {
        (Value::Object(map), kept) => {
            let fields = map
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Item::Value(v)));
            (fields.collect(), kept)
        }
        _ => (Vec::new(), false),
    }
}

/// Small objects are checked for a repeated key pairwise; larger ones through their keys
/// sorted, so an object with thousands of keys costs no quadratic time.
const PAIRWISE: usize = 16;

/// Merges repeated keys as `serde_json::Map` does: the first place, the last value. Repeats
/// are rare (JSON allows them; APIs seldom send them), so finding none must be cheap.
fn unrepeat(fields: &mut Vec<(Cow<'_, str>, Item<'_>)>) {
    let repeated = if fields.len() <= PAIRWISE {
        (1..fields.len()).any(|i| fields[..i].iter().any(|(k, _)| *k == fields[i].0))
    } else {
        let mut keys: Vec<&str> = fields.iter().map(|(k, _)| &**k).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    };
    if repeated {
        *fields = crate::record::first_place_last_value(std::mem::take(fields));
    }
}

/// Any JSON value, read as an [`Item`] (scalars as `serde_json`'s `Value` reads them).
struct ItemSeed;

impl<'de> DeserializeSeed<'de> for ItemSeed {
    type Value = Item<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Item<'de>, D::Error> {
        deserializer.deserialize_any(ObjectVisitor { unique: false })
    }
}

/// Reads any value; `unique`: an object's keys are known to be distinct.
struct ObjectVisitor {
    unique: bool,
}

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::Bool(v)))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::Number(v.into())))
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::Number(v.into())))
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<Item<'de>, E> {
        // A possibly wide integer fails the fast reading: `undeclared` reads it from its text.
        crate::record::double(v).map(Item::Value)
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::String(v.to_owned())))
    }

    fn visit_string<E: Error>(self, v: String) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::String(v)))
    }

    fn visit_none<E: Error>(self) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::Null))
    }

    fn visit_unit<E: Error>(self) -> Result<Item<'de>, E> {
        Ok(Item::Value(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Item<'de>, D::Error> {
        ItemSeed.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(ItemSeed)? {
            items.push(item);
        }
        Ok(Item::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
        // JSON gives no size: room for a record's undeclared fields or a small object up
        // front spares reallocating through 4 and 8 fields.
        let room = if self.unique { 16 } else { 4 };
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(room));
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let value = map.next_value_seed(ItemSeed)?;
            fields.push((key.into_cow(), value));
        }
        if !self.unique {
            unrepeat(&mut fields);
        }
        Ok(Item::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reads `text` as an item, as nested values are read.
    fn read(text: &str) -> Item<'_> {
        let mut de = serde_json::Deserializer::from_str(text);
        ItemSeed.deserialize(&mut de).unwrap()
    }

    #[test]
    fn text_reads_as_the_value_it_stands_for() {
        let text = r#"{"a":1,"b\"q":"x\u00e9","c":{"d":[1,{"e":null},[true,2.5]],"f":{}},"g":[],"h":-0.0,"i":18446744073709551615,"j":1e400}"#;
        let expected: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        // serde_json refuses 1e400 as a `Value` too; without it, every value reads the same.
        assert_eq!(expected, Value::Null);
        let text = text.replace(r#","j":1e400"#, "");
        let expected: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read(&text).into_value(), expected);
        let (fields, kept) = undeclared(&text);
        assert!(!kept);
        let keys: Vec<&str> = fields.iter().map(|(k, _)| &**k).collect();
        assert_eq!(keys, ["a", "b\"q", "c", "g", "h", "i"]);
        // Keys without escapes are borrowed.
        assert!(matches!(fields[0].0, Cow::Borrowed("a")));
        assert!(matches!(fields[1].0, Cow::Owned(_)));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value_as_a_map_does() {
        for n in [3, 40] {
            let mut text = String::from("{");
            for i in 0..n {
                text.push_str(&format!("\"k{i}\":{i},"));
            }
            text.push_str("\"k1\":{\"x\":1},\"k0\":\"last\"}");
            let expected: Value = serde_json::from_str(&text).unwrap();
            let Item::Object(fields) = read(&text) else {
                panic!("not an object")
            };
            let got: Vec<(String, Value)> = fields
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_value()))
                .collect();
            let want: Vec<(String, Value)> =
                expected.as_object().unwrap().clone().into_iter().collect();
            assert_eq!(got, want, "{n} keys");
        }
    }

    #[test]
    fn list_elements_become_child_row_fields() {
        let row = |item: Item<'static>| {
            let (fields, levels) = item.into_row();
            let fields: Vec<(String, Value)> = fields
                .map(|(k, v)| (k.into_owned(), v.into_value()))
                .collect();
            (fields, levels)
        };
        let object = || json!({"a": 1});
        assert_eq!(
            row(Item::Value(object())),
            (vec![("a".into(), json!(1))], 1)
        );
        assert_eq!(row(read(r#"{"a":1}"#)), (vec![("a".into(), json!(1))], 1));
        assert_eq!(row(read("[1]")), (vec![("list".into(), json!([1]))], 2));
        assert_eq!(
            row(Item::Value(json!([1]))),
            (vec![("list".into(), json!([1]))], 2)
        );
        assert_eq!(row(read("\"s\"")), (vec![("value".into(), json!("s"))], 1));
    }

    #[test]
    fn a_large_double_stays_a_double_and_only_a_wide_integer_is_text() {
        // Whole doubles from 2^64 up are read again from their text, which says what they are.
        let (fields, kept) = undeclared(r#"{"d":1e30,"n":-1.5e300,"f":1.5}"#);
        assert!(!kept);
        let got: Vec<Value> = fields.into_iter().map(|(_, v)| v.into_value()).collect();
        assert_eq!(got, [json!(1e30), json!(-1.5e300), json!(1.5)]);
        let (fields, kept) = undeclared(r#"{"n":-9223372036854775809}"#);
        assert!(kept);
        assert_eq!(
            fields[0].1.clone().into_value(),
            json!("-9223372036854775809")
        );
    }

    #[test]
    fn text_that_is_not_an_object_gives_no_fields() {
        assert!(undeclared("").0.is_empty());
        assert!(undeclared("[1]").0.is_empty());
        assert!(undeclared("{\"a\":1} x").0.is_empty());
    }

    #[test]
    fn a_part_no_value_holds_costs_no_other_field() {
        let text = r#"{"a":1,"big":1e400,"o":{"x":"ab\ud83d","y":2},"l":[1,2],"wei":100000000000000000000001,"d":1e30}"#;
        let (fields, kept) = undeclared(text);
        assert!(kept);
        let got: Vec<(String, Value)> = fields
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_value()))
            .collect();
        let want: Vec<(String, Value)> = vec![
            ("a".into(), json!(1)),
            ("big".into(), json!("1e400")),
            ("o".into(), json!({"x": r#""ab\ud83d""#, "y": 2})),
            ("l".into(), json!([1, 2])),
            ("wei".into(), json!("100000000000000000000001")),
            ("d".into(), json!(1e30)),
        ];
        assert_eq!(got, want);
    }
}
