//! Incremental loading: start/end values, client-side range filtering, boundary dedup, lag and
//! the state handed to the pipeline.
//!
//! # State
//! The state of one resource is the JSON object
//! `{"cursor_path": "<as written>", "last_value": <value>, "boundary_keys": ["<key>", ...]}`.
//! `boundary_keys` are the primary keys (each a JSON array of the key columns' values, as
//! text) of the records whose cursor equals `last_value`; on the next run, records with that
//! cursor and one of those keys are dropped (dlt's `unique_hashes`). A bare JSON value is
//! accepted as a state too and read as the last value. With `end_value` (a backfill) no state
//! is produced. Resources without a primary key get no boundary dedup (dlt hashes the whole
//! row instead).

mod window;

use std::any::Any;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use crate::def::{
    IncrementalDef, IncrementalValue, LastValueFunc, Lit, OnCursorValueMissing, SortOrder,
    TemplatePart,
};
pub use crate::record::cursor::compare;
use crate::record::cursor::{compare_cursors, compare_to_bound, Bound, Cursor};
use crate::record::key::{key_text, parse_key};
use crate::record::RecordKey;

/// Incremental misuse or data that cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IncrementalError {
    /// A record has no cursor value and `on_cursor_value_missing` is `raise`.
    #[error("record {index} has no value at cursor path `{path}`")]
    MissingCursor {
        /// Record index on the page.
        index: usize,
        /// The cursor path.
        path: &'static str,
    },
    /// A checkpointed resource got a record behind one already kept: the API does not send
    /// records in cursor order, so resuming from a checkpoint would skip records.
    #[error("record {index} has cursor `{value}` at `{path}`, behind `{last}` already loaded: the API does not send records in cursor order, which `checkpoint` relies on (a resumed run would skip records); sort the API by the cursor or remove `checkpoint`")]
    OutOfOrder {
        /// Record index on the page.
        index: usize,
        /// The cursor path.
        path: &'static str,
        /// The record's cursor value (JSON text, cut to 64 characters).
        value: Box<str>,
        /// The furthest cursor value kept before it (same form).
        last: Box<str>,
    },
}

/// The values a request's `{incremental.*}` placeholders and range parameters are filled
/// from; fixed for the run, so a request copies these rather than the tracking state.
#[derive(Debug, Clone)]
pub struct IncrementalValues {
    initial: Option<Value>,
    /// Start of the range (state with lag applied, else the initial value).
    start: Option<Bound>,
    end: Option<Bound>,
}

impl IncrementalValues {
    /// The value a placeholder names.
    pub fn value(&self, which: IncrementalValue) -> Option<&Value> {
        match which {
            IncrementalValue::StartValue | IncrementalValue::LastValue => {
                self.start.as_ref().map(|b| &b.value)
            }
            IncrementalValue::InitialValue => self.initial.as_ref(),
            IncrementalValue::EndValue => self.end.as_ref().map(|b| &b.value),
        }
    }
}

/// Incremental tracking for one resource in one run.
#[derive(Debug)]
pub struct Incremental {
    def: &'static IncrementalDef,
    values: IncrementalValues,
    /// From the state, before lag.
    stored: Option<Value>,
    /// The state's boundary keys, as stored.
    seen_keys: BTreeSet<String>,
    /// The boundary keys as the record type's typed keys, made on the first keyed record.
    keys: Option<Box<dyn KeySet>>,
    last: Option<Cursor<'static>>,
    /// Records must come in cursor order (checkpointed resources).
    ordered: bool,
    /// `end_value` was given: no state, no dedup.
    backfill: bool,
    /// The start bound is closed (`range_start`; a window after the first is always).
    start_closed: bool,
    /// The end bound is closed (`range_end`; a window's own end is always open).
    end_closed: bool,
    /// A record past the range in the API's `row_order` was seen: later pages hold none in
    /// range.
    past: bool,
}

/// The typed boundary keys of one record type: the state's, and those of the records at the
/// furthest cursor so far.
#[derive(Debug)]
struct TypedKeys<K> {
    seen: HashSet<K>,
    last: HashSet<K>,
}

