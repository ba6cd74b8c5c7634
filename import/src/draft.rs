//! A spec written by a program: its value, the comments that explain its guesses, and how it
//! prints as TOML or JSON.
//!
//! The TOML printer is written here rather than taken from the `toml` crate because a draft's
//! comments must sit beside the key they explain ("paginator = auto, because …"), and because
//! the layout should read like a hand-written spec: small objects of scalars inline
//! (`paginator = { type = "offset", limit = 100 }`), larger ones as `[sections]`, lists of
//! objects as `[[arrays]]`.

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// One step into a JSON value: an object key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A key of an object.
    Key(String),
    /// An element of an array.
    Index(usize),
}

/// Where in a draft's value a comment belongs, from the root (`resources`, 0, `endpoint`, …).
pub type Place = Vec<Seg>;

/// A spec produced by an importer.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The spec in the shape `restsource validate` reads (an object). `null` values mean "not
    /// set" and are left out of the printed spec, since TOML has no null.
    pub spec: Value,
    /// Comments printed on the lines before the key (or section) at each place: why a guess
    /// was made, what the user should check.
    pub comments: Vec<(Place, String)>,
    /// Comments printed at the top of the file, before any key.
    pub header: Vec<String>,
}

/// Inline objects and arrays longer than this many characters print as sections instead.
const INLINE_WIDTH: usize = 90;

impl Draft {
    /// The spec as pretty-printed JSON (comments and header are not representable in JSON and
    /// are left out; print [`Draft::header`] separately if they matter).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&strip_nulls(&self.spec)).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The spec as TOML, with the header at the top and each comment before its key.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            push_comment(&mut out, line);
        }
        let spec = strip_nulls(&self.spec);
        if let Value::Object(root) = &spec {
            if !self.header.is_empty() && !root.is_empty() {
                out.push('\n');
            }
            let mut printer = Printer {
                out,
                comments: &self.comments,
            };
            printer.table_body(&mut Vec::new(), root);
            out = printer.out;
        }
        out
    }
}

struct Printer<'a> {
    out: String,
    comments: &'a [(Place, String)],
}

impl Printer<'_> {
    fn comment_at(&mut self, place: &[Seg]) {
        for (at, text) in self.comments {
            if at.as_slice() == place {
                push_comment(&mut self.out, text);
            }
        }
    }

    /// Comments at `place` and at places inside it: a value printed inline on one line has
    /// no lines of its own for the comments of its members.
    fn comments_within(&mut self, place: &[Seg]) {
        for (at, text) in self.comments {
            if at.starts_with(place) {
                push_comment(&mut self.out, text);
            }
        }
    }

    /// The keys of one table: scalars and inline values first (they belong to the header just
    /// printed), then sub-tables, then arrays of tables, as TOML requires.
    fn table_body(&mut self, place: &mut Place, table: &Map<String, Value>) {
        let mut sections = Vec::new();
        for (key, value) in table {
            place.push(Seg::Key(key.clone()));
            // A comment inside an inline value would be lost: such a value is a section.
            let commented = self
                .comments
                .iter()
                .any(|(at, _)| at.len() > place.len() && at.starts_with(place));
            let layout = match value {
                Value::Object(_) if commented => Layout::Table,
                Value::Array(items) if commented && items.iter().all(Value::is_object) => {
                    Layout::ArrayOfTables
                }
                _ => layout(value, place.len() == 1),
            };
            match layout {
                Layout::Inline(text) => {
                    self.comments_within(place);
                    let _ = writeln!(self.out, "{} = {text}", toml_key(key));
                }
                Layout::Table | Layout::ArrayOfTables => sections.push((key, value)),
            }
            place.pop();
        }
        // Sub-tables before arrays of tables keeps `[client]` above `[[resources]]`, as specs
        // written by hand have it.
        sections.sort_by_key(|(_, value)| value.is_array());
        for (key, value) in sections {
            place.push(Seg::Key(key.clone()));
            match value {
                Value::Object(sub) => {
                    self.out.push('\n');
                    self.comment_at(place);
                    let _ = writeln!(self.out, "[{}]", header(place));
                    self.table_body(place, sub);
                }
                Value::Array(items) => {
                    self.comment_at(place);
                    for (index, item) in items.iter().enumerate() {
                        place.push(Seg::Index(index));
                        self.out.push('\n');
                        self.comment_at(place);
                        let _ = writeln!(self.out, "[[{}]]", header(place));
                        if let Value::Object(sub) = item {
                            self.table_body(place, sub);
                        }
                        place.pop();
                    }
                }
                _ => {}
            }
            place.pop();
        }
    }
}

enum Layout {
    Inline(String),
    Table,
    ArrayOfTables,
}

