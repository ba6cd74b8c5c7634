//! Record selection (`data_selector`) and page decoding.
//!
//! Pages are decoded straight from the response bytes: a [`DeserializeSeed`] walks the selector
//! steps, skips every other key with [`IgnoredAny`] and deserializes the target array's
//! elements as records, so no intermediate `serde_json::Value` of the page is built. The few
//! values a paginator needs (total, has_more, cursor, next link) are read by a second pass
//! ([`extract_values`]) that skips the records the same way.
//!
//! Semantics follow dlt's JSONPath use: an array at the selected node is the page, an object is
//! one record, `null` is an empty page. Where dlt would return a list of lists (a `[*]` followed
//! by more steps), the matches are flattened into one page instead. Unlike dlt, the walk reports
//! what it found ([`Selected`]), so a page without the path is not silently an empty page:
//! extraction decides what a missing path or a change of shape means.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::Value;

pub use restsource_core::path::{path_text, walk, Path};
pub use restsource_core::PathStep;

/// What a page's selector found; extraction applies the page rules to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected {
    /// A list of records; also any path through `[*]` whose wildcard found its list or object
    /// (the matches are one flattened list, possibly empty).
    List,
    /// One object, read as one record.
    Object,
    /// `null` at the path or on the way to it: no records.
    Null,
    /// A number, string or bool where records were expected: no records.
    Scalar,
    /// The path is not in the document: no records.
    Missing,
}

// What the walk reached, as bits of `Notes::found`; `Selected` is decided from them at the end.
const FOUND_LIST: u8 = 1;
const FOUND_OBJECT: u8 = 2;
const FOUND_NULL: u8 = 4;
const FOUND_SCALAR: u8 = 8;
const FOUND_WILDCARD: u8 = 16;

fn selected(found: u8) -> Selected {
    if found & (FOUND_LIST | FOUND_WILDCARD) != 0 {
        Selected::List
    } else if found & FOUND_OBJECT != 0 {
        Selected::Object
    } else if found & FOUND_SCALAR != 0 {
        Selected::Scalar
    } else if found & FOUND_NULL != 0 {
        Selected::Null
    } else {
        Selected::Missing
    }
}

/// Decoding a page failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SelectError {
    /// Index of the record that failed to decode, when a record failed.
    pub index: Option<usize>,
    /// Path of the failing value inside that record (`quantity`, `address.zip`, `tags[2]`),
    /// when it is below the record itself.
    pub field: Option<String>,
    /// serde's message.
    pub message: String,
}

impl SelectError {
    /// A failure of the page as a whole (not of one record).
    pub fn page(message: String) -> Self {
        SelectError {
            index: None,
            field: None,
            message,
        }
    }
}

/// Decodes the records at `path` in `body` as `T`s, leniently: a missing path or `null` is no
/// records; a scalar is an error. [`decode_selected`] also says which it was.
pub fn decode_records<T: DeserializeOwned>(
    body: &[u8],
    path: &[PathStep],
) -> Result<Vec<T>, SelectError> {
    match decode_selected(body, path)? {
        (_, Selected::Scalar) => Err(SelectError::page(SCALAR_PAGE.to_string())),
        (records, _) => Ok(records),
    }
}

const SCALAR_PAGE: &str = "expected a record (object) or a list of records, got a scalar";

/// Decodes the records at `path` in `body` as `T`s and says what the path selected.
///
/// The happy path decodes with plain serde. Only when a record fails is the page decoded a
/// second time, with a path-tracking deserializer around each record, to name the field.
pub fn decode_selected<T: DeserializeOwned>(
    body: &[u8],
    path: &[PathStep],
) -> Result<(Vec<T>, Selected), SelectError> {
    let mut err = match walk_page::<T, false>(body, path) {
        Ok(out) => return Ok(out),
        Err(e) => e,
    };
    if err.index.is_some() {
        // Decoding is deterministic, so the tracked pass fails at the same record; the check
        // only guards against naming a field of another record.
        if let Err(tracked) = walk_page::<T, true>(body, path) {
            if tracked.index == err.index {
                err.field = tracked.field;
            }
        }
    }
    Err(err)
}

