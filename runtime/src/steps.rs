//! Declarative processing steps (spec `processing_steps`, [`StepDef`]) applied to a page's
//! records as JSON, before they are decoded into their struct: a field a step adds or renames
//! is then decoded with its declared column type.
//!
//! A page of a resource with steps is parsed into a `serde_json::Value` (only its records are
//! changed), and re-serialized for the usual decoder; resources without steps keep decoding
//! straight from the response bytes. Memory stays bounded by one page.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::def::{CompareOp, ConditionDef, Operand, PathStep, ResourceDef, StepDef};
use crate::select::SelectError;

/// A page after the steps: its body for the decoder, and how many records the filters
/// dropped (pagination and page checks count the records the API sent).
pub(crate) struct Rewritten {
    /// The page with its records transformed.
    pub body: Vec<u8>,
    /// Records dropped by filters.
    pub dropped: usize,
}

/// Applies `def`'s steps to the records at `selector` in `body`; `None` when the resource
/// has none. `start` is the incremental cursor's start value, for conditions against it.
pub(crate) fn rewrite(
    body: &[u8],
    selector: &[PathStep],
    def: &ResourceDef,
    start: Option<&Value>,
) -> Option<Result<Rewritten, SelectError>> {
    let steps = def.processing_steps;
    if steps.is_empty() {
        return None;
    }
    Some(rewrite_with(body, selector, steps, start))
}

fn rewrite_with(
    body: &[u8],
    selector: &[PathStep],
    steps: &[StepDef],
    start: Option<&Value>,
) -> Result<Rewritten, SelectError> {
    let mut page: Value = serde_json::from_slice(body)
        .map_err(|e| SelectError::page(format!("the body is not JSON: {e}")))?;
    let prepared = Prepared::new(steps, start)?;
    let mut dropped = 0;
    // A trailing `[*]` selects the elements of the list (or values of the object) it ends
    // on: those are the records, and the container is where a filter removes them from.
    let path = match selector.split_last() {
        Some((PathStep::Wildcard, rest)) => rest,
        _ => selector,
    };
    let wildcard_last = path.len() < selector.len();
    for_each_target(&mut page, path, &mut |target| {
        dropped += prepared.apply_to(target, wildcard_last);
    });
    let body = serde_json::to_vec(&page).map_err(|e| SelectError::page(e.to_string()))?;
    Ok(Rewritten { body, dropped })
}

/// Calls `f` on every node `path` reaches (wildcards fan out, as the decoder's walk).
fn for_each_target(v: &mut Value, path: &[PathStep], f: &mut dyn FnMut(&mut Value)) {
    let Some((step, rest)) = path.split_first() else {
        f(v);
        return;
    };
    match (step, v) {
        (PathStep::Key(k), Value::Object(m)) => {
            if let Some(next) = m.get_mut(k.as_ref()) {
                for_each_target(next, rest, f);
            }
        }
        (PathStep::Index(i), Value::Array(items)) => {
            let len = items.len() as i64;
            let at = if *i < 0 { len + i } else { *i };
            if let Some(next) = usize::try_from(at).ok().and_then(|at| items.get_mut(at)) {
                for_each_target(next, rest, f);
            }
        }
        (PathStep::Wildcard, Value::Array(items)) => {
            for next in items {
                for_each_target(next, rest, f);
            }
        }
        (PathStep::Wildcard, Value::Object(m)) => {
            for next in m.values_mut() {
                for_each_target(next, rest, f);
            }
        }
        _ => {}
    }
}

/// The steps with their JSON constants parsed (once per page).
struct Prepared<'d> {
    steps: Vec<Step<'d>>,
}

