//! The two Python-side readers dlt falls back on: pendulum's "common format" regex (`COMMON`
//! with `DEFAULT_OPTIONS`, reached when the ISO parser raises) and Python's `float()` (reached
//! by coercion when both parsers raise `ValueError`).
//!
//! Both read Python's `\d` and `int()` digits: any Unicode decimal digit (category Nd), so
//! `٢٠٢٣/٠٥/٣٠ ١٢:٣٣` is a timestamp to dlt, and `float("١٢٣")` is 123.

use super::{Fields, Parsed, PyError};

use crate::python::digit_value;

/// `int()` of a run of decimal digits (at most 6 here, so no overflow).
fn int(digits: &[char]) -> u32 {
    digits
        .iter()
        .fold(0, |n, &c| n * 10 + digit_value(c).unwrap_or(0))
}

/// How many decimal digits start `s[at..]`, capped at `max`.
fn digits_at(s: &[char], at: usize, max: usize) -> usize {
    s.iter()
        .skip(at)
        .take(max)
        .take_while(|&&c| digit_value(c).is_some())
        .count()
}

/// Where one alternative of the date part ends, with what it captured.
struct DateMatch {
    year: u32,
    month_day: Option<(u32, u32)>,
    end: usize,
}

/// What one alternative of the time part captured (positions into the input).
struct TimeMatch<'a> {
    hour: &'a [char],
    minute: Option<&'a [char]>,
    second: Option<&'a [char]>,
    subsecond: Option<&'a [char]>,
}

/// The date alternatives at the start of `s`, in the order Python's backtracking tries them:
/// `YYYY` then the optional `[/:]?MM[/:]?DD` (separators tried present first), and last the
/// whole date group left out.
fn date_candidates(s: &[char]) -> Vec<Option<DateMatch>> {
    let mut out = Vec::new();
    if digits_at(s, 0, 4) == 4 {
        let year = int(&s[..4]);
        let is_sep = |at: usize| matches!(s.get(at), Some('/' | ':'));
        for month_sep in [true, false] {
            if month_sep && !is_sep(4) {
                continue;
            }
            let m = 4 + usize::from(month_sep);
            if digits_at(s, m, 2) < 2 {
                continue;
            }
            for day_sep in [true, false] {
                if day_sep && !is_sep(m + 2) {
                    continue;
                }
                let d = m + 2 + usize::from(day_sep);
                if digits_at(s, d, 2) == 2 {
                    let month_day = (int(&s[m..m + 2]), int(&s[d..d + 2]));
                    let (month_day, end) = (Some(month_day), d + 2);
                    out.push(Some(DateMatch {
                        year,
                        month_day,
                        end,
                    }));
                }
            }
        }
        out.push(Some(DateMatch {
            year,
            month_day: None,
            end: 4,
        }));
    }
    out.push(None);
    out
}

/// The first time alternative from `at` that reaches the end of `s`, in backtracking order:
/// ` ?` present first, then `\d{1,2}` hour (2 before 1), `:`, an optional `\d{1,2}` minute,
/// an optional `:\d{1,2}` second and an optional `[.|,]\d{1,9}` subsecond.
fn time_to_end(s: &[char], at: usize) -> Option<TimeMatch<'_>> {
    for space in [true, false] {
        if space && s.get(at) != Some(&' ') {
            continue;
        }
        let h = at + usize::from(space);
        for hour_len in [2, 1] {
            if digits_at(s, h, hour_len) < hour_len || s.get(h + hour_len) != Some(&':') {
                continue;
            }
            let m = h + hour_len + 1;
            for minute_len in [2, 1, 0] {
                if digits_at(s, m, minute_len) < minute_len {
                    continue;
                }
                let after_minute = m + minute_len;
                for second_len in [2, 1, 0] {
                    let sec = after_minute + 1;
                    let after_second = if second_len == 0 {
                        after_minute
                    } else if s.get(after_minute) == Some(&':')
                        && digits_at(s, sec, second_len) == second_len
                    {
                        sec + second_len
                    } else {
                        continue;
                    };
                    // The subsecond is last before `$`, so only the rest of the input can fit.
                    let rest = s.len().saturating_sub(after_second + 1);
                    let fraction = matches!(s.get(after_second), Some('.' | '|' | ','))
                        && (1..=9).contains(&rest)
                        && digits_at(s, after_second + 1, rest) == rest;
                    let capture = |from: usize, len: usize| (len > 0).then(|| &s[from..from + len]);
                    let matched = TimeMatch {
                        hour: &s[h..h + hour_len],
                        minute: capture(m, minute_len),
                        second: capture(sec, second_len),
                        subsecond: None,
                    };
                    if fraction {
                        let subsecond = Some(&s[after_second + 1..]);
                        return Some(TimeMatch {
                            subsecond,
                            ..matched
                        });
                    }
                    if after_second == s.len() {
                        return Some(matched);
                    }
                }
            }
        }
    }
    None
}

