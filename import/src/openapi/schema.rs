//! Response schemas as the shapes a record has: typed scalars, objects with ordered
//! properties, lists, and JSON where a schema cannot say more.
//!
//! The rules (README, *Start from an OpenAPI document*):
//! - `$ref` is followed inside the document; a schema reached again while it is being read
//!   (a recursive `Node.children: [Node]`) is kept as JSON from there on, and reported;
//! - `allOf` merges its parts (properties of every part, required in any);
//! - `oneOf`/`anyOf` widen their variants as a declared column must: one type when all agree,
//!   `bigint` with `double` is `double`, a number with `decimal` is `decimal`, strings of
//!   different formats are `text`, objects merge their properties (none required); anything
//!   else (a number or a string) is `json`. Run-time loading still gives a value that does not
//!   fit its column a variant column, as dlt does, so nothing is lost;
//! - `nullable: true` (3.0) and `type: [x, "null"]` or a `null` variant (3.1) make it nullable;
//! - formats: `date-time` timestamp, `date` date, `time` time, `byte` binary, `decimal` (or an
//!   `x-` key whose value is `decimal`) decimal, integers bigint, other numbers double; an
//!   enum of strings is text.

use restsource_core::DataType;
use serde_json::{Map, Value};

use super::document::Document;

/// What a schema says a value is.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// One typed value.
    Scalar(DataType),
    /// An object with known properties, in the document's order.
    Object(Vec<Prop>),
    /// A list of elements of one shape.
    Array(Box<Node>),
    /// Any JSON (free-form objects, maps with arbitrary keys, mixed variants, recursion).
    Json,
    /// No constraint at all (`{}` or only a description): `allOf` ignores it, elsewhere JSON.
    Any,
}

/// A shape and whether it may be `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value's shape.
    pub shape: Shape,
    /// Whether `null` is allowed.
    pub nullable: bool,
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// The key as the API writes it.
    pub name: String,
    /// Its value.
    pub node: Node,
    /// Whether the schema lists it in `required`.
    pub required: bool,
}

impl Node {
    fn json() -> Node {
        Node {
            shape: Shape::Json,
            nullable: true,
        }
    }
}

/// Reads schemas of one document, collecting what it could not follow.
pub struct Reader<'a> {
    doc: &'a Document,
    /// The references being read, innermost last: meeting one again is recursion.
    stack: Vec<String>,
    /// What was kept as JSON and why (`<where>: <why>`), for the report.
    pub problems: Vec<String>,
}

impl<'a> Reader<'a> {
    /// A reader of `doc`'s schemas.
    pub fn new(doc: &'a Document) -> Reader<'a> {
        Reader {
            doc,
            stack: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The shape of `schema`; `at` names its place for the report.
    pub fn node(&mut self, schema: &Value, at: &str) -> Node {
        let (schema, chain) = match self.doc.deref(schema) {
            Ok(found) => found,
            Err(problem) => {
                self.problems.push(format!("{at}: {problem}; kept as JSON"));
                return Node::json();
            }
        };
        if let Some(again) = chain.iter().find(|r| self.stack.contains(r)) {
            self.problems.push(format!(
                "{at}: `{again}` contains itself; kept as JSON from here"
            ));
            return Node::json();
        }
        let depth = self.stack.len();
        self.stack.extend(chain);
        let node = self.resolved(schema, at);
        self.stack.truncate(depth);
        node
    }

    fn resolved(&mut self, schema: &Value, at: &str) -> Node {
        let Some(obj) = schema.as_object() else {
            // `true` accepts anything, `false` nothing: neither says a type.
            return Node {
                shape: Shape::Any,
                nullable: false,
            };
        };
        let mut node = self.own(obj, at);
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array) {
            for (i, part) in parts.iter().enumerate() {
                let part = self.node(part, &format!("{at}.allOf[{i}]"));
                node = merge(node, part);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = obj.get(key).and_then(Value::as_array) {
                let mut widened: Option<Node> = None;
                for (i, v) in variants.iter().enumerate() {
                    let v = self.node(v, &format!("{at}.{key}[{i}]"));
                    widened = Some(match widened {
                        None => v,
                        Some(w) => widen(w, v),
                    });
                }
                if let Some(w) = widened {
                    node = merge(node, w);
                }
            }
        }
        if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
            node.nullable = true;
        }
        node
    }

    /// The schema's own keywords, without `allOf`/`oneOf`/`anyOf`.
    fn own(&mut self, obj: &Map<String, Value>, at: &str) -> Node {
        let mut nullable = false;
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut types: Vec<&str> = types
            .into_iter()
            .filter(|t| {
                let null = *t == "null";
                nullable |= null;
                !null
            })
            .collect();
        if types.is_empty() {
            if obj.contains_key("properties") {
                types.push("object");
            } else if obj.contains_key("items") {
                types.push("array");
            } else if let Some(values) = obj.get("enum").and_then(Value::as_array) {
                nullable |= values.iter().any(Value::is_null);
                types.push(enum_type(values));
            }
        }
        let mut shapes = types.iter().map(|t| self.typed(t, obj, at));
        let first = shapes.next();
        let shape = match first {
            None => Shape::Any,
            Some(first) => shapes.fold(first, widen_shape),
        };
        Node { shape, nullable }
    }

    fn typed(&mut self, t: &str, obj: &Map<String, Value>, at: &str) -> Shape {
        let format = obj.get("format").and_then(Value::as_str).unwrap_or("");
        let decimal = format == "decimal" || x_hint_decimal(obj);
        match t {
            "integer" if decimal => Shape::Scalar(DataType::Decimal),
            "integer" => Shape::Scalar(DataType::Bigint),
            "number" if decimal => Shape::Scalar(DataType::Decimal),
            "number" => Shape::Scalar(DataType::Double),
            "boolean" => Shape::Scalar(DataType::Bool),
            "string" if decimal => Shape::Scalar(DataType::Decimal),
            "string" => Shape::Scalar(match format {
                "date-time" => DataType::Timestamp,
                "date" => DataType::Date,
                "time" => DataType::Time,
                "byte" => DataType::Binary,
                _ => DataType::Text,
            }),
            "array" => match obj.get("items") {
                Some(items) => Shape::Array(Box::new(self.node(items, &format!("{at}[]")))),
                None => Shape::Json,
            },
            "object" => self.object(obj, at),
            _ => Shape::Json,
        }
    }

    fn object(&mut self, obj: &Map<String, Value>, at: &str) -> Shape {
        let Some(props) = obj.get("properties").and_then(Value::as_object) else {
            // A map with arbitrary keys or a free-form object: its columns cannot be named
            // in advance.
            return Shape::Json;
        };
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(props.len());
        for (name, schema) in props {
            let write_only = self
                .doc
                .deref(schema)
                .ok()
                .and_then(|(s, _)| s.get("writeOnly"))
                .and_then(Value::as_bool)
                == Some(true);
            if write_only {
                // Never in a response.
                continue;
            }
            let node = self.node(schema, &format!("{at}.{name}"));
            out.push(Prop {
                name: name.clone(),
                node,
                required: required.contains(&name.as_str()),
            });
        }
        Shape::Object(out)
    }
}

fn enum_type(values: &[Value]) -> &'static str {
    let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
    if !non_null.is_empty() && non_null.iter().all(|v| v.is_i64() || v.is_u64()) {
        "integer"
    } else if !non_null.is_empty() && non_null.iter().all(|v| v.is_number()) {
        "number"
    } else if !non_null.is_empty() && non_null.iter().all(|v| v.is_boolean()) {
        "boolean"
    } else {
        "string"
    }
}

fn x_hint_decimal(obj: &Map<String, Value>) -> bool {
    obj.iter().any(|(k, v)| {
        k.starts_with("x-")
            && v.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("decimal"))
    })
}

