//! A decoded page, its record type erased: the extraction engine is not generic; page
//! decoding (the monomorphized [`DecodeFn`] of each resource) and the per-record work on a
//! page (incremental filtering with the typed cursor and key) are.

use std::any::Any;

use serde_json::Value;

use super::RowBatch;
use crate::def::{PathStep, ResourceDef};
use crate::incremental::{Incremental, IncrementalError};
use crate::record::Record;
use crate::select::{decode_selected, SelectError, Selected};

/// A decoded page whose record type is known only to its decoder.
pub(crate) trait DecodedPage: Send {
    fn len(&self) -> usize;
    fn lookup(&self, index: usize, path: &[PathStep]) -> Option<Value>;
    fn set_extra(&mut self, index: usize, key: String, value: Value);
    /// Keeps the first `len` records.
    fn truncate(&mut self, len: usize);
    /// Drops the records outside the incremental range (and boundary duplicates), tracking
    /// the last value; an error leaves the page as it was.
    fn keep_in_range(&mut self, inc: &mut Incremental) -> Result<(), IncrementalError>;
    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>>;
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
    /// The page's records (a `Vec<R>`), for typed transforms to downcast.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// The records as JSON (sampling reads pages of any resource this way).
    fn into_json(self: Box<Self>) -> Vec<Value>;
}

/// Decodes a page body of a resource at a selector, saying what the selector found.
pub(crate) type DecodeFn = fn(
    &[u8],
    &[PathStep],
    &'static ResourceDef,
) -> Result<(Box<dyn DecodedPage>, Selected), SelectError>;

/// What is left of a record limit (`ExtractOptions::max_records`) for one request sequence.
pub(crate) struct Budget(Option<u64>);

impl Budget {
    /// The budget of a new sequence; `None` is no limit.
    pub fn new(max: Option<u64>) -> Self {
        Budget(max)
    }

    /// Cuts `page` to what is left and spends it; true when nothing is left.
    pub fn spend(&mut self, page: &mut dyn DecodedPage) -> bool {
        let Some(left) = &mut self.0 else {
            return false;
        };
        let n = page.len() as u64;
        if n < *left {
            *left -= n;
            return false;
        }
        page.truncate(usize::try_from(*left).unwrap_or(usize::MAX));
        *left = 0;
        true
    }
}

pub(super) fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
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
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len)
    }
    fn keep_in_range(&mut self, inc: &mut Incremental) -> Result<(), IncrementalError> {
        let keyed = !R::RESOURCE.primary_key.is_empty();
        let mut keep = Vec::with_capacity(self.len());
        for (i, r) in self.iter().enumerate() {
            keep.push(inc.keep(i, r.cursor(), keyed.then(|| r.key()))?);
        }
        retain(self, &keep);
        Ok(())
    }
    fn into_batch(self: Box<Self>) -> Option<Box<dyn RowBatch>> {
        Some(self)
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_json(self: Box<Self>) -> Vec<Value> {
        self.iter()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
            .collect()
    }
}

/// The decoder for record type `R`.
pub(crate) fn decode_typed<R: Record>(
    body: &[u8],
    path: &[PathStep],
    _def: &'static ResourceDef,
) -> Result<(Box<dyn DecodedPage>, Selected), SelectError> {
    let (records, selected) = decode_selected::<R>(body, path)?;
    Ok((Box::new(records), selected))
}
