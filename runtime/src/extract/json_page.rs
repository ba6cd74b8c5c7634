//! Pages of a resource that has no record type: each record kept as the JSON the API sent.
//!
//! Generated sources decode every page into their own structs. `restsource infer` samples a
//! spec's API before any struct exists (that is what it is for), through the same client,
//! paginators, selectors and incremental filter, with records left as JSON: a resource's
//! handle built with [`ResourceHandle::json`](super::ResourceHandle::json).

use std::any::Any;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::page::{retain, DecodedPage};
use super::RowBatch;
use crate::def::{PathStep, ResourceDef};
use crate::incremental::{Incremental, IncrementalError};
use crate::record::Cursor;
use crate::select::{decode_selected, SelectError, Selected};

/// One page of JSON records and the resource they belong to.
pub(crate) struct JsonPage {
    pub def: &'static ResourceDef,
    pub records: Vec<Value>,
}

/// The decoder of resources without a record type.
pub(crate) fn decode_json(
    body: &[u8],
    path: &[PathStep],
    def: &'static ResourceDef,
) -> Result<(Box<dyn DecodedPage>, Selected), SelectError> {
    let (records, selected) = decode_selected::<Value>(body, path)?;
    Ok((Box::new(JsonPage { def, records }), selected))
}

/// A primary key read from JSON records: the values of the key columns, compared as JSON
/// values (a typed record compares typed fields; without types, `1` and `"1"` differ).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonKey(Vec<Value>);

// JSON holds no NaN, so JSON value equality is an equivalence.
impl Eq for JsonKey {}

impl Hash for JsonKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal values print equally (serde_json keeps object keys in one order per map,
        // and key columns are scalars in practice).
        for v in &self.0 {
            v.to_string().hash(state);
        }
    }
}

impl Serialize for JsonKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for JsonKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Value>::deserialize(d).map(JsonKey)
    }
}

impl JsonPage {
    fn field(&self, index: usize, name: &str) -> Option<&Value> {
        self.records.get(index)?.get(name)
    }
}

impl DecodedPage for JsonPage {
    fn len(&self) -> usize {
        self.records.len()
    }

    fn lookup(&self, index: usize, path: &[PathStep]) -> Option<Value> {
        restsource_core::path::walk(self.records.get(index)?, path).cloned()
    }

    fn set_extra(&mut self, index: usize, key: String, value: Value) {
        if let Some(Value::Object(map)) = self.records.get_mut(index) {
            map.insert(key, value);
        }
    }

    fn truncate(&mut self, len: usize) {
        self.records.truncate(len);
    }

    fn keep_in_range(&mut self, inc: &mut Incremental) -> Result<(), IncrementalError> {
        let cursor_path = self
            .def
            .endpoint
            .incremental
            .as_ref()
            .map(|i| i.cursor_path)
            .unwrap_or(&[]);
        let keyed = !self.def.primary_key.is_empty();
        let mut keep = Vec::with_capacity(self.records.len());
        for (i, r) in self.records.iter().enumerate() {
            let cursor = restsource_core::path::walk(r, cursor_path)
                .cloned()
                .and_then(Cursor::from_json);
            let key = keyed.then(|| {
                JsonKey(
                    self.def
                        .primary_key
                        .iter()
                        .map(|k| self.field(i, k).cloned().unwrap_or(Value::Null))
                        .collect(),
                )
            });
            keep.push(inc.keep(i, cursor, key)?);
        }
        retain(&mut self.records, &keep);
        Ok(())
    }

    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>> {
        // Loading needs a record type (declared columns bind typed values); JSON records
        // are for sampling only, so the extractor reports them as not loadable.
        None
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_json(self: Box<Self>) -> Vec<Value> {
        self.records
    }
}
