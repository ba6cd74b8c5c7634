//! Reading the positioned tree into the [`crate::model`] types. Hand-written rather than
//! serde-driven so that every problem gets its own specific, located message and reading goes
//! on after one (every problem is reported at once).

mod auth;
mod contract;
mod credential;
mod duration;
mod paginator;
mod resource;
mod rust_path;
mod source;
mod steps;
mod table;

pub(crate) use auth::{dotted_keys, is_http_url};
pub use credential::{
    header_secret, is_credential_header, is_credential_param, is_literal, param_secret,
    URL_USER_SECRETS,
};
pub use duration::parse_duration;
pub(crate) use source::read_source;
pub(crate) use steps::template_fields;

use crate::diagnostic::{Diagnostic, Severity};
use crate::locate::SourceText;
use crate::parse::{Entry, Kind, Node, Span};

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let best = candidates
        .iter()
        .map(|c| (strsim::levenshtein(word, c), *c))
        .min_by_key(|(d, _)| *d)?;
    let limit = (word.chars().count() / 3).max(1);
    if best.0 <= limit || strsim::jaro_winkler(word, best.1) >= 0.9 {
        Some(best.1)
    } else {
        None
    }
}

/// `a`, `b`, `c` for help texts.
pub(crate) fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Help for keys dlt knows but a spec file cannot carry, or that sit at the wrong level.
const KEY_HELP: &[(&str, &str)] = &[
    ("incremental", "`incremental` belongs in `endpoint`"),
    (
        "session",
        "a requests Session is a Python object and cannot be written in a spec",
    ),
    (
        "convert",
        "`convert` is a Python callable and cannot be written in a spec",
    ),
    (
        "transform",
        "`transform` is a Python callable and cannot be written in a spec",
    ),
];

/// Joins a key path.
pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Collects diagnostics while reading one file.
pub(crate) struct Cx<'a> {
    src: &'a SourceText<'a>,
    /// Everything found so far.
    pub diags: Vec<Diagnostic>,
    /// Where literal credentials were written: masked in every diagnostic's source line at the
    /// end, since any diagnostic on the same line would otherwise show them.
    pub literals: Vec<Span>,
}

/// Masks every literal credential in the source lines of `diags`, by the literal's position:
/// replacing its value wherever it occurs would garble the line when a short value also occurs
/// elsewhere on it (`"ab"` in `"about"`). Columns and underlines move with the shorter line.
pub(crate) fn mask_literals(diags: &mut [Diagnostic], literals: &[Span], src: &SourceText<'_>) {
    let mut pieces: Vec<(usize, usize, usize)> =
        literals.iter().flat_map(|s| src.line_pieces(*s)).collect();
    // Right to left, so the columns of pieces still to mask stay valid.
    pieces.sort_by(|a, b| b.cmp(a));
    pieces.dedup();
    for d in diags {
        let line = d.line;
        for &(_, c0, c1) in pieces.iter().filter(|p| p.0 == line) {
            mask_piece(d, c0, c1);
        }
    }
}

/// Replaces characters `c0..c1` of `d`'s line (`"secret"` keeps its quotes: `"***"`).
fn mask_piece(d: &mut Diagnostic, c0: usize, c1: usize) {
    let chars: Vec<char> = d.source_line.chars().collect();
    if c0 >= c1 || c1 > chars.len() {
        return;
    }
    let token: String = chars[c0..c1].iter().collect();
    let quote: String = match token.chars().next() {
        Some(q @ ('"' | '\'')) => token.chars().take_while(|c| *c == q).take(3).collect(),
        _ => String::new(),
    };
    let quoted = !quote.is_empty() && token.len() >= 2 * quote.len() && token.ends_with(&quote);
    let replacement = if quoted {
        format!("{quote}***{quote}")
    } else {
        "***".to_string()
    };
    let new_len = replacement.chars().count();
    let mut line: String = chars[..c0].iter().collect();
    line.push_str(&replacement);
    line.extend(chars[c1..].iter());
    d.source_line = line;
    // Map the underline's ends (0-based, end exclusive) onto the masked line.
    let start = d.column.saturating_sub(1);
    let end = start + d.len.max(1);
    let map = |p: usize, is_end: bool| {
        if p <= c0 {
            p
        } else if p >= c1 {
            p - (c1 - c0) + new_len
        } else if is_end {
            c0 + new_len
        } else {
            c0
        }
    };
    let (s, e) = (map(start, false), map(end, true));
    d.column = s + 1;
    d.len = e.saturating_sub(s).max(1);
}

/// An object being read: its entries and key path.
pub(crate) struct Obj<'n> {
    pub node: &'n Node,
    entries: &'n [Entry],
    pub path: String,
}

impl<'n> Obj<'n> {
    /// The value of `key`, if written.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// The span of `key` itself, if written.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.key_span)
    }

    /// Path of a child key.
    pub fn at(&self, key: &str) -> String {
        child(&self.path, key)
    }
}

/// A typed reader for one value.
pub(crate) type Reader<'a, T> = fn(&mut Cx<'a>, &Node, &str) -> Option<T>;

impl<'a> Cx<'a> {
    pub fn new(src: &'a SourceText<'a>) -> Self {
        Cx {
            src,
            diags: Vec::new(),
            literals: Vec::new(),
        }
    }

    pub fn error(
        &mut self,
        span: Span,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self
            .src
            .diagnostic(Severity::Error, span, path, message.into(), help);
        self.diags.push(d);
    }

    pub fn warn(
        &mut self,
        span: Span,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self
            .src
            .diagnostic(Severity::Warning, span, path, message.into(), help);
        self.diags.push(d);
    }

