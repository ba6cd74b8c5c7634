//! Reading an OpenAPI document: JSON or YAML text into one JSON value, the version check, and
//! `$ref` resolution inside the document.

use serde_json::Value;

use super::OpenApiError;

/// A parsed OpenAPI 3.x document.
#[derive(Debug, Clone)]
pub struct Document {
    /// The whole document.
    pub root: Value,
    /// `openapi`'s version text (`3.0.3`, `3.1.0`).
    pub version: String,
}

/// A `$ref` that could not be followed: why, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefProblem {
    /// The pointer names nothing in the document.
    Missing(String),
    /// A reference into another file or URL (only `#/...` is read).
    External(String),
    /// References that lead back to themselves without a schema in between.
    Cycle(Vec<String>),
}

impl std::fmt::Display for RefProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefProblem::Missing(r) => write!(f, "`$ref: {r}` points at nothing in the document"),
            RefProblem::External(r) => write!(
                f,
                "`$ref: {r}` is in another file; only references inside the document are read"
            ),
            RefProblem::Cycle(chain) => {
                write!(f, "`$ref` cycle: {}", chain.join(" -> "))
            }
        }
    }
}

impl Document {
    /// Parses `text`: JSON when it starts with `{`, else YAML (a superset of JSON). Swagger
    /// 2.0 and documents without `openapi: 3.x` are refused with what to do instead.
    pub fn parse(text: &str) -> Result<Document, OpenApiError> {
        // Editors on Windows may start a file with a byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root = if text.trim_start().starts_with('{') {
            serde_json::from_str::<Value>(text).map_err(|e| OpenApiError::Parse {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?
        } else {
            let parse_error = |e: serde_yaml_ng::Error| OpenApiError::Parse {
                line: e.location().map_or(0, |l| l.line()),
                column: e.location().map_or(0, |l| l.column()),
                message: e.to_string(),
            };
            let mut yaml: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).map_err(parse_error)?;
            // `<<: *defaults` merge keys, which hand-written documents use to share fields.
            yaml.apply_merge().map_err(parse_error)?;
            yaml_to_json(yaml)
        };
        if let Some(v) = root.get("swagger") {
            let version = scalar_text(v);
            return Err(OpenApiError::Swagger(version));
        }
        let version = match root.get("openapi") {
            Some(v) => scalar_text(v),
            None => return Err(OpenApiError::NotOpenApi),
        };
        if !version.starts_with("3.") {
            return Err(OpenApiError::Version(version));
        }
        Ok(Document { root, version })
    }

    /// The value `reference` (`#/components/schemas/User`) points at.
    pub fn pointer(&self, reference: &str) -> Result<&Value, RefProblem> {
        let Some(pointer) = reference.strip_prefix('#') else {
            return Err(RefProblem::External(reference.to_string()));
        };
        let decoded = percent_decode(pointer);
        self.root
            .pointer(&decoded)
            .ok_or_else(|| RefProblem::Missing(reference.to_string()))
    }

    /// `value` with its `$ref` chain followed to the first value that is not a reference,
    /// and the references passed on the way (the last one names the result, which lets a
    /// recursive schema be recognised). A chain that comes back to a reference already
    /// passed is a `RefProblem::Cycle`, never a loop.
    pub fn deref<'a>(&'a self, value: &'a Value) -> Result<(&'a Value, Vec<String>), RefProblem> {
        let mut current = value;
        let mut chain: Vec<String> = Vec::new();
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            if chain.iter().any(|r| r == reference) {
                chain.push(reference.to_string());
                return Err(RefProblem::Cycle(chain));
            }
            chain.push(reference.to_string());
            current = self.pointer(reference)?;
        }
        Ok((current, chain))
    }
}

/// A YAML value as JSON: keys become strings (`200:` is the key `"200"`), tags are dropped.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (key_text(k), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn key_text(key: serde_yaml_ng::Value) -> String {
    match yaml_to_json(key) {
        Value::String(s) => s,
        other => scalar_text(&other),
    }
}

/// A scalar as its text (`3.0` for the number 3.0 as YAML writes it unquoted).
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `%7B` and friends in a pointer, as JSON references in URI fragments may carry them.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
