//! Collections as spec resources: names from paths, parents from path parameters, primary
//! keys, paginators, declared columns and the tables file.

use restsource_core::naming::Naming;
use restsource_core::tables::ResourceTables;
use serde_json::{json, Map, Value};

use super::endpoints::Collection;
use super::paginator;
use super::schema::{Node, Shape};
use super::tables;
use super::{ResourceReport, Seg};

/// One resource made from a collection.
pub struct Made {
    /// The spec's resource object.
    pub value: Value,
    /// Its primary key, when the schema names one.
    pub primary_key: Option<String>,
    /// Comments: the place under the resource and the text.
    pub comments: Vec<(Vec<Seg>, String)>,
    /// Its tables.
    pub tables: ResourceTables,
    /// What the report says about it.
    pub report: ResourceReport,
}

/// Every collection that can be a resource, in document order; the others are skips.
/// `sent_by_auth` is the query parameter the client auth already sends (an API key in the
/// query), which no resource repeats.
pub fn resources(
    collections: &[Collection],
    sent_by_auth: Option<&str>,
    skipped: &mut Vec<String>,
) -> Vec<Made> {
    let mut names: Vec<String> = Vec::new();
    // Paths of the resources made so far, with their name and primary key: a child's parent
    // must be one of them (documents list `/users` before `/users/{id}/posts`; a later
    // parent is looked up in a second pass below).
    let mut made: Vec<(Made, &Collection)> = Vec::new();
    let mut children: Vec<&Collection> = Vec::new();
    for c in collections {
        if c.path_params.is_empty() {
            match resource(c, None, sent_by_auth, &mut names) {
                Ok(m) => made.push((m, c)),
                Err(why) => skipped.push(format!("GET {}: {why}", c.path)),
            }
        } else {
            children.push(c);
        }
    }
    for c in children {
        match parent_of(c, &made) {
            Ok(parent) => match resource(c, Some(parent), sent_by_auth, &mut names) {
                Ok(m) => made.push((m, c)),
                Err(why) => skipped.push(format!("GET {}: {why}", c.path)),
            },
            Err(why) => skipped.push(format!("GET {}: {why}", c.path)),
        }
    }
    // Document order, so the spec reads like the document.
    made.sort_by_key(|(_, c)| collections.iter().position(|o| std::ptr::eq(o, *c)));
    made.into_iter().map(|(m, _)| m).collect()
}

/// The parent a child collection's one path parameter comes from: the resource whose path is
/// the child's up to that parameter, and the parent field that fills it.
struct Parent {
    name: String,
    param: String,
    field: String,
}

fn parent_of(c: &Collection, made: &[(Made, &Collection)]) -> Result<Parent, String> {
    let [param] = c.path_params.as_slice() else {
        return Err(format!(
            "needs {} path parameters ({}); a child resource takes one, from its parent's \
             records",
            c.path_params.len(),
            c.path_params.join(", ")
        ));
    };
    let placeholder = format!("/{{{param}}}");
    let Some(at) = c.path.find(&placeholder) else {
        return Err(format!(
            "path parameter `{param}` is not a whole path segment"
        ));
    };
    let parent_path = &c.path[..at];
    let Some((parent, pc)) = made.iter().find(|(_, pc)| pc.path == parent_path) else {
        return Err(format!(
            "path parameter `{param}` needs a parent list `GET {parent_path}`, which the \
             document lacks"
        ));
    };
    let has = |key: &str| match &pc.record.shape {
        Shape::Object(props) => props.iter().any(|p| p.name == key),
        _ => false,
    };
    let field = match &parent.primary_key {
        // `/pools/{pool_id}/history` from a pool's `pool_id`.
        _ if has(param) => param.clone(),
        Some(pk) => pk.clone(),
        None if has("id") => "id".into(),
        None => {
            return Err(format!(
                "the parent `{}` has no `id` or primary key to fill `{param}` from",
                parent.report.name
            ))
        }
    };
    Ok(Parent {
        name: parent.report.name.clone(),
        param: param.clone(),
        field,
    })
}

