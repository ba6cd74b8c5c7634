//! Record JSON written straight into a page buffer.
//!
//! Building a `serde_json::Value` per record (a map, a `String` per field, chrono
//! formatting, then serialization) was a large share of the mock's CPU in the benchmarks,
//! which share their cores with the mock. This module writes the same bytes directly: the
//! reference stays `generate::record`, and the tests below compare whole pages of both.
//!
//! Key order follows `serde_json`'s `preserve_order` feature (insertion order), which the
//! workspace enables; the comparison tests would fail if that ever changed.

use chrono::{DateTime, SecondsFormat};

use crate::config::Shape;
use crate::generate::{
    hash_str, mix, pick, tag_count, RecordState, COLORS, COUNTRIES, SOURCES, TAGS,
};
use crate::resources::ResourceKind;

/// 2024-01-01T00:00:00Z, the data's epoch, in Unix seconds.
const EPOCH_UNIX: i64 = 1_704_067_200;
const DAY: i64 = 86_400;

/// Writes the records of one resource; the per-resource parts (hash of the name, the
/// escaped name prefix) are computed once per page rather than once per record.
pub(crate) struct Renderer {
    seed_hash: u64,
    kind: ResourceKind,
    shape: Shape,
    /// `"<resource> #` as JSON, without a closing quote.
    name_prefix: Vec<u8>,
}

impl Renderer {
    /// A renderer for `resource` of `kind` under `seed`, in `shape`.
    pub(crate) fn new(seed: u64, resource: &str, kind: ResourceKind, shape: Shape) -> Self {
        let mut name_prefix = Vec::with_capacity(resource.len() + 4);
        write_str(&mut name_prefix, &format!("{resource} #"));
        name_prefix.pop();
        Renderer {
            seed_hash: seed ^ hash_str(resource),
            kind,
            shape,
            name_prefix,
        }
    }

    /// Appends record `id` in `state`: the exact bytes `generate::record(..).to_string()`
    /// would produce.
    pub(crate) fn write(&self, out: &mut Vec<u8>, id: u64, state: RecordState) {
        // `generate::record_hash`, with the resource's part hoisted out of the loop.
        let h = mix(self.seed_hash ^ mix(id));
        out.extend_from_slice(b"{\"id\":");
        write_u64(out, id);
        out.extend_from_slice(b",\"name\":");
        if id.is_multiple_of(5) {
            out.extend_from_slice("\"Ünïcødé ✓ 漢字 #".as_bytes());
        } else {
            out.extend_from_slice(&self.name_prefix);
        }
        write_u64(out, id);
        if state.version > 0 {
            out.extend_from_slice(b" (rev ");
            write_u64(out, u64::from(state.version));
            out.push(b')');
        }
        out.extend_from_slice(b"\",\"updated_at\":");
        write_minutes(out, state.updated_min);
        match (self.kind, self.shape) {
            (ResourceKind::Analytics, _) => analytics_fields(out, id, h),
            (ResourceKind::Social, _) => social_fields(out, id, h),
            (ResourceKind::Inventory, Shape::Wide) => {
                inventory_fields(out, id, h, state.version, false)
            }
            (ResourceKind::Inventory, Shape::Drifted) => {
                inventory_fields(out, id, h, state.version, true);
                out.extend_from_slice(b",\"warranty_months\":");
                write_u64(out, id % 24);
            }
            (ResourceKind::Inventory, Shape::Seed) => seed_fields(out, id, h, state.version),
        }
        if state.deleted {
            out.extend_from_slice(b",\"deleted\":true");
        }
        out.push(b'}');
    }
}

