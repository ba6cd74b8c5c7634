//! Python tokens with their `line:col`, enough of the language to find a dlt config in a whole
//! `.py` file and read its literals. Nothing here fails: text the tokenizer cannot read becomes
//! an [`TokKind::Error`] token, reported only if it sits inside the config (a stray `$` in an
//! unrelated function must not stop an import).

/// A place in the `.py` file: 1-based line, 1-based column in characters (as editors count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// A string literal, with the prefix letters that decide whether it is a plain string.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// The value after escapes (raw strings keep their backslashes).
    pub value: String,
    /// `f"…"`: computed when Python runs, not a literal.
    pub formatted: bool,
    /// `b"…"`: bytes, not text.
    pub bytes: bool,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokKind {
    /// An identifier or keyword (`True`, `lambda`, `dlt`).
    Name(String),
    /// A string literal.
    Str(StrLit),
    /// An integer literal that fits in 64 bits.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// Punctuation or an operator (`{`, `:`, `**`, `+=`).
    Op(&'static str),
    /// The end of a logical line outside brackets: statements are told apart by it.
    Newline,
    /// Text that is not a Python token here, with why.
    Error(String),
    /// The end of the file.
    Eof,
}

/// A token, where it starts and how many characters of its first line it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokKind,
    /// Where it starts.
    pub at: Pos,
    /// Its length in characters on its first line (for the `^^^` underline).
    pub len: usize,
}

/// Longest first, so `**=` is not read as `**` then `=`.
const OPS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "==", "!=", "<=", ">=", "<<", ">>",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "(", ")", "[", "]", "{", "}", ",", ":",
    ".", ";", "=", "+", "-", "*", "/", "%", "@", "&", "|", "^", "~", "<", ">",
];

