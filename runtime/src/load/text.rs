//! Text forms of values for destinations without native types (SQLite, JSON lines): ISO-8601
//! timestamps in UTC with a `Z`, dates `YYYY-MM-DD`, times `HH:MM:SS[.fff]`, decimals with their
//! scale kept (`1.50`). Written into a reused buffer so binding a row allocates nothing.

// Loading code only the database destinations reach (a build without them samples only).
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use std::fmt::Write as _;

use chrono::{Datelike, Timelike};

/// Writes `v` as `2024-05-01T12:00:00[.123]Z`.
pub(crate) fn timestamp(buf: &mut String, v: &chrono::DateTime<chrono::Utc>) {
    buf.clear();
    let naive = v.naive_utc();
    if !push_date(buf, &naive.date()) {
        let _ = write!(buf, "{}", v.format("%Y-%m-%dT%H:%M:%S%.fZ"));
        return;
    }
    buf.push('T');
    push_time(buf, &naive.time());
    buf.push('Z');
}

/// Writes `v` as `2024-05-01`.
pub(crate) fn date(buf: &mut String, v: &chrono::NaiveDate) {
    buf.clear();
    if !push_date(buf, v) {
        let _ = write!(buf, "{}", v.format("%Y-%m-%d"));
    }
}

/// Writes `v` as `12:00:00[.5]`.
pub(crate) fn time(buf: &mut String, v: &chrono::NaiveTime) {
    buf.clear();
    push_time(buf, v);
}

// Timestamps are written for every row of most tables, and chrono's `format` interprets its
// pattern on every call (it was a tenth of the writer thread's time), so the common forms are
// written digit by digit. They produce exactly chrono's `%Y-%m-%d` and `%H:%M:%S%.f` text.

/// Appends `YYYY-MM-DD`; false (nothing appended) for years chrono writes with a sign.
fn push_date(buf: &mut String, d: &chrono::NaiveDate) -> bool {
    let Ok(year) = u32::try_from(d.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    push_digits(buf, year, 4);
    buf.push('-');
    push_digits(buf, d.month(), 2);
    buf.push('-');
    push_digits(buf, d.day(), 2);
    true
}

/// Appends `HH:MM:SS` and, like chrono's `%.f`, a fraction of 3, 6 or 9 digits when non-zero.
fn push_time(buf: &mut String, t: &chrono::NaiveTime) {
    // chrono keeps a leap second as nanoseconds past 1e9; `%S` then reads 60.
    let (leap, nanos) = match t.nanosecond() {
        n if n >= 1_000_000_000 => (1, n - 1_000_000_000),
        n => (0, n),
    };
    push_digits(buf, t.hour(), 2);
    buf.push(':');
    push_digits(buf, t.minute(), 2);
    buf.push(':');
    push_digits(buf, t.second() + leap, 2);
    if nanos == 0 {
        return;
    }
    buf.push('.');
    if nanos % 1_000_000 == 0 {
        push_digits(buf, nanos / 1_000_000, 3);
    } else if nanos % 1_000 == 0 {
        push_digits(buf, nanos / 1_000, 6);
    } else {
        push_digits(buf, nanos, 9);
    }
}

/// Appends `n` zero-padded to `width` digits (`n` has at most `width` digits).
fn push_digits(buf: &mut String, n: u32, width: u32) {
    let mut div = 10u32.pow(width.saturating_sub(1));
    while div > 0 {
        buf.push(char::from(b'0' + ((n / div) % 10) as u8));
        div /= 10;
    }
}

/// Writes `v` with its scale.
pub(crate) fn decimal(buf: &mut String, v: &rust_decimal::Decimal) {
    buf.clear();
    let _ = write!(buf, "{v}");
}

/// Serializes JSON into `buf` (cleared first).
pub(crate) fn json<T: serde::Serialize + ?Sized>(buf: &mut Vec<u8>, v: &T) {
    buf.clear();
    // Serializing a Value or Map into memory cannot fail.
    let _ = serde_json::to_writer(&mut *buf, v);
}

/// Appends the JSON form of `v` to `out`.
pub(crate) fn json_append<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Serializing into memory cannot fail for these value types.
    let _ = serde_json::to_writer(&mut *out, v);
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};

    /// The hand-written forms equal chrono's, across fractions, leap seconds and odd years.
    #[test]
    fn matches_chrono_formatting() {
        let mut buf = String::new();
        let nanos = [
            0,
            5_000_000,
            120_000_000,
            123_456_000,
            1,
            999_999_999,
            1_500_000_000,
        ];
        let dates = [
            NaiveDate::from_ymd_opt(2024, 5, 1),
            NaiveDate::from_ymd_opt(1, 1, 9),
            NaiveDate::from_ymd_opt(9999, 12, 31),
            NaiveDate::from_ymd_opt(10000, 1, 1),
            NaiveDate::from_ymd_opt(-44, 3, 15),
            NaiveDate::from_ymd_opt(0, 2, 29),
        ];
        for d in dates.into_iter().flatten() {
            super::date(&mut buf, &d);
            assert_eq!(buf, d.format("%Y-%m-%d").to_string());
            for (i, n) in nanos.into_iter().enumerate() {
                let sec = if n >= 1_000_000_000 {
                    59
                } else {
                    (i * 7) as u32 % 60
                };
                let t = NaiveTime::from_hms_nano_opt(23 - i as u32, (i * 11) as u32 % 60, sec, n)
                    .unwrap();
                super::time(&mut buf, &t);
                assert_eq!(buf, t.format("%H:%M:%S%.f").to_string());
                let ts = Utc.from_utc_datetime(&d.and_time(t));
                super::timestamp(&mut buf, &ts);
                assert_eq!(buf, ts.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string());
            }
        }
    }
}