fn analytics_fields(out: &mut Vec<u8>, id: u64, h: u64) {
    out.extend_from_slice(b",\"customer_id\":\"cust-");
    write_padded(out, h % 1000, 3);
    out.extend_from_slice(b"\",\"event_timestamp\":");
    let event = (id as i64)
        .checked_mul(37)
        .and_then(|s| s.checked_add(EPOCH_UNIX - 31 * DAY));
    write_timestamp(out, event);
    out.extend_from_slice(b",\"value\":");
    if id.is_multiple_of(7) {
        out.extend_from_slice(b"null");
    } else {
        write_f64(out, (h % 100_000) as f64 / 8.0 + 0.125);
    }
    out.extend_from_slice(b",\"data\":{\"clicks\":");
    write_u64(out, (h >> 16) % 1000);
    out.extend_from_slice(b",\"source\":");
    write_plain(out, pick(&SOURCES, h >> 24));
    out.extend_from_slice(b",\"geo\":{\"country\":");
    write_plain(out, pick(&COUNTRIES, h >> 32));
    out.extend_from_slice(b"}}");
    write_tags(out, id, h);
}

fn social_fields(out: &mut Vec<u8>, id: u64, h: u64) {
    out.extend_from_slice(b",\"timestamp\":");
    let at = (id as i64)
        .checked_mul(13 * 60)
        .and_then(|s| s.checked_add(EPOCH_UNIX - 200 * DAY));
    write_timestamp(out, at);
    out.extend_from_slice(b",\"like_count\":");
    write_u64(out, h % 10_000);
    out.extend_from_slice(b",\"caption\":");
    if id.is_multiple_of(7) {
        out.extend_from_slice(b"null");
    } else {
        out.extend_from_slice(b"\"caption ");
        write_u64(out, id);
        out.extend_from_slice(" — “quoted” 🎉\"".as_bytes());
    }
}

fn write_quantity(out: &mut Vec<u8>, id: u64, h: u64, version: u32) {
    out.extend_from_slice(b",\"quantity\":");
    if id.is_multiple_of(7) {
        out.extend_from_slice(b"null");
    } else {
        write_u64(out, h % 500 + 10 * u64::from(version));
    }
}

fn seed_fields(out: &mut Vec<u8>, id: u64, h: u64, version: u32) {
    write_quantity(out, id, h, version);
    out.extend_from_slice(b",\"sku\":\"SKU-");
    write_u64(out, id);
    out.extend_from_slice(b"\",\"warehouse\":");
    write_u64(out, h % 16);
}

