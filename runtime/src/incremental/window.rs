//! Date windows (`step`): a run's range split into consecutive bounded windows, each
//! tracked by an [`Incremental`] of its own and merged back into the resource's when done.
//!
//! Windows are disjoint (`[s, s + step)`, the last one ending at `end_value` with the spec's
//! `range_end`, or at the run's clock, open), so merging keeps the furthest cursor of any
//! window: the order windows finish in does not matter. The merged state is committed at the
//! run's end, with the rows, in the run's one transaction (a resource with `step` cannot
//! `checkpoint`), so a failed window leaves no state behind.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;

use super::{compare, Bound, Incremental, IncrementalValues};
use crate::def::LastValueFunc;
use crate::record::cursor::compare_cursors;

/// More windows than this in one run is a `step` far too small for the range.
const MAX_WINDOWS: usize = 100_000;

/// `v` moved by `secs` seconds: timestamps by seconds, dates by whole days (rounded toward
/// the past), numbers (epoch seconds) by units. Other values stay as they are.
pub(crate) fn shift_secs(v: &Value, secs: i64) -> Value {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i.saturating_add(secs)),
            None => Value::from(n.as_f64().unwrap_or(0.0) + secs as f64),
        },
        Value::String(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                let t = t + chrono::Duration::seconds(secs);
                Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, s.ends_with('Z')))
            } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                let d = d + chrono::Duration::days(secs.div_euclid(86_400));
                Value::String(d.format("%Y-%m-%d").to_string())
            } else {
                v.clone()
            }
        }
        _ => v.clone(),
    }
}

/// `now` in the form of `like`: a timestamp, the day after today for a date (so today's
/// records are in the open range), epoch seconds for a number.
fn now_like(like: &Value, now: DateTime<Utc>) -> Option<Value> {
    match like {
        Value::Number(_) => Some(Value::from(now.timestamp())),
        Value::String(s) if DateTime::parse_from_rfc3339(s).is_ok() => Some(Value::String(
            now.to_rfc3339_opts(SecondsFormat::Secs, true),
        )),
        Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
            let tomorrow = now.date_naive() + chrono::Duration::days(1);
            Some(Value::String(tomorrow.format("%Y-%m-%d").to_string()))
        }
        _ => None,
    }
}