/// Decodes one response body of `R`'s resource into its records, following the spec's
/// `data_selector`, or dlt's detection when the spec has none: what extraction does with a
/// first page, for callers holding a body of their own (a saved response, a test fixture). A
/// body without the selector's path is an error unless the endpoint's `data_selector_missing`
/// is `empty`; a scalar at the path is an error.
pub fn decode_page<R: crate::record::Record>(body: &[u8]) -> Result<Vec<R>, SelectError> {
    let endpoint = &R::RESOURCE.endpoint;
    let path = match endpoint.data_selector {
        Some(steps) => Cow::Borrowed(steps),
        None => {
            let page: Value = serde_json::from_slice(body)
                .map_err(|e| SelectError::page(format!("the body is not JSON: {e}")))?;
            Cow::Owned(detect_records_path(&page))
        }
    };
    match decode_selected(body, &path)? {
        (_, Selected::Scalar) => Err(SelectError::page(SCALAR_PAGE.to_string())),
        (_, Selected::Missing)
            if endpoint.data_selector_missing == crate::def::DataSelectorMissing::Error =>
        {
            Err(SelectError::page(format!(
                "data_selector `{}` not found in the response",
                path_text(&path)
            )))
        }
        (records, _) => Ok(records),
    }
}

/// One pass over a page; `TRACK` wraps each record's deserializer to record the error path.
fn walk_page<T: DeserializeOwned, const TRACK: bool>(
    body: &[u8],
    path: &[PathStep],
) -> Result<(Vec<T>, Selected), SelectError> {
    // One UTF-8 check of the whole body is cheaper than serde_json checking each string;
    // a body that fails it is still decoded, so the error names the position.
    match std::str::from_utf8(body) {
        Ok(text) => walk_with::<T, TRACK, _>(serde_json::Deserializer::from_str(text), path),
        Err(_) => walk_with::<T, TRACK, _>(serde_json::Deserializer::from_slice(body), path),
    }
}

fn walk_with<'de, T: DeserializeOwned, const TRACK: bool, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    path: &[PathStep],
) -> Result<(Vec<T>, Selected), SelectError> {
    let failed = Failed::default();
    let mut out = Vec::new();
    let res = Walk::<T, TRACK> {
        steps: path,
        out: &mut out,
        failed: &failed,
        in_wildcard: false,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match res {
        Ok(()) => Ok((out, selected(failed.found.get()))),
        Err(e) => Err(SelectError {
            index: failed.index.get(),
            field: failed.field.take(),
            message: e.to_string(),
        }),
    }
}

/// What a walk noted: where a page failed (the record index and, in a tracked pass, the path
/// inside it) and what it reached (`FOUND_*` bits), set once per node on the path, never per
/// record.
#[derive(Default)]
struct Failed {
    index: Cell<Option<usize>>,
    field: Cell<Option<String>>,
    found: Cell<u8>,
}

impl Failed {
    fn reached(&self, bit: u8) {
        self.found.set(self.found.get() | bit);
    }
}

struct Walk<'a, T, const TRACK: bool> {
    steps: &'a [PathStep],
    out: &'a mut Vec<T>,
    failed: &'a Failed,
    /// Below a `[*]`: each match is a record or a list of records, and a scalar match is a
    /// record that fails.
    in_wildcard: bool,
}

/// Deserializes one record; on failure notes its index and, when `TRACK`, the path inside it
/// (through `serde_path_to_error`). Being a seed, the untracked case costs nothing more than
/// `T::deserialize`.
struct RecordSeed<'a, T, const TRACK: bool> {
    failed: &'a Failed,
    index: usize,
    record: PhantomData<T>,
}

impl<'de, T: DeserializeOwned, const TRACK: bool> DeserializeSeed<'de>
    for RecordSeed<'_, T, TRACK>
{
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        let res = if TRACK {
            let mut track = serde_path_to_error::Track::new();
            let res = T::deserialize(serde_path_to_error::Deserializer::new(d, &mut track));
            if res.is_err() {
                self.failed.field.set(field_text(&track.path()));
            }
            res
        } else {
            T::deserialize(d)
        };
        if res.is_err() {
            // Set here, not by the caller, so a syntax error between records (a truncated
            // list) is not blamed on a record.
            self.failed.index.set(Some(self.index));
        }
        res
    }
}