/// Splits a whole Python file into tokens, ending with [`TokKind::Eof`].
pub fn tokenize(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        i: 0,
        pos: Pos { line: 1, col: 1 },
        depth: 0,
        out: Vec::new(),
    };
    lx.run();
    lx.out
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    pos: Pos,
    /// Bracket depth: newlines inside brackets do not end a statement.
    depth: usize,
    out: Vec<Token>,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    fn push(&mut self, kind: TokKind, at: Pos) {
        let len = if self.pos.line == at.line {
            (self.pos.col - at.col).max(1)
        } else {
            1
        };
        self.out.push(Token { kind, at, len });
    }

    fn newline(&mut self, at: Pos) {
        let after_newline = matches!(
            self.out.last(),
            None | Some(Token {
                kind: TokKind::Newline,
                ..
            })
        );
        if self.depth == 0 && !after_newline {
            self.out.push(Token {
                kind: TokKind::Newline,
                at,
                len: 1,
            });
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let at = self.pos;
            match c {
                '\n' => {
                    self.bump();
                    self.newline(at);
                }
                ' ' | '\t' | '\r' | '\x0c' => {
                    self.bump();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                '\\' if matches!(self.peek(1), Some('\n')) => {
                    self.bump();
                    self.bump();
                }
                '\\' if self.peek(1) == Some('\r') && self.peek(2) == Some('\n') => {
                    self.bump();
                    self.bump();
                    self.bump();
                }
                '"' | '\'' => self.string("", at),
                c if c.is_ascii_digit() => self.number(at),
                '.' if self.peek(1).is_some_and(|c| c.is_ascii_digit()) => self.number(at),
                c if c == '_' || c.is_alphabetic() => self.name(at),
                _ => self.op(at),
            }
        }
        let at = self.pos;
        self.newline(at);
        self.out.push(Token {
            kind: TokKind::Eof,
            at,
            len: 1,
        });
    }

    fn name(&mut self, at: Pos) {
        let mut name = String::new();
        while let Some(c) = self.peek(0).filter(|c| *c == '_' || c.is_alphanumeric()) {
            name.push(c);
            self.bump();
        }
        let prefix = name.to_ascii_lowercase();
        let is_prefix = matches!(
            prefix.as_str(),
            "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
        );
        if is_prefix && matches!(self.peek(0), Some('"' | '\'')) {
            self.string(&prefix, at);
        } else {
            self.push(TokKind::Name(name), at);
        }
    }

    fn op(&mut self, at: Pos) {
        let rest: String = self.chars[self.i..].iter().take(3).collect();
        let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
            let c = self.bump().unwrap_or(' ');
            self.push(TokKind::Error(format!("`{c}` is not Python")), at);
            return;
        };
        for _ in 0..op.chars().count() {
            self.bump();
        }
        match *op {
            "(" | "[" | "{" => self.depth += 1,
            ")" | "]" | "}" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.push(TokKind::Op(op), at);
    }

    fn number(&mut self, at: Pos) {
        let mut text = String::new();
        let radix = match (self.peek(0), self.peek(1).map(|c| c.to_ascii_lowercase())) {
            (Some('0'), Some('x')) => 16,
            (Some('0'), Some('o')) => 8,
            (Some('0'), Some('b')) => 2,
            _ => 10,
        };
        if radix != 10 {
            self.bump();
            self.bump();
        }
        let mut float = false;
        while let Some(c) = self.peek(0) {
            let exponent_sign = radix == 10
                && matches!(c, '+' | '-')
                && text.ends_with(['e', 'E'])
                && !text.is_empty();
            if c == '_' {
                self.bump();
            } else if c.is_digit(radix) || exponent_sign {
                text.push(c);
                self.bump();
            } else if radix == 10 && (c == '.' || c == 'e' || c == 'E') {
                float = true;
                text.push(c);
                self.bump();
            } else {
                break;
            }
        }
        if matches!(self.peek(0), Some('j' | 'J')) {
            self.bump();
            let why = "a complex number has no JSON form".to_owned();
            return self.push(TokKind::Error(why), at);
        }
        let kind = if float {
            match text.parse::<f64>() {
                Ok(f) if f.is_finite() => TokKind::Float(f),
                _ => TokKind::Error(format!("`{text}` is not a finite number")),
            }
        } else {
            match i64::from_str_radix(&text, radix) {
                Ok(n) => TokKind::Int(n),
                Err(_) => TokKind::Error(format!(
                    "the integer `{text}` does not fit in 64 bits, the largest a spec holds"
                )),
            }
        };
        self.push(kind, at);
    }

    /// A string literal after its prefix: single or triple quoted, raw or not.
    fn string(&mut self, prefix: &str, at: Pos) {
        let raw = prefix.contains('r');
        let quote = self.peek(0).unwrap_or('"');
        let triple = self.peek(1) == Some(quote) && self.peek(2) == Some(quote);
        for _ in 0..if triple { 3 } else { 1 } {
            self.bump();
        }
        let mut value = String::new();
        let mut error = None;
        loop {
            let Some(c) = self.peek(0) else {
                error = Some("this string is never closed".to_owned());
                break;
            };
            if c == quote
                && (!triple || (self.peek(1) == Some(quote) && self.peek(2) == Some(quote)))
            {
                for _ in 0..if triple { 3 } else { 1 } {
                    self.bump();
                }
                break;
            }
            if c == '\n' && !triple {
                error = Some("this string is never closed on its line".to_owned());
                break;
            }
            self.bump();
            if c != '\\' {
                value.push(c);
                continue;
            }
            let Some(next) = self.bump() else { continue };
            if raw {
                value.push('\\');
                value.push(next);
            } else if let Err(why) = self.escape(next, &mut value) {
                error.get_or_insert(why);
            }
        }
        let kind = match error {
            Some(why) => TokKind::Error(why),
            None => TokKind::Str(StrLit {
                value,
                formatted: prefix.contains('f'),
                bytes: prefix.contains('b'),
            }),
        };
        self.push(kind, at);
    }

    /// The character(s) an escape after `\` stands for, as Python reads them.
    fn escape(&mut self, c: char, out: &mut String) -> Result<(), String> {
        let simple = match c {
            '\n' => return Ok(()),
            '\\' | '\'' | '"' => c,
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            '0'..='7' => {
                let mut code = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek(0).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                char::from_u32(code).ok_or_else(|| format!("`\\{code:o}` is not a character"))?
            }
            'x' | 'u' | 'U' => {
                let digits = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut hex = String::new();
                for _ in 0..digits {
                    match self.peek(0).filter(char::is_ascii_hexdigit) {
                        Some(d) => {
                            hex.push(d);
                            self.bump();
                        }
                        None => return Err(format!("`\\{c}` needs {digits} hex digits")),
                    }
                }
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`\\{c}{hex}` is not a character"))?
            }
            'N' => {
                return Err(
                    "`\\N{…}` (a character by name) is not read here; write the character itself"
                        .to_owned(),
                )
            }
            // Python keeps an unknown escape as written.
            other => {
                out.push('\\');
                other
            }
        };
        out.push(simple);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokKind> {
        tokenize(src).into_iter().map(|t| t.kind).collect()
    }

    fn s(value: &str) -> TokKind {
        TokKind::Str(StrLit {
            value: value.into(),
            formatted: false,
            bytes: false,
        })
    }

    #[test]
    fn strings_in_every_quoting_read_as_python_reads_them() {
        let src = r#"'a' "b\"c" '''x
'y'''  """z""" r'\d+\n' R"\"" 'é\t\x41\u00e9\U0001F600\101\
end' 'un\known'"#;
        assert_eq!(
            kinds(src),
            vec![
                s("a"),
                s("b\"c"),
                s("x\n'y"),
                s("z"),
                s("\\d+\\n"),
                s("\\\""),
                s("é\tAé😀Aend"),
                s("un\\known"),
                TokKind::Newline,
                TokKind::Eof,
            ]
        );
    }

    #[test]
    fn prefixes_mark_formatted_and_bytes_strings() {
        let toks = kinds(r#"f"{x}" Rb'y' fr"z" u"w""#);
        let flags: Vec<(bool, bool)> = toks
            .iter()
            .filter_map(|k| match k {
                TokKind::Str(s) => Some((s.formatted, s.bytes)),
                _ => None,
            })
            .collect();
        assert_eq!(
            flags,
            vec![(true, false), (false, true), (true, false), (false, false)]
        );
    }

    #[test]
    fn numbers_names_and_operators() {
        assert_eq!(
            kinds("x = -1_000 + 0x1F + 0o17 + 0b11 ** 2.5e-3 .5"),
            vec![
                TokKind::Name("x".into()),
                TokKind::Op("="),
                TokKind::Op("-"),
                TokKind::Int(1000),
                TokKind::Op("+"),
                TokKind::Int(31),
                TokKind::Op("+"),
                TokKind::Int(15),
                TokKind::Op("+"),
                TokKind::Int(3),
                TokKind::Op("**"),
                TokKind::Float(0.0025),
                TokKind::Float(0.5),
                TokKind::Newline,
                TokKind::Eof,
            ]
        );
    }

    #[test]
    fn newlines_end_statements_only_outside_brackets_and_comments_vanish() {
        let src = "a = {  # the config\n  'k': 1,\n}\nb = 2 \\\n  + 3\n\n";
        assert_eq!(
            kinds(src),
            vec![
                TokKind::Name("a".into()),
                TokKind::Op("="),
                TokKind::Op("{"),
                s("k"),
                TokKind::Op(":"),
                TokKind::Int(1),
                TokKind::Op(","),
                TokKind::Op("}"),
                TokKind::Newline,
                TokKind::Name("b".into()),
                TokKind::Op("="),
                TokKind::Int(2),
                TokKind::Op("+"),
                TokKind::Int(3),
                TokKind::Newline,
                TokKind::Eof,
            ]
        );
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let toks = tokenize("x = {\n  'é': lambda r: r,\n}");
        let at = |i: usize| (toks[i].at.line, toks[i].at.col, toks[i].len);
        assert_eq!(at(3), (2, 3, 3), "the string 'é'");
        assert_eq!(at(5), (2, 8, 6), "lambda");
    }

    #[test]
    fn unreadable_text_becomes_error_tokens_not_failures() {
        let toks = kinds("a = 'open\nb = $ 1j 99999999999999999999");
        assert_eq!(
            toks,
            vec![
                TokKind::Name("a".into()),
                TokKind::Op("="),
                TokKind::Error("this string is never closed on its line".into()),
                TokKind::Newline,
                TokKind::Name("b".into()),
                TokKind::Op("="),
                TokKind::Error("`$` is not Python".into()),
                TokKind::Error("a complex number has no JSON form".into()),
                TokKind::Error(
                    "the integer `99999999999999999999` does not fit in 64 bits, the largest a spec holds"
                        .into()
                ),
                TokKind::Newline,
                TokKind::Eof,
            ]
        );
    }
}
