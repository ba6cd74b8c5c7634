//! Types from values, and values into typed columns, by dlt's rules (`dlt_normalizer.md` §4,
//! §5.1): a new column takes the type its first non-null value infers (ISO timestamps
//! detected); a later value of another type is converted where dlt converts it, else it goes
//! to a variant column.

use serde_json::Value;

use crate::def::DataType;

/// Whether text `s` is already in the stored form of a `to` column that is a timestamp
/// (`2024-05-01T12:00:00Z`), date (`2024-05-01`) or time (`12:00:00`), so converting it
/// would give it back unchanged: most APIs send these so, and each parse and rewrite costs
/// far more than this check.
pub(crate) fn in_stored_form(to: DataType, s: &str) -> bool {
    match to {
        DataType::Timestamp => timestamp::is_stored(s),
        DataType::Date => timestamp::is_stored_date(s),
        DataType::Time => timestamp::is_stored_time(s),
        _ => false,
    }
}

/// The type a JSON value has without detection (dlt's Python-type mapping). `None` for null.
pub(crate) fn value_type(v: &Value) -> Option<DataType> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => DataType::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => DataType::Bigint,
        Value::Number(_) => DataType::Double,
        Value::String(_) => DataType::Text,
        Value::Array(_) | Value::Object(_) => DataType::Json,
    })
}

/// The type of a new column whose first non-null value is `v`: strings that dlt detects as
/// ISO timestamps become timestamps, everything else its [`value_type`].
pub(crate) fn infer_type(v: &Value) -> Option<DataType> {
    match v {
        Value::String(s) if timestamp::detect(s).is_some() => Some(DataType::Timestamp),
        v => value_type(v),
    }
}

/// `v` (of type `from`) as a value of a `to` column, or `None` where dlt has no conversion (or
/// it fails): the value then goes to a variant column.
pub(crate) fn coerce(to: DataType, from: DataType, v: &Value) -> Option<Value> {
    if let Value::String(s) = v {
        if in_stored_form(to, s) {
            return Some(v.clone());
        }
    }
    if to == from {
        return Some(match (to, v) {
            (DataType::Timestamp, Value::String(_)) => Value::String(timestamp::coerce(v)?),
            _ => v.clone(),
        });
    }
    match (to, v) {
        (DataType::Text, Value::String(_)) => Some(v.clone()),
        (DataType::Text, Value::Bool(b)) => Some(Value::String(python_bool(*b).into())),
        (DataType::Text, Value::Number(n)) => Some(Value::String(match n.as_f64() {
            Some(f) if !(n.is_i64() || n.is_u64()) => python_float(f),
            _ => n.to_string(),
        })),
        (DataType::Text, Value::Array(_) | Value::Object(_)) => Some(Value::String(v.to_string())),
        (DataType::Bigint, Value::String(s)) => parse_int(s).map(Value::from),
        (DataType::Bigint, Value::Number(n)) => {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.is_finite()).then(|| Value::from(f as i64))
        }
        (DataType::Double, Value::Number(n)) => n.as_f64().map(Value::from),
        (DataType::Double, Value::String(s)) => parse_float(s).map(Value::from),
        (DataType::Bool, Value::Number(n)) => n.as_f64().map(|f| Value::Bool(f != 0.0)),
        (DataType::Bool, Value::String(s)) => parse_bool(s).map(Value::Bool),
        (DataType::Timestamp, Value::String(_) | Value::Number(_)) => {
            timestamp::coerce(v).map(Value::String)
        }
        (DataType::Json, Value::String(s)) => serde_json::from_str(s).ok(),
        // The declared-only types (inference never makes them): dlt's coercers into them.
        (DataType::Decimal, Value::String(s)) => decimal_text(s.trim()),
        (DataType::Decimal, Value::Number(n)) => match n.as_i64() {
            Some(i) => Some(Value::String(i.to_string())),
            None => decimal_text(&python_float(n.as_f64()?)),
        },
        (DataType::Date, Value::String(s)) => date(s),
        (DataType::Date, Value::Number(_)) => {
            Some(Value::String(timestamp::coerce(v)?.get(..10)?.to_string()))
        }
        (DataType::Time, Value::String(s)) => time(s),
        (DataType::Binary, Value::String(s)) => binary(s),
        _ => None,
    }
}

/// Text Python's `Decimal()` reads (the destination stores it as text, digits kept as sent).
fn decimal_text(s: &str) -> Option<Value> {
    let d = rust_decimal::Decimal::from_str_exact(s)
        .or_else(|_| rust_decimal::Decimal::from_scientific(s))
        .ok()?;
    let mut out = String::new();
    crate::load::text::decimal(&mut out, &d);
    Some(Value::String(out))
}

