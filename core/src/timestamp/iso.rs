//! pendulum 3.3's `parse_iso8601` as its Rust extension (`_pendulum`) reads a string, with the
//! Python constructors' range checks applied after, as `_pendulum` builds Python objects.
//!
//! The grammar, read from pendulum's parser and checked against the recorded fixture:
//!
//! - `T` + time, or `hh:` + the rest of an extended time: a time of day (never a timestamp);
//! - `YYYY-MM`, `YYYY-MM-DD`, `YYYY-DDD` (ordinal), `YYYY-Www[-D]`, and the compact forms
//!   `YYYYMMDD`, `YYYYDDD`, `YYYYWww[D]`; a missing day is the 1st, a missing week day Monday;
//! - then `T` or a space and `hh`, `hh:mm[:ss]` or `hhmm[ss]`, seconds optionally with
//!   `.`/`,` and 1 or more ASCII digits (6 kept, the rest dropped, so nanoseconds truncate);
//!   extended seconds need an extended date, compact minutes a compact date (`20230530T12:33`
//!   passes because the check sits only on seconds);
//! - an optional `Z`, or `±hh`, `±hhmm`, `±hh:mm`, `±hh:` (minutes 0): minutes above 59 are
//!   added in; a total above +24 h is refused, any other is kept (one of a day or more is
//!   refused only when dlt stores the value, see the module above);
//! - nothing after: an interval (`/`) and a duration (`P…`) are never a date or a time.
//!
//! Only ASCII digits count here (Rust's `char::to_digit`), unlike the common-format fallback.

use super::{Fields, Parsed, PyError};

/// A cursor over the input's characters.
struct Cursor {
    chars: Vec<char>,
    at: usize,
}