enum Step<'d> {
    Add(Vec<(&'d str, Value)>),
    Remove(&'d [&'d str]),
    Rename(&'d [(&'d str, &'d str)]),
    Snake,
    Filter(Vec<(ConditionDef, Option<Value>)>),
}

impl<'d> Prepared<'d> {
    fn new(steps: &'d [StepDef], start: Option<&Value>) -> Result<Self, SelectError> {
        let parse = |text: &str| {
            serde_json::from_str::<Value>(text).map_err(|e| {
                SelectError::page(format!(
                    "processing step constant `{text}` is not JSON: {e}"
                ))
            })
        };
        let mut out = Vec::with_capacity(steps.len());
        for step in steps {
            out.push(match step {
                StepDef::AddFields(fields) => Step::Add(
                    fields
                        .iter()
                        .map(|(k, v)| Ok((*k, parse(v)?)))
                        .collect::<Result<_, SelectError>>()?,
                ),
                StepDef::RemoveFields(fields) => Step::Remove(fields),
                StepDef::RenameFields(pairs) => Step::Rename(pairs),
                StepDef::KeysToSnakeCase => Step::Snake,
                StepDef::Filter(conds) => Step::Filter(
                    conds
                        .iter()
                        .map(|c| {
                            let value = match c.value {
                                _ if c.op.is_unary() => None,
                                Operand::Json(text) => Some(parse(text)?),
                                Operand::CursorStart => start.cloned(),
                            };
                            Ok((*c, value))
                        })
                        .collect::<Result<_, SelectError>>()?,
                ),
            });
        }
        Ok(Prepared { steps: out })
    }

    /// Applies the steps to the records in `target`; returns how many were dropped.
    fn apply_to(&self, target: &mut Value, elements: bool) -> usize {
        match target {
            Value::Array(items) => {
                let before = items.len();
                items.retain_mut(|r| self.record(r));
                before - items.len()
            }
            Value::Object(m) if elements => {
                let before = m.len();
                m.retain(|_, r| self.record(r));
                before - m.len()
            }
            Value::Object(_) => {
                if self.record(target) {
                    0
                } else {
                    // One object is one record; without it the page has none.
                    *target = Value::Array(Vec::new());
                    1
                }
            }
            _ => 0,
        }
    }

    /// Transforms one record; false when a filter drops it.
    fn record(&self, record: &mut Value) -> bool {
        let Value::Object(m) = record else {
            // Not an object: nothing to name fields in; the decoder reports it.
            return true;
        };
        for step in &self.steps {
            match step {
                Step::Add(fields) => {
                    let values: Vec<Value> =
                        fields.iter().map(|(_, v)| interpolate(v, m)).collect();
                    for ((k, _), v) in fields.iter().zip(values) {
                        m.insert((*k).to_string(), v);
                    }
                }
                Step::Remove(fields) => {
                    for f in *fields {
                        m.shift_remove(*f);
                    }
                }
                Step::Rename(pairs) => {
                    for (from, to) in *pairs {
                        if let Some(v) = m.shift_remove(*from) {
                            m.insert((*to).to_string(), v);
                        }
                    }
                }
                Step::Snake => {
                    let naming = restsource_core::naming::Naming::UNLIMITED;
                    *m = std::mem::take(m)
                        .into_iter()
                        .map(|(k, v)| (naming.key(&k), v))
                        .collect();
                }
                Step::Filter(conds) => {
                    if !conds.iter().all(|(c, v)| holds(c, v.as_ref(), m)) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// A constant with `{field}` placeholders in its strings filled from `record`.
fn interpolate(value: &Value, record: &Map<String, Value>) -> Value {
    match value {
        Value::String(s) => fill(s, record),
        Value::Array(items) => Value::Array(items.iter().map(|v| interpolate(v, record)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), interpolate(v, record)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// One template string: exactly `{field}` copies the field's value; otherwise text with
/// each field as text (a string as itself, `null`/missing as empty), `{{`/`}}` literal.
fn fill(s: &str, record: &Map<String, Value>) -> Value {
    if let Some(name) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if !name.is_empty() && !name.contains(['{', '}']) {
            return record.get(name).cloned().unwrap_or(Value::Null);
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            match record.get(&tail[1..end]) {
                Some(Value::String(v)) => out.push_str(v),
                Some(Value::Null) | None => {}
                Some(v) => out.push_str(&v.to_string()),
            }
            rest = &tail[end + 1..];
        } else {
            // The spec checks templates; a stray brace stays as written.
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Value::String(out)
}

/// Whether `record` satisfies `c` (`value`: its parsed operand).
fn holds(c: &ConditionDef, value: Option<&Value>, record: &Map<String, Value>) -> bool {
    let field = record.get(c.field).filter(|v| !v.is_null());
    match c.op {
        CompareOp::IsNull => field.is_none(),
        CompareOp::IsNotNull => field.is_some(),
        CompareOp::In => match (field, value) {
            (Some(f), Some(Value::Array(options))) => options
                .iter()
                .any(|o| compare(f, o) == Some(Ordering::Equal)),
            _ => false,
        },
        CompareOp::Ne => match (field, value.filter(|v| !v.is_null())) {
            (Some(f), Some(v)) => compare(f, v) != Some(Ordering::Equal),
            (None, None) => false,
            _ => true,
        },
        op => {
            let Some(order) = field.zip(value).and_then(|(f, v)| compare(f, v)) else {
                return false;
            };
            match op {
                CompareOp::Eq => order == Ordering::Equal,
                CompareOp::Lt => order == Ordering::Less,
                CompareOp::Le => order != Ordering::Greater,
                CompareOp::Gt => order == Ordering::Greater,
                _ => order != Ordering::Less,
            }
        }
    }
}

/// Orders two JSON values as incremental cursors are ordered (numbers by value, timestamps
/// as instants, other strings as text); `None` for values of different kinds.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => {
            Some(crate::record::cursor::compare(a, b))
        }
        _ => (a == b).then_some(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests;