/// How a value prints. Objects under the root's own keys (`[client]`) are always sections;
/// deeper objects at most two levels deep print inline when they fit on a line
/// (`auth = { type = "api_key", api_key = { secret = "key" } }`).
fn layout(value: &Value, top: bool) -> Layout {
    match value {
        Value::Object(_) => {
            let text = inline(value);
            if !top && depth(value) <= 2 && text.len() <= INLINE_WIDTH {
                Layout::Inline(text)
            } else {
                Layout::Table
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let text = inline(value);
            if text.len() <= INLINE_WIDTH && items.iter().all(|item| depth(item) <= 1) {
                Layout::Inline(text)
            } else {
                Layout::ArrayOfTables
            }
        }
        _ => Layout::Inline(inline(value)),
    }
}

/// How many levels of objects a value nests: a scalar 0, `{a = 1}` 1, `{a = {b = 1}}` 2.
fn depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        Value::Array(items) => items.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A value on one line: `"text"`, `3`, `[1, 2]`, `{ type = "offset", limit = 100 }`.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => toml_string(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// TOML floats need a fraction or exponent, and have no NaN in JSON anyway.
fn number(n: &serde_json::Number) -> String {
    let text = n.to_string();
    if n.is_f64() && !text.contains(['.', 'e', 'E']) {
        format!("{text}.0")
    } else {
        text
    }
}

/// The dotted header of the table at `place` (`resources.endpoint`): array indexes are implied
/// by the `[[…]]` order, so they are skipped.
fn header(place: &[Seg]) -> String {
    let keys: Vec<String> = place
        .iter()
        .filter_map(|seg| match seg {
            Seg::Key(k) => Some(toml_key(k)),
            Seg::Index(_) => None,
        })
        .collect();
    keys.join(".")
}

fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn push_comment(out: &mut String, text: &str) {
    if text.is_empty() {
        out.push_str("#\n");
    }
    for line in text.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
}

/// The value without `null` members or elements: TOML cannot say null, and a draft's `null`
/// means "not set".
fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(strip_nulls)
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "name": "shop",
            "client": {
                "base_url": "https://api.example.com/v1",
                "auth": { "type": "bearer", "token": { "secret": "token" } },
            },
            "resource_defaults": { "primary_key": "id", "write_disposition": "merge" },
            "resources": [
                {
                    "name": "users",
                    "endpoint": {
                        "path": "/users",
                        "data_selector": "data",
                        "paginator": { "type": "offset", "limit": 100 },
                        "params": { "since": null, "q": "a \"b\"\n", "ratio": 1.0 },
                    },
                    "columns": { "id": { "data_type": "bigint", "nullable": false } },
                },
                "not an object",
                {
                    "name": "posts",
                    "endpoint": {
                        "path": "/users/{user_id}/posts",
                        "params": {
                            "user_id": { "type": "resolve", "resource": "users", "field": "id" },
                        },
                    },
                    "processing_steps": [ { "filter": "x" } ],
                },
            ],
        })
    }

    #[test]
    fn toml_reads_back_as_the_same_value_without_nulls() {
        let draft = Draft {
            spec: spec(),
            ..Draft::default()
        };
        let text = draft.to_toml();
        // The string element cannot be an array-of-tables member; arrays mixing objects and
        // scalars print inline, which must still read back.
        let back: Value = toml::from_str::<toml::Value>(&text)
            .map(|v| serde_json::to_value(v).unwrap())
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, strip_nulls(&spec()), "{text}");
    }

    #[test]
    fn toml_layout_and_comments_read_like_a_hand_written_spec() {
        let mut spec = spec();
        spec["resources"].as_array_mut().unwrap().remove(1);
        let draft = Draft {
            spec,
            header: vec!["Written by a test.".into(), String::new()],
            comments: vec![
                (
                    vec![
                        Seg::Key("resources".into()),
                        Seg::Index(0),
                        Seg::Key("endpoint".into()),
                        Seg::Key("paginator".into()),
                    ],
                    "offset: the endpoint takes `offset` and `limit`".into(),
                ),
                (
                    vec![Seg::Key("resources".into()), Seg::Index(1)],
                    "child of users".into(),
                ),
            ],
        };
        let expected = r#"# Written by a test.
#

name = "shop"

[client]
base_url = "https://api.example.com/v1"
auth = { type = "bearer", token = { secret = "token" } }

[resource_defaults]
primary_key = "id"
write_disposition = "merge"

[[resources]]
name = "users"
columns = { id = { data_type = "bigint", nullable = false } }

[resources.endpoint]
path = "/users"
data_selector = "data"
# offset: the endpoint takes `offset` and `limit`
paginator = { type = "offset", limit = 100 }
params = { q = "a \"b\"\n", ratio = 1.0 }

# child of users
[[resources]]
name = "posts"
processing_steps = [{ filter = "x" }]

[resources.endpoint]
path = "/users/{user_id}/posts"
params = { user_id = { type = "resolve", resource = "users", field = "id" } }
"#;
        assert_eq!(draft.to_toml(), expected);
    }
}
