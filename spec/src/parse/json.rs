//! A small JSON parser that keeps byte offsets (serde_json drops them).

use super::{Entry, Kind, Node, Span, SyntaxError};

/// Deeper nesting than any spec needs; the limit keeps hostile input from overflowing the stack.
const MAX_DEPTH: usize = 128;
/// Objects up to this many keys check duplicates by scanning (cheaper than hashing).
const LINEAR_KEYS: usize = 32;

pub(super) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    // A leading byte-order mark is common in files written on Windows.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.ws();
    let node = p.value(0)?;
    p.ws();
    if p.pos < p.bytes.len() {
        return Err(p.err_here("unexpected text after the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err_here(&self, message: &str) -> SyntaxError {
        let end = self.next_char_end();
        SyntaxError {
            span: Span::new(self.pos, end),
            message: message.to_string(),
        }
    }

    fn next_char_end(&self) -> usize {
        self.text[self.pos.min(self.text.len())..]
            .chars()
            .next()
            .map(|c| self.pos + c.len_utf8())
            .unwrap_or(self.pos)
    }

    fn ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err_here("nesting too deep"));
        }
        let start = self.pos;
        let kind = match self.bytes.get(self.pos) {
            None => return Err(self.err_here("unexpected end of input, expected a value")),
            Some(b'{') => return self.object(depth),
            Some(b'[') => return self.array(depth),
            Some(b'"') => Kind::Str(self.string()?),
            Some(b't') => self.word("true", Kind::Bool(true))?,
            Some(b'f') => self.word("false", Kind::Bool(false))?,
            Some(b'n') => self.word("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err_here("expected a JSON value")),
        };
        Ok(Node {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn word(&mut self, word: &str, kind: Kind) -> Result<Kind, SyntaxError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.err_here("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Kind, SyntaxError> {
        let start = self.pos;
        let mut float = false;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.bytes.get(p.pos), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if !digits(self) {
            return Err(self.err_here("expected digits"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            float = true;
            self.pos += 1;
            if !digits(self) {
                return Err(self.err_here("expected digits after `.`"));
            }
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            float = true;
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.err_here("expected digits in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if !float {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Kind::Int(i));
            }
        }
        text.parse::<f64>()
            .map(Kind::Float)
            .map_err(|_| SyntaxError {
                span: Span::new(start, self.pos),
                message: "invalid number".to_string(),
            })
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        // Caller checked the opening quote.
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(self.err_here("unterminated string"));
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    self.pos += 1;
                    let esc = self.bytes.get(self.pos).copied();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        _ => {
                            self.pos -= 1;
                            return Err(self.err_here("invalid escape sequence"));
                        }
                    }
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.err_here("control character in string"));
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let hex = self.text.get(self.pos..self.pos + 4);
        match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
            Some(v) if hex.is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit())) => {
                self.pos += 4;
                Ok(v)
            }
            _ => Err(self.err_here("expected four hex digits after `\\u`")),
        }
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            if self.text[self.pos..].starts_with("\\u") {
                self.pos += 2;
                let lo = self.hex4()?;
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(c)
                        .ok_or_else(|| self.err_here("invalid surrogate pair"));
                }
            }
            return Err(self.err_here("unpaired surrogate in `\\u` escape"));
        }
        char::from_u32(hi).ok_or_else(|| self.err_here("invalid `\\u` escape"))
    }

    fn array(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Node {
                kind: Kind::Array(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: Kind::Array(items),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => return Err(self.err_here("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        // Keys seen, for the duplicate check: a set once an object is large, so an object
        // with tens of thousands of keys (a wide `columns`) is not scanned once per key.
        let mut keys: std::collections::HashSet<String> = std::collections::HashSet::new();
        self.ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Node {
                kind: Kind::Object(entries),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            self.ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.err_here("expected a key in double quotes"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            let duplicate = if entries.len() < LINEAR_KEYS {
                entries.iter().any(|e| e.key == key)
            } else {
                if keys.is_empty() {
                    keys.extend(entries.iter().map(|e| e.key.clone()));
                }
                !keys.insert(key.clone())
            };
            if duplicate {
                return Err(SyntaxError {
                    span: key_span,
                    message: format!("duplicate key `{key}`"),
                });
            }
            self.ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.err_here("expected `:`"));
            }
            self.pos += 1;
            self.ws();
            let value = self.value(depth + 1)?;
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Node {
                        kind: Kind::Object(entries),
                        span: Span::new(start, self.pos),
                    });
                }
                _ => return Err(self.err_here("expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_values_with_spans() {
        let n = parse(r#"{"a": [1, 2.5, "x\u00e9"], "b": null}"#).unwrap();
        let Kind::Object(e) = &n.kind else {
            panic!("object")
        };
        assert_eq!(e[0].key, "a");
        assert_eq!(e[0].key_span, Span::new(1, 4));
        assert_eq!(e[0].value.span, Span::new(6, 25));
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": [1, 2.5, "xé"], "b": null})
        );
    }

    #[test]
    fn reports_duplicate_keys_and_trailing_commas() {
        assert_eq!(
            parse(r#"{"a": 1, "a": 2}"#).unwrap_err().message,
            "duplicate key `a`"
        );
        let e = parse("[1,]").unwrap_err();
        assert_eq!(
            (e.span, e.message.as_str()),
            (Span::new(3, 4), "expected a JSON value")
        );
    }
}