/// A tracked path as text; `None` when the failure is at the record itself.
fn field_text(path: &serde_path_to_error::Path) -> Option<String> {
    let known = path
        .iter()
        .any(|s| !matches!(s, serde_path_to_error::Segment::Unknown));
    known.then(|| path.to_string())
}

impl<T: DeserializeOwned, const TRACK: bool> Walk<'_, T, TRACK> {
    fn record(&self) -> RecordSeed<'_, T, TRACK> {
        RecordSeed {
            failed: self.failed,
            index: self.out.len(),
            record: PhantomData,
        }
    }

    /// The same walk one level down.
    fn sub<'b>(&'b mut self, steps: &'b [PathStep]) -> Walk<'b, T, TRACK> {
        Walk {
            steps,
            out: &mut *self.out,
            failed: self.failed,
            in_wildcard: self.in_wildcard,
        }
    }

    /// The walk below a `[*]` step.
    fn matches<'b>(&'b mut self, steps: &'b [PathStep]) -> Walk<'b, T, TRACK> {
        let mut sub = self.sub(steps);
        sub.in_wildcard = true;
        sub
    }
}

impl<'de, T: DeserializeOwned, const TRACK: bool> DeserializeSeed<'de> for Walk<'_, T, TRACK> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned, const TRACK: bool> Visitor<'de> for Walk<'_, T, TRACK> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let steps = self.steps;
        match steps.split_first() {
            None => {
                self.failed.reached(FOUND_LIST);
                while let Some(t) = seq.next_element_seed(self.record())? {
                    self.out.push(t);
                }
                Ok(())
            }
            Some((PathStep::Wildcard, rest)) => {
                self.failed.reached(FOUND_WILDCARD);
                while seq.next_element_seed(self.matches(rest))?.is_some() {}
                Ok(())
            }
            Some((PathStep::Index(i), rest)) if *i >= 0 => {
                let mut pos = 0i64;
                loop {
                    let found = if pos == *i {
                        seq.next_element_seed(self.sub(rest))?
                    } else {
                        seq.next_element::<IgnoredAny>()?.map(|_| ())
                    };
                    if found.is_none() {
                        return Ok(());
                    }
                    pos += 1;
                }
            }
            Some((PathStep::Index(i), rest)) => {
                // A negative index needs the length first: buffer this one array.
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    items.push(v);
                }
                let idx = items.len() as i64 + i;
                if let Some(v) = usize::try_from(idx)
                    .ok()
                    .and_then(|i| items.into_iter().nth(i))
                {
                    self.sub(rest)
                        .deserialize(v)
                        .map_err(serde::de::Error::custom)?;
                }
                Ok(())
            }
            Some((PathStep::Key(_), _)) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(())
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let steps = self.steps;
        match steps.split_first() {
            None => {
                if !self.in_wildcard {
                    self.failed.reached(FOUND_OBJECT);
                }
                let t = self
                    .record()
                    .deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                self.out.push(t);
                Ok(())
            }
            Some((step, rest)) => {
                let wildcard = matches!(step, PathStep::Wildcard);
                if wildcard {
                    self.failed.reached(FOUND_WILDCARD);
                }
                let mut done = false;
                while let Some(key) = map.next_key::<String>()? {
                    let hit = !done
                        && match step {
                            PathStep::Key(k) => *k == key,
                            PathStep::Wildcard => true,
                            PathStep::Index(_) => false,
                        };
                    if hit {
                        if wildcard {
                            map.next_value_seed(self.matches(rest))?;
                        } else {
                            map.next_value_seed(self.sub(rest))?;
                        }
                        // dlt takes the first match of a key; a wildcard keeps collecting.
                        done = matches!(step, PathStep::Key(_));
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(())
            }
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.null()
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.null()
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }
}

impl<T, const TRACK: bool> Walk<'_, T, TRACK> {
    /// A scalar at the path is a page of the wrong shape (the caller decides); below a `[*]`
    /// it is a record that fails. On the way to the path it means the path is missing.
    fn scalar<E: serde::de::Error>(self) -> Result<(), E> {
        if !self.steps.is_empty() {
            Ok(())
        } else if self.in_wildcard {
            self.failed.index.set(Some(self.out.len()));
            Err(E::custom(SCALAR_PAGE))
        } else {
            self.failed.reached(FOUND_SCALAR);
            Ok(())
        }
    }

    /// `null` at the path or on the way to it: the API says there is nothing (dlt: an empty
    /// page). Null matches below a `[*]` are skipped.
    fn null<E: serde::de::Error>(self) -> Result<(), E> {
        if !self.in_wildcard {
            self.failed.reached(FOUND_NULL);
        }
        Ok(())
    }
}

