//! TOML through `toml`'s spanned document API, converted to the shared tree.

use super::{Entry, Kind, Node, Span, SyntaxError};
use toml::de::{DeTable, DeValue};

pub(super) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let doc = DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        SyntaxError {
            span: Span::new(span.start, span.end),
            message: e.message().trim_end().to_string(),
        }
    })?;
    let span = doc.span();
    Ok(Node {
        kind: table(doc.get_ref()),
        span: Span::new(span.start, span.end),
    })
}

fn table(t: &DeTable<'_>) -> Kind {
    Kind::Object(
        t.iter()
            .map(|(k, v)| {
                let ks = k.span();
                Entry {
                    key: k.get_ref().to_string(),
                    key_span: Span::new(ks.start, ks.end),
                    value: node(v),
                }
            })
            .collect(),
    )
}

fn node(v: &toml::Spanned<DeValue<'_>>) -> Node {
    let s = v.span();
    let kind = match v.get_ref() {
        DeValue::String(s) => Kind::Str(s.to_string()),
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            match i64::from_str_radix(&digits, i.radix()) {
                Ok(n) => Kind::Int(n),
                Err(_) => digits.parse::<f64>().map(Kind::Float).unwrap_or(Kind::Null),
            }
        }
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .map(Kind::Float)
            .unwrap_or(Kind::Null),
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(d) => Kind::Str(d.to_string()),
        DeValue::Array(a) => Kind::Array(a.iter().map(node).collect()),
        DeValue::Table(t) => table(t),
    };
    Node {
        kind,
        span: Span::new(s.start, s.end),
    }
}
