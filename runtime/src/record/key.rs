//! Primary keys as incremental boundary dedup uses them: typed in memory, JSON text in the
//! persisted state.
//!
//! The state has always stored a key as the compact JSON text of the array of its columns'
//! values (`[7]`, `[7,"a"]`), as the columns' JSON forms print. Generated keys are tuples,
//! which serialize to exactly that array, so the text written from a typed key equals the
//! text earlier versions wrote, and a stored text parses back into the typed key.

use std::hash::{Hash, Hasher};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// What a record's primary key type needs for boundary dedup. Implemented for every type
/// with these traits; generated keys are tuples of the key columns' types.
pub trait RecordKey:
    Eq + Hash + Clone + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
}

impl<K> RecordKey for K where
    K: Eq + Hash + Clone + std::fmt::Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
}

/// A double key column: compared and hashed by its bits (floats are not `Eq`), written and
/// read as the number.
#[derive(Debug, Clone, Copy)]
pub struct FloatKey(pub f64);

impl PartialEq for FloatKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for FloatKey {}

impl Hash for FloatKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

impl Serialize for FloatKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for FloatKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(FloatKey)
    }
}

/// A key as state text: the JSON array of its values. A key type that does not serialize to
/// an array (a hand-written `Record` with a bare `i64` key) is wrapped in one, so the text
/// does not depend on how the key type is spelled.
pub(crate) fn key_text<K: RecordKey>(key: &K) -> String {
    match serde_json::to_value(key) {
        Ok(v @ Value::Array(_)) => v.to_string(),
        Ok(v) => Value::Array(vec![v]).to_string(),
        Err(_) => "null".to_string(),
    }
}

/// A stored key text as a typed key; `None` when it cannot be one (a key of another shape,
/// written before the primary key changed, which no record can match).
pub(crate) fn parse_key<K: RecordKey>(text: &str) -> Option<K> {
    let v: Value = serde_json::from_str(text).ok()?;
    if let Ok(k) = K::deserialize(&v) {
        return Some(k);
    }
    match v {
        Value::Array(mut a) if a.len() == 1 => K::deserialize(a.pop()?).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_text_is_the_array_earlier_versions_stored_and_parses_back() {
        type K = (i64, String, Option<FloatKey>, chrono::DateTime<chrono::Utc>);
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-01T10:00:00.5+01:00")
            .unwrap()
            .to_utc();
        let k: K = (7, "a\"b".into(), Some(FloatKey(1.0)), t);
        let text = key_text(&k);
        // What `[v1,v2,..]` built from each column's `serde_json::to_value` printed.
        let old = Value::Array(vec![
            serde_json::to_value(7i64).unwrap(),
            serde_json::to_value("a\"b").unwrap(),
            serde_json::to_value(Some(1.0f64)).unwrap(),
            serde_json::to_value(t).unwrap(),
        ])
        .to_string();
        assert_eq!(text, old);
        assert_eq!(text, r#"[7,"a\"b",1.0,"2024-01-01T09:00:00.500Z"]"#);
        assert_eq!(parse_key::<K>(&text), Some(k));
        // A bare key is stored as a one-element array, and read back from one.
        assert_eq!(key_text(&5i64), "[5]");
        assert_eq!(parse_key::<i64>("[5]"), Some(5));
        assert_eq!(parse_key::<(i64,)>("[\"x\"]"), None);
    }
}