/// A date from `2024-05-01`, or the UTC date of a timestamp dlt reads.
fn date(s: &str) -> Option<Value> {
    let day = match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            return Some(Value::String(
                timestamp::coerce(&Value::from(s))?.get(..10)?.to_string(),
            ))
        }
    };
    let mut out = String::new();
    crate::load::text::date(&mut out, &day);
    Some(Value::String(out))
}

/// A time of day from `HH:MM[:SS[.fff]]`.
fn time(s: &str) -> Option<Value> {
    let t = s.trim();
    let tod = chrono::NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveTime::parse_from_str(t, "%H:%M"))
        .ok()?;
    let mut out = String::new();
    crate::load::text::time(&mut out, &tod);
    Some(Value::String(out))
}

/// Bytes from `0x` hex or strict base64, kept as standard base64 (the loaders bind the bytes).
fn binary(s: &str) -> Option<Value> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let bytes = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) if hex.len() % 2 == 0 => (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?,
        Some(_) => return None,
        None => STANDARD.decode(s).ok()?,
    };
    Some(Value::String(STANDARD.encode(bytes)))
}

/// Python's `str(bool)`: dlt writes `True`/`False` into text columns.
fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Python's `str(float)`: the shortest round-trip digits, fixed notation from 1e-4 up to 1e16
/// (with `.0` when integral), scientific with a signed two-digit exponent outside it.
pub(crate) fn python_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let sci = format!("{f:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let fixed = format!("{f}");
    if fixed.contains('.') {
        fixed
    } else {
        format!("{fixed}.0")
    }
}

/// dlt's text → bigint: trimmed, `0x` read as hex, else a decimal integer as Python's `int()`
/// reads it (sign and `_` digit separators allowed).
fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    python_digits(t)?.parse().ok()
}

/// dlt's text → double: `0x` read as hex, else Python's `float()`.
fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok().map(|i| i as f64);
    }
    let lower = t.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => return None,
        _ => {}
    }
    python_digits(t)?.parse().ok()
}

/// Python's numeric literals allow `_` between digits; Rust's parsers do not.
fn python_digits(t: &str) -> Option<String> {
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    Some(t.replace('_', ""))
}

/// dlt's text → bool.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "t" | "y" | "1" => Some(true),
        "no" | "false" | "f" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Timestamps as dlt reads them (`restsource_core::timestamp`), stored as the loaders' text
/// form (`2024-05-01T12:00:00[.123]Z`).
mod timestamp {
    use restsource_core::timestamp::{coerce_to_timestamp, detect_timestamp, Timestamp};
    use serde_json::Value;

    fn text(t: Timestamp) -> String {
        let mut out = String::new();
        crate::load::text::timestamp(&mut out, &t);
        out
    }

    /// The instant of a string dlt detects as a timestamp.
    pub(super) fn detect(s: &str) -> Option<String> {
        detect_timestamp(s).map(text)
    }

    /// A string or number (Unix seconds) into a timestamp column.
    pub(super) fn coerce(v: &Value) -> Option<String> {
        coerce_to_timestamp(v).map(text)
    }

    /// Whether `s` is a valid instant already in the stored form, to the second
    /// (`2024-05-01T12:00:00Z`, years 1 to 9999): [`coerce`] would give it back unchanged, so
    /// it is kept as it is. Most APIs send their timestamps so, and reading and writing each
    /// one was a tenth of the writer thread; anything else takes the full parse.
    pub(crate) fn is_stored(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 20
            && b[10] == b'T'
            && b[19] == b'Z'
            && stored_date(&b[..10])
            && stored_time(&b[11..19])
    }

    /// Whether `s` is a valid date in the stored form (`2024-05-01`, years 1 to 9999), which
    /// a date column's conversion gives back unchanged.
    pub(crate) fn is_stored_date(s: &str) -> bool {
        s.len() == 10 && stored_date(s.as_bytes())
    }

    /// Whether `s` is a valid time of day in the stored form without a fraction
    /// (`12:00:00`), which a time column's conversion gives back unchanged.
    pub(crate) fn is_stored_time(s: &str) -> bool {
        s.len() == 8 && stored_time(s.as_bytes())
    }

