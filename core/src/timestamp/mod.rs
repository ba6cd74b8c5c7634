//! dlt's ISO timestamp detection and its coercion into a timestamp column, exactly as dlt 1.31
//! (with pendulum 3.3) decides them, so restsource types and stores the same strings the same
//! way (`../shared/reference/dlt_normalizer.md` §4.3 and §5.1; checked against dlt itself on a
//! recorded corpus by `tests/dlt_timestamps.rs`).
//!
//! - [`detect_timestamp`]: dlt's default `iso_timestamp` detection. A new string column is
//!   `timestamp` when pendulum's ISO 8601 parser (`iso.rs`), or on its failure the
//!   common-format regex (`common.rs`), reads the string as a date *with* a time. Dates alone,
//!   times alone, durations, intervals, lowercase `t`/`z`, surrounding spaces and numbers are
//!   text.
//! - [`coerce_to_timestamp`]: a value arriving at an existing timestamp column. Strings go
//!   through the same parsers, but a date alone is midnight, and when both parsers raise
//!   `ValueError` Python's `float()` is tried, read as Unix seconds (`" 1.5 "`, `"1_000"`,
//!   `"0000"` all coerce). JSON numbers are Unix seconds.
//!
//! Both give the UTC instant dlt stores: a naive value is UTC (dlt's default context
//! timezone), an offset is subtracted, and precision is microseconds: further fraction digits
//! are truncated when parsed, and float seconds round half to even as Python's
//! `datetime.fromtimestamp` does.
//!
//! # Where restsource differs
//!
//! Only where dlt does not answer at all, because its normalize step fails:
//!
//! - an offset of a day or more (`…T12:33-25:00`, `+24:00`): pendulum parses it, so dlt types
//!   the column timestamp, then Python refuses the offset when the value is stored, the text
//!   variant is typed timestamp again, and the step fails;
//! - a timestamp whose UTC instant leaves years 1 to 9999 (`0001-01-01T00:00+01:00`): typed
//!   timestamp, then "date value out of range";
//! - in coercion only, a common-format match without minutes (`2023/05/30 12:`, `12::30`):
//!   pendulum raises `TypeError` (detection takes it as text), and float seconds beyond about
//!   year 2·10⁹: Python raises `OSError`. dlt lets both escape.
//!
//! restsource answers `None` in all of these: the string stays text, a coerced value goes to a
//! variant column, as for every other refusal.

mod common;
mod iso;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A UTC instant with microsecond precision, what dlt stores in a timestamp column.
pub type Timestamp = DateTime<Utc>;

/// `Some` exactly when dlt's default detection types the string as `timestamp` (for a new
/// column or a new variant column), with the instant dlt then stores; `None` also where dlt
/// types it timestamp but then fails to store it (see the module's "Where restsource differs").
pub fn detect_timestamp(s: &str) -> Option<Timestamp> {
    // dlt skips empty strings before parsing.
    if s.is_empty() {
        return None;
    }
    match parse_like_dlt(s) {
        Ok(Parsed::DateTime(fields)) => fields.instant(),
        _ => None,
    }
}

/// dlt's coercion of a value into an existing timestamp column (`coerce_value("timestamp",
/// <type>, v)`): a string by date-time parsing, else as Unix seconds via Python's `float()`;
/// an integer or float as Unix seconds. `None` where dlt refuses (the value then goes to a
/// `__v_<type>` variant column): times alone, durations, unparsable strings, instants outside
/// years 1 to 9999, booleans, and anything else JSON holds. Null is never coerced by dlt and
/// gives `None` here.
///
/// A float is taken as given. dlt reads JSON with orjson, which rounds every number text to
/// the nearest float; serde_json without its `float_roundtrip` feature can land one unit in the
/// last place away, which at 10¹¹ seconds is 15 µs.
pub fn coerce_to_timestamp(v: &Value) -> Option<Timestamp> {
    match v {
        Value::String(s) => coerce_text(s),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(secs), _) => from_unix_seconds(secs, 0),
            // A u64 above i64 is beyond C's `time_t`: Python raises OverflowError.
            (None, _) if n.is_u64() => None,
            (None, Some(f)) => from_float_seconds(f),
            (None, None) => None,
        },
        _ => None,
    }
}

/// Text into a timestamp column (dlt's `ensure_datetime` on a string).
fn coerce_text(s: &str) -> Option<Timestamp> {
    match parse_like_dlt(s) {
        Ok(Parsed::DateTime(fields)) => fields.instant(),
        Ok(Parsed::Date(fields)) => fields.instant(),
        Ok(Parsed::Time) => None,
        // Only a `ValueError` sends dlt on to `float()`.
        Err(PyError::Value) => common::python_float(s).and_then(from_float_seconds),
        Err(PyError::Type) => None,
    }
}