/// [`TypedKeys`] with its key type erased: [`Incremental`] is shared by the untyped engine,
/// while the keys come from the typed page.
trait KeySet: Any + Send + Sync + std::fmt::Debug {
    fn as_any(&mut self) -> &mut dyn Any;
    fn clear_last(&mut self);
    fn last_texts(&self) -> BTreeSet<String>;
    /// Adds `other`'s keys at the furthest cursor (a window's, of the same record type).
    fn absorb_last(&mut self, other: &mut dyn KeySet);
}

impl<K: RecordKey> KeySet for TypedKeys<K> {
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
    fn clear_last(&mut self) {
        self.last.clear();
    }
    fn last_texts(&self) -> BTreeSet<String> {
        self.last.iter().map(key_text).collect()
    }
    fn absorb_last(&mut self, other: &mut dyn KeySet) {
        if let Some(o) = other.as_any().downcast_mut::<TypedKeys<K>>() {
            self.last.extend(o.last.drain());
        }
    }
}

/// The typed key sets in `slot`, made from the stored key texts on first use (always
/// `Some`: the slot is made to hold this key type first).
fn typed_keys<'s, K: RecordKey>(
    slot: &'s mut Option<Box<dyn KeySet>>,
    stored: &BTreeSet<String>,
) -> Option<&'s mut TypedKeys<K>> {
    let fits = slot
        .as_mut()
        .is_some_and(|k| k.as_any().is::<TypedKeys<K>>());
    if !fits {
        // Keys the record type cannot read (the primary key changed since) match no record.
        let seen = stored.iter().filter_map(|t| parse_key::<K>(t)).collect();
        *slot = Some(Box::new(TypedKeys::<K> {
            seen,
            last: HashSet::new(),
        }));
    }
    slot.as_mut()?.as_any().downcast_mut::<TypedKeys<K>>()
}

/// A spec literal as JSON (placeholders in strings are not expected here).
pub fn lit_value(lit: &Lit) -> Value {
    match lit {
        Lit::Null => Value::Null,
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Int(i) => Value::from(*i),
        Lit::Float(f) => Value::from(*f),
        Lit::Str(t) => Value::String(
            t.0.iter()
                .map(|p| match p {
                    TemplatePart::Lit(s) => *s,
                    _ => "",
                })
                .collect(),
        ),
        Lit::List(items) => Value::Array(items.iter().map(lit_value).collect()),
        Lit::Map(m) => Value::Object(
            m.iter()
                .map(|(k, v)| ((*k).to_string(), lit_value(v)))
                .collect(),
        ),
    }
}