/// pendulum's `_parse_common` with `DEFAULT_OPTIONS` (year first, not day first): a full match
/// of its regex, then Python's `date`/`datetime`/`time` constructors. A matched time without
/// minutes (`2023/05/30 12:`) makes pendulum call `int(None)`: a `TypeError`.
pub(super) fn parse_common(text: &str) -> Result<Parsed, PyError> {
    let s: Vec<char> = text.chars().collect();
    for date in date_candidates(&s) {
        let at = date.as_ref().map_or(0, |d| d.end);
        let time = if at == s.len() {
            // The optional time group matches empty here before `$` is tried.
            None
        } else {
            match time_to_end(&s, at) {
                Some(time) => Some(time),
                None => continue,
            }
        };
        let mut fields = Fields::midnight(0, 1, 1);
        if let Some(date) = &date {
            let (month, day) = date.month_day.unwrap_or((1, 1));
            fields = Fields::midnight(i64::from(date.year), month, day);
        }
        let Some(time) = time else {
            // Neither group matched: only the empty string gets here.
            return match date {
                Some(_) => fields.date(),
                None => Err(PyError::Value),
            };
        };
        fields.hour = int(time.hour);
        fields.minute = int(time.minute.ok_or(PyError::Type)?);
        fields.second = time.second.map_or(0, int);
        if let Some(sub) = time.subsecond {
            // The first six digits, padded with zeros on the right.
            let kept = &sub[..sub.len().min(6)];
            fields.microsecond = int(kept) * 10u32.pow(6 - kept.len() as u32);
        }
        return match date {
            Some(_) => fields.datetime(),
            None => fields.time(),
        };
    }
    Err(PyError::Value)
}

/// Python's `str.isspace()` characters, which `float()` strips (Unicode 14).
fn is_py_space(c: char) -> bool {
    matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ' | '\u{85}' | '\u{a0}' | '\u{1680}')
        || matches!(
            c,
            '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}'
        )
        || matches!(c, '\u{205f}' | '\u{3000}')
}

/// Python's `float(str)`: surrounding whitespace stripped, Unicode digits read as ASCII,
/// underscores only between digits, then `[sign] digits [. digits] [e [sign] digits]` or
/// `inf`/`infinity`/`nan` in any case. `None` where Python raises `ValueError`.
pub(super) fn python_float(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(is_py_space);
    let mut ascii = String::with_capacity(trimmed.len());
    let mut prev = '\0';
    for c in trimmed.chars() {
        let c = match digit_value(c) {
            Some(d) => char::from_digit(d, 10)?,
            None if c.is_ascii() => c,
            None => return None,
        };
        if c == '_' {
            if !prev.is_ascii_digit() {
                return None;
            }
        } else {
            if prev == '_' && !c.is_ascii_digit() {
                return None;
            }
            ascii.push(c);
        }
        prev = c;
    }
    if prev == '_' {
        return None;
    }
    let unsigned = ascii.strip_prefix(['+', '-']).unwrap_or(&ascii);
    let word = unsigned.to_ascii_lowercase();
    if matches!(word.as_str(), "inf" | "infinity" | "nan") {
        return ascii.parse().ok();
    }
    // Rust's parser takes a few spellings Python refuses; the grammar is checked first.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(e) => (&unsigned[..e], Some(&unsigned[e + 1..])),
        None => (unsigned, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int_part)
        && all_digits(frac_part)
        && !(int_part.is_empty() && frac_part.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && all_digits(digits)
    });
    if !(mantissa_ok && exponent_ok) {
        return None;
    }
    ascii.parse().ok()
}