/// Reads the first match of each path in one pass over `body`, skipping everything else.
pub fn extract_values(
    body: &[u8],
    paths: &[&[PathStep]],
) -> Result<Vec<Option<Value>>, serde_json::Error> {
    let mut out = vec![None; paths.len()];
    if paths.is_empty() {
        return Ok(out);
    }
    let active: Vec<(usize, &[PathStep])> = paths.iter().copied().enumerate().collect();
    let mut de = serde_json::Deserializer::from_slice(body);
    Values {
        paths: active,
        out: &mut out,
    }
    .deserialize(&mut de)?;
    Ok(out)
}

struct Values<'a, 'p> {
    paths: Vec<(usize, &'p [PathStep])>,
    out: &'a mut [Option<Value>],
}

impl<'de> DeserializeSeed<'de> for Values<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self
            .paths
            .iter()
            .any(|(_, p)| p.is_empty() || matches!(p[0], PathStep::Index(i) if i < 0))
        {
            // Some path ends here (or needs the length): take the node, walk the rest on it.
            let v = Value::deserialize(d)?;
            for (i, p) in self.paths {
                if self.out[i].is_none() {
                    self.out[i] = walk(&v, p).cloned();
                }
            }
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

use serde::Deserialize;

impl<'de> Visitor<'de> for Values<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let sub: Vec<(usize, &[PathStep])> = self
                .paths
                .iter()
                .filter(|(i, p)| {
                    self.out[*i].is_none()
                        && (matches!(&p[0], PathStep::Key(k) if *k == key)
                            || matches!(p[0], PathStep::Wildcard))
                })
                .map(|(i, p)| (*i, &p[1..]))
                .collect();
            if sub.is_empty() {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(Values {
                    paths: sub,
                    out: &mut *self.out,
                })?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut pos = 0i64;
        loop {
            let sub: Vec<(usize, &[PathStep])> = self
                .paths
                .iter()
                .filter(|(_, p)| matches!(p[0], PathStep::Wildcard) || p[0] == PathStep::Index(pos))
                .map(|(i, p)| (*i, &p[1..]))
                .collect();
            let more = if sub.is_empty() {
                seq.next_element::<IgnoredAny>()?.is_some()
            } else {
                seq.next_element_seed(Values {
                    paths: sub,
                    out: &mut *self.out,
                })?
                .is_some()
            };
            if !more {
                return Ok(());
            }
            pos += 1;
        }
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}

/// Keys under which dlt prefers a list when it detects the record list.
const DATA_KEYS: &[&str] = &[
    "data", "items", "results", "entries", "records", "rows", "entities", "payload", "content",
    "objects", "values",
];

/// dlt's record-list detection for a page without `data_selector`: the first list (depth-first,
/// key order, at most 3 keys deep) whose key is a well-known data key, else the first list
/// found, else the whole document (`$`, empty path).
pub fn detect_records_path(page: &Value) -> Vec<PathStep> {
    let Value::Object(_) = page else {
        return Vec::new();
    };
    let mut lists = Vec::new();
    collect_lists(page, &mut Vec::new(), &mut lists);
    lists
        .iter()
        .find(|p| matches!(p.last(), Some(PathStep::Key(k)) if DATA_KEYS.contains(&k.as_ref())))
        .or_else(|| lists.first())
        .cloned()
        .unwrap_or_default()
}

fn collect_lists(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    let Value::Object(m) = v else { return };
    if path.len() >= 3 {
        return;
    }
    for (k, child) in m {
        path.push(PathStep::Key(k.clone().into()));
        match child {
            Value::Array(_) => out.push(path.clone()),
            Value::Object(_) => collect_lists(child, path, out),
            _ => {}
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests;
