//! `restsource init --openapi`: an OpenAPI 3.0 or 3.1 document (JSON or YAML) as a spec draft
//! and its tables file.
//!
//! One resource per GET that returns a list, named from its path; the client from `servers`
//! and `securitySchemes`; paginators guessed from parameters and response fields (with the
//! reason beside each); typed `columns` for each record's top-level scalars and the whole
//! relational shape (flattened columns, child tables) as `<stem>.tables.json`, the file
//! `restsource infer` writes, so codegen types every field without sampling the API. What it
//! cannot use is listed in the [`Report`] and summarised in the spec's header.

mod auth;
mod build;
mod document;
mod endpoints;
mod paginator;
mod schema;
mod tables;

use std::fmt;

use restsource_core::naming::Naming;
use restsource_core::tables::TablesFile;
use serde_json::{json, Map, Value};

pub use crate::draft::{Draft, Seg};
pub use document::Document;
pub use schema::widest;

/// Why a document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// Neither JSON nor YAML; `line` and `column` are 1-based (0 when unknown).
    #[error("{line}:{column}: not a JSON or YAML document: {message}")]
    Parse {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A Swagger 2.0 document.
    #[error(
        "this is a Swagger {0} document; only OpenAPI 3.0 and 3.1 are read. Convert it first \
         (for example with swagger2openapi or the Swagger Editor's \"Convert to OpenAPI 3\"), \
         then run `restsource init --openapi` on the result"
    )]
    Swagger(String),
    /// No `openapi` key.
    #[error("no `openapi: 3.x` key at the top: not an OpenAPI document")]
    NotOpenApi,
    /// `openapi` is not 3.x.
    #[error("OpenAPI version `{0}` is not supported; expected 3.0 or 3.1")]
    Version(String),
}

/// What one resource became, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceReport {
    /// Resource name.
    pub name: String,
    /// The GET path it reads.
    pub path: String,
    /// The paginator and why.
    pub paginator: String,
    /// Declared (typed) top-level columns.
    pub columns: usize,
    /// Tables in the tables file (root and children).
    pub tables: usize,
    /// Typed columns over all those tables.
    pub table_columns: usize,
    /// The parent resource, for a child.
    pub parent: Option<String>,
}

/// What the import did and did not do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Operations (method and path) in the document.
    pub endpoints: usize,
    /// The resources made.
    pub resources: Vec<ResourceReport>,
    /// `METHOD /path: why` for operations that made no resource.
    pub skipped: Vec<String>,
    /// Other things left out or guessed: auth, schema parts kept as JSON, the base URL.
    pub notes: Vec<String>,
}

/// A document's spec draft, its tables file and the report.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec.
    pub draft: Draft,
    /// The relational shape of every resource (`<stem>.tables.json`).
    pub tables: TablesFile,
    /// What was made and skipped.
    pub report: Report,
}

