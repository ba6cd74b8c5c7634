//! The document's operations: which GETs return a collection, where the records sit in the
//! response, their schema, and the parameters they take. Everything else is a skip with its
//! reason.

use serde_json::Value;

use super::document::Document;
use super::paginator::Param;
use super::schema::{Node, Reader, Shape};

/// A GET operation that returns a list of records.
#[derive(Debug, Clone)]
pub struct Collection {
    /// The path as the document writes it (`/users/{user_id}/posts`).
    pub path: String,
    /// JSONPath of the record list (`data`, `$` for a root array).
    pub selector: String,
    /// Why this selector, when it was a choice among several lists.
    pub selector_note: Option<String>,
    /// The response body's shape (for paginator fields).
    pub body: Node,
    /// One record's shape.
    pub record: Node,
    /// Query parameters.
    pub query: Vec<Param>,
    /// Required query parameters and the value the document gives them (default, example
    /// or first enum value); `None` when it gives none.
    pub required: Vec<(String, Option<Value>)>,
    /// Path parameters in order.
    pub path_params: Vec<String>,
    /// Whether the response declares a `Link` header.
    pub link_header: bool,
}

/// The operations of the document: GET collections, and the skipped ones with the reason.
pub struct Operations {
    /// How many operations (method and path) the document has.
    pub count: usize,
    /// GET operations returning a list, in document order.
    pub collections: Vec<Collection>,
    /// `METHOD /path: why` for every operation that made no resource.
    pub skipped: Vec<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "options", "head", "trace",
];

/// Preferred names of the list property when a response has several lists.
const LIST_NAMES: [&str; 12] = [
    "data", "items", "results", "records", "entries", "values", "list", "content", "hits", "rows",
    "elements", "objects",
];

/// Reads every operation of `doc`.
pub fn operations(doc: &Document, reader: &mut Reader<'_>) -> Operations {
    let mut out = Operations {
        count: 0,
        collections: Vec::new(),
        skipped: Vec::new(),
    };
    let Some(paths) = doc.root.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let item = doc.deref(item).map(|(v, _)| v).unwrap_or(item);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            out.count += 1;
            let upper = method.to_ascii_uppercase();
            if method != "get" {
                out.skipped.push(format!("{upper} {path}: not a GET"));
                continue;
            }
            match collection(doc, reader, path, item, op) {
                Ok(c) => out.collections.push(c),
                Err(why) => out.skipped.push(format!("GET {path}: {why}")),
            }
        }
    }
    out
}

fn collection(
    doc: &Document,
    reader: &mut Reader<'_>,
    path: &str,
    item: &Value,
    op: &Value,
) -> Result<Collection, String> {
    let (response, schema) = response_schema(doc, op)?;
    let at = format!("GET {path}");
    let body = reader.node(schema, &at);
    let (selector, record, selector_note) = records(&body)?;
    if selector != "$" && path.trim_end_matches('/').ends_with('}') {
        // `GET /orders/{id}` answers one order, even when the order holds a list.
        return Err("returns one record (the path ends in a parameter), not a list".into());
    }
    let link_header = response
        .get("headers")
        .and_then(Value::as_object)
        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("link")));
    let mut query = Vec::new();
    let mut required = Vec::new();
    let mut path_params = Vec::new();
    for p in parameters(doc, item, op) {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let schema = p
            .get("schema")
            .and_then(|s| doc.deref(s).ok())
            .map(|(s, _)| s);
        let number = |key: &str| schema.and_then(|s| s.get(key)).and_then(Value::as_i64);
        match p.get("in").and_then(Value::as_str) {
            Some("query") => {
                query.push(Param {
                    name: name.to_string(),
                    default: number("default"),
                    maximum: number("maximum"),
                    minimum: number("minimum"),
                });
                if p.get("required").and_then(Value::as_bool) == Some(true) {
                    let given = schema
                        .and_then(|s| s.get("default"))
                        .or_else(|| p.get("example"))
                        .or_else(|| schema.and_then(|s| s.get("example")))
                        .or_else(|| {
                            schema
                                .and_then(|s| s.get("enum"))
                                .and_then(Value::as_array)
                                .and_then(|e| e.first())
                        })
                        .cloned();
                    required.push((name.to_string(), given));
                }
            }
            Some("path") => path_params.push(name.to_string()),
            Some("header") if p.get("required").and_then(Value::as_bool) == Some(true) => {
                return Err(format!(
                    "needs the request header `{name}`; add it to `endpoint.headers` by hand"
                ));
            }
            _ => {}
        }
    }
    // The path's own placeholders are authoritative (a document may not declare them).
    let in_path: Vec<String> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect();
    path_params.retain(|p| in_path.contains(p));
    for p in in_path {
        if !path_params.contains(&p) {
            path_params.push(p);
        }
    }
    Ok(Collection {
        path: path.to_string(),
        selector,
        selector_note,
        body,
        record,
        query,
        required,
        path_params,
        link_header,
    })
}