/// dlt's `parse_iso_like_datetime`: pendulum's ISO parser, and on its `ValueError` pendulum's
/// common-format regex.
fn parse_like_dlt(s: &str) -> Result<Parsed, PyError> {
    iso::parse_iso(s).or_else(|_| common::parse_common(s))
}

/// The Python exception a parse raises, which decides what dlt tries next.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PyError {
    /// `ValueError` (also pendulum's `ParserError`): the next parser is tried.
    Value,
    /// `TypeError`: ends detection as text, and escapes dlt's coercion.
    Type,
}

/// What a parser gives when Python's constructors accept it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Parsed {
    /// A `datetime`: the only result detection accepts.
    DateTime(Fields),
    /// A `date`: midnight when coerced, text when detected.
    Date(Fields),
    /// A `time` of day: never a timestamp.
    Time,
}

/// The fields a parser read, before Python's range checks.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fields {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    microsecond: u32,
    /// Seconds east of UTC; `None` for a naive value.
    offset: Option<i32>,
}

impl Fields {
    fn midnight(year: i64, month: u32, day: u32) -> Fields {
        Fields {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            microsecond: 0,
            offset: None,
        }
    }

    /// Python's `date(year, month, day)` check: years 1 to 9999, real calendar days.
    fn date_ok(&self) -> bool {
        (1..=9999).contains(&self.year) && self.naive_date().is_some()
    }

    fn naive_date(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(i32::try_from(self.year).ok()?, self.month, self.day)
    }

    /// Python's `time(...)` check. An offset of a day or more passes here: pendulum builds
    /// its fixed timezone without Python's `timedelta` bound, which only fails later.
    fn time_ok(&self) -> bool {
        self.hour < 24 && self.minute < 60 && self.second < 60 && self.microsecond < 1_000_000
    }

    fn date(self) -> Result<Parsed, PyError> {
        if self.date_ok() {
            Ok(Parsed::Date(self))
        } else {
            Err(PyError::Value)
        }
    }

    fn time(self) -> Result<Parsed, PyError> {
        if self.time_ok() {
            Ok(Parsed::Time)
        } else {
            Err(PyError::Value)
        }
    }

    fn datetime(self) -> Result<Parsed, PyError> {
        if self.date_ok() && self.time_ok() {
            Ok(Parsed::DateTime(self))
        } else {
            Err(PyError::Value)
        }
    }

    /// The UTC instant: naive is UTC, an offset is subtracted. `None` where dlt cannot store
    /// the value: an offset of a day or more (Python's `timedelta` bound) and an instant
    /// outside years 1 to 9999 (`0001-01-01T00:00+01:00`) both fail dlt's normalize step.
    fn instant(&self) -> Option<Timestamp> {
        let offset = self.offset.unwrap_or(0);
        if offset.abs() >= 86_400 {
            return None;
        }
        let local = self
            .naive_date()?
            .and_hms_micro_opt(self.hour, self.minute, self.second, self.microsecond)?
            .and_utc();
        let utc = local.checked_sub_signed(chrono::TimeDelta::seconds(i64::from(offset)))?;
        in_python_range(utc)
    }
}

/// An instant Python's `datetime` holds: years 1 to 9999.
fn in_python_range(t: Timestamp) -> Option<Timestamp> {
    (1..=9999)
        .contains(&chrono::Datelike::year(&t))
        .then_some(t)
}

/// Python's `datetime.fromtimestamp(secs + micros, timezone.utc)`.
fn from_unix_seconds(secs: i64, micros: u32) -> Option<Timestamp> {
    in_python_range(DateTime::from_timestamp(secs, micros * 1000)?)
}

/// Float seconds as CPython splits them: whole seconds toward zero, the fraction times 10⁶
/// rounded half to even, carried into the seconds when it reaches a whole second.
fn from_float_seconds(f: f64) -> Option<Timestamp> {
    if f.is_nan() {
        return None;
    }
    let mut whole = f.trunc();
    let mut micros = ((f - whole) * 1e6).round_ties_even();
    if micros >= 1e6 {
        micros -= 1e6;
        whole += 1.0;
    } else if micros < 0.0 {
        micros += 1e6;
        whole -= 1.0;
    }
    // Beyond `time_t` (±inf included) Python raises OverflowError; the cast saturates, and
    // the year check refuses those as it refuses every instant past 9999.
    from_unix_seconds(whole as i64, micros as u32)
}

#[cfg(test)]
mod tests;