impl Incremental {
    /// Starts from the stored state (if any) else the initial value.
    pub fn new(def: &'static IncrementalDef, state: Option<&Value>) -> Self {
        let initial = def.initial_value.as_ref().map(lit_value);
        let end = def.end_value.as_ref().map(lit_value);
        let (stored, seen_keys) = match state {
            _ if end.is_some() => (None, BTreeSet::new()),
            Some(Value::Object(m)) if m.contains_key("last_value") => (
                m.get("last_value").cloned().filter(|v| !v.is_null()),
                m.get("boundary_keys")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            Some(v) if !v.is_null() => (Some(v.clone()), BTreeSet::new()),
            _ => (None, BTreeSet::new()),
        };
        let start = match (&stored, def.lag) {
            (Some(v), Some(lag)) => Some(apply_lag(v, lag, def.last_value_func)),
            (Some(v), None) => Some(v.clone()),
            (None, _) => initial.clone(),
        };
        // `lookback` is a duration taken off the stored cursor, on top of any lag.
        let start = match (&stored, def.lookback, start) {
            (Some(_), Some(secs), Some(v)) => Some(window::shift_secs(
                &v,
                -i64::try_from(secs).unwrap_or(i64::MAX),
            )),
            (_, _, start) => start,
        };
        Incremental {
            def,
            values: IncrementalValues {
                initial,
                start: start.map(Bound::new),
                end: end.map(Bound::new),
            },
            stored,
            seen_keys,
            keys: None,
            last: None,
            ordered: false,
            backfill: def.end_value.is_some(),
            start_closed: def.range_start_closed,
            end_closed: def.range_end_closed,
            past: false,
        }
    }

    /// Makes a record behind the furthest cursor already kept an error
    /// ([`IncrementalError::OutOfOrder`]): a checkpoint's state is only exact when the API sends
    /// records in cursor order, so that order is checked, not trusted.
    pub fn in_order(mut self) -> Self {
        self.ordered = true;
        self
    }

    /// The value a placeholder names.
    pub fn value(&self, which: IncrementalValue) -> Option<&Value> {
        self.values.value(which)
    }

    /// The values requests are filled from.
    pub fn values(&self) -> &IncrementalValues {
        &self.values
    }

    fn dedups(&self) -> bool {
        self.start_closed && self.def.lag.is_none() && self.def.lookback.is_none() && !self.backfill
    }

    /// Whether the API's `row_order` can end a request sequence early: it runs toward a
    /// bound of the range (the end when records come in the cursor's direction, else the
    /// start).
    pub fn may_stop(&self) -> bool {
        match self.forward() {
            Some(true) => self.values.end.is_some(),
            Some(false) => self.values.start.is_some(),
            None => false,
        }
    }

    /// Whether the API's order runs the way the cursor advances (`asc` with `max`).
    fn forward(&self) -> Option<bool> {
        self.def
            .row_order
            .map(|o| (o == SortOrder::Asc) == (self.def.last_value_func == LastValueFunc::Max))
    }

    /// Whether a record past the range in the API's `row_order` was seen since the last
    /// call (then later pages hold no record in range, and paging may stop); resets it.
    pub fn take_past(&mut self) -> bool {
        std::mem::take(&mut self.past)
    }

    /// Whether record `index` with this cursor value and primary key (`None` without one) is
    /// in range; tracks the last value.
    pub fn keep<K: RecordKey>(
        &mut self,
        index: usize,
        cursor: Option<Cursor<'_>>,
        key: Option<K>,
    ) -> Result<bool, IncrementalError> {
        let Some(c) = cursor else {
            return match self.def.on_cursor_value_missing {
                OnCursorValueMissing::Raise => Err(IncrementalError::MissingCursor {
                    index,
                    path: self.def.cursor_path_text,
                }),
                OnCursorValueMissing::Include => Ok(true),
                OnCursorValueMissing::Exclude => Ok(false),
            };
        };
        // "Ahead" means later in the direction of last_value_func.
        let dir = |o: Ordering| match self.def.last_value_func {
            LastValueFunc::Max => o,
            LastValueFunc::Min => o.reverse(),
        };
        let forward = self.forward();
        if let Some(end) = &self.values.end {
            let o = dir(compare_to_bound(&c, end));
            if o == Ordering::Greater || (o == Ordering::Equal && !self.end_closed) {
                self.past |= forward == Some(true);
                return Ok(false);
            }
        }
        if let Some(start) = &self.values.start {
            let o = dir(compare_to_bound(&c, start));
            if o == Ordering::Less || (o == Ordering::Equal && !self.start_closed) {
                self.past |= forward == Some(false);
                return Ok(false);
            }
            if o == Ordering::Equal && self.dedups() && !self.seen_keys.is_empty() {
                if let Some(k) = &key {
                    if typed_keys::<K>(&mut self.keys, &self.seen_keys)
                        .is_some_and(|keys| keys.seen.contains(k))
                    {
                        return Ok(false);
                    }
                }
            }
        }
        match self.last.as_ref().map(|l| dir(compare_cursors(&c, l))) {
            None | Some(Ordering::Greater) => {
                self.last = Some(c.into_owned());
                // Reuse the set: with ascending data this runs for every record.
                match key {
                    Some(k) => {
                        if let Some(keys) = typed_keys::<K>(&mut self.keys, &self.seen_keys) {
                            keys.last.clear();
                            keys.last.insert(k);
                        }
                    }
                    None => {
                        if let Some(keys) = &mut self.keys {
                            keys.clear_last();
                        }
                    }
                }
            }
            Some(Ordering::Equal) => {
                if let (Some(k), Some(keys)) =
                    (key, typed_keys::<K>(&mut self.keys, &self.seen_keys))
                {
                    keys.last.insert(k);
                }
            }
            Some(Ordering::Less) if self.ordered => {
                // Boxed: this error travels inside every extraction error.
                let cut = |v: &Cursor<'_>| {
                    v.to_json()
                        .to_string()
                        .chars()
                        .take(64)
                        .collect::<Box<str>>()
                };
                return Err(IncrementalError::OutOfOrder {
                    index,
                    path: self.def.cursor_path_text,
                    value: cut(&c),
                    last: self.last.as_ref().map(cut).unwrap_or_default(),
                });
            }
            Some(Ordering::Less) => {}
        }
        Ok(true)
    }

