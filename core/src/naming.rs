//! dlt's `snake_case` naming convention, so tables and columns carry the names dlt 1.31 gives
//! the same data: a query or dbt model written against a dlt dataset works unchanged.
//!
//! The rules are dlt's (`../shared/reference/dlt_normalizer.md` §1, checked against dlt
//! itself by `tests/dlt_naming.rs`):
//!
//! - an identifier is reduced to `[a-z0-9_]`, camel case split with `_`, a leading digit
//!   prefixed with `_`, trailing `_` turned into `x` and runs of `_` collapsed
//!   ([`Naming::identifier`]);
//! - data keys and table names are *paths*: split on [`PATH_SEPARATOR`], each piece
//!   normalized, joined again ([`Naming::path`]), so `a__b` stays `a__b`;
//! - nested columns and child tables join normalized fragments with [`PATH_SEPARATOR`]
//!   ([`Naming::join`]);
//! - a name longer than the destination's limit keeps its head and tail around a 6-character
//!   hash tag, exactly as dlt shortens it, so long names match dlt's on PostgreSQL too.
//!
//! Python's `\d` matches the Unicode decimal digits (category Nd), not every numeric
//! character: `٣` is a digit, `²` and `Ⅻ` are not (see `python::digit_value`).

use crate::shake::shake128;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;

/// Joins the fragments of a nested column (`attributes__color`) or a child table
/// (`items__tags`).
pub const PATH_SEPARATOR: &str = "__";

/// The column an empty (or whitespace-only) data key becomes.
pub const EMPTY_KEY: &str = "_empty";

/// The length of the hash tag inside a shortened identifier.
const TAG_LEN: usize = 6;

/// dlt's `snake_case` convention for one destination's identifier length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Naming {
    /// Longest identifier the destination accepts, in characters; longer ones are shortened.
    max_length: usize,
}

impl Naming {
    /// PostgreSQL's limit (63 bytes; identifiers here are ASCII after normalization).
    pub const POSTGRES: Naming = Naming { max_length: 63 };
    /// SQLite has no limit; dlt reaches SQLite through SQLAlchemy, whose limit is 9999.
    pub const SQLITE: Naming = Naming { max_length: 9999 };
    /// No limit (JSON lines, and duckdb's 65536 in practice).
    pub const UNLIMITED: Naming = Naming {
        max_length: usize::MAX,
    };

    /// A convention that shortens names longer than `max_length` characters (at least the
    /// tag's 6 plus one).
    pub const fn new(max_length: usize) -> Naming {
        let max_length = if max_length <= TAG_LEN {
            TAG_LEN + 1
        } else {
            max_length
        };
        Naming { max_length }
    }

    /// The longest identifier this convention produces.
    pub const fn max_length(&self) -> usize {
        self.max_length
    }

    /// One identifier in snake case, shortened to the limit; `None` when it is empty or only
    /// whitespace (dlt raises there).
    pub fn identifier(&self, ident: &str) -> Option<String> {
        let ident = ident.trim();
        if ident.is_empty() {
            return None;
        }
        Some(self.shorten(snake_case(ident), ident))
    }

    /// A table name or a data key: split on `__`, each piece normalized, joined again and the
    /// whole shortened. Pieces that are empty or whitespace-only are dropped, so `__x__` is `x`.
    pub fn path(&self, path: &str) -> String {
        let pieces: Vec<String> = path
            .split(PATH_SEPARATOR)
            .filter_map(|piece| self.identifier(piece))
            .collect();
        self.shorten(pieces.join(PATH_SEPARATOR), path)
    }

    /// The column name of a data key: [`Naming::path`], except that an empty or
    /// whitespace-only key is [`EMPTY_KEY`].
    pub fn key(&self, key: &str) -> String {
        if key.trim().is_empty() {
            return EMPTY_KEY.to_string();
        }
        self.path(key)
    }