/// `drifted`: `ratio` is `"n/a"` on even ids (see [`Shape::Drifted`]).
fn inventory_fields(out: &mut Vec<u8>, id: u64, h: u64, version: u32, drifted: bool) {
    write_quantity(out, id, h, version);
    out.extend_from_slice(b",\"price\":\"");
    write_u64(out, (h >> 9) % 1000);
    out.push(b'.');
    write_padded(out, (h >> 19) % 100, 2);
    out.extend_from_slice(b"\",\"active\":");
    out.extend_from_slice(if !id.is_multiple_of(3) {
        b"true"
    } else {
        b"false"
    });
    out.extend_from_slice(b",\"ratio\":");
    if drifted && id.is_multiple_of(2) {
        out.extend_from_slice(b"\"n/a\"");
    } else {
        write_f64(out, ((h >> 26) % 1024) as f64 / 1024.0);
    }
    out.extend_from_slice(b",\"created_on\":\"");
    // 2024-01-01 is day 19,723 of the Unix calendar; id % 366 keeps it in 2024 (a leap year).
    let (y, m, d) = civil_from_days(EPOCH_UNIX / DAY + (id % 366) as i64);
    write_date(out, y, m, d);
    out.extend_from_slice(b"\",\"restock_at\":\"");
    write_padded(out, (h >> 36) % 24, 2);
    out.push(b':');
    write_padded(out, ((h >> 41) % 4) * 15, 2);
    out.extend_from_slice(b":00\",\"blob\":\"");
    let id_bytes = id.to_be_bytes();
    let h_bytes = h.to_le_bytes();
    let blob = [
        id_bytes[4],
        id_bytes[5],
        id_bytes[6],
        id_bytes[7],
        h_bytes[0],
        h_bytes[1],
        h_bytes[2],
    ];
    write_base64(out, &blob);
    out.extend_from_slice(b"\",\"attributes\":{\"color\":");
    write_plain(out, pick(&COLORS, h >> 44));
    out.extend_from_slice(b",\"dims\":{\"w\":");
    write_u64(out, (h >> 47) % 100);
    out.extend_from_slice(b",\"h\":");
    write_u64(out, (h >> 54) % 100);
    out.extend_from_slice(b"}}");
    write_tags(out, id, h);
    out.extend_from_slice(b",\"notes\":");
    if id.is_multiple_of(13) {
        // The escaped form of "line one\nline \"two\" of ".
        out.extend_from_slice(br#""line one\nline \"two\" of "#);
    } else {
        out.extend_from_slice(b"\"note ");
    }
    write_u64(out, id);
    out.push(b'"');
}

fn write_tags(out: &mut Vec<u8>, id: u64, h: u64) {
    out.extend_from_slice(b",\"tags\":[");
    for i in 0..tag_count(id, h) {
        if i > 0 {
            out.push(b',');
        }
        write_plain(out, pick(&TAGS, h >> (8 * (i + 1))));
    }
    out.push(b']');
}

/// A JSON string; the generator's constant strings need no escaping, so the check is a
/// scan, and `serde_json` escapes the rare string that does.
fn write_plain(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        write_str(out, s);
    } else {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// A JSON string escaped exactly as `serde_json` escapes it.
fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail, and a str always serializes.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A float formatted exactly as `serde_json` formats it (shortest round-trip form).
fn write_f64(out: &mut Vec<u8>, value: f64) {
    let _ = serde_json::to_writer(&mut *out, &value);
}

/// Decimal digits of `n`, without the `fmt` machinery.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// `n` zero-padded to at least `width` digits, as `{:0width$}` does.
fn write_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = 1;
    let mut rest = n / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    for _ in digits..width {
        out.push(b'0');
    }
    write_u64(out, n);
}

/// `"YYYY-MM-DDTHH:MM:SSZ"` of `updated_min` minutes after the data's epoch.
fn write_minutes(out: &mut Vec<u8>, minutes: i64) {
    let secs = minutes
        .checked_mul(60)
        .and_then(|s| s.checked_add(EPOCH_UNIX));
    write_timestamp(out, secs);
}

/// A quoted RFC 3339 UTC timestamp (seconds precision, `Z`), as chrono's
/// `to_rfc3339_opts(SecondsFormat::Secs, true)` writes it.
fn write_timestamp(out: &mut Vec<u8>, unix_secs: Option<i64>) {
    let Some(secs) = unix_secs else {
        // Out of chrono's range too, where the reference panics; no record comes near.
        out.extend_from_slice(b"null");
        return;
    };
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    if !(0..=9999).contains(&y) {
        // chrono writes a sign and more digits outside four-digit years; defer to it.
        match DateTime::from_timestamp(secs, 0) {
            Some(at) => write_str(out, &at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => out.extend_from_slice(b"null"),
        }
        return;
    }
    let sod = secs.rem_euclid(DAY) as u64;
    out.push(b'"');
    write_date(out, y, m, d);
    out.push(b'T');
    write_padded(out, sod / 3600, 2);
    out.push(b':');
    write_padded(out, sod / 60 % 60, 2);
    out.push(b':');
    write_padded(out, sod % 60, 2);
    out.extend_from_slice(b"Z\"");
}

/// `YYYY-MM-DD` of a year in 0..=9999.
fn write_date(out: &mut Vec<u8>, y: i64, m: u32, d: u32) {
    write_padded(out, y as u64, 4);
    out.push(b'-');
    write_padded(out, u64::from(m), 2);
    out.push(b'-');
    write_padded(out, u64::from(d), 2);
}

/// (year, month, day) of a day number counted from 1970-01-01, proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`), so no calendar library runs per record.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as `base64::engine::general_purpose::STANDARD` encodes.
fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let sextet = |shift: u32| BASE64[(n >> shift & 63) as usize];
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { b'=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { b'=' });
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;
