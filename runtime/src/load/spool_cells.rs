//! How a spooled record is kept: each [`RowWriter`] call as a tag byte and its value, little
//! endian, so replaying a record makes exactly the calls the generated code made.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};

use crate::record::{Extra, RowWriter};

mod cell {
    pub const NULL: u8 = 0;
    pub const BOOL: u8 = 1;
    pub const I64: u8 = 2;
    pub const F64: u8 = 3;
    pub const TEXT: u8 = 4;
    pub const BYTES: u8 = 5;
    pub const JSON: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const DATE: u8 = 8;
    pub const TIME: u8 = 9;
    pub const DECIMAL: u8 = 10;
    pub const EXTRAS: u8 = 11;
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

pub(super) fn put_timestamp(out: &mut Vec<u8>, v: &DateTime<Utc>) {
    out.extend_from_slice(&v.timestamp().to_le_bytes());
    out.extend_from_slice(&v.timestamp_subsec_nanos().to_le_bytes());
}

/// Records a record's [`RowWriter`] calls as bytes.
pub(super) struct Encoder<'a>(pub(super) &'a mut Vec<u8>);

impl RowWriter for Encoder<'_> {
    fn null(&mut self) {
        self.0.push(cell::NULL);
    }
    fn bool(&mut self, v: bool) {
        self.0.extend_from_slice(&[cell::BOOL, u8::from(v)]);
    }
    fn i64(&mut self, v: i64) {
        self.0.push(cell::I64);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.push(cell::F64);
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    fn text(&mut self, v: &str) {
        self.0.push(cell::TEXT);
        put_str(self.0, v);
    }
    fn bytes(&mut self, v: &[u8]) {
        self.0.push(cell::BYTES);
        self.0.extend_from_slice(&(v.len() as u32).to_le_bytes());
        self.0.extend_from_slice(v);
    }
    fn json(&mut self, v: &serde_json::Value) {
        self.0.push(cell::JSON);
        put_str(self.0, &v.to_string());
    }
    fn timestamp(&mut self, v: &DateTime<Utc>) {
        self.0.push(cell::TIMESTAMP);
        put_timestamp(self.0, v);
    }
    fn date(&mut self, v: &NaiveDate) {
        self.0.push(cell::DATE);
        self.0
            .extend_from_slice(&v.num_days_from_ce().to_le_bytes());
    }
    fn time(&mut self, v: &NaiveTime) {
        self.0.push(cell::TIME);
        self.0
            .extend_from_slice(&v.num_seconds_from_midnight().to_le_bytes());
        self.0.extend_from_slice(&v.nanosecond().to_le_bytes());
    }
    fn decimal(&mut self, v: &rust_decimal::Decimal) {
        self.0.push(cell::DECIMAL);
        self.0.extend_from_slice(&v.serialize());
    }
    fn extras(&mut self, v: &Extra) {
        self.0.push(cell::EXTRAS);
        put_str(self.0, v.as_json().unwrap_or_default());
    }
}

/// Reads cells back and replays them on a [`RowWriter`]; `None` at malformed bytes.
pub(super) struct Decoder<'a>(pub(super) &'a [u8]);

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// Replays the next cell on `row`; `None` at malformed bytes.
    pub(super) fn cell(&mut self, row: &mut dyn RowWriter) -> Option<()> {
        let [tag] = self.array::<1>()?;
        match tag {
            cell::NULL => row.null(),
            cell::BOOL => row.bool(self.array::<1>()?[0] == 1),
            cell::I64 => row.i64(i64::from_le_bytes(self.array()?)),
            cell::F64 => row.f64(f64::from_bits(u64::from_le_bytes(self.array()?))),
            cell::TEXT => row.text(self.str()?),
            cell::BYTES => {
                let len = u32::from_le_bytes(self.array()?) as usize;
                row.bytes(self.take(len)?)
            }
            cell::JSON => row.json_owned(serde_json::from_str(self.str()?).ok()?),
            cell::TIMESTAMP => {
                let secs = i64::from_le_bytes(self.array()?);
                let nanos = u32::from_le_bytes(self.array()?);
                row.timestamp(&DateTime::from_timestamp(secs, nanos)?)
            }
            cell::DATE => {
                let days = i32::from_le_bytes(self.array()?);
                row.date(&NaiveDate::from_num_days_from_ce_opt(days)?)
            }
            cell::TIME => {
                let secs = u32::from_le_bytes(self.array()?);
                let nanos = u32::from_le_bytes(self.array()?);
                row.time(&NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)?)
            }
            cell::DECIMAL => row.decimal(&rust_decimal::Decimal::deserialize(self.array()?)),
            cell::EXTRAS => row.extras(&Extra::from_json_text(self.str()?.to_string())),
            _ => return None,
        }
        Some(())
    }
}

/// A [`RowWriter`] that keeps nothing: validates a record's bytes.
pub(super) struct Discard;

impl RowWriter for Discard {
    fn null(&mut self) {}
    fn bool(&mut self, _: bool) {}
    fn i64(&mut self, _: i64) {}
    fn f64(&mut self, _: f64) {}
    fn text(&mut self, _: &str) {}
    fn bytes(&mut self, _: &[u8]) {}
    fn json(&mut self, _: &serde_json::Value) {}
    fn timestamp(&mut self, _: &DateTime<Utc>) {}
    fn date(&mut self, _: &NaiveDate) {}
    fn time(&mut self, _: &NaiveTime) {}
    fn decimal(&mut self, _: &rust_decimal::Decimal) {}
    fn extras(&mut self, _: &Extra) {}
}
