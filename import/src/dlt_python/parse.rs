//! Python expressions, read far enough to tell a literal from everything else. Literals become
//! [`Expr`] trees; names, subscripts and calls are kept (the converter decides which of them
//! mean something, such as `dlt.secrets["key"]` or `OffsetPaginator(limit=100)`); anything else
//! (a lambda, a comprehension, an operator, an f-string) becomes [`ExprKind::Unsupported`] at
//! its place and the reader skips to the next `,` or closing bracket, so every problem in the
//! config is found in one pass.

use super::lex::{Pos, TokKind, Token};

/// An expression and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Where it starts in the `.py` file.
    pub at: Pos,
    /// Characters of its first token, for the underline.
    pub len: usize,
    /// What it is.
    pub kind: ExprKind,
}

/// The forms of a Python expression the converter looks at.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `{k: v, **spread}`.
    Dict(Vec<DictItem>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `(a, b)`.
    Tuple(Vec<Expr>),
    /// A string (implicit concatenations already joined).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A name or dotted name: `dlt.secrets.value`, `access_token`.
    Name(String),
    /// `base[index]`.
    Subscript(Box<Expr>, Box<Expr>),
    /// `func(args, key=value)`, where `func` is a (dotted) name.
    Call {
        /// The called name, dotted.
        func: String,
        /// Positional arguments.
        args: Vec<Expr>,
        /// Keyword arguments, in order.
        kwargs: Vec<(String, Expr)>,
    },
    /// Something that is not a literal: what it is and what to write instead.
    Unsupported {
        /// What was found ("a lambda").
        what: String,
        /// What to write instead, when there is one thing to say.
        help: Option<String>,
    },
}

/// One member of a dict display.
#[derive(Debug, Clone, PartialEq)]
pub enum DictItem {
    /// `key: value`.
    Pair(Expr, Expr),
    /// `**other` or another member that cannot be read (an [`ExprKind::Unsupported`]).
    Bad(Expr),
}

/// Reads expressions from a token slice, starting anywhere in it.
pub struct Parser<'t> {
    toks: &'t [Token],
    i: usize,
}

const CLOSERS: &[&str] = &[")", "]", "}"];

impl<'t> Parser<'t> {
    /// A reader positioned at token `i`.
    pub fn at(toks: &'t [Token], i: usize) -> Self {
        Parser { toks, i }
    }

    /// The index of the next token.
    pub fn index(&self) -> usize {
        self.i
    }

