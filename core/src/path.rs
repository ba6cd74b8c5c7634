//! Compiled JSONPaths: the steps the spec's paths are parsed into at compile time, and the one
//! walk that follows them through a JSON value at run time.

use std::borrow::Cow;

use serde_json::Value;

/// One step of a compiled JSONPath (the subset dlt users write: dotted names, `[n]`, `[*]`,
/// `['name']`).
///
/// A key is a `Cow` so that one type serves both sides: generated code holds paths as
/// `const` slices of borrowed keys ([`PathStep::key`] is a `const fn`), while the spec's
/// resolver and the run-time detection of a selector build owned ones. Reading a key is a
/// plain deref either way, so following a static path allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name` or `['name']`.
    Key(Cow<'static, str>),
    /// `[n]`; a negative index counts from the end.
    Index(i64),
    /// `[*]` or `.*`: every element of a list, every value of an object.
    Wildcard,
}

impl PathStep {
    /// A key step borrowing a `'static` name, usable in `const` items.
    pub const fn key(name: &'static str) -> PathStep {
        PathStep::Key(Cow::Borrowed(name))
    }

    /// The key's name, when this step is a key.
    pub fn as_key(&self) -> Option<&str> {
        match self {
            PathStep::Key(k) => Some(k),
            _ => None,
        }
    }
}

/// A compiled path: borrowed from generated code's constants, or owned when built at run time
/// (a selector or paginator detected on the first page).
pub type Path = Cow<'static, [PathStep]>;

/// The first match of `path` in `value` (dlt takes the first JSONPath match): a key of an
/// object, an element of a list, or, through a wildcard, the first element or value under
/// which the rest of the path matches. An empty path is `value` itself.
pub fn walk<'v>(value: &'v Value, path: &[PathStep]) -> Option<&'v Value> {
    let Some((step, rest)) = path.split_first() else {
        return Some(value);
    };
    match (step, value) {
        (PathStep::Key(k), Value::Object(m)) => walk(m.get(k.as_ref())?, rest),
        (PathStep::Index(i), Value::Array(a)) => {
            let idx = if *i < 0 { a.len() as i64 + i } else { *i };
            walk(a.get(usize::try_from(idx).ok()?)?, rest)
        }
        (PathStep::Wildcard, Value::Array(a)) => a.iter().find_map(|v| walk(v, rest)),
        (PathStep::Wildcard, Value::Object(m)) => m.values().find_map(|v| walk(v, rest)),
        _ => None,
    }
}

/// Renders a path the way users write it (`data.items[0]`, `$` for the root), for messages.
pub fn path_text(path: &[PathStep]) -> String {
    if path.is_empty() {
        return "$".to_string();
    }
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Wildcard => out.push_str("[*]"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DATA_ITEMS: &[PathStep] = &[PathStep::key("data"), PathStep::key("items")];

    #[test]
    fn walk_follows_keys_indexes_and_wildcards() {
        let v = json!({"data": {"items": [{"id": 1}, {"id": 2}, {"name": "x"}]}});
        assert_eq!(
            walk(&v, DATA_ITEMS),
            Some(&json!([{"id": 1}, {"id": 2}, {"name": "x"}]))
        );
        let last = [
            PathStep::key("data"),
            PathStep::key("items"),
            PathStep::Index(-1),
        ];
        assert_eq!(walk(&v, &last), Some(&json!({"name": "x"})));
        let name = [
            PathStep::key("data"),
            PathStep::key("items"),
            PathStep::Wildcard,
            PathStep::Key("name".to_string().into()),
        ];
        assert_eq!(walk(&v, &name), Some(&json!("x")));
        assert_eq!(walk(&v, &[PathStep::key("nope")]), None);
        assert_eq!(walk(&v, &[PathStep::Index(0)]), None);
        assert_eq!(walk(&v, &[]), Some(&v));
    }

    #[test]
    fn text_reads_like_the_spec() {
        assert_eq!(path_text(&[]), "$");
        let p = [
            PathStep::key("data"),
            PathStep::Index(0),
            PathStep::Wildcard,
        ];
        assert_eq!(path_text(&p), "data[0][*]");
    }
}