    /// The state to persist after the resource's last page, or at a checkpoint after any page
    /// (`None` for a backfill).
    pub fn state(&self) -> Option<Value> {
        if self.backfill {
            return None;
        }
        let prior = self.stored.clone().or_else(|| self.values.initial.clone());
        let last = self.last.as_ref().map(Cursor::to_json);
        let last_keys = || {
            self.keys
                .as_ref()
                .map(|k| k.last_texts())
                .unwrap_or_default()
        };
        let (last, keys) = match (last, &prior) {
            (Some(l), Some(p))
                if compare_dir(p, &l, self.def.last_value_func) == Ordering::Greater =>
            {
                (p.clone(), self.seen_keys.clone())
            }
            (Some(l), Some(p)) if compare(p, &l) == Ordering::Equal => {
                let mut keys = self.seen_keys.clone();
                keys.extend(last_keys());
                (l, keys)
            }
            (Some(l), _) => (l, last_keys()),
            (None, Some(p)) => (p.clone(), self.seen_keys.clone()),
            (None, None) => return None,
        };
        Some(serde_json::json!({
            "cursor_path": self.def.cursor_path_text,
            "last_value": last,
            "boundary_keys": keys.into_iter().collect::<Vec<_>>(),
        }))
    }
}

fn compare_dir(a: &Value, b: &Value, f: LastValueFunc) -> Ordering {
    match f {
        LastValueFunc::Max => compare(a, b),
        LastValueFunc::Min => compare(a, b).reverse(),
    }
}

/// Moves `v` back by `lag` (seconds for timestamps, days for dates, units for numbers).
fn apply_lag(v: &Value, lag: f64, f: LastValueFunc) -> Value {
    let lag = match f {
        LastValueFunc::Max => -lag,
        LastValueFunc::Min => lag,
    };
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if lag.fract() == 0.0 => Value::from(i + lag as i64),
            _ => Value::from(n.as_f64().unwrap_or(0.0) + lag),
        },
        Value::String(s) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                let t = t + chrono::Duration::milliseconds((lag * 1000.0) as i64);
                Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, s.ends_with('Z')))
            } else if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Value::String(
                    (d + chrono::Duration::days(lag as i64))
                        .format("%Y-%m-%d")
                        .to_string(),
                )
            } else {
                v.clone()
            }
        }
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEF: IncrementalDef = IncrementalDef {
        initial_value: Some(Lit::Int(10)),
        ..IncrementalDef::cursor("updated_at", &[])
    };

    #[test]
    fn filters_dedups_and_tracks() {
        let state = json!({"last_value": 20, "boundary_keys": ["[1]"]});
        let mut inc = Incremental::new(&DEF, Some(&state));
        assert_eq!(inc.value(IncrementalValue::StartValue), Some(&json!(20)));
        let kept: Vec<bool> = [(19, 3), (20, 1), (20, 2), (25, 4), (25, 5)]
            .iter()
            .enumerate()
            .map(|(i, (c, k))| {
                inc.keep(i, Cursor::from_json(json!(c)), Some((*k,)))
                    .unwrap()
            })
            .collect();
        assert_eq!(kept, vec![false, false, true, true, true]);
        assert_eq!(
            inc.state(),
            Some(json!({"cursor_path":"updated_at","last_value":25,"boundary_keys":["[4]","[5]"]}))
        );
        assert_eq!(
            inc.keep(7, None, None::<(i64,)>),
            Err(IncrementalError::MissingCursor {
                index: 7,
                path: "updated_at"
            })
        );
    }

    #[test]
    fn timestamps_compare_as_instants_and_lag_applies() {
        static LAGGED: IncrementalDef = IncrementalDef {
            lag: Some(3600.0),
            ..DEF
        };
        let mut inc = Incremental::new(&LAGGED, Some(&json!("2024-01-01T10:00:00Z")));
        assert_eq!(
            inc.value(IncrementalValue::StartValue),
            Some(&json!("2024-01-01T09:00:00Z"))
        );
        assert!(inc
            .keep(
                0,
                Cursor::from_json(json!("2024-01-01T10:30:00+01:00")),
                None::<()>
            )
            .unwrap());
        assert!(!inc
            .keep(
                1,
                Cursor::from_json(json!("2024-01-01T09:30:00+01:00")),
                None::<()>
            )
            .unwrap());
    }
}
