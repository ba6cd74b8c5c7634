//! Text forms of values for destinations without native types (SQLite, JSON lines): ISO-8601
//! timestamps in UTC with a `Z`, dates `YYYY-MM-DD`, times `HH:MM:SS[.fff]`, decimals with their
//! scale kept (`1.50`). Written into a reused buffer so binding a row allocates nothing.

use std::fmt::Write as _;

/// Writes `v` as `2024-05-01T12:00:00[.123]Z`.
pub(crate) fn timestamp(buf: &mut String, v: &chrono::DateTime<chrono::Utc>) {
    buf.clear();
    let _ = write!(buf, "{}", v.format("%Y-%m-%dT%H:%M:%S%.fZ"));
}

/// Writes `v` as `2024-05-01`.
pub(crate) fn date(buf: &mut String, v: &chrono::NaiveDate) {
    buf.clear();
    let _ = write!(buf, "{}", v.format("%Y-%m-%d"));
}

/// Writes `v` as `12:00:00[.5]`.
pub(crate) fn time(buf: &mut String, v: &chrono::NaiveTime) {
    buf.clear();
    let _ = write!(buf, "{}", v.format("%H:%M:%S%.f"));
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