    /// Whether any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == Severity::Error)
    }

    fn mismatch(&mut self, node: &Node, path: &str, expected: &str) {
        let found = node.kind.describe();
        self.error(
            node.span,
            path,
            format!("expected {expected}, found {found}"),
            None,
        );
    }

    /// `node` as an object whose keys are all in `allowed`; each unknown key is reported with
    /// the closest allowed key (or the full list).
    pub fn object<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        what: &str,
        allowed: &[&str],
    ) -> Option<Obj<'n>> {
        let Kind::Object(entries) = &node.kind else {
            self.mismatch(node, path, &format!("{what} (an object)"));
            return None;
        };
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                let special = KEY_HELP
                    .iter()
                    .find(|(k, _)| *k == e.key)
                    .map(|(_, h)| h.to_string());
                let help = match (special, suggest(&e.key, allowed)) {
                    (Some(h), _) => h,
                    (None, Some(s)) => format!("did you mean `{s}`?"),
                    (None, None) => format!("allowed keys: {}", list(allowed)),
                };
                let key_path = child(path, &e.key);
                self.error(
                    e.key_span,
                    &key_path,
                    format!("unknown key `{}` in {what}", e.key),
                    Some(help),
                );
            }
        }
        Some(Obj {
            node,
            entries,
            path: path.to_string(),
        })
    }

    /// `node` as an object with any keys.
    pub fn map<'n>(&mut self, node: &'n Node, path: &str, what: &str) -> Option<Obj<'n>> {
        let Kind::Object(entries) = &node.kind else {
            self.mismatch(node, path, &format!("{what} (an object)"));
            return None;
        };
        Some(Obj {
            node,
            entries,
            path: path.to_string(),
        })
    }

    /// An optional key read with `read`.
    /// An explicit `null` counts as absent, as dlt treats `None`.
    pub fn opt<T>(&mut self, o: &Obj<'_>, key: &str, read: Reader<'a, T>) -> Option<T> {
        let node = o.get(key).filter(|n| n.kind != Kind::Null)?;
        read(self, node, &o.at(key))
    }

    /// A required key read with `read`; a missing key is reported on the object.
    pub fn req<T>(&mut self, o: &Obj<'_>, key: &str, what: &str, read: Reader<'a, T>) -> Option<T> {
        match o.get(key) {
            Some(node) => read(self, node, &o.at(key)),
            None => {
                let span = opening(o.node.span);
                self.error(
                    span,
                    &o.path,
                    format!("missing required key `{key}` in {what}"),
                    None,
                );
                None
            }
        }
    }

    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => {
                self.mismatch(node, path, "a string");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.mismatch(node, path, "a boolean");
                None
            }
        }
    }

    fn int_in(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        match node.kind {
            Kind::Int(i) if i >= min && i <= max => Some(i),
            Kind::Int(i) => {
                self.error(
                    node.span,
                    path,
                    format!("{i} is out of range, expected {min} to {max}"),
                    None,
                );
                None
            }
            _ => {
                self.mismatch(node, path, "an integer");
                None
            }
        }
    }

    pub fn u64(&mut self, node: &Node, path: &str) -> Option<u64> {
        self.int_in(node, path, 0, i64::MAX).map(|i| i as u64)
    }

    pub fn u32(&mut self, node: &Node, path: &str) -> Option<u32> {
        self.int_in(node, path, 0, u32::MAX as i64)
            .map(|i| i as u32)
    }

    /// A count of at least one.
    pub fn positive_u32(&mut self, node: &Node, path: &str) -> Option<u32> {
        self.int_in(node, path, 1, u32::MAX as i64)
            .map(|i| i as u32)
    }

    pub fn status(&mut self, node: &Node, path: &str) -> Option<u16> {
        self.int_in(node, path, 100, 599).map(|i| i as u16)
    }

    /// A non-negative finite number (integers accepted).
    pub fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        let v = match node.kind {
            Kind::Int(i) => i as f64,
            Kind::Float(f) => f,
            _ => {
                self.mismatch(node, path, "a number");
                return None;
            }
        };
        if !v.is_finite() || v < 0.0 {
            self.error(
                node.span,
                path,
                "expected a finite, non-negative number",
                None,
            );
            return None;
        }
        Some(v)
    }

    pub fn json(&mut self, node: &Node, _path: &str) -> Option<serde_json::Value> {
        Some(node.to_json())
    }

    pub fn strings(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let Kind::Array(items) = &node.kind else {
            self.mismatch(node, path, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.string(item, &format!("{path}[{i}]")) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An object of arbitrary JSON values.
    pub fn json_map(
        &mut self,
        node: &Node,
        path: &str,
    ) -> Option<indexmap::IndexMap<String, serde_json::Value>> {
        let o = self.map(node, path, "an object")?;
        Some(
            o.entries
                .iter()
                .map(|e| (e.key.clone(), e.value.to_json()))
                .collect(),
        )
    }

    /// One of the names in `names`, with a did-you-mean on a typo.
    pub fn one_of(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        names: &[&str],
    ) -> Option<String> {
        let s = self.string(node, path)?;
        if names.contains(&s.as_str()) {
            return Some(s);
        }
        let help = match suggest(&s, names) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("expected one of {}", list(names)),
        };
        self.error(node.span, path, format!("unknown {what} `{s}`"), Some(help));
        None
    }
}

/// The first character of a span: objects are reported at their opening brace.
pub(crate) fn opening(span: Span) -> Span {
    Span::new(span.start, span.start + 1)
}

#[cfg(test)]
mod schema_keys;