impl Incremental {
    /// The windows of this run when the spec sets `step` (`None` without it): from the start
    /// value (the stored cursor minus `lookback`, else `initial_value`) to `end_value`, else
    /// `now`, in steps of `step`.
    pub fn windows(&self, now: DateTime<Utc>) -> Option<Result<Vec<Incremental>, String>> {
        let step = self.def.step?;
        let path = self.def.cursor_path_text;
        let err = |message: String| {
            format!("cannot split the range of `{path}` into `step` windows: {message}")
        };
        let Some(start) = self.values.start.as_ref().map(|b| b.value.clone()) else {
            return Some(Err(err(
                "windows need a start: set `initial_value`".to_string()
            )));
        };
        let (end, end_closed) = match &self.values.end {
            Some(b) => (b.value.clone(), self.end_closed),
            None => match now_like(&start, now) {
                Some(v) => (v, false),
                None => {
                    return Some(Err(err(format!(
                        "start value {start} is not a date, a timestamp or a number, so it cannot be stepped"
                    ))))
                }
            },
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        let mut s = start;
        while compare(&s, &end) == Ordering::Less {
            let next = shift_secs(&s, step);
            if compare(&next, &s) != Ordering::Greater {
                return Some(Err(err(format!(
                    "value {s} cannot be stepped (a date cursor needs a `step` of whole days)"
                ))));
            }
            if out.len() >= MAX_WINDOWS {
                return Some(Err(err(format!(
                    "more than {MAX_WINDOWS} windows from the start to {end}: raise `step`"
                ))));
            }
            let last = compare(&next, &end) != Ordering::Less;
            let e = if last { end.clone() } else { next };
            out.push(self.window(s, e.clone(), last && end_closed, out.is_empty()));
            s = e;
        }
        Some(Ok(out))
    }

    /// A window `[start, end)` (`]` when `end_closed`) tracked on its own; only the first
    /// starts at the resource's start, so only it drops the stored boundary records.
    fn window(&self, start: Value, end: Value, end_closed: bool, first: bool) -> Incremental {
        Incremental {
            def: self.def,
            values: IncrementalValues {
                initial: self.values.initial.clone(),
                start: Some(Bound::new(start)),
                end: Some(Bound::new(end)),
            },
            stored: self.stored.clone(),
            seen_keys: if first {
                self.seen_keys.clone()
            } else {
                Default::default()
            },
            keys: None,
            last: None,
            ordered: false,
            backfill: self.backfill,
            end_closed,
            start_closed: !first || self.start_closed,
            past: false,
        }
    }

    /// Takes a finished window's furthest cursor and its boundary keys into this run's.
    pub fn merge(&mut self, mut window: Incremental) {
        let Some(wl) = window.last.take() else {
            return;
        };
        let ahead = match (&self.last, self.def.last_value_func) {
            (None, _) => Ordering::Greater,
            (Some(l), LastValueFunc::Max) => compare_cursors(&wl, l),
            (Some(l), LastValueFunc::Min) => compare_cursors(&wl, l).reverse(),
        };
        match ahead {
            Ordering::Greater => {
                self.last = Some(wl);
                self.keys = window.keys.take();
            }
            Ordering::Equal => match (&mut self.keys, window.keys.take()) {
                (Some(mine), Some(mut theirs)) => mine.absorb_last(theirs.as_mut()),
                (mine @ None, theirs) => *mine = theirs,
                (Some(_), None) => {}
            },
            Ordering::Less => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::def::{IncrementalDef, Lit, Static, Template, TemplatePart};
    use crate::record::cursor::Cursor;
    use serde_json::json;

    static DEF: IncrementalDef = IncrementalDef {
        initial_value: Some(Lit::Str::<Static>(Template(&[TemplatePart::Lit(
            "2024-01-01",
        )]))),
        step: Some(2 * 86_400),
        lookback: Some(86_400),
        ..IncrementalDef::cursor("ts", &[])
    };

    fn bounds(w: &Incremental) -> (Value, Value) {
        (
            w.values
                .start
                .as_ref()
                .map(|b| b.value.clone())
                .unwrap_or_default(),
            w.values
                .end
                .as_ref()
                .map(|b| b.value.clone())
                .unwrap_or_default(),
        )
    }

    #[test]
    fn date_windows_end_after_today_and_merge_in_any_order() {
        let now = DateTime::parse_from_rfc3339("2024-01-05T12:00:00Z")
            .unwrap()
            .to_utc();
        let run = Incremental::new(&DEF, None);
        let windows = run.windows(now).unwrap().unwrap();
        let got: Vec<_> = windows.iter().map(bounds).collect();
        assert_eq!(
            got,
            vec![
                (json!("2024-01-01"), json!("2024-01-03")),
                (json!("2024-01-03"), json!("2024-01-05")),
                (json!("2024-01-05"), json!("2024-01-06")),
            ]
        );
        // The last window finishes first: the state is still the furthest cursor.
        let mut run = run;
        let mut ws = windows.into_iter();
        let (mut a, mut b, mut c) = (ws.next().unwrap(), ws.next().unwrap(), ws.next().unwrap());
        assert!(c
            .keep(0, Cursor::from_json(json!("2024-01-05")), Some((3,)))
            .unwrap());
        assert!(!a
            .keep(0, Cursor::from_json(json!("2024-01-03")), Some((9,)))
            .unwrap());
        assert!(a
            .keep(1, Cursor::from_json(json!("2024-01-02")), Some((1,)))
            .unwrap());
        assert!(b
            .keep(0, Cursor::from_json(json!("2024-01-04")), Some((2,)))
            .unwrap());
        run.merge(c);
        run.merge(a);
        run.merge(b);
        let state = run.state().unwrap();
        assert_eq!(state["last_value"], json!("2024-01-05"));
        assert_eq!(state["boundary_keys"], json!(["[3]"]));
        // The next run starts a day (the lookback) before it.
        let next = Incremental::new(&DEF, Some(&state));
        assert_eq!(
            bounds(&next.windows(now).unwrap().unwrap()[0]).0,
            json!("2024-01-04")
        );
    }
}