/// The operation's successful response and its JSON schema.
fn response_schema<'d>(doc: &'d Document, op: &'d Value) -> Result<(&'d Value, &'d Value), String> {
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or("no `responses`")?;
    let code = ["200", "2XX", "2xx"]
        .into_iter()
        .find(|c| responses.contains_key(*c))
        .map(str::to_string)
        .or_else(|| responses.keys().find(|k| k.starts_with('2')).cloned())
        .ok_or("no successful (2xx) response")?;
    let response = responses.get(&code).ok_or("no successful (2xx) response")?;
    let response = doc
        .deref(response)
        .map(|(r, _)| r)
        .map_err(|e| e.to_string())?;
    let content = response.get("content").and_then(Value::as_object);
    let schema = content
        .and_then(|c| {
            c.get("application/json")
                .or_else(|| c.iter().find(|(k, _)| k.contains("json")).map(|(_, v)| v))
        })
        .and_then(|m| m.get("schema"))
        .ok_or_else(|| format!("response {code} has no JSON body schema"))?;
    Ok((response, schema))
}

/// The path item's and the operation's parameters (the operation's win by name and place).
fn parameters<'d>(doc: &'d Document, item: &'d Value, op: &'d Value) -> Vec<&'d Value> {
    let list = |v: &'d Value| -> Vec<&'d Value> {
        v.get("parameters")
            .and_then(Value::as_array)
            .map(|ps| {
                ps.iter()
                    .map(|p| doc.deref(p).map(|(p, _)| p).unwrap_or(p))
                    .collect()
            })
            .unwrap_or_default()
    };
    let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
    let own = list(op);
    let mut out: Vec<&Value> = list(item)
        .into_iter()
        .filter(|p| !own.iter().any(|o| key(o) == key(p)))
        .collect();
    out.extend(own);
    out
}

/// Where the records are: the root array, or the object's list property (up to two levels
/// deep), with a note when the choice was among several.
fn records(body: &Node) -> Result<(String, Node, Option<String>), String> {
    match &body.shape {
        Shape::Array(element) => Ok(("$".into(), (**element).clone(), None)),
        Shape::Object(props) => {
            if props
                .iter()
                .any(|p| p.name == "id" && matches!(p.node.shape, Shape::Scalar(_)))
            {
                // A record with an `id` (and perhaps lists of its own), not an envelope.
                return Err("returns one record, not a list".into());
            }
            let lists: Vec<_> = props
                .iter()
                .filter_map(|p| match &p.node.shape {
                    Shape::Array(e) => Some((p.name.clone(), (**e).clone())),
                    _ => None,
                })
                .collect();
            if lists.is_empty() {
                // `{"data": {"items": [...]}}`.
                for p in props {
                    if let Shape::Object(_) = p.node.shape {
                        if let Ok((inner, record, note)) = records(&p.node) {
                            if inner != "$" {
                                return Ok((format!("{}.{inner}", p.name), record, note));
                            }
                        }
                    }
                }
                return Err("returns one object, not a list".into());
            }
            let preferred = lists
                .iter()
                .position(|(name, _)| LIST_NAMES.contains(&name.to_ascii_lowercase().as_str()));
            let index = preferred.unwrap_or(0);
            let note = (lists.len() > 1).then(|| {
                let names: Vec<&str> = lists.iter().map(|(n, _)| n.as_str()).collect();
                format!(
                    "data_selector: the response has several lists ({}); `{}` was taken",
                    names.join(", "),
                    lists[index].0
                )
            });
            let (name, record) = lists[index].clone();
            Ok((name, record, note))
        }
        _ => Err("the response is not a list or an object holding one".into()),
    }
}