    /// Already normalized fragments joined with `__` (a nested column, a child table, a
    /// variant column) and shortened as a whole. Empty fragments are skipped.
    pub fn join<S: AsRef<str>>(&self, fragments: &[S]) -> String {
        let mut joined = String::new();
        for fragment in fragments {
            let fragment = fragment.as_ref();
            if fragment.trim().is_empty() {
                continue;
            }
            if !joined.is_empty() {
                joined.push_str(PATH_SEPARATOR);
            }
            joined.push_str(fragment);
        }
        let source = joined.clone();
        self.shorten(joined, &source)
    }

    /// `normalized` if it fits, else its head, a tag hashed from `source`, and its tail.
    fn shorten(&self, normalized: String, source: &str) -> String {
        let len = normalized.chars().count();
        if len <= self.max_length {
            return normalized;
        }
        let remaining = self.max_length - TAG_LEN;
        let head = remaining.div_ceil(2);
        let tail = remaining / 2;
        let mut out: String = normalized.chars().take(head).collect();
        out.push_str(&tag(source));
        out.extend(normalized.chars().skip(len - tail));
        out
    }
}

/// dlt's `H(s)`: standard base64 without padding of the first 10 bytes of SHAKE-128 of `s`,
/// always 14 characters. dlt derives child row ids (`_dlt_id`) from it.
pub fn digest128(s: &str) -> String {
    STANDARD_NO_PAD.encode(shake128::<10>(s.as_bytes()))
}

/// The 6-character tag of a shortened identifier: 4 bytes of SHAKE-128, base64 with `/` and
/// `+` replaced by `a` and `b`, lowercased.
fn tag(source: &str) -> String {
    STANDARD_NO_PAD
        .encode(shake128::<4>(source.as_bytes()))
        .chars()
        .map(|c| match c {
            '/' => 'a',
            '+' => 'b',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// A digit as Python's `\d` sees it: a Unicode decimal digit.
fn is_digit(c: char) -> bool {
    crate::python::digit_value(c).is_some()
}

/// dlt's `_normalize_identifier` before shortening, on a trimmed, non-empty identifier.
fn snake_case(ident: &str) -> String {
    let word = reduce_alphabet(ident);
    let mut s: String = break_words(&break_before_capitals(&word)).to_ascii_lowercase();
    if s.chars().next().is_some_and(is_digit) {
        s.insert(0, '_');
    }
    let trimmed = s.trim_end_matches('_');
    let trailing = s.len() - trimmed.len();
    let mut s = trimmed.to_string();
    s.extend(std::iter::repeat_n('x', trailing));
    collapse_underscores(&s)
}

/// Maps `+ - * @ |` to `x _ x a l`, then replaces every maximal run of other characters outside
/// `[A-Za-z0-9_]` by one `_`, keeping underscores that were in the text (`a_ b` gives `a__b`,
/// collapsed later), as dlt's translate and regex substitution do.
fn reduce_alphabet(ident: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(ident.len());
    let mut in_run = false;
    for c in ident.chars() {
        let c = match c {
            '+' | '*' => 'x',
            '-' => '_',
            '@' => 'a',
            '|' => 'l',
            c => c,
        };
        if c.is_ascii_alphabetic() || c == '_' || is_digit(c) {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out
}

/// Regex `([^_])([A-Z][a-z]+)` → `\1_\2`, with the regex's left-to-right, non-overlapping
/// matching.
fn break_before_capitals(s: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        let starts_word = s[i] != '_'
            && s.get(i + 1).is_some_and(char::is_ascii_uppercase)
            && s.get(i + 2).is_some_and(char::is_ascii_lowercase);
        if starts_word {
            out.extend([s[i], '_', s[i + 1]]);
            i += 2;
            while i < s.len() && s[i].is_ascii_lowercase() {
                out.push(s[i]);
                i += 1;
            }
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Regex `([a-z0-9])([A-Z])` → `\1_\2`, non-overlapping.
fn break_words(s: &[char]) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let breaks = (c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.get(i + 1).is_some_and(char::is_ascii_uppercase);
        out.push(c);
        if breaks {
            out.push('_');
            out.push(s[i + 1]);
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

fn collapse_underscores(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
