//! Binds a record's values straight into a prepared SQLite statement: no per-row allocation
//! (text forms go through reused buffers; SQLite copies bound text).

use rusqlite::types::ToSql;
use rusqlite::Statement;

use super::text;
use crate::record::{Extra, RowWriter};

/// Reused formatting buffers.
#[derive(Default)]
pub(crate) struct Buffers {
    pub text: String,
    pub json: Vec<u8>,
}

/// A [`RowWriter`] binding column `i` to parameter `map[i] + 1` (or `i + 1` without a map).
pub(crate) struct Binder<'a, 'conn> {
    stmt: &'a mut Statement<'conn>,
    map: Option<&'a [Option<usize>]>,
    pos: usize,
    buf: &'a mut Buffers,
    /// The first binding error, checked after the row.
    pub err: Option<rusqlite::Error>,
}

impl<'a, 'conn> Binder<'a, 'conn> {
    pub fn new(
        stmt: &'a mut Statement<'conn>,
        map: Option<&'a [Option<usize>]>,
        buf: &'a mut Buffers,
    ) -> Self {
        Binder {
            stmt,
            map,
            pos: 0,
            buf,
            err: None,
        }
    }

    fn next_param(&mut self) -> Option<usize> {
        let p = match self.map {
            None => Some(self.pos),
            Some(m) => m.get(self.pos).copied().flatten(),
        };
        self.pos += 1;
        p.map(|p| p + 1)
    }

    fn bind<T: ToSql>(&mut self, index: usize, v: T) {
        if let Err(e) = self.stmt.raw_bind_parameter(index, v) {
            self.err.get_or_insert(e);
        }
    }

    fn bind_text_with(&mut self, f: impl FnOnce(&mut String)) {
        if let Some(i) = self.next_param() {
            f(&mut self.buf.text);
            if let Err(e) = self.stmt.raw_bind_parameter(i, self.buf.text.as_str()) {
                self.err.get_or_insert(e);
            }
        }
    }

    fn bind_json<T: serde::Serialize + ?Sized>(&mut self, index: usize, v: &T) {
        text::json(&mut self.buf.json, v);
        let res = match std::str::from_utf8(&self.buf.json) {
            Ok(s) => self.stmt.raw_bind_parameter(index, s),
            Err(_) => self.stmt.raw_bind_parameter(index, rusqlite::types::Null),
        };
        if let Err(e) = res {
            self.err.get_or_insert(e);
        }
    }
}

impl RowWriter for Binder<'_, '_> {
    fn null(&mut self) {
        if let Some(i) = self.next_param() {
            self.bind(i, rusqlite::types::Null)
        }
    }
    fn bool(&mut self, v: bool) {
        if let Some(i) = self.next_param() {
            self.bind(i, v)
        }
    }
    fn i64(&mut self, v: i64) {
        if let Some(i) = self.next_param() {
            self.bind(i, v)
        }
    }
    fn f64(&mut self, v: f64) {
        if let Some(i) = self.next_param() {
            self.bind(i, v)
        }
    }
    fn text(&mut self, v: &str) {
        if let Some(i) = self.next_param() {
            self.bind(i, v)
        }
    }
    fn bytes(&mut self, v: &[u8]) {
        if let Some(i) = self.next_param() {
            self.bind(i, v)
        }
    }
    fn json(&mut self, v: &serde_json::Value) {
        if let Some(i) = self.next_param() {
            self.bind_json(i, v)
        }
    }
    fn timestamp(&mut self, v: &chrono::DateTime<chrono::Utc>) {
        self.bind_text_with(|b| text::timestamp(b, v))
    }
    fn date(&mut self, v: &chrono::NaiveDate) {
        self.bind_text_with(|b| text::date(b, v))
    }
    fn time(&mut self, v: &chrono::NaiveTime) {
        self.bind_text_with(|b| text::time(b, v))
    }
    fn decimal(&mut self, v: &rust_decimal::Decimal) {
        self.bind_text_with(|b| text::decimal(b, v))
    }
    fn extras(&mut self, v: &Extra) {
        if let Some(i) = self.next_param() {
            match v.as_json() {
                None => self.bind(i, rusqlite::types::Null),
                Some(json) => self.bind(i, json),
            }
        }
    }
}