    fn peek(&self) -> &'t Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[self.i.min(last)]
    }

    fn next(&mut self) -> &'t Token {
        let t = self.peek();
        if !matches!(t.kind, TokKind::Eof) {
            self.i += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek().kind, TokKind::Op(o) if o == op)
    }

    fn is_name(&self, name: &str) -> bool {
        matches!(&self.peek().kind, TokKind::Name(n) if n == name)
    }

    /// Whether the next token ends an expression inside a display or an argument list.
    fn at_end(&self) -> bool {
        match &self.peek().kind {
            TokKind::Op(o) => [",", ":", ")", "]", "}", "="].contains(o),
            TokKind::Name(n) => n == "for" || n == "async",
            TokKind::Newline | TokKind::Eof => true,
            _ => false,
        }
    }

    /// Skips to the next `,` or closing bracket outside brackets (`:` too when `colon`).
    fn skip_rest(&mut self, colon: bool) {
        let mut depth = 0usize;
        loop {
            match &self.peek().kind {
                TokKind::Eof => return,
                TokKind::Newline if depth == 0 => return,
                TokKind::Op(o) if depth == 0 && (*o == "," || (colon && *o == ":")) => return,
                TokKind::Op(o) if CLOSERS.contains(o) => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                TokKind::Op("(" | "[" | "{") => depth += 1,
                _ => {}
            }
            self.next();
        }
    }

    fn unsupported(tok: &Token, what: impl Into<String>, help: Option<String>) -> Expr {
        Expr {
            at: tok.at,
            len: tok.len,
            kind: ExprKind::Unsupported {
                what: what.into(),
                help,
            },
        }
    }

    /// One expression; whatever follows it up to the next `,` or closing bracket that is not
    /// part of a literal makes the whole an [`ExprKind::Unsupported`] at that token.
    pub fn expr(&mut self) -> Expr {
        let e = self.primary();
        if self.at_end() || matches!(e.kind, ExprKind::Unsupported { .. }) {
            if !self.at_end() {
                self.skip_rest(false);
            }
            return e;
        }
        let tok = self.peek();
        let what = match &tok.kind {
            TokKind::Name(n) if n == "if" => "a conditional expression (`… if … else …`)".into(),
            TokKind::Name(n) => format!("an expression with `{n}`"),
            TokKind::Op(o) => format!("an expression with the operator `{o}`"),
            TokKind::Str(_) => "a string after a value that is not a string".into(),
            _ => "an expression that is not a literal".into(),
        };
        let help = Some("the value is computed when Python runs; write the result here".into());
        let bad = Self::unsupported(tok, what, help);
        self.skip_rest(false);
        bad
    }

    fn primary(&mut self) -> Expr {
        let tok = self.peek();
        let lit = |kind| Expr {
            at: tok.at,
            len: tok.len,
            kind,
        };
        match &tok.kind {
            TokKind::Str(_) => self.strings(),
            TokKind::Int(n) => {
                self.next();
                lit(ExprKind::Int(*n))
            }
            TokKind::Float(f) => {
                self.next();
                lit(ExprKind::Float(*f))
            }
            TokKind::Op(sign @ ("-" | "+")) => {
                self.next();
                let inner = self.primary();
                let negate = *sign == "-";
                let kind = match inner.kind {
                    ExprKind::Int(n) if negate => ExprKind::Int(-n),
                    ExprKind::Float(f) if negate => ExprKind::Float(-f),
                    k @ (ExprKind::Int(_) | ExprKind::Float(_)) => k,
                    ExprKind::Unsupported { .. } => return inner,
                    _ => {
                        return Self::unsupported(
                            tok,
                            format!("the operator `{sign}` on a value that is not a number"),
                            None,
                        )
                    }
                };
                lit(kind)
            }
            TokKind::Op("{") => self.dict(),
            TokKind::Op("[") => self.list(),
            TokKind::Op("(") => self.paren(),
            TokKind::Name(n) => match n.as_str() {
                "True" | "False" => {
                    self.next();
                    lit(ExprKind::Bool(n == "True"))
                }
                "None" => {
                    self.next();
                    lit(ExprKind::None)
                }
                "lambda" => {
                    // A lambda's own `:` is not the end of a dict key.
                    self.skip_rest(true);
                    if self.is_op(":") {
                        self.next();
                    }
                    self.skip_rest(false);
                    Self::unsupported(tok, "a lambda", None)
                }
                "not" | "await" | "yield" => {
                    self.skip_rest(false);
                    Self::unsupported(tok, format!("an expression with `{n}`"), None)
                }
                _ => self.reference(),
            },
            TokKind::Error(why) => {
                self.next();
                Self::unsupported(tok, why.clone(), None)
            }
            TokKind::Op(op @ ("*" | "**")) => {
                self.next();
                self.skip_rest(false);
                Self::unsupported(
                    tok,
                    format!("a `{op}` unpacking"),
                    Some("write the members here one by one".into()),
                )
            }
            TokKind::Eof => Self::unsupported(tok, "the end of the file inside the config", None),
            other => {
                let shown = match other {
                    TokKind::Op(o) => format!("`{o}`"),
                    _ => "a line break".into(),
                };
                self.skip_rest(false);
                Self::unsupported(tok, format!("{shown} where a value was expected"), None)
            }
        }
    }

    /// Adjacent string literals, joined as Python joins them (`"a" "b"` is `"ab"`).
    fn strings(&mut self) -> Expr {
        let first = self.peek();
        let mut value = String::new();
        let mut bad = None;
        while let TokKind::Str(s) = &self.peek().kind {
            let tok = self.next();
            if bad.is_some() {
                continue;
            }
            if s.formatted {
                let help = "its value is computed when Python runs; write the whole string (a placeholder such as `{resources.users.id}` is written as a plain string)";
                bad = Some(Self::unsupported(tok, "an f-string", Some(help.into())));
            } else if s.bytes {
                let help = "write a text string (without the `b` prefix)";
                bad = Some(Self::unsupported(tok, "a bytes literal", Some(help.into())));
            } else {
                value.push_str(&s.value);
            }
        }
        bad.unwrap_or(Expr {
            at: first.at,
            len: first.len,
            kind: ExprKind::Str(value),
        })
    }

    /// A name, then at most one subscript or call: `dlt.secrets["key"]`, `os.getenv("KEY")`,
    /// `OffsetPaginator(limit=100)`. Longer chains are unsupported.
    fn reference(&mut self) -> Expr {
        let first = self.next();
        let mut name = match &first.kind {
            TokKind::Name(n) => n.clone(),
            _ => String::new(),
        };
        while self.is_op(".") {
            self.next();
            match &self.peek().kind {
                TokKind::Name(n) => {
                    name.push('.');
                    name.push_str(n);
                    self.next();
                }
                _ => {
                    self.skip_rest(false);
                    return Self::unsupported(first, "an attribute that is not a name", None);
                }
            }
        }
        let base = Expr {
            at: first.at,
            len: name.chars().count(),
            kind: ExprKind::Name(name.clone()),
        };
        let e = if self.is_op("[") {
            self.next();
            let index = self.expr();
            if !self.is_op("]") {
                self.skip_rest(false);
                return Self::unsupported(self.peek(), "a subscript that is not one value", None);
            }
            self.next();
            Expr {
                kind: ExprKind::Subscript(Box::new(base.clone()), Box::new(index)),
                ..base
            }
        } else if self.is_op("(") {
            self.next();
            let (args, kwargs) = self.arguments();
            Expr {
                kind: ExprKind::Call {
                    func: name,
                    args,
                    kwargs,
                },
                ..base
            }
        } else {
            return base;
        };
        if self.is_op(".") || self.is_op("[") || self.is_op("(") {
            let tok = self.peek();
            self.skip_rest(false);
            return Self::unsupported(
                tok,
                "a method call or subscript on a computed value",
                Some("the value is computed when Python runs; write the result here".into()),
            );
        }
        e
    }

    /// Call arguments after `(`, through the closing `)`.
    pub fn arguments(&mut self) -> (Vec<Expr>, Vec<(String, Expr)>) {
        let (mut args, mut kwargs) = (Vec::new(), Vec::new());
        while !self.is_op(")") && !matches!(self.peek().kind, TokKind::Eof) {
            let keyword = match (&self.peek().kind, self.toks.get(self.i + 1)) {
                (TokKind::Name(n), Some(t)) if t.kind == TokKind::Op("=") => Some(n.clone()),
                _ => None,
            };
            match keyword {
                Some(k) => {
                    self.next();
                    self.next();
                    kwargs.push((k, self.expr()));
                }
                None => args.push(self.expr()),
            }
            if self.is_name("for") {
                let tok = self.peek();
                self.skip_rest(false);
                args.push(Self::unsupported(tok, "a generator expression", None));
            }
            if self.is_op(",") {
                self.next();
            } else if !self.is_op(")") {
                // A stray token (`:` or `=` where it cannot be): report it and move on.
                let tok = self.next();
                args.push(Self::unsupported(
                    tok,
                    "an argument that is not a value",
                    None,
                ));
            }
        }
        self.next();
        (args, kwargs)
    }

    /// Skips through the `close` that ends the display being read.
    fn skip_display(&mut self, close: &str) {
        loop {
            self.skip_rest(false);
            if self.is_op(close) || matches!(self.peek().kind, TokKind::Eof) {
                break;
            }
            self.next();
        }
        self.next();
    }

    /// Reads the members of a display up to `close`: `member` reads one (and its `,` is
    /// handled here). A comprehension or a bad member replaces the whole display. Returns how
    /// many `,` separated its members.
    fn display(
        &mut self,
        close: &str,
        kind: &str,
        mut member: impl FnMut(&mut Self) -> Option<Expr>,
    ) -> Result<usize, Expr> {
        let open = self.next();
        let mut commas = 0;
        loop {
            if self.is_op(close) {
                self.next();
                return Ok(commas);
            }
            if matches!(self.peek().kind, TokKind::Eof) {
                return Err(Self::unsupported(
                    open,
                    format!("a `{}` that is never closed", open_of(close)),
                    None,
                ));
            }
            if let Some(bad) = member(self) {
                self.skip_display(close);
                return Err(bad);
            }
            if self.is_name("for") || self.is_name("async") {
                let tok = self.peek();
                self.skip_display(close);
                return Err(Self::unsupported(
                    tok,
                    format!("a {kind} comprehension"),
                    Some(format!(
                        "the {kind} is computed when Python runs; write its members here"
                    )),
                ));
            }
            if self.is_op(",") {
                commas += 1;
                self.next();
            } else if !self.is_op(close) {
                let tok = self.peek();
                let shown = match &tok.kind {
                    TokKind::Op(o) => format!("`{o}`"),
                    _ => "a token".into(),
                };
                self.skip_display(close);
                return Err(Self::unsupported(
                    tok,
                    format!("{shown} where `,` or `{close}` was expected"),
                    None,
                ));
            }
        }
    }

    fn dict(&mut self) -> Expr {
        let open = self.peek();
        let mut items = Vec::new();
        let done = self.display("}", "dict", |p| {
            if p.is_op("**") {
                let tok = p.next();
                let _ = p.expr();
                items.push(DictItem::Bad(Self::unsupported(
                    tok,
                    "a `**` spread",
                    Some("write the keys of the spread dict here one by one".into()),
                )));
                return None;
            }
            let key = p.expr();
            if !p.is_op(":") {
                if p.is_name("for") {
                    return None;
                }
                return Some(Self::unsupported(
                    open,
                    "a set (or a dict member without `:`)",
                    Some("a spec has no sets: write a list `[…]`".into()),
                ));
            }
            p.next();
            let value = p.expr();
            items.push(DictItem::Pair(key, value));
            None
        });
        match done {
            Ok(_) => Expr {
                at: open.at,
                len: 1,
                kind: ExprKind::Dict(items),
            },
            Err(bad) => bad,
        }
    }

    fn list(&mut self) -> Expr {
        let open = self.peek();
        let mut items = Vec::new();
        let done = self.display("]", "list", |p| {
            items.push(p.expr());
            None
        });
        match done {
            Ok(_) => Expr {
                at: open.at,
                len: 1,
                kind: ExprKind::List(items),
            },
            Err(bad) => bad,
        }
    }

    /// `(a)` is `a`; `()`, `(a,)` and `(a, b)` are tuples.
    fn paren(&mut self) -> Expr {
        let open = self.peek();
        let mut items = Vec::new();
        let commas = match self.display(")", "generator", |p| {
            items.push(p.expr());
            None
        }) {
            Ok(commas) => commas,
            Err(bad) => return bad,
        };
        if items.len() == 1 && commas == 0 {
            return items.remove(0);
        }
        Expr {
            at: open.at,
            len: 1,
            kind: ExprKind::Tuple(items),
        }
    }
}

fn open_of(close: &str) -> &'static str {
    match close {
        ")" => "(",
        "]" => "[",
        _ => "{",
    }
}