impl Cursor {
    fn current(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn is(&self, c: char) -> bool {
        self.current() == Some(c)
    }

    fn end(&self) -> bool {
        self.at >= self.chars.len()
    }

    /// Whether a date part is over: at the end, or at the `T`/space before a time.
    fn date_over(&self) -> bool {
        self.end() || self.is(' ') || self.is('T')
    }

    /// Whether a time can continue: not at the end and not at an offset.
    fn time_goes_on(&self) -> bool {
        !matches!(self.current(), None | Some('Z' | '+' | '-'))
    }

    fn advance(&mut self) {
        self.at += 1;
    }

    /// Exactly `len` ASCII digits as a number.
    fn int(&mut self, len: usize) -> Result<u32, PyError> {
        let mut value = 0;
        for _ in 0..len {
            let digit = self.current().and_then(|c| c.to_digit(10));
            value = value * 10 + digit.ok_or(PyError::Value)?;
            self.advance();
        }
        Ok(value)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_year(year: i64) -> i64 {
    if is_leap(year) {
        366
    } else {
        365
    }
}

/// `year` plus the Gregorian leap years up to it: modulo 7, how far the weekdays of `year`
/// have moved (each year moves them one day, a leap year two). Truncating division, as
/// pendulum's `i32` arithmetic, so year 0 (whose week 1 can start in year 1) agrees too.
fn leap_count(year: i64) -> i64 {
    year + year / 4 - year / 100 + year / 400
}

/// ISO weekday (Monday 1 … Sunday 7) of 4 January of `year`, which is always in week 1.
fn weekday_of_jan4(year: i64) -> i64 {
    // Counted from the previous year: January comes before this year's leap day.
    let w = (leap_count(year - 1) + 4) % 7;
    if w == 0 {
        7
    } else {
        w
    }
}

/// A year with 53 ISO weeks.
fn is_long_year(year: i64) -> bool {
    leap_count(year) % 7 == 4 || leap_count(year - 1) % 7 == 3
}

/// Month and day of day `ordinal` (1-based) of `year`; `ordinal` must be in the year.
fn month_day(year: i64, ordinal: i64) -> (u32, u32) {
    const DAYS: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut left = ordinal;
    for (i, &days) in DAYS.iter().enumerate() {
        let days = days + i64::from(i == 1 && is_leap(year));
        if left <= days {
            return (i as u32 + 1, left as u32);
        }
        left -= days;
    }
    (12, 31)
}

/// An ordinal date: the ordinal must lie in the year.
fn ordinal_date(year: i64, ordinal: i64) -> Result<(i64, u32, u32), PyError> {
    if ordinal < 1 || ordinal > days_in_year(year) {
        return Err(PyError::Value);
    }
    let (month, day) = month_day(year, ordinal);
    Ok((year, month, day))
}

/// A week date; the day may fall in the previous or next year (week 0 and day 0 are taken).
fn week_date(year: i64, week: u32, weekday: u32) -> Result<(i64, u32, u32), PyError> {
    if week > 53 || (week > 52 && !is_long_year(year)) || weekday > 7 {
        return Err(PyError::Value);
    }
    let mut ordinal = i64::from(week * 7 + weekday) - (weekday_of_jan4(year) + 3);
    let mut year = year;
    if ordinal < 1 {
        year -= 1;
        ordinal += days_in_year(year);
    }
    if ordinal > days_in_year(year) {
        ordinal -= days_in_year(year);
        year += 1;
    }
    let (month, day) = month_day(year, ordinal);
    Ok((year, month, day))
}

/// Up to six fraction digits as microseconds; further ASCII digits are skipped.
fn fraction(cur: &mut Cursor) -> Result<u32, PyError> {
    let mut micro = 0;
    let mut kept = 0;
    while kept < 6 {
        match cur.current().and_then(|c| c.to_digit(10)) {
            Some(d) => micro = micro * 10 + d,
            None if kept == 0 => return Err(PyError::Value),
            None => break,
        }
        cur.advance();
        kept += 1;
    }
    while cur.current().is_some_and(|c| c.is_ascii_digit()) {
        cur.advance();
    }
    Ok(micro * 10u32.pow(6 - kept))
}

/// The time part; `hour_read` when the hour was already taken (a bare `hh:…` time).
fn time(cur: &mut Cursor, f: &mut Fields, extended: bool, hour_read: bool) -> Result<(), PyError> {
    if !hour_read {
        if !(cur.is('T') || cur.is(' ')) {
            return Err(PyError::Value);
        }
        cur.advance();
        f.hour = cur.int(2)?;
    }
    if cur.time_goes_on() {
        if cur.is(':') {
            cur.advance();
            f.minute = cur.int(2)?;
            if cur.time_goes_on() {
                if !cur.is(':') {
                    return Err(PyError::Value);
                }
                cur.advance();
                f.second = cur.int(2)?;
                if cur.is('.') || cur.is(',') {
                    cur.advance();
                    f.microsecond = fraction(cur)?;
                }
                if !extended {
                    return Err(PyError::Value);
                }
            }
        } else {
            f.minute = cur.int(2)?;
            if cur.time_goes_on() {
                f.second = cur.int(2)?;
                if cur.is('.') || cur.is(',') {
                    cur.advance();
                    f.microsecond = fraction(cur)?;
                }
            }
            if extended {
                return Err(PyError::Value);
            }
        }
    }
    if cur.is('Z') {
        f.offset = Some(0);
        cur.advance();
    } else if cur.is('+') || cur.is('-') {
        let sign = if cur.is('-') { -1 } else { 1 };
        cur.advance();
        let hours = cur.int(2)? as i32;
        if cur.is(':') {
            cur.advance();
        }
        let minutes = if cur.end() { 0 } else { cur.int(2)? as i32 };
        let total = sign * (hours * 60 + minutes);
        // The parser's own bound is one-sided; Python's `timedelta` check below is not.
        if total > 24 * 60 {
            return Err(PyError::Value);
        }
        f.offset = Some(total * 60);
    }
    Ok(())
}

/// The date part after a four-digit year.
fn date(cur: &mut Cursor, year: i64) -> Result<(i64, u32, u32, bool), PyError> {
    if cur.is('-') {
        cur.advance();
        if cur.is('W') {
            cur.advance();
            let week = cur.int(2)?;
            let mut weekday = 1;
            if !cur.date_over() {
                if !cur.is('-') {
                    return Err(PyError::Value);
                }
                cur.advance();
                weekday = cur.int(1)?;
            }
            let (y, m, d) = week_date(year, week, weekday)?;
            return Ok((y, m, d, true));
        }
        let month = cur.int(2)?;
        if cur.date_over() {
            return Ok((year, month, 1, true));
        }
        if cur.is('-') {
            cur.advance();
            return Ok((year, month, cur.int(2)?, true));
        }
        let ordinal = i64::from(month * 10 + cur.int(1)?);
        let (y, m, d) = ordinal_date(year, ordinal)?;
        return Ok((y, m, d, true));
    }
    if cur.is('W') {
        cur.advance();
        let week = cur.int(2)?;
        let weekday = if cur.date_over() { 1 } else { cur.int(1)? };
        let (y, m, d) = week_date(year, week, weekday)?;
        return Ok((y, m, d, false));
    }
    let month = cur.int(2)?;
    let third = cur.int(1)?;
    if cur.date_over() {
        let (y, m, d) = ordinal_date(year, i64::from(month * 10 + third))?;
        return Ok((y, m, d, false));
    }
    Ok((year, month, third * 10 + cur.int(1)?, false))
}

/// `parse_iso8601`, with `Err` wherever pendulum raises `ValueError` (which sends dlt to the
/// common-format fallback). Durations count as errors too: neither they nor the fallback
/// ever give a date or time, so the difference cannot show.
pub(super) fn parse_iso(text: &str) -> Result<Parsed, PyError> {
    let mut cur = Cursor {
        chars: text.chars().collect(),
        at: 0,
    };
    let mut f = Fields::midnight(0, 1, 1);
    if cur.is('P') {
        return Err(PyError::Value);
    }
    if cur.is('T') {
        time(&mut cur, &mut f, false, false)?;
        return if cur.end() {
            f.time()
        } else {
            Err(PyError::Value)
        };
    }
    let century = cur.int(2)?;
    if cur.is(':') {
        f.hour = century;
        time(&mut cur, &mut f, true, true)?;
        return if cur.end() {
            f.time()
        } else {
            Err(PyError::Value)
        };
    }
    let year = i64::from(century * 100 + cur.int(2)?);
    let (year, month, day, extended) = date(&mut cur, year)?;
    (f.year, f.month, f.day) = (year, month, day);
    if cur.end() {
        return f.date();
    }
    time(&mut cur, &mut f, extended, false)?;
    if !cur.end() {
        return Err(PyError::Value);
    }
    f.datetime()
}