/// Reads `text` (an OpenAPI document) into a spec named `name` (default: the document's
/// title in snake case). `file` names the document in the spec's header.
pub fn import(text: &str, name: Option<&str>, file: &str) -> Result<Imported, OpenApiError> {
    let doc = Document::parse(text)?;
    let mut reader = schema::Reader::new(&doc);
    let mut report = Report::default();
    let ops = endpoints::operations(&doc, &mut reader);
    report.endpoints = ops.count;
    report.skipped = ops.skipped;

    let title = doc
        .root
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = name
        .map(str::to_string)
        .or_else(|| Naming::UNLIMITED.identifier(title))
        .unwrap_or_else(|| "openapi".into());

    let mut comments: Vec<(Vec<Seg>, String)> = Vec::new();
    let mut client = Map::new();
    let (base_url, note) = base_url(&doc);
    client.insert("base_url".into(), base_url.into());
    if let Some(note) = note {
        comments.push((vec![key("client"), key("base_url")], note.clone()));
        report.notes.push(note);
    }
    let auth = auth::client_auth(&doc);
    let sent_by_auth = auth
        .value
        .as_ref()
        .filter(|a| a["location"] == "query")
        .and_then(|a| a["name"].as_str())
        .map(str::to_string);
    if let Some(value) = auth.value {
        client.insert("auth".into(), value);
        if let Some(c) = auth.comment {
            comments.push((vec![key("client"), key("auth")], c));
        }
    }
    report.notes.extend(auth.skipped);

    let made = build::resources(
        &ops.collections,
        sent_by_auth.as_deref(),
        &mut report.skipped,
    );
    let mut spec = Map::new();
    spec.insert("name".into(), name.clone().into());
    spec.insert("client".into(), Value::Object(client));
    let mut resources: Vec<Value> = made.iter().map(|m| m.value.clone()).collect();
    // A key every resource shares moves to `resource_defaults`, as a hand-written spec has it.
    let keys: Vec<Option<&String>> = made.iter().map(|m| m.primary_key.as_ref()).collect();
    if made.len() > 1 && keys.iter().all(|k| k.is_some() && *k == keys[0]) {
        spec.insert(
            "resource_defaults".into(),
            json!({ "primary_key": keys[0], "write_disposition": "merge" }),
        );
        for r in &mut resources {
            if let Some(obj) = r.as_object_mut() {
                obj.shift_remove("primary_key");
                obj.shift_remove("write_disposition");
            }
        }
    }
    for (i, m) in made.iter().enumerate() {
        for (place, text) in &m.comments {
            let mut at = vec![key("resources"), Seg::Index(i)];
            at.extend(place.iter().cloned());
            comments.push((at, text.clone()));
        }
    }
    spec.insert("resources".into(), Value::Array(resources));
    report.notes.extend(reader.problems);
    report.resources = made.iter().map(|m| m.report.clone()).collect();

    let tables = TablesFile {
        source: name,
        resources: made.into_iter().map(|m| m.tables).collect(),
    };
    let header = header(file, title, &doc.version, &report);
    Ok(Imported {
        draft: Draft {
            spec: Value::Object(spec),
            comments,
            header,
        },
        tables,
        report,
    })
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// The first server's URL with its variables' defaults; a relative or missing one gets a
/// placeholder host and a note.
fn base_url(doc: &Document) -> (String, Option<String>) {
    let server = doc
        .root
        .get("servers")
        .and_then(Value::as_array)
        .and_then(|s| s.first());
    let mut url = server
        .and_then(|s| s.get("url"))
        .and_then(Value::as_str)
        .unwrap_or("/")
        .to_string();
    if let Some(vars) = server
        .and_then(|s| s.get("variables"))
        .and_then(Value::as_object)
    {
        for (var, def) in vars {
            let value = def.get("default").and_then(Value::as_str).unwrap_or("");
            url = url.replace(&format!("{{{var}}}"), value);
        }
    }
    let url = url.trim_end_matches('/').to_string();
    if url.starts_with("http://") || url.starts_with("https://") {
        return (url, None);
    }
    let placeholder = format!("https://api.example.invalid{url}");
    let note = format!(
        "base_url: the document's server is `{}`, not an absolute URL; replace the host of \
         {placeholder}",
        if url.is_empty() { "/" } else { url.as_str() }
    );
    (placeholder, Some(note))
}

/// How many skips the header lists before it only counts them.
const HEADER_SKIPS: usize = 20;

fn header(file: &str, title: &str, version: &str, report: &Report) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Written by `restsource init --openapi {file}` from \"{title}\" (OpenAPI {version})."
        ),
        format!(
            "{} operations: {} resources made, {} skipped. Check the guesses marked below.",
            report.endpoints,
            report.resources.len(),
            report.skipped.len()
        ),
    ];
    let listed: Vec<&String> = report.skipped.iter().chain(&report.notes).collect();
    if !listed.is_empty() {
        lines.push(String::new());
        lines.push("Skipped or left out:".into());
    }
    for line in listed.iter().take(HEADER_SKIPS) {
        lines.push(format!("- {line}"));
    }
    if listed.len() > HEADER_SKIPS {
        lines.push(format!(
            "- ... and {} more (the command's report lists them all)",
            listed.len() - HEADER_SKIPS
        ));
    }
    lines
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} operations, {} resources made, {} skipped",
            self.endpoints,
            self.resources.len(),
            self.skipped.len()
        )?;
        for r in &self.resources {
            let child = r
                .parent
                .as_ref()
                .map(|p| format!(", child of {p}"))
                .unwrap_or_default();
            writeln!(
                f,
                "  {} (GET {}{child}): {} columns typed, {} tables with {} typed columns",
                r.name, r.path, r.columns, r.tables, r.table_columns
            )?;
            writeln!(f, "    paginator {}", r.paginator)?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "skipped:")?;
            for s in &self.skipped {
                writeln!(f, "  {s}")?;
            }
        }
        if !self.notes.is_empty() {
            writeln!(f, "notes:")?;
            for n in &self.notes {
                writeln!(f, "  {n}")?;
            }
        }
        Ok(())
    }
}