fn resource(
    c: &Collection,
    parent: Option<Parent>,
    sent_by_auth: Option<&str>,
    names: &mut Vec<String>,
) -> Result<Made, String> {
    let name = unique_name(&c.path, names);
    let paginator = paginator::detect(&c.query, &c.body, c.link_header);
    let mut params = paginator.params.clone();
    for (param, given) in &c.required {
        if params.contains_key(param)
            || paged_by(&paginator.value, param)
            || sent_by_auth == Some(param.as_str())
        {
            continue;
        }
        if restsource_spec::is_credential_param(param) {
            // Never a value from the document: read from the environment at run time.
            params.insert(
                param.clone(),
                json!({ "secret": param.to_ascii_lowercase().replace('-', "_") }),
            );
            continue;
        }
        match given {
            Some(v) => {
                params.insert(param.clone(), v.clone());
            }
            None => {
                names.retain(|n| n != &name);
                return Err(format!(
                    "the required query parameter `{param}` has no default, example or enum \
                     value to send"
                ));
            }
        }
    }
    let mut comments = Vec::new();
    if let Some(p) = &parent {
        params.insert(
            p.param.clone(),
            json!({ "type": "resolve", "resource": p.name, "field": p.field }),
        );
        comments.push((
            Vec::new(),
            format!(
                "child of `{}`: one request per `{}` record, `{{{}}}` from its `{}`",
                p.name, p.name, p.param, p.field
            ),
        ));
    }
    let primary_key = primary_key(&c.record, &name);
    let mut endpoint = Map::new();
    endpoint.insert("path".into(), c.path.clone().into());
    endpoint.insert("data_selector".into(), selector(&c.selector).into());
    if let Some(note) = &c.selector_note {
        comments.push((vec![key("endpoint"), key("data_selector")], note.clone()));
    }
    endpoint.insert("paginator".into(), paginator.value.clone());
    comments.push((
        vec![key("endpoint"), key("paginator")],
        paginator.why.clone(),
    ));
    if !params.is_empty() {
        endpoint.insert("params".into(), Value::Object(params));
    }
    let keys: Vec<String> = primary_key.iter().cloned().collect();
    let mut columns = Map::new();
    for (column, t) in tables::top_level_columns(&c.record) {
        let mut hints = json!({ "data_type": t.name() });
        if keys.contains(&column) {
            hints["nullable"] = false.into();
        }
        columns.insert(column, hints);
    }
    let mut value = Map::new();
    value.insert("name".into(), name.clone().into());
    if let Some(pk) = &primary_key {
        value.insert("primary_key".into(), pk.clone().into());
        value.insert("write_disposition".into(), "merge".into());
    }
    value.insert("endpoint".into(), Value::Object(endpoint));
    let typed_columns = columns.len();
    if !columns.is_empty() {
        value.insert("columns".into(), Value::Object(columns));
    }
    let shapes = tables::tables(&name, &c.record, &keys);
    let report = ResourceReport {
        name: name.clone(),
        path: c.path.clone(),
        paginator: paginator.why,
        columns: typed_columns,
        tables: shapes.len(),
        table_columns: tables::column_count(&shapes),
        parent: parent.map(|p| p.name),
    };
    Ok(Made {
        value: Value::Object(value),
        primary_key,
        comments,
        tables: ResourceTables {
            name,
            tables: shapes,
        },
        report,
    })
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// Whether the paginator already sends `param` (page number, offset, limit, cursor).
fn paged_by(paginator: &Value, param: &str) -> bool {
    let Some(obj) = paginator.as_object() else {
        return false;
    };
    let defaults = match obj.get("type").and_then(Value::as_str) {
        Some("offset") => vec!["offset", "limit"],
        Some("page_number") => vec!["page"],
        Some("cursor") => vec!["cursor"],
        _ => Vec::new(),
    };
    defaults.contains(&param)
        || obj
            .iter()
            .any(|(k, v)| k.ends_with("_param") && v.as_str() == Some(param))
}

/// A JSONPath for a key: bare when it is a plain name, bracketed otherwise (`['@odata.x']`).
fn selector(path: &str) -> String {
    let plain = |k: &str| {
        !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit())
    };
    if path == "$" || path.split('.').all(plain) {
        return path.to_string();
    }
    let parts: Vec<String> = path
        .split('.')
        .map(|k| format!("['{}']", k.replace('\'', "\\'")))
        .collect();
    format!("${}", parts.concat())
}

/// An `id`-like required property: `id`, `uuid`, or `<singular>_id`/`<singular>Id`.
fn primary_key(record: &Node, resource: &str) -> Option<String> {
    let Shape::Object(props) = &record.shape else {
        return None;
    };
    let singular = resource.strip_suffix('s').unwrap_or(resource);
    let candidates = [
        "id".to_string(),
        "uuid".to_string(),
        format!("{singular}_id"),
        format!("{singular}id"),
    ];
    candidates.iter().find_map(|want| {
        props
            .iter()
            .find(|p| {
                p.required
                    && p.name.to_ascii_lowercase() == *want
                    && matches!(p.node.shape, Shape::Scalar(_))
            })
            .map(|p| p.name.clone())
    })
}

/// A resource name from the path's literal segments (`/v1/users/{id}/posts` -> `posts`),
/// made unique by prefixing earlier segments (`users_posts`), then a number.
fn unique_name(path: &str, names: &mut Vec<String>) -> String {
    let literal: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{') && !is_version(s))
        .filter_map(|s| Naming::UNLIMITED.identifier(s))
        .collect();
    let mut name = String::new();
    for take in 1..=literal.len() {
        name = literal[literal.len() - take..].join("_");
        if !names.contains(&name) {
            names.push(name.clone());
            return name;
        }
    }
    if name.is_empty() {
        name = "root".into();
    }
    let mut n = 2;
    while names.contains(&format!("{name}_{n}")) {
        n += 1;
    }
    let name = format!("{name}_{n}");
    names.push(name.clone());
    name
}

/// `v1`, `v2.1`, `api`: path segments that name no resource.
fn is_version(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    lower == "api"
        || lower.strip_prefix('v').is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
}