/// `allOf`: both constraints hold, so the result is the more specific of the two.
fn merge(a: Node, b: Node) -> Node {
    // Under allOf a value is null only if every part allows it; a part that says nothing
    // about types (`Any`) does not count.
    let nullable = match (&a.shape, &b.shape) {
        (Shape::Any, _) => b.nullable || a.nullable && matches!(b.shape, Shape::Any),
        (_, Shape::Any) => a.nullable,
        _ => a.nullable && b.nullable,
    };
    let shape = match (a.shape, b.shape) {
        (Shape::Any, s) | (s, Shape::Any) => s,
        (Shape::Object(mut x), Shape::Object(y)) => {
            for p in y {
                match x.iter_mut().find(|q| q.name == p.name) {
                    Some(q) => {
                        q.required |= p.required;
                        let n = std::mem::replace(&mut q.node, Node::json());
                        q.node = merge(n, p.node);
                    }
                    None => x.push(p),
                }
            }
            Shape::Object(x)
        }
        (x, y) if x == y => x,
        (Shape::Scalar(x), Shape::Scalar(y)) => match (x, y) {
            // `integer` with a `number` part is an integer.
            (DataType::Bigint, DataType::Double) | (DataType::Double, DataType::Bigint) => {
                Shape::Scalar(DataType::Bigint)
            }
            (DataType::Text, other) | (other, DataType::Text) => Shape::Scalar(other),
            _ => Shape::Json,
        },
        _ => Shape::Json,
    };
    Node { shape, nullable }
}

/// `oneOf`/`anyOf`: a value of either, so the narrowest type that holds both.
fn widen(a: Node, b: Node) -> Node {
    let nullable = a.nullable || b.nullable;
    // `{"type": "null"}` (3.1's null variant) only makes the other variant nullable.
    let only_null = |n: &Node| n.shape == Shape::Any && n.nullable;
    if only_null(&a) || only_null(&b) {
        let shape = if only_null(&a) { b.shape } else { a.shape };
        return Node { shape, nullable };
    }
    let shape = widen_shape(a.shape, b.shape);
    Node { shape, nullable }
}

fn widen_shape(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Object(mut x), Shape::Object(y)) => {
            for q in &mut x {
                q.required = q.required && y.iter().any(|p| p.name == q.name && p.required);
            }
            for p in y {
                match x.iter_mut().find(|q| q.name == p.name) {
                    Some(q) => {
                        let n = std::mem::replace(&mut q.node, Node::json());
                        q.node = widen(n, p.node);
                    }
                    None => x.push(Prop {
                        required: false,
                        ..p
                    }),
                }
            }
            Shape::Object(x)
        }
        (Shape::Array(x), Shape::Array(y)) => Shape::Array(Box::new(widen(*x, *y))),
        (Shape::Scalar(x), Shape::Scalar(y)) => widest(x, y).map_or(Shape::Json, Shape::Scalar),
        _ => Shape::Json,
    }
}

/// The widest common declared type of two scalars, if there is one.
pub fn widest(a: DataType, b: DataType) -> Option<DataType> {
    use restsource_core::DataType::*;
    let string = |t| matches!(t, Text | Timestamp | Date | Time | Binary);
    match (a, b) {
        _ if a == b => Some(a),
        (Bigint, Double) | (Double, Bigint) => Some(Double),
        (Bigint | Double, Decimal) | (Decimal, Bigint | Double) => Some(Decimal),
        _ if string(a) && string(b) => Some(Text),
        _ => None,
    }
}