    /// `YYYY-MM-DD`, a real day of years 1 to 9999 (`b` is 10 bytes).
    fn stored_date(b: &[u8]) -> bool {
        if b[4] != b'-' || b[7] != b'-' {
            return false;
        }
        let (Some(year), Some(month), Some(day)) =
            (number(&b[..4]), number(&b[5..7]), number(&b[8..10]))
        else {
            return false;
        };
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        year >= 1 && (1..=days).contains(&day)
    }

    /// `HH:MM:SS`, without a leap second (`b` is 8 bytes).
    fn stored_time(b: &[u8]) -> bool {
        if b[2] != b':' || b[5] != b':' {
            return false;
        }
        match (number(&b[..2]), number(&b[3..5]), number(&b[6..8])) {
            (Some(hour), Some(minute), Some(second)) => hour < 24 && minute < 60 && second < 60,
            _ => false,
        }
    }

    /// The decimal number `digits` spell, if they are all ASCII digits.
    fn number(digits: &[u8]) -> Option<u32> {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string the fast path keeps is what the full parse gives back, across the edges of
    /// every field (month lengths, leap years, out-of-range values).
    #[test]
    fn a_kept_timestamp_is_what_the_full_parse_gives() {
        let mut kept = 0;
        for year in [0, 1, 4, 99, 100, 400, 1900, 1970, 2000, 2023, 2024, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for (hour, minute, second) in [
                        (0, 0, 0),
                        (23, 59, 59),
                        (24, 0, 0),
                        (0, 60, 0),
                        (0, 0, 60),
                        (12, 5, 61),
                    ] {
                        let s = format!(
                            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
                        );
                        let full = timestamp::coerce(&Value::from(s.as_str()));
                        if timestamp::is_stored(&s) {
                            kept += 1;
                            assert_eq!(full.as_deref(), Some(s.as_str()), "{s}");
                        }
                    }
                }
            }
        }
        // Every real one takes the fast path: of the days 1, 28, 29, 30 and 31, a long month
        // has 5, a short one 4, February 3 in the 4 leap years and 2 in the other 7; 11 years
        // from 1 on; two valid times of day.
        assert_eq!(kept, 2 * (11 * (7 * 5 + 4 * 4) + 4 * 3 + 7 * 2));
        for s in [
            "2024-01-01T00:01:00Z",
            "2024-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(timestamp::is_stored(s), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2024-01-01T00:00:00+00:00",
            "2024-01-01T00:00:00.5Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00z",
            "+024-01-01T00:00:00Z",
            "2024-01-01T00:00:0Z",
            "2024-1-01T00:00:00ZZ",
        ] {
            assert!(!timestamp::is_stored(s), "{s}");
        }
    }

    /// Every date and time of day the fast path keeps is what the full conversion gives, and
    /// every real one is kept.
    #[test]
    fn a_kept_date_or_time_is_what_the_full_conversion_gives() {
        let mut kept = 0;
        for year in [0, 1, 4, 100, 400, 1900, 2000, 2023, 2024, 9999] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    let s = format!("{year:04}-{month:02}-{day:02}");
                    if in_stored_form(DataType::Date, &s) {
                        kept += 1;
                        assert_eq!(date(&s), Some(Value::from(s.as_str())), "{s}");
                    }
                }
            }
        }
        // 9 years from 1 on, 4 of them leap years (4, 400, 2000, 2024).
        assert_eq!(kept, 9 * (7 * 5 + 4 * 4) + 4 * 3 + 5 * 2);
        let mut kept = 0;
        for hour in [0, 9, 23, 24, 99] {
            for minute in [0, 59, 60] {
                for second in [0, 59, 60, 61] {
                    let s = format!("{hour:02}:{minute:02}:{second:02}");
                    if in_stored_form(DataType::Time, &s) {
                        kept += 1;
                        assert_eq!(time(&s), Some(Value::from(s.as_str())), "{s}");
                    }
                }
            }
        }
        assert_eq!(kept, 3 * 2 * 2);
        for (to, s) in [
            (DataType::Date, " 2024-01-01"),
            (DataType::Date, "2024-1-01"),
            (DataType::Date, "2024/01/01"),
            (DataType::Date, "+2024-01-01"),
            (DataType::Time, "12:00"),
            (DataType::Time, "12:00:00.5"),
            (DataType::Time, "1:00:00"),
            (DataType::Text, "2024-01-01"),
        ] {
            assert!(!in_stored_form(to, s), "{s}");
        }
        // Text the fast path leaves still converts, as before.
        assert_eq!(time("12:00"), Some(Value::from("12:00:00")));
        assert_eq!(date(" 2024-01-01"), Some(Value::from("2024-01-01")));
    }
}
