//! A decoded page, its record type erased: the extraction engine is not generic; only page
//! decoding is (the monomorphized [`DecodeFn`] of each resource).

use std::any::Any;

use serde_json::Value;

use super::RowBatch;
use crate::def::PathStep;
use crate::record::{walk, Record};
use crate::select::{decode_selected, SelectError, Selected};

/// A decoded page whose record type is known only to its decoder.
pub(crate) trait DecodedPage: Send {
    fn len(&self) -> usize;
    fn lookup(&self, index: usize, path: &[PathStep]) -> Option<Value>;
    fn set_extra(&mut self, index: usize, key: String, value: Value);
    fn retain_mask(&mut self, keep: &[bool]);
    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>>;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

/// Decodes a page body at a selector, saying what the selector found.
pub(crate) type DecodeFn =
    fn(&[u8], &[PathStep]) -> Result<(Box<dyn DecodedPage>, Selected), SelectError>;

fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
}

impl<R: Record> DecodedPage for Vec<R> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn lookup(&self, index: usize, path: &[PathStep]) -> Option<Value> {
        self.get(index)?.lookup(path)
    }
    fn set_extra(&mut self, index: usize, key: String, value: Value) {
        if let Some(r) = self.get_mut(index) {
            r.set_extra(key, value);
        }
    }
    fn retain_mask(&mut self, keep: &[bool]) {
        retain(self, keep)
    }
    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>> {
        Some(self)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// A record of a resource fetched only to feed its children (its type is not known here).
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Loose(Value);

impl DecodedPage for Vec<Loose> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn lookup(&self, index: usize, path: &[PathStep]) -> Option<Value> {
        walk(&self.get(index)?.0, path)
    }
    fn set_extra(&mut self, index: usize, key: String, value: Value) {
        if let Some(Loose(Value::Object(m))) = self.get_mut(index) {
            m.insert(key, value);
        }
    }
    fn retain_mask(&mut self, keep: &[bool]) {
        retain(self, keep)
    }
    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>> {
        None
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// The decoder for record type `R`.
pub(crate) fn decode_typed<R: Record>(
    body: &[u8],
    path: &[PathStep],
) -> Result<(Box<dyn DecodedPage>, Selected), SelectError> {
    let (records, selected) = decode_selected::<R>(body, path)?;
    Ok((Box::new(records), selected))
}

/// The decoder for ancestors fetched as plain JSON.
pub(crate) fn decode_loose(
    body: &[u8],
    path: &[PathStep],
) -> Result<(Box<dyn DecodedPage>, Selected), SelectError> {
    let (records, selected) = decode_selected::<Loose>(body, path)?;
    Ok((Box::new(records), selected))
}
